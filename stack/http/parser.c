/*
 * parser.c — the incremental HTTP/1.1 message parser (RFC 9112).
 *
 * Bytes go in as they arrive, split anywhere; the parser walks them one at a
 * time through a small state machine and stops at each event: head complete
 * (RFC 9112 2.1: start-line, field lines, empty line), a piece of body, the
 * message complete, or an error. Line by line it checks:
 *   - the request-line (3) or status-line (4), with the version (2.3),
 *   - field lines (5): a token name right before the colon, no obs-fold
 *     (5.2), no control characters in values (RFC 9110 5.5),
 *   - the framing (6.3): Transfer-Encoding chunked (7.1) or Content-Length,
 *     never both, and Host on HTTP/1.1 requests (3.2),
 * and it bounds everything: the request line (414), the header section and
 * the number of fields (431), the body (413), chunk extensions (400).
 *
 * Start line and field lines are kept in one buffer as '\0'-terminated
 * strings that msg points into; body bytes are never copied.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http/http_internal.h"

enum parser_state {
	S_START,          /* before a message: skip empty lines (RFC 9112 2.2) */
	S_START_LINE,     /* request-line or status-line */
	S_FIELD_LINE,     /* a header field line, or the empty line ending the head */
	S_BODY_LENGTH,    /* Content-Length bytes */
	S_CHUNK_SIZE,     /* hex digits of a chunk size */
	S_CHUNK_EXT,      /* ;name=value after the size, skipped */
	S_CHUNK_DATA,     /* chunk bytes */
	S_CHUNK_DATA_END, /* the CRLF after chunk data */
	S_TRAILER,        /* trailer field lines after the last chunk, skipped */
	S_BODY_CLOSE,     /* a response body that ends with the connection */
	S_DONE_PENDING,   /* the message is complete; DONE not yet returned */
	S_AFTER_DONE,     /* DONE returned: the next byte starts a new message */
	S_ERROR,
};

void tapir_http_parser_init(struct tapir_http_parser *p, enum tapir_http_parse_mode mode,
                            uint64_t max_body)
{
	p->mode = mode;
	p->max_body = max_body;
	p->head_response = false;
	http_parser_reset(p);
}

/* Forget the last message; keep mode, limits and head_response. */
void http_parser_reset(struct tapir_http_parser *p)
{
	memset(&p->msg, 0, sizeof(p->msg));
	p->state = S_START;
	p->status = 0;
	p->reason = NULL;
	p->drop = TAPIR_DROP_NONE;
	p->line_len = 0;
	p->head_len = 0;
	p->body_len = 0;
	p->chunk_left = 0;
	p->chunk_digits = 0;
	p->ext_len = 0;
	p->saw_cr = false;
	p->started = false;
	p->store_len = 0;
	p->line_start = 0;
}

bool tapir_http_parser_busy(const struct tapir_http_parser *p)
{
	return p->started && p->state != S_AFTER_DONE && p->state != S_ERROR &&
	       p->state != S_DONE_PENDING;
}

static enum tapir_http_event fail(struct tapir_http_parser *p, uint16_t status,
                                  enum tapir_drop drop, const char *reason)
{
	p->state = S_ERROR;
	p->status = status;
	p->drop = drop;
	p->reason = reason;
	return TAPIR_HTTP_EV_ERROR;
}

/* ---- characters (RFC 9110 5.6.2, RFC 5234 B.1) ------------------------------------ */

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

/* Bytes allowed inside a line: VCHAR, obs-text, SP and HTAB. */
static bool is_line_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ---- header lookup ---------------------------------------------------------------- */

const char *tapir_http_header(const struct tapir_http_message *msg, const char *name)
{
	for (size_t i = 0; i < msg->nheaders; i++)
		if (strcasecmp(msg->headers[i].name, name) == 0)
			return msg->headers[i].value;
	return NULL;
}

/* Does the comma-separated list `list` hold `token` (any case)? */
bool http_list_has_token(const char *list, const char *token)
{
	size_t tlen = strlen(token);

	while (list && *list) {
		while (*list == ' ' || *list == '\t' || *list == ',')
			list++;
		size_t n = strcspn(list, ",");
		size_t end = n;
		while (end > 0 && (list[end - 1] == ' ' || list[end - 1] == '\t'))
			end--;
		if (end == tlen && strncasecmp(list, token, tlen) == 0)
			return true;
		list += n;
	}
	return false;
}

bool tapir_http_header_has_token(const struct tapir_http_message *msg, const char *name,
                                 const char *token)
{
	for (size_t i = 0; i < msg->nheaders; i++)
		if (strcasecmp(msg->headers[i].name, name) == 0 &&
		    http_list_has_token(msg->headers[i].value, token))
			return true;
	return false;
}

/* ---- the start line (RFC 9112 3 and 4) --------------------------------------------- */

/* "HTTP/1.1" -> 11. Returns 0, -EINVAL (not a version) or -EPROTONOSUPPORT. */
static int parse_version(const char *s, unsigned *version)
{
	if (strncmp(s, "HTTP/", 5) != 0 || s[5] < '0' || s[5] > '9' || s[6] != '.' || s[7] < '0' ||
	    s[7] > '9' || s[8] != '\0')
		return -EINVAL;
	if (s[5] != '1')
		return -EPROTONOSUPPORT;
	/* RFC 9110 6.2: a 1.x message with x > 1 is handled as 1.1. */
	*version = s[7] == '0' ? 10 : 11;
	return 0;
}

/* Split the line at single spaces into at most `max` parts. */
static size_t split_spaces(char *line, char **parts, size_t max)
{
	size_t n = 0;

	parts[n++] = line;
	for (char *c = line; *c && n < max; c++) {
		if (*c == ' ') {
			*c = '\0';
			parts[n++] = c + 1;
		}
	}
	return n;
}

static bool is_target(const char *t)
{
	if (!*t)
		return false;
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return false;
	return true;
}

static enum tapir_http_event request_line(struct tapir_http_parser *p, char *line)
{
	char *parts[3];
	size_t n = split_spaces(line, parts, 3);
	int err;

	if (n != 3)
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_REQUEST,
		            "request line is not method target version");
	if (!is_token(parts[0]))
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_REQUEST, "method is not a token");
	if (!is_target(parts[1]))
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_REQUEST, "bad request target");
	err = parse_version(parts[2], &p->msg.version);
	if (err == -EPROTONOSUPPORT)
		return fail(p, 505, TAPIR_DROP_HTTP_BAD_VERSION, "HTTP major version is not 1");
	if (err < 0)
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_REQUEST, "bad HTTP version");
	p->msg.method = parts[0];
	p->msg.target = parts[1];
	return TAPIR_HTTP_EV_NEED_MORE;
}

static enum tapir_http_event status_line(struct tapir_http_parser *p, char *line)
{
	char *parts[3];
	size_t n = split_spaces(line, parts, 3);

	if (n < 2 || parse_version(parts[0], &p->msg.version) < 0)
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_RESPONSE, "bad status line");
	const char *s = parts[1];
	if (strlen(s) != 3 || s[0] < '1' || s[0] > '5' || s[1] < '0' || s[1] > '9' || s[2] < '0' ||
	    s[2] > '9')
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_RESPONSE, "bad status code");
	p->msg.status = (uint16_t)((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
	p->msg.reason = n == 3 ? parts[2] : "";
	return TAPIR_HTTP_EV_NEED_MORE;
}

/* ---- field lines (RFC 9112 5) --------------------------------------------------------- */

static enum tapir_http_event field_line(struct tapir_http_parser *p, char *line)
{
	enum tapir_drop bad = p->mode == TAPIR_HTTP_PARSE_REQUEST ? TAPIR_DROP_HTTP_BAD_REQUEST
	                                                          : TAPIR_DROP_HTTP_BAD_RESPONSE;
	char *colon = strchr(line, ':');

	if (line[0] == ' ' || line[0] == '\t')
		return fail(p, 400, bad, "obs-fold (a field line starting with whitespace)");
	if (!colon)
		return fail(p, 400, bad, "field line without a colon");
	*colon = '\0';
	if (!is_token(line))
		return fail(p, 400, bad, "field name is not a token (whitespace before colon?)");
	if (p->msg.nheaders == TAPIR_HTTP_HEADERS_MAX)
		return fail(p, 431, TAPIR_DROP_HTTP_HEADERS_TOO_LARGE, "too many header fields");
	char *value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	size_t len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		value[--len] = '\0';
	p->msg.headers[p->msg.nheaders].name = line;
	p->msg.headers[p->msg.nheaders].value = value;
	p->msg.nheaders++;
	return TAPIR_HTTP_EV_NEED_MORE;
}

/* ---- the end of the head: framing (RFC 9112 6.3) --------------------------------------- */

static size_t count_headers(const struct tapir_http_message *msg, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < msg->nheaders; i++)
		if (strcasecmp(msg->headers[i].name, name) == 0)
			n++;
	return n;
}

/* Every Content-Length field must be the same plain number (RFC 9112 6.3 5). */
static int content_length(const struct tapir_http_message *msg, uint64_t *out)
{
	bool seen = false;

	for (size_t i = 0; i < msg->nheaders; i++) {
		const char *v = msg->headers[i].value;
		uint64_t n = 0;

		if (strcasecmp(msg->headers[i].name, "Content-Length") != 0)
			continue;
		if (!*v || strlen(v) > 18)
			return -EINVAL;
		for (; *v; v++) {
			if (*v < '0' || *v > '9')
				return -EINVAL;
			n = n * 10 + (uint64_t)(*v - '0');
		}
		if (seen && n != *out)
			return -EINVAL;
		*out = n;
		seen = true;
	}
	return 0;
}

/* Transfer-Encoding (RFC 9112 6.1): 0 when the codings are just "chunked";
 * -ENOTSUP when chunked is last but other codings come first (we decode
 * none: 501); -EINVAL when chunked is not the final coding. */
static int transfer_coding(const struct tapir_http_message *msg)
{
	unsigned codings = 0;
	bool last_chunked = false;

	for (size_t i = 0; i < msg->nheaders; i++) {
		const char *v = msg->headers[i].value;

		if (strcasecmp(msg->headers[i].name, "Transfer-Encoding") != 0)
			continue;
		while (*v) {
			while (*v == ' ' || *v == '\t' || *v == ',')
				v++;
			if (!*v)
				break;
			size_t n = strcspn(v, ",");
			size_t end = n;
			while (end > 0 && (v[end - 1] == ' ' || v[end - 1] == '\t'))
				end--;
			codings++;
			last_chunked = end == 7 && strncasecmp(v, "chunked", 7) == 0;
			v += n;
		}
	}
	if (!last_chunked)
		return -EINVAL;
	return codings == 1 ? 0 : -ENOTSUP;
}

static void connection_options(struct tapir_http_parser *p)
{
	struct tapir_http_message *m = &p->msg;
	bool close = tapir_http_header_has_token(m, "Connection", "close");

	if (m->version >= 11)
		m->keep_alive = !close;
	else
		m->keep_alive =
		    !close && tapir_http_header_has_token(m, "Connection", "keep-alive");
	m->upgrade = tapir_http_header_has_token(m, "Connection", "upgrade") &&
	             tapir_http_header(m, "Upgrade") != NULL;
	const char *expect = tapir_http_header(m, "Expect");
	m->expect_continue = expect && strcasecmp(expect, "100-continue") == 0;
}

static enum tapir_http_event start_body(struct tapir_http_parser *p)
{
	struct tapir_http_message *m = &p->msg;

	if (m->chunked) {
		p->state = S_CHUNK_SIZE;
		p->chunk_digits = 0;
		p->chunk_left = 0;
	} else if (m->has_length && m->content_length > 0) {
		p->state = S_BODY_LENGTH;
	} else if (m->until_close) {
		p->state = S_BODY_CLOSE;
	} else {
		p->state = S_DONE_PENDING;
	}
	return TAPIR_HTTP_EV_HEAD;
}

static enum tapir_http_event finish_request_head(struct tapir_http_parser *p)
{
	struct tapir_http_message *m = &p->msg;
	bool has_te = tapir_http_header(m, "Transfer-Encoding") != NULL;
	size_t hosts = count_headers(m, "Host");

	if ((m->version >= 11 && hosts != 1) || hosts > 1)
		return fail(p, 400, TAPIR_DROP_HTTP_NO_HOST,
		            hosts ? "more than one Host field" : "HTTP/1.1 request without Host");
	if (has_te && tapir_http_header(m, "Content-Length"))
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_FRAMING,
		            "both Content-Length and Transfer-Encoding");
	if (has_te) {
		int err = transfer_coding(m);
		if (err == -ENOTSUP)
			return fail(p, 501, TAPIR_DROP_HTTP_UNKNOWN_CODING,
			            "transfer coding other than chunked");
		if (err < 0)
			return fail(p, 400, TAPIR_DROP_HTTP_BAD_FRAMING,
			            "chunked is not the final coding");
		m->chunked = true;
	} else if (tapir_http_header(m, "Content-Length")) {
		if (content_length(m, &m->content_length) < 0)
			return fail(p, 400, TAPIR_DROP_HTTP_BAD_FRAMING, "bad Content-Length");
		m->has_length = true;
		if (m->content_length > p->max_body)
			return fail(p, 413, TAPIR_DROP_HTTP_BODY_TOO_LARGE,
			            "Content-Length over the body limit");
	}
	connection_options(p);
	/* RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing. */
	if (has_te && m->version < 11)
		m->keep_alive = false;
	return start_body(p);
}

static enum tapir_http_event finish_response_head(struct tapir_http_parser *p)
{
	struct tapir_http_message *m = &p->msg;

	connection_options(p);
	/* RFC 9112 6.3 1: no body after HEAD, 1xx, 204 and 304. */
	if (p->head_response || m->status < 200 || m->status == 204 || m->status == 304) {
		p->state = S_DONE_PENDING;
		return TAPIR_HTTP_EV_HEAD;
	}
	if (tapir_http_header(m, "Transfer-Encoding")) {
		if (transfer_coding(m) == 0) {
			m->chunked = true;
		} else {
			m->until_close = true; /* 6.3 3: read until the connection closes */
			m->keep_alive = false;
		}
	} else if (tapir_http_header(m, "Content-Length")) {
		if (content_length(m, &m->content_length) < 0)
			return fail(p, 400, TAPIR_DROP_HTTP_BAD_RESPONSE, "bad Content-Length");
		m->has_length = true;
	} else {
		m->until_close = true;
		m->keep_alive = false;
	}
	if (m->has_length && m->content_length > p->max_body)
		return fail(p, 413, TAPIR_DROP_HTTP_BODY_TOO_LARGE, "body over the limit");
	return start_body(p);
}

/* ---- lines ------------------------------------------------------------------------------ */

/* A whole line sits in store from line_start, '\0'-terminated. */
static enum tapir_http_event line_complete(struct tapir_http_parser *p)
{
	char *line = p->store + p->line_start;
	enum tapir_http_event ev;

	p->store[p->store_len++] = '\0';
	if (p->state == S_START_LINE) {
		ev = p->mode == TAPIR_HTTP_PARSE_REQUEST ? request_line(p, line)
		                                         : status_line(p, line);
		if (ev == TAPIR_HTTP_EV_NEED_MORE) {
			p->state = S_FIELD_LINE;
			p->line_start = p->store_len;
		}
		return ev;
	}
	if (p->state == S_TRAILER) { /* trailers are read and dropped */
		p->store_len = p->line_start;
		if (*line == '\0')
			p->state = S_DONE_PENDING;
		return TAPIR_HTTP_EV_NEED_MORE;
	}
	if (*line == '\0')
		return p->mode == TAPIR_HTTP_PARSE_REQUEST ? finish_request_head(p)
		                                           : finish_response_head(p);
	ev = field_line(p, line);
	p->line_start = p->store_len;
	return ev;
}

/* Limits of a line by where it is: the start line, or the header section. */
static enum tapir_http_event line_too_long(struct tapir_http_parser *p)
{
	if (p->state == S_START_LINE) {
		if (p->mode == TAPIR_HTTP_PARSE_RESPONSE)
			return fail(p, 400, TAPIR_DROP_HTTP_BAD_RESPONSE, "status line too long");
		return fail(p, 414, TAPIR_DROP_HTTP_URI_TOO_LONG, "request line too long");
	}
	if (p->state == S_TRAILER)
		return fail(p, 431, TAPIR_DROP_HTTP_HEADERS_TOO_LARGE, "trailer section too large");
	return fail(p, 431, TAPIR_DROP_HTTP_HEADERS_TOO_LARGE, "header section too large");
}

/* One byte of a line (start line, field line or trailer line). */
static enum tapir_http_event line_byte(struct tapir_http_parser *p, unsigned char c)
{
	enum tapir_drop bad = p->mode == TAPIR_HTTP_PARSE_REQUEST ? TAPIR_DROP_HTTP_BAD_REQUEST
	                                                          : TAPIR_DROP_HTTP_BAD_RESPONSE;

	p->line_len++;
	if (p->state == S_START_LINE ? p->line_len > TAPIR_HTTP_REQUEST_LINE_MAX
	                             : p->head_len + p->line_len > TAPIR_HTTP_HEADER_SECTION_MAX)
		return line_too_long(p);
	if (p->saw_cr && c != '\n')
		return fail(p, 400, bad, "CR not followed by LF");
	if (c == '\r') {
		p->saw_cr = true;
		return TAPIR_HTTP_EV_NEED_MORE;
	}
	if (c == '\n') { /* CRLF, or a bare LF (RFC 9112 2.2 lets us accept it) */
		if (p->state != S_START_LINE)
			p->head_len += p->line_len;
		p->line_len = 0;
		p->saw_cr = false;
		return line_complete(p);
	}
	if (!is_line_char(c))
		return fail(p, 400, bad, "control character in the head");
	if (p->store_len + 2 >= sizeof(p->store))
		return line_too_long(p);
	p->store[p->store_len++] = (char)c;
	return TAPIR_HTTP_EV_NEED_MORE;
}

static void begin_line(struct tapir_http_parser *p)
{
	p->line_start = p->store_len;
}

/* ---- chunked bodies (RFC 9112 7.1) -------------------------------------------------------- */

static enum tapir_http_event chunk_size_byte(struct tapir_http_parser *p, unsigned char c)
{
	int h = hex_value(c);

	if (p->saw_cr && c != '\n')
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_REQUEST, "CR not followed by LF");
	if (h >= 0 && p->state == S_CHUNK_SIZE) {
		if (p->chunk_digits >= 15)
			return fail(p, 413, TAPIR_DROP_HTTP_BODY_TOO_LARGE, "chunk size too large");
		p->chunk_left = p->chunk_left * 16 + (uint64_t)h;
		p->chunk_digits++;
		return TAPIR_HTTP_EV_NEED_MORE;
	}
	if (p->chunk_digits == 0)
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_REQUEST, "chunk size missing");
	if (c == '\r') {
		p->saw_cr = true;
		return TAPIR_HTTP_EV_NEED_MORE;
	}
	if (c == '\n') {
		p->saw_cr = false;
		if (p->body_len + p->chunk_left > p->max_body)
			return fail(p, 413, TAPIR_DROP_HTTP_BODY_TOO_LARGE,
			            "chunked body over the body limit");
		if (p->chunk_left == 0) {
			p->state = S_TRAILER;
			begin_line(p);
		} else {
			p->state = S_CHUNK_DATA;
		}
		return TAPIR_HTTP_EV_NEED_MORE;
	}
	/* chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): skipped. */
	if (p->state == S_CHUNK_SIZE && c != ';' && c != ' ' && c != '\t')
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_REQUEST, "bad chunk size");
	if (!is_line_char(c))
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_REQUEST,
		            "control character in chunk extension");
	if (++p->ext_len > TAPIR_HTTP_CHUNK_EXT_MAX)
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_REQUEST, "chunk extensions too long");
	p->state = S_CHUNK_EXT;
	return TAPIR_HTTP_EV_NEED_MORE;
}

static enum tapir_http_event chunk_end_byte(struct tapir_http_parser *p, unsigned char c)
{
	if (c == '\r' && !p->saw_cr) {
		p->saw_cr = true;
		return TAPIR_HTTP_EV_NEED_MORE;
	}
	if (c != '\n')
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_REQUEST, "chunk data not followed by CRLF");
	p->saw_cr = false;
	p->state = S_CHUNK_SIZE;
	p->chunk_digits = 0;
	p->chunk_left = 0;
	p->ext_len = 0;
	return TAPIR_HTTP_EV_NEED_MORE;
}

/* ---- the driver --------------------------------------------------------------------------- */

static enum tapir_http_event body_bytes(struct tapir_http_parser *p, const uint8_t *data,
                                        size_t len, size_t *i, struct tapir_http_piece *piece)
{
	uint64_t want = len - *i;

	if (p->state == S_BODY_LENGTH && p->msg.content_length - p->body_len < want)
		want = p->msg.content_length - p->body_len;
	if (p->state == S_CHUNK_DATA && p->chunk_left < want)
		want = p->chunk_left;
	piece->data = data + *i;
	piece->len = (size_t)want;
	*i += (size_t)want;
	p->body_len += want;
	if (p->state == S_BODY_LENGTH && p->body_len == p->msg.content_length)
		p->state = S_DONE_PENDING;
	if (p->state == S_CHUNK_DATA) {
		p->chunk_left -= want;
		if (p->chunk_left == 0)
			p->state = S_CHUNK_DATA_END;
	}
	return TAPIR_HTTP_EV_BODY;
}

static enum tapir_http_event one_byte(struct tapir_http_parser *p, unsigned char c)
{
	switch (p->state) {
	case S_START:
		if (c == '\r' || c == '\n') { /* empty lines before a request */
			if (++p->line_len > TAPIR_HTTP_REQUEST_LINE_MAX)
				return line_too_long(p);
			return TAPIR_HTTP_EV_NEED_MORE;
		}
		p->started = true;
		p->state = S_START_LINE;
		p->line_len = 0;
		begin_line(p);
		return line_byte(p, c);
	case S_START_LINE:
	case S_FIELD_LINE:
	case S_TRAILER:
		return line_byte(p, c);
	case S_CHUNK_SIZE:
	case S_CHUNK_EXT:
		return chunk_size_byte(p, c);
	case S_CHUNK_DATA_END:
		return chunk_end_byte(p, c);
	default:
		return fail(p, 400, TAPIR_DROP_HTTP_BAD_REQUEST, "parser in a bad state");
	}
}

enum tapir_http_event tapir_http_parse(struct tapir_http_parser *p, const uint8_t *data, size_t len,
                                       size_t *used, struct tapir_http_piece *piece)
{
	size_t i = 0;
	enum tapir_http_event ev = TAPIR_HTTP_EV_NEED_MORE;

	piece->data = NULL;
	piece->len = 0;
	if (p->state == S_AFTER_DONE)
		http_parser_reset(p);
	while (ev == TAPIR_HTTP_EV_NEED_MORE) {
		if (p->state == S_ERROR) {
			ev = TAPIR_HTTP_EV_ERROR;
			break;
		}
		if (p->state == S_DONE_PENDING) {
			p->state = S_AFTER_DONE;
			ev = TAPIR_HTTP_EV_DONE;
			break;
		}
		if (i == len)
			break;
		if (p->state == S_BODY_LENGTH || p->state == S_CHUNK_DATA ||
		    p->state == S_BODY_CLOSE) {
			ev = body_bytes(p, data, len, &i, piece);
			break;
		}
		ev = one_byte(p, data[i++]);
	}
	*used = i;
	return ev;
}

enum tapir_http_event tapir_http_parse_eof(struct tapir_http_parser *p)
{
	switch (p->state) {
	case S_BODY_CLOSE:
	case S_DONE_PENDING:
		p->state = S_AFTER_DONE;
		return TAPIR_HTTP_EV_DONE;
	case S_AFTER_DONE:
		return TAPIR_HTTP_EV_NEED_MORE;
	case S_START:
		if (!p->started)
			return TAPIR_HTTP_EV_NEED_MORE;
		return fail(p, 400,
		            p->mode == TAPIR_HTTP_PARSE_REQUEST ? TAPIR_DROP_HTTP_BAD_REQUEST
		                                                : TAPIR_DROP_HTTP_BAD_RESPONSE,
		            "connection closed inside a message");
	case S_ERROR:
		return TAPIR_HTTP_EV_ERROR;
	default:
		return fail(p, 400,
		            p->mode == TAPIR_HTTP_PARSE_REQUEST ? TAPIR_DROP_HTTP_BAD_REQUEST
		                                                : TAPIR_DROP_HTTP_BAD_RESPONSE,
		            "connection closed inside a message");
	}
}

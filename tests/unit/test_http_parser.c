/*
 * test_http_parser.c — the incremental HTTP/1.1 parser (stack/http/parser.c)
 * against RFC 9112: every limit and status (400, 413, 414, 431, 501, 505),
 * framing (Content-Length, chunked, both), persistence, pipelining, and
 * the same result whatever the segment boundaries: each input is parsed
 * whole, one byte at a time, and split in two at every position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tapir/http.h"

#define MAX_MESSAGES 8

/* What a parse of a whole input produced. */
struct outcome {
	unsigned messages; /* DONE events */
	unsigned heads;    /* HEAD events */
	uint16_t error;    /* status of an ERROR, 0 if none */
	enum tapir_drop drop;
	char method[MAX_MESSAGES][16];
	char target[MAX_MESSAGES][256];
	char host[MAX_MESSAGES][64];
	unsigned version[MAX_MESSAGES];
	bool keep_alive[MAX_MESSAGES];
	uint16_t status[MAX_MESSAGES];
	size_t body_len[MAX_MESSAGES];
	char body[MAX_MESSAGES][4096];
};

static struct tapir_http_parser parser; /* large: not on the stack */

/* Feed `text` in pieces: cut after each offset in cuts[] (sorted). */
static void parse_cut(enum tapir_http_parse_mode mode, const char *text, size_t len,
                      const size_t *cuts, size_t ncuts, struct outcome *o)
{
	size_t pos = 0, next_cut = 0;

	memset(o, 0, sizeof(*o));
	tapir_http_parser_init(&parser, mode, 1 << 20);
	while (pos <= len && !o->error) {
		size_t end = next_cut < ncuts ? cuts[next_cut++] : len;
		if (end > len)
			end = len;
		if (end < pos)
			continue;
		const uint8_t *data = (const uint8_t *)text + pos;
		size_t left = end - pos;
		for (;;) {
			struct tapir_http_piece piece;
			size_t used;
			enum tapir_http_event ev =
			    tapir_http_parse(&parser, data, left, &used, &piece);
			unsigned m = o->messages < MAX_MESSAGES ? o->messages : MAX_MESSAGES - 1;
			assert_true(used <= left);
			data += used;
			left -= used;
			if (ev == TAPIR_HTTP_EV_NEED_MORE) {
				assert_int_equal(left, 0);
				break;
			}
			if (ev == TAPIR_HTTP_EV_ERROR) {
				o->error = parser.status;
				o->drop = parser.drop;
				assert_non_null(parser.reason);
				break;
			}
			if (ev == TAPIR_HTTP_EV_HEAD) {
				const char *h = tapir_http_header(&parser.msg, "Host");
				o->heads++;
				snprintf(o->method[m], sizeof(o->method[m]), "%s",
				         parser.msg.method ? parser.msg.method : "");
				snprintf(o->target[m], sizeof(o->target[m]), "%s",
				         parser.msg.target ? parser.msg.target : "");
				snprintf(o->host[m], sizeof(o->host[m]), "%s", h ? h : "");
				o->version[m] = parser.msg.version;
				o->keep_alive[m] = parser.msg.keep_alive;
				o->status[m] = parser.msg.status;
			} else if (ev == TAPIR_HTTP_EV_BODY) {
				assert_true(piece.len > 0);
				if (o->body_len[m] + piece.len < sizeof(o->body[m]))
					memcpy(o->body[m] + o->body_len[m], piece.data, piece.len);
				o->body_len[m] += piece.len;
			} else if (ev == TAPIR_HTTP_EV_DONE) {
				o->messages++;
			}
		}
		if (end == len)
			break;
		pos = end;
	}
}

static void parse_whole(enum tapir_http_parse_mode mode, const char *text, struct outcome *o)
{
	parse_cut(mode, text, strlen(text), NULL, 0, o);
}

static void assert_same(const struct outcome *a, const struct outcome *b)
{
	assert_int_equal(a->messages, b->messages);
	assert_int_equal(a->heads, b->heads);
	assert_int_equal(a->error, b->error);
	for (unsigned i = 0; i < MAX_MESSAGES; i++) {
		assert_string_equal(a->method[i], b->method[i]);
		assert_string_equal(a->target[i], b->target[i]);
		assert_int_equal(a->body_len[i], b->body_len[i]);
		assert_memory_equal(a->body[i], b->body[i],
		                    a->body_len[i] < sizeof(a->body[i]) ? a->body_len[i] : 0);
	}
}

/* Parse whole, byte by byte and cut in two at every offset: all the same. */
static void check_every_split(enum tapir_http_parse_mode mode, const char *text,
                              struct outcome *whole)
{
	static struct outcome other;
	size_t len = strlen(text);
	size_t *cuts = malloc((len + 1) * sizeof(*cuts));

	parse_whole(mode, text, whole);
	for (size_t i = 0; i <= len; i++)
		cuts[i] = i;
	parse_cut(mode, text, len, cuts, len + 1, &other);
	assert_same(whole, &other);
	for (size_t i = 0; i <= len; i++) {
		parse_cut(mode, text, len, &i, 1, &other);
		assert_same(whole, &other);
	}
	free(cuts);
}

static uint16_t request_error(const char *text)
{
	static struct outcome o;

	check_every_split(TAPIR_HTTP_PARSE_REQUEST, text, &o);
	return o.error;
}

/* ---- good requests ---------------------------------------------------------------- */

static void test_simple_get(void **state)
{
	static struct outcome o;

	(void)state;
	check_every_split(TAPIR_HTTP_PARSE_REQUEST,
	                  "GET /index.html?x=1 HTTP/1.1\r\nHost: 10.0.0.2\r\nUser-Agent: t\r\n\r\n",
	                  &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 1);
	assert_string_equal(o.method[0], "GET");
	assert_string_equal(o.target[0], "/index.html?x=1");
	assert_string_equal(o.host[0], "10.0.0.2");
	assert_int_equal(o.version[0], 11);
	assert_true(o.keep_alive[0]);
	assert_int_equal(o.body_len[0], 0);
}

static void test_header_values_trimmed_and_case_insensitive(void **state)
{
	(void)state;
	tapir_http_parser_init(&parser, TAPIR_HTTP_PARSE_REQUEST, 100);
	const char *req = "GET / HTTP/1.1\r\nhOsT:   example  \r\nX-Empty:\r\nConnection: "
	                  "Keep-Alive, Close\r\n\r\n";
	struct tapir_http_piece piece;
	size_t used;
	assert_int_equal(
	    tapir_http_parse(&parser, (const uint8_t *)req, strlen(req), &used, &piece),
	    TAPIR_HTTP_EV_HEAD);
	assert_string_equal(tapir_http_header(&parser.msg, "Host"), "example");
	assert_string_equal(tapir_http_header(&parser.msg, "x-empty"), "");
	assert_true(tapir_http_header_has_token(&parser.msg, "connection", "close"));
	assert_false(parser.msg.keep_alive);
	assert_int_equal(used, strlen(req));
}

static void test_persistence_rules(void **state)
{
	static struct outcome o;

	(void)state;
	parse_whole(TAPIR_HTTP_PARSE_REQUEST, "GET / HTTP/1.0\r\n\r\n", &o);
	assert_int_equal(o.error, 0);
	assert_false(o.keep_alive[0]); /* 1.0: close unless asked */
	parse_whole(TAPIR_HTTP_PARSE_REQUEST, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	            &o);
	assert_true(o.keep_alive[0]);
	parse_whole(TAPIR_HTTP_PARSE_REQUEST,
	            "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &o);
	assert_false(o.keep_alive[0]);
	parse_whole(TAPIR_HTTP_PARSE_REQUEST, "GET / HTTP/1.2\r\nHost: a\r\n\r\n", &o);
	assert_int_equal(o.error, 0); /* 1.x is 1.1 (RFC 9110 6.2) */
	assert_int_equal(o.version[0], 11);
}

static void test_content_length_body(void **state)
{
	static struct outcome o;

	(void)state;
	check_every_split(TAPIR_HTTP_PARSE_REQUEST,
	                  "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
	                  &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 1);
	assert_int_equal(o.body_len[0], 11);
	assert_memory_equal(o.body[0], "hello world", 11);
}

static void test_chunked_body(void **state)
{
	static struct outcome o;

	(void)state;
	check_every_split(
	    TAPIR_HTTP_PARSE_REQUEST,
	    "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n1;ext=1;x\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n"
	    "GET /next HTTP/1.1\r\nHost: a\r\n\r\n",
	    &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 2);
	assert_int_equal(o.body_len[0], 16);
	assert_memory_equal(o.body[0], "hello 0123456789", 16);
	assert_string_equal(o.target[1], "/next");
}

static void test_pipelined_requests(void **state)
{
	static struct outcome o;

	(void)state;
	check_every_split(TAPIR_HTTP_PARSE_REQUEST,
	                  "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
	                  "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz"
	                  "\r\nHEAD /c HTTP/1.1\r\nHost: a\r\n\r\n"
	                  "GET /d HTTP/1.0\r\n\r\n",
	                  &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 4);
	assert_string_equal(o.target[0], "/a");
	assert_string_equal(o.method[1], "POST");
	assert_memory_equal(o.body[1], "xyz", 3);
	assert_string_equal(o.method[2], "HEAD"); /* after an extra CRLF (RFC 9112 2.2) */
	assert_string_equal(o.target[3], "/d");
	assert_int_equal(o.version[3], 10);
}

static void test_bare_lf_accepted(void **state)
{
	static struct outcome o;

	(void)state;
	parse_whole(TAPIR_HTTP_PARSE_REQUEST, "GET / HTTP/1.1\nHost: a\n\n", &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 1);
}

/* ---- refusals ------------------------------------------------------------------------ */

static void test_malformed_is_400(void **state)
{
	(void)state;
	assert_int_equal(request_error("GET /\r\n\r\n"), 400);                      /* HTTP/0.9 */
	assert_int_equal(request_error("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400); /* two SP */
	assert_int_equal(request_error("G@T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(request_error("GET / HTTP/1.1 x\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(request_error("GET / http/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(request_error("GET / HTTP/11\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(request_error("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
	assert_int_equal(request_error("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), 400);
	assert_int_equal(request_error("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n"),
	                 400); /* obs-fold */
	assert_int_equal(request_error("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n"), 400);
	assert_int_equal(request_error("GET / HTTP/1.1\rHost: a\r\n\r\n"), 400); /* bare CR */
	assert_int_equal(request_error("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

static void test_host_rules(void **state)
{
	static struct outcome o;

	(void)state;
	assert_int_equal(request_error("GET / HTTP/1.1\r\n\r\n"), 400);
	parse_whole(TAPIR_HTTP_PARSE_REQUEST, "GET / HTTP/1.1\r\n\r\n", &o);
	assert_int_equal(o.drop, TAPIR_DROP_HTTP_NO_HOST);
	assert_int_equal(request_error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
	assert_int_equal(request_error("GET / HTTP/1.0\r\n\r\n"), 0); /* 1.0 needs none */
}

static void test_version_505(void **state)
{
	static struct outcome o;

	(void)state;
	assert_int_equal(request_error("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
	assert_int_equal(request_error("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), 505);
	parse_whole(TAPIR_HTTP_PARSE_REQUEST, "GET / HTTP/3.0\r\n\r\n", &o);
	assert_int_equal(o.drop, TAPIR_DROP_HTTP_BAD_VERSION);
}

static void test_framing_conflicts(void **state)
{
	static struct outcome o;

	(void)state;
	parse_whole(TAPIR_HTTP_PARSE_REQUEST,
	            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
	            "Transfer-Encoding: chunked\r\n\r\n",
	            &o);
	assert_int_equal(o.error, 400);
	assert_int_equal(o.drop, TAPIR_DROP_HTTP_BAD_FRAMING);
	assert_int_equal(
	    request_error(
	        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
	    400);
	assert_int_equal(request_error("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
	                 400);
	assert_int_equal(request_error("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n"),
	                 400);
	assert_int_equal(request_error("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	                               "99999999999999999999999\r\n\r\n"),
	                 400);
	/* The same length twice is fine. */
	assert_int_equal(request_error("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	                               "Content-Length: 1\r\n\r\nx"),
	                 0);
	/* Codings: only chunked is decoded; chunked must be last. */
	assert_int_equal(
	    request_error("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
	    501);
	assert_int_equal(
	    request_error("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
	    400);
}

static void test_bad_chunks(void **state)
{
	const char *head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
	char req[512];

	(void)state;
	snprintf(req, sizeof(req), "%s%s", head, "g\r\n");
	assert_int_equal(request_error(req), 400);
	snprintf(req, sizeof(req), "%s%s", head, "\r\n");
	assert_int_equal(request_error(req), 400);
	snprintf(req, sizeof(req), "%s%s", head, "3\r\nabcX\r\n");
	assert_int_equal(request_error(req), 400);
	snprintf(req, sizeof(req), "%s%s", head, "fffffffffffffffff\r\n");
	assert_int_equal(request_error(req), 413);
}

static char *repeat(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	char *s = malloc(pl + n + sl + 1);

	assert_non_null(s);
	strcpy(s, prefix);
	memset(s + pl, c, n);
	strcpy(s + pl + n, suffix);
	return s;
}

static uint16_t error_whole(const char *text, enum tapir_drop *drop)
{
	static struct outcome o;

	parse_whole(TAPIR_HTTP_PARSE_REQUEST, text, &o);
	if (drop)
		*drop = o.drop;
	return o.error;
}

static void test_request_line_limit_414(void **state)
{
	enum tapir_drop drop;
	/* "GET /" + n + " HTTP/1.1\r\n" is 16 + n bytes: 8192 fits, 8193 not. */
	char *ok =
	    repeat("GET /", 'a', TAPIR_HTTP_REQUEST_LINE_MAX - 16, " HTTP/1.1\r\nHost: a\r\n\r\n");
	char *big =
	    repeat("GET /", 'a', TAPIR_HTTP_REQUEST_LINE_MAX - 15, " HTTP/1.1\r\nHost: a\r\n\r\n");
	char *endless = repeat("GET /", 'a', 100000, "");

	(void)state;
	assert_int_equal(error_whole(ok, NULL), 0);
	assert_int_equal(error_whole(big, &drop), 414);
	assert_int_equal(drop, TAPIR_DROP_HTTP_URI_TOO_LONG);
	assert_int_equal(error_whole(endless, NULL), 414); /* before any line end */
	free(ok);
	free(big);
	free(endless);
}

static void test_header_section_limit_431(void **state)
{
	enum tapir_drop drop;
	/* The header section: "Host: a\r\n" (9) + "X: " + n + "\r\n" + "\r\n" = 16 + n. */
	char *ok = repeat("GET / HTTP/1.1\r\nHost: a\r\nX: ", 'v',
	                  TAPIR_HTTP_HEADER_SECTION_MAX - 16, "\r\n\r\n");
	char *big = repeat("GET / HTTP/1.1\r\nHost: a\r\nX: ", 'v',
	                   TAPIR_HTTP_HEADER_SECTION_MAX - 15, "\r\n\r\n");
	char many[TAPIR_HTTP_HEADERS_MAX * 8 + 64];
	size_t n = (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\nHost: a\r\n");

	(void)state;
	assert_int_equal(error_whole(ok, NULL), 0);
	assert_int_equal(error_whole(big, &drop), 431);
	assert_int_equal(drop, TAPIR_DROP_HTTP_HEADERS_TOO_LARGE);
	for (int i = 0; i < TAPIR_HTTP_HEADERS_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "X%d: 1\r\n", i % 10);
	snprintf(many + n, sizeof(many) - n, "\r\n");
	assert_int_equal(error_whole(many, NULL), 431); /* 101 fields */
	free(ok);
	free(big);
}

static void test_body_limit_413(void **state)
{
	static struct outcome o;
	struct tapir_http_piece piece;
	size_t used;
	const char *cl = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n";
	const char *ch = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	                 "6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n";

	(void)state;
	(void)o;
	tapir_http_parser_init(&parser, TAPIR_HTTP_PARSE_REQUEST, 10);
	assert_int_equal(tapir_http_parse(&parser, (const uint8_t *)cl, strlen(cl), &used, &piece),
	                 TAPIR_HTTP_EV_ERROR);
	assert_int_equal(parser.status, 413);
	assert_int_equal(parser.drop, TAPIR_DROP_HTTP_BODY_TOO_LARGE);
	/* Chunked: found out at the chunk that crosses the limit. */
	tapir_http_parser_init(&parser, TAPIR_HTTP_PARSE_REQUEST, 10);
	const uint8_t *p = (const uint8_t *)ch;
	size_t left = strlen(ch);
	enum tapir_http_event ev;
	do {
		ev = tapir_http_parse(&parser, p, left, &used, &piece);
		p += used;
		left -= used;
	} while (ev != TAPIR_HTTP_EV_ERROR && ev != TAPIR_HTTP_EV_DONE && left > 0);
	assert_int_equal(ev, TAPIR_HTTP_EV_ERROR);
	assert_int_equal(parser.status, 413);
	/* An error stays an error. */
	assert_int_equal(tapir_http_parse(&parser, p, left, &used, &piece), TAPIR_HTTP_EV_ERROR);
}

/* ---- responses (the client side) ------------------------------------------------------- */

static void test_responses(void **state)
{
	static struct outcome o;

	(void)state;
	check_every_split(
	    TAPIR_HTTP_PARSE_RESPONSE,
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
	    "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	    &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 3);
	assert_int_equal(o.status[0], 200);
	assert_int_equal(o.status[1], 304);
	assert_int_equal(o.body_len[1], 0);
	assert_memory_equal(o.body[2], "abc", 3);
}

static void test_response_until_close(void **state)
{
	struct tapir_http_piece piece;
	size_t used;
	const char *r = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until close";

	(void)state;
	tapir_http_parser_init(&parser, TAPIR_HTTP_PARSE_RESPONSE, UINT64_MAX);
	assert_int_equal(tapir_http_parse(&parser, (const uint8_t *)r, strlen(r), &used, &piece),
	                 TAPIR_HTTP_EV_HEAD);
	assert_true(parser.msg.until_close);
	assert_false(parser.msg.keep_alive);
	assert_int_equal(
	    tapir_http_parse(&parser, (const uint8_t *)r + used, strlen(r) - used, &used, &piece),
	    TAPIR_HTTP_EV_BODY);
	assert_int_equal(piece.len, 16);
	assert_int_equal(tapir_http_parse_eof(&parser), TAPIR_HTTP_EV_DONE);
	/* A Content-Length body cut short is an error at EOF. */
	tapir_http_parser_init(&parser, TAPIR_HTTP_PARSE_RESPONSE, UINT64_MAX);
	r = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
	tapir_http_parse(&parser, (const uint8_t *)r, strlen(r), &used, &piece);
	tapir_http_parse(&parser, (const uint8_t *)r + used, strlen(r) - used, &used, &piece);
	assert_int_equal(tapir_http_parse_eof(&parser), TAPIR_HTTP_EV_ERROR);
}

static void test_head_response_has_no_body(void **state)
{
	struct tapir_http_piece piece;
	size_t used;
	const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";

	(void)state;
	tapir_http_parser_init(&parser, TAPIR_HTTP_PARSE_RESPONSE, UINT64_MAX);
	parser.head_response = true;
	assert_int_equal(tapir_http_parse(&parser, (const uint8_t *)r, strlen(r), &used, &piece),
	                 TAPIR_HTTP_EV_HEAD);
	assert_int_equal(tapir_http_parse(&parser, NULL, 0, &used, &piece), TAPIR_HTTP_EV_DONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple_get),
	    cmocka_unit_test(test_header_values_trimmed_and_case_insensitive),
	    cmocka_unit_test(test_persistence_rules),
	    cmocka_unit_test(test_content_length_body),
	    cmocka_unit_test(test_chunked_body),
	    cmocka_unit_test(test_pipelined_requests),
	    cmocka_unit_test(test_bare_lf_accepted),
	    cmocka_unit_test(test_malformed_is_400),
	    cmocka_unit_test(test_host_rules),
	    cmocka_unit_test(test_version_505),
	    cmocka_unit_test(test_framing_conflicts),
	    cmocka_unit_test(test_bad_chunks),
	    cmocka_unit_test(test_request_line_limit_414),
	    cmocka_unit_test(test_header_section_limit_431),
	    cmocka_unit_test(test_body_limit_413),
	    cmocka_unit_test(test_responses),
	    cmocka_unit_test(test_response_until_close),
	    cmocka_unit_test(test_head_response_has_no_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * client.c — a small HTTP/1.1 client on one TCP connection (RFC 9112):
 * one request at a time, the response parsed by the same parser as the
 * server's (response mode: Content-Length, chunked and close-delimited
 * bodies, no body after HEAD, 204 and 304, 1xx skipped), and the
 * connection kept for the next request when the server allows (RFC 9112
 * 9.3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

#define CLIENT_REQUEST_MAX (TAPIR_HTTP_REQUEST_LINE_MAX + 4096)

struct tapir_http_client {
	struct tapir_stack *stack;
	struct tapir_tcp *sock;
	struct tapir_http_client_callbacks cb;
	void *user;
	struct tapir_http_parser parser;
	struct tapir_tcp_conn_id id;
	bool connected, busy, closed, interim;
	uint32_t number;
	tapir_time sent_at;
	char method[16];
	char target[TAPIR_HTTP_REQUEST_LINE_MAX];
	char request[CLIENT_REQUEST_MAX];
	size_t request_len, request_off;
	uint64_t body_len;
	uint8_t rx[16384];
};

static void trace_client(struct tapir_http_client *c, enum tapir_http_what what, uint16_t status,
                         const char *reason)
{
	struct tapir_event ev;

	if (!tapir_trace_active(c->stack->trace))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = TAPIR_EV_HTTP;
	ev.level = TAPIR_LOG_INFO;
	ev.u.http.what = what;
	ev.u.http.conn = c->id;
	ev.u.http.client = true;
	ev.u.http.request = c->number;
	ev.u.http.method = c->method;
	ev.u.http.target = c->target;
	ev.u.http.version = 11;
	ev.u.http.status = status;
	ev.u.http.length = c->body_len;
	ev.u.http.reason = reason;
	ev.u.http.elapsed = what == TAPIR_HTTP_TRACE_REQUEST ? 0 : c->stack->now - c->sent_at;
	stack_emit(c->stack, &ev);
}

static void flush_request(struct tapir_http_client *c)
{
	while (c->connected && c->request_off < c->request_len) {
		long n = tapir_tcp_send(c->sock, c->request + c->request_off,
		                        c->request_len - c->request_off);
		if (n <= 0)
			return;
		c->request_off += (size_t)n;
	}
}

static void finish(struct tapir_http_client *c, int error, bool reusable)
{
	if (!c->busy)
		return;
	c->busy = false;
	if (error == -EPROTO)
		stack_drop(c->stack, TAPIR_DROP_HTTP_BAD_RESPONSE, c->parser.reason);
	trace_client(c, TAPIR_HTTP_TRACE_RESPONSE, c->parser.msg.status,
	             error ? tapir_strerror(error) : NULL);
	if (c->cb.done)
		c->cb.done(c->user, error, reusable && !c->closed);
}

/* Hand one event of the parser to the application. Returns false to stop. */
static bool on_parse_event(struct tapir_http_client *c, enum tapir_http_event ev,
                           const struct tapir_http_piece *piece)
{
	switch (ev) {
	case TAPIR_HTTP_EV_NEED_MORE:
		return true;
	case TAPIR_HTTP_EV_HEAD:
		c->interim = c->parser.msg.status < 200; /* 1xx: another head follows */
		if (!c->interim && c->cb.head)
			c->cb.head(c->user, &c->parser.msg);
		return true;
	case TAPIR_HTTP_EV_BODY:
		c->body_len += piece->len;
		if (c->cb.body)
			c->cb.body(c->user, piece->data, piece->len);
		return true;
	case TAPIR_HTTP_EV_DONE:
		if (c->interim) {
			c->interim = false;
			return true;
		}
		finish(c, 0, c->parser.msg.keep_alive);
		return true;
	case TAPIR_HTTP_EV_ERROR:
		c->closed = true;
		finish(c, -EPROTO, false);
		return false;
	}
	return false;
}

static void read_responses(struct tapir_http_client *c)
{
	long n = -EAGAIN;

	while (!c->closed && (n = tapir_tcp_recv(c->sock, c->rx, sizeof(c->rx))) > 0) {
		const uint8_t *p = c->rx;
		size_t left = (size_t)n;
		while (left > 0 || c->busy) {
			struct tapir_http_piece piece;
			size_t used;
			enum tapir_http_event ev;
			if (!c->busy) /* bytes nobody asked for: ignore them */
				break;
			ev = tapir_http_parse(&c->parser, p, left, &used, &piece);
			p += used;
			left -= used;
			if (!on_parse_event(c, ev, &piece) || ev == TAPIR_HTTP_EV_NEED_MORE)
				break;
		}
	}
	if (c->closed)
		return;
	if (n == 0 || (n < 0 && n != -EAGAIN)) {
		c->closed = true;
		if (c->busy && n == 0 && tapir_http_parse_eof(&c->parser) == TAPIR_HTTP_EV_DONE)
			finish(c, 0, false);
		else
			finish(c, n < 0 ? (int)n : -ECONNRESET, false);
	}
}

static void on_event(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	struct tapir_http_client *c = user;

	(void)sock;
	if ((events & TAPIR_TCP_CONNECTED) && !c->connected) {
		c->connected = true;
		tapir_tcp_endpoints(c->sock, &c->id);
		if (c->cb.connected)
			c->cb.connected(c->user);
	}
	flush_request(c);
	if (events & (TAPIR_TCP_READABLE | TAPIR_TCP_CLOSED))
		read_responses(c);
	if ((events & TAPIR_TCP_CLOSED) && !c->closed) {
		c->closed = true;
		finish(c, error ? error : -ECONNRESET, false);
	}
}

int tapir_http_client_new(struct tapir_stack *stack, tapir_ip ip, uint16_t port,
                          const struct tapir_http_client_callbacks *cb, void *user,
                          struct tapir_http_client **out)
{
	struct tapir_http_client *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->stack = stack;
	c->cb = *cb;
	c->user = user;
	tapir_http_parser_init(&c->parser, TAPIR_HTTP_PARSE_RESPONSE, UINT64_MAX);
	err = tapir_tcp_connect(stack, ip, port, on_event, c, &c->sock);
	if (err < 0) {
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

int tapir_http_client_request(struct tapir_http_client *c, const char *method, const char *target,
                              const char *host, const char *extra_headers)
{
	int n;

	if (c->busy)
		return -EBUSY;
	if (c->closed)
		return -ENOTCONN;
	n = snprintf(c->request, sizeof(c->request),
	             "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tapir-get\r\nAccept: */*\r\n%s\r\n",
	             method, target, host, extra_headers ? extra_headers : "");
	if (n < 0 || (size_t)n >= sizeof(c->request))
		return -E2BIG;
	snprintf(c->method, sizeof(c->method), "%s", method);
	snprintf(c->target, sizeof(c->target), "%s", target);
	c->request_len = (size_t)n;
	c->request_off = 0;
	c->body_len = 0;
	c->number++;
	c->busy = true;
	c->interim = false;
	c->sent_at = c->stack->now;
	http_parser_reset(&c->parser);
	c->parser.head_response = strcmp(method, "HEAD") == 0;
	trace_client(c, TAPIR_HTTP_TRACE_REQUEST, 0, NULL);
	flush_request(c);
	return 0;
}

const char *tapir_http_client_last_request(const struct tapir_http_client *c)
{
	return c->request;
}

bool tapir_http_client_connected(const struct tapir_http_client *c)
{
	return c->connected && !c->closed;
}

void tapir_http_client_free(struct tapir_http_client *c)
{
	if (!c)
		return;
	/* Unread bytes would make close() a RST; nothing more is wanted anyway. */
	if (c->busy || tapir_tcp_readable(c->sock) > 0)
		tapir_tcp_abort(c->sock);
	else
		tapir_tcp_close(c->sock);
	free(c);
}

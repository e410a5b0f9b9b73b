/*
 * server.c — the HTTP/1.1 server on tapir's TCP sockets: connections,
 * persistence and pipelining (RFC 9112 9.3, 9.6), responses with
 * Content-Length or chunked coding (RFC 9112 6, 7.1), timeouts, the access
 * log and the trace.
 *
 * A connection goes REQUEST -> (BODY) -> RESPOND -> REQUEST ... while it is
 * kept alive, and RESPOND -> LINGER when it is not: we send our FIN after
 * the response and read (and drop) whatever the client still sends until
 * its FIN, so that an unread pipelined request never turns our close into a
 * RST that could destroy the response in flight (RFC 9112 9.6).
 *
 * Requests are handled one at a time, in order: while a response is being
 * written nothing more is read, so pipelined requests wait in the TCP
 * receive buffer (and the window closes when it is full).
 *
 * The stack calls us from inside tapir_stack_poll(), and a call we make
 * into TCP may call us back for another connection. So nothing is freed
 * while we are inside: connections are marked dead and freed when the
 * outermost entry point returns (srv->depth reaches 0).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http/http_internal.h"

static void service(struct http_conn *c);
static void conn_finish(struct http_conn *c);

void tapir_http_server_config_default(struct tapir_http_server_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 80;
	cfg->server_name = "tapir";
	cfg->max_body = TAPIR_HTTP_MAX_BODY;
	cfg->idle_timeout = TAPIR_MS(TAPIR_HTTP_IDLE_TIMEOUT_MS);
	cfg->header_timeout = TAPIR_MS(TAPIR_HTTP_HEADER_TIMEOUT_MS);
	cfg->body_timeout = TAPIR_MS(TAPIR_HTTP_BODY_TIMEOUT_MS);
	cfg->send_timeout = TAPIR_MS(TAPIR_HTTP_SEND_TIMEOUT_MS);
	cfg->linger_timeout = TAPIR_MS(TAPIR_HTTP_LINGER_TIMEOUT_MS);
	cfg->event_interval = TAPIR_MS(TAPIR_HTTP_EVENT_INTERVAL_MS);
	cfg->max_connections = TAPIR_HTTP_MAX_CONNECTIONS;
	cfg->builtin_routes = true;
}

tapir_time http_now(const struct tapir_http_server *srv)
{
	return srv->stack->now;
}

void http_drop(struct tapir_http_server *srv, enum tapir_drop reason, const char *detail)
{
	stack_drop(srv->stack, reason, detail);
}

/* ---- entry points and freeing ------------------------------------------------------- */

static void enter(struct tapir_http_server *srv)
{
	srv->depth++;
}

static void conn_free(struct http_conn *c)
{
	struct tapir_http_server *srv = c->srv;

	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nconns--;
	srv->stats.open = srv->nconns;
	free(c->ex.body);
	free(c->ex.mem);
	if (c->ex.fd >= 0)
		close(c->ex.fd);
	free(c->out);
	free(c);
}

static void leave(struct tapir_http_server *srv)
{
	if (--srv->depth > 0)
		return;
	struct http_conn *c = srv->conns;
	while (c) {
		struct http_conn *next = c->next;
		if (c->phase == HTTP_PHASE_DEAD)
			conn_free(c);
		c = next;
	}
}

/* ---- deadlines (the poller) ------------------------------------------------------------ */

static void set_deadline(struct http_conn *c, tapir_time when)
{
	c->deadline = when;
	if (when < c->srv->next_due)
		c->srv->next_due = when;
}

/* The next moment this connection needs attention, from its phase. */
static void rearm(struct http_conn *c)
{
	const struct tapir_http_server_config *cfg = &c->srv->cfg;

	switch (c->phase) {
	case HTTP_PHASE_REQUEST:
		if (tapir_http_parser_busy(&c->parser))
			set_deadline(c, c->ex.started + cfg->header_timeout);
		else
			set_deadline(c, c->last_activity + cfg->idle_timeout);
		break;
	case HTTP_PHASE_BODY:
		set_deadline(c, c->last_activity + cfg->body_timeout);
		break;
	case HTTP_PHASE_RESPOND: {
		tapir_time t = c->last_activity + cfg->send_timeout;
		if (c->ex.tick_fn && !c->ex.stream_ended && c->ex.next_tick < t)
			t = c->ex.next_tick;
		set_deadline(c, t);
		break;
	}
	case HTTP_PHASE_LINGER:
		break; /* set once, when lingering starts */
	case HTTP_PHASE_DEAD:
		c->deadline = TAPIR_TIME_NEVER;
		break;
	}
}

static void trace_http(struct http_conn *c, enum tapir_http_what what, uint16_t status,
                       const char *reason)
{
	struct tapir_stack *stack = c->srv->stack;
	struct tapir_event ev;
	const struct tapir_http_exchange *ex = &c->ex;

	if (!tapir_trace_active(stack->trace))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = TAPIR_EV_HTTP;
	ev.level = TAPIR_LOG_INFO;
	ev.u.http.what = what;
	ev.u.http.conn = c->id;
	ev.u.http.request = ex->number;
	ev.u.http.method = ex->req ? ex->req->method : NULL;
	ev.u.http.target = ex->req ? ex->req->target : NULL;
	ev.u.http.version = ex->req && ex->req->version ? ex->req->version : 11;
	ev.u.http.status = status;
	ev.u.http.length = ex->length < 0 ? UINT64_MAX : ex->body_sent;
	ev.u.http.reason = reason;
	if (what == TAPIR_HTTP_TRACE_REQUEST)
		ev.u.http.elapsed = ex->head_done - ex->started;
	else if (what == TAPIR_HTTP_TRACE_RESPONSE)
		ev.u.http.elapsed = http_now(c->srv) - ex->head_done;
	stack_emit(stack, &ev);
}

/* Give the socket back and mark the connection for freeing. */
static void conn_kill(struct http_conn *c, bool abort)
{
	if (c->sock) {
		if (abort)
			tapir_tcp_abort(c->sock);
		else
			tapir_tcp_close(c->sock);
		c->sock = NULL;
	}
	c->phase = HTTP_PHASE_DEAD;
	c->deadline = TAPIR_TIME_NEVER;
}

static void start_linger(struct http_conn *c)
{
	c->phase = HTTP_PHASE_LINGER;
	tapir_tcp_shutdown(c->sock);
	set_deadline(c, http_now(c->srv) + c->srv->cfg.linger_timeout);
}

/* A request head or body that did not arrive in time: 408 and close. */
static void slow_client(struct http_conn *c)
{
	bool body = c->phase == HTTP_PHASE_BODY;

	c->srv->stats.timeouts++;
	http_drop(c->srv, TAPIR_DROP_HTTP_SLOW_CLIENT, body ? "request body" : "request head");
	trace_http(c, TAPIR_HTTP_TRACE_TIMEOUT, 408,
	           body ? "request body not complete in time"
	                : "request head not complete in time");
	c->ex.keep_alive = false;
	c->ex.req = NULL;
	http_respond_status(&c->ex, 408);
	c->phase = HTTP_PHASE_RESPOND;
	service(c);
}

static void conn_timeout(struct http_conn *c)
{
	struct tapir_http_server *srv = c->srv;

	switch (c->phase) {
	case HTTP_PHASE_REQUEST:
		if (tapir_http_parser_busy(&c->parser)) {
			slow_client(c);
			return;
		}
		trace_http(c, TAPIR_HTTP_TRACE_TIMEOUT, 0, "idle connection closed");
		conn_kill(c, false);
		return;
	case HTTP_PHASE_BODY:
		slow_client(c);
		return;
	case HTTP_PHASE_RESPOND:
		if (c->ex.tick_fn && !c->ex.stream_ended && http_now(srv) >= c->ex.next_tick) {
			c->ex.next_tick = http_now(srv) + srv->cfg.event_interval;
			c->ex.tick_fn(c->ex.tick_user, &c->ex, http_now(srv));
			service(c);
			return;
		}
		srv->stats.timeouts++;
		http_drop(srv, TAPIR_DROP_HTTP_SEND_TIMEOUT, NULL);
		trace_http(c, TAPIR_HTTP_TRACE_TIMEOUT, 0, "client reads nothing: aborted");
		conn_kill(c, true);
		return;
	case HTTP_PHASE_LINGER:
		conn_kill(c, false);
		return;
	case HTTP_PHASE_DEAD:
		return;
	}
}

static tapir_time server_poll(void *user, tapir_time now)
{
	struct tapir_http_server *srv = user;

	if (now < srv->next_due)
		return srv->next_due;
	enter(srv);
	for (struct http_conn *c = srv->conns; c; c = c->next)
		if (c->phase != HTTP_PHASE_DEAD && c->deadline <= now)
			conn_timeout(c);
	srv->next_due = TAPIR_TIME_NEVER;
	for (struct http_conn *c = srv->conns; c; c = c->next)
		if (c->phase != HTTP_PHASE_DEAD && c->deadline < srv->next_due)
			srv->next_due = c->deadline;
	leave(srv);
	return srv->next_due;
}

/* ---- responses ---------------------------------------------------------------------- */

static void out_printf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void out_printf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len + 1 >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < cap ? *len + (size_t)n : cap - 1;
}

static int ensure_out(struct http_conn *c)
{
	if (!c->out) {
		c->out = malloc(TAPIR_HTTP_OUT_BUF);
		if (!c->out)
			return -ENOMEM;
	}
	return 0;
}

/* Format the status line and headers into the output buffer.
 * length >= 0: Content-Length; -1: a stream (chunked or until close). */
static int write_head(struct tapir_http_exchange *ex, unsigned status, const char *content_type,
                      int64_t length)
{
	struct http_conn *c = ex->conn;
	const struct tapir_http_server_config *cfg = &c->srv->cfg;
	char date[TAPIR_HTTP_DATE_LEN];
	size_t len = 0;
	char *buf;

	if (ex->responded)
		return -EALREADY;
	if (ensure_out(c) < 0)
		return -ENOMEM;
	buf = (char *)c->out;
	ex->responded = true;
	ex->status = status;
	ex->length = length;
	if (ex->req && !ex->req->keep_alive)
		ex->keep_alive = false;
	if (length < 0 && status >= 200 && !ex->is_head) {
		ex->chunked = ex->req && ex->req->version >= 11;
		if (!ex->chunked)
			ex->keep_alive = false; /* the body ends with the connection */
	}
	tapir_http_date_format((http_now(c->srv) + cfg->wall_offset) / 1000000, date);
	out_printf(buf, TAPIR_HTTP_OUT_BUF, &len, "HTTP/1.1 %u %s\r\nDate: %s\r\nServer: %s\r\n",
	           status, tapir_http_status_text(status), date, cfg->server_name);
	if (ex->extra_len)
		out_printf(buf, TAPIR_HTTP_OUT_BUF, &len, "%s", ex->extra);
	if (content_type)
		out_printf(buf, TAPIR_HTTP_OUT_BUF, &len, "Content-Type: %s\r\n", content_type);
	if (status >= 200 && status != 204 && status != 304) {
		if (length >= 0)
			out_printf(buf, TAPIR_HTTP_OUT_BUF, &len, "Content-Length: %lld\r\n",
			           (long long)length);
		else if (ex->chunked)
			out_printf(buf, TAPIR_HTTP_OUT_BUF, &len, "Transfer-Encoding: chunked\r\n");
	}
	if (status != 101) {
		if (!ex->keep_alive)
			out_printf(buf, TAPIR_HTTP_OUT_BUF, &len, "Connection: close\r\n");
		else if (ex->req && ex->req->version < 11)
			out_printf(buf, TAPIR_HTTP_OUT_BUF, &len, "Connection: keep-alive\r\n");
	}
	out_printf(buf, TAPIR_HTTP_OUT_BUF, &len, "\r\n");
	c->out_off = 0;
	c->out_len = len;
	c->srv->stats.responses[status / 100 < 6 ? status / 100 : 0]++;
	return 0;
}

int tapir_http_add_header(struct tapir_http_exchange *ex, const char *name, const char *value)
{
	size_t need = strlen(name) + strlen(value) + 4;

	if (ex->responded)
		return -EALREADY;
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return -EINVAL;
	if (ex->extra_len + need >= sizeof(ex->extra))
		return -ENOSPC;
	ex->extra_len +=
	    (size_t)snprintf(ex->extra + ex->extra_len, sizeof(ex->extra) - ex->extra_len,
	                     "%s: %s\r\n", name, value);
	return 0;
}

int tapir_http_respond(struct tapir_http_exchange *ex, unsigned status, const char *content_type,
                       const void *body, size_t len)
{
	int err;

	if (ex->responded)
		return -EALREADY;
	if (len > 0 && !ex->is_head) {
		ex->mem = malloc(len);
		if (!ex->mem)
			return -ENOMEM;
		memcpy(ex->mem, body, len);
		ex->mem_len = len;
		ex->kind = HTTP_BODY_MEMORY;
	}
	err = write_head(ex, status, content_type,
	                 status < 200 || status == 204 || status == 304 ? 0 : (int64_t)len);
	return err;
}

int http_respond_status(struct tapir_http_exchange *ex, unsigned status)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "%u %s\n", status, tapir_http_status_text(status));

	return tapir_http_respond(ex, status, "text/plain; charset=utf-8", body, (size_t)n);
}

int http_respond_file(struct tapir_http_exchange *ex, unsigned status, const char *content_type,
                      int fd, uint64_t offset, uint64_t length, uint64_t total)
{
	(void)total;
	if (ex->responded)
		return -EALREADY;
	if (!ex->is_head && length > 0) {
		ex->kind = HTTP_BODY_FILE;
		ex->fd = fd;
		ex->file_off = offset;
		ex->file_left = length;
	} else {
		close(fd);
	}
	return write_head(ex, status, content_type, (int64_t)length);
}

int tapir_http_stream_begin(struct tapir_http_exchange *ex, unsigned status,
                            const char *content_type)
{
	int err = write_head(ex, status, content_type, -1);

	if (err == 0)
		ex->kind = ex->is_head ? HTTP_BODY_NONE : HTTP_BODY_STREAM;
	if (err == 0 && ex->is_head)
		ex->stream_ended = true;
	return err;
}

/* Room in the output buffer, moving what is left to the front. */
static size_t out_room(struct http_conn *c)
{
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	return TAPIR_HTTP_OUT_BUF - c->out_len;
}

long tapir_http_stream_write(struct tapir_http_exchange *ex, const void *data, size_t len)
{
	struct http_conn *c = ex->conn;
	char frame[24];
	int flen = 0;

	if (ex->kind != HTTP_BODY_STREAM || ex->stream_ended)
		return ex->is_head ? (long)len : -EINVAL;
	if (len == 0)
		return 0;
	if (ex->chunked)
		flen = snprintf(frame, sizeof(frame), "%zx\r\n", len);
	if (out_room(c) < (size_t)flen + len + 2)
		return -EAGAIN;
	memcpy(c->out + c->out_len, frame, (size_t)flen);
	c->out_len += (size_t)flen;
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	if (ex->chunked) {
		memcpy(c->out + c->out_len, "\r\n", 2);
		c->out_len += 2;
	}
	ex->body_sent += len;
	service(c);
	return (long)len;
}

int tapir_http_stream_end(struct tapir_http_exchange *ex)
{
	struct http_conn *c = ex->conn;

	if (ex->stream_ended)
		return 0;
	if (ex->kind != HTTP_BODY_STREAM)
		return -EINVAL;
	if (ex->chunked) {
		if (out_room(c) < 5)
			return -EAGAIN;
		memcpy(c->out + c->out_len, "0\r\n\r\n", 5);
		c->out_len += 5;
	}
	ex->stream_ended = true;
	service(c);
	return 0;
}

void tapir_http_stream_on_tick(struct tapir_http_exchange *ex, tapir_http_tick_fn fn, void *user)
{
	ex->tick_fn = fn;
	ex->tick_user = user;
	ex->next_tick = http_now(ex->conn->srv) + ex->conn->srv->cfg.event_interval;
	rearm(ex->conn);
}

int tapir_http_upgrade(struct tapir_http_exchange *ex, tapir_tcp_fn sock_fn,
                       tapir_http_upgrade_fn fn, void *user)
{
	if (!sock_fn || !fn)
		return -EINVAL;
	ex->upgrade_sock_fn = sock_fn;
	ex->upgrade_fn = fn;
	ex->upgrade_user = user;
	ex->keep_alive = true; /* no "Connection: close", no FIN */
	return 0;
}

/* ---- inside a handler ------------------------------------------------------------------- */

const struct tapir_http_message *tapir_http_request(const struct tapir_http_exchange *ex)
{
	return ex->req;
}

const char *tapir_http_path(const struct tapir_http_exchange *ex)
{
	return ex->path;
}

const char *tapir_http_query(const struct tapir_http_exchange *ex)
{
	return ex->query ? ex->query : "";
}

const uint8_t *tapir_http_body(const struct tapir_http_exchange *ex, size_t *len)
{
	*len = ex->body_len;
	return ex->body;
}

/* ---- writing --------------------------------------------------------------------------- */

/* Top the (empty) output buffer up from the body source. */
static int fill_out(struct http_conn *c)
{
	struct tapir_http_exchange *ex = &c->ex;
	size_t room = TAPIR_HTTP_OUT_BUF - c->out_len;

	if (ex->kind == HTTP_BODY_MEMORY && ex->mem_off < ex->mem_len) {
		size_t n = ex->mem_len - ex->mem_off < room ? ex->mem_len - ex->mem_off : room;
		memcpy(c->out + c->out_len, ex->mem + ex->mem_off, n);
		c->out_len += n;
		ex->mem_off += n;
		ex->body_sent += n;
	} else if (ex->kind == HTTP_BODY_FILE && ex->file_left > 0 && room > 0) {
		size_t n = ex->file_left < room ? (size_t)ex->file_left : room;
		ssize_t r = pread(ex->fd, c->out + c->out_len, n, (off_t)ex->file_off);
		if (r <= 0)
			return -EIO; /* the file shrank: the promised length cannot be kept */
		c->out_len += (size_t)r;
		ex->file_off += (uint64_t)r;
		ex->file_left -= (uint64_t)r;
		ex->body_sent += (uint64_t)r;
	}
	return 0;
}

static bool source_done(const struct tapir_http_exchange *ex)
{
	switch (ex->kind) {
	case HTTP_BODY_MEMORY:
		return ex->mem_off == ex->mem_len;
	case HTTP_BODY_FILE:
		return ex->file_left == 0;
	case HTTP_BODY_STREAM:
		return ex->stream_ended;
	case HTTP_BODY_NONE:
		break;
	}
	return true;
}

/* While more of a file follows what is in the buffer, let Nagle hold a
 * last partial segment back (like TCP_CORK, nginx's tcp_nopush): TCP then
 * sends full segments only. With the last piece, NODELAY again: it all goes
 * out at once. */
static void cork(struct http_conn *c)
{
	bool more = c->ex.kind == HTTP_BODY_FILE && c->ex.file_left > 0;

	if (more != c->corked) {
		c->corked = more;
		tapir_tcp_set_option(c->sock, TAPIR_TCP_NODELAY, more ? 0 : 1);
	}
}

/* Hand the response to TCP as far as it takes it. Returns 1 when all of it
 * (so far, for a stream) is queued, 0 when TCP is full, < 0 on error. */
static int pump_output(struct http_conn *c)
{
	for (;;) {
		if (c->out_off == c->out_len) {
			c->out_off = c->out_len = 0;
			if (fill_out(c) < 0)
				return -EIO;
			if (c->out_len == 0)
				return 1;
		} else if (c->out_off == 0 && c->out_len < TAPIR_HTTP_OUT_BUF) {
			if (fill_out(c) < 0) /* the head and the first body bytes together */
				return -EIO;
		}
		cork(c);
		long n = tapir_tcp_send(c->sock, c->out + c->out_off, c->out_len - c->out_off);
		if (n == -EAGAIN || n == 0)
			return 0;
		if (n < 0)
			return (int)n;
		c->out_off += (size_t)n;
		c->last_activity = http_now(c->srv);
	}
}

/* ---- the access log and the end of an exchange ---------------------------------------------- */

static void access_log(struct http_conn *c)
{
	const struct tapir_http_server_config *cfg = &c->srv->cfg;
	const struct tapir_http_exchange *ex = &c->ex;
	struct tapir_http_access a;

	if (!cfg->access_fn)
		return;
	memset(&a, 0, sizeof(a));
	a.conn = c->id;
	a.request = ex->number;
	a.method = ex->req ? ex->req->method : "-";
	a.target = ex->req ? ex->req->target : "-";
	a.version = ex->req ? ex->req->version : 11;
	a.status = ex->status;
	a.body_bytes = ex->body_sent;
	a.referer = ex->req ? tapir_http_header(ex->req, "Referer") : NULL;
	a.user_agent = ex->req ? tapir_http_header(ex->req, "User-Agent") : NULL;
	a.started = ex->started;
	a.elapsed = http_now(c->srv) - ex->started;
	a.unix_seconds = (ex->started + cfg->wall_offset) / 1000000;
	cfg->access_fn(cfg->access_user, &a);
}

static void exchange_reset(struct http_conn *c)
{
	struct tapir_http_exchange *ex = &c->ex;

	free(ex->body);
	free(ex->mem);
	if (ex->fd >= 0)
		close(ex->fd);
	memset(ex, 0, sizeof(*ex));
	ex->conn = c;
	ex->fd = -1;
	ex->keep_alive = true;
	ex->length = 0;
}

/* Hand the socket to whoever upgraded the connection. */
static void hand_over(struct http_conn *c)
{
	struct tapir_http_exchange *ex = &c->ex;
	struct tapir_tcp *sock = c->sock;
	tapir_http_upgrade_fn fn = ex->upgrade_fn;
	void *user = ex->upgrade_user;

	trace_http(c, TAPIR_HTTP_TRACE_UPGRADE, (uint16_t)ex->status,
	           ex->req ? tapir_http_header(ex->req, "Upgrade") : NULL);
	tapir_tcp_set_callback(sock, ex->upgrade_sock_fn, user);
	c->sock = NULL;
	c->phase = HTTP_PHASE_DEAD;
	fn(user, sock, c->rx + c->rx_off, c->rx_len - c->rx_off);
	c->rx_off = c->rx_len = 0;
}

/* The whole response is queued: log it, then the next request, the
 * upgrade or the close. */
static void conn_finish(struct http_conn *c)
{
	struct tapir_http_exchange *ex = &c->ex;

	trace_http(c, TAPIR_HTTP_TRACE_RESPONSE, (uint16_t)ex->status, NULL);
	access_log(c);
	if (ex->upgrade_fn && ex->status == 101) {
		hand_over(c);
		return;
	}
	if (!ex->keep_alive) {
		exchange_reset(c);
		start_linger(c);
		return;
	}
	exchange_reset(c);
	free(c->out);
	c->out = NULL;
	c->out_off = c->out_len = 0;
	c->phase = HTTP_PHASE_REQUEST;
	c->last_activity = http_now(c->srv);
	rearm(c);
}

/* ---- reading requests ----------------------------------------------------------------------- */

static bool known_method(const char *m)
{
	static const char *const methods[] = {"GET",    "HEAD",    "POST",  "OPTIONS", "PUT",
	                                      "DELETE", "CONNECT", "TRACE", "PATCH"};

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(m, methods[i]) == 0)
			return true;
	return false;
}

static const struct http_route *find_route(const struct tapir_http_server *srv, const char *path)
{
	static const struct http_route echo = {"/echo", http_route_echo, NULL};
	static const struct http_route events = {"/events", http_route_events, NULL};

	for (unsigned i = 0; i < srv->nroutes; i++)
		if (strcmp(srv->routes[i].path, path) == 0)
			return &srv->routes[i];
	if (srv->cfg.builtin_routes && strcmp(path, "/echo") == 0)
		return &echo;
	if (srv->cfg.builtin_routes && strcmp(path, "/events") == 0)
		return &events;
	return NULL;
}

/* The head is parsed: trace it, work out the path, answer Expect. */
static void on_head(struct http_conn *c)
{
	struct tapir_http_exchange *ex = &c->ex;
	const struct tapir_http_message *m = &c->parser.msg;
	const char *target = m->target;

	ex->req = m;
	ex->number = ++c->requests;
	ex->head_done = http_now(c->srv);
	ex->is_head = strcmp(m->method, "HEAD") == 0;
	c->srv->stats.requests++;
	trace_http(c, TAPIR_HTTP_TRACE_REQUEST, 0, NULL);
	/* absolute-form (RFC 9112 3.2.2): use the path part. */
	if (strncasecmp(target, "http://", 7) == 0) {
		target = strchr(target + 7, '/');
		if (!target)
			target = "/";
	}
	ex->query = strchr(m->target, '?');
	ex->query = ex->query ? ex->query + 1 : "";
	ex->path_error = tapir_http_path_normalise(target, ex->path, sizeof(ex->path));
	ex->collect = ex->path_error == 0 && find_route(c->srv, ex->path) != NULL;
	if (m->expect_continue && (m->chunked || m->content_length > 0) && c->sock) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		tapir_tcp_send(c->sock, cont, sizeof(cont) - 1);
	}
	c->phase = HTTP_PHASE_BODY;
	c->last_activity = http_now(c->srv);
}

static int on_body(struct http_conn *c, const struct tapir_http_piece *piece)
{
	struct tapir_http_exchange *ex = &c->ex;

	c->last_activity = http_now(c->srv);
	if (!ex->collect || piece->len == 0)
		return 0;
	if (ex->body_len + piece->len > ex->body_cap) {
		size_t cap = ex->body_cap ? ex->body_cap : 4096;
		while (cap < ex->body_len + piece->len)
			cap *= 2;
		uint8_t *p = realloc(ex->body, cap);
		if (!p)
			return -ENOMEM;
		ex->body = p;
		ex->body_cap = cap;
	}
	memcpy(ex->body + ex->body_len, piece->data, piece->len);
	ex->body_len += piece->len;
	return 0;
}

static void refuse(struct http_conn *c, unsigned status, enum tapir_drop drop, const char *why)
{
	c->srv->stats.refused++;
	if (drop != TAPIR_DROP_NONE)
		http_drop(c->srv, drop, why);
	trace_http(c, TAPIR_HTTP_TRACE_REFUSED, (uint16_t)status, why);
	c->ex.keep_alive = false;
	http_respond_status(&c->ex, status);
}

/* The whole request is here: answer it. */
static void dispatch(struct http_conn *c)
{
	struct tapir_http_exchange *ex = &c->ex;
	const char *method = ex->req->method;
	const struct http_route *route;

	c->phase = HTTP_PHASE_RESPOND;
	c->last_activity = http_now(c->srv);
	if (!known_method(method)) {
		tapir_http_add_header(ex, "Allow", "GET, HEAD, POST, OPTIONS");
		http_respond_status(ex, 501);
		return;
	}
	if (strcmp(ex->req->target, "*") == 0) { /* OPTIONS * (RFC 9110 9.3.7) */
		if (strcmp(method, "OPTIONS") != 0) {
			refuse(c, 400, TAPIR_DROP_HTTP_BAD_REQUEST,
			       "* target with a method not OPTIONS");
			return;
		}
		tapir_http_add_header(ex, "Allow", "GET, HEAD, POST, OPTIONS");
		tapir_http_respond(ex, 204, NULL, NULL, 0);
		return;
	}
	if (ex->path_error == -EACCES) {
		refuse(c, 400, TAPIR_DROP_HTTP_OUTSIDE_ROOT, "dot segments above the root");
		return;
	}
	if (ex->path_error < 0) {
		refuse(c, 400, TAPIR_DROP_HTTP_BAD_REQUEST, "bad path in the request target");
		return;
	}
	route = find_route(c->srv, ex->path);
	if (route) {
		route->fn(route->user ? route->user : c->srv, ex);
		if (!ex->responded)
			http_respond_status(ex, 500);
		return;
	}
	http_static_serve(ex);
	if (!ex->responded)
		http_respond_status(ex, 500);
}

/* Parse what is in rx. Returns false when the connection needs more input
 * (or is gone), true when the phase changed to RESPOND. */
static bool parse_input(struct http_conn *c)
{
	while (c->rx_off < c->rx_len) {
		struct tapir_http_piece piece;
		size_t used;
		enum tapir_http_event ev = tapir_http_parse(&c->parser, c->rx + c->rx_off,
		                                            c->rx_len - c->rx_off, &used, &piece);
		c->rx_off += used;
		if (c->ex.started == 0 && (c->parser.started || ev != TAPIR_HTTP_EV_NEED_MORE)) {
			c->ex.started = http_now(c->srv); /* the first byte of a request */
			rearm(c);
		}
		switch (ev) {
		case TAPIR_HTTP_EV_NEED_MORE:
			break;
		case TAPIR_HTTP_EV_HEAD:
			on_head(c);
			rearm(c);
			break;
		case TAPIR_HTTP_EV_BODY:
			if (on_body(c, &piece) < 0) {
				refuse(c, 500, TAPIR_DROP_NONE, "out of memory");
				c->phase = HTTP_PHASE_RESPOND;
				return true;
			}
			break;
		case TAPIR_HTTP_EV_DONE:
			dispatch(c);
			return true;
		case TAPIR_HTTP_EV_ERROR:
			if (c->ex.started == 0)
				c->ex.started = http_now(c->srv);
			c->ex.number = ++c->requests;
			c->ex.head_done = http_now(c->srv);
			refuse(c, c->parser.status, c->parser.drop, c->parser.reason);
			c->phase = HTTP_PHASE_RESPOND;
			return true;
		}
	}
	/* DONE can be due without another byte (a message with no body). */
	if (c->phase == HTTP_PHASE_BODY) {
		struct tapir_http_piece piece;
		size_t used;
		if (tapir_http_parse(&c->parser, c->rx, 0, &used, &piece) == TAPIR_HTTP_EV_DONE) {
			dispatch(c);
			return true;
		}
	}
	return false;
}

/* Read more from TCP. Returns 1 with new bytes in rx, 0 when there are none
 * yet, -1 when the connection ended (and was closed). */
static int read_input(struct http_conn *c)
{
	long n = tapir_tcp_recv(c->sock, c->rx, sizeof(c->rx));

	if (n == -EAGAIN)
		return 0;
	if (n > 0) {
		c->rx_off = 0;
		c->rx_len = (size_t)n;
		return 1;
	}
	/* End of stream or an error: a request cut short gets no answer (there
	 * is nobody left to read it). */
	conn_kill(c, n < 0);
	return -1;
}

/* Drain input while lingering; close at the client's FIN. */
static void linger(struct http_conn *c)
{
	uint8_t sink[4096];
	long n;

	while ((n = tapir_tcp_recv(c->sock, sink, sizeof(sink))) > 0)
		;
	if (n != -EAGAIN)
		conn_kill(c, false);
}

/* Move the connection on as far as it goes now. */
static void step(struct http_conn *c)
{
	for (;;) {
		switch (c->phase) {
		case HTTP_PHASE_DEAD:
			return;
		case HTTP_PHASE_LINGER:
			linger(c);
			return;
		case HTTP_PHASE_RESPOND: {
			int r = pump_output(c);
			if (r < 0) {
				conn_kill(c, true);
				return;
			}
			rearm(c);
			if (r == 0 || !source_done(&c->ex))
				return;
			conn_finish(c);
			continue;
		}
		case HTTP_PHASE_REQUEST:
		case HTTP_PHASE_BODY:
			if (parse_input(c))
				continue;
			if (c->phase == HTTP_PHASE_DEAD)
				return;
			if (read_input(c) <= 0)
				return;
			continue;
		}
	}
}

/* Run step() without nesting: a call back into us for the same connection
 * (from inside TCP) just asks for another round. */
static void service(struct http_conn *c)
{
	if (c->in_service) {
		c->again = true;
		return;
	}
	enter(c->srv);
	c->in_service = true;
	do {
		c->again = false;
		step(c);
	} while (c->again && c->phase != HTTP_PHASE_DEAD);
	c->in_service = false;
	leave(c->srv);
}

static void on_conn_event(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	struct http_conn *c = user;

	(void)sock;
	(void)events;
	(void)error;
	if (c->phase == HTTP_PHASE_DEAD)
		return;
	service(c);
}

/* ---- accepting ------------------------------------------------------------------------------- */

/* A connection was accepted into c: set it up. */
static void conn_init(struct tapir_http_server *srv, struct http_conn *c, struct tapir_tcp *sock)
{
	c->srv = srv;
	c->sock = sock;
	tapir_tcp_endpoints(sock, &c->id);
	tapir_http_parser_init(&c->parser, TAPIR_HTTP_PARSE_REQUEST, srv->cfg.max_body);
	c->ex.conn = c;
	c->ex.fd = -1;
	c->ex.keep_alive = true;
	c->phase = HTTP_PHASE_REQUEST;
	c->last_activity = http_now(srv);
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	srv->stats.open = srv->nconns;
	/* Each response goes out in as few sends as possible: no Nagle delays. */
	tapir_tcp_set_option(sock, TAPIR_TCP_NODELAY, 1);
	rearm(c);
}

static void on_listen_event(struct tapir_tcp *listener, unsigned events, int error, void *user)
{
	struct tapir_http_server *srv = user;
	struct tapir_tcp *sock;

	(void)events;
	(void)error;
	enter(srv);
	for (;;) {
		struct http_conn *c = calloc(1, sizeof(*c));

		if (tapir_tcp_accept(listener, on_conn_event, c, &sock) != 0) {
			free(c);
			break;
		}
		srv->stats.connections++;
		if (!c || srv->nconns >= srv->cfg.max_connections) {
			http_drop(srv, TAPIR_DROP_HTTP_TOO_MANY, NULL);
			tapir_tcp_abort(sock);
			free(c);
			continue;
		}
		conn_init(srv, c, sock);
	}
	leave(srv);
}

/* ---- the server ------------------------------------------------------------------------------ */

int tapir_http_server_new(struct tapir_stack *stack, const struct tapir_http_server_config *cfg,
                          struct tapir_http_server **out)
{
	struct tapir_http_server *srv = calloc(1, sizeof(*srv));
	int err;

	if (!srv)
		return -ENOMEM;
	srv->stack = stack;
	srv->cfg = *cfg;
	srv->next_due = TAPIR_TIME_NEVER;
	if (!srv->cfg.server_name)
		srv->cfg.server_name = "tapir";
	if (cfg->root) {
		if (!realpath(cfg->root, srv->root)) {
			free(srv);
			return -EINVAL;
		}
		srv->root_len = strlen(srv->root);
		while (srv->root_len > 1 && srv->root[srv->root_len - 1] == '/')
			srv->root[--srv->root_len] = '\0';
	}
	err = tapir_stack_add_poller(stack, server_poll, srv);
	if (err == 0)
		err = tapir_tcp_listen(stack, cfg->port, TAPIR_TCP_BACKLOG_MAX, on_listen_event,
		                       srv, &srv->listener);
	if (err < 0) {
		tapir_stack_remove_poller(stack, server_poll, srv);
		free(srv);
		return err;
	}
	*out = srv;
	return 0;
}

void tapir_http_server_free(struct tapir_http_server *srv)
{
	if (!srv)
		return;
	enter(srv);
	for (struct http_conn *c = srv->conns; c; c = c->next)
		if (c->phase != HTTP_PHASE_DEAD)
			conn_kill(c, c->phase != HTTP_PHASE_REQUEST ||
			                 tapir_http_parser_busy(&c->parser));
	tapir_tcp_close(srv->listener);
	leave(srv);
	http_file_cache_clear(srv);
	tapir_stack_remove_poller(srv->stack, server_poll, srv);
	free(srv);
}

int tapir_http_server_route(struct tapir_http_server *srv, const char *path,
                            tapir_http_handler_fn fn, void *user)
{
	if (!fn || !path || path[0] != '/' || strlen(path) >= sizeof(srv->routes[0].path))
		return -EINVAL;
	if (srv->nroutes == TAPIR_HTTP_ROUTES)
		return -ENOSPC;
	snprintf(srv->routes[srv->nroutes].path, sizeof(srv->routes[0].path), "%s", path);
	srv->routes[srv->nroutes].fn = fn;
	srv->routes[srv->nroutes].user = user;
	srv->nroutes++;
	return 0;
}

void tapir_http_server_stats(const struct tapir_http_server *srv,
                             struct tapir_http_server_stats *out)
{
	*out = srv->stats;
	out->open = srv->nconns;
}

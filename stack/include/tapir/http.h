/*
 * http.h — HTTP/1.1 on tapir's TCP sockets (RFC 9110 semantics, RFC 9112
 * message syntax): an incremental message parser, a server with static
 * files and built-in routes, and a small client.
 *
 * The parser (RFC 9112 2-7) takes bytes as they arrive, split anywhere, and
 * hands back one event at a time: the head is complete, a piece of body,
 * the message is complete, or an error with the status a server answers
 * (400, 413, 414, 431, 501, 505) and the drop reason from stats.h.
 *
 *     struct tapir_http_parser p;
 *     tapir_http_parser_init(&p, TAPIR_HTTP_PARSE_REQUEST, 1 << 20);
 *     while (len > 0) {
 *             struct tapir_http_piece piece;
 *             size_t used;
 *             enum tapir_http_event ev = tapir_http_parse(&p, data, len, &used, &piece);
 *             data += used, len -= used;
 *             if (ev == TAPIR_HTTP_EV_HEAD)  look at p.msg (method, target, headers)
 *             if (ev == TAPIR_HTTP_EV_BODY)  piece.data, piece.len (inside `data`)
 *             if (ev == TAPIR_HTTP_EV_DONE)  the message ended; the next may follow
 *             if (ev == TAPIR_HTTP_EV_ERROR) p.status, p.reason, p.drop
 *     }
 *
 * The server (stack/http/server.c) listens on a port of a stack and serves
 * requests from its own routes, the built-in ones (POST /echo, GET /events)
 * and static files under a root directory. It keeps connections open
 * (HTTP/1.1 by default, 1.0 on request), answers pipelined requests in
 * order, and cuts off idle and slow clients with timers on the stack's
 * virtual clock. It never prints: each finished request goes to the
 * access-log callback, and requests, responses and refusals to the trace
 * (TAPIR_EV_HTTP).
 *
 * Taking a connection over (WebSocket, RFC 6455 4.2.2): a route handler
 * that wants the connection after its response calls
 *
 *     tapir_http_add_header(ex, "Upgrade", "websocket");
 *     tapir_http_add_header(ex, "Connection", "Upgrade");
 *     tapir_http_add_header(ex, "Sec-WebSocket-Accept", accept);
 *     tapir_http_respond(ex, 101, NULL, NULL, 0);
 *     tapir_http_upgrade(ex, on_ws_socket, on_upgraded, ws);
 *
 * Once the whole 101 response sits in the TCP send buffer the server makes
 * on_ws_socket the socket's readiness callback (with user `ws`), calls
 * on_upgraded(ws, sock, leftover, n) with the socket and the bytes the
 * client already sent after the request (its first frames, maybe), and
 * forgets the connection: the new owner reads, writes and closes it.
 */
#ifndef TAPIR_HTTP_H
#define TAPIR_HTTP_H

#include <stdio.h>

#include "tapir/options.h"
#include "tapir/stack.h"
#include "tapir/stats.h"
#include "tapir/tcp.h"
#include "tapir/types.h"

/* ---- the message parser (RFC 9112) ------------------------------------------ */

enum tapir_http_parse_mode {
	TAPIR_HTTP_PARSE_REQUEST,  /* request-line, as a server reads */
	TAPIR_HTTP_PARSE_RESPONSE, /* status-line, as a client reads */
};

enum tapir_http_event {
	TAPIR_HTTP_EV_NEED_MORE, /* every byte given was used; nothing finished */
	TAPIR_HTTP_EV_HEAD,      /* start line and header section complete: see msg */
	TAPIR_HTTP_EV_BODY,      /* a piece of the (de-chunked) body */
	TAPIR_HTTP_EV_DONE,      /* the message is complete */
	TAPIR_HTTP_EV_ERROR,     /* malformed or over a limit: status, reason, drop */
};

struct tapir_http_header {
	const char *name;  /* as sent: "Content-Type" (compare without case) */
	const char *value; /* leading and trailing whitespace removed */
};

/* A parsed head. The strings live in the parser and stay valid until the
 * next message starts (the call after TAPIR_HTTP_EV_DONE). */
struct tapir_http_message {
	const char *method; /* requests: "GET" */
	const char *target; /* requests: "/index.html?x=1" as sent */
	uint16_t status;    /* responses: 200 */
	const char *reason; /* responses: "OK" */
	unsigned version;   /* 10 for HTTP/1.0, 11 for HTTP/1.1 (and 1.x, x > 1) */
	struct tapir_http_header headers[TAPIR_HTTP_HEADERS_MAX];
	size_t nheaders;
	/* Framing and connection handling, worked out from the headers. */
	bool chunked;            /* Transfer-Encoding: chunked (RFC 9112 7.1) */
	bool has_length;         /* Content-Length given */
	uint64_t content_length; /* its value */
	bool until_close;        /* responses: the body ends when the connection does */
	bool keep_alive;         /* the connection may carry another message after this one */
	bool expect_continue;    /* requests: Expect: 100-continue (RFC 9110 10.1.1) */
	bool upgrade;            /* Connection: upgrade with an Upgrade header */
};

struct tapir_http_piece {
	const uint8_t *data; /* TAPIR_HTTP_EV_BODY: inside the bytes given */
	size_t len;
};

/* Where the parser is (one byte at a time; states are not part of the API). */
struct tapir_http_parser {
	enum tapir_http_parse_mode mode;
	uint64_t max_body;  /* bodies longer than this: 413 */
	bool head_response; /* responses: the request was HEAD, so no body follows */
	int state;
	struct tapir_http_message msg;
	/* Error: the status a server answers with, one line saying why, and the
	 * drop reason it is counted as. */
	uint16_t status;
	const char *reason;
	enum tapir_drop drop;
	/* Counters within the message. */
	size_t line_len;       /* bytes of the current line */
	size_t head_len;       /* bytes of the header section so far */
	uint64_t body_len;     /* body bytes delivered */
	uint64_t chunk_left;   /* of the current chunk */
	unsigned chunk_digits; /* hex digits of the chunk size */
	size_t ext_len;        /* bytes of chunk extensions on this line */
	bool saw_cr;
	bool started; /* the first byte of this message arrived */
	/* Storage for the start line and the header fields, '\0'-separated. */
	size_t store_len;
	size_t line_start; /* where the current line begins in store */
	char store[TAPIR_HTTP_REQUEST_LINE_MAX + TAPIR_HTTP_HEADER_SECTION_MAX + 16];
};

void tapir_http_parser_init(struct tapir_http_parser *p, enum tapir_http_parse_mode mode,
                            uint64_t max_body);
/* Parse from data: stops after each event (HEAD, one BODY piece, DONE,
 * ERROR) and says in *used how many bytes it took. After DONE the next call
 * starts the next message (pipelining); after ERROR it returns ERROR again. */
enum tapir_http_event tapir_http_parse(struct tapir_http_parser *p, const uint8_t *data, size_t len,
                                       size_t *used, struct tapir_http_piece *piece);
/* The connection ended (end of stream). Returns DONE when that completes a
 * close-delimited response body, NEED_MORE when no message had started, or
 * ERROR when a message was cut short. */
enum tapir_http_event tapir_http_parse_eof(struct tapir_http_parser *p);
/* Is a message in progress (some of it received, not all)? */
bool tapir_http_parser_busy(const struct tapir_http_parser *p);

/* The value of the first header named `name` (any case), or NULL. */
const char *tapir_http_header(const struct tapir_http_message *msg, const char *name);
/* Does a comma-separated header (Connection, ...) hold `token` (any case)? */
bool tapir_http_header_has_token(const struct tapir_http_message *msg, const char *name,
                                 const char *token);

/* "OK", "Not Found", ... (RFC 9110 15); "Unknown" for others. */
const char *tapir_http_status_text(unsigned status);

/* ---- helpers shared by server and client --------------------------------------------- */

#define TAPIR_HTTP_DATE_LEN 30 /* "Sun, 06 Nov 1994 08:49:37 GMT" + '\0' */

/* IMF-fixdate (RFC 9110 5.6.7) of a Unix time in seconds. */
void tapir_http_date_format(int64_t unix_seconds, char out[TAPIR_HTTP_DATE_LEN]);
/* Any of the three HTTP-date forms -> Unix seconds; -EINVAL if none fits. */
int tapir_http_date_parse(const char *text, int64_t *unix_seconds);
/* Percent-decode and normalise the path of a request target (RFC 3986
 * 5.2.4 dot segments, repeated slashes folded): "/a/./b/../c%20d?q" ->
 * "/a/c d". Returns 0, or -EINVAL (bad escape, NUL, not origin-form) or
 * -EACCES (".." above the root). */
int tapir_http_path_normalise(const char *target, char *out, size_t cap);
/* "text/html; charset=utf-8" for "x.html", "application/octet-stream" when
 * the extension is not known. */
const char *tapir_http_mime_type(const char *path);

/* ---- the server ------------------------------------------------------------ */

struct tapir_http_server;
struct tapir_http_exchange; /* one request and its response */

/* One finished request, for the access log. */
struct tapir_http_access {
	struct tapir_tcp_conn_id conn;
	uint32_t request;            /* 1 for the first request on the connection */
	const char *method, *target; /* "-" when the request was not understood */
	unsigned version;
	unsigned status;
	uint64_t body_bytes;              /* response body bytes sent */
	const char *referer, *user_agent; /* may be NULL */
	tapir_time started, elapsed;
	int64_t unix_seconds; /* wall clock of the request */
};

typedef void (*tapir_http_access_fn)(void *user, const struct tapir_http_access *entry);
typedef void (*tapir_http_handler_fn)(void *user, struct tapir_http_exchange *ex);

struct tapir_http_server_config {
	uint16_t port;             /* 80 */
	const char *root;          /* serve files under this directory; NULL: no files */
	const char *server_name;   /* the Server header: "tapir" */
	uint64_t max_body;         /* request bodies over this get 413 */
	tapir_time idle_timeout;   /* a kept-alive connection with no request */
	tapir_time header_timeout; /* a request head must be complete this soon */
	tapir_time body_timeout;   /* no body byte for this long */
	tapir_time send_timeout;   /* the client reads nothing of the response */
	tapir_time linger_timeout; /* after our FIN: wait for the client's */
	tapir_time event_interval; /* between events on GET /events */
	unsigned max_connections;
	bool builtin_routes; /* POST /echo and GET /events */
	/* Added to the stack's time to get Unix time in µs, for Date and
	 * If-Modified-Since (the library never reads a clock). */
	tapir_time wall_offset;
	tapir_http_access_fn access_fn; /* one call per request, may be NULL */
	void *access_user;
};

/* Port 80, no root, the TAPIR_HTTP_* defaults of options.h, built-in routes. */
void tapir_http_server_config_default(struct tapir_http_server_config *cfg);

/* Listen on cfg->port. Returns 0, -EINVAL (a root that is not a
 * directory), -EADDRINUSE, -ENOMEM or -ENOSPC (no poller slot). */
int tapir_http_server_new(struct tapir_stack *stack, const struct tapir_http_server_config *cfg,
                          struct tapir_http_server **out);
/* Close the listener and every connection (RST for those mid-request). */
void tapir_http_server_free(struct tapir_http_server *srv);

/* A route: requests whose path is exactly `path` go to fn (any method; the
 * handler answers 405 itself for the ones it does not take). The request
 * body is collected first (up to max_body). At most TAPIR_HTTP_ROUTES. */
int tapir_http_server_route(struct tapir_http_server *srv, const char *path,
                            tapir_http_handler_fn fn, void *user);

struct tapir_http_server_stats {
	uint64_t connections;  /* accepted in all */
	unsigned open;         /* open now (including lingering ones) */
	uint64_t requests;     /* parsed */
	uint64_t responses[6]; /* by class: [2] counts 2xx ... */
	uint64_t refused;      /* requests answered with an error and closed */
	uint64_t timeouts;
};
void tapir_http_server_stats(const struct tapir_http_server *srv,
                             struct tapir_http_server_stats *out);

/* ---- inside a handler ----------------------------------------------------------------- */

const struct tapir_http_message *tapir_http_request(const struct tapir_http_exchange *ex);
/* The normalised, decoded path ("/echo") and the query after '?' ("" if none). */
const char *tapir_http_path(const struct tapir_http_exchange *ex);
const char *tapir_http_query(const struct tapir_http_exchange *ex);
/* The collected request body. */
const uint8_t *tapir_http_body(const struct tapir_http_exchange *ex, size_t *len);

/* Add a response header (before respond/stream_begin). -ENOSPC when the
 * head would outgrow TAPIR_HTTP_RESPONSE_HEAD_MAX. */
int tapir_http_add_header(struct tapir_http_exchange *ex, const char *name, const char *value);
/* A whole response with Content-Length; body is copied (NULL for none).
 * content_type NULL: no Content-Type header. */
int tapir_http_respond(struct tapir_http_exchange *ex, unsigned status, const char *content_type,
                       const void *body, size_t len);
/* A streamed response: chunked for HTTP/1.1, until close for 1.0. Then
 * stream_write() as data comes (returns bytes taken, or -EAGAIN when the
 * connection has no room) and stream_end(). A handler that streams gets
 * tapir_http_stream_tick() calls every event_interval. */
int tapir_http_stream_begin(struct tapir_http_exchange *ex, unsigned status,
                            const char *content_type);
long tapir_http_stream_write(struct tapir_http_exchange *ex, const void *data, size_t len);
int tapir_http_stream_end(struct tapir_http_exchange *ex);
typedef void (*tapir_http_tick_fn)(void *user, struct tapir_http_exchange *ex, tapir_time now);
void tapir_http_stream_on_tick(struct tapir_http_exchange *ex, tapir_http_tick_fn fn, void *user);

/* Hand the connection over after the response (see the top of this file):
 * the socket's readiness callback becomes sock_fn(sock, events, error,
 * user), then fn(user, sock, leftover, len) is called once. */
typedef void (*tapir_http_upgrade_fn)(void *user, struct tapir_tcp *sock, const uint8_t *leftover,
                                      size_t len);
int tapir_http_upgrade(struct tapir_http_exchange *ex, tapir_tcp_fn sock_fn,
                       tapir_http_upgrade_fn fn, void *user);

/* ---- the client ------------------------------------------------------------------------ */

/* One connection to a server, one request at a time, kept alive between
 * requests when the server allows. Callbacks come from tapir_stack_poll(). */
struct tapir_http_client;

struct tapir_http_client_callbacks {
	void (*connected)(void *user);
	/* A response head (1xx interim responses are skipped). */
	void (*head)(void *user, const struct tapir_http_message *msg);
	void (*body)(void *user, const uint8_t *data, size_t len);
	/* The response ended: error 0, or negative (connection lost, -EPROTO
	 * for a malformed response). `reusable`: the connection stays open. */
	void (*done)(void *user, int error, bool reusable);
};

int tapir_http_client_new(struct tapir_stack *stack, tapir_ip ip, uint16_t port,
                          const struct tapir_http_client_callbacks *cb, void *user,
                          struct tapir_http_client **out);
/* Send a request ("GET", "/x", "Host: a\r\nAccept: *\/\*\r\n" already
 * formatted extra header lines). -EBUSY while a response is in progress. */
int tapir_http_client_request(struct tapir_http_client *c, const char *method, const char *target,
                              const char *host, const char *extra_headers);
/* The request as sent (for -v), valid until the next request. */
const char *tapir_http_client_last_request(const struct tapir_http_client *c);
bool tapir_http_client_connected(const struct tapir_http_client *c);
void tapir_http_client_free(struct tapir_http_client *c);

#endif /* TAPIR_HTTP_H */

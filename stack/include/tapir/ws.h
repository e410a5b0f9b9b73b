/*
 * ws.h — WebSocket (RFC 6455) on tapir's TCP sockets: a server whose
 * routes are upgraded from tapir's HTTP server, and a client.
 *
 * A connection (struct tapir_ws) is in one of the four ready-states the
 * browser's WebSocket.readyState shows: CONNECTING (the opening handshake,
 * RFC 6455 4), OPEN (messages both ways), CLOSING (a close frame was sent
 * or received, 5.5.1 and 7) and CLOSED (the TCP connection is gone). Each
 * change goes through one function that writes (from, to, cause) on the
 * trace (TAPIR_EV_WS), next to the TCP states underneath.
 *
 * A server on the stack's loop, upgraded from the HTTP server:
 *
 *     static void on_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
 *                            const uint8_t *data, size_t len)
 *     {
 *             tapir_ws_send(ws, type, data, len); // an echo
 *     }
 *     struct tapir_ws_callbacks cb = {.on_message = on_message};
 *     struct tapir_ws_route_config rc = {.path = "/ws/echo", .cb = &cb};
 *     tapir_ws_server_new(stack, &ws_srv);
 *     tapir_ws_server_route(ws_srv, &rc, NULL);
 *     tapir_ws_server_attach(ws_srv, http_srv); // GET /ws/echo -> 101 -> frames
 *
 * Callbacks come from inside tapir_stack_poll(). A server's connections
 * belong to the server: a struct tapir_ws stays valid until its on_close
 * has returned. A client's connection belongs to the program, which frees
 * it with tapir_ws_free(). Errors are negative errno values.
 */
#ifndef TAPIR_WS_H
#define TAPIR_WS_H

#include "tapir/http.h"
#include "tapir/stack.h"
#include "tapir/tcp.h"
#include "tapir/types.h"

/* The ready-states, numbered as the browser numbers readyState. */
enum tapir_ws_state {
	TAPIR_WS_CONNECTING = 0,
	TAPIR_WS_OPEN = 1,
	TAPIR_WS_CLOSING = 2,
	TAPIR_WS_CLOSED = 3,
};

/* A message's type: the opcode of its first frame (5.6). */
enum tapir_ws_type {
	TAPIR_WS_TEXT = 1,   /* UTF-8 text */
	TAPIR_WS_BINARY = 2, /* bytes */
};

struct tapir_ws;
struct tapir_ws_server;
struct tapir_ws_route;

struct tapir_ws_callbacks {
	/* The handshake is done: messages may be sent. */
	void (*on_open)(void *user, struct tapir_ws *ws);
	/* A whole message (all its fragments), text checked to be UTF-8. */
	void (*on_message)(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
	                   const uint8_t *data, size_t len);
	/* A pong arrived (the answer to tapir_ws_ping, or unsolicited). May be NULL. */
	void (*on_pong)(void *user, struct tapir_ws *ws, const uint8_t *data, size_t len);
	/* The connection is CLOSED. code: the peer's close code, 1005 when its
	 * close frame had none, 1006 when no close frame came at all (as the
	 * browser's CloseEvent); clean: both close frames were exchanged. */
	void (*on_close)(void *user, struct tapir_ws *ws, uint16_t code, const char *reason,
	                 bool clean);
};

/* ---- on a connection (either end) ------------------------------------------ */

/* Send a whole message as one frame (text must be UTF-8: -EINVAL if not).
 * Returns 0, -ENOTCONN when not OPEN, or -ENOBUFS when more than
 * TAPIR_WS_SEND_QUEUE_MAX bytes would wait for TCP. */
int tapir_ws_send(struct tapir_ws *ws, enum tapir_ws_type type, const void *data, size_t len);
int tapir_ws_send_text(struct tapir_ws *ws, const char *text, size_t len);
int tapir_ws_send_binary(struct tapir_ws *ws, const void *data, size_t len);
/* Send a message in fragments of at most `fragment` bytes (5.4). */
int tapir_ws_send_fragmented(struct tapir_ws *ws, enum tapir_ws_type type, const void *data,
                             size_t len, size_t fragment);
/* A ping with up to 125 bytes of application data (5.5.2). */
int tapir_ws_ping(struct tapir_ws *ws, const void *data, size_t len);
/* Start the closing handshake (7.1.2): code 1000, 1001 or 3000-4999 (0: no
 * code at all), reason up to 123 bytes of UTF-8 (may be NULL). Returns 0,
 * -EINVAL, or -ENOTCONN when the connection is already closing. */
int tapir_ws_close(struct tapir_ws *ws, uint16_t code, const char *reason);

enum tapir_ws_state tapir_ws_state(const struct tapir_ws *ws);
/* "CONNECTING", "OPEN", "CLOSING", "CLOSED". */
const char *tapir_ws_state_name(enum tapir_ws_state state);
/* The negotiated subprotocol (Sec-WebSocket-Protocol), "" when none. */
const char *tapir_ws_protocol(const struct tapir_ws *ws);
/* The resource name: "/ws/echo". */
const char *tapir_ws_path(const struct tapir_ws *ws);
/* Bytes queued and not yet taken by TCP (the browser's bufferedAmount). */
size_t tapir_ws_buffered(const struct tapir_ws *ws);
/* The TCP connection's id and 4-tuple, as the trace shows them. */
void tapir_ws_endpoints(const struct tapir_ws *ws, struct tapir_tcp_conn_id *id);
/* A pointer for the program to keep with the connection. */
void tapir_ws_set_data(struct tapir_ws *ws, void *data);
void *tapir_ws_data(const struct tapir_ws *ws);

/* ---- the server ------------------------------------------------------------------- */

struct tapir_ws_route_config {
	const char *path; /* "/ws/echo" */
	/* Subprotocols this route speaks, in order of preference, comma
	 * separated ("chat, superchat"); NULL or "" for none. The server picks
	 * the first one the client offers (4.2.2). */
	const char *protocols;
	size_t max_message; /* 0: TAPIR_WS_MAX_MESSAGE; larger messages get 1009 */
	const struct tapir_ws_callbacks *cb;
	void *user;
};

/* Returns 0, -ENOMEM or -ENOSPC (no poller slot on the stack). */
int tapir_ws_server_new(struct tapir_stack *stack, struct tapir_ws_server **out);
/* Abort every connection (TCP RST) and free the server. */
void tapir_ws_server_free(struct tapir_ws_server *srv);
/* Add a route. Returns 0, -EINVAL or -ENOSPC (TAPIR_WS_ROUTES). */
int tapir_ws_server_route(struct tapir_ws_server *srv, const struct tapir_ws_route_config *cfg,
                          struct tapir_ws_route **out);
/* The built-in routes: every message back as it came (text as text, binary
 * as binary), and a chat room (every message to every client on it). */
int tapir_ws_route_echo(struct tapir_ws_server *srv, const char *path);
int tapir_ws_route_chat(struct tapir_ws_server *srv, const char *path);
/* Register every route of srv with the HTTP server, so that a GET with
 * "Upgrade: websocket" on its path is answered with 101 and taken over
 * (tapir_http_upgrade). Returns 0 or the HTTP server's error. */
int tapir_ws_server_attach(struct tapir_ws_server *srv, struct tapir_http_server *http);
/* The HTTP handler attach() registers, for programs that route by hand:
 * user is the struct tapir_ws_route. */
void tapir_ws_http_handler(void *route, struct tapir_http_exchange *ex);

/* Send a message to every OPEN connection of the route. Returns how many
 * connections it was queued for (a peer whose queue is full is skipped and
 * counted as a drop). */
int tapir_ws_broadcast(struct tapir_ws_route *route, enum tapir_ws_type type, const void *data,
                       size_t len);
struct tapir_ws_route *tapir_ws_route_of(const struct tapir_ws *ws);

struct tapir_ws_server_stats {
	uint64_t handshakes; /* 101 sent */
	uint64_t refused;    /* upgrade requests answered with 4xx/5xx */
	unsigned open;       /* connections not CLOSED yet */
	uint64_t messages_in, messages_out;
	uint64_t bytes_in, bytes_out; /* message payload bytes */
	uint64_t violations;          /* connections failed for a protocol error */
};
void tapir_ws_server_stats(const struct tapir_ws_server *srv, struct tapir_ws_server_stats *out);

/* ---- the live trace feed (trace_feed.c) --------------------------------------------- */

/*
 * A route that pushes the stack's trace to browsers as it happens (the page
 * is www/live/). Each text message is one JSON object with a "feed" field:
 *
 *   {"feed":"hello","you":7,"time_us":T,"connections":[{"conn":3,"local_ip":...,
 *    "local_port":80,"remote_ip":...,"remote_port":41234,"state":"ESTABLISHED",
 *    "path":["CLOSED","LISTEN","SYN-RECEIVED","ESTABLISHED"],"since_us":T}, ...]}
 *        first, to each new viewer: every live TCP connection and its path so
 *        far (the viewer's own among them: "you" is its conn id);
 *   {"feed":"events","events":[E, ...]}
 *        then the events of each poll, each E as tapir_event_format_json();
 *   {"feed":"gap","missed":N}
 *        N events this viewer did not get (queue full, or it read too slowly).
 *
 * The trace sink runs deep inside the stack (in the middle of a TCP send, say),
 * so it never sends: it formats each event into a bounded queue, and the
 * feed's poller sends the queue to the viewers once per tapir_stack_poll().
 * Events that do not fit are counted, reported to the viewers as a gap and
 * traced as TAPIR_DROP_WS_FEED_QUEUE_FULL; a viewer with more than
 * backlog_bytes still unsent is skipped (TAPIR_DROP_WS_FEED_SLOW_VIEWER).
 *
 * A viewer's own connection: sending it the feed makes segments, frames and
 * timer events on that connection, which would be sent to it again, and so
 * on without end. So for the connections of viewers only the events that
 * change a state are sent (tcp-state, and the ws state and close events);
 * their tcp-segment, tcp-timer, tcp-cwnd and ws frame events are left out
 * and counted as `excluded`. Everything else goes to every viewer.
 */
#ifndef TAPIR_TRACE_FEED_QUEUE
#define TAPIR_TRACE_FEED_QUEUE (128 * 1024) /* bytes of events between two polls */
#endif
#ifndef TAPIR_TRACE_FEED_BACKLOG
#define TAPIR_TRACE_FEED_BACKLOG (256 * 1024) /* a viewer's unsent bytes before skipping */
#endif
#define TAPIR_TRACE_FEED_VIEWERS 16   /* viewers at once; more are closed with 4013 */
#define TAPIR_TRACE_FEED_CONNS   64   /* live connections the hello can list */
#define TAPIR_TRACE_FEED_PATH    16   /* states kept of a connection's path */
#define TAPIR_TRACE_FEED_EVENT   2048 /* longest event in JSON (longer ones are lost) */

struct tapir_trace_feed;

struct tapir_trace_feed_config {
	const char *path;     /* the route: "/ws/trace" */
	size_t queue_bytes;   /* 0: TAPIR_TRACE_FEED_QUEUE (at least 4096) */
	size_t backlog_bytes; /* 0: TAPIR_TRACE_FEED_BACKLOG */
};

/* Add the feed's route to srv (before tapir_ws_server_attach()), attach its
 * sink to the stack's trace and its poller to the stack. Create it after
 * the servers whose events it should send in the same poll (pollers run in
 * the order they were added). Returns 0, -EINVAL (no trace on the stack, a
 * bad config), -ENOMEM or -ENOSPC. */
int tapir_trace_feed_new(struct tapir_ws_server *srv, const struct tapir_trace_feed_config *cfg,
                         struct tapir_trace_feed **out);
/* Detach from the stack and free. Free it before srv: the route stays. */
void tapir_trace_feed_free(struct tapir_trace_feed *feed);

struct tapir_trace_feed_stats {
	unsigned viewers;         /* connected now */
	uint64_t events;          /* events queued for the viewers */
	uint64_t excluded;        /* events of the viewers' own connections left out */
	uint64_t lost_queue_full; /* events that did not fit in the queue */
	uint64_t lost_slow;       /* events skipped for slow viewers (each viewer counts) */
	uint64_t messages;        /* messages sent (hello, events, gap) */
};
void tapir_trace_feed_stats(const struct tapir_trace_feed *feed,
                            struct tapir_trace_feed_stats *out);

/* An HTTP route handler (user unused): GET answers with the TCP state
 * machine as JSON, {"tcp":{"transitions":[{"from","event","to","label"}...]}}
 * straight from tapir_tcp_fsm_table(), so a page draws the same diagram the
 * code runs. */
void tapir_trace_feed_fsm_handler(void *user, struct tapir_http_exchange *ex);

/* ---- the client --------------------------------------------------------------------- */

/* ws://host[:port][/path]: the parts of a WebSocket URI (3). */
struct tapir_ws_url {
	char host[256];
	uint16_t port;   /* 80 when not given */
	char path[1024]; /* "/" when not given; the query is kept */
};
/* Returns 0, -EPROTONOSUPPORT for wss:// (no TLS in tapir) or -EINVAL. */
int tapir_ws_url_parse(const char *url, struct tapir_ws_url *out);

struct tapir_ws_client_config {
	tapir_ip ip;
	uint16_t port;
	const char *host;      /* the Host header ("10.0.0.1:8080") */
	const char *path;      /* "/ws/echo" */
	const char *protocols; /* offered subprotocols, comma separated, or NULL */
	size_t max_message;    /* 0: TAPIR_WS_MAX_MESSAGE */
};

/* Connect, send the opening handshake, check the 101 and its
 * Sec-WebSocket-Accept (4.1). on_open or on_close follows. Returns 0,
 * -EINVAL, -ENOMEM, -ENOSPC or tapir_tcp_connect()'s error. */
int tapir_ws_connect(struct tapir_stack *stack, const struct tapir_ws_client_config *cfg,
                     const struct tapir_ws_callbacks *cb, void *user, struct tapir_ws **out);
/* Free a client connection (aborting it if it is not CLOSED). */
void tapir_ws_free(struct tapir_ws *ws);

/* ---- the opening handshake, for tests and students ---------------------------------- */

#define TAPIR_WS_ACCEPT_LEN 29 /* 28 base64 characters and '\0' */
#define TAPIR_WS_GUID       "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key (4.2.2 step 5.4):
 * base64(SHA-1(key + GUID)), SHA-1 from libcrypto. Returns 0 or -EINVAL
 * when key is not the base64 form of 16 bytes. */
int tapir_ws_accept_key(const char *key, char out[TAPIR_WS_ACCEPT_LEN]);

/* ---- the ready-state machine, for drawing it ---------------------------------------- */

struct tapir_ws_transition {
	const char *from;
	const char *event;
	const char *to;
	const char *label; /* "rcv Close / snd Close" */
};
/* The table every ready-state change is dispatched through. */
const struct tapir_ws_transition *tapir_ws_fsm_table(size_t *count);

#endif /* TAPIR_WS_H */

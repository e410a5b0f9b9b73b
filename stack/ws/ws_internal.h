/*
 * ws_internal.h — what the files of stack/ws/ share: the connection, the
 * server and its routes, the ready-state machine's events. Applications use
 * tapir/ws.h only.
 *
 *   fsm.c        the ready-state table and the one function that changes state
 *   handshake.c  the opening handshake (RFC 6455 4): key, accept, checks, URLs
 *   conn.c       frames in and out, fragmentation, control frames, closing (5, 7)
 *   server.c     routes upgraded from the HTTP server, echo and chat, broadcast
 *   client.c     the client's connect and handshake
 */
#ifndef TAPIR_WS_INTERNAL_H
#define TAPIR_WS_INTERNAL_H

#include "net/stack_internal.h"
#include "tapir/ws.h"
#include "wire/ws.h"

/* What moves a connection from one ready-state to another (fsm.c). */
enum ws_event {
	WS_EV_UPGRADED,   /* server: the 101 went out, the socket is ours */
	WS_EV_ACCEPTED,   /* client: a 101 with the right Sec-WebSocket-Accept */
	WS_EV_REFUSED,    /* client: the handshake failed */
	WS_EV_APP_CLOSE,  /* the application called tapir_ws_close() */
	WS_EV_RCV_CLOSE,  /* the peer's close frame arrived first */
	WS_EV_FAIL,       /* a protocol violation: "Fail the WebSocket Connection" */
	WS_EV_TCP_CLOSED, /* the TCP connection ended */
	WS_EV_TIMEOUT,    /* the handshake or the close took too long */
	WS_EV__COUNT
};

struct tapir_ws_route {
	struct tapir_ws_server *srv;
	char path[256];
	char protocols[256];
	size_t max_message;
	struct tapir_ws_callbacks cb;
	void *user;
	struct tapir_ws *conns; /* OPEN and CLOSING connections on it */
};

struct tapir_ws {
	struct tapir_stack *stack;
	struct tapir_tcp *sock; /* NULL once handed back to TCP */
	struct tapir_tcp_conn_id id;
	bool client;
	enum tapir_ws_state state;
	char path[1024];
	char protocol[TAPIR_WS_PROTOCOL_MAX];
	size_t max_message;
	struct tapir_ws_callbacks cb;
	void *user; /* the callbacks' user */
	void *data; /* tapir_ws_set_data() */

	/* Server side: the owner and the route's list. */
	struct tapir_ws_server *srv;
	struct tapir_ws_route *route;
	struct tapir_ws *next, *prev;             /* all of the server's connections */
	struct tapir_ws *route_next, *route_prev; /* the route's */
	bool on_route;                            /* in route->conns */
	bool opened; /* reached OPEN: on_close is due (a client is told either way) */
	bool dead;   /* CLOSED and told: free at the next sweep */
	tapir_time born;

	/* Reading frames (5.2): the header being gathered, then its payload. */
	uint8_t hdr[WS_HEADER_MAX];
	size_t hdr_len;
	bool in_payload;
	struct ws_header frame;
	uint64_t frame_done; /* payload bytes of this frame read so far */
	uint8_t ctrl[WS_CONTROL_MAX];

	/* The message being assembled from its fragments (5.4). */
	uint8_t msg_type; /* WS_OP_TEXT or _BINARY; 0: none in progress */
	uint8_t *msg;
	size_t msg_len, msg_cap;
	struct ws_utf8 utf8;

	/* Frames waiting for room in TCP's send buffer. */
	uint8_t *out;
	size_t out_off, out_len, out_cap;

	/* Closing (7). */
	bool close_sent, close_received;
	bool failed;         /* we failed the connection: input is ignored */
	bool fin_sent;       /* our TCP FIN (after the queue drains) */
	bool shutdown_due;   /* send FIN once the queue is empty */
	bool peer_fin;       /* the peer's TCP FIN arrived */
	uint16_t close_code; /* the peer's, for on_close */
	char close_reason[WS_CLOSE_REASON_MAX + 1];
	tapir_time deadline; /* handshake or close timeout; TAPIR_TIME_NEVER */

	/* Client side: the handshake. */
	char key[25];
	char accept[TAPIR_WS_ACCEPT_LEN];
	char host[300];
	char protocols[256];
	struct tapir_http_parser *parser; /* while CONNECTING */
	bool poller;                      /* our poller is registered */
};

struct tapir_ws_server {
	struct tapir_stack *stack;
	struct tapir_ws_route routes[TAPIR_WS_ROUTES];
	unsigned nroutes;
	struct tapir_ws *conns;
	unsigned nconns;
	struct tapir_ws_server_stats stats;
};

/* fsm.c: the one door for ready-state changes. */
void ws_set_state(struct tapir_ws *ws, enum ws_event ev);
tapir_time ws_now(const struct tapir_ws *ws);
void ws_trace(struct tapir_ws *ws, struct tapir_event *ev);

/* handshake.c: check an upgrade request (4.2.1) and work out the answer. */
struct ws_handshake {
	unsigned status;    /* 101, or the refusal: 400, 405, 426 */
	const char *reason; /* one line saying why */
	enum tapir_drop drop;
	char accept[TAPIR_WS_ACCEPT_LEN];
	char protocol[TAPIR_WS_PROTOCOL_MAX]; /* chosen subprotocol, "" for none */
};
void ws_handshake_check(const struct tapir_http_message *req, const char *protocols,
                        struct ws_handshake *out);
/* Client: the request text, and the check of the response head (4.1). */
int ws_handshake_request(const struct tapir_ws *ws, char *out, size_t cap);
enum tapir_drop ws_handshake_response(struct tapir_ws *ws, const struct tapir_http_message *resp,
                                      const char **why);
/* Client: a fresh Sec-WebSocket-Key (16 random bytes, base64). */
int ws_make_key(char key[25]);
/* Is `token` in the comma-separated list (no case)? */
bool ws_list_has(const char *list, const char *token);

/* conn.c */
void ws_conn_init(struct tapir_ws *ws, struct tapir_stack *stack, bool client);
void ws_conn_release(struct tapir_ws *ws); /* buffers only */
void ws_sock_event(struct tapir_tcp *sock, unsigned events, int error, void *user);
/* Feed bytes that arrived (from TCP, or left over after the handshake). */
void ws_input(struct tapir_ws *ws, const uint8_t *data, size_t len);
/* Queue bytes that are not a frame (the client's handshake request). */
int ws_queue_raw(struct tapir_ws *ws, const void *data, size_t len);
/* Move queued frames to TCP; FIN when due. */
void ws_flush(struct tapir_ws *ws);
/* Read what TCP holds (unless paused by a full send queue). */
void ws_read(struct tapir_ws *ws);
/* Timers: the deadline passed. */
void ws_timeout(struct tapir_ws *ws);
/* Give the socket back to TCP (close, or abort) and go CLOSED. */
void ws_finish(struct tapir_ws *ws, enum ws_event ev, bool abort);

/* client.c: the TCP connection is up (send the request); bytes of the
 * response while CONNECTING. */
void ws_client_connected(struct tapir_ws *ws);
void ws_client_input(struct tapir_ws *ws, const uint8_t *data, size_t len);

/* server.c: a connection reached CLOSED. */
void ws_server_conn_closed(struct tapir_ws *ws);

#endif

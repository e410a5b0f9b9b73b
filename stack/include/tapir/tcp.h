/*
 * tcp.h — TCP sockets on a tapir stack (RFC 9293): event-driven and
 * non-blocking, in the style of the stack's poll() loop.
 *
 * Nothing here blocks. Each call does what it can at once and returns; the
 * stack tells the application when something changed by calling its
 * readiness callback from inside tapir_stack_poll() with a set of
 * TAPIR_TCP_* event bits. Errors are negative errno values:
 *   -ECONNREFUSED  the peer answered our SYN with a RST
 *   -ECONNRESET    the peer reset an open connection
 *   -ETIMEDOUT     retransmissions or keep-alive probes went unanswered
 *   -EAGAIN        nothing to read / no room to send right now
 *   -ENOTCONN, -EPIPE, -EADDRINUSE, -ENOMEM, -EINVAL as usual
 *
 * A small echo server:
 *
 *     static void on_conn(struct tapir_tcp *s, unsigned ev, int err, void *user)
 *     {
 *             char buf[1024];
 *             long n;
 *             while ((n = tapir_tcp_recv(s, buf, sizeof(buf))) > 0)
 *                     tapir_tcp_send(s, buf, (size_t)n); // may accept fewer bytes
 *             if (n == 0 || (ev & TAPIR_TCP_CLOSED))  // peer sent FIN, or err < 0
 *                     tapir_tcp_close(s);
 *     }
 *     static void on_listen(struct tapir_tcp *l, unsigned ev, int err, void *user)
 *     {
 *             struct tapir_tcp *s;
 *             while (tapir_tcp_accept(l, on_conn, NULL, &s) == 0)
 *                     ;
 *     }
 *     ...
 *     tapir_tcp_listen(stack, 7, 16, on_listen, NULL, &listener);
 *     for (;;)
 *             tapir_stack_poll(stack, now());
 *
 * A client calls tapir_tcp_connect(), waits for TAPIR_TCP_CONNECTED (or
 * TAPIR_TCP_CLOSED with -ECONNREFUSED / -ETIMEDOUT), then sends.
 *
 * Ownership: a handle stays valid until the application calls
 * tapir_tcp_close() or tapir_tcp_abort(), even after the connection itself
 * was reset or timed out (the callback then reports TAPIR_TCP_CLOSED with the
 * error, and tapir_tcp_error() keeps it). After close() the stack finishes
 * the connection on its own (FIN, TIME-WAIT) and frees it.
 */
#ifndef TAPIR_TCP_H
#define TAPIR_TCP_H

#include "tapir/stack.h"
#include "tapir/types.h"

struct tapir_tcp;

/* Event bits given to the readiness callback. */
enum {
	TAPIR_TCP_READABLE = 1 << 0,   /* data to read, or the peer's FIN (recv returns 0) */
	TAPIR_TCP_WRITABLE = 1 << 1,   /* room in the send buffer again */
	TAPIR_TCP_CONNECTED = 1 << 2,  /* the three-way handshake completed */
	TAPIR_TCP_CLOSED = 1 << 3,     /* the connection is over; `error` says why (0: clean) */
	TAPIR_TCP_ACCEPTABLE = 1 << 4, /* listener: a connection waits for accept() */
};

typedef void (*tapir_tcp_fn)(struct tapir_tcp *sock, unsigned events, int error, void *user);

/* Listen on `port` (RFC 9293 3.10.1, passive OPEN). `backlog` bounds the
 * connections that are half-open or wait for accept() (clamped to
 * 1..TAPIR_TCP_BACKLOG_MAX); when it is full a new SYN replaces the oldest
 * half-open one, so a SYN flood cannot lock real clients out. */
int tapir_tcp_listen(struct tapir_stack *stack, uint16_t port, unsigned backlog, tapir_tcp_fn fn,
                     void *user, struct tapir_tcp **out);
/* Take the next established connection from a listener. Returns 0, or
 * -EAGAIN when none is waiting. */
int tapir_tcp_accept(struct tapir_tcp *listener, tapir_tcp_fn fn, void *user,
                     struct tapir_tcp **out);
/* Active OPEN to ip:port from an ephemeral port: sends the SYN at once. */
int tapir_tcp_connect(struct tapir_stack *stack, tapir_ip ip, uint16_t port, tapir_tcp_fn fn,
                      void *user, struct tapir_tcp **out);

/* Queue up to len bytes; returns how many were accepted (possibly fewer
 * than len), -EAGAIN when the buffer is full (wait for TAPIR_TCP_WRITABLE),
 * -EPIPE after shutdown/close, or the error that ended the connection. */
long tapir_tcp_send(struct tapir_tcp *sock, const void *data, size_t len);
/* Read up to cap bytes; returns the count, 0 at end of stream (the peer
 * closed its side), -EAGAIN when nothing is there yet, or the error that
 * ended the connection. */
long tapir_tcp_recv(struct tapir_tcp *sock, void *buf, size_t cap);
/* Half-close: send FIN after the queued data; receiving goes on. */
int tapir_tcp_shutdown(struct tapir_tcp *sock);
/* Close: FIN after the queued data, and give the handle back. The stack
 * completes the close by itself. Unread data makes it an abort (RST). */
void tapir_tcp_close(struct tapir_tcp *sock);
/* Reset the connection (RST when synchronized) and give the handle back. */
void tapir_tcp_abort(struct tapir_tcp *sock);

/* Send this socket's events to another callback from now on (a protocol
 * taking a connection over, as WebSocket does after HTTP's Upgrade). */
void tapir_tcp_set_callback(struct tapir_tcp *sock, tapir_tcp_fn fn, void *user);

enum tapir_tcp_option {
	TAPIR_TCP_NODELAY,   /* 1: turn the Nagle algorithm off */
	TAPIR_TCP_KEEPALIVE, /* seconds of idleness before probing; 0: off (default) */
};
int tapir_tcp_set_option(struct tapir_tcp *sock, enum tapir_tcp_option opt, long value);

/* The error that ended the connection (0 while it is fine). */
int tapir_tcp_error(const struct tapir_tcp *sock);
/* "ESTABLISHED", "TIME-WAIT", ... as RFC 9293 spells them. */
const char *tapir_tcp_state(const struct tapir_tcp *sock);
/* Bytes waiting to be read / room left in the send buffer. */
size_t tapir_tcp_readable(const struct tapir_tcp *sock);
size_t tapir_tcp_writable(const struct tapir_tcp *sock);
/* The connection's id and 4-tuple as the trace shows them. */
void tapir_tcp_endpoints(const struct tapir_tcp *sock, struct tapir_tcp_conn_id *id);

/* The Maximum Segment Lifetime; TIME-WAIT lasts twice this. Default
 * TAPIR_TCP_MSL_S seconds; labs may use short values. Returns -EINVAL for
 * values <= 0. Applies to connections entering TIME-WAIT from now on. */
int tapir_tcp_set_msl(struct tapir_stack *stack, tapir_time msl);

/* ---- the state machine, for drawing it ---------------------------------- */

/* One transition of the RFC 9293 diagram (section 3.3.2, Figure 5) as the
 * code runs it: in state `from`, `event` leads to `to`; `label` is the
 * RFC's words, like "rcv SYN / snd SYN,ACK". */
struct tapir_tcp_transition {
	const char *from;
	const char *event;
	const char *to;
	const char *label;
};

/* The table the stack dispatches every state change through. */
const struct tapir_tcp_transition *tapir_tcp_fsm_table(size_t *count);

#endif /* TAPIR_TCP_H */

/*
 * socket.c — the user calls of RFC 9293 3.9.1 / 3.10.1-3.10.6 (OPEN,
 * SEND, RECEIVE, CLOSE, ABORT, STATUS) behind the non-blocking API of
 * tapir/tcp.h. Each call does its work at once and returns; the application
 * hears about progress through its readiness callback (tcp.c, tcp_wake).
 */
#include <errno.h>
#include <string.h>

#include "tcp/tcp_internal.h"

static struct tcp_conn *conn_of(struct tapir_tcp *sock)
{
	return &sock->conn;
}

static const struct tcp_conn *const_conn_of(const struct tapir_tcp *sock)
{
	return &sock->conn;
}

/* ---- OPEN (RFC 9293 3.10.1) ----------------------------------------------------- */

int tapir_tcp_listen(struct tapir_stack *stack, uint16_t port, unsigned backlog, tapir_tcp_fn fn,
                     void *user, struct tapir_tcp **out)
{
	struct tcp_layer *layer = stack->tcp;

	if (port == 0 || !out)
		return -EINVAL;
	if (tcp_listener_lookup(layer, port))
		return -EADDRINUSE;
	struct tcp_conn *c = tcp_conn_new(layer);
	if (!c)
		return -ENOMEM;
	tcp_enter(layer);
	c->local_port = port;
	c->backlog = backlog < 1                       ? 1
	             : backlog > TAPIR_TCP_BACKLOG_MAX ? TAPIR_TCP_BACKLOG_MAX
	                                               : backlog;
	c->fn = fn;
	c->user = user;
	tcp_conn_hash(c);
	tcp_set_state(c, TCP_EV_PASSIVE_OPEN);
	*out = (struct tapir_tcp *)c;
	tcp_leave(layer);
	return 0;
}

int tapir_tcp_accept(struct tapir_tcp *listener_sock, tapir_tcp_fn fn, void *user,
                     struct tapir_tcp **out)
{
	struct tcp_conn *l = conn_of(listener_sock);

	if (l->state != TCP_LISTEN || !out)
		return -EINVAL;
	for (struct tcp_conn *c = l->children_head; c; c = c->child_next) {
		if (!tcp_state_synchronized(c->state))
			continue;
		tcp_enter(l->layer);
		tcp_child_detach(c);
		c->accepted = true;
		c->fn = fn;
		c->user = user;
		c->connected_reported = true;
		unsigned ev = TAPIR_TCP_CONNECTED | TAPIR_TCP_WRITABLE;
		if (c->rcvbuf.len > 0 || c->fin_received)
			ev |= TAPIR_TCP_READABLE;
		tcp_wake(c, ev);
		*out = (struct tapir_tcp *)c;
		tcp_leave(l->layer);
		return 0;
	}
	return -EAGAIN;
}

/* An ephemeral port not in use towards ip:port (RFC 6056 would randomise;
 * we walk from a seeded start). */
static int choose_port(struct tcp_layer *layer, tapir_ip local, tapir_ip ip, uint16_t port,
                       uint16_t *out)
{
	const unsigned range = 65536 - TAPIR_EPHEMERAL_FIRST;

	for (unsigned i = 0; i < range; i++) {
		uint16_t p = layer->next_port;
		layer->next_port = (uint16_t)(p + 1 < 65536 && p + 1 >= TAPIR_EPHEMERAL_FIRST
		                                  ? p + 1
		                                  : TAPIR_EPHEMERAL_FIRST);
		if (!tcp_conn_lookup(layer, local, p, ip, port) && !tcp_listener_lookup(layer, p)) {
			*out = p;
			return 0;
		}
	}
	return -EADDRINUSE;
}

int tapir_tcp_connect(struct tapir_stack *stack, tapir_ip ip, uint16_t port, tapir_tcp_fn fn,
                      void *user, struct tapir_tcp **out)
{
	struct tcp_layer *layer = stack->tcp;
	uint16_t local_port;

	if (port == 0 || ip == 0 || !out)
		return -EINVAL;
	int err = choose_port(layer, stack->ip, ip, port, &local_port);
	if (err)
		return err;
	struct tcp_conn *c = tcp_conn_new(layer);
	if (!c)
		return -ENOMEM;
	tcp_enter(layer);
	c->local_ip = stack->ip;
	c->local_port = local_port;
	c->remote_ip = ip;
	c->remote_port = port;
	c->fn = fn;
	c->user = user;
	c->rcv_wscale = tcp_wscale_for(c->rcvbuf.cap);
	c->iss = tcp_isn(layer, c->local_ip, c->local_port, ip, port, stack->now);
	c->snd_una = c->iss;
	c->snd_nxt = c->iss;
	c->snd_max = c->iss;
	c->snd_buf_seq = c->iss + 1;
	tcp_conn_hash(c);
	tcp_set_ts_offset(c);
	tcp_set_state(c, TCP_EV_ACTIVE_OPEN);
	c->rtt_start = stack->now;
	tcp_send_syn(c);
	*out = (struct tapir_tcp *)c;
	tcp_leave(layer);
	return 0;
}

/* ---- SEND and RECEIVE (RFC 9293 3.10.2, 3.10.3) -------------------------------------- */

long tapir_tcp_send(struct tapir_tcp *sock, const void *data, size_t len)
{
	struct tcp_conn *c = conn_of(sock);

	if (c->error)
		return c->error;
	switch (c->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		break;
	case TCP_LISTEN:
	case TCP_CLOSED:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
	if (c->fin_queued)
		return -EPIPE;
	if (len == 0)
		return 0;
	if (ring_reserve(&c->sndbuf) != 0)
		return -ENOMEM;
	uint32_t n = ring_free(&c->sndbuf);
	if (n == 0)
		return -EAGAIN;
	if (len < n)
		n = (uint32_t)len;
	ring_write_at(&c->sndbuf, c->sndbuf.len, data, n);
	c->sndbuf.len += n;
	tcp_enter(c->layer);
	tcp_output(c);
	tcp_leave(c->layer);
	return (long)n;
}

/* RFC 9293 3.8.6.2.2: after the application reads, tell the peer about the
 * larger window once it has grown by min(half the buffer, one MSS) — and,
 * as Linux does, only while the window the peer knows of is below half the
 * largest we can offer (otherwise the peer is not held up, and the next ACK
 * carries the news). */
static void maybe_window_update(struct tcp_conn *c)
{
	if (!tcp_state_synchronized(c->state) || c->state == TCP_TIME_WAIT || c->fin_received)
		return;
	uint32_t right = c->rcv_nxt + tcp_rcv_wnd(c);
	uint32_t grown = seq_gt(right, c->rcv_adv) ? right - c->rcv_adv : 0;
	uint32_t threshold = c->rcvbuf.cap / 2 < c->mss ? c->rcvbuf.cap / 2 : c->mss;
	uint32_t known = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t most = (uint32_t)0xffff << c->rcv_wscale; /* the largest offer possible */

	if (most > c->rcvbuf.cap)
		most = c->rcvbuf.cap;
	if (grown >= threshold && known < most / 2)
		tcp_send_ack(c);
}

long tapir_tcp_recv(struct tapir_tcp *sock, void *buf, size_t cap)
{
	struct tcp_conn *c = conn_of(sock);

	if (c->state == TCP_LISTEN)
		return -ENOTCONN;
	if (c->rcvbuf.len > 0 && cap > 0) {
		uint32_t n = c->rcvbuf.len < cap ? c->rcvbuf.len : (uint32_t)cap;
		ring_peek(&c->rcvbuf, 0, buf, n);
		ring_consume(&c->rcvbuf, n);
		if (c->rcvbuf.len == 0 && c->nooo == 0)
			ring_release(&c->rcvbuf); /* idle connections keep no buffer */
		tcp_enter(c->layer);
		maybe_window_update(c);
		tcp_leave(c->layer);
		return (long)n;
	}
	if (c->rcvbuf.len > 0)
		return -EINVAL;
	if (c->error)
		return c->error;
	if (c->fin_received || c->state == TCP_CLOSED)
		return 0;
	return -EAGAIN;
}

/* ---- CLOSE and ABORT (RFC 9293 3.10.4, 3.10.5) ---------------------------------------- */

/* CLOSE in a state that sends a FIN: queue it after the data. */
static void close_send_side(struct tcp_conn *c)
{
	/* LAB(close) begin: RFC 9293 3.10.4, the CLOSE call */
	/* LAB(close) stub: (void)c; */
	switch (c->state) {
	case TCP_SYN_RECEIVED:
		if (c->sndbuf.len > 0) {
			c->fin_queued = true; /* sent once ESTABLISHED (input.c) */
			break;
		}
		c->fin_queued = true;
		tcp_cc_init(c);
		tcp_set_state(c, TCP_EV_CLOSE);
		tcp_output(c);
		break;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		c->fin_queued = true;
		tcp_set_state(c, TCP_EV_CLOSE);
		tcp_output(c);
		break;
	case TCP_SYN_SENT:
	case TCP_LISTEN:
		tcp_set_state(c, TCP_EV_CLOSE);
		tcp_conn_closed(c, 0);
		break;
	default:
		break; /* closing already */
	}
	/* LAB(close) end */
}

int tapir_tcp_shutdown(struct tapir_tcp *sock)
{
	struct tcp_conn *c = conn_of(sock);

	if (c->state == TCP_CLOSED)
		return c->error ? c->error : -ENOTCONN;
	if (c->state == TCP_LISTEN)
		return -ENOTCONN;
	if (c->fin_queued)
		return 0;
	tcp_enter(c->layer);
	close_send_side(c);
	tcp_leave(c->layer);
	return 0;
}

static void abort_conn(struct tcp_conn *c)
{
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		tcp_send_rst(c); /* RFC 9293 3.10.5: <SEQ=SND.NXT><CTL=RST> */
		break;
	default:
		break;
	}
	if (c->state != TCP_CLOSED) {
		tcp_set_state(c, TCP_EV_ABORT);
		tcp_conn_closed(c, -ECONNABORTED);
	}
}

/* A listener going away takes its unaccepted children with it. */
static void close_children(struct tcp_conn *l)
{
	while (l->children_head) {
		struct tcp_conn *child = l->children_head;
		tcp_child_detach(child);
		child->released = true;
		abort_conn(child);
	}
}

void tapir_tcp_close(struct tapir_tcp *sock)
{
	struct tcp_conn *c = conn_of(sock);

	tcp_enter(c->layer);
	if (c->state == TCP_LISTEN) {
		close_children(c);
		c->released = true;
		close_send_side(c);
	} else if (c->rcvbuf.len > 0 && c->state != TCP_CLOSED) {
		/* Unread data: an abort, so the peer knows it was lost (RFC 2525
		 * 2.17; Linux does the same). */
		c->released = true;
		abort_conn(c);
	} else {
		if (!c->fin_queued)
			close_send_side(c);
		if (c->state == TCP_FIN_WAIT_2)
			tcp_finwait2_start(c);
	}
	tcp_conn_release(c);
	tcp_leave(c->layer);
}

void tapir_tcp_abort(struct tapir_tcp *sock)
{
	struct tcp_conn *c = conn_of(sock);

	tcp_enter(c->layer);
	c->released = true;
	if (c->state == TCP_LISTEN)
		close_children(c);
	abort_conn(c);
	tcp_conn_release(c);
	tcp_leave(c->layer);
}

void tapir_tcp_set_callback(struct tapir_tcp *sock, tapir_tcp_fn fn, void *user)
{
	struct tcp_conn *c = conn_of(sock);

	c->fn = fn;
	c->user = user;
}

/* ---- options and STATUS (RFC 9293 3.10.6) ------------------------------------------------ */

int tapir_tcp_set_option(struct tapir_tcp *sock, enum tapir_tcp_option opt, long value)
{
	struct tcp_conn *c = conn_of(sock);

	switch (opt) {
	case TAPIR_TCP_NODELAY:
		c->nodelay = value != 0;
		tcp_enter(c->layer);
		tcp_output(c);
		tcp_leave(c->layer);
		return 0;
	case TAPIR_TCP_KEEPALIVE:
		if (value < 0)
			return -EINVAL;
		c->keepalive_idle = TAPIR_SECONDS(value);
		tcp_keepalive_reset(c);
		return 0;
	}
	return -EINVAL;
}

int tapir_tcp_error(const struct tapir_tcp *sock)
{
	return const_conn_of(sock)->error;
}

const char *tapir_tcp_state(const struct tapir_tcp *sock)
{
	return tcp_state_name(const_conn_of(sock)->state);
}

size_t tapir_tcp_readable(const struct tapir_tcp *sock)
{
	return const_conn_of(sock)->rcvbuf.len;
}

size_t tapir_tcp_writable(const struct tapir_tcp *sock)
{
	const struct tcp_conn *c = const_conn_of(sock);

	if (c->fin_queued || c->error || c->state == TCP_CLOSED || c->state == TCP_LISTEN)
		return 0;
	return ring_free(&c->sndbuf);
}

void tapir_tcp_endpoints(const struct tapir_tcp *sock, struct tapir_tcp_conn_id *id)
{
	tcp_conn_id(const_conn_of(sock), id);
}

int tapir_tcp_set_msl(struct tapir_stack *stack, tapir_time msl)
{
	if (msl <= 0)
		return -EINVAL;
	stack->tcp->msl = msl;
	return 0;
}

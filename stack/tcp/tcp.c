/*
 * tcp.c — the TCP layer as the stack sees it: the four hooks (init, free,
 * segment arrives, poll), the connection table and demultiplexing by
 * 4-tuple (RFC 9293 3.3.1, 3.10.7), initial sequence numbers (RFC 9293
 * 3.4.1 with RFC 6528), and the deferred work every entry point finishes
 * with: waking the applications and freeing finished connections.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_internal.h"

/* ---- the four hooks -------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int tcp_init(struct tapir_stack *stack)
{
	struct tcp_layer *layer = calloc(1, sizeof(*layer));

	if (!layer)
		return -ENOMEM;
	layer->stack = stack;
	/* The RFC 6528 secret: derived from the stack's seed, which programs
	 * fill from getrandom(). */
	uint64_t x = stack->seed ^ 0x7461706972544350ull;
	layer->isn_key[0] = splitmix64(&x);
	layer->isn_key[1] = splitmix64(&x);
	layer->msl = TAPIR_SECONDS(TAPIR_TCP_MSL_S);
	layer->next_due = TAPIR_TIME_NEVER;
	layer->next_port = (uint16_t)(TAPIR_EPHEMERAL_FIRST + splitmix64(&x) % 16384);
	stack->tcp = layer;
	return 0;
}

void tcp_free(struct tapir_stack *stack)
{
	struct tcp_layer *layer = stack->tcp;

	if (!layer)
		return;
	struct tcp_conn *c = layer->all;
	while (c) {
		struct tcp_conn *next = c->all_next;
		ring_release(&c->sndbuf);
		ring_release(&c->rcvbuf);
		free(c);
		c = next;
	}
	free(layer);
	stack->tcp = NULL;
}

/* A segment from IP (already validated by ipv4.c): check the TCP header, then
 * hand it to the state machine. */
void tcp_segment_arrives(struct tapir_stack *stack, const struct ipv4_header *ip)
{
	struct tcp_layer *layer = stack->tcp;
	struct tcp_segment seg;

	enum tapir_drop why = tcp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, &seg);
	if (why != TAPIR_DROP_NONE) {
		stack_drop(stack, why, NULL);
		return;
	}
	/* RFC 9293 3.9.2.3 / RFC 1122 4.2.3.10: no TCP to or from broadcast. */
	if (stack_is_broadcast(stack, ip->dst) || stack_is_broadcast(stack, ip->src) ||
	    (ip->dst >> 28) == 0xe || (ip->src >> 28) == 0xe) {
		stack_drop(stack, TAPIR_DROP_TCP_BROADCAST, NULL);
		return;
	}
	tcp_enter(layer);
	tcp_input(stack, ip, &seg);
	tcp_leave(layer);
}

static void timer_list_remove(struct tcp_conn *c)
{
	if (!c->on_timer_list)
		return;
	if (c->timer_prev)
		c->timer_prev->timer_next = c->timer_next;
	else
		c->layer->timers = c->timer_next;
	if (c->timer_next)
		c->timer_next->timer_prev = c->timer_prev;
	c->timer_next = c->timer_prev = NULL;
	c->on_timer_list = false;
}

tapir_time tcp_poll(struct tapir_stack *stack, tapir_time now)
{
	struct tcp_layer *layer = stack->tcp;

	if (now < layer->next_due)
		return layer->next_due;
	tcp_enter(layer);
	tapir_time next = TAPIR_TIME_NEVER;
	layer->next_due = TAPIR_TIME_NEVER;
	struct tcp_conn *c = layer->timers;
	while (c) {
		struct tcp_conn *following = c->timer_next;
		tapir_time t = c->dead ? TAPIR_TIME_NEVER : tcp_conn_timers(c, now);
		if (t == TAPIR_TIME_NEVER)
			timer_list_remove(c); /* nothing armed any more */
		else if (t < next)
			next = t;
		c = following;
	}
	if (next < layer->next_due)
		layer->next_due = next;
	tcp_leave(layer);
	return layer->next_due;
}

/* A timer of conn was set to `when`: keep the connection on the list poll
 * scans, and the layer's earliest deadline up to date. */
void tcp_timer_armed(struct tcp_conn *conn, tapir_time when)
{
	struct tcp_layer *layer = conn->layer;

	if (when == TAPIR_TIME_NEVER)
		return;
	if (!conn->on_timer_list) {
		conn->on_timer_list = true;
		conn->timer_prev = NULL;
		conn->timer_next = layer->timers;
		if (layer->timers)
			layer->timers->timer_prev = conn;
		layer->timers = conn;
	}
	if (when < layer->next_due)
		layer->next_due = when;
}

/* ---- connections ------------------------------------------------------------ */

struct tcp_conn *tcp_conn_new(struct tcp_layer *layer)
{
	if (layer->nconns >= TAPIR_TCP_MAX_CONNECTIONS)
		return NULL;
	struct tapir_tcp *sock = calloc(1, sizeof(*sock));
	if (!sock)
		return NULL;
	struct tcp_conn *c = &sock->conn;
	c->layer = layer;
	c->id = ++layer->next_id;
	c->sndbuf.cap = TAPIR_TCP_SNDBUF;
	c->rcvbuf.cap = TAPIR_TCP_RCVBUF;
	c->rto = TAPIR_MS(TAPIR_TCP_RTO_INITIAL_MS);
	c->peer_mss = TAPIR_TCP_DEFAULT_MSS;
	c->mss = TAPIR_TCP_DEFAULT_MSS;
	c->rexmt_at = c->persist_at = c->delack_at = TAPIR_TIME_NEVER;
	c->keepalive_at = c->timewait_at = c->finwait2_at = TAPIR_TIME_NEVER;
	c->last_heard = layer->stack->now;
	c->ts_floor = (uint32_t)(layer->stack->now / 1000);
	c->all_next = layer->all;
	if (layer->all)
		layer->all->all_prev = c;
	layer->all = c;
	layer->nconns++;
	return c;
}

static unsigned bucket_of(tapir_ip local_ip, uint16_t local_port, tapir_ip remote_ip,
                          uint16_t remote_port)
{
	uint32_t h = local_ip * 2654435761u;

	h ^= remote_ip * 2246822519u;
	h ^= ((uint32_t)local_port << 16 | remote_port) * 3266489917u;
	h ^= h >> 15;
	return h % TAPIR_TCP_HASH_BUCKETS;
}

void tcp_conn_hash(struct tcp_conn *conn)
{
	struct tcp_layer *layer = conn->layer;
	unsigned b =
	    bucket_of(conn->local_ip, conn->local_port, conn->remote_ip, conn->remote_port);

	conn->hash_next = layer->buckets[b];
	layer->buckets[b] = conn;
}

static void conn_unhash(struct tcp_conn *conn)
{
	struct tcp_layer *layer = conn->layer;
	unsigned b =
	    bucket_of(conn->local_ip, conn->local_port, conn->remote_ip, conn->remote_port);

	for (struct tcp_conn **p = &layer->buckets[b]; *p; p = &(*p)->hash_next) {
		if (*p == conn) {
			*p = conn->hash_next;
			conn->hash_next = NULL;
			return;
		}
	}
}

struct tcp_conn *tcp_conn_lookup(struct tcp_layer *layer, tapir_ip local_ip, uint16_t local_port,
                                 tapir_ip remote_ip, uint16_t remote_port)
{
	unsigned b = bucket_of(local_ip, local_port, remote_ip, remote_port);

	for (struct tcp_conn *c = layer->buckets[b]; c; c = c->hash_next)
		if (c->local_ip == local_ip && c->local_port == local_port &&
		    c->remote_ip == remote_ip && c->remote_port == remote_port && !c->dead &&
		    c->state != TCP_CLOSED)
			return c;
	return NULL;
}

/* Listeners are hashed with address 0 on both ends. */
struct tcp_conn *tcp_listener_lookup(struct tcp_layer *layer, uint16_t port)
{
	struct tcp_conn *c = tcp_conn_lookup(layer, 0, port, 0, 0);

	return c && c->state == TCP_LISTEN ? c : NULL;
}

void tcp_child_detach(struct tcp_conn *child)
{
	struct tcp_conn *l = child->listener;

	if (!l)
		return;
	if (child->child_prev)
		child->child_prev->child_next = child->child_next;
	else
		l->children_head = child->child_next;
	if (child->child_next)
		child->child_next->child_prev = child->child_prev;
	else
		l->children_tail = child->child_prev;
	child->child_next = child->child_prev = NULL;
	child->listener = NULL;
	l->nchildren--;
}

static void conn_bury(struct tcp_conn *conn)
{
	if (conn->dead)
		return;
	conn->dead = true;
	tcp_child_detach(conn);
	conn_unhash(conn);
	conn->dead_next = conn->layer->dead;
	conn->layer->dead = conn;
}

void tcp_conn_closed(struct tcp_conn *conn, int error)
{
	tcp_timers_stop(conn);
	conn_unhash(conn);
	ring_release(&conn->sndbuf);
	if (error || conn->released)
		ring_release(&conn->rcvbuf);
	if (error && !conn->error)
		conn->error = error;
	/* A listener's child nobody accepted yet, or a handle already given
	 * back: nobody will ever look at it again. */
	if (conn->released || (conn->listener && !conn->accepted))
		conn_bury(conn);
	else
		tcp_wake(conn, TAPIR_TCP_CLOSED | TAPIR_TCP_READABLE);
}

void tcp_conn_release(struct tcp_conn *conn)
{
	conn->released = true;
	conn->fn = NULL;
	if (conn->state == TCP_CLOSED)
		conn_bury(conn);
}

static void reap(struct tcp_layer *layer)
{
	while (layer->dead) {
		struct tcp_conn *c = layer->dead;
		layer->dead = c->dead_next;
		/* Children of a listener that goes away are closed by socket.c;
		 * here only the lists are fixed. */
		if (c->all_prev)
			c->all_prev->all_next = c->all_next;
		else
			layer->all = c->all_next;
		if (c->all_next)
			c->all_next->all_prev = c->all_prev;
		timer_list_remove(c);
		ring_release(&c->sndbuf);
		ring_release(&c->rcvbuf);
		layer->nconns--;
		free(c);
	}
}

/* ---- waking the applications -------------------------------------------------- */

void tcp_wake(struct tcp_conn *conn, unsigned events)
{
	struct tcp_layer *layer = conn->layer;

	conn->pending_events |= events;
	if (conn->on_wake_list)
		return;
	conn->on_wake_list = true;
	conn->wake_next = NULL;
	if (layer->wake_tail)
		layer->wake_tail->wake_next = conn;
	else
		layer->wake_head = conn;
	layer->wake_tail = conn;
}

void tcp_enter(struct tcp_layer *layer)
{
	layer->depth++;
}

/* Leaving the outermost entry point: call the applications back (they may
 * call into the stack again, which queues more work for this same loop),
 * then free what is finished. */
void tcp_leave(struct tcp_layer *layer)
{
	if (layer->depth > 1) {
		layer->depth--;
		return;
	}
	while (layer->wake_head) {
		struct tcp_conn *c = layer->wake_head;
		layer->wake_head = c->wake_next;
		if (!layer->wake_head)
			layer->wake_tail = NULL;
		c->on_wake_list = false;
		unsigned events = c->pending_events;
		c->pending_events = 0;
		if (!c->released && c->fn && !c->dead)
			c->fn((struct tapir_tcp *)c, events, c->error, c->user);
	}
	layer->depth--;
	reap(layer);
}

/* ---- identities ----------------------------------------------------------------- */

/* F(localip, localport, remoteip, remoteport, secretkey) of RFC 6528:
 * SipHash-2-4 keyed with a secret derived from the stack's seed, over the
 * four-tuple and a byte saying what the number is for, so the ISN and the
 * timestamp offset of one connection tell nothing of each other. */
static uint32_t tuple_hash(const struct tcp_layer *layer, tapir_ip local_ip, uint16_t local_port,
                           tapir_ip remote_ip, uint16_t remote_port, uint8_t purpose)
{
	uint8_t tuple[13];

	for (unsigned i = 0; i < 4; i++) {
		tuple[i] = (uint8_t)(local_ip >> (24 - 8 * i));
		tuple[4 + i] = (uint8_t)(remote_ip >> (24 - 8 * i));
	}
	tuple[8] = (uint8_t)(local_port >> 8);
	tuple[9] = (uint8_t)local_port;
	tuple[10] = (uint8_t)(remote_port >> 8);
	tuple[11] = (uint8_t)remote_port;
	tuple[12] = purpose;
	return (uint32_t)siphash24(layer->isn_key, tuple, sizeof(tuple));
}

/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a timer ticking every 4 microseconds. */
uint32_t tcp_isn(struct tcp_layer *layer, tapir_ip local_ip, uint16_t local_port,
                 tapir_ip remote_ip, uint16_t remote_port, tapir_time now)
{
	uint32_t m = (uint32_t)((uint64_t)now / 4);
	return m + tuple_hash(layer, local_ip, local_port, remote_ip, remote_port, 'I');
}

/* RFC 7323 5.4: a random offset per connection added to the timestamp
 * clock, so that TSval does not tell everyone how long the host has been
 * up, nor link one host's connections to each other. */
void tcp_set_ts_offset(struct tcp_conn *conn)
{
	conn->ts_offset = tuple_hash(conn->layer, conn->local_ip, conn->local_port, conn->remote_ip,
	                             conn->remote_port, 'T');
}

void tcp_conn_id(const struct tcp_conn *conn, struct tapir_tcp_conn_id *id)
{
	id->id = conn->id;
	id->local_ip = conn->local_ip;
	id->remote_ip = conn->remote_ip;
	id->local_port = conn->local_port;
	id->remote_port = conn->remote_port;
}

uint32_t tcp_rcv_wnd(const struct tcp_conn *conn)
{
	return ring_free(&conn->rcvbuf);
}

/* The smallest shift that lets our receive buffer be offered whole in the
 * 16-bit window field (RFC 7323 2.3: at most 14). */
uint8_t tcp_wscale_for(uint32_t buffer)
{
	uint8_t shift = 0;

	while (shift < 14 && (buffer >> shift) > 0xffff)
		shift++;
	return shift;
}

/*
 * udp.c — UDP sockets (RFC 768, RFC 1122 section 4.1): a table of at most
 * TAPIR_UDP_SOCKETS sockets, each bound to one local port with a bounded
 * queue of received datagrams. A datagram for a port nobody has bound is
 * answered with ICMP port unreachable (RFC 1122 4.1.3.1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack_internal.h"
#include "wire/icmp.h"
#include "wire/udp.h"

void udp_init(struct tapir_stack *stack)
{
	uint32_t span = 65536 - TAPIR_EPHEMERAL_FIRST;

	stack->udp.next_ephemeral = (uint16_t)(TAPIR_EPHEMERAL_FIRST + stack_random(stack) % span);
}

static void udp_queue_clear(struct tapir_udp *sock)
{
	while (sock->count > 0) {
		free(sock->queue[sock->head].data);
		sock->queue[sock->head].data = NULL;
		sock->head = (sock->head + 1) % TAPIR_UDP_RX_QUEUE;
		sock->count--;
	}
	sock->queued_bytes = 0;
}

void udp_free(struct tapir_stack *stack)
{
	for (int i = 0; i < TAPIR_UDP_SOCKETS; i++)
		udp_queue_clear(&stack->udp.sockets[i]);
}

static void trace_udp(struct tapir_stack *stack, enum tapir_dir dir, tapir_ip src, uint16_t sport,
                      tapir_ip dst, uint16_t dport, size_t len)
{
	struct tapir_event ev = {.kind = TAPIR_EV_UDP, .level = TAPIR_LOG_DEBUG};

	ev.u.udp.dir = dir;
	ev.u.udp.src = src;
	ev.u.udp.dst = dst;
	ev.u.udp.sport = sport;
	ev.u.udp.dport = dport;
	ev.u.udp.length = (uint16_t)len;
	stack_emit(stack, &ev);
}

/* The socket bound to `port`. Port 0 is nobody's: unbound sockets have it. */
static struct tapir_udp *udp_socket_for_port(struct tapir_stack *stack, uint16_t port)
{
	if (port == 0)
		return NULL;
	for (int i = 0; i < TAPIR_UDP_SOCKETS; i++) {
		struct tapir_udp *sock = &stack->udp.sockets[i];

		if (sock->open && sock->port == port)
			return sock;
	}
	return NULL;
}

int tapir_udp_open(struct tapir_stack *stack, struct tapir_udp **out)
{
	for (int i = 0; i < TAPIR_UDP_SOCKETS; i++) {
		struct tapir_udp *sock = &stack->udp.sockets[i];

		if (sock->open)
			continue;
		memset(sock, 0, sizeof(*sock));
		sock->stack = stack;
		sock->open = true;
		*out = sock;
		return 0;
	}
	return -EMFILE;
}

static int udp_pick_ephemeral(struct tapir_stack *stack, uint16_t *port)
{
	uint32_t span = 65536 - TAPIR_EPHEMERAL_FIRST;

	for (uint32_t tries = 0; tries < span; tries++) {
		uint16_t candidate = stack->udp.next_ephemeral;

		stack->udp.next_ephemeral =
		    (uint16_t)(candidate == 65535 ? TAPIR_EPHEMERAL_FIRST : candidate + 1);
		if (!udp_socket_for_port(stack, candidate)) {
			*port = candidate;
			return 0;
		}
	}
	return -EADDRINUSE;
}

int tapir_udp_bind(struct tapir_udp *sock, uint16_t port)
{
	int err;

	if (sock->port != 0)
		return -EINVAL;
	if (port == 0) {
		err = udp_pick_ephemeral(sock->stack, &port);
		if (err < 0)
			return err;
	} else if (udp_socket_for_port(sock->stack, port)) {
		return -EADDRINUSE;
	}
	sock->port = port;
	return 0;
}

uint16_t tapir_udp_local_port(const struct tapir_udp *sock)
{
	return sock->port;
}

void tapir_udp_set_callback(struct tapir_udp *sock, tapir_udp_fn fn, void *user)
{
	sock->fn = fn;
	sock->user = user;
}

int tapir_udp_sendto(struct tapir_udp *sock, const struct tapir_udp_endpoint *to,
                     const uint8_t *data, size_t len, tapir_time now)
{
	struct tapir_stack *stack = sock->stack;
	struct udp_datagram dgram = {.dst_port = to->port, .payload = data, .payload_len = len};
	size_t dgram_len;
	int err;

	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (to->port == 0)
		return -EINVAL;
	if (now > stack->now)
		stack->now = now;
	if (sock->port == 0) {
		err = tapir_udp_bind(sock, 0);
		if (err < 0)
			return err;
	}
	dgram.src_port = sock->port;
	dgram_len =
	    udp_emit(&dgram, stack->ip, to->ip, stack->tx_datagram, sizeof(stack->tx_datagram));
	if (dgram_len == 0)
		return -EMSGSIZE;
	err = ipv4_send(stack, to->ip, IPV4_PROTO_UDP, stack->tx_datagram, dgram_len);
	if (err < 0)
		return err;
	stack_count(stack, TAPIR_CNT_UDP_TX);
	trace_udp(stack, TAPIR_DIR_OUT, stack->ip, sock->port, to->ip, to->port, len);
	return (int)len;
}

int tapir_udp_recvfrom(struct tapir_udp *sock, uint8_t *buf, size_t cap,
                       struct tapir_udp_endpoint *from)
{
	struct udp_queued *q;
	size_t n;

	if (sock->count == 0 && sock->error != 0) {
		int error = sock->error;

		sock->error = 0;
		if (from)
			*from = sock->error_from;
		return error;
	}
	if (sock->count == 0)
		return -EAGAIN;
	q = &sock->queue[sock->head];
	n = q->len < cap ? q->len : cap;
	if (n > 0)
		memcpy(buf, q->data, n);
	if (from)
		*from = q->from;
	sock->queued_bytes -= q->len;
	free(q->data);
	q->data = NULL;
	sock->head = (sock->head + 1) % TAPIR_UDP_RX_QUEUE;
	sock->count--;
	return (int)n;
}

/* RFC 1122 4.1.3.3: UDP passes ICMP errors up to the application. Only
 * port and protocol unreachable say anything certain (nothing listens
 * there); the socket that sent the datagram hears of it from recvfrom,
 * once, with the endpoint that refused, as Linux reports ECONNREFUSED. */
void udp_icmp_error_arrives(struct tapir_stack *stack, uint8_t type, uint8_t code,
                            const struct icmp_quoted *q)
{
	struct tapir_udp *sock = udp_socket_for_port(stack, q->src_port);
	bool refused = type == ICMP_DEST_UNREACHABLE &&
	               (code == ICMP_UNREACH_PORT || code == ICMP_UNREACH_PROTOCOL);

	if (!sock || !refused) {
		stack_drop(stack, TAPIR_DROP_ICMP_UNHANDLED, sock ? NULL : "no UDP socket");
		return;
	}
	stack_count(stack, TAPIR_CNT_UDP_ICMP_ERRORS);
	sock->error = code == ICMP_UNREACH_PORT ? -ECONNREFUSED : -ENOPROTOOPT;
	sock->error_from.ip = q->dst;
	sock->error_from.port = q->dst_port;
	if (sock->fn)
		sock->fn(sock->user, sock);
}

void tapir_udp_close(struct tapir_udp *sock)
{
	if (!sock)
		return;
	udp_queue_clear(sock);
	sock->error = 0;
	sock->open = false;
	sock->port = 0;
}

static int udp_enqueue(struct tapir_udp *sock, const struct ipv4_header *ip,
                       const struct udp_datagram *dgram)
{
	struct udp_queued *q;

	if (sock->count >= TAPIR_UDP_RX_QUEUE ||
	    sock->queued_bytes + dgram->payload_len > TAPIR_UDP_RX_BYTES)
		return -ENOBUFS;
	q = &sock->queue[(sock->head + sock->count) % TAPIR_UDP_RX_QUEUE];
	q->data = malloc(dgram->payload_len ? dgram->payload_len : 1);
	if (!q->data)
		return -ENOMEM;
	memcpy(q->data, dgram->payload, dgram->payload_len);
	q->len = dgram->payload_len;
	q->from.ip = ip->src;
	q->from.port = dgram->src_port;
	sock->count++;
	sock->queued_bytes += dgram->payload_len;
	return 0;
}

void udp_datagram_arrives(struct tapir_stack *stack, const struct ipv4_header *ip)
{
	struct udp_datagram dgram;
	struct tapir_udp *sock;
	enum tapir_drop reason = udp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, &dgram);

	if (reason != TAPIR_DROP_NONE) {
		stack_drop(stack, reason, NULL);
		return;
	}
	stack_count(stack, TAPIR_CNT_UDP_RX);
	trace_udp(stack, TAPIR_DIR_IN, ip->src, dgram.src_port, ip->dst, dgram.dst_port,
	          dgram.payload_len);
	sock = udp_socket_for_port(stack, dgram.dst_port);
	if (!sock) {
		stack_drop(stack, TAPIR_DROP_UDP_NO_PORT, NULL);
		icmp_send_error(stack, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, ip);
		return;
	}
	if (udp_enqueue(sock, ip, &dgram) < 0) {
		stack_drop(stack, TAPIR_DROP_UDP_QUEUE_FULL, NULL);
		return;
	}
	if (sock->fn)
		sock->fn(sock->user, sock);
}

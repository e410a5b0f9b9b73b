/*
 * udp.h — UDP sockets on the stack (RFC 768), in the style of
 * socket/bind/sendto/recvfrom, but non-blocking and driven by poll().
 *
 *     struct tapir_udp *u;
 *     tapir_udp_open(stack, &u);
 *     tapir_udp_bind(u, 7);
 *     tapir_udp_set_callback(u, on_readable, ctx);   // called from poll()
 *     ...
 *     n = tapir_udp_recvfrom(u, buf, sizeof buf, &from);  // -EAGAIN when empty
 *     tapir_udp_sendto(u, &from, buf, n, now);
 *
 * Datagrams for a port nobody has bound are answered with ICMP port
 * unreachable. Each socket queues at most TAPIR_UDP_RX_QUEUE datagrams and
 * TAPIR_UDP_RX_BYTES bytes; beyond that, arrivals are dropped and counted.
 */
#ifndef TAPIR_UDP_H
#define TAPIR_UDP_H

#include "tapir/stack.h"

struct tapir_udp;

struct tapir_udp_endpoint {
	tapir_ip ip;
	uint16_t port;
};

typedef void (*tapir_udp_fn)(void *user, struct tapir_udp *sock);

/* Returns 0, or -EMFILE when TAPIR_UDP_SOCKETS are open. */
int tapir_udp_open(struct tapir_stack *stack, struct tapir_udp **out);
/* Port 0 picks a free ephemeral port. -EADDRINUSE when taken. */
int tapir_udp_bind(struct tapir_udp *sock, uint16_t port);
uint16_t tapir_udp_local_port(const struct tapir_udp *sock);
/* Called from poll() whenever a datagram has been queued on the socket, or
 * an ICMP error has come about one it sent. */
void tapir_udp_set_callback(struct tapir_udp *sock, tapir_udp_fn fn, void *user);
/* Sends one datagram (binding an ephemeral port first if unbound). Returns the
 * number of bytes sent, -EMSGSIZE above 65507 bytes, or another error. */
int tapir_udp_sendto(struct tapir_udp *sock, const struct tapir_udp_endpoint *to,
                     const uint8_t *data, size_t len, tapir_time now);
/* Takes the oldest queued datagram. Returns its length (truncated to cap, the
 * rest discarded as recvfrom does), or -EAGAIN when none is queued. When an
 * ICMP port (protocol) unreachable came about a datagram this socket sent,
 * it returns -ECONNREFUSED (-ENOPROTOOPT) once, after the queued datagrams,
 * with *from the endpoint that refused (RFC 1122 4.1.3.3). */
int tapir_udp_recvfrom(struct tapir_udp *sock, uint8_t *buf, size_t cap,
                       struct tapir_udp_endpoint *from);
void tapir_udp_close(struct tapir_udp *sock);

#endif /* TAPIR_UDP_H */

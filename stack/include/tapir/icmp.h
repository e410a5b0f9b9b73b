/*
 * icmp.h — sending ICMP echo requests (ping) from the stack, RFC 792.
 *
 * Echo requests addressed to the stack are answered inside the stack; this
 * API is for programs that ping others (tapir-ping). Replies are handed to
 * the callback with the time they arrived, so RTTs follow the injected clock.
 */
#ifndef TAPIR_ICMP_H
#define TAPIR_ICMP_H

#include "tapir/stack.h"

struct tapir_echo_reply {
	tapir_ip from;
	uint16_t id, seq;
	uint8_t ttl;
	size_t len; /* bytes of ICMP payload */
	const uint8_t *data;
	tapir_time time; /* when it arrived */
};

typedef void (*tapir_echo_reply_fn)(void *user, const struct tapir_echo_reply *reply);

/* Where echo replies go (one receiver per stack; NULL to stop). */
void tapir_icmp_set_echo_handler(struct tapir_stack *stack, tapir_echo_reply_fn fn, void *user);

/* Send an echo request with `len` bytes of payload (up to 65507; larger than
 * the MTU is sent in fragments). Returns 0 or a negative error; -EAGAIN is
 * never returned: a packet waiting for ARP is queued. */
int tapir_icmp_echo_send(struct tapir_stack *stack, tapir_ip dst, uint16_t id, uint16_t seq,
                         const uint8_t *data, size_t len, tapir_time now);

#endif /* TAPIR_ICMP_H */

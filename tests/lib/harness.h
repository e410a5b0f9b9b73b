/*
 * harness.h — a tapir stack on one end of a sim link, the test on the other.
 *
 * The test plays the peer: it injects frames "from 10.0.0.1" at a virtual
 * time and reads back exactly the frames the stack sent, in the style of
 * smoltcp's socket tests ("segment in at time t, exactly these out").
 * Every trace event is also kept as a line of text for assertions.
 */
#ifndef TAPIR_TEST_HARNESS_H
#define TAPIR_TEST_HARNESS_H

#include "tapir/link.h"
#include "tapir/stack.h"
#include "tapir/trace.h"
#include "wire/ipv4.h"

#define HARNESS_STACK_IP   TAPIR_IP(10, 0, 0, 2)
#define HARNESS_PEER_IP    TAPIR_IP(10, 0, 0, 1)
#define HARNESS_MAX_EVENTS 8192
#define HARNESS_EVENT_LEN  256
#define HARNESS_INBOX      256

extern const struct tapir_mac HARNESS_STACK_MAC; /* 02:54:41:50:00:02 */
extern const struct tapir_mac HARNESS_PEER_MAC;  /* 02:00:00:00:00:01 */

struct harness {
	struct tapir_link *ours; /* the stack's end of the sim pair */
	struct tapir_link *peer; /* the test's end */
	struct tapir_stack *stack;
	struct tapir_trace trace;
	tapir_time now;
	char (*events)[HARNESS_EVENT_LEN]; /* every trace event as text */
	size_t nevents;
	uint16_t next_ip_id;
	/* Frames taken off the link by harness_pending(), not yet read. */
	uint8_t (*inbox)[TAPIR_FRAME_MAX];
	int inbox_len[HARNESS_INBOX];
	size_t inbox_head, inbox_count;
};

/* A stack at 10.0.0.2/24 (gateway 10.0.0.1, seed 1, no gratuitous ARP) with
 * the peer's MAC already in its ARP cache; virtual time starts at 1 s and no
 * frame is waiting. Returns 0 on success. */
int harness_setup(struct harness *h);
void harness_teardown(struct harness *h);

/* Move the clock on by dt and poll the stack (also at each timer due on the way). */
void harness_advance(struct harness *h, tapir_time dt);
/* Poll the stack at the current time. */
void harness_poll(struct harness *h);

/* Deliver a raw frame from the peer to the stack and poll. */
void harness_send_frame(struct harness *h, const uint8_t *frame, size_t len);
/* Wrap an IP payload from 10.0.0.1 to 10.0.0.2 (TTL 64) in IPv4 and Ethernet,
 * deliver it and poll. */
void harness_send_ip(struct harness *h, uint8_t protocol, const uint8_t *payload, size_t len);

/* The next frame the stack sent (0 when none). */
int harness_recv_frame(struct harness *h, uint8_t *buf, size_t cap);
/* The next IPv4 packet the stack sent, skipping ARP frames (and answering
 * ARP requests for the peer, as the peer would): true and *ip set
 * (ip->payload points into buf) or false when none is waiting. */
bool harness_recv_ip(struct harness *h, struct ipv4_header *ip, uint8_t *buf, size_t cap);
/* Number of frames the stack has sent that the test has not read. */
size_t harness_pending(struct harness *h);

/* Index of the first event at or after `from` whose text contains `needle`,
 * or -1. Events are formatted by tapir_event_format_text(). */
long harness_find_event(const struct harness *h, size_t from, const char *needle);
uint64_t harness_drops(const struct harness *h, enum tapir_drop reason);
uint64_t harness_counter(const struct harness *h, enum tapir_counter counter);

#endif

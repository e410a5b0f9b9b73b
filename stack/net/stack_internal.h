/*
 * stack_internal.h — the inside of struct tapir_stack, shared by the layers
 * in net/ (and tcp/). Applications never include this; they use the public
 * headers in include/tapir/.
 *
 * Every drop goes through stack_drop() and every counter through
 * stack_count(), so that each refusal is both counted and traced.
 */
#ifndef TAPIR_STACK_INTERNAL_H
#define TAPIR_STACK_INTERNAL_H

#include "tapir/icmp.h"
#include "tapir/options.h"
#include "tapir/stack.h"
#include "tapir/udp.h"
#include "wire/eth.h"
#include "wire/ipv4.h"

/* ---- ARP cache and the packets waiting for it (net/arp.c) ---------------- */

enum arp_entry_state { ARP_ENTRY_FREE, ARP_ENTRY_INCOMPLETE, ARP_ENTRY_RESOLVED };

struct arp_entry {
	enum arp_entry_state state;
	tapir_ip ip;
	struct tapir_mac mac;
	tapir_time expires;      /* RESOLVED: when the entry goes stale */
	tapir_time next_request; /* INCOMPLETE: when to ask again */
	unsigned requests_sent;
};

/* An IP packet (header included) waiting for its next hop's MAC address. */
struct arp_pending {
	bool used;
	tapir_ip next_hop;
	uint16_t len;
	uint8_t packet[TAPIR_MTU_DEFAULT];
};

struct arp_state {
	struct arp_entry cache[TAPIR_ARP_CACHE_SIZE];
	struct arp_pending pending[TAPIR_ARP_PENDING_MAX];
};

/* ---- IPv4 reassembly (net/ipv4.c) ----------------------------------------- */

struct reasm_slot {
	bool used;
	tapir_ip src, dst;
	uint16_t id;
	uint8_t protocol;
	uint32_t total_len;       /* payload bytes, known once the last fragment came; 0 before */
	uint32_t max_end;         /* the furthest byte any fragment reached */
	bool have_first;          /* the fragment at offset 0 arrived... */
	struct ipv4_header first; /* ...and this was its header (for ICMP time exceeded) */
	tapir_time deadline;
	uint8_t *data; /* IPV4_MAX_DATAGRAM bytes, allocated with the stack */
	uint8_t *have; /* one bit per 8-byte block received */
};

struct ipv4_state {
	uint16_t next_id;
	struct reasm_slot reasm[TAPIR_IP_REASM_SLOTS];
};

/* ---- ICMP (net/icmp.c) ------------------------------------------------------ */

struct icmp_state {
	tapir_echo_reply_fn echo_fn;
	void *echo_user;
	tapir_time error_window_start; /* rate limiting of ICMP errors */
	unsigned errors_in_window;
};

/* ---- UDP sockets (net/udp.c) ---------------------------------------------- */

struct udp_queued {
	struct tapir_udp_endpoint from;
	size_t len;
	uint8_t *data;
};

struct tapir_udp {
	struct tapir_stack *stack;
	bool open;
	uint16_t port; /* 0 while unbound */
	tapir_udp_fn fn;
	void *user;
	struct udp_queued queue[TAPIR_UDP_RX_QUEUE];
	unsigned head, count;
	size_t queued_bytes;
	/* An ICMP error about a datagram we sent (port or protocol
	 * unreachable): handed to recvfrom once the queue is empty. */
	int error;
	struct tapir_udp_endpoint error_from;
};

struct udp_state {
	struct tapir_udp sockets[TAPIR_UDP_SOCKETS];
	uint16_t next_ephemeral;
};

/* ---- the stack ------------------------------------------------------------ */

struct stack_poller {
	tapir_poller_fn fn;
	void *user;
};

struct tapir_stack {
	struct tapir_mac mac;
	tapir_ip ip;
	tapir_ip netmask;
	tapir_ip gateway;
	struct tapir_link *link;
	struct tapir_trace *trace;
	struct tapir_stats stats;
	tapir_time now; /* the time given to the poll() being served */
	uint64_t seed;  /* from the config; TCP derives its ISN secret from it */
	uint64_t rng;   /* xorshift state for IDs and ports */

	/* A received frame: up to TAPIR_FRAME_MAX, or a whole IP datagram
	 * behind Ethernet from a link with large receive offload. */
	uint8_t rx_frame[ETH_HEADER_LEN + IPV4_MAX_DATAGRAM];
	/* Where ICMP and UDP build a datagram before ipv4_send() cuts it up. */
	uint8_t tx_datagram[IPV4_MAX_DATAGRAM];

	struct arp_state arp;
	struct ipv4_state ipv4;
	struct icmp_state icmp;
	struct udp_state udp;
	struct tcp_layer *tcp; /* owned by tcp/, see tcp/tcp_internal.h */
	struct stack_poller pollers[TAPIR_STACK_POLLERS];
};

/* Count and trace one refusal. `detail` may be NULL. */
void stack_drop(struct tapir_stack *stack, enum tapir_drop reason, const char *detail);
void stack_count(struct tapir_stack *stack, enum tapir_counter counter);
void stack_count_add(struct tapir_stack *stack, enum tapir_counter counter, uint64_t n);
/* Stamp the event with the current time and hand it to the trace bus. */
void stack_emit(struct tapir_stack *stack, struct tapir_event *ev);
/* A pseudo-random 32-bit number (not for security: IP IDs, port choice). */
uint32_t stack_random(struct tapir_stack *stack);
bool stack_is_local_subnet(const struct tapir_stack *stack, tapir_ip ip);
bool stack_is_broadcast(const struct tapir_stack *stack, tapir_ip ip);

/* Ethernet (net/iface.c): demultiplex a received frame; send an IP packet to
 * a next hop, resolving its MAC through ARP (the packet may wait). */
void iface_frame_arrives(struct tapir_stack *stack, const uint8_t *frame, size_t len);
int iface_send_ip(struct tapir_stack *stack, tapir_ip next_hop, const uint8_t *packet, size_t len);
int iface_send_frame(struct tapir_stack *stack, struct tapir_mac dst, uint16_t type,
                     const uint8_t *payload, size_t len);
/* Send an IP packet without copying it: `packet` has ETH_HEADER_LEN bytes
 * of headroom in front that the Ethernet header is written into. With
 * tso_mss > 0 the packet is a TCP super-segment (up to the link's tso_max)
 * for the link to cut into segments of tso_mss payload bytes. */
int iface_send_ip_in_place(struct tapir_stack *stack, tapir_ip next_hop, uint8_t *packet,
                           size_t len, uint16_t tso_mss);

/* ARP (net/arp.c). */
void arp_init(struct tapir_stack *stack);
void arp_packet_arrives(struct tapir_stack *stack, const uint8_t *data, size_t len);
/* Look the address up: true and *mac filled when resolved. */
bool arp_cache_lookup(struct tapir_stack *stack, tapir_ip ip, struct tapir_mac *mac);
/* Queue a packet until next_hop resolves, and ask for it. */
int arp_queue_packet(struct tapir_stack *stack, tapir_ip next_hop, const uint8_t *packet,
                     size_t len);
void arp_send_gratuitous(struct tapir_stack *stack);
tapir_time arp_poll(struct tapir_stack *stack, tapir_time now);

/* IPv4 (net/ipv4.c). */
int ipv4_init(struct tapir_stack *stack);
void ipv4_free(struct tapir_stack *stack);
void ipv4_packet_arrives(struct tapir_stack *stack, const uint8_t *data, size_t len);
/* Send `len` bytes of transport payload to dst, in fragments when it exceeds
 * the MTU (unless dont_fragment, then -EMSGSIZE). Returns 0 or an error. */
int ipv4_send(struct tapir_stack *stack, tapir_ip dst, uint8_t protocol, const uint8_t *payload,
              size_t len);
/* The headroom a transport leaves in front of its payload for
 * ipv4_send_in_place(): the IPv4 header and the Ethernet header. */
#define STACK_HEADROOM (ETH_HEADER_LEN + IPV4_HEADER_LEN)
/* ipv4_send() without copying: the IPv4 header goes into the
 * STACK_HEADROOM bytes in front of `payload`. With tso_mss > 0, `payload` is
 * a TCP super-segment for a link with segmentation offload. A payload too
 * big for one frame (and not a super-segment) takes ipv4_send()'s
 * fragmenting way. */
int ipv4_send_in_place(struct tapir_stack *stack, tapir_ip dst, uint8_t protocol, uint8_t *payload,
                       size_t len, uint16_t tso_mss);
tapir_time ipv4_poll(struct tapir_stack *stack, tapir_time now);

/* ICMP (net/icmp.c). */
void icmp_packet_arrives(struct tapir_stack *stack, const struct ipv4_header *ip);
/* Send an ICMP error (destination unreachable, time exceeded) of `type` and
 * `code` about the datagram `offender`: its header and the first 8 bytes of
 * its payload are quoted (RFC 792). Rate limited; never about ICMP errors,
 * broadcasts or fragments other than the first (RFC 1122 3.2.2). */
void icmp_send_error(struct tapir_stack *stack, uint8_t type, uint8_t code,
                     const struct ipv4_header *offender);

/* UDP (net/udp.c). */
void udp_init(struct tapir_stack *stack);
void udp_free(struct tapir_stack *stack);
void udp_datagram_arrives(struct tapir_stack *stack, const struct ipv4_header *ip);

struct icmp_quoted;
/* An ICMP error (type, code) about a UDP datagram we sent, quoted in q. */
void udp_icmp_error_arrives(struct tapir_stack *stack, uint8_t type, uint8_t code,
                            const struct icmp_quoted *q);

/* TCP (tcp/): the hooks the lower layers call. */
int tcp_init(struct tapir_stack *stack);
void tcp_free(struct tapir_stack *stack);
void tcp_segment_arrives(struct tapir_stack *stack, const struct ipv4_header *ip);
/* An ICMP error (type, code) about a TCP segment we sent, quoted in q. */
void tcp_icmp_error_arrives(struct tapir_stack *stack, uint8_t type, uint8_t code,
                            const struct icmp_quoted *q);
tapir_time tcp_poll(struct tapir_stack *stack, tapir_time now);

#endif /* TAPIR_STACK_INTERNAL_H */

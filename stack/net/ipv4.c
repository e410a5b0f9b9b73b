/*
 * ipv4.c — the IPv4 layer of a host (RFC 791, RFC 1122 section 3.2.1):
 * accepting datagrams addressed to us, reassembling fragments, handing the
 * payload to ICMP, UDP or TCP, and sending datagrams (in fragments when they
 * do not fit the MTU) to the next hop: the destination itself when it is on
 * our subnet, the gateway otherwise. tapir is a host: it never forwards.
 *
 * Reassembly (RFC 791 section 3.2, "An Example Reassembly Procedure") keeps
 * TAPIR_IP_REASM_SLOTS datagrams at most, each in a 64 KiB buffer with one
 * bit per 8-byte block received; a datagram not complete within
 * TAPIR_IP_REASM_TIMEOUT_S is dropped and answered with ICMP time exceeded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack_internal.h"
#include "wire/eth.h"
#include "wire/icmp.h"

#define REASM_BLOCKS (IPV4_MAX_DATAGRAM / 8 + 1)

int ipv4_init(struct tapir_stack *stack)
{
	stack->ipv4.next_id = (uint16_t)stack_random(stack);
	for (int i = 0; i < TAPIR_IP_REASM_SLOTS; i++) {
		struct reasm_slot *slot = &stack->ipv4.reasm[i];

		slot->data = malloc(IPV4_MAX_DATAGRAM);
		slot->have = malloc(REASM_BLOCKS / 8 + 1);
		if (!slot->data || !slot->have)
			return -ENOMEM;
	}
	return 0;
}

void ipv4_free(struct tapir_stack *stack)
{
	for (int i = 0; i < TAPIR_IP_REASM_SLOTS; i++) {
		free(stack->ipv4.reasm[i].data);
		free(stack->ipv4.reasm[i].have);
		stack->ipv4.reasm[i].data = NULL;
		stack->ipv4.reasm[i].have = NULL;
	}
}

static void trace_fragment(struct tapir_stack *stack, enum tapir_frag_what what,
                           const struct ipv4_header *ip, size_t length)
{
	struct tapir_event ev = {.kind = TAPIR_EV_IP_FRAG, .level = TAPIR_LOG_DEBUG};

	ev.u.frag.what = what;
	ev.u.frag.src = ip->src;
	ev.u.frag.dst = ip->dst;
	ev.u.frag.id = ip->id;
	ev.u.frag.offset = ip->frag_offset;
	ev.u.frag.length = (uint16_t)length;
	ev.u.frag.more = ip->more_fragments;
	stack_emit(stack, &ev);
}

/* ---- receiving ------------------------------------------------------------ */

static void ipv4_deliver(struct tapir_stack *stack, const struct ipv4_header *ip)
{
	switch (ip->protocol) {
	case IPV4_PROTO_ICMP:
		stack_count(stack, TAPIR_CNT_IP_DELIVERED);
		icmp_packet_arrives(stack, ip);
		break;
	case IPV4_PROTO_UDP:
		stack_count(stack, TAPIR_CNT_IP_DELIVERED);
		udp_datagram_arrives(stack, ip);
		break;
	case IPV4_PROTO_TCP:
		stack_count(stack, TAPIR_CNT_IP_DELIVERED);
		tcp_segment_arrives(stack, ip);
		break;
	default:
		stack_drop(stack, TAPIR_DROP_IP_UNKNOWN_PROTO, NULL);
		icmp_send_error(stack, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PROTOCOL, ip);
		break;
	}
}

static bool reasm_block_have(const struct reasm_slot *slot, size_t block)
{
	return (slot->have[block / 8] >> (block % 8)) & 1;
}

static void reasm_block_set(struct reasm_slot *slot, size_t block)
{
	slot->have[block / 8] |= (uint8_t)(1u << (block % 8));
}

static bool reasm_complete(const struct reasm_slot *slot)
{
	if (slot->total_len == 0)
		return false;
	for (size_t b = 0; b < (slot->total_len + 7) / 8; b++)
		if (!reasm_block_have(slot, b))
			return false;
	return true;
}

static struct reasm_slot *reasm_find(struct tapir_stack *stack, const struct ipv4_header *ip)
{
	struct reasm_slot *free_slot = NULL;

	for (int i = 0; i < TAPIR_IP_REASM_SLOTS; i++) {
		struct reasm_slot *slot = &stack->ipv4.reasm[i];

		if (!slot->used) {
			if (!free_slot)
				free_slot = slot;
			continue;
		}
		if (slot->src == ip->src && slot->dst == ip->dst && slot->id == ip->id &&
		    slot->protocol == ip->protocol)
			return slot;
	}
	if (free_slot) {
		free_slot->used = true;
		free_slot->src = ip->src;
		free_slot->dst = ip->dst;
		free_slot->id = ip->id;
		free_slot->protocol = ip->protocol;
		free_slot->total_len = 0;
		free_slot->max_end = 0;
		free_slot->have_first = false;
		free_slot->deadline = stack->now + TAPIR_SECONDS(TAPIR_IP_REASM_TIMEOUT_S);
		memset(free_slot->have, 0, REASM_BLOCKS / 8 + 1);
	}
	return free_slot;
}

/* Every fragment but the last carries a multiple of 8 bytes, and no
 * fragment may reach past the 65,535-byte limit of a datagram. */
static bool fragment_is_valid(const struct ipv4_header *ip)
{
	size_t end = (size_t)ip->frag_offset + ip->payload_len;

	if (ip->more_fragments && (ip->payload_len == 0 || ip->payload_len % 8 != 0))
		return false;
	return end + ip->header_len <= IPV4_MAX_DATAGRAM;
}

static void ipv4_fragment_arrives(struct tapir_stack *stack, const struct ipv4_header *ip)
{
	struct reasm_slot *slot;
	size_t end = (size_t)ip->frag_offset + ip->payload_len;

	stack_count(stack, TAPIR_CNT_IP_FRAGMENTS_RX);
	trace_fragment(stack, TAPIR_FRAG_RECEIVED, ip, ip->payload_len);
	if (!fragment_is_valid(ip)) {
		stack_drop(stack, TAPIR_DROP_IP_BAD_FRAGMENT, NULL);
		return;
	}
	slot = reasm_find(stack, ip);
	if (!slot) {
		stack_drop(stack, TAPIR_DROP_IP_REASM_FULL, NULL);
		return;
	}
	if (!ip->more_fragments) {
		if (slot->total_len != 0 && slot->total_len != end) {
			stack_drop(stack, TAPIR_DROP_IP_BAD_FRAGMENT,
			           "two different last fragments");
			slot->used = false;
			return;
		}
		slot->total_len = (uint32_t)end;
	}
	if (end > slot->max_end)
		slot->max_end = (uint32_t)end;
	/* A fragment reaching past the last one's end: the sender is confused
	 * or hostile, and no consistent datagram can come of it (Linux agrees). */
	if (slot->total_len != 0 && slot->max_end > slot->total_len) {
		stack_drop(stack, TAPIR_DROP_IP_BAD_FRAGMENT,
		           "fragment past the end of the datagram");
		slot->used = false;
		return;
	}
	if (ip->frag_offset == 0) {
		slot->have_first = true;
		slot->first = *ip;
	}
	memcpy(slot->data + ip->frag_offset, ip->payload, ip->payload_len);
	for (size_t b = ip->frag_offset / 8; b < (end + 7) / 8; b++)
		reasm_block_set(slot, b);
	if (!reasm_complete(slot))
		return;

	struct ipv4_header whole = slot->first;

	whole.more_fragments = false;
	whole.frag_offset = 0;
	whole.payload = slot->data;
	whole.payload_len = slot->total_len;
	whole.total_len = (uint16_t)(whole.header_len + slot->total_len);
	slot->used = false;
	stack_count(stack, TAPIR_CNT_IP_REASSEMBLED);
	trace_fragment(stack, TAPIR_FRAG_REASSEMBLED, &whole, whole.payload_len);
	ipv4_deliver(stack, &whole);
}

/* RFC 1122 3.2.1.3: broadcast and multicast are never sources, and 127/8
 * (loopback) "MUST NOT appear outside a host". */
static bool source_is_valid(const struct tapir_stack *stack, tapir_ip src)
{
	bool multicast = (src >> 28) == 0xe;
	bool loopback = (src >> 24) == 127;

	return !multicast && !loopback && !stack_is_broadcast(stack, src) && src != stack->ip;
}

void ipv4_packet_arrives(struct tapir_stack *stack, const uint8_t *data, size_t len)
{
	struct ipv4_header ip;
	enum tapir_drop reason = ipv4_parse(data, len, &ip);

	if (reason != TAPIR_DROP_NONE) {
		stack_drop(stack, reason, NULL);
		return;
	}
	stack_count(stack, TAPIR_CNT_IP_RX);
	if (ip.dst != stack->ip && !stack_is_broadcast(stack, ip.dst)) {
		stack_drop(stack, TAPIR_DROP_IP_NOT_FOR_US, NULL);
		return;
	}
	if (!source_is_valid(stack, ip.src)) {
		stack_drop(stack, TAPIR_DROP_IP_BAD_SOURCE, NULL);
		return;
	}
	if (ipv4_is_fragment(&ip)) {
		ipv4_fragment_arrives(stack, &ip);
		return;
	}
	ipv4_deliver(stack, &ip);
}

static tapir_time reasm_slot_tick(struct tapir_stack *stack, struct reasm_slot *slot,
                                  tapir_time now)
{
	if (!slot->used)
		return TAPIR_TIME_NEVER;
	if (slot->deadline > now)
		return slot->deadline;
	slot->used = false;
	stack_drop(stack, TAPIR_DROP_IP_REASM_TIMEOUT, NULL);
	/* RFC 792: time exceeded, code 1, only when fragment zero is available. */
	if (slot->have_first) {
		struct ipv4_header first = slot->first;

		first.payload = slot->data;
		icmp_send_error(stack, ICMP_TIME_EXCEEDED, 1, &first);
	}
	return TAPIR_TIME_NEVER;
}

tapir_time ipv4_poll(struct tapir_stack *stack, tapir_time now)
{
	tapir_time next = TAPIR_TIME_NEVER;

	for (int i = 0; i < TAPIR_IP_REASM_SLOTS; i++) {
		tapir_time due = reasm_slot_tick(stack, &stack->ipv4.reasm[i], now);

		if (due < next)
			next = due;
	}
	return next;
}

/* ---- sending -------------------------------------------------------------- */

/* RFC 1122 3.3.1: on-link destinations directly, everything else through the gateway. */
static int route_next_hop(const struct tapir_stack *stack, tapir_ip dst, tapir_ip *next_hop)
{
	if (stack_is_local_subnet(stack, dst) || stack_is_broadcast(stack, dst)) {
		*next_hop = dst;
		return 0;
	}
	if (stack->gateway == 0)
		return -ENETUNREACH;
	*next_hop = stack->gateway;
	return 0;
}

/* The largest datagram we put in one frame: the link's MTU, but never more
 * than our own buffers hold (a frame of TAPIR_FRAME_MAX, a packet waiting for
 * ARP of TAPIR_MTU_DEFAULT), even when a TAP device reports jumbo frames. */
static size_t ipv4_mtu(const struct tapir_stack *stack)
{
	size_t mtu = stack->link->mtu;

	if (mtu > TAPIR_FRAME_MAX - ETH_HEADER_LEN)
		mtu = TAPIR_FRAME_MAX - ETH_HEADER_LEN;
	if (mtu > TAPIR_MTU_DEFAULT)
		mtu = TAPIR_MTU_DEFAULT;
	return mtu;
}

static int ipv4_send_piece(struct tapir_stack *stack, tapir_ip next_hop, struct ipv4_header *hdr,
                           const uint8_t *piece, size_t piece_len)
{
	uint8_t packet[IPV4_HEADER_LEN + TAPIR_FRAME_MAX];

	hdr->total_len = (uint16_t)(IPV4_HEADER_LEN + piece_len);
	ipv4_emit(hdr, packet, sizeof(packet));
	memcpy(packet + IPV4_HEADER_LEN, piece, piece_len);
	stack_count(stack, TAPIR_CNT_IP_TX);
	return iface_send_ip(stack, next_hop, packet, IPV4_HEADER_LEN + piece_len);
}

/* The header of a datagram we originate. A super-segment takes as many
 * identifications as the segments it will be cut into (wire/tso.c numbers
 * them one after another). */
static struct ipv4_header ipv4_header_for(struct tapir_stack *stack, tapir_ip dst, uint8_t protocol,
                                          uint16_t ids)
{
	struct ipv4_header hdr = {
	    .ttl = TAPIR_IP_DEFAULT_TTL,
	    .protocol = protocol,
	    .src = stack->ip,
	    .dst = dst,
	    .header_len = IPV4_HEADER_LEN,
	    .id = stack->ipv4.next_id,
	};

	stack->ipv4.next_id = (uint16_t)(stack->ipv4.next_id + ids);
	return hdr;
}

int ipv4_send_in_place(struct tapir_stack *stack, tapir_ip dst, uint8_t protocol, uint8_t *payload,
                       size_t len, uint16_t tso_mss)
{
	size_t pieces = tso_mss > 0 ? (len + tso_mss - 1) / tso_mss : 1;
	tapir_ip next_hop;
	int err;

	if (tso_mss == 0 && len + IPV4_HEADER_LEN > ipv4_mtu(stack))
		return ipv4_send(stack, dst, protocol, payload, len);
	if (len + IPV4_HEADER_LEN > IPV4_MAX_DATAGRAM)
		return -EMSGSIZE;
	err = route_next_hop(stack, dst, &next_hop);
	if (err < 0) {
		stack_drop(stack, TAPIR_DROP_IP_NO_ROUTE, NULL);
		return err;
	}
	struct ipv4_header hdr = ipv4_header_for(stack, dst, protocol, (uint16_t)pieces);
	hdr.total_len = (uint16_t)(IPV4_HEADER_LEN + len);
	ipv4_emit(&hdr, payload - IPV4_HEADER_LEN, IPV4_HEADER_LEN);
	stack_count(stack, TAPIR_CNT_IP_TX);
	return iface_send_ip_in_place(stack, next_hop, payload - IPV4_HEADER_LEN,
	                              IPV4_HEADER_LEN + len, tso_mss);
}

int ipv4_send(struct tapir_stack *stack, tapir_ip dst, uint8_t protocol, const uint8_t *payload,
              size_t len)
{
	struct ipv4_header hdr = ipv4_header_for(stack, dst, protocol, 1);
	size_t mtu = ipv4_mtu(stack);
	size_t chunk = (mtu - IPV4_HEADER_LEN) & ~(size_t)7;
	tapir_ip next_hop;
	int err = route_next_hop(stack, dst, &next_hop);

	if (err < 0) {
		stack_drop(stack, TAPIR_DROP_IP_NO_ROUTE, NULL);
		return err;
	}
	if (len + IPV4_HEADER_LEN > IPV4_MAX_DATAGRAM)
		return -EMSGSIZE;
	if (len + IPV4_HEADER_LEN <= mtu)
		return ipv4_send_piece(stack, next_hop, &hdr, payload, len);

	/* RFC 791 3.2, "An Example Fragmentation Procedure". */
	for (size_t offset = 0; offset < len; offset += chunk) {
		size_t piece = len - offset < chunk ? len - offset : chunk;

		hdr.frag_offset = (uint16_t)offset;
		hdr.more_fragments = offset + piece < len;
		err = ipv4_send_piece(stack, next_hop, &hdr, payload + offset, piece);
		if (err < 0)
			return err;
		stack_count(stack, TAPIR_CNT_IP_FRAGMENTS_TX);
		trace_fragment(stack, TAPIR_FRAG_SENT, &hdr, piece);
	}
	return 0;
}

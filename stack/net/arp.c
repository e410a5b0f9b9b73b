/*
 * arp.c — Address Resolution Protocol for IPv4 over Ethernet (RFC 826),
 * with the host rules of RFC 1122 section 2.3.2.
 *
 * The cache maps IP to MAC. An entry is INCOMPLETE while we ask (a request
 * every TAPIR_ARP_RETRY_MS, at most TAPIR_ARP_REQUEST_TRIES times) and
 * RESOLVED once a reply or request from that host told us its address; it
 * expires after TAPIR_ARP_ENTRY_TTL_S. IP packets for an address being
 * resolved wait in a small bounded queue and are sent when the answer comes,
 * or dropped (counted as "unresolved") when it never does.
 */
#include <errno.h>
#include <string.h>

#include "stack_internal.h"
#include "wire/arp.h"
#include "wire/eth.h"

static void trace_arp(struct tapir_stack *stack, enum tapir_arp_what what, tapir_ip ip,
                      struct tapir_mac mac)
{
	struct tapir_event ev = {.kind = TAPIR_EV_ARP, .level = TAPIR_LOG_INFO};

	if (what == TAPIR_ARP_REQUEST_RECEIVED || what == TAPIR_ARP_REPLY_SENT)
		ev.level = TAPIR_LOG_DEBUG;
	ev.u.arp.what = what;
	ev.u.arp.ip = ip;
	ev.u.arp.mac = mac;
	stack_emit(stack, &ev);
}

void arp_init(struct tapir_stack *stack)
{
	memset(&stack->arp, 0, sizeof(stack->arp));
}

static struct arp_entry *arp_cache_find(struct tapir_stack *stack, tapir_ip ip)
{
	for (int i = 0; i < TAPIR_ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &stack->arp.cache[i];

		if (e->state != ARP_ENTRY_FREE && e->ip == ip)
			return e;
	}
	return NULL;
}

/* A free entry, or else the resolved entry closest to expiry. Entries being
 * resolved are never evicted (their packets would be lost silently). */
static struct arp_entry *arp_cache_slot(struct tapir_stack *stack)
{
	struct arp_entry *oldest = NULL;

	for (int i = 0; i < TAPIR_ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &stack->arp.cache[i];

		if (e->state == ARP_ENTRY_FREE)
			return e;
		if (e->state == ARP_ENTRY_RESOLVED && (!oldest || e->expires < oldest->expires))
			oldest = e;
	}
	return oldest;
}

bool arp_cache_lookup(struct tapir_stack *stack, tapir_ip ip, struct tapir_mac *mac)
{
	struct arp_entry *e = arp_cache_find(stack, ip);

	if (!e || e->state != ARP_ENTRY_RESOLVED || e->expires <= stack->now)
		return false;
	*mac = e->mac;
	return true;
}

static int arp_send(struct tapir_stack *stack, uint16_t opcode, struct tapir_mac eth_dst,
                    struct tapir_mac target_mac, tapir_ip target_ip)
{
	uint8_t buf[ARP_PACKET_LEN];
	struct arp_packet pkt = {
	    .opcode = opcode,
	    .sender_mac = stack->mac,
	    .sender_ip = stack->ip,
	    .target_mac = target_mac,
	    .target_ip = target_ip,
	};

	arp_emit(&pkt, buf, sizeof(buf));
	return iface_send_frame(stack, eth_dst, ETH_TYPE_ARP, buf, sizeof(buf));
}

static void arp_send_request(struct tapir_stack *stack, struct arp_entry *e)
{
	static const struct tapir_mac unknown;

	arp_send(stack, ARP_OP_REQUEST, ETH_BROADCAST, unknown, e->ip);
	e->requests_sent++;
	e->next_request = stack->now + TAPIR_MS(TAPIR_ARP_RETRY_MS);
	stack_count(stack, TAPIR_CNT_ARP_REQUESTS_SENT);
	trace_arp(stack, TAPIR_ARP_REQUEST_SENT, e->ip, unknown);
}

/* RFC 5227 calls it an announcement: a request for our own address, so that
 * neighbours update their caches and a duplicate address shows up at once. */
void arp_send_gratuitous(struct tapir_stack *stack)
{
	static const struct tapir_mac unknown;

	arp_send(stack, ARP_OP_REQUEST, ETH_BROADCAST, unknown, stack->ip);
	stack_count(stack, TAPIR_CNT_ARP_REQUESTS_SENT);
	trace_arp(stack, TAPIR_ARP_GRATUITOUS_SENT, stack->ip, stack->mac);
}

/* The waiting packets are kept in the order they came, used slots first:
 * arp_queue_packet() takes the first free slot, which is then the end of
 * the queue. After packets leave from the middle, close the gaps so that
 * packets for one host still go out in the order they were sent. */
static void arp_pending_compact(struct tapir_stack *stack)
{
	int to = 0;

	for (int from = 0; from < TAPIR_ARP_PENDING_MAX; from++) {
		if (!stack->arp.pending[from].used)
			continue;
		if (to != from) {
			stack->arp.pending[to] = stack->arp.pending[from];
			stack->arp.pending[from].used = false;
		}
		to++;
	}
}

/* Send every packet that waited for `e`, now that it is resolved. */
static void arp_flush_pending(struct tapir_stack *stack, const struct arp_entry *e)
{
	for (int i = 0; i < TAPIR_ARP_PENDING_MAX; i++) {
		struct arp_pending *p = &stack->arp.pending[i];

		if (!p->used || p->next_hop != e->ip)
			continue;
		iface_send_frame(stack, e->mac, ETH_TYPE_IPV4, p->packet, p->len);
		p->used = false;
	}
	arp_pending_compact(stack);
}

static void arp_drop_pending(struct tapir_stack *stack, tapir_ip next_hop)
{
	for (int i = 0; i < TAPIR_ARP_PENDING_MAX; i++) {
		struct arp_pending *p = &stack->arp.pending[i];

		if (!p->used || p->next_hop != next_hop)
			continue;
		p->used = false;
		stack_drop(stack, TAPIR_DROP_ARP_UNRESOLVED, NULL);
	}
	arp_pending_compact(stack);
}

static void arp_entry_resolve(struct tapir_stack *stack, struct arp_entry *e, tapir_ip ip,
                              struct tapir_mac mac)
{
	bool changed = e->state != ARP_ENTRY_RESOLVED || memcmp(e->mac.b, mac.b, 6) != 0;

	e->state = ARP_ENTRY_RESOLVED;
	e->ip = ip;
	e->mac = mac;
	e->expires = stack->now + TAPIR_SECONDS(TAPIR_ARP_ENTRY_TTL_S);
	e->requests_sent = 0;
	if (changed) {
		stack_count(stack, TAPIR_CNT_ARP_RESOLVED);
		trace_arp(stack, TAPIR_ARP_RESOLVED, ip, mac);
	}
	arp_flush_pending(stack, e);
}

int arp_queue_packet(struct tapir_stack *stack, tapir_ip next_hop, const uint8_t *packet,
                     size_t len)
{
	struct arp_entry *e = arp_cache_find(stack, next_hop);
	struct arp_pending *slot = NULL;

	if (len > sizeof(slot->packet))
		return -EMSGSIZE;
	for (int i = 0; i < TAPIR_ARP_PENDING_MAX && !slot; i++)
		if (!stack->arp.pending[i].used)
			slot = &stack->arp.pending[i];
	if (!e) {
		e = arp_cache_slot(stack);
		if (e) {
			memset(e, 0, sizeof(*e));
			e->state = ARP_ENTRY_INCOMPLETE;
			e->ip = next_hop;
			arp_send_request(stack, e);
		}
	}
	if (!slot || !e) {
		stack_drop(stack, TAPIR_DROP_ARP_QUEUE_FULL, NULL);
		return -ENOBUFS;
	}
	/* An expired entry is asked for again; the packet waits like any other. */
	if (e->state == ARP_ENTRY_RESOLVED) {
		e->state = ARP_ENTRY_INCOMPLETE;
		e->requests_sent = 0;
		arp_send_request(stack, e);
	}
	slot->used = true;
	slot->next_hop = next_hop;
	slot->len = (uint16_t)len;
	memcpy(slot->packet, packet, len);
	return 0;
}

static bool arp_sender_is_valid(const struct tapir_stack *stack, const struct arp_packet *pkt)
{
	if (tapir_mac_is_multicast(pkt->sender_mac))
		return false;
	return pkt->sender_ip != stack->ip && !stack_is_broadcast(stack, pkt->sender_ip);
}

/* RFC 826, "Packet Reception": merge the sender into the cache if we know
 * it; if the packet is for us, add the sender and answer a request. */
void arp_packet_arrives(struct tapir_stack *stack, const uint8_t *data, size_t len)
{
	struct arp_packet pkt;
	struct arp_entry *e;
	bool for_us, merged = false;
	enum tapir_drop reason = arp_parse(data, len, &pkt);

	if (reason != TAPIR_DROP_NONE) {
		stack_drop(stack, reason, NULL);
		return;
	}
	stack_count(stack, TAPIR_CNT_ARP_RX);
	if (!arp_sender_is_valid(stack, &pkt)) {
		stack_drop(stack, TAPIR_DROP_ARP_BAD_SENDER, NULL);
		return;
	}
	for_us = pkt.target_ip == stack->ip;
	if (for_us)
		trace_arp(stack,
		          pkt.opcode == ARP_OP_REQUEST ? TAPIR_ARP_REQUEST_RECEIVED
		                                       : TAPIR_ARP_REPLY_RECEIVED,
		          pkt.sender_ip, pkt.sender_mac);
	e = pkt.sender_ip ? arp_cache_find(stack, pkt.sender_ip) : NULL;
	if (e) {
		arp_entry_resolve(stack, e, pkt.sender_ip, pkt.sender_mac);
		merged = true;
	}
	if (!for_us) {
		/* Even when it refreshed the sender's entry, it was not for us. */
		stack_drop(stack, TAPIR_DROP_ARP_NOT_FOR_US, NULL);
		return;
	}
	if (!merged && pkt.sender_ip != 0) {
		e = arp_cache_slot(stack);
		if (e)
			arp_entry_resolve(stack, e, pkt.sender_ip, pkt.sender_mac);
	}
	if (pkt.opcode == ARP_OP_REQUEST) {
		arp_send(stack, ARP_OP_REPLY, pkt.sender_mac, pkt.sender_mac, pkt.sender_ip);
		stack_count(stack, TAPIR_CNT_ARP_REPLIES_SENT);
		trace_arp(stack, TAPIR_ARP_REPLY_SENT, stack->ip, stack->mac);
	}
}

static tapir_time arp_entry_tick(struct tapir_stack *stack, struct arp_entry *e, tapir_time now)
{
	if (e->state == ARP_ENTRY_RESOLVED) {
		if (e->expires > now)
			return e->expires;
		trace_arp(stack, TAPIR_ARP_EXPIRED, e->ip, e->mac);
		e->state = ARP_ENTRY_FREE;
		return TAPIR_TIME_NEVER;
	}
	if (e->state != ARP_ENTRY_INCOMPLETE)
		return TAPIR_TIME_NEVER;
	if (e->next_request > now)
		return e->next_request;
	if (e->requests_sent >= TAPIR_ARP_REQUEST_TRIES) {
		trace_arp(stack, TAPIR_ARP_FAILED, e->ip, e->mac);
		arp_drop_pending(stack, e->ip);
		e->state = ARP_ENTRY_FREE;
		return TAPIR_TIME_NEVER;
	}
	arp_send_request(stack, e);
	return e->next_request;
}

tapir_time arp_poll(struct tapir_stack *stack, tapir_time now)
{
	tapir_time next = TAPIR_TIME_NEVER;

	for (int i = 0; i < TAPIR_ARP_CACHE_SIZE; i++) {
		tapir_time due = arp_entry_tick(stack, &stack->arp.cache[i], now);

		if (due < next)
			next = due;
	}
	return next;
}

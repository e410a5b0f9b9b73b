/*
 * harness.c — the test plays 10.0.0.1 on one end of a sim link while a
 * tapir stack sits at 10.0.0.2 on the other. See harness.h.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "wire/arp.h"
#include "wire/eth.h"

const struct tapir_mac HARNESS_STACK_MAC = {{0x02, 0x54, 0x41, 0x50, 0x00, 0x02}};
const struct tapir_mac HARNESS_PEER_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

static void record_event(void *user, const struct tapir_event *ev)
{
	struct harness *h = user;

	if (h->nevents >= HARNESS_MAX_EVENTS)
		return;
	tapir_event_format_text(ev, h->events[h->nevents], HARNESS_EVENT_LEN);
	h->nevents++;
}

/* An ARP request from the peer for our address teaches the stack the
 * peer's MAC; the stack's reply is read and thrown away. */
static void learn_peer(struct harness *h)
{
	uint8_t frame[ETH_HEADER_LEN + ARP_PACKET_LEN];
	uint8_t reply[TAPIR_FRAME_MAX];
	struct eth_header eth = {
	    .dst = ETH_BROADCAST, .src = HARNESS_PEER_MAC, .type = ETH_TYPE_ARP};
	struct arp_packet arp = {
	    .opcode = ARP_OP_REQUEST,
	    .sender_mac = HARNESS_PEER_MAC,
	    .sender_ip = HARNESS_PEER_IP,
	    .target_ip = HARNESS_STACK_IP,
	};

	eth_emit(&eth, frame, sizeof(frame));
	arp_emit(&arp, frame + ETH_HEADER_LEN, sizeof(frame) - ETH_HEADER_LEN);
	harness_send_frame(h, frame, sizeof(frame));
	while (harness_recv_frame(h, reply, sizeof(reply)) > 0)
		;
}

int harness_setup(struct harness *h)
{
	struct tapir_stack_config cfg;

	memset(h, 0, sizeof(*h));
	h->now = TAPIR_SECONDS(1);
	h->events = calloc(HARNESS_MAX_EVENTS, HARNESS_EVENT_LEN);
	h->inbox = calloc(HARNESS_INBOX, TAPIR_FRAME_MAX);
	if (!h->events || !h->inbox)
		return -1;
	tapir_trace_init(&h->trace);
	tapir_trace_attach(&h->trace, record_event, h);
	if (tapir_sim_pair(0, TAPIR_MTU_DEFAULT, &h->ours, &h->peer) < 0)
		return -1;
	tapir_stack_config_default(&cfg);
	cfg.mac = HARNESS_STACK_MAC;
	cfg.send_gratuitous_arp = false;
	if (tapir_stack_new(&cfg, h->ours, &h->trace, h->now, &h->stack) < 0)
		return -1;
	learn_peer(h);
	h->nevents = 0;
	return 0;
}

void harness_teardown(struct harness *h)
{
	tapir_stack_free(h->stack);
	tapir_link_close(h->ours);
	tapir_link_close(h->peer);
	free(h->events);
	free(h->inbox);
	memset(h, 0, sizeof(*h));
}

void harness_poll(struct harness *h)
{
	tapir_stack_poll(h->stack, h->now);
}

void harness_advance(struct harness *h, tapir_time dt)
{
	tapir_time end = h->now + dt;

	for (;;) {
		tapir_time next = tapir_stack_poll(h->stack, h->now);

		if (next > end)
			break;
		h->now = next > h->now ? next : h->now + 1;
	}
	h->now = end;
	harness_poll(h);
}

void harness_send_frame(struct harness *h, const uint8_t *frame, size_t len)
{
	tapir_link_send(h->peer, frame, len, h->now);
	harness_poll(h);
}

void harness_send_ip(struct harness *h, uint8_t protocol, const uint8_t *payload, size_t len)
{
	uint8_t *frame = malloc(ETH_HEADER_LEN + IPV4_HEADER_LEN + len);
	struct eth_header eth = {
	    .dst = HARNESS_STACK_MAC, .src = HARNESS_PEER_MAC, .type = ETH_TYPE_IPV4};
	struct ipv4_header ip = {
	    .total_len = (uint16_t)(IPV4_HEADER_LEN + len),
	    .id = h->next_ip_id++,
	    .ttl = 64,
	    .protocol = protocol,
	    .src = HARNESS_PEER_IP,
	    .dst = HARNESS_STACK_IP,
	    .header_len = IPV4_HEADER_LEN,
	};

	if (!frame)
		return;
	eth_emit(&eth, frame, ETH_HEADER_LEN);
	ipv4_emit(&ip, frame + ETH_HEADER_LEN, IPV4_HEADER_LEN);
	memcpy(frame + ETH_HEADER_LEN + IPV4_HEADER_LEN, payload, len);
	harness_send_frame(h, frame, ETH_HEADER_LEN + IPV4_HEADER_LEN + len);
	free(frame);
}

int harness_recv_frame(struct harness *h, uint8_t *buf, size_t cap)
{
	int len;

	if (h->inbox_count == 0)
		return tapir_link_recv(h->peer, buf, cap, h->now);
	len = h->inbox_len[h->inbox_head];
	memcpy(buf, h->inbox[h->inbox_head], (size_t)len < cap ? (size_t)len : cap);
	h->inbox_head = (h->inbox_head + 1) % HARNESS_INBOX;
	h->inbox_count--;
	return len;
}

/* Like a real peer, answer the stack's ARP requests for the peer's address
 * (its cache entry expires after TAPIR_ARP_ENTRY_TTL_S of virtual time). */
static void answer_arp_request(struct harness *h, const uint8_t *data, size_t len)
{
	uint8_t frame[ETH_HEADER_LEN + ARP_PACKET_LEN];
	struct arp_packet req;
	struct eth_header eth = {
	    .dst = HARNESS_STACK_MAC, .src = HARNESS_PEER_MAC, .type = ETH_TYPE_ARP};
	struct arp_packet reply = {
	    .opcode = ARP_OP_REPLY,
	    .sender_mac = HARNESS_PEER_MAC,
	    .sender_ip = HARNESS_PEER_IP,
	    .target_mac = HARNESS_STACK_MAC,
	    .target_ip = HARNESS_STACK_IP,
	};

	if (arp_parse(data, len, &req) != TAPIR_DROP_NONE || req.opcode != ARP_OP_REQUEST ||
	    req.target_ip != HARNESS_PEER_IP)
		return;
	eth_emit(&eth, frame, sizeof(frame));
	arp_emit(&reply, frame + ETH_HEADER_LEN, sizeof(frame) - ETH_HEADER_LEN);
	harness_send_frame(h, frame, sizeof(frame));
}

bool harness_recv_ip(struct harness *h, struct ipv4_header *ip, uint8_t *buf, size_t cap)
{
	int len;

	while ((len = harness_recv_frame(h, buf, cap)) > 0) {
		struct eth_header eth;
		const uint8_t *payload;
		size_t payload_len;

		if (eth_parse(buf, (size_t)len, &eth, &payload, &payload_len) != TAPIR_DROP_NONE)
			continue;
		if (eth.type == ETH_TYPE_ARP) {
			answer_arp_request(h, payload, payload_len);
			continue;
		}
		if (eth.type != ETH_TYPE_IPV4)
			continue;
		if (ipv4_parse(payload, payload_len, ip) == TAPIR_DROP_NONE)
			return true;
	}
	return false;
}

size_t harness_pending(struct harness *h)
{
	while (h->inbox_count < HARNESS_INBOX) {
		size_t slot = (h->inbox_head + h->inbox_count) % HARNESS_INBOX;
		int len = tapir_link_recv(h->peer, h->inbox[slot], TAPIR_FRAME_MAX, h->now);

		if (len <= 0)
			break;
		h->inbox_len[slot] = len;
		h->inbox_count++;
	}
	return h->inbox_count;
}

long harness_find_event(const struct harness *h, size_t from, const char *needle)
{
	for (size_t i = from; i < h->nevents; i++)
		if (strstr(h->events[i], needle))
			return (long)i;
	return -1;
}

uint64_t harness_drops(const struct harness *h, enum tapir_drop reason)
{
	return tapir_stack_stats(h->stack)->drops[reason];
}

uint64_t harness_counter(const struct harness *h, enum tapir_counter counter)
{
	return tapir_stack_stats(h->stack)->count[counter];
}

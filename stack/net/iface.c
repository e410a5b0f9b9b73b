/*
 * iface.c — the Ethernet interface: demultiplexing received frames to ARP
 * and IPv4 by EtherType, and sending IP packets to a next hop whose MAC
 * address ARP resolves (the packet waits in ARP's queue until it does).
 */
#include <errno.h>
#include <string.h>

#include "stack_internal.h"
#include "wire/eth.h"

static bool mac_equal(struct tapir_mac a, struct tapir_mac b)
{
	return memcmp(a.b, b.b, sizeof(a.b)) == 0;
}

void iface_frame_arrives(struct tapir_stack *stack, const uint8_t *frame, size_t len)
{
	struct eth_header eth;
	const uint8_t *payload;
	size_t payload_len;
	enum tapir_drop reason = eth_parse(frame, len, &eth, &payload, &payload_len);

	if (reason != TAPIR_DROP_NONE) {
		stack_drop(stack, reason, NULL);
		return;
	}
	if (!mac_equal(eth.dst, stack->mac) && !tapir_mac_is_broadcast(eth.dst)) {
		stack_drop(stack, TAPIR_DROP_ETH_NOT_FOR_US, NULL);
		return;
	}
	if (tapir_mac_is_multicast(eth.src)) {
		stack_drop(stack, TAPIR_DROP_ETH_BAD_SOURCE, NULL);
		return;
	}
	switch (eth.type) {
	case ETH_TYPE_ARP:
		arp_packet_arrives(stack, payload, payload_len);
		break;
	case ETH_TYPE_IPV4:
		ipv4_packet_arrives(stack, payload, payload_len);
		break;
	default:
		stack_drop(stack, TAPIR_DROP_ETH_UNKNOWN_TYPE, NULL);
		break;
	}
}

int iface_send_frame(struct tapir_stack *stack, struct tapir_mac dst, uint16_t type,
                     const uint8_t *payload, size_t len)
{
	uint8_t frame[TAPIR_FRAME_MAX];
	struct eth_header eth = {.dst = dst, .src = stack->mac, .type = type};
	size_t frame_len = ETH_HEADER_LEN + len;
	int err;

	if (frame_len > sizeof(frame) || len > stack->link->mtu)
		return -EMSGSIZE;
	eth_emit(&eth, frame, sizeof(frame));
	memcpy(frame + ETH_HEADER_LEN, payload, len);
	/* Ethernet frames are at least 60 bytes (plus FCS): pad short ones. */
	if (frame_len < ETH_MIN_FRAME) {
		memset(frame + frame_len, 0, ETH_MIN_FRAME - frame_len);
		frame_len = ETH_MIN_FRAME;
	}
	err = tapir_link_send(stack->link, frame, frame_len, stack->now);
	if (err < 0) {
		stack_count(stack, TAPIR_CNT_LINK_TX_ERRORS);
		return err;
	}
	stack_count(stack, TAPIR_CNT_LINK_TX_FRAMES);
	stack_count_add(stack, TAPIR_CNT_LINK_TX_BYTES, frame_len);
	return 0;
}

int iface_send_ip(struct tapir_stack *stack, tapir_ip next_hop, const uint8_t *packet, size_t len)
{
	struct tapir_mac mac;

	if (stack_is_broadcast(stack, next_hop))
		return iface_send_frame(stack, ETH_BROADCAST, ETH_TYPE_IPV4, packet, len);
	if (arp_cache_lookup(stack, next_hop, &mac))
		return iface_send_frame(stack, mac, ETH_TYPE_IPV4, packet, len);
	return arp_queue_packet(stack, next_hop, packet, len);
}

/*
 * iface.c — the Ethernet interface: demultiplexing received frames to ARP
 * and IPv4 by EtherType, and sending IP packets to a next hop whose MAC
 * address ARP resolves (the packet waits in ARP's queue until it does).
 *
 * Packets are sent two ways. iface_send_ip() copies the packet behind an
 * Ethernet header in a frame of its own; iface_send_ip_in_place() writes the
 * header into the headroom the caller left in front of the packet and sends
 * the caller's buffer as it is (TCP's data path, and TCP super-segments for
 * links with segmentation offload).
 */
#include <errno.h>
#include <string.h>

#include "stack_internal.h"
#include "wire/eth.h"
#include "wire/tso.h"

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

/* Hand a finished frame to the link (cut by it when tso_mss > 0) and count it. */
static int iface_transmit(struct tapir_stack *stack, const uint8_t *frame, size_t len,
                          uint16_t tso_mss)
{
	int err;

	if (tso_mss > 0)
		err = tapir_link_send_tso(stack->link, frame, len, tso_mss, stack->now);
	else
		err = tapir_link_send(stack->link, frame, len, stack->now);
	if (err < 0) {
		stack_count(stack, TAPIR_CNT_LINK_TX_ERRORS);
		return err;
	}
	stack_count(stack, TAPIR_CNT_LINK_TX_FRAMES);
	stack_count_add(stack, TAPIR_CNT_LINK_TX_BYTES, len);
	if (tso_mss > 0)
		stack_count(stack, TAPIR_CNT_LINK_TX_TSO);
	return 0;
}

int iface_send_frame(struct tapir_stack *stack, struct tapir_mac dst, uint16_t type,
                     const uint8_t *payload, size_t len)
{
	uint8_t frame[TAPIR_FRAME_MAX];
	struct eth_header eth = {.dst = dst, .src = stack->mac, .type = type};
	size_t frame_len = ETH_HEADER_LEN + len;

	if (frame_len > sizeof(frame) || len > stack->link->mtu)
		return -EMSGSIZE;
	eth_emit(&eth, frame, sizeof(frame));
	memcpy(frame + ETH_HEADER_LEN, payload, len);
	/* Ethernet frames are at least 60 bytes (plus FCS): pad short ones. */
	if (frame_len < ETH_MIN_FRAME) {
		memset(frame + frame_len, 0, ETH_MIN_FRAME - frame_len);
		frame_len = ETH_MIN_FRAME;
	}
	return iface_transmit(stack, frame, frame_len, 0);
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

/* What iface_queue_piece needs to queue each cut piece for ARP. */
struct iface_queue_ctx {
	struct tapir_stack *stack;
	tapir_ip next_hop;
};

static int iface_queue_piece(void *user, const uint8_t *frame, size_t len)
{
	struct iface_queue_ctx *ctx = user;

	return arp_queue_packet(ctx->stack, ctx->next_hop, frame + ETH_HEADER_LEN,
	                        len - ETH_HEADER_LEN);
}

int iface_send_ip_in_place(struct tapir_stack *stack, tapir_ip next_hop, uint8_t *packet,
                           size_t len, uint16_t tso_mss)
{
	struct eth_header eth = {.src = stack->mac, .type = ETH_TYPE_IPV4};
	uint8_t *frame = packet - ETH_HEADER_LEN;

	if (len > (tso_mss > 0 ? stack->link->tso_max : stack->link->mtu))
		return -EMSGSIZE;
	if (stack_is_broadcast(stack, next_hop)) {
		eth.dst = ETH_BROADCAST;
	} else if (!arp_cache_lookup(stack, next_hop, &eth.dst)) {
		/* ARP's queue holds wire-size packets: cut a super-segment first. */
		struct iface_queue_ctx ctx = {stack, next_hop};

		if (tso_mss == 0)
			return arp_queue_packet(stack, next_hop, packet, len);
		eth_emit(&eth, frame, ETH_HEADER_LEN);
		return tso_segment(frame, ETH_HEADER_LEN + len, tso_mss, iface_queue_piece, &ctx);
	}
	/* A frame short of the Ethernet minimum needs padding past its end,
	 * which is not ours to write: take the copying way. */
	if (ETH_HEADER_LEN + len < ETH_MIN_FRAME)
		return iface_send_frame(stack, eth.dst, ETH_TYPE_IPV4, packet, len);
	eth_emit(&eth, frame, ETH_HEADER_LEN);
	return iface_transmit(stack, frame, ETH_HEADER_LEN + len, tso_mss);
}

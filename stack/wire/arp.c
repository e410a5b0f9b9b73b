/*
 * arp.c — the ARP packet of RFC 826 ("Packet format"), for the only pairing
 * tapir speaks: Ethernet hardware addresses and IPv4 protocol addresses.
 *
 *    0       2       4   5   6       8            14      18           24      28
 *   +-------+-------+---+---+-------+------------+-------+------------+-------+
 *   |ar$hrd |ar$pro |hln|pln|ar$op  |  ar$sha    |ar$spa |  ar$tha    |ar$tpa |
 *   +-------+-------+---+---+-------+------------+-------+------------+-------+
 *    hardware type 1 (Ethernet), protocol 0x0800 (IPv4), lengths 6 and 4,
 *    opcode 1 (request) or 2 (reply), sender and target MAC and IPv4 address.
 */
#include "wire/arp.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/eth.h"

#define ARP_HRD_ETHERNET 1
#define ARP_HLN_ETHERNET 6
#define ARP_PLN_IPV4     4

static bool is_ethernet_hardware(const uint8_t *data)
{
	return read_be16(&data[0]) == ARP_HRD_ETHERNET && data[4] == ARP_HLN_ETHERNET;
}

static bool is_ipv4_protocol(const uint8_t *data)
{
	return read_be16(&data[2]) == ETH_TYPE_IPV4 && data[5] == ARP_PLN_IPV4;
}

static bool is_known_opcode(uint16_t opcode)
{
	return opcode == ARP_OP_REQUEST || opcode == ARP_OP_REPLY;
}

enum tapir_drop arp_parse(const uint8_t *data, size_t len, struct arp_packet *pkt)
{
	uint16_t opcode;

	if (len < ARP_PACKET_LEN)
		return TAPIR_DROP_ARP_TRUNCATED;
	if (!is_ethernet_hardware(data))
		return TAPIR_DROP_ARP_BAD_HARDWARE;
	if (!is_ipv4_protocol(data))
		return TAPIR_DROP_ARP_BAD_PROTOCOL;
	opcode = read_be16(&data[6]);
	if (!is_known_opcode(opcode))
		return TAPIR_DROP_ARP_BAD_OPCODE;

	pkt->opcode = opcode;
	pkt->sender_mac = read_mac(&data[8]);
	pkt->sender_ip = read_be32(&data[14]);
	pkt->target_mac = read_mac(&data[18]);
	pkt->target_ip = read_be32(&data[24]);
	return TAPIR_DROP_NONE;
}

size_t arp_emit(const struct arp_packet *pkt, uint8_t *out, size_t cap)
{
	if (cap < ARP_PACKET_LEN)
		return 0;

	write_be16(&out[0], ARP_HRD_ETHERNET);
	write_be16(&out[2], ETH_TYPE_IPV4);
	out[4] = ARP_HLN_ETHERNET;
	out[5] = ARP_PLN_IPV4;
	write_be16(&out[6], pkt->opcode);
	write_mac(&out[8], pkt->sender_mac);
	write_be32(&out[14], pkt->sender_ip);
	write_mac(&out[18], pkt->target_mac);
	write_be32(&out[24], pkt->target_ip);
	return ARP_PACKET_LEN;
}

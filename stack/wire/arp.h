/*
 * arp.h — the ARP packet for Ethernet and IPv4 (RFC 826): 28 bytes of
 * hardware type, protocol type, lengths, opcode, sender and target.
 */
#ifndef TAPIR_WIRE_ARP_H
#define TAPIR_WIRE_ARP_H

#include "tapir/stats.h"
#include "tapir/types.h"

#define ARP_PACKET_LEN 28
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY   2

struct arp_packet {
	uint16_t opcode;
	struct tapir_mac sender_mac;
	tapir_ip sender_ip;
	struct tapir_mac target_mac;
	tapir_ip target_ip;
};

/* Validate hardware type 1/length 6, protocol 0x0800/length 4 and the opcode.
 * Trailing bytes (Ethernet padding) are ignored. Returns TAPIR_DROP_NONE or
 * TAPIR_DROP_ARP_TRUNCATED/_BAD_HARDWARE/_BAD_PROTOCOL/_BAD_OPCODE. */
enum tapir_drop arp_parse(const uint8_t *data, size_t len, struct arp_packet *pkt);
/* Returns ARP_PACKET_LEN, or 0 when cap is too small. */
size_t arp_emit(const struct arp_packet *pkt, uint8_t *out, size_t cap);

#endif

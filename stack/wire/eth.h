/*
 * eth.h — Ethernet II frame header (IEEE 802.3 / DIX): dst, src, EtherType.
 * The frame check sequence never reaches us through a TAP device.
 */
#ifndef TAPIR_WIRE_ETH_H
#define TAPIR_WIRE_ETH_H

#include "tapir/stats.h"
#include "tapir/types.h"

#define ETH_HEADER_LEN 14
#define ETH_MIN_FRAME  60 /* without FCS; shorter frames are padded when sent */
#define ETH_TYPE_IPV4  0x0800
#define ETH_TYPE_ARP   0x0806

struct eth_header {
	struct tapir_mac dst, src;
	uint16_t type;
};

/* Parse the header at the start of frame. On success *payload and *payload_len
 * describe the bytes after it. Returns TAPIR_DROP_NONE or
 * TAPIR_DROP_ETH_TRUNCATED. */
enum tapir_drop eth_parse(const uint8_t *frame, size_t len, struct eth_header *hdr,
                          const uint8_t **payload, size_t *payload_len);
/* Write the 14-byte header to out (cap at least ETH_HEADER_LEN).
 * Returns ETH_HEADER_LEN, or 0 when cap is too small. */
size_t eth_emit(const struct eth_header *hdr, uint8_t *out, size_t cap);

extern const struct tapir_mac ETH_BROADCAST;

#endif

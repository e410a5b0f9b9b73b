/*
 * checksum.h — the Internet checksum (RFC 1071) shared by IPv4, ICMP, UDP
 * and TCP, with the IPv4 pseudo-header for UDP and TCP (RFC 768, RFC 9293 3.1).
 */
#ifndef TAPIR_WIRE_CHECKSUM_H
#define TAPIR_WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "tapir/types.h"

/* Add `len` bytes to a running 32-bit one's-complement sum (start with 0).
 * Bytes are taken as big-endian 16-bit words; an odd last byte is padded.
 * Sums of consecutive pieces are only exact when every piece but the last
 * has even length. */
uint32_t checksum_add(uint32_t sum, const uint8_t *data, size_t len);
/* Fold the sum to 16 bits and complement it: the value to put in a header. */
uint16_t checksum_finish(uint32_t sum);
/* checksum_finish(checksum_add(0, data, len)). A buffer that includes a
 * correct checksum field verifies to 0. */
uint16_t checksum(const uint8_t *data, size_t len);
/* The sum of the IPv4 pseudo-header: src, dst, zero, protocol, length. */
uint32_t checksum_pseudo_header(tapir_ip src, tapir_ip dst, uint8_t protocol, uint16_t length);

#endif

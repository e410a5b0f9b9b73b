/*
 * bytes.h — reading and writing the fields of a packet in network byte
 * order (big-endian), one byte at a time, so that no alignment or host
 * byte order ever matters. Every codec in wire/ uses these.
 */
#ifndef TAPIR_WIRE_BYTES_H
#define TAPIR_WIRE_BYTES_H

#include <stdint.h>
#include <string.h>

#include "tapir/types.h"

static inline uint16_t read_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t read_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
	       (uint32_t)p[3];
}

static inline void write_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void write_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline struct tapir_mac read_mac(const uint8_t *p)
{
	struct tapir_mac mac;

	memcpy(mac.b, p, sizeof(mac.b));
	return mac;
}

static inline void write_mac(uint8_t *p, struct tapir_mac mac)
{
	memcpy(p, mac.b, sizeof(mac.b));
}

#endif

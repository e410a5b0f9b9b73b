/*
 * udp.h — the UDP header (RFC 768): ports, length, checksum over the
 * IPv4 pseudo-header. A checksum of 0 means "not computed" and is accepted;
 * a computed 0 is sent as 0xffff.
 */
#ifndef TAPIR_WIRE_UDP_H
#define TAPIR_WIRE_UDP_H

#include "tapir/stats.h"
#include "tapir/types.h"

#define UDP_HEADER_LEN  8
#define UDP_MAX_PAYLOAD (65535 - 20 - 8)

struct udp_datagram {
	uint16_t src_port;
	uint16_t dst_port;
	const uint8_t *payload;
	size_t payload_len;
};

/* `len` is the IP payload length. The length field must be >= 8 and
 * <= len (bytes beyond it are ignored); the checksum, when not 0, must verify.
 * Returns TAPIR_DROP_NONE or _UDP_TRUNCATED/_BAD_LENGTH/_BAD_CHECKSUM. */
enum tapir_drop udp_parse(const uint8_t *data, size_t len, tapir_ip src, tapir_ip dst,
                          struct udp_datagram *dgram);
/* Write header and payload with the checksum. Returns the datagram length,
 * or 0 when cap is too small or the payload too long. */
size_t udp_emit(const struct udp_datagram *dgram, tapir_ip src, tapir_ip dst, uint8_t *out,
                size_t cap);

#endif

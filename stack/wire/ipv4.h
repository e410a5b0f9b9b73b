/*
 * ipv4.h — the IPv4 header (RFC 791 section 3.1): validation and emission.
 *
 * ipv4_parse never trusts the total length beyond the bytes received: a
 * header claiming more than arrived is refused (TAPIR_DROP_IP_BAD_LENGTH);
 * bytes after the total length (Ethernet padding) are cut off. Options are
 * skipped, not interpreted.
 */
#ifndef TAPIR_WIRE_IPV4_H
#define TAPIR_WIRE_IPV4_H

#include "tapir/stats.h"
#include "tapir/types.h"

#define IPV4_HEADER_LEN   20 /* without options */
#define IPV4_HEADER_MAX   60
#define IPV4_MAX_DATAGRAM 65535
#define IPV4_PROTO_ICMP   1
#define IPV4_PROTO_TCP    6
#define IPV4_PROTO_UDP    17

struct ipv4_header {
	uint8_t tos;
	uint16_t total_len;
	uint16_t id;
	bool dont_fragment;
	bool more_fragments;
	uint16_t frag_offset; /* in bytes (the field times 8) */
	uint8_t ttl;
	uint8_t protocol;
	tapir_ip src, dst;
	uint8_t header_len; /* 20..60; emit always writes 20 (no options) */
	/* Set by parse: the payload within the buffer given, total_len - header_len bytes. */
	const uint8_t *payload;
	size_t payload_len;
};

/* Checks version 4, IHL >= 5, header within the bytes, total length between
 * the header length and the bytes received, header checksum, TTL > 0.
 * Returns TAPIR_DROP_NONE or the reason. */
enum tapir_drop ipv4_parse(const uint8_t *data, size_t len, struct ipv4_header *hdr);
/* Write a 20-byte header with its checksum (payload fields are ignored;
 * total_len must already count header and payload). Returns 20, or 0 when
 * cap is too small. */
size_t ipv4_emit(const struct ipv4_header *hdr, uint8_t *out, size_t cap);

bool ipv4_is_fragment(const struct ipv4_header *hdr);

#endif

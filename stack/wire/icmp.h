/*
 * icmp.h — ICMP messages (RFC 792): the 8-byte header of type, code,
 * checksum and the 4 "rest of header" bytes (id/seq for echo, unused or
 * next-hop MTU for destination unreachable), then the data.
 */
#ifndef TAPIR_WIRE_ICMP_H
#define TAPIR_WIRE_ICMP_H

#include "tapir/stats.h"
#include "tapir/types.h"

#define ICMP_HEADER_LEN          8
#define ICMP_ECHO_REPLY          0
#define ICMP_DEST_UNREACHABLE    3
#define ICMP_ECHO_REQUEST        8
#define ICMP_TIME_EXCEEDED       11
#define ICMP_UNREACH_NET         0
#define ICMP_UNREACH_HOST        1
#define ICMP_UNREACH_PROTOCOL    2
#define ICMP_UNREACH_PORT        3
#define ICMP_UNREACH_FRAG_NEEDED 4

struct icmp_message {
	uint8_t type;
	uint8_t code;
	uint16_t id;         /* echo: identifier; otherwise the first half of the rest */
	uint16_t seq;        /* echo: sequence number; otherwise the second half */
	const uint8_t *data; /* after the 8-byte header */
	size_t data_len;
};

/* What an ICMP error quotes of the datagram that caused it (RFC 792: its
 * IP header and at least the first 8 bytes of its payload, which hold the
 * ports and, for TCP, the sequence number). */
struct icmp_quoted {
	uint8_t protocol;
	tapir_ip src, dst; /* of the quoted datagram: src is us when we sent it */
	uint16_t src_port, dst_port;
	uint32_t tcp_seq; /* bytes 4-7 of a quoted TCP header */
};

/* Read the quoted datagram of an error message (destination unreachable,
 * time exceeded). Returns TAPIR_DROP_NONE, or TAPIR_DROP_ICMP_TRUNCATED
 * when the data is not an IPv4 header (version 4, IHL of at least 5) plus
 * 8 bytes, or the quote is of a fragment other than the first (it holds
 * no ports). */
enum tapir_drop icmp_parse_quoted(const struct icmp_message *msg, struct icmp_quoted *q);

/* Checks the length and the checksum over the whole message.
 * Returns TAPIR_DROP_NONE, TAPIR_DROP_ICMP_TRUNCATED or _BAD_CHECKSUM. */
enum tapir_drop icmp_parse(const uint8_t *data, size_t len, struct icmp_message *msg);
/* Write header and msg->data (data_len bytes) with the checksum.
 * Returns the message length, or 0 when cap is too small. */
size_t icmp_emit(const struct icmp_message *msg, uint8_t *out, size_t cap);

#endif

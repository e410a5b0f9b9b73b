/*
 * icmp.c — the ICMP message of RFC 792: type, code, checksum, then four
 * bytes whose meaning depends on the type (identifier and sequence number
 * for Echo and Echo Reply; unused, or the next-hop MTU of RFC 1191, for
 * Destination Unreachable), then the data.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Type      |     Code      |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Identifier          |        Sequence Number        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Data ...
 *   +-+-+-+-+-
 *
 * The checksum covers the whole ICMP message, header and data.
 */
#include "wire/icmp.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"

enum tapir_drop icmp_parse(const uint8_t *data, size_t len, struct icmp_message *msg)
{
	if (len < ICMP_HEADER_LEN)
		return TAPIR_DROP_ICMP_TRUNCATED;
	if (checksum(data, len) != 0)
		return TAPIR_DROP_ICMP_BAD_CHECKSUM;

	msg->type = data[0];
	msg->code = data[1];
	msg->id = read_be16(&data[4]);
	msg->seq = read_be16(&data[6]);
	msg->data = data + ICMP_HEADER_LEN;
	msg->data_len = len - ICMP_HEADER_LEN;
	return TAPIR_DROP_NONE;
}

enum tapir_drop icmp_parse_quoted(const struct icmp_message *msg, struct icmp_quoted *q)
{
	const uint8_t *ip = msg->data;
	size_t ihl;

	if (msg->data_len < IPV4_HEADER_LEN + 8 || (ip[0] >> 4) != 4)
		return TAPIR_DROP_ICMP_TRUNCATED;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < IPV4_HEADER_LEN || msg->data_len < ihl + 8)
		return TAPIR_DROP_ICMP_TRUNCATED;
	if ((read_be16(&ip[6]) & 0x1fff) != 0) /* a later fragment: no ports */
		return TAPIR_DROP_ICMP_TRUNCATED;
	q->protocol = ip[9];
	q->src = read_be32(&ip[12]);
	q->dst = read_be32(&ip[16]);
	q->src_port = read_be16(&ip[ihl]);
	q->dst_port = read_be16(&ip[ihl + 2]);
	q->tcp_seq = read_be32(&ip[ihl + 4]);
	return TAPIR_DROP_NONE;
}

size_t icmp_emit(const struct icmp_message *msg, uint8_t *out, size_t cap)
{
	size_t len;

	if (cap < ICMP_HEADER_LEN || msg->data_len > cap - ICMP_HEADER_LEN)
		return 0;
	len = ICMP_HEADER_LEN + msg->data_len;

	/* memmove: the data may already sit where it belongs, as when an echo
	 * reply is built in the buffer of the request. */
	if (msg->data_len > 0)
		memmove(&out[ICMP_HEADER_LEN], msg->data, msg->data_len);
	out[0] = msg->type;
	out[1] = msg->code;
	write_be16(&out[2], 0); /* the checksum is computed with this field 0 */
	write_be16(&out[4], msg->id);
	write_be16(&out[6], msg->seq);
	write_be16(&out[2], checksum(out, len));
	return len;
}

/*
 * udp.c — the UDP header of RFC 768: source port, destination port, length
 * (header and data, in bytes) and a checksum over the IPv4 pseudo-header,
 * the header and the data.
 *
 *    0      7 8     15 16    23 24    31
 *   +--------+--------+--------+--------+
 *   |     Source      |   Destination   |
 *   |      Port       |      Port       |
 *   +--------+--------+--------+--------+
 *   |     Length      |    Checksum     |
 *   +--------+--------+--------+--------+
 *   |          data octets ...
 *   +---------------- ...
 *
 * RFC 768: "If the computed checksum is zero, it is transmitted as all ones
 * (the equivalent in one's complement arithmetic). An all zero transmitted
 * checksum value means that the transmitter generated no checksum".
 */
#include "wire/udp.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"

#define UDP_CHECKSUM_NONE         0x0000
#define UDP_CHECKSUM_ZERO_SENT_AS 0xffff

/* The checksum of pseudo-header, header and data (the checksum field as it
 * is in the buffer): 0 when a received datagram verifies. */
static uint16_t udp_checksum(const uint8_t *datagram, uint16_t udp_len, tapir_ip src, tapir_ip dst)
{
	uint32_t sum = checksum_pseudo_header(src, dst, IPV4_PROTO_UDP, udp_len);

	return checksum_finish(checksum_add(sum, datagram, udp_len));
}

enum tapir_drop udp_parse(const uint8_t *data, size_t len, tapir_ip src, tapir_ip dst,
                          struct udp_datagram *dgram)
{
	uint16_t udp_len;

	if (len < UDP_HEADER_LEN)
		return TAPIR_DROP_UDP_TRUNCATED;
	/* The length field counts header and data; bytes after it are not
	 * part of the datagram. */
	udp_len = read_be16(&data[4]);
	if (udp_len < UDP_HEADER_LEN || udp_len > len)
		return TAPIR_DROP_UDP_BAD_LENGTH;
	if (read_be16(&data[6]) != UDP_CHECKSUM_NONE && udp_checksum(data, udp_len, src, dst) != 0)
		return TAPIR_DROP_UDP_BAD_CHECKSUM;

	dgram->src_port = read_be16(&data[0]);
	dgram->dst_port = read_be16(&data[2]);
	dgram->payload = data + UDP_HEADER_LEN;
	dgram->payload_len = udp_len - UDP_HEADER_LEN;
	return TAPIR_DROP_NONE;
}

size_t udp_emit(const struct udp_datagram *dgram, tapir_ip src, tapir_ip dst, uint8_t *out,
                size_t cap)
{
	uint16_t udp_len;
	uint16_t sum;

	if (dgram->payload_len > UDP_MAX_PAYLOAD)
		return 0;
	if (cap < UDP_HEADER_LEN || dgram->payload_len > cap - UDP_HEADER_LEN)
		return 0;
	udp_len = (uint16_t)(UDP_HEADER_LEN + dgram->payload_len);

	/* memmove: the payload may already sit where it belongs in out. */
	if (dgram->payload_len > 0)
		memmove(&out[UDP_HEADER_LEN], dgram->payload, dgram->payload_len);
	write_be16(&out[0], dgram->src_port);
	write_be16(&out[2], dgram->dst_port);
	write_be16(&out[4], udp_len);
	write_be16(&out[6], 0); /* the checksum is computed with this field 0 */
	sum = udp_checksum(out, udp_len, src, dst);
	if (sum == 0)
		sum = UDP_CHECKSUM_ZERO_SENT_AS;
	write_be16(&out[6], sum);
	return udp_len;
}

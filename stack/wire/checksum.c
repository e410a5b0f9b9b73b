/*
 * checksum.c — the Internet checksum of RFC 1071 (sections 1 and 2):
 * the 16-bit one's-complement of the one's-complement sum of the data taken
 * as big-endian 16-bit words. IPv4 (RFC 791 3.1), ICMP (RFC 792), UDP
 * (RFC 768) and TCP (RFC 9293 3.1) all use it; UDP and TCP also cover the
 * IPv4 pseudo-header built here.
 *
 * The words are added into a 64-bit accumulator and the carries folded
 * back once at the end ("deferred carries", RFC 1071 section 2 (C)): no IP
 * datagram has anywhere near the 2^48 words that could overflow it, and the
 * loop stays simple enough for the compiler to vectorise. The sum handed
 * back is always folded to 16 bits.
 */
#include "wire/checksum.h"
#include "wire/bytes.h"

/* Fold the carries above bit 15 back into the low 16 bits. */
static uint32_t fold_carries(uint32_t sum)
{
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint32_t checksum_add(uint32_t sum, const uint8_t *data, size_t len)
{
	uint64_t acc = sum;
	size_t i;

	/* Four bytes at a time: a big-endian 32-bit value is two 16-bit words
	 * side by side, and 2^16 = 1 in one's-complement arithmetic, so adding
	 * it whole and folding later gives the same sum. */
	for (i = 0; i + 3 < len; i += 4)
		acc += read_be32(data + i);
	if (i + 1 < len) {
		acc += read_be16(data + i);
		i += 2;
	}
	/* An odd last byte is the high half of a word whose low half is 0. */
	if (i < len)
		acc += (uint32_t)data[i] << 8;
	while (acc > 0xffff)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t checksum_finish(uint32_t sum)
{
	return (uint16_t)~fold_carries(sum);
}

uint16_t checksum(const uint8_t *data, size_t len)
{
	return checksum_finish(checksum_add(0, data, len));
}

/*
 * The pseudo-header of RFC 768 (and RFC 9293 3.1), 12 bytes:
 *
 *    0      7 8     15 16    23 24    31
 *   +--------+--------+--------+--------+
 *   |          source address           |
 *   +--------+--------+--------+--------+
 *   |        destination address        |
 *   +--------+--------+--------+--------+
 *   |  zero  |protocol|     length      |
 *   +--------+--------+--------+--------+
 */
uint32_t checksum_pseudo_header(tapir_ip src, tapir_ip dst, uint8_t protocol, uint16_t length)
{
	uint8_t pseudo[12];

	write_be32(&pseudo[0], src);
	write_be32(&pseudo[4], dst);
	pseudo[8] = 0;
	pseudo[9] = protocol;
	pseudo[10] = (uint8_t)(length >> 8);
	pseudo[11] = (uint8_t)length;
	return checksum_add(0, pseudo, sizeof(pseudo));
}

/*
 * checksum.c — the Internet checksum of RFC 1071 (sections 1 and 2):
 * the 16-bit one's-complement of the one's-complement sum of the data taken
 * as big-endian 16-bit words. IPv4 (RFC 791 3.1), ICMP (RFC 792), UDP
 * (RFC 768) and TCP (RFC 9293 3.1) all use it; UDP and TCP also cover the
 * IPv4 pseudo-header built here.
 *
 * The running sum is kept folded to 16 bits after every word ("end-around
 * carry", RFC 1071 section 1 (2)), so it can never overflow whatever the
 * length of the data.
 */
#include "wire/checksum.h"

/* Fold the carries above bit 15 back into the low 16 bits. */
static uint32_t fold_carries(uint32_t sum)
{
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* One's-complement addition of a 16-bit word to a folded sum. */
static uint32_t add_word(uint32_t sum, uint16_t word)
{
	return fold_carries(sum + word);
}

static void write_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t checksum_add(uint32_t sum, const uint8_t *data, size_t len)
{
	size_t i;

	sum = fold_carries(sum);
	for (i = 0; i + 1 < len; i += 2)
		sum = add_word(sum, (uint16_t)((data[i] << 8) | data[i + 1]));
	/* An odd last byte is the high half of a word whose low half is 0. */
	if (len % 2 == 1)
		sum = add_word(sum, (uint16_t)(data[len - 1] << 8));
	return sum;
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

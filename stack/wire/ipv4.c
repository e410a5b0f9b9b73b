/*
 * ipv4.c — the IPv4 header of RFC 791 section 3.1: parse with every check
 * a host needs before it looks at the payload, and emit without options.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Source Address                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Destination Address                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * IHL counts 32-bit words, Total Length bytes of header and data, and the
 * Fragment Offset units of 8 bytes. Flags are 0 (reserved), DF, MF.
 */
#include "wire/ipv4.h"

#include "wire/bytes.h"
#include "wire/checksum.h"

#define IPV4_VERSION          4
#define IPV4_FLAG_DF          0x4000
#define IPV4_FLAG_MF          0x2000
#define IPV4_FRAG_OFFSET_MASK 0x1fff

static unsigned version_of(const uint8_t *data)
{
	return data[0] >> 4;
}

/* IHL is in 32-bit words; the header length in bytes is four times it. */
static size_t header_len_of(const uint8_t *data)
{
	return (size_t)(data[0] & 0x0f) * 4;
}

/* Fill the fields of hdr from a header already known to be complete. */
static void read_header_fields(const uint8_t *data, struct ipv4_header *hdr)
{
	uint16_t flags_and_offset = read_be16(&data[6]);

	hdr->tos = data[1];
	hdr->total_len = read_be16(&data[2]);
	hdr->id = read_be16(&data[4]);
	hdr->dont_fragment = (flags_and_offset & IPV4_FLAG_DF) != 0;
	hdr->more_fragments = (flags_and_offset & IPV4_FLAG_MF) != 0;
	hdr->frag_offset = (uint16_t)((flags_and_offset & IPV4_FRAG_OFFSET_MASK) * 8);
	hdr->ttl = data[8];
	hdr->protocol = data[9];
	hdr->src = read_be32(&data[12]);
	hdr->dst = read_be32(&data[16]);
}

enum tapir_drop ipv4_parse(const uint8_t *data, size_t len, struct ipv4_header *hdr)
{
	size_t header_len;
	size_t total_len;

	if (len < IPV4_HEADER_LEN)
		return TAPIR_DROP_IP_TRUNCATED;
	if (version_of(data) != IPV4_VERSION)
		return TAPIR_DROP_IP_BAD_VERSION;
	header_len = header_len_of(data);
	if (header_len < IPV4_HEADER_LEN)
		return TAPIR_DROP_IP_BAD_IHL;
	if (header_len > len)
		return TAPIR_DROP_IP_TRUNCATED;
	/* The total length must cover the header and must not promise more
	 * bytes than arrived; anything after it is link-layer padding. */
	total_len = read_be16(&data[2]);
	if (total_len < header_len || total_len > len)
		return TAPIR_DROP_IP_BAD_LENGTH;
	/* The checksum covers the header only, options included. */
	if (checksum(data, header_len) != 0)
		return TAPIR_DROP_IP_BAD_CHECKSUM;
	if (data[8] == 0)
		return TAPIR_DROP_IP_TTL_ZERO;

	read_header_fields(data, hdr);
	hdr->header_len = (uint8_t)header_len;
	hdr->payload = data + header_len;
	hdr->payload_len = total_len - header_len;
	return TAPIR_DROP_NONE;
}

/* Flags and fragment offset share one 16-bit field; the offset is written in
 * units of 8 bytes, so a frag_offset that is not a multiple of 8 is rounded
 * down. */
static uint16_t flags_and_offset_of(const struct ipv4_header *hdr)
{
	uint16_t field = (uint16_t)((hdr->frag_offset / 8) & IPV4_FRAG_OFFSET_MASK);

	if (hdr->dont_fragment)
		field |= IPV4_FLAG_DF;
	if (hdr->more_fragments)
		field |= IPV4_FLAG_MF;
	return field;
}

size_t ipv4_emit(const struct ipv4_header *hdr, uint8_t *out, size_t cap)
{
	if (cap < IPV4_HEADER_LEN)
		return 0;

	out[0] = (IPV4_VERSION << 4) | (IPV4_HEADER_LEN / 4);
	out[1] = hdr->tos;
	write_be16(&out[2], hdr->total_len);
	write_be16(&out[4], hdr->id);
	write_be16(&out[6], flags_and_offset_of(hdr));
	out[8] = hdr->ttl;
	out[9] = hdr->protocol;
	write_be16(&out[10], 0); /* the checksum is computed with this field 0 */
	write_be32(&out[12], hdr->src);
	write_be32(&out[16], hdr->dst);
	write_be16(&out[10], checksum(out, IPV4_HEADER_LEN));
	return IPV4_HEADER_LEN;
}

/* A datagram is a fragment unless it is both the first piece (offset 0) and
 * the last (MF clear), RFC 791 section 2.3 "Fragmentation". */
bool ipv4_is_fragment(const struct ipv4_header *hdr)
{
	return hdr->more_fragments || hdr->frag_offset != 0;
}

/*
 * tso.c — software TCP segmentation (see tso.h).
 *
 * A super-segment is an ordinary Ethernet + IPv4 + TCP frame whose TCP
 * payload is longer than one segment may carry. Cutting it follows what
 * Linux's tcp_gso_segment() does to a TSO packet: the headers are copied in
 * front of each mss-sized share of the payload and then the fields that
 * differ from piece to piece are rewritten:
 *
 *   IPv4  total length, identification (+1 per piece), header checksum
 *   TCP   sequence number (+ the payload bytes before this piece),
 *         FIN and PSH (last piece only), CWR (first piece only), checksum
 *
 * Everything else — addresses, ports, ACK, window, options — is the same in
 * every piece, exactly as on the wire after a card's segmentation.
 */
#include <errno.h>
#include <string.h>

#include "tapir/options.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/tso.h"

/* Where the headers of the super-segment are, found and checked once. */
struct tso_layout {
	size_t ip_offset;  /* the IPv4 header: right after Ethernet */
	size_t tcp_offset; /* the TCP header */
	size_t headers;    /* all headers: the payload starts here */
	size_t payload;    /* payload bytes in the super-segment */
};

static int tso_find_headers(const uint8_t *frame, size_t len, struct tso_layout *lay)
{
	size_t ihl, ip_total, thl;

	if (len < ETH_HEADER_LEN + IPV4_HEADER_LEN + TCP_HEADER_LEN)
		return -EINVAL;
	if (read_be16(frame + 12) != ETH_TYPE_IPV4)
		return -EINVAL;
	lay->ip_offset = ETH_HEADER_LEN;
	const uint8_t *ip = frame + lay->ip_offset;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	ip_total = read_be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < IPV4_HEADER_LEN || ip[9] != IPV4_PROTO_TCP)
		return -EINVAL;
	if ((read_be16(ip + 6) & 0x3fff) != 0) /* MF set or an offset: a fragment */
		return -EINVAL;
	if (ip_total < ihl + TCP_HEADER_LEN || lay->ip_offset + ip_total > len)
		return -EINVAL;
	lay->tcp_offset = lay->ip_offset + ihl;
	thl = (size_t)(frame[lay->tcp_offset + 12] >> 4) * 4;
	if (thl < TCP_HEADER_LEN || ihl + thl > ip_total)
		return -EINVAL;
	lay->headers = lay->tcp_offset + thl;
	lay->payload = lay->ip_offset + ip_total - lay->headers;
	return 0;
}

uint8_t tso_piece_flags(uint8_t flags, size_t index, size_t count)
{
	if (index + 1 < count)
		flags &= (uint8_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
	if (index > 0)
		flags &= (uint8_t)~TCP_FLAG_CWR;
	return flags;
}

int tso_segment(const uint8_t *frame, size_t len, uint16_t mss, tso_piece_fn fn, void *user)
{
	uint8_t piece[TAPIR_FRAME_MAX];
	struct tso_layout lay;
	int err = tso_find_headers(frame, len, &lay);

	if (err < 0)
		return err;
	if (mss == 0 || lay.headers + mss > sizeof(piece))
		return -EINVAL;

	size_t count = lay.payload == 0 ? 1 : (lay.payload + mss - 1) / mss;
	const uint8_t *ip = frame + lay.ip_offset;
	const uint8_t *tcp = frame + lay.tcp_offset;
	uint16_t id = read_be16(ip + 4);
	uint32_t seq = read_be32(tcp + 4);
	tapir_ip src = read_be32(ip + 12), dst = read_be32(ip + 16);

	for (size_t i = 0; i < count; i++) {
		size_t offset = i * mss;
		size_t share = lay.payload - offset < mss ? lay.payload - offset : mss;
		size_t piece_len = lay.headers + share;
		size_t tcp_len = piece_len - lay.tcp_offset;
		uint8_t *pip = piece + lay.ip_offset;
		uint8_t *ptcp = piece + lay.tcp_offset;

		memcpy(piece, frame, lay.headers);
		memcpy(piece + lay.headers, frame + lay.headers + offset, share);

		write_be16(pip + 2, (uint16_t)(piece_len - lay.ip_offset));
		write_be16(pip + 4, (uint16_t)(id + i));
		write_be16(pip + 10, 0);
		write_be16(pip + 10, checksum(pip, lay.tcp_offset - lay.ip_offset));

		write_be32(ptcp + 4, seq + (uint32_t)offset);
		ptcp[13] = tso_piece_flags(tcp[13], i, count);
		write_be16(ptcp + 16, 0);
		uint32_t sum = checksum_pseudo_header(src, dst, IPV4_PROTO_TCP, (uint16_t)tcp_len);
		write_be16(ptcp + 16, checksum_finish(checksum_add(sum, ptcp, tcp_len)));

		err = fn(user, piece, piece_len);
		if (err < 0)
			return err;
	}
	return 0;
}

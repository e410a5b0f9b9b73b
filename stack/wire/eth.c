/*
 * eth.c — the Ethernet II (DIX) header: 6 bytes destination MAC, 6 bytes
 * source MAC, 2 bytes EtherType, all big-endian. A TAP device gives us frames
 * without preamble and without the frame check sequence.
 *
 *    0                   6                  12      14
 *   +-------------------+-------------------+-------+---------
 *   |  destination MAC  |    source MAC     | type  | payload
 *   +-------------------+-------------------+-------+---------
 */
#include "wire/eth.h"
#include "wire/bytes.h"

#include <string.h>

const struct tapir_mac ETH_BROADCAST = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

enum tapir_drop eth_parse(const uint8_t *frame, size_t len, struct eth_header *hdr,
                          const uint8_t **payload, size_t *payload_len)
{
	if (len < ETH_HEADER_LEN)
		return TAPIR_DROP_ETH_TRUNCATED;

	hdr->dst = read_mac(&frame[0]);
	hdr->src = read_mac(&frame[6]);
	hdr->type = read_be16(&frame[12]);
	*payload = frame + ETH_HEADER_LEN;
	*payload_len = len - ETH_HEADER_LEN;
	return TAPIR_DROP_NONE;
}

size_t eth_emit(const struct eth_header *hdr, uint8_t *out, size_t cap)
{
	if (cap < ETH_HEADER_LEN)
		return 0;

	write_mac(&out[0], hdr->dst);
	write_mac(&out[6], hdr->src);
	write_be16(&out[12], hdr->type);
	return ETH_HEADER_LEN;
}

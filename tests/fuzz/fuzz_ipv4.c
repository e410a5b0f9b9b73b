/*
 * fuzz_ipv4.c — libFuzzer harness for ipv4_parse/ipv4_emit.
 *
 * Any input must parse or be refused with a named reason, and an accepted
 * header must describe a payload inside the input. The parsed header is then
 * emitted again (without options, so with a new total length) in front of
 * the same payload and must parse to the same fields.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/checksum.h"
#include "wire/ipv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ipv4: %s\n", what);
		abort();
	}
}

static bool is_ipv4_reason(enum tapir_drop reason)
{
	switch (reason) {
	case TAPIR_DROP_IP_TRUNCATED:
	case TAPIR_DROP_IP_BAD_VERSION:
	case TAPIR_DROP_IP_BAD_IHL:
	case TAPIR_DROP_IP_BAD_LENGTH:
	case TAPIR_DROP_IP_BAD_CHECKSUM:
	case TAPIR_DROP_IP_TTL_ZERO:
		return true;
	default:
		return false;
	}
}

static void check_accepted_header(const uint8_t *data, size_t size, const struct ipv4_header *hdr)
{
	expect(hdr->header_len >= IPV4_HEADER_LEN && hdr->header_len <= IPV4_HEADER_MAX,
	       "header length out of range");
	expect(hdr->total_len >= hdr->header_len && hdr->total_len <= size, "total length");
	expect(hdr->payload == data + hdr->header_len, "payload does not follow the header");
	expect(hdr->payload_len == (size_t)hdr->total_len - hdr->header_len, "payload length");
	expect(hdr->ttl > 0, "accepted TTL 0");
	expect(hdr->frag_offset % 8 == 0, "fragment offset not in 8-byte units");
	expect(checksum(data, hdr->header_len) == 0, "accepted a bad checksum");
}

/* Without options, every field but the checksum (which may be sent as 0x0000
 * or its one's-complement twin 0xffff) must come back byte for byte, save the
 * reserved flag that emit always clears. */
static void check_same_plain_header(const uint8_t *emitted, const uint8_t *data)
{
	expect(memcmp(emitted, data, 6) == 0, "bytes 0..5 differ");
	expect(emitted[6] == (data[6] & 0x7f), "flags/offset differ");
	expect(memcmp(emitted + 7, data + 7, 3) == 0, "bytes 7..9 differ");
	expect(memcmp(emitted + 12, data + 12, 8) == 0, "addresses differ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t packet[IPV4_MAX_DATAGRAM];
	struct ipv4_header hdr, plain, again;
	enum tapir_drop reason;
	size_t len;

	reason = ipv4_parse(data, size, &hdr);
	if (reason != TAPIR_DROP_NONE) {
		expect(is_ipv4_reason(reason), "unexpected reason");
		expect(size >= IPV4_HEADER_LEN || reason == TAPIR_DROP_IP_TRUNCATED,
		       "short input not refused as truncated");
		return 0;
	}
	check_accepted_header(data, size, &hdr);

	plain = hdr;
	plain.total_len = (uint16_t)(IPV4_HEADER_LEN + hdr.payload_len);
	expect(ipv4_emit(&plain, packet, IPV4_HEADER_LEN - 1) == 0, "emit into a too small buffer");
	expect(ipv4_emit(&plain, packet, sizeof(packet)) == IPV4_HEADER_LEN, "emit length");
	memcpy(packet + IPV4_HEADER_LEN, hdr.payload, hdr.payload_len);
	len = IPV4_HEADER_LEN + hdr.payload_len;
	if (hdr.header_len == IPV4_HEADER_LEN)
		check_same_plain_header(packet, data);

	expect(ipv4_parse(packet, len, &again) == TAPIR_DROP_NONE, "emitted packet refused");
	expect(again.tos == hdr.tos && again.id == hdr.id && again.ttl == hdr.ttl &&
	           again.protocol == hdr.protocol,
	       "tos/id/ttl/protocol differ");
	expect(again.dont_fragment == hdr.dont_fragment &&
	           again.more_fragments == hdr.more_fragments &&
	           again.frag_offset == hdr.frag_offset,
	       "fragment fields differ");
	expect(again.src == hdr.src && again.dst == hdr.dst, "addresses differ");
	expect(again.header_len == IPV4_HEADER_LEN && again.total_len == plain.total_len,
	       "lengths differ");
	expect(again.payload_len == hdr.payload_len &&
	           memcmp(again.payload, hdr.payload, hdr.payload_len) == 0,
	       "payload differs");
	expect(ipv4_is_fragment(&again) == ipv4_is_fragment(&hdr), "fragment status differs");
	return 0;
}

/*
 * fuzz_eth.c — libFuzzer harness for eth_parse/eth_emit.
 *
 * Any input must parse or be refused as truncated; a parsed frame emitted
 * again must give back the same bytes and parse to the same header.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/eth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_eth: %s\n", what);
		abort();
	}
}

static bool same_mac(struct tapir_mac a, struct tapir_mac b)
{
	return memcmp(a.b, b.b, sizeof(a.b)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[65536];
	struct eth_header hdr, again;
	const uint8_t *payload, *payload_again;
	size_t payload_len, payload_len_again;

	if (eth_parse(data, size, &hdr, &payload, &payload_len) != TAPIR_DROP_NONE) {
		expect(size < ETH_HEADER_LEN, "refused a frame with a complete header");
		return 0;
	}
	expect(size >= ETH_HEADER_LEN, "accepted a truncated frame");
	expect(payload == data + ETH_HEADER_LEN, "payload does not follow the header");
	expect(payload_len == size - ETH_HEADER_LEN, "payload length wrong");
	if (size > sizeof(frame))
		return 0;

	expect(eth_emit(&hdr, frame, ETH_HEADER_LEN - 1) == 0, "emit into a too small buffer");
	expect(eth_emit(&hdr, frame, sizeof(frame)) == ETH_HEADER_LEN, "emit length");
	memcpy(frame + ETH_HEADER_LEN, payload, payload_len);
	expect(memcmp(frame, data, size) == 0, "emitted bytes differ from the input");

	expect(eth_parse(frame, size, &again, &payload_again, &payload_len_again) ==
	           TAPIR_DROP_NONE,
	       "emitted frame refused");
	expect(same_mac(again.dst, hdr.dst) && same_mac(again.src, hdr.src), "MACs differ");
	expect(again.type == hdr.type, "type differs");
	expect(payload_len_again == payload_len, "payload length differs");
	return 0;
}

/*
 * fuzz_udp.c — libFuzzer harness for udp_parse/udp_emit.
 *
 * The input is the IP payload of a datagram from 10.0.0.1 to 10.0.0.2 (the
 * lab addresses; seeds with checksum 0 let mutated inputs reach the round
 * trip). Any input must parse or be refused with a named reason; a parsed
 * datagram emitted again must parse to the same ports and payload.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/udp.h"

#define FUZZ_SRC TAPIR_IP(10, 0, 0, 1)
#define FUZZ_DST TAPIR_IP(10, 0, 0, 2)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_udp: %s\n", what);
		abort();
	}
}

static bool is_udp_reason(enum tapir_drop reason)
{
	return reason == TAPIR_DROP_UDP_TRUNCATED || reason == TAPIR_DROP_UDP_BAD_LENGTH ||
	       reason == TAPIR_DROP_UDP_BAD_CHECKSUM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536];
	struct udp_datagram dgram, again;
	enum tapir_drop reason;
	size_t len;

	reason = udp_parse(data, size, FUZZ_SRC, FUZZ_DST, &dgram);
	if (reason != TAPIR_DROP_NONE) {
		expect(is_udp_reason(reason), "unexpected reason");
		expect((reason == TAPIR_DROP_UDP_TRUNCATED) == (size < UDP_HEADER_LEN),
		       "truncated iff shorter than 8 bytes");
		return 0;
	}
	expect(size >= UDP_HEADER_LEN, "accepted a truncated datagram");
	expect(dgram.payload == data + UDP_HEADER_LEN, "payload does not follow the header");
	expect(dgram.payload_len <= size - UDP_HEADER_LEN, "payload beyond the input");
	if (dgram.payload_len > UDP_MAX_PAYLOAD)
		return 0; /* a length field up to 65535 parses; emit refuses it */

	len = UDP_HEADER_LEN + dgram.payload_len;
	expect(udp_emit(&dgram, FUZZ_SRC, FUZZ_DST, out, len - 1) == 0,
	       "emit into a too small buffer");
	expect(udp_emit(&dgram, FUZZ_SRC, FUZZ_DST, out, sizeof(out)) == len, "emit length");
	expect(memcmp(out, data, 6) == 0, "ports or length differ from the input");
	expect(out[6] != 0 || out[7] != 0, "emitted checksum 0 (must be sent as 0xffff)");

	expect(udp_parse(out, len, FUZZ_SRC, FUZZ_DST, &again) == TAPIR_DROP_NONE,
	       "emitted datagram refused");
	expect(again.src_port == dgram.src_port && again.dst_port == dgram.dst_port,
	       "ports differ");
	expect(again.payload_len == dgram.payload_len &&
	           memcmp(again.payload, dgram.payload, dgram.payload_len) == 0,
	       "payload differs");
	return 0;
}

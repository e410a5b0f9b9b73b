/*
 * fuzz_icmp.c — libFuzzer harness for icmp_parse/icmp_emit.
 *
 * Any input must parse or be refused with a named reason; a parsed message
 * emitted again must give back the same bytes (the checksum may come back as
 * its one's-complement twin) and parse to the same fields.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/checksum.h"
#include "wire/icmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_icmp: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536];
	struct icmp_message msg, again;
	enum tapir_drop reason;

	reason = icmp_parse(data, size, &msg);
	if (reason != TAPIR_DROP_NONE) {
		expect((reason == TAPIR_DROP_ICMP_TRUNCATED) == (size < ICMP_HEADER_LEN),
		       "truncated iff shorter than 8 bytes");
		expect(reason == TAPIR_DROP_ICMP_TRUNCATED ||
		           reason == TAPIR_DROP_ICMP_BAD_CHECKSUM,
		       "unexpected reason");
		return 0;
	}
	expect(size >= ICMP_HEADER_LEN, "accepted a truncated message");
	expect(msg.data == data + ICMP_HEADER_LEN, "data does not follow the header");
	expect(msg.data_len == size - ICMP_HEADER_LEN, "data length");
	if (size > sizeof(out))
		return 0;

	expect(icmp_emit(&msg, out, size - 1) == 0, "emit into a too small buffer");
	expect(icmp_emit(&msg, out, sizeof(out)) == size, "emit length");
	expect(checksum(out, size) == 0, "emitted checksum does not verify");
	expect(memcmp(out, data, 2) == 0 && memcmp(out + 4, data + 4, size - 4) == 0,
	       "emitted bytes differ from the input");

	expect(icmp_parse(out, size, &again) == TAPIR_DROP_NONE, "emitted message refused");
	expect(again.type == msg.type && again.code == msg.code && again.id == msg.id &&
	           again.seq == msg.seq,
	       "header fields differ");
	expect(again.data_len == msg.data_len, "data length differs");
	return 0;
}

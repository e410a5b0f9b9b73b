/*
 * fuzz_arp.c — libFuzzer harness for arp_parse/arp_emit.
 *
 * Any input must parse or be refused with a named reason; a parsed packet
 * emitted again must give back the same 28 bytes and parse to the same
 * fields.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/arp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_arp: %s\n", what);
		abort();
	}
}

static bool same_mac(struct tapir_mac a, struct tapir_mac b)
{
	return memcmp(a.b, b.b, sizeof(a.b)) == 0;
}

static bool same_packet(const struct arp_packet *a, const struct arp_packet *b)
{
	return a->opcode == b->opcode && same_mac(a->sender_mac, b->sender_mac) &&
	       a->sender_ip == b->sender_ip && same_mac(a->target_mac, b->target_mac) &&
	       a->target_ip == b->target_ip;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arp_packet pkt, again;
	uint8_t out[ARP_PACKET_LEN];
	enum tapir_drop reason;

	reason = arp_parse(data, size, &pkt);
	if (reason != TAPIR_DROP_NONE) {
		expect((reason == TAPIR_DROP_ARP_TRUNCATED) == (size < ARP_PACKET_LEN),
		       "truncated iff shorter than 28 bytes");
		expect(reason == TAPIR_DROP_ARP_TRUNCATED ||
		           reason == TAPIR_DROP_ARP_BAD_HARDWARE ||
		           reason == TAPIR_DROP_ARP_BAD_PROTOCOL ||
		           reason == TAPIR_DROP_ARP_BAD_OPCODE,
		       "unexpected reason");
		return 0;
	}
	expect(size >= ARP_PACKET_LEN, "accepted a truncated packet");
	expect(pkt.opcode == ARP_OP_REQUEST || pkt.opcode == ARP_OP_REPLY, "accepted opcode");

	expect(arp_emit(&pkt, out, sizeof(out) - 1) == 0, "emit into a too small buffer");
	expect(arp_emit(&pkt, out, sizeof(out)) == ARP_PACKET_LEN, "emit length");
	expect(memcmp(out, data, ARP_PACKET_LEN) == 0, "emitted bytes differ from the input");
	expect(arp_parse(out, sizeof(out), &again) == TAPIR_DROP_NONE, "emitted packet refused");
	expect(same_packet(&pkt, &again), "round trip differs");
	return 0;
}

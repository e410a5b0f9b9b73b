/*
 * test_wire_ipv4.c — the RFC 791 header: a packet captured from Linux,
 * options, padding, fragments, every malformed class with its named reason,
 * and emit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/checksum.h"
#include "wire/ipv4.h"

#define LINUX_PING_LEN 84

/* An ICMP echo request sent by Linux 6.18 (iputils ping) from 10.0.0.1 to
 * 10.0.0.2 over a TAP device: 20 bytes IPv4 header, 64 bytes ICMP. */
static const uint8_t linux_ping[LINUX_PING_LEN] = {
    0x45, 0x00, 0x00, 0x54, 0x34, 0xa6, 0x40, 0x00, 0x40, 0x01, 0xf2, 0x00, 0x0a, 0x00,
    0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x00, 0x05, 0x28, 0x10, 0xb4, 0x00, 0x01,
    0xe0, 0x52, 0x02, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x3b, 0x92, 0x05, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
    0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
    0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* Recompute the header checksum after a test changed a field, so that the
 * packet is refused for the reason under test and not for its checksum. */
static void fix_checksum(uint8_t *packet, size_t header_len)
{
	uint16_t sum;

	packet[10] = 0;
	packet[11] = 0;
	sum = checksum(packet, header_len);
	packet[10] = (uint8_t)(sum >> 8);
	packet[11] = (uint8_t)sum;
}

static void set_total_len(uint8_t *packet, uint16_t total_len)
{
	packet[2] = (uint8_t)(total_len >> 8);
	packet[3] = (uint8_t)total_len;
}

static void test_parse_linux_ping(void **state)
{
	struct ipv4_header hdr;

	(void)state;
	assert_int_equal(ipv4_parse(linux_ping, sizeof(linux_ping), &hdr), TAPIR_DROP_NONE);
	assert_int_equal(hdr.tos, 0);
	assert_int_equal(hdr.total_len, 84);
	assert_int_equal(hdr.id, 0x34a6);
	assert_true(hdr.dont_fragment);
	assert_false(hdr.more_fragments);
	assert_int_equal(hdr.frag_offset, 0);
	assert_int_equal(hdr.ttl, 64);
	assert_int_equal(hdr.protocol, IPV4_PROTO_ICMP);
	assert_int_equal(hdr.src, TAPIR_IP(10, 0, 0, 1));
	assert_int_equal(hdr.dst, TAPIR_IP(10, 0, 0, 2));
	assert_int_equal(hdr.header_len, 20);
	assert_ptr_equal(hdr.payload, linux_ping + 20);
	assert_int_equal(hdr.payload_len, 64);
	assert_false(ipv4_is_fragment(&hdr));
}

static void test_parse_trims_ethernet_padding(void **state)
{
	/* A 28-byte datagram padded to the 46-byte minimum Ethernet payload. */
	uint8_t padded[46];
	struct ipv4_header hdr;

	(void)state;
	memset(padded, 0, sizeof(padded));
	memcpy(padded, linux_ping, 28);
	set_total_len(padded, 28);
	fix_checksum(padded, 20);
	assert_int_equal(ipv4_parse(padded, sizeof(padded), &hdr), TAPIR_DROP_NONE);
	assert_int_equal(hdr.total_len, 28);
	assert_int_equal(hdr.payload_len, 8);
}

static void test_parse_skips_options(void **state)
{
	/* IHL 6: one 32-bit word of options (three NOPs and End of List). */
	uint8_t packet[28];
	struct ipv4_header hdr;

	(void)state;
	memcpy(packet, linux_ping, 20);
	packet[0] = 0x46;
	set_total_len(packet, 28);
	packet[20] = 1; /* NOP */
	packet[21] = 1;
	packet[22] = 1;
	packet[23] = 0; /* End of Option List */
	memcpy(&packet[24], "data", 4);
	fix_checksum(packet, 24);
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_NONE);
	assert_int_equal(hdr.header_len, 24);
	assert_ptr_equal(hdr.payload, packet + 24);
	assert_int_equal(hdr.payload_len, 4);
}

static void test_parse_header_only_datagram(void **state)
{
	uint8_t packet[20];
	struct ipv4_header hdr;

	(void)state;
	memcpy(packet, linux_ping, 20);
	set_total_len(packet, 20);
	fix_checksum(packet, 20);
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_NONE);
	assert_int_equal(hdr.payload_len, 0);
}

static void test_parse_truncated_at_every_length(void **state)
{
	struct ipv4_header hdr;
	size_t len;

	(void)state;
	for (len = 0; len < IPV4_HEADER_LEN; len++)
		assert_int_equal(ipv4_parse(linux_ping, len, &hdr), TAPIR_DROP_IP_TRUNCATED);
	assert_int_equal(ipv4_parse(NULL, 0, &hdr), TAPIR_DROP_IP_TRUNCATED);
}

static void test_parse_truncated_within_options(void **state)
{
	uint8_t packet[IPV4_HEADER_MAX];
	struct ipv4_header hdr;
	size_t len;

	(void)state;
	memset(packet, 1, sizeof(packet)); /* NOP options */
	memcpy(packet, linux_ping, 20);
	packet[0] = 0x4f; /* IHL 15: 60 bytes of header */
	set_total_len(packet, IPV4_HEADER_MAX);
	fix_checksum(packet, IPV4_HEADER_MAX);
	for (len = IPV4_HEADER_LEN; len < IPV4_HEADER_MAX; len++)
		assert_int_equal(ipv4_parse(packet, len, &hdr), TAPIR_DROP_IP_TRUNCATED);
	assert_int_equal(ipv4_parse(packet, IPV4_HEADER_MAX, &hdr), TAPIR_DROP_NONE);
	assert_int_equal(hdr.header_len, IPV4_HEADER_MAX);
	assert_int_equal(hdr.payload_len, 0);
}

static void test_parse_bad_version(void **state)
{
	static const uint8_t versions[] = {0, 1, 5, 6, 15};
	uint8_t packet[LINUX_PING_LEN];
	struct ipv4_header hdr;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(versions); i++) {
		memcpy(packet, linux_ping, sizeof(packet));
		packet[0] = (uint8_t)((versions[i] << 4) | 5);
		fix_checksum(packet, 20);
		assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr),
		                 TAPIR_DROP_IP_BAD_VERSION);
	}
}

static void test_parse_bad_ihl(void **state)
{
	uint8_t packet[LINUX_PING_LEN];
	struct ipv4_header hdr;
	uint8_t ihl;

	(void)state;
	for (ihl = 0; ihl < 5; ihl++) {
		memcpy(packet, linux_ping, sizeof(packet));
		packet[0] = (uint8_t)(0x40 | ihl);
		fix_checksum(packet, 20);
		assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_IP_BAD_IHL);
	}
}

static void test_parse_total_length_beyond_received(void **state)
{
	uint8_t packet[LINUX_PING_LEN];
	struct ipv4_header hdr;

	(void)state;
	/* The Linux packet, one byte short of what it announces. */
	assert_int_equal(ipv4_parse(linux_ping, sizeof(linux_ping) - 1, &hdr),
	                 TAPIR_DROP_IP_BAD_LENGTH);
	assert_int_equal(ipv4_parse(linux_ping, IPV4_HEADER_LEN, &hdr), TAPIR_DROP_IP_BAD_LENGTH);
	memcpy(packet, linux_ping, sizeof(packet));
	set_total_len(packet, 0xffff);
	fix_checksum(packet, 20);
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_IP_BAD_LENGTH);
}

static void test_parse_total_length_below_header(void **state)
{
	static const uint16_t too_short[] = {0, 1, 19};
	uint8_t packet[LINUX_PING_LEN];
	struct ipv4_header hdr;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(too_short) / sizeof(too_short[0]); i++) {
		memcpy(packet, linux_ping, sizeof(packet));
		set_total_len(packet, too_short[i]);
		fix_checksum(packet, 20);
		assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr),
		                 TAPIR_DROP_IP_BAD_LENGTH);
	}
	/* With options: total length 22 is less than the 24-byte header. */
	memcpy(packet, linux_ping, sizeof(packet));
	packet[0] = 0x46;
	set_total_len(packet, 22);
	fix_checksum(packet, 24);
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_IP_BAD_LENGTH);
}

static void test_parse_bad_checksum(void **state)
{
	uint8_t packet[LINUX_PING_LEN];
	struct ipv4_header hdr;
	size_t byte;

	(void)state;
	/* A flipped bit anywhere in the header, checksum field included. */
	for (byte = 1; byte < IPV4_HEADER_LEN; byte++) {
		if (byte == 2 || byte == 3)
			continue; /* the length is checked before the checksum */
		memcpy(packet, linux_ping, sizeof(packet));
		packet[byte] ^= 0x01;
		assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr),
		                 TAPIR_DROP_IP_BAD_CHECKSUM);
	}
	/* The payload is not covered by the header checksum. */
	memcpy(packet, linux_ping, sizeof(packet));
	packet[40] ^= 0xff;
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_NONE);
}

static void test_parse_checksum_covers_options(void **state)
{
	uint8_t packet[28];
	struct ipv4_header hdr;

	(void)state;
	memcpy(packet, linux_ping, 28);
	packet[0] = 0x46;
	set_total_len(packet, 28);
	memset(&packet[20], 1, 4);
	fix_checksum(packet, 24);
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_NONE);
	packet[22] = 0;
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_IP_BAD_CHECKSUM);
}

static void test_parse_ttl_zero(void **state)
{
	uint8_t packet[LINUX_PING_LEN];
	struct ipv4_header hdr;

	(void)state;
	memcpy(packet, linux_ping, sizeof(packet));
	packet[8] = 0;
	fix_checksum(packet, 20);
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_IP_TTL_ZERO);
	packet[8] = 1;
	fix_checksum(packet, 20);
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_NONE);
	assert_int_equal(hdr.ttl, 1);
}

static void test_parse_fragment_fields(void **state)
{
	uint8_t packet[LINUX_PING_LEN];
	struct ipv4_header hdr;

	(void)state;
	/* MF set, offset 185 units = 1480 bytes, reserved bit set (ignored). */
	memcpy(packet, linux_ping, sizeof(packet));
	packet[6] = 0x80 | 0x20 | 0x00;
	packet[7] = 185;
	fix_checksum(packet, 20);
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_NONE);
	assert_false(hdr.dont_fragment);
	assert_true(hdr.more_fragments);
	assert_int_equal(hdr.frag_offset, 1480);
	/* The largest offset, 0x1fff units. */
	packet[6] = 0x1f;
	packet[7] = 0xff;
	fix_checksum(packet, 20);
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &hdr), TAPIR_DROP_NONE);
	assert_false(hdr.more_fragments);
	assert_int_equal(hdr.frag_offset, 65528);
}

static void test_is_fragment(void **state)
{
	struct ipv4_header hdr = {.dont_fragment = true};

	(void)state;
	assert_false(ipv4_is_fragment(&hdr));
	hdr.more_fragments = true; /* the first piece */
	assert_true(ipv4_is_fragment(&hdr));
	hdr.frag_offset = 1480; /* a middle piece */
	assert_true(ipv4_is_fragment(&hdr));
	hdr.more_fragments = false; /* the last piece */
	assert_true(ipv4_is_fragment(&hdr));
}

static void test_emit_reproduces_linux_header(void **state)
{
	struct ipv4_header hdr = {
	    .tos = 0,
	    .total_len = 84,
	    .id = 0x34a6,
	    .dont_fragment = true,
	    .ttl = 64,
	    .protocol = IPV4_PROTO_ICMP,
	    .src = TAPIR_IP(10, 0, 0, 1),
	    .dst = TAPIR_IP(10, 0, 0, 2),
	};
	uint8_t out[IPV4_HEADER_LEN];

	(void)state;
	assert_int_equal(ipv4_emit(&hdr, out, sizeof(out)), IPV4_HEADER_LEN);
	assert_memory_equal(out, linux_ping, IPV4_HEADER_LEN);
}

static void test_emit_parse_round_trip(void **state)
{
	struct ipv4_header in = {
	    .tos = 0xb8,
	    .total_len = 20 + 8,
	    .id = 0xbeef,
	    .more_fragments = true,
	    .frag_offset = 2960,
	    .ttl = 255,
	    .protocol = IPV4_PROTO_UDP,
	    .src = TAPIR_IP(192, 168, 1, 254),
	    .dst = TAPIR_IP(255, 255, 255, 255),
	    .header_len = 60, /* ignored: emit writes no options */
	};
	struct ipv4_header back;
	uint8_t packet[28] = {0};

	(void)state;
	assert_int_equal(ipv4_emit(&in, packet, sizeof(packet)), IPV4_HEADER_LEN);
	assert_int_equal(packet[0], 0x45);
	assert_int_equal(checksum(packet, IPV4_HEADER_LEN), 0);
	assert_int_equal(ipv4_parse(packet, sizeof(packet), &back), TAPIR_DROP_NONE);
	assert_int_equal(back.tos, in.tos);
	assert_int_equal(back.total_len, in.total_len);
	assert_int_equal(back.id, in.id);
	assert_int_equal(back.dont_fragment, in.dont_fragment);
	assert_int_equal(back.more_fragments, in.more_fragments);
	assert_int_equal(back.frag_offset, in.frag_offset);
	assert_int_equal(back.ttl, in.ttl);
	assert_int_equal(back.protocol, in.protocol);
	assert_int_equal(back.src, in.src);
	assert_int_equal(back.dst, in.dst);
	assert_int_equal(back.header_len, IPV4_HEADER_LEN);
	assert_ptr_equal(back.payload, packet + IPV4_HEADER_LEN);
	assert_int_equal(back.payload_len, 8);
}

static void test_emit_flags_and_offset_bits(void **state)
{
	struct ipv4_header hdr = {.total_len = 20,
	                          .ttl = 1,
	                          .dont_fragment = true,
	                          .more_fragments = true,
	                          .frag_offset = 65528};
	uint8_t out[IPV4_HEADER_LEN];

	(void)state;
	assert_int_equal(ipv4_emit(&hdr, out, sizeof(out)), IPV4_HEADER_LEN);
	/* Reserved 0, DF 1, MF 1, offset 0x1fff. */
	assert_int_equal(out[6], 0x7f);
	assert_int_equal(out[7], 0xff);
}

static void test_emit_buffer_too_small(void **state)
{
	struct ipv4_header hdr = {.total_len = 20, .ttl = 64};
	uint8_t out[IPV4_HEADER_LEN];
	uint8_t untouched[IPV4_HEADER_LEN];
	size_t cap;

	(void)state;
	memset(out, 0x5a, sizeof(out));
	memset(untouched, 0x5a, sizeof(untouched));
	for (cap = 0; cap < IPV4_HEADER_LEN; cap++)
		assert_int_equal(ipv4_emit(&hdr, out, cap), 0);
	assert_memory_equal(out, untouched, sizeof(out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_linux_ping),
	    cmocka_unit_test(test_parse_trims_ethernet_padding),
	    cmocka_unit_test(test_parse_skips_options),
	    cmocka_unit_test(test_parse_header_only_datagram),
	    cmocka_unit_test(test_parse_truncated_at_every_length),
	    cmocka_unit_test(test_parse_truncated_within_options),
	    cmocka_unit_test(test_parse_bad_version),
	    cmocka_unit_test(test_parse_bad_ihl),
	    cmocka_unit_test(test_parse_total_length_beyond_received),
	    cmocka_unit_test(test_parse_total_length_below_header),
	    cmocka_unit_test(test_parse_bad_checksum),
	    cmocka_unit_test(test_parse_checksum_covers_options),
	    cmocka_unit_test(test_parse_ttl_zero),
	    cmocka_unit_test(test_parse_fragment_fields),
	    cmocka_unit_test(test_is_fragment),
	    cmocka_unit_test(test_emit_reproduces_linux_header),
	    cmocka_unit_test(test_emit_parse_round_trip),
	    cmocka_unit_test(test_emit_flags_and_offset_bits),
	    cmocka_unit_test(test_emit_buffer_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_wire_udp.c — RFC 768 datagrams: one captured from Linux, the
 * pseudo-header, the "no checksum" 0 and the computed 0 sent as 0xffff,
 * every malformed class with its named reason, and emit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/checksum.h"
#include "wire/udp.h"

#define LINUX_UDP_LEN 20

static const tapir_ip linux_ip = TAPIR_IP(10, 0, 0, 1);
static const tapir_ip tapir_ip_addr = TAPIR_IP(10, 0, 0, 2);

/* A datagram sent by Linux 6.18 (a Python socket) from 10.0.0.1:40862 to
 * 10.0.0.2:7 over a TAP device, payload "hello tapir\n", checksum 0xb156. */
static const uint8_t linux_udp[LINUX_UDP_LEN] = {
    0x9f, 0x9e, 0x00, 0x07, 0x00, 0x14, 0xb1, 0x56, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x20, 0x74, 0x61, 0x70, 0x69, 0x72, 0x0a,
};

/* Another, of odd length: 10.0.0.1:5353 to 10.0.0.2:53, payload "odd",
 * checksum 0x0353. The last byte is summed as the word 0x6400. */
static const uint8_t linux_udp_odd[11] = {
    0x14, 0xe9, 0x00, 0x35, 0x00, 0x0b, 0x03, 0x53, 0x6f, 0x64, 0x64,
};

static enum tapir_drop parse_from_linux(const uint8_t *data, size_t len, struct udp_datagram *dgram)
{
	return udp_parse(data, len, linux_ip, tapir_ip_addr, dgram);
}

static void test_parse_linux_datagram(void **state)
{
	struct udp_datagram dgram;

	(void)state;
	assert_int_equal(parse_from_linux(linux_udp, sizeof(linux_udp), &dgram), TAPIR_DROP_NONE);
	assert_int_equal(dgram.src_port, 40862);
	assert_int_equal(dgram.dst_port, 7);
	assert_ptr_equal(dgram.payload, linux_udp + UDP_HEADER_LEN);
	assert_int_equal(dgram.payload_len, 12);
	assert_memory_equal(dgram.payload, "hello tapir\n", 12);
}

static void test_odd_length_linux_datagram(void **state)
{
	struct udp_datagram in = {
	    .src_port = 5353,
	    .dst_port = 53,
	    .payload = (const uint8_t *)"odd",
	    .payload_len = 3,
	};
	struct udp_datagram dgram;
	uint8_t buf[sizeof(linux_udp_odd)];

	(void)state;
	assert_int_equal(parse_from_linux(linux_udp_odd, sizeof(linux_udp_odd), &dgram),
	                 TAPIR_DROP_NONE);
	assert_int_equal(dgram.src_port, 5353);
	assert_int_equal(dgram.dst_port, 53);
	assert_int_equal(dgram.payload_len, 3);
	assert_int_equal(udp_emit(&in, linux_ip, tapir_ip_addr, buf, sizeof(buf)), sizeof(buf));
	assert_memory_equal(buf, linux_udp_odd, sizeof(buf));
	/* The odd last byte is covered by the checksum. */
	buf[10] ^= 0x01;
	assert_int_equal(parse_from_linux(buf, sizeof(buf), &dgram), TAPIR_DROP_UDP_BAD_CHECKSUM);
}

static void test_checksum_covers_pseudo_header(void **state)
{
	struct udp_datagram dgram;

	(void)state;
	/* The same bytes between other addresses do not verify. */
	assert_int_equal(
	    udp_parse(linux_udp, sizeof(linux_udp), linux_ip, TAPIR_IP(10, 0, 0, 3), &dgram),
	    TAPIR_DROP_UDP_BAD_CHECKSUM);
	assert_int_equal(udp_parse(linux_udp, sizeof(linux_udp), tapir_ip_addr, linux_ip, &dgram),
	                 TAPIR_DROP_NONE); /* swapping src and dst keeps the sum */
	assert_int_equal(
	    udp_parse(linux_udp, sizeof(linux_udp), TAPIR_IP(10, 0, 1, 1), tapir_ip_addr, &dgram),
	    TAPIR_DROP_UDP_BAD_CHECKSUM);
}

static void test_emit_reproduces_linux_datagram(void **state)
{
	struct udp_datagram dgram = {
	    .src_port = 40862,
	    .dst_port = 7,
	    .payload = (const uint8_t *)"hello tapir\n",
	    .payload_len = 12,
	};
	uint8_t out[LINUX_UDP_LEN];

	(void)state;
	assert_int_equal(udp_emit(&dgram, linux_ip, tapir_ip_addr, out, sizeof(out)),
	                 LINUX_UDP_LEN);
	assert_memory_equal(out, linux_udp, LINUX_UDP_LEN);
}

static void test_emit_parse_round_trip(void **state)
{
	static const uint8_t payload[] = {1, 2, 3, 4, 5};
	struct udp_datagram in = {
	    .src_port = 53, .dst_port = 65535, .payload = payload, .payload_len = sizeof(payload)};
	struct udp_datagram back;
	uint8_t out[64];
	size_t len;

	(void)state;
	len = udp_emit(&in, TAPIR_IP(192, 168, 0, 1), TAPIR_IP(8, 8, 8, 8), out, sizeof(out));
	assert_int_equal(len, UDP_HEADER_LEN + sizeof(payload));
	assert_int_equal(out[4], 0);
	assert_int_equal(out[5], 13);
	assert_int_equal(udp_parse(out, len, TAPIR_IP(192, 168, 0, 1), TAPIR_IP(8, 8, 8, 8), &back),
	                 TAPIR_DROP_NONE);
	assert_int_equal(back.src_port, 53);
	assert_int_equal(back.dst_port, 65535);
	assert_int_equal(back.payload_len, sizeof(payload));
	assert_memory_equal(back.payload, payload, sizeof(payload));
}

static void test_empty_payload(void **state)
{
	struct udp_datagram in = {.src_port = 1, .dst_port = 2};
	struct udp_datagram back;
	uint8_t out[UDP_HEADER_LEN];

	(void)state;
	assert_int_equal(udp_emit(&in, linux_ip, tapir_ip_addr, out, sizeof(out)), UDP_HEADER_LEN);
	assert_int_equal(parse_from_linux(out, sizeof(out), &back), TAPIR_DROP_NONE);
	assert_int_equal(back.payload_len, 0);
}

static void test_zero_checksum_means_not_computed(void **state)
{
	uint8_t buf[LINUX_UDP_LEN];
	struct udp_datagram dgram;

	(void)state;
	memcpy(buf, linux_udp, sizeof(buf));
	buf[6] = 0;
	buf[7] = 0;
	buf[12] ^= 0xff; /* not checked, so not noticed */
	assert_int_equal(parse_from_linux(buf, sizeof(buf), &dgram), TAPIR_DROP_NONE);
	assert_int_equal(dgram.payload_len, 12);
}

static void test_computed_zero_sent_as_ffff(void **state)
{
	/* With two payload bytes equal to the checksum of the datagram with
	 * those bytes 0, the sum becomes 0xffff and the checksum 0. */
	uint8_t payload[2] = {0, 0};
	struct udp_datagram in = {
	    .src_port = 1234, .dst_port = 5678, .payload = payload, .payload_len = sizeof(payload)};
	struct udp_datagram back;
	uint8_t out[UDP_HEADER_LEN + 2];
	uint32_t sum;

	(void)state;
	assert_int_equal(udp_emit(&in, linux_ip, tapir_ip_addr, out, sizeof(out)), sizeof(out));
	payload[0] = out[6];
	payload[1] = out[7];
	assert_int_equal(udp_emit(&in, linux_ip, tapir_ip_addr, out, sizeof(out)), sizeof(out));
	assert_int_equal(out[6], 0xff);
	assert_int_equal(out[7], 0xff);
	/* It really was a computed 0: with the field 0 the checksum is 0. */
	out[6] = 0;
	out[7] = 0;
	sum = checksum_pseudo_header(linux_ip, tapir_ip_addr, 17, sizeof(out));
	assert_int_equal(checksum_finish(checksum_add(sum, out, sizeof(out))), 0);
	/* And 0xffff verifies on receipt. */
	out[6] = 0xff;
	out[7] = 0xff;
	assert_int_equal(parse_from_linux(out, sizeof(out), &back), TAPIR_DROP_NONE);
}

static void test_parse_truncated_at_every_length(void **state)
{
	struct udp_datagram dgram;
	size_t len;

	(void)state;
	for (len = 0; len < UDP_HEADER_LEN; len++)
		assert_int_equal(parse_from_linux(linux_udp, len, &dgram),
		                 TAPIR_DROP_UDP_TRUNCATED);
	assert_int_equal(parse_from_linux(NULL, 0, &dgram), TAPIR_DROP_UDP_TRUNCATED);
}

static void test_parse_length_field_below_header(void **state)
{
	uint8_t buf[LINUX_UDP_LEN];
	struct udp_datagram dgram;
	uint8_t field;

	(void)state;
	for (field = 0; field < UDP_HEADER_LEN; field++) {
		memcpy(buf, linux_udp, sizeof(buf));
		buf[4] = 0;
		buf[5] = field;
		buf[6] = 0; /* no checksum, so only the length can be wrong */
		buf[7] = 0;
		assert_int_equal(parse_from_linux(buf, sizeof(buf), &dgram),
		                 TAPIR_DROP_UDP_BAD_LENGTH);
	}
}

static void test_parse_length_field_beyond_received(void **state)
{
	uint8_t buf[LINUX_UDP_LEN];
	struct udp_datagram dgram;

	(void)state;
	/* The Linux datagram, one byte short of its length field. */
	assert_int_equal(parse_from_linux(linux_udp, sizeof(linux_udp) - 1, &dgram),
	                 TAPIR_DROP_UDP_BAD_LENGTH);
	assert_int_equal(parse_from_linux(linux_udp, UDP_HEADER_LEN, &dgram),
	                 TAPIR_DROP_UDP_BAD_LENGTH);
	memcpy(buf, linux_udp, sizeof(buf));
	buf[4] = 0xff;
	buf[5] = 0xff;
	assert_int_equal(parse_from_linux(buf, sizeof(buf), &dgram), TAPIR_DROP_UDP_BAD_LENGTH);
}

static void test_parse_ignores_bytes_beyond_length_field(void **state)
{
	uint8_t buf[LINUX_UDP_LEN + 6];
	struct udp_datagram dgram;

	(void)state;
	memcpy(buf, linux_udp, LINUX_UDP_LEN);
	memset(&buf[LINUX_UDP_LEN], 0xee, 6);
	assert_int_equal(parse_from_linux(buf, sizeof(buf), &dgram), TAPIR_DROP_NONE);
	assert_int_equal(dgram.payload_len, 12);
}

static void test_parse_bad_checksum(void **state)
{
	uint8_t buf[LINUX_UDP_LEN];
	struct udp_datagram dgram;
	size_t byte;

	(void)state;
	/* A flipped bit in the ports, the checksum or the data. */
	for (byte = 0; byte < LINUX_UDP_LEN; byte++) {
		if (byte == 4 || byte == 5)
			continue; /* the length field, checked first */
		memcpy(buf, linux_udp, sizeof(buf));
		buf[byte] ^= 0x04;
		assert_int_equal(parse_from_linux(buf, sizeof(buf), &dgram),
		                 TAPIR_DROP_UDP_BAD_CHECKSUM);
	}
	/* A shorter length field that still fits: the sum no longer matches. */
	memcpy(buf, linux_udp, sizeof(buf));
	buf[5] = 0x13;
	assert_int_equal(parse_from_linux(buf, sizeof(buf), &dgram), TAPIR_DROP_UDP_BAD_CHECKSUM);
}

static void test_emit_buffer_too_small(void **state)
{
	struct udp_datagram dgram = {
	    .src_port = 1, .dst_port = 2, .payload = linux_udp, .payload_len = 12};
	uint8_t out[UDP_HEADER_LEN + 12];
	uint8_t untouched[UDP_HEADER_LEN + 12];
	size_t cap;

	(void)state;
	memset(out, 0x5a, sizeof(out));
	memset(untouched, 0x5a, sizeof(untouched));
	for (cap = 0; cap < sizeof(out); cap++)
		assert_int_equal(udp_emit(&dgram, linux_ip, tapir_ip_addr, out, cap), 0);
	assert_memory_equal(out, untouched, sizeof(out));
}

static void test_emit_payload_too_long(void **state)
{
	static uint8_t big[UDP_HEADER_LEN + UDP_MAX_PAYLOAD + 1];
	static uint8_t out[UDP_HEADER_LEN + UDP_MAX_PAYLOAD + 1];
	struct udp_datagram dgram = {
	    .src_port = 1, .dst_port = 2, .payload = big, .payload_len = UDP_MAX_PAYLOAD + 1};
	struct udp_datagram back;
	size_t len;

	(void)state;
	assert_int_equal(udp_emit(&dgram, linux_ip, tapir_ip_addr, out, sizeof(out)), 0);
	dgram.payload_len = SIZE_MAX - 4;
	assert_int_equal(udp_emit(&dgram, linux_ip, tapir_ip_addr, out, sizeof(out)), 0);
	/* The largest payload that fits in one IPv4 datagram is fine. */
	memset(big, 0xab, sizeof(big));
	dgram.payload_len = UDP_MAX_PAYLOAD;
	len = udp_emit(&dgram, linux_ip, tapir_ip_addr, out, sizeof(out));
	assert_int_equal(len, UDP_HEADER_LEN + UDP_MAX_PAYLOAD);
	assert_int_equal(parse_from_linux(out, len, &back), TAPIR_DROP_NONE);
	assert_int_equal(back.payload_len, UDP_MAX_PAYLOAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_linux_datagram),
	    cmocka_unit_test(test_odd_length_linux_datagram),
	    cmocka_unit_test(test_checksum_covers_pseudo_header),
	    cmocka_unit_test(test_emit_reproduces_linux_datagram),
	    cmocka_unit_test(test_emit_parse_round_trip),
	    cmocka_unit_test(test_empty_payload),
	    cmocka_unit_test(test_zero_checksum_means_not_computed),
	    cmocka_unit_test(test_computed_zero_sent_as_ffff),
	    cmocka_unit_test(test_parse_truncated_at_every_length),
	    cmocka_unit_test(test_parse_length_field_below_header),
	    cmocka_unit_test(test_parse_length_field_beyond_received),
	    cmocka_unit_test(test_parse_ignores_bytes_beyond_length_field),
	    cmocka_unit_test(test_parse_bad_checksum),
	    cmocka_unit_test(test_emit_buffer_too_small),
	    cmocka_unit_test(test_emit_payload_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

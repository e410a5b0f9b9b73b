/*
 * test_wire_icmp.c — RFC 792 messages: an echo request captured from Linux,
 * the echo reply built from it, destination unreachable, truncation, bad
 * checksums and emit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/checksum.h"
#include "wire/icmp.h"

#define LINUX_ECHO_LEN 64

/* The ICMP part of an echo request sent by Linux 6.18 (iputils ping -c1)
 * to 10.0.0.2: id 0x10b4, seq 1, 56 bytes of data (a timestamp, then
 * 0x10 0x11 ...). */
static const uint8_t linux_echo_request[LINUX_ECHO_LEN] = {
    0x08, 0x00, 0x05, 0x28, 0x10, 0xb4, 0x00, 0x01, 0xe0, 0x52, 0x02, 0x6b, 0x00, 0x00, 0x00, 0x00,
    0x3b, 0x92, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

static void test_parse_linux_echo_request(void **state)
{
	struct icmp_message msg;

	(void)state;
	assert_int_equal(icmp_parse(linux_echo_request, sizeof(linux_echo_request), &msg),
	                 TAPIR_DROP_NONE);
	assert_int_equal(msg.type, ICMP_ECHO_REQUEST);
	assert_int_equal(msg.code, 0);
	assert_int_equal(msg.id, 0x10b4);
	assert_int_equal(msg.seq, 1);
	assert_ptr_equal(msg.data, linux_echo_request + ICMP_HEADER_LEN);
	assert_int_equal(msg.data_len, 56);
}

static void test_emit_echo_reply_from_request(void **state)
{
	struct icmp_message request;
	struct icmp_message reply;
	struct icmp_message back;
	uint8_t out[LINUX_ECHO_LEN];

	(void)state;
	assert_int_equal(icmp_parse(linux_echo_request, sizeof(linux_echo_request), &request),
	                 TAPIR_DROP_NONE);
	reply = request;
	reply.type = ICMP_ECHO_REPLY;
	assert_int_equal(icmp_emit(&reply, out, sizeof(out)), LINUX_ECHO_LEN);
	/* Only the type (8 -> 0) changes, so the checksum goes up by 0x0800. */
	assert_int_equal(out[0], 0);
	assert_int_equal(out[2], 0x0d);
	assert_int_equal(out[3], 0x28);
	assert_memory_equal(&out[4], &linux_echo_request[4], LINUX_ECHO_LEN - 4);
	assert_int_equal(icmp_parse(out, sizeof(out), &back), TAPIR_DROP_NONE);
	assert_int_equal(back.type, ICMP_ECHO_REPLY);
	assert_int_equal(back.id, 0x10b4);
	assert_int_equal(back.seq, 1);
	assert_int_equal(back.data_len, 56);
}

static void test_emit_in_place(void **state)
{
	/* The reply built in the request's own buffer: data already in place. */
	uint8_t buf[LINUX_ECHO_LEN];
	struct icmp_message msg;

	(void)state;
	memcpy(buf, linux_echo_request, sizeof(buf));
	assert_int_equal(icmp_parse(buf, sizeof(buf), &msg), TAPIR_DROP_NONE);
	msg.type = ICMP_ECHO_REPLY;
	assert_int_equal(icmp_emit(&msg, buf, sizeof(buf)), LINUX_ECHO_LEN);
	assert_int_equal(checksum(buf, sizeof(buf)), 0);
	assert_memory_equal(&buf[8], &linux_echo_request[8], 56);
}

static void test_dest_unreachable_round_trip(void **state)
{
	/* Fragmentation needed, next-hop MTU 1400 (RFC 1191) in the second
	 * half of the rest-of-header; the data is the offending IP header and
	 * 8 bytes of its payload (here just a pattern). */
	uint8_t original[28];
	struct icmp_message msg = {
	    .type = ICMP_DEST_UNREACHABLE,
	    .code = ICMP_UNREACH_FRAG_NEEDED,
	    .id = 0,
	    .seq = 1400,
	    .data = original,
	    .data_len = sizeof(original),
	};
	struct icmp_message back;
	uint8_t out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(original); i++)
		original[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(icmp_emit(&msg, out, sizeof(out)), ICMP_HEADER_LEN + sizeof(original));
	assert_int_equal(out[0], 3);
	assert_int_equal(out[1], 4);
	assert_int_equal(out[6], 0x05);
	assert_int_equal(out[7], 0x78);
	assert_int_equal(icmp_parse(out, ICMP_HEADER_LEN + sizeof(original), &back),
	                 TAPIR_DROP_NONE);
	assert_int_equal(back.type, msg.type);
	assert_int_equal(back.code, msg.code);
	assert_int_equal(back.id, 0);
	assert_int_equal(back.seq, 1400);
	assert_int_equal(back.data_len, sizeof(original));
	assert_memory_equal(back.data, original, sizeof(original));
}

static void test_header_only_message(void **state)
{
	struct icmp_message msg = {.type = ICMP_ECHO_REQUEST, .id = 0xffff, .seq = 0xffff};
	struct icmp_message back;
	uint8_t out[ICMP_HEADER_LEN];

	(void)state;
	assert_int_equal(icmp_emit(&msg, out, sizeof(out)), ICMP_HEADER_LEN);
	assert_int_equal(icmp_parse(out, sizeof(out), &back), TAPIR_DROP_NONE);
	assert_int_equal(back.data_len, 0);
	assert_int_equal(back.id, 0xffff);
	assert_int_equal(back.seq, 0xffff);
}

static void test_odd_length_message(void **state)
{
	static const uint8_t data[] = {'a', 'b', 'c'};
	struct icmp_message msg = {
	    .type = ICMP_ECHO_REQUEST, .id = 7, .seq = 9, .data = data, .data_len = sizeof(data)};
	struct icmp_message back;
	uint8_t out[11];

	(void)state;
	assert_int_equal(icmp_emit(&msg, out, sizeof(out)), 11);
	assert_int_equal(icmp_parse(out, sizeof(out), &back), TAPIR_DROP_NONE);
	assert_memory_equal(back.data, data, sizeof(data));
	/* The odd last byte is covered by the checksum. */
	out[10] ^= 0x01;
	assert_int_equal(icmp_parse(out, sizeof(out), &back), TAPIR_DROP_ICMP_BAD_CHECKSUM);
}

static void test_parse_truncated_at_every_length(void **state)
{
	struct icmp_message msg;
	size_t len;

	(void)state;
	for (len = 0; len < ICMP_HEADER_LEN; len++)
		assert_int_equal(icmp_parse(linux_echo_request, len, &msg),
		                 TAPIR_DROP_ICMP_TRUNCATED);
	assert_int_equal(icmp_parse(NULL, 0, &msg), TAPIR_DROP_ICMP_TRUNCATED);
}

static void test_parse_bad_checksum(void **state)
{
	uint8_t buf[LINUX_ECHO_LEN];
	struct icmp_message msg;
	size_t byte;

	(void)state;
	/* A flipped bit anywhere: header, checksum field or data. */
	for (byte = 0; byte < sizeof(buf); byte++) {
		memcpy(buf, linux_echo_request, sizeof(buf));
		buf[byte] ^= 0x80;
		assert_int_equal(icmp_parse(buf, sizeof(buf), &msg), TAPIR_DROP_ICMP_BAD_CHECKSUM);
	}
	/* The message cut short no longer verifies either. */
	assert_int_equal(icmp_parse(linux_echo_request, sizeof(linux_echo_request) - 2, &msg),
	                 TAPIR_DROP_ICMP_BAD_CHECKSUM);
}

static void test_emit_buffer_too_small(void **state)
{
	struct icmp_message msg = {
	    .type = ICMP_ECHO_REPLY, .data = linux_echo_request + 8, .data_len = 56};
	uint8_t out[LINUX_ECHO_LEN];
	uint8_t untouched[LINUX_ECHO_LEN];
	size_t cap;

	(void)state;
	memset(out, 0x5a, sizeof(out));
	memset(untouched, 0x5a, sizeof(untouched));
	for (cap = 0; cap < LINUX_ECHO_LEN; cap++)
		assert_int_equal(icmp_emit(&msg, out, cap), 0);
	assert_memory_equal(out, untouched, sizeof(out));
	assert_int_equal(icmp_emit(&msg, out, LINUX_ECHO_LEN), LINUX_ECHO_LEN);
}

static void test_emit_huge_data_len_does_not_wrap(void **state)
{
	struct icmp_message msg = {
	    .type = ICMP_ECHO_REPLY, .data = linux_echo_request, .data_len = SIZE_MAX - 4};
	uint8_t out[LINUX_ECHO_LEN];

	(void)state;
	assert_int_equal(icmp_emit(&msg, out, sizeof(out)), 0);
}

/* The datagram an error quotes: a 24-byte IP header (with options) then
 * TCP ports and sequence number; later fragments and short quotes are
 * refused (they hold no ports). */
static void test_parse_quoted(void **state)
{
	(void)state;
	uint8_t data[24 + 8] = {
	    0x46, 0, 0, 60, 0, 1, 0x40, 0, 64,   6,    0,    0,    10,   0,    0,    2,
	    10,   0, 0, 1,  1, 1, 1,    0, 0x9c, 0x40, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44,
	};
	struct icmp_message msg = {.type = 3, .code = 3, .data = data, .data_len = sizeof(data)};
	struct icmp_quoted q;

	assert_int_equal(icmp_parse_quoted(&msg, &q), TAPIR_DROP_NONE);
	assert_int_equal(q.protocol, 6);
	assert_int_equal(q.src, TAPIR_IP(10, 0, 0, 2));
	assert_int_equal(q.dst, TAPIR_IP(10, 0, 0, 1));
	assert_int_equal(q.src_port, 40000);
	assert_int_equal(q.dst_port, 80);
	assert_int_equal(q.tcp_seq, 0x11223344);
	for (size_t n = 0; n < sizeof(data); n++) {
		msg.data_len = n;
		assert_int_equal(icmp_parse_quoted(&msg, &q), TAPIR_DROP_ICMP_TRUNCATED);
	}
	msg.data_len = sizeof(data);
	data[7] = 1; /* fragment offset 8: not the first piece */
	assert_int_equal(icmp_parse_quoted(&msg, &q), TAPIR_DROP_ICMP_TRUNCATED);
	data[7] = 0;
	data[0] = 0x44; /* IHL 4 */
	assert_int_equal(icmp_parse_quoted(&msg, &q), TAPIR_DROP_ICMP_TRUNCATED);
	data[0] = 0x66; /* version 6 */
	assert_int_equal(icmp_parse_quoted(&msg, &q), TAPIR_DROP_ICMP_TRUNCATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_linux_echo_request),
	    cmocka_unit_test(test_emit_echo_reply_from_request),
	    cmocka_unit_test(test_emit_in_place),
	    cmocka_unit_test(test_dest_unreachable_round_trip),
	    cmocka_unit_test(test_header_only_message),
	    cmocka_unit_test(test_odd_length_message),
	    cmocka_unit_test(test_parse_truncated_at_every_length),
	    cmocka_unit_test(test_parse_bad_checksum),
	    cmocka_unit_test(test_emit_buffer_too_small),
	    cmocka_unit_test(test_emit_huge_data_len_does_not_wrap),
	    cmocka_unit_test(test_parse_quoted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

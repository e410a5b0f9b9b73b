/*
 * test_wire_checksum.c — the Internet checksum (RFC 1071) and the IPv4
 * pseudo-header: the RFC's own numerical example, odd lengths, carries, and
 * headers captured from Linux.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/checksum.h"

/* RFC 1071 section 3, "Numerical Examples". */
static const uint8_t rfc1071_example[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

/* The IPv4 header of an ICMP echo request sent by Linux 6.18 (iputils ping)
 * from 10.0.0.1 to 10.0.0.2 over a TAP device; checksum 0xf200. */
static const uint8_t linux_ping_ip_header[] = {
    0x45, 0x00, 0x00, 0x54, 0x34, 0xa6, 0x40, 0x00, 0x40, 0x01,
    0xf2, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
};

/* A UDP datagram sent by Linux 6.18 from 10.0.0.1:40862 to 10.0.0.2:7,
 * payload "hello tapir\n", checksum 0xb156. */
static const uint8_t linux_udp_datagram[] = {
    0x9f, 0x9e, 0x00, 0x07, 0x00, 0x14, 0xb1, 0x56, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x20, 0x74, 0x61, 0x70, 0x69, 0x72, 0x0a,
};

/* The 16-bit one's-complement sum a checksum_add result stands for. */
static uint16_t folded_sum(uint32_t sum)
{
	return (uint16_t)~checksum_finish(sum);
}

static void test_rfc1071_example_sums_to_ddf2(void **state)
{
	(void)state;
	assert_int_equal(folded_sum(checksum_add(0, rfc1071_example, sizeof(rfc1071_example))),
	                 0xddf2);
	assert_int_equal(checksum(rfc1071_example, sizeof(rfc1071_example)), 0x220d);
}

static void test_finish_folds_carries(void **state)
{
	(void)state;
	/* The RFC's "Sum1" before the carries are added back. */
	assert_int_equal(checksum_finish(0x2ddf0), 0x220d);
	assert_int_equal(checksum_finish(0xffff), 0x0000);
	assert_int_equal(checksum_finish(0x1fffe), 0x0000);
	assert_int_equal(checksum_finish(0), 0xffff);
}

static void test_empty_data(void **state)
{
	(void)state;
	assert_int_equal(checksum(NULL, 0), 0xffff);
	assert_int_equal(checksum_add(0x1234, NULL, 0), 0x1234);
}

static void test_odd_length_pads_last_byte(void **state)
{
	static const uint8_t one[] = {0x01};
	static const uint8_t three[] = {0x00, 0x01, 0xf2};
	static const uint8_t three_padded[] = {0x00, 0x01, 0xf2, 0x00};

	(void)state;
	/* A single byte is the high half of a word: 0x0100. */
	assert_int_equal(checksum(one, sizeof(one)), 0xfeff);
	assert_int_equal(checksum(three, sizeof(three)), 0x0dfe);
	assert_int_equal(checksum(three, sizeof(three)),
	                 checksum(three_padded, sizeof(three_padded)));
	/* The 7 first bytes of the RFC example: 0x0001 + 0xf203 + 0xf4f5 + 0xf600. */
	assert_int_equal(folded_sum(checksum_add(0, rfc1071_example, 7)), 0xdcfb);
}

static void test_pieces_add_up_to_whole(void **state)
{
	uint32_t sum;

	(void)state;
	/* Even first piece, odd last piece: the same as one call. */
	sum = checksum_add(0, linux_udp_datagram, 8);
	sum = checksum_add(sum, linux_udp_datagram + 8, 11);
	assert_int_equal(checksum_finish(sum), checksum(linux_udp_datagram, 19));
}

static void test_long_data_does_not_overflow(void **state)
{
	/* 100000 words of 0xffff: a plain 32-bit accumulator would wrap. The
	 * one's-complement sum of any number of 0xffff is 0xffff. */
	static uint8_t ones[200000];
	static uint8_t words[200000];
	size_t i;

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	assert_int_equal(checksum(ones, sizeof(ones)), 0x0000);
	for (i = 0; i < sizeof(words); i += 2) {
		words[i] = 0x80;
		words[i + 1] = 0x00;
	}
	/* 100000 * 0x8000 = 0xc3500000 -> 0x0000 + 0xc350 = 0xc350. */
	assert_int_equal(folded_sum(checksum_add(0, words, sizeof(words))), 0xc350);
}

static void test_running_sum_with_big_start_value(void **state)
{
	static const uint8_t word[] = {0x00, 0x01};

	(void)state;
	/* A start value with carries is folded first: 0xffffffff is 0xffff +
	 * 0xffff = 0x1fffe -> 0xffff; plus 1 -> 0x10000 -> 0x0001. */
	assert_int_equal(folded_sum(checksum_add(0xffffffffu, word, sizeof(word))), 0x0001);
}

static void test_linux_ip_header_verifies_to_zero(void **state)
{
	uint8_t header[sizeof(linux_ping_ip_header)];

	(void)state;
	assert_int_equal(checksum(linux_ping_ip_header, sizeof(linux_ping_ip_header)), 0);
	/* With the field zeroed, the checksum is what Linux sent. */
	memcpy(header, linux_ping_ip_header, sizeof(header));
	header[10] = 0;
	header[11] = 0;
	assert_int_equal(checksum(header, sizeof(header)), 0xf200);
	/* A single flipped bit no longer verifies. */
	header[10] = 0xf2;
	header[15] ^= 0x01;
	assert_int_not_equal(checksum(header, sizeof(header)), 0);
}

static void test_wikipedia_ip_header_verifies_to_zero(void **state)
{
	/* The header used as the example in Wikipedia's "Internet checksum". */
	static const uint8_t header[] = {
	    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};

	(void)state;
	assert_int_equal(checksum(header, sizeof(header)), 0);
}

static void test_pseudo_header_sum(void **state)
{
	(void)state;
	/* 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 0x0011 + 0x0014 = 0x1428. */
	assert_int_equal(folded_sum(checksum_pseudo_header(0x0a000001, 0x0a000002, 17, 20)),
	                 0x1428);
	/* 0xffff + 0xffff + 0xc0a8 + 0x0001 + 0x0006 + 0xffff, with carries. */
	assert_int_equal(folded_sum(checksum_pseudo_header(0xffffffffu, 0xc0a80001, 6, 0xffff)),
	                 0xc0af);
}

static void test_linux_udp_datagram_verifies_with_pseudo_header(void **state)
{
	uint32_t sum;

	(void)state;
	sum = checksum_pseudo_header(0x0a000001, 0x0a000002, 17, sizeof(linux_udp_datagram));
	sum = checksum_add(sum, linux_udp_datagram, sizeof(linux_udp_datagram));
	assert_int_equal(checksum_finish(sum), 0);
	/* The wrong destination address does not verify. */
	sum = checksum_pseudo_header(0x0a000001, 0x0a000003, 17, sizeof(linux_udp_datagram));
	sum = checksum_add(sum, linux_udp_datagram, sizeof(linux_udp_datagram));
	assert_int_not_equal(checksum_finish(sum), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc1071_example_sums_to_ddf2),
	    cmocka_unit_test(test_finish_folds_carries),
	    cmocka_unit_test(test_empty_data),
	    cmocka_unit_test(test_odd_length_pads_last_byte),
	    cmocka_unit_test(test_pieces_add_up_to_whole),
	    cmocka_unit_test(test_long_data_does_not_overflow),
	    cmocka_unit_test(test_running_sum_with_big_start_value),
	    cmocka_unit_test(test_linux_ip_header_verifies_to_zero),
	    cmocka_unit_test(test_wikipedia_ip_header_verifies_to_zero),
	    cmocka_unit_test(test_pseudo_header_sum),
	    cmocka_unit_test(test_linux_udp_datagram_verifies_with_pseudo_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

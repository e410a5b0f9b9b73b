/*
 * test_wire_eth.c — the Ethernet II header: a frame captured from Linux,
 * every truncated length, and emit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/eth.h"

/* An ARP request broadcast by Linux 6.18 (10.0.0.1, aa:a8:be:4f:6f:ef, asking
 * for 10.0.0.2) on a TAP device: 14 bytes Ethernet header, 28 bytes ARP. */
static const uint8_t linux_arp_frame[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xa8, 0xbe, 0x4f, 0x6f, 0xef, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0xaa, 0xa8, 0xbe, 0x4f, 0x6f, 0xef,
    0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02,
};

static const struct tapir_mac linux_mac = {{0xaa, 0xa8, 0xbe, 0x4f, 0x6f, 0xef}};
static const struct tapir_mac tapir_mac = {{0x02, 0x54, 0x41, 0x50, 0x00, 0x02}};

static void test_broadcast_is_all_ones(void **state)
{
	static const uint8_t all_ones[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	(void)state;
	assert_memory_equal(ETH_BROADCAST.b, all_ones, 6);
}

static void test_parse_linux_arp_frame(void **state)
{
	struct eth_header hdr;
	const uint8_t *payload = NULL;
	size_t payload_len = 0;

	(void)state;
	assert_int_equal(
	    eth_parse(linux_arp_frame, sizeof(linux_arp_frame), &hdr, &payload, &payload_len),
	    TAPIR_DROP_NONE);
	assert_memory_equal(hdr.dst.b, ETH_BROADCAST.b, 6);
	assert_memory_equal(hdr.src.b, linux_mac.b, 6);
	assert_int_equal(hdr.type, ETH_TYPE_ARP);
	assert_ptr_equal(payload, linux_arp_frame + ETH_HEADER_LEN);
	assert_int_equal(payload_len, 28);
}

static void test_parse_header_only(void **state)
{
	struct eth_header hdr;
	const uint8_t *payload = NULL;
	size_t payload_len = 99;

	(void)state;
	assert_int_equal(eth_parse(linux_arp_frame, ETH_HEADER_LEN, &hdr, &payload, &payload_len),
	                 TAPIR_DROP_NONE);
	assert_int_equal(payload_len, 0);
	assert_ptr_equal(payload, linux_arp_frame + ETH_HEADER_LEN);
}

static void test_parse_truncated_at_every_length(void **state)
{
	struct eth_header hdr;
	const uint8_t *payload;
	size_t payload_len;
	size_t len;

	(void)state;
	for (len = 0; len < ETH_HEADER_LEN; len++)
		assert_int_equal(eth_parse(linux_arp_frame, len, &hdr, &payload, &payload_len),
		                 TAPIR_DROP_ETH_TRUNCATED);
	assert_int_equal(eth_parse(NULL, 0, &hdr, &payload, &payload_len),
	                 TAPIR_DROP_ETH_TRUNCATED);
}

static void test_emit_reproduces_linux_header(void **state)
{
	struct eth_header hdr = {.dst = ETH_BROADCAST, .src = linux_mac, .type = ETH_TYPE_ARP};
	uint8_t out[ETH_HEADER_LEN];

	(void)state;
	assert_int_equal(eth_emit(&hdr, out, sizeof(out)), ETH_HEADER_LEN);
	assert_memory_equal(out, linux_arp_frame, ETH_HEADER_LEN);
}

static void test_emit_parse_round_trip(void **state)
{
	struct eth_header in = {.dst = linux_mac, .src = tapir_mac, .type = ETH_TYPE_IPV4};
	struct eth_header out_hdr;
	uint8_t frame[ETH_HEADER_LEN + 4] = {0};
	const uint8_t *payload;
	size_t payload_len;

	(void)state;
	assert_int_equal(eth_emit(&in, frame, sizeof(frame)), ETH_HEADER_LEN);
	assert_int_equal(frame[12], 0x08);
	assert_int_equal(frame[13], 0x00);
	assert_int_equal(eth_parse(frame, sizeof(frame), &out_hdr, &payload, &payload_len),
	                 TAPIR_DROP_NONE);
	assert_memory_equal(out_hdr.dst.b, in.dst.b, 6);
	assert_memory_equal(out_hdr.src.b, in.src.b, 6);
	assert_int_equal(out_hdr.type, ETH_TYPE_IPV4);
	assert_int_equal(payload_len, 4);
}

static void test_emit_type_is_big_endian(void **state)
{
	struct eth_header hdr = {.dst = linux_mac, .src = tapir_mac, .type = 0x86dd};
	uint8_t out[ETH_HEADER_LEN];

	(void)state;
	assert_int_equal(eth_emit(&hdr, out, sizeof(out)), ETH_HEADER_LEN);
	assert_int_equal(out[12], 0x86);
	assert_int_equal(out[13], 0xdd);
}

static void test_emit_buffer_too_small(void **state)
{
	struct eth_header hdr = {.dst = ETH_BROADCAST, .src = linux_mac, .type = ETH_TYPE_ARP};
	uint8_t out[ETH_HEADER_LEN];
	uint8_t untouched[ETH_HEADER_LEN];
	size_t cap;

	(void)state;
	memset(out, 0x5a, sizeof(out));
	memset(untouched, 0x5a, sizeof(untouched));
	for (cap = 0; cap < ETH_HEADER_LEN; cap++)
		assert_int_equal(eth_emit(&hdr, out, cap), 0);
	assert_memory_equal(out, untouched, sizeof(out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_broadcast_is_all_ones),
	    cmocka_unit_test(test_parse_linux_arp_frame),
	    cmocka_unit_test(test_parse_header_only),
	    cmocka_unit_test(test_parse_truncated_at_every_length),
	    cmocka_unit_test(test_emit_reproduces_linux_header),
	    cmocka_unit_test(test_emit_parse_round_trip),
	    cmocka_unit_test(test_emit_type_is_big_endian),
	    cmocka_unit_test(test_emit_buffer_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

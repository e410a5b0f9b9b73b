/*
 * test_wire_arp.c — the RFC 826 packet for Ethernet/IPv4: a request
 * captured from Linux, every malformed class with its named reason, emit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/arp.h"

/* The ARP part of a request broadcast by Linux 6.18 on a TAP device:
 * who has 10.0.0.2? tell 10.0.0.1 (aa:a8:be:4f:6f:ef). */
static const uint8_t linux_arp_request[ARP_PACKET_LEN] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0xaa, 0xa8, 0xbe, 0x4f, 0x6f, 0xef,
    0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02,
};

static const struct tapir_mac linux_mac = {{0xaa, 0xa8, 0xbe, 0x4f, 0x6f, 0xef}};
static const struct tapir_mac tapir_mac = {{0x02, 0x54, 0x41, 0x50, 0x00, 0x02}};
static const struct tapir_mac zero_mac = {{0, 0, 0, 0, 0, 0}};

/* The Linux request with one byte changed. */
static enum tapir_drop parse_with_byte(size_t offset, uint8_t value)
{
	uint8_t packet[ARP_PACKET_LEN];
	struct arp_packet pkt;

	memcpy(packet, linux_arp_request, sizeof(packet));
	packet[offset] = value;
	return arp_parse(packet, sizeof(packet), &pkt);
}

static void test_parse_linux_request(void **state)
{
	struct arp_packet pkt;

	(void)state;
	assert_int_equal(arp_parse(linux_arp_request, sizeof(linux_arp_request), &pkt),
	                 TAPIR_DROP_NONE);
	assert_int_equal(pkt.opcode, ARP_OP_REQUEST);
	assert_memory_equal(pkt.sender_mac.b, linux_mac.b, 6);
	assert_int_equal(pkt.sender_ip, TAPIR_IP(10, 0, 0, 1));
	assert_memory_equal(pkt.target_mac.b, zero_mac.b, 6);
	assert_int_equal(pkt.target_ip, TAPIR_IP(10, 0, 0, 2));
}

static void test_parse_ignores_ethernet_padding(void **state)
{
	/* 46 bytes: what is left of a 60-byte minimum frame after the header. */
	uint8_t padded[46];
	struct arp_packet pkt;

	(void)state;
	memset(padded, 0xee, sizeof(padded));
	memcpy(padded, linux_arp_request, ARP_PACKET_LEN);
	assert_int_equal(arp_parse(padded, sizeof(padded), &pkt), TAPIR_DROP_NONE);
	assert_int_equal(pkt.target_ip, TAPIR_IP(10, 0, 0, 2));
}

static void test_parse_truncated_at_every_length(void **state)
{
	struct arp_packet pkt;
	size_t len;

	(void)state;
	for (len = 0; len < ARP_PACKET_LEN; len++)
		assert_int_equal(arp_parse(linux_arp_request, len, &pkt), TAPIR_DROP_ARP_TRUNCATED);
	assert_int_equal(arp_parse(NULL, 0, &pkt), TAPIR_DROP_ARP_TRUNCATED);
}

static void test_parse_bad_hardware(void **state)
{
	(void)state;
	/* Hardware type 6 (IEEE 802) instead of 1 (Ethernet), either byte. */
	assert_int_equal(parse_with_byte(1, 0x06), TAPIR_DROP_ARP_BAD_HARDWARE);
	assert_int_equal(parse_with_byte(0, 0x01), TAPIR_DROP_ARP_BAD_HARDWARE);
	assert_int_equal(parse_with_byte(1, 0x00), TAPIR_DROP_ARP_BAD_HARDWARE);
	/* Hardware address length 8 (or 0) instead of 6. */
	assert_int_equal(parse_with_byte(4, 8), TAPIR_DROP_ARP_BAD_HARDWARE);
	assert_int_equal(parse_with_byte(4, 0), TAPIR_DROP_ARP_BAD_HARDWARE);
}

static void test_parse_bad_protocol(void **state)
{
	(void)state;
	/* Protocol type 0x86dd (IPv6) or 0x0806 instead of 0x0800. */
	assert_int_equal(parse_with_byte(2, 0x86), TAPIR_DROP_ARP_BAD_PROTOCOL);
	assert_int_equal(parse_with_byte(3, 0x06), TAPIR_DROP_ARP_BAD_PROTOCOL);
	/* Protocol address length 16 (or 0) instead of 4. */
	assert_int_equal(parse_with_byte(5, 16), TAPIR_DROP_ARP_BAD_PROTOCOL);
	assert_int_equal(parse_with_byte(5, 0), TAPIR_DROP_ARP_BAD_PROTOCOL);
}

static void test_parse_bad_opcode(void **state)
{
	(void)state;
	assert_int_equal(parse_with_byte(7, 0), TAPIR_DROP_ARP_BAD_OPCODE);
	/* RARP request and reply (RFC 903) are not ARP. */
	assert_int_equal(parse_with_byte(7, 3), TAPIR_DROP_ARP_BAD_OPCODE);
	assert_int_equal(parse_with_byte(7, 4), TAPIR_DROP_ARP_BAD_OPCODE);
	/* 0x0101: the high byte counts too. */
	assert_int_equal(parse_with_byte(6, 1), TAPIR_DROP_ARP_BAD_OPCODE);
	/* A reply is fine. */
	assert_int_equal(parse_with_byte(7, 2), TAPIR_DROP_NONE);
}

static void test_checks_hardware_before_protocol_before_opcode(void **state)
{
	uint8_t packet[ARP_PACKET_LEN];
	struct arp_packet pkt;

	(void)state;
	memset(packet, 0xff, sizeof(packet));
	assert_int_equal(arp_parse(packet, sizeof(packet), &pkt), TAPIR_DROP_ARP_BAD_HARDWARE);
	memcpy(packet, linux_arp_request, 2);
	packet[4] = 6;
	assert_int_equal(arp_parse(packet, sizeof(packet), &pkt), TAPIR_DROP_ARP_BAD_PROTOCOL);
	memcpy(packet, linux_arp_request, 6);
	assert_int_equal(arp_parse(packet, sizeof(packet), &pkt), TAPIR_DROP_ARP_BAD_OPCODE);
}

static void test_emit_reproduces_linux_request(void **state)
{
	struct arp_packet pkt = {
	    .opcode = ARP_OP_REQUEST,
	    .sender_mac = linux_mac,
	    .sender_ip = TAPIR_IP(10, 0, 0, 1),
	    .target_mac = zero_mac,
	    .target_ip = TAPIR_IP(10, 0, 0, 2),
	};
	uint8_t out[ARP_PACKET_LEN];

	(void)state;
	assert_int_equal(arp_emit(&pkt, out, sizeof(out)), ARP_PACKET_LEN);
	assert_memory_equal(out, linux_arp_request, ARP_PACKET_LEN);
}

static void test_emit_reply_bytes_and_round_trip(void **state)
{
	static const uint8_t expected[ARP_PACKET_LEN] = {
	    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0x54, 0x41, 0x50, 0x00, 0x02,
	    0x0a, 0x00, 0x00, 0x02, 0xaa, 0xa8, 0xbe, 0x4f, 0x6f, 0xef, 0x0a, 0x00, 0x00, 0x01,
	};
	struct arp_packet reply = {
	    .opcode = ARP_OP_REPLY,
	    .sender_mac = tapir_mac,
	    .sender_ip = TAPIR_IP(10, 0, 0, 2),
	    .target_mac = linux_mac,
	    .target_ip = TAPIR_IP(10, 0, 0, 1),
	};
	struct arp_packet back;
	uint8_t out[64];

	(void)state;
	assert_int_equal(arp_emit(&reply, out, sizeof(out)), ARP_PACKET_LEN);
	assert_memory_equal(out, expected, ARP_PACKET_LEN);
	assert_int_equal(arp_parse(out, ARP_PACKET_LEN, &back), TAPIR_DROP_NONE);
	assert_int_equal(back.opcode, ARP_OP_REPLY);
	assert_memory_equal(back.sender_mac.b, tapir_mac.b, 6);
	assert_int_equal(back.sender_ip, reply.sender_ip);
	assert_memory_equal(back.target_mac.b, linux_mac.b, 6);
	assert_int_equal(back.target_ip, reply.target_ip);
}

static void test_emit_buffer_too_small(void **state)
{
	struct arp_packet pkt = {.opcode = ARP_OP_REQUEST, .sender_mac = tapir_mac};
	uint8_t out[ARP_PACKET_LEN];
	uint8_t untouched[ARP_PACKET_LEN];
	size_t cap;

	(void)state;
	memset(out, 0x5a, sizeof(out));
	memset(untouched, 0x5a, sizeof(untouched));
	for (cap = 0; cap < ARP_PACKET_LEN; cap++)
		assert_int_equal(arp_emit(&pkt, out, cap), 0);
	assert_memory_equal(out, untouched, sizeof(out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_linux_request),
	    cmocka_unit_test(test_parse_ignores_ethernet_padding),
	    cmocka_unit_test(test_parse_truncated_at_every_length),
	    cmocka_unit_test(test_parse_bad_hardware),
	    cmocka_unit_test(test_parse_bad_protocol),
	    cmocka_unit_test(test_parse_bad_opcode),
	    cmocka_unit_test(test_checks_hardware_before_protocol_before_opcode),
	    cmocka_unit_test(test_emit_reproduces_linux_request),
	    cmocka_unit_test(test_emit_reply_bytes_and_round_trip),
	    cmocka_unit_test(test_emit_buffer_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

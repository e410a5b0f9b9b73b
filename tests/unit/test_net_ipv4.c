/*
 * test_net_ipv4.c — the IPv4 layer of the stack (stack/net/ipv4.c): input
 * validation with a named reason for every refusal, Ethernet padding,
 * protocols we do not speak, reassembly of fragments (RFC 791 3.2, RFC 1122
 * 3.3.2) and fragmentation of what we send, routing to the gateway.
 *
 * The test plays 10.0.0.1 on the harness' sim link and builds every packet
 * byte by byte with the wire/ codecs, so that each field can be broken.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/harness.h"
#include "tapir/icmp.h"
#include "tapir/options.h"
#include "tapir/udp.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define PORT 7000

static int setup(void **state)
{
	struct harness *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	assert_int_equal(harness_setup(h), 0);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct harness *h = *state;

	harness_teardown(h);
	free(h);
	return 0;
}

/* ---- building packets -------------------------------------------------------- */

static void write_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void write_be32(uint8_t *p, uint32_t v)
{
	write_be16(p, (uint16_t)(v >> 16));
	write_be16(p + 2, (uint16_t)v);
}

/* Recompute the header checksum after a field was changed by hand. */
static void fix_ip_checksum(uint8_t *packet)
{
	size_t ihl = (size_t)(packet[0] & 0x0f) * 4;

	write_be16(&packet[10], 0);
	write_be16(&packet[10], checksum(packet, ihl));
}

/* The header of a datagram from the peer to the stack. */
static struct ipv4_header peer_header(uint8_t protocol, uint16_t id)
{
	struct ipv4_header ip = {
	    .id = id,
	    .ttl = 64,
	    .protocol = protocol,
	    .src = HARNESS_PEER_IP,
	    .dst = HARNESS_STACK_IP,
	    .header_len = IPV4_HEADER_LEN,
	};

	return ip;
}

/* A 20-byte header from `hdr` and `len` bytes of payload; returns the length. */
static size_t build_ip(const struct ipv4_header *hdr, const uint8_t *payload, size_t len,
                       uint8_t *out)
{
	struct ipv4_header ip = *hdr;

	ip.total_len = (uint16_t)(IPV4_HEADER_LEN + len);
	ipv4_emit(&ip, out, IPV4_HEADER_LEN);
	memcpy(out + IPV4_HEADER_LEN, payload, len);
	return IPV4_HEADER_LEN + len;
}

/* Wrap raw IP bytes in Ethernet from the peer; pad the frame to `frame_len`
 * (when longer) with 0xaa bytes, which must never be mistaken for data. */
static void send_ip_bytes(struct harness *h, const uint8_t *packet, size_t len, size_t frame_len)
{
	uint8_t *frame;
	struct eth_header eth = {
	    .dst = HARNESS_STACK_MAC, .src = HARNESS_PEER_MAC, .type = ETH_TYPE_IPV4};
	size_t total = ETH_HEADER_LEN + len;

	if (frame_len < total)
		frame_len = total;
	frame = malloc(frame_len);
	assert_non_null(frame);
	memset(frame, 0xaa, frame_len);
	eth_emit(&eth, frame, ETH_HEADER_LEN);
	memcpy(frame + ETH_HEADER_LEN, packet, len);
	harness_send_frame(h, frame, frame_len);
	free(frame);
}

static void send_datagram(struct harness *h, const struct ipv4_header *hdr, const uint8_t *payload,
                          size_t len)
{
	uint8_t *packet = malloc(IPV4_HEADER_LEN + len);

	assert_non_null(packet);
	send_ip_bytes(h, packet, build_ip(hdr, payload, len, packet), 0);
	free(packet);
}

static size_t build_echo_request(uint16_t id, uint16_t seq, const uint8_t *data, size_t len,
                                 uint8_t *out, size_t cap)
{
	struct icmp_message msg = {
	    .type = ICMP_ECHO_REQUEST, .id = id, .seq = seq, .data = data, .data_len = len};
	size_t n = icmp_emit(&msg, out, cap);

	assert_true(n > 0);
	return n;
}

/* A UDP datagram from the peer's port 1234 to `port` with a test pattern. */
static size_t build_udp(uint16_t port, size_t data_len, uint8_t *out, size_t cap)
{
	uint8_t *data = malloc(data_len ? data_len : 1);
	struct udp_datagram dgram = {
	    .src_port = 1234, .dst_port = port, .payload = data, .payload_len = data_len};
	size_t n;

	assert_non_null(data);
	for (size_t i = 0; i < data_len; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	n = udp_emit(&dgram, HARNESS_PEER_IP, HARNESS_STACK_IP, out, cap);
	free(data);
	assert_true(n > 0);
	return n;
}

static void expect_pattern(const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (data[i] != (uint8_t)(i * 7 + 3))
			fail_msg("byte %zu is %u, expected %u", i, data[i], (uint8_t)(i * 7 + 3));
}

/* One piece of a datagram's payload, as a fragment. */
struct piece {
	size_t offset, len;
};

static void send_fragment(struct harness *h, uint16_t id, uint8_t protocol, const uint8_t *payload,
                          size_t total, struct piece p)
{
	struct ipv4_header ip = peer_header(protocol, id);

	ip.frag_offset = (uint16_t)p.offset;
	ip.more_fragments = p.offset + p.len < total;
	send_datagram(h, &ip, payload + p.offset, p.len);
}

static void send_pieces(struct harness *h, uint16_t id, uint8_t protocol, const uint8_t *payload,
                        size_t total, const struct piece *pieces, size_t n)
{
	for (size_t i = 0; i < n; i++)
		send_fragment(h, id, protocol, payload, total, pieces[i]);
}

static struct tapir_udp *open_bound(struct harness *h, uint16_t port)
{
	struct tapir_udp *u;

	assert_int_equal(tapir_udp_open(h->stack, &u), 0);
	assert_int_equal(tapir_udp_bind(u, port), 0);
	return u;
}

/* The next datagram on the socket must be the test pattern of `len` bytes. */
static void expect_udp_pattern(struct tapir_udp *u, size_t len)
{
	uint8_t *buf = malloc(UDP_MAX_PAYLOAD);
	struct tapir_udp_endpoint from;

	assert_non_null(buf);
	assert_int_equal(tapir_udp_recvfrom(u, buf, UDP_MAX_PAYLOAD, &from), (int)len);
	assert_int_equal(from.ip, HARNESS_PEER_IP);
	assert_int_equal(from.port, 1234);
	expect_pattern(buf, len);
	free(buf);
}

/* The next packet must be ICMP from the stack; returns its header and message. */
static void expect_icmp(struct harness *h, uint8_t *buf, size_t cap, struct ipv4_header *ip,
                        struct icmp_message *msg)
{
	assert_true(harness_recv_ip(h, ip, buf, cap));
	assert_int_equal(ip->src, HARNESS_STACK_IP);
	assert_int_equal(ip->dst, HARNESS_PEER_IP);
	assert_int_equal(ip->protocol, IPV4_PROTO_ICMP);
	assert_int_equal(icmp_parse(ip->payload, ip->payload_len, msg), TAPIR_DROP_NONE);
}

static uint64_t total_drops(const struct harness *h)
{
	uint64_t n = 0;

	for (int r = 1; r < TAPIR_DROP__COUNT; r++)
		n += harness_drops(h, (enum tapir_drop)r);
	return n;
}

/* ---- validation ------------------------------------------------------------- */

static const uint8_t echo_data[20] = "abcdefghijklmnopqrst";

/* A 48-byte echo request from the peer, valid until a case breaks it. */
static size_t build_valid_echo(uint8_t *packet, size_t cap)
{
	uint8_t icmp[64];
	size_t n = build_echo_request(0x77, 1, echo_data, sizeof(echo_data), icmp, sizeof(icmp));
	struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, 0x1111);

	assert_true(cap >= IPV4_HEADER_LEN + n);
	return build_ip(&ip, icmp, n, packet);
}

static size_t cut_to_19(uint8_t *p, size_t len)
{
	(void)p;
	(void)len;
	return 19;
}

static size_t ihl_past_end(uint8_t *p, size_t len)
{
	p[0] = 0x4f; /* 60-byte header in a 48-byte packet */
	return len;
}

static size_t version_6(uint8_t *p, size_t len)
{
	p[0] = 0x65;
	fix_ip_checksum(p);
	return len;
}

static size_t ihl_4(uint8_t *p, size_t len)
{
	p[0] = 0x44;
	return len;
}

static size_t total_beyond_received(uint8_t *p, size_t len)
{
	write_be16(&p[2], 1500);
	fix_ip_checksum(p);
	return len;
}

static size_t total_below_header(uint8_t *p, size_t len)
{
	write_be16(&p[2], 19);
	fix_ip_checksum(p);
	return len;
}

static size_t bad_checksum(uint8_t *p, size_t len)
{
	p[11] ^= 0x01;
	return len;
}

static size_t ttl_zero(uint8_t *p, size_t len)
{
	p[8] = 0;
	fix_ip_checksum(p);
	return len;
}

static size_t set_addr(uint8_t *p, size_t len, size_t at, tapir_ip ip)
{
	write_be32(&p[at], ip);
	fix_ip_checksum(p);
	return len;
}

static size_t to_other_host(uint8_t *p, size_t len)
{
	return set_addr(p, len, 16, TAPIR_IP(10, 0, 0, 3));
}

static size_t to_multicast(uint8_t *p, size_t len)
{
	return set_addr(p, len, 16, TAPIR_IP(224, 0, 0, 1));
}

static size_t from_broadcast(uint8_t *p, size_t len)
{
	return set_addr(p, len, 12, TAPIR_IP_BROADCAST);
}

static size_t from_subnet_broadcast(uint8_t *p, size_t len)
{
	return set_addr(p, len, 12, TAPIR_IP(10, 0, 0, 255));
}

static size_t from_multicast(uint8_t *p, size_t len)
{
	return set_addr(p, len, 12, TAPIR_IP(224, 0, 0, 5));
}

static size_t from_ourselves(uint8_t *p, size_t len)
{
	return set_addr(p, len, 12, HARNESS_STACK_IP);
}

static size_t from_loopback(uint8_t *p, size_t len)
{
	return set_addr(p, len, 12, TAPIR_IP(127, 0, 0, 1));
}

struct malformed_case {
	const char *what;
	size_t (*mutate)(uint8_t *packet, size_t len);
	enum tapir_drop reason;
};

static void test_control_valid_echo_request_is_answered(void **state)
{
	struct harness *h = *state;
	uint8_t packet[128], buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip;
	struct icmp_message msg;

	send_ip_bytes(h, packet, build_valid_echo(packet, sizeof(packet)), 0);
	expect_icmp(h, buf, sizeof(buf), &ip, &msg);
	assert_int_equal(msg.type, ICMP_ECHO_REPLY);
	assert_int_equal(total_drops(h), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_RX), 1);
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_DELIVERED), 1);
}

static void test_malformed_packets_are_dropped_with_their_reason(void **state)
{
	struct harness *h = *state;
	static const struct malformed_case cases[] = {
	    {"19 bytes", cut_to_19, TAPIR_DROP_IP_TRUNCATED},
	    {"IHL past the end", ihl_past_end, TAPIR_DROP_IP_TRUNCATED},
	    {"version 6", version_6, TAPIR_DROP_IP_BAD_VERSION},
	    {"IHL 4", ihl_4, TAPIR_DROP_IP_BAD_IHL},
	    {"total length beyond the bytes", total_beyond_received, TAPIR_DROP_IP_BAD_LENGTH},
	    {"total length below the header", total_below_header, TAPIR_DROP_IP_BAD_LENGTH},
	    {"bad header checksum", bad_checksum, TAPIR_DROP_IP_BAD_CHECKSUM},
	    {"TTL 0", ttl_zero, TAPIR_DROP_IP_TTL_ZERO},
	    {"to 10.0.0.3", to_other_host, TAPIR_DROP_IP_NOT_FOR_US},
	    {"to 224.0.0.1", to_multicast, TAPIR_DROP_IP_NOT_FOR_US},
	    {"from 255.255.255.255", from_broadcast, TAPIR_DROP_IP_BAD_SOURCE},
	    {"from 10.0.0.255", from_subnet_broadcast, TAPIR_DROP_IP_BAD_SOURCE},
	    {"from 224.0.0.5", from_multicast, TAPIR_DROP_IP_BAD_SOURCE},
	    {"from our own address", from_ourselves, TAPIR_DROP_IP_BAD_SOURCE},
	    {"from 127.0.0.1 (RFC 1122 3.2.1.3 g)", from_loopback, TAPIR_DROP_IP_BAD_SOURCE},
	};
	uint64_t seen[TAPIR_DROP__COUNT] = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct malformed_case *c = &cases[i];
		uint8_t packet[128];
		size_t len = build_valid_echo(packet, sizeof(packet));
		char needle[64];

		print_message("case: %s\n", c->what);
		len = c->mutate(packet, len);
		send_ip_bytes(h, packet, len, 0);

		seen[c->reason]++;
		assert_int_equal(harness_drops(h, c->reason), seen[c->reason]);
		assert_int_equal(total_drops(h), i + 1);
		assert_int_equal(harness_pending(h), 0);
		snprintf(needle, sizeof(needle), "ip drop %s", tapir_drop_name(c->reason));
		assert_true(harness_find_event(h, 0, needle) >= 0);
	}
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_RX), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_DELIVERED), 0);
}

static void test_short_echo_claiming_1500_bytes_is_not_answered(void **state)
{
	struct harness *h = *state;
	uint8_t icmp[ICMP_HEADER_LEN], packet[IPV4_HEADER_LEN + ICMP_HEADER_LEN];
	struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, 0x2222);

	/* 28 bytes of IP in a 60-byte frame; the header claims 1,500. Trusting
	 * it would read (and echo back) 1,472 bytes that never arrived. */
	build_echo_request(1, 1, NULL, 0, icmp, sizeof(icmp));
	build_ip(&ip, icmp, sizeof(icmp), packet);
	write_be16(&packet[2], 1500);
	fix_ip_checksum(packet);
	send_ip_bytes(h, packet, sizeof(packet), ETH_MIN_FRAME);

	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_BAD_LENGTH), 1);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_ECHO_REQUESTS_RX), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_TX), 0);
}

static void test_header_options_are_skipped(void **state)
{
	struct harness *h = *state;
	uint8_t icmp[64], packet[128], buf[TAPIR_FRAME_MAX];
	size_t n = build_echo_request(9, 9, echo_data, sizeof(echo_data), icmp, sizeof(icmp));
	size_t len = IPV4_HEADER_LEN + 4 + n;
	struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, 0x3333), reply;
	struct icmp_message msg;

	/* IHL 6: four bytes of options (NOP, NOP, NOP, EOL) before the payload. */
	ip.total_len = (uint16_t)len;
	ipv4_emit(&ip, packet, IPV4_HEADER_LEN);
	packet[0] = 0x46;
	memcpy(packet + IPV4_HEADER_LEN, "\x01\x01\x01\x00", 4);
	memcpy(packet + IPV4_HEADER_LEN + 4, icmp, n);
	fix_ip_checksum(packet);
	send_ip_bytes(h, packet, len, 0);

	expect_icmp(h, buf, sizeof(buf), &reply, &msg);
	assert_int_equal(msg.type, ICMP_ECHO_REPLY);
	assert_int_equal(msg.data_len, sizeof(echo_data));
	assert_memory_equal(msg.data, echo_data, sizeof(echo_data));
}

/* ---- Ethernet padding --------------------------------------------------------- */

static void test_ethernet_padding_is_trimmed_from_a_short_udp_datagram(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t udp[16], packet[64], buf[64];
	struct ipv4_header ip = peer_header(IPV4_PROTO_UDP, 0x4444);
	struct tapir_udp_endpoint from;
	size_t n = build_udp(PORT, 2, udp, sizeof(udp));

	/* 14 + 20 + 10 = 44 bytes, padded to 60 with 0xaa. */
	send_ip_bytes(h, packet, build_ip(&ip, udp, n, packet), ETH_MIN_FRAME);

	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), &from), 2);
	expect_pattern(buf, 2);
	assert_int_equal(total_drops(h), 0);
	tapir_udp_close(u);
}

static void test_ethernet_padding_is_not_echoed_back(void **state)
{
	struct harness *h = *state;
	uint8_t icmp[16], packet[64], buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, 0x4545), reply;
	struct icmp_message msg;
	size_t n = build_echo_request(5, 6, (const uint8_t *)"ping", 4, icmp, sizeof(icmp));

	/* The ICMP checksum covers the message only: padding counted as data
	 * would fail it, or worse, be sent back. */
	send_ip_bytes(h, packet, build_ip(&ip, icmp, n, packet), ETH_MIN_FRAME);

	expect_icmp(h, buf, sizeof(buf), &reply, &msg);
	assert_int_equal(msg.type, ICMP_ECHO_REPLY);
	assert_int_equal(reply.total_len, IPV4_HEADER_LEN + ICMP_HEADER_LEN + 4);
	assert_int_equal(msg.data_len, 4);
	assert_memory_equal(msg.data, "ping", 4);
}

/* ---- protocols we do not speak ---------------------------------------------- */

static void test_unknown_protocol_is_answered_with_protocol_unreachable(void **state)
{
	struct harness *h = *state;
	static const uint8_t payload[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	uint8_t packet[64], buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip = peer_header(99, 0x5555), reply;
	struct icmp_message msg;

	build_ip(&ip, payload, sizeof(payload), packet);
	send_ip_bytes(h, packet, IPV4_HEADER_LEN + sizeof(payload), 0);

	expect_icmp(h, buf, sizeof(buf), &reply, &msg);
	assert_int_equal(msg.type, ICMP_DEST_UNREACHABLE);
	assert_int_equal(msg.code, ICMP_UNREACH_PROTOCOL);
	assert_int_equal(msg.id, 0);
	assert_int_equal(msg.seq, 0);
	/* RFC 792: the offender's internet header and its first 64 data bits. */
	assert_int_equal(msg.data_len, IPV4_HEADER_LEN + 8);
	assert_memory_equal(msg.data, packet, IPV4_HEADER_LEN + 8);
	assert_int_equal(reply.ttl, TAPIR_IP_DEFAULT_TTL);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_UNKNOWN_PROTO), 1);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_UNREACH_TX), 1);
	assert_true(harness_find_event(h, 0, "ip drop unknown-protocol") >= 0);
	assert_int_equal(harness_pending(h), 0);
}

/* ---- reassembly ------------------------------------------------------------- */

#define DGRAM_DATA 3000
#define DGRAM_LEN  (UDP_HEADER_LEN + DGRAM_DATA)

static void check_reassembly(struct harness *h, const struct piece *pieces, size_t n)
{
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t dgram[DGRAM_LEN];
	uint8_t buf[16];

	build_udp(PORT, DGRAM_DATA, dgram, sizeof(dgram));
	send_pieces(h, 0x6000, IPV4_PROTO_UDP, dgram, sizeof(dgram), pieces, n - 1);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), -EAGAIN);
	send_pieces(h, 0x6000, IPV4_PROTO_UDP, dgram, sizeof(dgram), &pieces[n - 1], 1);

	expect_udp_pattern(u, DGRAM_DATA);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_FRAGMENTS_RX), n);
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_REASSEMBLED), 1);
	assert_int_equal(total_drops(h), 0);
	assert_true(harness_find_event(h, 0,
	                               "ip fragment reassembled 10.0.0.1 > 10.0.0.2 "
	                               "id=24576 offset=0 len=3008") >= 0);
	tapir_udp_close(u);
}

static void test_fragments_in_order_are_reassembled(void **state)
{
	static const struct piece pieces[] = {{0, 1480}, {1480, 1480}, {2960, 48}};

	check_reassembly(*state, pieces, 3);
}

static void test_fragments_out_of_order_are_reassembled(void **state)
{
	static const struct piece pieces[] = {{2960, 48}, {1480, 1480}, {0, 1480}};

	check_reassembly(*state, pieces, 3);
}

static void test_fragments_with_duplicates_and_overlaps_are_reassembled(void **state)
{
	static const struct piece pieces[] = {
	    {0, 1480},    {0, 1480},    /* a duplicate */
	    {2960, 48},   {1000, 1000}, /* overlaps both neighbours */
	    {2000, 512},  {2960, 48},   /* last piece twice */
	    {1480, 1480},
	};

	check_reassembly(*state, pieces, sizeof(pieces) / sizeof(pieces[0]));
}

static void test_duplicate_after_completion_is_not_delivered_twice(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	static const struct piece pieces[] = {{0, 1480}, {1480, 1480}, {2960, 48}};
	uint8_t dgram[DGRAM_LEN], buf[16];

	build_udp(PORT, DGRAM_DATA, dgram, sizeof(dgram));
	send_pieces(h, 0x6100, IPV4_PROTO_UDP, dgram, sizeof(dgram), pieces, 3);
	send_fragment(h, 0x6100, IPV4_PROTO_UDP, dgram, sizeof(dgram), pieces[2]);

	expect_udp_pattern(u, DGRAM_DATA);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), -EAGAIN);
	/* The stray piece waits for the rest and times out; fragment zero never
	 * came for it, so no ICMP is sent (RFC 792). */
	harness_advance(h, TAPIR_SECONDS(TAPIR_IP_REASM_TIMEOUT_S));
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_REASM_TIMEOUT), 1);
	assert_int_equal(harness_pending(h), 0);
	tapir_udp_close(u);
}

static void test_interleaved_datagrams_are_kept_apart(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t a[DGRAM_LEN], b[UDP_HEADER_LEN + 2000];
	static const struct piece pa[] = {{0, 1480}, {1480, 1480}, {2960, 48}};
	static const struct piece pb[] = {{0, 1480}, {1480, 528}};

	build_udp(PORT, DGRAM_DATA, a, sizeof(a));
	build_udp(PORT, 2000, b, sizeof(b));
	send_fragment(h, 1, IPV4_PROTO_UDP, a, sizeof(a), pa[0]);
	send_fragment(h, 2, IPV4_PROTO_UDP, b, sizeof(b), pb[1]);
	send_fragment(h, 1, IPV4_PROTO_UDP, a, sizeof(a), pa[2]);
	send_fragment(h, 2, IPV4_PROTO_UDP, b, sizeof(b), pb[0]);
	send_fragment(h, 1, IPV4_PROTO_UDP, a, sizeof(a), pa[1]);

	expect_udp_pattern(u, 2000);
	expect_udp_pattern(u, DGRAM_DATA);
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_REASSEMBLED), 2);
	assert_int_equal(total_drops(h), 0);
	tapir_udp_close(u);
}

static void test_largest_datagram_is_reassembled(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	size_t len = IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN; /* 65,515 bytes of UDP */
	uint8_t *dgram = malloc(len);
	size_t n = 0;

	assert_non_null(dgram);
	build_udp(PORT, len - UDP_HEADER_LEN, dgram, len);
	/* Last piece first, so the buffer's far end is written before the rest. */
	send_fragment(h, 0x7000, IPV4_PROTO_UDP, dgram, len, (struct piece){65120, len - 65120});
	for (size_t off = 0; off < 65120; off += 1480, n++)
		send_fragment(h, 0x7000, IPV4_PROTO_UDP, dgram, len, (struct piece){off, 1480});

	expect_udp_pattern(u, len - UDP_HEADER_LEN);
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_FRAGMENTS_RX), n + 1);
	assert_int_equal(total_drops(h), 0);
	free(dgram);
	tapir_udp_close(u);
}

static void test_fragment_past_64k_or_misshapen_is_refused(void **state)
{
	struct harness *h = *state;
	uint8_t payload[2048] = {0};
	struct ipv4_header ip = peer_header(IPV4_PROTO_UDP, 0x8000);

	/* Offset 65,528 (the largest the field holds) plus 16 bytes. */
	ip.frag_offset = 65528;
	ip.more_fragments = true;
	send_datagram(h, &ip, payload, 16);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_BAD_FRAGMENT), 1);

	/* A last piece ending at 65,520: with its header, past 65,535. */
	ip.frag_offset = 65512;
	ip.more_fragments = false;
	send_datagram(h, &ip, payload, 8);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_BAD_FRAGMENT), 2);

	/* Every fragment but the last carries a multiple of 8 bytes. */
	ip.frag_offset = 0;
	ip.more_fragments = true;
	send_datagram(h, &ip, payload, 100);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_BAD_FRAGMENT), 3);
	send_datagram(h, &ip, payload, 0);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_BAD_FRAGMENT), 4);

	/* The boundary itself is fine: ends at 65,515 + 20 = 65,535. */
	ip.frag_offset = 65504;
	ip.more_fragments = false;
	send_datagram(h, &ip, payload, 11);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_BAD_FRAGMENT), 4);
	assert_true(harness_find_event(h, 0, "ip drop bad-fragment") >= 0);
	assert_int_equal(harness_pending(h), 0);
}

static void test_two_different_last_fragments_abandon_the_datagram(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t dgram[DGRAM_LEN], buf[16];

	build_udp(PORT, DGRAM_DATA, dgram, sizeof(dgram));
	send_fragment(h, 0x8100, IPV4_PROTO_UDP, dgram, sizeof(dgram), (struct piece){2960, 48});
	send_fragment(h, 0x8100, IPV4_PROTO_UDP, dgram, 2968, (struct piece){2960, 8});
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_BAD_FRAGMENT), 1);

	send_fragment(h, 0x8100, IPV4_PROTO_UDP, dgram, sizeof(dgram), (struct piece){0, 1480});
	send_fragment(h, 0x8100, IPV4_PROTO_UDP, dgram, sizeof(dgram), (struct piece){1480, 1480});
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), -EAGAIN);
	tapir_udp_close(u);
}

/* The last fragment says the datagram ends at 1480 + 48 bytes; a fragment
 * that reaches beyond that cannot belong to it, in either order. */
static void test_fragment_past_the_last_fragments_end_abandons_the_datagram(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t dgram[DGRAM_LEN], buf[16];

	build_udp(PORT, DGRAM_DATA, dgram, sizeof(dgram));
	/* The last fragment first, then one running past its end. */
	send_fragment(h, 0x8200, IPV4_PROTO_UDP, dgram, 1528, (struct piece){1480, 48});
	send_fragment(h, 0x8200, IPV4_PROTO_UDP, dgram, sizeof(dgram), (struct piece){1480, 1480});
	send_fragment(h, 0x8200, IPV4_PROTO_UDP, dgram, sizeof(dgram), (struct piece){0, 1480});
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_BAD_FRAGMENT), 1);
	assert_true(harness_find_event(h, 0, "fragment past the end of the datagram") >= 0);
	/* A long fragment first, then a last fragment that ends before it. */
	send_fragment(h, 0x8300, IPV4_PROTO_UDP, dgram, sizeof(dgram), (struct piece){0, 1480});
	send_fragment(h, 0x8300, IPV4_PROTO_UDP, dgram, sizeof(dgram), (struct piece){1480, 1480});
	send_fragment(h, 0x8300, IPV4_PROTO_UDP, dgram, 1528, (struct piece){1480, 48});
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_BAD_FRAGMENT), 2);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_REASSEMBLED), 0);
	tapir_udp_close(u);
}

static void test_all_reassembly_slots_busy_refuses_a_new_datagram(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t dgram[DGRAM_LEN];
	const struct piece first = {0, 1480}, middle = {1480, 1480}, last = {2960, 48};

	build_udp(PORT, DGRAM_DATA, dgram, sizeof(dgram));
	for (uint16_t id = 0; id < TAPIR_IP_REASM_SLOTS; id++)
		send_fragment(h, (uint16_t)(100 + id), IPV4_PROTO_UDP, dgram, sizeof(dgram), first);
	assert_int_equal(total_drops(h), 0);

	send_fragment(h, 999, IPV4_PROTO_UDP, dgram, sizeof(dgram), first);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_REASM_FULL), 1);
	assert_true(harness_find_event(h, 0, "ip drop reassembly-full") >= 0);

	/* Datagrams already started still complete, and free their slot. */
	send_fragment(h, 100, IPV4_PROTO_UDP, dgram, sizeof(dgram), middle);
	send_fragment(h, 100, IPV4_PROTO_UDP, dgram, sizeof(dgram), last);
	expect_udp_pattern(u, DGRAM_DATA);
	send_fragment(h, 999, IPV4_PROTO_UDP, dgram, sizeof(dgram), first);
	send_fragment(h, 999, IPV4_PROTO_UDP, dgram, sizeof(dgram), middle);
	send_fragment(h, 999, IPV4_PROTO_UDP, dgram, sizeof(dgram), last);
	expect_udp_pattern(u, DGRAM_DATA);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_REASM_FULL), 1);
	tapir_udp_close(u);
}

static void test_reassembly_timeout_sends_time_exceeded(void **state)
{
	struct harness *h = *state;
	uint8_t dgram[DGRAM_LEN], buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip, quoted;
	struct icmp_message msg;

	build_udp(PORT, DGRAM_DATA, dgram, sizeof(dgram));
	send_fragment(h, 0x9000, IPV4_PROTO_UDP, dgram, sizeof(dgram), (struct piece){0, 1480});
	harness_advance(h, TAPIR_MS(10));
	send_fragment(h, 0x9000, IPV4_PROTO_UDP, dgram, sizeof(dgram), (struct piece){2960, 48});

	/* The clock starts with the first fragment, not the latest. */
	harness_advance(h, TAPIR_SECONDS(TAPIR_IP_REASM_TIMEOUT_S) - TAPIR_MS(10) - 1);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_REASM_TIMEOUT), 0);
	assert_int_equal(harness_pending(h), 0);
	harness_advance(h, 1);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_REASM_TIMEOUT), 1);
	assert_true(harness_find_event(h, 0, "ip drop reassembly-timeout") >= 0);

	/* RFC 792: time exceeded, code 1 (fragment reassembly time exceeded),
	 * quoting the first fragment's header and first 8 bytes. */
	expect_icmp(h, buf, sizeof(buf), &ip, &msg);
	assert_int_equal(msg.type, ICMP_TIME_EXCEEDED);
	assert_int_equal(msg.code, 1);
	assert_int_equal(msg.data_len, IPV4_HEADER_LEN + 8);
	/* The quoted total length is the first fragment's own: 20 + 1,480. */
	assert_int_equal((msg.data[2] << 8) | msg.data[3], IPV4_HEADER_LEN + 1480);
	memcpy(buf, msg.data, IPV4_HEADER_LEN + 8);
	write_be16(&buf[2], IPV4_HEADER_LEN + 8); /* parse the quote as a datagram of its own */
	fix_ip_checksum(buf);
	assert_int_equal(ipv4_parse(buf, IPV4_HEADER_LEN + 8, &quoted), TAPIR_DROP_NONE);
	assert_int_equal(quoted.id, 0x9000);
	assert_int_equal(quoted.src, HARNESS_PEER_IP);
	assert_int_equal(quoted.dst, HARNESS_STACK_IP);
	assert_int_equal(quoted.protocol, IPV4_PROTO_UDP);
	assert_true(quoted.more_fragments);
	assert_int_equal(quoted.frag_offset, 0);
	assert_memory_equal(buf + IPV4_HEADER_LEN, dgram, 8);
	assert_int_equal(harness_pending(h), 0);

	/* The slot is free again. */
	harness_advance(h, TAPIR_SECONDS(TAPIR_IP_REASM_TIMEOUT_S) * 2);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_REASM_TIMEOUT), 1);
}

static void test_reassembly_timeout_without_first_fragment_sends_nothing(void **state)
{
	struct harness *h = *state;
	uint8_t dgram[DGRAM_LEN];

	build_udp(PORT, DGRAM_DATA, dgram, sizeof(dgram));
	send_fragment(h, 0x9100, IPV4_PROTO_UDP, dgram, sizeof(dgram), (struct piece){1480, 1480});
	harness_advance(h, TAPIR_SECONDS(TAPIR_IP_REASM_TIMEOUT_S));
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_REASM_TIMEOUT), 1);
	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_TX), 0);
}

/* ---- fragmentation of what we send -------------------------------------------- */

/* Read `count` fragments of one datagram from the stack, check each, and put
 * the datagram's payload back together in `out` (returns its length). */
static size_t collect_fragments(struct harness *h, size_t count, size_t max_packet, uint8_t *out,
                                size_t cap)
{
	uint8_t buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip;
	size_t expected_offset = 0, total = 0;
	int id = -1;

	for (size_t i = 0; i < count; i++) {
		assert_true(harness_recv_ip(h, &ip, buf, sizeof(buf)));
		assert_int_equal(ip.src, HARNESS_STACK_IP);
		assert_int_equal(ip.dst, HARNESS_PEER_IP);
		assert_true(ip.total_len <= max_packet);
		assert_false(ip.dont_fragment);
		assert_int_equal(ip.frag_offset % 8, 0);
		assert_int_equal(ip.frag_offset, expected_offset);
		assert_int_equal(ip.more_fragments, i + 1 < count);
		if (ip.more_fragments)
			assert_int_equal(ip.payload_len % 8, 0);
		if (id < 0)
			id = ip.id;
		assert_int_equal(ip.id, id);
		assert_true(ip.frag_offset + ip.payload_len <= cap);
		memcpy(out + ip.frag_offset, ip.payload, ip.payload_len);
		expected_offset += ip.payload_len;
		total = ip.frag_offset + ip.payload_len;
	}
	assert_int_equal(harness_pending(h), 0);
	return total;
}

static void expect_udp_sent(const uint8_t *dgram, size_t len, const uint8_t *data, size_t data_len)
{
	struct udp_datagram parsed;

	assert_int_equal(udp_parse(dgram, len, HARNESS_STACK_IP, HARNESS_PEER_IP, &parsed),
	                 TAPIR_DROP_NONE);
	assert_int_equal(parsed.dst_port, 9);
	assert_int_equal(parsed.payload_len, data_len);
	assert_memory_equal(parsed.payload, data, data_len);
}

static void test_large_udp_datagram_is_sent_in_correct_fragments(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u;
	struct tapir_udp_endpoint to = {HARNESS_PEER_IP, 9};
	uint8_t data[3000], dgram[4000];
	char needle[96];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	assert_int_equal(tapir_udp_open(h->stack, &u), 0);
	assert_int_equal(tapir_udp_sendto(u, &to, data, sizeof(data), h->now), 3000);

	/* 3,008 bytes of UDP: 1,480 + 1,480 + 48. */
	assert_int_equal(harness_pending(h), 3);
	assert_int_equal(collect_fragments(h, 3, TAPIR_MTU_DEFAULT, dgram, sizeof(dgram)), 3008);
	expect_udp_sent(dgram, 3008, data, sizeof(data));
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_FRAGMENTS_TX), 3);
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_TX), 3);
	assert_int_equal(harness_counter(h, TAPIR_CNT_UDP_TX), 1);
	snprintf(needle, sizeof(needle), "ip fragment sent 10.0.0.2 > 10.0.0.1 id=");
	assert_true(harness_find_event(h, 0, needle) >= 0);
	assert_true(harness_find_event(h, 0, "offset=1480 len=1480 MF") >= 0);
	assert_true(harness_find_event(h, 0, "offset=2960 len=48") >= 0);
	tapir_udp_close(u);
}

static void test_datagram_of_exactly_the_mtu_is_not_fragmented(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u;
	struct tapir_udp_endpoint to = {HARNESS_PEER_IP, 9};
	uint8_t data[1473] = {0}, buf[TAPIR_FRAME_MAX], dgram[2000];
	struct ipv4_header ip;

	assert_int_equal(tapir_udp_open(h->stack, &u), 0);
	assert_int_equal(tapir_udp_sendto(u, &to, data, 1472, h->now), 1472);
	assert_true(harness_recv_ip(h, &ip, buf, sizeof(buf)));
	assert_int_equal(ip.total_len, TAPIR_MTU_DEFAULT);
	assert_false(ip.more_fragments);
	assert_int_equal(ip.frag_offset, 0);
	assert_int_equal(harness_pending(h), 0);

	/* One byte more: two fragments, the second carrying one byte. */
	assert_int_equal(tapir_udp_sendto(u, &to, data, 1473, h->now), 1473);
	assert_int_equal(collect_fragments(h, 2, TAPIR_MTU_DEFAULT, dgram, sizeof(dgram)), 1481);
	expect_udp_sent(dgram, 1481, data, 1473);
	tapir_udp_close(u);
}

static void test_each_datagram_gets_a_new_id(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u;
	struct tapir_udp_endpoint to = {HARNESS_PEER_IP, 9};
	uint8_t buf[TAPIR_FRAME_MAX];
	struct ipv4_header a, b;

	assert_int_equal(tapir_udp_open(h->stack, &u), 0);
	tapir_udp_sendto(u, &to, (const uint8_t *)"x", 1, h->now);
	assert_true(harness_recv_ip(h, &a, buf, sizeof(buf)));
	tapir_udp_sendto(u, &to, (const uint8_t *)"y", 1, h->now);
	assert_true(harness_recv_ip(h, &b, buf, sizeof(buf)));
	assert_int_not_equal(a.id, b.id);
	tapir_udp_close(u);
}

/* A stack on its own sim wire, for configurations the harness does not make. */
struct lone {
	struct tapir_link *ours, *peer;
	struct tapir_stack *stack;
};

static void lone_start(struct lone *l, unsigned mtu, tapir_ip gateway)
{
	struct tapir_stack_config cfg;
	uint8_t frame[128];
	struct eth_header eth = {
	    .dst = ETH_BROADCAST, .src = HARNESS_PEER_MAC, .type = ETH_TYPE_ARP};
	/* An ARP request from 10.0.0.1 so the stack knows the peer. */
	static const uint8_t arp[28] = {0,  1, 8, 0, 6, 4, 0, 1, 2, 0, 0,  0, 0, 1,
	                                10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2};

	assert_int_equal(tapir_sim_pair(0, mtu, &l->ours, &l->peer), 0);
	tapir_stack_config_default(&cfg);
	cfg.send_gratuitous_arp = false;
	cfg.gateway = gateway;
	assert_int_equal(tapir_stack_new(&cfg, l->ours, NULL, 0, &l->stack), 0);
	eth_emit(&eth, frame, sizeof(frame));
	memcpy(frame + ETH_HEADER_LEN, arp, sizeof(arp));
	assert_int_equal(tapir_link_send(l->peer, frame, ETH_HEADER_LEN + sizeof(arp), 0), 0);
	tapir_stack_poll(l->stack, 0);
	while (tapir_link_recv(l->peer, frame, sizeof(frame), 0) > 0)
		;
}

static void lone_stop(struct lone *l)
{
	tapir_stack_free(l->stack);
	tapir_link_close(l->ours);
	tapir_link_close(l->peer);
}

static void test_link_mtu_above_frame_buffers_still_sends_whole_datagrams(void **state)
{
	struct lone l;
	struct tapir_udp *u;
	struct tapir_udp_endpoint to = {HARNESS_PEER_IP, 9};
	static uint8_t data[6000], frame[10000], dgram[8000];
	size_t got = 0, frames = 0;

	(void)state;
	/* A TAP device may report a jumbo MTU: the stack must not build packets
	 * larger than its own frame buffers hold. */
	lone_start(&l, 9000, HARNESS_PEER_IP);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	assert_int_equal(tapir_udp_open(l.stack, &u), 0);
	assert_int_equal(tapir_udp_sendto(u, &to, data, sizeof(data), 0), (int)sizeof(data));

	for (;;) {
		int len = tapir_link_recv(l.peer, frame, sizeof(frame), 0);
		struct ipv4_header ip;

		if (len <= 0)
			break;
		frames++;
		assert_true((size_t)len <= TAPIR_FRAME_MAX);
		assert_int_equal(
		    ipv4_parse(frame + ETH_HEADER_LEN, (size_t)len - ETH_HEADER_LEN, &ip),
		    TAPIR_DROP_NONE);
		assert_true(ip.frag_offset + ip.payload_len <= sizeof(dgram));
		memcpy(dgram + ip.frag_offset, ip.payload, ip.payload_len);
		got += ip.payload_len;
	}
	assert_true(frames >= 1);
	assert_int_equal(got, UDP_HEADER_LEN + sizeof(data));
	assert_int_equal(memcmp(dgram + UDP_HEADER_LEN, data, sizeof(data)), 0);
	lone_stop(&l);
}

static void test_off_link_without_gateway_is_no_route(void **state)
{
	struct lone l;
	struct tapir_udp *u;
	struct tapir_udp_endpoint far = {TAPIR_IP(192, 0, 2, 1), 9};
	struct tapir_udp_endpoint near = {HARNESS_PEER_IP, 9};
	uint8_t frame[TAPIR_FRAME_MAX];

	(void)state;
	lone_start(&l, TAPIR_MTU_DEFAULT, 0);
	assert_int_equal(tapir_udp_open(l.stack, &u), 0);
	assert_int_equal(tapir_udp_sendto(u, &far, (const uint8_t *)"x", 1, 0), -ENETUNREACH);
	assert_int_equal(tapir_stack_stats(l.stack)->drops[TAPIR_DROP_IP_NO_ROUTE], 1);
	assert_int_equal(tapir_link_recv(l.peer, frame, sizeof(frame), 0), 0);

	assert_int_equal(tapir_udp_sendto(u, &near, (const uint8_t *)"x", 1, 0), 1);
	assert_true(tapir_link_recv(l.peer, frame, sizeof(frame), 0) > 0);
	lone_stop(&l);
}

static void test_broadcast_destination_is_sent_to_the_broadcast_mac(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u;
	struct tapir_udp_endpoint to = {TAPIR_IP(10, 0, 0, 255), 9};
	uint8_t frame[TAPIR_FRAME_MAX];
	int len;

	assert_int_equal(tapir_udp_open(h->stack, &u), 0);
	assert_int_equal(tapir_udp_sendto(u, &to, (const uint8_t *)"hi", 2, h->now), 2);
	len = harness_recv_frame(h, frame, sizeof(frame));
	assert_true(len > 0);
	assert_memory_equal(frame, ETH_BROADCAST.b, 6); /* no ARP for a broadcast */
	assert_int_equal(frame[12], 0x08);
	assert_int_equal(frame[13], 0x00);
	assert_int_equal(harness_pending(h), 0);
	tapir_udp_close(u);
}

static void test_datagram_to_broadcast_is_accepted(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t udp[64];
	struct ipv4_header ip = peer_header(IPV4_PROTO_UDP, 0xa000);
	struct udp_datagram dgram = {.src_port = 1234, .dst_port = PORT, .payload_len = 0};
	size_t n;

	ip.dst = TAPIR_IP(10, 0, 0, 255);
	n = udp_emit(&dgram, HARNESS_PEER_IP, ip.dst, udp, sizeof(udp));
	send_datagram(h, &ip, udp, n);
	ip.dst = TAPIR_IP_BROADCAST;
	n = udp_emit(&dgram, HARNESS_PEER_IP, ip.dst, udp, sizeof(udp));
	send_datagram(h, &ip, udp, n);

	assert_int_equal(harness_counter(h, TAPIR_CNT_UDP_RX), 2);
	assert_int_equal(tapir_udp_recvfrom(u, udp, sizeof(udp), NULL), 0);
	assert_int_equal(tapir_udp_recvfrom(u, udp, sizeof(udp), NULL), 0);
	assert_int_equal(total_drops(h), 0);
	tapir_udp_close(u);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_control_valid_echo_request_is_answered),
	    T(test_malformed_packets_are_dropped_with_their_reason),
	    T(test_short_echo_claiming_1500_bytes_is_not_answered),
	    T(test_header_options_are_skipped),
	    T(test_ethernet_padding_is_trimmed_from_a_short_udp_datagram),
	    T(test_ethernet_padding_is_not_echoed_back),
	    T(test_unknown_protocol_is_answered_with_protocol_unreachable),
	    T(test_fragments_in_order_are_reassembled),
	    T(test_fragments_out_of_order_are_reassembled),
	    T(test_fragments_with_duplicates_and_overlaps_are_reassembled),
	    T(test_duplicate_after_completion_is_not_delivered_twice),
	    T(test_interleaved_datagrams_are_kept_apart),
	    T(test_largest_datagram_is_reassembled),
	    T(test_fragment_past_64k_or_misshapen_is_refused),
	    T(test_two_different_last_fragments_abandon_the_datagram),
	    T(test_fragment_past_the_last_fragments_end_abandons_the_datagram),
	    T(test_all_reassembly_slots_busy_refuses_a_new_datagram),
	    T(test_reassembly_timeout_sends_time_exceeded),
	    T(test_reassembly_timeout_without_first_fragment_sends_nothing),
	    T(test_large_udp_datagram_is_sent_in_correct_fragments),
	    T(test_datagram_of_exactly_the_mtu_is_not_fragmented),
	    T(test_each_datagram_gets_a_new_id),
	    cmocka_unit_test(test_link_mtu_above_frame_buffers_still_sends_whole_datagrams),
	    cmocka_unit_test(test_off_link_without_gateway_is_no_route),
	    T(test_broadcast_destination_is_sent_to_the_broadcast_mac),
	    T(test_datagram_to_broadcast_is_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

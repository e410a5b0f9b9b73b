/*
 * test_net_icmp.c — ICMP in the stack (stack/net/icmp.c): answering echo
 * requests (RFC 792, RFC 1122 3.2.2.6), pinging others through
 * tapir_icmp_echo_send() and the echo handler, refusing broken messages,
 * and the rules for sending errors (RFC 1122 3.2.2: never about an ICMP
 * error, a broadcast or a non-first fragment; rate limited).
 *
 * The test plays 10.0.0.1 on the harness' sim link.
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
#include "net/stack_internal.h" /* icmp_send_error(), for the rules it applies */
#include "tapir/icmp.h"
#include "tapir/options.h"
#include "tapir/udp.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

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

/* ---- building and reading packets --------------------------------------------- */

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

/* Send one IP datagram from the peer, in an Ethernet frame to `eth_dst`. */
static void send_datagram_to(struct harness *h, struct tapir_mac eth_dst,
                             const struct ipv4_header *hdr, const uint8_t *payload, size_t len)
{
	uint8_t *frame = malloc(ETH_HEADER_LEN + IPV4_HEADER_LEN + len);
	struct eth_header eth = {.dst = eth_dst, .src = HARNESS_PEER_MAC, .type = ETH_TYPE_IPV4};
	struct ipv4_header ip = *hdr;

	assert_non_null(frame);
	ip.total_len = (uint16_t)(IPV4_HEADER_LEN + len);
	eth_emit(&eth, frame, ETH_HEADER_LEN);
	ipv4_emit(&ip, frame + ETH_HEADER_LEN, IPV4_HEADER_LEN);
	memcpy(frame + ETH_HEADER_LEN + IPV4_HEADER_LEN, payload, len);
	harness_send_frame(h, frame, ETH_HEADER_LEN + IPV4_HEADER_LEN + len);
	free(frame);
}

static void send_datagram(struct harness *h, const struct ipv4_header *hdr, const uint8_t *payload,
                          size_t len)
{
	send_datagram_to(h, HARNESS_STACK_MAC, hdr, payload, len);
}

static size_t build_icmp(uint8_t type, uint16_t id, uint16_t seq, const uint8_t *data, size_t len,
                         uint8_t *out, size_t cap)
{
	struct icmp_message msg = {
	    .type = type, .id = id, .seq = seq, .data = data, .data_len = len};
	size_t n = icmp_emit(&msg, out, cap);

	assert_true(n > 0);
	return n;
}

static void fill_pattern(uint8_t *data, size_t len, unsigned salt)
{
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 31 + salt);
}

/* Send `total` bytes of `payload` as fragments of at most `chunk` bytes. */
static void send_in_fragments(struct harness *h, uint16_t id, uint8_t protocol,
                              const uint8_t *payload, size_t total, size_t chunk)
{
	for (size_t off = 0; off < total; off += chunk) {
		struct ipv4_header ip = peer_header(protocol, id);
		size_t n = total - off < chunk ? total - off : chunk;

		ip.frag_offset = (uint16_t)off;
		ip.more_fragments = off + n < total;
		send_datagram(h, &ip, payload + off, n);
	}
}

/* The next packet must be ICMP from the stack to the peer. */
static void expect_icmp(struct harness *h, uint8_t *buf, size_t cap, struct ipv4_header *ip,
                        struct icmp_message *msg)
{
	assert_true(harness_recv_ip(h, ip, buf, cap));
	assert_int_equal(ip->src, HARNESS_STACK_IP);
	assert_int_equal(ip->dst, HARNESS_PEER_IP);
	assert_int_equal(ip->protocol, IPV4_PROTO_ICMP);
	assert_false(ip->more_fragments);
	assert_int_equal(ip->frag_offset, 0);
	assert_int_equal(icmp_parse(ip->payload, ip->payload_len, msg), TAPIR_DROP_NONE);
}

/* Read every fragment of one datagram from the stack and put it together;
 * returns its payload length. Fragments must come in order. */
static size_t collect_datagram(struct harness *h, uint8_t *out, size_t cap, size_t *fragments)
{
	uint8_t buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip;
	size_t expected = 0;
	int id = -1;

	*fragments = 0;
	do {
		assert_true(harness_recv_ip(h, &ip, buf, sizeof(buf)));
		assert_true(ip.total_len <= TAPIR_MTU_DEFAULT);
		assert_int_equal(ip.frag_offset, expected);
		if (id < 0)
			id = ip.id;
		assert_int_equal(ip.id, id);
		assert_true(expected + ip.payload_len <= cap);
		memcpy(out + expected, ip.payload, ip.payload_len);
		expected += ip.payload_len;
		(*fragments)++;
	} while (ip.more_fragments);
	return expected;
}

static uint64_t total_drops(const struct harness *h)
{
	uint64_t n = 0;

	for (int r = 1; r < TAPIR_DROP__COUNT; r++)
		n += harness_drops(h, (enum tapir_drop)r);
	return n;
}

/* ---- answering echo requests --------------------------------------------------- */

static void test_echo_request_gets_reply_with_identical_id_seq_and_data(void **state)
{
	struct harness *h = *state;
	uint8_t data[56], request[64], expected[64], frame[TAPIR_FRAME_MAX];
	struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, 0x0bad), reply;
	const uint8_t *payload;
	size_t payload_len;
	struct eth_header eth;
	int len;

	fill_pattern(data, sizeof(data), 5);
	send_datagram(
	    h, &ip, request,
	    build_icmp(ICMP_ECHO_REQUEST, 0x1234, 7, data, sizeof(data), request, sizeof(request)));

	len = harness_recv_frame(h, frame, sizeof(frame));
	assert_int_equal(len, ETH_HEADER_LEN + IPV4_HEADER_LEN + 64);
	assert_int_equal(eth_parse(frame, (size_t)len, &eth, &payload, &payload_len),
	                 TAPIR_DROP_NONE);
	assert_memory_equal(eth.dst.b, HARNESS_PEER_MAC.b, 6);
	assert_memory_equal(eth.src.b, HARNESS_STACK_MAC.b, 6);
	assert_int_equal(eth.type, ETH_TYPE_IPV4);
	assert_int_equal(ipv4_parse(payload, payload_len, &reply), TAPIR_DROP_NONE);
	assert_int_equal(payload[0], 0x45);
	assert_int_equal(reply.total_len, IPV4_HEADER_LEN + 64);
	assert_int_equal(reply.ttl, TAPIR_IP_DEFAULT_TTL);
	assert_int_equal(reply.protocol, IPV4_PROTO_ICMP);
	assert_int_equal(reply.src, HARNESS_STACK_IP);
	assert_int_equal(reply.dst, HARNESS_PEER_IP);
	assert_false(reply.more_fragments);
	assert_int_equal(reply.frag_offset, 0);
	/* The whole ICMP message, byte for byte: type 0, checksum, id, seq, data. */
	build_icmp(ICMP_ECHO_REPLY, 0x1234, 7, data, sizeof(data), expected, sizeof(expected));
	assert_memory_equal(reply.payload, expected, sizeof(expected));

	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_ECHO_REQUESTS_RX), 1);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_ECHO_REPLIES_TX), 1);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_RX), 1);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_TX), 1);
	assert_true(harness_find_event(
	                h, 0, "icmp in 10.0.0.1 > 10.0.0.2 type=8 code=0 id=4660 seq=7 len=56") >=
	            0);
	assert_true(harness_find_event(
	                h, 0, "icmp out 10.0.0.2 > 10.0.0.1 type=0 code=0 id=4660 seq=7 len=56") >=
	            0);
}

static void test_echo_request_without_data_is_answered(void **state)
{
	struct harness *h = *state;
	uint8_t request[8], buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, 1), reply;
	struct icmp_message msg;

	send_datagram(h, &ip, request,
	              build_icmp(ICMP_ECHO_REQUEST, 0, 0xffff, NULL, 0, request, sizeof(request)));
	expect_icmp(h, buf, sizeof(buf), &reply, &msg);
	assert_int_equal(msg.type, ICMP_ECHO_REPLY);
	assert_int_equal(msg.seq, 0xffff);
	assert_int_equal(msg.data_len, 0);
}

static void test_echo_to_broadcast_is_ignored_and_counted(void **state)
{
	struct harness *h = *state;
	uint8_t request[16];
	struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, 2);
	size_t n = build_icmp(ICMP_ECHO_REQUEST, 1, 1, (const uint8_t *)"smurf", 5, request,
	                      sizeof(request));

	ip.dst = TAPIR_IP(10, 0, 0, 255);
	send_datagram_to(h, ETH_BROADCAST, &ip, request, n);
	ip.dst = TAPIR_IP_BROADCAST;
	send_datagram_to(h, ETH_BROADCAST, &ip, request, n);

	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ICMP_BROADCAST), 2);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_ECHO_REQUESTS_RX), 2);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_ECHO_REPLIES_TX), 0);
	assert_true(harness_find_event(h, 0, "icmp drop broadcast-echo") >= 0);
}

static void test_fragmented_2000_byte_echo_gets_fragmented_reply(void **state)
{
	struct harness *h = *state;
	static uint8_t data[2000], request[2008], expected[2008], got[4096];
	size_t fragments, len;

	fill_pattern(data, sizeof(data), 11);
	build_icmp(ICMP_ECHO_REQUEST, 0x5150, 3, data, sizeof(data), request, sizeof(request));
	send_in_fragments(h, 0xf00d, IPV4_PROTO_ICMP, request, sizeof(request), 1480);

	len = collect_datagram(h, got, sizeof(got), &fragments);
	assert_int_equal(fragments, 2);
	assert_int_equal(len, sizeof(expected));
	build_icmp(ICMP_ECHO_REPLY, 0x5150, 3, data, sizeof(data), expected, sizeof(expected));
	assert_memory_equal(got, expected, sizeof(expected));
	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_REASSEMBLED), 1);
	assert_int_equal(harness_counter(h, TAPIR_CNT_IP_FRAGMENTS_TX), 2);
	assert_int_equal(total_drops(h), 0);
}

static void test_largest_echo_request_is_answered_in_full(void **state)
{
	struct harness *h = *state;
	size_t data_len = IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN - ICMP_HEADER_LEN; /* 65,507 */
	uint8_t *data = malloc(data_len), *request = malloc(data_len + 8);
	uint8_t *expected = malloc(data_len + 8), *got = malloc(IPV4_MAX_DATAGRAM);
	size_t fragments;

	assert_non_null(data);
	assert_non_null(request);
	assert_non_null(expected);
	assert_non_null(got);
	fill_pattern(data, data_len, 1);
	build_icmp(ICMP_ECHO_REQUEST, 1, 2, data, data_len, request, data_len + 8);
	send_in_fragments(h, 0xbeef, IPV4_PROTO_ICMP, request, data_len + 8, 1480);

	assert_int_equal(collect_datagram(h, got, IPV4_MAX_DATAGRAM, &fragments), data_len + 8);
	assert_int_equal(fragments, 45);
	build_icmp(ICMP_ECHO_REPLY, 1, 2, data, data_len, expected, data_len + 8);
	assert_memory_equal(got, expected, data_len + 8);
	free(data);
	free(request);
	free(expected);
	free(got);
}

/* ---- pinging others --------------------------------------------------------------- */

struct echo_log {
	unsigned calls;
	struct tapir_echo_reply last;
	uint8_t data[256];
};

static void on_echo_reply(void *user, const struct tapir_echo_reply *reply)
{
	struct echo_log *log = user;

	log->calls++;
	log->last = *reply;
	/* The data is only valid during the call: keep a copy. */
	assert_true(reply->len <= sizeof(log->data));
	memcpy(log->data, reply->data, reply->len);
	log->last.data = log->data;
}

static void test_echo_send_and_handler_receive_the_reply(void **state)
{
	struct harness *h = *state;
	struct echo_log log = {0};
	uint8_t data[32], buf[TAPIR_FRAME_MAX], reply[64];
	struct ipv4_header ip, back = peer_header(IPV4_PROTO_ICMP, 77);
	struct icmp_message msg;
	tapir_time sent;

	fill_pattern(data, sizeof(data), 9);
	tapir_icmp_set_echo_handler(h->stack, on_echo_reply, &log);
	sent = h->now;
	assert_int_equal(
	    tapir_icmp_echo_send(h->stack, HARNESS_PEER_IP, 0x0a0b, 42, data, sizeof(data), sent),
	    0);

	/* The request as it leaves. */
	assert_true(harness_recv_ip(h, &ip, buf, sizeof(buf)));
	assert_int_equal(ip.src, HARNESS_STACK_IP);
	assert_int_equal(ip.dst, HARNESS_PEER_IP);
	assert_int_equal(ip.protocol, IPV4_PROTO_ICMP);
	assert_int_equal(ip.ttl, TAPIR_IP_DEFAULT_TTL);
	assert_int_equal(icmp_parse(ip.payload, ip.payload_len, &msg), TAPIR_DROP_NONE);
	assert_int_equal(msg.type, ICMP_ECHO_REQUEST);
	assert_int_equal(msg.code, 0);
	assert_int_equal(msg.id, 0x0a0b);
	assert_int_equal(msg.seq, 42);
	assert_int_equal(msg.data_len, sizeof(data));
	assert_memory_equal(msg.data, data, sizeof(data));
	assert_int_equal(log.calls, 0);

	/* The reply, 5 ms later, after 7 hops. */
	harness_advance(h, TAPIR_MS(5));
	back.ttl = 57;
	send_datagram(
	    h, &back, reply,
	    build_icmp(ICMP_ECHO_REPLY, 0x0a0b, 42, data, sizeof(data), reply, sizeof(reply)));

	assert_int_equal(log.calls, 1);
	assert_int_equal(log.last.from, HARNESS_PEER_IP);
	assert_int_equal(log.last.id, 0x0a0b);
	assert_int_equal(log.last.seq, 42);
	assert_int_equal(log.last.ttl, 57);
	assert_int_equal(log.last.len, sizeof(data));
	assert_memory_equal(log.last.data, data, sizeof(data));
	assert_int_equal(log.last.time, sent + TAPIR_MS(5));
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_ECHO_REPLIES_RX), 1);
	assert_int_equal(harness_pending(h), 0);
}

static void test_echo_reply_without_handler_is_only_counted(void **state)
{
	struct harness *h = *state;
	struct echo_log log = {0};
	uint8_t reply[16];
	struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, 78);
	size_t n = build_icmp(ICMP_ECHO_REPLY, 1, 1, (const uint8_t *)"x", 1, reply, sizeof(reply));

	send_datagram(h, &ip, reply, n);
	tapir_icmp_set_echo_handler(h->stack, on_echo_reply, &log);
	tapir_icmp_set_echo_handler(h->stack, NULL, NULL);
	send_datagram(h, &ip, reply, n);

	assert_int_equal(log.calls, 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_ECHO_REPLIES_RX), 2);
	assert_int_equal(harness_pending(h), 0);
}

static void test_echo_send_size_limits(void **state)
{
	struct harness *h = *state;
	size_t max = IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN - ICMP_HEADER_LEN;
	uint8_t *data = calloc(1, max + 1), *got = malloc(IPV4_MAX_DATAGRAM);
	struct icmp_message msg;
	size_t fragments;

	assert_non_null(data);
	assert_non_null(got);
	assert_int_equal(
	    tapir_icmp_echo_send(h->stack, HARNESS_PEER_IP, 1, 1, data, max + 1, h->now),
	    -EMSGSIZE);
	assert_int_equal(harness_pending(h), 0);

	data[max - 1] = 0x5a;
	assert_int_equal(tapir_icmp_echo_send(h->stack, HARNESS_PEER_IP, 1, 2, data, max, h->now),
	                 0);
	assert_int_equal(collect_datagram(h, got, IPV4_MAX_DATAGRAM, &fragments),
	                 IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN);
	assert_int_equal(fragments, 45);
	assert_int_equal(icmp_parse(got, IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN, &msg),
	                 TAPIR_DROP_NONE);
	assert_int_equal(msg.seq, 2);
	assert_int_equal(msg.data[max - 1], 0x5a);
	free(data);
	free(got);
}

/* ---- broken and unhandled messages ------------------------------------------------ */

static void test_bad_checksum_and_truncated_messages_are_counted(void **state)
{
	struct harness *h = *state;
	uint8_t request[32];
	struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, 3);
	size_t n = build_icmp(ICMP_ECHO_REQUEST, 1, 1, (const uint8_t *)"checksum", 8, request,
	                      sizeof(request));

	request[n - 1] ^= 0x20;
	send_datagram(h, &ip, request, n);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ICMP_BAD_CHECKSUM), 1);
	assert_true(harness_find_event(h, 0, "icmp drop bad-checksum") >= 0);

	send_datagram(h, &ip, request, 7);
	send_datagram(h, &ip, request, 0);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ICMP_TRUNCATED), 2);
	assert_true(harness_find_event(h, 0, "icmp drop truncated") >= 0);

	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_RX), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_ECHO_REQUESTS_RX), 0);
}

static void test_errors_and_other_types_are_counted_not_answered(void **state)
{
	struct harness *h = *state;
	uint8_t msg[64], quote[28] = {0x45};
	struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, 4);

	send_datagram(
	    h, &ip, msg,
	    build_icmp(ICMP_DEST_UNREACHABLE, 0, 0, quote, sizeof(quote), msg, sizeof(msg)));
	send_datagram(h, &ip, msg,
	              build_icmp(ICMP_TIME_EXCEEDED, 0, 0, quote, sizeof(quote), msg, sizeof(msg)));
	send_datagram(h, &ip, msg,
	              build_icmp(13, 1, 1, quote, 12, msg, sizeof(msg))); /* timestamp */

	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ICMP_UNHANDLED), 3);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_RX), 3);
	assert_true(harness_find_event(h, 0, "icmp in 10.0.0.1 > 10.0.0.2 type=3 code=0") >= 0);
}

/* ---- when errors may be sent ------------------------------------------------------- */

static void test_no_error_about_an_icmp_error(void **state)
{
	struct harness *h = *state;
	static uint8_t data[1600], message[1608];
	struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, 0xe000);
	uint8_t buf[TAPIR_FRAME_MAX];
	struct icmp_message msg;
	struct ipv4_header reply;

	/* Control: the first fragment of an echo request that never completes
	 * gets a time exceeded when its reassembly times out... */
	build_icmp(ICMP_ECHO_REQUEST, 1, 1, data, sizeof(data), message, sizeof(message));
	ip.more_fragments = true;
	send_datagram(h, &ip, message, 1480);
	harness_advance(h, TAPIR_SECONDS(TAPIR_IP_REASM_TIMEOUT_S));
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_REASM_TIMEOUT), 1);
	expect_icmp(h, buf, sizeof(buf), &reply, &msg);
	assert_int_equal(msg.type, ICMP_TIME_EXCEEDED);
	assert_int_equal(msg.code, 1);
	assert_int_equal(msg.data[IPV4_HEADER_LEN], ICMP_ECHO_REQUEST);

	/* ...but the same for a (large) destination unreachable does not. */
	build_icmp(ICMP_DEST_UNREACHABLE, 0, 0, data, sizeof(data), message, sizeof(message));
	ip.id = 0xe001;
	send_datagram(h, &ip, message, 1480);
	harness_advance(h, TAPIR_SECONDS(TAPIR_IP_REASM_TIMEOUT_S));
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_REASM_TIMEOUT), 2);
	assert_int_equal(harness_pending(h), 0); /* not even an ARP request for it */
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_TX), 1);
}

static void test_no_error_about_a_broadcast(void **state)
{
	struct harness *h = *state;
	struct ipv4_header ip = peer_header(IPV4_PROTO_UDP, 5);
	uint8_t udp[16];
	struct udp_datagram dgram = {.src_port = 1, .dst_port = 9, .payload_len = 0};

	/* UDP to a closed port, sent to the subnet broadcast and to all-ones. */
	ip.dst = TAPIR_IP(10, 0, 0, 255);
	send_datagram_to(h, ETH_BROADCAST, &ip, udp, udp_emit(&dgram, ip.src, ip.dst, udp, 16));
	ip.dst = TAPIR_IP_BROADCAST;
	send_datagram_to(h, ETH_BROADCAST, &ip, udp, udp_emit(&dgram, ip.src, ip.dst, udp, 16));
	/* A protocol we do not speak, to the broadcast. */
	ip.protocol = 99;
	send_datagram_to(h, ETH_BROADCAST, &ip, udp, 8);

	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_NO_PORT), 2);
	assert_int_equal(harness_drops(h, TAPIR_DROP_IP_UNKNOWN_PROTO), 1);
	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_TX), 0);
}

static void test_no_error_about_a_datagram_from_0_0_0_0(void **state)
{
	struct harness *h = *state;
	struct ipv4_header ip = peer_header(IPV4_PROTO_UDP, 6);
	uint8_t udp[16];
	struct udp_datagram dgram = {.src_port = 68, .dst_port = 67, .payload_len = 0};

	/* RFC 1122 3.2.2: not about a datagram whose source is not one host. */
	ip.src = 0;
	send_datagram(h, &ip, udp, udp_emit(&dgram, ip.src, ip.dst, udp, sizeof(udp)));

	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_NO_PORT), 1);
	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_TX), 0);
}

/* icmp_send_error() itself, with offenders the input path can rarely make. */
static void test_icmp_send_error_applies_rfc_1122_rules(void **state)
{
	struct harness *h = *state;
	static const uint8_t udp_header[8] = {0, 1, 0, 9, 0, 8, 0, 0};
	static const uint8_t unreachable[8] = {ICMP_DEST_UNREACHABLE, 3, 0, 0, 0, 0, 0, 0};
	static const uint8_t echo[8] = {ICMP_ECHO_REQUEST, 0, 0, 0, 0, 0, 0, 0};
	struct ipv4_header offender = peer_header(IPV4_PROTO_UDP, 7);
	uint8_t buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip;
	struct icmp_message msg;

	offender.payload = udp_header;
	offender.payload_len = sizeof(udp_header);
	offender.total_len = IPV4_HEADER_LEN + sizeof(udp_header);

	/* Non-first fragment. */
	offender.frag_offset = 1480;
	icmp_send_error(h->stack, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, &offender);
	assert_int_equal(harness_pending(h), 0);
	offender.frag_offset = 0;

	/* An ICMP error (and an empty ICMP payload, whose type is unknown). */
	offender.protocol = IPV4_PROTO_ICMP;
	offender.payload = unreachable;
	icmp_send_error(h->stack, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, &offender);
	offender.payload_len = 0;
	icmp_send_error(h->stack, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, &offender);
	assert_int_equal(harness_pending(h), 0);

	/* A broadcast. */
	offender.protocol = IPV4_PROTO_UDP;
	offender.payload = udp_header;
	offender.payload_len = sizeof(udp_header);
	offender.dst = TAPIR_IP(10, 0, 0, 255);
	icmp_send_error(h->stack, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, &offender);
	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_TX), 0);

	/* Control: an echo request (not an error) as first fragment is fine. */
	offender.dst = HARNESS_STACK_IP;
	offender.protocol = IPV4_PROTO_ICMP;
	offender.payload = echo;
	offender.more_fragments = true;
	icmp_send_error(h->stack, ICMP_TIME_EXCEEDED, 1, &offender);
	expect_icmp(h, buf, sizeof(buf), &ip, &msg);
	assert_int_equal(msg.type, ICMP_TIME_EXCEEDED);
	assert_int_equal(msg.data_len, IPV4_HEADER_LEN + 8);
	assert_memory_equal(msg.data + IPV4_HEADER_LEN, echo, 8);
}

static void send_udp_to_closed_port(struct harness *h, uint16_t id)
{
	struct ipv4_header ip = peer_header(IPV4_PROTO_UDP, id);
	uint8_t udp[16];
	struct udp_datagram dgram = {.src_port = 1000, .dst_port = 9, .payload_len = 0};

	send_datagram(h, &ip, udp, udp_emit(&dgram, ip.src, ip.dst, udp, sizeof(udp)));
}

static size_t drain_frames(struct harness *h)
{
	uint8_t buf[TAPIR_FRAME_MAX];
	size_t n = 0;

	while (harness_recv_frame(h, buf, sizeof(buf)) > 0)
		n++;
	return n;
}

static void test_error_rate_limit_counts_what_it_holds_back(void **state)
{
	struct harness *h = *state;
	size_t sent = 0;
	int extra = 5;

	/* All in the same virtual instant. */
	for (int i = 0; i < TAPIR_ICMP_ERRORS_PER_S + extra; i++) {
		send_udp_to_closed_port(h, (uint16_t)i);
		sent += drain_frames(h);
	}
	assert_int_equal(sent, TAPIR_ICMP_ERRORS_PER_S);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ICMP_RATE_LIMIT), extra);
	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_NO_PORT), TAPIR_ICMP_ERRORS_PER_S + extra);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_UNREACH_TX), TAPIR_ICMP_ERRORS_PER_S);
	assert_true(harness_find_event(h, 0, "icmp drop rate-limited") >= 0);

	/* Still held back just before the second is over... */
	harness_advance(h, TAPIR_SECONDS(1) - 1);
	send_udp_to_closed_port(h, 1000);
	assert_int_equal(drain_frames(h), 0);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ICMP_RATE_LIMIT), extra + 1);
	/* ...and allowed again after it. */
	harness_advance(h, 1);
	send_udp_to_closed_port(h, 1001);
	assert_int_equal(drain_frames(h), 1);
}

static void test_echo_replies_are_not_rate_limited(void **state)
{
	struct harness *h = *state;
	uint8_t request[16];
	size_t replies = 0;

	for (int i = 0; i < TAPIR_ICMP_ERRORS_PER_S * 2; i++) {
		struct ipv4_header ip = peer_header(IPV4_PROTO_ICMP, (uint16_t)i);

		send_datagram(h, &ip, request,
		              build_icmp(ICMP_ECHO_REQUEST, 1, (uint16_t)i, NULL, 0, request,
		                         sizeof(request)));
		replies += drain_frames(h);
	}
	assert_int_equal(replies, TAPIR_ICMP_ERRORS_PER_S * 2);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ICMP_RATE_LIMIT), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_echo_request_gets_reply_with_identical_id_seq_and_data),
	    T(test_echo_request_without_data_is_answered),
	    T(test_echo_to_broadcast_is_ignored_and_counted),
	    T(test_fragmented_2000_byte_echo_gets_fragmented_reply),
	    T(test_largest_echo_request_is_answered_in_full),
	    T(test_echo_send_and_handler_receive_the_reply),
	    T(test_echo_reply_without_handler_is_only_counted),
	    T(test_echo_send_size_limits),
	    T(test_bad_checksum_and_truncated_messages_are_counted),
	    T(test_errors_and_other_types_are_counted_not_answered),
	    T(test_no_error_about_an_icmp_error),
	    T(test_no_error_about_a_broadcast),
	    T(test_no_error_about_a_datagram_from_0_0_0_0),
	    T(test_icmp_send_error_applies_rfc_1122_rules),
	    T(test_error_rate_limit_counts_what_it_holds_back),
	    T(test_echo_replies_are_not_rate_limited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

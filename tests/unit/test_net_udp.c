/*
 * test_net_udp.c — UDP sockets (stack/net/udp.c, RFC 768, RFC 1122 4.1):
 * bind/sendto/recvfrom, ICMP port unreachable for closed ports, refusing
 * broken datagrams, the bounded receive queue, truncation in recvfrom, the
 * errors of the socket calls and the ephemeral port range.
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
#include "tapir/options.h"
#include "tapir/udp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define PORT      5000
#define PEER_PORT 1234

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

/* ---- helpers ------------------------------------------------------------------- */

static void write_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A UDP datagram from the peer's PEER_PORT to `port`; returns its length. */
static size_t build_udp(uint16_t port, const void *data, size_t len, uint8_t *out, size_t cap)
{
	struct udp_datagram dgram = {
	    .src_port = PEER_PORT, .dst_port = port, .payload = data, .payload_len = len};
	size_t n = udp_emit(&dgram, HARNESS_PEER_IP, HARNESS_STACK_IP, out, cap);

	assert_true(n > 0);
	return n;
}

static void send_udp(struct harness *h, uint16_t port, const void *data, size_t len)
{
	uint8_t *dgram = malloc(UDP_HEADER_LEN + len);

	assert_non_null(dgram);
	harness_send_ip(h, IPV4_PROTO_UDP, dgram,
	                build_udp(port, data, len, dgram, UDP_HEADER_LEN + len));
	free(dgram);
}

/* Send a datagram larger than the MTU, as fragments of 1,480 bytes. */
static void send_udp_fragmented(struct harness *h, uint16_t port, const void *data, size_t len,
                                uint16_t id)
{
	uint8_t *dgram = malloc(UDP_HEADER_LEN + len);
	uint8_t frame[TAPIR_FRAME_MAX];
	size_t total;

	assert_non_null(dgram);
	total = build_udp(port, data, len, dgram, UDP_HEADER_LEN + len);
	for (size_t off = 0; off < total; off += 1480) {
		size_t n = total - off < 1480 ? total - off : 1480;
		struct eth_header eth = {
		    .dst = HARNESS_STACK_MAC, .src = HARNESS_PEER_MAC, .type = ETH_TYPE_IPV4};
		struct ipv4_header ip = {
		    .total_len = (uint16_t)(IPV4_HEADER_LEN + n),
		    .id = id,
		    .more_fragments = off + n < total,
		    .frag_offset = (uint16_t)off,
		    .ttl = 64,
		    .protocol = IPV4_PROTO_UDP,
		    .src = HARNESS_PEER_IP,
		    .dst = HARNESS_STACK_IP,
		    .header_len = IPV4_HEADER_LEN,
		};

		eth_emit(&eth, frame, ETH_HEADER_LEN);
		ipv4_emit(&ip, frame + ETH_HEADER_LEN, IPV4_HEADER_LEN);
		memcpy(frame + ETH_HEADER_LEN + IPV4_HEADER_LEN, dgram + off, n);
		harness_send_frame(h, frame, ETH_HEADER_LEN + IPV4_HEADER_LEN + n);
	}
	free(dgram);
}

static struct tapir_udp *open_bound(struct harness *h, uint16_t port)
{
	struct tapir_udp *u;

	assert_int_equal(tapir_udp_open(h->stack, &u), 0);
	assert_int_equal(tapir_udp_bind(u, port), 0);
	assert_int_equal(tapir_udp_local_port(u), port);
	return u;
}

static uint64_t total_drops(const struct harness *h)
{
	uint64_t n = 0;

	for (int r = 1; r < TAPIR_DROP__COUNT; r++)
		n += harness_drops(h, (enum tapir_drop)r);
	return n;
}

struct callback_log {
	unsigned calls;
	struct tapir_udp *sock;
};

static void on_readable(void *user, struct tapir_udp *sock)
{
	struct callback_log *log = user;

	log->calls++;
	log->sock = sock;
}

/* ---- the basic calls ------------------------------------------------------------- */

static void test_bound_socket_receives_datagram_with_sender(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	struct tapir_udp_endpoint from = {0};
	uint8_t buf[64];

	send_udp(h, PORT, "hello", 5);

	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), &from), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(from.ip, HARNESS_PEER_IP);
	assert_int_equal(from.port, PEER_PORT);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), &from), -EAGAIN);
	assert_int_equal(harness_counter(h, TAPIR_CNT_UDP_RX), 1);
	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(total_drops(h), 0);
	tapir_udp_close(u);
}

static void test_datagrams_are_read_in_arrival_order(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t buf[8];

	send_udp(h, PORT, "one", 3);
	send_udp(h, PORT, "two!", 4);
	send_udp(h, PORT, "", 0);

	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), 3);
	assert_memory_equal(buf, "one", 3);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), 4);
	assert_memory_equal(buf, "two!", 4);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), 0);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), -EAGAIN);
	tapir_udp_close(u);
}

static void test_sendto_emits_exact_datagram(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	struct tapir_udp_endpoint to = {HARNESS_PEER_IP, PEER_PORT};
	uint8_t buf[TAPIR_FRAME_MAX], expected[64];
	struct ipv4_header ip;
	struct udp_datagram expect = {.src_port = PORT,
	                              .dst_port = PEER_PORT,
	                              .payload = (const uint8_t *)"reply",
	                              .payload_len = 5};
	size_t n = udp_emit(&expect, HARNESS_STACK_IP, HARNESS_PEER_IP, expected, sizeof(expected));

	assert_int_equal(tapir_udp_sendto(u, &to, (const uint8_t *)"reply", 5, h->now), 5);

	assert_true(harness_recv_ip(h, &ip, buf, sizeof(buf)));
	assert_int_equal(ip.src, HARNESS_STACK_IP);
	assert_int_equal(ip.dst, HARNESS_PEER_IP);
	assert_int_equal(ip.protocol, IPV4_PROTO_UDP);
	assert_int_equal(ip.payload_len, n);
	/* Ports, length and checksum (never 0 from us), then the data. */
	assert_memory_equal(ip.payload, expected, n);
	assert_true(ip.payload[6] != 0 || ip.payload[7] != 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_UDP_TX), 1);
	assert_int_equal(harness_pending(h), 0);
	tapir_udp_close(u);
}

static void test_echo_service_round_trip_in_callback(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, 7);
	struct callback_log log = {0};
	uint8_t buf[TAPIR_FRAME_MAX];
	struct tapir_udp_endpoint from;
	struct ipv4_header ip;
	struct udp_datagram dgram;
	int n;

	tapir_udp_set_callback(u, on_readable, &log);
	send_udp(h, 7, "echo me", 7);
	assert_int_equal(log.calls, 1);
	assert_ptr_equal(log.sock, u);

	n = tapir_udp_recvfrom(u, buf, sizeof(buf), &from);
	assert_int_equal(n, 7);
	assert_int_equal(tapir_udp_sendto(u, &from, buf, (size_t)n, h->now), 7);
	assert_true(harness_recv_ip(h, &ip, buf, sizeof(buf)));
	assert_int_equal(udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &dgram),
	                 TAPIR_DROP_NONE);
	assert_int_equal(dgram.src_port, 7);
	assert_int_equal(dgram.dst_port, PEER_PORT);
	assert_int_equal(dgram.payload_len, 7);
	assert_memory_equal(dgram.payload, "echo me", 7);
	tapir_udp_close(u);
}

static void test_callback_is_called_once_per_queued_datagram(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	struct callback_log log = {0};
	uint8_t bad[16];
	size_t n;

	tapir_udp_set_callback(u, on_readable, &log);
	send_udp(h, PORT, "a", 1);
	send_udp(h, PORT, "b", 1);
	assert_int_equal(log.calls, 2);

	/* Not for a datagram that was refused. */
	n = build_udp(PORT, "c", 1, bad, sizeof(bad));
	bad[7] ^= 0xff;
	harness_send_ip(h, IPV4_PROTO_UDP, bad, n);
	assert_int_equal(log.calls, 2);

	/* Nor after the callback is removed. */
	tapir_udp_set_callback(u, NULL, NULL);
	send_udp(h, PORT, "d", 1);
	assert_int_equal(log.calls, 2);
	tapir_udp_close(u);
}

static void test_trace_shows_datagrams_in_and_out(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	struct tapir_udp_endpoint to = {HARNESS_PEER_IP, PEER_PORT};

	send_udp(h, PORT, "hello", 5);
	tapir_udp_sendto(u, &to, (const uint8_t *)"bye", 3, h->now);

	assert_true(harness_find_event(h, 0, "udp in 10.0.0.1:1234 > 10.0.0.2:5000 len=5") >= 0);
	assert_true(harness_find_event(h, 0, "udp out 10.0.0.2:5000 > 10.0.0.1:1234 len=3") >= 0);
	tapir_udp_close(u);
}

/* ---- closed ports -------------------------------------------------------------- */

static void test_unbound_port_gets_port_unreachable_quoting_header_and_8_bytes(void **state)
{
	struct harness *h = *state;
	uint8_t payload[100], dgram[128], frame[TAPIR_FRAME_MAX], buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip = {
	    .id = 0x4321,
	    .ttl = 64,
	    .protocol = IPV4_PROTO_UDP,
	    .src = HARNESS_PEER_IP,
	    .dst = HARNESS_STACK_IP,
	    .header_len = IPV4_HEADER_LEN,
	};
	struct eth_header eth = {
	    .dst = HARNESS_STACK_MAC, .src = HARNESS_PEER_MAC, .type = ETH_TYPE_IPV4};
	struct ipv4_header reply;
	struct icmp_message msg;
	size_t n;

	memset(payload, 0x3c, sizeof(payload));
	n = build_udp(9999, payload, sizeof(payload), dgram, sizeof(dgram));
	ip.total_len = (uint16_t)(IPV4_HEADER_LEN + n);
	eth_emit(&eth, frame, ETH_HEADER_LEN);
	ipv4_emit(&ip, frame + ETH_HEADER_LEN, IPV4_HEADER_LEN);
	memcpy(frame + ETH_HEADER_LEN + IPV4_HEADER_LEN, dgram, n);
	harness_send_frame(h, frame, ETH_HEADER_LEN + IPV4_HEADER_LEN + n);

	assert_true(harness_recv_ip(h, &reply, buf, sizeof(buf)));
	assert_int_equal(reply.dst, HARNESS_PEER_IP);
	assert_int_equal(reply.protocol, IPV4_PROTO_ICMP);
	assert_int_equal(icmp_parse(reply.payload, reply.payload_len, &msg), TAPIR_DROP_NONE);
	assert_int_equal(msg.type, ICMP_DEST_UNREACHABLE);
	assert_int_equal(msg.code, ICMP_UNREACH_PORT);
	/* The IP header as it arrived, then exactly the UDP header: no more. */
	assert_int_equal(msg.data_len, IPV4_HEADER_LEN + 8);
	assert_memory_equal(msg.data, frame + ETH_HEADER_LEN, IPV4_HEADER_LEN + 8);

	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_NO_PORT), 1);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ICMP_UNREACH_TX), 1);
	assert_true(harness_find_event(h, 0, "udp drop no-port") >= 0);
	assert_true(harness_find_event(h, 0, "icmp out 10.0.0.2 > 10.0.0.1 type=3 code=3") >= 0);
	assert_int_equal(harness_pending(h), 0);
}

static void test_closed_socket_frees_its_port(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT), *v;

	tapir_udp_close(u);
	send_udp(h, PORT, "late", 4);
	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_NO_PORT), 1);

	assert_int_equal(tapir_udp_open(h->stack, &v), 0);
	assert_int_equal(tapir_udp_bind(v, PORT), 0);
	tapir_udp_close(v);
	tapir_udp_close(NULL);
}

static void test_datagram_to_port_0_is_not_given_to_an_unbound_socket(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *unbound;
	uint8_t buf[16];

	/* An open socket that was never bound has no port: port 0 on the wire
	 * (reserved, RFC 768) must not find it. */
	assert_int_equal(tapir_udp_open(h->stack, &unbound), 0);
	send_udp(h, 0, "zero", 4);

	assert_int_equal(tapir_udp_recvfrom(unbound, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_NO_PORT), 1);
	tapir_udp_close(unbound);
}

/* ---- broken datagrams ------------------------------------------------------------ */

static void test_bad_checksum_is_dropped(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t dgram[32], buf[32];
	size_t n = build_udp(PORT, "payload", 7, dgram, sizeof(dgram));

	dgram[n - 1] ^= 0x01;
	harness_send_ip(h, IPV4_PROTO_UDP, dgram, n);

	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_BAD_CHECKSUM), 1);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(harness_pending(h), 0); /* no ICMP for a broken datagram */
	assert_int_equal(harness_counter(h, TAPIR_CNT_UDP_RX), 0);
	assert_true(harness_find_event(h, 0, "udp drop bad-checksum") >= 0);
	tapir_udp_close(u);
}

static void test_checksum_zero_means_none_and_is_accepted(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t dgram[32], buf[32];
	size_t n = build_udp(PORT, "unsummed", 8, dgram, sizeof(dgram));

	write_be16(&dgram[6], 0);
	harness_send_ip(h, IPV4_PROTO_UDP, dgram, n);

	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), 8);
	assert_memory_equal(buf, "unsummed", 8);
	assert_int_equal(total_drops(h), 0);
	tapir_udp_close(u);
}

static void test_bad_length_and_truncated_are_dropped(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t dgram[32], buf[32];
	size_t n = build_udp(PORT, "0123456789", 10, dgram, sizeof(dgram));

	/* Length field longer than the IP payload. */
	write_be16(&dgram[4], (uint16_t)(n + 1));
	write_be16(&dgram[6], 0);
	harness_send_ip(h, IPV4_PROTO_UDP, dgram, n);
	/* Length field below the 8-byte header. */
	write_be16(&dgram[4], 7);
	harness_send_ip(h, IPV4_PROTO_UDP, dgram, n);
	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_BAD_LENGTH), 2);

	/* Shorter than a header. */
	harness_send_ip(h, IPV4_PROTO_UDP, dgram, 7);
	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_TRUNCATED), 1);

	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(harness_pending(h), 0);
	tapir_udp_close(u);
}

static void test_bytes_past_the_length_field_are_not_data(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t dgram[32], buf[32];
	size_t n = build_udp(PORT, "abc", 3, dgram, sizeof(dgram));

	/* Three bytes of junk after the datagram, inside the IP payload. */
	memcpy(dgram + n, "zzz", 3);
	harness_send_ip(h, IPV4_PROTO_UDP, dgram, n + 3);

	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), 3);
	assert_memory_equal(buf, "abc", 3);
	tapir_udp_close(u);
}

/* ---- queue bounds and truncation ---------------------------------------------------- */

static void test_queue_bound_by_count(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	struct callback_log log = {0};
	uint8_t buf[8];

	tapir_udp_set_callback(u, on_readable, &log);
	for (int i = 0; i < TAPIR_UDP_RX_QUEUE + 2; i++) {
		uint8_t b = (uint8_t)i;

		send_udp(h, PORT, &b, 1);
	}
	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_QUEUE_FULL), 2);
	assert_int_equal(log.calls, TAPIR_UDP_RX_QUEUE);
	assert_true(harness_find_event(h, 0, "udp drop queue-full") >= 0);

	/* The oldest are kept; the newest were dropped. */
	for (int i = 0; i < TAPIR_UDP_RX_QUEUE; i++) {
		assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), 1);
		assert_int_equal(buf[0], (uint8_t)i);
	}
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), -EAGAIN);

	/* Reading made room again. */
	send_udp(h, PORT, "x", 1);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), 1);
	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_QUEUE_FULL), 2);
	tapir_udp_close(u);
}

static void test_queue_bound_by_bytes(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	size_t size = 8000, fits = TAPIR_UDP_RX_BYTES / size;
	uint8_t *data = malloc(size), *buf = malloc(size);

	assert_non_null(data);
	assert_non_null(buf);
	assert_true(fits < TAPIR_UDP_RX_QUEUE); /* the byte bound bites first */
	memset(data, 0x42, size);
	for (size_t i = 0; i <= fits; i++)
		send_udp_fragmented(h, PORT, data, size, (uint16_t)(100 + i));

	assert_int_equal(harness_counter(h, TAPIR_CNT_UDP_RX), fits + 1);
	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_QUEUE_FULL), 1);

	/* A small one still fits in what is left. */
	send_udp(h, PORT, "small", 5);
	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_QUEUE_FULL), 1);
	for (size_t i = 0; i < fits; i++)
		assert_int_equal(tapir_udp_recvfrom(u, buf, size, NULL), (int)size);
	assert_int_equal(tapir_udp_recvfrom(u, buf, size, NULL), 5);

	/* Emptied: a whole batch fits again. */
	for (size_t i = 0; i < fits; i++)
		send_udp_fragmented(h, PORT, data, size, (uint16_t)(200 + i));
	assert_int_equal(harness_drops(h, TAPIR_DROP_UDP_QUEUE_FULL), 1);
	free(data);
	free(buf);
	tapir_udp_close(u);
}

static void test_recvfrom_truncates_and_discards_the_rest(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	uint8_t buf[16];
	struct tapir_udp_endpoint from;

	send_udp(h, PORT, "0123456789abcdef", 16);
	send_udp(h, PORT, "next", 4);

	memset(buf, 0, sizeof(buf));
	assert_int_equal(tapir_udp_recvfrom(u, buf, 10, &from), 10);
	assert_memory_equal(buf, "0123456789", 10);
	assert_int_equal(buf[10], 0);
	assert_int_equal(from.port, PEER_PORT);
	/* The rest of that datagram is gone: the next read is the next one. */
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), 4);
	assert_memory_equal(buf, "next", 4);

	send_udp(h, PORT, "gone", 4);
	assert_int_equal(tapir_udp_recvfrom(u, buf, 0, NULL), 0);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), -EAGAIN);
	tapir_udp_close(u);
}

/* ---- errors of the calls --------------------------------------------------------------- */

static void test_bind_errors(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *a = open_bound(h, PORT), *b;

	assert_int_equal(tapir_udp_open(h->stack, &b), 0);
	assert_int_equal(tapir_udp_bind(b, PORT), -EADDRINUSE);
	assert_int_equal(tapir_udp_local_port(b), 0);
	assert_int_equal(tapir_udp_bind(b, PORT + 1), 0);
	/* A bound socket cannot be bound again. */
	assert_int_equal(tapir_udp_bind(b, PORT + 2), -EINVAL);
	assert_int_equal(tapir_udp_local_port(b), PORT + 1);
	tapir_udp_close(a);
	tapir_udp_close(b);
}

static void test_open_fails_with_emfile_when_all_sockets_are_used(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *socks[TAPIR_UDP_SOCKETS], *extra;

	for (int i = 0; i < TAPIR_UDP_SOCKETS; i++)
		assert_int_equal(tapir_udp_open(h->stack, &socks[i]), 0);
	assert_int_equal(tapir_udp_open(h->stack, &extra), -EMFILE);

	tapir_udp_close(socks[10]);
	assert_int_equal(tapir_udp_open(h->stack, &extra), 0);
	assert_ptr_equal(extra, socks[10]);
	socks[10] = extra;
	for (int i = 0; i < TAPIR_UDP_SOCKETS; i++)
		tapir_udp_close(socks[i]);
}

static void test_ephemeral_ports_are_distinct_and_in_range(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *socks[TAPIR_UDP_SOCKETS];

	for (int i = 0; i < TAPIR_UDP_SOCKETS; i++) {
		uint16_t port;

		assert_int_equal(tapir_udp_open(h->stack, &socks[i]), 0);
		assert_int_equal(tapir_udp_bind(socks[i], 0), 0);
		port = tapir_udp_local_port(socks[i]);
		assert_true(port >= TAPIR_EPHEMERAL_FIRST);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(tapir_udp_local_port(socks[j]), port);
	}
	for (int i = 0; i < TAPIR_UDP_SOCKETS; i++)
		tapir_udp_close(socks[i]);
}

static void test_ephemeral_choice_skips_a_port_in_use(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *probe, *blocker, *u;
	uint16_t next;

	/* Learn which port comes next, free it, take it by hand, then ask. */
	assert_int_equal(tapir_udp_open(h->stack, &probe), 0);
	assert_int_equal(tapir_udp_bind(probe, 0), 0);
	next = (uint16_t)(tapir_udp_local_port(probe) == 65535 ? TAPIR_EPHEMERAL_FIRST
	                                                       : tapir_udp_local_port(probe) + 1);
	assert_int_equal(tapir_udp_open(h->stack, &blocker), 0);
	assert_int_equal(tapir_udp_bind(blocker, next), 0);

	assert_int_equal(tapir_udp_open(h->stack, &u), 0);
	assert_int_equal(tapir_udp_bind(u, 0), 0);
	assert_int_not_equal(tapir_udp_local_port(u), next);
	assert_true(tapir_udp_local_port(u) >= TAPIR_EPHEMERAL_FIRST);
	tapir_udp_close(probe);
	tapir_udp_close(blocker);
	tapir_udp_close(u);
}

static void test_sendto_binds_an_unbound_socket_to_an_ephemeral_port(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u;
	struct tapir_udp_endpoint to = {HARNESS_PEER_IP, 53};
	uint8_t buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip;
	struct udp_datagram dgram;

	assert_int_equal(tapir_udp_open(h->stack, &u), 0);
	assert_int_equal(tapir_udp_local_port(u), 0);
	assert_int_equal(tapir_udp_sendto(u, &to, (const uint8_t *)"q", 1, h->now), 1);
	assert_true(tapir_udp_local_port(u) >= TAPIR_EPHEMERAL_FIRST);

	assert_true(harness_recv_ip(h, &ip, buf, sizeof(buf)));
	assert_int_equal(udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &dgram),
	                 TAPIR_DROP_NONE);
	assert_int_equal(dgram.src_port, tapir_udp_local_port(u));
	assert_int_equal(dgram.dst_port, 53);

	/* The answer comes back to that port. */
	send_udp(h, dgram.src_port, "a", 1);
	assert_int_equal(tapir_udp_recvfrom(u, buf, sizeof(buf), NULL), 1);
	tapir_udp_close(u);
}

static void test_sendto_argument_errors(void **state)
{
	struct harness *h = *state;
	struct tapir_udp *u = open_bound(h, PORT);
	struct tapir_udp_endpoint to = {HARNESS_PEER_IP, 0};
	uint8_t *big = calloc(1, UDP_MAX_PAYLOAD + 1);

	assert_non_null(big);
	assert_int_equal(tapir_udp_sendto(u, &to, (const uint8_t *)"x", 1, h->now), -EINVAL);
	to.port = 9;
	assert_int_equal(tapir_udp_sendto(u, &to, big, UDP_MAX_PAYLOAD + 1, h->now), -EMSGSIZE);
	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_UDP_TX), 0);
	/* The largest does go, in 45 fragments. */
	assert_int_equal(tapir_udp_sendto(u, &to, big, UDP_MAX_PAYLOAD, h->now), UDP_MAX_PAYLOAD);
	assert_int_equal(harness_pending(h), 45);
	free(big);
	tapir_udp_close(u);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_bound_socket_receives_datagram_with_sender),
	    T(test_datagrams_are_read_in_arrival_order),
	    T(test_sendto_emits_exact_datagram),
	    T(test_echo_service_round_trip_in_callback),
	    T(test_callback_is_called_once_per_queued_datagram),
	    T(test_trace_shows_datagrams_in_and_out),
	    T(test_unbound_port_gets_port_unreachable_quoting_header_and_8_bytes),
	    T(test_closed_socket_frees_its_port),
	    T(test_datagram_to_port_0_is_not_given_to_an_unbound_socket),
	    T(test_bad_checksum_is_dropped),
	    T(test_checksum_zero_means_none_and_is_accepted),
	    T(test_bad_length_and_truncated_are_dropped),
	    T(test_bytes_past_the_length_field_are_not_data),
	    T(test_queue_bound_by_count),
	    T(test_queue_bound_by_bytes),
	    T(test_recvfrom_truncates_and_discards_the_rest),
	    T(test_bind_errors),
	    T(test_open_fails_with_emfile_when_all_sockets_are_used),
	    T(test_ephemeral_ports_are_distinct_and_in_range),
	    T(test_ephemeral_choice_skips_a_port_in_use),
	    T(test_sendto_binds_an_unbound_socket_to_an_ephemeral_port),
	    T(test_sendto_argument_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_wire_tso.c — software TCP segmentation (wire/tso.c): a super-segment
 * built the way TCP builds one for an offloading link (tcp_emit_offload)
 * is cut into wire segments that tapir's own parsers accept, carry the
 * payload in order with the right sequence numbers, IDs and flags, and
 * malformed super-segments are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tapir/options.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/tso.h"

#define SRC TAPIR_IP(10, 0, 0, 2)
#define DST TAPIR_IP(10, 0, 0, 1)
#define ID0 0xfffe /* the IDs wrap during the cut */

static uint8_t super[ETH_HEADER_LEN + IPV4_MAX_DATAGRAM];

/* What the pieces looked like, collected by collect_piece. */
struct pieces {
	unsigned count;
	uint8_t payload[IPV4_MAX_DATAGRAM];
	size_t payload_len;
	uint32_t first_seq;
	uint8_t flags[64];
	uint16_t ids[64];
	size_t lengths[64];
};

static int collect_piece(void *user, const uint8_t *frame, size_t len)
{
	struct pieces *p = user;
	struct eth_header eth;
	struct ipv4_header ip;
	struct tcp_segment seg;
	const uint8_t *l3;
	size_t l3_len;

	assert_true(len <= TAPIR_FRAME_MAX);
	assert_int_equal(eth_parse(frame, len, &eth, &l3, &l3_len), TAPIR_DROP_NONE);
	assert_int_equal(ipv4_parse(l3, l3_len, &ip), TAPIR_DROP_NONE);
	/* tcp_parse checks the checksum over the pseudo-header. */
	assert_int_equal(tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &seg),
	                 TAPIR_DROP_NONE);
	if (p->count == 0)
		p->first_seq = seg.seq;
	assert_int_equal(seg.seq, p->first_seq + (uint32_t)p->payload_len);
	assert_true(seg.opt.has_timestamps);
	assert_int_equal(seg.opt.ts_val, 1234);
	memcpy(p->payload + p->payload_len, seg.payload, seg.payload_len);
	p->payload_len += seg.payload_len;
	p->flags[p->count] = seg.flags;
	p->ids[p->count] = ip.id;
	p->lengths[p->count] = seg.payload_len;
	p->count++;
	return 0;
}

/* A super-segment of `payload_len` pattern bytes with `flags`, as TCP builds
 * it for TSO; returns the frame length. */
static size_t build_super(size_t payload_len, uint8_t flags)
{
	static uint8_t data[IPV4_MAX_DATAGRAM];
	struct eth_header eth = {
	    .dst = {{2, 0, 0, 0, 0, 1}}, .src = {{2, 0, 0, 0, 0, 2}}, .type = ETH_TYPE_IPV4};
	struct tcp_segment seg = {.src_port = 19,
	                          .dst_port = 40000,
	                          .seq = 0xfffff000u,
	                          .ack = 77,
	                          .flags = flags,
	                          .window = 500};
	struct ipv4_header ip = {.ttl = 64,
	                         .protocol = IPV4_PROTO_TCP,
	                         .src = SRC,
	                         .dst = DST,
	                         .header_len = IPV4_HEADER_LEN,
	                         .id = ID0};

	for (size_t i = 0; i < payload_len; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8));
	seg.opt.has_timestamps = true;
	seg.opt.ts_val = 1234;
	seg.opt.ts_ecr = 99;
	seg.payload = data;
	seg.payload_len = payload_len;
	uint8_t *tcp = super + ETH_HEADER_LEN + IPV4_HEADER_LEN;
	size_t n = tcp_emit_offload(&seg, SRC, DST, tcp, IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN);
	assert_true(n > 0);
	/* The checksum field holds the folded pseudo-header sum only. */
	uint16_t partial = (uint16_t)~checksum_finish(
	    checksum_pseudo_header(SRC, DST, IPV4_PROTO_TCP, (uint16_t)n));
	assert_int_equal(read_be16(tcp + 16), partial);
	ip.total_len = (uint16_t)(IPV4_HEADER_LEN + n);
	ipv4_emit(&ip, super + ETH_HEADER_LEN, IPV4_HEADER_LEN);
	eth_emit(&eth, super, ETH_HEADER_LEN);
	return ETH_HEADER_LEN + IPV4_HEADER_LEN + n;
}

static void check_payload(const struct pieces *p, size_t payload_len)
{
	assert_int_equal(p->payload_len, payload_len);
	for (size_t i = 0; i < payload_len; i++)
		assert_int_equal(p->payload[i], (uint8_t)(i * 7 + (i >> 8)));
}

static void test_cut_into_mss_pieces(void **state)
{
	(void)state;
	static struct pieces p;
	size_t payload_len = 45 * 1448;
	size_t len = build_super(payload_len, TCP_FLAG_ACK | TCP_FLAG_PSH | TCP_FLAG_FIN);

	memset(&p, 0, sizeof(p));
	assert_int_equal(tso_segment(super, len, 1448, collect_piece, &p), 0);
	assert_int_equal(p.count, 45);
	check_payload(&p, payload_len);
	for (unsigned i = 0; i < p.count; i++) {
		assert_int_equal(p.lengths[i], 1448);
		assert_int_equal(p.ids[i], (uint16_t)(ID0 + i)); /* wraps past 0xffff */
		uint8_t want =
		    i + 1 < p.count ? TCP_FLAG_ACK : TCP_FLAG_ACK | TCP_FLAG_PSH | TCP_FLAG_FIN;
		assert_int_equal(p.flags[i], want);
	}
}

static void test_short_last_piece_and_cwr_first_only(void **state)
{
	(void)state;
	static struct pieces p;
	size_t len = build_super(1000, TCP_FLAG_ACK | TCP_FLAG_CWR | TCP_FLAG_PSH);

	memset(&p, 0, sizeof(p));
	assert_int_equal(tso_segment(super, len, 300, collect_piece, &p), 0);
	assert_int_equal(p.count, 4);
	check_payload(&p, 1000);
	assert_int_equal(p.lengths[3], 100);
	assert_int_equal(p.flags[0], TCP_FLAG_ACK | TCP_FLAG_CWR);
	assert_int_equal(p.flags[1], TCP_FLAG_ACK);
	assert_int_equal(p.flags[3], TCP_FLAG_ACK | TCP_FLAG_PSH);
}

static void test_small_segment_is_one_piece(void **state)
{
	(void)state;
	static struct pieces p;
	size_t len = build_super(0, TCP_FLAG_ACK);

	memset(&p, 0, sizeof(p));
	assert_int_equal(tso_segment(super, len, 1448, collect_piece, &p), 0);
	assert_int_equal(p.count, 1);
	assert_int_equal(p.payload_len, 0);
}

static int stop_after_two(void *user, const uint8_t *frame, size_t len)
{
	unsigned *n = user;

	(void)frame;
	(void)len;
	return ++*n == 2 ? -ENOBUFS : 0;
}

static void test_callback_error_stops(void **state)
{
	(void)state;
	unsigned n = 0;
	size_t len = build_super(10 * 1000, TCP_FLAG_ACK);

	assert_int_equal(tso_segment(super, len, 1000, stop_after_two, &n), -ENOBUFS);
	assert_int_equal(n, 2);
}

static void test_malformed_refused(void **state)
{
	(void)state;
	static struct pieces p;
	size_t len = build_super(5000, TCP_FLAG_ACK);
	uint8_t *ip = super + ETH_HEADER_LEN;

	memset(&p, 0, sizeof(p));
	assert_int_equal(tso_segment(super, 40, 1448, collect_piece, &p), -EINVAL);  /* truncated */
	assert_int_equal(tso_segment(super, len, 0, collect_piece, &p), -EINVAL);    /* no mss */
	assert_int_equal(tso_segment(super, len, 1600, collect_piece, &p), -EINVAL); /* too big */
	/* The IP length claims more than the frame holds. */
	assert_int_equal(tso_segment(super, len - 1, 1448, collect_piece, &p), -EINVAL);
	super[12] = 0x86; /* IPv6's EtherType */
	assert_int_equal(tso_segment(super, len, 1448, collect_piece, &p), -EINVAL);
	super[12] = 0x08;
	ip[6] |= 0x20; /* more fragments */
	assert_int_equal(tso_segment(super, len, 1448, collect_piece, &p), -EINVAL);
	ip[6] &= (uint8_t)~0x20;
	ip[9] = IPV4_PROTO_UDP;
	assert_int_equal(tso_segment(super, len, 1448, collect_piece, &p), -EINVAL);
	ip[9] = IPV4_PROTO_TCP;
	ip[IPV4_HEADER_LEN + 12] = 0x20; /* TCP data offset 2 */
	assert_int_equal(tso_segment(super, len, 1448, collect_piece, &p), -EINVAL);
	assert_int_equal(p.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cut_into_mss_pieces),
	    cmocka_unit_test(test_short_last_piece_and_cwr_first_only),
	    cmocka_unit_test(test_small_segment_is_one_piece),
	    cmocka_unit_test(test_callback_error_stops),
	    cmocka_unit_test(test_malformed_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

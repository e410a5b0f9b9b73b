/*
 * test_tcp_peer.h — helpers shared by the test_tcp_*.c files: the test
 * plays the TCP peer 10.0.0.1 against a tapir stack at 10.0.0.2 (through
 * tests/lib/harness.h), sending hand-made segments at virtual times and
 * checking exactly which segments come back and which (from, to, cause)
 * state transitions the stack put on its trace.
 *
 * Everything is static inline so each test program takes what it uses.
 */
#ifndef TAPIR_TEST_TCP_PEER_H
#define TAPIR_TEST_TCP_PEER_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/harness.h"
#include "tapir/tcp.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/tcp.h"

#define PEER_PORT       40000
#define STACK_PORT      80
#define PEER_ISS        1000u
#define MAX_TRANSITIONS 256

struct transition {
	uint32_t conn;
	char text[128]; /* "FROM -> TO (cause)" */
};

struct peer {
	struct harness h;
	struct transition log[MAX_TRANSITIONS];
	size_t nlog;
	uint8_t buf[TAPIR_FRAME_MAX];
	/* What the application callbacks saw. */
	unsigned events;
	int last_error;
	unsigned callbacks;
};

static inline void peer_record(void *user, const struct tapir_event *ev)
{
	struct peer *p = user;

	if (ev->kind != TAPIR_EV_TCP_STATE || p->nlog >= MAX_TRANSITIONS)
		return;
	p->log[p->nlog].conn = ev->u.tcp_state.conn.id;
	snprintf(p->log[p->nlog].text, sizeof(p->log[p->nlog].text), "%s -> %s (%s)",
	         ev->u.tcp_state.from, ev->u.tcp_state.to, ev->u.tcp_state.cause);
	p->nlog++;
}

/* Print the last trace events, to see why a test failed. */
static inline void peer_dump(const struct peer *p)
{
	size_t from = p->h.nevents > 40 ? p->h.nevents - 40 : 0;

	for (size_t i = from; i < p->h.nevents; i++)
		fprintf(stderr, "  | %s\n", p->h.events[i]);
}

static inline void peer_setup(struct peer *p)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(harness_setup(&p->h), 0);
	assert_int_equal(tapir_trace_attach(&p->h.trace, peer_record, p), 0);
}

static inline void peer_teardown(struct peer *p)
{
	harness_teardown(&p->h);
}

/* The application callback the tests install: it only records. */
static inline void app_record(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	struct peer *p = user;

	(void)sock;
	p->events |= events;
	p->callbacks++;
	if (error)
		p->last_error = error;
}

/* An ARP request from the peer for our address: the stack (re)learns the
 * peer's MAC, so its cache entry does not expire during long waits. The
 * stack's ARP reply is skipped by peer_recv(). */
static inline void peer_arp_refresh(struct peer *p)
{
	uint8_t frame[ETH_HEADER_LEN + ARP_PACKET_LEN];
	struct eth_header eth = {
	    .dst = ETH_BROADCAST, .src = HARNESS_PEER_MAC, .type = ETH_TYPE_ARP};
	struct arp_packet arp = {
	    .opcode = ARP_OP_REQUEST,
	    .sender_mac = HARNESS_PEER_MAC,
	    .sender_ip = HARNESS_PEER_IP,
	    .target_ip = HARNESS_STACK_IP,
	};

	eth_emit(&eth, frame, sizeof(frame));
	arp_emit(&arp, frame + ETH_HEADER_LEN, sizeof(frame) - ETH_HEADER_LEN);
	harness_send_frame(&p->h, frame, sizeof(frame));
}

/* harness_advance() in steps short enough for the ARP entry to stay fresh. */
static inline void peer_advance(struct peer *p, tapir_time dt)
{
	while (dt > 0) {
		tapir_time step = dt < TAPIR_SECONDS(20) ? dt : TAPIR_SECONDS(20);
		peer_arp_refresh(p);
		harness_advance(&p->h, step);
		dt -= step;
	}
}

/* Send a segment from 10.0.0.1:PEER_PORT (or `sport`) to 10.0.0.2:dport. */
static inline void peer_send_full(struct peer *p, uint16_t sport, uint16_t dport, uint8_t flags,
                                  uint32_t seq, uint32_t ack, uint16_t window,
                                  const struct tcp_options *opt, const void *data, size_t len)
{
	struct tcp_segment seg = {
	    .src_port = sport,
	    .dst_port = dport,
	    .seq = seq,
	    .ack = ack,
	    .flags = flags,
	    .window = window,
	    .payload = data,
	    .payload_len = len,
	};
	uint8_t out[TAPIR_FRAME_MAX];

	if (opt)
		seg.opt = *opt;
	size_t n = tcp_emit(&seg, HARNESS_PEER_IP, HARNESS_STACK_IP, out, sizeof(out));
	assert_true(n > 0);
	harness_send_ip(&p->h, IPV4_PROTO_TCP, out, n);
}

static inline void peer_send(struct peer *p, uint8_t flags, uint32_t seq, uint32_t ack,
                             const void *data, size_t len)
{
	peer_send_full(p, PEER_PORT, STACK_PORT, flags, seq, ack, 65535, NULL, data, len);
}

/* The peer's SYN with an MSS option of 1460 and nothing else. */
static inline void peer_send_syn(struct peer *p, uint16_t dport, uint32_t iss)
{
	struct tcp_options opt = {.has_mss = true, .mss = 1460};

	peer_send_full(p, PEER_PORT, dport, TCP_FLAG_SYN, iss, 0, 65535, &opt, NULL, 0);
}

/* The next TCP segment the stack sent, if any. */
static inline bool peer_recv(struct peer *p, struct tcp_segment *seg)
{
	struct ipv4_header ip;

	while (harness_recv_ip(&p->h, &ip, p->buf, sizeof(p->buf))) {
		if (ip.protocol != IPV4_PROTO_TCP)
			continue;
		assert_int_equal(ip.src, HARNESS_STACK_IP);
		assert_int_equal(ip.dst, HARNESS_PEER_IP);
		assert_int_equal(tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, seg),
		                 TAPIR_DROP_NONE);
		return true;
	}
	return false;
}

/* Expect exactly one segment with these flags, seq and ack (and len payload
 * bytes); returns it for further checks. */
static inline struct tcp_segment peer_expect(struct peer *p, uint8_t flags, uint32_t seq,
                                             uint32_t ack, size_t len)
{
	struct tcp_segment seg;

	if (!peer_recv(p, &seg)) {
		peer_dump(p);
		fail_msg("expected a segment seq=%u ack=%u len=%zu", seq, ack, len);
	}
	if (seg.flags != flags || seg.seq != seq || seg.payload_len != len)
		peer_dump(p);
	assert_int_equal(seg.flags, flags);
	assert_int_equal(seg.seq, seq);
	if (flags & TCP_FLAG_ACK)
		assert_int_equal(seg.ack, ack);
	assert_int_equal(seg.payload_len, len);
	return seg;
}

static inline void peer_expect_nothing(struct peer *p)
{
	struct tcp_segment seg;

	if (peer_recv(p, &seg)) {
		peer_dump(p);
		fail_msg("unexpected segment seq=%u ack=%u len=%zu", seg.seq, seg.ack,
		         seg.payload_len);
	}
}

/* Assert that the transitions of connection `conn` are exactly `want`
 * (a NULL-terminated list of "FROM -> TO (cause)"). */
static inline void assert_transitions(const struct peer *p, uint32_t conn, const char *const *want)
{
	size_t k = 0;

	for (size_t i = 0; i < p->nlog; i++) {
		if (p->log[i].conn != conn)
			continue;
		if (!want[k])
			fail_msg("unexpected extra transition: %s", p->log[i].text);
		assert_string_equal(p->log[i].text, want[k]);
		k++;
	}
	if (want[k])
		fail_msg("missing transition: %s", want[k]);
}

static inline uint32_t conn_id(const struct tapir_tcp *sock)
{
	struct tapir_tcp_conn_id id;

	tapir_tcp_endpoints(sock, &id);
	return id.id;
}

/* Passive open on STACK_PORT up to ESTABLISHED: returns the listener and
 * the accepted connection, and the stack's ISS in *iss. */
static inline void open_passive(struct peer *p, struct tapir_tcp **listener,
                                struct tapir_tcp **conn, uint32_t *iss)
{
	struct tcp_segment seg;

	assert_int_equal(tapir_tcp_listen(p->h.stack, STACK_PORT, 4, app_record, p, listener), 0);
	peer_send_syn(p, STACK_PORT, PEER_ISS);
	assert_true(peer_recv(p, &seg));
	assert_int_equal(seg.flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
	*iss = seg.seq;
	peer_send(p, TCP_FLAG_ACK, PEER_ISS + 1, *iss + 1, NULL, 0);
	assert_int_equal(tapir_tcp_accept(*listener, app_record, p, conn), 0);
	peer_expect_nothing(p);
}

/* connect() to 10.0.0.1:PEER_PORT and take the SYN it sends: the
 * connection stays in SYN-SENT; *syn is that SYN. */
static inline void open_syn_sent(struct peer *p, struct tapir_tcp **conn, struct tcp_segment *syn)
{
	assert_int_equal(
	    tapir_tcp_connect(p->h.stack, HARNESS_PEER_IP, PEER_PORT, app_record, p, conn), 0);
	assert_true(peer_recv(p, syn));
	assert_int_equal(syn->flags, TCP_FLAG_SYN);
}

/* Active open to 10.0.0.1:PEER_PORT whose SYN,ACK comes `rtt` after the
 * SYN (the handshake's round trip): returns the connection, its ISS and
 * local port. */
static inline void open_active_rtt(struct peer *p, struct tapir_tcp **conn, uint32_t *iss,
                                   uint16_t *port, tapir_time rtt)
{
	struct tcp_segment seg;

	open_syn_sent(p, conn, &seg);
	*iss = seg.seq;
	*port = seg.src_port;
	if (rtt > 0)
		peer_advance(p, rtt);
	struct tcp_options opt = {.has_mss = true, .mss = 1460};
	peer_send_full(p, PEER_PORT, *port, TCP_FLAG_SYN | TCP_FLAG_ACK, PEER_ISS, *iss + 1, 65535,
	               &opt, NULL, 0);
	peer_expect(p, TCP_FLAG_ACK, *iss + 1, PEER_ISS + 1, 0);
	assert_string_equal(tapir_tcp_state(*conn), "ESTABLISHED");
}

/* Active open with no delay: the SYN,ACK at once. */
static inline void open_active(struct peer *p, struct tapir_tcp **conn, uint32_t *iss,
                               uint16_t *port)
{
	open_active_rtt(p, conn, iss, port, 0);
}

#endif /* TAPIR_TEST_TCP_PEER_H */

/*
 * test_tcp_open.c — opening connections (RFC 9293 3.5): passive open from
 * LISTEN, active open from SYN-SENT, simultaneous open through
 * SYN-RECEIVED, the options of SYN and SYN,ACK, SYN to a closed port, the
 * bounded backlog under a SYN flood, and ISNs (RFC 6528). Each test asserts
 * the exact segments the stack sends and its (from, to, cause) transitions.
 */
#include "tcp/tcp_internal.h"
#include "test_tcp_peer.h"

/* In LISTEN, receive SYN: expect SYN,ACK with MSS; then the ACK makes the
 * child ESTABLISHED and the listener ACCEPTABLE. */
static void test_passive_open(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	assert_string_equal(tapir_tcp_state(l), "LISTEN");
	peer_send_syn(&p, STACK_PORT, PEER_ISS);

	assert_true(peer_recv(&p, &seg));
	assert_int_equal(seg.flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
	assert_int_equal(seg.ack, PEER_ISS + 1);
	assert_int_equal(seg.src_port, STACK_PORT);
	assert_int_equal(seg.dst_port, PEER_PORT);
	assert_true(seg.opt.has_mss);
	assert_int_equal(seg.opt.mss, 1460);
	/* The peer offered neither window scale nor timestamps. */
	assert_false(seg.opt.has_wscale);
	assert_false(seg.opt.has_timestamps);
	uint32_t iss = seg.seq;
	peer_expect_nothing(&p);
	assert_int_equal(tapir_tcp_accept(l, app_record, &p, &c), -EAGAIN);

	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, iss + 1, NULL, 0);
	peer_expect_nothing(&p);
	assert_true(p.events & TAPIR_TCP_ACCEPTABLE);
	assert_int_equal(tapir_tcp_accept(l, app_record, &p, &c), 0);
	assert_string_equal(tapir_tcp_state(c), "ESTABLISHED");

	static const char *const listener[] = {"CLOSED -> LISTEN (passive OPEN / create TCB)",
	                                       NULL};
	static const char *const child[] = {
	    "CLOSED -> LISTEN (passive OPEN / create TCB)",
	    "LISTEN -> SYN-RECEIVED (rcv SYN / snd SYN,ACK)",
	    "SYN-RECEIVED -> ESTABLISHED (rcv ACK of SYN)",
	    NULL,
	};
	assert_transitions(&p, conn_id(l), listener);
	assert_transitions(&p, conn_id(c), child);
	peer_teardown(&p);
}

/* In CLOSED, connect: expect SYN with MSS, window scale and timestamps;
 * receive SYN,ACK: expect ACK and ESTABLISHED, the app told CONNECTED. */
static void test_active_open(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	struct tcp_segment seg;

	peer_setup(&p);
	assert_int_equal(
	    tapir_tcp_connect(p.h.stack, HARNESS_PEER_IP, PEER_PORT, app_record, &p, &c), 0);
	assert_string_equal(tapir_tcp_state(c), "SYN-SENT");
	assert_true(peer_recv(&p, &seg));
	assert_int_equal(seg.flags, TCP_FLAG_SYN);
	assert_int_equal(seg.dst_port, PEER_PORT);
	assert_true(seg.src_port >= TAPIR_EPHEMERAL_FIRST);
	assert_true(seg.opt.has_mss);
	assert_int_equal(seg.opt.mss, 1460);
	assert_true(seg.opt.has_wscale);
	assert_true(seg.opt.has_timestamps);
	uint32_t iss = seg.seq;

	struct tcp_options opt = {.has_mss = true, .mss = 1000};
	peer_send_full(&p, PEER_PORT, seg.src_port, TCP_FLAG_SYN | TCP_FLAG_ACK, PEER_ISS, iss + 1,
	               65535, &opt, NULL, 0);
	seg = peer_expect(&p, TCP_FLAG_ACK, iss + 1, PEER_ISS + 1, 0);
	assert_false(seg.opt.has_timestamps); /* the peer did not agree */
	assert_true(p.events & TAPIR_TCP_CONNECTED);
	assert_string_equal(tapir_tcp_state(c), "ESTABLISHED");

	/* The peer's MSS of 1000 bounds our segments. */
	static uint8_t data[3000];
	assert_int_equal(tapir_tcp_send(c, data, sizeof(data)), (long)sizeof(data));
	peer_expect(&p, TCP_FLAG_ACK, iss + 1, PEER_ISS + 1, 1000);
	peer_expect(&p, TCP_FLAG_ACK, iss + 1001, PEER_ISS + 1, 1000);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, iss + 2001, PEER_ISS + 1, 1000);

	static const char *const want[] = {
	    "CLOSED -> SYN-SENT (active OPEN / create TCB, snd SYN)",
	    "SYN-SENT -> ESTABLISHED (rcv SYN,ACK / snd ACK)",
	    NULL,
	};
	assert_transitions(&p, conn_id(c), want);
	peer_teardown(&p);
}

/* In SYN-SENT, receive a SYN (the peer opened at the same time): expect
 * SYN,ACK and SYN-RECEIVED; then its ACK: ESTABLISHED (RFC 9293 Figure 8). */
static void test_simultaneous_open(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	struct tcp_segment seg;

	peer_setup(&p);
	assert_int_equal(
	    tapir_tcp_connect(p.h.stack, HARNESS_PEER_IP, PEER_PORT, app_record, &p, &c), 0);
	assert_true(peer_recv(&p, &seg));
	uint32_t iss = seg.seq;
	uint16_t port = seg.src_port;

	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_SYN, PEER_ISS, 0, 65535, NULL, NULL, 0);
	seg = peer_expect(&p, TCP_FLAG_SYN | TCP_FLAG_ACK, iss, PEER_ISS + 1, 0);
	assert_string_equal(tapir_tcp_state(c), "SYN-RECEIVED");
	assert_false(p.events & TAPIR_TCP_CONNECTED);

	/* The peer's SYN,ACK (answering our SYN) completes it. */
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_SYN | TCP_FLAG_ACK, PEER_ISS, iss + 1, 65535,
	               NULL, NULL, 0);
	/* A SYN,ACK in SYN-RECEIVED: its sequence number is old (RCV.NXT is
	 * past the SYN), so the stack answers with an ACK and drops it. */
	peer_expect(&p, TCP_FLAG_ACK, iss + 1, PEER_ISS + 1, 0);
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK, PEER_ISS + 1, iss + 1, 65535, NULL, NULL,
	               0);
	peer_expect_nothing(&p);
	assert_string_equal(tapir_tcp_state(c), "ESTABLISHED");
	assert_true(p.events & TAPIR_TCP_CONNECTED);

	static const char *const want[] = {
	    "CLOSED -> SYN-SENT (active OPEN / create TCB, snd SYN)",
	    "SYN-SENT -> SYN-RECEIVED (rcv SYN / snd SYN,ACK (simultaneous open))",
	    "SYN-RECEIVED -> ESTABLISHED (rcv ACK of SYN)",
	    NULL,
	};
	assert_transitions(&p, conn_id(c), want);
	peer_teardown(&p);
}

/* The TCB after each step of a passive open (RFC 9293 3.10.7.2 and 3.10.7.4
 * fifth): the SYN sets IRS, RCV.NXT, SND.WND and ISS; the ACK of our SYN
 * moves SND.UNA and measures the round trip (100 ms here); data then flows
 * at the right sequence numbers both ways. The SYN shows on the new
 * connection's trace. */
static void test_passive_open_tcb(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;
	struct tcp_options opt = {.has_mss = true, .mss = 1460};
	char buf[8];

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_SYN, PEER_ISS, 0, 20000, &opt, NULL, 0);
	assert_true(peer_recv(&p, &seg));
	uint32_t iss = seg.seq;
	struct tcp_conn *child = l->conn.children_head;
	assert_non_null(child);
	assert_int_equal(child->state, TCP_SYN_RECEIVED);
	assert_int_equal(child->irs, PEER_ISS);
	assert_int_equal(child->rcv_nxt, PEER_ISS + 1);
	assert_int_equal(child->iss, iss);
	assert_int_equal(child->snd_una, iss);
	assert_int_equal(child->snd_nxt, iss + 1);
	assert_int_equal(child->snd_wnd, 20000);
	assert_true(harness_find_event(&p.h, 0, " in [SYN] seq=1000 ") >= 0);

	peer_advance(&p, TAPIR_MS(100));
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, iss + 1, NULL, 0);
	assert_int_equal(tapir_tcp_accept(l, app_record, &p, &c), 0);
	assert_int_equal(c->conn.snd_una, iss + 1);
	assert_true(c->conn.rtt_valid);
	assert_int_equal(c->conn.srtt, TAPIR_MS(100));

	assert_int_equal(tapir_tcp_send(c, "hi", 2), 2);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, iss + 1, PEER_ISS + 1, 2);
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, iss + 3, "yo", 2);
	assert_int_equal(tapir_tcp_recv(c, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "yo", 2);
	peer_teardown(&p);
}

/* In LISTEN, a segment with neither SYN nor ACK nor RST is dropped, and so
 * is a SYN with RST (the RST check comes first): no reply, no new TCB. */
static void test_listen_drops_what_is_not_a_syn(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l;

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	peer_send(&p, TCP_FLAG_FIN, PEER_ISS, 0, "data", 4);
	peer_send(&p, TCP_FLAG_SYN | TCP_FLAG_RST, PEER_ISS, 0, NULL, 0);
	peer_expect_nothing(&p);
	assert_null(l->conn.children_head);
	assert_int_equal(harness_drops(&p.h, TAPIR_DROP_TCP_BAD_FLAGS), 2);
	static const char *const listener[] = {"CLOSED -> LISTEN (passive OPEN / create TCB)",
	                                       NULL};
	assert_transitions(&p, conn_id(l), listener);
	assert_int_equal(p.nlog, 1); /* and no other connection was made */
	peer_teardown(&p);
}

/* In SYN-SENT (RFC 9293 3.10.7.3): an ACK that does not acknowledge our SYN
 * (SEG.ACK =< ISS or > SND.NXT) draws <SEQ=SEG.ACK><CTL=RST>, or nothing
 * when it carries a RST itself; a segment without SYN and RST is dropped.
 * None of them changes the state. Then a SYN,ACK sets the TCB up. */
static void test_syn_sent_checks_the_ack_first(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	struct tcp_segment seg;

	peer_setup(&p);
	assert_int_equal(
	    tapir_tcp_connect(p.h.stack, HARNESS_PEER_IP, PEER_PORT, app_record, &p, &c), 0);
	assert_true(peer_recv(&p, &seg));
	uint32_t iss = seg.seq;
	uint16_t port = seg.src_port;

	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_SYN | TCP_FLAG_ACK, PEER_ISS, iss, 65535, NULL,
	               NULL, 0);
	peer_expect(&p, TCP_FLAG_RST, iss, 0, 0);
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK, PEER_ISS, iss + 2, 65535, NULL, NULL, 0);
	peer_expect(&p, TCP_FLAG_RST, iss + 2, 0, 0);
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_RST | TCP_FLAG_ACK, 0, iss + 2, 0, NULL, NULL,
	               0);
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK, PEER_ISS, iss + 1, 65535, NULL, NULL, 0);
	peer_expect_nothing(&p);
	assert_string_equal(tapir_tcp_state(c), "SYN-SENT");
	assert_int_equal(harness_drops(&p.h, TAPIR_DROP_TCP_BAD_ACK), 3);
	assert_int_equal(harness_drops(&p.h, TAPIR_DROP_TCP_BAD_FLAGS), 1);

	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_SYN | TCP_FLAG_ACK, PEER_ISS, iss + 1, 30000,
	               NULL, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, iss + 1, PEER_ISS + 1, 0);
	assert_string_equal(tapir_tcp_state(c), "ESTABLISHED");
	assert_int_equal(c->conn.irs, PEER_ISS);
	assert_int_equal(c->conn.rcv_nxt, PEER_ISS + 1);
	assert_int_equal(c->conn.snd_una, iss + 1);
	assert_int_equal(c->conn.snd_wnd, 30000); /* a SYN's window is never scaled */
	peer_teardown(&p);
}

/* The handshake is a round-trip measurement (RFC 6298 2.2) unless the SYN
 * went twice: then which one did the SYN,ACK answer? (Karn, RFC 6298 3.) */
static void test_handshake_round_trip_time(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c1, *c2;
	struct tcp_segment seg;

	peer_setup(&p);
	assert_int_equal(
	    tapir_tcp_connect(p.h.stack, HARNESS_PEER_IP, PEER_PORT, app_record, &p, &c1), 0);
	assert_true(peer_recv(&p, &seg));
	peer_advance(&p, TAPIR_MS(300));
	peer_send_full(&p, PEER_PORT, seg.src_port, TCP_FLAG_SYN | TCP_FLAG_ACK, PEER_ISS,
	               seg.seq + 1, 65535, NULL, NULL, 0);
	assert_string_equal(tapir_tcp_state(c1), "ESTABLISHED");
	assert_true(c1->conn.rtt_valid);
	assert_int_equal(c1->conn.srtt, TAPIR_MS(300));
	while (peer_recv(&p, &seg))
		;

	assert_int_equal(
	    tapir_tcp_connect(p.h.stack, HARNESS_PEER_IP, PEER_PORT, app_record, &p, &c2), 0);
	assert_true(peer_recv(&p, &seg));
	peer_advance(&p, TAPIR_MS(TAPIR_TCP_RTO_INITIAL_MS));
	peer_expect(&p, TCP_FLAG_SYN, seg.seq, 0, 0);
	peer_advance(&p, TAPIR_MS(100));
	peer_send_full(&p, PEER_PORT, seg.src_port, TCP_FLAG_SYN | TCP_FLAG_ACK, PEER_ISS,
	               seg.seq + 1, 65535, NULL, NULL, 0);
	assert_string_equal(tapir_tcp_state(c2), "ESTABLISHED");
	assert_false(c2->conn.rtt_valid);
	peer_teardown(&p);
}

/* In SYN-RECEIVED, an ACK that does not acknowledge our SYN (SND.UNA <
 * SEG.ACK =< SND.NXT fails) draws <SEQ=SEG.ACK><CTL=RST> and changes
 * nothing; the right one completes the handshake. */
static void test_syn_received_refuses_a_bad_ack(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	peer_send_syn(&p, STACK_PORT, PEER_ISS);
	assert_true(peer_recv(&p, &seg));
	uint32_t iss = seg.seq;
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, iss + 5, NULL, 0);
	peer_expect(&p, TCP_FLAG_RST, iss + 5, 0, 0);
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, iss, NULL, 0);
	peer_expect(&p, TCP_FLAG_RST, iss, 0, 0);
	assert_int_equal(l->conn.children_head->state, TCP_SYN_RECEIVED);
	assert_int_equal(tapir_tcp_accept(l, app_record, &p, &c), -EAGAIN);
	assert_false(p.events & TAPIR_TCP_ACCEPTABLE);

	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, iss + 1, NULL, 0);
	peer_expect_nothing(&p);
	assert_true(p.events & TAPIR_TCP_ACCEPTABLE);
	assert_int_equal(tapir_tcp_accept(l, app_record, &p, &c), 0);
	assert_string_equal(tapir_tcp_state(c), "ESTABLISHED");
	peer_teardown(&p);
}

/* Simultaneous open, and the application sends and closes while still in
 * SYN-RECEIVED: the FIN waits for ESTABLISHED (RFC 9293 3.10.4), then goes
 * out after the data as soon as the peer acknowledges our SYN. */
static void test_close_in_syn_received_waits_for_the_ack(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	struct tcp_segment seg;

	peer_setup(&p);
	assert_int_equal(
	    tapir_tcp_connect(p.h.stack, HARNESS_PEER_IP, PEER_PORT, app_record, &p, &c), 0);
	assert_true(peer_recv(&p, &seg));
	uint32_t iss = seg.seq;
	uint16_t port = seg.src_port;
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_SYN, PEER_ISS, 0, 65535, NULL, NULL, 0);
	peer_expect(&p, TCP_FLAG_SYN | TCP_FLAG_ACK, iss, PEER_ISS + 1, 0);
	assert_int_equal(tapir_tcp_send(c, "abc", 3), 3);
	assert_int_equal(tapir_tcp_shutdown(c), 0);
	peer_expect_nothing(&p);
	assert_string_equal(tapir_tcp_state(c), "SYN-RECEIVED");

	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK, PEER_ISS + 1, iss + 1, 65535, NULL, NULL,
	               0);
	seg = peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH | TCP_FLAG_FIN, iss + 1, PEER_ISS + 1, 3);
	assert_string_equal(tapir_tcp_state(c), "FIN-WAIT-1");
	static const char *const want[] = {
	    "CLOSED -> SYN-SENT (active OPEN / create TCB, snd SYN)",
	    "SYN-SENT -> SYN-RECEIVED (rcv SYN / snd SYN,ACK (simultaneous open))",
	    "SYN-RECEIVED -> ESTABLISHED (rcv ACK of SYN)",
	    "ESTABLISHED -> FIN-WAIT-1 (CLOSE / snd FIN)",
	    NULL,
	};
	assert_transitions(&p, conn_id(c), want);
	peer_teardown(&p);
}

/* In CLOSED (no socket), receive a SYN: expect RST,ACK acknowledging it
 * (RFC 9293 3.10.7.1); an ACK gets <SEQ=SEG.ACK><CTL=RST>; a RST gets
 * nothing. Every one counted as "no connection". */
static void test_closed_port_gets_rst(void **state)
{
	(void)state;
	struct peer p;

	peer_setup(&p);
	peer_send_syn(&p, 81, PEER_ISS);
	peer_expect(&p, TCP_FLAG_RST | TCP_FLAG_ACK, 0, PEER_ISS + 1, 0);
	peer_send_full(&p, PEER_PORT, 81, TCP_FLAG_ACK, 5, 777, 1000, NULL, "xy", 2);
	peer_expect(&p, TCP_FLAG_RST, 777, 0, 0);
	peer_send_full(&p, PEER_PORT, 81, TCP_FLAG_RST, 5, 0, 0, NULL, NULL, 0);
	peer_expect_nothing(&p);
	assert_int_equal(harness_drops(&p.h, TAPIR_DROP_TCP_NO_CONNECTION), 3);
	peer_teardown(&p);
}

/* connect() to a closed port: the peer's RST,ACK means connection refused,
 * and the application hears it. */
static void test_connection_refused(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	struct tcp_segment seg;

	peer_setup(&p);
	assert_int_equal(
	    tapir_tcp_connect(p.h.stack, HARNESS_PEER_IP, PEER_PORT, app_record, &p, &c), 0);
	assert_true(peer_recv(&p, &seg));
	/* A RST whose ACK does not cover our SYN is ignored. */
	peer_send_full(&p, PEER_PORT, seg.src_port, TCP_FLAG_RST, 0, 0, 0, NULL, NULL, 0);
	assert_string_equal(tapir_tcp_state(c), "SYN-SENT");
	peer_send_full(&p, PEER_PORT, seg.src_port, TCP_FLAG_RST | TCP_FLAG_ACK, 0, seg.seq + 1, 0,
	               NULL, NULL, 0);
	assert_string_equal(tapir_tcp_state(c), "CLOSED");
	assert_true(p.events & TAPIR_TCP_CLOSED);
	assert_int_equal(p.last_error, -ECONNREFUSED);
	assert_int_equal(tapir_tcp_error(c), -ECONNREFUSED);
	assert_int_equal(tapir_tcp_send(c, "x", 1), -ECONNREFUSED);
	static const char *const want[] = {
	    "CLOSED -> SYN-SENT (active OPEN / create TCB, snd SYN)",
	    "SYN-SENT -> CLOSED (rcv RST,ACK / connection refused)",
	    NULL,
	};
	assert_transitions(&p, conn_id(c), want);
	tapir_tcp_close(c);
	peer_teardown(&p);
}

/* In LISTEN, an ACK gets a RST and creates nothing; a RST is ignored. */
static void test_listen_refuses_ack_and_ignores_rst(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l;

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	peer_send(&p, TCP_FLAG_ACK, 5, 4242, NULL, 0);
	peer_expect(&p, TCP_FLAG_RST, 4242, 0, 0);
	peer_send(&p, TCP_FLAG_RST, 5, 0, NULL, 0);
	peer_expect_nothing(&p);
	assert_int_equal(harness_drops(&p.h, TAPIR_DROP_TCP_BAD_FLAGS), 2);
	assert_string_equal(tapir_tcp_state(l), "LISTEN");
	peer_teardown(&p);
}

/* In SYN-RECEIVED, the peer's SYN again (our SYN,ACK was lost): expect the
 * SYN,ACK again, flagged as a retransmission, and no state change. */
static void test_syn_received_duplicate_syn(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l;
	struct tcp_segment seg;

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	peer_send_syn(&p, STACK_PORT, PEER_ISS);
	assert_true(peer_recv(&p, &seg));
	uint32_t iss = seg.seq;
	peer_send_syn(&p, STACK_PORT, PEER_ISS);
	peer_expect(&p, TCP_FLAG_SYN | TCP_FLAG_ACK, iss, PEER_ISS + 1, 0);
	assert_true(harness_find_event(&p.h, 0, "retransmission") >= 0);
	peer_teardown(&p);
}

/* SYN flood: 1000 SYNs from different ports fill only the backlog (the
 * oldest half-open is dropped for each new one), and a real client that
 * completes the handshake afterwards is accepted. */
static void test_syn_flood_bounded_backlog(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;
	struct tcp_options opt = {.has_mss = true, .mss = 1460};

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 8, app_record, &p, &l), 0);
	for (unsigned i = 0; i < 1000; i++) {
		peer_send_full(&p, (uint16_t)(1024 + i), STACK_PORT, TCP_FLAG_SYN, i * 7919u, 0,
		               65535, &opt, NULL, 0);
		while (peer_recv(&p, &seg))
			;
	}
	/* 992 evictions: the backlog of 8 was full for all but the first 8. */
	long evicted = 0;
	for (long i = 0; (i = harness_find_event(&p.h, (size_t)i, "backlog full")) >= 0; i++)
		evicted++;
	assert_int_equal(evicted, 992);
	assert_int_equal(harness_drops(&p.h, TAPIR_DROP_TCP_BACKLOG_FULL), 0);

	peer_send_syn(&p, STACK_PORT, PEER_ISS);
	assert_true(peer_recv(&p, &seg));
	assert_int_equal(seg.flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, seg.seq + 1, NULL, 0);
	assert_int_equal(tapir_tcp_accept(l, app_record, &p, &c), 0);
	assert_string_equal(tapir_tcp_state(c), "ESTABLISHED");
	peer_teardown(&p);
}

/* RFC 6528: ISNs differ per 4-tuple and move with the clock; the same seed,
 * tuple and time give the same ISN (repeatable tests). */
static void test_isn_keyed_and_clocked(void **state)
{
	(void)state;
	struct peer p;
	struct tcp_segment seg;
	uint32_t isn[3];

	peer_setup(&p);
	struct tapir_tcp *l;
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	struct tcp_options opt = {.has_mss = true, .mss = 1460};
	peer_send_full(&p, 5000, STACK_PORT, TCP_FLAG_SYN, 1, 0, 65535, &opt, NULL, 0);
	assert_true(peer_recv(&p, &seg));
	isn[0] = seg.seq;
	peer_send_full(&p, 5001, STACK_PORT, TCP_FLAG_SYN, 1, 0, 65535, &opt, NULL, 0);
	assert_true(peer_recv(&p, &seg));
	isn[1] = seg.seq;
	harness_advance(&p.h, TAPIR_MS(1));
	while (peer_recv(&p, &seg))
		;
	peer_send_full(&p, 5002, STACK_PORT, TCP_FLAG_SYN, 1, 0, 65535, &opt, NULL, 0);
	assert_true(peer_recv(&p, &seg));
	isn[2] = seg.seq;
	assert_true(isn[0] != isn[1]);
	assert_true(isn[1] != isn[2]);
	/* Neither a constant nor a simple counter. */
	assert_true(isn[1] - isn[0] > 1000 || isn[0] - isn[1] > 1000);
	peer_teardown(&p);
}

/* SipHash-2-4 against the reference vectors of its paper (key 00..0f,
 * messages 00..len-1): the ISN's keyed hash is the real one. */
static void test_siphash_reference_vectors(void **state)
{
	(void)state;
	const uint64_t key[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
	uint8_t msg[64];

	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	assert_true(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(siphash24(key, msg, 1) == 0x74f839c593dc67fdull);
	assert_true(siphash24(key, msg, 8) == 0x93f5f5799a932462ull);
	assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
	assert_true(siphash24(key, msg, 63) == 0x958a324ceb064572ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_passive_open),
	    cmocka_unit_test(test_active_open),
	    cmocka_unit_test(test_simultaneous_open),
	    cmocka_unit_test(test_closed_port_gets_rst),
	    cmocka_unit_test(test_connection_refused),
	    cmocka_unit_test(test_listen_refuses_ack_and_ignores_rst),
	    cmocka_unit_test(test_syn_received_duplicate_syn),
	    cmocka_unit_test(test_passive_open_tcb),
	    cmocka_unit_test(test_listen_drops_what_is_not_a_syn),
	    cmocka_unit_test(test_syn_sent_checks_the_ack_first),
	    cmocka_unit_test(test_handshake_round_trip_time),
	    cmocka_unit_test(test_syn_received_refuses_a_bad_ack),
	    cmocka_unit_test(test_close_in_syn_received_waits_for_the_ack),
	    cmocka_unit_test(test_syn_flood_bounded_backlog),
	    cmocka_unit_test(test_isn_keyed_and_clocked),
	    cmocka_unit_test(test_siphash_reference_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

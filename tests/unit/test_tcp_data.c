/*
 * test_tcp_data.c — reliable transfer in ESTABLISHED (RFC 9293 3.8):
 * retransmission with RFC 6298 backoff and the give-up (RST, -ETIMEDOUT),
 * SYN retransmission, zero-window probing (3.8.6.1), window updates after
 * the application reads, out-of-order delivery, delayed ACKs (3.8.6.3),
 * Nagle (3.7.4), fast retransmit (RFC 5681), window scale and timestamps
 * (RFC 7323) and keep-alive (3.8.4). All on the virtual clock.
 */
#include "test_tcp_peer.h"

struct est {
	struct tapir_tcp *c;
	uint32_t iss;
	uint16_t port;
};

static void establish(struct peer *p, struct est *e)
{
	open_active(p, &e->c, &e->iss, &e->port);
}

static void pack(struct peer *p, const struct est *e, uint8_t flags, uint32_t seq, uint32_t ack,
                 uint16_t window, const void *data, size_t len)
{
	peer_send_full(p, PEER_PORT, e->port, flags, seq, ack, window, NULL, data, len);
}

/* Unanswered data: retransmitted after 200 ms (the RTO floor: the RTT
 * measured in the handshake was 0), then 400, 800 ... ms; after
 * TAPIR_TCP_MAX_RETRIES the connection is reset and the app gets -ETIMEDOUT. */
static void test_retransmission_backoff_and_give_up(void **state)
{
	(void)state;
	struct peer p;
	struct est e;

	peer_setup(&p);
	establish(&p, &e);
	assert_int_equal(tapir_tcp_send(e.c, "hello", 5), 5);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, e.iss + 1, PEER_ISS + 1, 5);
	tapir_time rto = TAPIR_MS(TAPIR_TCP_RTO_MIN_MS);
	for (unsigned i = 1; i <= TAPIR_TCP_MAX_RETRIES; i++) {
		peer_advance(&p, rto - 1);
		peer_expect_nothing(&p);
		peer_advance(&p, 1);
		peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, e.iss + 1, PEER_ISS + 1, 5);
		rto *= 2;
	}
	assert_string_equal(tapir_tcp_state(e.c), "ESTABLISHED");
	peer_advance(&p, rto - 1);
	peer_expect_nothing(&p);
	peer_advance(&p, 1);
	peer_expect(&p, TCP_FLAG_RST, e.iss + 6, 0, 0);
	assert_string_equal(tapir_tcp_state(e.c), "CLOSED");
	assert_int_equal(p.last_error, -ETIMEDOUT);
	assert_true(p.events & TAPIR_TCP_CLOSED);
	assert_string_equal(p.log[p.nlog - 1].text, "ESTABLISHED -> CLOSED (timeout / snd RST)");
	assert_true(harness_find_event(&p.h, 0, "retransmission expired backoff=8") >= 0);
	peer_teardown(&p);
}

/* An unanswered SYN: again after 1 s, then 2, 4, 8, 16 s; then -ETIMEDOUT. */
static void test_syn_retransmission_and_give_up(void **state)
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
	tapir_time rto = TAPIR_MS(TAPIR_TCP_RTO_INITIAL_MS);
	for (unsigned i = 1; i <= TAPIR_TCP_SYN_RETRIES; i++) {
		peer_advance(&p, rto - 1);
		peer_expect_nothing(&p);
		peer_advance(&p, 1);
		peer_expect(&p, TCP_FLAG_SYN, iss, 0, 0);
		rto *= 2;
	}
	peer_advance(&p, rto);
	peer_expect_nothing(&p); /* no RST from SYN-SENT */
	assert_string_equal(tapir_tcp_state(c), "CLOSED");
	assert_int_equal(p.last_error, -ETIMEDOUT);
	static const char *const want[] = {
	    "CLOSED -> SYN-SENT (active OPEN / create TCB, snd SYN)",
	    "SYN-SENT -> CLOSED (timeout: SYN unanswered)",
	    NULL,
	};
	assert_transitions(&p, conn_id(c), want);
	tapir_tcp_close(c);
	peer_teardown(&p);
}

/* A zero window: nothing is sent, then one-byte probes at 500 ms, 1 s, 2 s
 * intervals; the window opens and the data flows from SND.UNA. */
static void test_zero_window_probing(void **state)
{
	(void)state;
	struct peer p;
	struct est e;
	static uint8_t data[100];

	peer_setup(&p);
	establish(&p, &e);
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, e.iss + 1, 0, NULL, 0);
	assert_int_equal(tapir_tcp_send(e.c, data, sizeof(data)), (long)sizeof(data));
	peer_expect_nothing(&p);
	tapir_time interval = TAPIR_MS(TAPIR_TCP_PERSIST_MIN_MS);
	for (unsigned i = 0; i < 3; i++) {
		peer_advance(&p, interval - 1);
		peer_expect_nothing(&p);
		peer_advance(&p, 1);
		peer_expect(&p, TCP_FLAG_ACK, e.iss + 1, PEER_ISS + 1, 1);
		/* The peer refuses the byte: still a zero window. */
		pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, e.iss + 1, 0, NULL, 0);
		peer_expect_nothing(&p);
		interval *= 2;
	}
	assert_true(harness_find_event(&p.h, 0, "timer persist expired") >= 0);
	assert_string_equal(tapir_tcp_state(e.c), "ESTABLISHED");
	/* The window opens. */
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, e.iss + 1, 1000, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, e.iss + 1, PEER_ISS + 1, 100);
	peer_expect_nothing(&p);
	peer_teardown(&p);
}

/* The receiver side: the window shrinks as data waits unread, reaches 0,
 * and an update goes out as soon as the application has read. */
static void test_window_update_after_read(void **state)
{
	(void)state;
	struct peer p;
	struct est e;
	struct tcp_segment seg;
	static uint8_t chunk[1460];
	static uint8_t sink[TAPIR_TCP_RCVBUF];

	peer_setup(&p);
	establish(&p, &e);
	uint32_t off = 0;
	while (off < TAPIR_TCP_RCVBUF) {
		uint32_t n = TAPIR_TCP_RCVBUF - off < sizeof(chunk) ? TAPIR_TCP_RCVBUF - off
		                                                    : (uint32_t)sizeof(chunk);
		pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1 + off, e.iss + 1, 65535, chunk, n);
		off += n;
	}
	peer_advance(&p, TAPIR_MS(TAPIR_TCP_DELACK_MS));
	uint16_t last_window = 0xffff;
	uint32_t last_ack = 0;
	while (peer_recv(&p, &seg)) {
		last_window = seg.window;
		last_ack = seg.ack;
	}
	assert_int_equal(last_ack, PEER_ISS + 1 + TAPIR_TCP_RCVBUF);
	assert_int_equal(last_window, 0);
	/* One more byte is beyond the window: refused, ACKed. */
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1 + off, e.iss + 1, 65535, "z", 1);
	seg = peer_expect(&p, TCP_FLAG_ACK, e.iss + 1, PEER_ISS + 1 + off, 0);
	assert_int_equal(seg.window, 0);
	assert_int_equal(tapir_tcp_recv(e.c, sink, 100000), 100000);
	seg = peer_expect(&p, TCP_FLAG_ACK, e.iss + 1, PEER_ISS + 1 + off, 0);
	assert_int_equal(seg.window, 65535); /* 100000 free, no window scaling */
	peer_teardown(&p);
}

/* Out of order: the later segment is held and a duplicate ACK sent at once;
 * the missing one fills the gap and both are read in order. */
static void test_out_of_order_delivered_in_order(void **state)
{
	(void)state;
	struct peer p;
	struct est e;
	char buf[32];

	peer_setup(&p);
	establish(&p, &e);
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 6, e.iss + 1, 65535, "world", 5);
	peer_expect(&p, TCP_FLAG_ACK, e.iss + 1, PEER_ISS + 1, 0);
	assert_int_equal(tapir_tcp_recv(e.c, buf, sizeof(buf)), -EAGAIN);
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 11, e.iss + 1, 65535, "!", 1);
	peer_expect(&p, TCP_FLAG_ACK, e.iss + 1, PEER_ISS + 1, 0);
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, e.iss + 1, 65535, "hello", 5);
	peer_expect(&p, TCP_FLAG_ACK, e.iss + 1, PEER_ISS + 12, 0);
	assert_int_equal(tapir_tcp_recv(e.c, buf, sizeof(buf)), 11);
	assert_memory_equal(buf, "helloworld!", 11);
	peer_teardown(&p);
}

/* A lone segment is ACKed after the delayed-ACK time, a second full-sized
 * one at once. */
static void test_delayed_ack(void **state)
{
	(void)state;
	struct peer p;
	struct est e;
	static uint8_t full[1460];

	peer_setup(&p);
	establish(&p, &e);
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, e.iss + 1, 65535, "abc", 3);
	peer_advance(&p, TAPIR_MS(TAPIR_TCP_DELACK_MS) - 1);
	peer_expect_nothing(&p);
	peer_advance(&p, 1);
	peer_expect(&p, TCP_FLAG_ACK, e.iss + 1, PEER_ISS + 4, 0);

	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 4, e.iss + 1, 65535, full, sizeof(full));
	peer_expect_nothing(&p);
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1464, e.iss + 1, 65535, full, sizeof(full));
	peer_expect(&p, TCP_FLAG_ACK, e.iss + 1, PEER_ISS + 2924, 0);
	peer_teardown(&p);
}

/* Nagle: with a small segment unacknowledged, more small data waits for
 * the ACK and then leaves as one segment; TAPIR_TCP_NODELAY turns it off. */
static void test_nagle_and_nodelay(void **state)
{
	(void)state;
	struct peer p;
	struct est e;

	peer_setup(&p);
	establish(&p, &e);
	assert_int_equal(tapir_tcp_send(e.c, "a", 1), 1);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, e.iss + 1, PEER_ISS + 1, 1);
	assert_int_equal(tapir_tcp_send(e.c, "b", 1), 1);
	assert_int_equal(tapir_tcp_send(e.c, "c", 1), 1);
	peer_expect_nothing(&p);
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, e.iss + 2, 65535, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, e.iss + 2, PEER_ISS + 1, 2);
	assert_int_equal(tapir_tcp_set_option(e.c, TAPIR_TCP_NODELAY, 1), 0);
	assert_int_equal(tapir_tcp_send(e.c, "d", 1), 1);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, e.iss + 4, PEER_ISS + 1, 1);
	peer_teardown(&p);
}

/* Three duplicate ACKs: the missing segment is sent again at once, without
 * waiting for the timer, and cwnd/ssthresh are traced (RFC 5681 3.2). */
static void test_fast_retransmit(void **state)
{
	(void)state;
	struct peer p;
	struct est e;
	static uint8_t data[6000];

	peer_setup(&p);
	establish(&p, &e);
	assert_int_equal(tapir_tcp_send(e.c, data, sizeof(data)), (long)sizeof(data));
	/* Initial window: 3 segments of 1460 (RFC 5681 3.1). */
	peer_expect(&p, TCP_FLAG_ACK, e.iss + 1, PEER_ISS + 1, 1460);
	peer_expect(&p, TCP_FLAG_ACK, e.iss + 1461, PEER_ISS + 1, 1460);
	peer_expect(&p, TCP_FLAG_ACK, e.iss + 2921, PEER_ISS + 1, 1460);
	peer_expect_nothing(&p);
	/* The first is acknowledged: slow start opens by one segment. */
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, e.iss + 1461, 65535, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, e.iss + 4381, PEER_ISS + 1, 1460);
	peer_expect_nothing(&p); /* Nagle holds the last 160 bytes back */
	/* Segment 2 was lost: three duplicate ACKs. */
	for (int i = 0; i < 3; i++)
		pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, e.iss + 1461, 65535, NULL, 0);
	struct tcp_segment seg = peer_expect(&p, TCP_FLAG_ACK, e.iss + 1461, PEER_ISS + 1, 1460);
	(void)seg;
	assert_true(harness_find_event(&p.h, 0, "(fast retransmit)") >= 0);
	assert_true(harness_find_event(&p.h, 0, "retransmission") >= 0);
	/* The ACK of everything sent ends fast recovery; the 160 bytes go. */
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, e.iss + 5841, 65535, NULL, 0);
	assert_true(harness_find_event(&p.h, 0, "end of fast recovery") >= 0);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, e.iss + 5841, PEER_ISS + 1, 160);
	peer_teardown(&p);
}

/* RFC 7323: a peer offering window scale 7 and timestamps gets both back in
 * the SYN,ACK (TSecr = its TSval); later segments carry timestamps, our
 * window field is scaled by our shift, and its window by its shift. */
static void test_window_scale_and_timestamps(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;
	static uint8_t data[250000];

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	struct tcp_options opt = {.has_mss = true,
	                          .mss = 1460,
	                          .has_wscale = true,
	                          .wscale = 7,
	                          .has_timestamps = true,
	                          .ts_val = 12345};
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_SYN, PEER_ISS, 0, 65535, &opt, NULL, 0);
	assert_true(peer_recv(&p, &seg));
	assert_true(seg.opt.has_wscale);
	assert_int_equal(seg.opt.wscale, 3); /* 256 KiB >> 3 fits in 16 bits */
	assert_true(seg.opt.has_timestamps);
	assert_int_equal(seg.opt.ts_ecr, 12345);
	assert_int_equal(seg.opt.mss, 1460);
	uint32_t iss = seg.seq;
	uint32_t our_ts = seg.opt.ts_val;

	/* ACK with a window of 1000 << 7 = 128000 bytes. */
	struct tcp_options ts = {.has_timestamps = true, .ts_val = 12346, .ts_ecr = our_ts};
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_ACK, PEER_ISS + 1, iss + 1, 1000, &ts,
	               NULL, 0);
	assert_int_equal(tapir_tcp_accept(l, app_record, &p, &c), 0);
	assert_int_equal(tapir_tcp_set_option(c, TAPIR_TCP_NODELAY, 1), 0);
	assert_int_equal(tapir_tcp_send(c, data, sizeof(data)), (long)sizeof(data));
	seg = peer_expect(&p, TCP_FLAG_ACK, iss + 1, PEER_ISS + 1, 1448); /* 1460 - 12 */
	assert_true(seg.opt.has_timestamps);
	assert_int_equal(seg.opt.ts_ecr, 12346);
	assert_int_equal(seg.window, TAPIR_TCP_RCVBUF >> 3);
	/* Acknowledge every segment of a round trip: slow start doubles cwnd
	 * each round, well past 64 KiB in flight. */
	uint32_t acked = iss + 1;
	uint32_t highest = iss + 1 + 1448;
	size_t max_flight = 0;
	static uint32_t ends[512];
	for (int round = 0; round < 40; round++) {
		size_t nends = 0;
		while (peer_recv(&p, &seg) && nends < 512) {
			highest = seg.seq + (uint32_t)seg.payload_len;
			ends[nends++] = highest;
		}
		if (highest - acked > max_flight)
			max_flight = highest - acked;
		if (nends == 0)
			break;
		for (size_t i = 0; i < nends; i++)
			peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_ACK, PEER_ISS + 1,
			               ends[i], 1000, &ts, NULL, 0);
		acked = ends[nends - 1];
	}
	assert_int_equal(acked, iss + 1 + sizeof(data));
	assert_true(max_flight > 65535);
	peer_teardown(&p);
}

/* Keep-alive: after the idle time, probes <SEQ=SND.NXT-1>; an answer resets
 * the count; silence through TAPIR_TCP_KEEPALIVE_PROBES ends it. */
static void test_keepalive(void **state)
{
	(void)state;
	struct peer p;
	struct est e;

	peer_setup(&p);
	establish(&p, &e);
	assert_int_equal(tapir_tcp_set_option(e.c, TAPIR_TCP_KEEPALIVE, 10), 0);
	peer_advance(&p, TAPIR_SECONDS(10) - 1);
	peer_expect_nothing(&p);
	peer_advance(&p, 1);
	peer_expect(&p, TCP_FLAG_ACK, e.iss, PEER_ISS + 1, 0);
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, e.iss + 1, 65535, NULL, 0);
	peer_advance(&p, TAPIR_SECONDS(10));
	peer_expect(&p, TCP_FLAG_ACK, e.iss, PEER_ISS + 1, 0);
	for (unsigned i = 1; i < TAPIR_TCP_KEEPALIVE_PROBES; i++) {
		peer_advance(&p, TAPIR_SECONDS(TAPIR_TCP_KEEPALIVE_INTERVAL_S));
		peer_expect(&p, TCP_FLAG_ACK, e.iss, PEER_ISS + 1, 0);
	}
	assert_string_equal(tapir_tcp_state(e.c), "ESTABLISHED");
	peer_advance(&p, TAPIR_SECONDS(TAPIR_TCP_KEEPALIVE_INTERVAL_S));
	peer_expect(&p, TCP_FLAG_RST, e.iss + 1, 0, 0);
	assert_string_equal(tapir_tcp_state(e.c), "CLOSED");
	assert_int_equal(p.last_error, -ETIMEDOUT);
	peer_teardown(&p);
}

/* The FSM table is exported whole for the diagram, and every transition
 * the tests above saw is one of its rows. */
static void test_fsm_table_exported(void **state)
{
	(void)state;
	size_t n;
	const struct tapir_tcp_transition *t = tapir_tcp_fsm_table(&n);
	static const char *const states[] = {
	    "CLOSED",     "LISTEN",     "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
	    "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",  "LAST-ACK",     "TIME-WAIT"};
	bool seen_from[11] = {false}, seen_to[11] = {false};

	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++) {
		for (size_t s = 0; s < 11; s++) {
			if (strcmp(t[i].from, states[s]) == 0)
				seen_from[s] = true;
			if (strcmp(t[i].to, states[s]) == 0)
				seen_to[s] = true;
		}
		/* (from, event) pairs are unique. */
		for (size_t j = i + 1; j < n; j++)
			assert_false(strcmp(t[i].from, t[j].from) == 0 &&
			             strcmp(t[i].event, t[j].event) == 0);
	}
	for (size_t s = 0; s < 11; s++) {
		assert_true(seen_from[s]);
		assert_true(seen_to[s]);
	}
}

/* RFC 7323 PAWS: with timestamps in use, a segment whose TSval is older
 * than TS.Recent is an old duplicate: ACKed and dropped, data not taken. */
static void test_paws_drops_old_timestamp(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;
	char buf[16];

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	struct tcp_options opt = {
	    .has_mss = true, .mss = 1460, .has_timestamps = true, .ts_val = 5000};
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_SYN, PEER_ISS, 0, 65535, &opt, NULL, 0);
	assert_true(peer_recv(&p, &seg));
	uint32_t iss = seg.seq;
	struct tcp_options ts = {.has_timestamps = true, .ts_val = 5001, .ts_ecr = seg.opt.ts_val};
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_ACK, PEER_ISS + 1, iss + 1, 65535, &ts,
	               NULL, 0);
	assert_int_equal(tapir_tcp_accept(l, app_record, &p, &c), 0);
	ts.ts_val = 4000; /* from before TS.Recent */
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_ACK, PEER_ISS + 1, iss + 1, 65535, &ts,
	               "old", 3);
	seg = peer_expect(&p, TCP_FLAG_ACK, iss + 1, PEER_ISS + 1, 0);
	assert_int_equal(seg.opt.ts_ecr, 5001);
	assert_int_equal(harness_drops(&p.h, TAPIR_DROP_TCP_PAWS), 1);
	assert_int_equal(tapir_tcp_recv(c, buf, sizeof(buf)), -EAGAIN);
	ts.ts_val = 5002;
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_ACK, PEER_ISS + 1, iss + 1, 65535, &ts,
	               "new", 3);
	assert_int_equal(tapir_tcp_recv(c, buf, sizeof(buf)), 3);
	peer_teardown(&p);
}

/* RFC 2018: with SACK permitted, the duplicate ACKs for out-of-order data
 * carry SACK blocks, the run just extended first. */
static void test_sack_blocks_for_out_of_order_data(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l;
	struct tcp_segment seg;
	static uint8_t data[100];

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	struct tcp_options opt = {.has_mss = true, .mss = 1460, .sack_permitted = true};
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_SYN, PEER_ISS, 0, 65535, &opt, NULL, 0);
	assert_true(peer_recv(&p, &seg));
	assert_true(seg.opt.sack_permitted);
	uint32_t iss = seg.seq;
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, iss + 1, NULL, 0);

	uint32_t base = PEER_ISS + 1;
	peer_send(&p, TCP_FLAG_ACK, base + 100, iss + 1, data, 100); /* [100,200) */
	seg = peer_expect(&p, TCP_FLAG_ACK, iss + 1, base, 0);
	assert_int_equal(seg.opt.nsack, 1);
	assert_int_equal(seg.opt.sack[0].left, base + 100);
	assert_int_equal(seg.opt.sack[0].right, base + 200);
	peer_send(&p, TCP_FLAG_ACK, base + 300, iss + 1, data, 100); /* [300,400) */
	seg = peer_expect(&p, TCP_FLAG_ACK, iss + 1, base, 0);
	assert_int_equal(seg.opt.nsack, 2);
	assert_int_equal(seg.opt.sack[0].left, base + 300);
	assert_int_equal(seg.opt.sack[1].left, base + 100);
	peer_send(&p, TCP_FLAG_ACK, base + 200, iss + 1, data, 100); /* joins both */
	seg = peer_expect(&p, TCP_FLAG_ACK, iss + 1, base, 0);
	assert_int_equal(seg.opt.nsack, 1);
	assert_int_equal(seg.opt.sack[0].left, base + 100);
	assert_int_equal(seg.opt.sack[0].right, base + 400);
	peer_send(&p, TCP_FLAG_ACK, base, iss + 1, data, 100); /* fills the hole */
	seg = peer_expect(&p, TCP_FLAG_ACK, iss + 1, base + 400, 0);
	assert_int_equal(seg.opt.nsack, 0);
	peer_teardown(&p);
}

/* The sender side of SACK: in fast recovery, each further duplicate ACK
 * resends the next hole the SACK blocks reveal, not only SND.UNA. */
static void test_sack_holes_resent_in_recovery(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;
	static uint8_t data[8 * 1460];

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	struct tcp_options opt = {.has_mss = true, .mss = 1460, .sack_permitted = true};
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_SYN, PEER_ISS, 0, 65535, &opt, NULL, 0);
	assert_true(peer_recv(&p, &seg));
	uint32_t s1 = seg.seq + 1; /* segment k starts at s1 + (k - 1) * 1460 */
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, s1, NULL, 0);
	assert_int_equal(tapir_tcp_accept(l, app_record, &p, &c), 0);
	assert_int_equal(tapir_tcp_send(c, data, sizeof(data)), (long)sizeof(data));
	for (int k = 0; k < 3; k++)
		peer_expect(&p, TCP_FLAG_ACK, s1 + (uint32_t)k * 1460, PEER_ISS + 1, 1460);
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, s1 + 1460, NULL, 0);
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, s1 + 2 * 1460, NULL, 0);
	for (int k = 3; k < 7; k++)
		peer_expect(&p, TCP_FLAG_ACK, s1 + (uint32_t)k * 1460, PEER_ISS + 1, 1460);
	peer_expect_nothing(&p);

	/* Segments 3 and 5 are lost; 4, 6 and 7 arrive. */
	struct tcp_options sack = {.nsack = 2};
	sack.sack[0].left = s1 + 5 * 1460;
	sack.sack[0].right = s1 + 7 * 1460;
	sack.sack[1].left = s1 + 3 * 1460;
	sack.sack[1].right = s1 + 4 * 1460;
	for (int i = 0; i < 3; i++)
		peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_ACK, PEER_ISS + 1, s1 + 2 * 1460,
		               65535, &sack, NULL, 0);
	/* Limited transmit sent segment 8 on the first two; the third starts
	 * fast retransmit of segment 3. */
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, s1 + 7 * 1460, PEER_ISS + 1, 1460);
	peer_expect(&p, TCP_FLAG_ACK, s1 + 2 * 1460, PEER_ISS + 1, 1460);
	peer_expect_nothing(&p);
	/* One more duplicate: the hole at segment 5 goes, not new data. */
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_ACK, PEER_ISS + 1, s1 + 2 * 1460, 65535,
	               &sack, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, s1 + 4 * 1460, PEER_ISS + 1, 1460);
	peer_expect_nothing(&p);
	peer_teardown(&p);
}

/* Data from the peer is no duplicate ACK, but when its SACK blocks show
 * three segments above SND.UNA, SND.UNA is lost (RFC 6675 IsLost): fast
 * retransmit without waiting for the timer, even in a two-way exchange. */
static void test_sack_loss_seen_on_data_segments(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;
	static uint8_t data[8 * 1460];

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	struct tcp_options opt = {.has_mss = true, .mss = 1460, .sack_permitted = true};
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_SYN, PEER_ISS, 0, 65535, &opt, NULL, 0);
	assert_true(peer_recv(&p, &seg));
	uint32_t s1 = seg.seq + 1;
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, s1, NULL, 0);
	assert_int_equal(tapir_tcp_accept(l, app_record, &p, &c), 0);
	assert_int_equal(tapir_tcp_send(c, data, sizeof(data)), (long)sizeof(data));
	for (int k = 0; k < 3; k++)
		peer_expect(&p, TCP_FLAG_ACK, s1 + (uint32_t)k * 1460, PEER_ISS + 1, 1460);
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, s1 + 1460, NULL, 0);
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, s1 + 2 * 1460, NULL, 0);
	for (int k = 3; k < 7; k++)
		peer_expect(&p, TCP_FLAG_ACK, s1 + (uint32_t)k * 1460, PEER_ISS + 1, 1460);

	/* Segment 3 is lost; 4 to 7 arrive. The peer answers with data of its
	 * own, whose SACK block reports them. */
	struct tcp_options sack = {.nsack = 1};
	sack.sack[0].left = s1 + 3 * 1460;
	sack.sack[0].right = s1 + 7 * 1460;
	peer_send_full(&p, PEER_PORT, STACK_PORT, TCP_FLAG_ACK | TCP_FLAG_PSH, PEER_ISS + 1,
	               s1 + 2 * 1460, 65535, &sack, "reply", 5);
	/* (The ACK field is processed before the text, RFC 9293 3.10.7.4, so
	 * the retransmission does not yet acknowledge the reply.) */
	peer_expect(&p, TCP_FLAG_ACK, s1 + 2 * 1460, PEER_ISS + 1, 1460);
	assert_true(harness_find_event(&p.h, 0, "(fast retransmit)") >= 0);
	peer_teardown(&p);
}

/* RFC 7661: an application that sends a little at a time never fills the
 * congestion window, so the ACKs of its data say nothing about the path and
 * must not grow cwnd (tapir once grew it to 73 MB this way); once the
 * application sends more than the window holds, slow start goes on. */
static void test_cwnd_grows_only_when_used(void **state)
{
	(void)state;
	struct peer p;
	struct est e;
	static char bulk[64 * 1024];

	peer_setup(&p);
	establish(&p, &e);
	assert_int_equal(tapir_tcp_set_option(e.c, TAPIR_TCP_NODELAY, 1), 0);
	size_t mark = p.h.nevents;
	uint32_t seq = e.iss + 1;
	for (int i = 0; i < 30; i++) {
		assert_int_equal(tapir_tcp_send(e.c, "request", 7), 7);
		peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, seq, PEER_ISS + 1, 7);
		seq += 7;
		pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, seq, 65535, NULL, 0);
		peer_advance(&p, TAPIR_MS(10));
	}
	assert_true(harness_find_event(&p.h, mark, "slow start") < 0);
	/* Now more than the initial window: the window fills, and the ACKs
	 * grow it. */
	assert_int_equal(tapir_tcp_send(e.c, bulk, sizeof(bulk)), (long)sizeof(bulk));
	struct tcp_segment seg;
	uint32_t highest = seq;
	while (peer_recv(&p, &seg))
		highest = seg.seq + (uint32_t)seg.payload_len;
	assert_true(highest - seq < sizeof(bulk)); /* cwnd held some back */
	pack(&p, &e, TCP_FLAG_ACK, PEER_ISS + 1, highest, 65535, NULL, 0);
	assert_true(harness_find_event(&p.h, mark, "slow start") >= 0);
	tapir_tcp_close(e.c);
	peer_teardown(&p);
}

/* RFC 7323 5.4: TSval counts milliseconds from an offset of each
 * connection's own, so two connections opened at once show different
 * clocks; and the echoes still measure the round trip (4.1): after two
 * ACKs that each take 190 ms, RTO is past its 200 ms floor, so data left
 * unacknowledged is not resent at 250 ms. */
static void test_timestamps_offset_per_connection(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c, *other;
	struct tcp_segment syn, syn2, seg;

	peer_setup(&p);
	open_syn_sent(&p, &c, &syn);
	open_syn_sent(&p, &other, &syn2);
	assert_true(syn.opt.has_timestamps && syn2.opt.has_timestamps);
	assert_int_not_equal(syn.opt.ts_val, syn2.opt.ts_val);
	struct tcp_options opt = {.has_mss = true,
	                          .mss = 1460,
	                          .has_timestamps = true,
	                          .ts_val = 500,
	                          .ts_ecr = syn.opt.ts_val};
	peer_send_full(&p, PEER_PORT, syn.src_port, TCP_FLAG_SYN | TCP_FLAG_ACK, PEER_ISS,
	               syn.seq + 1, 65535, &opt, NULL, 0);
	seg = peer_expect(&p, TCP_FLAG_ACK, syn.seq + 1, PEER_ISS + 1, 0);
	assert_int_equal(seg.opt.ts_ecr, 500);
	uint32_t next = syn.seq + 1;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(tapir_tcp_send(c, "ab", 2), 2);
		seg = peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, next, PEER_ISS + 1, 2);
		next += 2;
		peer_advance(&p, TAPIR_MS(190));
		peer_expect_nothing(&p);
		struct tcp_options echo = {
		    .has_timestamps = true, .ts_val = 501 + (uint32_t)i, .ts_ecr = seg.opt.ts_val};
		peer_send_full(&p, PEER_PORT, syn.src_port, TCP_FLAG_ACK, PEER_ISS + 1, next, 65535,
		               &echo, NULL, 0);
	}
	assert_int_equal(tapir_tcp_send(c, "ab", 2), 2);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, next, PEER_ISS + 1, 2);
	peer_advance(&p, TAPIR_MS(250));
	peer_expect_nothing(&p);
	tapir_tcp_abort(other);
	tapir_tcp_close(c);
	peer_teardown(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_retransmission_backoff_and_give_up),
	    cmocka_unit_test(test_cwnd_grows_only_when_used),
	    cmocka_unit_test(test_timestamps_offset_per_connection),
	    cmocka_unit_test(test_syn_retransmission_and_give_up),
	    cmocka_unit_test(test_zero_window_probing),
	    cmocka_unit_test(test_window_update_after_read),
	    cmocka_unit_test(test_out_of_order_delivered_in_order),
	    cmocka_unit_test(test_delayed_ack),
	    cmocka_unit_test(test_nagle_and_nodelay),
	    cmocka_unit_test(test_fast_retransmit),
	    cmocka_unit_test(test_window_scale_and_timestamps),
	    cmocka_unit_test(test_keepalive),
	    cmocka_unit_test(test_fsm_table_exported),
	    cmocka_unit_test(test_paws_drops_old_timestamp),
	    cmocka_unit_test(test_sack_blocks_for_out_of_order_data),
	    cmocka_unit_test(test_sack_holes_resent_in_recovery),
	    cmocka_unit_test(test_sack_loss_seen_on_data_segments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

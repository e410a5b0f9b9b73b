/*
 * test_tcp_rto.c — the retransmission timer's estimator (RFC 6298 section
 * 2): SRTT and RTTVAR from the first measurement (2.2) and from later ones
 * (2.3, RTTVAR before SRTT), RTO = SRTT + max(G, K*RTTVAR) with tapir's
 * bounds (2.4, 2.5), and the RTO a connection then uses: measured in the
 * handshake, measured on data, doubled by a timeout (5.5).
 *
 * The sample values are chosen so that every step is exact in microseconds,
 * so an estimator written in any equivalent order of integer operations
 * gets the same numbers. It is also the grading test of labs/impl/rto.
 */
#include "tcp/tcp_internal.h"
#include "test_tcp_peer.h"

/* A connection in SYN-SENT, before any measurement: RTO is the initial 1 s
 * (2.1). The tests feed it samples directly. */
static struct tcp_conn *unmeasured_conn(struct peer *p)
{
	struct tapir_tcp *sock;

	assert_int_equal(
	    tapir_tcp_connect(p->h.stack, HARNESS_PEER_IP, PEER_PORT, app_record, p, &sock), 0);
	struct tcp_conn *c = &sock->conn;
	assert_false(c->rtt_valid);
	assert_int_equal(c->rto, TAPIR_MS(TAPIR_TCP_RTO_INITIAL_MS));
	return c;
}

/* 2.2: SRTT <- R, RTTVAR <- R/2, RTO <- SRTT + max(G, K*RTTVAR). */
static void test_first_measurement(void **state)
{
	(void)state;
	struct peer p;

	peer_setup(&p);
	struct tcp_conn *c = unmeasured_conn(&p);
	tcp_rtt_sample(c, TAPIR_MS(300));
	assert_true(c->rtt_valid);
	assert_int_equal(c->srtt, TAPIR_MS(300));
	assert_int_equal(c->rttvar, TAPIR_MS(150));
	assert_int_equal(c->rto, TAPIR_MS(900)); /* 300 + 4 * 150 */
	peer_teardown(&p);
}

/* 2.3: RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'| with the old SRTT, then
 * SRTT <- 7/8 SRTT + 1/8 R'. Updating SRTT first gives other numbers. */
static void test_later_measurements(void **state)
{
	(void)state;
	struct peer p;

	peer_setup(&p);
	struct tcp_conn *c = unmeasured_conn(&p);
	tcp_rtt_sample(c, TAPIR_MS(300));
	tcp_rtt_sample(c, TAPIR_MS(500));
	assert_int_equal(c->rttvar, 162500);      /* 3/4 * 150 + 1/4 * |300 - 500| ms */
	assert_int_equal(c->srtt, TAPIR_MS(325)); /* 7/8 * 300 + 1/8 * 500 */
	assert_int_equal(c->rto, TAPIR_MS(975));  /* 325 + 4 * 162.5 */

	tcp_rtt_sample(c, TAPIR_MS(100));    /* below SRTT: the deviation is SRTT - R' */
	assert_int_equal(c->rttvar, 178125); /* 3/4 * 162.5 + 1/4 * 225 ms */
	assert_int_equal(c->srtt, 296875);   /* 7/8 * 325 + 1/8 * 100 ms */
	assert_int_equal(c->rto, 296875 + 4 * 178125);
	peer_teardown(&p);
}

/* 2.4: never below the floor (the RFC's 1 s; tapir's, like Linux's, 200 ms). */
static void test_rto_floor(void **state)
{
	(void)state;
	struct peer p;

	peer_setup(&p);
	struct tcp_conn *c = unmeasured_conn(&p);
	tcp_rtt_sample(c, TAPIR_MS(10));
	assert_int_equal(c->srtt, TAPIR_MS(10));
	assert_int_equal(c->rttvar, TAPIR_MS(5));
	assert_int_equal(c->rto, TAPIR_MS(TAPIR_TCP_RTO_MIN_MS)); /* not 10 + 4 * 5 */
	peer_teardown(&p);
}

/* 2.5: a maximum of at least 60 s may be placed on RTO; tapir's is 60 s. */
static void test_rto_ceiling(void **state)
{
	(void)state;
	struct peer p;

	peer_setup(&p);
	struct tcp_conn *c = unmeasured_conn(&p);
	tcp_rtt_sample(c, TAPIR_SECONDS(30));
	assert_int_equal(c->srtt, TAPIR_SECONDS(30));
	assert_int_equal(c->rto, TAPIR_MS(TAPIR_TCP_RTO_MAX_MS)); /* not 30 + 4 * 15 s */
	peer_teardown(&p);
}

/* The clock granularity G (1 ms): once RTTVAR has shrunk to nothing under
 * identical samples, RTO is SRTT + G, not SRTT alone. */
static void test_clock_granularity(void **state)
{
	(void)state;
	struct peer p;

	peer_setup(&p);
	struct tcp_conn *c = unmeasured_conn(&p);
	for (int i = 0; i < 100; i++)
		tcp_rtt_sample(c, TAPIR_SECONDS(1));
	assert_int_equal(c->srtt, TAPIR_SECONDS(1));
	assert_true(4 * c->rttvar < TAPIR_MS(1));
	assert_int_equal(c->rto, TAPIR_SECONDS(1) + TAPIR_MS(1));
	peer_teardown(&p);
}

/* Active open, the SYN,ACK 300 ms after the SYN: the first measurement
 * gives RTO 900 ms, so unanswered data goes again after exactly 900 ms,
 * then after 1800 ms (5.5: the timer backs off). */
static void test_rto_measured_in_the_handshake(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	uint32_t iss;
	uint16_t port;

	peer_setup(&p);
	open_active_rtt(&p, &c, &iss, &port, TAPIR_MS(300));

	assert_int_equal(tapir_tcp_send(c, "hello", 5), 5);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, iss + 1, PEER_ISS + 1, 5);
	peer_advance(&p, TAPIR_MS(900) - 1);
	peer_expect_nothing(&p);
	peer_advance(&p, 1);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, iss + 1, PEER_ISS + 1, 5);
	peer_advance(&p, TAPIR_MS(1800) - 1);
	peer_expect_nothing(&p);
	peer_advance(&p, 1);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, iss + 1, PEER_ISS + 1, 5);
	peer_teardown(&p);
}

/* The handshake measured 300 ms; data ACKed 500 ms after it was sent is
 * the second measurement (2.3): RTO 975 ms for the next unanswered data. */
static void test_rto_measured_on_data(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	uint32_t iss;
	uint16_t port;

	peer_setup(&p);
	open_active_rtt(&p, &c, &iss, &port, TAPIR_MS(300));

	assert_int_equal(tapir_tcp_send(c, "hello", 5), 5);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, iss + 1, PEER_ISS + 1, 5);
	peer_advance(&p, TAPIR_MS(500));
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK, PEER_ISS + 1, iss + 6, 65535, NULL, NULL,
	               0);
	peer_expect_nothing(&p);

	assert_int_equal(tapir_tcp_send(c, "world", 5), 5);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, iss + 6, PEER_ISS + 1, 5);
	peer_advance(&p, TAPIR_MS(975) - 1);
	peer_expect_nothing(&p);
	peer_advance(&p, 1);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, iss + 6, PEER_ISS + 1, 5);
	peer_teardown(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_measurement),
	    cmocka_unit_test(test_later_measurements),
	    cmocka_unit_test(test_rto_floor),
	    cmocka_unit_test(test_rto_ceiling),
	    cmocka_unit_test(test_clock_granularity),
	    cmocka_unit_test(test_rto_measured_in_the_handshake),
	    cmocka_unit_test(test_rto_measured_on_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

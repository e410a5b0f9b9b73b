/*
 * test_tcp_rst.c — resets (RFC 9293 3.5.2, 3.5.3, 3.10.7.4 "second") with
 * the RFC 5961 checks: a RST whose sequence number is exactly RCV.NXT ends
 * the connection in every state and wakes the application with its error;
 * one inside the window but not exact draws a challenge ACK; one outside
 * is dropped silently. A SYN in a synchronized state draws a challenge ACK
 * (RFC 5961 4.2), and an ACK of data never sent is refused (RFC 5961 5.2).
 */
#include "test_tcp_peer.h"

struct conn_in_state {
	struct tapir_tcp *c;
	uint32_t iss;      /* the stack's ISS */
	uint16_t port;     /* the stack's port */
	uint32_t peer_seq; /* the stack's RCV.NXT: where an exact RST goes */
	uint32_t our_nxt;  /* the stack's SND.NXT */
};

static void psend(struct peer *p, const struct conn_in_state *s, uint8_t flags, uint32_t seq,
                  uint32_t ack)
{
	peer_send_full(p, PEER_PORT, s->port, flags, seq, ack, 65535, NULL, NULL, 0);
}

static void to_established(struct peer *p, struct conn_in_state *s)
{
	open_active(p, &s->c, &s->iss, &s->port);
	s->peer_seq = PEER_ISS + 1;
	s->our_nxt = s->iss + 1;
}

static void to_fin_wait_1(struct peer *p, struct conn_in_state *s)
{
	to_established(p, s);
	assert_int_equal(tapir_tcp_shutdown(s->c), 0);
	peer_expect(p, TCP_FLAG_ACK | TCP_FLAG_FIN, s->iss + 1, PEER_ISS + 1, 0);
	s->our_nxt = s->iss + 2;
}

static void to_fin_wait_2(struct peer *p, struct conn_in_state *s)
{
	to_fin_wait_1(p, s);
	psend(p, s, TCP_FLAG_ACK, s->peer_seq, s->our_nxt);
}

static void to_close_wait(struct peer *p, struct conn_in_state *s)
{
	to_established(p, s);
	psend(p, s, TCP_FLAG_ACK | TCP_FLAG_FIN, s->peer_seq, s->our_nxt);
	peer_expect(p, TCP_FLAG_ACK, s->our_nxt, s->peer_seq + 1, 0);
	s->peer_seq++;
}

static void to_last_ack(struct peer *p, struct conn_in_state *s)
{
	to_close_wait(p, s);
	assert_int_equal(tapir_tcp_shutdown(s->c), 0);
	peer_expect(p, TCP_FLAG_ACK | TCP_FLAG_FIN, s->our_nxt, s->peer_seq, 0);
	s->our_nxt++;
}

static void to_closing(struct peer *p, struct conn_in_state *s)
{
	to_fin_wait_1(p, s);
	psend(p, s, TCP_FLAG_ACK | TCP_FLAG_FIN, s->peer_seq, s->iss + 1);
	peer_expect(p, TCP_FLAG_ACK, s->our_nxt, s->peer_seq + 1, 0);
	s->peer_seq++;
}

static void to_time_wait(struct peer *p, struct conn_in_state *s)
{
	to_fin_wait_2(p, s);
	psend(p, s, TCP_FLAG_ACK | TCP_FLAG_FIN, s->peer_seq, s->our_nxt);
	peer_expect(p, TCP_FLAG_ACK, s->our_nxt, s->peer_seq + 1, 0);
	s->peer_seq++;
}

struct rst_case {
	const char *state;
	void (*setup)(struct peer *, struct conn_in_state *);
	int error;
	const char *transition;
};

static const struct rst_case rst_cases[] = {
    {"ESTABLISHED", to_established, -ECONNRESET,
     "ESTABLISHED -> CLOSED (rcv RST / connection reset)"},
    {"FIN-WAIT-1", to_fin_wait_1, -ECONNRESET, "FIN-WAIT-1 -> CLOSED (rcv RST / connection reset)"},
    {"FIN-WAIT-2", to_fin_wait_2, -ECONNRESET, "FIN-WAIT-2 -> CLOSED (rcv RST / connection reset)"},
    {"CLOSE-WAIT", to_close_wait, -ECONNRESET, "CLOSE-WAIT -> CLOSED (rcv RST / connection reset)"},
    {"CLOSING", to_closing, 0, "CLOSING -> CLOSED (rcv RST)"},
    {"LAST-ACK", to_last_ack, 0, "LAST-ACK -> CLOSED (rcv RST)"},
    {"TIME-WAIT", to_time_wait, 0, "TIME-WAIT -> CLOSED (rcv RST)"},
};

/* In each state, an exact RST: CLOSED, no answer, the application woken
 * with TAPIR_TCP_CLOSED and the error; later calls return it. */
static void test_exact_rst_in_each_state(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rst_cases) / sizeof(rst_cases[0]); i++) {
		const struct rst_case *rc = &rst_cases[i];
		struct peer p;
		struct conn_in_state s;

		peer_setup(&p);
		rc->setup(&p, &s);
		assert_string_equal(tapir_tcp_state(s.c), rc->state);
		p.events = 0;
		psend(&p, &s, TCP_FLAG_RST, s.peer_seq, 0);
		peer_expect_nothing(&p);
		assert_string_equal(tapir_tcp_state(s.c), "CLOSED");
		assert_true(p.events & TAPIR_TCP_CLOSED);
		assert_int_equal(tapir_tcp_error(s.c), rc->error);
		assert_string_equal(p.log[p.nlog - 1].text, rc->transition);
		if (rc->error) {
			char buf[4];
			assert_int_equal(p.last_error, rc->error);
			assert_int_equal(tapir_tcp_recv(s.c, buf, sizeof(buf)), rc->error);
			assert_int_equal(tapir_tcp_send(s.c, "x", 1), rc->error);
		}
		tapir_tcp_close(s.c);
		peer_teardown(&p);
	}
}

/* In each state, a RST inside the window but not at RCV.NXT: a challenge
 * ACK <SEQ=SND.NXT><ACK=RCV.NXT>, no state change (RFC 5961 3.2). */
static void test_inexact_rst_draws_challenge_ack(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rst_cases) / sizeof(rst_cases[0]); i++) {
		const struct rst_case *rc = &rst_cases[i];
		struct peer p;
		struct conn_in_state s;

		peer_setup(&p);
		rc->setup(&p, &s);
		size_t before = p.nlog;
		psend(&p, &s, TCP_FLAG_RST, s.peer_seq + 100, 0);
		peer_expect(&p, TCP_FLAG_ACK, s.our_nxt, s.peer_seq, 0);
		assert_string_equal(tapir_tcp_state(s.c), rc->state);
		assert_int_equal(p.nlog, before);
		assert_int_equal(harness_drops(&p.h, TAPIR_DROP_TCP_CHALLENGE_ACK), 1);
		tapir_tcp_abort(s.c);
		peer_teardown(&p);
	}
}

/* A RST outside the window is dropped without a word. */
static void test_rst_outside_window_ignored(void **state)
{
	(void)state;
	struct peer p;
	struct conn_in_state s;

	peer_setup(&p);
	to_established(&p, &s);
	psend(&p, &s, TCP_FLAG_RST, s.peer_seq - 1, 0);
	psend(&p, &s, TCP_FLAG_RST, s.peer_seq + TAPIR_TCP_RCVBUF + 10, 0);
	peer_expect_nothing(&p);
	assert_string_equal(tapir_tcp_state(s.c), "ESTABLISHED");
	assert_int_equal(harness_drops(&p.h, TAPIR_DROP_TCP_RST_IGNORED), 2);
	peer_teardown(&p);
}

/* In SYN-RECEIVED (passive), an exact RST removes the half-open child; the
 * listener stays in LISTEN and nothing is answered. */
static void test_rst_in_syn_received(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	peer_send_syn(&p, STACK_PORT, PEER_ISS);
	assert_true(peer_recv(&p, &seg));
	peer_send(&p, TCP_FLAG_RST, PEER_ISS + 1, 0, NULL, 0);
	peer_expect_nothing(&p);
	assert_string_equal(p.log[p.nlog - 1].text, "SYN-RECEIVED -> CLOSED (rcv RST)");
	assert_string_equal(tapir_tcp_state(l), "LISTEN");
	assert_int_equal(tapir_tcp_accept(l, app_record, &p, &c), -EAGAIN);
	/* Its retransmission timer went with it. */
	harness_advance(&p.h, TAPIR_SECONDS(10));
	peer_expect_nothing(&p);
	peer_teardown(&p);
}

/* In ESTABLISHED, a SYN (any sequence number): challenge ACK, no reset. */
static void test_syn_in_established_draws_challenge_ack(void **state)
{
	(void)state;
	struct peer p;
	struct conn_in_state s;

	peer_setup(&p);
	to_established(&p, &s);
	psend(&p, &s, TCP_FLAG_SYN, s.peer_seq + 5, 0);
	peer_expect(&p, TCP_FLAG_ACK, s.our_nxt, s.peer_seq, 0);
	assert_string_equal(tapir_tcp_state(s.c), "ESTABLISHED");
	assert_int_equal(harness_drops(&p.h, TAPIR_DROP_TCP_CHALLENGE_ACK), 1);
	peer_teardown(&p);
}

/* An ACK for data never sent: ACK back, segment dropped (RFC 5961 5.2);
 * data on it is not taken. */
static void test_ack_of_unsent_data_refused(void **state)
{
	(void)state;
	struct peer p;
	struct conn_in_state s;
	char buf[8];

	peer_setup(&p);
	to_established(&p, &s);
	peer_send_full(&p, PEER_PORT, s.port, TCP_FLAG_ACK, s.peer_seq, s.our_nxt + 1000, 65535,
	               NULL, "data", 4);
	peer_expect(&p, TCP_FLAG_ACK, s.our_nxt, s.peer_seq, 0);
	assert_int_equal(tapir_tcp_recv(s.c, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(harness_drops(&p.h, TAPIR_DROP_TCP_BAD_ACK), 1);
	peer_teardown(&p);
}

/* A segment below the window (an old duplicate) is answered with an ACK
 * and its data discarded. */
static void test_old_duplicate_discarded(void **state)
{
	(void)state;
	struct peer p;
	struct conn_in_state s;
	char buf[16];

	peer_setup(&p);
	to_established(&p, &s);
	peer_send_full(&p, PEER_PORT, s.port, TCP_FLAG_ACK | TCP_FLAG_PSH, s.peer_seq, s.our_nxt,
	               65535, NULL, "abcd", 4);
	peer_send_full(&p, PEER_PORT, s.port, TCP_FLAG_ACK | TCP_FLAG_PSH, s.peer_seq + 4,
	               s.our_nxt, 65535, NULL, "efgh", 4);
	peer_expect(&p, TCP_FLAG_ACK, s.our_nxt, s.peer_seq + 8, 0);
	/* The first again, and one overlapping the edge. */
	peer_send_full(&p, PEER_PORT, s.port, TCP_FLAG_ACK | TCP_FLAG_PSH, s.peer_seq, s.our_nxt,
	               65535, NULL, "abcd", 4);
	peer_expect(&p, TCP_FLAG_ACK, s.our_nxt, s.peer_seq + 8, 0);
	peer_send_full(&p, PEER_PORT, s.port, TCP_FLAG_ACK | TCP_FLAG_PSH, s.peer_seq + 6,
	               s.our_nxt, 65535, NULL, "ghij", 4);
	assert_int_equal(tapir_tcp_recv(s.c, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "abcdefghij", 10);
	assert_true(harness_drops(&p.h, TAPIR_DROP_TCP_BAD_SEQUENCE) >= 1);
	peer_teardown(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_rst_in_each_state),
	    cmocka_unit_test(test_inexact_rst_draws_challenge_ack),
	    cmocka_unit_test(test_rst_outside_window_ignored),
	    cmocka_unit_test(test_rst_in_syn_received),
	    cmocka_unit_test(test_syn_in_established_draws_challenge_ack),
	    cmocka_unit_test(test_ack_of_unsent_data_refused),
	    cmocka_unit_test(test_old_duplicate_discarded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_tcp_close.c — closing connections (RFC 9293 3.6): the active close
 * through FIN-WAIT-1, FIN-WAIT-2 and TIME-WAIT (2*MSL on the virtual
 * clock), the passive close through CLOSE-WAIT and LAST-ACK, simultaneous
 * close through CLOSING, half-close, abort, and the FIN-WAIT-2 bound.
 */
#include "test_tcp_peer.h"

#define MSL TAPIR_SECONDS(2)

/* In ESTABLISHED, close: FIN; its ACK: FIN-WAIT-2; the peer's FIN: ACK and
 * TIME-WAIT; a duplicate FIN is ACKed again; 2*MSL later: CLOSED. */
static void test_active_close_and_time_wait(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	uint32_t iss;

	peer_setup(&p);
	assert_int_equal(tapir_tcp_set_msl(p.h.stack, MSL), 0);
	open_passive(&p, &l, &c, &iss);
	uint32_t id = conn_id(c);
	tapir_tcp_close(c);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, iss + 1, PEER_ISS + 1, 0);
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, iss + 2, NULL, 0);
	peer_expect_nothing(&p);
	peer_send(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, PEER_ISS + 1, iss + 2, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, iss + 2, PEER_ISS + 2, 0);

	/* TIME-WAIT: the peer did not get our ACK and sends its FIN again. */
	harness_advance(&p.h, MSL);
	peer_send(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, PEER_ISS + 1, iss + 2, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, iss + 2, PEER_ISS + 2, 0);
	/* ... which restarted the 2*MSL wait: not over one tick before. */
	harness_advance(&p.h, 2 * MSL - 1);
	assert_int_equal(harness_find_event(&p.h, 0, "TIME-WAIT -> CLOSED"), -1);
	harness_advance(&p.h, 1);
	assert_true(harness_find_event(&p.h, 0, "TIME-WAIT -> CLOSED") >= 0);
	peer_expect_nothing(&p);

	static const char *const want[] = {
	    "CLOSED -> LISTEN (passive OPEN / create TCB)",
	    "LISTEN -> SYN-RECEIVED (rcv SYN / snd SYN,ACK)",
	    "SYN-RECEIVED -> ESTABLISHED (rcv ACK of SYN)",
	    "ESTABLISHED -> FIN-WAIT-1 (CLOSE / snd FIN)",
	    "FIN-WAIT-1 -> FIN-WAIT-2 (rcv ACK of FIN)",
	    "FIN-WAIT-2 -> TIME-WAIT (rcv FIN / snd ACK)",
	    "TIME-WAIT -> CLOSED (timeout=2MSL / delete TCB)",
	    NULL,
	};
	assert_transitions(&p, id, want);
	/* A segment for the finished connection now meets CLOSED: RST. */
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 2, iss + 2, "x", 1);
	peer_expect(&p, TCP_FLAG_RST, iss + 2, 0, 0);
	peer_teardown(&p);
}

/* In ESTABLISHED, receive FIN: ACK, CLOSE-WAIT, the app reads end of
 * stream; close: FIN and LAST-ACK; the ACK of our FIN: CLOSED. */
static void test_passive_close(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	uint32_t iss;
	char buf[16];

	peer_setup(&p);
	open_passive(&p, &l, &c, &iss);
	uint32_t id = conn_id(c);
	peer_send(&p, TCP_FLAG_ACK | TCP_FLAG_FIN | TCP_FLAG_PSH, PEER_ISS + 1, iss + 1, "bye", 3);
	peer_expect(&p, TCP_FLAG_ACK, iss + 1, PEER_ISS + 5, 0);
	assert_string_equal(tapir_tcp_state(c), "CLOSE-WAIT");
	assert_true(p.events & TAPIR_TCP_READABLE);
	assert_int_equal(tapir_tcp_recv(c, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "bye", 3);
	assert_int_equal(tapir_tcp_recv(c, buf, sizeof(buf)), 0);
	/* Half-closed by the peer: we may still send. */
	assert_int_equal(tapir_tcp_send(c, "ok", 2), 2);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, iss + 1, PEER_ISS + 5, 2);
	tapir_tcp_close(c);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, iss + 3, PEER_ISS + 5, 0);
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 5, iss + 4, NULL, 0);
	peer_expect_nothing(&p);
	static const char *const want[] = {
	    "CLOSED -> LISTEN (passive OPEN / create TCB)",
	    "LISTEN -> SYN-RECEIVED (rcv SYN / snd SYN,ACK)",
	    "SYN-RECEIVED -> ESTABLISHED (rcv ACK of SYN)",
	    "ESTABLISHED -> CLOSE-WAIT (rcv FIN / snd ACK)",
	    "CLOSE-WAIT -> LAST-ACK (CLOSE / snd FIN)",
	    "LAST-ACK -> CLOSED (rcv ACK of FIN / delete TCB)",
	    NULL,
	};
	assert_transitions(&p, id, want);
	peer_teardown(&p);
}

/* FIN-WAIT-2, the peer's FIN: ACK, and the application hears the end of
 * the stream (a FIN without data). TIME-WAIT then lasts exactly 2*MSL from
 * that FIN, with no retransmitted FIN to restart it. */
static void test_time_wait_lasts_two_msl(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	uint32_t iss;
	uint16_t port;
	char buf[8];

	peer_setup(&p);
	assert_int_equal(tapir_tcp_set_msl(p.h.stack, MSL), 0);
	open_active(&p, &c, &iss, &port);
	assert_int_equal(tapir_tcp_shutdown(c), 0);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, iss + 1, PEER_ISS + 1, 0);
	assert_string_equal(tapir_tcp_state(c), "FIN-WAIT-1");
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK, PEER_ISS + 1, iss + 2, 65535, NULL, NULL,
	               0);
	peer_expect_nothing(&p);
	assert_string_equal(tapir_tcp_state(c), "FIN-WAIT-2");

	p.events = 0;
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK | TCP_FLAG_FIN, PEER_ISS + 1, iss + 2,
	               65535, NULL, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, iss + 2, PEER_ISS + 2, 0);
	assert_string_equal(tapir_tcp_state(c), "TIME-WAIT");
	assert_true(p.events & TAPIR_TCP_READABLE);
	assert_int_equal(tapir_tcp_recv(c, buf, sizeof(buf)), 0);

	harness_advance(&p.h, 2 * MSL - 1);
	assert_string_equal(tapir_tcp_state(c), "TIME-WAIT");
	harness_advance(&p.h, 1);
	assert_string_equal(tapir_tcp_state(c), "CLOSED");
	assert_int_equal(tapir_tcp_error(c), 0);
	peer_expect_nothing(&p);
	peer_teardown(&p);
}

/* CLOSE-WAIT, the application sends and closes: data and FIN, LAST-ACK.
 * An ACK of the data alone leaves the connection in LAST-ACK; only the ACK
 * of the FIN ends it. */
static void test_last_ack_waits_for_the_ack_of_its_fin(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	uint32_t iss;
	char buf[8];

	peer_setup(&p);
	open_passive(&p, &l, &c, &iss);
	p.events = 0;
	peer_send(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, PEER_ISS + 1, iss + 1, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, iss + 1, PEER_ISS + 2, 0);
	assert_string_equal(tapir_tcp_state(c), "CLOSE-WAIT");
	assert_true(p.events & TAPIR_TCP_READABLE);
	assert_int_equal(tapir_tcp_recv(c, buf, sizeof(buf)), 0);

	assert_int_equal(tapir_tcp_send(c, "bye", 3), 3);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, iss + 1, PEER_ISS + 2, 3);
	assert_int_equal(tapir_tcp_shutdown(c), 0);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, iss + 4, PEER_ISS + 2, 0);
	assert_string_equal(tapir_tcp_state(c), "LAST-ACK");
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 2, iss + 4, NULL, 0);
	assert_string_equal(tapir_tcp_state(c), "LAST-ACK");
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 2, iss + 5, NULL, 0);
	assert_string_equal(tapir_tcp_state(c), "CLOSED");
	assert_int_equal(tapir_tcp_error(c), 0);
	peer_expect_nothing(&p);
	peer_teardown(&p);
}

/* Both close at once: our FIN and the peer's FIN cross; FIN-WAIT-1 ->
 * CLOSING on its FIN, CLOSING -> TIME-WAIT on the ACK of ours. */
static void test_simultaneous_close(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	uint32_t iss;
	uint16_t port;

	peer_setup(&p);
	assert_int_equal(tapir_tcp_set_msl(p.h.stack, MSL), 0);
	open_active(&p, &c, &iss, &port);
	assert_int_equal(tapir_tcp_shutdown(c), 0);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, iss + 1, PEER_ISS + 1, 0);
	/* The peer's FIN, not acknowledging ours. */
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK | TCP_FLAG_FIN, PEER_ISS + 1, iss + 1,
	               65535, NULL, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, iss + 2, PEER_ISS + 2, 0);
	assert_string_equal(tapir_tcp_state(c), "CLOSING");
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK, PEER_ISS + 2, iss + 2, 65535, NULL, NULL,
	               0);
	assert_string_equal(tapir_tcp_state(c), "TIME-WAIT");
	harness_advance(&p.h, 2 * MSL);
	assert_string_equal(tapir_tcp_state(c), "CLOSED");
	assert_int_equal(tapir_tcp_error(c), 0);
	static const char *const want[] = {
	    "CLOSED -> SYN-SENT (active OPEN / create TCB, snd SYN)",
	    "SYN-SENT -> ESTABLISHED (rcv SYN,ACK / snd ACK)",
	    "ESTABLISHED -> FIN-WAIT-1 (CLOSE / snd FIN)",
	    "FIN-WAIT-1 -> CLOSING (rcv FIN / snd ACK (simultaneous close))",
	    "CLOSING -> TIME-WAIT (rcv ACK of FIN)",
	    "TIME-WAIT -> CLOSED (timeout=2MSL / delete TCB)",
	    NULL,
	};
	assert_transitions(&p, conn_id(c), want);
	tapir_tcp_close(c);
	peer_teardown(&p);
}

/* Half-close: after shutdown() we are in FIN-WAIT-2 and still receive. */
static void test_half_close_keeps_receiving(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	uint32_t iss;
	uint16_t port;
	char buf[64];

	peer_setup(&p);
	open_active(&p, &c, &iss, &port);
	assert_int_equal(tapir_tcp_shutdown(c), 0);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, iss + 1, PEER_ISS + 1, 0);
	assert_int_equal(tapir_tcp_send(c, "no", 2), -EPIPE);
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK, PEER_ISS + 1, iss + 2, 65535, NULL, NULL,
	               0);
	assert_string_equal(tapir_tcp_state(c), "FIN-WAIT-2");
	/* Two full data segments: the second is ACKed at once. */
	static uint8_t data[2920];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK, PEER_ISS + 1, iss + 2, 65535, NULL, data,
	               1460);
	peer_expect_nothing(&p);
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK, PEER_ISS + 1461, iss + 2, 65535, NULL,
	               data + 1460, 1460);
	peer_expect(&p, TCP_FLAG_ACK, iss + 2, PEER_ISS + 2921, 0);
	size_t got = 0;
	long n;
	static uint8_t back[2920];
	while ((n = tapir_tcp_recv(c, buf, sizeof(buf))) > 0) {
		memcpy(back + got, buf, (size_t)n);
		got += (size_t)n;
	}
	assert_int_equal(n, -EAGAIN);
	assert_int_equal(got, sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK | TCP_FLAG_FIN, PEER_ISS + 2921, iss + 2,
	               65535, NULL, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, iss + 2, PEER_ISS + 2922, 0);
	assert_string_equal(tapir_tcp_state(c), "TIME-WAIT");
	assert_int_equal(tapir_tcp_recv(c, buf, sizeof(buf)), 0);
	static const char *const want[] = {
	    "CLOSED -> SYN-SENT (active OPEN / create TCB, snd SYN)",
	    "SYN-SENT -> ESTABLISHED (rcv SYN,ACK / snd ACK)",
	    "ESTABLISHED -> FIN-WAIT-1 (CLOSE / snd FIN)",
	    "FIN-WAIT-1 -> FIN-WAIT-2 (rcv ACK of FIN)",
	    "FIN-WAIT-2 -> TIME-WAIT (rcv FIN / snd ACK)",
	    NULL,
	};
	assert_transitions(&p, conn_id(c), want);
	tapir_tcp_close(c);
	peer_teardown(&p);
}

/* abort() where there is no peer to tell (LISTEN, SYN-SENT): no RST; in
 * CLOSE-WAIT: RST. Each is its own row of the table. */
static void test_abort_in_other_states(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;
	uint32_t iss;
	uint16_t port;

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	uint32_t lid = conn_id(l);
	tapir_tcp_abort(l);
	peer_expect_nothing(&p);
	assert_string_equal(p.log[p.nlog - 1].text, "LISTEN -> CLOSED (ABORT / delete TCB)");
	assert_int_equal(p.log[p.nlog - 1].conn, lid);

	assert_int_equal(
	    tapir_tcp_connect(p.h.stack, HARNESS_PEER_IP, PEER_PORT, app_record, &p, &c), 0);
	assert_true(peer_recv(&p, &seg));
	tapir_tcp_abort(c);
	peer_expect_nothing(&p);
	assert_string_equal(p.log[p.nlog - 1].text, "SYN-SENT -> CLOSED (ABORT / delete TCB)");
	/* Its SYN is not sent again. */
	harness_advance(&p.h, TAPIR_SECONDS(5));
	peer_expect_nothing(&p);

	open_active(&p, &c, &iss, &port);
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK | TCP_FLAG_FIN, PEER_ISS + 1, iss + 1,
	               65535, NULL, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, iss + 1, PEER_ISS + 2, 0);
	tapir_tcp_abort(c);
	peer_expect(&p, TCP_FLAG_RST, iss + 1, 0, 0);
	assert_string_equal(p.log[p.nlog - 1].text, "CLOSE-WAIT -> CLOSED (ABORT / snd RST)");
	peer_teardown(&p);
}

/* abort() in ESTABLISHED: RST <SEQ=SND.NXT>, CLOSED at once. */
static void test_abort_sends_rst(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	uint32_t iss;
	uint16_t port;

	peer_setup(&p);
	open_active(&p, &c, &iss, &port);
	uint32_t id = conn_id(c);
	tapir_tcp_abort(c);
	peer_expect(&p, TCP_FLAG_RST, iss + 1, 0, 0);
	static const char *const want[] = {
	    "CLOSED -> SYN-SENT (active OPEN / create TCB, snd SYN)",
	    "SYN-SENT -> ESTABLISHED (rcv SYN,ACK / snd ACK)",
	    "ESTABLISHED -> CLOSED (ABORT / snd RST)",
	    NULL,
	};
	assert_transitions(&p, id, want);
	/* The port is free again: the peer's segment meets CLOSED. */
	peer_send_full(&p, PEER_PORT, port, TCP_FLAG_ACK, PEER_ISS + 1, iss + 1, 65535, NULL, NULL,
	               0);
	peer_expect(&p, TCP_FLAG_RST, iss + 1, 0, 0);
	peer_teardown(&p);
}

/* close() with unread data is an abort (RFC 2525 2.17). */
static void test_close_with_unread_data_resets(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	uint32_t iss;

	peer_setup(&p);
	open_passive(&p, &l, &c, &iss);
	peer_send(&p, TCP_FLAG_ACK | TCP_FLAG_PSH, PEER_ISS + 1, iss + 1, "unread", 6);
	harness_advance(&p.h, TAPIR_MS(TAPIR_TCP_DELACK_MS));
	peer_expect(&p, TCP_FLAG_ACK, iss + 1, PEER_ISS + 7, 0);
	tapir_tcp_close(c);
	peer_expect(&p, TCP_FLAG_RST, iss + 1, 0, 0);
	peer_teardown(&p);
}

/* After close(), FIN-WAIT-2 does not last for ever when the peer never
 * sends its FIN. */
static void test_fin_wait_2_bounded_after_close(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	uint32_t iss;

	peer_setup(&p);
	open_passive(&p, &l, &c, &iss);
	uint32_t id = conn_id(c);
	tapir_tcp_close(c);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, iss + 1, PEER_ISS + 1, 0);
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, iss + 2, NULL, 0);
	harness_advance(&p.h, TAPIR_SECONDS(TAPIR_TCP_FIN_WAIT_2_S) - 1);
	assert_int_equal(harness_find_event(&p.h, 0, "FIN-WAIT-2 -> CLOSED"), -1);
	harness_advance(&p.h, 1);
	static const char *const want[] = {
	    "CLOSED -> LISTEN (passive OPEN / create TCB)",
	    "LISTEN -> SYN-RECEIVED (rcv SYN / snd SYN,ACK)",
	    "SYN-RECEIVED -> ESTABLISHED (rcv ACK of SYN)",
	    "ESTABLISHED -> FIN-WAIT-1 (CLOSE / snd FIN)",
	    "FIN-WAIT-1 -> FIN-WAIT-2 (rcv ACK of FIN)",
	    "FIN-WAIT-2 -> CLOSED (timeout: no FIN after CLOSE / delete TCB)",
	    NULL,
	};
	assert_transitions(&p, id, want);
	peer_teardown(&p);
}

/* Closing a listener resets its unaccepted connections. */
static void test_close_listener(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l;
	struct tcp_segment seg;

	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 4, app_record, &p, &l), 0);
	peer_send_syn(&p, STACK_PORT, PEER_ISS);
	assert_true(peer_recv(&p, &seg));
	peer_send(&p, TCP_FLAG_ACK, PEER_ISS + 1, seg.seq + 1, NULL, 0);
	uint32_t lid = conn_id(l);
	tapir_tcp_close(l);
	peer_expect(&p, TCP_FLAG_RST, seg.seq + 1, 0, 0);
	static const char *const want[] = {
	    "CLOSED -> LISTEN (passive OPEN / create TCB)",
	    "LISTEN -> CLOSED (CLOSE / delete TCB)",
	    NULL,
	};
	assert_transitions(&p, lid, want);
	peer_send_syn(&p, STACK_PORT, PEER_ISS + 100);
	peer_expect(&p, TCP_FLAG_RST | TCP_FLAG_ACK, 0, PEER_ISS + 101, 0);
	peer_teardown(&p);
}

/* RFC 6191: in TIME-WAIT, a SYN beyond the old sequence space (here with no
 * timestamps) opens a new incarnation of the same four-tuple at once. */
static void test_new_syn_in_time_wait_opens_a_new_connection(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;
	uint32_t iss;

	peer_setup(&p);
	open_passive(&p, &l, &c, &iss);
	tapir_tcp_close(c); /* the server closes first: TIME-WAIT on our side */
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, iss + 1, PEER_ISS + 1, 0);
	peer_send(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, PEER_ISS + 1, iss + 2, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, iss + 2, PEER_ISS + 2, 0);
	harness_advance(&p.h, TAPIR_SECONDS(1));
	peer_send_syn(&p, STACK_PORT, PEER_ISS + 100000);
	assert_true(peer_recv(&p, &seg));
	assert_int_equal(seg.flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
	assert_int_equal(seg.ack, PEER_ISS + 100001);
	assert_true(
	    harness_find_event(&p.h, 0, "TIME-WAIT -> CLOSED (rcv SYN of a new connection") >= 0);
	assert_true(harness_find_event(&p.h, 0, "LISTEN -> SYN-RECEIVED") >= 0);
	tapir_tcp_close(l);
	peer_teardown(&p);
}

/* An old duplicate SYN (inside the old sequence space) does not end
 * TIME-WAIT: it is answered with an ACK, as RFC 9293 3.10.7.4 says. */
static void test_old_syn_in_time_wait_gets_an_ack(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l, *c;
	struct tcp_segment seg;
	uint32_t iss;

	peer_setup(&p);
	open_passive(&p, &l, &c, &iss);
	tapir_tcp_close(c);
	peer_expect(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, iss + 1, PEER_ISS + 1, 0);
	peer_send(&p, TCP_FLAG_ACK | TCP_FLAG_FIN, PEER_ISS + 1, iss + 2, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, iss + 2, PEER_ISS + 2, 0);
	peer_send_syn(&p, STACK_PORT, PEER_ISS);
	assert_true(peer_recv(&p, &seg));
	assert_int_equal(seg.flags, TCP_FLAG_ACK);
	assert_int_equal(seg.ack, PEER_ISS + 2);
	assert_true(harness_find_event(&p.h, 0, "rcv SYN of a new connection") < 0);
	assert_string_equal(tapir_tcp_state(c), "TIME-WAIT");
	tapir_tcp_close(l);
	peer_teardown(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_active_close_and_time_wait),
	    cmocka_unit_test(test_new_syn_in_time_wait_opens_a_new_connection),
	    cmocka_unit_test(test_old_syn_in_time_wait_gets_an_ack),
	    cmocka_unit_test(test_passive_close),
	    cmocka_unit_test(test_time_wait_lasts_two_msl),
	    cmocka_unit_test(test_last_ack_waits_for_the_ack_of_its_fin),
	    cmocka_unit_test(test_simultaneous_close),
	    cmocka_unit_test(test_half_close_keeps_receiving),
	    cmocka_unit_test(test_abort_sends_rst),
	    cmocka_unit_test(test_close_with_unread_data_resets),
	    cmocka_unit_test(test_fin_wait_2_bounded_after_close),
	    cmocka_unit_test(test_close_listener),
	    cmocka_unit_test(test_abort_in_other_states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_tcp_scale.c — bounds and memory: 10,000 idle connections fit (an
 * idle connection holds no buffers, only its TCB), each one still works,
 * and closing them all returns the stack to its empty state.
 */
#include <stdlib.h>

#include "tcp/tcp_internal.h"
#include "test_tcp_peer.h"

#define NCONN 10000

static void test_ten_thousand_idle_connections(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *l;
	struct tcp_segment seg;
	struct tcp_options opt = {.has_mss = true, .mss = 1460};
	struct tapir_tcp **conns = calloc(NCONN, sizeof(*conns));
	uint32_t *iss = calloc(NCONN, sizeof(*iss));

	assert_non_null(conns);
	assert_non_null(iss);
	peer_setup(&p);
	assert_int_equal(tapir_tcp_listen(p.h.stack, STACK_PORT, 16, app_record, &p, &l), 0);
	for (unsigned i = 0; i < NCONN; i++) {
		uint16_t port = (uint16_t)(10000 + i);
		peer_send_full(&p, port, STACK_PORT, TCP_FLAG_SYN, i, 0, 65535, &opt, NULL, 0);
		assert_true(peer_recv(&p, &seg));
		iss[i] = seg.seq;
		peer_send_full(&p, port, STACK_PORT, TCP_FLAG_ACK, i + 1, seg.seq + 1, 65535, NULL,
		               NULL, 0);
		assert_int_equal(tapir_tcp_accept(l, app_record, &p, &conns[i]), 0);
	}
	/* The memory they take: the TCBs, no buffers. */
	size_t tcb = sizeof(struct tapir_tcp);
	fprintf(stderr, "  %u idle connections: %zu bytes each, %.1f MiB in all\n", NCONN, tcb,
	        (double)tcb * NCONN / (1024.0 * 1024.0));
	assert_true(tcb < 1024);
	assert_int_equal(p.h.stack->tcp->nconns, NCONN + 1);
	for (unsigned i = 0; i < NCONN; i++) {
		assert_null(conns[i]->conn.sndbuf.data);
		assert_null(conns[i]->conn.rcvbuf.data);
	}

	/* The last one still carries data both ways. */
	char buf[8];
	unsigned k = NCONN - 1;
	peer_send_full(&p, (uint16_t)(10000 + k), STACK_PORT, TCP_FLAG_ACK | TCP_FLAG_PSH, k + 1,
	               iss[k] + 1, 65535, NULL, "ping", 4);
	assert_int_equal(tapir_tcp_recv(conns[k], buf, sizeof(buf)), 4);
	assert_null(conns[k]->conn.rcvbuf.data); /* read empty: released again */
	assert_int_equal(tapir_tcp_send(conns[k], "pong", 4), 4);
	while (peer_recv(&p, &seg) && seg.payload_len == 0)
		;
	assert_int_equal(seg.payload_len, 4);
	assert_memory_equal(seg.payload, "pong", 4);

	/* Aborting them all empties the table. */
	for (unsigned i = 0; i < NCONN; i++)
		tapir_tcp_abort(conns[i]);
	assert_int_equal(p.h.stack->tcp->nconns, 1);
	while (peer_recv(&p, &seg))
		;
	peer_teardown(&p);
	free(conns);
	free(iss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ten_thousand_idle_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

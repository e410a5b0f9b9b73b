/*
 * test_link_sim.c — the sim wire (stack/link/sim.c): frames arrive exactly
 * `latency` after they are sent and not a microsecond before, in order, the
 * queue is bounded, oversized frames are refused, and closing one end cuts
 * the wire.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tapir/link.h"
#include "tapir/options.h"

#define LATENCY   1500
#define MTU       1500
#define FRAME_MAX (MTU + 14)

struct pair {
	struct tapir_link *a, *b;
};

static int pair_setup(void **state)
{
	static struct pair pair;

	assert_int_equal(tapir_sim_pair(LATENCY, MTU, &pair.a, &pair.b), 0);
	*state = &pair;
	return 0;
}

static int pair_teardown(void **state)
{
	struct pair *pair = *state;

	tapir_link_close(pair->a);
	tapir_link_close(pair->b);
	return 0;
}

/* A frame whose bytes all say `id`, so frames can be told apart. */
static void make_frame(uint8_t *frame, size_t len, uint8_t id)
{
	memset(frame, id, len);
}

static void test_delivered_exactly_after_latency(void **state)
{
	struct pair *p = *state;
	uint8_t out[60], in[FRAME_MAX];
	tapir_time sent = 5000;

	make_frame(out, sizeof(out), 7);
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), sent), 0);

	assert_int_equal(tapir_link_next_due(p->b, sent), sent + LATENCY);
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), sent), 0);
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), sent + LATENCY - 1), 0);
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), sent + LATENCY), sizeof(out));
	assert_memory_equal(in, out, sizeof(out));

	/* Nothing more, and nothing went back the other way. */
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), sent + LATENCY), 0);
	assert_int_equal(tapir_link_recv(p->a, in, sizeof(in), sent + LATENCY * 10), 0);
	assert_true(tapir_link_next_due(p->b, sent + LATENCY) == TAPIR_TIME_NEVER);
}

static void test_zero_latency_delivers_at_once(void **state)
{
	struct tapir_link *a, *b;
	uint8_t out[60], in[FRAME_MAX];

	(void)state;
	make_frame(out, sizeof(out), 1);
	assert_int_equal(tapir_sim_pair(0, MTU, &a, &b), 0);
	assert_int_equal(tapir_link_send(b, out, sizeof(out), 100), 0);
	assert_int_equal(tapir_link_next_due(a, 100), 100);
	assert_int_equal(tapir_link_recv(a, in, sizeof(in), 100), sizeof(out));
	tapir_link_close(a);
	tapir_link_close(b);
}

static void test_fifo_order(void **state)
{
	struct pair *p = *state;
	uint8_t out[60], in[FRAME_MAX];

	/* Frames 1 and 2 at the same time, frame 3 later. */
	make_frame(out, sizeof(out), 1);
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), 0), 0);
	make_frame(out, sizeof(out), 2);
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), 0), 0);
	make_frame(out, sizeof(out), 3);
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), 10), 0);

	for (uint8_t id = 1; id <= 3; id++) {
		assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), 10 + LATENCY), sizeof(out));
		assert_int_equal(in[0], id);
	}
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), 10 + LATENCY), 0);
}

static void test_head_not_due_blocks_later_frames(void **state)
{
	struct pair *p = *state;
	uint8_t out[60], in[FRAME_MAX];

	/* A frame sent at an earlier `now` after a later one still waits its turn:
	 * the wire is a FIFO, not a priority queue. */
	make_frame(out, sizeof(out), 1);
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), 1000), 0);
	make_frame(out, sizeof(out), 2);
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), 0), 0);
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), LATENCY), 0);
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), 1000 + LATENCY), sizeof(out));
	assert_int_equal(in[0], 1);
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), 1000 + LATENCY), sizeof(out));
	assert_int_equal(in[0], 2);
}

static void test_both_directions_independent(void **state)
{
	struct pair *p = *state;
	uint8_t out[60], in[FRAME_MAX];

	make_frame(out, sizeof(out), 0xa);
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), 0), 0);
	make_frame(out, sizeof(out), 0xb);
	assert_int_equal(tapir_link_send(p->b, out, sizeof(out), 100), 0);

	assert_int_equal(tapir_link_next_due(p->a, 0), 100 + LATENCY);
	assert_int_equal(tapir_link_next_due(p->b, 0), LATENCY);
	assert_int_equal(tapir_link_recv(p->a, in, sizeof(in), 100 + LATENCY), sizeof(out));
	assert_int_equal(in[0], 0xb);
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), 100 + LATENCY), sizeof(out));
	assert_int_equal(in[0], 0xa);
}

static void test_queue_full_is_enobufs(void **state)
{
	struct pair *p = *state;
	uint8_t out[60], in[FRAME_MAX];
	int received = 0;

	make_frame(out, sizeof(out), 5);
	for (int i = 0; i < TAPIR_SIM_QUEUE_MAX; i++)
		assert_int_equal(tapir_link_send(p->a, out, sizeof(out), 0), 0);
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), 0), -ENOBUFS);
	/* The other direction has its own queue. */
	assert_int_equal(tapir_link_send(p->b, out, sizeof(out), 0), 0);
	/* Receiving one frame makes room for one more. */
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), LATENCY), sizeof(out));
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), 0), 0);
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), 0), -ENOBUFS);

	while (tapir_link_recv(p->b, in, sizeof(in), LATENCY) > 0)
		received++;
	assert_int_equal(received, TAPIR_SIM_QUEUE_MAX);
}

static void test_oversize_is_emsgsize(void **state)
{
	struct pair *p = *state;
	static uint8_t out[FRAME_MAX + 1];
	uint8_t in[FRAME_MAX + 1];

	make_frame(out, sizeof(out), 9);
	assert_int_equal(tapir_link_send(p->a, out, FRAME_MAX + 1, 0), -EMSGSIZE);
	assert_int_equal(tapir_link_send(p->a, out, FRAME_MAX, 0), 0);
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), LATENCY), FRAME_MAX);
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), LATENCY), 0);
}

static void test_truncated_frame_reports_full_length(void **state)
{
	struct pair *p = *state;
	uint8_t out[100], in[100];

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)i;
	memset(in, 0xee, sizeof(in));
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), 0), 0);
	assert_int_equal(tapir_link_recv(p->b, in, 40, LATENCY), 100);
	assert_memory_equal(in, out, 40);
	assert_int_equal(in[40], 0xee); /* not a byte past cap */
}

static void test_close_one_end_cuts_the_wire(void **state)
{
	struct tapir_link *a, *b;
	uint8_t out[60], in[FRAME_MAX];

	(void)state;
	make_frame(out, sizeof(out), 3);
	assert_int_equal(tapir_sim_pair(LATENCY, MTU, &a, &b), 0);
	assert_int_equal(tapir_link_send(a, out, sizeof(out), 0), 0);
	assert_int_equal(tapir_link_send(b, out, sizeof(out), 0), 0);
	tapir_link_close(a);

	/* In-flight frames are gone; b's sends vanish; b receives nothing. */
	assert_int_equal(tapir_link_recv(b, in, sizeof(in), LATENCY), 0);
	assert_true(tapir_link_next_due(b, 0) == TAPIR_TIME_NEVER);
	for (int i = 0; i < TAPIR_SIM_QUEUE_MAX + 5; i++)
		assert_int_equal(tapir_link_send(b, out, sizeof(out), 0), 0);
	assert_int_equal(tapir_link_send(b, out, FRAME_MAX + 1, 0), -EMSGSIZE);
	assert_int_equal(tapir_link_recv(b, in, sizeof(in), TAPIR_SECONDS(10)), 0);
	tapir_link_close(b); /* frees the wire: checked under ASan/valgrind */
}

static void test_close_in_either_order(void **state)
{
	struct tapir_link *a, *b;
	uint8_t out[60];

	(void)state;
	make_frame(out, sizeof(out), 3);
	assert_int_equal(tapir_sim_pair(LATENCY, MTU, &a, &b), 0);
	assert_int_equal(tapir_link_send(a, out, sizeof(out), 0), 0);
	tapir_link_close(b);
	assert_int_equal(tapir_link_send(a, out, sizeof(out), 0), 0);
	tapir_link_close(a);
	tapir_link_close(NULL);
}

static void test_fd_name_mtu(void **state)
{
	struct pair *p = *state;

	assert_int_equal(tapir_link_fd(p->a), -1);
	assert_int_equal(tapir_link_fd(p->b), -1);
	assert_int_equal(p->a->mtu, MTU);
	assert_null(p->a->inner);
	assert_string_equal(p->a->name, "sim-a");
	assert_string_equal(p->b->name, "sim-b");
}

static void test_bad_arguments(void **state)
{
	struct tapir_link *a = NULL, *b = NULL;
	struct pair *p = *state;
	uint8_t in[10];

	assert_int_equal(tapir_sim_pair(-1, MTU, &a, &b), -EINVAL);
	assert_int_equal(tapir_sim_pair(0, 0, &a, &b), -EINVAL);
	assert_int_equal(tapir_sim_pair(0, 70000, &a, &b), -EINVAL);
	assert_int_equal(tapir_sim_pair(0, MTU, NULL, &b), -EINVAL);
	assert_null(a);
	assert_null(b);
	assert_int_equal(tapir_link_send(NULL, in, sizeof(in), 0), -EINVAL);
	assert_int_equal(tapir_link_send(p->a, NULL, 10, 0), -EINVAL);
	assert_int_equal(tapir_link_recv(NULL, in, sizeof(in), 0), -EINVAL);
	assert_int_equal(tapir_link_recv(p->a, NULL, 10, 0), -EINVAL);
	assert_true(tapir_link_next_due(NULL, 0) == TAPIR_TIME_NEVER);
	assert_int_equal(tapir_link_fd(NULL), -1);
}

static void test_time_near_never_does_not_overflow(void **state)
{
	struct pair *p = *state;
	uint8_t out[60], in[FRAME_MAX];

	make_frame(out, sizeof(out), 1);
	assert_int_equal(tapir_link_send(p->a, out, sizeof(out), TAPIR_TIME_NEVER - 10), 0);
	assert_true(tapir_link_next_due(p->b, 0) == TAPIR_TIME_NEVER);
	assert_int_equal(tapir_link_recv(p->b, in, sizeof(in), TAPIR_TIME_NEVER - 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_delivered_exactly_after_latency, pair_setup,
	                                    pair_teardown),
	    cmocka_unit_test(test_zero_latency_delivers_at_once),
	    cmocka_unit_test_setup_teardown(test_fifo_order, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(test_head_not_due_blocks_later_frames, pair_setup,
	                                    pair_teardown),
	    cmocka_unit_test_setup_teardown(test_both_directions_independent, pair_setup,
	                                    pair_teardown),
	    cmocka_unit_test_setup_teardown(test_queue_full_is_enobufs, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(test_oversize_is_emsgsize, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(test_truncated_frame_reports_full_length, pair_setup,
	                                    pair_teardown),
	    cmocka_unit_test(test_close_one_end_cuts_the_wire),
	    cmocka_unit_test(test_close_in_either_order),
	    cmocka_unit_test_setup_teardown(test_fd_name_mtu, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(test_bad_arguments, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(test_time_near_never_does_not_overflow, pair_setup,
	                                    pair_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_link_fault.c — the fault injector (stack/link/fault.c) wrapped around
 * one end of a sim pair. The test plays the other end: it reads what the
 * injector sent, and sends what the injector receives.
 *
 * Covered: no faults is an exact pass-through; a seed gives the same faults
 * every run; loss, duplication, corruption, delay, jitter and reordering do
 * what they say and are counted; the queues are bounded; both directions are
 * faulted, each with its own random stream.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tapir/link.h"
#include "tapir/options.h"

#define MTU          1500
#define FRAME_MAX    (MTU + 14)
#define FRAME_LEN    64
#define REORDER_HOLD TAPIR_MS(10) /* fault.c's FAULT_REORDER_HOLD */

/* The link under test wraps `ours`; the test holds the far end. */
struct rig {
	struct tapir_link *fault;
	struct tapir_link *far;
};

static void rig_open(struct rig *r, const struct tapir_faults *faults, tapir_time latency)
{
	struct tapir_link *ours;

	assert_int_equal(tapir_sim_pair(latency, MTU, &ours, &r->far), 0);
	assert_int_equal(tapir_fault_open(ours, faults, &r->fault), 0);
	assert_ptr_equal(r->fault->inner, ours);
}

static void rig_close(struct rig *r)
{
	tapir_link_close(r->fault); /* closes ours too */
	tapir_link_close(r->far);
}

/* A frame carrying `id` in its first four bytes and a pattern after. */
static void make_frame(uint8_t *frame, size_t len, uint32_t id)
{
	for (size_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(id * 31 + i);
	memcpy(frame, &id, sizeof(id));
}

static uint32_t frame_id(const uint8_t *frame)
{
	uint32_t id;

	memcpy(&id, frame, sizeof(id));
	return id;
}

static void send_out(struct rig *r, uint32_t id, tapir_time now)
{
	uint8_t frame[FRAME_LEN];

	make_frame(frame, sizeof(frame), id);
	assert_int_equal(tapir_link_send(r->fault, frame, sizeof(frame), now), 0);
}

static void send_in(struct rig *r, uint32_t id, tapir_time now)
{
	uint8_t frame[FRAME_LEN];

	make_frame(frame, sizeof(frame), id);
	assert_int_equal(tapir_link_send(r->far, frame, sizeof(frame), now), 0);
}

/* What the stack's poll does first: receive on the injector (which also
 * flushes due outgoing frames). With no incoming traffic it must return 0. */
static void poll_idle(struct rig *r, tapir_time now)
{
	uint8_t buf[FRAME_MAX];

	assert_int_equal(tapir_link_recv(r->fault, buf, sizeof(buf), now), 0);
}

/* Read every frame the far end has at `now`; returns how many, ids in ids[]. */
static size_t drain(struct tapir_link *link, tapir_time now, uint32_t *ids, size_t max)
{
	uint8_t buf[FRAME_MAX];
	size_t n = 0;
	int len;

	while ((len = tapir_link_recv(link, buf, sizeof(buf), now)) > 0) {
		assert_int_equal(len, FRAME_LEN);
		if (ids && n < max)
			ids[n] = frame_id(buf);
		n++;
	}
	assert_int_equal(len, 0);
	return n;
}

/* ---- no faults ------------------------------------------------------------ */

static void test_faults_any(void **state)
{
	struct tapir_faults f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_false(tapir_faults_any(NULL));
	assert_false(tapir_faults_any(&f));
	f.seed = 1234; /* a seed alone asks for nothing */
	assert_false(tapir_faults_any(&f));
	f.loss_pct = 0.5;
	assert_true(tapir_faults_any(&f));
	f.loss_pct = 0;
	f.duplicate_pct = 1;
	assert_true(tapir_faults_any(&f));
	f.duplicate_pct = 0;
	f.corrupt_pct = 1;
	assert_true(tapir_faults_any(&f));
	f.corrupt_pct = 0;
	f.reorder_pct = 1;
	assert_true(tapir_faults_any(&f));
	f.reorder_pct = 0;
	f.delay = 1;
	assert_true(tapir_faults_any(&f));
	f.delay = 0;
	f.jitter = 1;
	assert_true(tapir_faults_any(&f));
}

static void test_no_faults_is_pass_through(void **state)
{
	struct tapir_faults none = {.seed = 99};
	struct tapir_fault_stats st;
	static uint8_t big[FRAME_MAX + 1];
	uint8_t buf[FRAME_MAX];
	uint32_t ids[4];
	struct rig r;

	(void)state;
	rig_open(&r, &none, 1500);
	assert_int_equal(r.fault->mtu, MTU);
	assert_int_equal(tapir_link_fd(r.fault), -1);

	/* Frames keep their order, timing and contents in both directions. */
	send_out(&r, 1, 0);
	send_out(&r, 2, 0);
	assert_int_equal(tapir_link_next_due(r.far, 0), 1500);
	assert_int_equal(drain(r.far, 1499, ids, 4), 0);
	assert_int_equal(drain(r.far, 1500, ids, 4), 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	send_in(&r, 3, 10);
	assert_int_equal(tapir_link_next_due(r.fault, 10), 1510);
	assert_int_equal(tapir_link_recv(r.fault, buf, sizeof(buf), 1509), 0);
	assert_int_equal(tapir_link_recv(r.fault, buf, 8, 1510), FRAME_LEN); /* truncated */
	assert_int_equal(frame_id(buf), 3);
	assert_true(tapir_link_next_due(r.fault, 1510) == TAPIR_TIME_NEVER);

	/* The inner link's errors come straight through. */
	assert_int_equal(tapir_link_send(r.fault, big, sizeof(big), 0), -EMSGSIZE);
	for (int i = 0; i < TAPIR_SIM_QUEUE_MAX; i++)
		send_out(&r, 4, 2000);
	make_frame(buf, FRAME_LEN, 5);
	assert_int_equal(tapir_link_send(r.fault, buf, FRAME_LEN, 2000), -ENOBUFS);

	st = tapir_fault_stats(r.fault);
	assert_int_equal(st.frames, 3 + TAPIR_SIM_QUEUE_MAX); /* the frames that went through */
	assert_int_equal(
	    st.lost + st.duplicated + st.corrupted + st.reordered + st.delayed + st.overflow, 0);
	rig_close(&r);
}

static void test_stats_of_other_links_are_zero(void **state)
{
	struct tapir_link *a, *b;
	struct tapir_fault_stats st;

	(void)state;
	assert_int_equal(tapir_sim_pair(0, MTU, &a, &b), 0);
	st = tapir_fault_stats(a);
	assert_int_equal(st.frames + st.lost + st.overflow, 0);
	st = tapir_fault_stats(NULL);
	assert_int_equal(st.frames + st.lost + st.overflow, 0);
	tapir_link_close(a);
	tapir_link_close(b);
}

static void test_bad_faults_are_refused(void **state)
{
	struct tapir_link *a, *b, *out = NULL;
	struct tapir_faults f;

	(void)state;
	assert_int_equal(tapir_sim_pair(0, MTU, &a, &b), 0);
	memset(&f, 0, sizeof(f));
	f.loss_pct = 100.5;
	assert_int_equal(tapir_fault_open(a, &f, &out), -EINVAL);
	f.loss_pct = -1;
	assert_int_equal(tapir_fault_open(a, &f, &out), -EINVAL);
	f.loss_pct = NAN;
	assert_int_equal(tapir_fault_open(a, &f, &out), -EINVAL);
	f.loss_pct = 0;
	f.delay = -1;
	assert_int_equal(tapir_fault_open(a, &f, &out), -EINVAL);
	f.delay = 0;
	f.jitter = -5;
	assert_int_equal(tapir_fault_open(a, &f, &out), -EINVAL);
	f.jitter = 0;
	assert_int_equal(tapir_fault_open(NULL, &f, &out), -EINVAL);
	assert_int_equal(tapir_fault_open(a, NULL, &out), -EINVAL);
	assert_null(out);
	/* On failure the inner link is still the caller's. */
	tapir_link_close(a);
	tapir_link_close(b);
}

/* ---- determinism ------------------------------------------------------------ */

struct outcome {
	char side; /* 'o' read by the far end, 'i' received through the injector */
	uint32_t id;
	uint32_t hash;
	tapir_time at;
};

#define SCENARIO_FRAMES 500
#define SCENARIO_MAX    (SCENARIO_FRAMES * 4)

static uint32_t fnv1a(const uint8_t *data, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

static void record_all(struct tapir_link *link, char side, tapir_time now, struct outcome *log,
                       size_t *n)
{
	uint8_t buf[FRAME_MAX];
	int len;

	while ((len = tapir_link_recv(link, buf, sizeof(buf), now)) > 0) {
		assert_true(*n < SCENARIO_MAX);
		log[*n].side = side;
		log[*n].id = frame_id(buf);
		log[*n].hash = fnv1a(buf, (size_t)len);
		log[*n].at = now;
		(*n)++;
	}
	assert_int_equal(len, 0);
}

/* Traffic both ways under every fault at once; returns the outcomes in order. */
static size_t run_scenario(uint64_t seed, struct outcome *log, struct tapir_fault_stats *st)
{
	struct tapir_faults f = {.loss_pct = 20,
	                         .duplicate_pct = 10,
	                         .corrupt_pct = 10,
	                         .reorder_pct = 10,
	                         .delay = TAPIR_MS(1),
	                         .jitter = TAPIR_MS(2),
	                         .seed = seed};
	struct rig r;
	size_t n = 0;
	tapir_time now = 0;

	memset(log, 0, SCENARIO_MAX * sizeof(*log));
	rig_open(&r, &f, 100);
	for (uint32_t i = 0; i < SCENARIO_FRAMES; i++) {
		now = (tapir_time)i * 300;
		send_out(&r, i, now);
		send_in(&r, 100000 + i, now);
		record_all(r.fault, 'i', now, log, &n);
		record_all(r.far, 'o', now, log, &n);
	}
	/* Let everything still in flight arrive, visiting each due time. */
	for (;;) {
		tapir_time a = tapir_link_next_due(r.fault, now);
		tapir_time b = tapir_link_next_due(r.far, now);

		now = a < b ? a : b;
		if (now == TAPIR_TIME_NEVER)
			break;
		record_all(r.fault, 'i', now, log, &n);
		record_all(r.far, 'o', now, log, &n);
	}
	*st = tapir_fault_stats(r.fault);
	rig_close(&r);
	return n;
}

static void test_same_seed_same_outcomes(void **state)
{
	static struct outcome first[SCENARIO_MAX], second[SCENARIO_MAX], other[SCENARIO_MAX];
	struct tapir_fault_stats st1, st2, st3;
	size_t n1, n2, n3;

	(void)state;
	n1 = run_scenario(42, first, &st1);
	n2 = run_scenario(42, second, &st2);
	assert_int_equal(n1, n2);
	assert_memory_equal(first, second, n1 * sizeof(first[0]));
	assert_memory_equal(&st1, &st2, sizeof(st1));

	/* Every kind of fault happened, and the count adds up. */
	assert_int_equal(st1.frames, 2 * SCENARIO_FRAMES);
	assert_true(st1.lost > 0 && st1.duplicated > 0 && st1.corrupted > 0);
	assert_true(st1.reordered > 0 && st1.delayed > 0);
	assert_int_equal(st1.overflow, 0);
	assert_int_equal(n1, st1.frames - st1.lost + st1.duplicated);

	/* And another seed gives other faults. */
	n3 = run_scenario(43, other, &st3);
	assert_true(n3 != n1 || memcmp(first, other, n1 * sizeof(first[0])) != 0);
}

/* The receive direction's outcomes do not depend on traffic sent meanwhile. */
static void test_directions_have_own_streams(void **state)
{
	struct tapir_faults f = {.loss_pct = 50, .seed = 7};
	uint32_t alone[200], mixed[200];
	size_t n_alone = 0, n_mixed = 0;
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	for (uint32_t i = 0; i < 200; i++) {
		send_in(&r, i, i);
		n_alone += drain(r.fault, i, alone + n_alone, 200 - n_alone);
	}
	rig_close(&r);

	rig_open(&r, &f, 0);
	for (uint32_t i = 0; i < 200; i++) {
		send_out(&r, 1000 + i, i);
		send_out(&r, 2000 + i, i);
		drain(r.far, i, NULL, 0);
		send_in(&r, i, i);
		n_mixed += drain(r.fault, i, mixed + n_mixed, 200 - n_mixed);
	}
	rig_close(&r);

	assert_true(n_alone > 50 && n_alone < 150);
	assert_int_equal(n_alone, n_mixed);
	assert_memory_equal(alone, mixed, n_alone * sizeof(alone[0]));
}

/* The same traffic in both directions meets different faults. */
static void test_directions_differ(void **state)
{
	struct tapir_faults f = {.loss_pct = 50, .seed = 7};
	uint32_t out[200], in[200];
	size_t n_out = 0, n_in = 0;
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	for (uint32_t i = 0; i < 200; i++) {
		send_out(&r, i, i);
		n_out += drain(r.far, i, out + n_out, 200 - n_out);
		send_in(&r, i, i);
		n_in += drain(r.fault, i, in + n_in, 200 - n_in);
	}
	rig_close(&r);
	assert_true(n_out != n_in || memcmp(out, in, n_out * sizeof(out[0])) != 0);
}

/* ---- loss ------------------------------------------------------------------------ */

static void test_loss_100_drops_everything(void **state)
{
	struct tapir_faults f = {.loss_pct = 100, .seed = 1};
	struct tapir_fault_stats st;
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	for (uint32_t i = 0; i < 1000; i++) {
		send_out(&r, i, i);
		send_in(&r, i, i);
		assert_int_equal(drain(r.fault, i, NULL, 0), 0);
		assert_int_equal(drain(r.far, i, NULL, 0), 0);
	}
	assert_true(tapir_link_next_due(r.fault, 1000) == TAPIR_TIME_NEVER);
	st = tapir_fault_stats(r.fault);
	assert_int_equal(st.frames, 2000);
	assert_int_equal(st.lost, 2000);
	rig_close(&r);
}

static void test_loss_30_over_10000_frames(void **state)
{
	struct tapir_faults f = {.loss_pct = 30, .seed = 2024};
	struct tapir_fault_stats st;
	size_t out = 0, in = 0;
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	for (uint32_t i = 0; i < 10000; i++) {
		send_out(&r, i, i);
		out += drain(r.far, i, NULL, 0);
		send_in(&r, i, i);
		in += drain(r.fault, i, NULL, 0);
	}
	st = tapir_fault_stats(r.fault);
	assert_int_equal(st.frames, 20000);
	assert_int_equal(st.lost, 20000 - out - in);
	/* 3000 expected lost per direction; sigma is about 46, so +-200 is
	 * over 4 sigma: a fair coin passes, a broken one does not. */
	assert_in_range(10000 - out, 2800, 3200);
	assert_in_range(10000 - in, 2800, 3200);
	rig_close(&r);
}

/* ---- duplication and corruption -------------------------------------------------- */

static void test_duplication(void **state)
{
	struct tapir_faults f = {.duplicate_pct = 100, .seed = 3};
	uint32_t ids[200];
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	for (uint32_t i = 0; i < 50; i++)
		send_out(&r, i, 0);
	assert_int_equal(drain(r.far, 0, ids, 200), 100);
	for (uint32_t i = 0; i < 50; i++) {
		assert_int_equal(ids[2 * i], i);
		assert_int_equal(ids[2 * i + 1], i);
	}
	for (uint32_t i = 0; i < 50; i++)
		send_in(&r, i, 1);
	assert_int_equal(drain(r.fault, 1, ids, 200), 100);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 0);
	assert_int_equal(ids[99], 49);
	assert_int_equal(tapir_fault_stats(r.fault).duplicated, 100);
	rig_close(&r);
}

static void test_duplication_half(void **state)
{
	struct tapir_faults f = {.duplicate_pct = 50, .seed = 4};
	struct tapir_fault_stats st;
	size_t got = 0;
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	for (uint32_t i = 0; i < 1000; i++) {
		send_out(&r, i, i);
		got += drain(r.far, i, NULL, 0);
	}
	st = tapir_fault_stats(r.fault);
	assert_int_equal(got, 1000 + st.duplicated);
	assert_in_range(st.duplicated, 400, 600);
	rig_close(&r);
}

static unsigned bits_different(const uint8_t *a, const uint8_t *b, size_t len)
{
	unsigned bits = 0;

	for (size_t i = 0; i < len; i++)
		bits += (unsigned)__builtin_popcount((unsigned)(a[i] ^ b[i]));
	return bits;
}

static void check_corrupted(struct tapir_link *from, struct tapir_link *to, tapir_time now)
{
	uint8_t frame[FRAME_LEN], got[FRAME_MAX];
	unsigned flipped_at[FRAME_LEN] = {0};
	unsigned spread = 0;

	for (uint32_t i = 0; i < 300; i++) {
		make_frame(frame, sizeof(frame), i);
		assert_int_equal(tapir_link_send(from, frame, sizeof(frame), now), 0);
		assert_int_equal(tapir_link_recv(to, got, sizeof(got), now), FRAME_LEN);
		assert_int_equal(bits_different(frame, got, sizeof(frame)), 1);
		for (size_t b = 0; b < sizeof(frame); b++)
			if (frame[b] != got[b])
				flipped_at[b]++;
	}
	/* The flipped byte moves around the frame. */
	for (size_t b = 0; b < sizeof(frame); b++)
		spread += flipped_at[b] > 0;
	assert_true(spread > FRAME_LEN / 2);
}

static void test_corruption_flips_exactly_one_bit(void **state)
{
	struct tapir_faults f = {.corrupt_pct = 100, .seed = 5};
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	check_corrupted(r.fault, r.far, 0);  /* sent */
	check_corrupted(r.far, r.fault, 10); /* received */
	assert_int_equal(tapir_fault_stats(r.fault).corrupted, 600);
	rig_close(&r);
}

/* ---- delay and jitter --------------------------------------------------------------- */

static void test_delay_holds_until_due(void **state)
{
	struct tapir_faults f = {.delay = TAPIR_MS(5), .seed = 6};
	uint32_t ids[4];
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);

	/* Sent: the far end sees nothing until now + delay. */
	send_out(&r, 1, 1000);
	send_out(&r, 2, 1000);
	assert_int_equal(tapir_link_next_due(r.fault, 1000), 6000);
	poll_idle(&r, 5999);
	assert_int_equal(drain(r.far, 5999, ids, 4), 0);
	poll_idle(&r, 6000);
	assert_int_equal(drain(r.far, 6000, ids, 4), 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);

	/* Received: pulled from the inner link at once, returned when due. */
	send_in(&r, 3, 7000);
	assert_int_equal(tapir_link_next_due(r.fault, 7000), 7000); /* the inner has it */
	assert_int_equal(drain(r.fault, 7000, ids, 4), 0);
	assert_int_equal(tapir_link_next_due(r.fault, 7000), 12000);
	assert_int_equal(drain(r.fault, 11999, ids, 4), 0);
	assert_int_equal(drain(r.fault, 12000, ids, 4), 1);
	assert_int_equal(ids[0], 3);
	assert_true(tapir_link_next_due(r.fault, 12000) == TAPIR_TIME_NEVER);

	assert_int_equal(tapir_fault_stats(r.fault).delayed, 3);
	rig_close(&r);
}

static void test_delay_flushed_by_later_send(void **state)
{
	struct tapir_faults f = {.delay = 100, .seed = 6};
	uint32_t ids[4];
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	send_out(&r, 1, 0);
	send_out(&r, 2, 100); /* flushes frame 1 on the way in */
	assert_int_equal(drain(r.far, 100, ids, 4), 1);
	assert_int_equal(ids[0], 1);
	assert_int_equal(tapir_link_next_due(r.fault, 150), 200);
	assert_true(tapir_link_next_due(r.fault, 200) == TAPIR_TIME_NEVER); /* flushed by it */
	assert_int_equal(drain(r.far, 200, ids, 4), 1);
	assert_int_equal(ids[0], 2);
	rig_close(&r);
}

static void test_next_due_includes_inner(void **state)
{
	struct tapir_faults f = {.delay = TAPIR_MS(1), .seed = 6};
	uint32_t ids[2];
	struct rig r;

	(void)state;
	rig_open(&r, &f, TAPIR_MS(3));
	send_in(&r, 1, 0);
	assert_int_equal(tapir_link_next_due(r.fault, 0), TAPIR_MS(3));
	assert_int_equal(drain(r.fault, TAPIR_MS(3), ids, 2), 0);
	assert_int_equal(tapir_link_next_due(r.fault, TAPIR_MS(3)), TAPIR_MS(4));
	assert_int_equal(drain(r.fault, TAPIR_MS(4), ids, 2), 1);
	rig_close(&r);
}

static void test_jitter_stays_in_range(void **state)
{
	struct tapir_faults f = {.delay = 1000, .jitter = 500, .seed = 8};
	tapir_time lo = TAPIR_TIME_NEVER, hi = 0;
	uint8_t buf[FRAME_MAX];
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	for (uint32_t i = 0; i < 200; i++) {
		tapir_time sent = (tapir_time)i * 10000;
		tapir_time due;

		send_out(&r, i, sent);
		due = tapir_link_next_due(r.fault, sent);
		assert_in_range(due, sent + 1000, sent + 1500);
		poll_idle(&r, due - 1);
		assert_int_equal(tapir_link_recv(r.far, buf, sizeof(buf), due - 1), 0);
		poll_idle(&r, due);
		assert_int_equal(tapir_link_recv(r.far, buf, sizeof(buf), due), FRAME_LEN);
		assert_int_equal(frame_id(buf), i);
		lo = due - sent < lo ? due - sent : lo;
		hi = due - sent > hi ? due - sent : hi;
	}
	assert_true(hi - lo > 400); /* the jitter really varies */
	rig_close(&r);
}

/* ---- reordering ------------------------------------------------------------------------ */

static void test_reordering_swaps_neighbours(void **state)
{
	struct tapir_faults f = {.reorder_pct = 100, .seed = 9};
	uint32_t ids[8];
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	/* Every frame that is not overtaking a held one is held: pairs swap. */
	for (uint32_t i = 0; i < 6; i++) {
		send_out(&r, i, (tapir_time)i * 10);
		poll_idle(&r, (tapir_time)i * 10);
	}
	assert_int_equal(drain(r.far, 60, ids, 8), 6);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 0);
	assert_int_equal(ids[2], 3);
	assert_int_equal(ids[3], 2);
	assert_int_equal(ids[4], 5);
	assert_int_equal(ids[5], 4);

	/* The same when receiving, even with all four frames pulled at once. */
	for (uint32_t i = 10; i < 14; i++)
		send_in(&r, i, 100);
	assert_int_equal(drain(r.fault, 100, ids, 8), 4);
	assert_int_equal(ids[0], 11);
	assert_int_equal(ids[1], 10);
	assert_int_equal(ids[2], 13);
	assert_int_equal(ids[3], 12);
	assert_int_equal(tapir_fault_stats(r.fault).reordered, 5);
	rig_close(&r);
}

static void test_reordered_frame_released_after_hold(void **state)
{
	struct tapir_faults f = {.reorder_pct = 100, .seed = 9};
	uint32_t ids[2];
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	send_out(&r, 1, 0);
	assert_int_equal(tapir_link_next_due(r.fault, 0), REORDER_HOLD);
	poll_idle(&r, REORDER_HOLD - 1);
	assert_int_equal(drain(r.far, REORDER_HOLD - 1, ids, 2), 0);
	poll_idle(&r, REORDER_HOLD);
	assert_int_equal(drain(r.far, REORDER_HOLD, ids, 2), 1);
	assert_int_equal(ids[0], 1);
	assert_true(tapir_link_next_due(r.fault, REORDER_HOLD) == TAPIR_TIME_NEVER);
	/* Nothing overtook it: not counted as reordered. */
	assert_int_equal(tapir_fault_stats(r.fault).reordered, 0);

	/* A frame sent after the hold ran out does not overtake, even when
	 * nobody polled in between: frame 2 is released at its own timeout. */
	send_out(&r, 2, TAPIR_MS(100));
	send_out(&r, 3, TAPIR_MS(100) + REORDER_HOLD + 1);
	assert_int_equal(drain(r.far, TAPIR_MS(100) + REORDER_HOLD + 1, ids, 2), 1);
	assert_int_equal(ids[0], 2);

	/* The same when receiving. */
	send_in(&r, 4, TAPIR_MS(200));
	assert_int_equal(drain(r.fault, TAPIR_MS(200), ids, 2), 0);
	send_in(&r, 5, TAPIR_MS(200) + REORDER_HOLD + 1);
	assert_int_equal(drain(r.fault, TAPIR_MS(200) + REORDER_HOLD + 1, ids, 2), 1);
	assert_int_equal(ids[0], 4);
	assert_int_equal(tapir_fault_stats(r.fault).reordered, 0);
	rig_close(&r);
}

static void test_reorder_some_keeps_every_frame(void **state)
{
	struct tapir_faults f = {.reorder_pct = 25, .seed = 10};
	uint32_t ids[1000];
	bool seen[1000] = {false};
	size_t n = 0, out_of_order = 0;
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	for (uint32_t i = 0; i < 1000; i++) {
		send_out(&r, i, i);
		poll_idle(&r, i);
		n += drain(r.far, i, ids + n, 1000 - n);
	}
	poll_idle(&r, 1000 + REORDER_HOLD);
	n += drain(r.far, 1000 + REORDER_HOLD, ids + n, 1000 - n);
	assert_int_equal(n, 1000);
	for (size_t i = 0; i < n; i++) {
		assert_false(seen[ids[i]]);
		seen[ids[i]] = true;
		if (i > 0 && ids[i] < ids[i - 1])
			out_of_order++;
	}
	assert_int_equal(out_of_order, tapir_fault_stats(r.fault).reordered);
	assert_in_range(out_of_order, 120, 280); /* about 1000 * 0.25 / 1.25 */
	rig_close(&r);
}

/* ---- bounds -------------------------------------------------------------------------------- */

static void test_send_queue_overflow_counted(void **state)
{
	struct tapir_faults f = {.delay = TAPIR_SECONDS(1), .seed = 11};
	struct tapir_fault_stats st;
	size_t got = 0;
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	for (uint32_t i = 0; i < TAPIR_FAULT_QUEUE_MAX + 10; i++)
		send_out(&r, i, 0);
	st = tapir_fault_stats(r.fault);
	assert_int_equal(st.overflow, 10);
	assert_int_equal(st.delayed, TAPIR_FAULT_QUEUE_MAX + 10);

	/* When due, the queued frames go to the inner link; whatever it cannot
	 * take is an overflow too. */
	poll_idle(&r, TAPIR_SECONDS(1));
	got = drain(r.far, TAPIR_SECONDS(1), NULL, 0);
	st = tapir_fault_stats(r.fault);
	assert_int_equal(got + st.overflow, TAPIR_FAULT_QUEUE_MAX + 10);
	assert_true(got > 0);
	rig_close(&r);
}

/* A delayed frame the inner link refuses when it falls due is a counted drop. */
static void test_inner_refusal_counted(void **state)
{
	struct tapir_faults f = {.delay = 100, .seed = 11};
	uint8_t frame[FRAME_LEN];
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	make_frame(frame, sizeof(frame), 0);
	for (int i = 0; i < TAPIR_SIM_QUEUE_MAX; i++) /* fill the sim wire directly */
		assert_int_equal(tapir_link_send(r.fault->inner, frame, sizeof(frame), 0), 0);
	for (uint32_t i = 0; i < 5; i++)
		send_out(&r, i, 0);
	assert_int_equal(tapir_fault_stats(r.fault).overflow, 0);
	poll_idle(&r, 100);
	assert_int_equal(tapir_fault_stats(r.fault).overflow, 5);
	assert_int_equal(drain(r.far, 100, NULL, 0), TAPIR_SIM_QUEUE_MAX);
	rig_close(&r);
}

static void test_receive_queue_overflow_counted(void **state)
{
	struct tapir_faults f = {.delay = TAPIR_SECONDS(1), .seed = 12};
	size_t sent = 0;
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	while (sent < TAPIR_FAULT_QUEUE_MAX + 50) {
		for (int i = 0; i < 100; i++, sent++)
			send_in(&r, (uint32_t)sent, 0);
		assert_int_equal(drain(r.fault, 0, NULL, 0), 0);
	}
	assert_int_equal(tapir_fault_stats(r.fault).overflow, sent - TAPIR_FAULT_QUEUE_MAX);
	assert_int_equal(drain(r.fault, TAPIR_SECONDS(1), NULL, 0), TAPIR_FAULT_QUEUE_MAX);
	rig_close(&r);
}

static void test_close_with_frames_queued(void **state)
{
	struct tapir_faults f = {.delay = TAPIR_SECONDS(1), .reorder_pct = 50, .seed = 13};
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	for (uint32_t i = 0; i < 100; i++) {
		send_out(&r, i, 0);
		send_in(&r, i, 0);
	}
	drain(r.fault, 0, NULL, 0);
	rig_close(&r); /* leaks would show under ASan/valgrind */
}

static void test_oversize_refused_with_faults(void **state)
{
	struct tapir_faults f = {.delay = 10, .seed = 14};
	static uint8_t big[FRAME_MAX + 1];
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	assert_int_equal(tapir_link_send(r.fault, big, sizeof(big), 0), -EMSGSIZE);
	assert_int_equal(tapir_link_send(r.fault, big, FRAME_MAX, 0), 0);
	assert_string_equal(r.fault->name, "sim-a+fault");
	rig_close(&r);
}

static void test_truncated_receive_with_faults(void **state)
{
	struct tapir_faults f = {.delay = 10, .seed = 15};
	uint8_t buf[FRAME_LEN];
	struct rig r;

	(void)state;
	rig_open(&r, &f, 0);
	send_in(&r, 77, 0);
	assert_int_equal(tapir_link_recv(r.fault, buf, sizeof(buf), 0), 0);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(tapir_link_recv(r.fault, buf, 8, 10), FRAME_LEN);
	assert_int_equal(frame_id(buf), 77);
	assert_int_equal(buf[8], 0xee); /* not a byte past cap */
	rig_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_faults_any),
	    cmocka_unit_test(test_no_faults_is_pass_through),
	    cmocka_unit_test(test_stats_of_other_links_are_zero),
	    cmocka_unit_test(test_bad_faults_are_refused),
	    cmocka_unit_test(test_same_seed_same_outcomes),
	    cmocka_unit_test(test_directions_have_own_streams),
	    cmocka_unit_test(test_directions_differ),
	    cmocka_unit_test(test_loss_100_drops_everything),
	    cmocka_unit_test(test_loss_30_over_10000_frames),
	    cmocka_unit_test(test_duplication),
	    cmocka_unit_test(test_duplication_half),
	    cmocka_unit_test(test_corruption_flips_exactly_one_bit),
	    cmocka_unit_test(test_delay_holds_until_due),
	    cmocka_unit_test(test_delay_flushed_by_later_send),
	    cmocka_unit_test(test_next_due_includes_inner),
	    cmocka_unit_test(test_jitter_stays_in_range),
	    cmocka_unit_test(test_reordering_swaps_neighbours),
	    cmocka_unit_test(test_reordered_frame_released_after_hold),
	    cmocka_unit_test(test_reorder_some_keeps_every_frame),
	    cmocka_unit_test(test_send_queue_overflow_counted),
	    cmocka_unit_test(test_inner_refusal_counted),
	    cmocka_unit_test(test_receive_queue_overflow_counted),
	    cmocka_unit_test(test_close_with_frames_queued),
	    cmocka_unit_test(test_oversize_refused_with_faults),
	    cmocka_unit_test(test_truncated_receive_with_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

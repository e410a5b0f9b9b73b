/*
 * test_sim_ping.c — two tapir stacks back to back on the sim wire, one
 * pinging the other, first over a perfect wire and then through the fault
 * injector (loss, reordering, duplication), all on one virtual clock.
 *
 *   stack A 10.0.0.1 -- fault -- sim wire (1 ms) -- fault -- stack B 10.0.0.2
 *
 * Both start with empty ARP caches. A sends an echo request every 10 ms of
 * virtual time; the loop polls both stacks and jumps to the earliest of
 * their deadlines. Every reply must carry its request's data byte for byte,
 * every frame must be accounted for (sent = received + lost - duplicated),
 * the only drops allowed are the ones lost frames explain, and the same
 * seeds must give exactly the same run twice.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tapir/icmp.h"
#include "tapir/link.h"
#include "tapir/options.h"
#include "tapir/stack.h"
#include "tapir/trace.h"

#define A_IP      TAPIR_IP(10, 0, 0, 1)
#define B_IP      TAPIR_IP(10, 0, 0, 2)
#define PINGS     100
#define PING_ID   0x7a70
#define PING_LEN  56
#define INTERVAL  TAPIR_MS(10)
#define LATENCY   TAPIR_MS(1)
#define SETTLE    TAPIR_SECONDS(5) /* after the last ping, for ARP retries and stragglers */
#define MAX_STEPS 1000000

/* What one stack's trace showed, without keeping every line. */
struct side {
	struct tapir_link *wire; /* this stack's end of the sim pair */
	struct tapir_link *link; /* the fault injector around it (or the wire itself) */
	struct tapir_stack *stack;
	struct tapir_trace trace;
	uint64_t trace_hash; /* FNV-1a over every event's text */
	size_t events;
	bool resolved_other; /* "arp resolved <the other stack> is-at <its MAC>" */
	const char *resolved_needle;
};

struct ping_run {
	struct side a, b;
	unsigned replies[PINGS]; /* handler calls per sequence number */
	tapir_time sent_at[PINGS];
	tapir_time rtt[PINGS]; /* of the first reply */
	unsigned bad_replies;
	unsigned total_replies;
	int send_errors;
};

struct run_config {
	bool faults;
	uint64_t fault_seed;
};

static void record_event(void *user, const struct tapir_event *ev)
{
	struct side *side = user;
	char line[512];

	tapir_event_format_text(ev, line, sizeof(line));
	for (const char *p = line; *p; p++) {
		side->trace_hash ^= (uint8_t)*p;
		side->trace_hash *= 0x100000001b3ull;
	}
	side->trace_hash ^= '\n';
	side->trace_hash *= 0x100000001b3ull;
	side->events++;
	if (strstr(line, side->resolved_needle))
		side->resolved_other = true;
}

static void fill_data(uint8_t *data, uint16_t seq)
{
	for (int i = 0; i < PING_LEN; i++)
		data[i] = (uint8_t)(seq * 37 + i * 11 + 1);
}

static void on_reply(void *user, const struct tapir_echo_reply *reply)
{
	struct ping_run *run = user;
	uint8_t want[PING_LEN];

	run->total_replies++;
	if (reply->from != B_IP || reply->id != PING_ID || reply->seq >= PINGS ||
	    reply->len != PING_LEN) {
		run->bad_replies++;
		return;
	}
	fill_data(want, reply->seq);
	if (memcmp(reply->data, want, PING_LEN) != 0) {
		run->bad_replies++;
		return;
	}
	if (run->replies[reply->seq]++ == 0)
		run->rtt[reply->seq] = reply->time - run->sent_at[reply->seq];
}

static void side_start(struct side *side, struct tapir_link *wire, tapir_ip ip, uint64_t seed,
                       const struct run_config *rc, uint64_t fault_seed, const char *needle)
{
	struct tapir_stack_config cfg;

	side->wire = wire;
	side->link = wire;
	side->trace_hash = 0xcbf29ce484222325ull;
	side->resolved_needle = needle;
	if (rc->faults) {
		struct tapir_faults faults = {
		    .loss_pct = 10,
		    .reorder_pct = 10,
		    .duplicate_pct = 5,
		    .seed = fault_seed,
		};

		assert_int_equal(tapir_fault_open(wire, &faults, &side->link), 0);
	}
	tapir_trace_init(&side->trace);
	assert_int_equal(tapir_trace_attach(&side->trace, record_event, side), 0);
	tapir_stack_config_default(&cfg);
	cfg.ip = ip;
	cfg.gateway = 0;
	cfg.send_gratuitous_arp = false; /* start with empty caches on both sides */
	cfg.seed = seed;
	assert_int_equal(tapir_stack_new(&cfg, side->link, &side->trace, 0, &side->stack), 0);
}

static void side_stop(struct side *side)
{
	tapir_stack_free(side->stack);
	tapir_link_close(side->link); /* closes the wire end it wraps too */
}

static tapir_time earliest(tapir_time a, tapir_time b)
{
	return a < b ? a : b;
}

/* Run the whole scenario; the stacks are kept for the caller to inspect and
 * stopped with run_stop(). */
static void run_start(struct ping_run *run, const struct run_config *rc)
{
	struct tapir_link *wa, *wb;
	tapir_time now = 0, next_ping = INTERVAL, stop = TAPIR_TIME_NEVER;
	int sent = 0;
	long steps = 0;

	memset(run, 0, sizeof(*run));
	assert_int_equal(tapir_sim_pair(LATENCY, TAPIR_MTU_DEFAULT, &wa, &wb), 0);
	side_start(&run->a, wa, A_IP, 1, rc, rc->fault_seed,
	           "arp resolved 10.0.0.2 is-at 02:54:41:50:00:02");
	side_start(&run->b, wb, B_IP, 2, rc, rc->fault_seed * 7 + 3,
	           "arp resolved 10.0.0.1 is-at 02:54:41:50:00:01");
	tapir_icmp_set_echo_handler(run->a.stack, on_reply, run);

	for (;;) {
		tapir_time next;

		assert_true(++steps < MAX_STEPS);
		if (sent < PINGS && now >= next_ping) {
			uint8_t data[PING_LEN];
			int err;

			fill_data(data, (uint16_t)sent);
			run->sent_at[sent] = now;
			err = tapir_icmp_echo_send(run->a.stack, B_IP, PING_ID, (uint16_t)sent,
			                           data, PING_LEN, now);
			/* Only a full ARP queue may refuse (the first ARP exchange lost). */
			if (err == -ENOBUFS)
				run->send_errors++;
			else
				assert_int_equal(err, 0);
			sent++;
			next_ping += INTERVAL;
			if (sent == PINGS)
				stop = now + SETTLE;
		}
		next = earliest(tapir_stack_poll(run->a.stack, now),
		                tapir_stack_poll(run->b.stack, now));
		/* B may have sent to A after A was polled: ask the links too. */
		next = earliest(next, tapir_link_next_due(run->a.link, now));
		next = earliest(next, tapir_link_next_due(run->b.link, now));
		if (sent < PINGS)
			next = earliest(next, next_ping);
		if (now >= stop)
			break;
		next = earliest(next, stop);
		assert_true(next >= now);
		now = next;
	}
	/* Everything has landed: nothing in flight, nothing held back. */
	assert_true(tapir_link_next_due(run->a.link, now) > now);
	assert_true(tapir_link_next_due(run->b.link, now) > now);
}

static void run_stop(struct ping_run *run)
{
	side_stop(&run->a);
	side_stop(&run->b);
}

static unsigned answered(const struct ping_run *run)
{
	unsigned n = 0;

	for (int i = 0; i < PINGS; i++)
		n += run->replies[i] > 0;
	return n;
}

static const struct tapir_stats *stats_of(const struct side *side)
{
	return tapir_stack_stats(side->stack);
}

/* Pings that left A: not refused by a full ARP queue, not given up on. */
static unsigned eligible(const struct ping_run *run)
{
	return PINGS - (unsigned)run->send_errors -
	       (unsigned)stats_of(&run->a)->drops[TAPIR_DROP_ARP_UNRESOLVED];
}

/* ---- a perfect wire: everything is exact ------------------------------------------- */

static void test_ping_over_perfect_wire_is_exact(void **state)
{
	struct ping_run *run = calloc(1, sizeof(*run));
	struct run_config rc = {.faults = false};
	const struct tapir_stats *a, *b;

	(void)state;
	assert_non_null(run);
	run_start(run, &rc);
	a = stats_of(&run->a);
	b = stats_of(&run->b);

	assert_int_equal(answered(run), PINGS);
	assert_int_equal(run->total_replies, PINGS);
	assert_int_equal(run->bad_replies, 0);
	assert_int_equal(run->send_errors, 0);
	/* The first waits for ARP (request and reply, 1 ms each way) too. */
	assert_int_equal(run->rtt[0], 4 * LATENCY);
	for (int i = 1; i < PINGS; i++)
		assert_int_equal(run->rtt[i], 2 * LATENCY);

	/* A asks once; B learns A from that request and never needs to ask. */
	assert_true(run->a.resolved_other);
	assert_true(run->b.resolved_other);
	assert_int_equal(a->count[TAPIR_CNT_ARP_REQUESTS_SENT], 1);
	assert_int_equal(b->count[TAPIR_CNT_ARP_REQUESTS_SENT], 0);
	assert_int_equal(b->count[TAPIR_CNT_ARP_REPLIES_SENT], 1);
	assert_int_equal(b->count[TAPIR_CNT_ICMP_ECHO_REQUESTS_RX], PINGS);
	assert_int_equal(b->count[TAPIR_CNT_ICMP_ECHO_REPLIES_TX], PINGS);
	assert_int_equal(a->count[TAPIR_CNT_ICMP_ECHO_REPLIES_RX], PINGS);
	assert_int_equal(a->count[TAPIR_CNT_LINK_TX_FRAMES], PINGS + 1);
	assert_int_equal(b->count[TAPIR_CNT_LINK_RX_FRAMES], PINGS + 1);
	for (int r = 1; r < TAPIR_DROP__COUNT; r++) {
		assert_int_equal(a->drops[r], 0);
		assert_int_equal(b->drops[r], 0);
	}
	run_stop(run);
	free(run);
}

/* ---- through the fault injector --------------------------------------------------- */

static bool drop_explained_by_loss(enum tapir_drop reason)
{
	/* A lost ARP request or reply leaves packets waiting: they may fill the
	 * queue or, after every retry is lost too, be given up. */
	return reason == TAPIR_DROP_ARP_QUEUE_FULL || reason == TAPIR_DROP_ARP_UNRESOLVED;
}

static void check_faulty_run(const struct ping_run *run)
{
	const struct tapir_stats *a = stats_of(&run->a), *b = stats_of(&run->b);
	struct tapir_fault_stats fa = tapir_fault_stats(run->a.link);
	struct tapir_fault_stats fb = tapir_fault_stats(run->b.link);
	uint64_t sent_frames =
	    a->count[TAPIR_CNT_LINK_TX_FRAMES] + b->count[TAPIR_CNT_LINK_TX_FRAMES];
	uint64_t recv_frames =
	    a->count[TAPIR_CNT_LINK_RX_FRAMES] + b->count[TAPIR_CNT_LINK_RX_FRAMES];
	uint64_t explained = 0;

	print_message("answered %u of %d (%u replies), lost %llu+%llu, duplicated %llu+%llu, "
	              "reordered %llu+%llu\n",
	              answered(run), PINGS, run->total_replies, (unsigned long long)fa.lost,
	              (unsigned long long)fb.lost, (unsigned long long)fa.duplicated,
	              (unsigned long long)fb.duplicated, (unsigned long long)fa.reordered,
	              (unsigned long long)fb.reordered);

	assert_true(fa.lost + fb.lost > 0);
	assert_int_equal(fa.overflow + fb.overflow, 0);
	assert_int_equal(fa.corrupted + fb.corrupted, 0);

	/* Every frame is accounted for: what the stacks sent, less what the
	 * injectors lost, plus the copies they made, is what the stacks read. */
	assert_int_equal(recv_frames,
	                 sent_frames - fa.lost - fb.lost + fa.duplicated + fb.duplicated);
	assert_int_equal(a->count[TAPIR_CNT_LINK_TX_ERRORS] + b->count[TAPIR_CNT_LINK_TX_ERRORS],
	                 0);

	/* ARP got through both ways, unless every request A sent (or every
	 * reply) was lost, and then every ping is accounted for as dropped. */
	if (a->drops[TAPIR_DROP_ARP_UNRESOLVED] == 0) {
		assert_true(run->a.resolved_other);
		assert_true(run->b.resolved_other);
	} else {
		assert_true(a->count[TAPIR_CNT_ARP_REQUESTS_SENT] >= TAPIR_ARP_REQUEST_TRIES);
	}

	/* Each reply is the reply to its request, byte for byte. */
	assert_int_equal(run->bad_replies, 0);
	assert_int_equal(a->count[TAPIR_CNT_ICMP_ECHO_REPLIES_RX], run->total_replies);
	/* B answered every request that reached it, duplicates included. */
	assert_int_equal(b->count[TAPIR_CNT_ICMP_ECHO_REPLIES_TX],
	                 b->count[TAPIR_CNT_ICMP_ECHO_REQUESTS_RX]);
	assert_true(b->count[TAPIR_CNT_ICMP_ECHO_REQUESTS_RX] >= answered(run));

	/* No drops but those lost frames explain. */
	for (int r = 1; r < TAPIR_DROP__COUNT; r++) {
		if (drop_explained_by_loss((enum tapir_drop)r)) {
			explained += a->drops[r] + b->drops[r];
			continue;
		}
		if (a->drops[r] || b->drops[r])
			fail_msg("unexpected drop %s: A %llu, B %llu",
			         tapir_drop_name((enum tapir_drop)r),
			         (unsigned long long)a->drops[r], (unsigned long long)b->drops[r]);
	}
	if (explained > 0)
		assert_true(a->count[TAPIR_CNT_ARP_REQUESTS_SENT] > 1); /* a request was lost */
	assert_int_equal((uint64_t)run->send_errors, a->drops[TAPIR_DROP_ARP_QUEUE_FULL]);
	assert_int_equal(b->drops[TAPIR_DROP_ARP_QUEUE_FULL] + b->drops[TAPIR_DROP_ARP_UNRESOLVED],
	                 0); /* B learnt A from A's request */

	/* Every ping A accepted left A, and B sent nothing but ARP and replies. */
	assert_int_equal(a->count[TAPIR_CNT_LINK_TX_FRAMES],
	                 a->count[TAPIR_CNT_ARP_REQUESTS_SENT] +
	                     a->count[TAPIR_CNT_ARP_REPLIES_SENT] + eligible(run));
	assert_int_equal(b->count[TAPIR_CNT_LINK_TX_FRAMES],
	                 b->count[TAPIR_CNT_ARP_REQUESTS_SENT] +
	                     b->count[TAPIR_CNT_ARP_REPLIES_SENT] +
	                     b->count[TAPIR_CNT_ICMP_ECHO_REPLIES_TX]);

	/* About two thirds of what is sent survive four 10 % losses; much
	 * fewer would mean the stacks lose what the wire delivers. */
	assert_true(answered(run) <= eligible(run));
	assert_true(answered(run) * 10 >= eligible(run) * 4);
}

/* The fault seeds below were picked for the scenario each test is about;
 * the comment says what the seed does, and the test checks that it still
 * does (a change in the injector's random stream would show here first). */

static void test_ping_through_loss_reordering_and_duplication(void **state)
{
	struct ping_run *run = calloc(1, sizeof(*run));
	/* Seed 1: the first ARP exchange gets through. */
	struct run_config rc = {.faults = true, .fault_seed = 1};

	(void)state;
	assert_non_null(run);
	run_start(run, &rc);
	check_faulty_run(run);
	assert_int_equal(stats_of(&run->a)->count[TAPIR_CNT_ARP_REQUESTS_SENT], 1);
	assert_int_equal(eligible(run), PINGS);
	/* Every kind of fault happened, on both sides. */
	assert_true(tapir_fault_stats(run->a.link).lost > 0);
	assert_true(tapir_fault_stats(run->b.link).lost > 0);
	assert_true(tapir_fault_stats(run->a.link).duplicated > 0);
	assert_true(tapir_fault_stats(run->b.link).duplicated > 0);
	assert_true(tapir_fault_stats(run->a.link).reordered > 0);
	assert_true(tapir_fault_stats(run->b.link).reordered > 0);
	assert_true(run->total_replies > answered(run)); /* duplicates came back twice */
	/* About two thirds of 100 survive four 10 % losses. */
	assert_true(answered(run) > 60);
	run_stop(run);
	free(run);
}

static void test_lost_first_arp_exchange_queues_what_fits(void **state)
{
	struct ping_run *run = calloc(1, sizeof(*run));
	/* Seed 42: the first ARP request or its reply is lost. */
	struct run_config rc = {.faults = true, .fault_seed = 42};
	const struct tapir_stats *a;

	(void)state;
	assert_non_null(run);
	run_start(run, &rc);
	check_faulty_run(run);
	a = stats_of(&run->a);
	/* All 100 pings are sent within the 1 s before the retry: the first
	 * TAPIR_ARP_PENDING_MAX wait, the rest are refused. */
	assert_int_equal(a->count[TAPIR_CNT_ARP_REQUESTS_SENT], 2);
	assert_int_equal(run->send_errors, PINGS - TAPIR_ARP_PENDING_MAX);
	assert_int_equal(eligible(run), TAPIR_ARP_PENDING_MAX);
	assert_true(run->a.resolved_other);
	assert_true(answered(run) > 0);
	run_stop(run);
	free(run);
}

static void test_arp_never_answered_drops_every_ping(void **state)
{
	struct ping_run *run = calloc(1, sizeof(*run));
	/* Seed 40: all TAPIR_ARP_REQUEST_TRIES exchanges are lost. */
	struct run_config rc = {.faults = true, .fault_seed = 40};
	const struct tapir_stats *a;

	(void)state;
	assert_non_null(run);
	run_start(run, &rc);
	check_faulty_run(run);
	a = stats_of(&run->a);
	assert_int_equal(a->count[TAPIR_CNT_ARP_REQUESTS_SENT], TAPIR_ARP_REQUEST_TRIES);
	assert_int_equal(a->drops[TAPIR_DROP_ARP_UNRESOLVED], TAPIR_ARP_PENDING_MAX);
	assert_int_equal(a->drops[TAPIR_DROP_ARP_QUEUE_FULL], PINGS - TAPIR_ARP_PENDING_MAX);
	assert_int_equal(answered(run), 0);
	assert_false(run->a.resolved_other);
	run_stop(run);
	free(run);
}

static void test_ping_through_faults_with_many_seeds(void **state)
{
	(void)state;
	for (uint64_t seed = 100; seed < 140; seed++) {
		struct ping_run *run = calloc(1, sizeof(*run));
		struct run_config rc = {.faults = true, .fault_seed = seed};

		assert_non_null(run);
		print_message("fault seed %llu\n", (unsigned long long)seed);
		run_start(run, &rc);
		check_faulty_run(run);
		run_stop(run);
		free(run);
	}
}

static void test_same_seed_gives_the_same_run(void **state)
{
	struct ping_run *one = calloc(1, sizeof(*one)), *two = calloc(1, sizeof(*two));
	struct run_config rc = {.faults = true, .fault_seed = 1};

	(void)state;
	assert_non_null(one);
	assert_non_null(two);
	run_start(one, &rc);
	run_start(two, &rc);

	assert_int_equal(answered(one), answered(two));
	assert_int_equal(one->total_replies, two->total_replies);
	assert_memory_equal(one->replies, two->replies, sizeof(one->replies));
	assert_memory_equal(one->rtt, two->rtt, sizeof(one->rtt));
	assert_int_equal(one->a.events, two->a.events);
	assert_int_equal(one->b.events, two->b.events);
	assert_int_equal(one->a.trace_hash, two->a.trace_hash);
	assert_int_equal(one->b.trace_hash, two->b.trace_hash);
	assert_memory_equal(stats_of(&one->a), stats_of(&two->a), sizeof(struct tapir_stats));
	assert_memory_equal(stats_of(&one->b), stats_of(&two->b), sizeof(struct tapir_stats));

	run_stop(one);
	run_stop(two);
	free(one);
	free(two);
}

static void test_another_seed_gives_another_run(void **state)
{
	struct ping_run *one = calloc(1, sizeof(*one)), *two = calloc(1, sizeof(*two));
	struct run_config rc1 = {.faults = true, .fault_seed = 1};
	struct run_config rc2 = {.faults = true, .fault_seed = 2};

	(void)state;
	assert_non_null(one);
	assert_non_null(two);
	run_start(one, &rc1);
	run_start(two, &rc2);
	/* The seed is really used: the traces differ. */
	assert_true(one->a.trace_hash != two->a.trace_hash ||
	            one->b.trace_hash != two->b.trace_hash);
	run_stop(one);
	run_stop(two);
	free(one);
	free(two);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ping_over_perfect_wire_is_exact),
	    cmocka_unit_test(test_ping_through_loss_reordering_and_duplication),
	    cmocka_unit_test(test_lost_first_arp_exchange_queues_what_fits),
	    cmocka_unit_test(test_arp_never_answered_drops_every_ping),
	    cmocka_unit_test(test_ping_through_faults_with_many_seeds),
	    cmocka_unit_test(test_same_seed_gives_the_same_run),
	    cmocka_unit_test(test_another_seed_gives_another_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

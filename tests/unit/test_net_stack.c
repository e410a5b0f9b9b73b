/*
 * test_net_stack.c — the stack's life and its poll() contract: creation
 * checks, the derived MAC address, application pollers and the deadline
 * poll() returns, the per-poll frame budget.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/harness.h"
#include "tapir/icmp.h"
#include "wire/eth.h"

static int setup(void **state)
{
	static struct harness h;

	if (harness_setup(&h) != 0)
		return -1;
	*state = &h;
	return 0;
}

static int teardown(void **state)
{
	harness_teardown(*state);
	return 0;
}

static void test_bad_configs_are_refused(void **state)
{
	struct tapir_stack_config cfg;
	struct tapir_link *a, *b;
	struct tapir_stack *s = NULL;

	(void)state;
	assert_int_equal(tapir_sim_pair(0, 1500, &a, &b), 0);
	tapir_stack_config_default(&cfg);
	cfg.prefix_len = 33;
	assert_int_equal(tapir_stack_new(&cfg, a, NULL, 0, &s), -EINVAL);
	tapir_stack_config_default(&cfg);
	cfg.ip = 0;
	assert_int_equal(tapir_stack_new(&cfg, a, NULL, 0, &s), -EINVAL);
	tapir_stack_config_default(&cfg);
	cfg.mac.b[0] = 0x01; /* multicast */
	assert_int_equal(tapir_stack_new(&cfg, a, NULL, 0, &s), -EINVAL);
	assert_null(s);
	tapir_link_close(a);
	tapir_link_close(b);
}

static void test_mac_is_derived_from_the_ip(void **state)
{
	struct tapir_stack_config cfg;
	struct tapir_link *a, *b;
	struct tapir_stack *s;
	const struct tapir_mac want = {{0x02, 0x54, 0x41, 0x50, 0x01, 0x07}};

	(void)state;
	assert_int_equal(tapir_sim_pair(0, 1500, &a, &b), 0);
	tapir_stack_config_default(&cfg);
	cfg.ip = TAPIR_IP(10, 0, 1, 7);
	assert_int_equal(tapir_stack_new(&cfg, a, NULL, 0, &s), 0);
	assert_memory_equal(tapir_stack_mac(s).b, want.b, 6);
	assert_int_equal(tapir_stack_ip(s), TAPIR_IP(10, 0, 1, 7));
	tapir_stack_free(s);
	tapir_link_close(a);
	tapir_link_close(b);
}

struct poller_log {
	int calls;
	tapir_time last_now;
	tapir_time want; /* what the poller answers */
};

static tapir_time record_poller(void *user, tapir_time now)
{
	struct poller_log *log = user;

	log->calls++;
	log->last_now = now;
	return log->want;
}

static void test_pollers_run_in_poll_and_set_its_deadline(void **state)
{
	struct harness *h = *state;
	struct poller_log log = {.want = TAPIR_TIME_NEVER};
	tapir_time next;

	assert_int_equal(tapir_stack_add_poller(h->stack, record_poller, &log), 0);
	next = tapir_stack_poll(h->stack, h->now);
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.last_now, h->now);
	log.want = h->now + TAPIR_MS(250);
	next = tapir_stack_poll(h->stack, h->now);
	assert_int_equal(next, h->now + TAPIR_MS(250));
	/* A deadline in the past is reported as "now", never earlier. */
	log.want = h->now - TAPIR_MS(5);
	assert_int_equal(tapir_stack_poll(h->stack, h->now), h->now);
	tapir_stack_remove_poller(h->stack, record_poller, &log);
	log.calls = 0;
	tapir_stack_poll(h->stack, h->now);
	assert_int_equal(log.calls, 0);
}

static void test_poller_table_is_bounded(void **state)
{
	struct harness *h = *state;
	struct poller_log logs[TAPIR_STACK_POLLERS + 1];

	memset(logs, 0, sizeof(logs));
	for (int i = 0; i < TAPIR_STACK_POLLERS; i++)
		assert_int_equal(tapir_stack_add_poller(h->stack, record_poller, &logs[i]), 0);
	assert_int_equal(
	    tapir_stack_add_poller(h->stack, record_poller, &logs[TAPIR_STACK_POLLERS]), -ENOSPC);
	tapir_stack_remove_poller(h->stack, record_poller, &logs[3]);
	assert_int_equal(
	    tapir_stack_add_poller(h->stack, record_poller, &logs[TAPIR_STACK_POLLERS]), 0);
	for (int i = 0; i <= TAPIR_STACK_POLLERS; i++)
		tapir_stack_remove_poller(h->stack, record_poller, &logs[i]);
}

/* An idle stack with a resolved ARP entry has exactly one timer: the entry's expiry. */
static void test_idle_stack_deadline_is_the_arp_expiry(void **state)
{
	struct harness *h = *state;
	tapir_time learned = h->now;

	assert_int_equal(tapir_stack_poll(h->stack, h->now),
	                 learned + TAPIR_SECONDS(TAPIR_ARP_ENTRY_TTL_S));
}

/* More frames than TAPIR_POLL_BUDGET: poll() handles a budget's worth and
 * asks to be called again at once; the rest are handled by the next poll. */
static void test_poll_budget_leaves_the_rest_for_the_next_poll(void **state)
{
	struct harness *h = *state;
	uint8_t frame[ETH_HEADER_LEN + 2] = {0};
	struct eth_header eth = {.dst = HARNESS_STACK_MAC, .src = HARNESS_PEER_MAC, .type = 0x86dd};

	eth_emit(&eth, frame, sizeof(frame));
	for (int i = 0; i < TAPIR_POLL_BUDGET + 10; i++)
		tapir_link_send(h->peer, frame, sizeof(frame), h->now);
	tapir_stack_poll(h->stack, h->now);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ETH_UNKNOWN_TYPE), TAPIR_POLL_BUDGET);
	tapir_stack_poll(h->stack, h->now);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ETH_UNKNOWN_TYPE), TAPIR_POLL_BUDGET + 10);
}

static void test_log_messages_reach_the_trace(void **state)
{
	struct harness *h = *state;

	tapir_stack_log(h->stack, TAPIR_LOG_INFO, "app", "hello \"students\"");
	assert_true(harness_find_event(h, 0, "app: hello \"students\"") >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_configs_are_refused),
	    cmocka_unit_test(test_mac_is_derived_from_the_ip),
	    cmocka_unit_test_setup_teardown(test_pollers_run_in_poll_and_set_its_deadline, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_poller_table_is_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_idle_stack_deadline_is_the_arp_expiry, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_poll_budget_leaves_the_rest_for_the_next_poll,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_log_messages_reach_the_trace, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_tcp_transfer.c — two tapir stacks back to back on the sim link, the
 * link wrapped in the fault injector (5% loss, 5% duplication, 5%
 * reordering, seeded), exchanging 10 MB in each direction at the same time
 * on the virtual clock. Every byte must arrive exactly once and in order
 * (RFC 9293 3.8: retransmission, reordering, duplicate removal), and both
 * connections must close cleanly and leave TIME-WAIT.
 *
 * The same runs once more with TCP segmentation offload on the server's
 * end of the wire (the sim link cuts super-segments in software, as the
 * kernel does behind a TAP device): the client must see only wire-size
 * segments with good checksums, and get every byte.
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

#include "tapir/link.h"
#include "tapir/stack.h"
#include "tapir/tcp.h"
#include "tapir/trace.h"

#define TOTAL (10u * 1024 * 1024)
#define PORT  5001
#define CHUNK 65536

struct side {
	const char *name;
	struct tapir_stack *stack;
	struct tapir_trace trace;
	struct tapir_tcp *sock;
	uint8_t out_seed, in_seed;
	uint64_t to_send; /* TOTAL, or 0 for a side that only receives */
	uint64_t sent, received;
	bool shut, eof, closed;
	int error;
	unsigned transitions;
	char last_state[32];
	unsigned time_wait_closed;
	uint64_t retransmissions;
	uint32_t longest_in; /* the most payload in one segment received */
};

static uint8_t pattern(uint64_t i, uint8_t seed)
{
	return (uint8_t)(i ^ (i >> 8) ^ (i >> 16) ^ (i >> 24) ^ seed);
}

static FILE *debug_trace; /* TCP_TRACE=file writes every event there */

static void on_event(void *user, const struct tapir_event *ev)
{
	struct side *s = user;

	if (debug_trace) {
		char line[512];
		tapir_event_format_text(ev, line, sizeof(line));
		fprintf(debug_trace, "%.6f %s %s\n", (double)ev->time / 1e6, s->name, line);
	}

	if (ev->kind == TAPIR_EV_TCP_STATE && ev->u.tcp_state.conn.local_port != PORT - 1000) {
		s->transitions++;
		snprintf(s->last_state, sizeof(s->last_state), "%s", ev->u.tcp_state.to);
		if (strcmp(ev->u.tcp_state.from, "TIME-WAIT") == 0)
			s->time_wait_closed++;
	}
	if (ev->kind == TAPIR_EV_TCP_SEGMENT && ev->u.tcp_segment.retransmission)
		s->retransmissions++;
	if (ev->kind == TAPIR_EV_TCP_SEGMENT && ev->u.tcp_segment.dir == TAPIR_DIR_IN &&
	    ev->u.tcp_segment.len > s->longest_in)
		s->longest_in = ev->u.tcp_segment.len;
}

static void pump(struct side *s)
{
	static uint8_t buf[CHUNK];

	if (!s->sock || s->closed)
		return;
	while (s->sent < s->to_send) {
		size_t n = s->to_send - s->sent < CHUNK ? (size_t)(s->to_send - s->sent) : CHUNK;
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(s->sent + i, s->out_seed);
		long r = tapir_tcp_send(s->sock, buf, n);
		if (r == -EAGAIN || r == 0)
			break;
		assert_true(r > 0);
		s->sent += (uint64_t)r;
	}
	if (s->sent == s->to_send && !s->shut) {
		assert_int_equal(tapir_tcp_shutdown(s->sock), 0);
		s->shut = true;
	}
	for (;;) {
		long r = tapir_tcp_recv(s->sock, buf, sizeof(buf));
		if (r == -EAGAIN)
			break;
		if (r == 0) {
			s->eof = true;
			break;
		}
		if (r < 0) {
			s->error = (int)r;
			break;
		}
		for (long i = 0; i < r; i++)
			if (buf[i] != pattern(s->received + (uint64_t)i, s->in_seed))
				fail_msg("%s: byte %llu differs", s->name,
				         (unsigned long long)(s->received + (uint64_t)i));
		s->received += (uint64_t)r;
	}
	if (s->eof && s->shut && !s->closed) {
		tapir_tcp_close(s->sock);
		s->closed = true;
	}
}

static void on_sock(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	struct side *s = user;

	(void)sock;
	(void)events;
	if (error)
		s->error = error;
	pump(s);
}

static void on_listen(struct tapir_tcp *l, unsigned events, int error, void *user)
{
	struct side *s = user;

	(void)events;
	(void)error;
	if (!s->sock && tapir_tcp_accept(l, on_sock, s, &s->sock) == 0) {
		tapir_tcp_close(l); /* one connection is all we want */
		pump(s);
	}
}

static int make_stack(struct side *s, struct tapir_link *link, tapir_ip ip, uint64_t seed)
{
	struct tapir_stack_config cfg;

	tapir_trace_init(&s->trace);
	tapir_trace_attach(&s->trace, on_event, s);
	tapir_stack_config_default(&cfg);
	cfg.ip = ip;
	cfg.prefix_len = 24;
	cfg.gateway = 0;
	cfg.send_gratuitous_arp = false;
	cfg.seed = seed;
	return tapir_stack_new(&cfg, link, &s->trace, TAPIR_SECONDS(1), &s->stack);
}

/* tso_max > 0 lets the server's end of the wire take super-segments. */
static void run_transfer_tso(double loss, double dup, double reorder, uint64_t seed, bool both_ways,
                             unsigned tso_max)
{
	struct tapir_link *a, *b, *fa;
	struct side client = {
	    .name = "client", .out_seed = 0x11, .in_seed = 0x77, .to_send = TOTAL};
	struct side server = {
	    .name = "server", .out_seed = 0x77, .in_seed = 0x11, .to_send = both_ways ? TOTAL : 0};
	struct tapir_faults faults = {
	    .loss_pct = loss, .duplicate_pct = dup, .reorder_pct = reorder, .seed = seed};

	assert_int_equal(tapir_sim_pair(TAPIR_MS(1), 1500, &a, &b), 0);
	assert_int_equal(tapir_fault_open(a, &faults, &fa), 0);
	if (tso_max > 0) {
		assert_int_equal(tapir_sim_set_tso(b, tso_max), 0);
		/* The fault injector never offers TSO, whatever it wraps. */
		assert_int_equal(tapir_sim_set_tso(a, tso_max), 0);
		assert_int_equal(fa->tso_max, 0);
	}
	assert_int_equal(make_stack(&client, fa, TAPIR_IP(10, 0, 0, 1), seed * 2 + 1), 0);
	assert_int_equal(make_stack(&server, b, TAPIR_IP(10, 0, 0, 2), seed * 2 + 2), 0);
	tapir_tcp_set_msl(client.stack, TAPIR_SECONDS(1));
	tapir_tcp_set_msl(server.stack, TAPIR_SECONDS(1));

	struct tapir_tcp *listener;
	assert_int_equal(tapir_tcp_listen(server.stack, PORT, 4, on_listen, &server, &listener), 0);
	assert_int_equal(tapir_tcp_connect(client.stack, TAPIR_IP(10, 0, 0, 2), PORT, on_sock,
	                                   &client, &client.sock),
	                 0);

	tapir_time now = TAPIR_SECONDS(1);
	tapir_time give_up = TAPIR_SECONDS(3600);
	unsigned long iterations = 0;
	while (now < give_up && iterations < 50000000ul) {
		iterations++;
		tapir_stack_poll(client.stack, now);
		tapir_stack_poll(server.stack, now);
		pump(&client);
		pump(&server);
		/* Poll again: what one stack just sent is now due on the other's
		 * link, which the first poll could not know yet. */
		tapir_time na = tapir_stack_poll(client.stack, now);
		tapir_time nb = tapir_stack_poll(server.stack, now);
		tapir_time nl = tapir_link_next_due(fa, now);
		tapir_time nl2 = tapir_link_next_due(b, now);
		if (nl < na)
			na = nl;
		if (nl2 < nb)
			nb = nl2;
		if (client.closed && server.closed &&
		    client.time_wait_closed + server.time_wait_closed > 0 &&
		    strcmp(client.last_state, "CLOSED") == 0 &&
		    strcmp(server.last_state, "CLOSED") == 0)
			break;
		tapir_time next = na < nb ? na : nb;
		if (next == TAPIR_TIME_NEVER)
			break;
		now = next > now ? next : now;
	}
	fprintf(stderr,
	        "  loss %.0f%% dup %.0f%% reorder %.0f%%: %.1f s virtual, %lu polls, "
	        "retransmissions %llu/%llu\n",
	        loss, dup, reorder, (double)(now - TAPIR_SECONDS(1)) / 1e6, iterations,
	        (unsigned long long)client.retransmissions,
	        (unsigned long long)server.retransmissions);
	assert_int_equal(client.error, 0);
	assert_int_equal(server.error, 0);
	assert_int_equal(client.sent, TOTAL);
	assert_int_equal(server.sent, server.to_send);
	assert_int_equal(client.received, server.to_send);
	assert_int_equal(server.received, TOTAL);
	assert_true(client.eof && server.eof);
	/* Both ends closed, and exactly one of them (or both, when the FINs
	 * crossed) waited in TIME-WAIT. */
	assert_string_equal(client.last_state, "CLOSED");
	assert_string_equal(server.last_state, "CLOSED");
	assert_true(client.time_wait_closed + server.time_wait_closed >= 1);
	/* Whatever the server's link did, the client got wire-size segments
	 * (1448 bytes with timestamps) with good checksums; only the server
	 * sent super-segments. */
	assert_true(client.longest_in <= 1448);
	assert_true(server.longest_in <= 1448);
	assert_int_equal(tapir_stack_stats(client.stack)->drops[TAPIR_DROP_TCP_BAD_CHECKSUM], 0);
	assert_int_equal(tapir_stack_stats(client.stack)->count[TAPIR_CNT_LINK_TX_TSO], 0);
	if (tso_max > 0)
		assert_true(tapir_stack_stats(server.stack)->count[TAPIR_CNT_LINK_TX_TSO] > 100);
	else
		assert_int_equal(tapir_stack_stats(server.stack)->count[TAPIR_CNT_LINK_TX_TSO], 0);
	if (loss > 0) {
		struct tapir_fault_stats fs = tapir_fault_stats(fa);
		assert_true(fs.lost > 0 && fs.duplicated > 0 && fs.reordered > 0);
		assert_true(client.retransmissions + server.retransmissions > 0);
	}
	tapir_stack_free(client.stack);
	tapir_stack_free(server.stack);
	tapir_link_close(fa);
	tapir_link_close(b);
}

static void run_transfer(double loss, double dup, double reorder, uint64_t seed, bool both_ways)
{
	run_transfer_tso(loss, dup, reorder, seed, both_ways, 0);
}

static void test_transfer_clean_link(void **state)
{
	(void)state;
	run_transfer(0, 0, 0, 1, true);
}

static void test_transfer_lossy_link(void **state)
{
	(void)state;
	run_transfer(5, 5, 5, 42, true);
}

static void test_transfer_lossy_link_other_seed(void **state)
{
	(void)state;
	run_transfer(5, 5, 5, 7, true);
}

/* One way only: the receiver's pure ACKs drive fast retransmit. */
static void test_transfer_lossy_link_one_way(void **state)
{
	(void)state;
	/* TCP_BENCH_SEEDS=n runs n seeds (for comparing algorithms by hand). */
	unsigned n = getenv("TCP_BENCH_SEEDS") ? (unsigned)atoi(getenv("TCP_BENCH_SEEDS")) : 0;
	for (unsigned i = 0; i < n; i++)
		run_transfer(5, 5, 5, 1000 + i, getenv("TCP_BENCH_BOTH") != NULL);
	run_transfer(5, 5, 5, 99, false);
}

/* The server sends through a link with TSO (64 KiB super-segments), the
 * client through the fault injector, which takes none. */
static void test_transfer_with_tso(void **state)
{
	(void)state;
	run_transfer_tso(0, 0, 0, 3, true, 65535);
}

/* TSO on a link that loses, duplicates and reorders (at the client's end):
 * the server's retransmissions, and its segments while SACK blocks ride
 * along, go out wire-size; its new data in super-segments. */
static void test_transfer_with_tso_lossy(void **state)
{
	(void)state;
	run_transfer_tso(5, 5, 5, 11, true, 65535);
}

int main(void)
{
	if (getenv("TCP_TRACE"))
		debug_trace = fopen(getenv("TCP_TRACE"), "w");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transfer_clean_link),
	    cmocka_unit_test(test_transfer_lossy_link),
	    cmocka_unit_test(test_transfer_lossy_link_other_seed),
	    cmocka_unit_test(test_transfer_lossy_link_one_way),
	    cmocka_unit_test(test_transfer_with_tso),
	    cmocka_unit_test(test_transfer_with_tso_lossy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

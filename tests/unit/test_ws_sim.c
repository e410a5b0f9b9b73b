/*
 * test_ws_sim.c — both ends on tapir: a WebSocket client on one stack and
 * the /echo and /chat routes (through tapir's HTTP server) on another,
 * back to back on the sim link wrapped in the fault injector (loss,
 * duplication, reordering; seeded), on the virtual clock. Messages of every
 * length form, fragmented, come back byte-exact through TCP's
 * retransmissions, and the close handshake ends in CLOSED on both sides
 * with the same code and reason — the same run every time.
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

#include "tapir/http.h"
#include "tapir/link.h"
#include "tapir/stack.h"
#include "tapir/trace.h"
#include "tapir/ws.h"

#define SERVER_IP TAPIR_IP(10, 0, 0, 2)
#define CLIENT_IP TAPIR_IP(10, 0, 0, 1)

static const size_t sizes[] = {0, 1, 125, 126, 127, 65535, 65536, 300000};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

struct run {
	struct tapir_link *a, *b, *fa;
	struct tapir_stack *client_stack, *server_stack;
	struct tapir_http_server *http;
	struct tapir_ws_server *srv;
	struct tapir_ws *ws;
	tapir_time now;
	/* The client's side of the conversation. */
	size_t next;     /* index into sizes of the next message to send */
	size_t received; /* echoes that came back right */
	bool opened, closed, clean;
	uint16_t code;
	char reason[128];
	unsigned server_closes;
	uint16_t server_code;
	unsigned client_states, server_states;
	char last_server_state[16];
};

static uint8_t byte_at(size_t i, size_t n)
{
	return (uint8_t)(i * 31 + n);
}

static void send_next(struct run *r)
{
	static uint8_t buf[300000];
	size_t n = sizes[r->next];

	for (size_t i = 0; i < n; i++)
		buf[i] = byte_at(i, n);
	/* Odd ones in fragments of 1000 bytes (5.4). */
	assert_int_equal(
	    tapir_ws_send_fragmented(r->ws, TAPIR_WS_BINARY, buf, n, (r->next & 1) ? 1000 : 0), 0);
}

static void client_open(void *user, struct tapir_ws *ws)
{
	struct run *r = user;

	(void)ws;
	r->opened = true;
	send_next(r);
}

static void client_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
                           const uint8_t *data, size_t len)
{
	struct run *r = user;
	size_t n = sizes[r->next];

	assert_int_equal(type, TAPIR_WS_BINARY);
	assert_int_equal(len, n);
	for (size_t i = 0; i < n; i++)
		if (data[i] != byte_at(i, n))
			fail_msg("message of %zu bytes differs at %zu", n, i);
	r->received++;
	if (++r->next < NSIZES)
		send_next(r);
	else
		assert_int_equal(tapir_ws_close(ws, 4001, "all echoed"), 0);
}

static void client_close(void *user, struct tapir_ws *ws, uint16_t code, const char *reason,
                         bool clean)
{
	struct run *r = user;

	(void)ws;
	r->closed = true;
	r->clean = clean;
	r->code = code;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

static void server_close(void *user, struct tapir_ws *ws, uint16_t code, const char *reason,
                         bool clean)
{
	struct run *r = user;

	(void)ws;
	(void)reason;
	(void)clean;
	r->server_closes++;
	r->server_code = code;
}

static void server_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
                           const uint8_t *data, size_t len)
{
	(void)user;
	assert_int_equal(tapir_ws_send(ws, type, data, len), 0);
}

static void on_server_event(void *user, const struct tapir_event *ev)
{
	struct run *r = user;

	if (ev->kind == TAPIR_EV_WS && ev->u.ws.what == TAPIR_WS_TRACE_STATE) {
		r->server_states++;
		snprintf(r->last_server_state, sizeof(r->last_server_state), "%s", ev->u.ws.to);
	}
}

static void on_client_event(void *user, const struct tapir_event *ev)
{
	struct run *r = user;

	if (ev->kind == TAPIR_EV_WS && ev->u.ws.what == TAPIR_WS_TRACE_STATE)
		r->client_states++;
}

static struct tapir_stack *make_stack(struct tapir_link *link, tapir_ip ip, uint64_t seed,
                                      struct tapir_trace *trace)
{
	struct tapir_stack_config cfg;
	struct tapir_stack *s;

	tapir_stack_config_default(&cfg);
	cfg.ip = ip;
	cfg.prefix_len = 24;
	cfg.gateway = 0;
	cfg.send_gratuitous_arp = false;
	cfg.seed = seed;
	assert_int_equal(tapir_stack_new(&cfg, link, trace, TAPIR_SECONDS(1), &s), 0);
	return s;
}

static void run_echo(double loss, double dup, double reorder, uint64_t seed)
{
	static struct run r;
	static struct tapir_trace ctrace, strace;
	struct tapir_faults faults = {
	    .loss_pct = loss, .duplicate_pct = dup, .reorder_pct = reorder, .seed = seed};
	static const struct tapir_ws_callbacks client_cb = {
	    .on_open = client_open, .on_message = client_message, .on_close = client_close};
	static const struct tapir_ws_callbacks server_cb = {.on_message = server_message,
	                                                    .on_close = server_close};
	struct tapir_ws_route_config route = {.path = "/echo", .cb = &server_cb, .user = &r};
	struct tapir_http_server_config hcfg;
	struct tapir_ws_client_config ccfg = {
	    .ip = SERVER_IP, .port = 80, .host = "10.0.0.2", .path = "/echo"};

	memset(&r, 0, sizeof(r));
	route.user = &r;
	tapir_trace_init(&ctrace);
	tapir_trace_init(&strace);
	tapir_trace_attach(&ctrace, on_client_event, &r);
	tapir_trace_attach(&strace, on_server_event, &r);
	assert_int_equal(tapir_sim_pair(TAPIR_MS(1), 1500, &r.a, &r.b), 0);
	assert_int_equal(tapir_fault_open(r.a, &faults, &r.fa), 0);
	r.client_stack = make_stack(r.fa, CLIENT_IP, seed * 2 + 1, &ctrace);
	r.server_stack = make_stack(r.b, SERVER_IP, seed * 2 + 2, &strace);
	tapir_http_server_config_default(&hcfg);
	assert_int_equal(tapir_http_server_new(r.server_stack, &hcfg, &r.http), 0);
	assert_int_equal(tapir_ws_server_new(r.server_stack, &r.srv), 0);
	assert_int_equal(tapir_ws_server_route(r.srv, &route, NULL), 0);
	assert_int_equal(tapir_ws_server_attach(r.srv, r.http), 0);
	assert_int_equal(tapir_ws_connect(r.client_stack, &ccfg, &client_cb, &r, &r.ws), 0);

	r.now = TAPIR_SECONDS(1);
	for (unsigned long i = 0; i < 20000000ul && r.now < TAPIR_SECONDS(600); i++) {
		tapir_time na, nb, nl, nl2;

		tapir_stack_poll(r.client_stack, r.now);
		tapir_stack_poll(r.server_stack, r.now);
		na = tapir_stack_poll(r.client_stack, r.now);
		nb = tapir_stack_poll(r.server_stack, r.now);
		nl = tapir_link_next_due(r.fa, r.now);
		nl2 = tapir_link_next_due(r.b, r.now);
		if (r.closed && r.server_closes && tapir_ws_state(r.ws) == TAPIR_WS_CLOSED)
			break;
		if (nb < na)
			na = nb;
		if (nl < na)
			na = nl;
		if (nl2 < na)
			na = nl2;
		r.now = na > r.now ? na : r.now;
	}
	assert_true(r.opened);
	assert_int_equal(r.received, NSIZES);
	assert_true(r.closed);
	assert_true(r.clean);
	assert_int_equal(r.code, 4001); /* the server echoed our code and reason */
	assert_string_equal(r.reason, "all echoed");
	assert_int_equal(r.server_closes, 1);
	assert_int_equal(r.server_code, 4001);
	assert_string_equal(r.last_server_state, "CLOSED");
	assert_int_equal(r.client_states, 3); /* CONNECTING>OPEN>CLOSING>CLOSED */
	assert_int_equal(r.server_states, 3);
	if (loss > 0) {
		struct tapir_fault_stats fs = tapir_fault_stats(r.fa);

		assert_true(fs.lost > 0 && fs.duplicated > 0 && fs.reordered > 0);
		printf(
		    "  %llu frames: %llu lost, %llu duplicated, %llu reordered; %.3f s virtual\n",
		    (unsigned long long)fs.frames, (unsigned long long)fs.lost,
		    (unsigned long long)fs.duplicated, (unsigned long long)fs.reordered,
		    (double)(r.now - TAPIR_SECONDS(1)) / 1e6);
	}
	tapir_ws_free(r.ws);
	tapir_ws_server_free(r.srv);
	tapir_http_server_free(r.http);
	tapir_stack_free(r.client_stack);
	tapir_stack_free(r.server_stack);
	tapir_link_close(r.fa);
	tapir_link_close(r.b);
}

static void test_echo_on_a_clean_link(void **state)
{
	(void)state;
	run_echo(0, 0, 0, 1);
}

static void test_echo_through_loss_duplication_and_reordering(void **state)
{
	(void)state;
	run_echo(5, 5, 5, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_echo_on_a_clean_link),
	    cmocka_unit_test(test_echo_through_loss_duplication_and_reordering),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

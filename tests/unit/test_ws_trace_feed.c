/*
 * test_ws_trace_feed.c — the live trace feed (stack/ws/trace_feed.c) between
 * two tapir stacks on the sim link, on the virtual clock: tapir's WebSocket
 * client plays the browser on /ws/trace, tapir's HTTP client makes the
 * traffic to watch.
 *
 *   - /live/fsm.json holds every row of tapir_tcp_fsm_table();
 *   - a viewer is greeted with the live connections, its own among them;
 *   - other connections' states and segments reach it, its own segments
 *     never do;
 *   - two viewers see each other connect and leave (states only), and with
 *     only viewers connected the feed falls quiet: no feedback storm;
 *   - a burst bigger than the queue is counted, traced once and reported to
 *     the viewer as a gap of exactly the lost events;
 *   - a viewer that stops reading is skipped, traced once, and told how many
 *     events it missed when it reads again.
 */
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

#define SERVER_IP  TAPIR_IP(10, 0, 0, 2)
#define CLIENT_IP  TAPIR_IP(10, 0, 0, 1)
#define MAX_MSGS   4096
#define SAME_TIME  100000 /* polls at one instant before we call it a storm */
#define BURST_TEXT 1000   /* bytes of text in each event of a burst */

struct viewer {
	struct tapir_ws *ws;
	bool open, closed;
	char *msgs[MAX_MSGS];
	size_t nmsgs;
};

struct world {
	struct tapir_link *a, *b;
	struct tapir_stack *client, *server;
	struct tapir_trace ctrace, strace;
	struct tapir_http_server *http;
	struct tapir_ws_server *srv;
	struct tapir_trace_feed *feed;
	tapir_time now;
	struct viewer v[2];
	struct tapir_http_client *hc;
	bool http_done;
	uint16_t http_status;
	char body[16384];
	size_t body_len;
};

static struct world w;

/* ---- the two stacks and the loop ---------------------------------------------------- */

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

static void setup_world(size_t queue_bytes, size_t backlog_bytes)
{
	struct tapir_http_server_config hcfg;
	struct tapir_trace_feed_config fcfg = {
	    .path = "/ws/trace", .queue_bytes = queue_bytes, .backlog_bytes = backlog_bytes};

	memset(&w, 0, sizeof(w));
	tapir_trace_init(&w.ctrace);
	tapir_trace_init(&w.strace);
	assert_int_equal(tapir_sim_pair(TAPIR_MS(1), 1500, &w.a, &w.b), 0);
	w.client = make_stack(w.a, CLIENT_IP, 11, &w.ctrace);
	w.server = make_stack(w.b, SERVER_IP, 12, &w.strace);
	tapir_http_server_config_default(&hcfg);
	assert_int_equal(tapir_http_server_new(w.server, &hcfg, &w.http), 0);
	assert_int_equal(tapir_ws_server_new(w.server, &w.srv), 0);
	assert_int_equal(tapir_trace_feed_new(w.srv, &fcfg, &w.feed), 0);
	assert_int_equal(
	    tapir_http_server_route(w.http, "/live/fsm.json", tapir_trace_feed_fsm_handler, NULL),
	    0);
	assert_int_equal(tapir_ws_server_attach(w.srv, w.http), 0);
	w.now = TAPIR_SECONDS(1);
}

static void teardown_world(void)
{
	for (size_t i = 0; i < 2; i++) {
		if (w.v[i].ws)
			tapir_ws_free(w.v[i].ws);
		for (size_t m = 0; m < w.v[i].nmsgs; m++)
			free(w.v[i].msgs[m]);
	}
	if (w.hc)
		tapir_http_client_free(w.hc);
	tapir_trace_feed_free(w.feed);
	tapir_ws_server_free(w.srv);
	tapir_http_server_free(w.http);
	tapir_stack_free(w.client);
	tapir_stack_free(w.server);
	tapir_link_close(w.a);
	tapir_link_close(w.b);
}

/* Poll both stacks (or only the server: a client that reads nothing) until
 * done(), jumping the clock to the next thing due as long as that is not
 * after `until`. Fails when the stacks keep asking to be polled at one
 * instant: that is a storm. */
static void run(tapir_time until, bool (*done)(void), bool client_reads)
{
	unsigned same = 0;

	for (;;) {
		tapir_time next = tapir_stack_poll(w.server, w.now);

		if (client_reads) {
			tapir_time c = tapir_stack_poll(w.client, w.now);
			if (c < next)
				next = c;
		}
		if (done && done())
			return;
		if (next <= w.now) {
			if (++same > SAME_TIME)
				fail_msg("the stacks never settle at t=%lld us", (long long)w.now);
			continue;
		}
		same = 0;
		if (next > until)
			return;
		w.now = next;
	}
}

/* ---- the viewers: tapir's WebSocket client ----------------------------------------------- */

static void viewer_open(void *user, struct tapir_ws *ws)
{
	struct viewer *v = user;

	(void)ws;
	v->open = true;
}

static void viewer_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
                           const uint8_t *data, size_t len)
{
	struct viewer *v = user;
	char *copy;

	(void)ws;
	assert_int_equal(type, TAPIR_WS_TEXT);
	assert_true(v->nmsgs < MAX_MSGS);
	copy = malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, data, len);
	copy[len] = '\0';
	v->msgs[v->nmsgs++] = copy;
}

static void viewer_close(void *user, struct tapir_ws *ws, uint16_t code, const char *reason,
                         bool clean)
{
	struct viewer *v = user;

	(void)ws;
	(void)code;
	(void)reason;
	(void)clean;
	v->closed = true;
}

static bool both_open(void)
{
	return w.v[0].open && (!w.v[1].ws || w.v[1].open);
}

static void connect_viewer(struct viewer *v)
{
	static const struct tapir_ws_callbacks cb = {
	    .on_open = viewer_open, .on_message = viewer_message, .on_close = viewer_close};
	struct tapir_ws_client_config cfg = {
	    .ip = SERVER_IP, .port = 80, .host = "10.0.0.2", .path = "/ws/trace"};

	assert_int_equal(tapir_ws_connect(w.client, &cfg, &cb, v, &v->ws), 0);
}

/* The viewer's own TCP connection, as the server numbers it: "you" of its hello. */
static unsigned hello_you(const struct viewer *v)
{
	const char *you;

	assert_true(v->nmsgs > 0);
	assert_non_null(strstr(v->msgs[0], "{\"feed\":\"hello\""));
	you = strstr(v->msgs[0], "\"you\":");
	assert_non_null(you);
	return (unsigned)strtoul(you + strlen("\"you\":"), NULL, 10);
}

/* Events of `kind` ("tcp-segment") on connection `conn` in the viewer's
 * messages from index `from` on. */
static size_t count_events(const struct viewer *v, size_t from, const char *kind, unsigned conn)
{
	char needle[64], conn_field[32];
	size_t n = 0;

	snprintf(needle, sizeof(needle), "\"event\":\"%s\"", kind);
	snprintf(conn_field, sizeof(conn_field), "\"conn\":%u,", conn);
	for (size_t m = from; m < v->nmsgs; m++) {
		for (const char *p = strstr(v->msgs[m], needle); p; p = strstr(p + 1, needle)) {
			const char *end = strstr(p + 1, "\"event\":");
			const char *c = strstr(p, conn_field);

			if (c && (!end || c < end))
				n++;
		}
	}
	return n;
}

/* Does any message from `from` on hold `text`? */
static bool any_message_has(const struct viewer *v, size_t from, const char *text)
{
	for (size_t m = from; m < v->nmsgs; m++)
		if (strstr(v->msgs[m], text))
			return true;
	return false;
}

/* The sum of "missed" over the viewer's gap messages. */
static unsigned long long gaps_missed(const struct viewer *v)
{
	static const char gap[] = "{\"feed\":\"gap\",\"missed\":";
	unsigned long long sum = 0;

	for (size_t m = 0; m < v->nmsgs; m++)
		if (strncmp(v->msgs[m], gap, strlen(gap)) == 0)
			sum += strtoull(v->msgs[m] + strlen(gap), NULL, 10);
	return sum;
}

/* ---- an HTTP client: the traffic to watch ------------------------------------------------ */

static void http_head(void *user, const struct tapir_http_message *msg)
{
	(void)user;
	w.http_status = msg->status;
}

static void http_body(void *user, const uint8_t *data, size_t len)
{
	(void)user;
	assert_true(w.body_len + len < sizeof(w.body));
	memcpy(w.body + w.body_len, data, len);
	w.body_len += len;
}

static void http_done(void *user, int error, bool reusable)
{
	(void)user;
	(void)reusable;
	assert_int_equal(error, 0);
	w.http_done = true;
}

static bool got_response(void)
{
	return w.http_done;
}

static void http_get(const char *target)
{
	static const struct tapir_http_client_callbacks cb = {
	    .head = http_head, .body = http_body, .done = http_done};

	assert_int_equal(tapir_http_client_new(w.client, SERVER_IP, 80, &cb, NULL, &w.hc), 0);
	assert_int_equal(
	    tapir_http_client_request(w.hc, "GET", target, "10.0.0.2", "Connection: close\r\n"), 0);
	run(w.now + TAPIR_SECONDS(10), got_response, true);
	assert_true(w.http_done);
}

/* ---- the tests ---------------------------------------------------------------------------- */

static void test_fsm_json_holds_every_row_of_the_table(void **state)
{
	size_t rows;
	const struct tapir_tcp_transition *t = tapir_tcp_fsm_table(&rows);
	size_t objects = 0;

	(void)state;
	setup_world(0, 0);
	http_get("/live/fsm.json");
	assert_int_equal(w.http_status, 200);
	w.body[w.body_len] = '\0';
	for (size_t i = 0; i < rows; i++) {
		char row[256];

		snprintf(row, sizeof(row), "{\"from\":\"%s\",\"event\":\"%s\",\"to\":\"%s\"",
		         t[i].from, t[i].event, t[i].to);
		if (!strstr(w.body, row))
			fail_msg("row %zu is missing: %s", i, row);
	}
	for (const char *p = strstr(w.body, "{\"from\":"); p; p = strstr(p + 1, "{\"from\":"))
		objects++;
	assert_int_equal(objects, rows);
	teardown_world();
}

static void test_viewer_sees_other_connections_but_not_its_own_segments(void **state)
{
	struct tapir_trace_feed_stats st;
	char own[160];
	unsigned you;
	size_t before;

	(void)state;
	setup_world(0, 0);
	connect_viewer(&w.v[0]);
	run(w.now + TAPIR_SECONDS(5), both_open, true);
	assert_true(w.v[0].open);
	run(w.now + TAPIR_MS(100), NULL, true);

	/* The hello lists the viewer's own connection, ESTABLISHED, and its path. */
	you = hello_you(&w.v[0]);
	snprintf(own, sizeof(own), "{\"conn\":%u,", you);
	assert_non_null(strstr(w.v[0].msgs[0], own));
	assert_non_null(strstr(w.v[0].msgs[0], "\"state\":\"ESTABLISHED\""));
	assert_non_null(strstr(
	    w.v[0].msgs[0], "\"path\":[\"CLOSED\",\"LISTEN\",\"SYN-RECEIVED\",\"ESTABLISHED\"]"));

	/* Another connection: its life arrives, segments and all. */
	before = w.v[0].nmsgs;
	http_get("/nothing-here");
	assert_int_equal(w.http_status, 404);
	run(w.now + TAPIR_SECONDS(2), NULL, true);
	assert_true(
	    any_message_has(&w.v[0], before, "\"from\":\"LISTEN\",\"to\":\"SYN-RECEIVED\""));
	assert_true(any_message_has(&w.v[0], before, "\"flags\":\"SYN\""));
	assert_true(any_message_has(&w.v[0], before, "\"event\":\"http\""));
	assert_true(
	    any_message_has(&w.v[0], before, "\"from\":\"ESTABLISHED\",\"to\":\"FIN-WAIT-1\""));

	/* Its own traffic was made (the feed's frames) but never sent to it. */
	assert_int_equal(count_events(&w.v[0], 0, "tcp-segment", you), 0);
	assert_int_equal(count_events(&w.v[0], 0, "ws", you), 0);
	tapir_trace_feed_stats(w.feed, &st);
	assert_int_equal(st.viewers, 1);
	assert_true(st.excluded > 0);
	assert_int_equal(st.lost_queue_full, 0);
	assert_int_equal(st.lost_slow, 0);
	teardown_world();
}

static void test_two_viewers_fall_quiet_and_see_each_other_come_and_go(void **state)
{
	struct tapir_trace_feed_stats st;
	unsigned you0, you1;
	size_t quiet, before;

	(void)state;
	setup_world(0, 0);
	connect_viewer(&w.v[0]);
	run(w.now + TAPIR_SECONDS(5), both_open, true);
	connect_viewer(&w.v[1]);
	run(w.now + TAPIR_SECONDS(5), both_open, true);
	assert_true(w.v[0].open && w.v[1].open);
	run(w.now + TAPIR_SECONDS(1), NULL, true);
	you0 = hello_you(&w.v[0]);
	you1 = hello_you(&w.v[1]);

	/* The first saw the second connect: its states, and the segments of
	 * its handshake, sent before it became a viewer. */
	assert_true(count_events(&w.v[0], 0, "tcp-state", you1) >= 3);
	assert_true(count_events(&w.v[0], 0, "tcp-segment", you1) > 0);

	/* Each viewer's events go to the other, whose sending makes more: were
	 * their segments sent, this would never end. Nothing else happens for
	 * 30 s (less than an ARP entry lives), so not one message may come. */
	quiet = w.v[0].nmsgs + w.v[1].nmsgs;
	run(w.now + TAPIR_SECONDS(30), NULL, true);
	assert_int_equal(w.v[0].nmsgs + w.v[1].nmsgs, quiet);
	assert_int_equal(count_events(&w.v[1], 0, "tcp-segment", you0), 0);
	tapir_trace_feed_stats(w.feed, &st);
	assert_int_equal(st.viewers, 2);
	assert_true(st.excluded > 0);

	/* The second leaves: the first sees its connection close. */
	before = w.v[0].nmsgs;
	assert_int_equal(tapir_ws_close(w.v[1].ws, 1000, "bye"), 0);
	run(w.now + TAPIR_SECONDS(5), NULL, true);
	assert_true(w.v[1].closed);
	assert_true(count_events(&w.v[0], before, "tcp-state", you1) >= 2);
	assert_true(any_message_has(&w.v[0], before, "\"to\":\"CLOSED\",\"cause\""));
	tapir_trace_feed_stats(w.feed, &st);
	assert_int_equal(st.viewers, 1);
	teardown_world();
}

static void burst(unsigned n)
{
	char text[BURST_TEXT + 1];

	memset(text, 'x', BURST_TEXT);
	text[BURST_TEXT] = '\0';
	for (unsigned i = 0; i < n; i++)
		tapir_stack_log(w.server, TAPIR_LOG_INFO, "test", text);
}

static void test_a_burst_bigger_than_the_queue_is_counted_and_reported(void **state)
{
	struct tapir_trace_feed_stats before, after;
	const struct tapir_stats *stats;

	(void)state;
	setup_world(8192, 0); /* room for 7 events of the burst */
	connect_viewer(&w.v[0]);
	run(w.now + TAPIR_SECONDS(5), both_open, true);
	run(w.now + TAPIR_SECONDS(1), NULL, true);
	tapir_trace_feed_stats(w.feed, &before);

	burst(50);
	run(w.now + TAPIR_SECONDS(5), NULL, true);

	tapir_trace_feed_stats(w.feed, &after);
	assert_int_equal(after.lost_queue_full - before.lost_queue_full, 43);
	assert_int_equal(gaps_missed(&w.v[0]), 43);
	/* Counted once (one gap), traced with the number, and that trace
	 * reached the viewer too. */
	stats = tapir_stack_stats(w.server);
	assert_int_equal(stats->drops[TAPIR_DROP_WS_FEED_QUEUE_FULL], 1);
	assert_true(any_message_has(&w.v[0], 0, "\"reason\":\"feed-queue-full\""));
	assert_true(any_message_has(&w.v[0], 0, "\"detail\":\"43 events\""));
	teardown_world();
}

static void test_a_viewer_that_stops_reading_is_skipped_then_told(void **state)
{
	struct tapir_trace_feed_stats st;
	const struct tapir_stats *stats;
	size_t before;

	(void)state;
	setup_world(64 * 1024, 16 * 1024);
	connect_viewer(&w.v[0]);
	run(w.now + TAPIR_SECONDS(5), both_open, true);
	run(w.now + TAPIR_SECONDS(1), NULL, true);

	/* The client stops reading; its window and our send buffer fill, then
	 * the WebSocket queue passes the backlog and the viewer is skipped. */
	for (unsigned i = 0; i < 40; i++) {
		burst(50);
		run(w.now, NULL, false);
	}
	tapir_trace_feed_stats(w.feed, &st);
	assert_true(st.lost_slow > 0);
	assert_int_equal(st.lost_queue_full, 0);
	stats = tapir_stack_stats(w.server);
	assert_int_equal(stats->drops[TAPIR_DROP_WS_FEED_SLOW_VIEWER], 1);

	/* It reads again: everything queued arrives, then the gap, then new events. */
	before = w.v[0].nmsgs;
	run(w.now + TAPIR_SECONDS(10), NULL, true);
	burst(1);
	run(w.now + TAPIR_SECONDS(10), NULL, true);
	tapir_trace_feed_stats(w.feed, &st);
	assert_true(w.v[0].nmsgs > before);
	assert_int_equal(gaps_missed(&w.v[0]), st.lost_slow);
	assert_true(any_message_has(&w.v[0], before, "{\"feed\":\"gap\""));
	assert_true(w.v[0].open && !w.v[0].closed);
	teardown_world();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fsm_json_holds_every_row_of_the_table),
	    cmocka_unit_test(test_viewer_sees_other_connections_but_not_its_own_segments),
	    cmocka_unit_test(test_two_viewers_fall_quiet_and_see_each_other_come_and_go),
	    cmocka_unit_test(test_a_burst_bigger_than_the_queue_is_counted_and_reported),
	    cmocka_unit_test(test_a_viewer_that_stops_reading_is_skipped_then_told),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

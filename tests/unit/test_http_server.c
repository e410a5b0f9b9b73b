/*
 * test_http_server.c — tapir-httpd's library on two tapir stacks joined by
 * the sim link, on the virtual clock: keep-alive with the library's own
 * client, the idle timeout, a slow client cut off with 408 (RFC 9110
 * 15.5.9), server-sent events ticking once a (virtual) second, pipelined
 * requests answered in order, and a route that takes the connection over
 * after a 101 (the hook WebSocket builds on), leftover bytes included.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tapir/http.h"
#include "tapir/link.h"
#include "tapir/stack.h"
#include "tapir/tcp.h"

#define SERVER_IP TAPIR_IP(10, 0, 0, 2)
#define CLIENT_IP TAPIR_IP(10, 0, 0, 1)

struct world {
	struct tapir_link *a, *b;
	struct tapir_stack *client, *server;
	struct tapir_http_server *srv;
	tapir_time now;
	char root[64];
	/* tapir_http_client results */
	unsigned status, responses;
	int error;
	bool reusable;
	char body[8192];
	size_t body_len;
	/* raw socket */
	struct tapir_tcp *raw;
	bool raw_connected, raw_closed;
	char raw_in[16384];
	size_t raw_len;
	/* the upgrade route */
	char leftover[64];
	bool upgraded;
};

static struct world w;

static int make_stack(tapir_ip ip, struct tapir_link *link, struct tapir_stack **out)
{
	struct tapir_stack_config cfg;

	tapir_stack_config_default(&cfg);
	cfg.ip = ip;
	cfg.gateway = 0;
	cfg.send_gratuitous_arp = false;
	cfg.seed = ip;
	return tapir_stack_new(&cfg, link, NULL, TAPIR_SECONDS(1), out);
}

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", w.root, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct tapir_http_server_config cfg;

	(void)state;
	memset(&w, 0, sizeof(w));
	snprintf(w.root, sizeof(w.root), "/tmp/tapir-http-test.XXXXXX");
	assert_non_null(mkdtemp(w.root));
	write_file("a.txt", "hello tapir\n");
	write_file("index.html", "<p>index</p>\n");
	assert_int_equal(tapir_sim_pair(TAPIR_MS(1), 1500, &w.a, &w.b), 0);
	assert_int_equal(make_stack(CLIENT_IP, w.a, &w.client), 0);
	assert_int_equal(make_stack(SERVER_IP, w.b, &w.server), 0);
	w.now = TAPIR_SECONDS(1);
	tapir_http_server_config_default(&cfg);
	cfg.root = w.root;
	cfg.wall_offset = TAPIR_SECONDS(1700000000);
	assert_int_equal(tapir_http_server_new(w.server, &cfg, &w.srv), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	tapir_http_server_free(w.srv);
	tapir_stack_free(w.client);
	tapir_stack_free(w.server);
	tapir_link_close(w.a);
	tapir_link_close(w.b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", w.root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Run both stacks on the virtual clock for dt. */
static void run_for(tapir_time dt)
{
	tapir_time end = w.now + dt;

	while (w.now < end) {
		tapir_time na = tapir_stack_poll(w.client, w.now);
		tapir_time nb = tapir_stack_poll(w.server, w.now);
		tapir_time next = na < nb ? na : nb;
		tapir_time la = tapir_link_next_due(w.a, w.now),
		           lb = tapir_link_next_due(w.b, w.now);
		if (la < next)
			next = la;
		if (lb < next)
			next = lb;
		if (next <= w.now)
			next = w.now + 1;
		w.now = next < end ? next : end;
	}
	tapir_stack_poll(w.client, w.now);
	tapir_stack_poll(w.server, w.now);
}

static unsigned open_connections(void)
{
	struct tapir_http_server_stats st;

	tapir_http_server_stats(w.srv, &st);
	return st.open;
}

/* ---- the library's client ----------------------------------------------------------- */

static void on_head(void *user, const struct tapir_http_message *msg)
{
	(void)user;
	w.status = msg->status;
}

static void on_body(void *user, const uint8_t *data, size_t len)
{
	(void)user;
	if (w.body_len + len < sizeof(w.body)) {
		memcpy(w.body + w.body_len, data, len);
		w.body_len += len;
		w.body[w.body_len] = '\0';
	}
}

static void on_done(void *user, int error, bool reusable)
{
	(void)user;
	w.responses++;
	w.error = error;
	w.reusable = reusable;
}

static const struct tapir_http_client_callbacks callbacks = {
    .head = on_head, .body = on_body, .done = on_done};

static void get(struct tapir_http_client *c, const char *target)
{
	unsigned before = w.responses;

	w.body_len = 0;
	w.body[0] = '\0';
	assert_int_equal(tapir_http_client_request(c, "GET", target, "10.0.0.2", NULL), 0);
	for (int i = 0; i < 100 && w.responses == before; i++)
		run_for(TAPIR_MS(10));
	assert_int_equal(w.responses, before + 1);
}

static void test_keep_alive_then_idle_timeout(void **state)
{
	struct tapir_http_client *c;
	struct tapir_http_server_stats st;

	(void)state;
	assert_int_equal(tapir_http_client_new(w.client, SERVER_IP, 80, &callbacks, NULL, &c), 0);
	get(c, "/a.txt");
	assert_int_equal(w.status, 200);
	assert_string_equal(w.body, "hello tapir\n");
	assert_true(w.reusable);
	get(c, "/");
	assert_string_equal(w.body, "<p>index</p>\n");
	get(c, "/missing");
	assert_int_equal(w.status, 404);
	tapir_http_server_stats(w.srv, &st);
	assert_int_equal(st.connections, 1); /* three requests, one connection */
	assert_int_equal(st.requests, 3);
	assert_int_equal(open_connections(), 1);
	/* Idle: the server closes after TAPIR_HTTP_IDLE_TIMEOUT_MS, not before. */
	run_for(TAPIR_MS(TAPIR_HTTP_IDLE_TIMEOUT_MS) - TAPIR_MS(500));
	assert_int_equal(open_connections(), 1);
	run_for(TAPIR_SECONDS(1));
	assert_int_equal(open_connections(), 0);
	assert_false(tapir_http_client_connected(c));
	tapir_http_client_free(c);
}

static void test_events_once_a_second(void **state)
{
	struct tapir_http_client *c;

	(void)state;
	assert_int_equal(tapir_http_client_new(w.client, SERVER_IP, 80, &callbacks, NULL, &c), 0);
	assert_int_equal(tapir_http_client_request(c, "GET", "/events?count=3", "a", NULL), 0);
	run_for(TAPIR_MS(500));
	assert_non_null(strstr(w.body, "id: 1\ndata: event 1\n\n"));
	assert_null(strstr(w.body, "id: 2"));
	run_for(TAPIR_SECONDS(1));
	assert_non_null(strstr(w.body, "id: 2\n"));
	assert_int_equal(w.responses, 0);
	run_for(TAPIR_SECONDS(1));
	assert_non_null(strstr(w.body, "id: 3\ndata: event 3\n\n"));
	assert_int_equal(w.responses, 1); /* the chunked stream ended */
	assert_int_equal(w.error, 0);
	assert_true(w.reusable);
	tapir_http_client_free(c);
}

/* ---- a raw TCP client ----------------------------------------------------------------- */

static void on_raw(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	long n;

	(void)user;
	(void)error;
	if (events & TAPIR_TCP_CONNECTED)
		w.raw_connected = true;
	while ((n = tapir_tcp_recv(sock, w.raw_in + w.raw_len, sizeof(w.raw_in) - 1 - w.raw_len)) >
	       0)
		w.raw_len += (size_t)n;
	w.raw_in[w.raw_len] = '\0';
	if (n == 0 || (events & TAPIR_TCP_CLOSED))
		w.raw_closed = true;
}

static void raw_connect(void)
{
	assert_int_equal(tapir_tcp_connect(w.client, SERVER_IP, 80, on_raw, NULL, &w.raw), 0);
	run_for(TAPIR_MS(20));
	assert_true(w.raw_connected);
}

static void raw_send(const char *text)
{
	assert_int_equal(tapir_tcp_send(w.raw, text, strlen(text)), (long)strlen(text));
}

static void test_slow_client_gets_408(void **state)
{
	const char *head = "GET /a.txt HTTP/1.1\r\nHost: a\r\nX-Slow: 0123456789abcdef\r\n\r\n";

	(void)state;
	raw_connect();
	/* One byte a second: the head is not complete after 10 s. */
	for (size_t i = 0; head[i] && !w.raw_closed; i++) {
		char byte[2] = {head[i], '\0'};
		raw_send(byte);
		run_for(TAPIR_SECONDS(1));
		if (i < TAPIR_HTTP_HEADER_TIMEOUT_MS / 1000 - 1)
			assert_int_equal(w.raw_len, 0);
	}
	assert_non_null(strstr(w.raw_in, "HTTP/1.1 408 Request Timeout\r\n"));
	assert_non_null(strstr(w.raw_in, "Connection: close\r\n"));
	assert_true(w.raw_closed);
	tapir_tcp_close(w.raw);
	run_for(TAPIR_SECONDS(3));
	assert_int_equal(open_connections(), 0);
}

static void take_over(void *user, struct tapir_tcp *sock, const uint8_t *leftover, size_t len)
{
	(void)user;
	snprintf(w.leftover, sizeof(w.leftover), "%.*s", (int)len, (const char *)leftover);
	w.upgraded = true;
	tapir_tcp_send(sock, "bye", 3);
	tapir_tcp_close(sock);
}

static void new_owner(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	(void)sock;
	(void)events;
	(void)error;
	(void)user;
}

static void upgrade_route(void *user, struct tapir_http_exchange *ex)
{
	const struct tapir_http_message *req = tapir_http_request(ex);

	(void)user;
	assert_true(req->upgrade);
	tapir_http_add_header(ex, "Upgrade", "test");
	tapir_http_add_header(ex, "Connection", "Upgrade");
	tapir_http_respond(ex, 101, NULL, NULL, 0);
	assert_int_equal(tapir_http_upgrade(ex, new_owner, take_over, NULL), 0);
}

static void test_pipelined_then_upgraded(void **state)
{
	(void)state;
	assert_int_equal(tapir_http_server_route(w.srv, "/upgrade", upgrade_route, NULL), 0);
	raw_connect();
	raw_send("GET /a.txt HTTP/1.1\r\nHost: a\r\n\r\n"
	         "HEAD /a.txt HTTP/1.1\r\nHost: a\r\n\r\n"
	         "GET /upgrade HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n"
	         "first frame");
	run_for(TAPIR_MS(200));
	/* In order: 200 with the body, 200 for HEAD, 101, then the new owner's "bye". */
	char *first = strstr(w.raw_in, "HTTP/1.1 200 OK\r\n");
	char *body = first ? strstr(first, "\r\n\r\nhello tapir\n") : NULL;
	char *second = body ? strstr(body, "HTTP/1.1 200 OK\r\n") : NULL;
	char *third = second ? strstr(second, "HTTP/1.1 101 Switching Protocols\r\n") : NULL;
	if (!third) {
		fail_msg("responses missing or out of order: %s", w.raw_in);
		return;
	}
	assert_true(strstr(third, "Upgrade: test\r\n") != NULL);
	assert_true(strstr(third, "Connection: close") == NULL);
	assert_true(strstr(third, "\r\n\r\nbye") != NULL);
	assert_true(w.upgraded);
	assert_string_equal(w.leftover, "first frame");
	assert_true(w.raw_closed);
	tapir_tcp_close(w.raw);
	run_for(TAPIR_SECONDS(1));
	assert_int_equal(open_connections(), 0); /* the server forgot the connection */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_keep_alive_then_idle_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_events_once_a_second, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slow_client_gets_408, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pipelined_then_upgraded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

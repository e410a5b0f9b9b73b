/*
 * test_graph_sim.c — the graph sink on two live tapir stacks back to back on
 * the sim link: a handshake, a little data each way and a close started by
 * the client, on the virtual clock.
 *
 * Checked: exactly the expected TCP_STATE events on each side; the paths
 * the graph records; the peer's path the sink infers from the segments
 * equals the path the other stack traced itself; each DOT file is accepted
 * by Graphviz's `dot`, contains every state of the table and marks exactly
 * the traversed edges; the ladder has one arrow per segment; index.html,
 * summary.dot and the JSON Lines of the transitions are written.
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

#include "tapir/graph.h"
#include "tapir/link.h"
#include "tapir/stack.h"
#include "tapir/tcp.h"
#include "tapir/trace.h"

#define PORT       7000
#define MAX_EVENTS 64
#define LINE       256

struct side {
	struct tapir_stack *stack;
	struct tapir_trace trace;
	struct tapir_graph *graph;
	struct tapir_tcp *sock;
	char states[MAX_EVENTS][LINE]; /* "FROM -> TO (cause)" of the connection */
	unsigned nstates;
	unsigned segments; /* TCP_SEGMENT events of the connection */
	uint32_t conn;     /* its id (0: not yet known) */
	bool eof, closed;
};

static void on_event(void *user, const struct tapir_event *ev)
{
	struct side *s = user;

	if (ev->kind == TAPIR_EV_TCP_STATE && ev->u.tcp_state.conn.remote_port != 0 &&
	    s->nstates < MAX_EVENTS) {
		s->conn = ev->u.tcp_state.conn.id;
		snprintf(s->states[s->nstates++], LINE, "%s -> %s (%s)", ev->u.tcp_state.from,
		         ev->u.tcp_state.to, ev->u.tcp_state.cause);
	}
	if (ev->kind == TAPIR_EV_TCP_SEGMENT && ev->u.tcp_segment.conn.id == s->conn)
		s->segments++;
}

static void on_sock(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	struct side *s = user;
	char buf[256];
	long n;

	(void)events;
	(void)error;
	while ((n = tapir_tcp_recv(sock, buf, sizeof(buf))) > 0)
		;
	if (n == 0)
		s->eof = true;
}

static void on_listen(struct tapir_tcp *l, unsigned events, int error, void *user)
{
	struct side *s = user;

	(void)events;
	(void)error;
	if (!s->sock && tapir_tcp_accept(l, on_sock, s, &s->sock) == 0)
		tapir_tcp_close(l);
}

static void make_side(struct side *s, struct tapir_link *link, tapir_ip ip, const char *dir)
{
	struct tapir_stack_config cfg;

	memset(s, 0, sizeof(*s));
	assert_int_equal(tapir_graph_new(dir, "test_graph_sim", &s->graph), 0);
	tapir_trace_init(&s->trace);
	tapir_trace_attach(&s->trace, on_event, s);
	tapir_trace_attach(&s->trace, tapir_graph_sink, s->graph);
	tapir_stack_config_default(&cfg);
	cfg.ip = ip;
	cfg.prefix_len = 24;
	cfg.gateway = 0;
	cfg.send_gratuitous_arp = false;
	cfg.seed = ip;
	assert_int_equal(tapir_stack_new(&cfg, link, &s->trace, TAPIR_SECONDS(1), &s->stack), 0);
	assert_int_equal(tapir_tcp_set_msl(s->stack, TAPIR_SECONDS(1)), 0);
}

/* Run both stacks on the virtual clock until `done` or 60 virtual seconds. */
static tapir_time run(struct side *a, struct side *b, struct tapir_link *la, struct tapir_link *lb,
                      tapir_time now, bool (*done)(struct side *, struct side *))
{
	for (int i = 0; i < 100000 && now < TAPIR_SECONDS(60); i++) {
		tapir_time na = tapir_stack_poll(a->stack, now);
		tapir_time nb = tapir_stack_poll(b->stack, now);
		tapir_time l1 = tapir_link_next_due(la, now), l2 = tapir_link_next_due(lb, now);
		tapir_time next = na;

		if (done(a, b))
			break;
		if (nb < next)
			next = nb;
		if (l1 < next)
			next = l1;
		if (l2 < next)
			next = l2;
		if (next == TAPIR_TIME_NEVER)
			break;
		now = next > now ? next : now;
	}
	return now;
}

static bool connected(struct side *a, struct side *b)
{
	return b->sock && a->sock && strcmp(tapir_tcp_state(a->sock), "ESTABLISHED") == 0;
}

static bool both_closed(struct side *a, struct side *b)
{
	return a->nstates > 0 && b->nstates > 0 && strstr(a->states[a->nstates - 1], "-> CLOSED") &&
	       strstr(b->states[b->nstates - 1], "-> CLOSED");
}

static bool got_data(struct side *a, struct side *b)
{
	(void)a;
	return b->sock && tapir_tcp_readable(b->sock) == 0 && b->segments >= 5;
}

static bool server_eof(struct side *a, struct side *b)
{
	(void)a;
	return b->eof;
}

static const char *const client_want[] = {
    "CLOSED -> SYN-SENT (active OPEN / create TCB, snd SYN)",
    "SYN-SENT -> ESTABLISHED (rcv SYN,ACK / snd ACK)",
    "ESTABLISHED -> FIN-WAIT-1 (CLOSE / snd FIN)",
    "FIN-WAIT-1 -> FIN-WAIT-2 (rcv ACK of FIN)",
    "FIN-WAIT-2 -> TIME-WAIT (rcv FIN / snd ACK)",
    "TIME-WAIT -> CLOSED (timeout=2MSL / delete TCB)",
};

static const char *const server_want[] = {
    "CLOSED -> LISTEN (passive OPEN / create TCB)",
    "LISTEN -> SYN-RECEIVED (rcv SYN / snd SYN,ACK)",
    "SYN-RECEIVED -> ESTABLISHED (rcv ACK of SYN)",
    "ESTABLISHED -> CLOSE-WAIT (rcv FIN / snd ACK)",
    "CLOSE-WAIT -> LAST-ACK (CLOSE / snd FIN)",
    "LAST-ACK -> CLOSED (rcv ACK of FIN / delete TCB)",
};

static void assert_events(const struct side *s, const char *const *want, unsigned n)
{
	for (unsigned i = 0; i < s->nstates; i++)
		fprintf(stderr, "    %s\n", s->states[i]);
	assert_int_equal(s->nstates, n);
	for (unsigned i = 0; i < n; i++)
		assert_string_equal(s->states[i], want[i]);
}

/* The n-th recorded connection whose side 0 has a peer port (not a listener). */
static unsigned conn_index(const struct tapir_graph *g, const char *first_state)
{
	char path[512];

	for (unsigned i = 0; i < tapir_graph_stats(g).conns; i++) {
		assert_int_equal(tapir_graph_path(g, i, 0, path, sizeof(path)), 0);
		if (strncmp(path, first_state, strlen(first_state)) == 0 &&
		    strstr(path, "ESTABLISHED"))
			return i;
	}
	fail_msg("no connection starting %s", first_state);
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 18];
	size_t n;

	if (!f)
		fail_msg("cannot read %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static unsigned count(const char *text, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The DOT: accepted by dot, every state present, exactly `want` (FROM, TO
 * pairs) drawn as the path. */
static void check_dot(const char *path, const char *const *want, unsigned n)
{
	char cmd[600];
	size_t rows;
	const struct tapir_tcp_transition *table = tapir_tcp_fsm_table(&rows);
	const char *dot = read_file(path);

	snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s' -o /dev/null", path);
	assert_int_equal(system(cmd), 0);
	for (size_t r = 0; r < rows; r++) {
		char node[64];

		snprintf(node, sizeof(node), "[label=\"%s\"", table[r].from);
		assert_non_null(strstr(dot, node));
		snprintf(node, sizeof(node), "[label=\"%s\"", table[r].to);
		assert_non_null(strstr(dot, node));
	}
	assert_int_equal(count(dot, "class=\"path\""), n);
	assert_int_equal(count(dot, "class=\"not-in-table\""), 0);
	for (unsigned i = 0; i < n; i++) {
		char from[32], to[32], edge[128];
		const char *line;

		assert_int_equal(sscanf(want[i], "%31s -> %31s", from, to), 2);
		snprintf(edge, sizeof(edge), "\t\"%s\" -> \"%s%s\" [label=\"#%u ", from, to,
		         strcmp(to, "CLOSED") == 0 ? "_end" : "", i + 1);
		line = strstr(dot, edge);
		if (!line)
			fail_msg("%s: no path edge %s", path, edge);
		else
			assert_non_null(strstr(line, "class=\"path\""));
	}
}

static void test_handshake_data_close(void **state)
{
	static struct side client, server;
	struct tapir_link *la, *lb;
	struct tapir_tcp *listener;
	char path[512], dir_c[64], dir_s[64], file[160];
	tapir_time now = TAPIR_SECONDS(1);

	(void)state;
	snprintf(dir_c, sizeof(dir_c), "/tmp/tapir-graph-c.%d", (int)getpid());
	snprintf(dir_s, sizeof(dir_s), "/tmp/tapir-graph-s.%d", (int)getpid());
	assert_int_equal(tapir_sim_pair(TAPIR_MS(1), 1500, &la, &lb), 0);
	make_side(&client, la, TAPIR_IP(10, 0, 0, 1), dir_c);
	make_side(&server, lb, TAPIR_IP(10, 0, 0, 2), dir_s);

	assert_int_equal(tapir_tcp_listen(server.stack, PORT, 4, on_listen, &server, &listener), 0);
	assert_int_equal(tapir_tcp_connect(client.stack, TAPIR_IP(10, 0, 0, 2), PORT, on_sock,
	                                   &client, &client.sock),
	                 0);
	now = run(&client, &server, la, lb, now, connected);
	assert_int_equal(tapir_tcp_send(client.sock, "hello", 5), 5);
	assert_int_equal(tapir_tcp_send(server.sock, "hi", 2), 2);
	now = run(&client, &server, la, lb, now, got_data);
	tapir_tcp_close(client.sock);
	now = run(&client, &server, la, lb, now, server_eof);
	tapir_tcp_close(server.sock);
	run(&client, &server, la, lb, now, both_closed);

	/* Exactly the events RFC 9293 describes, on each side. */
	assert_events(&client, client_want, 6);
	assert_events(&server, server_want, 6);

	/* The paths the sinks recorded, and the peers they inferred. */
	unsigned ci = conn_index(client.graph, "CLOSED SYN-SENT");
	unsigned si = conn_index(server.graph, "CLOSED LISTEN");
	assert_int_equal(tapir_graph_path(client.graph, ci, 0, path, sizeof(path)), 0);
	assert_string_equal(path,
	                    "CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSED");
	assert_int_equal(tapir_graph_path(server.graph, si, 0, path, sizeof(path)), 0);
	assert_string_equal(path,
	                    "CLOSED LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED");
	/* The client's sink inferred the server's whole path from the segments. */
	assert_int_equal(tapir_graph_path(client.graph, ci, 1, path, sizeof(path)), 0);
	assert_string_equal(path,
	                    "CLOSED LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED");
	/* The server's sink sees the client up to TIME-WAIT (its timer is invisible). */
	assert_int_equal(tapir_graph_path(server.graph, si, 1, path, sizeof(path)), 0);
	assert_string_equal(path, "CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT");
	assert_int_equal(tapir_graph_stats(client.graph).unexplained, 0);

	assert_int_equal(tapir_graph_finish(client.graph), 0);
	assert_int_equal(tapir_graph_finish(server.graph), 0);

	snprintf(file, sizeof(file), "%s/conn-%u.dot", dir_c, client.conn);
	check_dot(file, client_want, 6);
	snprintf(file, sizeof(file), "%s/conn-%u.dot", dir_s, server.conn);
	check_dot(file, server_want, 6);
	snprintf(file, sizeof(file), "%s/conn-%u-peer.dot", dir_c, client.conn);
	check_dot(file, server_want, 6);

	/* The ladder: one arrow per segment, relative numbers from 0. */
	snprintf(file, sizeof(file), "%s/conn-%u-ladder.svg", dir_c, client.conn);
	const char *svg = read_file(file);
	assert_int_equal(count(svg, "marker-end="), client.segments);
	assert_non_null(strstr(svg, ">SYN  seq=0<"));
	assert_non_null(strstr(svg, ">SYN,ACK  seq=0 ack=1<"));
	assert_non_null(strstr(svg, ">TIME-WAIT<"));

	snprintf(file, sizeof(file), "%s/index.html", dir_c);
	assert_non_null(strstr(read_file(file), "conn-1-ladder.svg"));
	snprintf(file, sizeof(file), "%s/summary.dot", dir_s);
	const char *summary = read_file(file);
	assert_non_null(strstr(summary, "\"LISTEN\" -> \"SYN-RECEIVED\" [label=\"1 x"));

	/* The transitions as JSON Lines, in the live trace's schema. */
	char *json = NULL;
	size_t json_len = 0;
	FILE *mem = open_memstream(&json, &json_len);
	assert_int_equal(tapir_graph_write_trace(client.graph, mem), 0);
	fclose(mem);
	assert_non_null(strstr(json, "\"event\":\"tcp-state\""));
	assert_non_null(strstr(json, "\"from\":\"FIN-WAIT-2\",\"to\":\"TIME-WAIT\""));
	free(json);

	snprintf(path, sizeof(path), "rm -rf '%s' '%s'", dir_c, dir_s);
	if (!getenv("GRAPH_KEEP")) /* GRAPH_KEEP=1 leaves the pictures for a look */
		assert_int_equal(system(path), 0);
	tapir_graph_free(client.graph);
	tapir_graph_free(server.graph);
	tapir_stack_free(client.stack);
	tapir_stack_free(server.stack);
	tapir_link_close(la);
	tapir_link_close(lb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_handshake_data_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

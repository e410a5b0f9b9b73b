/*
 * test_graph.c — the graph collection without a stack: captures built in
 * memory (raw IP link type) and trace events fed straight to the sink.
 *
 * Inference: a close by each side, a simultaneous close (CLOSING), a
 * refused connection, a capture joined mid-connection, port reuse, and
 * retransmissions. Limits: connections and segments beyond the caps are
 * counted, not kept. Errors: not a pcap, an unsupported link type, a cut
 * short file, malformed and non-TCP packets. DOT stays valid with hostile
 * text in a cause.
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

#define C_IP   TAPIR_IP(10, 1, 0, 1)
#define S_IP   TAPIR_IP(10, 1, 0, 2)
#define C_PORT 40000
#define S_PORT 80
#define C_ISN  1000u
#define S_ISN  5000u
#define FIN    0x01
#define SYN    0x02
#define RST    0x04
#define PSH    0x08
#define ACK    0x10

static char dir[64];

/* ---- captures in memory ---------------------------------------------------------- */

struct capture {
	char *buf;
	size_t len;
	FILE *f;
	uint32_t usec;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void le32(FILE *f, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	fwrite(b, 1, 4, f);
}

static void cap_open(struct capture *c, uint32_t linktype)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->buf, &c->len);
	le32(c->f, 0xa1b2c3d4);
	le32(c->f, 2 | 4u << 16); /* version 2.4 */
	le32(c->f, 0);
	le32(c->f, 0);
	le32(c->f, 65535);
	le32(c->f, linktype);
}

static void cap_frame(struct capture *c, const uint8_t *frame, size_t len)
{
	c->usec += 1000; /* a millisecond apart */
	le32(c->f, 0);
	le32(c->f, c->usec);
	le32(c->f, (uint32_t)len);
	le32(c->f, (uint32_t)len);
	fwrite(frame, 1, len, c->f);
}

/* A segment from the client (from_client) or the server, as raw IPv4. */
static void cap_seg(struct capture *c, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack,
                    uint16_t len)
{
	uint8_t p[20 + 24 + 64] = {0};
	size_t hdr = (flags & SYN) ? 24 : 20;

	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + hdr + len));
	p[8] = 64;
	p[9] = 6;
	put32(p + 12, from_client ? C_IP : S_IP);
	put32(p + 16, from_client ? S_IP : C_IP);
	put16(p + 20, from_client ? C_PORT : S_PORT);
	put16(p + 22, from_client ? S_PORT : C_PORT);
	put32(p + 24, seq);
	put32(p + 28, ack);
	p[32] = (uint8_t)((hdr / 4) << 4);
	p[33] = flags;
	put16(p + 34, 64240);
	if (flags & SYN) { /* MSS 1460 */
		p[40] = 2;
		p[41] = 4;
		put16(p + 42, 1460);
	}
	cap_frame(c, p, 20 + hdr + (len < 64 ? len : 64));
}

static struct tapir_graph *cap_read(struct capture *c, int *result, char *err, size_t cap)
{
	struct tapir_graph *g;
	FILE *in;

	fclose(c->f);
	assert_int_equal(tapir_graph_new(dir, "test", &g), 0);
	in = fmemopen(c->buf, c->len, "rb");
	assert_non_null(in);
	*result = tapir_graph_read_pcap_stream(g, in, err, cap);
	free(c->buf);
	return g;
}

static struct tapir_graph *cap_read_ok(struct capture *c)
{
	char err[256] = "";
	int r;
	struct tapir_graph *g = cap_read(c, &r, err, sizeof(err));

	if (r != 0)
		fail_msg("reading the capture: %s", err);
	return g;
}

static void assert_path(const struct tapir_graph *g, unsigned n, int side, const char *want)
{
	char path[512];

	assert_int_equal(tapir_graph_path(g, n, side, path, sizeof(path)), 0);
	assert_string_equal(path, want);
}

static void handshake(struct capture *c)
{
	cap_seg(c, true, SYN, C_ISN, 0, 0);
	cap_seg(c, false, SYN | ACK, S_ISN, C_ISN + 1, 0);
	cap_seg(c, true, ACK, C_ISN + 1, S_ISN + 1, 0);
}

/* ---- inference ---------------------------------------------------------------------- */

static void test_close_by_server(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c, 101);
	handshake(&c);
	cap_seg(&c, false, PSH | ACK | FIN, S_ISN + 1, C_ISN + 1, 10);
	cap_seg(&c, true, ACK, C_ISN + 1, S_ISN + 12, 0);
	cap_seg(&c, true, FIN | ACK, C_ISN + 1, S_ISN + 12, 0);
	cap_seg(&c, false, ACK, S_ISN + 12, C_ISN + 2, 0);
	struct tapir_graph *g = cap_read_ok(&c);
	assert_int_equal(tapir_graph_stats(g).conns, 1);
	assert_path(g, 0, 0, "CLOSED SYN-SENT ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED");
	assert_path(g, 0, 1,
	            "CLOSED LISTEN SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT");
	assert_int_equal(tapir_graph_stats(g).unexplained, 0);
	tapir_graph_free(g);
}

/* Both send FIN before either sees the other's: FIN-WAIT-1 -> CLOSING. */
static void test_simultaneous_close(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c, 101);
	handshake(&c);
	cap_seg(&c, true, FIN | ACK, C_ISN + 1, S_ISN + 1, 0);
	cap_seg(&c, false, FIN | ACK, S_ISN + 1, C_ISN + 1, 0);
	cap_seg(&c, true, ACK, C_ISN + 2, S_ISN + 2, 0);
	cap_seg(&c, false, ACK, S_ISN + 2, C_ISN + 2, 0);
	struct tapir_graph *g = cap_read_ok(&c);
	assert_path(g, 0, 0, "CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 CLOSING TIME-WAIT");
	assert_path(g, 0, 1, "CLOSED LISTEN SYN-RECEIVED ESTABLISHED FIN-WAIT-1 CLOSING TIME-WAIT");
	tapir_graph_free(g);
}

static void test_refused(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c, 101);
	cap_seg(&c, true, SYN, C_ISN, 0, 0);
	cap_seg(&c, false, RST | ACK, 0, C_ISN + 1, 0);
	struct tapir_graph *g = cap_read_ok(&c);
	assert_path(g, 0, 0, "CLOSED SYN-SENT CLOSED");
	assert_path(g, 0, 1, "");
	tapir_graph_free(g);
}

/* No handshake in the capture: both sides start in ESTABLISHED. */
static void test_joined_midway(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c, 101);
	cap_seg(&c, true, PSH | ACK, C_ISN + 1, S_ISN + 1, 5);
	cap_seg(&c, false, ACK, S_ISN + 1, C_ISN + 6, 0);
	cap_seg(&c, true, FIN | ACK, C_ISN + 6, S_ISN + 1, 0);
	struct tapir_graph *g = cap_read_ok(&c);
	/* A FIN nobody acknowledged yet is not known to have arrived. */
	assert_path(g, 0, 1, "ESTABLISHED");
	tapir_graph_free(g);

	cap_open(&c, 101);
	cap_seg(&c, true, PSH | ACK, C_ISN + 1, S_ISN + 1, 5);
	cap_seg(&c, false, ACK, S_ISN + 1, C_ISN + 6, 0);
	cap_seg(&c, true, FIN | ACK, C_ISN + 6, S_ISN + 1, 0);
	cap_seg(&c, false, ACK, S_ISN + 1, C_ISN + 7, 0);
	g = cap_read_ok(&c);
	assert_path(g, 0, 0, "ESTABLISHED FIN-WAIT-1 FIN-WAIT-2");
	assert_path(g, 0, 1, "ESTABLISHED CLOSE-WAIT");
	tapir_graph_free(g);
}

/* The same 4-tuple used again after the first connection ended. */
static void test_port_reuse(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c, 101);
	for (uint32_t k = 0; k < 2; k++) {
		uint32_t ci = C_ISN + k * 100000, si = S_ISN + k * 100000;

		cap_seg(&c, true, SYN, ci, 0, 0);
		cap_seg(&c, false, SYN | ACK, si, ci + 1, 0);
		cap_seg(&c, true, ACK, ci + 1, si + 1, 0);
		cap_seg(&c, true, RST, ci + 1, 0, 0);
	}
	struct tapir_graph *g = cap_read_ok(&c);
	assert_int_equal(tapir_graph_stats(g).conns, 2);
	assert_path(g, 1, 0, "CLOSED SYN-SENT ESTABLISHED CLOSED");
	assert_path(g, 1, 1, "CLOSED LISTEN SYN-RECEIVED ESTABLISHED CLOSED");
	tapir_graph_free(g);
}

/* A data segment sent twice is drawn as a retransmission; the trace of the
 * inferred transitions is JSON Lines with both endpoints. */
static void test_retransmission_and_trace(void **state)
{
	struct capture c;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	cap_open(&c, 101);
	handshake(&c);
	cap_seg(&c, true, PSH | ACK, C_ISN + 1, S_ISN + 1, 10);
	cap_seg(&c, true, PSH | ACK, C_ISN + 1, S_ISN + 1, 10);
	cap_seg(&c, false, ACK, S_ISN + 1, C_ISN + 11, 0);
	struct tapir_graph *g = cap_read_ok(&c);
	f = open_memstream(&out, &len);
	assert_int_equal(tapir_graph_compare(g, "a", g, "b", f), 0);
	fclose(f);
	assert_non_null(strstr(out, "<th>retransmissions (client)</th><td>1: PSH,ACK len=10"));
	assert_non_null(strstr(out, "(retransmission)"));
	free(out);
	f = open_memstream(&out, &len);
	assert_int_equal(tapir_graph_write_trace(g, f), 0);
	fclose(f);
	assert_non_null(strstr(out, "{\"time_us\":1000,\"event\":\"tcp-state\",\"level\":\"info\","
	                            "\"conn\":1,\"local_ip\":\"10.1.0.1\",\"local_port\":40000,"
	                            "\"remote_ip\":\"10.1.0.2\",\"remote_port\":80,\"from\":"
	                            "\"CLOSED\",\"to\":\"SYN-SENT\""));
	assert_non_null(strstr(out, "\"conn\":2,\"local_ip\":\"10.1.0.2\""));
	free(out);
	tapir_graph_free(g);
}

/* ---- limits --------------------------------------------------------------------------- */

static void test_connection_cap(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c, 101);
	for (uint32_t k = 0; k < TAPIR_GRAPH_MAX_CONNS + 10; k++) {
		cap_seg(&c, true, SYN, C_ISN + k * 7919, 0, 0);
		cap_seg(&c, false, RST | ACK, 0, C_ISN + k * 7919 + 1, 0);
	}
	struct tapir_graph *g = cap_read_ok(&c);
	assert_int_equal(tapir_graph_stats(g).conns, TAPIR_GRAPH_MAX_CONNS);
	assert_int_equal(tapir_graph_stats(g).conns_dropped, 10);
	tapir_graph_free(g);
}

static void test_segment_cap(void **state)
{
	struct capture c;
	char path[200];

	(void)state;
	cap_open(&c, 101);
	handshake(&c);
	for (uint32_t k = 0; k < TAPIR_GRAPH_MAX_SEGMENTS + 100; k++)
		cap_seg(&c, true, ACK, C_ISN + 1 + k, S_ISN + 1, 1);
	cap_seg(&c, true, FIN | ACK, C_ISN + 1 + TAPIR_GRAPH_MAX_SEGMENTS + 100, S_ISN + 1, 0);
	struct tapir_graph *g = cap_read_ok(&c);
	/* The inference goes on past the cap: the FIN still counts. */
	assert_path(g, 0, 0, "CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1");
	assert_int_equal(tapir_graph_finish(g), 0);
	snprintf(path, sizeof(path), "%s/conn-1-ladder.svg", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char svg[1 << 20];
	size_t n = fread(svg, 1, sizeof(svg) - 1, f);
	svg[n] = '\0';
	fclose(f);
	assert_non_null(strstr(svg, "104 more segments not drawn (limit 1024)"));
	tapir_graph_free(g);
}

/* ---- errors ----------------------------------------------------------------------------- */

static void test_not_a_pcap(void **state)
{
	static char junk[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
	struct tapir_graph *g;
	char err[256];
	FILE *in = fmemopen(junk, sizeof(junk), "rb");

	(void)state;
	assert_int_equal(tapir_graph_new(dir, "test", &g), 0);
	assert_int_equal(tapir_graph_read_pcap_stream(g, in, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a pcap"));
	assert_int_equal(tapir_graph_read_pcap(g, "/nonexistent/x.pcap", err, sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, "cannot open"));
	tapir_graph_free(g);
}

static void test_unsupported_link(void **state)
{
	struct capture c;
	char err[256];
	int r;

	(void)state;
	cap_open(&c, 105); /* IEEE 802.11 */
	struct tapir_graph *g = cap_read(&c, &r, err, sizeof(err));
	assert_int_equal(r, -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "not supported"));
	tapir_graph_free(g);
}

static void test_cut_short(void **state)
{
	struct capture c;
	char err[256];
	int r;

	(void)state;
	cap_open(&c, 101);
	handshake(&c);
	fflush(c.f);
	c.len -= 5; /* the last packet loses its end */
	fseek(c.f, (long)c.len, SEEK_SET);
	struct tapir_graph *g = cap_read(&c, &r, err, sizeof(err));
	assert_int_equal(r, -EIO);
	assert_non_null(strstr(err, "cut short after 2 packets"));
	assert_int_equal(tapir_graph_stats(g).packets, 2);
	tapir_graph_free(g);
}

static void test_malformed_and_other_packets(void **state)
{
	struct capture c;
	uint8_t bad_ihl[40] = {0x43}, udp[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17};
	uint8_t eth_arp[42] = {0};
	uint8_t short_tcp[30] = {0x45, 0, 0, 30, 0, 0, 0, 0, 64, 6};

	(void)state;
	cap_open(&c, 101);
	cap_frame(&c, bad_ihl, sizeof(bad_ihl));
	cap_frame(&c, udp, sizeof(udp));
	cap_frame(&c, short_tcp, sizeof(short_tcp));
	cap_frame(&c, eth_arp, 0);
	struct tapir_graph *g = cap_read_ok(&c);
	struct tapir_graph_stats s = tapir_graph_stats(g);
	assert_int_equal(s.packets, 4);
	assert_int_equal(s.not_tcp, 1);
	assert_int_equal(s.malformed, 3);
	assert_int_equal(s.conns, 0);
	tapir_graph_free(g);

	cap_open(&c, 1); /* Ethernet: an ARP frame is not TCP */
	eth_arp[12] = 0x08;
	eth_arp[13] = 0x06;
	cap_frame(&c, eth_arp, sizeof(eth_arp));
	g = cap_read_ok(&c);
	assert_int_equal(tapir_graph_stats(g).not_tcp, 1);
	tapir_graph_free(g);
}

/* ---- the live sink and DOT ------------------------------------------------------------ */

/* A cause with quotes, backslashes and newlines still gives valid DOT, drawn
 * as a transition that is not in the table. */
static void test_hostile_cause(void **state)
{
	struct tapir_graph *g;
	struct tapir_event ev = {.time = 5, .kind = TAPIR_EV_TCP_STATE};
	char cmd[200];

	(void)state;
	assert_int_equal(tapir_graph_new(dir, "x\" <b>", &g), 0);
	ev.u.tcp_state.conn = (struct tapir_tcp_conn_id){7, C_IP, S_IP, C_PORT, S_PORT};
	ev.u.tcp_state.from = "CLOSED";
	ev.u.tcp_state.to = "ESTAB\"\\LISHED";
	ev.u.tcp_state.cause = "a \"quote\" \\ and\na newline";
	tapir_graph_sink(g, &ev);
	assert_int_equal(tapir_graph_finish(g), 0);
	snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s/conn-7.dot' -o /dev/null", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "grep -q 'not-in-table' '%s/conn-7.dot'", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s/summary.dot' -o /dev/null", dir);
	assert_int_equal(system(cmd), 0);
	tapir_graph_free(g);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tapir-test-graph.%d", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_close_by_server),
	    cmocka_unit_test(test_simultaneous_close),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_joined_midway),
	    cmocka_unit_test(test_port_reuse),
	    cmocka_unit_test(test_retransmission_and_trace),
	    cmocka_unit_test(test_connection_cap),
	    cmocka_unit_test(test_segment_cap),
	    cmocka_unit_test(test_not_a_pcap),
	    cmocka_unit_test(test_unsupported_link),
	    cmocka_unit_test(test_cut_short),
	    cmocka_unit_test(test_malformed_and_other_packets),
	    cmocka_unit_test(test_hostile_cause),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

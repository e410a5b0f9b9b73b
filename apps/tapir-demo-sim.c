/*
 * tapir-demo-sim — the session of `make demo` on the sim link, for machines
 * where the lab network cannot be made (no root, no /dev/net/tun).
 *
 * Two tapir stacks sit back to back on the in-memory sim link and run on a
 * virtual clock. tapir itself is 10.0.0.2, with the HTTP server and the
 * WebSocket echo route of tapir-httpd. The peer, 10.0.0.1, stands in for
 * the Linux kernel of the real demo: its ping, dnsmasq, curl and Node's ws
 * client. Step by step:
 *
 *   1. tapir's resolver looks www.lab up in a one-name DNS server on the
 *      peer (tapir announces itself and asks for the peer's MAC with ARP);
 *   2. the peer pings tapir twice;
 *   3. the peer GETs http://www.lab/ and then closes the connection first,
 *      so tapir goes through CLOSE-WAIT and LAST-ACK;
 *   4. the peer sends a WebSocket message to /ws/echo, gets it back and
 *      starts the closing handshake; tapir closes TCP first (RFC 6455
 *      7.1.1), so it goes through FIN-WAIT and TIME-WAIT;
 *   5. the clock runs on until both stacks have closed every connection
 *      (TIME-WAIT lasts 2 MSL: a minute that takes no time here).
 *
 * --pcap, --trace and --graph record tapir's side, as in every program.
 * Exit status 0 only when every step did what it should, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "tapir/dns.h"
#include "tapir/graph.h"
#include "tapir/http.h"
#include "tapir/icmp.h"
#include "tapir/tcp.h"
#include "tapir/udp.h"
#include "tapir/ws.h"
#include "viz_render.h"
#include "wire/dns.h"

#define TAPIR_ADDR   TAPIR_IP(10, 0, 0, 2)
#define PEER_ADDR    TAPIR_IP(10, 0, 0, 1)
#define SITE_NAME    "www.lab"
#define SITE_TTL     300
#define PINGS        2
#define PING_WAIT    TAPIR_SECONDS(1) /* ping -W 1: a reply later than this is lost */
#define WS_PATH      "/ws/echo"
#define WS_MESSAGE   "hello, tapir"
#define LINK_LATENCY 500 /* microseconds each way on the sim wire */
#define START_TIME   TAPIR_SECONDS(1)
#define STEP_LIMIT   TAPIR_SECONDS(60) /* virtual time a step may take (losses included) */
#define TURNS_MAX    2000000ul         /* loop turns per step, in case nothing moves */
#define PAGE_MAX     (256 * 1024)      /* the largest index.html the demo compares */
#define PATH_LEN     256

/* One side's TCP connections (listeners aside), followed through its trace. */
struct conn_watch {
	unsigned opened, closed; /* connections that left CLOSED / came back to it */
	bool last_ack;           /* some connection was closed by the peer first */
	bool time_wait;          /* some connection was closed by this side first */
	char path[PATH_LEN];     /* the states of the latest connection */
};

struct demo {
	const char *root;
	struct app_options opt;
	tapir_time now;
	struct tapir_link *peer_link, *tapir_link;
	struct tapir_stack *peer, *tapir;
	struct tapir_trace peer_trace, tapir_trace;
	struct conn_watch peer_conns, tapir_conns;
	struct tapir_text_sink text_sink;
	struct tapir_jsonl_sink jsonl_sink;
	struct tapir_graph *graph;
	/* tapir's services and the peer's DNS server. */
	struct tapir_http_server *http;
	struct tapir_ws_server *ws_server;
	struct tapir_dns *resolver;
	struct tapir_udp *dns_server;
	/* Step 1: DNS. */
	bool dns_done;
	tapir_ip site_addr;
	/* Step 2: ping. */
	tapir_time ping_sent[PINGS + 1]; /* by sequence number, from 1 */
	unsigned pings_sent, pings_answered;
	/* Step 3: HTTP. */
	char *page; /* root/index.html, what GET / should return */
	size_t page_len;
	struct tapir_http_client *http_client;
	bool http_done, http_reusable, body_differs;
	int http_error;
	unsigned http_status;
	size_t body_len;
	/* Step 4: WebSocket. */
	struct tapir_ws *ws;
	bool ws_echoed, ws_closed, ws_clean;
	uint16_t ws_code;
};

static tapir_time min_time(tapir_time a, tapir_time b)
{
	return a < b ? a : b;
}

static double seconds(tapir_time t)
{
	return (double)t / 1e6;
}

/* Unix time in microseconds, to date the capture and the HTTP responses
 * (the stacks themselves only ever see the virtual clock). */
static tapir_time wall_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (tapir_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- following the TCP states on both sides ---------------------------------------- */

static void watch_tcp_state(struct conn_watch *w, const struct tapir_event *ev)
{
	const char *from = ev->u.tcp_state.from, *to = ev->u.tcp_state.to;
	size_t used;

	if (ev->u.tcp_state.conn.remote_port == 0)
		return; /* a listener */
	if (strcmp(from, "CLOSED") == 0) {
		w->opened++;
		snprintf(w->path, sizeof(w->path), "%s", from);
	}
	used = strlen(w->path);
	snprintf(w->path + used, sizeof(w->path) - used, " -> %s", to);
	if (strcmp(to, "CLOSED") == 0)
		w->closed++;
	if (strcmp(to, "LAST-ACK") == 0)
		w->last_ack = true;
	if (strcmp(to, "TIME-WAIT") == 0)
		w->time_wait = true;
}

static void conn_watch_sink(void *user, const struct tapir_event *ev)
{
	if (ev->kind == TAPIR_EV_TCP_STATE)
		watch_tcp_state(user, ev);
}

/* ---- the virtual clock -------------------------------------------------------------- */

typedef bool (*done_fn)(const struct demo *d);

/* Poll both stacks at the current virtual time and move the clock on to
 * whatever is due next (a timer, a frame on the wire) until done(d), or
 * until `limit` of virtual time has passed (returns false). */
static bool run_until(struct demo *d, done_fn done, tapir_time limit)
{
	tapir_time end = d->now + limit;

	for (unsigned long turn = 0; turn < TURNS_MAX; turn++) {
		tapir_time next = tapir_stack_poll(d->peer, d->now);

		next = min_time(next, tapir_stack_poll(d->tapir, d->now));
		next = min_time(next, tapir_link_next_due(d->peer_link, d->now));
		next = min_time(next, tapir_link_next_due(d->tapir_link, d->now));
		if (done(d))
			return true;
		if (next > end) {
			d->now = end;
			return false;
		}
		if (next > d->now)
			d->now = next;
	}
	return false;
}

static bool never(const struct demo *d)
{
	(void)d;
	return false;
}

/* Let `dt` of virtual time pass with both stacks running. */
static void run_for(struct demo *d, tapir_time dt)
{
	run_until(d, never, dt);
}

/* ---- step 1: DNS ------------------------------------------------------------------------ */

/* The answer of a server that knows one name (RFC 1035 4.1): the header
 * with QR and AA set, the question copied, www.lab's A record when it was
 * asked for; NXDOMAIN for other names. Returns its length, or 0 to ignore
 * the message (not a query, or no room). */
static size_t dns_answer(const uint8_t *query, size_t len, uint8_t *out, size_t cap)
{
	struct dns_message msg;
	struct dns_name site;
	struct dns_header h;
	struct dns_builder b;
	struct dns_rdata rdata = {.type = DNS_TYPE_A, .u.a = TAPIR_ADDR};
	size_t end;
	bool known, answered;

	if (dns_parse_question(query, len, &msg, &end) != TAPIR_DROP_NONE || msg.header.qr ||
	    !msg.has_question || dns_name_from_text(SITE_NAME, &site) < 0)
		return 0;
	known = dns_name_equal(&msg.question.name, &site);
	answered = known && msg.question.type == DNS_TYPE_A && msg.question.qclass == DNS_CLASS_IN;
	memset(&h, 0, sizeof(h));
	h.id = msg.header.id;
	h.qr = true;
	h.aa = true;
	h.rd = msg.header.rd;
	h.rcode = known ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN;
	h.qdcount = 1;
	h.ancount = answered ? 1 : 0;
	dns_builder_init(&b, out, cap);
	dns_build_header(&b, &h);
	dns_build_question(&b, &msg.question);
	if (answered)
		dns_build_rr(&b, &site, DNS_CLASS_IN, SITE_TTL, &rdata);
	return b.overflow ? 0 : b.len;
}

static void on_dns_query(void *user, struct tapir_udp *sock)
{
	struct demo *d = user;
	uint8_t query[DNS_UDP_MAX], answer[DNS_UDP_MAX];
	struct tapir_udp_endpoint from;
	int n;

	while ((n = tapir_udp_recvfrom(sock, query, sizeof(query), &from)) > 0) {
		size_t len = dns_answer(query, (size_t)n, answer, sizeof(answer));

		if (len > 0)
			tapir_udp_sendto(sock, &from, answer, len, d->now);
	}
}

static void on_dns_result(void *user, const struct tapir_dns_result *r)
{
	struct demo *d = user;
	char status[128], server[TAPIR_IP_STRLEN];

	d->dns_done = true;
	tapir_dns_result_format(r, status, sizeof(status));
	tapir_ip_format(r->server, server);
	printf("   status: %s, %zu answer(s) from %s in %.1f ms\n", status,
	       r->count[TAPIR_DNS_ANSWER], server, (double)r->elapsed / 1000);
	for (size_t i = 0; i < r->count[TAPIR_DNS_ANSWER]; i++) {
		const struct tapir_dns_rr *rr = &r->section[TAPIR_DNS_ANSWER][i];
		char type[TAPIR_DNS_TYPE_STRLEN];

		tapir_dns_type_format(rr->type, type);
		printf("   %s\t%u\tIN\t%s\t%s\n", rr->name, rr->ttl, type, rr->text);
	}
	if (r->error == 0 && r->rcode == TAPIR_DNS_NOERROR && r->naddrs > 0)
		d->site_addr = r->addrs[0];
}

static bool dns_done(const struct demo *d)
{
	return d->dns_done;
}

static bool step_dns(struct demo *d)
{
	struct tapir_dns_config cfg;
	int err;

	printf(
	    "\n1. ARP and DNS: tapir's resolver asks the peer's DNS server (10.0.0.1:53) for %s\n",
	    SITE_NAME);
	tapir_dns_config_default(&cfg);
	cfg.servers[0] = PEER_ADDR;
	cfg.nservers = 1;
	err = tapir_udp_open(d->peer, &d->dns_server);
	if (err == 0)
		err = tapir_udp_bind(d->dns_server, 53);
	if (err == 0)
		err = tapir_dns_new(d->tapir, &cfg, &d->resolver);
	if (err == 0) {
		tapir_udp_set_callback(d->dns_server, on_dns_query, d);
		long q =
		    tapir_dns_resolve(d->resolver, SITE_NAME, TAPIR_DNS_TYPE_A, on_dns_result, d);
		err = q < 0 ? (int)q : 0;
	}
	if (err < 0) {
		printf("   cannot start the lookup: %s\n", tapir_strerror(err));
		return false;
	}
	run_until(d, dns_done, STEP_LIMIT);
	return d->site_addr == TAPIR_ADDR;
}

/* ---- step 2: the peer pings tapir ----------------------------------------------------- */

static void on_echo_reply(void *user, const struct tapir_echo_reply *reply)
{
	struct demo *d = user;
	char from[TAPIR_IP_STRLEN];

	if (reply->seq != d->pings_sent)
		return; /* not the ping being waited for (a late reply counts as lost) */
	tapir_ip_format(reply->from, from);
	printf("   %zu bytes from %s: icmp_seq=%u ttl=%u time=%.1f ms\n", reply->len, from,
	       reply->seq, reply->ttl, (double)(reply->time - d->ping_sent[reply->seq]) / 1000);
	d->pings_answered++;
}

static bool ping_answered(const struct demo *d)
{
	return d->pings_answered == d->pings_sent;
}

static bool step_ping(struct demo *d)
{
	static const uint8_t data[] = "tapir demo ping";

	printf("\n2. Ping: the peer (10.0.0.1) pings tapir (10.0.0.2) %d times\n", PINGS);
	tapir_icmp_set_echo_handler(d->peer, on_echo_reply, d);
	for (uint16_t seq = 1; seq <= PINGS; seq++) {
		tapir_time sent = d->now;

		d->ping_sent[seq] = sent;
		d->pings_sent++;
		if (tapir_icmp_echo_send(d->peer, TAPIR_ADDR, 1, seq, data, sizeof(data), d->now) <
		    0)
			break;
		run_until(d, ping_answered, PING_WAIT);
		if (seq < PINGS && d->now < sent + TAPIR_MS(200))
			run_for(d, sent + TAPIR_MS(200) - d->now); /* ping -i 0.2 */
	}
	tapir_icmp_set_echo_handler(d->peer, NULL, NULL);
	printf("   %u packets transmitted, %u received\n", d->pings_sent, d->pings_answered);
	return d->pings_answered > 0; /* as ping's exit status: some reply came */
}

/* ---- step 3: HTTP GET, the peer closes first ---------------------------------------------- */

static void on_http_connected(void *user)
{
	struct demo *d = user;
	int err = tapir_http_client_request(d->http_client, "GET", "/", SITE_NAME, NULL);

	if (err < 0) {
		d->http_error = err;
		d->http_done = true;
	}
}

static void on_http_head(void *user, const struct tapir_http_message *msg)
{
	struct demo *d = user;

	d->http_status = msg->status;
	printf("   HTTP/%u.%u %u %s\n", msg->version / 10, msg->version % 10, msg->status,
	       msg->reason);
	for (size_t i = 0; i < msg->nheaders; i++)
		printf("   %s: %s\n", msg->headers[i].name, msg->headers[i].value);
}

static void on_http_body(void *user, const uint8_t *data, size_t len)
{
	struct demo *d = user;

	if (d->body_len + len > d->page_len || memcmp(d->page + d->body_len, data, len) != 0)
		d->body_differs = true;
	d->body_len += len;
}

static void on_http_done(void *user, int error, bool reusable)
{
	struct demo *d = user;

	d->http_error = error;
	d->http_reusable = reusable;
	d->http_done = true;
}

static bool http_done(const struct demo *d)
{
	return d->http_done;
}

static bool tapir_all_closed(const struct demo *d)
{
	return d->tapir_conns.closed == d->tapir_conns.opened;
}

static bool step_http(struct demo *d)
{
	static const struct tapir_http_client_callbacks cb = {
	    .connected = on_http_connected,
	    .head = on_http_head,
	    .body = on_http_body,
	    .done = on_http_done,
	};
	char addr[TAPIR_IP_STRLEN];
	int err;
	bool ok;

	tapir_ip_format(d->site_addr, addr);
	printf("\n3. HTTP: the peer GETs http://%s/ (at %s) from tapir's server, then closes the "
	       "connection\n",
	       SITE_NAME, addr);
	err = tapir_http_client_new(d->peer, d->site_addr, 80, &cb, d, &d->http_client);
	if (err < 0) {
		printf("   cannot connect: %s\n", tapir_strerror(err));
		return false;
	}
	run_until(d, http_done, STEP_LIMIT);
	ok = d->http_done && d->http_error == 0 && d->http_status == 200 && !d->body_differs &&
	     d->body_len == d->page_len;
	printf("   the body: %zu bytes, %s %s/index.html\n", d->body_len,
	       ok ? "the same as" : "NOT the same as", d->root);
	if (d->http_error < 0)
		printf("   the response failed: %s\n", tapir_strerror(d->http_error));
	/* A kept-alive connection that the client is done with: its close comes
	 * first, as curl's does when it exits. */
	tapir_http_client_free(d->http_client);
	d->http_client = NULL;
	if (!run_until(d, tapir_all_closed, STEP_LIMIT))
		ok = false;
	printf("   the peer closed first; tapir: %s\n", d->tapir_conns.path);
	return ok && d->http_reusable && d->tapir_conns.last_ack;
}

/* ---- step 4: a WebSocket echo, tapir closes TCP first --------------------------------------- */

static void on_ws_open(void *user, struct tapir_ws *ws)
{
	(void)user;
	printf("   open; sent: %s\n", WS_MESSAGE);
	tapir_ws_send_text(ws, WS_MESSAGE, strlen(WS_MESSAGE));
}

static void on_ws_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
                          const uint8_t *data, size_t len)
{
	struct demo *d = user;

	printf("   echo: %.*s\n", (int)len, (const char *)data);
	d->ws_echoed = type == TAPIR_WS_TEXT && len == strlen(WS_MESSAGE) &&
	               memcmp(data, WS_MESSAGE, len) == 0;
	tapir_ws_close(ws, 1000, "demo over");
}

static void on_ws_close(void *user, struct tapir_ws *ws, uint16_t code, const char *reason,
                        bool clean)
{
	struct demo *d = user;

	(void)ws;
	printf("   closed: %u (%s), %s\n", code, reason, clean ? "clean" : "not clean");
	d->ws_closed = true;
	d->ws_clean = clean;
	d->ws_code = code;
}

static bool ws_closed(const struct demo *d)
{
	return d->ws_closed;
}

static bool tapir_in_time_wait(const struct demo *d)
{
	return d->tapir_conns.time_wait;
}

static bool step_ws(struct demo *d)
{
	static const struct tapir_ws_callbacks cb = {
	    .on_open = on_ws_open, .on_message = on_ws_message, .on_close = on_ws_close};
	struct tapir_ws_client_config cfg = {
	    .ip = d->site_addr, .port = 80, .host = SITE_NAME, .path = WS_PATH};
	int err;
	bool ok;

	printf("\n4. WebSocket: the peer opens ws://%s%s, sends a message, gets it back and "
	       "closes\n",
	       SITE_NAME, WS_PATH);
	err = tapir_ws_connect(d->peer, &cfg, &cb, d, &d->ws);
	if (err < 0) {
		printf("   cannot connect: %s\n", tapir_strerror(err));
		return false;
	}
	run_until(d, ws_closed, STEP_LIMIT);
	ok = d->ws_echoed && d->ws_closed && d->ws_clean && d->ws_code == 1000;
	tapir_ws_free(d->ws);
	d->ws = NULL;
	run_until(d, tapir_in_time_wait, STEP_LIMIT);
	printf("   tapir closed the TCP connection first (RFC 6455 7.1.1: the server does);\n"
	       "   tapir so far: %s\n",
	       d->tapir_conns.path);
	return ok && d->tapir_conns.time_wait;
}

/* ---- step 5: every connection closed on both sides --------------------------------------------
 */

static bool all_closed(const struct demo *d)
{
	return tapir_all_closed(d) && d->peer_conns.closed == d->peer_conns.opened;
}

static bool step_closed(struct demo *d)
{
	tapir_time msl = d->opt.msl > 0 ? d->opt.msl : TAPIR_SECONDS(TAPIR_TCP_MSL_S);
	bool ok;

	printf("\n5. The clock runs on until both stacks have closed every connection\n");
	ok = run_until(d, all_closed, 2 * msl + STEP_LIMIT);
	printf("   %s at t = %.3f s of virtual time: TIME-WAIT lasts 2 MSL = %.0f s,\n"
	       "   which on the virtual clock takes no time at all\n"
	       "   tapir: %s\n",
	       ok ? "all closed" : "NOT all closed", seconds(d->now), seconds(2 * msl),
	       d->tapir_conns.path);
	return ok;
}

/* ---- setting up and tearing down ------------------------------------------------------------- */

/* The page GET / should return: root/index.html, read whole. */
static int read_page(struct demo *d)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/index.html", d->root);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "tapir-demo-sim: cannot read %s: %s (use --root DIR)\n", path,
		        strerror(errno));
		return -1;
	}
	d->page = malloc(PAGE_MAX);
	d->page_len = d->page ? fread(d->page, 1, PAGE_MAX, f) : 0;
	fclose(f);
	if (!d->page || d->page_len == PAGE_MAX) {
		fprintf(stderr, "tapir-demo-sim: %s is missing or larger than %d bytes\n", path,
		        PAGE_MAX);
		return -1;
	}
	return 0;
}

static int open_outputs(struct demo *d)
{
	int err;

	tapir_trace_init(&d->tapir_trace);
	tapir_trace_init(&d->peer_trace);
	tapir_trace_attach(&d->tapir_trace, conn_watch_sink, &d->tapir_conns);
	tapir_trace_attach(&d->peer_trace, conn_watch_sink, &d->peer_conns);
	if (d->opt.log) {
		d->text_sink.out = stderr;
		d->text_sink.level = d->opt.log_level;
		tapir_trace_attach(&d->tapir_trace, tapir_text_sink, &d->text_sink);
	}
	if (d->opt.trace) {
		d->jsonl_sink.out = fopen(d->opt.trace, "w");
		if (!d->jsonl_sink.out) {
			fprintf(stderr, "tapir-demo-sim: cannot write trace '%s': %s\n",
			        d->opt.trace, strerror(errno));
			return -1;
		}
		tapir_trace_attach(&d->tapir_trace, tapir_jsonl_sink, &d->jsonl_sink);
	}
	if (d->opt.graph) {
		err = tapir_graph_new(d->opt.graph, "tapir-demo-sim", &d->graph);
		if (err < 0) {
			fprintf(stderr, "tapir-demo-sim: cannot write graphs into '%s': %s\n",
			        d->opt.graph, tapir_strerror(err));
			return -1;
		}
		tapir_trace_attach(&d->tapir_trace, tapir_graph_sink, d->graph);
	}
	return 0;
}

/* The sim wire, with tapir's end wrapped like a TAP device in the other
 * programs: faults first, the capture outside them (apps/common.c). */
static int open_links(struct demo *d)
{
	struct tapir_link *link;
	int err = tapir_sim_pair(LINK_LATENCY, TAPIR_MTU_DEFAULT, &d->peer_link, &link);

	if (err == 0 && tapir_faults_any(&d->opt.faults)) {
		struct tapir_link *faulty;

		err = tapir_fault_open(link, &d->opt.faults, &faulty);
		if (err < 0)
			tapir_link_close(link);
		link = err < 0 ? NULL : faulty;
	}
	if (err == 0 && d->opt.pcap) {
		struct tapir_link *captured;

		/* Wireshark shows today's date: the virtual clock starts now. */
		err = tapir_capture_open(link, d->opt.pcap, wall_clock() - START_TIME, &captured);
		if (err < 0)
			tapir_link_close(link);
		link = err < 0 ? NULL : captured;
	}
	d->tapir_link = link;
	if (err < 0)
		fprintf(stderr, "tapir-demo-sim: cannot open the sim link%s: %s\n",
		        d->opt.pcap ? " and its capture" : "", tapir_strerror(err));
	return err;
}

static int new_stack(struct tapir_link *link, tapir_ip ip, bool announce, uint64_t seed,
                     struct tapir_trace *trace, tapir_time msl, struct tapir_stack **out)
{
	struct tapir_stack_config cfg;
	int err;

	tapir_stack_config_default(&cfg);
	cfg.ip = ip;
	cfg.prefix_len = 24;
	cfg.gateway = 0;
	cfg.send_gratuitous_arp = announce;
	cfg.seed = seed;
	err = tapir_stack_new(&cfg, link, trace, START_TIME, out);
	if (err == 0 && msl > 0)
		err = tapir_tcp_set_msl(*out, msl);
	return err;
}

/* tapir-httpd's services: HTTP on port 80 with the site, WebSocket echo. */
static int start_services(struct demo *d)
{
	struct tapir_http_server_config cfg;
	int err;

	tapir_http_server_config_default(&cfg);
	cfg.root = d->root;
	cfg.wall_offset = wall_clock() - START_TIME;
	err = tapir_http_server_new(d->tapir, &cfg, &d->http);
	if (err == 0)
		err = tapir_ws_server_new(d->tapir, &d->ws_server);
	if (err == 0)
		err = tapir_ws_route_echo(d->ws_server, WS_PATH);
	if (err == 0)
		err = tapir_ws_server_attach(d->ws_server, d->http);
	return err;
}

static int demo_start(struct demo *d)
{
	/* Repeatable by default: the same seed gives the same run. */
	uint64_t seed = d->opt.seed_given ? d->opt.faults.seed : 1;
	int err;

	d->now = START_TIME;
	d->opt.faults.seed = seed;
	if (read_page(d) < 0 || open_outputs(d) < 0 || open_links(d) < 0)
		return -1;
	err = new_stack(d->peer_link, PEER_ADDR, false, seed + 1, &d->peer_trace, d->opt.msl,
	                &d->peer);
	if (err == 0)
		err = new_stack(d->tapir_link, TAPIR_ADDR, true, seed, &d->tapir_trace, d->opt.msl,
		                &d->tapir);
	if (err == 0)
		err = start_services(d);
	if (err < 0) {
		fprintf(stderr, "tapir-demo-sim: cannot start the stacks: %s\n",
		        tapir_strerror(err));
		return -1;
	}
	return 0;
}

static void demo_finish(struct demo *d)
{
	if (d->opt.stats && d->tapir)
		tapir_stats_print(tapir_stack_stats(d->tapir), stderr);
	tapir_ws_free(d->ws);
	tapir_http_client_free(d->http_client);
	tapir_dns_free(d->resolver);
	tapir_udp_close(d->dns_server);
	tapir_ws_server_free(d->ws_server);
	tapir_http_server_free(d->http);
	tapir_stack_free(d->tapir);
	tapir_stack_free(d->peer);
	tapir_link_close(d->tapir_link);
	tapir_link_close(d->peer_link);
	if (d->graph) {
		int err = tapir_graph_finish(d->graph);

		if (err < 0)
			fprintf(stderr, "tapir-demo-sim: writing graphs into %s: %s\n",
			        d->opt.graph, tapir_strerror(err));
		else if (viz_render_dir(d->opt.graph, "tapir-demo-sim") == 0)
			fprintf(stderr, "tapir-demo-sim: graphs in %s/index.html\n", d->opt.graph);
		tapir_graph_free(d->graph);
	}
	if (d->jsonl_sink.out)
		fclose(d->jsonl_sink.out);
	free(d->page);
}

enum { OPT_ROOT = 2000 };

static const struct option demo_options[] = {
    {"root", required_argument, NULL, OPT_ROOT},
    {NULL, 0, NULL, 0},
};

static int demo_option(void *ctx, int opt, const char *arg)
{
	struct demo *d = ctx;

	if (opt != OPT_ROOT)
		return -1;
	d->root = arg;
	return 0;
}

int main(int argc, char **argv)
{
	static struct demo d = {.root = "www"};
	struct app_spec spec = {
	    .name = "tapir-demo-sim",
	    .usage = "[--root DIR]",
	    .summary = "The session of `make demo` between two tapir stacks on the sim link "
	               "(no root needed).",
	    .help =
	        "  --root DIR         the site tapir serves (default www, run from the "
	        "checkout)\n"
	        "tapir is 10.0.0.2, the peer standing in for the kernel 10.0.0.1: --tap, --ip,\n"
	        "--gateway and --mac do not apply. --pcap, --trace and --graph record tapir's\n"
	        "side; faults apply to tapir's end of the wire. The run is the same every\n"
	        "time (seed 1 unless --seed N).\n",
	    .shortopts = "",
	    .longopts = demo_options,
	    .option = demo_option,
	    .ctx = &d,
	};
	bool ok;

	if (app_parse(argc, argv, &spec, &d.opt) != argc) {
		fprintf(stderr, "tapir-demo-sim: no arguments expected (see --help)\n");
		return 2;
	}
	printf("The sim link: two tapir stacks back to back, %d us apart, on a virtual clock.\n"
	       "tapir is 10.0.0.2 (HTTP server and WebSocket echo, as tapir-httpd); the peer,\n"
	       "10.0.0.1, plays the Linux kernel's part (ping, a DNS server, curl, a ws client).\n",
	       LINK_LATENCY);
	ok = demo_start(&d) == 0;
	ok = ok && step_dns(&d);
	ok = ok && step_ping(&d);
	ok = ok && step_http(&d);
	ok = ok && step_ws(&d);
	ok = ok && step_closed(&d);
	demo_finish(&d);
	printf("\n%s\n", ok ? "Every step worked." : "A step FAILED: see above.");
	return ok ? 0 : 1;
}

/*
 * test_dns_resolver.c — the stub resolver (stack/dns/) on the harness' sim
 * link, the test playing the name server 10.0.0.1 (and 192.0.2.53 behind
 * it) on a virtual clock: the query on the wire, answers checked against
 * ID, question and server, retransmission with backoff and failover, the
 * cache (TTLs, RFC 2308 negative caching, size bound, flush), the hosts
 * table, CNAME chains, hostile answers, and the TCP retry of a TC answer.
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

#include "../lib/harness.h"
#include "tapir/dns.h"
#include "wire/dns.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"

#define SERVER2   TAPIR_IP(192, 0, 2, 53) /* off-link: reached through the gateway */
#define ELSEWHERE TAPIR_IP(192, 0, 2, 99)

struct got {
	unsigned calls;
	int error;
	enum tapir_drop last_refusal;
	uint8_t rcode;
	bool from_cache, from_hosts, over_tcp;
	tapir_ip server;
	tapir_time elapsed;
	unsigned queries;
	size_t answers, authority;
	size_t naddrs;
	tapir_ip addr;
	uint32_t ttl; /* of the first answer */
	char text[TAPIR_DNS_RDATA_TEXT];
};

struct t {
	struct harness h;
	struct tapir_dns *dns;
	struct tapir_dns_config cfg;
	struct got got;
};

/* A query the stack sent, as the server sees it. */
struct seen {
	tapir_ip dst;
	uint16_t sport, dport;
	struct dns_message msg;
	uint8_t bytes[DNS_UDP_MAX];
	size_t len;
};

static void on_result(void *user, const struct tapir_dns_result *r)
{
	struct got *g = user;

	g->calls++;
	g->error = r->error;
	g->last_refusal = r->last_refusal;
	g->rcode = r->rcode;
	g->from_cache = r->from_cache;
	g->from_hosts = r->from_hosts;
	g->over_tcp = r->over_tcp;
	g->server = r->server;
	g->elapsed = r->elapsed;
	g->queries = r->queries;
	g->answers = r->count[TAPIR_DNS_ANSWER];
	g->authority = r->count[TAPIR_DNS_AUTHORITY];
	g->naddrs = r->naddrs;
	g->addr = r->naddrs ? r->addrs[0] : 0;
	g->ttl = g->answers ? r->section[TAPIR_DNS_ANSWER][0].ttl : 0;
	snprintf(g->text, sizeof(g->text), "%s",
	         g->answers ? r->section[TAPIR_DNS_ANSWER][g->answers - 1].text : "");
}

static int setup_with(void **state, unsigned nservers, tapir_time timeout, unsigned tries)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(harness_setup(&t->h), 0);
	tapir_dns_config_default(&t->cfg);
	t->cfg.servers[1] = SERVER2;
	t->cfg.nservers = nservers;
	t->cfg.timeout = timeout;
	t->cfg.tries = tries;
	assert_int_equal(tapir_dns_new(t->h.stack, &t->cfg, &t->dns), 0);
	*state = t;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, 1, TAPIR_SECONDS(1), 3);
}

static int setup_two_servers(void **state)
{
	return setup_with(state, 2, TAPIR_SECONDS(1), 2);
}

static int teardown(void **state)
{
	struct t *t = *state;

	tapir_dns_free(t->dns);
	harness_teardown(&t->h);
	free(t);
	return 0;
}

static void dump_events(const struct harness *h)
{
	size_t from = h->nevents > 40 ? h->nevents - 40 : 0;

	for (size_t i = from; i < h->nevents; i++)
		fprintf(stderr, "  | %s\n", h->events[i]);
}

/* ---- the server's side ------------------------------------------------------------- */

static struct dns_name name_of(const char *text)
{
	struct dns_name n;

	assert_int_equal(dns_name_from_text(text, &n), 0);
	return n;
}

/* The next DNS query the stack sent over UDP (false when none). */
static bool next_query(struct t *t, struct seen *s)
{
	uint8_t buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip;
	struct udp_datagram d;

	while (harness_recv_ip(&t->h, &ip, buf, sizeof(buf))) {
		if (ip.protocol != IPV4_PROTO_UDP)
			continue;
		assert_int_equal(udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &d),
		                 TAPIR_DROP_NONE);
		assert_true(d.payload_len <= sizeof(s->bytes));
		memcpy(s->bytes, d.payload, d.payload_len);
		s->len = d.payload_len;
		s->dst = ip.dst;
		s->sport = d.src_port;
		s->dport = d.dst_port;
		assert_int_equal(dns_parse(s->bytes, s->len, &s->msg), TAPIR_DROP_NONE);
		return true;
	}
	return false;
}

static void expect_query(struct t *t, struct seen *s, const char *name, uint16_t type)
{
	if (!next_query(t, s)) {
		dump_events(&t->h);
		fail_msg("expected a query for %s", name);
	}
	struct dns_name want = name_of(name);

	assert_true(dns_name_equal(&s->msg.question.name, &want));
	assert_int_equal(s->msg.question.type, type);
}

/* Deliver a UDP datagram from from_ip:from_port to the stack's port. */
static void send_udp_from(struct t *t, tapir_ip from_ip, uint16_t from_port, uint16_t to_port,
                          const uint8_t *data, size_t len)
{
	uint8_t frame[TAPIR_FRAME_MAX + 65536];
	uint8_t *udp = frame + ETH_HEADER_LEN + IPV4_HEADER_LEN;
	struct udp_datagram d = {
	    .src_port = from_port, .dst_port = to_port, .payload = data, .payload_len = len};
	size_t n = udp_emit(&d, from_ip, HARNESS_STACK_IP, udp, 65536);
	struct eth_header eth = {
	    .dst = HARNESS_STACK_MAC, .src = HARNESS_PEER_MAC, .type = ETH_TYPE_IPV4};
	struct ipv4_header ip = {
	    .total_len = (uint16_t)(IPV4_HEADER_LEN + n),
	    .id = t->h.next_ip_id++,
	    .ttl = 64,
	    .protocol = IPV4_PROTO_UDP,
	    .src = from_ip,
	    .dst = HARNESS_STACK_IP,
	    .header_len = IPV4_HEADER_LEN,
	};

	assert_true(n > 0);
	assert_true(IPV4_HEADER_LEN + n <= TAPIR_MTU_DEFAULT);
	eth_emit(&eth, frame, ETH_HEADER_LEN);
	ipv4_emit(&ip, frame + ETH_HEADER_LEN, IPV4_HEADER_LEN);
	harness_send_frame(&t->h, frame, ETH_HEADER_LEN + IPV4_HEADER_LEN + n);
}

static void reply(struct t *t, const struct seen *s, const uint8_t *data, size_t len)
{
	send_udp_from(t, s->dst, s->dport, s->sport, data, len);
}

/* An answer message being put together by the test's "server". */
struct answer {
	uint8_t buf[4096];
	struct dns_builder b;
	struct dns_header h;
	size_t counts_at;
};

/* Start an answer to `s` (same ID and question), rcode given. */
static void answer_begin(struct answer *a, const struct seen *s, uint8_t rcode)
{
	memset(&a->h, 0, sizeof(a->h));
	a->h.id = s->msg.header.id;
	a->h.qr = true;
	a->h.rd = s->msg.header.rd;
	a->h.ra = true;
	a->h.rcode = rcode;
	a->h.qdcount = 1;
	dns_builder_init(&a->b, a->buf, sizeof(a->buf));
	dns_build_header(&a->b, &a->h);
	dns_build_question(&a->b, &s->msg.question);
}

static void answer_rr(struct answer *a, enum dns_section sec, const char *owner, uint32_t ttl,
                      const struct dns_rdata *rd)
{
	struct dns_name n = name_of(owner);

	assert_int_equal(dns_build_rr(&a->b, &n, DNS_CLASS_IN, ttl, rd), 0);
	if (sec == DNS_ANSWER)
		a->h.ancount++;
	else if (sec == DNS_AUTHORITY)
		a->h.nscount++;
	else
		a->h.arcount++;
}

static void answer_a(struct answer *a, const char *owner, uint32_t ttl, tapir_ip ip)
{
	struct dns_rdata rd = {.type = DNS_TYPE_A, .u.a = ip};

	answer_rr(a, DNS_ANSWER, owner, ttl, &rd);
}

static void answer_cname(struct answer *a, const char *owner, uint32_t ttl, const char *target)
{
	struct dns_rdata rd = {.type = DNS_TYPE_CNAME, .u.target = name_of(target)};

	answer_rr(a, DNS_ANSWER, owner, ttl, &rd);
}

static void answer_soa(struct answer *a, uint32_t ttl, uint32_t minimum)
{
	struct dns_rdata rd = {.type = DNS_TYPE_SOA,
	                       .u.soa = {.mname = name_of("ns.lab"),
	                                 .rname = name_of("hostmaster.lab"),
	                                 .serial = 1,
	                                 .refresh = 3600,
	                                 .retry = 600,
	                                 .expire = 86400,
	                                 .minimum = minimum}};

	answer_rr(a, DNS_AUTHORITY, "lab", ttl, &rd);
}

/* Patch the counts into the header and send it to the query's port. */
static void answer_send(struct t *t, struct answer *a, const struct seen *s)
{
	uint8_t *p = a->buf;

	assert_false(a->b.overflow);
	p[6] = (uint8_t)(a->h.ancount >> 8);
	p[7] = (uint8_t)a->h.ancount;
	p[8] = (uint8_t)(a->h.nscount >> 8);
	p[9] = (uint8_t)a->h.nscount;
	p[10] = (uint8_t)(a->h.arcount >> 8);
	p[11] = (uint8_t)a->h.arcount;
	reply(t, s, a->buf, a->b.len);
}

/* Resolve, take the query off the wire and answer with one A record. */
static void lookup_answered(struct t *t, const char *name, tapir_ip ip, uint32_t ttl)
{
	struct seen s;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, name, DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, name, DNS_TYPE_A);
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	answer_a(&a, name, ttl, ip);
	answer_send(t, &a, &s);
}

/* ---- the query on the wire ----------------------------------------------------------- */

static void test_query_is_a_standard_recursive_query(void **state)
{
	struct t *t = *state;
	struct seen s;

	assert_int_equal(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got), 1);
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
	assert_int_equal(s.dst, HARNESS_PEER_IP);
	assert_int_equal(s.dport, 53);
	assert_true(s.sport >= TAPIR_EPHEMERAL_FIRST);
	/* Flags: QR 0, opcode QUERY, RD 1, nothing else (RFC 1035 4.1.1). */
	assert_int_equal(s.bytes[2], 0x01);
	assert_int_equal(s.bytes[3], 0x00);
	assert_int_equal(s.msg.header.qdcount, 1);
	assert_int_equal(s.msg.header.ancount + s.msg.header.nscount + s.msg.header.arcount, 0);
	assert_int_equal(s.msg.question.qclass, DNS_CLASS_IN);
	assert_int_equal(s.len, 12 + 9 + 4);
	assert_false(next_query(t, &s)); /* exactly one */
	harness_poll(&t->h);
	assert_int_equal(t->got.calls, 0); /* not before an answer */
	assert_true(harness_find_event(&t->h, 0, "dns #1 query-sent www.lab. A") >= 0);
	assert_true(harness_find_event(&t->h, 0, "dns #1 state www.lab. A FREE -> WAIT-UDP") >= 0);
}

static void test_each_query_has_its_own_id_and_port(void **state)
{
	struct t *t = *state;
	struct seen s1, s2;

	assert_true(tapir_dns_resolve(t->dns, "a.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	assert_true(tapir_dns_resolve(t->dns, "b.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s1, "a.lab", DNS_TYPE_A);
	expect_query(t, &s2, "b.lab", DNS_TYPE_A);
	assert_int_not_equal(s1.sport, s2.sport);
	assert_int_not_equal(s1.msg.header.id, s2.msg.header.id);
}

static void test_answer_is_delivered_with_its_details(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
	harness_advance(&t->h, TAPIR_MS(5));
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	answer_a(&a, "www.lab", 300, TAPIR_IP(10, 0, 0, 80));
	answer_send(t, &a, &s);

	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.error, 0);
	assert_int_equal(t->got.rcode, DNS_RCODE_NOERROR);
	assert_false(t->got.from_cache);
	assert_int_equal(t->got.server, HARNESS_PEER_IP);
	assert_int_equal(t->got.elapsed, TAPIR_MS(5));
	assert_int_equal(t->got.answers, 1);
	assert_int_equal(t->got.naddrs, 1);
	assert_int_equal(t->got.addr, TAPIR_IP(10, 0, 0, 80));
	assert_int_equal(t->got.ttl, 300);
	assert_string_equal(t->got.text, "10.0.0.80");
	assert_int_equal(t->got.queries, 1);
	assert_true(harness_find_event(&t->h, 0, "dns #1 answer www.lab. A") >= 0);
	assert_true(harness_find_event(&t->h, 0, "dns #1 done www.lab. A") >= 0);
	assert_true(harness_find_event(&t->h, 0, "WAIT-UDP -> DONE") >= 0);
	/* The socket is closed: a late duplicate gets ICMP port unreachable. */
	harness_advance(&t->h, TAPIR_SECONDS(10));
	assert_int_equal(t->got.calls, 1);
}

/* ---- answers that are not ours --------------------------------------------------------- */

static void test_wrong_id_is_ignored_and_counted(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	answer_a(&a, "www.lab", 300, TAPIR_IP(6, 6, 6, 6));
	a.buf[0] ^= 0x5a; /* another ID */
	answer_send(t, &a, &s);
	assert_int_equal(t->got.calls, 0);
	assert_int_equal(harness_drops(&t->h, TAPIR_DROP_DNS_WRONG_ID), 1);
	assert_true(harness_find_event(&t->h, 0, "refused www.lab. A") >= 0);

	/* The real answer still gets through. */
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	answer_a(&a, "www.lab", 300, TAPIR_IP(10, 0, 0, 80));
	answer_send(t, &a, &s);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.addr, TAPIR_IP(10, 0, 0, 80));
}

static void test_wrong_question_is_ignored_and_counted(void **state)
{
	struct t *t = *state;
	struct seen s, forged;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
	/* Same ID, another name. */
	forged = s;
	forged.msg.question.name = name_of("evil.lab");
	answer_begin(&a, &forged, DNS_RCODE_NOERROR);
	answer_a(&a, "evil.lab", 300, TAPIR_IP(6, 6, 6, 6));
	answer_send(t, &a, &s);
	/* Same ID and name, another type. */
	forged = s;
	forged.msg.question.type = DNS_TYPE_MX;
	answer_begin(&a, &forged, DNS_RCODE_NOERROR);
	answer_send(t, &a, &s);
	/* A query, not a response. */
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	a.buf[2] &= 0x7f;
	answer_send(t, &a, &s);

	assert_int_equal(t->got.calls, 0);
	assert_int_equal(harness_drops(&t->h, TAPIR_DROP_DNS_WRONG_QUESTION), 2);
	assert_int_equal(harness_drops(&t->h, TAPIR_DROP_DNS_NOT_RESPONSE), 1);
	/* Case does not matter (RFC 1035 2.3.3): WWW.LAB is the same question. */
	forged = s;
	forged.msg.question.name = name_of("WWW.LAB");
	answer_begin(&a, &forged, DNS_RCODE_NOERROR);
	answer_a(&a, "WWW.LAB", 300, TAPIR_IP(10, 0, 0, 80));
	answer_send(t, &a, &s);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.addr, TAPIR_IP(10, 0, 0, 80));
}

static void test_wrong_server_is_ignored_and_counted(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	answer_a(&a, "www.lab", 300, TAPIR_IP(6, 6, 6, 6));
	send_udp_from(t, ELSEWHERE, 53, s.sport, a.buf, a.b.len);         /* another host */
	send_udp_from(t, HARNESS_PEER_IP, 5353, s.sport, a.buf, a.b.len); /* another port */
	send_udp_from(t, SERVER2, 53, s.sport, a.buf, a.b.len); /* a server, not asked yet */
	assert_int_equal(t->got.calls, 0);
	assert_int_equal(harness_drops(&t->h, TAPIR_DROP_DNS_WRONG_SERVER), 3);
}

/* ---- retransmission, backoff, failover (RFC 1035 7.2) ------------------------------------ */

static void test_retransmission_backs_off_then_times_out(void **state)
{
	struct t *t = *state; /* one server, 1 s, 3 tries */
	struct seen s0, s;
	tapir_time start = t->h.now;

	assert_true(tapir_dns_resolve(t->dns, "slow.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s0, "slow.lab", DNS_TYPE_A);
	harness_advance(&t->h, TAPIR_MS(999));
	assert_false(next_query(t, &s));
	harness_advance(&t->h, TAPIR_MS(1));
	expect_query(t, &s, "slow.lab", DNS_TYPE_A); /* at 1 s */
	assert_int_equal(s.msg.header.id, s0.msg.header.id);
	assert_int_equal(s.sport, s0.sport);
	assert_true(harness_find_event(&t->h, 0, "dns #1 retransmit slow.lab. A") >= 0);
	harness_advance(&t->h, TAPIR_MS(1999));
	assert_false(next_query(t, &s));
	harness_advance(&t->h, TAPIR_MS(1));
	expect_query(t, &s, "slow.lab", DNS_TYPE_A); /* at 3 s: waited 2 s */
	harness_advance(&t->h, TAPIR_MS(3999));
	assert_int_equal(t->got.calls, 0);
	harness_advance(&t->h, TAPIR_MS(1));
	assert_false(next_query(t, &s)); /* three tries, no fourth */
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.error, -ETIMEDOUT);
	assert_int_equal(t->got.elapsed, TAPIR_SECONDS(7));
	assert_int_equal(t->got.queries, 3);
	assert_int_equal(t->h.now - start, TAPIR_SECONDS(7));
}

static void test_failover_to_the_next_server(void **state)
{
	struct t *t = *state; /* 10.0.0.1 then 192.0.2.53, 1 s, 2 rounds */
	struct seen s1, s2;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s1, "www.lab", DNS_TYPE_A);
	assert_int_equal(s1.dst, HARNESS_PEER_IP);
	harness_advance(&t->h, TAPIR_SECONDS(1));
	expect_query(t, &s2, "www.lab", DNS_TYPE_A);
	assert_int_equal(s2.dst, SERVER2);
	answer_begin(&a, &s2, DNS_RCODE_NOERROR);
	answer_a(&a, "www.lab", 60, TAPIR_IP(10, 0, 0, 80));
	answer_send(t, &a, &s2);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.server, SERVER2);
	assert_int_equal(t->got.elapsed, TAPIR_SECONDS(1));
}

/* The host of the server `s` went to says port unreachable (no DNS server
 * runs there): ICMP quoting the query's IP header and UDP ports. */
static void refuse_with_icmp(struct t *t, const struct seen *s, uint16_t quoted_sport)
{
	uint8_t quote[IPV4_HEADER_LEN + 8] = {0}, msg_buf[64];
	struct ipv4_header ip = {.ttl = 64,
	                         .protocol = IPV4_PROTO_UDP,
	                         .src = HARNESS_STACK_IP,
	                         .dst = s->dst,
	                         .header_len = IPV4_HEADER_LEN,
	                         .total_len = 60};
	struct icmp_message msg = {.type = ICMP_DEST_UNREACHABLE,
	                           .code = ICMP_UNREACH_PORT,
	                           .data = quote,
	                           .data_len = sizeof(quote)};

	ipv4_emit(&ip, quote, sizeof(quote));
	quote[IPV4_HEADER_LEN] = (uint8_t)(quoted_sport >> 8);
	quote[IPV4_HEADER_LEN + 1] = (uint8_t)quoted_sport;
	quote[IPV4_HEADER_LEN + 2] = (uint8_t)(s->dport >> 8);
	quote[IPV4_HEADER_LEN + 3] = (uint8_t)s->dport;
	size_t n = icmp_emit(&msg, msg_buf, sizeof(msg_buf));
	harness_send_ip(&t->h, IPV4_PROTO_ICMP, msg_buf, n);
}

/* RFC 1122 4.1.3.3: a port unreachable for the query ends that attempt at
 * once; the next server is asked without waiting for the timeout. An
 * error about some other port changes nothing. */
static void test_port_unreachable_asks_the_next_server_at_once(void **state)
{
	struct t *t = *state; /* 10.0.0.1 then 192.0.2.53 */
	struct seen s1, s2;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s1, "www.lab", DNS_TYPE_A);
	refuse_with_icmp(t, &s1, (uint16_t)(s1.sport + 1));
	assert_false(next_query(t, &s2));
	assert_int_equal(harness_drops(&t->h, TAPIR_DROP_ICMP_UNHANDLED), 1);
	refuse_with_icmp(t, &s1, s1.sport);
	expect_query(t, &s2, "www.lab", DNS_TYPE_A);
	assert_int_equal(s2.dst, SERVER2);
	assert_int_equal(harness_counter(&t->h, TAPIR_CNT_UDP_ICMP_ERRORS), 1);
	answer_begin(&a, &s2, DNS_RCODE_NOERROR);
	answer_a(&a, "www.lab", 60, TAPIR_IP(10, 0, 0, 80));
	answer_send(t, &a, &s2);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.error, 0);
	assert_int_equal(t->got.server, SERVER2);
	assert_int_equal(t->got.elapsed, 0);
}

/* Every try refused: the lookup ends with -ECONNREFUSED at once instead
 * of -ETIMEDOUT after 7 s. */
static void test_refused_by_every_try(void **state)
{
	struct t *t = *state; /* one server, 1 s, 3 tries */
	struct seen s;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	for (int i = 0; i < 3; i++) {
		expect_query(t, &s, "www.lab", DNS_TYPE_A);
		assert_int_equal(t->got.calls, 0);
		refuse_with_icmp(t, &s, s.sport);
	}
	assert_false(next_query(t, &s));
	harness_advance(&t->h, 0);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.error, -ECONNREFUSED);
	assert_int_equal(t->got.queries, 3);
	assert_int_equal(t->got.elapsed, 0);
}

/* A refusal, then silence (the kernel rate-limits its ICMP errors): the
 * lookup still ends as refused, after the remaining tries time out. */
static void test_refused_then_silence_is_refused(void **state)
{
	struct t *t = *state; /* one server, 1 s, 3 tries */
	struct seen s;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
	refuse_with_icmp(t, &s, s.sport);
	expect_query(t, &s, "www.lab", DNS_TYPE_A); /* at once; waits 2 s (round 2) */
	harness_advance(&t->h, TAPIR_SECONDS(2));
	expect_query(t, &s, "www.lab", DNS_TYPE_A); /* waits 4 s */
	harness_advance(&t->h, TAPIR_SECONDS(4));
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.error, -ECONNREFUSED);
	assert_int_equal(t->got.elapsed, TAPIR_SECONDS(6));
}

static void test_second_round_doubles_the_timeout(void **state)
{
	struct t *t = *state;
	struct seen s;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
	harness_advance(&t->h, TAPIR_SECONDS(1));
	expect_query(t, &s, "www.lab", DNS_TYPE_A); /* server 2, round 1 */
	harness_advance(&t->h, TAPIR_SECONDS(1));
	expect_query(t, &s, "www.lab", DNS_TYPE_A); /* server 1, round 2: 2 s now */
	assert_int_equal(s.dst, HARNESS_PEER_IP);
	harness_advance(&t->h, TAPIR_MS(1999));
	assert_false(next_query(t, &s));
	harness_advance(&t->h, TAPIR_MS(1));
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
	assert_int_equal(s.dst, SERVER2);
	harness_advance(&t->h, TAPIR_SECONDS(2));
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.error, -ETIMEDOUT);
	assert_int_equal(t->got.elapsed, TAPIR_SECONDS(6));
}

static void test_servfail_asks_the_next_server_at_once(void **state)
{
	struct t *t = *state;
	struct seen s1, s2;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s1, "www.lab", DNS_TYPE_A);
	answer_begin(&a, &s1, DNS_RCODE_SERVFAIL);
	answer_send(t, &a, &s1);
	assert_int_equal(t->got.calls, 0);
	expect_query(t, &s2, "www.lab", DNS_TYPE_A); /* no waiting for the timeout */
	assert_int_equal(s2.dst, SERVER2);
	answer_begin(&a, &s2, DNS_RCODE_NOERROR);
	answer_a(&a, "www.lab", 60, TAPIR_IP(10, 0, 0, 80));
	answer_send(t, &a, &s2);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(t->got.server, SERVER2);
	assert_int_equal(t->got.elapsed, 0);
}

static void test_servfail_from_every_server_is_delivered(void **state)
{
	struct t *t = *state;
	struct seen s1, s2;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s1, "www.lab", DNS_TYPE_A);
	answer_begin(&a, &s1, DNS_RCODE_SERVFAIL);
	answer_send(t, &a, &s1);
	expect_query(t, &s2, "www.lab", DNS_TYPE_A);
	/* The second server says nothing: the lookup ends with the first
	 * server's SERVFAIL, not with a timeout. */
	harness_advance(&t->h, TAPIR_SECONDS(10));
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.error, 0);
	assert_int_equal(t->got.rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(t->got.server, HARNESS_PEER_IP);
}

/* ---- the cache (RFC 1035 7.4, RFC 2308) --------------------------------------------------- */

static void test_cache_hit_sends_nothing(void **state)
{
	struct t *t = *state;
	struct seen s;
	size_t before;

	lookup_answered(t, "www.lab", TAPIR_IP(10, 0, 0, 80), 300);
	assert_int_equal(t->got.calls, 1);
	harness_advance(&t->h, TAPIR_SECONDS(100));
	while (next_query(t, &s))
		;
	before = t->h.nevents;
	assert_true(tapir_dns_resolve(t->dns, "WWW.lab.", DNS_TYPE_A, on_result, &t->got) > 0);
	assert_int_equal(t->got.calls, 1); /* never inside resolve() */
	harness_poll(&t->h);
	assert_int_equal(t->got.calls, 2);
	assert_true(t->got.from_cache);
	assert_int_equal(t->got.addr, TAPIR_IP(10, 0, 0, 80));
	assert_int_equal(t->got.ttl, 200); /* counted down */
	assert_int_equal(t->got.elapsed, 0);
	assert_int_equal(t->got.queries, 0);
	assert_false(next_query(t, &s));
	assert_int_equal(harness_counter(&t->h, TAPIR_CNT_UDP_TX), 1);
	assert_true(harness_find_event(&t->h, before, "dns #2 cache-hit WWW.lab. A ttl=200") >= 0);
}

static void test_ttl_expiry_queries_again(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;

	lookup_answered(t, "www.lab", TAPIR_IP(10, 0, 0, 80), 30);
	harness_advance(&t->h, TAPIR_SECONDS(29));
	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	harness_poll(&t->h);
	assert_true(t->got.from_cache);
	assert_int_equal(t->got.ttl, 1);
	harness_advance(&t->h, TAPIR_SECONDS(1));
	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	assert_true(harness_find_event(&t->h, 0, "cache-expired www.lab. A ttl=30") >= 0);
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	answer_a(&a, "www.lab", 30, TAPIR_IP(10, 0, 0, 81));
	answer_send(t, &a, &s);
	assert_int_equal(t->got.calls, 3);
	assert_false(t->got.from_cache);
	assert_int_equal(t->got.addr, TAPIR_IP(10, 0, 0, 81));
}

static void test_nxdomain_is_cached_for_the_soa_minimum(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "nosuch.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "nosuch.lab", DNS_TYPE_A);
	answer_begin(&a, &s, DNS_RCODE_NXDOMAIN);
	answer_soa(&a, 600, 60); /* RFC 2308 5: min(600, 60) = 60 s */
	answer_send(t, &a, &s);
	assert_int_equal(t->got.rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(t->got.authority, 1);
	assert_true(harness_find_event(&t->h, 0, "cache-store nosuch.lab. A ttl=60") >= 0);

	/* Another type of the same name: NXDOMAIN covers every type. */
	harness_advance(&t->h, TAPIR_SECONDS(59));
	assert_true(tapir_dns_resolve(t->dns, "nosuch.lab", DNS_TYPE_AAAA, on_result, &t->got) > 0);
	harness_poll(&t->h);
	assert_int_equal(t->got.calls, 2);
	assert_true(t->got.from_cache);
	assert_int_equal(t->got.rcode, DNS_RCODE_NXDOMAIN);
	assert_false(next_query(t, &s));

	harness_advance(&t->h, TAPIR_SECONDS(1));
	assert_true(tapir_dns_resolve(t->dns, "nosuch.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "nosuch.lab", DNS_TYPE_A);
}

static void test_nodata_is_cached_per_type(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_AAAA, on_result, &t->got) > 0);
	expect_query(t, &s, "www.lab", DNS_TYPE_AAAA);
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	answer_soa(&a, 120, 300);
	answer_send(t, &a, &s);
	assert_int_equal(t->got.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(t->got.answers, 0);
	assert_true(harness_find_event(&t->h, 0,
	                               "ttl=120 rcode=NOERROR answers=0 (negative: NODATA)") >= 0);

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_AAAA, on_result, &t->got) > 0);
	harness_poll(&t->h);
	assert_true(t->got.from_cache);
	assert_false(next_query(t, &s));
	/* NODATA is about one type: A still goes out. */
	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
}

static void test_negative_answer_without_soa_is_not_cached(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "nosuch.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "nosuch.lab", DNS_TYPE_A);
	answer_begin(&a, &s, DNS_RCODE_NXDOMAIN);
	answer_send(t, &a, &s);
	assert_int_equal(t->got.rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(tapir_dns_cache_size(t->dns), 0);
	assert_true(tapir_dns_resolve(t->dns, "nosuch.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "nosuch.lab", DNS_TYPE_A);
}

static void test_servfail_is_delivered_not_cached(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "broken.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "broken.lab", DNS_TYPE_A);
	answer_begin(&a, &s, DNS_RCODE_SERVFAIL);
	answer_send(t, &a, &s);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.error, 0);
	assert_int_equal(t->got.rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(tapir_dns_cache_size(t->dns), 0);
}

static void test_cache_is_bounded_and_flushable(void **state)
{
	struct t *t = *state;
	char name[32];

	for (int i = 0; i < TAPIR_DNS_CACHE_ENTRIES + 5; i++) {
		snprintf(name, sizeof(name), "host%d.lab", i);
		lookup_answered(t, name, TAPIR_IP(10, 0, 1, i), 300);
		harness_advance(&t->h, TAPIR_MS(1));
	}
	assert_int_equal(t->got.calls, TAPIR_DNS_CACHE_ENTRIES + 5);
	assert_int_equal(tapir_dns_cache_size(t->dns), TAPIR_DNS_CACHE_ENTRIES);
	assert_true(harness_find_event(&t->h, 0, "evicted: cache full") >= 0);
	tapir_dns_cache_flush(t->dns);
	assert_int_equal(tapir_dns_cache_size(t->dns), 0);
}

/* ---- hosts table ---------------------------------------------------------------------------- */

static void test_hosts_table_is_checked_first(void **state)
{
	struct t *t = *state;
	struct seen s;

	assert_int_equal(tapir_dns_add_host(t->dns, "router.lab", TAPIR_IP(10, 0, 0, 1)), 0);
	assert_int_equal(tapir_dns_add_host(t->dns, "bad..name", 1), -EINVAL);
	assert_true(tapir_dns_resolve(t->dns, "Router.Lab", DNS_TYPE_A, on_result, &t->got) > 0);
	harness_poll(&t->h);
	assert_int_equal(t->got.calls, 1);
	assert_true(t->got.from_hosts);
	assert_int_equal(t->got.addr, TAPIR_IP(10, 0, 0, 1));
	assert_false(next_query(t, &s));
	assert_true(harness_find_event(&t->h, 0, "hosts-hit Router.Lab. A") >= 0);
	/* The table only knows addresses: MX goes to the server. */
	assert_true(tapir_dns_resolve(t->dns, "router.lab", DNS_TYPE_MX, on_result, &t->got) > 0);
	expect_query(t, &s, "router.lab", DNS_TYPE_MX);
}

/* ---- CNAME chains (RFC 1034 3.6.2) --------------------------------------------------------------
 */

static void test_cname_chain_in_one_answer(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "web.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "web.lab", DNS_TYPE_A);
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	answer_cname(&a, "web.lab", 300, "www.lab");
	answer_cname(&a, "www.lab", 300, "mail.lab");
	answer_a(&a, "mail.lab", 300, TAPIR_IP(10, 0, 0, 25));
	answer_a(&a, "other.lab", 300, TAPIR_IP(6, 6, 6, 6)); /* not on the chain */
	answer_send(t, &a, &s);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.answers, 4);
	assert_int_equal(t->got.naddrs, 1);
	assert_int_equal(t->got.addr, TAPIR_IP(10, 0, 0, 25));
	assert_int_equal(t->got.queries, 1);
}

static void test_cname_without_target_data_is_followed(void **state)
{
	struct t *t = *state;
	struct seen s1, s2;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "web.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s1, "web.lab", DNS_TYPE_A);
	answer_begin(&a, &s1, DNS_RCODE_NOERROR);
	answer_cname(&a, "web.lab", 300, "www.lab");
	answer_send(t, &a, &s1);
	assert_int_equal(t->got.calls, 0);
	/* A new query for the target, with a new ID and port. */
	expect_query(t, &s2, "www.lab", DNS_TYPE_A);
	assert_int_not_equal(s2.msg.header.id, s1.msg.header.id);
	assert_int_not_equal(s2.sport, s1.sport);
	assert_true(harness_find_event(&t->h, 0, "dns #1 cname www.lab. A") >= 0);
	/* An answer to the old question on the new port is not accepted. */
	reply(t, &s2, a.buf, a.b.len);
	assert_int_equal(t->got.calls, 0);
	answer_begin(&a, &s2, DNS_RCODE_NOERROR);
	answer_a(&a, "www.lab", 300, TAPIR_IP(10, 0, 0, 80));
	answer_send(t, &a, &s2);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.answers, 2);
	assert_int_equal(t->got.addr, TAPIR_IP(10, 0, 0, 80));
	assert_int_equal(t->got.queries, 2);

	/* Both links are cached: the next lookup of web.lab sends nothing. */
	assert_true(tapir_dns_resolve(t->dns, "web.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	harness_poll(&t->h);
	assert_int_equal(t->got.calls, 2);
	assert_true(t->got.from_cache);
	assert_int_equal(t->got.answers, 2);
	assert_int_equal(t->got.addr, TAPIR_IP(10, 0, 0, 80));
	assert_false(next_query(t, &s1));
}

static void test_cname_loop_is_bounded(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;

	assert_true(tapir_dns_resolve(t->dns, "a.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "a.lab", DNS_TYPE_A);
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	answer_cname(&a, "a.lab", 300, "b.lab");
	answer_cname(&a, "b.lab", 300, "a.lab");
	answer_send(t, &a, &s);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.error, -ELOOP);
}

/* ---- hostile answers ---------------------------------------------------------------------------
 */

static void test_hostile_answers_are_refused_then_timeout_says_why(void **state)
{
	struct t *t = *state;
	struct seen s;
	uint8_t msg[DNS_UDP_MAX];

	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
	/* The header and question, then one A record, cut short inside it. */
	memcpy(msg, s.bytes, s.len);
	msg[2] |= 0x80;
	msg[7] = 1;
	memcpy(msg + s.len, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x50", 16);
	reply(t, &s, msg, s.len + 5);
	assert_int_equal(harness_drops(&t->h, TAPIR_DROP_DNS_TRUNCATED), 1);
	/* The record's owner a pointer to itself: a compression loop. */
	msg[s.len + 1] = (uint8_t)s.len;
	reply(t, &s, msg, s.len + 16);
	assert_int_equal(harness_drops(&t->h, TAPIR_DROP_DNS_POINTER_LOOP), 1);
	/* A pointer past the end. */
	msg[s.len] = 0xc3;
	msg[s.len + 1] = 0xff;
	reply(t, &s, msg, s.len + 16);
	assert_int_equal(harness_drops(&t->h, TAPIR_DROP_DNS_BAD_POINTER), 1);
	assert_int_equal(t->got.calls, 0);

	harness_advance(&t->h, TAPIR_SECONDS(7));
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.error, -ETIMEDOUT);
	assert_int_equal(t->got.last_refusal, TAPIR_DROP_DNS_BAD_POINTER);
}

static void test_thousand_records_are_refused(void **state)
{
	struct t *t = *state;
	struct seen s;
	uint8_t *msg = malloc(12 + 64 + 1000 * 16);
	size_t len;

	assert_non_null(msg);
	assert_true(tapir_dns_resolve(t->dns, "www.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "www.lab", DNS_TYPE_A);
	memcpy(msg, s.bytes, s.len);
	msg[2] |= 0x80;
	msg[6] = 1000 >> 8;
	msg[7] = 1000 & 0xff;
	len = s.len;
	for (int i = 0; i < 1000; i++) {
		memcpy(msg + len,
		       "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x50", 16);
		len += 16;
	}
	/* 16 KB: more than one frame. Sent as what fits in one (the stack
	 * refuses it by its count before reading a record). */
	reply(t, &s, msg, 1400);
	assert_int_equal(harness_drops(&t->h, TAPIR_DROP_DNS_TOO_MANY_RECORDS), 1);
	assert_int_equal(t->got.calls, 0);
	free(msg);
}

/* ---- what the application and the trace get ----------------------------------------------- */

static bool kept; /* the result itself is only valid during the callback */
static struct tapir_dns_rr kept_rr[8];

static void keep_records(void *user, const struct tapir_dns_result *r)
{
	(void)user;
	kept = true;
	for (size_t i = 0; i < r->count[TAPIR_DNS_ANSWER] && i < 8; i++)
		kept_rr[i] = r->section[TAPIR_DNS_ANSWER][i];
}

static void test_records_are_printed_as_dig_prints_them(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;
	static const uint8_t txt[] = {9, 's', 'a', 'y', ' ', '"', 'h', 'i', '"', 0x01, 2, 'o', 'k'};
	static const uint8_t raw[] = {0xde, 0xad};
	struct dns_rdata rd;

	assert_true(tapir_dns_resolve(t->dns, "lab", DNS_TYPE_ANY, keep_records, NULL) > 0);
	expect_query(t, &s, "lab", DNS_TYPE_ANY);
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	rd = (struct dns_rdata){.type = DNS_TYPE_TXT, .u.txt = {txt, sizeof(txt)}};
	answer_rr(&a, DNS_ANSWER, "lab", 60, &rd);
	rd = (struct dns_rdata){.type = DNS_TYPE_MX,
	                        .u.mx = {.preference = 10, .exchange = name_of("mail.lab")}};
	answer_rr(&a, DNS_ANSWER, "lab", 60, &rd);
	rd = (struct dns_rdata){.type = DNS_TYPE_AAAA,
	                        .u.aaaa = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x26}};
	answer_rr(&a, DNS_ANSWER, "lab", 60, &rd);
	rd = (struct dns_rdata){.type = 99, .u.raw = {raw, sizeof(raw)}};
	answer_rr(&a, DNS_ANSWER, "lab", 60, &rd);
	rd = (struct dns_rdata){.type = DNS_TYPE_NS, .u.target = name_of("ns\\.1.lab")};
	answer_rr(&a, DNS_ANSWER, "lab", 60, &rd);
	answer_soa(&a, 300, 30);
	answer_send(t, &a, &s);

	assert_true(kept);
	assert_string_equal(kept_rr[0].name, "lab.");
	assert_string_equal(kept_rr[0].text, "\"say \\\"hi\\\"\\001\" \"ok\"");
	assert_string_equal(kept_rr[1].text, "10 mail.lab.");
	assert_string_equal(kept_rr[2].text, "2001:db8::26");
	assert_string_equal(kept_rr[3].text, "\\# 2 dead");
	assert_string_equal(kept_rr[4].text, "ns\\.1.lab.");
	assert_int_equal(kept_rr[4].type, DNS_TYPE_NS);
	assert_int_equal(kept_rr[4].ttl, 60);
}

static void test_trace_event_formats(void **state)
{
	struct tapir_event ev = {
	    .time = TAPIR_MS(1500), .kind = TAPIR_EV_DNS, .level = TAPIR_LOG_INFO};
	char line[1024];

	(void)state;
	ev.u.dns.what = TAPIR_DNS_EV_ANSWER;
	ev.u.dns.query = 3;
	ev.u.dns.name = "www.lab.";
	ev.u.dns.type = DNS_TYPE_AAAA;
	ev.u.dns.id = 4660;
	ev.u.dns.server = HARNESS_PEER_IP;
	ev.u.dns.rcode = DNS_RCODE_NXDOMAIN;
	ev.u.dns.elapsed = 1234;
	tapir_event_format_text(&ev, line, sizeof(line));
	assert_string_equal(line, "1.500000 dns #3 answer www.lab. AAAA id=4660 server=10.0.0.1 "
	                          "rcode=NXDOMAIN answers=0 elapsed=1.234ms");
	tapir_event_format_json(&ev, line, sizeof(line));
	assert_string_equal(
	    line, "{\"time_us\":1500000,\"event\":\"dns\",\"level\":\"info\",\"what\":"
	          "\"answer\",\"query\":3,\"name\":\"www.lab.\",\"type\":\"AAAA\",\"id\":"
	          "4660,\"server\":\"10.0.0.1\",\"tcp\":false,\"attempt\":0,\"rcode\":"
	          "\"NXDOMAIN\",\"ttl\":0,\"answers\":0,\"elapsed_us\":1234,\"from\":null,"
	          "\"to\":null,\"detail\":null}");
	ev.u.dns.what = TAPIR_DNS_EV_CACHE_HIT;
	ev.u.dns.server = 0;
	ev.u.dns.type = 65;
	ev.u.dns.ttl = 42;
	ev.u.dns.detail = "negative";
	tapir_event_format_text(&ev, line, sizeof(line));
	assert_string_equal(line, "1.500000 dns #3 cache-hit www.lab. TYPE65 ttl=42 "
	                          "rcode=NXDOMAIN answers=0 (negative)");
	tapir_event_format_json(&ev, line, sizeof(line));
	assert_non_null(strstr(line, "\"server\":null"));
}

static void test_type_and_rcode_names(void **state)
{
	char text[TAPIR_DNS_TYPE_STRLEN];
	uint16_t type;

	(void)state;
	tapir_dns_type_format(DNS_TYPE_MX, text);
	assert_string_equal(text, "MX");
	tapir_dns_type_format(4242, text);
	assert_string_equal(text, "TYPE4242");
	assert_int_equal(tapir_dns_type_parse("aaaa", &type), 0);
	assert_int_equal(type, DNS_TYPE_AAAA);
	assert_int_equal(tapir_dns_type_parse("TYPE65", &type), 0);
	assert_int_equal(type, 65);
	assert_int_equal(tapir_dns_type_parse("TYPE0", &type), -EINVAL);
	assert_int_equal(tapir_dns_type_parse("www.lab", &type), -EINVAL);
	assert_string_equal(tapir_dns_rcode_name(DNS_RCODE_NXDOMAIN), "NXDOMAIN");
	assert_string_equal(tapir_dns_rcode_name(12), "RESERVED");
}

/* ---- API errors ------------------------------------------------------------------------------ */

static void test_bad_names_and_full_table(void **state)
{
	struct t *t = *state;
	struct tapir_dns_config cfg;
	struct tapir_dns *d;

	assert_int_equal(tapir_dns_resolve(t->dns, "a..b", DNS_TYPE_A, on_result, NULL), -EINVAL);
	assert_int_equal(tapir_dns_resolve(t->dns, "", DNS_TYPE_A, on_result, NULL), -EINVAL);
	for (int i = 0; i < TAPIR_DNS_QUERIES_MAX; i++)
		assert_true(tapir_dns_resolve(t->dns, "x.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	assert_int_equal(tapir_dns_resolve(t->dns, "x.lab", DNS_TYPE_A, on_result, &t->got),
	                 -EBUSY);
	tapir_dns_config_default(&cfg);
	cfg.nservers = 0;
	assert_int_equal(tapir_dns_new(t->h.stack, &cfg, &d), -EINVAL);
}

/* ---- TC: ask again over TCP (RFC 1035 4.2.1, 4.2.2)
 * ---------------------------------------------- */

#define SERVER_ISS 5000u

static bool next_segment(struct t *t, struct tcp_segment *seg, uint8_t *buf, size_t cap)
{
	struct ipv4_header ip;

	while (harness_recv_ip(&t->h, &ip, buf, cap)) {
		if (ip.protocol != IPV4_PROTO_TCP)
			continue;
		assert_int_equal(tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, seg),
		                 TAPIR_DROP_NONE);
		return true;
	}
	return false;
}

static void send_segment(struct t *t, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
                         const uint8_t *data, size_t len)
{
	struct tcp_segment seg = {.src_port = 53,
	                          .dst_port = dport,
	                          .seq = seq,
	                          .ack = ack,
	                          .flags = flags,
	                          .window = 65535,
	                          .payload = data,
	                          .payload_len = len};
	uint8_t out[TAPIR_FRAME_MAX];
	size_t n;

	if (flags & TCP_FLAG_SYN) {
		seg.opt.has_mss = true;
		seg.opt.mss = 1460;
	}
	n = tcp_emit(&seg, HARNESS_PEER_IP, HARNESS_STACK_IP, out, sizeof(out));
	assert_true(n > 0);
	harness_send_ip(&t->h, IPV4_PROTO_TCP, out, n);
}

static void test_truncated_answer_is_asked_again_over_tcp(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;
	struct tcp_segment seg;
	uint8_t buf[TAPIR_FRAME_MAX], big[1400];
	uint16_t port;
	uint32_t iss, next_ack;
	struct dns_message q;
	size_t qlen;

	assert_true(tapir_dns_resolve(t->dns, "big.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "big.lab", DNS_TYPE_A);
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	a.buf[2] |= 0x02; /* TC: header and question only */
	answer_send(t, &a, &s);
	assert_true(harness_find_event(&t->h, 0, "tcp-fallback big.lab. A") >= 0);

	/* The SYN to port 53, then the handshake. */
	assert_true(next_segment(t, &seg, buf, sizeof(buf)));
	assert_int_equal(seg.flags, TCP_FLAG_SYN);
	assert_int_equal(seg.dst_port, 53);
	port = seg.src_port;
	iss = seg.seq;
	send_segment(t, port, TCP_FLAG_SYN | TCP_FLAG_ACK, SERVER_ISS, iss + 1, NULL, 0);

	/* The query with its 2-octet length (maybe after a bare ACK). */
	do {
		assert_true(next_segment(t, &seg, buf, sizeof(buf)));
	} while (seg.payload_len == 0);
	qlen = (size_t)((seg.payload[0] << 8) | seg.payload[1]);
	assert_int_equal(qlen + 2, seg.payload_len);
	assert_int_equal(dns_parse(seg.payload + 2, qlen, &q), TAPIR_DROP_NONE);
	assert_int_equal(q.header.id, s.msg.header.id);
	assert_true(dns_name_equal(&q.question.name, &s.msg.question.name));
	next_ack = seg.seq + (uint32_t)seg.payload_len;

	/* 40 A records: 680 octets, more than a UDP answer may carry. */
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	for (int i = 0; i < 40; i++)
		answer_a(&a, "big.lab", 300, TAPIR_IP(10, 0, 2, i));
	a.buf[6] = 0;
	a.buf[7] = 40;
	assert_true(a.b.len > DNS_UDP_MAX);
	big[0] = (uint8_t)(a.b.len >> 8);
	big[1] = (uint8_t)a.b.len;
	memcpy(big + 2, a.buf, a.b.len);
	send_segment(t, port, TCP_FLAG_ACK | TCP_FLAG_PSH, SERVER_ISS + 1, next_ack, big,
	             a.b.len + 2);
	if (t->got.calls != 1)
		dump_events(&t->h);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.error, 0);
	assert_true(t->got.over_tcp);
	assert_int_equal(t->got.answers, 40);
	assert_int_equal(t->got.naddrs, TAPIR_DNS_ADDRS_MAX);
	assert_true(harness_find_event(&t->h, 0, "TCP-CONNECT -> WAIT-TCP") >= 0);
	/* The resolver closes its side: a FIN follows. */
	while (next_segment(t, &seg, buf, sizeof(buf)) && !(seg.flags & TCP_FLAG_FIN))
		;
	assert_true(seg.flags & TCP_FLAG_FIN);
}

static void test_tcp_refused_falls_back_to_udp_tries(void **state)
{
	struct t *t = *state;
	struct seen s;
	struct answer a;
	struct tcp_segment seg;
	uint8_t buf[TAPIR_FRAME_MAX];

	assert_true(tapir_dns_resolve(t->dns, "big.lab", DNS_TYPE_A, on_result, &t->got) > 0);
	expect_query(t, &s, "big.lab", DNS_TYPE_A);
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	a.buf[2] |= 0x02;
	answer_send(t, &a, &s);
	assert_true(next_segment(t, &seg, buf, sizeof(buf)));
	assert_int_equal(seg.flags, TCP_FLAG_SYN);
	send_segment(t, seg.src_port, TCP_FLAG_RST | TCP_FLAG_ACK, 0, seg.seq + 1, NULL, 0);
	/* The next try goes out over UDP at once. */
	expect_query(t, &s, "big.lab", DNS_TYPE_A);
	assert_true(harness_find_event(&t->h, 0, "TCP retry failed") >= 0);
	answer_begin(&a, &s, DNS_RCODE_NOERROR);
	answer_a(&a, "big.lab", 300, TAPIR_IP(10, 0, 2, 1));
	answer_send(t, &a, &s);
	assert_int_equal(t->got.calls, 1);
	assert_int_equal(t->got.addr, TAPIR_IP(10, 0, 2, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_query_is_a_standard_recursive_query, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_each_query_has_its_own_id_and_port, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_answer_is_delivered_with_its_details, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_id_is_ignored_and_counted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_question_is_ignored_and_counted, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_server_is_ignored_and_counted,
	                                    setup_two_servers, teardown),
	    cmocka_unit_test_setup_teardown(test_retransmission_backs_off_then_times_out, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_port_unreachable_asks_the_next_server_at_once,
	                                    setup_two_servers, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_by_every_try, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_then_silence_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failover_to_the_next_server, setup_two_servers,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_second_round_doubles_the_timeout,
	                                    setup_two_servers, teardown),
	    cmocka_unit_test_setup_teardown(test_servfail_asks_the_next_server_at_once,
	                                    setup_two_servers, teardown),
	    cmocka_unit_test_setup_teardown(test_servfail_from_every_server_is_delivered,
	                                    setup_two_servers, teardown),
	    cmocka_unit_test_setup_teardown(test_cache_hit_sends_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ttl_expiry_queries_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nxdomain_is_cached_for_the_soa_minimum, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_nodata_is_cached_per_type, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_negative_answer_without_soa_is_not_cached, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_servfail_is_delivered_not_cached, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache_is_bounded_and_flushable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hosts_table_is_checked_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cname_chain_in_one_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cname_without_target_data_is_followed, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cname_loop_is_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_answers_are_refused_then_timeout_says_why,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thousand_records_are_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_records_are_printed_as_dig_prints_them, setup,
	                                    teardown),
	    cmocka_unit_test(test_trace_event_formats),
	    cmocka_unit_test(test_type_and_rcode_names),
	    cmocka_unit_test_setup_teardown(test_bad_names_and_full_table, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated_answer_is_asked_again_over_tcp, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_refused_falls_back_to_udp_tries, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

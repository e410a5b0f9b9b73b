/*
 * test_dns_lossy.c — the stub resolver (stack/dns/) against a small name
 * server written on tapir's own UDP sockets, two stacks on the sim wire with
 * the fault injector losing and duplicating frames, all on one virtual clock:
 *
 *   server 10.0.0.1 (port 53) -- fault -- sim wire (1 ms) -- fault -- resolver 10.0.0.2
 *
 * Retransmission must carry lookups through the loss (RFC 1035 7.2), every
 * answer must be the right one, the second round of the same names must come
 * from the cache without a datagram, the TTL running out must send them to
 * the wire again, and the same seed must give exactly the same run twice.
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

#include "tapir/dns.h"
#include "tapir/link.h"
#include "tapir/stack.h"
#include "tapir/trace.h"
#include "tapir/udp.h"
#include "wire/dns.h"

#define SERVER_IP TAPIR_IP(10, 0, 0, 1)
#define CLIENT_IP TAPIR_IP(10, 0, 0, 2)
#define NAMES     40
#define TTL_S     3600 /* longer than a round of lookups takes */
#define MAX_STEPS 2000000

struct side {
	struct tapir_link *wire, *link;
	struct tapir_stack *stack;
	struct tapir_trace trace;
	uint64_t hash;
	unsigned retransmits, cache_hits;
};

struct run {
	struct side server, client;
	struct tapir_udp *listener;
	struct tapir_dns *dns;
	tapir_time now;
	unsigned done[NAMES];
	tapir_ip addr[NAMES];
	bool cached[NAMES];
	int error[NAMES];
	unsigned answered;
};

struct lookup_ctx {
	struct run *run;
	unsigned index;
};

static struct lookup_ctx ctxs[NAMES];

static void record(void *user, const struct tapir_event *ev)
{
	struct side *s = user;
	char line[512];

	tapir_event_format_text(ev, line, sizeof(line));
	for (const char *p = line; *p; p++) {
		s->hash ^= (uint8_t)*p;
		s->hash *= 0x100000001b3ull;
	}
	if (strstr(line, " retransmit "))
		s->retransmits++;
	if (strstr(line, " cache-hit "))
		s->cache_hits++;
}

/* ---- the name server: hostN.lab A 10.0.1.N, TTL_S seconds ---------------------- */

static void serve_query(struct run *r, const uint8_t *q, size_t len,
                        const struct tapir_udp_endpoint *from)
{
	struct dns_message m;
	struct dns_builder b;
	uint8_t out[DNS_UDP_MAX];
	char text[DNS_NAME_TEXT_MAX];
	unsigned n;
	struct dns_header h;
	struct dns_rdata rd = {.type = DNS_TYPE_A};

	if (dns_parse(q, len, &m) != TAPIR_DROP_NONE || !m.has_question)
		return;
	dns_name_to_text(&m.question.name, text, sizeof(text));
	h = (struct dns_header){
	    .id = m.header.id, .qr = true, .aa = true, .rd = m.header.rd, .qdcount = 1};
	if (sscanf(text, "host%u.lab.", &n) == 1 && n < NAMES) {
		h.ancount = 1;
		rd.u.a = TAPIR_IP(10, 0, 1, n);
	} else {
		h.rcode = DNS_RCODE_NXDOMAIN;
	}
	dns_builder_init(&b, out, sizeof(out));
	dns_build_header(&b, &h);
	dns_build_question(&b, &m.question);
	if (h.ancount)
		dns_build_rr(&b, &m.question.name, DNS_CLASS_IN, TTL_S, &rd);
	tapir_udp_sendto(r->listener, from, out, b.len, r->now);
}

static void on_query(void *user, struct tapir_udp *sock)
{
	struct run *r = user;
	uint8_t buf[DNS_UDP_MAX];
	struct tapir_udp_endpoint from;
	int n;

	while ((n = tapir_udp_recvfrom(sock, buf, sizeof(buf), &from)) >= 0)
		serve_query(r, buf, (size_t)n, &from);
}

/* ---- the resolver's side ------------------------------------------------------------ */

static void on_result(void *user, const struct tapir_dns_result *res)
{
	struct lookup_ctx *c = user;
	struct run *r = c->run;

	r->done[c->index]++;
	r->error[c->index] = res->error;
	r->addr[c->index] = res->naddrs ? res->addrs[0] : 0;
	r->cached[c->index] = res->from_cache;
	r->answered++;
}

static void side_open(struct side *s, struct tapir_link *wire, tapir_ip ip, bool faults,
                      uint64_t seed, tapir_time now)
{
	struct tapir_stack_config cfg;
	struct tapir_faults f = {.loss_pct = 20, .duplicate_pct = 5, .seed = seed};

	s->wire = wire;
	s->link = wire;
	if (faults)
		assert_int_equal(tapir_fault_open(wire, &f, &s->link), 0);
	tapir_trace_init(&s->trace);
	tapir_trace_attach(&s->trace, record, s);
	tapir_stack_config_default(&cfg);
	cfg.ip = ip;
	cfg.gateway = 0;
	cfg.seed = seed;
	assert_int_equal(tapir_stack_new(&cfg, s->link, &s->trace, now, &s->stack), 0);
}

static void run_open(struct run *r, bool faults, uint64_t seed)
{
	struct tapir_link *a, *b;
	struct tapir_dns_config cfg;

	memset(r, 0, sizeof(*r));
	r->now = TAPIR_SECONDS(1);
	assert_int_equal(tapir_sim_pair(TAPIR_MS(1), TAPIR_MTU_DEFAULT, &a, &b), 0);
	side_open(&r->server, a, SERVER_IP, faults, seed, r->now);
	side_open(&r->client, b, CLIENT_IP, faults, seed + 1, r->now);
	assert_int_equal(tapir_udp_open(r->server.stack, &r->listener), 0);
	assert_int_equal(tapir_udp_bind(r->listener, 53), 0);
	tapir_udp_set_callback(r->listener, on_query, r);
	tapir_dns_config_default(&cfg);
	cfg.servers[0] = SERVER_IP;
	cfg.timeout = TAPIR_MS(200);
	cfg.tries = 5;
	assert_int_equal(tapir_dns_new(r->client.stack, &cfg, &r->dns), 0);
	for (unsigned i = 0; i < NAMES; i++)
		ctxs[i] = (struct lookup_ctx){r, i};
}

static void run_close(struct run *r)
{
	tapir_dns_free(r->dns);
	tapir_udp_close(r->listener);
	tapir_stack_free(r->client.stack);
	tapir_stack_free(r->server.stack);
	tapir_link_close(r->client.link);
	tapir_link_close(r->server.link);
}

/* Poll both stacks, jumping to the earliest deadline, until `until`. */
static void run_until(struct run *r, tapir_time until)
{
	for (int steps = 0; steps < MAX_STEPS; steps++) {
		tapir_time a = tapir_stack_poll(r->server.stack, r->now);
		tapir_time b = tapir_stack_poll(r->client.stack, r->now);
		tapir_time next = a < b ? a : b;

		if (next > until)
			break;
		r->now = next > r->now ? next : r->now + 1;
	}
	r->now = until;
	tapir_stack_poll(r->server.stack, r->now);
	tapir_stack_poll(r->client.stack, r->now);
}

/* Ask for every name (a few at a time, as a browser would) and wait. */
static void lookup_all(struct run *r)
{
	char name[32];

	memset(r->done, 0, sizeof(r->done));
	for (unsigned i = 0; i < NAMES; i++) {
		snprintf(name, sizeof(name), "host%u.lab", i);
		assert_true(tapir_dns_resolve(r->dns, name, TAPIR_DNS_TYPE_A, on_result, &ctxs[i]) >
		            0);
		if (i % 8 == 7)
			run_until(r, r->now + TAPIR_SECONDS(10));
	}
	run_until(r, r->now + TAPIR_SECONDS(10));
}

static unsigned check_round(const struct run *r)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < NAMES; i++) {
		assert_int_equal(r->done[i], 1); /* exactly one result per lookup */
		if (r->error[i] == 0) {
			assert_int_equal(r->addr[i], TAPIR_IP(10, 0, 1, i));
			ok++;
		} else {
			assert_int_equal(r->error[i], -ETIMEDOUT);
		}
	}
	return ok;
}

static void test_lookups_survive_loss_and_cache_answers(void **state)
{
	static struct run r;
	unsigned first;
	int first_error[NAMES];
	uint64_t udp_tx;

	(void)state;
	run_open(&r, true, 42);
	lookup_all(&r);
	first = check_round(&r);
	memcpy(first_error, r.error, sizeof(first_error));
	/* 20% loss each way, 5 tries: nearly every lookup gets through, and
	 * only because queries were sent again. */
	assert_true(first >= NAMES - 2);
	assert_true(r.client.retransmits > 0);

	/* Second round, within the TTL: every name answered before comes from
	 * the cache; only names that timed out go to the wire again. */
	udp_tx = tapir_stack_stats(r.client.stack)->count[TAPIR_CNT_UDP_TX];
	lookup_all(&r);
	check_round(&r);
	for (unsigned i = 0; i < NAMES; i++)
		assert_int_equal(r.cached[i], first_error[i] == 0);
	if (first == NAMES)
		assert_int_equal(tapir_stack_stats(r.client.stack)->count[TAPIR_CNT_UDP_TX],
		                 udp_tx);
	assert_true(r.client.cache_hits >= first);

	/* After the TTL, every name goes to the wire again. */
	run_until(&r, r.now + TAPIR_SECONDS(TTL_S));
	lookup_all(&r);
	check_round(&r);
	for (unsigned i = 0; i < NAMES; i++)
		assert_false(r.cached[i]);
	run_close(&r);
}

static uint64_t run_hash(uint64_t seed)
{
	static struct run r;
	uint64_t h;

	run_open(&r, true, seed);
	lookup_all(&r);
	h = r.client.hash ^ (r.server.hash * 31);
	run_close(&r);
	return h;
}

static void test_same_seed_same_run(void **state)
{
	(void)state;
	assert_true(run_hash(7) == run_hash(7));
	assert_true(run_hash(7) != run_hash(8));
}

static void test_perfect_wire_no_retransmission(void **state)
{
	static struct run r;

	(void)state;
	run_open(&r, false, 1);
	lookup_all(&r);
	assert_int_equal(check_round(&r), NAMES);
	assert_int_equal(r.client.retransmits, 0);
	run_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_perfect_wire_no_retransmission),
	    cmocka_unit_test(test_lookups_survive_loss_and_cache_answers),
	    cmocka_unit_test(test_same_seed_same_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

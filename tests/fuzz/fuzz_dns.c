/*
 * fuzz_dns.c — libFuzzer harness for the DNS codec (stack/wire/dns.c,
 * RFC 1035 4.1) and the resolver behind it (stack/dns/).
 *
 * The codec: any input must parse or be refused with a DNS reason, never
 * read out of bounds or loop; every record of a parsed message must decode
 * and print, and the message built again from the decoded records (with our
 * own compression) must parse to the same header, question and records.
 *
 * The resolver: a stack on a sim link asks "fuzz.lab"; the input becomes
 * the server's answer (its header with the query's ID, the query's question,
 * then the input's own records), so hostile records reach the checks, the
 * cache, the CNAME chain and the printing of results.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/dns.h"
#include "tapir/link.h"
#include "tapir/stack.h"
#include "wire/arp.h"
#include "wire/dns.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_dns: %s\n", what);
		abort();
	}
}

static bool is_dns_reason(enum tapir_drop r)
{
	return r >= TAPIR_DROP_DNS_TRUNCATED && r <= TAPIR_DROP_DNS_WRONG_SERVER;
}

/* Build the message again from its decoded parts. Returns its length. */
static size_t rebuild(const struct dns_message *m, uint8_t *out, size_t cap)
{
	struct dns_builder b;
	struct dns_header h = m->header;

	h.ancount = (uint16_t)m->count[DNS_ANSWER];
	h.nscount = (uint16_t)m->count[DNS_AUTHORITY];
	h.arcount = (uint16_t)m->count[DNS_ADDITIONAL];
	dns_builder_init(&b, out, cap);
	dns_build_header(&b, &h);
	if (m->has_question)
		dns_build_question(&b, &m->question);
	for (int s = 0; s < DNS_SECTIONS; s++) {
		for (size_t i = 0; i < m->count[s]; i++) {
			const struct dns_rr *rr = &m->rr[s][i];
			struct dns_name owner;
			struct dns_rdata rd;

			dns_rr_name(m, rr, &owner);
			expect(owner.len > 0, "owner name of a parsed record unreadable");
			expect(dns_rdata_parse(m, rr, &rd) == TAPIR_DROP_NONE,
			       "RDATA of a parsed record refused");
			dns_build_rr(&b, &owner, rr->rclass, rr->ttl, &rd);
		}
	}
	expect(!b.overflow, "rebuilt message does not fit");
	return b.len;
}

static void same_records(const struct dns_message *a, const struct dns_message *b)
{
	for (int s = 0; s < DNS_SECTIONS; s++) {
		expect(a->count[s] == b->count[s], "record count differs");
		for (size_t i = 0; i < a->count[s]; i++) {
			struct dns_name na, nb;

			dns_rr_name(a, &a->rr[s][i], &na);
			dns_rr_name(b, &b->rr[s][i], &nb);
			expect(dns_name_equal(&na, &nb), "owner differs");
			expect(a->rr[s][i].type == b->rr[s][i].type, "type differs");
			expect(a->rr[s][i].ttl == b->rr[s][i].ttl, "ttl differs");
		}
	}
}

/* ---- the resolver ----------------------------------------------------------------- */

#define SERVER_IP TAPIR_IP(10, 0, 0, 1)
#define STACK_IP  TAPIR_IP(10, 0, 0, 2)

static const struct tapir_mac server_mac = {{0x02, 0, 0, 0, 0, 1}};

struct resolver_rig {
	struct tapir_link *ours, *peer;
	struct tapir_stack *stack;
	struct tapir_dns *dns;
	struct tapir_mac stack_mac;
	tapir_time now;
	unsigned inputs;
};

static struct resolver_rig rig;

static void send_frame(const uint8_t *frame, size_t len)
{
	tapir_link_send(rig.peer, frame, len, rig.now);
	tapir_stack_poll(rig.stack, rig.now);
}

/* The server asks for our MAC, which teaches the stack the server's. */
static void refresh_arp(void)
{
	uint8_t frame[ETH_HEADER_LEN + ARP_PACKET_LEN];
	struct eth_header eth = {.dst = ETH_BROADCAST, .src = server_mac, .type = ETH_TYPE_ARP};
	struct arp_packet arp = {.opcode = ARP_OP_REQUEST,
	                         .sender_mac = server_mac,
	                         .sender_ip = SERVER_IP,
	                         .target_ip = STACK_IP};

	eth_emit(&eth, frame, sizeof(frame));
	arp_emit(&arp, frame + ETH_HEADER_LEN, sizeof(frame) - ETH_HEADER_LEN);
	send_frame(frame, sizeof(frame));
}

static void rig_init(void)
{
	struct tapir_stack_config cfg;
	struct tapir_dns_config dcfg;

	expect(tapir_sim_pair(0, TAPIR_MTU_DEFAULT, &rig.ours, &rig.peer) == 0, "sim pair");
	tapir_stack_config_default(&cfg);
	cfg.send_gratuitous_arp = false;
	cfg.seed = 1;
	rig.now = TAPIR_SECONDS(1);
	expect(tapir_stack_new(&cfg, rig.ours, NULL, rig.now, &rig.stack) == 0, "stack");
	rig.stack_mac = tapir_stack_mac(rig.stack);
	tapir_dns_config_default(&dcfg);
	dcfg.timeout = TAPIR_MS(10);
	dcfg.tries = 1;
	expect(tapir_dns_new(rig.stack, &dcfg, &rig.dns) == 0, "resolver");
}

/* The query the stack sent: its UDP source port and the DNS message. */
static bool take_query(uint16_t *port, uint8_t *query, size_t *qlen)
{
	uint8_t frame[TAPIR_FRAME_MAX];
	int len;
	bool found = false;

	while ((len = tapir_link_recv(rig.peer, frame, sizeof(frame), rig.now)) > 0) {
		struct eth_header eth;
		struct ipv4_header ip;
		struct udp_datagram d;
		const uint8_t *payload;
		size_t plen;

		if (found ||
		    eth_parse(frame, (size_t)len, &eth, &payload, &plen) != TAPIR_DROP_NONE ||
		    eth.type != ETH_TYPE_IPV4 ||
		    ipv4_parse(payload, plen, &ip) != TAPIR_DROP_NONE ||
		    ip.protocol != IPV4_PROTO_UDP ||
		    udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &d) != TAPIR_DROP_NONE ||
		    d.dst_port != 53 || d.payload_len > DNS_UDP_MAX)
			continue;
		*port = d.src_port;
		memcpy(query, d.payload, d.payload_len);
		*qlen = d.payload_len;
		found = true;
	}
	return found;
}

static void send_answer(uint16_t port, const uint8_t *msg, size_t len)
{
	static uint8_t frame[TAPIR_FRAME_MAX];
	uint8_t *udp = frame + ETH_HEADER_LEN + IPV4_HEADER_LEN;
	struct udp_datagram d = {
	    .src_port = 53, .dst_port = port, .payload = msg, .payload_len = len};
	size_t n = udp_emit(&d, SERVER_IP, STACK_IP, udp,
	                    sizeof(frame) - ETH_HEADER_LEN - IPV4_HEADER_LEN);
	struct eth_header eth = {.dst = rig.stack_mac, .src = server_mac, .type = ETH_TYPE_IPV4};
	struct ipv4_header ip = {.total_len = (uint16_t)(IPV4_HEADER_LEN + n),
	                         .ttl = 64,
	                         .protocol = IPV4_PROTO_UDP,
	                         .src = SERVER_IP,
	                         .dst = STACK_IP,
	                         .header_len = IPV4_HEADER_LEN};

	if (n == 0)
		return;
	eth_emit(&eth, frame, ETH_HEADER_LEN);
	ipv4_emit(&ip, frame + ETH_HEADER_LEN, IPV4_HEADER_LEN);
	send_frame(frame, ETH_HEADER_LEN + IPV4_HEADER_LEN + n);
}

/* Read every byte of a result, so the sanitizers see each record. */
static void on_result(void *user, const struct tapir_dns_result *r)
{
	size_t *total = user;

	for (int s = 0; s < TAPIR_DNS_SECTIONS; s++)
		for (size_t i = 0; i < r->count[s]; i++)
			*total += strlen(r->section[s][i].name) + strlen(r->section[s][i].text);
	expect(r->naddrs <= TAPIR_DNS_ADDRS_MAX, "too many addresses");
}

static void fuzz_resolver(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = {DNS_TYPE_A,   DNS_TYPE_AAAA, DNS_TYPE_MX,  DNS_TYPE_TXT,
	                                 DNS_TYPE_SOA, DNS_TYPE_NS,   DNS_TYPE_PTR, DNS_TYPE_CNAME};
	static uint8_t answer[DNS_UDP_MAX + 1400];
	uint8_t query[DNS_UDP_MAX];
	static size_t total; /* results may come during a later input */
	size_t qlen = 0, len;
	uint16_t port = 0;

	if (!rig.stack)
		rig_init();
	if (size > 1400)
		size = 1400; /* one frame */
	refresh_arp();
	if (tapir_dns_resolve(rig.dns, "fuzz.lab", types[size % 8], on_result, &total) < 0)
		return;
	if (!take_query(&port, query, &qlen) || qlen < DNS_HEADER_LEN + 4)
		return;
	if (size < DNS_HEADER_LEN) {
		send_answer(port, data, size);
	} else {
		/* The input's header (our ID, one question), our question, its records. */
		memcpy(answer, data, DNS_HEADER_LEN);
		memcpy(answer, query, 2);
		answer[2] |= 0x80;
		answer[4] = 0;
		answer[5] = 1;
		memcpy(answer + DNS_HEADER_LEN, query + DNS_HEADER_LEN, qlen - DNS_HEADER_LEN);
		len = qlen;
		memcpy(answer + len, data + DNS_HEADER_LEN, size - DNS_HEADER_LEN);
		len += size - DNS_HEADER_LEN;
		send_answer(port, answer, len);
	}
	/* Let every timer run out: retries, CNAME lookups, the TCP retry. */
	for (int i = 0; i < 8; i++) {
		rig.now += TAPIR_SECONDS(1);
		refresh_arp();
		while (take_query(&port, query, &qlen))
			;
	}
	if (++rig.inputs % 256 == 0)
		tapir_dns_cache_flush(rig.dns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_message m, again;
	static uint8_t out[4 * 65536];
	char text[DNS_NAME_TEXT_MAX];
	enum tapir_drop r = dns_parse(data, size, &m);
	size_t len;

	fuzz_resolver(data, size);
	if (r != TAPIR_DROP_NONE) {
		expect(is_dns_reason(r), "refused with a reason that is not a DNS one");
		return 0;
	}
	expect(size >= DNS_HEADER_LEN, "accepted a message shorter than its header");
	if (m.has_question) {
		struct dns_name back;

		expect(m.question.name.len >= 1 && m.question.name.len <= DNS_NAME_MAX,
		       "question name length out of range");
		expect(dns_name_to_text(&m.question.name, text, sizeof(text)) > 0,
		       "name does not fit DNS_NAME_TEXT_MAX");
		expect(dns_name_from_text(text, &back) == 0, "printed name does not parse");
		expect(dns_name_equal(&back, &m.question.name), "name text round trip differs");
	}
	len = rebuild(&m, out, sizeof(out));
	expect(dns_parse(out, len, &again) == TAPIR_DROP_NONE, "rebuilt message refused");
	expect(again.header.id == m.header.id && again.header.rcode == m.header.rcode,
	       "header differs");
	expect(again.has_question == m.has_question, "question presence differs");
	if (m.has_question)
		expect(dns_name_equal(&again.question.name, &m.question.name) &&
		           again.question.type == m.question.type,
		       "question differs");
	same_records(&m, &again);
	return 0;
}

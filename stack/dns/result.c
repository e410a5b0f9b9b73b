/*
 * result.c — turning the answer messages of a lookup into what the
 * application gets: records with their RDATA in the master-file text form
 * of RFC 1035 5.1 (as dig prints them), TTLs counted down for cached
 * answers, the header of the last message, and the A records at the end
 * of the CNAME chain.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dns_internal.h"

/* An output buffer that never overflows: writes past the end are cut off. */
struct text {
	char *buf;
	size_t cap, len;
};

static void text_add(struct text *t, const char *s)
{
	size_t n = strlen(s);

	if (t->len + 1 >= t->cap)
		return;
	if (n > t->cap - 1 - t->len)
		n = t->cap - 1 - t->len;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void text_name(struct text *t, const struct dns_name *name)
{
	char s[DNS_NAME_TEXT_MAX];

	if (dns_name_to_text(name, s, sizeof(s)) < 0)
		snprintf(s, sizeof(s), "?");
	text_add(t, s);
}

/* A number, after a space unless it comes first. */
static void text_number(struct text *t, bool space, unsigned long v)
{
	char s[24];

	snprintf(s, sizeof(s), "%s%lu", space ? " " : "", v);
	text_add(t, s);
}

/* TXT: each <character-string> in quotes, as dig shows them (3.3.14). */
static void text_txt(struct text *t, const uint8_t *data, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		size_t n = data[pos++];

		text_add(t, pos > 1 ? " \"" : "\"");
		for (size_t i = 0; i < n && pos < len; i++, pos++) {
			char s[8];
			uint8_t c = data[pos];

			if (c == '"' || c == '\\')
				snprintf(s, sizeof(s), "\\%c", c);
			else if (c < 0x20 || c >= 0x7f)
				snprintf(s, sizeof(s), "\\%03u", c);
			else
				snprintf(s, sizeof(s), "%c", c);
			text_add(t, s);
		}
		text_add(t, "\"");
	}
}

/* Unknown types as RFC 3597 5 writes them: \# length hex. */
static void text_raw(struct text *t, const uint8_t *data, size_t len)
{
	text_add(t, "\\#");
	text_number(t, true, len);
	text_add(t, len ? " " : "");
	for (size_t i = 0; i < len; i++) {
		char s[4];

		snprintf(s, sizeof(s), "%02x", data[i]);
		text_add(t, s);
	}
}

static void rdata_text(const struct dns_rdata *rd, struct text *t)
{
	char s[INET6_ADDRSTRLEN];

	switch (rd->type) {
	case DNS_TYPE_A:
		tapir_ip_format(rd->u.a, s);
		text_add(t, s);
		break;
	case DNS_TYPE_AAAA:
		inet_ntop(AF_INET6, rd->u.aaaa, s, sizeof(s));
		text_add(t, s);
		break;
	case DNS_TYPE_CNAME:
	case DNS_TYPE_NS:
	case DNS_TYPE_PTR:
		text_name(t, &rd->u.target);
		break;
	case DNS_TYPE_MX:
		text_number(t, false, rd->u.mx.preference);
		text_add(t, " ");
		text_name(t, &rd->u.mx.exchange);
		break;
	case DNS_TYPE_SOA:
		text_name(t, &rd->u.soa.mname);
		text_add(t, " ");
		text_name(t, &rd->u.soa.rname);
		text_number(t, true, rd->u.soa.serial);
		text_number(t, true, rd->u.soa.refresh);
		text_number(t, true, rd->u.soa.retry);
		text_number(t, true, rd->u.soa.expire);
		text_number(t, true, rd->u.soa.minimum);
		break;
	case DNS_TYPE_TXT:
		text_txt(t, rd->u.txt.data, rd->u.txt.len);
		break;
	default:
		text_raw(t, rd->u.raw.data, rd->u.raw.len);
		break;
	}
}

static void fill_rr(const struct dns_message *m, const struct dns_rr *rr, uint32_t age_s,
                    struct tapir_dns_rr *out)
{
	struct dns_name owner;
	struct dns_rdata rd;
	struct text t = {out->text, sizeof(out->text), 0};

	memset(out, 0, sizeof(*out));
	dns_rr_name(m, rr, &owner);
	if (dns_name_to_text(&owner, out->name, sizeof(out->name)) < 0)
		strcpy(out->name, "?");
	out->type = rr->type;
	out->rclass = rr->rclass;
	out->ttl = rr->ttl > age_s ? rr->ttl - age_s : 0;
	if (dns_rdata_parse(m, rr, &rd) != TAPIR_DROP_NONE)
		return;
	if (rd.type == DNS_TYPE_A)
		out->a = rd.u.a;
	if (rd.type == DNS_TYPE_AAAA)
		memcpy(out->aaaa, rd.u.aaaa, 16);
	rdata_text(&rd, &t);
}

struct builder {
	struct tapir_dns *dns;
	struct tapir_dns_result *r;
	size_t used;
};

static void add_section(struct builder *b, const struct dns_message *m, enum dns_section s,
                        uint32_t age_s)
{
	for (size_t i = 0; i < m->count[s]; i++) {
		if (b->used >= TAPIR_DNS_RESULT_RECORDS) {
			b->r->omitted++;
			continue;
		}
		fill_rr(m, &m->rr[s][i], age_s, &b->dns->records[b->used++]);
		b->r->count[s]++;
	}
}

/* The A records of the name the chain ended at. */
static void collect_addrs(struct tapir_dns_result *r, const struct dns_message *m,
                          const struct dns_name *final)
{
	for (size_t i = 0; i < m->count[DNS_ANSWER]; i++) {
		const struct dns_rr *rr = &m->rr[DNS_ANSWER][i];
		struct dns_name owner;
		struct dns_rdata rd;

		if (rr->type != DNS_TYPE_A || r->naddrs >= TAPIR_DNS_ADDRS_MAX)
			continue;
		dns_rr_name(m, rr, &owner);
		if (dns_name_equal(&owner, final) && dns_rdata_parse(m, rr, &rd) == TAPIR_DROP_NONE)
			r->addrs[r->naddrs++] = rd.u.a;
	}
}

static void take_header(struct tapir_dns_result *r, const struct dns_message *m,
                        const struct query_part *p)
{
	r->rcode = m->header.rcode;
	r->id = m->header.id;
	r->opcode = m->header.opcode;
	r->aa = m->header.aa;
	r->tc = m->header.tc;
	r->rd = m->header.rd;
	r->ra = m->header.ra;
	r->ad = m->header.ad;
	r->cd = m->header.cd;
	r->server = p->server;
	r->port = p->port;
	r->message_size = p->len;
	r->from_cache = p->from_cache;
}

static void build_from_hosts(struct builder *b, const struct dns_query *q)
{
	struct tapir_dns_rr *rr = &b->dns->records[b->used++];

	memset(rr, 0, sizeof(*rr));
	snprintf(rr->name, sizeof(rr->name), "%s", q->current_text);
	rr->type = DNS_TYPE_A;
	rr->rclass = DNS_CLASS_IN;
	rr->a = q->host_ip;
	tapir_ip_format(q->host_ip, rr->text);
	b->r->count[DNS_ANSWER] = 1;
	b->r->addrs[0] = q->host_ip;
	b->r->naddrs = 1;
	b->r->from_hosts = true;
	b->r->aa = true;
}

static void build_from_parts(struct builder *b, const struct dns_query *q)
{
	struct dns_message m;
	const struct query_part *last = &q->parts[q->nparts - 1];

	/* Answers of every message in the chain, in order. */
	for (unsigned i = 0; i < q->nparts; i++) {
		if (dns_parse(q->parts[i].data, q->parts[i].len, &m) != TAPIR_DROP_NONE)
			continue;
		add_section(b, &m, DNS_ANSWER, q->parts[i].age_s);
		collect_addrs(b->r, &m, &q->current);
	}
	if (dns_parse(last->data, last->len, &m) != TAPIR_DROP_NONE)
		return;
	b->r->section[DNS_AUTHORITY] = &b->dns->records[b->used];
	add_section(b, &m, DNS_AUTHORITY, last->age_s);
	b->r->section[DNS_ADDITIONAL] = &b->dns->records[b->used];
	add_section(b, &m, DNS_ADDITIONAL, last->age_s);
	take_header(b->r, &m, last);
	/* A cache hit along the way makes the whole answer come "from cache"
	 * only if every message did. */
	for (unsigned i = 0; i < q->nparts; i++)
		if (!q->parts[i].from_cache)
			b->r->from_cache = false;
}

static void trace_done(struct tapir_dns *dns, const struct dns_query *q,
                       const struct tapir_dns_result *r)
{
	struct tapir_event ev;

	query_event(q, TAPIR_DNS_EV_DONE, &ev);
	ev.u.dns.name = q->qname_text;
	ev.u.dns.id = r->id;
	ev.u.dns.server = r->server;
	ev.u.dns.rcode = r->rcode;
	ev.u.dns.answers = (uint16_t)r->count[DNS_ANSWER];
	ev.u.dns.elapsed = r->elapsed;
	ev.u.dns.tcp = r->over_tcp;
	ev.u.dns.detail = r->error        ? tapir_strerror(r->error)
	                  : r->from_hosts ? "from the hosts table"
	                  : r->from_cache ? "from the cache"
	                                  : NULL;
	stack_emit(dns->stack, &ev);
}

void dns_deliver(struct tapir_dns *dns, struct dns_query *q)
{
	struct tapir_dns_result r;
	struct builder b = {dns, &r, 0};

	memset(&r, 0, sizeof(r));
	r.query = q->number;
	r.name = q->qname_text;
	r.type = q->qtype;
	r.error = q->error;
	r.last_refusal = q->last_refusal;
	r.over_tcp = q->over_tcp;
	r.elapsed = q->done_at - q->started;
	r.queries = q->queries;
	r.port = dns->cfg.port;
	r.section[DNS_ANSWER] = dns->records;
	r.section[DNS_AUTHORITY] = dns->records;
	r.section[DNS_ADDITIONAL] = dns->records;
	if (q->error == 0 && q->from_hosts)
		build_from_hosts(&b, q);
	else if (q->error == 0 && q->nparts > 0)
		build_from_parts(&b, q);
	trace_done(dns, q, &r);
	q->fn(q->user, &r);
}

/*
 * cache.c — the resolver's cache (RFC 1035 7.4, RFC 2308).
 *
 * Each entry keeps a whole answer message under its question (name, type),
 * for the smallest TTL of its answer records (RFC 1035 7.4, RFC 2181 5.2).
 * Negative answers are kept too (RFC 2308): NXDOMAIN ("no such name", which
 * then answers every type of that name) and NODATA ("the name exists, not
 * this type"), for the TTL of the SOA in the authority section or its MINIMUM
 * field, whichever is less (RFC 2308 5); without an SOA they are not kept.
 * A hit gives the message back with its TTLs counted down by its age.
 *
 * Bounded: TAPIR_DNS_CACHE_ENTRIES entries and TAPIR_DNS_CACHE_BYTES octets
 * of messages (one message at most a quarter of that); to make room, expired
 * entries go first, then the least recently used. Time is the stack's
 * clock, so tests run TTLs on a virtual one.
 */
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"

static void cache_event(struct tapir_dns *dns, const struct dns_query *q, enum tapir_dns_what what,
                        const struct cache_entry *e, uint32_t ttl, const char *detail)
{
	struct tapir_event ev;

	query_event(q, what, &ev);
	ev.u.dns.ttl = ttl;
	ev.u.dns.rcode = e ? e->rcode : 0;
	ev.u.dns.server = e ? e->server : 0;
	ev.u.dns.detail = detail;
	if (e && e->len >= DNS_HEADER_LEN)
		ev.u.dns.answers = (uint16_t)((e->data[6] << 8) | e->data[7]);
	stack_emit(dns->stack, &ev);
}

static void entry_free(struct tapir_dns *dns, struct cache_entry *e)
{
	dns->cache_bytes -= e->len;
	free(e->data);
	memset(e, 0, sizeof(*e));
}

void dns_cache_free_all(struct tapir_dns *dns)
{
	for (int i = 0; i < TAPIR_DNS_CACHE_ENTRIES; i++)
		if (dns->cache[i].used)
			entry_free(dns, &dns->cache[i]);
}

void tapir_dns_cache_flush(struct tapir_dns *dns)
{
	dns_cache_free_all(dns);
}

size_t tapir_dns_cache_size(const struct tapir_dns *dns)
{
	size_t n = 0;

	for (int i = 0; i < TAPIR_DNS_CACHE_ENTRIES; i++)
		n += dns->cache[i].used;
	return n;
}

static bool entry_answers(const struct cache_entry *e, const struct dns_name *name, uint16_t type)
{
	if (!e->used || !dns_name_equal(&e->name, name))
		return false;
	/* RFC 2308 5: an NXDOMAIN says the name has no records of any type. */
	return e->type == type || e->rcode == DNS_RCODE_NXDOMAIN;
}

const struct cache_entry *dns_cache_lookup(struct tapir_dns *dns, const struct dns_query *q,
                                           tapir_time now)
{
	for (int i = 0; i < TAPIR_DNS_CACHE_ENTRIES; i++) {
		struct cache_entry *e = &dns->cache[i];

		if (!entry_answers(e, &q->current, q->qtype))
			continue;
		if (now >= e->expires) {
			cache_event(dns, q, TAPIR_DNS_EV_CACHE_EXPIRED, e, e->ttl, "TTL ran out");
			entry_free(dns, e);
			continue;
		}
		e->last_used = now;
		cache_event(dns, q, TAPIR_DNS_EV_CACHE_HIT, e,
		            (uint32_t)((e->expires - now + 999999) / 1000000),
		            e->negative ? "negative" : NULL);
		return e;
	}
	cache_event(dns, q, TAPIR_DNS_EV_CACHE_MISS, NULL, 0, NULL);
	return NULL;
}

bool dns_negative_ttl(const struct dns_message *msg, uint32_t *ttl)
{
	for (size_t i = 0; i < msg->count[DNS_AUTHORITY]; i++) {
		const struct dns_rr *rr = &msg->rr[DNS_AUTHORITY][i];
		struct dns_rdata rd;

		if (rr->type != DNS_TYPE_SOA || dns_rdata_parse(msg, rr, &rd) != TAPIR_DROP_NONE)
			continue;
		*ttl = rr->ttl < rd.u.soa.minimum ? rr->ttl : rd.u.soa.minimum;
		return true;
	}
	return false;
}

/* The smallest TTL in the answer section (false when it is empty). */
static bool positive_ttl(const struct dns_message *msg, uint32_t *ttl)
{
	if (msg->count[DNS_ANSWER] == 0)
		return false;
	*ttl = UINT32_MAX;
	for (size_t i = 0; i < msg->count[DNS_ANSWER]; i++)
		if (msg->rr[DNS_ANSWER][i].ttl < *ttl)
			*ttl = msg->rr[DNS_ANSWER][i].ttl;
	return true;
}

/* How long the answer may be kept, and whether it is negative; false when it
 * must not be cached at all (SERVFAIL, TTL 0, negative without an SOA). */
static bool cacheable(const struct dns_message *msg, uint32_t *ttl, bool *negative)
{
	uint8_t rcode = msg->header.rcode;

	*negative = rcode == DNS_RCODE_NXDOMAIN || msg->count[DNS_ANSWER] == 0;
	if (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN)
		return false;
	if (msg->header.tc || !msg->has_question)
		return false;
	if (*negative) {
		if (!dns_negative_ttl(msg, ttl))
			return false;
		if (*ttl > TAPIR_DNS_NEGATIVE_MAX_TTL_S)
			*ttl = TAPIR_DNS_NEGATIVE_MAX_TTL_S;
	} else {
		if (!positive_ttl(msg, ttl))
			return false;
		if (*ttl > TAPIR_DNS_CACHE_MAX_TTL_S)
			*ttl = TAPIR_DNS_CACHE_MAX_TTL_S;
	}
	return *ttl > 0;
}

/* The entry to give up for room: an expired one, else the least recently used. */
static struct cache_entry *victim(struct tapir_dns *dns, tapir_time now)
{
	struct cache_entry *oldest = NULL;

	for (int i = 0; i < TAPIR_DNS_CACHE_ENTRIES; i++) {
		struct cache_entry *e = &dns->cache[i];

		if (!e->used)
			continue;
		if (now >= e->expires)
			return e;
		if (!oldest || e->last_used < oldest->last_used)
			oldest = e;
	}
	return oldest;
}

static struct cache_entry *free_slot(struct tapir_dns *dns)
{
	for (int i = 0; i < TAPIR_DNS_CACHE_ENTRIES; i++)
		if (!dns->cache[i].used)
			return &dns->cache[i];
	return NULL;
}

/* Evict until a message of len octets fits; returns a free entry. */
static struct cache_entry *make_room(struct tapir_dns *dns, const struct dns_query *q, size_t len,
                                     tapir_time now)
{
	struct cache_entry *slot = free_slot(dns);

	while (!slot || dns->cache_bytes + len > TAPIR_DNS_CACHE_BYTES) {
		struct cache_entry *v = victim(dns, now);

		if (!v)
			return NULL;
		cache_event(dns, q, TAPIR_DNS_EV_CACHE_EXPIRED, v, v->ttl,
		            now >= v->expires ? "TTL ran out" : "evicted: cache full");
		entry_free(dns, v);
		slot = free_slot(dns);
	}
	return slot;
}

/* Remove an older entry for the same question, so a name is cached once. */
static void forget_question(struct tapir_dns *dns, const struct dns_name *name, uint16_t type)
{
	for (int i = 0; i < TAPIR_DNS_CACHE_ENTRIES; i++) {
		struct cache_entry *e = &dns->cache[i];

		if (e->used && e->type == type && dns_name_equal(&e->name, name))
			entry_free(dns, e);
	}
}

void dns_cache_store(struct tapir_dns *dns, const struct dns_query *q,
                     const struct dns_message *msg, tapir_ip server, uint16_t port, tapir_time now)
{
	struct cache_entry *e;
	uint32_t ttl;
	bool negative;

	/* One huge answer (over TCP) must not push everything else out. */
	if (!cacheable(msg, &ttl, &negative) || msg->len > TAPIR_DNS_CACHE_BYTES / 4)
		return;
	forget_question(dns, &msg->question.name, msg->question.type);
	e = make_room(dns, q, msg->len, now);
	if (!e)
		return;
	e->data = malloc(msg->len);
	if (!e->data)
		return;
	memcpy(e->data, msg->data, msg->len);
	e->used = true;
	e->len = msg->len;
	e->name = msg->question.name;
	e->type = msg->question.type;
	e->rcode = msg->header.rcode;
	e->negative = negative;
	e->ttl = ttl;
	e->stored = now;
	e->last_used = now;
	e->expires = now + TAPIR_SECONDS(ttl);
	e->server = server;
	e->port = port;
	dns->cache_bytes += msg->len;
	cache_event(dns, q, TAPIR_DNS_EV_CACHE_STORE, e, ttl,
	            !negative                        ? NULL
	            : e->rcode == DNS_RCODE_NXDOMAIN ? "negative: NXDOMAIN"
	                                             : "negative: NODATA");
}

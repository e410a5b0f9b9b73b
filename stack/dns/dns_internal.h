/*
 * dns_internal.h — the inside of the stub resolver, shared by resolver.c
 * (queries and their state), cache.c (RFC 1035 7.4, RFC 2308), hosts.c
 * (the static table) and result.c (what the application is given).
 */
#ifndef TAPIR_DNS_INTERNAL_H
#define TAPIR_DNS_INTERNAL_H

#include "net/stack_internal.h"
#include "tapir/dns.h"
#include "tapir/tcp.h"
#include "tapir/udp.h"
#include "wire/dns.h"

/* The life of a query. Only query_set_state() in resolver.c assigns it.
 *
 *   FREE ---cache miss---> WAIT-UDP ---answer---> DONE ---delivered---> FREE
 *    |                      |  ^  \
 *    |                      |  |   `--CNAME, no data for its target--> WAIT-UDP
 *    |          TC answer   |  |   (the target asked, with a new ID and port)
 *    |                      v  |   TCP failed or timed out: the next try over UDP
 *    |              TCP-CONNECT --connected--> WAIT-TCP --answer--> DONE
 *    |
 *    `---hosts table or cache hit---> DONE
 *
 * No acceptable answer before the tries are used up: DONE with -ETIMEDOUT.
 *
 * A SERVFAIL, NOTIMP or REFUSED answer sends the question to the next server
 * not yet asked (staying in WAIT-UDP); it is the result only if none does
 * better before the tries are used up.
 */
enum query_state {
	QUERY_FREE,
	QUERY_WAIT_UDP,
	QUERY_TCP_CONNECT,
	QUERY_WAIT_TCP,
	QUERY_DONE,
};

/* One answer message along the CNAME chain, kept until the result is built. */
struct query_part {
	uint8_t *data; /* a copy, malloc'd */
	size_t len;
	bool from_cache;
	uint32_t age_s; /* seconds it had been in the cache: TTLs count down */
	tapir_ip server;
	uint16_t port;
};

struct dns_query {
	struct tapir_dns *dns;
	enum query_state state;
	uint32_t number; /* #N in the trace; 0 while FREE */
	tapir_dns_fn fn;
	void *user;

	struct dns_name qname; /* the question the application asked */
	uint16_t qtype;
	char qname_text[DNS_NAME_TEXT_MAX];
	struct dns_name current; /* the name asked now (a CNAME target later) */
	char current_text[DNS_NAME_TEXT_MAX];
	unsigned cname_links;

	tapir_time started;  /* when the application asked */
	tapir_time deadline; /* of the attempt in flight */
	tapir_time done_at;
	unsigned attempt; /* attempts made for the current name */
	unsigned queries; /* messages sent, over the whole lookup */
	uint32_t asked;   /* bit i: servers[i] was asked the current name */
	uint16_t id;
	struct tapir_udp *udp;

	struct tapir_tcp *tcp; /* the TC retry */
	tapir_ip tcp_server;
	uint8_t tcp_prefix[2]; /* the 2-octet length (RFC 1035 4.2.2) */
	size_t tcp_prefix_got;
	uint8_t *tcp_msg;
	size_t tcp_need, tcp_got;
	bool over_tcp;
	bool refused; /* a server's host said port unreachable (no answer since) */

	struct query_part parts[TAPIR_DNS_CNAME_MAX + 1];
	unsigned nparts;
	struct query_part fallback; /* a SERVFAIL kept while other servers are asked */
	bool from_hosts;
	tapir_ip host_ip;
	int error;
	enum tapir_drop last_refusal;
};

struct cache_entry {
	bool used;
	struct dns_name name;
	uint16_t type;
	uint8_t rcode;
	bool negative; /* NXDOMAIN or NODATA (RFC 2308) */
	uint8_t *data; /* the answer message */
	size_t len;
	uint32_t ttl;
	tapir_time stored, expires, last_used;
	tapir_ip server;
	uint16_t port;
};

struct hosts_entry {
	bool used;
	struct dns_name name;
	tapir_ip ip;
};

struct tapir_dns {
	struct tapir_stack *stack;
	struct tapir_dns_config cfg;
	uint32_t next_number;
	struct dns_query queries[TAPIR_DNS_QUERIES_MAX];
	struct cache_entry cache[TAPIR_DNS_CACHE_ENTRIES];
	size_t cache_bytes;
	struct hosts_entry hosts[TAPIR_DNS_HOSTS_MAX];
	struct tapir_dns_rr records[TAPIR_DNS_RESULT_RECORDS]; /* the result being delivered */
	uint8_t rx[65536];                                     /* one UDP datagram */
};

/* resolver.c: a trace event about a query, with its common fields set. */
void query_event(const struct dns_query *q, enum tapir_dns_what what, struct tapir_event *ev);

/* cache.c */
/* The cached answer to (name, type), or NULL; an NXDOMAIN answers every
 * type. Traces the hit, the miss, or the expiry found on the way. */
const struct cache_entry *dns_cache_lookup(struct tapir_dns *dns, const struct dns_query *q,
                                           tapir_time now);
/* Keep a parsed answer for its TTL, if it may be cached at all. */
void dns_cache_store(struct tapir_dns *dns, const struct dns_query *q,
                     const struct dns_message *msg, tapir_ip server, uint16_t port, tapir_time now);
void dns_cache_free_all(struct tapir_dns *dns);
/* The TTL RFC 2308 5 gives a negative answer: the SOA's own TTL or its
 * MINIMUM field, whichever is less. False when there is no SOA. */
bool dns_negative_ttl(const struct dns_message *msg, uint32_t *ttl);

/* hosts.c */
bool dns_hosts_lookup(const struct tapir_dns *dns, const struct dns_name *name, tapir_ip *ip);

/* result.c: build the result from the query's parts and give it to fn. */
void dns_deliver(struct tapir_dns *dns, struct dns_query *q);

#endif /* TAPIR_DNS_INTERNAL_H */

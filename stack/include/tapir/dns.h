/*
 * dns.h — a stub resolver (RFC 1035 7, RFC 1034 5.3.1) on the stack's UDP
 * and TCP sockets: a non-blocking lookup delivered to a callback from inside
 * tapir_stack_poll(), a static hosts table checked first, and a cache that
 * honours TTLs and remembers NXDOMAIN/NODATA answers (RFC 2308).
 *
 *     static void on_result(void *user, const struct tapir_dns_result *r)
 *     {
 *             if (r->error == 0 && r->rcode == TAPIR_DNS_NOERROR && r->naddrs > 0)
 *                     connect_to(r->addrs[0]);          // the first A record
 *             else
 *                     report(r);   // tapir_dns_result_format() says why
 *     }
 *     ...
 *     struct tapir_dns_config cfg;
 *     struct tapir_dns *dns;
 *     tapir_dns_config_default(&cfg);            // server 10.0.0.1, 2 s, 2 tries
 *     tapir_dns_new(stack, &cfg, &dns);
 *     tapir_dns_resolve(dns, "www.example.com", TAPIR_DNS_TYPE_A, on_result, ctx);
 *     for (;;)
 *             tapir_stack_poll(stack, now());    // on_result is called from here
 *
 * What a lookup does, step by step (each step is a TAPIR_EV_DNS trace event):
 * the hosts table (A only), then the cache; on a miss a query goes over UDP
 * from a random port with a random ID to the first server; answers are
 * accepted only from a server that was asked, with the same ID and question.
 * No answer in time: the next server is asked, then the list again with the
 * timeout doubled, `tries` rounds in all. A truncated answer (TC) is asked
 * again over TCP. A CNAME without the data at its target is followed by a new
 * lookup of the target (at most TAPIR_DNS_CNAME_MAX links).
 *
 * Results are never delivered from inside tapir_dns_resolve(), always from a
 * later tapir_stack_poll() (even a cache hit), and the callback must not call
 * tapir_stack_poll() or tapir_dns_free(). It may start new lookups.
 * Free the resolver before the stack it runs on.
 */
#ifndef TAPIR_DNS_H
#define TAPIR_DNS_H

#include "tapir/options.h"
#include "tapir/stack.h"
#include "tapir/types.h"

struct tapir_dns;

/* Record types (RFC 1035 3.2.2, RFC 3596) and response codes (4.1.1). */
enum {
	TAPIR_DNS_TYPE_A = 1,
	TAPIR_DNS_TYPE_NS = 2,
	TAPIR_DNS_TYPE_CNAME = 5,
	TAPIR_DNS_TYPE_SOA = 6,
	TAPIR_DNS_TYPE_PTR = 12,
	TAPIR_DNS_TYPE_MX = 15,
	TAPIR_DNS_TYPE_TXT = 16,
	TAPIR_DNS_TYPE_AAAA = 28,
	TAPIR_DNS_TYPE_ANY = 255,
};

enum {
	TAPIR_DNS_NOERROR = 0,
	TAPIR_DNS_FORMERR = 1,
	TAPIR_DNS_SERVFAIL = 2,
	TAPIR_DNS_NXDOMAIN = 3,
	TAPIR_DNS_NOTIMP = 4,
	TAPIR_DNS_REFUSED = 5,
};

/* The text of the longest name with every octet escaped as \DDD fits. */
#define TAPIR_DNS_NAME_TEXT   1024
#define TAPIR_DNS_RDATA_TEXT  2112 /* an SOA with two such names; longer TXT is cut */
#define TAPIR_DNS_TYPE_STRLEN 12

struct tapir_dns_config {
	tapir_ip servers[TAPIR_DNS_SERVERS_MAX]; /* asked in this order */
	unsigned nservers;
	uint16_t port;          /* 53 */
	tapir_time timeout;     /* wait for the first answer; doubled each round */
	unsigned tries;         /* rounds over the server list */
	bool recursion_desired; /* the RD bit (a stub resolver wants recursion) */
	bool tcp_on_truncation; /* ask again over TCP when the TC bit is set */
};

/* Server 10.0.0.1 port 53, TAPIR_DNS_TIMEOUT_MS, TAPIR_DNS_TRIES, RD, TCP on. */
void tapir_dns_config_default(struct tapir_dns_config *cfg);

/* Create a resolver on the stack (it adds a poller to it). Returns 0,
 * -EINVAL for a config with no server, -ENOMEM, or -ENOSPC (no poller slot). */
int tapir_dns_new(struct tapir_stack *stack, const struct tapir_dns_config *cfg,
                  struct tapir_dns **out);
/* Ends every lookup in flight without calling its callback. */
void tapir_dns_free(struct tapir_dns *dns);

/* A resource record of a result, ready to print. */
struct tapir_dns_rr {
	char name[TAPIR_DNS_NAME_TEXT]; /* owner, absolute: "www.example.com." */
	uint16_t type, rclass;
	uint32_t ttl;                    /* seconds left (cached records count down) */
	tapir_ip a;                      /* TAPIR_DNS_TYPE_A */
	uint8_t aaaa[16];                /* TAPIR_DNS_TYPE_AAAA */
	char text[TAPIR_DNS_RDATA_TEXT]; /* the RDATA as dig shows it: "10 mail.lab." */
};

enum { TAPIR_DNS_ANSWER, TAPIR_DNS_AUTHORITY, TAPIR_DNS_ADDITIONAL, TAPIR_DNS_SECTIONS };

struct tapir_dns_result {
	uint32_t query;   /* its number in this resolver (the trace's #N) */
	const char *name; /* the question: "www.example.com." */
	uint16_t type;
	/* 0 when a server (or the cache, or the hosts table) answered: see
	 * rcode. Otherwise -ETIMEDOUT (no acceptable answer; last_refusal says
	 * why the last one was refused, if one came), -ELOOP (CNAME chain too
	 * long), -ECONNREFUSED/-ECONNRESET (the TCP retry failed). */
	int error;
	enum tapir_drop last_refusal;
	uint8_t rcode;
	bool from_cache, from_hosts, over_tcp;
	/* The header of the (last) answer message. */
	uint16_t id;
	uint8_t opcode;
	bool aa, tc, rd, ra, ad, cd;
	tapir_ip server; /* who answered (for a cache hit: who answered first) */
	uint16_t port;
	tapir_time elapsed;  /* from tapir_dns_resolve() to the answer */
	unsigned queries;    /* messages sent for this lookup */
	size_t message_size; /* octets of the (last) answer message */
	/* The records: the answer sections of every message along the CNAME
	 * chain, authority and additional of the last one. */
	size_t count[TAPIR_DNS_SECTIONS];
	const struct tapir_dns_rr *section[TAPIR_DNS_SECTIONS];
	size_t omitted; /* records not kept: more than TAPIR_DNS_RESULT_RECORDS */
	/* The A records at the end of the CNAME chain. */
	size_t naddrs;
	tapir_ip addrs[TAPIR_DNS_ADDRS_MAX];
};

typedef void (*tapir_dns_fn)(void *user, const struct tapir_dns_result *result);

/* Look `name` up ("www.example.com", a final dot is allowed). The result
 * (valid only during the call) reaches fn from a later tapir_stack_poll().
 * Returns the query's number (> 0), -EINVAL for a name that is not a
 * valid domain name, or -EBUSY when TAPIR_DNS_QUERIES_MAX are in flight. */
long tapir_dns_resolve(struct tapir_dns *dns, const char *name, uint16_t type, tapir_dns_fn fn,
                       void *user);

/* The static hosts table, checked before the cache for A lookups.
 * Returns 0, -EINVAL for a bad name, -ENOSPC when TAPIR_DNS_HOSTS_MAX are set. */
int tapir_dns_add_host(struct tapir_dns *dns, const char *name, tapir_ip ip);
/* Forget every cached answer. */
void tapir_dns_cache_flush(struct tapir_dns *dns);
/* Entries in the cache now. */
size_t tapir_dns_cache_size(const struct tapir_dns *dns);

/* "A", "MX", ... or "TYPE65" for the others (RFC 3597 style). */
void tapir_dns_type_format(uint16_t type, char out[TAPIR_DNS_TYPE_STRLEN]);
/* "MX" -> 15; also "TYPE65". Returns -EINVAL for an unknown word. */
int tapir_dns_type_parse(const char *text, uint16_t *out);
/* "NOERROR", "NXDOMAIN", ... ("RCODE14" style buffers are not needed:
 * unknown codes give "RESERVED"). */
const char *tapir_dns_rcode_name(uint8_t rcode);
/* One line saying how a lookup ended: "NOERROR", "NXDOMAIN", "timed out
 * (last answer refused: pointer-loop)" ... into out (cut to cap). */
void tapir_dns_result_format(const struct tapir_dns_result *result, char *out, size_t cap);

#endif /* TAPIR_DNS_H */

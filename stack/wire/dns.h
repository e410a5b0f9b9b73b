/*
 * dns.h — the DNS message format of RFC 1035 section 4: header, question and
 * resource records, domain names with compression (4.1.4), and the RDATA of
 * A, NS, CNAME, SOA, PTR, MX, TXT (3.3, 3.4) and AAAA (RFC 3596).
 *
 * Pure and bounded: no allocation, no state. A hostile message is refused
 * with a named reason from enum tapir_drop (TAPIR_DROP_DNS_*):
 *   - a compression pointer must point backwards, before the labels of the
 *     name being read, and inside the message; a name follows at most
 *     DNS_MAX_POINTERS pointers, so a loop cannot run forever;
 *   - labels are at most 63 octets, names at most 255 (RFC 1035 2.3.4);
 *   - each section holds at most DNS_SECTION_MAX records.
 */
#ifndef TAPIR_WIRE_DNS_H
#define TAPIR_WIRE_DNS_H

#include "tapir/stats.h"
#include "tapir/types.h"

#define DNS_HEADER_LEN   12
#define DNS_LABEL_MAX    63  /* octets in one label (RFC 1035 2.3.4) */
#define DNS_NAME_MAX     255 /* octets of a name in wire form, length bytes included */
#define DNS_UDP_MAX      512 /* the largest UDP message without EDNS (RFC 1035 4.2.1) */
#define DNS_MAX_POINTERS 32  /* compression pointers followed within one name */
#define DNS_SECTION_MAX  64  /* records kept per section; more is refused */
/* The text form of the longest name: every octet as \DDD, dots, the NUL. */
#define DNS_NAME_TEXT_MAX 1024

/* RFC 1035 3.2.2 TYPE values (AAAA: RFC 3596) and 3.2.4 CLASS IN. */
enum {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_ANY = 255,
	DNS_CLASS_IN = 1,
};

/* RFC 1035 4.1.1 RCODE values. */
enum {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
};

enum dns_section { DNS_ANSWER, DNS_AUTHORITY, DNS_ADDITIONAL, DNS_SECTIONS };

/* RFC 1035 4.1.1. */
struct dns_header {
	uint16_t id;
	bool qr;        /* response */
	uint8_t opcode; /* 0: standard query */
	bool aa, tc, rd, ra;
	bool ad, cd; /* the two bits RFC 4035 took from Z */
	uint8_t rcode;
	uint16_t qdcount, ancount, nscount, arcount;
};

/* A name in uncompressed wire form: length-prefixed labels ending with the
 * root's zero octet ("\3www\7example\3com\0"); len counts every octet. */
struct dns_name {
	uint8_t len;
	uint8_t wire[DNS_NAME_MAX];
};

struct dns_question {
	struct dns_name name;
	uint16_t type, qclass;
};

/* A resource record as it sits in the message (RFC 1035 4.1.3): its owner
 * name is read again with dns_name_read() at name_offset when needed. */
struct dns_rr {
	uint16_t name_offset;
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdata_offset, rdata_len;
};

/* A parsed message. Offsets point into the bytes given to dns_parse(). */
struct dns_message {
	const uint8_t *data;
	size_t len;
	struct dns_header header;
	bool has_question; /* qdcount is 1 (0 is allowed, more is refused) */
	struct dns_question question;
	size_t count[DNS_SECTIONS];
	struct dns_rr rr[DNS_SECTIONS][DNS_SECTION_MAX];
};

struct dns_soa {
	struct dns_name mname, rname;
	uint32_t serial, refresh, retry, expire, minimum;
};

struct dns_mx {
	uint16_t preference;
	struct dns_name exchange;
};

/* RDATA decoded by type. TXT stays raw: one or more <character-string>s,
 * each a length octet and that many octets (RFC 1035 3.3.14). */
struct dns_rdata {
	uint16_t type;
	union {
		tapir_ip a;
		uint8_t aaaa[16];
		struct dns_name target; /* CNAME, NS, PTR */
		struct dns_mx mx;
		struct dns_soa soa;
		struct {
			const uint8_t *data;
			size_t len;
		} txt;
		struct {
			const uint8_t *data;
			size_t len;
		} raw; /* any other type */
	} u;
};

/* ---- parsing ------------------------------------------------------------------ */

/* The 12-byte header. TAPIR_DROP_DNS_TRUNCATED when len < 12. */
enum tapir_drop dns_parse_header(const uint8_t *data, size_t len, struct dns_header *header);
/* Header and question only (what is needed to match an answer to a query, and
 * all a truncated answer may carry). *end is the offset after the question. */
enum tapir_drop dns_parse_question(const uint8_t *data, size_t len, struct dns_message *msg,
                                   size_t *end);
/* The whole message: header, question, every record of the three sections,
 * and the RDATA of every type dns_rdata_parse() knows. */
enum tapir_drop dns_parse(const uint8_t *data, size_t len, struct dns_message *msg);

/* Read the (possibly compressed) name at *offset into out and move *offset
 * past it in place (a pointer takes 2 octets, wherever it leads). */
enum tapir_drop dns_name_read(const uint8_t *data, size_t len, size_t *offset,
                              struct dns_name *out);
/* Decode a record's RDATA. Cannot fail for a record of a parsed message. */
enum tapir_drop dns_rdata_parse(const struct dns_message *msg, const struct dns_rr *rr,
                                struct dns_rdata *out);
/* The owner name of a record of a parsed message. */
void dns_rr_name(const struct dns_message *msg, const struct dns_rr *rr, struct dns_name *out);

/* ---- names as text (RFC 1035 5.1, the master file format) ---------------------- */

/* "www.example.com" or "www.example.com." -> wire form; "." is the root.
 * \. and \DDD escape a dot or any octet. -EINVAL for an empty label or a
 * bad escape, -ENAMETOOLONG for a label over 63 or a name over 255 octets. */
int dns_name_from_text(const char *text, struct dns_name *out);
/* Wire form -> "www.example.com." (absolute, with the final dot; the root
 * is "."), escaping dots, backslashes, quotes and unprintable octets as dig
 * does. Returns the length, or -ENOSPC when cap is too small. */
int dns_name_to_text(const struct dns_name *name, char *out, size_t cap);
/* Names compare without regard to ASCII case (RFC 1035 2.3.3). */
bool dns_name_equal(const struct dns_name *a, const struct dns_name *b);

/* ---- building messages (with compression, RFC 1035 4.1.4) ----------------------- */

#define DNS_COMPRESS_MAX 64 /* earlier names remembered for compression */

struct dns_builder {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;                    /* something did not fit: the message is incomplete */
	uint16_t names[DNS_COMPRESS_MAX]; /* offsets where names were written */
	size_t nnames;
};

void dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap);
/* Each returns 0, or -ENOSPC (and sets overflow) when the buffer is full. */
int dns_build_header(struct dns_builder *b, const struct dns_header *h);
/* A name, as a pointer to an earlier copy of its longest known suffix. */
int dns_build_name(struct dns_builder *b, const struct dns_name *name);
int dns_build_question(struct dns_builder *b, const struct dns_question *q);
/* A record whose RDATA is given decoded (names in it are compressed too). */
int dns_build_rr(struct dns_builder *b, const struct dns_name *name, uint16_t rclass, uint32_t ttl,
                 const struct dns_rdata *rdata);

/* A standard query (opcode 0, one question, class IN): returns its length,
 * or 0 when cap is too small. */
size_t dns_query_emit(uint16_t id, bool recursion_desired, const struct dns_name *qname,
                      uint16_t qtype, uint8_t *out, size_t cap);

#endif /* TAPIR_WIRE_DNS_H */

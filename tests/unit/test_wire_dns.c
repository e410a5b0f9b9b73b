/*
 * test_wire_dns.c — the DNS message codec (stack/wire/dns.c, RFC 1035 4):
 * a query byte for byte, names to and from text, a real answer with
 * compression, building with compression, every RDATA type we decode, and
 * every hostile shape: compression loop, pointer past the end, forward
 * pointer, label too long, name too long, truncated message, 1,000 records.
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

#include "wire/dns.h"

static struct dns_name name_of(const char *text)
{
	struct dns_name n;

	assert_int_equal(dns_name_from_text(text, &n), 0);
	return n;
}

static void assert_name_text(const struct dns_name *n, const char *expected)
{
	char text[DNS_NAME_TEXT_MAX];

	assert_true(dns_name_to_text(n, text, sizeof(text)) > 0);
	assert_string_equal(text, expected);
}

/* ---- queries ------------------------------------------------------------------- */

/* dig @10.0.0.1 www.example.com A +noedns, as captured: ID 0x1234, RD. */
static const uint8_t query_www_example_com[] = {
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* header */
    3,    'w',  'w',  'w',  7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',
    3,    'c',  'o',  'm',  0,    0x00, 0x01, 0x00, 0x01, /* A IN */
};

static void test_query_emit_matches_dig_bytes(void **state)
{
	struct dns_name n = name_of("www.example.com");
	uint8_t out[512];
	size_t len;

	(void)state;
	len = dns_query_emit(0x1234, true, &n, DNS_TYPE_A, out, sizeof(out));
	assert_int_equal(len, sizeof(query_www_example_com));
	assert_memory_equal(out, query_www_example_com, len);
	/* Too small a buffer: nothing, rather than half a message. */
	assert_int_equal(dns_query_emit(0x1234, true, &n, DNS_TYPE_A, out, len - 1), 0);
}

static void test_query_parses_back(void **state)
{
	struct dns_message m;

	(void)state;
	assert_int_equal(dns_parse(query_www_example_com, sizeof(query_www_example_com), &m),
	                 TAPIR_DROP_NONE);
	assert_int_equal(m.header.id, 0x1234);
	assert_false(m.header.qr);
	assert_true(m.header.rd);
	assert_true(m.has_question);
	assert_int_equal(m.question.type, DNS_TYPE_A);
	assert_int_equal(m.question.qclass, DNS_CLASS_IN);
	assert_name_text(&m.question.name, "www.example.com.");
}

/* ---- names as text --------------------------------------------------------------- */

static void test_name_text_round_trip(void **state)
{
	struct dns_name a, b;

	(void)state;
	a = name_of("www.Example.COM.");
	assert_int_equal(a.len, 17);
	assert_name_text(&a, "www.Example.COM.");
	b = name_of("WWW.example.com");
	assert_true(dns_name_equal(&a, &b)); /* case does not matter (2.3.3) */
	b = name_of(".");
	assert_int_equal(b.len, 1);
	assert_name_text(&b, ".");
	/* Escapes: a dot inside a label, and an unprintable octet. */
	a = name_of("a\\.b.c\\009");
	assert_int_equal(a.wire[0], 3);
	assert_name_text(&a, "a\\.b.c\\009.");
}

static void test_name_text_refuses_bad_names(void **state)
{
	struct dns_name n;
	char label64[80], long_name[400];

	(void)state;
	assert_int_equal(dns_name_from_text("", &n), -EINVAL);
	assert_int_equal(dns_name_from_text("a..b", &n), -EINVAL);
	assert_int_equal(dns_name_from_text(".a", &n), -EINVAL);
	assert_int_equal(dns_name_from_text("a\\", &n), -EINVAL);
	assert_int_equal(dns_name_from_text("a\\999", &n), -EINVAL);
	memset(label64, 'x', 64);
	label64[64] = '\0';
	assert_int_equal(dns_name_from_text(label64, &n), -ENAMETOOLONG);
	label64[63] = '\0';
	assert_int_equal(dns_name_from_text(label64, &n), 0);
	/* 4 labels of 63 = 4*64 + 1 = 257 octets: over 255. */
	snprintf(long_name, sizeof(long_name), "%s.%s.%s.%s", label64, label64, label64, label64);
	assert_int_equal(dns_name_from_text(long_name, &n), -ENAMETOOLONG);
	/* 3 of 63 and one of 61: exactly 255. */
	long_name[strlen(long_name) - 2] = '\0';
	assert_int_equal(dns_name_from_text(long_name, &n), 0);
	assert_int_equal(n.len, 255);
}

/* ---- a real answer, with compression ------------------------------------------------ */

/* dnsmasq's answer to "web.lab A": web.lab CNAME mail.lab, mail.lab A
 * 10.0.0.25, names compressed against the question at offset 12. */
static const uint8_t answer_cname[] = {
    0xab, 0xcd, 0x85, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    /* 12: question web.lab A IN */
    3, 'w', 'e', 'b', 3, 'l', 'a', 'b', 0, 0x00, 0x01, 0x00, 0x01,
    /* 25: web.lab (pointer to 12) CNAME IN ttl 300 rdlen 7: mail + ptr to 16 (lab) */
    0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x07, 4, 'm', 'a', 'i', 'l',
    0xc0, 0x10,
    /* 44: mail.lab (pointer to 37) A IN ttl 300 rdlen 4 10.0.0.25 */
    0xc0, 0x25, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 10, 0, 0, 25};

static void test_answer_with_compression_parses(void **state)
{
	struct dns_message m;
	struct dns_name owner;
	struct dns_rdata rd;

	(void)state;
	assert_int_equal(dns_parse(answer_cname, sizeof(answer_cname), &m), TAPIR_DROP_NONE);
	assert_true(m.header.qr);
	assert_true(m.header.aa);
	assert_true(m.header.rd);
	assert_true(m.header.ra);
	assert_int_equal(m.header.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(m.count[DNS_ANSWER], 2);

	dns_rr_name(&m, &m.rr[DNS_ANSWER][0], &owner);
	assert_name_text(&owner, "web.lab.");
	assert_int_equal(m.rr[DNS_ANSWER][0].type, DNS_TYPE_CNAME);
	assert_int_equal(m.rr[DNS_ANSWER][0].ttl, 300);
	assert_int_equal(dns_rdata_parse(&m, &m.rr[DNS_ANSWER][0], &rd), TAPIR_DROP_NONE);
	assert_name_text(&rd.u.target, "mail.lab.");

	dns_rr_name(&m, &m.rr[DNS_ANSWER][1], &owner);
	assert_name_text(&owner, "mail.lab.");
	assert_int_equal(dns_rdata_parse(&m, &m.rr[DNS_ANSWER][1], &rd), TAPIR_DROP_NONE);
	assert_int_equal(rd.u.a, 0x0a000019);
}

static void test_builder_compresses_like_a_server(void **state)
{
	uint8_t out[512];
	struct dns_builder b;
	struct dns_header h = {.id = 0xabcd,
	                       .qr = true,
	                       .aa = true,
	                       .rd = true,
	                       .ra = true,
	                       .qdcount = 1,
	                       .ancount = 2};
	struct dns_question q = {
	    .name = name_of("web.lab"), .type = DNS_TYPE_A, .qclass = DNS_CLASS_IN};
	struct dns_rdata cname = {.type = DNS_TYPE_CNAME, .u.target = name_of("mail.lab")};
	struct dns_rdata a = {.type = DNS_TYPE_A, .u.a = 0x0a000019};
	struct dns_name mail = name_of("mail.lab");

	(void)state;
	dns_builder_init(&b, out, sizeof(out));
	assert_int_equal(dns_build_header(&b, &h), 0);
	assert_int_equal(dns_build_question(&b, &q), 0);
	assert_int_equal(dns_build_rr(&b, &q.name, DNS_CLASS_IN, 300, &cname), 0);
	assert_int_equal(dns_build_rr(&b, &mail, DNS_CLASS_IN, 300, &a), 0);
	assert_false(b.overflow);
	assert_int_equal(b.len, sizeof(answer_cname));
	assert_memory_equal(out, answer_cname, b.len);
}

static void test_builder_reports_overflow(void **state)
{
	uint8_t out[20];
	struct dns_builder b;
	struct dns_header h = {.qdcount = 1};
	struct dns_question q = {.name = name_of("a.long.name.example"), .type = 1, .qclass = 1};

	(void)state;
	dns_builder_init(&b, out, sizeof(out));
	assert_int_equal(dns_build_header(&b, &h), 0);
	assert_int_equal(dns_build_question(&b, &q), -ENOSPC);
	assert_true(b.overflow);
}

/* Every RDATA type we decode survives build -> parse. */
static void test_rdata_types_round_trip(void **state)
{
	uint8_t out[1024];
	struct dns_builder b;
	struct dns_message m;
	struct dns_rdata rd[7], got;
	struct dns_header h = {.qr = true, .qdcount = 1, .ancount = 7};
	struct dns_question q = {.name = name_of("lab"), .type = DNS_TYPE_ANY, .qclass = 1};
	static const uint8_t txt[] = {5, 'h', 'e', 'l', 'l', 'o', 3, 'a', '"', 'b'};

	(void)state;
	rd[0] = (struct dns_rdata){.type = DNS_TYPE_A, .u.a = 0x0a000001};
	rd[1] =
	    (struct dns_rdata){.type = DNS_TYPE_AAAA, .u.aaaa = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	rd[2] = (struct dns_rdata){.type = DNS_TYPE_NS, .u.target = name_of("ns1.lab")};
	rd[3] = (struct dns_rdata){.type = DNS_TYPE_PTR, .u.target = name_of("host.lab")};
	rd[4] = (struct dns_rdata){.type = DNS_TYPE_MX,
	                           .u.mx = {.preference = 10, .exchange = name_of("mail.lab")}};
	rd[5] = (struct dns_rdata){.type = DNS_TYPE_TXT, .u.txt = {txt, sizeof(txt)}};
	rd[6] = (struct dns_rdata){.type = DNS_TYPE_SOA,
	                           .u.soa = {.mname = name_of("ns1.lab"),
	                                     .rname = name_of("hostmaster.lab"),
	                                     .serial = 2026112201,
	                                     .refresh = 3600,
	                                     .retry = 600,
	                                     .expire = 86400,
	                                     .minimum = 60}};
	dns_builder_init(&b, out, sizeof(out));
	dns_build_header(&b, &h);
	dns_build_question(&b, &q);
	for (int i = 0; i < 7; i++)
		assert_int_equal(dns_build_rr(&b, &q.name, DNS_CLASS_IN, 60, &rd[i]), 0);
	assert_int_equal(dns_parse(out, b.len, &m), TAPIR_DROP_NONE);
	assert_int_equal(m.count[DNS_ANSWER], 7);

	assert_int_equal(dns_rdata_parse(&m, &m.rr[0][0], &got), TAPIR_DROP_NONE);
	assert_int_equal(got.u.a, 0x0a000001);
	assert_int_equal(dns_rdata_parse(&m, &m.rr[0][1], &got), TAPIR_DROP_NONE);
	assert_memory_equal(got.u.aaaa, rd[1].u.aaaa, 16);
	assert_int_equal(dns_rdata_parse(&m, &m.rr[0][2], &got), TAPIR_DROP_NONE);
	assert_name_text(&got.u.target, "ns1.lab.");
	assert_int_equal(dns_rdata_parse(&m, &m.rr[0][3], &got), TAPIR_DROP_NONE);
	assert_name_text(&got.u.target, "host.lab.");
	assert_int_equal(dns_rdata_parse(&m, &m.rr[0][4], &got), TAPIR_DROP_NONE);
	assert_int_equal(got.u.mx.preference, 10);
	assert_name_text(&got.u.mx.exchange, "mail.lab.");
	assert_int_equal(dns_rdata_parse(&m, &m.rr[0][5], &got), TAPIR_DROP_NONE);
	assert_int_equal(got.u.txt.len, sizeof(txt));
	assert_memory_equal(got.u.txt.data, txt, sizeof(txt));
	assert_int_equal(dns_rdata_parse(&m, &m.rr[0][6], &got), TAPIR_DROP_NONE);
	assert_name_text(&got.u.soa.rname, "hostmaster.lab.");
	assert_int_equal(got.u.soa.serial, 2026112201);
	assert_int_equal(got.u.soa.minimum, 60);
	/* "lab" was written once: every later owner is a 2-octet pointer. */
	for (int i = 0; i < 7; i++)
		assert_int_equal(out[m.rr[DNS_ANSWER][i].name_offset], 0xc0);
}

/* ---- hostile messages ------------------------------------------------------------- */

/* A response header with one question and `ancount` answers, then `body`. */
static size_t hostile(uint8_t *out, uint16_t ancount, const uint8_t *body, size_t len)
{
	static const uint8_t header[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0};

	memcpy(out, header, sizeof(header));
	out[6] = (uint8_t)(ancount >> 8);
	out[7] = (uint8_t)ancount;
	memcpy(out + sizeof(header), body, len);
	return sizeof(header) + len;
}

static enum tapir_drop parse_hostile(uint16_t ancount, const uint8_t *body, size_t len)
{
	uint8_t msg[600];
	static struct dns_message m;

	return dns_parse(msg, hostile(msg, ancount, body, len), &m);
}

static void test_pointer_to_itself_is_a_loop(void **state)
{
	/* The question name is a pointer to offset 12: to itself. */
	static const uint8_t body[] = {0xc0, 0x0c, 0, 1, 0, 1};

	(void)state;
	assert_int_equal(parse_hostile(0, body, sizeof(body)), TAPIR_DROP_DNS_POINTER_LOOP);
}

static void test_pointer_back_into_own_labels_is_a_loop(void **state)
{
	/* "a" then a pointer back to the "a": a -> a -> a ... */
	static const uint8_t body[] = {1, 'a', 0xc0, 0x0c, 0, 1, 0, 1};

	(void)state;
	assert_int_equal(parse_hostile(0, body, sizeof(body)), TAPIR_DROP_DNS_POINTER_LOOP);
}

static void test_two_pointers_in_a_circle_are_refused(void **state)
{
	/* Question "x.lab" at 12; the answer's owner at 23 points to 25, which
	 * points back to 23: the first jump is forward, which is refused. */
	static const uint8_t body[] = {1, 'x', 3, 'l', 'a', 'b', 0, 0,  1, 0, 1, 0xc0, 25, 0xc0, 23,
	                               0, 1,   0, 1,   0,   0,   0, 60, 0, 4, 1, 2,    3,  4};

	(void)state;
	assert_int_equal(parse_hostile(1, body, sizeof(body)), TAPIR_DROP_DNS_BAD_POINTER);
}

static void test_long_chain_of_pointers_is_bounded(void **state)
{
	/* Question "a" at 12, then 100 pointers, each to the one before it:
	 * every jump goes backwards, but there are more than DNS_MAX_POINTERS. */
	static const uint8_t q[] = {1, 'a', 0, 0, 1, 0, 1};
	uint8_t msg[12 + sizeof(q) + 200];
	size_t len = hostile(msg, 0, q, sizeof(q));
	size_t last = 0, pos;
	struct dns_name out;

	(void)state;
	for (int i = 0; i < 100; i++) {
		size_t prev = i == 0 ? 12 : len - 2;

		last = len;
		msg[len++] = (uint8_t)(0xc0 | (prev >> 8));
		msg[len++] = (uint8_t)prev;
	}
	pos = last;
	assert_int_equal(dns_name_read(msg, len, &pos, &out), TAPIR_DROP_DNS_POINTER_LOOP);
	/* A chain of DNS_MAX_POINTERS is still a name. */
	pos = 12 + sizeof(q) + 2 * (DNS_MAX_POINTERS - 1);
	assert_int_equal(dns_name_read(msg, len, &pos, &out), TAPIR_DROP_NONE);
	assert_name_text(&out, "a.");
}

static void test_pointer_past_the_end(void **state)
{
	static const uint8_t body[] = {0xc1, 0xff, 0, 1, 0, 1};

	(void)state;
	assert_int_equal(parse_hostile(0, body, sizeof(body)), TAPIR_DROP_DNS_BAD_POINTER);
}

static void test_forward_pointer(void **state)
{
	/* The question points to offset 20, after itself, where a real name is. */
	static const uint8_t body[] = {0xc0, 20, 0, 1, 0, 1, 0, 0, 1, 'a', 0};

	(void)state;
	assert_int_equal(parse_hostile(0, body, sizeof(body)), TAPIR_DROP_DNS_BAD_POINTER);
}

static void test_label_too_long(void **state)
{
	/* A length octet of 64 (01000000): the reserved "extended label" type. */
	uint8_t body[80] = {64};

	(void)state;
	memset(body + 1, 'x', 64);
	assert_int_equal(parse_hostile(0, body, 70), TAPIR_DROP_DNS_BAD_LABEL);
	body[0] = 0x80; /* 10xxxxxx: reserved as well */
	assert_int_equal(parse_hostile(0, body, 70), TAPIR_DROP_DNS_BAD_LABEL);
}

static void test_name_too_long(void **state)
{
	/* Five labels of 63 octets: 320 octets of name. */
	uint8_t body[400];
	size_t n = 0;

	(void)state;
	for (int l = 0; l < 5; l++) {
		body[n++] = 63;
		memset(body + n, 'a' + l, 63);
		n += 63;
	}
	body[n++] = 0;
	memcpy(body + n, "\0\1\0\1", 4);
	n += 4;
	assert_int_equal(parse_hostile(0, body, n), TAPIR_DROP_DNS_NAME_TOO_LONG);
}

static void test_name_too_long_through_pointers(void **state)
{
	/* A 200-octet name, then a name of 100 octets ending in a pointer to it:
	 * each is fine alone, together 300 octets. */
	uint8_t body[400];
	size_t n = 0;

	(void)state;
	for (int l = 0; l < 4; l++) {
		body[n++] = 49;
		memset(body + n, 'a', 49);
		n += 49;
	}
	body[n++] = 0;
	memcpy(body + n, "\0\1\0\1", 4);
	n += 4;
	for (int l = 0; l < 2; l++) {
		body[n++] = 49;
		memset(body + n, 'b', 49);
		n += 49;
	}
	body[n++] = 0xc0;
	body[n++] = 12;
	memcpy(body + n, "\0\1\0\1\0\0\0\1\0\4\1\2\3\4", 14);
	n += 14;
	assert_int_equal(parse_hostile(1, body, n), TAPIR_DROP_DNS_NAME_TOO_LONG);
}

static void test_truncated_everywhere(void **state)
{
	static struct dns_message m;

	(void)state;
	/* Every prefix of a valid answer is refused as truncated, never read past. */
	for (size_t len = 0; len < sizeof(answer_cname); len++) {
		uint8_t *copy = malloc(len ? len : 1);

		assert_non_null(copy);
		memcpy(copy, answer_cname, len);
		assert_int_equal(dns_parse(copy, len, &m), TAPIR_DROP_DNS_TRUNCATED);
		free(copy);
	}
}

static void test_rdata_shape_is_checked(void **state)
{
	/* An A record with 5 octets of RDATA. */
	static const uint8_t bad_a[] = {1, 'a', 0, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0,
	                                1, 0,   0, 0, 1, 0, 5, 1,    2,  3, 4, 5};
	/* A CNAME whose name runs past RDLENGTH. */
	static const uint8_t bad_cname[] = {1, 'a', 0, 0, 1, 0, 1, 0xc0, 12,  0,   5,   0,
	                                    1, 0,   0, 0, 1, 0, 2, 3,    'x', 'y', 'z', 0};
	/* A TXT whose string says 9 octets, with 3 there. */
	static const uint8_t bad_txt[] = {1, 'a', 0, 0, 1, 0, 1, 0xc0, 12,  0,   16, 0,
	                                  1, 0,   0, 0, 1, 0, 4, 9,    'a', 'b', 'c'};

	(void)state;
	assert_int_equal(parse_hostile(1, bad_a, sizeof(bad_a)), TAPIR_DROP_DNS_BAD_RDATA);
	assert_int_equal(parse_hostile(1, bad_cname, sizeof(bad_cname)), TAPIR_DROP_DNS_BAD_RDATA);
	assert_int_equal(parse_hostile(1, bad_txt, sizeof(bad_txt)), TAPIR_DROP_DNS_BAD_RDATA);
}

static void test_thousand_answers_are_bounded(void **state)
{
	/* 1,000 A records of 16 octets each, all present: refused by count
	 * before a single one is walked. */
	size_t len = 12 + 7 + 1000 * 16;
	uint8_t *msg = calloc(1, len);
	static struct dns_message m;
	static const uint8_t q[] = {1, 'a', 0, 0, 1, 0, 1};
	static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1};

	(void)state;
	assert_non_null(msg);
	hostile(msg, 1000, q, sizeof(q));
	for (int i = 0; i < 1000; i++)
		memcpy(msg + 19 + i * 16, rr, 16);
	assert_int_equal(dns_parse(msg, len, &m), TAPIR_DROP_DNS_TOO_MANY_RECORDS);
	/* DNS_SECTION_MAX of them are fine. */
	msg[6] = 0;
	msg[7] = DNS_SECTION_MAX;
	assert_int_equal(dns_parse(msg, 19 + DNS_SECTION_MAX * 16, &m), TAPIR_DROP_NONE);
	assert_int_equal(m.count[DNS_ANSWER], DNS_SECTION_MAX);
	free(msg);
}

static void test_header_only_parse_for_truncated_answers(void **state)
{
	/* A TC answer that stops inside its first record still yields its
	 * header and question (what the resolver needs to retry over TCP). */
	uint8_t msg[64];
	static struct dns_message m;
	size_t end;

	(void)state;
	memcpy(msg, answer_cname, 30);
	msg[2] |= 0x02; /* TC */
	assert_int_equal(dns_parse(msg, 30, &m), TAPIR_DROP_DNS_TRUNCATED);
	assert_int_equal(dns_parse_question(msg, 30, &m, &end), TAPIR_DROP_NONE);
	assert_true(m.header.tc);
	assert_int_equal(end, 25);
	assert_name_text(&m.question.name, "web.lab.");
}

static void test_ttl_with_top_bit_is_zero(void **state)
{
	static const uint8_t body[] = {1, 'a',  0, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0,
	                               1, 0x80, 0, 0, 1, 0, 4, 1,    2,  3, 4};
	uint8_t msg[64];
	static struct dns_message m;

	(void)state;
	assert_int_equal(dns_parse(msg, hostile(msg, 1, body, sizeof(body)), &m), TAPIR_DROP_NONE);
	assert_int_equal(m.rr[DNS_ANSWER][0].ttl, 0); /* RFC 2181 8 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_emit_matches_dig_bytes),
	    cmocka_unit_test(test_query_parses_back),
	    cmocka_unit_test(test_name_text_round_trip),
	    cmocka_unit_test(test_name_text_refuses_bad_names),
	    cmocka_unit_test(test_answer_with_compression_parses),
	    cmocka_unit_test(test_builder_compresses_like_a_server),
	    cmocka_unit_test(test_builder_reports_overflow),
	    cmocka_unit_test(test_rdata_types_round_trip),
	    cmocka_unit_test(test_pointer_to_itself_is_a_loop),
	    cmocka_unit_test(test_pointer_back_into_own_labels_is_a_loop),
	    cmocka_unit_test(test_two_pointers_in_a_circle_are_refused),
	    cmocka_unit_test(test_long_chain_of_pointers_is_bounded),
	    cmocka_unit_test(test_pointer_past_the_end),
	    cmocka_unit_test(test_forward_pointer),
	    cmocka_unit_test(test_label_too_long),
	    cmocka_unit_test(test_name_too_long),
	    cmocka_unit_test(test_name_too_long_through_pointers),
	    cmocka_unit_test(test_truncated_everywhere),
	    cmocka_unit_test(test_rdata_shape_is_checked),
	    cmocka_unit_test(test_thousand_answers_are_bounded),
	    cmocka_unit_test(test_header_only_parse_for_truncated_answers),
	    cmocka_unit_test(test_ttl_with_top_bit_is_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * dns.c — the DNS message format of RFC 1035 section 4.
 *
 *   +---------------------+
 *   |        Header       |  12 octets: ID, flags, four counts (4.1.1)
 *   +---------------------+
 *   |       Question      |  QNAME QTYPE QCLASS (4.1.2)
 *   +---------------------+
 *   |        Answer       |  RRs: NAME TYPE CLASS TTL RDLENGTH RDATA (4.1.3)
 *   +---------------------+
 *   |      Authority      |
 *   +---------------------+
 *   |      Additional     |
 *   +---------------------+
 *
 * Names (4.1.2, 4.1.4) are a sequence of labels, each a length octet and that
 * many octets, ending with the zero-length root label, or ending with a
 * pointer: two octets 11xxxxxx xxxxxxxx giving the offset of an earlier name
 * to continue with. A hostile message can point forward, past the end, or
 * in a circle; every such case is refused here with its own reason.
 */
#include "wire/dns.h"
#include "wire/bytes.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define DNS_POINTER_BITS   0xc0 /* 11xxxxxx: a compression pointer */
#define DNS_POINTER_MAX    0x3fff
#define DNS_RR_FIXED_LEN   10 /* TYPE CLASS TTL RDLENGTH after the name */
#define DNS_QUESTION_FIXED 4  /* QTYPE QCLASS after the name */

/* ---- header (4.1.1) ------------------------------------------------------------ */

/*                                 1  1  1  1  1  1
 *   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 * |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
 */
enum tapir_drop dns_parse_header(const uint8_t *data, size_t len, struct dns_header *h)
{
	uint16_t flags;

	if (len < DNS_HEADER_LEN)
		return TAPIR_DROP_DNS_TRUNCATED;
	flags = read_be16(&data[2]);
	h->id = read_be16(&data[0]);
	h->qr = flags & 0x8000;
	h->opcode = (uint8_t)((flags >> 11) & 0xf);
	h->aa = flags & 0x0400;
	h->tc = flags & 0x0200;
	h->rd = flags & 0x0100;
	h->ra = flags & 0x0080;
	h->ad = flags & 0x0020;
	h->cd = flags & 0x0010;
	h->rcode = (uint8_t)(flags & 0xf);
	h->qdcount = read_be16(&data[4]);
	h->ancount = read_be16(&data[6]);
	h->nscount = read_be16(&data[8]);
	h->arcount = read_be16(&data[10]);
	return TAPIR_DROP_NONE;
}

static uint16_t header_flags(const struct dns_header *h)
{
	return (uint16_t)((h->qr ? 0x8000 : 0) | ((h->opcode & 0xf) << 11) | (h->aa ? 0x0400 : 0) |
	                  (h->tc ? 0x0200 : 0) | (h->rd ? 0x0100 : 0) | (h->ra ? 0x0080 : 0) |
	                  (h->ad ? 0x0020 : 0) | (h->cd ? 0x0010 : 0) | (h->rcode & 0xf));
}

/* ---- names (4.1.2, 4.1.4) -------------------------------------------------------- */

/* Where the next label comes from, and the rule that keeps pointers honest:
 * a pointer must lead to before `floor`, the offset where the labels being
 * read began. Every jump lowers the floor, so the walk always ends. */
struct name_walk {
	size_t pos;     /* the next octet to read */
	size_t floor;   /* pointers must point below this */
	size_t after;   /* where the name ends in the message (0 until known) */
	unsigned jumps; /* pointers followed */
	struct dns_name *out;
};

static enum tapir_drop follow_pointer(const uint8_t *data, size_t len, struct name_walk *w)
{
	size_t target;

	if (w->pos + 2 > len)
		return TAPIR_DROP_DNS_TRUNCATED;
	target = read_be16(&data[w->pos]) & DNS_POINTER_MAX;
	if (target >= len)
		return TAPIR_DROP_DNS_BAD_POINTER; /* past the end of the message */
	if (target == w->pos)
		return TAPIR_DROP_DNS_POINTER_LOOP; /* points at itself */
	if (target > w->pos)
		return TAPIR_DROP_DNS_BAD_POINTER; /* forward: not "a prior occurrence" */
	if (target >= w->floor)
		return TAPIR_DROP_DNS_POINTER_LOOP; /* back into this name's own labels */
	if (++w->jumps > DNS_MAX_POINTERS)
		return TAPIR_DROP_DNS_POINTER_LOOP;
	if (w->after == 0)
		w->after = w->pos + 2; /* the name ends at its first pointer */
	w->pos = target;
	w->floor = target;
	return TAPIR_DROP_NONE;
}

static enum tapir_drop append_label(const uint8_t *data, size_t len, struct name_walk *w,
                                    uint8_t label_len)
{
	if (w->pos + 1 + label_len > len)
		return TAPIR_DROP_DNS_TRUNCATED;
	/* Room for this label and the root octet that must still follow. */
	if ((size_t)w->out->len + 1 + label_len + 1 > DNS_NAME_MAX)
		return TAPIR_DROP_DNS_NAME_TOO_LONG;
	memcpy(&w->out->wire[w->out->len], &data[w->pos], 1 + (size_t)label_len);
	w->out->len = (uint8_t)(w->out->len + 1 + label_len);
	w->pos += 1 + (size_t)label_len;
	return TAPIR_DROP_NONE;
}

enum tapir_drop dns_name_read(const uint8_t *data, size_t len, size_t *offset, struct dns_name *out)
{
	struct name_walk w = {.pos = *offset, .floor = *offset, .out = out};

	out->len = 0;
	for (;;) {
		enum tapir_drop r;
		uint8_t octet;

		if (w.pos >= len)
			return TAPIR_DROP_DNS_TRUNCATED;
		octet = data[w.pos];
		if ((octet & DNS_POINTER_BITS) == DNS_POINTER_BITS) {
			r = follow_pointer(data, len, &w);
		} else if (octet & DNS_POINTER_BITS) {
			return TAPIR_DROP_DNS_BAD_LABEL; /* 01 and 10 are reserved (4.1.4) */
		} else if (octet == 0) {
			out->wire[out->len++] = 0;
			*offset = w.after ? w.after : w.pos + 1;
			return TAPIR_DROP_NONE;
		} else {
			r = append_label(data, len, &w, octet);
		}
		if (r != TAPIR_DROP_NONE)
			return r;
	}
}

static uint8_t ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 'a' - 'A') : c;
}

bool dns_name_equal(const struct dns_name *a, const struct dns_name *b)
{
	if (a->len != b->len)
		return false;
	/* Length octets are below 64 and never letters, so one loop does. */
	for (size_t i = 0; i < a->len; i++)
		if (ascii_lower(a->wire[i]) != ascii_lower(b->wire[i]))
			return false;
	return true;
}

/* ---- names as text (5.1) ----------------------------------------------------------- */

/* One character of a label in text: "\DDD" or "\X" escapes, or itself.
 * Returns the characters used, or 0 for a bad escape. */
static size_t text_octet(const char *text, uint8_t *octet)
{
	if (text[0] != '\\') {
		*octet = (uint8_t)text[0];
		return 1;
	}
	if (text[1] >= '0' && text[1] <= '9') {
		unsigned v = 0;

		for (int i = 1; i <= 3; i++) {
			if (text[i] < '0' || text[i] > '9')
				return 0;
			v = v * 10 + (unsigned)(text[i] - '0');
		}
		if (v > 255)
			return 0;
		*octet = (uint8_t)v;
		return 4;
	}
	if (text[1] == '\0')
		return 0;
	*octet = (uint8_t)text[1];
	return 2;
}

int dns_name_from_text(const char *text, struct dns_name *out)
{
	size_t label_at = 0; /* where the current label's length octet is */

	out->len = 0;
	if (strcmp(text, ".") == 0) {
		out->wire[out->len++] = 0;
		return 0;
	}
	out->wire[out->len++] = 0; /* length of the first label, filled in below */
	while (*text) {
		uint8_t octet;
		size_t used;

		if (*text == '.') {
			if (out->len == label_at + 1)
				return -EINVAL; /* empty label: ".." or a leading dot */
			if (text[1] == '\0')
				break; /* the final dot of an absolute name */
			if (out->len + 2 > DNS_NAME_MAX)
				return -ENAMETOOLONG;
			label_at = out->len;
			out->wire[out->len++] = 0;
			text++;
			continue;
		}
		used = text_octet(text, &octet);
		if (used == 0)
			return -EINVAL;
		if (out->len - label_at > DNS_LABEL_MAX || out->len + 1 >= DNS_NAME_MAX)
			return -ENAMETOOLONG;
		out->wire[out->len++] = octet;
		out->wire[label_at]++;
		text += used;
	}
	if (out->len == label_at + 1)
		return -EINVAL; /* "" or ending in an empty label */
	out->wire[out->len++] = 0;
	return 0;
}

/* Octets dig prints as they are; the rest are escaped. */
static bool printable_in_name(uint8_t c)
{
	return c > 0x20 && c < 0x7f && c != '.' && c != '\\' && c != '"' && c != '(' && c != ')' &&
	       c != ';' && c != '@' && c != '$';
}

int dns_name_to_text(const struct dns_name *name, char *out, size_t cap)
{
	size_t len = 0, i = 0;

	if (cap < 2)
		return -ENOSPC;
	if (name->len <= 1) {
		strcpy(out, ".");
		return 1;
	}
	while (i < name->len && name->wire[i] != 0) {
		uint8_t label_len = name->wire[i++];

		for (uint8_t k = 0; k < label_len && i < name->len; k++, i++) {
			uint8_t c = name->wire[i];
			int n;

			if (printable_in_name(c))
				n = snprintf(out + len, cap - len, "%c", c);
			else if (c > 0x20 && c < 0x7f)
				n = snprintf(out + len, cap - len, "\\%c", c);
			else
				n = snprintf(out + len, cap - len, "\\%03u", c);
			if (n < 0 || (size_t)n >= cap - len)
				return -ENOSPC;
			len += (size_t)n;
		}
		if (len + 2 > cap)
			return -ENOSPC;
		out[len++] = '.';
		out[len] = '\0';
	}
	return (int)len;
}

/* ---- question and records (4.1.2, 4.1.3) -------------------------------------------- */

static enum tapir_drop parse_question_at(const uint8_t *data, size_t len, size_t *pos,
                                         struct dns_question *q)
{
	enum tapir_drop r = dns_name_read(data, len, pos, &q->name);

	if (r != TAPIR_DROP_NONE)
		return r;
	if (*pos + DNS_QUESTION_FIXED > len)
		return TAPIR_DROP_DNS_TRUNCATED;
	q->type = read_be16(&data[*pos]);
	q->qclass = read_be16(&data[*pos + 2]);
	*pos += DNS_QUESTION_FIXED;
	return TAPIR_DROP_NONE;
}

enum tapir_drop dns_parse_question(const uint8_t *data, size_t len, struct dns_message *msg,
                                   size_t *end)
{
	enum tapir_drop r = dns_parse_header(data, len, &msg->header);
	size_t pos = DNS_HEADER_LEN;

	msg->data = data;
	msg->len = len;
	msg->has_question = false;
	memset(msg->count, 0, sizeof(msg->count));
	if (r != TAPIR_DROP_NONE)
		return r;
	/* Every real query carries one question; a response to it, one or none. */
	if (msg->header.qdcount > 1)
		return TAPIR_DROP_DNS_TOO_MANY_RECORDS;
	if (msg->header.qdcount == 1) {
		r = parse_question_at(data, len, &pos, &msg->question);
		if (r != TAPIR_DROP_NONE)
			return r;
		msg->has_question = true;
	}
	*end = pos;
	return TAPIR_DROP_NONE;
}

/* Check that RDATA holding names (CNAME, MX, SOA...) reads cleanly and
 * ends exactly at RDLENGTH. `fixed_before`/`fixed_after` are the octets of
 * numbers before and after the names. */
static enum tapir_drop check_rdata_names(const uint8_t *data, const struct dns_rr *rr,
                                         size_t fixed_before, unsigned names, size_t fixed_after)
{
	size_t end = (size_t)rr->rdata_offset + rr->rdata_len;
	size_t pos = rr->rdata_offset + fixed_before;
	struct dns_name name;

	if (pos > end)
		return TAPIR_DROP_DNS_BAD_RDATA;
	for (unsigned i = 0; i < names; i++) {
		/* A name must not run past RDLENGTH, only point back before it. */
		enum tapir_drop r = dns_name_read(data, end, &pos, &name);

		if (r == TAPIR_DROP_DNS_TRUNCATED)
			return TAPIR_DROP_DNS_BAD_RDATA;
		if (r != TAPIR_DROP_NONE)
			return r;
	}
	return pos + fixed_after == end ? TAPIR_DROP_NONE : TAPIR_DROP_DNS_BAD_RDATA;
}

static enum tapir_drop check_txt(const uint8_t *rdata, size_t rdlen)
{
	size_t pos = 0;

	if (rdlen == 0)
		return TAPIR_DROP_DNS_BAD_RDATA; /* at least one <character-string> */
	while (pos < rdlen)
		pos += 1 + (size_t)rdata[pos];
	return pos == rdlen ? TAPIR_DROP_NONE : TAPIR_DROP_DNS_BAD_RDATA;
}

/* RDATA of the types we decode must have the shape RFC 1035 3.3 gives. */
static enum tapir_drop check_rdata(const uint8_t *data, const struct dns_rr *rr)
{
	switch (rr->type) {
	case DNS_TYPE_A:
		return rr->rdata_len == 4 ? TAPIR_DROP_NONE : TAPIR_DROP_DNS_BAD_RDATA;
	case DNS_TYPE_AAAA:
		return rr->rdata_len == 16 ? TAPIR_DROP_NONE : TAPIR_DROP_DNS_BAD_RDATA;
	case DNS_TYPE_CNAME:
	case DNS_TYPE_NS:
	case DNS_TYPE_PTR:
		return check_rdata_names(data, rr, 0, 1, 0);
	case DNS_TYPE_MX:
		return check_rdata_names(data, rr, 2, 1, 0);
	case DNS_TYPE_SOA:
		return check_rdata_names(data, rr, 0, 2, 20);
	case DNS_TYPE_TXT:
		return check_txt(&data[rr->rdata_offset], rr->rdata_len);
	default:
		return TAPIR_DROP_NONE; /* kept as raw octets */
	}
}

static enum tapir_drop parse_rr_at(const uint8_t *data, size_t len, size_t *pos, struct dns_rr *rr)
{
	struct dns_name owner;
	enum tapir_drop r;

	rr->name_offset = (uint16_t)*pos;
	r = dns_name_read(data, len, pos, &owner);
	if (r != TAPIR_DROP_NONE)
		return r;
	if (*pos + DNS_RR_FIXED_LEN > len)
		return TAPIR_DROP_DNS_TRUNCATED;
	rr->type = read_be16(&data[*pos]);
	rr->rclass = read_be16(&data[*pos + 2]);
	/* RFC 2181 8: a TTL with the top bit set is treated as zero. */
	rr->ttl = read_be32(&data[*pos + 4]);
	if (rr->ttl > 0x7fffffffu)
		rr->ttl = 0;
	rr->rdata_len = read_be16(&data[*pos + 8]);
	*pos += DNS_RR_FIXED_LEN;
	if (*pos + rr->rdata_len > len)
		return TAPIR_DROP_DNS_TRUNCATED;
	rr->rdata_offset = (uint16_t)*pos;
	*pos += rr->rdata_len;
	return check_rdata(data, rr);
}

enum tapir_drop dns_parse(const uint8_t *data, size_t len, struct dns_message *msg)
{
	size_t pos;
	enum tapir_drop r;
	uint16_t counts[DNS_SECTIONS];

	/* Offsets are kept in 16 bits: larger input is no DNS message. */
	if (len > 65535)
		return TAPIR_DROP_DNS_TRUNCATED;
	r = dns_parse_question(data, len, msg, &pos);
	if (r != TAPIR_DROP_NONE)
		return r;
	counts[DNS_ANSWER] = msg->header.ancount;
	counts[DNS_AUTHORITY] = msg->header.nscount;
	counts[DNS_ADDITIONAL] = msg->header.arcount;
	for (int s = 0; s < DNS_SECTIONS; s++)
		if (counts[s] > DNS_SECTION_MAX)
			return TAPIR_DROP_DNS_TOO_MANY_RECORDS;
	for (int s = 0; s < DNS_SECTIONS; s++) {
		for (uint16_t i = 0; i < counts[s]; i++) {
			r = parse_rr_at(data, len, &pos, &msg->rr[s][i]);
			if (r != TAPIR_DROP_NONE)
				return r;
			msg->count[s]++;
		}
	}
	/* Octets after the last record are ignored, as resolvers do. */
	return TAPIR_DROP_NONE;
}

void dns_rr_name(const struct dns_message *msg, const struct dns_rr *rr, struct dns_name *out)
{
	size_t pos = rr->name_offset;

	if (dns_name_read(msg->data, msg->len, &pos, out) != TAPIR_DROP_NONE)
		out->len = 0;
}

static enum tapir_drop read_rdata_name(const struct dns_message *msg, const struct dns_rr *rr,
                                       size_t *pos, struct dns_name *out)
{
	return dns_name_read(msg->data, (size_t)rr->rdata_offset + rr->rdata_len, pos, out);
}

enum tapir_drop dns_rdata_parse(const struct dns_message *msg, const struct dns_rr *rr,
                                struct dns_rdata *out)
{
	const uint8_t *p = &msg->data[rr->rdata_offset];
	size_t pos = rr->rdata_offset;
	enum tapir_drop r = check_rdata(msg->data, rr);

	if (r != TAPIR_DROP_NONE)
		return r;
	out->type = rr->type;
	switch (rr->type) {
	case DNS_TYPE_A:
		out->u.a = read_be32(p);
		return TAPIR_DROP_NONE;
	case DNS_TYPE_AAAA:
		memcpy(out->u.aaaa, p, 16);
		return TAPIR_DROP_NONE;
	case DNS_TYPE_CNAME:
	case DNS_TYPE_NS:
	case DNS_TYPE_PTR:
		return read_rdata_name(msg, rr, &pos, &out->u.target);
	case DNS_TYPE_MX:
		out->u.mx.preference = read_be16(p);
		pos += 2;
		return read_rdata_name(msg, rr, &pos, &out->u.mx.exchange);
	case DNS_TYPE_SOA:
		r = read_rdata_name(msg, rr, &pos, &out->u.soa.mname);
		if (r == TAPIR_DROP_NONE)
			r = read_rdata_name(msg, rr, &pos, &out->u.soa.rname);
		if (r != TAPIR_DROP_NONE)
			return r;
		out->u.soa.serial = read_be32(&msg->data[pos]);
		out->u.soa.refresh = read_be32(&msg->data[pos + 4]);
		out->u.soa.retry = read_be32(&msg->data[pos + 8]);
		out->u.soa.expire = read_be32(&msg->data[pos + 12]);
		out->u.soa.minimum = read_be32(&msg->data[pos + 16]);
		return TAPIR_DROP_NONE;
	case DNS_TYPE_TXT:
		out->u.txt.data = p;
		out->u.txt.len = rr->rdata_len;
		return TAPIR_DROP_NONE;
	default:
		out->u.raw.data = p;
		out->u.raw.len = rr->rdata_len;
		return TAPIR_DROP_NONE;
	}
}

/* ---- building --------------------------------------------------------------------- */

void dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
}

static int put(struct dns_builder *b, const void *data, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return -ENOSPC;
	}
	memcpy(&b->buf[b->len], data, n);
	b->len += n;
	return 0;
}

static int put16(struct dns_builder *b, uint16_t v)
{
	uint8_t p[2];

	write_be16(p, v);
	return put(b, p, 2);
}

static int put32(struct dns_builder *b, uint32_t v)
{
	uint8_t p[4];

	write_be32(p, v);
	return put(b, p, 4);
}

int dns_build_header(struct dns_builder *b, const struct dns_header *h)
{
	uint8_t p[DNS_HEADER_LEN];

	write_be16(&p[0], h->id);
	write_be16(&p[2], header_flags(h));
	write_be16(&p[4], h->qdcount);
	write_be16(&p[6], h->ancount);
	write_be16(&p[8], h->nscount);
	write_be16(&p[10], h->arcount);
	return put(b, p, sizeof(p));
}

/* The suffix of `name` starting at wire offset `at`, as a name of its own. */
static void name_suffix(const struct dns_name *name, size_t at, struct dns_name *out)
{
	out->len = (uint8_t)(name->len - at);
	memcpy(out->wire, &name->wire[at], out->len);
}

/* An earlier name in the message that equals `suffix`: its offset, or -1. */
static long find_earlier(const struct dns_builder *b, const struct dns_name *suffix)
{
	for (size_t i = 0; i < b->nnames; i++) {
		struct dns_name seen;
		size_t pos = b->names[i];

		if (dns_name_read(b->buf, b->len, &pos, &seen) == TAPIR_DROP_NONE &&
		    dns_name_equal(&seen, suffix))
			return b->names[i];
	}
	return -1;
}

static void remember_name(struct dns_builder *b, size_t offset)
{
	if (b->nnames < DNS_COMPRESS_MAX && offset <= DNS_POINTER_MAX)
		b->names[b->nnames++] = (uint16_t)offset;
}

int dns_build_name(struct dns_builder *b, const struct dns_name *name)
{
	size_t at = 0;

	/* Write labels until the rest of the name was written before (then a
	 * pointer to it ends the name) or only the root is left. */
	while (at < name->len && name->wire[at] != 0) {
		struct dns_name suffix;
		long earlier;
		size_t label = 1 + (size_t)name->wire[at];

		name_suffix(name, at, &suffix);
		earlier = find_earlier(b, &suffix);
		if (earlier >= 0)
			return put16(b, (uint16_t)(0xc000 | earlier));
		remember_name(b, b->len);
		if (put(b, &name->wire[at], label) < 0)
			return -ENOSPC;
		at += label;
	}
	return put(b, "", 1);
}

int dns_build_question(struct dns_builder *b, const struct dns_question *q)
{
	dns_build_name(b, &q->name);
	put16(b, q->type);
	return put16(b, q->qclass);
}

static int build_rdata(struct dns_builder *b, const struct dns_rdata *rd)
{
	switch (rd->type) {
	case DNS_TYPE_A:
		return put32(b, rd->u.a);
	case DNS_TYPE_AAAA:
		return put(b, rd->u.aaaa, 16);
	case DNS_TYPE_CNAME:
	case DNS_TYPE_NS:
	case DNS_TYPE_PTR:
		return dns_build_name(b, &rd->u.target);
	case DNS_TYPE_MX:
		put16(b, rd->u.mx.preference);
		return dns_build_name(b, &rd->u.mx.exchange);
	case DNS_TYPE_SOA:
		dns_build_name(b, &rd->u.soa.mname);
		dns_build_name(b, &rd->u.soa.rname);
		put32(b, rd->u.soa.serial);
		put32(b, rd->u.soa.refresh);
		put32(b, rd->u.soa.retry);
		put32(b, rd->u.soa.expire);
		return put32(b, rd->u.soa.minimum);
	case DNS_TYPE_TXT:
		return put(b, rd->u.txt.data, rd->u.txt.len);
	default:
		return put(b, rd->u.raw.data, rd->u.raw.len);
	}
}

int dns_build_rr(struct dns_builder *b, const struct dns_name *name, uint16_t rclass, uint32_t ttl,
                 const struct dns_rdata *rdata)
{
	size_t rdlen_at;
	size_t rdlen;

	dns_build_name(b, name);
	put16(b, rdata->type);
	put16(b, rclass);
	put32(b, ttl);
	rdlen_at = b->len;
	put16(b, 0); /* RDLENGTH, known once the RDATA is written */
	build_rdata(b, rdata);
	if (b->overflow)
		return -ENOSPC;
	rdlen = b->len - rdlen_at - 2;
	if (rdlen > 0xffff) {
		b->overflow = true;
		return -ENOSPC;
	}
	write_be16(&b->buf[rdlen_at], (uint16_t)rdlen);
	return 0;
}

size_t dns_query_emit(uint16_t id, bool recursion_desired, const struct dns_name *qname,
                      uint16_t qtype, uint8_t *out, size_t cap)
{
	struct dns_builder b;
	struct dns_header h = {.id = id, .rd = recursion_desired, .qdcount = 1};
	struct dns_question q = {.name = *qname, .type = qtype, .qclass = DNS_CLASS_IN};

	dns_builder_init(&b, out, cap);
	dns_build_header(&b, &h);
	dns_build_question(&b, &q);
	return b.overflow ? 0 : b.len;
}

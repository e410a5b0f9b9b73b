/*
 * names.c — the words for DNS numbers: record types (RFC 1035 3.2.2, RFC
 * 3596 for AAAA, RFC 3597 for "TYPE65"), response codes (RFC 1035 4.1.1),
 * and the one-line summary of how a lookup ended.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tapir/dns.h"

struct type_row {
	uint16_t type;
	const char *name;
};

static const struct type_row type_rows[] = {
    {TAPIR_DNS_TYPE_A, "A"},     {TAPIR_DNS_TYPE_NS, "NS"},     {TAPIR_DNS_TYPE_CNAME, "CNAME"},
    {TAPIR_DNS_TYPE_SOA, "SOA"}, {TAPIR_DNS_TYPE_PTR, "PTR"},   {TAPIR_DNS_TYPE_MX, "MX"},
    {TAPIR_DNS_TYPE_TXT, "TXT"}, {TAPIR_DNS_TYPE_AAAA, "AAAA"}, {TAPIR_DNS_TYPE_ANY, "ANY"},
};

#define TYPE_ROWS (sizeof(type_rows) / sizeof(type_rows[0]))

void tapir_dns_type_format(uint16_t type, char out[TAPIR_DNS_TYPE_STRLEN])
{
	for (size_t i = 0; i < TYPE_ROWS; i++) {
		if (type_rows[i].type == type) {
			snprintf(out, TAPIR_DNS_TYPE_STRLEN, "%s", type_rows[i].name);
			return;
		}
	}
	snprintf(out, TAPIR_DNS_TYPE_STRLEN, "TYPE%u", type);
}

int tapir_dns_type_parse(const char *text, uint16_t *out)
{
	char *end;
	unsigned long v;

	for (size_t i = 0; i < TYPE_ROWS; i++) {
		if (strcasecmp(text, type_rows[i].name) == 0) {
			*out = type_rows[i].type;
			return 0;
		}
	}
	if (strncasecmp(text, "TYPE", 4) != 0 || text[4] == '\0')
		return -EINVAL;
	v = strtoul(text + 4, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

const char *tapir_dns_rcode_name(uint8_t rcode)
{
	static const char *const names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
	                                    "NXDOMAIN", "NOTIMP",  "REFUSED"};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return "RESERVED";
}

void tapir_dns_result_format(const struct tapir_dns_result *r, char *out, size_t cap)
{
	if (cap == 0)
		return;
	if (r->error == -ETIMEDOUT && r->last_refusal != TAPIR_DROP_NONE)
		snprintf(out, cap, "timed out: no acceptable answer (the last was refused: %s, %s)",
		         tapir_drop_name(r->last_refusal), tapir_drop_text(r->last_refusal));
	else if (r->error == -ETIMEDOUT)
		snprintf(out, cap, "timed out: no answer from any server");
	else if (r->error == -ECONNREFUSED)
		snprintf(out, cap,
		         "connection refused: no server listening (ICMP port unreachable)");
	else if (r->error == -ELOOP)
		snprintf(out, cap, "CNAME chain longer than %d links (or a loop)",
		         TAPIR_DNS_CNAME_MAX);
	else if (r->error < 0)
		snprintf(out, cap, "failed: %s", tapir_strerror(r->error));
	else
		snprintf(out, cap, "%s", tapir_dns_rcode_name(r->rcode));
}

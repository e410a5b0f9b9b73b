/*
 * tapir-dig — look names up through tapir's stub resolver and print the
 * answers the way dig does: the header (opcode, status, id, flags), the
 * question, answer, authority and additional sections with their TTLs, the
 * query time, the server and the message size (RFC 1035 4.1).
 *
 *     tapir-dig www.lab                 A record from 10.0.0.1
 *     tapir-dig lab MX @10.0.0.1        any type, any server
 *     tapir-dig www.lab www.lab +short  several names in one run, in order:
 *                                       the second comes from the cache
 *
 * Exit status: 0 when every lookup got NOERROR, 1 when a server said
 * NXDOMAIN, SERVFAIL or another error, 9 when no acceptable answer came
 * (dig's "no reply"), 10 for other failures (CNAME loop, TCP retry failed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "tapir/dns.h"

#define LOOKUPS_MAX 64

enum { OPT_PORT = 2000, OPT_TIMEOUT, OPT_TRIES, OPT_HOST, OPT_NOTCP, OPT_SHORT };

struct lookup {
	const char *name;
	uint16_t type;
};

struct dig {
	struct lookup lookups[LOOKUPS_MAX];
	size_t nlookups, next;
	bool in_flight;
	bool short_output;
	struct tapir_dns_config cfg;
	bool server_given;
	const char *hosts[TAPIR_DNS_HOSTS_MAX];
	size_t nhosts;
	struct tapir_dns *dns;
	struct app *app;
	tapir_time asked_at; /* app_now() when the lookup was handed over */
	int status;
};

static const struct option dig_options[] = {
    {"port", required_argument, NULL, OPT_PORT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"tries", required_argument, NULL, OPT_TRIES},
    {"host", required_argument, NULL, OPT_HOST},
    {"notcp", no_argument, NULL, OPT_NOTCP},
    {"short", no_argument, NULL, OPT_SHORT},
    {NULL, 0, NULL, 0},
};

static int parse_number(const char *arg, double min, double max, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int dig_option(void *ctx, int opt, const char *arg)
{
	struct dig *d = ctx;
	double v;

	switch (opt) {
	case OPT_PORT:
		if (parse_number(arg, 1, 65535, &v) < 0)
			return -1;
		d->cfg.port = (uint16_t)v;
		return 0;
	case OPT_TIMEOUT:
		if (parse_number(arg, 0.001, 3600, &v) < 0)
			return -1;
		d->cfg.timeout = (tapir_time)(v * 1e6);
		return 0;
	case OPT_TRIES:
		if (parse_number(arg, 1, 20, &v) < 0)
			return -1;
		d->cfg.tries = (unsigned)v;
		return 0;
	case OPT_HOST:
		if (d->nhosts >= TAPIR_DNS_HOSTS_MAX || !strchr(arg, '='))
			return -1;
		d->hosts[d->nhosts++] = arg;
		return 0;
	case OPT_NOTCP:
		d->cfg.tcp_on_truncation = false;
		return 0;
	case OPT_SHORT:
		d->short_output = true;
		return 0;
	default:
		return -1;
	}
}

/* NAME [TYPE] ... @SERVER +short +notcp, in dig's order-free way. */
static int parse_words(struct dig *d, int argc, char **argv, int first)
{
	for (int i = first; i < argc; i++) {
		const char *w = argv[i];
		uint16_t type;

		if (w[0] == '@') {
			if (!d->server_given)
				d->cfg.nservers = 0; /* the first @SERVER replaces the default */
			d->server_given = true;
			if (d->cfg.nservers >= TAPIR_DNS_SERVERS_MAX) {
				fprintf(stderr, "tapir-dig: at most %d servers\n",
				        TAPIR_DNS_SERVERS_MAX);
				return -1;
			}
			if (tapir_ip_parse(w + 1, &d->cfg.servers[d->cfg.nservers]) < 0) {
				fprintf(stderr, "tapir-dig: '%s': give the server as @IPv4\n", w);
				return -1;
			}
			d->cfg.nservers++;
		} else if (strcmp(w, "+short") == 0) {
			d->short_output = true;
		} else if (strcmp(w, "+notcp") == 0) {
			d->cfg.tcp_on_truncation = false;
		} else if (d->nlookups > 0 && tapir_dns_type_parse(w, &type) == 0) {
			d->lookups[d->nlookups - 1].type = type;
		} else if (d->nlookups < LOOKUPS_MAX) {
			d->lookups[d->nlookups].name = w;
			d->lookups[d->nlookups].type = TAPIR_DNS_TYPE_A;
			d->nlookups++;
		} else {
			fprintf(stderr, "tapir-dig: at most %d names\n", LOOKUPS_MAX);
			return -1;
		}
	}
	if (d->nlookups == 0) {
		fprintf(stderr, "tapir-dig: give a name to look up (see --help)\n");
		return -1;
	}
	return 0;
}

static int add_hosts(struct dig *d)
{
	for (size_t i = 0; i < d->nhosts; i++) {
		char name[256];
		const char *eq = strchr(d->hosts[i], '=');
		size_t n = (size_t)(eq - d->hosts[i]);
		tapir_ip ip;

		if (n >= sizeof(name) || tapir_ip_parse(eq + 1, &ip) < 0)
			return -1;
		memcpy(name, d->hosts[i], n);
		name[n] = '\0';
		if (tapir_dns_add_host(d->dns, name, ip) < 0)
			return -1;
	}
	return 0;
}

/* ---- printing like dig ------------------------------------------------------------- */

static void print_record(const struct tapir_dns_rr *rr)
{
	char type[TAPIR_DNS_TYPE_STRLEN];

	tapir_dns_type_format(rr->type, type);
	if (rr->rclass == 1)
		printf("%s\t\t%u\tIN\t%s\t%s\n", rr->name, rr->ttl, type, rr->text);
	else
		printf("%s\t\t%u\tCLASS%u\t%s\t%s\n", rr->name, rr->ttl, rr->rclass, type,
		       rr->text);
}

static void print_section(const struct tapir_dns_result *r, int s, const char *title)
{
	if (r->count[s] == 0)
		return;
	printf("\n;; %s SECTION:\n", title);
	for (size_t i = 0; i < r->count[s]; i++)
		print_record(&r->section[s][i]);
}

static void print_flags(const struct tapir_dns_result *r)
{
	printf(";; flags: qr%s%s%s%s%s%s;", r->aa ? " aa" : "", r->tc ? " tc" : "",
	       r->rd ? " rd" : "", r->ra ? " ra" : "", r->ad ? " ad" : "", r->cd ? " cd" : "");
	printf(" QUERY: 1, ANSWER: %zu, AUTHORITY: %zu, ADDITIONAL: %zu\n",
	       r->count[TAPIR_DNS_ANSWER], r->count[TAPIR_DNS_AUTHORITY],
	       r->count[TAPIR_DNS_ADDITIONAL]);
}

static void print_when(void)
{
	char when[64];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%a %b %d %H:%M:%S UTC %Y", &tm);
	printf(";; WHEN: %s\n", when);
}

static void print_footer(const struct tapir_dns_result *r, tapir_time wall)
{
	char server[TAPIR_IP_STRLEN];

	tapir_ip_format(r->server, server);
	printf("\n;; Query time: %lld msec (%lld usec in the program)\n",
	       (long long)(r->elapsed / 1000), (long long)wall);
	if (r->from_hosts)
		printf(";; SERVER: hosts table (no query sent)\n");
	else if (r->from_cache)
		printf(";; SERVER: %s#%u(%s) (from tapir's cache: no query sent)\n", server,
		       r->port, server);
	else
		printf(";; SERVER: %s#%u(%s) (%s)\n", server, r->port, server,
		       r->over_tcp ? "TCP" : "UDP");
	print_when();
	printf(";; MSG SIZE  rcvd: %zu\n\n", r->message_size);
}

static void print_full(const struct tapir_dns_result *r, tapir_time wall)
{
	char type[TAPIR_DNS_TYPE_STRLEN];

	tapir_dns_type_format(r->type, type);
	printf("\n; <<>> tapir-dig <<>> %s %s\n", r->name, type);
	if (r->over_tcp)
		printf(";; Truncated, retrying in TCP mode.\n");
	printf(";; Got answer:\n");
	printf(";; ->>HEADER<<- opcode: QUERY, status: %s, id: %u\n",
	       tapir_dns_rcode_name(r->rcode), r->id);
	print_flags(r);
	printf("\n;; QUESTION SECTION:\n;%s\t\t\tIN\t%s\n", r->name, type);
	print_section(r, TAPIR_DNS_ANSWER, "ANSWER");
	print_section(r, TAPIR_DNS_AUTHORITY, "AUTHORITY");
	print_section(r, TAPIR_DNS_ADDITIONAL, "ADDITIONAL");
	if (r->omitted)
		printf("\n;; (%zu more records not kept: TAPIR_DNS_RESULT_RECORDS)\n", r->omitted);
	print_footer(r, wall);
}

static void print_short(const struct tapir_dns_result *r)
{
	for (size_t i = 0; i < r->count[TAPIR_DNS_ANSWER]; i++)
		printf("%s\n", r->section[TAPIR_DNS_ANSWER][i].text);
}

/* dig's exit statuses: 9 when no server answered (silence, or ICMP saying
 * nothing listens), 10 for other failures. */
static int exit_status_for(const struct tapir_dns_result *r)
{
	if (r->error == -ETIMEDOUT || r->error == -ECONNREFUSED)
		return 9;
	if (r->error < 0)
		return 10;
	return r->rcode == TAPIR_DNS_NOERROR ? 0 : 1;
}

static void report_failure(const struct tapir_dns_result *r)
{
	char why[256];
	char server[TAPIR_IP_STRLEN];

	tapir_dns_result_format(r, why, sizeof(why));
	tapir_ip_format(r->server, server);
	if (r->error < 0)
		fprintf(stderr, "tapir-dig: %s: %s\n", r->name, why);
	else if (r->rcode == TAPIR_DNS_NXDOMAIN)
		fprintf(stderr, "tapir-dig: %s: NXDOMAIN: no such name (answered by %s%s)\n",
		        r->name, server, r->from_cache ? ", from the cache" : "");
	else
		fprintf(stderr, "tapir-dig: %s: the server %s answered %s\n", r->name, server, why);
}

static void on_result(void *user, const struct tapir_dns_result *r)
{
	struct dig *d = user;
	tapir_time wall = app_now() - d->asked_at;
	int status = exit_status_for(r);

	if (r->error == 0 && !d->short_output)
		print_full(r, wall);
	else if (r->error == 0)
		print_short(r);
	if (status != 0)
		report_failure(r);
	fflush(stdout);
	if (status > d->status)
		d->status = status;
	d->in_flight = false;
	d->next++;
}

static tapir_time dig_tick(void *ctx, tapir_time now)
{
	struct dig *d = ctx;
	long n;

	(void)now;
	if (d->in_flight)
		return TAPIR_TIME_NEVER;
	if (d->next >= d->nlookups)
		return -1;
	d->asked_at = app_now();
	n = tapir_dns_resolve(d->dns, d->lookups[d->next].name, d->lookups[d->next].type, on_result,
	                      d);
	if (n < 0) {
		fprintf(stderr, "tapir-dig: %s: %s\n", d->lookups[d->next].name,
		        n == -EINVAL ? "not a valid domain name" : tapir_strerror((int)n));
		d->status = d->status > 10 ? d->status : 10;
		d->next++;
		return now;
	}
	d->in_flight = true;
	return TAPIR_TIME_NEVER;
}

int main(int argc, char **argv)
{
	static struct app app;
	static struct dig d;
	struct app_spec spec = {
	    .name = "tapir-dig",
	    .usage = "NAME [TYPE] [NAME [TYPE]...] [@SERVER] [+short] [+notcp]",
	    .summary = "Look names up with tapir's stub resolver and print the answer like dig.",
	    .help = "  NAME [TYPE]        A (default), AAAA, CNAME, MX, NS, TXT, SOA, PTR, TYPEn;\n"
	            "                     several names are looked up in order (cache shared)\n"
	            "  @SERVER            name server (default 10.0.0.1); repeat for a list\n"
	            "  +short, --short    only the answers' data\n"
	            "  +notcp, --notcp    do not retry truncated answers over TCP\n"
	            "  --port N           server port (default 53)\n"
	            "  --timeout S        seconds to wait per try (default 2, doubled each round)\n"
	            "  --tries N          rounds over the server list (default 2)\n"
	            "  --host NAME=IP     an entry of the static hosts table (checked first)\n"
	            "exit status: 0 NOERROR, 1 NXDOMAIN/SERVFAIL/REFUSED, 9 no reply, 10 other\n",
	    .shortopts = "",
	    .longopts = dig_options,
	    .option = dig_option,
	    .ctx = &d,
	};
	int first;

	tapir_dns_config_default(&d.cfg);
	first = app_parse(argc, argv, &spec, &app.opt);
	if (parse_words(&d, argc, argv, first) < 0)
		return 2;
	d.app = &app;
	if (app_start(&app, &spec) < 0)
		return 1;
	if (tapir_dns_new(app.stack, &d.cfg, &d.dns) < 0 || add_hosts(&d) < 0) {
		fprintf(stderr, "tapir-dig: cannot set up the resolver (bad --host?)\n");
		app_finish(&app);
		return 2;
	}
	if (app_run(&app, dig_tick, &d) != 0)
		d.status = d.status ? d.status : 10;
	tapir_dns_free(d.dns);
	app_finish(&app);
	return d.status;
}

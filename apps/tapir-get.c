/*
 * tapir-get — fetch URLs over HTTP/1.1 with the tapir stack, like a small
 * curl: the host is resolved with tapir's DNS resolver (or taken as an IP
 * literal), the body goes to stdout, request and response heads to stderr
 * with -v, redirects are followed with -L, and several URLs on the same
 * host share one kept-alive connection.
 *
 *     tapir-get [-v] [-L] [--dns ADDR] URL...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "tapir/dns.h"
#include "tapir/http.h"

#define URL_MAX 2048

struct url {
	char host[256];
	uint16_t port;
	char target[URL_MAX];
};

enum get_state {
	GET_NEXT,      /* start the next URL (or finish) */
	GET_RESOLVING, /* waiting for the resolver */
	GET_CONNECT,   /* address known: connect or reuse */
	GET_WAITING,   /* request sent, response coming */
	GET_DONE,      /* the response is complete: redirect or move on */
	GET_FAILED,    /* this URL failed: report, go on with the next */
	GET_FINISHED,  /* every URL done */
};

struct get {
	struct app *app;
	bool verbose, follow, head;
	tapir_ip dns_server;
	struct tapir_dns *dns;
	char **urls;
	int nurls, next;
	struct url url;
	unsigned redirects;
	enum get_state state;
	tapir_ip ip;
	tapir_ip conn_ip;
	uint16_t conn_port;
	struct tapir_http_client *client;
	bool reusable;
	int error;
	unsigned status;
	char location[URL_MAX];
	int exit_code;
	unsigned connections;
};

enum { OPT_DNS = 3000 };

static const struct option get_options[] = {
    {"verbose", no_argument, NULL, 'v'},
    {"location", no_argument, NULL, 'L'},
    {"head", no_argument, NULL, 'I'},
    {"dns", required_argument, NULL, OPT_DNS},
    {NULL, 0, NULL, 0},
};

static int get_option(void *ctx, int opt, const char *arg)
{
	struct get *g = ctx;

	switch (opt) {
	case 'v':
		g->verbose = true;
		return 0;
	case 'L':
		g->follow = true;
		return 0;
	case 'I':
		g->head = true;
		return 0;
	case OPT_DNS:
		return tapir_ip_parse(arg, &g->dns_server) < 0 ? -1 : 0;
	default:
		return -1;
	}
}

/* "http://host[:port][/path]" -> url. Returns 0 or -EINVAL. */
static int parse_url(const char *text, struct url *u)
{
	const char *p = text;
	size_t n;

	if (strncasecmp(p, "http://", 7) == 0)
		p += 7;
	else if (strstr(p, "://"))
		return -EINVAL; /* https and others: not here */
	n = strcspn(p, ":/?#");
	if (n == 0 || n >= sizeof(u->host))
		return -EINVAL;
	memcpy(u->host, p, n);
	u->host[n] = '\0';
	p += n;
	u->port = 80;
	if (*p == ':') {
		char *end;
		long port = strtol(p + 1, &end, 10);
		if (port < 1 || port > 65535 || end == p + 1)
			return -EINVAL;
		u->port = (uint16_t)port;
		p = end;
	}
	snprintf(u->target, sizeof(u->target), "%s%s", *p == '/' ? "" : "/", p);
	char *hash = strchr(u->target, '#');
	if (hash)
		*hash = '\0';
	return 0;
}

/* A Location may be absolute or a path on the same server. */
static int follow_location(struct get *g)
{
	if (strncasecmp(g->location, "http://", 7) == 0)
		return parse_url(g->location, &g->url);
	if (strstr(g->location, "://"))
		return -EINVAL;
	if (g->location[0] == '/') {
		snprintf(g->url.target, sizeof(g->url.target), "%s", g->location);
		return 0;
	}
	/* Relative to the current directory of the target. */
	char base[URL_MAX];
	snprintf(base, sizeof(base), "%s", g->url.target);
	char *slash = strrchr(base, '/');
	if (slash)
		slash[1] = '\0';
	if ((size_t)snprintf(g->url.target, sizeof(g->url.target), "%s%s", base, g->location) >=
	    sizeof(g->url.target))
		return -EINVAL;
	return 0;
}

static void print_block(const char *prefix, const char *text)
{
	const char *line = text;

	while (*line) {
		size_t n = strcspn(line, "\r\n");
		fprintf(stderr, "%s%.*s\n", prefix, (int)n, line);
		line += n;
		if (*line == '\r')
			line++;
		if (*line == '\n')
			line++;
		if (n == 0)
			break;
	}
}

static void on_head(void *user, const struct tapir_http_message *msg)
{
	struct get *g = user;
	const char *loc = tapir_http_header(msg, "Location");

	g->status = msg->status;
	snprintf(g->location, sizeof(g->location), "%s", loc ? loc : "");
	if (!g->verbose)
		return;
	fprintf(stderr, "< HTTP/%u.%u %u %s\n", msg->version / 10, msg->version % 10, msg->status,
	        msg->reason);
	for (size_t i = 0; i < msg->nheaders; i++)
		fprintf(stderr, "< %s: %s\n", msg->headers[i].name, msg->headers[i].value);
	fprintf(stderr, "<\n");
}

static void on_body(void *user, const uint8_t *data, size_t len)
{
	struct get *g = user;
	bool redirect = g->follow && g->status >= 300 && g->status < 400 && g->location[0];

	if (!redirect)
		fwrite(data, 1, len, stdout);
}

static void on_done(void *user, int error, bool reusable)
{
	struct get *g = user;

	g->error = error;
	g->reusable = reusable;
	g->state = error ? GET_FAILED : GET_DONE;
}

static void on_resolved(void *user, const struct tapir_dns_result *r)
{
	struct get *g = user;
	char why[256];

	if (r->error == 0 && r->rcode == TAPIR_DNS_NOERROR && r->naddrs > 0) {
		g->ip = r->addrs[0];
		g->state = GET_CONNECT;
		return;
	}
	tapir_dns_result_format(r, why, sizeof(why));
	fprintf(stderr, "tapir-get: cannot resolve %s: %s\n", g->url.host, why);
	g->error = -EHOSTUNREACH;
	g->state = GET_FAILED;
}

static void drop_client(struct get *g)
{
	tapir_http_client_free(g->client);
	g->client = NULL;
}

/* The host of g->url: an IP literal at once, a name through the resolver. */
static void resolve(struct get *g)
{
	long q;

	if (tapir_ip_parse(g->url.host, &g->ip) == 0) {
		g->state = GET_CONNECT;
		return;
	}
	if (!g->dns) {
		struct tapir_dns_config cfg;
		tapir_dns_config_default(&cfg);
		if (g->dns_server)
			cfg.servers[0] = g->dns_server;
		if (tapir_dns_new(g->app->stack, &cfg, &g->dns) < 0) {
			g->state = GET_FAILED;
			return;
		}
	}
	q = tapir_dns_resolve(g->dns, g->url.host, TAPIR_DNS_TYPE_A, on_resolved, g);
	g->state = q > 0 ? GET_RESOLVING : GET_FAILED;
}

static void send_request(struct get *g)
{
	static const struct tapir_http_client_callbacks cb = {
	    .head = on_head, .body = on_body, .done = on_done};
	char host[300];
	int err;

	if (g->client && (!g->reusable || g->conn_ip != g->ip || g->conn_port != g->url.port ||
	                  !tapir_http_client_connected(g->client)))
		drop_client(g);
	if (!g->client) {
		err = tapir_http_client_new(g->app->stack, g->ip, g->url.port, &cb, g, &g->client);
		if (err < 0) {
			fprintf(stderr, "tapir-get: connect: %s\n", tapir_strerror(err));
			g->state = GET_FAILED;
			return;
		}
		g->conn_ip = g->ip;
		g->conn_port = g->url.port;
		g->connections++;
		if (g->verbose) {
			char ip[TAPIR_IP_STRLEN];
			tapir_ip_format(g->ip, ip);
			fprintf(stderr, "* connecting to %s (%s) port %u\n", g->url.host, ip,
			        g->url.port);
		}
	} else if (g->verbose) {
		fprintf(stderr, "* re-using the connection to %s port %u\n", g->url.host,
		        g->url.port);
	}
	if (g->url.port == 80)
		snprintf(host, sizeof(host), "%s", g->url.host);
	else
		snprintf(host, sizeof(host), "%s:%u", g->url.host, g->url.port);
	g->status = 0;
	g->location[0] = '\0';
	err = tapir_http_client_request(g->client, g->head ? "HEAD" : "GET", g->url.target, host,
	                                NULL);
	if (err < 0) {
		fprintf(stderr, "tapir-get: request: %s\n", tapir_strerror(err));
		g->state = GET_FAILED;
		return;
	}
	if (g->verbose)
		print_block("> ", tapir_http_client_last_request(g->client));
	g->state = GET_WAITING;
}

/* After a response: follow a redirect, or go on with the next URL. */
static void response_done(struct get *g)
{
	bool redirect = g->status >= 300 && g->status < 400 && g->location[0];

	if (g->follow && redirect) {
		if (++g->redirects > TAPIR_HTTP_REDIRECTS_MAX || follow_location(g) < 0) {
			fprintf(stderr, "tapir-get: too many or bad redirects (%s)\n", g->location);
			g->exit_code = 1;
			g->state = GET_NEXT;
			return;
		}
		if (g->verbose)
			fprintf(stderr, "* following the redirect to %s\n", g->location);
		resolve(g);
		return;
	}
	g->state = GET_NEXT;
}

static void next_url(struct get *g)
{
	if (g->next == g->nurls) {
		g->state = GET_FINISHED;
		return;
	}
	g->redirects = 0;
	if (parse_url(g->urls[g->next], &g->url) < 0) {
		fprintf(stderr, "tapir-get: not an http:// URL: %s\n", g->urls[g->next]);
		g->next++;
		g->exit_code = 1;
		return;
	}
	g->next++;
	resolve(g);
}

static tapir_time tick(void *ctx, tapir_time now)
{
	struct get *g = ctx;

	(void)now;
	for (unsigned guard = 0; guard < 16; guard++) {
		switch (g->state) {
		case GET_NEXT:
			next_url(g);
			continue;
		case GET_CONNECT:
			send_request(g);
			continue;
		case GET_DONE:
			response_done(g);
			continue;
		case GET_FAILED:
			if (g->error)
				fprintf(stderr, "tapir-get: %s\n", tapir_strerror(g->error));
			g->exit_code = 1;
			g->error = 0;
			drop_client(g);
			g->state = GET_NEXT;
			continue;
		case GET_FINISHED:
			return -1;
		case GET_RESOLVING:
		case GET_WAITING:
			return TAPIR_TIME_NEVER;
		}
	}
	return TAPIR_TIME_NEVER;
}

int main(int argc, char **argv)
{
	static struct app app;
	static struct get g;
	struct app_spec spec = {
	    .name = "tapir-get",
	    .usage = "[-v] [-L] [-I] [--dns ADDR] URL...",
	    .summary = "Fetch http:// URLs over the tapir stack; bodies go to stdout.",
	    .help = "  -v, --verbose      show request and response heads on stderr\n"
	            "  -L, --location     follow redirects (at most 10)\n"
	            "  -I, --head         send HEAD instead of GET\n"
	            "  --dns ADDR         name server for host names (default 10.0.0.1)\n",
	    .shortopts = "vLI",
	    .longopts = get_options,
	    .option = get_option,
	    .ctx = &g,
	};
	int first = app_parse(argc, argv, &spec, &app.opt);

	if (first >= argc) {
		fprintf(stderr, "tapir-get: which URL? (see --help)\n");
		return 2;
	}
	g.app = &app;
	g.urls = argv + first;
	g.nurls = argc - first;
	g.state = GET_NEXT;
	if (app_start(&app, &spec) < 0)
		return 1;
	if (app_run(&app, tick, &g) != 0)
		g.exit_code = 1;
	fflush(stdout);
	if (g.verbose)
		fprintf(stderr, "* %u connection(s) for %d URL(s)\n", g.connections, g.nurls);
	drop_client(&g);
	if (g.dns)
		tapir_dns_free(g.dns);
	app_finish(&app);
	return g.exit_code;
}

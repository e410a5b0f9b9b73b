/*
 * tapir-httpd — an HTTP/1.1 web server on the tapir stack (RFC 9110/9112):
 * static files from --root (or the small default site in www/), the
 * built-in routes POST /echo and GET /events, WebSocket routes, one
 * access-log line per request on stderr.
 *
 * /live/ (www/live/) watches the stack itself: the page opens the WebSocket
 * /ws/trace, over which every trace event is pushed as it happens (the trace
 * feed of tapir/ws.h), and draws it on the state diagram the page gets from
 * /live/fsm.json, the TCP code's own table.
 *
 * Without --root it serves the default site, found next to the program:
 * DIR/../www, DIR/../../www or DIR/www where DIR holds the executable (so
 * build/tapir-httpd finds the checkout's www/), then ./www.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "tapir/http.h"
#include "tapir/ws.h"

/* The live view's page, in the default site's live/ folder. */
#define LIVE_FILES    4
#define LIVE_FILE_MAX (256 * 1024)
static const char *const live_files[LIVE_FILES] = {"index.html", "live.js", "diagram.js",
                                                   "live.css"};

struct httpd {
	const char *root;
	char live_path[LIVE_FILES][PATH_MAX]; /* with --root: where the page's files are */
	uint16_t port;
	uint64_t max_body;
	long idle_s;
	long header_s;
	bool quiet;
	char default_root[PATH_MAX];
};

enum { OPT_ROOT = 2000, OPT_PORT, OPT_MAX_BODY, OPT_IDLE, OPT_HEADER, OPT_QUIET };

static const struct option httpd_options[] = {
    {"root", required_argument, NULL, OPT_ROOT},
    {"port", required_argument, NULL, OPT_PORT},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"idle-timeout", required_argument, NULL, OPT_IDLE},
    {"header-timeout", required_argument, NULL, OPT_HEADER},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

static int httpd_option(void *ctx, int opt, const char *arg)
{
	struct httpd *h = ctx;
	char *end = NULL;
	long long v = arg ? strtoll(arg, &end, 10) : 0;
	bool number = arg && *arg && end && *end == '\0';

	switch (opt) {
	case OPT_ROOT:
		h->root = arg;
		return 0;
	case OPT_PORT:
		if (!number || v < 1 || v > 65535)
			return -1;
		h->port = (uint16_t)v;
		return 0;
	case OPT_MAX_BODY:
		if (!number || v < 0)
			return -1;
		h->max_body = (uint64_t)v;
		return 0;
	case OPT_IDLE:
		if (!number || v < 1 || v > 86400)
			return -1;
		h->idle_s = (long)v;
		return 0;
	case OPT_HEADER:
		if (!number || v < 1 || v > 3600)
			return -1;
		h->header_s = (long)v;
		return 0;
	case OPT_QUIET:
		h->quiet = true;
		return 0;
	default:
		return -1;
	}
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The default site: www/ beside the executable's directory or above it. */
static const char *find_default_root(struct httpd *h)
{
	static const char *const tries[] = {"/../www", "/../../www", "/www"};
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
			snprintf(h->default_root, sizeof(h->default_root), "%s%s", exe, tries[i]);
			if (is_dir(h->default_root))
				return h->default_root;
		}
	}
	return is_dir("www") ? "www" : NULL;
}

/* GET /live/...: one file of the live view's page, read from the default
 * site, for a server whose --root is elsewhere. */
static void live_file_handler(void *user, struct tapir_http_exchange *ex)
{
	const char *path = user;
	static char body[LIVE_FILE_MAX];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(body, 1, sizeof(body), f) : 0;

	if (!f || ferror(f) || !feof(f)) {
		tapir_http_respond(ex, 404, "text/plain", "not found\n", 10);
	} else if (strcmp(tapir_http_request(ex)->method, "GET") != 0 &&
	           strcmp(tapir_http_request(ex)->method, "HEAD") != 0) {
		tapir_http_add_header(ex, "Allow", "GET, HEAD");
		tapir_http_respond(ex, 405, "text/plain", "method not allowed\n", 19);
	} else {
		tapir_http_respond(ex, 200, tapir_http_mime_type(path), body, n);
	}
	if (f)
		fclose(f);
}

/* GET /live: the page is a folder, as the file server would say. */
static void live_redirect_handler(void *user, struct tapir_http_exchange *ex)
{
	(void)user;
	tapir_http_add_header(ex, "Location", "/live/");
	tapir_http_respond(ex, 301, "text/plain", "moved to /live/\n", 16);
}

/* The live view lives in the default site (www/live/). A server given
 * --root DIR without a live/ folder still serves the page: each of its
 * files gets a route to the default site's copy. */
static int route_live_page(struct httpd *h, struct tapir_http_server *srv)
{
	char dir[PATH_MAX];
	const char *site = find_default_root(h);
	int err = 0;

	snprintf(dir, sizeof(dir), "%s/live", h->root);
	if (is_dir(dir) || !site)
		return 0; /* the root has its own, or there is none to lend */
	for (int i = 0; i < LIVE_FILES && err == 0; i++) {
		char url[64];

		snprintf(h->live_path[i], sizeof(h->live_path[i]), "%s/live/%s", site,
		         live_files[i]);
		snprintf(url, sizeof(url), "/live/%s", live_files[i]);
		err = tapir_http_server_route(srv, url, live_file_handler, h->live_path[i]);
	}
	if (err == 0)
		err = tapir_http_server_route(srv, "/live/", live_file_handler, h->live_path[0]);
	if (err == 0)
		err = tapir_http_server_route(srv, "/live", live_redirect_handler, NULL);
	return err;
}

/* Unix time minus the monotonic clock, both in microseconds. */
static tapir_time wall_offset(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (tapir_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - app_now();
}

/* One line per request, in the Common Log Format with the time it took:
 * 10.0.0.1 - - [22/Nov/2026:03:08:05 +0000] "GET / HTTP/1.1" 200 1234 "-" "curl/7.88.1" 0.412ms */
static void access_line(void *user, const struct tapir_http_access *a)
{
	char ip[TAPIR_IP_STRLEN], when[40];
	time_t t = (time_t)a->unix_seconds;
	struct tm tm;

	(void)user;
	tapir_ip_format(a->conn.remote_ip, ip);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	fprintf(stderr, "%s - - [%s] \"%s %s HTTP/%u.%u\" %u %llu \"%s\" \"%s\" %lld.%03lldms\n",
	        ip, when, a->method, a->target, a->version / 10, a->version % 10, a->status,
	        (unsigned long long)a->body_bytes, a->referer ? a->referer : "-",
	        a->user_agent ? a->user_agent : "-", (long long)(a->elapsed / 1000),
	        (long long)(a->elapsed % 1000));
}

static void print_server_stats(const struct tapir_http_server *srv)
{
	struct tapir_http_server_stats st;

	tapir_http_server_stats(srv, &st);
	fprintf(stderr,
	        "http:\n    %llu connections accepted, %u open\n    %llu requests, %llu refused, "
	        "%llu timeouts\n    responses: %llu 1xx, %llu 2xx, %llu 3xx, %llu 4xx, %llu 5xx\n",
	        (unsigned long long)st.connections, st.open, (unsigned long long)st.requests,
	        (unsigned long long)st.refused, (unsigned long long)st.timeouts,
	        (unsigned long long)st.responses[1], (unsigned long long)st.responses[2],
	        (unsigned long long)st.responses[3], (unsigned long long)st.responses[4],
	        (unsigned long long)st.responses[5]);
}

int main(int argc, char **argv)
{
	static struct app app;
	static struct httpd h = {.port = 80, .max_body = TAPIR_HTTP_MAX_BODY};
	struct tapir_http_server_config cfg;
	struct tapir_http_server *srv;
	struct tapir_ws_server *ws_srv = NULL;
	struct tapir_trace_feed *feed = NULL;
	struct tapir_trace_feed_config feed_cfg = {.path = "/ws/trace"};
	struct app_spec spec = {
	    .name = "tapir-httpd",
	    .usage = "[--root DIR] [--port N]",
	    .summary = "Serve files over HTTP/1.1 on the tapir stack.",
	    .help = "  --root DIR         serve the files under DIR (default: the site in www/)\n"
	            "  --port N           listen on port N (default 80)\n"
	            "  --max-body BYTES   largest request body (default 1048576; more: 413)\n"
	            "  --idle-timeout S   close kept-alive connections idle this long (30)\n"
	            "  --header-timeout S a request head must arrive within S seconds (10)\n"
	            "  --quiet            no access log on stderr\n"
	            "built-in routes: POST /echo (the body back), GET /events (server-sent\n"
	            "events, one a second; /events?count=N stops after N), WebSocket /ws/echo\n"
	            "(messages back as sent) and /ws/chat (each message to every client);\n"
	            "the live view: /live/ (the page, from www/live even with --root), /ws/trace\n"
	            "(trace events as they happen) and /live/fsm.json (the TCP state table)\n",
	    .shortopts = "",
	    .longopts = httpd_options,
	    .option = httpd_option,
	    .ctx = &h,
	};
	int err;

	if (app_parse(argc, argv, &spec, &app.opt) != argc) {
		fprintf(stderr, "tapir-httpd: no arguments expected (see --help)\n");
		return 2;
	}
	if (!h.root)
		h.root = find_default_root(&h);
	if (!h.root || !is_dir(h.root)) {
		fprintf(stderr, "tapir-httpd: no document root: %s (use --root DIR)\n",
		        h.root ? h.root : "the default site www/ was not found");
		return 2;
	}
	if (app_start(&app, &spec) < 0)
		return 1;
	tapir_http_server_config_default(&cfg);
	cfg.port = h.port;
	cfg.root = h.root;
	cfg.max_body = h.max_body;
	if (h.idle_s)
		cfg.idle_timeout = TAPIR_SECONDS(h.idle_s);
	if (h.header_s)
		cfg.header_timeout = TAPIR_SECONDS(h.header_s);
	cfg.wall_offset = wall_offset();
	cfg.access_fn = h.quiet ? NULL : access_line;
	err = tapir_http_server_new(app.stack, &cfg, &srv);
	if (err < 0)
		app_fail(&spec, "http server", err);
	/* WebSocket (RFC 6455) routes, reached by Upgrade from this server. */
	err = tapir_ws_server_new(app.stack, &ws_srv);
	if (err == 0)
		err = tapir_ws_route_echo(ws_srv, "/ws/echo");
	if (err == 0)
		err = tapir_ws_route_chat(ws_srv, "/ws/chat");
	/* The live view; created last, so its poller runs after the servers'. */
	if (err == 0)
		err = tapir_trace_feed_new(ws_srv, &feed_cfg, &feed);
	if (err == 0)
		err = tapir_http_server_route(srv, "/live/fsm.json", tapir_trace_feed_fsm_handler,
		                              NULL);
	if (err == 0)
		err = route_live_page(&h, srv);
	if (err == 0)
		err = tapir_ws_server_attach(ws_srv, srv);
	if (err < 0)
		app_fail(&spec, "websocket routes", err);
	fprintf(stderr, "tapir-httpd: serving %s on port %u\n", h.root, h.port);
	app_run(&app, NULL, NULL);
	if (app.opt.stats)
		print_server_stats(srv);
	tapir_trace_feed_free(feed);
	tapir_ws_server_free(ws_srv);
	tapir_http_server_free(srv);
	app_finish(&app);
	return 0;
}

/*
 * tapir-ws — a WebSocket client (RFC 6455) on the tapir stack, and a small
 * WebSocket server for labs and tests.
 *
 *   tapir-ws ws://10.0.0.1:8080/ws/echo     connect; each line of standard
 *                                           input goes out as a text message,
 *                                           each message received is printed
 *   tapir-ws --serve [--port N] [--root DIR]
 *                                           serve /ws/echo and /ws/chat (and
 *                                           files under DIR) over tapir's HTTP
 *   tapir-ws --fsm-dot                      print the ready-state machine the
 *                                           code runs, as Graphviz DOT
 *
 * The client resolves a host name with tapir's DNS resolver (an IP literal
 * needs none), connects, checks the server's Sec-WebSocket-Accept and masks
 * every frame it sends. At the end of standard input it starts the closing
 * handshake (1000, "bye") and waits for the server to close. Exit status:
 * 0 after a clean close, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "tapir/dns.h"
#include "tapir/http.h"
#include "tapir/ws.h"

#define LINE_MAX_BYTES 65536

struct wsapp {
	struct app *app;
	/* client */
	const char *url_text;
	struct tapir_ws_url url;
	char host_header[300];
	const char *protocols;
	bool binary; /* send lines as binary messages */
	bool ping;   /* ping once the connection is open */
	bool quiet;  /* no status lines on stderr */
	struct tapir_dns *dns;
	struct tapir_ws *ws;
	bool opened, stdin_done, close_started, closed, clean;
	int error;
	char line[LINE_MAX_BYTES];
	size_t line_len;
	/* server */
	bool serve, fsm_dot;
	uint16_t port;
	const char *root;
	size_t max_message;
};

enum {
	OPT_FSM_DOT = 2999,
	OPT_SERVE = 3000,
	OPT_PORT,
	OPT_ROOT,
	OPT_PROTOCOL,
	OPT_BINARY,
	OPT_PING,
	OPT_MAX,
	OPT_QUIET
};

static const struct option ws_options[] = {
    {"fsm-dot", no_argument, NULL, OPT_FSM_DOT},
    {"serve", no_argument, NULL, OPT_SERVE},
    {"port", required_argument, NULL, OPT_PORT},
    {"root", required_argument, NULL, OPT_ROOT},
    {"protocol", required_argument, NULL, OPT_PROTOCOL},
    {"binary", no_argument, NULL, OPT_BINARY},
    {"ping", no_argument, NULL, OPT_PING},
    {"max-message", required_argument, NULL, OPT_MAX},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

static int ws_option(void *ctx, int opt, const char *arg)
{
	struct wsapp *w = ctx;
	char *end = NULL;
	long long v = arg ? strtoll(arg, &end, 10) : 0;
	bool number = arg && *arg && end && *end == '\0';

	switch (opt) {
	case OPT_FSM_DOT:
		w->fsm_dot = true;
		return 0;
	case OPT_SERVE:
		w->serve = true;
		return 0;
	case OPT_PORT:
		if (!number || v < 1 || v > 65535)
			return -1;
		w->port = (uint16_t)v;
		return 0;
	case OPT_ROOT:
		w->root = arg;
		return 0;
	case OPT_PROTOCOL:
		w->protocols = arg;
		return 0;
	case OPT_BINARY:
		w->binary = true;
		return 0;
	case OPT_PING:
		w->ping = true;
		return 0;
	case OPT_MAX:
		if (!number || v < 1)
			return -1;
		w->max_message = (size_t)v;
		return 0;
	case OPT_QUIET:
		w->quiet = true;
		return 0;
	default:
		return -1;
	}
}

/* ---- the client ------------------------------------------------------------------ */

static void on_open(void *user, struct tapir_ws *ws)
{
	struct wsapp *w = user;

	w->opened = true;
	if (!w->quiet)
		fprintf(stderr, "tapir-ws: connected to %s%s%s\n", w->url_text,
		        tapir_ws_protocol(ws)[0] ? ", subprotocol " : "", tapir_ws_protocol(ws));
	if (w->ping)
		tapir_ws_ping(ws, "tapir", 5);
}

/* Text as it is, one message a line; binary as its length and first bytes. */
static void on_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
                       const uint8_t *data, size_t len)
{
	(void)user;
	(void)ws;
	if (type == TAPIR_WS_TEXT) {
		fwrite(data, 1, len, stdout);
		fputc('\n', stdout);
	} else {
		printf("[binary, %zu bytes:", len);
		for (size_t i = 0; i < len && i < 16; i++)
			printf(" %02x", data[i]);
		printf("%s]\n", len > 16 ? " ..." : "");
	}
	fflush(stdout);
}

static void on_pong(void *user, struct tapir_ws *ws, const uint8_t *data, size_t len)
{
	struct wsapp *w = user;

	(void)ws;
	if (!w->quiet)
		fprintf(stderr, "tapir-ws: pong (%zu bytes: %.*s)\n", len, (int)len,
		        (const char *)data);
}

static void on_close(void *user, struct tapir_ws *ws, uint16_t code, const char *reason, bool clean)
{
	struct wsapp *w = user;

	(void)ws;
	w->closed = true;
	w->clean = clean;
	if (!w->opened)
		fprintf(stderr,
		        "tapir-ws: could not open %s: refused, unreachable or the handshake "
		        "failed (--log info says which)\n",
		        w->url_text);
	else if (!w->quiet)
		fprintf(stderr, "tapir-ws: closed, code %u%s%s (%s)\n", code, reason[0] ? " " : "",
		        reason, clean ? "clean" : "not clean");
}

static const struct tapir_ws_callbacks client_cb = {
    .on_open = on_open,
    .on_message = on_message,
    .on_pong = on_pong,
    .on_close = on_close,
};

static void connect_to(struct wsapp *w, tapir_ip ip)
{
	struct tapir_ws_client_config cfg = {
	    .ip = ip,
	    .port = w->url.port,
	    .host = w->host_header,
	    .path = w->url.path,
	    .protocols = w->protocols,
	    .max_message = w->max_message,
	};
	int err = tapir_ws_connect(w->app->stack, &cfg, &client_cb, w, &w->ws);

	if (err < 0) {
		fprintf(stderr, "tapir-ws: connect: %s\n", tapir_strerror(err));
		w->error = err;
	}
}

static void on_resolved(void *user, const struct tapir_dns_result *r)
{
	struct wsapp *w = user;
	char why[256];

	if (r->error == 0 && r->rcode == TAPIR_DNS_NOERROR && r->naddrs > 0) {
		connect_to(w, r->addrs[0]);
		return;
	}
	tapir_dns_result_format(r, why, sizeof(why));
	fprintf(stderr, "tapir-ws: cannot resolve %s: %s\n", w->url.host, why);
	w->error = -EHOSTUNREACH;
}

/* Send one complete line (without its newline). */
static void send_line(struct wsapp *w)
{
	int err;

	if (w->line_len > 0 && w->line[w->line_len - 1] == '\r')
		w->line_len--;
	if (w->binary)
		err = tapir_ws_send_binary(w->ws, w->line, w->line_len);
	else
		err = tapir_ws_send_text(w->ws, w->line, w->line_len);
	if (err == -EINVAL)
		fprintf(stderr, "tapir-ws: a line that is not UTF-8 was not sent (try --binary)\n");
	else if (err < 0)
		fprintf(stderr, "tapir-ws: send: %s\n", tapir_strerror(err));
	w->line_len = 0;
}

/* Read what standard input has; each full line becomes a message. */
static void pump_stdin(struct wsapp *w)
{
	char buf[4096];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (w->line_len > 0)
			send_line(w);
		w->stdin_done = true;
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			send_line(w);
			continue;
		}
		if (w->line_len == sizeof(w->line))
			send_line(w); /* a very long line goes out in pieces */
		w->line[w->line_len++] = buf[i];
	}
}

static tapir_time client_tick(void *ctx, tapir_time now)
{
	struct wsapp *w = ctx;
	bool open = w->ws && tapir_ws_state(w->ws) == TAPIR_WS_OPEN;

	(void)now;
	if (w->error || w->closed)
		return -1;
	if (open && !w->stdin_done && tapir_ws_buffered(w->ws) < TAPIR_WS_READ_PAUSE)
		pump_stdin(w);
	if (open && w->stdin_done && !w->close_started) {
		w->close_started = true;
		tapir_ws_close(w->ws, 1000, "bye");
	}
	w->app->watch_fd = (open && !w->stdin_done) ? STDIN_FILENO : -1;
	return TAPIR_TIME_NEVER;
}

static int run_client(struct wsapp *w, const struct app_spec *spec)
{
	tapir_ip ip;
	int err = tapir_ws_url_parse(w->url_text, &w->url);

	if (err == -EPROTONOSUPPORT) {
		fprintf(stderr, "tapir-ws: wss:// needs TLS, which tapir does not have\n");
		return 2;
	}
	if (err < 0) {
		fprintf(stderr, "tapir-ws: not a ws:// URL: %s\n", w->url_text);
		return 2;
	}
	if (w->url.port == 80)
		snprintf(w->host_header, sizeof(w->host_header), "%s", w->url.host);
	else
		snprintf(w->host_header, sizeof(w->host_header), "%s:%u", w->url.host, w->url.port);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	if (app_start(w->app, spec) < 0)
		return 1;
	if (tapir_ip_parse(w->url.host, &ip) == 0) {
		connect_to(w, ip);
	} else {
		struct tapir_dns_config cfg;
		long q;

		tapir_dns_config_default(&cfg);
		err = tapir_dns_new(w->app->stack, &cfg, &w->dns);
		if (err < 0)
			app_fail(spec, "resolver", err);
		q = tapir_dns_resolve(w->dns, w->url.host, TAPIR_DNS_TYPE_A, on_resolved, w);
		if (q < 0)
			app_fail(spec, "resolve", (int)q);
	}
	app_run(w->app, client_tick, w);
	if (w->ws)
		tapir_ws_free(w->ws);
	if (w->dns)
		tapir_dns_free(w->dns);
	app_finish(w->app);
	return w->clean ? 0 : 1;
}

/* ---- the ready-state machine, drawn from the table the code dispatches through ---- */

static int print_fsm_dot(void)
{
	size_t n;
	const struct tapir_ws_transition *t = tapir_ws_fsm_table(&n);

	printf("digraph websocket_ready_state {\n\trankdir=LR;\n\tnode [shape=box, "
	       "style=rounded];\n");
	for (size_t i = 0; i < n; i++)
		printf("\t\"%s\" -> \"%s\" [label=\"%s\"];\n", t[i].from, t[i].to, t[i].label);
	printf("}\n");
	return 0;
}

/* ---- the server ------------------------------------------------------------------ */

static int run_server(struct wsapp *w, const struct app_spec *spec)
{
	struct tapir_http_server_config cfg;
	struct tapir_http_server *http;
	struct tapir_ws_server *srv;
	struct tapir_ws_server_stats st;
	int err;

	if (app_start(w->app, spec) < 0)
		return 1;
	tapir_http_server_config_default(&cfg);
	cfg.port = w->port ? w->port : 80;
	cfg.root = w->root;
	err = tapir_http_server_new(w->app->stack, &cfg, &http);
	if (err < 0)
		app_fail(spec, "http server", err);
	err = tapir_ws_server_new(w->app->stack, &srv);
	if (err < 0)
		app_fail(spec, "websocket server", err);
	err = tapir_ws_route_echo(srv, "/ws/echo");
	if (err == 0)
		err = tapir_ws_route_chat(srv, "/ws/chat");
	if (err == 0)
		err = tapir_ws_server_attach(srv, http);
	if (err < 0)
		app_fail(spec, "websocket routes", err);
	fprintf(stderr, "tapir-ws: serving /ws/echo and /ws/chat on port %u%s%s\n", cfg.port,
	        w->root ? ", files from " : "", w->root ? w->root : "");
	app_run(w->app, NULL, NULL);
	tapir_ws_server_stats(srv, &st);
	if (w->app->opt.stats)
		fprintf(stderr,
		        "ws:\n    %llu handshakes, %llu refused, %u open\n    %llu messages in "
		        "(%llu bytes), %llu out (%llu bytes)\n    %llu connections failed for a "
		        "protocol violation\n",
		        (unsigned long long)st.handshakes, (unsigned long long)st.refused, st.open,
		        (unsigned long long)st.messages_in, (unsigned long long)st.bytes_in,
		        (unsigned long long)st.messages_out, (unsigned long long)st.bytes_out,
		        (unsigned long long)st.violations);
	tapir_ws_server_free(srv);
	tapir_http_server_free(http);
	app_finish(w->app);
	return 0;
}

int main(int argc, char **argv)
{
	static struct app app;
	static struct wsapp w;
	struct app_spec spec = {
	    .name = "tapir-ws",
	    .usage = "ws://HOST[:PORT]/PATH | --serve [--port N] [--root DIR]",
	    .summary = "WebSocket client on the tapir stack: stdin lines out as messages, "
	               "messages to stdout.",
	    .help = "  --protocol LIST    offer these subprotocols (comma separated)\n"
	            "  --binary           send lines as binary messages, not text\n"
	            "  --ping             send a ping once connected\n"
	            "  --max-message N    largest message taken (default 4 MiB; more: 1009)\n"
	            "  --quiet            no status lines on stderr\n"
	            "  --serve            be a server instead: /ws/echo and /ws/chat\n"
	            "  --port N           (--serve) HTTP port, default 80\n"
	            "  --root DIR         (--serve) also serve the files under DIR\n"
	            "  --fsm-dot          print the ready-state machine as Graphviz DOT\n",
	    .shortopts = "",
	    .longopts = ws_options,
	    .option = ws_option,
	    .ctx = &w,
	};
	int first = app_parse(argc, argv, &spec, &app.opt);

	w.app = &app;
	if (w.fsm_dot)
		return print_fsm_dot();
	if (w.serve) {
		if (first != argc) {
			fprintf(stderr, "tapir-ws: --serve takes no URL\n");
			return 2;
		}
		return run_server(&w, &spec);
	}
	if (first != argc - 1) {
		fprintf(stderr, "tapir-ws: give one ws:// URL (or --serve); see --help\n");
		return 2;
	}
	w.url_text = argv[first];
	return run_client(&w, &spec);
}

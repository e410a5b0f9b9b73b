/*
 * tapir-echo — the classic small services on the tapir stack, many
 * connections at once:
 *
 *   echo     7  TCP and UDP (RFC 862): everything comes back, byte for byte
 *   discard  9  TCP (RFC 863): everything is read and thrown away
 *   daytime 13  TCP (RFC 867): the time as text, then tapir closes first, so
 *               every client sees tapir do the active close (TIME-WAIT)
 *   chargen 19  TCP (RFC 864): an endless stream of rotating ASCII lines
 *
 * --base N moves the TCP services to N+7, N+9, N+13, N+19 (for tests that
 * need unused ports); UDP echo follows --port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "tapir/tcp.h"
#include "tapir/udp.h"

struct echo;

enum service { SERVICE_ECHO, SERVICE_DISCARD, SERVICE_DAYTIME, SERVICE_CHARGEN };

struct listener {
	struct echo *echo;
	const char *name;
	uint16_t port;
	enum service service;
	struct tapir_tcp *sock;
};

struct echo {
	uint16_t udp_port;
	unsigned base;
	unsigned backlog;
	uint8_t buf[65536];
	struct listener listeners[4];
};

/* One accepted connection: which service, and where chargen is in its pattern. */
struct conn {
	struct echo *echo;
	enum service service;
	size_t chargen_offset; /* bytes into chargen_pattern */
};

static const struct option echo_options[] = {
    {"port", required_argument, NULL, 'p'},
    {"base", required_argument, NULL, 'b'},
    {"backlog", required_argument, NULL, 'B'},
    {NULL, 0, NULL, 0},
};

static int echo_option(void *ctx, int opt, const char *arg)
{
	struct echo *e = ctx;
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end != '\0' || end == arg)
		return -1;
	switch (opt) {
	case 'p':
		e->udp_port = (uint16_t)v;
		return v >= 1 && v <= 65535 ? 0 : -1;
	case 'b':
		e->base = (unsigned)v;
		return v >= 0 && v <= 65000 ? 0 : -1;
	case 'B':
		e->backlog = (unsigned)v;
		return v >= 1 && v <= 65535 ? 0 : -1;
	default:
		return -1;
	}
}

/* ---- UDP echo ------------------------------------------------------------- */

static void on_udp_readable(void *user, struct tapir_udp *sock)
{
	struct echo *e = user;
	struct tapir_udp_endpoint from;
	int n;

	while ((n = tapir_udp_recvfrom(sock, e->buf, sizeof(e->buf), &from)) >= 0) {
		int err = tapir_udp_sendto(sock, &from, e->buf, (size_t)n, app_now());

		if (err < 0)
			fprintf(stderr, "tapir-echo: udp reply: %s\n", tapir_strerror(err));
	}
}

/* ---- TCP services --------------------------------------------------------- */

static void conn_done(struct tapir_tcp *sock, struct conn *c)
{
	tapir_tcp_close(sock);
	free(c);
}

/* Echo: read only as much as the send buffer can take, so that everything
 * read is sent at once and nothing needs to wait here. */
static void serve_echo(struct tapir_tcp *sock, struct conn *c)
{
	for (;;) {
		size_t room = tapir_tcp_writable(sock);
		long n;

		if (room == 0)
			return; /* wait for TAPIR_TCP_WRITABLE */
		if (room > sizeof(c->echo->buf))
			room = sizeof(c->echo->buf);
		n = tapir_tcp_recv(sock, c->echo->buf, room);
		if (n > 0) {
			tapir_tcp_send(sock, c->echo->buf, (size_t)n);
			continue;
		}
		if (n != -EAGAIN)
			conn_done(sock, c); /* 0: the client closed; < 0: an error */
		return;
	}
}

/* Read and forget. Returns false when the connection was closed. */
static bool drain_input(struct tapir_tcp *sock, struct conn *c)
{
	for (;;) {
		long n = tapir_tcp_recv(sock, c->echo->buf, sizeof(c->echo->buf));

		if (n > 0)
			continue;
		if (n == -EAGAIN)
			return true;
		conn_done(sock, c);
		return false;
	}
}

/* RFC 864: line k is 72 characters of the 95 printable ASCII characters,
 * starting one further along than line k-1, then CR LF. After 95 lines the
 * stream repeats, so the whole of it is these 95 lines, built once. */
#define CHARGEN_CHARS 95 /* ' ' to '~' */
#define CHARGEN_LINE  74 /* 72 characters, CR, LF */
static uint8_t chargen_pattern[CHARGEN_CHARS * CHARGEN_LINE];

static void chargen_build_pattern(void)
{
	for (size_t k = 0; k < CHARGEN_CHARS; k++) {
		uint8_t *line = chargen_pattern + k * CHARGEN_LINE;

		for (size_t i = 0; i < 72; i++)
			line[i] = (uint8_t)(' ' + (k + i) % CHARGEN_CHARS);
		line[72] = '\r';
		line[73] = '\n';
	}
}

/* Send as much of the endless stream as TCP takes, in large pieces. */
static void serve_chargen(struct tapir_tcp *sock, struct conn *c)
{
	if (!drain_input(sock, c))
		return;
	while (tapir_tcp_writable(sock) > 0) {
		size_t n = sizeof(chargen_pattern) - c->chargen_offset;
		long sent = tapir_tcp_send(sock, chargen_pattern + c->chargen_offset, n);

		if (sent <= 0)
			return;
		c->chargen_offset = (c->chargen_offset + (size_t)sent) % sizeof(chargen_pattern);
	}
}

static void on_conn(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	struct conn *c = user;

	(void)error;
	if (events & TAPIR_TCP_CLOSED) {
		conn_done(sock, c);
		return;
	}
	switch (c->service) {
	case SERVICE_ECHO:
		serve_echo(sock, c);
		break;
	case SERVICE_DISCARD:
		drain_input(sock, c);
		break;
	case SERVICE_CHARGEN:
		serve_chargen(sock, c);
		break;
	case SERVICE_DAYTIME:
		break; /* answered and closed at accept */
	}
}

/* RFC 867 leaves the format open; this is the one most servers use. */
static void serve_daytime(struct tapir_tcp *sock)
{
	char text[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(text, sizeof(text), "%A, %B %d, %Y %H:%M:%S-UTC\r\n", &tm);
	tapir_tcp_send(sock, text, strlen(text));
	tapir_tcp_close(sock); /* FIN after the text: tapir closes first */
}

static void on_listen(struct tapir_tcp *listener, unsigned events, int error, void *user)
{
	struct listener *l = user;
	struct tapir_tcp *sock;

	(void)events;
	(void)error;
	for (;;) {
		struct conn *c = calloc(1, sizeof(*c));

		if (!c)
			return; /* the connection waits in the backlog */
		c->echo = l->echo;
		c->service = l->service;
		if (tapir_tcp_accept(listener, on_conn, c, &sock) < 0) {
			free(c);
			return;
		}
		if (c->service == SERVICE_DAYTIME) {
			serve_daytime(sock);
			free(c);
		} else if (c->service == SERVICE_CHARGEN) {
			serve_chargen(sock, c);
		}
	}
}

static void open_listeners(struct echo *e, struct tapir_stack *stack, const struct app_spec *spec)
{
	static const struct {
		const char *name;
		uint16_t port;
	} services[] = {{"echo", 7}, {"discard", 9}, {"daytime", 13}, {"chargen", 19}};

	for (int i = 0; i < 4; i++) {
		struct listener *l = &e->listeners[i];
		int err;

		l->echo = e;
		l->name = services[i].name;
		l->port = (uint16_t)(e->base + services[i].port);
		l->service = (enum service)i;
		err = tapir_tcp_listen(stack, l->port, e->backlog, on_listen, l, &l->sock);
		if (err < 0)
			app_fail(spec, l->name, err);
		fprintf(stderr, "tapir-echo: tcp %s on port %u\n", l->name, l->port);
	}
}

int main(int argc, char **argv)
{
	static struct app app;
	static struct echo e = {.udp_port = 7, .backlog = 128};
	struct tapir_udp *udp;
	struct app_spec spec = {
	    .name = "tapir-echo",
	    .usage = "",
	    .summary = "Run echo (TCP+UDP), discard, daytime and chargen on the tapir stack.",
	    .help = "  -p, --port N       port for UDP echo (default 7)\n"
	            "  -b, --base N       TCP services on N+7, N+9, N+13, N+19 (default 0)\n"
	            "  -B, --backlog N    connections waiting per listener (default 128)\n",
	    .shortopts = "p:b:B:",
	    .longopts = echo_options,
	    .option = echo_option,
	    .ctx = &e,
	};
	int err;

	if (app_parse(argc, argv, &spec, &app.opt) != argc) {
		fprintf(stderr, "tapir-echo: no arguments expected (see --help)\n");
		return 2;
	}
	if (app_start(&app, &spec) < 0)
		return 1;
	chargen_build_pattern();
	err = tapir_udp_open(app.stack, &udp);
	if (err == 0)
		err = tapir_udp_bind(udp, e.udp_port);
	if (err < 0)
		app_fail(&spec, "udp echo socket", err);
	tapir_udp_set_callback(udp, on_udp_readable, &e);
	fprintf(stderr, "tapir-echo: udp echo on port %u\n", e.udp_port);
	open_listeners(&e, app.stack, &spec);
	app_run(&app, NULL, NULL);
	tapir_udp_close(udp);
	for (int i = 0; i < 4; i++)
		tapir_tcp_close(e.listeners[i].sock);
	app_finish(&app);
	return 0;
}

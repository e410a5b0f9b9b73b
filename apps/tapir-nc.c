/*
 * tapir-nc — netcat on the tapir stack.
 *
 *   tapir-nc HOST PORT      connect to HOST:PORT
 *   tapir-nc -l PORT        wait for one connection on PORT
 *
 * Standard input goes to the connection and the connection to standard
 * output. At the end of standard input tapir-nc half-closes (sends FIN) and
 * keeps reading until the peer closes too, so a student can watch either
 * side close first. Exit status: 0 after a clean close, 1 on an error
 * (refused, reset, timed out).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "tapir/tcp.h"

struct nc {
	struct app *app;
	bool listen;
	tapir_ip host;
	uint16_t port;
	struct tapir_tcp *listener;
	struct tapir_tcp *sock;
	bool connected;
	bool stdin_done;    /* EOF on standard input */
	bool sent_fin;      /* tapir_tcp_shutdown() done */
	bool peer_done;     /* the peer's FIN arrived */
	int error;          /* what ended the connection, if not a clean close */
	uint8_t out[65536]; /* read from stdin, not yet accepted by TCP */
	size_t out_len;
	uint8_t in[65536];
};

static const struct option nc_options[] = {
    {"listen", required_argument, NULL, 'l'},
    {NULL, 0, NULL, 0},
};

static int parse_port(const char *arg, uint16_t *port)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end != '\0' || end == arg || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int nc_option(void *ctx, int opt, const char *arg)
{
	struct nc *nc = ctx;

	if (opt != 'l')
		return -1;
	nc->listen = true;
	return parse_port(arg, &nc->port);
}

/* Write all of it to stdout, however many calls that takes. */
static int write_all(const uint8_t *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static void read_connection(struct nc *nc)
{
	for (;;) {
		long n = tapir_tcp_recv(nc->sock, nc->in, sizeof(nc->in));

		if (n > 0) {
			if (write_all(nc->in, (size_t)n) < 0)
				nc->error = -EPIPE;
			continue;
		}
		if (n == 0)
			nc->peer_done = true;
		else if (n != -EAGAIN)
			nc->error = (int)n;
		return;
	}
}

static void on_conn(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	struct nc *nc = user;

	(void)sock;
	if (events & TAPIR_TCP_CONNECTED)
		nc->connected = true;
	if (events & TAPIR_TCP_READABLE)
		read_connection(nc);
	if ((events & TAPIR_TCP_CLOSED) && error < 0)
		nc->error = error;
}

static void on_listen(struct tapir_tcp *listener, unsigned events, int error, void *user)
{
	struct nc *nc = user;

	(void)events;
	(void)error;
	if (nc->sock)
		return; /* one connection only, as nc -l */
	if (tapir_tcp_accept(listener, on_conn, nc, &nc->sock) == 0)
		nc->connected = true;
}

/* Move stdin to the connection while TCP has room; half-close at EOF. */
static void pump_stdin(struct nc *nc)
{
	while (!nc->stdin_done || nc->out_len > 0) {
		if (nc->out_len == 0) {
			ssize_t n = read(STDIN_FILENO, nc->out, sizeof(nc->out));

			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			if (n <= 0) {
				nc->stdin_done = true;
				continue;
			}
			nc->out_len = (size_t)n;
		}
		long sent = tapir_tcp_send(nc->sock, nc->out, nc->out_len);

		if (sent == -EAGAIN)
			return; /* wait for room */
		if (sent < 0) {
			nc->error = (int)sent;
			return;
		}
		memmove(nc->out, nc->out + sent, nc->out_len - (size_t)sent);
		nc->out_len -= (size_t)sent;
	}
	if (!nc->sent_fin) {
		tapir_tcp_shutdown(nc->sock);
		nc->sent_fin = true;
	}
}

/* Done when both sides have closed and our FIN was acknowledged (the
 * connection is in TIME-WAIT or CLOSED), or on an error. */
static bool finished(const struct nc *nc)
{
	const char *state;

	if (nc->error)
		return true;
	if (!nc->sock || !nc->sent_fin || !nc->peer_done)
		return false;
	state = tapir_tcp_state(nc->sock);
	return strcmp(state, "TIME-WAIT") == 0 || strcmp(state, "CLOSED") == 0;
}

static tapir_time nc_tick(void *ctx, tapir_time now)
{
	struct nc *nc = ctx;

	(void)now;
	if (nc->connected && nc->sock && !nc->error)
		pump_stdin(nc);
	/* While TCP has no room, stop watching stdin (we could not take more). */
	nc->app->watch_fd =
	    (nc->connected && !nc->stdin_done && nc->out_len == 0) ? STDIN_FILENO : -1;
	return finished(nc) ? -1 : TAPIR_TIME_NEVER;
}

int main(int argc, char **argv)
{
	static struct app app;
	static struct nc nc;
	struct app_spec spec = {
	    .name = "tapir-nc",
	    .usage = "HOST PORT | -l PORT",
	    .summary = "netcat on the tapir stack: stdin to a TCP connection, the connection to "
	               "stdout.",
	    .help = "  -l, --listen PORT  wait for one connection on PORT instead of connecting\n",
	    .shortopts = "l:",
	    .longopts = nc_options,
	    .option = nc_option,
	    .ctx = &nc,
	};
	int first = app_parse(argc, argv, &spec, &app.opt);
	int err;

	if (nc.listen ? first != argc
	              : (first != argc - 2 || tapir_ip_parse(argv[first], &nc.host) < 0 ||
	                 parse_port(argv[first + 1], &nc.port) < 0)) {
		fprintf(stderr,
		        "tapir-nc: give HOST PORT (an IPv4 address and a port) or -l PORT\n");
		return 2;
	}
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	nc.app = &app;
	if (app_start(&app, &spec) < 0)
		return 1;
	if (nc.listen)
		err = tapir_tcp_listen(app.stack, nc.port, 1, on_listen, &nc, &nc.listener);
	else
		err = tapir_tcp_connect(app.stack, nc.host, nc.port, on_conn, &nc, &nc.sock);
	if (err < 0)
		app_fail(&spec, nc.listen ? "listen" : "connect", err);
	app_run(&app, nc_tick, &nc);
	if (nc.error)
		fprintf(stderr, "tapir-nc: %s\n", tapir_strerror(nc.error));
	if (nc.sock)
		tapir_tcp_close(nc.sock);
	if (nc.listener)
		tapir_tcp_close(nc.listener);
	app_finish(&app);
	return nc.error ? 1 : 0;
}

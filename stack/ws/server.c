/*
 * server.c — WebSocket routes served from tapir's HTTP server (RFC 6455
 * 4.2): the HTTP handler that checks an upgrade request, answers 101
 * Switching Protocols (or 400/405/426/503) and takes the connection over
 * with tapir_http_upgrade(); the built-in echo and chat routes; broadcast
 * to a route's connections; and one poller for every connection's timers.
 *
 * A connection belongs to its server: it is freed at the poller's next
 * sweep after it reached CLOSED and its on_close returned.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws/ws_internal.h"

/* ---- the server's list of connections --------------------------------------------- */

static void link_conn(struct tapir_ws_server *srv, struct tapir_ws *ws)
{
	ws->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = ws;
	srv->conns = ws;
	srv->nconns++;
}

static void unlink_conn(struct tapir_ws_server *srv, struct tapir_ws *ws)
{
	if (ws->prev)
		ws->prev->next = ws->next;
	else
		srv->conns = ws->next;
	if (ws->next)
		ws->next->prev = ws->prev;
	srv->nconns--;
}

static void route_link(struct tapir_ws *ws)
{
	struct tapir_ws_route *r = ws->route;

	ws->route_next = r->conns;
	if (r->conns)
		r->conns->route_prev = ws;
	r->conns = ws;
	ws->on_route = true;
}

static void route_unlink(struct tapir_ws *ws)
{
	struct tapir_ws_route *r = ws->route;

	if (!ws->on_route)
		return;
	if (ws->route_prev)
		ws->route_prev->route_next = ws->route_next;
	else
		r->conns = ws->route_next;
	if (ws->route_next)
		ws->route_next->route_prev = ws->route_prev;
	ws->on_route = false;
}

void ws_server_conn_closed(struct tapir_ws *ws)
{
	route_unlink(ws);
	ws->dead = true;
}

/* Timers of every connection; CLOSED ones are freed here, outside any
 * callback that might still hold them. */
static tapir_time server_poll(void *user, tapir_time now)
{
	struct tapir_ws_server *srv = user;
	tapir_time next = TAPIR_TIME_NEVER;
	struct tapir_ws *ws, *after;

	for (ws = srv->conns; ws; ws = after) {
		after = ws->next;
		if (!ws->dead && ws->deadline <= now)
			ws_timeout(ws);
		if (ws->dead) {
			unlink_conn(srv, ws);
			ws_conn_release(ws);
			free(ws);
			continue;
		}
		if (ws->deadline < next)
			next = ws->deadline;
	}
	return next;
}

int tapir_ws_server_new(struct tapir_stack *stack, struct tapir_ws_server **out)
{
	struct tapir_ws_server *srv = calloc(1, sizeof(*srv));
	int err;

	if (!srv)
		return -ENOMEM;
	srv->stack = stack;
	err = tapir_stack_add_poller(stack, server_poll, srv);
	if (err < 0) {
		free(srv);
		return err;
	}
	*out = srv;
	return 0;
}

void tapir_ws_server_free(struct tapir_ws_server *srv)
{
	struct tapir_ws *ws, *after;

	if (!srv)
		return;
	for (ws = srv->conns; ws; ws = after) {
		after = ws->next;
		if (ws->sock)
			tapir_tcp_abort(ws->sock);
		ws_conn_release(ws);
		free(ws);
	}
	tapir_stack_remove_poller(srv->stack, server_poll, srv);
	free(srv);
}

/* ---- routes ---------------------------------------------------------------------- */

int tapir_ws_server_route(struct tapir_ws_server *srv, const struct tapir_ws_route_config *cfg,
                          struct tapir_ws_route **out)
{
	struct tapir_ws_route *r;

	if (!cfg->path || cfg->path[0] != '/' || strlen(cfg->path) >= sizeof(r->path) || !cfg->cb)
		return -EINVAL;
	if (cfg->protocols && strlen(cfg->protocols) >= sizeof(r->protocols))
		return -EINVAL;
	if (srv->nroutes >= TAPIR_WS_ROUTES)
		return -ENOSPC;
	r = &srv->routes[srv->nroutes++];
	memset(r, 0, sizeof(*r));
	r->srv = srv;
	snprintf(r->path, sizeof(r->path), "%s", cfg->path);
	snprintf(r->protocols, sizeof(r->protocols), "%s", cfg->protocols ? cfg->protocols : "");
	r->max_message = cfg->max_message ? cfg->max_message : TAPIR_WS_MAX_MESSAGE;
	r->cb = *cfg->cb;
	r->user = cfg->user;
	if (out)
		*out = r;
	return 0;
}

struct tapir_ws_route *tapir_ws_route_of(const struct tapir_ws *ws)
{
	return ws->route;
}

int tapir_ws_broadcast(struct tapir_ws_route *route, enum tapir_ws_type type, const void *data,
                       size_t len)
{
	struct tapir_ws_route *r = route;
	int sent = 0;

	for (struct tapir_ws *ws = r->conns; ws; ws = ws->route_next) {
		int err;

		if (ws->state != TAPIR_WS_OPEN || ws->close_sent)
			continue;
		err = tapir_ws_send(ws, type, data, len);
		if (err == 0)
			sent++;
		else if (err == -ENOBUFS)
			stack_drop(ws->stack, TAPIR_DROP_WS_SEND_QUEUE_FULL, ws->path);
	}
	return sent;
}

/* /ws/echo: text back as text, binary as binary. */
static void echo_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
                         const uint8_t *data, size_t len)
{
	(void)user;
	if (tapir_ws_send(ws, type, data, len) == -ENOBUFS)
		stack_drop(ws->stack, TAPIR_DROP_WS_SEND_QUEUE_FULL, ws->path);
}

/* /ws/chat: every message to everyone on the route, the sender too. */
static void chat_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
                         const uint8_t *data, size_t len)
{
	(void)user;
	tapir_ws_broadcast(ws->route, type, data, len);
}

int tapir_ws_route_echo(struct tapir_ws_server *srv, const char *path)
{
	static const struct tapir_ws_callbacks cb = {.on_message = echo_message};
	struct tapir_ws_route_config cfg = {.path = path, .cb = &cb};

	return tapir_ws_server_route(srv, &cfg, NULL);
}

int tapir_ws_route_chat(struct tapir_ws_server *srv, const char *path)
{
	static const struct tapir_ws_callbacks cb = {.on_message = chat_message};
	struct tapir_ws_route_config cfg = {.path = path, .protocols = "chat", .cb = &cb};

	return tapir_ws_server_route(srv, &cfg, NULL);
}

int tapir_ws_server_attach(struct tapir_ws_server *srv, struct tapir_http_server *http)
{
	for (unsigned i = 0; i < srv->nroutes; i++) {
		int err = tapir_http_server_route(http, srv->routes[i].path, tapir_ws_http_handler,
		                                  &srv->routes[i]);
		if (err < 0)
			return err;
	}
	return 0;
}

void tapir_ws_server_stats(const struct tapir_ws_server *srv, struct tapir_ws_server_stats *out)
{
	*out = srv->stats;
	out->open = 0;
	for (const struct tapir_ws *ws = srv->conns; ws; ws = ws->next)
		if (ws->state != TAPIR_WS_CLOSED)
			out->open++;
}

/* ---- the opening handshake (4.2.2) -------------------------------------------------- */

static void trace_handshake(struct tapir_ws_server *srv, const struct tapir_ws *ws,
                            const char *path, unsigned status, const char *reason)
{
	struct tapir_event ev = {.kind = TAPIR_EV_WS, .level = TAPIR_LOG_INFO};

	if (ws)
		ev.u.ws.conn = ws->id;
	ev.u.ws.what = TAPIR_WS_TRACE_HANDSHAKE;
	ev.u.ws.path = path;
	ev.u.ws.status = (uint16_t)status;
	ev.u.ws.reason = reason;
	stack_emit(srv->stack, &ev);
}

/* Not an acceptable upgrade: answer with the status and say why. */
static void refuse_upgrade(struct tapir_ws_route *r, struct tapir_http_exchange *ex,
                           const struct ws_handshake *hs)
{
	char body[160];
	int n = snprintf(body, sizeof(body), "WebSocket handshake refused: %s\n", hs->reason);

	stack_drop(r->srv->stack, hs->drop, hs->reason);
	r->srv->stats.refused++;
	trace_handshake(r->srv, NULL, r->path, hs->status, hs->reason);
	if (hs->status == 426) {
		/* RFC 9110 15.5.22: a 426 says which protocol to upgrade to; RFC 6455
		 * 4.4: and which WebSocket versions the server speaks. */
		tapir_http_add_header(ex, "Upgrade", "websocket");
		tapir_http_add_header(ex, "Sec-WebSocket-Version", "13");
	}
	if (hs->status == 405)
		tapir_http_add_header(ex, "Allow", "GET");
	tapir_http_respond(ex, hs->status, "text/plain; charset=utf-8", body,
	                   n > 0 ? (size_t)n : 0);
}

/* The 101 is in TCP's send buffer and the socket is ours. */
static void on_upgraded(void *user, struct tapir_tcp *sock, const uint8_t *leftover, size_t len)
{
	struct tapir_ws *ws = user;

	ws->sock = sock;
	/* Messages are the application's units: send each at once rather than
	 * wait (Nagle) for the ACK of the last, as browsers and Node's ws do. */
	tapir_tcp_set_option(sock, TAPIR_TCP_NODELAY, 1);
	tapir_tcp_endpoints(sock, &ws->id);
	ws->deadline = TAPIR_TIME_NEVER;
	ws->srv->stats.handshakes++;
	trace_handshake(ws->srv, ws, ws->path, 101, "Switching Protocols");
	ws_set_state(ws, WS_EV_UPGRADED);
	route_link(ws);
	ws->opened = true;
	if (ws->cb.on_open)
		ws->cb.on_open(ws->user, ws);
	if (len > 0 && ws->state == TAPIR_WS_OPEN)
		ws_input(ws, leftover, len); /* frames that came with the request */
	ws_read(ws);
}

void tapir_ws_http_handler(void *route, struct tapir_http_exchange *ex)
{
	struct tapir_ws_route *r = route;
	struct tapir_ws_server *srv = r->srv;
	struct ws_handshake hs;
	struct tapir_ws *ws;

	ws_handshake_check(tapir_http_request(ex), r->protocols, &hs);
	if (hs.status == 101 && srv->nconns >= TAPIR_WS_MAX_CONNECTIONS) {
		hs.status = 503;
		hs.drop = TAPIR_DROP_WS_TOO_MANY;
		hs.reason = "too many WebSocket connections";
	}
	ws = hs.status == 101 ? calloc(1, sizeof(*ws)) : NULL;
	if (hs.status == 101 && !ws) {
		hs.status = 503;
		hs.drop = TAPIR_DROP_WS_TOO_MANY;
		hs.reason = "out of memory";
	}
	if (hs.status != 101) {
		refuse_upgrade(r, ex, &hs);
		return;
	}
	ws_conn_init(ws, srv->stack, false);
	snprintf(ws->path, sizeof(ws->path), "%s", r->path);
	snprintf(ws->protocol, sizeof(ws->protocol), "%s", hs.protocol);
	ws->max_message = r->max_message;
	ws->cb = r->cb;
	ws->user = r->user;
	ws->srv = srv;
	ws->route = r;
	/* If the 101 never gets out (the client leaves first), the HTTP server
	 * drops the exchange without telling us, and the sweep frees this one.
	 * Not before the HTTP server has given up on the response itself (its
	 * send timeout): until then on_upgraded may still come. */
	ws->deadline = ws_now(ws) + TAPIR_MS(TAPIR_HTTP_SEND_TIMEOUT_MS) +
	               TAPIR_MS(TAPIR_WS_HANDSHAKE_TIMEOUT_MS);
	link_conn(srv, ws);
	tapir_http_add_header(ex, "Upgrade", "websocket");
	tapir_http_add_header(ex, "Connection", "Upgrade");
	tapir_http_add_header(ex, "Sec-WebSocket-Accept", hs.accept);
	if (hs.protocol[0])
		tapir_http_add_header(ex, "Sec-WebSocket-Protocol", hs.protocol);
	tapir_http_respond(ex, 101, NULL, NULL, 0);
	tapir_http_upgrade(ex, ws_sock_event, on_upgraded, ws);
}

/*
 * client.c — the client's side of the opening handshake (RFC 6455 4.1):
 * connect, send the GET with Upgrade: websocket and a fresh random
 * Sec-WebSocket-Key, read the response with tapir's HTTP parser and check
 * the 101, its Upgrade and Connection headers, Sec-WebSocket-Accept and
 * the subprotocol. After that the connection is conn.c's, with every frame
 * masked (5.3). A client connection has its own poller for its timers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws/ws_internal.h"

static tapir_time client_poll(void *user, tapir_time now)
{
	struct tapir_ws *ws = user;

	if (ws->deadline <= now)
		ws_timeout(ws);
	return ws->deadline;
}

static void trace_handshake(struct tapir_ws *ws, unsigned status, const char *why)
{
	struct tapir_event ev = {.level = TAPIR_LOG_INFO};

	ev.u.ws.what = TAPIR_WS_TRACE_HANDSHAKE;
	ev.u.ws.status = (uint16_t)status;
	ev.u.ws.reason = why;
	ws_trace(ws, &ev);
}

/* 4.1: "If the server's response does not conform to the requirements ...
 * the client MUST _Fail the WebSocket Connection_." */
static void handshake_failed(struct tapir_ws *ws, enum tapir_drop drop, unsigned status,
                             const char *why)
{
	stack_drop(ws->stack, drop, why);
	trace_handshake(ws, status, why);
	ws_finish(ws, WS_EV_REFUSED, false);
}

void ws_client_connected(struct tapir_ws *ws)
{
	char request[2048];
	int n = ws_handshake_request(ws, request, sizeof(request));

	tapir_tcp_endpoints(ws->sock, &ws->id);
	if (n < 0 || ws_queue_raw(ws, request, (size_t)n) < 0) {
		handshake_failed(ws, TAPIR_DROP_WS_BAD_HANDSHAKE, 0, "request does not fit");
		return;
	}
	ws_flush(ws);
}

void ws_client_input(struct tapir_ws *ws, const uint8_t *data, size_t len)
{
	while (len > 0 && ws->parser) {
		struct tapir_http_piece piece;
		size_t used = 0;
		enum tapir_http_event ev = tapir_http_parse(ws->parser, data, len, &used, &piece);
		const char *why;
		enum tapir_drop drop;

		data += used;
		len -= used;
		if (ev == TAPIR_HTTP_EV_ERROR) {
			handshake_failed(ws, TAPIR_DROP_WS_BAD_HANDSHAKE, ws->parser->status,
			                 ws->parser->reason);
			return;
		}
		if (ev != TAPIR_HTTP_EV_HEAD)
			continue;
		drop = ws_handshake_response(ws, &ws->parser->msg, &why);
		if (drop != TAPIR_DROP_NONE) {
			handshake_failed(ws, drop, ws->parser->msg.status, why);
			return;
		}
		free(ws->parser);
		ws->parser = NULL;
		ws->deadline = TAPIR_TIME_NEVER;
		trace_handshake(ws, 101, "Switching Protocols");
		ws_set_state(ws, WS_EV_ACCEPTED);
		ws->opened = true;
		if (ws->cb.on_open)
			ws->cb.on_open(ws->user, ws);
		if (len > 0 && ws->state == TAPIR_WS_OPEN)
			ws_input(ws, data, len); /* frames right behind the 101 */
	}
}

int tapir_ws_connect(struct tapir_stack *stack, const struct tapir_ws_client_config *cfg,
                     const struct tapir_ws_callbacks *cb, void *user, struct tapir_ws **out)
{
	struct tapir_ws *ws;
	int err;

	if (!cfg->path || cfg->path[0] != '/' || !cfg->host || !cb)
		return -EINVAL;
	ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	ws_conn_init(ws, stack, true);
	if (strlen(cfg->path) >= sizeof(ws->path) || strlen(cfg->host) >= sizeof(ws->host) ||
	    (cfg->protocols && strlen(cfg->protocols) >= sizeof(ws->protocols))) {
		free(ws);
		return -EINVAL;
	}
	snprintf(ws->path, sizeof(ws->path), "%s", cfg->path);
	snprintf(ws->host, sizeof(ws->host), "%s", cfg->host);
	snprintf(ws->protocols, sizeof(ws->protocols), "%s", cfg->protocols ? cfg->protocols : "");
	ws->max_message = cfg->max_message ? cfg->max_message : TAPIR_WS_MAX_MESSAGE;
	ws->cb = *cb;
	ws->user = user;
	ws->parser = malloc(sizeof(*ws->parser));
	err = ws->parser ? ws_make_key(ws->key) : -ENOMEM;
	if (err == 0)
		err = tapir_ws_accept_key(ws->key, ws->accept);
	if (err == 0)
		err = tapir_stack_add_poller(stack, client_poll, ws);
	if (err < 0) {
		ws_conn_release(ws);
		free(ws);
		return err;
	}
	ws->poller = true;
	tapir_http_parser_init(ws->parser, TAPIR_HTTP_PARSE_RESPONSE, 0);
	ws->deadline = ws_now(ws) + TAPIR_MS(TAPIR_WS_HANDSHAKE_TIMEOUT_MS);
	err = tapir_tcp_connect(stack, cfg->ip, cfg->port, ws_sock_event, ws, &ws->sock);
	if (err < 0) {
		ws->sock = NULL;
		tapir_ws_free(ws);
		return err;
	}
	tapir_tcp_set_option(ws->sock, TAPIR_TCP_NODELAY, 1); /* see server.c */
	tapir_tcp_endpoints(ws->sock, &ws->id);
	*out = ws;
	return 0;
}

void tapir_ws_free(struct tapir_ws *ws)
{
	if (!ws)
		return;
	if (ws->sock)
		tapir_tcp_abort(ws->sock);
	if (ws->poller)
		tapir_stack_remove_poller(ws->stack, client_poll, ws);
	ws_conn_release(ws);
	free(ws);
}

/*
 * routes.c — the server's built-in routes for labs and tests:
 *
 *   POST /echo    the request body back, byte for byte, with its
 *                 Content-Type (handy to watch a chunked upload arrive)
 *   GET /events   server-sent events (HTML Living Standard 9.2,
 *                 text/event-stream): "id: N" and "data: event N" once a
 *                 second, numbered on from Last-Event-ID after a
 *                 reconnect; "?count=N" ends the stream after N events
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

static const char allow_echo[] = "POST, OPTIONS";
static const char allow_events[] = "GET, HEAD, OPTIONS";

/* OPTIONS answers with Allow; other methods not taken get 405. */
static bool other_method(struct tapir_http_exchange *ex, const char *allow)
{
	const char *m = ex->req->method;

	tapir_http_add_header(ex, "Allow", allow);
	if (strcmp(m, "OPTIONS") == 0)
		tapir_http_respond(ex, 204, NULL, NULL, 0);
	else
		http_respond_status(ex, 405);
	return true;
}

void http_route_echo(void *user, struct tapir_http_exchange *ex)
{
	const char *type = tapir_http_header(ex->req, "Content-Type");
	const uint8_t *body;
	size_t len;

	(void)user;
	if (strcmp(ex->req->method, "POST") != 0) {
		other_method(ex, allow_echo);
		return;
	}
	body = tapir_http_body(ex, &len);
	tapir_http_respond(ex, 200, type ? type : "application/octet-stream", body, len);
}

static void send_event(struct tapir_http_exchange *ex)
{
	char buf[160];
	uint64_t n = ex->events_sent + 1;
	int len =
	    snprintf(buf, sizeof(buf), "%sid: %llu\ndata: event %llu\n\n",
	             n == 1 ? "retry: 2000\n" : "", (unsigned long long)n, (unsigned long long)n);

	if (tapir_http_stream_write(ex, buf, (size_t)len) < 0)
		return; /* no room: this tick is skipped, the numbering goes on later */
	ex->events_sent = n;
	if (ex->events_limit && ex->events_sent >= ex->events_limit)
		tapir_http_stream_end(ex);
}

static void events_tick(void *user, struct tapir_http_exchange *ex, tapir_time now)
{
	(void)user;
	(void)now;
	send_event(ex);
}

/* "count=3" somewhere in the query. */
static uint64_t query_count(const char *query)
{
	const char *p = strstr(query, "count=");

	if (!p || (p != query && p[-1] != '&'))
		return 0;
	return strtoull(p + 6, NULL, 10);
}

void http_route_events(void *user, struct tapir_http_exchange *ex)
{
	const char *last = tapir_http_header(ex->req, "Last-Event-ID");
	uint64_t count = query_count(tapir_http_query(ex));

	(void)user;
	if (strcmp(ex->req->method, "GET") != 0 && strcmp(ex->req->method, "HEAD") != 0) {
		other_method(ex, allow_events);
		return;
	}
	ex->events_sent = last ? strtoull(last, NULL, 10) : 0;
	ex->events_limit = count ? ex->events_sent + count : 0;
	tapir_http_add_header(ex, "Cache-Control", "no-cache");
	if (tapir_http_stream_begin(ex, 200, "text/event-stream; charset=utf-8") < 0 || ex->is_head)
		return;
	tapir_http_stream_on_tick(ex, events_tick, NULL);
	send_event(ex); /* the first one at once */
}

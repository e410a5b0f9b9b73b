/*
 * trace_feed.c — the live trace feed: the stack's trace events pushed over a
 * WebSocket route (RFC 6455) to every browser that watches, for the page in
 * www/live/ that draws each connection on the RFC 9293 state diagram
 * (section 3.3.2) beside a ladder of its segments. The messages are
 * described in tapir/ws.h.
 *
 * Three parts, and who may do what:
 *
 *   the sink    called by the trace bus from deep inside the stack (in the
 *               middle of a TCP send, say). It keeps the table of live
 *               connections up to date and formats each event into the
 *               queue. It never sends and never calls into the stack.
 *   the queue   a buffer that is already the next message: the header
 *               {"feed":"events","events":[ and the events, comma separated.
 *               Bounded: an event that does not fit is counted as lost.
 *   the poller  runs in every tapir_stack_poll(), outside any callback. It
 *               swaps the queue for an empty one (events that sending itself
 *               causes, an ARP request say, go into the new one and out at
 *               the next poll), greets new viewers with the table ("hello"),
 *               sends the full queue to the others, reports gaps and traces
 *               the drops.
 *
 * Why the viewers' own segments are left out: see caused_by_feed().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws/ws_internal.h"

#define QUEUE_HEADER   "{\"feed\":\"events\",\"events\":["
#define QUEUE_END      "]}"
#define QUEUE_MIN      4096
#define STATE_NAME_MAX 16 /* "SYN-RECEIVED" and the rest, with room */
#define HELLO_PER_CONN (256 + TAPIR_TRACE_FEED_PATH * (STATE_NAME_MAX + 3)) /* JSON bytes */
#define FSM_JSON_MAX   (64 * 1024)
#define CLOSE_TOO_MANY 4013 /* as 1013 "Try Again Later", in the range apps may use */

/* A live TCP connection as the hello shows it: the states it went through. */
struct feed_conn {
	bool used;
	struct tapir_tcp_conn_id id;
	/* path[npath - 1] is the current state. When the path is full the last
	 * entry is overwritten, so the current state is always right. */
	char path[TAPIR_TRACE_FEED_PATH][STATE_NAME_MAX];
	unsigned npath;
	tapir_time since; /* when it entered the current state */
};

struct feed_viewer {
	struct tapir_ws *ws; /* NULL: a free slot */
	uint32_t conn;       /* the id of its TCP connection */
	bool greeted;        /* the hello went out: events follow */
	bool behind;         /* skipped since its last message (a gap is open) */
	bool gap_began;      /* ... and it began in this flush: trace it */
	uint64_t missed;     /* events it did not get, still to be reported */
};

struct tapir_trace_feed {
	struct tapir_stack *stack;
	struct tapir_trace *trace;
	size_t backlog_bytes;
	/* The queue: QUEUE_HEADER, then `queued` events; room for QUEUE_END.
	 * `spare` is the other buffer, the one being sent during a flush. */
	char *queue, *spare;
	size_t queue_cap, queue_len;
	unsigned queued;
	uint64_t lost; /* events that did not fit since the last flush */
	struct feed_viewer viewers[TAPIR_TRACE_FEED_VIEWERS];
	unsigned nviewers;
	struct feed_conn conns[TAPIR_TRACE_FEED_CONNS];
	struct tapir_trace_feed_stats stats;
};

/* ---- a bounded text buffer for the hello and the FSM table --------------------------- */

struct text {
	char *buf;
	size_t cap, len;
	bool full; /* something did not fit: the text is unusable */
};

static void text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len) {
		t->full = true;
		return;
	}
	t->len += (size_t)n;
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void text_json_string(struct text *t, const char *s)
{
	text_printf(t, "\"");
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			text_printf(t, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			text_printf(t, "\\u%04x", c);
		else
			text_printf(t, "%c", c);
	}
	text_printf(t, "\"");
}

/* ---- the table of live connections (kept by the sink) -------------------------------- */

/* State names are the RFC's ("TIME-WAIT"): keep letters, digits and '-'
 * only, so they can go into JSON as they are. */
static void copy_state_name(char out[STATE_NAME_MAX], const char *name)
{
	size_t n = 0;

	for (; name && *name && n + 1 < STATE_NAME_MAX; name++)
		if ((*name >= 'A' && *name <= 'Z') || (*name >= '0' && *name <= '9') ||
		    *name == '-')
			out[n++] = *name;
	out[n] = '\0';
}

static struct feed_conn *find_conn(struct tapir_trace_feed *feed, uint32_t id)
{
	for (size_t i = 0; i < TAPIR_TRACE_FEED_CONNS; i++)
		if (feed->conns[i].used && feed->conns[i].id.id == id)
			return &feed->conns[i];
	return NULL;
}

/* A free slot, or else the one whose state changed longest ago. */
static struct feed_conn *claim_conn(struct tapir_trace_feed *feed)
{
	struct feed_conn *oldest = &feed->conns[0];

	for (size_t i = 0; i < TAPIR_TRACE_FEED_CONNS; i++) {
		if (!feed->conns[i].used)
			return &feed->conns[i];
		if (feed->conns[i].since < oldest->since)
			oldest = &feed->conns[i];
	}
	return oldest;
}

static void path_append(struct feed_conn *c, const char *state)
{
	if (c->npath == TAPIR_TRACE_FEED_PATH)
		c->npath--;
	copy_state_name(c->path[c->npath++], state);
}

/* A tcp-state event: the connection moves on; at CLOSED it is gone. */
static void track_state(struct tapir_trace_feed *feed, const struct tapir_event *ev)
{
	const struct tapir_tcp_conn_id *id = &ev->u.tcp_state.conn;
	bool closed = ev->u.tcp_state.to && strcmp(ev->u.tcp_state.to, "CLOSED") == 0;
	struct feed_conn *c = find_conn(feed, id->id);

	if (!c) {
		if (closed)
			return;
		c = claim_conn(feed);
		memset(c, 0, sizeof(*c));
		c->used = true;
		c->id = *id;
		path_append(c, ev->u.tcp_state.from);
	}
	c->id = *id; /* the remote end is known once a listener's copy has its SYN */
	path_append(c, ev->u.tcp_state.to);
	c->since = ev->time;
	if (closed)
		c->used = false;
}

/* ---- the queue (filled by the sink) -------------------------------------------------- */

static void queue_reset(struct tapir_trace_feed *feed)
{
	memcpy(feed->queue, QUEUE_HEADER, sizeof(QUEUE_HEADER) - 1);
	feed->queue_len = sizeof(QUEUE_HEADER) - 1;
	feed->queued = 0;
	feed->lost = 0;
}

static void enqueue(struct tapir_trace_feed *feed, const struct tapir_event *ev)
{
	char line[TAPIR_TRACE_FEED_EVENT];
	size_t n, need;

	tapir_event_format_json(ev, line, sizeof(line));
	n = strlen(line);
	/* A comma before all but the first, and room kept for QUEUE_END. */
	need = n + (feed->queued > 0 ? 1 : 0) + sizeof(QUEUE_END) - 1;
	if (n + 1 >= sizeof(line) || need > feed->queue_cap - feed->queue_len) {
		feed->lost++; /* cut short (not valid JSON) or no room */
		return;
	}
	if (feed->queued > 0)
		feed->queue[feed->queue_len++] = ',';
	memcpy(feed->queue + feed->queue_len, line, n);
	feed->queue_len += n;
	feed->queued++;
	feed->stats.events++;
}

/* ---- the sink ------------------------------------------------------------------------ */

static struct feed_viewer *viewer_of_conn(struct tapir_trace_feed *feed, uint32_t conn)
{
	for (size_t i = 0; i < TAPIR_TRACE_FEED_VIEWERS; i++)
		if (feed->viewers[i].ws && feed->viewers[i].conn == conn)
			return &feed->viewers[i];
	return NULL;
}

/* The connection whose traffic the event is (a segment, a timer, a window
 * change, a WebSocket frame), or NULL for events that change a state or
 * belong to no connection. */
static const struct tapir_tcp_conn_id *traffic_of(const struct tapir_event *ev)
{
	switch (ev->kind) {
	case TAPIR_EV_TCP_SEGMENT:
		return &ev->u.tcp_segment.conn;
	case TAPIR_EV_TCP_TIMER:
		return &ev->u.tcp_timer.conn;
	case TAPIR_EV_TCP_CWND:
		return &ev->u.tcp_cwnd.conn;
	case TAPIR_EV_WS:
		return ev->u.ws.what == TAPIR_WS_TRACE_FRAME ? &ev->u.ws.conn : NULL;
	default:
		return NULL;
	}
}

/* Sending the feed to a viewer makes frames, segments, ACKs and timers on
 * its connection; were those events sent too, each would make more, without
 * end. So the traffic of viewers' connections is left out, and only their
 * state changes (tcp-state, ws state and close) are shown: a viewer sees
 * its own connection on the diagram, not the feed's own bytes. */
static bool caused_by_feed(struct tapir_trace_feed *feed, const struct tapir_event *ev)
{
	const struct tapir_tcp_conn_id *conn = traffic_of(ev);

	return conn && viewer_of_conn(feed, conn->id);
}

static void feed_sink(void *user, const struct tapir_event *ev)
{
	struct tapir_trace_feed *feed = user;

	if (ev->kind == TAPIR_EV_TCP_STATE)
		track_state(feed, ev);
	if (feed->nviewers == 0)
		return;
	if (caused_by_feed(feed, ev)) {
		feed->stats.excluded++;
		return;
	}
	enqueue(feed, ev);
}

/* ---- the viewers (callbacks of the route) -------------------------------------------- */

static void viewer_open(void *user, struct tapir_ws *ws)
{
	struct tapir_trace_feed *feed = user;
	struct tapir_tcp_conn_id id;

	for (size_t i = 0; i < TAPIR_TRACE_FEED_VIEWERS; i++) {
		struct feed_viewer *v = &feed->viewers[i];

		if (v->ws)
			continue;
		tapir_ws_endpoints(ws, &id);
		memset(v, 0, sizeof(*v));
		v->ws = ws;
		v->conn = id.id;
		feed->nviewers++;
		return;
	}
	tapir_ws_close(ws, CLOSE_TOO_MANY, "too many viewers");
}

static void viewer_close(void *user, struct tapir_ws *ws, uint16_t code, const char *reason,
                         bool clean)
{
	struct tapir_trace_feed *feed = user;

	(void)code;
	(void)reason;
	(void)clean;
	for (size_t i = 0; i < TAPIR_TRACE_FEED_VIEWERS; i++) {
		if (feed->viewers[i].ws != ws)
			continue;
		memset(&feed->viewers[i], 0, sizeof(feed->viewers[i]));
		feed->nviewers--;
		return;
	}
}

/* Viewers have nothing to say; what they send is read and ignored. */
static void viewer_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
                           const uint8_t *data, size_t len)
{
	(void)user;
	(void)ws;
	(void)type;
	(void)data;
	(void)len;
}

/* ---- the poller: hello, events, gaps ------------------------------------------------- */

/* Returns false when nothing was sent, also when an earlier send of this
 * flush ended the viewer's connection (its on_close cleared the slot). */
static bool feed_send(struct tapir_trace_feed *feed, struct feed_viewer *v, const char *msg,
                      size_t len)
{
	if (!v->ws || tapir_ws_send(v->ws, TAPIR_WS_TEXT, msg, len) < 0)
		return false;
	feed->stats.messages++;
	return true;
}

static void hello_conn(struct text *t, const struct feed_conn *c)
{
	char local[TAPIR_IP_STRLEN], remote[TAPIR_IP_STRLEN];

	tapir_ip_format(c->id.local_ip, local);
	tapir_ip_format(c->id.remote_ip, remote);
	text_printf(t,
	            "{\"conn\":%u,\"local_ip\":\"%s\",\"local_port\":%u,\"remote_ip\":\"%s\","
	            "\"remote_port\":%u,\"state\":\"%s\",\"since_us\":%lld,\"path\":[",
	            c->id.id, local, c->id.local_port, remote, c->id.remote_port,
	            c->path[c->npath - 1], (long long)c->since);
	for (unsigned i = 0; i < c->npath; i++)
		text_printf(t, "%s\"%s\"", i ? "," : "", c->path[i]);
	text_printf(t, "]}");
}

/* The first message to a viewer: every live connection and its path. The
 * table already holds the effect of every event in the queue, so the
 * viewer's events start with the next flush. */
static void send_hello(struct tapir_trace_feed *feed, struct feed_viewer *v)
{
	struct text t = {.cap = 128 + TAPIR_TRACE_FEED_CONNS * HELLO_PER_CONN};
	unsigned n = 0;

	t.buf = malloc(t.cap);
	if (!t.buf)
		return; /* not greeted: tried again at the next flush */
	text_printf(&t, "{\"feed\":\"hello\",\"you\":%u,\"time_us\":%lld,\"connections\":[",
	            v->conn, (long long)feed->stack->now);
	for (size_t i = 0; i < TAPIR_TRACE_FEED_CONNS; i++) {
		if (!feed->conns[i].used)
			continue;
		if (n++ > 0)
			text_printf(&t, ",");
		hello_conn(&t, &feed->conns[i]);
	}
	text_printf(&t, "]}");
	if (!t.full && feed_send(feed, v, t.buf, t.len))
		v->greeted = true;
	free(t.buf);
}

/* Send this flush's events to one viewer, after telling it what it missed;
 * or, when more than backlog_bytes still wait for TCP (so it holds at most
 * that and one queue), skip it and count. */
static void deliver(struct tapir_trace_feed *feed, struct feed_viewer *v, const char *msg,
                    size_t len, unsigned events)
{
	if (!v->ws)
		return;
	if (tapir_ws_buffered(v->ws) > feed->backlog_bytes) {
		if (!v->behind)
			v->gap_began = true;
		v->behind = true;
		v->missed += events;
		feed->stats.lost_slow += events;
		return;
	}
	if (v->missed > 0) {
		char gap[64];
		int n = snprintf(gap, sizeof(gap), "{\"feed\":\"gap\",\"missed\":%llu}",
		                 (unsigned long long)v->missed);

		if (feed_send(feed, v, gap, (size_t)n))
			v->missed = 0;
	}
	v->behind = false;
	if (!feed_send(feed, v, msg, len)) {
		v->missed += events;
		feed->stats.lost_slow += events;
	}
}

/* Drops are traced only here, outside the sink: their events go into the
 * new queue like any other and out with the next flush. */
static void trace_gaps(struct tapir_trace_feed *feed, uint64_t lost)
{
	char detail[96];

	if (lost > 0) {
		snprintf(detail, sizeof(detail), "%llu events", (unsigned long long)lost);
		stack_drop(feed->stack, TAPIR_DROP_WS_FEED_QUEUE_FULL, detail);
	}
	for (size_t i = 0; i < TAPIR_TRACE_FEED_VIEWERS; i++) {
		struct feed_viewer *v = &feed->viewers[i];

		if (!v->ws || !v->gap_began)
			continue;
		v->gap_began = false;
		snprintf(detail, sizeof(detail), "viewer on conn %u: %llu events", v->conn,
		         (unsigned long long)v->missed);
		stack_drop(feed->stack, TAPIR_DROP_WS_FEED_SLOW_VIEWER, detail);
	}
}

static void flush(struct tapir_trace_feed *feed)
{
	char *msg = feed->queue;
	unsigned events = feed->queued;
	uint64_t lost = feed->lost;
	size_t len = 0;

	if (events > 0) {
		memcpy(msg + feed->queue_len, QUEUE_END, sizeof(QUEUE_END) - 1);
		len = feed->queue_len + sizeof(QUEUE_END) - 1;
	}
	feed->queue = feed->spare;
	feed->spare = msg;
	queue_reset(feed);
	for (size_t i = 0; i < TAPIR_TRACE_FEED_VIEWERS; i++) {
		struct feed_viewer *v = &feed->viewers[i];

		if (!v->ws || tapir_ws_state(v->ws) != TAPIR_WS_OPEN)
			continue;
		if (!v->greeted) {
			send_hello(feed, v);
			continue;
		}
		if (len > 0)
			deliver(feed, v, msg, len, events);
		v->missed += lost; /* they came after this flush's events */
	}
	feed->stats.lost_queue_full += lost;
	trace_gaps(feed, lost);
}

/* Runs in every poll. When tracing a drop filled the queue again, the next
 * poll is due at once to send it. */
static tapir_time feed_poll(void *user, tapir_time now)
{
	struct tapir_trace_feed *feed = user;

	flush(feed);
	return feed->queued > 0 || feed->lost > 0 ? now : TAPIR_TIME_NEVER;
}

/* ---- creating and freeing ------------------------------------------------------------ */

int tapir_trace_feed_new(struct tapir_ws_server *srv, const struct tapir_trace_feed_config *cfg,
                         struct tapir_trace_feed **out)
{
	static const struct tapir_ws_callbacks cb = {
	    .on_open = viewer_open, .on_message = viewer_message, .on_close = viewer_close};
	struct tapir_ws_route_config route = {.path = cfg->path, .cb = &cb};
	struct tapir_trace *trace = tapir_stack_trace(srv->stack);
	size_t queue_bytes = cfg->queue_bytes ? cfg->queue_bytes : TAPIR_TRACE_FEED_QUEUE;
	struct tapir_trace_feed *feed;
	int err;

	if (!trace || queue_bytes < QUEUE_MIN)
		return -EINVAL;
	feed = calloc(1, sizeof(*feed));
	if (!feed)
		return -ENOMEM;
	feed->stack = srv->stack;
	feed->trace = trace;
	feed->queue_cap = queue_bytes;
	feed->backlog_bytes = cfg->backlog_bytes ? cfg->backlog_bytes : TAPIR_TRACE_FEED_BACKLOG;
	feed->queue = malloc(queue_bytes);
	feed->spare = malloc(queue_bytes);
	if (!feed->queue || !feed->spare) {
		tapir_trace_feed_free(feed);
		return -ENOMEM;
	}
	queue_reset(feed);
	/* The route last: it is the one step that cannot be undone. */
	route.user = feed;
	err = tapir_stack_add_poller(feed->stack, feed_poll, feed);
	if (err == 0)
		err = tapir_trace_attach(trace, feed_sink, feed);
	if (err == 0)
		err = tapir_ws_server_route(srv, &route, NULL);
	if (err < 0) {
		tapir_trace_feed_free(feed);
		return err;
	}
	*out = feed;
	return 0;
}

void tapir_trace_feed_free(struct tapir_trace_feed *feed)
{
	if (!feed)
		return;
	tapir_trace_detach(feed->trace, feed_sink, feed);
	tapir_stack_remove_poller(feed->stack, feed_poll, feed);
	free(feed->queue);
	free(feed->spare);
	free(feed);
}

void tapir_trace_feed_stats(const struct tapir_trace_feed *feed, struct tapir_trace_feed_stats *out)
{
	*out = feed->stats;
	out->viewers = feed->nviewers;
}

/* ---- the state machine for the page -------------------------------------------------- */

static void respond_text(struct tapir_http_exchange *ex, unsigned status, const char *text)
{
	tapir_http_respond(ex, status, "text/plain; charset=utf-8", text, strlen(text));
}

void tapir_trace_feed_fsm_handler(void *user, struct tapir_http_exchange *ex)
{
	const char *method = tapir_http_request(ex)->method;
	struct text t = {.cap = FSM_JSON_MAX};
	size_t rows;
	const struct tapir_tcp_transition *row = tapir_tcp_fsm_table(&rows);

	(void)user;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		tapir_http_add_header(ex, "Allow", "GET, HEAD");
		respond_text(ex, 405, "GET or HEAD only\n");
		return;
	}
	t.buf = malloc(t.cap);
	if (!t.buf) {
		respond_text(ex, 503, "out of memory\n");
		return;
	}
	text_printf(&t, "{\"tcp\":{\"transitions\":[");
	for (size_t i = 0; i < rows; i++) {
		text_printf(&t, "%s\n{\"from\":", i ? "," : "");
		text_json_string(&t, row[i].from);
		text_printf(&t, ",\"event\":");
		text_json_string(&t, row[i].event);
		text_printf(&t, ",\"to\":");
		text_json_string(&t, row[i].to);
		text_printf(&t, ",\"label\":");
		text_json_string(&t, row[i].label);
		text_printf(&t, "}");
	}
	text_printf(&t, "]}}\n");
	if (t.full) {
		respond_text(ex, 500, "the state table does not fit\n");
	} else {
		tapir_http_add_header(ex, "Cache-Control", "no-cache");
		tapir_http_respond(ex, 200, "application/json", t.buf, t.len);
	}
	free(t.buf);
}

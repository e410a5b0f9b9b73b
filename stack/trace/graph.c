/*
 * graph.c — the graph collection: connections recorded from a live trace
 * (the trace sink) or from a capture (graph_pcap.c), the files written per
 * connection, index.html, and the recorded transitions as JSON Lines.
 *
 * The pictures themselves are drawn by graph_dot.c (state diagrams from the
 * FSM table) and graph_ladder.c (sequence diagrams); the peer's path and
 * a capture's both paths come from graph_infer.c. See graph.h and
 * docs/graphs.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trace/graph_internal.h"

/* mkdir -p: every missing directory on the way, then dir itself. */
static int make_dirs(const char *dir)
{
	char path[512];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(path))
		return -EINVAL;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		path[i] = dir[i];
	}
	return 0;
}

int tapir_graph_new(const char *dir, const char *title, struct tapir_graph **out)
{
	struct tapir_graph *g;
	int err;

	if (!dir || strlen(dir) >= sizeof(g->dir) - 64)
		return -EINVAL;
	err = make_dirs(dir);
	if (err < 0)
		return err;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	snprintf(g->dir, sizeof(g->dir), "%s", dir);
	snprintf(g->title, sizeof(g->title), "%s", title ? title : "tapir");
	g->table = tapir_tcp_fsm_table(&g->table_rows);
	*out = g;
	return 0;
}

void tapir_graph_free(struct tapir_graph *g)
{
	if (!g)
		return;
	for (unsigned i = 0; i < g->nconns; i++) {
		free(g->conns[i]->seg);
		free(g->conns[i]);
	}
	free(g);
}

struct tapir_graph_stats tapir_graph_stats(const struct tapir_graph *g)
{
	struct tapir_graph_stats s = g->stats;

	s.conns = g->nconns;
	return s;
}

/* ---- recording ---------------------------------------------------------------- */

struct graph_conn *graph_conn_add(struct tapir_graph *g, uint32_t id)
{
	struct graph_conn *c;

	if (g->nconns >= TAPIR_GRAPH_MAX_CONNS) {
		g->stats.conns_dropped++;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		g->stats.conns_dropped++;
		return NULL;
	}
	c->id = id;
	graph_infer_init(&c->side[0]);
	graph_infer_init(&c->side[1]);
	g->conns[g->nconns++] = c;
	return c;
}

static bool grow_segments(struct graph_conn *c)
{
	unsigned cap = c->segcap ? c->segcap * 2 : 32;
	struct graph_segment *seg;

	if (cap > TAPIR_GRAPH_MAX_SEGMENTS)
		cap = TAPIR_GRAPH_MAX_SEGMENTS;
	seg = realloc(c->seg, cap * sizeof(*seg));
	if (!seg)
		return false;
	c->seg = seg;
	c->segcap = cap;
	return true;
}

/* Keep a segment for the ladder (while there is room) and note the ISN and
 * the options of each side's first SYN. */
void graph_add_segment(struct graph_conn *c, const struct graph_segment *s)
{
	struct graph_side *from = &c->side[s->sender];

	if (c->nseg == 0 && c->seg_dropped == 0)
		c->first = s->time;
	c->last = s->time;
	if ((s->flags & 0x02) && !from->isn_known) {
		from->isn_known = true;
		from->isn = s->seq;
		from->syn_window = s->window;
		snprintf(from->syn_options, sizeof(from->syn_options), "%s", s->options);
	}
	if (c->nseg == c->segcap && (c->segcap >= TAPIR_GRAPH_MAX_SEGMENTS || !grow_segments(c))) {
		c->seg_dropped++;
		return;
	}
	c->seg[c->nseg++] = *s;
}

void graph_add_transition(struct graph_side *side, tapir_time time, const char *from,
                          const char *to, const char *cause, unsigned after_segment)
{
	struct graph_transition *t;

	if (side->ntr == 0)
		snprintf(side->start, sizeof(side->start), "%s", from);
	if (side->ntr >= TAPIR_GRAPH_MAX_TRANSITIONS) {
		side->tr_dropped++;
		return;
	}
	t = &side->tr[side->ntr++];
	t->time = time;
	snprintf(t->from, sizeof(t->from), "%s", from);
	snprintf(t->to, sizeof(t->to), "%s", to);
	snprintf(t->cause, sizeof(t->cause), "%s", cause ? cause : "");
	t->after_segment = after_segment;
}

/* ---- the live trace sink ------------------------------------------------------ */

static bool same_conn(const struct graph_conn *c, const struct tapir_tcp_conn_id *id)
{
	return c->live && c->id == id->id && c->side[0].ip == id->local_ip &&
	       c->side[0].port == id->local_port;
}

static struct graph_conn *live_conn(struct tapir_graph *g, const struct tapir_tcp_conn_id *id)
{
	struct graph_conn *c;

	for (unsigned i = g->nconns; i-- > 0;)
		if (same_conn(g->conns[i], id))
			return g->conns[i];
	c = graph_conn_add(g, id->id);
	if (!c)
		return NULL;
	c->live = true;
	c->side[0].ip = id->local_ip;
	c->side[0].port = id->local_port;
	c->side[0].primary = true;
	c->side[1].ip = id->remote_ip;
	c->side[1].port = id->remote_port;
	c->side[1].inferred = true;
	return c;
}

static void on_state(struct tapir_graph *g, const struct tapir_event *ev)
{
	struct graph_conn *c = live_conn(g, &ev->u.tcp_state.conn);

	if (!c)
		return;
	/* A listener's child learns its peer after it was created. */
	c->side[1].ip = ev->u.tcp_state.conn.remote_ip;
	c->side[1].port = ev->u.tcp_state.conn.remote_port;
	if (c->nseg == 0 && c->side[0].ntr == 0)
		c->first = ev->time;
	c->last = ev->time;
	graph_add_transition(&c->side[0], ev->time, ev->u.tcp_state.from, ev->u.tcp_state.to,
	                     ev->u.tcp_state.cause, c->nseg);
	c->dirty = true;
	if (strcmp(ev->u.tcp_state.to, "CLOSED") == 0) {
		c->closed = true;
		graph_write_conn_files(g, c);
	}
}

static void on_segment(struct tapir_graph *g, const struct tapir_event *ev)
{
	struct graph_segment s;
	struct graph_conn *c;

	if (ev->u.tcp_segment.conn.id == 0)
		return; /* a RST for no connection: nothing to draw it in */
	c = live_conn(g, &ev->u.tcp_segment.conn);
	if (!c)
		return;
	memset(&s, 0, sizeof(s));
	s.time = ev->time;
	s.sender = ev->u.tcp_segment.dir == TAPIR_DIR_OUT ? 0 : 1;
	s.flags = ev->u.tcp_segment.flags;
	s.seq = ev->u.tcp_segment.seq;
	s.ack = ev->u.tcp_segment.ack;
	s.len = ev->u.tcp_segment.len;
	s.window = ev->u.tcp_segment.window;
	s.retransmission = ev->u.tcp_segment.retransmission;
	if (ev->u.tcp_segment.options)
		snprintf(s.options, sizeof(s.options), "%s", ev->u.tcp_segment.options);
	graph_add_segment(c, &s);
	if (!graph_infer_segment(g, c, &s))
		g->stats.unexplained++;
	c->dirty = true;
}

void tapir_graph_sink(void *user, const struct tapir_event *ev)
{
	struct tapir_graph *g = user;

	if (ev->kind == TAPIR_EV_TCP_STATE)
		on_state(g, ev);
	else if (ev->kind == TAPIR_EV_TCP_SEGMENT)
		on_segment(g, ev);
}

/* ---- paths and names ---------------------------------------------------------- */

void graph_side_path(const struct graph_side *side, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	if (side->ntr == 0 && !side->start[0])
		return;
	n += (size_t)snprintf(out, cap, "%s", side->start[0] ? side->start : side->tr[0].from);
	for (unsigned i = 0; i < side->ntr && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, " %s", side->tr[i].to);
}

const char *graph_side_final(const struct graph_side *side)
{
	if (side->ntr > 0)
		return side->tr[side->ntr - 1].to;
	return side->start[0] ? side->start : "CLOSED";
}

int tapir_graph_path(const struct tapir_graph *g, unsigned n, int side, char *out, size_t cap)
{
	if (n >= g->nconns || side < 0 || side > 1 || cap == 0)
		return -ENOENT;
	graph_side_path(&g->conns[n]->side[side], out, cap);
	return 0;
}

void graph_format_endpoint(tapir_ip ip, uint16_t port, char *out, size_t cap)
{
	char a[TAPIR_IP_STRLEN];

	tapir_ip_format(ip, a);
	snprintf(out, cap, "%s:%u", a, port);
}

void graph_xml_escape(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return;
	for (; in && *in && n + 7 < cap; in++) {
		const char *rep = NULL;

		switch (*in) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		default:
			break;
		}
		if (rep) {
			size_t l = strlen(rep);

			memcpy(out + n, rep, l);
			n += l;
		} else {
			out[n++] = (*in >= 0x20 || *in < 0) ? *in : ' ';
		}
	}
	out[n] = '\0';
}

/* ---- writing files ------------------------------------------------------------ */

static void note_error(struct tapir_graph *g, int err)
{
	if (err < 0 && g->stats.write_error == 0)
		g->stats.write_error = err;
}

static FILE *open_in_dir(struct tapir_graph *g, const char *name)
{
	char path[640];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g->dir, name);
	f = fopen(path, "w");
	if (!f)
		note_error(g, -errno);
	return f;
}

static void close_checked(struct tapir_graph *g, FILE *f, int err)
{
	note_error(g, err);
	if (ferror(f))
		note_error(g, -EIO);
	if (fclose(f) != 0)
		note_error(g, -errno);
}

static void write_state_file(struct tapir_graph *g, const struct graph_conn *c, int side,
                             const char *name)
{
	FILE *f = open_in_dir(g, name);

	if (f)
		close_checked(g, f, graph_write_state_dot(g, c, side, f));
}

void graph_write_conn_files(struct tapir_graph *g, struct graph_conn *c)
{
	char name[64];
	FILE *f;

	snprintf(name, sizeof(name), "conn-%u.dot", c->id);
	write_state_file(g, c, 0, name);
	if (c->nseg > 0) {
		snprintf(name, sizeof(name), "conn-%u-peer.dot", c->id);
		write_state_file(g, c, 1, name);
		snprintf(name, sizeof(name), "conn-%u-ladder.svg", c->id);
		f = open_in_dir(g, name);
		if (f)
			close_checked(g, f, graph_write_ladder_svg(c, f));
	}
	c->written = true;
	c->dirty = false;
}

static void write_path_html(FILE *f, const struct graph_side *side)
{
	char path[GRAPH_PATH_LEN], esc[GRAPH_PATH_LEN * 2];

	graph_side_path(side, path, sizeof(path));
	graph_xml_escape(path[0] ? path : "(no transitions)", esc, sizeof(esc));
	fprintf(f, "%s%s", esc, side->inferred ? " <i>(inferred)</i>" : "");
}

static void write_index_row(FILE *f, const struct graph_conn *c)
{
	char a[40], b[40];

	graph_format_endpoint(c->side[0].ip, c->side[0].port, a, sizeof(a));
	graph_format_endpoint(c->side[1].ip, c->side[1].port, b, sizeof(b));
	fprintf(f, "<tr><td>%u</td><td>%s</td><td>%s</td><td>", c->id, a,
	        c->side[1].port ? b : "(listener)");
	write_path_html(f, &c->side[0]);
	fprintf(f, "<br>");
	write_path_html(f, &c->side[1]);
	fprintf(f,
	        "</td><td><a href=\"conn-%u.svg\">state diagram</a> "
	        "(<a href=\"conn-%u.png\">png</a>, <a href=\"conn-%u.dot\">dot</a>)",
	        c->id, c->id, c->id);
	if (c->nseg > 0)
		fprintf(f,
		        "<br><a href=\"conn-%u-peer.svg\">peer's diagram</a> "
		        "(<a href=\"conn-%u-peer.dot\">dot</a>)"
		        "<br><a href=\"conn-%u-ladder.svg\">ladder</a> (%u segments%s)",
		        c->id, c->id, c->id, c->nseg + (unsigned)c->seg_dropped,
		        c->seg_dropped ? ", some not drawn" : "");
	fprintf(f, "</td></tr>\n");
}

static int write_index(struct tapir_graph *g)
{
	char title[256];
	FILE *f = open_in_dir(g, "index.html");

	if (!f)
		return g->stats.write_error;
	graph_xml_escape(g->title, title, sizeof(title));
	fprintf(f,
	        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s — TCP "
	        "connections</title>\n<style>body{font-family:sans-serif;margin:2em}"
	        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
	        "vertical-align:top}th{background:#eee}</style></head><body>\n"
	        "<h1>%s: TCP connections</h1>\n",
	        title, title);
	fprintf(f, "<p>%u connection(s) drawn", g->nconns);
	if (g->stats.conns_dropped)
		fprintf(f, ", %u more not drawn (limit %d)", g->stats.conns_dropped,
		        TAPIR_GRAPH_MAX_CONNS);
	if (g->stats.packets)
		fprintf(f, "; %lu packets read, %lu not TCP/IPv4, %lu malformed", g->stats.packets,
		        g->stats.not_tcp, g->stats.malformed);
	fprintf(f, ". Each state diagram is the RFC 9293 state machine drawn from the table "
	           "the TCP code runs; the path taken is bold and numbered.</p>\n");
	fprintf(f, "<h2>All transitions</h2>\n<p><a href=\"summary.svg\"><img "
	           "src=\"summary.svg\" alt=\"summary graph (summary.dot)\" "
	           "style=\"max-width:100%%\"></a></p>\n");
	fprintf(f, "<h2>Connections</h2>\n<table><tr><th>#</th><th>local / client</th>"
	           "<th>peer / server</th><th>paths (first: local or client, second: peer "
	           "or server)</th><th>pictures</th></tr>\n");
	for (unsigned i = 0; i < g->nconns; i++)
		write_index_row(f, g->conns[i]);
	fprintf(f, "</table>\n</body></html>\n");
	close_checked(g, f, 0);
	return g->stats.write_error;
}

int tapir_graph_finish(struct tapir_graph *g)
{
	FILE *f;

	for (unsigned i = 0; i < g->nconns; i++)
		if (!g->conns[i]->written || g->conns[i]->dirty)
			graph_write_conn_files(g, g->conns[i]);
	f = open_in_dir(g, "summary.dot");
	if (f)
		close_checked(g, f, graph_write_summary_dot(g, f));
	write_index(g);
	return g->stats.write_error;
}

/* ---- the transitions as JSON Lines -------------------------------------------- */

struct trace_item {
	tapir_time time;
	unsigned order;
	const struct graph_conn *conn;
	int side;
	const struct graph_transition *tr;
};

static int by_time(const void *pa, const void *pb)
{
	const struct trace_item *a = pa, *b = pb;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->order < b->order ? -1 : (a->order > b->order);
}

static void write_trace_item(const struct trace_item *it, FILE *out)
{
	const struct graph_side *me = &it->conn->side[it->side];
	const struct graph_side *peer = &it->conn->side[1 - it->side];
	struct tapir_event ev = {
	    .time = it->time, .kind = TAPIR_EV_TCP_STATE, .level = TAPIR_LOG_INFO};
	char line[1024];

	ev.u.tcp_state.conn.id =
	    it->conn->live ? it->conn->id : it->conn->id * 2 - 1 + (uint32_t)it->side;
	ev.u.tcp_state.conn.local_ip = me->ip;
	ev.u.tcp_state.conn.local_port = me->port;
	ev.u.tcp_state.conn.remote_ip = peer->ip;
	ev.u.tcp_state.conn.remote_port = peer->port;
	ev.u.tcp_state.from = it->tr->from;
	ev.u.tcp_state.to = it->tr->to;
	ev.u.tcp_state.cause = it->tr->cause;
	tapir_event_format_json(&ev, line, sizeof(line));
	fprintf(out, "%s\n", line);
}

int tapir_graph_write_trace(const struct tapir_graph *g, FILE *out)
{
	size_t n = 0, cap = (size_t)g->nconns * 2 * TAPIR_GRAPH_MAX_TRANSITIONS;
	struct trace_item *items = calloc(cap ? cap : 1, sizeof(*items));

	if (!items)
		return -ENOMEM;
	for (unsigned i = 0; i < g->nconns; i++) {
		const struct graph_conn *c = g->conns[i];

		for (int s = 0; s < 2; s++) {
			if (!c->side[s].primary)
				continue;
			for (unsigned k = 0; k < c->side[s].ntr; k++) {
				items[n] = (struct trace_item){c->side[s].tr[k].time, (unsigned)n,
				                               c, s, &c->side[s].tr[k]};
				n++;
			}
		}
	}
	qsort(items, n, sizeof(*items), by_time);
	for (size_t i = 0; i < n; i++)
		write_trace_item(&items[i], out);
	free(items);
	return ferror(out) ? -EIO : 0;
}

/*
 * graph_dot.c — the RFC 9293 state diagram (section 3.3.2, Figure 5) in
 * Graphviz DOT, drawn from tapir_tcp_fsm_table(), the table the TCP code
 * dispatches through: every state and every row of the table appear, so the
 * picture cannot drift from the code.
 *
 * Per connection endpoint: the path it took is drawn bold and coloured,
 * each traversed edge numbered in order and stamped with its time since
 * the connection's first event; states it never visited stay grey. As in
 * the RFC's figure, CLOSED appears twice: at the top where connections
 * start and at the bottom where they end. The diagram's own edges are drawn
 * plainly; the many "give up" rows (rcv RST, ABORT, timeouts) that lead to
 * CLOSED from almost every state are merged per state into one thin dotted
 * edge (its events in a tooltip) unless this connection took one of them.
 *
 * Every edge carries a class: "path" (taken by this endpoint), "table" (a
 * diagram edge not taken), "other" (merged give-up rows) and
 * "not-in-table" (a transition the table does not have, drawn in red: it
 * should never happen, and a test checks that it does not).
 */
#include <errno.h>
#include <string.h>

#include "trace/graph_internal.h"

#define MAX_STATES   32
#define MAX_SUMMARY  128
#define MAX_ROWS     128 /* rows of the FSM table drawn (it has about 50) */
#define PATH_COLOUR  "#d9480f"
#define PATH_FILL    "#ffe8cc"
#define GREY_FILL    "#f4f4f4"
#define GREY_LINE    "#b8b8b8"
#define GREY_TEXT    "#9a9a9a"
#define LABEL_TEXT   "#555555"
#define END_NODE_SFX "_end"

/* The events of the RFC's figure; other rows are the "give up" kind. */
static const char *const figure_events[] = {
    "passive OPEN",   "active OPEN", "CLOSE",          "rcv SYN",      "rcv SYN,ACK",
    "rcv ACK of SYN", "rcv FIN",     "rcv ACK of FIN", "timeout=2MSL",
};

static bool in_figure(const char *event)
{
	for (size_t i = 0; i < sizeof(figure_events) / sizeof(figure_events[0]); i++)
		if (strcmp(event, figure_events[i]) == 0)
			return true;
	return false;
}

/* Text for inside a DOT "string": quotes and backslashes escaped. */
static void dot_escape(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; in && *in && n + 3 < cap; in++) {
		if (*in == '\n') { /* a line break in the label */
			out[n++] = '\\';
			out[n++] = 'n';
			continue;
		}
		if (*in == '"' || *in == '\\')
			out[n++] = '\\';
		out[n++] = (*in >= 0x20 || *in < 0) ? *in : ' ';
	}
	out[n] = '\0';
}

struct state_list {
	const char *name[MAX_STATES];
	size_t n;
};

static void add_state(struct state_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->name[i], name) == 0)
			return;
	if (l->n < MAX_STATES)
		l->name[l->n++] = name;
}

/* Every state named in the table, in the order the table names them. */
static void table_states(const struct tapir_graph *g, struct state_list *l)
{
	l->n = 0;
	add_state(l, "CLOSED");
	for (size_t i = 0; i < g->table_rows; i++) {
		add_state(l, g->table[i].from);
		add_state(l, g->table[i].to);
	}
}

/* The node an edge to `state` ends at: the bottom CLOSED for CLOSED. */
static void target_node(const char *state, char *out, size_t cap)
{
	snprintf(out, cap, "%.20s%s", state, strcmp(state, "CLOSED") == 0 ? END_NODE_SFX : "");
}

static void write_header(FILE *out, const char *name, const char *title)
{
	char esc[512];

	dot_escape(title, esc, sizeof(esc));
	fprintf(out,
	        "digraph \"%s\" {\n"
	        "\tgraph [label=\"%s\", labelloc=t, fontname=\"Helvetica\", fontsize=14, "
	        "rankdir=TB, nodesep=0.5, ranksep=0.45];\n"
	        "\tnode [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
	        "fontsize=12, fillcolor=\"" GREY_FILL "\", color=\"" GREY_LINE
	        "\", fontcolor=\"" GREY_TEXT "\"];\n"
	        "\tedge [fontname=\"Helvetica\", fontsize=9, color=\"" GREY_LINE
	        "\", fontcolor=\"" LABEL_TEXT "\", arrowsize=0.7];\n",
	        name, esc);
}

static void write_node(FILE *out, const char *id, const char *label, bool visited)
{
	if (visited)
		fprintf(out,
		        "\t\"%s\" [label=\"%s\", class=\"visited\", fillcolor=\"" PATH_FILL
		        "\", color=\"" PATH_COLOUR "\", fontcolor=\"black\", penwidth=2];\n",
		        id, label);
	else
		fprintf(out, "\t\"%s\" [label=\"%s\", class=\"unvisited\"];\n", id, label);
}

/* Nodes for every state; visited() says which to colour (`end`: the bottom
 * CLOSED, where connections end). */
static void write_nodes(FILE *out, const struct state_list *states,
                        bool (*visited)(const void *ctx, const char *state, bool end),
                        const void *ctx)
{
	for (size_t i = 0; i < states->n; i++) {
		const char *s = states->name[i];

		write_node(out, s, s, visited(ctx, s, false));
		if (strcmp(s, "CLOSED") == 0)
			write_node(out, "CLOSED" END_NODE_SFX, "CLOSED", visited(ctx, s, true));
	}
	fprintf(out,
	        "\t{ rank=source; \"CLOSED\"; }\n\t{ rank=sink; \"CLOSED" END_NODE_SFX "\"; }\n");
}

/* ---- one endpoint's diagram ----------------------------------------------------- */

static bool side_visited(const void *ctx, const char *state, bool end)
{
	const struct graph_side *side = ctx;
	bool closed = strcmp(state, "CLOSED") == 0;

	if (!end && strcmp(side->start[0] ? side->start : "CLOSED", state) == 0)
		return true;
	for (unsigned i = 0; i < side->ntr; i++) {
		if (strcmp(side->tr[i].to, state) == 0 && (!closed || end))
			return true;
		if (strcmp(side->tr[i].from, state) == 0 && !end)
			return true;
	}
	return false;
}

static bool row_matches(const struct tapir_tcp_transition *row, const struct graph_transition *t,
                        bool exact)
{
	return strcmp(row->from, t->from) == 0 && strcmp(row->to, t->to) == 0 &&
	       (!exact || strcmp(row->label, t->cause) == 0);
}

/* The table row a transition followed: same states and label, or failing
 * that the first row with the same states; -1 when there is none. */
static long row_of(const struct tapir_graph *g, const struct graph_transition *t)
{
	for (size_t i = 0; i < g->table_rows; i++)
		if (row_matches(&g->table[i], t, true))
			return (long)i;
	for (size_t i = 0; i < g->table_rows; i++)
		if (row_matches(&g->table[i], t, false))
			return (long)i;
	return -1;
}

static void format_offset(tapir_time dt, char *out, size_t cap)
{
	if (dt < 0)
		dt = 0;
	snprintf(out, cap, "+%lld.%03lld ms", (long long)(dt / 1000), (long long)(dt % 1000));
}

/* "#2 +0.120 ms" for each time the side took row r, one per line. */
static size_t steps_of_row(const struct tapir_graph *g, const struct graph_conn *c,
                           const struct graph_side *side, long r, char *out, size_t cap)
{
	size_t n = 0, steps = 0;

	out[0] = '\0';
	for (unsigned k = 0; k < side->ntr && n < cap; k++) {
		char when[40];

		if (row_of(g, &side->tr[k]) != r)
			continue;
		format_offset(side->tr[k].time - c->first, when, sizeof(when));
		n += (size_t)snprintf(out + n, cap - n, "#%u  %s\\n", k + 1, when);
		steps++;
	}
	return steps;
}

static void write_table_edge(FILE *out, const struct tapir_graph *g, const struct graph_conn *c,
                             const struct graph_side *side, size_t r)
{
	const struct tapir_tcp_transition *row = &g->table[r];
	char to[32], label[256], steps[512];

	target_node(row->to, to, sizeof(to));
	dot_escape(row->label, label, sizeof(label));
	if (steps_of_row(g, c, side, (long)r, steps, sizeof(steps)) > 0)
		fprintf(out,
		        "\t\"%s\" -> \"%s\" [label=\"%s%s\", class=\"path\", color=\"" PATH_COLOUR
		        "\", fontcolor=\"" PATH_COLOUR "\", penwidth=3.5, fontsize=11, "
		        "weight=3];\n",
		        row->from, to, steps, label);
	else
		fprintf(out, "\t\"%s\" -> \"%s\" [label=\"%s\", class=\"table\"];\n", row->from, to,
		        label);
}

/* Rows outside the figure that this endpoint did not take, merged per
 * (from, to) pair into one dotted edge listing their events. */
static void write_other_edge(FILE *out, const struct tapir_graph *g, const bool *taken, size_t r)
{
	const struct tapir_tcp_transition *row = &g->table[r];
	char to[32], events[512], esc[256];
	size_t n = 0;

	for (size_t i = 0; i < r; i++)
		if (!taken[i] && !in_figure(g->table[i].event) &&
		    strcmp(g->table[i].from, row->from) == 0 &&
		    strcmp(g->table[i].to, row->to) == 0)
			return; /* drawn with an earlier row */
	events[0] = '\0';
	for (size_t i = r; i < g->table_rows && n + 1 < sizeof(events); i++) {
		if (taken[i] || in_figure(g->table[i].event) ||
		    strcmp(g->table[i].from, row->from) != 0 ||
		    strcmp(g->table[i].to, row->to) != 0)
			continue;
		dot_escape(g->table[i].event, esc, sizeof(esc));
		n += (size_t)snprintf(events + n, sizeof(events) - n, "%s%s", n ? "\\n" : "", esc);
	}
	target_node(row->to, to, sizeof(to));
	fprintf(out,
	        "\t\"%s\" -> \"%s\" [tooltip=\"%s\", class=\"other\", style=dotted, "
	        "arrowsize=0.4, constraint=false];\n",
	        row->from, to, events);
}

/* Transitions that match no row: drawn in red, they flag a bug. */
static void write_stray_edges(FILE *out, const struct tapir_graph *g, const struct graph_side *side)
{
	for (unsigned k = 0; k < side->ntr; k++) {
		char from[GRAPH_STATE_LEN * 2], to[32], cause[128];

		if (row_of(g, &side->tr[k]) >= 0)
			continue;
		dot_escape(side->tr[k].from, from, sizeof(from));
		dot_escape(side->tr[k].to, cause, sizeof(cause));
		target_node(cause, to, sizeof(to));
		dot_escape(side->tr[k].cause, cause, sizeof(cause));
		fprintf(out,
		        "\t\"%s\" -> \"%s\" [label=\"#%u %s\\n(not in the table!)\", "
		        "class=\"not-in-table\", color=red, fontcolor=red, style=dashed, "
		        "penwidth=2];\n",
		        from, to, k + 1, cause);
	}
}

int graph_write_state_dot(const struct tapir_graph *g, const struct graph_conn *c, int which,
                          FILE *out)
{
	const struct graph_side *side = &c->side[which];
	struct state_list states;
	bool taken[MAX_ROWS] = {false};
	char name[32], a[40], b[40], title[256];

	graph_format_endpoint(side->ip, side->port, a, sizeof(a));
	graph_format_endpoint(c->side[1 - which].ip, c->side[1 - which].port, b, sizeof(b));
	snprintf(name, sizeof(name), "conn-%u%s", c->id, which ? "-peer" : "");
	snprintf(title, sizeof(title),
	         "TCP connection #%u: %s (%s) with %s\n%s%s\n(dotted: rcv RST, ABORT and "
	         "timeouts, not taken)",
	         c->id, a, c->live ? (which ? "peer" : "tapir") : (which ? "server" : "client"), b,
	         side->inferred ? "path inferred from the segments seen"
	                        : "path traced by the stack",
	         side->tr_dropped ? " (more transitions than drawn)" : "");
	write_header(out, name, title);
	table_states(g, &states);
	write_nodes(out, &states, side_visited, side);
	for (unsigned k = 0; k < side->ntr; k++) {
		long r = row_of(g, &side->tr[k]);

		if (r >= 0 && r < MAX_ROWS)
			taken[r] = true;
	}
	for (size_t r = 0; r < g->table_rows && r < MAX_ROWS; r++) {
		if (taken[r] || in_figure(g->table[r].event))
			write_table_edge(out, g, c, side, r);
		else
			write_other_edge(out, g, taken, r);
	}
	write_stray_edges(out, g, side);
	fprintf(out, "}\n");
	return ferror(out) ? -EIO : 0;
}

/* ---- the summary of a whole run ------------------------------------------------- */

struct summary_edge {
	const char *from, *to, *cause;
	unsigned count;
};

struct summary {
	struct summary_edge e[MAX_SUMMARY];
	size_t n;
	unsigned long more; /* distinct transitions beyond MAX_SUMMARY */
};

static void summary_add(struct summary *s, const struct graph_transition *t)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->e[i].from, t->from) == 0 && strcmp(s->e[i].to, t->to) == 0 &&
		    strcmp(s->e[i].cause, t->cause) == 0) {
			s->e[i].count++;
			return;
		}
	}
	if (s->n >= MAX_SUMMARY) {
		s->more++;
		return;
	}
	s->e[s->n++] = (struct summary_edge){t->from, t->to, t->cause, 1};
}

static bool summary_visited(const void *ctx, const char *state, bool end)
{
	const struct summary *s = ctx;
	bool closed = strcmp(state, "CLOSED") == 0;

	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->e[i].from, state) == 0 && !end)
			return true;
		if (strcmp(s->e[i].to, state) == 0 && (!closed || end))
			return true;
	}
	return false;
}

static double pen_for(unsigned count)
{
	double w = 1.5;

	for (unsigned c = count; c > 1 && w < 8; c /= 2)
		w += 1.0;
	return w;
}

int graph_write_summary_dot(const struct tapir_graph *g, FILE *out)
{
	static struct summary s;
	struct state_list states;
	char title[256];

	memset(&s, 0, sizeof(s));
	for (unsigned i = 0; i < g->nconns; i++)
		for (int k = 0; k < 2; k++)
			if (g->conns[i]->side[k].primary)
				for (unsigned t = 0; t < g->conns[i]->side[k].ntr; t++)
					summary_add(&s, &g->conns[i]->side[k].tr[t]);
	snprintf(title, sizeof(title),
	         "%s: every TCP state transition, with counts (%u connections)", g->title,
	         g->nconns);
	write_header(out, "summary", title);
	table_states(g, &states);
	write_nodes(out, &states, summary_visited, &s);
	for (size_t i = 0; i < s.n; i++) {
		char from[GRAPH_STATE_LEN * 2], to[GRAPH_STATE_LEN * 2], cause[256];

		dot_escape(s.e[i].from, from, sizeof(from));
		dot_escape(s.e[i].to, cause, sizeof(cause));
		target_node(cause, to, sizeof(to));
		dot_escape(s.e[i].cause, cause, sizeof(cause));
		fprintf(
		    out,
		    "\t\"%s\" -> \"%s\" [label=\"%u x  %s\", class=\"path\", color=\"" PATH_COLOUR
		    "\", fontcolor=\"" PATH_COLOUR "\", penwidth=%.1f];\n",
		    from, to, s.e[i].count, cause, pen_for(s.e[i].count));
	}
	if (s.more)
		fprintf(out, "\tmore [shape=note, label=\"%lu more distinct transitions\"];\n",
		        s.more);
	fprintf(out, "}\n");
	return ferror(out) ? -EIO : 0;
}

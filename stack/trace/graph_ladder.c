/*
 * graph_ladder.c — a connection's ladder (sequence) diagram as SVG, written
 * directly: the two endpoints' lifelines run down the page, every segment is
 * an arrow from sender to receiver labelled with its flags, seq, ack, len,
 * window and options, and each side's state is written beside its lifeline
 * after every step, as in the textbook figures of the handshake
 * (SYN seq=x; SYN,ACK seq=y ack=x+1; ACK ack=y+1) and the close.
 *
 * Sequence numbers are relative to each side's ISN, as Wireshark shows them:
 * a SYN is seq=0 and the first data byte is 1. A state change that happens
 * with no segment (the application's CLOSE, the 2MSL timer) gets a row of
 * its own. At most TAPIR_GRAPH_MAX_SEGMENTS segments are drawn; the
 * diagram says how many more there were.
 */
#include <errno.h>
#include <string.h>

#include "trace/graph_internal.h"

#define WIDTH      1000
#define X_TIME     6
#define X_LEFT     250
#define X_RIGHT    750
#define TOP        96
#define ROW_SEG    56
#define ROW_STATE  38
#define SLOPE      28
#define FLAG_SYN   0x02
#define FLAG_RST   0x04
#define FLAG_FIN   0x01
#define COLOUR_CTL "#1864ab"
#define COLOUR_RST "#c92a2a"
#define COLOUR_DAT "#212529"
#define COLOUR_ACK "#868e96"
#define COLOUR_NEW "#d9480f"

/* Where we are while laying the rows out. */
struct ladder {
	const struct graph_conn *c;
	FILE *out; /* NULL while measuring */
	int y;
	const char *state[2];
	unsigned next[2]; /* next transition of each side */
	uint32_t isn[2];
};

/* Each side's ISN for relative numbers: from its SYN, or (when the capture
 * began later) one before the first sequence number it sent. */
static uint32_t side_isn(const struct graph_conn *c, int side)
{
	if (c->side[side].isn_known)
		return c->side[side].isn;
	for (unsigned i = 0; i < c->nseg; i++)
		if (c->seg[i].sender == side)
			return c->seg[i].seq - 1;
	return 0;
}

static const char *colour_of(const struct graph_segment *s)
{
	if (s->flags & FLAG_RST)
		return COLOUR_RST;
	if (s->flags & (FLAG_SYN | FLAG_FIN))
		return COLOUR_CTL;
	return s->len > 0 ? COLOUR_DAT : COLOUR_ACK;
}

static const char *marker_of(const struct graph_segment *s)
{
	if (s->flags & FLAG_RST)
		return "rst";
	if (s->flags & (FLAG_SYN | FLAG_FIN))
		return "ctl";
	return s->len > 0 ? "dat" : "ack";
}

static void write_defs(FILE *out)
{
	static const char *const names[] = {"rst", "ctl", "dat", "ack"};
	static const char *const colours[] = {COLOUR_RST, COLOUR_CTL, COLOUR_DAT, COLOUR_ACK};

	fprintf(out, "<defs>\n");
	for (int i = 0; i < 4; i++)
		fprintf(out,
		        "<marker id=\"arrow-%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
		        "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 "
		        "L0,10 z\" fill=\"%s\"/></marker>\n",
		        names[i], colours[i]);
	fprintf(out, "</defs>\n");
}

/* A side's state text beside its lifeline; `fresh` when it just changed. */
static void write_state(struct ladder *l, int side, int y, bool fresh, const char *cause)
{
	char esc[GRAPH_CAUSE_LEN * 2];
	int x = side == 0 ? X_LEFT - 10 : X_RIGHT + 10;

	if (!l->out)
		return;
	fprintf(l->out,
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" font-size=\"12\" fill=\"%s\"%s>%s", x,
	        y + 4, side == 0 ? "end" : "start", fresh ? COLOUR_NEW : "#495057",
	        fresh ? " font-weight=\"bold\"" : "", l->state[side]);
	if (cause) {
		graph_xml_escape(cause, esc, sizeof(esc));
		fprintf(l->out, "<title>%s</title>", esc);
	}
	fprintf(l->out, "</text>\n");
	if (cause && fresh) {
		fprintf(l->out,
		        "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" font-size=\"9\" "
		        "fill=\"#868e96\">%s</text>\n",
		        x, y + 15, side == 0 ? "end" : "start", esc);
	}
}

static void write_time(struct ladder *l, int y, tapir_time t)
{
	tapir_time dt = t - l->c->first;

	if (!l->out)
		return;
	if (dt < 0)
		dt = 0;
	fprintf(
	    l->out,
	    "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#868e96\">+%lld.%03lld ms</text>\n",
	    X_TIME, y + 4, (long long)(dt / 1000), (long long)(dt % 1000));
}

/* Apply the next transition of `side`: the state text changes. */
static const char *apply(struct ladder *l, int side)
{
	const struct graph_transition *t = &l->c->side[side].tr[l->next[side]++];

	l->state[side] = t->to;
	return t->cause;
}

static bool has_next(const struct ladder *l, int side, unsigned after)
{
	const struct graph_side *s = &l->c->side[side];

	return l->next[side] < s->ntr && s->tr[l->next[side]].after_segment <= after;
}

/* Transitions still to show that happened before segment number `after`
 * (the segment rows have taken theirs): one row each, in time order. */
static void state_rows(struct ladder *l, unsigned after)
{
	for (;;) {
		int side;

		if (has_next(l, 0, after) && has_next(l, 1, after))
			side =
			    l->c->side[1].tr[l->next[1]].time < l->c->side[0].tr[l->next[0]].time;
		else if (has_next(l, 0, after))
			side = 0;
		else if (has_next(l, 1, after))
			side = 1;
		else
			return;
		tapir_time t = l->c->side[side].tr[l->next[side]].time;
		const char *cause = apply(l, side);

		if (l->out) {
			int x = side == 0 ? X_LEFT : X_RIGHT;

			fprintf(l->out, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>\n", x,
			        l->y + 10, COLOUR_NEW);
			write_time(l, l->y + 10, t);
			write_state(l, side, l->y + 10, true, cause);
		}
		l->y += ROW_STATE;
	}
}

static void segment_label(const struct ladder *l, const struct graph_segment *s, char *line1,
                          char *line2, size_t cap)
{
	char flags[40], opts[GRAPH_OPTIONS_LEN * 2];
	uint32_t seq = s->seq - l->isn[s->sender];
	uint32_t ack = s->ack - l->isn[1 - s->sender];

	tapir_tcp_flags_format(s->flags, flags);
	if (s->flags & 0x10)
		snprintf(line1, cap, "%s  seq=%u ack=%u", flags, seq, ack);
	else
		snprintf(line1, cap, "%s  seq=%u", flags, seq);
	graph_xml_escape(s->options, opts, sizeof(opts));
	if (opts[0])
		snprintf(line2, cap, "len=%u win=%u [%s]", s->len, s->window, opts);
	else
		snprintf(line2, cap, "len=%u win=%u", s->len, s->window);
}

static void write_arrow(struct ladder *l, const struct graph_segment *s)
{
	char line1[128], line2[160];
	int x1 = s->sender == 0 ? X_LEFT : X_RIGHT, x2 = s->sender == 0 ? X_RIGHT : X_LEFT;
	int mid = (X_LEFT + X_RIGHT) / 2;

	segment_label(l, s, line1, line2, sizeof(line1));
	fprintf(
	    l->out,
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.6\"%s "
	    "marker-end=\"url(#arrow-%s)\"/>\n",
	    x1, l->y, x2, l->y + SLOPE, colour_of(s),
	    s->retransmission ? " stroke-dasharray=\"6,4\"" : "", marker_of(s));
	fprintf(l->out,
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\" fill=\"%s\" "
	        "font-weight=\"bold\">%s%s</text>\n",
	        mid, l->y + 6, colour_of(s), line1, s->retransmission ? "  (retransmission)" : "");
	fprintf(l->out,
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" "
	        "fill=\"#495057\">%s</text>\n",
	        mid, l->y + SLOPE + 2, line2);
}

/* One segment: its arrow, then each side's state after it. Transitions
 * that came with it (no later than the segment itself) are applied first. */
static void segment_row(struct ladder *l, unsigned i)
{
	const struct graph_segment *s = &l->c->seg[i];
	const char *cause[2] = {NULL, NULL};

	for (int side = 0; side < 2; side++) {
		/* A traced stack changes state before it sends (CLOSE, then the
		 * FIN): what it traced after sending came later, in a row of its own. */
		if (!l->c->side[side].inferred && s->sender == side)
			continue;
		while (has_next(l, side, i + 1) &&
		       l->c->side[side].tr[l->next[side]].time <= s->time)
			cause[side] = apply(l, side);
	}
	if (l->out) {
		int ys = s->sender == 0 ? 0 : SLOPE;

		write_time(l, l->y, s->time);
		write_arrow(l, s);
		write_state(l, 0, l->y + ys, cause[0] != NULL, cause[0]);
		write_state(l, 1, l->y + SLOPE - ys, cause[1] != NULL, cause[1]);
	}
	l->y += ROW_SEG;
	state_rows(l, i + 1);
}

static void start(struct ladder *l, const struct graph_conn *c, FILE *out)
{
	memset(l, 0, sizeof(*l));
	l->c = c;
	l->out = out;
	l->y = TOP;
	for (int side = 0; side < 2; side++) {
		l->state[side] = c->side[side].start[0] ? c->side[side].start : "CLOSED";
		l->isn[side] = side_isn(c, side);
	}
}

static void walk(struct ladder *l)
{
	state_rows(l, 0);
	for (unsigned i = 0; i < l->c->nseg; i++)
		segment_row(l, i);
	state_rows(l, (unsigned)-1);
}

static void write_heading(const struct graph_conn *c, FILE *out, int height)
{
	char a[40], b[40];
	const char *role[2];

	role[0] = c->live ? "tapir (traced)" : "client (inferred)";
	role[1] = c->live ? "peer (inferred)" : "server (inferred)";
	graph_format_endpoint(c->side[0].ip, c->side[0].port, a, sizeof(a));
	graph_format_endpoint(c->side[1].ip, c->side[1].port, b, sizeof(b));
	fprintf(out,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	        "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\">\n",
	        WIDTH, height, WIDTH, height);
	write_defs(out);
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(out,
	        "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" "
	        "font-weight=\"bold\">TCP connection #%u</text>\n",
	        WIDTH / 2, c->id);
	for (int side = 0; side < 2; side++) {
		int x = side == 0 ? X_LEFT : X_RIGHT;

		fprintf(
		    out,
		    "<rect x=\"%d\" y=\"36\" width=\"200\" height=\"40\" rx=\"6\" fill=\"#f1f3f5\" "
		    "stroke=\"#495057\"/>\n<text x=\"%d\" y=\"53\" text-anchor=\"middle\" "
		    "font-size=\"13\">%s</text>\n<text x=\"%d\" y=\"69\" text-anchor=\"middle\" "
		    "font-size=\"10\" fill=\"#495057\">%s</text>\n",
		    x - 100, x, side == 0 ? a : b, x, role[side]);
		fprintf(out,
		        "<line x1=\"%d\" y1=\"76\" x2=\"%d\" y2=\"%d\" stroke=\"#adb5bd\" "
		        "stroke-width=\"2\"/>\n",
		        x, x, height - 30);
	}
}

int graph_write_ladder_svg(const struct graph_conn *c, FILE *out)
{
	struct ladder l;
	int height;

	start(&l, c, NULL); /* measure */
	walk(&l);
	height = l.y + 50;
	write_heading(c, out, height);
	start(&l, c, out);
	walk(&l);
	if (c->seg_dropped)
		fprintf(out,
		        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\" "
		        "fill=\"#c92a2a\">%lu more segments not drawn (limit %d)</text>\n",
		        WIDTH / 2, l.y + 10, c->seg_dropped, TAPIR_GRAPH_MAX_SEGMENTS);
	fprintf(out, "</svg>\n");
	return ferror(out) ? -EIO : 0;
}

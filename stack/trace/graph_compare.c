/*
 * graph_compare.c — the same exchange done by two stacks, side by side:
 * what each offered in its SYN (MSS, window scale, SACK, timestamps: RFC
 * 9293 3.7.1, RFC 7323, RFC 2018), the initial windows, the ISNs (RFC 6528
 * asks for unpredictable ones), how each acknowledges data (delayed ACK,
 * RFC 9293 3.8.6.3, or at once), who sends the first FIN, and when segments
 * were retransmitted (RFC 6298). The result is one HTML page with a table of
 * the differences and both ladder diagrams next to each other.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace/graph_internal.h"

#define MAX_RETX  12
#define FLAG_SYN  0x02
#define FLAG_FIN  0x01
#define FLAG_RST  0x04
#define FLAG_ACK  0x10
#define CELL_LEN  512
#define MAX_DELAY 4096

/* How one side acknowledged the data the other sent. */
struct ack_stats {
	unsigned data_segments; /* data segments it received */
	unsigned acks;          /* segments of its that acknowledged new data */
	tapir_time delay[MAX_DELAY];
	unsigned ndelay;
};

struct conn_facts {
	const struct graph_conn *c;
	struct ack_stats ack[2];
	int first_fin; /* side, or -1 */
	int first_rst; /* side, or -1 */
	unsigned retx[2];
	char retx_text[2][CELL_LEN];
	uint32_t first_window[2]; /* window of its first segment after the SYN */
	bool have_first_window[2];
	tapir_time handshake; /* SYN to SYN,ACK at the capture point; -1 unknown */
	unsigned segments[2];
	unsigned long bytes[2];
};

static const struct graph_conn *first_conn(const struct tapir_graph *g)
{
	for (unsigned i = 0; i < g->nconns; i++)
		if (g->conns[i]->side[0].isn_known && g->conns[i]->nseg > 0)
			return g->conns[i];
	return g->nconns ? g->conns[0] : NULL;
}

static int by_value(const void *pa, const void *pb)
{
	tapir_time a = *(const tapir_time *)pa, b = *(const tapir_time *)pb;

	return a < b ? -1 : (a > b);
}

/* Data from the other side waits for `side`'s next ACK that covers it. */
static void ack_strategy(struct conn_facts *f)
{
	const struct graph_conn *c = f->c;
	unsigned pending[2] = {0, 0};
	tapir_time pending_since[2] = {0, 0};
	uint32_t last_ack[2] = {0, 0};
	bool have_ack[2] = {false, false};

	for (unsigned i = 0; i < c->nseg; i++) {
		const struct graph_segment *s = &c->seg[i];
		int me = s->sender, other = 1 - me;

		/* An ACK of data: it moves the acknowledgment on, after data came.
		 * Counted wherever the capture was taken: at the data's sender the
		 * ACKs of a burst all arrive after it, with nothing "pending". The
		 * delay is known only where the data arrived before its ACK left. */
		if ((s->flags & FLAG_ACK) && f->ack[me].data_segments > 0 &&
		    (!have_ack[me] || (int32_t)(s->ack - last_ack[me]) > 0)) {
			struct ack_stats *a = &f->ack[me];

			a->acks++;
			if (pending[me] > 0 && a->ndelay < MAX_DELAY)
				a->delay[a->ndelay++] = s->time - pending_since[me];
			pending[me] = 0;
		}
		if (s->flags & FLAG_ACK) {
			last_ack[me] = s->ack;
			have_ack[me] = true;
		}
		if (s->len > 0 && !s->retransmission) {
			f->ack[other].data_segments++;
			if (pending[other]++ == 0)
				pending_since[other] = s->time;
		}
	}
}

static void retransmissions(struct conn_facts *f)
{
	const struct graph_conn *c = f->c;

	for (unsigned i = 0; i < c->nseg; i++) {
		const struct graph_segment *s = &c->seg[i];
		size_t n = strlen(f->retx_text[s->sender]);
		char flags[40];

		if (!s->retransmission)
			continue;
		/* The last earlier sending of the same sequence number: the gap is
		 * the retransmission timeout that fired (RFC 6298). */
		tapir_time prev = s->time;
		for (unsigned k = i; k-- > 0;)
			if (c->seg[k].sender == s->sender && c->seg[k].seq == s->seq) {
				prev = c->seg[k].time;
				break;
			}
		f->retx[s->sender]++;
		if (f->retx[s->sender] > MAX_RETX || n + 48 >= CELL_LEN)
			continue;
		tapir_tcp_flags_format(s->flags, flags);
		snprintf(f->retx_text[s->sender] + n, CELL_LEN - n, "%s%s len=%u after %lld ms",
		         n ? "; " : "", flags, s->len, (long long)((s->time - prev) / 1000));
	}
}

static void gather(struct conn_facts *f, const struct graph_conn *c)
{
	tapir_time syn_at = -1;

	memset(f, 0, sizeof(*f));
	f->c = c;
	f->first_fin = f->first_rst = -1;
	f->handshake = -1;
	for (unsigned i = 0; i < c->nseg; i++) {
		const struct graph_segment *s = &c->seg[i];
		int me = s->sender;

		f->segments[me]++;
		f->bytes[me] += s->len;
		if ((s->flags & FLAG_FIN) && f->first_fin < 0)
			f->first_fin = me;
		if ((s->flags & FLAG_RST) && f->first_rst < 0)
			f->first_rst = me;
		if ((s->flags & (FLAG_SYN | FLAG_ACK)) == FLAG_SYN && syn_at < 0)
			syn_at = s->time;
		if ((s->flags & (FLAG_SYN | FLAG_ACK)) == (FLAG_SYN | FLAG_ACK) && syn_at >= 0 &&
		    f->handshake < 0)
			f->handshake = s->time - syn_at;
		if (!(s->flags & FLAG_SYN) && !f->have_first_window[me]) {
			f->have_first_window[me] = true;
			f->first_window[me] = s->window;
		}
	}
	ack_strategy(f);
	retransmissions(f);
}

/* ---- the table ------------------------------------------------------------------ */

static void cell_side_name(const struct conn_facts *f, int side, char *out, size_t cap)
{
	if (side < 0)
		snprintf(out, cap, "nobody");
	else
		snprintf(out, cap, "%s", side == 0 ? "client" : "server");
	(void)f;
}

static void cell_ack(const struct conn_facts *f, int side, char *out, size_t cap)
{
	const struct ack_stats *a = &f->ack[side];
	tapir_time sorted[MAX_DELAY], median;
	double per_ack;

	if (a->data_segments == 0 || a->acks == 0) {
		snprintf(out, cap, "no data to acknowledge");
		return;
	}
	memcpy(sorted, a->delay, a->ndelay * sizeof(sorted[0]));
	qsort(sorted, a->ndelay, sizeof(sorted[0]), by_value);
	median = a->ndelay ? sorted[a->ndelay / 2] : 0;
	per_ack = (double)a->data_segments / a->acks;
	snprintf(out, cap, "%s: %u data segments, %u ACKs (%.1f per ACK), median delay %.1f ms",
	         per_ack >= 1.5 || median >= 10000 ? "delayed" : "immediate", a->data_segments,
	         a->acks, per_ack, (double)median / 1000);
}

static void cell_isn(const struct tapir_graph *g, int side, char *out, size_t cap)
{
	size_t n = 0;
	unsigned shown = 0;
	uint32_t first = 0;
	bool small = true;

	out[0] = '\0';
	for (unsigned i = 0; i < g->nconns && shown < 4; i++) {
		const struct graph_side *s = &g->conns[i]->side[side];

		if (!s->isn_known)
			continue;
		if (shown == 0)
			first = s->isn;
		if (s->isn >= 65536)
			small = false;
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s0x%08x", shown ? ", " : "",
		                      s->isn);
		shown++;
	}
	if (shown == 0) {
		snprintf(out, cap, "(no SYN seen)");
		return;
	}
	if (n < cap)
		snprintf(out + n, cap - n, " — %s",
		         small ? "small: predictable, RFC 6528 asks for random ISNs"
		               : (shown > 1 ? "spread over the 32-bit space"
		                            : (first ? "looks random (one connection)" : "zero")));
}

static void row(FILE *out, const char *what, const char *a, const char *b)
{
	char ea[CELL_LEN * 2], eb[CELL_LEN * 2];
	bool same = strcmp(a, b) == 0;

	graph_xml_escape(a, ea, sizeof(ea));
	graph_xml_escape(b, eb, sizeof(eb));
	fprintf(out, "<tr%s><th>%s</th><td>%s</td><td>%s</td></tr>\n",
	        same ? "" : " class=\"differs\"", what, ea, eb);
}

/* A row with one value per side of each connection: client, then server. */
static void row_sides(FILE *out, const char *what, const struct conn_facts *fa,
                      const struct conn_facts *fb,
                      void (*cell)(const struct conn_facts *, int, char *, size_t))
{
	static const char *const role[2] = {"client", "server"};

	for (int side = 0; side < 2; side++) {
		char a[CELL_LEN], b[CELL_LEN], label[128];

		cell(fa, side, a, sizeof(a));
		cell(fb, side, b, sizeof(b));
		snprintf(label, sizeof(label), "%s (%s)", what, role[side]);
		row(out, label, a, b);
	}
}

static void cell_syn_options(const struct conn_facts *f, int side, char *out, size_t cap)
{
	const struct graph_side *s = &f->c->side[side];

	if (!s->isn_known)
		snprintf(out, cap, "(no SYN seen)");
	else
		snprintf(out, cap, "%s", s->syn_options[0] ? s->syn_options : "(none)");
}

/* The window scale a side offered in its SYN (RFC 7323 2.2), or -1. */
static int wscale_of(const struct graph_side *s)
{
	const char *ws = strstr(s->syn_options, "ws=");

	return ws ? (int)strtol(ws + 3, NULL, 10) : -1;
}

static void cell_syn_window(const struct conn_facts *f, int side, char *out, size_t cap)
{
	const struct graph_side *s = &f->c->side[side];
	int shift = wscale_of(s);

	/* Scaling is on only when both sides offered it (RFC 7323 1.3). */
	if (wscale_of(&f->c->side[1 - side]) < 0 || shift > 14)
		shift = -1;
	if (!s->isn_known)
		snprintf(out, cap, "(no SYN seen)");
	else if (f->have_first_window[side] && shift > 0)
		snprintf(out, cap, "%u in the SYN, then %u (scaled by 2^%d: %lu bytes)",
		         s->syn_window, f->first_window[side], shift,
		         (unsigned long)f->first_window[side] << shift);
	else if (f->have_first_window[side])
		snprintf(out, cap, "%u in the SYN, then %u", s->syn_window, f->first_window[side]);
	else
		snprintf(out, cap, "%u in the SYN", s->syn_window);
}

static void cell_path(const struct conn_facts *f, int side, char *out, size_t cap)
{
	graph_side_path(&f->c->side[side], out, cap);
}

static void cell_retx(const struct conn_facts *f, int side, char *out, size_t cap)
{
	if (f->retx[side] == 0)
		snprintf(out, cap, "none");
	else
		snprintf(out, cap, "%u: %s%s", f->retx[side], f->retx_text[side],
		         f->retx[side] > MAX_RETX ? " ..." : "");
}

static void cell_traffic(const struct conn_facts *f, int side, char *out, size_t cap)
{
	snprintf(out, cap, "%u segments, %lu bytes of data", f->segments[side], f->bytes[side]);
}

static void write_table(FILE *out, const struct tapir_graph *ga, const struct conn_facts *fa,
                        const struct tapir_graph *gb, const struct conn_facts *fb)
{
	char a[CELL_LEN], b[CELL_LEN];

	row_sides(out, "options in the SYN", fa, fb, cell_syn_options);
	row_sides(out, "window", fa, fb, cell_syn_window);
	cell_isn(ga, 0, a, sizeof(a));
	cell_isn(gb, 0, b, sizeof(b));
	row(out, "ISN (client)", a, b);
	cell_isn(ga, 1, a, sizeof(a));
	cell_isn(gb, 1, b, sizeof(b));
	row(out, "ISN (server)", a, b);
	row_sides(out, "ACK strategy", fa, fb, cell_ack);
	cell_side_name(fa, fa->first_fin, a, sizeof(a));
	cell_side_name(fb, fb->first_fin, b, sizeof(b));
	row(out, "first FIN sent by", a, b);
	cell_side_name(fa, fa->first_rst, a, sizeof(a));
	cell_side_name(fb, fb->first_rst, b, sizeof(b));
	row(out, "first RST sent by", a, b);
	row_sides(out, "retransmissions", fa, fb, cell_retx);
	snprintf(a, sizeof(a), "%.3f ms", fa->handshake < 0 ? 0.0 : (double)fa->handshake / 1000);
	snprintf(b, sizeof(b), "%.3f ms", fb->handshake < 0 ? 0.0 : (double)fb->handshake / 1000);
	row(out, "SYN to SYN,ACK", a, b);
	row_sides(out, "traffic", fa, fb, cell_traffic);
	snprintf(a, sizeof(a), "%lu", fa->c->seg_dropped);
	snprintf(b, sizeof(b), "%lu", fb->c->seg_dropped);
	row(out, "segments past the limit (not counted above)", a, b);
	row_sides(out, "state path (inferred)", fa, fb, cell_path);
	fprintf(out, "</table>\n");
}

int tapir_graph_compare(const struct tapir_graph *a, const char *name_a,
                        const struct tapir_graph *b, const char *name_b, FILE *out)
{
	static struct conn_facts fa, fb;
	const struct graph_conn *ca = first_conn(a), *cb = first_conn(b);
	char ea[256], eb[256];

	if (!ca || !cb)
		return -ENOENT;
	gather(&fa, ca);
	gather(&fb, cb);
	graph_xml_escape(name_a, ea, sizeof(ea));
	graph_xml_escape(name_b, eb, sizeof(eb));
	fprintf(out,
	        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s vs %s</title>\n"
	        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
	        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
	        "tr.differs td{background:#fff3bf}.ladders td{border:none}</style></head><body>\n"
	        "<h1>The same exchange, two stacks</h1>\n"
	        "<p>First TCP connection of each capture. Rows where they differ are "
	        "highlighted.</p>\n<table>\n<tr><th></th><th>%s</th><th>%s</th></tr>\n",
	        ea, eb, ea, eb);
	write_table(out, a, &fa, b, &fb);
	fprintf(out,
	        "<h2>Ladder diagrams</h2>\n<table class=\"ladders\"><tr><th>%s</th><th>%s"
	        "</th></tr>\n<tr><td>",
	        ea, eb);
	graph_write_ladder_svg(ca, out);
	fprintf(out, "</td><td>");
	graph_write_ladder_svg(cb, out);
	fprintf(out, "</td></tr></table>\n</body></html>\n");
	return ferror(out) ? -EIO : 0;
}

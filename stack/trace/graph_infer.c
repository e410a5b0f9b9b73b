/*
 * graph_infer.c — inferring an endpoint's path through the RFC 9293 state
 * machine from the segments seen between the two endpoints.
 *
 * We cannot see inside a peer (or inside the Linux kernel in a capture), but
 * its segments and the segments it received say a lot: sending a SYN is an
 * active OPEN; answering a SYN with SYN,ACK means it was LISTENing; an ACK
 * of its SYN moves it to ESTABLISHED, a FIN it sends is a CLOSE, and so on
 * (RFC 9293 3.5, 3.6, 3.10.7). Each rule names an event exactly as the
 * state table in stack/tcp/fsm.c does ("rcv SYN", "rcv ACK of FIN") and the
 * row is looked up in tapir_tcp_fsm_table(), so inferred paths and the live
 * stack's paths use the same states, edges and labels.
 *
 * Limits, as a student should know them: a segment is taken as received when
 * it is seen (the capture point sits between the two); the TIME-WAIT timer
 * is invisible on the wire, so an endpoint stays in TIME-WAIT at the end;
 * a capture that starts mid-connection starts both sides in ESTABLISHED.
 */
#include <string.h>

#include "trace/graph_internal.h"

#define FLAG_FIN 0x01
#define FLAG_SYN 0x02
#define FLAG_RST 0x04
#define FLAG_ACK 0x10

/* Sequence number comparisons modulo 2^32 (RFC 9293 3.4). */
static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_geq(uint32_t a, uint32_t b)
{
	return !seq_lt(a, b);
}

void graph_infer_init(struct graph_side *side)
{
	memset(&side->inf, 0, sizeof(side->inf));
	side->inf.state = "CLOSED";
}

static bool in_state(const struct graph_side *side, const char *name)
{
	return strcmp(side->inf.state, name) == 0;
}

static const struct tapir_tcp_transition *find_row(const struct tapir_graph *g, const char *from,
                                                   const char *event)
{
	for (size_t i = 0; i < g->table_rows; i++)
		if (strcmp(g->table[i].from, from) == 0 && strcmp(g->table[i].event, event) == 0)
			return &g->table[i];
	return NULL;
}

/* The endpoint `which` had `event` at time t, after `after` segments:
 * follow the table's row. */
static bool fire_after(struct tapir_graph *g, struct graph_conn *c, int which, const char *event,
                       tapir_time t, unsigned after)
{
	struct graph_side *side = &c->side[which];
	const struct tapir_tcp_transition *row = find_row(g, side->inf.state, event);

	if (!row)
		return false;
	if (side->inferred)
		graph_add_transition(side, t, row->from, row->to, row->label, after);
	side->inf.state = row->to;
	return true;
}

/* ... as the segment being read now made it happen. */
static bool fire(struct tapir_graph *g, struct graph_conn *c, int which, const char *event,
                 tapir_time t)
{
	return fire_after(g, c, which, event, t, c->nseg);
}

static uint32_t seq_space(const struct graph_segment *s)
{
	return s->len + ((s->flags & FLAG_SYN) ? 1 : 0) + ((s->flags & FLAG_FIN) ? 1 : 0);
}

bool graph_infer_is_retransmission(const struct graph_conn *c, const struct graph_segment *s)
{
	const struct graph_infer_side *inf = &c->side[s->sender].inf;

	if (!inf->sent_any || seq_space(s) == 0 || (s->flags & FLAG_RST))
		return false;
	return seq_lt(s->seq, inf->snd_max);
}

/* A capture that begins after the handshake: both sides are ESTABLISHED. */
static bool joined_midway(struct graph_conn *c, const struct graph_segment *s)
{
	struct graph_side *a = &c->side[0], *b = &c->side[1];

	if ((s->flags & (FLAG_SYN | FLAG_RST)) || !(s->flags & FLAG_ACK))
		return false;
	if (a->inf.sent_any || b->inf.sent_any || !in_state(a, "CLOSED") ||
	    !in_state(b, "CLOSED") || a->ntr > 0 || b->ntr > 0)
		return false;
	for (int i = 0; i < 2; i++) {
		c->side[i].inf.state = "ESTABLISHED";
		if (c->side[i].inferred)
			snprintf(c->side[i].start, sizeof(c->side[i].start), "ESTABLISHED");
	}
	return true;
}

/* What sending this segment says about its sender. */
static void sender_rules(struct tapir_graph *g, struct graph_conn *c, const struct graph_segment *s)
{
	int who = s->sender;
	struct graph_side *me = &c->side[who];
	tapir_time syn_at = me->inf.saw_syn ? me->inf.syn_at : s->time;
	unsigned syn_seg = me->inf.saw_syn ? me->inf.syn_seg : c->nseg;

	if ((s->flags & FLAG_SYN) && !(s->flags & FLAG_ACK)) {
		if (in_state(me, "CLOSED") && !me->inf.syn_sent)
			fire(g, c, who, "active OPEN", s->time);
	} else if (s->flags & FLAG_SYN) {
		/* SYN,ACK: it was listening when the SYN came (RFC 9293 3.10.7.2);
		 * both transitions date from that SYN. */
		if (in_state(me, "CLOSED"))
			fire_after(g, c, who, "passive OPEN", syn_at, syn_seg);
		if (in_state(me, "LISTEN"))
			fire_after(g, c, who, "rcv SYN", syn_at, syn_seg);
		else if (in_state(me, "SYN-SENT"))
			fire(g, c, who, "rcv SYN", s->time); /* simultaneous open */
	}
	if (s->flags & FLAG_SYN && !me->inf.syn_sent) {
		me->inf.syn_sent = true;
		me->inf.iss = s->seq;
	}
	if ((s->flags & FLAG_FIN) && !me->inf.fin_sent) {
		me->inf.fin_sent = true;
		me->inf.fin_seq = s->seq + s->len + ((s->flags & FLAG_SYN) ? 1 : 0);
		if (in_state(me, "ESTABLISHED") || in_state(me, "CLOSE-WAIT") ||
		    in_state(me, "SYN-RECEIVED"))
			fire(g, c, who, "CLOSE", s->time);
	}
}

/* The ACK field: of the receiver's SYN, of its FIN. */
static void receiver_ack_rules(struct tapir_graph *g, struct graph_conn *c,
                               const struct graph_segment *s)
{
	int who = 1 - s->sender;
	struct graph_side *me = &c->side[who];

	if (!(s->flags & FLAG_ACK))
		return;
	if (me->inf.syn_sent && seq_geq(s->ack, me->inf.iss + 1)) {
		if (in_state(me, "SYN-SENT") && (s->flags & FLAG_SYN))
			fire(g, c, who, "rcv SYN,ACK", s->time);
		else if (in_state(me, "SYN-RECEIVED"))
			fire(g, c, who, "rcv ACK of SYN", s->time);
	}
	if (me->inf.fin_sent && seq_geq(s->ack, me->inf.fin_seq + 1) &&
	    (in_state(me, "FIN-WAIT-1") || in_state(me, "CLOSING") || in_state(me, "LAST-ACK")))
		fire(g, c, who, "rcv ACK of FIN", s->time);
}

/* What receiving this segment does to the other endpoint. */
static void receiver_rules(struct tapir_graph *g, struct graph_conn *c,
                           const struct graph_segment *s)
{
	int who = 1 - s->sender;
	struct graph_side *me = &c->side[who];

	if ((s->flags & FLAG_SYN) && !(s->flags & FLAG_ACK) && !me->inf.saw_syn) {
		me->inf.saw_syn = true;
		me->inf.syn_at = s->time;
		me->inf.syn_seg = c->nseg;
	}
	receiver_ack_rules(g, c, s);
	if ((s->flags & FLAG_FIN) && !me->inf.fin_received && !me->inf.fin_pending) {
		me->inf.fin_pending = true;
		me->inf.peer_fin_seq = s->seq + s->len + ((s->flags & FLAG_SYN) ? 1 : 0);
		me->inf.fin_at = s->time;
		me->inf.fin_seg = c->nseg;
	}
}

/* Endpoint `who` has received the other's FIN: it acknowledges it, or a
 * later segment from the same sender reaches it (streams arrive in order).
 * Dated from the FIN itself unless this endpoint changed state since. */
static void fin_received(struct tapir_graph *g, struct graph_conn *c, int who,
                         const struct graph_segment *s)
{
	struct graph_side *me = &c->side[who];
	tapir_time t = me->inf.fin_at;
	unsigned after = me->inf.fin_seg;

	if (!me->inf.fin_pending)
		return;
	if (s->sender == who &&
	    (!(s->flags & FLAG_ACK) || seq_lt(s->ack, me->inf.peer_fin_seq + 1)))
		return; /* sent without acknowledging it: not received yet */
	me->inf.fin_pending = false;
	me->inf.fin_received = true;
	if (me->ntr > 0 && me->tr[me->ntr - 1].after_segment > after) {
		t = s->time;
		after = c->nseg;
	}
	if (in_state(me, "ESTABLISHED") || in_state(me, "SYN-RECEIVED") ||
	    in_state(me, "FIN-WAIT-1") || in_state(me, "FIN-WAIT-2"))
		fire_after(g, c, who, "rcv FIN", t, after);
}

/* A RST: its sender aborted (if it had a connection), its receiver is
 * reset (RFC 9293 3.5.2, 3.10.7.4). */
static void rst_rules(struct tapir_graph *g, struct graph_conn *c, const struct graph_segment *s)
{
	int who = s->sender;

	if (!in_state(&c->side[who], "CLOSED") && !in_state(&c->side[who], "LISTEN"))
		fire(g, c, who, "ABORT", s->time);
	if (!in_state(&c->side[1 - who], "CLOSED") && !in_state(&c->side[1 - who], "LISTEN"))
		fire(g, c, 1 - who, "rcv RST", s->time);
}

static void note_sent(struct graph_side *side, const struct graph_segment *s)
{
	uint32_t end = s->seq + seq_space(s);

	if (s->flags & FLAG_RST)
		return;
	if (!side->inf.sent_any || seq_lt(side->inf.snd_max, end))
		side->inf.snd_max = end;
	side->inf.sent_any = true;
}

bool graph_infer_segment(struct tapir_graph *g, struct graph_conn *c, const struct graph_segment *s)
{
	struct graph_side *me = &c->side[s->sender];
	bool explained = true;

	if (s->sender > 1)
		return false;
	if (s->flags & FLAG_RST) {
		rst_rules(g, c, s);
		return true;
	}
	joined_midway(c, s);
	/* A FIN counts as received when acknowledged or followed by more from
	 * its sender; a FIN sent without acknowledging the other's is a
	 * simultaneous close. */
	fin_received(g, c, s->sender, s);
	fin_received(g, c, 1 - s->sender, s);
	sender_rules(g, c, s);
	receiver_rules(g, c, s);
	/* Data or a FIN from an endpoint with no connection fits no rule. */
	if ((in_state(me, "CLOSED") || in_state(me, "LISTEN")) && seq_space(s) > 0 &&
	    !(s->flags & FLAG_SYN))
		explained = false;
	note_sent(me, s);
	return explained;
}

/*
 * input.c — SEGMENT ARRIVES (RFC 9293 3.10.7), state by state:
 *   3.10.7.1 CLOSED (no connection: answer with RST),
 *   3.10.7.2 LISTEN, 3.10.7.3 SYN-SENT, and
 *   3.10.7.4 every other state, checked in the RFC's order: first the
 *   sequence number, second the RST bit (with RFC 5961 3.2's challenge ACK),
 *   fourth the SYN bit (RFC 5961 4.2), fifth the ACK field (with RFC 5961
 *   5.2's check), seventh the segment text, eighth the FIN bit.
 * Timestamps and PAWS follow RFC 7323; out-of-order data is kept in the
 * receive ring (ring.c) and delivered in order.
 */
#include <errno.h>

#include "tcp/tcp_internal.h"

static tapir_time now_of(const struct tcp_conn *conn)
{
	return conn->layer->stack->now;
}

/* Options of the peer's SYN or SYN,ACK (RFC 9293 3.7.1, RFC 7323 2.2 and
 * 3.2): MSS, window scale and timestamps are used only when both sides sent
 * them. The MSS we send is the smaller of the two, less the 12 bytes of the
 * timestamp option when it rides on every segment. */
static void process_syn_options(struct tcp_conn *conn, const struct tcp_segment *seg,
                                bool we_offered)
{
	uint16_t ours = tcp_our_mss(conn->layer);

	conn->peer_mss = seg->opt.has_mss ? seg->opt.mss : TAPIR_TCP_DEFAULT_MSS;
	if (conn->peer_mss < 64)
		conn->peer_mss = 64;
	conn->wscale_ok = seg->opt.has_wscale && we_offered;
	if (conn->wscale_ok) {
		conn->snd_wscale = seg->opt.wscale > 14 ? 14 : seg->opt.wscale;
	} else {
		conn->snd_wscale = 0;
		conn->rcv_wscale = 0;
	}
	conn->sack_ok = TAPIR_TCP_SACK && seg->opt.sack_permitted && we_offered;
	conn->ts_ok = seg->opt.has_timestamps && we_offered;
	if (conn->ts_ok)
		conn->ts_recent = seg->opt.ts_val;
	conn->mss = conn->peer_mss < ours ? conn->peer_mss : ours;
	if (conn->ts_ok)
		conn->mss -= 12;
}

/* RFC 5961 7: challenge ACKs are rate-limited over the whole stack. */
static void send_challenge_ack(struct tcp_conn *conn)
{
	struct tcp_layer *layer = conn->layer;
	tapir_time now = now_of(conn);

	if (now - layer->challenge_window >= TAPIR_SECONDS(1)) {
		layer->challenge_window = now;
		layer->challenges_in_window = 0;
	}
	if (layer->challenges_in_window >= TAPIR_TCP_CHALLENGE_ACKS_PER_S)
		return;
	layer->challenges_in_window++;
	tcp_send_ack(conn);
}

/* ---- 3.10.7.1 CLOSED ------------------------------------------------------------ */

static void segment_arrives_closed(struct tapir_stack *stack, const struct ipv4_header *ip,
                                   const struct tcp_segment *seg)
{
	stack_drop(stack, TAPIR_DROP_TCP_NO_CONNECTION, NULL);
	tcp_send_rst_reply(stack, ip, seg);
}

/* ---- 3.10.7.2 LISTEN -------------------------------------------------------------- */

/* Make room in a full backlog by dropping the oldest half-open child (the
 * SYN-flood defence): true when there is room now. */
static bool backlog_make_room(struct tcp_conn *listener)
{
	if (listener->nchildren < listener->backlog)
		return true;
	for (struct tcp_conn *c = listener->children_head; c; c = c->child_next) {
		if (c->state == TCP_SYN_RECEIVED) {
			tcp_set_state(c, TCP_EV_EVICT);
			tcp_conn_closed(c, 0);
			return listener->nchildren < listener->backlog;
		}
	}
	return false;
}

static void child_link(struct tcp_conn *listener, struct tcp_conn *child)
{
	child->listener = listener;
	child->child_prev = listener->children_tail;
	if (listener->children_tail)
		listener->children_tail->child_next = child;
	else
		listener->children_head = child;
	listener->children_tail = child;
	listener->nchildren++;
}

/* LISTEN, third, for a SYN: a new TCB, a copy of the listening one, in the
 * listener's backlog (room is made when it is full), starting in LISTEN as
 * its listener did. NULL, the drop counted, when there is no room or no
 * memory. */
static struct tcp_conn *listen_child(struct tcp_conn *listener, const struct ipv4_header *ip,
                                     const struct tcp_segment *seg)
{
	struct tapir_stack *stack = listener->layer->stack;

	if (!backlog_make_room(listener)) {
		stack_drop(stack, TAPIR_DROP_TCP_BACKLOG_FULL, NULL);
		return NULL;
	}
	struct tcp_conn *c = tcp_conn_new(listener->layer);
	if (!c) {
		stack_drop(stack, TAPIR_DROP_TCP_NO_MEMORY, "connection table full");
		return NULL;
	}
	c->local_ip = ip->dst;
	c->local_port = seg->dst_port;
	c->remote_ip = ip->src;
	c->remote_port = seg->src_port;
	c->nodelay = listener->nodelay;
	c->keepalive_idle = listener->keepalive_idle;
	child_link(listener, c);
	tcp_conn_hash(c);
	tcp_set_ts_offset(c);
	tcp_set_state(c, TCP_EV_PASSIVE_OPEN);
	c->rcv_wscale = tcp_wscale_for(c->rcvbuf.cap);
	return c;
}

static void segment_arrives_listen(struct tcp_conn *listener, const struct ipv4_header *ip,
                                   const struct tcp_segment *seg)
{
	/* LAB(handshake) begin: RFC 9293 3.10.7.2, a segment arrives in LISTEN */
	/* LAB(handshake) stub: (void)listener, (void)ip, (void)seg; */
	/* LAB(handshake) stub: (void)listen_child, (void)process_syn_options; */
	struct tapir_stack *stack = listener->layer->stack;

	/* first: an incoming RST is ignored. */
	if (seg->flags & TCP_FLAG_RST) {
		stack_drop(stack, TAPIR_DROP_TCP_BAD_FLAGS, "RST in LISTEN");
		return;
	}
	/* second: an ACK is bad here: <SEQ=SEG.ACK><CTL=RST>. */
	if (seg->flags & TCP_FLAG_ACK) {
		stack_drop(stack, TAPIR_DROP_TCP_BAD_FLAGS, "ACK in LISTEN");
		tcp_send_rst_reply(stack, ip, seg);
		return;
	}
	/* fourth: anything else without SYN is dropped. */
	if (!(seg->flags & TCP_FLAG_SYN)) {
		stack_drop(stack, TAPIR_DROP_TCP_BAD_FLAGS, "no SYN in LISTEN");
		return;
	}
	/* third: a SYN. A new TCB, a copy of the listening one, takes it. */
	struct tcp_conn *c = listen_child(listener, ip, seg);
	if (!c)
		return;
	c->irs = seg->seq;
	c->rcv_nxt = seg->seq + 1;
	process_syn_options(c, seg, true);
	c->snd_wnd = seg->window; /* never scaled in a SYN */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = seg->seq;
	c->iss =
	    tcp_isn(c->layer, c->local_ip, c->local_port, c->remote_ip, c->remote_port, now_of(c));
	c->snd_una = c->iss;
	c->snd_nxt = c->iss;
	c->snd_max = c->iss;
	c->snd_buf_seq = c->iss + 1;
	tcp_emit_segment_event(c, TAPIR_DIR_IN, seg, false);
	tcp_set_state(c, TCP_EV_RCV_SYN);
	c->rtt_start = now_of(c);
	tcp_send_syn(c);
	/* Data or FIN riding on the SYN is not kept: the peer sends it again. */
	/* LAB(handshake) end */
}

/* ---- 3.10.7.3 SYN-SENT ------------------------------------------------------------ */

static void connection_established(struct tcp_conn *conn, const struct tcp_segment *seg)
{
	conn->snd_wnd = (uint32_t)seg->window << conn->snd_wscale;
	if (seg->flags & TCP_FLAG_SYN)
		conn->snd_wnd = seg->window; /* a SYN,ACK's window is never scaled */
	conn->max_snd_wnd = conn->snd_wnd;
	conn->snd_wl1 = seg->seq;
	conn->snd_wl2 = seg->ack;
	tcp_cc_init(conn);
	conn->retries = 0;
	conn->rexmt_at = TAPIR_TIME_NEVER;
	tcp_keepalive_reset(conn);
}

static void segment_arrives_syn_sent(struct tcp_conn *conn, const struct ipv4_header *ip,
                                     const struct tcp_segment *seg)
{
	/* LAB(handshake) begin: RFC 9293 3.10.7.3, a segment arrives in SYN-SENT */
	/* LAB(handshake) stub: (void)conn, (void)ip, (void)seg; */
	/* LAB(handshake) stub: (void)connection_established; */
	struct tapir_stack *stack = conn->layer->stack;
	bool ack = seg->flags & TCP_FLAG_ACK;

	/* first: the ACK bit. */
	if (ack && (seq_leq(seg->ack, conn->iss) || seq_gt(seg->ack, conn->snd_max))) {
		stack_drop(stack, TAPIR_DROP_TCP_BAD_ACK, "in SYN-SENT");
		tcp_send_rst_reply(stack, ip, seg);
		return;
	}
	/* second: the RST bit; acceptable only with an ACK of our SYN. */
	if (seg->flags & TCP_FLAG_RST) {
		if (!ack) {
			stack_drop(stack, TAPIR_DROP_TCP_RST_IGNORED,
			           "RST without ACK in SYN-SENT");
			return;
		}
		tcp_set_state(conn, TCP_EV_RCV_RST);
		tcp_conn_closed(conn, -ECONNREFUSED);
		return;
	}
	/* fifth: neither SYN nor RST. */
	if (!(seg->flags & TCP_FLAG_SYN)) {
		stack_drop(stack, TAPIR_DROP_TCP_BAD_FLAGS, "no SYN in SYN-SENT");
		return;
	}
	/* fourth: the SYN bit. */
	conn->irs = seg->seq;
	conn->rcv_nxt = seg->seq + 1;
	process_syn_options(conn, seg, true);
	if (ack) {
		conn->snd_una = seg->ack;
		if (conn->retries == 0)
			tcp_rtt_sample(conn, now_of(conn) - conn->rtt_start);
		connection_established(conn, seg);
		tcp_set_state(conn, TCP_EV_RCV_SYN_ACK);
		tcp_send_ack(conn);
		tcp_wake(conn, TAPIR_TCP_CONNECTED | TAPIR_TCP_WRITABLE);
		conn->connected_reported = true;
		tcp_output(conn);
		return;
	}
	/* A SYN without ACK: simultaneous open. */
	conn->snd_wnd = seg->window;
	conn->snd_wl1 = seg->seq;
	tcp_set_state(conn, TCP_EV_RCV_SYN);
	conn->rexmt_at = TAPIR_TIME_NEVER;
	tcp_send_syn(conn);
	/* LAB(handshake) end */
}

/* ---- 3.10.7.4 other states ------------------------------------------------------ */

/* first: is the segment acceptable? (the four cases of RFC 9293 3.10.7.4) */
static bool sequence_acceptable(const struct tcp_conn *conn, uint32_t seq, uint32_t len)
{
	uint32_t wnd = tcp_rcv_wnd(conn);
	uint32_t nxt = conn->rcv_nxt;

	/* RCV.WND = 0: no data fits, "but special allowance should be made to
	 * accept valid ACKs, URGs, and RSTs": a segment at RCV.NXT is let
	 * through for its control fields, and its text is trimmed away. */
	if (wnd == 0)
		return seq == nxt;
	if (len == 0)
		return seq_leq(nxt, seq) && seq_lt(seq, nxt + wnd);
	uint32_t last = seq + len - 1;
	return (seq_leq(nxt, seq) && seq_lt(seq, nxt + wnd)) ||
	       (seq_leq(nxt, last) && seq_lt(last, nxt + wnd));
}

/* The part of a segment inside the window: trims what was received already
 * (and a SYN before it) and what lies beyond the window (and a FIN after it). */
struct trimmed {
	uint32_t seq;
	const uint8_t *data;
	uint32_t len;
	bool syn, fin;
};

static struct trimmed trim_to_window(const struct tcp_conn *conn, const struct tcp_segment *seg)
{
	struct trimmed t = {
	    .seq = seg->seq,
	    .data = seg->payload,
	    .len = (uint32_t)seg->payload_len,
	    .syn = seg->flags & TCP_FLAG_SYN,
	    .fin = seg->flags & TCP_FLAG_FIN,
	};
	if (t.syn) {
		if (seq_lt(t.seq, conn->rcv_nxt)) {
			t.syn = false;
			t.seq++;
		}
	}
	if (seq_lt(t.seq, conn->rcv_nxt)) {
		uint32_t cut = conn->rcv_nxt - t.seq;
		if (cut > t.len) {
			cut = t.len;
			t.fin = false; /* an old FIN */
		}
		t.data += cut;
		t.len -= cut;
		t.seq += cut;
	}
	uint32_t right = conn->rcv_nxt + tcp_rcv_wnd(conn);
	if (seq_gt(t.seq + t.len, right)) {
		t.len = seq_gt(right, t.seq) ? right - t.seq : 0;
		t.fin = false;
	}
	return t;
}

/* RFC 7323 5.3 (PAWS): a segment whose timestamp is older than TS.Recent is
 * an old duplicate. Returns false when it must be dropped (after an ACK). */
static bool paws_ok(struct tcp_conn *conn, const struct tcp_segment *seg)
{
	if (!conn->ts_ok || !seg->opt.has_timestamps || (seg->flags & TCP_FLAG_RST))
		return true;
	if (seq_lt(seg->opt.ts_val, conn->ts_recent)) {
		stack_drop(conn->layer->stack, TAPIR_DROP_TCP_PAWS, NULL);
		tcp_send_ack(conn);
		return false;
	}
	return true;
}

static bool check_sequence(struct tcp_conn *conn, const struct tcp_segment *seg)
{
	struct tapir_stack *stack = conn->layer->stack;

	if (sequence_acceptable(conn, seg->seq, tcp_segment_seq_len(seg)))
		return true;
	if (seg->flags & TCP_FLAG_RST) {
		stack_drop(stack, TAPIR_DROP_TCP_RST_IGNORED, NULL);
		return false;
	}
	stack_drop(stack, TAPIR_DROP_TCP_BAD_SEQUENCE, NULL);
	tcp_send_ack(conn);
	/* TIME-WAIT: the peer's FIN again (our last ACK was lost): acknowledge
	 * it, as just done, and restart the 2MSL wait (RFC 9293 3.10.7.4). */
	if (conn->state == TCP_TIME_WAIT && (seg->flags & TCP_FLAG_FIN))
		tcp_timewait_start(conn);
	return false;
}

/* second: the RST bit (RFC 5961 3.2: only an exact match resets). Returns
 * true when the segment was consumed. */
static bool check_rst(struct tcp_conn *conn, const struct tcp_segment *seg)
{
	if (!(seg->flags & TCP_FLAG_RST))
		return false;
	if (seg->seq != conn->rcv_nxt) {
		stack_drop(conn->layer->stack, TAPIR_DROP_TCP_CHALLENGE_ACK, "RST");
		send_challenge_ack(conn);
		return true;
	}
	int error = 0;
	switch (conn->state) {
	case TCP_SYN_RECEIVED:
		/* Passive open: the child just goes (its listener stays in
		 * LISTEN). Active open: the connection was refused. */
		error = conn->listener ? 0 : -ECONNREFUSED;
		break;
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		error = -ECONNRESET;
		break;
	default:
		break;
	}
	tcp_set_state(conn, TCP_EV_RCV_RST);
	tcp_conn_closed(conn, error);
	return true;
}

/* fourth: a SYN in a synchronized state (RFC 5961 4.2): challenge ACK. */
static bool check_syn(struct tcp_conn *conn, const struct tcp_segment *seg)
{
	if (!(seg->flags & TCP_FLAG_SYN))
		return false;
	stack_drop(conn->layer->stack, TAPIR_DROP_TCP_CHALLENGE_ACK, "SYN");
	send_challenge_ack(conn);
	return true;
}

static bool fin_acked(const struct tcp_conn *conn)
{
	return conn->fin_queued && seq_gt(conn->snd_una, conn->snd_buf_seq + conn->sndbuf.len);
}

/* SND.UNA moves to SEG.ACK: free what was acknowledged, measure the RTT,
 * grow the congestion window, manage the retransmission timer. */
static void ack_new_data(struct tcp_conn *conn, const struct tcp_segment *seg)
{
	uint32_t acked = seg->ack - conn->snd_una;
	uint32_t data_acked = seg->ack - conn->snd_buf_seq;

	if (conn->snd_una == conn->iss)
		acked--; /* the SYN's sequence number is no data for cwnd */

	if (seq_lt(seg->ack, conn->snd_buf_seq))
		data_acked = 0;
	if (data_acked > conn->sndbuf.len)
		data_acked = conn->sndbuf.len;
	ring_consume(&conn->sndbuf, data_acked);
	conn->snd_buf_seq += data_acked;
	if (conn->sndbuf.len == 0)
		ring_release(&conn->sndbuf); /* an idle connection keeps no buffer */
	conn->snd_una = seg->ack;
	if (seq_lt(conn->snd_nxt, conn->snd_una))
		conn->snd_nxt = conn->snd_una;

	/* RTT: from the echoed timestamp (RFC 7323 4.1), else from the one
	 * timed segment (Karn: never a retransmitted one). */
	uint32_t echoed = seg->opt.ts_ecr - conn->ts_offset; /* back on our clock */
	if (conn->ts_ok && seg->opt.has_timestamps && seg->opt.ts_ecr != 0 &&
	    seq_geq(echoed, conn->ts_floor)) {
		uint32_t ms = (uint32_t)(now_of(conn) / 1000) - echoed;
		if (ms < 60000)
			tcp_rtt_sample(conn, TAPIR_MS(ms));
	} else if (conn->rtt_timing && seq_gt(seg->ack, conn->rtt_seq)) {
		conn->rtt_timing = false;
		tcp_rtt_sample(conn, now_of(conn) - conn->rtt_start);
	}
	conn->retries = 0;
	conn->persist_backoff = 0;
	if (acked > 0)
		tcp_cc_new_ack(conn, acked);
	if (conn->snd_una == conn->snd_max)
		conn->rexmt_at = TAPIR_TIME_NEVER;
	else
		tcp_rexmt_restart(conn);
	if (data_acked > 0 && !conn->fin_queued)
		tcp_wake(conn, TAPIR_TCP_WRITABLE);
}

/* RFC 9293 3.10.7.4 fifth, "update the send window". */
static void update_send_window(struct tcp_conn *conn, const struct tcp_segment *seg)
{
	if (seq_lt(conn->snd_wl1, seg->seq) ||
	    (conn->snd_wl1 == seg->seq && seq_leq(conn->snd_wl2, seg->ack))) {
		conn->snd_wnd = (uint32_t)seg->window << conn->snd_wscale;
		conn->snd_wl1 = seg->seq;
		conn->snd_wl2 = seg->ack;
		if (conn->snd_wnd > conn->max_snd_wnd)
			conn->max_snd_wnd = conn->snd_wnd;
	}
}

static bool is_duplicate_ack(const struct tcp_conn *conn, const struct tcp_segment *seg)
{
	/* A zero window is flow control, not loss: its repeated ACKs do not
	 * count (the persist timer handles it). */
	return seg->ack == conn->snd_una && seg->payload_len == 0 && conn->snd_wnd > 0 &&
	       seg->window != 0 && !(seg->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) &&
	       ((uint32_t)seg->window << conn->snd_wscale) == conn->snd_wnd &&
	       conn->snd_una != conn->snd_max;
}

/* fifth, in SYN-RECEIVED: an ACK of our SYN completes the handshake; any
 * other ACK is answered with <SEQ=SEG.ACK><CTL=RST>. Returns false when the
 * segment is dropped. */
static bool ack_of_syn(struct tcp_conn *conn, const struct ipv4_header *ip,
                       const struct tcp_segment *seg)
{
	/* LAB(handshake) begin: RFC 9293 3.10.7.4 fifth, the ACK in SYN-RECEIVED */
	/* LAB(handshake) stub: (void)conn, (void)ip, (void)seg; */
	/* LAB(handshake) stub: return false; */
	struct tapir_stack *stack = conn->layer->stack;

	if (seq_leq(seg->ack, conn->snd_una) || seq_gt(seg->ack, conn->snd_max)) {
		stack_drop(stack, TAPIR_DROP_TCP_BAD_ACK, "in SYN-RECEIVED");
		tcp_send_rst_reply(stack, ip, seg);
		return false;
	}
	if (conn->retries == 0)
		tcp_rtt_sample(conn, now_of(conn) - conn->rtt_start);
	connection_established(conn, seg);
	tcp_set_state(conn, TCP_EV_RCV_ACK_OF_SYN);
	if (conn->listener) {
		tcp_wake(conn->listener, TAPIR_TCP_ACCEPTABLE);
	} else {
		tcp_wake(conn, TAPIR_TCP_CONNECTED | TAPIR_TCP_WRITABLE);
		conn->connected_reported = true;
	}
	/* The application may have closed already (CLOSE in SYN-RECEIVED
	 * queues the FIN until now). */
	if (conn->fin_queued && conn->state == TCP_ESTABLISHED)
		tcp_set_state(conn, TCP_EV_CLOSE);
	return true;
	/* LAB(handshake) end */
}

/* fifth, in the states after CLOSE or the peer's FIN: is our FIN
 * acknowledged now? Returns false when the segment's processing ends here. */
static bool ack_in_closing_state(struct tcp_conn *conn, const struct tcp_segment *seg)
{
	/* LAB(close) begin: RFC 9293 3.10.7.4 fifth, FIN-WAIT-1 to TIME-WAIT */
	/* LAB(close) stub: (void)conn, (void)seg, (void)fin_acked; */
	/* LAB(close) stub: return true; */
	switch (conn->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked(conn)) {
			tcp_set_state(conn, TCP_EV_RCV_ACK_OF_FIN);
			if (conn->released)
				tcp_finwait2_start(conn);
		}
		break;
	case TCP_CLOSING:
		if (fin_acked(conn)) {
			tcp_set_state(conn, TCP_EV_RCV_ACK_OF_FIN);
			tcp_timewait_start(conn);
		} else {
			tcp_output(conn); /* data and FIN may still be queued */
		}
		return false;
	case TCP_LAST_ACK:
		if (fin_acked(conn)) {
			tcp_set_state(conn, TCP_EV_RCV_ACK_OF_FIN);
			tcp_conn_closed(conn, 0);
		} else {
			tcp_output(conn);
		}
		return false;
	case TCP_TIME_WAIT:
		/* Only a retransmitted FIN can come here: ACK it, restart 2MSL. */
		if (seg->flags & TCP_FLAG_FIN) {
			tcp_send_ack(conn);
			tcp_timewait_start(conn);
		}
		return false;
	default:
		break;
	}
	return true;
	/* LAB(close) end */
}

/* fifth: the ACK field. Returns false when the segment is dropped. */
static bool check_ack(struct tcp_conn *conn, const struct ipv4_header *ip,
                      const struct tcp_segment *seg)
{
	struct tapir_stack *stack = conn->layer->stack;

	if (!(seg->flags & TCP_FLAG_ACK)) {
		stack_drop(stack, TAPIR_DROP_TCP_BAD_FLAGS, "no ACK");
		return false;
	}
	if (conn->state == TCP_SYN_RECEIVED && !ack_of_syn(conn, ip, seg))
		return false;
	/* RFC 5961 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT. */
	if (seq_gt(seg->ack, conn->snd_max) ||
	    seq_lt(seg->ack, conn->snd_una - conn->max_snd_wnd)) {
		stack_drop(stack, TAPIR_DROP_TCP_BAD_ACK, NULL);
		tcp_send_ack(conn);
		return false;
	}
	tcp_sack_update(conn, seg);
	if (seq_gt(seg->ack, conn->snd_una)) {
		ack_new_data(conn, seg);
	} else if (is_duplicate_ack(conn, seg)) {
		tcp_cc_dupack(conn);
	} else if (seg->ack == conn->snd_una && tcp_sack_loss_seen(conn)) {
		/* Data from the peer carries no duplicate ACK, but its SACK
		 * blocks can still show a hole (RFC 6675 IsLost). */
		tcp_cc_sack_loss(conn);
	}
	update_send_window(conn, seg);
	if (conn->persist_at != TAPIR_TIME_NEVER && conn->snd_wnd > 0) {
		/* The window opened: stop probing, and send from SND.UNA again
		 * (the probe byte may have been refused). */
		conn->persist_at = TAPIR_TIME_NEVER;
		conn->persist_backoff = 0;
		conn->snd_nxt = conn->snd_una;
	}

	return ack_in_closing_state(conn, seg);
}

/* RCV.NXT moved: runs that now join the in-order data become readable. */
static bool ooo_advance(struct tcp_conn *conn)
{
	bool filled = false;

	while (conn->nooo > 0 && seq_leq(conn->ooo[0].start, conn->rcv_nxt)) {
		if (seq_gt(conn->ooo[0].end, conn->rcv_nxt)) {
			conn->rcvbuf.len += conn->ooo[0].end - conn->rcv_nxt;
			conn->rcv_nxt = conn->ooo[0].end;
		}
		for (unsigned j = 0; j + 1 < conn->nooo; j++)
			conn->ooo[j] = conn->ooo[j + 1];
		conn->nooo--;
		filled = true;
	}
	return filled;
}

/* seventh: the segment text, already trimmed to the window. Returns true
 * when it was delivered in order (so a FIN on it may be processed). */
static bool process_text(struct tcp_conn *conn, const struct trimmed *t)
{
	struct tapir_stack *stack = conn->layer->stack;

	if (t->len == 0)
		return t->seq == conn->rcv_nxt;
	if (conn->state != TCP_ESTABLISHED && conn->state != TCP_FIN_WAIT_1 &&
	    conn->state != TCP_FIN_WAIT_2)
		return true; /* after the peer's FIN: ignore the text */
	if (ring_reserve(&conn->rcvbuf) != 0) {
		stack_drop(stack, TAPIR_DROP_TCP_NO_MEMORY, "receive buffer");
		return false;
	}
	uint32_t off = t->seq - conn->rcv_nxt;
	if (off > 0) {
		/* Out of order: keep it in place, ACK at once (RFC 5681 4.2) so
		 * the sender sees a duplicate ACK. */
		if (!tcp_ranges_insert(conn->ooo, &conn->nooo, t->seq, t->seq + t->len)) {
			stack_drop(stack, TAPIR_DROP_TCP_OOO_FULL, NULL);
		} else {
			ring_write_at(&conn->rcvbuf, conn->rcvbuf.len + off, t->data, t->len);
			conn->ooo_last = t->seq;
		}
		tcp_send_ack(conn);
		return false;
	}
	ring_write_at(&conn->rcvbuf, conn->rcvbuf.len, t->data, t->len);
	conn->rcvbuf.len += t->len;
	conn->rcv_nxt += t->len;
	bool filled = ooo_advance(conn);
	if (conn->released) {
		/* Nobody will read it: the application closed. It is still
		 * acknowledged, so the peer can finish its side. */
		stack_drop(stack, TAPIR_DROP_TCP_AFTER_CLOSE, NULL);
		ring_consume(&conn->rcvbuf, conn->rcvbuf.len);
		if (conn->nooo == 0)
			ring_release(&conn->rcvbuf);
	} else {
		tcp_wake(conn, TAPIR_TCP_READABLE);
	}
	/* RFC 9293 3.8.6.3 / RFC 5681 4.2: ACK at least every second full
	 * segment, at once when a gap was filled, otherwise after a delay. A
	 * super-segment from a link with large receive offload counts as the
	 * full segments it holds. */
	conn->unacked_segs += t->len > conn->mss ? t->len / conn->mss : 1;
	if (filled || conn->nooo > 0 || conn->unacked_segs >= 2)
		tcp_send_ack(conn);
	else
		tcp_delack_schedule(conn);
	return true;
}

/* eighth: the FIN bit, in order. */
static void check_fin(struct tcp_conn *conn)
{
	/* LAB(close) begin: RFC 9293 3.10.7.4 eighth, the FIN bit */
	/* LAB(close) stub: (void)conn; */
	conn->rcv_nxt++;
	conn->fin_received = true;
	/* The state changes first, so that the ACK below goes out (and shows in
	 * the trace and the ladder diagram) from the state it belongs to. */
	switch (conn->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
		/* To CLOSE-WAIT; from FIN-WAIT-1 (our FIN not yet acked) to CLOSING. */
		tcp_set_state(conn, TCP_EV_RCV_FIN);
		break;
	case TCP_FIN_WAIT_2:
		tcp_set_state(conn, TCP_EV_RCV_FIN);
		tcp_timewait_start(conn);
		break;
	default:
		break; /* CLOSE-WAIT, CLOSING, LAST-ACK: remain */
	}
	tcp_send_ack(conn);
	tcp_wake(conn, TAPIR_TCP_READABLE);
	/* LAB(close) end */
}

/* In SYN-RECEIVED, the peer's SYN again means our SYN,ACK was lost. */
static bool duplicate_syn(struct tcp_conn *conn, const struct tcp_segment *seg)
{
	if (conn->state != TCP_SYN_RECEIVED ||
	    (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) != TCP_FLAG_SYN ||
	    seg->seq != conn->irs)
		return false;
	tcp_send_syn(conn);
	return true;
}

static void segment_arrives_other(struct tcp_conn *conn, const struct ipv4_header *ip,
                                  const struct tcp_segment *seg)
{
	if (duplicate_syn(conn, seg))
		return;
	if (!paws_ok(conn, seg))
		return;
	if (!check_sequence(conn, seg))
		return;
	/* RFC 7323 4.3: remember the timestamp to echo. */
	if (conn->ts_ok && seg->opt.has_timestamps && seq_leq(seg->seq, conn->last_ack_sent))
		conn->ts_recent = seg->opt.ts_val;
	if (check_rst(conn, seg))
		return;
	if (check_syn(conn, seg))
		return;
	if (!check_ack(conn, ip, seg))
		return;
	tcp_keepalive_reset(conn);
	struct trimmed t = trim_to_window(conn, seg);
	if (seg->payload_len > 0 && t.len == 0 && seq_geq(seg->seq, conn->rcv_nxt)) {
		/* All of its text lies beyond a closed window (a zero-window
		 * probe): refuse it, and show the window in an ACK. */
		stack_drop(conn->layer->stack, TAPIR_DROP_TCP_BAD_SEQUENCE, "window closed");
		tcp_send_ack(conn);
	}
	bool in_order = process_text(conn, &t);
	if (t.fin && in_order && t.seq + t.len == conn->rcv_nxt)
		check_fin(conn);
	tcp_output(conn);
}

/* RFC 1122 4.2.2.13, made precise by RFC 6191: in TIME-WAIT a SYN may open
 * a new incarnation of the same four-tuple at once, if it cannot be mistaken
 * for an old duplicate: its timestamp is newer than the last one seen, or,
 * without timestamps, its sequence number lies beyond everything received.
 * (Clients that reuse ports quickly, like HTTP load generators, rely on it.) */
static bool time_wait_accepts_syn(const struct tcp_conn *conn, const struct tcp_segment *seg)
{
	if (conn->state != TCP_TIME_WAIT ||
	    (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) != TCP_FLAG_SYN)
		return false;
	if (conn->ts_ok && seg->opt.has_timestamps)
		return (int32_t)(seg->opt.ts_val - conn->ts_recent) > 0;
	return seq_gt(seg->seq, conn->rcv_nxt);
}

static void segment_arrives_without_connection(struct tapir_stack *stack,
                                               const struct ipv4_header *ip,
                                               const struct tcp_segment *seg)
{
	struct tcp_conn *listener = tcp_listener_lookup(stack->tcp, seg->dst_port);

	if (listener)
		segment_arrives_listen(listener, ip, seg);
	else
		segment_arrives_closed(stack, ip, seg);
}

/* ---- demultiplexing ------------------------------------------------------------------- */

void tcp_input(struct tapir_stack *stack, const struct ipv4_header *ip,
               const struct tcp_segment *seg)
{
	struct tcp_layer *layer = stack->tcp;
	struct tcp_conn *conn =
	    tcp_conn_lookup(layer, ip->dst, seg->dst_port, ip->src, seg->src_port);

	if (!conn) {
		segment_arrives_without_connection(stack, ip, seg);
		return;
	}
	tcp_emit_segment_event(conn, TAPIR_DIR_IN, seg, false);
	if (time_wait_accepts_syn(conn, seg)) {
		tcp_set_state(conn, TCP_EV_RCV_NEW_SYN);
		tcp_conn_closed(conn, 0);
		segment_arrives_without_connection(stack, ip, seg);
		return;
	}
	if (conn->state == TCP_SYN_SENT)
		segment_arrives_syn_sent(conn, ip, seg);
	else
		segment_arrives_other(conn, ip, seg);
}

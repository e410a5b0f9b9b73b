/*
 * output.c — building and sending TCP segments (RFC 9293 3.8, 3.10.2):
 * data as far as the send window, the congestion window (RFC 5681) and the
 * Nagle algorithm (RFC 9293 3.7.4) allow; SYN and SYN,ACK with the MSS,
 * window scale and timestamp options (RFC 9293 3.7.1, RFC 7323); FIN after
 * the last byte; ACKs; and RSTs (RFC 9293 3.5.2).
 */
#include <stdio.h>
#include <string.h>

#include "tcp/tcp_internal.h"
#include "wire/tso.h"

uint16_t tcp_our_mss(const struct tcp_layer *layer)
{
	unsigned mtu = layer->stack->link ? layer->stack->link->mtu : TAPIR_MTU_DEFAULT;

	if (mtu < 576 || mtu > TAPIR_MTU_DEFAULT)
		mtu = TAPIR_MTU_DEFAULT;
	return (uint16_t)(mtu - IPV4_HEADER_LEN - TCP_HEADER_LEN);
}

uint32_t tcp_flight_size(const struct tcp_conn *conn)
{
	return conn->snd_nxt - conn->snd_una;
}

static uint32_t ts_now(const struct tcp_conn *conn)
{
	/* Timestamps tick in milliseconds (RFC 7323 5.4: 1 ms to 1 s), from
	 * an offset of the connection's own. */
	return (uint32_t)(conn->layer->stack->now / 1000) + conn->ts_offset;
}

static void format_options(const struct tcp_options *opt, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	if (opt->has_mss)
		n += (size_t)snprintf(out + n, cap - n, "mss=%u,", opt->mss);
	if (opt->has_wscale && n < cap)
		n += (size_t)snprintf(out + n, cap - n, "ws=%u,", opt->wscale);
	if (opt->has_timestamps && n < cap)
		n += (size_t)snprintf(out + n, cap - n, "ts,");
	if (opt->sack_permitted && n < cap)
		n += (size_t)snprintf(out + n, cap - n, "sackok,");
	if (opt->nsack && n < cap)
		n += (size_t)snprintf(out + n, cap - n, "sack=%u,", opt->nsack);
	if (n > 0 && n <= cap)
		out[n - 1] = '\0';
}

void tcp_emit_segment_event(struct tcp_conn *conn, enum tapir_dir dir,
                            const struct tcp_segment *seg, bool retransmission)
{
	struct tapir_stack *stack = conn->layer->stack;

	if (!tapir_trace_active(stack->trace))
		return;
	char opts[64];
	struct tapir_event ev = {.kind = TAPIR_EV_TCP_SEGMENT, .level = TAPIR_LOG_DEBUG};
	tcp_conn_id(conn, &ev.u.tcp_segment.conn);
	format_options(&seg->opt, opts, sizeof(opts));
	ev.u.tcp_segment.dir = dir;
	ev.u.tcp_segment.flags = seg->flags;
	ev.u.tcp_segment.seq = seg->seq;
	ev.u.tcp_segment.ack = seg->ack;
	ev.u.tcp_segment.len = (uint32_t)seg->payload_len;
	ev.u.tcp_segment.window = seg->window;
	ev.u.tcp_segment.isn_local = conn->iss;
	ev.u.tcp_segment.isn_remote = conn->irs;
	ev.u.tcp_segment.options = opts[0] ? opts : NULL;
	ev.u.tcp_segment.state = tcp_state_name(conn->state);
	ev.u.tcp_segment.retransmission = retransmission;
	stack_emit(stack, &ev);
}

/* Where segments are built: after room for the headers of the layers below. */
static uint8_t *segment_buffer(struct tcp_layer *layer)
{
	return layer->scratch + STACK_HEADROOM;
}

/* Emit `seg` into the segment buffer and give it to IP without copying.
 * With tso_mss > 0, seg is a super-segment for the link to cut into
 * segments of tso_mss payload bytes; the link finishes the checksum. */
static void transmit(struct tapir_stack *stack, tapir_ip src, tapir_ip dst,
                     const struct tcp_segment *seg, uint16_t tso_mss)
{
	uint8_t *out = segment_buffer(stack->tcp);
	size_t cap = IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN;
	size_t n = tso_mss > 0 ? tcp_emit_offload(seg, src, dst, out, cap)
	                       : tcp_emit(seg, src, dst, out, cap);

	if (n > 0)
		ipv4_send_in_place(stack, dst, IPV4_PROTO_TCP, out, n, tso_mss);
}

/* The window to offer (RFC 9293 3.8.6.2.2, receiver's SWS avoidance):
 * the free buffer space, but a right edge that has moved by less than
 * min(half the buffer, one MSS) since the last offer stays where it was,
 * so the peer is not invited to send slivers. */
static uint32_t window_to_offer(const struct tcp_conn *conn)
{
	uint32_t space = tcp_rcv_wnd(conn);
	uint32_t offered = seq_gt(conn->rcv_adv, conn->rcv_nxt) ? conn->rcv_adv - conn->rcv_nxt : 0;
	uint32_t threshold = conn->rcvbuf.cap / 2 < conn->mss ? conn->rcvbuf.cap / 2 : conn->mss;

	if (offered > space || space - offered >= threshold)
		return space;
	return offered;
}

/* The window field for a segment we send (RFC 9293 3.8.6, RFC 7323 2.3:
 * never scaled in a SYN). */
static uint16_t window_field(struct tcp_conn *conn, bool syn)
{
	uint32_t wnd = syn ? tcp_rcv_wnd(conn) : window_to_offer(conn);

	if (!syn)
		wnd >>= conn->rcv_wscale;
	return wnd > 0xffff ? 0xffff : (uint16_t)wnd;
}

/* Fill header fields common to every segment of a connection. */
static void segment_init(struct tcp_conn *conn, struct tcp_segment *seg, uint32_t seq,
                         uint8_t flags)
{
	memset(seg, 0, sizeof(*seg));
	seg->src_port = conn->local_port;
	seg->dst_port = conn->remote_port;
	seg->seq = seq;
	seg->flags = flags;
	if (flags & TCP_FLAG_ACK)
		seg->ack = conn->rcv_nxt;
	bool syn = flags & TCP_FLAG_SYN;
	seg->window = window_field(conn, syn);
	if (syn) {
		/* RFC 9293 3.7.1: always send MSS in a SYN; RFC 7323: offer
		 * window scale and timestamps in our SYN, and answer them in
		 * the SYN,ACK only when the peer offered them. */
		seg->opt.has_mss = true;
		seg->opt.mss = tcp_our_mss(conn->layer);
		bool offer = conn->state == TCP_SYN_SENT || conn->state == TCP_CLOSED;
		if (offer || conn->wscale_ok) {
			seg->opt.has_wscale = true;
			seg->opt.wscale = conn->rcv_wscale;
		}
		if (offer || conn->ts_ok) {
			seg->opt.has_timestamps = true;
			seg->opt.ts_val = ts_now(conn);
			seg->opt.ts_ecr = (flags & TCP_FLAG_ACK) ? conn->ts_recent : 0;
		}
		seg->opt.sack_permitted = TAPIR_TCP_SACK && (offer || conn->sack_ok);
	} else if (conn->ts_ok && !(flags & TCP_FLAG_RST)) {
		seg->opt.has_timestamps = true;
		seg->opt.ts_val = ts_now(conn);
		seg->opt.ts_ecr = conn->ts_recent;
	}
}

/* RFC 2018 4: an ACK tells a SACK-permitted peer which runs of data beyond
 * RCV.NXT we hold; the first block is the run the latest segment joined,
 * the others follow in order, as many as fit beside the timestamps. */
static void add_sack_blocks(struct tcp_conn *conn, struct tcp_segment *seg)
{
	unsigned max = conn->ts_ok ? 3 : 4;
	unsigned first = 0;

	if (!conn->sack_ok || conn->nooo == 0)
		return;
	/* On a data segment, only the blocks that fit beside its payload in
	 * one MSS (tcp_output leaves room for one). */
	while (max > 0 && seg->payload_len + 4 + 8 * max > conn->mss)
		max--;
	if (max == 0)
		return;
	for (unsigned i = 0; i < conn->nooo; i++)
		if (seq_leq(conn->ooo[i].start, conn->ooo_last) &&
		    seq_lt(conn->ooo_last, conn->ooo[i].end))
			first = i;
	seg->opt.sack[0].left = conn->ooo[first].start;
	seg->opt.sack[0].right = conn->ooo[first].end;
	seg->opt.nsack = 1;
	for (unsigned i = 0; i < conn->nooo && seg->opt.nsack < max; i++) {
		if (i == first)
			continue;
		seg->opt.sack[seg->opt.nsack].left = conn->ooo[i].start;
		seg->opt.sack[seg->opt.nsack].right = conn->ooo[i].end;
		seg->opt.nsack++;
	}
}

/* The trace shows a super-segment as the segments the link cuts it into
 * (wire/tso.c): the ladder diagram is the wire's, TSO or not. */
static void emit_sent_events(struct tcp_conn *conn, const struct tcp_segment *seg,
                             bool retransmission, uint16_t tso_mss)
{
	struct tcp_segment piece = *seg;

	if (tso_mss == 0) {
		tcp_emit_segment_event(conn, TAPIR_DIR_OUT, seg, retransmission);
		return;
	}
	if (!tapir_trace_active(conn->layer->stack->trace))
		return;
	size_t count = (seg->payload_len + tso_mss - 1) / tso_mss;
	for (size_t i = 0; i < count; i++) {
		size_t offset = i * tso_mss;

		piece.seq = seg->seq + (uint32_t)offset;
		piece.payload_len = i + 1 < count ? tso_mss : seg->payload_len - offset;
		piece.flags = tso_piece_flags(seg->flags, i, count);
		tcp_emit_segment_event(conn, TAPIR_DIR_OUT, &piece, retransmission);
	}
}

static void conn_transmit(struct tcp_conn *conn, struct tcp_segment *seg, bool retransmission)
{
	/* Only new data is sent in super-segments, never more than whole MSS
	 * pieces at a time (next_segment). */
	uint16_t tso_mss = seg->payload_len > conn->mss ? conn->mss : 0;

	if (seg->flags & TCP_FLAG_ACK) {
		conn->last_ack_sent = conn->rcv_nxt;
		uint32_t shift = (seg->flags & TCP_FLAG_SYN) ? 0 : conn->rcv_wscale;
		conn->rcv_adv = conn->rcv_nxt + ((uint32_t)seg->window << shift);
		conn->unacked_segs = 0;
		conn->delack_at = TAPIR_TIME_NEVER;
	}
	emit_sent_events(conn, seg, retransmission, tso_mss);
	transmit(conn->layer->stack, conn->local_ip, conn->remote_ip, seg, tso_mss);
}

void tcp_send_segment(struct tcp_conn *conn, uint32_t seq, uint8_t flags, uint32_t len,
                      bool retransmission)
{
	struct tcp_segment seg;

	segment_init(conn, &seg, seq, flags);
	seg.payload_len = len;
	if ((flags & (TCP_FLAG_ACK | TCP_FLAG_SYN)) == TCP_FLAG_ACK)
		add_sack_blocks(conn, &seg);
	if (len > 0) {
		/* Copy the payload once, from the send buffer to just after
		 * the header, where tcp_emit wants it. */
		uint8_t *payload =
		    segment_buffer(conn->layer) + TCP_HEADER_LEN + tcp_options_len(&seg.opt);
		ring_peek(&conn->sndbuf, seq - conn->snd_buf_seq, payload, len);
		seg.payload = payload;
	}
	conn_transmit(conn, &seg, retransmission);
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, where SND.NXT is the highest
 * sequence number sent: after a timeout SND.NXT goes back to SND.UNA to send
 * again, but the peer may already hold more, and an ACK numbered below its
 * RCV.NXT would be "not acceptable" to it (RFC 9293 3.10.7.4) — with both
 * ends retransmitting, each would drop the other's ACKs for ever. Linux
 * sends its ACKs from the highest SND.NXT likewise. */
void tcp_send_ack(struct tcp_conn *conn)
{
	tcp_send_segment(conn, conn->snd_max, TCP_FLAG_ACK, 0, false);
}

void tcp_send_syn(struct tcp_conn *conn)
{
	uint8_t flags = TCP_FLAG_SYN;

	if (conn->state != TCP_SYN_SENT)
		flags |= TCP_FLAG_ACK; /* the peer's SYN is known: SYN,ACK */
	bool again = conn->snd_max != conn->iss;
	tcp_send_segment(conn, conn->iss, flags, 0, again);
	if (seq_lt(conn->snd_nxt, conn->iss + 1))
		conn->snd_nxt = conn->iss + 1;
	if (seq_lt(conn->snd_max, conn->iss + 1))
		conn->snd_max = conn->iss + 1;
	if (conn->rexmt_at == TAPIR_TIME_NEVER)
		tcp_rexmt_restart(conn);
}

/* RFC 9293 3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST> (the highest SND.NXT, as
 * for ACKs). */
void tcp_send_rst(struct tcp_conn *conn)
{
	struct tcp_segment seg;

	segment_init(conn, &seg, conn->snd_max, TCP_FLAG_RST);
	seg.window = 0;
	conn_transmit(conn, &seg, false);
}

/* RFC 9293 3.10.7.1 (CLOSED state): a RST is never answered; otherwise
 *   if the ACK bit is off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
 *   if the ACK bit is on:  <SEQ=SEG.ACK><CTL=RST> */
void tcp_send_rst_reply(struct tapir_stack *stack, const struct ipv4_header *ip,
                        const struct tcp_segment *in)
{
	struct tcp_segment seg;

	if (in->flags & TCP_FLAG_RST)
		return;
	memset(&seg, 0, sizeof(seg));
	seg.src_port = in->dst_port;
	seg.dst_port = in->src_port;
	if (in->flags & TCP_FLAG_ACK) {
		seg.seq = in->ack;
		seg.flags = TCP_FLAG_RST;
	} else {
		seg.seq = 0;
		seg.ack = in->seq + tcp_segment_seq_len(in);
		seg.flags = TCP_FLAG_RST | TCP_FLAG_ACK;
	}
	if (tapir_trace_active(stack->trace)) {
		struct tapir_event ev = {.kind = TAPIR_EV_TCP_SEGMENT, .level = TAPIR_LOG_DEBUG};
		ev.u.tcp_segment.conn.local_ip = ip->dst;
		ev.u.tcp_segment.conn.remote_ip = ip->src;
		ev.u.tcp_segment.conn.local_port = seg.src_port;
		ev.u.tcp_segment.conn.remote_port = seg.dst_port;
		ev.u.tcp_segment.dir = TAPIR_DIR_OUT;
		ev.u.tcp_segment.flags = seg.flags;
		ev.u.tcp_segment.seq = seg.seq;
		ev.u.tcp_segment.ack = seg.ack;
		ev.u.tcp_segment.state = "CLOSED";
		stack_emit(stack, &ev);
	}
	transmit(stack, ip->dst, ip->src, &seg, 0);
}

static bool can_send_data(enum tcp_state state)
{
	return state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT || state == TCP_FIN_WAIT_1 ||
	       state == TCP_CLOSING || state == TCP_LAST_ACK;
}

/* The most payload one segment may carry when the link cuts segments
 * itself (TSO): as many whole MSS-size pieces as fit in its largest
 * super-segment. 0 when the link cannot, and while SACK blocks must ride on
 * every segment (each piece would need its own). */
static uint32_t tso_payload_max(const struct tcp_conn *conn)
{
	const struct tapir_link *link = conn->layer->stack->link;
	uint32_t room;

	if (link->tso_max <= IPV4_HEADER_LEN + TCP_HEADER_MAX + (unsigned)conn->mss)
		return 0;
	if (conn->sack_ok && conn->nooo > 0)
		return 0;
	room = link->tso_max - IPV4_HEADER_LEN - TCP_HEADER_MAX;
	return room - room % conn->mss;
}

/* How many bytes the next segment from SND.NXT may carry, and whether the
 * FIN goes with it. Returns false when nothing should be sent now. */
static bool next_segment(struct tcp_conn *conn, uint32_t *len_out, bool *fin_out)
{
	uint32_t data_end = conn->snd_buf_seq + conn->sndbuf.len;
	uint32_t unsent = seq_lt(conn->snd_nxt, data_end) ? data_end - conn->snd_nxt : 0;
	uint32_t cwnd = conn->cwnd;
	/* Limited transmit (RFC 3042): the first two duplicate ACKs each let
	 * one new segment out beyond cwnd, so that a small window still
	 * produces the three duplicates fast retransmit needs. */
	if (!conn->in_recovery && conn->dupacks > 0 && conn->dupacks < 3)
		cwnd += conn->dupacks * (uint32_t)conn->mss;
	uint32_t wnd = conn->snd_wnd < cwnd ? conn->snd_wnd : cwnd;
	uint32_t flight = tcp_flight_size(conn);
	uint32_t usable = wnd > flight ? wnd - flight : 0;
	uint32_t len = unsent;
	/* While we hold out-of-order data, every segment carries a SACK block
	 * (RFC 2018 4): keep 12 bytes of the MSS for it. */
	uint32_t room = conn->mss;
	if (conn->sack_ok && conn->nooo > 0 && room > 12 + 64)
		room -= 12;

	uint32_t most = tso_payload_max(conn);
	if (most < room)
		most = room;

	if (len > most)
		len = most;
	if (len > usable)
		len = usable;
	/* A super-segment carries whole segments. The short tail stays for
	 * later, as Nagle would hold it back after the full segments, unless
	 * nothing is coming after it (a FIN, or Nagle off). */
	if (len > room && len % room != 0 &&
	    !(len == unsent && (conn->fin_queued || conn->nodelay)))
		len -= len % room;
	/* The FIN follows the last byte (it is sent once SND.NXT reaches it). */
	bool fin = conn->fin_queued && conn->snd_nxt + len == data_end;

	if (len == 0 && !fin)
		return false;
	if (len < unsent && len < room && flight > 0) {
		/* Sender-side SWS avoidance (RFC 9293 3.8.6.2.1): while ACKs are
		 * still to come, do not send a sliver of a window unless it is
		 * at least half the largest window the peer ever offered. With
		 * nothing in flight no ACK would open it: send what fits. */
		if (len < conn->max_snd_wnd / 2 || len == 0)
			return false;
	}
	if (len > 0 && len < room && len == unsent && !fin && !conn->nodelay && flight > 0)
		return false; /* Nagle: wait until the outstanding data is acknowledged */
	*len_out = len;
	*fin_out = fin;
	return true;
}

/* Whether the congestion window is what holds the sender back: full (less
 * than a segment left of it) and no larger than the peer's window. An
 * application that sends less, or a peer that offers less, leaves cwnd
 * untested, and RFC 7661 says not to grow what was not tested. */
static void note_cwnd_limited(struct tcp_conn *conn)
{
	uint32_t flight = tcp_flight_size(conn);

	if (conn->cwnd <= conn->snd_wnd && flight + conn->mss > conn->cwnd)
		conn->cwnd_limited = true;
}

void tcp_output(struct tcp_conn *conn)
{
	if (!can_send_data(conn->state))
		return;
	/* Data starts after the SYN; the SYN is sent by tcp_send_syn(). */
	if (seq_lt(conn->snd_nxt, conn->snd_buf_seq))
		conn->snd_nxt = conn->snd_buf_seq;
	/* A FIN already sent (SND.NXT past it) leaves nothing to do. */
	for (unsigned guard = 0; guard < 1024; guard++) {
		uint32_t data_end = conn->snd_buf_seq + conn->sndbuf.len;
		if (conn->fin_queued && seq_gt(conn->snd_nxt, data_end))
			break;
		uint32_t len;
		bool fin;
		if (!next_segment(conn, &len, &fin))
			break;
		uint8_t flags = TCP_FLAG_ACK;
		if (fin)
			flags |= TCP_FLAG_FIN;
		if (len > 0 && conn->snd_nxt + len == data_end)
			flags |= TCP_FLAG_PSH;
		uint32_t seq = conn->snd_nxt;
		bool again = seq_lt(seq, conn->snd_max);
		tcp_send_segment(conn, seq, flags, len, again);
		conn->snd_nxt = seq + len + (fin ? 1 : 0);
		if (seq_gt(conn->snd_nxt, conn->snd_max))
			conn->snd_max = conn->snd_nxt;
		/* Karn: time only segments sent for the first time. */
		if (!again && !conn->rtt_timing && !conn->ts_ok) {
			conn->rtt_timing = true;
			conn->rtt_seq = seq;
			conn->rtt_start = conn->layer->stack->now;
		}
		if (conn->rexmt_at == TAPIR_TIME_NEVER)
			tcp_rexmt_restart(conn);
	}
	note_cwnd_limited(conn);
	tcp_persist_check(conn);
}

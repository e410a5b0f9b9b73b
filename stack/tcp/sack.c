/*
 * sack.c — runs of sequence space, for both ends of Selective
 * Acknowledgment (RFC 2018):
 *   the receiver's out-of-order runs (which become the SACK blocks it sends,
 *   output.c), and
 *   the sender's scoreboard of what the peer's SACK blocks reported, used in
 *   fast recovery to resend every hole below the highest SACKed byte
 *   instead of one segment per round trip (NewReno's limit, RFC 6582).
 * Runs are kept sorted, merged, and bounded by TAPIR_TCP_OOO_RANGES.
 */
#include "tcp/tcp_internal.h"

bool tcp_ranges_insert(struct tcp_range *r, unsigned *n, uint32_t start, uint32_t end)
{
	unsigned i = 0;

	while (i < *n && seq_lt(r[i].end, start))
		i++;
	if (i < *n && seq_leq(r[i].start, end)) {
		/* Overlaps or touches run i: widen it, then swallow followers. */
		if (seq_lt(start, r[i].start))
			r[i].start = start;
		if (seq_gt(end, r[i].end))
			r[i].end = end;
		while (i + 1 < *n && seq_leq(r[i + 1].start, r[i].end)) {
			if (seq_gt(r[i + 1].end, r[i].end))
				r[i].end = r[i + 1].end;
			for (unsigned j = i + 1; j + 1 < *n; j++)
				r[j] = r[j + 1];
			(*n)--;
		}
		return true;
	}
	if (*n >= TAPIR_TCP_OOO_RANGES)
		return false;
	for (unsigned j = *n; j > i; j--)
		r[j] = r[j - 1];
	r[i].start = start;
	r[i].end = end;
	(*n)++;
	return true;
}

/* Forget runs at or below `edge` (they are cumulatively acknowledged). */
static void scoreboard_trim(struct tcp_conn *conn, uint32_t edge)
{
	while (conn->nsacked > 0 && seq_leq(conn->sacked[0].end, edge)) {
		for (unsigned j = 0; j + 1 < conn->nsacked; j++)
			conn->sacked[j] = conn->sacked[j + 1];
		conn->nsacked--;
	}
	if (conn->nsacked > 0 && seq_lt(conn->sacked[0].start, edge))
		conn->sacked[0].start = edge;
}

/* An ACK arrived: record its SACK blocks (RFC 2018 3), ignoring any that
 * lie outside what we have sent. */
void tcp_sack_update(struct tcp_conn *conn, const struct tcp_segment *seg)
{
	uint32_t edge = seq_gt(seg->ack, conn->snd_una) ? seg->ack : conn->snd_una;

	scoreboard_trim(conn, edge);
	if (!conn->sack_ok)
		return;
	for (unsigned i = 0; i < seg->opt.nsack; i++) {
		uint32_t left = seg->opt.sack[i].left;
		uint32_t right = seg->opt.sack[i].right;
		if (seq_lt(left, edge))
			left = edge;
		if (seq_leq(right, left) || seq_gt(right, conn->snd_max))
			continue;
		tcp_ranges_insert(conn->sacked, &conn->nsacked, left, right);
	}
}

void tcp_sack_reset(struct tcp_conn *conn)
{
	conn->nsacked = 0;
	conn->rexmit_nxt = conn->snd_una;
}

/* In fast recovery: resend the next hole below the highest SACKed byte that
 * was not resent yet in this recovery. Returns false when there is none
 * (then new data may go instead). */
bool tcp_sack_retransmit(struct tcp_conn *conn)
{
	if (!conn->sack_ok || conn->nsacked == 0)
		return false;
	uint32_t seq = seq_gt(conn->rexmit_nxt, conn->snd_una) ? conn->rexmit_nxt : conn->snd_una;
	uint32_t data_end = conn->snd_buf_seq + conn->sndbuf.len;

	for (unsigned i = 0; i < conn->nsacked; i++) {
		if (seq_lt(seq, conn->sacked[i].start)) {
			uint32_t len = conn->sacked[i].start - seq;
			if (len > conn->mss)
				len = conn->mss;
			if (!seq_lt(seq, data_end) || seq_lt(seq, conn->snd_buf_seq))
				return false;
			if (len > data_end - seq)
				len = data_end - seq;
			tcp_send_segment(conn, seq, TCP_FLAG_ACK, len, true);
			conn->rexmit_nxt = seq + len;
			conn->rtt_timing = false;
			return true;
		}
		if (seq_lt(seq, conn->sacked[i].end))
			seq = conn->sacked[i].end;
	}
	return false;
}

/* RFC 6675 IsLost(SND.UNA): the first unacknowledged segment counts as lost
 * once at least three segments' worth of data above it was SACKed. */
bool tcp_sack_loss_seen(const struct tcp_conn *conn)
{
	uint32_t sacked = 0;

	if (!conn->sack_ok || conn->snd_una == conn->snd_max)
		return false;
	for (unsigned i = 0; i < conn->nsacked; i++)
		sacked += conn->sacked[i].end - conn->sacked[i].start;
	return sacked >= 3u * conn->mss;
}

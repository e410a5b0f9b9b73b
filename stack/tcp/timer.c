/*
 * timer.c — TCP's clocks (RFC 9293 3.8, 3.10.8) and congestion control:
 *   retransmission timeout: RFC 6298 (SRTT, RTTVAR, Karn, exponential
 *     backoff), giving up after TAPIR_TCP_MAX_RETRIES (RFC 9293 3.8.3, R2);
 *   persist timer: zero-window probes (RFC 9293 3.8.6.1);
 *   delayed ACK (RFC 9293 3.8.6.3);
 *   keep-alive (RFC 9293 3.8.4);
 *   2MSL in TIME-WAIT, and a bound on FIN-WAIT-2 after the application closed;
 *   congestion control: slow start, congestion avoidance (RFC 5681), fast
 *     retransmit and fast recovery with NewReno's partial ACKs (RFC 6582).
 * Time is the stack's injected clock; nothing here reads a real one.
 */
#include <errno.h>

#include "tcp/tcp_internal.h"

static tapir_time now_of(const struct tcp_conn *conn)
{
	return conn->layer->stack->now;
}

static void timer_event(struct tcp_conn *conn, const char *name, unsigned backoff)
{
	struct tapir_event ev = {.kind = TAPIR_EV_TCP_TIMER, .level = TAPIR_LOG_DEBUG};

	tcp_conn_id(conn, &ev.u.tcp_timer.conn);
	ev.u.tcp_timer.timer = name;
	ev.u.tcp_timer.backoff = backoff;
	ev.u.tcp_timer.rto = conn->rto;
	stack_emit(conn->layer->stack, &ev);
}

static void arm(struct tcp_conn *conn, tapir_time *timer, tapir_time when)
{
	*timer = when;
	tcp_timer_armed(conn, when);
}

void tcp_timers_stop(struct tcp_conn *conn)
{
	conn->rexmt_at = conn->persist_at = conn->delack_at = TAPIR_TIME_NEVER;
	conn->keepalive_at = conn->timewait_at = conn->finwait2_at = TAPIR_TIME_NEVER;
}

/* ---- retransmission timeout (RFC 6298) ------------------------------------------ */

void tcp_rexmt_restart(struct tcp_conn *conn)
{
	arm(conn, &conn->rexmt_at, now_of(conn) + conn->rto);
}

/* RFC 6298 2.4 and 2.5: RTO within [TAPIR_TCP_RTO_MIN_MS, TAPIR_TCP_RTO_MAX_MS]
 * (the RFC's floor is 1 s; tapir's, like Linux's, is 200 ms). */
static tapir_time clamp_rto(tapir_time rto)
{
	/* LAB(rto) begin: RFC 6298 2.4 and 2.5, the bounds on RTO */
	/* LAB(rto) stub: return rto; */
	if (rto < TAPIR_MS(TAPIR_TCP_RTO_MIN_MS))
		return TAPIR_MS(TAPIR_TCP_RTO_MIN_MS);
	if (rto > TAPIR_MS(TAPIR_TCP_RTO_MAX_MS))
		return TAPIR_MS(TAPIR_TCP_RTO_MAX_MS);
	return rto;
	/* LAB(rto) end */
}

/* RFC 6298 2.2 and 2.3, with alpha = 1/8, beta = 1/4, K = 4, G = 1 ms. */
void tcp_rtt_sample(struct tcp_conn *conn, tapir_time r)
{
	/* LAB(rto) begin: RFC 6298 2.2 and 2.3, SRTT, RTTVAR and RTO from a sample */
	/* LAB(rto) stub: (void)conn, (void)r; */
	if (r < 0)
		return;
	if (!conn->rtt_valid) {
		conn->srtt = r;
		conn->rttvar = r / 2;
		conn->rtt_valid = true;
	} else {
		tapir_time delta = conn->srtt > r ? conn->srtt - r : r - conn->srtt;
		conn->rttvar = (3 * conn->rttvar + delta) / 4;
		conn->srtt = (7 * conn->srtt + r) / 8;
	}
	tapir_time k_rttvar = 4 * conn->rttvar;
	if (k_rttvar < TAPIR_MS(1))
		k_rttvar = TAPIR_MS(1);
	conn->rto = clamp_rto(conn->srtt + k_rttvar);
	/* LAB(rto) end */
}

/* RFC 9293 3.8.3: after R2 unanswered retransmissions, close the
 * connection: RST to the peer, -ETIMEDOUT to the application, or the ICMP
 * error that came meanwhile, which says more (RFC 1122 4.2.3.9). */
static void give_up(struct tcp_conn *conn)
{
	if (tcp_state_synchronized(conn->state))
		tcp_send_rst(conn);
	tcp_set_state(conn, TCP_EV_TIMEOUT_RETRY);
	tcp_conn_closed(conn, conn->soft_error ? conn->soft_error : -ETIMEDOUT);
}

/* Loss detected by timeout (RFC 5681 3.1, equation 4; RFC 6582 for
 * `recover`): one segment in flight again, slow start from there. */
static void cc_timeout(struct tcp_conn *conn)
{
	uint32_t flight = tcp_flight_size(conn);
	uint32_t half = flight / 2;

	conn->ssthresh = half > 2u * conn->mss ? half : 2u * conn->mss;
	conn->cwnd = conn->mss;
	conn->in_recovery = false;
	conn->dupacks = 0;
	conn->recover = conn->snd_max;
	tcp_cc_event(conn, "retransmission timeout");
}

static void retransmission_timeout(struct tcp_conn *conn)
{
	conn->rexmt_at = TAPIR_TIME_NEVER;
	/* Our SYN not yet acknowledged (SYN-SENT, SYN-RECEIVED, or FIN-WAIT-1
	 * after a CLOSE in SYN-RECEIVED): the SYN is what goes again. */
	bool handshake = seq_leq(conn->snd_una, conn->iss);
	unsigned limit = handshake ? TAPIR_TCP_SYN_RETRIES : TAPIR_TCP_MAX_RETRIES;

	if (conn->retries >= limit) {
		timer_event(conn, "retransmission (giving up)", conn->retries);
		give_up(conn);
		return;
	}
	conn->retries++;
	/* RFC 6298 5.5: back off the timer; 5.7: after a lost SYN, use 3 s
	 * once data flows (we keep the backed-off value, which is larger). */
	conn->rto = clamp_rto(conn->rto * 2);
	conn->rtt_timing = false; /* Karn: no sample from a retransmitted segment */
	/* With timestamps, Karn's rule reads: an echo of a timestamp sent
	 * before this timeout would measure the timeout too (RFC 7323 4.1). */
	conn->ts_floor = (uint32_t)(now_of(conn) / 1000);
	timer_event(conn, "retransmission", conn->retries);
	if (handshake) {
		tcp_send_syn(conn);
		tcp_rexmt_restart(conn);
		return;
	}
	cc_timeout(conn);
	/* Go back to the first unacknowledged byte and send again; forget
	 * the SACK scoreboard (RFC 2018 8: the receiver may have dropped
	 * what it reported). */
	conn->snd_nxt = conn->snd_una;
	tcp_sack_reset(conn);
	tcp_output(conn);
	if (conn->rexmt_at == TAPIR_TIME_NEVER && conn->snd_una != conn->snd_max)
		tcp_rexmt_restart(conn);
}

/* ---- persist timer: zero-window probing (RFC 9293 3.8.6.1) --------------------- */

/* Data waits to be sent and our SYN is acknowledged (before that, the
 * retransmission timer resends the SYN instead). */
static bool has_unsent(const struct tcp_conn *conn)
{
	return conn->sndbuf.len > 0 && conn->snd_una == conn->snd_buf_seq;
}

void tcp_persist_check(struct tcp_conn *conn)
{
	if (conn->snd_wnd == 0 && has_unsent(conn) && conn->persist_at == TAPIR_TIME_NEVER &&
	    tcp_state_synchronized(conn->state)) {
		conn->rexmt_at = TAPIR_TIME_NEVER;
		tapir_time t = conn->rto;
		if (t < TAPIR_MS(TAPIR_TCP_PERSIST_MIN_MS))
			t = TAPIR_MS(TAPIR_TCP_PERSIST_MIN_MS);
		arm(conn, &conn->persist_at, now_of(conn) + t);
	}
	if (conn->snd_wnd > 0)
		conn->persist_at = TAPIR_TIME_NEVER;
}

static void persist_timeout(struct tcp_conn *conn)
{
	conn->persist_at = TAPIR_TIME_NEVER;
	if (conn->snd_wnd > 0 || !has_unsent(conn))
		return;
	timer_event(conn, "persist", conn->persist_backoff);
	/* Probe with one byte at SND.UNA: the peer either takes it (its window
	 * opened) or answers with an ACK that shows the window again. */
	conn->snd_nxt = conn->snd_una;
	tcp_send_segment(conn, conn->snd_una, TCP_FLAG_ACK, 1,
	                 seq_lt(conn->snd_una, conn->snd_max));
	conn->snd_nxt = conn->snd_una + 1;
	if (seq_gt(conn->snd_nxt, conn->snd_max))
		conn->snd_max = conn->snd_nxt;
	if (conn->persist_backoff < 16)
		conn->persist_backoff++;
	tapir_time t = TAPIR_MS(TAPIR_TCP_PERSIST_MIN_MS) << conn->persist_backoff;
	if (t > TAPIR_MS(TAPIR_TCP_PERSIST_MAX_MS))
		t = TAPIR_MS(TAPIR_TCP_PERSIST_MAX_MS);
	arm(conn, &conn->persist_at, now_of(conn) + t);
}

/* ---- delayed ACK (RFC 9293 3.8.6.3) ----------------------------------------------- */

void tcp_delack_schedule(struct tcp_conn *conn)
{
	if (conn->delack_at == TAPIR_TIME_NEVER)
		arm(conn, &conn->delack_at, now_of(conn) + TAPIR_MS(TAPIR_TCP_DELACK_MS));
}

/* ---- keep-alive (RFC 9293 3.8.4) ---------------------------------------------------- */

void tcp_keepalive_reset(struct tcp_conn *conn)
{
	conn->last_heard = now_of(conn);
	conn->keepalive_probes = 0;
	if (conn->keepalive_idle > 0 && tcp_state_synchronized(conn->state))
		arm(conn, &conn->keepalive_at, now_of(conn) + conn->keepalive_idle);
	else
		conn->keepalive_at = TAPIR_TIME_NEVER;
}

static void keepalive_timeout(struct tcp_conn *conn)
{
	conn->keepalive_at = TAPIR_TIME_NEVER;
	if (conn->keepalive_idle == 0 || !tcp_state_synchronized(conn->state))
		return;
	if (conn->keepalive_probes >= TAPIR_TCP_KEEPALIVE_PROBES) {
		timer_event(conn, "keepalive (giving up)", conn->keepalive_probes);
		give_up(conn);
		return;
	}
	conn->keepalive_probes++;
	timer_event(conn, "keepalive", conn->keepalive_probes);
	/* RFC 9293 3.8.4: a probe is a segment with SEG.SEQ = SND.NXT-1 and no
	 * data; the peer answers it with an ACK. */
	tcp_send_segment(conn, conn->snd_nxt - 1, TCP_FLAG_ACK, 0, false);
	arm(conn, &conn->keepalive_at,
	    now_of(conn) + TAPIR_SECONDS(TAPIR_TCP_KEEPALIVE_INTERVAL_S));
}

/* ---- TIME-WAIT and FIN-WAIT-2 ---------------------------------------------------------- */

void tcp_timewait_start(struct tcp_conn *conn)
{
	/* LAB(close) begin: RFC 9293 3.10.7.4 and 3.10.8, (re)start the 2 MSL wait */
	/* LAB(close) stub: (void)conn; */
	tcp_timers_stop(conn);
	arm(conn, &conn->timewait_at, now_of(conn) + 2 * conn->layer->msl);
	/* LAB(close) end */
}

/* The application closed and our FIN is acknowledged: wait a bounded time
 * for the peer's FIN (Linux's tcp_fin_timeout). */
void tcp_finwait2_start(struct tcp_conn *conn)
{
	arm(conn, &conn->finwait2_at, now_of(conn) + TAPIR_SECONDS(TAPIR_TCP_FIN_WAIT_2_S));
}

static void timewait_timeout(struct tcp_conn *conn)
{
	/* LAB(close) begin: RFC 9293 3.10.8, the 2 MSL wait is over */
	/* LAB(close) stub: conn->timewait_at = TAPIR_TIME_NEVER; */
	conn->timewait_at = TAPIR_TIME_NEVER;
	timer_event(conn, "2msl", 0);
	tcp_set_state(conn, TCP_EV_TIMEOUT_2MSL);
	tcp_conn_closed(conn, 0);
	/* LAB(close) end */
}

static void finwait2_timeout(struct tcp_conn *conn)
{
	conn->finwait2_at = TAPIR_TIME_NEVER;
	if (conn->state != TCP_FIN_WAIT_2)
		return;
	timer_event(conn, "fin-wait-2", 0);
	tcp_set_state(conn, TCP_EV_TIMEOUT_FIN_WAIT_2);
	tcp_conn_closed(conn, 0);
}

/* Run the timers of one connection that are due; return its next deadline. */
tapir_time tcp_conn_timers(struct tcp_conn *conn, tapir_time now)
{
	if (conn->timewait_at <= now)
		timewait_timeout(conn);
	if (conn->state == TCP_CLOSED)
		return TAPIR_TIME_NEVER;
	if (conn->finwait2_at <= now)
		finwait2_timeout(conn);
	if (conn->state != TCP_CLOSED && conn->rexmt_at <= now)
		retransmission_timeout(conn);
	if (conn->state != TCP_CLOSED && conn->persist_at <= now)
		persist_timeout(conn);
	if (conn->state != TCP_CLOSED && conn->delack_at <= now) {
		conn->delack_at = TAPIR_TIME_NEVER;
		timer_event(conn, "delayed-ack", 0);
		tcp_send_ack(conn);
	}
	if (conn->state != TCP_CLOSED && conn->keepalive_at <= now)
		keepalive_timeout(conn);
	if (conn->state == TCP_CLOSED)
		return TAPIR_TIME_NEVER;

	tapir_time next = conn->rexmt_at;
	tapir_time t[] = {conn->persist_at, conn->delack_at, conn->keepalive_at, conn->timewait_at,
	                  conn->finwait2_at};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i] < next)
			next = t[i];
	return next;
}

/* ---- congestion control (RFC 5681, RFC 6582) --------------------------------------------- */

void tcp_cc_event(struct tcp_conn *conn, const char *cause)
{
	struct tapir_event ev = {.kind = TAPIR_EV_TCP_CWND, .level = TAPIR_LOG_DEBUG};

	if (!tapir_trace_active(conn->layer->stack->trace))
		return;
	tcp_conn_id(conn, &ev.u.tcp_cwnd.conn);
	ev.u.tcp_cwnd.cwnd = conn->cwnd;
	ev.u.tcp_cwnd.ssthresh = conn->ssthresh;
	ev.u.tcp_cwnd.cause = cause;
	stack_emit(conn->layer->stack, &ev);
}

/* RFC 5681 3.1: the initial window, from the sender's MSS. */
void tcp_cc_init(struct tcp_conn *conn)
{
	uint32_t mss = conn->mss;

	if (mss > 2190)
		conn->cwnd = 2 * mss;
	else if (mss > 1095)
		conn->cwnd = 3 * mss;
	else
		conn->cwnd = 4 * mss;
	conn->ssthresh = 0x7fffffff; /* "arbitrarily high" */
	conn->recover = conn->iss;
	tcp_cc_event(conn, "initial window");
}

/* Fast retransmit: the segment at SND.UNA goes again at once. */
static void resend_first_unacked(struct tcp_conn *conn)
{
	uint32_t data_end = conn->snd_buf_seq + conn->sndbuf.len;
	uint32_t len = 0;

	if (seq_geq(conn->snd_una, conn->snd_buf_seq) && seq_lt(conn->snd_una, data_end))
		len = data_end - conn->snd_una;
	if (len > conn->mss)
		len = conn->mss;
	if (len > 0)
		tcp_send_segment(conn, conn->snd_una, TCP_FLAG_ACK, len, true);
	conn->rexmit_nxt = conn->snd_una + len;
	conn->rtt_timing = false;
}

static void enter_fast_recovery(struct tcp_conn *conn);

/* An ACK that acknowledges new data: grow the window, or in fast recovery
 * handle a partial or full ACK (RFC 6582 3.2, steps 4 and 5). */
void tcp_cc_new_ack(struct tcp_conn *conn, uint32_t acked)
{
	uint32_t mss = conn->mss;

	conn->dupacks = 0;
	if (conn->in_recovery) {
		if (seq_geq(conn->snd_una, conn->recover)) {
			/* Full ACK: leave fast recovery with cwnd = ssthresh. */
			uint32_t flight = tcp_flight_size(conn);
			conn->cwnd = flight + mss < conn->ssthresh ? flight + mss : conn->ssthresh;
			conn->in_recovery = false;
			tcp_cc_event(conn, "full ACK: end of fast recovery");
		} else {
			/* Partial ACK: retransmit the next hole (with SACK, the next
			 * one not yet resent), deflate the window. */
			if (!tcp_sack_retransmit(conn) && !conn->sack_ok)
				resend_first_unacked(conn);
			conn->cwnd = conn->cwnd > acked ? conn->cwnd - acked : 0;
			conn->cwnd += mss;
			tcp_rexmt_restart(conn);
			tcp_cc_event(conn, "partial ACK");
		}
		return;
	}
	/* RFC 7661: grow only a window the sender was using up. */
	bool was_limited = conn->cwnd_limited;
	conn->cwnd_limited = false;
	if (!was_limited)
		return;
	if (conn->cwnd < conn->ssthresh) {
		conn->cwnd += acked < mss ? acked : mss; /* slow start, RFC 5681 eq. 2 */
		tcp_cc_event(conn, "slow start");
	} else {
		uint32_t inc = mss * mss / conn->cwnd; /* congestion avoidance, eq. 3 */
		conn->cwnd += inc > 0 ? inc : 1;
		tcp_cc_event(conn, "congestion avoidance");
	}
	/* Never grow beyond what could ever be in flight. */
	if (conn->cwnd > 0x3fffffff)
		conn->cwnd = 0x3fffffff;
}

/* A duplicate ACK (RFC 5681 3.2): the third starts fast retransmit, more
 * inflate the window while in fast recovery. */
void tcp_cc_dupack(struct tcp_conn *conn)
{
	uint32_t mss = conn->mss;

	conn->dupacks++;
	if (conn->in_recovery) {
		/* Each duplicate means a segment left the network: one may go,
		 * a hole the SACK blocks show, or else new data. */
		conn->cwnd += mss;
		tcp_cc_event(conn, "fast recovery: window inflation");
		if (!tcp_sack_retransmit(conn))
			tcp_output(conn);
		return;
	}
	if (conn->dupacks < 3) {
		tcp_output(conn); /* limited transmit, RFC 3042 */
		return;
	}
	if (conn->dupacks > 3)
		return;
	enter_fast_recovery(conn);
}

/* An ACK with data whose SACK blocks show SND.UNA lost: like the third
 * duplicate ACK (enter fast recovery), or in recovery resend a hole. */
void tcp_cc_sack_loss(struct tcp_conn *conn)
{
	if (conn->in_recovery)
		tcp_sack_retransmit(conn);
	else
		enter_fast_recovery(conn);
}

/* Fast retransmit and the start of fast recovery (RFC 5681 3.2 steps 2-4,
 * RFC 6582 3.2). */
static void enter_fast_recovery(struct tcp_conn *conn)
{
	uint32_t mss = conn->mss;

	/* RFC 6582 3.2 step 2: only when the ACK covers more than `recover`,
	 * so one loss episode does not cut the window twice. */
	if (!seq_gt(conn->snd_una, conn->recover))
		return;
	uint32_t flight = tcp_flight_size(conn);
	uint32_t half = flight / 2;
	conn->ssthresh = half > 2 * mss ? half : 2 * mss;
	conn->recover = conn->snd_max;
	conn->in_recovery = true;
	timer_event(conn, "fast retransmit", 0);
	resend_first_unacked(conn);
	conn->cwnd = conn->ssthresh + 3 * mss;
	tcp_cc_event(conn, "fast retransmit");
	tcp_rexmt_restart(conn);
}

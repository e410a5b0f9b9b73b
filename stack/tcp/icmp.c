/*
 * icmp.c — what TCP does with an ICMP error about one of its segments
 * (RFC 1122 4.2.3.9, RFC 5461, RFC 5927).
 *
 * net/icmp.c hands over destination unreachable and time exceeded messages
 * whose quoted datagram is TCP that we sent. The connection is the one the
 * quote's addresses and ports name, and the quoted sequence number must lie
 * in SND.UNA..SND.NXT, data still in flight: anyone who merely guessed the
 * ports could forge anything else (RFC 5927 4.1), so it is dropped.
 *
 * Hard errors (protocol or port unreachable, communication administratively
 * prohibited) end a connection still in SYN-SENT: the peer will never
 * answer, and the application hears "connection refused" (or the like) at
 * once instead of after a minute of retransmitted SYNs. In any other state
 * an ICMP error is only a hint — routes come back, and a forged one must
 * not be able to reset a connection (RFC 5461) — so it is remembered, and
 * if the connection later times out, the application gets it instead of a
 * bare "timed out" (RFC 1122 4.2.3.9).
 */
#include <errno.h>

#include "tcp/tcp_internal.h"
#include "wire/icmp.h"

#define ICMP_UNREACH_ADMIN_PROHIBITED 13 /* RFC 1812 5.2.7.1 */

/* The error an application sees for an ICMP message, as Linux reports it,
 * and whether it is hard (RFC 1122 4.2.3.9: codes 2-4 "are hard error
 * conditions"; a firewall's "prohibited" is one too). */
static int icmp_error_code(uint8_t type, uint8_t code, bool *hard)
{
	*hard = false;
	if (type == ICMP_TIME_EXCEEDED)
		return -EHOSTUNREACH;
	switch (code) {
	case ICMP_UNREACH_NET:
		return -ENETUNREACH;
	case ICMP_UNREACH_PROTOCOL:
		*hard = true;
		return -ENOPROTOOPT;
	case ICMP_UNREACH_PORT:
		*hard = true;
		return -ECONNREFUSED;
	case ICMP_UNREACH_ADMIN_PROHIBITED:
		*hard = true;
		return -EHOSTUNREACH;
	default:
		return -EHOSTUNREACH;
	}
}

void tcp_icmp_error_arrives(struct tapir_stack *stack, uint8_t type, uint8_t code,
                            const struct icmp_quoted *q)
{
	struct tcp_conn *conn =
	    tcp_conn_lookup(stack->tcp, q->src, q->src_port, q->dst, q->dst_port);
	bool hard;
	int error = icmp_error_code(type, code, &hard);

	if (!conn || conn->state == TCP_LISTEN || conn->state == TCP_TIME_WAIT) {
		stack_drop(stack, TAPIR_DROP_TCP_ICMP_STALE, "no such connection");
		return;
	}
	if (seq_lt(q->tcp_seq, conn->snd_una) || seq_geq(q->tcp_seq, conn->snd_max)) {
		stack_drop(stack, TAPIR_DROP_TCP_ICMP_STALE, "sequence number not in flight");
		return;
	}
	stack_count(stack, TAPIR_CNT_TCP_ICMP_ERRORS);
	if (hard && conn->state == TCP_SYN_SENT) {
		/* An entry point into TCP: the application hears of it on leaving. */
		tcp_enter(stack->tcp);
		tcp_set_state(conn, TCP_EV_RCV_ICMP_HARD);
		tcp_conn_closed(conn, error);
		tcp_leave(stack->tcp);
		return;
	}
	conn->soft_error = error;
}

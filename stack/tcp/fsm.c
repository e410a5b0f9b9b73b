/*
 * fsm.c — the TCP state machine as one table (RFC 9293 3.3.2, Figure 5),
 * and tcp_set_state(), the only function that changes a connection's state.
 *
 * Every row is a transition of the RFC's diagram: in state `from`, `event`
 * leads to `to`, and `label` is the diagram's own words. The code in input.c,
 * socket.c and timer.c never assigns a state: it names the event, and
 * tcp_set_state() finds the row, changes the state and puts (time,
 * connection, from, to, cause) on the trace bus. The graph tools draw the
 * diagram from the same table (tapir_tcp_fsm_table()), so the picture cannot
 * drift from the code. Idea from picoTCP's tcp_fsm[].
 */
#include "tcp/tcp_internal.h"

static const char *const state_names[TCP_STATE__COUNT] = {
    [TCP_CLOSED] = "CLOSED",           [TCP_LISTEN] = "LISTEN",
    [TCP_SYN_SENT] = "SYN-SENT",       [TCP_SYN_RECEIVED] = "SYN-RECEIVED",
    [TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN-WAIT-1",
    [TCP_FIN_WAIT_2] = "FIN-WAIT-2",   [TCP_CLOSE_WAIT] = "CLOSE-WAIT",
    [TCP_CLOSING] = "CLOSING",         [TCP_LAST_ACK] = "LAST-ACK",
    [TCP_TIME_WAIT] = "TIME-WAIT",
};

static const char *const event_names[TCP_EV__COUNT] = {
    [TCP_EV_PASSIVE_OPEN] = "passive OPEN",
    [TCP_EV_ACTIVE_OPEN] = "active OPEN",
    [TCP_EV_CLOSE] = "CLOSE",
    [TCP_EV_ABORT] = "ABORT",
    [TCP_EV_RCV_SYN] = "rcv SYN",
    [TCP_EV_RCV_SYN_ACK] = "rcv SYN,ACK",
    [TCP_EV_RCV_ACK_OF_SYN] = "rcv ACK of SYN",
    [TCP_EV_RCV_FIN] = "rcv FIN",
    [TCP_EV_RCV_ACK_OF_FIN] = "rcv ACK of FIN",
    [TCP_EV_RCV_RST] = "rcv RST",
    [TCP_EV_TIMEOUT_2MSL] = "timeout=2MSL",
    [TCP_EV_TIMEOUT_RETRY] = "retransmission timeout",
    [TCP_EV_TIMEOUT_FIN_WAIT_2] = "FIN-WAIT-2 timeout",
    [TCP_EV_EVICT] = "backlog full",
    [TCP_EV_RCV_NEW_SYN] = "rcv SYN of a new connection",
    [TCP_EV_RCV_ICMP_HARD] = "rcv ICMP unreachable",
};

/* The diagram, row by row. Opening first, then data-phase closing, then
 * resets, aborts and timeouts that lead back to CLOSED. */
static const struct tcp_fsm_row fsm[] = {
    /* Opening (RFC 9293 3.5). A listener's copy made for a SYN starts with
     * the passive OPEN row too, so its own history begins in LISTEN. */
    {TCP_CLOSED, TCP_EV_PASSIVE_OPEN, TCP_LISTEN, "passive OPEN / create TCB"},
    {TCP_CLOSED, TCP_EV_ACTIVE_OPEN, TCP_SYN_SENT, "active OPEN / create TCB, snd SYN"},
    {TCP_LISTEN, TCP_EV_RCV_SYN, TCP_SYN_RECEIVED, "rcv SYN / snd SYN,ACK"},
    {TCP_LISTEN, TCP_EV_CLOSE, TCP_CLOSED, "CLOSE / delete TCB"},
    {TCP_SYN_SENT, TCP_EV_RCV_SYN, TCP_SYN_RECEIVED, "rcv SYN / snd SYN,ACK (simultaneous open)"},
    {TCP_SYN_SENT, TCP_EV_RCV_SYN_ACK, TCP_ESTABLISHED, "rcv SYN,ACK / snd ACK"},
    {TCP_SYN_SENT, TCP_EV_CLOSE, TCP_CLOSED, "CLOSE / delete TCB"},
    {TCP_SYN_RECEIVED, TCP_EV_RCV_ACK_OF_SYN, TCP_ESTABLISHED, "rcv ACK of SYN"},
    {TCP_SYN_RECEIVED, TCP_EV_CLOSE, TCP_FIN_WAIT_1, "CLOSE / snd FIN"},

    /* Closing (RFC 9293 3.6). */
    {TCP_ESTABLISHED, TCP_EV_CLOSE, TCP_FIN_WAIT_1, "CLOSE / snd FIN"},
    {TCP_ESTABLISHED, TCP_EV_RCV_FIN, TCP_CLOSE_WAIT, "rcv FIN / snd ACK"},
    {TCP_SYN_RECEIVED, TCP_EV_RCV_FIN, TCP_CLOSE_WAIT, "rcv FIN / snd ACK"},
    {TCP_FIN_WAIT_1, TCP_EV_RCV_ACK_OF_FIN, TCP_FIN_WAIT_2, "rcv ACK of FIN"},
    {TCP_FIN_WAIT_1, TCP_EV_RCV_FIN, TCP_CLOSING, "rcv FIN / snd ACK (simultaneous close)"},
    {TCP_FIN_WAIT_2, TCP_EV_RCV_FIN, TCP_TIME_WAIT, "rcv FIN / snd ACK"},
    {TCP_CLOSE_WAIT, TCP_EV_CLOSE, TCP_LAST_ACK, "CLOSE / snd FIN"},
    {TCP_CLOSING, TCP_EV_RCV_ACK_OF_FIN, TCP_TIME_WAIT, "rcv ACK of FIN"},
    {TCP_LAST_ACK, TCP_EV_RCV_ACK_OF_FIN, TCP_CLOSED, "rcv ACK of FIN / delete TCB"},
    {TCP_TIME_WAIT, TCP_EV_TIMEOUT_2MSL, TCP_CLOSED, "timeout=2MSL / delete TCB"},
    /* RFC 1122 4.2.2.13 and RFC 6191: a new SYN may end TIME-WAIT early. */
    {TCP_TIME_WAIT, TCP_EV_RCV_NEW_SYN, TCP_CLOSED, "rcv SYN of a new connection / delete TCB"},

    /* Reset processing (RFC 9293 3.5.3, 3.10.7.3, 3.10.7.4 "second"). */
    {TCP_SYN_SENT, TCP_EV_RCV_RST, TCP_CLOSED, "rcv RST,ACK / connection refused"},
    {TCP_SYN_SENT, TCP_EV_RCV_ICMP_HARD, TCP_CLOSED, "rcv ICMP port unreachable / refused"},
    {TCP_SYN_RECEIVED, TCP_EV_RCV_RST, TCP_CLOSED, "rcv RST"},
    {TCP_ESTABLISHED, TCP_EV_RCV_RST, TCP_CLOSED, "rcv RST / connection reset"},
    {TCP_FIN_WAIT_1, TCP_EV_RCV_RST, TCP_CLOSED, "rcv RST / connection reset"},
    {TCP_FIN_WAIT_2, TCP_EV_RCV_RST, TCP_CLOSED, "rcv RST / connection reset"},
    {TCP_CLOSE_WAIT, TCP_EV_RCV_RST, TCP_CLOSED, "rcv RST / connection reset"},
    {TCP_CLOSING, TCP_EV_RCV_RST, TCP_CLOSED, "rcv RST"},
    {TCP_LAST_ACK, TCP_EV_RCV_RST, TCP_CLOSED, "rcv RST"},
    {TCP_TIME_WAIT, TCP_EV_RCV_RST, TCP_CLOSED, "rcv RST"},

    /* ABORT (RFC 9293 3.10.5). */
    {TCP_LISTEN, TCP_EV_ABORT, TCP_CLOSED, "ABORT / delete TCB"},
    {TCP_SYN_SENT, TCP_EV_ABORT, TCP_CLOSED, "ABORT / delete TCB"},
    {TCP_SYN_RECEIVED, TCP_EV_ABORT, TCP_CLOSED, "ABORT / snd RST"},
    {TCP_ESTABLISHED, TCP_EV_ABORT, TCP_CLOSED, "ABORT / snd RST"},
    {TCP_FIN_WAIT_1, TCP_EV_ABORT, TCP_CLOSED, "ABORT / snd RST"},
    {TCP_FIN_WAIT_2, TCP_EV_ABORT, TCP_CLOSED, "ABORT / snd RST"},
    {TCP_CLOSE_WAIT, TCP_EV_ABORT, TCP_CLOSED, "ABORT / snd RST"},
    {TCP_CLOSING, TCP_EV_ABORT, TCP_CLOSED, "ABORT / delete TCB"},
    {TCP_LAST_ACK, TCP_EV_ABORT, TCP_CLOSED, "ABORT / delete TCB"},
    {TCP_TIME_WAIT, TCP_EV_ABORT, TCP_CLOSED, "ABORT / delete TCB"},

    /* Giving up (RFC 9293 3.8.3: after R2 retransmissions, close). */
    {TCP_SYN_SENT, TCP_EV_TIMEOUT_RETRY, TCP_CLOSED, "timeout: SYN unanswered"},
    {TCP_SYN_RECEIVED, TCP_EV_TIMEOUT_RETRY, TCP_CLOSED, "timeout: SYN,ACK unanswered"},
    {TCP_ESTABLISHED, TCP_EV_TIMEOUT_RETRY, TCP_CLOSED, "timeout / snd RST"},
    {TCP_FIN_WAIT_1, TCP_EV_TIMEOUT_RETRY, TCP_CLOSED, "timeout / snd RST"},
    {TCP_CLOSE_WAIT, TCP_EV_TIMEOUT_RETRY, TCP_CLOSED, "timeout / snd RST"},
    {TCP_CLOSING, TCP_EV_TIMEOUT_RETRY, TCP_CLOSED, "timeout / snd RST"},
    {TCP_LAST_ACK, TCP_EV_TIMEOUT_RETRY, TCP_CLOSED, "timeout / snd RST"},
    {TCP_FIN_WAIT_2, TCP_EV_TIMEOUT_RETRY, TCP_CLOSED, "timeout / snd RST"},
    {TCP_FIN_WAIT_2, TCP_EV_TIMEOUT_FIN_WAIT_2, TCP_CLOSED,
     "timeout: no FIN after CLOSE / delete TCB"},

    /* SYN-flood defence: a full backlog drops its oldest half-open child. */
    {TCP_SYN_RECEIVED, TCP_EV_EVICT, TCP_CLOSED, "backlog full / drop oldest half-open"},
};

#define FSM_ROWS (sizeof(fsm) / sizeof(fsm[0]))

const char *tcp_state_name(enum tcp_state state)
{
	if ((unsigned)state >= TCP_STATE__COUNT)
		return "?";
	return state_names[state];
}

const char *tcp_event_name(enum tcp_event event)
{
	if ((unsigned)event >= TCP_EV__COUNT)
		return "?";
	return event_names[event];
}

bool tcp_state_synchronized(enum tcp_state state)
{
	return state >= TCP_ESTABLISHED;
}

const struct tcp_fsm_row *tcp_fsm_lookup(enum tcp_state from, enum tcp_event event)
{
	for (size_t i = 0; i < FSM_ROWS; i++)
		if (fsm[i].from == from && fsm[i].event == event)
			return &fsm[i];
	return NULL;
}

bool tcp_set_state(struct tcp_conn *conn, enum tcp_event event)
{
	const struct tcp_fsm_row *row = tcp_fsm_lookup(conn->state, event);

	if (!row) {
		/* A bug in the caller: say so on the trace, change nothing. */
		struct tapir_event ev = {.kind = TAPIR_EV_MESSAGE, .level = TAPIR_LOG_ERROR};
		ev.u.message.layer = "tcp";
		ev.u.message.text = "event with no transition in the state table";
		stack_emit(conn->layer->stack, &ev);
		return false;
	}
	enum tcp_state from = conn->state;
	conn->state = row->to;

	struct tapir_event ev = {.kind = TAPIR_EV_TCP_STATE, .level = TAPIR_LOG_INFO};
	tcp_conn_id(conn, &ev.u.tcp_state.conn);
	ev.u.tcp_state.from = tcp_state_name(from);
	ev.u.tcp_state.to = tcp_state_name(row->to);
	ev.u.tcp_state.cause = row->label;
	stack_emit(conn->layer->stack, &ev);
	return true;
}

/* The exported copy of the table, in the public type, built once. */
static struct tapir_tcp_transition public_table[FSM_ROWS];

const struct tapir_tcp_transition *tapir_tcp_fsm_table(size_t *count)
{
	for (size_t i = 0; i < FSM_ROWS; i++) {
		public_table[i].from = tcp_state_name(fsm[i].from);
		public_table[i].event = tcp_event_name(fsm[i].event);
		public_table[i].to = tcp_state_name(fsm[i].to);
		public_table[i].label = fsm[i].label;
	}
	if (count)
		*count = FSM_ROWS;
	return public_table;
}

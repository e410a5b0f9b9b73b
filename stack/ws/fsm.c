/*
 * fsm.c — the WebSocket ready-state machine (RFC 6455 4, 7; the browser's
 * readyState: CONNECTING, OPEN, CLOSING, CLOSED), written down once as a
 * table of (state, event) -> (next state, the RFC's words).
 *
 * ws_set_state() is the only code that assigns ws->state, and it records
 * every change on the trace (ARCHITECTURE.md principle 3), so the picture a
 * student draws from tapir_ws_fsm_table() is the machine that runs.
 */
#include "ws/ws_internal.h"

struct ws_row {
	enum tapir_ws_state from;
	enum ws_event event;
	enum tapir_ws_state to;
	const char *label;
};

static const struct ws_row rows[] = {
    /* 4.2.2 / 4.1: the opening handshake. */
    {TAPIR_WS_CONNECTING, WS_EV_UPGRADED, TAPIR_WS_OPEN,
     "rcv upgrade request / snd 101 Switching Protocols"},
    {TAPIR_WS_CONNECTING, WS_EV_ACCEPTED, TAPIR_WS_OPEN, "rcv 101, Sec-WebSocket-Accept matches"},
    {TAPIR_WS_CONNECTING, WS_EV_REFUSED, TAPIR_WS_CLOSED, "handshake failed / close TCP"},
    {TAPIR_WS_CONNECTING, WS_EV_TCP_CLOSED, TAPIR_WS_CLOSED, "TCP closed during the handshake"},
    {TAPIR_WS_CONNECTING, WS_EV_TIMEOUT, TAPIR_WS_CLOSED, "handshake timeout / close TCP"},
    {TAPIR_WS_CONNECTING, WS_EV_APP_CLOSE, TAPIR_WS_CLOSED, "app close / close TCP"},
    /* 7.1.2, 5.5.1: starting and answering the closing handshake. */
    {TAPIR_WS_OPEN, WS_EV_APP_CLOSE, TAPIR_WS_CLOSING, "app close / snd Close"},
    {TAPIR_WS_OPEN, WS_EV_RCV_CLOSE, TAPIR_WS_CLOSING, "rcv Close / snd Close"},
    /* 7.1.7: Fail the WebSocket Connection. */
    {TAPIR_WS_OPEN, WS_EV_FAIL, TAPIR_WS_CLOSING, "protocol violation / snd Close, close TCP"},
    {TAPIR_WS_OPEN, WS_EV_TCP_CLOSED, TAPIR_WS_CLOSED, "TCP closed without Close (1006)"},
    /* 7.1.1, 7.1.4: the WebSocket Connection is Closed with the TCP one. */
    {TAPIR_WS_CLOSING, WS_EV_TCP_CLOSED, TAPIR_WS_CLOSED, "TCP closed"},
    {TAPIR_WS_CLOSING, WS_EV_TIMEOUT, TAPIR_WS_CLOSED, "close timeout / close TCP"},
    {TAPIR_WS_CLOSING, WS_EV_FAIL, TAPIR_WS_CLOSED, "protocol violation / close TCP"},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const char *const state_names[] = {
    [TAPIR_WS_CONNECTING] = "CONNECTING",
    [TAPIR_WS_OPEN] = "OPEN",
    [TAPIR_WS_CLOSING] = "CLOSING",
    [TAPIR_WS_CLOSED] = "CLOSED",
};

static const char *const event_names[WS_EV__COUNT] = {
    [WS_EV_UPGRADED] = "upgraded",     [WS_EV_ACCEPTED] = "accepted",   [WS_EV_REFUSED] = "refused",
    [WS_EV_APP_CLOSE] = "app-close",   [WS_EV_RCV_CLOSE] = "rcv-close", [WS_EV_FAIL] = "fail",
    [WS_EV_TCP_CLOSED] = "tcp-closed", [WS_EV_TIMEOUT] = "timeout",
};

const char *tapir_ws_state_name(enum tapir_ws_state state)
{
	if ((unsigned)state > TAPIR_WS_CLOSED)
		return "unknown";
	return state_names[state];
}

tapir_time ws_now(const struct tapir_ws *ws)
{
	return ws->stack->now;
}

/* Stamp and send a WebSocket event with the connection's identity. */
void ws_trace(struct tapir_ws *ws, struct tapir_event *ev)
{
	ev->kind = TAPIR_EV_WS;
	ev->u.ws.conn = ws->id;
	ev->u.ws.client = ws->client;
	ev->u.ws.path = ws->path;
	stack_emit(ws->stack, ev);
}

void ws_set_state(struct tapir_ws *ws, enum ws_event event)
{
	for (size_t i = 0; i < NROWS; i++) {
		struct tapir_event ev = {.level = TAPIR_LOG_INFO};

		if (rows[i].from != ws->state || rows[i].event != event)
			continue;
		ev.u.ws.what = TAPIR_WS_TRACE_STATE;
		ev.u.ws.from = state_names[ws->state];
		ev.u.ws.to = state_names[rows[i].to];
		ev.u.ws.cause = rows[i].label;
		ws->state = rows[i].to;
		ws_trace(ws, &ev);
		return;
	}
	/* Not in the table: the event means nothing in this state (a timer
	 * firing after CLOSED, say). The state stays. */
}

const struct tapir_ws_transition *tapir_ws_fsm_table(size_t *count)
{
	static struct tapir_ws_transition table[NROWS];

	for (size_t i = 0; i < NROWS; i++) {
		table[i].from = state_names[rows[i].from];
		table[i].event = event_names[rows[i].event];
		table[i].to = state_names[rows[i].to];
		table[i].label = rows[i].label;
	}
	*count = NROWS;
	return table;
}

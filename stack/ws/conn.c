/*
 * conn.c — one WebSocket connection after the opening handshake, either
 * end: receiving frames (RFC 6455 5.2) and assembling fragmented messages
 * (5.4) with control frames in between (5.5), answering pings (5.5.2),
 * checking text as UTF-8 across fragments (8.1), sending frames (masked by
 * a client, 5.3), the closing handshake (5.5.1, 7.1) and failing the
 * connection on a protocol violation (7.1.7) with the close codes of 7.4.1:
 * 1002 protocol error, 1007 invalid data, 1009 message too big.
 *
 * Bytes from TCP go through ws_input(); every byte is used once, so a
 * frame may arrive split anywhere. Frames to send are queued (bounded) and
 * handed to TCP as it has room; while much is queued, reading pauses, so a
 * peer that floods us without reading is slowed by TCP's window.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "ws/ws_internal.h"

#define WS_KEEP_BUFFER (64 * 1024) /* larger buffers are freed when empty */

void ws_conn_init(struct tapir_ws *ws, struct tapir_stack *stack, bool client)
{
	memset(ws, 0, sizeof(*ws));
	ws->stack = stack;
	ws->client = client;
	ws->state = TAPIR_WS_CONNECTING;
	ws->deadline = TAPIR_TIME_NEVER;
	ws->close_code = WS_CLOSE_ABNORMAL;
	ws->max_message = TAPIR_WS_MAX_MESSAGE;
	ws->born = stack->now;
	ws_utf8_init(&ws->utf8);
}

void ws_conn_release(struct tapir_ws *ws)
{
	free(ws->msg);
	free(ws->out);
	free(ws->parser);
	ws->msg = ws->out = NULL;
	ws->parser = NULL;
	ws->msg_cap = ws->out_cap = 0;
}

/* ---- trace --------------------------------------------------------------------- */

static void trace_frame(struct tapir_ws *ws, enum tapir_dir dir, const struct ws_header *h)
{
	struct tapir_event ev = {.level = TAPIR_LOG_DEBUG};

	ev.u.ws.what = TAPIR_WS_TRACE_FRAME;
	ev.u.ws.dir = dir;
	ev.u.ws.opcode = h->opcode;
	ev.u.ws.fin = h->fin;
	ev.u.ws.masked = h->masked;
	ev.u.ws.length = h->payload_len;
	ws_trace(ws, &ev);
}

static void trace_close(struct tapir_ws *ws, enum tapir_dir dir, uint16_t code, const char *reason)
{
	struct tapir_event ev = {.level = TAPIR_LOG_INFO};

	ev.u.ws.what = TAPIR_WS_TRACE_CLOSE;
	ev.u.ws.dir = dir;
	ev.u.ws.opcode = WS_OP_CLOSE;
	ev.u.ws.code = code;
	ev.u.ws.reason = reason;
	ws_trace(ws, &ev);
}

/* ---- sending --------------------------------------------------------------------- */

static size_t queued(const struct tapir_ws *ws)
{
	return ws->out_len - ws->out_off;
}

/* Room for n more bytes at the end of the queue. Data frames respect
 * TAPIR_WS_SEND_QUEUE_MAX; control frames (at most 127 bytes, and never
 * many: reading pauses while the queue is long) always fit. */
static int queue_reserve(struct tapir_ws *ws, size_t n, bool control)
{
	size_t cap;
	uint8_t *p;

	if (!control && queued(ws) + n > TAPIR_WS_SEND_QUEUE_MAX)
		return -ENOBUFS;
	if (ws->out_off > 0 && ws->out_cap - ws->out_len < n) {
		memmove(ws->out, ws->out + ws->out_off, queued(ws));
		ws->out_len -= ws->out_off;
		ws->out_off = 0;
	}
	if (ws->out_cap - ws->out_len >= n)
		return 0;
	cap = ws->out_cap ? ws->out_cap : 4096;
	while (cap - ws->out_len < n)
		cap *= 2;
	p = realloc(ws->out, cap);
	if (!p)
		return -ENOMEM;
	ws->out = p;
	ws->out_cap = cap;
	return 0;
}

/* Queue one frame. A client masks it with a fresh random key (5.3: "the
 * masking key MUST be derived from a strong source of entropy"). */
static int queue_frame(struct tapir_ws *ws, uint8_t opcode, bool fin, const void *data, size_t len)
{
	struct ws_header h = {.fin = fin, .opcode = opcode, .payload_len = len};
	uint8_t head[WS_HEADER_MAX];
	size_t n;
	int err;

	h.masked = ws->client;
	if (h.masked && RAND_bytes(h.mask, sizeof(h.mask)) != 1)
		return -EIO;
	n = ws_header_emit(&h, head, sizeof(head));
	err = queue_reserve(ws, n + len, ws_opcode_is_control(opcode));
	if (err < 0)
		return err;
	memcpy(ws->out + ws->out_len, head, n);
	if (len > 0)
		memcpy(ws->out + ws->out_len + n, data, len);
	if (h.masked)
		ws_mask(ws->out + ws->out_len + n, len, h.mask, 0);
	ws->out_len += n + len;
	trace_frame(ws, TAPIR_DIR_OUT, &h);
	return 0;
}

int ws_queue_raw(struct tapir_ws *ws, const void *data, size_t len)
{
	int err = queue_reserve(ws, len, false);

	if (err < 0)
		return err;
	memcpy(ws->out + ws->out_len, data, len);
	ws->out_len += len;
	return 0;
}

void ws_flush(struct tapir_ws *ws)
{
	while (ws->sock && queued(ws) > 0) {
		long n = tapir_tcp_send(ws->sock, ws->out + ws->out_off, queued(ws));

		if (n <= 0)
			break; /* -EAGAIN: wait for WRITABLE; an error: TCP reports CLOSED */
		ws->out_off += (size_t)n;
	}
	if (queued(ws) > 0)
		return;
	ws->out_off = ws->out_len = 0;
	if (ws->out_cap > WS_KEEP_BUFFER) {
		free(ws->out);
		ws->out = NULL;
		ws->out_cap = 0;
	}
	if (ws->shutdown_due && !ws->fin_sent && ws->sock) {
		tapir_tcp_shutdown(ws->sock); /* 7.1.1: the server closes TCP first */
		ws->fin_sent = true;
	}
}

/* Queue a close frame: code (1005: none) and reason. */
static void send_close(struct tapir_ws *ws, uint16_t code, const char *reason, size_t len)
{
	uint8_t payload[WS_CONTROL_MAX];
	char text[WS_CLOSE_REASON_MAX + 1];
	int n = ws_close_emit(code, reason, len, payload, sizeof(payload));

	if (n < 0)
		n = ws_close_emit(code, NULL, 0, payload, sizeof(payload));
	if (n < 0)
		return;
	memcpy(text, payload + (n >= 2 ? 2 : 0), n >= 2 ? (size_t)n - 2 : 0);
	text[n >= 2 ? n - 2 : 0] = '\0';
	queue_frame(ws, WS_OP_CLOSE, true, payload, (size_t)n);
	ws->close_sent = true;
	trace_close(ws, TAPIR_DIR_OUT, code, text);
}

static void count_out(struct tapir_ws *ws, size_t len)
{
	if (!ws->srv)
		return;
	ws->srv->stats.messages_out++;
	ws->srv->stats.bytes_out += len;
}

int tapir_ws_send_fragmented(struct tapir_ws *ws, enum tapir_ws_type type, const void *data,
                             size_t len, size_t fragment)
{
	const uint8_t *p = data;
	size_t frames;
	uint8_t opcode = (uint8_t)type;

	if (type != TAPIR_WS_TEXT && type != TAPIR_WS_BINARY)
		return -EINVAL;
	if (type == TAPIR_WS_TEXT && !ws_utf8_valid(p, len))
		return -EINVAL; /* 5.6: text "MUST" be UTF-8 */
	if (ws->state != TAPIR_WS_OPEN || ws->close_sent)
		return -ENOTCONN;
	if (fragment == 0 || fragment > len)
		fragment = len ? len : 1;
	frames = len ? (len + fragment - 1) / fragment : 1;
	if (queued(ws) + len + frames * WS_HEADER_MAX > TAPIR_WS_SEND_QUEUE_MAX)
		return -ENOBUFS; /* all of the message fits, or none of it is sent */
	for (size_t off = 0;; off += fragment) {
		size_t n = len - off < fragment ? len - off : fragment;
		bool fin = off + n >= len;
		int err = queue_frame(ws, opcode, fin, n ? p + off : NULL, n);

		if (err < 0)
			return err;
		opcode = WS_OP_CONTINUATION;
		if (fin)
			break;
	}
	count_out(ws, len);
	ws_flush(ws);
	return 0;
}

int tapir_ws_send(struct tapir_ws *ws, enum tapir_ws_type type, const void *data, size_t len)
{
	return tapir_ws_send_fragmented(ws, type, data, len, 0);
}

int tapir_ws_send_text(struct tapir_ws *ws, const char *text, size_t len)
{
	return tapir_ws_send(ws, TAPIR_WS_TEXT, text, len);
}

int tapir_ws_send_binary(struct tapir_ws *ws, const void *data, size_t len)
{
	return tapir_ws_send(ws, TAPIR_WS_BINARY, data, len);
}

int tapir_ws_ping(struct tapir_ws *ws, const void *data, size_t len)
{
	if (len > WS_CONTROL_MAX)
		return -EINVAL;
	if (ws->state != TAPIR_WS_OPEN || ws->close_sent)
		return -ENOTCONN;
	queue_frame(ws, WS_OP_PING, true, data, len);
	ws_flush(ws);
	return 0;
}

/* 7.4.1/7.4.2: codes an application may close with. */
static bool app_close_code(uint16_t code)
{
	return code == 0 || code == WS_CLOSE_NORMAL || code == WS_CLOSE_GOING_AWAY ||
	       (code >= 3000 && code <= 4999);
}

int tapir_ws_close(struct tapir_ws *ws, uint16_t code, const char *reason)
{
	size_t len = reason ? strlen(reason) : 0;

	if (!app_close_code(code) || len > WS_CLOSE_REASON_MAX || (code == 0 && len > 0) ||
	    !ws_utf8_valid((const uint8_t *)reason, len))
		return -EINVAL;
	if (ws->state == TAPIR_WS_CONNECTING) {
		ws_finish(ws, WS_EV_APP_CLOSE, true); /* as a browser: fail the connection */
		return 0;
	}
	if (ws->state != TAPIR_WS_OPEN || ws->close_sent)
		return -ENOTCONN;
	send_close(ws, code ? code : WS_CLOSE_NO_STATUS, reason, len);
	ws_set_state(ws, WS_EV_APP_CLOSE);
	ws->deadline = ws_now(ws) + TAPIR_MS(TAPIR_WS_CLOSE_TIMEOUT_MS);
	ws_flush(ws);
	return 0;
}

/* ---- failing and finishing ----------------------------------------------------------- */

static uint16_t close_code_for(enum tapir_drop reason)
{
	switch (reason) {
	case TAPIR_DROP_WS_BAD_UTF8:
		return WS_CLOSE_INVALID_DATA; /* 8.1 */
	case TAPIR_DROP_WS_TOO_BIG:
		return WS_CLOSE_TOO_BIG; /* 7.4.1 */
	default:
		return WS_CLOSE_PROTOCOL_ERROR;
	}
}

/* 7.1.7 Fail the WebSocket Connection: count and trace why, send a close
 * frame with the code, close TCP after it, and ignore all further input. */
static void ws_fail(struct tapir_ws *ws, enum tapir_drop reason)
{
	struct tapir_event ev = {.level = TAPIR_LOG_WARN};
	uint16_t code = close_code_for(reason);
	const char *text = tapir_drop_text(reason);

	stack_drop(ws->stack, reason, ws->path);
	ev.u.ws.what = TAPIR_WS_TRACE_VIOLATION;
	ev.u.ws.code = code;
	ev.u.ws.reason = tapir_drop_name(reason);
	ws_trace(ws, &ev);
	if (ws->srv)
		ws->srv->stats.violations++;
	ws->failed = true;
	ws->in_payload = false;
	ws->msg_type = 0;
	if (ws->state != TAPIR_WS_OPEN) {
		ws_finish(ws, WS_EV_FAIL, false);
		return;
	}
	if (!ws->close_sent)
		send_close(ws, code, text, strlen(text));
	ws_set_state(ws, WS_EV_FAIL);
	ws->shutdown_due = true;
	ws->deadline = ws_now(ws) + TAPIR_MS(TAPIR_WS_CLOSE_TIMEOUT_MS);
	ws_flush(ws);
}

void ws_finish(struct tapir_ws *ws, enum ws_event ev, bool abort)
{
	uint16_t code = ws->close_received ? ws->close_code : WS_CLOSE_ABNORMAL;
	bool clean = ws->close_sent && ws->close_received && !ws->failed;

	if (ws->state == TAPIR_WS_CLOSED)
		return;
	ws_flush(ws);
	if (ws->sock) {
		if (abort)
			tapir_tcp_abort(ws->sock);
		else
			tapir_tcp_close(ws->sock);
		ws->sock = NULL;
	}
	ws_set_state(ws, ev); /* every finishing event leads to CLOSED: see fsm.c */
	ws->deadline = TAPIR_TIME_NEVER;
	free(ws->parser);
	ws->parser = NULL;
	/* A server's application never saw a connection that did not open; a
	 * client's learns this way that it failed (as the browser's onclose). */
	if (ws->cb.on_close && (ws->opened || ws->client))
		ws->cb.on_close(ws->user, ws, code, ws->close_reason, clean);
	if (ws->srv)
		ws_server_conn_closed(ws);
}

void ws_timeout(struct tapir_ws *ws)
{
	if (ws->state == TAPIR_WS_CLOSED || ws_now(ws) < ws->deadline)
		return;
	if (ws->state == TAPIR_WS_CONNECTING) {
		stack_drop(ws->stack, TAPIR_DROP_WS_BAD_HANDSHAKE, "handshake timeout");
		ws_finish(ws, WS_EV_TIMEOUT, true);
		return;
	}
	stack_drop(ws->stack, TAPIR_DROP_WS_CLOSE_TIMEOUT, ws->path);
	ws_finish(ws, WS_EV_TIMEOUT, false);
}

/* ---- receiving ------------------------------------------------------------------- */

/* 5.5.1: "If an endpoint receives a Close frame and did not previously send
 * a Close frame, the endpoint MUST send a Close frame in response ...
 * typically echoing the status code it received." The server then closes
 * TCP (7.1.1); the client waits for the server to do so. */
static void handle_close(struct tapir_ws *ws)
{
	const uint8_t *reason;
	size_t len;
	uint16_t code;
	enum tapir_drop drop =
	    ws_close_parse(ws->ctrl, (size_t)ws->frame.payload_len, &code, &reason, &len);

	if (drop != TAPIR_DROP_NONE) {
		ws_fail(ws, drop);
		return;
	}
	ws->close_received = true;
	ws->close_code = code;
	memcpy(ws->close_reason, reason, len);
	ws->close_reason[len] = '\0';
	trace_close(ws, TAPIR_DIR_IN, code, ws->close_reason);
	if (!ws->close_sent) {
		send_close(ws, code, ws->close_reason, len);
		ws_set_state(ws, WS_EV_RCV_CLOSE);
	}
	ws->deadline = ws_now(ws) + TAPIR_MS(TAPIR_WS_CLOSE_TIMEOUT_MS);
	if (!ws->client)
		ws->shutdown_due = true;
	ws_flush(ws);
}

static void handle_control(struct tapir_ws *ws)
{
	size_t len = (size_t)ws->frame.payload_len;

	switch (ws->frame.opcode) {
	case WS_OP_PING: /* 5.5.2: "MUST send a Pong frame in response" */
		if (ws->state == TAPIR_WS_OPEN && !ws->close_sent) {
			queue_frame(ws, WS_OP_PONG, true, ws->ctrl, len);
			ws_flush(ws);
		}
		break;
	case WS_OP_PONG:
		if (ws->cb.on_pong)
			ws->cb.on_pong(ws->user, ws, ws->ctrl, len);
		break;
	case WS_OP_CLOSE:
		handle_close(ws);
		break;
	default:
		break;
	}
}

/* The last fragment arrived: the message goes to the application. */
static void finish_message(struct tapir_ws *ws)
{
	enum tapir_ws_type type = (enum tapir_ws_type)ws->msg_type;

	if (type == TAPIR_WS_TEXT && !ws_utf8_complete(&ws->utf8)) {
		ws_fail(ws, TAPIR_DROP_WS_BAD_UTF8); /* ends inside a character */
		return;
	}
	ws->msg_type = 0;
	if (ws->srv) {
		ws->srv->stats.messages_in++;
		ws->srv->stats.bytes_in += ws->msg_len;
	}
	/* Also while CLOSING after our close: until the peer's close comes, its
	 * data frames are part of the conversation (7.1.2, 5.5.1). */
	if (ws->cb.on_message)
		ws->cb.on_message(ws->user, ws, type, ws->msg ? ws->msg : (const uint8_t *)"",
		                  ws->msg_len);
	ws->msg_len = 0;
	if (ws->msg_cap > WS_KEEP_BUFFER) {
		free(ws->msg);
		ws->msg = NULL;
		ws->msg_cap = 0;
	}
}

static void frame_complete(struct tapir_ws *ws)
{
	ws->in_payload = false;
	if (ws_opcode_is_control(ws->frame.opcode))
		handle_control(ws);
	else if (ws->frame.fin)
		finish_message(ws);
}

/* 5.4: a message is one frame with FIN, or a first frame (text or binary)
 * without FIN, continuations, and a last continuation with FIN; control
 * frames may come in between. */
static enum tapir_drop check_sequence(const struct tapir_ws *ws)
{
	uint64_t total = ws->frame.payload_len;

	if (ws_opcode_is_control(ws->frame.opcode))
		return TAPIR_DROP_NONE;
	if (ws->frame.opcode == WS_OP_CONTINUATION && ws->msg_type == 0)
		return TAPIR_DROP_WS_BAD_CONTINUATION;
	if (ws->frame.opcode != WS_OP_CONTINUATION && ws->msg_type != 0)
		return TAPIR_DROP_WS_EXPECTED_CONTINUATION;
	if (ws->frame.opcode == WS_OP_CONTINUATION)
		total += ws->msg_len;
	if (total > ws->max_message)
		return TAPIR_DROP_WS_TOO_BIG;
	return TAPIR_DROP_NONE;
}

/* Room in the message buffer for this frame's payload (checked against
 * max_message already). */
static bool reserve_message(struct tapir_ws *ws)
{
	size_t need = ws->msg_len + (size_t)ws->frame.payload_len;
	uint8_t *p;

	if (need <= ws->msg_cap)
		return true;
	p = realloc(ws->msg, need);
	if (!p)
		return false;
	ws->msg = p;
	ws->msg_cap = need;
	return true;
}

/* A whole header is in ws->hdr: check it and get ready for the payload. */
static void header_complete(struct tapir_ws *ws)
{
	enum ws_role from = ws->client ? WS_FROM_SERVER : WS_FROM_CLIENT;
	enum tapir_drop drop = ws_header_parse(ws->hdr, ws->hdr_len, from, &ws->frame);

	ws->hdr_len = 0;
	trace_frame(ws, TAPIR_DIR_IN, &ws->frame);
	if (drop == TAPIR_DROP_NONE)
		drop = check_sequence(ws);
	if (drop != TAPIR_DROP_NONE) {
		ws_fail(ws, drop);
		return;
	}
	if (!ws_opcode_is_control(ws->frame.opcode)) {
		if (ws->frame.opcode != WS_OP_CONTINUATION) {
			ws->msg_type = ws->frame.opcode;
			ws->msg_len = 0;
			ws_utf8_init(&ws->utf8);
		}
		if (!reserve_message(ws)) {
			ws_fail(ws, TAPIR_DROP_WS_TOO_BIG);
			return;
		}
	}
	ws->frame_done = 0;
	ws->in_payload = true;
	if (ws->frame.payload_len == 0)
		frame_complete(ws);
}

/* Gather header bytes: two first, then as many as those two announce. */
static size_t take_header(struct tapir_ws *ws, const uint8_t *data, size_t len)
{
	size_t need =
	    ws->hdr_len < WS_HEADER_MIN ? WS_HEADER_MIN : ws_header_size(ws->hdr, ws->hdr_len);
	size_t take = need - ws->hdr_len < len ? need - ws->hdr_len : len;

	memcpy(ws->hdr + ws->hdr_len, data, take);
	ws->hdr_len += take;
	if (ws->hdr_len == ws_header_size(ws->hdr, ws->hdr_len))
		header_complete(ws);
	return take;
}

/* Payload bytes: unmasked (5.3) into the message or the control buffer. */
static size_t take_payload(struct tapir_ws *ws, const uint8_t *data, size_t len)
{
	uint64_t left = ws->frame.payload_len - ws->frame_done;
	size_t take = left < len ? (size_t)left : len;
	bool control = ws_opcode_is_control(ws->frame.opcode);
	uint8_t *dst = control ? ws->ctrl + ws->frame_done : ws->msg + ws->msg_len;

	memcpy(dst, data, take);
	if (ws->frame.masked)
		ws_mask(dst, take, ws->frame.mask, ws->frame_done);
	ws->frame_done += take;
	if (!control) {
		ws->msg_len += take;
		/* 8.1: fail as soon as the text stops being UTF-8, fragment or not. */
		if (ws->msg_type == WS_OP_TEXT && !ws_utf8_feed(&ws->utf8, dst, take)) {
			ws_fail(ws, TAPIR_DROP_WS_BAD_UTF8);
			return take;
		}
	}
	if (ws->frame_done == ws->frame.payload_len)
		frame_complete(ws);
	return take;
}

/* Input is ignored once we failed the connection or the peer's close came
 * (5.5.1: "the endpoint ... MUST NOT send any more data frames" — and
 * nothing after its Close means anything). */
static bool ignoring_input(const struct tapir_ws *ws)
{
	return ws->failed || ws->close_received || ws->state == TAPIR_WS_CLOSED;
}

void ws_input(struct tapir_ws *ws, const uint8_t *data, size_t len)
{
	while (len > 0 && !ignoring_input(ws)) {
		size_t used =
		    ws->in_payload ? take_payload(ws, data, len) : take_header(ws, data, len);

		data += used;
		len -= used;
	}
}

/* The peer's FIN: the end of the WebSocket connection either way (clean
 * after the close handshake, 1006 without it). */
static void peer_fin(struct tapir_ws *ws)
{
	ws->peer_fin = true;
	ws_finish(ws, WS_EV_TCP_CLOSED, false);
}

void ws_read(struct tapir_ws *ws)
{
	uint8_t buf[TAPIR_WS_RX_CHUNK];

	while (ws->sock) {
		long n;

		if (!ignoring_input(ws) && queued(ws) > TAPIR_WS_READ_PAUSE)
			return; /* back-pressure: read again once the queue drains */
		n = tapir_tcp_recv(ws->sock, buf, sizeof(buf));
		if (n == -EAGAIN)
			return;
		if (n == 0) {
			peer_fin(ws);
			return;
		}
		if (n < 0) {
			ws_finish(ws, WS_EV_TCP_CLOSED, false);
			return;
		}
		if (ws->parser)
			ws_client_input(ws, buf, (size_t)n);
		else
			ws_input(ws, buf, (size_t)n);
	}
}

void ws_sock_event(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	struct tapir_ws *ws = user;

	(void)sock;
	(void)error;
	if ((events & TAPIR_TCP_CONNECTED) && ws->client)
		ws_client_connected(ws);
	if (events & TAPIR_TCP_WRITABLE)
		ws_flush(ws);
	if (events & (TAPIR_TCP_READABLE | TAPIR_TCP_WRITABLE))
		ws_read(ws);
	if ((events & TAPIR_TCP_CLOSED) && ws->sock)
		ws_finish(ws, WS_EV_TCP_CLOSED, false);
}

/* ---- looking at a connection ------------------------------------------------------------- */

enum tapir_ws_state tapir_ws_state(const struct tapir_ws *ws)
{
	return ws->state;
}

const char *tapir_ws_protocol(const struct tapir_ws *ws)
{
	return ws->protocol;
}

const char *tapir_ws_path(const struct tapir_ws *ws)
{
	return ws->path;
}

size_t tapir_ws_buffered(const struct tapir_ws *ws)
{
	return queued(ws);
}

void tapir_ws_endpoints(const struct tapir_ws *ws, struct tapir_tcp_conn_id *id)
{
	*id = ws->id;
}

void tapir_ws_set_data(struct tapir_ws *ws, void *data)
{
	ws->data = data;
}

void *tapir_ws_data(const struct tapir_ws *ws)
{
	return ws->data;
}

/*
 * fuzz_ws.c — libFuzzer harness for the WebSocket frame codec (RFC 6455
 * 5.2) and a connection reading frames (stack/ws/conn.c).
 *
 * The first byte picks who sent the rest (even: a client, odd: a server)
 * and where the stream is cut in two. Then:
 *  - every frame of the stream must parse or be refused with a named
 *    reason; a parsed header emitted again must parse to the same fields;
 *    text and close payloads are checked as UTF-8 whole and in two pieces,
 *    which must agree;
 *  - the same bytes, in the two pieces, go through a connection's
 *    ws_input() (no TCP under it): it must never crash, never leak, and
 *    end OPEN, CLOSING or CLOSED with every limit kept.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws/ws_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ws: %s\n", what);
		abort();
	}
}

static bool is_ws_reason(enum tapir_drop reason)
{
	return reason >= TAPIR_DROP_WS_TRUNCATED && reason <= TAPIR_DROP_WS_TOO_MANY;
}

/* UTF-8 checked whole and in two pieces cut at `cut` must agree. */
static void check_utf8(const uint8_t *p, size_t len, size_t cut)
{
	struct ws_utf8 u;
	bool whole = ws_utf8_valid(p, len);

	if (cut > len)
		cut = len;
	ws_utf8_init(&u);
	ws_utf8_feed(&u, p, cut);
	ws_utf8_feed(&u, p + cut, len - cut);
	expect(ws_utf8_complete(&u) == whole, "UTF-8 in pieces disagrees with whole");
}

static void check_close(const uint8_t *p, size_t len)
{
	uint16_t code;
	const uint8_t *reason;
	size_t rlen;
	uint8_t out[WS_CONTROL_MAX];
	int n;

	if (ws_close_parse(p, len, &code, &reason, &rlen) != TAPIR_DROP_NONE)
		return;
	expect(code == WS_CLOSE_NO_STATUS || ws_close_code_valid(code), "accepted a bad code");
	n = ws_close_emit(code, (const char *)reason, rlen, out, sizeof(out));
	expect(n == (int)len && memcmp(out, p, len) == 0, "close payload does not round-trip");
}

/* Walk the frames of the stream with the pure codec. */
static void walk_frames(const uint8_t *data, size_t size, enum ws_role from, size_t cut)
{
	static uint8_t payload[65536];

	while (size > 0) {
		struct ws_header h, again;
		uint8_t out[WS_HEADER_MAX];
		enum tapir_drop reason = ws_header_parse(data, size, from, &h);
		size_t n, len;

		if (reason != TAPIR_DROP_NONE) {
			expect(is_ws_reason(reason), "unexpected reason");
			return;
		}
		expect(h.header_len >= WS_HEADER_MIN && h.header_len <= WS_HEADER_MAX,
		       "header length");
		expect(!ws_opcode_is_control(h.opcode) || (h.fin && h.payload_len <= 125),
		       "accepted a bad control frame");
		n = ws_header_emit(&h, out, sizeof(out));
		expect(n > 0 && n <= h.header_len, "emit");
		expect(ws_header_parse(out, n, from, &again) == TAPIR_DROP_NONE, "re-parse");
		expect(again.fin == h.fin && again.opcode == h.opcode &&
		           again.payload_len == h.payload_len && again.masked == h.masked &&
		           memcmp(again.mask, h.mask, 4) == 0,
		       "fields differ after a round trip");
		data += h.header_len;
		size -= h.header_len;
		if (h.payload_len > size)
			return; /* the rest of the frame is not in the input */
		len = (size_t)h.payload_len;
		if (len <= sizeof(payload)) {
			memcpy(payload, data, len);
			if (h.masked)
				ws_mask(payload, len, h.mask, 0);
			if (h.opcode == WS_OP_TEXT || h.opcode == WS_OP_CONTINUATION)
				check_utf8(payload, len, cut);
			if (h.opcode == WS_OP_CLOSE)
				check_close(payload, len);
		}
		data += len;
		size -= len;
	}
}

/* The stack a connection needs for its drops and trace (no TCP use). */
static struct tapir_stack *fuzz_stack(void)
{
	static struct tapir_stack *stack;
	struct tapir_link *ours, *peer;
	struct tapir_stack_config cfg;

	if (stack)
		return stack;
	tapir_stack_config_default(&cfg);
	cfg.send_gratuitous_arp = false;
	cfg.seed = 1;
	expect(tapir_sim_pair(0, TAPIR_MTU_DEFAULT, &ours, &peer) == 0, "sim link");
	expect(tapir_stack_new(&cfg, ours, NULL, TAPIR_SECONDS(1), &stack) == 0, "stack");
	return stack;
}

static void on_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
                       const uint8_t *data, size_t len)
{
	(void)user;
	expect(type == TAPIR_WS_BINARY || ws_utf8_valid(data, len), "delivered text not UTF-8");
	expect(len <= ws->max_message, "delivered a message over the limit");
	tapir_ws_send(ws, type, data, len); /* queued: there is no TCP to take it */
}

static void feed_connection(const uint8_t *data, size_t size, bool client, size_t cut)
{
	static const struct tapir_ws_callbacks cb = {.on_message = on_message};
	struct tapir_ws *ws = calloc(1, sizeof(*ws));

	expect(ws != NULL, "calloc");
	ws_conn_init(ws, fuzz_stack(), client);
	ws->cb = cb;
	ws->max_message = 100000;
	snprintf(ws->path, sizeof(ws->path), "/fuzz");
	ws_set_state(ws, client ? WS_EV_ACCEPTED : WS_EV_UPGRADED);
	expect(ws->state == TAPIR_WS_OPEN, "open");
	if (cut > size)
		cut = size;
	ws_input(ws, data, cut);
	ws_input(ws, data + cut, size - cut);
	expect(ws->state != TAPIR_WS_CONNECTING, "back to CONNECTING");
	expect(ws->msg_len <= ws->max_message, "message buffer over the limit");
	expect(ws->out_len - ws->out_off <= TAPIR_WS_SEND_QUEUE_MAX + 4096, "queue over its limit");
	ws_conn_release(ws);
	free(ws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool client;
	size_t cut;

	if (size < 1)
		return 0;
	client = data[0] & 1; /* odd: we are the client, the input came from a server */
	cut = data[0] >> 1;
	data++;
	size--;
	walk_frames(data, size, client ? WS_FROM_SERVER : WS_FROM_CLIENT, cut);
	feed_connection(data, size, client, cut);
	return 0;
}

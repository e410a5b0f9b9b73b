/*
 * test_ws_conn.c — the WebSocket ready-state machine (RFC 6455 4, 5, 7) on
 * a tapir stack (tests/lib/harness.h), with the test as the TCP peer
 * 10.0.0.1 sending scripted bytes at virtual times: the opening handshake
 * through tapir's HTTP server, echoes with fragments and control frames in
 * between, closes begun by either side, the close timeout, violations
 * failing the connection, a chat broadcast between two peers, and tapir's
 * client checking a server's 101. Each test asserts the exact (from -> to,
 * cause) transitions the trace shows.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/harness.h"
#include "tapir/http.h"
#include "tapir/ws.h"
#include "wire/tcp.h"
#include "wire/ws.h"

#define PORT      80
#define PEER_A    40000
#define PEER_B    40001
#define PEER_ISS  5000u
#define STREAM    (2 * 1024 * 1024)
#define MAX_TRANS 64
#define RFC_KEY   "dGhlIHNhbXBsZSBub25jZQ=="

/* One TCP connection of the peer: what it sent, what it got. */
struct tpeer {
	uint16_t port;         /* ours (10.0.0.1) */
	uint16_t stack_port;   /* tapir's */
	uint32_t snd_nxt;      /* our next sequence number */
	uint32_t rcv_nxt;      /* the stack's next */
	uint8_t *in;           /* bytes the stack sent, in order */
	size_t in_len, in_off; /* in_off: consumed by the test */
	bool fin, rst;
};

struct fix {
	struct harness h;
	struct tapir_http_server *http;
	struct tapir_ws_server *srv;
	struct tpeer a, b;
	/* The ws trace: "FROM -> TO (cause)" of every state change. */
	char trans[MAX_TRANS][128];
	size_t ntrans;
	/* What the application callbacks saw. */
	struct tapir_ws *last_ws;
	unsigned opens, closes, messages;
	uint16_t close_code;
	char close_reason[128];
	bool close_clean;
};

static struct fix *F; /* the running test's fixture, for the callbacks */

static void record(void *user, const struct tapir_event *ev)
{
	struct fix *f = user;

	if (ev->kind != TAPIR_EV_WS || ev->u.ws.what != TAPIR_WS_TRACE_STATE ||
	    f->ntrans >= MAX_TRANS)
		return;
	snprintf(f->trans[f->ntrans++], sizeof(f->trans[0]), "%s -> %s (%s)", ev->u.ws.from,
	         ev->u.ws.to, ev->u.ws.cause);
}

static void dump(const struct fix *f)
{
	size_t from = f->h.nevents > 60 ? f->h.nevents - 60 : 0;

	for (size_t i = from; i < f->h.nevents; i++)
		fprintf(stderr, "  | %s\n", f->h.events[i]);
}

static void expect_transitions(const struct fix *f, const char *const *want)
{
	size_t k = 0;

	for (; want[k]; k++) {
		if (k >= f->ntrans) {
			dump(f);
			fail_msg("missing transition: %s", want[k]);
		}
		if (strcmp(f->trans[k], want[k]) != 0)
			dump(f);
		assert_string_equal(f->trans[k], want[k]);
	}
	if (k != f->ntrans)
		fail_msg("unexpected transition: %s", f->trans[k]);
}

/* ---- the peer's TCP ----------------------------------------------------------- */

static void seg_send(struct fix *f, struct tpeer *p, uint8_t flags, const void *data, size_t len)
{
	struct tcp_segment seg = {
	    .src_port = p->port,
	    .dst_port = p->stack_port,
	    .seq = p->snd_nxt,
	    .ack = p->rcv_nxt,
	    .flags = flags,
	    .window = 65535,
	    .payload = data,
	    .payload_len = len,
	};
	uint8_t out[TAPIR_FRAME_MAX];
	size_t n = tcp_emit(&seg, HARNESS_PEER_IP, HARNESS_STACK_IP, out, sizeof(out));

	assert_true(n > 0);
	p->snd_nxt += (uint32_t)len + ((flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) ? 1 : 0);
	harness_send_ip(&f->h, 6, out, n);
}

static struct tpeer *peer_for(struct fix *f, uint16_t port)
{
	if (port == f->a.port)
		return &f->a;
	if (port == f->b.port)
		return &f->b;
	return NULL;
}

/* Take every segment the stack sent, keep in-order data, ACK it. Repeats
 * until the stack is quiet (our ACKs may let it send more). */
static void pump(struct fix *f)
{
	uint8_t buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip;

	for (int round = 0; round < 10000; round++) {
		struct tpeer *acked[2] = {NULL, NULL};
		bool any = false;

		while (harness_recv_ip(&f->h, &ip, buf, sizeof(buf))) {
			struct tcp_segment seg;
			struct tpeer *p;

			if (ip.protocol != 6 ||
			    tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &seg) != 0)
				continue;
			p = peer_for(f, seg.dst_port);
			if (!p)
				continue;
			any = true;
			if (seg.flags & TCP_FLAG_RST) {
				p->rst = true;
				continue;
			}
			if (seg.flags & TCP_FLAG_SYN)
				p->rcv_nxt = seg.seq + 1;
			if (seg.seq == p->rcv_nxt && seg.payload_len > 0) {
				assert_true(p->in_len + seg.payload_len <= STREAM);
				memcpy(p->in + p->in_len, seg.payload, seg.payload_len);
				p->in_len += seg.payload_len;
				p->rcv_nxt += (uint32_t)seg.payload_len;
			}
			if ((seg.flags & TCP_FLAG_FIN) &&
			    seg.seq + (uint32_t)seg.payload_len == p->rcv_nxt && !p->fin) {
				p->fin = true;
				p->rcv_nxt++;
			}
			acked[p == &f->b] = p;
		}
		if (!any)
			return;
		for (int i = 0; i < 2; i++)
			if (acked[i] && !acked[i]->rst)
				seg_send(f, acked[i], TCP_FLAG_ACK, NULL, 0);
	}
	fail_msg("the stack never went quiet");
}

static void peer_init(struct tpeer *p, uint16_t port, uint16_t stack_port)
{
	memset(p, 0, sizeof(*p));
	p->port = port;
	p->stack_port = stack_port;
	p->snd_nxt = PEER_ISS;
	p->in = calloc(1, STREAM);
	assert_non_null(p->in);
}

static void peer_connect(struct fix *f, struct tpeer *p)
{
	struct tcp_segment seg = {.src_port = p->port,
	                          .dst_port = p->stack_port,
	                          .seq = p->snd_nxt,
	                          .flags = TCP_FLAG_SYN,
	                          .window = 65535};
	uint8_t out[128];
	size_t n;

	seg.opt.has_mss = true;
	seg.opt.mss = 1460;
	n = tcp_emit(&seg, HARNESS_PEER_IP, HARNESS_STACK_IP, out, sizeof(out));
	p->snd_nxt++;
	harness_send_ip(&f->h, 6, out, n);
	pump(f); /* SYN-ACK in, ACK out */
	assert_int_not_equal(p->rcv_nxt, 0);
}

/* Send bytes in segments of at most 1000 bytes, pumping the answers. */
static void peer_write(struct fix *f, struct tpeer *p, const void *data, size_t len)
{
	const uint8_t *d = data;

	do {
		size_t n = len > 1000 ? 1000 : len;

		seg_send(f, p, TCP_FLAG_ACK | TCP_FLAG_PSH, d, n);
		pump(f);
		d += n;
		len -= n;
	} while (len > 0);
}

static void peer_fin(struct fix *f, struct tpeer *p)
{
	seg_send(f, p, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	pump(f);
}

/* ---- frames ---------------------------------------------------------------------- */

/* Write a client frame (masked unless mask is false) into out. */
static size_t client_frame(uint8_t *out, uint8_t opcode, bool fin, bool mask, const void *data,
                           size_t len)
{
	struct ws_header h = {.fin = fin, .opcode = opcode, .masked = mask, .payload_len = len};
	size_t n;

	memcpy(h.mask, "\x11\x22\x33\x44", 4);
	n = ws_header_emit(&h, out, WS_HEADER_MAX);
	memcpy(out + n, data, len);
	if (mask)
		ws_mask(out + n, len, h.mask, 0);
	return n + len;
}

static void send_frame(struct fix *f, struct tpeer *p, uint8_t opcode, bool fin, const void *data,
                       size_t len)
{
	static uint8_t buf[70000];

	assert_true(len + WS_HEADER_MAX <= sizeof(buf));
	peer_write(f, p, buf, client_frame(buf, opcode, fin, true, data, len));
}

/* The next frame the stack sent to p (unmasked, as a server's must be). */
static bool next_frame(struct tpeer *p, uint8_t *opcode, const uint8_t **payload, size_t *len)
{
	struct ws_header h;
	enum tapir_drop d;

	if (p->in_off == p->in_len)
		return false;
	d = ws_header_parse(p->in + p->in_off, p->in_len - p->in_off, WS_FROM_SERVER, &h);
	assert_int_equal(d, TAPIR_DROP_NONE);
	assert_true(h.header_len + h.payload_len <= p->in_len - p->in_off);
	*opcode = h.opcode;
	*payload = p->in + p->in_off + h.header_len;
	*len = (size_t)h.payload_len;
	p->in_off += h.header_len + (size_t)h.payload_len;
	return true;
}

static void expect_frame(struct fix *f, struct tpeer *p, uint8_t opcode, const void *data,
                         size_t len)
{
	uint8_t op;
	const uint8_t *payload;
	size_t n;

	if (!next_frame(p, &op, &payload, &n)) {
		dump(f);
		fail_msg("expected a frame with opcode %u", opcode);
	}
	assert_int_equal(op, opcode);
	assert_int_equal(n, len);
	assert_memory_equal(payload, data, len);
}

static void expect_close(struct fix *f, struct tpeer *p, uint16_t code, const char *reason)
{
	uint8_t want[WS_CONTROL_MAX];
	int n = ws_close_emit(code, reason, strlen(reason), want, sizeof(want));

	assert_true(n >= 0);
	expect_frame(f, p, WS_OP_CLOSE, want, (size_t)n);
}

/* ---- the server under test ------------------------------------------------------ */

static void on_open(void *user, struct tapir_ws *ws)
{
	(void)user;
	F->opens++;
	F->last_ws = ws;
}

static void on_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
                       const uint8_t *data, size_t len)
{
	(void)user;
	F->messages++;
	tapir_ws_send(ws, type, data, len);
}

static void on_close(void *user, struct tapir_ws *ws, uint16_t code, const char *reason, bool clean)
{
	(void)user;
	(void)ws;
	F->closes++;
	F->close_code = code;
	F->close_clean = clean;
	snprintf(F->close_reason, sizeof(F->close_reason), "%s", reason);
}

static const struct tapir_ws_callbacks server_cb = {
    .on_open = on_open, .on_message = on_message, .on_close = on_close};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct tapir_http_server_config cfg;
	struct tapir_ws_route_config echo = {
	    .path = "/echo", .protocols = "chat, superchat", .max_message = 1000, .cb = &server_cb};

	assert_non_null(f);
	assert_int_equal(harness_setup(&f->h), 0);
	assert_int_equal(tapir_trace_attach(&f->h.trace, record, f), 0);
	tapir_http_server_config_default(&cfg);
	cfg.port = PORT;
	assert_int_equal(tapir_http_server_new(f->h.stack, &cfg, &f->http), 0);
	assert_int_equal(tapir_ws_server_new(f->h.stack, &f->srv), 0);
	assert_int_equal(tapir_ws_server_route(f->srv, &echo, NULL), 0);
	assert_int_equal(tapir_ws_route_chat(f->srv, "/chat"), 0);
	assert_int_equal(tapir_ws_server_attach(f->srv, f->http), 0);
	peer_init(&f->a, PEER_A, PORT);
	peer_init(&f->b, PEER_B, PORT);
	F = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	tapir_ws_server_free(f->srv);
	tapir_http_server_free(f->http);
	harness_teardown(&f->h);
	free(f->a.in);
	free(f->b.in);
	free(f);
	return 0;
}

/* The text the stack sent up to the end of the response head. */
static void read_head(struct tpeer *p, char *out, size_t cap)
{
	const char *end = memmem(p->in + p->in_off, p->in_len - p->in_off, "\r\n\r\n", 4);
	size_t n;

	assert_non_null(end);
	n = (size_t)(end + 4 - (const char *)(p->in + p->in_off));
	assert_true(n < cap);
	memcpy(out, p->in + p->in_off, n);
	out[n] = '\0';
	p->in_off += n;
}

/* Connect p and upgrade to path: the 101 must carry RFC 6455's accept. */
static void upgrade(struct fix *f, struct tpeer *p, const char *path, const char *extra)
{
	char req[512], head[2048];
	int n = snprintf(req, sizeof(req),
	                 "GET %s HTTP/1.1\r\nHost: 10.0.0.2\r\nUpgrade: websocket\r\n"
	                 "Connection: Upgrade\r\nSec-WebSocket-Key: " RFC_KEY "\r\n"
	                 "Sec-WebSocket-Version: 13\r\n%s\r\n",
	                 path, extra);

	peer_connect(f, p);
	peer_write(f, p, req, (size_t)n);
	read_head(p, head, sizeof(head));
	if (strncmp(head, "HTTP/1.1 101 ", 13) != 0)
		fail_msg("no 101: %s", head);
	assert_non_null(strstr(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
	assert_non_null(strstr(head, "Upgrade: websocket\r\n"));
}

#define OPENED "CONNECTING -> OPEN (rcv upgrade request / snd 101 Switching Protocols)"

/* ---- in CONNECTING ------------------------------------------------------------------ */

static void test_handshake_opens_with_rfc_accept_and_subprotocol(void **state)
{
	struct fix *f = *state;
	static const char *const want[] = {OPENED, NULL};

	upgrade(f, &f->a, "/echo", "Sec-WebSocket-Protocol: superchat, chat\r\n");
	assert_int_equal(f->opens, 1);
	assert_int_equal(tapir_ws_state(f->last_ws), TAPIR_WS_OPEN);
	/* Ours in our order of preference: "chat" before "superchat". */
	assert_string_equal(tapir_ws_protocol(f->last_ws), "chat");
	expect_transitions(f, want);
}

static void test_handshake_version_8_gets_426_and_no_connection(void **state)
{
	struct fix *f = *state;
	static const char req[] = "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
	                          "Connection: Upgrade\r\nSec-WebSocket-Key: " RFC_KEY "\r\n"
	                          "Sec-WebSocket-Version: 8\r\n\r\n";
	char head[2048];

	peer_connect(f, &f->a);
	peer_write(f, &f->a, req, sizeof(req) - 1);
	read_head(&f->a, head, sizeof(head));
	assert_int_equal(strncmp(head, "HTTP/1.1 426 ", 13), 0);
	assert_non_null(strstr(head, "Sec-WebSocket-Version: 13\r\n"));
	assert_int_equal(f->opens, 0);
	assert_int_equal(f->ntrans, 0);
	assert_int_equal(harness_drops(&f->h, TAPIR_DROP_WS_BAD_VERSION), 1);
}

static void test_frames_right_behind_the_request_are_read(void **state)
{
	struct fix *f = *state;
	uint8_t buf[1024];
	int n = snprintf((char *)buf, sizeof(buf),
	                 "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
	                 "Connection: Upgrade\r\nSec-WebSocket-Key: " RFC_KEY "\r\n"
	                 "Sec-WebSocket-Version: 13\r\n\r\n");
	size_t len = (size_t)n + client_frame(buf + n, WS_OP_TEXT, true, true, "early", 5);
	char head[2048];

	peer_connect(f, &f->a);
	peer_write(f, &f->a, buf, len); /* request and first frame in one segment */
	read_head(&f->a, head, sizeof(head));
	expect_frame(f, &f->a, WS_OP_TEXT, "early", 5);
}

/* ---- in OPEN ------------------------------------------------------------------------ */

static void test_fragments_with_ping_between_are_echoed_whole(void **state)
{
	struct fix *f = *state;

	upgrade(f, &f->a, "/echo", "");
	send_frame(f, &f->a, WS_OP_TEXT, false, "Hel", 3);
	send_frame(f, &f->a, WS_OP_PING, true, "ping!", 5);
	expect_frame(f, &f->a, WS_OP_PONG, "ping!", 5);
	send_frame(f, &f->a, WS_OP_CONTINUATION, false, "lo, \xe2\x82", 6);
	send_frame(f, &f->a, WS_OP_CONTINUATION, true, "\xac!", 2);
	expect_frame(f, &f->a, WS_OP_TEXT, "Hello, \xe2\x82\xac!", 11);
	send_frame(f, &f->a, WS_OP_BINARY, true, "\x00\xff", 2);
	expect_frame(f, &f->a, WS_OP_BINARY, "\x00\xff", 2);
	assert_int_equal(f->messages, 2);
}

static void test_message_over_the_route_limit_fails_with_1009(void **state)
{
	struct fix *f = *state;
	static uint8_t big[1001];
	static const char *const want[] = {
	    OPENED, "OPEN -> CLOSING (protocol violation / snd Close, close TCP)",
	    "CLOSING -> CLOSED (TCP closed)", NULL};

	upgrade(f, &f->a, "/echo", "");
	send_frame(f, &f->a, WS_OP_BINARY, false, big, 600);
	send_frame(f, &f->a, WS_OP_CONTINUATION, true, big, 401);
	expect_close(f, &f->a, 1009, "message over the size limit (1009)");
	assert_true(f->a.fin); /* then the server closes TCP */
	peer_fin(f, &f->a);
	expect_transitions(f, want);
	assert_int_equal(f->close_code, 1006);
	assert_false(f->close_clean);
	assert_int_equal(harness_drops(&f->h, TAPIR_DROP_WS_TOO_BIG), 1);
}

static void test_unmasked_frame_fails_with_1002_and_input_is_ignored(void **state)
{
	struct fix *f = *state;
	uint8_t buf[64];
	size_t n = client_frame(buf, WS_OP_TEXT, true, false, "naked", 5);

	upgrade(f, &f->a, "/echo", "");
	peer_write(f, &f->a, buf, n);
	expect_close(f, &f->a, 1002, "client frame not masked (1002)");
	send_frame(f, &f->a, WS_OP_TEXT, true, "ignored", 7); /* after the failure */
	assert_int_equal(f->messages, 0);
	assert_true(f->a.fin);
	assert_int_equal(harness_drops(&f->h, TAPIR_DROP_WS_UNMASKED), 1);
}

static void test_invalid_utf8_in_second_fragment_fails_with_1007(void **state)
{
	struct fix *f = *state;

	upgrade(f, &f->a, "/echo", "");
	send_frame(f, &f->a, WS_OP_TEXT, false, "ok \xf0\x9f", 5);
	assert_false(f->a.fin);
	send_frame(f, &f->a, WS_OP_CONTINUATION, true, "\x28", 1); /* not a continuation byte */
	expect_close(f, &f->a, 1007, "text is not valid UTF-8 (1007)");
	assert_true(f->a.fin);
}

static void test_peer_fin_without_close_is_1006(void **state)
{
	struct fix *f = *state;
	static const char *const want[] = {
	    OPENED, "OPEN -> CLOSED (TCP closed without Close (1006))", NULL};

	upgrade(f, &f->a, "/echo", "");
	peer_fin(f, &f->a);
	expect_transitions(f, want);
	assert_int_equal(f->closes, 1);
	assert_int_equal(f->close_code, 1006);
	assert_false(f->close_clean);
}

/* ---- closing ------------------------------------------------------------------------ */

static void test_client_close_is_echoed_then_server_closes_tcp(void **state)
{
	struct fix *f = *state;
	uint8_t payload[32];
	int n = ws_close_emit(1000, "bye", 3, payload, sizeof(payload));
	static const char *const want[] = {OPENED, "OPEN -> CLOSING (rcv Close / snd Close)",
	                                   "CLOSING -> CLOSED (TCP closed)", NULL};

	upgrade(f, &f->a, "/echo", "");
	harness_advance(&f->h, TAPIR_MS(100));
	send_frame(f, &f->a, WS_OP_CLOSE, true, payload, (size_t)n);
	expect_close(f, &f->a, 1000, "bye");
	assert_true(f->a.fin); /* 7.1.1: the server closes TCP first */
	assert_int_equal(f->closes, 0);
	peer_fin(f, &f->a);
	expect_transitions(f, want);
	assert_int_equal(f->closes, 1);
	assert_int_equal(f->close_code, 1000);
	assert_string_equal(f->close_reason, "bye");
	assert_true(f->close_clean);
}

static void test_server_close_answered_by_client(void **state)
{
	struct fix *f = *state;
	uint8_t payload[32];
	int n = ws_close_emit(1000, "", 0, payload, sizeof(payload));
	static const char *const want[] = {OPENED, "OPEN -> CLOSING (app close / snd Close)",
	                                   "CLOSING -> CLOSED (TCP closed)", NULL};

	upgrade(f, &f->a, "/echo", "");
	assert_int_equal(tapir_ws_close(f->last_ws, 4000, "class dismissed"), 0);
	assert_int_equal(tapir_ws_close(f->last_ws, 1000, NULL), -ENOTCONN);
	assert_int_equal(tapir_ws_send_text(f->last_ws, "x", 1), -ENOTCONN);
	pump(f);
	expect_close(f, &f->a, 4000, "class dismissed");
	assert_false(f->a.fin); /* waits for the client's close */
	send_frame(f, &f->a, WS_OP_CLOSE, true, payload, (size_t)n);
	assert_true(f->a.fin);
	peer_fin(f, &f->a);
	expect_transitions(f, want);
	assert_true(f->close_clean);
	assert_int_equal(f->close_code, 1000);
}

static void test_close_timeout_when_client_never_answers(void **state)
{
	struct fix *f = *state;
	static const char *const want[] = {OPENED, "OPEN -> CLOSING (app close / snd Close)",
	                                   "CLOSING -> CLOSED (close timeout / close TCP)", NULL};

	upgrade(f, &f->a, "/echo", "");
	assert_int_equal(tapir_ws_close(f->last_ws, 1001, "going away"), 0);
	pump(f);
	expect_close(f, &f->a, 1001, "going away");
	harness_advance(&f->h, TAPIR_MS(TAPIR_WS_CLOSE_TIMEOUT_MS) - 1);
	pump(f);
	assert_int_equal(f->ntrans, 2);
	harness_advance(&f->h, 2);
	pump(f);
	expect_transitions(f, want);
	assert_true(f->a.fin || f->a.rst);
	assert_int_equal(harness_drops(&f->h, TAPIR_DROP_WS_CLOSE_TIMEOUT), 1);
	assert_int_equal(f->close_code, 1006);
}

static void test_invalid_close_code_fails_with_1002(void **state)
{
	struct fix *f = *state;
	static const uint16_t bad[] = {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000};

	free(f->a.in); /* each round below has its own peer */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t payload[2] = {(uint8_t)(bad[i] >> 8), (uint8_t)bad[i]};
		struct tpeer *p = &f->a;

		peer_init(p, (uint16_t)(41000 + i), PORT);
		upgrade(f, p, "/echo", "");
		send_frame(f, p, WS_OP_CLOSE, true, payload, 2);
		expect_close(f, p, 1002, "close code not allowed (1002)");
		assert_true(p->fin);
		peer_fin(f, p);
		free(p->in);
		p->in = NULL;
	}
	assert_int_equal(harness_drops(&f->h, TAPIR_DROP_WS_BAD_CLOSE_CODE), 9);
	f->a.in = calloc(1, STREAM); /* for teardown */
}

/* ---- chat ----------------------------------------------------------------------------- */

static void test_chat_broadcasts_to_both_peers(void **state)
{
	struct fix *f = *state;

	upgrade(f, &f->a, "/chat", "Sec-WebSocket-Protocol: chat\r\n");
	upgrade(f, &f->b, "/chat", "Sec-WebSocket-Protocol: chat\r\n");
	send_frame(f, &f->a, WS_OP_TEXT, true, "hi all", 6);
	pump(f);
	expect_frame(f, &f->a, WS_OP_TEXT, "hi all", 6);
	expect_frame(f, &f->b, WS_OP_TEXT, "hi all", 6);
	peer_fin(f, &f->a); /* A leaves: B alone gets the next one */
	send_frame(f, &f->b, WS_OP_BINARY, true, "\x01", 1);
	pump(f);
	expect_frame(f, &f->b, WS_OP_BINARY, "\x01", 1);
}

/* ---- tapir's client ------------------------------------------------------------------- */

struct client_seen {
	unsigned opens, closes;
	uint16_t code;
	char text[64];
};

static void client_open(void *user, struct tapir_ws *ws)
{
	struct client_seen *s = user;

	s->opens++;
	tapir_ws_send_text(ws, "masked?", 7);
}

static void client_message(void *user, struct tapir_ws *ws, enum tapir_ws_type type,
                           const uint8_t *data, size_t len)
{
	struct client_seen *s = user;

	(void)ws;
	(void)type;
	snprintf(s->text, sizeof(s->text), "%.*s", (int)len, (const char *)data);
}

static void client_close(void *user, struct tapir_ws *ws, uint16_t code, const char *reason,
                         bool clean)
{
	struct client_seen *s = user;

	(void)ws;
	(void)reason;
	(void)clean;
	s->closes++;
	s->code = code;
}

static const struct tapir_ws_callbacks client_cb = {
    .on_open = client_open, .on_message = client_message, .on_close = client_close};

/* The peer plays the server at 10.0.0.1:8080: accept the SYN, read the
 * request and answer it with `accept` (NULL: the right one). */
static struct tapir_ws *client_handshake(struct fix *f, struct client_seen *seen,
                                         const char *accept)
{
	struct tapir_ws_client_config cfg = {
	    .ip = HARNESS_PEER_IP, .port = 8080, .host = "10.0.0.1:8080", .path = "/chat"};
	struct tapir_ws *ws;
	uint8_t buf[TAPIR_FRAME_MAX];
	struct ipv4_header ip;
	struct tcp_segment seg;
	char head[2048], right[TAPIR_WS_ACCEPT_LEN], resp[512];
	const char *key;
	int n;

	assert_int_equal(tapir_ws_connect(f->h.stack, &cfg, &client_cb, seen, &ws), 0);
	assert_true(harness_recv_ip(&f->h, &ip, buf, sizeof(buf)));
	assert_int_equal(tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &seg), 0);
	assert_int_equal(seg.flags, TCP_FLAG_SYN);
	peer_init(&f->a, 8080, seg.src_port);
	f->a.rcv_nxt = seg.seq + 1;
	seg_send(f, &f->a, TCP_FLAG_SYN | TCP_FLAG_ACK, NULL, 0);
	pump(f); /* the ACK and the request */
	read_head(&f->a, head, sizeof(head));
	assert_non_null(strstr(head, "GET /chat HTTP/1.1\r\n"));
	assert_non_null(strstr(head, "Sec-WebSocket-Version: 13\r\n"));
	key = strstr(head, "Sec-WebSocket-Key: ");
	assert_non_null(key);
	key += strlen("Sec-WebSocket-Key: ");
	char keybuf[25];
	memcpy(keybuf, key, 24);
	keybuf[24] = '\0';
	assert_int_equal(tapir_ws_accept_key(keybuf, right), 0);
	n = snprintf(resp, sizeof(resp),
	             "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	             "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
	             accept ? accept : right);
	peer_write(f, &f->a, resp, (size_t)n);
	return ws;
}

static void test_client_checks_accept_and_masks_frames(void **state)
{
	struct fix *f = *state;
	struct client_seen seen = {0};
	struct tapir_ws *ws;
	struct ws_header h;
	uint8_t reply[16] = {0x81, 0x02, 'o', 'k'}; /* unmasked, as from a server */
	static const char *const want[] = {
	    "CONNECTING -> OPEN (rcv 101, Sec-WebSocket-Accept matches)", NULL};

	free(f->a.in);
	ws = client_handshake(f, &seen, NULL);
	assert_int_equal(seen.opens, 1);
	/* The client's first frame: masked (5.3), and unmasks to the text. */
	assert_int_equal(
	    ws_header_parse(f->a.in + f->a.in_off, f->a.in_len - f->a.in_off, WS_FROM_CLIENT, &h),
	    TAPIR_DROP_NONE);
	assert_true(h.masked);
	ws_mask(f->a.in + f->a.in_off + h.header_len, 7, h.mask, 0);
	assert_memory_equal(f->a.in + f->a.in_off + h.header_len, "masked?", 7);
	peer_write(f, &f->a, reply, 4);
	assert_string_equal(seen.text, "ok");
	expect_transitions(f, want);
	tapir_ws_free(ws);
}

static void test_client_refuses_wrong_accept(void **state)
{
	struct fix *f = *state;
	struct client_seen seen = {0};
	struct tapir_ws *ws;
	static const char *const want[] = {"CONNECTING -> CLOSED (handshake failed / close TCP)",
	                                   NULL};

	free(f->a.in);
	ws = client_handshake(f, &seen, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_int_equal(seen.opens, 0);
	assert_int_equal(seen.closes, 1);
	assert_int_equal(seen.code, 1006);
	assert_int_equal(tapir_ws_state(ws), TAPIR_WS_CLOSED);
	assert_int_equal(harness_drops(&f->h, TAPIR_DROP_WS_BAD_ACCEPT), 1);
	expect_transitions(f, want);
	tapir_ws_free(ws);
}

static void test_client_handshake_timeout(void **state)
{
	struct fix *f = *state;
	struct client_seen seen = {0};
	struct tapir_ws_client_config cfg = {
	    .ip = HARNESS_PEER_IP, .port = 8080, .host = "10.0.0.1", .path = "/"};
	struct tapir_ws *ws;
	static const char *const want[] = {"CONNECTING -> CLOSED (handshake timeout / close TCP)",
	                                   NULL};

	assert_int_equal(tapir_ws_connect(f->h.stack, &cfg, &client_cb, &seen, &ws), 0);
	harness_advance(&f->h, TAPIR_MS(TAPIR_WS_HANDSHAKE_TIMEOUT_MS) + 1);
	expect_transitions(f, want);
	assert_int_equal(seen.closes, 1);
	tapir_ws_free(ws);
}

/* The next frame tapir's client sent: masked, unmasked here for reading. */
static void expect_client_frame(struct fix *f, uint8_t opcode, const void *data, size_t len)
{
	struct ws_header h;
	uint8_t *payload;

	assert_int_equal(
	    ws_header_parse(f->a.in + f->a.in_off, f->a.in_len - f->a.in_off, WS_FROM_CLIENT, &h),
	    TAPIR_DROP_NONE);
	assert_int_equal(h.opcode, opcode);
	assert_int_equal(h.payload_len, len);
	payload = f->a.in + f->a.in_off + h.header_len;
	ws_mask(payload, len, h.mask, 0);
	assert_memory_equal(payload, data, len);
	f->a.in_off += h.header_len + len;
}

static void test_client_answers_server_close_and_waits_for_its_fin(void **state)
{
	struct fix *f = *state;
	struct client_seen seen = {0};
	struct tapir_ws *ws;
	static const uint8_t close_frame[] = {0x88, 0x05, 0x03, 0xe8, 's', 'r', 'v'};
	static const char *const want[] = {
	    "CONNECTING -> OPEN (rcv 101, Sec-WebSocket-Accept matches)",
	    "OPEN -> CLOSING (rcv Close / snd Close)", "CLOSING -> CLOSED (TCP closed)", NULL};

	free(f->a.in);
	ws = client_handshake(f, &seen, NULL);
	expect_client_frame(f, WS_OP_TEXT, "masked?", 7);
	peer_write(f, &f->a, close_frame, sizeof(close_frame));
	expect_client_frame(f, WS_OP_CLOSE, "\x03\xe8srv", 5);
	assert_false(f->a.fin); /* 7.1.1: the client waits for the server to close TCP */
	assert_int_equal(seen.closes, 0);
	peer_fin(f, &f->a);
	assert_int_equal(seen.closes, 1);
	assert_int_equal(seen.code, 1000);
	expect_transitions(f, want);
	tapir_ws_free(ws);
}

static void test_client_close_times_out_without_server_fin(void **state)
{
	struct fix *f = *state;
	struct client_seen seen = {0};
	struct tapir_ws *ws;
	static const uint8_t reply[] = {0x88, 0x02, 0x03, 0xe8};
	static const char *const want[] = {
	    "CONNECTING -> OPEN (rcv 101, Sec-WebSocket-Accept matches)",
	    "OPEN -> CLOSING (app close / snd Close)",
	    "CLOSING -> CLOSED (close timeout / close TCP)", NULL};

	free(f->a.in);
	ws = client_handshake(f, &seen, NULL);
	expect_client_frame(f, WS_OP_TEXT, "masked?", 7);
	assert_int_equal(tapir_ws_close(ws, 1000, NULL), 0);
	pump(f);
	expect_client_frame(f, WS_OP_CLOSE, "\x03\xe8", 2);
	peer_write(f, &f->a, reply, sizeof(reply)); /* the close reply, but no FIN */
	assert_int_equal(seen.closes, 0);
	harness_advance(&f->h, TAPIR_MS(TAPIR_WS_CLOSE_TIMEOUT_MS) + 1);
	pump(f);
	expect_transitions(f, want);
	assert_int_equal(seen.closes, 1);
	assert_int_equal(seen.code, 1000); /* the server's close did come */
	tapir_ws_free(ws);
}

static unsigned pongs;

static void count_pong(void *user, struct tapir_ws *ws, const uint8_t *data, size_t len)
{
	(void)user;
	(void)ws;
	if (len == 4 && memcmp(data, "beat", 4) == 0)
		pongs++;
}

static void test_ping_from_the_server_and_its_pong(void **state)
{
	struct fix *f = *state;
	static const struct tapir_ws_callbacks cb = {.on_open = on_open, .on_pong = count_pong};
	struct tapir_ws_route_config cfg = {.path = "/beat", .cb = &cb};
	struct tapir_ws_route *route;

	pongs = 0;
	assert_int_equal(tapir_ws_server_route(f->srv, &cfg, &route), 0);
	assert_int_equal(tapir_http_server_route(f->http, "/beat", tapir_ws_http_handler, route),
	                 0);
	upgrade(f, &f->a, "/beat", "");
	assert_ptr_equal(tapir_ws_route_of(f->last_ws), route);
	assert_int_equal(tapir_ws_ping(f->last_ws, "beat", 4), 0);
	assert_int_equal(tapir_ws_ping(f->last_ws, NULL, 126), -EINVAL);
	pump(f);
	expect_frame(f, &f->a, WS_OP_PING, "beat", 4);
	send_frame(f, &f->a, WS_OP_PONG, true, "beat", 4);
	assert_int_equal(pongs, 1);
}

static void test_fsm_table_covers_every_state(void **state)
{
	size_t n;
	const struct tapir_ws_transition *t = tapir_ws_fsm_table(&n);
	bool from[4] = {false};

	(void)state;
	assert_true(n >= 10);
	for (size_t i = 0; i < n; i++) {
		for (int s = 0; s < 4; s++)
			if (strcmp(t[i].from, tapir_ws_state_name((enum tapir_ws_state)s)) == 0)
				from[s] = true;
		assert_non_null(t[i].label);
	}
	assert_true(from[TAPIR_WS_CONNECTING] && from[TAPIR_WS_OPEN] && from[TAPIR_WS_CLOSING]);
	assert_false(from[TAPIR_WS_CLOSED]); /* CLOSED is final */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_handshake_opens_with_rfc_accept_and_subprotocol,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_handshake_version_8_gets_426_and_no_connection,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_frames_right_behind_the_request_are_read, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_fragments_with_ping_between_are_echoed_whole,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_message_over_the_route_limit_fails_with_1009,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unmasked_frame_fails_with_1002_and_input_is_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_invalid_utf8_in_second_fragment_fails_with_1007,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_peer_fin_without_close_is_1006, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_close_is_echoed_then_server_closes_tcp,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_server_close_answered_by_client, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_timeout_when_client_never_answers, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_invalid_close_code_fails_with_1002, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_chat_broadcasts_to_both_peers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_checks_accept_and_masks_frames, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_client_refuses_wrong_accept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_handshake_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_answers_server_close_and_waits_for_its_fin,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_close_times_out_without_server_fin, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_ping_from_the_server_and_its_pong, setup,
	                                    teardown),
	    cmocka_unit_test(test_fsm_table_covers_every_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_ws_handshake.c — the WebSocket opening handshake (RFC 6455 4):
 * Sec-WebSocket-Accept for RFC 6455's own example key, keys that are not
 * 16 bytes of base64, the server's checks of an upgrade request (parsed by
 * tapir's HTTP parser) with the status each refusal gets, subprotocol
 * choice, the client's checks of a 101, and ws:// URIs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tapir/http.h"
#include "tapir/ws.h"
#include "ws/ws_internal.h"

#define RFC_KEY    "dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

static struct tapir_http_parser parser;

/* Parse a request or response head with tapir's HTTP parser. */
static const struct tapir_http_message *parse(enum tapir_http_parse_mode mode, const char *text)
{
	size_t used = 0;
	struct tapir_http_piece piece;
	enum tapir_http_event ev;

	tapir_http_parser_init(&parser, mode, 0);
	ev = tapir_http_parse(&parser, (const uint8_t *)text, strlen(text), &used, &piece);
	assert_int_equal(ev, TAPIR_HTTP_EV_HEAD);
	return &parser.msg;
}

static struct ws_handshake check(const char *request, const char *protocols)
{
	struct ws_handshake hs;

	ws_handshake_check(parse(TAPIR_HTTP_PARSE_REQUEST, request), protocols, &hs);
	return hs;
}

#define GOOD_HEAD                                                                                  \
	"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"                 \
	"Connection: Upgrade\r\nSec-WebSocket-Key: " RFC_KEY "\r\n"

static void test_accept_of_the_rfc_example_key(void **state)
{
	char accept[TAPIR_WS_ACCEPT_LEN];

	(void)state;
	assert_int_equal(tapir_ws_accept_key(RFC_KEY, accept), 0);
	assert_string_equal(accept, RFC_ACCEPT);
}

static void test_accept_refuses_keys_that_are_not_16_bytes(void **state)
{
	static const char *const bad[] = {
	    NULL,
	    "",
	    "dGhlIHNhbXBsZSBub25jZQ",    /* no padding */
	    "dGhlIHNhbXBsZSBub25jZQ=",   /* one '=' */
	    "dGhlIHNhbXBsZSBub25jZWU=",  /* 17 bytes */
	    "dGhlIHNhbXBsZSBub25j",      /* 15 bytes */
	    "dGhlIHNhbXBsZSBub25jZQ== ", /* trailing space */
	    "dGhlIHNhbXBsZSBub25j*Q==",  /* not base64 */
	};
	char accept[TAPIR_WS_ACCEPT_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tapir_ws_accept_key(bad[i], accept), -EINVAL);
}

static void test_key_made_by_the_client_is_valid(void **state)
{
	char key[25], again[25], accept[TAPIR_WS_ACCEPT_LEN];

	(void)state;
	assert_int_equal(ws_make_key(key), 0);
	assert_int_equal(ws_make_key(again), 0);
	assert_int_equal(strlen(key), 24);
	assert_string_not_equal(key, again); /* random, not a counter */
	assert_int_equal(tapir_ws_accept_key(key, accept), 0);
}

static void test_rfc_request_is_accepted(void **state)
{
	struct ws_handshake hs = check(GOOD_HEAD "Sec-WebSocket-Version: 13\r\n\r\n", NULL);

	(void)state;
	assert_int_equal(hs.status, 101);
	assert_string_equal(hs.accept, RFC_ACCEPT);
	assert_string_equal(hs.protocol, "");
}

static void test_connection_token_list_in_any_case(void **state)
{
	struct ws_handshake hs =
	    check("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\n"
	          "Connection: keep-alive, UPGRADE\r\nSec-WebSocket-Key: " RFC_KEY "\r\n"
	          "Sec-WebSocket-Version: 13\r\n\r\n",
	          NULL);

	(void)state;
	assert_int_equal(hs.status, 101);
}

static void test_refusals_and_their_status(void **state)
{
	static const struct {
		const char *request;
		unsigned status;
		enum tapir_drop drop;
	} cases[] = {
	    {"POST /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	     "Sec-WebSocket-Key: " RFC_KEY
	     "\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n",
	     405, TAPIR_DROP_WS_BAD_HANDSHAKE},
	    {"GET /chat HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	     "Sec-WebSocket-Key: " RFC_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n",
	     400, TAPIR_DROP_WS_BAD_HANDSHAKE},
	    {"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
	     "Sec-WebSocket-Key: " RFC_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n",
	     426, TAPIR_DROP_WS_BAD_HANDSHAKE},
	    {"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n"
	     "Sec-WebSocket-Key: " RFC_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n",
	     400, TAPIR_DROP_WS_BAD_HANDSHAKE},
	    {GOOD_HEAD "Sec-WebSocket-Version: 8\r\n\r\n", 426, TAPIR_DROP_WS_BAD_VERSION},
	    {GOOD_HEAD "\r\n", 426, TAPIR_DROP_WS_BAD_VERSION},
	    {"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	     "Sec-WebSocket-Version: 13\r\n\r\n",
	     400, TAPIR_DROP_WS_BAD_HANDSHAKE},
	    {"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	     "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n",
	     400, TAPIR_DROP_WS_BAD_HANDSHAKE},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ws_handshake hs = check(cases[i].request, NULL);

		if (hs.status != cases[i].status)
			fail_msg("case %zu: status %u, want %u", i, hs.status, cases[i].status);
		assert_int_equal(hs.drop, cases[i].drop);
		assert_non_null(hs.reason);
	}
}

static void test_subprotocol_is_our_first_one_the_client_offers(void **state)
{
	struct ws_handshake hs;

	(void)state;
	hs = check(GOOD_HEAD "Sec-WebSocket-Version: 13\r\n"
	                     "Sec-WebSocket-Protocol: superchat, chat\r\n\r\n",
	           "chat, superchat");
	assert_string_equal(hs.protocol, "chat");
	/* Offered over two header lines. */
	hs = check(GOOD_HEAD "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v1\r\n"
	                     "Sec-WebSocket-Protocol: v2\r\n\r\n",
	           "v2");
	assert_string_equal(hs.protocol, "v2");
	/* None in common: no subprotocol, the handshake still succeeds. */
	hs = check(GOOD_HEAD "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n",
	           "chat");
	assert_int_equal(hs.status, 101);
	assert_string_equal(hs.protocol, "");
	assert_true(ws_list_has(" a ,b,\tc ", "c"));
	assert_false(ws_list_has("chat", "Chat"));
}

static void test_client_checks_the_101(void **state)
{
	struct tapir_ws ws;
	const char *why;

	(void)state;
	memset(&ws, 0, sizeof(ws));
	snprintf(ws.accept, sizeof(ws.accept), "%s", RFC_ACCEPT);
	snprintf(ws.protocols, sizeof(ws.protocols), "chat");
	assert_int_equal(ws_handshake_response(
	                     &ws,
	                     parse(TAPIR_HTTP_PARSE_RESPONSE,
	                           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	                           "Connection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT "\r\n"
	                           "Sec-WebSocket-Protocol: chat\r\n\r\n"),
	                     &why),
	                 TAPIR_DROP_NONE);
	assert_string_equal(ws.protocol, "chat");
	assert_int_equal(
	    ws_handshake_response(&ws,
	                          parse(TAPIR_HTTP_PARSE_RESPONSE,
	                                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	                                "Connection: Upgrade\r\nSec-WebSocket-Accept: x" RFC_ACCEPT
	                                "\r\n\r\n"),
	                          &why),
	    TAPIR_DROP_WS_BAD_ACCEPT);
	assert_int_equal(
	    ws_handshake_response(
	        &ws,
	        parse(TAPIR_HTTP_PARSE_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
	        &why),
	    TAPIR_DROP_WS_BAD_HANDSHAKE);
	assert_int_equal(ws_handshake_response(
	                     &ws,
	                     parse(TAPIR_HTTP_PARSE_RESPONSE,
	                           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	                           "Connection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT "\r\n"
	                           "Sec-WebSocket-Protocol: mqtt\r\n\r\n"),
	                     &why),
	                 TAPIR_DROP_WS_BAD_HANDSHAKE);
}

static void test_urls(void **state)
{
	struct tapir_ws_url u;

	(void)state;
	assert_int_equal(tapir_ws_url_parse("ws://10.0.0.1:8080/ws/echo?x=1", &u), 0);
	assert_string_equal(u.host, "10.0.0.1");
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.path, "/ws/echo?x=1");
	assert_int_equal(tapir_ws_url_parse("WS://lab.example", &u), 0);
	assert_string_equal(u.host, "lab.example");
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/");
	assert_int_equal(tapir_ws_url_parse("ws://h?q", &u), 0);
	assert_string_equal(u.path, "/?q");
	assert_int_equal(tapir_ws_url_parse("wss://h/", &u), -EPROTONOSUPPORT);
	assert_int_equal(tapir_ws_url_parse("http://h/", &u), -EINVAL);
	assert_int_equal(tapir_ws_url_parse("ws://h/#frag", &u), -EINVAL);
	assert_int_equal(tapir_ws_url_parse("ws://:80/", &u), -EINVAL);
	assert_int_equal(tapir_ws_url_parse("ws://h:0/", &u), -EINVAL);
	assert_int_equal(tapir_ws_url_parse("ws://h:65536/", &u), -EINVAL);
	assert_int_equal(tapir_ws_url_parse("ws://h:8x/", &u), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accept_of_the_rfc_example_key),
	    cmocka_unit_test(test_accept_refuses_keys_that_are_not_16_bytes),
	    cmocka_unit_test(test_key_made_by_the_client_is_valid),
	    cmocka_unit_test(test_rfc_request_is_accepted),
	    cmocka_unit_test(test_connection_token_list_in_any_case),
	    cmocka_unit_test(test_refusals_and_their_status),
	    cmocka_unit_test(test_subprotocol_is_our_first_one_the_client_offers),
	    cmocka_unit_test(test_client_checks_the_101),
	    cmocka_unit_test(test_urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

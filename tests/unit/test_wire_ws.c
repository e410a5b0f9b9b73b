/*
 * test_wire_ws.c — the WebSocket frame codec (RFC 6455 5.2, 5.3, 5.5),
 * UTF-8 checking (RFC 3629 4) and close frames (5.5.1, 7.4): the examples of
 * RFC 6455 5.7 byte for byte, the three length forms at their edges, every
 * refusal reason, masking piece by piece, UTF-8 split at every position.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/ws.h"

static struct ws_header parse_ok(const uint8_t *data, size_t len, enum ws_role from)
{
	struct ws_header h;

	assert_int_equal(ws_header_parse(data, len, from, &h), TAPIR_DROP_NONE);
	return h;
}

/* ---- RFC 6455 5.7, the examples ---------------------------------------------- */

static void test_rfc_single_frame_unmasked_hello(void **state)
{
	static const uint8_t frame[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
	struct ws_header h = parse_ok(frame, sizeof(frame), WS_FROM_SERVER);
	uint8_t out[WS_HEADER_MAX];

	(void)state;
	assert_true(h.fin);
	assert_int_equal(h.opcode, WS_OP_TEXT);
	assert_false(h.masked);
	assert_int_equal(h.payload_len, 5);
	assert_int_equal(h.header_len, 2);
	assert_memory_equal(frame + 2, "Hello", 5);
	assert_int_equal(ws_header_emit(&h, out, sizeof(out)), 2);
	assert_memory_equal(out, frame, 2);
}

static void test_rfc_single_frame_masked_hello(void **state)
{
	static const uint8_t frame[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
	                                0x7f, 0x9f, 0x4d, 0x51, 0x58};
	uint8_t payload[5];
	struct ws_header h = parse_ok(frame, sizeof(frame), WS_FROM_CLIENT);
	uint8_t out[WS_HEADER_MAX];

	(void)state;
	assert_true(h.masked);
	assert_int_equal(h.header_len, 6);
	assert_memory_equal(h.mask, "\x37\xfa\x21\x3d", 4);
	memcpy(payload, frame + 6, 5);
	ws_mask(payload, 5, h.mask, 0);
	assert_memory_equal(payload, "Hello", 5);
	assert_int_equal(ws_header_emit(&h, out, sizeof(out)), 6);
	assert_memory_equal(out, frame, 6);
}

static void test_rfc_fragmented_hello(void **state)
{
	static const uint8_t first[] = {0x01, 0x03, 0x48, 0x65, 0x6c};
	static const uint8_t last[] = {0x80, 0x02, 0x6c, 0x6f};
	struct ws_header a = parse_ok(first, sizeof(first), WS_FROM_SERVER);
	struct ws_header b = parse_ok(last, sizeof(last), WS_FROM_SERVER);

	(void)state;
	assert_false(a.fin);
	assert_int_equal(a.opcode, WS_OP_TEXT);
	assert_true(b.fin);
	assert_int_equal(b.opcode, WS_OP_CONTINUATION);
}

static void test_rfc_ping_and_pong(void **state)
{
	static const uint8_t ping[] = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
	static const uint8_t pong[] = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d,
	                               0x7f, 0x9f, 0x4d, 0x51, 0x58};

	(void)state;
	assert_int_equal(parse_ok(ping, sizeof(ping), WS_FROM_SERVER).opcode, WS_OP_PING);
	assert_int_equal(parse_ok(pong, sizeof(pong), WS_FROM_CLIENT).opcode, WS_OP_PONG);
	assert_true(ws_opcode_is_control(WS_OP_PING));
	assert_false(ws_opcode_is_control(WS_OP_BINARY));
}

static void test_rfc_256_bytes_and_64_kib_binary(void **state)
{
	static const uint8_t b256[] = {0x82, 0x7E, 0x01, 0x00};
	static const uint8_t b64k[] = {0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00};
	struct ws_header h;
	uint8_t out[WS_HEADER_MAX];

	(void)state;
	h = parse_ok(b256, sizeof(b256), WS_FROM_SERVER);
	assert_int_equal(h.payload_len, 256);
	assert_int_equal(h.header_len, 4);
	assert_int_equal(ws_header_emit(&h, out, sizeof(out)), 4);
	assert_memory_equal(out, b256, 4);
	h = parse_ok(b64k, sizeof(b64k), WS_FROM_SERVER);
	assert_int_equal(h.payload_len, 65536);
	assert_int_equal(h.header_len, 10);
	assert_int_equal(ws_header_emit(&h, out, sizeof(out)), 10);
	assert_memory_equal(out, b64k, 10);
}

/* ---- lengths ------------------------------------------------------------------------ */

static void test_length_forms_at_their_edges_round_trip(void **state)
{
	static const struct {
		uint64_t len;
		size_t header; /* unmasked */
	} cases[] = {{0, 2},         {125, 2},    {126, 4},       {127, 4},
	             {65535, 4},     {65536, 10}, {1u << 20, 10}, {UINT64_C(1) << 32, 10},
	             {INT64_MAX, 10}};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int masked = 0; masked <= 1; masked++) {
			struct ws_header h = {.fin = true,
			                      .opcode = WS_OP_BINARY,
			                      .masked = masked,
			                      .mask = {1, 2, 3, 4},
			                      .payload_len = cases[i].len};
			uint8_t out[WS_HEADER_MAX];
			size_t n = ws_header_emit(&h, out, sizeof(out));
			struct ws_header back;

			assert_int_equal(n, cases[i].header + (masked ? 4 : 0));
			assert_int_equal(ws_header_size(out, 2), n);
			assert_int_equal(ws_header_parse(out, n,
			                                 masked ? WS_FROM_CLIENT : WS_FROM_SERVER,
			                                 &back),
			                 TAPIR_DROP_NONE);
			assert_true(back.payload_len == cases[i].len);
			assert_int_equal(back.header_len, n);
			assert_int_equal(back.masked, masked);
		}
	}
}

static void test_header_split_anywhere_is_truncated_until_complete(void **state)
{
	struct ws_header h = {.fin = true,
	                      .opcode = WS_OP_TEXT,
	                      .masked = true,
	                      .payload_len = 70000,
	                      .mask = {9, 8, 7, 6}};
	uint8_t out[WS_HEADER_MAX];
	size_t n = ws_header_emit(&h, out, sizeof(out));
	struct ws_header back;

	(void)state;
	assert_int_equal(n, 14);
	assert_int_equal(ws_header_size(out, 1), 0);
	for (size_t len = 0; len < n; len++)
		assert_int_equal(ws_header_parse(out, len, WS_FROM_CLIENT, &back),
		                 TAPIR_DROP_WS_TRUNCATED);
	assert_int_equal(ws_header_parse(out, n, WS_FROM_CLIENT, &back), TAPIR_DROP_NONE);
}

static void test_emit_refuses_a_small_buffer(void **state)
{
	struct ws_header h = {.opcode = WS_OP_BINARY, .payload_len = 300, .masked = true};
	uint8_t out[WS_HEADER_MAX];

	(void)state;
	assert_int_equal(ws_header_emit(&h, out, 7), 0);
	assert_int_equal(ws_header_emit(&h, out, 8), 8);
}

/* ---- refusals: one test a violation class -------------------------------------------- */

static enum tapir_drop parse2(uint8_t b0, uint8_t b1, enum ws_role from)
{
	uint8_t frame[WS_HEADER_MAX] = {b0, b1};
	struct ws_header h;

	return ws_header_parse(frame, sizeof(frame), from, &h);
}

static void test_rsv_bits_refused_without_extension(void **state)
{
	(void)state;
	assert_int_equal(parse2(0x81 | 0x40, 0x80, WS_FROM_CLIENT), TAPIR_DROP_WS_RSV_SET);
	assert_int_equal(parse2(0x81 | 0x20, 0x80, WS_FROM_CLIENT), TAPIR_DROP_WS_RSV_SET);
	assert_int_equal(parse2(0x81 | 0x10, 0x80, WS_FROM_CLIENT), TAPIR_DROP_WS_RSV_SET);
	assert_int_equal(parse2(0x81 | 0x70, 0x00, WS_FROM_SERVER), TAPIR_DROP_WS_RSV_SET);
}

static void test_every_reserved_opcode_refused(void **state)
{
	(void)state;
	for (uint8_t op = 0; op < 16; op++) {
		bool known = op <= 2 || (op >= 8 && op <= 10);

		assert_int_equal(parse2((uint8_t)(0x80 | op), 0x80, WS_FROM_CLIENT),
		                 known ? TAPIR_DROP_NONE : TAPIR_DROP_WS_BAD_OPCODE);
		if (known)
			assert_string_not_equal(ws_opcode_name(op), "RESERVED");
		else
			assert_string_equal(ws_opcode_name(op), "RESERVED");
	}
	assert_string_equal(ws_opcode_name(WS_OP_PONG), "PONG");
}

static void test_control_frames_must_be_short_and_whole(void **state)
{
	(void)state;
	assert_int_equal(parse2(0x89, 0x80 | 125, WS_FROM_CLIENT), TAPIR_DROP_NONE);
	{
		/* A ping of 126 and a close of 200 bytes (16-bit length form). */
		static const uint8_t ping126[8] = {0x89, 0xFE, 0x00, 0x7E, 1, 2, 3, 4};
		static const uint8_t close200[8] = {0x88, 0xFE, 0x00, 0xC8, 1, 2, 3, 4};
		struct ws_header h;

		assert_int_equal(ws_header_parse(ping126, sizeof(ping126), WS_FROM_CLIENT, &h),
		                 TAPIR_DROP_WS_CONTROL_TOO_LONG);
		assert_int_equal(ws_header_parse(close200, sizeof(close200), WS_FROM_CLIENT, &h),
		                 TAPIR_DROP_WS_CONTROL_TOO_LONG);
	}
	assert_int_equal(parse2(0x09, 0x80, WS_FROM_CLIENT), TAPIR_DROP_WS_CONTROL_FRAGMENTED);
	assert_int_equal(parse2(0x08, 0x80, WS_FROM_CLIENT), TAPIR_DROP_WS_CONTROL_FRAGMENTED);
	assert_int_equal(parse2(0x0A, 0x80, WS_FROM_CLIENT), TAPIR_DROP_WS_CONTROL_FRAGMENTED);
	/* Data frames may be fragmented and long. */
	assert_int_equal(parse2(0x01, 0x80 | 126, WS_FROM_CLIENT), TAPIR_DROP_NONE);
}

static void test_masking_rules_by_sender(void **state)
{
	(void)state;
	assert_int_equal(parse2(0x81, 0x05, WS_FROM_CLIENT), TAPIR_DROP_WS_UNMASKED);
	assert_int_equal(parse2(0x81, 0x85, WS_FROM_SERVER), TAPIR_DROP_WS_MASKED);
	assert_int_equal(parse2(0x81, 0x85, WS_FROM_CLIENT), TAPIR_DROP_NONE);
	assert_int_equal(parse2(0x81, 0x05, WS_FROM_SERVER), TAPIR_DROP_NONE);
}

static void test_64_bit_length_with_top_bit_refused(void **state)
{
	static const uint8_t frame[] = {0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
	struct ws_header h;

	(void)state;
	assert_int_equal(ws_header_parse(frame, sizeof(frame), WS_FROM_CLIENT, &h),
	                 TAPIR_DROP_WS_BAD_LENGTH);
}

/* ---- masking ------------------------------------------------------------------------- */

static void test_mask_twice_is_identity_and_works_in_pieces(void **state)
{
	static const uint8_t key[4] = {0xde, 0xad, 0xbe, 0xef};
	uint8_t whole[37], pieces[37], orig[37];

	(void)state;
	for (size_t i = 0; i < sizeof(orig); i++)
		orig[i] = (uint8_t)(i * 7);
	memcpy(whole, orig, sizeof(orig));
	memcpy(pieces, orig, sizeof(orig));
	ws_mask(whole, sizeof(whole), key, 0);
	/* The same bytes masked 5, then 3, then the rest: offsets carry on. */
	ws_mask(pieces, 5, key, 0);
	ws_mask(pieces + 5, 3, key, 5);
	ws_mask(pieces + 8, sizeof(pieces) - 8, key, 8);
	assert_memory_equal(whole, pieces, sizeof(whole));
	ws_mask(whole, sizeof(whole), key, 0);
	assert_memory_equal(whole, orig, sizeof(orig));
}

/* ---- UTF-8 --------------------------------------------------------------------------- */

static bool valid(const char *s, size_t len)
{
	return ws_utf8_valid((const uint8_t *)s, len);
}

static void test_utf8_valid_text(void **state)
{
	static const char *const good[] = {
	    "",
	    "plain ASCII",
	    "caf\xc3\xa9",                                  /* é, 2 bytes */
	    "\xe2\x82\xac",                                 /* €, 3 bytes */
	    "\xed\x9f\xbf",                                 /* U+D7FF, just below the surrogates */
	    "\xee\x80\x80",                                 /* U+E000, just above them */
	    "\xf0\x9f\x98\x80",                             /* 😀, 4 bytes */
	    "\xf4\x8f\xbf\xbf",                             /* U+10FFFF, the last code point */
	    "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", /* κόσμε, Autobahn 6.2.1 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(valid(good[i], strlen(good[i])));
	assert_true(valid("a\0b", 3)); /* U+0000 is a character */
}

static void test_utf8_invalid_text(void **state)
{
	static const char *const bad[] = {
	    "\x80",             /* a continuation byte alone */
	    "\xbf",             /* another */
	    "\xc0\x80",         /* overlong NUL */
	    "\xc1\xbf",         /* overlong 2-byte */
	    "\xe0\x80\xaf",     /* overlong '/' in 3 bytes */
	    "\xe0\x9f\xbf",     /* overlong U+07FF */
	    "\xed\xa0\x80",     /* U+D800, a surrogate */
	    "\xed\xbf\xbf",     /* U+DFFF */
	    "\xf0\x80\x80\xaf", /* overlong in 4 bytes */
	    "\xf0\x8f\xbf\xbf", /* overlong U+FFFF */
	    "\xf4\x90\x80\x80", /* U+110000 */
	    "\xf5\x80\x80\x80", /* F5 never starts a character */
	    "\xfe",
	    "\xff",
	    "\xc3",         /* cut short */
	    "\xe2\x82",     /* cut short */
	    "\xf0\x9f\x98", /* cut short */
	    "\xc3\x28",     /* a lead byte followed by ASCII */
	    "\xe2\x28\xa1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (valid(bad[i], strlen(bad[i])))
			fail_msg("accepted invalid UTF-8 case %zu", i);
	}
}

static void test_utf8_split_at_every_position(void **state)
{
	static const char text[] = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf!";
	size_t len = sizeof(text) - 1;

	(void)state;
	for (size_t cut = 0; cut <= len; cut++) {
		struct ws_utf8 u;

		ws_utf8_init(&u);
		assert_true(ws_utf8_feed(&u, (const uint8_t *)text, cut));
		assert_true(ws_utf8_feed(&u, (const uint8_t *)text + cut, len - cut));
		assert_true(ws_utf8_complete(&u));
	}
}

static void test_utf8_invalid_found_in_second_fragment_and_sticks(void **state)
{
	struct ws_utf8 u;

	(void)state;
	ws_utf8_init(&u);
	assert_true(ws_utf8_feed(&u, (const uint8_t *)"ok \xf0\x9f", 5));
	assert_false(ws_utf8_complete(&u)); /* inside a character */
	assert_false(ws_utf8_feed(&u, (const uint8_t *)"\x28", 1));
	assert_false(ws_utf8_feed(&u, (const uint8_t *)"fine", 4)); /* stays bad */
	assert_false(ws_utf8_complete(&u));
	/* A surrogate split 1 + 2: found at its second byte. */
	ws_utf8_init(&u);
	assert_true(ws_utf8_feed(&u, (const uint8_t *)"\xed", 1));
	assert_false(ws_utf8_feed(&u, (const uint8_t *)"\xa0\x80", 2));
}

/* ---- close frames -------------------------------------------------------------------- */

static void test_close_code_ranges(void **state)
{
	(void)state;
	for (unsigned code = 0; code <= 65535; code++) {
		bool want = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
		            (code >= 3000 && code <= 4999);

		if (ws_close_code_valid((uint16_t)code) != want)
			fail_msg("close code %u: valid should be %d", code, want);
	}
}

static void test_close_parse(void **state)
{
	uint16_t code;
	const uint8_t *reason;
	size_t len;

	(void)state;
	assert_int_equal(ws_close_parse(NULL, 0, &code, &reason, &len), TAPIR_DROP_NONE);
	assert_int_equal(code, 1005);
	assert_int_equal(len, 0);
	assert_int_equal(ws_close_parse((const uint8_t *)"\x03", 1, &code, &reason, &len),
	                 TAPIR_DROP_WS_BAD_CLOSE);
	assert_int_equal(ws_close_parse((const uint8_t *)"\x03\xe8", 2, &code, &reason, &len),
	                 TAPIR_DROP_NONE);
	assert_int_equal(code, 1000);
	assert_int_equal(ws_close_parse((const uint8_t *)"\x03\xe8gone", 6, &code, &reason, &len),
	                 TAPIR_DROP_NONE);
	assert_int_equal(len, 4);
	assert_memory_equal(reason, "gone", 4);
	assert_int_equal(ws_close_parse((const uint8_t *)"\x03\xed", 2, &code, &reason, &len),
	                 TAPIR_DROP_WS_BAD_CLOSE_CODE); /* 1005 */
	assert_int_equal(
	    ws_close_parse((const uint8_t *)"\x03\xe8\xc0\x80", 4, &code, &reason, &len),
	    TAPIR_DROP_WS_BAD_UTF8);
}

static void test_close_emit_limits_reason_to_123_bytes(void **state)
{
	char reason[124];
	uint8_t out[WS_CONTROL_MAX];

	(void)state;
	memset(reason, 'r', sizeof(reason));
	assert_int_equal(ws_close_emit(1000, reason, 123, out, sizeof(out)), 125);
	assert_memory_equal(out, "\x03\xe8", 2);
	assert_int_equal(ws_close_emit(1000, reason, 124, out, sizeof(out)), -EINVAL);
	assert_int_equal(ws_close_emit(1005, NULL, 0, out, sizeof(out)), 0);
	assert_int_equal(ws_close_emit(1005, "x", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(ws_close_emit(1000, "abc", 3, out, 4), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc_single_frame_unmasked_hello),
	    cmocka_unit_test(test_rfc_single_frame_masked_hello),
	    cmocka_unit_test(test_rfc_fragmented_hello),
	    cmocka_unit_test(test_rfc_ping_and_pong),
	    cmocka_unit_test(test_rfc_256_bytes_and_64_kib_binary),
	    cmocka_unit_test(test_length_forms_at_their_edges_round_trip),
	    cmocka_unit_test(test_header_split_anywhere_is_truncated_until_complete),
	    cmocka_unit_test(test_emit_refuses_a_small_buffer),
	    cmocka_unit_test(test_rsv_bits_refused_without_extension),
	    cmocka_unit_test(test_every_reserved_opcode_refused),
	    cmocka_unit_test(test_control_frames_must_be_short_and_whole),
	    cmocka_unit_test(test_masking_rules_by_sender),
	    cmocka_unit_test(test_64_bit_length_with_top_bit_refused),
	    cmocka_unit_test(test_mask_twice_is_identity_and_works_in_pieces),
	    cmocka_unit_test(test_utf8_valid_text),
	    cmocka_unit_test(test_utf8_invalid_text),
	    cmocka_unit_test(test_utf8_split_at_every_position),
	    cmocka_unit_test(test_utf8_invalid_found_in_second_fragment_and_sticks),
	    cmocka_unit_test(test_close_code_ranges),
	    cmocka_unit_test(test_close_parse),
	    cmocka_unit_test(test_close_emit_limits_reason_to_123_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

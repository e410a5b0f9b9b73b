/*
 * ws.h — the WebSocket frame (RFC 6455 5.2), the close frame's body (5.5.1,
 * 7.4) and UTF-8 checking (RFC 3629 4) as pure codecs: bytes in, a struct or
 * a named refusal out, and back. No state beyond what the caller holds, no
 * allocation, no I/O.
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-------+-+-------------+-------------------------------+
 *     |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *     |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *     |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *     | |1|2|3|       |K|             |                               |
 *     +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 *     |     Extended payload length continued, if payload len == 127  |
 *     + - - - - - - - - - - - - - - - +-------------------------------+
 *     |                               |Masking-key, if MASK set to 1  |
 *     +-------------------------------+-------------------------------+
 *     | Masking-key (continued)       |          Payload Data         |
 *     +-------------------------------- - - - - - - - - - - - - - - - +
 */
#ifndef TAPIR_WIRE_WS_H
#define TAPIR_WIRE_WS_H

#include "tapir/stats.h"
#include "tapir/types.h"

#define WS_HEADER_MIN       2
#define WS_HEADER_MAX       14  /* 2 + 8 (64-bit length) + 4 (masking key) */
#define WS_CONTROL_MAX      125 /* payload of a control frame (5.5) */
#define WS_CLOSE_REASON_MAX 123 /* 125 minus the 2-byte status code */

/* Opcodes (5.2, 11.8). 3-7 and 0xB-0xF are reserved. */
enum ws_opcode {
	WS_OP_CONTINUATION = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xA,
};

/* Close status codes (7.4.1) that tapir sends or reports. */
enum ws_close_code {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL_ERROR = 1002,
	WS_CLOSE_UNSUPPORTED_DATA = 1003,
	WS_CLOSE_NO_STATUS = 1005, /* never on the wire: the close frame had no code */
	WS_CLOSE_ABNORMAL = 1006,  /* never on the wire: no close frame at all */
	WS_CLOSE_INVALID_DATA = 1007,
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,
	WS_CLOSE_INTERNAL_ERROR = 1011,
};

/* Who sends the frame: a client must mask every frame, a server never (5.1). */
enum ws_role { WS_FROM_CLIENT, WS_FROM_SERVER };

struct ws_header {
	bool fin;
	uint8_t rsv; /* RSV1..RSV3 as bits 2..0 (RSV1 = 4) */
	uint8_t opcode;
	bool masked;
	uint8_t mask[4];
	uint64_t payload_len;
	size_t header_len; /* bytes of the header on the wire: 2 to 14 */
};

/* How many bytes the header starting at data takes (2 to 14), once its
 * first two bytes are there; 0 while fewer than two bytes are given. */
size_t ws_header_size(const uint8_t *data, size_t len);

/* Parse a frame header sent by `from` and check what 5.2 and 5.5 require of
 * it alone: RSV bits clear (no extension is negotiated), a known opcode,
 * control frames unfragmented and at most 125 bytes, the 64-bit length's
 * top bit clear, client frames masked and server frames not. Returns
 * TAPIR_DROP_NONE, or _WS_TRUNCATED when len is shorter than the header
 * (wait for more), or the reason the frame is refused. */
enum tapir_drop ws_header_parse(const uint8_t *data, size_t len, enum ws_role from,
                                struct ws_header *h);

/* Write a header with the shortest length encoding (5.2: "the minimal number
 * of bytes MUST be used"). Returns its length, or 0 when cap is too small. */
size_t ws_header_emit(const struct ws_header *h, uint8_t *out, size_t cap);

/* Mask or unmask (the same XOR, 5.3) len payload bytes in place. `offset`
 * is the position of data[0] within the frame's payload, so a payload can
 * be unmasked piece by piece as it arrives. */
void ws_mask(uint8_t *data, size_t len, const uint8_t key[4], uint64_t offset);

static inline bool ws_opcode_is_control(uint8_t opcode)
{
	return (opcode & 0x8) != 0;
}

/* "TEXT", "BINARY", "CONTINUATION", "CLOSE", "PING", "PONG" or "RESERVED". */
const char *ws_opcode_name(uint8_t opcode);

/* ---- UTF-8 (RFC 3629 4), incremental ------------------------------------- */

/* Where the checker is inside a character: bytes still to come and the
 * range the next one must fall in (which is what rules out overlong forms,
 * surrogates D800-DFFF and code points past U+10FFFF). */
struct ws_utf8 {
	uint8_t need; /* continuation bytes still expected */
	uint8_t lo, hi;
	bool bad; /* an invalid byte was seen: stays bad */
};

void ws_utf8_init(struct ws_utf8 *u);
/* Check the next len bytes, which may end inside a character (the rest
 * comes with the next call). Returns false once the text is not UTF-8. */
bool ws_utf8_feed(struct ws_utf8 *u, const uint8_t *data, size_t len);
/* The text so far is valid and does not stop inside a character. */
bool ws_utf8_complete(const struct ws_utf8 *u);
/* The whole buffer is valid UTF-8. */
bool ws_utf8_valid(const uint8_t *data, size_t len);

/* ---- the close frame's body (5.5.1, 7.4) --------------------------------- */

/* May a peer send this status code in a close frame (7.4.1, 7.4.2, the IANA
 * registry of 11.7)? 1000-1003, 1007-1014 and 3000-4999 may; 0-999,
 * 1004-1006, 1015, 1016-2999 and 5000 up may not. */
bool ws_close_code_valid(uint16_t code);

/* Parse a close frame's payload: empty (code 1005, no status), or a 2-byte
 * code and a UTF-8 reason. Returns TAPIR_DROP_NONE, _WS_BAD_CLOSE (1 byte),
 * _WS_BAD_CLOSE_CODE or _WS_BAD_UTF8. The reason points into payload. */
enum tapir_drop ws_close_parse(const uint8_t *payload, size_t len, uint16_t *code,
                               const uint8_t **reason, size_t *reason_len);
/* Write a close payload: the code (nothing at all when code is 1005) and
 * the first reason_len bytes of reason, at most 123. Returns its length
 * (0 to 125), or -EINVAL (reason too long, or one without a code) or
 * -ENOSPC when cap is too small. */
int ws_close_emit(uint16_t code, const char *reason, size_t reason_len, uint8_t *out, size_t cap);

#endif

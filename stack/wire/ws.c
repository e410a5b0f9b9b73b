/*
 * ws.c — the WebSocket base framing protocol of RFC 6455 section 5.2, the
 * checks 5.1, 5.2 and 5.5 put on a single frame, masking (5.3), the close
 * frame's body (5.5.1, 7.4) and UTF-8 validation (RFC 3629 section 4).
 *
 * Payload length (5.2): "if 0-125, that is the payload length. If 126, the
 * following 2 bytes interpreted as a 16-bit unsigned integer are the
 * payload length. If 127, the following 8 bytes interpreted as a 64-bit
 * unsigned integer (the most significant bit MUST be 0) are the payload
 * length." All multibyte numbers are in network byte order.
 */
#include "wire/ws.h"

#include <errno.h>
#include <string.h>

#define WS_FIN_BIT      0x80
#define WS_RSV_BITS     0x70
#define WS_OPCODE_BITS  0x0f
#define WS_MASK_BIT     0x80
#define WS_LEN_BITS     0x7f
#define WS_LEN_16       126 /* the 7-bit length says: a 16-bit length follows */
#define WS_LEN_64       127 /* ... a 64-bit length follows */
#define WS_MASK_KEY_LEN 4

size_t ws_header_size(const uint8_t *data, size_t len)
{
	/* LAB(ws-frame) begin: RFC 6455 5.2, the header's length from its first two bytes */
	/* LAB(ws-frame) stub: (void)data, (void)len; */
	/* LAB(ws-frame) stub: return WS_HEADER_MIN; */
	size_t size = WS_HEADER_MIN;

	if (len < WS_HEADER_MIN)
		return 0;
	if ((data[1] & WS_LEN_BITS) == WS_LEN_16)
		size += 2;
	else if ((data[1] & WS_LEN_BITS) == WS_LEN_64)
		size += 8;
	if (data[1] & WS_MASK_BIT)
		size += WS_MASK_KEY_LEN;
	return size;
	/* LAB(ws-frame) end */
}

static bool opcode_is_known(uint8_t opcode)
{
	switch (opcode) {
	case WS_OP_CONTINUATION:
	case WS_OP_TEXT:
	case WS_OP_BINARY:
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		return true;
	default:
		return false;
	}
}

/* The extended payload length, if any, and where the masking key starts. */
static size_t read_length(const uint8_t *data, uint64_t *len)
{
	/* LAB(ws-frame) begin: RFC 6455 5.2, the payload length in 7, 7+16 or 7+64 bits */
	/* LAB(ws-frame) stub: (void)data; */
	/* LAB(ws-frame) stub: *len = 0; */
	/* LAB(ws-frame) stub: return WS_HEADER_MIN; */
	uint8_t len7 = data[1] & WS_LEN_BITS;
	uint64_t v = 0;

	if (len7 < WS_LEN_16) {
		*len = len7;
		return 2;
	}
	if (len7 == WS_LEN_16) {
		*len = ((uint64_t)data[2] << 8) | data[3];
		return 4;
	}
	for (int i = 0; i < 8; i++)
		v = (v << 8) | data[2 + i];
	*len = v;
	return 10;
	/* LAB(ws-frame) end */
}

/* The rules a frame must meet on its own (5.2, 5.5), in the order a reader
 * of the RFC meets them. */
static enum tapir_drop check_header(const struct ws_header *h, enum ws_role from)
{
	/* LAB(ws-frame) begin: RFC 6455 5.1, 5.2 and 5.5, the rules for one frame */
	/* LAB(ws-frame) stub: (void)h, (void)from, (void)opcode_is_known; */
	/* LAB(ws-frame) stub: return TAPIR_DROP_NONE; */
	if (h->rsv != 0)
		return TAPIR_DROP_WS_RSV_SET; /* "MUST be 0 unless an extension is negotiated" */
	if (!opcode_is_known(h->opcode))
		return TAPIR_DROP_WS_BAD_OPCODE; /* "the receiving endpoint MUST _Fail_" */
	if (ws_opcode_is_control(h->opcode) && !h->fin)
		return TAPIR_DROP_WS_CONTROL_FRAGMENTED; /* "MUST NOT be fragmented" */
	if (ws_opcode_is_control(h->opcode) && h->payload_len > WS_CONTROL_MAX)
		return TAPIR_DROP_WS_CONTROL_TOO_LONG; /* "125 bytes or less" */
	if (from == WS_FROM_CLIENT && !h->masked)
		return TAPIR_DROP_WS_UNMASKED; /* 5.1: "the server MUST close the connection" */
	if (from == WS_FROM_SERVER && h->masked)
		return TAPIR_DROP_WS_MASKED; /* 5.1: "the client MUST close a connection" */
	return TAPIR_DROP_NONE;
	/* LAB(ws-frame) end */
}

enum tapir_drop ws_header_parse(const uint8_t *data, size_t len, enum ws_role from,
                                struct ws_header *h)
{
	/* LAB(ws-frame) begin: RFC 6455 5.2, decode the header, then check it */
	/* LAB(ws-frame) stub: (void)data, (void)len, (void)from; */
	/* LAB(ws-frame) stub: (void)read_length, (void)check_header; */
	/* LAB(ws-frame) stub: memset(h, 0, sizeof(*h)); */
	/* LAB(ws-frame) stub: return TAPIR_DROP_WS_TRUNCATED; */
	size_t size = ws_header_size(data, len);
	size_t off;

	memset(h, 0, sizeof(*h));
	if (size == 0 || len < size)
		return TAPIR_DROP_WS_TRUNCATED;
	h->fin = (data[0] & WS_FIN_BIT) != 0;
	h->rsv = (uint8_t)((data[0] & WS_RSV_BITS) >> 4);
	h->opcode = data[0] & WS_OPCODE_BITS;
	h->masked = (data[1] & WS_MASK_BIT) != 0;
	off = read_length(data, &h->payload_len);
	if (h->payload_len >> 63)
		return TAPIR_DROP_WS_BAD_LENGTH;
	if (h->masked)
		memcpy(h->mask, data + off, WS_MASK_KEY_LEN);
	h->header_len = size;
	return check_header(h, from);
	/* LAB(ws-frame) end */
}

/* Bytes ws_header_emit() writes for this header. */
static size_t emit_size(const struct ws_header *h)
{
	size_t n = WS_HEADER_MIN;

	if (h->payload_len > UINT16_MAX)
		n += 8;
	else if (h->payload_len >= WS_LEN_16)
		n += 2;
	return h->masked ? n + WS_MASK_KEY_LEN : n;
}

size_t ws_header_emit(const struct ws_header *h, uint8_t *out, size_t cap)
{
	size_t n = 2;

	if (cap < emit_size(h))
		return 0;
	out[0] = (uint8_t)((h->fin ? WS_FIN_BIT : 0) | ((h->rsv & 7) << 4) |
	                   (h->opcode & WS_OPCODE_BITS));
	out[1] = h->masked ? WS_MASK_BIT : 0;
	if (h->payload_len < WS_LEN_16) {
		out[1] |= (uint8_t)h->payload_len;
	} else if (h->payload_len <= UINT16_MAX) {
		out[1] |= WS_LEN_16;
		out[2] = (uint8_t)(h->payload_len >> 8);
		out[3] = (uint8_t)h->payload_len;
		n = 4;
	} else {
		out[1] |= WS_LEN_64;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)(h->payload_len >> (56 - 8 * i));
		n = 10;
	}
	if (h->masked) {
		memcpy(out + n, h->mask, WS_MASK_KEY_LEN);
		n += WS_MASK_KEY_LEN;
	}
	return n;
}

/* 5.3: "Octet i of the transformed data is the XOR of octet i of the
 * original data with octet at index i modulo 4 of the masking key." */
void ws_mask(uint8_t *data, size_t len, const uint8_t key[4], uint64_t offset)
{
	for (size_t i = 0; i < len; i++)
		data[i] ^= key[(offset + i) & 3];
}

const char *ws_opcode_name(uint8_t opcode)
{
	switch (opcode) {
	case WS_OP_CONTINUATION:
		return "CONTINUATION";
	case WS_OP_TEXT:
		return "TEXT";
	case WS_OP_BINARY:
		return "BINARY";
	case WS_OP_CLOSE:
		return "CLOSE";
	case WS_OP_PING:
		return "PING";
	case WS_OP_PONG:
		return "PONG";
	default:
		return "RESERVED";
	}
}

/* ---- UTF-8 --------------------------------------------------------------- */

/* RFC 3629 section 4, the syntax of a UTF-8 character:
 *
 *   UTF8-1      = %x00-7F
 *   UTF8-2      = %xC2-DF UTF8-tail
 *   UTF8-3      = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
 *                 %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
 *   UTF8-4      = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
 *                 %xF4 %x80-8F 2( UTF8-tail )
 *   UTF8-tail   = %x80-BF
 *
 * The narrow ranges after E0, ED, F0 and F4 are what forbid overlong forms,
 * the surrogates U+D800-DFFF and code points above U+10FFFF; C0, C1 and
 * F5-FF never start a character. */
#define UTF8_TAIL_LO 0x80
#define UTF8_TAIL_HI 0xBF

void ws_utf8_init(struct ws_utf8 *u)
{
	memset(u, 0, sizeof(*u));
}

/* A lead byte: how many tail bytes follow and the range of the first one. */
static bool utf8_lead(struct ws_utf8 *u, uint8_t c)
{
	u->lo = UTF8_TAIL_LO;
	u->hi = UTF8_TAIL_HI;
	if (c <= 0x7F) {
		u->need = 0;
	} else if (c >= 0xC2 && c <= 0xDF) {
		u->need = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		u->need = 2;
		if (c == 0xE0)
			u->lo = 0xA0; /* below: an overlong 2-byte form */
		if (c == 0xED)
			u->hi = 0x9F; /* above: the surrogates D800-DFFF */
	} else if (c >= 0xF0 && c <= 0xF4) {
		u->need = 3;
		if (c == 0xF0)
			u->lo = 0x90; /* below: an overlong 3-byte form */
		if (c == 0xF4)
			u->hi = 0x8F; /* above: past U+10FFFF */
	} else {
		return false; /* 80-BF alone, C0, C1, F5-FF */
	}
	return true;
}

bool ws_utf8_feed(struct ws_utf8 *u, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len && !u->bad; i++) {
		uint8_t c = data[i];

		if (u->need == 0) {
			u->bad = !utf8_lead(u, c);
			continue;
		}
		if (c < u->lo || c > u->hi) {
			u->bad = true;
			continue;
		}
		u->need--;
		u->lo = UTF8_TAIL_LO; /* only the first tail byte is narrowed */
		u->hi = UTF8_TAIL_HI;
	}
	return !u->bad;
}

bool ws_utf8_complete(const struct ws_utf8 *u)
{
	return !u->bad && u->need == 0;
}

bool ws_utf8_valid(const uint8_t *data, size_t len)
{
	struct ws_utf8 u;

	ws_utf8_init(&u);
	ws_utf8_feed(&u, data, len);
	return ws_utf8_complete(&u);
}

/* ---- the close frame ------------------------------------------------------ */

bool ws_close_code_valid(uint16_t code)
{
	if (code >= 1000 && code <= 1003)
		return true; /* normal, going away, protocol error, unsupported data */
	if (code >= 1007 && code <= 1014)
		return true; /* invalid data, policy, too big, extension, internal error,
		              * and 1012-1014 registered with IANA since RFC 6455 */
	return code >= 3000 && code <= 4999; /* libraries, frameworks, applications */
}

enum tapir_drop ws_close_parse(const uint8_t *payload, size_t len, uint16_t *code,
                               const uint8_t **reason, size_t *reason_len)
{
	*code = WS_CLOSE_NO_STATUS;
	*reason = payload;
	*reason_len = 0;
	if (len == 0)
		return TAPIR_DROP_NONE; /* 7.1.5: no status code: "considered to be 1005" */
	if (len == 1)
		return TAPIR_DROP_WS_BAD_CLOSE;
	*code = (uint16_t)((payload[0] << 8) | payload[1]);
	if (!ws_close_code_valid(*code))
		return TAPIR_DROP_WS_BAD_CLOSE_CODE;
	*reason = payload + 2;
	*reason_len = len - 2;
	if (!ws_utf8_valid(*reason, *reason_len))
		return TAPIR_DROP_WS_BAD_UTF8;
	return TAPIR_DROP_NONE;
}

int ws_close_emit(uint16_t code, const char *reason, size_t reason_len, uint8_t *out, size_t cap)
{
	if (reason_len > WS_CLOSE_REASON_MAX)
		return -EINVAL;
	if (code == WS_CLOSE_NO_STATUS)
		return reason_len == 0 ? 0 : -EINVAL;
	if (cap < 2 + reason_len)
		return -ENOSPC;
	out[0] = (uint8_t)(code >> 8);
	out[1] = (uint8_t)code;
	if (reason_len > 0)
		memcpy(out + 2, reason, reason_len);
	return (int)(2 + reason_len);
}

/*
 * handshake.c — the WebSocket opening handshake (RFC 6455 section 4): the
 * server's checks of the client's upgrade request (4.2.1) and its answer
 * (4.2.2), the client's request (4.1) and its checks of the 101 response,
 * Sec-WebSocket-Accept, subprotocol choice, and ws:// URIs (3).
 *
 * Sec-WebSocket-Accept (4.2.2 step 5.4): "concatenate the key with the
 * string 258EAFA5-E914-47DA-95CA-C5AB0DC85B11 ... take the SHA-1 hash of
 * this concatenated value to obtain a 20-byte value and base64-encode". The
 * SHA-1 and base64 come from libcrypto (OpenSSL); tapir does not write its
 * own cryptography.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "ws/ws_internal.h"

#define WS_KEY_BYTES   16 /* 4.1: "a randomly selected 16-byte value" */
#define WS_KEY_BASE64  24 /* its base64 form: 22 characters and "==" */
#define WS_KEY_DECODED 18 /* EVP_DecodeBlock counts the two padding bytes too */

static bool is_base64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* 4.2.1 item 5: "a base64-encoded value that, when decoded, is 16 bytes". */
static bool key_is_valid(const char *key)
{
	unsigned char raw[WS_KEY_DECODED + 4];

	if (!key || strlen(key) != WS_KEY_BASE64 || strcmp(key + 22, "==") != 0)
		return false;
	for (int i = 0; i < 22; i++)
		if (!is_base64_char(key[i]))
			return false;
	return EVP_DecodeBlock(raw, (const unsigned char *)key, WS_KEY_BASE64) == WS_KEY_DECODED;
}

int tapir_ws_accept_key(const char *key, char out[TAPIR_WS_ACCEPT_LEN])
{
	char joined[WS_KEY_BASE64 + sizeof(TAPIR_WS_GUID)];
	unsigned char digest[SHA_DIGEST_LENGTH];

	out[0] = '\0';
	if (!key_is_valid(key))
		return -EINVAL;
	snprintf(joined, sizeof(joined), "%s%s", key, TAPIR_WS_GUID);
	SHA1((const unsigned char *)joined, strlen(joined), digest);
	EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH); /* 28 chars + '\0' */
	return 0;
}

int ws_make_key(char key[25])
{
	unsigned char raw[WS_KEY_BYTES];

	/* 10.3 asks for a strong source of entropy: the client's keys and masks
	 * must not be predictable to a proxy in the middle. */
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	EVP_EncodeBlock((unsigned char *)key, raw, sizeof(raw));
	return 0;
}

/* The next comma-separated element of *list, without spaces or tabs
 * around it; false at the end. */
static bool next_element(const char **list, char *out, size_t cap)
{
	const char *p = *list;
	size_t n = 0;

	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (*p == '\0')
		return false;
	while (*p && *p != ',') {
		if (n + 1 < cap)
			out[n++] = *p;
		p++;
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
	*list = p;
	return true;
}

bool ws_list_has(const char *list, const char *token)
{
	char element[TAPIR_WS_PROTOCOL_MAX];

	while (list && next_element(&list, element, sizeof(element)))
		if (strcmp(element, token) == 0)
			return true;
	return false;
}

/* Does any Sec-WebSocket-Protocol header of the request list `protocol`? */
static bool client_offers(const struct tapir_http_message *req, const char *protocol)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, "Sec-WebSocket-Protocol") == 0 &&
		    ws_list_has(req->headers[i].value, protocol))
			return true;
	return false;
}

/* 4.2.2 step 5.3 /subprotocol/: the first of ours the client offers. */
static void choose_protocol(const struct tapir_http_message *req, const char *ours,
                            struct ws_handshake *out)
{
	char element[TAPIR_WS_PROTOCOL_MAX];

	while (ours && next_element(&ours, element, sizeof(element))) {
		if (client_offers(req, element)) {
			snprintf(out->protocol, sizeof(out->protocol), "%s", element);
			return;
		}
	}
}

static void refuse(struct ws_handshake *out, unsigned status, enum tapir_drop drop,
                   const char *reason)
{
	out->status = status;
	out->drop = drop;
	out->reason = reason;
}

void ws_handshake_check(const struct tapir_http_message *req, const char *protocols,
                        struct ws_handshake *out)
{
	const char *version = tapir_http_header(req, "Sec-WebSocket-Version");

	memset(out, 0, sizeof(*out));
	if (strcmp(req->method, "GET") != 0) {
		refuse(out, 405, TAPIR_DROP_WS_BAD_HANDSHAKE, "the method must be GET");
		return;
	}
	if (req->version < 11) {
		refuse(out, 400, TAPIR_DROP_WS_BAD_HANDSHAKE, "HTTP/1.1 or later is required");
		return;
	}
	if (!tapir_http_header_has_token(req, "Upgrade", "websocket")) {
		refuse(out, 426, TAPIR_DROP_WS_BAD_HANDSHAKE, "no Upgrade: websocket");
		return;
	}
	if (!tapir_http_header_has_token(req, "Connection", "Upgrade")) {
		refuse(out, 400, TAPIR_DROP_WS_BAD_HANDSHAKE, "Connection lacks Upgrade");
		return;
	}
	if (!version || strcmp(version, "13") != 0) {
		refuse(out, 426, TAPIR_DROP_WS_BAD_VERSION, "Sec-WebSocket-Version is not 13");
		return;
	}
	if (tapir_ws_accept_key(tapir_http_header(req, "Sec-WebSocket-Key"), out->accept) < 0) {
		refuse(out, 400, TAPIR_DROP_WS_BAD_HANDSHAKE,
		       "Sec-WebSocket-Key is not 16 bytes in base64");
		return;
	}
	choose_protocol(req, protocols, out);
	out->status = 101;
	out->drop = TAPIR_DROP_NONE;
	out->reason = "Switching Protocols";
}

int ws_handshake_request(const struct tapir_ws *ws, char *out, size_t cap)
{
	char proto[300] = "";
	int n;

	if (ws->protocols[0])
		snprintf(proto, sizeof(proto), "Sec-WebSocket-Protocol: %s\r\n", ws->protocols);
	n = snprintf(out, cap,
	             "GET %s HTTP/1.1\r\n"
	             "Host: %s\r\n"
	             "Upgrade: websocket\r\n"
	             "Connection: Upgrade\r\n"
	             "Sec-WebSocket-Key: %s\r\n"
	             "Sec-WebSocket-Version: 13\r\n"
	             "%s"
	             "User-Agent: tapir-ws\r\n"
	             "\r\n",
	             ws->path, ws->host, ws->key, proto);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

/* 4.1, "the client MUST validate the server's response as follows". */
enum tapir_drop ws_handshake_response(struct tapir_ws *ws, const struct tapir_http_message *resp,
                                      const char **why)
{
	const char *accept = tapir_http_header(resp, "Sec-WebSocket-Accept");
	const char *proto = tapir_http_header(resp, "Sec-WebSocket-Protocol");

	*why = NULL;
	if (resp->status != 101)
		*why = "the status is not 101";
	else if (!tapir_http_header_has_token(resp, "Upgrade", "websocket"))
		*why = "no Upgrade: websocket";
	else if (!tapir_http_header_has_token(resp, "Connection", "Upgrade"))
		*why = "Connection lacks Upgrade";
	else if (tapir_http_header(resp, "Sec-WebSocket-Extensions"))
		*why = "an extension we did not ask for";
	else if (proto && !ws_list_has(ws->protocols, proto))
		*why = "a subprotocol we did not offer";
	if (*why)
		return TAPIR_DROP_WS_BAD_HANDSHAKE;
	if (!accept || strcmp(accept, ws->accept) != 0) {
		*why = "Sec-WebSocket-Accept does not match our key";
		return TAPIR_DROP_WS_BAD_ACCEPT;
	}
	snprintf(ws->protocol, sizeof(ws->protocol), "%s", proto ? proto : "");
	return TAPIR_DROP_NONE;
}

/* ---- ws:// URIs (3) ---------------------------------------------------------- */

static int parse_port(const char *text, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int tapir_ws_url_parse(const char *url, struct tapir_ws_url *out)
{
	const char *host, *end, *colon;
	size_t host_len;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(url, "wss://", 6) == 0)
		return -EPROTONOSUPPORT;
	if (strncasecmp(url, "ws://", 5) != 0)
		return -EINVAL;
	host = url + 5;
	end = host + strcspn(host, "/?#");
	if (*end == '#' || strchr(end, '#'))
		return -EINVAL; /* "Fragment identifiers are meaningless" (3) */
	colon = memchr(host, ':', (size_t)(end - host));
	host_len = (size_t)((colon ? colon : end) - host);
	if (host_len == 0 || host_len >= sizeof(out->host))
		return -EINVAL;
	memcpy(out->host, host, host_len);
	out->port = 80;
	if (colon && parse_port(colon + 1, (size_t)(end - colon - 1), &out->port) < 0)
		return -EINVAL;
	if (strlen(end) + 2 > sizeof(out->path))
		return -EINVAL;
	snprintf(out->path, sizeof(out->path), "%s%s", *end == '/' ? "" : "/", end);
	return 0;
}

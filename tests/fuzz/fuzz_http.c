/*
 * fuzz_http.c — libFuzzer harness for the HTTP/1.1 parser (stack/http/
 * parser.c) and the path normaliser.
 *
 * The first byte picks the mode (request or response) and a segment size;
 * the rest is parsed twice, whole and in pieces of that size, and both runs
 * must agree on every event, every body byte and the final status: the
 * parser's promise that segment boundaries do not matter. Every request
 * target that parses is also run through tapir_http_path_normalise(), whose
 * result must never hold a ".." segment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/http.h"

struct run {
	unsigned events, heads, done;
	uint16_t status;
	uint64_t body_len;
	uint32_t body_hash;
};

static struct tapir_http_parser parser;

static void check_target(const char *target)
{
	char out[TAPIR_HTTP_REQUEST_LINE_MAX];

	if (tapir_http_path_normalise(target, out, sizeof(out)) == 0) {
		if (out[0] != '/' || strstr(out, "/../") || strstr(out, "//"))
			abort();
		size_t n = strlen(out);
		if (n >= 3 && strcmp(out + n - 3, "/..") == 0)
			abort();
	}
}

static void run_parser(const uint8_t *data, size_t len, size_t step, bool response, struct run *r)
{
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	tapir_http_parser_init(
	    &parser, response ? TAPIR_HTTP_PARSE_RESPONSE : TAPIR_HTTP_PARSE_REQUEST, 65536);
	while (pos < len && r->status == 0) {
		size_t n = len - pos < step ? len - pos : step;
		const uint8_t *p = data + pos;
		size_t left = n;
		for (unsigned guard = 0; guard < 100000; guard++) {
			struct tapir_http_piece piece;
			size_t used;
			enum tapir_http_event ev =
			    tapir_http_parse(&parser, p, left, &used, &piece);
			if (used > left)
				abort();
			p += used;
			left -= used;
			if (ev == TAPIR_HTTP_EV_NEED_MORE)
				break;
			r->events++;
			if (ev == TAPIR_HTTP_EV_ERROR) {
				r->status = parser.status ? parser.status : 1;
				break;
			}
			if (ev == TAPIR_HTTP_EV_HEAD) {
				r->heads++;
				if (!response)
					check_target(parser.msg.target);
			}
			if (ev == TAPIR_HTTP_EV_DONE)
				r->done++;
			for (size_t i = 0; ev == TAPIR_HTTP_EV_BODY && i < piece.len; i++)
				r->body_hash = r->body_hash * 31 + piece.data[i];
			r->body_len += piece.len;
		}
		pos += n;
	}
	if (r->status == 0 && tapir_http_parse_eof(&parser) == TAPIR_HTTP_EV_DONE)
		r->done++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole, pieces;

	if (size < 1)
		return 0;
	bool response = data[0] & 0x80;
	size_t step = (size_t)(data[0] & 0x1f) + 1;
	run_parser(data + 1, size - 1, size, response, &whole);
	run_parser(data + 1, size - 1, step, response, &pieces);
	/* Events differ in count only where a body came in more pieces. */
	if (whole.heads != pieces.heads || whole.done != pieces.done ||
	    whole.status != pieces.status || whole.body_len != pieces.body_len ||
	    whole.body_hash != pieces.body_hash)
		abort();
	return 0;
}

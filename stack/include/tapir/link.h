/*
 * link.h — the devices tapir sends Ethernet frames through, and the
 * middleware that wraps any of them (ARCHITECTURE.md, principle 4).
 *
 *   tap      a Linux TAP device (/dev/net/tun, IFF_TAP|IFF_NO_PI, non-blocking)
 *   sim      two endpoints joined by an in-memory wire, driven by a virtual clock
 *   capture  writes every frame in and out to a pcap file through libpcap
 *   fault    seeded loss, duplication, reordering, delay, jitter and corruption
 *
 * A link moves whole Ethernet frames (no FCS). Middleware holds the link it
 * wraps; closing the outermost link closes the whole chain.
 */
#ifndef TAPIR_LINK_H
#define TAPIR_LINK_H

#include "tapir/options.h"
#include "tapir/types.h"

struct tapir_link;

struct tapir_link_ops {
	/* Copy the next frame that is due at `now` into buf. Returns its length,
	 * 0 when none is waiting, or a negative error. A frame longer than cap is
	 * truncated to cap and its full length returned, so the caller sees it was
	 * too long. */
	int (*recv)(struct tapir_link *link, uint8_t *buf, size_t cap, tapir_time now);
	/* Send one frame. Returns 0, or a negative error (-EAGAIN when the device
	 * is busy, -EMSGSIZE when the frame is longer than the link allows). */
	int (*send)(struct tapir_link *link, const uint8_t *frame, size_t len, tapir_time now);
	/* When the link next has something to do by itself (a delayed frame
	 * becoming due); TAPIR_TIME_NEVER when nothing is scheduled. */
	tapir_time (*next_due)(struct tapir_link *link, tapir_time now);
	/* A file descriptor to wait on for readability, or -1 (sim). */
	int (*fd)(struct tapir_link *link);
	void (*close)(struct tapir_link *link);
};

struct tapir_link {
	const struct tapir_link_ops *ops;
	struct tapir_link *inner; /* the wrapped link, for middleware; NULL otherwise */
	unsigned mtu;             /* largest IP datagram: frame length minus 14 */
	char name[32];
};

/* Calls through the ops table. */
int tapir_link_recv(struct tapir_link *link, uint8_t *buf, size_t cap, tapir_time now);
int tapir_link_send(struct tapir_link *link, const uint8_t *frame, size_t len, tapir_time now);
tapir_time tapir_link_next_due(struct tapir_link *link, tapir_time now);
int tapir_link_fd(struct tapir_link *link);
/* Close the link and everything it wraps. NULL is allowed. */
void tapir_link_close(struct tapir_link *link);

/* ---- TAP ------------------------------------------------------------------ */

/* Attach to the TAP device `ifname` (it must exist in this network namespace,
 * see scripts/netns.sh). The MTU is read from the device. Returns 0 or a
 * negative error: -ENODEV when the device does not exist here (tapir never
 * creates one), -ENOENT when /dev/net/tun is missing, -EPERM without the
 * right to attach, -EBUSY when another process holds it. */
int tapir_tap_open(const char *ifname, struct tapir_link **out);

/* ---- sim ------------------------------------------------------------------ */

/* Two links joined back to back: a frame sent on one is received by the other
 * `latency` microseconds later (virtual time). Each holds at most
 * TAPIR_SIM_QUEUE_MAX frames in flight. */
int tapir_sim_pair(tapir_time latency, unsigned mtu, struct tapir_link **a, struct tapir_link **b);

/* ---- capture (pcap) -------------------------------------------------------- */

/* Wrap `inner` so that every frame received and sent is written to a pcap
 * file (Ethernet link type), flushed per frame. A frame's timestamp is the
 * stack's `now` plus `epoch_offset` microseconds: programs pass the offset
 * from the monotonic clock to wall-clock time so Wireshark shows real dates;
 * tests pass 0. On success the new link owns `inner`. */
int tapir_capture_open(struct tapir_link *inner, const char *path, tapir_time epoch_offset,
                       struct tapir_link **out);

/* ---- fault injector -------------------------------------------------------- */

/* Faults applied to frames in each direction (received and sent), seeded so
 * that a run can be repeated exactly. Percentages are 0..100. */
struct tapir_faults {
	double loss_pct;      /* frame silently dropped */
	double duplicate_pct; /* frame delivered twice */
	double corrupt_pct;   /* one random bit of the frame flipped */
	double reorder_pct;   /* frame held back until after the next one */
	tapir_time delay;     /* every frame delayed this long */
	tapir_time jitter;    /* plus a uniform random 0..jitter */
	uint64_t seed;
};

/* Counts of what the injector did, for tests and --stats. */
struct tapir_fault_stats {
	uint64_t frames, lost, duplicated, corrupted, reordered, delayed, overflow;
};

/* Wrap `inner` with a fault injector. On success the new link owns `inner`. */
int tapir_fault_open(struct tapir_link *inner, const struct tapir_faults *faults,
                     struct tapir_link **out);
/* The counters of a link made by tapir_fault_open (zeroes otherwise). */
struct tapir_fault_stats tapir_fault_stats(const struct tapir_link *link);
bool tapir_faults_any(const struct tapir_faults *faults);

#endif /* TAPIR_LINK_H */

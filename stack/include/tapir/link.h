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
	/* Send one TCP super-segment (an Ethernet + IPv4 + TCP frame of up to
	 * tso_max bytes of IPv4 datagram) for the device to cut into segments
	 * of `mss` payload bytes: TCP segmentation offload. The TCP checksum
	 * field holds only the pseudo-header sum (not inverted), as Linux's
	 * CHECKSUM_PARTIAL; the device completes it. NULL when tso_max is 0. */
	int (*send_tso)(struct tapir_link *link, const uint8_t *frame, size_t len, uint16_t mss,
	                tapir_time now);
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
	unsigned tso_max;         /* largest IP datagram send_tso takes; 0: no TSO */
	/* Large receive offload: the largest IP datagram recv may deliver whole
	 * (a TCP super-segment the kernel did not cut); 0: never beyond mtu. */
	unsigned lro_max;
	/* Set by recv: the segment size a received super-segment would have
	 * been cut into on the wire, so a capture can show those segments; 0
	 * for an ordinary frame. */
	uint16_t rx_tso_mss;
	char name[32];
};

/* Calls through the ops table. */
int tapir_link_recv(struct tapir_link *link, uint8_t *buf, size_t cap, tapir_time now);
int tapir_link_send(struct tapir_link *link, const uint8_t *frame, size_t len, tapir_time now);
/* -EOPNOTSUPP when the link has no TSO (tso_max 0). */
int tapir_link_send_tso(struct tapir_link *link, const uint8_t *frame, size_t len, uint16_t mss,
                        tapir_time now);
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

/* How to attach. With `offload`, frames carry a virtio-net header
 * (IFF_VNET_HDR, see linux/virtio_net.h), as a virtual machine's network
 * card does, and TCP travels in super-segments of up to 64 KiB both ways:
 * tapir hands the kernel one to cut where it would write ~45 frames (TCP
 * segmentation offload), and the kernel hands tapir TCP it did not cut and
 * checksums it did not finish (large receive offload; tapir finishes them).
 * The segments on the wire are unchanged, and tapir's pcap shows each one,
 * but a capture on the kernel's side of the TAP device, and nftables rules
 * there, see the super-segments, as tcpdump does on a Linux host with
 * offloads. The trace shows sent super-segments as their wire segments and
 * received ones as they were processed, whole. */
struct tapir_tap_options {
	bool offload;
};

/* tapir_tap_open with options; NULL options are the defaults (no offload). */
int tapir_tap_open_with(const char *ifname, const struct tapir_tap_options *opt,
                        struct tapir_link **out);

/* ---- sim ------------------------------------------------------------------ */

/* Two links joined back to back: a frame sent on one is received by the other
 * `latency` microseconds later (virtual time). Each holds at most
 * TAPIR_SIM_QUEUE_MAX frames in flight. */
int tapir_sim_pair(tapir_time latency, unsigned mtu, struct tapir_link **a, struct tapir_link **b);

/* Let a sim endpoint take TCP super-segments of up to `tso_max` bytes of IP
 * datagram (0 turns TSO off again): it cuts them in software (wire/tso.c)
 * into wire segments, so tests can run TCP with TSO on the virtual clock.
 * Returns 0, or -EINVAL for a link that is not a sim endpoint. */
int tapir_sim_set_tso(struct tapir_link *link, unsigned tso_max);

/* ---- capture (pcap) -------------------------------------------------------- */

/* Wrap `inner` so that every frame received and sent is written to a pcap
 * file (Ethernet link type), flushed per frame. A TCP super-segment, sent
 * or received through offload, is written as the segments of the wire. A frame's timestamp is
 * the stack's `now` plus `epoch_offset` microseconds: programs pass the offset from the monotonic
 * clock to wall-clock time so Wireshark shows real dates; tests pass 0. On success the new link
 * owns `inner`. */
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

/* Wrap `inner` with a fault injector. On success the new link owns `inner`.
 * It offers no offload, so TCP sends it wire-size segments whose loss,
 * delay and reordering are each the injector's to decide; do not wrap a
 * TAP device opened with offload (its super-segments would be refused). */
int tapir_fault_open(struct tapir_link *inner, const struct tapir_faults *faults,
                     struct tapir_link **out);
/* The counters of a link made by tapir_fault_open (zeroes otherwise). */
struct tapir_fault_stats tapir_fault_stats(const struct tapir_link *link);
bool tapir_faults_any(const struct tapir_faults *faults);

#endif /* TAPIR_LINK_H */

/*
 * capture.c — middleware that writes every frame in and out to a pcap file.
 *
 * Wrap any link with tapir_capture_open() and each frame the stack receives
 * or sends is written through libpcap (link type DLT_EN10MB, Ethernet), so
 * students can open tapir's traffic in Wireshark beside the kernel's. A
 * frame's timestamp is the stack's `now` plus `epoch_offset`: the stack never
 * reads a clock, so the caller says how injected time maps to wall time.
 *
 * The file is flushed after every frame: a lab program that is killed still
 * leaves a capture that Wireshark can read up to the last frame.
 *
 * A sent frame is written once the inner link has accepted it, so a frame
 * refused with -EAGAIN and sent again appears once, as on the wire. The
 * capture only watches: if writing the file fails (disk full), frames still
 * flow and the error is not reported per frame.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/link.h"
#include "wire/tso.h"

#define CAPTURE_SNAPLEN 65535
#define USEC_PER_SEC    1000000

struct capture_link {
	struct tapir_link base; /* first member: a capture_link is a tapir_link */
	pcap_t *pcap;           /* a "dead" handle: only describes the file's format */
	pcap_dumper_t *dumper;  /* the open file */
	tapir_time epoch_offset;
};

static struct capture_link *capture_from_link(struct tapir_link *link)
{
	return (struct capture_link *)link;
}

/* Injected time in microseconds to the seconds + microseconds pcap stores. */
static struct timeval capture_timestamp(const struct capture_link *cap, tapir_time now)
{
	struct timeval tv;
	tapir_time t = now;
	tapir_time usec;

	if (cap->epoch_offset > 0 && t > TAPIR_TIME_NEVER - cap->epoch_offset)
		t = TAPIR_TIME_NEVER;
	else if (cap->epoch_offset < 0 && t < INT64_MIN - cap->epoch_offset)
		t = INT64_MIN;
	else
		t += cap->epoch_offset;
	usec = t % USEC_PER_SEC;
	t /= USEC_PER_SEC;
	if (usec < 0) { /* C division truncates toward zero; pcap wants 0..999999 usec */
		usec += USEC_PER_SEC;
		t -= 1;
	}
	tv.tv_sec = (time_t)t;
	tv.tv_usec = (suseconds_t)usec;
	return tv;
}

/* Write one frame: `stored` bytes of it are in `data`, `len` is its length on
 * the wire (larger when the caller's buffer truncated it). */
static void capture_write(struct capture_link *cap, const uint8_t *data, size_t stored, size_t len,
                          tapir_time now)
{
	struct pcap_pkthdr hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ts = capture_timestamp(cap, now);
	if (stored > CAPTURE_SNAPLEN)
		stored = CAPTURE_SNAPLEN;
	hdr.caplen = (bpf_u_int32)stored;
	hdr.len = (bpf_u_int32)len;
	pcap_dump((u_char *)cap->dumper, &hdr, data);
	pcap_dump_flush(cap->dumper);
}

/* What capture_write_piece needs to timestamp each piece. */
struct capture_piece_ctx {
	struct capture_link *cap;
	tapir_time now;
};

static int capture_write_piece(void *user, const uint8_t *frame, size_t len)
{
	struct capture_piece_ctx *ctx = user;

	capture_write(ctx->cap, frame, len, len, ctx->now);
	return 0;
}

static int capture_recv(struct tapir_link *link, uint8_t *buf, size_t cap_len, tapir_time now)
{
	struct capture_link *cap = capture_from_link(link);
	int n = tapir_link_recv(link->inner, buf, cap_len, now);

	link->rx_tso_mss = link->inner->rx_tso_mss;
	if (n <= 0)
		return n;
	size_t stored = (size_t)n < cap_len ? (size_t)n : cap_len;
	/* A super-segment the kernel did not cut goes into the pcap as the
	 * segments it would have put on the wire. */
	if (link->rx_tso_mss > 0 && stored == (size_t)n) {
		struct capture_piece_ctx ctx = {cap, now};

		if (tso_segment(buf, stored, link->rx_tso_mss, capture_write_piece, &ctx) == 0)
			return n;
	}
	capture_write(cap, buf, stored, (size_t)n, now);
	return n;
}

static int capture_send(struct tapir_link *link, const uint8_t *frame, size_t len, tapir_time now)
{
	struct capture_link *cap = capture_from_link(link);
	int err = tapir_link_send(link->inner, frame, len, now);

	if (err == 0)
		capture_write(cap, frame, len, len, now);
	return err;
}

/* A super-segment goes to the device whole, but into the pcap as the
 * segments the device puts on the wire: Wireshark shows what the peer gets. */
static int capture_send_tso(struct tapir_link *link, const uint8_t *frame, size_t len, uint16_t mss,
                            tapir_time now)
{
	struct capture_piece_ctx ctx = {.cap = capture_from_link(link), .now = now};
	int err = tapir_link_send_tso(link->inner, frame, len, mss, now);

	if (err == 0)
		tso_segment(frame, len, mss, capture_write_piece, &ctx);
	return err;
}

static tapir_time capture_next_due(struct tapir_link *link, tapir_time now)
{
	return tapir_link_next_due(link->inner, now);
}

static int capture_fd(struct tapir_link *link)
{
	return tapir_link_fd(link->inner);
}

static void capture_close(struct tapir_link *link)
{
	struct capture_link *cap = capture_from_link(link);

	pcap_dump_close(cap->dumper);
	pcap_close(cap->pcap);
	tapir_link_close(link->inner);
	free(cap);
}

static const struct tapir_link_ops capture_ops = {
    .recv = capture_recv,
    .send = capture_send,
    .send_tso = capture_send_tso,
    .next_due = capture_next_due,
    .fd = capture_fd,
    .close = capture_close,
};

/* Open `path` for writing as a pcap file of Ethernet frames. */
static int capture_open_file(struct capture_link *cap, const char *path)
{
	int err;

	cap->pcap = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAPLEN);
	if (!cap->pcap)
		return -ENOMEM;
	errno = 0;
	cap->dumper = pcap_dump_open(cap->pcap, path);
	if (!cap->dumper) {
		err = errno > 0 ? -errno : -EIO;
		pcap_close(cap->pcap);
		cap->pcap = NULL;
		return err;
	}
	/* Put the file header on disk now, so that even a capture with no
	 * frames is a readable file. */
	pcap_dump_flush(cap->dumper);
	return 0;
}

int tapir_capture_open(struct tapir_link *inner, const char *path, tapir_time epoch_offset,
                       struct tapir_link **out)
{
	struct capture_link *cap;
	int err;

	if (!inner || !path || !out || path[0] == '\0')
		return -EINVAL;
	/* libpcap reads "-" as standard output; the library never writes there. */
	if (strcmp(path, "-") == 0)
		return -EINVAL;
	*out = NULL;
	cap = calloc(1, sizeof(*cap));
	if (!cap)
		return -ENOMEM;
	err = capture_open_file(cap, path);
	if (err < 0) {
		free(cap);
		return err;
	}
	cap->base.ops = &capture_ops;
	cap->base.inner = inner;
	cap->base.mtu = inner->mtu;
	cap->base.tso_max = inner->tso_max;
	cap->base.lro_max = inner->lro_max;
	snprintf(cap->base.name, sizeof(cap->base.name), "%.26s+pcap", inner->name);
	cap->epoch_offset = epoch_offset;
	*out = &cap->base;
	return 0;
}

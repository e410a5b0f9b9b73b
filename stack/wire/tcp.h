/*
 * tcp.h — the TCP header and its options (RFC 9293 section 3.1 and 3.2,
 * window scale and timestamps from RFC 7323, SACK from RFC 2018).
 *
 * tcp_parse checks the length, the data offset, the checksum over the IPv4
 * pseudo-header and every option's length, and fills a struct tcp_segment
 * whose payload points into the bytes given. tcp_emit writes a segment back,
 * options and checksum included. Pure functions: no state, no allocation.
 */
#ifndef TAPIR_WIRE_TCP_H
#define TAPIR_WIRE_TCP_H

#include "tapir/stats.h"
#include "tapir/types.h"

#define TCP_HEADER_LEN  20 /* without options */
#define TCP_HEADER_MAX  60 /* data offset 15 */
#define TCP_OPTIONS_MAX 40 /* TCP_HEADER_MAX - TCP_HEADER_LEN */

/* The control bits, as on the wire (RFC 9293 3.1, RFC 3168 for ECE/CWR). */
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define TCP_FLAG_URG 0x20
#define TCP_FLAG_ECE 0x40
#define TCP_FLAG_CWR 0x80

/* Option kinds (RFC 9293 3.2, RFC 7323, RFC 2018). */
#define TCP_OPT_EOL            0
#define TCP_OPT_NOP            1
#define TCP_OPT_MSS            2 /* length 4 */
#define TCP_OPT_WSCALE         3 /* length 3 */
#define TCP_OPT_SACK_PERMITTED 4 /* length 2 */
#define TCP_OPT_SACK           5 /* length 2 + 8 per block */
#define TCP_OPT_TIMESTAMPS     8 /* length 10 */

/* At most four SACK blocks fit in 40 bytes of options. */
#define TCP_SACK_BLOCKS_MAX 4

struct tcp_sack_block {
	uint32_t left, right; /* left edge, and the sequence number after the block */
};

/* The options tapir understands; unknown kinds are skipped by parse. When an
 * option appears twice the last one wins. */
struct tcp_options {
	bool has_mss;
	uint16_t mss;
	bool has_wscale;
	uint8_t wscale; /* as received; RFC 7323 says use 14 when it is larger */
	bool sack_permitted;
	bool has_timestamps;
	uint32_t ts_val, ts_ecr;
	uint8_t nsack; /* 0..TCP_SACK_BLOCKS_MAX */
	struct tcp_sack_block sack[TCP_SACK_BLOCKS_MAX];
};

struct tcp_segment {
	uint16_t src_port, dst_port;
	uint32_t seq, ack;
	uint8_t flags;   /* TCP_FLAG_* */
	uint16_t window; /* as on the wire, not scaled */
	uint16_t urgent;
	struct tcp_options opt;
	uint8_t header_len; /* set by parse: 20..60 */
	const uint8_t *payload;
	size_t payload_len;
};

/* Validate `len` bytes of TCP segment (the IP payload) from src to dst.
 * Returns TAPIR_DROP_NONE and fills *seg, or the reason: _TCP_TRUNCATED
 * (shorter than 20 bytes), _TCP_BAD_OFFSET (data offset below 5 or past the
 * end), _TCP_BAD_CHECKSUM, _TCP_BAD_OPTION (an option length of 0 or 1, an
 * option running past the header, or a known option with the wrong length). */
enum tapir_drop tcp_parse(const uint8_t *data, size_t len, tapir_ip src, tapir_ip dst,
                          struct tcp_segment *seg);

/* Write header, options and seg->payload to out, with the checksum. Options
 * are laid out on 4-byte boundaries with NOPs when that fits in 40 bytes, and
 * packed otherwise. Returns the segment length, or 0 when cap is too small,
 * nsack is above 4, the options do not fit or the segment exceeds 65535. */
size_t tcp_emit(const struct tcp_segment *seg, tapir_ip src, tapir_ip dst, uint8_t *out,
                size_t cap);
/* tcp_emit for a device that finishes the checksum (TCP segmentation
 * offload): the checksum field holds only the folded, uninverted sum of
 * the pseudo-header, as Linux's CHECKSUM_PARTIAL expects. */
size_t tcp_emit_offload(const struct tcp_segment *seg, tapir_ip src, tapir_ip dst, uint8_t *out,
                        size_t cap);

/* Bytes the options of `opt` take on the wire (a multiple of 4), or a value
 * above TCP_OPTIONS_MAX when they cannot fit. */
size_t tcp_options_len(const struct tcp_options *opt);

/* The sequence space a segment occupies: payload bytes plus one for SYN and
 * one for FIN (RFC 9293 3.4, SEG.LEN). */
uint32_t tcp_segment_seq_len(const struct tcp_segment *seg);

#endif

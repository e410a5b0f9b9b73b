/*
 * tcp.c — parse and emit the TCP header (RFC 9293 section 3.1) and its
 * options: MSS (RFC 9293 3.2), window scale and timestamps (RFC 7323),
 * SACK-permitted and SACK (RFC 2018). The checksum covers the IPv4
 * pseudo-header, the header and the data (RFC 9293 3.1, "Checksum").
 */
#include <string.h>

#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
	       (uint32_t)p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One option of kind `kind` and total length `len` (kind and length bytes
 * included) with its value at `val`. Returns false when the length is wrong
 * for a kind we know. Unknown kinds are ignored (RFC 9293 3.1: "MUST
 * ignore" options it does not implement). */
static bool parse_one_option(uint8_t kind, uint8_t len, const uint8_t *val, struct tcp_options *opt)
{
	switch (kind) {
	case TCP_OPT_MSS:
		if (len != 4)
			return false;
		opt->has_mss = true;
		opt->mss = get16(val);
		return true;
	case TCP_OPT_WSCALE:
		if (len != 3)
			return false;
		opt->has_wscale = true;
		opt->wscale = val[0];
		return true;
	case TCP_OPT_SACK_PERMITTED:
		if (len != 2)
			return false;
		opt->sack_permitted = true;
		return true;
	case TCP_OPT_SACK:
		if (len < 10 || (len - 2) % 8 != 0 || (len - 2) / 8 > TCP_SACK_BLOCKS_MAX)
			return false;
		opt->nsack = (uint8_t)((len - 2) / 8);
		for (unsigned i = 0; i < opt->nsack; i++) {
			opt->sack[i].left = get32(val + 8 * i);
			opt->sack[i].right = get32(val + 8 * i + 4);
		}
		return true;
	case TCP_OPT_TIMESTAMPS:
		if (len != 10)
			return false;
		opt->has_timestamps = true;
		opt->ts_val = get32(val);
		opt->ts_ecr = get32(val + 4);
		return true;
	default:
		return true;
	}
}

/* Walk the option list (RFC 9293 3.1, "Options"): EOL ends it, NOP is one
 * byte, every other kind has a length byte of at least 2 that must stay
 * inside the header. */
static enum tapir_drop parse_options(const uint8_t *p, size_t len, struct tcp_options *opt)
{
	size_t i = 0;

	memset(opt, 0, sizeof(*opt));
	while (i < len) {
		uint8_t kind = p[i];

		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return TAPIR_DROP_TCP_BAD_OPTION; /* no room for the length byte */
		uint8_t olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return TAPIR_DROP_TCP_BAD_OPTION;
		if (!parse_one_option(kind, olen, p + i + 2, opt))
			return TAPIR_DROP_TCP_BAD_OPTION;
		i += olen;
	}
	return TAPIR_DROP_NONE;
}

enum tapir_drop tcp_parse(const uint8_t *data, size_t len, tapir_ip src, tapir_ip dst,
                          struct tcp_segment *seg)
{
	if (len < TCP_HEADER_LEN)
		return TAPIR_DROP_TCP_TRUNCATED;
	/* An IPv4 payload can never be longer than this; refuse before the
	 * pseudo-header's 16-bit length field would wrap. */
	if (len > IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN)
		return TAPIR_DROP_TCP_TRUNCATED;

	size_t header_len = (size_t)(data[12] >> 4) * 4;
	if (header_len < TCP_HEADER_LEN || header_len > len)
		return TAPIR_DROP_TCP_BAD_OFFSET;

	uint32_t sum = checksum_pseudo_header(src, dst, IPV4_PROTO_TCP, (uint16_t)len);
	if (checksum_finish(checksum_add(sum, data, len)) != 0)
		return TAPIR_DROP_TCP_BAD_CHECKSUM;

	memset(seg, 0, sizeof(*seg));
	enum tapir_drop why =
	    parse_options(data + TCP_HEADER_LEN, header_len - TCP_HEADER_LEN, &seg->opt);
	if (why != TAPIR_DROP_NONE)
		return why;

	seg->src_port = get16(data);
	seg->dst_port = get16(data + 2);
	seg->seq = get32(data + 4);
	seg->ack = get32(data + 8);
	seg->flags = data[13];
	seg->window = get16(data + 14);
	seg->urgent = get16(data + 18);
	seg->header_len = (uint8_t)header_len;
	seg->payload = data + header_len;
	seg->payload_len = len - header_len;
	return TAPIR_DROP_NONE;
}

/* The option writer: with `align`, each option starts after NOPs so that
 * its multi-byte fields fall on the usual boundaries (as Linux sends them);
 * without, options are packed. `out` NULL only counts. */
struct opt_writer {
	uint8_t *out;
	size_t len;
	bool align;
};

static void opt_byte(struct opt_writer *w, uint8_t b)
{
	if (w->out && w->len < TCP_OPTIONS_MAX)
		w->out[w->len] = b;
	w->len++;
}

static void opt_nops(struct opt_writer *w, unsigned n)
{
	if (!w->align)
		return;
	for (unsigned i = 0; i < n; i++)
		opt_byte(w, TCP_OPT_NOP);
}

static void opt_u16(struct opt_writer *w, uint16_t v)
{
	opt_byte(w, (uint8_t)(v >> 8));
	opt_byte(w, (uint8_t)v);
}

static void opt_u32(struct opt_writer *w, uint32_t v)
{
	opt_u16(w, (uint16_t)(v >> 16));
	opt_u16(w, (uint16_t)v);
}

/* MSS first, then SACK-permitted with timestamps (both fit in 12 bytes),
 * window scale, and SACK blocks last. */
static void write_options(struct opt_writer *w, const struct tcp_options *opt)
{
	if (opt->has_mss) {
		opt_byte(w, TCP_OPT_MSS);
		opt_byte(w, 4);
		opt_u16(w, opt->mss);
	}
	if (opt->sack_permitted) {
		if (!opt->has_timestamps)
			opt_nops(w, 2);
		opt_byte(w, TCP_OPT_SACK_PERMITTED);
		opt_byte(w, 2);
	}
	if (opt->has_timestamps) {
		if (!opt->sack_permitted)
			opt_nops(w, 2);
		opt_byte(w, TCP_OPT_TIMESTAMPS);
		opt_byte(w, 10);
		opt_u32(w, opt->ts_val);
		opt_u32(w, opt->ts_ecr);
	}
	if (opt->has_wscale) {
		opt_nops(w, 1);
		opt_byte(w, TCP_OPT_WSCALE);
		opt_byte(w, 3);
		opt_byte(w, opt->wscale);
	}
	if (opt->nsack > 0) {
		opt_nops(w, 2);
		opt_byte(w, TCP_OPT_SACK);
		opt_byte(w, (uint8_t)(2 + 8 * opt->nsack));
		for (unsigned i = 0; i < opt->nsack && i < TCP_SACK_BLOCKS_MAX; i++) {
			opt_u32(w, opt->sack[i].left);
			opt_u32(w, opt->sack[i].right);
		}
	}
	/* Pad to a multiple of 4 with EOL (zero) bytes. */
	while (w->len % 4 != 0)
		opt_byte(w, TCP_OPT_EOL);
}

/* Lay the options out aligned when that fits, packed otherwise. Returns the
 * length (a multiple of 4), above TCP_OPTIONS_MAX when they cannot fit. */
static size_t layout_options(const struct tcp_options *opt, uint8_t *out)
{
	struct opt_writer w = {.out = NULL, .len = 0, .align = true};

	if (opt->nsack > TCP_SACK_BLOCKS_MAX)
		return TCP_OPTIONS_MAX + 1;
	write_options(&w, opt);
	if (w.len > TCP_OPTIONS_MAX) {
		w.len = 0;
		w.align = false;
		write_options(&w, opt);
		if (w.len > TCP_OPTIONS_MAX)
			return w.len;
	}
	if (out) {
		w.out = out;
		w.len = 0;
		write_options(&w, opt);
	}
	return w.len;
}

size_t tcp_options_len(const struct tcp_options *opt)
{
	return layout_options(opt, NULL);
}

/* Lay the segment out in `out` and fill the checksum field: the complete
 * checksum, or (offload) only the folded pseudo-header sum for a device to
 * finish. */
static size_t emit_segment(const struct tcp_segment *seg, tapir_ip src, tapir_ip dst, uint8_t *out,
                           size_t cap, bool offload)
{
	size_t optlen = layout_options(&seg->opt, NULL);
	if (optlen > TCP_OPTIONS_MAX)
		return 0;
	size_t header_len = TCP_HEADER_LEN + optlen;
	if (seg->payload_len > IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN - header_len)
		return 0;
	size_t total = header_len + seg->payload_len;
	if (total > cap)
		return 0;

	/* The payload first: the caller may have placed it right after the
	 * header already (then there is nothing to move), or nearby. */
	if (seg->payload_len > 0 && seg->payload != out + header_len)
		memmove(out + header_len, seg->payload, seg->payload_len);
	put16(out, seg->src_port);
	put16(out + 2, seg->dst_port);
	put32(out + 4, seg->seq);
	put32(out + 8, seg->ack);
	out[12] = (uint8_t)((header_len / 4) << 4);
	out[13] = seg->flags;
	put16(out + 14, seg->window);
	put16(out + 16, 0);
	put16(out + 18, seg->urgent);
	layout_options(&seg->opt, out + TCP_HEADER_LEN);

	uint32_t sum = checksum_pseudo_header(src, dst, IPV4_PROTO_TCP, (uint16_t)total);
	if (offload)
		put16(out + 16, (uint16_t)~checksum_finish(sum));
	else
		put16(out + 16, checksum_finish(checksum_add(sum, out, total)));
	return total;
}

size_t tcp_emit(const struct tcp_segment *seg, tapir_ip src, tapir_ip dst, uint8_t *out, size_t cap)
{
	return emit_segment(seg, src, dst, out, cap, false);
}

size_t tcp_emit_offload(const struct tcp_segment *seg, tapir_ip src, tapir_ip dst, uint8_t *out,
                        size_t cap)
{
	return emit_segment(seg, src, dst, out, cap, true);
}

uint32_t tcp_segment_seq_len(const struct tcp_segment *seg)
{
	uint32_t n = (uint32_t)seg->payload_len;

	if (seg->flags & TCP_FLAG_SYN)
		n++;
	if (seg->flags & TCP_FLAG_FIN)
		n++;
	return n;
}

/*
 * tso.h — TCP segmentation in software: cutting one large TCP segment (a
 * "super-segment" built for TCP segmentation offload, TSO) into the
 * segments that go on the wire, the way a network card or Linux's GSO does.
 *
 * tapir uses it wherever a super-segment must look like the wire: the pcap
 * writer (students see MSS-sized segments in Wireshark, never a 64 KiB one)
 * and the sim link (so tests can run TCP with TSO on the virtual clock).
 */
#ifndef TAPIR_WIRE_TSO_H
#define TAPIR_WIRE_TSO_H

#include "tapir/types.h"

/* Called with each wire frame in turn; a negative return stops the cutting
 * and is handed back by tso_segment. */
typedef int (*tso_piece_fn)(void *user, const uint8_t *frame, size_t len);

/* The TCP flags of piece `index` of `count` cut from a super-segment with
 * `flags`: FIN and PSH only on the last piece, CWR only on the first. */
uint8_t tso_piece_flags(uint8_t flags, size_t index, size_t count);

/* Cut `frame` (Ethernet, IPv4, TCP, in that order, unfragmented) into frames
 * carrying at most `mss` payload bytes each and hand each to `fn`. Every
 * piece gets its own IPv4 total length, an identification one higher than
 * the piece before, FIN and PSH only on the last piece, CWR only on the
 * first, the sequence number advanced by the bytes before it, and complete
 * IPv4 and TCP checksums. A frame whose payload fits in one piece is handed
 * on as one piece, checksums recomputed. Returns 0, -EINVAL for a frame that
 * is not a well-formed unfragmented IPv4/TCP frame or a piece that would not
 * fit in TAPIR_FRAME_MAX, or the first negative value `fn` returned. */
int tso_segment(const uint8_t *frame, size_t len, uint16_t mss, tso_piece_fn fn, void *user);

#endif

/*
 * graph.h — pictures of TCP connections: the RFC 9293 state diagram with the
 * path each connection took, a ladder (sequence) diagram of its segments, a
 * summary of every transition in a run, and an index.html linking them all.
 *
 * A struct tapir_graph collects connections from one of two sources:
 *
 *   - a live stack: attach tapir_graph_sink() to its trace bus. The stack's
 *     own side comes from its TCP_STATE events; the peer's side is inferred
 *     from the segments (TCP_SEGMENT events), as tapir-viz does.
 *   - a capture: tapir_graph_read_pcap() reads any pcap file (Ethernet, raw
 *     IP or Linux cooked), groups the TCP segments into connections and
 *     infers both endpoints' state paths from them.
 *
 * The state diagram is drawn from tapir_tcp_fsm_table(), the table the TCP
 * code dispatches through, so the picture cannot drift from the code; the
 * inference names its events the way the table does and looks the rows up
 * there too. docs/graphs.md describes every file written.
 *
 * The library writes files (DOT, SVG, HTML) but never runs a program and
 * never prints: turning DOT into SVG/PNG with Graphviz's `dot` is the
 * application's job (apps/viz_render.h). Everything is bounded: at most
 * TAPIR_GRAPH_MAX_CONNS connections are drawn, TAPIR_GRAPH_MAX_SEGMENTS
 * segments per ladder and TAPIR_GRAPH_MAX_TRANSITIONS transitions per
 * endpoint; what does not fit is counted and said in the pictures.
 */
#ifndef TAPIR_GRAPH_H
#define TAPIR_GRAPH_H

#include <stdio.h>

#include "tapir/trace.h"
#include "tapir/types.h"

#define TAPIR_GRAPH_MAX_CONNS       256
#define TAPIR_GRAPH_MAX_SEGMENTS    1024
#define TAPIR_GRAPH_MAX_TRANSITIONS 32

struct tapir_graph;

/* A collection that writes into `dir` (created, with its parents, if
 * missing). `title` heads index.html ("tapir-echo", "capture x.pcap").
 * Returns 0, -EINVAL (no or too long a name), -ENOMEM, or mkdir's error. */
int tapir_graph_new(const char *dir, const char *title, struct tapir_graph **out);
void tapir_graph_free(struct tapir_graph *g);

/* The trace sink (user = the struct tapir_graph). A connection's pictures
 * are written when it reaches CLOSED, and again at finish if anything was
 * traced for it afterwards. */
void tapir_graph_sink(void *user, const struct tapir_event *ev);

/* Read every packet of a pcap file into the collection, inferring both
 * endpoints of each TCP connection. Returns 0, or a negative error with a
 * sentence in err (cap bytes): the file cannot be opened, is not a pcap, has
 * a link type other than Ethernet / raw IP / Linux cooked, or is cut short.
 * Packets that are not TCP over IPv4 are counted and skipped. */
int tapir_graph_read_pcap(struct tapir_graph *g, const char *path, char *err, size_t cap);
/* The same from an open stream (fuzzing uses fmemopen); closes `f`. */
int tapir_graph_read_pcap_stream(struct tapir_graph *g, FILE *f, char *err, size_t cap);

/* Write the pictures still due (connections not yet CLOSED included), the
 * summary graph and index.html. Returns 0 or the first write error. */
int tapir_graph_finish(struct tapir_graph *g);

/* Every state transition recorded or inferred, as JSON Lines TCP_STATE
 * events in the schema of docs/trace.md, in time order. For a capture both
 * endpoints are written, each as a "local" endpoint with its own conn id
 * (2n-1 for the client side of connection n, 2n for the server side). */
int tapir_graph_write_trace(const struct tapir_graph *g, FILE *out);

/* What the collection holds, for programs and tests. */
struct tapir_graph_stats {
	unsigned conns;            /* connections recorded */
	unsigned conns_dropped;    /* connections beyond TAPIR_GRAPH_MAX_CONNS */
	unsigned long packets;     /* packets read from a capture */
	unsigned long not_tcp;     /* of those, not TCP over IPv4 (skipped) */
	unsigned long malformed;   /* of those, too short or inconsistent (skipped) */
	unsigned long unexplained; /* segments the inference could not place */
	int write_error;           /* first error writing a file (0: none) */
};
struct tapir_graph_stats tapir_graph_stats(const struct tapir_graph *g);

/* The state path of endpoint `side` (0: the local stack / the client, 1:
 * the peer / the server) of the n-th connection recorded (0-based), as
 * "CLOSED SYN-SENT ESTABLISHED ..." into out. Returns -ENOENT when there is
 * no such connection. */
int tapir_graph_path(const struct tapir_graph *g, unsigned n, int side, char *out, size_t cap);

/* Compare the first TCP connection of `a` with that of `b` (typically tapir
 * and the Linux kernel doing the same exchange) and write an HTML page to
 * `out`: a table of differences (options offered, initial windows, ISNs,
 * ACK strategy, who closes first, retransmission timings) and both ladder
 * diagrams side by side. Returns 0, -ENOENT when either holds no
 * connection, or -EIO when writing failed. */
int tapir_graph_compare(const struct tapir_graph *a, const char *name_a,
                        const struct tapir_graph *b, const char *name_b, FILE *out);

#endif /* TAPIR_GRAPH_H */

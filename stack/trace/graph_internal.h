/*
 * graph_internal.h — what the graph files share (graph.c, graph_infer.c,
 * graph_dot.c, graph_ladder.c, graph_pcap.c, graph_compare.c): the record
 * kept per connection and the functions that fill and draw it.
 *
 * A connection has two endpoints ("sides"). Side 0 is the local stack in a
 * live run, or the client (the first to send a SYN) in a capture; side 1 is
 * the other one. Each side has the transitions it went through: observed
 * (from the stack's own trace) or inferred from the segments seen.
 */
#ifndef TAPIR_GRAPH_INTERNAL_H
#define TAPIR_GRAPH_INTERNAL_H

#include <stdio.h>

#include "tapir/graph.h"
#include "tapir/tcp.h"

#define GRAPH_STATE_LEN   16 /* "SYN-RECEIVED" and the rest fit */
#define GRAPH_CAUSE_LEN   64
#define GRAPH_OPTIONS_LEN 48
#define GRAPH_PATH_LEN    512

struct graph_segment {
	tapir_time time;
	uint8_t sender; /* 0 or 1: which side sent it */
	uint8_t flags;  /* TCP flag bits as on the wire */
	bool retransmission;
	uint32_t seq, ack, len, window;
	char options[GRAPH_OPTIONS_LEN];
};

struct graph_transition {
	tapir_time time;
	char from[GRAPH_STATE_LEN], to[GRAPH_STATE_LEN];
	char cause[GRAPH_CAUSE_LEN];
	unsigned after_segment; /* segments recorded when it happened */
};

/* What the inference knows about one endpoint while it reads segments. */
struct graph_infer_side {
	const char *state; /* a state name from the FSM table */
	bool syn_sent, fin_sent, fin_received;
	bool saw_syn;      /* a SYN from the other side reached it */
	tapir_time syn_at; /* when that SYN was seen */
	unsigned syn_seg;  /* segments recorded up to and with it */
	uint32_t iss;      /* its initial sequence number (when syn_sent) */
	uint32_t fin_seq;  /* sequence number of its FIN */
	uint32_t snd_max;  /* highest sequence number it has sent, plus one */
	/* The other side's FIN was seen; it counts as received once this side
	 * acknowledges it (a FIN of its own that does not is a simultaneous
	 * close: RFC 9293 3.6, Figure 13). */
	bool fin_pending;
	uint32_t peer_fin_seq;
	tapir_time fin_at;
	unsigned fin_seg;
	bool sent_any;
};

struct graph_side {
	tapir_ip ip;
	uint16_t port;
	bool inferred; /* transitions come from the inference, not a trace */
	bool primary;  /* counted in the summary graph */
	char start[GRAPH_STATE_LEN];
	struct graph_transition tr[TAPIR_GRAPH_MAX_TRANSITIONS];
	unsigned ntr, tr_dropped;
	struct graph_infer_side inf;
	/* From its first SYN, for relative numbers and the comparison. */
	bool isn_known;
	uint32_t isn;
	uint32_t syn_window;
	char syn_options[GRAPH_OPTIONS_LEN];
};

struct graph_conn {
	uint32_t id;
	struct graph_side side[2];
	struct graph_segment *seg; /* grows up to TAPIR_GRAPH_MAX_SEGMENTS */
	unsigned nseg, segcap;
	unsigned long seg_dropped; /* segments not kept for the ladder */
	tapir_time first, last;
	bool closed;           /* side 0 reached CLOSED */
	bool dirty;            /* events since the pictures were last written */
	bool written;          /* pictures written at least once */
	bool live;             /* from a live trace (side 0 observed) */
	bool finished_capture; /* capture: both sides are done, a new SYN is a new connection */
};

struct tapir_graph {
	char dir[512];
	char title[128];
	struct graph_conn *conns[TAPIR_GRAPH_MAX_CONNS];
	unsigned nconns;
	struct tapir_graph_stats stats;
	const struct tapir_tcp_transition *table;
	size_t table_rows;
};

/* graph.c */
struct graph_conn *graph_conn_add(struct tapir_graph *g, uint32_t id);
void graph_add_segment(struct graph_conn *c, const struct graph_segment *s);
void graph_add_transition(struct graph_side *side, tapir_time time, const char *from,
                          const char *to, const char *cause, unsigned after_segment);
/* Path "CLOSED SYN-SENT ..." of one side. */
void graph_side_path(const struct graph_side *side, char *out, size_t cap);
/* The state a side is in at the end. */
const char *graph_side_final(const struct graph_side *side);
void graph_format_endpoint(tapir_ip ip, uint16_t port, char *out, size_t cap);
void graph_write_conn_files(struct tapir_graph *g, struct graph_conn *c);
/* Escape text for HTML/SVG/XML into out. */
void graph_xml_escape(const char *in, char *out, size_t cap);

/* graph_infer.c */
void graph_infer_init(struct graph_side *side);
/* A segment sent by side `sender` was recorded as c->seg[c->nseg - 1] (or
 * counted past the cap): update both sides, recording inferred
 * transitions on the sides marked `inferred`. Returns false when the
 * segment fits no rule (counted as unexplained by the caller). */
bool graph_infer_segment(struct tapir_graph *g, struct graph_conn *c,
                         const struct graph_segment *s);
/* True when the segment repeats sequence space its sender already sent. */
bool graph_infer_is_retransmission(const struct graph_conn *c, const struct graph_segment *s);

/* graph_dot.c */
int graph_write_state_dot(const struct tapir_graph *g, const struct graph_conn *c, int side,
                          FILE *out);
int graph_write_summary_dot(const struct tapir_graph *g, FILE *out);

/* graph_ladder.c */
int graph_write_ladder_svg(const struct graph_conn *c, FILE *out);

#endif /* TAPIR_GRAPH_INTERNAL_H */

/*
 * tcp_internal.h — the TCP layer's private state: the Transmission Control
 * Block (RFC 9293 3.3.1), the state machine's events, and the functions the
 * files of tcp/ share.
 *
 *   fsm.c     the state table and tcp_set_state(), the one door for changes
 *   input.c   SEGMENT ARRIVES (RFC 9293 3.10.7) in every state
 *   output.c  building and sending segments: data, ACK, SYN, FIN, RST
 *   timer.c   retransmission (RFC 6298), persist, delayed ACK, keep-alive,
 *             2MSL; congestion control (RFC 5681, NewReno RFC 6582)
 *   socket.c  the user calls (RFC 9293 3.10.1-3.10.6) behind tapir/tcp.h
 *   tcp.c     the layer: connection table, demultiplexing, ISNs (RFC 6528)
 *   sack.c    runs of sequence space: out-of-order data, the SACK scoreboard
 *   ring.c    byte ring buffers for send and receive data
 *   siphash.c SipHash-2-4, the keyed hash behind the ISNs
 */
#ifndef TAPIR_TCP_INTERNAL_H
#define TAPIR_TCP_INTERNAL_H

#include "net/stack_internal.h"
#include "tapir/tcp.h"
#include "wire/tcp.h"

/* ---- states and events (RFC 9293 3.3.2) ---------------------------------- */

enum tcp_state {
	TCP_CLOSED = 0,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
	TCP_STATE__COUNT
};

/* What can make a connection change state: user calls, segments, timers. */
enum tcp_event {
	TCP_EV_PASSIVE_OPEN,       /* listen(), or a listener's copy made for a SYN */
	TCP_EV_ACTIVE_OPEN,        /* connect(): SYN sent */
	TCP_EV_CLOSE,              /* close()/shutdown() by the application */
	TCP_EV_ABORT,              /* abort() by the application */
	TCP_EV_RCV_SYN,            /* a SYN without ACK */
	TCP_EV_RCV_SYN_ACK,        /* our SYN acknowledged by the peer's SYN,ACK */
	TCP_EV_RCV_ACK_OF_SYN,     /* the ACK completing a handshake */
	TCP_EV_RCV_FIN,            /* the peer's FIN, in order */
	TCP_EV_RCV_ACK_OF_FIN,     /* our FIN acknowledged */
	TCP_EV_RCV_RST,            /* an acceptable RST */
	TCP_EV_TIMEOUT_2MSL,       /* TIME-WAIT over */
	TCP_EV_TIMEOUT_RETRY,      /* too many retransmissions (or keep-alives) */
	TCP_EV_TIMEOUT_FIN_WAIT_2, /* the closed application waited too long for a FIN */
	TCP_EV_EVICT,              /* backlog full: the oldest half-open connection goes */
	TCP_EV_RCV_NEW_SYN,        /* TIME-WAIT: a SYN that starts a new incarnation */
	TCP_EV_RCV_ICMP_HARD,      /* SYN-SENT: ICMP port/protocol unreachable (tcp/icmp.c) */
	TCP_EV__COUNT
};

/* A row of the state table (fsm.c). */
struct tcp_fsm_row {
	enum tcp_state from;
	enum tcp_event event;
	enum tcp_state to;
	const char *label;
};

/* ---- byte rings (ring.c) ---------------------------------------------------- */

struct tcp_ring {
	uint8_t *data; /* NULL until the first byte comes (lazy: idle connections are small) */
	uint32_t cap;
	uint32_t head; /* index of the first byte */
	uint32_t len;  /* bytes held from head */
};

int ring_reserve(struct tcp_ring *r);
void ring_release(struct tcp_ring *r);
uint32_t ring_free(const struct tcp_ring *r);
/* Copy n bytes to offset `off` from head (off + n <= cap); len is unchanged. */
void ring_write_at(struct tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t n);
/* Copy n bytes from offset `off` from head without consuming them. */
void ring_peek(const struct tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t n);
void ring_consume(struct tcp_ring *r, uint32_t n);

/* ---- the Transmission Control Block ------------------------------------------ */

/* A run of out-of-order bytes held in the receive ring: [start, end). */
struct tcp_range {
	uint32_t start, end;
};

struct tcp_conn {
	struct tcp_layer *layer;
	uint32_t id;
	enum tcp_state state; /* written only by tcp_set_state() in fsm.c */
	tapir_ip local_ip, remote_ip;
	uint16_t local_port, remote_port;

	/* Lists: the hash chain, all connections, a listener's children. */
	struct tcp_conn *hash_next;
	struct tcp_conn *all_next, *all_prev;
	struct tcp_conn *timer_next, *timer_prev; /* on the layer's list of armed timers */
	bool on_timer_list;
	struct tcp_conn *listener;                      /* for a passive child */
	struct tcp_conn *child_next, *child_prev;       /* in the listener's list */
	struct tcp_conn *children_head, *children_tail; /* listener: in arrival order */
	unsigned nchildren, backlog;

	/* Send sequence variables (RFC 9293 3.3.1). */
	uint32_t iss, snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2;
	uint32_t snd_max;     /* highest sequence number sent + 1 */
	uint32_t max_snd_wnd; /* largest window the peer offered (RFC 5961 5.2) */
	uint32_t snd_buf_seq; /* sequence number of the first byte in sndbuf */
	/* Receive sequence variables. */
	uint32_t irs, rcv_nxt;
	uint32_t rcv_adv; /* right edge of the window last advertised */

	/* Options negotiated in the handshake. */
	uint16_t mss;      /* largest payload we send */
	uint16_t peer_mss; /* from the peer's MSS option */
	uint8_t snd_wscale, rcv_wscale;
	bool wscale_ok, ts_ok;
	bool sack_ok; /* both ends do Selective Acknowledgment (RFC 2018) */
	uint32_t ts_recent, last_ack_sent;
	uint32_t ts_floor;  /* no RTT from echoes of timestamps sent before this (Karn) */
	uint32_t ts_offset; /* added to the millisecond clock in TSval (RFC 7323 5.4) */

	struct tcp_ring sndbuf, rcvbuf;
	struct tcp_range ooo[TAPIR_TCP_OOO_RANGES];
	unsigned nooo;
	uint32_t ooo_last;     /* start of the run the latest out-of-order segment joined */
	uint32_t unacked_segs; /* full segments received since our last ACK */

	bool fin_queued;   /* the application closed its sending side */
	bool fin_received; /* the peer's FIN is in the receive stream */
	bool rst_sent_on_close;

	/* The sender's SACK scoreboard (sack.c): runs the peer holds above
	 * SND.UNA, and how far fast recovery has resent the holes. */
	struct tcp_range sacked[TAPIR_TCP_OOO_RANGES];
	unsigned nsacked;
	uint32_t rexmit_nxt;

	/* Retransmission (RFC 6298). */
	tapir_time srtt, rttvar, rto;
	bool rtt_valid;
	bool rtt_timing;
	uint32_t rtt_seq;
	tapir_time rtt_start;
	unsigned retries;

	/* Congestion control (RFC 5681, RFC 6582). */
	uint32_t cwnd, ssthresh;
	unsigned dupacks;
	bool in_recovery;
	/* tcp_output found the congestion window full (not the peer's window,
	 * not the application) since the last new ACK: cwnd may grow (RFC
	 * 7661; RFC 5681 3.1 grows a window that is in use). */
	bool cwnd_limited;
	/* The last ICMP error about this connection (RFC 1122 4.2.3.9), as a
	 * negative errno; reported instead of -ETIMEDOUT if it times out. */
	int soft_error;
	uint32_t recover;

	/* Timers: the time each one is due, or TAPIR_TIME_NEVER. */
	tapir_time rexmt_at, persist_at, delack_at, keepalive_at, timewait_at, finwait2_at;
	unsigned persist_backoff, keepalive_probes;
	tapir_time keepalive_idle; /* 0: off */
	tapir_time last_heard;

	/* The application side. */
	tapir_tcp_fn fn;
	void *user;
	int error;
	bool nodelay;
	bool released; /* the application closed or aborted its handle */
	bool accepted; /* a child handed out by accept() */
	bool connected_reported;
	unsigned pending_events;
	struct tcp_conn *wake_next;
	bool on_wake_list;
	bool dead; /* unlinked, waits for reap() */
	struct tcp_conn *dead_next;
};

/* struct tapir_tcp is the handle applications hold: the TCB itself. */
struct tapir_tcp {
	struct tcp_conn conn;
};

struct tcp_layer {
	struct tapir_stack *stack;
	struct tcp_conn *buckets[TAPIR_TCP_HASH_BUCKETS];
	struct tcp_conn *all;
	struct tcp_conn *timers; /* connections with a timer armed: poll scans only these */
	struct tcp_conn *wake_head, *wake_tail;
	struct tcp_conn *dead;
	unsigned nconns;
	uint32_t next_id;
	uint16_t next_port;
	uint64_t isn_key[2];
	tapir_time msl;
	tapir_time next_due; /* earliest timer over all connections (a lower bound) */
	unsigned depth;      /* nesting of entry points; work is finished at 0 */
	tapir_time challenge_window;
	unsigned challenges_in_window;
	/* Where segments are built (output.c): STACK_HEADROOM for the IPv4
	 * and Ethernet headers in front, so they go down without a copy. */
	uint8_t scratch[STACK_HEADROOM + IPV4_MAX_DATAGRAM];
};

/* ---- sequence arithmetic (RFC 9293 3.4), modulo 2^32 ------------------------- */

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* ---- fsm.c ------------------------------------------------------------------- */

const char *tcp_state_name(enum tcp_state state);
const char *tcp_event_name(enum tcp_event event);
/* The one function that changes conn->state: looks (state, event) up in the
 * table and emits TAPIR_EV_TCP_STATE. Returns false (and changes nothing)
 * when the table has no such transition. */
bool tcp_set_state(struct tcp_conn *conn, enum tcp_event event);
const struct tcp_fsm_row *tcp_fsm_lookup(enum tcp_state from, enum tcp_event event);
bool tcp_state_synchronized(enum tcp_state state);

/* ---- tcp.c ------------------------------------------------------------------- */

struct tcp_conn *tcp_conn_new(struct tcp_layer *layer);
void tcp_conn_hash(struct tcp_conn *conn);
/* The connection reached CLOSED: stop timers, free buffers, unhash. It is
 * freed once the application has released it too. */
void tcp_conn_closed(struct tcp_conn *conn, int error);
void tcp_conn_release(struct tcp_conn *conn);
/* Take a child out of its listener's list (accept(), or its end). */
void tcp_child_detach(struct tcp_conn *child);
struct tcp_conn *tcp_conn_lookup(struct tcp_layer *layer, tapir_ip local_ip, uint16_t local_port,
                                 tapir_ip remote_ip, uint16_t remote_port);
struct tcp_conn *tcp_listener_lookup(struct tcp_layer *layer, uint16_t port);
void tcp_set_ts_offset(struct tcp_conn *conn);
uint32_t tcp_isn(struct tcp_layer *layer, tapir_ip local_ip, uint16_t local_port,
                 tapir_ip remote_ip, uint16_t remote_port, tapir_time now);
void tcp_conn_id(const struct tcp_conn *conn, struct tapir_tcp_conn_id *id);
/* Queue events for the application's callback, delivered when the current
 * entry point finishes. */
void tcp_wake(struct tcp_conn *conn, unsigned events);
void tcp_enter(struct tcp_layer *layer);
void tcp_leave(struct tcp_layer *layer);
void tcp_timer_armed(struct tcp_conn *conn, tapir_time when);
uint32_t tcp_rcv_wnd(const struct tcp_conn *conn);
uint8_t tcp_wscale_for(uint32_t buffer);

/* ---- sack.c ---------------------------------------------------------------- */

/* Add [start, end) to a sorted, merged list of at most TAPIR_TCP_OOO_RANGES
 * runs; false when it would need one more. */
bool tcp_ranges_insert(struct tcp_range *r, unsigned *n, uint32_t start, uint32_t end);
void tcp_sack_update(struct tcp_conn *conn, const struct tcp_segment *seg);
void tcp_sack_reset(struct tcp_conn *conn);
bool tcp_sack_retransmit(struct tcp_conn *conn);
bool tcp_sack_loss_seen(const struct tcp_conn *conn);

/* ---- siphash.c ------------------------------------------------------------- */

uint64_t siphash24(const uint64_t key[2], const uint8_t *data, size_t len);

/* ---- input.c ----------------------------------------------------------------- */

void tcp_input(struct tapir_stack *stack, const struct ipv4_header *ip,
               const struct tcp_segment *seg);

/* ---- output.c ---------------------------------------------------------------- */

/* Send what the windows, Nagle and the FIN allow. */
void tcp_output(struct tcp_conn *conn);
void tcp_send_ack(struct tcp_conn *conn);
void tcp_send_syn(struct tcp_conn *conn);
void tcp_send_rst(struct tcp_conn *conn);
/* RST for a segment that belongs to no connection (RFC 9293 3.10.7.1). */
void tcp_send_rst_reply(struct tapir_stack *stack, const struct ipv4_header *ip,
                        const struct tcp_segment *seg);
/* Send one segment from `seq`: up to `len` bytes of the send buffer plus the
 * flags given (SYN and FIN included by the caller). */
void tcp_send_segment(struct tcp_conn *conn, uint32_t seq, uint8_t flags, uint32_t len,
                      bool retransmission);
void tcp_emit_segment_event(struct tcp_conn *conn, enum tapir_dir dir,
                            const struct tcp_segment *seg, bool retransmission);
uint32_t tcp_flight_size(const struct tcp_conn *conn);
uint16_t tcp_our_mss(const struct tcp_layer *layer);

/* ---- timer.c ----------------------------------------------------------------- */

void tcp_timers_stop(struct tcp_conn *conn);
void tcp_rexmt_restart(struct tcp_conn *conn);
void tcp_rtt_sample(struct tcp_conn *conn, tapir_time rtt);
void tcp_delack_schedule(struct tcp_conn *conn);
void tcp_persist_check(struct tcp_conn *conn);
void tcp_keepalive_reset(struct tcp_conn *conn);
void tcp_timewait_start(struct tcp_conn *conn);
void tcp_finwait2_start(struct tcp_conn *conn);
tapir_time tcp_conn_timers(struct tcp_conn *conn, tapir_time now);
void tcp_cc_init(struct tcp_conn *conn);
void tcp_cc_new_ack(struct tcp_conn *conn, uint32_t acked);
void tcp_cc_dupack(struct tcp_conn *conn);
void tcp_cc_sack_loss(struct tcp_conn *conn);
void tcp_cc_event(struct tcp_conn *conn, const char *cause);

#endif /* TAPIR_TCP_INTERNAL_H */

/*
 * trace.h — the trace bus: every event a student cares about, and its sinks.
 *
 * Layers call tapir_trace_emit() with a typed event; the bus hands it to every
 * attached sink (text log, JSON Lines, graph builders). Emitting with no sink
 * attached costs one branch. The JSON Lines schema is documented in
 * docs/trace.md; each event kind below is one "event" value there.
 */
#ifndef TAPIR_TRACE_H
#define TAPIR_TRACE_H

#include <stdio.h>

#include "tapir/options.h"
#include "tapir/stats.h"
#include "tapir/types.h"

enum tapir_log_level {
	TAPIR_LOG_ERROR,
	TAPIR_LOG_WARN,
	TAPIR_LOG_INFO,
	TAPIR_LOG_DEBUG,
};

enum tapir_event_kind {
	TAPIR_EV_MESSAGE,     /* free text from a layer or app */
	TAPIR_EV_DROP,        /* input refused: reason from stats.h */
	TAPIR_EV_ARP,         /* ARP request/reply sent or received, cache changes */
	TAPIR_EV_IP_FRAG,     /* a fragment arrived, a datagram was reassembled/sent in pieces */
	TAPIR_EV_ICMP,        /* an ICMP message sent or received */
	TAPIR_EV_UDP,         /* a UDP datagram sent or received */
	TAPIR_EV_TCP_STATE,   /* a TCP connection changed state */
	TAPIR_EV_TCP_SEGMENT, /* a TCP segment sent or received */
	TAPIR_EV_TCP_TIMER,   /* a TCP timer expired (retransmission, persist, 2MSL ...) */
	TAPIR_EV_TCP_CWND,    /* congestion window or slow-start threshold changed */
	TAPIR_EV_DNS,         /* the resolver: query sent, answer, cache hit/miss, state */
	TAPIR_EV_HTTP,        /* HTTP: request, response, refusal, timeout, upgrade */
	TAPIR_EV_WS,          /* WebSocket: ready-state change, frame, close, violation */
	TAPIR_EV__COUNT
};

/* Direction of a packet relative to this stack. */
enum tapir_dir { TAPIR_DIR_IN, TAPIR_DIR_OUT };

enum tapir_arp_what {
	TAPIR_ARP_REQUEST_SENT,
	TAPIR_ARP_REQUEST_RECEIVED,
	TAPIR_ARP_REPLY_SENT,
	TAPIR_ARP_REPLY_RECEIVED,
	TAPIR_ARP_GRATUITOUS_SENT,
	TAPIR_ARP_RESOLVED, /* a cache entry was filled */
	TAPIR_ARP_EXPIRED,  /* a cache entry timed out */
	TAPIR_ARP_FAILED,   /* no answer after all requests */
};

/* What happened to a DNS query (stack/dns/). */
enum tapir_dns_what {
	TAPIR_DNS_EV_STATE,         /* the query changed state: from, to, detail = cause */
	TAPIR_DNS_EV_QUERY_SENT,    /* a query went to `server` (attempt N) */
	TAPIR_DNS_EV_RETRANSMIT,    /* no answer in time: asked again (maybe another server) */
	TAPIR_DNS_EV_ANSWER,        /* an acceptable answer arrived: rcode, answers, elapsed */
	TAPIR_DNS_EV_REFUSED,       /* an answer was ignored: detail = the drop reason */
	TAPIR_DNS_EV_TCP_FALLBACK,  /* the answer was truncated (TC): asking again over TCP */
	TAPIR_DNS_EV_CACHE_HIT,     /* answered from the cache: ttl = seconds left */
	TAPIR_DNS_EV_CACHE_MISS,    /* not in the cache: the question goes to a server */
	TAPIR_DNS_EV_CACHE_STORE,   /* an answer was cached for ttl seconds (negative or not) */
	TAPIR_DNS_EV_CACHE_EXPIRED, /* a cached answer outlived its TTL and was removed */
	TAPIR_DNS_EV_HOSTS_HIT,     /* answered from the static hosts table */
	TAPIR_DNS_EV_CNAME,         /* following a CNAME: name is the new target */
	TAPIR_DNS_EV_DONE,          /* the result went to the application */
};

/* What happened to an HTTP exchange (stack/http/). */
enum tapir_http_what {
	TAPIR_HTTP_TRACE_REQUEST,  /* a request head was parsed (server) or sent (client) */
	TAPIR_HTTP_TRACE_RESPONSE, /* a response was sent (server) or received (client) */
	TAPIR_HTTP_TRACE_REFUSED,  /* a request was refused: status and reason */
	TAPIR_HTTP_TRACE_TIMEOUT,  /* a connection was cut off: reason says which timer */
	TAPIR_HTTP_TRACE_UPGRADE,  /* the connection was handed to another protocol */
};

/* What happened on a WebSocket connection (stack/ws/). */
enum tapir_ws_what {
	TAPIR_WS_TRACE_STATE,     /* the ready-state changed: from, to, cause */
	TAPIR_WS_TRACE_FRAME,     /* a frame was sent or received: opcode, fin, masked, length */
	TAPIR_WS_TRACE_CLOSE,     /* a close frame was sent or received: code, reason */
	TAPIR_WS_TRACE_VIOLATION, /* the peer broke the protocol: reason, the code we close with */
	TAPIR_WS_TRACE_HANDSHAKE, /* an opening handshake was refused (status) or accepted (101) */
};

enum tapir_frag_what {
	TAPIR_FRAG_RECEIVED,
	TAPIR_FRAG_REASSEMBLED,
	TAPIR_FRAG_SENT,
};

/* A TCP connection's identity as the trace shows it. */
struct tapir_tcp_conn_id {
	uint32_t id; /* unique per stack, in order of creation */
	tapir_ip local_ip, remote_ip;
	uint16_t local_port, remote_port;
};

struct tapir_event {
	tapir_time time;
	enum tapir_event_kind kind;
	enum tapir_log_level level;
	union {
		struct {
			const char *layer;
			const char *text;
		} message;
		struct {
			enum tapir_drop reason;
			const char *detail; /* optional extra words, may be NULL */
		} drop;
		struct {
			enum tapir_arp_what what;
			tapir_ip ip;
			struct tapir_mac mac;
		} arp;
		struct {
			enum tapir_frag_what what;
			tapir_ip src, dst;
			uint16_t id;
			uint16_t offset; /* bytes */
			uint16_t length; /* bytes of this fragment, or of the whole datagram */
			bool more;
		} frag;
		struct {
			enum tapir_dir dir;
			tapir_ip src, dst;
			uint8_t type, code;
			uint16_t id, seq; /* for echo request/reply */
			uint16_t length;
		} icmp;
		struct {
			enum tapir_dir dir;
			tapir_ip src, dst;
			uint16_t sport, dport;
			uint16_t length; /* payload bytes */
		} udp;
		struct {
			struct tapir_tcp_conn_id conn;
			const char *from, *to; /* state names as RFC 9293 spells them */
			const char *cause;     /* the RFC's words: "rcv SYN / snd SYN,ACK" */
		} tcp_state;
		struct {
			struct tapir_tcp_conn_id conn;
			enum tapir_dir dir;
			uint8_t flags; /* TCP flag bits as on the wire: FIN 0x01 ... CWR 0x80 */
			uint32_t seq, ack;
			uint32_t len;    /* payload bytes */
			uint32_t window; /* the window field, unscaled */
			uint32_t isn_local,
			    isn_remote;      /* for relative sequence numbers (0 unknown) */
			const char *options; /* "mss=1460,ws=7,ts,sack" or NULL */
			const char *state;   /* the sender's/receiver's state after it */
			bool retransmission;
		} tcp_segment;
		struct {
			struct tapir_tcp_conn_id conn;
			const char *timer; /* "retransmission", "persist", "delayed-ack",
			                      "keepalive", "2msl" */
			uint32_t backoff;  /* retransmission count */
			tapir_time rto;
		} tcp_timer;
		struct {
			struct tapir_tcp_conn_id conn;
			uint32_t cwnd, ssthresh;
			const char *cause; /* "slow start", "congestion avoidance", "fast
			                      retransmit", ... */
		} tcp_cwnd;
		struct {
			enum tapir_dns_what what;
			uint32_t query;     /* number of the query in its resolver */
			const char *name;   /* "www.example.com." */
			uint16_t type;      /* QTYPE: 1 A, 28 AAAA, 15 MX ... */
			uint16_t id;        /* the message ID on the wire */
			tapir_ip server;    /* 0 when not from/to a server (cache, hosts) */
			bool tcp;           /* over TCP rather than UDP */
			unsigned attempt;   /* 1 for the first query, 2 for the first retry ... */
			uint8_t rcode;      /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN ... */
			uint32_t ttl;       /* seconds (cache events) */
			uint16_t answers;   /* records in the answer section */
			tapir_time elapsed; /* since the application asked */
			const char *from, *to; /* TAPIR_DNS_EV_STATE: state names */
			const char *detail;    /* cause of a state change, reason of a refusal */
		} dns;
		struct {
			enum tapir_http_what what;
			struct tapir_tcp_conn_id conn;
			bool client;        /* the event is from tapir's client, not the server */
			uint32_t request;   /* its number on the connection: 1, 2, ... */
			const char *method; /* "GET" (NULL when unknown) */
			const char *target; /* "/index.html" */
			unsigned version;   /* 10 or 11 */
			uint16_t status;    /* response or refusal status */
			uint64_t length;    /* response body bytes (-1 cast: unknown, streamed) */
			const char *reason; /* refusal or timeout: why */
			tapir_time elapsed; /* request: first byte to end of head; response:
			                       head parsed to last byte queued */
		} http;
		struct {
			enum tapir_ws_what what;
			struct tapir_tcp_conn_id conn;
			bool client;        /* tapir's client end, not its server */
			const char *path;   /* the resource: "/ws/echo" */
			const char *from;   /* STATE: "CONNECTING", "OPEN", "CLOSING", "CLOSED" */
			const char *to;     /* STATE */
			const char *cause;  /* STATE: the event, "rcv Close / snd Close" */
			enum tapir_dir dir; /* FRAME, CLOSE */
			uint8_t opcode;     /* FRAME: 0x1 text, 0x2 binary, 0x8 close ... */
			bool fin, masked;   /* FRAME */
			uint64_t length;    /* FRAME: payload bytes */
			uint16_t code;      /* CLOSE: status code (1005: none); VIOLATION: ours */
			uint16_t status;    /* HANDSHAKE: 101, 400, 426 ... */
			const char *reason; /* CLOSE: the close reason; VIOLATION, HANDSHAKE: why */
		} ws;
	} u;
};

typedef void (*tapir_trace_fn)(void *user, const struct tapir_event *ev);

struct tapir_trace_sink {
	tapir_trace_fn fn;
	void *user;
};

struct tapir_trace {
	struct tapir_trace_sink sinks[TAPIR_TRACE_SINKS];
	unsigned nsinks;
};

void tapir_trace_init(struct tapir_trace *trace);
/* Returns 0, or -ENOSPC when TAPIR_TRACE_SINKS sinks are attached already. */
int tapir_trace_attach(struct tapir_trace *trace, tapir_trace_fn fn, void *user);
/* Remove the sink attached with this fn and user (no-op if absent); the
 * others keep their order. */
void tapir_trace_detach(struct tapir_trace *trace, tapir_trace_fn fn, void *user);
void tapir_trace_emit(struct tapir_trace *trace, const struct tapir_event *ev);
static inline bool tapir_trace_active(const struct tapir_trace *trace)
{
	return trace && trace->nsinks > 0;
}

const char *tapir_event_kind_name(enum tapir_event_kind kind);
const char *tapir_log_level_name(enum tapir_log_level level);
/* "error", "warn", "info", "debug" -> level; -EINVAL otherwise. */
int tapir_log_level_parse(const char *text, enum tapir_log_level *out);
const char *tapir_arp_what_name(enum tapir_arp_what what);
/* "SYN,ACK" style text for TCP flags; out must hold 40 bytes. */
void tapir_tcp_flags_format(uint8_t flags, char out[40]);

/* Format one event as a line of text (no newline) / as one JSON object. */
void tapir_event_format_text(const struct tapir_event *ev, char *out, size_t cap);
void tapir_event_format_json(const struct tapir_event *ev, char *out, size_t cap);

/* Sinks. The text sink writes events at or above its level to a FILE;
 * the JSON Lines sink writes every event, one object a line, flushed. */
struct tapir_text_sink {
	FILE *out;
	enum tapir_log_level level;
};
void tapir_text_sink(void *user, const struct tapir_event *ev);

struct tapir_jsonl_sink {
	FILE *out;
};
void tapir_jsonl_sink(void *user, const struct tapir_event *ev);

#endif /* TAPIR_TRACE_H */

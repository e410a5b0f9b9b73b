/*
 * stats.h — per-layer counters and the named reasons for dropping input.
 *
 * Every refusal in tapir has a name from enum tapir_drop. The same name is
 * returned by the wire/ parsers, counted in struct tapir_stats and written to
 * the trace, so a student can match a line of `--stats` output to the trace
 * event and to the packet in the capture. Printed like `netstat -s`.
 */
#ifndef TAPIR_STATS_H
#define TAPIR_STATS_H

#include <stdint.h>
#include <stdio.h>

/* Why a frame, packet or datagram was refused. TAPIR_DROP_NONE means "keep it". */
enum tapir_drop {
	TAPIR_DROP_NONE = 0,

	/* link */
	TAPIR_DROP_LINK_OVERSIZED,  /* frame longer than the MTU allows */
	TAPIR_DROP_LINK_QUEUE_FULL, /* sim / fault queue full */

	/* Ethernet II */
	TAPIR_DROP_ETH_TRUNCATED,    /* shorter than the 14-byte header */
	TAPIR_DROP_ETH_NOT_FOR_US,   /* destination is neither our MAC nor broadcast */
	TAPIR_DROP_ETH_BAD_SOURCE,   /* source MAC is broadcast/multicast */
	TAPIR_DROP_ETH_UNKNOWN_TYPE, /* EtherType we do not speak (IPv6, VLAN...) */

	/* ARP */
	TAPIR_DROP_ARP_TRUNCATED,    /* shorter than a 28-byte Ethernet/IPv4 ARP packet */
	TAPIR_DROP_ARP_BAD_HARDWARE, /* hardware type/length is not Ethernet/6 */
	TAPIR_DROP_ARP_BAD_PROTOCOL, /* protocol type/length is not IPv4/4 */
	TAPIR_DROP_ARP_BAD_OPCODE,   /* neither request (1) nor reply (2) */
	TAPIR_DROP_ARP_NOT_FOR_US,   /* asks for or answers to another host */
	TAPIR_DROP_ARP_BAD_SENDER,   /* sender claims our IP, or a broadcast MAC */
	TAPIR_DROP_ARP_UNRESOLVED,   /* no reply after all requests: queued packet lost */
	TAPIR_DROP_ARP_QUEUE_FULL,   /* too many packets already wait for ARP */

	/* IPv4 */
	TAPIR_DROP_IP_TRUNCATED,     /* shorter than 20 bytes or its own IHL */
	TAPIR_DROP_IP_BAD_VERSION,   /* version field is not 4 */
	TAPIR_DROP_IP_BAD_IHL,       /* IHL below 5 (20 bytes) */
	TAPIR_DROP_IP_BAD_LENGTH,    /* total length below IHL or beyond the bytes received */
	TAPIR_DROP_IP_BAD_CHECKSUM,  /* header checksum does not verify */
	TAPIR_DROP_IP_TTL_ZERO,      /* TTL already 0 on arrival */
	TAPIR_DROP_IP_BAD_SOURCE,    /* source is broadcast, multicast or our own address */
	TAPIR_DROP_IP_NOT_FOR_US,    /* destination is not us (we do not forward) */
	TAPIR_DROP_IP_BAD_FRAGMENT,  /* fragment overruns 64 KiB or has a bad size */
	TAPIR_DROP_IP_REASM_FULL,    /* all reassembly slots busy */
	TAPIR_DROP_IP_REASM_TIMEOUT, /* fragments of a datagram that never completed */
	TAPIR_DROP_IP_UNKNOWN_PROTO, /* protocol we do not speak (answered with ICMP) */
	TAPIR_DROP_IP_NO_ROUTE,      /* cannot send: no gateway for an off-link address */

	/* ICMP */
	TAPIR_DROP_ICMP_TRUNCATED, /* shorter than its 8-byte header */
	TAPIR_DROP_ICMP_BAD_CHECKSUM,
	TAPIR_DROP_ICMP_UNHANDLED,  /* a type we count but do not act on */
	TAPIR_DROP_ICMP_BROADCAST,  /* echo request to a broadcast address (RFC 1122 may) */
	TAPIR_DROP_ICMP_RATE_LIMIT, /* an ICMP error we did not send: rate limit */

	/* UDP */
	TAPIR_DROP_UDP_TRUNCATED,  /* shorter than 8 bytes */
	TAPIR_DROP_UDP_BAD_LENGTH, /* length field disagrees with the IP payload */
	TAPIR_DROP_UDP_BAD_CHECKSUM,
	TAPIR_DROP_UDP_NO_PORT,    /* nobody listens (answered with ICMP port unreachable) */
	TAPIR_DROP_UDP_QUEUE_FULL, /* socket receive queue full */

	/* TCP header (the state machine adds its own reasons later) */
	TAPIR_DROP_TCP_TRUNCATED,
	TAPIR_DROP_TCP_BAD_OFFSET, /* data offset below 5 or past the segment */
	TAPIR_DROP_TCP_BAD_CHECKSUM,
	TAPIR_DROP_TCP_BAD_OPTION, /* option length 0/1 or running past the header */

	/* TCP connections (tcp/): the state machine's refusals, RFC 9293 3.10.7 */
	TAPIR_DROP_TCP_NO_CONNECTION, /* no socket for the segment (answered with RST) */
	TAPIR_DROP_TCP_BAD_FLAGS, /* flags make no sense in the state (no ACK, ACK in LISTEN...) */
	TAPIR_DROP_TCP_BAD_SEQUENCE,  /* outside the receive window (an ACK was sent) */
	TAPIR_DROP_TCP_BAD_ACK,       /* acknowledges data never sent (RFC 5961 5.2) */
	TAPIR_DROP_TCP_CHALLENGE_ACK, /* RST/SYN in the window but not exact: challenge ACK sent */
	TAPIR_DROP_TCP_RST_IGNORED,   /* RST outside the window (RFC 5961 3.2) */
	TAPIR_DROP_TCP_PAWS,          /* timestamp older than TS.Recent (RFC 7323 PAWS) */
	TAPIR_DROP_TCP_BACKLOG_FULL,  /* SYN to a listener whose backlog is full */
	TAPIR_DROP_TCP_NO_MEMORY,     /* connection or buffer limit reached */
	TAPIR_DROP_TCP_OOO_FULL,      /* out-of-order queue full */
	TAPIR_DROP_TCP_BROADCAST,     /* segment to or from a broadcast/multicast address */
	TAPIR_DROP_TCP_AFTER_CLOSE,   /* data for an application that closed (ACKed, discarded) */
	TAPIR_DROP_TCP_ICMP_STALE,    /* ICMP error about no connection, or data not in flight */

	/* DNS (wire/dns.c, dns/): answers the resolver refuses, RFC 1035 4.1 */
	TAPIR_DROP_DNS_TRUNCATED,        /* message ends inside the header, a name or a record */
	TAPIR_DROP_DNS_BAD_POINTER,      /* compression pointer forward or past the end */
	TAPIR_DROP_DNS_POINTER_LOOP,     /* pointer back into its own name, or too many pointers */
	TAPIR_DROP_DNS_BAD_LABEL,        /* label type 01/10 (a length of 64..191) */
	TAPIR_DROP_DNS_NAME_TOO_LONG,    /* name over 255 octets */
	TAPIR_DROP_DNS_BAD_RDATA,        /* RDATA length wrong for its type */
	TAPIR_DROP_DNS_TOO_MANY_RECORDS, /* a section over DNS_SECTION_MAX records */
	TAPIR_DROP_DNS_NOT_RESPONSE,     /* QR bit clear or opcode not QUERY */
	TAPIR_DROP_DNS_WRONG_ID,         /* ID matches no query in flight */
	TAPIR_DROP_DNS_WRONG_QUESTION,   /* question differs from the one asked */
	TAPIR_DROP_DNS_WRONG_SERVER,     /* from an address or port never asked */

	/* HTTP (http/): requests the server refuses, RFC 9110 15 / RFC 9112 */
	TAPIR_DROP_HTTP_BAD_REQUEST,       /* malformed request line or header (400) */
	TAPIR_DROP_HTTP_URI_TOO_LONG,      /* request line over the limit (414) */
	TAPIR_DROP_HTTP_HEADERS_TOO_LARGE, /* header section over the limit (431) */
	TAPIR_DROP_HTTP_BODY_TOO_LARGE,    /* body over the configured limit (413) */
	TAPIR_DROP_HTTP_BAD_VERSION,       /* HTTP version other than 1.x (505) */
	TAPIR_DROP_HTTP_NO_HOST,           /* HTTP/1.1 without exactly one Host (400) */
	TAPIR_DROP_HTTP_BAD_FRAMING,       /* CL with TE, or a bad Content-Length (400) */
	TAPIR_DROP_HTTP_UNKNOWN_CODING,    /* a transfer coding other than chunked (501) */
	TAPIR_DROP_HTTP_OUTSIDE_ROOT,      /* a path that leaves the document root */
	TAPIR_DROP_HTTP_SLOW_CLIENT,       /* request head or body did not arrive in time */
	TAPIR_DROP_HTTP_SEND_TIMEOUT,      /* the client stopped reading the response */
	TAPIR_DROP_HTTP_TOO_MANY,          /* connection over the server's limit (closed) */
	TAPIR_DROP_HTTP_BAD_RESPONSE,      /* client: a malformed response */

	/* WebSocket (wire/ws.c, ws/): frames and handshakes refused, RFC 6455 */
	TAPIR_DROP_WS_TRUNCATED,             /* frame ends inside its header (wait for more) */
	TAPIR_DROP_WS_RSV_SET,               /* RSV1-3 set with no extension negotiated (1002) */
	TAPIR_DROP_WS_BAD_OPCODE,            /* reserved opcode 3-7 or 0xB-0xF (1002) */
	TAPIR_DROP_WS_BAD_LENGTH,            /* 64-bit payload length with its top bit set (1002) */
	TAPIR_DROP_WS_CONTROL_TOO_LONG,      /* control frame over 125 bytes (1002) */
	TAPIR_DROP_WS_CONTROL_FRAGMENTED,    /* control frame without FIN (1002) */
	TAPIR_DROP_WS_UNMASKED,              /* client frame without a mask (1002) */
	TAPIR_DROP_WS_MASKED,                /* server frame with a mask (1002) */
	TAPIR_DROP_WS_BAD_CONTINUATION,      /* continuation frame with no message begun (1002) */
	TAPIR_DROP_WS_EXPECTED_CONTINUATION, /* new message inside a fragmented one (1002) */
	TAPIR_DROP_WS_BAD_UTF8,              /* text or close reason not UTF-8 (1007) */
	TAPIR_DROP_WS_TOO_BIG,               /* message over the configured maximum (1009) */
	TAPIR_DROP_WS_BAD_CLOSE,             /* close frame with a 1-byte payload (1002) */
	TAPIR_DROP_WS_BAD_CLOSE_CODE,  /* close code 0-999, 1004-1006, 1015-2999, 5000+ (1002) */
	TAPIR_DROP_WS_CLOSE_TIMEOUT,   /* the peer did not finish the close handshake in time */
	TAPIR_DROP_WS_SEND_QUEUE_FULL, /* a message for a peer that reads too slowly */
	TAPIR_DROP_WS_BAD_HANDSHAKE,   /* upgrade request not acceptable (400/405/426) */
	TAPIR_DROP_WS_BAD_VERSION,     /* Sec-WebSocket-Version other than 13 (426) */
	TAPIR_DROP_WS_BAD_ACCEPT,      /* client: a 101 without the right Sec-WebSocket-Accept */
	TAPIR_DROP_WS_TOO_MANY,        /* connection over the server's limit (503) */
	/* The live trace feed (ws/trace_feed.c): one drop per gap, detail "N events" */
	TAPIR_DROP_WS_FEED_QUEUE_FULL,  /* more events in one poll than its queue holds */
	TAPIR_DROP_WS_FEED_SLOW_VIEWER, /* a viewer reads too slowly: events skipped for it */

	TAPIR_DROP__COUNT
};

/* Counters of traffic that was accepted or sent, by layer. */
enum tapir_counter {
	TAPIR_CNT_LINK_RX_FRAMES,
	TAPIR_CNT_LINK_TX_FRAMES,
	TAPIR_CNT_LINK_RX_BYTES,
	TAPIR_CNT_LINK_TX_BYTES,
	TAPIR_CNT_LINK_TX_ERRORS,
	TAPIR_CNT_LINK_TX_TSO, /* of the TX frames: super-segments cut by the device */
	TAPIR_CNT_ARP_RX,
	TAPIR_CNT_ARP_REQUESTS_SENT,
	TAPIR_CNT_ARP_REPLIES_SENT,
	TAPIR_CNT_ARP_RESOLVED,
	TAPIR_CNT_IP_RX,
	TAPIR_CNT_IP_TX,
	TAPIR_CNT_IP_DELIVERED,
	TAPIR_CNT_IP_FRAGMENTS_RX,
	TAPIR_CNT_IP_REASSEMBLED,
	TAPIR_CNT_IP_FRAGMENTS_TX,
	TAPIR_CNT_ICMP_RX,
	TAPIR_CNT_ICMP_TX,
	TAPIR_CNT_ICMP_ECHO_REQUESTS_RX,
	TAPIR_CNT_ICMP_ECHO_REPLIES_TX,
	TAPIR_CNT_ICMP_ECHO_REPLIES_RX,
	TAPIR_CNT_ICMP_UNREACH_TX,
	TAPIR_CNT_UDP_RX,
	TAPIR_CNT_UDP_TX,
	TAPIR_CNT_TCP_ICMP_ERRORS, /* ICMP errors TCP took for one of its connections */
	TAPIR_CNT_UDP_ICMP_ERRORS, /* port/protocol unreachable handed to a UDP socket */
	TAPIR_CNT__COUNT
};

struct tapir_stats {
	uint64_t count[TAPIR_CNT__COUNT];
	uint64_t drops[TAPIR_DROP__COUNT];
};

/* The layer a drop reason belongs to: "eth", "arp", "ip", ... */
const char *tapir_drop_layer(enum tapir_drop reason);
/* A short name for logs and JSON: "bad-checksum", "truncated", ... */
const char *tapir_drop_name(enum tapir_drop reason);
/* One sentence for people. */
const char *tapir_drop_text(enum tapir_drop reason);

const char *tapir_counter_layer(enum tapir_counter c);
const char *tapir_counter_text(enum tapir_counter c);

/* Print every non-zero counter grouped by layer, like `netstat -s`. */
void tapir_stats_print(const struct tapir_stats *stats, FILE *out);

#endif /* TAPIR_STATS_H */

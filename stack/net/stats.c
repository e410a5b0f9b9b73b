/*
 * stats.c — names for every counter and drop reason, and the `--stats`
 * printout grouped by layer (like `netstat -s`).
 *
 * The tables are indexed by the enums in tapir/stats.h; the static asserts
 * below catch a reason added to the enum but not to its table.
 */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "tapir/stats.h"

struct name_row {
	const char *layer;
	const char *name;
	const char *text;
};

static const struct name_row drop_rows[] = {
    [TAPIR_DROP_NONE] = {"-", "none", "not dropped"},
    [TAPIR_DROP_LINK_OVERSIZED] = {"link", "oversized", "frame longer than the MTU allows"},
    [TAPIR_DROP_LINK_QUEUE_FULL] = {"link", "queue-full", "link queue full"},
    [TAPIR_DROP_ETH_TRUNCATED] = {"eth", "truncated", "frame shorter than the Ethernet header"},
    [TAPIR_DROP_ETH_NOT_FOR_US] = {"eth", "not-for-us", "destination MAC is not ours"},
    [TAPIR_DROP_ETH_BAD_SOURCE] = {"eth", "bad-source", "source MAC is broadcast or multicast"},
    [TAPIR_DROP_ETH_UNKNOWN_TYPE] = {"eth", "unknown-ethertype", "EtherType not spoken here"},
    [TAPIR_DROP_ARP_TRUNCATED] = {"arp", "truncated", "ARP packet shorter than 28 bytes"},
    [TAPIR_DROP_ARP_BAD_HARDWARE] = {"arp", "bad-hardware", "hardware type is not Ethernet"},
    [TAPIR_DROP_ARP_BAD_PROTOCOL] = {"arp", "bad-protocol", "protocol type is not IPv4"},
    [TAPIR_DROP_ARP_BAD_OPCODE] = {"arp", "bad-opcode", "opcode is neither request nor reply"},
    [TAPIR_DROP_ARP_NOT_FOR_US] = {"arp", "not-for-us", "ARP about another host"},
    [TAPIR_DROP_ARP_BAD_SENDER] = {"arp", "bad-sender", "sender claims our IP or a group MAC"},
    [TAPIR_DROP_ARP_UNRESOLVED] = {"arp", "unresolved", "no ARP reply: waiting packet lost"},
    [TAPIR_DROP_ARP_QUEUE_FULL] = {"arp", "queue-full", "too many packets waiting for ARP"},
    [TAPIR_DROP_IP_TRUNCATED] = {"ip", "truncated", "shorter than its IPv4 header"},
    [TAPIR_DROP_IP_BAD_VERSION] = {"ip", "bad-version", "version is not 4"},
    [TAPIR_DROP_IP_BAD_IHL] = {"ip", "bad-ihl", "header length below 20 bytes"},
    [TAPIR_DROP_IP_BAD_LENGTH] = {"ip", "bad-length",
                                  "total length below the header or beyond the bytes received"},
    [TAPIR_DROP_IP_BAD_CHECKSUM] = {"ip", "bad-checksum", "header checksum wrong"},
    [TAPIR_DROP_IP_TTL_ZERO] = {"ip", "ttl-zero", "TTL 0 on arrival"},
    [TAPIR_DROP_IP_BAD_SOURCE] = {"ip", "bad-source", "source is broadcast, multicast or ours"},
    [TAPIR_DROP_IP_NOT_FOR_US] = {"ip", "not-for-us", "destination is not this host"},
    [TAPIR_DROP_IP_BAD_FRAGMENT] = {"ip", "bad-fragment", "fragment beyond 64 KiB or misaligned"},
    [TAPIR_DROP_IP_REASM_FULL] = {"ip", "reassembly-full", "all reassembly slots busy"},
    [TAPIR_DROP_IP_REASM_TIMEOUT] = {"ip", "reassembly-timeout",
                                     "datagram never completed (fragments lost)"},
    [TAPIR_DROP_IP_UNKNOWN_PROTO] = {"ip", "unknown-protocol", "protocol not spoken here"},
    [TAPIR_DROP_IP_NO_ROUTE] = {"ip", "no-route", "no route: off-link and no gateway"},
    [TAPIR_DROP_ICMP_TRUNCATED] = {"icmp", "truncated", "shorter than the ICMP header"},
    [TAPIR_DROP_ICMP_BAD_CHECKSUM] = {"icmp", "bad-checksum", "ICMP checksum wrong"},
    [TAPIR_DROP_ICMP_UNHANDLED] = {"icmp", "unhandled-type", "ICMP type counted, not acted on"},
    [TAPIR_DROP_ICMP_BROADCAST] = {"icmp", "broadcast-echo", "echo request to a broadcast"},
    [TAPIR_DROP_ICMP_RATE_LIMIT] = {"icmp", "rate-limited", "ICMP error not sent: rate limit"},
    [TAPIR_DROP_UDP_TRUNCATED] = {"udp", "truncated", "shorter than the UDP header"},
    [TAPIR_DROP_UDP_BAD_LENGTH] = {"udp", "bad-length", "length field disagrees with IP"},
    [TAPIR_DROP_UDP_BAD_CHECKSUM] = {"udp", "bad-checksum", "UDP checksum wrong"},
    [TAPIR_DROP_UDP_NO_PORT] = {"udp", "no-port", "no socket on the port (ICMP sent)"},
    [TAPIR_DROP_UDP_QUEUE_FULL] = {"udp", "queue-full", "socket receive queue full"},
    [TAPIR_DROP_TCP_TRUNCATED] = {"tcp", "truncated", "shorter than the TCP header"},
    [TAPIR_DROP_TCP_BAD_OFFSET] = {"tcp", "bad-offset", "data offset outside the segment"},
    [TAPIR_DROP_TCP_BAD_CHECKSUM] = {"tcp", "bad-checksum", "TCP checksum wrong"},
    [TAPIR_DROP_TCP_BAD_OPTION] = {"tcp", "bad-option", "malformed TCP option"},
    [TAPIR_DROP_TCP_NO_CONNECTION] = {"tcp", "no-connection",
                                      "no socket for the segment (RST sent)"},
    [TAPIR_DROP_TCP_BAD_FLAGS] = {"tcp", "bad-flags", "flags not acceptable in this state"},
    [TAPIR_DROP_TCP_BAD_SEQUENCE] = {"tcp", "bad-sequence",
                                     "outside the receive window (ACK sent)"},
    [TAPIR_DROP_TCP_BAD_ACK] = {"tcp", "bad-ack", "acknowledges data never sent"},
    [TAPIR_DROP_TCP_CHALLENGE_ACK] = {"tcp", "challenge-ack",
                                      "RST or SYN in window, not exact: challenge ACK sent"},
    [TAPIR_DROP_TCP_RST_IGNORED] = {"tcp", "rst-out-of-window", "RST outside the window"},
    [TAPIR_DROP_TCP_PAWS] = {"tcp", "paws", "timestamp older than TS.Recent (PAWS)"},
    [TAPIR_DROP_TCP_BACKLOG_FULL] = {"tcp", "backlog-full",
                                     "SYN to a listener with a full backlog"},
    [TAPIR_DROP_TCP_NO_MEMORY] = {"tcp", "no-memory", "connection or buffer limit reached"},
    [TAPIR_DROP_TCP_OOO_FULL] = {"tcp", "out-of-order-full", "out-of-order queue full"},
    [TAPIR_DROP_TCP_BROADCAST] = {"tcp", "broadcast", "TCP to or from a broadcast address"},
    [TAPIR_DROP_TCP_AFTER_CLOSE] = {"tcp", "after-close",
                                    "data after the application closed (discarded)"},
    [TAPIR_DROP_TCP_ICMP_STALE] = {"tcp", "icmp-stale",
                                   "ICMP error about no connection or data not in flight"},
    [TAPIR_DROP_DNS_TRUNCATED] = {"dns", "truncated", "message ends inside a field"},
    [TAPIR_DROP_DNS_BAD_POINTER] = {"dns", "bad-pointer",
                                    "compression pointer forward or past the end"},
    [TAPIR_DROP_DNS_POINTER_LOOP] = {"dns", "pointer-loop", "compression pointers loop"},
    [TAPIR_DROP_DNS_BAD_LABEL] = {"dns", "bad-label", "label longer than 63 octets"},
    [TAPIR_DROP_DNS_NAME_TOO_LONG] = {"dns", "name-too-long", "name longer than 255 octets"},
    [TAPIR_DROP_DNS_BAD_RDATA] = {"dns", "bad-rdata", "RDATA does not fit its type"},
    [TAPIR_DROP_DNS_TOO_MANY_RECORDS] = {"dns", "too-many-records",
                                         "more records in a section than kept"},
    [TAPIR_DROP_DNS_NOT_RESPONSE] = {"dns", "not-response", "not a response to a query"},
    [TAPIR_DROP_DNS_WRONG_ID] = {"dns", "wrong-id", "ID of no query in flight"},
    [TAPIR_DROP_DNS_WRONG_QUESTION] = {"dns", "wrong-question", "question not the one asked"},
    [TAPIR_DROP_DNS_WRONG_SERVER] = {"dns", "wrong-server", "answer from a server not asked"},
    [TAPIR_DROP_HTTP_BAD_REQUEST] = {"http", "bad-request", "malformed request (400)"},
    [TAPIR_DROP_HTTP_URI_TOO_LONG] = {"http", "uri-too-long", "request line too long (414)"},
    [TAPIR_DROP_HTTP_HEADERS_TOO_LARGE] = {"http", "headers-too-large",
                                           "header section too large (431)"},
    [TAPIR_DROP_HTTP_BODY_TOO_LARGE] = {"http", "body-too-large", "request body too large (413)"},
    [TAPIR_DROP_HTTP_BAD_VERSION] = {"http", "bad-version", "HTTP version not supported (505)"},
    [TAPIR_DROP_HTTP_NO_HOST] = {"http", "no-host", "HTTP/1.1 request without one Host (400)"},
    [TAPIR_DROP_HTTP_BAD_FRAMING] = {"http", "bad-framing",
                                     "conflicting or bad message length (400)"},
    [TAPIR_DROP_HTTP_UNKNOWN_CODING] = {"http", "unknown-coding",
                                        "transfer coding not supported (501)"},
    [TAPIR_DROP_HTTP_OUTSIDE_ROOT] = {"http", "outside-root", "path leaves the document root"},
    [TAPIR_DROP_HTTP_SLOW_CLIENT] = {"http", "slow-client", "request did not arrive in time"},
    [TAPIR_DROP_HTTP_SEND_TIMEOUT] = {"http", "send-timeout", "client stopped reading"},
    [TAPIR_DROP_HTTP_TOO_MANY] = {"http", "too-many-connections",
                                  "connection over the server's limit"},
    [TAPIR_DROP_HTTP_BAD_RESPONSE] = {"http", "bad-response", "malformed response (client)"},
    [TAPIR_DROP_WS_TRUNCATED] = {"ws", "truncated", "frame ends inside its header"},
    [TAPIR_DROP_WS_RSV_SET] = {"ws", "rsv-set", "RSV bits set without an extension (1002)"},
    [TAPIR_DROP_WS_BAD_OPCODE] = {"ws", "bad-opcode", "reserved opcode (1002)"},
    [TAPIR_DROP_WS_BAD_LENGTH] = {"ws", "bad-length", "64-bit length with the top bit set (1002)"},
    [TAPIR_DROP_WS_CONTROL_TOO_LONG] = {"ws", "control-too-long",
                                        "control frame over 125 bytes (1002)"},
    [TAPIR_DROP_WS_CONTROL_FRAGMENTED] = {"ws", "control-fragmented",
                                          "control frame without FIN (1002)"},
    [TAPIR_DROP_WS_UNMASKED] = {"ws", "unmasked", "client frame not masked (1002)"},
    [TAPIR_DROP_WS_MASKED] = {"ws", "masked", "server frame masked (1002)"},
    [TAPIR_DROP_WS_BAD_CONTINUATION] = {"ws", "bad-continuation",
                                        "continuation with no message begun (1002)"},
    [TAPIR_DROP_WS_EXPECTED_CONTINUATION] = {"ws", "expected-continuation",
                                             "new message inside a fragmented one (1002)"},
    [TAPIR_DROP_WS_BAD_UTF8] = {"ws", "bad-utf8", "text is not valid UTF-8 (1007)"},
    [TAPIR_DROP_WS_TOO_BIG] = {"ws", "too-big", "message over the size limit (1009)"},
    [TAPIR_DROP_WS_BAD_CLOSE] = {"ws", "bad-close", "close frame with a 1-byte body (1002)"},
    [TAPIR_DROP_WS_BAD_CLOSE_CODE] = {"ws", "bad-close-code", "close code not allowed (1002)"},
    [TAPIR_DROP_WS_CLOSE_TIMEOUT] = {"ws", "close-timeout", "close handshake not finished in time"},
    [TAPIR_DROP_WS_SEND_QUEUE_FULL] = {"ws", "send-queue-full",
                                       "message for a peer that reads too slowly"},
    [TAPIR_DROP_WS_BAD_HANDSHAKE] = {"ws", "bad-handshake", "upgrade request refused"},
    [TAPIR_DROP_WS_BAD_VERSION] = {"ws", "bad-version", "Sec-WebSocket-Version not 13 (426)"},
    [TAPIR_DROP_WS_BAD_ACCEPT] = {"ws", "bad-accept", "wrong Sec-WebSocket-Accept (client)"},
    [TAPIR_DROP_WS_TOO_MANY] = {"ws", "too-many-connections", "connection over the server's limit"},
    [TAPIR_DROP_WS_FEED_QUEUE_FULL] = {"ws", "feed-queue-full",
                                       "live trace: events lost, the feed's queue was full"},
    [TAPIR_DROP_WS_FEED_SLOW_VIEWER] = {"ws", "feed-slow-viewer",
                                        "live trace: events skipped for a slow viewer"},
};

static_assert(sizeof(drop_rows) / sizeof(drop_rows[0]) == TAPIR_DROP__COUNT,
              "every enum tapir_drop value needs a row in drop_rows");

static const struct name_row counter_rows[] = {
    [TAPIR_CNT_LINK_RX_FRAMES] = {"link", "rx-frames", "frames received"},
    [TAPIR_CNT_LINK_TX_FRAMES] = {"link", "tx-frames", "frames sent"},
    [TAPIR_CNT_LINK_RX_BYTES] = {"link", "rx-bytes", "bytes received"},
    [TAPIR_CNT_LINK_TX_BYTES] = {"link", "tx-bytes", "bytes sent"},
    [TAPIR_CNT_LINK_TX_ERRORS] = {"link", "tx-errors", "frames the device refused"},
    [TAPIR_CNT_LINK_TX_TSO] = {"link", "tx-tso", "TCP super-segments the device cut (TSO)"},
    [TAPIR_CNT_ARP_RX] = {"arp", "rx", "ARP packets received"},
    [TAPIR_CNT_ARP_REQUESTS_SENT] = {"arp", "requests-sent", "requests sent"},
    [TAPIR_CNT_ARP_REPLIES_SENT] = {"arp", "replies-sent", "replies sent"},
    [TAPIR_CNT_ARP_RESOLVED] = {"arp", "resolved", "addresses resolved"},
    [TAPIR_CNT_IP_RX] = {"ip", "rx", "datagrams received"},
    [TAPIR_CNT_IP_TX] = {"ip", "tx", "datagrams sent"},
    [TAPIR_CNT_IP_DELIVERED] = {"ip", "delivered", "datagrams delivered to ICMP/UDP/TCP"},
    [TAPIR_CNT_IP_FRAGMENTS_RX] = {"ip", "fragments-rx", "fragments received"},
    [TAPIR_CNT_IP_REASSEMBLED] = {"ip", "reassembled", "datagrams reassembled"},
    [TAPIR_CNT_IP_FRAGMENTS_TX] = {"ip", "fragments-tx", "fragments sent"},
    [TAPIR_CNT_ICMP_RX] = {"icmp", "rx", "messages received"},
    [TAPIR_CNT_ICMP_TX] = {"icmp", "tx", "messages sent"},
    [TAPIR_CNT_ICMP_ECHO_REQUESTS_RX] = {"icmp", "echo-requests-rx", "echo requests received"},
    [TAPIR_CNT_ICMP_ECHO_REPLIES_TX] = {"icmp", "echo-replies-tx", "echo replies sent"},
    [TAPIR_CNT_ICMP_ECHO_REPLIES_RX] = {"icmp", "echo-replies-rx", "echo replies received"},
    [TAPIR_CNT_ICMP_UNREACH_TX] = {"icmp", "unreachable-tx", "destination unreachables sent"},
    [TAPIR_CNT_UDP_RX] = {"udp", "rx", "datagrams received"},
    [TAPIR_CNT_UDP_TX] = {"udp", "tx", "datagrams sent"},
    [TAPIR_CNT_TCP_ICMP_ERRORS] = {"tcp", "icmp-errors", "ICMP errors about our connections"},
    [TAPIR_CNT_UDP_ICMP_ERRORS] = {"udp", "icmp-errors", "ICMP unreachables about our datagrams"},
};

static_assert(sizeof(counter_rows) / sizeof(counter_rows[0]) == TAPIR_CNT__COUNT,
              "every enum tapir_counter value needs a row in counter_rows");

static const struct name_row *drop_row(enum tapir_drop reason)
{
	if ((unsigned)reason >= TAPIR_DROP__COUNT || !drop_rows[reason].name)
		return &drop_rows[TAPIR_DROP_NONE];
	return &drop_rows[reason];
}

static const struct name_row *counter_row(enum tapir_counter c)
{
	static const struct name_row unknown = {"-", "unknown", "unknown counter"};

	if ((unsigned)c >= TAPIR_CNT__COUNT || !counter_rows[c].name)
		return &unknown;
	return &counter_rows[c];
}

const char *tapir_drop_layer(enum tapir_drop reason)
{
	return drop_row(reason)->layer;
}

const char *tapir_drop_name(enum tapir_drop reason)
{
	return drop_row(reason)->name;
}

const char *tapir_drop_text(enum tapir_drop reason)
{
	return drop_row(reason)->text;
}

const char *tapir_counter_layer(enum tapir_counter c)
{
	return counter_row(c)->layer;
}

const char *tapir_counter_text(enum tapir_counter c)
{
	return counter_row(c)->text;
}

static const char *const layer_order[] = {"link", "eth", "arp", "ip",   "icmp",
                                          "udp",  "tcp", "dns", "http", "ws"};

static void print_layer(const struct tapir_stats *stats, const char *layer, FILE *out)
{
	bool header = false;

	for (int c = 0; c < TAPIR_CNT__COUNT; c++) {
		if (strcmp(counter_rows[c].layer, layer) != 0 || stats->count[c] == 0)
			continue;
		if (!header)
			fprintf(out, "%s:\n", layer);
		header = true;
		fprintf(out, "    %llu %s\n", (unsigned long long)stats->count[c],
		        counter_rows[c].text);
	}
	for (int r = 1; r < TAPIR_DROP__COUNT; r++) {
		if (strcmp(drop_rows[r].layer, layer) != 0 || stats->drops[r] == 0)
			continue;
		if (!header)
			fprintf(out, "%s:\n", layer);
		header = true;
		fprintf(out, "    %llu dropped: %s (%s)\n", (unsigned long long)stats->drops[r],
		        drop_rows[r].text, drop_rows[r].name);
	}
}

void tapir_stats_print(const struct tapir_stats *stats, FILE *out)
{
	for (size_t i = 0; i < sizeof(layer_order) / sizeof(layer_order[0]); i++)
		print_layer(stats, layer_order[i], out);
}

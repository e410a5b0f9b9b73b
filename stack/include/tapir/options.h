/*
 * options.h — every tunable of the tapir stack in one place, lwIP style.
 *
 * Each limit here bounds a table, queue or buffer: hitting it is a counted,
 * traced drop (see stats.h), never a crash or unbounded growth. Change a
 * value by defining it before this header is included (e.g. -DTAPIR_...).
 */
#ifndef TAPIR_OPTIONS_H
#define TAPIR_OPTIONS_H

/* ---- link ---------------------------------------------------------------- */

/* Largest IP datagram on the wire (the link MTU). TAP devices default to 1500. */
#ifndef TAPIR_MTU_DEFAULT
#define TAPIR_MTU_DEFAULT 1500
#endif

/* Largest frame the stack will read: a 1500-byte MTU plus Ethernet header and
 * slack for a VLAN tag. Longer frames are dropped as "eth oversized". */
#ifndef TAPIR_FRAME_MAX
#define TAPIR_FRAME_MAX 1536
#endif

/* Frames handled per call to tapir_stack_poll before timers get a turn. */
#ifndef TAPIR_POLL_BUDGET
#define TAPIR_POLL_BUDGET 64
#endif

/* Frames the sim link holds in flight per direction. */
#ifndef TAPIR_SIM_QUEUE_MAX
#define TAPIR_SIM_QUEUE_MAX 1024
#endif

/* Frames the fault injector holds back (delay, reordering) per direction. */
#ifndef TAPIR_FAULT_QUEUE_MAX
#define TAPIR_FAULT_QUEUE_MAX 1024
#endif

/* Application pollers (timers of DNS, HTTP, ...) attached to one stack. */
#ifndef TAPIR_STACK_POLLERS
#define TAPIR_STACK_POLLERS 16
#endif

/* ---- ARP (RFC 826) --------------------------------------------------------- */

/* Entries in the ARP cache; the oldest is evicted when it is full. */
#ifndef TAPIR_ARP_CACHE_SIZE
#define TAPIR_ARP_CACHE_SIZE 64
#endif

/* How long a resolved entry stays valid, in seconds (Linux: ~30 s reachable). */
#ifndef TAPIR_ARP_ENTRY_TTL_S
#define TAPIR_ARP_ENTRY_TTL_S 60
#endif

/* Requests sent for an unresolved address before waiting packets are dropped. */
#ifndef TAPIR_ARP_REQUEST_TRIES
#define TAPIR_ARP_REQUEST_TRIES 3
#endif

/* Time between ARP requests for the same address, in milliseconds. */
#ifndef TAPIR_ARP_RETRY_MS
#define TAPIR_ARP_RETRY_MS 1000
#endif

/* IP packets waiting for ARP resolution, over all addresses. */
#ifndef TAPIR_ARP_PENDING_MAX
#define TAPIR_ARP_PENDING_MAX 32
#endif

/* ---- IPv4 (RFC 791, RFC 1122) ---------------------------------------------- */

/* TTL of datagrams we originate (RFC 1700 recommends 64). */
#ifndef TAPIR_IP_DEFAULT_TTL
#define TAPIR_IP_DEFAULT_TTL 64
#endif

/* Datagrams being reassembled at once; each slot holds up to 64 KiB. */
#ifndef TAPIR_IP_REASM_SLOTS
#define TAPIR_IP_REASM_SLOTS 4
#endif

/* Seconds a partly reassembled datagram is kept (RFC 1122: 60 to 120 s is
 * suggested; Linux uses 30 s). */
#ifndef TAPIR_IP_REASM_TIMEOUT_S
#define TAPIR_IP_REASM_TIMEOUT_S 30
#endif

/* ---- UDP (RFC 768) --------------------------------------------------------- */

/* UDP sockets open at once. */
#ifndef TAPIR_UDP_SOCKETS
#define TAPIR_UDP_SOCKETS 64
#endif

/* Datagrams queued per socket waiting for the application to read them. */
#ifndef TAPIR_UDP_RX_QUEUE
#define TAPIR_UDP_RX_QUEUE 64
#endif

/* Bytes queued per socket waiting for the application (a bound on memory). */
#ifndef TAPIR_UDP_RX_BYTES
#define TAPIR_UDP_RX_BYTES (256 * 1024)
#endif

/* First port of the ephemeral range used by unbound sockets (IANA: 49152). */
#ifndef TAPIR_EPHEMERAL_FIRST
#define TAPIR_EPHEMERAL_FIRST 49152
#endif

/* ---- ICMP (RFC 792) -------------------------------------------------------- */

/* ICMP error messages sent per second at most (RFC 1812 rate limiting). */
#ifndef TAPIR_ICMP_ERRORS_PER_S
#define TAPIR_ICMP_ERRORS_PER_S 100
#endif

/* ---- trace ----------------------------------------------------------------- */

/* Sinks attached to one trace bus at once. */
#ifndef TAPIR_TRACE_SINKS
#define TAPIR_TRACE_SINKS 8
#endif

/* ---- TCP (RFC 9293, 6298, 7323, 5681) --------------------------------------- */

/* Connections (including listeners and TIME-WAIT) at once. An idle
 * connection costs only its control block (well under 1 KiB): buffers are
 * allocated when data first flows and freed when the connection ends. */
#ifndef TAPIR_TCP_MAX_CONNECTIONS
#define TAPIR_TCP_MAX_CONNECTIONS 65536
#endif

/* Buckets of the hash table that finds a connection by its 4-tuple. */
#ifndef TAPIR_TCP_HASH_BUCKETS
#define TAPIR_TCP_HASH_BUCKETS 4096
#endif

/* Largest listen() backlog: half-open plus not-yet-accepted connections. */
#ifndef TAPIR_TCP_BACKLOG_MAX
#define TAPIR_TCP_BACKLOG_MAX 1024
#endif

/* Send and receive buffer per connection, in bytes. The receive buffer is
 * the window we offer; above 64 KiB it needs window scaling (RFC 7323). */
#ifndef TAPIR_TCP_SNDBUF
#define TAPIR_TCP_SNDBUF (256 * 1024)
#endif
#ifndef TAPIR_TCP_RCVBUF
#define TAPIR_TCP_RCVBUF (256 * 1024)
#endif

/* Separate runs of out-of-order data kept per connection (in the receive
 * buffer itself, so they cost no extra memory); a segment that would need
 * one more is dropped and counted. */
#ifndef TAPIR_TCP_OOO_RANGES
#define TAPIR_TCP_OOO_RANGES 16
#endif

/* Maximum Segment Lifetime in seconds; TIME-WAIT lasts 2*MSL (RFC 9293
 * 3.4.2 suggests 2 minutes, Linux uses 30 s for TIME-WAIT as a whole). */
#ifndef TAPIR_TCP_MSL_S
#define TAPIR_TCP_MSL_S 30
#endif

/* MSS assumed when the peer sends no MSS option (RFC 9293 3.7.1: 536). */
#ifndef TAPIR_TCP_DEFAULT_MSS
#define TAPIR_TCP_DEFAULT_MSS 536
#endif

/* Retransmission timeout (RFC 6298): initial value, and its bounds. RFC
 * 6298 2.4 says the minimum SHOULD be 1 s; Linux uses 200 ms, as do we. */
#ifndef TAPIR_TCP_RTO_INITIAL_MS
#define TAPIR_TCP_RTO_INITIAL_MS 1000
#endif
#ifndef TAPIR_TCP_RTO_MIN_MS
#define TAPIR_TCP_RTO_MIN_MS 200
#endif
#ifndef TAPIR_TCP_RTO_MAX_MS
#define TAPIR_TCP_RTO_MAX_MS 60000
#endif

/* Retransmissions of one segment before the connection is given up with a
 * RST and -ETIMEDOUT (RFC 9293 3.8.3, R2); for SYN and SYN,ACK. */
#ifndef TAPIR_TCP_MAX_RETRIES
#define TAPIR_TCP_MAX_RETRIES 8
#endif
#ifndef TAPIR_TCP_SYN_RETRIES
#define TAPIR_TCP_SYN_RETRIES 5
#endif

/* Delayed ACK timeout in ms (RFC 9293 3.8.6.3: MUST be under 0.5 s); an ACK
 * is sent at once for every second full-sized segment anyway. */
#ifndef TAPIR_TCP_DELACK_MS
#define TAPIR_TCP_DELACK_MS 100
#endif

/* Zero-window probes: first interval and largest interval, in ms. */
#ifndef TAPIR_TCP_PERSIST_MIN_MS
#define TAPIR_TCP_PERSIST_MIN_MS 500
#endif
#ifndef TAPIR_TCP_PERSIST_MAX_MS
#define TAPIR_TCP_PERSIST_MAX_MS 60000
#endif

/* Keep-alive (RFC 9293 3.8.4, off unless the socket asks): seconds between
 * probes once idle, and unanswered probes before -ETIMEDOUT. */
#ifndef TAPIR_TCP_KEEPALIVE_INTERVAL_S
#define TAPIR_TCP_KEEPALIVE_INTERVAL_S 75
#endif
#ifndef TAPIR_TCP_KEEPALIVE_PROBES
#define TAPIR_TCP_KEEPALIVE_PROBES 9
#endif

/* Seconds a connection the application closed may stay in FIN-WAIT-2
 * waiting for the peer's FIN (Linux: tcp_fin_timeout, 60 s). */
#ifndef TAPIR_TCP_FIN_WAIT_2_S
#define TAPIR_TCP_FIN_WAIT_2_S 60
#endif

/* Selective Acknowledgment (RFC 2018): 1 offers it in SYNs, sends SACK
 * blocks for out-of-order data and resends SACK holes in fast recovery;
 * 0 leaves plain NewReno (RFC 6582), as a lab may want to compare. */
#ifndef TAPIR_TCP_SACK
#define TAPIR_TCP_SACK 1
#endif

/* Challenge ACKs (RFC 5961 7) sent per second at most, over the stack. */
#ifndef TAPIR_TCP_CHALLENGE_ACKS_PER_S
#define TAPIR_TCP_CHALLENGE_ACKS_PER_S 100
#endif

/* ---- DNS stub resolver (RFC 1035, RFC 2308) ------------------------------------ */

/* Name servers a resolver asks, in order. */
#ifndef TAPIR_DNS_SERVERS_MAX
#define TAPIR_DNS_SERVERS_MAX 4
#endif

/* Wait for an answer from one server before asking the next, in ms; doubled
 * each round over the list (glibc: 5 s, dig: 5 s; a lab LAN answers in 1 ms). */
#ifndef TAPIR_DNS_TIMEOUT_MS
#define TAPIR_DNS_TIMEOUT_MS 2000
#endif

/* Rounds over the server list before a lookup times out (glibc: 2). */
#ifndef TAPIR_DNS_TRIES
#define TAPIR_DNS_TRIES 2
#endif

/* Longest wait in one round, however often the timeout was doubled, in ms. */
#ifndef TAPIR_DNS_TIMEOUT_MAX_MS
#define TAPIR_DNS_TIMEOUT_MAX_MS 30000
#endif

/* Time for the TCP retry of a truncated answer (connect, ask, read), in ms. */
#ifndef TAPIR_DNS_TCP_TIMEOUT_MS
#define TAPIR_DNS_TCP_TIMEOUT_MS 5000
#endif

/* Lookups in flight at once per resolver. */
#ifndef TAPIR_DNS_QUERIES_MAX
#define TAPIR_DNS_QUERIES_MAX 16
#endif

/* CNAME links followed in one lookup before it fails with -ELOOP (BIND: 16). */
#ifndef TAPIR_DNS_CNAME_MAX
#define TAPIR_DNS_CNAME_MAX 8
#endif

/* Records a result keeps over its three sections; the rest are counted. */
#ifndef TAPIR_DNS_RESULT_RECORDS
#define TAPIR_DNS_RESULT_RECORDS 48
#endif

/* A records gathered in result->addrs. */
#ifndef TAPIR_DNS_ADDRS_MAX
#define TAPIR_DNS_ADDRS_MAX 16
#endif

/* Answers in the cache, and the octets their messages may take in all; when
 * either is reached, expired entries go first, then the least recently used. */
#ifndef TAPIR_DNS_CACHE_ENTRIES
#define TAPIR_DNS_CACHE_ENTRIES 64
#endif
#ifndef TAPIR_DNS_CACHE_BYTES
#define TAPIR_DNS_CACHE_BYTES (64 * 1024)
#endif

/* Longest time anything is cached, in seconds, whatever the TTL says
 * (positive answers: 1 day as BIND's max-cache-ttl is a week; negative:
 * RFC 2308 5 suggests at most 1 to 3 hours). */
#ifndef TAPIR_DNS_CACHE_MAX_TTL_S
#define TAPIR_DNS_CACHE_MAX_TTL_S 86400
#endif
#ifndef TAPIR_DNS_NEGATIVE_MAX_TTL_S
#define TAPIR_DNS_NEGATIVE_MAX_TTL_S 10800
#endif

/* Names in the static hosts table. */
#ifndef TAPIR_DNS_HOSTS_MAX
#define TAPIR_DNS_HOSTS_MAX 32
#endif

/* ---- HTTP/1.1 (RFC 9110, RFC 9112) ----------------------------------------------- */

/* Longest request line, CRLF included; longer: 414 URI Too Long (RFC 9112 3
 * recommends supporting at least 8000 octets). */
#ifndef TAPIR_HTTP_REQUEST_LINE_MAX
#define TAPIR_HTTP_REQUEST_LINE_MAX 8192
#endif

/* Largest header section (every field line and the empty line after them);
 * larger: 431 Request Header Fields Too Large (RFC 6585 5). */
#ifndef TAPIR_HTTP_HEADER_SECTION_MAX
#define TAPIR_HTTP_HEADER_SECTION_MAX 16384
#endif

/* Header fields kept per message; more: 431 as well. */
#ifndef TAPIR_HTTP_HEADERS_MAX
#define TAPIR_HTTP_HEADERS_MAX 100
#endif

/* Bytes of chunk extensions on one chunk-size line (RFC 9112 7.1.1 lets a
 * server limit them); more: 400. */
#ifndef TAPIR_HTTP_CHUNK_EXT_MAX
#define TAPIR_HTTP_CHUNK_EXT_MAX 1024
#endif

/* Default limit on a request body; larger: 413 Content Too Large. */
#ifndef TAPIR_HTTP_MAX_BODY
#define TAPIR_HTTP_MAX_BODY (1024 * 1024)
#endif

/* Bytes read from a connection and not parsed yet (pipelined requests wait
 * here while a response is written; when full, TCP's window closes). */
#ifndef TAPIR_HTTP_RX_BUF
#define TAPIR_HTTP_RX_BUF 16384
#endif

/* Staging buffer for a response: the head and the body bytes (file data)
 * handed to TCP in one send, so that small responses go out in one segment. */
#ifndef TAPIR_HTTP_OUT_BUF
#define TAPIR_HTTP_OUT_BUF 65536
#endif

/* Largest response head the server formats (status line and headers). */
#ifndef TAPIR_HTTP_RESPONSE_HEAD_MAX
#define TAPIR_HTTP_RESPONSE_HEAD_MAX 4096
#endif

/* Open connections per server; more are closed at once (and counted). */
#ifndef TAPIR_HTTP_MAX_CONNECTIONS
#define TAPIR_HTTP_MAX_CONNECTIONS 1024
#endif

/* Files kept open after a request, and for how long (ms) they are served
 * without resolving their path again (nginx: open_file_cache). A file that
 * changes is seen again at the latest this long after. */
#ifndef TAPIR_HTTP_FILE_CACHE
#define TAPIR_HTTP_FILE_CACHE 64
#endif
#ifndef TAPIR_HTTP_FILE_CACHE_MS
#define TAPIR_HTTP_FILE_CACHE_MS 1000
#endif

/* Routes a server holds besides the built-in ones. */
#ifndef TAPIR_HTTP_ROUTES
#define TAPIR_HTTP_ROUTES 16
#endif

/* Timeouts, in milliseconds. Idle: a kept-alive connection with no new
 * request (nginx keepalive_timeout: 75 s). Header: the whole request head
 * must arrive within this from its first byte, so a client dribbling a
 * byte a second is cut off (nginx client_header_timeout: 60 s). Body: no
 * request body byte for this long. Send: the client takes none of the
 * response. Linger: after our FIN, how long unread input is drained. */
#ifndef TAPIR_HTTP_IDLE_TIMEOUT_MS
#define TAPIR_HTTP_IDLE_TIMEOUT_MS 30000
#endif
#ifndef TAPIR_HTTP_HEADER_TIMEOUT_MS
#define TAPIR_HTTP_HEADER_TIMEOUT_MS 10000
#endif
#ifndef TAPIR_HTTP_BODY_TIMEOUT_MS
#define TAPIR_HTTP_BODY_TIMEOUT_MS 30000
#endif
#ifndef TAPIR_HTTP_SEND_TIMEOUT_MS
#define TAPIR_HTTP_SEND_TIMEOUT_MS 60000
#endif
#ifndef TAPIR_HTTP_LINGER_TIMEOUT_MS
#define TAPIR_HTTP_LINGER_TIMEOUT_MS 2000
#endif

/* Time between two events of the built-in GET /events stream. */
#ifndef TAPIR_HTTP_EVENT_INTERVAL_MS
#define TAPIR_HTTP_EVENT_INTERVAL_MS 1000
#endif

/* Redirects a client follows for one URL (curl -L: 50; browsers: ~20). */
#ifndef TAPIR_HTTP_REDIRECTS_MAX
#define TAPIR_HTTP_REDIRECTS_MAX 10
#endif

/* ---- WebSocket (RFC 6455) ------------------------------------------------------------- */

/* Largest message (all its fragments together) a connection takes; a
 * longer one is refused with close code 1009. Routes may set their own. */
#ifndef TAPIR_WS_MAX_MESSAGE
#define TAPIR_WS_MAX_MESSAGE (4 * 1024 * 1024)
#endif

/* Bytes of frames a connection holds that TCP has not taken yet. A send
 * that would go past it fails with -ENOBUFS (a broadcast skips that peer
 * and counts a drop). */
#ifndef TAPIR_WS_SEND_QUEUE_MAX
#define TAPIR_WS_SEND_QUEUE_MAX (8 * 1024 * 1024)
#endif

/* Back-pressure: while more than this waits to be sent, the connection
 * reads no more input, so TCP's window closes on a peer that sends faster
 * than it reads our answers. */
#ifndef TAPIR_WS_READ_PAUSE
#define TAPIR_WS_READ_PAUSE (256 * 1024)
#endif

/* Bytes taken from TCP in one recv() call. */
#ifndef TAPIR_WS_RX_CHUNK
#define TAPIR_WS_RX_CHUNK 16384
#endif

/* How long to wait for the peer's close frame after ours, and then for the
 * TCP connection to end (RFC 6455 7.1.1), before closing it anyway. */
#ifndef TAPIR_WS_CLOSE_TIMEOUT_MS
#define TAPIR_WS_CLOSE_TIMEOUT_MS 3000
#endif

/* Client: how long the opening handshake may take, from the TCP connect to
 * the 101 response. */
#ifndef TAPIR_WS_HANDSHAKE_TIMEOUT_MS
#define TAPIR_WS_HANDSHAKE_TIMEOUT_MS 10000
#endif

/* Routes (/ws/echo, /ws/chat, ...) one WebSocket server holds. */
#ifndef TAPIR_WS_ROUTES
#define TAPIR_WS_ROUTES 8
#endif

/* Open WebSocket connections per server; more are refused with 503. */
#ifndef TAPIR_WS_MAX_CONNECTIONS
#define TAPIR_WS_MAX_CONNECTIONS 1024
#endif

/* Longest subprotocol name kept (Sec-WebSocket-Protocol, RFC 6455 4.2.2). */
#ifndef TAPIR_WS_PROTOCOL_MAX
#define TAPIR_WS_PROTOCOL_MAX 64
#endif

#endif /* TAPIR_OPTIONS_H */

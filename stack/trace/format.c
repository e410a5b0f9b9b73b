/*
 * format.c — turning trace events into text: one readable line for the log,
 * one JSON object for JSON Lines (the schema is in docs/trace.md).
 *
 * Both formats carry the same fields; the text form is for people reading a
 * terminal, the JSON form for tools (graphs, labs, diffs against tapir-viz).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "tapir/dns.h"
#include "tapir/trace.h"

/* An output buffer that never overflows: writes past the end are cut off. */
struct out {
	char *buf;
	size_t cap, len;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->len += (size_t)n;
	if (o->len >= o->cap)
		o->len = o->cap - 1;
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void out_json_string(struct out *o, const char *s)
{
	out_printf(o, "\"");
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			out_printf(o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			out_printf(o, "\\u%04x",
			           c); /* bytes >= 0x80 as Latin-1: always valid JSON */
		else
			out_printf(o, "%c", c);
	}
	out_printf(o, "\"");
}

static const char *const kind_names[TAPIR_EV__COUNT] = {
    [TAPIR_EV_MESSAGE] = "message",
    [TAPIR_EV_DROP] = "drop",
    [TAPIR_EV_ARP] = "arp",
    [TAPIR_EV_IP_FRAG] = "ip-fragment",
    [TAPIR_EV_ICMP] = "icmp",
    [TAPIR_EV_UDP] = "udp",
    [TAPIR_EV_TCP_STATE] = "tcp-state",
    [TAPIR_EV_TCP_SEGMENT] = "tcp-segment",
    [TAPIR_EV_TCP_TIMER] = "tcp-timer",
    [TAPIR_EV_TCP_CWND] = "tcp-cwnd",
    [TAPIR_EV_DNS] = "dns",
    [TAPIR_EV_HTTP] = "http",
    [TAPIR_EV_WS] = "ws",
};

const char *tapir_event_kind_name(enum tapir_event_kind kind)
{
	if ((unsigned)kind >= TAPIR_EV__COUNT)
		return "unknown";
	return kind_names[kind];
}

static const char *const level_names[] = {"error", "warn", "info", "debug"};

const char *tapir_log_level_name(enum tapir_log_level level)
{
	if ((unsigned)level > TAPIR_LOG_DEBUG)
		return "unknown";
	return level_names[level];
}

int tapir_log_level_parse(const char *text, enum tapir_log_level *out)
{
	for (unsigned i = 0; i <= TAPIR_LOG_DEBUG; i++) {
		if (text && strcmp(text, level_names[i]) == 0) {
			*out = (enum tapir_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const arp_what_names[] = {
    [TAPIR_ARP_REQUEST_SENT] = "request-sent",
    [TAPIR_ARP_REQUEST_RECEIVED] = "request-received",
    [TAPIR_ARP_REPLY_SENT] = "reply-sent",
    [TAPIR_ARP_REPLY_RECEIVED] = "reply-received",
    [TAPIR_ARP_GRATUITOUS_SENT] = "gratuitous-sent",
    [TAPIR_ARP_RESOLVED] = "resolved",
    [TAPIR_ARP_EXPIRED] = "expired",
    [TAPIR_ARP_FAILED] = "failed",
};

const char *tapir_arp_what_name(enum tapir_arp_what what)
{
	if ((unsigned)what > TAPIR_ARP_FAILED)
		return "unknown";
	return arp_what_names[what];
}

static const char *frag_what_name(enum tapir_frag_what what)
{
	switch (what) {
	case TAPIR_FRAG_RECEIVED:
		return "received";
	case TAPIR_FRAG_REASSEMBLED:
		return "reassembled";
	case TAPIR_FRAG_SENT:
		return "sent";
	}
	return "unknown";
}

void tapir_tcp_flags_format(uint8_t flags, char out[40])
{
	static const char *const names[8] = {"FIN", "SYN", "RST", "PSH",
	                                     "ACK", "URG", "ECE", "CWR"};
	/* Print in the order people say them: SYN,ACK rather than ACK,SYN. */
	static const int order[8] = {1, 2, 0, 3, 4, 5, 6, 7};
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < 8; i++) {
		int bit = order[i];

		if (!(flags & (1u << bit)))
			continue;
		len += (size_t)snprintf(out + len, 40 - len, "%s%s", len ? "," : "", names[bit]);
	}
	if (len == 0)
		snprintf(out, 40, "none");
}

static const char *dir_name(enum tapir_dir dir)
{
	return dir == TAPIR_DIR_IN ? "in" : "out";
}

static void format_conn_text(struct out *o, const struct tapir_tcp_conn_id *c)
{
	char l[TAPIR_IP_STRLEN], r[TAPIR_IP_STRLEN];

	tapir_ip_format(c->local_ip, l);
	tapir_ip_format(c->remote_ip, r);
	out_printf(o, "#%u %s:%u-%s:%u", c->id, l, c->local_port, r, c->remote_port);
}

static const char *const dns_what_names[] = {
    [TAPIR_DNS_EV_STATE] = "state",
    [TAPIR_DNS_EV_QUERY_SENT] = "query-sent",
    [TAPIR_DNS_EV_RETRANSMIT] = "retransmit",
    [TAPIR_DNS_EV_ANSWER] = "answer",
    [TAPIR_DNS_EV_REFUSED] = "refused",
    [TAPIR_DNS_EV_TCP_FALLBACK] = "tcp-fallback",
    [TAPIR_DNS_EV_CACHE_HIT] = "cache-hit",
    [TAPIR_DNS_EV_CACHE_MISS] = "cache-miss",
    [TAPIR_DNS_EV_CACHE_STORE] = "cache-store",
    [TAPIR_DNS_EV_CACHE_EXPIRED] = "cache-expired",
    [TAPIR_DNS_EV_HOSTS_HIT] = "hosts-hit",
    [TAPIR_DNS_EV_CNAME] = "cname",
    [TAPIR_DNS_EV_DONE] = "done",
};

static const char *dns_what_name(enum tapir_dns_what what)
{
	if ((unsigned)what > TAPIR_DNS_EV_DONE)
		return "unknown";
	return dns_what_names[what];
}

/* "dns #3 query-sent www.example.com. A id=4660 server=10.0.0.1 udp attempt=1":
 * the fields that mean something for this kind of DNS event. */
static void format_dns_text(struct out *o, const struct tapir_event *ev)
{
	char type[TAPIR_DNS_TYPE_STRLEN], server[TAPIR_IP_STRLEN];
	enum tapir_dns_what what = ev->u.dns.what;

	tapir_dns_type_format(ev->u.dns.type, type);
	tapir_ip_format(ev->u.dns.server, server);
	out_printf(o, "dns #%u %s %s %s", ev->u.dns.query, dns_what_name(what),
	           ev->u.dns.name ? ev->u.dns.name : "?", type);
	if (what == TAPIR_DNS_EV_STATE) {
		out_printf(o, " %s -> %s", ev->u.dns.from, ev->u.dns.to);
	} else if (what == TAPIR_DNS_EV_QUERY_SENT || what == TAPIR_DNS_EV_RETRANSMIT ||
	           what == TAPIR_DNS_EV_TCP_FALLBACK) {
		out_printf(o, " id=%u server=%s %s attempt=%u", ev->u.dns.id, server,
		           ev->u.dns.tcp ? "tcp" : "udp", ev->u.dns.attempt);
	} else if (what == TAPIR_DNS_EV_ANSWER || what == TAPIR_DNS_EV_DONE) {
		out_printf(o, " id=%u server=%s rcode=%s answers=%u elapsed=%lld.%03lldms",
		           ev->u.dns.id, server, tapir_dns_rcode_name(ev->u.dns.rcode),
		           ev->u.dns.answers, (long long)(ev->u.dns.elapsed / 1000),
		           (long long)(ev->u.dns.elapsed % 1000));
	} else if (what == TAPIR_DNS_EV_REFUSED) {
		out_printf(o, " id=%u from=%s", ev->u.dns.id, server);
	} else if (what == TAPIR_DNS_EV_CACHE_HIT || what == TAPIR_DNS_EV_CACHE_STORE ||
	           what == TAPIR_DNS_EV_CACHE_EXPIRED) {
		out_printf(o, " ttl=%u rcode=%s answers=%u", ev->u.dns.ttl,
		           tapir_dns_rcode_name(ev->u.dns.rcode), ev->u.dns.answers);
	}
	if (ev->u.dns.detail)
		out_printf(o, " (%s)", ev->u.dns.detail);
}

static const char *const http_what_names[] = {
    [TAPIR_HTTP_TRACE_REQUEST] = "request", [TAPIR_HTTP_TRACE_RESPONSE] = "response",
    [TAPIR_HTTP_TRACE_REFUSED] = "refused", [TAPIR_HTTP_TRACE_TIMEOUT] = "timeout",
    [TAPIR_HTTP_TRACE_UPGRADE] = "upgrade",
};

static const char *http_what_name(enum tapir_http_what what)
{
	if ((unsigned)what > TAPIR_HTTP_TRACE_UPGRADE)
		return "unknown";
	return http_what_names[what];
}

/* "http #3 server request 1 GET /index.html HTTP/1.1 head=0.120ms",
 * "http #3 server response 1 200 length=1234 elapsed=0.050ms". */
static void format_http_text(struct out *o, const struct tapir_event *ev)
{
	enum tapir_http_what what = ev->u.http.what;

	out_printf(o, "http #%u %s %s %u", ev->u.http.conn.id,
	           ev->u.http.client ? "client" : "server", http_what_name(what),
	           ev->u.http.request);
	if (what == TAPIR_HTTP_TRACE_REQUEST)
		out_printf(o, " %s %s HTTP/%u.%u", ev->u.http.method ? ev->u.http.method : "-",
		           ev->u.http.target ? ev->u.http.target : "-", ev->u.http.version / 10,
		           ev->u.http.version % 10);
	else if (what == TAPIR_HTTP_TRACE_RESPONSE || what == TAPIR_HTTP_TRACE_REFUSED)
		out_printf(o, " %u length=%lld", ev->u.http.status, (long long)ev->u.http.length);
	out_printf(o, " elapsed=%lld.%03lldms", (long long)(ev->u.http.elapsed / 1000),
	           (long long)(ev->u.http.elapsed % 1000));
	if (ev->u.http.reason)
		out_printf(o, " (%s)", ev->u.http.reason);
}

static const char *const ws_what_names[] = {
    [TAPIR_WS_TRACE_STATE] = "state",         [TAPIR_WS_TRACE_FRAME] = "frame",
    [TAPIR_WS_TRACE_CLOSE] = "close",         [TAPIR_WS_TRACE_VIOLATION] = "violation",
    [TAPIR_WS_TRACE_HANDSHAKE] = "handshake",
};

static const char *ws_what_name(enum tapir_ws_what what)
{
	if ((unsigned)what > TAPIR_WS_TRACE_HANDSHAKE)
		return "unknown";
	return ws_what_names[what];
}

/* RFC 6455 11.8 names; reserved opcodes print as their number. */
static const char *ws_opcode_text(uint8_t opcode)
{
	static const char *const names[16] = {
	    [0x0] = "CONTINUATION", [0x1] = "TEXT", [0x2] = "BINARY",
	    [0x8] = "CLOSE",        [0x9] = "PING", [0xA] = "PONG",
	};

	return opcode < 16 && names[opcode] ? names[opcode] : "RESERVED";
}

/* "ws #3 server /ws/echo state CONNECTING -> OPEN (rcv upgrade / snd 101)",
 * "ws #3 server /ws/echo frame in TEXT fin masked len=5",
 * "ws #3 server /ws/echo close out code=1000 reason=bye". */
static void format_ws_text(struct out *o, const struct tapir_event *ev)
{
	enum tapir_ws_what what = ev->u.ws.what;

	out_printf(o, "ws #%u %s %s %s", ev->u.ws.conn.id, ev->u.ws.client ? "client" : "server",
	           ev->u.ws.path ? ev->u.ws.path : "-", ws_what_name(what));
	if (what == TAPIR_WS_TRACE_STATE)
		out_printf(o, " %s -> %s (%s)", ev->u.ws.from, ev->u.ws.to,
		           ev->u.ws.cause ? ev->u.ws.cause : "");
	else if (what == TAPIR_WS_TRACE_FRAME)
		out_printf(o, " %s %s%s%s len=%llu", dir_name(ev->u.ws.dir),
		           ws_opcode_text(ev->u.ws.opcode), ev->u.ws.fin ? " fin" : "",
		           ev->u.ws.masked ? " masked" : "", (unsigned long long)ev->u.ws.length);
	else if (what == TAPIR_WS_TRACE_CLOSE)
		out_printf(o, " %s code=%u reason=%s", dir_name(ev->u.ws.dir), ev->u.ws.code,
		           ev->u.ws.reason ? ev->u.ws.reason : "");
	else if (what == TAPIR_WS_TRACE_VIOLATION)
		out_printf(o, " %s -> close %u", ev->u.ws.reason ? ev->u.ws.reason : "?",
		           ev->u.ws.code);
	else if (what == TAPIR_WS_TRACE_HANDSHAKE)
		out_printf(o, " %u (%s)", ev->u.ws.status, ev->u.ws.reason ? ev->u.ws.reason : "");
}

static void format_body_text(struct out *o, const struct tapir_event *ev)
{
	char a[TAPIR_IP_STRLEN], b[TAPIR_IP_STRLEN], mac[TAPIR_MAC_STRLEN], flags[40];

	switch (ev->kind) {
	case TAPIR_EV_MESSAGE:
		out_printf(o, "%s: %s", ev->u.message.layer, ev->u.message.text);
		break;
	case TAPIR_EV_DROP:
		out_printf(o, "%s drop %s: %s%s%s", tapir_drop_layer(ev->u.drop.reason),
		           tapir_drop_name(ev->u.drop.reason), tapir_drop_text(ev->u.drop.reason),
		           ev->u.drop.detail ? " — " : "",
		           ev->u.drop.detail ? ev->u.drop.detail : "");
		break;
	case TAPIR_EV_ARP:
		tapir_ip_format(ev->u.arp.ip, a);
		tapir_mac_format(ev->u.arp.mac, mac);
		out_printf(o, "arp %s %s is-at %s", tapir_arp_what_name(ev->u.arp.what), a, mac);
		break;
	case TAPIR_EV_IP_FRAG:
		tapir_ip_format(ev->u.frag.src, a);
		tapir_ip_format(ev->u.frag.dst, b);
		out_printf(o, "ip fragment %s %s > %s id=%u offset=%u len=%u%s",
		           frag_what_name(ev->u.frag.what), a, b, ev->u.frag.id, ev->u.frag.offset,
		           ev->u.frag.length, ev->u.frag.more ? " MF" : "");
		break;
	case TAPIR_EV_ICMP:
		tapir_ip_format(ev->u.icmp.src, a);
		tapir_ip_format(ev->u.icmp.dst, b);
		out_printf(o, "icmp %s %s > %s type=%u code=%u id=%u seq=%u len=%u",
		           dir_name(ev->u.icmp.dir), a, b, ev->u.icmp.type, ev->u.icmp.code,
		           ev->u.icmp.id, ev->u.icmp.seq, ev->u.icmp.length);
		break;
	case TAPIR_EV_UDP:
		tapir_ip_format(ev->u.udp.src, a);
		tapir_ip_format(ev->u.udp.dst, b);
		out_printf(o, "udp %s %s:%u > %s:%u len=%u", dir_name(ev->u.udp.dir), a,
		           ev->u.udp.sport, b, ev->u.udp.dport, ev->u.udp.length);
		break;
	case TAPIR_EV_TCP_STATE:
		out_printf(o, "tcp ");
		format_conn_text(o, &ev->u.tcp_state.conn);
		out_printf(o, " %s -> %s (%s)", ev->u.tcp_state.from, ev->u.tcp_state.to,
		           ev->u.tcp_state.cause);
		break;
	case TAPIR_EV_TCP_SEGMENT:
		tapir_tcp_flags_format(ev->u.tcp_segment.flags, flags);
		out_printf(o, "tcp ");
		format_conn_text(o, &ev->u.tcp_segment.conn);
		out_printf(o, " %s [%s] seq=%u ack=%u len=%u win=%u%s%s%s",
		           dir_name(ev->u.tcp_segment.dir), flags, ev->u.tcp_segment.seq,
		           ev->u.tcp_segment.ack, ev->u.tcp_segment.len, ev->u.tcp_segment.window,
		           ev->u.tcp_segment.options ? " " : "",
		           ev->u.tcp_segment.options ? ev->u.tcp_segment.options : "",
		           ev->u.tcp_segment.retransmission ? " retransmission" : "");
		break;
	case TAPIR_EV_TCP_TIMER:
		out_printf(o, "tcp ");
		format_conn_text(o, &ev->u.tcp_timer.conn);
		out_printf(o, " timer %s expired backoff=%u rto=%lldms", ev->u.tcp_timer.timer,
		           ev->u.tcp_timer.backoff, (long long)(ev->u.tcp_timer.rto / 1000));
		break;
	case TAPIR_EV_TCP_CWND:
		out_printf(o, "tcp ");
		format_conn_text(o, &ev->u.tcp_cwnd.conn);
		out_printf(o, " cwnd=%u ssthresh=%u (%s)", ev->u.tcp_cwnd.cwnd,
		           ev->u.tcp_cwnd.ssthresh, ev->u.tcp_cwnd.cause);
		break;
	case TAPIR_EV_DNS:
		format_dns_text(o, ev);
		break;
	case TAPIR_EV_HTTP:
		format_http_text(o, ev);
		break;
	case TAPIR_EV_WS:
		format_ws_text(o, ev);
		break;
	case TAPIR_EV__COUNT:
		break;
	}
}

void tapir_event_format_text(const struct tapir_event *ev, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0};

	if (cap == 0)
		return;
	buf[0] = '\0';
	out_printf(&o, "%lld.%06lld ", (long long)(ev->time / 1000000),
	           (long long)(ev->time % 1000000));
	format_body_text(&o, ev);
}

static void json_ip(struct out *o, const char *key, tapir_ip ip)
{
	char s[TAPIR_IP_STRLEN];

	tapir_ip_format(ip, s);
	out_printf(o, ",\"%s\":\"%s\"", key, s);
}

static void json_str(struct out *o, const char *key, const char *value)
{
	out_printf(o, ",\"%s\":", key);
	if (value)
		out_json_string(o, value);
	else
		out_printf(o, "null");
}

static void json_conn(struct out *o, const struct tapir_tcp_conn_id *c)
{
	out_printf(o, ",\"conn\":%u", c->id);
	json_ip(o, "local_ip", c->local_ip);
	out_printf(o, ",\"local_port\":%u", c->local_port);
	json_ip(o, "remote_ip", c->remote_ip);
	out_printf(o, ",\"remote_port\":%u", c->remote_port);
}

static void format_dns_json(struct out *o, const struct tapir_event *ev)
{
	char type[TAPIR_DNS_TYPE_STRLEN];

	tapir_dns_type_format(ev->u.dns.type, type);
	json_str(o, "what", dns_what_name(ev->u.dns.what));
	out_printf(o, ",\"query\":%u", ev->u.dns.query);
	json_str(o, "name", ev->u.dns.name);
	json_str(o, "type", type);
	out_printf(o, ",\"id\":%u", ev->u.dns.id);
	if (ev->u.dns.server)
		json_ip(o, "server", ev->u.dns.server);
	else
		json_str(o, "server", NULL); /* the cache or the hosts table */
	out_printf(o, ",\"tcp\":%s,\"attempt\":%u", ev->u.dns.tcp ? "true" : "false",
	           ev->u.dns.attempt);
	json_str(o, "rcode", tapir_dns_rcode_name(ev->u.dns.rcode));
	out_printf(o, ",\"ttl\":%u,\"answers\":%u,\"elapsed_us\":%lld", ev->u.dns.ttl,
	           ev->u.dns.answers, (long long)ev->u.dns.elapsed);
	json_str(o, "from", ev->u.dns.from);
	json_str(o, "to", ev->u.dns.to);
	json_str(o, "detail", ev->u.dns.detail);
}

static void format_http_json(struct out *o, const struct tapir_event *ev)
{
	json_str(o, "what", http_what_name(ev->u.http.what));
	json_conn(o, &ev->u.http.conn);
	json_str(o, "side", ev->u.http.client ? "client" : "server");
	out_printf(o, ",\"request\":%u", ev->u.http.request);
	json_str(o, "method", ev->u.http.method);
	json_str(o, "target", ev->u.http.target);
	out_printf(o, ",\"version\":\"HTTP/%u.%u\",\"status\":%u,\"length\":%lld",
	           ev->u.http.version / 10, ev->u.http.version % 10, ev->u.http.status,
	           (long long)ev->u.http.length);
	json_str(o, "reason", ev->u.http.reason);
	out_printf(o, ",\"elapsed_us\":%lld", (long long)ev->u.http.elapsed);
}

static void format_ws_json(struct out *o, const struct tapir_event *ev)
{
	json_str(o, "what", ws_what_name(ev->u.ws.what));
	json_conn(o, &ev->u.ws.conn);
	json_str(o, "side", ev->u.ws.client ? "client" : "server");
	json_str(o, "path", ev->u.ws.path);
	json_str(o, "from", ev->u.ws.from);
	json_str(o, "to", ev->u.ws.to);
	json_str(o, "cause", ev->u.ws.cause);
	json_str(o, "dir", dir_name(ev->u.ws.dir));
	json_str(o, "opcode", ws_opcode_text(ev->u.ws.opcode));
	out_printf(o, ",\"fin\":%s,\"masked\":%s,\"length\":%llu,\"code\":%u,\"status\":%u",
	           ev->u.ws.fin ? "true" : "false", ev->u.ws.masked ? "true" : "false",
	           (unsigned long long)ev->u.ws.length, ev->u.ws.code, ev->u.ws.status);
	json_str(o, "reason", ev->u.ws.reason);
}

static void format_body_json(struct out *o, const struct tapir_event *ev)
{
	char mac[TAPIR_MAC_STRLEN], flags[40];

	switch (ev->kind) {
	case TAPIR_EV_MESSAGE:
		json_str(o, "layer", ev->u.message.layer);
		json_str(o, "text", ev->u.message.text);
		break;
	case TAPIR_EV_DROP:
		json_str(o, "layer", tapir_drop_layer(ev->u.drop.reason));
		json_str(o, "reason", tapir_drop_name(ev->u.drop.reason));
		json_str(o, "detail", ev->u.drop.detail);
		break;
	case TAPIR_EV_ARP:
		tapir_mac_format(ev->u.arp.mac, mac);
		json_str(o, "what", tapir_arp_what_name(ev->u.arp.what));
		json_ip(o, "ip", ev->u.arp.ip);
		json_str(o, "mac", mac);
		break;
	case TAPIR_EV_IP_FRAG:
		json_str(o, "what", frag_what_name(ev->u.frag.what));
		json_ip(o, "src", ev->u.frag.src);
		json_ip(o, "dst", ev->u.frag.dst);
		out_printf(o, ",\"id\":%u,\"offset\":%u,\"length\":%u,\"more\":%s", ev->u.frag.id,
		           ev->u.frag.offset, ev->u.frag.length,
		           ev->u.frag.more ? "true" : "false");
		break;
	case TAPIR_EV_ICMP:
		json_str(o, "dir", dir_name(ev->u.icmp.dir));
		json_ip(o, "src", ev->u.icmp.src);
		json_ip(o, "dst", ev->u.icmp.dst);
		out_printf(o, ",\"type\":%u,\"code\":%u,\"id\":%u,\"seq\":%u,\"length\":%u",
		           ev->u.icmp.type, ev->u.icmp.code, ev->u.icmp.id, ev->u.icmp.seq,
		           ev->u.icmp.length);
		break;
	case TAPIR_EV_UDP:
		json_str(o, "dir", dir_name(ev->u.udp.dir));
		json_ip(o, "src", ev->u.udp.src);
		json_ip(o, "dst", ev->u.udp.dst);
		out_printf(o, ",\"sport\":%u,\"dport\":%u,\"length\":%u", ev->u.udp.sport,
		           ev->u.udp.dport, ev->u.udp.length);
		break;
	case TAPIR_EV_TCP_STATE:
		json_conn(o, &ev->u.tcp_state.conn);
		json_str(o, "from", ev->u.tcp_state.from);
		json_str(o, "to", ev->u.tcp_state.to);
		json_str(o, "cause", ev->u.tcp_state.cause);
		break;
	case TAPIR_EV_TCP_SEGMENT:
		tapir_tcp_flags_format(ev->u.tcp_segment.flags, flags);
		json_conn(o, &ev->u.tcp_segment.conn);
		json_str(o, "dir", dir_name(ev->u.tcp_segment.dir));
		json_str(o, "flags", flags);
		out_printf(o, ",\"seq\":%u,\"ack\":%u,\"len\":%u,\"window\":%u",
		           ev->u.tcp_segment.seq, ev->u.tcp_segment.ack, ev->u.tcp_segment.len,
		           ev->u.tcp_segment.window);
		out_printf(o, ",\"isn_local\":%u,\"isn_remote\":%u", ev->u.tcp_segment.isn_local,
		           ev->u.tcp_segment.isn_remote);
		json_str(o, "options", ev->u.tcp_segment.options);
		json_str(o, "state", ev->u.tcp_segment.state);
		out_printf(o, ",\"retransmission\":%s",
		           ev->u.tcp_segment.retransmission ? "true" : "false");
		break;
	case TAPIR_EV_TCP_TIMER:
		json_conn(o, &ev->u.tcp_timer.conn);
		json_str(o, "timer", ev->u.tcp_timer.timer);
		out_printf(o, ",\"backoff\":%u,\"rto_us\":%lld", ev->u.tcp_timer.backoff,
		           (long long)ev->u.tcp_timer.rto);
		break;
	case TAPIR_EV_TCP_CWND:
		json_conn(o, &ev->u.tcp_cwnd.conn);
		out_printf(o, ",\"cwnd\":%u,\"ssthresh\":%u", ev->u.tcp_cwnd.cwnd,
		           ev->u.tcp_cwnd.ssthresh);
		json_str(o, "cause", ev->u.tcp_cwnd.cause);
		break;
	case TAPIR_EV_DNS:
		format_dns_json(o, ev);
		break;
	case TAPIR_EV_HTTP:
		format_http_json(o, ev);
		break;
	case TAPIR_EV_WS:
		format_ws_json(o, ev);
		break;
	case TAPIR_EV__COUNT:
		break;
	}
}

void tapir_event_format_json(const struct tapir_event *ev, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0};

	if (cap == 0)
		return;
	buf[0] = '\0';
	out_printf(&o, "{\"time_us\":%lld,\"event\":\"%s\",\"level\":\"%s\"", (long long)ev->time,
	           tapir_event_kind_name(ev->kind), tapir_log_level_name(ev->level));
	format_body_json(&o, ev);
	out_printf(&o, "}");
}

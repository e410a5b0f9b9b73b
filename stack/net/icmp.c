/*
 * icmp.c — the Internet Control Message Protocol for a host (RFC 792,
 * RFC 1122 section 3.2.2): answering echo requests, sending echo requests
 * for tapir-ping, sending error messages (destination unreachable, time
 * exceeded) about datagrams we could not deliver, and passing those that
 * come to us about our own TCP segments up to TCP.
 *
 * Error messages quote the offending datagram's IP header and the first
 * 8 bytes of its payload, are never sent about another ICMP error, a
 * broadcast or a non-first fragment, and are rate limited.
 */
#include <errno.h>
#include <string.h>

#include "stack_internal.h"
#include "wire/icmp.h"

static void trace_icmp(struct tapir_stack *stack, enum tapir_dir dir, tapir_ip src, tapir_ip dst,
                       const struct icmp_message *msg)
{
	struct tapir_event ev = {.kind = TAPIR_EV_ICMP, .level = TAPIR_LOG_INFO};

	ev.u.icmp.dir = dir;
	ev.u.icmp.src = src;
	ev.u.icmp.dst = dst;
	ev.u.icmp.type = msg->type;
	ev.u.icmp.code = msg->code;
	ev.u.icmp.id = msg->id;
	ev.u.icmp.seq = msg->seq;
	ev.u.icmp.length = (uint16_t)msg->data_len;
	stack_emit(stack, &ev);
}

static int icmp_send(struct tapir_stack *stack, tapir_ip dst, const struct icmp_message *msg)
{
	uint8_t *buf = stack->tx_datagram;
	size_t len = icmp_emit(msg, buf, sizeof(stack->tx_datagram) - IPV4_HEADER_LEN);

	if (len == 0)
		return -EMSGSIZE;
	stack_count(stack, TAPIR_CNT_ICMP_TX);
	trace_icmp(stack, TAPIR_DIR_OUT, stack->ip, dst, msg);
	return ipv4_send(stack, dst, IPV4_PROTO_ICMP, buf, len);
}

/* RFC 1122 3.2.2.6: the reply carries the request's identifier, sequence
 * number and data unchanged. A request to a broadcast may be ignored. */
static void icmp_echo_request_arrives(struct tapir_stack *stack, const struct ipv4_header *ip,
                                      const struct icmp_message *req)
{
	struct icmp_message reply = *req;

	stack_count(stack, TAPIR_CNT_ICMP_ECHO_REQUESTS_RX);
	if (ip->dst != stack->ip) {
		stack_drop(stack, TAPIR_DROP_ICMP_BROADCAST, NULL);
		return;
	}
	reply.type = ICMP_ECHO_REPLY;
	reply.code = 0;
	if (icmp_send(stack, ip->src, &reply) == 0)
		stack_count(stack, TAPIR_CNT_ICMP_ECHO_REPLIES_TX);
}

static void icmp_echo_reply_arrives(struct tapir_stack *stack, const struct ipv4_header *ip,
                                    const struct icmp_message *msg)
{
	struct tapir_echo_reply reply = {
	    .from = ip->src,
	    .id = msg->id,
	    .seq = msg->seq,
	    .ttl = ip->ttl,
	    .len = msg->data_len,
	    .data = msg->data,
	    .time = stack->now,
	};

	stack_count(stack, TAPIR_CNT_ICMP_ECHO_REPLIES_RX);
	if (stack->icmp.echo_fn)
		stack->icmp.echo_fn(stack->icmp.echo_user, &reply);
}

/* An error about a datagram we sent (RFC 1122 3.2.2.1, 3.2.2.4) goes to
 * the transport that sent it: TCP (tcp/icmp.c) or UDP (udp.c). */
static void icmp_error_arrives(struct tapir_stack *stack, const struct icmp_message *msg)
{
	struct icmp_quoted q;
	enum tapir_drop reason = icmp_parse_quoted(msg, &q);

	if (reason != TAPIR_DROP_NONE) {
		stack_drop(stack, reason, "the quoted datagram");
		return;
	}
	if (q.src != stack->ip) {
		stack_drop(stack, TAPIR_DROP_ICMP_UNHANDLED, "not about our datagram");
		return;
	}
	if (q.protocol == IPV4_PROTO_TCP)
		tcp_icmp_error_arrives(stack, msg->type, msg->code, &q);
	else if (q.protocol == IPV4_PROTO_UDP)
		udp_icmp_error_arrives(stack, msg->type, msg->code, &q);
	else
		stack_drop(stack, TAPIR_DROP_ICMP_UNHANDLED, NULL);
}

void icmp_packet_arrives(struct tapir_stack *stack, const struct ipv4_header *ip)
{
	struct icmp_message msg;
	enum tapir_drop reason = icmp_parse(ip->payload, ip->payload_len, &msg);

	if (reason != TAPIR_DROP_NONE) {
		stack_drop(stack, reason, NULL);
		return;
	}
	stack_count(stack, TAPIR_CNT_ICMP_RX);
	trace_icmp(stack, TAPIR_DIR_IN, ip->src, ip->dst, &msg);
	switch (msg.type) {
	case ICMP_ECHO_REQUEST:
		icmp_echo_request_arrives(stack, ip, &msg);
		break;
	case ICMP_ECHO_REPLY:
		icmp_echo_reply_arrives(stack, ip, &msg);
		break;
	case ICMP_DEST_UNREACHABLE:
	case ICMP_TIME_EXCEEDED:
		icmp_error_arrives(stack, &msg);
		break;
	default:
		stack_drop(stack, TAPIR_DROP_ICMP_UNHANDLED, NULL);
		break;
	}
}

static bool icmp_is_error_type(uint8_t type)
{
	return type != ICMP_ECHO_REQUEST && type != ICMP_ECHO_REPLY && type != 13 && type != 14 &&
	       type != 15 && type != 16;
}

/* RFC 1122 3.2.2: never answer an ICMP error, a broadcast, a fragment
 * other than the first, or a datagram whose source is not one host (such as
 * 0.0.0.0, which a host uses while it has no address yet), with an ICMP error. */
static bool icmp_error_allowed(const struct tapir_stack *stack, const struct ipv4_header *offender)
{
	if (offender->frag_offset != 0 || stack_is_broadcast(stack, offender->dst))
		return false;
	if (offender->src == 0)
		return false;
	if (offender->protocol == IPV4_PROTO_ICMP &&
	    (offender->payload_len == 0 || icmp_is_error_type(offender->payload[0])))
		return false;
	return true;
}

static bool icmp_error_rate_ok(struct tapir_stack *stack)
{
	if (stack->now - stack->icmp.error_window_start >= TAPIR_SECONDS(1)) {
		stack->icmp.error_window_start = stack->now;
		stack->icmp.errors_in_window = 0;
	}
	if (stack->icmp.errors_in_window >= TAPIR_ICMP_ERRORS_PER_S)
		return false;
	stack->icmp.errors_in_window++;
	return true;
}

void icmp_send_error(struct tapir_stack *stack, uint8_t type, uint8_t code,
                     const struct ipv4_header *offender)
{
	uint8_t quote[IPV4_HEADER_LEN + 8];
	struct ipv4_header hdr = *offender;
	size_t data_len = offender->payload_len < 8 ? offender->payload_len : 8;
	struct icmp_message msg = {.type = type, .code = code, .data = quote};

	if (!icmp_error_allowed(stack, offender))
		return;
	if (!icmp_error_rate_ok(stack)) {
		stack_drop(stack, TAPIR_DROP_ICMP_RATE_LIMIT, NULL);
		return;
	}
	/* The quoted header is re-emitted without options: RFC 792 asks for
	 * "the internet header", and the fields that identify it are kept. */
	hdr.header_len = IPV4_HEADER_LEN;
	hdr.total_len = (uint16_t)(IPV4_HEADER_LEN + offender->payload_len);
	ipv4_emit(&hdr, quote, sizeof(quote));
	memcpy(quote + IPV4_HEADER_LEN, offender->payload, data_len);
	msg.data_len = IPV4_HEADER_LEN + data_len;
	if (icmp_send(stack, offender->src, &msg) == 0 && type == ICMP_DEST_UNREACHABLE)
		stack_count(stack, TAPIR_CNT_ICMP_UNREACH_TX);
}

void tapir_icmp_set_echo_handler(struct tapir_stack *stack, tapir_echo_reply_fn fn, void *user)
{
	stack->icmp.echo_fn = fn;
	stack->icmp.echo_user = user;
}

int tapir_icmp_echo_send(struct tapir_stack *stack, tapir_ip dst, uint16_t id, uint16_t seq,
                         const uint8_t *data, size_t len, tapir_time now)
{
	struct icmp_message msg = {
	    .type = ICMP_ECHO_REQUEST,
	    .id = id,
	    .seq = seq,
	    .data = data,
	    .data_len = len,
	};

	if (len > IPV4_MAX_DATAGRAM - IPV4_HEADER_LEN - ICMP_HEADER_LEN)
		return -EMSGSIZE;
	if (now > stack->now)
		stack->now = now;
	return icmp_send(stack, dst, &msg);
}

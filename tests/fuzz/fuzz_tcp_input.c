/*
 * fuzz_tcp_input.c — libFuzzer harness for SEGMENT ARRIVES (RFC 9293
 * 3.10.7): a tapir stack on a sim link is driven into one of several states
 * (LISTEN, SYN-RECEIVED, SYN-SENT, ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT,
 * LAST-ACK, TIME-WAIT), then fed segments built from the input — near the
 * right sequence numbers, so that the deep paths are reached — mixed with
 * raw bytes, time steps and application calls. Anything may happen except a
 * crash, a sanitizer report or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/link.h"
#include "tapir/stack.h"
#include "tapir/tcp.h"
#include "wire/arp.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define STACK_IP   TAPIR_IP(10, 0, 0, 2)
#define PEER_IP    TAPIR_IP(10, 0, 0, 1)
#define PEER_PORT  40000
#define STACK_PORT 80

static const struct tapir_mac stack_mac = {{0x02, 0x54, 0x41, 0x50, 0x00, 0x02}};
static const struct tapir_mac peer_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

struct fz {
	struct tapir_link *ours, *peer;
	struct tapir_stack *stack;
	struct tapir_tcp *listener, *sock;
	tapir_time now;
	uint16_t stack_port;
	uint32_t peer_nxt;  /* next sequence number the peer sends */
	uint32_t stack_nxt; /* highest sequence number seen from the stack + 1 */
	uint32_t stack_iss;
	uint8_t frame[2048];
};

/* Every state change the code asks for must be a row of the table:
 * tcp_set_state() reports any other as an error message. */
static void check_event(void *user, const struct tapir_event *ev)
{
	(void)user;
	if (ev->kind == TAPIR_EV_MESSAGE && ev->level == TAPIR_LOG_ERROR &&
	    strcmp(ev->u.message.layer, "tcp") == 0)
		abort();
}

static void on_sock(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	(void)sock;
	(void)events;
	(void)error;
	(void)user;
}

static void send_frame(struct fz *f, uint16_t type, const uint8_t *payload, size_t len)
{
	struct eth_header eth = {.dst = stack_mac, .src = peer_mac, .type = type};

	if (len > sizeof(f->frame) - ETH_HEADER_LEN)
		return;
	eth_emit(&eth, f->frame, sizeof(f->frame));
	memcpy(f->frame + ETH_HEADER_LEN, payload, len);
	tapir_link_send(f->peer, f->frame, ETH_HEADER_LEN + len, f->now);
	tapir_stack_poll(f->stack, f->now);
}

static void send_tcp_bytes(struct fz *f, const uint8_t *tcp, size_t len)
{
	uint8_t packet[1600];
	struct ipv4_header ip = {
	    .total_len = (uint16_t)(IPV4_HEADER_LEN + len),
	    .ttl = 64,
	    .protocol = IPV4_PROTO_TCP,
	    .src = PEER_IP,
	    .dst = STACK_IP,
	    .header_len = IPV4_HEADER_LEN,
	};

	if (len > sizeof(packet) - IPV4_HEADER_LEN)
		return;
	ipv4_emit(&ip, packet, sizeof(packet));
	memcpy(packet + IPV4_HEADER_LEN, tcp, len);
	send_frame(f, ETH_TYPE_IPV4, packet, IPV4_HEADER_LEN + len);
}

static void send_seg(struct fz *f, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t window,
                     const struct tcp_options *opt, const uint8_t *data, size_t len)
{
	uint8_t out[1500];
	struct tcp_segment seg = {
	    .src_port = PEER_PORT,
	    .dst_port = f->stack_port,
	    .seq = seq,
	    .ack = ack,
	    .flags = flags,
	    .window = window,
	    .payload = data,
	    .payload_len = len,
	};

	if (opt)
		seg.opt = *opt;
	size_t n = tcp_emit(&seg, PEER_IP, STACK_IP, out, sizeof(out));
	if (n > 0)
		send_tcp_bytes(f, out, n);
}

/* Read what the stack sent; remember the sequence numbers it uses. */
static void drain(struct fz *f)
{
	uint8_t buf[2048];
	int n;

	while ((n = tapir_link_recv(f->peer, buf, sizeof(buf), f->now)) > 0) {
		struct eth_header eth;
		struct ipv4_header ip;
		struct tcp_segment seg;
		const uint8_t *p;
		size_t plen;

		if (eth_parse(buf, (size_t)n, &eth, &p, &plen) != TAPIR_DROP_NONE ||
		    eth.type != ETH_TYPE_IPV4 || ipv4_parse(p, plen, &ip) != TAPIR_DROP_NONE ||
		    ip.protocol != IPV4_PROTO_TCP)
			continue;
		if (tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &seg) != TAPIR_DROP_NONE)
			abort(); /* the stack must only send valid segments */
		if (seg.flags & TCP_FLAG_RST)
			continue;
		uint32_t end = seg.seq + tcp_segment_seq_len(&seg);
		if ((int32_t)(end - f->stack_nxt) > 0 || f->stack_nxt == 0)
			f->stack_nxt = end;
		if (seg.flags & TCP_FLAG_SYN)
			f->stack_iss = seg.seq;
		if (seg.dst_port == PEER_PORT)
			f->stack_port = seg.src_port;
	}
}

static void advance(struct fz *f, tapir_time dt)
{
	tapir_time end = f->now + dt;

	while (f->now < end) {
		tapir_time next = tapir_stack_poll(f->stack, f->now);
		drain(f);
		if (next > end)
			break;
		f->now = next > f->now ? next : f->now + 1;
	}
	f->now = end;
	tapir_stack_poll(f->stack, f->now);
	drain(f);
}

static void learn_peer(struct fz *f)
{
	uint8_t arp[ARP_PACKET_LEN];
	struct arp_packet pkt = {
	    .opcode = ARP_OP_REQUEST,
	    .sender_mac = peer_mac,
	    .sender_ip = PEER_IP,
	    .target_ip = STACK_IP,
	};

	arp_emit(&pkt, arp, sizeof(arp));
	struct eth_header eth = {.dst = ETH_BROADCAST, .src = peer_mac, .type = ETH_TYPE_ARP};
	eth_emit(&eth, f->frame, sizeof(f->frame));
	memcpy(f->frame + ETH_HEADER_LEN, arp, sizeof(arp));
	tapir_link_send(f->peer, f->frame, ETH_HEADER_LEN + sizeof(arp), f->now);
	tapir_stack_poll(f->stack, f->now);
	drain(f);
}

static void peer_ack(struct fz *f, uint8_t flags)
{
	send_seg(f, flags, f->peer_nxt, f->stack_nxt, 65535, NULL, NULL, 0);
	if (flags & (TCP_FLAG_SYN | TCP_FLAG_FIN))
		f->peer_nxt++;
	drain(f);
}

/* Drive the stack into a state; every path starts from a real handshake. */
static void reach_state(struct fz *f, unsigned which)
{
	struct tcp_options opt = {.has_mss = true,
	                          .mss = 1460,
	                          .has_wscale = (which & 8) != 0,
	                          .wscale = 7,
	                          .has_timestamps = (which & 16) != 0,
	                          .ts_val = 1};

	f->peer_nxt = 1000;
	if (which % 8 == 3) { /* SYN-SENT, or ESTABLISHED by active open */
		tapir_tcp_connect(f->stack, PEER_IP, PEER_PORT, on_sock, NULL, &f->sock);
		drain(f);
		return;
	}
	tapir_tcp_listen(f->stack, STACK_PORT, 4, on_sock, NULL, &f->listener);
	f->stack_port = STACK_PORT;
	if (which % 8 == 0)
		return; /* LISTEN */
	send_seg(f, TCP_FLAG_SYN, f->peer_nxt++, 0, 65535, &opt, NULL, 0);
	drain(f);
	if (which % 8 == 1)
		return; /* SYN-RECEIVED */
	peer_ack(f, TCP_FLAG_ACK);
	if (tapir_tcp_accept(f->listener, on_sock, NULL, &f->sock) != 0)
		return;
	switch (which % 8) {
	case 4: /* FIN-WAIT-1 */
		tapir_tcp_shutdown(f->sock);
		drain(f);
		break;
	case 5: /* CLOSE-WAIT */
		peer_ack(f, TCP_FLAG_ACK | TCP_FLAG_FIN);
		break;
	case 6: /* TIME-WAIT */
		tapir_tcp_shutdown(f->sock);
		drain(f);
		peer_ack(f, TCP_FLAG_ACK | TCP_FLAG_FIN);
		break;
	case 7: /* LAST-ACK */
		peer_ack(f, TCP_FLAG_ACK | TCP_FLAG_FIN);
		tapir_tcp_shutdown(f->sock);
		drain(f);
		break;
	default: /* ESTABLISHED */
		break;
	}
}

static void app_action(struct fz *f, uint8_t what)
{
	static const uint8_t data[3000];
	uint8_t buf[4096];

	if (!f->sock)
		return;
	switch (what % 8) {
	case 1:
		tapir_tcp_send(f->sock, data, (size_t)(what * 11) % sizeof(data));
		break;
	case 2:
		tapir_tcp_recv(f->sock, buf, sizeof(buf));
		break;
	case 3:
		tapir_tcp_shutdown(f->sock);
		break;
	case 4:
		tapir_tcp_set_option(f->sock, TAPIR_TCP_NODELAY, what & 16);
		break;
	case 5:
		if (what & 0x80) {
			tapir_tcp_close(f->sock);
			f->sock = NULL;
		}
		break;
	case 6:
		if (what & 0x80) {
			tapir_tcp_abort(f->sock);
			f->sock = NULL;
		}
		break;
	default:
		break;
	}
	drain(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	struct tapir_stack_config cfg;

	if (size < 1)
		return 0;
	memset(&f, 0, sizeof(f));
	f.now = TAPIR_SECONDS(1);
	if (tapir_sim_pair(0, 1500, &f.ours, &f.peer) != 0)
		return 0;
	tapir_stack_config_default(&cfg);
	cfg.mac = stack_mac;
	cfg.send_gratuitous_arp = false;
	cfg.seed = 1;
	static struct tapir_trace trace;
	tapir_trace_init(&trace);
	tapir_trace_attach(&trace, check_event, NULL);
	if (tapir_stack_new(&cfg, f.ours, &trace, f.now, &f.stack) != 0)
		abort();
	tapir_tcp_set_msl(f.stack, TAPIR_SECONDS(1));
	learn_peer(&f);
	reach_state(&f, data[0]);

	/* Records: 8 bytes of control, then payload bytes. */
	size_t i = 1;
	while (i + 8 <= size) {
		const uint8_t *r = data + i;
		i += 8;
		size_t len = r[6] % 48;
		if (len > size - i)
			len = size - i;
		const uint8_t *payload = data + i;
		i += len;
		if (r[0] & 1) {
			/* Raw bytes as a TCP segment, checksum fixed when asked. */
			uint8_t raw[64];
			size_t n = len < sizeof(raw) ? len : sizeof(raw);
			memcpy(raw, payload, n);
			if (n >= TCP_HEADER_LEN) {
				raw[0] = PEER_PORT >> 8;
				raw[1] = PEER_PORT & 0xff;
				raw[2] = (uint8_t)(f.stack_port >> 8);
				raw[3] = (uint8_t)f.stack_port;
				if (r[1] & 1) {
					raw[16] = raw[17] = 0;
					uint32_t sum = checksum_pseudo_header(
					    PEER_IP, STACK_IP, IPV4_PROTO_TCP, (uint16_t)n);
					uint16_t c = checksum_finish(checksum_add(sum, raw, n));
					raw[16] = (uint8_t)(c >> 8);
					raw[17] = (uint8_t)c;
				}
			}
			send_tcp_bytes(&f, raw, n);
		} else {
			/* A segment near the numbers the connection expects. */
			uint32_t seq = f.peer_nxt + (uint32_t)(int32_t)(int8_t)r[2] * 100;
			uint32_t ack = f.stack_nxt + (uint32_t)(int32_t)(int8_t)r[3] * 10;
			uint16_t window = (uint16_t)(r[4] << 8 | r[5]);
			struct tcp_options opt = {.has_timestamps = r[0] & 2,
			                          .ts_val = r[2],
			                          .ts_ecr = r[3],
			                          .has_mss = r[1] & TCP_FLAG_SYN,
			                          .mss = window};
			/* Bits 2-3 of the control byte: 0-3 SACK blocks around
			 * what the stack sent. */
			opt.nsack = (uint8_t)((r[0] >> 2) & 3);
			for (unsigned b = 0; b < opt.nsack; b++) {
				opt.sack[b].left =
				    f.stack_nxt - (uint32_t)(r[4] + 1) * 100 * (b + 1);
				opt.sack[b].right = opt.sack[b].left + (uint32_t)(r[5] + 1) * 10;
			}
			send_seg(&f, r[1], seq, ack, window, &opt, payload, len);
			if (r[2] == 0 && !(r[1] & TCP_FLAG_RST))
				f.peer_nxt += (uint32_t)len + ((r[1] & TCP_FLAG_FIN) ? 1 : 0);
		}
		drain(&f);
		app_action(&f, r[7]);
		if (r[0] & 0x80)
			advance(&f, TAPIR_MS(r[0] & 0x7f) * 50);
	}
	advance(&f, TAPIR_SECONDS(5));
	if (f.sock)
		tapir_tcp_close(f.sock);
	if (f.listener)
		tapir_tcp_close(f.listener);
	tapir_stack_free(f.stack);
	tapir_link_close(f.ours);
	tapir_link_close(f.peer);
	return 0;
}

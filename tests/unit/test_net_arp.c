/*
 * test_net_arp.c — ARP (stack/net/arp.c) and the Ethernet demux in front of
 * it (stack/net/iface.c), against the real stack on the sim link.
 *
 * The test plays 10.0.0.1 (and, with other MACs, more hosts of 10.0.0.0/24):
 * it injects ARP frames at virtual times and checks exactly what the stack
 * sends back, what it counts and what it traces. RFC 826 "Packet Reception",
 * RFC 1122 2.3.2 (retries, the queue of packets waiting for an answer) and
 * RFC 5227 (the announcement at start) are the references.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/harness.h"
#include "tapir/icmp.h"
#include "tapir/options.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

/* A third host on the subnet that the stack has never heard of. */
#define OTHER_IP TAPIR_IP(10, 0, 0, 9)
static const struct tapir_mac OTHER_MAC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x09}};
static const struct tapir_mac ZERO_MAC;

static int setup(void **state)
{
	struct harness *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	assert_int_equal(harness_setup(h), 0);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct harness *h = *state;

	harness_teardown(h);
	free(h);
	return 0;
}

/* ---- building and reading frames -------------------------------------------- */

static bool mac_equal(struct tapir_mac a, struct tapir_mac b)
{
	return memcmp(a.b, b.b, sizeof(a.b)) == 0;
}

/* An ARP packet in an Ethernet frame padded to the 60-byte minimum, as a
 * real NIC delivers it. */
static void send_arp(struct harness *h, struct tapir_mac eth_dst, struct tapir_mac eth_src,
                     const struct arp_packet *arp)
{
	uint8_t frame[ETH_MIN_FRAME] = {0};
	struct eth_header eth = {.dst = eth_dst, .src = eth_src, .type = ETH_TYPE_ARP};

	eth_emit(&eth, frame, sizeof(frame));
	arp_emit(arp, frame + ETH_HEADER_LEN, sizeof(frame) - ETH_HEADER_LEN);
	harness_send_frame(h, frame, sizeof(frame));
}

/* A broadcast request "who has target_ip? tell sender_ip". */
static void send_arp_request(struct harness *h, struct tapir_mac sender_mac, tapir_ip sender_ip,
                             tapir_ip target_ip)
{
	struct arp_packet arp = {
	    .opcode = ARP_OP_REQUEST,
	    .sender_mac = sender_mac,
	    .sender_ip = sender_ip,
	    .target_ip = target_ip,
	};

	send_arp(h, ETH_BROADCAST, sender_mac, &arp);
}

/* A unicast reply to the stack: "sender_ip is at sender_mac". */
static void send_arp_reply(struct harness *h, struct tapir_mac sender_mac, tapir_ip sender_ip)
{
	struct arp_packet arp = {
	    .opcode = ARP_OP_REPLY,
	    .sender_mac = sender_mac,
	    .sender_ip = sender_ip,
	    .target_mac = HARNESS_STACK_MAC,
	    .target_ip = HARNESS_STACK_IP,
	};

	send_arp(h, HARNESS_STACK_MAC, sender_mac, &arp);
}

/* Read the next frame; it must be ARP. Returns the frame length. */
static int recv_arp(struct harness *h, struct eth_header *eth, struct arp_packet *arp)
{
	uint8_t frame[TAPIR_FRAME_MAX];
	const uint8_t *payload;
	size_t payload_len;
	int len = harness_recv_frame(h, frame, sizeof(frame));

	assert_true(len > 0);
	assert_int_equal(eth_parse(frame, (size_t)len, eth, &payload, &payload_len),
	                 TAPIR_DROP_NONE);
	assert_int_equal(eth->type, ETH_TYPE_ARP);
	assert_int_equal(arp_parse(payload, payload_len, arp), TAPIR_DROP_NONE);
	return len;
}

/* Read the next frame: it must be an ARP request from us for `ip`. */
static void expect_arp_request_for(struct harness *h, tapir_ip ip)
{
	struct eth_header eth;
	struct arp_packet arp;

	recv_arp(h, &eth, &arp);
	assert_true(mac_equal(eth.dst, ETH_BROADCAST));
	assert_true(mac_equal(eth.src, HARNESS_STACK_MAC));
	assert_int_equal(arp.opcode, ARP_OP_REQUEST);
	assert_true(mac_equal(arp.sender_mac, HARNESS_STACK_MAC));
	assert_int_equal(arp.sender_ip, HARNESS_STACK_IP);
	assert_true(mac_equal(arp.target_mac, ZERO_MAC));
	assert_int_equal(arp.target_ip, ip);
}

/* Read the next frame: an IPv4 packet, returned with its Ethernet header. */
static void expect_ip_frame(struct harness *h, struct eth_header *eth, struct ipv4_header *ip,
                            uint8_t *frame, size_t cap)
{
	const uint8_t *payload;
	size_t payload_len;
	int len = harness_recv_frame(h, frame, cap);

	assert_true(len > 0);
	assert_int_equal(eth_parse(frame, (size_t)len, eth, &payload, &payload_len),
	                 TAPIR_DROP_NONE);
	assert_int_equal(eth->type, ETH_TYPE_IPV4);
	assert_int_equal(ipv4_parse(payload, payload_len, ip), TAPIR_DROP_NONE);
}

/* Have the stack send an echo request (8 bytes of data) to dst. */
static int ping(struct harness *h, tapir_ip dst, uint16_t seq)
{
	static const uint8_t data[8] = {'t', 'a', 'p', 'i', 'r', 0, 1, 2};

	return tapir_icmp_echo_send(h->stack, dst, 0x4242, seq, data, sizeof(data), h->now);
}

/* The next frame must be our echo request with sequence number `seq` to
 * `dst`, sent to the Ethernet address `mac`. */
static void expect_ping(struct harness *h, struct tapir_mac mac, tapir_ip dst, uint16_t seq)
{
	uint8_t frame[TAPIR_FRAME_MAX];
	struct eth_header eth;
	struct ipv4_header ip;
	struct icmp_message msg;

	expect_ip_frame(h, &eth, &ip, frame, sizeof(frame));
	assert_true(mac_equal(eth.dst, mac));
	assert_int_equal(ip.dst, dst);
	assert_int_equal(ip.protocol, IPV4_PROTO_ICMP);
	assert_int_equal(icmp_parse(ip.payload, ip.payload_len, &msg), TAPIR_DROP_NONE);
	assert_int_equal(msg.type, ICMP_ECHO_REQUEST);
	assert_int_equal(msg.seq, seq);
}

static uint64_t total_drops(const struct harness *h)
{
	uint64_t n = 0;

	for (int r = 1; r < TAPIR_DROP__COUNT; r++)
		n += harness_drops(h, (enum tapir_drop)r);
	return n;
}

/* ---- answering requests ------------------------------------------------------ */

static void test_request_for_our_ip_gets_exact_reply(void **state)
{
	struct harness *h = *state;
	uint64_t replies = harness_counter(h, TAPIR_CNT_ARP_REPLIES_SENT);
	/* RFC 826: swap sender and target, put our addresses in as sender,
	 * opcode reply, unicast to the asker; padded to 60 bytes. */
	static const uint8_t expected[ETH_MIN_FRAME] = {
	    0x02, 0x00, 0x00, 0x00, 0x00, 0x09, /* to the asker */
	    0x02, 0x54, 0x41, 0x50, 0x00, 0x02, /* from us */
	    0x08, 0x06,                         /* ARP */
	    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, /* Ethernet, IPv4, 6, 4 */
	    0x00, 0x02,                         /* reply */
	    0x02, 0x54, 0x41, 0x50, 0x00, 0x02, /* sender MAC: ours */
	    0x0a, 0x00, 0x00, 0x02,             /* sender IP: 10.0.0.2 */
	    0x02, 0x00, 0x00, 0x00, 0x00, 0x09, /* target MAC: the asker's */
	    0x0a, 0x00, 0x00, 0x09,             /* target IP: 10.0.0.9 */
	};
	uint8_t frame[TAPIR_FRAME_MAX];
	int len;

	send_arp_request(h, OTHER_MAC, OTHER_IP, HARNESS_STACK_IP);

	len = harness_recv_frame(h, frame, sizeof(frame));
	assert_int_equal(len, ETH_MIN_FRAME);
	assert_memory_equal(frame, expected, ETH_MIN_FRAME);
	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_counter(h, TAPIR_CNT_ARP_REPLIES_SENT), replies + 1);
	assert_true(harness_find_event(h, 0,
	                               "arp request-received 10.0.0.9 is-at "
	                               "02:00:00:00:00:09") >= 0);
	assert_true(harness_find_event(h, 0, "arp reply-sent 10.0.0.2 is-at 02:54:41:50:00:02") >=
	            0);
	assert_int_equal(total_drops(h), 0);
}

static void test_asker_is_cached_so_traffic_to_it_needs_no_request(void **state)
{
	struct harness *h = *state;
	struct eth_header eth;
	struct arp_packet arp;

	send_arp_request(h, OTHER_MAC, OTHER_IP, HARNESS_STACK_IP);
	recv_arp(h, &eth, &arp);
	assert_int_equal(arp.opcode, ARP_OP_REPLY);
	assert_true(harness_find_event(h, 0, "arp resolved 10.0.0.9 is-at 02:00:00:00:00:09") >= 0);

	assert_int_equal(ping(h, OTHER_IP, 1), 0);
	expect_ping(h, OTHER_MAC, OTHER_IP, 1);
	assert_int_equal(harness_pending(h), 0);
}

static void test_request_for_another_host_is_ignored_and_counted(void **state)
{
	struct harness *h = *state;

	send_arp_request(h, OTHER_MAC, OTHER_IP, TAPIR_IP(10, 0, 0, 77));

	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ARP_NOT_FOR_US), 1);
	assert_true(harness_find_event(h, 0, "arp drop not-for-us") >= 0);
	/* RFC 826: a stranger asking about someone else is not added. */
	assert_int_equal(ping(h, OTHER_IP, 1), 0);
	expect_arp_request_for(h, OTHER_IP);
}

static void test_known_host_asking_for_another_updates_our_cache(void **state)
{
	struct harness *h = *state;
	static const struct tapir_mac new_mac = {{0x02, 0x00, 0x00, 0x00, 0x01, 0x01}};

	/* The peer (already cached) changed its NIC and asks for someone else:
	 * RFC 826 merges the sender into the table because it is there already. */
	send_arp_request(h, new_mac, HARNESS_PEER_IP, TAPIR_IP(10, 0, 0, 77));

	assert_int_equal(harness_pending(h), 0);
	assert_true(harness_find_event(h, 0, "arp resolved 10.0.0.1 is-at 02:00:00:00:01:01") >= 0);
	assert_int_equal(ping(h, HARNESS_PEER_IP, 1), 0);
	expect_ping(h, new_mac, HARNESS_PEER_IP, 1);
}

static void test_unsolicited_reply_to_us_is_learned(void **state)
{
	struct harness *h = *state;

	send_arp_reply(h, OTHER_MAC, OTHER_IP);

	assert_int_equal(harness_pending(h), 0);
	assert_true(harness_find_event(h, 0, "arp reply-received 10.0.0.9") >= 0);
	assert_int_equal(ping(h, OTHER_IP, 1), 0);
	expect_ping(h, OTHER_MAC, OTHER_IP, 1);
}

static void test_sender_claiming_our_ip_is_refused(void **state)
{
	struct harness *h = *state;

	/* Someone else says 10.0.0.2 is at their MAC: an address conflict, not
	 * something to cache or answer. */
	send_arp_request(h, OTHER_MAC, HARNESS_STACK_IP, HARNESS_STACK_IP);
	send_arp_reply(h, OTHER_MAC, HARNESS_STACK_IP);

	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ARP_BAD_SENDER), 2);
	assert_true(harness_find_event(h, 0, "arp drop bad-sender") >= 0);
}

static void test_sender_with_group_mac_or_broadcast_ip_is_refused(void **state)
{
	struct harness *h = *state;
	static const struct tapir_mac multicast = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
	struct arp_packet arp = {
	    .opcode = ARP_OP_REQUEST,
	    .sender_mac = ETH_BROADCAST,
	    .sender_ip = OTHER_IP,
	    .target_ip = HARNESS_STACK_IP,
	};

	/* The Ethernet source is fine; the MAC inside the ARP packet is not. */
	send_arp(h, ETH_BROADCAST, OTHER_MAC, &arp);
	arp.sender_mac = multicast;
	send_arp(h, ETH_BROADCAST, OTHER_MAC, &arp);
	send_arp_request(h, OTHER_MAC, TAPIR_IP(10, 0, 0, 255), HARNESS_STACK_IP);
	send_arp_request(h, OTHER_MAC, TAPIR_IP_BROADCAST, HARNESS_STACK_IP);

	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ARP_BAD_SENDER), 4);
}

static void test_probe_with_zero_sender_is_answered_but_not_cached(void **state)
{
	struct harness *h = *state;
	struct eth_header eth;
	struct arp_packet arp;

	/* RFC 5227 probe: sender IP 0.0.0.0 asks whether 10.0.0.2 is taken. */
	send_arp_request(h, OTHER_MAC, 0, HARNESS_STACK_IP);

	recv_arp(h, &eth, &arp);
	assert_int_equal(arp.opcode, ARP_OP_REPLY);
	assert_true(mac_equal(eth.dst, OTHER_MAC));
	assert_int_equal(arp.sender_ip, HARNESS_STACK_IP);
	assert_int_equal(harness_find_event(h, 0, "arp resolved 0.0.0.0"), -1);
}

/* ---- resolving addresses ----------------------------------------------------- */

static void test_unresolved_host_gets_request_and_packet_waits_for_reply(void **state)
{
	struct harness *h = *state;

	assert_int_equal(ping(h, OTHER_IP, 1), 0);
	assert_int_equal(ping(h, OTHER_IP, 2), 0);
	assert_int_equal(ping(h, OTHER_IP, 3), 0);

	/* One request, however many packets wait; no IP frame yet. */
	expect_arp_request_for(h, OTHER_IP);
	assert_int_equal(harness_pending(h), 0);
	assert_true(harness_find_event(h, 0, "arp request-sent 10.0.0.9") >= 0);

	harness_advance(h, TAPIR_MS(3));
	send_arp_reply(h, OTHER_MAC, OTHER_IP);

	/* The waiting packets leave at once, in the order they were sent. */
	expect_ping(h, OTHER_MAC, OTHER_IP, 1);
	expect_ping(h, OTHER_MAC, OTHER_IP, 2);
	expect_ping(h, OTHER_MAC, OTHER_IP, 3);
	assert_int_equal(harness_pending(h), 0);
	assert_true(harness_find_event(h, 0, "arp resolved 10.0.0.9 is-at 02:00:00:00:00:09") >= 0);
	assert_int_equal(total_drops(h), 0);

	/* And the next one goes straight out. */
	assert_int_equal(ping(h, OTHER_IP, 4), 0);
	expect_ping(h, OTHER_MAC, OTHER_IP, 4);
}

static void test_waiting_packets_keep_their_order_across_hosts(void **state)
{
	struct harness *h = *state;
	const tapir_ip x = TAPIR_IP(10, 0, 0, 20), y = TAPIR_IP(10, 0, 0, 21);
	static const struct tapir_mac x_mac = {{0x02, 0, 0, 0, 0, 0x20}};
	static const struct tapir_mac y_mac = {{0x02, 0, 0, 0, 0, 0x21}};

	/* Packets for y wait in the queue before and after x's have come and
	 * gone: they must still leave in the order they were sent. */
	assert_int_equal(ping(h, x, 1), 0);
	assert_int_equal(ping(h, y, 2), 0);
	expect_arp_request_for(h, x);
	expect_arp_request_for(h, y);
	send_arp_reply(h, x_mac, x);
	expect_ping(h, x_mac, x, 1);
	assert_int_equal(ping(h, y, 3), 0);
	assert_int_equal(ping(h, y, 4), 0);

	send_arp_reply(h, y_mac, y);
	expect_ping(h, y_mac, y, 2);
	expect_ping(h, y_mac, y, 3);
	expect_ping(h, y_mac, y, 4);
	assert_int_equal(harness_pending(h), 0);
}

static void test_no_reply_retries_then_drops_waiting_packets(void **state)
{
	struct harness *h = *state;

	assert_int_equal(ping(h, OTHER_IP, 1), 0);
	assert_int_equal(ping(h, OTHER_IP, 2), 0);
	expect_arp_request_for(h, OTHER_IP);

	/* A new request every TAPIR_ARP_RETRY_MS, not a microsecond early. */
	for (int i = 1; i < TAPIR_ARP_REQUEST_TRIES; i++) {
		harness_advance(h, TAPIR_MS(TAPIR_ARP_RETRY_MS) - 1);
		assert_int_equal(harness_pending(h), 0);
		harness_advance(h, 1);
		expect_arp_request_for(h, OTHER_IP);
		assert_int_equal(harness_pending(h), 0);
	}
	assert_int_equal(harness_counter(h, TAPIR_CNT_ARP_REQUESTS_SENT), TAPIR_ARP_REQUEST_TRIES);

	/* The last request gets its full wait too; then both packets are lost. */
	harness_advance(h, TAPIR_MS(TAPIR_ARP_RETRY_MS) - 1);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ARP_UNRESOLVED), 0);
	harness_advance(h, 1);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ARP_UNRESOLVED), 2);
	assert_int_equal(harness_pending(h), 0);
	assert_true(harness_find_event(h, 0, "arp failed 10.0.0.9") >= 0);
	assert_true(harness_find_event(h, 0, "arp drop unresolved") >= 0);

	/* Nothing more is asked... */
	harness_advance(h, TAPIR_SECONDS(10));
	assert_int_equal(harness_pending(h), 0);
	/* ...until there is something to send again. */
	assert_int_equal(ping(h, OTHER_IP, 3), 0);
	expect_arp_request_for(h, OTHER_IP);
}

static void test_late_reply_after_failure_is_not_needed_but_harmless(void **state)
{
	struct harness *h = *state;

	assert_int_equal(ping(h, OTHER_IP, 1), 0);
	harness_advance(h, TAPIR_MS(TAPIR_ARP_RETRY_MS) * TAPIR_ARP_REQUEST_TRIES);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ARP_UNRESOLVED), 1);
	while (harness_pending(h) > 0)
		expect_arp_request_for(h, OTHER_IP);

	/* A reply for an entry that no longer exists: not for anyone waiting,
	 * but it is addressed to us, so it is learned; nothing is sent. */
	send_arp_reply(h, OTHER_MAC, OTHER_IP);
	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(ping(h, OTHER_IP, 2), 0);
	expect_ping(h, OTHER_MAC, OTHER_IP, 2);
}

static void test_pending_queue_is_bounded(void **state)
{
	struct harness *h = *state;
	int n = TAPIR_ARP_PENDING_MAX + 3;

	for (int i = 0; i < n; i++)
		assert_int_equal(ping(h, OTHER_IP, (uint16_t)i),
		                 i < TAPIR_ARP_PENDING_MAX ? 0 : -ENOBUFS);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ARP_QUEUE_FULL), 3);
	assert_true(harness_find_event(h, 0, "arp drop queue-full") >= 0);
	expect_arp_request_for(h, OTHER_IP);
	assert_int_equal(harness_pending(h), 0);

	send_arp_reply(h, OTHER_MAC, OTHER_IP);
	for (int i = 0; i < TAPIR_ARP_PENDING_MAX; i++)
		expect_ping(h, OTHER_MAC, OTHER_IP, (uint16_t)i);
	assert_int_equal(harness_pending(h), 0);

	/* The queue is empty again: a new host's packets may wait. */
	assert_int_equal(ping(h, TAPIR_IP(10, 0, 0, 30), 99), 0);
	expect_arp_request_for(h, TAPIR_IP(10, 0, 0, 30));
}

static void test_cache_entry_expires_after_ttl(void **state)
{
	struct harness *h = *state;

	/* The harness taught the stack the peer's MAC at the current time. */
	harness_advance(h, TAPIR_SECONDS(TAPIR_ARP_ENTRY_TTL_S) - 1);
	assert_int_equal(ping(h, HARNESS_PEER_IP, 1), 0);
	expect_ping(h, HARNESS_PEER_MAC, HARNESS_PEER_IP, 1);
	assert_int_equal(harness_find_event(h, 0, "arp expired"), -1);

	harness_advance(h, 1);
	assert_true(harness_find_event(h, 0, "arp expired 10.0.0.1 is-at 02:00:00:00:00:01") >= 0);
	assert_int_equal(ping(h, HARNESS_PEER_IP, 2), 0);
	expect_arp_request_for(h, HARNESS_PEER_IP);
	assert_int_equal(harness_pending(h), 0);

	send_arp_reply(h, HARNESS_PEER_MAC, HARNESS_PEER_IP);
	expect_ping(h, HARNESS_PEER_MAC, HARNESS_PEER_IP, 2);
}

static void test_fresh_arp_from_host_extends_its_entry(void **state)
{
	struct harness *h = *state;

	harness_advance(h, TAPIR_SECONDS(TAPIR_ARP_ENTRY_TTL_S / 2));
	send_arp_reply(h, HARNESS_PEER_MAC, HARNESS_PEER_IP);
	harness_advance(h, TAPIR_SECONDS(TAPIR_ARP_ENTRY_TTL_S) - 1);

	assert_int_equal(harness_find_event(h, 0, "arp expired"), -1);
	assert_int_equal(ping(h, HARNESS_PEER_IP, 1), 0);
	expect_ping(h, HARNESS_PEER_MAC, HARNESS_PEER_IP, 1);
}

static void test_cache_full_evicts_the_entry_closest_to_expiry(void **state)
{
	struct harness *h = *state;

	/* The peer was learned first; fill every other slot later. */
	for (int i = 0; i < TAPIR_ARP_CACHE_SIZE - 1; i++) {
		struct tapir_mac mac = {{0x02, 0, 0, 1, 0, (uint8_t)i}};
		struct eth_header eth;
		struct arp_packet arp;

		harness_advance(h, TAPIR_MS(1));
		send_arp_request(h, mac, TAPIR_IP(10, 0, 0, 100 + i), HARNESS_STACK_IP);
		recv_arp(h, &eth, &arp);
	}
	/* One more host: the peer's entry (oldest) makes room. */
	send_arp_reply(h, OTHER_MAC, OTHER_IP);

	assert_int_equal(ping(h, OTHER_IP, 1), 0);
	expect_ping(h, OTHER_MAC, OTHER_IP, 1);
	assert_int_equal(ping(h, TAPIR_IP(10, 0, 0, 100), 2), 0);
	expect_ping(h, (struct tapir_mac){{0x02, 0, 0, 1, 0, 0}}, TAPIR_IP(10, 0, 0, 100), 2);
	assert_int_equal(ping(h, HARNESS_PEER_IP, 3), 0);
	expect_arp_request_for(h, HARNESS_PEER_IP);
}

static void test_off_link_destination_goes_to_gateway_mac(void **state)
{
	struct harness *h = *state;
	uint8_t frame[TAPIR_FRAME_MAX];
	struct eth_header eth;
	struct ipv4_header ip;

	assert_int_equal(ping(h, TAPIR_IP(192, 0, 2, 7), 1), 0);

	expect_ip_frame(h, &eth, &ip, frame, sizeof(frame));
	assert_true(mac_equal(eth.dst, HARNESS_PEER_MAC)); /* 10.0.0.1, the gateway */
	assert_int_equal(ip.dst, TAPIR_IP(192, 0, 2, 7));  /* the IP header keeps the target */
	assert_int_equal(ip.src, HARNESS_STACK_IP);
	assert_int_equal(harness_pending(h), 0);
}

static void test_off_link_destination_resolves_the_gateway_not_the_target(void **state)
{
	struct harness *h = *state;

	harness_advance(h, TAPIR_SECONDS(TAPIR_ARP_ENTRY_TTL_S));
	assert_int_equal(ping(h, TAPIR_IP(192, 0, 2, 7), 1), 0);
	expect_arp_request_for(h, HARNESS_PEER_IP);
	assert_int_equal(harness_pending(h), 0);

	send_arp_reply(h, HARNESS_PEER_MAC, HARNESS_PEER_IP);
	expect_ping(h, HARNESS_PEER_MAC, TAPIR_IP(192, 0, 2, 7), 1);
}

/* ---- gratuitous ARP at start ------------------------------------------------- */

static void test_gratuitous_arp_is_sent_at_start_when_configured(void **state)
{
	struct tapir_link *ours, *peer;
	struct tapir_stack *stack;
	struct tapir_stack_config cfg;
	uint8_t frame[TAPIR_FRAME_MAX];
	struct eth_header eth;
	struct arp_packet arp;
	const uint8_t *payload;
	size_t payload_len;
	int len;

	(void)state;
	assert_int_equal(tapir_sim_pair(0, TAPIR_MTU_DEFAULT, &ours, &peer), 0);
	tapir_stack_config_default(&cfg);
	assert_true(cfg.send_gratuitous_arp);
	assert_int_equal(tapir_stack_new(&cfg, ours, NULL, TAPIR_SECONDS(5), &stack), 0);

	len = tapir_link_recv(peer, frame, sizeof(frame), TAPIR_SECONDS(5));
	assert_int_equal(len, ETH_MIN_FRAME);
	assert_int_equal(eth_parse(frame, (size_t)len, &eth, &payload, &payload_len),
	                 TAPIR_DROP_NONE);
	assert_true(mac_equal(eth.dst, ETH_BROADCAST));
	assert_true(mac_equal(eth.src, tapir_stack_mac(stack)));
	assert_int_equal(eth.type, ETH_TYPE_ARP);
	assert_int_equal(arp_parse(payload, payload_len, &arp), TAPIR_DROP_NONE);
	/* RFC 5227 announcement: a request with our address as sender and target. */
	assert_int_equal(arp.opcode, ARP_OP_REQUEST);
	assert_true(mac_equal(arp.sender_mac, tapir_stack_mac(stack)));
	assert_int_equal(arp.sender_ip, cfg.ip);
	assert_int_equal(arp.target_ip, cfg.ip);
	assert_true(mac_equal(arp.target_mac, ZERO_MAC));
	assert_int_equal(tapir_link_recv(peer, frame, sizeof(frame), TAPIR_SECONDS(5)), 0);

	tapir_stack_free(stack);
	tapir_link_close(ours);
	tapir_link_close(peer);
}

static void test_no_gratuitous_arp_when_not_configured(void **state)
{
	struct harness *h = *state;

	/* The harness turns it off: the only frame was the reply to its request. */
	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(harness_find_event(h, 0, "gratuitous"), -1);
	harness_advance(h, TAPIR_SECONDS(5));
	assert_int_equal(harness_pending(h), 0);
}

/* ---- malformed ARP ----------------------------------------------------------- */

struct malformed_case {
	const char *what;
	size_t arp_len; /* bytes of ARP after the Ethernet header */
	size_t offset;  /* byte of the ARP packet to overwrite */
	uint8_t value[2];
	size_t value_len;
	enum tapir_drop reason;
};

static void test_malformed_arp_is_counted_by_reason(void **state)
{
	struct harness *h = *state;
	static const struct malformed_case cases[] = {
	    {"27 bytes", 27, 0, {0x00, 0x01}, 0, TAPIR_DROP_ARP_TRUNCATED},
	    {"no ARP at all", 0, 0, {0x00, 0x01}, 0, TAPIR_DROP_ARP_TRUNCATED},
	    {"hardware type 6 (IEEE 802)", 28, 0, {0x00, 0x06}, 2, TAPIR_DROP_ARP_BAD_HARDWARE},
	    {"hardware length 8", 28, 4, {0x08}, 1, TAPIR_DROP_ARP_BAD_HARDWARE},
	    {"protocol IPv6", 28, 2, {0x86, 0xdd}, 2, TAPIR_DROP_ARP_BAD_PROTOCOL},
	    {"protocol length 16", 28, 5, {0x10}, 1, TAPIR_DROP_ARP_BAD_PROTOCOL},
	    {"opcode 3 (RARP request)", 28, 6, {0x00, 0x03}, 2, TAPIR_DROP_ARP_BAD_OPCODE},
	    {"opcode 0", 28, 6, {0x00, 0x00}, 2, TAPIR_DROP_ARP_BAD_OPCODE},
	};
	uint64_t seen[TAPIR_DROP__COUNT] = {0};
	uint64_t arp_rx = harness_counter(h, TAPIR_CNT_ARP_RX);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct malformed_case *c = &cases[i];
		uint8_t frame[ETH_HEADER_LEN + ARP_PACKET_LEN];
		struct eth_header eth = {
		    .dst = ETH_BROADCAST, .src = OTHER_MAC, .type = ETH_TYPE_ARP};
		struct arp_packet arp = {
		    .opcode = ARP_OP_REQUEST,
		    .sender_mac = OTHER_MAC,
		    .sender_ip = OTHER_IP,
		    .target_ip = HARNESS_STACK_IP,
		};
		char needle[64];

		print_message("case: %s\n", c->what);
		eth_emit(&eth, frame, sizeof(frame));
		arp_emit(&arp, frame + ETH_HEADER_LEN, ARP_PACKET_LEN);
		memcpy(frame + ETH_HEADER_LEN + c->offset, c->value, c->value_len);
		harness_send_frame(h, frame, ETH_HEADER_LEN + c->arp_len);

		seen[c->reason]++;
		assert_int_equal(harness_drops(h, c->reason), seen[c->reason]);
		assert_int_equal(harness_pending(h), 0);
		snprintf(needle, sizeof(needle), "arp drop %s", tapir_drop_name(c->reason));
		assert_true(harness_find_event(h, 0, needle) >= 0);
	}
	/* None of them counts as an ARP packet received, and none was learned. */
	assert_int_equal(harness_counter(h, TAPIR_CNT_ARP_RX), arp_rx);
	assert_int_equal(harness_find_event(h, 0, "arp resolved"), -1);
}

/* ---- the Ethernet demux in front of ARP and IPv4 ------------------------------- */

static void send_eth(struct harness *h, struct tapir_mac dst, struct tapir_mac src, uint16_t type,
                     size_t len)
{
	uint8_t frame[TAPIR_FRAME_MAX + 64] = {0};
	struct eth_header eth = {.dst = dst, .src = src, .type = type};

	eth_emit(&eth, frame, sizeof(frame));
	harness_send_frame(h, frame, len);
}

static void test_ethernet_demux_refuses_frames_by_reason(void **state)
{
	struct harness *h = *state;
	static const struct tapir_mac stranger = {{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}};
	static const struct tapir_mac multicast = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};

	send_eth(h, HARNESS_STACK_MAC, HARNESS_PEER_MAC, ETH_TYPE_IPV4, 13);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ETH_TRUNCATED), 1);

	send_eth(h, stranger, HARNESS_PEER_MAC, ETH_TYPE_IPV4, 60);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ETH_NOT_FOR_US), 1);
	/* Multicast destinations other than broadcast are not ours either. */
	send_eth(h, multicast, HARNESS_PEER_MAC, ETH_TYPE_ARP, 60);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ETH_NOT_FOR_US), 2);

	send_eth(h, HARNESS_STACK_MAC, multicast, ETH_TYPE_IPV4, 60);
	send_eth(h, ETH_BROADCAST, ETH_BROADCAST, ETH_TYPE_ARP, 60);
	assert_int_equal(harness_drops(h, TAPIR_DROP_ETH_BAD_SOURCE), 2);

	send_eth(h, HARNESS_STACK_MAC, HARNESS_PEER_MAC, 0x86dd, 60); /* IPv6 */
	send_eth(h, ETH_BROADCAST, HARNESS_PEER_MAC, 0x8100, 60);     /* VLAN tag */
	assert_int_equal(harness_drops(h, TAPIR_DROP_ETH_UNKNOWN_TYPE), 2);

	assert_int_equal(harness_pending(h), 0);
	assert_int_equal(total_drops(h), 7);
	assert_true(harness_find_event(h, 0, "eth drop unknown-ethertype") >= 0);
}

static void test_frame_longer_than_the_stack_can_hold_is_dropped(void **state)
{
	struct tapir_link *ours, *peer;
	struct tapir_stack *stack;
	struct tapir_stack_config cfg;
	uint8_t frame[TAPIR_FRAME_MAX + 64] = {0};
	struct eth_header eth = {
	    .dst = HARNESS_STACK_MAC, .src = HARNESS_PEER_MAC, .type = ETH_TYPE_IPV4};

	(void)state;
	/* A wire that carries frames longer than the stack's receive buffer
	 * (TAPIR_FRAME_MAX): the frame is refused whole, never cut short. */
	assert_int_equal(tapir_sim_pair(0, TAPIR_FRAME_MAX + 32, &ours, &peer), 0);
	tapir_stack_config_default(&cfg);
	cfg.send_gratuitous_arp = false;
	cfg.mac = HARNESS_STACK_MAC;
	assert_int_equal(tapir_stack_new(&cfg, ours, NULL, 0, &stack), 0);

	eth_emit(&eth, frame, sizeof(frame));
	assert_int_equal(tapir_link_send(peer, frame, TAPIR_FRAME_MAX + 20, 0), 0);
	tapir_stack_poll(stack, 0);
	assert_int_equal(tapir_stack_stats(stack)->drops[TAPIR_DROP_LINK_OVERSIZED], 1);
	assert_int_equal(tapir_stack_stats(stack)->count[TAPIR_CNT_LINK_RX_FRAMES], 1);
	assert_int_equal(tapir_stack_stats(stack)->count[TAPIR_CNT_IP_RX], 0);
	assert_int_equal(tapir_stack_stats(stack)->drops[TAPIR_DROP_IP_BAD_LENGTH], 0);

	tapir_stack_free(stack);
	tapir_link_close(ours);
	tapir_link_close(peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_request_for_our_ip_gets_exact_reply, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_asker_is_cached_so_traffic_to_it_needs_no_request,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_request_for_another_host_is_ignored_and_counted,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_known_host_asking_for_another_updates_our_cache,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsolicited_reply_to_us_is_learned, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_sender_claiming_our_ip_is_refused, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_sender_with_group_mac_or_broadcast_ip_is_refused,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_probe_with_zero_sender_is_answered_but_not_cached,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unresolved_host_gets_request_and_packet_waits_for_reply, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_waiting_packets_keep_their_order_across_hosts,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_reply_retries_then_drops_waiting_packets, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        test_late_reply_after_failure_is_not_needed_but_harmless, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pending_queue_is_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache_entry_expires_after_ttl, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fresh_arp_from_host_extends_its_entry, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache_full_evicts_the_entry_closest_to_expiry,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_off_link_destination_goes_to_gateway_mac, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        test_off_link_destination_resolves_the_gateway_not_the_target, setup, teardown),
	    cmocka_unit_test(test_gratuitous_arp_is_sent_at_start_when_configured),
	    cmocka_unit_test_setup_teardown(test_no_gratuitous_arp_when_not_configured, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_arp_is_counted_by_reason, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_ethernet_demux_refuses_frames_by_reason, setup,
	                                    teardown),
	    cmocka_unit_test(test_frame_longer_than_the_stack_can_hold_is_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

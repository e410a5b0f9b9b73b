/*
 * test_tcp_icmp.c — TCP and the ICMP errors about its segments (tcp/icmp.c;
 * RFC 1122 4.2.3.9, RFC 5461, RFC 5927): a port unreachable ends a
 * connection in SYN-SENT at once with "connection refused"; forged errors
 * (no such connection, a sequence number not in flight, a quote that is
 * cut short) are dropped and counted; in ESTABLISHED an error is only
 * remembered, and reported instead of "timed out" if the connection dies.
 */
#include "test_tcp_peer.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

/* The peer (or a router) answers a TCP segment we sent from `sport` with
 * seq `seq` by an ICMP error of `type`/`code`, quoting its IP header and
 * first 8 bytes (`quote_len` bytes of the quote, 28 for the whole). */
static void send_icmp_error(struct peer *p, uint8_t type, uint8_t code, uint16_t sport,
                            uint32_t seq, size_t quote_len)
{
	uint8_t quote[IPV4_HEADER_LEN + 8], msg_buf[64];
	struct ipv4_header ip = {.ttl = 64,
	                         .protocol = IPV4_PROTO_TCP,
	                         .src = HARNESS_STACK_IP,
	                         .dst = HARNESS_PEER_IP,
	                         .header_len = IPV4_HEADER_LEN,
	                         .total_len = 60,
	                         .dont_fragment = true};
	struct icmp_message msg = {
	    .type = type, .code = code, .data = quote, .data_len = quote_len};

	ipv4_emit(&ip, quote, sizeof(quote));
	uint8_t *tcp = quote + IPV4_HEADER_LEN;
	tcp[0] = (uint8_t)(sport >> 8);
	tcp[1] = (uint8_t)sport;
	tcp[2] = (uint8_t)(PEER_PORT >> 8);
	tcp[3] = (uint8_t)PEER_PORT;
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	size_t n = icmp_emit(&msg, msg_buf, sizeof(msg_buf));
	assert_true(n > 0);
	harness_send_ip(&p->h, IPV4_PROTO_ICMP, msg_buf, n);
}

/* ESTABLISHED, with 5 bytes sent and never acknowledged. */
static void open_with_data_in_flight(struct peer *p, struct tapir_tcp **c, uint32_t *iss,
                                     uint16_t *port)
{
	open_active(p, c, iss, port);
	assert_int_equal(tapir_tcp_send(*c, "hello", 5), 5);
	peer_expect(p, TCP_FLAG_ACK | TCP_FLAG_PSH, *iss + 1, PEER_ISS + 1, 5);
}

/* Let the retransmissions run out (RFC 9293 3.8.3, R2). */
static void wait_until_given_up(struct peer *p)
{
	for (unsigned i = 0; i < 2 * TAPIR_TCP_MAX_RETRIES + 2; i++)
		peer_advance(p, TAPIR_SECONDS(60));
}

static uint64_t stale_drops(const struct peer *p)
{
	return harness_drops(&p->h, TAPIR_DROP_TCP_ICMP_STALE);
}

/* connect() to a host whose firewall answers with port unreachable: the
 * connection ends at once with -ECONNREFUSED, no minute of SYN retries. */
static void test_port_unreachable_in_syn_sent(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	struct tcp_segment seg;

	peer_setup(&p);
	open_syn_sent(&p, &c, &seg);
	send_icmp_error(&p, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, seg.src_port, seg.seq, 28);
	assert_string_equal(tapir_tcp_state(c), "CLOSED");
	assert_true(p.events & TAPIR_TCP_CLOSED);
	assert_int_equal(p.last_error, -ECONNREFUSED);
	assert_int_equal(harness_counter(&p.h, TAPIR_CNT_TCP_ICMP_ERRORS), 1);
	static const char *const want[] = {
	    "CLOSED -> SYN-SENT (active OPEN / create TCB, snd SYN)",
	    "SYN-SENT -> CLOSED (rcv ICMP port unreachable / refused)",
	    NULL,
	};
	assert_transitions(&p, conn_id(c), want);
	peer_advance(&p, TAPIR_SECONDS(5));
	peer_expect_nothing(&p); /* no SYN retransmitted */
	tapir_tcp_close(c);
	peer_teardown(&p);
}

/* Errors anyone could forge are dropped: a sequence number that is not in
 * flight (RFC 5927 4.1), a connection that does not exist, a quote too
 * short to hold the ports. The connection carries on. */
static void test_forged_errors_are_dropped(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	struct tcp_segment seg;

	peer_setup(&p);
	open_syn_sent(&p, &c, &seg);
	send_icmp_error(&p, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, seg.src_port, seg.seq + 1,
	                28);
	send_icmp_error(&p, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, seg.src_port, seg.seq - 1,
	                28);
	assert_int_equal(stale_drops(&p), 2);
	send_icmp_error(&p, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, (uint16_t)(seg.src_port + 1),
	                seg.seq, 28);
	assert_int_equal(stale_drops(&p), 3);
	send_icmp_error(&p, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, seg.src_port, seg.seq, 27);
	assert_int_equal(harness_drops(&p.h, TAPIR_DROP_ICMP_TRUNCATED), 1);
	assert_string_equal(tapir_tcp_state(c), "SYN-SENT");
	assert_int_equal(harness_counter(&p.h, TAPIR_CNT_TCP_ICMP_ERRORS), 0);
	/* The handshake still completes. */
	peer_send_full(&p, PEER_PORT, seg.src_port, TCP_FLAG_SYN | TCP_FLAG_ACK, PEER_ISS,
	               seg.seq + 1, 65535, NULL, NULL, 0);
	peer_expect(&p, TCP_FLAG_ACK, seg.seq + 1, PEER_ISS + 1, 0);
	assert_string_equal(tapir_tcp_state(c), "ESTABLISHED");
	tapir_tcp_close(c);
	peer_teardown(&p);
}

/* In ESTABLISHED even a port unreachable is only a hint (RFC 5461): the
 * connection stays; when its data then goes unanswered to the end, the
 * application hears the ICMP error rather than "timed out". */
static void test_soft_error_reported_at_timeout(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	uint32_t iss;
	uint16_t port;

	peer_setup(&p);
	open_with_data_in_flight(&p, &c, &iss, &port);
	send_icmp_error(&p, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_HOST, port, iss + 1, 28);
	assert_string_equal(tapir_tcp_state(c), "ESTABLISHED");
	assert_int_equal(harness_counter(&p.h, TAPIR_CNT_TCP_ICMP_ERRORS), 1);
	send_icmp_error(&p, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, port, iss + 1, 28);
	assert_string_equal(tapir_tcp_state(c), "ESTABLISHED");
	wait_until_given_up(&p);
	assert_string_equal(tapir_tcp_state(c), "CLOSED");
	assert_int_equal(p.last_error, -ECONNREFUSED); /* the latest error */
	tapir_tcp_close(c);
	peer_teardown(&p);
}

/* Without any ICMP error the same timeout is still -ETIMEDOUT; and time
 * exceeded (a routing loop) counts as a soft error too. */
static void test_time_exceeded_is_soft(void **state)
{
	(void)state;
	struct peer p;
	struct tapir_tcp *c;
	uint32_t iss;
	uint16_t port;

	peer_setup(&p);
	open_with_data_in_flight(&p, &c, &iss, &port);
	send_icmp_error(&p, ICMP_TIME_EXCEEDED, 0, port, iss + 1, 28);
	assert_string_equal(tapir_tcp_state(c), "ESTABLISHED");
	wait_until_given_up(&p);
	assert_int_equal(p.last_error, -EHOSTUNREACH);
	tapir_tcp_close(c);
	peer_teardown(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_port_unreachable_in_syn_sent),
	    cmocka_unit_test(test_forged_errors_are_dropped),
	    cmocka_unit_test(test_soft_error_reported_at_timeout),
	    cmocka_unit_test(test_time_exceeded_is_soft),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

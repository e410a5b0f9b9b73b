/*
 * test_net_stats.c — the names behind every counter and drop reason
 * (stack/net/stats.c), the `--stats` printout grouped by layer, the text and
 * JSON forms of trace events (stack/trace/format.c) and the address parsers
 * of stack/net/addr.c.
 *
 * These are what a student reads: a drop reason without a name, a JSON line
 * a tool cannot parse, or "10.0.0.256" accepted as an address would each
 * send someone down the wrong path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tapir/stats.h"
#include "tapir/trace.h"
#include "tapir/types.h"

static const char *const known_layers[] = {"link", "eth", "arp", "ip",   "icmp",
                                           "udp",  "tcp", "dns", "http", "ws"};
#define NLAYERS (sizeof(known_layers) / sizeof(known_layers[0]))

static int layer_index(const char *layer)
{
	for (size_t i = 0; i < NLAYERS; i++)
		if (strcmp(layer, known_layers[i]) == 0)
			return (int)i;
	return -1;
}

/* ---- names of drop reasons and counters ---------------------------------------- */

/* Which layer each group of the enum belongs to, by its first and last value. */
struct drop_range {
	enum tapir_drop first, last;
	const char *layer;
};

static const struct drop_range drop_ranges[] = {
    {TAPIR_DROP_LINK_OVERSIZED, TAPIR_DROP_LINK_QUEUE_FULL, "link"},
    {TAPIR_DROP_ETH_TRUNCATED, TAPIR_DROP_ETH_UNKNOWN_TYPE, "eth"},
    {TAPIR_DROP_ARP_TRUNCATED, TAPIR_DROP_ARP_QUEUE_FULL, "arp"},
    {TAPIR_DROP_IP_TRUNCATED, TAPIR_DROP_IP_NO_ROUTE, "ip"},
    {TAPIR_DROP_ICMP_TRUNCATED, TAPIR_DROP_ICMP_RATE_LIMIT, "icmp"},
    {TAPIR_DROP_UDP_TRUNCATED, TAPIR_DROP_UDP_QUEUE_FULL, "udp"},
    {TAPIR_DROP_TCP_TRUNCATED, TAPIR_DROP_TCP_AFTER_CLOSE, "tcp"},
    {TAPIR_DROP_DNS_TRUNCATED, TAPIR_DROP_DNS_WRONG_SERVER, "dns"},
    {TAPIR_DROP_HTTP_BAD_REQUEST, TAPIR_DROP_HTTP_BAD_RESPONSE, "http"},
    {TAPIR_DROP_WS_TRUNCATED, TAPIR_DROP_WS_TOO_MANY, "ws"},
};

static bool is_short_name(const char *name)
{
	if (!*name)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

static void test_every_drop_reason_has_layer_name_and_text(void **state)
{
	(void)state;
	assert_string_equal(tapir_drop_name(TAPIR_DROP_NONE), "none");
	for (int r = 1; r < TAPIR_DROP__COUNT; r++) {
		const char *layer = tapir_drop_layer((enum tapir_drop)r);
		const char *name = tapir_drop_name((enum tapir_drop)r);
		const char *text = tapir_drop_text((enum tapir_drop)r);

		print_message("drop %d: %s %s\n", r, layer ? layer : "(null)",
		              name ? name : "(null)");
		assert_non_null(layer);
		assert_non_null(name);
		assert_non_null(text);
		/* "none" is what an unknown reason falls back to: a missing row. */
		assert_string_not_equal(name, "none");
		assert_true(is_short_name(name));
		assert_true(strlen(text) > 3);
		assert_true(layer_index(layer) >= 0);
		for (int q = 1; q < r; q++)
			if (strcmp(tapir_drop_layer((enum tapir_drop)q), layer) == 0)
				assert_string_not_equal(tapir_drop_name((enum tapir_drop)q), name);
	}
}

static void test_each_drop_reason_is_in_the_layer_its_enum_says(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(drop_ranges) / sizeof(drop_ranges[0]); i++) {
		const struct drop_range *d = &drop_ranges[i];

		assert_true(d->first <= d->last);
		for (int r = (int)d->first; r <= (int)d->last; r++)
			assert_string_equal(tapir_drop_layer((enum tapir_drop)r), d->layer);
	}
}

static void test_out_of_range_drop_and_counter_do_not_crash(void **state)
{
	(void)state;
	assert_non_null(tapir_drop_name(TAPIR_DROP__COUNT));
	assert_non_null(tapir_drop_text((enum tapir_drop)1000));
	assert_non_null(tapir_drop_layer((enum tapir_drop) - 1));
	assert_string_equal(tapir_counter_layer(TAPIR_CNT__COUNT), "-");
	assert_non_null(tapir_counter_text((enum tapir_counter)1000));
}

struct counter_range {
	enum tapir_counter first, last;
	const char *layer;
};

static const struct counter_range counter_ranges[] = {
    {TAPIR_CNT_LINK_RX_FRAMES, TAPIR_CNT_LINK_TX_ERRORS, "link"},
    {TAPIR_CNT_ARP_RX, TAPIR_CNT_ARP_RESOLVED, "arp"},
    {TAPIR_CNT_IP_RX, TAPIR_CNT_IP_FRAGMENTS_TX, "ip"},
    {TAPIR_CNT_ICMP_RX, TAPIR_CNT_ICMP_UNREACH_TX, "icmp"},
    {TAPIR_CNT_UDP_RX, TAPIR_CNT_UDP_TX, "udp"},
};

static void test_every_counter_has_layer_and_text(void **state)
{
	(void)state;
	for (int c = 0; c < TAPIR_CNT__COUNT; c++) {
		const char *layer = tapir_counter_layer((enum tapir_counter)c);
		const char *text = tapir_counter_text((enum tapir_counter)c);

		assert_non_null(layer);
		assert_non_null(text);
		assert_true(layer_index(layer) >= 0);
		assert_true(strlen(text) > 3);
		assert_null(strstr(text, "unknown"));
		for (int d = 0; d < c; d++)
			if (strcmp(tapir_counter_layer((enum tapir_counter)d), layer) == 0)
				assert_string_not_equal(tapir_counter_text((enum tapir_counter)d),
				                        text);
	}
	for (size_t i = 0; i < sizeof(counter_ranges) / sizeof(counter_ranges[0]); i++)
		for (int c = (int)counter_ranges[i].first; c <= (int)counter_ranges[i].last; c++)
			assert_string_equal(tapir_counter_layer((enum tapir_counter)c),
			                    counter_ranges[i].layer);
}

/* ---- the --stats printout -------------------------------------------------------- */

/* Print into memory; the caller frees. */
static char *print_stats(const struct tapir_stats *stats)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	tapir_stats_print(stats, f);
	fclose(f);
	return text;
}

static void test_stats_print_shows_nothing_when_all_zero(void **state)
{
	struct tapir_stats stats = {0};
	char *text = print_stats(&stats);

	(void)state;
	assert_string_equal(text, "");
	free(text);
}

static void test_stats_print_shows_one_counter_under_its_layer(void **state)
{
	struct tapir_stats stats = {0};
	char *text;

	(void)state;
	stats.count[TAPIR_CNT_UDP_RX] = 3;
	stats.drops[TAPIR_DROP_IP_BAD_CHECKSUM] = 2;
	text = print_stats(&stats);
	assert_string_equal(text, "ip:\n"
	                          "    2 dropped: header checksum wrong (bad-checksum)\n"
	                          "udp:\n"
	                          "    3 datagrams received\n");
	free(text);
}

/* Which layer heading a line of the printout falls under, or -1. */
static int heading_of_line(char *const *lines, size_t nlines, size_t line)
{
	for (size_t i = line + 1; i-- > 0;) {
		if (i >= nlines)
			continue;
		if (lines[i][0] != ' ') {
			size_t n = strlen(lines[i]);
			char name[32];

			assert_true(n > 1 && n < sizeof(name) && lines[i][n - 1] == ':');
			memcpy(name, lines[i], n - 1);
			name[n - 1] = '\0';
			return layer_index(name);
		}
	}
	return -1;
}

static size_t find_line(char *const *lines, size_t nlines, const char *line)
{
	size_t found = nlines;

	for (size_t i = 0; i < nlines; i++) {
		if (strcmp(lines[i], line) == 0) {
			assert_int_equal(found, nlines); /* exactly once */
			found = i;
		}
	}
	if (found == nlines)
		fail_msg("line not printed: \"%s\"", line);
	return found;
}

static void test_stats_print_groups_everything_by_layer_in_order(void **state)
{
	struct tapir_stats stats = {0};
	char *text, *save = NULL, *lines[256];
	size_t nlines = 0;
	int last_heading = -1;

	(void)state;
	/* Every counter and drop non-zero, each with a value of its own. */
	for (int c = 0; c < TAPIR_CNT__COUNT; c++)
		stats.count[c] = 1000 + (uint64_t)c;
	for (int r = 1; r < TAPIR_DROP__COUNT; r++)
		stats.drops[r] = 5000 + (uint64_t)r;
	text = print_stats(&stats);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_true(nlines < sizeof(lines) / sizeof(lines[0]));
		lines[nlines++] = line;
	}

	/* Headings appear once each, in the order link, eth, arp, ip, ... */
	for (size_t i = 0; i < nlines; i++) {
		int heading;

		if (lines[i][0] == ' ')
			continue;
		heading = heading_of_line(lines, nlines, i);
		assert_true(heading > last_heading);
		last_heading = heading;
	}
	/* Every value is printed once, under its own layer's heading. */
	for (int c = 0; c < TAPIR_CNT__COUNT; c++) {
		char want[160];

		snprintf(want, sizeof(want), "    %d %s", 1000 + c,
		         tapir_counter_text((enum tapir_counter)c));
		assert_int_equal(heading_of_line(lines, nlines, find_line(lines, nlines, want)),
		                 layer_index(tapir_counter_layer((enum tapir_counter)c)));
	}
	for (int r = 1; r < TAPIR_DROP__COUNT; r++) {
		char want[200];

		snprintf(want, sizeof(want), "    %d dropped: %s (%s)", 5000 + r,
		         tapir_drop_text((enum tapir_drop)r), tapir_drop_name((enum tapir_drop)r));
		assert_int_equal(heading_of_line(lines, nlines, find_line(lines, nlines, want)),
		                 layer_index(tapir_drop_layer((enum tapir_drop)r)));
	}
	/* Nothing else: one line a value plus one heading a layer. */
	assert_int_equal(nlines, (size_t)TAPIR_CNT__COUNT + TAPIR_DROP__COUNT - 1 + NLAYERS);
	free(text);
}

/* ---- a small JSON checker ---------------------------------------------------------- */

static bool json_value(const char **p, int depth);

static void json_space(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string per RFC 8259: no raw control characters, only the defined
 * escapes, and valid UTF-8 for anything beyond ASCII. */
static bool json_string(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;

	if (*s++ != '"')
		return false;
	for (;;) {
		unsigned char c = *s;

		if (c == '"') {
			*p = (const char *)s + 1;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			c = s[1];
			if (c == 'u') {
				for (int i = 2; i < 6; i++)
					if (!is_hex((char)s[i]))
						return false;
				s += 6;
			} else if (strchr("\"\\/bfnrt", c) && c) {
				s += 2;
			} else {
				return false;
			}
			continue;
		}
		if (c < 0x80) {
			s++;
			continue;
		}
		/* UTF-8: a lead byte and its continuation bytes. */
		int more = (c & 0xe0) == 0xc0   ? 1
		           : (c & 0xf0) == 0xe0 ? 2
		           : (c & 0xf8) == 0xf0 ? 3
		                                : -1;

		if (more < 0)
			return false;
		for (int i = 1; i <= more; i++)
			if ((s[i] & 0xc0) != 0x80)
				return false;
		s += more + 1;
	}
}

static bool json_number(const char **p)
{
	const char *s = *p;

	if (*s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	*p = s;
	return true;
}

static bool json_literal(const char **p, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*p, word, n) != 0)
		return false;
	*p += n;
	return true;
}

static bool json_object(const char **p, int depth)
{
	(*p)++;
	json_space(p);
	if (**p == '}') {
		(*p)++;
		return true;
	}
	for (;;) {
		json_space(p);
		if (!json_string(p))
			return false;
		json_space(p);
		if (*(*p)++ != ':')
			return false;
		if (!json_value(p, depth + 1))
			return false;
		json_space(p);
		if (**p == '}') {
			(*p)++;
			return true;
		}
		if (*(*p)++ != ',')
			return false;
	}
}

static bool json_value(const char **p, int depth)
{
	if (depth > 8)
		return false;
	json_space(p);
	switch (**p) {
	case '{':
		return json_object(p, depth);
	case '"':
		return json_string(p);
	case 't':
		return json_literal(p, "true");
	case 'f':
		return json_literal(p, "false");
	case 'n':
		return json_literal(p, "null");
	default:
		return json_number(p);
	}
}

/* One JSON object and nothing after it. */
static bool json_valid(const char *text)
{
	const char *p = text;

	json_space(&p);
	if (*p != '{' || !json_value(&p, 0))
		return false;
	json_space(&p);
	return *p == '\0';
}

static void test_json_checker_itself_rejects_broken_json(void **state)
{
	(void)state;
	assert_true(json_valid("{\"a\":1,\"b\":\"x\\u0001\",\"c\":null,\"d\":true}"));
	assert_false(json_valid("{\"a\":\"raw\nnewline\"}"));
	assert_false(json_valid("{\"a\":\"bad \\q escape\"}"));
	assert_false(json_valid("{\"a\":\"unterminated}"));
	assert_false(json_valid("{\"a\":1"));
	assert_false(json_valid("{\"a\":1}x"));
	assert_false(json_valid("{\"a\":\"\xff\"}"));
}

/* ---- event formats ------------------------------------------------------------------ */

#define HOSTILE      "say \"hi\" \\ back\nnew\tline\x01\x1f\x7f end"
#define HOSTILE_JSON "say \\\"hi\\\" \\\\ back\\u000anew\\u0009line\\u0001\\u001f\\u007f end"

static const struct tapir_tcp_conn_id conn = {
    .id = 3,
    .local_ip = TAPIR_IP(10, 0, 0, 2),
    .remote_ip = TAPIR_IP(10, 0, 0, 1),
    .local_port = 80,
    .remote_port = 40000,
};

/* One event of every kind, with hostile text wherever a string goes. */
static struct tapir_event event_of_kind(enum tapir_event_kind kind, const char *s)
{
	struct tapir_event ev = {.time = 2000001, .kind = kind, .level = TAPIR_LOG_INFO};

	switch (kind) {
	case TAPIR_EV_MESSAGE:
		ev.u.message.layer = s;
		ev.u.message.text = s;
		break;
	case TAPIR_EV_DROP:
		ev.u.drop.reason = TAPIR_DROP_IP_BAD_CHECKSUM;
		ev.u.drop.detail = s;
		break;
	case TAPIR_EV_ARP:
		ev.u.arp.what = TAPIR_ARP_RESOLVED;
		ev.u.arp.ip = TAPIR_IP(10, 0, 0, 1);
		ev.u.arp.mac = (struct tapir_mac){{0x02, 0, 0, 0, 0, 1}};
		break;
	case TAPIR_EV_IP_FRAG:
		ev.u.frag.what = TAPIR_FRAG_RECEIVED;
		ev.u.frag.src = TAPIR_IP(10, 0, 0, 1);
		ev.u.frag.dst = TAPIR_IP(10, 0, 0, 2);
		ev.u.frag.id = 7;
		ev.u.frag.offset = 1480;
		ev.u.frag.length = 520;
		ev.u.frag.more = true;
		break;
	case TAPIR_EV_ICMP:
		ev.u.icmp.dir = TAPIR_DIR_IN;
		ev.u.icmp.src = TAPIR_IP(10, 0, 0, 1);
		ev.u.icmp.dst = TAPIR_IP(10, 0, 0, 2);
		ev.u.icmp.type = 8;
		ev.u.icmp.id = 1;
		ev.u.icmp.seq = 2;
		ev.u.icmp.length = 56;
		break;
	case TAPIR_EV_UDP:
		ev.u.udp.dir = TAPIR_DIR_OUT;
		ev.u.udp.src = TAPIR_IP(10, 0, 0, 2);
		ev.u.udp.dst = TAPIR_IP(10, 0, 0, 1);
		ev.u.udp.sport = 5000;
		ev.u.udp.dport = 53;
		ev.u.udp.length = 12;
		break;
	case TAPIR_EV_TCP_STATE:
		ev.u.tcp_state.conn = conn;
		ev.u.tcp_state.from = s;
		ev.u.tcp_state.to = s;
		ev.u.tcp_state.cause = s;
		break;
	case TAPIR_EV_TCP_SEGMENT:
		ev.u.tcp_segment.conn = conn;
		ev.u.tcp_segment.dir = TAPIR_DIR_IN;
		ev.u.tcp_segment.flags = 0x12;
		ev.u.tcp_segment.seq = 1;
		ev.u.tcp_segment.ack = 2;
		ev.u.tcp_segment.window = 65535;
		ev.u.tcp_segment.options = s;
		ev.u.tcp_segment.state = s;
		ev.u.tcp_segment.retransmission = true;
		break;
	case TAPIR_EV_TCP_TIMER:
		ev.u.tcp_timer.conn = conn;
		ev.u.tcp_timer.timer = s;
		ev.u.tcp_timer.backoff = 2;
		ev.u.tcp_timer.rto = 4000000;
		break;
	case TAPIR_EV_TCP_CWND:
		ev.u.tcp_cwnd.conn = conn;
		ev.u.tcp_cwnd.cwnd = 14600;
		ev.u.tcp_cwnd.ssthresh = 65535;
		ev.u.tcp_cwnd.cause = s;
		break;
	default:
		/* Kinds added by later layers (DNS, HTTP, ...) are formatted
		 * with their fields zeroed: still valid JSON, still no crash. */
		break;
	}
	return ev;
}

static void test_json_of_drop_escapes_a_hostile_detail(void **state)
{
	struct tapir_event ev = event_of_kind(TAPIR_EV_DROP, HOSTILE);
	char json[1024];

	(void)state;
	tapir_event_format_json(&ev, json, sizeof(json));
	print_message("%s\n", json);
	assert_true(json_valid(json));
	assert_non_null(strstr(json, "\"detail\":\"" HOSTILE_JSON "\""));
	assert_non_null(strstr(json, "\"event\":\"drop\""));
	assert_non_null(strstr(json, "\"layer\":\"ip\""));
	assert_non_null(strstr(json, "\"reason\":\"bad-checksum\""));
	assert_non_null(strstr(json, "\"time_us\":2000001"));
	assert_non_null(strstr(json, "\"level\":\"info\""));

	ev.u.drop.detail = NULL;
	tapir_event_format_json(&ev, json, sizeof(json));
	assert_true(json_valid(json));
	assert_non_null(strstr(json, "\"detail\":null"));
}

static void test_json_of_every_event_kind_is_valid(void **state)
{
	(void)state;
	for (int k = 0; k < TAPIR_EV__COUNT; k++) {
		struct tapir_event ev = event_of_kind((enum tapir_event_kind)k, HOSTILE);
		char json[2048], want[64];

		tapir_event_format_json(&ev, json, sizeof(json));
		print_message("%s\n", json);
		assert_true(json_valid(json));
		snprintf(want, sizeof(want), "\"event\":\"%s\"",
		         tapir_event_kind_name((enum tapir_event_kind)k));
		assert_non_null(strstr(json, want));
		/* Strings left NULL are null, not a crash. */
		ev = event_of_kind((enum tapir_event_kind)k, NULL);
		tapir_event_format_json(&ev, json, sizeof(json));
		assert_true(json_valid(json));
	}
}

static void test_formatting_never_writes_past_the_buffer(void **state)
{
	struct tapir_event ev = event_of_kind(TAPIR_EV_TCP_SEGMENT, HOSTILE);
	char buf[96];

	(void)state;
	for (size_t cap = 0; cap < 64; cap++) {
		memset(buf, 'X', sizeof(buf));
		tapir_event_format_json(&ev, buf, cap);
		if (cap > 0)
			assert_true(strlen(buf) < cap);
		for (size_t i = cap; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 'X');
		memset(buf, 'X', sizeof(buf));
		tapir_event_format_text(&ev, buf, cap);
		if (cap > 0)
			assert_true(strlen(buf) < cap);
		for (size_t i = cap; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 'X');
	}
}

static void expect_text(const struct tapir_event *ev, const char *want)
{
	char text[512];

	tapir_event_format_text(ev, text, sizeof(text));
	assert_string_equal(text, want);
}

static void test_text_form_of_each_event_kind(void **state)
{
	struct tapir_event ev;

	(void)state;
	ev = event_of_kind(TAPIR_EV_MESSAGE, "hello");
	ev.u.message.layer = "app";
	expect_text(&ev, "2.000001 app: hello");

	ev = event_of_kind(TAPIR_EV_DROP, NULL);
	ev.time = 0;
	expect_text(&ev, "0.000000 ip drop bad-checksum: header checksum wrong");
	ev.u.drop.detail = "two different last fragments";
	expect_text(&ev, "0.000000 ip drop bad-checksum: header checksum wrong — two different "
	                 "last fragments");

	ev = event_of_kind(TAPIR_EV_ARP, NULL);
	expect_text(&ev, "2.000001 arp resolved 10.0.0.1 is-at 02:00:00:00:00:01");

	ev = event_of_kind(TAPIR_EV_IP_FRAG, NULL);
	expect_text(&ev, "2.000001 ip fragment received 10.0.0.1 > 10.0.0.2 id=7 offset=1480 "
	                 "len=520 MF");
	ev.u.frag.more = false;
	ev.u.frag.what = TAPIR_FRAG_REASSEMBLED;
	expect_text(&ev, "2.000001 ip fragment reassembled 10.0.0.1 > 10.0.0.2 id=7 offset=1480 "
	                 "len=520");

	ev = event_of_kind(TAPIR_EV_ICMP, NULL);
	expect_text(&ev, "2.000001 icmp in 10.0.0.1 > 10.0.0.2 type=8 code=0 id=1 seq=2 len=56");

	ev = event_of_kind(TAPIR_EV_UDP, NULL);
	expect_text(&ev, "2.000001 udp out 10.0.0.2:5000 > 10.0.0.1:53 len=12");

	ev = event_of_kind(TAPIR_EV_TCP_STATE, NULL);
	ev.u.tcp_state.from = "LISTEN";
	ev.u.tcp_state.to = "SYN-RECEIVED";
	ev.u.tcp_state.cause = "rcv SYN / snd SYN,ACK";
	expect_text(&ev, "2.000001 tcp #3 10.0.0.2:80-10.0.0.1:40000 LISTEN -> SYN-RECEIVED "
	                 "(rcv SYN / snd SYN,ACK)");

	ev = event_of_kind(TAPIR_EV_TCP_SEGMENT, "mss=1460");
	expect_text(&ev, "2.000001 tcp #3 10.0.0.2:80-10.0.0.1:40000 in [SYN,ACK] seq=1 ack=2 "
	                 "len=0 win=65535 mss=1460 retransmission");
	ev.u.tcp_segment.options = NULL;
	ev.u.tcp_segment.retransmission = false;
	expect_text(&ev, "2.000001 tcp #3 10.0.0.2:80-10.0.0.1:40000 in [SYN,ACK] seq=1 ack=2 "
	                 "len=0 win=65535");

	ev = event_of_kind(TAPIR_EV_TCP_TIMER, "retransmission");
	expect_text(&ev, "2.000001 tcp #3 10.0.0.2:80-10.0.0.1:40000 timer retransmission expired "
	                 "backoff=2 rto=4000ms");

	ev = event_of_kind(TAPIR_EV_TCP_CWND, "slow start");
	expect_text(&ev, "2.000001 tcp #3 10.0.0.2:80-10.0.0.1:40000 cwnd=14600 ssthresh=65535 "
	                 "(slow start)");
}

static void test_names_of_kinds_levels_arp_and_flags(void **state)
{
	static const char *const arp_whats[] = {
	    "request-sent",    "request-received", "reply-sent", "reply-received",
	    "gratuitous-sent", "resolved",         "expired",    "failed",
	};
	char flags[40];
	enum tapir_log_level level;

	(void)state;
	for (int k = 0; k < TAPIR_EV__COUNT; k++) {
		assert_non_null(tapir_event_kind_name((enum tapir_event_kind)k));
		assert_string_not_equal(tapir_event_kind_name((enum tapir_event_kind)k), "unknown");
	}
	assert_string_equal(tapir_event_kind_name(TAPIR_EV__COUNT), "unknown");
	for (int w = 0; w <= TAPIR_ARP_FAILED; w++)
		assert_string_equal(tapir_arp_what_name((enum tapir_arp_what)w), arp_whats[w]);
	for (int l = TAPIR_LOG_ERROR; l <= TAPIR_LOG_DEBUG; l++) {
		assert_int_equal(
		    tapir_log_level_parse(tapir_log_level_name((enum tapir_log_level)l), &level),
		    0);
		assert_int_equal(level, l);
	}
	assert_int_equal(tapir_log_level_parse("verbose", &level), -EINVAL);
	assert_int_equal(tapir_log_level_parse(NULL, &level), -EINVAL);

	tapir_tcp_flags_format(0, flags);
	assert_string_equal(flags, "none");
	tapir_tcp_flags_format(0x12, flags);
	assert_string_equal(flags, "SYN,ACK");
	tapir_tcp_flags_format(0xff, flags);
	assert_string_equal(flags, "SYN,RST,FIN,PSH,ACK,URG,ECE,CWR");
}

/* ---- addresses ---------------------------------------------------------------------- */

static void test_ip_parse_accepts_dotted_quads(void **state)
{
	tapir_ip ip;
	char text[TAPIR_IP_STRLEN];

	(void)state;
	assert_int_equal(tapir_ip_parse("10.0.0.2", &ip), 0);
	assert_int_equal(ip, TAPIR_IP(10, 0, 0, 2));
	assert_int_equal(tapir_ip_parse("0.0.0.0", &ip), 0);
	assert_int_equal(ip, 0);
	assert_int_equal(tapir_ip_parse("255.255.255.255", &ip), 0);
	assert_int_equal(ip, TAPIR_IP_BROADCAST);
	assert_int_equal(tapir_ip_parse("192.168.100.254", &ip), 0);
	tapir_ip_format(ip, text);
	assert_string_equal(text, "192.168.100.254");
}

static void test_ip_parse_rejects_everything_else(void **state)
{
	static const char *const bad[] = {
	    "256.0.0.1", "1.2.3",    "1.2.3.4x",  "1.2.3.4.5", "",         "a.b.c.d",
	    " 1.2.3.4",  "1.2.3.4 ", "1..2.3",    "1.2.3.-4",  "-1.2.3.4", "1234.1.1.1",
	    "0x1.2.3.4", "1.2.3.4/", "1.2.3.999", "1.2.3.",    ".1.2.3",
	};
	tapir_ip ip = 0x12345678;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("\"%s\"\n", bad[i]);
		assert_int_equal(tapir_ip_parse(bad[i], &ip), -EINVAL);
		assert_int_equal(ip, 0x12345678); /* untouched on failure */
	}
	assert_int_equal(tapir_ip_parse(NULL, &ip), -EINVAL);
}

static void test_ip_prefix_parse(void **state)
{
	static const char *const bad[] = {
	    "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/-1",   "1.2.3.4/24x", "1.2.3.4/2/4",
	    "1.2.3/24",   "/24",      "1.2.3.4/1000", "256.1.1.1/8", "1.2.3.4 /24",
	};
	tapir_ip ip;
	unsigned prefix;

	(void)state;
	assert_int_equal(tapir_ip_prefix_parse("10.0.0.2/24", &ip, &prefix), 0);
	assert_int_equal(ip, TAPIR_IP(10, 0, 0, 2));
	assert_int_equal(prefix, 24);
	assert_int_equal(tapir_ip_prefix_parse("10.0.0.2", &ip, &prefix), 0);
	assert_int_equal(prefix, 32);
	assert_int_equal(tapir_ip_prefix_parse("0.0.0.0/0", &ip, &prefix), 0);
	assert_int_equal(prefix, 0);
	assert_int_equal(tapir_ip_prefix_parse("1.2.3.4/32", &ip, &prefix), 0);
	assert_int_equal(prefix, 32);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ip = 7;
		prefix = 7;
		print_message("\"%s\"\n", bad[i]);
		assert_int_equal(tapir_ip_prefix_parse(bad[i], &ip, &prefix), -EINVAL);
		assert_int_equal(ip, 7);
		assert_int_equal(prefix, 7);
	}
	assert_int_equal(tapir_ip_prefix_parse(NULL, &ip, &prefix), -EINVAL);
}

static void test_mac_parse_and_format(void **state)
{
	static const char *const bad[] = {
	    "02:54:41:50:00",
	    "02:54:41:50:00:02:",
	    "02-54-41-50-00-02",
	    "02:54:41:50:00:0g",
	    "2:54:41:50:00:02",
	    "02:54:41:50:000:2",
	    "",
	    "02:54:41:50:00:02 ",
	    "0254:41:50:00:02:",
	    "g2:54:41:50:00:02",
	};
	struct tapir_mac mac, untouched = {{9, 9, 9, 9, 9, 9}};
	char text[TAPIR_MAC_STRLEN];

	(void)state;
	assert_int_equal(tapir_mac_parse("02:54:41:50:00:02", &mac), 0);
	assert_memory_equal(mac.b, "\x02\x54\x41\x50\x00\x02", 6);
	assert_int_equal(tapir_mac_parse("FF:ff:Ff:00:a0:0B", &mac), 0);
	assert_memory_equal(mac.b, "\xff\xff\xff\x00\xa0\x0b", 6);
	tapir_mac_format(mac, text);
	assert_string_equal(text, "ff:ff:ff:00:a0:0b");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mac = untouched;
		print_message("\"%s\"\n", bad[i]);
		assert_int_equal(tapir_mac_parse(bad[i], &mac), -EINVAL);
		assert_memory_equal(mac.b, untouched.b, 6);
	}
	assert_int_equal(tapir_mac_parse(NULL, &mac), -EINVAL);

	assert_true(
	    tapir_mac_is_broadcast((struct tapir_mac){{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}));
	assert_true(tapir_mac_is_multicast((struct tapir_mac){{0x01, 0x00, 0x5e, 0, 0, 1}}));
	assert_false(tapir_mac_is_multicast((struct tapir_mac){{0x02, 0x54, 0x41, 0x50, 0, 2}}));
	assert_false(tapir_mac_is_broadcast((struct tapir_mac){{0x01, 0x00, 0x5e, 0, 0, 1}}));
}

static void test_strerror_has_words_for_every_code(void **state)
{
	static const int codes[] = {ENODEV, ETIMEDOUT, ECONNREFUSED, ECONNRESET,
	                            EINVAL, ENOBUFS,   EMSGSIZE,     EADDRINUSE,
	                            EMFILE, EAGAIN,    ENOMEM,       ENETUNREACH};

	(void)state;
	assert_string_equal(tapir_strerror(0), "success");
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = tapir_strerror(-codes[i]);

		assert_non_null(s);
		assert_true(strlen(s) > 3);
	}
	assert_string_equal(tapir_strerror(-ENODEV), "no such network device in this namespace");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_drop_reason_has_layer_name_and_text),
	    cmocka_unit_test(test_each_drop_reason_is_in_the_layer_its_enum_says),
	    cmocka_unit_test(test_out_of_range_drop_and_counter_do_not_crash),
	    cmocka_unit_test(test_every_counter_has_layer_and_text),
	    cmocka_unit_test(test_stats_print_shows_nothing_when_all_zero),
	    cmocka_unit_test(test_stats_print_shows_one_counter_under_its_layer),
	    cmocka_unit_test(test_stats_print_groups_everything_by_layer_in_order),
	    cmocka_unit_test(test_json_checker_itself_rejects_broken_json),
	    cmocka_unit_test(test_json_of_drop_escapes_a_hostile_detail),
	    cmocka_unit_test(test_json_of_every_event_kind_is_valid),
	    cmocka_unit_test(test_formatting_never_writes_past_the_buffer),
	    cmocka_unit_test(test_text_form_of_each_event_kind),
	    cmocka_unit_test(test_names_of_kinds_levels_arp_and_flags),
	    cmocka_unit_test(test_ip_parse_accepts_dotted_quads),
	    cmocka_unit_test(test_ip_parse_rejects_everything_else),
	    cmocka_unit_test(test_ip_prefix_parse),
	    cmocka_unit_test(test_mac_parse_and_format),
	    cmocka_unit_test(test_strerror_has_words_for_every_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

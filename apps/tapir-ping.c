/*
 * tapir-ping — ping a host from the tapir stack, printing what iputils'
 * ping prints: one line per reply with its RTT, then a summary with loss
 * and min/avg/max/mdev. Echo requests (RFC 792) carry the sequence number;
 * the time each was sent is kept here, so RTTs follow the monotonic clock.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "tapir/icmp.h"

#define SEQ_SLOTS 65536

struct ping {
	tapir_ip dst;
	char dst_text[TAPIR_IP_STRLEN];
	long count; /* 0: until interrupted */
	tapir_time interval;
	tapir_time wait; /* how long to wait for replies after the last request */
	size_t size;     /* payload bytes, as ping -s */
	uint16_t id;

	long sent, received;
	tapir_time first_sent, next_send, last_sent;
	double rtt_min, rtt_max, rtt_sum, rtt_sum2;
	tapir_time *sent_at; /* by sequence number; 0 once answered */
	uint8_t *payload;
	struct app *app;
};

static const struct option ping_options[] = {
    {"count", required_argument, NULL, 'c'},
    {"interval", required_argument, NULL, 'i'},
    {"size", required_argument, NULL, 's'},
    {"timeout", required_argument, NULL, 'W'},
    {NULL, 0, NULL, 0},
};

static int ping_option(void *ctx, int opt, const char *arg)
{
	struct ping *p = ctx;
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end != '\0' || v < 0)
		return -1;
	switch (opt) {
	case 'c':
		p->count = (long)v;
		return v >= 1 ? 0 : -1;
	case 'i':
		p->interval = (tapir_time)(v * 1e6);
		return v >= 0.002 ? 0 : -1;
	case 's':
		p->size = (size_t)v;
		return v <= 65507 ? 0 : -1;
	case 'W':
		p->wait = (tapir_time)(v * 1e6);
		return 0;
	default:
		return -1;
	}
}

static void on_echo_reply(void *user, const struct tapir_echo_reply *reply)
{
	struct ping *p = user;
	double rtt;

	if (reply->id != p->id || reply->from != p->dst || p->sent_at[reply->seq] == 0)
		return; /* someone else's, or a duplicate */
	rtt = (double)(reply->time - p->sent_at[reply->seq]) / 1000.0;
	p->sent_at[reply->seq] = 0;
	p->received++;
	if (p->received == 1 || rtt < p->rtt_min)
		p->rtt_min = rtt;
	if (rtt > p->rtt_max)
		p->rtt_max = rtt;
	p->rtt_sum += rtt;
	p->rtt_sum2 += rtt * rtt;
	printf("%zu bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms\n", reply->len + 8, p->dst_text,
	       reply->seq, reply->ttl, rtt);
	fflush(stdout);
}

static bool all_answered(const struct ping *p)
{
	return p->received >= p->sent;
}

static tapir_time ping_tick(void *ctx, tapir_time now)
{
	struct ping *p = ctx;
	bool more_to_send = p->count == 0 || p->sent < p->count;

	if (more_to_send && now >= p->next_send) {
		uint16_t seq = (uint16_t)(p->sent + 1);
		int err;

		p->sent_at[seq] = now;
		err = tapir_icmp_echo_send(p->app->stack, p->dst, p->id, seq, p->payload, p->size,
		                           now);
		if (err < 0)
			fprintf(stderr, "tapir-ping: sendto: %s\n", tapir_strerror(err));
		if (p->sent == 0)
			p->first_sent = now;
		p->sent++;
		p->last_sent = now;
		p->next_send = now + p->interval;
		more_to_send = p->count == 0 || p->sent < p->count;
	}
	if (more_to_send)
		return p->next_send;
	if (all_answered(p) || now >= p->last_sent + p->wait)
		return -1;
	return p->last_sent + p->wait;
}

static void print_summary(const struct ping *p, tapir_time end)
{
	long loss = p->sent ? (p->sent - p->received) * 100 / p->sent : 0;

	printf("\n--- %s ping statistics ---\n", p->dst_text);
	printf("%ld packets transmitted, %ld received, %ld%% packet loss, time %lldms\n", p->sent,
	       p->received, loss, (long long)((end - p->first_sent) / 1000));
	if (p->received > 0) {
		double avg = p->rtt_sum / (double)p->received;
		double var = p->rtt_sum2 / (double)p->received - avg * avg;

		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p->rtt_min, avg,
		       p->rtt_max, sqrt(var > 0 ? var : 0));
	}
}

int main(int argc, char **argv)
{
	static struct app app;
	struct ping p = {.interval = TAPIR_SECONDS(1), .wait = TAPIR_SECONDS(2), .size = 56};
	struct app_spec spec = {
	    .name = "tapir-ping",
	    .usage = "HOST",
	    .summary = "Send ICMP echo requests from the tapir stack to HOST (an IPv4 address).",
	    .help = "  -c, --count N      stop after N requests\n"
	            "  -i, --interval S   seconds between requests (default 1)\n"
	            "  -s, --size N       payload bytes (default 56)\n"
	            "  -W, --timeout S    seconds to wait for replies after the last request (2)\n",
	    .shortopts = "c:i:s:W:",
	    .longopts = ping_options,
	    .option = ping_option,
	    .ctx = &p,
	};
	int first = app_parse(argc, argv, &spec, &app.opt);
	int stopped;

	if (first != argc - 1 || tapir_ip_parse(argv[first], &p.dst) < 0) {
		fprintf(stderr, "tapir-ping: give one IPv4 address to ping (see --help)\n");
		return 2;
	}
	tapir_ip_format(p.dst, p.dst_text);
	p.sent_at = calloc(SEQ_SLOTS, sizeof(*p.sent_at));
	p.payload = malloc(p.size ? p.size : 1);
	if (!p.sent_at || !p.payload) {
		free(p.sent_at);
		free(p.payload);
		return 1;
	}
	for (size_t i = 0; i < p.size; i++)
		p.payload[i] = (uint8_t)(0x10 + i % 48);
	p.id = (uint16_t)getpid();
	p.app = &app;
	if (app_start(&app, &spec) < 0) {
		free(p.sent_at);
		free(p.payload);
		return 1;
	}
	tapir_icmp_set_echo_handler(app.stack, on_echo_reply, &p);
	printf("PING %s (%s) %zu(%zu) bytes of data.\n", p.dst_text, p.dst_text, p.size,
	       p.size + 28);
	fflush(stdout);
	p.next_send = app_now();
	stopped = app_run(&app, ping_tick, &p);
	(void)stopped;
	print_summary(&p, app_now());
	app_finish(&app);
	free(p.sent_at);
	free(p.payload);
	return p.received > 0 ? 0 : 1;
}

/*
 * common.c — option parsing, set-up and the event loop shared by every
 * tapir program (see common.h). The loop is the only place that reads the
 * clock: it passes the monotonic time to tapir_stack_poll() and sleeps in
 * poll(2) on the TAP fd until the next frame or timer.
 */
#include "common.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "tapir/graph.h"
#include "tapir/tcp.h"
#include "viz_render.h"

enum {
	OPT_TAP = 1000,
	OPT_IP,
	OPT_GATEWAY,
	OPT_MAC,
	OPT_PCAP,
	OPT_TRACE,
	OPT_GRAPH,
	OPT_LOG,
	OPT_STATS,
	OPT_HELP,
	OPT_LOSS,
	OPT_DELAY,
	OPT_JITTER,
	OPT_REORDER,
	OPT_DUPLICATE,
	OPT_CORRUPT,
	OPT_SEED,
	OPT_MSL,
	OPT_OFFLOAD,
};

static const struct option common_options[] = {
    {"tap", required_argument, NULL, OPT_TAP},
    {"ip", required_argument, NULL, OPT_IP},
    {"gateway", required_argument, NULL, OPT_GATEWAY},
    {"mac", required_argument, NULL, OPT_MAC},
    {"pcap", required_argument, NULL, OPT_PCAP},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"graph", required_argument, NULL, OPT_GRAPH},
    {"log", required_argument, NULL, OPT_LOG},
    {"stats", no_argument, NULL, OPT_STATS},
    {"help", no_argument, NULL, OPT_HELP},
    {"loss", required_argument, NULL, OPT_LOSS},
    {"delay", required_argument, NULL, OPT_DELAY},
    {"jitter", required_argument, NULL, OPT_JITTER},
    {"reorder", required_argument, NULL, OPT_REORDER},
    {"duplicate", required_argument, NULL, OPT_DUPLICATE},
    {"corrupt", required_argument, NULL, OPT_CORRUPT},
    {"seed", required_argument, NULL, OPT_SEED},
    {"msl", required_argument, NULL, OPT_MSL},
    {"offload", no_argument, NULL, OPT_OFFLOAD},
};

#define COMMON_COUNT (sizeof(common_options) / sizeof(common_options[0]))
#define MAX_OPTIONS  64

static void usage(const struct app_spec *spec, FILE *out)
{
	fprintf(out, "usage: %s [options] %s\n%s\n\n", spec->name, spec->usage, spec->summary);
	if (spec->help)
		fprintf(out, "%s options:\n%s\n", spec->name, spec->help);
	fprintf(out,
	        "link options (every tapir program):\n"
	        "  --tap NAME         TAP device to attach to (default tap0)\n"
	        "  --ip ADDR/PREFIX   our address (default 10.0.0.2/24)\n"
	        "  --gateway ADDR     next hop for off-link addresses (default 10.0.0.1)\n"
	        "  --mac MAC          our MAC (default 02:54:41:50 + last two bytes of the IP)\n"
	        "  --pcap FILE        capture every frame in and out to FILE (Wireshark)\n"
	        "  --trace FILE       write every trace event to FILE as JSON Lines\n"
	        "  --graph DIR        write state graphs per connection into DIR\n"
	        "  --log LEVEL        print events at LEVEL (error, warn, info, debug) to stderr\n"
	        "  --stats            print counters like `netstat -s` at exit\n"
	        "  --offload          TCP to and from the kernel in 64 KiB super-segments\n"
	        "                     (TSO/LRO: fast; the pcap still shows wire segments)\n"
	        "fault injection on the link, both directions (seeded, repeatable;\n"
	        "it turns --offload off):\n"
	        "  --loss PCT  --duplicate PCT  --corrupt PCT  --reorder PCT\n"
	        "  --delay MS  --jitter MS  --seed N\n"
	        "  --msl SECONDS      TCP's Maximum Segment Lifetime: TIME-WAIT lasts 2*MSL (30)\n"
	        "  --help             this text\n");
}

static int parse_percent(const char *arg, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end != '\0' || v < 0 || v > 100)
		return -1;
	*out = v;
	return 0;
}

static int parse_ms(const char *arg, tapir_time *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end != '\0' || v < 0 || v > 3600e3)
		return -1;
	*out = (tapir_time)(v * 1000);
	return 0;
}

static int parse_seconds(const char *arg, tapir_time *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end != '\0' || !(v > 0) || v > 3600)
		return -1;
	*out = (tapir_time)(v * 1e6);
	return 0;
}

static int parse_common(struct app_options *opt, int c, const char *arg)
{
	char *end;

	switch (c) {
	case OPT_TAP:
		opt->tap = arg;
		return strlen(arg) < 16 ? 0 : -1;
	case OPT_IP:
		return tapir_ip_prefix_parse(arg, &opt->stack.ip, &opt->stack.prefix_len) < 0 ? -1
		                                                                              : 0;
	case OPT_GATEWAY:
		return tapir_ip_parse(arg, &opt->stack.gateway) < 0 ? -1 : 0;
	case OPT_MAC:
		return tapir_mac_parse(arg, &opt->stack.mac) < 0 ? -1 : 0;
	case OPT_PCAP:
		opt->pcap = arg;
		return 0;
	case OPT_TRACE:
		opt->trace = arg;
		return 0;
	case OPT_GRAPH:
		opt->graph = arg;
		return 0;
	case OPT_LOG:
		opt->log = true;
		return tapir_log_level_parse(arg, &opt->log_level) < 0 ? -1 : 0;
	case OPT_STATS:
		opt->stats = true;
		return 0;
	case OPT_LOSS:
		return parse_percent(arg, &opt->faults.loss_pct);
	case OPT_DUPLICATE:
		return parse_percent(arg, &opt->faults.duplicate_pct);
	case OPT_CORRUPT:
		return parse_percent(arg, &opt->faults.corrupt_pct);
	case OPT_REORDER:
		return parse_percent(arg, &opt->faults.reorder_pct);
	case OPT_DELAY:
		return parse_ms(arg, &opt->faults.delay);
	case OPT_JITTER:
		return parse_ms(arg, &opt->faults.jitter);
	case OPT_MSL:
		/* Seconds, fractions allowed: labs use short ones to watch TIME-WAIT end. */
		return parse_seconds(arg, &opt->msl);
	case OPT_OFFLOAD:
		opt->offload = true;
		return 0;
	case OPT_SEED:
		opt->faults.seed = strtoull(arg, &end, 0);
		opt->seed_given = true;
		return *end == '\0' && end != arg ? 0 : -1;
	default:
		return 1; /* not a common option */
	}
}

static void defaults(struct app_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->tap = "tap0";
	tapir_stack_config_default(&opt->stack);
	opt->log_level = TAPIR_LOG_INFO;
}

int app_parse(int argc, char **argv, const struct app_spec *spec, struct app_options *opt)
{
	struct option all[MAX_OPTIONS];
	size_t n = 0;
	int c;

	defaults(opt);
	for (size_t i = 0; i < COMMON_COUNT; i++)
		all[n++] = common_options[i];
	for (const struct option *o = spec->longopts; o && o->name && n < MAX_OPTIONS - 1; o++)
		all[n++] = *o;
	memset(&all[n], 0, sizeof(all[n]));

	while ((c = getopt_long(argc, argv, spec->shortopts ? spec->shortopts : "", all, NULL)) !=
	       -1) {
		int r;

		if (c == OPT_HELP) {
			usage(spec, stdout);
			exit(0);
		}
		if (c == '?') {
			usage(spec, stderr);
			exit(2);
		}
		r = parse_common(opt, c, optarg);
		if (r == 1)
			r = spec->option ? spec->option(spec->ctx, c, optarg) : -1;
		if (r < 0) {
			fprintf(stderr, "%s: bad value for option %s: '%s'\n", spec->name,
			        argv[optind - 1], optarg ? optarg : "");
			exit(2);
		}
	}
	return optind;
}

tapir_time app_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (tapir_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static tapir_time wall_clock_offset(void)
{
	struct timespec real;

	clock_gettime(CLOCK_REALTIME, &real);
	return (tapir_time)real.tv_sec * 1000000 + real.tv_nsec / 1000 - app_now();
}

void app_fail(const struct app_spec *spec, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", spec->name, what, tapir_strerror(err));
	exit(1);
}

static void explain_tap_error(const struct app_spec *spec, const char *tap, int err)
{
	fprintf(stderr, "%s: cannot open TAP device '%s': %s\n", spec->name, tap,
	        tapir_strerror(err));
	if (err == -ENODEV || err == -ENOENT)
		fprintf(
		    stderr,
		    "  The device must exist in this network namespace. Create the lab network\n"
		    "  with `sudo scripts/netns.sh up` and run the program inside it:\n"
		    "  `sudo ip netns exec tapir %s ...`\n",
		    spec->name);
	else if (err == -EPERM || err == -EACCES)
		fprintf(stderr,
		        "  Attaching to a TAP device needs root (CAP_NET_ADMIN): use sudo.\n");
	else if (err == -EBUSY)
		fprintf(stderr,
		        "  Another program is attached to it already (is tapir running?).\n");
}

static int open_link(struct app *app, const struct app_spec *spec)
{
	/* Faults are injected per frame: a super-segment would lose, delay or
	 * reorder ~45 segments at once. */
	struct tapir_tap_options tap = {.offload = app->opt.offload &&
	                                           !tapir_faults_any(&app->opt.faults)};
	struct tapir_link *link;
	int err = tapir_tap_open_with(app->opt.tap, &tap, &link);

	if (err < 0) {
		explain_tap_error(spec, app->opt.tap, err);
		return -1;
	}
	if (tapir_faults_any(&app->opt.faults)) {
		struct tapir_link *faulty;

		err = tapir_fault_open(link, &app->opt.faults, &faulty);
		if (err < 0) {
			tapir_link_close(link);
			fprintf(stderr, "%s: fault injector: %s\n", spec->name,
			        tapir_strerror(err));
			return -1;
		}
		link = faulty;
	}
	/* The capture wraps the faults, so the pcap shows what the stack itself
	 * sent and received, and lost frames appear as gaps. */
	if (app->opt.pcap) {
		struct tapir_link *captured;

		err = tapir_capture_open(link, app->opt.pcap, wall_clock_offset(), &captured);
		if (err < 0) {
			tapir_link_close(link);
			fprintf(stderr, "%s: cannot write capture '%s': %s\n", spec->name,
			        app->opt.pcap, tapir_strerror(err));
			return -1;
		}
		link = captured;
	}
	app->link = link;
	return 0;
}

/* --graph DIR: the graph sink draws every TCP connection (see graph.h). */
static struct tapir_graph *app_graph;

static int open_graph(struct app *app, const struct app_spec *spec)
{
	int err = tapir_graph_new(app->opt.graph, spec->name, &app_graph);

	if (err < 0) {
		fprintf(stderr, "%s: cannot write graphs into '%s': %s\n", spec->name,
		        app->opt.graph, tapir_strerror(err));
		return -1;
	}
	tapir_trace_attach(&app->trace, tapir_graph_sink, app_graph);
	return 0;
}

/* Write what is still due, draw the DOT files with Graphviz, say where. */
static void finish_graph(const char *dir)
{
	int err;

	if (!app_graph)
		return;
	err = tapir_graph_finish(app_graph);
	if (err < 0)
		fprintf(stderr, "tapir: writing graphs into %s: %s\n", dir, tapir_strerror(err));
	else if (viz_render_dir(dir, "tapir") == 0)
		fprintf(stderr, "tapir: graphs in %s/index.html\n", dir);
	tapir_graph_free(app_graph);
	app_graph = NULL;
}

static int open_trace(struct app *app, const struct app_spec *spec)
{
	app->watch_fd = -1;
	tapir_trace_init(&app->trace);
	if (app->opt.graph && open_graph(app, spec) < 0)
		return -1;
	if (app->opt.log) {
		app->text_sink.out = stderr;
		app->text_sink.level = app->opt.log_level;
		tapir_trace_attach(&app->trace, tapir_text_sink, &app->text_sink);
	}
	if (app->opt.trace) {
		app->jsonl_sink.out = fopen(app->opt.trace, "w");
		if (!app->jsonl_sink.out) {
			fprintf(stderr, "%s: cannot write trace '%s': %s\n", spec->name,
			        app->opt.trace, strerror(errno));
			return -1;
		}
		tapir_trace_attach(&app->trace, tapir_jsonl_sink, &app->jsonl_sink);
	}
	return 0;
}

int app_start(struct app *app, const struct app_spec *spec)
{
	int err;

	if (!app->opt.seed_given) {
		if (getrandom(&app->opt.stack.seed, sizeof(app->opt.stack.seed), 0) < 0)
			app->opt.stack.seed = (uint64_t)app_now();
		app->opt.faults.seed = app->opt.stack.seed;
	} else {
		app->opt.stack.seed = app->opt.faults.seed;
	}
	if (open_trace(app, spec) < 0 || open_link(app, spec) < 0)
		return -1;
	err = tapir_stack_new(&app->opt.stack, app->link, &app->trace, app_now(), &app->stack);
	if (err < 0) {
		fprintf(stderr, "%s: cannot create the stack: %s\n", spec->name,
		        tapir_strerror(err));
		return -1;
	}
	if (app->opt.msl > 0)
		tapir_tcp_set_msl(app->stack, app->opt.msl);
	return 0;
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* How long poll(2) may sleep: until `next`, rounded up to a millisecond,
 * and never more than a second so that signals are seen promptly. */
static int wait_ms(tapir_time now, tapir_time next)
{
	tapir_time us = next - now;

	if (us <= 0)
		return 0;
	if (us > TAPIR_SECONDS(1))
		return 1000;
	return (int)((us + 999) / 1000);
}

int app_run(struct app *app, app_tick_fn tick, void *ctx)
{
	struct pollfd pfd[2] = {{.fd = tapir_link_fd(app->link), .events = POLLIN},
	                        {.fd = -1, .events = POLLIN}};

	install_signal_handlers();
	while (!stop_signal) {
		tapir_time now = app_now();
		tapir_time next = tapir_stack_poll(app->stack, now);

		if (tick) {
			tapir_time want = tick(ctx, now);

			if (want < 0)
				return 0;
			/* The program may have sent something: let the stack act now. */
			next = tapir_stack_poll(app->stack, app_now());
			if (want < next)
				next = want;
		}
		pfd[1].fd = app->watch_fd; /* poll(2) skips negative descriptors */
		poll(pfd, 2, wait_ms(app_now(), next));
	}
	return 1;
}

void app_finish(struct app *app)
{
	if (app->opt.stats && app->stack) {
		tapir_stats_print(tapir_stack_stats(app->stack), stderr);
		if (tapir_faults_any(&app->opt.faults)) {
			/* The fault link sits under the capture, when there is one. */
			struct tapir_link *l = app->opt.pcap ? app->link->inner : app->link;
			struct tapir_fault_stats fs = tapir_fault_stats(l);

			fprintf(
			    stderr,
			    "faults:\n    %llu frames, %llu lost, %llu duplicated, %llu corrupted, "
			    "%llu reordered, %llu delayed\n",
			    (unsigned long long)fs.frames, (unsigned long long)fs.lost,
			    (unsigned long long)fs.duplicated, (unsigned long long)fs.corrupted,
			    (unsigned long long)fs.reordered, (unsigned long long)fs.delayed);
		}
	}
	tapir_stack_free(app->stack);
	finish_graph(app->opt.graph);
	tapir_link_close(app->link);
	if (app->jsonl_sink.out)
		fclose(app->jsonl_sink.out);
	app->stack = NULL;
	app->link = NULL;
}

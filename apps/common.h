/*
 * common.h — what every tapir program shares: the common command-line
 * options of ARCHITECTURE.md (--tap, --ip, --gateway, --mac, --pcap, --trace,
 * --log, --stats, fault injection, --help), building a stack on a TAP device
 * with capture and tracing, and the one loop that drives it with the
 * monotonic clock until the program is done or gets SIGINT/SIGTERM.
 */
#ifndef TAPIR_APPS_COMMON_H
#define TAPIR_APPS_COMMON_H

#include <getopt.h>
#include <stdio.h>

#include "tapir/link.h"
#include "tapir/stack.h"
#include "tapir/trace.h"

struct app_options {
	const char *tap;
	struct tapir_stack_config stack;
	const char *pcap;
	const char *trace;
	const char *graph;
	bool log;
	enum tapir_log_level log_level;
	bool stats;
	bool seed_given;
	struct tapir_faults faults;
	tapir_time msl; /* --msl: TCP's Maximum Segment Lifetime; 0 for the default */
	bool offload;   /* --offload: TCP super-segments to and from the kernel */
};

/* What a program adds to the common options. */
struct app_spec {
	const char *name;
	const char *usage;   /* "HOST [-c COUNT]" */
	const char *summary; /* one line: what the program does */
	const char *help;    /* its own options, one per line, or NULL */
	const char *shortopts;
	const struct option *longopts; /* terminated by a zero entry, or NULL */
	/* Called for each option that is not a common one; returns 0 or -1 (bad value). */
	int (*option)(void *ctx, int opt, const char *arg);
	void *ctx;
};

struct app {
	struct app_options opt;
	struct tapir_link *link;
	struct tapir_stack *stack;
	struct tapir_trace trace;
	struct tapir_text_sink text_sink;
	struct tapir_jsonl_sink jsonl_sink;
	/* Another file descriptor the loop waits on besides the link (e.g. stdin
	 * for tapir-nc); -1 for none. The tick function runs when it is ready. */
	int watch_fd;
};

/* Parse argv. Prints usage and exits for --help (0) and bad options (2).
 * Returns the index of the first positional argument. */
int app_parse(int argc, char **argv, const struct app_spec *spec, struct app_options *opt);

/* Open the TAP device and the middleware, create the stack. On failure
 * prints a clear message to stderr and returns -1. */
int app_start(struct app *app, const struct app_spec *spec);

/* Called once per loop turn with the current time: the program does its
 * work and returns when it next wants to be called (TAPIR_TIME_NEVER if only
 * network events matter). Return a negative value to end the loop. */
typedef tapir_time (*app_tick_fn)(void *ctx, tapir_time now);

/* Drive the stack until tick returns < 0 or a signal arrives. Returns 0
 * when tick ended it, 1 when a signal did. */
int app_run(struct app *app, app_tick_fn tick, void *ctx);

/* Print --stats if asked, close everything (the pcap is flushed). */
void app_finish(struct app *app);

/* The monotonic clock in microseconds. */
tapir_time app_now(void);

/* Report an error from the library in the program's name and exit 1. */
void app_fail(const struct app_spec *spec, const char *what, int err);

#endif

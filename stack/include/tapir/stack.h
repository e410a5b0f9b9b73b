/*
 * stack.h — create a tapir stack on a link and drive it with poll().
 *
 * One thread, one loop, injected time (ARCHITECTURE.md, principle 1):
 *
 *     struct tapir_stack *s;
 *     tapir_stack_new(&cfg, link, &trace, &s);
 *     for (;;) {
 *             tapir_time next = tapir_stack_poll(s, now());
 *             wait until the link's fd is readable or `next` arrives;
 *     }
 *
 * poll() handles the frames that have arrived, runs every timer that is due
 * and returns when it next needs to be called. It never blocks, sleeps or
 * reads a clock. Errors are negative errno values (tapir_strerror()).
 */
#ifndef TAPIR_STACK_H
#define TAPIR_STACK_H

#include "tapir/link.h"
#include "tapir/stats.h"
#include "tapir/trace.h"
#include "tapir/types.h"

struct tapir_stack;

struct tapir_stack_config {
	struct tapir_mac mac; /* all zero: derived from the IP (02:54:41:50:xx:xx) */
	tapir_ip ip;
	unsigned prefix_len;      /* 24 for 10.0.0.0/24 */
	tapir_ip gateway;         /* 0: no gateway, only the local subnet is reachable */
	bool send_gratuitous_arp; /* announce our address when the stack starts */
	uint64_t seed;            /* randomness for IDs, ports and the ISN secret: programs pass
	                           * getrandom() bytes, tests a fixed value for repeatable runs */
};

/* Fill in the lab defaults: 10.0.0.2/24, gateway 10.0.0.1, gratuitous ARP. */
void tapir_stack_config_default(struct tapir_stack_config *cfg);

/* Create a stack that uses `link` (not owned: close it after the stack) and
 * reports to `trace` (may be NULL). Returns 0 or -ENOMEM / -EINVAL. */
int tapir_stack_new(const struct tapir_stack_config *cfg, struct tapir_link *link,
                    struct tapir_trace *trace, tapir_time now, struct tapir_stack **out);
void tapir_stack_free(struct tapir_stack *stack);

/* Process arrived frames and due timers. Returns the time by which poll()
 * must be called again (it may be `now` when more frames are waiting). */
tapir_time tapir_stack_poll(struct tapir_stack *stack, tapir_time now);

const struct tapir_stats *tapir_stack_stats(const struct tapir_stack *stack);
struct tapir_trace *tapir_stack_trace(struct tapir_stack *stack);
struct tapir_mac tapir_stack_mac(const struct tapir_stack *stack);
tapir_ip tapir_stack_ip(const struct tapir_stack *stack);

/* Application protocols built on the socket API (the DNS resolver, HTTP
 * servers, ...) keep their own timers. A poller is called from every
 * tapir_stack_poll() with the current time and returns when it next needs to
 * run (TAPIR_TIME_NEVER if it has nothing scheduled); poll() includes that
 * in the time it returns. At most TAPIR_STACK_POLLERS are attached. */
typedef tapir_time (*tapir_poller_fn)(void *user, tapir_time now);
/* Returns 0, or -ENOSPC when the table is full. */
int tapir_stack_add_poller(struct tapir_stack *stack, tapir_poller_fn fn, void *user);
/* Detach the poller registered with this fn and user (no-op if absent). */
void tapir_stack_remove_poller(struct tapir_stack *stack, tapir_poller_fn fn, void *user);

/* Emit a free-text message on the stack's trace (for apps). */
void tapir_stack_log(struct tapir_stack *stack, enum tapir_log_level level, const char *layer,
                     const char *text);

#endif /* TAPIR_STACK_H */

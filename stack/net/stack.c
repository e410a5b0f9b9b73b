/*
 * stack.c — a stack's life: creation on a link, the poll() loop that moves
 * frames up through the layers and runs the timers, and the helpers every
 * layer uses to count, drop and trace.
 *
 * poll() is the only entry point for time (ARCHITECTURE.md, principle 1):
 * it reads at most TAPIR_POLL_BUDGET frames, then asks each layer when its
 * next timer is due and returns the earliest of those times.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack_internal.h"
#include "wire/eth.h"

void tapir_stack_config_default(struct tapir_stack_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ip = TAPIR_IP(10, 0, 0, 2);
	cfg->prefix_len = 24;
	cfg->gateway = TAPIR_IP(10, 0, 0, 1);
	cfg->send_gratuitous_arp = true;
	cfg->seed = 1;
}

static bool mac_is_zero(struct tapir_mac mac)
{
	for (int i = 0; i < 6; i++)
		if (mac.b[i] != 0)
			return false;
	return true;
}

/* 02:54:41:50 is locally administered ("TAP" in ASCII after the 02), then
 * the last two bytes of the IP address, so 10.0.0.2 gets 02:54:41:50:00:02. */
static struct tapir_mac mac_from_ip(tapir_ip ip)
{
	struct tapir_mac mac = {{0x02, 0x54, 0x41, 0x50, (uint8_t)(ip >> 8), (uint8_t)ip}};

	return mac;
}

static tapir_ip netmask_from_prefix(unsigned prefix_len)
{
	if (prefix_len == 0)
		return 0;
	return 0xffffffffu << (32 - prefix_len);
}

static int config_check(const struct tapir_stack_config *cfg)
{
	if (cfg->prefix_len > 32 || cfg->ip == 0 || cfg->ip == TAPIR_IP_BROADCAST)
		return -EINVAL;
	if (!mac_is_zero(cfg->mac) &&
	    (tapir_mac_is_multicast(cfg->mac) || tapir_mac_is_broadcast(cfg->mac)))
		return -EINVAL;
	return 0;
}

int tapir_stack_new(const struct tapir_stack_config *cfg, struct tapir_link *link,
                    struct tapir_trace *trace, tapir_time now, struct tapir_stack **out)
{
	struct tapir_stack *stack;
	int err = config_check(cfg);

	if (err < 0)
		return err;
	stack = calloc(1, sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	stack->mac = mac_is_zero(cfg->mac) ? mac_from_ip(cfg->ip) : cfg->mac;
	stack->ip = cfg->ip;
	stack->netmask = netmask_from_prefix(cfg->prefix_len);
	stack->gateway = cfg->gateway;
	stack->link = link;
	stack->trace = trace;
	stack->now = now;
	stack->seed = cfg->seed;
	stack->rng = cfg->seed ? cfg->seed : 0x9e3779b97f4a7c15ull;

	arp_init(stack);
	udp_init(stack);
	err = ipv4_init(stack);
	if (err == 0)
		err = tcp_init(stack);
	if (err < 0) {
		tapir_stack_free(stack);
		return err;
	}
	if (cfg->send_gratuitous_arp)
		arp_send_gratuitous(stack);
	*out = stack;
	return 0;
}

void tapir_stack_free(struct tapir_stack *stack)
{
	if (!stack)
		return;
	tcp_free(stack);
	udp_free(stack);
	ipv4_free(stack);
	free(stack);
}

/* The longest frame we take: the link's MTU (plus room for a VLAN tag) in
 * a frame buffer, or a whole super-segment from a link with large receive
 * offload. */
static size_t receive_limit(const struct tapir_stack *stack)
{
	size_t limit = ETH_HEADER_LEN + stack->link->mtu + 4;

	if (limit > TAPIR_FRAME_MAX)
		limit = TAPIR_FRAME_MAX;
	if (stack->link->lro_max > 0 && ETH_HEADER_LEN + stack->link->lro_max > limit)
		limit = ETH_HEADER_LEN + stack->link->lro_max;
	return limit;
}

static void receive_frames(struct tapir_stack *stack, tapir_time now)
{
	for (int i = 0; i < TAPIR_POLL_BUDGET; i++) {
		int len =
		    tapir_link_recv(stack->link, stack->rx_frame, sizeof(stack->rx_frame), now);

		if (len <= 0)
			return;
		stack_count(stack, TAPIR_CNT_LINK_RX_FRAMES);
		stack_count_add(stack, TAPIR_CNT_LINK_RX_BYTES, (uint64_t)len);
		if ((size_t)len > sizeof(stack->rx_frame) || (size_t)len > receive_limit(stack)) {
			stack_drop(stack, TAPIR_DROP_LINK_OVERSIZED, NULL);
			continue;
		}
		iface_frame_arrives(stack, stack->rx_frame, (size_t)len);
	}
}

static tapir_time earliest(tapir_time a, tapir_time b)
{
	return a < b ? a : b;
}

int tapir_stack_add_poller(struct tapir_stack *stack, tapir_poller_fn fn, void *user)
{
	for (int i = 0; i < TAPIR_STACK_POLLERS; i++) {
		if (stack->pollers[i].fn)
			continue;
		stack->pollers[i].fn = fn;
		stack->pollers[i].user = user;
		return 0;
	}
	return -ENOSPC;
}

void tapir_stack_remove_poller(struct tapir_stack *stack, tapir_poller_fn fn, void *user)
{
	for (int i = 0; i < TAPIR_STACK_POLLERS; i++) {
		if (stack->pollers[i].fn == fn && stack->pollers[i].user == user) {
			stack->pollers[i].fn = NULL;
			stack->pollers[i].user = NULL;
		}
	}
}

/* A poller may remove itself or add another while it runs: look at each
 * slot once, as it is when its turn comes. */
static tapir_time run_pollers(struct tapir_stack *stack, tapir_time now)
{
	tapir_time next = TAPIR_TIME_NEVER;

	for (int i = 0; i < TAPIR_STACK_POLLERS; i++) {
		struct stack_poller p = stack->pollers[i];

		if (p.fn)
			next = earliest(next, p.fn(p.user, now));
	}
	return next;
}

tapir_time tapir_stack_poll(struct tapir_stack *stack, tapir_time now)
{
	tapir_time next;

	stack->now = now;
	receive_frames(stack, now);
	next = arp_poll(stack, now);
	next = earliest(next, ipv4_poll(stack, now));
	next = earliest(next, tcp_poll(stack, now));
	next = earliest(next, run_pollers(stack, now));
	next = earliest(next, tapir_link_next_due(stack->link, now));
	return next < now ? now : next;
}

const struct tapir_stats *tapir_stack_stats(const struct tapir_stack *stack)
{
	return &stack->stats;
}

struct tapir_trace *tapir_stack_trace(struct tapir_stack *stack)
{
	return stack->trace;
}

struct tapir_mac tapir_stack_mac(const struct tapir_stack *stack)
{
	return stack->mac;
}

tapir_ip tapir_stack_ip(const struct tapir_stack *stack)
{
	return stack->ip;
}

void tapir_stack_log(struct tapir_stack *stack, enum tapir_log_level level, const char *layer,
                     const char *text)
{
	struct tapir_event ev = {.kind = TAPIR_EV_MESSAGE, .level = level};

	ev.u.message.layer = layer;
	ev.u.message.text = text;
	stack_emit(stack, &ev);
}

/* ---- helpers for the layers ------------------------------------------------ */

void stack_emit(struct tapir_stack *stack, struct tapir_event *ev)
{
	if (!tapir_trace_active(stack->trace))
		return;
	ev->time = stack->now;
	tapir_trace_emit(stack->trace, ev);
}

void stack_drop(struct tapir_stack *stack, enum tapir_drop reason, const char *detail)
{
	struct tapir_event ev = {.kind = TAPIR_EV_DROP, .level = TAPIR_LOG_WARN};

	if ((unsigned)reason < TAPIR_DROP__COUNT)
		stack->stats.drops[reason]++;
	ev.u.drop.reason = reason;
	ev.u.drop.detail = detail;
	stack_emit(stack, &ev);
}

void stack_count(struct tapir_stack *stack, enum tapir_counter counter)
{
	stack->stats.count[counter]++;
}

void stack_count_add(struct tapir_stack *stack, enum tapir_counter counter, uint64_t n)
{
	stack->stats.count[counter] += n;
}

/* xorshift64* (Vigna): small, fast and good enough for IP IDs and ports. */
uint32_t stack_random(struct tapir_stack *stack)
{
	uint64_t x = stack->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	stack->rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

bool stack_is_local_subnet(const struct tapir_stack *stack, tapir_ip ip)
{
	return (ip & stack->netmask) == (stack->ip & stack->netmask);
}

bool stack_is_broadcast(const struct tapir_stack *stack, tapir_ip ip)
{
	if (ip == TAPIR_IP_BROADCAST)
		return true;
	return stack->netmask != 0xffffffffu && ip == (stack->ip | ~stack->netmask);
}

/*
 * link.c — the one door to every link: tapir_link_recv(), _send(),
 * _send_tso(), _next_due(), _fd() and _close() check their arguments and
 * call through the link's ops table, so the stack never needs to know
 * whether it talks to a TAP device, the sim wire, or a chain of middleware
 * (capture, fault) around either.
 *
 * Middleware closes the link it wraps from its own close(), so closing the
 * outermost link closes the whole chain.
 */
#include <errno.h>

#include "tapir/link.h"

int tapir_link_recv(struct tapir_link *link, uint8_t *buf, size_t cap, tapir_time now)
{
	if (!link || !link->ops)
		return -EINVAL;
	if (!buf && cap > 0)
		return -EINVAL;
	return link->ops->recv(link, buf, cap, now);
}

int tapir_link_send(struct tapir_link *link, const uint8_t *frame, size_t len, tapir_time now)
{
	if (!link || !link->ops)
		return -EINVAL;
	if (!frame && len > 0)
		return -EINVAL;
	return link->ops->send(link, frame, len, now);
}

int tapir_link_send_tso(struct tapir_link *link, const uint8_t *frame, size_t len, uint16_t mss,
                        tapir_time now)
{
	if (!link || !link->ops || !frame || mss == 0)
		return -EINVAL;
	if (link->tso_max == 0 || !link->ops->send_tso)
		return -EOPNOTSUPP;
	return link->ops->send_tso(link, frame, len, mss, now);
}

tapir_time tapir_link_next_due(struct tapir_link *link, tapir_time now)
{
	if (!link || !link->ops)
		return TAPIR_TIME_NEVER;
	return link->ops->next_due(link, now);
}

int tapir_link_fd(struct tapir_link *link)
{
	if (!link || !link->ops)
		return -1;
	return link->ops->fd(link);
}

void tapir_link_close(struct tapir_link *link)
{
	if (!link || !link->ops)
		return;
	link->ops->close(link);
}

static bool percent_set(double pct)
{
	return pct != 0.0;
}

/* True when `faults` asks for anything at all; NULL asks for nothing. */
bool tapir_faults_any(const struct tapir_faults *faults)
{
	if (!faults)
		return false;
	return percent_set(faults->loss_pct) || percent_set(faults->duplicate_pct) ||
	       percent_set(faults->corrupt_pct) || percent_set(faults->reorder_pct) ||
	       faults->delay != 0 || faults->jitter != 0;
}

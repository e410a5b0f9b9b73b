/*
 * ring.c — fixed-size byte rings for a connection's send and receive data.
 *
 * The storage is allocated when the first byte needs it and freed when the
 * connection closes, so an idle connection costs only its TCB. The receive
 * ring also holds out-of-order data at its place beyond `len` (RFC 9293
 * 3.10.7.4 "seventh": segments are queued until they can be delivered).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_internal.h"

int ring_reserve(struct tcp_ring *r)
{
	if (r->data)
		return 0;
	r->data = malloc(r->cap);
	if (!r->data)
		return -ENOMEM;
	r->head = 0;
	return 0;
}

void ring_release(struct tcp_ring *r)
{
	free(r->data);
	r->data = NULL;
	r->head = 0;
	r->len = 0;
}

uint32_t ring_free(const struct tcp_ring *r)
{
	return r->cap - r->len;
}

void ring_write_at(struct tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t n)
{
	if (n == 0)
		return;
	uint32_t pos = (r->head + off) % r->cap;
	uint32_t first = r->cap - pos < n ? r->cap - pos : n;

	memcpy(r->data + pos, src, first);
	memcpy(r->data, src + first, n - first);
}

void ring_peek(const struct tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t n)
{
	if (n == 0)
		return;
	uint32_t pos = (r->head + off) % r->cap;
	uint32_t first = r->cap - pos < n ? r->cap - pos : n;

	memcpy(dst, r->data + pos, first);
	memcpy(dst + first, r->data, n - first);
}

void ring_consume(struct tcp_ring *r, uint32_t n)
{
	if (n == 0)
		return;
	r->head = (r->head + n) % r->cap;
	r->len -= n;
}

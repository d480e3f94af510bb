// SPDX-License-Identifier: GPL-2.0
/*
 * A growable FIFO ring of fetch completion events (see event_queue.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event_queue.h"

/* The ring never grows past this: 2^24 events is 512 MiB, far beyond any
 * real backlog, and it keeps index arithmetic within uint32_t. */
#define KVTL_EVQ_MAX (1u << 24)

int kvtl_evq_init(struct kvtl_evq *q, uint32_t cap)
{
	memset(q, 0, sizeof(*q));
	if (cap == 0)
		return 0;
	if (cap > KVTL_EVQ_MAX)
		return -ENOMEM;
	q->ring = calloc(cap, sizeof(*q->ring));
	if (!q->ring)
		return -ENOMEM;
	q->cap = cap;
	return 0;
}

void kvtl_evq_destroy(struct kvtl_evq *q)
{
	free(q->ring);
	memset(q, 0, sizeof(*q));
}

uint32_t kvtl_evq_len(const struct kvtl_evq *q)
{
	return q->len;
}

/* The ring slot of the i-th oldest event. */
static uint32_t kvtl_evq_slot(const struct kvtl_evq *q, uint32_t i)
{
	return (q->head + i) % q->cap;
}

/* Double the room, unrolling the ring so that the oldest event is at 0. */
static int kvtl_evq_grow(struct kvtl_evq *q)
{
	uint32_t cap = q->cap ? q->cap * 2 : KVTL_EVQ_INITIAL;
	struct drm_kvtier_event_fetch *ring;
	uint32_t i;

	if (cap > KVTL_EVQ_MAX)
		return -ENOMEM;
	ring = calloc(cap, sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	for (i = 0; i < q->len; i++)
		ring[i] = q->ring[kvtl_evq_slot(q, i)];
	free(q->ring);
	q->ring = ring;
	q->head = 0;
	q->cap = cap;
	return 0;
}

int kvtl_evq_push(struct kvtl_evq *q, const struct drm_kvtier_event_fetch *ev)
{
	int ret;

	if (q->len == q->cap) {
		ret = kvtl_evq_grow(q);
		if (ret)
			return ret;
	}
	q->ring[kvtl_evq_slot(q, q->len)] = *ev;
	q->len++;
	return 0;
}

int kvtl_evq_pop(struct kvtl_evq *q, struct drm_kvtier_event_fetch *ev)
{
	if (q->len == 0)
		return -ENOENT;
	*ev = q->ring[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	return 0;
}

int kvtl_evq_take(struct kvtl_evq *q, uint32_t fetch_id,
		  struct drm_kvtier_event_fetch *ev)
{
	uint32_t i, j;

	for (i = 0; i < q->len; i++) {
		if (q->ring[kvtl_evq_slot(q, i)].fetch_id == fetch_id)
			break;
	}
	if (i == q->len)
		return -ENOENT;
	if (ev)
		*ev = q->ring[kvtl_evq_slot(q, i)];
	/* Close the gap by moving the newer events one slot back. */
	for (j = i; j + 1 < q->len; j++)
		q->ring[kvtl_evq_slot(q, j)] = q->ring[kvtl_evq_slot(q, j + 1)];
	q->len--;
	return 0;
}

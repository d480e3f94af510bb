/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The handle's queue of fetch completion events that arrived while the
 * caller was waiting for another fetch: a FIFO ring that grows, so that no
 * event read from the fd is ever dropped for lack of room (short of
 * running out of memory). Pure logic, unit-tested without a device.
 */
#ifndef KVTIER_EVENT_QUEUE_H
#define KVTIER_EVENT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "kvtier_drm.h"

/* Events a queue has room for before it first grows: more fetches than an
 * engine usually keeps in flight, so the common case never allocates. */
#define KVTL_EVQ_INITIAL 16

/**
 * struct kvtl_evq - a growable FIFO ring of fetch events.
 * @ring: Room for @cap events.
 * @head: Index of the oldest event.
 * @len: Events queued.
 * @cap: Room in @ring.
 */
struct kvtl_evq {
	struct drm_kvtier_event_fetch *ring;
	uint32_t head;
	uint32_t len;
	uint32_t cap;
};

/* Set up an empty queue with room for @cap events (0: allocate on first
 * push). Return: 0 or -ENOMEM. */
int kvtl_evq_init(struct kvtl_evq *q, uint32_t cap);

/* Free the ring; the queue is empty and may be initialised again. */
void kvtl_evq_destroy(struct kvtl_evq *q);

/* Events queued. */
uint32_t kvtl_evq_len(const struct kvtl_evq *q);

/* Append @ev, growing the ring when full. Return: 0 or -ENOMEM. */
int kvtl_evq_push(struct kvtl_evq *q, const struct drm_kvtier_event_fetch *ev);

/* Take the oldest event into @ev. Return: 0, or -ENOENT when empty. */
int kvtl_evq_pop(struct kvtl_evq *q, struct drm_kvtier_event_fetch *ev);

/* Take the oldest event of fetch @fetch_id into @ev (NULL: discard it),
 * keeping the others in order. Return: 0, or -ENOENT when none. */
int kvtl_evq_take(struct kvtl_evq *q, uint32_t fetch_id,
		  struct drm_kvtier_event_fetch *ev);

#endif /* KVTIER_EVENT_QUEUE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The access stream, the manager's side: open it, map every ring, and
 * drain them as io_uring's completion queue is drained: acquire the tail,
 * copy the records before it, release the head.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kvtier_internal.h"

struct kvtier_stream {
	void *map;
	size_t map_bytes;
	uint64_t ring_bytes;
	uint64_t records_offset;
	uint32_t rings;
	uint32_t mask;		/* entries - 1 */
	uint32_t next;		/* the ring the next read starts with */
	uint64_t *head;		/* per ring: our count, the truth */
	uint64_t *dropped;	/* per ring: the driver's count, last seen */
};

static struct drm_kvtier_stream_ring *kvtl_ring(struct kvtier_stream *st,
						uint32_t i)
{
	return (struct drm_kvtier_stream_ring *)((char *)st->map +
						 i * st->ring_bytes);
}

static struct drm_kvtier_access *kvtl_ring_recs(struct kvtier_stream *st,
						uint32_t i)
{
	return (struct drm_kvtier_access *)((char *)kvtl_ring(st, i) +
					    st->records_offset);
}

int kvtier_stream_open(struct kvtier *kv, uint32_t entries,
		       struct kvtier_stream **out)
{
	struct drm_kvtier_stream_open req = { .entries = entries };
	struct kvtier_stream *st;
	int ret;

	*out = NULL;
	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_STREAM_OPEN, &req);
	if (ret)
		return ret;
	/* The stream is open now; it ends with the fd whatever happens. */
	if (req.version != KVTIER_ACCESS_VERSION ||
	    req.record_size != sizeof(struct drm_kvtier_access))
		return -EPROTONOSUPPORT;
	if (!req.rings || !req.entries || (req.entries & (req.entries - 1)) ||
	    req.records_offset < sizeof(struct drm_kvtier_stream_ring) ||
	    req.ring_bytes < req.records_offset +
			     (uint64_t)req.entries * req.record_size)
		return -EPROTO;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->head = calloc(req.rings, sizeof(*st->head));
	st->dropped = calloc(req.rings, sizeof(*st->dropped));
	if (!st->head || !st->dropped) {
		ret = -ENOMEM;
		goto err_free;
	}
	st->ring_bytes = req.ring_bytes;
	st->records_offset = req.records_offset;
	st->rings = req.rings;
	st->mask = req.entries - 1;
	st->map_bytes = (size_t)(req.rings * req.ring_bytes);
	st->map = mmap(NULL, st->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		       kvtier_fd(kv), (off_t)req.mmap_offset);
	if (st->map == MAP_FAILED) {
		ret = -errno;
		goto err_free;
	}
	*out = st;
	return 0;

err_free:
	free(st->dropped);
	free(st->head);
	free(st);
	return ret;
}

int kvtier_stream_read(struct kvtier_stream *st, struct drm_kvtier_access *recs,
		       uint32_t room, uint64_t *dropped)
{
	struct drm_kvtier_stream_ring *r;
	uint64_t tail, d, lost = 0;
	uint32_t k, i, got = 0, n, at, c;

	if (!st || (!recs && room))
		return -EINVAL;
	/* The count must fit the return value. */
	if (room > INT32_MAX)
		room = INT32_MAX;
	for (k = 0; k < st->rings; k++) {
		i = (st->next + k) % st->rings;
		r = kvtl_ring(st, i);
		d = __atomic_load_n(&r->dropped, __ATOMIC_RELAXED);
		lost += d - st->dropped[i];
		st->dropped[i] = d;
		if (got == room)
			continue;
		/* Pairs with the driver's release of the tail. */
		tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		n = tail - st->head[i] < room - got ?
		    (uint32_t)(tail - st->head[i]) : room - got;
		while (n) {
			/* Up to the end of the array, then from its start. */
			at = (uint32_t)(st->head[i] & st->mask);
			c = n < st->mask + 1 - at ? n : st->mask + 1 - at;
			memcpy(recs + got, kvtl_ring_recs(st, i) + at,
			       c * sizeof(*recs));
			got += c;
			n -= c;
			st->head[i] += c;
		}
		/* The records are copied before the driver may reuse them. */
		__atomic_store_n(&r->head, st->head[i], __ATOMIC_RELEASE);
		if (got == room)
			st->next = (i + 1) % st->rings;
	}
	if (dropped)
		*dropped = lost;
	return (int)got;
}

void kvtier_stream_close(struct kvtier_stream *st)
{
	if (!st)
		return;
	munmap(st->map, st->map_bytes);
	free(st->dropped);
	free(st->head);
	free(st);
}

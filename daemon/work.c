// SPDX-License-Identifier: GPL-2.0
/*
 * Work item -> action, and completion batches. See kvtd_work.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_work.h"

/* [off, off + len) inside [0, size), without overflow. */
static bool work_in(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static int work_plan_dst(const struct drm_kvtier_work_item *w,
			 const struct kvtd_work_geom *g,
			 struct kvtd_work_action *a)
{
	if (w->dst_tier == KVTIER_TIER_HOST) {
		if (!g->pool_size)
			return -ENOENT;
		/*
		 * The object owns whole slots, so the rounded read stays in
		 * them; the pool's slot size is a page multiple.
		 */
		if (!work_in(w->dst_offset, a->io_len, g->pool_size) ||
		    w->dst_offset % KVTD_IO_ALIGN)
			return -EINVAL;
		return 0;
	}
	if (!g->region_size)
		return -ENOENT;
	if (!work_in(w->dst_offset, w->size, g->region_size))
		return -EINVAL;
	/* The CPU cannot write a GPU's memory: the tier's copy must. */
	if (g->region_devmem) {
		a->stage = true;
		return 0;
	}
	/* Region bytes past the object are the client's: never touched. */
	a->bounce = w->dst_offset % KVTD_IO_ALIGN || a->io_len != w->size;
	return 0;
}

int kvtd_work_plan(const struct drm_kvtier_work_item *w,
		   const struct kvtd_work_geom *g,
		   struct kvtd_work_action *a)
{
	memset(a, 0, sizeof(*a));
	if (w->op != KVTIER_WORK_FETCH)
		return -EOPNOTSUPP;
	if (w->dst_tier != KVTIER_TIER_HOST && w->dst_tier != KVTIER_TIER_DEVICE)
		return -EOPNOTSUPP;
	if (w->size == 0 || w->size > UINT64_MAX - KVTD_IO_ALIGN)
		return -EINVAL;
	a->dst_tier = w->dst_tier;
	a->dst_off = w->dst_offset;
	a->len = w->size;

	if (w->src_tier == KVTIER_TIER_HOST &&
	    w->dst_tier == KVTIER_TIER_DEVICE) {
		a->kind = KVTD_ACT_COPY;
		a->src_off = w->src_offset;
		if (!g->pool_size || !g->region_size)
			return -ENOENT;
		if (!work_in(w->src_offset, w->size, g->pool_size) ||
		    !work_in(w->dst_offset, w->size, g->region_size))
			return -EINVAL;
		return 0;
	}
	if (w->src_tier != KVTIER_TIER_DISK)
		return -EOPNOTSUPP;
	a->kind = KVTD_ACT_DISK_READ;
	a->io_len = kvtd_io_round(w->size);
	return work_plan_dst(w, g, a);
}

int kvtd_done_init(struct kvtd_done_batch *b, uint32_t room)
{
	memset(b, 0, sizeof(*b));
	if (room < KVTD_DONE_BATCH)
		room = KVTD_DONE_BATCH;
	b->items = calloc(room, sizeof(*b->items));
	if (!b->items)
		return -ENOMEM;
	b->room = room;
	return 0;
}

void kvtd_done_fini(struct kvtd_done_batch *b)
{
	free(b->items);
	memset(b, 0, sizeof(*b));
}

bool kvtd_done_add(struct kvtd_done_batch *b, uint64_t work_id, int status,
		   uint64_t bytes, uint64_t location)
{
	struct drm_kvtier_work_done *d;

	/* Losing a completion would leave its fetch waiting forever. */
	if (b->count >= b->room)
		abort();
	d = &b->items[b->count++];
	d->work_id = work_id;
	d->bytes = status ? 0 : bytes;
	d->location = location;
	d->status = status;
	d->result = 0;
	return b->count >= KVTD_DONE_BATCH;
}

int kvtd_done_flush(struct kvtd_done_batch *b, kvtd_done_fn fn, void *ctx,
		    uint64_t now_ns, uint32_t *refused)
{
	uint64_t delay_ms;
	size_t taken = 0, i;
	int ret;

	*refused = 0;
	if (!b->count)
		return 0;
	if (b->retries && now_ns < b->retry_at_ns)
		return -EAGAIN;
	ret = fn(ctx, b->items, b->count, &taken);
	if (taken > b->count)
		taken = b->count;
	for (i = 0; i < taken; i++)
		if (b->items[i].result)
			(*refused)++;
	if (taken == b->count) {
		b->count = 0;
		b->retries = 0;
		return ret;
	}
	/* Refused as a whole: the rest go again, after a while. */
	b->count -= taken;
	memmove(b->items, b->items + taken, b->count * sizeof(*b->items));
	for (i = 0; i < b->count; i++)
		b->items[i].result = 0;
	/* Capped so that the shift stays defined; the delay is anyway. */
	if (b->retries < 32)
		b->retries++;
	delay_ms = (uint64_t)KVTD_DONE_RETRY_MIN_MS << (b->retries - 1);
	if (delay_ms > KVTD_DONE_RETRY_MAX_MS)
		delay_ms = KVTD_DONE_RETRY_MAX_MS;
	b->retry_at_ns = now_ns + delay_ms * 1000000ull;
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Staging buffers for disk reads into device memory. See kvtd_stage.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_stage.h"
#include "kvtd_work.h"

void kvtd_stage_init(struct kvtd_stage *s, struct kvtd_mem_tier *tier)
{
	memset(s, 0, sizeof(*s));
	s->tier = tier;
}

static void stage_release(struct kvtd_stage *s, struct kvtd_stage_buf *b)
{
	if (b->registered)
		s->tier->ops->host_unregister(s->tier, b->addr);
	free(b->addr);
	b->addr = NULL;
	b->size = 0;
	b->registered = false;
}

/* Power-of-two sizes: a buffer grows a few times, then never again. */
static size_t stage_size(uint64_t len)
{
	size_t size = KVTD_STAGE_MIN;

	while (size < len)
		size <<= 1;
	return size;
}

static int stage_grow(struct kvtd_stage *s, struct kvtd_stage_buf *b,
		      uint64_t len)
{
	size_t size = stage_size(len);
	void *addr;

	stage_release(s, b);
	addr = aligned_alloc(KVTD_IO_ALIGN, size);
	if (!addr)
		return -ENOMEM;
	b->addr = addr;
	b->size = size;
	s->allocs++;
	/* Not pinned is slower, not wrong: the tier copies it either way. */
	if (s->tier && s->tier->ops->host_register &&
	    s->tier->ops->host_register(s->tier, addr, size) == 0)
		b->registered = true;
	return 0;
}

int kvtd_stage_get(struct kvtd_stage *s, uint64_t len,
		   struct kvtd_stage_buf **out)
{
	struct kvtd_stage_buf *fit = NULL, *big = NULL, *b;
	unsigned int i;
	int ret;

	/* The largest size whose power-of-two rounding cannot overflow. */
	if (!len || len > (SIZE_MAX >> 1) + 1)
		return -EINVAL;
	for (i = 0; i < KVTD_STAGE_BUFS; i++) {
		b = &s->buf[i];
		if (b->busy)
			continue;
		if (b->size >= len && (!fit || b->size < fit->size))
			fit = b;
		if (!big || b->size > big->size)
			big = b;
	}
	if (!big)
		return -EAGAIN;
	if (!fit) {
		ret = stage_grow(s, big, len);
		if (ret)
			return ret;
		fit = big;
	}
	fit->busy = true;
	s->nr_busy++;
	*out = fit;
	return 0;
}

void kvtd_stage_put(struct kvtd_stage *s, struct kvtd_stage_buf *b)
{
	if (!b || !b->busy)
		return;
	b->busy = false;
	s->nr_busy--;
}

void kvtd_stage_fini(struct kvtd_stage *s)
{
	unsigned int i;

	for (i = 0; i < KVTD_STAGE_BUFS; i++)
		stage_release(s, &s->buf[i]);
	s->nr_busy = 0;
}

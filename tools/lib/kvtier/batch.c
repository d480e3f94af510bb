// SPDX-License-Identifier: GPL-2.0
/*
 * The partial-failure contract of batched ioctls, shared by object ops,
 * work completion and residency updates: chunking past max_batch, and the
 * first failing item's -errno as the return value.
 */
#include <errno.h>
#include <string.h>

#include "kvtier_internal.h"

static int32_t kvtl_result(const void *items, size_t i, size_t item_size,
			   size_t result_off)
{
	int32_t r;

	memcpy(&r, (const char *)items + i * item_size + result_off, sizeof(r));
	return r;
}

static void kvtl_set_result(void *items, size_t i, size_t item_size,
			    size_t result_off, int32_t r)
{
	memcpy((char *)items + i * item_size + result_off, &r, sizeof(r));
}

/* The first negative result in [0, n): a positive one is not a failure
 * (fetch reports "queued" as 1). */
static int kvtl_first_failure(const void *items, size_t n, size_t item_size,
			      size_t result_off, size_t *index)
{
	size_t i;
	int32_t r;

	for (i = 0; i < n; i++) {
		r = kvtl_result(items, i, item_size, result_off);
		if (r < 0) {
			if (index)
				*index = i;
			return r;
		}
	}
	if (index)
		*index = n;
	return 0;
}

int kvtl_chunked(struct kvtier *kv, void *items, size_t count,
		 size_t item_size, size_t result_off, kvtl_chunk_fn fn,
		 void *ctx, size_t *taken)
{
	uint32_t max = kvtl_max_batch(kv);
	int first = 0, ret;
	uint32_t n, failed;
	size_t done, i;
	char *p;

	if (taken)
		*taken = count;
	for (done = 0; done < count; done += n) {
		n = count - done < max ? (uint32_t)(count - done) : max;
		p = (char *)items + done * item_size;
		failed = 0;
		ret = fn(kv, p, n, &failed, ctx);
		if (ret) {
			for (i = done; i < count; i++)
				kvtl_set_result(items, i, item_size,
						result_off, ret);
			if (taken)
				*taken = done;
			return first ? first : ret;
		}
		/* The driver counts failures, so a clean chunk costs no scan. */
		if (!first && failed) {
			first = kvtl_first_failure(p, n, item_size,
						   result_off, NULL);
			/* A count with no failing item is a driver bug; do
			 * not report success for it. */
			if (!first)
				first = -EIO;
		}
	}
	return first;
}

int kvtier_batch_first_error(const struct drm_kvtier_obj_op *items,
			     size_t count, size_t *index)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (items[i].result) {
			if (index)
				*index = i;
			return items[i].result;
		}
	}
	if (index)
		*index = count;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Objects: allocation, the batched operations, and lookup. These are the
 * hot paths of an engine: each is its ioctl, plus a loop only when a batch
 * is longer than the driver takes at once, and nothing is allocated.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kvtier_internal.h"

int kvtier_alloc(struct kvtier *kv, uint32_t pool_id, uint32_t flags,
		 struct drm_kvtier_alloc_item *items, uint32_t count,
		 uint32_t *failed_index)
{
	struct drm_kvtier_obj_alloc req = {
		.items_ptr = (uintptr_t)items,
		.count = count,
		.pool_id = pool_id,
		.flags = flags,
		/* In case a driver older than KVTIER_NO_INDEX leaves it. */
		.failed_index = KVTIER_NO_INDEX,
	};
	int ret;

	/* Splitting would break all-or-nothing, so the limit is the caller's
	 * to respect; saying so here beats a driver -EINVAL. */
	if (count == 0 || count > kvtl_max_batch(kv)) {
		if (failed_index)
			*failed_index = KVTIER_NO_INDEX;
		return -EINVAL;
	}
	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_OBJ_ALLOC, &req);
	if (failed_index)
		*failed_index = ret ? req.failed_index : count;
	return ret;
}

static int kvtl_obj_chunk(struct kvtier *kv, void *items, uint32_t n,
			  uint32_t *failed, void *ctx)
{
	struct drm_kvtier_obj_batch req = {
		.items_ptr = (uintptr_t)items,
		.count = n,
		.op = *(const uint32_t *)ctx,
	};
	int ret;

	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_OBJ_BATCH, &req);
	*failed = req.failed;
	return ret;
}

int kvtier_batch(struct kvtier *kv, uint32_t op,
		 struct drm_kvtier_obj_op *items, size_t count)
{
	return kvtl_chunked(kv, items, count, sizeof(*items),
			    offsetof(struct drm_kvtier_obj_op, result),
			    kvtl_obj_chunk, &op, NULL);
}

/* The handle-array helpers: op items built on the stack a chunk at a time,
 * results copied out, the same partial-failure contract as kvtier_batch. */
static int kvtl_handles_op(struct kvtier *kv, uint32_t op,
			   const kvtier_handle_t *handles, size_t count,
			   uint32_t tier, int *results)
{
	struct drm_kvtier_obj_op ops[KVTL_STACK_OPS];
	size_t done, n, i, taken;
	int first = 0, ret;

	for (done = 0; done < count; done += n) {
		n = count - done < KVTL_STACK_OPS ? count - done : KVTL_STACK_OPS;
		for (i = 0; i < n; i++) {
			ops[i].handle = handles[done + i];
			ops[i].tier = tier;
			ops[i].result = 0;
		}
		ret = kvtl_chunked(kv, ops, n, sizeof(ops[0]),
				   offsetof(struct drm_kvtier_obj_op, result),
				   kvtl_obj_chunk, &op, &taken);
		if (results) {
			for (i = 0; i < n; i++)
				results[done + i] = ops[i].result;
		}
		if (!first)
			first = ret;
		if (taken < n) {
			/* The rest carry the refusal, as kvtl_chunked's do. */
			if (results) {
				for (i = done + n; i < count; i++)
					results[i] = ops[n - 1].result;
			}
			return first;
		}
	}
	return first;
}

int kvtier_commit(struct kvtier *kv, const kvtier_handle_t *handles, size_t count,
		  int *results)
{
	return kvtl_handles_op(kv, KVTIER_OP_COMMIT, handles, count, 0,
			       results);
}

int kvtier_pin(struct kvtier *kv, const kvtier_handle_t *handles, size_t count,
	       uint32_t tier, int *results)
{
	return kvtl_handles_op(kv, KVTIER_OP_PIN, handles, count, tier,
			       results);
}

int kvtier_unpin(struct kvtier *kv, const kvtier_handle_t *handles, size_t count,
		 uint32_t tier, int *results)
{
	return kvtl_handles_op(kv, KVTIER_OP_UNPIN, handles, count, tier,
			       results);
}

int kvtier_release(struct kvtier *kv, const kvtier_handle_t *handles, size_t count,
		   int *results)
{
	return kvtl_handles_op(kv, KVTIER_OP_RELEASE, handles, count, 0,
			       results);
}

int kvtier_free(struct kvtier *kv, const kvtier_handle_t *handles, size_t count,
		int *results)
{
	return kvtl_handles_op(kv, KVTIER_OP_FREE, handles, count, 0,
			       results);
}

int kvtier_lookup(struct kvtier *kv, const struct drm_kvtier_key *keys,
		  struct drm_kvtier_lookup_result *results, size_t count,
		  uint32_t flags, uint32_t *prefix)
{
	uint32_t max = kvtl_max_batch(kv);
	uint64_t hits = 0, run = 0;
	bool in_run = true;
	size_t done;
	uint32_t n;
	int ret;

	if (prefix)
		*prefix = 0;
	for (done = 0; done < count; done += n) {
		struct drm_kvtier_lookup req = {
			.keys_ptr = (uintptr_t)(keys + done),
			.results_ptr = (uintptr_t)(results + done),
			.flags = flags,
		};

		n = count - done < max ? (uint32_t)(count - done) : max;
		req.count = n;
		ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_LOOKUP, &req);
		if (ret)
			return ret;
		hits += req.hits;
		if (in_run) {
			run += req.prefix;
			in_run = req.prefix == n;
		}
		if (prefix)
			*prefix = run > UINT32_MAX ? UINT32_MAX : (uint32_t)run;
		/* A prompt's keys chain: nothing after a miss can hit, so
		 * the remaining chunks are answered here. */
		if ((flags & KVTIER_LOOKUP_STOP_AT_MISS) && req.prefix < n) {
			done += n;
			memset(results + done, 0,
			       (count - done) * sizeof(*results));
			break;
		}
	}
	return hits > INT32_MAX ? INT32_MAX : (int)hits;
}

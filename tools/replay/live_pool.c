// SPDX-License-Identifier: GPL-2.0
/*
 * Which pool a live replay stores into, and its block size.
 */
#include <errno.h>

#include "live.h"

int kvtr_live_pool_pick(struct kvtier *kv, uint32_t pool_id,
			uint64_t block_size, uint32_t *pool_out,
			uint64_t *block_out,
			struct drm_kvtier_pool_info *info, const char **why)
{
	uint64_t max = kvtier_params(kv)->max_pools;
	uint32_t id, found = pool_id;
	int ret = -ENOENT;

	*why = NULL;
	if (pool_id) {
		ret = kvtier_pool_info(kv, pool_id, info);
		if (ret == -ENOENT)
			*why = "no such pool";
	} else {
		/* Pool ids are dense from 1 unless pools were destroyed. */
		for (id = 1; id <= max; id++) {
			ret = kvtier_pool_info(kv, id, info);
			found = id;
			if (ret == -ENOENT)
				continue;
			if (ret || info->kind == KVTIER_KIND_KV)
				break;
			ret = -ENOENT;
		}
		if (ret == -ENOENT)
			*why = "no KV pool (start kvtierd with a kind=kv pool, "
			       "or create one with kvtierctl)";
	}
	if (ret)
		return ret;
	if (!block_size)
		block_size = info->slot_size;
	if (block_size > info->slot_size * info->slot_count) {
		*why = "the block size is larger than the pool";
		return -EINVAL;
	}
	*pool_out = found;
	*block_out = block_size;
	return 0;
}

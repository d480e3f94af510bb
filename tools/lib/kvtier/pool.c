// SPDX-License-Identifier: GPL-2.0
/*
 * Pools, tenants and stats: the administrative ioctls.
 */
#include <errno.h>
#include <string.h>

#include "kvtier_internal.h"

int kvtier_pool_create(struct kvtier *kv, struct drm_kvtier_pool_create *req)
{
	return kvtl_ioctl(kv, DRM_IOCTL_KVTIER_POOL_CREATE, req);
}

int kvtier_pool_destroy(struct kvtier *kv, uint32_t pool_id)
{
	struct drm_kvtier_pool_destroy req = { .pool_id = pool_id };

	return kvtl_ioctl(kv, DRM_IOCTL_KVTIER_POOL_DESTROY, &req);
}

int kvtier_pool_info(struct kvtier *kv, uint32_t pool_id,
		     struct drm_kvtier_pool_info *info)
{
	memset(info, 0, sizeof(*info));
	info->pool_id = pool_id;
	return kvtl_ioctl(kv, DRM_IOCTL_KVTIER_POOL_INFO, info);
}

int kvtier_tenant_quota(struct kvtier *kv, uint64_t tenant_id,
			uint32_t pool_id, uint64_t max_slots)
{
	struct drm_kvtier_tenant_quota req = {
		.tenant_id = tenant_id,
		.pool_id = pool_id,
		.max_slots = max_slots,
	};

	return kvtl_ioctl(kv, DRM_IOCTL_KVTIER_TENANT_QUOTA, &req);
}

int kvtier_tenant_info(struct kvtier *kv, uint64_t tenant_id, uint32_t pool_id,
		       struct drm_kvtier_tenant_usage *usage)
{
	memset(usage, 0, sizeof(*usage));
	usage->tenant_id = tenant_id;
	usage->pool_id = pool_id;
	return kvtl_ioctl(kv, DRM_IOCTL_KVTIER_TENANT_INFO, usage);
}

int kvtier_tenant_list(struct kvtier *kv, uint32_t first,
		       struct drm_kvtier_tenant_usage *entries, uint32_t room,
		       uint32_t *total)
{
	struct drm_kvtier_tenant_list req = {
		.entries_ptr = (uintptr_t)entries,
		.count = room,
		.first = first,
	};
	int ret;

	/* The driver takes at most a batch per call; callers page with @first. */
	if (room > KVTIER_MAX_BATCH)
		req.count = room = KVTIER_MAX_BATCH;
	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_TENANT_LIST, &req);
	if (ret)
		return ret;
	if (total)
		*total = req.total;
	/* A driver never writes more than it was given room for; trusting
	 * it blindly would let a bug turn into a caller's overflow. */
	return req.count > room ? (int)room : (int)req.count;
}

int kvtier_stats(struct kvtier *kv, struct drm_kvtier_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	return kvtl_ioctl(kv, DRM_IOCTL_KVTIER_STATS, stats);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The manager side: what kvtierd calls to take and finish work and to
 * report the copies it made or dropped.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kvtier_internal.h"

int kvtier_manager_attach(struct kvtier *kv, uint64_t *requeued)
{
	struct drm_kvtier_manager_attach req = { 0 };
	int ret;

	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &req);
	if (ret)
		return ret;
	if (requeued)
		*requeued = req.requeued;
	return 0;
}

int kvtier_work_recv(struct kvtier *kv, struct drm_kvtier_work_item *items,
		     uint32_t room, uint64_t deadline_ns)
{
	struct drm_kvtier_work_recv req = {
		.items_ptr = (uintptr_t)items,
		.deadline_ns = deadline_ns,
		.count = room,
	};
	int ret;

	if (room > INT32_MAX)
		return -EINVAL;
	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_WORK_RECV, &req);
	if (ret)
		return ret;
	return req.count > room ? (int)room : (int)req.count;
}

static int kvtl_done_chunk(struct kvtier *kv, void *items, uint32_t n,
			   uint32_t *failed, void *ctx)
{
	struct drm_kvtier_work_complete req = {
		.items_ptr = (uintptr_t)items,
		.count = n,
	};
	int ret;

	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_WORK_COMPLETE, &req);
	*failed = req.failed;
	return ret;
}

int kvtier_work_complete(struct kvtier *kv, struct drm_kvtier_work_done *done,
			 size_t count)
{
	return kvtier_work_complete_taken(kv, done, count, NULL);
}

int kvtier_work_complete_taken(struct kvtier *kv,
			       struct drm_kvtier_work_done *done, size_t count,
			       size_t *taken)
{
	return kvtl_chunked(kv, done, count, sizeof(*done),
			    offsetof(struct drm_kvtier_work_done, result),
			    kvtl_done_chunk, NULL, taken);
}

static int kvtl_res_chunk(struct kvtier *kv, void *items, uint32_t n,
			  uint32_t *failed, void *ctx)
{
	struct drm_kvtier_residency req = {
		.items_ptr = (uintptr_t)items,
		.count = n,
	};
	int ret;

	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_RESIDENCY, &req);
	*failed = req.failed;
	return ret;
}

int kvtier_residency(struct kvtier *kv, struct drm_kvtier_residency_item *items,
		     size_t count)
{
	return kvtl_chunked(kv, items, count, sizeof(*items),
			    offsetof(struct drm_kvtier_residency_item, result),
			    kvtl_res_chunk, NULL, NULL);
}

int kvtier_region_get_fd(struct kvtier *kv, uint32_t region_id,
			 struct drm_kvtier_region_get_fd *out)
{
	return kvtier_region_get_fd_gen(kv, region_id, 0, out);
}

int kvtier_region_get_fd_gen(struct kvtier *kv, uint32_t region_id,
			     uint32_t gen, struct drm_kvtier_region_get_fd *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->region_id = region_id;
	out->gen = gen;
	out->fd = -1;
	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_REGION_GET_FD, out);
	if (ret)
		out->fd = -1;
	return ret;
}

int kvtier_obj_scan(struct kvtier *kv, uint64_t *cursor,
		    struct drm_kvtier_obj_record *recs, uint32_t room)
{
	struct drm_kvtier_obj_scan req = {
		.records_ptr = (uintptr_t)recs,
		.cursor = *cursor,
	};
	int ret;

	if (room == 0)
		return -EINVAL;
	req.count = room > KVTIER_MAX_BATCH ? KVTIER_MAX_BATCH : room;
	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_OBJ_SCAN, &req);
	if (ret)
		return ret;
	/* Never trust a count beyond the room given (a driver bug would
	 * become the caller's overflow). */
	if (req.count > room)
		req.count = room;
	*cursor = req.cursor;
	return (int)req.count;
}

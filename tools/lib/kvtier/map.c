// SPDX-License-Identifier: GPL-2.0
/*
 * Shared mappings of a pool, and pointers to objects inside them.
 *
 * Objects are named by their byte offset in the pool (alloc items and
 * lookup results carry it), so one mapping of the pool serves every
 * object; a mapping of a single object's range is there for clients that
 * want no address space for the rest.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "kvtier_internal.h"

static int kvtl_map(struct kvtier *kv, const struct drm_kvtier_pool_info *info,
		    uint64_t offset, uint64_t size, int prot,
		    struct kvtier_map *map)
{
	void *addr;

	if ((uint64_t)(size_t)size != size)
		return -ENOMEM;
	addr = mmap(NULL, (size_t)size, prot, MAP_SHARED, kv->fd,
		    (off_t)(info->mmap_offset + offset));
	if (addr == MAP_FAILED)
		return -errno;
	map->addr = addr;
	map->size = (size_t)size;
	map->base = offset;
	map->pool_id = info->pool_id;
	map->slot_size = info->slot_size;
	return 0;
}

int kvtier_map_pool(struct kvtier *kv, uint32_t pool_id, int prot,
		    struct kvtier_map *map)
{
	struct drm_kvtier_pool_info info;
	uint64_t size;
	int ret;

	memset(map, 0, sizeof(*map));
	ret = kvtier_pool_info(kv, pool_id, &info);
	if (ret)
		return ret;
	if (__builtin_mul_overflow(info.slot_size, info.slot_count, &size) ||
	    size == 0)
		return -EOVERFLOW;
	return kvtl_map(kv, &info, 0, size, prot, map);
}

int kvtier_map_range(struct kvtier *kv, uint32_t pool_id, uint64_t offset,
		     uint64_t size, int prot, struct kvtier_map *map)
{
	struct drm_kvtier_pool_info info;
	uint64_t page, pool_size, end;
	int ret;

	memset(map, 0, sizeof(*map));
	ret = kvtier_pool_info(kv, pool_id, &info);
	if (ret)
		return ret;
	page = kv->params.page_size ? kv->params.page_size : 4096;
	if (size == 0 || offset % page)
		return -EINVAL;
	if (__builtin_mul_overflow(info.slot_size, info.slot_count, &pool_size) ||
	    __builtin_add_overflow(offset, size, &end) || end > pool_size)
		return -EINVAL;
	return kvtl_map(kv, &info, offset, size, prot, map);
}

void *kvtier_map_ptr(const struct kvtier_map *map, uint64_t offset,
		     uint64_t size)
{
	uint64_t rel;

	if (!map->addr || offset < map->base)
		return NULL;
	rel = offset - map->base;
	if (rel > map->size || size > map->size - rel)
		return NULL;
	return (char *)map->addr + rel;
}

int kvtier_unmap(struct kvtier_map *map)
{
	int ret = 0;

	if (map->addr && munmap(map->addr, map->size))
		ret = -errno;
	memset(map, 0, sizeof(*map));
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Pool memory. A pool is exactly slot_size * slot_count bytes of pinned
 * memory: never rounded up, never swapped (the pages are the driver's, on no
 * LRU), on the NUMA node asked for. It comes in 2 MiB chunks, each either
 * one compound page (so a page walk needs no page pointer per 4 KiB) or,
 * when no huge page is free or the pool ends mid-chunk, order-0 pages.
 *
 * The pool holds one reference on each page (each compound page). Mappings
 * and GUP pins (the manager's O_DIRECT I/O into slots) hold their own, so
 * freeing a pool drops only the pool's: a page still pinned by I/O in
 * flight goes back to the allocator when the last pin drops.
 */
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>

#include "core/kvt_core.h"
#include "kvtier_mmap.h"
#include "kvtier_pool.h"

struct page *kvtier_pool_page(const struct kvtier_pool *pool, u64 offset)
{
	const struct kvtier_pool_chunk *chunk;
	unsigned long idx;

	chunk = &pool->chunks[offset >> KVTIER_CHUNK_SHIFT];
	idx = (offset & (KVTIER_CHUNK_SIZE - 1)) >> PAGE_SHIFT;
	if (chunk->huge)
		return nth_page(chunk->huge, idx);
	return chunk->pages[idx];
}

struct kvtier_pool *kvtier_pool_lookup(struct kvtier_device *kdev, u32 id)
{
	if (id == 0 || id > KVTIER_MAX_POOLS)
		return NULL;
	return srcu_dereference(kdev->pools[id], &kdev->pools_srcu);
}

/* Drops the pool's references; pinned pages outlive it (see above). */
static void kvtier_pool_chunk_free(struct kvtier_pool_chunk *chunk,
				   unsigned long npages)
{
	unsigned long i;

	if (chunk->huge) {
		__free_pages(chunk->huge, KVTIER_CHUNK_ORDER);
		chunk->huge = NULL;
		return;
	}
	if (!chunk->pages)
		return;
	for (i = 0; i < npages; i++)
		if (chunk->pages[i])
			__free_page(chunk->pages[i]);
	kfree(chunk->pages);
	chunk->pages = NULL;
}

/* Bytes of chunk @i that belong to the pool (the last chunk may be short). */
static u64 kvtier_pool_chunk_bytes(const struct kvtier_pool *pool,
				   unsigned long i)
{
	u64 start = (u64)i << KVTIER_CHUNK_SHIFT;

	return min_t(u64, KVTIER_CHUNK_SIZE, pool->size - start);
}

static int kvtier_pool_chunk_alloc(struct kvtier_pool *pool,
				   struct kvtier_pool_chunk *chunk, u64 bytes)
{
	unsigned long npages = bytes >> PAGE_SHIFT;
	/*
	 * The pool is made of many small allocations an admin asked for:
	 * fail them rather than invoke the OOM killer on someone else.
	 */
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	unsigned long i;

	if (pool->nid != NUMA_NO_NODE)
		gfp |= __GFP_THISNODE;

	/* A short last chunk never gets a huge page: that would round up. */
	if ((pool->flags & KVTIER_POOL_HUGEPAGE) && bytes == KVTIER_CHUNK_SIZE) {
		chunk->huge = alloc_pages_node(pool->nid,
					       (gfp & ~__GFP_RETRY_MAYFAIL) |
					       __GFP_COMP | __GFP_NORETRY,
					       KVTIER_CHUNK_ORDER);
		if (chunk->huge) {
			pool->huge_bytes += KVTIER_CHUNK_SIZE;
			return 0;
		}
	}

	chunk->pages = kcalloc(npages, sizeof(*chunk->pages), GFP_KERNEL);
	if (!chunk->pages)
		return -ENOMEM;
	for (i = 0; i < npages; i++) {
		chunk->pages[i] = alloc_pages_node(pool->nid, gfp, 0);
		if (!chunk->pages[i])
			goto err_free_pages;
	}
	return 0;

err_free_pages:
	kvtier_pool_chunk_free(chunk, npages);
	return -ENOMEM;
}

static void kvtier_pool_free(struct kvtier_pool *pool)
{
	unsigned long i;

	for (i = 0; i < pool->nr_chunks; i++) {
		kvtier_pool_chunk_free(&pool->chunks[i],
				       kvtier_pool_chunk_bytes(pool, i) >>
				       PAGE_SHIFT);
		cond_resched();
	}
	kvfree(pool->chunks);
	kfree(pool);
}

/* Returns the new pool's memory, or ERR_PTR(-ENOMEM / -EINTR). */
static struct kvtier_pool *
kvtier_pool_alloc(const struct drm_kvtier_pool_create *req, u64 size, int nid)
{
	struct kvtier_pool *pool;
	unsigned long i;
	int ret;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	pool->kind = req->kind;
	pool->flags = req->flags;
	pool->nid = nid;
	pool->slot_size = req->slot_size;
	pool->slot_count = req->slot_count;
	pool->size = size;
	pool->nr_chunks = DIV_ROUND_UP_ULL(size, KVTIER_CHUNK_SIZE);
	init_rwsem(&pool->fault_sem);

	pool->chunks = kvcalloc(pool->nr_chunks, sizeof(*pool->chunks),
				GFP_KERNEL);
	if (!pool->chunks) {
		ret = -ENOMEM;
		goto err_free_pool;
	}

	for (i = 0; i < pool->nr_chunks; i++) {
		/* Gigabytes take a while: let a killed admin tool go. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_free_chunks;
		}
		ret = kvtier_pool_chunk_alloc(pool, &pool->chunks[i],
					      kvtier_pool_chunk_bytes(pool, i));
		if (ret)
			goto err_free_chunks;
		cond_resched();
	}
	return pool;

err_free_chunks:
	kvtier_pool_free(pool);
	return ERR_PTR(ret);

err_free_pool:
	kfree(pool);
	return ERR_PTR(ret);
}

void kvtier_pool_slots_scrub(struct kvtier_device *kdev, u32 id, u64 first,
			     u64 count)
{
	struct kvtier_pool *pool;
	u64 off, end;
	int idx;

	idx = srcu_read_lock(&kdev->pools_srcu);
	pool = kvtier_pool_lookup(kdev, id);
	if (!pool)
		goto out_unlock;
	if (WARN_ON(first > pool->slot_count ||
		    count > pool->slot_count - first))
		goto out_unlock;

	off = first * pool->slot_size;
	end = off + count * pool->slot_size;
	for (; off < end; off += PAGE_SIZE) {
		clear_highpage(kvtier_pool_page(pool, off));
		if (!(off & (KVTIER_CHUNK_SIZE - 1)))
			cond_resched();
	}

out_unlock:
	srcu_read_unlock(&kdev->pools_srcu, idx);
}

void kvtier_pool_fini(struct kvtier_device *kdev)
{
	struct kvtier_pool *pool;
	u32 id;

	for (id = 1; id <= KVTIER_MAX_POOLS; id++) {
		pool = rcu_dereference_protected(kdev->pools[id], true);
		if (!pool)
			continue;
		RCU_INIT_POINTER(kdev->pools[id], NULL);
		kvtier_pool_free(pool);
	}
}

int kvtier_pool_create_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct kvtier_device *kdev = kvtier_device_from_drm(drm);
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_pool_create *args = data;
	struct kvtier_pool *pool;
	int nid = NUMA_NO_NODE;
	u32 id;
	u64 size;
	int ret;

	if (args->flags & ~KVTIER_POOL_CREATE_FLAGS)
		return -EINVAL;
	if (args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (!kvt_client_is_admin(client))
		return -EPERM;
	ret = kvt_pool_validate(client, args, PAGE_SIZE);
	if (ret)
		return ret;
	/* The pool must fit its mmap window (pool ids are 1 << shift apart). */
	if (check_mul_overflow(args->slot_size, args->slot_count, &size) ||
	    size > (1ULL << KVTIER_POOL_MMAP_SHIFT))
		return -EINVAL;
	if (args->flags & KVTIER_POOL_NUMA) {
		if (args->numa_node < 0 || args->numa_node >= MAX_NUMNODES ||
		    !node_online(args->numa_node))
			return -EINVAL;
		nid = args->numa_node;
	}

	pool = kvtier_pool_alloc(args, size, nid);
	if (IS_ERR(pool))
		return PTR_ERR(pool);

	mutex_lock(&kdev->pools_lock);
	ret = kvt_pool_add(client, args, &id);
	if (ret)
		goto err_unlock;
	if (WARN_ON(id == 0 || id > KVTIER_MAX_POOLS ||
		    rcu_access_pointer(kdev->pools[id]))) {
		ret = -EINVAL;
		goto err_remove_pool;
	}
	pool->id = id;
	rcu_assign_pointer(kdev->pools[id], pool);
	mutex_unlock(&kdev->pools_lock);

	args->pool_id = id;
	args->mmap_offset = kvtier_pool_mmap_offset(id);
	args->huge_bytes = pool->huge_bytes;
	return 0;

err_remove_pool:
	kvt_pool_remove(client, id);
err_unlock:
	mutex_unlock(&kdev->pools_lock);
	kvtier_pool_free(pool);
	return ret;
}

int kvtier_pool_destroy_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct kvtier_device *kdev = kvtier_device_from_drm(drm);
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_pool_destroy *args = data;
	struct kvtier_pool *pool;
	int ret;

	if (args->flags)
		return -EINVAL;
	if (!kvt_client_is_admin(client))
		return -EPERM;
	if (args->pool_id == 0 || args->pool_id > KVTIER_MAX_POOLS)
		return -ENOENT;

	mutex_lock(&kdev->pools_lock);
	ret = kvt_pool_remove(client, args->pool_id);
	if (ret)
		goto out_unlock;
	pool = rcu_dereference_protected(kdev->pools[args->pool_id],
					 lockdep_is_held(&kdev->pools_lock));
	RCU_INIT_POINTER(kdev->pools[args->pool_id], NULL);
	if (WARN_ON(!pool))
		goto out_unlock;
	/*
	 * Wait out faults and scrubs that still see the pool, then take every
	 * PTE of it away (with the page references they hold) before the pool
	 * drops its own. Holding pools_lock keeps a new pool from taking the
	 * id meanwhile.
	 */
	synchronize_srcu(&kdev->pools_srcu);
	kvtier_mmap_range_unmap(kdev, kvtier_pool_mmap_offset(pool->id),
				pool->size);
	mutex_unlock(&kdev->pools_lock);

	kvtier_pool_free(pool);
	return 0;

out_unlock:
	mutex_unlock(&kdev->pools_lock);
	return ret;
}

int kvtier_pool_info_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct kvtier_device *kdev = kvtier_device_from_drm(drm);
	struct drm_kvtier_pool_info *args = data;
	struct kvtier_pool *pool;
	int ret, idx;

	if (args->pad)
		return -EINVAL;
	if (args->pool_id == 0 || args->pool_id > KVTIER_MAX_POOLS)
		return -ENOENT;

	ret = kvt_pool_info(kdev->core, args->pool_id, args);
	if (ret)
		return ret;

	idx = srcu_read_lock(&kdev->pools_srcu);
	pool = kvtier_pool_lookup(kdev, args->pool_id);
	if (pool) {
		args->mmap_offset = kvtier_pool_mmap_offset(pool->id);
		args->huge_bytes = pool->huge_bytes;
		args->numa_node = pool->nid == NUMA_NO_NODE ? -1 : pool->nid;
	} else {
		ret = -ENOENT;
	}
	srcu_read_unlock(&kdev->pools_srcu, idx);

	args->pad2 = 0;
	memset(args->reserved, 0, sizeof(args->reserved));
	return ret;
}

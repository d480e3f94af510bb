/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pool memory: the pinned host pool behind each pool id, a shmem file of
 * its own, held page by page in 2 MiB chunks (one PMD-sized folio, or
 * order-0 pages when no huge page is free).
 */
#ifndef KVTIER_POOL_H
#define KVTIER_POOL_H

#include <linux/mm_types.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include "kvtier_drv.h"

struct file;
struct vfsmount;

/* A chunk is what one PMD maps: 2 MiB. */
#define KVTIER_CHUNK_SHIFT 21
#define KVTIER_CHUNK_SIZE (1ULL << KVTIER_CHUNK_SHIFT)
#define KVTIER_CHUNK_ORDER (KVTIER_CHUNK_SHIFT - PAGE_SHIFT)
#define KVTIER_CHUNK_PAGES (1UL << KVTIER_CHUNK_ORDER)

/**
 * struct kvtier_pool_chunk - the memory behind 2 MiB of a pool.
 * @huge: the head of the PMD-sized folio covering the whole chunk, with a
 *        reference the pool holds, or NULL.
 * @pages: when @huge is NULL, the page at each 4 KiB of the chunk, each
 *         with a reference the pool holds.
 */
struct kvtier_pool_chunk {
	struct page *huge;
	struct page **pages;
};

/**
 * struct kvtier_pool - the memory of one pool.
 * @id: the pool id the core gave it.
 * @serial: the core's serial of this pool (struct drm_kvtier_pool_info):
 *          client mappings remember it, so that a pool created later under
 *          the same id is never shown through them.
 * @kind: KVTIER_KIND_* it was created with.
 * @flags: KVTIER_POOL_* it was created with.
 * @nid: the NUMA node asked for, or NUMA_NO_NODE.
 * @slot_size: bytes per slot.
 * @slot_count: slots.
 * @size: @slot_size * @slot_count, what was allocated.
 * @huge_bytes: bytes that came as PMD-sized (2 MiB) folios.
 * @nr_chunks: entries in @chunks; the last may be partial.
 * @chunks: offset >> KVTIER_CHUNK_SHIFT indexes this.
 * @mnt: the pool's private tmpfs mount.
 * @filp: the shmem file of exactly @size bytes the pages belong to; the
 *        manager's mappings map it directly (kvtier_mmap.c).
 * @fault_sem: faults hold it for reading across the access check and the
 *             PTE insert; a revocation takes it for writing before it
 *             unmaps, so no fault that passed the check before the core
 *             revoked access can insert a PTE after the unmap.
 */
struct kvtier_pool {
	u32 id;
	u64 serial;
	u32 kind;
	u32 flags;
	int nid;
	u64 slot_size;
	u64 slot_count;
	u64 size;
	u64 huge_bytes;
	unsigned long nr_chunks;
	struct kvtier_pool_chunk *chunks;
	struct vfsmount *mnt;
	struct file *filp;
	struct rw_semaphore fault_sem;
};

/* Byte offset of pool @id in the device file: what mmap() takes. */
static inline u64 kvtier_pool_mmap_offset(u32 id)
{
	return (u64)id << KVTIER_POOL_MMAP_SHIFT;
}

/* The page behind byte @offset of @pool; @offset < @pool->size. */
struct page *kvtier_pool_page(const struct kvtier_pool *pool, u64 offset);

/*
 * The pool published under @id, or NULL. The caller holds
 * kdev->pools_srcu for reading for as long as it uses the pool.
 */
struct kvtier_pool *kvtier_pool_lookup(struct kvtier_device *kdev, u32 id);

/* Zero slots [first, first + count) of pool @id, if it still exists. */
void kvtier_pool_slots_scrub(struct kvtier_device *kdev, u32 id, u64 first,
			     u64 count);

/* Free every pool's memory at module exit, when no file is open. */
void kvtier_pool_fini(struct kvtier_device *kdev);

int kvtier_pool_create_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file);
int kvtier_pool_destroy_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file);
int kvtier_pool_info_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file);

#endif /* KVTIER_POOL_H */

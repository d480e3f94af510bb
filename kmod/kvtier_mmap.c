// SPDX-License-Identifier: GPL-2.0
/*
 * mmap of pools. There are two kinds of mapping.
 *
 * Clients: drm_open() points every file of the device at the address_space
 * of the DRM anon inode, so one unmap_mapping_range() there reaches the
 * mappings of every client. Nothing is mapped at mmap() time: each fault
 * asks the core whether the faulting client may access the slot, which is
 * what makes references the unit of access. The mappings are page-backed
 * (VM_MIXEDMAP, vm_insert_page()), not raw PFNs, so that get_user_pages()
 * works on them. Each PTE holds a page reference and an rmap count, dropped
 * by the zap of a revocation, of munmap() or of exit. The pages are the
 * pool's shmem pages (kvtier_pool.c): vm_insert_page() takes a page cache
 * page as it is, and the fault holds the page lock across it, as
 * page_add_file_rmap() expects for a subpage of a huge folio. The rmap
 * walks of the shmem file do not see these PTEs (they are in the anon
 * inode's tree); what would need them is harmless here: the pages are
 * unevictable, and the pool's own reference makes migration and THP
 * splitting fail, so no one but a revocation, munmap() or exit takes them
 * away.
 *
 * The manager: its mapping is the pool's shmem file itself (vma_set_file(),
 * then shmem's own mmap, as drm_gem_prime_mmap() does for shmem objects),
 * so that io_uring can register it as fixed buffers, which it refuses for
 * any file-backed VMA that is not shmem or hugetlbfs. The manager may
 * access every slot, so it needs no fault-time check; in exchange nothing
 * revokes it: the mapping stays valid when the manager detaches, for as
 * long as the pool exists (the manager is an admin, who could destroy and
 * create pools anyway). The VMA holds a reference on the shmem file (and
 * through it on its tmpfs mount), not on the DRM file and not on this
 * module: none of its code or data is reachable from it, so the module may
 * go while it exists. When the pool is destroyed its file is truncated to
 * 0 (kvtier_pool.c): the manager's mapping then faults with SIGBUS, as a
 * client's does, and the memory is freed but for pages still pinned.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>

#include "core/kvt_core.h"
#include "kvtier_mmap.h"
#include "kvtier_pool.h"
#include "kvtier_stream.h"

/* Offsets within one pool's window of the device file. */
#define KVTIER_MMAP_POOL_MASK ((1ULL << KVTIER_POOL_MMAP_SHIFT) - 1)
#define KVTIER_MMAP_PGOFF_SHIFT (KVTIER_POOL_MMAP_SHIFT - PAGE_SHIFT)

/* The client whose device file a faulting VMA maps. */
static struct kvtier_file *kvtier_mmap_file(struct vm_fault *vmf)
{
	struct drm_file *file = vmf->vma->vm_file->private_data;

	return file->driver_priv;
}

/*
 * The pool a faulting client mapping was made for, and the offset of the
 * fault in it; NULL when the offset is past it or the pool is gone: its
 * id may name a pool created since, which the mapping must never show.
 * pools_srcu held.
 */
static struct kvtier_pool *kvtier_mmap_fault_pool(struct kvtier_device *kdev,
						  struct vm_fault *vmf,
						  u64 *off)
{
	struct kvtier_pool *pool;

	pool = kvtier_pool_lookup(kdev, vmf->pgoff >> KVTIER_MMAP_PGOFF_SHIFT);
	*off = ((u64)vmf->pgoff << PAGE_SHIFT) & KVTIER_MMAP_POOL_MASK;
	if (!pool || pool->serial != (unsigned long)vmf->vma->vm_private_data ||
	    *off >= pool->size)
		return NULL;
	return pool;
}

static vm_fault_t kvtier_mmap_fault(struct vm_fault *vmf)
{
	struct kvtier_file *kf = kvtier_mmap_file(vmf);
	struct kvtier_device *kdev = kf->kdev;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	struct kvtier_pool *pool;
	struct page *page;
	int idx, err;
	u64 off;

	idx = srcu_read_lock(&kdev->pools_srcu);
	pool = kvtier_mmap_fault_pool(kdev, vmf, &off);
	if (!pool)
		goto out_unlock;

	down_read(&pool->fault_sem);
	if (kvt_slot_access(kf->client, pool->id,
			    div64_u64(off, pool->slot_size)))
		goto out_up;
	page = kvtier_pool_page(pool, off);
	lock_page(page);
	err = vm_insert_page(vmf->vma, vmf->address, page);
	unlock_page(page);
	/* -EBUSY: a racing fault of the same address mapped it already. */
	if (!err || err == -EBUSY)
		ret = VM_FAULT_NOPAGE;
	else if (err == -ENOMEM)
		ret = VM_FAULT_OOM;
out_up:
	up_read(&pool->fault_sem);
out_unlock:
	srcu_read_unlock(&kdev->pools_srcu, idx);
	return ret;
}

/*
 * Every PTE the fault inserts is read-only: a .page_mkwrite makes the VMA
 * write-notify, so its vm_page_prot has no write bit. The first write to a
 * page comes here, and only the writer of a WRITING object gets it: a
 * committed object is immutable in every client mapping. The commit then
 * zaps the writer's PTEs (kvtier_mmap_slots_revoke()), so that they fault
 * back read-only; a write that passed the check here just before the
 * commit finds its PTE gone and retries, to be refused.
 */
static vm_fault_t kvtier_mmap_page_mkwrite(struct vm_fault *vmf)
{
	struct kvtier_file *kf = kvtier_mmap_file(vmf);
	struct kvtier_device *kdev = kf->kdev;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	struct kvtier_pool *pool;
	int idx;
	u64 off;

	idx = srcu_read_lock(&kdev->pools_srcu);
	pool = kvtier_mmap_fault_pool(kdev, vmf, &off);
	if (pool && !kvt_slot_write_access(kf->client, pool->id,
					   div64_u64(off, pool->slot_size))) {
		/* As filemap_page_mkwrite(): the page stays locked. */
		lock_page(vmf->page);
		ret = VM_FAULT_LOCKED;
	}
	srcu_read_unlock(&kdev->pools_srcu, idx);
	return ret;
}

static const struct vm_operations_struct kvtier_mmap_vm_ops = {
	.fault = kvtier_mmap_fault,
	.page_mkwrite = kvtier_mmap_page_mkwrite,
};

/*
 * The manager's mapping of @pool's file. shmem refuses a writable shared
 * mapping of a file sealed against writes (kvtier_pool.c seals it, so that
 * no one punches holes in a pool or writes to it through a descriptor), so
 * shmem's mmap is shown the mapping without VM_WRITE and the bit is put
 * back after: the one writable mapping of a pool is the manager's, made
 * here. mmap_region() computes the PTE protection from vm_flags after this
 * returns.
 */
static int kvtier_mmap_manager(struct vm_area_struct *vma, struct file *shmem,
			       u64 off)
{
	unsigned long write = vma->vm_flags & VM_WRITE;
	int ret;

	vma_set_file(vma, shmem);
	vma->vm_pgoff = off >> PAGE_SHIFT;
	vma->vm_flags &= ~VM_WRITE;
	ret = call_mmap(vma->vm_file, vma);
	vma->vm_flags |= write;
	return ret;
}

int kvtier_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct drm_file *file = filp->private_data;
	struct kvtier_file *kf = file->driver_priv;
	struct kvtier_device *kdev = kvtier_device_from_drm(file->minor->dev);
	u32 id = vma->vm_pgoff >> KVTIER_MMAP_PGOFF_SHIFT;
	u64 off = ((u64)vma->vm_pgoff << PAGE_SHIFT) & KVTIER_MMAP_POOL_MASK;
	u64 len = vma->vm_end - vma->vm_start;
	struct file *shmem = NULL;
	struct kvtier_pool *pool;
	u64 serial = 0;
	int ret = 0;
	int idx;

	/* A private mapping would let COW copies outlive revocation. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* The window below pool 1's is the access stream's. */
	if (!(vma->vm_pgoff >> KVTIER_MMAP_PGOFF_SHIFT))
		return kvtier_stream_mmap(kf, vma);
	if (vma->vm_pgoff >> KVTIER_MMAP_PGOFF_SHIFT > KVTIER_MAX_POOLS)
		return -EINVAL;

	idx = srcu_read_lock(&kdev->pools_srcu);
	pool = kvtier_pool_lookup(kdev, id);
	if (!pool || off >= pool->size || len > pool->size - off)
		ret = -EINVAL;
	else if (kvt_client_is_manager(kf->client))
		shmem = get_file(pool->filp);
	else
		serial = pool->serial;
	srcu_read_unlock(&kdev->pools_srcu, idx);
	if (ret)
		return ret;

	/* No core dump of pool memory, no growing by mremap. */
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;

	if (shmem) {
		/*
		 * The pool's file in place of the DRM file, at the offset in
		 * the pool. A pool destroyed meanwhile leaves an empty file:
		 * its mapping faults with SIGBUS.
		 */
		ret = kvtier_mmap_manager(vma, shmem, off);
		fput(shmem);
		return ret;
	}

	/*
	 * Real pages, so that GUP works, inserted by the fault handler
	 * (VM_MIXEDMAP lets it do that under the mmap read lock). VM_MIXEDMAP
	 * also keeps mlock() from touching the pages.
	 */
	vma->vm_flags |= VM_MIXEDMAP;
	vma->vm_ops = &kvtier_mmap_vm_ops;
	/* The pool instance it maps: a pool that takes the id later is not. */
	vma->vm_private_data = (void *)(unsigned long)serial;
	return 0;
}

void kvtier_mmap_range_unmap(struct kvtier_device *kdev, u64 offset, u64 len)
{
	unmap_mapping_range(kdev->drm.anon_inode->i_mapping, offset, len, 1);
}

void kvtier_mmap_slots_revoke(struct kvtier_device *kdev, u32 id, u64 first,
			      u64 count)
{
	struct kvtier_pool *pool;
	int idx;

	idx = srcu_read_lock(&kdev->pools_srcu);
	pool = kvtier_pool_lookup(kdev, id);
	/* A pool that is going away is unmapped whole by its destroy. */
	if (!pool)
		goto out_unlock;
	if (WARN_ON(first > pool->slot_count ||
		    count > pool->slot_count - first))
		goto out_unlock;

	/*
	 * The core has already revoked access, so new faults are refused;
	 * a fault that passed the check before holds fault_sem until its PTE
	 * is in, and the unmap below then takes that PTE away too.
	 */
	down_write(&pool->fault_sem);
	up_write(&pool->fault_sem);
	kvtier_mmap_range_unmap(kdev, kvtier_pool_mmap_offset(id) +
				first * pool->slot_size,
				count * pool->slot_size);

out_unlock:
	srcu_read_unlock(&kdev->pools_srcu, idx);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mmap of pools. drm_open() points every file of the device at the
 * address_space of the DRM anon inode, so one unmap_mapping_range() there
 * reaches the mappings of every client. Nothing is mapped at mmap() time:
 * each fault asks the core whether the faulting client may access the slot,
 * which is what makes references the unit of access.
 *
 * The mappings are page-backed (VM_MIXEDMAP, vm_insert_page()), not raw
 * PFNs: the manager does O_DIRECT and io_uring I/O straight into pool slots
 * through its mapping, and get_user_pages() refuses VM_PFNMAP and VM_IO.
 * Each PTE holds a page reference and an rmap count, dropped by the zap of
 * a revocation, of munmap() or of exit. In Linux 6.1, vm_insert_page(),
 * page_add_file_rmap() and page_remove_rmap() take the subpages of a
 * __GFP_COMP chunk as they are (the reference goes to the head page, the
 * map count to the subpage; no THP or mlock accounting applies to a page
 * with no mapping in a VM_SPECIAL vma), and a GUP pin is a reference on the
 * head, so a pinned chunk outlives its pool (kvtier_pool.c).
 */
#include <linux/mm.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>

#include "core/kvt_core.h"
#include "kvtier_mmap.h"
#include "kvtier_pool.h"

/* Offsets within one pool's window of the device file. */
#define KVTIER_MMAP_POOL_MASK ((1ULL << KVTIER_POOL_MMAP_SHIFT) - 1)
#define KVTIER_MMAP_PGOFF_SHIFT (KVTIER_POOL_MMAP_SHIFT - PAGE_SHIFT)

static vm_fault_t kvtier_mmap_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_file *file = vma->vm_file->private_data;
	struct kvtier_file *kf = file->driver_priv;
	struct kvtier_device *kdev = kf->kdev;
	u32 id = vmf->pgoff >> KVTIER_MMAP_PGOFF_SHIFT;
	u64 off = ((u64)vmf->pgoff << PAGE_SHIFT) & KVTIER_MMAP_POOL_MASK;
	struct kvtier_pool *pool;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	int idx, err;

	idx = srcu_read_lock(&kdev->pools_srcu);
	pool = kvtier_pool_lookup(kdev, id);
	if (!pool || off >= pool->size)
		goto out_unlock;

	down_read(&pool->fault_sem);
	if (kvt_slot_access(kf->client, id, div64_u64(off, pool->slot_size)))
		goto out_up;
	err = vm_insert_page(vma, vmf->address, kvtier_pool_page(pool, off));
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

static const struct vm_operations_struct kvtier_mmap_vm_ops = {
	.fault = kvtier_mmap_fault,
};

int kvtier_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct drm_file *file = filp->private_data;
	struct kvtier_device *kdev = kvtier_device_from_drm(file->minor->dev);
	u32 id = vma->vm_pgoff >> KVTIER_MMAP_PGOFF_SHIFT;
	u64 off = ((u64)vma->vm_pgoff << PAGE_SHIFT) & KVTIER_MMAP_POOL_MASK;
	u64 len = vma->vm_end - vma->vm_start;
	struct kvtier_pool *pool;
	int ret = 0;
	int idx;

	/* A private mapping would let COW copies outlive revocation. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >> KVTIER_MMAP_PGOFF_SHIFT > KVTIER_MAX_POOLS)
		return -EINVAL;

	idx = srcu_read_lock(&kdev->pools_srcu);
	pool = kvtier_pool_lookup(kdev, id);
	if (!pool || off >= pool->size || len > pool->size - off)
		ret = -EINVAL;
	srcu_read_unlock(&kdev->pools_srcu, idx);
	if (ret)
		return ret;

	/*
	 * Real pages, so that GUP works, inserted by the fault handler
	 * (VM_MIXEDMAP lets it do that under the mmap read lock). No core
	 * dump of pool memory, no growing by mremap; VM_MIXEDMAP also keeps
	 * mlock() from touching the pages.
	 */
	vma->vm_flags |= VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &kvtier_mmap_vm_ops;
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

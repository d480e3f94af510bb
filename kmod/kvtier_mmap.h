/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmap of pools: pool @id lives at file offset id << KVTIER_POOL_MMAP_SHIFT.
 * For clients, pages are inserted at fault time, after the core says the
 * faulting client may access the slot, and taken away again when the core
 * revokes access. The manager maps the pool's shmem file itself.
 */
#ifndef KVTIER_MMAP_H
#define KVTIER_MMAP_H

#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/types.h>

#include "kvtier_drv.h"

/*
 * file_operations.mmap. Returns 0, -EINVAL (private, outside a pool), or
 * for the manager what shmem's mmap returns.
 */
int kvtier_mmap(struct file *filp, struct vm_area_struct *vma);

/*
 * Unmap slots [first, first + count) of pool @id from every mapping of the
 * device, after waiting out faults that passed the access check before the
 * core revoked access. Every client re-faults and is checked again.
 */
void kvtier_mmap_slots_revoke(struct kvtier_device *kdev, u32 id, u64 first,
			      u64 count);

/*
 * Unmap bytes [offset, offset + len) of the device file from every client
 * mapping (the manager's map the pool's shmem file instead).
 */
void kvtier_mmap_range_unmap(struct kvtier_device *kdev, u64 offset, u64 len);

#endif /* KVTIER_MMAP_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Shared checks of batched ioctls (Documentation/process/botching-up-ioctls.rst):
 * the count is bounded before anything is allocated, and count * size is
 * computed with an overflow check even though the bound makes it small, so
 * that raising KVTIER_MAX_BATCH can never open a hole.
 *
 * A request whose arrays the caller cannot write fails with -EFAULT before
 * anything is done, not after: each array that gets results is proven
 * writable first (an out-only array by zeroing it, an in/out array by
 * writing back what was read from it). Only a concurrent munmap() or
 * mprotect() between that proof and the copy-out can still fail late;
 * each ioctl says what it undoes then.
 */
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kvtier_drm.h"
#include "kvtier_ioctl.h"

int kvtier_ioctl_array_bytes(u32 count, size_t size, size_t *bytes)
{
	if (count == 0 || count > KVTIER_MAX_BATCH)
		return -EINVAL;
	if (check_mul_overflow((size_t)count, size, bytes))
		return -EINVAL;
	return 0;
}

int kvtier_ioctl_write_back(u64 uptr, const void *buf, size_t bytes)
{
	if (copy_to_user(u64_to_user_ptr(uptr), buf, bytes))
		return -EFAULT;
	return 0;
}

void *kvtier_ioctl_copy_in(u64 uptr, u32 count, size_t size)
{
	size_t bytes;
	void *items;
	int ret;

	ret = kvtier_ioctl_array_bytes(count, size, &bytes);
	if (ret)
		return ERR_PTR(ret);
	items = vmemdup_user(u64_to_user_ptr(uptr), bytes);
	if (IS_ERR(items))
		return items;
	ret = kvtier_ioctl_write_back(uptr, items, bytes);
	if (ret) {
		kvfree(items);
		return ERR_PTR(ret);
	}
	return items;
}

int kvtier_ioctl_clear_out(u64 uptr, u32 count, size_t size)
{
	size_t bytes;
	int ret;

	ret = kvtier_ioctl_array_bytes(count, size, &bytes);
	if (ret)
		return ret;
	if (clear_user(u64_to_user_ptr(uptr), bytes))
		return -EFAULT;
	return 0;
}

void *kvtier_ioctl_alloc(u32 count, size_t size)
{
	size_t bytes;
	void *p;
	int ret;

	ret = kvtier_ioctl_array_bytes(count, size, &bytes);
	if (ret)
		return ERR_PTR(ret);
	p = kvzalloc(bytes, GFP_KERNEL);
	return p ? p : ERR_PTR(-ENOMEM);
}

int kvtier_ioctl_copy_out(u64 uptr, const void *items, u32 count, size_t size)
{
	size_t bytes;

	if (check_mul_overflow((size_t)count, size, &bytes))
		return -EFAULT;
	if (copy_to_user(u64_to_user_ptr(uptr), items, bytes))
		return -EFAULT;
	return 0;
}

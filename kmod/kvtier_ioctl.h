/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every batched ioctl does before the core sees its items: bound the
 * count, check count * size, copy the array in, prove that the results can
 * be written back, and copy them back.
 */
#ifndef KVTIER_IOCTL_H
#define KVTIER_IOCTL_H

#include <linux/types.h>

/*
 * Sets *@bytes to @count * @size. Returns 0, or -EINVAL when @count is not
 * 1..KVTIER_MAX_BATCH or the product overflows.
 */
int kvtier_ioctl_array_bytes(u32 count, size_t size, size_t *bytes);

/*
 * Copies an in/out array in: returns a kvmalloc()ed copy of @count items of
 * @size bytes at user address @uptr (free it with kvfree()), after writing
 * the bytes back to prove the caller can receive results there. Returns
 * ERR_PTR(-EINVAL) when @count is not 1..KVTIER_MAX_BATCH, -ENOMEM, or
 * -EFAULT when the array cannot be read or written.
 */
void *kvtier_ioctl_copy_in(u64 uptr, u32 count, size_t size);

/*
 * Zeroes an out-only array of @count items of @size bytes at @uptr, which
 * proves it writable before the ioctl does anything. Returns 0, -EINVAL
 * (@count as for kvtier_ioctl_copy_in()) or -EFAULT.
 */
int kvtier_ioctl_clear_out(u64 uptr, u32 count, size_t size);

/* Writes @bytes of @buf, just read from @uptr, back there: 0 or -EFAULT. */
int kvtier_ioctl_write_back(u64 uptr, const void *buf, size_t bytes);

/*
 * Returns a zeroed kvmalloc()ed array for @count items of @size bytes, or
 * ERR_PTR(-EINVAL) when @count is not 1..KVTIER_MAX_BATCH, or -ENOMEM.
 */
void *kvtier_ioctl_alloc(u32 count, size_t size);

/* Copy @count items of @size bytes to user address @uptr: 0 or -EFAULT. */
int kvtier_ioctl_copy_out(u64 uptr, const void *items, u32 count, size_t size);

#endif /* KVTIER_IOCTL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The access stream's memory and the manager's mapping of it. The core
 * (kmod/core/kvt_stream.c) writes the records; this part allocates the
 * rings at STREAM_OPEN, maps them at KVTIER_STREAM_MMAP_OFFSET, and frees
 * them once neither the core nor any mapping uses them.
 */
#ifndef KVTIER_STREAM_H
#define KVTIER_STREAM_H

#include <linux/mm_types.h>
#include <linux/types.h>

#include "kvtier_drv.h"

/*
 * Where the stream is mapped: the window below pool 1's (pool ids start
 * at 1, at 1 << KVTIER_POOL_MMAP_SHIFT), which no pool ever uses.
 */
#define KVTIER_STREAM_MMAP_OFFSET 0ULL

/*
 * DRM_IOCTL_KVTIER_STREAM_OPEN. Returns 0, -EINVAL, -EPERM, -EBUSY (see
 * kvt_stream_validate() and kvt_stream_open()) or -ENOMEM.
 */
int kvtier_stream_open_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file);

/*
 * file_operations.mmap for offsets in the stream's window. Returns 0,
 * -EACCES (@kf is not the manager), -EINVAL (no stream is open, or the
 * range is not inside it).
 */
int kvtier_stream_mmap(struct kvtier_file *kf, struct vm_area_struct *vma);

/* The core's env->stream_get, stream_close and stream_put. */
void kvtier_stream_get(void *priv);
void kvtier_stream_close(void *priv);
void kvtier_stream_put(void *priv);

#endif /* KVTIER_STREAM_H */

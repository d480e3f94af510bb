/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fetches, device regions and the manager's side of the work queue:
 * attach, receive work, report it done, update residency.
 */
#ifndef KVTIER_WORK_H
#define KVTIER_WORK_H

#include "kvtier_drv.h"

/* env->work_queued: wake a manager sleeping in WORK_RECV. */
void kvtier_work_wake(struct kvtier_device *kdev);

/*
 * 0 with per-item results once the request is valid; -EINVAL, -EFAULT,
 * -EAGAIN (the fd's completion events are unread and fill its event space).
 */
int kvtier_work_fetch_ioctl(struct drm_device *drm, void *data,
			    struct drm_file *file);
/*
 * 0 and the region's id; -EINVAL (flags, size 0, kind, a MEMFD that is not
 * a shmem file open read-write, sealed with F_SEAL_SHRINK and not against
 * writes, of at least @size bytes), -EBADF (fd, unless kind NONE),
 * -ENOSPC (every region id taken). The region keeps a reference on the
 * file until it is unregistered or the registering fd closes.
 */
int kvtier_work_region_register_ioctl(struct drm_device *drm, void *data,
				      struct drm_file *file);
int kvtier_work_region_unregister_ioctl(struct drm_device *drm, void *data,
					struct drm_file *file);
/*
 * Manager only (-EPERM). 0 with the region's size, cookie, tenant, kind and
 * a new close-on-exec fd of its file; -EINVAL (flags), -ENOENT (no such
 * region), -ENODEV (a KIND_NONE region), -EMFILE. As with any DRM ioctl
 * that makes an fd, a caller whose argument cannot be written back gets
 * -EFAULT with the fd installed all the same (its process owns it).
 */
int kvtier_work_region_get_fd_ioctl(struct drm_device *drm, void *data,
				    struct drm_file *file);
/* 0, -EINVAL, -EPERM (not admin), -EBUSY (another manager). */
int kvtier_work_attach_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file);
/*
 * Manager only (-EPERM). 0 with at least one item; -ETIME when no work came
 * by the deadline (at once for deadline_ns 0); -EINVAL, -EFAULT (the items
 * array cannot be written: no work was taken); -ERESTARTSYS on a signal
 * (the absolute deadline makes a restart exact).
 */
int kvtier_work_recv_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file);
/* Manager only (-EPERM). 0 with per-item results; -EINVAL, -EFAULT. */
int kvtier_work_complete_ioctl(struct drm_device *drm, void *data,
			       struct drm_file *file);
/* Manager only (-EPERM). 0 with per-item results; -EINVAL, -EFAULT. */
int kvtier_work_residency_ioctl(struct drm_device *drm, void *data,
				struct drm_file *file);

#endif /* KVTIER_WORK_H */

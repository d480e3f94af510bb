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
/**
 * struct kvtier_work_get_fd - a REGION_GET_FD call's descriptor, reserved
 * by the handler and installed by kvtier_work_region_get_fd_call() once the
 * caller has its number.
 * @fd: the reserved descriptor.
 * @file: the region's file, referenced; NULL when the handler failed.
 */
struct kvtier_work_get_fd {
	int fd;
	struct file *file;
};

/*
 * Manager only (-EPERM). 0 with the region's size, cookie, tenant, kind,
 * generation and a new close-on-exec fd of its file; -EINVAL (flags, pad),
 * -ENOENT (no such region), -ESTALE (another generation), -ENODEV (a
 * KIND_NONE region), -EMFILE. Runs only inside
 * kvtier_work_region_get_fd_call(), which installs the fd; -EINVAL (and a
 * warning) anywhere else.
 */
int kvtier_work_region_get_fd_ioctl(struct drm_device *drm, void *data,
				    struct drm_file *file);

/*
 * The file operations' way into REGION_GET_FD: calls @ioctl (drm_ioctl or
 * drm_compat_ioctl) with @cmd and @arg, and installs the descriptor the
 * handler reserved only when @ioctl succeeded, that is once the argument,
 * fd number included, has been copied back to the caller. On any failure,
 * -EFAULT from that copy included, the descriptor is released unused, so
 * a failed call never leaves one behind. Returns what @ioctl returned, or
 * -EINTR when a fatal signal came while another REGION_GET_FD of the file
 * was in flight.
 */
long kvtier_work_region_get_fd_call(struct file *filp, unsigned int cmd,
				    unsigned long arg,
				    long (*ioctl)(struct file *filp,
						  unsigned int cmd,
						  unsigned long arg));
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

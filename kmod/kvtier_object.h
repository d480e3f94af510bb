/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Object ioctls: alloc, batch (commit, pin, unpin, release, free), lookup,
 * and the manager's scan.
 */
#ifndef KVTIER_OBJECT_H
#define KVTIER_OBJECT_H

struct drm_device;
struct drm_file;

/*
 * All or nothing: 0, -EINVAL, -EPERM, -EFAULT, -ENOMEM or the core's error.
 * failed_index: count on success, the failing item's index, or
 * KVTIER_NO_INDEX when the request is refused as a whole.
 */
int kvtier_object_alloc_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file);
/*
 * 0 with per-item results once the request is valid; -EINVAL, -EFAULT (an
 * item cannot be read or its result written: no item was processed).
 */
int kvtier_object_batch_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file);
/*
 * 0 with per-key results once the request is valid; -EINVAL, -EFAULT (a key
 * cannot be read or a result written: nothing was looked up).
 */
int kvtier_object_lookup_ioctl(struct drm_device *drm, void *data,
			       struct drm_file *file);
/*
 * OBJ_SCAN, manager only (-EPERM): records of the objects from the cursor
 * on, in table order (kvt_obj_scan()); count 0 with the cursor unchanged
 * when the walk is done. -EINVAL (flags, count not 1..KVTIER_MAX_BATCH),
 * -EFAULT (the records cannot be written).
 */
int kvtier_object_scan_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file);

#endif /* KVTIER_OBJECT_H */

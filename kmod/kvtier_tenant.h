/* SPDX-License-Identifier: GPL-2.0 */
/* Tenant ioctls: quotas, a tenant's usage, every tenant's usage. */
#ifndef KVTIER_TENANT_H
#define KVTIER_TENANT_H

struct drm_device;
struct drm_file;

/* Admin only: 0, -EINVAL, -EPERM or the core's error. */
int kvtier_tenant_quota_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file);
/* 0, -EINVAL or the core's error (-EPERM for another tenant). */
int kvtier_tenant_info_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file);
/* Admin only: 0, -EINVAL, -EPERM, -ENOMEM, -EFAULT. */
int kvtier_tenant_list_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file);

#endif /* KVTIER_TENANT_H */

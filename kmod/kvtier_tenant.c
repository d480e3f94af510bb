// SPDX-License-Identifier: GPL-2.0
/* Tenant ioctls. A tenant is a cgroup v2 id; the core keeps the counters. */
#include <linux/err.h>
#include <linux/mm.h>

#include <drm/drm_file.h>

#include "core/kvt_core.h"
#include "kvtier_drv.h"
#include "kvtier_ioctl.h"
#include "kvtier_tenant.h"

int kvtier_tenant_quota_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_tenant_quota *args = data;

	if (args->pad)
		return -EINVAL;
	if (!kvt_client_is_admin(client))
		return -EPERM;
	return kvt_tenant_set_quota(client, args);
}

int kvtier_tenant_info_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct drm_kvtier_tenant_usage *args = data;

	if (args->pad)
		return -EINVAL;
	return kvt_tenant_info(kvtier_file_client(file), args);
}

int kvtier_tenant_list_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_tenant_list *args = data;
	struct drm_kvtier_tenant_usage *entries = NULL;
	u32 written = 0, total = 0;
	int ret;

	if (args->flags)
		return -EINVAL;
	if (!kvt_client_is_admin(client))
		return -EPERM;
	/* count 0 is a question about @total alone. */
	if (args->count) {
		entries = kvtier_ioctl_alloc(args->count, sizeof(*entries));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}

	/* A @first past the end is a cursor that ran out: nothing written. */
	ret = kvt_tenant_list(client, args->first, entries, args->count,
			      &written, &total);
	if (ret)
		goto out_free_entries;
	if (written) {
		ret = kvtier_ioctl_copy_out(args->entries_ptr, entries,
					    written, sizeof(*entries));
		if (ret)
			goto out_free_entries;
	}
	args->count = written;
	args->total = total;

out_free_entries:
	kvfree(entries);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier: node-level memory tier manager for LLM inference hosts.
 *
 * The DRM render-node device, its file operations and the single ioctl
 * table. The device hangs off a platform device, as vgem's does, since there
 * is no hardware. Each open file is one core client, in the tenant of the
 * opener's cgroup v2 and with the opener's CAP_SYS_ADMIN as admin right.
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/nospec.h>
#include <linux/platform_device.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>

#include "core/kvt_core.h"
#include "kvtier_drv.h"
#include "kvtier_event.h"
#include "kvtier_mmap.h"
#include "kvtier_object.h"
#include "kvtier_pool.h"
#include "kvtier_stream.h"
#include "kvtier_tenant.h"
#include "kvtier_trace.h"
#include "kvtier_work.h"

#define DRIVER_DESC "kvtier memory tier manager"
#define DRIVER_DATE "20261125"
#define DRIVER_MAJOR 0
#define DRIVER_MINOR 1
#define DRIVER_PATCHLEVEL 0

/*
 * The object table is sized once, at load: it bounds the core's memory and
 * keeps the hot paths free of resizing. A quarter million objects of one
 * 2 MiB slot each is 512 GiB of pool, more than one host holds.
 */
static uint max_objects = 1U << 18;
module_param(max_objects, uint, 0444);
MODULE_PARM_DESC(max_objects, "Most objects at once (default 262144)");

/* One work item per fetched object in flight; the daemon drains quickly. */
static uint max_work = 1U << 16;
module_param(max_work, uint, 0444);
MODULE_PARM_DESC(max_work, "Most work items queued or dispatched (default 65536)");

static struct kvtier_device *kvtier_device;

/* ---- environment of the core ------------------------------------------ */

static void kvtier_drv_env_slots_revoke(void *env, struct kvt_client *client,
					u32 pool_id, u64 first, u64 count)
{
	/* The mapping is shared by every file: revoke from all of them. */
	kvtier_mmap_slots_revoke(env, pool_id, first, count);
}

static void kvtier_drv_env_slots_scrub(void *env, u32 pool_id, u64 first,
				       u64 count)
{
	kvtier_pool_slots_scrub(env, pool_id, first, count);
}

static void kvtier_drv_env_work_queued(void *env)
{
	kvtier_work_wake(env);
}

static void kvtier_drv_env_fetch_done(void *env, void *client_priv,
				      const struct drm_kvtier_event_fetch *ev)
{
	kvtier_event_fetch_done(env, client_priv, ev);
}

static void kvtier_drv_env_trace(void *env, const struct kvt_trace_rec *rec)
{
	kvtier_trace_emit(rec);
}

/* A region's file: another reference for the manager (under a mutex). */
static void kvtier_drv_env_region_get(void *env, void *file)
{
	get_file(file);
}

static void kvtier_drv_env_region_put(void *env, void *file)
{
	fput(file);
}

static void kvtier_drv_env_stream_get(void *env, void *priv)
{
	kvtier_stream_get(priv);
}

static void kvtier_drv_env_stream_close(void *env, void *priv)
{
	kvtier_stream_close(priv);
}

static void kvtier_drv_env_stream_put(void *env, void *priv)
{
	kvtier_stream_put(priv);
}

static const struct kvt_env_ops kvtier_drv_env_ops = {
	.slots_revoke = kvtier_drv_env_slots_revoke,
	.slots_scrub = kvtier_drv_env_slots_scrub,
	.work_queued = kvtier_drv_env_work_queued,
	.fetch_done = kvtier_drv_env_fetch_done,
	.trace = kvtier_drv_env_trace,
	.region_get = kvtier_drv_env_region_get,
	.region_put = kvtier_drv_env_region_put,
	.stream_get = kvtier_drv_env_stream_get,
	.stream_close = kvtier_drv_env_stream_close,
	.stream_put = kvtier_drv_env_stream_put,
};

/* ---- files -------------------------------------------------------------- */

static int kvtier_drv_open(struct drm_device *drm, struct drm_file *file)
{
	struct kvtier_device *kdev = kvtier_device_from_drm(drm);
	struct kvtier_file *kf;
	u32 flags = 0;
	u64 tenant;
	int ret;

	kf = kzalloc(sizeof(*kf), GFP_KERNEL);
	if (!kf)
		return -ENOMEM;
	kf->kdev = kdev;
	kf->file = file;
	kvtier_event_file_init(kf);
	mutex_init(&kf->scratch_lock);
	mutex_init(&kf->get_fd_lock);
	/* Now, so that the hot paths never allocate. */
	kf->scratch = kvmalloc(KVTIER_SCRATCH_SIZE, GFP_KERNEL);
	if (!kf->scratch) {
		ret = -ENOMEM;
		goto err_free_file;
	}

	rcu_read_lock();
	tenant = cgroup_id(task_dfl_cgroup(current));
	rcu_read_unlock();
	if (capable(CAP_SYS_ADMIN))
		flags |= KVT_CLIENT_ADMIN;

	ret = kvt_client_open(kdev->core, tenant, flags, kf, &kf->client);
	if (ret)
		goto err_free_scratch;

	file->driver_priv = kf;
	atomic64_inc(&kdev->clients);
	return 0;

err_free_scratch:
	kvfree(kf->scratch);
err_free_file:
	mutex_destroy(&kf->get_fd_lock);
	mutex_destroy(&kf->scratch_lock);
	kfree(kf);
	return ret;
}

/*
 * After this returns the core sends no fetch event for @kf, and no event is
 * reserved on its file any more.
 */
static void kvtier_drv_file_detach(struct kvtier_file *kf)
{
	if (!kf->client)
		return;
	kvt_client_close(kf->client);
	kf->client = NULL;
	kvtier_event_file_fini(kf);
}

static void kvtier_drv_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct kvtier_file *kf = file->driver_priv;

	/* Already detached at release, unless drm_open() failed after open. */
	kvtier_drv_file_detach(kf);
	atomic64_dec(&kf->kdev->clients);
	kvfree(kf->scratch);
	mutex_destroy(&kf->get_fd_lock);
	mutex_destroy(&kf->scratch_lock);
	kfree(kf);
}

/*
 * drm_release() frees the file's events (drm_events_release()) before it
 * calls postclose: a fetch completing in between would queue an event on a
 * file whose event list is gone. So the client leaves event delivery first.
 */
static int kvtier_drv_release(struct inode *inode, struct file *filp)
{
	struct drm_file *file = filp->private_data;

	kvtier_drv_file_detach(file->driver_priv);
	return drm_release(inode, filp);
}

/* ---- device-wide ioctls --------------------------------------------------- */

static u64 kvtier_drv_features(void)
{
	u64 features = KVTIER_FEATURE_HUGEPAGE | KVTIER_FEATURE_FETCH_EVENT |
		       KVTIER_FEATURE_PREFIX_LOOKUP |
		       KVTIER_FEATURE_ACCESS_STREAM;

	if (IS_ENABLED(CONFIG_NUMA))
		features |= KVTIER_FEATURE_NUMA;
	if (IS_ENABLED(CONFIG_TRACEPOINTS))
		features |= KVTIER_FEATURE_TRACEPOINTS;
	return features;
}

static int kvtier_drv_get_param_ioctl(struct drm_device *drm, void *data,
				      struct drm_file *file)
{
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_get_param *args = data;

	if (args->pad)
		return -EINVAL;

	switch (args->param) {
	case KVTIER_PARAM_ABI_VERSION:
		args->value = KVTIER_ABI_VERSION;
		return 0;
	case KVTIER_PARAM_FEATURES:
		args->value = kvtier_drv_features();
		return 0;
	case KVTIER_PARAM_MAX_BATCH:
		args->value = KVTIER_MAX_BATCH;
		return 0;
	case KVTIER_PARAM_MAX_POOLS:
		args->value = KVTIER_MAX_POOLS;
		return 0;
	case KVTIER_PARAM_TENANT_ID:
		args->value = kvt_client_tenant(client);
		return 0;
	case KVTIER_PARAM_IS_ADMIN:
		args->value = kvt_client_is_admin(client);
		return 0;
	case KVTIER_PARAM_PAGE_SIZE:
		args->value = PAGE_SIZE;
		return 0;
	case KVTIER_PARAM_MANAGER_ATTACHED:
		return kvt_get_param(client, args->param, &args->value);
	default:
		return -EINVAL;
	}
}

static int kvtier_drv_stats_ioctl(struct drm_device *drm, void *data,
				  struct drm_file *file)
{
	struct kvtier_device *kdev = kvtier_device_from_drm(drm);
	struct drm_kvtier_stats *args = data;

	memset(args, 0, sizeof(*args));
	kvt_stats(kdev->core, args);
	args->clients = atomic64_read(&kdev->clients);
	return 0;
}

/* The benchmarks' baseline: the whole cost of an ioctl and nothing else. */
static int kvtier_drv_null_ioctl(struct drm_device *drm, void *data,
				 struct drm_file *file)
{
	return 0;
}

static const struct drm_ioctl_desc kvtier_drv_ioctls[] = {
	DRM_IOCTL_DEF_DRV(KVTIER_GET_PARAM, kvtier_drv_get_param_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_POOL_CREATE, kvtier_pool_create_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_POOL_DESTROY, kvtier_pool_destroy_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_POOL_INFO, kvtier_pool_info_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_TENANT_QUOTA, kvtier_tenant_quota_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_TENANT_INFO, kvtier_tenant_info_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_TENANT_LIST, kvtier_tenant_list_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_OBJ_ALLOC, kvtier_object_alloc_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_OBJ_BATCH, kvtier_object_batch_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_LOOKUP, kvtier_object_lookup_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_FETCH, kvtier_work_fetch_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_REGION_REGISTER,
			  kvtier_work_region_register_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_REGION_UNREGISTER,
			  kvtier_work_region_unregister_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_MANAGER_ATTACH, kvtier_work_attach_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_WORK_RECV, kvtier_work_recv_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_WORK_COMPLETE, kvtier_work_complete_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_RESIDENCY, kvtier_work_residency_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_STATS, kvtier_drv_stats_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_NULL, kvtier_drv_null_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_REGION_GET_FD, kvtier_work_region_get_fd_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_OBJ_SCAN, kvtier_object_scan_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(KVTIER_STREAM_OPEN, kvtier_stream_open_ioctl,
			  DRM_RENDER_ALLOW),
};

/* ---- the way in: all or nothing --------------------------------------- */

/*
 * drm_ioctl() copies the argument in, runs the handler and copies the
 * argument back out, so a handler that acts (allocates, creates a pool,
 * attaches the manager, takes references or pins) would have acted for a
 * caller who then gets -EFAULT and cannot learn what was done. So before
 * DRM sees a request whose argument it will copy back, the argument is
 * proven writable here: its bytes are read and written back unchanged.
 * (Writing back is cheap and takes no lock, unlike
 * fault_in_safe_writeable(), which takes the mmap lock on the hot paths;
 * and DRM writes the whole argument back afterwards anyway, so another
 * thread writing to it meanwhile loses nothing it would not lose then.)
 * The arrays that get per-item results are proven writable by each
 * handler before it acts (kvtier_ioctl.c).
 *
 * What is left is a munmap() or mprotect() by another thread of the caller
 * between this proof and DRM's copy-out: the request is then done and the
 * caller gets -EFAULT. It harms no one but that caller, who raced its own
 * ioctl: objects allocated stay its own (and the item array, copied out
 * first, holds their handles), a pool or the manager role stays as made.
 * REGION_GET_FD, whose result would be a descriptor the caller cannot
 * name, installs it only once the copy-out has succeeded
 * (kvtier_work_region_get_fd_call()), so it leaves nothing behind at all.
 */
#define KVTIER_DRV_PROVE_CHUNK 64

static int kvtier_drv_ioctl_prove(unsigned int cmd, unsigned long arg)
{
	char __user *uptr = (char __user *)arg;
	u8 buf[KVTIER_DRV_PROVE_CHUNK];
	unsigned int index, size, off, n;

	index = DRM_IOCTL_NR(cmd) - DRM_COMMAND_BASE;
	if (index >= ARRAY_SIZE(kvtier_drv_ioctls))
		return 0;
	index = array_index_nospec(index, ARRAY_SIZE(kvtier_drv_ioctls));
	/* What drm_ioctl() will copy back: the caller's size, or nothing. */
	if (!(cmd & kvtier_drv_ioctls[index].cmd & IOC_OUT))
		return 0;
	size = _IOC_SIZE(cmd);
	for (off = 0; off < size; off += n) {
		n = min_t(unsigned int, size - off, sizeof(buf));
		if (copy_from_user(buf, uptr + off, n) ||
		    copy_to_user(uptr + off, buf, n))
			return -EFAULT;
	}
	return 0;
}

static bool kvtier_drv_ioctl_is_get_fd(unsigned int cmd)
{
	return DRM_IOCTL_NR(cmd) ==
	       DRM_IOCTL_NR(DRM_IOCTL_KVTIER_REGION_GET_FD);
}

static long kvtier_drv_ioctl(struct file *filp, unsigned int cmd,
			     unsigned long arg)
{
	int ret;

	if (DRM_IOCTL_TYPE(cmd) != DRM_IOCTL_BASE)
		return drm_ioctl(filp, cmd, arg);
	ret = kvtier_drv_ioctl_prove(cmd, arg);
	if (ret)
		return ret;
	if (kvtier_drv_ioctl_is_get_fd(cmd))
		return kvtier_work_region_get_fd_call(filp, cmd, arg,
						      drm_ioctl);
	return drm_ioctl(filp, cmd, arg);
}

#ifdef CONFIG_COMPAT
/* drm_compat_ioctl() ends in drm_ioctl() for every driver ioctl. */
static long kvtier_drv_compat_ioctl(struct file *filp, unsigned int cmd,
				    unsigned long arg)
{
	int ret;

	if (DRM_IOCTL_TYPE(cmd) != DRM_IOCTL_BASE)
		return drm_compat_ioctl(filp, cmd, arg);
	ret = kvtier_drv_ioctl_prove(cmd, arg);
	if (ret)
		return ret;
	if (kvtier_drv_ioctl_is_get_fd(cmd))
		return kvtier_work_region_get_fd_call(filp, cmd, arg,
						      drm_compat_ioctl);
	return drm_compat_ioctl(filp, cmd, arg);
}
#else
#define kvtier_drv_compat_ioctl NULL
#endif

static const struct file_operations kvtier_drv_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = kvtier_drv_release,
	.unlocked_ioctl = kvtier_drv_ioctl,
	.compat_ioctl = kvtier_drv_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.mmap = kvtier_mmap,
};

static const struct drm_driver kvtier_drm_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER,
	.open = kvtier_drv_open,
	.postclose = kvtier_drv_postclose,
	.ioctls = kvtier_drv_ioctls,
	.num_ioctls = ARRAY_SIZE(kvtier_drv_ioctls),
	.fops = &kvtier_drv_fops,
	.name = KVTIER_DRIVER_NAME,
	.desc = DRIVER_DESC,
	.date = DRIVER_DATE,
	.major = DRIVER_MAJOR,
	.minor = DRIVER_MINOR,
	.patchlevel = DRIVER_PATCHLEVEL,
};

/* ---- module --------------------------------------------------------------- */

static int kvtier_drv_core_create(struct kvtier_device *kdev)
{
	struct kvt_core_params params = {
		.max_objects = max_objects,
		.max_work = max_work,
		.ops = &kvtier_drv_env_ops,
		.env = kdev,
	};

	return kvt_core_create(&params, &kdev->core);
}

static int __init kvtier_drv_init(void)
{
	struct platform_device *pdev;
	struct kvtier_device *kdev;
	int ret;

	pdev = platform_device_register_simple(KVTIER_DRIVER_NAME, -1, NULL, 0);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);

	if (!devres_open_group(&pdev->dev, NULL, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err_unregister_pdev;
	}

	kdev = devm_drm_dev_alloc(&pdev->dev, &kvtier_drm_driver,
				  struct kvtier_device, drm);
	if (IS_ERR(kdev)) {
		ret = PTR_ERR(kdev);
		goto err_release_devres;
	}
	kdev->pdev = pdev;
	mutex_init(&kdev->pools_lock);
	init_waitqueue_head(&kdev->work_wq);
	ret = init_srcu_struct(&kdev->pools_srcu);
	if (ret)
		goto err_release_devres;

	ret = kvtier_drv_core_create(kdev);
	if (ret)
		goto err_cleanup_srcu;

	ret = drm_dev_register(&kdev->drm, 0);
	if (ret)
		goto err_destroy_core;

	kvtier_device = kdev;
	return 0;

err_destroy_core:
	kvt_core_destroy(kdev->core);
err_cleanup_srcu:
	cleanup_srcu_struct(&kdev->pools_srcu);
err_release_devres:
	devres_release_group(&pdev->dev, NULL);
err_unregister_pdev:
	platform_device_unregister(pdev);
	return ret;
}

static void __exit kvtier_drv_exit(void)
{
	struct kvtier_device *kdev = kvtier_device;
	struct platform_device *pdev = kdev->pdev;

	/* No file is open: each holds a reference on this module. */
	drm_dev_unregister(&kdev->drm);
	kvt_core_destroy(kdev->core);
	kvtier_pool_fini(kdev);
	cleanup_srcu_struct(&kdev->pools_srcu);
	mutex_destroy(&kdev->pools_lock);
	devres_release_group(&pdev->dev, NULL);
	platform_device_unregister(pdev);
}

module_init(kvtier_drv_init);
module_exit(kvtier_drv_exit);

MODULE_DESCRIPTION(DRIVER_DESC);
MODULE_LICENSE("GPL");
MODULE_VERSION("0.1.0");

// SPDX-License-Identifier: GPL-2.0
/*
 * Fetches and the manager's side of the work queue. A fetch pins what is
 * resident and queues the rest as work; the manager (the daemon) takes the
 * work with WORK_RECV, moves the bytes and reports with WORK_COMPLETE.
 */
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/wait.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>

#include "core/kvt_core.h"
#include "kvtier_drv.h"
#include "kvtier_event.h"
#include "kvtier_ioctl.h"
#include "kvtier_work.h"

void kvtier_work_wake(struct kvtier_device *kdev)
{
	atomic_inc(&kdev->work_seq);
	wake_up_interruptible(&kdev->work_wq);
}

static int kvtier_work_fetch_check(const struct drm_kvtier_fetch_item *items,
				   u32 count)
{
	u32 i;

	for (i = 0; i < count; i++) {
		const struct drm_kvtier_fetch_item *it = &items[i];

		if (it->pad)
			return -EINVAL;
		if (it->tier == KVTIER_TIER_DEVICE)
			continue;
		if (it->tier != KVTIER_TIER_HOST || it->offset || it->region_id)
			return -EINVAL;
	}
	return 0;
}

int kvtier_work_fetch_ioctl(struct drm_device *drm, void *data,
			    struct drm_file *file)
{
	struct kvt_client *client = kvtier_file_client(file);
	struct kvtier_file *kf = file->driver_priv;
	struct drm_kvtier_fetch *args = data;
	struct drm_kvtier_fetch_item *items;
	struct kvtier_event_fetch *e;
	int ret;

	if (args->flags || args->pad)
		return -EINVAL;

	items = kvtier_ioctl_copy_in(args->items_ptr, args->count,
				     sizeof(*items));
	if (IS_ERR(items))
		return PTR_ERR(items);
	ret = kvtier_work_fetch_check(items, args->count);
	if (ret)
		goto err_free_items;

	/* Before the fetch exists, so that its completion cannot be lost. */
	e = kvtier_event_fetch_prepare(kf);
	if (IS_ERR(e)) {
		ret = PTR_ERR(e);
		goto err_free_items;
	}

	ret = kvt_fetch(client, args, items);
	if (ret)
		goto err_cancel_event;
	if (!args->pending)
		kvtier_event_fetch_cancel(kf, e);
	else if (kvtier_event_fetch_arm(kf, e, args->fetch_id))
		drm_err_ratelimited(drm, "fetch %u: out of memory, event lost\n",
				    args->fetch_id);

	/*
	 * The items were proven writable when copied in: only a munmap() or
	 * mprotect() racing with the ioctl fails here. The fetch stands (its
	 * event still comes); only the per-item results are lost.
	 */
	ret = kvtier_ioctl_copy_out(args->items_ptr, items, args->count,
				    sizeof(*items));
	kvfree(items);
	return ret;

err_cancel_event:
	kvtier_event_fetch_cancel(kf, e);
err_free_items:
	kvfree(items);
	return ret;
}

/*
 * A MEMFD region is the manager's copy destination for as long as it is
 * registered, so its file must be shmem (a memfd; hugetlbfs memfds are not
 * supported), open for reading and writing, sealed against shrinking (so
 * that @size stays within it: the manager's mapping never hits SIGBUS) and
 * not sealed against writes. memfd_fcntl(F_GET_SEALS) is not exported; the
 * seals live in the shmem inode, and the inode lock, which F_ADD_SEALS and
 * truncation take, keeps them and the size stable while they are read.
 * Returns 0 or -EINVAL.
 */
static int kvtier_work_memfd_check(struct file *file, u64 size)
{
	const fmode_t rw = FMODE_READ | FMODE_WRITE;
	struct inode *inode = file_inode(file);
	unsigned int seals;
	loff_t isize;

	if (!shmem_file(file) || (file->f_mode & rw) != rw)
		return -EINVAL;
	inode_lock_shared(inode);
	seals = SHMEM_I(inode)->seals;
	isize = i_size_read(inode);
	inode_unlock_shared(inode);
	if (!(seals & F_SEAL_SHRINK) ||
	    (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		return -EINVAL;
	if (isize < 0 || size > (u64)isize)
		return -EINVAL;
	return 0;
}

/*
 * The file behind a region's fd, referenced, or NULL for KIND_NONE (whose
 * fd is ignored). A CUDA VMM export is whatever file the GPU driver made:
 * the daemon checks it when it imports it. A kvtier file itself is refused
 * as either kind: the region would keep its own device file open, and the
 * file's release, which drops the region, would never come.
 * Returns 0, -EBADF or -EINVAL.
 */
static int kvtier_work_region_file(struct drm_device *drm,
				   const struct drm_kvtier_region_register *args,
				   struct file **filep)
{
	struct file *file;
	int ret = 0;

	*filep = NULL;
	if (args->kind == KVTIER_REGION_KIND_NONE)
		return 0;
	file = fget(args->fd);
	if (!file)
		return -EBADF;
	if (file->f_op == drm->driver->fops)
		ret = -EINVAL;
	else if (args->kind == KVTIER_REGION_KIND_MEMFD)
		ret = kvtier_work_memfd_check(file, args->size);
	if (ret) {
		fput(file);
		return ret;
	}
	*filep = file;
	return 0;
}

int kvtier_work_region_register_ioctl(struct drm_device *drm, void *data,
				      struct drm_file *file)
{
	struct drm_kvtier_region_register *args = data;
	struct file *rfile;
	int ret;

	if (args->flags || !args->size ||
	    args->kind >= KVTIER_REGION_KIND_COUNT)
		return -EINVAL;
	ret = kvtier_work_region_file(drm, args, &rfile);
	if (ret)
		return ret;
	/* On success the core owns the reference (env region_put drops it). */
	ret = kvt_region_register(kvtier_file_client(file), args, rfile);
	if (ret && rfile)
		fput(rfile);
	return ret;
}

int kvtier_work_region_unregister_ioctl(struct drm_device *drm, void *data,
					struct drm_file *file)
{
	struct drm_kvtier_region_unregister *args = data;

	if (args->flags)
		return -EINVAL;
	return kvt_region_unregister(kvtier_file_client(file), args->region_id);
}

int kvtier_work_region_get_fd_ioctl(struct drm_device *drm, void *data,
				    struct drm_file *file)
{
	struct kvt_client *client = kvtier_file_client(file);
	struct kvtier_file *kf = file->driver_priv;
	struct drm_kvtier_region_get_fd *args = data;
	struct kvtier_work_get_fd *pending = kf->get_fd;
	void *rfile;
	int fd, ret;

	/* Only kvtier_work_region_get_fd_call() can install the fd. */
	if (WARN_ON_ONCE(!pending))
		return -EINVAL;
	if (args->flags)
		return -EINVAL;
	if (!kvt_client_is_manager(client))
		return -EPERM;

	/*
	 * The descriptor is only reserved here: it is installed after DRM
	 * has copied the argument back, so that a caller who cannot learn
	 * its number never gets it (a descriptor once installed cannot be
	 * taken back: another thread may already use it).
	 */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	ret = kvt_region_get_file(client, args, &rfile);
	if (ret) {
		put_unused_fd(fd);
		return ret;
	}
	pending->fd = fd;
	pending->file = rfile;
	args->fd = fd;
	return 0;
}

long kvtier_work_region_get_fd_call(struct file *filp, unsigned int cmd,
				    unsigned long arg,
				    long (*ioctl)(struct file *filp,
						  unsigned int cmd,
						  unsigned long arg))
{
	struct drm_file *file = filp->private_data;
	struct kvtier_file *kf = file->driver_priv;
	struct kvtier_work_get_fd pending = { .fd = -1 };
	long ret;

	/* One call at a time per file: @pending is found through @kf. */
	if (mutex_lock_killable(&kf->get_fd_lock))
		return -EINTR;
	kf->get_fd = &pending;
	ret = ioctl(filp, cmd, arg);
	kf->get_fd = NULL;
	mutex_unlock(&kf->get_fd_lock);

	if (!pending.file)
		return ret;
	if (ret) {
		/* The caller never learnt the number: nothing to take back. */
		put_unused_fd(pending.fd);
		fput(pending.file);
		return ret;
	}
	fd_install(pending.fd, pending.file);
	return 0;
}

int kvtier_work_attach_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_manager_attach *args = data;
	u64 queued = 0;
	int ret;

	if (args->flags & ~KVTIER_ATTACH_FLAGS || args->pad)
		return -EINVAL;
	/*
	 * Admin is CAP_SYS_ADMIN when the fd was opened, like every other
	 * privilege here: a daemon may open, then drop its capabilities.
	 */
	if (!kvt_client_is_admin(client))
		return -EPERM;

	ret = kvt_manager_attach(client, &queued);
	if (ret)
		return ret;
	args->requeued = queued;
	return 0;
}

/*
 * Take work, sleeping until @deadline_ns (CLOCK_MONOTONIC) for some to be
 * queued. Returns 0 with at least one item in *taken, -ETIME (none by the
 * deadline; at once for deadline 0), or -ERESTARTSYS.
 */
static int kvtier_work_take_wait(struct kvtier_device *kdev,
				 struct kvt_client *client,
				 struct drm_kvtier_work_item *items, u32 room,
				 u64 deadline_ns, u32 *taken)
{
	u64 now;
	int seq;
	int ret;

	for (;;) {
		/* Read before taking: work queued after the take changes it. */
		seq = atomic_read(&kdev->work_seq);
		ret = kvt_work_take(client, items, room, taken);
		if (ret || *taken)
			return ret;
		/* Deadline 0 is always past: it never waits. */
		now = ktime_get_ns();
		if (now >= deadline_ns)
			return -ETIME;
		ret = wait_event_interruptible_hrtimeout(kdev->work_wq,
				atomic_read(&kdev->work_seq) != seq,
				ns_to_ktime(min_t(u64, deadline_ns - now,
						  KTIME_MAX)));
		/* On -ETIME, look once more: work may have come at the end. */
		if (ret == -ERESTARTSYS)
			return ret;
	}
}

int kvtier_work_recv_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct kvtier_device *kdev = kvtier_device_from_drm(drm);
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_work_recv *args = data;
	struct drm_kvtier_work_item *items;
	u32 taken = 0;
	int ret;

	if (args->flags)
		return -EINVAL;
	if (!kvt_client_is_manager(client))
		return -EPERM;

	/* Out only: proven writable before any work is dispatched. */
	ret = kvtier_ioctl_clear_out(args->items_ptr, args->count,
				     sizeof(*items));
	if (ret)
		return ret;
	items = kvtier_ioctl_alloc(args->count, sizeof(*items));
	if (IS_ERR(items))
		return PTR_ERR(items);

	ret = kvtier_work_take_wait(kdev, client, items, args->count,
				    args->deadline_ns, &taken);
	if (ret)
		goto out_free_items;
	ret = kvtier_ioctl_copy_out(args->items_ptr, items, taken,
				    sizeof(*items));
	if (ret) {
		/*
		 * Only a munmap() or mprotect() racing with the ioctl (while
		 * it slept, say) gets here: the manager never saw the items,
		 * so they go back to the front of the queue, in order.
		 */
		kvt_work_untake(client, items, taken);
		goto out_free_items;
	}
	args->count = taken;

out_free_items:
	kvfree(items);
	return ret;
}

int kvtier_work_complete_ioctl(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_work_complete *args = data;
	struct drm_kvtier_work_done *items;
	u32 failed = 0;
	int ret;

	if (args->flags || args->pad)
		return -EINVAL;
	if (!kvt_client_is_manager(client))
		return -EPERM;

	items = kvtier_ioctl_copy_in(args->items_ptr, args->count,
				     sizeof(*items));
	if (IS_ERR(items))
		return PTR_ERR(items);

	ret = kvt_work_complete(client, items, args->count, &failed);
	if (ret)
		goto out_free_items;
	args->failed = failed;
	ret = kvtier_ioctl_copy_out(args->items_ptr, items, args->count,
				    sizeof(*items));

out_free_items:
	kvfree(items);
	return ret;
}

static int
kvtier_work_residency_check(const struct drm_kvtier_residency_item *items,
			    u32 count)
{
	u32 i;

	for (i = 0; i < count; i++) {
		if (items[i].pad || items[i].op >= KVTIER_RES_COUNT ||
		    items[i].tier >= KVTIER_TIER_COUNT)
			return -EINVAL;
	}
	return 0;
}

int kvtier_work_residency_ioctl(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_residency *args = data;
	struct drm_kvtier_residency_item *items;
	u32 failed = 0;
	int ret;

	if (args->flags || args->pad)
		return -EINVAL;
	if (!kvt_client_is_manager(client))
		return -EPERM;

	items = kvtier_ioctl_copy_in(args->items_ptr, args->count,
				     sizeof(*items));
	if (IS_ERR(items))
		return PTR_ERR(items);
	ret = kvtier_work_residency_check(items, args->count);
	if (ret)
		goto out_free_items;

	ret = kvt_residency(client, items, args->count, &failed);
	if (ret)
		goto out_free_items;
	args->failed = failed;
	ret = kvtier_ioctl_copy_out(args->items_ptr, items, args->count,
				    sizeof(*items));

out_free_items:
	kvfree(items);
	return ret;
}

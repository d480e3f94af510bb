/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtier: the device and the per-file state shared by every part of the
 * driver. The object logic lives in core/ (kvt_core.h); this driver is the
 * kernel glue around it: device node, pool memory, mmap, ioctls, events and
 * tracepoints.
 */
#ifndef KVTIER_DRV_H
#define KVTIER_DRV_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/srcu.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>

#include "kvtier_drm.h"

struct kvt_core;
struct kvt_client;
struct kvtier_pool;
struct kvtier_work_get_fd;

/**
 * struct kvtier_device - the one kvtier device.
 * @drm: the DRM device, embedded (devm_drm_dev_alloc).
 * @pdev: the platform device it hangs off.
 * @core: the object table, tenants, slots and work queue.
 * @pools: pool memory by id, published under @pools_srcu.
 * @pools_lock: serialises pool create and destroy, so that a pool id the
 *              core hands out is never in use in @pools.
 * @pools_srcu: faults, scrubs and revocations read @pools under it; pool
 *              destroy waits for them before freeing memory.
 * @work_wq: the manager sleeps here in WORK_RECV.
 * @work_seq: bumped each time work is queued; the manager's wait condition,
 *            read without calling into the core (which would take a mutex
 *            while the waiter is not TASK_RUNNING).
 * @clients: open files, for STATS.
 */
struct kvtier_device {
	struct drm_device drm;
	struct platform_device *pdev;
	struct kvt_core *core;
	struct kvtier_pool __rcu *pools[KVTIER_MAX_POOLS + 1];
	struct mutex pools_lock;
	struct srcu_struct pools_srcu;
	wait_queue_head_t work_wq;
	atomic_t work_seq;
	atomic64_t clients;
};

/*
 * Bytes of each file's scratch buffer. The hot batched ioctls (LOOKUP,
 * OBJ_BATCH) copy their items through it in chunks of this size, so that
 * they allocate nothing; 16 KiB holds a few hundred items, enough to keep
 * the per-chunk costs small against the per-item work.
 */
#define KVTIER_SCRATCH_SIZE SZ_16K

/**
 * struct kvtier_file - what kvtier keeps per open file.
 * @kdev: the device.
 * @file: the DRM file, target of fetch events.
 * @client: the core client; NULL once detached at release.
 * @fetches: fetch events by fetch id, reserved or early (kvtier_event.c).
 * @scratch: KVTIER_SCRATCH_SIZE bytes, allocated at open, for the kernel
 *           copies of batched items (kvtier_object.c).
 * @scratch_lock: serialises the users of @scratch: threads sharing one fd.
 * @get_fd_lock: serialises REGION_GET_FD calls on this file, for @get_fd.
 * @get_fd: the REGION_GET_FD call in flight: the descriptor it reserved and
 *          the file to install there once its result is out (kvtier_work.c).
 */
struct kvtier_file {
	struct kvtier_device *kdev;
	struct drm_file *file;
	struct kvt_client *client;
	struct xarray fetches;
	void *scratch;
	struct mutex scratch_lock;
	struct mutex get_fd_lock;
	struct kvtier_work_get_fd *get_fd;
};

static inline struct kvtier_device *kvtier_device_from_drm(struct drm_device *drm)
{
	return container_of(drm, struct kvtier_device, drm);
}

static inline struct kvt_client *kvtier_file_client(struct drm_file *file)
{
	struct kvtier_file *kf = file->driver_priv;

	return kf->client;
}

#endif /* KVTIER_DRV_H */

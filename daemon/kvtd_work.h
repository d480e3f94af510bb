/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Work items as actions: which tier reads and which writes what, checked
 * against the sizes of the pool and the region they name; and the batch
 * of completions the daemon reports to the driver. Pure functions: the
 * executor (exec.c) resolves sizes and addresses and moves the bytes.
 *
 * Functions return 0 or -errno.
 */
#ifndef KVTD_WORK_H
#define KVTD_WORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtier_drm.h"

/* Disk I/O is O_DIRECT: buffers, offsets and lengths in 4 KiB units. */
#define KVTD_IO_ALIGN 4096ull

static inline uint64_t kvtd_io_round(uint64_t n)
{
	return (n + KVTD_IO_ALIGN - 1) & ~(KVTD_IO_ALIGN - 1);
}

enum kvtd_action_kind {
	KVTD_ACT_COPY = 1,	/* HOST -> DEVICE: a memory copy */
	KVTD_ACT_DISK_READ,	/* DISK -> HOST or DEVICE: a disk read */
};

/**
 * struct kvtd_work_geom - the sizes an item is checked against.
 * @pool_size: Bytes of the item's pool mapping; 0 when the pool is unknown.
 * @region_size: Bytes of the item's region (DEVICE destinations); 0 when
 *               the region is unknown.
 * @region_devmem: The region is not host-addressable (a GPU's memory,
 *                 which only the DEVICE tier's copy reaches).
 */
struct kvtd_work_geom {
	uint64_t pool_size;
	uint64_t region_size;
	bool region_devmem;
};

/**
 * struct kvtd_work_action - what to do for one work item.
 * @kind: enum kvtd_action_kind.
 * @dst_tier: KVTIER_TIER_HOST or KVTIER_TIER_DEVICE.
 * @src_off: For COPY: the object's offset in the pool mapping.
 * @dst_off: Offset in the pool mapping (HOST) or region (DEVICE).
 * @len: Bytes the destination receives: the object's size.
 * @io_len: For DISK_READ: bytes the disk reads (@len rounded up to
 *          KVTD_IO_ALIGN, which is how the object was written).
 * @bounce: For DISK_READ to DEVICE: the destination cannot take the
 *          O_DIRECT read itself (unaligned, or rounding would write past
 *          the object into the client's bytes), so it reads into a
 *          buffer and copies @len bytes.
 * @stage: For DISK_READ to DEVICE: the region is not host-addressable, so
 *         the disk reads into a daemon staging buffer and the DEVICE
 *         tier's copy moves @len bytes from it into the region. Never
 *         with @bounce.
 */
struct kvtd_work_action {
	uint32_t kind;
	uint32_t dst_tier;
	uint64_t src_off;
	uint64_t dst_off;
	uint64_t len;
	uint64_t io_len;
	bool bounce;
	bool stage;
};

/*
 * kvtd_work_plan - the action for @w.
 *
 * Returns 0; -EOPNOTSUPP for an operation or a tier pair the daemon does
 * not move (only DISK->HOST, HOST->DEVICE and DISK->DEVICE are work);
 * -ENOENT when the pool (or the destination region) is unknown: @geom has
 * size 0; -EINVAL for a size of 0 or a range outside the pool or region
 * (a work item pointing outside a mapping never reaches memcpy).
 */
int kvtd_work_plan(const struct drm_kvtier_work_item *w,
		   const struct kvtd_work_geom *geom,
		   struct kvtd_work_action *out);

/*
 * Completions are reported in batches: one WORK_COMPLETE per loop pass,
 * or sooner when this many are waiting. 256 items are 8 KiB: a pass
 * seldom completes more, and one ioctl per 256 amortises its cost well.
 */
#define KVTD_DONE_BATCH 256

/*
 * A WORK_COMPLETE refused as a whole (-ENOMEM, -EINTR, -EFAULT: the
 * driver took none of its items) is sent again after a wait that doubles
 * from the first to the second of these: the failures are transient, a
 * millisecond costs a fetch little, and 100 ms bounds what a fetch waits
 * once the driver recovers while keeping a failing driver to 10 tries a
 * second.
 */
#define KVTD_DONE_RETRY_MIN_MS 1u
#define KVTD_DONE_RETRY_MAX_MS 100u

/**
 * struct kvtd_done_batch - completions not yet taken by the driver.
 * @items: Room for @room completions.
 * @room: Completions it can hold: every item the daemon holds must find
 *        room, so the executor takes no more work than fits.
 * @count: Completions held.
 * @retries: WORK_COMPLETEs refused as a whole in a row; 0 when the last
 *           one went through.
 * @retry_at_ns: While @retries: no flush before this (kvtier_now_ns).
 */
struct kvtd_done_batch {
	struct drm_kvtier_work_done *items;
	uint32_t room;
	uint32_t count;
	uint32_t retries;
	uint64_t retry_at_ns;
};

/* kvtd_done_init - an empty batch with room for @room (>= KVTD_DONE_BATCH).
 * Returns 0 or -ENOMEM. */
int kvtd_done_init(struct kvtd_done_batch *b, uint32_t room);
void kvtd_done_fini(struct kvtd_done_batch *b);

/*
 * kvtd_done_add - record one completion. Returns true when KVTD_DONE_BATCH
 * or more are waiting, and a flush is due. The caller never holds more
 * work than the batch has room for (see @room); an add beyond it is a bug
 * and aborts rather than lose a completion.
 */
bool kvtd_done_add(struct kvtd_done_batch *b, uint64_t work_id, int status,
		   uint64_t bytes, uint64_t location);

/*
 * How a batch reaches the driver: kvtier_work_complete_taken() in the
 * daemon, a recorder in the tests. Returns 0 or -errno as that does, and
 * sets *@taken to the items the driver took (their @result is its answer);
 * those from *@taken on were refused with the call and are still to do.
 */
typedef int (*kvtd_done_fn)(void *ctx, struct drm_kvtier_work_done *items,
			    size_t count, size_t *taken);

/*
 * kvtd_done_flush - hand the batch to @fn at time @now_ns (kvtier_now_ns).
 * Items the driver took leave the batch, whatever their result: one it
 * refused (-ENOENT: not held by this manager) cannot be retried.
 * *@refused counts those. Items it did not take (a call refused as a
 * whole) stay, in order, and the next flush before the backoff
 * (KVTD_DONE_RETRY_*) has passed sends nothing.
 *
 * Returns what @fn returned; 0 for an empty batch; -EAGAIN, without
 * calling @fn, while the backoff runs.
 */
int kvtd_done_flush(struct kvtd_done_batch *b, kvtd_done_fn fn, void *ctx,
		    uint64_t now_ns, uint32_t *refused);

/*
 * kvtd_done_retry_ns - while completions wait for a retry, the time of
 * it; 0 when none wait for one.
 */
static inline uint64_t kvtd_done_retry_ns(const struct kvtd_done_batch *b)
{
	return b->count && b->retries ? b->retry_at_ns : 0;
}

#endif /* KVTD_WORK_H */

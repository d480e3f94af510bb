/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The disk tier: objects stored in extents of one O_DIRECT file or block
 * device, driven by io_uring, crash-consistent through the extent headers
 * (format.h). The daemon's event loop drives it:
 *
 *	kvtd_disk_open()             recovers the index from the headers
 *	kvtd_disk_write/read/drop/sync()  queue operations (never block)
 *	kvtd_disk_submit()           hands them to the kernel in one batch
 *	poll(kvtd_disk_event_fd())   readable when completions wait
 *	kvtd_disk_reap()             collects them
 *	kvtd_disk_close()
 *
 * Operations on one key are not ordered with each other: wait for a
 * write's completion before reading or dropping that key. A key is
 * readable from the moment its write completes; a write of a key that is
 * present replaces it when it completes (the older copy is freed).
 *
 * Buffers must be 4 KiB aligned and object sizes multiples of 4 KiB (what
 * O_DIRECT needs). Buffers inside the regions given at open, or at the
 * latest kvtd_disk_set_regions(), move with READ_FIXED/WRITE_FIXED. The caller must not touch a buffer while its
 * operation is in flight.
 *
 * All functions return 0 (or a count) or -errno; none logs or exits.
 * Not thread-safe: one event loop owns a tier.
 */
#ifndef KVTD_DISK_DISK_H
#define KVTD_DISK_DISK_H

#include <stdint.h>

#include "tier_ops.h"

struct kvtd_disk;

/* The ops table of the disk tier (disk_ops.c). */
extern const struct kvtd_tier_ops kvtd_disk_tier_ops;

/*
 * Queue depth when the configuration gives none: 32 2 MiB I/Os (64 MiB in
 * flight) keep an NVMe drive at full bandwidth; more only adds latency.
 */
#define KVTD_DISK_DEFAULT_QD 32u
/* Bounds the per-operation state allocated at open (2 x 4 KiB per slot). */
#define KVTD_DISK_MAX_QD 4096u

/*
 * kvtd_disk_open - open (or create, or format) the store at cfg->path and
 * rebuild its index. Every extent is read and checked: torn, corrupt and
 * stale copies are dropped, counted in the stats, and their headers wiped.
 *
 * Returns 0 with *@out set, or: -EINVAL (bad flags, queue depth, a size
 * too small for one object, or a size that differs from the store's);
 * -ENOENT (no file and no KVTD_TIER_CREATE); -ENODATA (no store in the file
 * and no KVTD_TIER_CREATE); -EBADMSG, -EPROTO, -EUCLEAN (a damaged or
 * foreign superblock: never formatted over without KVTD_TIER_TRUNCATE);
 * -ENOMEM; or the -errno of open, I/O or io_uring setup.
 */
int kvtd_disk_open(const struct kvtd_tier_cfg *cfg, struct kvtd_disk **out);

/*
 * kvtd_disk_close - wait for every operation in flight (their completions
 * are discarded), make the store durable, free everything. NULL is a no-op.
 */
void kvtd_disk_close(struct kvtd_disk *d);

/*
 * kvtd_disk_write - queue storing @size bytes at @buf as @key.
 *
 * The content is checksummed after it has been submitted (by
 * kvtd_disk_submit() or kvtd_disk_reap()), so @buf must not change until
 * the completion. The header is written alongside the content, and the
 * completion comes once both writes have (see the top of disk.c). The completion carries the extent's offset as its
 * location and the copy's generation; its res is 0, the device's -errno,
 * or -ESTALE if a newer write of the same key completed first (this copy
 * is then discarded).
 *
 * Returns 0, -EINVAL (size 0, over 1 GiB or not a multiple of 4 KiB,
 * buffer not 4 KiB aligned), -EAGAIN (queue_depth operations in flight:
 * reap first), -ENOSPC (no free extent large enough), -ENOMEM.
 */
int kvtd_disk_write(struct kvtd_disk *d, const struct kvtd_tier_key *key,
		    const void *buf, uint64_t size, uint64_t user_data);

/*
 * kvtd_disk_read - queue loading @key into @buf, which holds @size bytes.
 * The completion is 0 only once the content has matched its checksum;
 * -EBADMSG means it did not, and the copy has been dropped.
 *
 * Returns 0, -ENOENT (no such key), -EOVERFLOW (object larger than @size),
 * -EINVAL (buffer not 4 KiB aligned), -EAGAIN.
 */
int kvtd_disk_read(struct kvtd_disk *d, const struct kvtd_tier_key *key,
		   void *buf, uint64_t size, uint64_t user_data);

/*
 * kvtd_disk_drop - forget @key at once (later reads get -ENOENT) and queue
 * wiping its header; its space is reused once the wipe and any reads in
 * flight have finished. Returns 0, -ENOENT, -EAGAIN.
 */
int kvtd_disk_drop(struct kvtd_disk *d, const struct kvtd_tier_key *key,
		   uint64_t user_data);

/*
 * kvtd_disk_sync - queue an fdatasync: writes and drops that completed
 * before this call are durable when it completes. Returns 0 or -EAGAIN.
 */
int kvtd_disk_sync(struct kvtd_disk *d, uint64_t user_data);

/* Submits every queued operation. Returns how many SQEs, or -errno. */
int kvtd_disk_submit(struct kvtd_disk *d);

/*
 * kvtd_disk_reap - submit what is queued, then move up to @max completions
 * into @cqes, waiting until at least @min_wait are there (fewer if fewer
 * operations are in flight). Each read's checksum is verified here; once
 * @min_wait (at least one) completions are collected, further reads are
 * left for the next call, so the caller can queue new work between
 * checksums. Returns the count, or -errno.
 */
int kvtd_disk_reap(struct kvtd_disk *d, struct kvtd_tier_cqe *cqes,
		   unsigned int max, unsigned int min_wait);

/*
 * An eventfd that becomes readable when completions are posted: add it to
 * the event loop, read it to clear it, then kvtd_disk_reap(..., 0).
 */
int kvtd_disk_event_fd(const struct kvtd_disk *d);

/* Operations submitted or queued and not yet reaped. */
unsigned int kvtd_disk_inflight(const struct kvtd_disk *d);

/*
 * kvtd_disk_lookup - where @key's copy lives. Returns 0 and fills the
 * location, size and generation of @info (res 0, op 0), or -ENOENT.
 */
int kvtd_disk_lookup(const struct kvtd_disk *d, const struct kvtd_tier_key *key,
		     struct kvtd_tier_cqe *info);

/*
 * kvtd_disk_foreach - call @fn for every object held (in no order), as
 * the daemon does after open to reconcile the index with the driver's
 * table. Stops at and returns @fn's first non-zero value. @fn must not
 * call into the tier.
 */
int kvtd_disk_foreach(const struct kvtd_disk *d,
		      int (*fn)(const struct kvtd_tier_cqe *obj, void *arg),
		      void *arg);

void kvtd_disk_stats(const struct kvtd_disk *d, struct kvtd_tier_stats *st);

/*
 * 0 if the regions given at open (or to the last kvtd_disk_set_regions())
 * are registered as fixed buffers, else the
 * -errno the kernel refused them with (I/O then still works, one pinning
 * per operation slower): for the daemon to log once.
 */
int kvtd_disk_fixed_error(const struct kvtd_disk *d);

/*
 * kvtd_disk_set_regions - the caller's regions registered from now on, in
 * place of those given at open or last time (kvtd_uring_set_regions()): a
 * region given again unchanged stays registered, one left out is dropped.
 * Memory must not be mapped at the address of a dropped region before this
 * returns. kvtd_disk_fixed_error() then tells how it went. Returns 0 or
 * -ENOMEM.
 */
int kvtd_disk_set_regions(struct kvtd_disk *d,
			  const struct kvtd_region *regions,
			  unsigned int nr_regions);

#endif /* KVTD_DISK_DISK_H */

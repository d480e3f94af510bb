/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's tier backends, one ops table each, in the style of fio's
 * I/O engines. The disk tier (daemon/disk) implements it first; the device
 * tiers (CUDA, CPU) and the host tier will implement the same table, so
 * the work loop moves bytes between any two tiers the same way: submit
 * operations without blocking, then reap completions when the tier's
 * poll fd is readable.
 *
 * Every function returns 0 (or a count) or -errno; none sets errno, logs
 * or exits: the daemon logs once, where it knows what the failure means.
 */
#ifndef KVTD_TIER_OPS_H
#define KVTD_TIER_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * struct kvtd_tier_key - an object's name in a tier.
 * @lo, @hi: the 128-bit key (struct drm_kvtier_key's lo and hi).
 * @ns: the key's namespace: the owning tenant's id, 0 for global objects.
 *	Keys are unique only within a namespace, so two tenants' objects
 *	with equal keys are different objects and must never resolve to
 *	each other.
 */
struct kvtd_tier_key {
	uint64_t lo;
	uint64_t hi;
	uint64_t ns;
};

static inline bool kvtd_tier_key_eq(const struct kvtd_tier_key *a,
				    const struct kvtd_tier_key *b)
{
	return a->lo == b->lo && a->hi == b->hi && a->ns == b->ns;
}

/* A range of the daemon's memory that I/O will use (the host pool mapping). */
struct kvtd_region {
	void *addr;
	size_t len;
};

/**
 * struct kvtd_tier_cfg - how to open a tier.
 * @path: the tier's backing store (a file or block device for the disk).
 * @size: bytes to use; 0 keeps the size an existing store was made with.
 * @queue_depth: most operations in flight; 0 for the tier's default.
 * @flags: KVTD_TIER_* bits.
 * @regions: memory the caller's buffers will come from, registered with
 *	     the tier up front so I/O to it needs no per-operation setup.
 * @nr_regions: entries in @regions.
 */
struct kvtd_tier_cfg {
	const char *path;
	uint64_t size;
	uint32_t queue_depth;
	uint32_t flags;
	const struct kvtd_region *regions;
	uint32_t nr_regions;
};

/* Create the store if @path holds none (otherwise -ENOENT). */
#define KVTD_TIER_CREATE (1u << 0)
/* Start empty: format over whatever @path holds. */
#define KVTD_TIER_TRUNCATE (1u << 1)
#define KVTD_TIER_FLAGS_VALID (KVTD_TIER_CREATE | KVTD_TIER_TRUNCATE)

enum kvtd_tier_op {
	KVTD_TIER_OP_WRITE = 1,
	KVTD_TIER_OP_READ,
	KVTD_TIER_OP_DROP,
	KVTD_TIER_OP_SYNC,
};

/**
 * struct kvtd_tier_cqe - one completed operation.
 * @user_data: what the caller passed at submission.
 * @res: 0 or -errno (-EBADMSG: the content failed its checksum and the
 *	 copy was dropped; -EIO: the device failed).
 * @op: enum kvtd_tier_op.
 * @key: the object (zero for SYNC).
 * @location: where the copy lives in the tier (the disk extent's byte
 *	      offset): the DISK location the driver records.
 * @size: the object's bytes.
 * @generation: the copy's generation (disk), 0 where a tier has none.
 */
struct kvtd_tier_cqe {
	uint64_t user_data;
	int32_t res;
	uint32_t op;
	struct kvtd_tier_key key;
	uint64_t location;
	uint64_t size;
	uint64_t generation;
};

/**
 * struct kvtd_tier_stats - counters since open (objects and bytes now).
 * @capacity: bytes the tier can hold; @used: bytes held (with overhead).
 * @objects: objects held now; @recovered: found valid at open.
 * @writes, @reads, @drops, @syncs: operations completed successfully.
 * @errors: operations completed with an error.
 * @bytes_written, @bytes_read: object bytes moved.
 * @drops_torn: copies found incomplete at open (a write cut short).
 * @drops_corrupt: copies whose header or content failed a checksum.
 * @drops_stale: copies superseded by a newer generation.
 * @fixed_ios, @unfixed_ios: I/Os from registered buffers, and from others.
 */
struct kvtd_tier_stats {
	uint64_t capacity;
	uint64_t used;
	uint64_t objects;
	uint64_t recovered;
	uint64_t writes;
	uint64_t reads;
	uint64_t drops;
	uint64_t syncs;
	uint64_t errors;
	uint64_t bytes_written;
	uint64_t bytes_read;
	uint64_t drops_torn;
	uint64_t drops_corrupt;
	uint64_t drops_stale;
	uint64_t fixed_ios;
	uint64_t unfixed_ios;
};

/* A tier instance; backends embed it first in their own state. */
struct kvtd_tier {
	const struct kvtd_tier_ops *ops;
};

/**
 * struct kvtd_tier_ops - a tier backend.
 * @name: short name for configuration and logs ("disk").
 * @open: build a tier from @cfg into *@out. 0 or -errno.
 * @close: finish or cancel what is in flight and free everything.
 * @write: queue storing @size bytes at @buf as @key. 0, -EAGAIN when the
 *	   queue is full (reap first), -ENOSPC, -EINVAL.
 * @read: queue loading @key into @buf (at least @size bytes). 0, -EAGAIN,
 *	  -ENOENT, -EINVAL.
 * @drop: queue forgetting @key. 0, -EAGAIN, -ENOENT.
 * @sync: queue making every completed write durable. 0, -EAGAIN.
 * @submit: hand queued operations to the device. Count or -errno.
 * @reap: move up to @max completions to @cqes, waiting for at least
 *	  @min_wait. Count or -errno.
 * @poll_fd: a descriptor that polls readable while completions wait.
 * @stats: fill @st.
 */
struct kvtd_tier_ops {
	const char *name;
	int (*open)(const struct kvtd_tier_cfg *cfg, struct kvtd_tier **out);
	void (*close)(struct kvtd_tier *t);
	int (*write)(struct kvtd_tier *t, const struct kvtd_tier_key *key,
		     const void *buf, uint64_t size, uint64_t user_data);
	int (*read)(struct kvtd_tier *t, const struct kvtd_tier_key *key,
		    void *buf, uint64_t size, uint64_t user_data);
	int (*drop)(struct kvtd_tier *t, const struct kvtd_tier_key *key,
		    uint64_t user_data);
	int (*sync)(struct kvtd_tier *t, uint64_t user_data);
	int (*submit)(struct kvtd_tier *t);
	int (*reap)(struct kvtd_tier *t, struct kvtd_tier_cqe *cqes,
		    unsigned int max, unsigned int min_wait);
	int (*poll_fd)(struct kvtd_tier *t);
	void (*stats)(struct kvtd_tier *t, struct kvtd_tier_stats *st);
};

#endif /* KVTD_TIER_OPS_H */

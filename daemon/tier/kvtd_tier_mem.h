/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory tiers, one ops table each: HOST (the driver's pools, mapped
 * by the daemon: tier_host.c) and DEVICE (client regions: tier_device_cpu.c
 * for memfd regions copied by the CPU; a CUDA backend implements the same
 * table). The disk tier's table is daemon/disk/tier_ops.h: it stores
 * objects by key, whereas these address bytes of a space (a pool or a
 * region, by id) that the daemon resolves to its own addresses.
 *
 * Every function returns 0 or -errno; none logs.
 */
#ifndef KVTD_TIER_MEM_H
#define KVTD_TIER_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtier_drm.h"
#include "tier_ops.h"

struct kvtier;

/* One copy of a batch. */
struct kvtd_copy {
	void *dst;
	const void *src;
	size_t len;
};

/**
 * struct kvtd_space - the space a lookup resolves.
 * @id: A pool id (HOST) or a region id (DEVICE).
 * @gen: DEVICE: the generation of the region wanted (a work item's
 *       @region_gen), never 0. A region id is reused once its region is
 *       unregistered, and another client's region may hold it by the
 *       time the work runs; the generation is not reused, so a lookup by
 *       it never resolves to a region other than the work's. HOST: 0.
 * @cookie: DEVICE: the cookie of that region (a work item's
 *          @region_cookie), checked too. HOST: 0.
 */
struct kvtd_space {
	uint32_t id;
	uint32_t gen;
	uint64_t cookie;
};

/* A tier instance; backends embed it first. */
struct kvtd_mem_tier {
	const struct kvtd_mem_tier_ops *ops;
};

/**
 * struct kvtd_mem_ref - a counted reference on one mapping of a space
 * (DEVICE: a region at one generation), embedded in the backend's own
 * record of the mapping.
 * @tier: The tier whose mapping it is: kvtd_mem_put() gives it back there.
 * @count: One for the tier's cache while the mapping is the space's
 *	   current one, plus one per holder (@hold).
 */
struct kvtd_mem_ref {
	struct kvtd_mem_tier *tier;
	unsigned int count;
};

/**
 * struct kvtd_mem_tier_ops - a memory tier backend.
 * @name: For logs ("host", "device-cpu").
 * @lookup: The daemon's address and the size of space @s, mapping it
 *	    on first use. 0, -ENOENT (no such space), -ESTALE (DEVICE: the
 *	    region of generation @s->gen is gone, the id names another
 *	    region now, or the cookie differs), -EINVAL (DEVICE: @s->gen
 *	    is 0), -ENODEV (a space with no memory the daemon can reach),
 *	    -EPERM (a region not sealed against shrinking), or the -errno
 *	    of mapping it. The address is of that space's memory only: a
 *	    mapping cached for a region is never handed out for a later
 *	    region that took its id.
 * @revalidate: Spaces looked up from now on are checked against the
 *		driver again (an id may have been reused for a new space).
 * @hold: A reference on the mapping that the last successful @lookup of
 *	  space @id returned (call it right after), for an operation that
 *	  writes through that address later: a copy queued for the batch's
 *	  flush, a disk read in flight, an item riding on one. A mapping
 *	  the cache drops meanwhile (its region gone, -ENOENT or -ESTALE,
 *	  or a newer generation of the id) is only retired: it stays
 *	  mapped, and nothing else can be mapped at its address, until its
 *	  last reference is put (kvtd_mem_put()). An io_uring read into it
 *	  may resolve the address only when it runs (a read punted to
 *	  io-wq), so the mapping must outlive the completion, not just the
 *	  submission. NULL in a tier that keeps every mapping until close
 *	  (HOST). Returns NULL when @id has no mapping.
 * @put: Let go of @ref, from @hold on this tier. The last reference to
 *	 a retired mapping unmaps it (and, for a GPU's, releases it).
 * @copy: Copy a batch of @n into this tier's memory. 0 or -errno. Every
 *	  destination is in a mapping looked up and held, or current.
 * @host_addressable: Whether space @id, as its last lookup mapped it, is
 *		      memory the daemon's CPU can load and store (a memfd),
 *		      rather than memory only @copy reaches (a GPU's). The
 *		      executor reads from disk straight into the former and
 *		      stages reads for the latter through a host buffer.
 *		      NULL: every space is.
 * @host_register: Make the daemon's buffer [@addr, @addr + @len) fast for
 *		   @copy to read (pinned for DMA), until @host_unregister.
 *		   0, or -errno when it cannot (@copy still works from it,
 *		   slower). NULL: nothing to gain.
 * @host_unregister: Undo @host_register for @addr; harmless when it
 *		     failed. NULL when @host_register is.
 * @close: Unmap everything, retired mappings still held included, and
 *	   free the tier. Every reference must have been put before: a
 *	   holder's operations must have ended (the executor's teardown
 *	   puts those it still holds once the disk has waited its I/O out).
 */
struct kvtd_mem_tier_ops {
	const char *name;
	int (*lookup)(struct kvtd_mem_tier *t, const struct kvtd_space *s,
		      void **base, uint64_t *size);
	void (*revalidate)(struct kvtd_mem_tier *t);
	struct kvtd_mem_ref *(*hold)(struct kvtd_mem_tier *t, uint32_t id);
	void (*put)(struct kvtd_mem_tier *t, struct kvtd_mem_ref *ref);
	int (*copy)(struct kvtd_mem_tier *t, const struct kvtd_copy *c,
		    size_t n);
	bool (*host_addressable)(struct kvtd_mem_tier *t, uint32_t id);
	int (*host_register)(struct kvtd_mem_tier *t, void *addr, size_t len);
	void (*host_unregister)(struct kvtd_mem_tier *t, void *addr);
	void (*close)(struct kvtd_mem_tier *t);
};

/* Whether space @id of @t (looked up) is host-addressable; see the ops. */
static inline bool kvtd_mem_host_addressable(struct kvtd_mem_tier *t,
					     uint32_t id)
{
	return !t->ops->host_addressable || t->ops->host_addressable(t, id);
}

/* See the ops' @hold: NULL where @t counts no references. */
static inline struct kvtd_mem_ref *kvtd_mem_hold(struct kvtd_mem_tier *t,
						 uint32_t id)
{
	return t->ops->hold ? t->ops->hold(t, id) : NULL;
}

/* Give back a reference from kvtd_mem_hold(); NULL is ignored. */
static inline void kvtd_mem_put(struct kvtd_mem_ref *ref)
{
	if (ref)
		ref->tier->ops->put(ref->tier, ref);
}

/* HOST: the pools of the device behind @kv (tier_host.c). */
extern const struct kvtd_mem_tier_ops kvtd_host_tier_ops;
int kvtd_host_tier_open(struct kvtier *kv, struct kvtd_mem_tier **out);
/*
 * The pools mapped now, to register with the disk tier: up to @room into
 * @r. Returns the count.
 */
unsigned int kvtd_host_tier_regions(struct kvtd_mem_tier *t,
				    struct kvtd_region *r, unsigned int room);
/*
 * Bumped each time the set kvtd_host_tier_regions() returns changes (a
 * pool mapped, a mapping retired): the daemon re-registers on a change.
 */
uint64_t kvtd_host_tier_maps_gen(struct kvtd_mem_tier *t);
/*
 * Looks every mapped pool up again (after revalidate()), so that the
 * mapping of a pool that is gone or was replaced is retired now, not at
 * the pool's next use.
 */
void kvtd_host_tier_recheck(struct kvtd_mem_tier *t);

/*
 * How the device tier opens region @region_id of generation @gen:
 * kvtier_region_get_fd_gen(), or a test's fake. 0 with @out filled (its
 * @gen the generation opened), -ENOENT (no region has the id), -ESTALE
 * (the region holding the id is of another generation), or -errno.
 */
typedef int (*kvtd_region_fd_fn)(void *ctx, uint32_t region_id, uint32_t gen,
				 struct drm_kvtier_region_get_fd *out);

/*
 * DEVICE with the CPU (tier_device_cpu.c): regions are memfds, sealed
 * with F_SEAL_SHRINK (so that no client can truncate one under a copy and
 * fault the daemon), mapped once and cached by region id and generation
 * (one generation per id: a newer one replaces the mapping; a replaced or
 * dropped mapping held by an operation is retired until put). Copies of a
 * large batch are split over @threads threads (0: as many as the CPUs,
 * up to KVTD_CPU_COPY_THREADS_MAX).
 */
extern const struct kvtd_mem_tier_ops kvtd_device_cpu_tier_ops;
int kvtd_device_cpu_tier_open(kvtd_region_fd_fn get_fd, void *ctx,
			      unsigned int threads, struct kvtd_mem_tier **out);

#endif /* KVTD_TIER_MEM_H */

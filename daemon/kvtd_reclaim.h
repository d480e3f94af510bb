/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Disk copies nobody claims: at start, the copies whose key the driver
 * does not know (the module was reloaded, or their objects were freed
 * while no daemon ran). They are kept, since a later start may claim
 * them, until the disk tier runs out of room: then they are the first to
 * go, before any object the driver knows is dropped for want of space.
 */
#ifndef KVTD_RECLAIM_H
#define KVTD_RECLAIM_H

#include <stddef.h>
#include <stdint.h>

#include "tier_ops.h"

struct kvtd_disk;

/**
 * struct kvtd_reclaim - the unclaimed copies, as recovery listed them.
 * @v: key, size and generation of each; @n of them, room for @cap.
 * @dropped: copies dropped to make room, since start.
 * @bytes: their object bytes.
 * @policy: The eviction policy's name, for the evict probe of each drop
 *          (NULL: "none").
 */
struct kvtd_reclaim {
	struct kvtd_tier_cqe *v;
	size_t n;
	size_t cap;
	uint64_t dropped;
	uint64_t bytes;
	const char *policy;
};

/* Notes the copy @c (as kvtd_disk_foreach() gives it). 0 or -ENOMEM. */
int kvtd_reclaim_add(struct kvtd_reclaim *r, const struct kvtd_tier_cqe *c);

/*
 * Drops unclaimed copies from @d until @bytes of them are on their way
 * back (a drop's space returns when its wipe completes) or none are left,
 * with @user_data on each drop's completion. A key written again since it
 * was noted names a newer copy, which is not this one: the generation
 * tells them apart, and such a copy is only forgotten. Returns how many
 * copies it dropped; 0 when there was nothing left to drop (or the
 * tier's queue was full: try again after reaping).
 */
unsigned int kvtd_reclaim_run(struct kvtd_reclaim *r, struct kvtd_disk *d,
			      uint64_t bytes, uint64_t user_data);

void kvtd_reclaim_fini(struct kvtd_reclaim *r);

#endif /* KVTD_RECLAIM_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The disk tier's space allocator: a byte range [start, start + len) of a
 * file or block device, handed out in extents whose offsets and lengths
 * are multiples of an alignment (4 KiB, what O_DIRECT needs).
 *
 * Only free space is recorded: each free extent sits in two AVL trees, by
 * offset (to find neighbours to coalesce with, and the extent holding a
 * given offset) and by (length, offset) (best fit). Every operation is
 * O(log f) in the number of free extents f. Allocation is best fit, lowest
 * offset among equals, cut from the start of the chosen extent: it keeps
 * large extents whole for large objects and packs used space low.
 *
 * Pure: no I/O, no global state; not thread-safe (one owner).
 */
#ifndef KVTD_DISK_EXTENT_H
#define KVTD_DISK_EXTENT_H

#include <stdbool.h>
#include <stdint.h>

#include "avl.h"

struct kvtd_extent_alloc {
	struct kvtd_avl_node *by_off;
	struct kvtd_avl_node *by_len;
	uint64_t start;
	uint64_t len;
	uint64_t align;
	uint64_t free_bytes;
	uint64_t free_extents;
};

/*
 * kvtd_extent_init - manage [@start, @start + @len) with alignment @align.
 * @all_free: true for an empty store; false to start fully used and
 *	      kvtd_extent_free() what is free (recovery does the opposite:
 *	      starts free and reserves what it finds).
 *
 * Returns 0, -EINVAL if @align is not a power of two or @start/@len are
 * not multiples of it or the range wraps, -ENOMEM.
 */
int kvtd_extent_init(struct kvtd_extent_alloc *a, uint64_t start,
		     uint64_t len, uint64_t align, bool all_free);

/* Frees the allocator's own memory; extents handed out are forgotten. */
void kvtd_extent_fini(struct kvtd_extent_alloc *a);

/*
 * kvtd_extent_alloc - allocate @len bytes (a multiple of the alignment).
 *
 * Returns 0 with the extent's offset in *@off, -EINVAL for a zero or
 * unaligned @len, -ENOSPC if no free extent is large enough (even when the
 * free bytes in total would be), -ENOMEM.
 */
int kvtd_extent_alloc(struct kvtd_extent_alloc *a, uint64_t len,
		      uint64_t *off);

/*
 * kvtd_extent_reserve - mark [@off, @off + @len) used; all of it must be
 * free. Recovery uses it to claim the extents it finds.
 *
 * Returns 0, -EINVAL for an unaligned, empty or out-of-range extent,
 * -EBUSY if any part of it is already used, -ENOMEM.
 */
int kvtd_extent_reserve(struct kvtd_extent_alloc *a, uint64_t off,
			uint64_t len);

/*
 * kvtd_extent_free - return [@off, @off + @len) to free space, merging it
 * with free neighbours.
 *
 * Returns 0, -EINVAL for an unaligned, empty or out-of-range extent or one
 * that overlaps free space (a double free), -ENOMEM.
 */
int kvtd_extent_free(struct kvtd_extent_alloc *a, uint64_t off, uint64_t len);

/* True if every byte of [@off, @off + @len) is free and in range. */
bool kvtd_extent_is_free(const struct kvtd_extent_alloc *a, uint64_t off,
			 uint64_t len);

/* Length of the largest free extent (0 when full). */
uint64_t kvtd_extent_largest(const struct kvtd_extent_alloc *a);

/*
 * Checks both trees against each other and the counters (for tests):
 * returns 0, or -EUCLEAN with the first broken invariant.
 */
int kvtd_extent_check(const struct kvtd_extent_alloc *a);

#endif /* KVTD_DISK_EXTENT_H */

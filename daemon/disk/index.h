/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The disk tier's in-memory index: key -> the extent holding the object's
 * current copy. A chained hash table that doubles as it fills, so finds
 * are O(1) expected however many objects the disk holds. It only links
 * entries; their memory belongs to the caller (disk.c).
 *
 * Rebuilt from the extent headers at every open (recover.c); never written
 * to disk itself. Pure; one owner, not thread-safe.
 *
 * Not the daemon's kvtd_keymap (key -> 32-bit index): this one is
 * intrusive. Its entries are the extents themselves, allocated one by one
 * by disk.c, and they outlive their place in the index (an extent dropped
 * or superseded keeps its memory while reads are in flight from it or its
 * header waits to be wiped), so the index links pointers and never owns
 * or moves them; and linking needs no memory, so recovery indexes every
 * extent it finds even when growing the table fails.
 */
#ifndef KVTD_DISK_INDEX_H
#define KVTD_DISK_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

/**
 * struct kvtd_disk_obj - one extent the tier holds.
 * @next: hash chain.
 * @ext: the extent's header fields.
 * @refs: reads in flight from the extent: its space is not reused before
 *	  they finish, even if the object is dropped meanwhile.
 * @indexed: linked in the index (false once dropped or superseded).
 * @wiped: its header has been wiped on disk (or needs no wipe).
 * @wipe_queued: on the tier's list of headers waiting to be wiped.
 * @corrupt: failed its content checksum: never served again.
 * @list: the tier's wipe list.
 */
struct kvtd_disk_obj {
	struct kvtd_disk_obj *next;
	struct kvtd_disk_ext ext;
	uint32_t refs;
	bool indexed;
	bool wiped;
	bool wipe_queued;
	bool corrupt;
	struct kvtd_disk_obj *list;
};

struct kvtd_disk_index {
	struct kvtd_disk_obj **buckets;
	size_t mask;
	size_t count;
};

/* Empty index. Returns 0 or -ENOMEM. */
int kvtd_index_init(struct kvtd_disk_index *ix);

/* Frees the table (not the entries). */
void kvtd_index_fini(struct kvtd_disk_index *ix);

/* The entry for @key, or NULL. */
struct kvtd_disk_obj *kvtd_index_find(const struct kvtd_disk_index *ix,
				      const struct kvtd_tier_key *key);

/*
 * kvtd_index_insert - link @obj under obj->ext.key.
 *
 * Returns 0, -EEXIST if the key is present (the index is unchanged), or
 * -ENOMEM if the table had to grow and could not (@obj is linked anyway:
 * the table works overfull, only slower).
 */
int kvtd_index_insert(struct kvtd_disk_index *ix, struct kvtd_disk_obj *obj);

/* Unlinks @obj, which must be linked. */
void kvtd_index_remove(struct kvtd_disk_index *ix, struct kvtd_disk_obj *obj);

/*
 * Calls @fn for every entry, in no particular order, until it returns
 * non-zero; returns that value or 0. @fn must not change the index.
 */
int kvtd_index_foreach(const struct kvtd_disk_index *ix,
		       int (*fn)(struct kvtd_disk_obj *obj, void *arg),
		       void *arg);

#endif /* KVTD_DISK_INDEX_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Belady's MIN for the simulator. See kvtr_belady.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "kvtd_keymap.h"
#include "kvtr_belady.h"

/* As LRU's guess: the simulator always passes the real number. */
#define BELADY_GUESS_MAX (1u << 16)
/* Entry indices are 32-bit and KVTD_KEYMAP_NONE is reserved. */
#define BELADY_MAX_ENTRIES (UINT32_MAX - 1u)

struct belady_entry {
	struct drm_kvtier_key key;
	uint64_t size;
	uint64_t next_use;
	uint32_t heap_pos;	/* or, while free, the next free entry */
	uint32_t pad;
};

struct kvtr_belady {
	struct kvtd_policy base;
	struct kvtd_keymap map;
	struct belady_entry *e;
	uint32_t *heap;		/* entry indices, max-heap on next_use */
	uint32_t nheap;
	uint32_t nalloc;	/* entries (and heap slots) allocated */
	uint32_t ntouched;	/* entries ever handed out */
	uint32_t free_head;	/* a freed entry, or KVTD_KEYMAP_NONE */
	const uint64_t *future;
	size_t nfuture;
	size_t now;		/* the next reference to be reported */
	struct drm_kvtier_key miss_key;	/* the last miss, until inserted */
	uint64_t miss_next_use;
	int miss_pending;
};

static struct kvtr_belady *to_belady(const struct kvtd_policy *p)
{
	return (struct kvtr_belady *)p;
}

static uint64_t heap_val(const struct kvtr_belady *b, uint32_t pos)
{
	return b->e[b->heap[pos]].next_use;
}

static void heap_place(struct kvtr_belady *b, uint32_t pos, uint32_t i)
{
	b->heap[pos] = i;
	b->e[i].heap_pos = pos;
}

static void heap_up(struct kvtr_belady *b, uint32_t pos)
{
	uint32_t i = b->heap[pos], parent;

	while (pos > 0) {
		parent = (pos - 1) / 2;
		if (heap_val(b, parent) >= b->e[i].next_use)
			break;
		heap_place(b, pos, b->heap[parent]);
		pos = parent;
	}
	heap_place(b, pos, i);
}

static void heap_down(struct kvtr_belady *b, uint32_t pos)
{
	uint32_t i = b->heap[pos], child;

	for (;;) {
		child = 2 * pos + 1;
		if (child >= b->nheap)
			break;
		if (child + 1 < b->nheap &&
		    heap_val(b, child + 1) > heap_val(b, child))
			child++;
		if (heap_val(b, child) <= b->e[i].next_use)
			break;
		heap_place(b, pos, b->heap[child]);
		pos = child;
	}
	heap_place(b, pos, i);
}

/* Restore the heap after the key at @pos changed either way. */
static void heap_fix(struct kvtr_belady *b, uint32_t pos)
{
	if (pos > 0 && heap_val(b, (pos - 1) / 2) < heap_val(b, pos))
		heap_up(b, pos);
	else
		heap_down(b, pos);
}

static int belady_create(const struct kvtd_policy_params *params,
			 struct kvtd_policy **out)
{
	uint64_t want = params->expect_entries;
	struct kvtr_belady *b;
	int ret;

	if (!want)
		want = params->capacity < BELADY_GUESS_MAX ? params->capacity :
							     BELADY_GUESS_MAX;
	if (!want)
		want = 1;
	if (want > BELADY_MAX_ENTRIES)
		return -E2BIG;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->nalloc = (uint32_t)want;
	b->e = malloc((size_t)b->nalloc * sizeof(*b->e));
	b->heap = malloc((size_t)b->nalloc * sizeof(*b->heap));
	if (!b->e || !b->heap) {
		ret = -ENOMEM;
		goto err_free_arrays;
	}
	ret = kvtd_keymap_init(&b->map, (uint32_t)want);
	if (ret)
		goto err_free_arrays;
	b->free_head = KVTD_KEYMAP_NONE;
	b->future = params->future->next_use;
	b->nfuture = params->future->count;
	*out = &b->base;
	return 0;

err_free_arrays:
	free(b->heap);
	free(b->e);
	free(b);
	return ret;
}

static void belady_destroy(struct kvtd_policy *p)
{
	struct kvtr_belady *b = to_belady(p);

	kvtd_keymap_fini(&b->map);
	free(b->heap);
	free(b->e);
	free(b);
}

static int belady_on_access(struct kvtd_policy *p,
			    const struct kvtd_access *a)
{
	struct kvtr_belady *b = to_belady(p);
	uint32_t i = kvtd_keymap_get(&b->map, &a->key);

	if (i == KVTD_KEYMAP_NONE)
		return -ENOENT;
	if (b->now >= b->nfuture)
		return -ERANGE;
	b->e[i].next_use = b->future[b->now++];
	heap_fix(b, b->e[i].heap_pos);
	return 0;
}

/*
 * A miss of a tracked key is a block after a prefix lookup's break, still
 * cached but not probed: it is not inserted, so its next use moves on
 * here, or the heap would keep a past reference as its next use.
 */
static int belady_on_miss(struct kvtd_policy *p, const struct kvtd_access *a)
{
	struct kvtr_belady *b = to_belady(p);
	uint32_t i;

	if (b->now >= b->nfuture)
		return -ERANGE;
	i = kvtd_keymap_get(&b->map, &a->key);
	if (i != KVTD_KEYMAP_NONE) {
		b->e[i].next_use = b->future[b->now++];
		heap_fix(b, b->e[i].heap_pos);
		b->miss_pending = 0;
		return 0;
	}
	b->miss_key = a->key;
	b->miss_next_use = b->future[b->now++];
	b->miss_pending = 1;
	return 0;
}

/* Return: a free entry's index, or KVTD_KEYMAP_NONE when out of memory. */
static uint32_t belady_entry_get(struct kvtr_belady *b)
{
	struct belady_entry *e;
	uint32_t *heap, i;
	uint64_t n;

	if (b->free_head != KVTD_KEYMAP_NONE) {
		i = b->free_head;
		b->free_head = b->e[i].heap_pos;
		return i;
	}
	if (b->ntouched == b->nalloc) {
		n = (uint64_t)b->nalloc * 2;
		if (n > BELADY_MAX_ENTRIES)
			n = BELADY_MAX_ENTRIES;
		if (n == b->nalloc)
			return KVTD_KEYMAP_NONE;
		e = realloc(b->e, (size_t)n * sizeof(*e));
		if (!e)
			return KVTD_KEYMAP_NONE;
		b->e = e;
		heap = realloc(b->heap, (size_t)n * sizeof(*heap));
		if (!heap)
			return KVTD_KEYMAP_NONE;
		b->heap = heap;
		b->nalloc = (uint32_t)n;
	}
	return b->ntouched++;
}

static int belady_on_insert(struct kvtd_policy *p,
			    const struct kvtd_access *a, uint64_t size)
{
	const struct drm_kvtier_key *key = &a->key;
	struct kvtr_belady *b = to_belady(p);
	uint32_t i;
	int ret;

	/* Only a miss just reported has a known next use. */
	if (!b->miss_pending || !kvtd_key_eq(key, &b->miss_key))
		return -EINVAL;
	if (kvtd_keymap_get(&b->map, key) != KVTD_KEYMAP_NONE)
		return -EEXIST;
	i = belady_entry_get(b);
	if (i == KVTD_KEYMAP_NONE)
		return -ENOMEM;
	ret = kvtd_keymap_put(&b->map, key, i);
	if (ret) {
		b->e[i].heap_pos = b->free_head;
		b->free_head = i;
		return ret;
	}
	b->miss_pending = 0;
	b->e[i].key = *key;
	b->e[i].size = size;
	b->e[i].next_use = b->miss_next_use;
	b->heap[b->nheap] = i;
	b->e[i].heap_pos = b->nheap++;
	heap_up(b, b->e[i].heap_pos);
	return 0;
}

/*
 * With a filter, a scan of every entry: O(n), but only the daemon would
 * pass one (for pinned objects), and the daemon never runs this policy.
 */
static int belady_pick_victim(const struct kvtd_policy *p,
			      kvtd_victim_ok_fn ok, void *arg,
			      struct drm_kvtier_key *out)
{
	const struct kvtr_belady *b = to_belady(p);
	const struct belady_entry *best = NULL, *e;
	uint32_t pos;

	if (!b->nheap)
		return -ENOENT;
	if (!ok) {
		*out = b->e[b->heap[0]].key;
		return 0;
	}
	for (pos = 0; pos < b->nheap; pos++) {
		e = &b->e[b->heap[pos]];
		if ((!best || e->next_use > best->next_use) && ok(&e->key, arg))
			best = e;
	}
	if (!best)
		return -ENOENT;
	*out = best->key;
	return 0;
}

static int belady_on_remove(struct kvtd_policy *p,
			    const struct drm_kvtier_key *key, uint64_t *size)
{
	struct kvtr_belady *b = to_belady(p);
	uint32_t i = kvtd_keymap_get(&b->map, key), pos, last;

	if (i == KVTD_KEYMAP_NONE)
		return -ENOENT;
	kvtd_keymap_del(&b->map, key);
	pos = b->e[i].heap_pos;
	last = b->heap[--b->nheap];
	if (last != i) {
		heap_place(b, pos, last);
		heap_fix(b, pos);
	}
	*size = b->e[i].size;
	b->e[i].heap_pos = b->free_head;
	b->free_head = i;
	return 0;
}

const struct kvtd_policy_ops kvtr_policy_belady = {
	.name = "belady",
	.offline = true,
	.create = belady_create,
	.destroy = belady_destroy,
	.on_access = belady_on_access,
	.on_miss = belady_on_miss,
	.on_insert = belady_on_insert,
	.pick_victim = belady_pick_victim,
	.on_remove = belady_on_remove,
};

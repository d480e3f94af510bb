// SPDX-License-Identifier: GPL-2.0
/*
 * LRU, the baseline eviction policy: a key map into a table of entries
 * threaded on one circular doubly linked list, most recent first. Every
 * operation is O(1); a filtered pick walks past the keys the filter
 * refuses (pinned ones), which are few.
 *
 * Entries live in one array and link by index: no allocation per object,
 * and the table only grows when more objects are tracked than expected.
 *
 * An entry's index is its ref (kvtd_policy_ops.insert_ref). An instance
 * made KVTD_POLICY_BY_REF keeps no key map at all: a victim's removal is
 * then an unlink, with no hash probe into a table that at 10^6 objects
 * lives in DRAM.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "kvtd_keymap.h"
#include "kvtd_policy.h"

/* Index 0 is the list head, never an object; it also ends the free list. */
#define LRU_HEAD 0u
/*
 * With no hint, size for the capacity up to this many objects: a pool
 * counted in bytes would otherwise ask for an absurd table. Past it the
 * table doubles as needed.
 */
#define LRU_GUESS_MAX (1u << 16)
/* Indices are 32-bit and KVTD_KEYMAP_NONE is reserved. */
#define LRU_MAX_ENTRIES (UINT32_MAX - 1u)
/* lru_entry.prev of a free entry: a stale ref is told apart. */
#define LRU_FREE UINT32_MAX

struct lru_entry {
	struct drm_kvtier_key key;
	uint64_t size;
	uint32_t prev;
	uint32_t next;
};

struct kvtd_lru {
	struct kvtd_policy base;
	struct kvtd_keymap map;
	struct lru_entry *e;
	uint32_t nalloc;	/* entries allocated, the head included */
	uint32_t ntouched;	/* entries ever handed out, the head included */
	uint32_t free_head;	/* a freed entry, linked by next; or LRU_HEAD */
	bool by_ref;		/* no key map: known by ref only */
};

static struct kvtd_lru *to_lru(const struct kvtd_policy *p)
{
	return (struct kvtd_lru *)p;
}

static void lru_unlink(struct kvtd_lru *l, uint32_t i)
{
	l->e[l->e[i].prev].next = l->e[i].next;
	l->e[l->e[i].next].prev = l->e[i].prev;
}

static void lru_push_front(struct kvtd_lru *l, uint32_t i)
{
	l->e[i].prev = LRU_HEAD;
	l->e[i].next = l->e[LRU_HEAD].next;
	l->e[l->e[LRU_HEAD].next].prev = i;
	l->e[LRU_HEAD].next = i;
}

static int lru_create(const struct kvtd_policy_params *params,
		      struct kvtd_policy **out)
{
	uint64_t want = params->expect_entries;
	struct kvtd_lru *l;
	int ret;

	if (!want)
		want = params->capacity < LRU_GUESS_MAX ? params->capacity :
							  LRU_GUESS_MAX;
	if (want >= LRU_MAX_ENTRIES)
		return -E2BIG;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->nalloc = (uint32_t)want + 1;
	l->e = malloc((size_t)l->nalloc * sizeof(*l->e));
	if (!l->e) {
		ret = -ENOMEM;
		goto err_free_lru;
	}
	l->by_ref = params->flags & KVTD_POLICY_BY_REF;
	if (!l->by_ref) {
		ret = kvtd_keymap_init(&l->map, (uint32_t)want);
		if (ret)
			goto err_free_entries;
	}
	l->e[LRU_HEAD].prev = LRU_HEAD;
	l->e[LRU_HEAD].next = LRU_HEAD;
	l->ntouched = 1;
	l->free_head = LRU_HEAD;
	*out = &l->base;
	return 0;

err_free_entries:
	free(l->e);
err_free_lru:
	free(l);
	return ret;
}

static void lru_destroy(struct kvtd_policy *p)
{
	struct kvtd_lru *l = to_lru(p);

	if (!l->by_ref)
		kvtd_keymap_fini(&l->map);
	free(l->e);
	free(l);
}

/* Whether @ref names a tracked entry. */
static bool lru_ref_ok(const struct kvtd_lru *l, uint32_t ref)
{
	return ref != LRU_HEAD && ref < l->ntouched && l->e[ref].prev != LRU_FREE;
}

/* The entry of @key, or KVTD_KEYMAP_NONE (always, with no key map). */
static uint32_t lru_find(const struct kvtd_lru *l,
			 const struct drm_kvtier_key *key)
{
	return l->by_ref ? KVTD_KEYMAP_NONE : kvtd_keymap_get(&l->map, key);
}

static int lru_access_ref(struct kvtd_policy *p, uint32_t ref,
			  const struct kvtd_access *a)
{
	struct kvtd_lru *l = to_lru(p);

	if (!lru_ref_ok(l, ref))
		return -ENOENT;
	lru_unlink(l, ref);
	lru_push_front(l, ref);
	return 0;
}

static int lru_on_access(struct kvtd_policy *p, const struct kvtd_access *a)
{
	uint32_t i = lru_find(to_lru(p), &a->key);

	if (i == KVTD_KEYMAP_NONE)
		return -ENOENT;
	return lru_access_ref(p, i, a);
}

/* Return: a free entry's index, or LRU_HEAD when the table cannot grow. */
static uint32_t lru_entry_get(struct kvtd_lru *l)
{
	struct lru_entry *e;
	uint64_t n;
	uint32_t i;

	if (l->free_head != LRU_HEAD) {
		i = l->free_head;
		l->free_head = l->e[i].next;
		return i;
	}
	if (l->ntouched == l->nalloc) {
		n = (uint64_t)l->nalloc * 2;
		if (n > LRU_MAX_ENTRIES)
			n = LRU_MAX_ENTRIES;
		if (n == l->nalloc)
			return LRU_HEAD;
		e = realloc(l->e, (size_t)n * sizeof(*e));
		if (!e)
			return LRU_HEAD;
		l->e = e;
		l->nalloc = (uint32_t)n;
	}
	return l->ntouched++;
}

static void lru_entry_put(struct kvtd_lru *l, uint32_t i)
{
	l->e[i].prev = LRU_FREE;
	l->e[i].next = l->free_head;
	l->free_head = i;
}

/* With no key map (by ref), the caller vouches that @a->key is new. */
static int lru_insert_ref(struct kvtd_policy *p, const struct kvtd_access *a,
			  uint64_t size, uint32_t *ref)
{
	const struct drm_kvtier_key *key = &a->key;
	struct kvtd_lru *l = to_lru(p);
	uint32_t i;
	int ret;

	if (lru_find(l, key) != KVTD_KEYMAP_NONE)
		return -EEXIST;
	i = lru_entry_get(l);
	if (i == LRU_HEAD)
		return -ENOMEM;
	if (!l->by_ref) {
		ret = kvtd_keymap_put(&l->map, key, i);
		if (ret) {
			lru_entry_put(l, i);
			return ret;
		}
	}
	l->e[i].key = *key;
	l->e[i].size = size;
	lru_push_front(l, i);
	*ref = i;
	return 0;
}

static int lru_on_insert(struct kvtd_policy *p, const struct kvtd_access *a,
			 uint64_t size)
{
	uint32_t ref;

	return lru_insert_ref(p, a, size, &ref);
}

static int lru_victim_ref(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
			  void *arg, struct drm_kvtier_key *out, uint32_t *ref)
{
	const struct kvtd_lru *l = to_lru(p);
	uint32_t i;

	for (i = l->e[LRU_HEAD].prev; i != LRU_HEAD; i = l->e[i].prev) {
		if (!ok || ok(&l->e[i].key, arg)) {
			/*
			 * A plan takes victims from the tail in a row: start
			 * the next one's miss now, under the caller's work on
			 * this one.
			 */
			__builtin_prefetch(&l->e[l->e[i].prev]);
			*out = l->e[i].key;
			*ref = i;
			return 0;
		}
	}
	return -ENOENT;
}

static int lru_pick_victim(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
			   void *arg, struct drm_kvtier_key *out)
{
	uint32_t ref;

	return lru_victim_ref(p, ok, arg, out, &ref);
}

static int lru_remove_ref(struct kvtd_policy *p, uint32_t ref, uint64_t *size)
{
	struct kvtd_lru *l = to_lru(p);

	if (!lru_ref_ok(l, ref))
		return -ENOENT;
	if (!l->by_ref)
		kvtd_keymap_del(&l->map, &l->e[ref].key);
	lru_unlink(l, ref);
	*size = l->e[ref].size;
	lru_entry_put(l, ref);
	return 0;
}

static int lru_on_remove(struct kvtd_policy *p,
			 const struct drm_kvtier_key *key, uint64_t *size)
{
	uint32_t i = lru_find(to_lru(p), key);

	if (i == KVTD_KEYMAP_NONE)
		return -ENOENT;
	return lru_remove_ref(p, i, size);
}

const struct kvtd_policy_ops kvtd_policy_lru = {
	.name = "lru",
	.create = lru_create,
	.destroy = lru_destroy,
	.on_access = lru_on_access,
	.on_insert = lru_on_insert,
	.pick_victim = lru_pick_victim,
	.on_remove = lru_on_remove,
	.insert_ref = lru_insert_ref,
	.access_ref = lru_access_ref,
	.victim_ref = lru_victim_ref,
	.remove_ref = lru_remove_ref,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * LRU, the baseline eviction policy, exact, O(1) amortised per operation.
 *
 * Recency is kept as a log rather than a linked list: every insert and
 * access stamps the entry with a new sequence number and appends { entry,
 * stamp } to a ring. An entry's last stamp is its place in the order; the
 * log records it once per stamp, and the records an entry has since
 * outdated (or that name a removed entry) are stale and skipped. The least
 * recently used entry is the first valid record from the log's head.
 *
 * Why not the classic list: a plan names victims from the tail in a row,
 * and walking a list whose order has nothing to do with where its entries
 * sit in memory is one dependent cache miss per victim (at 10^6 objects,
 * DRAM and a TLB miss each). The log is read in order, so the next records
 * are known before the current one is done with, and their entries are
 * prefetched LRU_AHEAD records ahead: the misses overlap. An access also
 * writes one entry and appends 8 bytes, where a list move touches the
 * entry, its two neighbours and the head.
 *
 * The ring is compacted (stale records dropped, order kept) when it fills,
 * and is always at least twice the entries allocated, so a compaction
 * leaves it at least half empty: O(1) amortised, and an access never
 * allocates. Entries live in one array, by index; a removed entry's stamp
 * is 0, which no record carries, so its records go stale at once.
 *
 * An entry's index is its ref (kvtd_policy_ops.insert_ref). An instance
 * made KVTD_POLICY_BY_REF keeps no key map at all: a victim's removal is
 * then one line written, with no hash probe into a table that at 10^6
 * objects lives in DRAM.
 *
 * Stamps are 32-bit and wrap. A stale record could only pass for valid if
 * its entry were stamped again exactly 2^32 stamps after it; records go at
 * the next compaction, so that takes an entry stamped, left alone for
 * about 2^32 operations, then stamped twice around the wrap; and then the
 * entry is only taken a little out of order (it is still tracked, so
 * nothing else goes wrong).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_keymap.h"
#include "kvtd_policy.h"

/* Index 0 is never an entry (a zero ref is always invalid). */
#define LRU_NIL 0u
/*
 * With no hint, size for the capacity up to this many objects: a pool
 * counted in bytes would otherwise ask for an absurd table. Past it the
 * table doubles as needed.
 */
#define LRU_GUESS_MAX (1u << 16)
/* Indices are 32-bit, KVTD_KEYMAP_NONE is reserved, the log is twice. */
#define LRU_MAX_ENTRIES (1u << 30)
/* The stamp of a free entry: no record has it. */
#define LRU_FREE 0u
/*
 * Records whose entries are prefetched ahead of the one a pick returns:
 * with hits, about half the records are stale, so some 16 victims ahead,
 * enough to cover a DRAM and TLB miss (200-300 ns) with a plan's work per
 * victim (tens of ns); few enough not to pull in lines a short plan never
 * reaches. 16 and 64 measured the same within noise.
 */
#define LRU_AHEAD 32u

struct lru_entry {
	struct drm_kvtier_key key;
	uint64_t size;
	uint32_t stamp;		/* its last; LRU_FREE when free */
	uint32_t next;		/* free list */
};

struct lru_rec {
	uint32_t idx;
	uint32_t stamp;
};

struct kvtd_lru {
	struct kvtd_policy base;
	struct kvtd_keymap map;
	struct lru_entry *e;
	uint32_t nalloc;	/* entries allocated, index 0 included */
	uint32_t ntouched;	/* entries ever handed out, index 0 included */
	uint32_t free_head;	/* a freed entry, linked by next; or LRU_NIL */
	uint32_t clock;		/* the last stamp */
	bool by_ref;		/* no key map: known by ref only */
	struct lru_rec *log;
	uint32_t lmask;		/* log size - 1 */
	uint32_t head;		/* oldest record (free-running; & lmask) */
	uint32_t tail;		/* one past the newest */
	uint32_t pf;		/* records before it are prefetched */
};

static struct kvtd_lru *to_lru(const struct kvtd_policy *p)
{
	return (struct kvtd_lru *)p;
}

static bool lru_rec_valid(const struct kvtd_lru *l, struct lru_rec r)
{
	return l->e[r.idx].stamp == r.stamp;
}

/* The smallest power of two >= 2 * @n. */
static uint32_t lru_log_size(uint32_t n)
{
	uint32_t s = 16;

	while (s < 2 * (uint64_t)n)
		s <<= 1;
	return s;
}

/* Drop the stale records, keeping the order; into a log of @size. */
static int lru_log_rebuild(struct kvtd_lru *l, uint32_t size)
{
	struct lru_rec *to = l->log, r;
	uint32_t i, w = 0;

	if (size != l->lmask + 1) {
		to = malloc((size_t)size * sizeof(*to));
		if (!to)
			return -ENOMEM;
	}
	/* In place, writes never overtake reads: w <= i - head. */
	for (i = l->head; i != l->tail; i++) {
		r = l->log[i & l->lmask];
		if (lru_rec_valid(l, r))
			to[(to == l->log ? l->head + w : w) & (size - 1)] = r;
		w += lru_rec_valid(l, r);
	}
	if (to != l->log) {
		free(l->log);
		l->log = to;
		l->lmask = size - 1;
		l->head = 0;
	}
	l->tail = l->head + w;
	l->pf = l->head;
	return 0;
}

/* Stamp entry @i the most recent. Never allocates (see lru_room()). */
static void lru_stamp(struct kvtd_lru *l, uint32_t i)
{
	if (++l->clock == LRU_FREE)
		++l->clock;
	l->e[i].stamp = l->clock;
	if (l->tail - l->head > l->lmask)
		lru_log_rebuild(l, l->lmask + 1);	/* in place: no error */
	l->log[l->tail++ & l->lmask] = (struct lru_rec){ i, l->clock };
}

static int lru_create(const struct kvtd_policy_params *params,
		      struct kvtd_policy **out)
{
	uint64_t want = params->expect_entries;
	struct kvtd_lru *l;
	int ret = -ENOMEM;

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
	l->lmask = lru_log_size(l->nalloc) - 1;
	l->log = malloc(((size_t)l->lmask + 1) * sizeof(*l->log));
	if (!l->e || !l->log)
		goto err;
	l->by_ref = params->flags & KVTD_POLICY_BY_REF;
	if (!l->by_ref) {
		ret = kvtd_keymap_init(&l->map, (uint32_t)want);
		if (ret)
			goto err;
	}
	l->e[LRU_NIL].stamp = LRU_FREE;
	l->ntouched = 1;
	l->free_head = LRU_NIL;
	*out = &l->base;
	return 0;

err:
	free(l->log);
	free(l->e);
	free(l);
	return ret;
}

static void lru_destroy(struct kvtd_policy *p)
{
	struct kvtd_lru *l = to_lru(p);

	if (!l->by_ref)
		kvtd_keymap_fini(&l->map);
	free(l->log);
	free(l->e);
	free(l);
}

/* Whether @ref names a tracked entry. */
static bool lru_ref_ok(const struct kvtd_lru *l, uint32_t ref)
{
	return ref != LRU_NIL && ref < l->ntouched &&
	       l->e[ref].stamp != LRU_FREE;
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
	lru_stamp(l, ref);
	return 0;
}

static int lru_on_access(struct kvtd_policy *p, const struct kvtd_access *a)
{
	uint32_t i = lru_find(to_lru(p), &a->key);

	if (i == KVTD_KEYMAP_NONE)
		return -ENOENT;
	return lru_access_ref(p, i, a);
}

/*
 * Room for one more entry (and, the log being twice the entries, for its
 * records). Return: a free entry's index, or LRU_NIL when out of memory.
 */
static uint32_t lru_entry_get(struct kvtd_lru *l)
{
	struct lru_entry *e;
	uint64_t n;
	uint32_t i;

	if (l->free_head != LRU_NIL) {
		i = l->free_head;
		l->free_head = l->e[i].next;
		return i;
	}
	if (l->ntouched == l->nalloc) {
		n = (uint64_t)l->nalloc * 2;
		if (n > LRU_MAX_ENTRIES)
			n = LRU_MAX_ENTRIES;
		if (n == l->nalloc)
			return LRU_NIL;
		if (lru_log_size((uint32_t)n) > l->lmask + 1 &&
		    lru_log_rebuild(l, lru_log_size((uint32_t)n)))
			return LRU_NIL;
		e = realloc(l->e, (size_t)n * sizeof(*e));
		if (!e)
			return LRU_NIL;
		l->e = e;
		l->nalloc = (uint32_t)n;
	}
	return l->ntouched++;
}

static void lru_entry_put(struct kvtd_lru *l, uint32_t i)
{
	l->e[i].stamp = LRU_FREE;
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
	if (i == LRU_NIL)
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
	lru_stamp(l, i);
	*ref = i;
	return 0;
}

static int lru_on_insert(struct kvtd_policy *p, const struct kvtd_access *a,
			 uint64_t size)
{
	uint32_t ref;

	return lru_insert_ref(p, a, size, &ref);
}

/* Start the misses of the entries of the next LRU_AHEAD records. */
static void lru_prefetch(struct kvtd_lru *l)
{
	uint32_t end = l->tail - l->head > LRU_AHEAD ? l->head + LRU_AHEAD :
						       l->tail;

	if ((int32_t)(l->pf - l->head) < 0)
		l->pf = l->head;
	for (; (int32_t)(end - l->pf) > 0; l->pf++)
		__builtin_prefetch(&l->e[l->log[l->pf & l->lmask].idx]);
}

static int lru_victim_ref(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
			  void *arg, struct drm_kvtier_key *out, uint32_t *ref)
{
	/*
	 * Dropping stale records from the head changes no answer: only
	 * where the next pick starts. The instance was made writable.
	 */
	struct kvtd_lru *l = to_lru(p);
	struct lru_rec r;
	uint32_t i;

	lru_prefetch(l);
	while (l->head != l->tail &&
	       !lru_rec_valid(l, l->log[l->head & l->lmask])) {
		l->head++;
		lru_prefetch(l);
	}
	for (i = l->head; i != l->tail; i++) {
		r = l->log[i & l->lmask];
		if (!lru_rec_valid(l, r))
			continue;
		if (!ok || ok(&l->e[r.idx].key, arg)) {
			*out = l->e[r.idx].key;
			*ref = r.idx;
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

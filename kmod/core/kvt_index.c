// SPDX-License-Identifier: GPL-2.0
/*
 * The key index: (key, tenant) -> handle, sharded by key hash with a lock
 * per shard, each shard an open-addressing table with linear probing and
 * backward-shift deletion (no tombstones, so probe lengths never decay).
 *
 * Keys are hashed without the tenant, so a tenant's object and a global one
 * with the same key sit in the same probe run and one probe finds both.
 * Entries carry the key and tenant inline: a probe reads only the shard's
 * array, and the object is read once, for the result. Shards grow by
 * doubling at 3/4 load; the new array is allocated with the shard unlocked.
 *
 * Probes take no lock: each shard has a sequence that writers (holding the
 * shard lock) keep odd while they change the table, and a probe that saw
 * it move retries, under the lock after a few tries. An outgrown array may
 * still have a probe in it, so it is kept until kvt_index_fini(): tables
 * double, so the kept ones together are smaller than the live one.
 */
#include "kvt_internal.h"

/*
 * Grow when a shard would pass 3/4 full: short probe runs, half the
 * memory of a 1/2 limit.
 */
static inline uint32_t kvt_shard_limit(uint32_t mask)
{
	return (mask + 1) / 4 * 3;
}

static inline uint64_t kvt_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/*
 * Keys are client-chosen and may be small integers (an expert's layer and
 * number), so they are mixed, with a per-core seed so that no client can
 * aim many keys at one probe run.
 */
uint64_t kvt_key_hash(const struct kvt_core *core,
		      const struct drm_kvtier_key *key)
{
	return kvt_mix64(key->lo ^ core->seed ^
			 (key->hi * 0x9e3779b97f4a7c15ull));
}

/*
 * Probes start at the first entry of the home cache line (two entries per
 * line), so that the line a lookup prefetched holds both entries it reads
 * first.
 */
#define KVT_IENTRY_LINE_MASK (~(uint32_t)(KVT_CACHELINE / \
					 sizeof(struct kvt_ientry) - 1))

static inline uint32_t kvt_home(uint64_t hash, uint32_t mask)
{
	return (uint32_t)hash & mask & KVT_IENTRY_LINE_MASK;
}

static inline struct kvt_shard *kvt_shard_of(struct kvt_core *core,
					     uint64_t hash)
{
	return &core->shards[hash >> (64 - KVT_SHARD_BITS)];
}

static inline bool kvt_ientry_is(const struct kvt_ientry *e,
				 const struct drm_kvtier_key *key)
{
	return e->lo == key->lo && e->hi == key->hi;
}

int kvt_index_init(struct kvt_core *core)
{
	struct kvt_shard *s;
	uint32_t i;

	for (i = 0; i < KVT_SHARDS; i++) {
		s = &core->shards[i];
		s->e = kvt_vzalloc(sizeof(*s->e) * KVT_SHARD_MIN);
		if (!s->e)
			goto err_free_shards;
		s->mask = KVT_SHARD_MIN - 1;
		s->count = 0;
		kvt_lock_init(&s->lock);
	}
	return 0;

err_free_shards:
	while (i--) {
		kvt_vfree(core->shards[i].e);
		kvt_lock_destroy(&core->shards[i].lock);
	}
	return -KVT_ENOMEM;
}

void kvt_index_fini(struct kvt_core *core)
{
	struct kvt_iretired *r;
	struct kvt_shard *s;
	uint32_t i;

	for (i = 0; i < KVT_SHARDS; i++) {
		s = &core->shards[i];
		while (s->retired) {
			r = s->retired;
			s->retired = r->next;
			kvt_vfree(r->e);
			kvt_free(r);
		}
		kvt_vfree(s->e);
		kvt_lock_destroy(&s->lock);
	}
}

/* Brackets a change to @s's table; shard locked. */
static inline void kvt_shard_write_begin(struct kvt_shard *s)
{
	kvt_write_once(s->seq, s->seq + 1);
	kvt_smp_wmb();
}

static inline void kvt_shard_write_end(struct kvt_shard *s)
{
	kvt_smp_wmb();
	kvt_write_once(s->seq, s->seq + 1);
}

/* After a lockless probe: whether a writer changed the table meanwhile. */
static inline bool kvt_shard_read_retry(struct kvt_shard *s, uint32_t seq)
{
	kvt_smp_rmb();
	return kvt_read_once(s->seq) != seq;
}

/* Moves every entry of @s into @e (@mask + 1 entries); shard locked. */
static void kvt_shard_rehash(struct kvt_core *core, struct kvt_shard *s,
			     struct kvt_ientry *e, uint32_t mask)
{
	struct drm_kvtier_key key;
	uint32_t i, j;

	for (i = 0; i <= s->mask; i++) {
		if (!s->e[i].handle)
			continue;
		key.lo = s->e[i].lo;
		key.hi = s->e[i].hi;
		j = kvt_home(kvt_key_hash(core, &key), mask);
		while (e[j].handle)
			j = (j + 1) & mask;
		e[j] = s->e[i];
	}
}

/*
 * Locks @s with room for one more entry, growing it first if needed.
 * Returns 0 with the shard locked, or -ENOMEM unlocked.
 */
static int kvt_shard_lock_room(struct kvt_core *core, struct kvt_shard *s)
{
	struct kvt_iretired *r;
	struct kvt_ientry *e;
	uint32_t mask;

	for (;;) {
		kvt_lock(&s->lock);
		if (s->count + 1 <= kvt_shard_limit(s->mask))
			return 0;
		mask = s->mask * 2 + 1;
		kvt_unlock(&s->lock);

		e = kvt_vzalloc(sizeof(*e) * ((size_t)mask + 1));
		r = kvt_zalloc(sizeof(*r));
		if (!e || !r) {
			kvt_vfree(e);
			kvt_free(r);
			return -KVT_ENOMEM;
		}

		kvt_lock(&s->lock);
		if (s->count + 1 > kvt_shard_limit(s->mask) && mask > s->mask) {
			kvt_shard_rehash(core, s, e, mask);
			/* Probes may still be in the old array: keep it. */
			r->e = s->e;
			r->next = s->retired;
			s->retired = r;
			kvt_shard_write_begin(s);
			/* The array first: an old mask fits a new array. */
			kvt_store_release(&s->e, e);
			kvt_store_release(&s->mask, mask);
			kvt_shard_write_end(s);
			e = NULL;
			r = NULL;
		}
		kvt_unlock(&s->lock);
		kvt_vfree(e);
		kvt_free(r);
	}
}

/*
 * Reserves @key in the namespace of @tenant for @handle (not yet READY).
 * Returns 0, -EEXIST when the namespace already has the key (WRITING or
 * READY), or -ENOMEM.
 */
int kvt_index_reserve(struct kvt_core *core, const struct drm_kvtier_key *key,
		      uint64_t tenant, uint64_t handle)
{
	uint64_t hash = kvt_key_hash(core, key);
	struct kvt_shard *s = kvt_shard_of(core, hash);
	uint32_t i;
	int ret;

	ret = kvt_shard_lock_room(core, s);
	if (ret)
		return ret;
	for (i = kvt_home(hash, s->mask); s->e[i].handle;
	     i = (i + 1) & s->mask) {
		if (kvt_ientry_is(&s->e[i], key) && s->e[i].tenant == tenant) {
			kvt_unlock(&s->lock);
			return -KVT_EEXIST;
		}
	}
	kvt_shard_write_begin(s);
	s->e[i].lo = key->lo;
	s->e[i].hi = key->hi;
	s->e[i].tenant = tenant;
	s->e[i].handle = handle;
	kvt_shard_write_end(s);
	s->count++;
	kvt_unlock(&s->lock);
	return 0;
}

/* Finds @handle's entry; shard locked. Returns its position or -1. */
static int64_t kvt_shard_find(struct kvt_shard *s, uint64_t hash,
			      const struct drm_kvtier_key *key,
			      uint64_t handle)
{
	uint32_t i;

	for (i = kvt_home(hash, s->mask); s->e[i].handle;
	     i = (i + 1) & s->mask) {
		if ((s->e[i].handle & ~KVT_IENTRY_READY) == handle &&
		    kvt_ientry_is(&s->e[i], key))
			return i;
	}
	return -1;
}

/* Makes @handle's entry visible to lookups (commit). */
void kvt_index_set_ready(struct kvt_core *core,
			 const struct drm_kvtier_key *key, uint64_t handle)
{
	uint64_t hash = kvt_key_hash(core, key);
	struct kvt_shard *s = kvt_shard_of(core, hash);
	int64_t pos;

	kvt_lock(&s->lock);
	pos = kvt_shard_find(s, hash, key, handle);
	if (!KVT_WARN_ON(pos < 0)) {
		kvt_shard_write_begin(s);
		s->e[pos].handle |= KVT_IENTRY_READY;
		kvt_shard_write_end(s);
	}
	kvt_unlock(&s->lock);
}

/* Removes @handle's entry, shifting later entries of its run back. */
void kvt_index_remove(struct kvt_core *core, const struct drm_kvtier_key *key,
		      uint64_t handle)
{
	uint64_t hash = kvt_key_hash(core, key);
	struct kvt_shard *s = kvt_shard_of(core, hash);
	struct drm_kvtier_key k;
	uint32_t i, j, home;
	int64_t pos;

	kvt_lock(&s->lock);
	pos = kvt_shard_find(s, hash, key, handle);
	if (KVT_WARN_ON(pos < 0)) {
		kvt_unlock(&s->lock);
		return;
	}
	i = (uint32_t)pos;
	j = i;
	kvt_shard_write_begin(s);
	for (;;) {
		j = (j + 1) & s->mask;
		if (!s->e[j].handle)
			break;
		k.lo = s->e[j].lo;
		k.hi = s->e[j].hi;
		home = kvt_home(kvt_key_hash(core, &k), s->mask);
		/*
		 * The entry at j may fill the hole at i unless its home lies
		 * cyclically in (i, j].
		 */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		s->e[i] = s->e[j];
		i = j;
	}
	kvt_memset(&s->e[i], 0, sizeof(s->e[i]));
	kvt_shard_write_end(s);
	s->count--;
	kvt_unlock(&s->lock);
}

/*
 * Starts loading the cache lines a probe of @hash will read. Reads the
 * shard's array without its lock: a stale address is harmless to a
 * prefetch.
 */
void kvt_index_prefetch(struct kvt_core *core, uint64_t hash)
{
	struct kvt_shard *s = kvt_shard_of(core, hash);
	uint32_t mask = kvt_load_acquire(&s->mask);
	struct kvt_ientry *e = kvt_load_acquire(&s->e);
	struct kvt_ientry *home = &e[kvt_home(hash, mask)];

	kvt_prefetch(home);
	/* A run often goes on into the next line: load it alongside. */
	kvt_prefetch(home + KVT_CACHELINE / sizeof(*home));
}

/*
 * One probe of @e (@mask + 1 entries), locked or not: every entry is read
 * once, and the walk is bounded, so a table changing underneath can give a
 * wrong answer (which the caller's sequence check throws away) but never a
 * fault or an endless loop.
 */
static uint64_t kvt_shard_probe(const struct kvt_ientry *e, uint32_t mask,
				uint64_t hash,
				const struct drm_kvtier_key *key,
				uint64_t tenant, bool *global)
{
	uint64_t found = 0, glob = 0, h, t;
	uint32_t i, n;

	i = kvt_home(hash, mask);
	for (n = 0; n <= mask; n++, i = (i + 1) & mask) {
		h = kvt_read_once(e[i].handle);
		if (!h)
			break;
		if (!(h & KVT_IENTRY_READY) ||
		    kvt_read_once(e[i].lo) != key->lo ||
		    kvt_read_once(e[i].hi) != key->hi)
			continue;
		t = kvt_read_once(e[i].tenant);
		if (t == tenant) {
			found = h;
			break;
		}
		if (!t && !glob)
			glob = h;
	}
	*global = false;
	if (!found && glob) {
		found = glob;
		*global = true;
	}
	return found & ~KVT_IENTRY_READY;
}

/* Lockless probes of a shard before one under its lock. */
#define KVT_PROBE_TRIES 4

/*
 * Looks @key up for @tenant: its own READY object if it has one, else a
 * global READY one (*global set). Returns the handle, or 0. Takes no lock
 * unless writers keep the shard busy.
 */
uint64_t kvt_index_probe(struct kvt_core *core, uint64_t hash,
			 const struct drm_kvtier_key *key, uint64_t tenant,
			 bool *global)
{
	struct kvt_shard *s = kvt_shard_of(core, hash);
	const struct kvt_ientry *e;
	uint32_t seq, mask, tries;
	uint64_t found;

	for (tries = 0; tries < KVT_PROBE_TRIES; tries++) {
		seq = kvt_load_acquire(&s->seq);
		if (seq & 1)
			continue;
		/* Mask first: with an old mask, either array is big enough. */
		mask = kvt_load_acquire(&s->mask);
		e = kvt_load_acquire(&s->e);
		found = kvt_shard_probe(e, mask, hash, key, tenant, global);
		if (!kvt_shard_read_retry(s, seq))
			return found;
	}
	kvt_lock(&s->lock);
	found = kvt_shard_probe(s->e, s->mask, hash, key, tenant, global);
	kvt_unlock(&s->lock);
	return found;
}

/* Entries in the index, for consistency checks. */
uint64_t kvt_index_count(struct kvt_core *core)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < KVT_SHARDS; i++) {
		kvt_lock(&core->shards[i].lock);
		n += core->shards[i].count;
		kvt_unlock(&core->shards[i].lock);
	}
	return n;
}

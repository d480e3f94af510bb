// SPDX-License-Identifier: GPL-2.0
/*
 * The key index: (key, tenant) -> handle, sharded by key hash with a lock
 * per shard, each shard an open-addressing table with linear probing and
 * backward-shift deletion (no tombstones, so probe lengths never decay).
 *
 * Keys are hashed without the tenant, so a tenant's object and a global one
 * with the same key sit in the same probe run and one probe finds both.
 * Entries carry the key and tenant inline, and a mirror of everything a
 * plain lookup returns (kvt_index_mirror_update()), one entry per cache
 * line: a lookup reads the line its key hashes to and, for the keys a
 * collision pushed on, the next ones - never the object. Each entry also
 * keeps the reach of its slot (how far past it the entries homed there may
 * sit), so that a lookup pipeline can load all of a key's lines at once;
 * a hint, which may overstate, never read for an answer. Shards grow by
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

/* One entry per cache line: a probe starts on the line the hash names. */
static inline uint32_t kvt_home(uint64_t hash, uint32_t mask)
{
	return (uint32_t)hash & mask;
}

/*
 * Notes in the entry at @home (of @e, @mask + 1 entries) that an entry
 * homed there sits at @pos; shard locked. The reach an entry keeps is a
 * hint for prefetching only: it may overstate (entries shifted back on a
 * removal keep it), never matters to a probe's answer.
 */
static inline void kvt_reach_note(struct kvt_ientry *e, uint32_t mask,
				  uint32_t home, uint32_t pos)
{
	uint32_t d = (pos - home) & mask;

	if (d > 0xffffu)
		d = 0xffffu;
	if (d > e[home].reach)
		kvt_write_once(e[home].reach, (uint16_t)d);
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
	uint32_t i, j, home;

	for (i = 0; i <= s->mask; i++) {
		if (!s->e[i].handle)
			continue;
		key.lo = s->e[i].lo;
		key.hi = s->e[i].hi;
		home = kvt_home(kvt_key_hash(core, &key), mask);
		j = home;
		while (e[j].handle)
			j = (j + 1) & mask;
		e[j] = s->e[i];
		/* An empty slot is no entry's home: nothing reaches past it. */
		e[j].reach = 0;
		kvt_reach_note(e, mask, home, j);
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
	kvt_memset(&s->e[i], 0, sizeof(s->e[i]));
	s->e[i].lo = key->lo;
	s->e[i].hi = key->hi;
	s->e[i].tenant = tenant;
	s->e[i].handle = handle;
	kvt_reach_note(s->e, s->mask, kvt_home(hash, s->mask), i);
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

/* Makes @handle's entry visible to lookups, mirror aside (index tests). */
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
		kvt_write_once(s->e[pos].handle, handle | KVT_IENTRY_READY);
		kvt_shard_write_end(s);
	}
	kvt_unlock(&s->lock);
}

/*
 * Brings the index entry of @obj (at table index @idx; object locked) up to
 * date with the object: READY, size, pool, host offset and tiers, all that
 * a plain lookup returns. Nothing to do when the object is not indexed.
 */
void kvt_index_mirror_update(struct kvt_core *core, struct kvt_obj *obj,
			     uint32_t idx)
{
	const struct drm_kvtier_key *key;
	uint64_t hash, handle;
	struct kvt_ientry *e;
	struct kvt_shard *s;
	int64_t pos;

	if (!(obj->flags & KVT_OF_INDEXED))
		return;
	key = &kvt_obj_ext(core, idx)->key;
	handle = KVT_HANDLE(idx, obj->gen);
	hash = kvt_key_hash(core, key);
	s = kvt_shard_of(core, hash);
	kvt_lock(&s->lock);
	pos = kvt_shard_find(s, hash, key, handle);
	if (!KVT_WARN_ON(pos < 0)) {
		e = &s->e[pos];
		kvt_shard_write_begin(s);
		kvt_write_once(e->handle, handle |
			       (obj->state == KVT_OBJ_READY ?
				KVT_IENTRY_READY : 0));
		kvt_write_once(e->size, obj->size);
		kvt_write_once(e->offset, (obj->tiers & KVT_TIER_HOST_BIT) ?
			       obj->slot_first *
			       kvt_pool_slot_size(core, obj->pool_id) : 0);
		kvt_write_once(e->pool_id, obj->pool_id);
		kvt_write_once(e->tiers, (uint8_t)kvt_obj_tiers(obj));
		kvt_shard_write_end(s);
	}
	kvt_unlock(&s->lock);
}

/*
 * Records an access (fetch, commit) to @obj at @now in its index entry,
 * zeroing its hits with @reset; object locked, and indexed. The statistics
 * are no part of the mirror: relaxed stores under the shard lock, as
 * lookups make them without it.
 */
void kvt_index_touch(struct kvt_core *core, struct kvt_obj *obj,
		     uint32_t idx, uint64_t now, bool reset)
{
	const struct drm_kvtier_key *key = &kvt_obj_ext(core, idx)->key;
	uint64_t hash = kvt_key_hash(core, key);
	struct kvt_shard *s = kvt_shard_of(core, hash);
	struct kvt_ientry *e;
	int64_t pos;

	kvt_lock(&s->lock);
	pos = kvt_shard_find(s, hash, key, KVT_HANDLE(idx, obj->gen));
	if (!KVT_WARN_ON(pos < 0)) {
		e = &s->e[pos];
		if (reset)
			kvt_write_once(e->hits, 0);
		kvt_write_once(e->last_access_ns, now);
	}
	kvt_unlock(&s->lock);
}

/*
 * Copies the entry of @key naming @handle (READY or not) into @out.
 * Returns 0, or -ENOENT when no entry names it. For consistency checks and
 * for the access statistics.
 */
int kvt_index_get(struct kvt_core *core, const struct drm_kvtier_key *key,
		  uint64_t handle, struct kvt_imirror *out)
{
	uint64_t hash = kvt_key_hash(core, key);
	struct kvt_shard *s = kvt_shard_of(core, hash);
	const struct kvt_ientry *e;
	int64_t pos;

	kvt_lock(&s->lock);
	pos = kvt_shard_find(s, hash, key, handle);
	if (pos >= 0) {
		e = &s->e[pos];
		out->handle = e->handle;
		out->size = e->size;
		out->offset = e->offset;
		out->pool_id = e->pool_id;
		out->tiers = e->tiers;
		out->hits = kvt_read_once(e->hits);
		out->last_access_ns = kvt_read_once(e->last_access_ns);
	}
	kvt_unlock(&s->lock);
	return pos < 0 ? -KVT_ENOENT : 0;
}

/* Removes @handle's entry, shifting later entries of its run back. */
void kvt_index_remove(struct kvt_core *core, const struct drm_kvtier_key *key,
		      uint64_t handle)
{
	uint64_t hash = kvt_key_hash(core, key);
	struct kvt_shard *s = kvt_shard_of(core, hash);
	struct drm_kvtier_key k;
	uint32_t i, j, home;
	uint16_t reach;
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
		/* The reach belongs to the slot, not to the entry moved. */
		reach = s->e[i].reach;
		s->e[i] = s->e[j];
		s->e[i].reach = reach;
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

	kvt_prefetch(&e[kvt_home(hash, mask)]);
}

/* kvt_shard_probe() results that name no entry. */
#define KVT_PROBE_MISS UINT32_MAX
#define KVT_PROBE_MORE (UINT32_MAX - 1)

/*
 * One probe of @e (@mask + 1 entries), locked or not: every field is read
 * once, and the walk is bounded, so a table changing underneath can give a
 * wrong answer (which the caller's sequence check throws away) but never a
 * fault or an endless loop. Returns the position of @tenant's READY entry
 * for @key, else of a global READY one (*global set), else KVT_PROBE_MISS;
 * KVT_PROBE_MORE when @limit entries did not settle it.
 */
static uint32_t kvt_shard_probe(const struct kvt_ientry *e, uint32_t mask,
				uint64_t hash,
				const struct drm_kvtier_key *key,
				uint64_t tenant, uint32_t limit, bool *global)
{
	uint32_t i, n, glob = KVT_PROBE_MISS;
	uint64_t h, t;

	*global = false;
	i = kvt_home(hash, mask);
	for (n = 0; n <= mask; n++, i = (i + 1) & mask) {
		if (n == limit)
			return KVT_PROBE_MORE;
		h = kvt_read_once(e[i].handle);
		if (!h)
			break;
		if (!(h & KVT_IENTRY_READY) ||
		    kvt_read_once(e[i].lo) != key->lo ||
		    kvt_read_once(e[i].hi) != key->hi)
			continue;
		t = kvt_read_once(e[i].tenant);
		if (t == tenant)
			return i;
		if (!t && glob == KVT_PROBE_MISS)
			glob = i;
	}
	*global = glob != KVT_PROBE_MISS;
	return glob;
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
	uint32_t seq, mask, tries, pos;
	uint64_t found;

	for (tries = 0; tries < KVT_PROBE_TRIES; tries++) {
		seq = kvt_load_acquire(&s->seq);
		if (seq & 1)
			continue;
		/* Mask first: with an old mask, either array is big enough. */
		mask = kvt_load_acquire(&s->mask);
		e = kvt_load_acquire(&s->e);
		pos = kvt_shard_probe(e, mask, hash, key, tenant, UINT32_MAX,
				      global);
		found = pos == KVT_PROBE_MISS ? 0 :
			kvt_read_once(e[pos].handle);
		if (!kvt_shard_read_retry(s, seq))
			return found & ~KVT_IENTRY_READY;
	}
	kvt_lock(&s->lock);
	pos = kvt_shard_probe(s->e, s->mask, hash, key, tenant, UINT32_MAX,
			      global);
	found = pos == KVT_PROBE_MISS ? 0 : s->e[pos].handle;
	kvt_unlock(&s->lock);
	return found & ~KVT_IENTRY_READY;
}

/* At most this many lines past the home line are prefetched for a key. */
#define KVT_PEEK_LINES 8

/*
 * For a lookup pipeline: whether the line kvt_index_prefetch() loaded
 * settles @key (its entry or the end of its run is there). When it does
 * not, starts loading the lines past it that the home entry's reach says
 * entries homed there may sit on (at least one, at most KVT_PEEK_LINES),
 * all at once, and returns false. A hint only: reads without the sequence.
 */

bool kvt_index_peek(struct kvt_core *core, uint64_t hash,
		    const struct drm_kvtier_key *key, uint64_t tenant)
{
	struct kvt_shard *s = kvt_shard_of(core, hash);
	uint32_t mask = kvt_load_acquire(&s->mask);
	const struct kvt_ientry *e = kvt_load_acquire(&s->e);
	uint32_t i = kvt_home(hash, mask);
	uint32_t n, reach;

	if (!kvt_read_once(e[i].handle) ||
	    (kvt_read_once(e[i].lo) == key->lo &&
	     kvt_read_once(e[i].hi) == key->hi &&
	     kvt_read_once(e[i].tenant) == tenant))
		return true;
	/*
	 * The entries homed here lie within its reach: load them all at
	 * once, rather than one miss after the other as the probe walks.
	 */
	reach = kvt_read_once(e[i].reach);
	if (reach > KVT_PEEK_LINES)
		reach = KVT_PEEK_LINES;
	for (n = 1; n <= reach || n == 1; n++)
		kvt_prefetch(&e[(i + n) & mask]);
	return false;
}

/* Fills @r from entry @i of @e as a lookup result; lockless. */
static void kvt_ientry_result(const struct kvt_ientry *e, bool global,
			      struct drm_kvtier_lookup_result *r)
{
	r->handle = kvt_read_once(e->handle) & ~KVT_IENTRY_READY;
	r->size = kvt_read_once(e->size);
	r->offset = kvt_read_once(e->offset);
	r->pool_id = kvt_read_once(e->pool_id);
	r->tiers = kvt_read_once(e->tiers);
	r->flags = KVTIER_LOOKUP_PRESENT | (global ? KVTIER_LOOKUP_GLOBAL : 0);
	r->pad = 0;
}

/* Counts a lookup hit on @e; relaxed stores without the shard lock. */
static void kvt_ientry_hit(struct kvt_ientry *e, uint64_t now)
{
	uint32_t hits = kvt_read_once(e->hits);

	/* Saturates rather than wraps. */
	if (hits != UINT32_MAX)
		kvt_write_once(e->hits, hits + 1);
	kvt_write_once(e->last_access_ns, now);
}

/*
 * A plain lookup of @key for @tenant, from the index alone: fills @r from
 * the mirror in the entry found (its own READY object, else a global one)
 * and counts the hit there with time @now. Returns whether it hit (@r is
 * zeroed on a miss). Takes no lock unless writers keep the shard busy.
 */
bool kvt_index_lookup(struct kvt_core *core, uint64_t hash,
		      const struct drm_kvtier_key *key, uint64_t tenant,
		      uint64_t now, struct drm_kvtier_lookup_result *r)
{
	struct kvt_shard *s = kvt_shard_of(core, hash);
	struct kvt_ientry *e;
	uint32_t seq, mask, tries, pos;
	bool global;

	for (tries = 0; tries < KVT_PROBE_TRIES; tries++) {
		seq = kvt_load_acquire(&s->seq);
		if (seq & 1)
			continue;
		mask = kvt_load_acquire(&s->mask);
		e = kvt_load_acquire(&s->e);
		pos = kvt_shard_probe(e, mask, hash, key, tenant, UINT32_MAX,
				      &global);
		if (pos != KVT_PROBE_MISS)
			kvt_ientry_result(&e[pos], global, r);
		if (kvt_shard_read_retry(s, seq))
			continue;
		if (pos == KVT_PROBE_MISS)
			goto miss;
		/*
		 * Statistics only: a writer moving the entry right now may
		 * lose this count, never the entry.
		 */
		kvt_ientry_hit(&e[pos], now);
		return true;
	}
	kvt_lock(&s->lock);
	pos = kvt_shard_probe(s->e, s->mask, hash, key, tenant, UINT32_MAX,
			      &global);
	if (pos != KVT_PROBE_MISS) {
		kvt_ientry_result(&s->e[pos], global, r);
		kvt_ientry_hit(&s->e[pos], now);
	}
	kvt_unlock(&s->lock);
	if (pos != KVT_PROBE_MISS)
		return true;
miss:
	kvt_memset(r, 0, sizeof(*r));
	return false;
}

/*
 * Counts a lookup hit on the entry naming @handle, as kvt_index_lookup()
 * does, for lookups that found the object another way (ACQUIRE).
 */
void kvt_index_hit(struct kvt_core *core, uint64_t hash,
		   const struct drm_kvtier_key *key, uint64_t handle,
		   uint64_t now)
{
	struct kvt_shard *s = kvt_shard_of(core, hash);
	uint32_t mask = kvt_load_acquire(&s->mask);
	struct kvt_ientry *e = kvt_load_acquire(&s->e);
	uint32_t i, n;
	uint64_t h;

	i = kvt_home(hash, mask);
	for (n = 0; n <= mask; n++, i = (i + 1) & mask) {
		h = kvt_read_once(e[i].handle);
		if (!h)
			return;
		if ((h & ~KVT_IENTRY_READY) == handle &&
		    kvt_read_once(e[i].lo) == key->lo &&
		    kvt_read_once(e[i].hi) == key->hi) {
			kvt_ientry_hit(&e[i], now);
			return;
		}
	}
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

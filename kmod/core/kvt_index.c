// SPDX-License-Identifier: GPL-2.0
/*
 * The key index: (key, tenant) -> handle, sharded by key hash with a lock
 * per shard, each shard an open-addressing table with linear probing and
 * backward-shift deletion (no tombstones, so probe lengths never decay).
 *
 * Keys are hashed without the tenant, so a tenant's object and a global one
 * with the same key sit in the same probe run and one probe finds both.
 * Placement is Robin Hood: within a run, entries sit in the order of their
 * home slots, so the entries homed at one slot sit together, and the slot
 * records where (kvt_ientry.group_first/group_count). A lookup reads the
 * line its key hashes to and, when a collision pushed the key's group on,
 * exactly the lines of that group - known before any of them arrives, so
 * a lookup pipeline loads them all at once, and compares only entries of
 * its own home. Entries carry the key and tenant inline, and a mirror of
 * everything a plain lookup returns (kvt_index_mirror_update()), one entry
 * per cache line, so a lookup never reads the object. Shards grow by
 * doubling at 3/4 load; the new array is allocated with the shard
 * unlocked.
 *
 * Probes take no lock: each shard has a sequence that writers (holding the
 * shard lock) keep odd while they change the table, and a probe that saw
 * it move retries, under the lock after a few tries. An outgrown array may
 * still have a probe in it: lookups run in a read section of the core's
 * readers, and the array is retired, freed once every section that could
 * have seen it has ended.
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

/* Home of the entry at @e in a table of @mask + 1 entries. */
static inline uint32_t kvt_ientry_home(const struct kvt_core *core,
				       const struct kvt_ientry *e,
				       uint32_t mask)
{
	struct drm_kvtier_key key = { .lo = e->lo, .hi = e->hi };

	return kvt_home(kvt_key_hash(core, &key), mask);
}

/*
 * Copies the entry @src into the slot @dst, whose group fields stay: they
 * belong to the slot. Shard locked, between write_begin and write_end.
 */
static inline void kvt_ientry_move(struct kvt_ientry *dst,
				   const struct kvt_ientry *src)
{
	uint8_t first = dst->group_first, count = dst->group_count;

	*dst = *src;
	dst->group_first = first;
	dst->group_count = count;
}

/* Empties the slot @e, group fields aside. */
static inline void kvt_ientry_clear(struct kvt_ientry *e)
{
	uint8_t first = e->group_first, count = e->group_count;

	kvt_memset(e, 0, sizeof(*e));
	e->group_first = first;
	e->group_count = count;
}

/*
 * Moves the start of the group homed at @g by @delta (+1 or -1), as the
 * entries after an insertion or removal shift. An unknown start stays
 * unknown; one that would not fit becomes unknown.
 */
static inline void kvt_group_shift(struct kvt_ientry *g, int delta)
{
	uint8_t first = g->group_first;

	if (first == KVT_GROUP_UNKNOWN)
		return;
	if (delta > 0 && first + 1u >= KVT_GROUP_UNKNOWN)
		kvt_write_once(g->group_first, (uint8_t)KVT_GROUP_UNKNOWN);
	else
		kvt_write_once(g->group_first, (uint8_t)(first + delta));
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
		kvt_atomic64_add(&core->st.index_bytes,
				 sizeof(*s->e) * KVT_SHARD_MIN);
	}
	return 0;

err_free_shards:
	while (i--) {
		kvt_vfree(core->shards[i].e);
		kvt_lock_destroy(&core->shards[i].lock);
	}
	return -KVT_ENOMEM;
}

/* After kvt_readers_fini(): the retired arrays are gone already. */
void kvt_index_fini(struct kvt_core *core)
{
	struct kvt_shard *s;
	uint32_t i;

	for (i = 0; i < KVT_SHARDS; i++) {
		s = &core->shards[i];
		kvt_vfree(s->e);
		kvt_lock_destroy(&s->lock);
	}
}

/* Frees an outgrown array once no lookup can be reading it. */
static void kvt_iretired_free(struct kvt_retire_head *h)
{
	struct kvt_iretired *r = (struct kvt_iretired *)h;

	kvt_vfree(r->e);
	kvt_atomic64_add(&r->core->st.index_retired_bytes, -r->bytes);
	kvt_free(r);
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

/*
 * Where the group homed at @home sits, as its home slot says: sets @start
 * and @count and returns true, or returns false when the slot cannot say
 * (then the run from @home holds it). Shard locked.
 */
static inline bool kvt_group_known(const struct kvt_ientry *e, uint32_t mask,
				   uint32_t home, uint32_t *start,
				   uint32_t *count)
{
	uint8_t first = e[home].group_first, n = e[home].group_count;

	if (first == KVT_GROUP_UNKNOWN || n == KVT_GROUP_UNKNOWN)
		return false;
	*start = (home + first) & mask;
	*count = n;
	return true;
}

/*
 * Where in @e (@mask + 1 entries, not full) an entry of @key and @tenant
 * homed at @home goes: after every entry of its run homed at or before
 * @home, before the first homed after it. Returns the slot, or -EEXIST
 * when @tenant already has @key. Shard locked.
 */
static int64_t kvt_group_place(const struct kvt_core *core,
			       const struct kvt_ientry *e, uint32_t mask,
			       uint32_t home, const struct drm_kvtier_key *key,
			       uint64_t tenant)
{
	uint32_t i, n, count;

	if (kvt_group_known(e, mask, home, &i, &count) && count) {
		/* The group ends where the entry goes. */
		for (n = 0; n < count; n++, i = (i + 1) & mask)
			if (kvt_ientry_is(&e[i], key) && e[i].tenant == tenant)
				return -KVT_EEXIST;
		return i;
	}
	/* Past the entries displaced further than this one would be. */
	for (i = home, n = 0; e[i].handle; i = (i + 1) & mask, n++) {
		if (((i - kvt_ientry_home(core, &e[i], mask)) & mask) < n)
			break;
		if (kvt_ientry_is(&e[i], key) && e[i].tenant == tenant)
			return -KVT_EEXIST;
	}
	return i;
}

/*
 * Puts @src, homed at @home, into slot @pos of @e (@mask + 1 entries) as
 * kvt_group_place() chose it, shifting the rest of the run one slot on
 * and keeping every group's place up to date. Shard locked, between
 * write_begin and write_end (or @e not yet published).
 */
static void kvt_group_insert(const struct kvt_core *core,
			     struct kvt_ientry *e, uint32_t mask,
			     uint32_t home, uint32_t pos,
			     const struct kvt_ientry *src)
{
	uint32_t end, i, g, moved = UINT32_MAX;
	uint8_t count = e[home].group_count;

	/* The groups from @pos to the run's end each move one slot on. */
	for (end = pos; e[end].handle; end = (end + 1) & mask) {
		g = kvt_ientry_home(core, &e[end], mask);
		if (g != moved)
			kvt_group_shift(&e[g], 1);
		moved = g;
	}
	for (i = end; i != pos; i = (i - 1) & mask)
		kvt_ientry_move(&e[i], &e[(i - 1) & mask]);
	kvt_ientry_move(&e[pos], src);

	if (!count) {
		i = (pos - home) & mask;
		kvt_write_once(e[home].group_first, (uint8_t)(i < KVT_GROUP_UNKNOWN ?
					       i : KVT_GROUP_UNKNOWN));
	}
	if (count != KVT_GROUP_UNKNOWN)
		kvt_write_once(e[home].group_count, (uint8_t)(count + 1));
}

/* Moves every entry of @s into @e (@mask + 1 entries); shard locked. */
static void kvt_shard_rehash(struct kvt_core *core, struct kvt_shard *s,
			     struct kvt_ientry *e, uint32_t mask)
{
	const struct kvt_ientry *old;
	struct drm_kvtier_key key;
	uint32_t i, home;
	int64_t pos;

	for (i = 0; i <= s->mask; i++) {
		old = &s->e[i];
		if (!old->handle)
			continue;
		key.lo = old->lo;
		key.hi = old->hi;
		home = kvt_home(kvt_key_hash(core, &key), mask);
		pos = kvt_group_place(core, e, mask, home, &key, old->tenant);
		if (KVT_WARN_ON(pos < 0))
			continue;
		kvt_group_insert(core, e, mask, home, (uint32_t)pos, old);
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
			r->e = s->e;
			r->core = core;
			r->bytes = sizeof(*e) * ((uint64_t)s->mask + 1);
			kvt_shard_write_begin(s);
			/* The array first: an old mask fits a new array. */
			kvt_store_release(&s->e, e);
			kvt_store_release(&s->mask, mask);
			kvt_shard_write_end(s);
			kvt_atomic64_add(&core->st.index_bytes,
					 sizeof(*e) * ((uint64_t)mask + 1) -
					 r->bytes);
			kvt_atomic64_add(&core->st.index_retired_bytes,
					 r->bytes);
			/*
			 * Lookups may still be in the old array. Retiring
			 * never waits, so the lock can stay: the new array
			 * has the room asked for.
			 */
			kvt_retire(&core->readers, &r->head, kvt_iretired_free);
			return 0;
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
	struct kvt_ientry e;
	uint32_t home;
	int64_t pos;
	int ret;

	ret = kvt_shard_lock_room(core, s);
	if (ret)
		return ret;
	home = kvt_home(hash, s->mask);
	pos = kvt_group_place(core, s->e, s->mask, home, key, tenant);
	if (pos < 0) {
		kvt_unlock(&s->lock);
		return (int)pos;
	}
	kvt_memset(&e, 0, sizeof(e));
	e.lo = key->lo;
	e.hi = key->hi;
	e.tenant = tenant;
	e.handle = handle;
	kvt_shard_write_begin(s);
	kvt_group_insert(core, s->e, s->mask, home, (uint32_t)pos, &e);
	kvt_shard_write_end(s);
	s->count++;
	kvt_unlock(&s->lock);
	return 0;
}

/* Whether @e is the entry of @key naming @handle (READY or not). */
static inline bool kvt_ientry_names(const struct kvt_ientry *e,
				    const struct drm_kvtier_key *key,
				    uint64_t handle)
{
	return (e->handle & ~KVT_IENTRY_READY) == handle &&
	       kvt_ientry_is(e, key);
}

/*
 * Finds @handle's entry; shard locked. Returns its position or -1. Looks
 * through the group homed where @hash points, not the whole run, unless
 * the home slot cannot say where the group is.
 */
static int64_t kvt_shard_find(struct kvt_shard *s, uint64_t hash,
			      const struct drm_kvtier_key *key,
			      uint64_t handle)
{
	uint32_t mask = s->mask, home = kvt_home(hash, mask), i, n, count;

	if (kvt_group_known(s->e, mask, home, &i, &count)) {
		for (n = 0; n < count; n++, i = (i + 1) & mask)
			if (kvt_ientry_names(&s->e[i], key, handle))
				return i;
		return -1;
	}
	for (i = home; s->e[i].handle; i = (i + 1) & mask)
		if (kvt_ientry_names(&s->e[i], key, handle))
			return i;
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

/*
 * Removes @handle's entry, shifting the rest of its run back a slot, up
 * to the first entry at its home: Robin Hood order holds without
 * tombstones.
 */
void kvt_index_remove(struct kvt_core *core, const struct drm_kvtier_key *key,
		      uint64_t handle)
{
	uint64_t hash = kvt_key_hash(core, key);
	struct kvt_shard *s = kvt_shard_of(core, hash);
	struct kvt_ientry *e;
	uint32_t i, j, g, home, moved;
	uint8_t count;
	int64_t pos;

	kvt_lock(&s->lock);
	pos = kvt_shard_find(s, hash, key, handle);
	if (KVT_WARN_ON(pos < 0)) {
		kvt_unlock(&s->lock);
		return;
	}
	e = s->e;
	home = kvt_home(hash, s->mask);
	kvt_shard_write_begin(s);
	count = e[home].group_count;
	if (count != KVT_GROUP_UNKNOWN)
		kvt_write_once(e[home].group_count, (uint8_t)(count - 1));
	/* The rest of its own group keeps its start; later groups move. */
	moved = home;
	for (i = (uint32_t)pos;; i = j) {
		j = (i + 1) & s->mask;
		if (!e[j].handle)
			break;
		g = kvt_ientry_home(core, &e[j], s->mask);
		if (g == j)
			break;
		if (g != moved)
			kvt_group_shift(&e[g], -1);
		moved = g;
		kvt_ientry_move(&e[i], &e[j]);
	}
	kvt_ientry_clear(&e[i]);
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

	kvt_prefetch_far(&e[kvt_home(hash, mask)]);
}

/* kvt_shard_probe()'s answer when it finds no entry. */
#define KVT_PROBE_MISS UINT32_MAX

/*
 * One probe of @e (@mask + 1 entries), locked or not: every field is read
 * once, and the walk is bounded, so a table changing underneath can give a
 * wrong answer (which the caller's sequence check throws away) but never a
 * fault or an endless loop. Reads only the group homed where @hash points,
 * or, where the home slot cannot say where that is, the run from there.
 * Returns the position of @tenant's READY entry for @key, else of a global
 * READY one (*global set), else KVT_PROBE_MISS.
 */
static uint32_t kvt_shard_probe(const struct kvt_ientry *e, uint32_t mask,
				uint64_t hash,
				const struct drm_kvtier_key *key,
				uint64_t tenant, bool *global)
{
	uint32_t i, n, glob = KVT_PROBE_MISS;
	uint8_t first, count;
	uint64_t h, t;

	*global = false;
	i = kvt_home(hash, mask);
	first = kvt_read_once(e[i].group_first);
	count = kvt_read_once(e[i].group_count);
	if (first == KVT_GROUP_UNKNOWN || count == KVT_GROUP_UNKNOWN) {
		n = mask + 1;
	} else {
		i = (i + first) & mask;
		n = count;
	}
	for (; n; n--, i = (i + 1) & mask) {
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

/* Fills @r from the entry @e as a lookup result; lockless. */
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

/*
 * Probes for @key and @tenant under the shard's sequence (under its lock
 * once writers have moved it KVT_PROBE_TRIES times) and copies the entry
 * found - its own READY one, else a global READY one - into @r as a
 * lookup result, zeroed on a miss. Returns that entry, for statistics
 * only (a writer may move it right after), or NULL on a miss.
 */
static struct kvt_ientry *kvt_index_read(struct kvt_core *core,
					 uint64_t hash,
					 const struct drm_kvtier_key *key,
					 uint64_t tenant,
					 struct drm_kvtier_lookup_result *r)
{
	struct kvt_shard *s = kvt_shard_of(core, hash);
	struct kvt_ientry *e;
	uint32_t seq, mask, tries, pos;
	bool global;

	for (tries = 0; tries < KVT_PROBE_TRIES; tries++) {
		seq = kvt_load_acquire(&s->seq);
		if (seq & 1)
			continue;
		/* Mask first: with an old mask, either array is big enough. */
		mask = kvt_load_acquire(&s->mask);
		e = kvt_load_acquire(&s->e);
		pos = kvt_shard_probe(e, mask, hash, key, tenant, &global);
		if (pos != KVT_PROBE_MISS)
			kvt_ientry_result(&e[pos], global, r);
		if (kvt_shard_read_retry(s, seq))
			continue;
		if (pos == KVT_PROBE_MISS)
			goto miss;
		return &e[pos];
	}
	kvt_lock(&s->lock);
	e = s->e;
	pos = kvt_shard_probe(e, s->mask, hash, key, tenant, &global);
	if (pos != KVT_PROBE_MISS)
		kvt_ientry_result(&e[pos], global, r);
	kvt_unlock(&s->lock);
	if (pos != KVT_PROBE_MISS)
		return &e[pos];
miss:
	kvt_memset(r, 0, sizeof(*r));
	return NULL;
}

/*
 * Looks @key up for @tenant: its own READY object if it has one, else a
 * global READY one (*global set). Returns the handle, or 0. Takes no lock
 * unless writers keep the shard busy.
 */
uint64_t kvt_index_probe(struct kvt_core *core, uint64_t hash,
			 const struct drm_kvtier_key *key, uint64_t tenant,
			 bool *global)
{
	struct drm_kvtier_lookup_result r;

	kvt_index_read(core, hash, key, tenant, &r);
	*global = r.flags & KVTIER_LOOKUP_GLOBAL;
	return r.handle;
}

/*
 * Lines past the home line a peek loads for a key's group: with four, a
 * probe at load 0.6 meets a line nobody prefetched for 0.03% of keys
 * (with two, for 1.6%: each a full memory latency, some 400 ns here).
 */
#define KVT_PEEK_LINES 4

/*
 * For a lookup pipeline, once the line kvt_index_prefetch() loaded has
 * arrived: starts loading the lines past it of the group homed there
 * (beyond KVT_PEEK_LINES, a probe meets them itself). For the first two,
 * which most groups need, no branch depends on what the line says: a
 * mispredicted one, resolved only when a line still in flight arrives,
 * would throw away the prefetches issued after it and leave the misses of
 * many keys to happen one by one. A hint only: reads without the
 * sequence.
 */
void kvt_index_peek(struct kvt_core *core, uint64_t hash)
{
	struct kvt_shard *s = kvt_shard_of(core, hash);
	uint32_t mask = kvt_load_acquire(&s->mask);
	const struct kvt_ientry *e = kvt_load_acquire(&s->e);
	uint32_t i = kvt_home(hash, mask), first, end, a, d, n;

	first = kvt_read_once(e[i].group_first);
	end = first + kvt_read_once(e[i].group_count);
	/* Where the home slot cannot say, the run's next lines. */
	if (first == KVT_GROUP_UNKNOWN || end - first == KVT_GROUP_UNKNOWN) {
		first = 0;
		end = 1 + KVT_PEEK_LINES;
	}
	/* The group's lines past the home line: [max(first, 1), end). */
	a = first + (first == 0);
	for (n = 0; n < 2; n++) {
		/* A line the group does not reach becomes the home line. */
		d = (a + n) & (0u - (uint32_t)(end > a + n));
		kvt_prefetch_far(&e[(i + d) & mask]);
	}
	/* Longer groups are rare enough to predict. */
	for (; n < KVT_PEEK_LINES && end > a + n; n++)
		kvt_prefetch_far(&e[(i + a + n) & mask]);
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
	struct kvt_ientry *e = kvt_index_read(core, hash, key, tenant, r);

	if (!e)
		return false;
	/*
	 * Statistics only: a writer moving the entry right now may lose this
	 * count, never the entry.
	 */
	kvt_ientry_hit(e, now);
	return true;
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

/*
 * Checks @s's table, shard locked: the count, Robin Hood order (no entry
 * displaced more than one slot further than the one before it, so none is
 * cut off from its home), and each group where its home slot says it is.
 * Returns the number of faults found.
 */
static uint32_t kvt_shard_check(const struct kvt_core *core,
				const struct kvt_shard *s)
{
	const struct kvt_ientry *e = s->e;
	uint32_t mask = s->mask, p, q, g, prev, n, bad = 0;
	uint64_t count = 0, counted = 0;
	bool unknown = false;

	for (p = 0; p <= mask; p++) {
		if (e[p].group_count == KVT_GROUP_UNKNOWN)
			unknown = true;
		else
			counted += e[p].group_count;
		if (!e[p].handle)
			continue;
		count++;
		g = kvt_ientry_home(core, &e[p], mask);
		q = (p - 1) & mask;
		prev = e[q].handle ? kvt_ientry_home(core, &e[q], mask) : q;
		if (((p - g) & mask) > (e[q].handle ? ((q - prev) & mask) + 1 : 0))
			bad++;
		if (e[q].handle && prev == g)
			continue;
		/* The first entry of group g: its home slot must say so. */
		if (e[g].group_first != KVT_GROUP_UNKNOWN &&
		    e[g].group_first != ((p - g) & mask))
			bad++;
		for (n = 0, q = p; n <= mask && e[q].handle &&
		     kvt_ientry_home(core, &e[q], mask) == g;
		     n++, q = (q + 1) & mask)
			;
		if (e[g].group_count != KVT_GROUP_UNKNOWN &&
		    e[g].group_count != n)
			bad++;
	}
	if (count != s->count || (!unknown && counted != count))
		bad++;
	return bad;
}

/* Faults in the index's structure, for consistency checks; 0 if none. */
uint32_t kvt_index_check(struct kvt_core *core)
{
	struct kvt_shard *s;
	uint32_t i, bad = 0;

	for (i = 0; i < KVT_SHARDS; i++) {
		s = &core->shards[i];
		kvt_lock(&s->lock);
		bad += kvt_shard_check(core, s);
		kvt_unlock(&s->lock);
	}
	return bad;
}

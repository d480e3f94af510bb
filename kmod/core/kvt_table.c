// SPDX-License-Identifier: GPL-2.0
/*
 * The object table: objects live in fixed-size chunks, allocated when the
 * table first grows into them and kept until the core is destroyed, so an
 * object never moves and a handle finds it in two loads. A handle carries
 * the entry's generation, bumped each time the entry is freed, so a stale
 * handle never names a newer object.
 */
#include "kvt_internal.h"

int kvt_table_init(struct kvt_core *core)
{
	uint32_t i;

	core->nchunks = (uint32_t)(((uint64_t)core->max_objects +
				    KVT_CHUNK_SIZE - 1) >> KVT_CHUNK_SHIFT);
	core->chunks = kvt_vzalloc(sizeof(*core->chunks) * core->nchunks);
	core->xchunks = kvt_vzalloc(sizeof(*core->xchunks) * core->nchunks);
	if (!core->chunks || !core->xchunks) {
		kvt_vfree(core->chunks);
		kvt_vfree(core->xchunks);
		return -KVT_ENOMEM;
	}
	kvt_lock_init(&core->table_lock);
	for (i = 0; i < KVT_OBJ_LOCKS; i++)
		kvt_lock_init(&core->obj_locks[i].lock);
	core->free_head = KVT_NO_INDEX;
	core->next_new = 0;
	return 0;
}

void kvt_table_fini(struct kvt_core *core)
{
	uint32_t i;

	for (i = 0; i < core->nchunks; i++) {
		kvt_vfree(core->chunks[i]);
		kvt_vfree(core->xchunks[i]);
	}
	kvt_vfree(core->chunks);
	kvt_vfree(core->xchunks);
	for (i = 0; i < KVT_OBJ_LOCKS; i++)
		kvt_lock_destroy(&core->obj_locks[i].lock);
	kvt_lock_destroy(&core->table_lock);
}

/* The object at @idx, or NULL when that part of the table never existed. */
struct kvt_obj *kvt_obj_ptr(struct kvt_core *core, uint32_t idx)
{
	struct kvt_obj *chunk;

	if (idx >= core->max_objects)
		return NULL;
	/*
	 * Pairs with the release in kvt_table_grab(): a chunk is zeroed
	 * before it is published.
	 */
	chunk = kvt_load_acquire(&core->chunks[idx >> KVT_CHUNK_SHIFT]);
	if (!chunk)
		return NULL;
	return &chunk[idx & KVT_CHUNK_MASK];
}

/*
 * Every change to an object happens under its stripe lock, so the lock
 * also drives the stripe's sequence: odd while held, for the lockless
 * readers of kvt_lookup() (kvt_obj_read_begin / kvt_obj_read_retry).
 */
void kvt_obj_lock(struct kvt_core *core, uint32_t idx)
{
	struct kvt_lock_pad *l = &core->obj_locks[idx & (KVT_OBJ_LOCKS - 1)];

	kvt_lock(&l->lock);
	kvt_write_once(l->seq, l->seq + 1);
	kvt_smp_wmb();
}

void kvt_obj_unlock(struct kvt_core *core, uint32_t idx)
{
	struct kvt_lock_pad *l = &core->obj_locks[idx & (KVT_OBJ_LOCKS - 1)];
	struct kvt_obj *obj = kvt_obj_ptr(core, idx);

	/* Lock order object -> shard: the index entry follows the object. */
	if (obj->flags & KVT_OF_MIRROR) {
		obj->flags &= ~KVT_OF_MIRROR;
		kvt_index_mirror_update(core, obj, idx);
	}
	kvt_smp_wmb();
	kvt_write_once(l->seq, l->seq + 1);
	kvt_unlock(&l->lock);
}

/*
 * Returns the object @handle names with its lock held, or NULL (unlocked)
 * when the handle is malformed, stale, or names an entry not yet handed out
 * or already dying.
 */
struct kvt_obj *kvt_obj_get(struct kvt_core *core, kvt_handle_t handle)
{
	uint32_t idx = KVT_HANDLE_IDX(handle);
	uint32_t gen = KVT_HANDLE_GEN(handle);
	struct kvt_obj *obj;

	if (!gen || gen > KVT_GEN_MASK)
		return NULL;
	obj = kvt_obj_ptr(core, idx);
	if (!obj)
		return NULL;
	kvt_obj_lock(core, idx);
	if (obj->gen != gen || obj->state < KVT_OBJ_WRITING ||
	    obj->state > KVT_OBJ_EVICTING) {
		kvt_obj_unlock(core, idx);
		return NULL;
	}
	return obj;
}

/* Takes one unused entry; the table lock is held. */
static int kvt_table_grab(struct kvt_core *core, uint32_t *idx)
{
	struct kvt_obj_ext *xchunk;
	struct kvt_obj *chunk;
	uint32_t c;

	if (core->free_head != KVT_NO_INDEX) {
		*idx = core->free_head;
		core->free_head = kvt_obj_ext(core, *idx)->next_free;
		return 0;
	}
	if (core->next_new >= core->max_objects)
		return -KVT_ENOSPC;
	c = core->next_new >> KVT_CHUNK_SHIFT;
	if (!core->chunks[c]) {
		/*
		 * Only the table lock's holder writes chunk pointers; the
		 * cold part is in place before the hot one is published.
		 */
		chunk = kvt_vzalloc(sizeof(*chunk) * KVT_CHUNK_SIZE);
		xchunk = kvt_vzalloc(sizeof(*xchunk) * KVT_CHUNK_SIZE);
		if (!chunk || !xchunk) {
			kvt_vfree(chunk);
			kvt_vfree(xchunk);
			return -KVT_ENOMEM;
		}
		kvt_store_release(&core->xchunks[c], xchunk);
		kvt_store_release(&core->chunks[c], chunk);
	}
	*idx = core->next_new++;
	return 0;
}

static void kvt_table_put(struct kvt_core *core, uint32_t idx)
{
	kvt_obj_ext(core, idx)->next_free = core->free_head;
	core->free_head = idx;
}

/*
 * Takes @count entries in state INIT and writes their handles to
 * items[].handle. All or nothing: -ENOSPC (table full) or -ENOMEM, with
 * *failed_index naming the item that found no entry.
 */
int kvt_table_alloc(struct kvt_core *core, struct drm_kvtier_alloc_item *items,
		    uint32_t count, uint32_t *failed_index)
{
	struct kvt_obj *obj;
	uint32_t i, idx;
	int ret = 0;

	kvt_lock(&core->table_lock);
	for (i = 0; i < count; i++) {
		ret = kvt_table_grab(core, &idx);
		if (ret)
			break;
		items[i].handle = idx;
	}
	if (ret) {
		*failed_index = i;
		while (i--)
			kvt_table_put(core, (uint32_t)items[i].handle);
	}
	kvt_unlock(&core->table_lock);
	if (ret)
		return ret;

	for (i = 0; i < count; i++) {
		idx = (uint32_t)items[i].handle;
		obj = kvt_obj_ptr(core, idx);
		kvt_obj_lock(core, idx);
		if (!obj->gen)
			obj->gen = 1;
		obj->state = KVT_OBJ_INIT;
		items[i].handle = KVT_HANDLE(idx, obj->gen);
		kvt_obj_unlock(core, idx);
	}
	return 0;
}

/*
 * Returns an entry to the free list with a new generation. The object is
 * INIT or DEAD: no handle reaches it any more, and its slots are gone.
 */
void kvt_table_free(struct kvt_core *core, uint32_t idx)
{
	struct kvt_obj *obj = kvt_obj_ptr(core, idx);

	kvt_obj_lock(core, idx);
	obj->gen = (obj->gen + 1) & KVT_GEN_MASK;
	if (!obj->gen)
		obj->gen = 1;
	obj->state = KVT_OBJ_FREE;
	obj->flags = 0;
	obj->tiers = 0;
	obj->creator = NULL;
	kvt_obj_unlock(core, idx);

	kvt_lock(&core->table_lock);
	kvt_table_put(core, idx);
	kvt_unlock(&core->table_lock);
}

static int kvt_uapi_state(uint8_t state)
{
	switch (state) {
	case KVT_OBJ_WRITING:
		return KVTIER_STATE_WRITING;
	case KVT_OBJ_READY:
		return KVTIER_STATE_READY;
	case KVT_OBJ_EVICTING:
		return KVTIER_STATE_EVICTING;
	default:
		return -1;
	}
}

/*
 * The setters below mark the object KVT_OF_MIRROR when a field its index
 * entry mirrors changed; kvt_obj_unlock() then updates the entry.
 */

/* Changes an object's state and the by-state statistics; object locked. */
void kvt_obj_set_state(struct kvt_core *core, struct kvt_obj *obj,
		       uint8_t state)
{
	int from = kvt_uapi_state(obj->state);
	int to = kvt_uapi_state(state);

	if (from >= 0)
		kvt_atomic64_dec(&core->st.by_state[from]);
	if (to >= 0)
		kvt_atomic64_inc(&core->st.by_state[to]);
	if (obj->state == KVT_OBJ_READY || state == KVT_OBJ_READY)
		obj->flags |= KVT_OF_MIRROR;
	obj->state = state;
}

/* Changes HOST/DISK residency and the by-tier statistics; object locked. */
void kvt_obj_set_tiers(struct kvt_core *core, struct kvt_obj *obj,
		       uint8_t tiers)
{
	uint8_t changed = obj->tiers ^ tiers;
	uint32_t t;

	for (t = KVTIER_TIER_HOST; t < KVTIER_TIER_COUNT; t++) {
		if (!(changed & KVTIER_TIER_BIT(t)))
			continue;
		if (tiers & KVTIER_TIER_BIT(t))
			kvt_atomic64_inc(&core->st.by_tier[t]);
		else
			kvt_atomic64_dec(&core->st.by_tier[t]);
	}
	if (changed)
		obj->flags |= KVT_OF_MIRROR;
	obj->tiers = tiers;
}

/* Residency as the uAPI shows it: DEVICE while any device pin exists. */
uint32_t kvt_obj_tiers(const struct kvt_obj *obj)
{
	uint32_t tiers = obj->tiers;

	if (obj->pins[KVTIER_TIER_DEVICE])
		tiers |= KVT_TIER_DEVICE_BIT;
	return tiers;
}

void kvt_obj_pin(struct kvt_core *core, struct kvt_obj *obj, uint32_t tier)
{
	if (tier == KVTIER_TIER_DEVICE && !obj->pins[tier]) {
		kvt_atomic64_inc(&core->st.by_tier[KVTIER_TIER_DEVICE]);
		obj->flags |= KVT_OF_MIRROR;
	}
	obj->pins[tier]++;
}

void kvt_obj_unpin(struct kvt_core *core, struct kvt_obj *obj, uint32_t tier,
		   uint32_t n)
{
	if (!n || KVT_WARN_ON(obj->pins[tier] < n))
		return;
	obj->pins[tier] -= n;
	if (tier == KVTIER_TIER_DEVICE && !obj->pins[tier]) {
		kvt_atomic64_dec(&core->st.by_tier[KVTIER_TIER_DEVICE]);
		obj->flags |= KVT_OF_MIRROR;
	}
}

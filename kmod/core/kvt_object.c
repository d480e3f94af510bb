// SPDX-License-Identifier: GPL-2.0
/*
 * The object state machine: allocation (all or nothing), commit, pin,
 * unpin, release, free, and the manager's residency updates.
 *
 *   INIT -> WRITING -> READY -> EVICTING -> DEAD -> (table entry FREE)
 *                  \______________/
 *
 * An object leaves the namespace (the index) when it is freed or evicted
 * and becomes EVICTING; it dies when nothing references it any more: no
 * client reference and no work item. Dying gives its slots back, which
 * means calling the environment (revoke, scrub), so every path that may
 * end an object fills a struct kvt_release under its locks and calls
 * kvt_release_finish() after dropping them.
 */
#include "kvt_internal.h"

/* Whether @client may name @obj at all: others' objects look absent. */
bool kvt_obj_visible(const struct kvt_client *client,
		     const struct kvt_obj *obj)
{
	uint64_t t = kvt_obj_tenant_id(obj);

	return t == client->tenant->id || !t || kvt_client_is_admin(client) ||
	       client->manager;
}

/* Takes the object out of the index; object locked. */
void kvt_obj_unlink(struct kvt_core *core, struct kvt_obj *obj, uint32_t idx)
{
	struct kvt_obj_ext *x = kvt_obj_ext(core, idx);
	struct kvt_imirror m;

	if (!(obj->flags & KVT_OF_INDEXED))
		return;
	/* The access statistics outlive the entry, for OBJ_SCAN. */
	if (!kvt_index_get(core, &x->key, KVT_HANDLE(idx, obj->gen), &m)) {
		kvt_atomic64_set(&x->last_access_ns, m.last_access_ns);
		kvt_atomic64_set(&x->hits, m.hits);
	}
	kvt_index_remove(core, &x->key, KVT_HANDLE(idx, obj->gen));
	obj->flags &= ~KVT_OF_INDEXED;
}

void kvt_obj_touch(struct kvt_core *core, uint32_t idx, uint64_t now,
		   enum kvt_touch how)
{
	struct kvt_obj *obj = kvt_obj_ptr(core, idx);
	struct kvt_obj_ext *x = kvt_obj_ext(core, idx);

	if (obj->flags & KVT_OF_INDEXED) {
		kvt_index_touch(core, obj, idx, now, how == KVT_TOUCH_COMMIT);
		return;
	}
	if (how == KVT_TOUCH_COMMIT)
		kvt_atomic64_set(&x->hits, 0);
	kvt_atomic64_set(&x->last_access_ns, now);
}

void kvt_obj_stats(struct kvt_core *core, uint32_t idx, uint64_t *hits,
		   uint64_t *last_access_ns)
{
	struct kvt_obj *obj = kvt_obj_ptr(core, idx);
	struct kvt_obj_ext *x = kvt_obj_ext(core, idx);
	struct kvt_imirror m;

	/* Through the index (a probe by key) while the object is in it. */
	if ((obj->flags & KVT_OF_INDEXED) &&
	    !kvt_index_get(core, &x->key, KVT_HANDLE(idx, obj->gen), &m)) {
		*hits = m.hits;
		*last_access_ns = m.last_access_ns;
		return;
	}
	*hits = kvt_atomic64_read(&x->hits);
	*last_access_ns = kvt_atomic64_read(&x->last_access_ns);
}

void kvt_release_init(struct kvt_release *rel)
{
	kvt_memset(rel, 0, sizeof(*rel));
	rel->idx = KVT_NO_INDEX;
}

/* Moves the object's host slots into @rel; object locked. */
void kvt_obj_take_slots(struct kvt_core *core, struct kvt_obj *obj,
			struct kvt_release *rel)
{
	if (!(obj->flags & KVT_OF_SLOTS))
		return;
	rel->pool_id = obj->pool_id;
	rel->tenant = obj->tenant;
	rel->first = obj->slot_first;
	rel->count = obj->slot_count;
	obj->flags &= ~KVT_OF_SLOTS;
	kvt_obj_set_tiers(core, obj, obj->tiers & ~KVT_TIER_HOST_BIT);
}

/*
 * Ends an EVICTING object that nothing references: it becomes DEAD (no
 * handle reaches it) and @rel gets what to release. Object locked.
 * Returns whether it died.
 */
bool kvt_obj_maybe_kill(struct kvt_core *core, struct kvt_obj *obj,
			uint32_t idx, struct kvt_release *rel)
{
	if (obj->state != KVT_OBJ_EVICTING || obj->client_refs ||
	    obj->work_refs)
		return false;
	KVT_WARN_ON(obj->flags & KVT_OF_INDEXED);
	kvt_obj_take_slots(core, obj, rel);
	rel->idx = idx;
	rel->handle = KVT_HANDLE(idx, obj->gen);
	rel->key = kvt_obj_ext(core, idx)->key;
	rel->pool_id = obj->pool_id;
	rel->tenant = obj->tenant;
	kvt_obj_set_tiers(core, obj, 0);
	kvt_obj_set_state(core, obj, KVT_OBJ_DEAD);
	return true;
}

/*
 * Takes the object out of the namespace and ends it if unreferenced. The
 * access stream gets its FREE record here, once per object, as it leaves
 * the namespace (with @access_flags: KVTIER_ACCESS_EVICTED or 0), even if
 * references keep its entry alive a while longer.
 */
static void kvt_obj_evict(struct kvt_core *core, struct kvt_obj *obj,
			  uint32_t idx, struct kvt_release *rel,
			  uint16_t access_flags)
{
	bool was_writing = obj->state == KVT_OBJ_WRITING;

	kvt_obj_unlink(core, obj, idx);
	if (was_writing)
		obj->creator = NULL;
	if (obj->state != KVT_OBJ_EVICTING) {
		kvt_obj_set_state(core, obj, KVT_OBJ_EVICTING);
		if (kvt_stream_on(core))
			kvt_stream_obj(core, KVTIER_ACCESS_FREE, access_flags,
				       &kvt_obj_ext(core, idx)->key,
				       KVT_HANDLE(idx, obj->gen),
				       kvt_obj_tenant_id(obj), obj->pool_id,
				       0, 0);
	}
	kvt_obj_maybe_kill(core, obj, idx, rel);
	/*
	 * A WRITING object freed while still referenced keeps its slots:
	 * the write access its writer's mappings had goes now, as at a
	 * commit (kvt_slot_write_access() refuses an EVICTING object).
	 */
	if (was_writing && rel->idx == KVT_NO_INDEX &&
	    (obj->flags & KVT_OF_SLOTS) && (obj->flags & KVT_OF_WRITABLE)) {
		obj->flags &= ~KVT_OF_WRITABLE;
		rel->revoke_all = true;
		rel->pool_id = obj->pool_id;
		rel->revoke_first = obj->slot_first;
		rel->revoke_count = obj->slot_count;
	}
}

/*
 * Drops @client's reference @ref and its pins; the object is locked (and
 * the client, unless its table was detached by close). A WRITING object
 * its creator lets go of can never be committed, so it is freed.
 */
void kvt_obj_drop_ref(struct kvt_core *core, struct kvt_client *client,
		      struct kvt_obj *obj, struct kvt_ref *ref,
		      struct kvt_release *rel)
{
	uint32_t idx = ref->idx1 - 1, t;

	for (t = 0; t < KVTIER_TIER_COUNT; t++) {
		kvt_obj_unpin(core, obj, t, ref->pins[t]);
		ref->pins[t] = 0;
	}
	if (!KVT_WARN_ON(!obj->client_refs))
		obj->client_refs--;
	if (obj->state == KVT_OBJ_WRITING && obj->creator == client)
		kvt_obj_evict(core, obj, idx, rel, 0);
	else
		kvt_obj_maybe_kill(core, obj, idx, rel);
	if (rel->idx == KVT_NO_INDEX && (obj->flags & KVT_OF_SLOTS) &&
	    !client->closed) {
		rel->revoke_client = client;
		rel->pool_id = obj->pool_id;
		rel->revoke_first = obj->slot_first;
		rel->revoke_count = obj->slot_count;
	}
}

/* Does what @rel says; no core lock held. */
void kvt_release_finish(struct kvt_core *core, struct kvt_release *rel)
{
	const struct kvt_env_ops *ops = &core->ops;
	struct kvt_trace_rec rec;

	if ((rel->revoke_client || rel->revoke_all) && rel->revoke_count &&
	    ops->slots_revoke)
		ops->slots_revoke(core->env,
				  rel->revoke_all ? NULL : rel->revoke_client,
				  rel->pool_id, rel->revoke_first,
				  rel->revoke_count);
	if (rel->count) {
		if (ops->slots_revoke)
			ops->slots_revoke(core->env, NULL, rel->pool_id,
					  rel->first, rel->count);
		if (ops->slots_scrub)
			ops->slots_scrub(core->env, rel->pool_id, rel->first,
					 rel->count);
	}
	if (rel->count || rel->idx != KVT_NO_INDEX)
		kvt_pool_free_run(core, rel->pool_id, rel->tenant, rel->first,
				  rel->count, rel->idx != KVT_NO_INDEX);
	if (rel->idx == KVT_NO_INDEX)
		return;

	kvt_atomic64_dec(&core->st.objects);
	kvt_atomic64_inc(&core->st.frees);
	kvt_memset(&rec, 0, sizeof(rec));
	rec.event = KVT_TRACE_FREE;
	rec.key = rel->key;
	rec.tenant_id = rel->tenant->id;
	rec.pool_id = rel->pool_id;
	rec.handle = rel->handle;
	rec.slots = rel->count;
	kvt_trace(core, &rec);
	/* Last: the entry may be reused only once its slots are back. */
	kvt_table_free(core, rel->idx);
}

/* ---- alloc ------------------------------------------------------------------ */

/*
 * Keys must be unique within a batch: a small hash set over the items.
 * Returns 0, -EEXIST (*failed_index = the later duplicate) or -ENOMEM.
 */
static int kvt_alloc_check_dups(struct kvt_core *core,
				const struct drm_kvtier_alloc_item *items,
				uint32_t count, uint32_t *failed_index)
{
	uint32_t mask = 1, *set, i, j, o;
	int ret = 0;

	if (count < 2)
		return 0;
	while (mask + 1 < count * 2)
		mask = mask * 2 + 1;
	set = kvt_vzalloc(sizeof(*set) * ((size_t)mask + 1));
	if (!set)
		return -KVT_ENOMEM;
	for (i = 0; i < count && !ret; i++) {
		j = (uint32_t)kvt_key_hash(core, &items[i].key) & mask;
		for (; set[j]; j = (j + 1) & mask) {
			o = set[j] - 1;
			if (items[o].key.lo == items[i].key.lo &&
			    items[o].key.hi == items[i].key.hi) {
				*failed_index = i;
				ret = -KVT_EEXIST;
				break;
			}
		}
		set[j] = i + 1;
	}
	kvt_vfree(set);
	return ret;
}

static void kvt_alloc_prefetch(struct kvt_core *core,
			       const struct drm_kvtier_alloc_item *items,
			       uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && i < KVT_PREFETCH_GROUP; i++)
		kvt_index_prefetch(core, kvt_key_hash(core, &items[i].key));
}

/* Turns the allocated entries into WRITING objects referenced by @client. */
static void kvt_alloc_publish(struct kvt_client *client, struct kvt_pool *pool,
			      struct kvt_tenant *tenant,
			      struct drm_kvtier_alloc_item *items,
			      uint32_t count)
{
	struct kvt_core *core = client->core;
	struct kvt_trace_rec rec;
	struct kvt_obj *obj;
	uint32_t i, idx;

	/* Before any handle works: no record of them comes before this. */
	if (kvt_stream_on(core))
		kvt_stream_alloc(core, tenant->id, pool->id, pool->slot_size,
				 items, count);
	kvt_lock(&client->lock);
	for (i = 0; i < count; i++) {
		idx = KVT_HANDLE_IDX(items[i].handle);
		obj = kvt_obj_ptr(core, idx);
		kvt_obj_lock(core, idx);
		obj->pool_id = (uint8_t)pool->id;
		/* The entry reserved for it learns size, pool and offset. */
		obj->flags = KVT_OF_INDEXED | KVT_OF_SLOTS | KVT_OF_MIRROR;
		obj->client_refs = 1;
		obj->work_refs = 0;
		kvt_memset(obj->pins, 0, sizeof(obj->pins));
		obj->slot_count = items[i].slot_count;
		obj->slot_first = items[i].offset;
		obj->size = items[i].size;
		kvt_obj_ext(core, idx)->disk_loc = 0;
		kvt_obj_ext(core, idx)->key = items[i].key;
		kvt_atomic64_set(&kvt_obj_ext(core, idx)->last_access_ns, 0);
		kvt_atomic64_set(&kvt_obj_ext(core, idx)->hits, 0);
		obj->tenant = tenant;
		obj->creator = client;
		kvt_obj_set_tiers(core, obj, KVT_TIER_HOST_BIT);
		kvt_obj_set_state(core, obj, KVT_OBJ_WRITING);
		kvt_obj_unlock(core, idx);
		kvt_ref_insert(client, idx, KVT_HANDLE_GEN(items[i].handle));
		items[i].offset *= pool->slot_size;
		items[i].pad = 0;
	}
	client->ref_reserved -= count;
	kvt_unlock(&client->lock);

	kvt_atomic64_add(&core->st.objects, count);
	kvt_atomic64_add(&core->st.allocs, count);
	if (!core->ops.trace)
		return;
	for (i = 0; i < count; i++) {
		kvt_memset(&rec, 0, sizeof(rec));
		rec.event = KVT_TRACE_ALLOC;
		rec.key = items[i].key;
		rec.tenant_id = tenant->id;
		rec.pool_id = pool->id;
		rec.handle = items[i].handle;
		rec.slots = items[i].slot_count;
		kvt_trace(core, &rec);
	}
}

int kvt_obj_alloc(struct kvt_client *client, uint32_t pool_id, uint32_t flags,
		  struct drm_kvtier_alloc_item *items, uint32_t count,
		  uint32_t *failed_index)
{
	struct kvt_core *core = client->core;
	uint64_t slot_size, slot_count, total = 0, n;
	struct kvt_tenant *tenant;
	struct kvt_pool *pool;
	bool live;
	uint32_t i;
	int ret;

	/* Until an item is to blame, the request as a whole is refused. */
	*failed_index = KVTIER_NO_INDEX;
	if (flags & ~KVTIER_ALLOC_FLAGS)
		return -KVT_EINVAL;
	if ((flags & KVTIER_ALLOC_GLOBAL) && !kvt_client_is_admin(client))
		return -KVT_EPERM;
	if (!count || count > KVTIER_MAX_BATCH)
		return -KVT_EINVAL;
	tenant = (flags & KVTIER_ALLOC_GLOBAL) ? core->global : client->tenant;
	pool = kvt_pool_get(core, pool_id);
	if (!pool)
		return -KVT_ENOENT;
	kvt_lock(&pool->lock);
	live = pool->live;
	slot_size = pool->slot_size;
	slot_count = pool->slot_count;
	kvt_unlock(&pool->lock);
	if (!live)
		return -KVT_ENOENT;

	for (i = 0; i < count; i++) {
		if (!items[i].size) {
			*failed_index = i;
			return -KVT_EINVAL;
		}
		n = items[i].size / slot_size + !!(items[i].size % slot_size);
		if (n > slot_count) {
			*failed_index = i;
			return -KVT_ENOSPC;
		}
		items[i].slot_count = (uint32_t)n;
		total += n;
	}
	ret = kvt_alloc_check_dups(core, items, count, failed_index);
	if (ret)
		return ret;
	ret = kvt_client_reserve(client, count);
	if (ret)
		return ret;
	ret = kvt_table_alloc(core, items, count, failed_index);
	if (ret) {
		/* A full table names an item; no memory is no item's fault. */
		if (ret == -KVT_ENOMEM)
			*failed_index = KVTIER_NO_INDEX;
		goto err_unreserve;
	}
	for (i = 0; i < count; i++) {
		/*
		 * Each key is a cache miss in the index: start a group's
		 * misses together.
		 */
		if (!(i % KVT_PREFETCH_GROUP))
			kvt_alloc_prefetch(core, items + i, count - i);
		ret = kvt_index_reserve(core, &items[i].key, tenant->id,
					items[i].handle);
		if (ret) {
			if (ret == -KVT_EEXIST)
				*failed_index = i;
			goto err_unindex;
		}
	}
	ret = kvt_pool_alloc_batch(core, pool, tenant, items, count, total,
				   failed_index);
	if (ret)
		goto err_unindex;

	kvt_alloc_publish(client, pool, tenant, items, count);
	*failed_index = count;
	return 0;

err_unindex:
	while (i--)
		kvt_index_remove(core, &items[i].key, items[i].handle);
	for (i = 0; i < count; i++)
		kvt_table_free(core, KVT_HANDLE_IDX(items[i].handle));
err_unreserve:
	kvt_client_unreserve(client, count);
	return ret;
}

/* ---- batch operations -------------------------------------------------------- */

void kvt_trace_obj(struct kvt_core *core, enum kvt_trace_event ev,
		   const struct kvt_obj *obj, kvt_handle_t handle,
		   uint32_t tier)
{
	struct kvt_trace_rec rec;

	if (!core->ops.trace)
		return;
	kvt_memset(&rec, 0, sizeof(rec));
	rec.event = ev;
	rec.key = kvt_obj_ext(core, KVT_HANDLE_IDX(handle))->key;
	rec.tenant_id = kvt_obj_tenant_id(obj);
	rec.pool_id = obj->pool_id;
	rec.handle = handle;
	rec.tier = tier;
	kvt_trace(core, &rec);
}

static int kvt_obj_commit(struct kvt_client *client, kvt_handle_t handle)
{
	struct kvt_core *core = client->core;
	uint64_t first = 0, count = 0;
	uint32_t pool_id = 0;
	struct kvt_obj *obj;
	int ret = 0;

	obj = kvt_obj_get(core, handle);
	if (!obj)
		return -KVT_ENOENT;
	if (!kvt_obj_visible(client, obj)) {
		ret = -KVT_ENOENT;
	} else if (obj->state != KVT_OBJ_WRITING || obj->creator != client) {
		ret = -KVT_EINVAL;
	} else {
		obj->creator = NULL;
		/* The index entry turns READY as the lock goes. */
		kvt_obj_set_state(core, obj, KVT_OBJ_READY);
		/*
		 * Hits count from here: zeroed again, since a lockless hit
		 * on the entry's previous key may have landed late.
		 */
		kvt_obj_touch(core, KVT_HANDLE_IDX(handle), kvt_now_ns(),
			      KVT_TOUCH_COMMIT);
		kvt_trace_obj(core, KVT_TRACE_COMMIT, obj, handle, 0);
		if (kvt_stream_on(core))
			kvt_stream_obj(core, KVTIER_ACCESS_COMMIT, 0,
				       &kvt_obj_ext(core,
						    KVT_HANDLE_IDX(handle))->key,
				       handle, kvt_obj_tenant_id(obj),
				       obj->pool_id, obj->size,
				       (obj->tiers & KVT_TIER_HOST_BIT) ?
				       obj->slot_first *
				       kvt_pool_slot_size(core, obj->pool_id) :
				       0);
		if ((obj->flags & KVT_OF_SLOTS) &&
		    (obj->flags & KVT_OF_WRITABLE)) {
			obj->flags &= ~KVT_OF_WRITABLE;
			pool_id = obj->pool_id;
			first = obj->slot_first;
			count = obj->slot_count;
		}
	}
	kvt_obj_unlock(core, KVT_HANDLE_IDX(handle));
	if (ret)
		return ret;
	kvt_atomic64_inc(&core->st.commits);
	/*
	 * Committed is immutable: the writer's mappings of the slots lose
	 * the write access they had, and fault back read-only (writes are
	 * refused by kvt_slot_write_access() from now on).
	 */
	if (count && core->ops.slots_revoke)
		core->ops.slots_revoke(core->env, NULL, pool_id, first, count);
	return 0;
}

/*
 * Locks @client and the object @handle names, and finds the client's
 * reference on it. Returns 0 with both locked (*ref may be NULL), or
 * -ENOENT with neither.
 */
static int kvt_obj_get_ref(struct kvt_client *client, kvt_handle_t handle,
			   struct kvt_obj **objp, struct kvt_ref **refp)
{
	struct kvt_core *core = client->core;
	struct kvt_ref *ref;
	struct kvt_obj *obj;

	kvt_lock(&client->lock);
	obj = kvt_obj_get(core, handle);
	if (!obj)
		goto err_unlock_client;
	if (!kvt_obj_visible(client, obj)) {
		kvt_obj_unlock(core, KVT_HANDLE_IDX(handle));
		goto err_unlock_client;
	}
	ref = kvt_ref_find(client, KVT_HANDLE_IDX(handle));
	if (ref && ref->gen != obj->gen)
		ref = NULL;
	*objp = obj;
	*refp = ref;
	return 0;

err_unlock_client:
	kvt_unlock(&client->lock);
	return -KVT_ENOENT;
}

static void kvt_obj_put_ref(struct kvt_client *client, kvt_handle_t handle)
{
	kvt_obj_unlock(client->core, KVT_HANDLE_IDX(handle));
	kvt_unlock(&client->lock);
}

static int kvt_obj_pin_op(struct kvt_client *client, kvt_handle_t handle,
			  uint32_t tier, bool pin)
{
	struct kvt_core *core = client->core;
	struct kvt_ref *ref;
	struct kvt_obj *obj;
	int ret;

	if (!kvt_tier_valid(tier))
		return -KVT_EINVAL;
	ret = kvt_obj_get_ref(client, handle, &obj, &ref);
	if (ret)
		return ret;
	if (!ref) {
		ret = -KVT_EACCES;
	} else if (pin) {
		/* Only a copy that exists can be pinned. */
		if (obj->state != KVT_OBJ_READY ||
		    !(kvt_obj_tiers(obj) & KVTIER_TIER_BIT(tier))) {
			ret = -KVT_EINVAL;
		} else {
			ref->pins[tier]++;
			kvt_obj_pin(core, obj, tier);
		}
	} else {
		if (!ref->pins[tier]) {
			ret = -KVT_EINVAL;
		} else {
			ref->pins[tier]--;
			kvt_obj_unpin(core, obj, tier, 1);
		}
	}
	if (!ret)
		kvt_trace_obj(core, pin ? KVT_TRACE_PIN : KVT_TRACE_UNPIN, obj,
			      handle, tier);
	kvt_obj_put_ref(client, handle);
	return ret;
}

static int kvt_obj_release(struct kvt_client *client, kvt_handle_t handle)
{
	struct kvt_release rel;
	struct kvt_ref *ref;
	struct kvt_obj *obj;
	int ret;

	ret = kvt_obj_get_ref(client, handle, &obj, &ref);
	if (ret)
		return ret;
	kvt_release_init(&rel);
	if (ref) {
		kvt_obj_drop_ref(client->core, client, obj, ref, &rel);
		kvt_ref_delete(client, ref);
	} else {
		ret = -KVT_EACCES;
	}
	kvt_obj_put_ref(client, handle);
	kvt_release_finish(client->core, &rel);
	return ret;
}

static int kvt_obj_free(struct kvt_client *client, kvt_handle_t handle)
{
	struct kvt_core *core = client->core;
	uint32_t idx = KVT_HANDLE_IDX(handle);
	struct kvt_release rel;
	struct kvt_obj *obj;
	uint64_t tenant;
	int ret = 0;

	obj = kvt_obj_get(core, handle);
	if (!obj)
		return -KVT_ENOENT;
	kvt_release_init(&rel);
	tenant = kvt_obj_tenant_id(obj);
	if (tenant != client->tenant->id && !kvt_client_is_admin(client))
		ret = tenant ? -KVT_ENOENT : -KVT_EPERM;
	else if (obj->state == KVT_OBJ_EVICTING)
		ret = -KVT_ENOENT;	/* already out of the namespace */
	else if (obj->pins[KVTIER_TIER_DEVICE] || obj->pins[KVTIER_TIER_HOST] ||
		 obj->pins[KVTIER_TIER_DISK])
		ret = -KVT_EBUSY;
	else
		kvt_obj_evict(core, obj, idx, &rel, 0);
	kvt_obj_unlock(core, idx);
	kvt_release_finish(core, &rel);
	return ret;
}

uint32_t kvt_obj_batch(struct kvt_client *client, uint32_t op,
		       struct drm_kvtier_obj_op *items, uint32_t count)
{
	uint32_t i, failed = 0;
	struct kvt_obj *ahead;
	int ret;

	for (i = 0; i < count; i++) {
		/* Objects of a batch are scattered: load ahead. */
		if (i + KVT_PREFETCH_AHEAD < count) {
			ahead = kvt_obj_ptr(client->core, KVT_HANDLE_IDX(
					items[i + KVT_PREFETCH_AHEAD].handle));
			if (ahead)
				kvt_prefetch(ahead);
		}
		if (op >= KVTIER_OP_COUNT ||
		    (op != KVTIER_OP_PIN && op != KVTIER_OP_UNPIN &&
		     items[i].tier)) {
			ret = -KVT_EINVAL;
		} else {
			switch (op) {
			case KVTIER_OP_COMMIT:
				ret = kvt_obj_commit(client, items[i].handle);
				break;
			case KVTIER_OP_PIN:
			case KVTIER_OP_UNPIN:
				ret = kvt_obj_pin_op(client, items[i].handle,
						     items[i].tier,
						     op == KVTIER_OP_PIN);
				break;
			case KVTIER_OP_RELEASE:
				ret = kvt_obj_release(client, items[i].handle);
				break;
			default:
				ret = kvt_obj_free(client, items[i].handle);
				break;
			}
		}
		items[i].result = ret;
		if (ret)
			failed++;
	}
	return failed;
}

/* ---- residency (manager) ------------------------------------------------------ */

static int kvt_residency_one(struct kvt_core *core,
			     struct drm_kvtier_residency_item *it)
{
	uint32_t idx = KVT_HANDLE_IDX(it->handle);
	struct kvt_release rel;
	struct kvt_obj *obj;
	int ret = 0;

	if (it->op >= KVTIER_RES_COUNT || !kvt_tier_valid(it->tier))
		return -KVT_EINVAL;
	if (it->op == KVTIER_RES_ADD && it->tier != KVTIER_TIER_DISK)
		return -KVT_EINVAL;
	if (it->op == KVTIER_RES_DROP &&
	    (it->tier == KVTIER_TIER_DEVICE || it->location))
		return -KVT_EINVAL;
	obj = kvt_obj_get(core, it->handle);
	if (!obj)
		return -KVT_ENOENT;
	kvt_release_init(&rel);

	if (it->op == KVTIER_RES_ADD) {
		/* A freed object is gone for the manager too. */
		if (obj->state == KVT_OBJ_EVICTING) {
			ret = -KVT_ENOENT;
		} else if (obj->state != KVT_OBJ_READY) {
			ret = -KVT_EINVAL;
		} else {
			/* A second ADD moves the copy: the last one wins. */
			kvt_obj_ext(core, idx)->disk_loc = it->location;
			kvt_obj_set_tiers(core, obj,
					  obj->tiers | KVT_TIER_DISK_BIT);
		}
	} else if (it->tier == KVTIER_TIER_HOST) {
		if (!(obj->tiers & KVT_TIER_HOST_BIT))
			ret = -KVT_ENOENT;
		else if (obj->pins[KVTIER_TIER_HOST] || obj->client_refs)
			ret = -KVT_EBUSY;
		else if (!(obj->tiers & KVT_TIER_DISK_BIT))
			kvt_obj_evict(core, obj, idx, &rel,
				      KVTIER_ACCESS_EVICTED);
		else
			kvt_obj_take_slots(core, obj, &rel);
	} else {
		/* Work in flight may be reading the disk copy. */
		if (!(obj->tiers & KVT_TIER_DISK_BIT))
			ret = -KVT_ENOENT;
		else if (obj->pins[KVTIER_TIER_DISK] || obj->work_refs)
			ret = -KVT_EBUSY;
		if (!ret) {
			kvt_obj_set_tiers(core, obj,
					  obj->tiers & ~KVT_TIER_DISK_BIT);
			if (!(obj->tiers & KVT_TIER_HOST_BIT))
				kvt_obj_evict(core, obj, idx, &rel,
					      KVTIER_ACCESS_EVICTED);
		}
	}
	kvt_obj_unlock(core, idx);
	kvt_release_finish(core, &rel);
	return ret;
}

int kvt_residency(struct kvt_client *client,
		  struct drm_kvtier_residency_item *items, uint32_t count,
		  uint32_t *failed)
{
	uint32_t i, n = 0;

	if (!kvt_client_is_manager(client))
		return -KVT_EPERM;
	for (i = 0; i < count; i++) {
		items[i].result = kvt_residency_one(client->core, &items[i]);
		if (items[i].result)
			n++;
	}
	*failed = n;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A core instance: creation and teardown, parameters, statistics, and a
 * consistency walk for the tests.
 */
#include "kvt_internal.h"

int kvt_core_create(const struct kvt_core_params *p, struct kvt_core **out)
{
	struct kvt_core *core;
	int ret;

	if (!p || !p->max_objects || !p->max_work ||
	    p->max_objects >= KVT_NO_INDEX)
		return -KVT_EINVAL;
	core = kvt_vzalloc(sizeof(*core));
	if (!core)
		return -KVT_ENOMEM;
	if (p->ops)
		core->ops = *p->ops;
	core->env = p->env;
	core->max_objects = p->max_objects;
	core->max_work = p->max_work;
	/*
	 * Not secret, only unpredictable enough that keys cannot be chosen
	 * to collide without seeing the table.
	 */
	core->seed = (kvt_now_ns() ^ (uint64_t)(size_t)core) *
		     0x9e3779b97f4a7c15ull;

	ret = kvt_readers_init(&core->readers);
	if (ret)
		goto err_free_core;
	ret = kvt_table_init(core);
	if (ret)
		goto err_fini_readers;
	ret = kvt_index_init(core);
	if (ret)
		goto err_fini_table;
	kvt_pools_init(core);
	ret = kvt_tenants_init(core);
	if (ret)
		goto err_fini_pools;
	ret = kvt_queue_init(core);
	if (ret)
		goto err_fini_tenants;
	*out = core;
	return 0;

err_fini_tenants:
	kvt_tenants_fini(core);
err_fini_pools:
	kvt_pools_fini(core);
	kvt_index_fini(core);
err_fini_table:
	kvt_table_fini(core);
err_fini_readers:
	kvt_readers_fini(&core->readers);
err_free_core:
	kvt_vfree(core);
	return ret;
}

void kvt_core_destroy(struct kvt_core *core)
{
	if (!core)
		return;
	kvt_queue_fini(core);
	kvt_tenants_fini(core);
	kvt_pools_fini(core);
	/* Frees the retired index arrays: no lookup is left. */
	kvt_readers_fini(&core->readers);
	kvt_index_fini(core);
	kvt_table_fini(core);
	kvt_vfree(core);
}

int kvt_get_param(struct kvt_client *client, uint32_t param, uint64_t *value)
{
	struct kvt_core *core = client->core;

	switch (param) {
	case KVTIER_PARAM_ABI_VERSION:
		*value = KVTIER_ABI_VERSION;
		return 0;
	case KVTIER_PARAM_FEATURES:
		/* What the core provides; the environment adds its own. */
		*value = KVTIER_FEATURE_FETCH_EVENT |
			 KVTIER_FEATURE_PREFIX_LOOKUP;
		return 0;
	case KVTIER_PARAM_MAX_BATCH:
		*value = KVTIER_MAX_BATCH;
		return 0;
	case KVTIER_PARAM_MAX_POOLS:
		*value = KVTIER_MAX_POOLS;
		return 0;
	case KVTIER_PARAM_MANAGER_ATTACHED:
		kvt_lock(&core->queue_lock);
		*value = core->manager != NULL;
		kvt_unlock(&core->queue_lock);
		return 0;
	case KVTIER_PARAM_TENANT_ID:
		*value = kvt_client_tenant(client);
		return 0;
	case KVTIER_PARAM_IS_ADMIN:
		*value = kvt_client_is_admin(client);
		return 0;
	default:
		return -KVT_EINVAL;
	}
}

void kvt_stats(struct kvt_core *core, struct drm_kvtier_stats *out)
{
	struct kvt_stats_ctr *st = &core->st;
	uint64_t records, dropped;
	uint32_t i;

	kvt_memset(out, 0, sizeof(*out));
	out->objects = kvt_atomic64_read(&st->objects);
	for (i = 0; i < KVTIER_STATE_COUNT; i++)
		out->by_state[i] = kvt_atomic64_read(&st->by_state[i]);
	for (i = 0; i < KVTIER_TIER_COUNT; i++)
		out->by_tier[i] = kvt_atomic64_read(&st->by_tier[i]);
	out->lookups = kvt_atomic64_read(&st->lookups);
	out->hits = kvt_atomic64_read(&st->hits);
	out->allocs = kvt_atomic64_read(&st->allocs);
	out->commits = kvt_atomic64_read(&st->commits);
	out->frees = kvt_atomic64_read(&st->frees);
	out->quota_refusals = kvt_atomic64_read(&st->quota_refusals);
	out->fetches = kvt_atomic64_read(&st->fetches);
	out->work_queued = kvt_atomic64_read(&st->work_queued);
	out->work_dispatched = kvt_atomic64_read(&st->work_dispatched);
	out->work_completed = kvt_atomic64_read(&st->work_completed);
	out->bytes_moved = kvt_atomic64_read(&st->bytes_moved);
	out->clients = kvt_atomic64_read(&st->clients);
	out->index_bytes = kvt_atomic64_read(&st->index_bytes);
	out->index_retired_bytes = kvt_atomic64_read(&st->index_retired_bytes);
	kvt_stream_stats(core, &records, &dropped);
	out->access_records = records;
	out->access_dropped = dropped;
	kvt_lock(&core->queue_lock);
	out->work_pending = core->queued.count + core->dispatched.count;
	kvt_unlock(&core->queue_lock);
}

/* ---- consistency ------------------------------------------------------------ */

/* Counts a broken invariant (and warns, naming it). */
#define KVT_CHECK(cond) (bad += KVT_WARN_ON(!(cond)))

/* Sums over live objects of @pool_id (and of @tenant unless NULL). */
static void kvt_check_sum(struct kvt_core *core, uint32_t pool_id,
			  const struct kvt_tenant *tenant, uint64_t *slots,
			  uint64_t *with_slots, uint64_t *objects)
{
	struct kvt_obj *obj;
	uint32_t i;

	*slots = 0;
	*with_slots = 0;
	*objects = 0;
	for (i = 0; i < core->next_new; i++) {
		obj = kvt_obj_ptr(core, i);
		if (obj->state < KVT_OBJ_WRITING || obj->state > KVT_OBJ_EVICTING)
			continue;
		if (obj->pool_id != pool_id || (tenant && obj->tenant != tenant))
			continue;
		(*objects)++;
		if (obj->flags & KVT_OF_SLOTS) {
			(*with_slots)++;
			*slots += obj->slot_count;
		}
	}
}

/* Whether the index entry of indexed object @obj mirrors it. */
static bool kvt_check_mirror(struct kvt_core *core, struct kvt_obj *obj,
			     uint32_t idx)
{
	uint64_t handle = KVT_HANDLE(idx, obj->gen);
	struct kvt_imirror m;

	if (kvt_index_get(core, &kvt_obj_ext(core, idx)->key, handle, &m))
		return false;
	if (obj->state == KVT_OBJ_READY)
		handle |= KVT_IENTRY_READY;
	return !(obj->flags & KVT_OF_MIRROR) && m.handle == handle &&
	       m.size == obj->size && m.pool_id == obj->pool_id &&
	       m.tiers == kvt_obj_tiers(obj) &&
	       m.offset == ((obj->tiers & KVT_TIER_HOST_BIT) ?
			    obj->slot_first *
			    kvt_pool_slot_size(core, obj->pool_id) : 0);
}

/*
 * Walks every structure and checks that the counters agree with the
 * objects: pool and tenant usage, index entries and their mirrors of the
 * objects, statistics by state and tier. The caller guarantees that nothing else runs. Returns 0 or -EINVAL
 * (with a warning naming the broken invariant).
 */
int kvt_core_check(struct kvt_core *core)
{
	uint64_t slots, with, objs, by_state[KVTIER_STATE_COUNT] = { 0 };
	uint64_t by_tier[KVTIER_TIER_COUNT] = { 0 }, indexed = 0, live = 0;
	struct drm_kvtier_stats st;
	struct kvt_tenant *t;
	struct kvt_pool *pool;
	struct kvt_obj *obj;
	uint32_t i, p, bad = 0;

	for (i = 0; i < core->next_new; i++) {
		obj = kvt_obj_ptr(core, i);
		if (obj->state < KVT_OBJ_WRITING || obj->state > KVT_OBJ_EVICTING)
			continue;
		live++;
		by_state[obj->state - KVT_OBJ_WRITING]++;
		if (obj->flags & KVT_OF_INDEXED) {
			indexed++;
			KVT_CHECK(kvt_check_mirror(core, obj, i));
		}
		for (p = 0; p < KVTIER_TIER_COUNT; p++)
			if (kvt_obj_tiers(obj) & KVTIER_TIER_BIT(p))
				by_tier[p]++;
		KVT_CHECK(!(obj->tiers & KVT_TIER_HOST_BIT) ||
			  (obj->flags & KVT_OF_SLOTS));
		KVT_CHECK(obj->state == KVT_OBJ_EVICTING ||
			  (obj->flags & KVT_OF_INDEXED));
	}
	KVT_CHECK(indexed == kvt_index_count(core));
	KVT_CHECK(!kvt_index_check(core));

	kvt_stats(core, &st);
	KVT_CHECK(st.objects == live);
	for (i = 0; i < KVTIER_STATE_COUNT; i++)
		KVT_CHECK(st.by_state[i] == by_state[i]);
	for (i = 0; i < KVTIER_TIER_COUNT; i++)
		KVT_CHECK(st.by_tier[i] == by_tier[i]);

	for (p = 1; p <= KVTIER_MAX_POOLS; p++) {
		pool = kvt_pool_get(core, p);
		kvt_check_sum(core, p, NULL, &slots, &with, &objs);
		if (!pool->live) {
			KVT_CHECK(!objs);
			continue;
		}
		KVT_CHECK(pool->slot_count - pool->slots_free == slots);
		KVT_CHECK(pool->objects == with);
		KVT_CHECK(pool->objects_total == objs);
		for (i = 0; i <= core->tenants_mask; i++) {
			t = core->tenants[i];
			if (!t)
				continue;
			kvt_check_sum(core, p, t, &slots, &with, &objs);
			KVT_CHECK(t->pool[p - 1].slots_used == slots);
			KVT_CHECK(t->pool[p - 1].objects == objs);
		}
	}
	return bad ? -KVT_EINVAL : 0;
}

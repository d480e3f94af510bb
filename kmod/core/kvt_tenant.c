// SPDX-License-Identifier: GPL-2.0
/*
 * Tenants: per-tenant, per-pool usage and quotas. A tenant is created the
 * first time a client of it opens or an admin sets its quota, and lives as
 * long as the core; clients and objects point at it directly, so charging
 * takes only the tenant's own lock. The table of tenants is used at open
 * and by admin requests, never on the hot paths.
 */
#include "kvt_internal.h"

#define KVT_TENANTS_MIN 16

static inline uint32_t kvt_tenant_slot(uint64_t id, uint32_t mask)
{
	return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

static struct kvt_tenant *kvt_tenant_new(uint64_t id)
{
	struct kvt_tenant *t;
	uint32_t i;

	t = kvt_zalloc(sizeof(*t));
	if (!t)
		return NULL;
	kvt_lock_init(&t->lock);
	t->id = id;
	for (i = 0; i < KVTIER_MAX_POOLS; i++)
		t->pool[i].max_slots = KVTIER_QUOTA_UNLIMITED;
	return t;
}

static void kvt_tenant_insert(struct kvt_tenant **tab, uint32_t mask,
			      struct kvt_tenant *t)
{
	uint32_t i = kvt_tenant_slot(t->id, mask);

	while (tab[i])
		i = (i + 1) & mask;
	tab[i] = t;
}

int kvt_tenants_init(struct kvt_core *core)
{
	kvt_lock_init(&core->tenants_lock);
	core->tenants = kvt_zalloc(sizeof(*core->tenants) * KVT_TENANTS_MIN);
	if (!core->tenants)
		return -KVT_ENOMEM;
	core->tenants_mask = KVT_TENANTS_MIN - 1;
	core->global = kvt_tenant_get(core, 0, true);
	if (!core->global) {
		kvt_free(core->tenants);
		return -KVT_ENOMEM;
	}
	return 0;
}

void kvt_tenants_fini(struct kvt_core *core)
{
	uint32_t i;

	for (i = 0; i <= core->tenants_mask; i++) {
		if (!core->tenants[i])
			continue;
		kvt_lock_destroy(&core->tenants[i]->lock);
		kvt_free(core->tenants[i]);
	}
	kvt_free(core->tenants);
	kvt_lock_destroy(&core->tenants_lock);
}

/* Doubles the table; tenants lock held. */
static int kvt_tenants_grow(struct kvt_core *core)
{
	uint32_t mask = core->tenants_mask * 2 + 1, i;
	struct kvt_tenant **tab;

	tab = kvt_zalloc(sizeof(*tab) * ((size_t)mask + 1));
	if (!tab)
		return -KVT_ENOMEM;
	for (i = 0; i <= core->tenants_mask; i++)
		if (core->tenants[i])
			kvt_tenant_insert(tab, mask, core->tenants[i]);
	kvt_free(core->tenants);
	core->tenants = tab;
	core->tenants_mask = mask;
	return 0;
}

/* The tenant @id, created with @create; NULL when absent or out of memory. */
struct kvt_tenant *kvt_tenant_get(struct kvt_core *core, uint64_t id,
				  bool create)
{
	struct kvt_tenant *t = NULL;
	uint32_t i;

	kvt_lock(&core->tenants_lock);
	for (i = kvt_tenant_slot(id, core->tenants_mask); core->tenants[i];
	     i = (i + 1) & core->tenants_mask) {
		if (core->tenants[i]->id == id) {
			t = core->tenants[i];
			goto out_unlock;
		}
	}
	if (!create)
		goto out_unlock;
	if ((core->tenants_count + 1) * 2 > core->tenants_mask + 1 &&
	    kvt_tenants_grow(core))
		goto out_unlock;
	t = kvt_tenant_new(id);
	if (!t)
		goto out_unlock;
	kvt_tenant_insert(core->tenants, core->tenants_mask, t);
	core->tenants_count++;

out_unlock:
	kvt_unlock(&core->tenants_lock);
	return t;
}

/*
 * Charges @slots and @objects to @t in @pool_id; the pool's lock is held,
 * which orders all charges to that pool. Returns 0, or -EDQUOT with
 * *room set to the slots the quota still allows (counted and traced as a
 * refusal).
 */
int kvt_tenant_charge(struct kvt_core *core, struct kvt_tenant *t,
		      uint32_t pool_id, uint64_t slots, uint64_t objects,
		      uint64_t *room)
{
	struct kvt_tenant_pool *e = &t->pool[pool_id - 1];
	struct kvt_trace_rec rec;
	uint64_t left;

	kvt_lock(&t->lock);
	t->present |= 1ull << (pool_id - 1);
	left = e->max_slots > e->slots_used ? e->max_slots - e->slots_used : 0;
	if (e->max_slots != KVTIER_QUOTA_UNLIMITED && slots > left) {
		e->quota_refusals++;
		kvt_unlock(&t->lock);
		*room = left;
		kvt_atomic64_inc(&core->st.quota_refusals);
		kvt_memset(&rec, 0, sizeof(rec));
		rec.event = KVT_TRACE_QUOTA_REFUSED;
		rec.tenant_id = t->id;
		rec.pool_id = pool_id;
		rec.count = (uint32_t)(slots > UINT32_MAX ? UINT32_MAX : slots);
		rec.slots = slots;
		kvt_trace(core, &rec);
		return -KVT_EDQUOT;
	}
	e->slots_used += slots;
	e->objects += objects;
	kvt_unlock(&t->lock);
	return 0;
}

void kvt_tenant_uncharge(struct kvt_tenant *t, uint32_t pool_id,
			 uint64_t slots, uint64_t objects)
{
	struct kvt_tenant_pool *e = &t->pool[pool_id - 1];

	kvt_lock(&t->lock);
	if (!KVT_WARN_ON(e->slots_used < slots || e->objects < objects)) {
		e->slots_used -= slots;
		e->objects -= objects;
	}
	kvt_unlock(&t->lock);
}

/* A pool went away: its entries (usage is zero by now, quotas) go too. */
void kvt_tenant_forget_pool(struct kvt_core *core, uint32_t pool_id)
{
	struct kvt_tenant *t;
	uint32_t i;

	kvt_lock(&core->tenants_lock);
	for (i = 0; i <= core->tenants_mask; i++) {
		t = core->tenants[i];
		if (!t)
			continue;
		kvt_lock(&t->lock);
		t->present &= ~(1ull << (pool_id - 1));
		kvt_memset(&t->pool[pool_id - 1], 0, sizeof(t->pool[0]));
		t->pool[pool_id - 1].max_slots = KVTIER_QUOTA_UNLIMITED;
		kvt_unlock(&t->lock);
	}
	kvt_unlock(&core->tenants_lock);
}

/* Locks the live pool @pool_id, or returns NULL. */
static struct kvt_pool *kvt_pool_lock_live(struct kvt_core *core,
					   uint32_t pool_id)
{
	struct kvt_pool *pool = kvt_pool_get(core, pool_id);

	if (!pool)
		return NULL;
	kvt_lock(&pool->lock);
	if (!pool->live) {
		kvt_unlock(&pool->lock);
		return NULL;
	}
	return pool;
}

int kvt_tenant_set_quota(struct kvt_client *client,
			 const struct drm_kvtier_tenant_quota *req)
{
	struct kvt_core *core = client->core;
	struct kvt_pool *pool;
	struct kvt_tenant *t;

	if (!kvt_client_is_admin(client))
		return -KVT_EPERM;
	if (!req->tenant_id)
		return -KVT_EINVAL;
	if (!kvt_pool_get(core, req->pool_id))
		return -KVT_ENOENT;
	t = kvt_tenant_get(core, req->tenant_id, true);
	if (!t)
		return -KVT_ENOMEM;
	pool = kvt_pool_lock_live(core, req->pool_id);
	if (!pool)
		return -KVT_ENOENT;
	kvt_lock(&t->lock);
	t->present |= 1ull << (req->pool_id - 1);
	t->pool[req->pool_id - 1].max_slots = req->max_slots;
	kvt_unlock(&t->lock);
	kvt_unlock(&pool->lock);
	return 0;
}

static void kvt_tenant_fill(const struct kvt_tenant *t, uint32_t pool_id,
			    struct drm_kvtier_tenant_usage *out)
{
	const struct kvt_tenant_pool *e = &t->pool[pool_id - 1];

	out->tenant_id = t->id;
	out->pool_id = pool_id;
	out->pad = 0;
	out->slots_used = e->slots_used;
	out->max_slots = e->max_slots;
	out->objects = e->objects;
	out->quota_refusals = e->quota_refusals;
}

int kvt_tenant_info(struct kvt_client *client,
		    struct drm_kvtier_tenant_usage *inout)
{
	struct kvt_core *core = client->core;
	uint64_t id = inout->tenant_id;
	uint32_t pool_id = inout->pool_id;
	struct kvt_pool *pool;
	struct kvt_tenant *t;

	if (!id)
		id = client->tenant->id;
	if (id != client->tenant->id && !kvt_client_is_admin(client))
		return -KVT_EPERM;
	t = kvt_tenant_get(core, id, false);
	pool = kvt_pool_lock_live(core, pool_id);
	if (!pool)
		return -KVT_ENOENT;
	if (t) {
		kvt_lock(&t->lock);
		kvt_tenant_fill(t, pool_id, inout);
		kvt_unlock(&t->lock);
	} else {
		kvt_memset(inout, 0, sizeof(*inout));
		inout->tenant_id = id;
		inout->pool_id = pool_id;
		inout->max_slots = KVTIER_QUOTA_UNLIMITED;
	}
	kvt_unlock(&pool->lock);
	return 0;
}

int kvt_tenant_list(struct kvt_client *client, uint32_t first,
		    struct drm_kvtier_tenant_usage *entries, uint32_t room,
		    uint32_t *written, uint32_t *total)
{
	struct kvt_core *core = client->core;
	struct kvt_tenant *t;
	uint32_t i, p, n = 0;

	if (!kvt_client_is_admin(client))
		return -KVT_EPERM;
	kvt_lock(&core->tenants_lock);
	for (i = 0; i <= core->tenants_mask; i++) {
		t = core->tenants[i];
		if (!t)
			continue;
		kvt_lock(&t->lock);
		for (p = 0; p < KVTIER_MAX_POOLS; p++) {
			if (!(t->present & (1ull << p)))
				continue;
			/* Table order: stable until the table grows. */
			if (n >= first && n - first < room)
				kvt_tenant_fill(t, p + 1, &entries[n - first]);
			n++;
		}
		kvt_unlock(&t->lock);
	}
	kvt_unlock(&core->tenants_lock);
	*total = n;
	n = n > first ? n - first : 0;
	*written = n < room ? n : room;
	return 0;
}

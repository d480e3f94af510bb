// SPDX-License-Identifier: GPL-2.0
/*
 * The cache simulator. See kvtr_sim.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtr_belady.h"
#include "kvtr_sim.h"

/* Every trace block counts one unit of capacity, the last partial one too. */
#define SIM_BLOCK_SIZE 1u
/* The value stored for a cached key: only its presence matters. */
#define SIM_PRESENT 1u
/* The one pool of a planned simulation. */
#define SIM_POOL 1u
/* Watermarks of 100%: evict only what the next store needs (see header). */
#define SIM_WM_FULL 1000u
/* Victims taken per plan; a store needs one. */
#define SIM_ACTIONS 16u

const struct kvtd_policy_ops *kvtr_policy_find(const char *name)
{
	if (!strcmp(name, kvtr_policy_belady.name))
		return &kvtr_policy_belady;
	return kvtd_policy_find(name);
}

double kvtr_sim_hit_rate(const struct kvtr_sim_stats *s)
{
	return s->refs ? (double)s->hits / (double)s->refs : 0.0;
}

int kvtr_sim_open(struct kvtr_sim *s, const struct kvtd_policy_ops *ops,
		  uint64_t capacity, uint32_t expect,
		  const struct kvtd_future *future)
{
	struct kvtd_policy_params params = {
		.capacity = capacity,
		.expect_entries = expect,
		.future = future,
	};
	int ret;

	memset(s, 0, sizeof(*s));
	ret = kvtd_keymap_init(&s->cached, expect);
	if (ret)
		return ret;
	ret = kvtd_policy_create(ops, &params, &s->pol);
	if (ret)
		kvtd_keymap_fini(&s->cached);
	return ret;
}

int kvtr_sim_open_planned(struct kvtr_sim *s, const struct kvtd_policy_ops *ops,
			  uint64_t capacity, uint32_t expect)
{
	struct kvtd_planner_pool pool = {
		.slot_size = SIM_BLOCK_SIZE,
		.slot_count = capacity,
		/* No disk tier: every victim's last copy goes. */
		.write = { KVTD_WRITE_BACK, 0 },
	};
	int ret;

	if (ops->offline)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->capacity = capacity;
	ret = kvtd_keymap_init(&s->cached, expect);
	if (ret)
		return ret;
	ret = kvtd_planner_create(ops, false, &s->pl);
	if (!ret)
		ret = kvtd_planner_pool_set(s->pl, SIM_POOL, &pool);
	if (ret)
		kvtr_sim_close(s);
	return ret;
}

void kvtr_sim_close(struct kvtr_sim *s)
{
	kvtd_policy_destroy(s->pol);
	if (s->pl)
		kvtd_planner_destroy(s->pl);
	kvtd_keymap_fini(&s->cached);
	free(s->recs);
	memset(s, 0, sizeof(*s));
}

static bool sim_cached(const struct kvtr_sim *s,
		       const struct drm_kvtier_key *key)
{
	return kvtd_keymap_get(&s->cached, key) != KVTD_KEYMAP_NONE;
}

/* Evict until @size more fits. */
static int sim_make_room(struct kvtr_sim *s, uint64_t size)
{
	struct kvtd_policy *p = s->pol;
	struct drm_kvtier_key victim;

	while (kvtd_policy_capacity(p) - kvtd_policy_used(p) < size) {
		if (kvtd_policy_victim(p, NULL, NULL, &victim) ||
		    kvtd_policy_remove(p, &victim) ||
		    kvtd_keymap_del(&s->cached, &victim))
			return -EIO;
		s->st.evictions++;
	}
	return 0;
}

/* The engine stores a block it computed, unless it is cached already. */
static int sim_store(struct kvtr_sim *s, const struct kvtd_access *a)
{
	int ret;

	if (sim_cached(s, &a->key)) {
		s->st.present++;
		return 0;
	}
	if (kvtd_policy_capacity(s->pol) < SIM_BLOCK_SIZE) {
		s->st.bypasses++;
		return 0;
	}
	ret = sim_make_room(s, SIM_BLOCK_SIZE);
	if (ret)
		return ret;
	ret = kvtd_policy_insert(s->pol, a, SIM_BLOCK_SIZE);
	if (ret)
		return ret == -ENOMEM ? ret : -EIO;
	ret = kvtd_keymap_put(&s->cached, &a->key, SIM_PRESENT);
	if (ret)
		return ret;
	s->st.inserts++;
	return 0;
}

/* ---- through the planner -------------------------------------------- */

static int sim_feed(struct kvtr_sim *s, const struct drm_kvtier_access *a,
		    size_t n)
{
	if (s->tap)
		s->tap(s->tap_arg, a, n);
	return kvtd_planner_feed(s->pl, a, n) ? -ENOMEM : 0;
}

/* What kvtierd does with a plan, the driver's part included. */
static int sim_planned_room(struct kvtr_sim *s, uint64_t now)
{
	struct kvtd_evict_action act[SIM_ACTIONS];
	struct kvtd_evict_summary sum;
	struct kvtd_plan_input in = {
		.pool_id = SIM_POOL,
		.pool_wm = { SIM_WM_FULL, SIM_WM_FULL },
		.tenant_wm = { SIM_WM_FULL, SIM_WM_FULL },
	};
	struct drm_kvtier_access fr;
	int n, i, ret;

	while (s->used + SIM_BLOCK_SIZE > s->capacity) {
		/* The store counted in: the pool must give one block back. */
		in.slots_used = s->used + SIM_BLOCK_SIZE;
		n = kvtd_planner_evict(s->pl, &in, act, SIM_ACTIONS, &sum);
		if (n <= 0)
			return n < 0 ? n : -EIO;
		for (i = 0; i < n; i++) {
			if (act[i].kind != KVTD_EVICT_DROP_POLICY ||
			    kvtd_keymap_del(&s->cached, &act[i].key))
				return -EIO;
			kvtd_planner_note(s->pl, act[i].handle,
					  KVTD_NOTE_DROPPED);
			fr = (struct drm_kvtier_access){
				.time_ns = now,
				.key = act[i].key,
				.handle = act[i].handle,
				.tenant_id = act[i].tenant_id,
				.pool_id = SIM_POOL,
				.type = KVTIER_ACCESS_FREE,
				.flags = KVTIER_ACCESS_EVICTED,
			};
			ret = sim_feed(s, &fr, 1);
			if (ret)
				return ret;
			s->used -= act[i].slots;
			s->st.evictions++;
		}
	}
	return 0;
}

static int sim_planned_store(struct kvtr_sim *s,
			     const struct drm_kvtier_key *key,
			     const struct kvtd_access *ctx)
{
	struct drm_kvtier_access a[2];
	uint32_t h;
	int ret;

	if (sim_cached(s, key)) {
		s->st.present++;
		return 0;
	}
	if (s->capacity < SIM_BLOCK_SIZE) {
		s->st.bypasses++;
		return 0;
	}
	ret = sim_planned_room(s, ctx->time_ns);
	if (ret)
		return ret;
	h = ++s->next_handle;
	if (h == KVTD_KEYMAP_NONE)
		return -E2BIG;
	a[0] = (struct drm_kvtier_access){
		.time_ns = ctx->time_ns,
		.key = *key,
		.handle = h,
		.tenant_id = ctx->tenant,
		.size = SIM_BLOCK_SIZE,
		.pool_id = SIM_POOL,
		.type = KVTIER_ACCESS_ALLOC,
	};
	a[1] = a[0];
	a[1].type = KVTIER_ACCESS_COMMIT;
	ret = sim_feed(s, a, 2);
	if (ret)
		return ret;
	ret = kvtd_keymap_put(&s->cached, key, h);
	if (ret)
		return ret;
	s->used += SIM_BLOCK_SIZE;
	s->st.inserts++;
	return 0;
}

/*
 * As the driver records one lookup (STOP_AT_MISS): a HIT per key of the
 * cached prefix, a MISS for the first key not cached, NOT_PROBED misses
 * after it. Then the engine's stores.
 */
static int sim_planned_request(struct kvtr_sim *s,
			       const struct drm_kvtier_key *keys, size_t n,
			       const struct kvtd_access *ctx)
{
	struct drm_kvtier_access *r;
	size_t i, prefix = n;
	uint32_t h;
	int ret;

	if (n > s->recs_room) {
		r = realloc(s->recs, n * sizeof(*r));
		if (!r)
			return -ENOMEM;
		s->recs = r;
		s->recs_room = n;
	}
	for (i = 0; i < n; i++) {
		r = &s->recs[i];
		*r = (struct drm_kvtier_access){
			.time_ns = ctx->time_ns,
			.key = keys[i],
			.tenant_id = ctx->tenant,
			.where.lookup = { .position = (uint32_t)i,
					  .count = (uint32_t)n },
		};
		h = kvtd_keymap_get(&s->cached, &keys[i]);
		if (prefix == n && h != KVTD_KEYMAP_NONE) {
			r->type = KVTIER_ACCESS_HIT;
			r->handle = h;
			r->pool_id = SIM_POOL;
			s->st.hits++;
			continue;
		}
		r->type = KVTIER_ACCESS_MISS;
		if (prefix == n) {
			prefix = i;
			s->st.misses++;
		} else {
			r->flags = KVTIER_ACCESS_NOT_PROBED;
			s->st.not_probed++;
		}
	}
	ret = sim_feed(s, s->recs, n);
	for (i = prefix; !ret && i < n; i++)
		ret = sim_planned_store(s, &keys[i], ctx);
	return ret;
}

/* ---- the policy alone ------------------------------------------------ */

int kvtr_sim_request(struct kvtr_sim *s, const struct drm_kvtier_key *keys,
		     size_t n, const struct kvtd_access *ctx)
{
	struct kvtd_access a = *ctx;
	size_t i;
	int ret;

	if (n > UINT32_MAX)
		return -E2BIG;
	if (s->pl) {
		s->st.requests++;
		s->st.refs += n;
		return sim_planned_request(s, keys, n, ctx);
	}
	s->st.requests++;
	s->st.refs += n;
	a.count = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	a.flags = 0;
	/* The longest cached prefix: what the engine skips computing. */
	for (i = 0; i < n && sim_cached(s, &keys[i]); i++) {
		a.key = keys[i];
		a.position = (uint32_t)i;
		ret = kvtd_policy_access(s->pol, &a);
		if (ret)
			return ret == -ENOENT ? -EIO : ret;
		s->st.hits++;
	}
	/* The first miss, then what the engine recomputes and stores. */
	for (; i < n; i++) {
		a.key = keys[i];
		a.position = (uint32_t)i;
		ret = kvtd_policy_miss(s->pol, &a);
		if (ret)
			return ret;
		if (a.flags & KVTD_ACCESS_NOT_PROBED)
			s->st.not_probed++;
		else
			s->st.misses++;
		ret = sim_store(s, &a);
		if (ret)
			return ret;
		a.flags = KVTD_ACCESS_NOT_PROBED;
	}
	return 0;
}

int kvtr_sim_run(const struct kvtd_policy_ops *ops, const struct kvtr_trace *t,
		 const struct kvtr_refs *r, uint64_t capacity,
		 struct kvtr_sim_stats *out)
{
	struct kvtd_future future = kvtr_refs_future(r);
	struct kvtd_access ctx = { 0 };
	struct kvtr_sim s;
	uint64_t expect;
	size_t i;
	int ret = 0;

	/* Entries never outnumber the blocks the cache holds or the trace has. */
	expect = capacity < r->distinct ? capacity : r->distinct;
	memset(out, 0, sizeof(*out));
	if (ops->offline)
		ret = kvtr_sim_open(&s, ops, capacity, (uint32_t)expect,
				    &future);
	else
		ret = kvtr_sim_open_planned(&s, ops, capacity,
					    (uint32_t)expect);
	if (ret)
		return ret;
	for (i = 0; i < t->nreq; i++) {
		ctx.time_ns = t->req[i].timestamp_ms * 1000000ull;
		ret = kvtr_sim_request(&s, r->keys + t->req[i].first_id,
				       t->req[i].nids, &ctx);
		if (ret)
			break;
	}
	*out = s.st;
	kvtr_sim_close(&s);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The cache simulator. See kvtr_sim.h.
 */
#include <errno.h>
#include <string.h>

#include "kvtr_belady.h"
#include "kvtr_sim.h"

/* Every trace block counts one unit of capacity, the last partial one too. */
#define SIM_BLOCK_SIZE 1u
/* The value stored for a cached key: only its presence matters. */
#define SIM_PRESENT 1u

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

void kvtr_sim_close(struct kvtr_sim *s)
{
	kvtd_policy_destroy(s->pol);
	kvtd_keymap_fini(&s->cached);
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

int kvtr_sim_request(struct kvtr_sim *s, const struct drm_kvtier_key *keys,
		     size_t n, const struct kvtd_access *ctx)
{
	struct kvtd_access a = *ctx;
	size_t i;
	int ret;

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
	ret = kvtr_sim_open(&s, ops, capacity, (uint32_t)expect,
			    ops->offline ? &future : NULL);
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

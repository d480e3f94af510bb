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

/* Evict until @size more fits. */
static int sim_make_room(struct kvtd_policy *p, uint64_t size,
			 struct kvtr_sim_stats *st)
{
	struct drm_kvtier_key victim;

	while (kvtd_policy_capacity(p) - kvtd_policy_used(p) < size) {
		if (kvtd_policy_victim(p, NULL, NULL, &victim) ||
		    kvtd_policy_remove(p, &victim))
			return -EIO;
		st->evictions++;
	}
	return 0;
}

static int sim_reference(struct kvtd_policy *p,
			 const struct drm_kvtier_key *key,
			 struct kvtr_sim_stats *st)
{
	struct kvtd_access a = kvtd_access_key(key);
	int ret;

	st->refs++;
	ret = kvtd_policy_access(p, &a);
	if (ret == 0) {
		st->hits++;
		return 0;
	}
	if (ret != -ENOENT)
		return ret;
	st->misses++;
	ret = kvtd_policy_miss(p, &a);
	if (ret)
		return ret;
	if (kvtd_policy_capacity(p) < SIM_BLOCK_SIZE) {
		st->bypasses++;
		return 0;
	}
	ret = sim_make_room(p, SIM_BLOCK_SIZE, st);
	if (ret)
		return ret;
	ret = kvtd_policy_insert(p, &a, SIM_BLOCK_SIZE);
	if (ret)
		return ret == -ENOMEM ? ret : -EIO;
	st->inserts++;
	return 0;
}

int kvtr_sim_run(const struct kvtd_policy_ops *ops, const struct kvtr_refs *r,
		 uint64_t capacity, struct kvtr_sim_stats *out)
{
	struct kvtd_future future = kvtr_refs_future(r);
	struct kvtd_policy_params params = {
		.capacity = capacity,
		.future = ops->offline ? &future : NULL,
	};
	struct kvtd_policy *p;
	size_t i;
	int ret;

	/* Entries never outnumber the blocks the cache holds or the trace has. */
	params.expect_entries = (uint32_t)(capacity < r->distinct ?
					   capacity : r->distinct);
	memset(out, 0, sizeof(*out));
	ret = kvtd_policy_create(ops, &params, &p);
	if (ret)
		return ret;
	for (i = 0; i < r->count; i++) {
		ret = sim_reference(p, &r->keys[i], out);
		if (ret)
			break;
	}
	kvtd_policy_destroy(p);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The eviction planner. See kvtd_evict.h.
 *
 * The policy is built afresh for each plan from the records, inserted in
 * order of last access: the driver keeps the access times, so the daemon
 * needs no state of its own to survive a restart, and LRU over that order
 * is exactly "least recently used". The cost is a sort of the pool's
 * candidates per pass under pressure.
 */
#include <errno.h>
#include <stdlib.h>

#include "kvtd_evict.h"

struct evict_ctx {
	const struct kvtd_evict_input *in;
	struct kvtd_policy *pol;
	struct kvtd_evict_action *out;
	size_t room;
	size_t n;
	uint64_t tenant;
};

const char *kvtd_evict_kind_name(uint32_t kind)
{
	switch (kind) {
	case KVTD_EVICT_SKIP_BUSY:
		return "skip-busy";
	case KVTD_EVICT_DROP:
		return "drop";
	case KVTD_EVICT_WAIT_WRITE:
		return "wait-write";
	case KVTD_EVICT_WRITE_DROP:
		return "write-drop";
	case KVTD_EVICT_DROP_POLICY:
		return "drop-policy";
	}
	return "unknown";
}

static bool evict_candidate(const struct drm_kvtier_obj_record *r,
			    uint32_t pool_id)
{
	return r->pool_id == pool_id && r->state == KVTIER_STATE_READY &&
	       (r->tiers & KVTIER_TIER_BIT(KVTIER_TIER_HOST));
}

static uint64_t evict_slots(uint64_t size, uint64_t slot_size)
{
	uint64_t n = size / slot_size + (size % slot_size != 0);

	return n ? n : 1;
}

static int evict_cmp(const void *a, const void *b, void *arg)
{
	const struct drm_kvtier_obj_record *recs = arg;
	const struct drm_kvtier_obj_record *x = &recs[*(const uint32_t *)a];
	const struct drm_kvtier_obj_record *y = &recs[*(const uint32_t *)b];

	if (x->last_access_ns != y->last_access_ns)
		return x->last_access_ns < y->last_access_ns ? -1 : 1;
	return x->handle < y->handle ? -1 : x->handle > y->handle;
}

/* The policy tracks records by index: keys repeat across tenants. */
static struct drm_kvtier_key evict_key(uint32_t i)
{
	return (struct drm_kvtier_key){ .lo = i, .hi = 0 };
}

static bool evict_tenant_ok(const struct drm_kvtier_key *key, void *arg)
{
	const struct evict_ctx *c = arg;

	return c->in->recs[key->lo].tenant_id == c->tenant;
}

static uint32_t evict_kind(const struct kvtd_evict_input *in,
			   const struct drm_kvtier_obj_record *r)
{
	struct kvtd_write_object obj = {
		.on_disk = r->tiers & KVTIER_TIER_BIT(KVTIER_TIER_DISK),
		.writing = in->writing && in->writing(r, in->arg),
		.hits = r->hits > UINT32_MAX ? UINT32_MAX : (uint32_t)r->hits,
	};
	struct kvtd_write_decision d;

	if (r->refs || r->pins)
		return KVTD_EVICT_SKIP_BUSY;
	if (obj.on_disk)
		return KVTD_EVICT_DROP;
	if (obj.writing)
		return KVTD_EVICT_WAIT_WRITE;
	/* The mode was validated by the caller; an error reads as "drop". */
	if (kvtd_write_decide(&in->write, KVTD_WRITE_EV_EVICT, &obj, &d) ||
	    !d.write)
		return KVTD_EVICT_DROP_POLICY;
	return in->have_disk ? KVTD_EVICT_WRITE_DROP : KVTD_EVICT_DROP_POLICY;
}

/*
 * Take victims (among those @ok accepts) until @target slots are freed.
 * Returns the slots freed; stops early when out of victims or room.
 */
static uint64_t evict_take(struct evict_ctx *c, uint64_t target,
			   kvtd_victim_ok_fn ok)
{
	const struct kvtd_evict_input *in = c->in;
	struct drm_kvtier_key key;
	uint64_t freed = 0;
	uint32_t kind;

	while (freed < target && c->n < c->room) {
		if (kvtd_policy_victim(c->pol, ok, c, &key))
			break;
		kvtd_policy_remove(c->pol, &key);
		kind = evict_kind(in, &in->recs[key.lo]);
		c->out[c->n].kind = kind;
		c->out[c->n].rec = (uint32_t)key.lo;
		c->out[c->n].slots = evict_slots(in->recs[key.lo].size,
						 in->slot_size);
		if (kind != KVTD_EVICT_SKIP_BUSY)
			freed += c->out[c->n].slots;
		c->n++;
	}
	return freed;
}

static uint64_t evict_tenant_excess(const struct drm_kvtier_tenant_usage *t,
				    const struct kvtd_watermark *wm)
{
	struct kvtd_usage u = {
		.used = t->slots_used,
		.capacity = t->max_slots == KVTIER_QUOTA_UNLIMITED ?
				    KVTD_WM_UNLIMITED : t->max_slots,
	};
	uint64_t e = kvtd_watermark_excess(&u, wm);

	return e < t->slots_used ? e : t->slots_used;
}

static int evict_build(struct evict_ctx *c)
{
	const struct kvtd_evict_input *in = c->in;
	struct kvtd_policy_params params = { 0 };
	uint64_t total = 0;
	const struct drm_kvtier_obj_record *r;
	uint32_t *cand, n = 0, i;
	struct kvtd_access a;
	int ret;

	if (in->nr_recs >= UINT32_MAX)
		return -E2BIG;
	cand = malloc((in->nr_recs + 1) * sizeof(*cand));
	if (!cand)
		return -ENOMEM;
	for (i = 0; i < in->nr_recs; i++) {
		if (evict_candidate(&in->recs[i], in->pool_id)) {
			cand[n++] = i;
			total += evict_slots(in->recs[i].size, in->slot_size);
		}
	}
	qsort_r(cand, n, sizeof(*cand), evict_cmp, (void *)in->recs);
	params.capacity = total ? total : 1;
	params.expect_entries = n;
	ret = kvtd_policy_create(in->policy, &params, &c->pol);
	for (i = 0; !ret && i < n; i++) {
		r = &in->recs[cand[i]];
		a = (struct kvtd_access){
			.key = evict_key(cand[i]),
			.tenant = r->tenant_id,
			.time_ns = r->last_access_ns,
			.pool = r->pool_id,
		};
		ret = kvtd_policy_insert(c->pol, &a,
					 evict_slots(r->size, in->slot_size));
	}
	free(cand);
	return ret;
}

int kvtd_evict_plan(const struct kvtd_evict_input *in,
		    struct kvtd_evict_action *out, size_t room,
		    struct kvtd_evict_summary *sum)
{
	struct evict_ctx c = { .in = in, .out = out, .room = room };
	struct kvtd_usage pool = { in->slots_used, in->slot_count };
	uint64_t freed = 0, got, e;
	size_t i;
	int ret;

	*sum = (struct kvtd_evict_summary){ 0 };
	if (!in->slot_size || !in->policy ||
	    kvtd_watermark_validate(&in->pool_wm) ||
	    kvtd_watermark_validate(&in->tenant_wm))
		return -EINVAL;
	sum->pool_excess = kvtd_watermark_excess(&pool, &in->pool_wm);
	for (i = 0; i < in->nr_tenants; i++)
		if (in->tenants[i].pool_id == in->pool_id)
			sum->tenant_excess += evict_tenant_excess(
				&in->tenants[i], &in->tenant_wm);
	if (!sum->pool_excess && !sum->tenant_excess)
		return 0;

	ret = evict_build(&c);
	if (ret)
		goto out;
	for (i = 0; i < in->nr_tenants; i++) {
		if (in->tenants[i].pool_id != in->pool_id)
			continue;
		e = evict_tenant_excess(&in->tenants[i], &in->tenant_wm);
		if (!e)
			continue;
		c.tenant = in->tenants[i].tenant_id;
		got = evict_take(&c, e, evict_tenant_ok);
		freed += got;
		if (got < e)
			sum->short_by += e - got;
	}
	if (freed < sum->pool_excess) {
		got = evict_take(&c, sum->pool_excess - freed, NULL);
		freed += got;
		if (freed < sum->pool_excess)
			sum->short_by += sum->pool_excess - freed;
	}
	sum->planned = freed;
	ret = (int)c.n;
out:
	kvtd_policy_destroy(c.pol);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The write-back planner. See kvtd_writeback.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "kvtd_writeback.h"

static int wb_cmp(const void *a, const void *b, void *arg)
{
	const struct drm_kvtier_obj_record *recs = arg;
	const struct drm_kvtier_obj_record *x = &recs[*(const uint32_t *)a];
	const struct drm_kvtier_obj_record *y = &recs[*(const uint32_t *)b];

	if (x->last_access_ns != y->last_access_ns)
		return x->last_access_ns < y->last_access_ns ? -1 : 1;
	return x->handle < y->handle ? -1 : x->handle > y->handle;
}

/* Whether the pool's policy wants @r written now; -EINVAL for a bad one. */
static int wb_wanted(const struct kvtd_wb_input *in,
		     const struct drm_kvtier_obj_record *r)
{
	const struct kvtd_write_policy *pol = in->policy(r->pool_id, in->arg);
	struct kvtd_write_object obj = {
		.hits = r->hits > UINT32_MAX ? UINT32_MAX : (uint32_t)r->hits,
	};
	struct kvtd_write_decision d;
	int ret;

	if (!pol)
		return 0;
	/* A hit is what selective waits for; before any, it is a commit. */
	ret = kvtd_write_decide(pol, obj.hits ? KVTD_WRITE_EV_HIT :
						KVTD_WRITE_EV_COMMIT,
				&obj, &d);
	if (ret)
		return ret;
	return d.write;
}

int kvtd_writeback_plan(const struct kvtd_wb_input *in, uint32_t *out,
			size_t room)
{
	const uint32_t want = KVTIER_TIER_BIT(KVTIER_TIER_HOST);
	const uint32_t mask = want | KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	uint32_t *cand, n = 0;
	size_t i;
	int ret = 0;

	if (in->nr_recs >= UINT32_MAX)
		return -E2BIG;
	cand = malloc((in->nr_recs + 1) * sizeof(*cand));
	if (!cand)
		return -ENOMEM;
	for (i = 0; i < in->nr_recs; i++) {
		const struct drm_kvtier_obj_record *r = &in->recs[i];

		if (r->state != KVTIER_STATE_READY || (r->tiers & mask) != want)
			continue;
		if (in->writing && in->writing(r, in->arg))
			continue;
		ret = wb_wanted(in, r);
		if (ret < 0)
			goto out;
		if (ret)
			cand[n++] = (uint32_t)i;
	}
	qsort_r(cand, n, sizeof(*cand), wb_cmp, (void *)in->recs);
	if (n > room)
		n = (uint32_t)room;
	for (i = 0; i < n; i++)
		out[i] = cand[i];
	ret = (int)n;
out:
	free(cand);
	return ret;
}

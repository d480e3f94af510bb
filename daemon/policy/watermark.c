// SPDX-License-Identifier: GPL-2.0
/*
 * Watermark decisions. See kvtd_watermark.h.
 */
#include <errno.h>

#include "kvtd_watermark.h"

int kvtd_watermark_validate(const struct kvtd_watermark *wm)
{
	if (wm->high > KVTD_WM_SCALE || wm->low > wm->high)
		return -EINVAL;
	return 0;
}

uint64_t kvtd_watermark_level(uint64_t capacity, uint32_t permille)
{
	if (capacity == KVTD_WM_UNLIMITED)
		return KVTD_WM_UNLIMITED;
	/* 128 bits: a capacity in bytes times 1000 can overflow 64. */
	return (uint64_t)((unsigned __int128)capacity * permille /
			  KVTD_WM_SCALE);
}

uint64_t kvtd_watermark_excess(const struct kvtd_usage *u,
			       const struct kvtd_watermark *wm)
{
	uint64_t low;

	if (u->capacity == KVTD_WM_UNLIMITED)
		return 0;
	if (u->used < kvtd_watermark_level(u->capacity, wm->high))
		return 0;
	low = kvtd_watermark_level(u->capacity, wm->low);
	return u->used > low ? u->used - low : 0;
}

/* @u plus an allocation of @need, saturating rather than wrapping. */
static struct kvtd_usage wm_with_need(const struct kvtd_usage *u,
				      uint64_t need)
{
	struct kvtd_usage w = *u;

	w.used = need > UINT64_MAX - u->used ? UINT64_MAX : u->used + need;
	return w;
}

int kvtd_watermark_plan(const struct kvtd_wm_input *in,
			struct kvtd_wm_plan *out)
{
	struct kvtd_usage pool, tenant;
	uint64_t pool_excess;

	if (kvtd_watermark_validate(&in->pool_wm) ||
	    kvtd_watermark_validate(&in->tenant_wm) ||
	    in->tenant.used > in->pool.used)
		return -EINVAL;
	if (in->need > in->pool.capacity)
		return -ENOSPC;
	if (in->need > in->tenant.capacity)
		return -EDQUOT;

	pool = wm_with_need(&in->pool, in->need);
	tenant = wm_with_need(&in->tenant, in->need);
	out->tenant = kvtd_watermark_excess(&tenant, &in->tenant_wm);
	/* The tenant cannot give back more than it holds now. */
	if (out->tenant > in->tenant.used)
		out->tenant = in->tenant.used;
	pool_excess = kvtd_watermark_excess(&pool, &in->pool_wm);
	/* Nor the pool more than it holds (a need near the whole pool). */
	if (pool_excess > in->pool.used)
		pool_excess = in->pool.used;
	out->pool = pool_excess > out->tenant ? pool_excess - out->tenant : 0;
	return 0;
}

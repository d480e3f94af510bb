/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Watermarks: when a pool or a tenant is full enough that the daemon
 * should evict, and how much. Pure functions over plain numbers; the
 * daemon feeds them the driver's counters and evicts what they say.
 *
 * A level is a share of capacity in per-mille. Reaching the high level
 * starts eviction, which goes down to the low level in one batch: the gap
 * is hysteresis, so the daemon evicts in batches instead of one object per
 * allocation, and clients allocating between two wakeups of the daemon
 * find room instead of -ENOSPC or -EDQUOT.
 *
 * Functions return 0 or -errno unless said otherwise.
 */
#ifndef KVTD_WATERMARK_H
#define KVTD_WATERMARK_H

#include <stdint.h>

/* Levels are in per-mille of capacity: fine enough, integer only. */
#define KVTD_WM_SCALE 1000u

/*
 * Pool: start at 90% and go down to 80%. 10% of a host pool is gigabytes,
 * seconds of prefill output even on a busy host, so allocations do not
 * wait for the daemon; and a 10% batch amortises the wakeup and lets the
 * disk tier write back in large sequential runs.
 */
#define KVTD_POOL_WM_HIGH_DEFAULT 900u
#define KVTD_POOL_WM_LOW_DEFAULT 800u
/*
 * Tenant: start at 95% of its quota and go down to 90%. A quota is a
 * promise to the tenant, so the daemon keeps less of it idle than of the
 * shared pool, and a tenant's burst is small next to the pool's.
 */
#define KVTD_TENANT_WM_HIGH_DEFAULT 950u
#define KVTD_TENANT_WM_LOW_DEFAULT 900u

/* No limit: a tenant quota of KVTIER_QUOTA_UNLIMITED. */
#define KVTD_WM_UNLIMITED UINT64_MAX

/**
 * struct kvtd_watermark - the levels of one pool or tenant.
 * @high: Per-mille of capacity at which eviction starts.
 * @low: Per-mille of capacity down to which it evicts; at most @high.
 */
struct kvtd_watermark {
	uint32_t high;
	uint32_t low;
};

/**
 * struct kvtd_usage - what is used of what.
 * @used: In use now (slots or bytes, one unit throughout).
 * @capacity: The pool's size or the tenant's quota, or KVTD_WM_UNLIMITED.
 */
struct kvtd_usage {
	uint64_t used;
	uint64_t capacity;
};

/**
 * struct kvtd_wm_input - one tenant's allocation in one pool.
 * @pool: The pool's usage (all tenants).
 * @pool_wm: The pool's watermarks.
 * @tenant: The tenant's usage in this pool, and its quota.
 * @tenant_wm: The tenant's watermarks.
 * @need: About to be allocated by the tenant (0 for a periodic check).
 */
struct kvtd_wm_input {
	struct kvtd_usage pool;
	struct kvtd_watermark pool_wm;
	struct kvtd_usage tenant;
	struct kvtd_watermark tenant_wm;
	uint64_t need;
};

/**
 * struct kvtd_wm_plan - what to evict.
 * @tenant: From the tenant's own objects.
 * @pool: From anyone's, on top of @tenant (which frees pool space too).
 */
struct kvtd_wm_plan {
	uint64_t tenant;
	uint64_t pool;
};

/* Return: 0, or -EINVAL when @low > @high or @high > KVTD_WM_SCALE. */
int kvtd_watermark_validate(const struct kvtd_watermark *wm);

/*
 * Return: @permille of @capacity, rounded down (KVTD_WM_UNLIMITED for an
 * unlimited capacity).
 */
uint64_t kvtd_watermark_level(uint64_t capacity, uint32_t permille);

/*
 * Return: how much to evict so that @used falls to the low level, when it
 * has reached the high level; 0 below it or with no limit. @wm must be
 * valid.
 */
uint64_t kvtd_watermark_excess(const struct kvtd_usage *u,
			       const struct kvtd_watermark *wm);

/**
 * kvtd_watermark_plan() - how much to evict before (or without) an
 * allocation of @in->need.
 * @in: The usage and levels, with the allocation counted in.
 * @out: Out. The eviction, all zero when none is due.
 *
 * Return: 0; -EINVAL for invalid watermarks or a tenant using more of the
 * pool than the pool holds; -ENOSPC when @need exceeds the whole pool and
 * -EDQUOT when it exceeds the whole quota (no eviction can help: the
 * driver will refuse the allocation the same way).
 */
int kvtd_watermark_plan(const struct kvtd_wm_input *in,
			struct kvtd_wm_plan *out);

#endif /* KVTD_WATERMARK_H */

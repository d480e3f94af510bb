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

#endif /* KVTD_WATERMARK_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtier-trace tenants: lookups, hits and misses per tenant, hits per
 * tenant and pool. Types shared by tenants.bpf.c and tenants.c.
 */
#ifndef KVTIER_EBPF_TENANTS_H
#define KVTIER_EBPF_TENANTS_H

#include <linux/types.h>

/**
 * struct ten_stats - one tenant's lookups.
 * @batches: Lookup calls (a call looks up a batch of keys).
 * @lookups: Keys looked up.
 * @hits: Keys found.
 * @misses: Keys not found (@lookups - @hits): a miss names no object,
 *          so it has no pool.
 */
struct ten_stats {
	__u64 batches;
	__u64 lookups;
	__u64 hits;
	__u64 misses;
};

/* The key of pool_hits: the hits of @tenant's lookups in @pool. */
struct ten_pool_key {
	__u64 tenant;
	__u32 pool;
	__u32 pad;
};

/* Tenants tracked; past this new ones go uncounted. */
#define TEN_MAX_TENANTS 4096
/* (tenant, pool) pairs tracked. */
#define TEN_MAX_POOL_KEYS 16384

#endif /* KVTIER_EBPF_TENANTS_H */

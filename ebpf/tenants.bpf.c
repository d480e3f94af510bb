// SPDX-License-Identifier: GPL-2.0
/*
 * Lookups per tenant (kvtier_lookup: a batch, its keys and hits) and
 * lookup hits per tenant and pool (kvtier_lookup_pool). A miss names no
 * object, so it has no pool: misses are per tenant only, and --pool
 * selects among the hits.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

#include "kvtier_tp.h"
#include "tenants.h"

const volatile __u64 targ_tenant = 0;	/* 0: every tenant */
const volatile __u32 targ_pool = 0;
const volatile bool filter_pool = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TEN_MAX_TENANTS);
	__type(key, __u64);
	__type(value, struct ten_stats);
} tenant_lookups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TEN_MAX_POOL_KEYS);
	__type(key, struct ten_pool_key);
	__type(value, __u64);
} pool_hits SEC(".maps");

SEC("tracepoint/kvtier/kvtier_lookup")
int kvt_lookup(struct kvt_tp_lookup *ctx)
{
	static const struct ten_stats zero;
	__u64 tenant = ctx->tenant;
	struct ten_stats *s;

	if (targ_tenant && tenant != targ_tenant)
		return 0;
	s = bpf_map_lookup_elem(&tenant_lookups, &tenant);
	if (!s) {
		bpf_map_update_elem(&tenant_lookups, &tenant, &zero,
				    BPF_NOEXIST);
		s = bpf_map_lookup_elem(&tenant_lookups, &tenant);
		if (!s)
			return 0;
	}
	__sync_fetch_and_add(&s->batches, 1);
	__sync_fetch_and_add(&s->lookups, ctx->count);
	__sync_fetch_and_add(&s->hits, ctx->hits);
	__sync_fetch_and_add(&s->misses, ctx->count - ctx->hits);
	return 0;
}

SEC("tracepoint/kvtier/kvtier_lookup_pool")
int kvt_lookup_pool(struct kvt_tp_lookup_pool *ctx)
{
	struct ten_pool_key k = { .tenant = ctx->tenant, .pool = ctx->pool };
	__u64 zero = 0, *v;

	if (targ_tenant && k.tenant != targ_tenant)
		return 0;
	if (filter_pool && k.pool != targ_pool)
		return 0;
	v = bpf_map_lookup_elem(&pool_hits, &k);
	if (!v) {
		bpf_map_update_elem(&pool_hits, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&pool_hits, &k);
		if (!v)
			return 0;
	}
	__sync_fetch_and_add(v, ctx->hits);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * Fetch latency and queue wait, per source tier, from the driver's
 * tracepoints:
 *
 *   fetch_lat[src]:  kvtier_fetch_queued -> kvtier_fetch_done of the same
 *                    (fetch, work): what each fetch item waited, a second
 *                    fetch that joined queued work included;
 *   queue_wait[src]: the work's first kvtier_fetch_queued ->
 *                    kvtier_work_dispatched: how long the daemon left it.
 *
 * Classic tracepoint programs: the record layout is the format file's
 * (kvtier_tp.h, checked by the loader), no BTF of kvtier.ko is needed.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

#include "kvtier_tp.h"
#include "hist.bpf.h"
#include "latency.h"

/* Options, set by the loader before load. */
const volatile __u64 targ_tenant = 0;	/* 0: every tenant */
const volatile __u32 targ_pool = 0;
const volatile bool filter_pool = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LAT_MAX_INFLIGHT);
	__type(key, struct lat_fetch_key);
	__type(value, struct lat_start);
} fetch_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LAT_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, struct lat_start);
} queue_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KVT_TIERS);
	__type(key, __u32);
	__type(value, struct kvt_hist);
} fetch_lat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KVT_TIERS);
	__type(key, __u32);
	__type(value, struct kvt_hist);
} queue_wait SEC(".maps");

static __always_inline bool skip(const struct kvt_tp_work *ctx)
{
	if (targ_tenant && ctx->tenant != targ_tenant)
		return true;
	return filter_pool && ctx->pool != targ_pool;
}

SEC("tracepoint/kvtier/kvtier_fetch_queued")
int kvt_fetch_queued(struct kvt_tp_work *ctx)
{
	struct lat_fetch_key k = { .fetch = ctx->fetch, .work = ctx->work_id };
	struct lat_start s = { .ts = bpf_ktime_get_ns(), .src = ctx->src };
	__u64 work = ctx->work_id;

	if (skip(ctx))
		return 0;
	bpf_map_update_elem(&fetch_start, &k, &s, BPF_ANY);
	/* A fetch that joins queued work does not restart its wait. */
	bpf_map_update_elem(&queue_start, &work, &s, BPF_NOEXIST);
	return 0;
}

SEC("tracepoint/kvtier/kvtier_work_dispatched")
int kvt_work_dispatched(struct kvt_tp_work *ctx)
{
	__u64 work = ctx->work_id, now = bpf_ktime_get_ns();
	struct lat_start *s;
	struct kvt_hist *h;
	__u32 src;

	s = bpf_map_lookup_elem(&queue_start, &work);
	if (!s)
		return 0;
	src = s->src;
	h = src < KVT_TIERS ? bpf_map_lookup_elem(&queue_wait, &src) : NULL;
	if (h)
		kvt_hist_add(h, now - s->ts, 0, 0);
	bpf_map_delete_elem(&queue_start, &work);
	return 0;
}

/* A fetch that joined the work after its dispatch left a start behind. */
SEC("tracepoint/kvtier/kvtier_work_completed")
int kvt_work_completed(struct kvt_tp_work *ctx)
{
	__u64 work = ctx->work_id;

	bpf_map_delete_elem(&queue_start, &work);
	return 0;
}

SEC("tracepoint/kvtier/kvtier_fetch_done")
int kvt_fetch_done(struct kvt_tp_work *ctx)
{
	struct lat_fetch_key k = { .fetch = ctx->fetch, .work = ctx->work_id };
	__u64 now = bpf_ktime_get_ns();
	struct lat_start *s;
	struct kvt_hist *h;
	__u32 src;

	s = bpf_map_lookup_elem(&fetch_start, &k);
	if (!s)
		return 0;
	src = s->src;
	h = src < KVT_TIERS ? bpf_map_lookup_elem(&fetch_lat, &src) : NULL;
	if (h)
		kvt_hist_add(h, now - s->ts, ctx->status != 0, 0);
	bpf_map_delete_elem(&fetch_start, &k);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

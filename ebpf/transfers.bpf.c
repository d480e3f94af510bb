// SPDX-License-Identifier: GPL-2.0
/*
 * kvtierd's transfers from its USDT probes: transfer_start records when
 * xfer_id began (in a hash map), transfer_end takes it back out and adds
 * the latency and bytes to the path's histogram, successes and failures
 * apart. A transfer whose start was not seen (the tool attached between
 * the two) is not counted.
 *
 *   transfer_start(u64 xfer_id, u32 path, u64 bytes, u64 key_lo,
 *		    u64 key_hi, u64 tenant)
 *   transfer_end(u64 xfer_id, u32 path, u64 bytes, u64 key_lo,
 *		  u64 key_hi, u64 tenant, s32 status)
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "hist.bpf.h"
#include "transfers.h"

const volatile __u64 targ_tenant = 0;	/* 0: every tenant */
const volatile bool filter_tenant = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XFER_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, struct xfer_start);
} xfer_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XFER_PATHS);
	__type(key, __u32);
	__type(value, struct xfer_stats);
} xfer_paths SEC(".maps");

SEC("usdt")
int BPF_USDT(kvt_transfer_start, __u64 xfer_id, __u32 path, __u64 bytes,
	     __u64 key_lo, __u64 key_hi, __u64 tenant)
{
	struct xfer_start s = { .ts = bpf_ktime_get_ns() };

	if (filter_tenant && tenant != targ_tenant)
		return 0;
	bpf_map_update_elem(&xfer_inflight, &xfer_id, &s, BPF_ANY);
	return 0;
}

SEC("usdt")
int BPF_USDT(kvt_transfer_end, __u64 xfer_id, __u32 path, __u64 bytes,
	     __u64 key_lo, __u64 key_hi, __u64 tenant, int status)
{
	struct xfer_start *s;
	struct xfer_stats *st;
	__u64 ns;

	if (filter_tenant && tenant != targ_tenant)
		return 0;
	s = bpf_map_lookup_elem(&xfer_inflight, &xfer_id);
	if (!s)
		return 0;
	ns = bpf_ktime_get_ns() - s->ts;
	bpf_map_delete_elem(&xfer_inflight, &xfer_id);
	st = bpf_map_lookup_elem(&xfer_paths, &path);
	if (!st)
		return 0;
	if (status < 0)
		kvt_hist_add(&st->failed, ns, 1, bytes);
	else
		kvt_hist_add(&st->ok, ns, 0, bytes);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * kvtierd's eviction and admission decisions from its USDT probes,
 * counted per policy (the probe's string, read into a fixed-size key),
 * tier and kind, with a log2 histogram of the policy's score.
 *
 *   evict(u64 key_lo, u64 key_hi, u64 tenant, u32 tier, u32 kind,
 *	   s32 score, const char *policy)
 *   admit(u64 key_lo, u64 key_hi, u64 tenant, u32 tier, s32 score,
 *	   const char *policy)
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "hist.bpf.h"
#include "evictions.h"

const volatile __u64 targ_tenant = 0;
const volatile bool filter_tenant = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EVT_MAX_KEYS);
	__type(key, struct evt_key);
	__type(value, struct evt_stats);
} evictions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EVT_MAX_KEYS);
	__type(key, struct evt_key);
	__type(value, struct evt_stats);
} admissions SEC(".maps");

static __always_inline void count(void *map, __u32 tier, __u32 kind,
				  int score, const char *policy)
{
	static const struct evt_stats zero;
	struct evt_key k = { .tier = tier, .kind = kind };
	struct evt_stats *s;
	__u64 slot;

	if (bpf_probe_read_user_str(k.policy, sizeof(k.policy), policy) < 0)
		k.policy[0] = '?';
	s = bpf_map_lookup_elem(map, &k);
	if (!s) {
		bpf_map_update_elem(map, &k, &zero, BPF_NOEXIST);
		s = bpf_map_lookup_elem(map, &k);
		if (!s)
			return;
	}
	__sync_fetch_and_add(&s->count, 1);
	if (score < 0) {
		__sync_fetch_and_add(&s->no_score, 1);
		return;
	}
	slot = kvt_log2((__u32)score);
	if (slot >= EVT_SCORE_SLOTS)
		slot = EVT_SCORE_SLOTS - 1;
	__sync_fetch_and_add(&s->score_slots[slot], 1);
}

SEC("usdt")
int BPF_USDT(kvt_evict, __u64 key_lo, __u64 key_hi, __u64 tenant,
	     __u32 tier, __u32 kind, int score, const char *policy)
{
	if (filter_tenant && tenant != targ_tenant)
		return 0;
	count(&evictions, tier, kind, score, policy);
	return 0;
}

SEC("usdt")
int BPF_USDT(kvt_admit, __u64 key_lo, __u64 key_hi, __u64 tenant,
	     __u32 tier, int score, const char *policy)
{
	if (filter_tenant && tenant != targ_tenant)
		return 0;
	count(&admissions, tier, 0, score, policy);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtier-trace evictions: kvtierd's evictions (USDT evict) and
 * admissions to the disk tier (USDT admit), counted per policy, tier and
 * kind, with a log2 histogram of the policy's score. Types shared by
 * evictions.bpf.c and evictions.c.
 */
#ifndef KVTIER_EBPF_EVICTIONS_H
#define KVTIER_EBPF_EVICTIONS_H

#include <linux/types.h>

/* The policy's name as the key holds it (longer names are cut, NUL-ended). */
#define EVT_POLICY_LEN 16

/*
 * Score slots: slot i counts per-mille scores s with floor(log2(s)) == i
 * (slot 0 also counts 0); 1000 is in slot 9, slot 10 takes anything past
 * 1023. A score of -1 (no estimate) is counted in no_score instead.
 */
#define EVT_SCORE_SLOTS 11

/* (policy, tier, kind) triples tracked in each map. */
#define EVT_MAX_KEYS 1024

/**
 * struct evt_key - what a decision is counted under.
 * @policy: The policy's name (the probe's string), NUL-padded.
 * @tier: KVTIER_TIER_* the copy left (evict) or went to (admit).
 * @kind: The planner's eviction kind (KVTD_USDT_EVICT_*); 0 for admit.
 */
struct evt_key {
	char policy[EVT_POLICY_LEN];
	__u32 tier;
	__u32 kind;
};

/**
 * struct evt_stats - decisions under one key.
 * @count: Decisions.
 * @no_score: Of @count, those with score -1 (no estimate).
 * @score_slots: Of the others, a log2 histogram of the score.
 */
struct evt_stats {
	__u64 count;
	__u64 no_score;
	__u64 score_slots[EVT_SCORE_SLOTS];
};

#endif /* KVTIER_EBPF_EVICTIONS_H */

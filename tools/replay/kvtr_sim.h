/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtr_sim: one cache run over a trace's reference stream, driven by any
 * kvtd policy, in the setup of the reference points in the traces'
 * README: capacity counted in blocks, every reference a lookup, every
 * miss inserts its block (evicting what the policy names first).
 *
 * Functions return 0 or -errno.
 */
#ifndef KVTR_SIM_H
#define KVTR_SIM_H

#include <stdint.h>

#include "kvtd_policy.h"
#include "kvtr_refs.h"

/**
 * struct kvtr_sim_stats - what a run counted.
 * @refs: References looked up (hits + misses).
 * @hits: Found in the cache.
 * @misses: Not found.
 * @inserts: Misses inserted (all of them, unless capacity is 0).
 * @evictions: Victims evicted to make room.
 * @bypasses: Misses not inserted because a block exceeds the capacity.
 */
struct kvtr_sim_stats {
	uint64_t refs;
	uint64_t hits;
	uint64_t misses;
	uint64_t inserts;
	uint64_t evictions;
	uint64_t bypasses;
};

/**
 * kvtr_sim_run() - simulate @ops over all of @r.
 * @ops: The policy (online, or offline such as kvtr_policy_belady).
 * @r: The reference stream.
 * @capacity: Blocks the cache holds.
 * @out: Out. The counts.
 *
 * Return: 0; -ENOMEM; -EIO when the policy broke its contract (named no
 * victim in a full cache, refused an insert the wrapper allowed).
 */
int kvtr_sim_run(const struct kvtd_policy_ops *ops, const struct kvtr_refs *r,
		 uint64_t capacity, struct kvtr_sim_stats *out);

/* Return: hits / refs, 0 for an empty run. */
double kvtr_sim_hit_rate(const struct kvtr_sim_stats *s);

/**
 * kvtr_policy_find() - a policy the simulator can run, by name: every
 * online policy of the daemon, and "belady".
 * Return: its ops, or NULL.
 */
const struct kvtd_policy_ops *kvtr_policy_find(const char *name);

#endif /* KVTR_SIM_H */

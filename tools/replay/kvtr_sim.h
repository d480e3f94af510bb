/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtr_sim: one cache run over a trace, driven by any kvtd policy, counted
 * the way an inference engine sees it: capacity in blocks, and a block is
 * a hit only inside its request's longest cached prefix, since that is
 * all an engine can skip computing.
 *
 * Per request (kvtr_sim_request()): its keys are probed in order; the
 * longest prefix of cached keys are hits (on_access, with the key's
 * position and the request's length); the first uncached key is a miss
 * (on_miss); the keys after it are misses too, reported with
 * KVTD_ACCESS_NOT_PROBED (the engine recomputes from the first miss on,
 * so a block after the break that is still cached is no hit). Then the
 * engine stores what it computed: each key from the break on that is not
 * cached when its turn comes is inserted, evicting what the policy names
 * first. A store never fails: the daemon cannot refuse a client's block,
 * so a policy's admission decision is where it ranks the new block.
 *
 * A run over a trace whose requests are one block each is the classic
 * setup (every reference a lookup, every miss inserted).
 *
 * Online policies run inside the daemon's own planner (kvtd_planner.h),
 * as in kvtierd: the simulator plays the driver. It writes the access
 * records the driver would (a request's HIT and MISS records as one
 * lookup, then an ALLOC and a COMMIT per block stored, a FREE per block
 * evicted), feeds them to the planner, and before each store that does
 * not fit asks the planner for its victims and evicts them, as kvtierd
 * carries out a plan. The only difference from the daemon is when eviction
 * runs: kvtierd evicts ahead of need, in batches between its watermarks;
 * the simulator keeps the cache exactly full (a high and a low watermark
 * of 100%, the store counted in), so that every policy, LRU and Belady
 * included, is compared at the same capacity. Belady (offline) runs
 * without the planner: the daemon never runs it.
 *
 * Functions return 0 or -errno.
 */
#ifndef KVTR_SIM_H
#define KVTR_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "kvtd_keymap.h"
#include "kvtd_planner.h"
#include "kvtd_policy.h"
#include "kvtr_refs.h"
#include "kvtr_trace.h"

/**
 * struct kvtr_sim_stats - what a run counted.
 * @requests: Requests replayed.
 * @refs: Block references (hits + misses + not_probed).
 * @hits: Prefix hits: blocks inside their request's longest cached prefix.
 * @misses: First misses: one per request that did not hit in full.
 * @not_probed: References after a request's first miss.
 * @present: Of those, the ones still cached when the engine stored its
 *           blocks (not stored again).
 * @inserts: Blocks stored (inserts + bypasses + present = misses +
 *           not_probed).
 * @evictions: Victims evicted to make room.
 * @bypasses: Blocks not stored because a block exceeds the capacity.
 */
struct kvtr_sim_stats {
	uint64_t requests;
	uint64_t refs;
	uint64_t hits;
	uint64_t misses;
	uint64_t not_probed;
	uint64_t present;
	uint64_t inserts;
	uint64_t evictions;
	uint64_t bypasses;
};

/**
 * struct kvtr_sim - one cache being simulated.
 * @pol: The policy ranking what it holds, when run directly.
 * @pl: The daemon's planner running the policy (kvtr_sim_open_planned()).
 * @cached: What it holds, block key to handle (the driver's truth, kept
 *          apart from the policy).
 * @st: What it counted so far.
 * @capacity: Blocks it holds at most.
 * @used: Blocks it holds.
 * @next_handle: The handle the next block stored gets (never reused).
 * @recs: Room for one request's access records.
 * @recs_room: Records @recs holds.
 * @tap: With the planner: sees every batch of records fed to it (tests
 *       replay them into a planner of their own); NULL for none.
 * @tap_arg: For @tap.
 */
struct kvtr_sim {
	struct kvtd_policy *pol;
	struct kvtd_planner *pl;
	struct kvtd_keymap cached;
	struct kvtr_sim_stats st;
	uint64_t capacity;
	uint64_t used;
	uint32_t next_handle;
	struct drm_kvtier_access *recs;
	size_t recs_room;
	void (*tap)(void *arg, const struct drm_kvtier_access *a, size_t n);
	void *tap_arg;
};

/**
 * kvtr_sim_open() - an empty cache of @capacity blocks run by @ops.
 * @expect: Blocks it may hold at once (sizing only).
 * @future: For an offline @ops, the oracle; NULL otherwise.
 *
 * Return: 0, -ENOMEM, or what kvtd_policy_create() returns.
 */
int kvtr_sim_open(struct kvtr_sim *s, const struct kvtd_policy_ops *ops,
		  uint64_t capacity, uint32_t expect,
		  const struct kvtd_future *future);

/**
 * kvtr_sim_open_planned() - an empty cache of @capacity blocks whose
 * victims the daemon's planner names, with the online policy @ops.
 * @expect: As kvtr_sim_open().
 *
 * Return: 0, -EINVAL for an offline @ops, -ENOMEM.
 */
int kvtr_sim_open_planned(struct kvtr_sim *s, const struct kvtd_policy_ops *ops,
			  uint64_t capacity, uint32_t expect);

/* Free what @s holds. */
void kvtr_sim_close(struct kvtr_sim *s);

/**
 * kvtr_sim_request() - one request: probe @keys in order, count the
 * prefix hits, store the rest (see the top of this file).
 * @keys: Its blocks, in prompt order.
 * @n: How many.
 * @ctx: Tenant, time and pool of the request (key, position, count and
 *       flags are filled in per key).
 *
 * Return: 0; -ENOMEM; -EIO when the policy or the planner broke its
 * contract (named no victim in a full cache, refused an insert the
 * wrapper allowed, lost a cached key); or what the policy returned
 * (-ERANGE past a future).
 */
int kvtr_sim_request(struct kvtr_sim *s, const struct drm_kvtier_key *keys,
		     size_t n, const struct kvtd_access *ctx);

/**
 * kvtr_sim_run() - simulate @ops over all of @t: through the planner for
 * an online policy, directly for an offline one.
 * @ops: The policy (online, or offline such as kvtr_policy_belady).
 * @t: The trace (its requests).
 * @r: Its reference stream (kvtr_refs_build() of @t).
 * @capacity: Blocks the cache holds.
 * @out: Out. The counts.
 *
 * Return: as kvtr_sim_request(), or what kvtr_sim_open() returns.
 */
int kvtr_sim_run(const struct kvtd_policy_ops *ops, const struct kvtr_trace *t,
		 const struct kvtr_refs *r, uint64_t capacity,
		 struct kvtr_sim_stats *out);

/* Return: prefix hits / block references, 0 for an empty run. */
double kvtr_sim_hit_rate(const struct kvtr_sim_stats *s);

/**
 * kvtr_policy_find() - a policy the simulator can run, by name: every
 * online policy of the daemon, and "belady".
 * Return: its ops, or NULL.
 */
const struct kvtd_policy_ops *kvtr_policy_find(const char *name);

#endif /* KVTR_SIM_H */

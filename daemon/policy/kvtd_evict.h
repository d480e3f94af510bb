/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The eviction planner: given one pool's usage, its tenants' usage, the
 * objects of the table (OBJ_SCAN records), the watermarks and the pool's
 * write policy, the ordered list of what to do to bring the pool and its
 * tenants back under their low watermarks. A pure function; the daemon
 * (pressure.c) carries the list out.
 *
 * Candidates are READY objects of the pool resident in HOST. They are fed
 * to the eviction policy in order of last access (so LRU evicts the least
 * recently used), and each victim it names becomes one action:
 *
 *   SKIP_BUSY     referenced or pinned: a client may be reading its slots
 *   DROP          on disk already: drop the host copy
 *   WAIT_WRITE    a write to disk is in flight: drop when it completes
 *   WRITE_DROP    the write policy keeps it: write to disk, then drop
 *   DROP_POLICY   the write policy does not keep it (or there is no disk):
 *                 drop the last copy, which evicts the object
 *
 * Tenants over their high watermark go first, from their own objects;
 * then the pool, from anyone's. Every action but SKIP_BUSY frees the
 * object's slots (once carried out) and counts towards the target.
 */
#ifndef KVTD_EVICT_H
#define KVTD_EVICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtd_policy.h"
#include "kvtd_watermark.h"
#include "kvtd_write.h"
#include "kvtier_drm.h"

enum kvtd_evict_kind {
	KVTD_EVICT_SKIP_BUSY = 1,
	KVTD_EVICT_DROP,
	KVTD_EVICT_WAIT_WRITE,
	KVTD_EVICT_WRITE_DROP,
	KVTD_EVICT_DROP_POLICY,
};

/**
 * struct kvtd_evict_action - one step of the plan.
 * @kind: enum kvtd_evict_kind.
 * @rec: Index of the object in kvtd_evict_input.recs.
 * @slots: Slots it frees.
 */
struct kvtd_evict_action {
	uint32_t kind;
	uint32_t rec;
	uint64_t slots;
};

/* Whether the object of @rec has a write to disk queued or in flight. */
typedef bool (*kvtd_evict_writing_fn)(const struct drm_kvtier_obj_record *rec,
				      void *arg);

/**
 * struct kvtd_evict_input - what the planner looks at.
 * @pool_id: The pool.
 * @slot_size: Its slot size (objects take their size rounded up to slots).
 * @slot_count: Its slots.
 * @slots_used: Its slots in use (POOL_INFO).
 * @pool_wm: The pool's watermarks.
 * @tenants: TENANT_LIST entries (any pool; those of @pool_id count).
 * @nr_tenants: Entries in @tenants.
 * @tenant_wm: The tenants' watermarks (against their quota).
 * @recs: OBJ_SCAN records (any pool; those of @pool_id count).
 * @nr_recs: Records in @recs.
 * @write: The pool's write policy.
 * @have_disk: A disk tier is there to write to.
 * @policy: The eviction policy (kvtd_policy_find()).
 * @writing: Whether an object is being written; NULL for none.
 * @arg: For @writing.
 */
struct kvtd_evict_input {
	uint32_t pool_id;
	uint64_t slot_size;
	uint64_t slot_count;
	uint64_t slots_used;
	struct kvtd_watermark pool_wm;
	const struct drm_kvtier_tenant_usage *tenants;
	size_t nr_tenants;
	struct kvtd_watermark tenant_wm;
	const struct drm_kvtier_obj_record *recs;
	size_t nr_recs;
	struct kvtd_write_policy write;
	bool have_disk;
	const struct kvtd_policy_ops *policy;
	kvtd_evict_writing_fn writing;
	void *arg;
};

/**
 * struct kvtd_evict_summary - the plan in numbers.
 * @pool_excess: Slots above the pool's low watermark (0: no pressure).
 * @tenant_excess: Slots above low watermarks, summed over tenants.
 * @planned: Slots the plan frees.
 * @short_by: Slots still to free when candidates or room ran out.
 */
struct kvtd_evict_summary {
	uint64_t pool_excess;
	uint64_t tenant_excess;
	uint64_t planned;
	uint64_t short_by;
};

/*
 * kvtd_evict_plan - fill @out (room for @room actions) with the plan.
 *
 * Returns the number of actions (0 when nothing is over its high
 * watermark), or -EINVAL (bad watermarks, slot size 0, no policy), or
 * what creating the policy returns (-ENOMEM).
 */
int kvtd_evict_plan(const struct kvtd_evict_input *in,
		    struct kvtd_evict_action *out, size_t room,
		    struct kvtd_evict_summary *sum);

/*
 * kvtd_evict_due - whether pool @pool_id (@slots_used of @slot_count), or
 * one of its tenants among @tenants, has reached its high watermark: the
 * test before any plan is made. @pool_wm and @tenant_wm must be valid.
 */
bool kvtd_evict_due(uint32_t pool_id, uint64_t slots_used, uint64_t slot_count,
		    const struct kvtd_watermark *pool_wm,
		    const struct drm_kvtier_tenant_usage *tenants,
		    size_t nr_tenants, const struct kvtd_watermark *tenant_wm);

/* "skip-busy", "drop", "wait-write", "write-drop", "drop-policy". */
const char *kvtd_evict_kind_name(uint32_t kind);

#endif /* KVTD_EVICT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtd_planner: what to evict from the host tier and what to write to the
 * disk tier, decided from state kept incrementally.
 *
 * The planner is fed the driver's access records (struct drm_kvtier_access)
 * as the daemon drains them, and what the daemon itself did (kvtd_planner_note).
 * It keeps one entry per object (key, handle, pool, tenant, size, host
 * offset, hits, residency, write state) and, per pool, one instance of the eviction policy
 * over the pool's READY objects in HOST; plus one instance per (pool,
 * tenant), over that tenant's objects only, which a tenant over its
 * watermark is evicted from. Every record costs O(1); a plan that names N
 * victims costs O(N) policy calls, however many objects are cached. The
 * whole object table (OBJ_SCAN records) is read only to rebuild the state,
 * at attach and after the stream lost records (kvtd_planner_load).
 *
 *   HIT    the policies' on_access; a hit may earn a write (selective)
 *   MISS   on_miss, in each pool (a miss names no pool)
 *   ALLOC  a new entry, with size and host offset (not a candidate yet)
 *   COMMIT READY in HOST (size and offset again): on_insert; the write
 *          policy's commit decision
 *   FREE   on_remove; the entry goes
 *
 * Records are idempotent where a rebuild may see them twice (a COMMIT of a
 * READY object, an ALLOC or FREE of a handle known or not, a HIT of an
 * unknown handle change nothing), so the daemon may open the stream, read
 * the table, load it, and then feed what the stream holds.
 *
 * Victims leave the policies when they are named, so one plan never names
 * an object twice. The daemon then says what came of each
 * (kvtd_planner_note): DROPPED, or KEPT (a client holds it: -EBUSY; its
 * write failed; the queue was full), which parks it until the next plan of
 * its pool puts it back among the candidates: a busy object is not named
 * again in the same pass, and not lost.
 *
 * Sizes are in slots of the object's pool. Pure: no ioctl, no I/O; the
 * replay simulator drives the same code. Functions return 0 or -errno
 * unless said otherwise.
 */
#ifndef KVTD_PLANNER_H
#define KVTD_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtd_policy.h"
#include "kvtd_watermark.h"
#include "kvtd_write.h"
#include "kvtier_drm.h"

struct kvtd_planner;

/*
 * What one victim is to become. The daemon carries it out:
 *
 *   SKIP_BUSY     referenced or pinned: not planned, only counted by the
 *                 daemon when a drop is refused (-EBUSY)
 *   DROP          on disk already: drop the host copy
 *   WAIT_WRITE    a write to disk is in flight: drop when it completes
 *   WRITE_DROP    the write policy keeps it: write to disk, then drop
 *   DROP_POLICY   the write policy does not keep it (or there is no disk):
 *                 drop the last copy, which evicts the object
 */
enum kvtd_evict_kind {
	KVTD_EVICT_SKIP_BUSY = 1,
	KVTD_EVICT_DROP,
	KVTD_EVICT_WAIT_WRITE,
	KVTD_EVICT_WRITE_DROP,
	KVTD_EVICT_DROP_POLICY,
};

/**
 * struct kvtd_planner_pool - one pool as the planner sees it.
 * @slot_size: Bytes per slot (objects take their size rounded up).
 * @slot_count: Slots: the capacity of the pool's policy instances.
 * @write: The pool's write policy.
 */
struct kvtd_planner_pool {
	uint64_t slot_size;
	uint64_t slot_count;
	struct kvtd_write_policy write;
};

/**
 * struct kvtd_plan_input - one pool's pressure now.
 * @pool_id: The pool.
 * @slots_used: Its slots in use (POOL_INFO).
 * @pool_wm: The pool's watermarks.
 * @tenants: TENANT_LIST entries (any pool; those of @pool_id count).
 * @nr_tenants: Entries in @tenants.
 * @tenant_wm: The tenants' watermarks (against their quota).
 */
struct kvtd_plan_input {
	uint32_t pool_id;
	uint64_t slots_used;
	struct kvtd_watermark pool_wm;
	const struct drm_kvtier_tenant_usage *tenants;
	size_t nr_tenants;
	struct kvtd_watermark tenant_wm;
};

/**
 * struct kvtd_evict_action - one step of the plan.
 * @handle: The object.
 * @key: Its key, @tenant_id its owner, @hits its hits: for the logs.
 * @tenant_id: See @key.
 * @slots: Slots it frees.
 * @kind: enum kvtd_evict_kind.
 * @hits: See @key.
 * @score: The policy's reuse estimate of the victim as it was named, in
 *         per-mille (kvtd_policy_reuse()); -1 when the policy makes none.
 *         For the daemon's probes: the victim has left the policy since.
 */
struct kvtd_evict_action {
	uint64_t handle;
	struct drm_kvtier_key key;
	uint64_t tenant_id;
	uint64_t slots;
	uint32_t kind;
	uint32_t hits;
	int32_t score;
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

/* What the daemon did to an object, or learned of it (kvtd_planner_note). */
enum kvtd_planner_note {
	KVTD_NOTE_DROPPED = 1,	/* its HOST copy was dropped */
	KVTD_NOTE_KEPT,		/* a victim was not dropped after all */
	KVTD_NOTE_NO_HOST,	/* it has no HOST copy (a drop said -ENOENT) */
	KVTD_NOTE_WRITING,	/* a write to disk is queued */
	KVTD_NOTE_WRITTEN,	/* the DISK copy is recorded */
	KVTD_NOTE_WRITE_FAILED,	/* the write failed; eviction writes again */
	KVTD_NOTE_WRITE_LATER,	/* a wanted write could not be queued yet */
	KVTD_NOTE_DISK_GONE,	/* its DISK copy was dropped */
};

/**
 * struct kvtd_planner_stats - what the planner holds.
 * @objects: Objects known (any state, any tier).
 * @tracked: Of those, candidates in the policies.
 * @parked: Victims waiting for their next plan (kept, or busy).
 * @write_queue: Objects waiting for kvtd_planner_writes().
 * @records: Access records fed.
 * @stale: The state disagreed with itself (a policy refused an insert):
 *         the daemon should rebuild it from the table.
 */
struct kvtd_planner_stats {
	uint64_t objects;
	uint64_t tracked;
	uint64_t parked;
	uint64_t write_queue;
	uint64_t records;
	bool stale;
};

/*
 * kvtd_planner_create - an empty planner evicting with @ops, writing to a
 * disk tier if @have_disk. 0, -EINVAL (an offline policy), -ENOMEM.
 */
int kvtd_planner_create(const struct kvtd_policy_ops *ops, bool have_disk,
			struct kvtd_planner **out);
void kvtd_planner_destroy(struct kvtd_planner *pl);

/*
 * kvtd_planner_pool_set - pool @id (1..KVTIER_MAX_POOLS) is there with
 * @p. A pool seen anew, or whose slots changed, starts with empty policy
 * instances. 0, -EINVAL (@id, a zero slot size), -ENOMEM.
 */
int kvtd_planner_pool_set(struct kvtd_planner *pl, uint32_t id,
			  const struct kvtd_planner_pool *p);
/* Pool @id is gone: its policy instances go (its objects went before it). */
void kvtd_planner_pool_gone(struct kvtd_planner *pl, uint32_t id);

/*
 * kvtd_planner_load - forget every object and rebuild from @n OBJ_SCAN
 * records: READY objects in HOST become candidates in order of last access
 * (so LRU's order is the table's), and objects the write policy wants on
 * disk are queued for writing, least recently used first. Pools must be
 * set first. 0, -ENOMEM (the planner is then empty and stale).
 */
int kvtd_planner_load(struct kvtd_planner *pl,
		      const struct drm_kvtier_obj_record *recs, size_t n);

/*
 * kvtd_planner_feed - apply @n access records, in stream order. Records of
 * unknown types are skipped. 0, or -ENOMEM (the planner is then stale).
 */
int kvtd_planner_feed(struct kvtd_planner *pl,
		      const struct drm_kvtier_access *recs, size_t n);

/* Apply @note to @handle. 0, or -ENOENT for an object not known. */
int kvtd_planner_note(struct kvtd_planner *pl, uint64_t handle,
		      enum kvtd_planner_note note);

/*
 * kvtd_planner_in_host - a HOST copy of @handle came back (a fetch from
 * disk) at byte @offset of its pool's mapping: a candidate again. 0, or
 * -ENOENT for an object not known.
 */
int kvtd_planner_in_host(struct kvtd_planner *pl, uint64_t handle,
			 uint64_t offset);

/*
 * kvtd_planner_record - what the planner knows of @handle, as OBJ_SCAN
 * would put it: key, handle, tenant, size, hits, pool, state (WRITING or
 * READY), tiers (HOST, DISK) and the HOST copy's offset (from the ALLOC
 * and COMMIT records, the table at a rebuild, kvtd_planner_in_host), so
 * that writing an object to disk asks the driver nothing. Pins, refs and
 * the disk location are 0. 0, or -ENOENT for an object not known.
 */
int kvtd_planner_record(const struct kvtd_planner *pl, uint64_t handle,
			struct drm_kvtier_obj_record *rec);

/*
 * kvtd_planner_reuse - the eviction policy's reuse estimate of @handle, in
 * per-mille, from its pool's instance. Returns it (0..1000), or -1 when
 * the policy makes none, @handle is not a candidate there, or @pl is
 * NULL.
 */
int32_t kvtd_planner_reuse(const struct kvtd_planner *pl, uint64_t handle);

/*
 * kvtd_planner_due - whether pool @in->pool_id, or one of its tenants, has
 * reached its high watermark. The watermarks must be valid.
 */
bool kvtd_planner_due(const struct kvtd_plan_input *in,
		      const struct kvtd_planner_pool *pool);

/*
 * kvtd_planner_evict - the victims that bring pool @in->pool_id and its
 * tenants under their low watermarks: tenants over their high watermark
 * first, from their own objects, then the pool from anyone's, each in its
 * policy's order. Victims the previous plan of the pool saw kept come back
 * first. At most @room actions; each leaves the policies until noted.
 *
 * Returns the number of actions (0 when nothing is over its high
 * watermark), -EINVAL (bad watermarks, an unknown pool).
 */
int kvtd_planner_evict(struct kvtd_planner *pl,
		       const struct kvtd_plan_input *in,
		       struct kvtd_evict_action *out, size_t room,
		       struct kvtd_evict_summary *sum);

/*
 * kvtd_planner_writes - up to @room handles of objects to write to disk
 * now (write-through at commit, selective at its Nth hit), in the order
 * the write policy wanted them. Each is taken off the queue: note WRITING
 * once queued, WRITE_LATER when it could not be. Returns the count.
 */
size_t kvtd_planner_writes(struct kvtd_planner *pl, uint64_t *handles,
			   size_t room);

void kvtd_planner_stats(const struct kvtd_planner *pl,
			struct kvtd_planner_stats *st);

/* "skip-busy", "drop", "wait-write", "write-drop", "drop-policy". */
const char *kvtd_evict_kind_name(uint32_t kind);

#endif /* KVTD_PLANNER_H */

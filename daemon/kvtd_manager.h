/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The manager: kvtierd's one object. It holds the driver handle (as the
 * attached manager), the three tiers, the work in flight, the policies'
 * inputs and the counters, and runs the event loop.
 *
 *   manager.c   build and tear down: device, attach, tiers, pools
 *   reconcile.c at start: the driver's DISK bits against the disk index
 *   exec.c      work items and disk completions
 *   pressure.c  the periodic pass: carries out what the planners in
 *               daemon/policy/ say (eviction, write-back)
 *   loop.c      the event loop, signals, the stats line
 *
 * The tiers' backends are in daemon/tier/ and daemon/disk/; every policy
 * decision (what to evict, when to write) is in daemon/policy/.
 *
 * Functions return 0 or -errno; each failure is logged once, where it is
 * understood (the boundary that knows what failed).
 */
#ifndef KVTD_MANAGER_H
#define KVTD_MANAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "disk.h"
#include "kvtd_config.h"
#include "kvtd_keyset.h"
#include "kvtd_planner.h"
#include "kvtd_policy.h"
#include "kvtd_reclaim.h"
#include "kvtd_stage.h"
#include "kvtd_stream.h"
#include "kvtd_tier_mem.h"
#include "kvtd_work.h"
#include "kvtier.h"

/*
 * Work items taken per WORK_RECV: 64 fill a queue depth of 32 twice over,
 * so the disk never idles between two receives, and bound what a manager
 * crash hands back to the queue.
 */
#define KVTD_RECV_BATCH 64u
/*
 * The longest WORK_RECV sleeps while nothing else is pending: signals and
 * ticks wait at most this long (the driver's wait ignores blocked signals).
 */
#define KVTD_RECV_SLICE_MS 20u
/*
 * While the access stream carries records, WORK_RECV sleeps at most this
 * long between drains, and not at all while a drain left records behind:
 * a ring of 16384 records (the driver's default) then holds 16 million
 * records a second per CPU without a drop, while an idle stream lets the
 * loop sleep KVTD_RECV_SLICE_MS.
 */
#define KVTD_STREAM_WAIT_MS 1u
/*
 * While disk I/O is in flight, the loop sleeps in epoll (woken by the disk
 * tier at once) and looks for new work at least this often.
 */
#define KVTD_BUSY_WAIT_MS 1u
/* At shutdown, the longest wait for disk I/O in flight before giving up. */
#define KVTD_DRAIN_TIMEOUT_MS 10000u
/*
 * Completed writes are made durable at least this often: a power cut
 * loses no more than 5 s of write-back, and the fdatasync stays rare.
 */
#define KVTD_SYNC_INTERVAL_MS 5000u
/* Actions one pool's eviction plan may hold per pass. */
#define KVTD_EVICT_MAX_ACTIONS 4096u
/* Objects one pass of write-back may queue (the disk queue bounds it too). */
#define KVTD_WB_MAX_PER_PASS 1024u

/* Index of no operation. */
#define KVTD_OP_NONE UINT32_MAX
/* The user data of drops that reclaim unclaimed disk copies. */
#define KVTD_OP_RECLAIM (UINT32_MAX - 1)

enum kvtd_op_type {
	KVTD_OP_FREE = 0,
	KVTD_OP_READ,		/* a disk read for a work item (the leader) */
	KVTD_OP_FOLLOW,		/* a work item served by a leader's read */
	KVTD_OP_WRITE,		/* a write-back of a host copy */
	KVTD_OP_SYNC,		/* an fdatasync of the disk tier */
};

/**
 * struct kvtd_op - one disk operation in flight, or a work item riding on
 * one. Indexed by the disk tier's user_data.
 * @type: enum kvtd_op_type.
 * @next: Free list link.
 * @follow: READ and FOLLOW: the next work item served by this read.
 * @key: The object's name in the disk tier.
 * @work_id: READ, FOLLOW: the work item to complete.
 * @handle: The object.
 * @dst: READ, FOLLOW: where the object's bytes go.
 * @bounce: READ: the aligned buffer read into, when @dst cannot be.
 * @stage: READ: the staging buffer read into, when @dst is not
 *	   host-addressable; held until the copy out of it is done.
 * @dev_copy: READ, FOLLOW: @dst is not host-addressable: the DEVICE
 *	      tier's copy puts the bytes there, never memcpy.
 * @ref: READ, FOLLOW into a region: the DEVICE tier's mapping @dst is
 *	 in, held until the op is freed, so that a region dropped or
 *	 replaced meanwhile stays mapped where the read (or the copy at
 *	 its completion) writes, and no other region is mapped there.
 * @len: READ, FOLLOW: the object's bytes; WRITE: bytes written.
 * @pool_id: WRITE: the object's pool.
 * @evict: WRITE: drop the host copy once the disk copy is recorded.
 * @to_host: READ, FOLLOW: a fetch into HOST, whose completion gives the
 *	     object a HOST copy again (the planner is told).
 * @xfer_id: READ, FOLLOW, WRITE: its transfer's id in the USDT probes.
 * @evict_kind: WRITE with @evict: the eviction's enum kvtd_evict_kind
 *		(WRITE_DROP, WAIT_WRITE), @score its victim's score, both
 *		for the evict probe when the host copy goes.
 */
struct kvtd_op {
	uint32_t type;
	uint32_t next;
	uint32_t follow;
	struct kvtd_tier_key key;
	uint64_t work_id;
	uint64_t handle;
	void *dst;
	void *bounce;
	struct kvtd_stage_buf *stage;
	struct kvtd_mem_ref *ref;
	uint64_t len;
	uint64_t host_offset;	/* where a fetch to HOST puts it */
	uint32_t pool_id;
	bool evict;
	bool dev_copy;
	bool to_host;
	uint64_t xfer_id;
	uint32_t evict_kind;
	int32_t score;
};

/**
 * struct kvtd_counters - what the daemon did since it started.
 * Printed as the stats line (SIGUSR1, exit).
 */
struct kvtd_counters {
	uint64_t work_received;
	uint64_t work_done;
	uint64_t work_failed;
	uint64_t work_merged;
	uint64_t work_refused;
	uint64_t work_stale;	/* failed: their region is gone (-ESTALE) */
	uint64_t bytes_copied;
	uint64_t bytes_read;
	uint64_t written;
	uint64_t bytes_written;
	uint64_t write_failed;
	uint64_t write_orphaned;
	uint64_t evict_dropped;
	uint64_t evict_written;
	uint64_t evict_policy_drops;
	uint64_t evict_nospace_drops;
	uint64_t evict_busy;
	uint64_t lost_on_disk;
	uint64_t disk_unknown;
	uint64_t ticks;
	uint64_t scans;		/* whole-table OBJ_SCANs: attach, rebuilds */
	uint64_t stream_records;	/* access records fed to the planner */
	uint64_t stream_dropped;	/* access records the rings lost */
	uint64_t rebuilds;	/* planner rebuilds from a whole scan */
};

struct kvtd_pool {
	bool present;
	struct drm_kvtier_pool_info info;
	struct kvtd_write_policy write;
};

struct kvtd_manager {
	const struct kvtd_config *cfg;
	struct kvtier *kv;
	struct kvtd_mem_tier *host;
	struct kvtd_mem_tier *dev;
	struct kvtd_disk *disk;
	/* kvtd_host_tier_maps_gen() when the disk tier last registered them. */
	uint64_t disk_maps_gen;
	const struct kvtd_policy_ops *evict_policy;
	/* What to evict and write, kept from the access stream. */
	struct kvtd_planner *planner;
	struct kvtd_stream stream;
	int stream_fed;			/* records the last drain took */
	struct kvtd_pool pools[KVTIER_MAX_POOLS + 1];

	int sfd;
	int tfd;
	int epfd;
	bool stopping;
	bool force;

	/* Work received and not yet started (the disk queue was full). */
	struct drm_kvtier_work_item backlog[KVTD_RECV_BATCH];
	uint32_t bl_pos;
	uint32_t bl_count;
	/*
	 * HOST -> DEVICE copies of this pass, done as one batch, each
	 * holding its region's mapping (a later item's lookup may retire
	 * it before the batch runs).
	 */
	struct kvtd_copy copies[KVTD_RECV_BATCH];
	uint64_t copy_ids[KVTD_RECV_BATCH];
	struct kvtd_tier_key copy_keys[KVTD_RECV_BATCH];
	struct kvtd_mem_ref *copy_refs[KVTD_RECV_BATCH];
	uint32_t nr_copies;
	struct kvtd_done_batch done;

	struct kvtd_op *ops;
	uint32_t nr_ops;
	uint32_t free_op;
	uint32_t ops_used;
	bool submit;
	struct kvtd_keyset reads;
	struct kvtd_keyset writes;
	/* Disk copies no object claims (reconcile.c), and their drops. */
	struct kvtd_reclaim unclaimed;
	uint32_t reclaim_inflight;	/* their drops not completed */
	uint64_t room_coming;		/* bytes those drops give back */
	uint64_t room_wanted;		/* by this pass's writes, no room */
	/* Disk reads into regions the CPU cannot address land here first. */
	struct kvtd_stage stage;
	/* Residency drops of lost disk copies, sent with the completions. */
	struct drm_kvtier_residency_item *lost;
	uint32_t nr_lost;
	uint32_t lost_room;
	uint64_t writes_since_sync;
	uint64_t last_sync_ns;
	/* The last transfer id the USDT probes were given. */
	uint64_t xfer_seq;

	/* The last object scan (held only while it is used) and tenant list. */
	struct drm_kvtier_obj_record *recs;
	size_t nr_recs;
	size_t recs_room;
	struct drm_kvtier_tenant_usage *tenants;
	size_t nr_tenants;
	size_t tenants_room;

	struct kvtd_counters ctr;
};

/* The eviction policy's name, for the USDT probes. */
static inline const char *
kvtd_manager_policy_name(const struct kvtd_manager *m)
{
	return m->evict_policy ? m->evict_policy->name : "none";
}

/* manager.c */
int kvtd_manager_open(struct kvtd_manager *m, const struct kvtd_config *cfg);
void kvtd_manager_close(struct kvtd_manager *m);
/* Refresh every pool's POOL_INFO; new pools get the default write policy. */
int kvtd_manager_pools_refresh(struct kvtd_manager *m);
/*
 * Register the host tier's pool mappings with the disk tier again if they
 * changed since the last time (a pool mapped, a mapping retired), so that
 * its I/O into every mapped pool is fixed. Cheap when nothing changed.
 */
void kvtd_manager_disk_regions(struct kvtd_manager *m);

/* reconcile.c */
/* Against the scan in m->recs (kvtd_pressure_rebuild()). */
int kvtd_reconcile(struct kvtd_manager *m);
/*
 * List anew the disk copies no object of the scan in m->recs claims (after
 * a rebuild: FREE records of the lost stretch named none). 0 or -ENOMEM.
 */
int kvtd_reconcile_unclaimed(struct kvtd_manager *m);
/*
 * For a disk write of @len bytes that found no room: whether room is on
 * its way (unclaimed copies being dropped), so that the write waits for a
 * later pass rather than its object being dropped.
 */
bool kvtd_reconcile_room(struct kvtd_manager *m, uint64_t len);

/* exec.c */
int kvtd_exec_init(struct kvtd_manager *m);
/*
 * Free the work state: after the disk tier is closed (its I/O waited
 * out), before the DEVICE tier is (the mappings still held are put).
 */
void kvtd_exec_fini(struct kvtd_manager *m);
/* Start what the backlog holds, until the disk queue is full. */
void kvtd_exec_drain(struct kvtd_manager *m);
/* Collect disk completions, waiting for @min_wait of them. */
int kvtd_exec_reap(struct kvtd_manager *m, unsigned int min_wait);
/*
 * Send completions and residency updates, submit queued disk I/O.
 * Completions the driver refuses as a whole are kept and sent again by a
 * later call, once their backoff has passed (kvtd_done_retry_ns()).
 */
void kvtd_exec_flush(struct kvtd_manager *m);
/*
 * Work items the loop may take now (0..KVTD_RECV_BATCH): as many as the
 * completion batch has room for, beside what is held already. Fewer only
 * while the driver refuses completions.
 */
uint32_t kvtd_exec_room(const struct kvtd_manager *m);
/*
 * Write @rec's host copy to disk: a write-back (@evict NULL), or the
 * eviction @evict, whose host copy is dropped once the write completes.
 */
int kvtd_exec_write(struct kvtd_manager *m,
		    const struct drm_kvtier_obj_record *rec,
		    const struct kvtd_evict_action *evict);
/*
 * Whether @rec's object is being written; if so, with @evict, its host
 * copy is dropped (for @evict) once the write completes.
 */
bool kvtd_exec_writing(struct kvtd_manager *m,
		       const struct drm_kvtier_obj_record *rec,
		       const struct kvtd_evict_action *evict);
/*
 * Mark the write in flight of @evict's object to drop the host copy when
 * it completes. False when no write of it is in flight.
 */
bool kvtd_exec_evict_after_write(struct kvtd_manager *m,
				 const struct kvtd_evict_action *evict);
/* Tell the planner of every write in flight (after a rebuild). */
void kvtd_exec_note_writes(struct kvtd_manager *m);
/*
 * RESIDENCY with every item's result set: a refusal of the whole ioctl is
 * copied into each. Returns what kvtier_residency() does.
 */
int kvtd_exec_residency(struct kvtd_manager *m,
			struct drm_kvtier_residency_item *items, uint32_t n);
/* Queue an fdatasync when writes completed since the last one. */
void kvtd_exec_sync(struct kvtd_manager *m, bool force);
static inline bool kvtd_exec_busy(const struct kvtd_manager *m)
{
	return m->ops_used > 0;
}

/* pressure.c */
/* Read every object's record into m->recs. */
int kvtd_scan_objects(struct kvtd_manager *m);
/* Free m->recs. */
void kvtd_scan_release(struct kvtd_manager *m);
/* Tell the planner the pools as they are now. */
void kvtd_pressure_pools(struct kvtd_manager *m);
/*
 * Rebuild the planner from a whole scan (left in m->recs for the caller,
 * who releases it): at attach, and after the stream lost records.
 */
int kvtd_pressure_rebuild(struct kvtd_manager *m, const char *why);
/*
 * Feed the planner what the access stream holds; every pass of the loop.
 * Returns the records fed (0 after an error, which marks the state lost).
 */
int kvtd_pressure_pump(struct kvtd_manager *m);
void kvtd_pressure_tick(struct kvtd_manager *m);

/* loop.c */
int kvtd_loop_init(struct kvtd_manager *m);
void kvtd_loop_fini(struct kvtd_manager *m);
int kvtd_loop_run(struct kvtd_manager *m);
void kvtd_stats_log(const struct kvtd_manager *m, const char *why);

#endif /* KVTD_MANAGER_H */

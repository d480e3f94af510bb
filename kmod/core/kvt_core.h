/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtier core: the driver's logic in plain C with no kernel headers.
 *
 * The object table, key index, tenant accounting, slot allocation, state
 * machine, client references and work queue. The same source is built into
 * kvtier.ko (with kvt_port.h mapped onto kernel primitives) and into a host
 * library (mapped onto libc and pthreads) for unit tests and benchmarks.
 *
 * The core never touches pool memory and never sleeps except on its own
 * locks (kvt_lock_t, a mutex in the kernel). Everything that needs the
 * environment - unmapping pages, zeroing slots, waking waiters, sending
 * events - goes through struct kvt_env_ops.
 *
 * Locking: no global lock on the hot paths. The key index is sharded with a
 * lock per shard; each object has its own lock for state, references and
 * pins; each client has a lock for its reference table; each pool has a lock
 * for its slot allocator; each tenant has a lock for its counters; the work
 * queue has its own lock. Lock order (outer to inner):
 *   client -> object -> index shard -> pool -> tenant -> queue.
 *
 * Return contract: every function returning int returns 0 or -errno
 * (KVT_E* values, equal to the kernel's errno numbers).
 */
#ifndef KVT_CORE_H
#define KVT_CORE_H

#include "kvt_port.h"
#include "../../uapi/kvtier_drm.h"

struct kvt_core;
struct kvt_client;

/*
 * A handle packs the object table index (low 32 bits) and the generation of
 * that table entry (high 32 bits), so a stale handle never names a newer
 * object. 0 is never a valid handle.
 */
typedef uint64_t kvt_handle_t;

/* Events the core reports through kvt_env_ops.trace (tracepoints). */
enum kvt_trace_event {
	KVT_TRACE_ALLOC,	/* key, tenant, pool, slots: allocated */
	KVT_TRACE_COMMIT,	/* key, tenant */
	KVT_TRACE_LOOKUP,	/* tenant, count (batch size), value (hits), results */
	KVT_TRACE_PIN,		/* key, tenant, tier */
	KVT_TRACE_UNPIN,	/* key, tenant, tier */
	/*
	 * The work events carry key, tenant, pool, src_tier, tier (the
	 * destination), work_id and fetch_id: FETCH_QUEUED once per fetch
	 * item that waits for work (a second fetch may join work already
	 * queued: same work_id, its own fetch_id), DISPATCHED and COMPLETED
	 * once per work item with the fetch_id of the fetch that queued it,
	 * FETCH_DONE once per waiting fetch item, after COMPLETED, with the
	 * item's own status. COMPLETED has status and value (bytes).
	 */
	KVT_TRACE_FETCH_QUEUED,
	KVT_TRACE_WORK_DISPATCHED,
	KVT_TRACE_WORK_COMPLETED,
	KVT_TRACE_FREE,		/* key, tenant, pool, slots (freed or evicted) */
	KVT_TRACE_QUOTA_REFUSED, /* tenant, pool, count (slots asked) */
	KVT_TRACE_FETCH_DONE,	/* see FETCH_QUEUED */
};

/* How many events there are, for tables indexed by event. */
#define KVT_TRACE_EVENTS (KVT_TRACE_FETCH_DONE + 1)

/*
 * A fetch id unique in the core: the client's number (from 1, in the
 * order clients opened) in the high 32 bits, the fetch id the client was
 * given (struct drm_kvtier_fetch) in the low 32. What a tracer pairs a
 * fetch item's FETCH_QUEUED and FETCH_DONE by, with the work_id.
 */
#define KVT_TRACE_FETCH_ID(client_no, fetch_id) \
	(((uint64_t)(client_no) << 32) | (uint32_t)(fetch_id))

/** struct kvt_trace_rec - one traced event; fields that do not apply are 0. */
struct kvt_trace_rec {
	enum kvt_trace_event event;
	uint32_t pool_id;
	uint32_t tier;
	uint32_t src_tier;
	int32_t status;
	uint32_t count;
	uint64_t tenant_id;
	struct drm_kvtier_key key;
	kvt_handle_t handle;
	uint64_t work_id;
	uint64_t fetch_id;	/* KVT_TRACE_FETCH_ID() */
	uint64_t slots;
	uint64_t value;
	/* LOOKUP: the @count results, for per-pool counts */
	const struct drm_kvtier_lookup_result *results;
};

/** struct kvt_env_ops - what the core asks of its environment. All optional. */
struct kvt_env_ops {
	/*
	 * Slots [first, first + count) of @pool_id are no longer accessible to
	 * @client (NULL: to anyone): unmap them from its mappings. Called with
	 * no core lock held.
	 */
	void (*slots_revoke)(void *env, struct kvt_client *client,
			     uint32_t pool_id, uint64_t first, uint64_t count);
	/* Slots go back to the free list; scrub them. No core lock held. */
	void (*slots_scrub)(void *env, uint32_t pool_id, uint64_t first,
			    uint64_t count);
	/* Work was queued: wake the manager. May be called under the queue lock. */
	void (*work_queued)(void *env);
	/*
	 * A fetch of @client finished. @client_priv is what kvt_client_open()
	 * got. Called with no core lock held; never called after
	 * kvt_client_close() of that client returned.
	 */
	void (*fetch_done)(void *env, void *client_priv,
			   const struct drm_kvtier_event_fetch *ev);
	/* A state change happened. May be called under any core lock. */
	void (*trace)(void *env, const struct kvt_trace_rec *rec);
	/*
	 * Take one more reference on @file, a region's file as given to
	 * kvt_region_register(), for a caller of kvt_region_get_file().
	 * Called under the region lock: must not sleep. When NULL the core
	 * hands out the pointer without a reference.
	 */
	void (*region_get)(void *env, void *file);
	/*
	 * The core lets go of @file, the reference a region held (it was
	 * unregistered, or its owner closed). Called with no core lock held.
	 */
	void (*region_put)(void *env, void *file);
	/*
	 * The access stream: @priv is what kvt_stream_open() got. stream_get
	 * takes one more reference on it for a caller of kvt_stream_get()
	 * (under the queue lock: must not sleep). stream_close says the
	 * stream closed: the core hands @priv out no more, but may still
	 * write to its memory (called with no core lock held, where the
	 * manager role ended). stream_put lets go of the open's reference
	 * once no writer can touch the memory any more; from any context.
	 */
	void (*stream_get)(void *env, void *priv);
	void (*stream_close)(void *env, void *priv);
	void (*stream_put)(void *env, void *priv);
};

/** struct kvt_core_params - sizing of a core instance. */
struct kvt_core_params {
	/* Most objects the table may ever hold at once (bounds memory). */
	uint32_t max_objects;
	/* Most work items queued or dispatched at once. */
	uint32_t max_work;
	const struct kvt_env_ops *ops;
	void *env;
};

/* Returns 0 and sets *out, or -ENOMEM / -EINVAL. */
int kvt_core_create(const struct kvt_core_params *p, struct kvt_core **out);
/* Frees everything. The caller guarantees no client is open. */
void kvt_core_destroy(struct kvt_core *core);

/* ---- clients ---------------------------------------------------------- */

/* Bits of @flags of kvt_client_open(). */
#define KVT_CLIENT_ADMIN (1u << 0) /* CAP_SYS_ADMIN: pools, quotas, globals */

/*
 * Open a client in tenant @tenant_id (never 0: 0 is the global namespace).
 * @priv is passed back to env->fetch_done. Returns 0 or -ENOMEM.
 */
int kvt_client_open(struct kvt_core *core, uint64_t tenant_id, uint32_t flags,
		    void *priv, struct kvt_client **out);
/*
 * Close a client: drop its references and pins, free the objects it
 * allocated and did not commit, give up the manager role (its dispatched
 * work goes back to the queue), forget its regions. Its pending fetches
 * still run to completion, but send no event.
 */
void kvt_client_close(struct kvt_client *client);
uint64_t kvt_client_tenant(const struct kvt_client *client);
bool kvt_client_is_admin(const struct kvt_client *client);
bool kvt_client_is_manager(const struct kvt_client *client);

/* ---- params and stats --------------------------------------------------- */

/* KVTIER_PARAM_* not known to the environment. -EINVAL for unknown. */
int kvt_get_param(struct kvt_client *client, uint32_t param, uint64_t *value);
void kvt_stats(struct kvt_core *core, struct drm_kvtier_stats *out);

/* ---- pools (admin) ------------------------------------------------------- */

/*
 * Register a pool whose memory the environment already allocated. Validates
 * @slot_size (non-zero multiple of @page_size), @slot_count (non-zero,
 * slot_size * slot_count no overflow), @kind. Returns 0 and the new pool id,
 * -EPERM (not admin), -EINVAL, -ENOSPC (no free pool id) or -ENOMEM.
 * The environment calls kvt_pool_validate() before allocating memory.
 */
int kvt_pool_validate(struct kvt_client *client,
		      const struct drm_kvtier_pool_create *req,
		      uint64_t page_size);
int kvt_pool_add(struct kvt_client *client,
		 const struct drm_kvtier_pool_create *req, uint32_t *pool_id);
/* -EPERM, -ENOENT, -EBUSY (objects still hold slots). */
int kvt_pool_remove(struct kvt_client *client, uint32_t pool_id);
/* Fills everything but the environment's fields (mmap_offset, huge_bytes). */
int kvt_pool_info(struct kvt_core *core, uint32_t pool_id,
		  struct drm_kvtier_pool_info *out);
/*
 * Mapping check for the fault path: 0 when @client may access slot @slot of
 * @pool_id (it holds a reference on the object owning the slot, or it is the
 * manager or admin and the pool exists), -EACCES otherwise, -ENOENT when the
 * pool or slot does not exist. Takes no global lock, allocates nothing.
 */
int kvt_slot_access(struct kvt_client *client, uint32_t pool_id,
		    uint64_t slot);
/*
 * Write check for the fault path, on top of kvt_slot_access(): 0 when slot
 * @slot of @pool_id belongs to an object @client allocated and has not
 * committed yet, -EACCES otherwise (committed objects are immutable in
 * every client mapping, their writer's and an admin's too), -ENOENT when
 * the pool or slot does not exist. Once it has answered 0 for an object,
 * the object's commit (or its eviction while still referenced) revokes
 * its slots (env->slots_revoke), after which this answers -EACCES.
 */
int kvt_slot_write_access(struct kvt_client *client, uint32_t pool_id,
			  uint64_t slot);

/* ---- tenants ------------------------------------------------------------- */

/* Admin only. -EPERM, -ENOENT (pool), -EINVAL (tenant 0), -ENOMEM. */
int kvt_tenant_set_quota(struct kvt_client *client,
			 const struct drm_kvtier_tenant_quota *req);
/* A client reads its own (tenant_id 0 or its own id); admin reads any. */
int kvt_tenant_info(struct kvt_client *client,
		    struct drm_kvtier_tenant_usage *inout);
/*
 * Admin only. Entries are (tenant, pool) pairs in a stable order while no
 * tenant or pool is added; skips the first @first of them, writes up to
 * @room of the rest, sets *total to how many exist (a @first past the end
 * writes none). Returns 0 or -EPERM.
 */
int kvt_tenant_list(struct kvt_client *client, uint32_t first,
		    struct drm_kvtier_tenant_usage *entries, uint32_t room,
		    uint32_t *written, uint32_t *total);

/* ---- objects --------------------------------------------------------------
 * Batch functions take arrays already copied from userspace and validated for
 * count and pads by the environment; they validate the semantics.
 */

/*
 * All or nothing (see struct drm_kvtier_obj_alloc). Fills handle, offset and
 * slot_count of each item. *failed_index is @count on success, the failing
 * item's index when one item is to blame (-EINVAL for its size, -EEXIST,
 * -ENOSPC, -EDQUOT), and KVTIER_NO_INDEX when the request is refused as a
 * whole (-EINVAL for flags or count, -EPERM, -ENOENT, -ENOMEM).
 */
int kvt_obj_alloc(struct kvt_client *client, uint32_t pool_id, uint32_t flags,
		  struct drm_kvtier_alloc_item *items, uint32_t count,
		  uint32_t *failed_index);
/* One KVTIER_OP_* on each item; sets item results; returns failed count. */
uint32_t kvt_obj_batch(struct kvt_client *client, uint32_t op,
		       struct drm_kvtier_obj_op *items, uint32_t count);
/*
 * Fills results; sets *hits and *prefix. Flags already validated. Each hit
 * counts in its object's hits and sets its last access time (see
 * kvt_obj_scan()).
 */
void kvt_lookup(struct kvt_client *client, uint32_t flags,
		const struct drm_kvtier_key *keys,
		struct drm_kvtier_lookup_result *results, uint32_t count,
		uint32_t *hits, uint32_t *prefix);
/*
 * Manager only (-EPERM). Walks the object table in index order from table
 * index *@cursor and writes a record of each live object (WRITING, READY
 * or EVICTING; entries free or dying are skipped) to @recs, at most @room
 * (1..KVTIER_MAX_BATCH, else -EINVAL) of them. Each record is read under
 * its object's lock, so it is consistent; the walk takes no global lock
 * and is not a snapshot of the table. Sets *@written, and *@cursor to the
 * index after the last object written: a walk from 0 that goes on from
 * each returned cursor visits every object that stays live throughout
 * exactly once. *@written 0 leaves *@cursor unchanged: the walk is done.
 *
 * A record: @offset only with the HOST bit of @tiers, @disk_location only
 * with DISK; @tiers shows DEVICE while a device pin exists; @refs counts
 * clients holding a reference, @pins every pin of every tier (a DEVICE
 * transfer from HOST pins HOST while it runs). @last_access_ns is the
 * CLOCK_MONOTONIC time of the last commit, lookup hit or accepted fetch
 * (0 for an object never committed); @hits counts lookup hits since
 * commit (lockless lookups hitting one object at the same instant may
 * count once: it is a statistic). Returns 0, -EPERM or -EINVAL.
 */
int kvt_obj_scan(struct kvt_client *client, uint64_t *cursor,
		 struct drm_kvtier_obj_record *recs, uint32_t room,
		 uint32_t *written);

/* ---- device regions ---------------------------------------------------- */

/*
 * Registers a region owned by @client and sets req->region_id. @file is the
 * environment's reference on the region's memory, opaque to the core: NULL
 * exactly when req->kind is KVTIER_REGION_KIND_NONE (req->fd is the
 * environment's business). On success the region owns @file and gives it
 * back through env->region_put when it is unregistered or @client closes;
 * on failure it stays the caller's. Returns 0, -EINVAL (size 0, flags,
 * kind not below KVTIER_REGION_KIND_COUNT, @file not matching the kind)
 * or -ENOSPC (every region id is taken).
 */
int kvt_region_register(struct kvt_client *client,
			struct drm_kvtier_region_register *req, void *file);
/* 0, or -ENOENT when @region_id is not a region of @client. */
int kvt_region_unregister(struct kvt_client *client, uint32_t region_id);
/*
 * Manager only (-EPERM). For region out->region_id fills size, cookie,
 * tenant_id (its owner's), kind and gen of @out, and sets *@file to the
 * region's file with a reference taken through env->region_get, which the
 * caller now owns. Returns 0, -EINVAL (out->flags or out->pad not 0),
 * -ENOENT (no such region), -ESTALE (out->gen is not 0 and not the
 * region's generation) or -ENODEV (a KVTIER_REGION_KIND_NONE region: no
 * file). @out->fd is left to the environment.
 */
int kvt_region_get_file(struct kvt_client *client,
			struct drm_kvtier_region_get_fd *out, void **file);

/* ---- fetch and work -------------------------------------------------------- */

/* Fills item results, fetch_id, pending and failed of @req. */
int kvt_fetch(struct kvt_client *client, struct drm_kvtier_fetch *req,
	      struct drm_kvtier_fetch_item *items);
/* CAP checked by the environment. -EBUSY when another client is manager. */
int kvt_manager_attach(struct kvt_client *client, uint64_t *queued);
/* True when queued (undispatched) work exists: the manager's wait condition. */
bool kvt_work_available(struct kvt_core *core);
/* Manager only (-EPERM). Takes up to @room queued items; never blocks. */
int kvt_work_take(struct kvt_client *client, struct drm_kvtier_work_item *out,
		  uint32_t room, uint32_t *taken);
/*
 * Gives back @count items kvt_work_take() handed to @client that never
 * reached it (the copy to userspace failed): each one still dispatched to
 * @client goes back to the front of the queue, in the order given, as if
 * never taken. Others are skipped.
 */
void kvt_work_untake(struct kvt_client *client,
		     const struct drm_kvtier_work_item *items, uint32_t count);
/* Manager only. Sets item results; returns failed count via *failed. */
int kvt_work_complete(struct kvt_client *client,
		      struct drm_kvtier_work_done *items, uint32_t count,
		      uint32_t *failed);
/*
 * Manager only (-EPERM). Sets item results; returns failed count via
 * *failed. Per item: ADD DISK records a copy at @location on a READY
 * object; an object that already has a DISK copy gets the new location in
 * place of the old one (a rewrite moved it). ADD on a stale handle or on a
 * freed object (EVICTING: out of the namespace) is -ENOENT, on a WRITING
 * one -EINVAL. DROP HOST gives the slots back: -ENOENT without a HOST
 * copy, -EBUSY while any client references the object or it is pinned in
 * HOST. DROP DISK: -ENOENT without a DISK copy, -EBUSY while pinned in DISK
 * or work in flight may read it. Dropping the last copy evicts the object.
 * Other tiers or ops, or a location with DROP: -EINVAL.
 */
int kvt_residency(struct kvt_client *client,
		  struct drm_kvtier_residency_item *items, uint32_t count,
		  uint32_t *failed);

/* ---- access stream ------------------------------------------------------- */

/*
 * Checks a STREAM_OPEN request of @client and fills its Out fields but
 * mmap_offset (the environment's): entries (the default for 0),
 * ring_bytes (a multiple of @page_size), records_offset (the header's
 * page or pages: records never share a page with a header), rings (one
 * per CPU id), version and record_size. Returns 0, -EINVAL (flags, pad,
 * entries, or a @page_size that is not a power of two), -EPERM (not the
 * manager) or -EBUSY (a stream is open), checked in that order. The
 * environment then allocates rings * ring_bytes bytes of zeroed memory and
 * calls kvt_stream_open().
 */
int kvt_stream_validate(struct kvt_client *client,
			struct drm_kvtier_stream_open *req, uint64_t page_size);
/*
 * Opens the stream in @mem, laid out as @req (which kvt_stream_validate()
 * filled) says. From here the core writes records there until the manager
 * role of @client ends; then env->stream_close and, once no writer is
 * left, env->stream_put get @priv. On failure nothing is kept and @mem
 * and @priv stay the caller's. Returns 0, -EPERM (@client is no longer the
 * manager), -EBUSY (a stream was opened meanwhile), -EINVAL (@req not as
 * kvt_stream_validate() left it) or -ENOMEM.
 */
int kvt_stream_open(struct kvt_client *client,
		    const struct drm_kvtier_stream_open *req, void *mem,
		    void *priv);
/*
 * The open stream's @priv, with a reference taken through
 * env->stream_get, for the manager's mapping of it. Returns 0, -EPERM
 * (@client is not the manager) or -ENOENT (no stream is open).
 */
int kvt_stream_get(struct kvt_client *client, void **priv);

#endif /* KVT_CORE_H */

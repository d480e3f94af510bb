/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtier core internals: the structures behind kvt_core.h and the helpers
 * its source files share. Nothing here is seen by the driver.
 *
 * Locks, outer to inner (kvt_core.h gives the public part):
 *   client -> object stripe -> index shard -> pool -> tenant -> queue
 *   -> region
 * plus three that are never held with another core lock except as noted:
 *   table (object table free list; nothing nested),
 *   tenants (tenant table; tenant locks nest inside it),
 *   pools (pool id allocation; nothing nested),
 *   client event lock (held only around env->fetch_done and while
 *   kvt_client_close marks the client closed).
 *
 * Objects share striped locks (KVT_OBJ_LOCKS of them, chosen by table
 * index): the core never holds two object locks at once, so a stripe
 * behaves as a per-object lock and ten million objects need no ten million
 * mutexes.
 */
#ifndef KVT_INTERNAL_H
#define KVT_INTERNAL_H

#include "kvt_core.h"

#define KVT_CACHELINE 64
/* Keys whose index misses are started together in batched operations. */
#define KVT_PREFETCH_GROUP 32
/* How far ahead batch operations load the objects they will touch. */
#define KVT_PREFETCH_AHEAD 8

/*
 * Fault injection for the tools around the core, never for the driver: a
 * host build with -DKVT_FAULT_LOOKUP_MISS makes every lookup miss, so that
 * the check of scripts/core-ab.sh (in scripts/check.sh) can build one side
 * that way and see which build each side ran. 0, compiled out, by default.
 */
#ifndef KVT_FAULT_LOOKUP_MISS
#define KVT_FAULT_LOOKUP_MISS 0
#endif
#if KVT_FAULT_LOOKUP_MISS && defined(__KERNEL__)
#error "KVT_FAULT_LOOKUP_MISS is for host builds of kmod/core only"
#endif

/* ---- handles ---------------------------------------------------------- */

/*
 * Generations use 31 bits so the index can keep a READY flag in bit 63 of
 * the handle it stores; a generation is never 0, so no handle is 0.
 */
#define KVT_GEN_MASK 0x7fffffffu
#define KVT_HANDLE(idx, gen) (((uint64_t)(gen) << 32) | (uint32_t)(idx))
#define KVT_HANDLE_IDX(h) ((uint32_t)(h))
#define KVT_HANDLE_GEN(h) ((uint32_t)((h) >> 32))

/* ---- objects ------------------------------------------------------------ */

enum kvt_obj_state {
	KVT_OBJ_FREE = 0,	/* table entry unused */
	KVT_OBJ_INIT,		/* being allocated, not yet handed out */
	KVT_OBJ_WRITING,
	KVT_OBJ_READY,
	KVT_OBJ_EVICTING,	/* out of the namespace, still referenced */
	KVT_OBJ_DEAD,		/* slots being released, then FREE */
};

/* Bits of kvt_obj.flags. */
#define KVT_OF_INDEXED (1u << 0) /* has an index entry */
#define KVT_OF_SLOTS (1u << 1)	 /* holds host slots (resident or filling) */
/*
 * A field its index entry mirrors (READY, tiers, DEVICE pins) changed:
 * kvt_obj_unlock() brings the entry up to date before the lock goes.
 */
#define KVT_OF_MIRROR (1u << 2)
/*
 * A client mapping was given write access to the object's slots while it
 * was WRITING (kvt_slot_write_access()): its commit, or its eviction while
 * still referenced, must revoke them. Without it there is no writable PTE
 * to take away, and the commit does not pay for an unmap.
 */
#define KVT_OF_WRITABLE (1u << 3)

#define KVT_TIER_HOST_BIT KVTIER_TIER_BIT(KVTIER_TIER_HOST)
#define KVT_TIER_DISK_BIT KVTIER_TIER_BIT(KVTIER_TIER_DISK)
#define KVT_TIER_DEVICE_BIT KVTIER_TIER_BIT(KVTIER_TIER_DEVICE)

struct kvt_tenant;
struct kvt_work;

/*
 * struct kvt_obj - one table entry, protected by its stripe lock: the hot
 * part, exactly one cache line, holding all a lookup reads. While the
 * entry is in the index its key and tenant do not change, so index probes
 * read them under the shard lock alone.
 */
struct kvt_obj {
	uint32_t gen;
	uint8_t state;		/* enum kvt_obj_state */
	uint8_t tiers;		/* HOST and DISK bits; DEVICE comes from pins */
	uint8_t pool_id;
	uint8_t flags;		/* KVT_OF_* */
	uint32_t client_refs;	/* clients holding a reference */
	uint32_t work_refs;	/* work items naming this object */
	uint32_t pins[KVTIER_TIER_COUNT]; /* clients' pins + transfer pins */
	uint32_t slot_count;	/* slots a HOST copy takes */
	uint64_t slot_first;	/* first host slot, with KVT_OF_SLOTS */
	uint64_t size;
	struct kvt_tenant *tenant;
	union {
		struct kvt_client *creator;	/* WRITING */
		struct kvt_work *host_work;	/* READY: DISK->HOST in flight */
	};
} KVT_ALIGNED(KVT_CACHELINE);

_Static_assert(sizeof(struct kvt_obj) == KVT_CACHELINE,
	       "a lookup reads one cache line per object");

/*
 * struct kvt_obj_ext - the cold part of an entry, same lock. The access
 * statistics live in the object's index entry while it has one (lookups
 * count hits on the line they read anyway); kvt_obj_unlink() leaves their
 * last values here, where OBJ_SCAN reads them for objects out of the index.
 */
struct kvt_obj_ext {
	struct drm_kvtier_key key;
	uint64_t disk_loc;	/* with the DISK bit */
	uint32_t next_free;	/* table free list, when FREE */
	uint32_t pad;
	kvt_atomic64_t last_access_ns;	/* unindexed: commit, hit, fetch */
	kvt_atomic64_t hits;		/* unindexed: lookup hits since commit */
};

/*
 * Object table: chunks of objects, allocated as the table fills. A chunk
 * of hot parts is 2 MiB, so that it can sit in one huge page.
 */
#define KVT_CHUNK_SHIFT 15
#define KVT_CHUNK_SIZE (1u << KVT_CHUNK_SHIFT)
#define KVT_CHUNK_MASK (KVT_CHUNK_SIZE - 1)
#define KVT_OBJ_LOCKS 1024
#define KVT_NO_INDEX UINT32_MAX

/*
 * A stripe lock and its sequence: kvt_obj_lock() makes @seq odd, and
 * kvt_obj_unlock() even again, so every change to an object of the stripe
 * happens while @seq is odd and a lockless reader (kvt_obj_read_begin /
 * kvt_obj_read_retry) can tell whether its copy is whole.
 */
struct kvt_lock_pad {
	kvt_lock_t lock;
	uint32_t seq;
} KVT_ALIGNED(KVT_CACHELINE);

/* ---- index -------------------------------------------------------------- */

/*
 * An index entry holds the key and tenant inline, and mirrors all a plain
 * lookup returns, so that a lookup reads one cache line per key and never
 * the object: the mirror changes with the object, under the object lock
 * and the shard lock (kvt_index_mirror_update()). It also keeps the
 * object's access statistics, which lookups bump with relaxed stores on
 * the line they already have (best effort: a racing writer may lose one).
 */
struct kvt_ientry {
	uint64_t lo;
	uint64_t hi;
	uint64_t tenant;
	uint64_t handle;	/* 0: empty; bit 63: READY */
	uint64_t size;
	uint64_t offset;	/* bytes into the pool, with the HOST bit */
	uint8_t pool_id;
	uint8_t tiers;		/* as kvt_obj_tiers() */
	/*
	 * Of the slot, not of the entry in it: the entries homed here sit
	 * together, @group_count of them from @group_first slots past it.
	 * KVT_GROUP_UNKNOWN in either: too far or too many to say, walk.
	 */
	uint8_t group_first;
	uint8_t group_count;
	uint32_t hits;		/* lookup hits since commit, saturating */
	uint64_t last_access_ns; /* last commit, lookup hit or fetch */
} KVT_ALIGNED(KVT_CACHELINE);

_Static_assert(sizeof(struct kvt_ientry) == KVT_CACHELINE,
	       "a lookup reads one cache line per key");

/* What kvt_index_get() copies out of an entry. */
struct kvt_imirror {
	uint64_t handle;	/* with KVT_IENTRY_READY */
	uint64_t size;
	uint64_t offset;
	uint8_t pool_id;
	uint8_t tiers;
	uint32_t hits;
	uint64_t last_access_ns;
};

#define KVT_IENTRY_READY (1ull << 63)
#define KVT_GROUP_UNKNOWN 0xffu
#define KVT_SHARD_BITS 8
#define KVT_SHARDS (1u << KVT_SHARD_BITS)
#define KVT_SHARD_MIN 64	/* entries per shard at first */

/*
 * An entry array a shard outgrew: freed once no lookup that may still
 * read it is left (kvt_retire()).
 */
struct kvt_iretired {
	struct kvt_retire_head head;	/* first: the free casts back */
	struct kvt_ientry *e;
	struct kvt_core *core;
	uint64_t bytes;
};

/*
 * Writers hold @lock and change entries only while @seq is odd; probes
 * take no lock: they read @seq, the array and @seq again, and retry (in the
 * end under @lock) when it moved. @e and @mask change only together with
 * @seq, @e first: tables only grow, so an old @mask never indexes past
 * either array.
 */
struct kvt_shard {
	kvt_lock_t lock;
	uint32_t seq;
	uint32_t count;
	struct kvt_ientry *e;
	uint32_t mask;		/* entries - 1 */
} KVT_ALIGNED(KVT_CACHELINE);

/* ---- pools -------------------------------------------------------------- */

struct kvt_pool {
	kvt_lock_t lock;
	bool in_use;		/* the id is taken (guarded by core->pools_lock) */
	bool live;		/* accepts allocations */
	uint32_t id;
	uint32_t kind;
	uint32_t pflags;
	int32_t numa_node;
	uint64_t serial;	/* from core->pool_serial at creation */
	uint64_t slot_size;
	uint64_t slot_count;
	uint64_t slots_free;
	uint64_t hint;		/* where the next search starts */
	uint64_t objects;	/* objects holding slots */
	uint64_t objects_total;	/* objects of this pool, with or without */
	uint64_t *bitmap;	/* 1 = used; bits past slot_count are set */
	uint32_t *owner;	/* slot -> object table index + 1, 0 = free */
} KVT_ALIGNED(KVT_CACHELINE);

/* ---- tenants ------------------------------------------------------------ */

struct kvt_tenant_pool {
	uint64_t slots_used;
	uint64_t max_slots;
	uint64_t objects;
	uint64_t quota_refusals;
};

struct kvt_tenant {
	kvt_lock_t lock;
	uint64_t id;
	uint64_t present;	/* bit (pool id - 1): has an entry */
	struct kvt_tenant_pool pool[KVTIER_MAX_POOLS];
};

/* ---- clients ------------------------------------------------------------ */

/* One object the client references, and the pins it took on it. */
struct kvt_ref {
	uint32_t idx1;		/* object table index + 1, 0 = empty */
	uint32_t gen;
	uint32_t pins[KVTIER_TIER_COUNT];
};

struct kvt_client {
	struct kvt_core *core;
	kvt_lock_t lock;	/* refs, closed, manager, its fetches */
	kvt_lock_t ev_lock;	/* orders fetch_done against close */
	struct kvt_tenant *tenant;
	uint32_t flags;
	bool closed;
	bool manager;
	void *priv;
	struct kvt_ref *refs;
	uint32_t ref_mask;	/* entries - 1 */
	uint32_t ref_count;
	uint32_t ref_reserved;	/* room promised to operations in flight */
	uint32_t kref;		/* open + one per unfinished fetch; lock */
	uint32_t fetch_seq;	/* last fetch id; lock */
	uint32_t no;		/* KVT_TRACE_FETCH_ID()'s client number */
};

/* ---- fetches and work ----------------------------------------------------- */

struct kvt_fetch;

struct kvt_waiter {
	struct kvt_fetch *fetch;
	struct kvt_waiter *next;
};

/* A fetch with queued items; lives until its last item completes. */
struct kvt_fetch {
	struct kvt_client *client;
	uint64_t user_data;
	uint32_t id;
	uint32_t queued;	/* items that became work */
	uint32_t pending;	/* items not completed (+1 while submitting) */
	uint32_t completed;
	uint32_t failed;
	int32_t status;
	struct kvt_waiter w[];	/* one per item */
};

enum kvt_work_state {
	KVT_WORK_FREE = 0,
	KVT_WORK_RESERVED,	/* allocated, not queued yet */
	KVT_WORK_QUEUED,
	KVT_WORK_DISPATCHED,
	KVT_WORK_DONE,		/* being completed */
};

struct kvt_work {
	uint32_t state;
	struct kvt_work *prev;
	struct kvt_work *next;
	struct kvt_client *owner;	/* the manager it is dispatched to */
	struct kvt_waiter *waiters;	/* guarded by the object's lock */
	uint64_t trace_fetch;	/* KVT_TRACE_FETCH_ID() of the fetch that queued it */
	struct drm_kvtier_work_item item;
};

struct kvt_wlist {
	struct kvt_work *head;
	struct kvt_work *tail;
	uint32_t count;
};

/* ---- regions ------------------------------------------------------------ */

struct kvt_region {
	struct kvt_client *owner;	/* NULL: free */
	uint64_t size;
	uint64_t cookie;
	void *file;	/* the environment's reference; NULL for KIND_NONE */
	uint32_t kind;	/* KVTIER_REGION_KIND_* */
	uint32_t gen;
};

/* ---- the core ------------------------------------------------------------ */

struct kvt_stats_ctr {
	kvt_atomic64_t objects;
	kvt_atomic64_t by_state[KVTIER_STATE_COUNT];
	kvt_atomic64_t by_tier[KVTIER_TIER_COUNT];
	kvt_atomic64_t lookups;
	kvt_atomic64_t hits;
	kvt_atomic64_t allocs;
	kvt_atomic64_t commits;
	kvt_atomic64_t frees;
	kvt_atomic64_t quota_refusals;
	kvt_atomic64_t fetches;
	kvt_atomic64_t work_queued;
	kvt_atomic64_t work_dispatched;
	kvt_atomic64_t work_completed;
	kvt_atomic64_t bytes_moved;
	kvt_atomic64_t clients;
	kvt_atomic64_t index_bytes;	/* live shard arrays */
	kvt_atomic64_t index_retired_bytes; /* outgrown, not yet freed */
};

struct kvt_core {
	struct kvt_env_ops ops;
	void *env;
	uint32_t max_objects;
	uint32_t max_work;
	uint64_t seed;		/* key hash seed, so keys cannot be aimed */
	kvt_atomic64_t client_seq;	/* the last client's number */

	/* object table */
	kvt_lock_t table_lock;
	struct kvt_obj **chunks;
	struct kvt_obj_ext **xchunks;
	uint32_t nchunks;
	uint32_t free_head;	/* KVT_NO_INDEX: empty */
	uint32_t next_new;	/* entries below have been used once */
	struct kvt_lock_pad obj_locks[KVT_OBJ_LOCKS];

	struct kvt_shard shards[KVT_SHARDS];
	/* Lockless readers of the shards' arrays: lookups. */
	kvt_readers_t readers;

	kvt_lock_t pools_lock;
	uint64_t pool_serial;	/* the last serial given (pools_lock) */
	struct kvt_pool pools[KVTIER_MAX_POOLS];

	kvt_lock_t tenants_lock;
	struct kvt_tenant **tenants;	/* open addressing by id */
	uint32_t tenants_mask;
	uint32_t tenants_count;
	struct kvt_tenant *global;	/* tenant 0 */

	/* work queue */
	kvt_lock_t queue_lock;
	struct kvt_work *work;		/* max_work entries */
	struct kvt_work *work_free;	/* singly linked through next */
	struct kvt_wlist queued;
	struct kvt_wlist dispatched;
	uint32_t work_seq;
	struct kvt_client *manager;

	kvt_lock_t region_lock;
	struct kvt_region regions[KVTIER_MAX_REGIONS];

	/*
	 * The access stream while one is open: set and cleared under
	 * queue_lock together with the manager role, read by writers in a
	 * read section of @readers (kvt_stream.c).
	 */
	struct kvt_stream *stream;

	struct kvt_stats_ctr st;
};

/*
 * struct kvt_release - what to do, with no core lock held, after an object
 * gave up its host slots or died: revoke and scrub the slots, give them
 * back to the pool and the tenant, then free the table entry.
 */
struct kvt_release {
	uint32_t pool_id;
	uint32_t idx;		/* table entry to free, KVT_NO_INDEX: none */
	uint64_t first;
	uint64_t count;		/* slots, 0: none */
	struct kvt_tenant *tenant;
	struct drm_kvtier_key key;
	uint64_t handle;
	struct kvt_client *revoke_client; /* revoke for this client only */
	bool revoke_all;	/* revoke for every client (wins over the above) */
	uint64_t revoke_first;
	uint64_t revoke_count;
};

/* ---- helpers shared between files --------------------------------------- */

static inline void kvt_trace(struct kvt_core *core,
			     const struct kvt_trace_rec *rec)
{
	if (core->ops.trace)
		core->ops.trace(core->env, rec);
}

static inline bool kvt_tier_valid(uint32_t tier)
{
	return tier < KVTIER_TIER_COUNT;
}

static inline uint64_t kvt_obj_tenant_id(const struct kvt_obj *obj)
{
	return obj->tenant->id;
}

/* kvt_table.c */
int kvt_table_init(struct kvt_core *core);
void kvt_table_fini(struct kvt_core *core);
struct kvt_obj *kvt_obj_ptr(struct kvt_core *core, uint32_t idx);
/* The cold part of an entry that kvt_obj_ptr() found. */
static inline struct kvt_obj_ext *kvt_obj_ext(struct kvt_core *core,
					      uint32_t idx)
{
	return &core->xchunks[idx >> KVT_CHUNK_SHIFT][idx & KVT_CHUNK_MASK];
}
void kvt_obj_lock(struct kvt_core *core, uint32_t idx);
void kvt_obj_unlock(struct kvt_core *core, uint32_t idx);

/*
 * Lockless reads of an object: begin returns the stripe's sequence (odd:
 * a writer holds the stripe, take the lock instead); the fields read
 * after it with kvt_read_once() are one consistent state unless retry
 * then returns true. Table chunks are never freed before the core, so the
 * read itself is always safe; the generation tells whether it is still
 * the object asked for.
 */
static inline uint32_t kvt_obj_read_begin(struct kvt_core *core, uint32_t idx)
{
	return kvt_load_acquire(&core->obj_locks[idx & (KVT_OBJ_LOCKS - 1)].seq);
}

static inline bool kvt_obj_read_retry(struct kvt_core *core, uint32_t idx,
				      uint32_t seq)
{
	kvt_smp_rmb();
	return kvt_read_once(core->obj_locks[idx & (KVT_OBJ_LOCKS - 1)].seq) !=
	       seq;
}
struct kvt_obj *kvt_obj_get(struct kvt_core *core, kvt_handle_t handle);
int kvt_table_alloc(struct kvt_core *core, struct drm_kvtier_alloc_item *items,
		    uint32_t count, uint32_t *failed_index);
void kvt_table_free(struct kvt_core *core, uint32_t idx);
void kvt_obj_set_state(struct kvt_core *core, struct kvt_obj *obj,
		       uint8_t state);
void kvt_obj_set_tiers(struct kvt_core *core, struct kvt_obj *obj,
		       uint8_t tiers);
uint32_t kvt_obj_tiers(const struct kvt_obj *obj);
void kvt_obj_pin(struct kvt_core *core, struct kvt_obj *obj, uint32_t tier);
void kvt_obj_unpin(struct kvt_core *core, struct kvt_obj *obj, uint32_t tier,
		   uint32_t n);

/* kvt_index.c */
int kvt_index_init(struct kvt_core *core);
void kvt_index_fini(struct kvt_core *core);
uint64_t kvt_key_hash(const struct kvt_core *core,
		      const struct drm_kvtier_key *key);
int kvt_index_reserve(struct kvt_core *core, const struct drm_kvtier_key *key,
		      uint64_t tenant, uint64_t handle);
void kvt_index_set_ready(struct kvt_core *core,
			 const struct drm_kvtier_key *key, uint64_t handle);
void kvt_index_mirror_update(struct kvt_core *core, struct kvt_obj *obj,
			     uint32_t idx);
void kvt_index_touch(struct kvt_core *core, struct kvt_obj *obj,
		     uint32_t idx, uint64_t now, bool reset);
int kvt_index_get(struct kvt_core *core, const struct drm_kvtier_key *key,
		  uint64_t handle, struct kvt_imirror *out);
void kvt_index_peek(struct kvt_core *core, uint64_t hash);
bool kvt_index_lookup(struct kvt_core *core, uint64_t hash,
		      const struct drm_kvtier_key *key, uint64_t tenant,
		      uint64_t now, struct drm_kvtier_lookup_result *r);
void kvt_index_hit(struct kvt_core *core, uint64_t hash,
		   const struct drm_kvtier_key *key, uint64_t handle,
		   uint64_t now);
void kvt_index_remove(struct kvt_core *core, const struct drm_kvtier_key *key,
		      uint64_t handle);
void kvt_index_prefetch(struct kvt_core *core, uint64_t hash);
uint32_t kvt_index_check(struct kvt_core *core);
uint64_t kvt_index_probe(struct kvt_core *core, uint64_t hash,
			 const struct drm_kvtier_key *key, uint64_t tenant,
			 bool *global);
uint64_t kvt_index_count(struct kvt_core *core);

/* kvt_pool.c */
void kvt_pools_init(struct kvt_core *core);
void kvt_pools_fini(struct kvt_core *core);
struct kvt_pool *kvt_pool_get(struct kvt_core *core, uint32_t pool_id);
int kvt_pool_alloc_batch(struct kvt_core *core, struct kvt_pool *pool,
			 struct kvt_tenant *tenant,
			 struct drm_kvtier_alloc_item *items, uint32_t count,
			 uint64_t total, uint32_t *failed_index);
int kvt_pool_alloc_run(struct kvt_core *core, uint32_t pool_id,
		       struct kvt_tenant *tenant, uint64_t count, uint32_t idx,
		       uint64_t *first);
void kvt_pool_free_run(struct kvt_core *core, uint32_t pool_id,
		       struct kvt_tenant *tenant, uint64_t first,
		       uint64_t count, bool object_gone);
uint64_t kvt_pool_slot_size(struct kvt_core *core, uint32_t pool_id);

/* kvt_tenant.c */
int kvt_tenants_init(struct kvt_core *core);
void kvt_tenants_fini(struct kvt_core *core);
struct kvt_tenant *kvt_tenant_get(struct kvt_core *core, uint64_t id,
				  bool create);
int kvt_tenant_charge(struct kvt_core *core, struct kvt_tenant *t,
		      uint32_t pool_id, uint64_t slots, uint64_t objects,
		      uint64_t *room);
void kvt_tenant_uncharge(struct kvt_tenant *t, uint32_t pool_id,
			 uint64_t slots, uint64_t objects);
void kvt_tenant_forget_pool(struct kvt_core *core, uint32_t pool_id);

/* kvt_client.c */
int kvt_client_reserve(struct kvt_client *client, uint32_t n);
void kvt_client_unreserve(struct kvt_client *client, uint32_t n);
struct kvt_ref *kvt_ref_find(struct kvt_client *client, uint32_t idx);
struct kvt_ref *kvt_ref_insert(struct kvt_client *client, uint32_t idx,
			       uint32_t gen);
void kvt_ref_delete(struct kvt_client *client, struct kvt_ref *ref);
void kvt_client_put(struct kvt_client *client);

/* kvt_object.c */
bool kvt_obj_visible(const struct kvt_client *client,
		     const struct kvt_obj *obj);
void kvt_obj_unlink(struct kvt_core *core, struct kvt_obj *obj, uint32_t idx);
bool kvt_obj_maybe_kill(struct kvt_core *core, struct kvt_obj *obj,
			uint32_t idx, struct kvt_release *rel);
void kvt_obj_take_slots(struct kvt_core *core, struct kvt_obj *obj,
			struct kvt_release *rel);
void kvt_release_init(struct kvt_release *rel);
void kvt_release_finish(struct kvt_core *core, struct kvt_release *rel);
void kvt_trace_obj(struct kvt_core *core, enum kvt_trace_event ev,
		   const struct kvt_obj *obj, kvt_handle_t handle,
		   uint32_t tier);
void kvt_obj_drop_ref(struct kvt_core *core, struct kvt_client *client,
		      struct kvt_obj *obj, struct kvt_ref *ref,
		      struct kvt_release *rel);

/* What kvt_obj_touch() records. */
enum kvt_touch {
	KVT_TOUCH_ACCESS,	/* an access: last_access_ns = now */
	KVT_TOUCH_COMMIT,	/* and hits start from 0 */
};

/*
 * Records an access to the object at @idx at time @now; object locked.
 * Lookup hits are counted by the lookups themselves, in the index entry.
 */
void kvt_obj_touch(struct kvt_core *core, uint32_t idx, uint64_t now,
		   enum kvt_touch how);
/* The access statistics of the object at @idx; object locked. */
void kvt_obj_stats(struct kvt_core *core, uint32_t idx, uint64_t *hits,
		   uint64_t *last_access_ns);

/* kvt_queue.c */
int kvt_queue_init(struct kvt_core *core);
void kvt_queue_fini(struct kvt_core *core);
void kvt_queue_manager_close(struct kvt_client *client);
void kvt_regions_forget(struct kvt_client *client);

/* kvt_stream.c */
struct kvt_stream;

/*
 * Whether a stream is open: the one branch the recording sites pay when
 * none is. The writers read the stream again inside a read section.
 */
static inline bool kvt_stream_on(struct kvt_core *core)
{
	return kvt_read_once(core->stream) != NULL;
}

/*
 * One record per key of a lookup of @count keys by tenant @tenant at @now:
 * keys from @probed on were not probed (a STOP_AT_MISS lookup stopped),
 * the others hit or missed as @results say. Inside a read section of
 * core->readers, in which @s was read.
 */
void kvt_stream_lookup(struct kvt_stream *s, uint64_t tenant, uint64_t now,
		       const struct drm_kvtier_key *keys,
		       const struct drm_kvtier_lookup_result *results,
		       uint32_t count, uint32_t probed);
/*
 * One record of an object's life (COMMIT, FREE), if a stream is open;
 * @size and @offset (bytes into the pool mapping) are COMMIT's, 0 else.
 */
void kvt_stream_obj(struct kvt_core *core, uint16_t type, uint16_t flags,
		    const struct drm_kvtier_key *key, uint64_t handle,
		    uint64_t tenant, uint32_t pool_id, uint64_t size,
		    uint64_t offset);
/*
 * An ALLOC record of each item, if a stream is open. The items' @offset
 * is still in slots of @slot_size bytes: the records carry bytes.
 */
void kvt_stream_alloc(struct kvt_core *core, uint64_t tenant,
		      uint32_t pool_id, uint64_t slot_size,
		      const struct drm_kvtier_alloc_item *items,
		      uint32_t count);
/*
 * After the manager role ended and @s (may be NULL) was unpublished:
 * tells the environment, and retires @s.
 */
void kvt_stream_retire(struct kvt_core *core, struct kvt_stream *s);
/* Records written and dropped, all rings; 0 while no stream is open. */
void kvt_stream_stats(struct kvt_core *core, uint64_t *records,
		      uint64_t *dropped);

/* kvt_core.c: a full consistency walk, for tests; no other activity. */
int kvt_core_check(struct kvt_core *core);

#endif /* KVT_INTERNAL_H */

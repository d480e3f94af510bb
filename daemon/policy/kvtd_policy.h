/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtd_policy: the eviction policy interface of kvtierd.
 *
 * A policy is an ops table over a plain struct: it keeps its own view of
 * what is cached (key, size, whatever it ranks by) and, asked for a victim,
 * names one. It never moves bytes and never evicts by itself: the caller
 * (the daemon's pressure handler, or the replay simulator) decides when to
 * evict, evicts, and then tells the policy with on_remove. The same code
 * runs in the daemon and, unchanged, under `kvtier-replay --simulate`.
 *
 * Capacity and sizes share one unit, chosen by the caller: blocks (every
 * object size 1) in the simulator, slots or bytes in the daemon.
 *
 * A new policy is one file with one `const struct kvtd_policy_ops` and a
 * line in ops.c's table. Offline policies (the simulator's Belady) read
 * the future from kvtd_policy_params.future and are never offered to the
 * daemon.
 *
 * Functions return 0 or -errno unless said otherwise.
 */
#ifndef KVTD_POLICY_H
#define KVTD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtd_key.h"

/* A reference with no next use: an offline policy evicts such keys first. */
#define KVTD_NEVER UINT64_MAX

/*
 * The policy the daemon and the simulator use when none is configured or
 * given: the one line to change when another policy becomes the default.
 */
#define KVTD_POLICY_DEFAULT "lru"

/*
 * kvtd_access.flags: a miss after a prefix lookup stopped at an earlier
 * miss; the key was not probed (it may even be cached).
 */
#define KVTD_ACCESS_NOT_PROBED (1u << 0)

/**
 * struct kvtd_access - what is known of one access beyond its key: from
 * the driver's access stream in the daemon (struct drm_kvtier_access),
 * from the trace in the simulator.
 * @key: What the policy tracks the object by: unique among the objects
 *       it tracks (the daemon's planner uses a key of its own per object,
 *       since the same client key may live in several namespaces and an
 *       object's stream records may come out of order across CPUs).
 * @name: What the block's content is called: the same whenever the same
 *        block is looked up or stored again, in another object or after
 *        an eviction (the client's key, told apart by tenant). Policies
 *        that learn from history ("seen before") key it by @name. Zero
 *        means "the same as @key" (the wrappers fill it in): the
 *        simulator's case.
 * @tenant: Who looked it up or stored it; 0 unknown or global.
 * @time_ns: CLOCK_MONOTONIC ns (simulator: the trace's ms * 1e6).
 * @position: Index of the key in its prompt's lookup (its depth).
 * @count: Keys in that lookup; 0 when unknown (then @position means
 *         nothing).
 * @pool: The pool.
 * @flags: KVTD_ACCESS_* bits.
 */
struct kvtd_access {
	struct drm_kvtier_key key;
	struct drm_kvtier_key name;
	uint64_t tenant;
	uint64_t time_ns;
	uint32_t position;
	uint32_t count;
	uint32_t pool;
	uint32_t flags;
};

/**
 * struct kvtd_future - what an offline policy knows of the future.
 * @next_use: For reference i of the run, the index of the next reference
 *            to the same key, or KVTD_NEVER.
 * @count: References in the run.
 *
 * The caller reports every reference in order, each exactly once, as
 * on_access (a hit) or on_miss (a miss); that is how an offline policy
 * keeps its place in @next_use.
 */
struct kvtd_future {
	const uint64_t *next_use;
	size_t count;
};

/*
 * kvtd_policy_params.flags: the caller names every tracked object by the
 * reference (ref) it was given at insert (the *_ref wrappers below), never
 * by key, so the policy need keep no key index. Honoured only by policies
 * with the ref ops (kvtd_policy_create() clears it for the others).
 */
#define KVTD_POLICY_BY_REF (1u << 0)

/* No reference: the object is known by key only. */
#define KVTD_POLICY_NOREF UINT32_MAX

/**
 * struct kvtd_policy_params - what create() is given.
 * @capacity: Most the cache holds, in the caller's unit; 0 holds nothing.
 * @expect_entries: Objects it expects to track at once (sizing of the
 *                  index, so the steady state never allocates); 0 lets
 *                  the policy guess from @capacity.
 * @future: For offline policies only (NULL otherwise).
 * @flags: KVTD_POLICY_* bits.
 */
struct kvtd_policy_params {
	uint64_t capacity;
	uint32_t expect_entries;
	const struct kvtd_future *future;
	uint32_t flags;
};

/**
 * struct kvtd_policy - the part every policy instance starts with.
 * @ops: Its ops table.
 * @capacity: As created.
 * @used: Sum of the sizes of the tracked objects.
 * @count: Objects tracked.
 *
 * @used and @count are kept by the kvtd_policy_* wrappers, not by the
 * policies, so that every policy accounts the same way.
 */
struct kvtd_policy {
	const struct kvtd_policy_ops *ops;
	uint64_t capacity;
	uint64_t used;
	uint64_t count;
};

/*
 * A victim filter: true when @key may be evicted now (not pinned, no
 * transfer in flight). NULL means every key may.
 */
typedef bool (*kvtd_victim_ok_fn)(const struct drm_kvtier_key *key,
				  void *arg);

/**
 * struct kvtd_policy_ops - one eviction policy.
 * @name: Its name in configuration and on the command line.
 * @offline: Needs kvtd_policy_params.future (simulator only).
 * @create: Make an instance with @params->capacity; set *@out to its
 *          struct kvtd_policy (the wrapper fills in the fields).
 *          Return: 0, -EINVAL, -ENOMEM, -E2BIG (more entries expected
 *          than 32-bit indices hold).
 * @destroy: Free it.
 * @on_access: A lookup hit @a->key. Return: 0, -ENOENT when the key is
 *             not tracked (the caller's miss), -ERANGE past an offline
 *             policy's future.
 * @on_miss: A lookup missed @a->key (may be NULL). Called before
 *           on_insert of the same key, if the caller inserts it at all.
 * @on_insert: Track @a->key, of @size (> 0, fits the free capacity: the
 *             wrapper checks). Return: 0, -EEXIST, -ENOMEM, -EINVAL.
 * @pick_victim: Name the key to evict next among those @ok accepts,
 *               without forgetting it. Return: 0, -ENOENT when none.
 * @on_remove: Forget @key (evicted, freed or dropped by someone else) and
 *             give its size. Return: 0, -ENOENT.
 * @reuse: The policy's estimate, in permille (0..1000), that @key will be
 *         used again, for the write policies and disk admission (may be
 *         NULL: a policy with no estimate, such as LRU). Return: 0,
 *         -ENOENT when @key is not tracked.
 *
 * Optional, all four or none: the same by reference. A ref is a 32-bit
 * index of the policy's own (never KVTD_POLICY_NOREF) that names a tracked
 * object from its insert to its removal, so that a caller that keeps it
 * (the planner, per object and instance) spares the policy a hash lookup
 * per call, and a plan the dependent cache misses of one.
 * @insert_ref: on_insert, and set *@ref.
 * @access_ref: on_access of the object @ref (@a->key is its key).
 * @victim_ref: pick_victim, and set *@ref to the victim's.
 * @remove_ref: on_remove of the object @ref.
 */
struct kvtd_policy_ops {
	const char *name;
	bool offline;
	int (*create)(const struct kvtd_policy_params *params,
		      struct kvtd_policy **out);
	void (*destroy)(struct kvtd_policy *p);
	int (*on_access)(struct kvtd_policy *p, const struct kvtd_access *a);
	int (*on_miss)(struct kvtd_policy *p, const struct kvtd_access *a);
	int (*on_insert)(struct kvtd_policy *p, const struct kvtd_access *a,
			 uint64_t size);
	int (*pick_victim)(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
			   void *arg, struct drm_kvtier_key *out);
	int (*on_remove)(struct kvtd_policy *p,
			 const struct drm_kvtier_key *key, uint64_t *size);
	int (*reuse)(const struct kvtd_policy *p,
		     const struct drm_kvtier_key *key, uint32_t *permille);
	int (*insert_ref)(struct kvtd_policy *p, const struct kvtd_access *a,
			  uint64_t size, uint32_t *ref);
	int (*access_ref)(struct kvtd_policy *p, uint32_t ref,
			  const struct kvtd_access *a);
	int (*victim_ref)(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
			  void *arg, struct drm_kvtier_key *out, uint32_t *ref);
	int (*remove_ref)(struct kvtd_policy *p, uint32_t ref, uint64_t *size);
};

/* The baseline: least recently used, O(1) per operation. */
extern const struct kvtd_policy_ops kvtd_policy_lru;
/*
 * Learned reuse prediction (reuse.c): admission and eviction as one
 * ordering by the online estimate that a block is used again soon.
 * O(log n) per operation; implements reuse.
 */
extern const struct kvtd_policy_ops kvtd_policy_reuse_ops;

/**
 * kvtd_policy_find() - an online policy by name.
 * Return: its ops, or NULL when no such policy is built in.
 */
const struct kvtd_policy_ops *kvtd_policy_find(const char *name);

/**
 * kvtd_policy_list() - the online policies, for help texts.
 * @i: Index from 0.
 * Return: the @i-th policy's ops, or NULL past the last.
 */
const struct kvtd_policy_ops *kvtd_policy_list(size_t i);

/**
 * kvtd_policy_create() - make an instance of @ops.
 *
 * Return: 0, -EINVAL when @params does not suit @ops (an offline policy
 * with no future, an online one given one), or what @ops->create returns.
 */
int kvtd_policy_create(const struct kvtd_policy_ops *ops,
		       const struct kvtd_policy_params *params,
		       struct kvtd_policy **out);

/* Free @p (NULL is fine). */
void kvtd_policy_destroy(struct kvtd_policy *p);

/* Return: 0 (hit, recorded), -ENOENT (not tracked), -ERANGE. */
int kvtd_policy_access(struct kvtd_policy *p, const struct kvtd_access *a);

/* Return: 0, or what the policy's on_miss returns. */
int kvtd_policy_miss(struct kvtd_policy *p, const struct kvtd_access *a);

/**
 * kvtd_policy_insert() - track a new object.
 *
 * Return: 0, -EINVAL for size 0, -ENOSPC when @size does not fit the free
 * capacity (evict first), -EEXIST, -ENOMEM.
 */
int kvtd_policy_insert(struct kvtd_policy *p, const struct kvtd_access *a,
		       uint64_t size);

/* Return: 0 with *@out set, -ENOENT when nothing (acceptable) is tracked. */
int kvtd_policy_victim(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
		       void *arg, struct drm_kvtier_key *out);

/* Return: 0, -ENOENT when @key is not tracked. */
int kvtd_policy_remove(struct kvtd_policy *p, const struct drm_kvtier_key *key);

/**
 * kvtd_policy_reuse() - the policy's estimate that @key is used again.
 * @permille: Out. 0 (surely dead) .. 1000 (surely reused).
 *
 * Return: 0, -ENOENT when @key is not tracked, -EOPNOTSUPP when the policy
 * makes no estimate.
 */
int kvtd_policy_reuse(const struct kvtd_policy *p,
		      const struct drm_kvtier_key *key, uint32_t *permille);

/*
 * The same by reference (see kvtd_policy_ops.insert_ref). Where the policy
 * has no ref ops, insert and victim give KVTD_POLICY_NOREF, and a call
 * given KVTD_POLICY_NOREF goes by @key (or @a->key) instead.
 */
int kvtd_policy_insert_ref(struct kvtd_policy *p, const struct kvtd_access *a,
			   uint64_t size, uint32_t *ref);
int kvtd_policy_access_ref(struct kvtd_policy *p, uint32_t ref,
			   const struct kvtd_access *a);
int kvtd_policy_victim_ref(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
			   void *arg, struct drm_kvtier_key *out,
			   uint32_t *ref);
int kvtd_policy_remove_ref(struct kvtd_policy *p, uint32_t ref,
			   const struct drm_kvtier_key *key);

/* Whether @ops has the ref ops. */
static inline bool kvtd_policy_ops_by_ref(const struct kvtd_policy_ops *ops)
{
	return ops->insert_ref && ops->access_ref && ops->victim_ref &&
	       ops->remove_ref;
}

/* An access that knows only its key (no position, tenant or time). */
static inline struct kvtd_access kvtd_access_key(const struct drm_kvtier_key *key)
{
	struct kvtd_access a = { .key = *key };

	return a;
}

static inline uint64_t kvtd_policy_used(const struct kvtd_policy *p)
{
	return p->used;
}

static inline uint64_t kvtd_policy_capacity(const struct kvtd_policy *p)
{
	return p->capacity;
}

static inline uint64_t kvtd_policy_count(const struct kvtd_policy *p)
{
	return p->count;
}

static inline const char *kvtd_policy_name(const struct kvtd_policy *p)
{
	return p->ops->name;
}

#endif /* KVTD_POLICY_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Batched lookup, the hottest path. Keys flow through a three-stage
 * software pipeline, so that the cache misses of many keys overlap with
 * each other and with the work on keys already loaded:
 *
 *   1. hash the key and prefetch its index bucket;
 *   2. probe the bucket (lockless, under the shard's sequence) and
 *      prefetch the object the probe found;
 *   3. check the object and fill the result: a plain lookup copies it
 *      under its stripe's sequence, without the lock; ACQUIRE takes the
 *      stripe lock, as it takes a reference.
 *
 * The results array doubles as the scratch space between stages (hash in
 * .offset, handle in .handle), so the stack stays small and nothing is
 * allocated. No global lock is taken: at most (when writers keep a shard or
 * stripe busy, or with ACQUIRE) shard locks, object stripe locks and the
 * client's own lock.
 */
#include "kvt_internal.h"

/*
 * Keys between the stages: enough misses in flight to cover memory
 * latency, few enough that prefetched lines are still in L1 when read.
 */
#define KVT_LOOKUP_DIST 16

static void kvt_lookup_prefetch_obj(struct kvt_core *core, uint64_t handle)
{
	const char *obj = (const char *)kvt_obj_ptr(core,
						    KVT_HANDLE_IDX(handle));

	if (!obj)
		return;
	/* Everything a result needs is in this one cache line. */
	kvt_prefetch(obj);
	/* A hit also counts in the cold part (kvt_obj_touch()). */
	kvt_prefetch(&kvt_obj_ext(core, KVT_HANDLE_IDX(handle))->hits);
}

/*
 * Pass 3 for one key without a lock: copies the object @handle names under
 * its stripe's sequence. Returns 1 and fills @r when the copy is a READY,
 * indexed object of that generation, 0 when it is not (freed or changed
 * since the probe), -EAGAIN when a writer was in the stripe.
 */
static int kvt_lookup_copy(struct kvt_core *core, uint64_t handle,
			   bool global, struct drm_kvtier_lookup_result *r)
{
	uint32_t idx = KVT_HANDLE_IDX(handle);
	uint32_t gen = KVT_HANDLE_GEN(handle);
	uint32_t seq, ogen, dev;
	uint8_t state, flags, tiers, pool_id;
	uint64_t size, first;
	struct kvt_obj *obj;

	if (!gen || gen > KVT_GEN_MASK)
		return 0;
	obj = kvt_obj_ptr(core, idx);
	if (!obj)
		return 0;
	seq = kvt_obj_read_begin(core, idx);
	if (seq & 1)
		return -KVT_EAGAIN;
	ogen = kvt_read_once(obj->gen);
	state = kvt_read_once(obj->state);
	flags = kvt_read_once(obj->flags);
	tiers = kvt_read_once(obj->tiers);
	pool_id = kvt_read_once(obj->pool_id);
	size = kvt_read_once(obj->size);
	first = kvt_read_once(obj->slot_first);
	dev = kvt_read_once(obj->pins[KVTIER_TIER_DEVICE]);
	if (kvt_obj_read_retry(core, idx, seq))
		return -KVT_EAGAIN;
	if (ogen != gen || state != KVT_OBJ_READY ||
	    !(flags & KVT_OF_INDEXED))
		return 0;
	r->handle = handle;
	r->size = size;
	r->offset = (tiers & KVT_TIER_HOST_BIT) ?
		first * kvt_pool_slot_size(core, pool_id) : 0;
	r->pool_id = pool_id;
	/* As kvt_obj_tiers(): DEVICE while any device pin exists. */
	r->tiers = tiers | (dev ? KVT_TIER_DEVICE_BIT : 0);
	r->flags = KVTIER_LOOKUP_PRESENT | (global ? KVTIER_LOOKUP_GLOBAL : 0);
	r->pad = 0;
	return 1;
}

/*
 * Pass 3 for one key: takes the object @r->handle names if it is still the
 * READY, indexed object the probe saw, and fills @r. An object freed since
 * the probe sends the key through one more probe. Returns whether it hit.
 */
static bool kvt_lookup_one(struct kvt_client *client, bool acquire,
			   const struct drm_kvtier_key *key,
			   struct drm_kvtier_lookup_result *r, uint64_t now)
{
	struct kvt_core *core = client->core;
	uint64_t handle = r->handle;
	bool global = r->flags & KVTIER_LOOKUP_GLOBAL;
	struct kvt_obj *obj;
	uint32_t idx, tries;
	int ret;

	for (tries = 0; handle; tries++) {
		/* Without ACQUIRE nothing changes: a lockless copy will do. */
		ret = acquire ? -KVT_EAGAIN :
			kvt_lookup_copy(core, handle, global, r);
		if (ret > 0) {
			/* Relaxed stores, no lock: see kvt_obj_touch(). */
			kvt_obj_touch(core, KVT_HANDLE_IDX(handle), now, true);
			return true;
		}
		if (!ret)
			goto next;
		idx = KVT_HANDLE_IDX(handle);
		obj = kvt_obj_get(core, handle);
		if (obj && obj->state == KVT_OBJ_READY &&
		    (obj->flags & KVT_OF_INDEXED)) {
			if (acquire && !kvt_ref_find(client, idx)) {
				/* Room was reserved before the lookup. */
				kvt_ref_insert(client, idx, obj->gen);
				obj->client_refs++;
			}
			r->handle = handle;
			r->size = obj->size;
			r->offset = (obj->tiers & KVT_TIER_HOST_BIT) ?
				obj->slot_first *
				kvt_pool_slot_size(core, obj->pool_id) : 0;
			r->pool_id = obj->pool_id;
			r->tiers = kvt_obj_tiers(obj);
			r->flags = KVTIER_LOOKUP_PRESENT |
				   (global ? KVTIER_LOOKUP_GLOBAL : 0);
			r->pad = 0;
			kvt_obj_touch(core, idx, now, true);
			kvt_obj_unlock(core, idx);
			return true;
		}
		if (obj)
			kvt_obj_unlock(core, idx);
next:
		if (tries)
			break;
		handle = kvt_index_probe(core, kvt_key_hash(core, key), key,
					 client->tenant->id, &global);
	}
	kvt_memset(r, 0, sizeof(*r));
	return false;
}

void kvt_lookup(struct kvt_client *client, uint32_t flags,
		const struct drm_kvtier_key *keys,
		struct drm_kvtier_lookup_result *results, uint32_t count,
		uint32_t *hits, uint32_t *prefix)
{
	struct kvt_core *core = client->core;
	uint64_t tenant = client->tenant->id;
	bool acquire = flags & KVTIER_LOOKUP_ACQUIRE;
	bool stop = flags & KVTIER_LOOKUP_STOP_AT_MISS;
	uint32_t i, j, nhits = 0, nprefix = 0, looked = 0;
	bool missed = false, stopped = false, global;
	struct drm_kvtier_lookup_result *r;
	struct kvt_trace_rec rec;
	/* One clock read per batch: the hits' last access time. */
	uint64_t now = kvt_now_ns();

	/*
	 * No reference can be taken without room for it: report misses
	 * rather than hits the caller could not use.
	 */
	if (acquire && kvt_client_reserve(client, count)) {
		kvt_memset(results, 0, sizeof(*results) * count);
		looked = count;
		goto out_count;
	}
	if (acquire)
		kvt_lock(&client->lock);
	/*
	 * Step i hashes key i and prefetches its bucket, probes key
	 * i - DIST (its bucket has arrived) and prefetches its object, and
	 * fills the result of key i - 2 * DIST (its object has arrived).
	 */
	for (i = 0; i < count + 2 * KVT_LOOKUP_DIST && !stopped; i++) {
		if (i < count) {
			results[i].offset = kvt_key_hash(core, &keys[i]);
			kvt_index_prefetch(core, results[i].offset);
		}
		if (i >= KVT_LOOKUP_DIST && i - KVT_LOOKUP_DIST < count) {
			r = &results[i - KVT_LOOKUP_DIST];
			r->handle = kvt_index_probe(core, r->offset,
						    &keys[i - KVT_LOOKUP_DIST],
						    tenant, &global);
			r->flags = global ? KVTIER_LOOKUP_GLOBAL : 0;
			if (r->handle)
				kvt_lookup_prefetch_obj(core, r->handle);
		}
		if (i < 2 * KVT_LOOKUP_DIST || i - 2 * KVT_LOOKUP_DIST >= count)
			continue;
		j = i - 2 * KVT_LOOKUP_DIST;
		looked++;
		if (kvt_lookup_one(client, acquire, &keys[j], &results[j],
				   now)) {
			nhits++;
			if (!missed)
				nprefix++;
		} else {
			missed = true;
			stopped = stop;
		}
	}
	if (acquire) {
		kvt_unlock(&client->lock);
		kvt_client_unreserve(client, count);
	}
	/* After a stop the rest reads as misses, scratch included. */
	if (stopped)
		kvt_memset(&results[j + 1], 0,
			   sizeof(*results) * (count - j - 1));

out_count:
	*hits = nhits;
	*prefix = nprefix;
	kvt_atomic64_add(&core->st.lookups, looked);
	kvt_atomic64_add(&core->st.hits, nhits);
	if (core->ops.trace) {
		kvt_memset(&rec, 0, sizeof(rec));
		rec.event = KVT_TRACE_LOOKUP;
		rec.tenant_id = tenant;
		rec.count = count;
		rec.value = nhits;
		kvt_trace(core, &rec);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Batched lookup, the hottest path. Keys flow in chunks through a
 * three-stage software pipeline, so that the cache misses of many keys
 * overlap with each other and with the work on keys already loaded:
 *
 *   1. hash the key and prefetch the index line it hashes to;
 *   2. a plain lookup reads from that line where the group of entries
 *      homed there sits and, when collisions pushed it on, prefetches its
 *      lines; ACQUIRE probes (lockless, under the shard's sequence) and
 *      prefetches the object found;
 *   3. a plain lookup fills the result from the index entry alone, which
 *      mirrors all a result needs (lockless, under the shard's sequence),
 *      so it never reads the object; ACQUIRE takes the object's stripe
 *      lock, as it takes a reference.
 *
 * Each stage runs over a whole chunk before the next stage starts on
 * another, rather than the three interleaving key by key: the cheap first
 * stage then issues a chunk's prefetches in one burst, and while the third
 * waits on a line that is late, the out-of-order window still reaches the
 * next chunk's prefetches. (At 10^7 objects, on a 2-vCPU EPYC VM, this and
 * the peek without data-dependent branches took 10^7 lookups from about
 * 2.6x to 2.0x the cost of 10^3, measured interleaved in one process.)
 *
 * The whole batch is one read section of the core's readers, so that no
 * index array a shard outgrew meanwhile is freed under it.
 *
 * The results array doubles as the scratch space between stages (hash in
 * .offset, handle in .handle), so the stack stays small and nothing is
 * allocated. No global lock is taken: at most (when writers keep a shard
 * busy, or with ACQUIRE) shard locks, object stripe locks and the client's
 * own lock. Hits are counted in their index entries, all with the time
 * the batch started. While an access stream is open, each key then gets
 * its record, from the results, inside the same read section.
 */
#include "kvt_internal.h"

/*
 * Keys in a chunk, which is also the distance between the stages: enough
 * misses in flight to cover memory latency, few enough that the lines
 * loaded are still near when read.
 */
#define KVT_LOOKUP_CHUNK 16

static void kvt_lookup_prefetch_obj(struct kvt_core *core, uint64_t handle)
{
	const char *obj = (const char *)kvt_obj_ptr(core,
						    KVT_HANDLE_IDX(handle));

	if (obj)
		kvt_prefetch(obj);
}

/*
 * Pass 3 of an ACQUIRE lookup for one key: takes the object @r->handle
 * names if it is still the READY, indexed object the probe saw, references
 * it and fills @r. An object freed since the probe sends the key through
 * one more probe. Returns whether it hit.
 */
static bool kvt_lookup_acquire(struct kvt_client *client,
			       const struct drm_kvtier_key *key, uint64_t now,
			       struct drm_kvtier_lookup_result *r)
{
	struct kvt_core *core = client->core;
	uint64_t handle = r->handle;
	bool global = r->flags & KVTIER_LOOKUP_GLOBAL;
	struct kvt_obj *obj;
	uint32_t idx, tries, acquired;

	for (tries = 0; handle; tries++) {
		idx = KVT_HANDLE_IDX(handle);
		obj = kvt_obj_get(core, handle);
		if (obj && obj->state == KVT_OBJ_READY &&
		    (obj->flags & KVT_OF_INDEXED)) {
			acquired = 0;
			if (!kvt_ref_find(client, idx)) {
				/* Room was reserved before the lookup. */
				kvt_ref_insert(client, idx, obj->gen);
				obj->client_refs++;
				acquired = KVTIER_LOOKUP_ACQUIRED;
			}
			r->handle = handle;
			r->size = obj->size;
			r->offset = (obj->tiers & KVT_TIER_HOST_BIT) ?
				obj->slot_first *
				kvt_pool_slot_size(core, obj->pool_id) : 0;
			r->pool_id = obj->pool_id;
			r->tiers = kvt_obj_tiers(obj);
			r->flags = KVTIER_LOOKUP_PRESENT | acquired |
				   (global ? KVTIER_LOOKUP_GLOBAL : 0);
			r->pad = 0;
			kvt_index_hit(core, kvt_key_hash(core, key), key,
				      handle, now);
			kvt_obj_unlock(core, idx);
			return true;
		}
		if (obj)
			kvt_obj_unlock(core, idx);
		if (tries)
			break;
		handle = kvt_index_probe(core, kvt_key_hash(core, key), key,
					 client->tenant->id, &global);
	}
	kvt_memset(r, 0, sizeof(*r));
	return false;
}

/* One past the last key of chunk @c of a batch of @count. */
static inline uint32_t kvt_lookup_chunk_end(uint32_t c, uint32_t count)
{
	uint32_t end = (c + 1) * KVT_LOOKUP_CHUNK;

	return end < count ? end : count;
}

/* Stage 1 for chunk @c: hash each key, prefetch its index line. */
static void kvt_lookup_hash(struct kvt_core *core,
			    const struct drm_kvtier_key *keys,
			    struct drm_kvtier_lookup_result *results,
			    uint32_t c, uint32_t count)
{
	uint32_t i, end = kvt_lookup_chunk_end(c, count);

	for (i = c * KVT_LOOKUP_CHUNK; i < end; i++) {
		results[i].offset = kvt_key_hash(core, &keys[i]);
		kvt_index_prefetch(core, results[i].offset);
	}
}

/*
 * Stage 2 for chunk @c: prefetch the rest of each key's group; ACQUIRE
 * probes now and prefetches the object found.
 */
static void kvt_lookup_peek(struct kvt_core *core, bool acquire,
			    uint64_t tenant,
			    const struct drm_kvtier_key *keys,
			    struct drm_kvtier_lookup_result *results,
			    uint32_t c, uint32_t count)
{
	uint32_t i, end = kvt_lookup_chunk_end(c, count);
	struct drm_kvtier_lookup_result *r;
	bool global;

	for (i = c * KVT_LOOKUP_CHUNK; i < end; i++) {
		r = &results[i];
		if (!acquire) {
			kvt_index_peek(core, r->offset);
			continue;
		}
		r->handle = kvt_index_probe(core, r->offset, &keys[i], tenant,
					    &global);
		r->flags = global ? KVTIER_LOOKUP_GLOBAL : 0;
		if (r->handle)
			kvt_lookup_prefetch_obj(core, r->handle);
	}
}

/*
 * A lookup that probed nothing (no room for references) still reaches the
 * stream: each key is a miss, as the client sees it.
 */
static void kvt_lookup_record_misses(struct kvt_client *client,
				     const struct drm_kvtier_key *keys,
				     const struct drm_kvtier_lookup_result *results,
				     uint32_t count)
{
	struct kvt_core *core = client->core;
	struct kvt_stream *stream;
	int section;

	section = kvt_read_lock(&core->readers);
	stream = kvt_load_acquire(&core->stream);
	if (stream)
		kvt_stream_lookup(stream, client->tenant->id,
				  count ? kvt_now_ns() : 0, keys, results,
				  count, count);
	kvt_read_unlock(&core->readers, section);
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
	uint32_t c, chunks, j = 0, end, nhits = 0, nprefix = 0, looked = 0;
	bool missed = false, stopped = false, hit;
	int section;
	uint64_t now;
	struct kvt_trace_rec rec;
	struct kvt_stream *stream;

	/*
	 * No reference can be taken without room for it: report misses
	 * rather than hits the caller could not use. A build with the
	 * KVT_FAULT_LOOKUP_MISS fault (kvt_internal.h) reports only misses.
	 */
	if (KVT_FAULT_LOOKUP_MISS ||
	    (acquire && kvt_client_reserve(client, count))) {
		kvt_memset(results, 0, sizeof(*results) * count);
		looked = count;
		if (kvt_stream_on(core))
			kvt_lookup_record_misses(client, keys, results, count);
		goto out_count;
	}
	section = kvt_read_lock(&core->readers);
	if (acquire)
		kvt_lock(&client->lock);
	now = count ? kvt_now_ns() : 0;
	/*
	 * Step c hashes the keys of chunk c and prefetches their index lines;
	 * looks at chunk c - 1's lines, which have arrived, and prefetches
	 * their groups' further lines (ACQUIRE: probes, and prefetches the
	 * objects); and fills the results of chunk c - 2.
	 */
	chunks = (count + KVT_LOOKUP_CHUNK - 1) / KVT_LOOKUP_CHUNK;
	for (c = 0; c < chunks + 2 && !stopped; c++) {
		if (c < chunks)
			kvt_lookup_hash(core, keys, results, c, count);
		if (c >= 1 && c - 1 < chunks)
			kvt_lookup_peek(core, acquire, tenant, keys, results,
					c - 1, count);
		if (c < 2)
			continue;
		end = kvt_lookup_chunk_end(c - 2, count);
		for (j = (c - 2) * KVT_LOOKUP_CHUNK; j < end; j++) {
			looked++;
			if (acquire)
				hit = kvt_lookup_acquire(client, &keys[j], now,
							 &results[j]);
			else
				hit = kvt_index_lookup(core, results[j].offset,
						       &keys[j], tenant, now,
						       &results[j]);
			if (hit) {
				nhits++;
				if (!missed)
					nprefix++;
				continue;
			}
			missed = true;
			if (stop) {
				stopped = true;
				break;
			}
		}
	}
	if (acquire) {
		kvt_unlock(&client->lock);
		kvt_client_unreserve(client, count);
	}
	/* Keys past a stop were not probed: their results are scratch. */
	stream = kvt_load_acquire(&core->stream);
	if (stream)
		kvt_stream_lookup(stream, tenant, now, keys, results, count,
				  stopped ? j + 1 : count);
	kvt_read_unlock(&core->readers, section);
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
		rec.results = results;
		kvt_trace(core, &rec);
	}
}

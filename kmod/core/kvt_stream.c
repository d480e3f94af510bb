// SPDX-License-Identifier: GPL-2.0
/*
 * The access stream (uapi/kvtier_drm.h, "The access stream"): per-CPU
 * rings of access records in memory the environment allocates and the
 * manager maps. The core writes the records and the rings' @tail and
 * @dropped; the manager writes nothing but each ring's @head.
 *
 * Single producer per ring: a writer enters its CPU (kvt_cpu_enter(), no
 * preemption in the kernel) and writes to that CPU's ring only, so the
 * rings need no lock and no atomic read-modify-write. Every writer runs in
 * process context (each recording site is one where the core may take a
 * mutex), so nothing interrupts a writer to write to the same ring. A
 * writer never sleeps, allocates or waits for the manager: what does not
 * fit is dropped and counted.
 *
 * The truth about each ring (@tail, @dropped) is kept here, in core
 * memory; the mapping gets copies. Of the mapping the core reads only
 * @head, and only when the last @head it read leaves too little room
 * for a batch: the manager writes @head on every pass, so reading it
 * with every batch would pull that line from the manager's CPU each
 * time. A @head that cannot be (beyond @tail, or more than @entries
 * behind) makes the ring read as full: a manager that scribbles on its
 * mapping loses records, nothing else.
 *
 * Lifetime: core->stream is published and unpublished under the queue
 * lock, with the manager role. Writers and STATS read it inside a read
 * section of the core's readers; closing retires it, so the memory is
 * given back (env->stream_put) only once no writer can still be in it.
 */
#include "kvt_internal.h"

/* Records written per CPU entry: bounds the time without preemption. */
#define KVT_STREAM_CHUNK 256u

struct kvt_stream_ring {
	struct drm_kvtier_stream_ring *hdr;	/* shared with the manager */
	struct drm_kvtier_access *recs;		/* shared, @entries of them */
	uint64_t tail;		/* records written; the writer's, read racily */
	uint64_t dropped;	/* records dropped; the same */
	uint64_t head;		/* @hdr->head when last read: at most it */
} KVT_ALIGNED(KVT_CACHELINE);

struct kvt_stream {
	struct kvt_retire_head retire;	/* first: the free casts back */
	struct kvt_core *core;
	void *priv;			/* the environment's, for its ops */
	uint32_t entries;
	uint32_t rings;
	struct kvt_stream_ring ring[];
};

/* What a writer holds between kvt_stream_begin() and kvt_stream_end(). */
struct kvt_stream_writer {
	struct kvt_stream_ring *ring;
	struct drm_kvtier_access *recs;
	uint64_t tail;
	uint32_t mask;
	uint32_t cpu;
};

_Static_assert(sizeof(struct drm_kvtier_access) == 64,
	       "a record is one cache line");
_Static_assert(sizeof(struct drm_kvtier_stream_ring) == 4096,
	       "a ring header is one 4 KiB page");

/* ---- writers ------------------------------------------------------------ */

/*
 * Reads @r's @head from the mapping into @r->head. A @head the manager
 * cannot have written (past the tail, or more than @entries behind it:
 * the counts never wrap) reads as a full ring.
 */
static void kvt_stream_reload_head(struct kvt_stream *s,
				   struct kvt_stream_ring *r)
{
	/*
	 * Acquire: the manager read the records before it moved @head, so
	 * none of them is overwritten while it still reads it.
	 */
	uint64_t head = kvt_load_acquire(&r->hdr->head);

	if (head > r->tail || r->tail - head > s->entries)
		head = r->tail - s->entries;
	r->head = head;
}

/*
 * Enters the CPU and makes room on its ring for up to @n records: returns
 * how many fit, and counts the rest as dropped. The caller fills records
 * 0..ret-1 (kvt_stream_rec()) and calls kvt_stream_end(), without
 * sleeping in between.
 */
static uint32_t kvt_stream_begin(struct kvt_stream *s,
				 struct kvt_stream_writer *w, uint32_t n)
{
	struct kvt_stream_ring *r;
	uint64_t room;

	w->cpu = kvt_cpu_enter();
	r = &s->ring[w->cpu];
	/*
	 * The manager only moves @head forward, so the last one read is a
	 * safe bound: read the mapping's again only when that one says the
	 * batch does not fit.
	 */
	room = s->entries - (r->tail - r->head);
	if (room < n) {
		kvt_stream_reload_head(s, r);
		room = s->entries - (r->tail - r->head);
	}
	if (room < n) {
		kvt_write_once(r->dropped, r->dropped + (n - room));
		kvt_write_once(r->hdr->dropped, r->dropped);
		n = (uint32_t)room;
	}
	w->ring = r;
	w->recs = r->recs;
	w->tail = r->tail;
	w->mask = s->entries - 1;
	return n;
}

static inline struct drm_kvtier_access *
kvt_stream_rec(struct kvt_stream_writer *w, uint32_t i)
{
	return &w->recs[(w->tail + i) & w->mask];
}

/*
 * A record as the words it is stored in. Its narrow fields are put
 * together in registers (kvt_stream_pair()) into the words that hold
 * them: written field by field and read back a word at a time, each such
 * word would wait for its narrow stores to retire before it could be
 * loaded (a store-to-load forward that fails), twice per record.
 */
union kvt_stream_rec {
	struct drm_kvtier_access rec;
	uint64_t word[8];
};

#define KVT_STREAM_WORD_POOL 6		/* pool_id, type, flags */
#define KVT_STREAM_WORD_POSITION 7	/* position, count */
_Static_assert(offsetof(struct drm_kvtier_access, pool_id) ==
	       8 * KVT_STREAM_WORD_POOL &&
	       offsetof(struct drm_kvtier_access, type) ==
	       8 * KVT_STREAM_WORD_POOL + 4 &&
	       offsetof(struct drm_kvtier_access, flags) ==
	       8 * KVT_STREAM_WORD_POOL + 6, "pool_id, type, flags: one word");
_Static_assert(offsetof(struct drm_kvtier_access, where.lookup.position) ==
	       8 * KVT_STREAM_WORD_POSITION &&
	       offsetof(struct drm_kvtier_access, where.lookup.count) ==
	       8 * KVT_STREAM_WORD_POSITION + 4, "position, count: one word");

/* The word of two 32-bit fields, @lo at the lower address. */
static inline uint64_t kvt_stream_pair(uint32_t lo, uint32_t hi)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (uint64_t)hi << 32 | lo;
#else
	return (uint64_t)lo << 32 | hi;
#endif
}

/* The same of two 16-bit fields, as 32 bits. */
static inline uint32_t kvt_stream_pair16(uint16_t lo, uint16_t hi)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (uint32_t)hi << 16 | lo;
#else
	return (uint32_t)lo << 16 | hi;
#endif
}

/*
 * Writes record @i whole, with streaming stores: the ring's lines were
 * last read by the manager's CPU, and a plain store would first fetch
 * each line only to overwrite all of it (a miss per record, taken out of
 * the writer's own misses). The record is built in registers first.
 */
static inline void kvt_stream_put(struct kvt_stream_writer *w, uint32_t i,
				  const union kvt_stream_rec *a)
{
	kvt_store_nt(kvt_stream_rec(w, i), a->word, sizeof(*a));
}

/* Publishes the @n records written and leaves the CPU. */
static void kvt_stream_end(struct kvt_stream_writer *w, uint32_t n)
{
	struct kvt_stream_ring *r = w->ring;

	if (n) {
		kvt_write_once(r->tail, w->tail + n);
		/*
		 * A copy the manager may have scribbled on: put it right,
		 * but store only when it is wrong (it shares the line of
		 * @tail, so the check costs no extra miss).
		 */
		if (kvt_read_once(r->hdr->dropped) != r->dropped)
			kvt_write_once(r->hdr->dropped, r->dropped);
		/*
		 * The records before the tail that shows them: the fence
		 * for those kvt_stream_put() streamed, the release for the
		 * rest.
		 */
		kvt_store_nt_fence();
		kvt_store_release(&r->hdr->tail, w->tail + n);
	}
	kvt_cpu_exit(w->cpu);
}

void kvt_stream_lookup(struct kvt_stream *s, uint64_t tenant, uint64_t now,
		       const struct drm_kvtier_key *keys,
		       const struct drm_kvtier_lookup_result *results,
		       uint32_t count, uint32_t probed)
{
	const struct drm_kvtier_lookup_result *r;
	struct kvt_stream_writer w;
	uint32_t first, n, k, i, pos;
	union kvt_stream_rec a;
	uint16_t type, flags;
	uint32_t pool_id;

	for (first = 0; first < count; first += n) {
		n = count - first < KVT_STREAM_CHUNK ? count - first :
						       KVT_STREAM_CHUNK;
		k = kvt_stream_begin(s, &w, n);
		for (i = 0; i < k; i++) {
			pos = first + i;
			r = &results[pos];
			a.rec.time_ns = now;
			a.rec.key = keys[pos];
			a.rec.tenant_id = tenant;
			a.rec.size = 0;
			if (pos < probed && (r->flags & KVTIER_LOOKUP_PRESENT)) {
				a.rec.handle = r->handle;
				pool_id = r->pool_id;
				type = KVTIER_ACCESS_HIT;
				flags = (r->flags & KVTIER_LOOKUP_GLOBAL) ?
					KVTIER_ACCESS_GLOBAL : 0;
			} else {
				a.rec.handle = 0;
				pool_id = 0;
				type = KVTIER_ACCESS_MISS;
				flags = pos < probed ? 0 :
					KVTIER_ACCESS_NOT_PROBED;
			}
			a.word[KVT_STREAM_WORD_POOL] =
				kvt_stream_pair(pool_id, kvt_stream_pair16(type,
									   flags));
			a.word[KVT_STREAM_WORD_POSITION] =
				kvt_stream_pair(pos, count);
			kvt_stream_put(&w, i, &a);
		}
		kvt_stream_end(&w, k);
	}
}

void kvt_stream_obj(struct kvt_core *core, uint16_t type, uint16_t flags,
		    const struct drm_kvtier_key *key, uint64_t handle,
		    uint64_t tenant, uint32_t pool_id, uint64_t size,
		    uint64_t offset)
{
	struct kvt_stream_writer w;
	struct drm_kvtier_access *a;
	struct kvt_stream *s;
	uint64_t now = kvt_now_ns();
	int section;

	section = kvt_read_lock(&core->readers);
	s = kvt_load_acquire(&core->stream);
	if (!s)
		goto out_unlock;
	if (kvt_stream_begin(s, &w, 1)) {
		a = kvt_stream_rec(&w, 0);
		a->time_ns = now;
		a->key = *key;
		a->handle = handle;
		a->tenant_id = tenant;
		a->size = size;
		a->pool_id = pool_id;
		a->type = type;
		a->flags = flags;
		a->where.offset = offset;
		kvt_stream_end(&w, 1);
	} else {
		kvt_stream_end(&w, 0);
	}
out_unlock:
	kvt_read_unlock(&core->readers, section);
}

void kvt_stream_alloc(struct kvt_core *core, uint64_t tenant,
		      uint32_t pool_id, uint64_t slot_size,
		      const struct drm_kvtier_alloc_item *items,
		      uint32_t count)
{
	struct kvt_stream_writer w;
	struct drm_kvtier_access *a;
	struct kvt_stream *s;
	uint64_t now = kvt_now_ns();
	uint32_t first, n, k, i;
	int section;

	section = kvt_read_lock(&core->readers);
	s = kvt_load_acquire(&core->stream);
	for (first = 0; s && first < count; first += n) {
		n = count - first < KVT_STREAM_CHUNK ? count - first :
						       KVT_STREAM_CHUNK;
		k = kvt_stream_begin(s, &w, n);
		for (i = 0; i < k; i++) {
			a = kvt_stream_rec(&w, i);
			a->time_ns = now;
			a->key = items[first + i].key;
			a->handle = items[first + i].handle;
			a->tenant_id = tenant;
			a->size = items[first + i].size;
			a->pool_id = pool_id;
			a->type = KVTIER_ACCESS_ALLOC;
			a->flags = 0;
			a->where.offset = items[first + i].offset * slot_size;
		}
		kvt_stream_end(&w, k);
	}
	kvt_read_unlock(&core->readers, section);
}

/* ---- open and close --------------------------------------------------------- */

int kvt_stream_validate(struct kvt_client *client,
			struct drm_kvtier_stream_open *req, uint64_t page_size)
{
	struct kvt_core *core = client->core;
	uint64_t ring_bytes, total;
	uint32_t entries = req->entries;
	bool busy;

	if (req->flags || req->pad)
		return -KVT_EINVAL;
	if (!entries)
		entries = KVTIER_STREAM_DEFAULT_ENTRIES;
	if (entries < KVTIER_STREAM_MIN_ENTRIES ||
	    entries > KVTIER_STREAM_MAX_ENTRIES || (entries & (entries - 1)))
		return -KVT_EINVAL;
	if (!page_size || (page_size & (page_size - 1)))
		return -KVT_EINVAL;
	if (!kvt_client_is_manager(client))
		return -KVT_EPERM;
	kvt_lock(&core->queue_lock);
	busy = core->stream != NULL;
	kvt_unlock(&core->queue_lock);
	if (busy)
		return -KVT_EBUSY;

	/* Records start on a page of their own: only headers are writable. */
	req->records_offset = sizeof(struct drm_kvtier_stream_ring);
	if (req->records_offset < page_size)
		req->records_offset = page_size;
	ring_bytes = req->records_offset +
		     (uint64_t)entries * sizeof(struct drm_kvtier_access);
	ring_bytes = (ring_bytes + page_size - 1) & ~(page_size - 1);
	if (kvt_mul_overflow(ring_bytes, (uint64_t)kvt_cpu_ids(), &total))
		return -KVT_EINVAL;
	req->entries = entries;
	req->ring_bytes = ring_bytes;
	req->rings = kvt_cpu_ids();
	req->version = KVTIER_ACCESS_VERSION;
	req->record_size = sizeof(struct drm_kvtier_access);
	return 0;
}

int kvt_stream_open(struct kvt_client *client,
		    const struct drm_kvtier_stream_open *req, void *mem,
		    void *priv)
{
	struct kvt_core *core = client->core;
	struct kvt_stream_ring *r;
	struct kvt_stream *s;
	uint32_t i;
	int ret = 0;

	if (req->rings != kvt_cpu_ids() || !req->entries ||
	    (req->entries & (req->entries - 1)))
		return -KVT_EINVAL;
	s = kvt_zalloc(sizeof(*s) + sizeof(s->ring[0]) * req->rings);
	if (!s)
		return -KVT_ENOMEM;
	s->core = core;
	s->priv = priv;
	s->entries = req->entries;
	s->rings = req->rings;
	for (i = 0; i < s->rings; i++) {
		r = &s->ring[i];
		r->hdr = (struct drm_kvtier_stream_ring *)
			 ((char *)mem + (uint64_t)i * req->ring_bytes);
		r->recs = (struct drm_kvtier_access *)
			  ((char *)r->hdr + req->records_offset);
	}

	kvt_lock(&client->lock);
	kvt_lock(&core->queue_lock);
	if (core->manager != client)
		ret = -KVT_EPERM;
	else if (core->stream)
		ret = -KVT_EBUSY;
	else
		kvt_store_release(&core->stream, s);
	kvt_unlock(&core->queue_lock);
	kvt_unlock(&client->lock);
	if (ret)
		kvt_free(s);
	return ret;
}

int kvt_stream_get(struct kvt_client *client, void **priv)
{
	struct kvt_core *core = client->core;
	int ret = 0;

	kvt_lock(&core->queue_lock);
	if (core->manager != client) {
		ret = -KVT_EPERM;
	} else if (!core->stream) {
		ret = -KVT_ENOENT;
	} else {
		*priv = core->stream->priv;
		if (core->ops.stream_get)
			core->ops.stream_get(core->env, *priv);
	}
	kvt_unlock(&core->queue_lock);
	return ret;
}

static void kvt_stream_free(struct kvt_retire_head *h)
{
	struct kvt_stream *s = (struct kvt_stream *)h;
	struct kvt_core *core = s->core;

	if (core->ops.stream_put)
		core->ops.stream_put(core->env, s->priv);
	kvt_free(s);
}

void kvt_stream_retire(struct kvt_core *core, struct kvt_stream *s)
{
	if (!s)
		return;
	if (core->ops.stream_close)
		core->ops.stream_close(core->env, s->priv);
	kvt_retire(&core->readers, &s->retire, kvt_stream_free);
}

void kvt_stream_stats(struct kvt_core *core, uint64_t *records,
		      uint64_t *dropped)
{
	struct kvt_stream *s;
	uint32_t i;
	int section;

	*records = 0;
	*dropped = 0;
	section = kvt_read_lock(&core->readers);
	s = kvt_load_acquire(&core->stream);
	for (i = 0; s && i < s->rings; i++) {
		*records += kvt_read_once(s->ring[i].tail);
		*dropped += kvt_read_once(s->ring[i].dropped);
	}
	kvt_read_unlock(&core->readers, section);
}

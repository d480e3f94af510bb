// SPDX-License-Identifier: GPL-2.0
/* kmod/core/kvt_stream.c: the access stream's rings and records. */
#include <stdlib.h>
#include <string.h>

#include "test_core_env.h"
#include "test_suites.h"

#define TENANT_M 2
#define RECS_ROOM 1024

static struct kvt_client *M;
static struct drm_kvtier_stream_open SO;
static char *MEM;
static struct drm_kvtier_access got[RECS_ROOM];

static void stream_setup(void)
{
	uint64_t q;

	tcore_setup();
	ck_assert_int_eq(kvt_client_open(C, TENANT_M, KVT_CLIENT_ADMIN, NULL,
					 &M), 0);
	ck_assert_int_eq(kvt_manager_attach(M, &q), 0);
}

static void stream_teardown(void)
{
	tcore_close(&M);
	tcore_teardown();
}

/* Opens the stream of @m with @entries per ring, in fresh memory. */
static void sopen_by(struct kvt_client *m, uint32_t entries)
{
	size_t bytes;

	memset(&SO, 0, sizeof(SO));
	SO.entries = entries;
	ck_assert_int_eq(kvt_stream_validate(m, &SO, 4096), 0);
	bytes = SO.rings * SO.ring_bytes;
	MEM = aligned_alloc(4096, bytes);
	ck_assert_ptr_nonnull(MEM);
	memset(MEM, 0, bytes);
	/* The memory is its own priv: the fixture's stream_put frees it. */
	ck_assert_int_eq(kvt_stream_open(m, &SO, MEM, MEM), 0);
}

static void sopen(uint32_t entries)
{
	sopen_by(M, entries);
}

static struct drm_kvtier_stream_ring *ring(uint32_t i)
{
	return (struct drm_kvtier_stream_ring *)(MEM + i * SO.ring_bytes);
}

static struct drm_kvtier_access *ring_recs(uint32_t i)
{
	return (struct drm_kvtier_access *)((char *)ring(i) +
					    SO.records_offset);
}

/* As a manager would: every ring's new records into got[], in order. */
static uint32_t drain(void)
{
	struct drm_kvtier_stream_ring *r;
	uint64_t h, tail;
	uint32_t i, n = 0;

	for (i = 0; i < SO.rings; i++) {
		r = ring(i);
		tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		for (h = r->head; h < tail; h++) {
			ck_assert_uint_lt(n, RECS_ROOM);
			got[n++] = ring_recs(i)[h & (SO.entries - 1)];
		}
		__atomic_store_n(&r->head, tail, __ATOMIC_RELEASE);
	}
	return n;
}

/* The ring this thread writes to: the one that has a record. */
static uint32_t my_ring(void)
{
	uint32_t i, found = UINT32_MAX;

	for (i = 0; i < SO.rings; i++) {
		if (!ring(i)->tail && !ring(i)->dropped)
			continue;
		ck_assert_uint_eq(found, UINT32_MAX);
		found = i;
	}
	ck_assert_uint_ne(found, UINT32_MAX);
	return found;
}

/* Looks up keys @first.. (@n of them) as @c; returns the hits. */
static uint32_t lookup_n(struct kvt_client *c, uint64_t first, uint32_t n,
			 uint32_t flags)
{
	static struct drm_kvtier_lookup_result res[RECS_ROOM];
	static struct drm_kvtier_key keys[RECS_ROOM];
	uint32_t i, hits, prefix;

	ck_assert_uint_le(n, RECS_ROOM);
	for (i = 0; i < n; i++)
		keys[i] = tkey(first + i);
	kvt_lookup(c, flags, keys, res, n, &hits, &prefix);
	return hits;
}

static void lookup_keys(struct kvt_client *c, const uint64_t *kn, uint32_t n,
			uint32_t flags)
{
	struct drm_kvtier_lookup_result res[8];
	struct drm_kvtier_key keys[8];
	uint32_t i, hits, prefix;

	ck_assert_uint_le(n, 8);
	for (i = 0; i < n; i++)
		keys[i] = tkey(kn[i]);
	kvt_lookup(c, flags, keys, res, n, &hits, &prefix);
}

/* A HIT or MISS record. */
static void check_rec(const struct drm_kvtier_access *a, uint16_t type,
		      uint16_t flags, uint64_t keyn, uint64_t handle,
		      uint64_t tenant, uint32_t pool, uint32_t pos,
		      uint32_t count)
{
	struct drm_kvtier_key k = tkey(keyn);

	ck_assert_uint_eq(a->type, type);
	ck_assert_uint_eq(a->flags, flags);
	ck_assert_uint_eq(a->key.lo, k.lo);
	ck_assert_uint_eq(a->key.hi, k.hi);
	ck_assert_uint_eq(a->handle, handle);
	ck_assert_uint_eq(a->tenant_id, tenant);
	ck_assert_uint_eq(a->pool_id, pool);
	ck_assert_uint_eq(a->where.lookup.position, pos);
	ck_assert_uint_eq(a->where.lookup.count, count);
	ck_assert_uint_gt(a->time_ns, 0);
}

/* An ALLOC, COMMIT or FREE record: @size and @offset are all 64 bits. */
static void check_obj_rec(const struct drm_kvtier_access *a, uint16_t type,
			  uint16_t flags, uint64_t keyn, uint64_t handle,
			  uint64_t tenant, uint64_t size, uint64_t offset)
{
	struct drm_kvtier_key k = tkey(keyn);

	ck_assert_uint_eq(a->type, type);
	ck_assert_uint_eq(a->flags, flags);
	ck_assert_uint_eq(a->key.lo, k.lo);
	ck_assert_uint_eq(a->key.hi, k.hi);
	ck_assert_uint_eq(a->handle, handle);
	ck_assert_uint_eq(a->tenant_id, tenant);
	ck_assert_uint_eq(a->pool_id, POOL);
	ck_assert_uint_eq(a->size, size);
	ck_assert_uint_eq(a->where.offset, offset);
	ck_assert_uint_gt(a->time_ns, 0);
}

/* Allocates @n objects @keyn.. of @size bytes as @c: handles, offsets. */
static void alloc_n(struct kvt_client *c, uint64_t keyn, uint64_t size,
		    uint32_t flags, uint32_t n, uint64_t *h, uint64_t *off)
{
	struct drm_kvtier_alloc_item it[4];
	uint32_t i, fi;

	ck_assert_uint_le(n, 4);
	memset(it, 0, sizeof(it));
	for (i = 0; i < n; i++) {
		it[i].key = tkey(keyn + i);
		it[i].size = size;
	}
	ck_assert_int_eq(kvt_obj_alloc(c, POOL, flags, it, n, &fi), 0);
	ck_assert_uint_eq(fi, n);
	for (i = 0; i < n; i++) {
		h[i] = it[i].handle;
		off[i] = it[i].offset;
	}
}

/* ---- open and close ---------------------------------------------------- */

START_TEST(test_validate_errors)
{
	struct drm_kvtier_stream_open req;
	static const uint32_t bad[] = { 1, 32, 63, 65, 100, 3000,
					KVTIER_STREAM_MAX_ENTRIES * 2 };
	uint32_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&req, 0, sizeof(req));
		req.entries = bad[i];
		ck_assert_int_eq(kvt_stream_validate(M, &req, 4096),
				 -KVT_EINVAL);
	}
	memset(&req, 0, sizeof(req));
	req.flags = 1;
	ck_assert_int_eq(kvt_stream_validate(M, &req, 4096), -KVT_EINVAL);
	memset(&req, 0, sizeof(req));
	req.pad = 1;
	ck_assert_int_eq(kvt_stream_validate(M, &req, 4096), -KVT_EINVAL);
	/* Validation first, then the role. */
	memset(&req, 0, sizeof(req));
	req.flags = 1;
	ck_assert_int_eq(kvt_stream_validate(A1, &req, 4096), -KVT_EINVAL);
	memset(&req, 0, sizeof(req));
	ck_assert_int_eq(kvt_stream_validate(A1, &req, 4096), -KVT_EPERM);
	ck_assert_int_eq(kvt_stream_validate(ADM, &req, 4096), -KVT_EPERM);
}
END_TEST

START_TEST(test_validate_fills)
{
	struct drm_kvtier_stream_open req = { 0 };

	ck_assert_int_eq(kvt_stream_validate(M, &req, 4096), 0);
	ck_assert_uint_eq(req.entries, KVTIER_STREAM_DEFAULT_ENTRIES);
	ck_assert_uint_eq(req.records_offset, 4096);
	ck_assert_uint_eq(req.ring_bytes,
			  4096 + KVTIER_STREAM_DEFAULT_ENTRIES * 64ull);
	ck_assert_uint_eq(req.rings, kvt_cpu_ids());
	ck_assert_uint_eq(req.version, KVTIER_ACCESS_VERSION);
	ck_assert_uint_eq(req.record_size, sizeof(struct drm_kvtier_access));
	/* Larger pages: records still start on a page of their own. */
	memset(&req, 0, sizeof(req));
	req.entries = KVTIER_STREAM_MIN_ENTRIES;
	ck_assert_int_eq(kvt_stream_validate(M, &req, 65536), 0);
	ck_assert_uint_eq(req.records_offset, 65536);
	ck_assert_uint_eq(req.ring_bytes, 2 * 65536);
	memset(&req, 0, sizeof(req));
	req.entries = KVTIER_STREAM_MAX_ENTRIES;
	ck_assert_int_eq(kvt_stream_validate(M, &req, 4096), 0);
	ck_assert_uint_eq(req.entries, KVTIER_STREAM_MAX_ENTRIES);
}
END_TEST

START_TEST(test_open_busy_and_get)
{
	struct drm_kvtier_stream_open req = { 0 };
	void *priv = NULL;

	ck_assert_int_eq(kvt_stream_get(M, &priv), -KVT_ENOENT);
	sopen(64);
	ck_assert_int_eq(kvt_stream_validate(M, &req, 4096), -KVT_EBUSY);
	ck_assert_int_eq(kvt_stream_get(A1, &priv), -KVT_EPERM);
	ck_assert_int_eq(kvt_stream_get(M, &priv), 0);
	ck_assert_ptr_eq(priv, MEM);
	ck_assert_uint_eq(E.nstream_get, 1);
	/* A second open with a request validated before the first: busy. */
	ck_assert_int_eq(kvt_stream_open(M, &SO, MEM, MEM), -KVT_EBUSY);
	ck_assert_int_eq(kvt_stream_open(A1, &SO, MEM, MEM), -KVT_EPERM);
}
END_TEST

START_TEST(test_close_with_manager)
{
	struct kvt_client *m2;
	struct drm_kvtier_stats st;
	uint64_t q, h;

	sopen(64);
	h = tput(A1, 1);
	(void)h;
	st = tstats();
	ck_assert_uint_eq(st.access_records, 2);	/* ALLOC, COMMIT */
	ck_assert_uint_eq(st.access_dropped, 0);
	tcore_close(&M);
	ck_assert_uint_eq(E.nstream_close, 1);
	ck_assert_ptr_eq(E.stream_priv, MEM);
	st = tstats();
	ck_assert_uint_eq(st.access_records, 0);
	ck_assert_uint_eq(st.access_dropped, 0);
	/* Nothing is recorded any more; a new manager opens a new one. */
	ck_assert_uint_eq(lookup_n(A1, 1, 1, 0), 1);
	ck_assert_int_eq(kvt_client_open(C, TENANT_M, KVT_CLIENT_ADMIN, NULL,
					 &m2), 0);
	ck_assert_int_eq(kvt_manager_attach(m2, &q), 0);
	sopen_by(m2, 64);
	ck_assert_uint_eq(lookup_n(A1, 1, 1, 0), 1);
	ck_assert_uint_eq(tstats().access_records, 1);
	kvt_client_close(m2);
	ck_assert_uint_eq(E.nstream_close, 2);
}
END_TEST

/* ---- records -------------------------------------------------------------- */

START_TEST(test_lookup_records)
{
	uint64_t h1, h2, hg, kn[4] = { 1, 2, 3, 50 }, stop[4] = { 1, 3, 2, 4 };
	uint64_t t;
	uint32_t n;

	h1 = tput(A1, 1);
	h2 = tput(A1, 2);
	ck_assert_int_eq(talloc_global(ADM, 50, SLOT, &hg), 0);
	ck_assert_int_eq(top(ADM, KVTIER_OP_COMMIT, hg, 0), 0);
	sopen(64);
	ck_assert_uint_eq(drain(), 0);	/* nothing from before the open */

	lookup_keys(A2, kn, 4, 0);
	n = drain();
	ck_assert_uint_eq(n, 4);
	check_rec(&got[0], KVTIER_ACCESS_HIT, 0, 1, h1, TENANT_A, POOL, 0, 4);
	check_rec(&got[1], KVTIER_ACCESS_HIT, 0, 2, h2, TENANT_A, POOL, 1, 4);
	check_rec(&got[2], KVTIER_ACCESS_MISS, 0, 3, 0, TENANT_A, 0, 2, 4);
	check_rec(&got[3], KVTIER_ACCESS_HIT, KVTIER_ACCESS_GLOBAL, 50, hg,
		  TENANT_A, POOL, 3, 4);
	ck_assert_uint_eq(got[1].time_ns, got[0].time_ns);
	ck_assert_uint_eq(got[3].time_ns, got[0].time_ns);
	ck_assert_uint_eq(got[0].size, 0);
	t = got[0].time_ns;

	/* Tenant B sees none of A's: misses, in B's name. */
	lookup_keys(B, kn, 2, 0);
	ck_assert_uint_eq(drain(), 2);
	check_rec(&got[0], KVTIER_ACCESS_MISS, 0, 1, 0, TENANT_B, 0, 0, 2);
	check_rec(&got[1], KVTIER_ACCESS_MISS, 0, 2, 0, TENANT_B, 0, 1, 2);
	ck_assert_uint_ge(got[0].time_ns, t);
	t = got[0].time_ns;

	/* After a stop: not probed, even key 2, which is there. */
	lookup_keys(A1, stop, 4, KVTIER_LOOKUP_STOP_AT_MISS);
	ck_assert_uint_eq(drain(), 4);
	check_rec(&got[0], KVTIER_ACCESS_HIT, 0, 1, h1, TENANT_A, POOL, 0, 4);
	check_rec(&got[1], KVTIER_ACCESS_MISS, 0, 3, 0, TENANT_A, 0, 1, 4);
	check_rec(&got[2], KVTIER_ACCESS_MISS, KVTIER_ACCESS_NOT_PROBED, 2, 0,
		  TENANT_A, 0, 2, 4);
	check_rec(&got[3], KVTIER_ACCESS_MISS, KVTIER_ACCESS_NOT_PROBED, 4, 0,
		  TENANT_A, 0, 3, 4);
	ck_assert_uint_ge(got[0].time_ns, t);

	/* ACQUIRE hits are hits. */
	lookup_keys(A2, stop, 2, KVTIER_LOOKUP_ACQUIRE);
	ck_assert_uint_eq(drain(), 2);
	check_rec(&got[0], KVTIER_ACCESS_HIT, 0, 1, h1, TENANT_A, POOL, 0, 2);
	check_rec(&got[1], KVTIER_ACCESS_MISS, 0, 3, 0, TENANT_A, 0, 1, 2);
	ck_assert_uint_eq(tstats().access_records, 12);
}
END_TEST

START_TEST(test_object_records)
{
	uint64_t h[2], off[2], hg, og, hw, he, hc;
	struct kvt_client *w;
	uint32_t i, n;

	/* Slot 0 is taken: the offsets below are not 0 by chance. */
	tput(A1, 6);
	sopen(64);
	/* Two in one batch: each ALLOC record has its own item's offset. */
	alloc_n(A1, 7, 5000, 0, 2, h, off);
	ck_assert_uint_ne(off[0], 0);
	ck_assert_uint_ne(off[1], off[0]);
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h[1], 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h[1], 0), 0);
	n = drain();
	ck_assert_uint_eq(n, 4);
	check_obj_rec(&got[0], KVTIER_ACCESS_ALLOC, 0, 7, h[0], TENANT_A, 5000,
		      off[0]);
	check_obj_rec(&got[1], KVTIER_ACCESS_ALLOC, 0, 8, h[1], TENANT_A, 5000,
		      off[1]);
	/* COMMIT carries size and offset too; FREE neither. */
	check_obj_rec(&got[2], KVTIER_ACCESS_COMMIT, 0, 8, h[1], TENANT_A,
		      5000, off[1]);
	check_obj_rec(&got[3], KVTIER_ACCESS_FREE, 0, 8, h[1], TENANT_A, 0, 0);
	for (i = 1; i < n; i++)
		ck_assert_uint_ge(got[i].time_ns, got[i - 1].time_ns);
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h[0], 0), 0);
	ck_assert_uint_eq(drain(), 1);
	check_obj_rec(&got[0], KVTIER_ACCESS_COMMIT, 0, 7, h[0], TENANT_A,
		      5000, off[0]);

	/* Global: the owner is tenant 0. */
	alloc_n(ADM, 20, SLOT, KVTIER_ALLOC_GLOBAL, 1, &hg, &og);
	ck_assert_uint_eq(drain(), 1);
	check_obj_rec(&got[0], KVTIER_ACCESS_ALLOC, 0, 20, hg, 0, SLOT, og);

	/* A writer that closes without committing frees what it wrote. */
	ck_assert_int_eq(kvt_client_open(C, TENANT_B, 0, NULL, &w), 0);
	ck_assert_int_eq(talloc(w, 9, SLOT, &hw), 0);
	kvt_client_close(w);
	ck_assert_uint_eq(drain(), 2);
	check_obj_rec(&got[1], KVTIER_ACCESS_FREE, 0, 9, hw, TENANT_B, 0, 0);

	/* The manager drops the last copy: EVICTED. */
	he = tput(A1, 10);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, he, 0), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_HOST, he, 0), 0);
	ck_assert_uint_eq(drain(), 3);
	check_obj_rec(&got[2], KVTIER_ACCESS_FREE, KVTIER_ACCESS_EVICTED, 10, he,
		      TENANT_A, 0, 0);

	/* DISK-only, dropped from DISK: EVICTED too; HOST alone is not. */
	hc = tput(A1, 11);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, hc, 0), 0);
	tmake_disk_only(M, hc, 4096);
	ck_assert_uint_eq(drain(), 2);	/* ALLOC, COMMIT */
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_DISK, hc, 0), 0);
	ck_assert_uint_eq(drain(), 1);
	check_obj_rec(&got[0], KVTIER_ACCESS_FREE, KVTIER_ACCESS_EVICTED, 11, hc,
		      TENANT_A, 0, 0);
}
END_TEST

/* ---- the ring ------------------------------------------------------------- */

START_TEST(test_wraparound)
{
	struct drm_kvtier_stream_ring *r;
	struct drm_kvtier_access *a;
	uint32_t i, me;

	sopen(64);
	lookup_n(A1, 1000, 64, 0);
	me = my_ring();
	r = ring(me);
	ck_assert_uint_eq(r->tail, 64);
	ck_assert_uint_eq(r->dropped, 0);
	/* The manager read 40 of them. */
	__atomic_store_n(&r->head, 40, __ATOMIC_RELEASE);
	lookup_n(A1, 2000, 40, 0);
	ck_assert_uint_eq(r->tail, 104);
	ck_assert_uint_eq(r->dropped, 0);
	/* Records 64..103 sit at 0..39, the old 40..63 after them. */
	for (i = 0; i < 40; i++) {
		a = &ring_recs(me)[i];
		ck_assert_uint_eq(a->key.lo, 2000 + i);
		ck_assert_uint_eq(a->where.lookup.position, i);
		ck_assert_uint_eq(a->where.lookup.count, 40);
	}
	for (i = 40; i < 64; i++)
		ck_assert_uint_eq(ring_recs(me)[i].key.lo, 1000 + i);
	/* Full again: one more is dropped, not written over record 40. */
	lookup_n(A1, 3000, 1, 0);
	ck_assert_uint_eq(r->tail, 104);
	ck_assert_uint_eq(r->dropped, 1);
	ck_assert_uint_eq(ring_recs(me)[40].key.lo, 1040);
	ck_assert_uint_eq(drain(), 64);
	ck_assert_uint_eq(got[0].key.lo, 1040);
	ck_assert_uint_eq(got[63].key.lo, 2039);
}
END_TEST

START_TEST(test_full_drops_and_recovers)
{
	struct drm_kvtier_stream_ring *r;
	struct drm_kvtier_stats st;
	uint32_t i, me, n;

	sopen(64);
	lookup_n(A1, 1, 100, 0);
	me = my_ring();
	r = ring(me);
	ck_assert_uint_eq(r->tail, 64);
	ck_assert_uint_eq(r->dropped, 36);
	lookup_n(A1, 200, 10, 0);
	ck_assert_uint_eq(r->dropped, 46);
	st = tstats();
	ck_assert_uint_eq(st.access_records, 64);
	ck_assert_uint_eq(st.access_dropped, 46);
	/* What was kept is the start of the first lookup. */
	n = drain();
	ck_assert_uint_eq(n, 64);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(got[i].key.lo, 1 + i);
		ck_assert_uint_eq(got[i].where.lookup.position, i);
		ck_assert_uint_eq(got[i].where.lookup.count, 100);
	}
	/* Drained: recording resumes where it stopped. */
	lookup_n(A1, 300, 10, 0);
	ck_assert_uint_eq(r->tail, 74);
	ck_assert_uint_eq(drain(), 10);
	ck_assert_uint_eq(got[0].key.lo, 300);
	ck_assert_uint_eq(got[9].key.lo, 309);
	st = tstats();
	ck_assert_uint_eq(st.access_records, 74);
	ck_assert_uint_eq(st.access_dropped, 46);
	ck_assert_uint_eq(r->dropped, 46);
}
END_TEST

START_TEST(test_bogus_head)
{
	struct drm_kvtier_stream_ring *r;
	uint32_t me;

	sopen(64);
	lookup_n(A1, 1, 10, 0);
	me = my_ring();
	r = ring(me);
	/*
	 * The writer reads @head again only when the one it read last
	 * leaves too little room: until then a scribble goes unseen.
	 */
	r->head = UINT64_MAX;
	lookup_n(A1, 1, 54, 0);
	ck_assert_uint_eq(r->tail, 64);
	ck_assert_uint_eq(r->dropped, 0);
	/* Beyond the tail: full. */
	lookup_n(A1, 1, 5, 0);
	ck_assert_uint_eq(r->tail, 64);
	ck_assert_uint_eq(r->dropped, 5);
	r->head = 65;
	lookup_n(A1, 1, 5, 0);
	ck_assert_uint_eq(r->tail, 64);
	ck_assert_uint_eq(r->dropped, 10);
	/* More than a ring behind is impossible too: full. */
	r->head = 64;
	lookup_n(A1, 1, 64, 0);
	ck_assert_uint_eq(r->tail, 128);
	r->head = 63;
	lookup_n(A1, 1, 1, 0);
	ck_assert_uint_eq(r->tail, 128);
	ck_assert_uint_eq(r->dropped, 11);
	/* The manager's scribbles on tail and dropped are not believed. */
	r->tail = 0;
	r->dropped = 1000;
	r->head = 128;
	lookup_n(A1, 1, 3, 0);
	ck_assert_uint_eq(r->tail, 131);
	ck_assert_uint_eq(r->dropped, 11);
	ck_assert_uint_eq(tstats().access_records, 131);
	ck_assert_uint_eq(tstats().access_dropped, 11);
	lookup_n(A1, 1, 64, 0);
	ck_assert_uint_eq(r->dropped, 14);
}
END_TEST

#define MT_THREADS 3
#define MT_LOOKUPS 500

static void *mt_lookups(void *arg)
{
	struct kvt_client *c = arg;
	uint32_t i;

	for (i = 0; i < MT_LOOKUPS; i++)
		lookup_n(c, i * 4, 4, 0);
	return NULL;
}

/* Threads sharing rings take turns: every record is kept or counted. */
START_TEST(test_threads_count)
{
	struct kvt_client *cs[MT_THREADS] = { A1, A2, B };
	pthread_t th[MT_THREADS];
	struct drm_kvtier_stats st;
	uint32_t i;

	sopen(KVTIER_STREAM_DEFAULT_ENTRIES);
	for (i = 0; i < MT_THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, mt_lookups,
						cs[i]), 0);
	for (i = 0; i < MT_THREADS; i++)
		pthread_join(th[i], NULL);
	st = tstats();
	ck_assert_uint_eq(st.access_records + st.access_dropped,
			  MT_THREADS * MT_LOOKUPS * 4);
	ck_assert_uint_eq(st.access_dropped, 0);
}
END_TEST

Suite *core_stream_suite(void)
{
	Suite *s = suite_create("core_stream");
	TCase *tc;

	tc = tcase_create("open");
	tcase_add_checked_fixture(tc, stream_setup, stream_teardown);
	tcase_add_test(tc, test_validate_errors);
	tcase_add_test(tc, test_validate_fills);
	tcase_add_test(tc, test_open_busy_and_get);
	tcase_add_test(tc, test_close_with_manager);
	suite_add_tcase(s, tc);

	tc = tcase_create("records");
	tcase_add_checked_fixture(tc, stream_setup, stream_teardown);
	tcase_add_test(tc, test_lookup_records);
	tcase_add_test(tc, test_object_records);
	suite_add_tcase(s, tc);

	tc = tcase_create("ring");
	tcase_add_checked_fixture(tc, stream_setup, stream_teardown);
	tcase_add_test(tc, test_wraparound);
	tcase_add_test(tc, test_full_drops_and_recovers);
	tcase_add_test(tc, test_bogus_head);
	tcase_add_test(tc, test_threads_count);
	suite_add_tcase(s, tc);
	return s;
}

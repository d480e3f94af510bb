// SPDX-License-Identifier: GPL-2.0
/*
 * The access stream: STREAM_OPEN's refusals, the records of lookups and of
 * objects' lives exactly as the driver wrote them, a full ring that drops
 * and counts and then recovers, a mapping whose record pages cannot be
 * written, and a stream that goes with its manager's fd while its memory
 * stays valid for the mappings left.
 *
 * Cases that read one ring pin themselves to CPU 0, so that every record
 * they cause lands in ring 0, in order.
 */
#include "tlib.h"
#include "kvtier.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NSLOTS 32
#define NRECS 512

static uint32_t g_pool;
static uint64_t g_page;
static struct drm_kvtier_access g_recs[NRECS];

static int attach(int fd)
{
	struct drm_kvtier_manager_attach ma = { 0 };

	return tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma);
}

/* An admin fd that is the manager, or -1 (failure recorded). */
static int open_manager(void)
{
	int fd = tl_open_admin();

	if (fd < 0)
		return -1;
	if (attach(fd)) {
		tl_fail("MANAGER_ATTACH failed: a manager is attached already?");
		close(fd);
		return -1;
	}
	return fd;
}

static int stream_open(int fd, uint32_t entries,
		       struct drm_kvtier_stream_open *req)
{
	memset(req, 0, sizeof(*req));
	req->entries = entries;
	return tl_ioctl(fd, DRM_IOCTL_KVTIER_STREAM_OPEN, req);
}

static void *stream_map(int fd, const struct drm_kvtier_stream_open *req)
{
	void *p = mmap(NULL, req->rings * req->ring_bytes,
		       PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)req->mmap_offset);

	return p == MAP_FAILED ? NULL : p;
}

static struct drm_kvtier_stream_ring *ring_of(void *map,
					      const struct drm_kvtier_stream_open *req,
					      uint32_t i)
{
	return (struct drm_kvtier_stream_ring *)((char *)map +
						 i * req->ring_bytes);
}

static struct drm_kvtier_access *recs_of(void *map,
					 const struct drm_kvtier_stream_open *req,
					 uint32_t i)
{
	return (struct drm_kvtier_access *)((char *)ring_of(map, req, i) +
					    req->records_offset);
}

static bool pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}

/* LOOKUP of keys tl_key(kn[i]); 0 or -errno. */
static int lookup_keys(int fd, const uint64_t *kn, uint32_t n, uint32_t flags)
{
	struct drm_kvtier_lookup_result res[NRECS];
	struct drm_kvtier_key keys[NRECS];
	struct drm_kvtier_lookup req = { 0 };
	uint32_t i;

	for (i = 0; i < n && i < NRECS; i++)
		keys[i] = tl_key(kn[i]);
	req.keys_ptr = (uintptr_t)keys;
	req.results_ptr = (uintptr_t)res;
	req.count = n;
	req.flags = flags;
	return tl_ioctl(fd, DRM_IOCTL_KVTIER_LOOKUP, &req);
}

/* A lookup of @n keys from @first on (misses, unless they exist). */
static int lookup_run(int fd, uint64_t first, uint32_t n)
{
	uint64_t kn[NRECS];
	uint32_t i;

	for (i = 0; i < n && i < NRECS; i++)
		kn[i] = first + i;
	return lookup_keys(fd, kn, n, 0);
}

/* A HIT or MISS record: @pos of @cnt in its lookup. */
#define EXPECT_REC(a, ty, fl, kn, h, ten, pool, pos, cnt)                     \
	do {                                                                   \
		EXPECT_OBJ_REC(a, ty, fl, kn, h, ten, pool);                   \
		TL_EXPECT_EQ((a)->where.lookup.position, pos);                 \
		TL_EXPECT_EQ((a)->where.lookup.count, cnt);                    \
	} while (0)

/* What every record has; see EXPECT_REC for a lookup's. */
#define EXPECT_OBJ_REC(a, ty, fl, kn, h, ten, pool)                           \
	do {                                                                   \
		struct drm_kvtier_key k_ = tl_key(kn);                         \
		TL_EXPECT_EQ((a)->type, ty);                                   \
		TL_EXPECT_EQ((a)->flags, fl);                                  \
		TL_EXPECT_EQ((a)->key.lo, k_.lo);                              \
		TL_EXPECT_EQ((a)->key.hi, k_.hi);                              \
		TL_EXPECT_EQ((a)->handle, h);                                  \
		TL_EXPECT_EQ((a)->tenant_id, ten);                             \
		TL_EXPECT_EQ((a)->pool_id, pool);                              \
	} while (0)

/* ---- cases ---------------------------------------------------------------- */

static void case_feature(void)
{
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "open");
	TL_ASSERT(tl_param(fd, KVTIER_PARAM_FEATURES) &
		  KVTIER_FEATURE_ACCESS_STREAM, "ACCESS_STREAM not advertised");
	close(fd);
}

static void case_open_refused(void)
{
	static const uint32_t bad[] = { 1, 32, 63, 65, 1000,
					KVTIER_STREAM_MAX_ENTRIES + 1,
					KVTIER_STREAM_MAX_ENTRIES * 2 };
	struct drm_kvtier_stream_open req;
	int fd, mfd, ufd;
	unsigned int i;

	/* An admin who is not the manager. */
	fd = tl_open_admin();
	TL_ASSERT(fd >= 0, "open");
	TL_EXPECT_RC(stream_open(fd, 0, &req), -EPERM);
	mfd = open_manager();
	TL_ASSERT(mfd >= 0, "manager");
	TL_EXPECT_RC(stream_open(fd, 0, &req), -EPERM);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		TL_EXPECT_RC(stream_open(mfd, bad[i], &req), -EINVAL);
	memset(&req, 0, sizeof(req));
	req.flags = 1;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_STREAM_OPEN, &req),
		     -EINVAL);
	memset(&req, 0, sizeof(req));
	req.flags = 1u << 31;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_STREAM_OPEN, &req),
		     -EINVAL);
	memset(&req, 0, sizeof(req));
	req.pad = 1;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_STREAM_OPEN, &req),
		     -EINVAL);
	/* Nothing was opened by the refusals: the map has nothing. */
	TL_ASSERT(mmap(NULL, g_page, PROT_READ, MAP_SHARED, mfd, 0) ==
		  MAP_FAILED && errno == EINVAL, "mapped a stream not open");

	TL_EXPECT_RC(stream_open(mfd, 0, &req), 0);
	TL_EXPECT_EQ(req.entries, KVTIER_STREAM_DEFAULT_ENTRIES);
	TL_EXPECT_EQ(req.version, KVTIER_ACCESS_VERSION);
	TL_EXPECT_EQ(req.record_size, sizeof(struct drm_kvtier_access));
	TL_EXPECT_EQ(req.records_offset, g_page > 4096 ? g_page : 4096);
	TL_EXPECT_EQ(req.ring_bytes % g_page, 0);
	TL_ASSERT(req.rings >= (uint32_t)sysconf(_SC_NPROCESSORS_ONLN),
		  "%u rings for %ld CPUs", req.rings,
		  sysconf(_SC_NPROCESSORS_ONLN));
	TL_EXPECT_RC(stream_open(mfd, 0, &req), -EBUSY);
	TL_EXPECT_RC(stream_open(mfd, 64, &req), -EBUSY);
	TL_EXPECT_RC(stream_open(fd, 0, &req), -EPERM);

	/* Not the manager's: neither the ioctl nor the mapping. */
	ufd = tl_open_user();
	TL_ASSERT(ufd >= 0, "user open");
	TL_EXPECT_RC(stream_open(ufd, 0, &req), -EPERM);
	TL_ASSERT(mmap(NULL, g_page, PROT_READ, MAP_SHARED, fd, 0) ==
		  MAP_FAILED && errno == EACCES, "a non-manager mapped it");
	close(ufd);
	close(fd);
	close(mfd);
}

static void case_records(void)
{
	uint64_t kn[4] = { 1, 2, 9, 3 }, stop[4] = { 1, 9, 2, 3 };
	struct drm_kvtier_alloc_item it[3];
	struct drm_kvtier_stats st;
	struct kvtier_stream *ks;
	struct kvtier *kv;
	uint64_t t0, t1, dropped, tenant;
	int mfd, fd, n, i;

	TL_ASSERT(pin_cpu0(), "sched_setaffinity");
	TL_EXPECT_RC(kvtier_open(&kv), 0);
	TL_EXPECT_RC(kvtier_manager_attach(kv, NULL), 0);
	mfd = kvtier_fd(kv);
	TL_EXPECT_RC(kvtier_stream_open(kv, 64, &ks), 0);
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open");
	tenant = tl_param(fd, KVTIER_PARAM_TENANT_ID);

	t0 = tl_now_ns();
	for (i = 0; i < 3; i++)
		TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(i + 1),
				       g_page - i, &it[i]), 0);
	for (i = 0; i < 3; i++)
		TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, it[i].handle, 0), 0);
	TL_EXPECT_RC(lookup_keys(fd, kn, 4, 0), 0);
	TL_EXPECT_RC(lookup_keys(fd, stop, 4, KVTIER_LOOKUP_STOP_AT_MISS), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, it[2].handle, 0), 0);
	t1 = tl_now_ns();

	n = kvtier_stream_read(ks, g_recs, NRECS, &dropped);
	TL_EXPECT_EQ(n, 3 + 3 + 4 + 4 + 1);
	TL_EXPECT_EQ(dropped, 0);
	/* Three objects, three places: the offsets below say which. */
	TL_ASSERT(it[0].offset != it[1].offset &&
		  it[1].offset != it[2].offset &&
		  it[0].offset != it[2].offset, "offsets %llu %llu %llu",
		  (unsigned long long)it[0].offset,
		  (unsigned long long)it[1].offset,
		  (unsigned long long)it[2].offset);
	/* ALLOC and COMMIT: size and offset as OBJ_ALLOC returned them. */
	for (i = 0; i < 3; i++) {
		EXPECT_OBJ_REC(&g_recs[i], KVTIER_ACCESS_ALLOC, 0, i + 1,
			       it[i].handle, tenant, g_pool);
		TL_EXPECT_EQ(g_recs[i].size, g_page - i);
		TL_EXPECT_EQ(g_recs[i].where.offset, it[i].offset);
	}
	for (i = 0; i < 3; i++) {
		EXPECT_OBJ_REC(&g_recs[3 + i], KVTIER_ACCESS_COMMIT, 0, i + 1,
			       it[i].handle, tenant, g_pool);
		TL_EXPECT_EQ(g_recs[3 + i].size, g_page - i);
		TL_EXPECT_EQ(g_recs[3 + i].where.offset, it[i].offset);
	}
	EXPECT_REC(&g_recs[6], KVTIER_ACCESS_HIT, 0, 1, it[0].handle, tenant,
		   g_pool, 0, 4);
	EXPECT_REC(&g_recs[7], KVTIER_ACCESS_HIT, 0, 2, it[1].handle, tenant,
		   g_pool, 1, 4);
	EXPECT_REC(&g_recs[8], KVTIER_ACCESS_MISS, 0, 9, 0, tenant, 0, 2, 4);
	EXPECT_REC(&g_recs[9], KVTIER_ACCESS_HIT, 0, 3, it[2].handle, tenant,
		   g_pool, 3, 4);
	EXPECT_REC(&g_recs[10], KVTIER_ACCESS_HIT, 0, 1, it[0].handle, tenant,
		   g_pool, 0, 4);
	EXPECT_REC(&g_recs[11], KVTIER_ACCESS_MISS, 0, 9, 0, tenant, 0, 1, 4);
	EXPECT_REC(&g_recs[12], KVTIER_ACCESS_MISS, KVTIER_ACCESS_NOT_PROBED,
		   2, 0, tenant, 0, 2, 4);
	EXPECT_REC(&g_recs[13], KVTIER_ACCESS_MISS, KVTIER_ACCESS_NOT_PROBED,
		   3, 0, tenant, 0, 3, 4);
	EXPECT_OBJ_REC(&g_recs[14], KVTIER_ACCESS_FREE, 0, 3, it[2].handle,
		       tenant, g_pool);
	TL_EXPECT_EQ(g_recs[14].size, 0);
	TL_EXPECT_EQ(g_recs[14].where.offset, 0);
	/* One time per lookup; times never go back; all inside the case. */
	for (i = 7; i < 10; i++)
		TL_EXPECT_EQ(g_recs[i].time_ns, g_recs[6].time_ns);
	for (i = 11; i < 14; i++)
		TL_EXPECT_EQ(g_recs[i].time_ns, g_recs[10].time_ns);
	TL_ASSERT(g_recs[10].time_ns > g_recs[6].time_ns, "lookup times");
	for (i = 0; i < n; i++) {
		TL_ASSERT(g_recs[i].time_ns >= t0 && g_recs[i].time_ns <= t1,
			  "record %d at %llu, outside [%llu, %llu]", i,
			  (unsigned long long)g_recs[i].time_ns,
			  (unsigned long long)t0, (unsigned long long)t1);
		if (i)
			TL_ASSERT(g_recs[i].time_ns >= g_recs[i - 1].time_ns,
				  "record %d went back in time", i);
	}
	TL_EXPECT_RC(tl_stats(fd, &st), 0);
	TL_EXPECT_EQ(st.access_records, 15);
	TL_EXPECT_EQ(st.access_dropped, 0);
	TL_EXPECT_EQ(kvtier_stream_read(ks, g_recs, NRECS, &dropped), 0);

	/* The manager drops the last copy: FREE, EVICTED. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, it[0].handle, 0), 0);
	{
		struct drm_kvtier_residency_item ri = {
			.handle = it[0].handle,
			.op = KVTIER_RES_DROP,
			.tier = KVTIER_TIER_HOST,
		};
		struct drm_kvtier_residency rq = {
			.items_ptr = (uintptr_t)&ri,
			.count = 1,
		};

		TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_RESIDENCY, &rq), 0);
		TL_EXPECT_RC(ri.result, 0);
	}
	TL_EXPECT_EQ(kvtier_stream_read(ks, g_recs, NRECS, &dropped), 1);
	EXPECT_REC(&g_recs[0], KVTIER_ACCESS_FREE, KVTIER_ACCESS_EVICTED, 1,
		   it[0].handle, tenant, g_pool, 0, 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, it[1].handle, 0), 0);
	kvtier_stream_close(ks);
	kvtier_close(kv);
	close(fd);
}

static void case_overflow(void)
{
	struct drm_kvtier_stream_open req;
	struct drm_kvtier_stream_ring *r;
	struct drm_kvtier_stats st;
	uint64_t h, dropped = 0;
	int mfd, fd, n, got, i;
	void *map;

	TL_ASSERT(pin_cpu0(), "sched_setaffinity");
	mfd = open_manager();
	TL_ASSERT(mfd >= 0, "manager");
	TL_EXPECT_RC(stream_open(mfd, 64, &req), 0);
	TL_EXPECT_EQ(req.entries, 64);
	map = stream_map(mfd, &req);
	TL_ASSERT(map, "mmap: %s", strerror(errno));
	r = ring_of(map, &req, 0);
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open");

	/* 100 + 50 records into a ring of 64, nobody reading. */
	TL_EXPECT_RC(lookup_run(fd, 1000, 100), 0);
	TL_EXPECT_RC(lookup_run(fd, 2000, 50), 0);
	TL_EXPECT_EQ(__atomic_load_n(&r->tail, __ATOMIC_ACQUIRE), 64);
	TL_EXPECT_EQ(r->dropped, 150 - 64);
	TL_EXPECT_RC(tl_stats(fd, &st), 0);
	TL_EXPECT_EQ(st.access_records, 64);
	TL_EXPECT_EQ(st.access_dropped, 150 - 64);
	/* What was kept is the start of the first lookup. */
	for (i = 0; i < 64; i++) {
		TL_EXPECT_EQ(recs_of(map, &req, 0)[i].key.lo,
			     tl_key(1000 + i).lo);
		TL_EXPECT_EQ(recs_of(map, &req, 0)[i].where.lookup.position,
			     i);
		TL_EXPECT_EQ(recs_of(map, &req, 0)[i].where.lookup.count, 100);
	}

	/* A head that cannot be: still full, nothing overwritten. */
	__atomic_store_n(&r->head, 65, __ATOMIC_RELEASE);
	TL_EXPECT_RC(lookup_run(fd, 3000, 5), 0);
	__atomic_store_n(&r->head, UINT64_MAX, __ATOMIC_RELEASE);
	TL_EXPECT_RC(lookup_run(fd, 3000, 5), 0);
	TL_EXPECT_EQ(r->tail, 64);
	TL_EXPECT_EQ(r->dropped, 160 - 64);
	/* The manager may scribble on tail and dropped: not believed. */
	r->tail = 7;
	r->dropped = 7;

	/* Drained: recording resumes where it stopped. */
	__atomic_store_n(&r->head, 64, __ATOMIC_RELEASE);
	TL_EXPECT_RC(lookup_run(fd, 4000, 10), 0);
	TL_EXPECT_EQ(__atomic_load_n(&r->tail, __ATOMIC_ACQUIRE), 74);
	TL_EXPECT_EQ(r->dropped, 160 - 64);
	for (i = 0; i < 10; i++)
		TL_EXPECT_EQ(recs_of(map, &req, 0)[i].key.lo,
			     tl_key(4000 + i).lo);
	TL_EXPECT_RC(tl_stats(fd, &st), 0);
	TL_EXPECT_EQ(st.access_records, 74);
	TL_EXPECT_EQ(st.access_dropped, 160 - 64);

	/* A full cycle more through the library's reader. */
	munmap(map, req.rings * req.ring_bytes);
	close(mfd);
	{
		struct kvtier_stream *ks;
		struct kvtier *kv;

		TL_EXPECT_RC(kvtier_open(&kv), 0);
		TL_EXPECT_RC(kvtier_manager_attach(kv, NULL), 0);
		TL_EXPECT_RC(kvtier_stream_open(kv, 64, &ks), 0);
		TL_EXPECT_RC(lookup_run(fd, 5000, 100), 0);
		n = kvtier_stream_read(ks, g_recs, 40, &dropped);
		TL_EXPECT_EQ(n, 40);
		TL_EXPECT_EQ(dropped, 36);
		n = kvtier_stream_read(ks, g_recs + 40, NRECS, &dropped);
		TL_EXPECT_EQ(n, 24);
		TL_EXPECT_EQ(dropped, 0);
		for (i = 0; i < 64; i++)
			TL_EXPECT_EQ(g_recs[i].key.lo, tl_key(5000 + i).lo);
		/* Wraps around the ring's end. */
		got = 0;
		for (h = 0; h < 3; h++) {
			TL_EXPECT_RC(lookup_run(fd, 6000 + h * 50, 50), 0);
			n = kvtier_stream_read(ks, g_recs, NRECS, &dropped);
			TL_EXPECT_EQ(n, 50);
			TL_EXPECT_EQ(dropped, 0);
			for (i = 0; i < 50; i++)
				TL_EXPECT_EQ(g_recs[i].key.lo,
					     tl_key(6000 + h * 50 + i).lo);
			got += n;
		}
		TL_EXPECT_EQ(got, 150);
		TL_EXPECT_RC(tl_stats(fd, &st), 0);
		TL_EXPECT_EQ(st.access_records, 64 + 150);
		TL_EXPECT_EQ(st.access_dropped, 36);
		kvtier_stream_close(ks);
		kvtier_close(kv);
	}
	close(fd);
}

static void case_map_protection(void)
{
	struct drm_kvtier_stream_open req;
	struct drm_kvtier_stream_ring *r;
	uint8_t *map, *p;
	int mfd;

	mfd = open_manager();
	TL_ASSERT(mfd >= 0, "manager");
	TL_EXPECT_RC(stream_open(mfd, 64, &req), 0);
	/* Private, past the end, or longer than the stream: refused. */
	TL_ASSERT(mmap(NULL, g_page, PROT_READ, MAP_PRIVATE, mfd, 0) ==
		  MAP_FAILED && errno == EINVAL, "private mapping");
	TL_ASSERT(mmap(NULL, g_page, PROT_READ, MAP_SHARED, mfd,
		       (off_t)(req.rings * req.ring_bytes)) == MAP_FAILED &&
		  errno == EINVAL, "mapping past the end");
	TL_ASSERT(mmap(NULL, req.rings * req.ring_bytes + g_page, PROT_READ,
		       MAP_SHARED, mfd, 0) == MAP_FAILED && errno == EINVAL,
		  "mapping longer than the stream");

	map = stream_map(mfd, &req);
	TL_ASSERT(map, "mmap: %s", strerror(errno));
	r = ring_of(map, &req, 0);
	/* Header pages: read and written; record pages: only read. */
	TL_EXPECT_RC(tl_probe(&r->head, true), 0);
	TL_EXPECT_RC(tl_probe(&r->tail, false), 0);
	p = (uint8_t *)recs_of(map, &req, 0);
	TL_EXPECT_RC(tl_probe(p, false), 0);
	TL_EXPECT_RC(tl_probe(p, true), SIGBUS);
	TL_EXPECT_RC(tl_probe(p + req.ring_bytes - req.records_offset - 1,
			      true), SIGBUS);
	if (req.rings > 1) {
		TL_EXPECT_RC(tl_probe(&ring_of(map, &req, 1)->head, true), 0);
		TL_EXPECT_RC(tl_probe((uint8_t *)recs_of(map, &req, 1), true),
			     SIGBUS);
	}
	/* mprotect() does not make them writable either. */
	TL_EXPECT_RC(mprotect(map, req.rings * req.ring_bytes, PROT_READ), 0);
	TL_EXPECT_RC(mprotect(map, req.rings * req.ring_bytes,
			      PROT_READ | PROT_WRITE), 0);
	TL_EXPECT_RC(tl_probe(p, true), SIGBUS);
	TL_EXPECT_RC(tl_probe(&r->head, true), 0);
	munmap(map, req.rings * req.ring_bytes);
	close(mfd);
}

static void case_close_reopen(void)
{
	struct drm_kvtier_stream_open req, req2;
	struct drm_kvtier_stats st;
	volatile uint8_t *old, *old2;
	struct drm_kvtier_access *a;
	int mfd, fd, m2;
	uint64_t tail;

	TL_ASSERT(pin_cpu0(), "sched_setaffinity");
	mfd = open_manager();
	TL_ASSERT(mfd >= 0, "manager");
	TL_EXPECT_RC(stream_open(mfd, 64, &req), 0);
	old = stream_map(mfd, &req);
	TL_ASSERT(old, "mmap: %s", strerror(errno));
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open");
	TL_EXPECT_RC(lookup_run(fd, 100, 3), 0);

	/*
	 * The manager's fd closes while its rings are mapped: its role and
	 * its stream end; the memory stays, readable, for the mapping.
	 */
	close(mfd);
	TL_EXPECT_RC(tl_stats(fd, &st), 0);
	TL_EXPECT_EQ(st.access_records, 0);
	TL_EXPECT_EQ(st.access_dropped, 0);
	TL_EXPECT_RC(lookup_run(fd, 200, 3), 0);
	tail = ring_of((void *)old, &req, 0)->tail;
	TL_EXPECT_EQ(tail, 3);
	a = recs_of((void *)old, &req, 0);
	TL_EXPECT_EQ(a[2].key.lo, tl_key(102).lo);
	/* Header still writable, records still not. */
	TL_EXPECT_RC(tl_probe(&ring_of((void *)old, &req, 0)->head, true), 0);
	TL_EXPECT_RC(tl_probe((uint8_t *)a, true), SIGBUS);

	/* A new manager opens a new stream meanwhile. */
	m2 = open_manager();
	TL_ASSERT(m2 >= 0, "second manager");
	TL_EXPECT_RC(stream_open(m2, 128, &req2), 0);
	old2 = stream_map(m2, &req2);
	TL_ASSERT(old2, "mmap: %s", strerror(errno));
	TL_EXPECT_RC(lookup_run(fd, 300, 2), 0);
	TL_EXPECT_EQ(ring_of((void *)old2, &req2, 0)->tail, 2);
	TL_EXPECT_EQ(ring_of((void *)old, &req, 0)->tail, 3);
	/* The old mapping goes after its fd: nothing left to crash on. */
	TL_EXPECT_RC(munmap((void *)old, req.rings * req.ring_bytes), 0);
	/* A partial unmap, then the fd, then the rest. */
	TL_EXPECT_RC(munmap((void *)(old2 + req2.ring_bytes - g_page), g_page),
		     0);
	close(m2);
	TL_EXPECT_EQ(ring_of((void *)old2, &req2, 0)->tail, 2);
	TL_EXPECT_RC(munmap((void *)old2, req2.ring_bytes - g_page), 0);
	if (req2.rings > 1)
		TL_EXPECT_RC(munmap((void *)(old2 + req2.ring_bytes),
				    (req2.rings - 1) * req2.ring_bytes), 0);
	TL_EXPECT_RC(tl_stats(fd, &st), 0);
	TL_EXPECT_EQ(st.access_records, 0);
	close(fd);
}

/* A stream whose manager dies mapped: the process's exit cleans all. */
static void case_manager_dies_mapped(void)
{
	struct drm_kvtier_stream_open req;
	int mfd, fd;

	mfd = open_manager();
	TL_ASSERT(mfd >= 0, "manager");
	TL_EXPECT_RC(stream_open(mfd, 0, &req), 0);
	TL_ASSERT(stream_map(mfd, &req), "mmap: %s", strerror(errno));
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open");
	TL_EXPECT_RC(lookup_run(fd, 1, 100), 0);
	/* Exit without closing or unmapping anything. */
}

static void case_after_death(void)
{
	struct drm_kvtier_stream_open req;
	int mfd;

	mfd = open_manager();
	TL_ASSERT(mfd >= 0, "manager after a dead one");
	TL_EXPECT_RC(stream_open(mfd, 0, &req), 0);
	close(mfd);
}

int main(void)
{
	tl_init("stream");
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, NSLOTS);
	tl_run("feature", case_feature);
	tl_run("open_refused", case_open_refused);
	tl_run("records", case_records);
	tl_run("overflow", case_overflow);
	tl_run("map_protection", case_map_protection);
	tl_run("close_reopen", case_close_reopen);
	tl_run("manager_dies_mapped", case_manager_dies_mapped);
	tl_run("after_death", case_after_death);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

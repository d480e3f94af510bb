// SPDX-License-Identifier: GPL-2.0
/*
 * Disk copies nobody claims make room (daemon/reclaim.c): after kvtier.ko
 * is unloaded and loaded again, every copy on the disk store belongs to a
 * key the fresh driver does not know. The daemon keeps them, but when an
 * eviction's write finds the store full it must drop those copies for the
 * write, not drop the object it was evicting.
 *
 *   fill_disk: a daemon with write-back on eviction and a store of 15
 *	extents; 32 objects through a 16-slot pool: more are evicted than the
 *	store holds, so it fills up and some evictions are drops for want of
 *	room. Every copy on the store is an object the driver lists on disk.
 *   reload: the module unloaded (the pool and its objects with it) and
 *	loaded again: a driver that knows no key.
 *   reclaim_after_reload: a daemon on the same store, not formatted,
 *	recovers every copy and counts each as unknown. A new pool, and 14
 *	objects through it: each eviction finds the store full and must take
 *	the room of unclaimed copies. No object is dropped, every evicted one
 *	was written, and every one comes back byte for byte (the disk-only
 *	ones through a disk read). Then those objects are freed while the
 *	daemon runs and more stored: their writes need more room than the
 *	unclaimed copies left, which only the freed objects' copies can
 *	give, and the daemon learns of those from the FREE records of the
 *	access stream (it reads the object table only at attach). Still no
 *	object is dropped for want of room.
 *
 * The order of the cases matters, the place of the program among the
 * others does not, although it reloads the module: it leaves what every
 * program starts from, the module loaded with no pool, client or daemon
 * (each program makes its own pools, and each daemon test formats the
 * disk), and should a failed case leave the module unloaded, init.sh loads
 * it before the next program. So it needs no name that sorts last, as
 * t_zz_unload has.
 */
#include "daemon_ctl.h"
#include "dclient.h"
#include "tlib.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define OBJ_SIZE (64u * 1024u)
#define NSLOTS 16u
/*
 * The store: the first MiB is its own (the superblock), the second holds 15
 * extents of 68 KiB (a 4 KiB header and 64 KiB of content): a store the
 * first phase fills, small enough to recover in no time under TCG.
 */
#define DISK_SIZE "2M"
#define DISK_EXTENTS 15u
/*
 * Phase 1 settles the pool at or below its high mark (NSLOTS / 2), so at
 * least NFILL - NSLOTS / 2 = 24 objects leave it: more than the store holds.
 */
#define NFILL 32u
/*
 * Phase 2 writes at most every object it stores (each at most once: a
 * fetched-back object keeps its disk copy): no more than the unclaimed
 * copies can make room for, so no drop for want of room is legitimate.
 */
#define NNEW 14u
/* The most objects a round stores. */
#define NMAX (DISK_EXTENTS + NSLOTS)
/* The longest the daemon may take to bring the pool under its mark. */
#define EVICT_MS 60000

_Static_assert(NFILL - NSLOTS / 2 > DISK_EXTENTS,
	       "phase 1 must fill the store");
_Static_assert(NNEW <= DISK_EXTENTS,
	       "phase 2 must fit in the room reclaimed");
_Static_assert(NNEW > NSLOTS / 2, "phase 2 must evict");

/* What the phases hand on to each other (cases are separate processes). */
struct shared {
	uint64_t disk_objects;	/* copies on the store after phase 1 */
	bool reloaded;
};

static struct shared *g_sh;

static struct dctl_opts opts(bool format)
{
	return (struct dctl_opts){
		.disk = getenv("KVTIER_DISK"),
		.disk_size = DISK_SIZE,
		.format = format,
		.write_policy = "back",
		.wm_high = "50",
		.wm_low = "25",
		.tick_ms = 20,
	};
}

/* A counter of @st that must be there; UINT64_MAX fails the case. */
static bool stat_of(const struct dctl_stats *st, const char *key,
		    uint64_t *v)
{
	*v = dctl_stat(st, key);
	TL_ASSERT_R(false, *v != UINT64_MAX, "no %s in the stats line", key);
	return true;
}

/* Store keys [0, @n) of @salt, then wait until the pool is at its mark. */
static bool store_and_settle(struct kvtier *kv, const struct kvtier_map *map,
			     uint32_t pool, uint64_t salt, uint32_t n,
			     const struct dctl *d)
{
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_key k;
	uint64_t end;
	uint32_t i;
	int ret;

	for (i = 0; i < n; i++) {
		k = dc_key(salt, i);
		ret = dc_store(kv, map, pool, &k, OBJ_SIZE, EVICT_MS);
		if (ret)
			dctl_dump(d, 20);
		TL_ASSERT_R(false, !ret, "store %u: %s", i, tl_errname(ret));
	}
	end = tl_now_ns() + EVICT_MS * 1000000ull;
	for (;;) {
		ret = kvtier_pool_info(kv, pool, &pi);
		TL_ASSERT_R(false, !ret, "pool info: %s", tl_errname(ret));
		if (pi.slots_used * 2 <= pi.slot_count)
			return true;
		if (tl_now_ns() > end) {
			dctl_dump(d, 20);
			tl_fail("pool still at %llu of %llu slots after %d ms",
				(unsigned long long)pi.slots_used,
				(unsigned long long)pi.slot_count, EVICT_MS);
			return false;
		}
		poll(NULL, 0, 10);
	}
}

/* Open a client and map @pool read/write. */
static bool client_open(struct kvtier **kv, uint32_t pool,
			struct kvtier_map *map)
{
	int ret = kvtier_open(kv);

	TL_ASSERT_R(false, !ret, "kvtier_open: %s", tl_errname(ret));
	ret = kvtier_map_pool(*kv, pool, PROT_READ | PROT_WRITE, map);
	TL_ASSERT_R(false, !ret, "map pool %u: %s", pool, tl_errname(ret));
	return true;
}

static uint32_t pool_create(void)
{
	uint32_t pool = 0;
	int fd = tl_open_admin(), ret;

	if (fd < 0)
		return 0;
	ret = tl_pool_create(fd, OBJ_SIZE, NSLOTS, &pool);
	close(fd);
	TL_ASSERT_R(0, !ret, "pool create: %s", tl_errname(ret));
	return pool;
}

/*
 * Phase 1: fill the store. The pool and its objects are left to the
 * unload: the driver forgets them with everything else, as on a host
 * whose module is reloaded.
 */
static void case_fill_disk(void)
{
	const uint32_t disk = KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	struct dctl_opts o = opts(true);
	uint64_t salt = tl_key_salt(), nospace, objects, lost;
	struct drm_kvtier_key k;
	struct kvtier_map map;
	struct dctl_stats st;
	struct kvtier *kv;
	uint32_t pool, i, with_disk = 0;
	struct dctl d;
	int ret, t;

	pool = pool_create();
	if (!pool)
		return;
	ret = dctl_start(&d, "reclaim-1", &o);
	TL_ASSERT(!ret, "first daemon: %s", tl_errname(ret));
	if (!client_open(&kv, pool, &map))
		return;
	if (!store_and_settle(kv, &map, pool, salt, NFILL, &d))
		return;
	/* A clean stop lands every write in flight and logs the totals. */
	ret = dctl_stop(&d);
	TL_ASSERT(!ret, "stopping the first daemon: %s", tl_errname(ret));
	ret = dctl_stats_last(&d, &st);
	TL_ASSERT(!ret, "no stats line from the first daemon");
	if (!stat_of(&st, "evict_nospace_drops", &nospace) ||
	    !stat_of(&st, "disk_objects", &objects) ||
	    !stat_of(&st, "lost_on_disk", &lost))
		return;
	for (i = 0; i < NFILL; i++) {
		k = dc_key(salt, i);
		t = dc_tiers(kv, &k, NULL);
		with_disk += t > 0 && (t & disk);
	}
	fprintf(stderr, "fill_disk: %llu copies on the store, %u objects with a disk copy, %llu dropped for want of room\n",
		(unsigned long long)objects, with_disk,
		(unsigned long long)nospace);
	kvtier_unmap(&map);
	kvtier_close(kv);
	if (nospace == 0)
		dctl_dump(&d, 30);
	/* Else the store never filled, and phase 2 proves nothing. */
	TL_ASSERT(nospace > 0, "no eviction found the store full");
	TL_ASSERT(objects > 0 && objects <= DISK_EXTENTS,
		  "%llu copies on a store of %u extents",
		  (unsigned long long)objects, DISK_EXTENTS);
	/* Every copy is one the driver knows: the reload alone unclaims it. */
	TL_EXPECT_EQ(with_disk, objects);
	TL_EXPECT_EQ(lost, 0);
	g_sh->disk_objects = objects;
}

/* The module out and in again: every fd is closed, the daemon stopped. */
static void case_reload(void)
{
	struct drm_kvtier_stats s;
	int fd, ret;

	ret = tl_module_unload();
	TL_ASSERT(!ret, "unload: %s (a client or the daemon still holds it)",
		  tl_errname(ret));
	TL_ASSERT(!tl_module_loaded(), "/sys/module/kvtier still there");
	ret = tl_module_load();
	TL_ASSERT(!ret, "load %s: %s", getenv("KVTIER_KO"), tl_errname(ret));
	fd = tl_open_admin();
	if (fd < 0)
		return;
	ret = tl_stats(fd, &s);
	close(fd);
	TL_ASSERT(!ret, "stats: %s", tl_errname(ret));
	TL_EXPECT_EQ(s.objects, 0);
	g_sh->reloaded = true;
}

/*
 * After a round of @n objects with salt @salt settled: every one is
 * still there, in HOST and/or DISK (none was dropped for want of room),
 * and comes back byte for byte, those only on disk through a read.
 * *n_disk: how many were only on disk.
 */
static bool all_back(struct kvtier *kv, const struct kvtier_map *map,
		     uint64_t salt, uint32_t n, const struct dctl *d,
		     uint32_t *n_disk)
{
	const uint32_t host = KVTIER_TIER_BIT(KVTIER_TIER_HOST);
	const uint32_t disk = KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	struct drm_kvtier_key k;
	int tiers[NMAX], ret, queued;
	uint32_t i;

	*n_disk = 0;
	TL_ASSERT_R(false, n <= NMAX, "%u objects, room for %u", n, NMAX);
	for (i = 0; i < n; i++) {
		k = dc_key(salt, i);
		tiers[i] = dc_tiers(kv, &k, NULL);
		if (tiers[i] < 0)
			dctl_dump(d, 30);
		TL_ASSERT_R(false, tiers[i] > 0 && !(tiers[i] & ~(host | disk)),
			    "object %u: tiers %d after eviction (%s)", i,
			    tiers[i], tl_errname(tiers[i]));
		*n_disk += tiers[i] == (int)disk;
	}
	TL_ASSERT_R(false, *n_disk >= n - NSLOTS / 2,
		    "%u objects only on disk, want >= %u", *n_disk,
		    n - NSLOTS / 2);
	for (i = 0; i < n; i++) {
		k = dc_key(salt, i);
		ret = dc_fetch_host_check(kv, map, &k, &queued);
		TL_ASSERT_R(false, !ret, "fetch of object %u (tiers %d): %s", i,
			    tiers[i], tl_errname(ret));
		TL_ASSERT_R(false, tiers[i] != (int)disk || queued,
			    "object %u only on disk but its fetch was not queued",
			    i);
	}
	return true;
}

/*
 * Phase 2: a full store of copies nobody claims, and evictions that need
 * its room.
 */
static void case_reclaim_after_reload(void)
{
	struct dctl_opts o = opts(false);
	uint64_t salt = tl_key_salt();
	uint64_t unknown, recovered, reclaimed, written, nospace, objects;
	uint64_t writes, lost, salt2;
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_key k;
	struct kvtier_map map;
	struct dctl_stats st;
	struct kvtier *kv;
	uint32_t pool, i, n_disk, n_disk2, n2;
	struct dctl d;
	int ret;

	TL_ASSERT(g_sh->disk_objects > 0 && g_sh->reloaded,
		  "the earlier phases failed: nothing to reclaim");
	/* The device was found before the reload: find it again. */
	tl_forget_device();
	ret = dctl_start(&d, "reclaim-2", &o);
	TL_ASSERT(!ret, "second daemon: %s", tl_errname(ret));
	ret = dctl_stats_now(&d, &st);
	TL_ASSERT(!ret, "daemon stats: %s", tl_errname(ret));
	if (!stat_of(&st, "disk_unknown", &unknown) ||
	    !stat_of(&st, "disk_recovered", &recovered) ||
	    !stat_of(&st, "disk_reclaimed", &reclaimed))
		return;
	/* Kept, all of them, and all unknown: the driver is new. */
	TL_EXPECT_EQ(recovered, g_sh->disk_objects);
	TL_EXPECT_EQ(unknown, g_sh->disk_objects);
	/* Nothing needed room yet: nothing goes before it must. */
	TL_EXPECT_EQ(reclaimed, 0);

	pool = pool_create();
	if (!pool)
		return;
	if (!client_open(&kv, pool, &map))
		return;
	if (!store_and_settle(kv, &map, pool, salt, NNEW, &d))
		return;

	if (!all_back(kv, &map, salt, NNEW, &d, &n_disk))
		return;
	ret = dctl_stats_now(&d, &st);
	TL_ASSERT(!ret, "daemon stats: %s", tl_errname(ret));
	if (!stat_of(&st, "disk_reclaimed", &reclaimed))
		return;

	/*
	 * Freed under the daemon: their copies are claimed by nothing, as
	 * the stream's FREE records tell it.
	 */
	for (i = 0; i < NNEW; i++) {
		k = dc_key(salt, i);
		ret = dc_tiers(kv, &k, &r);
		TL_ASSERT(ret > 0, "object %u: %s", i, tl_errname(ret));
		ret = kvtier_free(kv, &r.handle, 1, NULL);
		TL_ASSERT(!ret, "free of object %u: %s", i, tl_errname(ret));
	}
	/*
	 * Enough that at least one more than the unclaimed copies left are
	 * evicted (the pool settles at NSLOTS / 2 or below), few enough
	 * that they fit on the store with the freed objects' copies gone
	 * (it settles at NSLOTS / 4 or above, and the store is full).
	 */
	n2 = (uint32_t)(unknown - reclaimed) + 1 + NSLOTS / 2;
	TL_ASSERT(n2 - NSLOTS / 4 <= DISK_EXTENTS && n2 <= NMAX,
		  "%u objects for the second round: too many", n2);
	salt2 = salt ^ 0x3b1d5a7e9c2f4d61ull;
	if (!store_and_settle(kv, &map, pool, salt2, n2, &d))
		return;
	if (!all_back(kv, &map, salt2, n2, &d, &n_disk2))
		return;
	/*
	 * The second round's disk-only objects were written after the first
	 * round had taken `reclaimed` of the unclaimed copies: more of them
	 * than were left means the freed objects' copies made room.
	 */
	TL_ASSERT(n_disk2 > unknown - reclaimed,
		  "%u writes fit in the %llu unclaimed copies left: the freed objects' copies are not needed",
		  n_disk2, (unsigned long long)(unknown - reclaimed));

	/* A clean stop: every write landed, the counters final. */
	ret = dctl_stop(&d);
	TL_ASSERT(!ret, "stopping the second daemon: %s", tl_errname(ret));
	ret = dctl_stats_last(&d, &st);
	TL_ASSERT(!ret, "no stats line from the second daemon");
	if (!stat_of(&st, "disk_reclaimed", &reclaimed) ||
	    !stat_of(&st, "evict_written", &written) ||
	    !stat_of(&st, "evict_nospace_drops", &nospace) ||
	    !stat_of(&st, "disk_objects", &objects) ||
	    !stat_of(&st, "writes_ok", &writes) ||
	    !stat_of(&st, "lost_on_disk", &lost))
		return;
	fprintf(stderr, "reclaim_after_reload: %llu unknown copies, %llu reclaimed; %llu evictions written, %llu dropped for want of room; %llu copies on the store\n",
		(unsigned long long)unknown, (unsigned long long)reclaimed,
		(unsigned long long)written, (unsigned long long)nospace,
		(unsigned long long)objects);
	TL_EXPECT_EQ(nospace, 0);
	/* Beyond the copies unknown at start: the freed objects' ones. */
	TL_ASSERT(reclaimed > unknown,
		  "%llu copies reclaimed, %llu unknown at start: none of a freed object",
		  (unsigned long long)reclaimed, (unsigned long long)unknown);
	TL_ASSERT(written >= n_disk + n_disk2,
		  "%llu evictions written, %u + %u only on disk",
		  (unsigned long long)written, n_disk, n_disk2);
	/* The store holds what was kept, less what went, plus what came. */
	TL_EXPECT_EQ(objects, unknown - reclaimed + writes);
	TL_EXPECT_EQ(lost, 0);

	/* No daemon: freeing and destroying touch no disk. */
	for (i = 0; i < n2; i++) {
		k = dc_key(salt2, i);
		if (dc_tiers(kv, &k, &r) >= 0)
			kvtier_free(kv, &r.handle, 1, NULL);
	}
	kvtier_unmap(&map);
	ret = kvtier_pool_destroy(kv, pool);
	kvtier_close(kv);
	TL_ASSERT(!ret, "pool destroy: %s", tl_errname(ret));
}

int main(void)
{
	tl_init("daemon_reclaim");
	dctl_require_disk();
	if (!getenv("KVTIER_KO"))
		tl_skip("KVTIER_KO not set: the module cannot be reloaded");
	g_sh = tl_shared_alloc(sizeof(*g_sh));
	if (!g_sh) {
		printf("FAIL daemon_reclaim:setup: shared memory\n");
		return 1;
	}
	tl_run("fill_disk", case_fill_disk);
	tl_run("reload", case_reload);
	tl_run("reclaim_after_reload", case_reclaim_after_reload);
	return tl_finish();
}

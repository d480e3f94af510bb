// SPDX-License-Identifier: GPL-2.0
/*
 * kvtierd keeps its eviction state from the access stream (issue 14): it
 * reads the object table whole (OBJ_SCAN) once when it attaches, and again
 * only after the stream lost records. Three cases, each with a real
 * daemon:
 *
 *   steady: two clients store, look up and fetch back (from the disk tier,
 *	every byte checked) for seconds, through a pool far too small, with
 *	write-back on eviction: a hundred passes and more, evictions and
 *	reads from disk, and one OBJ_SCAN (scans = rebuilds = 1), no record
 *	lost, every record the driver wrote consumed. The writes take the
 *	host offset from the COMMIT records alone, so a byte read back wrong
 *	would say that offset was wrong.
 *   restart: hot objects (stored first, then looked up) and cold ones
 *	(stored after, never looked up); the daemon stopped and a new one
 *	started; then pressure. The new daemon knows the order of use only
 *	from the table (each object's last access): it must evict exactly the
 *	oldest cold objects, in the order they were stored, and keep every
 *	hot one, with one OBJ_SCAN. A rebuild in any other order (by handle,
 *	as the table lists them) evicts other objects than those.
 *   overflow: rings of 64 records (stream-entries = 64) and one lookup of
 *	256 keys: the records of its hits on the hot objects, at positions
 *	64 and beyond, cannot fit and are dropped. The daemon counts exactly
 *	the records the driver says it dropped, rebuilds once (scans = 2),
 *	and the hits it never saw are in the table it rebuilds from: under
 *	pressure it evicts the oldest cold objects and keeps the hot ones.
 *	Without the rebuild the hot objects, stored first, go first. Then
 *	passes go by with no record lost and no further OBJ_SCAN.
 *
 * Each fails on the daemon it guards against: all three on one that
 * scans every pass; restart and overflow on a rebuild that ignores the
 * last access; overflow on one that ignores the rings' drop counts,
 * rescans on every pass after a loss, or counts a rebuild without loading
 * the table; steady on a COMMIT record whose offset names another slot
 * (a fetch reads back another object's bytes).
 *
 * The restart and overflow cases run with no disk tier, so an evicted
 * object is gone at once and an eviction pass is over within its tick.
 */
#include "daemon_ctl.h"
#include "dclient.h"
#include "tlib.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define OBJ_SIZE (16u * 1024u)
#define NSLOTS 32u
/* Watermarks: pressure at 24 slots (75%), down to 16 (50%). */
#define WM_HIGH "75"
#define WM_LOW "50"
#define HIGH_SLOTS (NSLOTS * 3 / 4)
#define LOW_SLOTS (NSLOTS / 2)
#define TICK_MS 20u
/* The longest anything here waits for the daemon under TCG. */
#define WAIT_MS 30000

/* steady: each client works this long, and stores at least NSTEADY_MIN. */
#define STEADY_MS 3000u
#define NCLIENTS 2u
#define NSTEADY_MIN NSLOTS
/* Passes a few seconds of 20 ms ticks give, with room for a slow guest. */
#define STEADY_PASSES 60u

/*
 * restart, overflow: NHOT hot objects stored first, NCOLD cold ones after,
 * below the high watermark; then NNEW more, which cross it. The pass that
 * sees it crossed frees at most (NHOT + NCOLD + NNEW) - LOW_SLOTS slots:
 * fewer than the cold objects, so LRU never reaches a hot one.
 */
#define NHOT 6u
#define NCOLD 12u
#define NNEW 8u
#define NALL (NHOT + NCOLD + NNEW)
_Static_assert(NHOT + NCOLD < HIGH_SLOTS, "no eviction before the pressure");
_Static_assert(NALL >= HIGH_SLOTS, "the new objects must cause pressure");
_Static_assert(NALL - LOW_SLOTS < NCOLD, "LRU must stop at the cold ones");

/* overflow: the rings' size, and the lookup that overflows one. */
#define RING_ENTRIES 64u
#define NBURST 256u
_Static_assert(NBURST - NHOT >= RING_ENTRIES, "the hot hits must be lost");

struct steady_shared {
	uint64_t salt;
	uint32_t stored[NCLIENTS];
	uint32_t fetched[NCLIENTS];
	uint32_t from_disk[NCLIENTS];
};

static struct steady_shared *g_st;
static uint32_t g_pool;

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
 * Free keys [0, @n) of @salt, with no daemon running: the next case
 * starts from an empty table, once the pool is destroyed.
 */
static void free_keys(struct kvtier *kv, uint64_t salt, uint32_t n)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_key k;
	uint32_t i;

	for (i = 0; i < n; i++) {
		k = dc_key(salt, i);
		if (dc_tiers(kv, &k, &r) >= 0)
			kvtier_free(kv, &r.handle, 1, NULL);
	}
}

static void pool_destroy(struct kvtier *kv, uint32_t pool)
{
	int ret = kvtier_pool_destroy(kv, pool);

	TL_ASSERT(!ret, "pool destroy: %s", tl_errname(ret));
}

/* A counter of @st that must be there. */
static uint64_t stat_of(const struct dctl_stats *st, const char *key)
{
	uint64_t v = dctl_stat(st, key);

	if (v == UINT64_MAX)
		tl_fail("no %s in the daemon's stats line", key);
	return v;
}

static uint64_t driver_dropped(struct kvtier *kv)
{
	return dc_stats(kv).access_dropped;
}

/* ---- steady ----------------------------------------------------------- */

static uint64_t rnd_next(uint64_t *r)
{
	*r = *r * 6364136223846793005ull + 1442695040888963407ull;
	return *r >> 33;
}

/*
 * One engine: stores key after key, looks four earlier ones up every
 * second store, fetches one earlier one back to HOST every third (most
 * are only on disk by then), bytes checked.
 */
static uint64_t client_salt(uint32_t c)
{
	return g_st->salt ^ (0x9e3779b97f4a7c15ull * (c + 1));
}

static void steady_client(void *arg)
{
	uint32_t c = (uint32_t)(uintptr_t)arg, i, j, n;
	uint64_t salt = client_salt(c);
	uint64_t rnd = salt, start = tl_now_ns(), end;
	struct drm_kvtier_lookup_result res[4];
	struct drm_kvtier_key k, keys[4];
	struct kvtier_map map;
	struct kvtier *kv;
	int ret, queued;

	ret = kvtier_open(&kv);
	TL_ASSERT(!ret, "client %u: open: %s", c, tl_errname(ret));
	ret = kvtier_map_pool(kv, g_pool, PROT_READ | PROT_WRITE, &map);
	TL_ASSERT(!ret, "client %u: map: %s", c, tl_errname(ret));
	for (i = 0; i < NSTEADY_MIN ||
		    tl_now_ns() - start < STEADY_MS * 1000000ull;
	     i++) {
		k = dc_key(salt, i);
		ret = dc_store(kv, &map, g_pool, &k, OBJ_SIZE, WAIT_MS);
		TL_ASSERT(!ret, "client %u: store %u: %s", c, i,
			  tl_errname(ret));
		g_st->stored[c] = i + 1;
		if (i && i % 2) {
			for (n = 0; n < 4; n++)
				keys[n] = dc_key(salt, rnd_next(&rnd) % i);
			ret = kvtier_lookup(kv, keys, res, 4, 0, NULL);
			TL_ASSERT(ret >= 0, "client %u: lookup: %s", c,
				  tl_errname(ret));
		}
		if (!i || i % 3 != 2)
			continue;
		j = (uint32_t)(rnd_next(&rnd) % i);
		k = dc_key(salt, j);
		/* Slots for a disk-only object come as the daemon evicts. */
		end = tl_now_ns() + WAIT_MS * 1000000ull;
		while ((ret = dc_fetch_host_check(kv, &map, &k, &queued)) ==
		       -ENOSPC && tl_now_ns() < end)
			poll(NULL, 0, 5);
		TL_ASSERT(!ret, "client %u: fetch of %u: %s", c, j,
			  tl_errname(ret));
		g_st->fetched[c]++;
		g_st->from_disk[c] += queued;
	}
	kvtier_unmap(&map);
	kvtier_close(kv);
}

static void case_steady(void)
{
	struct dctl_opts o = {
		.disk = getenv("KVTIER_DISK"),
		.disk_size = "64M",
		.format = true,
		.write_policy = "back",
		.wm_high = WM_HIGH,
		.wm_low = WM_LOW,
		.tick_ms = TICK_MS,
	};
	uint64_t records, consumed = 0, end, scans, passes, evicted;
	uint32_t c, stored = 0, fetched = 0, from_disk = 0;
	struct drm_kvtier_stats s0, s;
	struct dctl_stats st;
	struct kvtier *kv;
	pid_t child[NCLIENTS];
	struct dctl d;
	int ret;

	g_st = tl_shared_alloc(sizeof(*g_st));
	TL_ASSERT(g_st, "shared memory");
	g_st->salt = tl_key_salt();
	g_pool = pool_create();
	if (!g_pool)
		return;
	ret = kvtier_open(&kv);
	TL_ASSERT(!ret, "open: %s", tl_errname(ret));
	ret = dctl_start(&d, "stream-steady", &o);
	TL_ASSERT(!ret, "daemon: %s", tl_errname(ret));
	s0 = dc_stats(kv);

	for (c = 0; c < NCLIENTS; c++) {
		child[c] = tl_spawn(steady_client, (void *)(uintptr_t)c);
		TL_ASSERT(child[c] > 0, "fork");
	}
	for (c = 0; c < NCLIENTS; c++)
		tl_join(child[c], "client");
	if (tl_failed())
		dctl_dump(&d, 30);
	TL_ASSERT(!tl_failed(), "a client failed");
	for (c = 0; c < NCLIENTS; c++) {
		stored += g_st->stored[c];
		fetched += g_st->fetched[c];
		from_disk += g_st->from_disk[c];
	}

	/* Quiet now: the daemon catches up with every record written. */
	end = tl_now_ns() + WAIT_MS * 1000000ull;
	do {
		ret = dctl_stats_now(&d, &st);
		TL_ASSERT(!ret, "daemon stats: %s", tl_errname(ret));
		consumed = stat_of(&st, "stream_records");
		s = dc_stats(kv);
		records = s.access_records;
		if (consumed == records)
			break;
		poll(NULL, 0, TICK_MS);
	} while (tl_now_ns() < end);
	ret = dctl_stop(&d);
	TL_ASSERT(!ret, "stopping the daemon: %s", tl_errname(ret));
	ret = dctl_stats_last(&d, &st);
	TL_ASSERT(!ret, "no stats line at exit");
	scans = stat_of(&st, "scans");
	passes = stat_of(&st, "passes");
	evicted = stat_of(&st, "evict_written") + stat_of(&st, "evict_dropped");
	fprintf(stderr, "steady: %u stored, %u fetched (%u from disk); %llu passes, %llu evicted, %llu of %llu records consumed, %llu scans\n",
		stored, fetched, from_disk, (unsigned long long)passes,
		(unsigned long long)evicted, (unsigned long long)consumed,
		(unsigned long long)records, (unsigned long long)scans);
	if (scans != 1)
		dctl_dump(&d, 30);
	/* The one OBJ_SCAN, at attach; none on any of the passes after. */
	TL_EXPECT_EQ(scans, 1);
	TL_EXPECT_EQ(stat_of(&st, "rebuilds"), 1);
	TL_EXPECT_EQ(stat_of(&st, "stream_dropped"), 0);
	TL_EXPECT_EQ(s.access_dropped, s0.access_dropped);
	TL_ASSERT(consumed > 0 && consumed == records,
		  "the daemon consumed %llu of the %llu records written",
		  (unsigned long long)consumed, (unsigned long long)records);
	/* What makes the count mean something: work, and many passes. */
	TL_ASSERT(passes >= STEADY_PASSES, "only %llu passes",
		  (unsigned long long)passes);
	TL_ASSERT(stored >= 2 * NSLOTS && evicted >= stored - NSLOTS,
		  "%u stored, %llu evicted", stored,
		  (unsigned long long)evicted);
	TL_ASSERT(from_disk > 0, "no fetch was served from disk");
	TL_EXPECT_EQ(stat_of(&st, "write_failed"), 0);
	for (c = 0; c < NCLIENTS; c++)
		free_keys(kv, client_salt(c), g_st->stored[c]);
	pool_destroy(kv, g_pool);
	kvtier_close(kv);
}

/* ---- restart and overflow: hot, cold and new objects ------------------ */

/* Key @i of a run: hot 0..NHOT-1, cold NHOT.., new NHOT+NCOLD.. */
static struct drm_kvtier_key hc_key(uint64_t salt, uint32_t i)
{
	return dc_key(salt, i);
}

/* Store keys [@from, @to); with @pace_ms, wait that long after each. */
static bool hc_store(struct kvtier *kv, const struct kvtier_map *map,
		     uint32_t pool, uint64_t salt, uint32_t from, uint32_t to,
		     unsigned int pace_ms, const struct dctl *d)
{
	struct drm_kvtier_key k;
	uint32_t i;
	int ret;

	for (i = from; i < to; i++) {
		k = hc_key(salt, i);
		ret = dc_store(kv, map, pool, &k, OBJ_SIZE, WAIT_MS);
		if (ret)
			dctl_dump(d, 20);
		TL_ASSERT_R(false, !ret, "store %u: %s", i, tl_errname(ret));
		if (pace_ms)
			poll(NULL, 0, (int)pace_ms);
	}
	return true;
}

/* Look the hot keys up @rounds times: the most recently used objects. */
static bool hc_heat(struct kvtier *kv, uint64_t salt, unsigned int rounds)
{
	struct drm_kvtier_lookup_result res[NHOT];
	struct drm_kvtier_key keys[NHOT];
	unsigned int r;
	uint32_t i;
	int ret;

	for (i = 0; i < NHOT; i++)
		keys[i] = hc_key(salt, i);
	for (r = 0; r < rounds; r++) {
		ret = kvtier_lookup(kv, keys, res, NHOT, 0, NULL);
		TL_ASSERT_R(false, ret == NHOT, "lookup of the hot keys: %d",
			    ret);
		poll(NULL, 0, 1);
	}
	return true;
}

/* Until the pool is under its high watermark and @d dropped something. */
static bool hc_settle(struct kvtier *kv, uint32_t pool, struct dctl *d,
		      uint64_t drops_before)
{
	uint64_t end = tl_now_ns() + WAIT_MS * 1000000ull, drops = 0;
	struct drm_kvtier_pool_info pi;
	struct dctl_stats st;
	int ret;

	for (;;) {
		ret = kvtier_pool_info(kv, pool, &pi);
		TL_ASSERT_R(false, !ret, "pool info: %s", tl_errname(ret));
		ret = dctl_stats_now(d, &st);
		TL_ASSERT_R(false, !ret, "daemon stats: %s", tl_errname(ret));
		drops = stat_of(&st, "evict_policy_drops");
		if (pi.slots_used < HIGH_SLOTS && drops > drops_before)
			return true;
		if (tl_now_ns() > end)
			break;
		poll(NULL, 0, TICK_MS);
	}
	dctl_dump(d, 30);
	tl_fail("pool at %llu slots, %llu drops after %d ms",
		(unsigned long long)pi.slots_used, (unsigned long long)drops,
		WAIT_MS);
	return false;
}

/*
 * After the pressure: every hot and every new object is in HOST; the cold
 * ones evicted are exactly the oldest (a prefix of their store order), and
 * as many as @d says its policy dropped. Returns how many went, or -1.
 */
static int hc_check(struct kvtier *kv, uint64_t salt, struct dctl *d,
		    uint64_t drops_before, const char *who)
{
	const uint32_t host = KVTIER_TIER_BIT(KVTIER_TIER_HOST);
	uint32_t i, gone = 0, first_kept = NCOLD;
	char line[NALL + 1];
	struct drm_kvtier_key k;
	struct dctl_stats st;
	bool ok = true;
	int t[NALL], ret;

	for (i = 0; i < NALL; i++) {
		k = hc_key(salt, i);
		t[i] = dc_tiers(kv, &k, NULL);
		line[i] = t[i] == -ENOENT ? '-' : t[i] == (int)host ? 'H' : '?';
	}
	line[NALL] = '\0';
	fprintf(stderr, "%s: hot|cold|new %.*s|%.*s|%.*s\n", who, NHOT, line,
		NCOLD, line + NHOT, NNEW, line + NHOT + NCOLD);
	for (i = 0; i < NALL; i++) {
		if (i >= NHOT && i < NHOT + NCOLD) {
			if (t[i] == -ENOENT && first_kept == NCOLD) {
				gone++;
				continue;
			}
			if (first_kept == NCOLD)
				first_kept = i - NHOT;
		}
		ok &= t[i] == (int)host;
	}
	if (!ok)
		dctl_dump(d, 30);
	TL_ASSERT_R(-1, ok,
		    "%s: a hot or new object evicted, or a cold one out of order (H in HOST, - gone): %s",
		    who, line);
	TL_ASSERT_R(-1, gone > 0, "%s: no cold object evicted", who);
	ret = dctl_stats_now(d, &st);
	TL_ASSERT_R(-1, !ret, "daemon stats: %s", tl_errname(ret));
	TL_ASSERT_R(-1, stat_of(&st, "evict_policy_drops") - drops_before ==
				gone,
		    "%s: %llu drops, %u cold objects gone", who,
		    (unsigned long long)(stat_of(&st, "evict_policy_drops") -
					 drops_before),
		    gone);
	return (int)gone;
}

static struct dctl_opts hc_opts(unsigned int stream_entries)
{
	return (struct dctl_opts){
		.wm_high = WM_HIGH,
		.wm_low = WM_LOW,
		.tick_ms = TICK_MS,
		.stream_entries = stream_entries,
	};
}

static void case_restart(void)
{
	struct dctl_opts o = hc_opts(0);
	uint64_t salt = tl_key_salt();
	struct kvtier_map map;
	struct dctl_stats st;
	struct dctl d1, d2;
	struct kvtier *kv;
	uint32_t pool;
	int ret;

	pool = pool_create();
	if (!pool)
		return;
	ret = kvtier_open(&kv);
	TL_ASSERT(!ret, "open: %s", tl_errname(ret));
	ret = kvtier_map_pool(kv, pool, PROT_READ | PROT_WRITE, &map);
	TL_ASSERT(!ret, "map: %s", tl_errname(ret));

	ret = dctl_start(&d1, "stream-restart-1", &o);
	TL_ASSERT(!ret, "first daemon: %s", tl_errname(ret));
	if (!hc_store(kv, &map, pool, salt, 0, NHOT + NCOLD, 0, &d1) ||
	    !hc_heat(kv, salt, 3))
		return;
	ret = dctl_stop(&d1);
	TL_ASSERT(!ret, "stopping the first daemon: %s", tl_errname(ret));
	ret = dctl_stats_last(&d1, &st);
	TL_ASSERT(!ret, "no stats line from the first daemon");
	/* Below the high watermark: it had nothing to evict. */
	TL_EXPECT_EQ(stat_of(&st, "evict_policy_drops"), 0);
	TL_EXPECT_EQ(stat_of(&st, "scans"), 1);

	/* All it knows of the order of use is in the table. */
	ret = dctl_start(&d2, "stream-restart-2", &o);
	TL_ASSERT(!ret, "second daemon: %s", tl_errname(ret));
	if (!hc_store(kv, &map, pool, salt, NHOT + NCOLD, NALL, 0, &d2) ||
	    !hc_settle(kv, pool, &d2, 0) ||
	    hc_check(kv, salt, &d2, 0, "restart") < 0)
		return;
	ret = dctl_stop(&d2);
	TL_ASSERT(!ret, "stopping the second daemon: %s", tl_errname(ret));
	ret = dctl_stats_last(&d2, &st);
	TL_ASSERT(!ret, "no stats line from the second daemon");
	TL_EXPECT_EQ(stat_of(&st, "scans"), 1);
	TL_EXPECT_EQ(stat_of(&st, "rebuilds"), 1);
	kvtier_unmap(&map);
	free_keys(kv, salt, NALL);
	pool_destroy(kv, pool);
	kvtier_close(kv);
}

/* Until @d has counted @dropped lost records and rebuilt @rebuilds times. */
static bool wait_rebuilt(struct dctl *d, uint64_t dropped, uint64_t rebuilds,
			 struct dctl_stats *st)
{
	uint64_t end = tl_now_ns() + WAIT_MS * 1000000ull;
	int ret;

	for (;;) {
		ret = dctl_stats_now(d, st);
		TL_ASSERT_R(false, !ret, "daemon stats: %s", tl_errname(ret));
		if (stat_of(st, "stream_dropped") == dropped &&
		    stat_of(st, "rebuilds") == rebuilds)
			return true;
		if (tl_now_ns() > end)
			break;
		poll(NULL, 0, TICK_MS);
	}
	dctl_dump(d, 30);
	tl_fail("the daemon counts %llu records lost of %llu, %llu rebuilds of %llu",
		(unsigned long long)stat_of(st, "stream_dropped"),
		(unsigned long long)dropped,
		(unsigned long long)stat_of(st, "rebuilds"),
		(unsigned long long)rebuilds);
	return false;
}

static void case_overflow(void)
{
	struct dctl_opts o = hc_opts(RING_ENTRIES);
	uint64_t salt = tl_key_salt(), d0, d1, lost, passes;
	struct drm_kvtier_lookup_result *res;
	struct drm_kvtier_key *keys;
	struct kvtier_map map;
	struct dctl_stats st;
	struct kvtier *kv;
	uint32_t pool, i;
	struct dctl d;
	int ret;

	pool = pool_create();
	if (!pool)
		return;
	ret = kvtier_open(&kv);
	TL_ASSERT(!ret, "open: %s", tl_errname(ret));
	ret = kvtier_map_pool(kv, pool, PROT_READ | PROT_WRITE, &map);
	TL_ASSERT(!ret, "map: %s", tl_errname(ret));
	ret = dctl_start(&d, "stream-overflow", &o);
	TL_ASSERT(!ret, "daemon: %s", tl_errname(ret));

	/* 2 records a store: all of them fit in one ring. */
	d0 = driver_dropped(kv);
	if (!hc_store(kv, &map, pool, salt, 0, NHOT + NCOLD, 0, &d) ||
	    !wait_rebuilt(&d, 0, 1, &st))
		return;
	TL_EXPECT_EQ(driver_dropped(kv), d0);

	/*
	 * Misses first, then the hot keys: a ring has room for 64 records
	 * at most, so the hits, at 250 and beyond, are dropped, and only the
	 * table knows they happened.
	 */
	keys = calloc(NBURST, sizeof(*keys));
	res = calloc(NBURST, sizeof(*res));
	TL_ASSERT(keys && res, "memory");
	for (i = 0; i < NBURST - NHOT; i++)
		keys[i] = hc_key(salt ^ 0x5bd1e995ull, 1000 + i);
	for (i = 0; i < NHOT; i++)
		keys[NBURST - NHOT + i] = hc_key(salt, i);
	ret = kvtier_lookup(kv, keys, res, NBURST, 0, NULL);
	TL_ASSERT(ret == NHOT, "burst lookup: %d hits", ret);
	free(keys);
	free(res);
	d1 = driver_dropped(kv);
	lost = d1 - d0;
	TL_ASSERT(lost >= NBURST - RING_ENTRIES, "the driver dropped %llu records",
		  (unsigned long long)lost);

	/* Counted exactly, and one rebuild for the one episode. */
	if (!wait_rebuilt(&d, lost, 2, &st))
		return;
	TL_EXPECT_EQ(stat_of(&st, "scans"), 2);

	/* Pressure, a store every few passes: no ring overflows again. */
	if (!hc_store(kv, &map, pool, salt, NHOT + NCOLD, NALL, 3 * TICK_MS,
		      &d) ||
	    !hc_settle(kv, pool, &d, 0) ||
	    hc_check(kv, salt, &d, 0, "overflow") < 0)
		return;
	TL_EXPECT_EQ(driver_dropped(kv), d1);

	/* Incremental again: passes go by, and no OBJ_SCAN with them. */
	ret = dctl_stats_now(&d, &st);
	TL_ASSERT(!ret, "daemon stats: %s", tl_errname(ret));
	passes = stat_of(&st, "passes");
	do {
		poll(NULL, 0, 5 * TICK_MS);
		ret = dctl_stats_now(&d, &st);
		TL_ASSERT(!ret, "daemon stats: %s", tl_errname(ret));
	} while (stat_of(&st, "passes") < passes + 10);
	TL_EXPECT_EQ(stat_of(&st, "scans"), 2);
	TL_EXPECT_EQ(stat_of(&st, "rebuilds"), 2);
	TL_EXPECT_EQ(stat_of(&st, "stream_dropped"), lost);
	ret = dctl_stop(&d);
	TL_ASSERT(!ret, "stopping the daemon: %s", tl_errname(ret));
	ret = dctl_stats_last(&d, &st);
	TL_ASSERT(!ret, "no stats line at exit");
	TL_EXPECT_EQ(stat_of(&st, "scans"), 2);
	kvtier_unmap(&map);
	free_keys(kv, salt, NALL);
	pool_destroy(kv, pool);
	kvtier_close(kv);
}

int main(void)
{
	tl_init("daemon_stream");
	dctl_require_disk();
	tl_run("steady", case_steady);
	tl_run("restart", case_restart);
	tl_run("overflow", case_overflow);
	return tl_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kvtierd moving objects between its tiers, for real: a client stores
 * objects in a pool too small for them, the daemon evicts past its high
 * watermark by writing them to the disk tier (/dev/vda, the VM's virtual
 * disk) and dropping their host copies, lookups then show DISK-only
 * objects, and fetching them to HOST and to a DEVICE region (a sealed
 * memfd) gives back every byte (content derived from the key). Two fetches
 * of one object at once cost one disk read. Every disk I/O of the daemon
 * is a READ_FIXED or WRITE_FIXED straight between the disk and the pool
 * (the manager's mapping of a pool is shmem, which io_uring registers),
 * for a pool that existed when the daemon started and for one created
 * while it runs, and destroying that pool under the daemon harms nothing.
 *
 * One daemon serves every case; it starts before them (write-back on
 * eviction, watermarks 50%/25%) and must stop cleanly after them.
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
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define OBJ_SIZE (64u * 1024u)
#define NSLOTS 64u
/* 40 of 64 slots: past the 50% high watermark, so 24 go to disk. */
#define NSTORE 40u
/* The longest the daemon may take to bring the pool under its mark. */
#define EVICT_MS 60000

static uint32_t g_pool;
static struct dctl g_d;

static bool client_open_pool(struct dc_client *c, uint32_t pool)
{
	int ret = dc_client_open(c, pool);

	TL_ASSERT_R(false, !ret, "open, map pool %u: %s", pool,
		    tl_errname(ret));
	return true;
}

static bool client_open(struct dc_client *c)
{
	return client_open_pool(c, g_pool);
}

/* Store @n objects, then wait until the daemon has the pool below high. */
static bool store_and_settle(struct dc_client *c, uint64_t first, uint64_t n)
{
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_key k;
	uint64_t i, end;
	int ret;

	for (i = first; i < first + n; i++) {
		k = dc_key(c->salt, i);
		ret = dc_store(c->kv, &c->map, c->pool, &k, OBJ_SIZE, EVICT_MS);
		TL_ASSERT_R(false, !ret, "store %llu: %s",
			    (unsigned long long)i, tl_errname(ret));
	}
	end = tl_now_ns() + EVICT_MS * 1000000ull;
	for (;;) {
		ret = kvtier_pool_info(c->kv, c->pool, &pi);
		TL_ASSERT_R(false, !ret, "pool info: %s", tl_errname(ret));
		if (pi.slots_used * 2 <= pi.slot_count)
			return true;
		if (tl_now_ns() > end) {
			dctl_dump(&g_d, 20);
			tl_fail("pool still at %llu of %llu slots after %d ms",
				(unsigned long long)pi.slots_used,
				(unsigned long long)pi.slot_count, EVICT_MS);
			return false;
		}
		poll(NULL, 0, 10);
	}
}

/* Keys in [first, first + n) held only on disk; their count. */
static uint32_t disk_only(struct dc_client *c, uint64_t first, uint64_t n,
			  uint64_t *out, uint32_t room)
{
	const uint32_t disk = KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	struct drm_kvtier_key k;
	uint32_t got = 0;
	uint64_t i;
	int t;

	for (i = first; i < first + n; i++) {
		k = dc_key(c->salt, i);
		t = dc_tiers(c->kv, &k, NULL);
		if (t == (int)disk && got < room)
			out[got++] = i;
	}
	return got;
}

/*
 * Every stored object is found, in HOST or DISK; the daemon moved some to
 * DISK only; and they come back, byte for byte, to HOST and to a region.
 */
static void case_evict_and_fetch(void)
{
	const uint32_t host = KVTIER_TIER_BIT(KVTIER_TIER_HOST);
	const uint32_t disk = KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	struct dc_region reg;
	struct drm_kvtier_key k;
	struct dc_client c;
	uint64_t ids[NSTORE];
	uint32_t n, i, on_disk = 0;
	int t, ret, queued;

	if (!client_open(&c))
		return;
	if (!store_and_settle(&c, 0, NSTORE))
		goto out;
	for (i = 0; i < NSTORE; i++) {
		k = dc_key(c.salt, i);
		t = dc_tiers(c.kv, &k, NULL);
		TL_ASSERT(t > 0 && !(t & ~(host | disk)),
			  "object %u: tiers %d after eviction", i, t);
		on_disk += !!(t & disk);
	}
	n = disk_only(&c, 0, NSTORE, ids, NSTORE);
	/*
	 * Below the 50% mark: at least 8 of 40 left the pool (more once the
	 * pass's writes all land; an object a client touched meanwhile stays).
	 */
	TL_ASSERT(n >= NSTORE - NSLOTS / 2,
		  "%u objects only on disk (%u with a disk copy), want >= %u",
		  n, on_disk, NSTORE - NSLOTS / 2);

	/* Half of them back to HOST, through a disk read each. */
	for (i = 0; i < n / 2; i++) {
		k = dc_key(c.salt, ids[i]);
		ret = dc_fetch_host_check(c.kv, &c.map, &k, &queued);
		TL_ASSERT(!ret, "fetch %llu to host: %s",
			  (unsigned long long)ids[i], tl_errname(ret));
		TL_ASSERT(queued, "fetch %llu of a disk-only object was not queued",
			  (unsigned long long)ids[i]);
	}

	/* The other half straight from disk to a device region. */
	ret = dc_region_open(c.kv, (size_t)8 * OBJ_SIZE, &reg);
	TL_ASSERT(!ret, "region: %s", tl_errname(ret));
	for (i = n / 2; i < n; i++) {
		k = dc_key(c.salt, ids[i]);
		TL_ASSERT(dc_tiers(c.kv, &k, NULL) == (int)disk,
			  "object %llu left the disk-only state",
			  (unsigned long long)ids[i]);
		ret = dc_fetch_device_check(c.kv, &reg,
					    (uint64_t)(i % 8) * OBJ_SIZE, &k);
		if (ret)
			dctl_dump(&g_d, 20);
		TL_ASSERT(!ret, "fetch %llu to device: %s",
			  (unsigned long long)ids[i], tl_errname(ret));
	}
	/* And one from HOST to the region (the copy path, no disk). */
	k = dc_key(c.salt, ids[0]);
	ret = dc_fetch_device_check(c.kv, &reg, 0, &k);
	TL_ASSERT(!ret, "host object to device: %s", tl_errname(ret));
	dc_region_close(c.kv, &reg);
out:
	dc_client_close(&c, NSTORE);
}

struct racer {
	struct drm_kvtier_key key;
	int result;	/* the fetch item's: 0 served at once, 1 queued */
	int ret;
};

/*
 * Two clients fetch the same disk-only object to HOST at the same moment:
 * one work item, one disk read, both get the bytes.
 */
static void case_shared_fetch(void)
{
	struct drm_kvtier_fetch_item it[2];
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_stats s0, s1;
	struct dctl_stats d0, d1;
	struct kvtier_fetch_ticket t[2];
	struct drm_kvtier_event_fetch ev;
	struct kvtier *kv2 = NULL;
	struct drm_kvtier_key k;
	struct dc_client c;
	uint64_t ids[NSTORE];
	uint32_t n, j;
	int ret;

	if (!client_open(&c))
		return;
	if (!store_and_settle(&c, 0, NSTORE))
		goto out;
	n = disk_only(&c, 0, NSTORE, ids, NSTORE);
	TL_ASSERT(n > 0, "no object only on disk");
	k = dc_key(c.salt, ids[0]);
	ret = kvtier_open(&kv2);
	TL_ASSERT(!ret, "second client: %s", tl_errname(ret));

	memset(it, 0, sizeof(it));
	for (j = 0; j < 2; j++) {
		ret = kvtier_lookup(j ? kv2 : c.kv, &k, &r, 1,
				    KVTIER_LOOKUP_ACQUIRE, NULL);
		TL_ASSERT(ret == 1, "lookup: %s", tl_errname(ret));
		it[j].handle = r.handle;
		it[j].tier = KVTIER_TIER_HOST;
	}
	ret = dctl_stats_now(&g_d, &d0);
	TL_ASSERT(!ret, "daemon stats: %s", tl_errname(ret));
	s0 = dc_stats(c.kv);
	/* Back to back: the daemon has not read it yet, or just has. */
	ret = kvtier_fetch(c.kv, &it[0], 1, 1, &t[0]);
	TL_ASSERT(!ret, "fetch 1: %s", tl_errname(ret));
	ret = kvtier_fetch(kv2, &it[1], 1, 2, &t[1]);
	TL_ASSERT(!ret, "fetch 2: %s", tl_errname(ret));
	TL_ASSERT(t[0].pending == 1, "the first fetch was not queued");
	for (j = 0; j < 2; j++) {
		if (!t[j].pending)
			continue;
		ret = kvtier_fetch_wait(j ? kv2 : c.kv, t[j].fetch_id,
					DC_FETCH_MS, &ev);
		TL_ASSERT(!ret && !ev.status && ev.completed == 1,
			  "fetch %u: %s, status %d", j + 1, tl_errname(ret),
			  ev.status);
	}
	s1 = dc_stats(c.kv);
	ret = dctl_stats_now(&g_d, &d1);
	TL_ASSERT(!ret, "daemon stats: %s", tl_errname(ret));
	fprintf(stderr, "shared_fetch: second fetch %s\n",
		t[1].pending ? "joined the queued work" :
			       "found the object in host already");
	TL_EXPECT_EQ(s1.work_queued - s0.work_queued, 1);
	TL_EXPECT_EQ(dctl_stat(&d1, "bytes_read") -
			     dctl_stat(&d0, "bytes_read"), OBJ_SIZE);
	/* Both hold it in HOST now; the bytes are the key's. */
	ret = kvtier_lookup(kv2, &k, &r, 1, 0, NULL);
	TL_ASSERT(ret == 1 && (r.tiers & KVTIER_TIER_BIT(KVTIER_TIER_HOST)),
		  "not in host after the fetches");
	ret = dc_check(kvtier_map_ptr(&c.map, r.offset, OBJ_SIZE), OBJ_SIZE,
		       &k, "shared");
	TL_ASSERT(!ret, "content after the shared fetch");
	kvtier_release(c.kv, &it[0].handle, 1, NULL);
	kvtier_release(kv2, &it[1].handle, 1, NULL);
out:
	kvtier_close(kv2);
	dc_client_close(&c, NSTORE);
}

/* The daemon's disk I/O counters now; false (and a failure) if unreadable. */
static bool fixed_counts(uint64_t *fixed, uint64_t *unfixed)
{
	struct dctl_stats st;
	int ret = dctl_stats_now(&g_d, &st);

	TL_ASSERT_R(false, !ret, "daemon stats: %s", tl_errname(ret));
	*fixed = dctl_stat(&st, "disk_fixed_ios");
	*unfixed = dctl_stat(&st, "disk_unfixed_ios");
	TL_ASSERT_R(false, *fixed != UINT64_MAX && *unfixed != UINT64_MAX,
		    "no disk_fixed_ios / disk_unfixed_ios in the stats line");
	return true;
}

/*
 * Objects of @pool through the disk and back to HOST, and the daemon's
 * disk I/O meanwhile: every write and read between the disk and the pool
 * is fixed. (Reads into DEVICE regions are not: regions are not
 * registered, so this phase fetches to HOST only.)
 */
static void fixed_phase(uint32_t pool)
{
	struct drm_kvtier_key k;
	struct dc_client c;
	uint64_t ids[NSTORE], fixed0, unfixed0, fixed1, unfixed1;
	uint32_t n, i;
	int ret, queued;

	if (!fixed_counts(&fixed0, &unfixed0))
		return;
	if (!client_open_pool(&c, pool))
		return;
	if (!store_and_settle(&c, 0, NSTORE))
		goto out;
	n = disk_only(&c, 0, NSTORE, ids, NSTORE);
	TL_ASSERT(n > 0, "no object of pool %u only on disk", pool);
	for (i = 0; i < n && i < 4; i++) {
		k = dc_key(c.salt, ids[i]);
		ret = dc_fetch_host_check(c.kv, &c.map, &k, &queued);
		TL_ASSERT(!ret, "fetch %llu to host: %s",
			  (unsigned long long)ids[i], tl_errname(ret));
	}
	if (!fixed_counts(&fixed1, &unfixed1))
		goto out;
	/* Each write is two I/Os (content, then header); each read one. */
	TL_ASSERT(fixed1 - fixed0 >= 2 * n + i,
		  "%llu fixed I/Os for %u writes and %u reads",
		  (unsigned long long)(fixed1 - fixed0), n, i);
	TL_EXPECT_EQ(unfixed1 - unfixed0, 0);
out:
	dc_client_close(&c, NSTORE);
}

/* The pool the daemon found at start was registered with io_uring. */
static void case_fixed_io_only(void)
{
	TL_ASSERT(!dctl_log_has(&g_d, "not registered with io_uring"),
		  "the daemon could not register pool memory with io_uring");
	fixed_phase(g_pool);
}

/*
 * Stop the daemon where it is, for as long as the caller needs it to see
 * nothing: a ptrace stop, which the tracer is told of (waitpid), with no
 * polling. daemon_thaw() lets it go on. Returns 0 or -errno.
 */
static int daemon_freeze(void)
{
	int st;

	if (ptrace(PTRACE_SEIZE, g_d.pid, NULL, NULL) ||
	    ptrace(PTRACE_INTERRUPT, g_d.pid, NULL, NULL))
		return -errno;
	if (waitpid(g_d.pid, &st, __WALL) != g_d.pid)
		return -errno;
	return WIFSTOPPED(st) ? 0 : -ECHILD;
}

static void daemon_thaw(void)
{
	ptrace(PTRACE_DETACH, g_d.pid, NULL, NULL);
}

/*
 * A pool created while the daemon runs is registered when the daemon maps
 * it. Then it is destroyed under the daemon, which still maps it and holds
 * it as registered buffers, and created again with the same id and size
 * while the daemon looks away: its old mapping shows the destroyed pool's
 * file, not the new one, and the daemon must notice that (POOL_INFO alone
 * cannot tell) and move the new pool's objects through a new mapping.
 */
static void case_late_pool_fixed(void)
{
	uint32_t pool, again = 0;
	int fd = tl_open(), ret;

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	ret = tl_pool_create(fd, OBJ_SIZE, NSLOTS, &pool);
	TL_ASSERT(!ret, "pool create: %s", tl_errname(ret));
	fixed_phase(pool);

	ret = daemon_freeze();
	TL_ASSERT(!ret, "stopping the daemon: %s", tl_errname(ret));
	ret = tl_pool_destroy(fd, pool);
	if (!ret)
		ret = tl_pool_create(fd, OBJ_SIZE, NSLOTS, &again);
	daemon_thaw();
	TL_ASSERT(!ret, "pool destroy and create: %s", tl_errname(ret));
	TL_EXPECT_EQ(again, pool);
	/* Content checks fail, or the daemon dies of SIGBUS, if it did not. */
	fixed_phase(again);
	ret = tl_pool_destroy(fd, again);
	TL_ASSERT(!ret, "pool destroy: %s", tl_errname(ret));
	close(fd);
}

int main(void)
{
	struct dctl_opts o = {
		.disk = getenv("KVTIER_DISK"),
		.disk_size = "64M",
		.format = true,
		.write_policy = "back",
		.wm_high = "50",
		.wm_low = "25",
		.tick_ms = 20,
	};
	int ret;

	tl_init("daemon_tiers");
	dctl_require_disk();
	g_pool = tl_setup_pool(OBJ_SIZE, NSLOTS);
	ret = dctl_start(&g_d, "tiers", &o);
	if (ret) {
		printf("FAIL daemon_tiers:setup: kvtierd did not start: %s\n",
		       tl_errname(ret));
		tl_teardown_pool(g_pool);
		return 1;
	}

	tl_run("evict_and_fetch", case_evict_and_fetch);
	tl_run("shared_fetch", case_shared_fetch);
	tl_run("fixed_io_only", case_fixed_io_only);
	tl_run("late_pool_fixed", case_late_pool_fixed);

	/* A clean stop: exit status 0, and the stats line written. */
	ret = dctl_stop(&g_d);
	if (!ret && !dctl_log_has(&g_d, "stats why=exit"))
		ret = -ENODATA;
	if (ret)
		printf("FAIL daemon_tiers:clean_stop: %s\n", tl_errname(ret));
	else
		printf("PASS daemon_tiers:clean_stop\n");
	tl_teardown_pool(g_pool);
	return ret ? 1 : tl_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A region id reused by another tenant never receives the first tenant's
 * bytes (the audit's finding): tenant A (cgroup ra) stores a 64 KiB
 * object, registers a region, queues a DEVICE fetch into it at 64 KiB,
 * then lets the region go; tenant B (cgroup rb) registers its own memfd
 * region, filled with 0xBB, and gets the same id. kvtierd then runs the
 * work. B's memfd must still be all 0xBB, A's fetch must not succeed into
 * B's memory, and the daemon must count no byte it did not copy.
 *
 *   unregister: A unregisters the region, the daemon starts afterwards;
 *   close:      A closes its fd instead;
 *   live:       the daemon runs all along, A queues many copies and
 *               unregisters at once, B registers at once.
 *
 * The daemon runs without a disk tier: only HOST -> DEVICE copies.
 */
#include "daemon_ctl.h"
#include "dclient.h"
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define OBJ_SIZE (64u * 1024u)
#define NSLOTS 64u
#define REGION_SIZE (4u * OBJ_SIZE)
/* The live case: objects, and fetches of all of them, queued at once. */
#define LIVE_OBJS 16u
#define LIVE_ROUNDS 4u
#define LIVE_REGION_SIZE (LIVE_OBJS * OBJ_SIZE)
/* How long the daemon may take to finish what was queued, under TCG. */
#define SETTLE_MS 60000

static uint32_t g_pool;

/* A client of tenant (cgroup) @cg: opened from inside it. */
static struct kvtier *tenant_open(const char *cg)
{
	struct kvtier *kv = NULL;
	int ret;

	ret = tl_cg_enter(cg);
	TL_ASSERT_R(NULL, !ret, "enter cgroup %s: %s", cg, tl_errname(ret));
	ret = kvtier_open(&kv);
	TL_ASSERT_R(NULL, !ret, "kvtier_open in %s: %s", cg, tl_errname(ret));
	ret = tl_cg_leave();
	TL_ASSERT_R(NULL, !ret, "leave cgroup %s: %s", cg, tl_errname(ret));
	return kv;
}

/*
 * A sealed memfd region of @size bytes, every byte @fill before it is
 * registered (so that nothing can land in it unseen), mapped at r->mem.
 */
static int region_open_filled(struct kvtier *kv, size_t size,
			      unsigned char fill, struct dc_region *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->fd = memfd_create("t_daemon_region_reuse",
			     MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (r->fd < 0)
		return -errno;
	r->size = size;
	if (ftruncate(r->fd, (off_t)size) ||
	    fcntl(r->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return -errno;
	r->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->mem == MAP_FAILED) {
		r->mem = NULL;
		return -errno;
	}
	memset(r->mem, fill, size);
	ret = kvtier_region_register(kv, size, 0, r->fd,
				     KVTIER_REGION_KIND_MEMFD, &r->id);
	return ret;
}

/* The first byte of @r that is not @fill, or -1. */
static long region_first_other(const struct dc_region *r, unsigned char fill)
{
	const unsigned char *p = r->mem;
	size_t i;

	for (i = 0; i < r->size; i++)
		if (p[i] != fill)
			return (long)i;
	return -1;
}

/* Store @n objects of A's; acquire them into @handles. */
static bool store_objects(struct kvtier *a, uint64_t salt, uint32_t n,
			  kvtier_handle_t *handles)
{
	struct drm_kvtier_lookup_result res;
	struct drm_kvtier_key k;
	struct kvtier_map map;
	uint32_t i;
	int ret;

	ret = kvtier_map_pool(a, g_pool, PROT_READ | PROT_WRITE, &map);
	TL_ASSERT_R(false, !ret, "map pool: %s", tl_errname(ret));
	for (i = 0; i < n; i++) {
		k = dc_key(salt, i);
		ret = dc_store(a, &map, g_pool, &k, OBJ_SIZE, 0);
		TL_ASSERT_R(false, !ret, "store %u: %s", i, tl_errname(ret));
		ret = kvtier_lookup(a, &k, &res, 1, KVTIER_LOOKUP_ACQUIRE,
				    NULL);
		TL_ASSERT_R(false, ret >= 0 && res.handle,
			    "acquire %u: %s", i, tl_errname(ret));
		handles[i] = res.handle;
	}
	kvtier_unmap(&map);
	return true;
}

/*
 * Until the driver holds no work and the daemon has completed all it
 * took; then its stats in @st. A hang guard, not a timing assertion.
 */
static bool settle(struct kvtier *kv, struct dctl *d, struct dctl_stats *st)
{
	uint64_t end = tl_now_ns() + SETTLE_MS * 1000000ull, got, fin;
	struct drm_kvtier_stats ds;
	int ret;

	for (;;) {
		ret = kvtier_stats(kv, &ds);
		TL_ASSERT_R(false, !ret, "stats: %s", tl_errname(ret));
		ret = dctl_stats_now(d, st);
		TL_ASSERT_R(false, !ret, "daemon stats: %s", tl_errname(ret));
		got = dctl_stat(st, "work_received");
		fin = dctl_stat(st, "work_done") + dctl_stat(st, "work_failed");
		if (!ds.work_pending && got == fin)
			return true;
		if (tl_now_ns() > end) {
			dctl_dump(d, 20);
			tl_fail("work still pending: driver %llu, daemon took %llu finished %llu",
				(unsigned long long)ds.work_pending,
				(unsigned long long)got,
				(unsigned long long)fin);
			return false;
		}
		poll(NULL, 0, 20);
	}
}

static bool start_daemon(struct dctl *d, const char *name)
{
	struct dctl_opts o = { .tick_ms = 20, .verbose = true };
	int ret = dctl_start(d, name, &o);

	TL_ASSERT_R(false, !ret, "kvtierd did not start: %s", tl_errname(ret));
	return true;
}

static void stop_daemon(struct dctl *d)
{
	int ret = dctl_stop(d);

	if (ret)
		dctl_dump(d, 20);
	TL_ASSERT(!ret, "kvtierd did not stop cleanly: %s", tl_errname(ret));
}

/*
 * The audit's scenario with the work queued before any daemon runs;
 * A lets its region go by unregistering it (@close_fd false) or by
 * closing its fd.
 */
static void reuse_before_daemon(bool close_fd, const char *name)
{
	struct drm_kvtier_fetch_item it = { 0 };
	struct drm_kvtier_event_fetch ev;
	struct kvtier_fetch_ticket t;
	struct dc_region ra, rb = { .fd = -1 };
	struct kvtier *a, *b, *adm;
	struct dctl_stats st;
	struct drm_kvtier_lookup_result res;
	uint64_t salt = tl_key_salt();
	struct drm_kvtier_key k;
	struct dctl d = { 0 };
	kvtier_handle_t handle;
	long bad;
	int ret;

	adm = NULL;
	ret = kvtier_open(&adm);
	TL_ASSERT(!ret, "kvtier_open: %s", tl_errname(ret));
	TL_ASSERT(!tl_param(kvtier_fd(adm), KVTIER_PARAM_MANAGER_ATTACHED),
		  "a manager is attached already");
	a = tenant_open("ra");
	b = tenant_open("rb");
	if (!a || !b)
		return;
	if (!store_objects(a, salt, 1, &handle))
		return;
	ret = region_open_filled(a, REGION_SIZE, 0xaa, &ra);
	TL_ASSERT(!ret, "A's region: %s", tl_errname(ret));
	it.handle = handle;
	it.tier = KVTIER_TIER_DEVICE;
	it.region_id = ra.id;
	it.offset = OBJ_SIZE;
	ret = kvtier_fetch(a, &it, 1, 1, &t);
	TL_ASSERT(!ret, "A's fetch: %s", tl_errname(ret));
	TL_ASSERT(t.pending == 1, "A's fetch was not queued as work");

	if (close_fd) {
		kvtier_close(a);
		a = NULL;
	} else {
		ret = kvtier_region_unregister(a, ra.id);
		TL_ASSERT(!ret, "A unregisters: %s", tl_errname(ret));
	}
	ret = region_open_filled(b, REGION_SIZE, 0xbb, &rb);
	TL_ASSERT(!ret, "B's region: %s", tl_errname(ret));
	TL_ASSERT(rb.id == ra.id,
		  "B got region id %u, not A's %u: the scenario needs the id reused",
		  rb.id, ra.id);

	if (!start_daemon(&d, name))
		return;
	if (a) {
		/* A's fetch ends, and not as a copy into region rb.id. */
		ret = kvtier_fetch_wait(a, t.fetch_id, DC_FETCH_MS, &ev);
		TL_ASSERT(!ret, "A's fetch event: %s", tl_errname(ret));
		TL_ASSERT(ev.failed || ev.status,
			  "A's fetch into its unregistered region succeeded");
	}
	if (!settle(adm, &d, &st))
		return;
	bad = region_first_other(&rb, 0xbb);
	TL_ASSERT(bad < 0, "B's region byte %ld is 0x%02x: A's object landed in B's memory",
		  bad, bad < 0 ? 0 : ((unsigned char *)rb.mem)[bad]);
	TL_EXPECT_EQ(dctl_stat(&st, "bytes_copied"), 0);
	TL_EXPECT_EQ(dctl_stat(&st, "work_done"), 0);
	stop_daemon(&d);
	dc_region_close(b, &rb);
	if (a) {
		kvtier_release(a, &handle, 1, NULL);
		kvtier_free(a, &handle, 1, NULL);
		ra.id = 0;
		dc_region_close(a, &ra);
		kvtier_close(a);
	} else {
		munmap(ra.mem, ra.size);
		close(ra.fd);
		/* The object outlived A's fd: free it as tenant A again. */
		a = tenant_open("ra");
		k = dc_key(salt, 0);
		if (a && dc_tiers(a, &k, &res) >= 0)
			kvtier_free(a, &res.handle, 1, NULL);
		kvtier_close(a);
	}
	kvtier_close(b);
	kvtier_close(adm);
}

static void case_unregister(void)
{
	reuse_before_daemon(false, "reuse-unregister");
}

static void case_close(void)
{
	reuse_before_daemon(true, "reuse-close");
}

/*
 * The daemon runs all along: A queues LIVE_ROUNDS fetches of LIVE_OBJS
 * objects into its region and unregisters it at once; B registers at
 * once. Whatever the interleaving, B's region stays all 0xBB, and the
 * daemon counts the bytes of exactly the copies it completed.
 */
static void case_live(void)
{
	struct drm_kvtier_fetch_item it[LIVE_OBJS];
	struct kvtier_fetch_ticket t[LIVE_ROUNDS];
	struct drm_kvtier_event_fetch ev;
	kvtier_handle_t handles[LIVE_OBJS];
	struct dc_region ra, rb = { .fd = -1 };
	struct kvtier *a, *b, *adm = NULL;
	struct dctl_stats st;
	uint64_t salt = tl_key_salt();
	struct drm_kvtier_key k;
	struct dctl d = { 0 };
	uint32_t i, r, failed = 0;
	long bad;
	int ret;

	ret = kvtier_open(&adm);
	TL_ASSERT(!ret, "kvtier_open: %s", tl_errname(ret));
	a = tenant_open("ra");
	b = tenant_open("rb");
	if (!a || !b)
		return;
	if (!store_objects(a, salt, LIVE_OBJS, handles))
		return;
	if (!start_daemon(&d, "reuse-live"))
		return;
	ret = region_open_filled(a, LIVE_REGION_SIZE, 0xaa, &ra);
	TL_ASSERT(!ret, "A's region: %s", tl_errname(ret));
	/* The daemon copies into a region it is given the generation of. */
	it[0] = (struct drm_kvtier_fetch_item){
		.handle = handles[0],
		.tier = KVTIER_TIER_DEVICE,
		.region_id = ra.id,
	};
	ret = kvtier_fetch(a, it, 1, 99, &t[0]);
	TL_ASSERT(!ret && t[0].pending, "A's first fetch: %s, %u pending",
		  tl_errname(ret), t[0].pending);
	ret = kvtier_fetch_wait(a, t[0].fetch_id, DC_FETCH_MS, &ev);
	TL_ASSERT(!ret && !ev.failed && !ev.status,
		  "A's first fetch: %s, status %d", tl_errname(ret), ev.status);
	k = dc_key(salt, 0);
	TL_ASSERT(!dc_check(ra.mem, OBJ_SIZE, &k, "A's region"),
		  "A's first fetch: wrong bytes");
	for (i = 0; i < LIVE_OBJS; i++)
		it[i] = (struct drm_kvtier_fetch_item){
			.handle = handles[i],
			.tier = KVTIER_TIER_DEVICE,
			.region_id = ra.id,
			.offset = (uint64_t)i * OBJ_SIZE,
		};
	for (r = 0; r < LIVE_ROUNDS; r++) {
		ret = kvtier_fetch(a, it, LIVE_OBJS, r + 1, &t[r]);
		TL_ASSERT(!ret || ret == -EAGAIN, "A's fetch %u: %s", r,
			  tl_errname(ret));
	}
	ret = kvtier_region_unregister(a, ra.id);
	TL_ASSERT(!ret, "A unregisters: %s", tl_errname(ret));
	ret = region_open_filled(b, LIVE_REGION_SIZE, 0xbb, &rb);
	TL_ASSERT(!ret, "B's region: %s", tl_errname(ret));
	TL_ASSERT(rb.id == ra.id,
		  "B got region id %u, not A's %u: the scenario needs the id reused",
		  rb.id, ra.id);

	for (r = 0; r < LIVE_ROUNDS; r++) {
		if (!t[r].pending)
			continue;
		ret = kvtier_fetch_wait(a, t[r].fetch_id, DC_FETCH_MS, &ev);
		TL_ASSERT(!ret, "A's fetch %u event: %s", r, tl_errname(ret));
		failed += ev.failed;
	}
	if (!settle(adm, &d, &st))
		return;
	bad = region_first_other(&rb, 0xbb);
	TL_ASSERT(bad < 0, "B's region byte %ld is 0x%02x: A's object landed in B's memory",
		  bad, bad < 0 ? 0 : ((unsigned char *)rb.mem)[bad]);
	/* Bytes for the copies it made, none for those it refused. */
	TL_EXPECT_EQ(dctl_stat(&st, "bytes_copied"),
		     dctl_stat(&st, "work_done") * OBJ_SIZE);
	TL_EXPECT_EQ(dctl_stat(&st, "work_done") +
			     dctl_stat(&st, "work_failed"),
		     dctl_stat(&st, "work_received"));
	printf("# live: %u of %u fetched objects failed; daemon: %llu done, %llu failed, %llu stale\n",
	       failed, LIVE_OBJS * LIVE_ROUNDS,
	       (unsigned long long)dctl_stat(&st, "work_done"),
	       (unsigned long long)dctl_stat(&st, "work_failed"),
	       (unsigned long long)dctl_stat(&st, "work_stale"));
	stop_daemon(&d);
	dc_region_close(b, &rb);
	kvtier_release(a, handles, LIVE_OBJS, NULL);
	kvtier_free(a, handles, LIVE_OBJS, NULL);
	ra.id = 0;
	dc_region_close(a, &ra);
	kvtier_close(a);
	kvtier_close(b);
	kvtier_close(adm);
}

int main(void)
{
	int ret;

	tl_init("daemon_region_reuse");
	if (!dctl_binary()) {
		printf("SKIP daemon_region_reuse: no kvtierd to run\n");
		return 77;
	}
	ret = tl_cg_create("ra", NULL);
	if (!ret)
		ret = tl_cg_create("rb", NULL);
	if (ret) {
		printf("FAIL daemon_region_reuse:setup: cgroups: %s\n",
		       tl_errname(ret));
		return 1;
	}
	g_pool = tl_setup_pool(OBJ_SIZE, NSLOTS);
	tl_run("unregister", case_unregister);
	tl_run("close", case_close);
	tl_run("live", case_live);
	tl_teardown_pool(g_pool);
	tl_cg_remove("ra");
	tl_cg_remove("rb");
	return tl_finish();
}

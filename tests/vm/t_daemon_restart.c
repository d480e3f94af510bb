// SPDX-License-Identifier: GPL-2.0
/*
 * Restart without loss (issue 3): kill -9 of kvtierd in the middle of a
 * workload, then a new daemon.
 *
 * A client process stores objects (alloc, fill, commit) into a pool too
 * small for them, looking up and fetching earlier ones as it goes, while
 * the daemon evicts to its disk tier on the VM's virtual disk. Half-way,
 * the case pauses the client, fetches disk-only objects itself, and kills
 * the daemon with SIGKILL while that work is in flight. Then:
 *
 *   - with no daemon, the host pool is intact: every object the driver
 *     says is in HOST holds its bytes;
 *   - a new daemon starts on the same disk: its recovered index covers
 *     every object the driver says is on disk (none lost on disk);
 *   - the work in flight completes: the case's fetch event arrives, and
 *     the bytes are right;
 *   - the client carries on to the end, every fetch checked;
 *   - the counts hold: committed = present + dropped by policy (summed
 *     over both daemons' logs), so lost = 0; and the driver evicted
 *     exactly the objects the daemons say their policies dropped.
 *
 * Two cases: write-back on eviction (nothing may be dropped), and the
 * default selective:1 (never-hit objects are dropped by policy, counted).
 */
#include "daemon_ctl.h"
#include "dclient.h"
#include "tlib.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define OBJ_SIZE (64u * 1024u)
#define NSLOTS 64u
/* Objects the client commits: two and a half pools' worth. */
#define NOBJ 160u
/* The case stops the client and kills the daemon after this many. */
#define KILL_AT (NOBJ / 2)
/* Most objects the case fetches across the kill. */
#define NFLIGHT 16u
/* How long the case waits for the daemon to take its work before killing. */
#define DISPATCH_WAIT_MS 50
/* Long enough for the daemon to be down and come back under TCG. */
#define STORE_WAIT_MS 60000
/* The rest of the client's work after the restart. */
#define CLIENT_MS 90000

static uint32_t g_pool;

struct shared {
	uint64_t salt;
	uint32_t progress;	/* objects committed so far */
	uint32_t fetched;	/* the client's fetches that checked out */
	uint32_t missed;	/* its lookups of earlier keys that missed */
	uint8_t committed[NOBJ];
};

static struct shared *g_sh;

static void workload(void *arg TL_UNUSED)
{
	struct drm_kvtier_key k;
	struct kvtier_map map;
	struct kvtier *kv;
	uint64_t rnd = g_sh->salt, end;
	uint32_t i, j;
	int ret;

	ret = kvtier_open(&kv);
	TL_ASSERT(!ret, "client: open: %s", tl_errname(ret));
	ret = kvtier_map_pool(kv, g_pool, PROT_READ | PROT_WRITE, &map);
	TL_ASSERT(!ret, "client: map: %s", tl_errname(ret));
	for (i = 0; i < NOBJ; i++) {
		k = dc_key(g_sh->salt, i);
		ret = dc_store(kv, &map, g_pool, &k, OBJ_SIZE, STORE_WAIT_MS);
		TL_ASSERT(!ret, "client: store %u: %s", i, tl_errname(ret));
		g_sh->committed[i] = 1;
		__atomic_store_n(&g_sh->progress, i + 1, __ATOMIC_SEQ_CST);
		if (i % 3 != 2)
			continue;
		/* An engine finding an earlier prompt's block again. */
		rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
		j = (uint32_t)((rnd >> 33) % i);
		k = dc_key(g_sh->salt, j);
		/*
		 * A DISK-only object needs free slots, which a full pool
		 * refuses (-ENOSPC) until a daemon makes room: between the
		 * kill and the second daemon's first pass, no one does. An
		 * engine retries, as dc_store() does for its stores.
		 */
		end = tl_now_ns() + STORE_WAIT_MS * 1000000ull;
		while ((ret = dc_fetch_host_check(kv, &map, &k, NULL)) ==
		       -ENOSPC && tl_now_ns() < end)
			poll(NULL, 0, 10);
		if (ret == -ENOENT) {
			/* Dropped by a policy: the final count says whether. */
			g_sh->missed++;
			continue;
		}
		TL_ASSERT(!ret, "client: fetch of %u: %s", j, tl_errname(ret));
		g_sh->fetched++;
	}
	kvtier_unmap(&map);
	kvtier_close(kv);
}

static bool wait_progress(uint32_t n, pid_t child)
{
	uint64_t end = tl_now_ns() + 120000ull * 1000000ull;

	while (__atomic_load_n(&g_sh->progress, __ATOMIC_SEQ_CST) < n) {
		TL_ASSERT_R(false, tl_now_ns() < end,
			    "the client stalled at %u objects", g_sh->progress);
		TL_ASSERT_R(false, !tl_failed(), "the client failed");
		TL_ASSERT_R(false, kill(child, 0) == 0, "the client is gone");
		poll(NULL, 0, 10);
	}
	return true;
}

/* Tier bits of every committed key (-ENOENT absent) into @tiers. */
static void snapshot(struct kvtier *kv, int *tiers)
{
	struct drm_kvtier_key k;
	uint32_t i;

	for (i = 0; i < NOBJ; i++) {
		k = dc_key(g_sh->salt, i);
		tiers[i] = g_sh->committed[i] ? dc_tiers(kv, &k, NULL) : -ENOENT;
	}
}

static void restart_case(const char *policy, bool may_drop)
{
	const uint32_t host = KVTIER_TIER_BIT(KVTIER_TIER_HOST);
	const uint32_t disk = KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	struct dctl_opts o = {
		.disk = getenv("KVTIER_DISK"),
		.disk_size = "64M",
		.format = true,
		.write_policy = policy,
		.wm_high = "50",
		.wm_low = "25",
		.tick_ms = 20,
	};
	struct drm_kvtier_fetch_item items[NFLIGHT];
	struct drm_kvtier_key fkeys[NFLIGHT];
	kvtier_handle_t handles[NFLIGHT];
	struct drm_kvtier_event_fetch ev;
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_stats s0, sk, s;
	struct kvtier_fetch_ticket t;
	struct dctl_stats st2;
	struct drm_kvtier_key k;
	struct kvtier_map map;
	struct dctl d1, d2;
	struct kvtier *kv;
	static int tiers[NOBJ];
	uint32_t i, j, n = 0, on_disk = 0, in_host = 0, committed = 0;
	uint32_t present = 0;
	struct dctl_drops drops1, drops2;
	struct drm_kvtier_pool_info pi;
	uint64_t room;
	long long dropped, missing, lost;
	uint64_t end;
	bool dispatched = false;
	char name[64];
	pid_t child;
	int ret, wst;

	g_sh = tl_shared_alloc(sizeof(*g_sh));
	TL_ASSERT(g_sh, "shared memory");
	g_sh->salt = tl_key_salt();
	ret = kvtier_open(&kv);
	TL_ASSERT(!ret, "open: %s", tl_errname(ret));
	ret = kvtier_map_pool(kv, g_pool, PROT_READ | PROT_WRITE, &map);
	TL_ASSERT(!ret, "map: %s", tl_errname(ret));
	snprintf(name, sizeof(name), "restart-%s-1", policy);
	ret = dctl_start(&d1, name, &o);
	TL_ASSERT(!ret, "first daemon: %s", tl_errname(ret));
	s0 = dc_stats(kv);

	child = tl_spawn(workload, NULL);
	TL_ASSERT(child > 0, "fork");
	if (!wait_progress(KILL_AT, child))
		return;
	/* Hold the client still, so that the snapshots mean something. */
	kill(child, SIGSTOP);

	/*
	 * Disk-only objects, fetched back, the daemon killed meanwhile. The
	 * daemon keeps running: evictions whose writes are in flight turn
	 * into disk-only objects as the writes land.
	 */
	end = tl_now_ns() + 30000ull * 1000000ull;
	do {
		memset(items, 0, sizeof(items));
		n = 0;
		/* As many as the pool has free slots for (it may be full). */
		room = 0;
		if (!kvtier_pool_info(kv, g_pool, &pi))
			room = pi.slot_count - pi.slots_used;
		if (room > NFLIGHT)
			room = NFLIGHT;
		for (i = 0; i < NOBJ && n < room; i++) {
			k = dc_key(g_sh->salt, i);
			if (!g_sh->committed[i] ||
			    dc_tiers(kv, &k, NULL) != (int)disk)
				continue;
			ret = kvtier_lookup(kv, &k, &r, 1,
					    KVTIER_LOOKUP_ACQUIRE, NULL);
			if (ret != 1 || r.tiers != disk) {
				if (ret == 1)
					kvtier_release(kv, &r.handle, 1, NULL);
				continue;
			}
			fkeys[n] = k;
			items[n].handle = r.handle;
			items[n++].tier = KVTIER_TIER_HOST;
		}
		if (!n)
			poll(NULL, 0, 20);
	} while (!n && tl_now_ns() < end);
	if (!n)
		dctl_dump(&d1, 30);
	TL_ASSERT(n > 0, "no object only on disk after %u stores", KILL_AT);
	sk = dc_stats(kv);
	ret = kvtier_fetch(kv, items, n, 42, &t);
	/* A pool short of free slots refuses some items: keep the rest. */
	TL_ASSERT((!ret || ret == -ENOSPC) && t.pending > 0,
		  "fetch of %u disk objects: %s, %u pending", n,
		  tl_errname(ret), t.pending);
	for (i = 0, j = 0; i < n; i++) {
		if (items[i].result != 1) {
			kvtier_release(kv, &items[i].handle, 1, NULL);
			continue;
		}
		fkeys[j] = fkeys[i];
		items[j++] = items[i];
	}
	n = j;
	TL_EXPECT_EQ(n, t.pending);
	/* Give the daemon a moment to take the work, then kill it. */
	end = tl_now_ns() + DISPATCH_WAIT_MS * 1000000ull;
	do {
		s = dc_stats(kv);
		dispatched = s.work_dispatched > sk.work_dispatched;
	} while (!dispatched && tl_now_ns() < end);
	ret = dctl_kill(&d1);
	TL_ASSERT(!ret, "kill -9: %s", tl_errname(ret));
	s = dc_stats(kv);
	fprintf(stderr, "restart(%s): killed with %llu work items pending (%s)\n",
		policy, (unsigned long long)s.work_pending,
		dispatched ? "taken by the daemon" : "not yet taken");
	TL_ASSERT(s.work_pending > 0,
		  "the fetch's work completed before the kill: nothing in flight");
	TL_ASSERT(tl_no_event(kvtier_fd(kv)),
		  "a completion event although work is pending");

	/* No daemon: the pool holds what it held, byte for byte. */
	snapshot(kv, tiers);
	for (i = 0; i < NOBJ; i++) {
		if (tiers[i] < 0)
			continue;
		k = dc_key(g_sh->salt, i);
		on_disk += !!(tiers[i] & disk);
		if (!(tiers[i] & host))
			continue;
		in_host++;
		ret = dc_tiers(kv, &k, &r);
		TL_ASSERT(ret >= 0, "object %u vanished", i);
		ret = dc_check(kvtier_map_ptr(&map, r.offset, OBJ_SIZE),
			       OBJ_SIZE, &k, "host after kill");
		TL_ASSERT(!ret, "object %u in host changed across the kill", i);
	}

	snprintf(name, sizeof(name), "restart-%s-2", policy);
	o.format = false;
	ret = dctl_start(&d2, name, &o);
	TL_ASSERT(!ret, "second daemon: %s", tl_errname(ret));
	TL_ASSERT(dctl_log_has(&d2, "reconcile:"), "no reconcile line");

	/* The work in flight completes under the new daemon. */
	ret = kvtier_fetch_wait(kv, t.fetch_id, DC_FETCH_MS, &ev);
	if (ret || ev.status)
		dctl_dump(&d2, 30);
	TL_ASSERT(!ret, "the in-flight fetch's event: %s", tl_errname(ret));
	TL_ASSERT(ev.status == 0 && ev.completed == n && ev.user_data == 42,
		  "in-flight fetch: %u completed, %u failed, status %d",
		  ev.completed, ev.failed, ev.status);
	for (i = 0; i < n; i++) {
		ret = dc_tiers(kv, &fkeys[i], &r);
		TL_ASSERT(ret >= 0 && (ret & host), "fetched object %u not in host",
			  i);
		ret = dc_check(kvtier_map_ptr(&map, r.offset, OBJ_SIZE),
			       OBJ_SIZE, &fkeys[i], "fetched across the kill");
		TL_ASSERT(!ret, "object fetched across the kill: wrong bytes");
		handles[i] = items[i].handle;
	}
	ret = kvtier_release(kv, handles, n, NULL);
	TL_ASSERT(!ret, "release: %s", tl_errname(ret));

	kill(child, SIGCONT);
	ret = tl_wait(child, CLIENT_MS, &wst);
	TL_ASSERT(!ret, "the client did not finish: %s", tl_errname(ret));
	TL_ASSERT(WIFEXITED(wst) && WEXITSTATUS(wst) == 0 && !tl_failed(),
		  "the client failed (wait status 0x%x)", wst);

	/* A clean stop writes the stats line; then nothing moves. */
	ret = dctl_stop(&d2);
	TL_ASSERT(!ret, "stopping the second daemon: %s", tl_errname(ret));
	ret = dctl_stats_last(&d2, &st2);
	TL_ASSERT(!ret, "no stats line from the second daemon");
	TL_EXPECT_EQ(dctl_stat(&st2, "lost_on_disk"), 0);
	TL_ASSERT(dctl_stat(&st2, "disk_recovered") >= on_disk,
		  "%llu objects recovered from disk, the driver had %u on disk",
		  (unsigned long long)dctl_stat(&st2, "disk_recovered"),
		  on_disk);

	snapshot(kv, tiers);
	for (i = 0; i < NOBJ; i++) {
		committed += g_sh->committed[i];
		present += tiers[i] >= 0;
	}
	ret = dctl_policy_drops(&d1, &drops1);
	if (!ret)
		ret = dctl_policy_drops(&d2, &drops2);
	TL_ASSERT(!ret, "reading the daemons' logs: %s", tl_errname(ret));
	/* The second daemon stopped cleanly: every pass of it summed up. */
	TL_EXPECT_EQ(drops2.decided, 0);
	dropped = drops1.done + drops2.done;
	missing = (long long)committed - present;
	s = dc_stats(kv);
	fprintf(stderr, "restart(%s): committed %u, present %u (%u in host, %u on disk at the kill), dropped by policy %lld + %lld (and %lld decided as the first daemon died), missing %lld; client fetches %u, misses %u; driver frees %llu\n",
		policy, committed, present, in_host, on_disk, drops1.done,
		drops2.done, drops1.decided, missing, g_sh->fetched,
		g_sh->missed, (unsigned long long)(s.frees - s0.frees));
	TL_EXPECT_EQ(committed, NOBJ);
	/*
	 * lost = committed - present - dropped by policy = 0, where a drop
	 * decided by the killed daemon may or may not have happened.
	 */
	lost = missing - dropped;
	TL_ASSERT(lost >= 0 && lost <= drops1.decided,
		  "lost %lld objects: committed %u, present %u, dropped by policy %lld (%lld more decided)",
		  lost, committed, present, dropped, drops1.decided);
	/* What the driver evicted is exactly what is missing. */
	TL_EXPECT_EQ(s.frees - s0.frees, (uint64_t)missing);
	if (!may_drop)
		TL_EXPECT_EQ(missing, 0);
	TL_ASSERT(g_sh->fetched > 0, "the client's fetches never hit");

	for (i = 0; i < NOBJ; i++) {
		k = dc_key(g_sh->salt, i);
		if (dc_tiers(kv, &k, &r) >= 0)
			kvtier_free(kv, &r.handle, 1, NULL);
	}
	kvtier_unmap(&map);
	kvtier_close(kv);
}

static void case_kill9_write_back(void)
{
	restart_case("back", false);
}

static void case_kill9_selective(void)
{
	restart_case("selective:1", true);
}

int main(void)
{
	tl_init("daemon_restart");
	dctl_require_disk();
	g_pool = tl_setup_pool(OBJ_SIZE, NSLOTS);
	tl_run("kill9_write_back", case_kill9_write_back);
	tl_run("kill9_selective", case_kill9_selective);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

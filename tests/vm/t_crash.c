// SPDX-License-Identifier: GPL-2.0
/*
 * A crashed client leaks nothing: a process holding references, HOST pins
 * (taken with PIN and with FETCH), WRITING objects, a mapping and a region
 * is killed with SIGKILL. Afterwards the pool holds exactly the committed
 * objects' slots; those stay with the tenant, unpinned, and another client
 * of the tenant finds and frees them; the WRITING ones are gone with their
 * keys.
 */
#include "tlib.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NSLOTS 64
#define NCOMMITTED 4
#define NWRITING 2

static uint32_t g_pool;
static uint64_t g_page;

/* Slots of the committed and the WRITING objects the victim makes. */
static const uint32_t committed_slots[NCOMMITTED] = { 1, 2, 1, 3 };
static const uint32_t writing_slots[NWRITING] = { 2, 1 };

struct shared {
	struct tl_chan up, never;
	uint64_t round;
};

static struct shared *g_sh;

static uint32_t sum(const uint32_t *v, int n)
{
	uint32_t s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

static int open_tenant(void)
{
	int err = tl_cg_enter("crash"), fd;

	if (err) {
		tl_fail("enter cgroup: %s", tl_errname(err));
		return err;
	}
	fd = tl_open_user();
	if (fd < 0)
		tl_fail("open: %s", tl_errname(fd));
	return fd;
}

/* Key @i of round @round: committed keys 0..3, WRITING keys 10..11. */
static struct drm_kvtier_key rkey(uint64_t round, uint64_t i)
{
	return tl_key(round * 100 + i);
}

static void victim_build(void)
{
	struct drm_kvtier_region_register reg = { .size = 1 << 20 };
	struct drm_kvtier_alloc_item c[NCOMMITTED], w;
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_fetch f;
	uint64_t round = g_sh->round;
	uint8_t *p;
	int fd = open_tenant(), i;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_pool_info(fd, g_pool, &pi), 0);
	p = tl_pool_map(fd, &pi);
	TL_ASSERT(p, "mmap");
	for (i = 0; i < NCOMMITTED; i++) {
		TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, rkey(round, i),
				       committed_slots[i] * g_page, &c[i]), 0);
		/* Fault its pages into the mapping, before the commit. */
		memset(p + c[i].offset, i + 1, committed_slots[i] * g_page);
		TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, c[i].handle, 0), 0);
	}
	/* c0: pinned with PIN, twice. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_PIN, c[0].handle, KVTIER_TIER_HOST),
		     0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_PIN, c[0].handle, KVTIER_TIER_HOST),
		     0);
	/* c1: pinned by a fetch of its resident HOST copy. */
	TL_EXPECT_RC(tl_fetch1(fd, c[1].handle, KVTIER_TIER_HOST, 0, 0, 0, &f,
			       &fi), 0);
	TL_EXPECT_RC(fi.result, 0);
	/* c2: only referenced. c3: released, then acquired back twice. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, c[3].handle, 0), 0);
	TL_EXPECT_RC(tl_lookup1(fd, rkey(round, 3), KVTIER_LOOKUP_ACQUIRE, &r),
		     0);
	TL_EXPECT_EQ(r.handle, c[3].handle);
	TL_EXPECT_RC(tl_lookup1(fd, rkey(round, 3), KVTIER_LOOKUP_ACQUIRE, &r),
		     0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_PIN, c[3].handle, KVTIER_TIER_HOST),
		     0);
	for (i = 0; i < NWRITING; i++) {
		TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, rkey(round, 10 + i),
				       writing_slots[i] * g_page, &w), 0);
		memset(p + w.offset, 0xee, g_page);
	}
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &reg), 0);
}

static void victim(void *arg TL_UNUSED)
{
	uint64_t v;

	/* The fd stays open: victim_build() leaves it to the kill. */
	victim_build();
	tl_chan_send(&g_sh->up, tl_failed() ? 0 : 1);
	if (tl_failed())
		return;
	/* Wait to be killed; nothing ever arrives on this channel. */
	tl_chan_recv(&g_sh->never, &v, TL_WAIT_MS);
	tl_fail("victim was not killed");
}

static void survivor(void *arg TL_UNUSED)
{
	struct drm_kvtier_alloc_item w;
	struct drm_kvtier_lookup_result r;
	uint64_t round = g_sh->round;
	int fd = open_tenant(), i;

	TL_ASSERT(fd >= 0, "no fd");
	for (i = 0; i < NCOMMITTED; i++) {
		TL_EXPECT_RC(tl_lookup1(fd, rkey(round, i),
					KVTIER_LOOKUP_ACQUIRE, &r), 0);
		TL_ASSERT(r.handle != 0, "committed object %d lost", i);
		TL_EXPECT_EQ(r.size, committed_slots[i] * g_page);
		/* No pin survived its client: free works at once. */
		TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, r.handle, 0), 0);
		TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, r.handle, 0), 0);
	}
	/* The WRITING objects' keys were released with them. */
	for (i = 0; i < NWRITING; i++) {
		TL_EXPECT_RC(tl_lookup1(fd, rkey(round, 10 + i), 0, &r), 0);
		TL_EXPECT_EQ(r.handle, 0);
		TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, rkey(round, 10 + i),
				       g_page, &w), 0);
	}
}

/* One round: the victim builds its state, dies, the survivor cleans up. */
static void crash_round(int fd, uint64_t round)
{
	struct drm_kvtier_stats s0, s1;
	struct drm_kvtier_tenant_usage u;
	uint64_t used0, v, cg;
	int st = 0;
	pid_t pid;

	TL_EXPECT_RC(tl_cg_create("crash", &cg), 0);
	g_sh->round = round;
	used0 = tl_pool_used(fd, g_pool);
	TL_EXPECT_RC(tl_stats(fd, &s0), 0);
	pid = tl_spawn(victim, NULL);
	TL_ASSERT(pid > 0, "fork");
	if (tl_chan_recv(&g_sh->up, &v, TL_WAIT_MS) || v != 1) {
		tl_join(pid, "victim");
		TL_ASSERT(0, "victim did not get ready");
	}
	TL_EXPECT_EQ(tl_pool_used(fd, g_pool),
		     used0 + sum(committed_slots, NCOMMITTED) +
			     sum(writing_slots, NWRITING));
	TL_ASSERT(kill(pid, SIGKILL) == 0, "kill");
	TL_EXPECT_RC(tl_wait(pid, TL_WAIT_MS, &st), 0);
	TL_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		  "victim ended with status 0x%x", st);
	/* Exactly the committed objects remain, charged to the tenant. */
	TL_EXPECT_EQ(tl_pool_used(fd, g_pool),
		     used0 + sum(committed_slots, NCOMMITTED));
	TL_EXPECT_RC(tl_tenant_info(fd, cg, g_pool, &u), 0);
	TL_EXPECT_EQ(u.slots_used, sum(committed_slots, NCOMMITTED));
	TL_EXPECT_EQ(u.objects, NCOMMITTED);
	TL_EXPECT_RC(tl_stats(fd, &s1), 0);
	TL_EXPECT_EQ(s1.clients, s0.clients);
	TL_EXPECT_EQ(s1.by_state[KVTIER_STATE_WRITING],
		     s0.by_state[KVTIER_STATE_WRITING]);
	TL_EXPECT_EQ(s1.by_state[KVTIER_STATE_READY],
		     s0.by_state[KVTIER_STATE_READY] + NCOMMITTED);
	TL_EXPECT_EQ(s1.work_pending, s0.work_pending);
	if (!tl_join(tl_spawn(survivor, NULL), "survivor"))
		return;
	/* The survivor freed everything; its WRITING objects died with it. */
	TL_EXPECT_EQ(tl_pool_used(fd, g_pool), used0);
	TL_EXPECT_RC(tl_tenant_info(fd, cg, g_pool, &u), 0);
	TL_EXPECT_EQ(u.slots_used, 0);
	TL_EXPECT_EQ(u.objects, 0);
	tl_cg_remove("crash");
}

static bool setup_shared(void)
{
	g_sh = tl_shared_alloc(sizeof(*g_sh));
	return g_sh && !tl_chan_init(&g_sh->up) && !tl_chan_init(&g_sh->never);
}

static void case_sigkill_releases(void)
{
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_ASSERT(setup_shared(), "shared memory");
	crash_round(fd, 1);
}

static void case_sigkill_repeated(void)
{
	uint64_t round;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_ASSERT(setup_shared(), "shared memory");
	for (round = 2; round < 7 && !tl_failed(); round++)
		crash_round(fd, round);
}

int main(void)
{
	tl_init("crash");
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, NSLOTS);
	tl_run("sigkill_releases", case_sigkill_releases);
	tl_run("sigkill_repeated", case_sigkill_repeated);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Quotas and capacity: allocation is all or nothing. A batch that would
 * cross the tenant's quota fails with -EDQUOT, one that does not fit the
 * pool with -ENOSPC; either way nothing is allocated, no key is kept, and
 * failed_index names the item. Quota refusals are counted.
 */
#include "tlib.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define NSLOTS 32

static uint32_t g_pool;
static uint64_t g_page;

struct shared {
	struct tl_chan up, down;
	uint64_t tenant;
};

static struct shared *g_sh;

static bool setup_shared(void)
{
	g_sh = tl_shared_alloc(sizeof(*g_sh));
	return g_sh && !tl_chan_init(&g_sh->up) && !tl_chan_init(&g_sh->down);
}

static int set_quota(int fd, uint64_t tenant, uint32_t pool, uint64_t max)
{
	struct drm_kvtier_tenant_quota q = {
		.tenant_id = tenant,
		.pool_id = pool,
		.max_slots = max,
	};

	return tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_QUOTA, &q);
}

static int open_tenant(const char *cg)
{
	int err = tl_cg_enter(cg), fd;

	if (err) {
		tl_fail("enter cgroup: %s", tl_errname(err));
		return err;
	}
	fd = tl_open_user();
	if (fd < 0)
		tl_fail("open: %s", tl_errname(fd));
	return fd;
}

static struct drm_kvtier_alloc_item item(uint64_t n, uint64_t slots)
{
	struct drm_kvtier_alloc_item it = { .key = tl_key(n),
					    .size = slots * g_page };

	return it;
}

/* ---- EDQUOT -------------------------------------------------------------- */

static void tenant_edquot(void *arg TL_UNUSED)
{
	struct drm_kvtier_alloc_item it[2], one;
	struct drm_kvtier_tenant_usage u0, u1;
	struct drm_kvtier_stats s0, s1;
	uint64_t used0;
	uint32_t fi;
	int fd = open_tenant("q");

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u0), 0);
	TL_EXPECT_EQ(u0.max_slots, 8);
	it[0] = item(1, 2);
	it[1] = item(2, 3);
	TL_EXPECT_RC(tl_alloc(fd, g_pool, 0, it, 2, &fi), 0);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u0), 0);
	TL_EXPECT_EQ(u0.slots_used, 5);
	TL_EXPECT_RC(tl_stats(fd, &s0), 0);
	used0 = tl_pool_used(fd, g_pool);
	/* 5 + 1 + 3 = 9 > 8: the second item crosses the quota. */
	it[0] = item(3, 1);
	it[1] = item(4, 3);
	TL_EXPECT_RC(tl_alloc(fd, g_pool, 0, it, 2, &fi), -EDQUOT);
	TL_EXPECT_EQ(fi, 1);
	TL_EXPECT_EQ(tl_pool_used(fd, g_pool), used0);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u1), 0);
	TL_EXPECT_EQ(u1.slots_used, 5);
	TL_EXPECT_EQ(u1.objects, 2);
	TL_EXPECT_EQ(u1.quota_refusals, u0.quota_refusals + 1);
	TL_EXPECT_RC(tl_stats(fd, &s1), 0);
	TL_EXPECT_EQ(s1.quota_refusals, s0.quota_refusals + 1);
	TL_EXPECT_EQ(s1.allocs, s0.allocs);
	TL_EXPECT_EQ(s1.objects, s0.objects);
	/* Neither key was kept: both can be allocated, up to the quota. */
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(3), g_page, &one), 0);
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(4), 2 * g_page, &one), 0);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u1), 0);
	TL_EXPECT_EQ(u1.slots_used, 8);
	/* At the quota: one more slot is refused, and counted. */
	it[0] = item(5, 1);
	TL_EXPECT_RC(tl_alloc(fd, g_pool, 0, it, 1, &fi), -EDQUOT);
	TL_EXPECT_EQ(fi, 0);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u1), 0);
	TL_EXPECT_EQ(u1.quota_refusals, u0.quota_refusals + 2);
	TL_EXPECT_EQ(u1.slots_used, 8);
}

static void case_edquot_all_or_nothing(void)
{
	uint64_t cg, used0;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_cg_create("q", &cg), 0);
	TL_EXPECT_RC(set_quota(fd, cg, g_pool, 8), 0);
	used0 = tl_pool_used(fd, g_pool);
	tl_join(tl_spawn(tenant_edquot, NULL), "tenant");
	/* Its objects were WRITING: gone with its fd. */
	TL_EXPECT_EQ(tl_pool_used(fd, g_pool), used0);
	tl_cg_remove("q");
}

/* ---- changing the quota -------------------------------------------------- */

static void tenant_quota_changes(void *arg TL_UNUSED)
{
	struct drm_kvtier_alloc_item it[2], one;
	struct drm_kvtier_tenant_usage u;
	uint64_t v;
	int fd = open_tenant("q2");

	TL_ASSERT(fd >= 0, "no fd");
	g_sh->tenant = tl_param(fd, KVTIER_PARAM_TENANT_ID);
	it[0] = item(1, 2);
	it[1] = item(2, 2);
	TL_EXPECT_RC(tl_alloc(fd, g_pool, 0, it, 2, NULL), 0);
	TL_EXPECT_RC(tl_chan_send(&g_sh->up, 1), 0);
	/* The admin lowers the quota to 2, below the 4 slots held. */
	TL_EXPECT_RC(tl_chan_recv(&g_sh->down, &v, TL_WAIT_MS), 0);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u), 0);
	TL_EXPECT_EQ(u.max_slots, 2);
	TL_EXPECT_EQ(u.slots_used, 4);
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(3), g_page, &one),
		     -EDQUOT);
	/* Back to 2 slots held: still no room under a quota of 2. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, it[0].handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, it[0].handle, 0), 0);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u), 0);
	TL_EXPECT_EQ(u.slots_used, 2);
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(3), g_page, &one),
		     -EDQUOT);
	TL_EXPECT_RC(tl_chan_send(&g_sh->up, 2), 0);
	/* Now unlimited. */
	TL_EXPECT_RC(tl_chan_recv(&g_sh->down, &v, TL_WAIT_MS), 0);
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(3), 8 * g_page, &one), 0);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u), 0);
	TL_EXPECT_EQ(u.slots_used, 10);
}

static void case_quota_changes(void)
{
	uint64_t v;
	pid_t pid;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_ASSERT(setup_shared(), "shared memory");
	TL_EXPECT_RC(tl_cg_create("q2", NULL), 0);
	pid = tl_spawn(tenant_quota_changes, NULL);
	TL_EXPECT_RC(tl_chan_recv(&g_sh->up, &v, TL_WAIT_MS), 0);
	TL_EXPECT_RC(set_quota(fd, g_sh->tenant, g_pool, 2), 0);
	TL_EXPECT_RC(tl_chan_send(&g_sh->down, 1), 0);
	TL_EXPECT_RC(tl_chan_recv(&g_sh->up, &v, TL_WAIT_MS), 0);
	TL_EXPECT_RC(set_quota(fd, g_sh->tenant, g_pool,
			       KVTIER_QUOTA_UNLIMITED), 0);
	TL_EXPECT_RC(tl_chan_send(&g_sh->down, 2), 0);
	tl_join(pid, "tenant");
	tl_cg_remove("q2");
}

/* A quota is per pool: another pool is not limited by it. */
static void tenant_other_pool(void *arg TL_UNUSED)
{
	uint32_t pool2 = *(uint32_t *)arg;
	struct drm_kvtier_alloc_item one;
	int fd = open_tenant("q3");

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), 2 * g_page, &one),
		     -EDQUOT);
	TL_EXPECT_RC(tl_alloc1(fd, pool2, 0, tl_key(1), 2 * g_page, &one), 0);
}

static void case_quota_per_pool(void)
{
	uint32_t pool2;
	uint64_t cg;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_cg_create("q3", &cg), 0);
	TL_EXPECT_RC(tl_pool_create(fd, g_page, 4, &pool2), 0);
	TL_EXPECT_RC(set_quota(fd, cg, g_pool, 1), 0);
	tl_join(tl_spawn(tenant_other_pool, &pool2), "tenant");
	TL_EXPECT_RC(tl_pool_destroy(fd, pool2), 0);
	tl_cg_remove("q3");
}

/* ---- ENOSPC -------------------------------------------------------------- */

static void case_enospc_all_or_nothing(void)
{
	struct drm_kvtier_alloc_item it[3], one;
	struct drm_kvtier_stats s0, s1;
	uint32_t pool, fi;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_pool_create(fd, g_page, 8, &pool), 0);
	it[0] = item(1, 3);
	it[1] = item(2, 3);
	TL_EXPECT_RC(tl_alloc(fd, pool, 0, it, 2, NULL), 0);
	TL_EXPECT_RC(tl_stats(fd, &s0), 0);
	/* 6 + 1 + 2 = 9 > 8 slots. */
	it[0] = item(3, 1);
	it[1] = item(4, 2);
	TL_EXPECT_RC(tl_alloc(fd, pool, 0, it, 2, &fi), -ENOSPC);
	TL_EXPECT_EQ(fi, 1);
	TL_EXPECT_EQ(tl_pool_used(fd, pool), 6);
	TL_EXPECT_RC(tl_stats(fd, &s1), 0);
	TL_EXPECT_EQ(s1.allocs, s0.allocs);
	TL_EXPECT_EQ(s1.objects, s0.objects);
	TL_EXPECT_EQ(s1.quota_refusals, s0.quota_refusals);
	/* Both keys are free; the pool takes exactly two more slots. */
	TL_EXPECT_RC(tl_alloc1(fd, pool, 0, tl_key(3), g_page, &one), 0);
	TL_EXPECT_RC(tl_alloc1(fd, pool, 0, tl_key(4), 2 * g_page, &one),
		     -ENOSPC);
	TL_EXPECT_RC(tl_alloc1(fd, pool, 0, tl_key(4), g_page, &one), 0);
	TL_EXPECT_EQ(tl_pool_used(fd, pool), 8);
	close(fd);
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_pool_destroy(fd, pool), 0);
}

static void case_enospc_fragmented(void)
{
	struct drm_kvtier_alloc_item it[4], two[2];
	uint32_t pool, i, fi;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_pool_create(fd, g_page, 4, &pool), 0);
	for (i = 0; i < 4; i++)
		it[i] = item(i + 1, 1);
	TL_EXPECT_RC(tl_alloc(fd, pool, 0, it, 4, NULL), 0);
	/* Free the objects in slots 0 and 2: two free slots, not adjacent. */
	for (i = 0; i < 4; i++) {
		if (it[i].offset != 0 && it[i].offset != 2 * g_page)
			continue;
		TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, it[i].handle, 0), 0);
		TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, it[i].handle, 0), 0);
	}
	TL_EXPECT_EQ(tl_pool_used(fd, pool), 2);
	two[0] = item(10, 2);
	TL_EXPECT_RC(tl_alloc(fd, pool, 0, two, 1, &fi), -ENOSPC);
	TL_EXPECT_EQ(fi, 0);
	two[0] = item(10, 1);
	two[1] = item(11, 1);
	TL_EXPECT_RC(tl_alloc(fd, pool, 0, two, 2, NULL), 0);
	close(fd);
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_pool_destroy(fd, pool), 0);
}

int main(void)
{
	tl_init("quota");
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, NSLOTS);
	tl_run("edquot_all_or_nothing", case_edquot_all_or_nothing);
	tl_run("quota_changes", case_quota_changes);
	tl_run("quota_per_pool", case_quota_per_pool);
	tl_run("enospc_all_or_nothing", case_enospc_all_or_nothing);
	tl_run("enospc_fragmented", case_enospc_fragmented);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

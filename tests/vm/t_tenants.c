// SPDX-License-Identifier: GPL-2.0
/*
 * Tenants: two clients in two cgroups cannot see, map, pin, fetch or free
 * each other's objects (which look exactly like absent ones), each has its
 * own key namespace and usage; global objects are visible to both and
 * freed only by an admin.
 */
#include "tlib.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NSLOTS 32

static uint32_t g_pool;
static uint64_t g_page;

/* What the two tenant processes of a case share. */
struct shared {
	struct tl_chan a_to_b, b_to_a, to_parent, from_parent;
	uint64_t a_tenant, b_tenant;
	struct drm_kvtier_alloc_item a_obj;
	struct drm_kvtier_alloc_item global;
};

static struct shared *g_sh;

/* Enter cgroup @cg, then drop admin and open: a plain tenant client. */
static int open_tenant(const char *cg, uint64_t *tenant)
{
	int err, fd;

	err = tl_cg_enter(cg);
	if (err) {
		tl_fail("enter cgroup %s: %s", cg, tl_errname(err));
		return err;
	}
	fd = tl_open_user();
	if (fd < 0) {
		tl_fail("open: %s", tl_errname(fd));
		return fd;
	}
	if (tenant)
		*tenant = tl_param(fd, KVTIER_PARAM_TENANT_ID);
	return fd;
}

static bool setup_shared(void)
{
	g_sh = tl_shared_alloc(sizeof(*g_sh));
	if (!g_sh)
		return false;
	return !tl_chan_init(&g_sh->a_to_b) && !tl_chan_init(&g_sh->b_to_a) &&
	       !tl_chan_init(&g_sh->to_parent) &&
	       !tl_chan_init(&g_sh->from_parent);
}

static bool make_cgroups(void)
{
	int err = tl_cg_create("ta", NULL);

	if (!err)
		err = tl_cg_create("tb", NULL);
	if (err)
		tl_fail("cgroups: %s", tl_errname(err));
	return !err;
}

static void remove_cgroups(void)
{
	tl_cg_remove("ta");
	tl_cg_remove("tb");
}

static uint8_t *map_pool(int fd)
{
	struct drm_kvtier_pool_info pi;
	uint8_t *p;

	if (tl_pool_info(fd, g_pool, &pi)) {
		tl_fail("pool info");
		return NULL;
	}
	p = tl_pool_map(fd, &pi);
	if (!p)
		tl_fail("mmap: %s", strerror(errno));
	return p;
}

/* ---- isolation ----------------------------------------------------------- */

static void tenant_a_owner(void *arg TL_UNUSED)
{
	struct drm_kvtier_lookup_result r;
	uint64_t v;
	uint8_t *p;
	int fd = open_tenant("ta", &g_sh->a_tenant);

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), 2 * g_page,
			       &g_sh->a_obj), 0);
	p = map_pool(fd);
	TL_ASSERT(p, "no mapping");
	/* Written before the commit: committed objects are read-only. */
	memset(p + g_sh->a_obj.offset, 0xa1, 2 * g_page);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, g_sh->a_obj.handle, 0), 0);
	TL_EXPECT_RC(tl_chan_send(&g_sh->a_to_b, 1), 0);
	TL_EXPECT_RC(tl_chan_recv(&g_sh->b_to_a, &v, TL_WAIT_MS), 0);
	/* B's attempts changed nothing, and B's own key 1 is not ours. */
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.handle, g_sh->a_obj.handle);
	TL_ASSERT(p[g_sh->a_obj.offset] == 0xa1, "contents changed");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, g_sh->a_obj.handle, 0), 0);
}

/* Every handle operation on A's object must look like a random handle's. */
static void op_like_absent(int fd, uint32_t op, uint32_t tier)
{
	const uint64_t h = g_sh->a_obj.handle;
	int mine = tl_op1(fd, op, h, tier);
	int none = tl_op1(fd, op, h ^ 0x5a5a000000000000ull, tier);

	TL_ASSERT(mine == -ENOENT, "op %u on the other tenant's object: %s",
		  op, tl_errname(mine));
	TL_ASSERT(none == -ENOENT, "op %u on a random handle: %s", op,
		  tl_errname(none));
}

static void tenant_b_intruder(void *arg TL_UNUSED)
{
	struct drm_kvtier_lookup_result hit, miss;
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_fetch f;
	struct drm_kvtier_alloc_item mine;
	uint64_t v;
	uint8_t *p;
	int fd = open_tenant("tb", &g_sh->b_tenant), sig;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_chan_recv(&g_sh->a_to_b, &v, TL_WAIT_MS), 0);
	TL_ASSERT(g_sh->a_tenant != g_sh->b_tenant, "same tenant id %llu",
		  (unsigned long long)g_sh->a_tenant);
	/* A's key: the same answer as a key nobody has. */
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &hit), 0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(999), 0, &miss), 0);
	TL_ASSERT(!memcmp(&hit, &miss, sizeof(hit)),
		  "lookup of another tenant's key differs from a miss "
		  "(handle %llx flags %x)", (unsigned long long)hit.handle,
		  hit.flags);
	TL_EXPECT_EQ(hit.handle, 0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), KVTIER_LOOKUP_ACQUIRE, &hit),
		     0);
	TL_EXPECT_EQ(hit.handle, 0);
	op_like_absent(fd, KVTIER_OP_PIN, KVTIER_TIER_HOST);
	op_like_absent(fd, KVTIER_OP_UNPIN, KVTIER_TIER_HOST);
	op_like_absent(fd, KVTIER_OP_COMMIT, 0);
	op_like_absent(fd, KVTIER_OP_RELEASE, 0);
	op_like_absent(fd, KVTIER_OP_FREE, 0);
	TL_EXPECT_RC(tl_fetch1(fd, g_sh->a_obj.handle, KVTIER_TIER_HOST, 0, 0,
			       0, &f, &fi), 0);
	TL_EXPECT_RC(fi.result, -ENOENT);
	p = map_pool(fd);
	TL_ASSERT(p, "no mapping");
	sig = tl_probe(p + g_sh->a_obj.offset, false);
	TL_ASSERT(sig == SIGBUS, "reading A's slot: got %d, want SIGBUS", sig);
	/* B's namespace is its own: key 1 is free here. */
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &mine), 0);
	TL_ASSERT(mine.handle != g_sh->a_obj.handle, "same handle");
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &hit), 0);
	TL_EXPECT_EQ(hit.handle, mine.handle);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, mine.handle, 0), 0);
	TL_EXPECT_RC(tl_chan_send(&g_sh->b_to_a, 1), 0);
}

static void case_isolation(void)
{
	pid_t a, b;

	TL_ASSERT(setup_shared(), "shared memory");
	TL_ASSERT(make_cgroups(), "cgroups");
	a = tl_spawn(tenant_a_owner, NULL);
	b = tl_spawn(tenant_b_intruder, NULL);
	tl_join(a, "tenant A");
	tl_join(b, "tenant B");
	remove_cgroups();
}

/* ---- global objects ------------------------------------------------------ */

static void tenant_reads_global(void *arg TL_UNUSED)
{
	const char *cg = arg;
	struct drm_kvtier_lookup_result r;
	uint8_t *p;
	int fd = open_tenant(cg, NULL), sig;
	uint64_t i;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(50), KVTIER_LOOKUP_ACQUIRE, &r), 0);
	TL_EXPECT_EQ(r.handle, g_sh->global.handle);
	TL_EXPECT_EQ(r.flags, KVTIER_LOOKUP_PRESENT | KVTIER_LOOKUP_GLOBAL |
		     KVTIER_LOOKUP_ACQUIRED);
	p = map_pool(fd);
	TL_ASSERT(p, "no mapping");
	sig = tl_probe(p + r.offset, false);
	TL_ASSERT(sig == 0, "%s: global object's slot: got signal %d", cg,
		  sig);
	for (i = 0; i < g_page; i++)
		TL_ASSERT(p[r.offset + i] == 0x6c, "%s: byte %llu differs", cg,
			  (unsigned long long)i);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_PIN, r.handle, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_UNPIN, r.handle, KVTIER_TIER_HOST),
		     0);
	/* Only an admin frees a global object. */
	TL_ASSERT(tl_op1(fd, KVTIER_OP_FREE, r.handle, 0) != 0,
		  "%s freed a global object", cg);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(50), 0, &r), 0);
	TL_EXPECT_EQ(r.handle, g_sh->global.handle);
}

static void case_global_visible(void)
{
	struct drm_kvtier_lookup_result r;
	uint8_t *p;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_ASSERT(setup_shared(), "shared memory");
	TL_ASSERT(make_cgroups(), "cgroups");
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, KVTIER_ALLOC_GLOBAL, tl_key(50),
			       g_page, &g_sh->global), 0);
	p = map_pool(fd);
	TL_ASSERT(p, "no mapping");
	memset(p + g_sh->global.offset, 0x6c, g_page);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, g_sh->global.handle, 0), 0);
	tl_join(tl_spawn(tenant_reads_global, "ta"), "tenant A");
	tl_join(tl_spawn(tenant_reads_global, "tb"), "tenant B");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, g_sh->global.handle, 0), 0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(50), 0, &r), 0);
	TL_EXPECT_EQ(r.handle, 0);
	remove_cgroups();
}

/* ---- usage --------------------------------------------------------------- */

static void tenant_uses(void *arg TL_UNUSED)
{
	const char *cg = arg;
	bool is_a = !strcmp(cg, "ta");
	struct drm_kvtier_alloc_item it[2] = {
		{ .key = tl_key(1), .size = g_page },
		{ .key = tl_key(2), .size = is_a ? 2 * g_page : 4 * g_page },
	};
	struct drm_kvtier_tenant_usage u;
	uint64_t me, v;
	int fd = open_tenant(cg, &me);

	TL_ASSERT(fd >= 0, "no fd");
	if (is_a)
		g_sh->a_tenant = me;
	else
		g_sh->b_tenant = me;
	TL_EXPECT_RC(tl_alloc(fd, g_pool, 0, it, is_a ? 2 : 1, NULL), 0);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u), 0);
	TL_EXPECT_EQ(u.tenant_id, me);
	TL_EXPECT_EQ(u.slots_used, is_a ? 3 : 1);
	TL_EXPECT_EQ(u.objects, is_a ? 2 : 1);
	TL_EXPECT_EQ(u.max_slots, KVTIER_QUOTA_UNLIMITED);
	TL_EXPECT_RC(tl_chan_send(&g_sh->to_parent, 1), 0);
	/* Hold the objects until the admin has looked. */
	TL_EXPECT_RC(tl_chan_recv(&g_sh->from_parent, &v, TL_WAIT_MS), 0);
}

static void case_usage(void)
{
	struct drm_kvtier_tenant_usage e[64], u;
	struct drm_kvtier_tenant_list l = {
		.entries_ptr = (uintptr_t)e,
		.count = 64,
	};
	uint64_t v, used0;
	uint32_t i, seen = 0;
	pid_t a, b;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_ASSERT(setup_shared(), "shared memory");
	TL_ASSERT(make_cgroups(), "cgroups");
	used0 = tl_pool_used(fd, g_pool);
	a = tl_spawn(tenant_uses, "ta");
	b = tl_spawn(tenant_uses, "tb");
	TL_EXPECT_RC(tl_chan_recv(&g_sh->to_parent, &v, TL_WAIT_MS), 0);
	TL_EXPECT_RC(tl_chan_recv(&g_sh->to_parent, &v, TL_WAIT_MS), 0);
	TL_EXPECT_EQ(tl_pool_used(fd, g_pool), used0 + 4);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_LIST, &l), 0);
	for (i = 0; i < l.count; i++) {
		if (e[i].pool_id != g_pool)
			continue;
		if (e[i].tenant_id == g_sh->a_tenant) {
			TL_EXPECT_EQ(e[i].slots_used, 3);
			TL_EXPECT_EQ(e[i].objects, 2);
			seen |= 1;
		} else if (e[i].tenant_id == g_sh->b_tenant) {
			TL_EXPECT_EQ(e[i].slots_used, 1);
			TL_EXPECT_EQ(e[i].objects, 1);
			seen |= 2;
		}
	}
	TL_ASSERT(seen == 3, "tenant list misses a tenant (seen %u)", seen);
	/* An admin reads any tenant's usage by id. */
	TL_EXPECT_RC(tl_tenant_info(fd, g_sh->b_tenant, g_pool, &u), 0);
	TL_EXPECT_EQ(u.tenant_id, g_sh->b_tenant);
	TL_EXPECT_EQ(u.slots_used, 1);
	TL_EXPECT_RC(tl_chan_send(&g_sh->from_parent, 1), 0);
	TL_EXPECT_RC(tl_chan_send(&g_sh->from_parent, 1), 0);
	tl_join(a, "tenant A");
	tl_join(b, "tenant B");
	/* Their WRITING objects went with their fds. */
	TL_EXPECT_EQ(tl_pool_used(fd, g_pool), used0);
	TL_EXPECT_RC(tl_tenant_info(fd, g_sh->a_tenant, g_pool, &u), 0);
	TL_EXPECT_EQ(u.slots_used, 0);
	TL_EXPECT_EQ(u.objects, 0);
	remove_cgroups();
}

int main(void)
{
	tl_init("tenants");
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, NSLOTS);
	tl_run("isolation", case_isolation);
	tl_run("global_visible", case_global_visible);
	tl_run("usage", case_usage);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

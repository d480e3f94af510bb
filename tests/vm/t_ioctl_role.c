// SPDX-License-Identifier: GPL-2.0
/*
 * Wrong role and wrong state: admin-only ioctls from a client without
 * CAP_SYS_ADMIN, manager-only ioctls from a client that is not the manager,
 * and object operations in a state that does not allow them.
 */
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NSLOTS 32

static uint32_t g_pool;
static uint64_t g_page;

/* In a forked child: drop CAP_SYS_ADMIN, open, check the role took. */
static int open_user(void)
{
	int fd = tl_open_user();

	if (fd < 0) {
		tl_fail("open as user: %s", tl_errname(fd));
		return fd;
	}
	if (tl_param(fd, KVTIER_PARAM_IS_ADMIN) != 0) {
		tl_fail("client without CAP_SYS_ADMIN is admin");
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* Run @fn as a non-admin child and wait for it. */
static void as_user(void (*fn)(void *))
{
	tl_join(tl_spawn(fn, NULL), "non-admin child");
}

/* ---- admin only ---------------------------------------------------------- */

static void user_pool_create(void *arg TL_UNUSED)
{
	struct drm_kvtier_pool_create pc = {
		.slot_size = g_page,
		.slot_count = 4,
	};
	int fd = open_user();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_POOL_CREATE, &pc), -EPERM);
	TL_EXPECT_EQ(pc.pool_id, 0);
}

static void case_pool_create_user(void)
{
	as_user(user_pool_create);
}

static void user_pool_destroy(void *arg TL_UNUSED)
{
	struct drm_kvtier_pool_info pi;
	int fd = open_user();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_pool_destroy(fd, g_pool), -EPERM);
	TL_EXPECT_RC(tl_pool_info(fd, g_pool, &pi), 0);
}

static void case_pool_destroy_user(void)
{
	as_user(user_pool_destroy);
}

static void user_tenant_quota(void *arg TL_UNUSED)
{
	struct drm_kvtier_tenant_quota q = {
		.pool_id = g_pool,
		.max_slots = 1,
	};
	struct drm_kvtier_tenant_usage u;
	int fd = open_user();

	TL_ASSERT(fd >= 0, "no fd");
	q.tenant_id = tl_param(fd, KVTIER_PARAM_TENANT_ID);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_QUOTA, &q), -EPERM);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u), 0);
	TL_EXPECT_EQ(u.max_slots, KVTIER_QUOTA_UNLIMITED);
}

static void case_tenant_quota_user(void)
{
	as_user(user_tenant_quota);
}

static void user_tenant_list(void *arg TL_UNUSED)
{
	struct drm_kvtier_tenant_usage e[4];
	struct drm_kvtier_tenant_list l = {
		.entries_ptr = (uintptr_t)e,
		.count = 4,
	};
	int fd = open_user();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_LIST, &l), -EPERM);
}

static void case_tenant_list_user(void)
{
	as_user(user_tenant_list);
}

static void user_alloc_global(void *arg TL_UNUSED)
{
	struct drm_kvtier_alloc_item it;
	struct tl_snap s;
	const char *d;
	int fd = open_user();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_snap_take(fd, g_pool, &s), 0);
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, KVTIER_ALLOC_GLOBAL, tl_key(1),
			       g_page, &it), -EPERM);
	d = tl_snap_diff(fd, g_pool, &s);
	TL_ASSERT(!d, "refused alloc changed %s", d);
	/* Without the flag the same client may allocate. */
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &it), 0);
}

static void case_alloc_global_user(void)
{
	as_user(user_alloc_global);
}

static void user_manager_attach(void *arg TL_UNUSED)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	int fd = open_user();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma),
		     -EPERM);
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_MANAGER_ATTACHED), 0);
}

static void case_manager_attach_user(void)
{
	as_user(user_manager_attach);
}

/* ---- manager only -------------------------------------------------------- */

static void not_manager_calls(int fd)
{
	struct drm_kvtier_work_item w;
	struct drm_kvtier_work_recv wr = {
		.items_ptr = (uintptr_t)&w,
		.count = 1,
	};
	struct drm_kvtier_work_done d = { .work_id = 1 };
	struct drm_kvtier_work_complete wc = {
		.items_ptr = (uintptr_t)&d,
		.count = 1,
	};
	struct drm_kvtier_residency_item ri = {
		.op = KVTIER_RES_ADD,
		.tier = KVTIER_TIER_DISK,
		.location = 4096,
	};
	struct drm_kvtier_residency rs = {
		.items_ptr = (uintptr_t)&ri,
		.count = 1,
	};
	struct drm_kvtier_obj_record rec;
	struct drm_kvtier_obj_scan sc = {
		.records_ptr = (uintptr_t)&rec,
		.count = 1,
	};
	struct drm_kvtier_region_register reg = {
		.size = g_page,
		.kind = KVTIER_REGION_KIND_MEMFD,
	};
	struct drm_kvtier_region_get_fd g = { .fd = -1 };
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;

	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(7), g_page, &a), 0);
	ri.handle = a.handle;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_WORK_RECV, &wr), -EPERM);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc),
		     -EPERM);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_RESIDENCY, &rs), -EPERM);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_OBJ_SCAN, &sc), -EPERM);
	TL_EXPECT_EQ(sc.count, 1);
	/* Not even the memory of a region the caller registered itself. */
	reg.fd = memfd_create("kvtier-role", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	TL_ASSERT(reg.fd >= 0, "memfd: %s", tl_errname(errno));
	TL_ASSERT(!ftruncate(reg.fd, (off_t)g_page) &&
		  !fcntl(reg.fd, F_ADD_SEALS, F_SEAL_SHRINK),
		  "memfd setup: %s", tl_errname(errno));
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &reg), 0);
	g.region_id = reg.region_id;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_GET_FD, &g), -EPERM);
	TL_EXPECT_EQ(g.fd, -1);
	close(reg.fd);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(7), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST));
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void user_not_manager(void *arg TL_UNUSED)
{
	int fd = open_user();

	TL_ASSERT(fd >= 0, "no fd");
	not_manager_calls(fd);
}

static void case_manager_ioctls_user(void)
{
	as_user(user_not_manager);
}

static void case_manager_ioctls_admin_not_manager(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	int fd = tl_open_admin(), mfd;

	TL_ASSERT(fd >= 0, "no fd");
	/* Even with a manager attached elsewhere, admin is not manager. */
	mfd = tl_open();
	TL_ASSERT(mfd >= 0, "open: %s", tl_errname(mfd));
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
	not_manager_calls(fd);
}

static void case_manager_attach_twice(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	int m1 = tl_open_admin(), m2;

	TL_ASSERT(m1 >= 0, "no fd");
	m2 = tl_open();
	TL_ASSERT(m2 >= 0, "open: %s", tl_errname(m2));
	TL_EXPECT_RC(tl_ioctl(m1, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
	TL_EXPECT_RC(tl_ioctl(m2, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma),
		     -EBUSY);
	close(m1);
	TL_EXPECT_RC(tl_ioctl(m2, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
}

/* ---- object state -------------------------------------------------------- */

static void case_commit_twice(void)
{
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_stats s0, s1;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_stats(fd, &s0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, a.handle, 0), -EINVAL);
	TL_EXPECT_RC(tl_stats(fd, &s1), 0);
	TL_EXPECT_EQ(s1.commits, s0.commits);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_commit_by_other_client(void)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &a), 0);
	/* Same tenant, but only the allocating client may commit. */
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_COMMIT, a.handle, 0), -EINVAL);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.handle, 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_pin_writing(void)
{
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST),
		     -EINVAL);
	/* Not pinned: commit and free work. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_pin_no_reference(void)
{
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST),
		     -EACCES);
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_UNPIN, a.handle, KVTIER_TIER_HOST),
		     -EACCES);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_unpin_no_pin(void)
{
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_UNPIN, a.handle, KVTIER_TIER_HOST),
		     -EINVAL);
	/* One pin, two unpins: the second has no pin to drop. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_UNPIN, a.handle, KVTIER_TIER_HOST),
		     0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_UNPIN, a.handle, KVTIER_TIER_HOST),
		     -EINVAL);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_free_pinned(void)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_lookup1(fd2, tl_key(1), KVTIER_LOOKUP_ACQUIRE, &r), 0);
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST),
		     0);
	/* Pinned by another client of the tenant: the owner cannot free. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), -EBUSY);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.handle, a.handle);
	/* Releasing drops the pins taken through the reference. */
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_RELEASE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_fetch_no_reference(void)
{
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_fetch f;
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_fetch1(fd2, a.handle, KVTIER_TIER_HOST, 0, 0, 0, &f,
			       &fi), 0);
	TL_EXPECT_RC(fi.result, -EACCES);
	TL_EXPECT_EQ(f.failed, 1);
	TL_EXPECT_EQ(f.pending, 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_fetch_writing(void)
{
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_fetch f;
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_fetch1(fd, a.handle, KVTIER_TIER_HOST, 0, 0, 0, &f,
			       &fi), 0);
	TL_EXPECT_RC(fi.result, -EINVAL);
	TL_EXPECT_EQ(f.failed, 1);
	TL_EXPECT_EQ(f.pending, 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_free_by_tenant_peer(void)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	/* Any client of the owning tenant may free, reference or not. */
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_FREE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.handle, 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), -ENOENT);
}

int main(void)
{
	tl_init("role");
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, NSLOTS);
	tl_run("pool_create_user", case_pool_create_user);
	tl_run("pool_destroy_user", case_pool_destroy_user);
	tl_run("tenant_quota_user", case_tenant_quota_user);
	tl_run("tenant_list_user", case_tenant_list_user);
	tl_run("alloc_global_user", case_alloc_global_user);
	tl_run("manager_attach_user", case_manager_attach_user);
	tl_run("manager_ioctls_user", case_manager_ioctls_user);
	tl_run("manager_ioctls_admin_not_manager",
	       case_manager_ioctls_admin_not_manager);
	tl_run("manager_attach_twice", case_manager_attach_twice);
	tl_run("commit_twice", case_commit_twice);
	tl_run("commit_by_other_client", case_commit_by_other_client);
	tl_run("pin_writing", case_pin_writing);
	tl_run("pin_no_reference", case_pin_no_reference);
	tl_run("unpin_no_pin", case_unpin_no_pin);
	tl_run("free_pinned", case_free_pinned);
	tl_run("fetch_no_reference", case_fetch_no_reference);
	tl_run("fetch_writing", case_fetch_writing);
	tl_run("free_by_tenant_peer", case_free_by_tenant_peer);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

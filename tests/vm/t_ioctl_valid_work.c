// SPDX-License-Identifier: GPL-2.0
/*
 * Validation failures of the fetch, region and manager ioctls (work recv,
 * work complete, residency), each its own case; the object and pool
 * ioctls are in t_ioctl_valid.c. After each refused request the driver's
 * stats and the pool must be exactly as before.
 */
#include "tlib.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define NSLOTS 64

static uint32_t g_pool;
static uint64_t g_page;

#define REFUSED(fd, req, arg, want) TL_REFUSED(fd, g_pool, req, arg, want)

static int open_admin(void)
{
	int fd = tl_open();

	if (fd < 0)
		tl_fail("open: %s", tl_errname(fd));
	return fd;
}

/* A READY object held by @fd, for the cases to aim at. */
static uint64_t ready_object(int fd)
{
	struct drm_kvtier_alloc_item a;
	int err = tl_make_ready(fd, g_pool, tl_key(100), g_page, &a);

	if (err) {
		tl_fail("make ready: %s", tl_errname(err));
		return 0;
	}
	return a.handle;
}

/* ---- FETCH --------------------------------------------------------------- */

static struct drm_kvtier_fetch_item g_fi;

static struct drm_kvtier_fetch good_fetch(uint64_t handle)
{
	struct drm_kvtier_fetch f = {
		.items_ptr = (uintptr_t)&g_fi,
		.count = 1,
		.user_data = 1,
	};

	memset(&g_fi, 0, sizeof(g_fi));
	g_fi.handle = handle;
	g_fi.tier = KVTIER_TIER_HOST;
	return f;
}

/* A refused fetch pins nothing: the object can be freed afterwards. */
#define FETCH_CASE(name, setup, want)                                          \
	static void case_##name(void)                                          \
	{                                                                      \
		struct drm_kvtier_fetch f;                                     \
		int fd = open_admin();                                         \
		uint64_t h;                                                    \
		TL_ASSERT(fd >= 0, "no fd");                                   \
		h = ready_object(fd);                                          \
		TL_ASSERT(h, "no object");                                     \
		f = good_fetch(h);                                             \
		setup;                                                         \
		REFUSED(fd, DRM_IOCTL_KVTIER_FETCH, &f, want);                 \
		TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, h, 0), 0);             \
	}

FETCH_CASE(fetch_flags, f.flags = 1, -EINVAL)
FETCH_CASE(fetch_pad, f.pad = 1, -EINVAL)
FETCH_CASE(fetch_item_pad, g_fi.pad = 1, -EINVAL)
FETCH_CASE(fetch_count_zero, f.count = 0, -EINVAL)
FETCH_CASE(fetch_count_over_max, f.count = KVTIER_MAX_BATCH + 1, -EINVAL)
FETCH_CASE(fetch_count_huge, f.count = 0xffffffffu, -EINVAL)
FETCH_CASE(fetch_items_null, f.items_ptr = 0, -EFAULT)
FETCH_CASE(fetch_items_unmapped, f.items_ptr = (uintptr_t)tl_bad_ptr(),
	   -EFAULT)

/* Item-level refusals: ioctl 0, item -errno, failed 1, nothing pending. */
static void fetch_item_refused(int fd, uint64_t handle, uint32_t tier,
			       uint32_t region, uint64_t offset, int want)
{
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_fetch f;

	TL_EXPECT_RC(tl_fetch1(fd, handle, tier, region, offset, 1, &f, &fi),
		     0);
	TL_EXPECT_RC(fi.result, want);
	TL_EXPECT_EQ(f.failed, 1);
	TL_EXPECT_EQ(f.pending, 0);
}

/*
 * A tier a fetch cannot target: the header does not say whether that is
 * the item's -EINVAL or the whole ioctl's, so accept either; but nothing
 * may be pinned or queued.
 */
static void fetch_tier_refused(int fd, uint64_t handle, uint32_t tier)
{
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_fetch f;
	struct tl_snap s;
	const char *d;
	int err;

	TL_EXPECT_RC(tl_snap_take(fd, g_pool, &s), 0);
	err = tl_fetch1(fd, handle, tier, 0, 0, 1, &f, &fi);
	if (err) {
		TL_EXPECT_RC(err, -EINVAL);
		d = tl_snap_diff(fd, g_pool, &s);
		TL_ASSERT(!d, "state changed by a refused fetch: %s", d);
		return;
	}
	TL_EXPECT_RC(fi.result, -EINVAL);
	TL_EXPECT_EQ(f.failed, 1);
	TL_EXPECT_EQ(f.pending, 0);
}

static void case_fetch_tier_bad(void)
{
	int fd = open_admin();
	uint64_t h;

	TL_ASSERT(fd >= 0, "no fd");
	h = ready_object(fd);
	TL_ASSERT(h, "no object");
	fetch_tier_refused(fd, h, KVTIER_TIER_DISK);
	fetch_tier_refused(fd, h, KVTIER_TIER_COUNT);
	fetch_tier_refused(fd, h, 0xffffffffu);
	/* Nothing pinned. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, h, 0), 0);
}

static void case_fetch_handle_unknown(void)
{
	int fd = open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	fetch_item_refused(fd, 0, KVTIER_TIER_HOST, 0, 0, -ENOENT);
	fetch_item_refused(fd, 0x5eed00000001ull, KVTIER_TIER_HOST, 0, 0,
			   -ENOENT);
}

static void case_fetch_region_unknown(void)
{
	int fd = open_admin();
	uint64_t h;

	TL_ASSERT(fd >= 0, "no fd");
	h = ready_object(fd);
	TL_ASSERT(h, "no object");
	fetch_item_refused(fd, h, KVTIER_TIER_DEVICE, 0, 0, -ENOENT);
	fetch_item_refused(fd, h, KVTIER_TIER_DEVICE, KVTIER_MAX_REGIONS, 0,
			   -ENOENT);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, h, 0), 0);
}

static void case_fetch_region_other_client(void)
{
	struct drm_kvtier_region_register reg = { .size = 1 << 20 };
	int fd = open_admin(), fd2;
	uint64_t h;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_ioctl(fd2, DRM_IOCTL_KVTIER_REGION_REGISTER, &reg), 0);
	h = ready_object(fd);
	TL_ASSERT(h, "no object");
	fetch_item_refused(fd, h, KVTIER_TIER_DEVICE, reg.region_id, 0,
			   -ENOENT);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, h, 0), 0);
}

static void case_fetch_region_bounds(void)
{
	struct drm_kvtier_region_register reg = { .size = 4 * g_page };
	int fd = open_admin();
	uint64_t h;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &reg), 0);
	h = ready_object(fd);
	TL_ASSERT(h, "no object");
	/* The object is one page: offset 3 pages fits, 3 pages + 1 not. */
	fetch_item_refused(fd, h, KVTIER_TIER_DEVICE, reg.region_id,
			   3 * g_page + 1, -EINVAL);
	fetch_item_refused(fd, h, KVTIER_TIER_DEVICE, reg.region_id,
			   ~0ull - 16, -EINVAL);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, h, 0), 0);
}

/* ---- regions ------------------------------------------------------------- */

static void case_region_register_flags(void)
{
	struct drm_kvtier_region_register r = { .size = g_page, .flags = 1 };
	int fd = open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r, -EINVAL);
}

static void case_region_register_size_zero(void)
{
	struct drm_kvtier_region_register r = { 0 };
	int fd = open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r, -EINVAL);
}

static void case_region_unregister_flags(void)
{
	struct drm_kvtier_region_register r = { .size = g_page };
	struct drm_kvtier_region_unregister u = { .flags = 1 };
	int fd = open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r), 0);
	u.region_id = r.region_id;
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u, -EINVAL);
	/* Still registered. */
	u.flags = 0;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u), 0);
}

static void case_region_unregister_unknown(void)
{
	struct drm_kvtier_region_unregister u = { 0 };
	int fd = open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u, -ENOENT);
	u.region_id = KVTIER_MAX_REGIONS + 1;
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u, -ENOENT);
}

static void case_region_unregister_other_client(void)
{
	struct drm_kvtier_region_register r = { .size = g_page };
	struct drm_kvtier_region_unregister u = { 0 };
	int fd = open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_ioctl(fd2, DRM_IOCTL_KVTIER_REGION_REGISTER, &r), 0);
	u.region_id = r.region_id;
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u, -ENOENT);
	TL_EXPECT_RC(tl_ioctl(fd2, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u), 0);
}

/* ---- manager ioctls ------------------------------------------------------ */

static void case_manager_attach_flags(void)
{
	struct drm_kvtier_manager_attach ma = { .flags = 1 };
	int fd = open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma, -EINVAL);
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_MANAGER_ATTACHED), 0);
}

static void case_manager_attach_pad(void)
{
	struct drm_kvtier_manager_attach ma = { .pad = 1 };
	int fd = open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma, -EINVAL);
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_MANAGER_ATTACHED), 0);
}

static int open_manager(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	int fd = open_admin(), err;

	if (fd < 0)
		return fd;
	err = tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma);
	if (err) {
		tl_fail("attach: %s", tl_errname(err));
		close(fd);
		return err;
	}
	return fd;
}

static struct drm_kvtier_work_item g_wi[2];

#define RECV_CASE(name, setup, want)                                           \
	static void case_##name(void)                                          \
	{                                                                      \
		struct drm_kvtier_work_recv wr = {                             \
			.items_ptr = (uintptr_t)g_wi,                          \
			.count = 2,                                            \
		};                                                             \
		int fd = open_manager();                                       \
		TL_ASSERT(fd >= 0, "no manager fd");                           \
		setup;                                                         \
		REFUSED(fd, DRM_IOCTL_KVTIER_WORK_RECV, &wr, want);            \
	}

RECV_CASE(work_recv_flags, wr.flags = 1, -EINVAL)
RECV_CASE(work_recv_count_zero, wr.count = 0, -EINVAL)
RECV_CASE(work_recv_count_over_max, wr.count = KVTIER_MAX_BATCH + 1, -EINVAL)

static struct drm_kvtier_work_done g_wd;

#define COMPLETE_CASE(name, setup, want)                                       \
	static void case_##name(void)                                          \
	{                                                                      \
		struct drm_kvtier_work_complete wc = {                         \
			.items_ptr = (uintptr_t)&g_wd,                         \
			.count = 1,                                            \
		};                                                             \
		int fd = open_manager();                                       \
		TL_ASSERT(fd >= 0, "no manager fd");                           \
		memset(&g_wd, 0, sizeof(g_wd));                                \
		g_wd.work_id = 0x5eed;                                         \
		setup;                                                         \
		REFUSED(fd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc, want);        \
	}

COMPLETE_CASE(work_complete_flags, wc.flags = 1, -EINVAL)
COMPLETE_CASE(work_complete_pad, wc.pad = 1, -EINVAL)
COMPLETE_CASE(work_complete_count_zero, wc.count = 0, -EINVAL)
COMPLETE_CASE(work_complete_count_over_max, wc.count = KVTIER_MAX_BATCH + 1,
	      -EINVAL)
COMPLETE_CASE(work_complete_count_huge, wc.count = 0xffffffffu, -EINVAL)
COMPLETE_CASE(work_complete_items_null, wc.items_ptr = 0, -EFAULT)
COMPLETE_CASE(work_complete_items_unmapped,
	      wc.items_ptr = (uintptr_t)tl_bad_ptr(), -EFAULT)

static void case_work_complete_unknown_id(void)
{
	struct drm_kvtier_work_done d[2] = {
		{ .work_id = 0x5eed, .result = 999 },
		{ .work_id = 0, .status = -5, .result = 999 },
	};
	struct drm_kvtier_work_complete wc = {
		.items_ptr = (uintptr_t)d,
		.count = 2,
	};
	struct drm_kvtier_stats s0, s1;
	int fd = open_manager();

	TL_ASSERT(fd >= 0, "no manager fd");
	TL_EXPECT_RC(tl_stats(fd, &s0), 0);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc), 0);
	TL_EXPECT_EQ(wc.failed, 2);
	TL_EXPECT_RC(d[0].result, -ENOENT);
	TL_EXPECT_RC(d[1].result, -ENOENT);
	TL_EXPECT_RC(tl_stats(fd, &s1), 0);
	TL_EXPECT_EQ(s1.work_completed, s0.work_completed);
	TL_EXPECT_EQ(s1.bytes_moved, s0.bytes_moved);
}

static struct drm_kvtier_residency_item g_ri;

#define RES_CASE(name, setup, want)                                            \
	static void case_##name(void)                                          \
	{                                                                      \
		struct drm_kvtier_residency rs = {                             \
			.items_ptr = (uintptr_t)&g_ri,                         \
			.count = 1,                                            \
		};                                                             \
		int fd = open_manager();                                       \
		uint64_t h;                                                    \
		TL_ASSERT(fd >= 0, "no manager fd");                           \
		h = ready_object(fd);                                          \
		TL_ASSERT(h, "no object");                                     \
		memset(&g_ri, 0, sizeof(g_ri));                                \
		g_ri.handle = h;                                               \
		g_ri.op = KVTIER_RES_ADD;                                      \
		g_ri.tier = KVTIER_TIER_DISK;                                  \
		g_ri.location = 4096;                                          \
		setup;                                                         \
		REFUSED(fd, DRM_IOCTL_KVTIER_RESIDENCY, &rs, want);            \
		TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, h, 0), 0);             \
	}

RES_CASE(residency_flags, rs.flags = 1, -EINVAL)
RES_CASE(residency_pad, rs.pad = 1, -EINVAL)
RES_CASE(residency_item_pad, g_ri.pad = 1, -EINVAL)
RES_CASE(residency_count_zero, rs.count = 0, -EINVAL)
RES_CASE(residency_count_over_max, rs.count = KVTIER_MAX_BATCH + 1, -EINVAL)
RES_CASE(residency_count_huge, rs.count = 0xffffffffu, -EINVAL)
RES_CASE(residency_items_null, rs.items_ptr = 0, -EFAULT)
RES_CASE(residency_items_unmapped, rs.items_ptr = (uintptr_t)tl_bad_ptr(),
	 -EFAULT)

/* One residency item; the ioctl's error or the item's result. */
static int res1(int fd, uint64_t handle, uint32_t op, uint32_t tier,
		uint64_t location)
{
	struct drm_kvtier_residency_item ri = {
		.handle = handle, .op = op, .tier = tier,
		.location = location, .result = 999,
	};
	struct drm_kvtier_residency rs = {
		.items_ptr = (uintptr_t)&ri,
		.count = 1,
	};
	int err = tl_ioctl(fd, DRM_IOCTL_KVTIER_RESIDENCY, &rs);

	if (err)
		return err;
	if (rs.failed != (ri.result != 0))
		return -EPROTO;
	return ri.result;
}

static void case_residency_bad_op(void)
{
	struct drm_kvtier_lookup_result r;
	int fd = open_manager(), e;
	uint64_t h;

	TL_ASSERT(fd >= 0, "no manager fd");
	h = ready_object(fd);
	TL_ASSERT(h, "no object");
	e = res1(fd, h, KVTIER_RES_COUNT, KVTIER_TIER_DISK, 4096);
	TL_EXPECT_RC(e, -EINVAL);
	e = res1(fd, h, KVTIER_RES_ADD, KVTIER_TIER_HOST, 0);
	TL_EXPECT_RC(e, -EINVAL);
	e = res1(fd, h, KVTIER_RES_ADD, KVTIER_TIER_DEVICE, 0);
	TL_EXPECT_RC(e, -EINVAL);
	e = res1(fd, h, KVTIER_RES_ADD, KVTIER_TIER_COUNT, 0);
	TL_EXPECT_RC(e, -EINVAL);
	e = res1(fd, h, KVTIER_RES_DROP, KVTIER_TIER_DEVICE, 0);
	TL_EXPECT_RC(e, -EINVAL);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(100), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST));
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, h, 0), 0);
}

static void case_residency_unknown_handle(void)
{
	int fd = open_manager();

	TL_ASSERT(fd >= 0, "no manager fd");
	TL_EXPECT_RC(res1(fd, 0, KVTIER_RES_ADD, KVTIER_TIER_DISK, 4096),
		     -ENOENT);
	TL_EXPECT_RC(res1(fd, 0x5eed00000001ull, KVTIER_RES_DROP,
			  KVTIER_TIER_HOST, 0), -ENOENT);
}

static void case_residency_drop_host_busy(void)
{
	struct drm_kvtier_lookup_result r;
	int fd = open_manager(), cfd;
	uint64_t h;

	TL_ASSERT(fd >= 0, "no manager fd");
	cfd = tl_open();
	TL_ASSERT(cfd >= 0, "open: %s", tl_errname(cfd));
	h = ready_object(cfd);
	TL_ASSERT(h, "no object");
	TL_EXPECT_RC(res1(fd, h, KVTIER_RES_ADD, KVTIER_TIER_DISK, 4096), 0);
	/* Referenced by the client that allocated it. */
	TL_EXPECT_RC(res1(fd, h, KVTIER_RES_DROP, KVTIER_TIER_HOST, 0), -EBUSY);
	/* Pinned in HOST by the client. */
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(res1(fd, h, KVTIER_RES_DROP, KVTIER_TIER_HOST, 0), -EBUSY);
	TL_EXPECT_RC(tl_lookup1(cfd, tl_key(100), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST) |
				      KVTIER_TIER_BIT(KVTIER_TIER_DISK));
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_FREE, h, 0), 0);
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} cases[] = {
#define C(n) { #n, case_##n }
		C(fetch_flags), C(fetch_pad), C(fetch_item_pad),
		C(fetch_count_zero), C(fetch_count_over_max),
		C(fetch_count_huge), C(fetch_items_null),
		C(fetch_items_unmapped), C(fetch_tier_bad),
		C(fetch_handle_unknown), C(fetch_region_unknown),
		C(fetch_region_other_client), C(fetch_region_bounds),
		C(region_register_flags), C(region_register_size_zero),
		C(region_unregister_flags), C(region_unregister_unknown),
		C(region_unregister_other_client), C(manager_attach_flags),
		C(manager_attach_pad), C(work_recv_flags),
		C(work_recv_count_zero), C(work_recv_count_over_max),
		C(work_complete_flags), C(work_complete_pad),
		C(work_complete_count_zero), C(work_complete_count_over_max),
		C(work_complete_count_huge), C(work_complete_items_null),
		C(work_complete_items_unmapped), C(work_complete_unknown_id),
		C(residency_flags), C(residency_pad), C(residency_item_pad),
		C(residency_count_zero), C(residency_count_over_max),
		C(residency_count_huge), C(residency_items_null),
		C(residency_items_unmapped), C(residency_bad_op),
		C(residency_unknown_handle), C(residency_drop_host_busy),
#undef C
	};
	size_t i;

	tl_init("valid");
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, NSLOTS);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tl_run(cases[i].name, cases[i].fn);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

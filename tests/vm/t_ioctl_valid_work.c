// SPDX-License-Identifier: GPL-2.0
/*
 * Validation failures of the fetch, region and manager ioctls (work recv,
 * work complete, residency), each its own case; the object and pool
 * ioctls are in t_ioctl_valid.c. After each refused request the driver's
 * stats and the pool must be exactly as before.
 */
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NSLOTS 64

static uint32_t g_pool;
static uint64_t g_page;

#define REFUSED(fd, req, arg, want) TL_REFUSED(fd, g_pool, req, arg, want)

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
		int fd = tl_open_admin();                                         \
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
	int fd = tl_open_admin();
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
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	fetch_item_refused(fd, 0, KVTIER_TIER_HOST, 0, 0, -ENOENT);
	fetch_item_refused(fd, 0x5eed00000001ull, KVTIER_TIER_HOST, 0, 0,
			   -ENOENT);
}

static void case_fetch_region_unknown(void)
{
	int fd = tl_open_admin();
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
	int fd = tl_open_admin(), fd2;
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
	int fd = tl_open_admin();
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
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r, -EINVAL);
}

static void case_region_register_size_zero(void)
{
	struct drm_kvtier_region_register r = { 0 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r, -EINVAL);
}

static void case_region_unregister_flags(void)
{
	struct drm_kvtier_region_register r = { .size = g_page };
	struct drm_kvtier_region_unregister u = { .flags = 1 };
	int fd = tl_open_admin();

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
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u, -ENOENT);
	u.region_id = KVTIER_MAX_REGIONS + 1;
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u, -ENOENT);
}

static void case_region_unregister_other_client(void)
{
	struct drm_kvtier_region_register r = { .size = g_page };
	struct drm_kvtier_region_unregister u = { 0 };
	int fd = tl_open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_ioctl(fd2, DRM_IOCTL_KVTIER_REGION_REGISTER, &r), 0);
	u.region_id = r.region_id;
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u, -ENOENT);
	TL_EXPECT_RC(tl_ioctl(fd2, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u), 0);
}

/* A memfd of @size bytes; MFD_ALLOW_SEALING and @seals when @seals != 0. */
static int memfd_of(uint64_t size, unsigned int seals)
{
	int mfd, err;

	mfd = memfd_create("kvtier-valid",
			   MFD_CLOEXEC | (seals ? MFD_ALLOW_SEALING : 0));
	if (mfd < 0)
		return -errno;
	if (ftruncate(mfd, (off_t)size) ||
	    (seals && fcntl(mfd, F_ADD_SEALS, seals))) {
		err = -errno;
		close(mfd);
		return err;
	}
	return mfd;
}

/* REGION_REGISTER of kind @kind on @rfd for @size bytes, refused @want. */
#define REGION_FD_CASE(name, rfd_expr, size_expr, kind_val, want)              \
	static void case_##name(void)                                          \
	{                                                                      \
		struct drm_kvtier_region_register r = { 0 };                   \
		int fd = tl_open_admin(), rfd;                                    \
		TL_ASSERT(fd >= 0, "no fd");                                   \
		rfd = (rfd_expr);                                              \
		TL_ASSERT(rfd >= 0 || (want) == -EBADF, "fd: %s",             \
			  tl_errname(rfd));                                    \
		r.size = (size_expr);                                          \
		r.fd = rfd;                                                    \
		r.kind = (kind_val);                                           \
		REFUSED(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r, want);       \
		TL_EXPECT_EQ(r.region_id, 0);                                  \
	}

static int pipe_end(void)
{
	int p[2];

	if (pipe(p))
		return -errno;
	return p[1];
}

static int dev_null(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* The sealed memfd reopened read-only through /proc. */
static int memfd_read_only(void)
{
	char path[64];
	int mfd = memfd_of(g_page, F_SEAL_SHRINK), fd;

	if (mfd < 0)
		return mfd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

REGION_FD_CASE(region_register_bad_fd, -1, g_page, KVTIER_REGION_KIND_MEMFD,
	       -EBADF)
REGION_FD_CASE(region_register_closed_fd, 999, g_page,
	       KVTIER_REGION_KIND_CUDA_VMM, -EBADF)
REGION_FD_CASE(region_register_dev_null, dev_null(), g_page,
	       KVTIER_REGION_KIND_MEMFD, -EINVAL)
REGION_FD_CASE(region_register_pipe, pipe_end(), g_page,
	       KVTIER_REGION_KIND_MEMFD, -EINVAL)
REGION_FD_CASE(region_register_memfd_unsealed, memfd_of(g_page, 0), g_page,
	       KVTIER_REGION_KIND_MEMFD, -EINVAL)
REGION_FD_CASE(region_register_memfd_write_sealed,
	       memfd_of(g_page, F_SEAL_SHRINK | F_SEAL_WRITE), g_page,
	       KVTIER_REGION_KIND_MEMFD, -EINVAL)
REGION_FD_CASE(region_register_memfd_read_only, memfd_read_only(), g_page,
	       KVTIER_REGION_KIND_MEMFD, -EINVAL)
REGION_FD_CASE(region_register_memfd_too_small,
	       memfd_of(g_page, F_SEAL_SHRINK), g_page + 1,
	       KVTIER_REGION_KIND_MEMFD, -EINVAL)
REGION_FD_CASE(region_register_kind_unknown, memfd_of(g_page, F_SEAL_SHRINK),
	       g_page, KVTIER_REGION_KIND_COUNT, -EINVAL)
REGION_FD_CASE(region_register_kind_huge, memfd_of(g_page, F_SEAL_SHRINK),
	       g_page, 0xffffffffu, -EINVAL)
/* A region must not keep its own device file open. */
REGION_FD_CASE(region_register_kvtier_fd, fd, g_page,
	       KVTIER_REGION_KIND_CUDA_VMM, -EINVAL)

/* ---- REGION_GET_FD ------------------------------------------------------- */

static int attach(int fd)
{
	struct drm_kvtier_manager_attach ma = { 0 };

	return tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma);
}

/* A manager fd, a client fd and a MEMFD region of the client's. */
static int get_fd_setup(int *mfd, int *fd, uint32_t *id)
{
	struct drm_kvtier_region_register r = {
		.size = g_page, .kind = KVTIER_REGION_KIND_MEMFD,
	};
	int err;

	*mfd = tl_open_admin();
	*fd = tl_open();
	if (*mfd < 0 || *fd < 0)
		return -ENODEV;
	err = attach(*mfd);
	if (err)
		return err;
	r.fd = memfd_of(g_page, F_SEAL_SHRINK);
	if (r.fd < 0)
		return r.fd;
	err = tl_ioctl(*fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r);
	close(r.fd);
	*id = r.region_id;
	return err;
}

#define GET_FD_CASE(name, setup, want)                                         \
	static void case_##name(void)                                          \
	{                                                                      \
		struct drm_kvtier_region_get_fd g = { 0 };                     \
		int mfd, fd, err;                                              \
		uint32_t id = 0;                                               \
		err = get_fd_setup(&mfd, &fd, &id);                            \
		TL_ASSERT(!err, "setup: %s", tl_errname(err));                 \
		g.region_id = id;                                              \
		g.fd = -1;                                                     \
		setup;                                                         \
		REFUSED(mfd, DRM_IOCTL_KVTIER_REGION_GET_FD, &g, want);        \
		TL_EXPECT_EQ(g.fd, -1);                                        \
		TL_EXPECT_EQ(g.size, 0);                                       \
		(void)fd;                                                      \
	}

GET_FD_CASE(region_get_fd_flags, g.flags = 1, -EINVAL)
GET_FD_CASE(region_get_fd_id_zero, g.region_id = 0, -ENOENT)
GET_FD_CASE(region_get_fd_id_over_max, g.region_id = KVTIER_MAX_REGIONS + 1,
	    -ENOENT)
/* Forget region @id of @fd; returns the ioctl's 0/-errno. */
static int unregister(int fd, uint32_t id)
{
	struct drm_kvtier_region_unregister u = { .region_id = id };

	return tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u);
}

/* A KIND_NONE region of @fd; its id, or 0 on failure. */
static uint32_t none_region(int fd)
{
	struct drm_kvtier_region_register r = { .size = g_page, .fd = -1 };

	return tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r) ? 0 :
								  r.region_id;
}

GET_FD_CASE(region_get_fd_unregistered,
	    TL_EXPECT_RC(unregister(fd, id), 0), -ENOENT)
GET_FD_CASE(region_get_fd_kind_none, g.region_id = none_region(fd);
	    TL_ASSERT(g.region_id, "no NONE region"), -ENODEV)

/* ---- OBJ_SCAN ------------------------------------------------------------ */

static struct drm_kvtier_obj_record g_recs[4];

#define SCAN_CASE(name, setup, want)                                           \
	static void case_##name(void)                                          \
	{                                                                      \
		struct drm_kvtier_obj_scan sc = {                              \
			.records_ptr = (uintptr_t)g_recs,                      \
			.count = 4,                                            \
		};                                                             \
		int mfd = tl_open_admin();                                        \
		uint64_t h;                                                    \
		TL_ASSERT(mfd >= 0, "no fd");                                  \
		TL_EXPECT_RC(attach(mfd), 0);                                  \
		h = ready_object(mfd);                                         \
		TL_ASSERT(h, "no object");                                     \
		setup;                                                         \
		{                                                              \
			struct drm_kvtier_obj_scan sc0 = sc;                   \
			REFUSED(mfd, DRM_IOCTL_KVTIER_OBJ_SCAN, &sc, want);    \
			TL_EXPECT_EQ(sc.count, sc0.count);                     \
			TL_EXPECT_EQ(sc.cursor, sc0.cursor);                   \
		}                                                              \
		TL_EXPECT_RC(tl_op1(mfd, KVTIER_OP_FREE, h, 0), 0);            \
	}

SCAN_CASE(obj_scan_flags, sc.flags = 1, -EINVAL)
SCAN_CASE(obj_scan_count_zero, sc.count = 0, -EINVAL)
SCAN_CASE(obj_scan_count_over_max, sc.count = KVTIER_MAX_BATCH + 1, -EINVAL)
SCAN_CASE(obj_scan_count_huge, sc.count = 0xffffffffu, -EINVAL)
SCAN_CASE(obj_scan_records_null, sc.records_ptr = 0, -EFAULT)
SCAN_CASE(obj_scan_records_unmapped,
	  sc.records_ptr = (uintptr_t)tl_bad_ptr(), -EFAULT)

/* ---- manager ioctls ------------------------------------------------------ */

static void case_manager_attach_flags(void)
{
	struct drm_kvtier_manager_attach ma = { .flags = 1 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma, -EINVAL);
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_MANAGER_ATTACHED), 0);
}

static void case_manager_attach_pad(void)
{
	struct drm_kvtier_manager_attach ma = { .pad = 1 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma, -EINVAL);
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_MANAGER_ATTACHED), 0);
}

static int open_manager(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	int fd = tl_open_admin(), err;

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

/*
 * A DEVICE fetch by a client (*fd, admin) of a READY object (*h), to a
 * KIND_NONE region, dispatched to a manager (*mfd): *work_id names it.
 */
static int dispatched_work(int *fd, int *mfd, uint64_t *h, uint64_t *work_id)
{
	struct drm_kvtier_region_register reg = { .size = 1 << 20, .fd = -1 };
	struct drm_kvtier_work_item w;
	struct drm_kvtier_work_recv wr = {
		.items_ptr = (uintptr_t)&w,
		.count = 1,
	};
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_fetch f;
	int err;

	*fd = tl_open_admin();
	*mfd = open_manager();
	if (*fd < 0 || *mfd < 0)
		return -ENODEV;
	err = tl_ioctl(*fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &reg);
	if (err)
		return err;
	*h = ready_object(*fd);
	if (!*h)
		return -ENOENT;
	err = tl_fetch1(*fd, *h, KVTIER_TIER_DEVICE, reg.region_id, 0, 1, &f,
			&fi);
	if (err)
		return err;
	if (f.pending != 1)
		return -EPROTO;
	wr.deadline_ns = tl_now_ns() + 10000000000ull;
	err = tl_ioctl(*mfd, DRM_IOCTL_KVTIER_WORK_RECV, &wr);
	if (err)
		return err;
	if (wr.count != 1 || w.handle != *h)
		return -EPROTO;
	*work_id = w.work_id;
	return 0;
}

/*
 * Completes @work_id with @status; returns the ioctl's error, else the
 * item's result.
 */
static int complete1(int mfd, uint64_t work_id, int32_t status)
{
	struct drm_kvtier_work_done d = {
		.work_id = work_id,
		.status = status,
		.result = 999,
	};
	struct drm_kvtier_work_complete wc = {
		.items_ptr = (uintptr_t)&d,
		.count = 1,
	};
	int err = tl_ioctl(mfd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc);

	if (err)
		return err;
	if (wc.failed != (d.result != 0))
		return -EPROTO;
	return d.result;
}

/*
 * A status that is neither 0 nor -errno (-4095..-1) fails its item with
 * -EINVAL and completes nothing: the work stays dispatched to the manager,
 * which then completes it properly.
 */
static void case_work_complete_status_invalid(void)
{
	static const int32_t bad[] = { -4096, -5000, INT32_MIN, 1, INT32_MAX };
	struct drm_kvtier_event_fetch ev;
	uint64_t h, work_id;
	int fd, mfd, err;
	size_t i;

	err = dispatched_work(&fd, &mfd, &h, &work_id);
	TL_ASSERT(!err, "setup: %s", tl_errname(err));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct drm_kvtier_work_done d = {
			.work_id = work_id,
			.status = bad[i],
			.result = 999,
		};
		struct drm_kvtier_work_complete wc = {
			.items_ptr = (uintptr_t)&d,
			.count = 1,
		};

		REFUSED(mfd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc, 0);
		TL_ASSERT(wc.failed == 1, "status %d: failed %u", bad[i],
			  wc.failed);
		TL_ASSERT(d.result == -EINVAL, "status %d: result %d",
			  bad[i], d.result);
		TL_ASSERT(tl_no_event(fd), "status %d completed the work",
			  bad[i]);
	}
	TL_EXPECT_RC(complete1(mfd, work_id, 0), 0);
	TL_EXPECT_RC(tl_read_fetch_event(fd, TL_WAIT_MS, &ev), 0);
	TL_EXPECT_EQ(ev.completed, 1);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_UNPIN, h, KVTIER_TIER_DEVICE), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, h, 0), 0);
}

/* The most negative -errno is a failure like any other. */
static void case_work_complete_status_errno_max(void)
{
	struct drm_kvtier_event_fetch ev;
	uint64_t h, work_id;
	int fd, mfd, err;

	err = dispatched_work(&fd, &mfd, &h, &work_id);
	TL_ASSERT(!err, "setup: %s", tl_errname(err));
	TL_EXPECT_RC(complete1(mfd, work_id, -4095), 0);
	TL_EXPECT_RC(tl_read_fetch_event(fd, TL_WAIT_MS, &ev), 0);
	TL_EXPECT_EQ(ev.completed, 0);
	TL_EXPECT_EQ(ev.failed, 1);
	TL_EXPECT_RC(ev.status, -4095);
	/* Done: completing it again finds nothing. */
	TL_EXPECT_RC(complete1(mfd, work_id, 0), -ENOENT);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, h, 0), 0);
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
		C(region_unregister_other_client), C(region_register_bad_fd),
		C(region_register_closed_fd), C(region_register_dev_null),
		C(region_register_pipe), C(region_register_memfd_unsealed),
		C(region_register_memfd_write_sealed),
		C(region_register_memfd_read_only),
		C(region_register_memfd_too_small),
		C(region_register_kind_unknown), C(region_register_kind_huge),
		C(region_register_kvtier_fd), C(region_get_fd_flags),
		C(region_get_fd_id_zero), C(region_get_fd_id_over_max),
		C(region_get_fd_unregistered), C(region_get_fd_kind_none),
		C(obj_scan_flags), C(obj_scan_count_zero),
		C(obj_scan_count_over_max), C(obj_scan_count_huge),
		C(obj_scan_records_null), C(obj_scan_records_unmapped),
		C(manager_attach_flags),
		C(manager_attach_pad), C(work_recv_flags),
		C(work_recv_count_zero), C(work_recv_count_over_max),
		C(work_complete_flags), C(work_complete_pad),
		C(work_complete_count_zero), C(work_complete_count_over_max),
		C(work_complete_count_huge), C(work_complete_items_null),
		C(work_complete_items_unmapped), C(work_complete_unknown_id),
		C(work_complete_status_invalid),
		C(work_complete_status_errno_max),
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

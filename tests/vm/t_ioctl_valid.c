// SPDX-License-Identifier: GPL-2.0
/*
 * Validation failures of the param, pool, tenant and object ioctls, each
 * its own case: unknown flag bits, non-zero pads and reserved fields,
 * counts out of bounds, bad pointers, unknown pools, handles and values.
 * (Fetch, region and manager ioctls: t_ioctl_valid_work.c.) After each
 * refused request the driver's stats and the pool must be exactly as before.
 */
#include "tlib.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NSLOTS 64

static uint32_t g_pool;
static uint64_t g_page;

#define REFUSED(fd, req, arg, want) TL_REFUSED(fd, g_pool, req, arg, want)

/* Pools that exist now (ids 1..KVTIER_MAX_POOLS). */
static int count_pools(int fd)
{
	struct drm_kvtier_pool_info pi;
	int id, n = 0;

	for (id = 1; id <= KVTIER_MAX_POOLS; id++)
		n += tl_pool_info(fd, id, &pi) == 0;
	return n;
}

/* An id of no pool, or 0 when all are taken. */
static uint32_t unused_pool(int fd)
{
	struct drm_kvtier_pool_info pi;
	uint32_t id;

	for (id = KVTIER_MAX_POOLS; id >= 1; id--)
		if (tl_pool_info(fd, id, &pi) == -ENOENT)
			return id;
	return 0;
}

/* ---- GET_PARAM ----------------------------------------------------------- */

static void case_get_param_pad(void)
{
	struct drm_kvtier_get_param gp = { .param = KVTIER_PARAM_ABI_VERSION,
					   .pad = 1 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_GET_PARAM, &gp, -EINVAL);
}

static void case_get_param_unknown(void)
{
	struct drm_kvtier_get_param gp = { .param = KVTIER_PARAM_COUNT };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_GET_PARAM, &gp, -EINVAL);
	gp.param = 0xffffffffu;
	REFUSED(fd, DRM_IOCTL_KVTIER_GET_PARAM, &gp, -EINVAL);
}

static void case_unknown_ioctl(void)
{
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IO(DRM_COMMAND_BASE + DRM_KVTIER_STREAM_OPEN + 1), NULL,
		-EINVAL);
}

/* ---- POOL_CREATE / DESTROY / INFO ---------------------------------------- */

static struct drm_kvtier_pool_create good_pool(void)
{
	struct drm_kvtier_pool_create pc = {
		.slot_size = g_page,
		.slot_count = 4,
		.kind = KVTIER_KIND_RAW,
	};

	return pc;
}

/* Expect the create to be refused and no pool to appear. */
static void pool_create_refused(struct drm_kvtier_pool_create *pc, int want)
{
	int fd = tl_open_admin(), before;

	TL_ASSERT(fd >= 0, "no fd");
	before = count_pools(fd);
	pc->pool_id = 0;
	REFUSED(fd, DRM_IOCTL_KVTIER_POOL_CREATE, pc, want);
	if (pc->pool_id)
		tl_pool_destroy(fd, pc->pool_id);
	TL_EXPECT_EQ(count_pools(fd), before);
}

static void case_pool_create_flags(void)
{
	struct drm_kvtier_pool_create pc = good_pool();

	pc.flags = 1u << 2;
	pool_create_refused(&pc, -EINVAL);
	pc.flags = 1u << 31;
	pool_create_refused(&pc, -EINVAL);
}

static void case_pool_create_reserved0(void)
{
	struct drm_kvtier_pool_create pc = good_pool();

	pc.reserved[0] = 1;
	pool_create_refused(&pc, -EINVAL);
}

static void case_pool_create_reserved1(void)
{
	struct drm_kvtier_pool_create pc = good_pool();

	pc.reserved[1] = 1ull << 63;
	pool_create_refused(&pc, -EINVAL);
}

static void case_pool_create_slot_size_zero(void)
{
	struct drm_kvtier_pool_create pc = good_pool();

	pc.slot_size = 0;
	pool_create_refused(&pc, -EINVAL);
}

static void case_pool_create_slot_size_unaligned(void)
{
	struct drm_kvtier_pool_create pc = good_pool();

	pc.slot_size = g_page + 512;
	pool_create_refused(&pc, -EINVAL);
	pc.slot_size = 512;
	pool_create_refused(&pc, -EINVAL);
}

static void case_pool_create_slot_count_zero(void)
{
	struct drm_kvtier_pool_create pc = good_pool();

	pc.slot_count = 0;
	pool_create_refused(&pc, -EINVAL);
}

static void case_pool_create_kind(void)
{
	struct drm_kvtier_pool_create pc = good_pool();

	pc.kind = KVTIER_KIND_COUNT;
	pool_create_refused(&pc, -EINVAL);
	pc.kind = 0xffffffffu;
	pool_create_refused(&pc, -EINVAL);
}

static void case_pool_create_size_overflow(void)
{
	struct drm_kvtier_pool_create pc = good_pool();

	/* 2^32 * 2^33 wraps to 0 in 64 bits. */
	pc.slot_size = 1ull << 32;
	pc.slot_count = 1ull << 33;
	pool_create_refused(&pc, -EINVAL);
}

static void case_pool_destroy_flags(void)
{
	struct drm_kvtier_pool_destroy pd = { .pool_id = g_pool, .flags = 1 };
	struct drm_kvtier_pool_info pi;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_POOL_DESTROY, &pd, -EINVAL);
	TL_EXPECT_RC(tl_pool_info(fd, g_pool, &pi), 0);
}

static void case_pool_destroy_unknown(void)
{
	struct drm_kvtier_pool_destroy pd = { 0 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_POOL_DESTROY, &pd, -ENOENT);
	pd.pool_id = KVTIER_MAX_POOLS + 1;
	REFUSED(fd, DRM_IOCTL_KVTIER_POOL_DESTROY, &pd, -ENOENT);
	pd.pool_id = unused_pool(fd);
	TL_ASSERT(pd.pool_id, "every pool id in use");
	REFUSED(fd, DRM_IOCTL_KVTIER_POOL_DESTROY, &pd, -ENOENT);
}

static void case_pool_destroy_busy(void)
{
	struct drm_kvtier_pool_destroy pd = { .pool_id = g_pool };
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_pool_info pi;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	REFUSED(fd, DRM_IOCTL_KVTIER_POOL_DESTROY, &pd, -EBUSY);
	TL_EXPECT_RC(tl_pool_info(fd, g_pool, &pi), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_pool_info_pad(void)
{
	struct drm_kvtier_pool_info pi = { .pool_id = g_pool, .pad = 1 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_POOL_INFO, &pi, -EINVAL);
}

static void case_pool_info_unknown(void)
{
	struct drm_kvtier_pool_info pi = { 0 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_POOL_INFO, &pi, -ENOENT);
	memset(&pi, 0, sizeof(pi));
	pi.pool_id = KVTIER_MAX_POOLS + 1;
	REFUSED(fd, DRM_IOCTL_KVTIER_POOL_INFO, &pi, -ENOENT);
}

/* ---- tenants ------------------------------------------------------------- */

static void quota_refused(struct drm_kvtier_tenant_quota *q, int want)
{
	struct drm_kvtier_tenant_usage u;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_TENANT_QUOTA, q, want);
	/* The caller's quota in the pool is still unlimited. */
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u), 0);
	TL_EXPECT_EQ(u.max_slots, KVTIER_QUOTA_UNLIMITED);
}

static void case_tenant_quota_pad(void)
{
	struct drm_kvtier_tenant_quota q = {
		.tenant_id = tl_cg_self_id(),
		.pool_id = g_pool,
		.pad = 1,
		.max_slots = 1,
	};

	quota_refused(&q, -EINVAL);
}

static void case_tenant_quota_unknown_pool(void)
{
	struct drm_kvtier_tenant_quota q = {
		.tenant_id = tl_cg_self_id(),
		.pool_id = KVTIER_MAX_POOLS + 1,
		.max_slots = 1,
	};

	quota_refused(&q, -ENOENT);
}

static void case_tenant_quota_tenant_zero(void)
{
	struct drm_kvtier_tenant_quota q = { .pool_id = g_pool,
					     .max_slots = 1 };

	quota_refused(&q, -EINVAL);
}

static void case_tenant_info_pad(void)
{
	struct drm_kvtier_tenant_usage u = { .pool_id = g_pool, .pad = 1 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_TENANT_INFO, &u, -EINVAL);
}

static void case_tenant_info_unknown_pool(void)
{
	struct drm_kvtier_tenant_usage u = { .pool_id = KVTIER_MAX_POOLS + 1 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_TENANT_INFO, &u, -ENOENT);
}

static void case_tenant_list_flags(void)
{
	struct drm_kvtier_tenant_usage e[4];
	struct drm_kvtier_tenant_list l = { .entries_ptr = (uintptr_t)e,
					    .count = 4, .flags = 1 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_TENANT_LIST, &l, -EINVAL);
}

static void case_tenant_list_count_over_max(void)
{
	struct drm_kvtier_tenant_usage e[4];
	struct drm_kvtier_tenant_list l = { .entries_ptr = (uintptr_t)e,
					    .count = KVTIER_MAX_BATCH + 1 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_TENANT_LIST, &l, -EINVAL);
}

static void case_tenant_list_bad_ptr(void)
{
	struct drm_kvtier_tenant_list l = { .count = 4 };
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	/* A tenant with usage, so that there is something to write. */
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &a), 0);
	REFUSED(fd, DRM_IOCTL_KVTIER_TENANT_LIST, &l, -EFAULT);
	l.entries_ptr = (uintptr_t)tl_bad_ptr();
	l.count = 4;
	REFUSED(fd, DRM_IOCTL_KVTIER_TENANT_LIST, &l, -EFAULT);
}

/* ---- OBJ_ALLOC ----------------------------------------------------------- */

/*
 * Expect the allocation refused with @want, and @want_index as its
 * failed_index: the failing item's, or KVTIER_NO_INDEX when the request
 * was refused as a whole.
 */
static void alloc_refused(struct drm_kvtier_obj_alloc *a, int want,
			  uint32_t want_index)
{
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	/* Neither an index nor KVTIER_NO_INDEX: the driver must write it. */
	a->failed_index = 12345;
	REFUSED(fd, DRM_IOCTL_KVTIER_OBJ_ALLOC, a, want);
	TL_EXPECT_EQ(a->failed_index, want_index);
}

static struct drm_kvtier_alloc_item g_item;

static struct drm_kvtier_obj_alloc good_alloc(void)
{
	struct drm_kvtier_obj_alloc a = {
		.items_ptr = (uintptr_t)&g_item,
		.count = 1,
		.pool_id = g_pool,
	};

	memset(&g_item, 0, sizeof(g_item));
	g_item.key = tl_key(1);
	g_item.size = g_page;
	return a;
}

static void case_alloc_flags(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();

	a.flags = 1u << 1;
	alloc_refused(&a, -EINVAL, KVTIER_NO_INDEX);
	a.flags = 1u << 31;
	alloc_refused(&a, -EINVAL, KVTIER_NO_INDEX);
}

static void case_alloc_item_pad(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();

	g_item.pad = 1;
	alloc_refused(&a, -EINVAL, 0);
}

static void case_alloc_count_zero(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();

	a.count = 0;
	alloc_refused(&a, -EINVAL, KVTIER_NO_INDEX);
}

static void case_alloc_count_over_max(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();

	a.count = KVTIER_MAX_BATCH + 1;
	alloc_refused(&a, -EINVAL, KVTIER_NO_INDEX);
}

static void case_alloc_count_huge(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();

	/* count * sizeof(item) overflows 32 bits. */
	a.count = 0xffffffffu;
	alloc_refused(&a, -EINVAL, KVTIER_NO_INDEX);
}

static void case_alloc_items_null(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();

	a.items_ptr = 0;
	alloc_refused(&a, -EFAULT, KVTIER_NO_INDEX);
}

static void case_alloc_items_unmapped(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();

	a.items_ptr = (uintptr_t)tl_bad_ptr();
	alloc_refused(&a, -EFAULT, KVTIER_NO_INDEX);
}

static void case_alloc_items_straddle(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();
	struct drm_kvtier_alloc_item *it;
	uint8_t *p;

	/* Two items, the second one across the end of readable memory. */
	p = mmap(NULL, 2 * g_page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TL_ASSERT(p != MAP_FAILED, "mmap");
	TL_ASSERT(!mprotect(p + g_page, g_page, PROT_NONE), "mprotect");
	it = (void *)(p + g_page - sizeof(*it) - sizeof(*it) / 2);
	memset(it, 0, sizeof(*it) + sizeof(*it) / 2);
	it[0].key = tl_key(1);
	it[0].size = g_page;
	a.items_ptr = (uintptr_t)it;
	a.count = 2;
	alloc_refused(&a, -EFAULT, KVTIER_NO_INDEX);
}

static void case_alloc_items_readonly(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();
	struct drm_kvtier_alloc_item *it;
	struct drm_kvtier_alloc_item b;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	/* Readable input but no room for the outputs: all or nothing. */
	it = mmap(NULL, g_page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TL_ASSERT(it != MAP_FAILED, "mmap");
	it->key = tl_key(1);
	it->size = g_page;
	TL_ASSERT(!mprotect(it, g_page, PROT_READ), "mprotect");
	a.items_ptr = (uintptr_t)it;
	a.failed_index = 12345;
	REFUSED(fd, DRM_IOCTL_KVTIER_OBJ_ALLOC, &a, -EFAULT);
	TL_EXPECT_EQ(a.failed_index, KVTIER_NO_INDEX);
	/* The key was not left reserved. */
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &b), 0);
}

static void case_alloc_unknown_pool(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();

	a.pool_id = 0;
	alloc_refused(&a, -ENOENT, KVTIER_NO_INDEX);
	a.pool_id = KVTIER_MAX_POOLS + 1;
	alloc_refused(&a, -ENOENT, KVTIER_NO_INDEX);
}

static void case_alloc_size_zero(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();

	g_item.size = 0;
	alloc_refused(&a, -EINVAL, 0);
}

static void case_alloc_too_big(void)
{
	struct drm_kvtier_obj_alloc a = good_alloc();

	g_item.size = (NSLOTS + 1) * g_page;
	alloc_refused(&a, -ENOSPC, 0);
	TL_EXPECT_EQ(a.failed_index, 0);
}

static void case_alloc_dup_key_in_batch(void)
{
	struct drm_kvtier_alloc_item it[3] = {
		{ .key = tl_key(1), .size = g_page },
		{ .key = tl_key(2), .size = g_page },
		{ .key = tl_key(1), .size = g_page },
	};
	struct drm_kvtier_obj_alloc a = {
		.items_ptr = (uintptr_t)it, .count = 3, .pool_id = g_pool,
	};
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	REFUSED(fd, DRM_IOCTL_KVTIER_OBJ_ALLOC, &a, -EEXIST);
	TL_EXPECT_EQ(a.failed_index, 2);
	/* Nothing was kept: both keys are free. */
	TL_EXPECT_RC(tl_alloc(fd, g_pool, 0, it, 2, NULL), 0);
}

static void case_alloc_dup_key_ready(void)
{
	struct drm_kvtier_alloc_item it[2] = {
		{ .key = tl_key(2), .size = g_page },
		{ .key = tl_key(1), .size = g_page },
	};
	struct drm_kvtier_obj_alloc a = {
		.items_ptr = (uintptr_t)it, .count = 2, .pool_id = g_pool,
	};
	struct drm_kvtier_alloc_item r;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &r), 0);
	REFUSED(fd, DRM_IOCTL_KVTIER_OBJ_ALLOC, &a, -EEXIST);
	TL_EXPECT_EQ(a.failed_index, 1);
	TL_EXPECT_RC(tl_alloc(fd, g_pool, 0, it, 1, NULL), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, r.handle, 0), 0);
}

static void case_alloc_dup_key_writing(void)
{
	struct drm_kvtier_alloc_item w;
	struct drm_kvtier_obj_alloc a = good_alloc();
	int fd = tl_open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &w), 0);
	/* Reserved at alloc, even for another client of the tenant. */
	REFUSED(fd2, DRM_IOCTL_KVTIER_OBJ_ALLOC, &a, -EEXIST);
	TL_EXPECT_EQ(a.failed_index, 0);
}

/* ---- OBJ_BATCH ----------------------------------------------------------- */

static struct drm_kvtier_obj_op g_op;

static struct drm_kvtier_obj_batch good_batch(uint64_t handle)
{
	struct drm_kvtier_obj_batch b = {
		.items_ptr = (uintptr_t)&g_op,
		.count = 1,
		.op = KVTIER_OP_PIN,
	};

	memset(&g_op, 0, sizeof(g_op));
	g_op.handle = handle;
	g_op.tier = KVTIER_TIER_HOST;
	return b;
}

/* A READY object held by @fd, for batch cases to aim at. */
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

static void batch_refused(struct drm_kvtier_obj_batch *b, int fd, int want)
{
	REFUSED(fd, DRM_IOCTL_KVTIER_OBJ_BATCH, b, want);
	/* The object was not pinned: free succeeds. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, g_op.handle, 0), 0);
}

#define BATCH_CASE(name, setup, want)                                          \
	static void case_##name(void)                                          \
	{                                                                      \
		struct drm_kvtier_obj_batch b;                                 \
		int fd = tl_open_admin();                                         \
		uint64_t h;                                                    \
		TL_ASSERT(fd >= 0, "no fd");                                   \
		h = ready_object(fd);                                          \
		TL_ASSERT(h, "no object");                                     \
		b = good_batch(h);                                             \
		setup;                                                         \
		batch_refused(&b, fd, want);                                   \
	}

BATCH_CASE(batch_flags, b.flags = 1, -EINVAL)
BATCH_CASE(batch_op_unknown, b.op = KVTIER_OP_COUNT, -EINVAL)
BATCH_CASE(batch_op_huge, b.op = 0xffffffffu, -EINVAL)
BATCH_CASE(batch_count_zero, b.count = 0, -EINVAL)
BATCH_CASE(batch_count_over_max, b.count = KVTIER_MAX_BATCH + 1, -EINVAL)
BATCH_CASE(batch_count_huge, b.count = 0xffffffffu, -EINVAL)
BATCH_CASE(batch_items_null, b.items_ptr = 0, -EFAULT)
BATCH_CASE(batch_items_unmapped, b.items_ptr = (uintptr_t)tl_bad_ptr(),
	   -EFAULT)

static void case_batch_items_readonly(void)
{
	struct drm_kvtier_obj_batch b;
	struct drm_kvtier_obj_op *it;
	int fd = tl_open_admin();
	uint64_t h;

	TL_ASSERT(fd >= 0, "no fd");
	h = ready_object(fd);
	TL_ASSERT(h, "no object");
	b = good_batch(h);
	/* Readable items, no room for their results: nothing is pinned. */
	it = mmap(NULL, g_page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TL_ASSERT(it != MAP_FAILED, "mmap");
	*it = g_op;
	TL_ASSERT(!mprotect(it, g_page, PROT_READ), "mprotect");
	b.items_ptr = (uintptr_t)it;
	batch_refused(&b, fd, -EFAULT);
}

static void case_batch_items_readonly_late(void)
{
	struct drm_kvtier_obj_batch b;
	struct drm_kvtier_obj_op *it;
	uint32_t i, n = 2 * g_page / sizeof(*it);
	int fd = tl_open_admin();
	uint64_t h;

	TL_ASSERT(fd >= 0, "no fd");
	h = ready_object(fd);
	TL_ASSERT(h, "no object");
	b = good_batch(h);
	/*
	 * Two pages of items, more than the driver takes at once; only the
	 * last page is read-only, so the first items would have run.
	 */
	it = mmap(NULL, 2 * g_page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TL_ASSERT(it != MAP_FAILED, "mmap");
	for (i = 0; i < n; i++)
		it[i] = g_op;
	TL_ASSERT(!mprotect((char *)it + g_page, g_page, PROT_READ),
		  "mprotect");
	b.items_ptr = (uintptr_t)it;
	b.count = n;
	batch_refused(&b, fd, -EFAULT);
}

static void case_batch_bad_tier_late(void)
{
	struct drm_kvtier_obj_batch b;
	struct drm_kvtier_obj_op *it;
	uint32_t i, n = KVTIER_MAX_BATCH;
	int fd = tl_open_admin();
	uint64_t h;

	TL_ASSERT(fd >= 0, "no fd");
	h = ready_object(fd);
	TL_ASSERT(h, "no object");
	b = good_batch(h);
	it = calloc(n, sizeof(*it));
	TL_ASSERT(it, "calloc");
	for (i = 0; i < n; i++)
		it[i] = g_op;
	/* The whole batch is checked before its first item runs. */
	it[n - 1].tier = KVTIER_TIER_COUNT;
	b.items_ptr = (uintptr_t)it;
	b.count = n;
	batch_refused(&b, fd, -EINVAL);
	free(it);
}

static void case_batch_handle_unknown(void)
{
	static const uint32_t ops[] = { KVTIER_OP_COMMIT, KVTIER_OP_PIN,
					KVTIER_OP_UNPIN, KVTIER_OP_RELEASE,
					KVTIER_OP_FREE };
	int fd = tl_open_admin();
	size_t i;

	TL_ASSERT(fd >= 0, "no fd");
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		uint32_t tier = ops[i] == KVTIER_OP_PIN ||
						ops[i] == KVTIER_OP_UNPIN ?
					KVTIER_TIER_HOST : 0;

		TL_EXPECT_RC(tl_op1(fd, ops[i], 0, tier), -ENOENT);
		TL_EXPECT_RC(tl_op1(fd, ops[i], 0x5eed00000001ull, tier),
			     -ENOENT);
		TL_EXPECT_RC(tl_op1(fd, ops[i], ~0ull, tier), -ENOENT);
	}
}

static void case_batch_handle_stale(void)
{
	struct drm_kvtier_alloc_item a, b;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a.handle, 0), 0);
	/* The object is gone; its handle names nothing. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST),
		     -ENOENT);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), -ENOENT);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a.handle, 0), -ENOENT);
	/* A new object in the same slot does not revive the old handle. */
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(2), g_page, &b), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), -ENOENT);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, b.handle, 0), 0);
}

/* A bad tier is refused, as the item's result or as the whole ioctl. */
static int op_einval(int fd, uint32_t op, uint64_t handle, uint32_t tier)
{
	int r = tl_op1(fd, op, handle, tier);

	return r == -EINVAL ? 0 : r == 0 ? -999 : r;
}

static void case_batch_pin_bad_tier(void)
{
	int fd = tl_open_admin();
	uint64_t h;

	TL_ASSERT(fd >= 0, "no fd");
	h = ready_object(fd);
	TL_ASSERT(h, "no object");
	TL_EXPECT_RC(op_einval(fd, KVTIER_OP_PIN, h, KVTIER_TIER_COUNT), 0);
	TL_EXPECT_RC(op_einval(fd, KVTIER_OP_PIN, h, 0xffffffffu), 0);
	/* Nothing was pinned. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, h, 0), 0);
}

static void case_batch_commit_nonzero_tier(void)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(op_einval(fd, KVTIER_OP_COMMIT, a.handle,
			       KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.handle, 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

/* ---- LOOKUP -------------------------------------------------------------- */

static struct drm_kvtier_key g_keys[2];
static struct drm_kvtier_lookup_result g_res[2];

static struct drm_kvtier_lookup good_lookup(void)
{
	struct drm_kvtier_lookup l = {
		.keys_ptr = (uintptr_t)g_keys,
		.results_ptr = (uintptr_t)g_res,
		.count = 2,
	};

	g_keys[0] = tl_key(1);
	g_keys[1] = tl_key(2);
	return l;
}

#define LOOKUP_CASE(name, setup, want)                                         \
	static void case_##name(void)                                          \
	{                                                                      \
		struct drm_kvtier_lookup l = good_lookup();                    \
		int fd = tl_open_admin();                                         \
		TL_ASSERT(fd >= 0, "no fd");                                   \
		setup;                                                         \
		REFUSED(fd, DRM_IOCTL_KVTIER_LOOKUP, &l, want);                \
	}

LOOKUP_CASE(lookup_flags, l.flags = 1u << 2, -EINVAL)
LOOKUP_CASE(lookup_flags_high, l.flags = 1u << 31, -EINVAL)
LOOKUP_CASE(lookup_count_zero, l.count = 0, -EINVAL)
LOOKUP_CASE(lookup_count_over_max, l.count = KVTIER_MAX_BATCH + 1, -EINVAL)
LOOKUP_CASE(lookup_count_huge, l.count = 0xffffffffu, -EINVAL)
LOOKUP_CASE(lookup_keys_null, l.keys_ptr = 0, -EFAULT)
LOOKUP_CASE(lookup_keys_unmapped, l.keys_ptr = (uintptr_t)tl_bad_ptr(),
	    -EFAULT)
LOOKUP_CASE(lookup_results_null, l.results_ptr = 0, -EFAULT)

static void case_lookup_keys_unmapped_late(void)
{
	struct drm_kvtier_lookup l = good_lookup();
	struct drm_kvtier_lookup_result *res;
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_key *k;
	uint32_t i, n = KVTIER_MAX_BATCH;
	size_t len = n * sizeof(*k);
	int fd = tl_open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	/*
	 * Every key hits, more keys than the driver reads at once, and the
	 * last page of them cannot be read: nothing may be acquired.
	 */
	k = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TL_ASSERT(k != MAP_FAILED, "mmap");
	for (i = 0; i < n; i++)
		k[i] = tl_key(1);
	TL_ASSERT(!mprotect((char *)k + len - g_page, g_page, PROT_NONE),
		  "mprotect");
	res = calloc(n, sizeof(*res));
	TL_ASSERT(res, "calloc");
	l.keys_ptr = (uintptr_t)k;
	l.results_ptr = (uintptr_t)res;
	l.count = n;
	l.flags = KVTIER_LOOKUP_ACQUIRE;
	REFUSED(fd2, DRM_IOCTL_KVTIER_LOOKUP, &l, -EFAULT);
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST),
		     -EACCES);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	free(res);
}

static void case_lookup_results_readonly_acquire(void)
{
	struct drm_kvtier_lookup l = good_lookup();
	struct drm_kvtier_alloc_item a;
	void *ro;
	int fd = tl_open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	ro = mmap(NULL, g_page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TL_ASSERT(ro != MAP_FAILED, "mmap");
	l.results_ptr = (uintptr_t)ro;
	l.flags = KVTIER_LOOKUP_ACQUIRE;
	TL_EXPECT_RC(tl_ioctl(fd2, DRM_IOCTL_KVTIER_LOOKUP, &l), -EFAULT);
	/* A failed ioctl must not leave fd2 holding a reference. */
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST),
		     -EACCES);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} cases[] = {
#define C(n) { #n, case_##n }
		C(get_param_pad), C(get_param_unknown), C(unknown_ioctl),
		C(pool_create_flags), C(pool_create_reserved0),
		C(pool_create_reserved1), C(pool_create_slot_size_zero),
		C(pool_create_slot_size_unaligned),
		C(pool_create_slot_count_zero), C(pool_create_kind),
		C(pool_create_size_overflow), C(pool_destroy_flags),
		C(pool_destroy_unknown), C(pool_destroy_busy),
		C(pool_info_pad), C(pool_info_unknown),
		C(tenant_quota_pad), C(tenant_quota_unknown_pool),
		C(tenant_quota_tenant_zero), C(tenant_info_pad),
		C(tenant_info_unknown_pool), C(tenant_list_flags),
		C(tenant_list_count_over_max), C(tenant_list_bad_ptr),
		C(alloc_flags), C(alloc_item_pad), C(alloc_count_zero),
		C(alloc_count_over_max), C(alloc_count_huge),
		C(alloc_items_null), C(alloc_items_unmapped),
		C(alloc_items_straddle), C(alloc_items_readonly),
		C(alloc_unknown_pool), C(alloc_size_zero), C(alloc_too_big),
		C(alloc_dup_key_in_batch), C(alloc_dup_key_ready),
		C(alloc_dup_key_writing),
		C(batch_flags), C(batch_op_unknown), C(batch_op_huge),
		C(batch_count_zero), C(batch_count_over_max),
		C(batch_count_huge), C(batch_items_null),
		C(batch_items_unmapped), C(batch_items_readonly),
		C(batch_items_readonly_late), C(batch_bad_tier_late),
		C(batch_handle_unknown),
		C(batch_handle_stale), C(batch_pin_bad_tier),
		C(batch_commit_nonzero_tier),
		C(lookup_flags), C(lookup_flags_high), C(lookup_count_zero),
		C(lookup_count_over_max), C(lookup_count_huge),
		C(lookup_keys_null), C(lookup_keys_unmapped),
		C(lookup_results_null), C(lookup_results_readonly_acquire),
		C(lookup_keys_unmapped_late),
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

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/work.c: which tier reads and writes what for each
 * work item, the bounds every item is checked against (an item pointing
 * outside a mapping fails with -EINVAL), staging for regions that are not
 * host-addressable, as a fake tier answers, and completion batches.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "kvtd_tier_mem.h"
#include "kvtd_work.h"

#define POOL (64ull << 20)
#define REGION (16ull << 20)

static const struct kvtd_work_geom geom = { .pool_size = POOL,
					    .region_size = REGION };

static struct drm_kvtier_work_item item(uint32_t src, uint32_t dst,
					uint64_t src_off, uint64_t dst_off,
					uint64_t size)
{
	struct drm_kvtier_work_item w = {
		.work_id = 7,
		.size = size,
		.src_offset = src_off,
		.dst_offset = dst_off,
		.op = KVTIER_WORK_FETCH,
		.src_tier = src,
		.dst_tier = dst,
		.region_id = dst == KVTIER_TIER_DEVICE ? 3 : 0,
		.pool_id = 1,
	};
	return w;
}

START_TEST(test_host_to_device)
{
	struct drm_kvtier_work_item w = item(KVTIER_TIER_HOST,
					     KVTIER_TIER_DEVICE, 2 << 20,
					     12345, 100000);
	struct kvtd_work_action a;

	ck_assert_int_eq(kvtd_work_plan(&w, &geom, &a), 0);
	ck_assert_uint_eq(a.kind, KVTD_ACT_COPY);
	ck_assert_uint_eq(a.dst_tier, KVTIER_TIER_DEVICE);
	ck_assert_uint_eq(a.src_off, 2 << 20);
	ck_assert_uint_eq(a.dst_off, 12345);
	/* A copy moves the object's bytes exactly, unaligned or not. */
	ck_assert_uint_eq(a.len, 100000);
	ck_assert(!a.bounce);
}
END_TEST

START_TEST(test_disk_to_host)
{
	struct drm_kvtier_work_item w = item(KVTIER_TIER_DISK, KVTIER_TIER_HOST,
					     0xabc000, 4 << 20, 5000);
	struct kvtd_work_action a;

	ck_assert_int_eq(kvtd_work_plan(&w, &geom, &a), 0);
	ck_assert_uint_eq(a.kind, KVTD_ACT_DISK_READ);
	ck_assert_uint_eq(a.dst_tier, KVTIER_TIER_HOST);
	ck_assert_uint_eq(a.dst_off, 4 << 20);
	ck_assert_uint_eq(a.len, 5000);
	/* Rounded to O_DIRECT's unit: the object's slots hold it. */
	ck_assert_uint_eq(a.io_len, 8192);
	ck_assert(!a.bounce);
}
END_TEST

START_TEST(test_disk_to_device)
{
	struct drm_kvtier_work_item w = item(KVTIER_TIER_DISK,
					     KVTIER_TIER_DEVICE, 0, 8192,
					     2 << 20);
	struct kvtd_work_action a;

	/* Aligned and whole: read straight into the region. */
	ck_assert_int_eq(kvtd_work_plan(&w, &geom, &a), 0);
	ck_assert_uint_eq(a.kind, KVTD_ACT_DISK_READ);
	ck_assert_uint_eq(a.dst_tier, KVTIER_TIER_DEVICE);
	ck_assert_uint_eq(a.io_len, 2 << 20);
	ck_assert(!a.bounce);
	/* Unaligned offset: O_DIRECT cannot, so through a buffer. */
	w.dst_offset = 100;
	ck_assert_int_eq(kvtd_work_plan(&w, &geom, &a), 0);
	ck_assert(a.bounce);
	/* A size that rounds up would write past the object: a buffer. */
	w.dst_offset = 0;
	w.size = 5000;
	ck_assert_int_eq(kvtd_work_plan(&w, &geom, &a), 0);
	ck_assert(a.bounce);
	ck_assert_uint_eq(a.io_len, 8192);
	ck_assert_uint_eq(a.len, 5000);
}
END_TEST

/* @w must fail with @ret. */
static void expect_fail(struct drm_kvtier_work_item w,
			const struct kvtd_work_geom *g, int ret)
{
	struct kvtd_work_action a;

	ck_assert_int_eq(kvtd_work_plan(&w, g, &a), ret);
}

START_TEST(test_bounds)
{
	const uint32_t H = KVTIER_TIER_HOST, D = KVTIER_TIER_DEVICE,
		       K = KVTIER_TIER_DISK;

	/* Exactly at the end fits; one byte more does not. */
	struct drm_kvtier_work_item w = item(H, D, POOL - 4096, REGION - 4096,
					     4096);
	struct kvtd_work_action a;

	ck_assert_int_eq(kvtd_work_plan(&w, &geom, &a), 0);
	expect_fail(item(H, D, POOL - 4096, 0, 4097), &geom, -EINVAL);
	expect_fail(item(H, D, 0, REGION - 4096, 4097), &geom, -EINVAL);
	expect_fail(item(H, D, POOL, 0, 1), &geom, -EINVAL);
	/* Offsets that would wrap around. */
	expect_fail(item(H, D, UINT64_MAX - 10, 0, 4096), &geom, -EINVAL);
	expect_fail(item(H, D, 0, UINT64_MAX, 4096), &geom, -EINVAL);
	expect_fail(item(K, H, 0, UINT64_MAX - 4095, 4096), &geom, -EINVAL);
	expect_fail(item(K, D, 0, UINT64_MAX - 10, 4096), &geom, -EINVAL);
	/* The rounded read must fit the pool too. */
	expect_fail(item(K, H, 0, POOL - 4096, 4097), &geom, -EINVAL);
	/* A host destination off a page boundary is not a slot. */
	expect_fail(item(K, H, 0, 100, 4096), &geom, -EINVAL);
	/* Sizes of 0 and sizes that overflow when rounded. */
	expect_fail(item(H, D, 0, 0, 0), &geom, -EINVAL);
	expect_fail(item(K, H, 0, 0, UINT64_MAX), &geom, -EINVAL);
	expect_fail(item(K, D, 0, 0, REGION + 1), &geom, -EINVAL);
}
END_TEST

START_TEST(test_unknown_spaces)
{
	const struct kvtd_work_geom no_pool = { .region_size = REGION };
	const struct kvtd_work_geom no_region = { .pool_size = POOL };
	const uint32_t H = KVTIER_TIER_HOST, D = KVTIER_TIER_DEVICE,
		       K = KVTIER_TIER_DISK;

	expect_fail(item(H, D, 0, 0, 4096), &no_pool, -ENOENT);
	expect_fail(item(H, D, 0, 0, 4096), &no_region, -ENOENT);
	expect_fail(item(K, H, 0, 0, 4096), &no_pool, -ENOENT);
	expect_fail(item(K, D, 0, 0, 4096), &no_region, -ENOENT);
}
END_TEST

START_TEST(test_unsupported)
{
	const uint32_t H = KVTIER_TIER_HOST, D = KVTIER_TIER_DEVICE,
		       K = KVTIER_TIER_DISK;
	struct drm_kvtier_work_item w = item(H, D, 0, 0, 4096);

	expect_fail(item(H, H, 0, 0, 4096), &geom, -EOPNOTSUPP);
	expect_fail(item(D, H, 0, 0, 4096), &geom, -EOPNOTSUPP);
	expect_fail(item(H, K, 0, 0, 4096), &geom, -EOPNOTSUPP);
	expect_fail(item(D, D, 0, 0, 4096), &geom, -EOPNOTSUPP);
	expect_fail(item(7, D, 0, 0, 4096), &geom, -EOPNOTSUPP);
	w.op = KVTIER_WORK_COUNT;
	expect_fail(w, &geom, -EOPNOTSUPP);
}
END_TEST

/*
 * A DEVICE tier whose odd region ids are GPU memory and even ones memfds,
 * as the CUDA tier answers; only host_addressable is ever called.
 */
static bool fake_host_addressable(struct kvtd_mem_tier *t, uint32_t id)
{
	return id % 2 == 0;
}

static const struct kvtd_mem_tier_ops fake_dev_ops = {
	.name = "fake-device",
	.host_addressable = fake_host_addressable,
};

/* The geometry exec.c builds for @w against the tier @t. */
static struct kvtd_work_geom geom_for(struct kvtd_mem_tier *t,
				      const struct drm_kvtier_work_item *w)
{
	struct kvtd_work_geom g = geom;

	g.region_devmem = !kvtd_mem_host_addressable(t, w->region_id);
	return g;
}

START_TEST(test_disk_to_device_staged)
{
	struct kvtd_mem_tier fake = { .ops = &fake_dev_ops };
	struct drm_kvtier_work_item w = item(KVTIER_TIER_DISK,
					     KVTIER_TIER_DEVICE, 0, 8192,
					     2 << 20);
	struct kvtd_work_geom g;
	struct kvtd_work_action a;

	/* Aligned and whole, but GPU memory: staged, never a direct read. */
	g = geom_for(&fake, &w);
	ck_assert(g.region_devmem);
	ck_assert_int_eq(kvtd_work_plan(&w, &g, &a), 0);
	ck_assert_uint_eq(a.kind, KVTD_ACT_DISK_READ);
	ck_assert_uint_eq(a.dst_tier, KVTIER_TIER_DEVICE);
	ck_assert_uint_eq(a.dst_off, 8192);
	ck_assert_uint_eq(a.io_len, 2 << 20);
	ck_assert_uint_eq(a.len, 2 << 20);
	ck_assert(a.stage);
	ck_assert(!a.bounce);
	/* Unaligned and rounded up: staged too, never bounced as well. */
	w.dst_offset = 100;
	w.size = 5000;
	ck_assert_int_eq(kvtd_work_plan(&w, &g, &a), 0);
	ck_assert(a.stage);
	ck_assert(!a.bounce);
	ck_assert_uint_eq(a.io_len, 8192);
	ck_assert_uint_eq(a.len, 5000);

	/* A memfd region of the same tier: read straight into it. */
	w = item(KVTIER_TIER_DISK, KVTIER_TIER_DEVICE, 0, 8192, 2 << 20);
	w.region_id = 4;
	g = geom_for(&fake, &w);
	ck_assert(!g.region_devmem);
	ck_assert_int_eq(kvtd_work_plan(&w, &g, &a), 0);
	ck_assert(!a.stage);
	ck_assert(!a.bounce);
	/* ... or through the bounce buffer, as before. */
	w.dst_offset = 100;
	ck_assert_int_eq(kvtd_work_plan(&w, &g, &a), 0);
	ck_assert(!a.stage);
	ck_assert(a.bounce);
}
END_TEST

START_TEST(test_staged_other_paths)
{
	struct kvtd_mem_tier fake = { .ops = &fake_dev_ops };
	static const struct kvtd_mem_tier_ops no_answer_ops = {
		.name = "no-answer",
	};
	struct kvtd_mem_tier plain = { .ops = &no_answer_ops };
	struct kvtd_work_geom g = geom;
	struct drm_kvtier_work_item w;
	struct kvtd_work_action a;

	/* HOST -> DEVICE is the tier's copy already: nothing to stage. */
	w = item(KVTIER_TIER_HOST, KVTIER_TIER_DEVICE, 0, 0, 4096);
	g = geom_for(&fake, &w);
	ck_assert(g.region_devmem);
	ck_assert_int_eq(kvtd_work_plan(&w, &g, &a), 0);
	ck_assert_uint_eq(a.kind, KVTD_ACT_COPY);
	ck_assert(!a.stage);
	/* DISK -> HOST reads into the pool, whatever the regions are. */
	w = item(KVTIER_TIER_DISK, KVTIER_TIER_HOST, 0, 0, 4096);
	g.region_devmem = true;
	ck_assert_int_eq(kvtd_work_plan(&w, &g, &a), 0);
	ck_assert(!a.stage);
	/* A tier with no answer has host memory only. */
	w = item(KVTIER_TIER_DISK, KVTIER_TIER_DEVICE, 0, 0, 4096);
	ck_assert(kvtd_mem_host_addressable(&plain, w.region_id));
	g = geom_for(&plain, &w);
	ck_assert_int_eq(kvtd_work_plan(&w, &g, &a), 0);
	ck_assert(!a.stage);
	/* Staged items are bounds-checked like the others. */
	g.region_devmem = true;
	expect_fail(item(KVTIER_TIER_DISK, KVTIER_TIER_DEVICE, 0,
			 REGION - 4096, 4097), &g, -EINVAL);
	expect_fail(item(KVTIER_TIER_DISK, KVTIER_TIER_DEVICE, 0,
			 UINT64_MAX - 10, 4096), &g, -EINVAL);
	g.region_size = 0;
	expect_fail(item(KVTIER_TIER_DISK, KVTIER_TIER_DEVICE, 0, 0, 4096),
		    &g, -ENOENT);
}
END_TEST

struct recorder {
	size_t calls;
	size_t items;
	uint64_t last_id;
	int refuse_id;
	int ret;
	size_t take;		/* items taken when ret refuses the call */
};

static int record(void *ctx, struct drm_kvtier_work_done *items, size_t n,
		  size_t *taken)
{
	struct recorder *r = ctx;
	size_t i;

	r->calls++;
	*taken = n;
	if (r->ret && r->ret != -ENOENT) {
		/* Refused from item r->take on, as libkvtier reports it. */
		*taken = r->take < n ? r->take : n;
		for (i = *taken; i < n; i++)
			items[i].result = r->ret;
	}
	r->items += *taken;
	for (i = 0; i < *taken; i++) {
		r->last_id = items[i].work_id;
		if ((int)items[i].work_id == r->refuse_id)
			items[i].result = -ENOENT;
	}
	return r->ret;
}

START_TEST(test_done_batch)
{
	static struct kvtd_done_batch b;
	struct recorder r = { .refuse_id = 5, .ret = -ENOENT };
	uint32_t refused, i;

	ck_assert_int_eq(kvtd_done_init(&b, KVTD_DONE_BATCH), 0);
	ck_assert_int_eq(kvtd_done_flush(&b, record, &r, 0, &refused), 0);
	ck_assert_uint_eq(r.calls, 0);

	ck_assert(!kvtd_done_add(&b, 4, 0, 4096, 0));
	ck_assert(!kvtd_done_add(&b, 5, -EIO, 4096, 0));
	/* A failed item reports no bytes moved. */
	ck_assert_uint_eq(b.items[1].bytes, 0);
	ck_assert_int_eq(b.items[1].status, -EIO);
	ck_assert_uint_eq(b.items[0].bytes, 4096);
	ck_assert_int_eq(kvtd_done_flush(&b, record, &r, 0, &refused),
			 -ENOENT);
	/* Refused by the driver, item by item: dropped, not retried. */
	ck_assert_uint_eq(refused, 1);
	ck_assert_uint_eq(b.count, 0);
	ck_assert_uint_eq(b.retries, 0);
	ck_assert_uint_eq(r.items, 2);

	/* Full after exactly KVTD_DONE_BATCH adds. */
	for (i = 0; i < KVTD_DONE_BATCH - 1; i++)
		ck_assert(!kvtd_done_add(&b, 100 + i, 0, 1, 0));
	ck_assert(kvtd_done_add(&b, 100 + i, 0, 1, 0));
	r.ret = 0;
	ck_assert_int_eq(kvtd_done_flush(&b, record, &r, 0, &refused), 0);
	ck_assert_uint_eq(refused, 0);
	ck_assert_uint_eq(r.calls, 2);
	ck_assert_uint_eq(r.last_id, 100 + KVTD_DONE_BATCH - 1);
	kvtd_done_fini(&b);
}
END_TEST

#define MS 1000000ull

/*
 * A call refused as a whole keeps what the driver did not take, in
 * order, and sends it again only once the backoff has passed; the
 * backoff doubles and is bounded; a success ends it.
 */
START_TEST(test_done_retry)
{
	static struct kvtd_done_batch b;
	struct recorder r = { .ret = -ENOMEM, .take = 1, .refuse_id = 10 };
	uint64_t now = 1000 * MS, prev = 0;
	uint32_t refused, i;

	ck_assert_int_eq(kvtd_done_init(&b, 2 * KVTD_DONE_BATCH), 0);
	for (i = 0; i < 4; i++)
		kvtd_done_add(&b, 10 + i, i == 2 ? -EIO : 0, 4096, 0);
	/* Item 10 taken (and refused: not held), 11..13 not taken. */
	ck_assert_int_eq(kvtd_done_flush(&b, record, &r, now, &refused),
			 -ENOMEM);
	ck_assert_uint_eq(refused, 1);
	ck_assert_uint_eq(b.count, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(b.items[i].work_id, 11 + i);
		ck_assert_int_eq(b.items[i].result, 0);
	}
	ck_assert_int_eq(b.items[1].status, -EIO);
	ck_assert_uint_eq(b.retries, 1);
	ck_assert_uint_eq(kvtd_done_retry_ns(&b),
			  now + KVTD_DONE_RETRY_MIN_MS * MS);
	/* Within the backoff: not sent, and completions still go in. */
	ck_assert_int_eq(kvtd_done_flush(&b, record, &r, now, &refused),
			 -EAGAIN);
	ck_assert_uint_eq(r.calls, 1);
	kvtd_done_add(&b, 14, 0, 4096, 0);
	/* Refused as a whole again and again: the wait doubles, bounded. */
	r.take = 0;
	for (i = 0; i < 12; i++) {
		now = kvtd_done_retry_ns(&b);
		ck_assert_int_eq(kvtd_done_flush(&b, record, &r, now,
						 &refused), -ENOMEM);
		ck_assert_uint_eq(b.count, 4);
		ck_assert_uint_gt(kvtd_done_retry_ns(&b) - now, prev / 2);
		prev = kvtd_done_retry_ns(&b) - now;
		ck_assert_uint_le(prev, KVTD_DONE_RETRY_MAX_MS * MS);
	}
	ck_assert_uint_eq(prev, KVTD_DONE_RETRY_MAX_MS * MS);
	ck_assert_uint_eq(r.calls, 13);
	/* The driver recovers: all four go, in order, and the batch is clean. */
	r.ret = 0;
	r.items = 0;
	ck_assert_int_eq(kvtd_done_flush(&b, record, &r,
					 kvtd_done_retry_ns(&b), &refused), 0);
	ck_assert_uint_eq(r.items, 4);
	ck_assert_uint_eq(r.last_id, 14);
	ck_assert_uint_eq(b.count, 0);
	ck_assert_uint_eq(b.retries, 0);
	ck_assert_uint_eq(kvtd_done_retry_ns(&b), 0);
	kvtd_done_fini(&b);
}
END_TEST

Suite *daemon_work_suite(void)
{
	Suite *s = suite_create("daemon_work");
	TCase *tc;

	tc = tcase_create("actions");
	tcase_add_test(tc, test_host_to_device);
	tcase_add_test(tc, test_disk_to_host);
	tcase_add_test(tc, test_disk_to_device);
	suite_add_tcase(s, tc);

	tc = tcase_create("staging");
	tcase_add_test(tc, test_disk_to_device_staged);
	tcase_add_test(tc, test_staged_other_paths);
	suite_add_tcase(s, tc);

	tc = tcase_create("checks");
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_unknown_spaces);
	tcase_add_test(tc, test_unsupported);
	suite_add_tcase(s, tc);

	tc = tcase_create("completions");
	tcase_add_test(tc, test_done_batch);
	tcase_add_test(tc, test_done_retry);
	suite_add_tcase(s, tc);
	return s;
}

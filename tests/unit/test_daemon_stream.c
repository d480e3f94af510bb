// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/stream.c: a fake source of access records drained
 * into a real planner, in batches, with the drops it reports.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "kvtd_stream.h"

/* The fake: @total records of committed objects, @drop lost on the way. */
struct fake {
	uint64_t next;
	uint64_t total;
	uint64_t drop_at;	/* report the drops with this record */
	uint64_t drops;
	int fail;
	uint32_t calls;
};

static int fake_drain(void *ctx, struct drm_kvtier_access *out, uint32_t room,
		      uint64_t *dropped)
{
	struct fake *f = ctx;
	uint32_t n = 0;

	f->calls++;
	if (f->fail)
		return f->fail;
	while (n < room && f->next < f->total) {
		uint64_t h = f->next / 2 + 1;

		if (f->drops && f->next == f->drop_at) {
			*dropped += f->drops;
			f->drops = 0;
		}
		out[n] = (struct drm_kvtier_access){
			.key = { .lo = h },
			.handle = h,
			.tenant_id = 1,
			.size = 4096,
			.pool_id = 1,
			.type = f->next % 2 ? KVTIER_ACCESS_COMMIT :
					      KVTIER_ACCESS_ALLOC,
		};
		n++;
		f->next++;
	}
	return (int)n;
}

static struct kvtd_planner *pl;
static struct kvtd_stream s;
static struct fake f;
static uint64_t taps;

static void tap(void *arg, const struct drm_kvtier_access *a, size_t n)
{
	taps += n;
}

static void setup(void)
{
	struct kvtd_planner_pool p = { .slot_size = 4096, .slot_count = 1u << 20 };

	ck_assert_int_eq(kvtd_planner_create(&kvtd_policy_lru, false, &pl), 0);
	ck_assert_int_eq(kvtd_planner_pool_set(pl, 1, &p), 0);
	memset(&f, 0, sizeof(f));
	memset(&s, 0, sizeof(s));
	s.src = (struct kvtd_stream_src){ .drain = fake_drain, .ctx = &f };
	s.tap = tap;
	taps = 0;
}

static void teardown(void)
{
	kvtd_stream_close(&s);
	kvtd_planner_destroy(pl);
}

START_TEST(test_drains_in_batches)
{
	struct kvtd_planner_stats st;

	f.total = 1000;
	ck_assert_int_eq(kvtd_stream_pump(&s, pl), 1000);
	/* 256 + 256 + 256 + 232: the short batch ends the pump. */
	ck_assert_uint_eq(f.calls, 4);
	ck_assert_uint_eq(s.consumed, 1000);
	ck_assert_uint_eq(taps, 1000);
	ck_assert(!s.lost);
	kvtd_planner_stats(pl, &st);
	ck_assert_uint_eq(st.objects, 500);
	ck_assert_uint_eq(st.tracked, 500);
	ck_assert_uint_eq(st.records, 1000);
	/* Nothing more: one call, nothing fed. */
	ck_assert_int_eq(kvtd_stream_pump(&s, pl), 0);
	ck_assert_uint_eq(f.calls, 5);
}
END_TEST

START_TEST(test_bounded_per_pump)
{
	f.total = UINT64_MAX;
	ck_assert_int_eq(kvtd_stream_pump(&s, pl),
			 KVTD_STREAM_MAX_BATCHES * KVTD_STREAM_BATCH);
	ck_assert_uint_eq(f.calls, KVTD_STREAM_MAX_BATCHES);
}
END_TEST

START_TEST(test_drops_counted)
{
	f.total = 600;
	f.drop_at = 300;
	f.drops = 77;
	ck_assert_int_eq(kvtd_stream_pump(&s, pl), 600);
	ck_assert(s.lost);
	ck_assert_uint_eq(s.dropped, 77);
	ck_assert_uint_eq(s.consumed, 600);
}
END_TEST

START_TEST(test_errors)
{
	f.fail = -EIO;
	ck_assert_int_eq(kvtd_stream_pump(&s, pl), -EIO);
	memset(&s.src, 0, sizeof(s.src));
	ck_assert_int_eq(kvtd_stream_pump(&s, pl), -ENODEV);
}
END_TEST

Suite *daemon_stream_suite(void)
{
	Suite *su = suite_create("daemon_stream");
	TCase *tc = tcase_create("pump");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_drains_in_batches);
	tcase_add_test(tc, test_bounded_per_pump);
	tcase_add_test(tc, test_drops_counted);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(su, tc);
	return su;
}

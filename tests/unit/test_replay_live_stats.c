// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/replay/live_stats.c: where a lookup found a block,
 * exact percentiles, hit rates and the accounting of a live replay.
 */
#include <check.h>
#include <errno.h>
#include <math.h>

#include "live_stats.h"

static struct drm_kvtier_lookup_result res(uint64_t handle, uint32_t tiers)
{
	return (struct drm_kvtier_lookup_result){ .handle = handle,
						  .tiers = tiers };
}

START_TEST(test_classify)
{
	struct drm_kvtier_lookup_result r;
	const uint32_t dev = KVTIER_TIER_BIT(KVTIER_TIER_DEVICE);
	const uint32_t host = KVTIER_TIER_BIT(KVTIER_TIER_HOST);
	const uint32_t disk = KVTIER_TIER_BIT(KVTIER_TIER_DISK);

	r = res(0, 0);
	ck_assert_int_eq(kvtr_live_classify(&r), KVTR_LIVE_MISS);
	r = res(5, host);
	ck_assert_int_eq(kvtr_live_classify(&r), KVTR_LIVE_HOST);
	r = res(5, host | disk);
	ck_assert_int_eq(kvtr_live_classify(&r), KVTR_LIVE_HOST);
	r = res(5, disk);
	ck_assert_int_eq(kvtr_live_classify(&r), KVTR_LIVE_DISK);
	r = res(5, dev | host | disk);
	ck_assert_int_eq(kvtr_live_classify(&r), KVTR_LIVE_DEVICE);
	/* Present with no copy anywhere: nothing can load it. */
	r = res(5, 0);
	ck_assert_int_eq(kvtr_live_classify(&r), KVTR_LIVE_MISS);
	/* Tiers of an absent result mean nothing. */
	r = res(0, host);
	ck_assert_int_eq(kvtr_live_classify(&r), KVTR_LIVE_MISS);
}
END_TEST

/*
 * Nearest rank on 1..10: p50 is the 5th (5), p95 the ceil(9.5) = 10th
 * (10), p99 the 10th; p10 the 1st.
 */
START_TEST(test_percentile_ten)
{
	static const uint64_t v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	uint64_t out;

	ck_assert_int_eq(kvtr_live_percentile(v, 10, 50, &out), 0);
	ck_assert_uint_eq(out, 5);
	ck_assert_int_eq(kvtr_live_percentile(v, 10, 95, &out), 0);
	ck_assert_uint_eq(out, 10);
	ck_assert_int_eq(kvtr_live_percentile(v, 10, 99, &out), 0);
	ck_assert_uint_eq(out, 10);
	ck_assert_int_eq(kvtr_live_percentile(v, 10, 10, &out), 0);
	ck_assert_uint_eq(out, 1);
	ck_assert_int_eq(kvtr_live_percentile(v, 10, 11, &out), 0);
	ck_assert_uint_eq(out, 2);
}
END_TEST

/*
 * 20 samples 10, 20, ..., 200: p95 is rank 19 exactly (190), where a
 * floating-point ceil(0.95 * 20) would give rank 20.
 */
START_TEST(test_percentile_exact_rank)
{
	uint64_t v[20], out;
	unsigned int i;

	for (i = 0; i < 20; i++)
		v[i] = 10 * (i + 1);
	ck_assert_int_eq(kvtr_live_percentile(v, 20, 95, &out), 0);
	ck_assert_uint_eq(out, 190);
	ck_assert_int_eq(kvtr_live_percentile(v, 20, 50, &out), 0);
	ck_assert_uint_eq(out, 100);
	ck_assert_int_eq(kvtr_live_percentile(v, 20, 100, &out), 0);
	ck_assert_uint_eq(out, 200);
}
END_TEST

START_TEST(test_percentile_edges)
{
	static const uint64_t one[] = { 42 };
	uint64_t out = 7;

	ck_assert_int_eq(kvtr_live_percentile(one, 1, 1, &out), 0);
	ck_assert_uint_eq(out, 42);
	ck_assert_int_eq(kvtr_live_percentile(one, 1, 99, &out), 0);
	ck_assert_uint_eq(out, 42);
	ck_assert_int_eq(kvtr_live_percentile(one, 0, 50, &out), -ENOENT);
	ck_assert_int_eq(kvtr_live_percentile(one, 1, 0, &out), -EINVAL);
	ck_assert_int_eq(kvtr_live_percentile(one, 1, 101, &out), -EINVAL);
}
END_TEST

/* Samples arrive unordered; sorting puts p50 where it belongs. */
START_TEST(test_sort_then_percentile)
{
	static const uint64_t in[] = { 900, 100, 500, 300, 700 };
	struct kvtr_live_stats s = { 0 };
	uint64_t out;
	unsigned int i;

	for (i = 0; i < 5; i++)
		ck_assert_int_eq(kvtr_live_stats_add_latency(&s, in[i]), 0);
	kvtr_live_stats_sort(&s);
	/* rank ceil(2.5) = 3 of 100 300 500 700 900. */
	ck_assert_int_eq(kvtr_live_percentile(s.lat_ns, s.nlat, 50, &out), 0);
	ck_assert_uint_eq(out, 500);
	ck_assert_int_eq(kvtr_live_percentile(s.lat_ns, s.nlat, 99, &out), 0);
	ck_assert_uint_eq(out, 900);
	kvtr_live_stats_free(&s);
	ck_assert_uint_eq(s.nlat, 0);
}
END_TEST

/*
 * A request of 10 blocks: 2 host, 1 disk, 7 misses; the 3 hits verified;
 * of the misses 5 stored, 1 not stored, 1 already present.
 */
static void one_request(struct kvtr_live_stats *s)
{
	s->c[KVTR_C_REQUESTS] += 1;
	s->c[KVTR_C_REFS] += 10;
	s->c[KVTR_C_HOST] += 2;
	s->c[KVTR_C_DISK] += 1;
	s->c[KVTR_C_MISS] += 7;
	s->c[KVTR_C_VERIFIED] += 3;
	s->c[KVTR_C_STORED] += 5;
	s->c[KVTR_C_NOT_STORED] += 1;
	s->c[KVTR_C_PRESENT] += 1;
}

START_TEST(test_rates)
{
	struct kvtr_live_stats s = { 0 };

	ck_assert(kvtr_live_rate(&s, KVTR_LIVE_HOST) == 0.0);
	one_request(&s);
	ck_assert(fabs(kvtr_live_rate(&s, KVTR_LIVE_HOST) - 0.2) < 1e-12);
	ck_assert(fabs(kvtr_live_rate(&s, KVTR_LIVE_DISK) - 0.1) < 1e-12);
	ck_assert(fabs(kvtr_live_rate(&s, KVTR_LIVE_MISS) - 0.7) < 1e-12);
	ck_assert(kvtr_live_rate(&s, KVTR_LIVE_DEVICE) == 0.0);
	ck_assert(kvtr_live_rate(&s, KVTR_LIVE_WHERE_COUNT) == 0.0);
}
END_TEST

/* Every tier's hits are prefix hits (the lookup stops at the first miss). */
START_TEST(test_prefix_rate)
{
	struct kvtr_live_stats s = { 0 };

	ck_assert(kvtr_live_prefix_rate(&s) == 0.0);
	one_request(&s);
	ck_assert(fabs(kvtr_live_prefix_rate(&s) - 0.3) < 1e-12);
	s.c[KVTR_C_DEVICE] += 10;
	s.c[KVTR_C_REFS] += 10;
	ck_assert(fabs(kvtr_live_prefix_rate(&s) - 0.65) < 1e-12);
}
END_TEST

START_TEST(test_check_adds_up)
{
	struct kvtr_live_stats s = { 0 };

	ck_assert_int_eq(kvtr_live_stats_check(&s), 0);
	one_request(&s);
	ck_assert_int_eq(kvtr_live_stats_check(&s), 0);
	/* A reference counted nowhere. */
	s.c[KVTR_C_REFS]++;
	ck_assert_int_eq(kvtr_live_stats_check(&s), -EINVAL);
	s.c[KVTR_C_REFS]--;
	/* A hit whose fetch has no outcome. */
	s.c[KVTR_C_VERIFIED]--;
	ck_assert_int_eq(kvtr_live_stats_check(&s), -EINVAL);
	s.c[KVTR_C_TIMED_OUT]++;
	ck_assert_int_eq(kvtr_live_stats_check(&s), 0);
	/* A miss neither stored nor given up on. */
	s.c[KVTR_C_STORED]--;
	ck_assert_int_eq(kvtr_live_stats_check(&s), -EINVAL);
}
END_TEST

START_TEST(test_merge)
{
	struct kvtr_live_stats a = { 0 }, b = { 0 }, total = { 0 };
	unsigned int i;

	one_request(&a);
	one_request(&b);
	one_request(&b);
	ck_assert_int_eq(kvtr_live_stats_add_latency(&a, 30), 0);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(kvtr_live_stats_add_latency(&b, i), 0);
	ck_assert_int_eq(kvtr_live_stats_merge(&total, &a), 0);
	ck_assert_int_eq(kvtr_live_stats_merge(&total, &b), 0);
	ck_assert_uint_eq(total.c[KVTR_C_REQUESTS], 3);
	ck_assert_uint_eq(total.c[KVTR_C_REFS], 30);
	ck_assert_uint_eq(total.c[KVTR_C_HOST], 6);
	ck_assert_uint_eq(total.nlat, 101);
	ck_assert_uint_eq(total.lat_ns[0], 30);
	ck_assert_uint_eq(total.lat_ns[100], 99);
	ck_assert_int_eq(kvtr_live_stats_check(&total), 0);
	kvtr_live_stats_free(&a);
	kvtr_live_stats_free(&b);
	kvtr_live_stats_free(&total);
}
END_TEST

START_TEST(test_counter_names)
{
	unsigned int i;

	for (i = 0; i < KVTR_C_COUNT; i++)
		ck_assert_ptr_nonnull(kvtr_live_counter_name(i));
	ck_assert_str_eq(kvtr_live_counter_name(KVTR_C_HOST), "host");
	ck_assert_str_eq(kvtr_live_counter_name(KVTR_C_CORRUPT), "failed");
	ck_assert_str_eq(kvtr_live_counter_name(KVTR_C_COUNT), "unknown");
}
END_TEST

Suite *replay_live_stats_suite(void)
{
	Suite *s = suite_create("replay_live_stats");
	TCase *tc;

	tc = tcase_create("classify");
	tcase_add_test(tc, test_classify);
	suite_add_tcase(s, tc);

	tc = tcase_create("percentile");
	tcase_add_test(tc, test_percentile_ten);
	tcase_add_test(tc, test_percentile_exact_rank);
	tcase_add_test(tc, test_percentile_edges);
	tcase_add_test(tc, test_sort_then_percentile);
	suite_add_tcase(s, tc);

	tc = tcase_create("accounting");
	tcase_add_test(tc, test_rates);
	tcase_add_test(tc, test_prefix_rate);
	tcase_add_test(tc, test_check_adds_up);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_counter_names);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/policy/watermark.c. Every expected amount is the
 * arithmetic in the comment beside it.
 */
#include <check.h>
#include <errno.h>

#include "kvtd_watermark.h"

static const struct kvtd_watermark wm_90_80 = { .high = 900, .low = 800 };
static const struct kvtd_watermark wm_95_90 = { .high = 950, .low = 900 };

START_TEST(test_validate)
{
	struct kvtd_watermark pool = { KVTD_POOL_WM_HIGH_DEFAULT,
				       KVTD_POOL_WM_LOW_DEFAULT };
	struct kvtd_watermark tenant = { KVTD_TENANT_WM_HIGH_DEFAULT,
					 KVTD_TENANT_WM_LOW_DEFAULT };
	struct kvtd_watermark wm;

	ck_assert_int_eq(kvtd_watermark_validate(&pool), 0);
	ck_assert_int_eq(kvtd_watermark_validate(&tenant), 0);
	wm = (struct kvtd_watermark){ .high = 1000, .low = 1000 };
	ck_assert_int_eq(kvtd_watermark_validate(&wm), 0);
	wm = (struct kvtd_watermark){ .high = 0, .low = 0 };
	ck_assert_int_eq(kvtd_watermark_validate(&wm), 0);
	wm = (struct kvtd_watermark){ .high = 800, .low = 900 };
	ck_assert_int_eq(kvtd_watermark_validate(&wm), -EINVAL);
	wm = (struct kvtd_watermark){ .high = 1001, .low = 0 };
	ck_assert_int_eq(kvtd_watermark_validate(&wm), -EINVAL);
}
END_TEST

START_TEST(test_level)
{
	/* 90% of 1000 = 900; 90% of 999 = 899.1, rounded down. */
	ck_assert_uint_eq(kvtd_watermark_level(1000, 900), 900);
	ck_assert_uint_eq(kvtd_watermark_level(999, 900), 899);
	ck_assert_uint_eq(kvtd_watermark_level(0, 900), 0);
	/* 2^63 * 9 / 10 = 8301034833169298227.2: no 64-bit overflow. */
	ck_assert_uint_eq(kvtd_watermark_level(1ull << 63, 900),
			  8301034833169298227ull);
	ck_assert_uint_eq(kvtd_watermark_level(KVTD_WM_UNLIMITED, 900),
			  KVTD_WM_UNLIMITED);
}
END_TEST

START_TEST(test_excess)
{
	struct kvtd_usage u = { .capacity = 1000 };

	/* Below 900: nothing. */
	u.used = 899;
	ck_assert_uint_eq(kvtd_watermark_excess(&u, &wm_90_80), 0);
	/* At 900: down to 800, 100. */
	u.used = 900;
	ck_assert_uint_eq(kvtd_watermark_excess(&u, &wm_90_80), 100);
	/* Full: 1000 - 800 = 200. */
	u.used = 1000;
	ck_assert_uint_eq(kvtd_watermark_excess(&u, &wm_90_80), 200);
	/* No limit, no eviction. */
	u = (struct kvtd_usage){ .used = 1ull << 40,
				 .capacity = KVTD_WM_UNLIMITED };
	ck_assert_uint_eq(kvtd_watermark_excess(&u, &wm_90_80), 0);
	/* An empty pool of size 0 is at every level and has nothing. */
	u = (struct kvtd_usage){ 0 };
	ck_assert_uint_eq(kvtd_watermark_excess(&u, &wm_90_80), 0);
}
END_TEST

static struct kvtd_wm_input input(uint64_t pool_used, uint64_t pool_cap,
				  uint64_t ten_used, uint64_t quota,
				  uint64_t need)
{
	struct kvtd_wm_input in = {
		.pool = { .used = pool_used, .capacity = pool_cap },
		.pool_wm = wm_90_80,
		.tenant = { .used = ten_used, .capacity = quota },
		.tenant_wm = wm_95_90,
		.need = need,
	};

	return in;
}

START_TEST(test_plan_none)
{
	/* Pool 500 + 10 < 900; tenant 100 + 10 < 475. */
	struct kvtd_wm_input in = input(500, 1000, 100, 500, 10);
	struct kvtd_wm_plan plan = { 1, 1 };

	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), 0);
	ck_assert_uint_eq(plan.tenant, 0);
	ck_assert_uint_eq(plan.pool, 0);
}
END_TEST

START_TEST(test_plan_pool_only)
{
	/*
	 * Pool 850 + 60 = 910 >= 900: down to 800, 110. Tenant 400 + 60 =
	 * 460 < 475 (95% of 500): nothing of its own.
	 */
	struct kvtd_wm_input in = input(850, 1000, 400, 500, 60);
	struct kvtd_wm_plan plan;

	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), 0);
	ck_assert_uint_eq(plan.tenant, 0);
	ck_assert_uint_eq(plan.pool, 110);
}
END_TEST

START_TEST(test_plan_tenant_only)
{
	/* Tenant 90 + 10 = 100 >= 95: down to 90, 10. Pool 510 < 900. */
	struct kvtd_wm_input in = input(500, 1000, 90, 100, 10);
	struct kvtd_wm_plan plan;

	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), 0);
	ck_assert_uint_eq(plan.tenant, 10);
	ck_assert_uint_eq(plan.pool, 0);
}
END_TEST

START_TEST(test_plan_both)
{
	/*
	 * Pool 880 + 30 = 910: 110 to go. Tenant 190 + 30 = 220 over its
	 * 200: down to 180, 40. The tenant's 40 free pool space too, so the
	 * pool needs 110 - 40 = 70 more from anyone.
	 */
	struct kvtd_wm_input in = input(880, 1000, 190, 200, 30);
	struct kvtd_wm_plan plan;

	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), 0);
	ck_assert_uint_eq(plan.tenant, 40);
	ck_assert_uint_eq(plan.pool, 70);
}
END_TEST

START_TEST(test_plan_capped_by_holdings)
{
	/*
	 * Tenant 10 + 100 = 110 >= 95: down to 90 would be 20, but it holds
	 * only 10. Pool 10 + 100 = 110 < 900 (pool of 1000): nothing.
	 */
	struct kvtd_wm_input in = input(10, 1000, 10, 100, 100);
	struct kvtd_wm_plan plan;

	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), 0);
	ck_assert_uint_eq(plan.tenant, 10);
	ck_assert_uint_eq(plan.pool, 0);

	/*
	 * Pool of 100 holding 40, need 100: 140 - 80 = 60, but only 40 are
	 * there to evict (all of it: then the 100 fit exactly).
	 */
	in = input(40, 100, 0, KVTD_WM_UNLIMITED, 100);
	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), 0);
	ck_assert_uint_eq(plan.tenant, 0);
	ck_assert_uint_eq(plan.pool, 40);
}
END_TEST

START_TEST(test_plan_unlimited_tenant)
{
	/* No quota: only the pool's levels count (950 - 800 = 150). */
	struct kvtd_wm_input in = input(900, 1000, 900, KVTD_WM_UNLIMITED, 50);
	struct kvtd_wm_plan plan;

	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), 0);
	ck_assert_uint_eq(plan.tenant, 0);
	ck_assert_uint_eq(plan.pool, 150);
}
END_TEST

START_TEST(test_plan_impossible)
{
	struct kvtd_wm_input in;
	struct kvtd_wm_plan plan;

	in = input(0, 1000, 0, 500, 1001);
	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), -ENOSPC);
	in = input(0, 1000, 0, 500, 501);
	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), -EDQUOT);
	/* Exactly the whole quota is possible. */
	in = input(0, 1000, 0, 500, 500);
	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), 0);
}
END_TEST

START_TEST(test_plan_invalid)
{
	struct kvtd_wm_input in = input(100, 1000, 200, 500, 0);
	struct kvtd_wm_plan plan;

	/* A tenant cannot hold more of a pool than the pool holds. */
	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), -EINVAL);
	in = input(100, 1000, 50, 500, 0);
	in.pool_wm.low = 950;
	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), -EINVAL);
	in = input(100, 1000, 50, 500, 0);
	in.tenant_wm.high = 2000;
	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), -EINVAL);
}
END_TEST

/* A need near 2^64 saturates instead of wrapping to a small number. */
START_TEST(test_plan_no_wrap)
{
	struct kvtd_wm_input in = input(UINT64_MAX - 10, UINT64_MAX - 1, 0,
					KVTD_WM_UNLIMITED, 20);
	struct kvtd_wm_plan plan;

	ck_assert_int_eq(kvtd_watermark_plan(&in, &plan), 0);
	ck_assert_uint_gt(plan.pool, 0);
}
END_TEST

Suite *policy_watermark_suite(void)
{
	Suite *s = suite_create("policy_watermark");
	TCase *tc;

	tc = tcase_create("levels");
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_level);
	tcase_add_test(tc, test_excess);
	suite_add_tcase(s, tc);

	tc = tcase_create("plan");
	tcase_add_test(tc, test_plan_none);
	tcase_add_test(tc, test_plan_pool_only);
	tcase_add_test(tc, test_plan_tenant_only);
	tcase_add_test(tc, test_plan_both);
	tcase_add_test(tc, test_plan_capped_by_holdings);
	tcase_add_test(tc, test_plan_unlimited_tenant);
	tcase_add_test(tc, test_plan_impossible);
	tcase_add_test(tc, test_plan_invalid);
	tcase_add_test(tc, test_plan_no_wrap);
	suite_add_tcase(s, tc);
	return s;
}

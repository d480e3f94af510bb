// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/policy/watermark.c. Every expected amount is the
 * arithmetic in the comment beside it.
 */
#include <check.h>
#include <errno.h>

#include "kvtd_watermark.h"

static const struct kvtd_watermark wm_90_80 = { .high = 900, .low = 800 };

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

Suite *policy_watermark_suite(void)
{
	Suite *s = suite_create("policy_watermark");
	TCase *tc;

	tc = tcase_create("levels");
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_level);
	tcase_add_test(tc, test_excess);
	suite_add_tcase(s, tc);

	return s;
}

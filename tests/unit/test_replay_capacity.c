// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/replay/capacity.c: cache sizes from the command
 * line.
 */
#include <check.h>
#include <errno.h>

#include "kvtr_capacity.h"

START_TEST(test_shares)
{
	struct kvtr_capacity c[8];
	size_t n = 0;

	ck_assert_int_eq(kvtr_capacity_parse(KVTR_CAPACITY_DEFAULT, false, c,
					     8, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert(c[0].is_share);
	ck_assert_double_eq(c[0].percent, 2.0);
	ck_assert_double_eq(c[3].percent, 25.0);
	/*
	 * The synthetic trace's 43,924 distinct blocks: 2% is 878.48, 5%
	 * 2196.2, 10% 4392.4, 25% exactly 10981; rounded down.
	 */
	ck_assert_uint_eq(kvtr_capacity_blocks(&c[0], 43924), 878);
	ck_assert_uint_eq(kvtr_capacity_blocks(&c[1], 43924), 2196);
	ck_assert_uint_eq(kvtr_capacity_blocks(&c[2], 43924), 4392);
	ck_assert_uint_eq(kvtr_capacity_blocks(&c[3], 43924), 10981);
}
END_TEST

START_TEST(test_fractional_shares)
{
	struct kvtr_capacity c[4];
	size_t n;

	ck_assert_int_eq(kvtr_capacity_parse("2.5%,10.1%,100%", false, c, 4,
					     &n), 0);
	ck_assert_uint_eq(n, 3);
	/* 2.5% of 1000 = 25; 10.1% of 1000 = 101 exactly; all of it. */
	ck_assert_uint_eq(kvtr_capacity_blocks(&c[0], 1000), 25);
	ck_assert_uint_eq(kvtr_capacity_blocks(&c[1], 1000), 101);
	ck_assert_uint_eq(kvtr_capacity_blocks(&c[2], 1000), 1000);
	/* 2.5% of 10 = 0.25: rounds down to nothing. */
	ck_assert_uint_eq(kvtr_capacity_blocks(&c[0], 10), 0);
}
END_TEST

START_TEST(test_blocks)
{
	struct kvtr_capacity c[4];
	size_t n;

	ck_assert_int_eq(kvtr_capacity_parse("0,1,18446744073709551615", true,
					     c, 4, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert(!c[0].is_share);
	ck_assert_uint_eq(kvtr_capacity_blocks(&c[0], 999), 0);
	ck_assert_uint_eq(kvtr_capacity_blocks(&c[1], 999), 1);
	ck_assert_uint_eq(kvtr_capacity_blocks(&c[2], 999), UINT64_MAX);
}
END_TEST

START_TEST(test_bad_lists)
{
	static const char *const bad_shares[] = {
		"", ",", "2%,", ",2%", "2", "0%", "101%", "-1%", "%", "2%%",
		"1e1%", "inf%", "nan%", "0x10%", "2 %", "2.5.1%", ".5%",
	};
	static const char *const bad_blocks[] = {
		"", "1,", "1,,2", "-1", "1%", "18446744073709551616", "1k",
		"12345678901234567890123456789012345",
	};
	struct kvtr_capacity c[4];
	size_t n, i;

	for (i = 0; i < sizeof(bad_shares) / sizeof(*bad_shares); i++)
		ck_assert_msg(kvtr_capacity_parse(bad_shares[i], false, c, 4,
						  &n) == -EINVAL,
			      "share list '%s' accepted", bad_shares[i]);
	for (i = 0; i < sizeof(bad_blocks) / sizeof(*bad_blocks); i++)
		ck_assert_msg(kvtr_capacity_parse(bad_blocks[i], true, c, 4,
						  &n) == -EINVAL,
			      "block list '%s' accepted", bad_blocks[i]);
}
END_TEST

START_TEST(test_too_many)
{
	struct kvtr_capacity c[2];
	size_t n;

	ck_assert_int_eq(kvtr_capacity_parse("1,2,3", true, c, 2, &n), -E2BIG);
	ck_assert_int_eq(kvtr_capacity_parse("1,2", true, c, 2, &n), 0);
	ck_assert_uint_eq(n, 2);
}
END_TEST

Suite *replay_capacity_suite(void)
{
	Suite *s = suite_create("replay_capacity");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_shares);
	tcase_add_test(tc, test_fractional_shares);
	tcase_add_test(tc, test_blocks);
	tcase_add_test(tc, test_bad_lists);
	tcase_add_test(tc, test_too_many);
	suite_add_tcase(s, tc);
	return s;
}

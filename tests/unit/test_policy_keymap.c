// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/policy/keymap.c: the key -> index map under the
 * policies.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "kvtd_keymap.h"

static struct kvtd_keymap map;

static struct drm_kvtier_key key(uint64_t lo, uint64_t hi)
{
	struct drm_kvtier_key k = { .lo = lo, .hi = hi };

	return k;
}

static void setup(void)
{
	ck_assert_int_eq(kvtd_keymap_init(&map, 0), 0);
}

static void teardown(void)
{
	kvtd_keymap_fini(&map);
}

START_TEST(test_put_get_del)
{
	struct drm_kvtier_key a = key(1, 0), b = key(2, 0);

	ck_assert_uint_eq(kvtd_keymap_get(&map, &a), KVTD_KEYMAP_NONE);
	ck_assert_int_eq(kvtd_keymap_put(&map, &a, 10), 0);
	ck_assert_int_eq(kvtd_keymap_put(&map, &b, 20), 0);
	ck_assert_uint_eq(kvtd_keymap_get(&map, &a), 10);
	ck_assert_uint_eq(kvtd_keymap_get(&map, &b), 20);
	ck_assert_uint_eq(kvtd_keymap_count(&map), 2);
	ck_assert_int_eq(kvtd_keymap_del(&map, &a), 0);
	ck_assert_uint_eq(kvtd_keymap_get(&map, &a), KVTD_KEYMAP_NONE);
	ck_assert_uint_eq(kvtd_keymap_get(&map, &b), 20);
	ck_assert_uint_eq(kvtd_keymap_count(&map), 1);
}
END_TEST

START_TEST(test_both_halves_matter)
{
	struct drm_kvtier_key a = key(7, 1), b = key(7, 2), c = key(8, 1);

	ck_assert_int_eq(kvtd_keymap_put(&map, &a, 1), 0);
	ck_assert_int_eq(kvtd_keymap_put(&map, &b, 2), 0);
	ck_assert_uint_eq(kvtd_keymap_get(&map, &a), 1);
	ck_assert_uint_eq(kvtd_keymap_get(&map, &b), 2);
	ck_assert_uint_eq(kvtd_keymap_get(&map, &c), KVTD_KEYMAP_NONE);
}
END_TEST

START_TEST(test_errors)
{
	struct drm_kvtier_key a = key(1, 0), b = key(2, 0);

	ck_assert_int_eq(kvtd_keymap_put(&map, &a, 1), 0);
	ck_assert_int_eq(kvtd_keymap_put(&map, &a, 2), -EEXIST);
	ck_assert_uint_eq(kvtd_keymap_get(&map, &a), 1);
	ck_assert_int_eq(kvtd_keymap_put(&map, &b, KVTD_KEYMAP_NONE), -EINVAL);
	ck_assert_int_eq(kvtd_keymap_set(&map, &b, 3), -ENOENT);
	ck_assert_int_eq(kvtd_keymap_set(&map, &a, KVTD_KEYMAP_NONE), -EINVAL);
	ck_assert_int_eq(kvtd_keymap_del(&map, &b), -ENOENT);
	ck_assert_uint_eq(kvtd_keymap_count(&map), 1);
}
END_TEST

START_TEST(test_set)
{
	struct drm_kvtier_key a = key(5, 5);

	ck_assert_int_eq(kvtd_keymap_put(&map, &a, 1), 0);
	ck_assert_int_eq(kvtd_keymap_set(&map, &a, 9), 0);
	ck_assert_uint_eq(kvtd_keymap_get(&map, &a), 9);
	ck_assert_uint_eq(kvtd_keymap_count(&map), 1);
}
END_TEST

START_TEST(test_init_too_big)
{
	struct kvtd_keymap m;

	ck_assert_int_eq(kvtd_keymap_init(&m, UINT32_MAX), -E2BIG);
}
END_TEST

/* Grows from the 16-slot default through many doublings, dense keys. */
START_TEST(test_growth_keeps_everything)
{
	struct drm_kvtier_key k;
	uint32_t i;

	for (i = 0; i < 100000; i++) {
		k = key(i, 0);
		ck_assert_int_eq(kvtd_keymap_put(&map, &k, i), 0);
	}
	ck_assert_uint_eq(kvtd_keymap_count(&map), 100000);
	for (i = 0; i < 100000; i++) {
		k = key(i, 0);
		ck_assert_uint_eq(kvtd_keymap_get(&map, &k), i);
	}
	k = key(100000, 0);
	ck_assert_uint_eq(kvtd_keymap_get(&map, &k), KVTD_KEYMAP_NONE);
}
END_TEST

/*
 * Random puts and deletes against a plain array: backward-shift deletion
 * must never lose a key that shares a probe run with a deleted one. A
 * small key space makes collisions and long runs common.
 */
START_TEST(test_random_against_model)
{
	enum { SPACE = 512, OPS = 200000 };
	uint32_t model[SPACE];
	struct drm_kvtier_key k;
	unsigned int seed = 12345;
	uint32_t i, n, present = 0;
	int ret;

	for (i = 0; i < SPACE; i++)
		model[i] = KVTD_KEYMAP_NONE;
	for (n = 0; n < OPS; n++) {
		i = (uint32_t)rand_r(&seed) % SPACE;
		k = key(i * 0x10001ull, i & 3);
		if (rand_r(&seed) % 2) {
			ret = kvtd_keymap_put(&map, &k, n);
			if (model[i] == KVTD_KEYMAP_NONE) {
				ck_assert_int_eq(ret, 0);
				model[i] = n;
				present++;
			} else {
				ck_assert_int_eq(ret, -EEXIST);
			}
		} else {
			ret = kvtd_keymap_del(&map, &k);
			ck_assert_int_eq(ret, model[i] == KVTD_KEYMAP_NONE ?
						      -ENOENT : 0);
			if (!ret) {
				model[i] = KVTD_KEYMAP_NONE;
				present--;
			}
		}
		if (n % 997 == 0) {
			for (i = 0; i < SPACE; i++) {
				k = key(i * 0x10001ull, i & 3);
				ck_assert_uint_eq(kvtd_keymap_get(&map, &k),
						  model[i]);
			}
		}
	}
	ck_assert_uint_eq(kvtd_keymap_count(&map), present);
}
END_TEST

Suite *policy_keymap_suite(void)
{
	Suite *s = suite_create("policy_keymap");
	TCase *tc;

	tc = tcase_create("basic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_put_get_del);
	tcase_add_test(tc, test_both_halves_matter);
	tcase_add_test(tc, test_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_init_too_big);
	suite_add_tcase(s, tc);

	tc = tcase_create("scale");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_growth_keeps_everything);
	tcase_add_test(tc, test_random_against_model);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for kvtd_keyset.h (kvtd_keymap by key and namespace): namespaces keep equal keys apart, and a
 * long random mix of puts and deletes agrees with a plain array.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "kvtd_keyset.h"

START_TEST(test_basic)
{
	struct kvtd_keyset s;
	struct kvtd_tier_key a = { 1, 2, 0 }, b = { 1, 2, 7 };

	ck_assert_int_eq(kvtd_keyset_init(&s, 0), 0);
	ck_assert_uint_eq(kvtd_keyset_get(&s, &a), KVTD_KEYSET_NONE);
	ck_assert_int_eq(kvtd_keyset_put(&s, &a, 5), 0);
	ck_assert_int_eq(kvtd_keyset_put(&s, &a, 6), -EEXIST);
	/* Same key, another tenant: another object. */
	ck_assert_int_eq(kvtd_keyset_put(&s, &b, 6), 0);
	ck_assert_uint_eq(kvtd_keyset_get(&s, &a), 5);
	ck_assert_uint_eq(kvtd_keyset_get(&s, &b), 6);
	ck_assert_int_eq(kvtd_keyset_put(&s, &a, KVTD_KEYSET_NONE), -EINVAL);
	ck_assert_int_eq(kvtd_keyset_del(&s, &a), 0);
	ck_assert_int_eq(kvtd_keyset_del(&s, &a), -ENOENT);
	ck_assert_uint_eq(kvtd_keyset_get(&s, &b), 6);
	ck_assert_uint_eq(kvtd_keyset_count(&s), 1);
	kvtd_keyset_clear(&s);
	ck_assert_uint_eq(kvtd_keyset_get(&s, &b), KVTD_KEYSET_NONE);
	kvtd_keyset_fini(&s);
}
END_TEST

#define MODEL 512

START_TEST(test_random_against_model)
{
	static uint32_t model[MODEL];
	struct kvtd_keyset s;
	struct kvtd_tier_key k;
	unsigned int seed = 12345, i, j, r;

	ck_assert_int_eq(kvtd_keyset_init(&s, 4), 0);
	for (i = 0; i < MODEL; i++)
		model[i] = KVTD_KEYSET_NONE;
	for (i = 0; i < 200000; i++) {
		r = rand_r(&seed) % MODEL;
		/* Small dense keys, spread over a few namespaces. */
		k = (struct kvtd_tier_key){ r / 4, 0, r % 4 };
		if (model[r] == KVTD_KEYSET_NONE) {
			ck_assert_int_eq(kvtd_keyset_put(&s, &k, i), 0);
			model[r] = i;
		} else if (rand_r(&seed) % 2) {
			ck_assert_int_eq(kvtd_keyset_del(&s, &k), 0);
			model[r] = KVTD_KEYSET_NONE;
		}
		if (i % 997 == 0) {
			for (j = 0; j < MODEL; j++) {
				k = (struct kvtd_tier_key){ j / 4, 0, j % 4 };
				ck_assert_uint_eq(kvtd_keyset_get(&s, &k),
						  model[j]);
			}
		}
	}
	kvtd_keyset_fini(&s);
}
END_TEST

Suite *daemon_keyset_suite(void)
{
	Suite *s = suite_create("daemon_keyset");
	TCase *tc = tcase_create("map");

	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_random_against_model);
	suite_add_tcase(s, tc);
	return s;
}

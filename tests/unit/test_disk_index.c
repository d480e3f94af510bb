// SPDX-License-Identifier: GPL-2.0
/*
 * index.c: find, insert, remove across growth, namespaces kept apart, and
 * keys that differ in one word only.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "index.h"

static struct kvtd_disk_index ix;

static void setup(void)
{
	ck_assert_int_eq(kvtd_index_init(&ix), 0);
}

static void teardown(void)
{
	kvtd_index_fini(&ix);
}

static struct kvtd_disk_obj *obj_new(uint64_t lo, uint64_t hi, uint64_t ns)
{
	struct kvtd_disk_obj *o = calloc(1, sizeof(*o));

	ck_assert_ptr_nonnull(o);
	o->ext.key.lo = lo;
	o->ext.key.hi = hi;
	o->ext.key.ns = ns;
	return o;
}

START_TEST(test_insert_find_remove)
{
	struct kvtd_disk_obj *a = obj_new(1, 2, 0), *b = obj_new(1, 2, 0);
	struct kvtd_tier_key k = { 1, 2, 0 };

	ck_assert_ptr_null(kvtd_index_find(&ix, &k));
	ck_assert_int_eq(kvtd_index_insert(&ix, a), 0);
	ck_assert(a->indexed);
	ck_assert_ptr_eq(kvtd_index_find(&ix, &k), a);
	ck_assert_int_eq(kvtd_index_insert(&ix, b), -EEXIST);
	ck_assert(!b->indexed);
	ck_assert_uint_eq(ix.count, 1);
	kvtd_index_remove(&ix, a);
	ck_assert(!a->indexed);
	ck_assert_ptr_null(kvtd_index_find(&ix, &k));
	ck_assert_uint_eq(ix.count, 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_key_words_distinct)
{
	struct kvtd_disk_obj *o[4] = {
		obj_new(1, 2, 3), obj_new(2, 2, 3), obj_new(1, 3, 3),
		obj_new(1, 2, 4),
	};
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(kvtd_index_insert(&ix, o[i]), 0);
	for (i = 0; i < 4; i++)
		ck_assert_ptr_eq(kvtd_index_find(&ix, &o[i]->ext.key), o[i]);
	for (i = 0; i < 4; i++)
		free(o[i]);
}
END_TEST

static int count_one(struct kvtd_disk_obj *obj, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

static int stop_at_three(struct kvtd_disk_obj *obj, void *arg)
{
	return ++(*(size_t *)arg) == 3 ? 99 : 0;
}

START_TEST(test_growth)
{
	enum { N = 100000 };
	struct kvtd_disk_obj **o = calloc(N, sizeof(*o));
	struct kvtd_tier_key k;
	size_t i, n = 0;

	ck_assert_ptr_nonnull(o);
	/* Dense small keys, as adapters and experts have. */
	for (i = 0; i < N; i++) {
		o[i] = obj_new(i, 0, i % 3);
		ck_assert_int_eq(kvtd_index_insert(&ix, o[i]), 0);
	}
	ck_assert_uint_eq(ix.count, N);
	ck_assert_uint_ge(ix.mask + 1, N);
	ck_assert_int_eq(kvtd_index_foreach(&ix, count_one, &n), 0);
	ck_assert_uint_eq(n, N);
	n = 0;
	ck_assert_int_eq(kvtd_index_foreach(&ix, stop_at_three, &n), 99);
	for (i = 0; i < N; i += 2)
		kvtd_index_remove(&ix, o[i]);
	for (i = 0; i < N; i++) {
		k = o[i]->ext.key;
		ck_assert_ptr_eq(kvtd_index_find(&ix, &k), i % 2 ? o[i] : NULL);
	}
	k.lo = 1;
	k.ns = 2;	/* right lo, wrong namespace */
	ck_assert_ptr_null(kvtd_index_find(&ix, &k));
	for (i = 0; i < N; i++)
		free(o[i]);
	free(o);
}
END_TEST

Suite *disk_index_suite(void)
{
	Suite *s = suite_create("disk_index");
	TCase *tc = tcase_create("map");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_insert_find_remove);
	tcase_add_test(tc, test_key_words_distinct);
	tcase_add_test(tc, test_growth);
	suite_add_tcase(s, tc);
	return s;
}

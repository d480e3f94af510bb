// SPDX-License-Identifier: GPL-2.0
/*
 * extent.c: the allocator against hand-worked cases (coalescing,
 * fragmentation, exhaustion, reserve, double free) and against a block
 * bitmap model under random operations: after every step the free space
 * must be exactly the model's, as maximal runs, and every allocation the
 * model's best fit.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "extent.h"

#define B 4096ull
#define START (256 * B)

static struct kvtd_extent_alloc a;

static void setup(void)
{
	ck_assert_int_eq(kvtd_extent_init(&a, START, 64 * B, B, true), 0);
}

static void teardown(void)
{
	ck_assert_int_eq(kvtd_extent_check(&a), 0);
	kvtd_extent_fini(&a);
}

START_TEST(test_init_invalid)
{
	struct kvtd_extent_alloc x;

	ck_assert_int_eq(kvtd_extent_init(&x, 0, 64 * B, 3000, true), -EINVAL);
	ck_assert_int_eq(kvtd_extent_init(&x, 100, 64 * B, B, true), -EINVAL);
	ck_assert_int_eq(kvtd_extent_init(&x, 0, B + 1, B, true), -EINVAL);
	ck_assert_int_eq(kvtd_extent_init(&x, 0, 0, B, true), -EINVAL);
	ck_assert_int_eq(kvtd_extent_init(&x, -B, 2 * B, B, true), -EINVAL);
}
END_TEST

START_TEST(test_init_used)
{
	struct kvtd_extent_alloc x;
	uint64_t off;

	ck_assert_int_eq(kvtd_extent_init(&x, 0, 8 * B, B, false), 0);
	ck_assert_int_eq(kvtd_extent_alloc(&x, B, &off), -ENOSPC);
	ck_assert_int_eq(kvtd_extent_free(&x, 2 * B, 2 * B), 0);
	ck_assert_int_eq(kvtd_extent_alloc(&x, 2 * B, &off), 0);
	ck_assert_uint_eq(off, 2 * B);
	ck_assert_int_eq(kvtd_extent_check(&x), 0);
	kvtd_extent_fini(&x);
}
END_TEST

START_TEST(test_alloc_invalid)
{
	uint64_t off;

	ck_assert_int_eq(kvtd_extent_alloc(&a, 0, &off), -EINVAL);
	ck_assert_int_eq(kvtd_extent_alloc(&a, B + 512, &off), -EINVAL);
}
END_TEST

START_TEST(test_alloc_all_then_enospc)
{
	uint64_t off;
	int i;

	for (i = 0; i < 64; i++) {
		ck_assert_int_eq(kvtd_extent_alloc(&a, B, &off), 0);
		ck_assert_uint_eq(off, START + i * B);
	}
	ck_assert_uint_eq(a.free_bytes, 0);
	ck_assert_uint_eq(kvtd_extent_largest(&a), 0);
	ck_assert_int_eq(kvtd_extent_alloc(&a, B, &off), -ENOSPC);
}
END_TEST

START_TEST(test_too_large)
{
	uint64_t off;

	ck_assert_int_eq(kvtd_extent_alloc(&a, 65 * B, &off), -ENOSPC);
	ck_assert_int_eq(kvtd_extent_alloc(&a, 64 * B, &off), 0);
	ck_assert_uint_eq(off, START);
}
END_TEST

START_TEST(test_coalesce_both_sides)
{
	uint64_t o1, o2, o3;

	ck_assert_int_eq(kvtd_extent_alloc(&a, 4 * B, &o1), 0);
	ck_assert_int_eq(kvtd_extent_alloc(&a, 4 * B, &o2), 0);
	ck_assert_int_eq(kvtd_extent_alloc(&a, 4 * B, &o3), 0);
	ck_assert_uint_eq(a.free_extents, 1);
	ck_assert_int_eq(kvtd_extent_free(&a, o1, 4 * B), 0);
	ck_assert_int_eq(kvtd_extent_free(&a, o3, 4 * B), 0);
	/* o1 alone; o3 merged into the tail. */
	ck_assert_uint_eq(a.free_extents, 2);
	ck_assert_int_eq(kvtd_extent_check(&a), 0);
	ck_assert_int_eq(kvtd_extent_free(&a, o2, 4 * B), 0);
	ck_assert_uint_eq(a.free_extents, 1);
	ck_assert_uint_eq(a.free_bytes, 64 * B);
	ck_assert_uint_eq(kvtd_extent_largest(&a), 64 * B);
}
END_TEST

START_TEST(test_fragmentation)
{
	uint64_t off[32], o;
	int i;

	for (i = 0; i < 32; i++)
		ck_assert_int_eq(kvtd_extent_alloc(&a, 2 * B, &off[i]), 0);
	for (i = 0; i < 32; i += 2)
		ck_assert_int_eq(kvtd_extent_free(&a, off[i], 2 * B), 0);
	/* Half the space is free, in 16 holes of 2 blocks: nothing larger fits. */
	ck_assert_uint_eq(a.free_bytes, 32 * B);
	ck_assert_uint_eq(a.free_extents, 16);
	ck_assert_uint_eq(kvtd_extent_largest(&a), 2 * B);
	ck_assert_int_eq(kvtd_extent_alloc(&a, 3 * B, &o), -ENOSPC);
	ck_assert_int_eq(kvtd_extent_alloc(&a, 2 * B, &o), 0);
	ck_assert_uint_eq(o, off[0]);
}
END_TEST

START_TEST(test_best_fit)
{
	uint64_t o[6], got;
	int i;

	/* Holes of 3, 1 and 2 blocks, separated by used ones. */
	ck_assert_int_eq(kvtd_extent_alloc(&a, 3 * B, &o[0]), 0);
	ck_assert_int_eq(kvtd_extent_alloc(&a, B, &o[1]), 0);
	ck_assert_int_eq(kvtd_extent_alloc(&a, B, &o[2]), 0);
	ck_assert_int_eq(kvtd_extent_alloc(&a, B, &o[3]), 0);
	ck_assert_int_eq(kvtd_extent_alloc(&a, 2 * B, &o[4]), 0);
	ck_assert_int_eq(kvtd_extent_alloc(&a, 56 * B, &o[5]), 0);
	for (i = 0; i < 6; i += 2)
		ck_assert_int_eq(kvtd_extent_free(&a, o[i], i == 0 ? 3 * B :
						  i == 2 ? B : 2 * B), 0);
	ck_assert_int_eq(kvtd_extent_alloc(&a, 2 * B, &got), 0);
	ck_assert_uint_eq(got, o[4]);
	ck_assert_int_eq(kvtd_extent_alloc(&a, B, &got), 0);
	ck_assert_uint_eq(got, o[2]);
}
END_TEST

START_TEST(test_reserve)
{
	uint64_t o;

	ck_assert_int_eq(kvtd_extent_reserve(&a, START + 10 * B, 4 * B), 0);
	ck_assert_uint_eq(a.free_extents, 2);
	ck_assert_int_eq(kvtd_extent_reserve(&a, START + 12 * B, 4 * B), -EBUSY);
	ck_assert_int_eq(kvtd_extent_reserve(&a, START + 8 * B, 4 * B), -EBUSY);
	ck_assert(!kvtd_extent_is_free(&a, START + 9 * B, 2 * B));
	ck_assert(kvtd_extent_is_free(&a, START + 9 * B, B));
	ck_assert(kvtd_extent_is_free(&a, START + 14 * B, 50 * B));
	ck_assert(!kvtd_extent_is_free(&a, START + 14 * B, 51 * B));
	/* Exactly the head and the tail of free extents. */
	ck_assert_int_eq(kvtd_extent_reserve(&a, START, B), 0);
	ck_assert_int_eq(kvtd_extent_reserve(&a, START + 63 * B, B), 0);
	ck_assert_int_eq(kvtd_extent_reserve(&a, START + B, 9 * B), 0);
	ck_assert_uint_eq(a.free_extents, 1);
	ck_assert_int_eq(kvtd_extent_alloc(&a, 50 * B, &o), -ENOSPC);
	ck_assert_int_eq(kvtd_extent_alloc(&a, 49 * B, &o), 0);
	ck_assert_uint_eq(o, START + 14 * B);
}
END_TEST

START_TEST(test_reserve_invalid)
{
	ck_assert_int_eq(kvtd_extent_reserve(&a, START - B, 2 * B), -EINVAL);
	ck_assert_int_eq(kvtd_extent_reserve(&a, START + 63 * B, 2 * B), -EINVAL);
	ck_assert_int_eq(kvtd_extent_reserve(&a, START + 1, B), -EINVAL);
	ck_assert_int_eq(kvtd_extent_reserve(&a, START, 0), -EINVAL);
}
END_TEST

START_TEST(test_double_free)
{
	uint64_t o;

	ck_assert_int_eq(kvtd_extent_alloc(&a, 4 * B, &o), 0);
	ck_assert_int_eq(kvtd_extent_free(&a, o, 4 * B), 0);
	ck_assert_int_eq(kvtd_extent_free(&a, o, 4 * B), -EINVAL);
	ck_assert_int_eq(kvtd_extent_alloc(&a, 4 * B, &o), 0);
	/* Overlapping free space on either side. */
	ck_assert_int_eq(kvtd_extent_free(&a, o + 2 * B, 4 * B), -EINVAL);
	ck_assert_int_eq(kvtd_extent_free(&a, o, 64 * B), -EINVAL);
	ck_assert_int_eq(kvtd_extent_free(&a, START + 64 * B, B), -EINVAL);
	ck_assert_uint_eq(a.free_bytes, 60 * B);
}
END_TEST

/* ------------------------------------------------------------------ */

#define MODEL_BLOCKS 256

struct model {
	unsigned char used[MODEL_BLOCKS];
};

/* The model's best fit: the lowest-offset run of the smallest length >= n. */
static int model_best_fit(const struct model *m, int n)
{
	int best = -1, best_len = MODEL_BLOCKS + 1, i = 0, j;

	while (i < MODEL_BLOCKS) {
		if (m->used[i]) {
			i++;
			continue;
		}
		for (j = i; j < MODEL_BLOCKS && !m->used[j]; j++)
			;
		if (j - i >= n && j - i < best_len) {
			best = i;
			best_len = j - i;
		}
		i = j;
	}
	return best;
}

static void model_compare(const struct model *m,
			  const struct kvtd_extent_alloc *x)
{
	uint64_t free_blocks = 0, runs = 0, largest = 0, len = 0;
	int i;

	for (i = 0; i <= MODEL_BLOCKS; i++) {
		if (i < MODEL_BLOCKS && !m->used[i]) {
			len++;
			free_blocks++;
			ck_assert(kvtd_extent_is_free(x, i * B, B));
			continue;
		}
		if (i < MODEL_BLOCKS)
			ck_assert(!kvtd_extent_is_free(x, i * B, B));
		if (len) {
			runs++;
			if (len > largest)
				largest = len;
		}
		len = 0;
	}
	ck_assert_uint_eq(x->free_bytes, free_blocks * B);
	ck_assert_uint_eq(x->free_extents, runs);
	ck_assert_uint_eq(kvtd_extent_largest(x), largest * B);
	ck_assert_int_eq(kvtd_extent_check(x), 0);
}

START_TEST(test_random_vs_model)
{
	struct { uint64_t off; int n; } held[MODEL_BLOCKS];
	struct kvtd_extent_alloc x;
	struct model m = { { 0 } };
	int nheld = 0, step, n, k, i, want;
	uint64_t off;

	srandom(1000 + _i);
	ck_assert_int_eq(kvtd_extent_init(&x, 0, MODEL_BLOCKS * B, B, true), 0);
	for (step = 0; step < 4000; step++) {
		if (nheld && (random() % 100 < 45 || nheld == MODEL_BLOCKS)) {
			k = random() % nheld;
			ck_assert_int_eq(kvtd_extent_free(&x, held[k].off,
							  held[k].n * B), 0);
			for (i = 0; i < held[k].n; i++)
				m.used[held[k].off / B + i] = 0;
			held[k] = held[--nheld];
		} else {
			n = 1 + random() % (random() % 4 ? 8 : 64);
			want = model_best_fit(&m, n);
			if (want < 0) {
				ck_assert_int_eq(kvtd_extent_alloc(&x, n * B, &off),
						 -ENOSPC);
				continue;
			}
			ck_assert_int_eq(kvtd_extent_alloc(&x, n * B, &off), 0);
			ck_assert_uint_eq(off, want * B);
			for (i = 0; i < n; i++)
				m.used[want + i] = 1;
			held[nheld].off = off;
			held[nheld].n = n;
			nheld++;
		}
		model_compare(&m, &x);
	}
	kvtd_extent_fini(&x);
}
END_TEST

Suite *disk_extent_suite(void)
{
	Suite *s = suite_create("disk_extent");
	TCase *tc;

	tc = tcase_create("init");
	tcase_add_test(tc, test_init_invalid);
	tcase_add_test(tc, test_init_used);
	suite_add_tcase(s, tc);

	tc = tcase_create("alloc_free");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_alloc_invalid);
	tcase_add_test(tc, test_alloc_all_then_enospc);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_coalesce_both_sides);
	tcase_add_test(tc, test_fragmentation);
	tcase_add_test(tc, test_best_fit);
	tcase_add_test(tc, test_double_free);
	suite_add_tcase(s, tc);

	tc = tcase_create("reserve");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reserve);
	tcase_add_test(tc, test_reserve_invalid);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_random_vs_model, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}

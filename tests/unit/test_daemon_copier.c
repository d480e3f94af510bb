// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/tier/copier.c: a batch split over threads copies every
 * byte exactly once, for many shapes of batch.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_copier.h"

/* Copy a batch of @n pieces of random sizes totalling about @total. */
static void check_batch(struct kvtd_copier *cp, unsigned int seed,
			size_t n, size_t total)
{
	struct kvtd_copy *c = calloc(n, sizeof(*c));
	size_t *lens = calloc(n, sizeof(*lens));
	size_t i, sum = 0, off;
	char *src, *dst;

	for (i = 0; i < n; i++) {
		lens[i] = (size_t)rand_r(&seed) % (2 * total / n + 1);
		sum += lens[i];
	}
	src = malloc(sum + 1);
	dst = malloc(sum + n + 1);
	for (i = 0; i < sum; i++)
		src[i] = (char)rand_r(&seed);
	memset(dst, 0x77, sum + n + 1);
	for (off = 0, i = 0; i < n; off += lens[i], i++)
		c[i] = (struct kvtd_copy){ dst + off + i, src + off, lens[i] };
	kvtd_copier_run(cp, c, n);
	for (off = 0, i = 0; i < n; off += lens[i], i++) {
		ck_assert_int_eq(memcmp(dst + off + i, src + off, lens[i]), 0);
		ck_assert_int_eq(dst[off + i + lens[i]], 0x77);
	}
	free(src);
	free(dst);
	free(c);
	free(lens);
}

START_TEST(test_shapes)
{
	struct kvtd_copier *cp;
	unsigned int threads;

	for (threads = 1; threads <= KVTD_CPU_COPY_THREADS_MAX; threads++) {
		ck_assert_int_eq(kvtd_copier_init(&cp, threads), 0);
		ck_assert_uint_eq(kvtd_copier_threads(cp), threads);
		check_batch(cp, 1, 1, 9u << 20);
		check_batch(cp, 2, 3, 8u << 20);
		check_batch(cp, 3, 1000, 12u << 20);
		check_batch(cp, 4, 7, 100000);	/* below the split size */
		kvtd_copier_run(cp, NULL, 0);
		kvtd_copier_fini(cp);
	}
	/* 0: the CPUs, never more than the maximum. */
	ck_assert_int_eq(kvtd_copier_init(&cp, 0), 0);
	ck_assert_uint_le(kvtd_copier_threads(cp), KVTD_CPU_COPY_THREADS_MAX);
	check_batch(cp, 5, 64, 16u << 20);
	kvtd_copier_fini(cp);
}
END_TEST

Suite *daemon_copier_suite(void)
{
	Suite *s = suite_create("daemon_copier");
	TCase *tc = tcase_create("batches");

	tcase_add_test(tc, test_shapes);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for gpu/copy_ref.c, the CPU reference that tests/gpu/t_copy
 * holds the batched copy kernel to: it must itself be right. Each batch
 * is checked against a naive byte loop over the same descriptors, over
 * the whole destination arena, so that bytes outside every destination
 * must be untouched too: disjoint and adjacent destinations, sources that
 * overlap (one block gathered to several places, as a fetch of shared
 * prefix blocks does), empty copies, and random batches on fresh random
 * input (the seed is printed when a batch fails). Destinations of one
 * batch never overlap: the kernel's contract (copy_kernels.h) rules it
 * out, as the copies run in parallel there.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "copy_kernels.h"

/* 1 MiB arenas: room for a few hundred KV-block-sized copies. */
#define ARENA (1u << 20)
#define FILL 0xa5

static unsigned char *src, *dst, *want;
static uint64_t rng;

/* xorshift64*: reproducible from the printed seed. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static void setup(void)
{
	size_t i;

	src = malloc(ARENA);
	dst = malloc(ARENA);
	want = malloc(ARENA);
	ck_assert(src && dst && want);
	rng = (uint64_t)time(NULL) * 2654435761u | 1;
	for (i = 0; i < ARENA; i++)
		src[i] = (unsigned char)rnd();
	memset(dst, FILL, ARENA);
	memset(want, FILL, ARENA);
}

static void teardown(void)
{
	free(src);
	free(dst);
	free(want);
}

static struct kvt_copy_desc desc(size_t dst_off, size_t src_off, size_t len)
{
	return (struct kvt_copy_desc){
		.dst = (uint64_t)(uintptr_t)(dst + dst_off),
		.src = (uint64_t)(uintptr_t)(src + src_off),
		.len = len,
	};
}

/* The naive reference of the reference: byte by byte, into want. */
static void naive(const struct kvt_copy_desc *d, uint32_t n)
{
	uint64_t j;
	uint32_t i;

	for (i = 0; i < n; i++)
		for (j = 0; j < d[i].len; j++)
			want[d[i].dst - (uint64_t)(uintptr_t)dst + j] =
				((const unsigned char *)(uintptr_t)d[i].src)[j];
}

/* Run @d through both and compare the whole arena; @what names it. */
static void check_batch(const struct kvt_copy_desc *d, uint32_t n,
			const char *what)
{
	size_t j;

	naive(d, n);
	kvt_copy_batch_ref(d, n);
	for (j = 0; j < ARENA; j++)
		if (dst[j] != want[j])
			ck_abort_msg("%s: byte %zu is %#x, not %#x", what, j,
				     dst[j], want[j]);
}

START_TEST(test_disjoint)
{
	struct kvt_copy_desc d[] = {
		desc(0, 4096, 4096),
		desc(65536, 0, 16 << 10),
		/* Unaligned both sides, odd length. */
		desc(200003, 7777, 12345),
		/* Up to the arena's last byte, from the source's last. */
		desc(ARENA - 100, ARENA - 100, 100),
		desc(300000, 500000, 1),
	};

	check_batch(d, sizeof(d) / sizeof(d[0]), "disjoint");
	/* Spot check against the source, independently of naive(). */
	ck_assert_int_eq(memcmp(dst + 65536, src, 16 << 10), 0);
	ck_assert_uint_eq(dst[65535], FILL);
	ck_assert_uint_eq(dst[65536 + (16 << 10)], FILL);
}
END_TEST

START_TEST(test_adjacent_destinations)
{
	struct kvt_copy_desc d[8];
	uint32_t i;

	/* Back to back, each from elsewhere: no byte lost at a seam. */
	for (i = 0; i < 8; i++)
		d[i] = desc(4096 + i * 3001, (7 - i) * 40000 + i, 3001);
	check_batch(d, 8, "adjacent destinations");
}
END_TEST

START_TEST(test_overlapping_sources)
{
	struct kvt_copy_desc d[] = {
		/* The same block gathered to three places. */
		desc(0, 8192, 8192),
		desc(16384, 8192, 8192),
		desc(32768, 8192, 8192),
		/* Shifted windows over one source range. */
		desc(100000, 50000, 30000),
		desc(140000, 50001, 30000),
		desc(180000, 79999, 30000),
		/* One range inside another. */
		desc(300000, 60000, 100000),
		desc(420000, 70000, 10),
	};
	uint32_t i;

	check_batch(d, sizeof(d) / sizeof(d[0]), "overlapping sources");
	for (i = 1; i < 3; i++)
		ck_assert_int_eq(memcmp(dst, dst + i * 16384, 8192), 0);
	/* The source is only read. */
	ck_assert_int_eq(memcmp(dst + 300000 + 10000, dst + 420000, 10), 0);
}
END_TEST

START_TEST(test_zero_length)
{
	struct kvt_copy_desc d[] = {
		desc(4096, 0, 0),
		/* An empty copy touches neither address, whatever they are. */
		{ .dst = 0, .src = 0, .len = 0 },
		{ .dst = UINT64_MAX, .src = 16, .len = 0 },
		desc(8192, 100, 4096),
		/* One past the end is an address too. */
		desc(ARENA, ARENA, 0),
		desc(12288, 5000, 0),
	};

	check_batch(d, sizeof(d) / sizeof(d[0]), "zero-length");
	ck_assert_uint_eq(dst[4096], FILL);
	ck_assert_uint_eq(dst[12288], FILL);
	/* An empty batch does nothing, with or without descriptors. */
	kvt_copy_batch_ref(NULL, 0);
	kvt_copy_batch_ref(d, 0);
	ck_assert_int_eq(memcmp(dst, want, ARENA), 0);
}
END_TEST

START_TEST(test_random_batches)
{
	static const uint32_t sizes[] = { 1, 2, 7, 64, 333, 1000 };
	struct kvt_copy_desc *d;
	uint64_t seed = rng;
	size_t slot, off, len, i;
	char what[64];
	uint32_t n, r, k;

	d = calloc(1000, sizeof(*d));
	ck_assert_ptr_nonnull(d);
	for (r = 0; r < 3; r++) {
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			n = sizes[k];
			slot = ARENA / n;
			/* Fresh input each batch. */
			for (i = 0; i < ARENA; i++)
				src[i] = (unsigned char)rnd();
			memset(dst, FILL, ARENA);
			memset(want, FILL, ARENA);
			for (i = 0; i < n; i++) {
				/* Half aligned as slots are, half anywhere. */
				off = rnd() % 2 ? 0 : rnd() % 64;
				len = rnd() % (slot - off + 1);
				if (rnd() % 8 == 0)
					len = 0;
				d[i] = desc(i * slot + off,
					    rnd() % (ARENA - len + 1), len);
			}
			snprintf(what, sizeof(what),
				 "seed %llu, round %u, %u copies",
				 (unsigned long long)seed, r, n);
			check_batch(d, n, what);
		}
	}
	free(d);
}
END_TEST

Suite *gpu_copy_ref_suite(void)
{
	Suite *s = suite_create("gpu_copy_ref");
	TCase *tc;

	tc = tcase_create("batches");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_disjoint);
	tcase_add_test(tc, test_adjacent_destinations);
	tcase_add_test(tc, test_overlapping_sources);
	tcase_add_test(tc, test_zero_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_random_batches);
	suite_add_tcase(s, tc);
	return s;
}

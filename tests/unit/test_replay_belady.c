// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/replay/belady.c: the offline optimum. Hand traces
 * (worked in the comments, "n@i": next use at reference i), then random
 * ones against a brute-force MIN written for clarity, not speed.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_policy.h"
#include "kvtr_belady.h"

/* An access that knows only its key. */
#define ACC(k) (&(struct kvtd_access){ .key = (k) })

#define MAXREFS 4096

static struct kvtd_policy *pol;
static uint64_t next_use[MAXREFS];
static struct kvtd_future fut;

static struct drm_kvtier_key key(uint64_t id)
{
	struct drm_kvtier_key k = { .lo = id };

	return k;
}

static void teardown(void)
{
	kvtd_policy_destroy(pol);
	pol = NULL;
}

/* Next uses by the definition: O(n^2), obviously right. */
static void compute_next_use(const uint64_t *ids, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		next_use[i] = KVTD_NEVER;
		for (j = i + 1; j < n; j++) {
			if (ids[j] == ids[i]) {
				next_use[i] = j;
				break;
			}
		}
	}
}

static struct kvtd_policy *belady_new(uint64_t capacity, size_t nrefs)
{
	struct kvtd_policy_params params = { .capacity = capacity,
					     .future = &fut };
	struct kvtd_policy *p = NULL;

	fut.next_use = next_use;
	fut.count = nrefs;
	ck_assert_int_eq(kvtd_policy_create(&kvtr_policy_belady, &params, &p),
			 0);
	return p;
}

/* Run @ids through Belady as a cache does: hits, or misses inserted. */
static int run_ids(uint64_t capacity, const uint64_t *ids, size_t n)
{
	struct drm_kvtier_key k, v;
	int hits = 0, ret;
	size_t i;

	compute_next_use(ids, n);
	pol = belady_new(capacity, n);
	for (i = 0; i < n; i++) {
		k = key(ids[i]);
		ret = kvtd_policy_access(pol, ACC(k));
		if (ret == 0) {
			hits++;
			continue;
		}
		ck_assert_int_eq(ret, -ENOENT);
		ck_assert_int_eq(kvtd_policy_miss(pol, ACC(k)), 0);
		if (capacity == 0)
			continue;
		if (kvtd_policy_used(pol) == capacity) {
			ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v),
					 0);
			ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
		}
		ck_assert_int_eq(kvtd_policy_insert(pol, ACC(k), 1), 0);
	}
	return hits;
}

static int run_seq(uint64_t capacity, const char *seq)
{
	uint64_t ids[MAXREFS];
	size_t n;

	for (n = 0; seq[n]; n++)
		ids[n] = (uint64_t)seq[n];
	return run_ids(capacity, ids, n);
}

/*
 * Capacity 2, A B C A B: A, B miss. C misses with A n@3, B n@4: B is
 * further, evicted [A C]. A hits. B misses. One hit (LRU gets none: it
 * evicts A for C, then B for A).
 */
START_TEST(test_cap2_abcab)
{
	ck_assert_int_eq(run_seq(2, "ABCAB"), 1);
}
END_TEST

/*
 * The textbook string with 3 frames (Silberschatz et al.), references
 * numbered from 0:
 *   7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1
 *   7 0 1 miss. 2 misses: 7 n@17, 0 n@4, 1 n@13, evict 7 {2 0 1}.
 *   0 hits. 3 misses: 2 n@8, 0 n@6, 1 n@13, evict 1 {2 0 3}. 0 hits.
 *   4 misses: 2 n@8, 0 n@10, 3 n@9, evict 0 {2 4 3}. 2, 3 hit.
 *   0 misses: 2 n@12, 4 never, 3 n@11, evict 4 {2 0 3}. 3, 2 hit.
 *   1 misses: 2 n@14, 0 n@15, 3 never, evict 3 {2 0 1}. 2, 0, 1 hit.
 *   7 misses: 2 never, 0 n@18, 1 n@19, evict 2 {7 0 1}. 0, 1 hit.
 * 9 faults, as the book's optimal: 11 hits.
 */
START_TEST(test_textbook_string)
{
	ck_assert_int_eq(run_seq(3, "70120304230321201701"), 11);
}
END_TEST

/* Capacity 1, A A B A: A miss, A hit, B miss (evicts A), A miss. */
START_TEST(test_capacity_one)
{
	ck_assert_int_eq(run_seq(1, "AABA"), 1);
}
END_TEST

START_TEST(test_capacity_zero)
{
	struct drm_kvtier_key a = key('A');

	ck_assert_int_eq(run_seq(0, "AAAA"), 0);
	ck_assert_uint_eq(kvtd_policy_count(pol), 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(a), 1), -ENOSPC);
}
END_TEST

/* Enough room for every block: only the compulsory misses (3 of 8). */
START_TEST(test_large_capacity)
{
	ck_assert_int_eq(run_seq(100, "ABCABCAA"), 5);
}
END_TEST

START_TEST(test_protocol_errors)
{
	static const uint64_t ids[] = { 1, 2 };
	struct drm_kvtier_key a = key(1), b = key(2);

	compute_next_use(ids, 2);
	pol = belady_new(4, 2);
	/* No next use is known for a key that did not just miss. */
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(a), 1), -EINVAL);
	ck_assert_int_eq(kvtd_policy_miss(pol, ACC(a)), 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(b), 1), -EINVAL);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(a), 1), 0);
	/* Twice for one miss is not allowed either. */
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(a), 1), -EINVAL);
	ck_assert_int_eq(kvtd_policy_miss(pol, ACC(b)), 0);
	/* Past the end of the future. */
	ck_assert_int_eq(kvtd_policy_access(pol, ACC(a)), -ERANGE);
	ck_assert_int_eq(kvtd_policy_miss(pol, ACC(b)), -ERANGE);
	/* An untracked key is a miss, and uses no reference. */
	ck_assert_int_eq(kvtd_policy_access(pol, ACC(b)), -ENOENT);
}
END_TEST

/* Online use is refused: there is no future to read. */
START_TEST(test_needs_future)
{
	struct kvtd_policy_params params = { .capacity = 4 };
	struct kvtd_policy *p = NULL;

	ck_assert(kvtr_policy_belady.offline);
	ck_assert_int_eq(kvtd_policy_create(&kvtr_policy_belady, &params, &p),
			 -EINVAL);
	ck_assert_ptr_null(p);
}
END_TEST

static bool not_pinned(const struct drm_kvtier_key *k, void *arg)
{
	return k->lo != *(const uint64_t *)arg;
}

/*
 * References 1 2 3 4 then 3 2 1: after the first four misses (capacity
 * 4, no eviction) the next uses are 1 n@6, 2 n@5, 3 n@4, 4 never. Victims
 * in order: 4, 1, 2, 3; with 4 pinned the first is 1; removing 2 from the
 * middle of the heap leaves 4, 1, 3.
 */
START_TEST(test_victims)
{
	static const uint64_t ids[] = { 1, 2, 3, 4, 3, 2, 1 };
	struct drm_kvtier_key k, v;
	uint64_t pinned = 4;
	size_t i;

	compute_next_use(ids, 7);
	pol = belady_new(4, 7);
	for (i = 0; i < 4; i++) {
		k = key(ids[i]);
		ck_assert_int_eq(kvtd_policy_miss(pol, ACC(k)), 0);
		ck_assert_int_eq(kvtd_policy_insert(pol, ACC(k), 1), 0);
	}
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
	ck_assert_uint_eq(v.lo, 4);
	ck_assert_int_eq(kvtd_policy_victim(pol, not_pinned, &pinned, &v), 0);
	ck_assert_uint_eq(v.lo, 1);
	k = key(2);
	ck_assert_int_eq(kvtd_policy_remove(pol, &k), 0);
	ck_assert_int_eq(kvtd_policy_remove(pol, &k), -ENOENT);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
	ck_assert_uint_eq(v.lo, 4);
	ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
	ck_assert_uint_eq(v.lo, 1);
	ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
	ck_assert_uint_eq(v.lo, 3);
	ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), -ENOENT);
}
END_TEST

/* MIN by brute force: on a miss in a full cache, scan for the furthest. */
static int brute_min(size_t cap, const uint64_t *ids, size_t n)
{
	uint64_t cache[64], best_nu, nu;
	size_t used = 0, i, j, best;
	int hits = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < used && cache[j] != ids[i]; j++)
			;
		if (j < used) {
			hits++;
			continue;
		}
		if (used == cap) {
			best = 0;
			best_nu = 0;
			for (j = 0; j < used; j++) {
				size_t t;

				nu = KVTD_NEVER;
				for (t = i + 1; t < n; t++) {
					if (ids[t] == cache[j]) {
						nu = t;
						break;
					}
				}
				if (nu >= best_nu) {
					best_nu = nu;
					best = j;
				}
			}
			cache[best] = ids[i];
		} else {
			cache[used++] = ids[i];
		}
	}
	return hits;
}

/* LRU's hits by the same kind of brute force, for the bound below. */
static int brute_lru(size_t cap, const uint64_t *ids, size_t n)
{
	uint64_t cache[64];
	size_t used = 0, i, j;
	int hits = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < used && cache[j] != ids[i]; j++)
			;
		if (j < used) {
			hits++;
			memmove(&cache[1], &cache[0], j * sizeof(*cache));
		} else {
			if (used < cap)
				used++;
			memmove(&cache[1], &cache[0],
				(used - 1) * sizeof(*cache));
		}
		cache[0] = ids[i];
	}
	return hits;
}

START_TEST(test_random_against_brute_force)
{
	uint64_t ids[600];
	unsigned int seed = 99;
	size_t n = 600, i, cap;
	int round, hits, opt, lru;

	for (round = 0; round < 40; round++) {
		/* Skewed ids: a few hot blocks among many cold ones. */
		for (i = 0; i < n; i++)
			ids[i] = rand_r(&seed) % 3 ? rand_r(&seed) % 12 :
						     rand_r(&seed) % 200;
		cap = 1 + (size_t)(round % 16);
		hits = run_ids(cap, ids, n);
		opt = brute_min(cap, ids, n);
		lru = brute_lru(cap, ids, n);
		ck_assert_msg(hits == opt, "cap %zu: belady %d, brute MIN %d",
			      cap, hits, opt);
		ck_assert_int_ge(hits, lru);
		teardown();
	}
}
END_TEST

Suite *replay_belady_suite(void)
{
	Suite *s = suite_create("replay_belady");
	TCase *tc;

	tc = tcase_create("hand_traces");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_cap2_abcab);
	tcase_add_test(tc, test_textbook_string);
	tcase_add_test(tc, test_capacity_one);
	tcase_add_test(tc, test_capacity_zero);
	tcase_add_test(tc, test_large_capacity);
	suite_add_tcase(s, tc);

	tc = tcase_create("interface");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_protocol_errors);
	tcase_add_test(tc, test_needs_future);
	tcase_add_test(tc, test_victims);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_random_against_brute_force);
	suite_add_tcase(s, tc);
	return s;
}

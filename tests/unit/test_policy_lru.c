// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/policy/lru.c. Expected hit counts are worked out
 * by hand in the comments (the cache shown most recent first).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_policy.h"

/* An access that knows only its key. */
#define ACC(k) (&(struct kvtd_access){ .key = (k) })

static struct kvtd_policy *pol;

static struct drm_kvtier_key key(uint64_t id)
{
	struct drm_kvtier_key k = { .lo = id, .hi = 0xabcull };

	return k;
}

static struct kvtd_policy *lru_new(uint64_t capacity, uint32_t expect)
{
	struct kvtd_policy_params params = {
		.capacity = capacity,
		.expect_entries = expect,
	};
	struct kvtd_policy *p = NULL;

	ck_assert_int_eq(kvtd_policy_create(&kvtd_policy_lru, &params, &p), 0);
	ck_assert_ptr_nonnull(p);
	return p;
}

static void teardown(void)
{
	kvtd_policy_destroy(pol);
	pol = NULL;
}

/* One reference as a cache does it: a hit, or a miss that is inserted. */
static int reference(struct kvtd_policy *p, uint64_t id)
{
	struct drm_kvtier_key k = key(id), victim;
	int ret = kvtd_policy_access(p, ACC(k));

	if (ret != -ENOENT) {
		ck_assert_int_eq(ret, 0);
		return 1;
	}
	if (kvtd_policy_capacity(p) == 0)
		return 0;
	while (kvtd_policy_used(p) + 1 > kvtd_policy_capacity(p)) {
		ck_assert_int_eq(kvtd_policy_victim(p, NULL, NULL, &victim), 0);
		ck_assert_int_eq(kvtd_policy_remove(p, &victim), 0);
	}
	ck_assert_int_eq(kvtd_policy_insert(p, ACC(k), 1), 0);
	return 0;
}

/* Hits of the sequence @seq (letters or digits as ids). */
static int run_seq(uint64_t capacity, const char *seq)
{
	int hits = 0;

	pol = lru_new(capacity, 0);
	for (; *seq; seq++)
		hits += reference(pol, (uint64_t)*seq);
	return hits;
}

/*
 * Capacity 2, A B A C B A:
 *   A miss [A]; B miss [B A]; A hit [A B]; C miss, evicts B [C A];
 *   B miss, evicts A [B C]; A miss, evicts C [A B]. One hit.
 */
START_TEST(test_cap2_abacba)
{
	ck_assert_int_eq(run_seq(2, "ABACBA"), 1);
	ck_assert_uint_eq(kvtd_policy_count(pol), 2);
	ck_assert_uint_eq(kvtd_policy_used(pol), 2);
}
END_TEST

/*
 * Capacity 3, A B C A B D A B C D:
 *   A B C miss [C B A]; A hit [A C B]; B hit [B A C];
 *   D miss, evicts C [D B A]; A hit [A D B]; B hit [B A D];
 *   C miss, evicts D [C B A]; D miss, evicts A [D C B]. Four hits.
 */
START_TEST(test_cap3_abcabdabcd)
{
	ck_assert_int_eq(run_seq(3, "ABCABDABCD"), 4);
}
END_TEST

/*
 * The textbook reference string (Silberschatz et al., Operating System
 * Concepts, the page-replacement chapter) with 3 frames:
 *   7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1
 *   7m [7]; 0m [0 7]; 1m [1 0 7]; 2m -7 [2 1 0]; 0h [0 2 1];
 *   3m -1 [3 0 2]; 0h [0 3 2]; 4m -2 [4 0 3]; 2m -3 [2 4 0];
 *   3m -0 [3 2 4]; 0m -4 [0 3 2]; 3h [3 0 2]; 2h [2 3 0];
 *   1m -0 [1 2 3]; 2h [2 1 3]; 0m -3 [0 2 1]; 1h [1 0 2];
 *   7m -2 [7 1 0]; 0h [0 7 1]; 1h [1 0 7].
 * 12 faults, as the book says: 8 hits.
 */
START_TEST(test_textbook_string)
{
	ck_assert_int_eq(run_seq(3, "70120304230321201701"), 8);
}
END_TEST

/* Capacity 0 holds nothing: every insert is refused, nothing hits. */
START_TEST(test_capacity_zero)
{
	struct drm_kvtier_key a = key(1), v;

	ck_assert_int_eq(run_seq(0, "AAAA"), 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(a), 1), -ENOSPC);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), -ENOENT);
	ck_assert_uint_eq(kvtd_policy_count(pol), 0);
}
END_TEST

/*
 * Capacity 1, A A B B A: A miss [A]; A hit; B miss, evicts A [B]; B hit;
 * A miss, evicts B [A]. Two hits.
 */
START_TEST(test_capacity_one)
{
	ck_assert_int_eq(run_seq(1, "AABBA"), 2);
}
END_TEST

/* A A A A A: one compulsory miss, then four hits, at any capacity. */
START_TEST(test_repeated_key)
{
	ck_assert_int_eq(run_seq(1, "AAAAA"), 4);
	teardown();
	ck_assert_int_eq(run_seq(100, "AAAAA"), 4);
	ck_assert_uint_eq(kvtd_policy_count(pol), 1);
}
END_TEST

START_TEST(test_insert_existing)
{
	struct drm_kvtier_key a = key(1);

	pol = lru_new(10, 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(a), 2), 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(a), 3), -EEXIST);
	ck_assert_uint_eq(kvtd_policy_used(pol), 2);
	ck_assert_uint_eq(kvtd_policy_count(pol), 1);
}
END_TEST

START_TEST(test_unknown_keys)
{
	struct drm_kvtier_key a = key(1);

	pol = lru_new(10, 0);
	ck_assert_int_eq(kvtd_policy_access(pol, ACC(a)), -ENOENT);
	ck_assert_int_eq(kvtd_policy_remove(pol, &a), -ENOENT);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(a), 1), 0);
	ck_assert_int_eq(kvtd_policy_remove(pol, &a), 0);
	ck_assert_int_eq(kvtd_policy_remove(pol, &a), -ENOENT);
	ck_assert_int_eq(kvtd_policy_access(pol, ACC(a)), -ENOENT);
	ck_assert_uint_eq(kvtd_policy_used(pol), 0);
}
END_TEST

/* Sizes count against capacity; a removal gives its own size back. */
START_TEST(test_sizes)
{
	struct drm_kvtier_key a = key(1), b = key(2), c = key(3);

	pol = lru_new(10, 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(a), 4), 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(b), 5), 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(c), 2), -ENOSPC);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(c), 0), -EINVAL);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(c), 1), 0);
	ck_assert_uint_eq(kvtd_policy_used(pol), 10);
	ck_assert_int_eq(kvtd_policy_remove(pol, &b), 0);
	ck_assert_uint_eq(kvtd_policy_used(pol), 5);
	ck_assert_uint_eq(kvtd_policy_count(pol), 2);
}
END_TEST

/* Insert A B C, touch A: least recent first is B, then C, then A. */
START_TEST(test_victim_order)
{
	struct drm_kvtier_key a = key(1), b = key(2), c = key(3), v;

	pol = lru_new(3, 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(a), 1), 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(b), 1), 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(c), 1), 0);
	ck_assert_int_eq(kvtd_policy_access(pol, ACC(a)), 0);

	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
	ck_assert(kvtd_key_eq(&v, &b));
	/* Naming a victim does not forget it. */
	ck_assert_uint_eq(kvtd_policy_count(pol), 3);
	ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
	ck_assert(kvtd_key_eq(&v, &c));
	ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
	ck_assert(kvtd_key_eq(&v, &a));
	ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), -ENOENT);
}
END_TEST

static bool not_pinned(const struct drm_kvtier_key *k, void *arg)
{
	const uint64_t *pinned = arg;

	return k->lo != *pinned;
}

/* A pinned least-recent key is passed over for the next one. */
START_TEST(test_victim_filter)
{
	struct drm_kvtier_key a = key(1), b = key(2), v;
	uint64_t pinned = 1;

	pol = lru_new(2, 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(a), 1), 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, ACC(b), 1), 0);
	ck_assert_int_eq(kvtd_policy_victim(pol, not_pinned, &pinned, &v), 0);
	ck_assert(kvtd_key_eq(&v, &b));
	ck_assert_int_eq(kvtd_policy_remove(pol, &b), 0);
	ck_assert_int_eq(kvtd_policy_victim(pol, not_pinned, &pinned, &v),
			 -ENOENT);
}
END_TEST

/* Far more objects than the hint: the tables grow, the order holds. */
START_TEST(test_grows_past_hint)
{
	struct drm_kvtier_key k, v;
	uint64_t i;

	pol = lru_new(5000, 1);
	for (i = 0; i < 5000; i++) {
		k = key(i);
		ck_assert_int_eq(kvtd_policy_insert(pol, ACC(k), 1), 0);
	}
	for (i = 0; i < 5000; i++) {
		ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
		ck_assert_uint_eq(v.lo, i);
		ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
	}
	ck_assert_uint_eq(kvtd_policy_count(pol), 0);
}
END_TEST

/*
 * Random accesses, inserts and removals against a plain array kept in
 * recency order (O(n) per step, obviously right): every victim must match.
 */
START_TEST(test_random_against_model)
{
	enum { SPACE = 64, CAP = 16, OPS = 50000 };
	uint64_t model[CAP], id;
	struct drm_kvtier_key k, v;
	unsigned int seed = 7;
	int n = 0, i, j, op;

	pol = lru_new(CAP, 0);
	for (op = 0; op < OPS; op++) {
		id = (uint64_t)(rand_r(&seed) % SPACE);
		k = key(id);
		for (i = 0; i < n && model[i] != id; i++)
			;
		if (rand_r(&seed) % 8 == 0) {
			/* Removal by someone else (a free, a drop). */
			ck_assert_int_eq(kvtd_policy_remove(pol, &k),
					 i < n ? 0 : -ENOENT);
			if (i < n) {
				memmove(&model[i], &model[i + 1],
					(size_t)(n - i - 1) * sizeof(*model));
				n--;
			}
			continue;
		}
		if (i < n) {
			ck_assert_int_eq(kvtd_policy_access(pol, ACC(k)), 0);
			memmove(&model[1], &model[0], (size_t)i * sizeof(*model));
			model[0] = id;
			continue;
		}
		ck_assert_int_eq(kvtd_policy_access(pol, ACC(k)), -ENOENT);
		if (n == CAP) {
			ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v),
					 0);
			ck_assert_uint_eq(v.lo, model[n - 1]);
			ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
			n--;
		}
		ck_assert_int_eq(kvtd_policy_insert(pol, ACC(k), 1), 0);
		for (j = n; j > 0; j--)
			model[j] = model[j - 1];
		model[0] = id;
		n++;
		ck_assert_uint_eq(kvtd_policy_count(pol), (uint64_t)n);
	}
}
END_TEST

/*
 * The same against the model by reference, on an instance that keeps no
 * key map (KVTD_POLICY_BY_REF, as the planner makes them): victims in the
 * same order, refs of removed objects refused, a small log (16 entries,
 * heavy hits) compacted many times over.
 */
START_TEST(test_by_ref_against_model)
{
	enum { SPACE = 64, CAP = 16, OPS = 50000 };
	struct kvtd_policy_params params = { .capacity = CAP,
					     .flags = KVTD_POLICY_BY_REF };
	uint32_t ref[SPACE] = { 0 }, vref, gone = 0;
	uint64_t model[CAP], id;
	struct drm_kvtier_key v, k;
	unsigned int seed = 11;
	int n = 0, i, j, op;

	ck_assert_int_eq(kvtd_policy_create(&kvtd_policy_lru, &params, &pol),
			 0);
	for (op = 0; op < OPS; op++) {
		id = (uint64_t)(rand_r(&seed) % SPACE);
		for (i = 0; i < n && model[i] != id; i++)
			;
		if (i < n && rand_r(&seed) % 8 == 0) {
			k = key(id);
			ck_assert_int_eq(kvtd_policy_remove_ref(pol, ref[id],
								&k), 0);
			/* Its ref is dead now, until handed out again. */
			ck_assert_int_eq(kvtd_policy_remove_ref(pol, ref[id],
								&k), -ENOENT);
			gone = ref[id];
			memmove(&model[i], &model[i + 1],
				(size_t)(n - i - 1) * sizeof(*model));
			n--;
			continue;
		}
		if (i < n) {
			ck_assert_int_eq(kvtd_policy_access_ref(pol, ref[id],
					 ACC(key(id))), 0);
			memmove(&model[1], &model[0], (size_t)i * sizeof(*model));
			model[0] = id;
			continue;
		}
		if (n == CAP) {
			ck_assert_int_eq(kvtd_policy_victim_ref(pol, NULL, NULL,
								&v, &vref), 0);
			ck_assert_uint_eq(v.lo, model[n - 1]);
			ck_assert_uint_eq(vref, ref[model[n - 1]]);
			ck_assert_int_eq(kvtd_policy_remove_ref(pol, vref, &v),
					 0);
			ck_assert_uint_eq(kvtd_policy_used(pol), CAP - 1);
			n--;
		}
		ck_assert_int_eq(kvtd_policy_insert_ref(pol, ACC(key(id)), 1,
							&ref[id]), 0);
		ck_assert_uint_ne(ref[id], 0);
		for (j = n; j > 0; j--)
			model[j] = model[j - 1];
		model[0] = id;
		n++;
		ck_assert_uint_eq(kvtd_policy_count(pol), (uint64_t)n);
	}
	ck_assert_uint_ne(gone, 0);
	/* Out of range and zero refs are no entries. */
	ck_assert_int_eq(kvtd_policy_access_ref(pol, 0, ACC(key(0))), -ENOENT);
	k = key(0);
	ck_assert_int_eq(kvtd_policy_remove_ref(pol, 1u << 30, &k), -ENOENT);
}
END_TEST

Suite *policy_lru_suite(void)
{
	Suite *s = suite_create("policy_lru");
	TCase *tc;

	tc = tcase_create("hand_traces");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_cap2_abacba);
	tcase_add_test(tc, test_cap3_abcabdabcd);
	tcase_add_test(tc, test_textbook_string);
	suite_add_tcase(s, tc);

	tc = tcase_create("edges");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_capacity_zero);
	tcase_add_test(tc, test_capacity_one);
	tcase_add_test(tc, test_repeated_key);
	tcase_add_test(tc, test_insert_existing);
	tcase_add_test(tc, test_unknown_keys);
	tcase_add_test(tc, test_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("victims");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_victim_order);
	tcase_add_test(tc, test_victim_filter);
	tcase_add_test(tc, test_grows_past_hint);
	tcase_add_test(tc, test_random_against_model);
	tcase_add_test(tc, test_by_ref_against_model);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/replay/sim.c: the simulator's accounting, and the
 * hand traces of the policy tests run through it end to end.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtr_belady.h"
#include "kvtr_sim.h"

static struct kvtr_refs refs;

static void teardown(void)
{
	kvtr_refs_free(&refs);
}

/* The reference stream of one request whose blocks are @n ids. */
static void build(const uint64_t *ids, size_t n)
{
	struct kvtr_request req = { .nids = n };
	struct kvtr_trace t = { .req = &req, .nreq = 1,
				.ids = (uint64_t *)ids, .nids = n };

	ck_assert_int_eq(kvtr_refs_build(&t, &refs), 0);
}

static void build_seq(const char *seq)
{
	uint64_t ids[256];
	size_t n;

	for (n = 0; seq[n]; n++)
		ids[n] = (uint64_t)seq[n];
	build(ids, n);
}

/* What must hold for every run. */
static void check_invariants(const struct kvtr_sim_stats *s, uint64_t cap)
{
	ck_assert_uint_eq(s->refs, refs.count);
	ck_assert_uint_eq(s->hits + s->misses, s->refs);
	ck_assert_uint_eq(s->inserts + s->bypasses, s->misses);
	/* Every block misses at least once; never more than its uses. */
	ck_assert_uint_ge(s->misses, refs.distinct);
	/* What was inserted and not evicted is still there, within cap. */
	ck_assert_uint_le(s->inserts - s->evictions, cap);
}

/*
 * The textbook string (see test_policy_lru.c and test_replay_belady.c):
 * 3 frames, 20 references, 6 distinct pages (0 1 2 3 4 7). LRU 8 hits,
 * MIN 11.
 */
START_TEST(test_textbook)
{
	struct kvtr_sim_stats s;

	build_seq("70120304230321201701");
	ck_assert_uint_eq(refs.distinct, 6);
	ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &refs, 3, &s), 0);
	check_invariants(&s, 3);
	ck_assert_uint_eq(s.hits, 8);
	/* 12 misses into 3 frames: the first 3 fill, 9 evict. */
	ck_assert_uint_eq(s.evictions, 9);
	ck_assert_int_eq(kvtr_sim_run(&kvtr_policy_belady, &refs, 3, &s), 0);
	check_invariants(&s, 3);
	ck_assert_uint_eq(s.hits, 11);
	ck_assert_uint_eq(s.evictions, 6);
	ck_assert_double_eq_tol(kvtr_sim_hit_rate(&s), 11.0 / 20.0, 1e-12);
}
END_TEST

/* Room for everything: only compulsory misses, no evictions. */
START_TEST(test_all_fit)
{
	struct kvtr_sim_stats s;

	build_seq("ABCDABCDEA");
	ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &refs, 5, &s), 0);
	check_invariants(&s, 5);
	ck_assert_uint_eq(s.misses, 5);
	ck_assert_uint_eq(s.evictions, 0);
	ck_assert_int_eq(kvtr_sim_run(&kvtr_policy_belady, &refs, 5, &s), 0);
	ck_assert_uint_eq(s.misses, 5);
}
END_TEST

/* Capacity 0: every reference misses and nothing is inserted. */
START_TEST(test_capacity_zero)
{
	struct kvtr_sim_stats s;

	build_seq("AAAB");
	ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &refs, 0, &s), 0);
	check_invariants(&s, 0);
	ck_assert_uint_eq(s.hits, 0);
	ck_assert_uint_eq(s.bypasses, 4);
	/* Belady still keeps its place in the future through the misses. */
	ck_assert_int_eq(kvtr_sim_run(&kvtr_policy_belady, &refs, 0, &s), 0);
	ck_assert_uint_eq(s.bypasses, 4);
}
END_TEST

START_TEST(test_empty_trace)
{
	struct kvtr_sim_stats s;

	build(NULL, 0);
	ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &refs, 10, &s), 0);
	ck_assert_uint_eq(s.refs, 0);
	ck_assert_double_eq(kvtr_sim_hit_rate(&s), 0.0);
	ck_assert_int_eq(kvtr_sim_run(&kvtr_policy_belady, &refs, 10, &s), 0);
	ck_assert_uint_eq(s.refs, 0);
}
END_TEST

/*
 * A random skewed trace at many capacities: the invariants hold, Belady
 * never loses to LRU, and neither loses hits when the cache grows (both
 * are stack algorithms: a bigger cache holds a superset).
 */
START_TEST(test_random_invariants)
{
	static uint64_t ids[20000];
	struct kvtr_sim_stats lru, opt, prev_lru = { 0 }, prev_opt = { 0 };
	unsigned int seed = 3;
	uint64_t cap;
	size_t i;

	for (i = 0; i < 20000; i++)
		ids[i] = rand_r(&seed) % 4 ? rand_r(&seed) % 300 :
					     rand_r(&seed) % 5000;
	build(ids, 20000);
	for (cap = 0; cap <= 600; cap += 25) {
		ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &refs, cap,
					      &lru), 0);
		ck_assert_int_eq(kvtr_sim_run(&kvtr_policy_belady, &refs, cap,
					      &opt), 0);
		check_invariants(&lru, cap);
		check_invariants(&opt, cap);
		ck_assert_uint_ge(opt.hits, lru.hits);
		ck_assert_uint_ge(lru.hits, prev_lru.hits);
		ck_assert_uint_ge(opt.hits, prev_opt.hits);
		prev_lru = lru;
		prev_opt = opt;
	}
}
END_TEST

START_TEST(test_policy_find)
{
	ck_assert_ptr_eq(kvtr_policy_find("lru"), &kvtd_policy_lru);
	ck_assert_ptr_eq(kvtr_policy_find("belady"), &kvtr_policy_belady);
	ck_assert_ptr_null(kvtr_policy_find("fifo"));
}
END_TEST

Suite *replay_sim_suite(void)
{
	Suite *s = suite_create("replay_sim");
	TCase *tc;

	tc = tcase_create("accounting");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_textbook);
	tcase_add_test(tc, test_all_fit);
	tcase_add_test(tc, test_capacity_zero);
	tcase_add_test(tc, test_empty_trace);
	tcase_add_test(tc, test_random_invariants);
	suite_add_tcase(s, tc);

	tc = tcase_create("policies");
	tcase_add_test(tc, test_policy_find);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/policy/reuse.c, on hand-made access sequences
 * whose right answers are known: what the model learns moves toward the
 * labels it sees, a prompt's last block goes before a block at depth 0, a
 * block reused again and again survives a scan of one-off blocks, a child
 * never outranks its parent, a stored block goes before a proven one of
 * the same estimate, and the estimate reaches the reuse op.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "kvtd_policy.h"

static struct kvtd_policy *pol;
static uint64_t now_ns;

static struct drm_kvtier_key key(uint64_t id)
{
	struct drm_kvtier_key k = { .lo = id, .hi = 0x5eedull };

	return k;
}

static struct kvtd_policy *reuse_new(uint64_t capacity)
{
	struct kvtd_policy_params params = { .capacity = capacity };
	struct kvtd_policy *p = NULL;

	ck_assert_int_eq(kvtd_policy_create(&kvtd_policy_reuse_ops, &params,
					    &p), 0);
	return p;
}

static void teardown(void)
{
	kvtd_policy_destroy(pol);
	pol = NULL;
}

static bool tracked(uint64_t id)
{
	uint32_t pm;

	return kvtd_policy_reuse(pol, &(struct drm_kvtier_key){ .lo = id,
				 .hi = 0x5eedull }, &pm) == 0;
}

/*
 * One prompt as the simulator replays it: the cached prefix hits, the
 * rest misses and is stored (evicting first). Return: prefix hits.
 */
static int prompt(const uint64_t *ids, uint32_t n)
{
	struct kvtd_access a = { .time_ns = ++now_ns, .count = n };
	struct drm_kvtier_key v;
	uint32_t i;
	int hits = 0;

	for (i = 0; i < n; i++) {
		a.key = key(ids[i]);
		a.position = i;
		if (!tracked(ids[i]))
			break;
		ck_assert_int_eq(kvtd_policy_access(pol, &a), 0);
		hits++;
	}
	for (a.flags = 0; i < n; i++, a.flags = KVTD_ACCESS_NOT_PROBED) {
		a.key = key(ids[i]);
		a.position = i;
		ck_assert_int_eq(kvtd_policy_miss(pol, &a), 0);
		if (tracked(ids[i]))
			continue;
		while (kvtd_policy_used(pol) >= kvtd_policy_capacity(pol)) {
			ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL,
							    &v), 0);
			ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
		}
		ck_assert_int_eq(kvtd_policy_insert(pol, &a, 1), 0);
	}
	return hits;
}

static uint32_t estimate(uint64_t id)
{
	uint32_t pm = 0;

	ck_assert_int_eq(kvtd_policy_reuse(pol, &(struct drm_kvtier_key){
				.lo = id, .hi = 0x5eedull }, &pm), 0);
	ck_assert_uint_le(pm, 1000);
	return pm;
}

/*
 * Conversations of three turns behind a shared system prompt (block 1):
 * each turn repeats the conversation's two middle blocks and ends in a
 * block of its own (a prompt's partial last block). The system prompt is
 * reused every time, the middle blocks mostly, the last blocks never.
 * After enough of them the model must say so, and rank them accordingly.
 */
START_TEST(test_learns_last_vs_depth0)
{
	uint64_t ids[4], next = 100000, conv = 1000;
	struct drm_kvtier_key v;
	int r;

	pol = reuse_new(64);
	for (r = 0; r < 3000; r++) {
		if (r % 3 == 0)
			conv += 2;
		ids[0] = 1;
		ids[1] = conv;
		ids[2] = conv + 1;
		ids[3] = next++;
		prompt(ids, 4);
	}
	ck_assert_uint_gt(estimate(1), 800);
	ck_assert_uint_lt(estimate(ids[3]), 200);
	/* A last block goes first, the shared first block last of all. */
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
	ck_assert_uint_ge(v.lo, 100000);
	while (kvtd_policy_count(pol) > 1) {
		ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
		ck_assert_uint_ne(v.lo, 1);
		ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
	}
	ck_assert(tracked(1));
}
END_TEST

/*
 * A hot prompt of 4 blocks, asked again after every 40 one-off prompts of
 * 4 blocks (160 blocks that are never seen again) through a cache of 32:
 * LRU loses the hot prompt to every scan; the learned policy, once it has
 * seen that one-offs die, keeps it.
 */
START_TEST(test_hot_survives_scan)
{
	static const uint64_t hot[4] = { 1, 2, 3, 4 };
	uint64_t ids[4], next = 1000;
	int round, j, late_hits = 0;

	pol = reuse_new(32);
	for (round = 0; round < 200; round++) {
		int h = prompt(hot, 4);

		if (round >= 150)
			late_hits += h;
		for (j = 0; j < 40; j++) {
			ids[0] = next++;
			ids[1] = next++;
			ids[2] = next++;
			ids[3] = next++;
			prompt(ids, 4);
		}
	}
	/* The last 50 rounds hit the hot prompt in full, or nearly. */
	ck_assert_int_ge(late_hits, 4 * 45);
}
END_TEST

/*
 * Whatever the estimates, a block never outranks the block before it in
 * the same lookup: evicting in the policy's order, a parent never goes
 * while its child stays.
 */
START_TEST(test_child_never_over_parent)
{
	uint64_t ids[8], next = 100;
	struct drm_kvtier_key v;
	unsigned int seed = 7;
	int r, i, gone[200] = { 0 };

	pol = reuse_new(1000);
	/* Chains of 8 over a few shared roots, so estimates differ. */
	for (r = 0; r < 20; r++) {
		ids[0] = (uint64_t)(rand_r(&seed) % 3);
		for (i = 1; i < 8; i++)
			ids[i] = next++;
		prompt(ids, 8);
	}
	/* Evict everything; each chain's blocks must go child first. */
	while (kvtd_policy_count(pol)) {
		ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
		ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
		if (v.lo >= 100 && v.lo < 100 + 20 * 7) {
			/* Within a chain, ids rise with depth. */
			if ((v.lo - 100) % 7 != 6)
				ck_assert_int_eq(gone[v.lo + 1 - 100], 1);
			gone[v.lo - 100] = 1;
		}
	}
}
END_TEST

/*
 * A block that hit outranks one stored after it with the same estimate:
 * the newcomer counts half until its first hit, so it is the victim,
 * though it was referenced last.
 */
START_TEST(test_unproven_goes_first)
{
	uint64_t x[1] = { 1 }, y[1] = { 2 };
	struct drm_kvtier_key v;

	pol = reuse_new(2);
	prompt(x, 1);
	ck_assert_int_eq(prompt(x, 1), 1);
	prompt(y, 1);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
	ck_assert_uint_eq(v.lo, 2);
}
END_TEST

/* The estimate moves toward the labels: up for reused, down for dead. */
START_TEST(test_estimate_moves_to_labels)
{
	uint64_t ids[1], next = 1000;
	uint32_t before, after;
	int r;

	pol = reuse_new(16);
	/* Single-block prompts of a block seen every other prompt. */
	ids[0] = 7;
	prompt(ids, 1);
	before = estimate(7);
	for (r = 0; r < 2000; r++) {
		ids[0] = 7;
		prompt(ids, 1);
		ids[0] = next++;
		prompt(ids, 1);
	}
	after = estimate(7);
	ck_assert_uint_gt(after, before);
	ck_assert_uint_gt(after, 700);
	/* And a block never seen again is estimated dead. */
	ck_assert_uint_lt(estimate(next - 1), 300);
}
END_TEST

START_TEST(test_contract)
{
	struct kvtd_access a = { .key = key(1) };
	struct drm_kvtier_key v;
	uint32_t pm;

	pol = reuse_new(2);
	ck_assert_int_eq(kvtd_policy_access(pol, &a), -ENOENT);
	ck_assert_int_eq(kvtd_policy_reuse(pol, &a.key, &pm), -ENOENT);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), -ENOENT);
	/* A store with no miss before it (a rebuild from a scan) works. */
	ck_assert_int_eq(kvtd_policy_insert(pol, &a, 1), 0);
	ck_assert_int_eq(kvtd_policy_insert(pol, &a, 1), -EEXIST);
	ck_assert_int_eq(kvtd_policy_access(pol, &a), 0);
	ck_assert_int_eq(kvtd_policy_reuse(pol, &a.key, &pm), 0);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
	ck_assert_uint_eq(v.lo, 1);
	ck_assert_int_eq(kvtd_policy_remove(pol, &v), 0);
	ck_assert_int_eq(kvtd_policy_remove(pol, &v), -ENOENT);
	ck_assert_ptr_eq(kvtd_policy_find("reuse"), &kvtd_policy_reuse_ops);
}
END_TEST

static bool refuse_first(const struct drm_kvtier_key *k, void *arg)
{
	return k->lo != *(uint64_t *)arg;
}

/* A filtered pick skips the refused and still takes the best of the rest. */
START_TEST(test_filtered_pick)
{
	uint64_t ids[3] = { 1, 2, 3 }, first;
	struct drm_kvtier_key v, w;

	pol = reuse_new(8);
	prompt(ids, 3);
	ck_assert_int_eq(kvtd_policy_victim(pol, NULL, NULL, &v), 0);
	first = v.lo;
	ck_assert_int_eq(kvtd_policy_victim(pol, refuse_first, &first, &w), 0);
	ck_assert_uint_ne(w.lo, first);
}
END_TEST

/*
 * One prompt as the daemon's stream gives it: the lookup's records (hits,
 * then every miss) together, then the stores. Evictions are written down
 * in @victims. Return: prefix hits.
 */
static int prompt_batched(struct kvtd_policy *p, const uint64_t *ids,
			  uint32_t n, uint64_t *victims, size_t *nv)
{
	struct kvtd_access a = { .time_ns = ++now_ns, .count = n };
	struct drm_kvtier_key v;
	uint32_t i, brk;
	uint32_t pm;
	int hits = 0;

	for (i = 0; i < n; i++) {
		a.key = key(ids[i]);
		a.position = i;
		if (kvtd_policy_reuse(p, &a.key, &pm))
			break;
		ck_assert_int_eq(kvtd_policy_access(p, &a), 0);
		hits++;
	}
	brk = i;
	for (a.flags = 0; i < n; i++, a.flags = KVTD_ACCESS_NOT_PROBED) {
		a.key = key(ids[i]);
		a.position = i;
		ck_assert_int_eq(kvtd_policy_miss(p, &a), 0);
	}
	for (i = brk, a.flags = 0; i < n; i++) {
		a.key = key(ids[i]);
		a.position = i;
		if (!kvtd_policy_reuse(p, &a.key, &pm))
			continue;
		while (kvtd_policy_used(p) >= kvtd_policy_capacity(p)) {
			ck_assert_int_eq(kvtd_policy_victim(p, NULL, NULL,
							    &v), 0);
			ck_assert_int_eq(kvtd_policy_remove(p, &v), 0);
			victims[(*nv)++] = v.lo;
		}
		ck_assert_int_eq(kvtd_policy_insert(p, &a, 1), 0);
	}
	return hits;
}

/* The same, each store right after its miss (prompt() on @p). */
static int prompt_interleaved(struct kvtd_policy *p, const uint64_t *ids,
			      uint32_t n)
{
	struct kvtd_policy *saved = pol;
	int hits;

	pol = p;
	hits = prompt(ids, n);
	pol = saved;
	return hits;
}

/*
 * The store of a block that just missed is the same reference as its
 * miss, however many records of the lookup came in between: a policy fed
 * as the daemon's stream feeds it (a lookup's misses, then its stores)
 * hits exactly as one fed each store right after its miss.
 */
START_TEST(test_batched_stores_same_reference)
{
	static uint64_t ids[64];
	struct kvtd_policy *a = reuse_new(40), *b = reuse_new(40);
	static uint64_t victims[100000];
	unsigned int seed = 7;
	uint32_t n, i, r;
	size_t nv = 0;
	int ha = 0, hb = 0;
	uint64_t fresh = 100000;

	for (r = 0; r < 3000; r++) {
		n = 1 + (uint32_t)(rand_r(&seed) % 12);
		ids[0] = (uint64_t)(rand_r(&seed) % 6);
		for (i = 1; i < n; i++)
			ids[i] = (i < 4 && rand_r(&seed) % 3) ?
				 ids[0] * 100 + i : fresh++;
		ha += prompt_interleaved(a, ids, n);
		hb += prompt_batched(b, ids, n, victims, &nv);
	}
	ck_assert_int_gt(ha, 0);
	ck_assert_int_eq(ha, hb);
	kvtd_policy_destroy(a);
	kvtd_policy_destroy(b);
}
END_TEST

Suite *policy_reuse_suite(void)
{
	Suite *s = suite_create("policy_reuse");
	TCase *tc;

	tc = tcase_create("learned");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_learns_last_vs_depth0);
	tcase_add_test(tc, test_hot_survives_scan);
	tcase_add_test(tc, test_child_never_over_parent);
	tcase_add_test(tc, test_unproven_goes_first);
	tcase_add_test(tc, test_batched_stores_same_reference);
	tcase_add_test(tc, test_estimate_moves_to_labels);
	suite_add_tcase(s, tc);

	tc = tcase_create("contract");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_contract);
	tcase_add_test(tc, test_filtered_pick);
	suite_add_tcase(s, tc);
	return s;
}

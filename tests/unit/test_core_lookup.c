// SPDX-License-Identifier: GPL-2.0
/* kmod/core/kvt_lookup.c: namespaces, prefixes, references, results. */
#include "test_core_env.h"
#include "test_suites.h"

START_TEST(other_tenant_is_absent)
{
	struct drm_kvtier_lookup_result r;

	tput(A1, 1);
	ck_assert(tlookup(A2, 1, 0, &r));
	ck_assert(!tlookup(B, 1, 0, &r));
	ck_assert_uint_eq(r.handle, 0);
	ck_assert_uint_eq(r.flags, 0);
	ck_assert(!tlookup(ADM, 1, 0, NULL));
}
END_TEST

START_TEST(global_is_visible_to_all)
{
	struct drm_kvtier_lookup_result r;
	uint64_t hg, ha;

	ck_assert_int_eq(talloc_global(ADM, 1, SLOT, &hg), 0);
	ck_assert(!tlookup(B, 1, 0, NULL));
	ck_assert_int_eq(top(ADM, KVTIER_OP_COMMIT, hg, 0), 0);
	ck_assert(tlookup(B, 1, 0, &r));
	ck_assert_uint_eq(r.handle, hg);
	ck_assert_uint_eq(r.flags, KVTIER_LOOKUP_PRESENT | KVTIER_LOOKUP_GLOBAL);
	/* A tenant's own object with the same key comes first. */
	ha = tput(A1, 1);
	ck_assert(tlookup(A2, 1, 0, &r));
	ck_assert_uint_eq(r.handle, ha);
	ck_assert_uint_eq(r.flags, KVTIER_LOOKUP_PRESENT);
	ck_assert(tlookup(B, 1, 0, &r));
	ck_assert_uint_eq(r.handle, hg);
}
END_TEST

START_TEST(result_fields)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item it = { .key = tkey(1), .size = 5000 };
	uint32_t fi;

	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, &it, 1, &fi), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, it.handle, 0), 0);
	ck_assert(tlookup(A2, 1, 0, &r));
	ck_assert_uint_eq(r.handle, it.handle);
	ck_assert_uint_eq(r.size, 5000);
	ck_assert_uint_eq(r.offset, it.offset);
	ck_assert_uint_eq(r.pool_id, POOL);
	ck_assert_uint_eq(r.tiers, KVT_TIER_HOST_BIT);
	ck_assert_uint_eq(r.pad, 0);
}
END_TEST

static void lookup_keys(struct kvt_client *c, const uint64_t *keyn,
			uint32_t n, uint32_t flags,
			struct drm_kvtier_lookup_result *r, uint32_t *hits,
			uint32_t *prefix)
{
	struct drm_kvtier_key k[8];
	uint32_t i;

	for (i = 0; i < n; i++)
		k[i] = tkey(keyn[i]);
	memset(r, 0xab, sizeof(*r) * n);
	kvt_lookup(c, flags, k, r, n, hits, prefix);
}

START_TEST(prefix_and_hits)
{
	static const uint64_t keys[] = { 1, 2, 99, 3, 4 };
	struct drm_kvtier_lookup_result r[5];
	uint32_t hits, prefix;

	tput(A1, 1);
	tput(A1, 2);
	tput(A1, 3);
	tput(A1, 4);
	lookup_keys(A1, keys, 5, 0, r, &hits, &prefix);
	ck_assert_uint_eq(hits, 4);
	ck_assert_uint_eq(prefix, 2);
	ck_assert_uint_eq(r[2].handle, 0);
	ck_assert_uint_eq(r[2].flags, 0);
	ck_assert_uint_eq(r[3].flags, KVTIER_LOOKUP_PRESENT);
	ck_assert_uint_eq(tstats().lookups, 5);
	ck_assert_uint_eq(tstats().hits, 4);
	ck_assert_uint_eq(E.traces[KVT_TRACE_LOOKUP], 1);
	ck_assert_uint_eq(E.last[KVT_TRACE_LOOKUP].count, 5);
	ck_assert_uint_eq(E.last[KVT_TRACE_LOOKUP].value, 4);
}
END_TEST

START_TEST(stop_at_miss)
{
	static const uint64_t keys[] = { 1, 2, 99, 3, 4 };
	struct drm_kvtier_lookup_result r[5];
	uint32_t hits, prefix, i;

	tput(A1, 1);
	tput(A1, 2);
	tput(A1, 3);
	tput(A1, 4);
	lookup_keys(A1, keys, 5, KVTIER_LOOKUP_STOP_AT_MISS, r, &hits, &prefix);
	ck_assert_uint_eq(hits, 2);
	ck_assert_uint_eq(prefix, 2);
	for (i = 2; i < 5; i++) {
		ck_assert_uint_eq(r[i].handle, 0);
		ck_assert_uint_eq(r[i].flags, 0);
	}
	/* A first-key miss stops everything. */
	lookup_keys(A1, keys + 2, 3, KVTIER_LOOKUP_STOP_AT_MISS, r, &hits,
		    &prefix);
	ck_assert_uint_eq(hits, 0);
	ck_assert_uint_eq(prefix, 0);
	ck_assert_uint_eq(r[1].flags, 0);
}
END_TEST

/* More keys than one pass group, a miss in a later group. */
START_TEST(large_batch)
{
	enum { N = 300 };
	struct drm_kvtier_lookup_result *r = calloc(N, sizeof(*r));
	struct drm_kvtier_key *k = calloc(N, sizeof(*k));
	uint32_t i, hits, prefix;

	for (i = 0; i < N; i++)
		k[i] = tkey(i < 200 ? i % 40 + 1 : 1000 + i);
	for (i = 1; i <= 40; i++)
		tput(A1, i);
	kvt_lookup(A1, 0, k, r, N, &hits, &prefix);
	ck_assert_uint_eq(hits, 200);
	ck_assert_uint_eq(prefix, 200);
	for (i = 0; i < N; i++)
		ck_assert_uint_eq(r[i].flags & KVTIER_LOOKUP_PRESENT,
				  i < 200 ? KVTIER_LOOKUP_PRESENT : 0);
	kvt_lookup(A1, KVTIER_LOOKUP_STOP_AT_MISS, k, r, N, &hits, &prefix);
	ck_assert_uint_eq(hits, 200);
	ck_assert_uint_eq(r[N - 1].handle, 0);
	free(r);
	free(k);
}
END_TEST

START_TEST(acquire_gives_one_reference)
{
	struct drm_kvtier_lookup_result r;
	uint64_t h = tput(A1, 1);

	ck_assert(tlookup(A2, 1, 0, &r));
	ck_assert_int_eq(top(A2, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), -EACCES);
	ck_assert(tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, &r));
	ck_assert(tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, &r));
	ck_assert_int_eq(top(A2, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), -EBUSY);
	ck_assert_int_eq(top(A2, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	/* One release drops A2's single reference, however many lookups. */
	ck_assert_int_eq(top(A2, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_uint_eq(tpool_used(), 0);
	/* Misses take nothing. */
	ck_assert(!tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, &r));
	ck_assert_uint_eq(A2->ref_count, 0);
}
END_TEST

START_TEST(acquire_of_global)
{
	struct drm_kvtier_lookup_result r;
	uint64_t hg;

	ck_assert_int_eq(talloc_global(ADM, 1, SLOT, &hg), 0);
	ck_assert_int_eq(top(ADM, KVTIER_OP_COMMIT, hg, 0), 0);
	ck_assert(tlookup(B, 1, KVTIER_LOOKUP_ACQUIRE, &r));
	ck_assert_int_eq(kvt_slot_access(B, POOL, r.offset / SLOT), 0);
	ck_assert_int_eq(top(B, KVTIER_OP_PIN, hg, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(top(ADM, KVTIER_OP_FREE, hg, 0), -EBUSY);
}
END_TEST

Suite *core_lookup_suite(void)
{
	Suite *s = suite_create("core_lookup");
	TCase *tc;

	tc = tcase_create("namespaces");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, other_tenant_is_absent);
	tcase_add_test(tc, global_is_visible_to_all);
	tcase_add_test(tc, result_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("prefix");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, prefix_and_hits);
	tcase_add_test(tc, stop_at_miss);
	tcase_add_test(tc, large_batch);
	suite_add_tcase(s, tc);

	tc = tcase_create("acquire");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, acquire_gives_one_reference);
	tcase_add_test(tc, acquire_of_global);
	suite_add_tcase(s, tc);
	return s;
}

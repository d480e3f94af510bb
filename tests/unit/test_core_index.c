// SPDX-License-Identifier: GPL-2.0
/* kmod/core/kvt_index.c: namespaces, readiness, deletion, growth. */
#include "test_core_env.h"
#include "test_suites.h"

static uint64_t probe(uint64_t keyn, uint64_t tenant, bool *global)
{
	struct drm_kvtier_key k = tkey(keyn);
	bool g;

	return kvt_index_probe(C, kvt_key_hash(C, &k), &k, tenant,
			       global ? global : &g);
}

static int reserve(uint64_t keyn, uint64_t tenant, uint64_t handle)
{
	struct drm_kvtier_key k = tkey(keyn);

	return kvt_index_reserve(C, &k, tenant, handle);
}

static void ready(uint64_t keyn, uint64_t handle)
{
	struct drm_kvtier_key k = tkey(keyn);

	kvt_index_set_ready(C, &k, handle);
}

static void removek(uint64_t keyn, uint64_t handle)
{
	struct drm_kvtier_key k = tkey(keyn);

	kvt_index_remove(C, &k, handle);
}

/* The index alone, with made-up handles; no objects behind them. */
static void index_setup(void)
{
	tcore_setup();
}

static void index_teardown(void)
{
	/* Empty the index by hand so the fixture's check sees no strays. */
	ck_assert_uint_eq(kvt_index_count(C), 0);
	tcore_teardown();
}

START_TEST(reserve_is_per_namespace)
{
	ck_assert_int_eq(reserve(1, 10, KVT_HANDLE(1, 1)), 0);
	ck_assert_int_eq(reserve(1, 10, KVT_HANDLE(2, 1)), -EEXIST);
	ck_assert_int_eq(reserve(1, 20, KVT_HANDLE(3, 1)), 0);
	ck_assert_int_eq(reserve(1, 0, KVT_HANDLE(4, 1)), 0);
	ck_assert_uint_eq(kvt_index_count(C), 3);
	removek(1, KVT_HANDLE(1, 1));
	removek(1, KVT_HANDLE(3, 1));
	removek(1, KVT_HANDLE(4, 1));
}
END_TEST

START_TEST(probe_sees_only_ready)
{
	ck_assert_int_eq(reserve(5, 10, KVT_HANDLE(1, 3)), 0);
	ck_assert_uint_eq(probe(5, 10, NULL), 0);
	ready(5, KVT_HANDLE(1, 3));
	ck_assert_uint_eq(probe(5, 10, NULL), KVT_HANDLE(1, 3));
	ck_assert_uint_eq(probe(5, 20, NULL), 0);
	ck_assert_uint_eq(probe(6, 10, NULL), 0);
	removek(5, KVT_HANDLE(1, 3));
	ck_assert_uint_eq(probe(5, 10, NULL), 0);
}
END_TEST

START_TEST(own_beats_global)
{
	bool g;

	ck_assert_int_eq(reserve(7, 0, KVT_HANDLE(1, 1)), 0);
	ready(7, KVT_HANDLE(1, 1));
	ck_assert_uint_eq(probe(7, 10, &g), KVT_HANDLE(1, 1));
	ck_assert(g);
	ck_assert_int_eq(reserve(7, 10, KVT_HANDLE(2, 1)), 0);
	/* Not ready yet: the global one still answers. */
	ck_assert_uint_eq(probe(7, 10, &g), KVT_HANDLE(1, 1));
	ready(7, KVT_HANDLE(2, 1));
	ck_assert_uint_eq(probe(7, 10, &g), KVT_HANDLE(2, 1));
	ck_assert(!g);
	ck_assert_uint_eq(probe(7, 20, &g), KVT_HANDLE(1, 1));
	ck_assert(g);
	removek(7, KVT_HANDLE(1, 1));
	removek(7, KVT_HANDLE(2, 1));
}
END_TEST

/* Many keys, so runs form in every shard; deleting from the middle of
 * runs must keep every other key reachable. */
START_TEST(delete_keeps_runs_reachable)
{
	const uint32_t n = 20000;
	uint32_t i;

	for (i = 1; i <= n; i++) {
		ck_assert_int_eq(reserve(i, 10, KVT_HANDLE(i, 1)), 0);
		ready(i, KVT_HANDLE(i, 1));
	}
	ck_assert_uint_eq(kvt_index_count(C), n);
	for (i = 1; i <= n; i += 2)
		removek(i, KVT_HANDLE(i, 1));
	for (i = 1; i <= n; i++)
		ck_assert_uint_eq(probe(i, 10, NULL),
				  (i & 1) ? 0 : KVT_HANDLE(i, 1));
	for (i = 2; i <= n; i += 2)
		removek(i, KVT_HANDLE(i, 1));
	ck_assert_uint_eq(kvt_index_count(C), 0);
}
END_TEST

/* Same key in many tenants: one probe run holds them all. */
START_TEST(same_key_many_tenants)
{
	uint64_t t;

	for (t = 1; t <= 300; t++) {
		ck_assert_int_eq(reserve(42, t, KVT_HANDLE(t, 1)), 0);
		ready(42, KVT_HANDLE(t, 1));
	}
	for (t = 1; t <= 300; t++)
		ck_assert_uint_eq(probe(42, t, NULL), KVT_HANDLE(t, 1));
	ck_assert_uint_eq(probe(42, 301, NULL), 0);
	for (t = 300; t >= 1; t--)
		removek(42, KVT_HANDLE(t, 1));
}
END_TEST

START_TEST(hash_spreads_small_keys)
{
	unsigned int shards[KVT_SHARDS] = { 0 };
	struct drm_kvtier_key k;
	uint32_t i, max = 0;

	for (i = 0; i < KVT_SHARDS * 64; i++) {
		k.lo = i;
		k.hi = 0;
		shards[kvt_key_hash(C, &k) >> (64 - KVT_SHARD_BITS)]++;
	}
	for (i = 0; i < KVT_SHARDS; i++)
		if (shards[i] > max)
			max = shards[i];
	/* 64 expected per shard; a poor hash would pile them up. */
	ck_assert_uint_lt(max, 128);
}
END_TEST

Suite *core_index_suite(void)
{
	Suite *s = suite_create("core_index");
	TCase *tc;

	tc = tcase_create("namespaces");
	tcase_add_checked_fixture(tc, index_setup, index_teardown);
	tcase_add_test(tc, reserve_is_per_namespace);
	tcase_add_test(tc, probe_sees_only_ready);
	tcase_add_test(tc, own_beats_global);
	tcase_add_test(tc, same_key_many_tenants);
	suite_add_tcase(s, tc);

	tc = tcase_create("structure");
	tcase_add_checked_fixture(tc, index_setup, index_teardown);
	tcase_add_test(tc, delete_keeps_runs_reachable);
	tcase_add_test(tc, hash_spreads_small_keys);
	suite_add_tcase(s, tc);
	return s;
}

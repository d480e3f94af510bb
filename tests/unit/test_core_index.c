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
	ck_assert_uint_eq(kvt_index_check(C), 0);
	for (i = 1; i <= n; i += 2)
		removek(i, KVT_HANDLE(i, 1));
	ck_assert_uint_eq(kvt_index_check(C), 0);
	for (i = 1; i <= n; i++)
		ck_assert_uint_eq(probe(i, 10, NULL),
				  (i & 1) ? 0 : KVT_HANDLE(i, 1));
	for (i = 2; i <= n; i += 2)
		removek(i, KVT_HANDLE(i, 1));
	ck_assert_uint_eq(kvt_index_count(C), 0);
	ck_assert_uint_eq(kvt_index_check(C), 0);
}
END_TEST

/*
 * Same key in many tenants: one group holds them all, more than its home
 * slot can count, so probes walk the run instead.
 */
START_TEST(same_key_many_tenants)
{
	uint64_t t;

	for (t = 1; t <= 300; t++) {
		ck_assert_int_eq(reserve(42, t, KVT_HANDLE(t, 1)), 0);
		ready(42, KVT_HANDLE(t, 1));
	}
	ck_assert_uint_eq(kvt_index_check(C), 0);
	for (t = 1; t <= 300; t++)
		ck_assert_uint_eq(probe(42, t, NULL), KVT_HANDLE(t, 1));
	ck_assert_uint_eq(probe(42, 301, NULL), 0);
	for (t = 300; t >= 1; t--) {
		removek(42, KVT_HANDLE(t, 1));
		if (t == 150) {
			ck_assert_uint_eq(kvt_index_check(C), 0);
			ck_assert_uint_eq(probe(42, 149, NULL),
					  KVT_HANDLE(149, 1));
			ck_assert_uint_eq(probe(42, 150, NULL), 0);
		}
	}
}
END_TEST

/*
 * Keys (@n of them, from @from on) whose hashes all name shard @shard and
 * slot @home of a shard of @size entries: the worst a run can get.
 */
static uint32_t keys_homed_at(uint32_t shard, uint32_t home, uint32_t size,
			      uint64_t from, uint64_t *keys, uint32_t n)
{
	struct drm_kvtier_key k;
	uint64_t h, i;
	uint32_t found = 0;

	for (i = from; found < n; i++) {
		k = tkey(i);
		h = kvt_key_hash(C, &k);
		if ((h >> (64 - KVT_SHARD_BITS)) == shard &&
		    (h & (size - 1)) == home)
			keys[found++] = i;
	}
	return found;
}

/*
 * 300 keys homed at one slot, then one homed at the next: the first group
 * is too big to count and the second starts too far away to say where,
 * so probes of both walk the run. Removing keys shifts the second back.
 */
START_TEST(groups_too_big_and_too_far)
{
	/* 301 entries make a shard of 512 (grown at 48, 96, 192, 384). */
	static uint64_t big[300];
	uint64_t next;
	uint32_t i;

	keys_homed_at(3, 100, 512, 1, big, 300);
	keys_homed_at(3, 101, 512, 1, &next, 1);
	for (i = 0; i < 300; i++) {
		ck_assert_int_eq(reserve(big[i], 10, KVT_HANDLE(i + 1, 1)), 0);
		ready(big[i], KVT_HANDLE(i + 1, 1));
	}
	ck_assert_int_eq(reserve(next, 10, KVT_HANDLE(1000, 1)), 0);
	ready(next, KVT_HANDLE(1000, 1));
	ck_assert_uint_eq(C->shards[3].mask, 511);
	ck_assert_uint_eq(C->shards[3].e[100].group_count, KVT_GROUP_UNKNOWN);
	ck_assert_uint_eq(C->shards[3].e[101].group_first, KVT_GROUP_UNKNOWN);
	ck_assert_uint_eq(kvt_index_check(C), 0);
	ck_assert_uint_eq(probe(next, 10, NULL), KVT_HANDLE(1000, 1));
	for (i = 0; i < 300; i++)
		ck_assert_uint_eq(probe(big[i], 10, NULL),
				  KVT_HANDLE(i + 1, 1));
	for (i = 0; i < 300; i += 3)
		removek(big[i], KVT_HANDLE(i + 1, 1));
	ck_assert_uint_eq(kvt_index_check(C), 0);
	ck_assert_uint_eq(probe(next, 10, NULL), KVT_HANDLE(1000, 1));
	for (i = 0; i < 300; i++)
		ck_assert_uint_eq(probe(big[i], 10, NULL),
				  i % 3 ? KVT_HANDLE(i + 1, 1) : 0);
	removek(next, KVT_HANDLE(1000, 1));
	for (i = 0; i < 300; i++)
		if (i % 3)
			removek(big[i], KVT_HANDLE(i + 1, 1));
}
END_TEST

/*
 * Keys come and go in random order through several growths; every so
 * often the structure is checked and every key probed.
 */
START_TEST(churn_keeps_groups_exact)
{
	enum { KEYS = 6000, STEPS = 60000 };
	static bool in[KEYS];
	uint64_t x = 0x2545f4914f6cdd1dull;
	uint32_t i, k, live = 0;

	memset(in, 0, sizeof(in));
	for (i = 0; i < STEPS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = (uint32_t)(x % KEYS);
		/* Mostly inserts early, so that shards grow. */
		if (!in[k] && (i < STEPS / 3 || (x >> 32) & 1)) {
			ck_assert_int_eq(reserve(k + 1, 10, KVT_HANDLE(k + 1, 1)),
					 0);
			ready(k + 1, KVT_HANDLE(k + 1, 1));
			in[k] = true;
			live++;
		} else if (in[k]) {
			removek(k + 1, KVT_HANDLE(k + 1, 1));
			in[k] = false;
			live--;
		}
		if (i % 10000 == 9999) {
			ck_assert_uint_eq(kvt_index_check(C), 0);
			ck_assert_uint_eq(kvt_index_count(C), live);
			for (k = 0; k < KEYS; k++)
				ck_assert_uint_eq(probe(k + 1, 10, NULL),
						  in[k] ? KVT_HANDLE(k + 1, 1) :
						  0);
		}
	}
	for (k = 0; k < KEYS; k++)
		if (in[k])
			removek(k + 1, KVT_HANDLE(k + 1, 1));
}
END_TEST

/* The check is no formality: a group its home slot misplaces is found. */
START_TEST(check_finds_a_misplaced_group)
{
	struct drm_kvtier_key k = tkey(77);
	uint64_t h = kvt_key_hash(C, &k);
	struct kvt_shard *s = &C->shards[h >> (64 - KVT_SHARD_BITS)];
	struct kvt_ientry *home;

	ck_assert_int_eq(reserve(77, 10, KVT_HANDLE(1, 1)), 0);
	ck_assert_uint_eq(kvt_index_check(C), 0);
	home = &s->e[h & s->mask];
	ck_assert_uint_eq(home->group_count, 1);
	home->group_count = 2;
	ck_assert_uint_gt(kvt_index_check(C), 0);
	home->group_count = 1;
	home->group_first++;
	ck_assert_uint_gt(kvt_index_check(C), 0);
	home->group_first--;
	ck_assert_uint_eq(kvt_index_check(C), 0);
	removek(77, KVT_HANDLE(1, 1));
}
END_TEST

/*
 * The stats count the bytes of the arrays in use and of those outgrown
 * and not yet freed: the host library keeps the outgrown ones until the
 * core goes (the driver frees them once no lookup can read them, which
 * the VM tests check).
 */
START_TEST(index_bytes_follow_growth)
{
	const uint64_t entry = sizeof(struct kvt_ientry);
	struct drm_kvtier_stats st;
	uint64_t live = 0, outgrown = 0;
	uint32_t i;

	kvt_stats(C, &st);
	ck_assert_uint_eq(st.index_bytes,
			  (uint64_t)KVT_SHARDS * KVT_SHARD_MIN * entry);
	ck_assert_uint_eq(st.index_retired_bytes, 0);
	for (i = 1; i <= 20000; i++)
		ck_assert_int_eq(reserve(i, 10, KVT_HANDLE(i, 1)), 0);
	for (i = 0; i < KVT_SHARDS; i++) {
		live += (C->shards[i].mask + 1ull) * entry;
		/* 64 + 128 + ... + (mask + 1) / 2 entries outgrown. */
		outgrown += (C->shards[i].mask + 1ull - KVT_SHARD_MIN) * entry;
	}
	kvt_stats(C, &st);
	ck_assert_uint_gt(live, (uint64_t)KVT_SHARDS * KVT_SHARD_MIN * entry);
	ck_assert_uint_eq(st.index_bytes, live);
	ck_assert_uint_eq(st.index_retired_bytes, outgrown);
	for (i = 1; i <= 20000; i++)
		removek(i, KVT_HANDLE(i, 1));
	/* Tables never shrink. */
	kvt_stats(C, &st);
	ck_assert_uint_eq(st.index_bytes, live);
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
	tcase_add_test(tc, groups_too_big_and_too_far);
	tcase_add_test(tc, churn_keeps_groups_exact);
	tcase_add_test(tc, check_finds_a_misplaced_group);
	tcase_add_test(tc, index_bytes_follow_growth);
	tcase_add_test(tc, hash_spreads_small_keys);
	suite_add_tcase(s, tc);
	return s;
}

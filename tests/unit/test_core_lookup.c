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
	/* The results, for the tracepoint's hits per pool. */
	ck_assert_ptr_eq(E.last[KVT_TRACE_LOOKUP].results, r);
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
	ck_assert_uint_eq(r.flags & KVTIER_LOOKUP_ACQUIRED, 0);
	ck_assert(tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, &r));
	/* The first ACQUIRE takes the reference and says so; later not. */
	ck_assert_uint_eq(r.flags, KVTIER_LOOKUP_PRESENT |
			  KVTIER_LOOKUP_ACQUIRED);
	ck_assert(tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, &r));
	ck_assert_uint_eq(r.flags, KVTIER_LOOKUP_PRESENT);
	/* The owner holds it from its alloc: nothing taken either. */
	ck_assert(tlookup(A1, 1, KVTIER_LOOKUP_ACQUIRE, &r));
	ck_assert_uint_eq(r.flags, KVTIER_LOOKUP_PRESENT);
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

/*
 * ACQUIRE that stops at a miss in the middle of a pipeline chunk: the keys
 * after it were already probed, yet no reference is taken on them.
 */
START_TEST(acquire_stops_mid_chunk)
{
	enum { N = 50, MISS = 37 };
	struct drm_kvtier_lookup_result r[N];
	struct drm_kvtier_key k[N];
	uint64_t h[N];
	uint32_t i, hits, prefix;

	for (i = 0; i < N; i++) {
		k[i] = tkey(i + 1);
		if (i != MISS)
			h[i] = tput(A1, i + 1);
	}
	kvt_lookup(A2, KVTIER_LOOKUP_ACQUIRE | KVTIER_LOOKUP_STOP_AT_MISS, k,
		   r, N, &hits, &prefix);
	ck_assert_uint_eq(hits, MISS);
	ck_assert_uint_eq(prefix, MISS);
	ck_assert_uint_eq(A2->ref_count, MISS);
	for (i = 0; i < N; i++) {
		ck_assert_uint_eq(r[i].handle, i < MISS ? h[i] : 0);
		ck_assert_uint_eq(r[i].flags, i < MISS ? KVTIER_LOOKUP_PRESENT |
				  KVTIER_LOOKUP_ACQUIRED : 0);
	}
	for (i = 0; i < MISS; i++)
		ck_assert_int_eq(top(A2, KVTIER_OP_RELEASE, h[i], 0), 0);
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

/*
 * Lockless lookups against writers: while one thread inserts enough keys
 * to grow every index shard, frees them again (backward shifts, table
 * entries reused with new generations) and does it once more, and the
 * manager keeps adding and dropping DISK copies of stable keys (the index
 * entries' mirrors change in place), readers look up keys that stay
 * present the whole time and keys that come and go. Every key has its own
 * size, so a result pieced together from two entries shows. A present key
 * must always be found, with its own handle, size and offset; a churning
 * key reads as a whole hit or a clean miss; another tenant never sees
 * either. Readers count errors (no ck_assert off the main thread).
 * KVT_STRESS_ROUNDS in the environment runs more rounds.
 */
enum { STRESS_STABLE = 4000, STRESS_CHURN = 28000, STRESS_BATCH = 64 };

struct stress_reader {
	struct kvt_client *c;
	bool own;		/* tenant A: stable keys must hit */
	const uint64_t *stable_h;
	const uint64_t *stable_off;
	volatile int *stop;
	unsigned long lookups;
	unsigned long errors;
	unsigned long churn_hits;
	unsigned long disk_hits;
};

static uint64_t stress_size(uint64_t keyn)
{
	return SLOT - keyn % 1024;
}

static uint64_t stress_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *stress_read(void *arg)
{
	struct stress_reader *sr = arg;
	struct drm_kvtier_lookup_result r[STRESS_BATCH];
	struct drm_kvtier_key k[STRESS_BATCH];
	uint64_t kn[STRESS_BATCH], seed = (uintptr_t)sr | 1;
	uint32_t i, hits, prefix;
	bool stable;

	while (!__atomic_load_n(sr->stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < STRESS_BATCH; i++) {
			kn[i] = i % 4 ? stress_rand(&seed) % STRESS_STABLE + 1 :
				100000 + stress_rand(&seed) % STRESS_CHURN;
			k[i] = tkey(kn[i]);
		}
		memset(r, 0xab, sizeof(r));
		kvt_lookup(sr->c, 0, k, r, STRESS_BATCH, &hits, &prefix);
		sr->lookups += STRESS_BATCH;
		for (i = 0; i < STRESS_BATCH; i++) {
			stable = kn[i] <= STRESS_STABLE;
			if (!r[i].flags) {
				/* A miss is all zeroes, and never a stable key. */
				if (r[i].handle || r[i].size || r[i].offset ||
				    r[i].pool_id || r[i].tiers || r[i].pad ||
				    (sr->own && stable))
					sr->errors++;
				continue;
			}
			if (!sr->own || r[i].flags != KVTIER_LOOKUP_PRESENT ||
			    r[i].size != stress_size(kn[i]) ||
			    r[i].pool_id != POOL ||
			    (r[i].tiers & ~KVT_TIER_DISK_BIT) !=
			    KVT_TIER_HOST_BIT || r[i].pad ||
			    (stable && (r[i].handle != sr->stable_h[kn[i] - 1] ||
					r[i].offset !=
					sr->stable_off[kn[i] - 1])))
				sr->errors++;
			if (r[i].tiers & KVT_TIER_DISK_BIT)
				sr->disk_hits++;
			if (!stable)
				sr->churn_hits++;
		}
	}
	return NULL;
}

static uint64_t stress_put(struct kvt_client *c, uint64_t keyn)
{
	uint64_t h = 0;

	ck_assert_int_eq(talloc(c, keyn, stress_size(keyn), &h), 0);
	ck_assert_int_eq(top(c, KVTIER_OP_COMMIT, h, 0), 0);
	ck_assert_int_eq(top(c, KVTIER_OP_RELEASE, h, 0), 0);
	return h;
}

START_TEST(lockless_lookup_stress)
{
	static uint64_t stable_h[STRESS_STABLE], stable_off[STRESS_STABLE];
	struct drm_kvtier_lookup_result res;
	struct stress_reader rd[3];
	pthread_t th[3];
	volatile int stop = 0;
	uint64_t *h = calloc(STRESS_CHURN, sizeof(*h)), queued;
	uint32_t i, round, rounds = 2, t, d;
	const char *env = getenv("KVT_STRESS_ROUNDS");

	if (env && atoi(env) > 0)
		rounds = (uint32_t)atoi(env);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(kvt_manager_attach(ADM, &queued), 0);
	for (i = 0; i < STRESS_STABLE; i++) {
		stable_h[i] = stress_put(A1, i + 1);
		ck_assert(tlookup(A1, i + 1, 0, &res));
		stable_off[i] = res.offset;
	}
	for (t = 0; t < 3; t++) {
		memset(&rd[t], 0, sizeof(rd[t]));
		rd[t].c = t == 2 ? B : A1;
		rd[t].own = t != 2;
		rd[t].stable_h = stable_h;
		rd[t].stable_off = stable_off;
		rd[t].stop = &stop;
		ck_assert_int_eq(pthread_create(&th[t], NULL, stress_read,
						&rd[t]), 0);
	}
	/*
	 * The first round grows every shard twice; every round shifts on
	 * frees. Between churn steps a stable key gains or loses its DISK
	 * copy.
	 */
	for (round = 0, d = 0; round < rounds; round++) {
		for (i = 0; i < STRESS_CHURN; i++, d++) {
			h[i] = stress_put(A2, 100000 + i);
			ck_assert_int_eq(tres(ADM, (d / STRESS_STABLE) % 2 ?
					      KVTIER_RES_DROP : KVTIER_RES_ADD,
					      KVTIER_TIER_DISK,
					      stable_h[d % STRESS_STABLE],
					      (d / STRESS_STABLE) % 2 ? 0 :
					      d + 1), 0);
		}
		for (i = 0; i < STRESS_CHURN; i++)
			ck_assert_int_eq(top(A2, KVTIER_OP_FREE, h[i], 0), 0);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (t = 0; t < 3; t++) {
		ck_assert_int_eq(pthread_join(th[t], NULL), 0);
		ck_assert_uint_gt(rd[t].lookups, 0);
		ck_assert_uint_eq(rd[t].errors, 0);
	}
	ck_assert_uint_eq(rd[2].churn_hits, 0);
	for (i = 0; i < STRESS_STABLE; i++)
		ck_assert(tlookup(A2, i + 1, 0, NULL));
	free(h);
}
END_TEST

static void stress_setup(void)
{
	tcore_setup_sized(1u << 15, 64, 1u << 15);
}

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
	tcase_add_test(tc, acquire_stops_mid_chunk);
	suite_add_tcase(s, tc);

	tc = tcase_create("concurrency");
	tcase_add_checked_fixture(tc, stress_setup, tcore_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, lockless_lookup_stress);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: GPL-2.0
/* kmod/core/kvt_core.c: create, params, stats, and concurrent stress. */
#include <sched.h>
#include <stdatomic.h>

#include "test_core_env.h"
#include "test_suites.h"

START_TEST(create_rejects_bad_params)
{
	struct kvt_core_params p = { .max_objects = 0, .max_work = 1 };
	struct kvt_core *c;

	ck_assert_int_eq(kvt_core_create(NULL, &c), -EINVAL);
	ck_assert_int_eq(kvt_core_create(&p, &c), -EINVAL);
	p.max_objects = 1;
	p.max_work = 0;
	ck_assert_int_eq(kvt_core_create(&p, &c), -EINVAL);
	p.max_work = 1;
	ck_assert_int_eq(kvt_core_create(&p, &c), 0);
	/* No environment at all is fine too. */
	kvt_core_destroy(c);
}
END_TEST

START_TEST(params)
{
	uint64_t v;

	ck_assert_int_eq(kvt_get_param(A1, KVTIER_PARAM_ABI_VERSION, &v), 0);
	ck_assert_uint_eq(v, KVTIER_ABI_VERSION);
	ck_assert_int_eq(kvt_get_param(A1, KVTIER_PARAM_MAX_BATCH, &v), 0);
	ck_assert_uint_eq(v, KVTIER_MAX_BATCH);
	ck_assert_int_eq(kvt_get_param(A1, KVTIER_PARAM_MAX_POOLS, &v), 0);
	ck_assert_uint_eq(v, KVTIER_MAX_POOLS);
	ck_assert_int_eq(kvt_get_param(A1, KVTIER_PARAM_IS_ADMIN, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(kvt_get_param(ADM, KVTIER_PARAM_IS_ADMIN, &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(kvt_get_param(A1, KVTIER_PARAM_FEATURES, &v), 0);
	ck_assert(v & KVTIER_FEATURE_FETCH_EVENT);
	ck_assert(v & KVTIER_FEATURE_PREFIX_LOOKUP);
	ck_assert_int_eq(kvt_get_param(A1, KVTIER_PARAM_PAGE_SIZE, &v),
			 -EINVAL);
	ck_assert_int_eq(kvt_get_param(A1, KVTIER_PARAM_COUNT, &v), -EINVAL);
}
END_TEST

START_TEST(stats_by_state_and_tier)
{
	struct kvt_client *m;
	struct drm_kvtier_stats st;
	uint64_t hw, h1, h2, q;

	ck_assert_int_eq(kvt_client_open(C, 2, KVT_CLIENT_ADMIN, NULL, &m), 0);
	ck_assert_int_eq(kvt_manager_attach(m, &q), 0);
	ck_assert_int_eq(talloc(A1, 1, SLOT, &hw), 0);
	h1 = tput(A1, 2);
	h2 = tput(B, 3);
	ck_assert_int_eq(tres(m, KVTIER_RES_ADD, KVTIER_TIER_DISK, h1, 1), 0);
	ck_assert(tlookup(A2, 2, KVTIER_LOOKUP_ACQUIRE, NULL));
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h1, 0), 0);
	st = tstats();
	ck_assert_uint_eq(st.objects, 3);
	ck_assert_uint_eq(st.by_state[KVTIER_STATE_WRITING], 1);
	ck_assert_uint_eq(st.by_state[KVTIER_STATE_READY], 1);
	ck_assert_uint_eq(st.by_state[KVTIER_STATE_EVICTING], 1);
	ck_assert_uint_eq(st.by_tier[KVTIER_TIER_HOST], 3);
	ck_assert_uint_eq(st.by_tier[KVTIER_TIER_DISK], 1);
	ck_assert_uint_eq(st.by_tier[KVTIER_TIER_DEVICE], 0);
	ck_assert_uint_eq(st.allocs, 3);
	ck_assert_uint_eq(st.commits, 2);
	ck_assert_uint_eq(st.frees, 0);
	ck_assert_uint_eq(st.clients, 5);
	ck_assert_int_eq(top(B, KVTIER_OP_RELEASE, h2, 0), 0);
	ck_assert_int_eq(tres(m, KVTIER_RES_DROP, KVTIER_TIER_HOST, h2, 0), 0);
	st = tstats();
	ck_assert_uint_eq(st.by_state[KVTIER_STATE_READY], 0);
	ck_assert_uint_eq(st.frees, 1);
	kvt_client_close(m);
}
END_TEST

/* ---- stress ------------------------------------------------------------------ */

#define STRESS_THREADS 4
#define STRESS_ITERS 4000
#define STRESS_KEYS 96
#define STRESS_SHARED 64

static _Atomic uint64_t shared_handles[STRESS_SHARED];
static atomic_bool stress_stop;
static atomic_uint manager_rounds;

struct worker {
	struct kvt_client *c;
	unsigned int seed;
	uint64_t held[32];
	unsigned int nheld;
};

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void worker_step(struct worker *w)
{
	struct drm_kvtier_alloc_item it[3];
	struct drm_kvtier_lookup_result r[4];
	struct drm_kvtier_key k[4];
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_fetch fr;
	struct drm_kvtier_obj_op op;
	uint32_t i, n, f, hits, prefix;
	unsigned int pick = rnd(&w->seed) % 8, j;

	memset(&op, 0, sizeof(op));
	if (w->nheld)
		op.handle = w->held[rnd(&w->seed) % w->nheld];
	switch (pick) {
	case 0: /* alloc + commit */
		n = 1 + rnd(&w->seed) % 3;
		if (w->nheld + n > 32)
			break;
		memset(it, 0, sizeof(it));
		for (i = 0; i < n; i++) {
			it[i].key = tkey(rnd(&w->seed) % STRESS_KEYS);
			it[i].size = 1 + rnd(&w->seed) % (2 * SLOT);
		}
		if (kvt_obj_alloc(w->c, POOL, 0, it, n, &f))
			break;
		for (i = 0; i < n; i++) {
			op.handle = it[i].handle;
			if (!(rnd(&w->seed) % 4)) {
				/* Left WRITING until released or closed. */
				w->held[w->nheld++] = it[i].handle;
				continue;
			}
			kvt_obj_batch(w->c, KVTIER_OP_COMMIT, &op, 1);
			atomic_store(&shared_handles[rnd(&w->seed) %
						     STRESS_SHARED],
				     it[i].handle);
			/* Often let go at once: a cached object the manager
			 * may move to disk and a lookup may find again. */
			if (rnd(&w->seed) % 2)
				kvt_obj_batch(w->c, KVTIER_OP_RELEASE, &op, 1);
			else
				w->held[w->nheld++] = it[i].handle;
		}
		break;
	case 1: /* lookup, sometimes acquiring */
		for (i = 0; i < 4; i++)
			k[i] = tkey(rnd(&w->seed) % STRESS_KEYS);
		kvt_lookup(w->c, (w->nheld < 28 && rnd(&w->seed) % 2) ?
			   KVTIER_LOOKUP_ACQUIRE : 0, k, r, 4, &hits, &prefix);
		if (w->nheld >= 28)
			break;
		for (i = 0; i < 4; i++) {
			if (!(r[i].flags & KVTIER_LOOKUP_PRESENT))
				continue;
			for (j = 0; j < w->nheld; j++)
				if (w->held[j] == r[i].handle)
					break;
			if (j == w->nheld && w->nheld < 32)
				w->held[w->nheld++] = r[i].handle;
			/* What the manager moved to disk comes back. */
			if (!(r[i].tiers & KVT_TIER_HOST_BIT) && j < 32) {
				memset(&fi, 0, sizeof(fi));
				memset(&fr, 0, sizeof(fr));
				fi.handle = r[i].handle;
				fi.tier = KVTIER_TIER_HOST;
				fr.count = 1;
				kvt_fetch(w->c, &fr, &fi);
			}
		}
		break;
	case 2:
		op.tier = KVTIER_TIER_HOST;
		kvt_obj_batch(w->c, KVTIER_OP_PIN, &op, 1);
		break;
	case 3:
		op.tier = KVTIER_TIER_HOST;
		kvt_obj_batch(w->c, KVTIER_OP_UNPIN, &op, 1);
		break;
	case 4:
	case 5: /* release; forget it either way */
		if (!w->nheld)
			break;
		kvt_obj_batch(w->c, KVTIER_OP_RELEASE, &op, 1);
		for (j = 0; j < w->nheld; j++) {
			if (w->held[j] == op.handle) {
				w->held[j] = w->held[--w->nheld];
				break;
			}
		}
		break;
	case 6:
		kvt_obj_batch(w->c, KVTIER_OP_FREE, &op, 1);
		break;
	default:
		memset(&fi, 0, sizeof(fi));
		memset(&fr, 0, sizeof(fr));
		fi.handle = op.handle;
		fi.tier = KVTIER_TIER_HOST;
		fr.count = 1;
		kvt_fetch(w->c, &fr, &fi);
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	for (i = 0; i < STRESS_ITERS; i++) {
		/* Keep pace with the manager, whatever the scheduler does, so
		 * that work is queued and completed while workers run. */
		while (atomic_load(&manager_rounds) < i / 8)
			sched_yield();
		worker_step(w);
	}
	return NULL;
}

static void *manager_main(void *arg)
{
	struct kvt_client *m = arg;
	struct drm_kvtier_work_item items[8];
	struct drm_kvtier_work_done done[8];
	struct drm_kvtier_residency_item res;
	unsigned int seed = 99, sweep = 0, i;
	uint32_t n, failed;

	while (!atomic_load(&stress_stop)) {
		ck_assert_int_eq(kvt_work_take(m, items, 8, &n), 0);
		for (i = 0; i < n; i++) {
			memset(&done[i], 0, sizeof(done[i]));
			done[i].work_id = items[i].work_id;
			done[i].bytes = items[i].size;
			done[i].status = rnd(&seed) % 5 ? 0 : -EIO;
		}
		if (n)
			kvt_work_complete(m, done, n, &failed);
		memset(&res, 0, sizeof(res));
		res.handle = atomic_load(&shared_handles[sweep++ %
							 STRESS_SHARED]);
		/* Write back and drop the host copy, so that workers' fetches
		 * find disk-only objects; now and then drop the disk copy. */
		res.op = KVTIER_RES_ADD;
		res.tier = KVTIER_TIER_DISK;
		res.location = rnd(&seed);
		kvt_residency(m, &res, 1, &failed);
		res.op = KVTIER_RES_DROP;
		res.location = 0;
		res.tier = rnd(&seed) % 4 ? KVTIER_TIER_HOST : KVTIER_TIER_DISK;
		kvt_residency(m, &res, 1, &failed);
		atomic_fetch_add(&manager_rounds, 1);
	}
	return NULL;
}

static void stress_setup(void)
{
	tcore_setup_sized(1024, 256, 512);
}

START_TEST(concurrent_clients_stay_consistent)
{
	struct worker w[STRESS_THREADS];
	pthread_t t[STRESS_THREADS], mt;
	struct drm_kvtier_tenant_usage u[8];
	struct drm_kvtier_work_item items[8];
	struct drm_kvtier_work_done done[8];
	struct drm_kvtier_stats st;
	struct kvt_client *m;
	uint32_t written, total, n, failed, i;
	uint64_t q, sum = 0;

	atomic_store(&stress_stop, false);
	atomic_store(&manager_rounds, 0);
	memset(shared_handles, 0, sizeof(shared_handles));
	ck_assert_int_eq(kvt_client_open(C, 2, KVT_CLIENT_ADMIN, NULL, &m), 0);
	ck_assert_int_eq(kvt_manager_attach(m, &q), 0);
	memset(w, 0, sizeof(w));
	for (i = 0; i < STRESS_THREADS; i++) {
		w[i].c = (i & 1) ? B : (i & 2) ? A2 : A1;
		w[i].seed = i * 7919 + 1;
	}
	/* A1 and A2 share tenant A and so its keys; B shares a client with
	 * another thread, to race on one reference table. */
	ck_assert_int_eq(pthread_create(&mt, NULL, manager_main, m), 0);
	for (i = 0; i < STRESS_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker_main,
						&w[i]), 0);
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&stress_stop, true);
	pthread_join(mt, NULL);

	/* Drain what is left, then close everyone. */
	do {
		ck_assert_int_eq(kvt_work_take(m, items, 8, &n), 0);
		for (i = 0; i < n; i++) {
			memset(&done[i], 0, sizeof(done[i]));
			done[i].work_id = items[i].work_id;
		}
		if (n)
			ck_assert_int_eq(kvt_work_complete(m, done, n, &failed),
					 0);
	} while (n);
	tcore_close(&A1);
	tcore_close(&A2);
	tcore_close(&B);
	kvt_client_close(m);

	ck_assert_int_eq(kvt_core_check(C), 0);
	ck_assert_int_eq(kvt_tenant_list(ADM, 0, u, 8, &written, &total), 0);
	for (i = 0; i < written; i++)
		if (u[i].pool_id == POOL)
			sum += u[i].slots_used;
	ck_assert_uint_eq(sum, tpool_used());
	st = tstats();
	ck_assert_uint_eq(st.work_pending, 0);
	ck_assert_uint_eq(st.objects, st.allocs - st.frees);
	ck_assert_uint_eq(st.by_state[KVTIER_STATE_WRITING], 0);
	ck_assert_uint_eq(st.by_state[KVTIER_STATE_EVICTING], 0);
	ck_assert_uint_eq(st.by_tier[KVTIER_TIER_DEVICE], 0);
	/* The run did exercise every path it aims at. */
	ck_assert_uint_gt(st.allocs, 100);
	ck_assert_uint_gt(st.frees, 10);
	ck_assert_uint_gt(st.hits, 100);
}
END_TEST

Suite *core_core_suite(void)
{
	Suite *s = suite_create("core_core");
	TCase *tc;

	tc = tcase_create("create");
	tcase_add_test(tc, create_rejects_bad_params);
	suite_add_tcase(s, tc);

	tc = tcase_create("params_stats");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, params);
	tcase_add_test(tc, stats_by_state_and_tier);
	suite_add_tcase(s, tc);

	tc = tcase_create("stress");
	tcase_add_checked_fixture(tc, stress_setup, tcore_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, concurrent_clients_stay_consistent);
	suite_add_tcase(s, tc);
	return s;
}

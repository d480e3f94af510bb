// SPDX-License-Identifier: GPL-2.0
/* kmod/core/kvt_client.c: open, reference tables, close. */
#include "test_core_env.h"
#include "test_suites.h"

START_TEST(open_rules)
{
	struct kvt_client *c;
	uint64_t v;

	ck_assert_int_eq(kvt_client_open(C, 0, 0, NULL, &c), -EINVAL);
	ck_assert_int_eq(kvt_client_open(C, 5, 1u << 9, NULL, &c), -EINVAL);
	ck_assert_int_eq(kvt_client_open(C, 5, 0, NULL, &c), 0);
	ck_assert_uint_eq(kvt_client_tenant(c), 5);
	ck_assert(!kvt_client_is_admin(c));
	ck_assert(!kvt_client_is_manager(c));
	ck_assert(kvt_client_is_admin(ADM));
	ck_assert_uint_eq(tstats().clients, 5);
	ck_assert_int_eq(kvt_get_param(c, KVTIER_PARAM_TENANT_ID, &v), 0);
	ck_assert_uint_eq(v, 5);
	kvt_client_close(c);
	ck_assert_uint_eq(tstats().clients, 4);
}
END_TEST

/* Thousands of references: the table grows and keeps every one. */
START_TEST(ref_table_grows)
{
	enum { N = 3000 };
	struct drm_kvtier_lookup_result *r = calloc(N, sizeof(*r));
	struct drm_kvtier_key *k = calloc(N, sizeof(*k));
	struct drm_kvtier_obj_op *ops = calloc(N, sizeof(*ops));
	uint32_t i, hits, prefix;

	for (i = 0; i < N; i++) {
		k[i] = tkey(i + 1);
		tput(A1, i + 1);
	}
	kvt_lookup(A2, KVTIER_LOOKUP_ACQUIRE, k, r, N, &hits, &prefix);
	ck_assert_uint_eq(hits, N);
	ck_assert_uint_eq(A2->ref_count, N);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(kvt_slot_access(A2, POOL, r[i].offset / SLOT),
				 0);
		ops[i].handle = r[i].handle;
		ops[i].tier = KVTIER_TIER_HOST;
	}
	ck_assert_uint_eq(kvt_obj_batch(A2, KVTIER_OP_PIN, ops, N), 0);
	for (i = 0; i < N; i++)
		ops[i].tier = 0;
	ck_assert_uint_eq(kvt_obj_batch(A2, KVTIER_OP_RELEASE, ops, N), 0);
	ck_assert_uint_eq(A2->ref_count, 0);
	/* Every pin went with its reference: all can be freed now. */
	ck_assert_uint_eq(kvt_obj_batch(A1, KVTIER_OP_FREE, ops, N), 0);
	free(r);
	free(k);
	free(ops);
}
END_TEST

START_TEST(close_restores_usage_exactly)
{
	uint64_t before, hw, hr;

	tput(A1, 1);
	before = tusage(TENANT_A);
	ck_assert_int_eq(talloc(A2, 2, 3 * SLOT, &hw), 0);
	hr = tput(A2, 3);
	ck_assert_int_eq(top(A2, KVTIER_OP_PIN, hr, KVTIER_TIER_HOST), 0);
	ck_assert_uint_eq(tusage(TENANT_A), before + 4);
	tcore_close(&A2);
	/* The WRITING object is gone, the committed one stays (cached). */
	ck_assert_uint_eq(tusage(TENANT_A), before + 1);
	ck_assert_uint_eq(E.nscrub, 1);
	ck_assert_uint_eq(E.scrubs[0].count, 3);
	ck_assert(!tlookup(A1, 2, 0, NULL));
	ck_assert(tlookup(A1, 3, 0, NULL));
	/* Its pin went with it. */
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, hr, 0), 0);
	ck_assert_uint_eq(tusage(TENANT_A), before);
}
END_TEST

START_TEST(close_frees_deferred_objects)
{
	uint64_t h = tput(A1, 1);

	ck_assert(tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, NULL));
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_uint_eq(E.nscrub, 0);
	ck_assert_uint_eq(tpool_used(), 1);
	tcore_close(&A2);
	ck_assert_uint_eq(E.nscrub, 1);
	ck_assert_uint_eq(tpool_used(), 0);
	ck_assert_uint_eq(tstats().frees, 1);
}
END_TEST

START_TEST(close_gives_up_manager)
{
	struct kvt_client *m;
	uint64_t q, v;

	ck_assert_int_eq(kvt_client_open(C, 50, KVT_CLIENT_ADMIN, NULL, &m), 0);
	ck_assert_int_eq(kvt_manager_attach(m, &q), 0);
	ck_assert(kvt_client_is_manager(m));
	ck_assert_int_eq(kvt_get_param(A1, KVTIER_PARAM_MANAGER_ATTACHED, &v),
			 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(kvt_manager_attach(ADM, &q), -EBUSY);
	kvt_client_close(m);
	ck_assert_int_eq(kvt_get_param(A1, KVTIER_PARAM_MANAGER_ATTACHED, &v),
			 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(kvt_manager_attach(ADM, &q), 0);
}
END_TEST

static void many_setup(void)
{
	tcore_setup_sized(8192, 64, 4096);
}

Suite *core_client_suite(void)
{
	Suite *s = suite_create("core_client");
	TCase *tc;

	tc = tcase_create("open");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, open_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("references");
	tcase_add_checked_fixture(tc, many_setup, tcore_teardown);
	tcase_add_test(tc, ref_table_grows);
	suite_add_tcase(s, tc);

	tc = tcase_create("close");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, close_restores_usage_exactly);
	tcase_add_test(tc, close_frees_deferred_objects);
	tcase_add_test(tc, close_gives_up_manager);
	suite_add_tcase(s, tc);
	return s;
}

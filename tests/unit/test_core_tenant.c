// SPDX-License-Identifier: GPL-2.0
/* kmod/core/kvt_tenant.c: usage, quotas, info and list. */
#include "test_core_env.h"
#include "test_suites.h"

static int quota(struct kvt_client *c, uint64_t tenant, uint32_t pool,
		 uint64_t max)
{
	struct drm_kvtier_tenant_quota q = {
		.tenant_id = tenant, .pool_id = pool, .max_slots = max,
	};

	return kvt_tenant_set_quota(c, &q);
}

START_TEST(quota_set_rules)
{
	ck_assert_int_eq(quota(A1, TENANT_A, POOL, 4), -EPERM);
	ck_assert_int_eq(quota(ADM, 0, POOL, 4), -EINVAL);
	ck_assert_int_eq(quota(ADM, TENANT_A, POOL + 1, 4), -ENOENT);
	ck_assert_int_eq(quota(ADM, TENANT_A, 0, 4), -ENOENT);
	ck_assert_int_eq(quota(ADM, TENANT_A, POOL, 4), 0);
	/* A tenant with no client yet. */
	ck_assert_int_eq(quota(ADM, 999, POOL, 2), 0);
}
END_TEST

START_TEST(info_reads_own_or_admin_any)
{
	struct drm_kvtier_tenant_usage u = { .pool_id = POOL };

	tput(A1, 1);
	ck_assert_int_eq(kvt_tenant_info(A1, &u), 0);
	ck_assert_uint_eq(u.tenant_id, TENANT_A);
	ck_assert_uint_eq(u.slots_used, 1);
	ck_assert_uint_eq(u.objects, 1);
	ck_assert_uint_eq(u.max_slots, KVTIER_QUOTA_UNLIMITED);
	u.tenant_id = TENANT_B;
	ck_assert_int_eq(kvt_tenant_info(A1, &u), -EPERM);
	u.tenant_id = TENANT_A;
	ck_assert_int_eq(kvt_tenant_info(A2, &u), 0);
	ck_assert_int_eq(kvt_tenant_info(ADM, &u), 0);
	ck_assert_uint_eq(u.slots_used, 1);
	u.tenant_id = 12345;
	ck_assert_int_eq(kvt_tenant_info(ADM, &u), 0);
	ck_assert_uint_eq(u.slots_used, 0);
	ck_assert_uint_eq(u.max_slots, KVTIER_QUOTA_UNLIMITED);
	u.tenant_id = 0;
	u.pool_id = POOL + 1;
	ck_assert_int_eq(kvt_tenant_info(A1, &u), -ENOENT);
}
END_TEST

START_TEST(edquot_charges_nothing)
{
	struct drm_kvtier_alloc_item it[3] = {
		{ .key = tkey(1), .size = SLOT },
		{ .key = tkey(2), .size = 2 * SLOT },
		{ .key = tkey(3), .size = SLOT },
	};
	struct drm_kvtier_tenant_usage u = { .pool_id = POOL };
	uint32_t fi;

	tput(A1, 100);
	ck_assert_int_eq(quota(ADM, TENANT_A, POOL, 3), 0);
	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, 3, &fi), -EDQUOT);
	/* 1 used + 1 + 2 > 3: the second item is where it broke. */
	ck_assert_uint_eq(fi, 1);
	ck_assert_uint_eq(tusage(TENANT_A), 1);
	ck_assert_uint_eq(tpool_used(), 1);
	ck_assert_int_eq(kvt_tenant_info(A1, &u), 0);
	ck_assert_uint_eq(u.quota_refusals, 1);
	ck_assert_uint_eq(u.objects, 1);
	ck_assert_uint_eq(tstats().quota_refusals, 1);
	ck_assert_uint_eq(E.traces[KVT_TRACE_QUOTA_REFUSED], 1);
	ck_assert_uint_eq(E.last[KVT_TRACE_QUOTA_REFUSED].tenant_id, TENANT_A);
	ck_assert_uint_eq(E.last[KVT_TRACE_QUOTA_REFUSED].count, 4);
	/* Nothing was reserved: the keys are free. */
	ck_assert_int_eq(quota(ADM, TENANT_A, POOL, 4), 0);
	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, 2, &fi), 0);
	ck_assert_uint_eq(tusage(TENANT_A), 4);
	/* Other tenants are not limited. */
	tput(B, 1);
	ck_assert_uint_eq(tusage(TENANT_B), 1);
}
END_TEST

START_TEST(quota_below_usage_refuses_more)
{
	uint64_t h;

	tput(A1, 1);
	tput(A1, 2);
	ck_assert_int_eq(quota(ADM, TENANT_A, POOL, 1), 0);
	ck_assert_int_eq(talloc(A1, 3, SLOT, &h), -EDQUOT);
	ck_assert_int_eq(quota(ADM, TENANT_A, POOL, KVTIER_QUOTA_UNLIMITED), 0);
	ck_assert_int_eq(talloc(A1, 3, SLOT, &h), 0);
}
END_TEST

START_TEST(global_charged_to_tenant_zero)
{
	uint64_t h;

	ck_assert_int_eq(talloc_global(A1, 1, SLOT, &h), -EPERM);
	ck_assert_int_eq(talloc_global(ADM, 1, 2 * SLOT, &h), 0);
	ck_assert_uint_eq(tusage(TENANT_ADM), 0);
	ck_assert_uint_eq(tpool_used(), 2);
}
END_TEST

START_TEST(list_counts_and_fills)
{
	struct drm_kvtier_tenant_usage e[8];
	uint32_t written, total, i;
	bool seen_a = false, seen_b = false;

	tput(A1, 1);
	tput(B, 1);
	tput(B, 2);
	ck_assert_int_eq(kvt_tenant_list(A1, 0, e, 8, &written, &total), -EPERM);
	ck_assert_int_eq(kvt_tenant_list(ADM, 0, e, 8, &written, &total), 0);
	ck_assert_uint_eq(total, 2);
	ck_assert_uint_eq(written, 2);
	for (i = 0; i < written; i++) {
		ck_assert_uint_eq(e[i].pool_id, POOL);
		if (e[i].tenant_id == TENANT_A) {
			seen_a = true;
			ck_assert_uint_eq(e[i].slots_used, 1);
		}
		if (e[i].tenant_id == TENANT_B) {
			seen_b = true;
			ck_assert_uint_eq(e[i].slots_used, 2);
		}
	}
	ck_assert(seen_a && seen_b);
	ck_assert_int_eq(quota(ADM, 777, POOL, 5), 0);
	ck_assert_int_eq(kvt_tenant_list(ADM, 0, e, 1, &written, &total), 0);
	ck_assert_uint_eq(total, 3);
	ck_assert_uint_eq(written, 1);
}
END_TEST

START_TEST(list_from_first)
{
	struct drm_kvtier_tenant_usage all[8], e[8];
	uint32_t written, total, first;

	tput(A1, 1);
	tput(B, 1);
	ck_assert_int_eq(quota(ADM, 777, POOL, 5), 0);
	ck_assert_int_eq(kvt_tenant_list(ADM, 0, all, 8, &written, &total), 0);
	ck_assert_uint_eq(total, 3);
	ck_assert_uint_eq(written, 3);
	/* Each cursor continues the same order, room or not. */
	for (first = 1; first <= 3; first++) {
		memset(e, 0xa5, sizeof(e));
		ck_assert_int_eq(kvt_tenant_list(ADM, first, e, 8, &written,
						 &total), 0);
		ck_assert_uint_eq(total, 3);
		ck_assert_uint_eq(written, 3 - first);
		ck_assert(!memcmp(e, &all[first], written * sizeof(e[0])));
	}
	ck_assert_int_eq(kvt_tenant_list(ADM, 1, e, 1, &written, &total), 0);
	ck_assert_uint_eq(written, 1);
	ck_assert(!memcmp(&e[0], &all[1], sizeof(e[0])));
	ck_assert_int_eq(kvt_tenant_list(ADM, 1000, e, 8, &written, &total),
			 0);
	ck_assert_uint_eq(written, 0);
	ck_assert_uint_eq(total, 3);
	ck_assert_int_eq(kvt_tenant_list(A1, 1, e, 8, &written, &total),
			 -EPERM);
}
END_TEST

START_TEST(pool_removal_forgets_quota)
{
	struct drm_kvtier_pool_create pc = {
		.slot_size = SLOT, .slot_count = 8,
	};
	struct drm_kvtier_tenant_usage u = { .tenant_id = TENANT_A };
	uint32_t id, id2;

	ck_assert_int_eq(kvt_pool_add(ADM, &pc, &id), 0);
	ck_assert_int_eq(quota(ADM, TENANT_A, id, 3), 0);
	ck_assert_int_eq(kvt_pool_remove(ADM, id), 0);
	ck_assert_int_eq(kvt_pool_add(ADM, &pc, &id2), 0);
	ck_assert_uint_eq(id2, id);
	u.pool_id = id2;
	ck_assert_int_eq(kvt_tenant_info(ADM, &u), 0);
	ck_assert_uint_eq(u.max_slots, KVTIER_QUOTA_UNLIMITED);
}
END_TEST

Suite *core_tenant_suite(void)
{
	Suite *s = suite_create("core_tenant");
	TCase *tc;

	tc = tcase_create("quota");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, quota_set_rules);
	tcase_add_test(tc, edquot_charges_nothing);
	tcase_add_test(tc, quota_below_usage_refuses_more);
	tcase_add_test(tc, pool_removal_forgets_quota);
	suite_add_tcase(s, tc);

	tc = tcase_create("usage");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, info_reads_own_or_admin_any);
	tcase_add_test(tc, global_charged_to_tenant_zero);
	tcase_add_test(tc, list_counts_and_fills);
	tcase_add_test(tc, list_from_first);
	suite_add_tcase(s, tc);
	return s;
}

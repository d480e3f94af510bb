// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/policy/evict.c, the eviction planner: fabricated pools,
 * tenants and records in, the ordered list of actions out.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "kvtd_evict.h"

#define SLOT 4096ull
#define H KVTIER_TIER_BIT(KVTIER_TIER_HOST)
#define K KVTIER_TIER_BIT(KVTIER_TIER_DISK)

static struct drm_kvtier_obj_record recs[64];
static size_t nr;
static struct kvtd_evict_input in;
static struct kvtd_evict_action act[64];
static struct kvtd_evict_summary sum;

/* Add an object of one slot, last accessed at @t. Returns its index. */
static size_t obj(uint64_t t, uint32_t tiers)
{
	struct drm_kvtier_obj_record *r = &recs[nr];

	memset(r, 0, sizeof(*r));
	r->key.lo = 1000 + nr;
	r->handle = 1 + nr;
	r->tenant_id = 10;
	r->size = SLOT;
	r->pool_id = 1;
	r->state = KVTIER_STATE_READY;
	r->tiers = tiers;
	r->last_access_ns = t;
	return nr++;
}

static void setup(void)
{
	nr = 0;
	memset(&in, 0, sizeof(in));
	in.pool_id = 1;
	in.slot_size = SLOT;
	in.slot_count = 10;
	in.pool_wm = (struct kvtd_watermark){ .high = 900, .low = 500 };
	in.tenant_wm = (struct kvtd_watermark){ .high = 900, .low = 500 };
	in.recs = recs;
	in.write = (struct kvtd_write_policy){ KVTD_WRITE_BACK, 0 };
	in.have_disk = true;
	in.policy = &kvtd_policy_lru;
}

static int plan(void)
{
	in.nr_recs = nr;
	return kvtd_evict_plan(&in, act, 64, &sum);
}

START_TEST(test_below_high)
{
	size_t i;

	for (i = 0; i < 8; i++)
		obj(i, H);
	in.slots_used = 8;
	ck_assert_int_eq(plan(), 0);
	ck_assert_uint_eq(sum.pool_excess, 0);
}
END_TEST

START_TEST(test_lru_order_to_low)
{
	size_t i;

	/* Access times out of index order: the plan follows the times. */
	static const uint64_t t[10] = { 50, 10, 90, 30, 70, 20, 80, 40, 60, 100 };

	for (i = 0; i < 10; i++)
		obj(t[i], H | K);
	in.slots_used = 10;
	/* 10 of 10 >= 90%: down to 50%, so 5 slots. */
	ck_assert_int_eq(plan(), 5);
	ck_assert_uint_eq(sum.pool_excess, 5);
	ck_assert_uint_eq(sum.planned, 5);
	ck_assert_uint_eq(sum.short_by, 0);
	ck_assert_uint_eq(act[0].rec, 1);	/* t = 10 */
	ck_assert_uint_eq(act[1].rec, 5);	/* 20 */
	ck_assert_uint_eq(act[2].rec, 3);	/* 30 */
	ck_assert_uint_eq(act[3].rec, 7);	/* 40 */
	ck_assert_uint_eq(act[4].rec, 0);	/* 50 */
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(act[i].kind, KVTD_EVICT_DROP);
		ck_assert_uint_eq(act[i].slots, 1);
	}
}
END_TEST

static bool writing_rec3(const struct drm_kvtier_obj_record *r, void *arg)
{
	return r->handle == 4;
}

START_TEST(test_kinds)
{
	size_t i;

	obj(1, H);		/* 0: back, not on disk: write then drop */
	obj(2, H | K);		/* 1: on disk: drop */
	obj(3, H);		/* 2: referenced: skip */
	obj(4, H);		/* 3: being written: wait */
	obj(5, H);		/* 4: pinned: skip */
	recs[2].refs = 1;
	recs[4].pins = 1;
	for (i = 5; i < 10; i++)
		obj(10 + i, H);
	in.writing = writing_rec3;
	in.slots_used = 10;
	ck_assert_int_eq(plan(), 7);
	ck_assert_uint_eq(act[0].kind, KVTD_EVICT_WRITE_DROP);
	ck_assert_uint_eq(act[1].kind, KVTD_EVICT_DROP);
	ck_assert_uint_eq(act[2].kind, KVTD_EVICT_SKIP_BUSY);
	ck_assert_uint_eq(act[2].rec, 2);
	ck_assert_uint_eq(act[3].kind, KVTD_EVICT_WAIT_WRITE);
	ck_assert_uint_eq(act[4].kind, KVTD_EVICT_SKIP_BUSY);
	/* Skipped ones free nothing: two more were needed. */
	ck_assert_uint_eq(act[5].kind, KVTD_EVICT_WRITE_DROP);
	ck_assert_uint_eq(act[6].kind, KVTD_EVICT_WRITE_DROP);
	ck_assert_uint_eq(sum.planned, 5);
}
END_TEST

START_TEST(test_write_policies)
{
	size_t i;

	for (i = 0; i < 10; i++)
		obj(i, H);
	recs[0].hits = 0;
	recs[1].hits = 2;
	in.slots_used = 10;

	/* Selective after 2 hits: the cold one is dropped, the hot written. */
	in.write = (struct kvtd_write_policy){ KVTD_WRITE_SELECTIVE, 2 };
	ck_assert_int_eq(plan(), 5);
	ck_assert_uint_eq(act[0].kind, KVTD_EVICT_DROP_POLICY);
	ck_assert_uint_eq(act[1].kind, KVTD_EVICT_WRITE_DROP);
	/* Through: everything kept. */
	in.write = (struct kvtd_write_policy){ KVTD_WRITE_THROUGH, 0 };
	ck_assert_int_eq(plan(), 5);
	ck_assert_uint_eq(act[0].kind, KVTD_EVICT_WRITE_DROP);
	/* No disk tier: whatever the policy wants, it is a policy drop. */
	in.have_disk = false;
	ck_assert_int_eq(plan(), 5);
	for (i = 0; i < 5; i++)
		ck_assert_uint_eq(act[i].kind, KVTD_EVICT_DROP_POLICY);
}
END_TEST

START_TEST(test_candidates_only)
{
	size_t i;

	obj(1, K);				/* only on disk */
	obj(2, H);
	recs[1].state = KVTIER_STATE_WRITING;	/* not committed */
	obj(3, H);
	recs[2].pool_id = 2;			/* another pool */
	obj(4, H);
	recs[3].state = KVTIER_STATE_EVICTING;
	for (i = 4; i < 10; i++)
		obj(10 + i, H | K);
	in.slots_used = 10;
	ck_assert_int_eq(plan(), 5);
	for (i = 0; i < 5; i++)
		ck_assert_uint_ge(act[i].rec, 4);
	/* Fewer candidates than needed: it says how short it fell. */
	in.pool_wm.low = 0;
	ck_assert_int_eq(plan(), 6);
	ck_assert_uint_eq(sum.short_by, 4);
}
END_TEST

START_TEST(test_multi_slot_objects)
{
	obj(1, H | K);
	recs[0].size = 3 * SLOT - 1;	/* 3 slots */
	obj(2, H | K);
	recs[1].size = 2 * SLOT;	/* 2 slots */
	obj(3, H | K);
	recs[2].size = 5 * SLOT;
	in.slots_used = 10;
	/* 5 to free: the 3-slot and the 2-slot object do it. */
	ck_assert_int_eq(plan(), 2);
	ck_assert_uint_eq(act[0].slots, 3);
	ck_assert_uint_eq(act[1].slots, 2);
	ck_assert_uint_eq(sum.planned, 5);
}
END_TEST

START_TEST(test_tenant_first)
{
	struct drm_kvtier_tenant_usage t[2] = {
		{ .tenant_id = 20, .pool_id = 1, .slots_used = 4, .max_slots = 4 },
		{ .tenant_id = 10, .pool_id = 1, .slots_used = 4,
		  .max_slots = KVTIER_QUOTA_UNLIMITED },
	};
	size_t i;

	/* Tenant 10's objects are older, but tenant 20 is over its quota. */
	for (i = 0; i < 4; i++)
		obj(i, H | K);
	for (i = 4; i < 8; i++) {
		obj(10 + i, H | K);
		recs[i].tenant_id = 20;
	}
	in.slots_used = 8;		/* the pool is fine */
	in.tenants = t;
	in.nr_tenants = 2;
	/* 4 of 4: down to 50% of the quota, from tenant 20 only. */
	ck_assert_int_eq(plan(), 2);
	ck_assert_uint_eq(sum.pool_excess, 0);
	ck_assert_uint_eq(sum.tenant_excess, 2);
	ck_assert_uint_eq(recs[act[0].rec].tenant_id, 20);
	ck_assert_uint_eq(recs[act[1].rec].tenant_id, 20);
	ck_assert_uint_eq(act[0].rec, 4);
	/* With the pool over too, the rest comes from anyone, oldest first. */
	in.slots_used = 10;
	in.slot_count = 10;
	obj(100, H | K);
	obj(101, H | K);
	ck_assert_int_eq(plan(), 5);
	ck_assert_uint_eq(act[2].rec, 0);
	ck_assert_uint_eq(act[3].rec, 1);
	ck_assert_uint_eq(act[4].rec, 2);
}
END_TEST

START_TEST(test_room_and_errors)
{
	size_t i;

	for (i = 0; i < 10; i++)
		obj(i, H | K);
	in.slots_used = 10;
	in.nr_recs = nr;
	ck_assert_int_eq(kvtd_evict_plan(&in, act, 2, &sum), 2);
	ck_assert_uint_eq(sum.short_by, 3);
	in.pool_wm.low = 950;
	ck_assert_int_eq(kvtd_evict_plan(&in, act, 64, &sum), -EINVAL);
	in.pool_wm.low = 500;
	in.slot_size = 0;
	ck_assert_int_eq(kvtd_evict_plan(&in, act, 64, &sum), -EINVAL);
	in.slot_size = SLOT;
	in.policy = NULL;
	ck_assert_int_eq(kvtd_evict_plan(&in, act, 64, &sum), -EINVAL);
}
END_TEST

START_TEST(test_kind_names)
{
	ck_assert_str_eq(kvtd_evict_kind_name(KVTD_EVICT_DROP_POLICY),
			 "drop-policy");
	ck_assert_str_eq(kvtd_evict_kind_name(0), "unknown");
}
END_TEST

Suite *policy_evict_suite(void)
{
	Suite *s = suite_create("policy_evict");
	TCase *tc;

	tc = tcase_create("pool");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_below_high);
	tcase_add_test(tc, test_lru_order_to_low);
	tcase_add_test(tc, test_candidates_only);
	tcase_add_test(tc, test_multi_slot_objects);
	tcase_add_test(tc, test_room_and_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("actions");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_write_policies);
	tcase_add_test(tc, test_kind_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("tenants");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_tenant_first);
	suite_add_tcase(s, tc);
	return s;
}

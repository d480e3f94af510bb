// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/policy/writeback.c: the write policies wired to the
 * object records, per pool.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "kvtd_writeback.h"

#define H KVTIER_TIER_BIT(KVTIER_TIER_HOST)
#define K KVTIER_TIER_BIT(KVTIER_TIER_DISK)

static struct drm_kvtier_obj_record recs[16];
static size_t nr;
/* Pool 1: through; pool 2: back; pool 3: selective after 2 hits. */
static struct kvtd_write_policy pols[5] = {
	[1] = { KVTD_WRITE_THROUGH, 0 },
	[2] = { KVTD_WRITE_BACK, 0 },
	[3] = { KVTD_WRITE_SELECTIVE, 2 },
	[4] = { 42, 0 },
};

static const struct kvtd_write_policy *pol_of(uint32_t pool, void *arg)
{
	return pool >= 1 && pool <= 4 ? &pols[pool] : NULL;
}

static bool writing(const struct drm_kvtier_obj_record *r, void *arg)
{
	return r->handle == 99;
}

static size_t obj(uint32_t pool, uint64_t t, uint32_t tiers, uint64_t hits)
{
	struct drm_kvtier_obj_record *r = &recs[nr];

	memset(r, 0, sizeof(*r));
	r->handle = 1 + nr;
	r->size = 4096;
	r->pool_id = pool;
	r->state = KVTIER_STATE_READY;
	r->tiers = tiers;
	r->last_access_ns = t;
	r->hits = hits;
	return nr++;
}

static int plan(uint32_t *out, size_t room)
{
	struct kvtd_wb_input in = {
		.recs = recs,
		.nr_recs = nr,
		.policy = pol_of,
		.writing = writing,
	};

	return kvtd_writeback_plan(&in, out, room);
}

static void setup(void)
{
	nr = 0;
}

START_TEST(test_through)
{
	uint32_t out[16];

	obj(1, 30, H, 0);
	obj(1, 10, H, 5);
	obj(1, 20, H | K, 0);		/* already on disk */
	obj(1, 5, K, 0);		/* only on disk */
	obj(1, 1, H, 0);
	recs[4].state = KVTIER_STATE_WRITING;	/* not committed yet */
	obj(1, 2, H, 0);
	recs[5].handle = 99;		/* being written */
	ck_assert_int_eq(plan(out, 16), 2);
	/* Least recently used first: the next to be evicted. */
	ck_assert_uint_eq(out[0], 1);
	ck_assert_uint_eq(out[1], 0);
}
END_TEST

START_TEST(test_back)
{
	uint32_t out[16];

	obj(2, 1, H, 0);
	obj(2, 2, H, 1000);
	ck_assert_int_eq(plan(out, 16), 0);
}
END_TEST

START_TEST(test_selective)
{
	uint32_t out[16];

	obj(3, 1, H, 0);
	obj(3, 2, H, 1);
	obj(3, 3, H, 2);
	obj(3, 4, H, 7);
	ck_assert_int_eq(plan(out, 16), 2);
	ck_assert_uint_eq(out[0], 2);
	ck_assert_uint_eq(out[1], 3);
	/* Selective with 0 hits writes at commit, as through does. */
	pols[3].hits = 0;
	ck_assert_int_eq(plan(out, 16), 4);
	pols[3].hits = 2;
}
END_TEST

START_TEST(test_per_pool_and_room)
{
	uint32_t out[16];

	obj(1, 4, H, 0);
	obj(2, 3, H, 0);
	obj(3, 2, H, 0);
	obj(9, 1, H, 0);		/* unknown pool: no policy */
	obj(1, 0, H, 0);
	ck_assert_int_eq(plan(out, 16), 2);
	ck_assert_uint_eq(out[0], 4);
	ck_assert_uint_eq(out[1], 0);
	ck_assert_int_eq(plan(out, 1), 1);
	ck_assert_uint_eq(out[0], 4);
	obj(4, 0, H, 0);		/* a pool with a bad mode */
	ck_assert_int_eq(plan(out, 16), -EINVAL);
}
END_TEST

Suite *policy_writeback_suite(void)
{
	Suite *s = suite_create("policy_writeback");
	TCase *tc = tcase_create("policies");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_through);
	tcase_add_test(tc, test_back);
	tcase_add_test(tc, test_selective);
	tcase_add_test(tc, test_per_pool_and_room);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/policy/ops.c: the wrappers every policy goes
 * through (argument checks, accounting) and the table of policies. A fake
 * policy records what reaches it, so the wrappers are tested apart from
 * any real ranking.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "kvtd_policy.h"

/* An access that knows only its key. */
#define ACC(k) (&(struct kvtd_access){ .key = (k) })

struct fake {
	struct kvtd_policy base;
	int inserts, removes, misses, accesses, destroys;
	uint64_t last_size;
	int insert_ret;
	struct kvtd_access last;	/* the last access reported */
};

static struct fake *fake_last;
static int fake_destroyed;

static int fake_create(const struct kvtd_policy_params *params,
		       struct kvtd_policy **out)
{
	fake_last = calloc(1, sizeof(*fake_last));
	if (!fake_last)
		return -ENOMEM;
	*out = &fake_last->base;
	return 0;
}

static void fake_destroy(struct kvtd_policy *p)
{
	fake_destroyed++;
	free(p);
}

static int fake_on_access(struct kvtd_policy *p, const struct kvtd_access *a)
{
	((struct fake *)p)->last = *a;
	((struct fake *)p)->accesses++;
	return 0;
}

static int fake_on_miss(struct kvtd_policy *p, const struct kvtd_access *a)
{
	((struct fake *)p)->last = *a;
	((struct fake *)p)->misses++;
	return 0;
}

static int fake_on_insert(struct kvtd_policy *p, const struct kvtd_access *a,
			  uint64_t size)
{
	struct fake *f = (struct fake *)p;

	f->last = *a;
	f->inserts++;
	f->last_size = size;
	return f->insert_ret;
}

static int fake_pick_victim(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
			    void *arg, struct drm_kvtier_key *out)
{
	out->lo = 42;
	out->hi = 0;
	return 0;
}

/* Gives back whatever size was last inserted. */
static int fake_on_remove(struct kvtd_policy *p,
			  const struct drm_kvtier_key *key, uint64_t *size)
{
	struct fake *f = (struct fake *)p;

	f->removes++;
	*size = f->last_size;
	return 0;
}

static int fake_reuse(const struct kvtd_policy *p,
		      const struct drm_kvtier_key *key, uint32_t *permille)
{
	*permille = 500;
	return 0;
}

static const struct kvtd_policy_ops fake_ops = {
	.name = "fake",
	.create = fake_create,
	.destroy = fake_destroy,
	.on_access = fake_on_access,
	.on_miss = fake_on_miss,
	.on_insert = fake_on_insert,
	.pick_victim = fake_pick_victim,
	.on_remove = fake_on_remove,
};

static struct kvtd_policy *fake_new(uint64_t capacity)
{
	struct kvtd_policy_params params = { .capacity = capacity };
	struct kvtd_policy *p;

	ck_assert_int_eq(kvtd_policy_create(&fake_ops, &params, &p), 0);
	ck_assert_ptr_eq(p->ops, &fake_ops);
	return p;
}

static const struct drm_kvtier_key ka = { .lo = 1 };
static const struct drm_kvtier_key kb = { .lo = 2 };

START_TEST(test_create_fills_base)
{
	struct kvtd_policy *p = fake_new(77);

	ck_assert_uint_eq(kvtd_policy_capacity(p), 77);
	ck_assert_uint_eq(kvtd_policy_used(p), 0);
	ck_assert_uint_eq(kvtd_policy_count(p), 0);
	ck_assert_str_eq(kvtd_policy_name(p), "fake");
	fake_destroyed = 0;
	kvtd_policy_destroy(p);
	ck_assert_int_eq(fake_destroyed, 1);
	kvtd_policy_destroy(NULL);
}
END_TEST

START_TEST(test_insert_accounting)
{
	struct kvtd_policy *p = fake_new(10);
	struct fake *f = fake_last;

	ck_assert_int_eq(kvtd_policy_insert(p, ACC(ka), 6), 0);
	ck_assert_uint_eq(kvtd_policy_used(p), 6);
	ck_assert_uint_eq(kvtd_policy_count(p), 1);
	/* 6 + 5 > 10: refused before the policy sees it. */
	ck_assert_int_eq(kvtd_policy_insert(p, ACC(ka), 5), -ENOSPC);
	ck_assert_int_eq(kvtd_policy_insert(p, ACC(ka), 0), -EINVAL);
	ck_assert_int_eq(f->inserts, 1);
	/* A refusal by the policy changes nothing. */
	f->insert_ret = -EEXIST;
	ck_assert_int_eq(kvtd_policy_insert(p, ACC(ka), 4), -EEXIST);
	ck_assert_uint_eq(kvtd_policy_used(p), 6);
	ck_assert_uint_eq(kvtd_policy_count(p), 1);
	kvtd_policy_destroy(p);
}
END_TEST

START_TEST(test_remove_accounting)
{
	struct kvtd_policy *p = fake_new(10);

	ck_assert_int_eq(kvtd_policy_insert(p, ACC(ka), 3), 0);
	ck_assert_int_eq(kvtd_policy_remove(p, &ka), 0);
	ck_assert_uint_eq(kvtd_policy_used(p), 0);
	ck_assert_uint_eq(kvtd_policy_count(p), 0);
	kvtd_policy_destroy(p);
}
END_TEST

START_TEST(test_victim_of_empty)
{
	struct kvtd_policy *p = fake_new(10);
	struct drm_kvtier_key v;

	/* The fake would name 42; an empty policy has nothing to name. */
	ck_assert_int_eq(kvtd_policy_victim(p, NULL, NULL, &v), -ENOENT);
	ck_assert_int_eq(kvtd_policy_insert(p, ACC(ka), 1), 0);
	ck_assert_int_eq(kvtd_policy_victim(p, NULL, NULL, &v), 0);
	ck_assert_uint_eq(v.lo, 42);
	kvtd_policy_destroy(p);
}
END_TEST

START_TEST(test_miss_optional)
{
	struct kvtd_policy_params params = { .capacity = 4 };
	struct kvtd_policy *p = fake_new(4), *lru;

	ck_assert_int_eq(kvtd_policy_miss(p, ACC(ka)), 0);
	ck_assert_int_eq(fake_last->misses, 1);
	ck_assert_int_eq(kvtd_policy_access(p, ACC(ka)), 0);
	ck_assert_int_eq(fake_last->accesses, 1);
	kvtd_policy_destroy(p);
	/* LRU has no on_miss: the wrapper answers for it. */
	ck_assert_ptr_null(kvtd_policy_lru.on_miss);
	ck_assert_int_eq(kvtd_policy_create(&kvtd_policy_lru, &params, &lru), 0);
	ck_assert_int_eq(kvtd_policy_miss(lru, ACC(ka)), 0);
	kvtd_policy_destroy(lru);
}
END_TEST

/*
 * The context of an access reaches the policy whole; a zero name is the
 * key, any other is passed on as it is.
 */
START_TEST(test_access_context)
{
	struct kvtd_policy *p = fake_new(4);
	struct kvtd_access a = {
		.key = ka, .tenant = 7, .time_ns = 9, .position = 2,
		.count = 5, .pool = 3, .flags = KVTD_ACCESS_NOT_PROBED,
	};
	struct kvtd_access want;

	ck_assert_int_eq(kvtd_policy_miss(p, &a), 0);
	want = a;
	want.name = ka;
	ck_assert_mem_eq(&fake_last->last, &want, sizeof(want));
	a.name = kb;
	ck_assert_int_eq(kvtd_policy_miss(p, &a), 0);
	ck_assert_mem_eq(&fake_last->last, &a, sizeof(a));
	a.position = 3;
	ck_assert_int_eq(kvtd_policy_insert(p, &a, 1), 0);
	ck_assert_uint_eq(fake_last->last.position, 3);
	a.flags = 0;
	ck_assert_int_eq(kvtd_policy_access(p, &a), 0);
	ck_assert_mem_eq(&fake_last->last, &a, sizeof(a));
	kvtd_policy_destroy(p);
}
END_TEST

/* A policy with no estimate says so; one with an estimate is asked. */
START_TEST(test_reuse_optional)
{
	struct kvtd_policy_ops with = fake_ops;
	struct kvtd_policy_params params = { .capacity = 4 };
	uint32_t pm = 1234;
	struct kvtd_policy *p = fake_new(4);

	ck_assert_int_eq(kvtd_policy_reuse(p, &ka, &pm), -EOPNOTSUPP);
	ck_assert_uint_eq(pm, 1234);
	kvtd_policy_destroy(p);
	with.reuse = fake_reuse;
	ck_assert_int_eq(kvtd_policy_create(&with, &params, &p), 0);
	ck_assert_int_eq(kvtd_policy_reuse(p, &ka, &pm), 0);
	ck_assert_uint_eq(pm, 500);
	kvtd_policy_destroy(p);
	ck_assert_ptr_null(kvtd_policy_lru.reuse);
}
END_TEST

START_TEST(test_future_only_for_offline)
{
	uint64_t next[1] = { KVTD_NEVER };
	struct kvtd_future fut = { .next_use = next, .count = 1 };
	struct kvtd_policy_params params = { .capacity = 4, .future = &fut };
	struct kvtd_policy_ops offline = fake_ops;
	struct kvtd_policy *p = NULL;

	ck_assert_int_eq(kvtd_policy_create(&fake_ops, &params, &p), -EINVAL);
	ck_assert_ptr_null(p);
	offline.offline = true;
	params.future = NULL;
	ck_assert_int_eq(kvtd_policy_create(&offline, &params, &p), -EINVAL);
	params.future = &fut;
	ck_assert_int_eq(kvtd_policy_create(&offline, &params, &p), 0);
	kvtd_policy_destroy(p);
}
END_TEST

START_TEST(test_registry)
{
	const struct kvtd_policy_ops *ops;
	size_t i;

	ck_assert_ptr_eq(kvtd_policy_find("lru"), &kvtd_policy_lru);
	ck_assert_ptr_null(kvtd_policy_find("LRU"));
	ck_assert_ptr_null(kvtd_policy_find(""));
	/* Offline policies never reach the daemon's table. */
	ck_assert_ptr_null(kvtd_policy_find("belady"));
	for (i = 0; (ops = kvtd_policy_list(i)); i++) {
		ck_assert(!ops->offline);
		ck_assert_ptr_eq(kvtd_policy_find(ops->name), ops);
	}
	ck_assert_uint_ge(i, 1);
}
END_TEST

Suite *policy_ops_suite(void)
{
	Suite *s = suite_create("policy_ops");
	TCase *tc;

	tc = tcase_create("wrappers");
	tcase_add_test(tc, test_create_fills_base);
	tcase_add_test(tc, test_insert_accounting);
	tcase_add_test(tc, test_remove_accounting);
	tcase_add_test(tc, test_victim_of_empty);
	tcase_add_test(tc, test_miss_optional);
	tcase_add_test(tc, test_access_context);
	tcase_add_test(tc, test_reuse_optional);
	tcase_add_test(tc, test_future_only_for_offline);
	suite_add_tcase(s, tc);

	tc = tcase_create("registry");
	tcase_add_test(tc, test_registry);
	suite_add_tcase(s, tc);
	return s;
}

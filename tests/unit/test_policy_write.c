// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/policy/write.c: each write policy's answer to
 * commit, hit and evict, for objects on disk, being written, or neither.
 */
#include <check.h>
#include <errno.h>

#include "kvtd_write.h"

static const struct kvtd_write_policy through = { KVTD_WRITE_THROUGH, 0 };
static const struct kvtd_write_policy back = { KVTD_WRITE_BACK, 0 };
static const struct kvtd_write_policy sel2 = { KVTD_WRITE_SELECTIVE, 2 };

/* Decide, and check the answer is (@write, @drop). */
static void expect(const struct kvtd_write_policy *pol,
		   enum kvtd_write_event ev, struct kvtd_write_object obj,
		   bool write, bool drop)
{
	struct kvtd_write_decision d = { !write, !drop };

	ck_assert_int_eq(kvtd_write_decide(pol, ev, &obj, &d), 0);
	ck_assert_msg(d.write == write && d.drop == drop,
		      "mode %d event %d on_disk %d writing %d hits %u: "
		      "got write %d drop %d, want %d %d", pol->mode, ev,
		      obj.on_disk, obj.writing, obj.hits, d.write, d.drop,
		      write, drop);
}

static const struct kvtd_write_object fresh = { 0 };
static const struct kvtd_write_object on_disk = { .on_disk = true };
static const struct kvtd_write_object writing = { .writing = true };

START_TEST(test_write_through)
{
	/* Written at commit; a hit on an unwritten one repairs a lost write. */
	expect(&through, KVTD_WRITE_EV_COMMIT, fresh, true, false);
	expect(&through, KVTD_WRITE_EV_HIT, fresh, true, false);
	expect(&through, KVTD_WRITE_EV_HIT, on_disk, false, false);
	/* Evicting: dropped if on disk, else written first. */
	expect(&through, KVTD_WRITE_EV_EVICT, on_disk, false, true);
	expect(&through, KVTD_WRITE_EV_EVICT, fresh, true, false);
	expect(&through, KVTD_WRITE_EV_EVICT, writing, false, false);
}
END_TEST

START_TEST(test_write_back)
{
	/* Nothing until eviction, whatever the hits. */
	struct kvtd_write_object hot = { .hits = 1000 };

	expect(&back, KVTD_WRITE_EV_COMMIT, fresh, false, false);
	expect(&back, KVTD_WRITE_EV_HIT, hot, false, false);
	/* Then it is written and the host copy waits for it. */
	expect(&back, KVTD_WRITE_EV_EVICT, fresh, true, false);
	expect(&back, KVTD_WRITE_EV_EVICT, writing, false, false);
	expect(&back, KVTD_WRITE_EV_EVICT, on_disk, false, true);
}
END_TEST

START_TEST(test_selective)
{
	struct kvtd_write_object o = { 0 };

	expect(&sel2, KVTD_WRITE_EV_COMMIT, o, false, false);
	o.hits = 1;
	expect(&sel2, KVTD_WRITE_EV_HIT, o, false, false);
	/* Evicted after one hit of the two it needed: lost on purpose. */
	expect(&sel2, KVTD_WRITE_EV_EVICT, o, false, true);
	o.hits = 2;
	expect(&sel2, KVTD_WRITE_EV_HIT, o, true, false);
	/* Earned it but never written (say, the policy changed): write. */
	expect(&sel2, KVTD_WRITE_EV_EVICT, o, true, false);
	o.writing = true;
	expect(&sel2, KVTD_WRITE_EV_HIT, o, false, false);
	expect(&sel2, KVTD_WRITE_EV_EVICT, o, false, false);
	o.writing = false;
	o.on_disk = true;
	expect(&sel2, KVTD_WRITE_EV_HIT, o, false, false);
	expect(&sel2, KVTD_WRITE_EV_EVICT, o, false, true);
}
END_TEST

/* N = 0 writes at commit, like write-through. */
START_TEST(test_selective_zero)
{
	struct kvtd_write_policy sel0 = { KVTD_WRITE_SELECTIVE, 0 };

	expect(&sel0, KVTD_WRITE_EV_COMMIT, fresh, true, false);
	expect(&sel0, KVTD_WRITE_EV_EVICT, fresh, true, false);
}
END_TEST

/* The default writes on the first hit and drops what was never hit. */
START_TEST(test_selective_default)
{
	struct kvtd_write_policy def = { KVTD_WRITE_SELECTIVE,
					 KVTD_WRITE_SELECTIVE_HITS_DEFAULT };
	struct kvtd_write_object once = { .hits = 1 };

	expect(&def, KVTD_WRITE_EV_COMMIT, fresh, false, false);
	expect(&def, KVTD_WRITE_EV_EVICT, fresh, false, true);
	expect(&def, KVTD_WRITE_EV_HIT, once, true, false);
}
END_TEST

START_TEST(test_invalid)
{
	struct kvtd_write_policy bad = { (enum kvtd_write_mode)7, 0 };
	struct kvtd_write_decision d;

	ck_assert_int_eq(kvtd_write_decide(&bad, KVTD_WRITE_EV_COMMIT, &fresh,
					   &d), -EINVAL);
	ck_assert_int_eq(kvtd_write_decide(&back, (enum kvtd_write_event)9,
					   &fresh, &d), -EINVAL);
}
END_TEST

/* Whatever the mode, a copy on disk is never written again. */
START_TEST(test_never_rewrites)
{
	const struct kvtd_write_policy *pols[] = { &through, &back, &sel2 };
	struct kvtd_write_object o = { .on_disk = true, .hits = 5 };
	struct kvtd_write_decision d;
	unsigned int i, ev;

	for (i = 0; i < 3; i++) {
		for (ev = KVTD_WRITE_EV_COMMIT; ev <= KVTD_WRITE_EV_EVICT;
		     ev++) {
			ck_assert_int_eq(kvtd_write_decide(pols[i], ev, &o, &d),
					 0);
			ck_assert(!d.write);
			ck_assert(d.drop == (ev == KVTD_WRITE_EV_EVICT));
		}
	}
}
END_TEST

Suite *policy_write_suite(void)
{
	Suite *s = suite_create("policy_write");
	TCase *tc;

	tc = tcase_create("modes");
	tcase_add_test(tc, test_write_through);
	tcase_add_test(tc, test_write_back);
	tcase_add_test(tc, test_selective);
	tcase_add_test(tc, test_selective_zero);
	tcase_add_test(tc, test_selective_default);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_never_rewrites);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/replay/refs.c: block keys, next uses and distinct
 * counts of a trace's reference stream.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "kvtr_refs.h"

static struct kvtr_trace tr;
static struct kvtr_refs refs;

static void teardown(void)
{
	kvtr_refs_free(&refs);
	kvtr_trace_free(&tr);
}

static void load(const char *text)
{
	struct kvtr_error err;

	ck_assert_int_eq(kvtr_trace_parse(text, strlen(text), &tr, &err), 0);
	ck_assert_int_eq(kvtr_refs_build(&tr, &refs), 0);
}

/*
 * Requests [10 11 12] [10 11 13] [14]: references 0..6 are
 * 10 11 12 10 11 13 14. 10 is next used at 3, 11 at 4, the rest never;
 * five distinct blocks.
 */
START_TEST(test_next_use)
{
	static const uint64_t want[] = { 3, 4, KVTD_NEVER, KVTD_NEVER,
					 KVTD_NEVER, KVTD_NEVER, KVTD_NEVER };
	size_t i;

	load("{\"timestamp\":0,\"input_length\":1,\"output_length\":1,"
	     "\"hash_ids\":[10,11,12]}\n"
	     "{\"timestamp\":1,\"input_length\":1,\"output_length\":1,"
	     "\"hash_ids\":[10,11,13]}\n"
	     "{\"timestamp\":2,\"input_length\":1,\"output_length\":1,"
	     "\"hash_ids\":[14]}\n");
	ck_assert_uint_eq(refs.count, 7);
	ck_assert_uint_eq(refs.distinct, 5);
	for (i = 0; i < 7; i++)
		ck_assert_uint_eq(refs.next_use[i], want[i]);
}
END_TEST

/* A A A: each use points at the next, the last at nothing; 1 distinct. */
START_TEST(test_repeats)
{
	load("{\"timestamp\":0,\"input_length\":1,\"output_length\":1,"
	     "\"hash_ids\":[5,5,5]}\n");
	ck_assert_uint_eq(refs.count, 3);
	ck_assert_uint_eq(refs.distinct, 1);
	ck_assert_uint_eq(refs.next_use[0], 1);
	ck_assert_uint_eq(refs.next_use[1], 2);
	ck_assert_uint_eq(refs.next_use[2], KVTD_NEVER);
}
END_TEST

START_TEST(test_keys)
{
	struct drm_kvtier_key k = kvtr_block_key(77);

	load("{\"timestamp\":0,\"input_length\":1,\"output_length\":1,"
	     "\"hash_ids\":[77,0]}\n");
	ck_assert(kvtd_key_eq(&refs.keys[0], &k));
	ck_assert_uint_eq(refs.keys[0].lo, 77);
	ck_assert_uint_eq(refs.keys[0].hi, KVTR_KEY_HI);
	ck_assert_uint_eq(refs.keys[1].lo, 0);
	ck_assert_uint_eq(refs.keys[1].hi, KVTR_KEY_HI);
}
END_TEST

START_TEST(test_empty)
{
	struct kvtd_future f;

	load("");
	ck_assert_uint_eq(refs.count, 0);
	ck_assert_uint_eq(refs.distinct, 0);
	f = kvtr_refs_future(&refs);
	ck_assert_uint_eq(f.count, 0);
}
END_TEST

/* Distinct count across many blocks, half of them seen twice. */
START_TEST(test_distinct_many)
{
	static uint64_t ids[30000];
	struct kvtr_request req = { .nids = 30000 };
	struct kvtr_trace t = { .req = &req, .nreq = 1, .ids = ids,
				.nids = 30000 };
	size_t i;

	/* 0..19999, then 0..9999 again: 20000 distinct. */
	for (i = 0; i < 30000; i++)
		ids[i] = i < 20000 ? i : i - 20000;
	ck_assert_int_eq(kvtr_refs_build(&t, &refs), 0);
	ck_assert_uint_eq(refs.distinct, 20000);
	ck_assert_uint_eq(refs.next_use[0], 20000);
	ck_assert_uint_eq(refs.next_use[9999], 29999);
	ck_assert_uint_eq(refs.next_use[10000], KVTD_NEVER);
}
END_TEST

Suite *replay_refs_suite(void)
{
	Suite *s = suite_create("replay_refs");
	TCase *tc;

	tc = tcase_create("stream");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_next_use);
	tcase_add_test(tc, test_repeats);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_distinct_many);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the data of the live replay: tools/replay/live_content.c
 * (block keys and contents), live_assign.c (requests to tenants) and
 * live_record.c (the records a tenant process sends its parent).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvtr_trace.h"
#include "live_assign.h"
#include "live_content.h"
#include "live_record.h"

/* An odd size: the last word of the stream is cut. */
#define BLOCK 4099

START_TEST(test_key_depends_on_id_only)
{
	struct drm_kvtier_key a = kvtr_live_key(46, 65536);
	struct drm_kvtier_key b = kvtr_live_key(46, 65536);
	struct drm_kvtier_key c = kvtr_live_key(47, 65536);
	struct drm_kvtier_key d = kvtr_live_key(46, 131072);

	ck_assert(a.lo == b.lo && a.hi == b.hi);
	ck_assert(a.lo != c.lo || a.hi != c.hi);
	/* Another block size is another object, not a corrupt one. */
	ck_assert(a.lo != d.lo || a.hi != d.hi);
}
END_TEST

START_TEST(test_fill_deterministic)
{
	struct drm_kvtier_key k = kvtr_live_key(7, BLOCK);
	unsigned char *x = malloc(BLOCK), *y = malloc(BLOCK);

	memset(x, 0, BLOCK);
	memset(y, 0xff, BLOCK);
	kvtr_live_fill(&k, x, BLOCK);
	kvtr_live_fill(&k, y, BLOCK);
	ck_assert(memcmp(x, y, BLOCK) == 0);
	ck_assert_int_eq(kvtr_live_verify(&k, x, BLOCK), -1);
	free(x);
	free(y);
}
END_TEST

START_TEST(test_fill_differs_per_key)
{
	struct drm_kvtier_key k1 = kvtr_live_key(1, BLOCK);
	struct drm_kvtier_key k2 = kvtr_live_key(2, BLOCK);
	/* Keys that differ in the high half only must give other bytes. */
	struct drm_kvtier_key k3 = { .lo = k1.lo, .hi = k1.hi + 1 };
	unsigned char *x = malloc(BLOCK), *y = malloc(BLOCK);
	size_t i, same = 0;

	kvtr_live_fill(&k1, x, BLOCK);
	kvtr_live_fill(&k2, y, BLOCK);
	for (i = 0; i < BLOCK; i++)
		same += x[i] == y[i];
	/* Random bytes agree 1 time in 256: ~16 here, never most. */
	ck_assert_uint_lt(same, BLOCK / 16);
	ck_assert_int_eq(kvtr_live_verify(&k2, x, BLOCK), 0);
	kvtr_live_fill(&k3, y, BLOCK);
	ck_assert(memcmp(x, y, BLOCK) != 0);
	free(x);
	free(y);
}
END_TEST

/* Every single flipped byte is caught, at its offset, the tail included. */
START_TEST(test_verify_flipped_byte)
{
	static const size_t at[] = { 0, 1, 7, 8, 2048, BLOCK - 3, BLOCK - 1 };
	struct drm_kvtier_key k = kvtr_live_key(99, BLOCK);
	unsigned char *x = malloc(BLOCK);
	size_t i;

	kvtr_live_fill(&k, x, BLOCK);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		x[at[i]] ^= 0x01;
		ck_assert_int_eq(kvtr_live_verify(&k, x, BLOCK),
				 (ssize_t)at[i]);
		x[at[i]] ^= 0x01;
	}
	ck_assert_int_eq(kvtr_live_verify(&k, x, BLOCK), -1);
	/* A zeroed or poisoned block is not content. */
	memset(x, 0x5a, BLOCK);
	ck_assert_int_ge(kvtr_live_verify(&k, x, BLOCK), 0);
	free(x);
}
END_TEST

START_TEST(test_assign_round_robin)
{
	size_t i, seen[3] = { 0 };

	for (i = 0; i < 10; i++)
		seen[kvtr_live_tenant_of(i, 3)]++;
	/* 10 requests over 3 tenants: 0,3,6,9 / 1,4,7 / 2,5,8. */
	ck_assert_uint_eq(seen[0], 4);
	ck_assert_uint_eq(seen[1], 3);
	ck_assert_uint_eq(seen[2], 3);
	ck_assert_uint_eq(kvtr_live_tenant_requests(10, 3, 0), 4);
	ck_assert_uint_eq(kvtr_live_tenant_requests(10, 3, 1), 3);
	ck_assert_uint_eq(kvtr_live_tenant_requests(10, 3, 2), 3);
	ck_assert_uint_eq(kvtr_live_tenant_requests(10, 3, 3), 0);
	ck_assert_uint_eq(kvtr_live_tenant_requests(2, 4, 3), 0);
	ck_assert_uint_eq(kvtr_live_tenant_of(5, 1), 0);
}
END_TEST

START_TEST(test_assign_max_blocks)
{
	static const char text[] =
		"{\"timestamp\":0,\"input_length\":1,\"output_length\":1,"
		"\"hash_ids\":[1,2]}\n"
		"{\"timestamp\":1,\"input_length\":1,\"output_length\":1,"
		"\"hash_ids\":[1,2,3,4,5]}\n"
		"{\"timestamp\":2,\"input_length\":1,\"output_length\":1,"
		"\"hash_ids\":[1,2,3]}\n"
		"{\"timestamp\":3,\"input_length\":1,\"output_length\":1,"
		"\"hash_ids\":[9]}\n";
	struct kvtr_trace t;
	struct kvtr_error err;

	ck_assert_int_eq(kvtr_trace_parse(text, strlen(text), &t, &err), 0);
	/* Tenant 0 of 2 replays requests 0 and 2, tenant 1 requests 1, 3. */
	ck_assert_uint_eq(kvtr_live_tenant_max_blocks(&t, 4, 2, 0), 3);
	ck_assert_uint_eq(kvtr_live_tenant_max_blocks(&t, 4, 2, 1), 5);
	/* --limit 1 leaves tenant 1 nothing. */
	ck_assert_uint_eq(kvtr_live_tenant_max_blocks(&t, 1, 2, 1), 0);
	ck_assert_uint_eq(kvtr_live_tenant_max_blocks(&t, 99, 1, 0), 5);
	kvtr_trace_free(&t);
}
END_TEST

static int fds[2];

static void pipe_setup(void)
{
	ck_assert_int_eq(pipe(fds), 0);
}

static void pipe_teardown(void)
{
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

/* Everything a tenant sends comes out as it went in. */
START_TEST(test_record_roundtrip)
{
	struct kvtr_live_stats s = { 0 };
	struct kvtr_live_tenant t = { 0 };
	struct kvtr_live_rec rec;
	unsigned int i;
	int ret;

	for (i = 0; i < KVTR_C_COUNT; i++)
		s.c[i] = 1000 + i;
	/* 61 latencies: two full LATENCY records and a short one. */
	for (i = 0; i < 61; i++)
		ck_assert_int_eq(kvtr_live_stats_add_latency(&s, 7 * i + 1), 0);
	ck_assert_int_eq(kvtr_live_send_ready(fds[1], 3, 0, 4242, true), 0);
	ck_assert_int_eq(kvtr_live_send_stats(fds[1], 3, &s), 0);
	ck_assert_int_eq(kvtr_live_send_end(fds[1], 3, 0), 0);
	close(fds[1]);
	fds[1] = -1;
	while ((ret = kvtr_live_rec_recv(fds[0], &rec)) == 1)
		ck_assert_int_eq(kvtr_live_rec_apply(&t, 3, &rec), 0);
	ck_assert_int_eq(ret, 0);
	ck_assert(t.ready && t.counted && t.ended && t.isolated);
	ck_assert_int_eq(t.setup_status, 0);
	ck_assert_int_eq(t.status, 0);
	ck_assert_uint_eq(t.tenant_id, 4242);
	for (i = 0; i < KVTR_C_COUNT; i++)
		ck_assert_uint_eq(t.stats.c[i], 1000 + i);
	ck_assert_uint_eq(t.stats.nlat, 61);
	for (i = 0; i < 61; i++)
		ck_assert_uint_eq(t.stats.lat_ns[i], 7 * i + 1);
	kvtr_live_tenant_free(&t);
	kvtr_live_stats_free(&s);
}
END_TEST

/* A setup failure travels as READY's status, then END's. */
START_TEST(test_record_setup_failure)
{
	struct kvtr_live_tenant t = { 0 };
	struct kvtr_live_rec rec;

	ck_assert_int_eq(kvtr_live_send_ready(fds[1], 0, -ENODEV, 0, false), 0);
	ck_assert_int_eq(kvtr_live_send_end(fds[1], 0, -ENODEV), 0);
	ck_assert_int_eq(kvtr_live_rec_recv(fds[0], &rec), 1);
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 0, &rec), 0);
	ck_assert_int_eq(kvtr_live_rec_recv(fds[0], &rec), 1);
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 0, &rec), 0);
	ck_assert_int_eq(t.setup_status, -ENODEV);
	ck_assert(t.ended && !t.counted);
	ck_assert_int_eq(t.status, -ENODEV);
	kvtr_live_tenant_free(&t);
}
END_TEST

/* A stream cut inside a record is an error, not a clean end. */
START_TEST(test_record_short)
{
	struct kvtr_live_rec rec;

	ck_assert_int_eq(write(fds[1], "kvr1", 4), 4);
	close(fds[1]);
	fds[1] = -1;
	ck_assert_int_eq(kvtr_live_rec_recv(fds[0], &rec), -EPROTO);
}
END_TEST

static void ready_rec(struct kvtr_live_rec *rec, uint32_t tenant)
{
	memset(rec, 0, sizeof(*rec));
	rec->magic = KVTR_REC_MAGIC;
	rec->type = KVTR_REC_READY;
	rec->count = 2;
	rec->tenant = tenant;
}

START_TEST(test_record_malformed)
{
	struct kvtr_live_tenant t = { 0 };
	struct kvtr_live_rec rec;

	ready_rec(&rec, 1);
	rec.magic ^= 1;
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 1, &rec), -EPROTO);
	ready_rec(&rec, 2);
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 1, &rec), -EPROTO);
	ready_rec(&rec, 1);
	rec.type = 99;
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 1, &rec), -EPROTO);
	ready_rec(&rec, 1);
	rec.type = KVTR_REC_LATENCY;
	rec.count = KVTR_REC_VALUES + 1;
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 1, &rec), -EPROTO);
	ck_assert(!t.ready);
	kvtr_live_tenant_free(&t);
}
END_TEST

START_TEST(test_record_order)
{
	struct kvtr_live_tenant t = { 0 };
	struct kvtr_live_rec rec;

	/* COUNTERS before READY. */
	ready_rec(&rec, 0);
	rec.type = KVTR_REC_COUNTERS;
	rec.count = KVTR_C_COUNT;
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 0, &rec), -EPROTO);
	ready_rec(&rec, 0);
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 0, &rec), 0);
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 0, &rec), -EPROTO);
	rec.type = KVTR_REC_COUNTERS;
	rec.count = KVTR_C_COUNT;
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 0, &rec), 0);
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 0, &rec), -EPROTO);
	rec.type = KVTR_REC_END;
	rec.count = 0;
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 0, &rec), 0);
	/* Nothing after END. */
	ck_assert_int_eq(kvtr_live_rec_apply(&t, 0, &rec), -EPROTO);
	kvtr_live_tenant_free(&t);
}
END_TEST

Suite *replay_live_data_suite(void)
{
	Suite *s = suite_create("replay_live_data");
	TCase *tc;

	tc = tcase_create("content");
	tcase_add_test(tc, test_key_depends_on_id_only);
	tcase_add_test(tc, test_fill_deterministic);
	tcase_add_test(tc, test_fill_differs_per_key);
	tcase_add_test(tc, test_verify_flipped_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("assign");
	tcase_add_test(tc, test_assign_round_robin);
	tcase_add_test(tc, test_assign_max_blocks);
	suite_add_tcase(s, tc);

	tc = tcase_create("record");
	tcase_add_checked_fixture(tc, pipe_setup, pipe_teardown);
	tcase_add_test(tc, test_record_roundtrip);
	tcase_add_test(tc, test_record_setup_failure);
	tcase_add_test(tc, test_record_short);
	tcase_add_test(tc, test_record_malformed);
	tcase_add_test(tc, test_record_order);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: GPL-2.0
/* kmod/core/kvt_scan.c: the manager's walk over the object table. */
#include <string.h>

#include "test_core_env.h"
#include "test_suites.h"

static struct kvt_client *M;

static void scan_setup(void)
{
	uint64_t q;

	tcore_setup();
	ck_assert_int_eq(kvt_client_open(C, 2, KVT_CLIENT_ADMIN, NULL, &M), 0);
	ck_assert_int_eq(kvt_manager_attach(M, &q), 0);
}

static void scan_teardown(void)
{
	tcore_close(&M);
	tcore_teardown();
}

#define SCAN_ROOM 128
static struct drm_kvtier_obj_record recs[SCAN_ROOM];

/* Walks the whole table in steps of @room; returns the records found. */
static uint32_t scan_all(uint32_t room)
{
	uint64_t cursor = 0, before;
	uint32_t n, total = 0;

	for (;;) {
		before = cursor;
		ck_assert_uint_le(total + room, SCAN_ROOM);
		ck_assert_int_eq(kvt_obj_scan(M, &cursor, recs + total, room,
					      &n), 0);
		ck_assert_uint_le(n, room);
		if (!n) {
			ck_assert_uint_eq(cursor, before);
			return total;
		}
		ck_assert_uint_gt(cursor, before);
		total += n;
	}
}

/* The record of @h in a whole walk; fails the test when absent. */
static struct drm_kvtier_obj_record rec_of(uint64_t h)
{
	uint32_t i, n = scan_all(16);

	for (i = 0; i < n; i++)
		if (recs[i].handle == h)
			return recs[i];
	ck_abort_msg("handle %llx not in the scan", (unsigned long long)h);
	return recs[0];
}

static bool scan_has(uint64_t h)
{
	uint32_t i, n = scan_all(16);

	for (i = 0; i < n; i++)
		if (recs[i].handle == h)
			return true;
	return false;
}

/* ---- records ------------------------------------------------------------- */

START_TEST(record_of_committed_object)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_obj_record rec;
	struct drm_kvtier_key k = tkey(1);
	uint64_t t1, h;

	ck_assert_int_eq(talloc(A1, 1, SLOT + 1, &h), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h, 0), 0);
	t1 = kvt_now_ns();
	ck_assert(tlookup(A1, 1, 0, &r));
	rec = rec_of(h);
	ck_assert_uint_eq(rec.key.lo, k.lo);
	ck_assert_uint_eq(rec.key.hi, k.hi);
	ck_assert_uint_eq(rec.tenant_id, TENANT_A);
	ck_assert_uint_eq(rec.size, SLOT + 1);
	ck_assert_uint_eq(rec.offset, r.offset);
	ck_assert_uint_eq(rec.pool_id, POOL);
	ck_assert_uint_eq(rec.state, KVTIER_STATE_READY);
	ck_assert_uint_eq(rec.tiers, KVT_TIER_HOST_BIT);
	ck_assert_uint_eq(rec.disk_location, 0);
	ck_assert_uint_eq(rec.refs, 1);
	ck_assert_uint_eq(rec.pins, 0);
	ck_assert_uint_eq(rec.pad, 0);
	/* The lookup above was a hit: it counts and moves the time. */
	ck_assert_uint_eq(rec.hits, 1);
	ck_assert_uint_ge(rec.last_access_ns, t1);
}
END_TEST

START_TEST(record_times_commit)
{
	struct drm_kvtier_obj_record rec;
	uint64_t t0, t1, h;

	ck_assert_int_eq(talloc(A1, 1, SLOT, &h), 0);
	rec = rec_of(h);
	ck_assert_uint_eq(rec.state, KVTIER_STATE_WRITING);
	ck_assert_uint_eq(rec.last_access_ns, 0);
	ck_assert_uint_eq(rec.hits, 0);
	t0 = kvt_now_ns();
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h, 0), 0);
	t1 = kvt_now_ns();
	rec = rec_of(h);
	ck_assert_uint_ge(rec.last_access_ns, t0);
	ck_assert_uint_le(rec.last_access_ns, t1);
	ck_assert_uint_eq(rec.hits, 0);
}
END_TEST

START_TEST(record_counts_hits_not_misses)
{
	struct drm_kvtier_obj_record rec;
	uint64_t h = tput(A1, 1), before;

	before = rec_of(h).last_access_ns;
	ck_assert(tlookup(A1, 1, 0, NULL));
	ck_assert(tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, NULL));
	/* Another tenant's lookup misses: no hit, no access. */
	ck_assert(!tlookup(B, 1, 0, NULL));
	rec = rec_of(h);
	ck_assert_uint_eq(rec.hits, 2);
	ck_assert_uint_ge(rec.last_access_ns, before);
	ck_assert_uint_eq(rec.refs, 2);
	ck_assert(!tlookup(B, 1, 0, NULL));
	ck_assert_uint_eq(rec_of(h).hits, 2);
}
END_TEST

START_TEST(record_fetch_touches_without_hit)
{
	uint64_t h = tput(A1, 1), t0;
	struct drm_kvtier_obj_record rec;

	t0 = kvt_now_ns();
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 0, NULL), 0);
	rec = rec_of(h);
	ck_assert_uint_ge(rec.last_access_ns, t0);
	ck_assert_uint_eq(rec.hits, 0);
	ck_assert_uint_eq(rec.pins, 1);
	/* A refused fetch is no access. */
	t0 = kvt_now_ns();
	ck_assert_int_eq(tfetch(A2, h, KVTIER_TIER_HOST, 0, 0, NULL), -EACCES);
	ck_assert_uint_lt(rec_of(h).last_access_ns, t0);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
}
END_TEST

START_TEST(record_pins_tiers_disk)
{
	struct drm_kvtier_obj_record rec;
	uint64_t h = tput(A1, 1);

	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_ADD, KVTIER_TIER_DISK, h, 777), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_DISK), 0);
	rec = rec_of(h);
	ck_assert_uint_eq(rec.pins, 3);
	ck_assert_uint_eq(rec.tiers, KVT_TIER_HOST_BIT | KVT_TIER_DISK_BIT);
	ck_assert_uint_eq(rec.disk_location, 777);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_HOST, h, 0), 0);
	rec = rec_of(h);
	ck_assert_uint_eq(rec.pins, 0);
	ck_assert_uint_eq(rec.refs, 0);
	ck_assert_uint_eq(rec.tiers, KVT_TIER_DISK_BIT);
	/* Offset only with HOST. */
	ck_assert_uint_eq(rec.offset, 0);
	ck_assert_uint_eq(rec.disk_location, 777);
}
END_TEST

START_TEST(record_global_object)
{
	struct drm_kvtier_obj_record rec;
	uint64_t h;

	ck_assert_int_eq(talloc_global(ADM, 1, SLOT, &h), 0);
	rec = rec_of(h);
	ck_assert_uint_eq(rec.tenant_id, 0);
	ck_assert_uint_eq(rec.state, KVTIER_STATE_WRITING);
}
END_TEST

/* ---- the walk ------------------------------------------------------------ */

START_TEST(walk_visits_each_live_object_once)
{
	uint64_t h[40];
	uint32_t i, j, n, seen;
	bool live;

	for (i = 0; i < 40; i++)
		h[i] = tput(i % 2 ? A1 : B, i + 1);
	/* Every third one freed and gone; holes in the table. */
	for (i = 0; i < 40; i += 3) {
		struct kvt_client *c = i % 2 ? A1 : B;

		ck_assert_int_eq(top(c, KVTIER_OP_RELEASE, h[i], 0), 0);
		ck_assert_int_eq(top(c, KVTIER_OP_FREE, h[i], 0), 0);
	}
	for (n = 1; n <= 41; n += 5) {
		ck_assert_uint_eq(scan_all(n), tstats().objects);
		for (i = 0; i < 40; i++) {
			live = i % 3 != 0;
			seen = 0;
			for (j = 0; j < tstats().objects; j++)
				seen += recs[j].handle == h[i];
			ck_assert_uint_eq(seen, live ? 1 : 0);
		}
	}
}
END_TEST

START_TEST(walk_resumes_after_changes)
{
	uint64_t cursor = 0, h1 = tput(A1, 1), h2 = tput(A1, 2), h3, h4;
	uint32_t n;

	ck_assert_int_eq(kvt_obj_scan(M, &cursor, recs, 1, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(recs[0].handle, h1);
	/* Freed behind the cursor and reused: not seen again this walk. */
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h1, 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h1, 0), 0);
	h3 = tput(A1, 3);
	ck_assert_uint_eq(KVT_HANDLE_IDX(h3), KVT_HANDLE_IDX(h1));
	h4 = tput(A1, 4);
	ck_assert_int_eq(kvt_obj_scan(M, &cursor, recs, 8, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(recs[0].handle, h2);
	ck_assert_uint_eq(recs[1].handle, h4);
}
END_TEST

START_TEST(freed_objects_disappear)
{
	uint64_t h1 = tput(A1, 1), h2 = tput(A1, 2);

	ck_assert(tlookup(A2, 2, KVTIER_LOOKUP_ACQUIRE, NULL));
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h1, 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h1, 0), 0);
	ck_assert(!scan_has(h1));
	/* Freed but referenced: still in the table, out of the namespace. */
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h2, 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h2, 0), 0);
	ck_assert_uint_eq(rec_of(h2).state, KVTIER_STATE_EVICTING);
	ck_assert_uint_eq(rec_of(h2).refs, 1);
	ck_assert_int_eq(top(A2, KVTIER_OP_RELEASE, h2, 0), 0);
	ck_assert(!scan_has(h2));
	ck_assert_uint_eq(scan_all(4), 0);
	/* A new object in h2's entry (it had a hit) starts afresh. */
	h1 = tput(A1, 5);
	ck_assert_uint_eq(KVT_HANDLE_IDX(h1), KVT_HANDLE_IDX(h2));
	ck_assert_uint_eq(rec_of(h1).hits, 0);
}
END_TEST

START_TEST(scan_errors)
{
	uint64_t cursor = 0;
	uint32_t n = 9;

	tput(A1, 1);
	ck_assert_int_eq(kvt_obj_scan(A1, &cursor, recs, 1, &n), -EPERM);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(kvt_obj_scan(ADM, &cursor, recs, 1, &n), -EPERM);
	ck_assert_int_eq(kvt_obj_scan(M, &cursor, recs, 0, &n), -EINVAL);
	ck_assert_int_eq(kvt_obj_scan(M, &cursor, recs, KVTIER_MAX_BATCH + 1,
				      &n), -EINVAL);
	ck_assert_uint_eq(cursor, 0);
	cursor = ~0ull;
	ck_assert_int_eq(kvt_obj_scan(M, &cursor, recs, 1, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(cursor, ~0ull);
	cursor = 1ull << 32;
	ck_assert_int_eq(kvt_obj_scan(M, &cursor, recs, 1, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

Suite *core_scan_suite(void)
{
	Suite *s = suite_create("core_scan");
	TCase *tc;

	tc = tcase_create("records");
	tcase_add_checked_fixture(tc, scan_setup, scan_teardown);
	tcase_add_test(tc, record_of_committed_object);
	tcase_add_test(tc, record_times_commit);
	tcase_add_test(tc, record_counts_hits_not_misses);
	tcase_add_test(tc, record_fetch_touches_without_hit);
	tcase_add_test(tc, record_pins_tiers_disk);
	tcase_add_test(tc, record_global_object);
	suite_add_tcase(s, tc);

	tc = tcase_create("walk");
	tcase_add_checked_fixture(tc, scan_setup, scan_teardown);
	tcase_add_test(tc, walk_visits_each_live_object_once);
	tcase_add_test(tc, walk_resumes_after_changes);
	tcase_add_test(tc, freed_objects_disappear);
	tcase_add_test(tc, scan_errors);
	suite_add_tcase(s, tc);
	return s;
}

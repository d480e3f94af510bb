// SPDX-License-Identifier: GPL-2.0
/* kmod/core/kvt_pool.c: pool management, slot runs, the fault check. */
#include "test_core_env.h"
#include "test_suites.h"

static struct drm_kvtier_pool_create good(void)
{
	struct drm_kvtier_pool_create pc = {
		.slot_size = 8192, .slot_count = 16, .kind = KVTIER_KIND_RAW,
	};

	return pc;
}

START_TEST(validate_rules)
{
	struct drm_kvtier_pool_create pc = good();

	ck_assert_int_eq(kvt_pool_validate(ADM, &pc, 4096), 0);
	ck_assert_int_eq(kvt_pool_validate(A1, &pc, 4096), -EPERM);
	pc.slot_size = 0;
	ck_assert_int_eq(kvt_pool_validate(ADM, &pc, 4096), -EINVAL);
	pc.slot_size = 6000;
	ck_assert_int_eq(kvt_pool_validate(ADM, &pc, 4096), -EINVAL);
	pc = good();
	pc.slot_count = 0;
	ck_assert_int_eq(kvt_pool_validate(ADM, &pc, 4096), -EINVAL);
	pc = good();
	pc.slot_size = 1ull << 40;
	pc.slot_count = 1ull << 30;
	ck_assert_int_eq(kvt_pool_validate(ADM, &pc, 4096), -EINVAL);
	pc = good();
	pc.kind = KVTIER_KIND_COUNT;
	ck_assert_int_eq(kvt_pool_validate(ADM, &pc, 4096), -EINVAL);
	pc = good();
	pc.flags = 1u << 7;
	ck_assert_int_eq(kvt_pool_validate(ADM, &pc, 4096), -EINVAL);
	pc = good();
	pc.reserved[1] = 1;
	ck_assert_int_eq(kvt_pool_validate(ADM, &pc, 4096), -EINVAL);
}
END_TEST

START_TEST(add_info_remove)
{
	struct drm_kvtier_pool_create pc = good();
	struct drm_kvtier_pool_info pi;
	uint32_t id, id2;
	uint64_t serial;

	pc.flags = KVTIER_POOL_NUMA;
	pc.numa_node = 1;
	ck_assert_int_eq(kvt_pool_add(A1, &pc, &id), -EPERM);
	ck_assert_int_eq(kvt_pool_add(ADM, &pc, &id), 0);
	ck_assert_uint_ne(id, POOL);
	ck_assert_int_eq(kvt_pool_info(C, id, &pi), 0);
	ck_assert_uint_eq(pi.pool_id, id);
	ck_assert_uint_eq(pi.slot_size, 8192);
	ck_assert_uint_eq(pi.slot_count, 16);
	ck_assert_uint_eq(pi.slots_used, 0);
	ck_assert_uint_eq(pi.objects, 0);
	ck_assert_uint_eq(pi.kind, KVTIER_KIND_RAW);
	ck_assert_uint_eq(pi.flags, KVTIER_POOL_NUMA);
	ck_assert_int_eq(pi.numa_node, 1);
	ck_assert_uint_ne(pi.serial, 0);
	ck_assert_uint_eq(pi.reserved, 0);
	serial = pi.serial;
	ck_assert_int_eq(kvt_pool_remove(A1, id), -EPERM);
	ck_assert_int_eq(kvt_pool_remove(ADM, id), 0);
	ck_assert_int_eq(kvt_pool_info(C, id, &pi), -ENOENT);
	/* The same id again is another pool, with another serial. */
	ck_assert_int_eq(kvt_pool_add(ADM, &pc, &id2), 0);
	ck_assert_uint_eq(id2, id);
	ck_assert_int_eq(kvt_pool_info(C, id, &pi), 0);
	ck_assert_uint_ne(pi.serial, 0);
	ck_assert_uint_ne(pi.serial, serial);
	ck_assert_int_eq(kvt_pool_remove(ADM, id), 0);
	ck_assert_int_eq(kvt_pool_remove(ADM, id), -ENOENT);
	ck_assert_int_eq(kvt_pool_info(C, 0, &pi), -ENOENT);
	ck_assert_int_eq(kvt_pool_info(C, KVTIER_MAX_POOLS + 1, &pi), -ENOENT);
}
END_TEST

START_TEST(remove_busy_while_objects)
{
	uint64_t h = tput(A1, 1);

	ck_assert_int_eq(kvt_pool_remove(ADM, POOL), -EBUSY);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
	/* Freed but referenced: still holds slots. */
	ck_assert_int_eq(kvt_pool_remove(ADM, POOL), -EBUSY);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_int_eq(kvt_pool_remove(ADM, POOL), 0);
	ck_assert_int_eq(talloc(A1, 2, SLOT, &h), -ENOENT);
}
END_TEST

START_TEST(pool_ids_run_out)
{
	struct drm_kvtier_pool_create pc = good();
	uint32_t id, i;

	for (i = 1; i < KVTIER_MAX_POOLS; i++)
		ck_assert_int_eq(kvt_pool_add(ADM, &pc, &id), 0);
	ck_assert_int_eq(kvt_pool_add(ADM, &pc, &id), -ENOSPC);
	ck_assert_int_eq(kvt_pool_remove(ADM, 5), 0);
	ck_assert_int_eq(kvt_pool_add(ADM, &pc, &id), 0);
	ck_assert_uint_eq(id, 5);
}
END_TEST

/* Sizes round up to whole slots; runs are contiguous and disjoint. */
START_TEST(runs_are_contiguous)
{
	struct drm_kvtier_alloc_item it[3] = {
		{ .key = tkey(1), .size = 1 },
		{ .key = tkey(2), .size = 3 * SLOT },
		{ .key = tkey(3), .size = 2 * SLOT + 1 },
	};
	uint32_t fi, i;

	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, 3, &fi), 0);
	ck_assert_uint_eq(it[0].slot_count, 1);
	ck_assert_uint_eq(it[1].slot_count, 3);
	ck_assert_uint_eq(it[2].slot_count, 3);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(it[i].offset % SLOT, 0);
	ck_assert(it[1].offset >= it[0].offset + SLOT ||
		  it[0].offset >= it[1].offset + 3 * SLOT);
	ck_assert(it[2].offset >= it[1].offset + 3 * SLOT ||
		  it[1].offset >= it[2].offset + 3 * SLOT);
	ck_assert_uint_eq(tpool_used(), 7);
}
END_TEST

/* Free every other slot: no run of two exists though half is free. */
START_TEST(fragmented_pool_refuses_runs)
{
	uint64_t h[SLOTS], x;
	uint32_t i;

	for (i = 0; i < SLOTS; i++)
		ck_assert_int_eq(talloc(A1, i + 1, SLOT, &h[i]), 0);
	ck_assert_int_eq(talloc(A1, 1000, SLOT, &x), -ENOSPC);
	for (i = 0; i < SLOTS; i += 2)
		ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h[i], 0), 0);
	ck_assert_uint_eq(tpool_used(), SLOTS / 2);
	ck_assert_int_eq(talloc(A1, 1000, 2 * SLOT, &x), -ENOSPC);
	ck_assert_int_eq(talloc(A1, 1000, SLOT, &x), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h[5], 0), 0);
	/* Slots 4, 5 and 6 are free now. */
	ck_assert_int_eq(talloc(A1, 1001, 3 * SLOT, &x), 0);
}
END_TEST

START_TEST(object_larger_than_pool)
{
	uint64_t h;

	ck_assert_int_eq(talloc(A1, 1, (uint64_t)SLOTS * SLOT + 1, &h),
			 -ENOSPC);
	ck_assert_int_eq(talloc(A1, 1, (uint64_t)SLOTS * SLOT, &h), 0);
	ck_assert_uint_eq(tpool_used(), SLOTS);
}
END_TEST

START_TEST(slot_access_rules)
{
	struct drm_kvtier_lookup_result r;
	uint64_t h = tput(A1, 1);
	uint64_t slot;
	uint64_t m;

	ck_assert(tlookup(A1, 1, 0, &r));
	slot = r.offset / SLOT;
	ck_assert_int_eq(kvt_slot_access(A1, POOL, slot), 0);
	ck_assert_int_eq(kvt_slot_access(A2, POOL, slot), -EACCES);
	ck_assert_int_eq(kvt_slot_access(B, POOL, slot), -EACCES);
	ck_assert_int_eq(kvt_slot_access(ADM, POOL, slot), 0);
	ck_assert_int_eq(kvt_slot_access(ADM, POOL, slot + 1), 0);
	ck_assert_int_eq(kvt_slot_access(A1, POOL, slot + 1), -EACCES);
	ck_assert_int_eq(kvt_slot_access(A1, POOL, SLOTS), -ENOENT);
	ck_assert_int_eq(kvt_slot_access(A1, POOL + 1, 0), -ENOENT);
	ck_assert_int_eq(kvt_slot_access(A1, 0, 0), -ENOENT);

	/* A reference from a lookup opens the mapping. */
	ck_assert(tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, NULL));
	ck_assert_int_eq(kvt_slot_access(A2, POOL, slot), 0);
	ck_assert_int_eq(top(A2, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_int_eq(kvt_slot_access(A2, POOL, slot), -EACCES);

	/* The manager may map everything. */
	ck_assert_int_eq(kvt_slot_access(B, POOL, slot), -EACCES);
	ck_assert_int_eq(kvt_manager_attach(B, &m), 0);
	ck_assert_int_eq(kvt_slot_access(B, POOL, slot), 0);
}
END_TEST

/* Committed is immutable: only the writer of a WRITING object may write. */
START_TEST(slot_write_access_rules)
{
	uint64_t h, slot;
	unsigned int nrev;

	ck_assert_int_eq(talloc(A1, 1, 2 * SLOT, &h), 0);
	slot = kvt_obj_ptr(C, KVT_HANDLE_IDX(h))->slot_first;
	ck_assert_int_eq(kvt_slot_write_access(A1, POOL, slot), 0);
	ck_assert_int_eq(kvt_slot_write_access(A1, POOL, slot + 1), 0);
	ck_assert_int_eq(kvt_slot_write_access(A2, POOL, slot), -EACCES);
	ck_assert_int_eq(kvt_slot_write_access(B, POOL, slot), -EACCES);
	ck_assert_int_eq(kvt_slot_write_access(ADM, POOL, slot), -EACCES);
	ck_assert_int_eq(kvt_slot_write_access(A1, POOL, slot + 2), -EACCES);
	ck_assert_int_eq(kvt_slot_write_access(A1, POOL, SLOTS), -ENOENT);
	ck_assert_int_eq(kvt_slot_write_access(A1, POOL + 1, 0), -ENOENT);

	/* The commit takes the writer's write access, and revokes its PTEs. */
	nrev = E.nrevoke;
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h, 0), 0);
	ck_assert_int_eq(kvt_slot_write_access(A1, POOL, slot), -EACCES);
	ck_assert_int_eq(kvt_slot_write_access(A1, POOL, slot + 1), -EACCES);
	ck_assert_int_eq(kvt_slot_access(A1, POOL, slot), 0);
	ck_assert_uint_eq(E.nrevoke, nrev + 1);
	ck_assert_uint_eq(E.revokes[nrev].pool_id, POOL);
	ck_assert_uint_eq(E.revokes[nrev].first, slot);
	ck_assert_uint_eq(E.revokes[nrev].count, 2);
	ck_assert_ptr_null(E.revokes[nrev].client);
	/* A failed commit revokes nothing. */
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h, 0), -EINVAL);
	ck_assert_uint_eq(E.nrevoke, nrev + 1);
}
END_TEST

/*
 * A WRITING object its writer frees while still holding it keeps its slots
 * until the release, but no longer takes writes: its PTEs are revoked.
 */
START_TEST(free_writing_revokes_write)
{
	uint64_t h, slot;
	unsigned int nrev;

	ck_assert_int_eq(talloc(A1, 1, SLOT, &h), 0);
	slot = kvt_obj_ptr(C, KVT_HANDLE_IDX(h))->slot_first;
	ck_assert_int_eq(kvt_slot_write_access(A1, POOL, slot), 0);
	nrev = E.nrevoke;
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
	ck_assert_int_eq(kvt_slot_write_access(A1, POOL, slot), -EACCES);
	ck_assert_uint_eq(E.nrevoke, nrev + 1);
	ck_assert_ptr_null(E.revokes[nrev].client);
	ck_assert_uint_eq(E.revokes[nrev].first, slot);
	ck_assert_uint_eq(E.revokes[nrev].count, 1);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_uint_eq(tpool_used(), 0);
}
END_TEST

/* No write access was ever given: no PTE to revoke, no unmap to pay for. */
START_TEST(commit_unwritten_revokes_nothing)
{
	unsigned int nrev = E.nrevoke;
	uint64_t h;

	ck_assert_int_eq(talloc(A1, 1, SLOT, &h), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h, 0), 0);
	ck_assert_uint_eq(E.nrevoke, nrev);
	ck_assert_int_eq(talloc(A1, 2, SLOT, &h), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
	ck_assert_uint_eq(E.nrevoke, nrev);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
}
END_TEST

Suite *core_pool_suite(void)
{
	Suite *s = suite_create("core_pool");
	TCase *tc;

	tc = tcase_create("management");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, validate_rules);
	tcase_add_test(tc, add_info_remove);
	tcase_add_test(tc, remove_busy_while_objects);
	tcase_add_test(tc, pool_ids_run_out);
	suite_add_tcase(s, tc);

	tc = tcase_create("slots");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, runs_are_contiguous);
	tcase_add_test(tc, fragmented_pool_refuses_runs);
	tcase_add_test(tc, object_larger_than_pool);
	suite_add_tcase(s, tc);

	tc = tcase_create("access");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, slot_access_rules);
	tcase_add_test(tc, slot_write_access_rules);
	tcase_add_test(tc, free_writing_revokes_write);
	tcase_add_test(tc, commit_unwritten_revokes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

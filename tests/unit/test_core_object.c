// SPDX-License-Identifier: GPL-2.0
/* kmod/core/kvt_object.c: alloc, commit, pin, release, free, residency. */
#include "test_core_env.h"
#include "test_suites.h"

/* ---- alloc ---------------------------------------------------------------- */

START_TEST(alloc_fills_items)
{
	struct drm_kvtier_alloc_item it[2] = {
		{ .key = tkey(1), .size = 100 },
		{ .key = tkey(2), .size = SLOT + 1 },
	};
	struct drm_kvtier_stats st;
	uint32_t fi = 0;

	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, 2, &fi), 0);
	ck_assert_uint_eq(fi, 2);
	ck_assert_uint_ne(it[0].handle, 0);
	ck_assert_uint_ne(it[0].handle, it[1].handle);
	ck_assert_uint_eq(it[0].slot_count, 1);
	ck_assert_uint_eq(it[1].slot_count, 2);
	ck_assert_uint_eq(tusage(TENANT_A), 3);
	st = tstats();
	ck_assert_uint_eq(st.allocs, 2);
	ck_assert_uint_eq(st.by_state[KVTIER_STATE_WRITING], 2);
	ck_assert_uint_eq(st.by_tier[KVTIER_TIER_HOST], 2);
	ck_assert_uint_eq(E.traces[KVT_TRACE_ALLOC], 2);
	ck_assert_uint_eq(E.last[KVT_TRACE_ALLOC].slots, 2);
	ck_assert_uint_eq(E.last[KVT_TRACE_ALLOC].tenant_id, TENANT_A);
}
END_TEST

START_TEST(alloc_eexist_in_batch)
{
	struct drm_kvtier_alloc_item it[3] = {
		{ .key = tkey(1), .size = SLOT },
		{ .key = tkey(2), .size = SLOT },
		{ .key = tkey(1), .size = SLOT },
	};
	uint32_t fi;

	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, 3, &fi), -EEXIST);
	ck_assert_uint_eq(fi, 2);
	ck_assert_uint_eq(tpool_used(), 0);
	ck_assert_uint_eq(tstats().objects, 0);
}
END_TEST

START_TEST(alloc_eexist_against_index)
{
	struct drm_kvtier_alloc_item it[3] = {
		{ .key = tkey(5), .size = SLOT },
		{ .key = tkey(6), .size = SLOT },
		{ .key = tkey(1), .size = SLOT },
	};
	uint64_t h;
	uint32_t fi;

	/* WRITING objects hold their keys too. */
	ck_assert_int_eq(talloc(A2, 1, SLOT, &h), 0);
	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, 3, &fi), -EEXIST);
	ck_assert_uint_eq(fi, 2);
	ck_assert_uint_eq(tpool_used(), 1);
	/* Items 0 and 1 were not left reserved. */
	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, 2, &fi), 0);
	ck_assert_int_eq(top(A2, KVTIER_OP_COMMIT, h, 0), 0);
	ck_assert_int_eq(talloc(A1, 1, SLOT, &h), -EEXIST);
	/* Another tenant has its own namespace. */
	ck_assert_int_eq(talloc(B, 1, SLOT, &h), 0);
	/* A freed key is free again at once. */
	ck_assert_int_eq(top(B, KVTIER_OP_FREE, h, 0), 0);
	ck_assert_int_eq(talloc(B, 1, SLOT, &h), 0);
}
END_TEST

START_TEST(alloc_enospc_all_or_nothing)
{
	struct drm_kvtier_alloc_item it[3] = {
		{ .key = tkey(1), .size = 20 * SLOT },
		{ .key = tkey(2), .size = 20 * SLOT },
		{ .key = tkey(3), .size = 30 * SLOT },
	};
	uint32_t fi;

	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, 3, &fi), -ENOSPC);
	ck_assert_uint_eq(fi, 2);
	ck_assert_uint_eq(tpool_used(), 0);
	ck_assert_uint_eq(tusage(TENANT_A), 0);
	ck_assert_uint_eq(tstats().objects, 0);
	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, 2, &fi), 0);
	ck_assert_uint_eq(tpool_used(), 40);
}
END_TEST

START_TEST(alloc_request_errors)
{
	struct drm_kvtier_alloc_item it = { .key = tkey(1), .size = 0 };
	uint32_t fi;

	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, &it, 1, &fi), -EINVAL);
	ck_assert_uint_eq(fi, 0);
	it.size = 1;
	/* Refused as a whole: no item is named (not even @count). */
	ck_assert_int_eq(kvt_obj_alloc(A1, POOL + 1, 0, &it, 1, &fi), -ENOENT);
	ck_assert_uint_eq(fi, KVTIER_NO_INDEX);
	fi = 0;
	ck_assert_int_eq(kvt_obj_alloc(A1, 0, 0, &it, 1, &fi), -ENOENT);
	ck_assert_uint_eq(fi, KVTIER_NO_INDEX);
	fi = 0;
	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 1u << 5, &it, 1, &fi),
			 -EINVAL);
	ck_assert_uint_eq(fi, KVTIER_NO_INDEX);
	fi = 0;
	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, KVTIER_ALLOC_GLOBAL, &it, 1,
				       &fi), -EPERM);
	ck_assert_uint_eq(fi, KVTIER_NO_INDEX);
	fi = 0;
	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, &it, 0, &fi), -EINVAL);
	ck_assert_uint_eq(fi, KVTIER_NO_INDEX);
	ck_assert_uint_eq(tstats().objects, 0);
}
END_TEST

/* ---- commit ----------------------------------------------------------------- */

START_TEST(commit_rules)
{
	uint64_t h;

	ck_assert_int_eq(talloc(A1, 1, SLOT, &h), 0);
	ck_assert(!tlookup(A1, 1, 0, NULL));
	ck_assert_int_eq(top(A2, KVTIER_OP_COMMIT, h, 0), -EINVAL);
	ck_assert_int_eq(top(B, KVTIER_OP_COMMIT, h, 0), -ENOENT);
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h, 1), -EINVAL);
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h, 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h, 0), -EINVAL);
	ck_assert(tlookup(A1, 1, 0, NULL));
	ck_assert_uint_eq(tstats().commits, 1);
	ck_assert_uint_eq(tstats().by_state[KVTIER_STATE_READY], 1);
	ck_assert_uint_eq(E.traces[KVT_TRACE_COMMIT], 1);
}
END_TEST

START_TEST(release_abandons_writing)
{
	uint64_t h;

	ck_assert_int_eq(talloc(A1, 1, SLOT, &h), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_uint_eq(tpool_used(), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h, 0), -ENOENT);
	ck_assert_int_eq(talloc(A1, 1, SLOT, &h), 0);
}
END_TEST

/* ---- pin / unpin / release ---------------------------------------------------- */

START_TEST(pin_rules)
{
	uint64_t hw, h = tput(A1, 1);

	ck_assert_int_eq(top(A2, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), -EACCES);
	ck_assert_int_eq(top(B, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), -ENOENT);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_COUNT), -EINVAL);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_DISK), -EINVAL);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_DEVICE),
			 -EINVAL);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST),
			 -EINVAL);
	ck_assert_int_eq(top(A2, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST),
			 -EACCES);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), -EBUSY);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), -EBUSY);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST),
			 -EINVAL);
	ck_assert_uint_eq(E.traces[KVT_TRACE_PIN], 2);
	ck_assert_uint_eq(E.traces[KVT_TRACE_UNPIN], 2);
	ck_assert_int_eq(talloc(A1, 2, SLOT, &hw), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, hw, KVTIER_TIER_HOST), -EINVAL);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
}
END_TEST

START_TEST(release_rules)
{
	uint64_t h = tput(A1, 1);

	ck_assert_int_eq(top(A2, KVTIER_OP_RELEASE, h, 0), -EACCES);
	ck_assert_int_eq(top(B, KVTIER_OP_RELEASE, h, 0), -ENOENT);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), -EACCES);
	/* The pin went with the reference. */
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
	ck_assert_uint_eq(tpool_used(), 0);
}
END_TEST

START_TEST(release_revokes_for_the_client)
{
	struct drm_kvtier_lookup_result r;
	uint64_t h = tput(A1, 1);
	unsigned int n = E.nrevoke;	/* the commit's */

	ck_assert(tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, &r));
	ck_assert_int_eq(top(A2, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_uint_eq(E.nrevoke, n + 1);
	ck_assert_ptr_eq(E.revokes[n].client, A2);
	ck_assert_uint_eq(E.revokes[n].first, r.offset / SLOT);
	ck_assert_uint_eq(E.revokes[n].count, 1);
	ck_assert_uint_eq(E.nscrub, 0);
}
END_TEST

/* ---- free ----------------------------------------------------------------------- */

START_TEST(free_waits_for_last_reference)
{
	struct drm_kvtier_lookup_result r;
	uint64_t h = tput(A1, 1);

	ck_assert(tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, &r));
	ck_assert(tlookup(ADM, 1, 0, NULL) == false);
	ck_assert_int_eq(top(A2, KVTIER_OP_FREE, h, 0), 0);
	/* Out of the namespace at once... */
	ck_assert(!tlookup(A1, 1, 0, NULL));
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), -ENOENT);
	ck_assert_uint_eq(tstats().by_state[KVTIER_STATE_EVICTING], 1);
	/* ...but the memory stays while referenced. */
	ck_assert_uint_eq(tpool_used(), 1);
	ck_assert_int_eq(kvt_slot_access(A2, POOL, r.offset / SLOT), 0);
	ck_assert_uint_eq(E.nscrub, 0);
	ck_assert_uint_eq(tstats().frees, 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_uint_eq(E.nscrub, 0);
	ck_assert_int_eq(top(A2, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_uint_eq(E.nscrub, 1);
	ck_assert_uint_eq(E.scrubs[0].first, r.offset / SLOT);
	ck_assert_uint_eq(E.scrubs[0].count, 1);
	ck_assert_uint_eq(E.scrubs[0].pool_id, POOL);
	/* The last release revokes from everyone, not only the client. */
	ck_assert_ptr_eq(E.revokes[E.nrevoke - 1].client, NULL);
	ck_assert_uint_eq(tpool_used(), 0);
	ck_assert_uint_eq(tusage(TENANT_A), 0);
	ck_assert_uint_eq(tstats().frees, 1);
	ck_assert_uint_eq(E.traces[KVT_TRACE_FREE], 1);
	ck_assert_uint_eq(E.last[KVT_TRACE_FREE].slots, 1);
	/* A new object with that key can come. */
	tput(A1, 1);
}
END_TEST

START_TEST(free_unreferenced_now)
{
	uint64_t h = tput(A1, 1);

	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_int_eq(top(A2, KVTIER_OP_FREE, h, 0), 0);
	ck_assert_uint_eq(E.nscrub, 1);
	ck_assert_uint_eq(tpool_used(), 0);
	ck_assert_uint_eq(tstats().objects, 0);
}
END_TEST

START_TEST(free_permissions)
{
	uint64_t hg, h = tput(A1, 1);

	ck_assert_int_eq(top(B, KVTIER_OP_FREE, h, 0), -ENOENT);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 1), -EINVAL);
	ck_assert_int_eq(talloc_global(ADM, 2, SLOT, &hg), 0);
	ck_assert_int_eq(top(ADM, KVTIER_OP_COMMIT, hg, 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, hg, 0), -EPERM);
	ck_assert_int_eq(top(ADM, KVTIER_OP_FREE, hg, 0), 0);
	/* Admin may free any tenant's object. */
	ck_assert_int_eq(top(ADM, KVTIER_OP_FREE, h, 0), 0);
}
END_TEST

START_TEST(batch_reports_each_item)
{
	struct drm_kvtier_obj_op ops[3];
	uint64_t h1 = tput(A1, 1), h2 = tput(A1, 2);

	memset(ops, 0, sizeof(ops));
	ops[0].handle = h1;
	ops[1].handle = 12345;
	ops[2].handle = h2;
	ck_assert_uint_eq(kvt_obj_batch(A1, KVTIER_OP_RELEASE, ops, 3), 1);
	ck_assert_int_eq(ops[0].result, 0);
	ck_assert_int_eq(ops[1].result, -ENOENT);
	ck_assert_int_eq(ops[2].result, 0);
	ck_assert_uint_eq(kvt_obj_batch(A1, KVTIER_OP_COUNT, ops, 3), 3);
	ck_assert_int_eq(ops[0].result, -EINVAL);
}
END_TEST

/* ---- residency ---------------------------------------------------------------------- */

static struct kvt_client *M;

static void manager_setup(void)
{
	uint64_t q;

	tcore_setup();
	ck_assert_int_eq(kvt_client_open(C, 2, KVT_CLIENT_ADMIN, NULL, &M), 0);
	ck_assert_int_eq(kvt_manager_attach(M, &q), 0);
}

static void manager_teardown(void)
{
	tcore_close(&M);
	tcore_teardown();
}

START_TEST(residency_add_and_drop)
{
	struct drm_kvtier_lookup_result r;
	uint64_t h = tput(A1, 1);

	ck_assert_int_eq(tres(A1, KVTIER_RES_ADD, KVTIER_TIER_DISK, h, 9),
			 -EPERM);
	ck_assert_int_eq(tres(M, KVTIER_RES_ADD, KVTIER_TIER_HOST, h, 9),
			 -EINVAL);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_DEVICE, h, 0),
			 -EINVAL);
	ck_assert_int_eq(tres(M, KVTIER_RES_COUNT, KVTIER_TIER_DISK, h, 0),
			 -EINVAL);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_DISK, h, 0),
			 -ENOENT);
	ck_assert_int_eq(tres(M, KVTIER_RES_ADD, KVTIER_TIER_DISK, h, 9), 0);
	ck_assert(tlookup(A1, 1, 0, &r));
	ck_assert_uint_eq(r.tiers, KVT_TIER_HOST_BIT | KVT_TIER_DISK_BIT);
	/* Referenced by A1: the host copy stays. */
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_HOST, h, 0),
			 -EBUSY);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_HOST, h, 0), 0);
	ck_assert_uint_eq(tpool_used(), 0);
	ck_assert_uint_eq(tusage(TENANT_A), 0);
	ck_assert_uint_eq(E.nscrub, 1);
	ck_assert(tlookup(A1, 1, 0, &r));
	ck_assert_uint_eq(r.tiers, KVT_TIER_DISK_BIT);
	ck_assert_uint_eq(r.offset, 0);
	ck_assert_uint_eq(tstats().by_tier[KVTIER_TIER_HOST], 0);
	ck_assert_uint_eq(tstats().by_tier[KVTIER_TIER_DISK], 1);
	/* Dropping the last copy evicts. */
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_DISK, h, 0), 0);
	ck_assert(!tlookup(A1, 1, 0, NULL));
	ck_assert_uint_eq(tstats().frees, 1);
	ck_assert_uint_eq(tstats().objects, 0);
	ck_assert_uint_eq(E.traces[KVT_TRACE_FREE], 1);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_DISK, h, 0),
			 -ENOENT);
}
END_TEST

START_TEST(residency_drop_last_host_evicts)
{
	uint64_t h = tput(A1, 1);

	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_HOST, h, 0), 0);
	ck_assert(!tlookup(A1, 1, 0, NULL));
	ck_assert_uint_eq(tpool_used(), 0);
	ck_assert_uint_eq(tstats().frees, 1);
}
END_TEST

START_TEST(residency_drop_disk_pinned_busy)
{
	uint64_t h = tput(A1, 1);

	ck_assert_int_eq(tres(M, KVTIER_RES_ADD, KVTIER_TIER_DISK, h, 1), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_DISK), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_DISK, h, 0),
			 -EBUSY);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_DISK), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_DISK, h, 0), 0);
	ck_assert(tlookup(A1, 1, 0, NULL));
}
END_TEST

START_TEST(residency_add_needs_ready)
{
	uint64_t h;

	ck_assert_int_eq(talloc(A1, 1, SLOT, &h), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_ADD, KVTIER_TIER_DISK, h, 1),
			 -EINVAL);
}
END_TEST

START_TEST(residency_add_stale_or_freed_enoent)
{
	uint64_t h = tput(A1, 1), h2 = tput(A1, 2);

	/* Freed and gone: the handle is stale. */
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_ADD, KVTIER_TIER_DISK, h, 5),
			 -ENOENT);
	/* Freed but still referenced (EVICTING): gone for the manager too. */
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h2, 0), 0);
	ck_assert_uint_eq(tstats().by_state[KVTIER_STATE_EVICTING], 1);
	ck_assert_int_eq(tres(M, KVTIER_RES_ADD, KVTIER_TIER_DISK, h2, 5),
			 -ENOENT);
	ck_assert_uint_eq(tstats().by_tier[KVTIER_TIER_DISK], 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_ADD, KVTIER_TIER_DISK, 0, 5),
			 -ENOENT);
}
END_TEST

START_TEST(residency_add_twice_moves_location)
{
	uint64_t h = tput(A1, 1);
	struct drm_kvtier_work_item w;
	uint32_t n = 0;

	ck_assert_int_eq(tres(M, KVTIER_RES_ADD, KVTIER_TIER_DISK, h, 100), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_ADD, KVTIER_TIER_DISK, h, 200), 0);
	/* One copy, counted once. */
	ck_assert_uint_eq(tstats().by_tier[KVTIER_TIER_DISK], 1);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_HOST, h, 0), 0);
	/* A fetch back to HOST reads the later location. */
	ck_assert(tlookup(A1, 1, KVTIER_LOOKUP_ACQUIRE, NULL));
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 0, NULL), 1);
	ck_assert_int_eq(kvt_work_take(M, &w, 1, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(w.src_tier, KVTIER_TIER_DISK);
	ck_assert_uint_eq(w.src_offset, 200);
}
END_TEST

START_TEST(residency_drop_host_busy_while_pinned)
{
	uint64_t h = tput(A1, 1);

	ck_assert_int_eq(tres(M, KVTIER_RES_ADD, KVTIER_TIER_DISK, h, 1), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_HOST, h, 0),
			 -EBUSY);
	/* Unpinned but still referenced: still busy. */
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_HOST, h, 0),
			 -EBUSY);
	ck_assert_uint_eq(tpool_used(), 1);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_HOST, h, 0), 0);
	ck_assert_uint_eq(tpool_used(), 0);
}
END_TEST

Suite *core_object_suite(void)
{
	Suite *s = suite_create("core_object");
	TCase *tc;

	tc = tcase_create("alloc");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, alloc_fills_items);
	tcase_add_test(tc, alloc_eexist_in_batch);
	tcase_add_test(tc, alloc_eexist_against_index);
	tcase_add_test(tc, alloc_enospc_all_or_nothing);
	tcase_add_test(tc, alloc_request_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("commit");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, commit_rules);
	tcase_add_test(tc, release_abandons_writing);
	suite_add_tcase(s, tc);

	tc = tcase_create("pin_release");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, pin_rules);
	tcase_add_test(tc, release_rules);
	tcase_add_test(tc, release_revokes_for_the_client);
	tcase_add_test(tc, batch_reports_each_item);
	suite_add_tcase(s, tc);

	tc = tcase_create("free");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, free_waits_for_last_reference);
	tcase_add_test(tc, free_unreferenced_now);
	tcase_add_test(tc, free_permissions);
	suite_add_tcase(s, tc);

	tc = tcase_create("residency");
	tcase_add_checked_fixture(tc, manager_setup, manager_teardown);
	tcase_add_test(tc, residency_add_and_drop);
	tcase_add_test(tc, residency_drop_last_host_evicts);
	tcase_add_test(tc, residency_drop_disk_pinned_busy);
	tcase_add_test(tc, residency_add_needs_ready);
	tcase_add_test(tc, residency_add_stale_or_freed_enoent);
	tcase_add_test(tc, residency_add_twice_moves_location);
	tcase_add_test(tc, residency_drop_host_busy_while_pinned);
	suite_add_tcase(s, tc);
	return s;
}

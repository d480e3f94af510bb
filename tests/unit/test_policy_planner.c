// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/policy/planner.c: hand-made access records in,
 * victims and writes out. Every pool has 10 slots of 4096 bytes and
 * watermarks of 90%/50%, so a full pool gives back 5 slots.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "kvtd_planner.h"

#define SLOT 4096ull

static struct kvtd_planner *pl;
static struct kvtd_plan_input in;
static struct kvtd_evict_action act[64];
static struct kvtd_evict_summary sum;
static uint64_t now;

static void pool(uint32_t id, enum kvtd_write_mode mode, uint32_t hits)
{
	struct kvtd_planner_pool p = {
		.slot_size = SLOT,
		.slot_count = 10,
		.write = { mode, hits },
	};

	ck_assert_int_eq(kvtd_planner_pool_set(pl, id, &p), 0);
}

static void setup_disk(bool disk)
{
	ck_assert_int_eq(kvtd_planner_create(&kvtd_policy_lru, disk, &pl), 0);
	pool(1, KVTD_WRITE_BACK, 0);
	memset(&in, 0, sizeof(in));
	in.pool_id = 1;
	in.pool_wm = (struct kvtd_watermark){ .high = 900, .low = 500 };
	in.tenant_wm = (struct kvtd_watermark){ .high = 900, .low = 500 };
	now = 1000;
}

static void setup(void)
{
	setup_disk(true);
}

static void teardown(void)
{
	kvtd_planner_destroy(pl);
	pl = NULL;
}

static struct drm_kvtier_access rec(uint16_t type, uint64_t h)
{
	return (struct drm_kvtier_access){
		.time_ns = ++now,
		.key = { .lo = 1000 + h, .hi = 7 },
		.handle = h,
		.tenant_id = 10,
		.pool_id = 1,
		.type = type,
	};
}

static void feed(const struct drm_kvtier_access *a)
{
	ck_assert_int_eq(kvtd_planner_feed(pl, a, 1), 0);
}

/* Where the records put object @h in its pool's mapping. */
static uint64_t offset_of(uint64_t h)
{
	return h * 16 * SLOT;
}

/*
 * ALLOC and COMMIT of object @h: @slots slots, tenant @t, pool @pool, at
 * offset_of(@h), as the driver records them.
 */
static void put_in(uint64_t h, uint64_t slots, uint64_t t, uint32_t pool_id)
{
	struct drm_kvtier_access a = rec(KVTIER_ACCESS_ALLOC, h);

	a.size = slots * SLOT;
	a.tenant_id = t;
	a.pool_id = pool_id;
	a.where.offset = offset_of(h);
	feed(&a);
	a.type = KVTIER_ACCESS_COMMIT;
	a.time_ns = ++now;
	feed(&a);
}

static void put(uint64_t h)
{
	put_in(h, 1, 10, 1);
}

static void hit(uint64_t h)
{
	struct drm_kvtier_access a = rec(KVTIER_ACCESS_HIT, h);

	a.where.lookup.position = 0;
	a.where.lookup.count = 1;
	feed(&a);
}

static int plan(void)
{
	return kvtd_planner_evict(pl, &in, act, 64, &sum);
}

START_TEST(test_below_high)
{
	uint64_t h;

	for (h = 1; h <= 8; h++)
		put(h);
	in.slots_used = 8;
	ck_assert_int_eq(plan(), 0);
	ck_assert_uint_eq(sum.pool_excess, 0);
}
END_TEST

START_TEST(test_lru_order_to_low)
{
	/* Hits out of handle order: the victims follow the hits. */
	static const uint64_t order[10] = { 2, 6, 4, 8, 1, 9, 5, 7, 3, 10 };
	uint64_t h;
	int i;

	for (h = 1; h <= 10; h++)
		put(h);
	for (i = 0; i < 10; i++)
		hit(order[i]);
	in.slots_used = 10;
	/* 10 of 10 >= 90%: down to 50%, so 5 slots. */
	ck_assert_int_eq(plan(), 5);
	ck_assert_uint_eq(sum.pool_excess, 5);
	ck_assert_uint_eq(sum.planned, 5);
	ck_assert_uint_eq(sum.short_by, 0);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(act[i].handle, order[i]);
		ck_assert_uint_eq(act[i].slots, 1);
		ck_assert_uint_eq(act[i].hits, 1);
		ck_assert_uint_eq(act[i].key.lo, 1000 + order[i]);
	}
}
END_TEST

START_TEST(test_kinds)
{
	uint64_t h;

	for (h = 1; h <= 10; h++)
		put(h);
	kvtd_planner_note(pl, 2, KVTD_NOTE_WRITING);
	kvtd_planner_note(pl, 2, KVTD_NOTE_WRITTEN);	/* on disk */
	kvtd_planner_note(pl, 3, KVTD_NOTE_WRITING);	/* being written */
	in.slots_used = 10;
	ck_assert_int_eq(plan(), 5);
	ck_assert_uint_eq(act[0].kind, KVTD_EVICT_WRITE_DROP);	/* back */
	ck_assert_uint_eq(act[1].kind, KVTD_EVICT_DROP);
	ck_assert_uint_eq(act[2].kind, KVTD_EVICT_WAIT_WRITE);
	ck_assert_uint_eq(act[3].kind, KVTD_EVICT_WRITE_DROP);
	ck_assert_str_eq(kvtd_evict_kind_name(act[1].kind), "drop");
	ck_assert_str_eq(kvtd_evict_kind_name(0), "unknown");
}
END_TEST

START_TEST(test_write_policies_at_eviction)
{
	uint64_t h;

	pool(1, KVTD_WRITE_SELECTIVE, 2);
	for (h = 1; h <= 10; h++)
		put(h);
	hit(2);
	hit(2);
	for (h = 3; h <= 10; h++)
		hit(h);
	in.slots_used = 10;
	/* Selective after 2 hits: the cold ones dropped, the hot written. */
	ck_assert_int_eq(plan(), 5);
	ck_assert_uint_eq(act[0].handle, 1);
	ck_assert_uint_eq(act[0].kind, KVTD_EVICT_DROP_POLICY);
	ck_assert_uint_eq(act[1].handle, 2);
	ck_assert_uint_eq(act[1].kind, KVTD_EVICT_WRITE_DROP);
	ck_assert_uint_eq(act[2].handle, 3);
	ck_assert_uint_eq(act[2].kind, KVTD_EVICT_DROP_POLICY);
}
END_TEST

START_TEST(test_no_disk_drops)
{
	uint64_t h;
	int i;

	teardown();
	setup_disk(false);
	pool(1, KVTD_WRITE_THROUGH, 0);
	for (h = 1; h <= 10; h++)
		put(h);
	in.slots_used = 10;
	ck_assert_int_eq(plan(), 5);
	for (i = 0; i < 5; i++)
		ck_assert_uint_eq(act[i].kind, KVTD_EVICT_DROP_POLICY);
	/* Nothing is queued for writing without a disk. */
	ck_assert_uint_eq(kvtd_planner_writes(pl, &h, 1), 0);
}
END_TEST

START_TEST(test_candidates_only)
{
	struct drm_kvtier_access a;
	uint64_t h;
	int i;

	a = rec(KVTIER_ACCESS_ALLOC, 1);	/* never committed */
	a.size = SLOT;
	feed(&a);
	pool(2, KVTD_WRITE_BACK, 0);
	put_in(2, 1, 10, 2);			/* another pool */
	put(3);
	a = rec(KVTIER_ACCESS_FREE, 3);		/* freed */
	feed(&a);
	put(4);
	kvtd_planner_note(pl, 4, KVTD_NOTE_WRITTEN);
	kvtd_planner_note(pl, 4, KVTD_NOTE_DROPPED);	/* only on disk */
	for (h = 5; h <= 10; h++)
		put(h);
	in.slots_used = 10;
	ck_assert_int_eq(plan(), 5);
	for (i = 0; i < 5; i++)
		ck_assert_uint_ge(act[i].handle, 5);
	/* Fewer candidates than needed: it says how short it fell. */
	in.pool_wm.low = 0;
	ck_assert_int_eq(plan(), 1);
	ck_assert_uint_eq(sum.short_by, 4 + 5);
}
END_TEST

START_TEST(test_multi_slot_objects)
{
	put_in(1, 3, 10, 1);
	put_in(2, 2, 10, 1);
	put_in(3, 5, 10, 1);
	in.slots_used = 10;
	/* 5 to free: the 3-slot and the 2-slot object do it. */
	ck_assert_int_eq(plan(), 2);
	ck_assert_uint_eq(act[0].slots, 3);
	ck_assert_uint_eq(act[1].slots, 2);
	ck_assert_uint_eq(sum.planned, 5);
}
END_TEST

START_TEST(test_tenant_from_its_own)
{
	struct drm_kvtier_tenant_usage t[2] = {
		{ .tenant_id = 20, .pool_id = 1, .slots_used = 4, .max_slots = 4 },
		{ .tenant_id = 10, .pool_id = 1, .slots_used = 4,
		  .max_slots = KVTIER_QUOTA_UNLIMITED },
	};
	uint64_t h;

	/* Tenant 10's objects are older, but tenant 20 is over its quota. */
	for (h = 1; h <= 4; h++)
		put_in(h, 1, 10, 1);
	for (h = 5; h <= 8; h++)
		put_in(h, 1, 20, 1);
	in.slots_used = 8;		/* the pool is fine */
	in.tenants = t;
	in.nr_tenants = 2;
	/* 4 of 4: down to 50% of the quota, from tenant 20 only. */
	ck_assert_int_eq(plan(), 2);
	ck_assert_uint_eq(sum.pool_excess, 0);
	ck_assert_uint_eq(sum.tenant_excess, 2);
	ck_assert_uint_eq(act[0].handle, 5);
	ck_assert_uint_eq(act[1].handle, 6);
	ck_assert_uint_eq(act[0].tenant_id, 20);
	kvtd_planner_note(pl, 5, KVTD_NOTE_DROPPED);
	kvtd_planner_note(pl, 6, KVTD_NOTE_DROPPED);
	/* With the pool over too, the rest comes from anyone, oldest first. */
	put(9);
	put(10);
	in.slots_used = 10;
	t[0].slots_used = 4;
	ck_assert_int_eq(plan(), 5);
	ck_assert_uint_eq(act[0].handle, 7);
	ck_assert_uint_eq(act[1].handle, 8);
	ck_assert_uint_eq(act[2].handle, 1);
	ck_assert_uint_eq(act[3].handle, 2);
	ck_assert_uint_eq(act[4].handle, 3);
}
END_TEST

START_TEST(test_busy_once_per_pass_never_lost)
{
	struct kvtd_planner_stats st;
	uint64_t h;
	int i, n;

	for (h = 1; h <= 10; h++)
		put(h);
	kvtd_planner_note(pl, 1, KVTD_NOTE_WRITTEN);
	in.slots_used = 10;
	ck_assert_int_eq(plan(), 5);
	ck_assert_uint_eq(act[0].handle, 1);
	/* 1 is held by a client: -EBUSY. The rest went. */
	ck_assert_int_eq(kvtd_planner_note(pl, 1, KVTD_NOTE_KEPT), 0);
	for (i = 1; i < 5; i++)
		kvtd_planner_note(pl, act[i].handle, KVTD_NOTE_DROPPED);
	kvtd_planner_stats(pl, &st);
	ck_assert_uint_eq(st.parked, 1);
	ck_assert_uint_eq(st.tracked, 5);
	/* The next pass: 1 is a candidate again, named once, as in use. */
	in.slots_used = 10;
	in.pool_wm.low = 0;
	n = plan();
	ck_assert_int_eq(n, 6);
	for (i = 0, h = 0; i < n; i++)
		h += act[i].handle == 1;
	ck_assert_uint_eq(h, 1);
	ck_assert_uint_eq(act[5].handle, 1);
	kvtd_planner_stats(pl, &st);
	ck_assert_uint_eq(st.parked, 0);
}
END_TEST

START_TEST(test_writes_from_the_same_state)
{
	uint64_t w[8];

	pool(1, KVTD_WRITE_THROUGH, 0);
	pool(2, KVTD_WRITE_SELECTIVE, 2);
	pool(3, KVTD_WRITE_BACK, 0);
	put_in(1, 1, 10, 1);		/* through: at commit */
	put_in(2, 1, 10, 2);		/* selective: at its 2nd hit */
	put_in(3, 1, 10, 3);		/* back: never here */
	ck_assert_uint_eq(kvtd_planner_writes(pl, w, 8), 1);
	ck_assert_uint_eq(w[0], 1);
	{
		struct drm_kvtier_obj_record r;

		ck_assert_int_eq(kvtd_planner_record(pl, 1, &r), 0);
		ck_assert_uint_eq(r.offset, offset_of(1));
		ck_assert_uint_eq(r.size, SLOT);
	}
	hit(2);
	hit(3);
	ck_assert_uint_eq(kvtd_planner_writes(pl, w, 8), 0);
	hit(2);
	ck_assert_uint_eq(kvtd_planner_writes(pl, w, 8), 1);
	ck_assert_uint_eq(w[0], 2);
	/* Could not be queued: wanted again later, once. */
	kvtd_planner_note(pl, 2, KVTD_NOTE_WRITE_LATER);
	hit(2);
	ck_assert_uint_eq(kvtd_planner_writes(pl, w, 8), 1);
	kvtd_planner_note(pl, 2, KVTD_NOTE_WRITING);
	hit(2);
	ck_assert_uint_eq(kvtd_planner_writes(pl, w, 8), 0);
	kvtd_planner_note(pl, 2, KVTD_NOTE_WRITTEN);
	hit(2);
	ck_assert_uint_eq(kvtd_planner_writes(pl, w, 8), 0);
	/* Freed while queued: skipped. */
	put_in(4, 1, 10, 1);
	{
		struct drm_kvtier_access a = rec(KVTIER_ACCESS_FREE, 4);

		feed(&a);
	}
	ck_assert_uint_eq(kvtd_planner_writes(pl, w, 8), 0);
}
END_TEST

/*
 * The state kept from records and the state rebuilt from the table give
 * the same plan: the same victims, in the same order, of the same kinds.
 */
START_TEST(test_rebuild_same_choices)
{
	static const uint64_t hits[] = { 4, 2, 7, 2, 9, 1, 4 };
	struct drm_kvtier_obj_record recs[10];
	struct kvtd_evict_action a1[64];
	uint64_t last[11] = { 0 }, nhits[11] = { 0 }, h;
	size_t i;
	int n;

	pool(1, KVTD_WRITE_SELECTIVE, 2);
	for (h = 1; h <= 10; h++) {
		put(h);
		last[h] = now;
	}
	for (i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
		hit(hits[i]);
		last[hits[i]] = now;
		nhits[hits[i]]++;
	}
	kvtd_planner_note(pl, 9, KVTD_NOTE_WRITTEN);
	in.slots_used = 10;
	in.pool_wm.low = 200;
	n = plan();
	ck_assert_int_eq(n, 8);
	memcpy(a1, act, sizeof(a1));

	/* The same objects as OBJ_SCAN would list them, in table order. */
	for (h = 1; h <= 10; h++) {
		struct drm_kvtier_obj_record *r = &recs[10 - h];

		memset(r, 0, sizeof(*r));
		r->key = (struct drm_kvtier_key){ .lo = 1000 + h, .hi = 7 };
		r->handle = h;
		r->tenant_id = 10;
		r->size = SLOT;
		r->last_access_ns = last[h];
		r->hits = nhits[h];
		r->pool_id = 1;
		r->state = KVTIER_STATE_READY;
		r->tiers = KVTIER_TIER_BIT(KVTIER_TIER_HOST) |
			   (h == 9 ? KVTIER_TIER_BIT(KVTIER_TIER_DISK) : 0);
	}
	ck_assert_int_eq(kvtd_planner_load(pl, recs, 10), 0);
	ck_assert_int_eq(plan(), n);
	for (i = 0; i < (size_t)n; i++) {
		ck_assert_uint_eq(act[i].handle, a1[i].handle);
		ck_assert_uint_eq(act[i].kind, a1[i].kind);
		ck_assert_uint_eq(act[i].hits, a1[i].hits);
	}
}
END_TEST

/* What the stream repeats of the table after a load changes nothing. */
START_TEST(test_load_then_replay)
{
	struct drm_kvtier_obj_record r = {
		.key = { .lo = 1001, .hi = 7 },
		.handle = 1,
		.tenant_id = 10,
		.size = SLOT,
		.pool_id = 1,
		.state = KVTIER_STATE_READY,
		.tiers = KVTIER_TIER_BIT(KVTIER_TIER_HOST),
	};
	struct kvtd_planner_stats st;
	uint64_t h;

	ck_assert_int_eq(kvtd_planner_load(pl, &r, 1), 0);
	put(1);				/* ALLOC, COMMIT again */
	for (h = 2; h <= 10; h++)
		put(h);
	kvtd_planner_stats(pl, &st);
	ck_assert_uint_eq(st.objects, 10);
	ck_assert_uint_eq(st.tracked, 10);
	ck_assert(!st.stale);
	in.slots_used = 10;
	ck_assert_int_eq(plan(), 5);
	ck_assert_uint_eq(act[0].handle, 1);
}
END_TEST

/*
 * What a write to disk needs comes from the records: the offset of the
 * HOST copy (ALLOC, COMMIT), the table's at a rebuild, a fetch's.
 */
START_TEST(test_record_offsets)
{
	struct drm_kvtier_obj_record r, t[2];
	struct drm_kvtier_access a;
	uint64_t w[8];

	pool(1, KVTD_WRITE_THROUGH, 0);
	a = rec(KVTIER_ACCESS_ALLOC, 1);
	a.size = 5000;
	a.where.offset = 7 * SLOT;
	feed(&a);
	ck_assert_int_eq(kvtd_planner_record(pl, 1, &r), 0);
	ck_assert_uint_eq(r.handle, 1);
	ck_assert_uint_eq(r.key.lo, 1001);
	ck_assert_uint_eq(r.tenant_id, 10);
	ck_assert_uint_eq(r.pool_id, 1);
	ck_assert_uint_eq(r.size, 5000);
	ck_assert_uint_eq(r.offset, 7 * SLOT);
	ck_assert_uint_eq(r.state, KVTIER_STATE_WRITING);
	a.type = KVTIER_ACCESS_COMMIT;
	feed(&a);
	ck_assert_int_eq(kvtd_planner_writes(pl, w, 8), 1);
	ck_assert_int_eq(kvtd_planner_record(pl, w[0], &r), 0);
	ck_assert_uint_eq(r.offset, 7 * SLOT);
	ck_assert_uint_eq(r.size, 5000);
	ck_assert_uint_eq(r.state, KVTIER_STATE_READY);
	ck_assert_uint_eq(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST));

	/* A COMMIT whose ALLOC was lost is enough on its own. */
	a = rec(KVTIER_ACCESS_COMMIT, 2);
	a.size = 2 * SLOT;
	a.where.offset = 11 * SLOT;
	feed(&a);
	ck_assert_int_eq(kvtd_planner_writes(pl, w, 8), 1);
	ck_assert_uint_eq(w[0], 2);
	ck_assert_int_eq(kvtd_planner_record(pl, 2, &r), 0);
	ck_assert_uint_eq(r.offset, 11 * SLOT);
	ck_assert_uint_eq(r.size, 2 * SLOT);

	/* Rebuilt from the table: the records' offsets. */
	memset(t, 0, sizeof(t));
	t[0].handle = 3;
	t[0].size = SLOT;
	t[0].offset = 5 * SLOT;
	t[0].pool_id = 1;
	t[0].state = KVTIER_STATE_READY;
	t[0].tiers = KVTIER_TIER_BIT(KVTIER_TIER_HOST);
	t[1] = t[0];
	t[1].handle = 4;
	t[1].offset = 0;
	t[1].tiers = KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	ck_assert_int_eq(kvtd_planner_load(pl, t, 2), 0);
	ck_assert_int_eq(kvtd_planner_record(pl, 1, &r), -ENOENT);
	ck_assert_int_eq(kvtd_planner_record(pl, 3, &r), 0);
	ck_assert_uint_eq(r.offset, 5 * SLOT);
	/* A COMMIT seen again after the load is older than the table. */
	a = rec(KVTIER_ACCESS_COMMIT, 3);
	a.size = SLOT;
	a.where.offset = 9 * SLOT;
	feed(&a);
	ck_assert_int_eq(kvtd_planner_record(pl, 3, &r), 0);
	ck_assert_uint_eq(r.offset, 5 * SLOT);
	/* DISK only, then fetched back: where the fetch put it. */
	ck_assert_int_eq(kvtd_planner_record(pl, 4, &r), 0);
	ck_assert_uint_eq(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_DISK));
	ck_assert_uint_eq(r.offset, 0);
	ck_assert_int_eq(kvtd_planner_in_host(pl, 4, 2 * SLOT), 0);
	ck_assert_int_eq(kvtd_planner_record(pl, 4, &r), 0);
	ck_assert_uint_eq(r.offset, 2 * SLOT);
	ck_assert_uint_eq(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST) |
				   KVTIER_TIER_BIT(KVTIER_TIER_DISK));
}
END_TEST

/* A COMMIT repeated after a load does not put a disk-only object back. */
START_TEST(test_replayed_commit_of_evicted)
{
	struct drm_kvtier_obj_record r = {
		.handle = 1,
		.size = SLOT,
		.pool_id = 1,
		.state = KVTIER_STATE_READY,
		.tiers = KVTIER_TIER_BIT(KVTIER_TIER_DISK),
	};
	struct kvtd_planner_stats st;

	ck_assert_int_eq(kvtd_planner_load(pl, &r, 1), 0);
	put(1);
	kvtd_planner_stats(pl, &st);
	ck_assert_uint_eq(st.objects, 1);
	ck_assert_uint_eq(st.tracked, 0);
}
END_TEST

START_TEST(test_residency_notes)
{
	struct kvtd_planner_stats st;
	uint64_t h;

	for (h = 1; h <= 10; h++)
		put(h);
	kvtd_planner_note(pl, 1, KVTD_NOTE_WRITTEN);
	in.slots_used = 10;
	ck_assert_int_eq(plan(), 5);
	/* 1 had a disk copy: known still; 2 had none: gone. */
	kvtd_planner_note(pl, 1, KVTD_NOTE_DROPPED);
	kvtd_planner_note(pl, 2, KVTD_NOTE_DROPPED);
	ck_assert_int_eq(kvtd_planner_note(pl, 2, KVTD_NOTE_KEPT), -ENOENT);
	kvtd_planner_note(pl, 3, KVTD_NOTE_NO_HOST);
	kvtd_planner_stats(pl, &st);
	ck_assert_uint_eq(st.objects, 8);
	ck_assert_uint_eq(st.tracked, 5);
	/* A fetch brings 1 back into HOST: a candidate again, the newest. */
	ck_assert_int_eq(kvtd_planner_in_host(pl, 1, 3 * SLOT), 0);
	ck_assert_int_eq(kvtd_planner_in_host(pl, 2, 3 * SLOT), -ENOENT);
	kvtd_planner_stats(pl, &st);
	ck_assert_uint_eq(st.tracked, 6);
	kvtd_planner_note(pl, 1, KVTD_NOTE_DISK_GONE);
	kvtd_planner_stats(pl, &st);
	ck_assert_uint_eq(st.objects, 8);
}
END_TEST

START_TEST(test_room_and_errors)
{
	uint64_t h;

	for (h = 1; h <= 10; h++)
		put(h);
	in.slots_used = 10;
	ck_assert_int_eq(kvtd_planner_evict(pl, &in, act, 2, &sum), 2);
	ck_assert_uint_eq(sum.short_by, 3);
	in.pool_wm.low = 950;
	ck_assert_int_eq(plan(), -EINVAL);
	in.pool_wm.low = 500;
	in.pool_id = 5;
	ck_assert_int_eq(plan(), -EINVAL);
	ck_assert_int_eq(kvtd_planner_create(NULL, true, &pl), -EINVAL);
}
END_TEST

START_TEST(test_due)
{
	struct kvtd_planner_pool p = { .slot_size = SLOT, .slot_count = 10 };
	struct drm_kvtier_tenant_usage t = {
		.tenant_id = 20, .pool_id = 1, .slots_used = 19, .max_slots = 20,
	};

	in.slots_used = 8;
	ck_assert(!kvtd_planner_due(&in, &p));
	in.slots_used = 9;
	ck_assert(kvtd_planner_due(&in, &p));
	in.slots_used = 1;
	in.tenants = &t;
	in.nr_tenants = 1;
	ck_assert(kvtd_planner_due(&in, &p));
	t.pool_id = 2;
	ck_assert(!kvtd_planner_due(&in, &p));
}
END_TEST

/*
 * A spy policy: LRU underneath, recording what the planner tells it, to
 * check the context of each access (names, places in the prompt).
 */
static struct kvtd_access spy_last_insert, spy_last_miss, spy_last_access;
static int spy_inserts;

static int spy_create(const struct kvtd_policy_params *pp,
		      struct kvtd_policy **out)
{
	return kvtd_policy_lru.create(pp, out);
}

static int spy_access(struct kvtd_policy *p, const struct kvtd_access *a)
{
	spy_last_access = *a;
	return kvtd_policy_lru.on_access(p, a);
}

static int spy_miss(struct kvtd_policy *p, const struct kvtd_access *a)
{
	spy_last_miss = *a;
	return 0;
}

static int spy_insert(struct kvtd_policy *p, const struct kvtd_access *a,
		      uint64_t size)
{
	spy_last_insert = *a;
	spy_inserts++;
	return kvtd_policy_lru.on_insert(p, a, size);
}

static const struct kvtd_policy_ops spy_ops = {
	.name = "spy",
	.create = spy_create,
	.on_access = spy_access,
	.on_miss = spy_miss,
	.on_insert = spy_insert,
};

/*
 * A block that missed at position 3 of 8 and is then stored is inserted
 * with that place; the name it is learnt by is the same for its miss, its
 * insert and its hits, and the same again once it is stored anew under
 * another handle; another tenant's block of the same key has another name.
 */
START_TEST(test_names_and_places)
{
	/* The planner keeps a pointer to its ops until teardown. */
	static struct kvtd_policy_ops ops;
	struct drm_kvtier_access a;
	struct drm_kvtier_key name;

	ops = spy_ops;
	ops.destroy = kvtd_policy_lru.destroy;
	ops.pick_victim = kvtd_policy_lru.pick_victim;
	ops.on_remove = kvtd_policy_lru.on_remove;
	teardown();
	ck_assert_int_eq(kvtd_planner_create(&ops, true, &pl), 0);
	pool(1, KVTD_WRITE_BACK, 0);
	spy_inserts = 0;

	a = rec(KVTIER_ACCESS_MISS, 0);
	a.key = (struct drm_kvtier_key){ .lo = 1001, .hi = 7 };
	a.pool_id = 0;
	a.where.lookup.position = 3;
	a.where.lookup.count = 8;
	feed(&a);
	name = spy_last_miss.name;
	ck_assert(name.lo || name.hi);
	ck_assert_uint_eq(spy_last_miss.position, 3);
	ck_assert_uint_eq(spy_last_miss.count, 8);
	put(1);			/* key 1001, tenant 10 */
	/* Into the pool's instance and the tenant's. */
	ck_assert_int_eq(spy_inserts, 2);
	ck_assert_uint_eq(spy_last_insert.position, 3);
	ck_assert_uint_eq(spy_last_insert.count, 8);
	ck_assert_mem_eq(&spy_last_insert.name, &name, sizeof(name));
	hit(1);
	ck_assert_mem_eq(&spy_last_access.name, &name, sizeof(name));
	ck_assert_mem_eq(&spy_last_access.key, &spy_last_insert.key,
			 sizeof(name));

	/* Gone, then stored again under handle 2: the same name. */
	feed(&(struct drm_kvtier_access){ .type = KVTIER_ACCESS_FREE,
					  .handle = 1, .pool_id = 1,
					  .key = a.key, .tenant_id = 10 });
	a = rec(KVTIER_ACCESS_ALLOC, 2);
	a.key = (struct drm_kvtier_key){ .lo = 1001, .hi = 7 };
	a.size = SLOT;
	feed(&a);
	a.type = KVTIER_ACCESS_COMMIT;
	feed(&a);
	ck_assert_int_eq(spy_inserts, 4);
	ck_assert_mem_eq(&spy_last_insert.name, &name, sizeof(name));
	/* No miss came before this one: its place is unknown. */
	ck_assert_uint_eq(spy_last_insert.count, 0);

	/* Tenant 11's block of the same key is another block. */
	a = rec(KVTIER_ACCESS_ALLOC, 3);
	a.key = (struct drm_kvtier_key){ .lo = 1001, .hi = 7 };
	a.tenant_id = 11;
	a.size = SLOT;
	feed(&a);
	a.type = KVTIER_ACCESS_COMMIT;
	feed(&a);
	ck_assert(memcmp(&spy_last_insert.name, &name, sizeof(name)));
}
END_TEST

/*
 * A pool that goes while its objects are tracked takes its policy
 * instances with it: its objects are no candidates any more (their refs
 * died with the instances), a hit or a free of one is harmless, and a
 * pool set again under the id starts empty and plans from what comes.
 */
START_TEST(test_pool_gone_untracks)
{
	struct kvtd_planner_stats st;
	uint64_t h;

	for (h = 1; h <= 9; h++)
		put(h);
	kvtd_planner_stats(pl, &st);
	ck_assert_uint_eq(st.tracked, 9);
	kvtd_planner_pool_gone(pl, 1);
	kvtd_planner_stats(pl, &st);
	ck_assert_uint_eq(st.tracked, 0);
	pool(1, KVTD_WRITE_BACK, 0);
	in.slots_used = 9;
	ck_assert_int_eq(plan(), 0);	/* nothing to name: all untracked */
	for (h = 20; h <= 28; h++)
		put(h);
	/*
	 * The new objects took the new instances' refs, which the old ones
	 * held in the old instances: a hit on, or the free of, an old object
	 * must touch none of them.
	 */
	hit(3);
	feed(&(struct drm_kvtier_access){ .type = KVTIER_ACCESS_FREE,
					  .handle = 4, .pool_id = 1 });
	/* 9 used, low watermark 5: four go, the new ones, oldest first. */
	ck_assert_int_eq(plan(), 4);
	ck_assert_uint_eq(act[0].handle, 20);
	ck_assert_uint_eq(act[1].handle, 21);
	ck_assert_uint_eq(act[2].handle, 22);
	ck_assert_uint_eq(act[3].handle, 23);
}
END_TEST

Suite *policy_planner_suite(void)
{
	Suite *s = suite_create("policy_planner");
	TCase *tc;

	tc = tcase_create("evict");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_below_high);
	tcase_add_test(tc, test_lru_order_to_low);
	tcase_add_test(tc, test_candidates_only);
	tcase_add_test(tc, test_multi_slot_objects);
	tcase_add_test(tc, test_room_and_errors);
	tcase_add_test(tc, test_due);
	suite_add_tcase(s, tc);

	tc = tcase_create("actions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_write_policies_at_eviction);
	tcase_add_test(tc, test_no_disk_drops);
	tcase_add_test(tc, test_busy_once_per_pass_never_lost);
	tcase_add_test(tc, test_residency_notes);
	suite_add_tcase(s, tc);

	tc = tcase_create("tenants");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tenant_from_its_own);
	suite_add_tcase(s, tc);

	tc = tcase_create("writes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_writes_from_the_same_state);
	tcase_add_test(tc, test_record_offsets);
	suite_add_tcase(s, tc);

	tc = tcase_create("rebuild");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rebuild_same_choices);
	tcase_add_test(tc, test_load_then_replay);
	tcase_add_test(tc, test_replayed_commit_of_evicted);
	tcase_add_test(tc, test_names_and_places);
	tcase_add_test(tc, test_pool_gone_untracks);
	suite_add_tcase(s, tc);
	return s;
}

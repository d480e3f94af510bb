// SPDX-License-Identifier: GPL-2.0
/* kmod/core/kvt_queue.c: fetch, regions, the manager and its work. */
#include <string.h>

#include "test_core_env.h"
#include "test_suites.h"

static struct kvt_client *M;

static void queue_setup_sized(uint32_t max_work)
{
	uint64_t q;

	tcore_setup_sized(4096, max_work, SLOTS);
	ck_assert_int_eq(kvt_client_open(C, 2, KVT_CLIENT_ADMIN, &M, &M), 0);
	ck_assert_int_eq(kvt_manager_attach(M, &q), 0);
	ck_assert_uint_eq(q, 0);
}

static void queue_setup(void)
{
	queue_setup_sized(64);
}

static void small_queue_setup(void)
{
	queue_setup_sized(2);
}

static void queue_teardown(void)
{
	tcore_close(&M);
	tcore_teardown();
}

/* A committed tenant-A object with only a disk copy, referenced by @c. */
static uint64_t disk_obj(struct kvt_client *c, uint64_t keyn, uint64_t loc)
{
	uint64_t h = tput(A1, keyn);

	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	tmake_disk_only(M, h, loc);
	ck_assert(tlookup(c, keyn, KVTIER_LOOKUP_ACQUIRE, NULL));
	return h;
}

static uint32_t take(struct kvt_client *m, struct drm_kvtier_work_item *w,
		     uint32_t room)
{
	uint32_t n = 99;

	ck_assert_int_eq(kvt_work_take(m, w, room, &n), 0);
	return n;
}

static int complete(struct kvt_client *m, uint64_t work_id, int32_t status)
{
	struct drm_kvtier_work_done d = {
		.work_id = work_id, .bytes = SLOT, .status = status,
	};
	uint32_t failed = 0;

	ck_assert_int_eq(kvt_work_complete(m, &d, 1, &failed), 0);
	ck_assert_uint_eq(failed, d.result ? 1 : 0);
	return d.result;
}

static int region(struct kvt_client *c, uint64_t size, uint32_t *id)
{
	struct drm_kvtier_region_register rr = { .size = size, .cookie = 0xc0 };
	int ret;

	ret = kvt_region_register(c, &rr, NULL);
	*id = rr.region_id;
	return ret;
}

/* ---- host ------------------------------------------------------------------ */

START_TEST(fetch_resident_pins_now)
{
	uint64_t h = tput(A1, 1);
	uint32_t pending;

	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 0, &pending), 0);
	ck_assert_uint_eq(pending, 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), -EBUSY);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_uint_eq(E.nevents, 0);
	ck_assert_uint_eq(tstats().fetches, 1);
	ck_assert_uint_eq(tstats().work_queued, 0);
	ck_assert(!kvt_work_available(C));
}
END_TEST

START_TEST(fetch_item_errors)
{
	uint64_t hw, h = tput(A1, 1);

	ck_assert_int_eq(tfetch(A2, h, KVTIER_TIER_HOST, 0, 0, NULL), -EACCES);
	ck_assert_int_eq(tfetch(B, h, KVTIER_TIER_HOST, 0, 0, NULL), -ENOENT);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_DISK, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(tfetch(A1, h, 7, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 1, 0, NULL), -EINVAL);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 8, NULL), -EINVAL);
	ck_assert_int_eq(talloc(A1, 2, SLOT, &hw), 0);
	ck_assert_int_eq(tfetch(A1, hw, KVTIER_TIER_HOST, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(tfetch(A1, 77, KVTIER_TIER_HOST, 0, 0, NULL), -ENOENT);
	ck_assert_uint_eq(tstats().fetches, 0);
}
END_TEST

START_TEST(fetch_request_errors)
{
	struct drm_kvtier_fetch_item it = { 0 };
	struct drm_kvtier_fetch req = { .count = 0 };

	ck_assert_int_eq(kvt_fetch(A1, &req, &it), -EINVAL);
	req.count = KVTIER_MAX_BATCH + 1;
	ck_assert_int_eq(kvt_fetch(A1, &req, &it), -EINVAL);
	req.count = 1;
	req.flags = 1;
	ck_assert_int_eq(kvt_fetch(A1, &req, &it), -EINVAL);
}
END_TEST

START_TEST(fetch_from_disk_completes)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_work_item w[4];
	uint64_t h = disk_obj(A1, 1, 777);
	struct drm_kvtier_stats st;
	struct kvt_trace_rec q;
	uint32_t pending;

	ck_assert_uint_eq(tusage(TENANT_A), 0);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 0, &pending), 1);
	/* Slots are taken and charged when the work is queued. */
	ck_assert_uint_eq(tusage(TENANT_A), 1);
	ck_assert(kvt_work_available(C));
	ck_assert_uint_eq(E.nqueued, 1);
	ck_assert_uint_eq(E.traces[KVT_TRACE_FETCH_QUEUED], 1);
	/* Traced before the manager could see the work: never after. */
	ck_assert_uint_eq(E.nqueued_at_fetch_trace, 0);
	q = E.last[KVT_TRACE_FETCH_QUEUED];
	ck_assert_uint_eq(q.src_tier, KVTIER_TIER_DISK);
	ck_assert_uint_eq(q.tier, KVTIER_TIER_HOST);
	ck_assert_uint_eq(q.pool_id, POOL);
	ck_assert_uint_eq(q.tenant_id, TENANT_A);
	/* The client's first fetch, and the client's number above it. */
	ck_assert_uint_eq((uint32_t)q.fetch_id, 1);
	ck_assert_uint_ne(q.fetch_id >> 32, 0);
	ck_assert_uint_eq(tstats().work_pending, 1);

	ck_assert_uint_eq(take(M, w, 4), 1);
	ck_assert(!kvt_work_available(C));
	ck_assert_uint_eq(w[0].handle, h);
	ck_assert_uint_eq(w[0].op, KVTIER_WORK_FETCH);
	ck_assert_uint_eq(w[0].src_tier, KVTIER_TIER_DISK);
	ck_assert_uint_eq(w[0].src_offset, 777);
	ck_assert_uint_eq(w[0].dst_tier, KVTIER_TIER_HOST);
	ck_assert_uint_eq(w[0].dst_offset % SLOT, 0);
	ck_assert_uint_eq(w[0].size, SLOT);
	ck_assert_uint_eq(w[0].tenant_id, TENANT_A);
	ck_assert_uint_eq(w[0].pool_id, POOL);
	ck_assert_uint_eq(w[0].key.lo, tkey(1).lo);
	ck_assert_uint_eq(E.traces[KVT_TRACE_WORK_DISPATCHED], 1);
	ck_assert_uint_eq(q.work_id, w[0].work_id);
	ck_assert_uint_eq(E.last[KVT_TRACE_WORK_DISPATCHED].work_id,
			  w[0].work_id);
	ck_assert_uint_eq(E.last[KVT_TRACE_WORK_DISPATCHED].fetch_id,
			  q.fetch_id);
	ck_assert_uint_eq(E.last[KVT_TRACE_WORK_DISPATCHED].src_tier,
			  KVTIER_TIER_DISK);
	ck_assert_uint_eq(E.traces[KVT_TRACE_FETCH_DONE], 0);
	/* Not resident yet. */
	ck_assert(tlookup(A1, 1, 0, &r));
	ck_assert_uint_eq(r.tiers, KVT_TIER_DISK_BIT);
	ck_assert_uint_eq(E.nevents, 0);

	ck_assert_int_eq(complete(M, w[0].work_id, 0), 0);
	ck_assert_uint_eq(E.nevents, 1);
	ck_assert_ptr_eq(E.events[0].priv, &A1);
	ck_assert_uint_eq(E.events[0].ev.base.type,
			  DRM_KVTIER_EVENT_FETCH_DONE);
	ck_assert_uint_eq(E.events[0].ev.base.length,
			  sizeof(struct drm_kvtier_event_fetch));
	ck_assert_uint_eq(E.events[0].ev.user_data, 77);
	ck_assert_uint_eq(E.events[0].ev.completed, 1);
	ck_assert_uint_eq(E.events[0].ev.failed, 0);
	ck_assert_int_eq(E.events[0].ev.status, 0);
	ck_assert(tlookup(A1, 1, 0, &r));
	ck_assert_uint_eq(r.tiers, KVT_TIER_DISK_BIT | KVT_TIER_HOST_BIT);
	ck_assert_uint_eq(r.offset, w[0].dst_offset);
	/* The client holds a HOST pin now. */
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), -EBUSY);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	st = tstats();
	ck_assert_uint_eq(st.work_queued, 1);
	ck_assert_uint_eq(st.work_dispatched, 1);
	ck_assert_uint_eq(st.work_completed, 1);
	ck_assert_uint_eq(st.work_pending, 0);
	ck_assert_uint_eq(st.bytes_moved, SLOT);
	ck_assert_uint_eq(E.traces[KVT_TRACE_WORK_COMPLETED], 1);
	ck_assert_uint_eq(E.last[KVT_TRACE_WORK_COMPLETED].value, SLOT);
	ck_assert_uint_eq(E.last[KVT_TRACE_WORK_COMPLETED].fetch_id,
			  q.fetch_id);
	/* The fetch item's own end, paired with its FETCH_QUEUED. */
	ck_assert_uint_eq(E.traces[KVT_TRACE_FETCH_DONE], 1);
	ck_assert_uint_eq(E.last[KVT_TRACE_FETCH_DONE].fetch_id, q.fetch_id);
	ck_assert_uint_eq(E.last[KVT_TRACE_FETCH_DONE].work_id, q.work_id);
	ck_assert_int_eq(E.last[KVT_TRACE_FETCH_DONE].status, 0);
	ck_assert_int_eq(complete(M, w[0].work_id, 0), -ENOENT);
}
END_TEST

START_TEST(fetch_failure_frees_slots)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_work_item w;
	uint64_t h = disk_obj(A1, 1, 5);

	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 0, NULL), 1);
	ck_assert_uint_eq(tpool_used(), 1);
	ck_assert_uint_eq(take(M, &w, 1), 1);
	ck_assert_int_eq(complete(M, w.work_id, -EIO), 0);
	ck_assert_uint_eq(tpool_used(), 0);
	ck_assert_uint_eq(tusage(TENANT_A), 0);
	ck_assert_uint_eq(E.nevents, 1);
	ck_assert_uint_eq(E.events[0].ev.completed, 0);
	ck_assert_uint_eq(E.events[0].ev.failed, 1);
	ck_assert_int_eq(E.events[0].ev.status, -EIO);
	ck_assert_uint_eq(E.traces[KVT_TRACE_FETCH_DONE], 1);
	ck_assert_int_eq(E.last[KVT_TRACE_FETCH_DONE].status, -EIO);
	ck_assert(tlookup(A1, 1, 0, &r));
	ck_assert_uint_eq(r.tiers, KVT_TIER_DISK_BIT);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST),
			 -EINVAL);
	/* Positive statuses are not errnos. */
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 0, NULL), 1);
	ck_assert_uint_eq(take(M, &w, 1), 1);
	ck_assert_int_eq(complete(M, w.work_id, 5), -EINVAL);
	/* Nor are statuses past the last errno (4095): still dispatched. */
	ck_assert_int_eq(complete(M, w.work_id, -4096), -EINVAL);
	ck_assert_int_eq(complete(M, w.work_id, INT32_MIN), -EINVAL);
	ck_assert_int_eq(complete(M, w.work_id, 0), 0);
}
END_TEST

START_TEST(fetch_of_disk_only_quota)
{
	struct drm_kvtier_tenant_quota q = {
		.tenant_id = TENANT_A, .pool_id = POOL, .max_slots = 0,
	};
	uint64_t h = disk_obj(A1, 1, 5);

	ck_assert_int_eq(kvt_tenant_set_quota(ADM, &q), 0);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 0, NULL), -EDQUOT);
	ck_assert(!kvt_work_available(C));
}
END_TEST

START_TEST(two_fetches_share_work)
{
	struct drm_kvtier_work_item w[2];
	uint64_t h = disk_obj(A1, 1, 5);
	struct kvt_trace_rec q;
	unsigned int i;

	ck_assert(tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, NULL));
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 0, NULL), 1);
	ck_assert_int_eq(tfetch(A2, h, KVTIER_TIER_HOST, 0, 0, NULL), 1);
	ck_assert_uint_eq(tpool_used(), 1);
	ck_assert_uint_eq(take(M, w, 2), 1);
	ck_assert_uint_eq(tstats().work_queued, 1);
	/* Each fetch item is traced, the one piece of work once. */
	ck_assert_uint_eq(E.traces[KVT_TRACE_FETCH_QUEUED], 2);
	ck_assert_uint_eq(E.traces[KVT_TRACE_WORK_DISPATCHED], 1);
	q = E.last[KVT_TRACE_FETCH_QUEUED];
	ck_assert_uint_eq(q.work_id, w[0].work_id);
	ck_assert_int_eq(complete(M, w[0].work_id, 0), 0);
	ck_assert_uint_eq(E.traces[KVT_TRACE_WORK_COMPLETED], 1);
	ck_assert_uint_eq(E.traces[KVT_TRACE_FETCH_DONE], 2);
	/* A1 and A2 both had their first fetch: their numbers differ. */
	ck_assert_uint_ne(E.last[KVT_TRACE_WORK_COMPLETED].fetch_id,
			  q.fetch_id);
	ck_assert_uint_eq((uint32_t)q.fetch_id,
			  (uint32_t)E.last[KVT_TRACE_WORK_COMPLETED].fetch_id);
	ck_assert_uint_eq(E.nevents, 2);
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(E.events[i].ev.completed, 1);
		ck_assert(E.events[i].priv == &A1 || E.events[i].priv == &A2);
	}
	ck_assert_ptr_ne(E.events[0].priv, E.events[1].priv);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	ck_assert_int_eq(top(A2, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
}
END_TEST

/* A batch mixing resident, queued and refused items. */
START_TEST(fetch_batch_mixed)
{
	uint64_t hd = disk_obj(A1, 1, 5), hr = tput(A1, 2);
	struct drm_kvtier_fetch_item it[3] = {
		{ .handle = hr, .tier = KVTIER_TIER_HOST },
		{ .handle = hd, .tier = KVTIER_TIER_HOST },
		{ .handle = 99, .tier = KVTIER_TIER_HOST },
	};
	struct drm_kvtier_fetch req = { .count = 3, .user_data = 5 };
	struct drm_kvtier_work_item w;

	ck_assert_int_eq(kvt_fetch(A1, &req, it), 0);
	ck_assert_int_eq(it[0].result, 0);
	ck_assert_int_eq(it[1].result, 1);
	ck_assert_int_eq(it[2].result, -ENOENT);
	ck_assert_uint_eq(req.pending, 1);
	ck_assert_uint_eq(req.failed, 1);
	ck_assert_uint_eq(take(M, &w, 1), 1);
	ck_assert_int_eq(complete(M, w.work_id, 0), 0);
	ck_assert_uint_eq(E.nevents, 1);
	ck_assert_uint_eq(E.events[0].ev.fetch_id, req.fetch_id);
	ck_assert_uint_eq(E.events[0].ev.completed, 1);
	ck_assert_uint_eq(E.events[0].ev.user_data, 5);
}
END_TEST

/* ---- device ---------------------------------------------------------------- */

START_TEST(region_rules)
{
	uint32_t id, id2;

	ck_assert_int_eq(region(A1, 0, &id), -EINVAL);
	ck_assert_int_eq(region(A1, 4 * SLOT, &id), 0);
	ck_assert_int_eq(region(A2, 4 * SLOT, &id2), 0);
	ck_assert_uint_ne(id, id2);
	ck_assert_int_eq(kvt_region_unregister(A2, id), -ENOENT);
	ck_assert_int_eq(kvt_region_unregister(A1, id), 0);
	ck_assert_int_eq(kvt_region_unregister(A1, id), -ENOENT);
	ck_assert_int_eq(kvt_region_unregister(A1, 0), -ENOENT);
	ck_assert_int_eq(kvt_region_unregister(A1, KVTIER_MAX_REGIONS + 1),
			 -ENOENT);
}
END_TEST

START_TEST(fetch_to_device)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_work_item w;
	uint64_t h = tput(A1, 1);
	uint32_t id, id2;

	ck_assert_int_eq(region(A1, 2 * SLOT, &id), 0);
	ck_assert_int_eq(region(A2, 2 * SLOT, &id2), 0);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_DEVICE, id2, 0, NULL),
			 -ENOENT);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_DEVICE, 0, 0, NULL),
			 -ENOENT);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_DEVICE, id, SLOT + 1, NULL),
			 -EINVAL);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_DEVICE, id, ~0ull, NULL),
			 -EINVAL);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_DEVICE, id, SLOT, NULL), 1);
	/* HOST is pinned for the transfer. */
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), -EBUSY);
	ck_assert_uint_eq(take(M, &w, 1), 1);
	ck_assert_uint_eq(w.src_tier, KVTIER_TIER_HOST);
	ck_assert_uint_eq(w.dst_tier, KVTIER_TIER_DEVICE);
	ck_assert_uint_eq(w.dst_offset, SLOT);
	ck_assert_uint_eq(w.region_id, id);
	ck_assert_uint_eq(w.region_cookie, 0xc0);
	ck_assert_int_eq(complete(M, w.work_id, 0), 0);
	ck_assert_uint_eq(E.nevents, 1);
	ck_assert_uint_eq(E.events[0].ev.completed, 1);
	ck_assert(tlookup(A1, 1, 0, &r));
	ck_assert_uint_eq(r.tiers, KVT_TIER_HOST_BIT | KVT_TIER_DEVICE_BIT);
	ck_assert_uint_eq(tstats().by_tier[KVTIER_TIER_DEVICE], 1);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), -EBUSY);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_DEVICE), 0);
	ck_assert(tlookup(A1, 1, 0, &r));
	ck_assert_uint_eq(r.tiers, KVT_TIER_HOST_BIT);
	ck_assert_uint_eq(tstats().by_tier[KVTIER_TIER_DEVICE], 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
}
END_TEST

START_TEST(fetch_to_device_from_disk)
{
	struct drm_kvtier_work_item w;
	uint64_t h = disk_obj(A1, 1, 4242);
	uint32_t id;

	ck_assert_int_eq(region(A1, SLOT, &id), 0);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_DEVICE, id, 0, NULL), 1);
	ck_assert_uint_eq(take(M, &w, 1), 1);
	ck_assert_uint_eq(w.src_tier, KVTIER_TIER_DISK);
	ck_assert_uint_eq(w.src_offset, 4242);
	/* The disk copy is being read. */
	ck_assert_int_eq(tres(M, KVTIER_RES_DROP, KVTIER_TIER_DISK, h, 0),
			 -EBUSY);
	ck_assert_int_eq(complete(M, w.work_id, 0), 0);
	ck_assert_uint_eq(E.events[0].ev.completed, 1);
}
END_TEST

/* Work a manager holds when its region goes fails at completion. */
START_TEST(device_region_gone_fails)
{
	struct drm_kvtier_work_item w;
	uint64_t h = tput(A1, 1);
	uint32_t id;

	ck_assert_int_eq(region(A1, SLOT, &id), 0);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_DEVICE, id, 0, NULL), 1);
	ck_assert_uint_eq(take(M, &w, 1), 1);
	ck_assert_int_eq(kvt_region_unregister(A1, id), 0);
	ck_assert_uint_eq(E.nevents, 0);
	ck_assert_int_eq(complete(M, w.work_id, 0), 0);
	ck_assert_uint_eq(E.nevents, 1);
	ck_assert_uint_eq(E.events[0].ev.failed, 1);
	ck_assert_int_eq(E.events[0].ev.status, -ENOENT);
	ck_assert_uint_eq(tstats().by_tier[KVTIER_TIER_DEVICE], 0);
	/* The transfer pin is gone too. */
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
}
END_TEST

/*
 * Work still queued when its region goes is cancelled there and then: no
 * manager ever sees it, its fetch fails, its transfer pin is dropped.
 */
START_TEST(device_region_gone_cancels_queued)
{
	struct drm_kvtier_work_item w;
	uint64_t h = tput(A1, 1), h2 = tput(A1, 2);
	uint32_t id, id2;

	ck_assert_int_eq(region(A1, SLOT, &id), 0);
	ck_assert_int_eq(region(A1, SLOT, &id2), 0);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_DEVICE, id, 0, NULL), 1);
	ck_assert_int_eq(tfetch(A1, h2, KVTIER_TIER_DEVICE, id2, 0, NULL), 1);
	ck_assert_int_eq(kvt_region_unregister(A1, id), 0);
	ck_assert_uint_eq(E.nevents, 1);
	ck_assert_uint_eq(E.events[0].ev.failed, 1);
	ck_assert_int_eq(E.events[0].ev.status, -ENOENT);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
	/* The other region's work is still there, and only it. */
	ck_assert_uint_eq(take(M, &w, 1), 1);
	ck_assert_uint_eq(w.region_id, id2);
	ck_assert_uint_eq(take(M, &w, 1), 0);
	ck_assert_uint_eq(tstats().work_completed, 1);
}
END_TEST

/*
 * A client that closes with DEVICE work queued leaks nothing: the work is
 * cancelled with its regions, and the object it pinned can be freed.
 */
START_TEST(client_close_cancels_device_work)
{
	struct drm_kvtier_work_item w;
	uint64_t h = tput(A1, 1);
	uint32_t id;

	ck_assert(tlookup(A2, 1, KVTIER_LOOKUP_ACQUIRE, NULL));
	ck_assert_int_eq(region(A2, SLOT, &id), 0);
	ck_assert_int_eq(tfetch(A2, h, KVTIER_TIER_DEVICE, id, 0, NULL), 1);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), -EBUSY);
	tcore_close(&A2);
	ck_assert_uint_eq(E.nevents, 0);
	ck_assert_uint_eq(take(M, &w, 1), 0);
	ck_assert_uint_eq(tstats().work_pending, 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
}
END_TEST

/*
 * A region id given again after an unregister names another region: its
 * generation differs, and the old generation cannot open it.
 */
START_TEST(region_id_reuse_new_generation)
{
	struct drm_kvtier_region_get_fd out;
	struct drm_kvtier_work_item w;
	uint64_t h = tput(A1, 1);
	uint32_t id, id2, gen;
	void *file;

	ck_assert_int_eq(region(A1, SLOT, &id), 0);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_DEVICE, id, 0, NULL), 1);
	ck_assert_uint_eq(take(M, &w, 1), 1);
	gen = w.region_gen;
	ck_assert_uint_ne(gen, 0);
	ck_assert_int_eq(kvt_region_unregister(A1, id), 0);
	ck_assert_int_eq(region(B, SLOT, &id2), 0);
	ck_assert_uint_eq(id2, id);

	memset(&out, 0, sizeof(out));
	out.region_id = id;
	out.gen = gen;
	ck_assert_int_eq(kvt_region_get_file(M, &out, &file), -ESTALE);
	out.gen = 0;
	ck_assert_int_eq(kvt_region_get_file(M, &out, &file), -ENODEV);
	ck_assert_int_eq(complete(M, w.work_id, 0), 0);
	ck_assert_int_eq(E.events[0].ev.status, -ENOENT);
}
END_TEST

/* ---- region files ------------------------------------------------------------- */

/* A stand-in for the environment's file: the core only counts on it. */
struct tfile {
	int refs;
	int puts;
};

static void tfile_get(void *env, void *file)
{
	((struct tfile *)file)->refs++;
}

static void tfile_put(void *env, void *file)
{
	((struct tfile *)file)->refs--;
	((struct tfile *)file)->puts++;
}

/*
 * The files regions hold: static, since the fixture's teardown closes the
 * clients (and puts their regions' files) after the test returned.
 */
static struct tfile f1, f2, f3;

static void files_setup(void)
{
	queue_setup();
	C->ops.region_get = tfile_get;
	C->ops.region_put = tfile_put;
	memset(&f1, 0, sizeof(f1));
	memset(&f2, 0, sizeof(f2));
	memset(&f3, 0, sizeof(f3));
	f1.refs = f2.refs = f3.refs = 1;
}

/* Registers a region of @kind holding @f (which holds one reference). */
static int fregion(struct kvt_client *c, uint32_t kind, struct tfile *f,
		   uint32_t *id)
{
	struct drm_kvtier_region_register rr = {
		.size = 3 * SLOT, .cookie = 0xf11e, .fd = 5, .kind = kind,
	};
	int ret;

	ret = kvt_region_register(c, &rr, f);
	*id = rr.region_id;
	return ret;
}

static int get_file(struct kvt_client *c, uint32_t id,
		    struct drm_kvtier_region_get_fd *out, struct tfile **f)
{
	void *file = (void *)1;
	int ret;

	memset(out, 0, sizeof(*out));
	out->region_id = id;
	ret = kvt_region_get_file(c, out, &file);
	*f = file;
	return ret;
}

START_TEST(region_file_kinds)
{
	struct tfile *f = &f1;
	uint32_t id;

	ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_NONE, f, &id),
			 -EINVAL);
	ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_MEMFD, NULL, &id),
			 -EINVAL);
	ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_CUDA_VMM, NULL, &id),
			 -EINVAL);
	ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_COUNT, f, &id),
			 -EINVAL);
	ck_assert_int_eq(f->refs, 1);
	ck_assert_int_eq(f->puts, 0);
	ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_CUDA_VMM, f, &id), 0);
	/* The caller's reference became the region's: nothing taken. */
	ck_assert_int_eq(f->refs, 1);
}
END_TEST

START_TEST(region_get_file_rules)
{
	struct drm_kvtier_region_get_fd out;
	struct tfile *f = &f1, *got;
	uint32_t id, none;

	ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_MEMFD, f, &id), 0);
	ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_NONE, NULL, &none), 0);
	ck_assert_int_eq(get_file(A1, id, &out, &got), -EPERM);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(get_file(ADM, id, &out, &got), -EPERM);
	ck_assert_int_eq(get_file(M, none, &out, &got), -ENODEV);
	ck_assert_int_eq(get_file(M, 0, &out, &got), -ENOENT);
	ck_assert_int_eq(get_file(M, KVTIER_MAX_REGIONS + 1, &out, &got),
			 -ENOENT);
	ck_assert_int_eq(get_file(M, KVTIER_MAX_REGIONS, &out, &got), -ENOENT);
	memset(&out, 0, sizeof(out));
	out.region_id = id;
	out.flags = 1;
	ck_assert_int_eq(kvt_region_get_file(M, &out, (void **)&got), -EINVAL);
	out.flags = 0;
	out.pad = 1;
	ck_assert_int_eq(kvt_region_get_file(M, &out, (void **)&got), -EINVAL);
	out.pad = 0;
	out.gen = 12345;
	ck_assert_int_eq(kvt_region_get_file(M, &out, (void **)&got), -ESTALE);
	ck_assert_int_eq(f->refs, 1);

	ck_assert_int_eq(get_file(M, id, &out, &got), 0);
	ck_assert_ptr_eq(got, f);
	ck_assert_int_eq(f->refs, 2);
	ck_assert_uint_eq(out.size, 3 * SLOT);
	ck_assert_uint_eq(out.cookie, 0xf11e);
	ck_assert_uint_eq(out.tenant_id, TENANT_A);
	ck_assert_uint_eq(out.kind, KVTIER_REGION_KIND_MEMFD);
	ck_assert_uint_ne(out.gen, 0);
	/* The manager's reference is its own to drop. */
	tfile_put(NULL, got);
	ck_assert_int_eq(f->puts, 1);
	/* Opening by the generation just seen works. */
	out.region_id = id;
	ck_assert_int_eq(kvt_region_get_file(M, &out, (void **)&got), 0);
	tfile_put(NULL, got);
}
END_TEST

START_TEST(region_unregister_puts_file)
{
	struct drm_kvtier_region_get_fd out;
	struct tfile *f = &f1, *got;
	uint32_t id;

	ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_MEMFD, f, &id), 0);
	ck_assert_int_eq(kvt_region_unregister(A2, id), -ENOENT);
	ck_assert_int_eq(f->refs, 1);
	ck_assert_int_eq(kvt_region_unregister(A1, id), 0);
	ck_assert_int_eq(f->refs, 0);
	ck_assert_int_eq(f->puts, 1);
	ck_assert_int_eq(get_file(M, id, &out, &got), -ENOENT);
	ck_assert_int_eq(kvt_region_unregister(A1, id), -ENOENT);
	ck_assert_int_eq(f->puts, 1);
}
END_TEST

START_TEST(region_close_puts_files)
{
	struct drm_kvtier_region_get_fd out;
	uint32_t id1, id2, idn, id3, again;
	struct tfile *got;

	ck_assert_int_eq(fregion(A2, KVTIER_REGION_KIND_MEMFD, &f1, &id1), 0);
	ck_assert_int_eq(fregion(A2, KVTIER_REGION_KIND_NONE, NULL, &idn), 0);
	ck_assert_int_eq(fregion(A2, KVTIER_REGION_KIND_CUDA_VMM, &f2, &id2),
			 0);
	ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_MEMFD, &f3, &id3), 0);
	tcore_close(&A2);
	ck_assert_int_eq(f1.refs, 0);
	ck_assert_int_eq(f2.refs, 0);
	ck_assert_int_eq(f1.puts + f2.puts, 2);
	/* Another client's region stays. */
	ck_assert_int_eq(f3.refs, 1);
	ck_assert_int_eq(get_file(M, id1, &out, &got), -ENOENT);
	ck_assert_int_eq(get_file(M, id2, &out, &got), -ENOENT);
	ck_assert_int_eq(get_file(M, idn, &out, &got), -ENOENT);
	/* The lowest id is free again. */
	ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_NONE, NULL, &again), 0);
	ck_assert_uint_eq(again, id1 < idn ? id1 : idn);
}
END_TEST

START_TEST(region_full_keeps_callers_file)
{
	struct tfile *f = &f1;
	uint32_t i, id;

	for (i = 0; i < KVTIER_MAX_REGIONS; i++)
		ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_NONE, NULL,
					 &id), 0);
	ck_assert_int_eq(fregion(A1, KVTIER_REGION_KIND_MEMFD, f, &id),
			 -ENOSPC);
	ck_assert_int_eq(f->refs, 1);
	ck_assert_int_eq(f->puts, 0);
}
END_TEST

/* ---- manager ------------------------------------------------------------------ */

START_TEST(manager_only)
{
	struct drm_kvtier_work_item w;
	struct drm_kvtier_work_done d = { .work_id = 1 };
	uint32_t n, failed;
	uint64_t q;

	ck_assert_int_eq(kvt_work_take(ADM, &w, 1, &n), -EPERM);
	ck_assert_int_eq(kvt_work_complete(ADM, &d, 1, &failed), -EPERM);
	ck_assert_int_eq(kvt_manager_attach(ADM, &q), -EBUSY);
	ck_assert_int_eq(kvt_manager_attach(M, &q), 0);
	ck_assert_int_eq(complete(M, 1, 0), -ENOENT);
	ck_assert_int_eq(complete(M, (5ull << 32) | 99999, 0), -ENOENT);
	ck_assert_uint_eq(take(M, &w, 1), 0);
}
END_TEST

START_TEST(manager_close_requeues_in_order)
{
	struct drm_kvtier_work_item w[3], w2[3];
	struct kvt_client *m2;
	uint64_t h[3], q;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		h[i] = disk_obj(A1, i + 1, 100 + i);
		ck_assert_int_eq(tfetch(A1, h[i], KVTIER_TIER_HOST, 0, 0, NULL),
				 1);
	}
	ck_assert_uint_eq(take(M, w, 2), 2);
	ck_assert_uint_eq(w[0].handle, h[0]);
	ck_assert_uint_eq(w[1].handle, h[1]);
	tcore_close(&M);
	ck_assert_uint_eq(tstats().work_pending, 3);
	ck_assert_int_eq(kvt_client_open(C, 3, KVT_CLIENT_ADMIN, NULL, &m2), 0);
	ck_assert_int_eq(kvt_manager_attach(m2, &q), 0);
	ck_assert_uint_eq(q, 3);
	ck_assert_uint_eq(take(m2, w2, 3), 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(w2[i].handle, h[i]);
		ck_assert_int_eq(complete(m2, w2[i].work_id, 0), 0);
	}
	ck_assert_uint_eq(E.nevents, 3);
	ck_assert_uint_eq(tstats().work_pending, 0);
	kvt_client_close(m2);
}
END_TEST

START_TEST(untake_requeues_in_order)
{
	struct drm_kvtier_work_item w[3], last, w2[3];
	uint64_t h[3];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		h[i] = disk_obj(A1, i + 1, 100 + i);
		ck_assert_int_eq(tfetch(A1, h[i], KVTIER_TIER_HOST, 0, 0, NULL),
				 1);
	}
	ck_assert_uint_eq(take(M, w, 2), 2);
	/* Not dispatched to ADM: nothing moves. */
	kvt_work_untake(ADM, w, 2);
	ck_assert_uint_eq(take(M, &last, 1), 1);
	ck_assert_uint_eq(last.handle, h[2]);
	kvt_work_untake(M, w, 2);
	/* Queued again already: the second give-back is skipped. */
	kvt_work_untake(M, w, 2);
	ck_assert_uint_eq(tstats().work_pending, 3);
	ck_assert_uint_eq(take(M, w2, 3), 2);
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(w2[i].handle, h[i]);
		ck_assert_uint_eq(w2[i].work_id, w[i].work_id);
		ck_assert_int_eq(complete(M, w2[i].work_id, 0), 0);
	}
	ck_assert_int_eq(complete(M, last.work_id, 0), 0);
	/* Completed: gone for good, a give-back finds nothing. */
	kvt_work_untake(M, &last, 1);
	ck_assert_uint_eq(take(M, w2, 3), 0);
	ck_assert_uint_eq(E.nevents, 3);
	ck_assert_uint_eq(tstats().work_pending, 0);
}
END_TEST

START_TEST(no_event_after_client_close)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_work_item w;
	uint64_t h = disk_obj(A2, 1, 5);

	ck_assert_int_eq(tfetch(A2, h, KVTIER_TIER_HOST, 0, 0, NULL), 1);
	tcore_close(&A2);
	ck_assert_uint_eq(take(M, &w, 1), 1);
	ck_assert_int_eq(complete(M, w.work_id, 0), 0);
	ck_assert_uint_eq(E.nevents, 0);
	/* The work still ran: the object is resident and unpinned. */
	ck_assert(tlookup(A1, 1, 0, &r));
	ck_assert_uint_eq(r.tiers, KVT_TIER_DISK_BIT | KVT_TIER_HOST_BIT);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
	ck_assert_uint_eq(tpool_used(), 0);
}
END_TEST

START_TEST(free_during_fetch)
{
	struct drm_kvtier_work_item w;
	uint64_t h = disk_obj(A1, 1, 5);

	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 0, NULL), 1);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	/* The work's reference keeps the object until it completes. */
	ck_assert_uint_eq(tstats().objects, 1);
	ck_assert_uint_eq(take(M, &w, 1), 1);
	ck_assert_int_eq(complete(M, w.work_id, 0), 0);
	ck_assert_uint_eq(E.nevents, 1);
	ck_assert_uint_eq(E.events[0].ev.failed, 1);
	ck_assert_uint_eq(tstats().objects, 0);
	ck_assert_uint_eq(tpool_used(), 0);
}
END_TEST

START_TEST(queue_full_eagain)
{
	uint64_t h[3];
	unsigned int i;

	for (i = 0; i < 3; i++)
		h[i] = disk_obj(A1, i + 1, 5);
	ck_assert_int_eq(tfetch(A1, h[0], KVTIER_TIER_HOST, 0, 0, NULL), 1);
	ck_assert_int_eq(tfetch(A1, h[1], KVTIER_TIER_HOST, 0, 0, NULL), 1);
	ck_assert_int_eq(tfetch(A1, h[2], KVTIER_TIER_HOST, 0, 0, NULL),
			 -EAGAIN);
	ck_assert_uint_eq(tusage(TENANT_A), 2);
}
END_TEST

/* Work of a closing client and closing manager are dropped by destroy. */
START_TEST(destroy_with_work_pending)
{
	uint64_t h = disk_obj(A1, 1, 5);

	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 0, NULL), 1);
	tcore_close(&A1);
}
END_TEST

static void pending_teardown(void)
{
	/* Objects with work in flight are alive: only destroy. */
	tcore_close(&M);
	tcore_close(&A2);
	tcore_close(&B);
	tcore_close(&ADM);
	kvt_core_destroy(C);
	C = NULL;
	pthread_mutex_destroy(&E.lock);
}

Suite *core_queue_suite(void)
{
	Suite *s = suite_create("core_queue");
	TCase *tc;

	tc = tcase_create("host");
	tcase_add_checked_fixture(tc, queue_setup, queue_teardown);
	tcase_add_test(tc, fetch_resident_pins_now);
	tcase_add_test(tc, fetch_item_errors);
	tcase_add_test(tc, fetch_request_errors);
	tcase_add_test(tc, fetch_from_disk_completes);
	tcase_add_test(tc, fetch_failure_frees_slots);
	tcase_add_test(tc, fetch_of_disk_only_quota);
	tcase_add_test(tc, two_fetches_share_work);
	tcase_add_test(tc, fetch_batch_mixed);
	tcase_add_test(tc, free_during_fetch);
	suite_add_tcase(s, tc);

	tc = tcase_create("device");
	tcase_add_checked_fixture(tc, queue_setup, queue_teardown);
	tcase_add_test(tc, region_rules);
	tcase_add_test(tc, fetch_to_device);
	tcase_add_test(tc, fetch_to_device_from_disk);
	tcase_add_test(tc, device_region_gone_fails);
	tcase_add_test(tc, device_region_gone_cancels_queued);
	tcase_add_test(tc, client_close_cancels_device_work);
	tcase_add_test(tc, region_id_reuse_new_generation);
	suite_add_tcase(s, tc);

	tc = tcase_create("region_files");
	tcase_add_checked_fixture(tc, files_setup, queue_teardown);
	tcase_add_test(tc, region_file_kinds);
	tcase_add_test(tc, region_get_file_rules);
	tcase_add_test(tc, region_unregister_puts_file);
	tcase_add_test(tc, region_close_puts_files);
	tcase_add_test(tc, region_full_keeps_callers_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("manager");
	tcase_add_checked_fixture(tc, queue_setup, queue_teardown);
	tcase_add_test(tc, manager_only);
	tcase_add_test(tc, manager_close_requeues_in_order);
	tcase_add_test(tc, untake_requeues_in_order);
	tcase_add_test(tc, no_event_after_client_close);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, small_queue_setup, queue_teardown);
	tcase_add_test(tc, queue_full_eagain);
	suite_add_tcase(s, tc);

	tc = tcase_create("teardown");
	tcase_add_checked_fixture(tc, queue_setup, pending_teardown);
	tcase_add_test(tc, destroy_with_work_pending);
	suite_add_tcase(s, tc);
	return s;
}

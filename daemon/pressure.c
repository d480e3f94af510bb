// SPDX-License-Identifier: GPL-2.0
/*
 * The periodic pass: refresh the pools, compare each pool and tenant with
 * its watermarks, and carry out what the planner (daemon/policy/planner.c)
 * says: eviction under pressure, write-back of new objects (write-through,
 * selective). The planner keeps its state from the access stream, drained
 * on every pass of the loop (kvtd_pressure_pump); the object table is read
 * whole only to rebuild that state: at attach, and once after the stream
 * lost records. What a pass costs grows with what it evicts and writes,
 * not with what the pools hold.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_log.h"
#include "kvtd_manager.h"
#include "kvtd_usdt.h"

/* The evict probe's kinds are the planner's, for tracers to read. */
_Static_assert(KVTD_USDT_EVICT_SKIP_BUSY == KVTD_EVICT_SKIP_BUSY &&
		       KVTD_USDT_EVICT_DROP == KVTD_EVICT_DROP &&
		       KVTD_USDT_EVICT_WAIT_WRITE == KVTD_EVICT_WAIT_WRITE &&
		       KVTD_USDT_EVICT_WRITE_DROP == KVTD_EVICT_WRITE_DROP &&
		       KVTD_USDT_EVICT_DROP_POLICY == KVTD_EVICT_DROP_POLICY,
	       "kvtd_usdt.h's eviction kinds differ from the planner's");

/* Records fetched per OBJ_SCAN: 1024 * 112 bytes, one ioctl per 1024. */
#define PRESSURE_SCAN_CHUNK 1024u

int kvtd_scan_objects(struct kvtd_manager *m)
{
	struct drm_kvtier_obj_record *r;
	uint64_t cursor = 0;
	size_t room;
	int n;

	m->nr_recs = 0;
	m->ctr.scans++;
	for (;;) {
		if (m->recs_room - m->nr_recs < PRESSURE_SCAN_CHUNK) {
			room = m->recs_room ? 2 * m->recs_room :
					      4 * PRESSURE_SCAN_CHUNK;
			r = realloc(m->recs, room * sizeof(*r));
			if (!r)
				return -ENOMEM;
			m->recs = r;
			m->recs_room = room;
		}
		n = kvtier_obj_scan(m->kv, &cursor, m->recs + m->nr_recs,
				    PRESSURE_SCAN_CHUNK);
		if (n < 0)
			return n;
		if (n == 0)
			return 0;
		m->nr_recs += n;
	}
}

void kvtd_scan_release(struct kvtd_manager *m)
{
	free(m->recs);
	m->recs = NULL;
	m->nr_recs = 0;
	m->recs_room = 0;
}

static int pressure_tenants(struct kvtd_manager *m)
{
	struct drm_kvtier_tenant_usage *t;
	uint32_t total = 0;
	int n;

	m->nr_tenants = 0;
	do {
		if (m->tenants_room == m->nr_tenants) {
			t = realloc(m->tenants, (m->tenants_room + 256) *
							sizeof(*t));
			if (!t)
				return -ENOMEM;
			m->tenants = t;
			m->tenants_room += 256;
		}
		n = kvtier_tenant_list(m->kv, (uint32_t)m->nr_tenants,
				       m->tenants + m->nr_tenants,
				       (uint32_t)(m->tenants_room - m->nr_tenants),
				       &total);
		if (n < 0)
			return n;
		m->nr_tenants += n;
	} while (n > 0 && m->nr_tenants < total);
	return 0;
}

/* The planner's pools as POOL_INFO and the configuration have them. */
void kvtd_pressure_pools(struct kvtd_manager *m)
{
	struct kvtd_planner_pool pp;
	uint32_t id;
	int ret;

	for (id = 1; id <= KVTIER_MAX_POOLS; id++) {
		if (!m->pools[id].present) {
			kvtd_planner_pool_gone(m->planner, id);
			continue;
		}
		pp = (struct kvtd_planner_pool){
			.slot_size = m->pools[id].info.slot_size,
			.slot_count = m->pools[id].info.slot_count,
			.write = m->pools[id].write,
		};
		ret = kvtd_planner_pool_set(m->planner, id, &pp);
		if (ret)
			kvtd_err("pool %u: planner: %s", id, strerror(-ret));
	}
}

int kvtd_pressure_rebuild(struct kvtd_manager *m, const char *why)
{
	int ret;

	ret = kvtd_scan_objects(m);
	if (ret) {
		kvtd_err("rebuild (%s): OBJ_SCAN: %s", why, strerror(-ret));
		return ret;
	}
	kvtd_pressure_pools(m);
	ret = kvtd_planner_load(m->planner, m->recs, m->nr_recs);
	if (ret) {
		kvtd_err("rebuild (%s): loading %zu objects: %s", why,
			 m->nr_recs, strerror(-ret));
		return ret;
	}
	/* Writes in flight were queued before: the table cannot say so. */
	kvtd_exec_note_writes(m);
	m->stream.lost = false;
	m->ctr.rebuilds++;
	kvtd_info("planner: rebuilt from %zu objects (%s)", m->nr_recs, why);
	return 0;
}

/*
 * FREE records of objects with a disk copy: the copy has no owner any
 * more, and is listed to go first when the disk needs room. A copy the
 * same key gets later has another generation and is not touched.
 */
static void pressure_tap(void *arg, const struct drm_kvtier_access *a,
			 size_t n)
{
	struct kvtd_manager *m = arg;
	struct kvtd_tier_cqe c;
	struct kvtd_tier_key k;
	size_t i;

	if (!m->disk)
		return;
	for (i = 0; i < n; i++) {
		if (a[i].type != KVTIER_ACCESS_FREE)
			continue;
		k = (struct kvtd_tier_key){ a[i].key.lo, a[i].key.hi,
					    a[i].tenant_id };
		if (kvtd_disk_lookup(m->disk, &k, &c) == 0)
			kvtd_reclaim_add(&m->unclaimed, &c);
	}
}

int kvtd_pressure_pump(struct kvtd_manager *m)
{
	int ret;

	m->stream.tap = pressure_tap;
	m->stream.tap_arg = m;
	ret = kvtd_stream_pump(&m->stream, m->planner);
	m->ctr.stream_records = m->stream.consumed;
	if (m->stream.dropped != m->ctr.stream_dropped) {
		kvtd_warn("stream: %llu access records lost (%llu in all): the planner is rebuilt at the next pass",
			  (unsigned long long)(m->stream.dropped -
					       m->ctr.stream_dropped),
			  (unsigned long long)m->stream.dropped);
		m->ctr.stream_dropped = m->stream.dropped;
	}
	if (ret < 0 && ret != -ENODEV) {
		kvtd_err("stream: draining: %s", strerror(-ret));
		m->stream.lost = true;
	}
	return ret > 0 ? ret : 0;
}

static void pressure_writeback(struct kvtd_manager *m)
{
	uint64_t h[KVTD_WB_MAX_PER_PASS];
	struct drm_kvtier_obj_record rec;
	size_t n, i;
	int ret, queued = 0;

	/*
	 * Only READY objects in HOST with no DISK copy come out, with the
	 * offset their records gave: nothing to ask the driver. One freed
	 * since (its FREE not drained yet) is written all the same, and its
	 * copy orphaned when the driver refuses to record it.
	 */
	n = kvtd_planner_writes(m->planner, h, KVTD_WB_MAX_PER_PASS);
	for (i = 0; i < n; i++) {
		if (kvtd_planner_record(m->planner, h[i], &rec))
			continue;
		ret = kvtd_exec_write(m, &rec, NULL);
		if (ret == -EAGAIN || ret == -ENOSPC) {
			/* The queue or the disk is full: a later pass. */
			for (; i < n; i++)
				kvtd_planner_note(m->planner, h[i],
						  KVTD_NOTE_WRITE_LATER);
			break;
		}
		if (ret) {
			/* Eviction writes it, if its policy still wants it. */
			m->ctr.write_failed++;
			kvtd_debug("write-back: handle %llu: %s",
				   (unsigned long long)h[i], strerror(-ret));
			continue;
		}
		kvtd_planner_note(m->planner, h[i], KVTD_NOTE_WRITING);
		queued++;
	}
	if (queued)
		kvtd_debug("write-back: %d objects queued", queued);
}

struct pressure_tally {
	uint32_t dropped;
	uint32_t writing;
	uint32_t policy;
	uint32_t nospace;
	uint32_t busy;
};

static void pressure_log_drop(const struct kvtd_evict_action *a,
			      uint32_t pool_id, const char *why)
{
	kvtd_debug("evict: pool %u: object %016llx%016llx of tenant %llu (%u hits) dropped by policy: %s",
		   pool_id, (unsigned long long)a->key.hi,
		   (unsigned long long)a->key.lo,
		   (unsigned long long)a->tenant_id, a->hits, why);
}

/*
 * Say how many objects a policy decided to drop before dropping them, so
 * that a daemon killed between the drop and the pass's summary line has
 * still logged the decision (the restart test counts on it).
 */
static void pressure_log_decision(uint32_t id,
				  const struct kvtd_evict_action *act,
				  const uint32_t *from, uint32_t n)
{
	uint32_t i, policy = 0, nospace = 0;

	for (i = 0; i < n; i++) {
		policy += act[from[i]].kind == KVTD_EVICT_DROP_POLICY;
		nospace += act[from[i]].kind == KVTD_EVICT_WRITE_DROP;
	}
	if (policy + nospace)
		kvtd_info("evict: pool %u: dropping %u objects by policy decision (%u by policy, %u for want of disk space)",
			  id, policy + nospace, policy, nospace);
}

/* The evict probe for @a, carried out as @kind. */
static void pressure_probe(const struct kvtd_manager *m,
			   const struct kvtd_evict_action *a, uint32_t kind)
{
	KVTD_USDT_EVICT(a->key.lo, a->key.hi, a->tenant_id, KVTIER_TIER_HOST,
			kind, a->score, kvtd_manager_policy_name(m));
}

/*
 * DROP HOST of the chosen objects (items[i] drops act[from[i]]); tells
 * the planner what came of each.
 */
static void pressure_drop(struct kvtd_manager *m,
			  struct drm_kvtier_residency_item *items,
			  const struct kvtd_evict_action *act,
			  const uint32_t *from, uint32_t n,
			  struct pressure_tally *t)
{
	const struct kvtd_evict_action *a;
	uint32_t i;

	if (!n)
		return;
	kvtd_exec_residency(m, items, n);
	for (i = 0; i < n; i++) {
		a = &act[from[i]];
		/* Busy as the stats line counts it: refused, or gone. */
		if (items[i].result == -EBUSY || items[i].result == -ENOENT)
			pressure_probe(m, a, KVTD_EVICT_SKIP_BUSY);
		else if (!items[i].result)
			pressure_probe(m, a, a->kind);
		if (items[i].result == -EBUSY) {
			/* A client holds it: a candidate again next pass. */
			kvtd_planner_note(m->planner, items[i].handle,
					  KVTD_NOTE_KEPT);
			t->busy++;
			m->ctr.evict_busy++;
			continue;
		}
		if (items[i].result == -ENOENT) {
			/* Freed meanwhile, or its host copy is gone. */
			kvtd_planner_note(m->planner, items[i].handle,
					  KVTD_NOTE_NO_HOST);
			t->busy++;
			m->ctr.evict_busy++;
			continue;
		}
		if (items[i].result) {
			kvtd_planner_note(m->planner, items[i].handle,
					  KVTD_NOTE_KEPT);
			continue;
		}
		kvtd_planner_note(m->planner, items[i].handle,
				  KVTD_NOTE_DROPPED);
		if (a->kind == KVTD_EVICT_DROP) {
			t->dropped++;
			m->ctr.evict_dropped++;
		} else if (a->kind == KVTD_EVICT_WRITE_DROP) {
			t->nospace++;
			m->ctr.evict_nospace_drops++;
		} else {
			t->policy++;
			m->ctr.evict_policy_drops++;
		}
	}
}

/*
 * Write @a's object to disk and drop its host copy after. Returns 0 when
 * that is under way (or the object is gone), 1 when it must be dropped
 * unwritten (no room on disk), -EAGAIN when the queue is full.
 */
static int pressure_write_drop(struct kvtd_manager *m,
			       const struct kvtd_evict_action *a,
			       uint32_t id)
{
	struct drm_kvtier_obj_record rec;
	int ret;

	ret = kvtd_planner_record(m->planner, a->handle, &rec);
	if (ret)
		return 0;
	ret = kvtd_exec_write(m, &rec, a);
	if (!ret) {
		kvtd_planner_note(m->planner, a->handle, KVTD_NOTE_WRITING);
		return 0;
	}
	if (ret == -ENOSPC)
		return 1;
	kvtd_planner_note(m->planner, a->handle, KVTD_NOTE_KEPT);
	if (ret != -EAGAIN) {
		m->ctr.write_failed++;
		kvtd_warn("evict: pool %u: writing handle %llu: %s", id,
			  (unsigned long long)a->handle, strerror(-ret));
	}
	return ret == -EAGAIN ? -EAGAIN : 0;
}

static void pressure_evict_pool(struct kvtd_manager *m, uint32_t id,
				struct kvtd_evict_action *act,
				struct drm_kvtier_residency_item *items,
				uint32_t *from)
{
	const struct kvtd_pool *p = &m->pools[id];
	struct kvtd_plan_input in = {
		.pool_id = id,
		.slots_used = p->info.slots_used,
		.pool_wm = m->cfg->pool_wm,
		.tenants = m->tenants,
		.nr_tenants = m->nr_tenants,
		.tenant_wm = m->cfg->tenant_wm,
	};
	struct pressure_tally t = { 0 };
	struct kvtd_evict_summary sum;
	const struct kvtd_evict_action *a;
	bool disk_full = false;
	uint32_t nd = 0;
	int n, i, ret;

	n = kvtd_planner_evict(m->planner, &in, act, KVTD_EVICT_MAX_ACTIONS,
			       &sum);
	if (n < 0) {
		kvtd_err("evict: pool %u: planning: %s", id, strerror(-n));
		return;
	}
	for (i = 0; i < n; i++) {
		a = &act[i];
		switch (a->kind) {
		case KVTD_EVICT_WAIT_WRITE:
			if (!kvtd_exec_evict_after_write(m, a))
				kvtd_planner_note(m->planner, a->handle,
						  KVTD_NOTE_KEPT);
			t.writing++;
			continue;
		case KVTD_EVICT_WRITE_DROP:
			ret = disk_full ? -EAGAIN : pressure_write_drop(m, a, id);
			if (ret == -EAGAIN) {
				/* The queue is full: next pass. */
				if (disk_full)
					kvtd_planner_note(m->planner, a->handle,
							  KVTD_NOTE_KEPT);
				disk_full = true;
				continue;
			}
			if (ret == 0) {
				t.writing++;
				continue;
			}
			/* No room on disk: dropping is the only way left. */
			pressure_log_drop(a, id, "the disk tier is full");
			break;
		case KVTD_EVICT_DROP_POLICY:
			pressure_log_drop(a, id, m->disk ? kvtd_write_mode_name(p->write.mode) :
							   "no disk tier");
			break;
		case KVTD_EVICT_DROP:
			break;
		default:
			kvtd_planner_note(m->planner, a->handle,
					  KVTD_NOTE_KEPT);
			continue;
		}
		items[nd] = (struct drm_kvtier_residency_item){
			.handle = a->handle,
			.op = KVTIER_RES_DROP,
			.tier = KVTIER_TIER_HOST,
		};
		from[nd++] = (uint32_t)i;
	}
	pressure_log_decision(id, act, from, nd);
	pressure_drop(m, items, act, from, nd, &t);
	kvtd_info("evict: pool %u at %llu of %llu slots (tenants over by %llu): %u dropped, %u being written, %u dropped by policy, %u dropped for want of disk space, %u busy; short by %llu slots",
		  id, (unsigned long long)p->info.slots_used,
		  (unsigned long long)p->info.slot_count,
		  (unsigned long long)sum.tenant_excess, t.dropped, t.writing,
		  t.policy, t.nospace, t.busy,
		  (unsigned long long)sum.short_by);
}

/* Whether pool @id, or a tenant in it, is at its high watermark. */
static bool pressure_on(const struct kvtd_manager *m, uint32_t id)
{
	const struct kvtd_pool *p = &m->pools[id];
	struct kvtd_planner_pool pp = { .slot_count = p->info.slot_count };
	struct kvtd_plan_input in = {
		.pool_id = id,
		.slots_used = p->info.slots_used,
		.pool_wm = m->cfg->pool_wm,
		.tenants = m->tenants,
		.nr_tenants = m->nr_tenants,
		.tenant_wm = m->cfg->tenant_wm,
	};

	return kvtd_planner_due(&in, &pp);
}

void kvtd_pressure_tick(struct kvtd_manager *m)
{
	bool press[KVTIER_MAX_POOLS + 1] = { false };
	bool any_press = false;
	struct drm_kvtier_residency_item *items = NULL;
	struct kvtd_evict_action *act = NULL;
	struct kvtd_planner_stats st;
	uint32_t *from = NULL, id;
	int ret;

	m->ctr.ticks++;
	/* This pass's writes say anew how much room they wait for. */
	m->room_wanted = 0;
	/* Fetches completed are the driver's before their objects are planned. */
	kvtd_exec_flush(m);
	m->host->ops->revalidate(m->host);
	if (kvtd_manager_pools_refresh(m))
		return;
	/* Pools gone or replaced leave the disk tier's buffer table. */
	kvtd_host_tier_recheck(m->host);
	kvtd_manager_disk_regions(m);
	kvtd_pressure_pools(m);
	kvtd_pressure_pump(m);
	kvtd_planner_stats(m->planner, &st);
	/* At most one rebuild a pass, however often the rings overflow. */
	if (m->stream.lost || st.stale)
		kvtd_pressure_rebuild(m, m->stream.lost ? "records lost" :
							  "state disagreed");
	kvtd_scan_release(m);
	ret = pressure_tenants(m);
	if (ret) {
		kvtd_err("TENANT_LIST: %s", strerror(-ret));
		return;
	}
	for (id = 1; id <= KVTIER_MAX_POOLS; id++) {
		if (!m->pools[id].present)
			continue;
		press[id] = pressure_on(m, id);
		any_press |= press[id];
	}
	if (!any_press)
		goto writeback;
	act = malloc(KVTD_EVICT_MAX_ACTIONS * sizeof(*act));
	items = malloc(KVTD_EVICT_MAX_ACTIONS * sizeof(*items));
	from = malloc(KVTD_EVICT_MAX_ACTIONS * sizeof(*from));
	if (!act || !items || !from) {
		kvtd_err("evict: out of memory");
		goto out;
	}
	for (id = 1; id <= KVTIER_MAX_POOLS; id++)
		if (press[id])
			pressure_evict_pool(m, id, act, items, from);
out:
	free(act);
	free(items);
	free(from);
writeback:
	/* After eviction, so that its writes get the disk queue first. */
	if (m->disk)
		pressure_writeback(m);
	kvtd_exec_sync(m, false);
}

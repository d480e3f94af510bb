// SPDX-License-Identifier: GPL-2.0
/*
 * The periodic pass: refresh the pools, compare each pool and tenant with
 * its watermarks, and carry out what the planners say: write-back of new
 * objects (write-through, selective) and eviction under pressure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_evict.h"
#include "kvtd_log.h"
#include "kvtd_manager.h"
#include "kvtd_writeback.h"

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

static const struct kvtd_write_policy *pressure_wpol(uint32_t pool_id,
						     void *arg)
{
	struct kvtd_manager *m = arg;

	if (pool_id == 0 || pool_id > KVTIER_MAX_POOLS ||
	    !m->pools[pool_id].present)
		return NULL;
	return &m->pools[pool_id].write;
}

static bool pressure_writing(const struct drm_kvtier_obj_record *rec,
			     void *arg)
{
	return kvtd_exec_writing(arg, rec, false);
}

static void pressure_writeback(struct kvtd_manager *m)
{
	struct kvtd_wb_input in = {
		.recs = m->recs,
		.nr_recs = m->nr_recs,
		.policy = pressure_wpol,
		.writing = pressure_writing,
		.arg = m,
	};
	uint32_t idx[KVTD_WB_MAX_PER_PASS];
	int n, i, ret, queued = 0;

	n = kvtd_writeback_plan(&in, idx, KVTD_WB_MAX_PER_PASS);
	if (n < 0) {
		kvtd_err("write-back: planning: %s", strerror(-n));
		return;
	}
	for (i = 0; i < n; i++) {
		ret = kvtd_exec_write(m, &m->recs[idx[i]], false);
		if (ret == -EAGAIN)
			break;
		if (ret) {
			/* Tried again next pass; -ENOSPC until space frees. */
			m->ctr.write_failed++;
			kvtd_debug("write-back: handle %llu: %s",
				   (unsigned long long)m->recs[idx[i]].handle,
				   strerror(-ret));
			continue;
		}
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

static void pressure_log_drop(const struct drm_kvtier_obj_record *r,
			      const struct kvtd_pool *p, const char *why)
{
	kvtd_debug("evict: pool %u: object %016llx%016llx of tenant %llu (%llu hits) dropped by policy: %s",
		   r->pool_id, (unsigned long long)r->key.hi,
		   (unsigned long long)r->key.lo,
		   (unsigned long long)r->tenant_id,
		   (unsigned long long)r->hits, why);
}

/*
 * Say how many objects a policy decided to drop before dropping them, so
 * that a daemon killed between the drop and the pass's summary line has
 * still logged the decision (the restart test counts on it).
 */
static void pressure_log_decision(uint32_t id, const uint32_t *kinds,
				  uint32_t n)
{
	uint32_t i, policy = 0, nospace = 0;

	for (i = 0; i < n; i++) {
		policy += kinds[i] == KVTD_EVICT_DROP_POLICY;
		nospace += kinds[i] == KVTD_EVICT_WRITE_DROP;
	}
	if (policy + nospace)
		kvtd_info("evict: pool %u: dropping %u objects by policy decision (%u by policy, %u for want of disk space)",
			  id, policy + nospace, policy, nospace);
}

/* DROP HOST of the chosen objects; counts by why each was dropped. */
static void pressure_drop(struct kvtd_manager *m,
			  struct drm_kvtier_residency_item *items,
			  const uint32_t *kinds, uint32_t n,
			  struct pressure_tally *t)
{
	uint32_t i;

	if (!n)
		return;
	kvtd_exec_residency(m, items, n);
	for (i = 0; i < n; i++) {
		if (items[i].result == -EBUSY || items[i].result == -ENOENT) {
			/* A client took it meanwhile, or freed it. */
			t->busy++;
			m->ctr.evict_busy++;
			continue;
		}
		if (items[i].result)
			continue;
		if (kinds[i] == KVTD_EVICT_DROP) {
			t->dropped++;
			m->ctr.evict_dropped++;
		} else if (kinds[i] == KVTD_EVICT_WRITE_DROP) {
			t->nospace++;
			m->ctr.evict_nospace_drops++;
		} else {
			t->policy++;
			m->ctr.evict_policy_drops++;
		}
	}
}

static void pressure_evict_pool(struct kvtd_manager *m, uint32_t id,
				struct kvtd_evict_action *act,
				struct drm_kvtier_residency_item *items,
				uint32_t *kinds)
{
	const struct kvtd_pool *p = &m->pools[id];
	struct kvtd_evict_input in = {
		.pool_id = id,
		.slot_size = p->info.slot_size,
		.slot_count = p->info.slot_count,
		.slots_used = p->info.slots_used,
		.pool_wm = m->cfg->pool_wm,
		.tenants = m->tenants,
		.nr_tenants = m->nr_tenants,
		.tenant_wm = m->cfg->tenant_wm,
		.recs = m->recs,
		.nr_recs = m->nr_recs,
		.write = p->write,
		.have_disk = m->disk != NULL,
		.policy = m->evict_policy,
		.writing = pressure_writing,
		.arg = m,
	};
	struct pressure_tally t = { 0 };
	struct kvtd_evict_summary sum;
	const struct drm_kvtier_obj_record *r;
	bool disk_full = false;
	uint32_t nd = 0;
	int n, i, ret;

	n = kvtd_evict_plan(&in, act, KVTD_EVICT_MAX_ACTIONS, &sum);
	if (n < 0) {
		kvtd_err("evict: pool %u: planning: %s", id, strerror(-n));
		return;
	}
	for (i = 0; i < n; i++) {
		r = &m->recs[act[i].rec];
		switch (act[i].kind) {
		case KVTD_EVICT_SKIP_BUSY:
			t.busy++;
			continue;
		case KVTD_EVICT_WAIT_WRITE:
			kvtd_exec_writing(m, r, true);
			t.writing++;
			continue;
		case KVTD_EVICT_WRITE_DROP:
			ret = disk_full ? -EAGAIN : kvtd_exec_write(m, r, true);
			if (!ret) {
				t.writing++;
				continue;
			}
			if (ret == -EAGAIN) {
				/* The queue is full: next pass. */
				disk_full = true;
				continue;
			}
			if (ret != -ENOSPC) {
				m->ctr.write_failed++;
				kvtd_warn("evict: pool %u: writing handle %llu: %s",
					  id, (unsigned long long)r->handle,
					  strerror(-ret));
				continue;
			}
			/* No room on disk: dropping is the only way left. */
			pressure_log_drop(r, p, "the disk tier is full");
			break;
		case KVTD_EVICT_DROP_POLICY:
			pressure_log_drop(r, p, m->disk ? kvtd_write_mode_name(p->write.mode) :
							  "no disk tier");
			break;
		case KVTD_EVICT_DROP:
			break;
		}
		items[nd] = (struct drm_kvtier_residency_item){
			.handle = r->handle,
			.op = KVTIER_RES_DROP,
			.tier = KVTIER_TIER_HOST,
		};
		kinds[nd++] = act[i].kind;
	}
	pressure_log_decision(id, kinds, nd);
	pressure_drop(m, items, kinds, nd, &t);
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

	return kvtd_evict_due(id, p->info.slots_used, p->info.slot_count,
			      &m->cfg->pool_wm, m->tenants, m->nr_tenants,
			      &m->cfg->tenant_wm);
}

void kvtd_pressure_tick(struct kvtd_manager *m)
{
	bool press[KVTIER_MAX_POOLS + 1] = { false };
	bool any_press = false, any_wb = false;
	struct drm_kvtier_residency_item *items = NULL;
	struct kvtd_evict_action *act = NULL;
	uint32_t *kinds = NULL, id;
	int ret;

	m->ctr.ticks++;
	/* This pass's writes say anew how much room they wait for. */
	m->room_wanted = 0;
	m->host->ops->revalidate(m->host);
	if (kvtd_manager_pools_refresh(m))
		return;
	/* Pools gone or replaced leave the disk tier's buffer table. */
	kvtd_host_tier_recheck(m->host);
	kvtd_manager_disk_regions(m);
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
		any_wb |= m->disk && m->pools[id].write.mode != KVTD_WRITE_BACK;
	}
	if (!any_press && !any_wb)
		goto sync;
	ret = kvtd_scan_objects(m);
	if (ret) {
		kvtd_err("OBJ_SCAN: %s", strerror(-ret));
		goto sync;
	}
	if (!any_press)
		goto writeback;
	act = malloc(KVTD_EVICT_MAX_ACTIONS * sizeof(*act));
	items = malloc(KVTD_EVICT_MAX_ACTIONS * sizeof(*items));
	kinds = malloc(KVTD_EVICT_MAX_ACTIONS * sizeof(*kinds));
	if (!act || !items || !kinds) {
		kvtd_err("evict: out of memory");
		goto out;
	}
	for (id = 1; id <= KVTIER_MAX_POOLS; id++)
		if (press[id])
			pressure_evict_pool(m, id, act, items, kinds);
out:
	free(act);
	free(items);
	free(kinds);
writeback:
	/* After eviction, so that its writes get the disk queue first. */
	if (any_wb)
		pressure_writeback(m);
sync:
	kvtd_exec_sync(m, false);
}

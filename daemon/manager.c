// SPDX-License-Identifier: GPL-2.0
/*
 * Building and tearing down the manager: the device, the manager role,
 * the tiers and the pools.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_log.h"
#include "kvtd_manager.h"
#include "kvtd_tier_cuda.h"

static int mgr_region_fd(void *ctx, uint32_t region_id, uint32_t gen,
			 struct drm_kvtier_region_get_fd *out)
{
	return kvtier_region_get_fd_gen(ctx, region_id, gen, out);
}

int kvtd_manager_pools_refresh(struct kvtd_manager *m)
{
	struct drm_kvtier_pool_info info;
	struct kvtd_pool *p;
	uint32_t id;
	int ret;

	for (id = 1; id <= KVTIER_MAX_POOLS; id++) {
		p = &m->pools[id];
		ret = kvtier_pool_info(m->kv, id, &info);
		if (ret == -ENOENT) {
			if (p->present)
				kvtd_info("pool %u: gone", id);
			p->present = false;
			continue;
		}
		if (ret) {
			kvtd_err("pool %u: POOL_INFO failed: %s", id,
				 strerror(-ret));
			return ret;
		}
		if (!p->present) {
			p->write = m->cfg->write;
			kvtd_info("pool %u: %s, %llu slots of %llu bytes, %llu used, write-%s",
				  id, kvtier_kind_name(info.kind),
				  (unsigned long long)info.slot_count,
				  (unsigned long long)info.slot_size,
				  (unsigned long long)info.slots_used,
				  kvtd_write_mode_name(p->write.mode));
		}
		p->present = true;
		p->info = info;
	}
	return 0;
}

/* The pool of @d, found among the unclaimed ones or created. */
static int mgr_pool_define(struct kvtd_manager *m, const struct kvtd_pool_def *d,
			   bool *claimed)
{
	struct drm_kvtier_pool_create req = {
		.slot_size = d->slot_size,
		.slot_count = d->slots,
		.kind = d->kind,
		.flags = d->flags,
		.numa_node = d->numa_node,
	};
	struct kvtd_pool *p;
	uint32_t id;
	int ret;

	for (id = 1; id <= KVTIER_MAX_POOLS; id++) {
		p = &m->pools[id];
		if (p->present && !claimed[id] && p->info.kind == d->kind &&
		    p->info.slot_size == d->slot_size &&
		    p->info.slot_count == d->slots)
			goto found;
	}
	ret = kvtier_pool_create(m->kv, &req);
	if (ret) {
		kvtd_err("creating a %s pool of %llu slots of %llu bytes: %s",
			 kvtier_kind_name(d->kind),
			 (unsigned long long)d->slots,
			 (unsigned long long)d->slot_size, strerror(-ret));
		return ret;
	}
	id = req.pool_id;
	kvtd_info("pool %u: created (%llu bytes in 2 MiB pages)", id,
		  (unsigned long long)req.huge_bytes);
	ret = kvtd_manager_pools_refresh(m);
	if (ret)
		return ret;
	p = &m->pools[id];
found:
	claimed[id] = true;
	if (d->has_write)
		p->write = d->write;
	kvtd_info("pool %u: as configured, write-%s", id,
		  kvtd_write_mode_name(p->write.mode));
	return 0;
}

static int mgr_pools_setup(struct kvtd_manager *m)
{
	bool claimed[KVTIER_MAX_POOLS + 1] = { false };
	uint64_t size;
	void *base;
	unsigned int i;
	int ret;

	ret = kvtd_manager_pools_refresh(m);
	for (i = 0; !ret && i < m->cfg->nr_pools; i++)
		ret = mgr_pool_define(m, &m->cfg->pools[i], claimed);
	if (ret)
		return ret;
	/* Mapped now, so that the disk tier registers them at open. */
	for (i = 1; i <= KVTIER_MAX_POOLS; i++) {
		if (!m->pools[i].present)
			continue;
		ret = m->host->ops->lookup(m->host,
					   &(struct kvtd_space){ .id = i },
					   &base, &size);
		if (ret) {
			kvtd_err("pool %u: mapping it: %s", i, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Logged once per change: what registration of the pools gave. */
static void mgr_disk_fixed_log(struct kvtd_manager *m)
{
	int ret = kvtd_disk_fixed_error(m->disk);

	if (ret)
		kvtd_notice("disk tier: pool memory not registered with io_uring (%s): reads and writes go straight to the same pages, pinned per I/O",
			    strerror(-ret));
}

void kvtd_manager_disk_regions(struct kvtd_manager *m)
{
	struct kvtd_region regions[KVTIER_MAX_POOLS];
	uint64_t gen;
	unsigned int n;
	int ret;

	if (!m->disk)
		return;
	gen = kvtd_host_tier_maps_gen(m->host);
	if (gen == m->disk_maps_gen)
		return;
	n = kvtd_host_tier_regions(m->host, regions, KVTIER_MAX_POOLS);
	ret = kvtd_disk_set_regions(m->disk, regions, n);
	if (ret) {
		/* Tried again at the next change or tick. */
		kvtd_err("disk tier: registering %u pool mappings: %s", n,
			 strerror(-ret));
		return;
	}
	m->disk_maps_gen = gen;
	mgr_disk_fixed_log(m);
}

static int mgr_disk_open(struct kvtd_manager *m)
{
	struct kvtd_region regions[KVTIER_MAX_POOLS];
	struct kvtd_tier_cfg tc = {
		.path = m->cfg->disk_path,
		.size = m->cfg->disk_size,
		.queue_depth = m->cfg->queue_depth,
		.flags = KVTD_TIER_CREATE |
			 (m->cfg->disk_format ? KVTD_TIER_TRUNCATE : 0),
		.regions = regions,
	};
	struct kvtd_tier_stats st;
	int ret;

	tc.nr_regions = kvtd_host_tier_regions(m->host, regions,
					       KVTIER_MAX_POOLS);
	ret = kvtd_disk_open(&tc, &m->disk);
	if (ret) {
		kvtd_err("disk tier %s: %s%s", m->cfg->disk_path,
			 strerror(-ret),
			 ret == -EINVAL && m->cfg->disk_size ?
				 " (is disk-size the store's size?)" : "");
		return ret;
	}
	m->disk_maps_gen = kvtd_host_tier_maps_gen(m->host);
	mgr_disk_fixed_log(m);
	kvtd_disk_stats(m->disk, &st);
	kvtd_info("disk tier %s: %llu of %llu bytes used, %llu objects recovered, dropped %llu torn, %llu corrupt, %llu stale",
		  m->cfg->disk_path, (unsigned long long)st.used,
		  (unsigned long long)st.capacity,
		  (unsigned long long)st.recovered,
		  (unsigned long long)st.drops_torn,
		  (unsigned long long)st.drops_corrupt,
		  (unsigned long long)st.drops_stale);
	return 0;
}

/*
 * The access stream's source: the driver's rings through libkvtier.
 * kvtier is one project: a driver without the stream is refused, never
 * worked around by scanning the table every pass.
 */
static int mgr_stream_drain(void *ctx, struct drm_kvtier_access *out,
			    uint32_t room, uint64_t *dropped)
{
	uint64_t lost = 0;
	int n;

	n = kvtier_stream_read(ctx, out, room, &lost);
	if (n >= 0)
		*dropped += lost;
	return n;
}

static void mgr_stream_close(void *ctx)
{
	kvtier_stream_close(ctx);
}

static int mgr_stream_open(struct kvtd_manager *m)
{
	const struct kvtier_params *par = kvtier_params(m->kv);
	struct kvtier_stream *st;
	int ret;

	if (!par || !(par->features & KVTIER_FEATURE_ACCESS_STREAM)) {
		kvtd_err("%s: the driver has no access stream (KVTIER_FEATURE_ACCESS_STREAM): kvtierd needs the kvtier.ko of its own release",
			 kvtier_path(m->kv));
		return -EOPNOTSUPP;
	}
	ret = kvtier_stream_open(m->kv, m->cfg->stream_entries, &st);
	if (ret) {
		kvtd_err("%s: opening the access stream: %s",
			 kvtier_path(m->kv),
			 ret == -EPROTONOSUPPORT ?
				 "the driver's record layout is not this kvtierd's" :
				 strerror(-ret));
		return ret;
	}
	m->stream.src = (struct kvtd_stream_src){
		.drain = mgr_stream_drain,
		.close = mgr_stream_close,
		.ctx = st,
	};
	return 0;
}

/*
 * The planner's state from the table: the stream is opened first, so
 * that nothing between the scan and the first drain is missed (what the
 * stream repeats of the scan changes nothing, kvtd_planner.h).
 */
static int mgr_planner_open(struct kvtd_manager *m)
{
	int ret;

	ret = kvtd_planner_create(m->evict_policy, m->disk != NULL,
				  &m->planner);
	if (ret) {
		kvtd_err("planner: %s", strerror(-ret));
		return ret;
	}
	ret = mgr_stream_open(m);
	if (ret)
		return ret;
	return kvtd_pressure_rebuild(m, "attach");
}

static int mgr_attach(struct kvtd_manager *m)
{
	uint64_t requeued = 0;
	int ret;

	ret = m->cfg->device[0] ? kvtier_open_path(&m->kv, m->cfg->device) :
				  kvtier_open(&m->kv);
	if (ret) {
		kvtd_err("opening the kvtier device %s: %s",
			 m->cfg->device[0] ? m->cfg->device : "(by driver name)",
			 ret == -ENODEV ? "no kvtier device (is kvtier.ko loaded?)" :
					  strerror(-ret));
		return ret;
	}
	ret = kvtier_manager_attach(m->kv, &requeued);
	if (ret == -EBUSY) {
		kvtd_err("%s: another manager is attached", kvtier_path(m->kv));
		return ret;
	}
	if (ret) {
		kvtd_err("%s: MANAGER_ATTACH failed: %s", kvtier_path(m->kv),
			 ret == -EPERM ? "needs CAP_SYS_ADMIN" : strerror(-ret));
		return ret;
	}
	kvtd_info("attached to %s as the manager, %llu work items waiting",
		  kvtier_path(m->kv), (unsigned long long)requeued);
	return 0;
}

int kvtd_manager_open(struct kvtd_manager *m, const struct kvtd_config *cfg)
{
	int ret;

	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->sfd = m->tfd = m->epfd = -1;
	m->evict_policy = kvtd_policy_find(cfg->eviction_policy);
	if (!m->evict_policy) {
		kvtd_err("eviction-policy: no policy named '%s'",
			 cfg->eviction_policy);
		return -EINVAL;
	}
	ret = mgr_attach(m);
	if (ret)
		goto err_close;
	ret = kvtd_host_tier_open(m->kv, &m->host);
	if (!ret)
		ret = kvtd_device_tier_open(mgr_region_fd, m->kv,
					    cfg->copy_threads, m->host,
					    &m->dev);
	if (ret) {
		kvtd_err("setting up the memory tiers: %s", strerror(-ret));
		goto err_close;
	}
	ret = mgr_pools_setup(m);
	if (ret)
		goto err_close;
	if (cfg->disk_path[0]) {
		ret = mgr_disk_open(m);
		if (ret)
			goto err_close;
	} else {
		kvtd_notice("no disk tier (disk-path is empty): evicted objects are dropped");
	}
	ret = kvtd_exec_init(m);
	if (ret) {
		kvtd_err("allocating the work state: %s", strerror(-ret));
		goto err_close;
	}
	ret = mgr_planner_open(m);
	if (ret)
		goto err_close;
	ret = kvtd_reconcile(m);
	/* The table was needed at start only: the stream keeps it now. */
	kvtd_scan_release(m);
	if (ret)
		goto err_close;
	ret = kvtd_loop_init(m);
	if (ret)
		goto err_close;
	return 0;

err_close:
	kvtd_manager_close(m);
	return ret;
}

void kvtd_manager_close(struct kvtd_manager *m)
{
	kvtd_loop_fini(m);
	/* Waits for the disk's I/O into pool and region memory to end. */
	kvtd_disk_close(m->disk);
	m->disk = NULL;
	kvtd_exec_fini(m);
	kvtd_stream_close(&m->stream);
	kvtd_planner_destroy(m->planner);
	m->planner = NULL;
	if (m->dev)
		m->dev->ops->close(m->dev);
	if (m->host)
		m->host->ops->close(m->host);
	m->dev = m->host = NULL;
	/* Closing the fd hands dispatched, unfinished work back. */
	kvtier_close(m->kv);
	m->kv = NULL;
	free(m->recs);
	free(m->tenants);
	m->recs = NULL;
	m->tenants = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Executing work: each item becomes a copy (HOST -> DEVICE, batched per
 * pass) or a disk read (DISK -> HOST or DEVICE, straight into the pool
 * slot or the region when O_DIRECT allows; a region the CPU cannot
 * address, a GPU's, is read into a staging buffer that the DEVICE tier
 * copies from once the read completes). A second item for an object
 * whose read is in flight rides on it and gets a copy of its bytes.
 * Completions go to the driver in batches (WORK_COMPLETE), which records
 * the residency. Write-backs to disk (queued by pressure.c) complete here
 * too: RESIDENCY ADD DISK, then for an eviction DROP HOST.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_log.h"
#include "kvtd_manager.h"
#include "kvtd_usdt.h"

/* Completions taken from the disk tier at a time. */
#define EXEC_REAP_BATCH 64u

static struct kvtd_tier_key exec_key(const struct drm_kvtier_key *k,
				     uint64_t tenant)
{
	return (struct kvtd_tier_key){ .lo = k->lo, .hi = k->hi, .ns = tenant };
}

/* A new transfer of @key's bytes on @path begins: its id. */
static uint64_t exec_xfer_start(struct kvtd_manager *m, uint32_t path,
				uint64_t bytes, const struct kvtd_tier_key *key)
{
	uint64_t id = ++m->xfer_seq;

	KVTD_USDT_TRANSFER_START(id, path, bytes, key->lo, key->hi, key->ns);
	return id;
}

static void exec_xfer_end(uint64_t id, uint32_t path, uint64_t bytes,
			  const struct kvtd_tier_key *key, int status)
{
	KVTD_USDT_TRANSFER_END(id, path, bytes, key->lo, key->hi, key->ns,
			       status);
}

/* The path of a disk read, or a ride on one, into @op's destination. */
static uint32_t exec_read_path(const struct kvtd_op *op)
{
	return op->to_host ? KVTD_PATH_DISK_HOST : KVTD_PATH_DISK_DEVICE;
}

int kvtd_exec_init(struct kvtd_manager *m)
{
	uint32_t qd = m->cfg->queue_depth ? m->cfg->queue_depth :
					    KVTD_DISK_DEFAULT_QD;
	uint32_t i;
	int ret;

	/* Disk operations in flight, plus work items riding on them. */
	m->nr_ops = 2 * qd + KVTD_RECV_BATCH;
	m->ops = calloc(m->nr_ops, sizeof(*m->ops));
	if (!m->ops)
		return -ENOMEM;
	for (i = 0; i < m->nr_ops; i++)
		m->ops[i].next = i + 1 < m->nr_ops ? i + 1 : KVTD_OP_NONE;
	m->free_op = 0;
	m->unclaimed.policy = kvtd_manager_policy_name(m);
	kvtd_stage_init(&m->stage, m->dev);
	/*
	 * Room for the completions of every item the daemon can hold: a
	 * batch waiting for its flush, the items riding on operations, and
	 * a receive's worth (kvtd_exec_room() takes no more).
	 */
	ret = kvtd_done_init(&m->done, KVTD_DONE_BATCH + m->nr_ops +
					       KVTD_RECV_BATCH);
	if (!ret)
		ret = kvtd_keyset_init(&m->reads, qd);
	if (!ret)
		ret = kvtd_keyset_init(&m->writes, qd);
	return ret;
}

void kvtd_exec_fini(struct kvtd_manager *m)
{
	uint32_t i;

	/*
	 * Ops still here never completed: the disk tier, closed first,
	 * waited their I/O out. Their regions' mappings can go now.
	 */
	for (i = 0; m->ops && i < m->nr_ops; i++) {
		free(m->ops[i].bounce);
		kvtd_mem_put(m->ops[i].ref);
		m->ops[i].ref = NULL;
	}
	for (i = 0; i < m->nr_copies; i++)
		kvtd_mem_put(m->copy_refs[i]);
	m->nr_copies = 0;
	free(m->ops);
	m->ops = NULL;
	/* Before the DEVICE tier closes: it unregisters them. */
	kvtd_stage_fini(&m->stage);
	free(m->lost);
	m->lost = NULL;
	if (m->done.count)
		kvtd_warn("work: %u completions not taken by the driver: their work goes back to the queue",
			  m->done.count);
	kvtd_done_fini(&m->done);
	/* Never initialised is fine: the sets are zeroed with the manager. */
	kvtd_keyset_fini(&m->reads);
	kvtd_keyset_fini(&m->writes);
	kvtd_reclaim_fini(&m->unclaimed);
}

static uint32_t op_alloc(struct kvtd_manager *m, uint32_t type)
{
	uint32_t i = m->free_op;
	struct kvtd_op *op;

	if (i == KVTD_OP_NONE)
		return i;
	op = &m->ops[i];
	m->free_op = op->next;
	memset(op, 0, sizeof(*op));
	op->type = type;
	op->next = op->follow = KVTD_OP_NONE;
	m->ops_used++;
	return i;
}

static void op_free(struct kvtd_manager *m, uint32_t i)
{
	struct kvtd_op *op = &m->ops[i];

	free(op->bounce);
	op->bounce = NULL;
	kvtd_stage_put(&m->stage, op->stage);
	op->stage = NULL;
	/* Its writes into the region are done (or never happen). */
	kvtd_mem_put(op->ref);
	op->ref = NULL;
	op->type = KVTD_OP_FREE;
	op->next = m->free_op;
	m->free_op = i;
	m->ops_used--;
}

int kvtd_exec_residency(struct kvtd_manager *m,
			struct drm_kvtier_residency_item *items, uint32_t n)
{
	uint32_t i;
	int ret;

	for (i = 0; i < n; i++)
		items[i].result = 0;
	ret = kvtier_residency(m->kv, items, n);
	if (!ret)
		return 0;
	for (i = 0; i < n; i++)
		if (items[i].result)
			return ret;
	/* Refused as a whole: no item was applied. */
	kvtd_err("RESIDENCY of %u items refused: %s", n, strerror(-ret));
	for (i = 0; i < n; i++)
		items[i].result = ret;
	return ret;
}

static int exec_done_fn(void *ctx, struct drm_kvtier_work_done *items,
			size_t count, size_t *taken)
{
	return kvtier_work_complete_taken(ctx, items, count, taken);
}

/*
 * Send the completions. A WORK_COMPLETE the driver refuses as a whole
 * keeps them, for a retry after a backoff (kvtd_done_flush()): dropped,
 * their fetches would wait, and their slots stay taken, until the daemon
 * restarts. Logged once when that starts and once when it ends.
 */
static void exec_flush_done(struct kvtd_manager *m)
{
	uint32_t refused, retries = m->done.retries, n = m->done.count;
	uint64_t now = kvtier_now_ns();
	int ret;

	/* Within the backoff: nothing to send, nothing to log. */
	if (kvtd_done_retry_ns(&m->done) > now)
		return;
	ret = kvtd_done_flush(&m->done, exec_done_fn, m->kv, now, &refused);
	m->ctr.work_refused += refused;
	if (refused)
		kvtd_warn("work: the driver refused %u of %u completions: not held by this manager",
			  refused, n);
	if (m->done.retries == 1)
		kvtd_err("work: WORK_COMPLETE of %u items failed: %s; %u kept, sent again in a while",
			 n, strerror(-ret), m->done.count);
	else if (retries && !m->done.retries)
		kvtd_notice("work: WORK_COMPLETE went through after %u failures",
			    retries);
}

uint32_t kvtd_exec_room(const struct kvtd_manager *m)
{
	uint64_t held = (uint64_t)m->done.count + m->ops_used +
			(m->bl_count - m->bl_pos) + m->nr_copies;

	if (held >= m->done.room)
		return 0;
	return m->done.room - held < KVTD_RECV_BATCH ?
		       (uint32_t)(m->done.room - held) : KVTD_RECV_BATCH;
}

static void exec_complete(struct kvtd_manager *m,
			  const struct kvtd_tier_key *key, uint64_t work_id,
			  int status, uint64_t bytes)
{
	KVTD_USDT_WORK_COMPLETED(work_id, key->lo, key->hi, key->ns, status,
				 bytes);
	if (status)
		m->ctr.work_failed++;
	else
		m->ctr.work_done++;
	if (kvtd_done_add(&m->done, work_id, status, bytes, 0))
		exec_flush_done(m);
}

/* The driver says @handle has a disk copy that the disk tier lacks. */
static void exec_lost(struct kvtd_manager *m, uint64_t handle,
		      const struct kvtd_tier_key *k, const char *why)
{
	struct drm_kvtier_residency_item *r;
	uint32_t room;

	m->ctr.lost_on_disk++;
	kvtd_planner_note(m->planner, handle, KVTD_NOTE_DISK_GONE);
	kvtd_warn("disk: object %016llx%016llx of tenant %llu %s: its disk copy is forgotten",
		  (unsigned long long)k->hi, (unsigned long long)k->lo,
		  (unsigned long long)k->ns, why);
	if (m->nr_lost == m->lost_room) {
		room = m->lost_room ? 2 * m->lost_room : 64;
		r = realloc(m->lost, room * sizeof(*r));
		if (!r) {
			/* Harmless: the next read of it fails the same way. */
			kvtd_err("disk: no memory to record a lost copy");
			return;
		}
		m->lost = r;
		m->lost_room = room;
	}
	m->lost[m->nr_lost++] = (struct drm_kvtier_residency_item){
		.handle = handle,
		.op = KVTIER_RES_DROP,
		.tier = KVTIER_TIER_DISK,
	};
}

static void exec_flush_lost(struct kvtd_manager *m)
{
	uint32_t i;
	int ret;

	if (!m->nr_lost)
		return;
	ret = kvtd_exec_residency(m, m->lost, m->nr_lost);
	for (i = 0; ret && i < m->nr_lost; i++)
		if (m->lost[i].result && m->lost[i].result != -ENOENT)
			kvtd_warn("disk: RESIDENCY DROP DISK of handle %llu: %s",
				  (unsigned long long)m->lost[i].handle,
				  strerror(-m->lost[i].result));
	m->nr_lost = 0;
}

static void exec_flush_copies(struct kvtd_manager *m)
{
	uint64_t xfer = m->xfer_seq + 1;
	uint32_t i;
	int ret;

	if (!m->nr_copies)
		return;
	/* One transfer per object, all begun with the batch. */
	for (i = 0; i < m->nr_copies; i++)
		exec_xfer_start(m, KVTD_PATH_HOST_DEVICE, m->copies[i].len,
				&m->copy_keys[i]);
	ret = m->dev->ops->copy(m->dev, m->copies, m->nr_copies);
	for (i = 0; i < m->nr_copies; i++) {
		exec_xfer_end(xfer + i, KVTD_PATH_HOST_DEVICE,
			      m->copies[i].len, &m->copy_keys[i], ret);
		if (!ret)
			m->ctr.bytes_copied += m->copies[i].len;
		kvtd_mem_put(m->copy_refs[i]);
		exec_complete(m, &m->copy_keys[i], m->copy_ids[i], ret,
			      m->copies[i].len);
	}
	m->nr_copies = 0;
}

/*
 * Start @w's disk read into @dst. @ref holds @dst's region mapping (NULL
 * for a pool): it goes to the op, or is put when no op is left holding
 * it (a -EAGAIN retry looks the region up and holds it again).
 */
static int exec_read(struct kvtd_manager *m,
		     const struct drm_kvtier_work_item *w,
		     const struct kvtd_work_action *a, void *dst,
		     struct kvtd_mem_ref *ref)
{
	struct kvtd_tier_key key = exec_key(&w->key, w->tenant_id);
	uint32_t lead, i;
	struct kvtd_op *op;
	void *buf = dst;
	int ret;

	if (!m->disk) {
		kvtd_mem_put(ref);
		exec_complete(m, &key, w->work_id, -ENODEV, 0);
		return 0;
	}
	lead = kvtd_keyset_get(&m->reads, &key);
	if (lead != KVTD_KEYSET_NONE && m->ops[lead].len == a->len) {
		i = op_alloc(m, KVTD_OP_FOLLOW);
		if (i == KVTD_OP_NONE) {
			kvtd_mem_put(ref);
			return -EAGAIN;
		}
		op = &m->ops[i];
		op->ref = ref;
		op->key = key;
		op->work_id = w->work_id;
		op->dst = dst;
		op->len = a->len;
		op->dev_copy = a->stage;
		op->to_host = w->dst_tier == KVTIER_TIER_HOST;
		op->host_offset = w->dst_offset;
		op->handle = w->handle;
		op->follow = m->ops[lead].follow;
		m->ops[lead].follow = i;
		m->ctr.work_merged++;
		/* Its bytes come from the disk too, by way of the leader's. */
		op->xfer_id = exec_xfer_start(m, exec_read_path(op), op->len,
					      &key);
		return 0;
	}
	i = op_alloc(m, KVTD_OP_READ);
	if (i == KVTD_OP_NONE) {
		kvtd_mem_put(ref);
		return -EAGAIN;
	}
	op = &m->ops[i];
	/* From here op_free() puts it, on every path. */
	op->ref = ref;
	if (a->bounce) {
		op->bounce = aligned_alloc(KVTD_IO_ALIGN, a->io_len);
		if (!op->bounce) {
			op_free(m, i);
			exec_complete(m, &key, w->work_id, -ENOMEM, 0);
			return 0;
		}
		buf = op->bounce;
	} else if (a->stage) {
		ret = kvtd_stage_get(&m->stage, a->io_len, &op->stage);
		if (ret) {
			op_free(m, i);
			if (ret == -EAGAIN)
				return ret;
			exec_complete(m, &key, w->work_id, ret, 0);
			return 0;
		}
		buf = op->stage->addr;
		op->dev_copy = true;
	}
	ret = kvtd_disk_read(m->disk, &key, buf, a->io_len, i);
	if (ret) {
		op_free(m, i);
		if (ret == -EAGAIN)
			return ret;
		if (ret == -ENOENT)
			exec_lost(m, w->handle, &key, "is not in the disk index");
		exec_complete(m, &key, w->work_id, ret, 0);
		return 0;
	}
	op->key = key;
	op->work_id = w->work_id;
	op->handle = w->handle;
	op->dst = dst;
	op->len = a->len;
	op->to_host = w->dst_tier == KVTIER_TIER_HOST;
	op->host_offset = w->dst_offset;
	op->xfer_id = exec_xfer_start(m, exec_read_path(op), op->len, &key);
	m->submit = true;
	/* A read of another size cannot serve others: it is not the leader. */
	if (lead == KVTD_KEYSET_NONE)
		kvtd_keyset_put(&m->reads, &key, i);
	return 0;
}

/*
 * Start one item. 0 when it is started or completed, -EAGAIN to retry.
 *
 * A DEVICE destination is looked up by the region's id, generation and
 * cookie together: a region id is reused once its region goes, maybe by
 * another client's region, and the work must fail (-ESTALE, -ENOENT)
 * before any byte is copied rather than land in that one. The mapping
 * found is held until the copy or the read into it is done: a later
 * item's lookup may drop or replace it meanwhile, and it must not be
 * unmapped (and another region mapped there) under a pending write.
 */
static int exec_item(struct kvtd_manager *m,
		     const struct drm_kvtier_work_item *w)
{
	const struct kvtd_space pool_space = { .id = w->pool_id };
	const struct kvtd_space region_space = {
		.id = w->region_id,
		.gen = w->region_gen,
		.cookie = w->region_cookie,
	};
	struct kvtd_work_geom g = { 0 };
	struct kvtd_work_action a;
	struct kvtd_mem_ref *ref = NULL;
	void *pool = NULL, *region = NULL, *dst;
	struct kvtd_tier_key key;
	int ret = 0;

	if (w->src_tier == KVTIER_TIER_HOST || w->dst_tier == KVTIER_TIER_HOST)
		ret = m->host->ops->lookup(m->host, &pool_space, &pool,
					   &g.pool_size);
	if (!ret && w->dst_tier == KVTIER_TIER_DEVICE)
		ret = m->dev->ops->lookup(m->dev, &region_space, &region,
					  &g.region_size);
	if (!ret && w->dst_tier == KVTIER_TIER_DEVICE)
		g.region_devmem = !kvtd_mem_host_addressable(m->dev,
							     w->region_id);
	if (!ret)
		ret = kvtd_work_plan(w, &g, &a);
	if (ret) {
		if (ret == -ESTALE)
			m->ctr.work_stale++;
		kvtd_debug("work %llu: %s -> %s, pool %u region %u gen %u: %s",
			   (unsigned long long)w->work_id,
			   kvtier_tier_name(w->src_tier),
			   kvtier_tier_name(w->dst_tier), w->pool_id,
			   w->region_id, w->region_gen, strerror(-ret));
		key = exec_key(&w->key, w->tenant_id);
		exec_complete(m, &key, w->work_id, ret, 0);
		return 0;
	}
	dst = (char *)(a.dst_tier == KVTIER_TIER_HOST ? pool : region) +
	      a.dst_off;
	if (a.dst_tier == KVTIER_TIER_DEVICE)
		ref = kvtd_mem_hold(m->dev, w->region_id);
	if (a.kind == KVTD_ACT_DISK_READ) {
		/* A pool mapped just now: register it before its first read. */
		kvtd_manager_disk_regions(m);
		return exec_read(m, w, &a, dst, ref);
	}
	if (m->nr_copies == KVTD_RECV_BATCH)
		exec_flush_copies(m);
	m->copies[m->nr_copies] = (struct kvtd_copy){
		.dst = dst,
		.src = (char *)pool + a.src_off,
		.len = a.len,
	};
	m->copy_refs[m->nr_copies] = ref;
	m->copy_keys[m->nr_copies] = exec_key(&w->key, w->tenant_id);
	m->copy_ids[m->nr_copies++] = w->work_id;
	return 0;
}

void kvtd_exec_drain(struct kvtd_manager *m)
{
	if (m->bl_pos == 0 && m->bl_count) {
		/*
		 * A new batch: regions may have been re-registered, pools
		 * destroyed and created again under the same id since the
		 * last tick (the batch's work may be for the new pool).
		 */
		m->dev->ops->revalidate(m->dev);
		m->host->ops->revalidate(m->host);
	}
	while (m->bl_pos < m->bl_count) {
		if (exec_item(m, &m->backlog[m->bl_pos]) == -EAGAIN)
			break;
		m->bl_pos++;
	}
	if (m->bl_pos == m->bl_count)
		m->bl_pos = m->bl_count = 0;
	exec_flush_copies(m);
}

/*
 * Put @len bytes from host memory at @src into @dst: by memcpy, or with
 * @dev_copy (@dst is a GPU's) by the DEVICE tier's copy, which returns
 * once the bytes are there. 0 or -errno.
 */
static int exec_put(struct kvtd_manager *m, void *dst, const void *src,
		    uint64_t len, bool dev_copy)
{
	struct kvtd_copy c = { .dst = dst, .src = src, .len = len };

	if (!dev_copy) {
		memcpy(dst, src, len);
		return 0;
	}
	return m->dev->ops->copy(m->dev, &c, 1);
}

static void exec_read_done(struct kvtd_manager *m, uint32_t i, int res)
{
	struct kvtd_op *op = &m->ops[i], *f;
	/* The object's bytes in host memory, for the followers too. */
	const void *bytes = op->stage ? op->stage->addr : op->dst;
	uint32_t j, next;
	int status = res, ret;

	if (kvtd_keyset_get(&m->reads, &op->key) == i)
		kvtd_keyset_del(&m->reads, &op->key);
	if (!res && op->bounce)
		memcpy(op->dst, op->bounce, op->len);
	if (!res && op->stage)
		status = exec_put(m, op->dst, bytes, op->len, true);
	for (j = op->follow; j != KVTD_OP_NONE; j = next) {
		f = &m->ops[j];
		next = f->follow;
		ret = res;
		if (!ret)
			ret = exec_put(m, f->dst, bytes, f->len, f->dev_copy);
		exec_xfer_end(f->xfer_id, exec_read_path(f), f->len, &f->key,
			      ret);
		if (!ret)
			m->ctr.bytes_copied += f->len;
		if (!ret && f->to_host)
			kvtd_planner_in_host(m->planner, f->handle,
					     f->host_offset);
		exec_complete(m, &f->key, f->work_id, ret, f->len);
		op_free(m, j);
	}
	if (!status && op->to_host)
		kvtd_planner_in_host(m->planner, op->handle, op->host_offset);
	if (!res)
		m->ctr.bytes_read += op->len;
	else if (res == -EBADMSG)
		exec_lost(m, op->handle, &op->key, "failed its checksum");
	else if (res == -ENOENT)
		exec_lost(m, op->handle, &op->key, "is gone from the disk");
	else
		kvtd_warn("disk: reading handle %llu: %s",
			  (unsigned long long)op->handle, strerror(-res));
	exec_xfer_end(op->xfer_id, exec_read_path(op), op->len, &op->key,
		      status);
	/* The staging buffer goes back with the op, its copy done. */
	exec_complete(m, &op->key, op->work_id, status, op->len);
	op_free(m, i);
}

/* Record the written copies, then drop the host copies being evicted. */
static void exec_writes_done(struct kvtd_manager *m,
			     const struct kvtd_tier_cqe *cqe, unsigned int n)
{
	struct drm_kvtier_residency_item add[EXEC_REAP_BATCH];
	struct drm_kvtier_residency_item drop[EXEC_REAP_BATCH];
	uint32_t idx[EXEC_REAP_BATCH], didx[EXEC_REAP_BATCH];
	uint32_t na = 0, nd = 0, i;
	struct kvtd_op *op;

	for (i = 0; i < n; i++) {
		op = &m->ops[cqe[i].user_data];
		if (kvtd_keyset_get(&m->writes, &op->key) == cqe[i].user_data)
			kvtd_keyset_del(&m->writes, &op->key);
		exec_xfer_end(op->xfer_id, KVTD_PATH_HOST_DISK, op->len, &op->key,
			      cqe[i].res);
		if (cqe[i].res) {
			m->ctr.write_failed++;
			kvtd_planner_note(m->planner, op->handle,
					  KVTD_NOTE_WRITE_FAILED);
			if (op->evict)
				kvtd_planner_note(m->planner, op->handle,
						  KVTD_NOTE_KEPT);
			kvtd_warn("disk: writing handle %llu of pool %u: %s",
				  (unsigned long long)op->handle, op->pool_id,
				  strerror(-cqe[i].res));
			op_free(m, cqe[i].user_data);
			continue;
		}
		add[na] = (struct drm_kvtier_residency_item){
			.handle = op->handle,
			.location = cqe[i].location,
			.op = KVTIER_RES_ADD,
			.tier = KVTIER_TIER_DISK,
		};
		idx[na++] = cqe[i].user_data;
		m->writes_since_sync++;
	}
	if (na)
		kvtd_exec_residency(m, add, na);
	for (i = 0; i < na; i++) {
		op = &m->ops[idx[i]];
		if (add[i].result) {
			/* Freed meanwhile (-ENOENT): the copy has no owner. */
			m->ctr.write_orphaned++;
			if (add[i].result != -ENOENT)
				kvtd_warn("disk: RESIDENCY ADD DISK of handle %llu: %s",
					  (unsigned long long)op->handle,
					  strerror(-add[i].result));
			if (kvtd_disk_drop(m->disk, &op->key, KVTD_OP_NONE) == 0) {
				KVTD_USDT_EVICT(op->key.lo, op->key.hi, op->key.ns,
						KVTIER_TIER_DISK, KVTD_EVICT_DROP,
						KVTD_USDT_NO_SCORE,
						kvtd_manager_policy_name(m));
				m->submit = true;
			}
			continue;
		}
		m->ctr.written++;
		m->ctr.bytes_written += op->len;
		kvtd_planner_note(m->planner, op->handle, KVTD_NOTE_WRITTEN);
		if (!op->evict)
			continue;
		didx[nd] = idx[i];
		drop[nd++] = (struct drm_kvtier_residency_item){
			.handle = op->handle,
			.op = KVTIER_RES_DROP,
			.tier = KVTIER_TIER_HOST,
		};
	}
	if (nd)
		kvtd_exec_residency(m, drop, nd);
	for (i = 0; i < nd; i++) {
		op = &m->ops[didx[i]];
		if (!drop[i].result || drop[i].result == -EBUSY)
			KVTD_USDT_EVICT(op->key.lo, op->key.hi, op->key.ns,
					KVTIER_TIER_HOST,
					drop[i].result ? KVTD_EVICT_SKIP_BUSY :
							 op->evict_kind,
					op->score, kvtd_manager_policy_name(m));
		if (!drop[i].result) {
			m->ctr.evict_written++;
			kvtd_planner_note(m->planner, drop[i].handle,
					  KVTD_NOTE_DROPPED);
			continue;
		}
		if (drop[i].result == -EBUSY)
			m->ctr.evict_busy++;
		kvtd_planner_note(m->planner, drop[i].handle,
				  drop[i].result == -ENOENT ? KVTD_NOTE_NO_HOST :
							      KVTD_NOTE_KEPT);
	}
	for (i = 0; i < na; i++)
		op_free(m, idx[i]);
}

int kvtd_exec_reap(struct kvtd_manager *m, unsigned int min_wait)
{
	struct kvtd_tier_cqe cqe[EXEC_REAP_BATCH], wr[EXEC_REAP_BATCH];
	unsigned int nw, i;
	int n;

	if (!m->disk)
		return 0;
	do {
		n = kvtd_disk_reap(m->disk, cqe, EXEC_REAP_BATCH, min_wait);
		if (n < 0) {
			kvtd_err("disk: reaping completions: %s", strerror(-n));
			return n;
		}
		min_wait = 0;
		nw = 0;
		for (i = 0; i < (unsigned int)n; i++) {
			/* Drops of orphaned copies carry no operation. */
			if (cqe[i].user_data == KVTD_OP_NONE)
				continue;
			if (cqe[i].user_data == KVTD_OP_RECLAIM) {
				/* Their room is free now: writes take it. */
				if (--m->reclaim_inflight == 0)
					m->room_coming = 0;
				continue;
			}
			switch (m->ops[cqe[i].user_data].type) {
			case KVTD_OP_READ:
				exec_read_done(m, cqe[i].user_data, cqe[i].res);
				break;
			case KVTD_OP_WRITE:
				wr[nw++] = cqe[i];
				break;
			case KVTD_OP_SYNC:
				if (cqe[i].res)
					kvtd_warn("disk: fdatasync: %s",
						  strerror(-cqe[i].res));
				op_free(m, cqe[i].user_data);
				break;
			}
		}
		if (nw)
			exec_writes_done(m, wr, nw);
	} while (n == EXEC_REAP_BATCH);
	return 0;
}

void kvtd_exec_flush(struct kvtd_manager *m)
{
	int ret;

	exec_flush_copies(m);
	exec_flush_done(m);
	exec_flush_lost(m);
	if (m->disk && m->submit) {
		ret = kvtd_disk_submit(m->disk);
		if (ret < 0)
			kvtd_err("disk: submitting I/O: %s", strerror(-ret));
		m->submit = false;
	}
}

/* Drop @op's host copy, for @evict, once its write completes. */
static void exec_mark_evict(struct kvtd_op *op,
			    const struct kvtd_evict_action *evict)
{
	op->evict = true;
	op->evict_kind = evict->kind;
	op->score = evict->score;
}

bool kvtd_exec_writing(struct kvtd_manager *m,
		       const struct drm_kvtier_obj_record *rec,
		       const struct kvtd_evict_action *evict)
{
	struct kvtd_tier_key key = exec_key(&rec->key, rec->tenant_id);
	uint32_t i = kvtd_keyset_get(&m->writes, &key);

	if (i == KVTD_KEYSET_NONE)
		return false;
	if (evict)
		exec_mark_evict(&m->ops[i], evict);
	return true;
}

bool kvtd_exec_evict_after_write(struct kvtd_manager *m,
				 const struct kvtd_evict_action *evict)
{
	uint32_t i;

	/* The ops in flight: a queue depth of them at most. */
	for (i = 0; i < m->nr_ops; i++) {
		if (m->ops[i].type == KVTD_OP_WRITE &&
		    m->ops[i].handle == evict->handle) {
			exec_mark_evict(&m->ops[i], evict);
			return true;
		}
	}
	return false;
}

void kvtd_exec_note_writes(struct kvtd_manager *m)
{
	uint32_t i;

	for (i = 0; i < m->nr_ops; i++)
		if (m->ops[i].type == KVTD_OP_WRITE)
			kvtd_planner_note(m->planner, m->ops[i].handle,
					  KVTD_NOTE_WRITING);
}

int kvtd_exec_write(struct kvtd_manager *m,
		    const struct drm_kvtier_obj_record *rec,
		    const struct kvtd_evict_action *evict)
{
	struct kvtd_tier_key key = exec_key(&rec->key, rec->tenant_id);
	uint64_t size, len = kvtd_io_round(rec->size);
	struct kvtd_op *op;
	void *base;
	uint32_t i;
	int ret;

	if (!m->disk)
		return -ENODEV;
	if (kvtd_exec_writing(m, rec, evict))
		return 0;
	ret = m->host->ops->lookup(m->host,
				   &(struct kvtd_space){ .id = rec->pool_id },
				   &base, &size);
	if (ret)
		return ret;
	kvtd_manager_disk_regions(m);
	/* The object's slots hold the rounded length: slots are pages. */
	if (!rec->size || rec->offset % KVTD_IO_ALIGN || rec->offset > size ||
	    len > size - rec->offset)
		return -EINVAL;
	i = op_alloc(m, KVTD_OP_WRITE);
	if (i == KVTD_OP_NONE)
		return -EAGAIN;
	ret = kvtd_disk_write(m->disk, &key, (char *)base + rec->offset, len, i);
	if (ret) {
		op_free(m, i);
		/*
		 * Copies nobody claims go before a known object is dropped
		 * for want of room: their space comes back as their wipes
		 * complete, so this write is for a later pass.
		 */
		if (ret == -ENOSPC && kvtd_reconcile_room(m, len))
			ret = -EAGAIN;
		return ret;
	}
	op = &m->ops[i];
	op->key = key;
	op->handle = rec->handle;
	op->len = len;
	op->pool_id = rec->pool_id;
	if (evict)
		exec_mark_evict(op, evict);
	/* The write policy's admission, carried out. */
	KVTD_USDT_ADMIT(key.lo, key.hi, key.ns, KVTIER_TIER_DISK,
			evict ? evict->score :
				kvtd_planner_reuse(m->planner, rec->handle),
			kvtd_manager_policy_name(m));
	op->xfer_id = exec_xfer_start(m, KVTD_PATH_HOST_DISK, len, &key);
	kvtd_keyset_put(&m->writes, &key, i);
	m->submit = true;
	return 0;
}

void kvtd_exec_sync(struct kvtd_manager *m, bool force)
{
	uint64_t now = kvtier_now_ns();
	uint32_t i;

	if (!m->disk || !m->writes_since_sync)
		return;
	if (!force && now - m->last_sync_ns < KVTD_SYNC_INTERVAL_MS * 1000000ull)
		return;
	i = op_alloc(m, KVTD_OP_SYNC);
	if (i == KVTD_OP_NONE)
		return;
	if (kvtd_disk_sync(m->disk, i)) {
		op_free(m, i);
		return;
	}
	m->submit = true;
	m->writes_since_sync = 0;
	m->last_sync_ns = now;
}

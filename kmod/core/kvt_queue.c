// SPDX-License-Identifier: GPL-2.0
/*
 * Device regions, fetches and the work queue.
 *
 * Work items come from a table sized at create (max_work), so queueing
 * never allocates and a work id (sequence << 32 | slot) finds its item in
 * O(1). A work item holds a work reference on its object, which keeps the
 * object (not its place in the namespace) alive until the work completes.
 *
 * A fetch that queues anything gets a struct kvt_fetch with one waiter per
 * item; a HOST fetch of an object whose DISK->HOST work is already queued
 * joins that work's waiter list instead of queueing another. When the
 * fetch's last waiter completes, the client gets its event through
 * env->fetch_done, unless it closed.
 */
#include "kvt_internal.h"

int kvt_queue_init(struct kvt_core *core)
{
	uint32_t i;

	core->work = kvt_vzalloc(sizeof(*core->work) * core->max_work);
	if (!core->work)
		return -KVT_ENOMEM;
	for (i = core->max_work; i--;) {
		core->work[i].next = core->work_free;
		core->work_free = &core->work[i];
	}
	kvt_lock_init(&core->queue_lock);
	kvt_lock_init(&core->region_lock);
	return 0;
}

static void kvt_fetch_drop_waiter(struct kvt_fetch *f)
{
	if (--f->pending)
		return;
	kvt_client_put(f->client);
	kvt_free(f);
}

/* Frees what unfinished work still holds: fetches of closed clients. */
void kvt_queue_fini(struct kvt_core *core)
{
	struct kvt_waiter *w, *next;
	uint32_t i;

	for (i = 0; i < core->max_work; i++) {
		if (core->work[i].state == KVT_WORK_FREE)
			continue;
		for (w = core->work[i].waiters; w; w = next) {
			next = w->next;
			kvt_fetch_drop_waiter(w->fetch);
		}
	}
	kvt_vfree(core->work);
	kvt_lock_destroy(&core->region_lock);
	kvt_lock_destroy(&core->queue_lock);
}

/* ---- lists --------------------------------------------------------------- */

static void kvt_wlist_add_tail(struct kvt_wlist *l, struct kvt_work *w)
{
	w->next = NULL;
	w->prev = l->tail;
	if (l->tail)
		l->tail->next = w;
	else
		l->head = w;
	l->tail = w;
	l->count++;
}

static void kvt_wlist_del(struct kvt_wlist *l, struct kvt_work *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		l->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		l->tail = w->prev;
	w->prev = NULL;
	w->next = NULL;
	l->count--;
}

/* ---- regions ------------------------------------------------------------- */

/*
 * A region may hold a reference on a file of the environment's (its
 * memory, which the manager opens with kvt_region_get_file()). The core
 * never looks inside it: it keeps the pointer, takes more references
 * through env->region_get under the region lock (so that an unregister
 * cannot drop the last one meanwhile) and lets go of its own through
 * env->region_put once the region is gone and no core lock is held.
 */

static void kvt_region_put_file(struct kvt_core *core, void *file)
{
	if (file && core->ops.region_put)
		core->ops.region_put(core->env, file);
}

static void kvt_region_cancel_work(struct kvt_core *core, uint32_t region_id,
				   uint32_t gen);

int kvt_region_register(struct kvt_client *client,
			struct drm_kvtier_region_register *req, void *file)
{
	struct kvt_core *core = client->core;
	struct kvt_region *r;
	uint32_t i;
	int ret = -KVT_ENOSPC;

	if (!req->size || req->flags || req->kind >= KVTIER_REGION_KIND_COUNT)
		return -KVT_EINVAL;
	if ((req->kind == KVTIER_REGION_KIND_NONE) != !file)
		return -KVT_EINVAL;
	kvt_lock(&core->region_lock);
	for (i = 0; i < KVTIER_MAX_REGIONS; i++) {
		r = &core->regions[i];
		if (r->owner)
			continue;
		r->owner = client;
		r->size = req->size;
		r->cookie = req->cookie;
		r->file = file;
		r->kind = req->kind;
		/* Never 0: a work item's region_gen of 0 means "no region". */
		if (!++r->gen)
			r->gen = 1;
		req->region_id = i + 1;
		ret = 0;
		break;
	}
	kvt_unlock(&core->region_lock);
	return ret;
}

/*
 * Frees region @r and returns the file it held; region lock held. Work
 * queued for it is then cancelled by kvt_region_cancel_work() with the
 * generation it had; work a manager holds fails at completion, and a
 * manager that opens the region by generation finds it gone first.
 */
static void *kvt_region_clear(struct kvt_region *r)
{
	void *file = r->file;

	r->owner = NULL;
	r->file = NULL;
	r->kind = KVTIER_REGION_KIND_NONE;
	r->gen++;
	return file;
}

int kvt_region_unregister(struct kvt_client *client, uint32_t region_id)
{
	struct kvt_core *core = client->core;
	struct kvt_region *r;
	void *file = NULL;
	uint32_t gen = 0;
	int ret = -KVT_ENOENT;

	if (!region_id || region_id > KVTIER_MAX_REGIONS)
		return -KVT_ENOENT;
	kvt_lock(&core->region_lock);
	r = &core->regions[region_id - 1];
	if (r->owner == client) {
		gen = r->gen;
		file = kvt_region_clear(r);
		ret = 0;
	}
	kvt_unlock(&core->region_lock);
	if (!ret)
		kvt_region_cancel_work(core, region_id, gen);
	kvt_region_put_file(core, file);
	return ret;
}

void kvt_regions_forget(struct kvt_client *client)
{
	struct kvt_core *core = client->core;
	uint32_t i, gen;
	void *file;

	kvt_lock(&core->region_lock);
	for (i = 0; i < KVTIER_MAX_REGIONS; i++) {
		if (core->regions[i].owner != client)
			continue;
		gen = core->regions[i].gen;
		file = kvt_region_clear(&core->regions[i]);
		/*
		 * Work and files go with no region lock held; the scan goes
		 * on after.
		 */
		kvt_unlock(&core->region_lock);
		kvt_region_cancel_work(core, i + 1, gen);
		kvt_region_put_file(core, file);
		kvt_lock(&core->region_lock);
	}
	kvt_unlock(&core->region_lock);
}

int kvt_region_get_file(struct kvt_client *client,
			struct drm_kvtier_region_get_fd *out, void **file)
{
	struct kvt_core *core = client->core;
	uint32_t id = out->region_id;
	struct kvt_region *r;
	int ret = 0;

	*file = NULL;
	if (out->flags || out->pad)
		return -KVT_EINVAL;
	if (!kvt_client_is_manager(client))
		return -KVT_EPERM;
	if (!id || id > KVTIER_MAX_REGIONS)
		return -KVT_ENOENT;
	kvt_lock(&core->region_lock);
	r = &core->regions[id - 1];
	if (!r->owner) {
		ret = -KVT_ENOENT;
	} else if (out->gen && out->gen != r->gen) {
		ret = -KVT_ESTALE;
	} else if (!r->file) {
		ret = -KVT_ENODEV;
	} else {
		out->size = r->size;
		out->cookie = r->cookie;
		out->tenant_id = kvt_client_tenant(r->owner);
		out->kind = r->kind;
		out->gen = r->gen;
		if (core->ops.region_get)
			core->ops.region_get(core->env, r->file);
		*file = r->file;
	}
	kvt_unlock(&core->region_lock);
	return ret;
}

/* ---- work items ------------------------------------------------------------ */

/* Takes a free work item, or NULL when max_work are in use. */
static struct kvt_work *kvt_work_reserve(struct kvt_core *core)
{
	struct kvt_work *w;

	kvt_lock(&core->queue_lock);
	w = core->work_free;
	if (w) {
		core->work_free = w->next;
		w->next = NULL;
		w->state = KVT_WORK_RESERVED;
		if (!++core->work_seq)
			core->work_seq = 1;
		w->item.work_id = ((uint64_t)core->work_seq << 32) |
				  (uint32_t)(w - core->work);
	}
	kvt_unlock(&core->queue_lock);
	return w;
}

static void kvt_work_release(struct kvt_core *core, struct kvt_work *w)
{
	kvt_lock(&core->queue_lock);
	w->state = KVT_WORK_FREE;
	w->waiters = NULL;
	w->owner = NULL;
	w->prev = NULL;
	w->next = core->work_free;
	core->work_free = w;
	kvt_unlock(&core->queue_lock);
}

static void kvt_work_submit(struct kvt_core *core, struct kvt_work *w)
{
	kvt_lock(&core->queue_lock);
	w->state = KVT_WORK_QUEUED;
	kvt_wlist_add_tail(&core->queued, w);
	kvt_atomic64_inc(&core->st.work_queued);
	if (core->ops.work_queued)
		core->ops.work_queued(core->env);
	kvt_unlock(&core->queue_lock);
}

/* @fetch_id: KVT_TRACE_FETCH_ID(); 0 for the fetch that queued @w. */
static void kvt_trace_work(struct kvt_core *core, enum kvt_trace_event ev,
			   const struct kvt_work *w, uint64_t fetch_id,
			   int32_t status, uint64_t bytes)
{
	struct kvt_trace_rec rec;

	if (!core->ops.trace)
		return;
	kvt_memset(&rec, 0, sizeof(rec));
	rec.event = ev;
	rec.key = w->item.key;
	rec.tenant_id = w->item.tenant_id;
	rec.pool_id = w->item.pool_id;
	rec.tier = w->item.dst_tier;
	rec.src_tier = w->item.src_tier;
	rec.handle = w->item.handle;
	rec.work_id = w->item.work_id;
	rec.fetch_id = fetch_id ? fetch_id : w->trace_fetch;
	rec.status = status;
	rec.value = bytes;
	kvt_trace(core, &rec);
}

/*
 * FETCH_QUEUED for @waiter, which waits for @w from now on. Before the
 * work is submitted, so that no tracer sees it dispatched (or done)
 * before it was queued.
 */
static void kvt_trace_queued(struct kvt_client *client,
			     const struct kvt_waiter *waiter,
			     const struct kvt_work *w)
{
	kvt_trace_work(client->core, KVT_TRACE_FETCH_QUEUED, w,
		       KVT_TRACE_FETCH_ID(client->no, waiter->fetch->id), 0,
		       0);
}

/* The work item's description of its object; object locked. */
static void kvt_work_describe(struct kvt_core *core, struct kvt_work *w,
			      const struct kvt_obj *obj, kvt_handle_t handle)
{
	w->item.handle = handle;
	w->item.key = kvt_obj_ext(core, KVT_HANDLE_IDX(handle))->key;
	w->item.size = obj->size;
	w->item.tenant_id = kvt_obj_tenant_id(obj);
	w->item.op = KVTIER_WORK_FETCH;
	w->item.pool_id = obj->pool_id;
	w->item.region_gen = 0;
}

/* ---- fetch ------------------------------------------------------------------ */

/*
 * HOST: pin what is resident, join a DISK->HOST already queued, or queue
 * one into newly allocated slots. Client and object locked. Returns 0
 * (pinned), 1 (queued, *wp set when the caller must submit it) or -errno.
 */
static int kvt_fetch_host(struct kvt_client *client, struct kvt_obj *obj,
			  kvt_handle_t handle, struct kvt_ref *ref,
			  struct kvt_waiter *waiter, struct kvt_work **wp)
{
	struct kvt_core *core = client->core;
	uint32_t idx = KVT_HANDLE_IDX(handle);
	struct kvt_work *w;
	uint64_t first;
	int ret;

	if (obj->tiers & KVT_TIER_HOST_BIT) {
		ref->pins[KVTIER_TIER_HOST]++;
		kvt_obj_pin(core, obj, KVTIER_TIER_HOST);
		return 0;
	}
	if (obj->host_work) {
		waiter->next = obj->host_work->waiters;
		obj->host_work->waiters = waiter;
		*wp = obj->host_work;
		kvt_trace_queued(client, waiter, obj->host_work);
		return 1;
	}
	if (!(obj->tiers & KVT_TIER_DISK_BIT))
		return -KVT_EINVAL;
	w = kvt_work_reserve(core);
	if (!w)
		return -KVT_EAGAIN;
	ret = kvt_pool_alloc_run(core, obj->pool_id, obj->tenant,
				 obj->slot_count, idx, &first);
	if (ret) {
		kvt_work_release(core, w);
		return ret;
	}
	obj->slot_first = first;
	obj->flags |= KVT_OF_SLOTS;
	obj->host_work = w;
	obj->work_refs++;
	kvt_work_describe(core, w, obj, handle);
	w->item.src_tier = KVTIER_TIER_DISK;
	w->item.src_offset = kvt_obj_ext(core, idx)->disk_loc;
	w->item.dst_tier = KVTIER_TIER_HOST;
	w->item.dst_offset = first * kvt_pool_slot_size(core, obj->pool_id);
	w->item.region_id = 0;
	w->item.region_cookie = 0;
	w->waiters = waiter;
	w->trace_fetch = KVT_TRACE_FETCH_ID(client->no, waiter->fetch->id);
	kvt_trace_queued(client, waiter, w);
	kvt_work_submit(core, w);
	*wp = w;
	return 1;
}

/* DEVICE: always work, from HOST when resident (pinned meanwhile). */
static int kvt_fetch_device(struct kvt_client *client, struct kvt_obj *obj,
			    kvt_handle_t handle,
			    const struct drm_kvtier_fetch_item *it,
			    const struct kvt_region *region,
			    struct kvt_waiter *waiter, struct kvt_work **wp)
{
	struct kvt_core *core = client->core;
	struct kvt_work *w;

	if (it->offset > region->size || obj->size > region->size - it->offset)
		return -KVT_EINVAL;
	if (!(obj->tiers & (KVT_TIER_HOST_BIT | KVT_TIER_DISK_BIT)))
		return -KVT_EINVAL;
	w = kvt_work_reserve(core);
	if (!w)
		return -KVT_EAGAIN;
	kvt_work_describe(core, w, obj, handle);
	if (obj->tiers & KVT_TIER_HOST_BIT) {
		w->item.src_tier = KVTIER_TIER_HOST;
		w->item.src_offset = obj->slot_first *
				     kvt_pool_slot_size(core, obj->pool_id);
		kvt_obj_pin(core, obj, KVTIER_TIER_HOST);
	} else {
		w->item.src_tier = KVTIER_TIER_DISK;
		w->item.src_offset =
			kvt_obj_ext(core, KVT_HANDLE_IDX(handle))->disk_loc;
	}
	w->item.dst_tier = KVTIER_TIER_DEVICE;
	w->item.dst_offset = it->offset;
	w->item.region_id = it->region_id;
	w->item.region_cookie = region->cookie;
	w->item.region_gen = region->gen;
	w->waiters = waiter;
	w->trace_fetch = KVT_TRACE_FETCH_ID(client->no, waiter->fetch->id);
	obj->work_refs++;
	kvt_trace_queued(client, waiter, w);
	kvt_work_submit(core, w);
	*wp = w;
	return 1;
}

static int kvt_fetch_one(struct kvt_client *client, struct kvt_fetch *f,
			 struct drm_kvtier_fetch_item *it,
			 struct kvt_waiter *waiter)
{
	struct kvt_core *core = client->core;
	uint32_t idx = KVT_HANDLE_IDX(it->handle);
	struct kvt_work *w = NULL;
	struct kvt_ref *ref;
	struct kvt_obj *obj;
	int ret;

	if (it->tier == KVTIER_TIER_HOST) {
		if (it->offset || it->region_id)
			return -KVT_EINVAL;
	} else if (it->tier != KVTIER_TIER_DEVICE) {
		return -KVT_EINVAL;
	}
	kvt_lock(&client->lock);
	obj = kvt_obj_get(core, it->handle);
	if (!obj) {
		kvt_unlock(&client->lock);
		return -KVT_ENOENT;
	}
	ref = kvt_ref_find(client, idx);
	if (!kvt_obj_visible(client, obj)) {
		ret = -KVT_ENOENT;
	} else if (!ref || ref->gen != obj->gen) {
		ret = -KVT_EACCES;
	} else if (obj->state != KVT_OBJ_READY) {
		ret = -KVT_EINVAL;
	} else if (it->tier == KVTIER_TIER_HOST) {
		ret = kvt_fetch_host(client, obj, it->handle, ref, waiter, &w);
	} else {
		/*
		 * Queued under the region lock: an unregister either comes
		 * first, and the region is not found, or after, and it finds
		 * the work in the queue to cancel.
		 */
		ret = -KVT_ENOENT;
		kvt_lock(&core->region_lock);
		if (it->region_id && it->region_id <= KVTIER_MAX_REGIONS &&
		    core->regions[it->region_id - 1].owner == client)
			ret = kvt_fetch_device(client, obj, it->handle, it,
					&core->regions[it->region_id - 1],
					waiter, &w);
		kvt_unlock(&core->region_lock);
	}
	/* An accepted fetch is an access the eviction policies must see. */
	if (ret >= 0)
		kvt_obj_touch(core, idx, kvt_now_ns(), KVT_TOUCH_ACCESS);
	if (ret == 0)
		kvt_trace_obj(core, KVT_TRACE_PIN, obj, it->handle,
			      KVTIER_TIER_HOST);
	if (ret == 1) {
		/*
		 * Under the client lock, which completions of this fetch
		 * take to count it down.
		 */
		f->pending++;
		f->queued++;
	}
	kvt_obj_unlock(core, idx);
	kvt_unlock(&client->lock);
	return ret;
}

/* The fetch's last item is done: send its event, unless its client closed. */
static void kvt_fetch_finish(struct kvt_core *core, struct kvt_fetch *f)
{
	struct kvt_client *client = f->client;
	struct drm_kvtier_event_fetch ev;

	if (f->queued && core->ops.fetch_done) {
		kvt_memset(&ev, 0, sizeof(ev));
		ev.base.type = DRM_KVTIER_EVENT_FETCH_DONE;
		ev.base.length = sizeof(ev);
		ev.user_data = f->user_data;
		ev.fetch_id = f->id;
		ev.completed = f->completed;
		ev.failed = f->failed;
		ev.status = f->status;
		kvt_lock(&client->ev_lock);
		if (!client->closed)
			core->ops.fetch_done(core->env, client->priv, &ev);
		kvt_unlock(&client->ev_lock);
	}
	kvt_client_put(client);
	kvt_free(f);
}

int kvt_fetch(struct kvt_client *client, struct drm_kvtier_fetch *req,
	      struct drm_kvtier_fetch_item *items)
{
	struct kvt_core *core = client->core;
	uint32_t i, count = req->count, queued = 0, failed = 0;
	struct kvt_fetch *f;
	bool done;
	int ret;

	if (!count || count > KVTIER_MAX_BATCH || req->flags || req->pad)
		return -KVT_EINVAL;
	f = kvt_zalloc(sizeof(*f) + sizeof(f->w[0]) * count);
	if (!f)
		return -KVT_ENOMEM;
	f->client = client;
	f->user_data = req->user_data;
	/*
	 * One count for the submission itself, so that no completion can
	 * finish the fetch before every item was tried.
	 */
	f->pending = 1;
	kvt_lock(&client->lock);
	client->kref++;
	if (!++client->fetch_seq)
		client->fetch_seq = 1;
	f->id = client->fetch_seq;
	kvt_unlock(&client->lock);

	for (i = 0; i < count; i++) {
		f->w[i].fetch = f;
		ret = kvt_fetch_one(client, f, &items[i], &f->w[i]);
		items[i].result = ret;
		if (ret < 0)
			failed++;
		else
			kvt_atomic64_inc(&core->st.fetches);
		if (ret == 1)
			queued++;
	}
	req->fetch_id = f->id;
	req->pending = queued;
	req->failed = failed;

	kvt_lock(&client->lock);
	done = !--f->pending;
	kvt_unlock(&client->lock);
	if (done)
		kvt_fetch_finish(core, f);
	return 0;
}

/* ---- the manager ------------------------------------------------------------ */

int kvt_manager_attach(struct kvt_client *client, uint64_t *queued)
{
	struct kvt_core *core = client->core;
	int ret = 0;

	kvt_lock(&client->lock);
	kvt_lock(&core->queue_lock);
	if (core->manager && core->manager != client) {
		ret = -KVT_EBUSY;
	} else {
		core->manager = client;
		kvt_store_release(&client->manager, true);
		*queued = core->queued.count;
	}
	kvt_unlock(&core->queue_lock);
	kvt_unlock(&client->lock);
	return ret;
}

/*
 * The manager's wait condition; a lockless read, since it is evaluated
 * where sleeping on a lock is not allowed.
 */
bool kvt_work_available(struct kvt_core *core)
{
	return kvt_load_acquire(&core->queued.count) != 0;
}

/*
 * The manager closes: its dispatched work goes back to the queue's front,
 * in the order it was queued, its access stream closes, and the role is
 * free.
 */
void kvt_queue_manager_close(struct kvt_client *client)
{
	struct kvt_core *core = client->core;
	struct kvt_stream *stream = NULL;
	struct kvt_work *w;

	kvt_lock(&client->lock);
	kvt_lock(&core->queue_lock);
	if (core->manager == client) {
		/* The stream is the manager's: it goes with the role. */
		stream = core->stream;
		kvt_store_release(&core->stream, NULL);
		while (core->dispatched.tail) {
			w = core->dispatched.tail;
			kvt_wlist_del(&core->dispatched, w);
			w->state = KVT_WORK_QUEUED;
			w->owner = NULL;
			w->prev = NULL;
			w->next = core->queued.head;
			if (core->queued.head)
				core->queued.head->prev = w;
			else
				core->queued.tail = w;
			core->queued.head = w;
			core->queued.count++;
		}
		core->manager = NULL;
		kvt_store_release(&client->manager, false);
		if (core->queued.count && core->ops.work_queued)
			core->ops.work_queued(core->env);
	}
	kvt_unlock(&core->queue_lock);
	kvt_unlock(&client->lock);
	kvt_stream_retire(core, stream);
}

int kvt_work_take(struct kvt_client *client, struct drm_kvtier_work_item *out,
		  uint32_t room, uint32_t *taken)
{
	struct kvt_core *core = client->core;
	struct kvt_work *w;
	uint32_t n = 0;

	*taken = 0;
	kvt_lock(&core->queue_lock);
	if (core->manager != client) {
		kvt_unlock(&core->queue_lock);
		return -KVT_EPERM;
	}
	while (n < room && core->queued.head) {
		w = core->queued.head;
		kvt_wlist_del(&core->queued, w);
		kvt_wlist_add_tail(&core->dispatched, w);
		w->state = KVT_WORK_DISPATCHED;
		w->owner = client;
		out[n++] = w->item;
		kvt_atomic64_inc(&core->st.work_dispatched);
		kvt_trace_work(core, KVT_TRACE_WORK_DISPATCHED, w, 0, 0, 0);
	}
	kvt_unlock(&core->queue_lock);
	*taken = n;
	return 0;
}

void kvt_work_untake(struct kvt_client *client,
		     const struct drm_kvtier_work_item *items, uint32_t count)
{
	struct kvt_core *core = client->core;
	struct kvt_work *w;
	uint32_t slot;

	kvt_lock(&core->queue_lock);
	/* Last first, each to the front: they keep the order they had. */
	while (count--) {
		slot = (uint32_t)items[count].work_id;
		if (slot >= core->max_work)
			continue;
		w = &core->work[slot];
		if (w->state != KVT_WORK_DISPATCHED || w->owner != client ||
		    w->item.work_id != items[count].work_id)
			continue;
		kvt_wlist_del(&core->dispatched, w);
		w->state = KVT_WORK_QUEUED;
		w->owner = NULL;
		w->next = core->queued.head;
		if (core->queued.head)
			core->queued.head->prev = w;
		else
			core->queued.tail = w;
		core->queued.head = w;
		core->queued.count++;
	}
	/* Another thread of the manager may be waiting for work. */
	if (core->queued.count && core->ops.work_queued)
		core->ops.work_queued(core->env);
	kvt_unlock(&core->queue_lock);
}

/* One waiter of completed work: pin for its client, count its fetch. */
static void kvt_complete_waiter(struct kvt_core *core, struct kvt_work *w,
				struct kvt_waiter *waiter, int32_t status)
{
	uint32_t idx = KVT_HANDLE_IDX(w->item.handle);
	uint32_t tier = w->item.dst_tier;
	struct kvt_fetch *f = waiter->fetch;
	struct kvt_client *c = f->client;
	struct kvt_obj *obj;
	struct kvt_ref *ref;
	bool ok = false, done;

	kvt_lock(&c->lock);
	if (!status && !c->closed) {
		obj = kvt_obj_ptr(core, idx);
		kvt_obj_lock(core, idx);
		ref = kvt_ref_find(c, idx);
		/* The client may have released the object meanwhile. */
		if (ref && ref->gen == obj->gen &&
		    obj->state == KVT_OBJ_READY &&
		    (tier == KVTIER_TIER_DEVICE ||
		     (obj->tiers & KVT_TIER_HOST_BIT))) {
			ref->pins[tier]++;
			kvt_obj_pin(core, obj, tier);
			kvt_trace_obj(core, KVT_TRACE_PIN, obj, w->item.handle,
				      tier);
			ok = true;
		}
		kvt_obj_unlock(core, idx);
	}
	if (ok) {
		f->completed++;
	} else {
		f->failed++;
		if (!f->status)
			f->status = status ? status : -KVT_ENOENT;
	}
	done = !--f->pending;
	kvt_trace_work(core, KVT_TRACE_FETCH_DONE, w,
		       KVT_TRACE_FETCH_ID(c->no, f->id),
		       ok ? 0 : status ? status : -KVT_ENOENT, 0);
	kvt_unlock(&c->lock);
	if (done)
		kvt_fetch_finish(core, f);
}

/*
 * Finishes work @w, which the caller took off its list and marked DONE,
 * with @status: the object's residency, the transfer's pin, the waiters'
 * pins and events, the work's reference on the object, and the item
 * itself back to the free list.
 */
static void kvt_work_finish(struct kvt_core *core, struct kvt_work *w,
			    int32_t status, uint64_t bytes)
{
	struct kvt_waiter *waiters, *next;
	struct kvt_release rel, rel_dead;
	const struct kvt_region *r;
	struct kvt_obj *obj;
	uint32_t idx;

	kvt_trace_work(core, KVT_TRACE_WORK_COMPLETED, w, 0, status, bytes);

	idx = KVT_HANDLE_IDX(w->item.handle);
	obj = kvt_obj_ptr(core, idx);
	kvt_release_init(&rel);
	kvt_release_init(&rel_dead);

	/*
	 * The work's reference keeps the object; only its state may have
	 * moved on (freed: EVICTING).
	 */
	kvt_obj_lock(core, idx);
	waiters = w->waiters;
	w->waiters = NULL;
	if (w->item.dst_tier == KVTIER_TIER_HOST) {
		obj->host_work = NULL;
		if (!status && obj->state == KVT_OBJ_READY) {
			kvt_obj_set_tiers(core, obj,
					  obj->tiers | KVT_TIER_HOST_BIT);
		} else {
			if (!status)
				status = -KVT_ENOENT;
			kvt_obj_take_slots(core, obj, &rel);
		}
	} else {
		if (w->item.src_tier == KVTIER_TIER_HOST)
			kvt_obj_unpin(core, obj, KVTIER_TIER_HOST, 1);
		if (!status) {
			kvt_lock(&core->region_lock);
			r = &core->regions[w->item.region_id - 1];
			if (!r->owner || r->gen != w->item.region_gen)
				status = -KVT_ENOENT;
			kvt_unlock(&core->region_lock);
		}
		if (!status && obj->state != KVT_OBJ_READY)
			status = -KVT_ENOENT;
	}
	kvt_obj_unlock(core, idx);

	for (; waiters; waiters = next) {
		next = waiters->next;
		kvt_complete_waiter(core, w, waiters, status);
	}

	kvt_obj_lock(core, idx);
	obj->work_refs--;
	kvt_obj_maybe_kill(core, obj, idx, &rel_dead);
	kvt_obj_unlock(core, idx);

	kvt_release_finish(core, &rel);
	kvt_release_finish(core, &rel_dead);
	kvt_work_release(core, w);
}

static int kvt_complete_one(struct kvt_client *client,
			    struct drm_kvtier_work_done *d)
{
	struct kvt_core *core = client->core;
	uint32_t slot = (uint32_t)d->work_id;
	int32_t status = d->status;
	struct kvt_work *w;

	/*
	 * 0 or -errno, and errnos end at 4095 (the kernel's MAX_ERRNO):
	 * anything else would reach the client's event as no error code.
	 * Nothing is completed; the work stays dispatched to the manager.
	 */
	if (status > 0 || status < -4095)
		return -KVT_EINVAL;
	if (slot >= core->max_work)
		return -KVT_ENOENT;
	w = &core->work[slot];
	kvt_lock(&core->queue_lock);
	if (w->state != KVT_WORK_DISPATCHED || w->item.work_id != d->work_id ||
	    w->owner != client) {
		kvt_unlock(&core->queue_lock);
		return -KVT_ENOENT;
	}
	kvt_wlist_del(&core->dispatched, w);
	w->state = KVT_WORK_DONE;
	kvt_atomic64_inc(&core->st.work_completed);
	kvt_atomic64_add(&core->st.bytes_moved, d->bytes);
	kvt_unlock(&core->queue_lock);
	kvt_work_finish(core, w, status, d->bytes);
	return 0;
}

/*
 * Region @region_id of generation @gen is gone: DEVICE work still queued
 * for it fails now, so that its transfer pin and its fetch do not wait for
 * a manager that may never come, and no manager ever copies into the
 * region that takes the id next.
 */
static void kvt_region_cancel_work(struct kvt_core *core, uint32_t region_id,
				   uint32_t gen)
{
	struct kvt_wlist gone = { 0 };
	struct kvt_work *w, *next;

	kvt_lock(&core->queue_lock);
	for (w = core->queued.head; w; w = next) {
		next = w->next;
		if (w->item.dst_tier != KVTIER_TIER_DEVICE ||
		    w->item.region_id != region_id ||
		    w->item.region_gen != gen)
			continue;
		kvt_wlist_del(&core->queued, w);
		w->state = KVT_WORK_DONE;
		kvt_atomic64_inc(&core->st.work_completed);
		kvt_wlist_add_tail(&gone, w);
	}
	kvt_unlock(&core->queue_lock);

	for (w = gone.head; w; w = next) {
		next = w->next;
		kvt_work_finish(core, w, -KVT_ENOENT, 0);
	}
}

int kvt_work_complete(struct kvt_client *client,
		      struct drm_kvtier_work_done *items, uint32_t count,
		      uint32_t *failed)
{
	uint32_t i, n = 0;

	if (!kvt_client_is_manager(client))
		return -KVT_EPERM;
	for (i = 0; i < count; i++) {
		items[i].result = kvt_complete_one(client, &items[i]);
		if (items[i].result)
			n++;
	}
	*failed = n;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Pools and their slot allocators. The environment owns a pool's memory;
 * the core hands out runs of contiguous slots from a bitmap, searched from
 * a hint just past the last run, and keeps a slot -> object map that the
 * mmap fault path checks against the faulting client's references.
 *
 * A pool's struct lives in the core for the core's whole life, so paths
 * that hold only a pool id (the fault path, an object's pool) can lock it
 * without a global lock; `live` says whether it currently exists.
 */
#include "kvt_internal.h"

void kvt_pools_init(struct kvt_core *core)
{
	uint32_t i;

	kvt_lock_init(&core->pools_lock);
	for (i = 0; i < KVTIER_MAX_POOLS; i++) {
		kvt_lock_init(&core->pools[i].lock);
		core->pools[i].id = i + 1;
	}
}

void kvt_pools_fini(struct kvt_core *core)
{
	uint32_t i;

	for (i = 0; i < KVTIER_MAX_POOLS; i++) {
		kvt_vfree(core->pools[i].bitmap);
		kvt_vfree(core->pools[i].owner);
		kvt_lock_destroy(&core->pools[i].lock);
	}
	kvt_lock_destroy(&core->pools_lock);
}

/* The pool slot for @pool_id, live or not; NULL when the id is out of range. */
struct kvt_pool *kvt_pool_get(struct kvt_core *core, uint32_t pool_id)
{
	if (!pool_id || pool_id > KVTIER_MAX_POOLS)
		return NULL;
	return &core->pools[pool_id - 1];
}

/* Slot size of a pool that has objects (and so cannot go away). */
uint64_t kvt_pool_slot_size(struct kvt_core *core, uint32_t pool_id)
{
	return core->pools[pool_id - 1].slot_size;
}

/* ---- bitmap ---------------------------------------------------------------- */

static bool kvt_bit_test(const uint64_t *bm, uint64_t i)
{
	return bm[i >> 6] & (1ull << (i & 63));
}

static void kvt_bits_set(uint64_t *bm, uint64_t first, uint64_t count)
{
	uint64_t i = first, end = first + count;

	while (i < end) {
		if (!(i & 63) && end - i >= 64) {
			bm[i >> 6] = ~0ull;
			i += 64;
			continue;
		}
		bm[i >> 6] |= 1ull << (i & 63);
		i++;
	}
}

static void kvt_bits_clear(uint64_t *bm, uint64_t first, uint64_t count)
{
	uint64_t i = first, end = first + count;

	while (i < end) {
		if (!(i & 63) && end - i >= 64) {
			bm[i >> 6] = 0;
			i += 64;
			continue;
		}
		bm[i >> 6] &= ~(1ull << (i & 63));
		i++;
	}
}

/* First run of @n clear bits in [lo, hi); whole words are skipped at once. */
static bool kvt_bits_find(const uint64_t *bm, uint64_t lo, uint64_t hi,
			  uint64_t n, uint64_t *first)
{
	uint64_t p = lo, start = 0, run = 0, w;

	while (p < hi) {
		w = bm[p >> 6];
		if (!(p & 63) && (w == ~0ull || !w)) {
			/*
			 * Bits past the pool's end are set, so a clear word
			 * lies wholly inside it.
			 */
			if (w) {
				run = 0;
			} else {
				if (!run)
					start = p;
				run += 64;
				if (run >= n)
					goto found;
			}
			p += 64;
			continue;
		}
		if (w & (1ull << (p & 63))) {
			run = 0;
		} else {
			if (!run)
				start = p;
			if (++run >= n)
				goto found;
		}
		p++;
	}
	return false;
found:
	*first = start;
	return true;
}

/* Finds, marks and assigns to object @idx a run of @n slots; pool locked. */
static bool kvt_pool_take(struct kvt_pool *pool, uint64_t n, uint32_t idx,
			  uint64_t *first)
{
	uint64_t i;

	if (pool->slots_free < n)
		return false;
	if (!kvt_bits_find(pool->bitmap, pool->hint, pool->slot_count, n,
			   first) &&
	    !kvt_bits_find(pool->bitmap, 0, pool->slot_count, n, first))
		return false;
	kvt_bits_set(pool->bitmap, *first, n);
	for (i = 0; i < n; i++)
		pool->owner[*first + i] = idx + 1;
	pool->slots_free -= n;
	pool->hint = *first + n;
	if (pool->hint >= pool->slot_count)
		pool->hint = 0;
	return true;
}

static void kvt_pool_give(struct kvt_pool *pool, uint64_t first, uint64_t n)
{
	uint64_t i;

	if (KVT_WARN_ON(first + n > pool->slot_count))
		return;
	for (i = 0; i < n; i++) {
		KVT_WARN_ON(!kvt_bit_test(pool->bitmap, first + i));
		pool->owner[first + i] = 0;
	}
	kvt_bits_clear(pool->bitmap, first, n);
	pool->slots_free += n;
}

/* ---- allocation ------------------------------------------------------------ */

/*
 * Charges @tenant and takes a run for each item (items[].slot_count slots,
 * object index in the low half of items[].handle); writes each run's first
 * slot to items[].offset. All or nothing: -ENOENT (pool gone; no item to
 * blame, *failed_index is left alone), -EDQUOT (*failed_index: the first
 * item past the quota) or -ENOSPC (*failed_index: the first item that
 * found no run).
 */
int kvt_pool_alloc_batch(struct kvt_core *core, struct kvt_pool *pool,
			 struct kvt_tenant *tenant,
			 struct drm_kvtier_alloc_item *items, uint32_t count,
			 uint64_t total, uint32_t *failed_index)
{
	uint64_t room, first, sum = 0;
	uint32_t i;
	int ret;

	kvt_lock(&pool->lock);
	if (!pool->live) {
		ret = -KVT_ENOENT;
		goto out_unlock;
	}
	ret = kvt_tenant_charge(core, tenant, pool->id, total, count, &room);
	if (ret) {
		for (i = 0; i < count; i++) {
			sum += items[i].slot_count;
			if (sum > room)
				break;
		}
		*failed_index = i < count ? i : KVTIER_NO_INDEX;
		goto out_unlock;
	}
	for (i = 0; i < count; i++) {
		if (!kvt_pool_take(pool, items[i].slot_count,
				   KVT_HANDLE_IDX(items[i].handle), &first))
			break;
		items[i].offset = first;
	}
	if (i < count) {
		*failed_index = i;
		while (i--)
			kvt_pool_give(pool, items[i].offset,
				      items[i].slot_count);
		kvt_tenant_uncharge(tenant, pool->id, total, count);
		ret = -KVT_ENOSPC;
		goto out_unlock;
	}
	pool->objects += count;
	pool->objects_total += count;

out_unlock:
	kvt_unlock(&pool->lock);
	return ret;
}

/*
 * Host slots for an object already counted in the pool (a fetch from
 * disk). Returns 0 and *first, -ENOENT, -EDQUOT or -ENOSPC.
 */
int kvt_pool_alloc_run(struct kvt_core *core, uint32_t pool_id,
		       struct kvt_tenant *tenant, uint64_t count, uint32_t idx,
		       uint64_t *first)
{
	struct kvt_pool *pool = kvt_pool_get(core, pool_id);
	uint64_t room;
	int ret;

	if (!pool)
		return -KVT_ENOENT;
	kvt_lock(&pool->lock);
	if (!pool->live) {
		ret = -KVT_ENOENT;
		goto out_unlock;
	}
	ret = kvt_tenant_charge(core, tenant, pool_id, count, 0, &room);
	if (ret)
		goto out_unlock;
	if (!kvt_pool_take(pool, count, idx, first)) {
		kvt_tenant_uncharge(tenant, pool_id, count, 0);
		ret = -KVT_ENOSPC;
		goto out_unlock;
	}
	pool->objects++;

out_unlock:
	kvt_unlock(&pool->lock);
	return ret;
}

/*
 * Gives back @count slots (0: none) and, with @object_gone, the object's
 * place in the pool and its tenant's object count.
 */
void kvt_pool_free_run(struct kvt_core *core, uint32_t pool_id,
		       struct kvt_tenant *tenant, uint64_t first,
		       uint64_t count, bool object_gone)
{
	struct kvt_pool *pool = kvt_pool_get(core, pool_id);

	if (KVT_WARN_ON(!pool))
		return;
	kvt_lock(&pool->lock);
	if (count) {
		kvt_pool_give(pool, first, count);
		pool->objects--;
	}
	if (object_gone)
		pool->objects_total--;
	kvt_tenant_uncharge(tenant, pool_id, count, object_gone ? 1 : 0);
	kvt_unlock(&pool->lock);
}

/* ---- pool management -------------------------------------------------------- */

int kvt_pool_validate(struct kvt_client *client,
		      const struct drm_kvtier_pool_create *req,
		      uint64_t page_size)
{
	uint64_t bytes;

	if (!kvt_client_is_admin(client))
		return -KVT_EPERM;
	if (!page_size || !req->slot_size || req->slot_size % page_size)
		return -KVT_EINVAL;
	/* The slot -> object map holds 32-bit entries per slot. */
	if (!req->slot_count || req->slot_count > UINT32_MAX)
		return -KVT_EINVAL;
	if (kvt_mul_overflow(req->slot_size, req->slot_count, &bytes))
		return -KVT_EINVAL;
	if (req->kind >= KVTIER_KIND_COUNT)
		return -KVT_EINVAL;
	if (req->flags & ~KVTIER_POOL_CREATE_FLAGS)
		return -KVT_EINVAL;
	if (req->reserved[0] || req->reserved[1])
		return -KVT_EINVAL;
	return 0;
}

int kvt_pool_add(struct kvt_client *client,
		 const struct drm_kvtier_pool_create *req, uint32_t *pool_id)
{
	struct kvt_core *core = client->core;
	struct kvt_pool *pool = NULL;
	uint64_t words, *bitmap;
	uint32_t *owner, i;
	int ret;

	if (!kvt_client_is_admin(client))
		return -KVT_EPERM;
	/* The page size was checked by kvt_pool_validate(); any will do. */
	ret = kvt_pool_validate(client, req, 1);
	if (ret)
		return ret;

	words = (req->slot_count + 63) / 64;
	bitmap = kvt_vzalloc(words * sizeof(*bitmap));
	owner = kvt_vzalloc(req->slot_count * sizeof(*owner));
	if (!bitmap || !owner) {
		ret = -KVT_ENOMEM;
		goto err_free_maps;
	}
	if (req->slot_count & 63)
		bitmap[words - 1] = ~0ull << (req->slot_count & 63);

	kvt_lock(&core->pools_lock);
	for (i = 0; i < KVTIER_MAX_POOLS; i++) {
		if (!core->pools[i].in_use) {
			pool = &core->pools[i];
			pool->in_use = true;
			pool->serial = ++core->pool_serial;
			break;
		}
	}
	kvt_unlock(&core->pools_lock);
	if (!pool) {
		ret = -KVT_ENOSPC;
		goto err_free_maps;
	}

	kvt_lock(&pool->lock);
	pool->kind = req->kind;
	pool->pflags = req->flags;
	pool->numa_node = (req->flags & KVTIER_POOL_NUMA) ? req->numa_node : -1;
	pool->slot_size = req->slot_size;
	pool->slot_count = req->slot_count;
	pool->slots_free = req->slot_count;
	pool->hint = 0;
	pool->objects = 0;
	pool->objects_total = 0;
	pool->bitmap = bitmap;
	pool->owner = owner;
	pool->live = true;
	kvt_unlock(&pool->lock);
	*pool_id = pool->id;
	return 0;

err_free_maps:
	kvt_vfree(bitmap);
	kvt_vfree(owner);
	return ret;
}

int kvt_pool_remove(struct kvt_client *client, uint32_t pool_id)
{
	struct kvt_core *core = client->core;
	struct kvt_pool *pool = kvt_pool_get(core, pool_id);
	uint64_t *bitmap;
	uint32_t *owner;

	if (!kvt_client_is_admin(client))
		return -KVT_EPERM;
	if (!pool)
		return -KVT_ENOENT;
	kvt_lock(&pool->lock);
	if (!pool->live) {
		kvt_unlock(&pool->lock);
		return -KVT_ENOENT;
	}
	if (pool->objects_total) {
		kvt_unlock(&pool->lock);
		return -KVT_EBUSY;
	}
	pool->live = false;
	bitmap = pool->bitmap;
	owner = pool->owner;
	pool->bitmap = NULL;
	pool->owner = NULL;
	pool->slot_count = 0;
	kvt_unlock(&pool->lock);

	/*
	 * Quotas set on this pool must not carry over to the id's next pool,
	 * so they go before the id is free again.
	 */
	kvt_tenant_forget_pool(core, pool_id);
	kvt_lock(&core->pools_lock);
	pool->in_use = false;
	kvt_unlock(&core->pools_lock);

	kvt_vfree(bitmap);
	kvt_vfree(owner);
	return 0;
}

int kvt_pool_info(struct kvt_core *core, uint32_t pool_id,
		  struct drm_kvtier_pool_info *out)
{
	struct kvt_pool *pool = kvt_pool_get(core, pool_id);
	int ret = 0;

	if (!pool)
		return -KVT_ENOENT;
	kvt_lock(&pool->lock);
	if (!pool->live) {
		ret = -KVT_ENOENT;
		goto out_unlock;
	}
	out->pool_id = pool_id;
	out->slot_size = pool->slot_size;
	out->slot_count = pool->slot_count;
	out->slots_used = pool->slot_count - pool->slots_free;
	out->objects = pool->objects;
	out->kind = pool->kind;
	out->flags = pool->pflags;
	out->numa_node = pool->numa_node;
	out->pad2 = 0;
	out->serial = pool->serial;
	out->reserved = 0;

out_unlock:
	kvt_unlock(&pool->lock);
	return ret;
}

int kvt_slot_access(struct kvt_client *client, uint32_t pool_id,
		    uint64_t slot)
{
	struct kvt_pool *pool = kvt_pool_get(client->core, pool_id);
	uint32_t owner;
	int ret = 0;

	if (!pool)
		return -KVT_ENOENT;
	kvt_lock(&client->lock);
	kvt_lock(&pool->lock);
	if (!pool->live || slot >= pool->slot_count) {
		kvt_unlock(&pool->lock);
		ret = -KVT_ENOENT;
		goto out_unlock;
	}
	owner = pool->owner[slot];
	kvt_unlock(&pool->lock);

	if (client->manager || kvt_client_is_admin(client))
		goto out_unlock;
	/*
	 * A reference keeps its object, and so the object's slots, alive:
	 * while the client holds one, owner names that same object.
	 */
	if (!owner || !kvt_ref_find(client, owner - 1))
		ret = -KVT_EACCES;

out_unlock:
	kvt_unlock(&client->lock);
	return ret;
}

int kvt_slot_write_access(struct kvt_client *client, uint32_t pool_id,
			  uint64_t slot)
{
	struct kvt_core *core = client->core;
	struct kvt_pool *pool = kvt_pool_get(core, pool_id);
	struct kvt_obj *obj;
	uint32_t owner;
	int ret = -KVT_EACCES;

	if (!pool)
		return -KVT_ENOENT;
	kvt_lock(&pool->lock);
	if (!pool->live || slot >= pool->slot_count) {
		kvt_unlock(&pool->lock);
		return -KVT_ENOENT;
	}
	owner = pool->owner[slot];
	kvt_unlock(&pool->lock);
	if (!owner)
		return -KVT_EACCES;

	/*
	 * The slot may have changed hands since it was read: the object must
	 * still be a WRITING one of @client's, holding this very slot.
	 */
	kvt_obj_lock(core, owner - 1);
	obj = kvt_obj_ptr(core, owner - 1);
	if (obj->state == KVT_OBJ_WRITING && obj->creator == client &&
	    (obj->flags & KVT_OF_SLOTS) && obj->pool_id == pool_id &&
	    slot >= obj->slot_first &&
	    slot - obj->slot_first < obj->slot_count) {
		obj->flags |= KVT_OF_WRITABLE;
		ret = 0;
	}
	kvt_obj_unlock(core, owner - 1);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The manager's walk over the object table (OBJ_SCAN): what its eviction
 * and write-back policies need of each object, read under that object's
 * stripe lock and nothing else, so a walk never stalls lookups for longer
 * than one record takes. The cursor is a table index: entries never move,
 * so a walk resumed from it neither repeats nor skips an object that
 * stayed live, whatever was allocated or freed in between.
 */
#include "kvt_internal.h"

/* Fills @rec from the live object @obj at @idx; object locked. */
static void kvt_scan_record(struct kvt_core *core, const struct kvt_obj *obj,
			    uint32_t idx, struct drm_kvtier_obj_record *rec)
{
	struct kvt_obj_ext *x = kvt_obj_ext(core, idx);
	uint64_t hits, last;
	uint32_t t;

	kvt_memset(rec, 0, sizeof(*rec));
	rec->key = x->key;
	rec->handle = KVT_HANDLE(idx, obj->gen);
	rec->tenant_id = kvt_obj_tenant_id(obj);
	rec->size = obj->size;
	if (obj->tiers & KVT_TIER_HOST_BIT)
		rec->offset = obj->slot_first *
			      kvt_pool_slot_size(core, obj->pool_id);
	if (obj->tiers & KVT_TIER_DISK_BIT)
		rec->disk_location = x->disk_loc;
	kvt_obj_stats(core, idx, &hits, &last);
	rec->hits = hits;
	rec->last_access_ns = last;
	rec->pool_id = obj->pool_id;
	rec->state = obj->state - KVT_OBJ_WRITING + KVTIER_STATE_WRITING;
	rec->tiers = kvt_obj_tiers(obj);
	rec->refs = obj->client_refs;
	for (t = 0; t < KVTIER_TIER_COUNT; t++)
		rec->pins += obj->pins[t];
}

int kvt_obj_scan(struct kvt_client *client, uint64_t *cursor,
		 struct drm_kvtier_obj_record *recs, uint32_t room,
		 uint32_t *written)
{
	struct kvt_core *core = client->core;
	struct kvt_obj *obj;
	uint32_t idx, end, n = 0;

	*written = 0;
	if (!room || room > KVTIER_MAX_BATCH)
		return -KVT_EINVAL;
	if (!kvt_client_is_manager(client))
		return -KVT_EPERM;
	/* Entries past next_new were never used; it only grows. */
	kvt_lock(&core->table_lock);
	end = core->next_new;
	kvt_unlock(&core->table_lock);
	if (*cursor >= end)
		return 0;

	for (idx = (uint32_t)*cursor; idx < end && n < room; idx++) {
		obj = kvt_obj_ptr(core, idx);
		if (!obj)
			continue;
		kvt_obj_lock(core, idx);
		if (obj->state >= KVT_OBJ_WRITING &&
		    obj->state <= KVT_OBJ_EVICTING) {
			kvt_scan_record(core, obj, idx, &recs[n]);
			n++;
			*cursor = (uint64_t)idx + 1;
		}
		kvt_obj_unlock(core, idx);
	}
	*written = n;
	return 0;
}

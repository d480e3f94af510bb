// SPDX-License-Identifier: GPL-2.0
/* Tracepoints: turns the core's trace records into kvtier:* events. */
#define CREATE_TRACE_POINTS
#include "kvtier_trace.h"

/*
 * kvtier_lookup_pool for each pool with hits in @rec's results. Pools are
 * few and a batch is one pool as a rule: one pass to see which pools hit,
 * one more per pool to count them, and no array on the stack.
 */
static void kvtier_trace_lookup_pools(const struct kvt_trace_rec *rec)
{
	const struct drm_kvtier_lookup_result *r = rec->results;
	u64 seen = 0;
	u32 i, pool, hits;

	if (!r || !rec->value)
		return;
	/* Pool ids run 1..KVTIER_MAX_POOLS (64): bit id - 1. */
	BUILD_BUG_ON(KVTIER_MAX_POOLS > 64);
	for (i = 0; i < rec->count; i++)
		if ((r[i].flags & KVTIER_LOOKUP_PRESENT) && r[i].pool_id &&
		    r[i].pool_id <= KVTIER_MAX_POOLS)
			seen |= BIT_ULL(r[i].pool_id - 1);
	while (seen) {
		pool = __ffs64(seen) + 1;
		seen &= seen - 1;
		hits = 0;
		for (i = 0; i < rec->count; i++)
			hits += (r[i].flags & KVTIER_LOOKUP_PRESENT) &&
				r[i].pool_id == pool;
		trace_kvtier_lookup_pool(rec->tenant_id, pool, hits);
	}
}

void kvtier_trace_emit(const struct kvt_trace_rec *rec)
{
	switch (rec->event) {
	case KVT_TRACE_ALLOC:
		trace_kvtier_alloc(rec);
		break;
	case KVT_TRACE_COMMIT:
		trace_kvtier_commit(rec);
		break;
	case KVT_TRACE_LOOKUP:
		trace_kvtier_lookup(rec);
		if (trace_kvtier_lookup_pool_enabled())
			kvtier_trace_lookup_pools(rec);
		break;
	case KVT_TRACE_PIN:
		trace_kvtier_pin(rec);
		break;
	case KVT_TRACE_UNPIN:
		trace_kvtier_unpin(rec);
		break;
	case KVT_TRACE_FETCH_QUEUED:
		trace_kvtier_fetch_queued(rec);
		break;
	case KVT_TRACE_WORK_DISPATCHED:
		trace_kvtier_work_dispatched(rec);
		break;
	case KVT_TRACE_WORK_COMPLETED:
		trace_kvtier_work_completed(rec);
		break;
	case KVT_TRACE_FREE:
		trace_kvtier_free(rec);
		break;
	case KVT_TRACE_QUOTA_REFUSED:
		trace_kvtier_quota_refused(rec);
		break;
	case KVT_TRACE_FETCH_DONE:
		trace_kvtier_fetch_done(rec);
		break;
	}
}

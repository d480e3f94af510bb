/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints: one per core state change (enum kvt_trace_event), so that
 * latencies can be measured with eBPF on a running system.
 */
#ifndef KVTIER_TRACE_EMIT_H
#define KVTIER_TRACE_EMIT_H

struct kvt_trace_rec;

/* env->trace: fire the tracepoint that matches @rec->event. */
void kvtier_trace_emit(const struct kvt_trace_rec *rec);

#endif /* KVTIER_TRACE_EMIT_H */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvtier

#if !defined(KVTIER_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KVTIER_TRACE_H

#include <linux/tracepoint.h>
#include <linux/types.h>

#include "core/kvt_core.h"

/* Object state changes: alloc, commit, pin, unpin, free. */
DECLARE_EVENT_CLASS(kvtier_object,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec),
	TP_STRUCT__entry(
		__field(u64, tenant)
		__field(u64, key_lo)
		__field(u64, key_hi)
		__field(u64, handle)
		__field(u64, slots)
		__field(u32, pool)
		__field(u32, tier)
	),
	TP_fast_assign(
		__entry->tenant = rec->tenant_id;
		__entry->key_lo = rec->key.lo;
		__entry->key_hi = rec->key.hi;
		__entry->handle = rec->handle;
		__entry->slots = rec->slots;
		__entry->pool = rec->pool_id;
		__entry->tier = rec->tier;
	),
	TP_printk("tenant=%llu key=%016llx%016llx handle=%#llx pool=%u tier=%u slots=%llu",
		  __entry->tenant, __entry->key_hi, __entry->key_lo,
		  __entry->handle, __entry->pool, __entry->tier,
		  __entry->slots)
);

DEFINE_EVENT(kvtier_object, kvtier_alloc,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec)
);

DEFINE_EVENT(kvtier_object, kvtier_commit,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec)
);

DEFINE_EVENT(kvtier_object, kvtier_pin,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec)
);

DEFINE_EVENT(kvtier_object, kvtier_unpin,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec)
);

DEFINE_EVENT(kvtier_object, kvtier_free,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec)
);

/*
 * Work life cycle. A fetch item that waits for work fires fetch_queued
 * (with its own fetch id; a second fetch may join work already queued);
 * the work item fires work_dispatched and work_completed once each (with
 * the fetch id of the fetch that queued it); each waiting fetch item then
 * fires fetch_done with its own fetch id and status. A tracer pairs
 * fetch_queued with fetch_done by (fetch, work), and fetch_queued with
 * work_dispatched by work. @fetch is the client's number (in the order
 * clients opened) in its high 32 bits and the fetch id that client was
 * given in its low 32, printed "client:fetch". @src and @dst are tiers
 * (KVTIER_TIER_*: 0 device, 1 host, 2 disk), @bytes is set on
 * work_completed only. The layout is read by the eBPF programs in ebpf/,
 * which check it against this event's format file before they load.
 */
DECLARE_EVENT_CLASS(kvtier_work,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec),
	TP_STRUCT__entry(
		__field(u64, tenant)
		__field(u64, key_lo)
		__field(u64, key_hi)
		__field(u64, handle)
		__field(u64, work_id)
		__field(u64, fetch)
		__field(u64, bytes)
		__field(u32, pool)
		__field(u32, src)
		__field(u32, dst)
		__field(s32, status)
	),
	TP_fast_assign(
		__entry->tenant = rec->tenant_id;
		__entry->key_lo = rec->key.lo;
		__entry->key_hi = rec->key.hi;
		__entry->handle = rec->handle;
		__entry->work_id = rec->work_id;
		__entry->fetch = rec->fetch_id;
		__entry->bytes = rec->value;
		__entry->pool = rec->pool_id;
		__entry->src = rec->src_tier;
		__entry->dst = rec->tier;
		__entry->status = rec->status;
	),
	TP_printk("tenant=%llu key=%016llx%016llx handle=%#llx work=%llu fetch=%u:%u pool=%u src=%u dst=%u status=%d bytes=%llu",
		  __entry->tenant, __entry->key_hi, __entry->key_lo,
		  __entry->handle, __entry->work_id,
		  (u32)(__entry->fetch >> 32), (u32)__entry->fetch,
		  __entry->pool, __entry->src, __entry->dst,
		  __entry->status, __entry->bytes)
);

DEFINE_EVENT(kvtier_work, kvtier_fetch_queued,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec)
);

DEFINE_EVENT(kvtier_work, kvtier_work_dispatched,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec)
);

DEFINE_EVENT(kvtier_work, kvtier_work_completed,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec)
);

DEFINE_EVENT(kvtier_work, kvtier_fetch_done,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec)
);

/*
 * One lookup batch of @count keys, @hits of them found. A miss has no
 * pool (the key names no object), so lookups and misses are per tenant;
 * the hits of each pool come from kvtier_lookup_pool.
 */
TRACE_EVENT(kvtier_lookup,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec),
	TP_STRUCT__entry(
		__field(u64, tenant)
		__field(u32, count)
		__field(u32, hits)
	),
	TP_fast_assign(
		__entry->tenant = rec->tenant_id;
		__entry->count = rec->count;
		__entry->hits = rec->value;
	),
	TP_printk("tenant=%llu count=%u hits=%u",
		  __entry->tenant, __entry->count, __entry->hits)
);

/*
 * After kvtier_lookup, one per pool that had hits in the batch: @hits of
 * the batch's hits are objects of @pool. Counted only while this event
 * is enabled (kvtier_trace_emit), so lookups pay nothing for it otherwise.
 */
TRACE_EVENT(kvtier_lookup_pool,
	TP_PROTO(u64 tenant, u32 pool, u32 hits),
	TP_ARGS(tenant, pool, hits),
	TP_STRUCT__entry(
		__field(u64, tenant)
		__field(u32, pool)
		__field(u32, hits)
	),
	TP_fast_assign(
		__entry->tenant = tenant;
		__entry->pool = pool;
		__entry->hits = hits;
	),
	TP_printk("tenant=%llu pool=%u hits=%u",
		  __entry->tenant, __entry->pool, __entry->hits)
);

TRACE_EVENT(kvtier_quota_refused,
	TP_PROTO(const struct kvt_trace_rec *rec),
	TP_ARGS(rec),
	TP_STRUCT__entry(
		__field(u64, tenant)
		__field(u32, pool)
		__field(u32, slots)
	),
	TP_fast_assign(
		__entry->tenant = rec->tenant_id;
		__entry->pool = rec->pool_id;
		__entry->slots = rec->count;
	),
	TP_printk("tenant=%llu pool=%u slots=%u",
		  __entry->tenant, __entry->pool, __entry->slots)
);

#endif /* KVTIER_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src)/kmod. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kvtier_trace
#include <trace/define_trace.h>

// SPDX-License-Identifier: GPL-2.0
/* Tracepoints: turns the core's trace records into kvtier:* events. */
#define CREATE_TRACE_POINTS
#include "kvtier_trace.h"

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
	}
}

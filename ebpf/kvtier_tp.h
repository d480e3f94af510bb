/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The records of the kvtier:* tracepoints as classic tracepoint programs
 * see them: the layout of each event's format file
 * (/sys/kernel/tracing/events/kvtier/<event>/format), written out by hand
 * because kvtier.ko has no BTF to take it from. kmod/kvtier_trace.h is
 * the other side; tp_layout.c checks these structs against the running
 * module's format files before any program loads (KVT_TP_FIELDS below is
 * what it checks), so a module whose events changed is refused with the
 * field that moved rather than traced wrong.
 *
 * Included by the BPF programs (clang -target bpf) and by the loaders.
 */
#ifndef KVTIER_EBPF_TP_H
#define KVTIER_EBPF_TP_H

#include <linux/types.h>

/* What every trace record starts with (the format file's common_*). */
struct kvt_tp_common {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
};

/* kvtier_fetch_queued, kvtier_work_dispatched, _completed, kvtier_fetch_done */
struct kvt_tp_work {
	struct kvt_tp_common common;
	__u64 tenant;
	__u64 key_lo;
	__u64 key_hi;
	__u64 handle;
	__u64 work_id;
	__u64 fetch;
	__u64 bytes;
	__u32 pool;
	__u32 src;
	__u32 dst;
	__s32 status;
};

/* kvtier_lookup */
struct kvt_tp_lookup {
	struct kvt_tp_common common;
	__u64 tenant;
	__u32 count;
	__u32 hits;
};

/* kvtier_lookup_pool */
struct kvt_tp_lookup_pool {
	struct kvt_tp_common common;
	__u64 tenant;
	__u32 pool;
	__u32 hits;
};

/* The tiers, as the events and the uAPI number them (KVTIER_TIER_*). */
#define KVT_TIERS 3

#endif /* KVTIER_EBPF_TP_H */

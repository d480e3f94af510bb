/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtier-trace latency: fetch latency as a client sees it and queue wait,
 * per source tier. Types shared by latency.bpf.c and latency.c.
 */
#ifndef KVTIER_EBPF_LATENCY_H
#define KVTIER_EBPF_LATENCY_H

#include <linux/types.h>

/* A fetch item waiting for work: (fetch, work) as the events name them. */
struct lat_fetch_key {
	__u64 fetch;
	__u64 work;
};

/* When it (or the work, for queue wait) was queued, and from which tier. */
struct lat_start {
	__u64 ts;
	__u32 src;
	__u32 pad;
};

/* Items in flight at once that are tracked; past this they go uncounted. */
#define LAT_MAX_INFLIGHT 16384

#endif /* KVTIER_EBPF_LATENCY_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtier-trace transfers: kvtierd's transfers (USDT transfer_start ->
 * transfer_end of the same xfer_id), a log2 latency histogram and bytes
 * per path. Types shared by transfers.bpf.c and transfers.c.
 */
#ifndef KVTIER_EBPF_TRANSFERS_H
#define KVTIER_EBPF_TRANSFERS_H

#include <linux/types.h>

#include "hist.h"

/* kvtierd's transfer paths (daemon/kvtd_usdt.h KVTD_PATH_*). */
#define XFER_PATHS 5

/* Transfers started and not yet ended that are tracked at once. */
#define XFER_MAX_INFLIGHT 65536

/**
 * struct xfer_start - a transfer seen starting, by xfer_id.
 * @ts: bpf_ktime_get_ns() at transfer_start.
 */
struct xfer_start {
	__u64 ts;
};

/**
 * struct xfer_stats - one path's transfers that ended.
 * @ok: Ended with status 0: their latency and bytes (@ok.errors is 0).
 * @failed: Ended with a negative status: counted, bytes as announced,
 *	    apart from @ok so that a failure does not blur the latency.
 */
struct xfer_stats {
	struct kvt_hist ok;
	struct kvt_hist failed;
};

#endif /* KVTIER_EBPF_TRANSFERS_H */

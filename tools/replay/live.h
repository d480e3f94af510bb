/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtier-replay's live mode: the trace replayed through kvtier.ko and
 * kvtierd by one client process per tenant.
 *
 *   live_run.c      the parent: trace, device check, tenant processes,
 *                   results, report, verdict
 *   live_client.c   a tenant process: cgroup, device, pool, region, pacing
 *   live_request.c  one request: lookup, fetch, verify, store, release
 *   live_region.c   the DEVICE region: a sealed memfd
 *   live_cgroup.c   a cgroup v2 per tenant
 *   live_pool.c     which pool, which block size
 *   live_report.c   the text and JSON reports
 *   live_assign.c, live_content.c, live_stats.c, live_record.c: pure parts
 *
 * Functions return 0 or -errno.
 */
#ifndef KVTR_LIVE_H
#define KVTR_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtier.h"
#include "kvtr_trace.h"
#include "live_stats.h"

/* Long enough for a disk read on a loaded VM, short enough to notice. */
#define KVTR_LIVE_FETCH_TIMEOUT_MS 5000u

/**
 * struct kvtr_live_opts - what the command line asked for.
 * @trace: The trace file.
 * @tenants: Tenant processes, 1..KVTR_LIVE_MAX_TENANTS.
 * @speed: Arrival times are divided by it (> 0).
 * @fast: Ignore arrival times.
 * @block_size: Bytes per block; 0 for the pool's slot size.
 * @limit: Replay the first @limit requests; 0 for all.
 * @pool_id: The pool; 0 for the first KV pool.
 * @fetch_tier: KVTIER_TIER_DEVICE (the client's region, the default) or
 *              KVTIER_TIER_HOST (the pool; host hits need no daemon).
 * @fetch_timeout_ms: Most time to wait for one fetch's queued work.
 * @json: Print the report as one JSON object.
 */
struct kvtr_live_opts {
	const char *trace;
	uint32_t tenants;
	double speed;
	bool fast;
	uint64_t block_size;
	size_t limit;
	uint32_t pool_id;
	uint32_t fetch_tier;
	uint32_t fetch_timeout_ms;
	bool json;
};

/**
 * struct kvtr_live_plan - what every tenant process replays with.
 * @o: The options.
 * @t: The trace.
 * @nreq: Requests replayed (@o->limit applied).
 * @ntenants: Tenant processes.
 * @pool_id: The pool.
 * @block_size: Bytes per block.
 * @isolate: Each process moves into a cgroup of its own (running as root).
 * @t0_ms: Timestamp of the first request: arrival times count from it.
 */
struct kvtr_live_plan {
	const struct kvtr_live_opts *o;
	const struct kvtr_trace *t;
	size_t nreq;
	uint32_t ntenants;
	uint32_t pool_id;
	uint64_t block_size;
	bool isolate;
	uint64_t t0_ms;
};

/**
 * kvtr_live_run() - replay a trace through the live stack and report.
 * @o: The options.
 *
 * Return: 0 when every tenant process finished and no block failed
 * verification; -EBADMSG when some block failed verification; -ECHILD
 * when a tenant process failed; another -errno when the run could not
 * start (no device, no such pool, an unreadable trace), after a message
 * on stderr.
 */
int kvtr_live_run(const struct kvtr_live_opts *o);

/*
 * live_pool.c: the pool to use and the block size. @pool_id 0 picks the
 * first KV pool. Return: 0, -ENOENT (no such pool / no KV pool), -EINVAL
 * (a block size the pool cannot hold in one object: beyond the pool),
 * or -errno; *@why says which in words.
 */
int kvtr_live_pool_pick(struct kvtier *kv, uint32_t pool_id,
			uint64_t block_size, uint32_t *pool_out,
			uint64_t *block_out,
			struct drm_kvtier_pool_info *info, const char **why);

/*
 * live_cgroup.c: move the calling process into cgroup v2
 * /sys/fs/cgroup/kvtier-replay-<index>, creating it. Return: 0 or -errno.
 */
int kvtr_live_cgroup_enter(uint32_t index);
/* Remove that cgroup once empty. Return: 0, or -errno of rmdir(). */
int kvtr_live_cgroup_remove(uint32_t index);

/*
 * live_client.c: the body of tenant process @index. Sends its records to
 * @out_fd; reads the start time (CLOCK_MONOTONIC ns, 8 bytes) from
 * @go_fd. Return: the process's exit status.
 */
int kvtr_live_client_main(const struct kvtr_live_plan *p, uint32_t index,
			  int out_fd, int go_fd);

#endif /* KVTR_LIVE_H */

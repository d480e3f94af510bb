/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state of one tenant process of a live replay, shared by its setup
 * (live_client.c) and its request loop (live_request.c).
 */
#ifndef KVTR_LIVE_CLIENT_H
#define KVTR_LIVE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtier.h"
#include "live.h"
#include "live_region.h"
#include "live_stats.h"

/* Corrupt blocks a tenant describes on stderr before it only counts. */
#define KVTR_LIVE_CORRUPT_REPORTS 5

/*
 * A full pool or quota waits for the daemon's eviction pass (every
 * tick-ms, 100 by default) in short sleeps, for at most two seconds:
 * several passes, and still a bounded stall per request when no daemon
 * evicts at all.
 */
#define KVTR_LIVE_FULL_POLL_NS 2000000ull
#define KVTR_LIVE_FULL_WAIT_NS 2000000000ull

/**
 * struct kvtr_live_client - one tenant process.
 * @p: The run's plan.
 * @index: This tenant's index.
 * @kv: The device.
 * @max_batch: The driver's batch limit.
 * @map: The pool, mapped read-write (stores fill it; HOST fetches are
 *       verified through it).
 * @region: The DEVICE region.
 * @room: Blocks the arrays and the region hold: the largest prompt.
 * @keys: The request's keys.
 * @res: The lookup's results.
 * @where: Where each block was found (enum kvtr_live_where).
 * @fetch: Fetch items.
 * @fidx: For each fetch item, its block's index in the request.
 * @ok: For each fetch item, whether it was loaded and can be verified.
 * @alloc: Alloc items.
 * @handles: Scratch handles (commit).
 * @again: Second lookup for HOST fetches (offsets of what came from disk).
 * @again_keys: Its keys.
 * @held: Handles held now (references from lookup and alloc).
 * @nheld: How many.
 * @region_stale: A fetch into the region timed out: its late copy may
 *                still land there, so the region is replaced.
 * @reports: Corrupt blocks described so far.
 * @stats: The counts.
 */
struct kvtr_live_client {
	const struct kvtr_live_plan *p;
	uint32_t index;
	struct kvtier *kv;
	uint32_t max_batch;
	struct kvtier_map map;
	struct kvtr_live_region region;
	size_t room;
	struct drm_kvtier_key *keys;
	struct drm_kvtier_lookup_result *res;
	uint8_t *where;
	struct drm_kvtier_fetch_item *fetch;
	size_t *fidx;
	bool *ok;
	struct drm_kvtier_alloc_item *alloc;
	kvtier_handle_t *handles;
	struct drm_kvtier_lookup_result *again;
	struct drm_kvtier_key *again_keys;
	kvtier_handle_t *held;
	size_t nheld;
	bool region_stale;
	unsigned int reports;
	struct kvtr_live_stats stats;
};

/**
 * kvtr_live_request() - replay one request.
 * @c: The tenant process.
 * @r: The request's index in the trace.
 *
 * Looks its keys up (acquiring the hits), fetches the hits and verifies
 * them, stores the misses, and releases everything. A fetch that times
 * out or fails, a full pool: counted, not errors.
 *
 * Return: 0, or the -errno of a call that should not fail (the device
 * went away, a refused batch, a commit or release refused).
 */
int kvtr_live_request(struct kvtr_live_client *c, size_t r);

#endif /* KVTR_LIVE_CLIENT_H */

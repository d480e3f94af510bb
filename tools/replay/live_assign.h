/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which tenant replays which request: round-robin by request index, so a
 * run is the same whatever the timing, and every tenant sees the whole
 * span of the trace (prefixes shared across tenants are then misses in
 * each, which is what isolation means).
 */
#ifndef KVTR_LIVE_ASSIGN_H
#define KVTR_LIVE_ASSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "kvtr_trace.h"

/* Most tenant processes a run starts (one cgroup each). */
#define KVTR_LIVE_MAX_TENANTS 64

/**
 * kvtr_live_tenant_of() - the tenant of a request.
 * @index: The request's index in the trace.
 * @ntenants: Tenants in the run; non-zero.
 *
 * Return: the tenant's index, 0..@ntenants - 1.
 */
static inline uint32_t kvtr_live_tenant_of(size_t index, uint32_t ntenants)
{
	return (uint32_t)(index % ntenants);
}

/**
 * kvtr_live_tenant_requests() - how many of the first @nreq requests a
 * tenant replays.
 * @nreq: Requests replayed.
 * @ntenants: Tenants; non-zero.
 * @tenant: The tenant's index.
 *
 * Return: the count (0 when @tenant >= @ntenants).
 */
size_t kvtr_live_tenant_requests(size_t nreq, uint32_t ntenants,
				 uint32_t tenant);

/**
 * kvtr_live_tenant_max_blocks() - a tenant's largest prompt, in blocks.
 * @t: The trace.
 * @nreq: Requests replayed (at most t->nreq).
 * @ntenants: Tenants; non-zero.
 * @tenant: The tenant's index.
 *
 * Sizes the tenant's device region and its per-request arrays.
 *
 * Return: the most block ids of one of its requests (0 when it has none).
 */
size_t kvtr_live_tenant_max_blocks(const struct kvtr_trace *t, size_t nreq,
				   uint32_t ntenants, uint32_t tenant);

#endif /* KVTR_LIVE_ASSIGN_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The eviction planner's cost against the number of objects it tracks.
 */
#ifndef BENCH_PLAN_H
#define BENCH_PLAN_H

#include <stdbool.h>
#include <stdio.h>

/*
 * bench_plan - the time daemon/policy/planner.c takes to plan
 * BENCH_PLAN_VICTIMS (1000) victims from a pool of 10^6 objects, against
 * the same from a pool of 10^3, LRU, objects spread over 4 tenants, in the
 * same run. The state is built from access records (ALLOC, COMMIT, then a
 * HIT of each new object in a random order, so that the LRU order is not
 * the order the objects sit in memory); each round plans, notes the
 * victims dropped and commits as many new objects (untimed), so the pool
 * stays full and every plan evicts the least recently used, as the
 * daemon's passes do. The median round of each size; then the same with
 * the caches flushed before each plan (see bench_plan.c for why both).
 *
 * Writes one result to @out: JSON (name evict_plan_1e6_vs_1e3, value =
 * microseconds per plan at 10^6, baseline = at 10^3, ratio, target 1.5,
 * cold_value, cold_baseline, cold_ratio) with @json, text otherwise.
 * Returns 0 or -errno.
 */
int bench_plan(FILE *out, bool json);

#endif /* BENCH_PLAN_H */

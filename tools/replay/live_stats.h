/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a live replay counts, per tenant and in total: counters kept as
 * one array (so the record format, merging and the report walk them
 * alike) and every fetch's latency, from which the percentiles are exact.
 *
 * Functions return 0 or -errno.
 */
#ifndef KVTR_LIVE_STATS_H
#define KVTR_LIVE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "kvtier_drm.h"

/* Where a block reference was found; also the hit counters' indices. */
enum kvtr_live_where {
	KVTR_LIVE_DEVICE,
	KVTR_LIVE_HOST,
	KVTR_LIVE_DISK,
	KVTR_LIVE_MISS,
	KVTR_LIVE_WHERE_COUNT,
};

/* The counters; the first KVTR_LIVE_WHERE_COUNT are the hits by tier. */
enum kvtr_live_counter {
	KVTR_C_DEVICE = KVTR_LIVE_DEVICE,
	KVTR_C_HOST = KVTR_LIVE_HOST,
	KVTR_C_DISK = KVTR_LIVE_DISK,
	KVTR_C_MISS = KVTR_LIVE_MISS,
	KVTR_C_REQUESTS,
	KVTR_C_REFS,		/* block references: the four above sum to it */
	KVTR_C_FETCHES,		/* fetch calls that completed in time */
	KVTR_C_BYTES_DISK_DEVICE,
	KVTR_C_BYTES_HOST_DEVICE,
	KVTR_C_BYTES_DISK_HOST,
	KVTR_C_BYTES_STORED,	/* bytes committed to the host pool */
	KVTR_C_STORED,		/* blocks committed */
	KVTR_C_NOT_STORED,	/* blocks given up on: pool or quota full */
	KVTR_C_PRESENT,		/* misses some other process stored first */
	KVTR_C_TIMED_OUT,	/* blocks whose fetch did not complete in time */
	KVTR_C_FETCH_FAILED,	/* blocks the driver or the manager failed */
	KVTR_C_UNVERIFIED,	/* blocks of a fetch with failures: unknown which */
	KVTR_C_VERIFIED,
	KVTR_C_CORRUPT,		/* loaded blocks that differ from their key's */
	KVTR_C_COUNT,
};

/**
 * struct kvtr_live_stats - one tenant's (or the total) counts.
 * @c: The counters, by enum kvtr_live_counter.
 * @lat_ns: Fetch latencies, issue to completion, in nanoseconds.
 * @nlat: Latencies held.
 * @cap: Room at @lat_ns.
 *
 * Zero-initialised is empty.
 */
struct kvtr_live_stats {
	uint64_t c[KVTR_C_COUNT];
	uint64_t *lat_ns;
	size_t nlat;
	size_t cap;
};

/* Return: the counter's name, as the JSON report spells it. */
const char *kvtr_live_counter_name(unsigned int counter);

/**
 * kvtr_live_classify() - where a lookup found a block.
 * @r: The lookup's result for the block.
 *
 * A DEVICE copy counts first (the block was already in some client's
 * device memory), then HOST, then DISK; an absent block is a miss, and so
 * is a present one with no tier (nothing could load it).
 *
 * Return: one of enum kvtr_live_where.
 */
enum kvtr_live_where kvtr_live_classify(const struct drm_kvtier_lookup_result *r);

/* Return: 0, or -ENOMEM (the latency is then not kept). */
int kvtr_live_stats_add_latency(struct kvtr_live_stats *s, uint64_t ns);

/* Add @src's counters and latencies to @dst. Return: 0 or -ENOMEM. */
int kvtr_live_stats_merge(struct kvtr_live_stats *dst,
			  const struct kvtr_live_stats *src);

/* Free the latencies and zero @s. */
void kvtr_live_stats_free(struct kvtr_live_stats *s);

/* Sort the latencies, as kvtr_live_percentile() wants them. */
void kvtr_live_stats_sort(struct kvtr_live_stats *s);

/**
 * kvtr_live_percentile() - an exact percentile by nearest rank.
 * @sorted: Samples in ascending order.
 * @n: Samples.
 * @pct: The percentile, 1..100.
 * @out: Out. The smallest sample with at least @pct percent of the samples
 *       at or below it: sorted[ceil(pct * n / 100) - 1].
 *
 * Return: 0, -ENOENT when @n is 0, -EINVAL for a @pct out of range.
 */
int kvtr_live_percentile(const uint64_t *sorted, size_t n, unsigned int pct,
			 uint64_t *out);

/**
 * kvtr_live_rate() - a hit counter as a share of the block references.
 * @s: The stats.
 * @where: One of enum kvtr_live_where.
 *
 * Return: hits / refs, 0 when there were no references.
 */
double kvtr_live_rate(const struct kvtr_live_stats *s, unsigned int where);

/**
 * kvtr_live_prefix_rate() - the prefix hits as a share of the references.
 *
 * The replay looks a prompt up with KVTIER_LOOKUP_STOP_AT_MISS, so every
 * block found lies in the prompt's longest cached prefix: what an engine
 * skips computing, and the figure `kvtier-replay --simulate` gives for a
 * cache of the host pool's size (the same when no disk tier is attached).
 *
 * Return: (device + host + disk hits) / references, 0 for none.
 */
double kvtr_live_prefix_rate(const struct kvtr_live_stats *s);

/**
 * kvtr_live_stats_check() - whether the counts add up.
 * @s: The stats.
 *
 * Every reference is found in exactly one place, every block fetched
 * ends verified, corrupt, unverified, failed or timed out, and every miss
 * stored, not stored or found stored by another process.
 *
 * Return: 0, or -EINVAL when the hits by tier do not sum to the
 * references, the fetched blocks' outcomes to the hits, or the misses'
 * outcomes to the misses.
 */
int kvtr_live_stats_check(const struct kvtr_live_stats *s);

#endif /* KVTR_LIVE_STATS_H */

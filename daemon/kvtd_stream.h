/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The access stream as the daemon drains it: a source that hands out the
 * driver's access records in order (the driver's rings through libkvtier,
 * or a fake in the unit tests), pumped into the planner each pass of the
 * loop. When the source says records were dropped (a ring overflowed),
 * the planner's state has a hole: the caller rebuilds it from the object
 * table once, then goes on from the stream.
 *
 * Functions return 0 or -errno unless said otherwise.
 */
#ifndef KVTD_STREAM_H
#define KVTD_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtd_planner.h"
#include "kvtier_drm.h"

/*
 * Records taken per call of the source: 256 * 64 bytes, 16 KiB, stays in
 * L1/L2 while the planner walks it.
 */
#define KVTD_STREAM_BATCH 256u
/*
 * Batches one pump takes at most, so that a flood of records cannot hold
 * the loop away from work and completions for long: 64 batches are 16384
 * records, one default-sized ring, about a millisecond of planner work.
 * What is left waits for the next pass.
 */
#define KVTD_STREAM_MAX_BATCHES 64u

/**
 * struct kvtd_stream_src - where records come from.
 * @drain: Fill @out with up to @room records, oldest first, and add to
 *         *@dropped the records lost since the last call. Return the
 *         number of records, or -errno.
 * @close: Release the source (may be NULL).
 * @ctx: For both.
 */
struct kvtd_stream_src {
	int (*drain)(void *ctx, struct drm_kvtier_access *out, uint32_t room,
		     uint64_t *dropped);
	void (*close)(void *ctx);
	void *ctx;
};

/* Sees each batch before the planner does (the daemon's own uses). */
typedef void (*kvtd_stream_tap_fn)(void *arg, const struct drm_kvtier_access *a,
				   size_t n);

/**
 * struct kvtd_stream - the daemon's end of the stream.
 * @src: The source.
 * @tap: Called with each batch first; NULL for none.
 * @tap_arg: For @tap.
 * @consumed: Records fed to the planner, since start.
 * @dropped: Records the source reported lost, since start.
 * @lost: Records were lost since the last rebuild: rebuild.
 */
struct kvtd_stream {
	struct kvtd_stream_src src;
	kvtd_stream_tap_fn tap;
	void *tap_arg;
	uint64_t consumed;
	uint64_t dropped;
	bool lost;
};

/*
 * kvtd_stream_pump - feed what @s holds to @pl, in batches, up to
 * KVTD_STREAM_MAX_BATCHES of them. Sets @s->lost when the source reported
 * drops. Returns the records fed, or what the source or the planner
 * returned (the planner is then stale: rebuild).
 */
int kvtd_stream_pump(struct kvtd_stream *s, struct kvtd_planner *pl);

/* Close the source; @s is empty after. */
void kvtd_stream_close(struct kvtd_stream *s);

#endif /* KVTD_STREAM_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A kmod/core instance filled for lookup benchmarks, reached through a
 * table of its entry points: kvtier-bench --core uses the core it links
 * (bench_core.c), scripts/core-ab.sh two builds of it under prefixed names
 * (core_ab.c), and both build and time their tables here, the same way.
 */
#ifndef BENCH_TABLE_H
#define BENCH_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "kvt_core.h"

/* The entry points of one build of the core, as kvt_core.h types them. */
struct bench_core_api {
	__typeof__(kvt_core_create) *core_create;
	__typeof__(kvt_core_destroy) *core_destroy;
	__typeof__(kvt_client_open) *client_open;
	__typeof__(kvt_client_close) *client_close;
	__typeof__(kvt_pool_add) *pool_add;
	__typeof__(kvt_obj_alloc) *obj_alloc;
	__typeof__(kvt_obj_batch) *obj_batch;
	__typeof__(kvt_lookup) *lookup;
};

/* A lookup ioctl's typical batch: one prompt's worth of KV blocks. */
#define BENCH_BATCH 256
/* Queries are drawn up front, so the timed loop only looks up. */
#define BENCH_QUERIES (1u << 20)

/* A core of some objects, its admin client and its queries. */
struct bench_table {
	const struct bench_core_api *api;
	struct kvt_core *core;
	struct kvt_client *c;
	struct drm_kvtier_key *q;
	uint32_t off;		/* the next query */
	double build_s;		/* allocating and committing the objects */
	uint64_t looked;	/* keys looked up so far */
	uint64_t hits;		/* of them, found */
};

/*
 * Builds @t: a core of @api with one pool of exactly @n slots of 4 KiB
 * (the core never touches pool memory, so it costs only its bitmaps),
 * filled with @n objects through the real alloc / commit / release API in
 * full batches - committed objects nobody holds - and BENCH_QUERIES
 * random present keys to look up. The keys depend only on @n. 0 or
 * -errno; @t is to be freed either way.
 */
int bench_table_build(struct bench_table *t, const struct bench_core_api *api,
		      uint32_t n);
void bench_table_free(struct bench_table *t);
/*
 * Looks up batches of BENCH_BATCH queries for about @secs; nanoseconds per
 * key, or -1 when a present key missed and @misses does not allow it (for
 * experiments that cut the probe short).
 */
double bench_table_time(struct bench_table *t, double secs, bool misses);

#endif /* BENCH_TABLE_H */

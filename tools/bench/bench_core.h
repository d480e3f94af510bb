/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmarks of kmod/core at native speed, through its host library.
 */
#ifndef BENCH_CORE_H
#define BENCH_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Batched lookup cost against table size: cores of 10^3, 10^6 and 10^7
 * committed objects, 256 random present keys per batch, about a second per
 * size. Writes one result per line to @out: JSON objects with @json, text
 * otherwise; every size is reported against the 10^3 figure measured in
 * the same run. Then the reference walk timed in the same turns (one
 * random line per key with a lookup's worth of work, 1 MiB and 1 GiB),
 * and last the per-key cost ratio of 10^7 to 10^3 with its target.
 * Returns 0 or -errno.
 */
int bench_core_lookup(FILE *out, bool json);

/*
 * Lookups per second of a core of 10^6 objects with the access stream
 * open and drained by a consumer thread, against the same with no stream
 * open, in alternating slices of one run: lookup_access_stream, its
 * ratio on/off and its target (>= 0.95); then the records dropped of all
 * written (lookup_access_stream_dropped). Returns 0 or -errno.
 */
int bench_core_stream(FILE *out, bool json);

struct bench_core_api;
/* The core this program links, for bench_table.c (bench_core.c). */
extern const struct bench_core_api bench_core_direct_api;

/*
 * The machine's cost of a random 64-byte line, pipelined as the core's
 * lookup is, at 1 MiB (the baseline), 1 GiB and 2 GiB of table
 * (bench_floor.c): the context for the core's figures. Returns 0 or
 * -errno.
 */
int bench_mem_floor(FILE *out, bool json);

/* A table size the floors walk, and its name in their lines ("1g"). */
struct floor_size {
	const char *name;
	size_t bytes;
};

/*
 * A pipelined walk of random 64-byte lines over a table of transparent
 * huge pages (bench_floor.c), prefetched to L2 64 keys ahead (@far) or to
 * L1 16 ahead, with @work rounds of a hash on each line read: the unit the
 * floors are made of, for benchmarks that time one beside their own work.
 */
struct floor_walk {
	char *map;
	size_t len;
	char *p;		/* the table, 2 MiB aligned */
	size_t lines;		/* a power of two */
	bool far;
	unsigned int work;
	uint64_t k;		/* the next key */
	uint64_t sum;		/* what the walk read, kept live */
};

/* Maps and touches a table of @bytes (a power of two); 0 or -errno. */
int floor_walk_init(struct floor_walk *w, size_t bytes, bool far,
		    unsigned int work);
/* Walks for about @secs; nanoseconds per line. */
double floor_walk_ns(struct floor_walk *w, double secs);
void floor_walk_fini(struct floor_walk *w);
/*
 * Prints a walk's figure as mem_random_line_<@tag><@size> (text: "@how"),
 * against @base, the 1 MiB walk of its series (0: this is that walk).
 */
void floor_print(FILE *out, bool json, const char *tag, const char *how,
		 const char *size, double ns, double base);

#endif /* BENCH_CORE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmarks of kmod/core at native speed, through its host library.
 */
#ifndef BENCH_CORE_H
#define BENCH_CORE_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Batched lookup cost against table size: cores of 10^3, 10^6 and 10^7
 * committed objects, 256 random present keys per batch, about a second per
 * size. Writes one result per line to @out: JSON objects with @json, text
 * otherwise; every size is reported against the 10^3 figure measured in
 * the same run, and the last line is the per-key cost ratio of 10^7 to
 * 10^3 with its target. Returns 0 or -errno.
 */
int bench_core_lookup(FILE *out, bool json);

/*
 * The machine's cost of a random 64-byte line, pipelined as the core's
 * lookup is, at 1 MiB (the baseline), 1 GiB and 2 GiB of table
 * (bench_floor.c): the context for the core's figures. Returns 0 or
 * -errno.
 */
int bench_mem_floor(FILE *out, bool json);

#endif /* BENCH_CORE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * What the machine charges for a random cache line, to read the core's
 * lookup figures against: a pipelined walk reading one random 64-byte line
 * per key from tables of 1 MiB (in cache), 1 GiB and 2 GiB of transparent
 * huge pages, prefetched two ways:
 *
 *   mem_random_line_*      to L1, 16 keys ahead (the core's lookup until
 *                          the L1 fill buffers proved the limit);
 *   mem_random_line_far_*  to L2, 64 keys ahead (prefetcht1 on x86, as
 *                          kvt_prefetch_far() does): more misses in flight,
 *                          the ceiling for a walk of independent lines;
 *   mem_random_line_work_* the same, with a chain of FLOOR_WORK hash
 *                          rounds on each line read: in cache, about as
 *                          long as a lookup of the core (15-20 ns on a
 *                          2-vCPU EPYC VM). Its ratio is what a lookup
 *                          reading one line per key, with that much work,
 *                          pays on this machine in this run: the reference
 *                          for the core's 10^7 / 10^3 ratio (the core
 *                          reads 1.85 lines per key at 10^7 objects, but
 *                          overlaps more of them with its work).
 *
 * The index of 10^7 objects is 1 GiB; where a 2 GiB table costs much more
 * than a 1 GiB one, the machine's TLB reach (under nested paging, say)
 * ends between the two, and a bigger index would pay for it on every key.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "bench_core.h"
#include "bench_util.h"

#define FLOOR_DIST 16
#define FLOOR_DIST_FAR 64
#define FLOOR_BATCH 256
#define FLOOR_SLICES 5
#define FLOOR_SLICE_S 0.2
#define FLOOR_HUGE (2ul << 20)
#define FLOOR_WORK 8

struct floor_size {
	const char *name;
	size_t bytes;
};

static const struct floor_size floor_sizes[] = {
	{ "1m", 1ul << 20 },
	{ "1g", 1ul << 30 },
	{ "2g", 2ul << 30 },
};

static uint64_t floor_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/* The series: what is prefetched how far, and the work on each line. */
enum floor_kind { FLOOR_NEAR, FLOOR_FAR, FLOOR_FAR_WORK };

/*
 * Nanoseconds per random line over @bytes (a power of two), prefetched to
 * L1 16 keys ahead, or to L2 64 ahead, with FLOOR_WORK rounds of work on
 * each line for FLOOR_FAR_WORK; <0: -errno.
 */
static double floor_one(size_t bytes, enum floor_kind kind)
{
	const bool far = kind != FLOOR_NEAR;
	const int dist = far ? FLOOR_DIST_FAR : FLOOR_DIST;
	size_t lines = bytes / 64, len = bytes + FLOOR_HUGE, i;
	uint64_t at[FLOOR_BATCH], k = 1, sum = 0, v;
	double t0, slice[FLOOR_SLICES];
	volatile uint64_t sink;
	char *map, *p;
	long n;
	int s, j, w;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	p = (char *)(((uintptr_t)map + FLOOR_HUGE - 1) & ~(FLOOR_HUGE - 1));
	madvise(p, bytes, MADV_HUGEPAGE);
	for (i = 0; i < bytes; i += 4096)
		p[i] = (char)i;
	for (s = 0; s < FLOOR_SLICES; s++) {
		n = 0;
		t0 = bench_now();
		do {
			/* Key j is loaded DIST steps after its prefetch. */
			for (j = 0; j < FLOOR_BATCH + dist; j++) {
				if (j < FLOOR_BATCH) {
					at[j] = (floor_mix(k++) & (lines - 1)) *
						64;
					if (far)
						__builtin_prefetch(p + at[j], 0,
								   2);
					else
						__builtin_prefetch(p + at[j]);
				}
				if (j < dist)
					continue;
				v = *(uint64_t *)(p + at[j - dist]);
				if (kind == FLOOR_FAR_WORK)
					for (w = 0; w < FLOOR_WORK; w++)
						v = floor_mix(v + w);
				sum += v;
			}
			n += FLOOR_BATCH;
		} while (bench_now() - t0 < FLOOR_SLICE_S);
		slice[s] = (bench_now() - t0) * 1e9 / n;
	}
	sink = sum;
	(void)sink;
	munmap(map, len);
	return bench_median(slice, FLOOR_SLICES);
}

/* One series: every size, against the 1 MiB table. */
static int floor_series(FILE *out, bool json, enum floor_kind kind)
{
	static const char *const tags[] = {
		[FLOOR_NEAR] = "", [FLOOR_FAR] = "far_",
		[FLOOR_FAR_WORK] = "work_",
	};
	static const char *const hows[] = {
		[FLOOR_NEAR] = "to L1", [FLOOR_FAR] = "to L2",
		[FLOOR_FAR_WORK] = "to L2, with work",
	};
	const size_t nsizes = sizeof(floor_sizes) / sizeof(floor_sizes[0]);
	const char *tag = tags[kind];
	double ns, base = 0;
	size_t i;

	for (i = 0; i < nsizes; i++) {
		ns = floor_one(floor_sizes[i].bytes, kind);
		if (ns < 0)
			return (int)ns;
		if (!i)
			base = ns;
		if (json && !i)
			fprintf(out, "{\"name\":\"mem_random_line_%s%s\","
				"\"value\":%.2f,\"unit\":\"ns\"}\n", tag,
				floor_sizes[i].name, ns);
		else if (json)
			fprintf(out, "{\"name\":\"mem_random_line_%s%s\","
				"\"value\":%.2f,\"unit\":\"ns\","
				"\"baseline\":%.2f,\"ratio\":%.3f}\n", tag,
				floor_sizes[i].name, ns, base, ns / base);
		else
			fprintf(out, "random 64-byte line, %s table, %s: "
				"%6.2f ns (%.2fx of 1 MiB)\n",
				floor_sizes[i].name, hows[kind], ns,
				ns / base);
		fflush(out);
	}
	return 0;
}

int bench_mem_floor(FILE *out, bool json)
{
	int ret = floor_series(out, json, FLOOR_NEAR);

	if (!ret)
		ret = floor_series(out, json, FLOOR_FAR);
	return ret ? ret : floor_series(out, json, FLOOR_FAR_WORK);
}

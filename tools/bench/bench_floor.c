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
 *                          the ceiling for a walk of independent lines.
 *
 * bench_core.c times the same walk, to L2 with work on each line, beside
 * the core's lookups (mem_random_line_work_*).
 *
 * The index of 10^7 objects is 1 GiB; where a 2 GiB table costs much more
 * than a 1 GiB one, the machine's TLB reach (under nested paging, say)
 * ends between the two, and a bigger index would pay for it on every key.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

int floor_walk_init(struct floor_walk *w, size_t bytes, bool far,
		    unsigned int work)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	w->len = bytes + FLOOR_HUGE;
	w->map = mmap(NULL, w->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->map == MAP_FAILED) {
		w->map = NULL;
		return -errno;
	}
	w->p = (char *)(((uintptr_t)w->map + FLOOR_HUGE - 1) &
			~(FLOOR_HUGE - 1));
	madvise(w->p, bytes, MADV_HUGEPAGE);
	for (i = 0; i < bytes; i += 4096)
		w->p[i] = (char)i;
	w->lines = bytes / 64;
	w->far = far;
	w->work = work;
	w->k = 1;
	return 0;
}

double floor_walk_ns(struct floor_walk *w, double secs)
{
	const int dist = w->far ? FLOOR_DIST_FAR : FLOOR_DIST;
	uint64_t at[FLOOR_BATCH], v;
	double t0 = bench_now(), now;
	unsigned int r;
	long n = 0;
	int j;

	do {
		/* Key j is loaded DIST steps after its prefetch. */
		for (j = 0; j < FLOOR_BATCH + dist; j++) {
			if (j < FLOOR_BATCH) {
				at[j] = (floor_mix(w->k++) & (w->lines - 1)) *
					64;
				if (w->far)
					__builtin_prefetch(w->p + at[j], 0, 2);
				else
					__builtin_prefetch(w->p + at[j]);
			}
			if (j < dist)
				continue;
			v = *(uint64_t *)(w->p + at[j - dist]);
			for (r = 0; r < w->work; r++)
				v = floor_mix(v + r);
			w->sum += v;
		}
		n += FLOOR_BATCH;
		now = bench_now();
	} while (now - t0 < secs);
	return (now - t0) * 1e9 / n;
}

void floor_walk_fini(struct floor_walk *w)
{
	volatile uint64_t sink = w->sum;

	(void)sink;
	if (w->map)
		munmap(w->map, w->len);
	memset(w, 0, sizeof(*w));
}

/*
 * Nanoseconds per random line over @bytes, prefetched to L2 64 keys ahead
 * with @far, else to L1 16 ahead; <0: -errno.
 */
static double floor_one(size_t bytes, bool far)
{
	double slice[FLOOR_SLICES];
	struct floor_walk w;
	int s, ret;

	ret = floor_walk_init(&w, bytes, far, 0);
	if (ret)
		return ret;
	for (s = 0; s < FLOOR_SLICES; s++)
		slice[s] = floor_walk_ns(&w, FLOOR_SLICE_S);
	floor_walk_fini(&w);
	return bench_median(slice, FLOOR_SLICES);
}

void floor_print(FILE *out, bool json, const char *tag, const char *how,
		 const char *size, double ns, double base)
{
	if (json && !base)
		fprintf(out, "{\"name\":\"mem_random_line_%s%s\","
			"\"value\":%.2f,\"unit\":\"ns\"}\n", tag, size, ns);
	else if (json)
		fprintf(out, "{\"name\":\"mem_random_line_%s%s\","
			"\"value\":%.2f,\"unit\":\"ns\","
			"\"baseline\":%.2f,\"ratio\":%.3f}\n", tag, size, ns,
			base, ns / base);
	else
		fprintf(out, "random 64-byte line, %s table, %s: %6.2f ns "
			"(%.2fx of 1 MiB)\n", size, how, ns,
			ns / (base ? base : ns));
	fflush(out);
}

/* One series: every size, against the 1 MiB table. */
static int floor_series(FILE *out, bool json, bool far)
{
	const size_t nsizes = sizeof(floor_sizes) / sizeof(floor_sizes[0]);
	double ns, base = 0;
	size_t i;

	for (i = 0; i < nsizes; i++) {
		ns = floor_one(floor_sizes[i].bytes, far);
		if (ns < 0)
			return (int)ns;
		floor_print(out, json, far ? "far_" : "", far ? "to L2" : "to L1",
			    floor_sizes[i].name, ns, base);
		if (!i)
			base = ns;
	}
	return 0;
}

int bench_mem_floor(FILE *out, bool json)
{
	int ret = floor_series(out, json, false);

	return ret ? ret : floor_series(out, json, true);
}

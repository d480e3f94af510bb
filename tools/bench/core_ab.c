// SPDX-License-Identifier: GPL-2.0
/*
 * core-ab: the lookup benchmark of kvtier-bench --core, run on two builds of
 * kmod/core in one process, in alternating turns. Two runs of one build in
 * separate processes differ by 10-30% on a shared VM (a neighbour's load
 * comes and goes), which hides most changes worth making to the index;
 * in turns of a twentieth of a second, each build sees the same moments.
 *
 * scripts/core-ab.sh builds each side's libkvtcore.a with its symbols
 * prefixed a_ and b_, and links this against both. Each side gets a core
 * of 1000 objects and one of -n objects, built and timed by bench_table.c
 * as kvtier-bench --core builds and times its own. The figures are medians over
 * the turns: the cost per key of each size, and of each turn's large /
 * small ratio. A present key that misses stops the run, unless -m allows
 * it (for experiments that cut the probe short): then the share of hits
 * is printed too.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_table.h"
#include "bench_util.h"
#include "kvt_core.h"

/* The entry points of each side, under its prefix. */
#define AB_DECLARE(p)							\
	extern __typeof__(kvt_core_create) p##kvt_core_create;		\
	extern __typeof__(kvt_core_destroy) p##kvt_core_destroy;	\
	extern __typeof__(kvt_client_open) p##kvt_client_open;		\
	extern __typeof__(kvt_client_close) p##kvt_client_close;	\
	extern __typeof__(kvt_pool_add) p##kvt_pool_add;		\
	extern __typeof__(kvt_obj_alloc) p##kvt_obj_alloc;		\
	extern __typeof__(kvt_obj_batch) p##kvt_obj_batch;		\
	extern __typeof__(kvt_lookup) p##kvt_lookup

AB_DECLARE(a_);
AB_DECLARE(b_);

#define AB_API(p) {							\
	p##kvt_core_create, p##kvt_core_destroy, p##kvt_client_open,	\
	p##kvt_client_close, p##kvt_pool_add, p##kvt_obj_alloc,	\
	p##kvt_obj_batch, p##kvt_lookup,				\
}

static const struct bench_core_api ab_api[2] = { AB_API(a_), AB_API(b_) };

#define AB_SMALL 1000u
#define AB_WARMUP_S 0.01
#define AB_MAX_TURNS 1000

/* One side's table of one size, and its turns. */
struct ab_table {
	struct bench_table t;
	double ns[AB_MAX_TURNS];
};

static void ab_usage(void)
{
	fprintf(stderr, "usage: core-ab [-m] [-n objects] [-t turns]"
		" [-s seconds] [-A name] [-B name]\n");
}

int main(int argc, char **argv)
{
	const char *name[2] = { "A", "B" };
	uint32_t n = 10000000;
	double slice = 0.05, cost[2][2], ratio[2];
	static double r[2][AB_MAX_TURNS];
	struct ab_table t[2][2];
	int turns = 20, opt, side, size, k, ret = 0;
	bool misses = false;

	while ((opt = getopt(argc, argv, "mn:t:s:A:B:")) != -1) {
		switch (opt) {
		case 'm':
			misses = true;
			break;
		case 'n':
			n = (uint32_t)strtod(optarg, NULL);
			break;
		case 't':
			turns = atoi(optarg);
			break;
		case 's':
			slice = strtod(optarg, NULL);
			break;
		case 'A':
			name[0] = optarg;
			break;
		case 'B':
			name[1] = optarg;
			break;
		default:
			ab_usage();
			return 2;
		}
	}
	if (n < AB_SMALL || turns < 1 || turns > AB_MAX_TURNS ||
	    !(slice > 0)) {
		ab_usage();
		return 2;
	}
	memset(t, 0, sizeof(t));
	for (side = 0; side < 2 && !ret; side++)
		for (size = 0; size < 2 && !ret; size++)
			ret = bench_table_build(&t[side][size].t,
						&ab_api[side],
						size ? n : AB_SMALL);
	/* Turns: each side's small then large table, A then B. */
	for (k = 0; k < turns && !ret; k++) {
		for (side = 0; side < 2 && !ret; side++) {
			for (size = 0; size < 2; size++) {
				bench_table_time(&t[side][size].t,
						 AB_WARMUP_S, misses);
				t[side][size].ns[k] =
					bench_table_time(&t[side][size].t,
							 slice, misses);
				if (t[side][size].ns[k] < 0)
					ret = -EIO;
			}
			r[side][k] = t[side][1].ns[k] / t[side][0].ns[k];
		}
	}
	if (ret) {
		fprintf(stderr, "core-ab: %s\n", ret == -EIO ?
			"a build failed, or a present key missed" :
			strerror(-ret));
	} else {
		for (side = 0; side < 2; side++) {
			for (size = 0; size < 2; size++)
				cost[side][size] =
					bench_median(t[side][size].ns, turns);
			ratio[side] = bench_median(r[side], turns);
			printf("%s: %u objects %.1f ns/key, %u objects "
			       "%.1f ns/key, ratio %.2f", name[side],
			       AB_SMALL, cost[side][0], n, cost[side][1],
			       ratio[side]);
			if (misses)
				printf(" (hits %.1f%%, %.1f%%)",
				       100.0 * t[side][0].t.hits /
				       t[side][0].t.looked,
				       100.0 * t[side][1].t.hits /
				       t[side][1].t.looked);
			printf("\n");
		}
		printf("B/A: %u objects %.3f, %u objects %.3f, ratio %.3f "
		       "(%d turns)\n", AB_SMALL, cost[1][0] / cost[0][0], n,
		       cost[1][1] / cost[0][1], ratio[1] / ratio[0], turns);
	}
	for (side = 0; side < 2; side++)
		for (size = 0; size < 2; size++)
			bench_table_free(&t[side][size].t);
	return ret ? 1 : 0;
}

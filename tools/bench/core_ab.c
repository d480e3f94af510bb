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
 * of 1000 objects and one of -n objects, built through the real alloc /
 * commit / release API and timed on batches of 256 lookups of random
 * present keys, as kvtier-bench times them. The figures are medians over
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
#include <time.h>
#include <unistd.h>

#include "kvt_core.h"

/*
 * The entry points the benchmark uses, under each side's prefix, with the
 * types kvt_core.h gives them (both sides must agree with it).
 */
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

struct ab_core_api {
	__typeof__(kvt_core_create) *core_create;
	__typeof__(kvt_core_destroy) *core_destroy;
	__typeof__(kvt_client_open) *client_open;
	__typeof__(kvt_client_close) *client_close;
	__typeof__(kvt_pool_add) *pool_add;
	__typeof__(kvt_obj_alloc) *obj_alloc;
	__typeof__(kvt_obj_batch) *obj_batch;
	__typeof__(kvt_lookup) *lookup;
};

#define AB_API(p) {							\
	p##kvt_core_create, p##kvt_core_destroy, p##kvt_client_open,	\
	p##kvt_client_close, p##kvt_pool_add, p##kvt_obj_alloc,	\
	p##kvt_obj_batch, p##kvt_lookup,				\
}

static const struct ab_core_api ab_api[2] = { AB_API(a_), AB_API(b_) };

#define AB_BATCH 256
#define AB_QUERIES (1u << 20)
#define AB_SMALL 1000u
#define AB_WARMUP_S 0.01
#define AB_MAX_TURNS 1000

/* One side's core of one size, its client and its queries. */
struct ab_table {
	const struct ab_core_api *api;
	struct kvt_core *core;
	struct kvt_client *c;
	struct drm_kvtier_key *q;
	uint32_t off;
	uint64_t looked;
	uint64_t hits;
	double ns[AB_MAX_TURNS];
};

static double ab_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint64_t ab_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Allocates, commits and releases @n objects of keys @keys in @t's core. */
static int ab_fill(struct ab_table *t, uint32_t pool,
		   const struct drm_kvtier_key *keys, uint32_t n)
{
	static struct drm_kvtier_alloc_item items[KVTIER_MAX_BATCH];
	static struct drm_kvtier_obj_op ops[KVTIER_MAX_BATCH];
	uint32_t done, i, count, failed;

	for (done = 0; done < n; done += count) {
		count = n - done < KVTIER_MAX_BATCH ? n - done :
			KVTIER_MAX_BATCH;
		for (i = 0; i < count; i++) {
			memset(&items[i], 0, sizeof(items[i]));
			items[i].key = keys[done + i];
			items[i].size = 4096;
		}
		if (t->api->obj_alloc(t->c, pool, 0, items, count, &failed))
			return -EIO;
		for (i = 0; i < count; i++) {
			memset(&ops[i], 0, sizeof(ops[i]));
			ops[i].handle = items[i].handle;
		}
		if (t->api->obj_batch(t->c, KVTIER_OP_COMMIT, ops, count) ||
		    t->api->obj_batch(t->c, KVTIER_OP_RELEASE, ops, count))
			return -EIO;
	}
	return 0;
}

/* Builds @t: a core of @n objects of side @api, and its queries. */
static int ab_table_build(struct ab_table *t, const struct ab_core_api *api,
			  uint32_t n)
{
	struct kvt_core_params p = { .max_objects = n, .max_work = 16 };
	struct drm_kvtier_pool_create pc = {
		.slot_size = 4096, .slot_count = n, .kind = KVTIER_KIND_KV,
	};
	/* Both sides get the same keys and queries. */
	uint64_t seed = 0x6b7674696572ull ^ n;
	struct drm_kvtier_key *keys;
	uint32_t pool, i;
	int ret;

	memset(t, 0, sizeof(*t));
	t->api = api;
	if (api->core_create(&p, &t->core) ||
	    api->client_open(t->core, 1, KVT_CLIENT_ADMIN, NULL, &t->c) ||
	    api->pool_add(t->c, &pc, &pool))
		return -EIO;
	keys = malloc(sizeof(*keys) * n);
	t->q = malloc(sizeof(*t->q) * AB_QUERIES);
	if (!keys || !t->q) {
		free(keys);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		keys[i].lo = ab_next(&seed);
		keys[i].hi = ab_next(&seed);
	}
	ret = ab_fill(t, pool, keys, n);
	for (i = 0; i < AB_QUERIES; i++)
		t->q[i] = keys[ab_next(&seed) % n];
	free(keys);
	return ret;
}

static void ab_table_free(struct ab_table *t)
{
	if (t->c)
		t->api->client_close(t->c);
	if (t->core)
		t->api->core_destroy(t->core);
	free(t->q);
}

/*
 * Nanoseconds per key over whole batches for @secs; <0: a key missed
 * and @misses does not allow it.
 */
static double ab_time(struct ab_table *t, double secs, bool misses)
{
	struct drm_kvtier_lookup_result res[AB_BATCH];
	double t0 = ab_now(), now;
	uint64_t looked = 0;
	uint32_t hits, prefix;

	do {
		t->api->lookup(t->c, 0, t->q + t->off, res, AB_BATCH, &hits,
			       &prefix);
		if (hits != AB_BATCH && !misses)
			return -1;
		t->off = (t->off + AB_BATCH) % AB_QUERIES;
		looked += AB_BATCH;
		t->looked += AB_BATCH;
		t->hits += hits;
		now = ab_now();
	} while (now < t0 + secs);
	return (now - t0) * 1e9 / looked;
}

static int ab_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double ab_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), ab_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

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
			ret = ab_table_build(&t[side][size], &ab_api[side],
					     size ? n : AB_SMALL);
	/* Turns: each side's small then large table, A then B. */
	for (k = 0; k < turns && !ret; k++) {
		for (side = 0; side < 2 && !ret; side++) {
			for (size = 0; size < 2; size++) {
				ab_time(&t[side][size], AB_WARMUP_S, misses);
				t[side][size].ns[k] =
					ab_time(&t[side][size], slice, misses);
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
					ab_median(t[side][size].ns, turns);
			ratio[side] = ab_median(r[side], turns);
			printf("%s: %u objects %.1f ns/key, %u objects "
			       "%.1f ns/key, ratio %.2f", name[side],
			       AB_SMALL, cost[side][0], n, cost[side][1],
			       ratio[side]);
			if (misses)
				printf(" (hits %.1f%%, %.1f%%)",
				       100.0 * t[side][0].hits /
				       t[side][0].looked,
				       100.0 * t[side][1].hits /
				       t[side][1].looked);
			printf("\n");
		}
		printf("B/A: %u objects %.3f, %u objects %.3f, ratio %.3f "
		       "(%d turns)\n", AB_SMALL, cost[1][0] / cost[0][0], n,
		       cost[1][1] / cost[0][1], ratio[1] / ratio[0], turns);
	}
	for (side = 0; side < 2; side++)
		for (size = 0; size < 2; size++)
			ab_table_free(&t[side][size]);
	return ret ? 1 : 0;
}

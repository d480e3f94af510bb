// SPDX-License-Identifier: GPL-2.0
/*
 * Lookup cost against table size. Each size gets its own core with one
 * pool of exactly as many slots as objects (the core never touches pool
 * memory, so the pool costs only its bitmaps), filled through the real
 * alloc / commit / release API in full batches, then timed on batched
 * lookups of random present keys. Costs are reported against the smallest
 * table, measured in the same run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_core.h"
#include "bench_util.h"
#include "kvt_core.h"

/* A lookup ioctl's typical batch: one prompt's worth of KV blocks. */
#define BENCH_BATCH 256
/* Long enough to average out scheduling noise, short enough for CI. */
#define BENCH_SECONDS 1.0
#define BENCH_SLICES 10
/* Queries are drawn up front, so the timed loop only looks up. */
#define BENCH_QUERIES (1u << 20)

struct bench_size {
	const char *name;
	uint32_t objects;
};

static const struct bench_size bench_sizes[] = {
	{ "1e3", 1000 },
	{ "1e6", 1000000 },
	{ "1e7", 10000000 },
};

static uint64_t bench_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Allocates, commits and releases @n objects with keys @keys. */
static int bench_fill(struct kvt_client *c, uint32_t pool,
		      const struct drm_kvtier_key *keys, uint32_t n)
{
	struct drm_kvtier_alloc_item *items;
	struct drm_kvtier_obj_op *ops;
	uint32_t done, i, count, fi;
	int ret = 0;

	items = calloc(KVTIER_MAX_BATCH, sizeof(*items));
	ops = calloc(KVTIER_MAX_BATCH, sizeof(*ops));
	if (!items || !ops) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (done = 0; done < n; done += count) {
		count = n - done < KVTIER_MAX_BATCH ? n - done :
			KVTIER_MAX_BATCH;
		for (i = 0; i < count; i++) {
			memset(&items[i], 0, sizeof(items[i]));
			items[i].key = keys[done + i];
			items[i].size = 4096;
		}
		ret = kvt_obj_alloc(c, pool, 0, items, count, &fi);
		if (ret)
			goto out_free;
		for (i = 0; i < count; i++) {
			ops[i].handle = items[i].handle;
			ops[i].tier = 0;
		}
		/* Committed and released: cached objects nobody holds. */
		if (kvt_obj_batch(c, KVTIER_OP_COMMIT, ops, count) ||
		    kvt_obj_batch(c, KVTIER_OP_RELEASE, ops, count)) {
			ret = -EIO;
			goto out_free;
		}
	}
out_free:
	free(items);
	free(ops);
	return ret;
}

/* Sixteen batches from the query ring; -EIO if a present key missed. */
static int bench_batches(struct kvt_client *c,
			 const struct drm_kvtier_key *q,
			 struct drm_kvtier_lookup_result *res, uint32_t *off,
			 uint64_t *looked)
{
	uint32_t i, hits, prefix;

	for (i = 0; i < 16; i++) {
		kvt_lookup(c, 0, q + *off, res, BENCH_BATCH, &hits, &prefix);
		if (looked && hits != BENCH_BATCH)
			return -EIO;
		*off = (*off + BENCH_BATCH) % BENCH_QUERIES;
		if (looked)
			*looked += BENCH_BATCH;
	}
	return 0;
}

/* Lookups per second on a table of @n objects; *build_s the fill time. */
static int bench_one(uint32_t n, double *rate, double *build_s)
{
	struct kvt_core_params p = { .max_objects = n, .max_work = 16 };
	struct drm_kvtier_pool_create pc = {
		.slot_size = 4096, .slot_count = n, .kind = KVTIER_KIND_KV,
	};
	struct drm_kvtier_lookup_result res[BENCH_BATCH];
	struct drm_kvtier_key *keys = NULL, *q = NULL;
	uint64_t seed = 0x6b7674696572ull ^ n, looked;
	double t0, t, end, slice[BENCH_SLICES];
	uint32_t pool, i, s, off = 0;
	struct kvt_client *c;
	struct kvt_core *core;
	int ret;

	ret = kvt_core_create(&p, &core);
	if (ret)
		return ret;
	ret = kvt_client_open(core, 1, KVT_CLIENT_ADMIN, NULL, &c);
	if (ret)
		goto out_destroy;
	ret = kvt_pool_add(c, &pc, &pool);
	if (ret)
		goto out_close;

	keys = malloc(sizeof(*keys) * n);
	q = malloc(sizeof(*q) * BENCH_QUERIES);
	if (!keys || !q) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		keys[i].lo = bench_next(&seed);
		keys[i].hi = bench_next(&seed);
	}
	t0 = bench_now();
	ret = bench_fill(c, pool, keys, n);
	*build_s = bench_now() - t0;
	if (ret)
		goto out_free;
	for (i = 0; i < BENCH_QUERIES; i++)
		q[i] = keys[bench_next(&seed) % n];

	/*
	 * Warm up, then time whole batches in slices; the median slice is
	 * the figure, so that a neighbour's burst on a shared machine does
	 * not decide the result.
	 */
	end = bench_now() + BENCH_SECONDS / BENCH_SLICES;
	do {
		bench_batches(c, q, res, &off, NULL);
	} while (bench_now() < end);
	for (s = 0; s < BENCH_SLICES; s++) {
		looked = 0;
		t0 = bench_now();
		end = t0 + BENCH_SECONDS / BENCH_SLICES;
		do {
			if (bench_batches(c, q, res, &off, &looked)) {
				ret = -EIO;
				goto out_free;
			}
			t = bench_now();
		} while (t < end);
		slice[s] = looked / (t - t0);
	}
	*rate = bench_median(slice, BENCH_SLICES);

out_free:
	free(keys);
	free(q);
out_close:
	kvt_client_close(c);
out_destroy:
	kvt_core_destroy(core);
	return ret;
}

int bench_core_lookup(FILE *out, bool json)
{
	const size_t nsizes = sizeof(bench_sizes) / sizeof(bench_sizes[0]);
	double rate[sizeof(bench_sizes) / sizeof(bench_sizes[0])];
	double build, base = 0;
	size_t i;
	int ret;

	for (i = 0; i < nsizes; i++) {
		ret = bench_one(bench_sizes[i].objects, &rate[i], &build);
		if (ret)
			return ret;
		if (!i)
			base = rate[0];
		if (json && !i)
			fprintf(out, "{\"name\":\"core_lookup_%s\",\"value\":%.0f,"
				"\"unit\":\"lookups/s\"}\n",
				bench_sizes[i].name, rate[i]);
		else if (json)
			fprintf(out, "{\"name\":\"core_lookup_%s\",\"value\":%.0f,"
				"\"unit\":\"lookups/s\",\"baseline\":%.0f,"
				"\"ratio\":%.3f}\n",
				bench_sizes[i].name, rate[i], base,
				rate[i] / base);
		else
			fprintf(out, "core lookup, %10u objects: %12.0f "
				"lookups/s (%.1f ns/key, %.2fx of 1e3; built "
				"in %.1f s)\n", bench_sizes[i].objects,
				rate[i], 1e9 / rate[i], rate[i] / base, build);
		fflush(out);
	}
	/* Cost per key is the inverse of the rate. */
	if (json)
		fprintf(out, "{\"name\":\"core_lookup_cost_ratio_1e7_vs_1e3\","
			"\"value\":%.3f,\"unit\":\"x\",\"target\":2.0}\n",
			base / rate[nsizes - 1]);
	else
		fprintf(out, "core lookup cost at 1e7 vs 1e3: %.2fx "
			"(target <= 2.0x)\n", base / rate[nsizes - 1]);
	return 0;
}

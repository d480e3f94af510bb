// SPDX-License-Identifier: GPL-2.0
/* Cores filled for lookup benchmarks: see bench_table.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench_table.h"
#include "bench_util.h"

/* Allocates, commits and releases @n objects with keys @keys. */
static int bench_table_fill(struct bench_table *t, uint32_t pool,
			    const struct drm_kvtier_key *keys, uint32_t n)
{
	struct drm_kvtier_alloc_item *items;
	struct drm_kvtier_obj_op *ops;
	uint32_t done, i, count, failed;
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
		ret = t->api->obj_alloc(t->c, pool, 0, items, count, &failed);
		if (ret)
			goto out_free;
		for (i = 0; i < count; i++) {
			memset(&ops[i], 0, sizeof(ops[i]));
			ops[i].handle = items[i].handle;
		}
		/* Committed and released: cached objects nobody holds. */
		if (t->api->obj_batch(t->c, KVTIER_OP_COMMIT, ops, count) ||
		    t->api->obj_batch(t->c, KVTIER_OP_RELEASE, ops, count)) {
			ret = -EIO;
			goto out_free;
		}
	}
out_free:
	free(items);
	free(ops);
	return ret;
}

int bench_table_build(struct bench_table *t, const struct bench_core_api *api,
		      uint32_t n)
{
	struct kvt_core_params p = { .max_objects = n, .max_work = 16 };
	struct drm_kvtier_pool_create pc = {
		.slot_size = 4096, .slot_count = n, .kind = KVTIER_KIND_KV,
	};
	uint64_t seed = 0x6b7674696572ull ^ n;
	struct drm_kvtier_key *keys;
	uint32_t pool, i;
	double t0;
	int ret;

	memset(t, 0, sizeof(*t));
	t->api = api;
	ret = api->core_create(&p, &t->core);
	if (!ret)
		ret = api->client_open(t->core, 1, KVT_CLIENT_ADMIN, NULL,
				       &t->c);
	if (!ret)
		ret = api->pool_add(t->c, &pc, &pool);
	if (ret)
		return ret;
	keys = malloc(sizeof(*keys) * n);
	t->q = malloc(sizeof(*t->q) * BENCH_QUERIES);
	if (!keys || !t->q) {
		free(keys);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		keys[i].lo = bench_next(&seed);
		keys[i].hi = bench_next(&seed);
	}
	t0 = bench_now();
	ret = bench_table_fill(t, pool, keys, n);
	t->build_s = bench_now() - t0;
	if (!ret)
		for (i = 0; i < BENCH_QUERIES; i++)
			t->q[i] = keys[bench_next(&seed) % n];
	free(keys);
	return ret;
}

void bench_table_free(struct bench_table *t)
{
	free(t->q);
	if (t->c)
		t->api->client_close(t->c);
	if (t->core)
		t->api->core_destroy(t->core);
	memset(t, 0, sizeof(*t));
}

double bench_table_time(struct bench_table *t, double secs, bool misses)
{
	struct drm_kvtier_lookup_result res[BENCH_BATCH];
	double t0 = bench_now(), now;
	uint32_t i, hits, prefix;
	uint64_t looked = 0;

	do {
		/* Sixteen batches between looks at the clock. */
		for (i = 0; i < 16; i++) {
			t->api->lookup(t->c, 0, t->q + t->off, res,
				       BENCH_BATCH, &hits, &prefix);
			if (hits != BENCH_BATCH && !misses)
				return -1;
			t->off = (t->off + BENCH_BATCH) % BENCH_QUERIES;
			looked += BENCH_BATCH;
			t->hits += hits;
		}
		now = bench_now();
	} while (now < t0 + secs);
	t->looked += looked;
	return (now - t0) * 1e9 / looked;
}

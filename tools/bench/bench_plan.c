// SPDX-License-Identifier: GPL-2.0
/*
 * The eviction planner at 10^6 objects against 10^3. See bench_plan.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_plan.h"
#include "kvtd_planner.h"

/* Victims per plan: a pass that frees 1000 slots, as the issue states. */
#define BENCH_PLAN_VICTIMS 1000u
/*
 * Rounds per size: enough that the 10^6 pool evicts well past its first
 * inserted objects' neighbours, and the median is steady.
 */
#define BENCH_PLAN_ROUNDS 101u
#define BENCH_PLAN_SLOT 4096u

struct plan_pool {
	struct kvtd_planner *pl;
	uint64_t n;
	uint64_t next;		/* the next handle */
	struct kvtd_evict_action *act;
};

static double plan_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ALLOC and COMMIT of @count new one-slot objects. */
static int plan_put(struct plan_pool *p, uint64_t count)
{
	struct drm_kvtier_access a[256];
	uint64_t done = 0, h;
	uint32_t i;
	int ret;

	while (done < count) {
		for (i = 0; i + 1 < 256 && done < count; i += 2, done++) {
			h = ++p->next;
			a[i] = (struct drm_kvtier_access){
				.key = { .lo = h * 0x9e3779b97f4a7c15ull,
					 .hi = h },
				.handle = h,
				.tenant_id = 1,
				.size = BENCH_PLAN_SLOT,
				.pool_id = 1,
				.type = KVTIER_ACCESS_ALLOC,
			};
			a[i + 1] = a[i];
			a[i + 1].size = 0;
			a[i + 1].type = KVTIER_ACCESS_COMMIT;
		}
		ret = kvtd_planner_feed(p->pl, a, i);
		if (ret)
			return ret;
	}
	return 0;
}

static int plan_open(struct plan_pool *p, uint64_t n)
{
	struct kvtd_planner_pool pp = {
		.slot_size = BENCH_PLAN_SLOT,
		.slot_count = n,
		.write = { KVTD_WRITE_BACK, 0 },
	};
	int ret;

	memset(p, 0, sizeof(*p));
	p->n = n;
	p->act = calloc(BENCH_PLAN_VICTIMS, sizeof(*p->act));
	if (!p->act)
		return -ENOMEM;
	ret = kvtd_planner_create(&kvtd_policy_lru, false, &p->pl);
	if (!ret)
		ret = kvtd_planner_pool_set(p->pl, 1, &pp);
	if (!ret)
		ret = plan_put(p, n);
	return ret;
}

static void plan_close(struct plan_pool *p)
{
	kvtd_planner_destroy(p->pl);
	free(p->act);
}

/* One plan of BENCH_PLAN_VICTIMS, timed; then the pool is filled again. */
static int plan_round(struct plan_pool *p, double *secs)
{
	/* Watermarks that ask for exactly BENCH_PLAN_VICTIMS slots. */
	uint32_t low = (uint32_t)((p->n - BENCH_PLAN_VICTIMS) * 1000 / p->n);
	struct kvtd_plan_input in = {
		.pool_id = 1,
		.slots_used = p->n,
		.pool_wm = { .high = low, .low = low },
		.tenant_wm = { .high = 1000, .low = 1000 },
	};
	struct kvtd_evict_summary sum;
	double t0;
	int n, i;

	t0 = plan_now();
	n = kvtd_planner_evict(p->pl, &in, p->act, BENCH_PLAN_VICTIMS, &sum);
	*secs = plan_now() - t0;
	if (n != (int)BENCH_PLAN_VICTIMS)
		return n < 0 ? n : -EIO;
	for (i = 0; i < n; i++)
		kvtd_planner_note(p->pl, p->act[i].handle, KVTD_NOTE_DROPPED);
	return plan_put(p, (uint64_t)n);
}

static int plan_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int bench_plan(FILE *out, bool json)
{
	double big[BENCH_PLAN_ROUNDS], small[BENCH_PLAN_ROUNDS], b, s;
	struct plan_pool pb, ps;
	unsigned int r;
	int ret;

	ret = plan_open(&pb, 1000000);
	if (!ret)
		ret = plan_open(&ps, 1000);
	/* Alternated, so that drift hits both sizes alike. */
	for (r = 0; !ret && r < BENCH_PLAN_ROUNDS; r++) {
		ret = plan_round(&pb, &big[r]);
		if (!ret)
			ret = plan_round(&ps, &small[r]);
	}
	plan_close(&pb);
	plan_close(&ps);
	if (ret)
		return ret;
	qsort(big, BENCH_PLAN_ROUNDS, sizeof(double), plan_cmp);
	qsort(small, BENCH_PLAN_ROUNDS, sizeof(double), plan_cmp);
	b = big[BENCH_PLAN_ROUNDS / 2] * 1e6;
	s = small[BENCH_PLAN_ROUNDS / 2] * 1e6;
	if (json)
		fprintf(out, "{\"name\":\"evict_plan_1e6_vs_1e3\",\"value\":%.2f,\"unit\":\"us\",\"baseline\":%.2f,\"ratio\":%.3f,\"target\":1.5,\"victims\":%u}\n",
			b, s, b / s, BENCH_PLAN_VICTIMS);
	else
		fprintf(out, "%-28s %10.2f us  (10^3 objects %.2f us, ratio %.3f, target 1.5)\n",
			"evict_plan_1e6_vs_1e3", b, s, b / s);
	return 0;
}

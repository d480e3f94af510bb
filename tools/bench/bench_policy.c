// SPDX-License-Identifier: GPL-2.0
/*
 * The policy benchmark. See bench_policy.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "bench_policy.h"
#include "bench_util.h"
#include "kvtd_policy.h"

/* A cache of a size the daemon holds in a host pool of 2 MiB slots. */
#define BP_CAPACITY (1u << 16)
/* Blocks per prompt: about the traces' mean (27 and 31). */
#define BP_PROMPT 32u
/* Hot prefixes and their share of prompts: some reuse, mostly misses. */
#define BP_HOT 4096u
#define BP_HOT_EVERY 2u
/* Prompts per round; rounds alternate LRU and the default, median kept. */
#define BP_PROMPTS (1u << 14)
#define BP_ROUNDS 7

struct bp_run {
	struct kvtd_policy *p;
	uint64_t seed;
	uint64_t next_id;
	uint64_t accesses;
};

static struct drm_kvtier_key bp_key(uint64_t id)
{
	return (struct drm_kvtier_key){ .lo = id, .hi = 0xb0b };
}

/* Is @key cached? The policy's own reuse op is not in every policy. */
static bool bp_cached(struct kvtd_policy *p, const struct kvtd_access *a)
{
	return kvtd_policy_access(p, a) == 0;
}

static int bp_prompt(struct bp_run *r, uint64_t now)
{
	struct kvtd_access a = { .time_ns = now, .count = BP_PROMPT };
	struct drm_kvtier_key v;
	uint64_t base, x = bench_next(&r->seed);
	bool hot = x % BP_HOT_EVERY == 0, broken = false;
	uint32_t i;
	int ret;

	base = hot ? (x >> 8) % BP_HOT * BP_PROMPT : 0;
	for (i = 0; i < BP_PROMPT; i++) {
		/* A hot prompt's last quarter is its own, as a user's turn. */
		if (hot && i < BP_PROMPT * 3 / 4)
			a.key = bp_key(base + i);
		else
			a.key = bp_key((1ull << 40) + r->next_id++);
		a.position = i;
		r->accesses++;
		if (!broken && bp_cached(r->p, &a))
			continue;
		a.flags = broken ? KVTD_ACCESS_NOT_PROBED : 0;
		broken = true;
		ret = kvtd_policy_miss(r->p, &a);
		if (ret)
			return ret;
		if (kvtd_policy_used(r->p) >= kvtd_policy_capacity(r->p)) {
			if (kvtd_policy_victim(r->p, NULL, NULL, &v) ||
			    kvtd_policy_remove(r->p, &v))
				return -EIO;
		}
		ret = kvtd_policy_insert(r->p, &a, 1);
		if (ret && ret != -EEXIST)
			return ret;
	}
	return 0;
}

/* One round of @ops from a cold cache; ns per access, or < 0 on error. */
static double bp_round(const struct kvtd_policy_ops *ops, int round)
{
	struct kvtd_policy_params params = {
		.capacity = BP_CAPACITY,
		.expect_entries = BP_CAPACITY,
	};
	struct bp_run r = { .seed = 42 + (uint64_t)round };
	double t0, t1;
	uint32_t n;
	int ret;

	if (kvtd_policy_create(ops, &params, &r.p))
		return -1.0;
	/* Warm: fill the cache so the timed part evicts as it stores. */
	for (n = 0; n < 2 * BP_CAPACITY / BP_PROMPT; n++)
		if (bp_prompt(&r, n))
			break;
	r.accesses = 0;
	t0 = bench_now();
	for (ret = 0, n = 0; !ret && n < BP_PROMPTS; n++)
		ret = bp_prompt(&r, BP_CAPACITY + n);
	t1 = bench_now();
	kvtd_policy_destroy(r.p);
	if (ret || !r.accesses)
		return -1.0;
	return (t1 - t0) * 1e9 / (double)r.accesses;
}

/* Time @ops against LRU, alternating rounds; medians in *@ns, *@lru_ns. */
static int bp_measure(const struct kvtd_policy_ops *ops, double *ns,
		      double *lru_ns)
{
	double lru[BP_ROUNDS], pol[BP_ROUNDS];
	int i;

	for (i = 0; i < BP_ROUNDS; i++) {
		lru[i] = bp_round(&kvtd_policy_lru, i);
		pol[i] = bp_round(ops, i);
		if (lru[i] < 0 || pol[i] < 0)
			return -EIO;
	}
	*lru_ns = bench_median(lru, BP_ROUNDS);
	*ns = bench_median(pol, BP_ROUNDS);
	return 0;
}

static void bp_print(FILE *out, bool json, const char *row,
		     const struct kvtd_policy_ops *ops, double d, double l)
{
	if (json)
		fprintf(out, "{\"name\":\"%s\",\"policy\":\"%s\","
			"\"value\":%.1f,\"unit\":\"ns\",\"baseline\":%.1f,"
			"\"ratio\":%.3f,\"target\":3.0}\n", row, ops->name, d,
			l, d / l);
	else
		fprintf(out, "policy %s: %.1f ns per access, lru %.1f ns: "
			"%.2fx (target <= 3.0x)\n", ops->name, d, l, d / l);
	fflush(out);
}

int bench_policy_access(FILE *out, bool json)
{
	const struct kvtd_policy_ops *def = kvtd_policy_find(KVTD_POLICY_DEFAULT);
	const struct kvtd_policy_ops *ops;
	char row[64];
	double d, l;
	size_t i;
	int ret;

	if (!def)
		return -ENOENT;
	ret = bp_measure(def, &d, &l);
	if (ret)
		return ret;
	bp_print(out, json, "policy_access_ns", def, d, l);
	/* Every other policy on offer too, under a row of its own. */
	for (i = 0; (ops = kvtd_policy_list(i)); i++) {
		if (ops == def || ops == &kvtd_policy_lru)
			continue;
		ret = bp_measure(ops, &d, &l);
		if (ret)
			return ret;
		snprintf(row, sizeof(row), "policy_access_ns_%s", ops->name);
		bp_print(out, json, row, ops, d, l);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-trace evictions: kvtierd's evictions and admissions per policy,
 * tier and kind, with a log2 histogram of the policy's score.
 */
#include "evictions.h"
#include "tools.h"
#include "trace_util.h"
#include "evictions.skel.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct evt_row {
	struct evt_key k;
	struct evt_stats s;
};

/* KVTD_USDT_EVICT_* by value; 0 is an admission's. */
static const char *kind_name(__u32 kind)
{
	static const char *const names[] = {
		"admit", "skip_busy", "drop", "wait_write", "write_drop",
		"drop_policy",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

static int cmp_row(const void *a, const void *b)
{
	const struct evt_row *x = a, *y = b;
	int c = strncmp(x->k.policy, y->k.policy, EVT_POLICY_LEN);

	if (c)
		return c;
	if (x->k.tier != y->k.tier)
		return x->k.tier < y->k.tier ? -1 : 1;
	return x->k.kind < y->k.kind ? -1 : x->k.kind > y->k.kind;
}

static void rows_json(const char *what, struct evt_row *r, int n)
{
	int i, j;

	printf(",\"%s\":[", what);
	for (i = 0; i < n; i++) {
		printf("%s{\"policy\":\"%.*s\",\"tier\":\"%s\",\"kind\":\"%s\",\"count\":%llu,\"no_score\":%llu,\"score_slots\":[",
		       i ? "," : "", EVT_POLICY_LEN, r[i].k.policy,
		       kvt_tier_name(r[i].k.tier), kind_name(r[i].k.kind),
		       (unsigned long long)r[i].s.count,
		       (unsigned long long)r[i].s.no_score);
		for (j = 0; j < EVT_SCORE_SLOTS; j++)
			printf("%s%llu", j ? "," : "",
			       (unsigned long long)r[i].s.score_slots[j]);
		printf("]}");
	}
	putchar(']');
}

static void rows_text(const char *what, struct evt_row *r, int n)
{
	struct kvt_hist h;
	int i;

	printf("\n%-12s %-16s %-7s %-12s %10s %10s\n", what, "POLICY", "TIER",
	       "KIND", "COUNT", "NO_SCORE");
	for (i = 0; i < n; i++) {
		printf("%-12s %-16.*s %-7s %-12s %10llu %10llu\n", "",
		       EVT_POLICY_LEN, r[i].k.policy, kvt_tier_name(r[i].k.tier),
		       kind_name(r[i].k.kind), (unsigned long long)r[i].s.count,
		       (unsigned long long)r[i].s.no_score);
		if (r[i].s.count == r[i].s.no_score)
			continue;
		memset(&h, 0, sizeof(h));
		memcpy(h.slots, r[i].s.score_slots, sizeof(r[i].s.score_slots));
		kvt_hist_print(stdout, &h, "score");
	}
}

static void report(const struct kvt_trace_opts *o, struct evt_row *e, int ne,
		   struct evt_row *a, int na, unsigned int n)
{
	qsort(e, (size_t)ne, sizeof(*e), cmp_row);
	qsort(a, (size_t)na, sizeof(*a), cmp_row);
	if (o->json) {
		printf("{\"tool\":\"evictions\",\"report\":%u,\"time_ms\":%llu",
		       n, (unsigned long long)kvt_now_ms());
		rows_json("evictions", e, ne);
		rows_json("admissions", a, na);
		printf("}\n");
	} else {
		rows_text("EVICTIONS", e, ne);
		rows_text("ADMISSIONS", a, na);
	}
	fflush(stdout);
}

static int evictions_run(const struct kvt_trace_opts *o)
{
	struct evt_row *e = NULL, *a = NULL;
	struct evictions_bpf *obj;
	unsigned int reports = 0;
	int ret = 0, last, ne, na;

	obj = evictions_bpf__open();
	if (!obj) {
		fprintf(stderr, "kvtier-trace: cannot open the BPF object: %s\n",
			strerror(errno));
		return -errno;
	}
	obj->rodata->targ_tenant = o->tenant;
	obj->rodata->filter_tenant = o->has_tenant;
	e = calloc(EVT_MAX_KEYS, sizeof(*e));
	a = calloc(EVT_MAX_KEYS, sizeof(*a));
	if (!e || !a) {
		ret = -ENOMEM;
		goto cleanup;
	}
	ret = kvt_pin_maps(o, (struct bpf_map *[]){
		obj->maps.evictions, obj->maps.admissions, NULL });
	if (ret)
		goto cleanup;
	ret = evictions_bpf__load(obj);
	if (ret) {
		kvt_load_failed(ret);
		goto cleanup;
	}
	kvt_signals_block();
	ret = kvt_attach_usdt(obj->progs.kvt_evict, o->daemon, "evict",
			      &obj->links.kvt_evict);
	if (!ret)
		ret = kvt_attach_usdt(obj->progs.kvt_admit, o->daemon, "admit",
				      &obj->links.kvt_admit);
	if (ret)
		goto cleanup;
	kvt_banner(o, "kvtierd evictions and admissions");
	do {
		last = kvt_wait(o, &reports);
		ne = kvt_read_hash(bpf_map__fd(obj->maps.evictions),
				   sizeof(struct evt_key), sizeof(struct evt_stats),
				   e, sizeof(*e), EVT_MAX_KEYS, !last);
		na = kvt_read_hash(bpf_map__fd(obj->maps.admissions),
				   sizeof(struct evt_key), sizeof(struct evt_stats),
				   a, sizeof(*a), EVT_MAX_KEYS, !last);
		report(o, e, ne, a, na, reports);
	} while (!last);
cleanup:
	free(e);
	free(a);
	evictions_bpf__destroy(obj);
	return ret;
}

const struct kvt_tool kvt_tool_evictions = {
	.name = "evictions",
	.help = "kvtierd's evictions and admissions per policy, tier and kind",
	.usdt = true,
	.run = evictions_run,
};

// SPDX-License-Identifier: GPL-2.0
/* kvtier-trace tenants: lookups, hits and misses per tenant and pool. */
#include "kvtier_tp.h"
#include "tenants.h"
#include "tools.h"
#include "trace_util.h"
#include "tenants.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const tenants_events[] = {
	"kvtier_lookup", "kvtier_lookup_pool", NULL,
};

struct ten_row {
	__u64 tenant;
	struct ten_stats s;
};

struct ten_pool_row {
	struct ten_pool_key k;
	__u64 hits;
};

static int cmp_row(const void *a, const void *b)
{
	const struct ten_row *x = a, *y = b;

	return x->tenant < y->tenant ? -1 : x->tenant > y->tenant;
}

static int cmp_pool_row(const void *a, const void *b)
{
	const struct ten_pool_row *x = a, *y = b;

	if (x->k.tenant != y->k.tenant)
		return x->k.tenant < y->k.tenant ? -1 : 1;
	return x->k.pool < y->k.pool ? -1 : x->k.pool > y->k.pool;
}

static void report(const struct kvt_trace_opts *o, struct ten_row *t, int nt,
		   struct ten_pool_row *p, int np, unsigned int n)
{
	int i, j;

	qsort(t, (size_t)nt, sizeof(*t), cmp_row);
	qsort(p, (size_t)np, sizeof(*p), cmp_pool_row);
	if (o->json) {
		printf("{\"tool\":\"tenants\",\"report\":%u,\"time_ms\":%llu,\"tenants\":[",
		       n, (unsigned long long)kvt_now_ms());
		for (i = 0; i < nt; i++) {
			printf("%s{\"tenant\":%llu,\"batches\":%llu,\"lookups\":%llu,\"hits\":%llu,\"misses\":%llu,\"pools\":[",
			       i ? "," : "", (unsigned long long)t[i].tenant,
			       (unsigned long long)t[i].s.batches,
			       (unsigned long long)t[i].s.lookups,
			       (unsigned long long)t[i].s.hits,
			       (unsigned long long)t[i].s.misses);
			for (j = 0, n = 0; j < np; j++)
				if (p[j].k.tenant == t[i].tenant)
					printf("%s{\"pool\":%u,\"hits\":%llu}",
					       n++ ? "," : "", p[j].k.pool,
					       (unsigned long long)p[j].hits);
			printf("]}");
		}
		printf("]}\n");
	} else {
		printf("\n%-20s %10s %10s %10s %10s\n", "TENANT", "BATCHES",
		       "LOOKUPS", "HITS", "MISSES");
		for (i = 0; i < nt; i++) {
			printf("%-20llu %10llu %10llu %10llu %10llu\n",
			       (unsigned long long)t[i].tenant,
			       (unsigned long long)t[i].s.batches,
			       (unsigned long long)t[i].s.lookups,
			       (unsigned long long)t[i].s.hits,
			       (unsigned long long)t[i].s.misses);
			for (j = 0; j < np; j++)
				if (p[j].k.tenant == t[i].tenant)
					printf("  pool %-13u %32s %10llu\n",
					       p[j].k.pool, "",
					       (unsigned long long)p[j].hits);
		}
	}
	fflush(stdout);
}

static int tenants_run(const struct kvt_trace_opts *o)
{
	struct ten_pool_row *p = NULL;
	struct ten_row *t = NULL;
	struct tenants_bpf *obj;
	unsigned int reports = 0;
	int ret = 0, last, nt, np;

	obj = tenants_bpf__open();
	if (!obj) {
		fprintf(stderr, "kvtier-trace: cannot open the BPF object: %s\n",
			strerror(errno));
		return -errno;
	}
	obj->rodata->targ_tenant = o->has_tenant ? o->tenant : 0;
	obj->rodata->targ_pool = o->pool;
	obj->rodata->filter_pool = o->has_pool;
	t = calloc(TEN_MAX_TENANTS, sizeof(*t));
	p = calloc(TEN_MAX_POOL_KEYS, sizeof(*p));
	if (!t || !p) {
		ret = -ENOMEM;
		goto cleanup;
	}
	ret = kvt_pin_maps(o, (struct bpf_map *[]){
		obj->maps.tenant_lookups, obj->maps.pool_hits, NULL });
	if (ret)
		goto cleanup;
	ret = tenants_bpf__load(obj);
	if (ret) {
		kvt_load_failed(ret);
		goto cleanup;
	}
	kvt_signals_block();
	ret = tenants_bpf__attach(obj);
	if (ret) {
		fprintf(stderr, "kvtier-trace: attaching to the kvtier tracepoints failed: %s\n",
			strerror(-ret));
		goto cleanup;
	}
	kvt_banner(o, "kvtier lookups per tenant and pool");
	do {
		last = kvt_wait(o, &reports);
		nt = kvt_read_hash(bpf_map__fd(obj->maps.tenant_lookups),
			       sizeof(__u64), sizeof(struct ten_stats), t,
			       sizeof(*t), TEN_MAX_TENANTS, !last);
		np = kvt_read_hash(bpf_map__fd(obj->maps.pool_hits),
			       sizeof(struct ten_pool_key), sizeof(__u64), p,
			       sizeof(*p), TEN_MAX_POOL_KEYS, !last);
		report(o, t, nt, p, np, reports);
	} while (!last);
cleanup:
	free(t);
	free(p);
	tenants_bpf__destroy(obj);
	return ret;
}

const struct kvt_tool kvt_tool_tenants = {
	.name = "tenants",
	.help = "lookups, hits and misses per tenant; hits per tenant and pool",
	.events = tenants_events,
	.run = tenants_run,
};

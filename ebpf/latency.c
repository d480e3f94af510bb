// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-trace latency: fetch latency as clients see it (queued ->
 * done, per fetch item) and queue wait (queued -> dispatched to the
 * daemon), each split by the tier the bytes come from.
 */
#include "kvtier_tp.h"
#include "latency.h"
#include "tools.h"
#include "trace_util.h"
#include "latency.skel.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

static const char *const latency_events[] = {
	"kvtier_fetch_queued", "kvtier_work_dispatched",
	"kvtier_work_completed", "kvtier_fetch_done", NULL,
};

static int read_hists(struct bpf_map *map, struct kvt_hist *h, bool clear)
{
	static const struct kvt_hist zero;
	__u32 t;
	int ret;

	for (t = 0; t < KVT_TIERS; t++) {
		ret = bpf_map__lookup_elem(map, &t, sizeof(t), &h[t],
					   sizeof(h[t]), 0);
		if (!ret && clear)
			ret = bpf_map__update_elem(map, &t, sizeof(t), &zero,
						   sizeof(zero), BPF_ANY);
		if (ret)
			return ret;
	}
	return 0;
}

static void report(const struct kvt_trace_opts *o, const struct kvt_hist *f,
		   const struct kvt_hist *q, unsigned int n)
{
	const char *what[2] = { "fetch_latency", "queue_wait" };
	const struct kvt_hist *hs[2] = { f, q };
	unsigned int i, t;

	if (o->json) {
		printf("{\"tool\":\"latency\",\"report\":%u,\"time_ms\":%llu",
		       n, (unsigned long long)kvt_now_ms());
		for (i = 0; i < 2; i++) {
			printf(",\"%s\":{", what[i]);
			for (t = 0; t < KVT_TIERS; t++) {
				printf("%s\"%s\":", t ? "," : "",
				       kvt_tier_name(t));
				kvt_hist_json(stdout, &hs[i][t]);
			}
			putchar('}');
		}
		printf("}\n");
	} else {
		for (i = 0; i < 2; i++)
			for (t = 0; t < KVT_TIERS; t++) {
				if (!hs[i][t].count)
					continue;
				printf("\n%s, from %s: %llu items, %llu failed, mean %llu us\n",
				       i ? "Queue wait" : "Fetch latency",
				       kvt_tier_name(t),
				       (unsigned long long)hs[i][t].count,
				       (unsigned long long)hs[i][t].errors,
				       (unsigned long long)(hs[i][t].sum_us /
							    hs[i][t].count));
				kvt_hist_print(stdout, &hs[i][t], "usecs");
			}
	}
	fflush(stdout);
}

static int latency_run(const struct kvt_trace_opts *o)
{
	struct kvt_hist f[KVT_TIERS], q[KVT_TIERS];
	struct latency_bpf *obj;
	unsigned int reports = 0;
	int ret, last;

	obj = latency_bpf__open();
	if (!obj) {
		fprintf(stderr, "kvtier-trace: cannot open the BPF object: %s\n",
			strerror(errno));
		return -errno;
	}
	obj->rodata->targ_tenant = o->has_tenant ? o->tenant : 0;
	obj->rodata->targ_pool = o->pool;
	obj->rodata->filter_pool = o->has_pool;
	ret = kvt_pin_maps(o, (struct bpf_map *[]){
		obj->maps.fetch_lat, obj->maps.queue_wait, NULL });
	if (ret)
		goto cleanup;
	ret = latency_bpf__load(obj);
	if (ret) {
		kvt_load_failed(ret);
		goto cleanup;
	}
	kvt_signals_block();
	ret = latency_bpf__attach(obj);
	if (ret) {
		fprintf(stderr, "kvtier-trace: attaching to the kvtier tracepoints failed: %s\n",
			strerror(-ret));
		goto cleanup;
	}
	kvt_banner(o, "kvtier fetch latency and queue wait");
	do {
		last = kvt_wait(o, &reports);
		/* The last report leaves the maps as it printed them. */
		ret = read_hists(obj->maps.fetch_lat, f, !last);
		if (!ret)
			ret = read_hists(obj->maps.queue_wait, q, !last);
		if (ret) {
			fprintf(stderr, "kvtier-trace: reading the maps failed: %s\n",
				strerror(-ret));
			goto cleanup;
		}
		report(o, f, q, reports);
	} while (!last);
cleanup:
	latency_bpf__destroy(obj);
	return ret;
}

const struct kvt_tool kvt_tool_latency = {
	.name = "latency",
	.help = "fetch latency (queued -> done) and queue wait, per source tier",
	.events = latency_events,
	.run = latency_run,
};

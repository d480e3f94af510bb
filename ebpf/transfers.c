// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-trace transfers: kvtierd's transfers per path (USDT
 * transfer_start -> transfer_end), latency histogram and bytes,
 * failures apart.
 */
#include "transfers.h"
#include "tools.h"
#include "trace_util.h"
#include "transfers.skel.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

static const char *const path_names[XFER_PATHS] = {
	"disk_host", "host_device", "disk_device", "device_host", "host_disk",
};

static const char *const path_text[XFER_PATHS] = {
	"disk -> host", "host -> device", "disk -> device", "device -> host",
	"host -> disk",
};

static int read_paths(struct bpf_map *map, struct xfer_stats *s, bool clear)
{
	static const struct xfer_stats zero;
	__u32 p;
	int ret;

	for (p = 0; p < XFER_PATHS; p++) {
		ret = bpf_map__lookup_elem(map, &p, sizeof(p), &s[p],
					   sizeof(s[p]), 0);
		if (!ret && clear)
			ret = bpf_map__update_elem(map, &p, sizeof(p), &zero,
						   sizeof(zero), BPF_ANY);
		if (ret)
			return ret;
	}
	return 0;
}

static void report(const struct kvt_trace_opts *o, const struct xfer_stats *s,
		   unsigned int n)
{
	unsigned int p;

	if (o->json) {
		printf("{\"tool\":\"transfers\",\"report\":%u,\"time_ms\":%llu,\"paths\":{",
		       n, (unsigned long long)kvt_now_ms());
		for (p = 0; p < XFER_PATHS; p++) {
			printf("%s\"%s\":{\"ok\":", p ? "," : "", path_names[p]);
			kvt_hist_json(stdout, &s[p].ok);
			printf(",\"failed\":");
			kvt_hist_json(stdout, &s[p].failed);
			putchar('}');
		}
		printf("}}\n");
	} else {
		for (p = 0; p < XFER_PATHS; p++) {
			const struct kvt_hist *h = &s[p].ok;

			if (!h->count && !s[p].failed.count)
				continue;
			printf("\nTransfers %s: %llu done, %llu bytes, mean %llu us; %llu failed\n",
			       path_text[p], (unsigned long long)h->count,
			       (unsigned long long)h->bytes,
			       (unsigned long long)(h->count ? h->sum_us / h->count : 0),
			       (unsigned long long)s[p].failed.count);
			if (h->count)
				kvt_hist_print(stdout, h, "usecs");
		}
	}
	fflush(stdout);
}

static int transfers_run(const struct kvt_trace_opts *o)
{
	struct xfer_stats s[XFER_PATHS];
	struct transfers_bpf *obj;
	unsigned int reports = 0;
	int ret, last;

	obj = transfers_bpf__open();
	if (!obj) {
		fprintf(stderr, "kvtier-trace: cannot open the BPF object: %s\n",
			strerror(errno));
		return -errno;
	}
	obj->rodata->targ_tenant = o->tenant;
	obj->rodata->filter_tenant = o->has_tenant;
	ret = kvt_pin_maps(o, (struct bpf_map *[]){
		obj->maps.xfer_paths, NULL });
	if (ret)
		goto cleanup;
	ret = transfers_bpf__load(obj);
	if (ret) {
		kvt_load_failed(ret);
		goto cleanup;
	}
	kvt_signals_block();
	ret = kvt_attach_usdt(obj->progs.kvt_transfer_start, o->daemon,
			      "transfer_start", &obj->links.kvt_transfer_start);
	if (!ret)
		ret = kvt_attach_usdt(obj->progs.kvt_transfer_end, o->daemon,
				      "transfer_end", &obj->links.kvt_transfer_end);
	if (ret)
		goto cleanup;
	kvt_banner(o, "kvtierd transfers per path");
	do {
		last = kvt_wait(o, &reports);
		/* The last report leaves the map as it printed it. */
		ret = read_paths(obj->maps.xfer_paths, s, !last);
		if (ret) {
			fprintf(stderr, "kvtier-trace: reading the maps failed: %s\n",
				strerror(-ret));
			goto cleanup;
		}
		report(o, s, reports);
	} while (!last);
cleanup:
	transfers_bpf__destroy(obj);
	return ret;
}

const struct kvt_tool kvt_tool_transfers = {
	.name = "transfers",
	.help = "kvtierd's transfers per path: latency, bytes, failures",
	.usdt = true,
	.run = transfers_run,
};

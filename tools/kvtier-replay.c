// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-replay: replay a serving trace (JSON Lines, the Mooncake FAST'25
 * format; see tests/data/README.md).
 *
 *   kvtier-replay [--tenants N] [--speed F | --fast] [--block-size BYTES]
 *                 [--limit REQUESTS] [--pool ID] [--fetch-to device|host]
 *                 [--fetch-timeout MS] [--json] TRACE
 *   kvtier-replay --simulate [--policy NAME] [--capacity 2%,5%,...]
 *                 [--capacity-blocks N,...] [--json] TRACE
 *
 * The live replay (tools/replay/live*.c) runs the trace through kvtier.ko
 * and kvtierd: one client process per tenant looks each prompt's blocks
 * up, fetches the hits into its device region, checks every loaded byte
 * against the content derived from the block's key, and stores the
 * misses. It reports hits by tier, bytes moved, fetch latency and
 * `integrity: N verified, N failed`.
 *
 * --simulate runs the daemon's own policy code over the trace with no
 * driver and no daemon: one cache counted in blocks, each prompt's keys
 * looked up in order, a block a hit only inside the prompt's longest
 * cached prefix (what an engine can skip), every block from the first miss
 * on stored (see kvtr_sim.h). For each capacity it prints the chosen
 * policy's prefix-hit rate beside LRU and Belady's next-use optimum, and
 * the share of the gap between those two that the policy closes.
 *
 * Each mode is one function. Exit status: 0 done (for the live replay:
 * every tenant process finished and no block failed verification), 1 the
 * trace or a run failed, 2 a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvtool.h"
#include "kvtr_belady.h"
#include "kvtr_capacity.h"
#include "kvtr_refs.h"
#include "kvtr_sim.h"
#include "kvtr_trace.h"
#include "live.h"
#include "live_assign.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2


struct replay_opts {
	bool simulate;
	bool json;
	const char *policy;
	const char *trace;
	struct kvtr_capacity caps[KVTR_CAPACITY_MAX];
	size_t ncaps;
	struct kvtr_live_opts live;
};

/* One row: a capacity and the three runs at it. */
struct replay_row {
	const struct kvtr_capacity *cap;
	uint64_t blocks;
	struct kvtr_sim_stats policy;
	struct kvtr_sim_stats lru;
	struct kvtr_sim_stats belady;
};

/* The help, around the line that lists the policies (not a format). */
static const char usage_head[] =
	"Usage: kvtier-replay [LIVE OPTIONS] TRACE\n"
	"       kvtier-replay --simulate [OPTIONS] TRACE\n"
	"\n"
	"Replay a serving trace (JSON Lines: timestamp, input_length,\n"
	"output_length, hash_ids per request).\n"
	"\n"
	"Modes:\n"
	"  --simulate            run the daemon's eviction policies on the trace\n"
	"                        alone (no driver, no daemon): one cache counted\n"
	"                        in blocks; a block hits only inside its prompt's\n"
	"                        longest cached prefix, every block from the first\n"
	"                        miss on is stored; prints the prefix-hit rate of\n"
	"                        --policy beside LRU and Belady, and the share of\n"
	"                        the LRU-to-Belady gap it closes\n"
	"  (none)                live replay through kvtier.ko and kvtierd: one\n"
	"                        client process per tenant (each in a cgroup of\n"
	"                        its own when run as root) looks up each prompt's\n"
	"                        blocks, fetches the hits into its device region,\n"
	"                        checks every byte, stores the misses; prints hits\n"
	"                        by tier, bytes moved, fetch latency, and\n"
	"                        'integrity: N verified, N failed'\n"
	"\n"
	"Live options:\n"
	"  --tenants N           tenant processes; request i goes to tenant\n"
	"                        i mod N (default 1, at most 64)\n"
	"  --speed F             keep arrival times, divided by F (default 1)\n"
	"  --fast                ignore arrival times\n"
	"  --block-size BYTES    bytes per block, K/M/G suffixes (default: the\n"
	"                        pool's slot size)\n"
	"  --limit REQUESTS      replay the first REQUESTS requests only\n"
	"  --pool ID             the pool (default: the first KV pool)\n"
	"  --fetch-to TIER       device (default: the tenant's memfd region,\n"
	"                        filled by kvtierd) or host (pin in the pool:\n"
	"                        host hits need no daemon)\n"
	"  --fetch-timeout MS    most time to wait for one fetch (default 5000)\n"
	"  --json                the report as one JSON object\n"
	"\n"
	"Simulate options:\n";
static const char usage_tail[] =
	"  --capacity LIST       cache sizes as shares of the trace's distinct\n"
	"                        blocks (default " KVTR_CAPACITY_DEFAULT ")\n"
	"  --capacity-blocks LIST\n"
	"                        cache sizes in blocks, e.g. 1000,4000\n"
	"  --json                one JSON object per capacity, one per line\n"
	"\n"
	"  -h, --help            print this help\n";

/* The policy names for the help text and errors. */
static void replay_policy_names(char *buf, size_t len)
{
	const struct kvtd_policy_ops *ops;
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; (ops = kvtd_policy_list(i)); i++)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0,
					" %s", ops->name);
	snprintf(buf + (off < len ? off : len - 1), off < len ? len - off : 1,
		 " %s", kvtr_policy_belady.name);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "kvtier-replay: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'kvtier-replay --help'.\n");
	return EXIT_USAGE;
}

static int replay_add_caps(struct replay_opts *o, const char *list,
			   bool blocks)
{
	size_t n = 0;
	int ret;

	ret = kvtr_capacity_parse(list, blocks, o->caps + o->ncaps,
				  KVTR_CAPACITY_MAX - o->ncaps, &n);
	if (ret == -E2BIG)
		return usage_error("too many capacities (at most %s)", "64");
	if (ret)
		return usage_error(blocks ? "bad --capacity-blocks '%s': want "
					    "block counts such as 1000,4000" :
					    "bad --capacity '%s': want shares "
					    "in (0, 100] such as 2%%,5%%",
				   list);
	o->ncaps += n;
	return 0;
}

/* Long options without a short form. */
enum replay_opt {
	OPT_SIMULATE = 256, OPT_POLICY, OPT_CAPACITY, OPT_BLOCKS, OPT_JSON,
	OPT_TENANTS, OPT_SPEED, OPT_FAST, OPT_BLOCK_SIZE, OPT_LIMIT, OPT_POOL,
	OPT_FETCH_TO, OPT_FETCH_TIMEOUT,
};

static void replay_live_defaults(struct kvtr_live_opts *l)
{
	*l = (struct kvtr_live_opts){
		.tenants = 1,
		.speed = 1.0,
		.fetch_tier = KVTIER_TIER_DEVICE,
		.fetch_timeout_ms = KVTR_LIVE_FETCH_TIMEOUT_MS,
	};
}

/* One option of the live replay. Return: 0, or the exit status. */
static int replay_live_opt(struct kvtr_live_opts *l, int opt, const char *arg)
{
	uint64_t v;
	char *end;

	switch (opt) {
	case OPT_TENANTS:
		if (kvtool_parse_u32(arg, &l->tenants) || !l->tenants ||
		    l->tenants > KVTR_LIVE_MAX_TENANTS)
			return usage_error("bad --tenants '%s': want 1 to 64",
					   arg);
		return 0;
	case OPT_SPEED:
		errno = 0;
		l->speed = strtod(arg, &end);
		if (errno || end == arg || *end || !(l->speed > 0) ||
		    l->speed > 1e9)
			return usage_error("bad --speed '%s': want a positive "
					   "factor such as 10 or 0.5", arg);
		return 0;
	case OPT_FAST:
		l->fast = true;
		return 0;
	case OPT_BLOCK_SIZE:
		if (kvtool_parse_size(arg, &l->block_size) || !l->block_size)
			return usage_error("bad --block-size '%s': want bytes "
					   "such as 65536 or 2M", arg);
		return 0;
	case OPT_LIMIT:
		if (kvtool_parse_u64(arg, &v) || !v || v > SIZE_MAX)
			return usage_error("bad --limit '%s': want a request "
					   "count", arg);
		l->limit = (size_t)v;
		return 0;
	case OPT_POOL:
		if (kvtool_parse_u32(arg, &l->pool_id) || !l->pool_id)
			return usage_error("bad --pool '%s': want a pool id",
					   arg);
		return 0;
	case OPT_FETCH_TO:
		if (!strcmp(arg, "device"))
			l->fetch_tier = KVTIER_TIER_DEVICE;
		else if (!strcmp(arg, "host"))
			l->fetch_tier = KVTIER_TIER_HOST;
		else
			return usage_error("bad --fetch-to '%s': want device "
					   "or host", arg);
		return 0;
	default: /* OPT_FETCH_TIMEOUT */
		if (kvtool_parse_u32(arg, &l->fetch_timeout_ms) ||
		    !l->fetch_timeout_ms || l->fetch_timeout_ms > INT32_MAX)
			return usage_error("bad --fetch-timeout '%s': want "
					   "milliseconds", arg);
		return 0;
	}
}

/* Return: 0, or the exit status to leave with. */
static int replay_parse_args(int argc, char **argv, struct replay_opts *o)
{
	static const struct option longopts[] = {
		{ "simulate", no_argument, NULL, OPT_SIMULATE },
		{ "tenants", required_argument, NULL, OPT_TENANTS },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "fast", no_argument, NULL, OPT_FAST },
		{ "block-size", required_argument, NULL, OPT_BLOCK_SIZE },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "pool", required_argument, NULL, OPT_POOL },
		{ "fetch-to", required_argument, NULL, OPT_FETCH_TO },
		{ "fetch-timeout", required_argument, NULL, OPT_FETCH_TIMEOUT },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "capacity", required_argument, NULL, OPT_CAPACITY },
		{ "capacity-blocks", required_argument, NULL, OPT_BLOCKS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool live_opts = false;
	char names[256];
	int c, ret;

	o->policy = KVTD_POLICY_DEFAULT;
	replay_live_defaults(&o->live);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SIMULATE:
			o->simulate = true;
			break;
		case OPT_TENANTS: case OPT_SPEED: case OPT_FAST:
		case OPT_BLOCK_SIZE: case OPT_LIMIT: case OPT_POOL:
		case OPT_FETCH_TO: case OPT_FETCH_TIMEOUT:
			live_opts = true;
			ret = replay_live_opt(&o->live, c, optarg);
			if (ret)
				return ret;
			break;
		case OPT_POLICY:
			o->policy = optarg;
			break;
		case OPT_CAPACITY:
		case OPT_BLOCKS:
			ret = replay_add_caps(o, optarg, c == OPT_BLOCKS);
			if (ret)
				return ret;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'h':
			replay_policy_names(names, sizeof(names));
			fputs(usage_head, stdout);
			printf("  --policy NAME         the policy to evaluate "
			       "(default %s; one of:%s)\n",
			       KVTD_POLICY_DEFAULT, names);
			fputs(usage_tail, stdout);
			exit(EXIT_SUCCESS);
		default:
			return usage_error("%s", "bad option");
		}
	}
	if (optind + 1 != argc)
		return usage_error("%s", optind == argc ?
					 "no trace given" :
					 "one trace at a time");
	o->trace = argv[optind];
	o->live.trace = o->trace;
	o->live.json = o->json;
	if (o->simulate && live_opts)
		return usage_error("%s", "--tenants, --speed, --fast, "
				   "--block-size, --limit, --pool and --fetch-* "
				   "are options of the live replay, not of "
				   "--simulate");
	if (!kvtr_policy_find(o->policy)) {
		replay_policy_names(names, sizeof(names));
		fprintf(stderr, "kvtier-replay: unknown policy '%s' (known:%s)\n",
			o->policy, names);
		return EXIT_USAGE;
	}
	if (!o->ncaps)
		return replay_add_caps(o, KVTR_CAPACITY_DEFAULT, false);
	return 0;
}

static void replay_print_header(const struct replay_opts *o,
				const struct kvtr_trace *t,
				const struct kvtr_refs *r)
{
	printf("trace     %s\n", o->trace);
	printf("          %zu requests, %zu block references, %zu distinct "
	       "blocks\n", t->nreq, r->count, r->distinct);
	printf("setup     one cache counted in blocks; prefix hits (a block "
	       "hits only inside its\n          prompt's longest cached "
	       "prefix); every block from the first miss on stored\n");
	printf("policy    %s, beside lru and belady (the offline next-use "
	       "optimum)\n\n", o->policy);
	printf("%10s %10s %10s %10s %10s %10s\n", "capacity", "blocks",
	       "policy", "lru", "belady", "gap");
}

/* The gap is undefined where Belady gains nothing over LRU. */
static bool replay_gap_defined(const struct replay_row *row)
{
	return row->belady.hits != row->lru.hits;
}

/* Return: (policy - lru) / (belady - lru), in prefix hits. */
static double replay_gap_closed(const struct replay_row *row)
{
	return ((double)row->policy.hits - (double)row->lru.hits) /
	       ((double)row->belady.hits - (double)row->lru.hits);
}

static void replay_print_row(const struct replay_row *row)
{
	char cap[32];

	if (row->cap->is_share)
		snprintf(cap, sizeof(cap), "%g%%", row->cap->percent);
	else
		snprintf(cap, sizeof(cap), "-");
	printf("%10s %10" PRIu64 " %10.3f %10.3f %10.3f", cap, row->blocks,
	       kvtr_sim_hit_rate(&row->policy), kvtr_sim_hit_rate(&row->lru),
	       kvtr_sim_hit_rate(&row->belady));
	if (replay_gap_defined(row))
		printf(" %9.0f%%\n", 100.0 * replay_gap_closed(row));
	else
		printf(" %10s\n", "-");
}


static int replay_json_row(const struct replay_opts *o,
			   const struct kvtr_trace *t,
			   const struct kvtr_refs *r,
			   const struct replay_row *row)
{
	struct kvtool_json j;

	kvtool_json_init(&j, stdout);
	kvtool_json_object_begin(&j, NULL);
	kvtool_json_str(&j, "trace", o->trace);
	kvtool_json_u64(&j, "requests", t->nreq);
	kvtool_json_u64(&j, "refs", r->count);
	kvtool_json_u64(&j, "distinct_blocks", r->distinct);
	if (row->cap->is_share)
		kvtool_json_double(&j, "capacity_share",
				   row->cap->percent / 100.0);
	else
		kvtool_json_null(&j, "capacity_share");
	kvtool_json_u64(&j, "capacity_blocks", row->blocks);
	kvtool_json_str(&j, "policy", o->policy);
	kvtool_json_double(&j, "hit_rate", kvtr_sim_hit_rate(&row->policy));
	kvtool_json_double(&j, "lru", kvtr_sim_hit_rate(&row->lru));
	kvtool_json_double(&j, "belady", kvtr_sim_hit_rate(&row->belady));
	if (replay_gap_defined(row))
		kvtool_json_double(&j, "gap_closed", replay_gap_closed(row));
	else
		kvtool_json_null(&j, "gap_closed");
	kvtool_json_u64(&j, "prefix_hits", row->policy.hits);
	kvtool_json_u64(&j, "evictions", row->policy.evictions);
	kvtool_json_object_end(&j);
	return kvtool_json_finish(&j);
}

/* Run the three policies at one capacity; the chosen one reuses a twin. */
static int replay_row_run(const struct kvtd_policy_ops *ops,
			  const struct kvtr_trace *t, const struct kvtr_refs *r,
			  struct replay_row *row)
{
	int ret;

	ret = kvtr_sim_run(&kvtd_policy_lru, t, r, row->blocks, &row->lru);
	if (ret)
		return ret;
	ret = kvtr_sim_run(&kvtr_policy_belady, t, r, row->blocks,
			   &row->belady);
	if (ret)
		return ret;
	if (ops == &kvtd_policy_lru)
		row->policy = row->lru;
	else if (ops == &kvtr_policy_belady)
		row->policy = row->belady;
	else
		ret = kvtr_sim_run(ops, t, r, row->blocks, &row->policy);
	return ret;
}

static int replay_simulate(const struct replay_opts *o)
{
	const struct kvtd_policy_ops *ops = kvtr_policy_find(o->policy);
	struct kvtr_trace t;
	struct kvtr_refs r;
	struct kvtr_error err;
	struct replay_row row;
	size_t i;
	int ret;

	ret = kvtr_trace_load(o->trace, &t, &err);
	if (ret == -EINVAL) {
		fprintf(stderr, "kvtier-replay: %s:%zu:%zu: %s\n", o->trace,
			err.line, err.column, err.what);
		return ret;
	}
	if (ret) {
		fprintf(stderr, "kvtier-replay: %s: %s\n", o->trace,
			strerror(-ret));
		return ret;
	}
	ret = kvtr_refs_build(&t, &r);
	if (ret) {
		fprintf(stderr, "kvtier-replay: %s: block references: %s\n",
			o->trace, strerror(-ret));
		goto out_free_trace;
	}
	if (!o->json)
		replay_print_header(o, &t, &r);
	for (i = 0; i < o->ncaps; i++) {
		row = (struct replay_row){ .cap = &o->caps[i] };
		row.blocks = kvtr_capacity_blocks(row.cap, r.distinct);
		ret = replay_row_run(ops, &t, &r, &row);
		if (ret) {
			fprintf(stderr, "kvtier-replay: simulating %" PRIu64
				" blocks: %s\n", row.blocks, strerror(-ret));
			break;
		}
		if (o->json)
			ret = replay_json_row(o, &t, &r, &row);
		else
			replay_print_row(&row);
		if (ret) {
			fprintf(stderr, "kvtier-replay: writing: %s\n",
				strerror(-ret));
			break;
		}
	}
	kvtr_refs_free(&r);
out_free_trace:
	kvtr_trace_free(&t);
	return ret;
}

/* The live replay: its own messages, its own verdict (see live.h). */
static int replay_live(const struct replay_opts *o)
{
	return kvtr_live_run(&o->live);
}

int main(int argc, char **argv)
{
	struct replay_opts o = { 0 };
	int ret;

	ret = replay_parse_args(argc, argv, &o);
	if (ret)
		return ret;
	if (!o.simulate)
		return replay_live(&o) ? EXIT_FAILED : EXIT_SUCCESS;
	ret = replay_simulate(&o);
	if (fflush(stdout) && !ret) {
		fprintf(stderr, "kvtier-replay: writing: %s\n", strerror(errno));
		ret = -EIO;
	}
	return ret ? EXIT_FAILED : EXIT_SUCCESS;
}

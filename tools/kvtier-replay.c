// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-replay: replay a serving trace (JSON Lines, the Mooncake FAST'25
 * format; see tests/data/README.md).
 *
 *   kvtier-replay --simulate [--policy NAME] [--capacity 2%,5%,...]
 *                 [--capacity-blocks N,...] [--json] TRACE
 *
 * --simulate runs the daemon's own policy code over the trace with no
 * driver and no daemon: one cache counted in blocks, every reference a
 * lookup, every miss inserted. For each capacity it prints the chosen
 * policy's hit rate beside LRU and Belady's offline optimum.
 *
 * Each mode is one function; the live replay through the driver and
 * kvtierd is the mode still to come. Exit status: 0 done, 1 the trace or
 * a run failed, 2 a usage error or a mode this build cannot run.
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

#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* The baseline every table compares against, as the traces' README does. */
#define REPLAY_DEFAULT_POLICY "lru"

struct replay_opts {
	bool simulate;
	bool json;
	const char *policy;
	const char *trace;
	struct kvtr_capacity caps[KVTR_CAPACITY_MAX];
	size_t ncaps;
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
	"Usage: kvtier-replay --simulate [OPTIONS] TRACE\n"
	"\n"
	"Replay a serving trace (JSON Lines: timestamp, input_length,\n"
	"output_length, hash_ids per request).\n"
	"\n"
	"Modes:\n"
	"  --simulate            run the daemon's eviction policies on the trace\n"
	"                        alone (no driver, no daemon): one cache counted\n"
	"                        in blocks, every reference a lookup, every miss\n"
	"                        inserted; prints the hit rate of --policy beside\n"
	"                        LRU and Belady's offline optimum\n"
	"  (none)                live replay through the driver and kvtierd: not\n"
	"                        in this build\n"
	"\n"
	"Options:\n";
static const char usage_tail[] =
	"  --capacity LIST       cache sizes as shares of the trace's distinct\n"
	"                        blocks (default " KVTR_CAPACITY_DEFAULT ")\n"
	"  --capacity-blocks LIST\n"
	"                        cache sizes in blocks, e.g. 1000,4000\n"
	"  --json                one JSON object per capacity, one per line\n"
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

/* Return: 0, or the exit status to leave with. */
static int replay_parse_args(int argc, char **argv, struct replay_opts *o)
{
	enum { OPT_SIMULATE = 256, OPT_POLICY, OPT_CAPACITY, OPT_BLOCKS,
	       OPT_JSON };
	static const struct option longopts[] = {
		{ "simulate", no_argument, NULL, OPT_SIMULATE },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "capacity", required_argument, NULL, OPT_CAPACITY },
		{ "capacity-blocks", required_argument, NULL, OPT_BLOCKS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char names[256];
	int c, ret;

	o->policy = REPLAY_DEFAULT_POLICY;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SIMULATE:
			o->simulate = true;
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
			       REPLAY_DEFAULT_POLICY, names);
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
	printf("setup     one cache counted in blocks; every reference a "
	       "lookup, every miss inserted\n");
	printf("policy    %s, beside lru and belady (the offline optimum)\n\n",
	       o->policy);
	printf("%10s %10s %10s %10s %10s\n", "capacity", "blocks", "policy",
	       "lru", "belady");
}

static void replay_print_row(const struct replay_row *row)
{
	char cap[32];

	if (row->cap->is_share)
		snprintf(cap, sizeof(cap), "%g%%", row->cap->percent);
	else
		snprintf(cap, sizeof(cap), "-");
	printf("%10s %10" PRIu64 " %10.3f %10.3f %10.3f\n", cap, row->blocks,
	       kvtr_sim_hit_rate(&row->policy), kvtr_sim_hit_rate(&row->lru),
	       kvtr_sim_hit_rate(&row->belady));
}

static void replay_json_run(struct kvtool_json *j, const char *key,
			    const char *name, const struct kvtr_sim_stats *s)
{
	kvtool_json_object_begin(j, key);
	kvtool_json_str(j, "name", name);
	kvtool_json_u64(j, "hits", s->hits);
	kvtool_json_u64(j, "misses", s->misses);
	kvtool_json_u64(j, "evictions", s->evictions);
	kvtool_json_double(j, "hit_rate", kvtr_sim_hit_rate(s));
	kvtool_json_object_end(j);
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
		kvtool_json_double(&j, "capacity_percent", row->cap->percent);
	else
		kvtool_json_null(&j, "capacity_percent");
	kvtool_json_u64(&j, "capacity_blocks", row->blocks);
	replay_json_run(&j, "policy", o->policy, &row->policy);
	replay_json_run(&j, "lru", kvtd_policy_lru.name, &row->lru);
	replay_json_run(&j, "belady", kvtr_policy_belady.name, &row->belady);
	kvtool_json_object_end(&j);
	return kvtool_json_finish(&j);
}

/* Run the three policies at one capacity; the chosen one reuses a twin. */
static int replay_row_run(const struct kvtd_policy_ops *ops,
			  const struct kvtr_refs *r, struct replay_row *row)
{
	int ret;

	ret = kvtr_sim_run(&kvtd_policy_lru, r, row->blocks, &row->lru);
	if (ret)
		return ret;
	ret = kvtr_sim_run(&kvtr_policy_belady, r, row->blocks, &row->belady);
	if (ret)
		return ret;
	if (ops == &kvtd_policy_lru)
		row->policy = row->lru;
	else if (ops == &kvtr_policy_belady)
		row->policy = row->belady;
	else
		ret = kvtr_sim_run(ops, r, row->blocks, &row->policy);
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
		ret = replay_row_run(ops, &r, &row);
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

/* The live replay needs the driver and kvtierd; it is a later step. */
static int replay_live(const struct replay_opts *o)
{
	fprintf(stderr,
		"kvtier-replay: live replay of %s needs the kvtier driver and "
		"the kvtierd daemon, and is not in this build;\n"
		"kvtier-replay: use --simulate to run the eviction policies on "
		"the trace alone\n", o->trace);
	return -EOPNOTSUPP;
}

int main(int argc, char **argv)
{
	struct replay_opts o = { 0 };
	int ret;

	ret = replay_parse_args(argc, argv, &o);
	if (ret)
		return ret;
	if (!o.simulate)
		return replay_live(&o) == -EOPNOTSUPP ? EXIT_USAGE : EXIT_FAILED;
	ret = replay_simulate(&o);
	if (fflush(stdout) && !ret) {
		fprintf(stderr, "kvtier-replay: writing: %s\n", strerror(errno));
		ret = -EIO;
	}
	return ret ? EXIT_FAILED : EXIT_SUCCESS;
}

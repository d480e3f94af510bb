// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-trace: latency histograms and counters of a running kvtier, from
 * the driver's tracepoints and kvtierd's USDT probes, with eBPF.
 *
 *   kvtier-trace latency|transfers|tenants|evictions [-i INTERVAL]
 *       [-c COUNT] [--tenant ID] [--pool ID] [--json] [--pin]
 *       [--daemon PATH] [--check]
 *
 * Each subcommand is one tool (x.bpf.c, x.c, x.h); this file parses the
 * command line, checks what the tool needs and runs it.
 */
#include "tools.h"
#include "trace_util.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct kvt_tool *const tools[] = {
	&kvt_tool_latency,
	&kvt_tool_tenants,
	&kvt_tool_transfers,
	&kvt_tool_evictions,
};

#define NTOOLS (sizeof(tools) / sizeof(tools[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: kvtier-trace TOOL [-i INTERVAL] [-c COUNT] [--tenant ID] [--pool ID]\n"
		"                    [--json] [--pin] [--daemon PATH] [--check]\n"
		"tools:\n");
	for (i = 0; i < NTOOLS; i++)
		fprintf(out, "  %-10s %s\n", tools[i]->name, tools[i]->help);
	fprintf(out,
		"  -i, --interval S   report every S seconds (default: once, at exit)\n"
		"  -c, --count N      stop after N reports\n"
		"  --tenant ID        only tenant ID\n"
		"  --pool ID          only pool ID\n"
		"  --json             one JSON object a line per report\n"
		"  --pin              pin the result maps under " KVT_PIN_DIR "/\n"
		"                     (they stay after exit, for bpftool map dump pinned)\n"
		"  --daemon PATH      the kvtierd whose USDT probes to attach\n"
		"                     (default: the kvtierd beside kvtier-trace, else in PATH)\n"
		"  --check            check privileges, tracefs, the module and the\n"
		"                     events' layouts, attach nothing, exit 0 when all is there\n"
		"  --tracefs DIR      where tracefs is (default /sys/kernel/tracing)\n"
		"Needs CAP_BPF and CAP_PERFMON, or root.\n");
}

static int parse_u64(const char *s, const char *what, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "kvtier-trace: %s: not a number: %s\n", what, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static bool executable(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

/* kvtierd beside this program, else the first in PATH; NULL if none. */
static char *find_daemon(void)
{
	char self[PATH_MAX], *slash, *path, *dir, *save = NULL, *out;
	char cand[PATH_MAX + 16];
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			snprintf(cand, sizeof(cand), "%s/kvtierd", self);
			if (executable(cand))
				return strdup(cand);
		}
	}
	path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	out = NULL;
	for (dir = path ? strtok_r(path, ":", &save) : NULL; dir && !out;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(cand, sizeof(cand), "%s/kvtierd", dir);
		if (executable(cand))
			out = strdup(cand);
	}
	free(path);
	return out;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level == LIBBPF_DEBUG && !getenv("KVTIER_TRACE_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	enum { O_TENANT = 256, O_POOL, O_JSON, O_PIN, O_DAEMON, O_CHECK,
	       O_TRACEFS };
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "tenant", required_argument, NULL, O_TENANT },
		{ "pool", required_argument, NULL, O_POOL },
		{ "json", no_argument, NULL, O_JSON },
		{ "pin", no_argument, NULL, O_PIN },
		{ "daemon", required_argument, NULL, O_DAEMON },
		{ "check", no_argument, NULL, O_CHECK },
		{ "tracefs", required_argument, NULL, O_TRACEFS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvt_trace_opts o = { .tracefs = NULL };
	const struct kvt_tool *tool = NULL;
	bool check = false;
	char *daemon = NULL;
	uint64_t v;
	size_t i;
	int c, ret;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < NTOOLS; i++)
		if (!strcmp(argv[1], tools[i]->name))
			tool = tools[i];
	if (!tool) {
		fprintf(stderr, "kvtier-trace: unknown tool '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	o.tool = tool->name;
	argv++;
	argc--;
	while ((c = getopt_long(argc, argv, "i:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
		case 'c':
			if (parse_u64(optarg, c == 'i' ? "-i" : "-c", &v))
				return 2;
			if (!v || v > UINT_MAX) {
				fprintf(stderr, "kvtier-trace: -%c: out of range: %s\n",
					c, optarg);
				return 2;
			}
			if (c == 'i')
				o.interval = (unsigned int)v;
			else
				o.count = (unsigned int)v;
			break;
		case O_TENANT:
			if (parse_u64(optarg, "--tenant", &o.tenant))
				return 2;
			o.has_tenant = true;
			break;
		case O_POOL:
			if (parse_u64(optarg, "--pool", &v))
				return 2;
			if (v > UINT32_MAX) {
				fprintf(stderr, "kvtier-trace: --pool: out of range: %s\n",
					optarg);
				return 2;
			}
			o.pool = (uint32_t)v;
			o.has_pool = true;
			break;
		case O_JSON:
			o.json = true;
			break;
		case O_PIN:
			o.pin = true;
			break;
		case O_DAEMON:
			daemon = strdup(optarg);
			break;
		case O_CHECK:
			check = true;
			break;
		case O_TRACEFS:
			o.tracefs = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kvtier-trace: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	/* -c alone reports every second, as biolatency's COUNT does. */
	if (o.count && !o.interval)
		o.interval = 1;
	if (!o.tracefs) {
		struct stat st;

		o.tracefs = "/sys/kernel/tracing";
		if (stat("/sys/kernel/tracing/events", &st) &&
		    !stat("/sys/kernel/debug/tracing/events", &st))
			o.tracefs = "/sys/kernel/debug/tracing";
	}
	if (tool->usdt && !daemon)
		daemon = find_daemon();
	o.daemon = daemon;
	libbpf_set_print(libbpf_quiet);

	ret = kvt_env_check(&o, tool);
	if (!ret && check)
		fprintf(stderr, "kvtier-trace: %s: everything it needs is there\n",
			tool->name);
	else if (!ret)
		ret = tool->run(&o);
	free(daemon);
	return ret ? 1 : 0;
}

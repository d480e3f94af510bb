// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-bench: the numbers kvtier is judged by, each against a baseline
 * measured in the same run (never a bare time).
 *
 *   --core    kmod/core's lookups on the host, at several table sizes
 *             (tools/bench/bench_core.c), and the cost of a random cache
 *             line in tables of those sizes (tools/bench/bench_floor.c).
 *   --copy    the daemon's CPU device backend copying 2 MiB and 64 KiB
 *             objects from a pool into a region, against memcpy of the
 *             same bytes (tools/bench/bench_copy.c).
 *   --disk P  the daemon's disk tier writing and reading 2 MiB objects at
 *             queue depth 32 in the file P, against fio's io_uring engine
 *             on the same file, both sides' buffers on 2 MiB pages and
 *             again on 4 KiB pages (tools/bench/bench_disk.c).
 *   --stream  only the access stream's row of --core: lookups with the
 *             stream on against off (tools/bench/bench_stream.c).
 *   --plan    the eviction planner planning 1000 victims among 10^6
 *             objects, against among 10^3 (tools/bench/bench_plan.c).
 *   --policy  the default eviction policy's cost per access against LRU's
 *             on the same stream of prompts (tools/bench/bench_policy.c).
 *   --driver  through the real driver (as root, in the VM): a null ioctl,
 *             and 256-key LOOKUP ioctls over 4096 committed objects, as
 *             the per-key cost over the null ioctl's.
 *
 * With --json, one JSON object per line: name, value, unit and, where a
 * baseline applies, baseline and ratio. With none of --core, --copy,
 * --policy, --disk and --driver, the core, copy, policy and driver parts
 * run, the driver part only when there is a device (the disk part needs a
 * path).
 *
 * Exit: 0, 1 on a failure, 77 when --driver was asked for and there is no
 * kvtier device (the convention of the project's tests for "skipped").
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvtier.h"
#include "kvtool.h"

#include "bench_copy.h"
#include "bench_core.h"
#include "bench_disk.h"
#include "bench_plan.h"
#include "bench_policy.h"
#include "bench_util.h"
#include "kvtd_copier.h"

#define EXIT_SKIP 77

/* Objects the driver benchmark commits: 16 prompts of 256 chained blocks,
 * one alloc batch (KVTIER_MAX_BATCH). */
#define BENCH_OBJECTS 4096
/* Keys per lookup ioctl: a long prompt's worth, the batch the issue names. */
#define BENCH_LOOKUP_KEYS 256
/* Rounds of each measurement, alternated so that drift (TCG, frequency)
 * hits both alike; the median round is reported. */
#define BENCH_ROUNDS 5
/* Default length of one round. Under TCG an ioctl costs microseconds, so
 * 100 ms gives thousands of calls per round. */
#define BENCH_ROUND_MS 100
/* Calls between clock reads: keeps clock_gettime out of the measurement. */
#define BENCH_CLOCK_EVERY 64

struct bench {
	bool json;
	unsigned int round_ms;
	unsigned int copy_threads;
	struct kvtool_json j;
};

/* One result line. @baseline <= 0 means none applies. */
static void report(struct bench *b, const char *name, double value,
		   const char *unit, double baseline)
{
	if (!b->json) {
		if (baseline > 0)
			printf("%-28s %12.1f %s  (baseline %.1f %s, ratio %.3f)\n",
			       name, value, unit, baseline, unit,
			       value / baseline);
		else
			printf("%-28s %12.1f %s\n", name, value, unit);
		return;
	}
	kvtool_json_object_begin(&b->j, NULL);
	kvtool_json_str(&b->j, "name", name);
	kvtool_json_double(&b->j, "value", value);
	kvtool_json_str(&b->j, "unit", unit);
	if (baseline > 0) {
		kvtool_json_double(&b->j, "baseline", baseline);
		kvtool_json_double(&b->j, "ratio", value / baseline);
	}
	kvtool_json_object_end(&b->j);
	kvtool_json_finish(&b->j);
}

/* ---- driver ---- */

struct driver_bench {
	struct kvtier *kv;
	uint32_t pool_id;
	struct drm_kvtier_alloc_item items[BENCH_OBJECTS];
	kvtier_handle_t handles[BENCH_OBJECTS];
	struct drm_kvtier_key keys[BENCH_OBJECTS];
	struct drm_kvtier_lookup_result results[BENCH_LOOKUP_KEYS];
	uint32_t allocated;
};

static int driver_setup(struct driver_bench *d)
{
	const struct kvtier_params *p = kvtier_params(d->kv);
	struct drm_kvtier_pool_create pc = {
		.slot_size = p->page_size ? p->page_size : 4096,
		.slot_count = BENCH_OBJECTS,
		.kind = KVTIER_KIND_KV,
	};
	uint32_t i, failed;
	uint64_t seed;
	int ret;

	ret = kvtier_pool_create(d->kv, &pc);
	if (ret) {
		fprintf(stderr, "kvtier-bench: creating a pool: %s\n",
			strerror(-ret));
		return ret;
	}
	d->pool_id = pc.pool_id;
	for (i = 0; i < BENCH_OBJECTS; i++) {
		/* A fresh chain every BENCH_LOOKUP_KEYS blocks: each window
		 * of keys is one prompt. The pool id keeps two runs apart. */
		seed = ((uint64_t)pc.pool_id << 32) | i;
		d->keys[i] = kvtier_key_chain(i % BENCH_LOOKUP_KEYS ?
					      &d->keys[i - 1] : NULL,
					      &seed, sizeof(seed));
		d->items[i] = (struct drm_kvtier_alloc_item){
			.key = d->keys[i],
			.size = pc.slot_size,
		};
	}
	ret = kvtier_alloc(d->kv, d->pool_id, 0, d->items, BENCH_OBJECTS,
			   &failed);
	if (ret) {
		fprintf(stderr, "kvtier-bench: allocating %d objects: %s (item %u)\n",
			BENCH_OBJECTS, strerror(-ret), failed);
		return ret;
	}
	d->allocated = BENCH_OBJECTS;
	for (i = 0; i < BENCH_OBJECTS; i++)
		d->handles[i] = d->items[i].handle;
	ret = kvtier_commit(d->kv, d->handles, BENCH_OBJECTS, NULL);
	if (ret)
		fprintf(stderr, "kvtier-bench: committing: %s\n",
			strerror(-ret));
	return ret;
}

static void driver_cleanup(struct driver_bench *d)
{
	int ret;

	if (d->allocated) {
		/* Free while holding the references, then drop them: the
		 * slots go when the last one does. */
		ret = kvtier_free(d->kv, d->handles, d->allocated, NULL);
		if (ret)
			fprintf(stderr, "kvtier-bench: freeing: %s\n",
				strerror(-ret));
		ret = kvtier_release(d->kv, d->handles, d->allocated, NULL);
		if (ret)
			fprintf(stderr, "kvtier-bench: releasing: %s\n",
				strerror(-ret));
	}
	if (d->pool_id) {
		ret = kvtier_pool_destroy(d->kv, d->pool_id);
		if (ret)
			fprintf(stderr, "kvtier-bench: destroying pool %u: %s\n",
				d->pool_id, strerror(-ret));
	}
}

/* Runs null ioctls for @ms. Return: ns per call, or a negative -errno. */
static double time_null(struct driver_bench *d, unsigned int ms)
{
	uint64_t start = kvtier_now_ns(), end = start + ms * 1000000ull, now;
	uint64_t calls = 0;
	unsigned int i;
	int ret;

	do {
		for (i = 0; i < BENCH_CLOCK_EVERY; i++) {
			ret = kvtier_null(d->kv);
			if (ret)
				return ret;
		}
		calls += BENCH_CLOCK_EVERY;
		now = kvtier_now_ns();
	} while (now < end);
	return (double)(now - start) / (double)calls;
}

/* Runs 256-key lookups, cycling through the prompts, for @ms.
 * Return: ns per call, or a negative -errno. */
static double time_lookup(struct driver_bench *d, unsigned int ms)
{
	uint64_t start = kvtier_now_ns(), end = start + ms * 1000000ull, now;
	const unsigned int prompts = BENCH_OBJECTS / BENCH_LOOKUP_KEYS;
	uint64_t calls = 0;
	unsigned int i;
	int ret;

	do {
		for (i = 0; i < BENCH_CLOCK_EVERY; i++) {
			ret = kvtier_lookup(d->kv,
					    &d->keys[(calls + i) % prompts *
						     BENCH_LOOKUP_KEYS],
					    d->results, BENCH_LOOKUP_KEYS, 0,
					    NULL);
			if (ret < 0)
				return ret;
		}
		calls += BENCH_CLOCK_EVERY;
		now = kvtier_now_ns();
	} while (now < end);
	return (double)(now - start) / (double)calls;
}

static int driver_measure(struct bench *b, struct driver_bench *d)
{
	double null_ns[BENCH_ROUNDS], call_ns[BENCH_ROUNDS], null_med, call_med;
	uint32_t prefix;
	unsigned int r;
	int ret;

	/* A lookup that misses measures the wrong path: check once. */
	ret = kvtier_lookup(d->kv, d->keys, d->results, BENCH_LOOKUP_KEYS, 0,
			    &prefix);
	if (ret != BENCH_LOOKUP_KEYS || prefix != BENCH_LOOKUP_KEYS) {
		fprintf(stderr, "kvtier-bench: a lookup of %d committed keys found %d (prefix %u)%s%s\n",
			BENCH_LOOKUP_KEYS, ret, prefix, ret < 0 ? ": " : "",
			ret < 0 ? strerror(-ret) : "");
		return ret < 0 ? ret : -EIO;
	}
	/* Warm caches and the TCG translation of both paths. */
	if (time_null(d, 10) < 0 || time_lookup(d, 10) < 0)
		return -EIO;
	for (r = 0; r < BENCH_ROUNDS; r++) {
		null_ns[r] = time_null(d, b->round_ms);
		call_ns[r] = time_lookup(d, b->round_ms);
		if (null_ns[r] < 0 || call_ns[r] < 0) {
			ret = (int)(null_ns[r] < 0 ? null_ns[r] : call_ns[r]);
			fprintf(stderr, "kvtier-bench: measuring: %s\n",
				strerror(-ret));
			return ret;
		}
	}
	null_med = bench_median(null_ns, BENCH_ROUNDS);
	call_med = bench_median(call_ns, BENCH_ROUNDS);
	report(b, "driver_null_ioctl", null_med, "ns", 0);
	report(b, "driver_lookup256_per_key", call_med / BENCH_LOOKUP_KEYS,
	       "ns", null_med);
	report(b, "driver_lookup256_per_call", call_med, "ns", null_med);
	return 0;
}

/* ---- tracing overhead ---- */

/*
 * Every kvtier-trace tool attached: kvtier-trace (beside kvtier-bench, or
 * $KVTIER_TRACE) run once per tool, each ready once its stderr says
 * "Tracing". The USDT tools attach to the kvtierd binary beside it (no
 * daemon need run: their probes cost nothing here, the driver's
 * tracepoints are what a lookup or fetch meets).
 */
#define TRACE_TOOLS 4

static int trace_find(char *path, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (getenv("KVTIER_TRACE")) {
		snprintf(path, len, "%s", getenv("KVTIER_TRACE"));
		return access(path, X_OK) ? -ENOENT : 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -ENOENT;
	self[n] = 0;
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = 0;
	snprintf(path, len, "%s/kvtier-trace", self);
	return access(path, X_OK) ? -ENOENT : 0;
}

static void trace_stop(pid_t *pids)
{
	int i, st;

	for (i = 0; i < TRACE_TOOLS; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGINT);
			waitpid(pids[i], &st, 0);
			pids[i] = 0;
		}
}

/* Start every tool; 0 once all are attached, else -errno (none left). */
static int trace_start(const char *bin, pid_t *pids)
{
	static const char *const tools[TRACE_TOOLS] = {
		"latency", "tenants", "transfers", "evictions",
	};
	char buf[512];
	int i, fds[2], ret = 0;
	size_t got;
	ssize_t n;

	for (i = 0; i < TRACE_TOOLS; i++) {
		if (pipe(fds))
			return -errno;
		pids[i] = fork();
		if (pids[i] == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(fds[1], 2);
			dup2(null, 1);
			close(fds[0]);
			execl(bin, bin, tools[i], (char *)NULL);
			_exit(127);
		}
		close(fds[1]);
		got = 0;
		buf[0] = 0;
		while (pids[i] > 0 && !strstr(buf, "Tracing") &&
		       got < sizeof(buf) - 1) {
			n = read(fds[0], buf + got, sizeof(buf) - 1 - got);
			if (n <= 0)
				break;
			got += (size_t)n;
			buf[got] = 0;
		}
		close(fds[0]);
		if (pids[i] < 0 || !strstr(buf, "Tracing")) {
			fprintf(stderr, "kvtier-bench: kvtier-trace %s did not attach: %s\n",
				tools[i], buf);
			ret = -EIO;
			break;
		}
	}
	if (ret)
		trace_stop(pids);
	return ret;
}

/* Fetches to HOST of the first 256 objects (resident: pinned at once,
 * then unpinned) for @ms. Return: ns per call, or a negative -errno. */
static double time_fetch(struct driver_bench *d, unsigned int ms)
{
	static struct drm_kvtier_fetch_item items[BENCH_LOOKUP_KEYS];
	uint64_t start = kvtier_now_ns(), end = start + ms * 1000000ull, now;
	struct kvtier_fetch_ticket t;
	uint64_t calls = 0;
	unsigned int i, k;
	int ret;

	do {
		for (i = 0; i < BENCH_CLOCK_EVERY / 8; i++) {
			for (k = 0; k < BENCH_LOOKUP_KEYS; k++)
				items[k] = (struct drm_kvtier_fetch_item){
					.handle = d->handles[k],
					.tier = KVTIER_TIER_HOST,
				};
			ret = kvtier_fetch(d->kv, items, BENCH_LOOKUP_KEYS, 0, &t);
			if (!ret && t.pending)
				ret = -EAGAIN;
			if (!ret)
				ret = kvtier_unpin(d->kv, d->handles,
						   BENCH_LOOKUP_KEYS,
						   KVTIER_TIER_HOST, NULL);
			if (ret)
				return ret;
		}
		calls += BENCH_CLOCK_EVERY / 8;
		now = kvtier_now_ns();
	} while (now < end);
	return (double)(now - start) / (double)calls;
}

/*
 * trace_overhead_lookup and trace_overhead_fetch: lookups (256-key
 * LOOKUP ioctls) and fetches (256-item FETCH of resident objects to HOST
 * and their UNPIN) per second, untraced as baseline and with every
 * kvtier-trace tool attached, alternating, TRACE_ROUNDS of each. The
 * target, at most 5% less, is reported (ratio >= 0.95), not asserted.
 */
#define TRACE_ROUNDS 2

static int trace_measure(struct bench *b, struct driver_bench *d)
{
	double lu[TRACE_ROUNDS], lt[TRACE_ROUNDS], fu[TRACE_ROUNDS],
	       ft[TRACE_ROUNDS], v;
	pid_t pids[TRACE_TOOLS] = { 0 };
	char bin[PATH_MAX + 32];
	unsigned int r;
	int ret;

	if (trace_find(bin, sizeof(bin))) {
		fprintf(stderr, "kvtier-bench: no kvtier-trace beside kvtier-bench (or $KVTIER_TRACE): trace_overhead not measured\n");
		return -ENOENT;
	}
	if (time_fetch(d, 10) < 0) {
		fprintf(stderr, "kvtier-bench: fetching resident objects failed\n");
		return -EIO;
	}
	for (r = 0; r < TRACE_ROUNDS; r++) {
		lu[r] = time_lookup(d, b->round_ms);
		fu[r] = time_fetch(d, b->round_ms);
		ret = trace_start(bin, pids);
		if (ret)
			return ret;
		lt[r] = time_lookup(d, b->round_ms);
		ft[r] = time_fetch(d, b->round_ms);
		trace_stop(pids);
		if (lu[r] < 0 || fu[r] < 0 || lt[r] < 0 || ft[r] < 0)
			return -EIO;
	}
	v = 1e9 / bench_median(lt, TRACE_ROUNDS);
	report(b, "trace_overhead_lookup", v, "lookups/s",
	       1e9 / bench_median(lu, TRACE_ROUNDS));
	v = 1e9 / bench_median(ft, TRACE_ROUNDS);
	report(b, "trace_overhead_fetch", v, "fetches/s",
	       1e9 / bench_median(fu, TRACE_ROUNDS));
	return 0;
}

/* Return: 0, EXIT_SKIP-worthy -ENODEV, or -errno. */
static int bench_driver(struct bench *b)
{
	struct driver_bench *d;
	int ret;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = kvtier_open(&d->kv);
	if (ret) {
		if (ret != -ENODEV)
			fprintf(stderr, "kvtier-bench: opening the device: %s\n",
				strerror(-ret));
		free(d);
		return ret;
	}
	if (!kvtier_params(d->kv)->is_admin) {
		fprintf(stderr, "kvtier-bench: --driver creates a pool: run it as root\n");
		ret = -EPERM;
		goto out_close;
	}
	ret = driver_setup(d);
	if (!ret)
		ret = driver_measure(b, d);
	if (!ret)
		ret = trace_measure(b, d);
	driver_cleanup(d);
out_close:
	kvtier_close(d->kv);
	free(d);
	return ret;
}

/* ---- core ---- */

static int bench_core(struct bench *b, bool stream_only)
{
	int ret = stream_only ? 0 : bench_core_lookup(stdout, b->json);

	if (!ret)
		ret = bench_core_stream(stdout, b->json);
	if (stream_only)
		goto out;
	/* What a random line costs here: the context for the figures. */
	if (!ret)
		ret = bench_mem_floor(stdout, b->json);
out:
	if (ret)
		fprintf(stderr, "kvtier-bench: core benchmark: %s\n",
			strerror(ret < 0 ? -ret : ret));
	return ret;
}

/* ---- policy ---- */

static int bench_policy(struct bench *b)
{
	int ret = bench_policy_access(stdout, b->json);

	if (ret)
		fprintf(stderr, "kvtier-bench: policy benchmark: %s\n",
			strerror(-ret));
	return ret;
}

/* ---- copy, disk ---- */

static int bench_cpu_copy(struct bench *b)
{
	int ret = bench_copy(stdout, b->copy_threads, b->json);

	if (ret)
		fprintf(stderr, "kvtier-bench: copy benchmark: %s\n",
			ret == -EIO ? "the tier's copy differs from memcpy's" :
				      strerror(-ret));
	return ret;
}

static int bench_disk_tier(struct bench *b, const char *path)
{
	int ret = bench_disk(stdout, path, b->json);

	if (ret == -ENOENT)
		fprintf(stderr, "kvtier-bench: disk benchmark: fio could not be run (is it installed? scripts/deps.sh installs it)\n");
	else if (ret == -EIO)
		fprintf(stderr, "kvtier-bench: disk benchmark: an object read back wrong or went missing\n");
	else if (ret)
		fprintf(stderr, "kvtier-bench: disk benchmark on %s: %s\n",
			path, strerror(-ret));
	return ret;
}

static int bench_planner(struct bench *b)
{
	int ret = bench_plan(stdout, b->json);

	if (ret)
		fprintf(stderr, "kvtier-bench: plan benchmark: %s\n",
			strerror(-ret));
	return ret;
}

static const char usage_text[] =
	"Usage: kvtier-bench [--json] [--core] [--stream] [--copy]\n"
	"                    [--copy-threads N] [--policy] [--disk PATH] [--plan]\n"
	"                    [--driver] [--round-ms N]\n"
	"\n"
	"  --core        kmod/core lookups per second on the host\n"
	"  --stream      only --core's access stream row (lookups with the\n"
	"                driver's access stream on against off)\n"
	"  --copy        the CPU device backend's copies against memcpy\n"
	"  --copy-threads N  copy with N threads (default: kvtierd's default)\n"
	"  --disk PATH   the disk tier against fio's io_uring engine, in the file\n"
	"                PATH (formatted over; removed after if it was created):\n"
	"                put it where O_DIRECT works (not tmpfs); as root it\n"
	"                reserves hugetlb pages for the 2 MiB-page comparison\n"
	"  --plan        the eviction planner at 10^6 objects against 10^3\n"
	"  --policy      the default eviction policy's ns per access against LRU's\n"
	"  --driver      null ioctl and 256-key lookup ioctls through the driver\n"
	"                (root; creates and destroys a pool)\n"
	"  --json        one JSON object per line\n"
	"  --round-ms N  length of one measurement round (default 100)\n"
	"\n"
	"With none of --core, --stream, --copy, --policy, --disk, --plan and\n"
	"--driver: core, copy, policy, plan and driver (the driver part only\n"
	"when a kvtier device exists).\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "core", no_argument, NULL, 'c' },
		{ "stream", no_argument, NULL, 's' },
		{ "copy", no_argument, NULL, 'C' },
		{ "copy-threads", required_argument, NULL, 'T' },
		{ "disk", required_argument, NULL, 'D' },
		{ "driver", no_argument, NULL, 'd' },
		{ "plan", no_argument, NULL, 'p' },
		{ "policy", no_argument, NULL, 'P' },
		{ "round-ms", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .round_ms = BENCH_ROUND_MS };
	bool core = false, stream = false, copy = false, driver = false;
	bool plan = false, policy = false, any;
	const char *disk = NULL;
	int opt, ret, status = 0;
	uint32_t ms;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			b.json = true;
			break;
		case 'c':
			core = true;
			break;
		case 's':
			stream = true;
			break;
		case 'C':
			copy = true;
			break;
		case 'T':
			if (kvtool_parse_u32(optarg, &ms) || ms == 0 ||
			    ms > KVTD_CPU_COPY_THREADS_MAX) {
				fprintf(stderr, "kvtier-bench: bad --copy-threads '%s' (1 to %u)\n",
					optarg, KVTD_CPU_COPY_THREADS_MAX);
				return 2;
			}
			b.copy_threads = ms;
			break;
		case 'D':
			disk = optarg;
			break;
		case 'd':
			driver = true;
			break;
		case 'p':
			plan = true;
			break;
		case 'P':
			policy = true;
			break;
		case 'r':
			if (kvtool_parse_u32(optarg, &ms) || ms == 0 ||
			    ms > 60000) {
				fprintf(stderr, "kvtier-bench: bad --round-ms '%s'\n",
					optarg);
				return 2;
			}
			b.round_ms = ms;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	kvtool_json_init(&b.j, stdout);
	any = !core && !stream && !copy && !policy && !disk && !driver &&
	      !plan;
	if (core || stream || any) {
		if (bench_core(&b, stream && !core))
			status = 1;
	}
	if (copy || any) {
		if (bench_cpu_copy(&b))
			status = 1;
	}
	if (policy || any) {
		if (bench_policy(&b))
			status = 1;
	}
	if (plan || any) {
		if (bench_planner(&b))
			status = 1;
	}
	if (disk) {
		if (bench_disk_tier(&b, disk))
			status = 1;
	}
	if (driver || any) {
		ret = bench_driver(&b);
		if (ret == -ENODEV) {
			fprintf(stderr, "kvtier-bench: no kvtier device: driver benchmarks skipped\n");
			if (driver && status == 0)
				status = EXIT_SKIP;
		} else if (ret) {
			status = 1;
		}
	}
	fflush(stdout);
	return status;
}

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
 *             the per-key cost over the null ioctl's; then the cost of
 *             every kvtier-trace tool attached, on those lookups and on
 *             HOST -> DEVICE fetches that a kvtierd it starts serves.
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
#include <sys/mman.h>
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

/* Runs 256-key lookups, cycling through the prompts, for @ms; adds the
 * calls made to *@n if given. Return: ns per call, or a negative -errno. */
static double time_lookup(struct driver_bench *d, unsigned int ms,
			  uint64_t *n)
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
	if (n)
		*n += calls;
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
	if (time_null(d, 10) < 0 || time_lookup(d, 10, NULL) < 0)
		return -EIO;
	for (r = 0; r < BENCH_ROUNDS; r++) {
		null_ns[r] = time_null(d, b->round_ms);
		call_ns[r] = time_lookup(d, b->round_ms, NULL);
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
 * "Tracing". The USDT tools attach to the kvtierd the fetch row runs
 * (--daemon): during the lookup row no daemon runs and only the driver's
 * tracepoints fire; during the fetch row both do.
 */
#define TRACE_TOOLS 4
/* After the last tool says "Tracing": let its start-up work finish (on
 * two vCPUs it would run inside the traced round). */
#define TRACE_SETTLE_MS 200

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

/* Start every tool; 0 once all are attached, else -errno (none left).
 * @daemon: the kvtierd whose USDT probes the tools attach to. */
static int trace_start(const char *bin, const char *daemon, pid_t *pids)
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
			execl(bin, bin, tools[i], "--daemon", daemon,
			      (char *)NULL);
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
	else
		poll(NULL, 0, TRACE_SETTLE_MS);
	return ret;
}

/*
 * The daemon's fetch path: kvtierd (beside kvtier-bench, or $KVTIERD) runs
 * with no disk tier and its CPU device tier (no GPU in the VM), over a
 * pool of its own that holds FETCH_OBJECTS committed objects (a quarter of
 * its slots: below any watermark, nothing is evicted). One fetch moves
 * FETCH_BATCH of them HOST -> DEVICE into a registered memfd region: the
 * driver queues one work item per object (DEVICE is always work), kvtierd
 * receives it, copies the bytes (transfer_start/end on path host_device)
 * and completes it; the fetch's completion event is read, then the DEVICE
 * pins are dropped (UNPIN). The row counts objects made resident in
 * DEVICE per second.
 */
#define FETCH_OBJECTS 256
#define FETCH_BATCH 64
/* A daemon starts within this under TCG; one fetch completes within it. */
#define FETCH_DAEMON_MS 60000

struct fetch_bench {
	struct kvtier *kv;
	uint32_t pool_id;
	uint64_t slot_size;
	kvtier_handle_t handles[FETCH_OBJECTS];
	uint32_t allocated;
	int region_fd;
	uint32_t region_id;
	pid_t daemon;
	const char *daemon_bin;
	char conf[64];
	char log[64];
};

/* @name beside kvtier-bench, or $@env: 0 and @path, else -ENOENT. */
static int bench_find_beside(const char *env, const char *name, char *path,
			     size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (getenv(env) && *getenv(env)) {
		snprintf(path, len, "%s", getenv(env));
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
	snprintf(path, len, "%s/%s", self, name);
	return access(path, X_OK) ? -ENOENT : 0;
}

/* Whether the file @path holds @needle. */
static bool file_has(const char *path, const char *needle)
{
	static char buf[65536];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return strstr(buf, needle) != NULL;
}

static void fetch_daemon_stop(struct fetch_bench *f)
{
	int st;

	if (f->daemon <= 0)
		return;
	kill(f->daemon, SIGTERM);
	waitpid(f->daemon, &st, 0);
	f->daemon = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "kvtier-bench: kvtierd stopped with wait status 0x%x (log: %s)\n",
			st, f->log);
}

/* Start kvtierd; 0 once it runs and is attached as the manager. */
static int fetch_daemon_start(struct fetch_bench *f)
{
	uint64_t end, attached = 0;
	FILE *c;
	int fd, st;

	snprintf(f->conf, sizeof(f->conf), "/tmp/kvtier-bench-kvtierd.conf");
	snprintf(f->log, sizeof(f->log), "/tmp/kvtier-bench-kvtierd.log");
	c = fopen(f->conf, "we");
	if (!c)
		return -errno;
	/* No pool lines: it adopts the bench's pool. No disk tier. */
	fprintf(c, "# written by kvtier-bench\ndisk-path =\nlog-level = info\n");
	if (fclose(c))
		return -errno;
	fd = open(f->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	f->daemon = fork();
	if (f->daemon < 0) {
		f->daemon = 0;
		close(fd);
		return -errno;
	}
	if (f->daemon == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(f->daemon_bin, f->daemon_bin, "--config", f->conf,
		      (char *)NULL);
		_exit(127);
	}
	close(fd);
	end = kvtier_now_ns() + FETCH_DAEMON_MS * 1000000ull;
	while (kvtier_now_ns() < end) {
		if (waitpid(f->daemon, &st, WNOHANG) == f->daemon) {
			fprintf(stderr, "kvtier-bench: kvtierd exited during start (status 0x%x, log %s)\n",
				st, f->log);
			f->daemon = 0;
			return -ECHILD;
		}
		if (file_has(f->log, "running: tick") &&
		    !kvtier_get_param(f->kv, KVTIER_PARAM_MANAGER_ATTACHED,
				      &attached) && attached)
			return 0;
		poll(NULL, 0, 5);
	}
	fprintf(stderr, "kvtier-bench: kvtierd not running after %d ms (log %s)\n",
		FETCH_DAEMON_MS, f->log);
	kill(f->daemon, SIGKILL);
	waitpid(f->daemon, &st, 0);
	f->daemon = 0;
	return -ETIMEDOUT;
}

static void fetch_cleanup(struct fetch_bench *f)
{
	int ret;

	fetch_daemon_stop(f);
	if (f->region_id)
		kvtier_region_unregister(f->kv, f->region_id);
	if (f->region_fd > 0)
		close(f->region_fd);
	if (f->allocated) {
		ret = kvtier_free(f->kv, f->handles, f->allocated, NULL);
		if (!ret)
			ret = kvtier_release(f->kv, f->handles, f->allocated,
					     NULL);
		if (ret)
			fprintf(stderr, "kvtier-bench: freeing the fetch objects: %s\n",
				strerror(-ret));
	}
	if (f->pool_id) {
		ret = kvtier_pool_destroy(f->kv, f->pool_id);
		if (ret)
			fprintf(stderr, "kvtier-bench: destroying pool %u: %s\n",
				f->pool_id, strerror(-ret));
	}
}

/* Pool, objects, region, daemon. */
static int fetch_setup(struct fetch_bench *f)
{
	const struct kvtier_params *p = kvtier_params(f->kv);
	static struct drm_kvtier_alloc_item items[FETCH_OBJECTS];
	struct drm_kvtier_pool_create pc = {
		.slot_size = p->page_size ? p->page_size : 4096,
		.slot_count = 4 * FETCH_OBJECTS,
		.kind = KVTIER_KIND_KV,
	};
	uint64_t seed;
	uint32_t i, failed;
	int ret;

	ret = kvtier_pool_create(f->kv, &pc);
	if (ret) {
		fprintf(stderr, "kvtier-bench: creating the fetch pool: %s\n",
			strerror(-ret));
		return ret;
	}
	f->pool_id = pc.pool_id;
	f->slot_size = pc.slot_size;
	for (i = 0; i < FETCH_OBJECTS; i++) {
		seed = ((uint64_t)pc.pool_id << 32) | i;
		items[i] = (struct drm_kvtier_alloc_item){
			.key = kvtier_key_chain(NULL, &seed, sizeof(seed)),
			.size = pc.slot_size,
		};
	}
	ret = kvtier_alloc(f->kv, f->pool_id, 0, items, FETCH_OBJECTS, &failed);
	if (ret) {
		fprintf(stderr, "kvtier-bench: allocating %d objects: %s (item %u)\n",
			FETCH_OBJECTS, strerror(-ret), failed);
		return ret;
	}
	f->allocated = FETCH_OBJECTS;
	for (i = 0; i < FETCH_OBJECTS; i++)
		f->handles[i] = items[i].handle;
	ret = kvtier_commit(f->kv, f->handles, FETCH_OBJECTS, NULL);
	if (ret) {
		fprintf(stderr, "kvtier-bench: committing: %s\n",
			strerror(-ret));
		return ret;
	}
	f->region_fd = memfd_create("kvtier-bench-region",
				    MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (f->region_fd < 0)
		return -errno;
	if (ftruncate(f->region_fd, (off_t)(FETCH_BATCH * f->slot_size)) ||
	    fcntl(f->region_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return -errno;
	ret = kvtier_region_register(f->kv, FETCH_BATCH * f->slot_size, 0,
				     f->region_fd, KVTIER_REGION_KIND_MEMFD,
				     &f->region_id);
	if (ret) {
		fprintf(stderr, "kvtier-bench: registering a region: %s\n",
			strerror(-ret));
		return ret;
	}
	return fetch_daemon_start(f);
}

/* HOST -> DEVICE fetches that kvtierd serves, FETCH_BATCH objects each,
 * cycling through the objects, for @ms; *@objs counts the objects made
 * resident. Return: ns per object, or a negative -errno. */
static double time_fetch(struct fetch_bench *f, unsigned int ms,
			 uint64_t *objs)
{
	static struct drm_kvtier_fetch_item items[FETCH_BATCH];
	uint64_t start = kvtier_now_ns(), end = start + ms * 1000000ull, now;
	struct drm_kvtier_event_fetch ev;
	struct kvtier_fetch_ticket t;
	uint64_t n = 0, calls = 0;
	unsigned int k, first;
	int ret;

	do {
		first = (unsigned int)(calls % (FETCH_OBJECTS / FETCH_BATCH)) *
			FETCH_BATCH;
		for (k = 0; k < FETCH_BATCH; k++)
			items[k] = (struct drm_kvtier_fetch_item){
				.handle = f->handles[first + k],
				.tier = KVTIER_TIER_DEVICE,
				.region_id = f->region_id,
				.offset = k * f->slot_size,
			};
		ret = kvtier_fetch(f->kv, items, FETCH_BATCH, calls, &t);
		if (!ret && (t.pending != FETCH_BATCH || t.failed))
			ret = -EPROTO;	/* not all of it went through kvtierd */
		if (!ret)
			ret = kvtier_fetch_wait(f->kv, t.fetch_id,
						FETCH_DAEMON_MS, &ev);
		if (!ret && (ev.failed || ev.status ||
			     ev.completed != FETCH_BATCH))
			ret = ev.status ? ev.status : -EIO;
		if (!ret)
			ret = kvtier_unpin(f->kv, &f->handles[first],
					   FETCH_BATCH, KVTIER_TIER_DEVICE,
					   NULL);
		if (ret)
			return ret;
		n += FETCH_BATCH;
		calls++;
		now = kvtier_now_ns();
	} while (now < end);
	*objs += n;
	return (double)(now - start) / (double)n;
}

/*
 * trace_overhead_lookup: lookups (256-key LOOKUP ioctls over the driver
 * benchmark's objects, no daemon) per second, untraced as baseline and
 * with every kvtier-trace tool attached, alternating, TRACE_ROUNDS of
 * each. trace_overhead_fetch: the same for objects fetched HOST -> DEVICE
 * through kvtierd (time_fetch()), with the daemon running for both
 * sides. The target, at most 5% less, is reported (ratio >= 0.95), not
 * asserted.
 */
#define TRACE_ROUNDS 2
#define TRACE_TARGET 0.95

/* One overhead row: value, baseline, ratio, target and the counts. */
static void report_overhead(struct bench *b, const char *name,
			    const char *unit, double traced, double untraced,
			    uint64_t n_traced, uint64_t n_untraced,
			    const char *path)
{
	if (!b->json) {
		printf("%-28s %12.1f %s  (untraced %.1f, ratio %.3f, target %.2f; %llu traced, %llu untraced; %s)\n",
		       name, traced, unit, untraced, traced / untraced,
		       TRACE_TARGET, (unsigned long long)n_traced,
		       (unsigned long long)n_untraced, path);
		return;
	}
	kvtool_json_object_begin(&b->j, NULL);
	kvtool_json_str(&b->j, "name", name);
	kvtool_json_double(&b->j, "value", traced);
	kvtool_json_str(&b->j, "unit", unit);
	kvtool_json_double(&b->j, "baseline", untraced);
	kvtool_json_double(&b->j, "ratio", traced / untraced);
	kvtool_json_double(&b->j, "target", TRACE_TARGET);
	kvtool_json_u64(&b->j, "count_traced", n_traced);
	kvtool_json_u64(&b->j, "count_untraced", n_untraced);
	kvtool_json_u64(&b->j, "rounds", TRACE_ROUNDS);
	kvtool_json_str(&b->j, "path", path);
	kvtool_json_object_end(&b->j);
	kvtool_json_finish(&b->j);
}

static int trace_measure_lookup(struct bench *b, struct driver_bench *d,
				const char *bin, const char *daemon)
{
	double lu[TRACE_ROUNDS], lt[TRACE_ROUNDS];
	pid_t pids[TRACE_TOOLS] = { 0 };
	uint64_t nu = 0, nt = 0;
	unsigned int r;
	int ret;

	for (r = 0; r < TRACE_ROUNDS; r++) {
		lu[r] = time_lookup(d, b->round_ms, &nu);
		ret = trace_start(bin, daemon, pids);
		if (ret)
			return ret;
		lt[r] = time_lookup(d, b->round_ms, &nt);
		trace_stop(pids);
		if (lu[r] < 0 || lt[r] < 0)
			return -EIO;
	}
	report_overhead(b, "trace_overhead_lookup", "lookups/s",
			1e9 / bench_median(lt, TRACE_ROUNDS),
			1e9 / bench_median(lu, TRACE_ROUNDS), nt, nu,
			"driver: 256-key LOOKUP ioctls, no daemon");
	return 0;
}

static int trace_measure_fetch(struct bench *b, struct kvtier *kv,
			       const char *bin, const char *daemon)
{
	double fu[TRACE_ROUNDS], ft[TRACE_ROUNDS];
	pid_t pids[TRACE_TOOLS] = { 0 };
	struct fetch_bench *f;
	uint64_t nu = 0, nt = 0, warm = 0;
	char path[128];
	unsigned int r;
	int ret;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->kv = kv;
	f->daemon_bin = daemon;
	ret = fetch_setup(f);
	if (!ret && time_fetch(f, 10, &warm) < 0) {
		fprintf(stderr, "kvtier-bench: fetching through kvtierd failed (log %s)\n",
			f->log);
		ret = -EIO;
	}
	for (r = 0; !ret && r < TRACE_ROUNDS; r++) {
		fu[r] = time_fetch(f, b->round_ms, &nu);
		ret = trace_start(bin, daemon, pids);
		if (ret)
			break;
		ft[r] = time_fetch(f, b->round_ms, &nt);
		trace_stop(pids);
		if (fu[r] < 0 || ft[r] < 0) {
			fprintf(stderr, "kvtier-bench: fetching through kvtierd failed: %s (log %s)\n",
				strerror((int)-(fu[r] < 0 ? fu[r] : ft[r])),
				f->log);
			ret = -EIO;
		}
	}
	if (!ret) {
		snprintf(path, sizeof(path),
			 "kvtierd: host->device (CPU device tier), %d-object fetches of %llu-byte objects",
			 FETCH_BATCH, (unsigned long long)f->slot_size);
		report_overhead(b, "trace_overhead_fetch", "objects/s",
				1e9 / bench_median(ft, TRACE_ROUNDS),
				1e9 / bench_median(fu, TRACE_ROUNDS), nt, nu,
				path);
	}
	fetch_cleanup(f);
	free(f);
	return ret;
}

/* The kvtier-trace and kvtierd to use: 0, or -ENOENT (said why). */
static int trace_bins(char *bin, char *daemon, size_t len)
{
	if (bench_find_beside("KVTIER_TRACE", "kvtier-trace", bin, len)) {
		fprintf(stderr, "kvtier-bench: no kvtier-trace beside kvtier-bench (or $KVTIER_TRACE): trace_overhead not measured\n");
		return -ENOENT;
	}
	if (bench_find_beside("KVTIERD", "kvtierd", daemon, len)) {
		fprintf(stderr, "kvtier-bench: no kvtierd beside kvtier-bench (or $KVTIERD): trace_overhead not measured\n");
		return -ENOENT;
	}
	return 0;
}

/* Return: 0, EXIT_SKIP-worthy -ENODEV, or -errno. */
static int bench_driver(struct bench *b)
{
	char bin[PATH_MAX + 32], daemon[PATH_MAX + 32];
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
	ret = trace_bins(bin, daemon, sizeof(bin));
	if (!ret)
		ret = driver_setup(d);
	if (!ret)
		ret = driver_measure(b, d);
	if (!ret)
		ret = trace_measure_lookup(b, d, bin, daemon);
	/* The driver benchmark's pool is full: gone before kvtierd starts,
	 * which would evict from it. */
	driver_cleanup(d);
	if (!ret)
		ret = trace_measure_fetch(b, d->kv, bin, daemon);
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

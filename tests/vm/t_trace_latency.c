// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-trace latency against a known workload, with the real module and
 * kvtierd: objects stored past the daemon's high watermark go to the disk
 * tier; then a fixed number of fetches from DISK to HOST, from DISK to a
 * DEVICE region and from HOST to a DEVICE region (each queued as work the
 * daemon serves), and fetches served at once (which wait for nothing and
 * are not counted). The tool's JSON report must count exactly those per
 * source tier, with no failures, and `bpftool map dump pinned` of the maps
 * it pinned must read exactly what it printed, after it has exited.
 *
 * And kvtier-trace refuses, with the reason, to run where it cannot: a
 * format file whose layout is not the one it was built for (a copy of the
 * real one, doctored), no tracefs, no privileges.
 */
#include "daemon_ctl.h"
#include "dclient.h"
#include "tlib.h"
#include "trace_ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define OBJ_SIZE (64u * 1024u)
#define NSLOTS 64u
/* 40 of 64 slots: past the 50% high watermark, so some go to disk. */
#define NSTORE 40u
#define EVICT_MS 60000
/* The workload: fetches queued as work, by path. */
#define N_DISK_HOST 4u
#define N_DISK_DEV 3u
#define N_HOST_DEV 2u
/* Fetches of HOST-resident objects to HOST: served at once. */
#define N_HOST_NOW 3u

static uint32_t g_pool;
static struct dctl g_d;

static bool client_open(struct dc_client *c)
{
	int ret = dc_client_open(c, g_pool);

	TL_ASSERT_R(false, !ret, "open, map pool: %s", tl_errname(ret));
	return true;
}

/* Objects among the first NSTORE whose only copy is on disk. */
static uint32_t disk_only(struct dc_client *c)
{
	struct drm_kvtier_key k;
	uint32_t i, n = 0;

	for (i = 0; i < NSTORE; i++) {
		k = dc_key(c->salt, i);
		n += dc_tiers(c->kv, &k, NULL) ==
		     (int)KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	}
	return n;
}

/*
 * Store NSTORE objects; wait until the daemon has evicted enough of them
 * to disk, and the pool has room below its high watermark (50%) for the
 * N_HOST_NOW objects stored next, which must then stay in HOST. Not "at
 * its low watermark": eviction goes down to it only when it starts, and
 * stores after that leave the pool anywhere below the high one.
 */
static bool store_and_settle(struct dc_client *c)
{
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_key k;
	uint64_t i, end;
	int ret;

	for (i = 0; i < NSTORE; i++) {
		k = dc_key(c->salt, i);
		ret = dc_store(c->kv, &c->map, g_pool, &k, OBJ_SIZE, EVICT_MS);
		TL_ASSERT_R(false, !ret, "store %llu: %s",
			    (unsigned long long)i, tl_errname(ret));
	}
	end = tl_now_ns() + EVICT_MS * 1000000ull;
	for (;;) {
		ret = kvtier_pool_info(c->kv, g_pool, &pi);
		TL_ASSERT_R(false, !ret, "pool info: %s", tl_errname(ret));
		if (pi.slots_used + N_HOST_NOW < pi.slot_count / 2 &&
		    disk_only(c) >= N_DISK_HOST + N_DISK_DEV)
			return true;
		TL_ASSERT_R(false, tl_now_ns() < end,
			    "pool still at %llu of %llu slots, %u on disk only",
			    (unsigned long long)pi.slots_used,
			    (unsigned long long)pi.slot_count, disk_only(c));
		poll(NULL, 0, 10);
	}
}

static const char *tier_name(unsigned int tier)
{
	static const char *const names[] = { "device", "host", "disk" };

	return tier < 3 ? names[tier] : "?";
}

static bool hist_same(const struct kvt_hist *a, const struct kvt_hist *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static uint64_t hist_slots_sum(const struct kvt_hist *h)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < KVT_HIST_SLOTS; i++)
		s += h->slots[i];
	return s;
}

/* One histogram of the report: its count, and what bpftool reads pinned. */
static void check_hist(const char *report, const char *section,
		       const char *map, unsigned int tier, uint64_t want)
{
	struct kvt_hist h, pinned;
	int ret;

	ret = tctl_hist(report, section, tier_name(tier), &h);
	TL_ASSERT(!ret, "report has no %s.%s: %s", section,
		  tier_name(tier), tl_errname(ret));
	TL_EXPECT_EQ(h.count, want);
	TL_EXPECT_EQ(hist_slots_sum(&h), want);
	TL_EXPECT_EQ(h.errors, 0);
	ret = tctl_pinned_hist(map, tier, &pinned);
	TL_ASSERT(!ret, "bpftool map dump pinned %s: %s", map,
		  tl_errname(ret));
	TL_ASSERT(hist_same(&h, &pinned),
		  "%s[%s] pinned: count %llu sum_us %llu, report: count %llu sum_us %llu",
		  map, tier_name(tier), (unsigned long long)pinned.count,
		  (unsigned long long)pinned.sum_us,
		  (unsigned long long)h.count, (unsigned long long)h.sum_us);
}

static void case_workload(void)
{
	static const char *const argv[] = { "latency", "--json", "--pin",
					    NULL };
	const uint32_t disk = KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	const uint32_t host = KVTIER_TIER_BIT(KVTIER_TIER_HOST);
	uint64_t on_disk[NSTORE], in_host[N_HOST_NOW];
	uint32_t nd = 0, nh = 0, i, j;
	struct drm_kvtier_key k;
	struct dc_region reg;
	struct dc_client c;
	struct tctl t;
	int ret, tiers, queued;

	if (!client_open(&c))
		return;
	ret = tctl_start(&t, "latency", argv);
	TL_ASSERT(!ret, "kvtier-trace latency: %s", tl_errname(ret));
	if (!store_and_settle(&c))
		goto out_stop;
	for (i = 0; i < NSTORE; i++) {
		k = dc_key(c.salt, i);
		tiers = dc_tiers(c.kv, &k, NULL);
		if (tiers == (int)disk)
			on_disk[nd++] = i;
	}
	/*
	 * Room below the high watermark now: objects stored next stay in
	 * HOST (the daemon evicts only past it).
	 */
	for (i = NSTORE; i < NSTORE + N_HOST_NOW; i++) {
		k = dc_key(c.salt, i);
		ret = dc_store(c.kv, &c.map, g_pool, &k, OBJ_SIZE, EVICT_MS);
		TL_ASSERT(!ret, "store %u: %s", i, tl_errname(ret));
		in_host[nh++] = i;
	}
	TL_ASSERT(nd >= N_DISK_HOST + N_DISK_DEV && nh >= N_HOST_NOW,
		  "%u objects on disk only, %u in host", nd, nh);
	ret = dc_region_open(c.kv, (size_t)4 * OBJ_SIZE, &reg);
	TL_ASSERT(!ret, "region: %s", tl_errname(ret));

	for (i = 0; i < N_DISK_HOST; i++) {
		k = dc_key(c.salt, on_disk[i]);
		ret = dc_fetch_host_check(c.kv, &c.map, &k, &queued);
		TL_ASSERT(!ret && queued, "disk->host %u: %s, queued %d", i,
			  tl_errname(ret), queued);
	}
	for (j = 0; j < N_DISK_DEV; j++, i++) {
		k = dc_key(c.salt, on_disk[i]);
		ret = dc_fetch_device_check(c.kv, &reg, 0, &k);
		TL_ASSERT(!ret, "disk->device %u: %s", j, tl_errname(ret));
	}
	for (j = 0; j < N_HOST_DEV; j++) {
		k = dc_key(c.salt, in_host[j]);
		TL_ASSERT(dc_tiers(c.kv, &k, NULL) & (int)host,
			  "object %u left HOST", j);
		ret = dc_fetch_device_check(c.kv, &reg, 0, &k);
		TL_ASSERT(!ret, "host->device %u: %s", j, tl_errname(ret));
	}
	for (j = 0; j < N_HOST_NOW; j++) {
		k = dc_key(c.salt, in_host[j]);
		ret = dc_fetch_host_check(c.kv, &c.map, &k, &queued);
		TL_ASSERT(!ret && !queued, "host->host %u: %s, queued %d", j,
			  tl_errname(ret), queued);
	}
	dc_region_close(c.kv, &reg);

	ret = tctl_stop(&t);
	TL_ASSERT(!ret, "kvtier-trace did not end cleanly: %s",
		  tl_errname(ret));
	/* Exactly the queued fetches, by source tier; the maps as printed. */
	check_hist(t.report, "fetch_latency", "fetch_lat", KVTIER_TIER_DISK,
		   N_DISK_HOST + N_DISK_DEV);
	check_hist(t.report, "fetch_latency", "fetch_lat", KVTIER_TIER_HOST,
		   N_HOST_DEV);
	check_hist(t.report, "fetch_latency", "fetch_lat", KVTIER_TIER_DEVICE,
		   0);
	check_hist(t.report, "queue_wait", "queue_wait", KVTIER_TIER_DISK,
		   N_DISK_HOST + N_DISK_DEV);
	check_hist(t.report, "queue_wait", "queue_wait", KVTIER_TIER_HOST,
		   N_HOST_DEV);
	check_hist(t.report, "queue_wait", "queue_wait", KVTIER_TIER_DEVICE,
		   0);
	if (tl_failed())
		fprintf(stderr, "kvtier-trace's report: %s\n", t.report);
	free(t.report);
	dc_client_close(&c, NSTORE + N_HOST_NOW);
	return;
out_stop:
	tctl_stop(&t);
	free(t.report);
	dc_client_close(&c, NSTORE + N_HOST_NOW);
}

/* Copy @src to @dst, replacing the first @from with @to (if given). */
static int copy_doctored(const char *src, const char *dst, const char *from,
			 const char *to)
{
	char buf[8192], *p;
	size_t n;
	FILE *f;

	f = fopen(src, "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 256, f);
	fclose(f);
	buf[n] = 0;
	if (from) {
		p = strstr(buf, from);
		if (!p)
			return -ENOENT;
		memmove(p + strlen(to), p + strlen(from),
			strlen(p + strlen(from)) + 1);
		memcpy(p, to, strlen(to));
	}
	f = fopen(dst, "w");
	if (!f)
		return -errno;
	fputs(buf, f);
	return fclose(f) ? -errno : 0;
}

static const char *const lat_events[] = {
	"kvtier_fetch_queued", "kvtier_work_dispatched",
	"kvtier_work_completed", "kvtier_fetch_done",
};

/* A tracefs copy at /tmp/fakefs: the real format files, one doctored. */
static int fake_tracefs(const char *event, const char *from, const char *to)
{
	char src[256], dir[256], dst[300];
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(lat_events) / sizeof(lat_events[0]); i++) {
		snprintf(src, sizeof(src),
			 "/sys/kernel/tracing/events/kvtier/%s/format",
			 lat_events[i]);
		snprintf(dir, sizeof(dir), "/tmp/fakefs/events/kvtier/%s",
			 lat_events[i]);
		snprintf(dst, sizeof(dst), "%s/format", dir);
		mkdir("/tmp/fakefs", 0755);
		mkdir("/tmp/fakefs/events", 0755);
		mkdir("/tmp/fakefs/events/kvtier", 0755);
		mkdir(dir, 0755);
		if (event && !strcmp(event, lat_events[i]))
			ret = copy_doctored(src, dst, from, to);
		else
			ret = copy_doctored(src, dst, NULL, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

static void expect_refusal(const char *const *argv, uid_t uid,
			   const char *want)
{
	char err[1024];
	int rc = -1, ret;

	ret = tctl_run(argv, uid, &rc, err, sizeof(err));
	TL_ASSERT(!ret, "run kvtier-trace: %s", tl_errname(ret));
	if (!want) {
		TL_ASSERT(rc == 0, "kvtier-trace exited %d: %s", rc, err);
		return;
	}
	TL_ASSERT(rc == 1, "kvtier-trace exited %d, want 1: %s", rc, err);
	TL_ASSERT(strstr(err, want), "stderr '%s' does not say '%s'", err,
		  want);
}

static void case_layout_checked(void)
{
	static const char *const check[] = {
		"latency", "--check", "--tracefs", "/tmp/fakefs", NULL,
	};
	int ret;

	/* The real module's layout, copied as it is: accepted. */
	ret = fake_tracefs(NULL, NULL, NULL);
	TL_ASSERT(!ret, "copy the format files: %s", tl_errname(ret));
	expect_refusal(check, 0, NULL);
	/* A field moved. */
	ret = fake_tracefs("kvtier_fetch_done", "src;\toffset:68;",
			   "src;\toffset:72;");
	TL_ASSERT(!ret, "doctor a format file: %s", tl_errname(ret));
	expect_refusal(check, 0,
		       "kvtier_fetch_done: field 'src' is at offset 72, size 4");
	/* A field resized. */
	ret = fake_tracefs("kvtier_fetch_queued", "fetch;\toffset:48;\tsize:8;",
			   "fetch;\toffset:48;\tsize:4;");
	TL_ASSERT(!ret, "doctor a format file: %s", tl_errname(ret));
	expect_refusal(check, 0,
		       "kvtier_fetch_queued: field 'fetch' is at offset 48, size 4");
	/* A field gone. */
	ret = fake_tracefs("kvtier_work_dispatched", "s32 status;", "s32 state;");
	TL_ASSERT(!ret, "doctor a format file: %s", tl_errname(ret));
	expect_refusal(check, 0,
		       "kvtier_work_dispatched: field 'status' is missing");
}

static void case_refusals(void)
{
	static const char *const notrace[] = {
		"latency", "--tracefs", "/nonexistent", NULL,
	};
	static const char *const plain[] = { "latency", NULL };
	static const char *const bad[] = { "nosuchtool", NULL };

	expect_refusal(notrace, 0, "no tracefs at /nonexistent");
	expect_refusal(plain, 65534,
		       "needs CAP_BPF and CAP_PERFMON (or root); missing: CAP_BPF CAP_PERFMON");
	{
		char err[1024];
		int rc = -1;

		TL_EXPECT_RC(tctl_run(bad, 0, &rc, err, sizeof(err)), 0);
		TL_ASSERT(rc == 2 && strstr(err, "unknown tool 'nosuchtool'"),
			  "exit %d: %s", rc, err);
	}
}

int main(void)
{
	struct dctl_opts o = {
		.disk = getenv("KVTIER_DISK"),
		.disk_size = "64M",
		.format = true,
		.write_policy = "back",
		.wm_high = "50",
		.wm_low = "25",
		.tick_ms = 20,
	};
	int ret;

	tl_init("trace_latency");
	if (access("/bin/kvtier-trace", X_OK) && !getenv("KVTIER_TRACE")) {
		printf("FAIL trace_latency:setup: no /bin/kvtier-trace in the VM\n");
		return 1;
	}
	tl_run("layout_checked", case_layout_checked);
	tl_run("refusals", case_refusals);
	dctl_require_disk();
	g_pool = tl_setup_pool(OBJ_SIZE, NSLOTS);
	ret = dctl_start(&g_d, "trace-latency", &o);
	if (ret) {
		printf("FAIL trace_latency:setup: kvtierd did not start: %s\n",
		       tl_errname(ret));
		tl_teardown_pool(g_pool);
		return 1;
	}
	tl_run("workload", case_workload);
	ret = dctl_stop(&g_d);
	if (ret)
		printf("FAIL trace_latency:clean_stop: %s\n", tl_errname(ret));
	tl_teardown_pool(g_pool);
	return ret ? 1 : tl_finish();
}

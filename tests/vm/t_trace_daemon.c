// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-trace transfers and evictions against the real kvtierd, from its
 * USDT probes. Both tools start BEFORE the daemon (they attach to the
 * binary, every process that runs it), with --json --pin; a third,
 * `transfers --tenant OTHER`, must see nothing. The workload, by one
 * tenant (a cgroup) on a pool of 64 slots whose daemon writes through
 * and evicts past 50%:
 *  - NSTORE + N_HOST_NOW objects stored: each written to disk once
 *    (host -> disk) and admitted to the disk tier once;
 *  - the pool past its high watermark: host copies evicted;
 *  - N_DISK_HOST fetches disk -> host, N_DISK_DEV disk -> a device
 *    region, N_HOST_DEV host -> a device region.
 * Checked exactly: the transfers per path (count and bytes, no failures,
 * nothing device -> host), for all tenants and for --tenant ours; the
 * write-backs and the evictions and admissions per policy, tier and kind
 * against the daemon's own stats line; and `bpftool map dump pinned` of
 * xfer_paths and evictions against the reports, after the tools exited.
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
#include <unistd.h>

#define OBJ_SIZE (64u * 1024u)
#define NSLOTS 64u
#define NSTORE 40u
#define N_HOST_NOW 3u
#define EVICT_MS 60000
#define N_DISK_HOST 4u
#define N_DISK_DEV 3u
#define N_HOST_DEV 2u
#define CG "trace-daemon"

static uint32_t g_pool;
static struct dctl g_d;
static uint64_t g_tenant;

static const char *const path_names[] = {
	"disk_host", "host_device", "disk_device", "device_host", "host_disk",
};

/* A client in cgroup CG (g_tenant), its own tenant. */
static bool client_open(struct dc_client *c)
{
	int ret;

	ret = tl_cg_create(CG, &g_tenant);
	TL_ASSERT_R(false, !ret, "cgroup: %s", tl_errname(ret));
	ret = tl_cg_enter(CG);
	TL_ASSERT_R(false, !ret, "enter cgroup: %s", tl_errname(ret));
	ret = dc_client_open(c, g_pool);
	tl_cg_leave();
	TL_ASSERT_R(false, !ret, "open, map pool: %s", tl_errname(ret));
	return true;
}

static bool settle(struct dc_client *c)
{
	struct drm_kvtier_pool_info pi;
	uint64_t end = tl_now_ns() + EVICT_MS * 1000000ull;
	int ret;

	for (;;) {
		ret = kvtier_pool_info(c->kv, g_pool, &pi);
		TL_ASSERT_R(false, !ret, "pool info: %s", tl_errname(ret));
		if (pi.slots_used * 4 <= pi.slot_count)
			return true;
		TL_ASSERT_R(false, tl_now_ns() < end,
			    "pool still at %llu of %llu slots",
			    (unsigned long long)pi.slots_used,
			    (unsigned long long)pi.slot_count);
		poll(NULL, 0, 10);
	}
}

/* The workload; false when it could not be run to its end. */
static bool workload(struct dc_client *c)
{
	const uint32_t disk = KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	const uint32_t host = KVTIER_TIER_BIT(KVTIER_TIER_HOST);
	uint64_t on_disk[NSTORE], in_host[N_HOST_NOW];
	uint32_t nd = 0, nh = 0, i, j;
	struct drm_kvtier_key k;
	struct dc_region reg;
	int ret, queued;

	for (i = 0; i < NSTORE; i++) {
		k = dc_key(c->salt, i);
		ret = dc_store(c->kv, &c->map, g_pool, &k, OBJ_SIZE, EVICT_MS);
		TL_ASSERT_R(false, !ret, "store %u: %s", i, tl_errname(ret));
	}
	if (!settle(c))
		return false;
	for (i = 0; i < NSTORE; i++) {
		k = dc_key(c->salt, i);
		if (dc_tiers(c->kv, &k, NULL) == (int)disk)
			on_disk[nd++] = i;
	}
	for (i = NSTORE; i < NSTORE + N_HOST_NOW; i++) {
		k = dc_key(c->salt, i);
		ret = dc_store(c->kv, &c->map, g_pool, &k, OBJ_SIZE, EVICT_MS);
		TL_ASSERT_R(false, !ret, "store %u: %s", i, tl_errname(ret));
		in_host[nh++] = i;
	}
	TL_ASSERT_R(false, nd >= N_DISK_HOST + N_DISK_DEV,
		    "%u objects on disk only", nd);
	ret = dc_region_open(c->kv, (size_t)4 * OBJ_SIZE, &reg);
	TL_ASSERT_R(false, !ret, "region: %s", tl_errname(ret));
	for (i = 0; i < N_DISK_HOST; i++) {
		k = dc_key(c->salt, on_disk[i]);
		ret = dc_fetch_host_check(c->kv, &c->map, &k, &queued);
		TL_ASSERT_R(false, !ret && queued, "disk->host %u: %s, queued %d",
			    i, tl_errname(ret), queued);
	}
	for (j = 0; j < N_DISK_DEV; j++, i++) {
		k = dc_key(c->salt, on_disk[i]);
		ret = dc_fetch_device_check(c->kv, &reg, 0, &k);
		TL_ASSERT_R(false, !ret, "disk->device %u: %s", j,
			    tl_errname(ret));
	}
	for (j = 0; j < N_HOST_DEV; j++) {
		k = dc_key(c->salt, in_host[j]);
		TL_ASSERT_R(false, dc_tiers(c->kv, &k, NULL) & (int)host,
			    "object %u left HOST", j);
		ret = dc_fetch_device_check(c->kv, &reg, 0, &k);
		TL_ASSERT_R(false, !ret, "host->device %u: %s", j,
			    tl_errname(ret));
	}
	dc_region_close(c->kv, &reg);
	return true;
}

/* The daemon's stats once every write it was asked for is done. */
static bool stats_settled(struct dctl_stats *st)
{
	uint64_t end = tl_now_ns() + EVICT_MS * 1000000ull;
	int ret;

	for (;;) {
		ret = dctl_stats_now(&g_d, st);
		TL_ASSERT_R(false, !ret, "stats: %s", tl_errname(ret));
		if (dctl_stat(st, "writes_ok") + dctl_stat(st, "write_failed") >=
		    NSTORE + N_HOST_NOW)
			return true;
		TL_ASSERT_R(false, tl_now_ns() < end, "writes_ok %llu of %u",
			    (unsigned long long)dctl_stat(st, "writes_ok"),
			    NSTORE + N_HOST_NOW);
		poll(NULL, 0, 50);
	}
}

/* Path @p of transfers report @r: what it counted done, failed. */
static void expect_path(const char *r, unsigned int p, uint64_t n,
			uint64_t bytes)
{
	struct kvt_hist ok, failed;

	TL_ASSERT(!tctl_hist(r, path_names[p], "ok", &ok) &&
		  !tctl_hist(r, path_names[p], "failed", &failed),
		  "report has no path %s", path_names[p]);
	TL_ASSERT(ok.count == n && ok.bytes == bytes,
		  "path %s: %llu transfers, %llu bytes; want %llu, %llu",
		  path_names[p], (unsigned long long)ok.count,
		  (unsigned long long)ok.bytes, (unsigned long long)n,
		  (unsigned long long)bytes);
	TL_EXPECT_EQ(failed.count, 0);
	/* Start to end: a 64 KiB read, write or copy takes over 1 us. */
	TL_ASSERT(ok.sum_us >= ok.count && ok.slots[0] < ok.count + !n,
		  "path %s: %llu transfers in %llu us: no latency measured",
		  path_names[p], (unsigned long long)ok.count,
		  (unsigned long long)ok.sum_us);
}

static void expect_transfers(const char *r, uint64_t writes, uint64_t wbytes)
{
	expect_path(r, 0, N_DISK_HOST, (uint64_t)N_DISK_HOST * OBJ_SIZE);
	expect_path(r, 1, N_HOST_DEV, (uint64_t)N_HOST_DEV * OBJ_SIZE);
	expect_path(r, 2, N_DISK_DEV, (uint64_t)N_DISK_DEV * OBJ_SIZE);
	expect_path(r, 3, 0, 0);
	expect_path(r, 4, writes, wbytes);
}

/* The pinned xfer_paths entries equal to the report's. */
static void expect_pinned_paths(const char *r)
{
	struct kvt_hist a, b;
	char *dump = NULL, pat[64];
	const char *p;
	unsigned int i;
	int ret;

	ret = tctl_bpftool_dump("xfer_paths", &dump);
	TL_ASSERT(!ret, "bpftool xfer_paths: %s", tl_errname(ret));
	for (i = 0; i < 5; i++) {
		snprintf(pat, sizeof(pat), "\"formatted\":{\"key\":%u,", i);
		p = strstr(dump, pat);
		TL_ASSERT(p, "xfer_paths[%u] not pinned: %s", i, dump);
		TL_EXPECT_RC(tctl_hist(p, "value", "ok", &a), 0);
		TL_EXPECT_RC(tctl_hist(r, path_names[i], "ok", &b), 0);
		TL_ASSERT(!memcmp(&a, &b, sizeof(a)),
			  "xfer_paths[%s] pinned: %llu transfers %llu bytes, report: %llu %llu",
			  path_names[i], (unsigned long long)a.count,
			  (unsigned long long)a.bytes,
			  (unsigned long long)b.count,
			  (unsigned long long)b.bytes);
		TL_EXPECT_RC(tctl_hist(p, "value", "failed", &a), 0);
		TL_EXPECT_RC(tctl_hist(r, path_names[i], "failed", &b), 0);
		TL_ASSERT(!memcmp(&a, &b, sizeof(a)), "xfer_paths[%s] failed differ",
			  path_names[i]);
	}
	free(dump);
}

/* The count of row (@tier, @kind) under @policy in @section, or 0. */
static uint64_t evt_count(const char *r, const char *section,
			  const char *policy, const char *tier,
			  const char *kind)
{
	char pat[160];
	const char *s, *p, *end;
	unsigned long long v = 0;

	snprintf(pat, sizeof(pat), "\"%s\":[", section);
	s = strstr(r, pat);
	if (!s)
		return UINT64_MAX;
	end = strchr(s, ']');
	end = strstr(s, "]}]") ? strstr(s, "]}]") : end;
	snprintf(pat, sizeof(pat),
		 "{\"policy\":\"%s\",\"tier\":\"%s\",\"kind\":\"%s\",", policy,
		 tier, kind);
	p = strstr(s, pat);
	if (!p || (end && p > end))
		return 0;
	tctl_json_u64(p, NULL, "count", &v);
	return v;
}

/* Every count in @section: the sum of all its rows. */
static uint64_t evt_total(const char *r, const char *section)
{
	char pat[64];
	const char *s, *end;
	unsigned long long v, sum = 0;

	snprintf(pat, sizeof(pat), "\"%s\":[", section);
	s = strstr(r, pat);
	if (!s)
		return UINT64_MAX;
	end = s[strlen(pat)] == ']' ? s + strlen(pat) : strstr(s, "]}]");
	for (s = strstr(s, "\"count\":"); s && end && s < end;
	     s = strstr(s + 1, "\"count\":")) {
		if (sscanf(s, "\"count\":%llu", &v) == 1)
			sum += v;
	}
	return sum;
}

static void expect_evictions(const char *r, const struct dctl_stats *st,
			     const char *pol)
{
	uint64_t busy = dctl_stat(st, "evict_busy");
	uint64_t dropped = dctl_stat(st, "evict_dropped");
	uint64_t written = dctl_stat(st, "evict_written");
	uint64_t policy = dctl_stat(st, "evict_policy_drops");
	uint64_t nospace = dctl_stat(st, "evict_nospace_drops");
	uint64_t writes = dctl_stat(st, "writes_ok") +
			  dctl_stat(st, "write_failed") +
			  dctl_stat(st, "write_orphaned");
	uint64_t host = dropped + written + policy + nospace + busy;

	TL_ASSERT(host > 0, "the daemon evicted nothing");
	TL_EXPECT_EQ(evt_count(r, "evictions", pol, "host", "drop"), dropped);
	TL_EXPECT_EQ(evt_count(r, "evictions", pol, "host", "drop_policy"),
		     policy);
	TL_EXPECT_EQ(evt_count(r, "evictions", pol, "host", "wait_write") +
		     evt_count(r, "evictions", pol, "host", "write_drop"),
		     written + nospace);
	TL_EXPECT_EQ(evt_count(r, "evictions", pol, "host", "skip_busy"), busy);
	TL_EXPECT_EQ(evt_count(r, "evictions", pol, "disk", "drop"),
		     dctl_stat(st, "disk_reclaimed"));
	TL_EXPECT_EQ(evt_total(r, "evictions"),
		     host + dctl_stat(st, "disk_reclaimed"));
	/* Write-through: one admission per object stored, under the policy. */
	TL_EXPECT_EQ(evt_count(r, "admissions", pol, "disk", "admit"), writes);
	TL_EXPECT_EQ(evt_total(r, "admissions"), writes);
	TL_EXPECT_EQ(writes, NSTORE + N_HOST_NOW);
}

/* Every row of the evictions report in the pinned map, same count. */
static void expect_pinned_evictions(const char *r)
{
	static const char *const kinds[] = { "admit", "skip_busy", "drop",
					     "wait_write", "write_drop",
					     "drop_policy" };
	static const char *const tiers[] = { "device", "host", "disk" };
	char *dump = NULL, pat[200], pol[32];
	const char *s, *q;
	unsigned int t, k, rows = 0;
	unsigned long long want, got;
	int ret;

	ret = tctl_bpftool_dump("evictions", &dump);
	TL_ASSERT(!ret, "bpftool evictions: %s", tl_errname(ret));
	s = strstr(r, "\"evictions\":[");
	for (s = s ? strstr(s, "{\"policy\":\"") : NULL;
	     s && s < strstr(r, "\"admissions\":[");
	     s = strstr(s + 1, "{\"policy\":\"")) {
		if (sscanf(s, "{\"policy\":\"%31[^\"]", pol) != 1)
			break;
		for (t = 0; t < 3; t++)
			for (k = 0; k < 6; k++) {
				snprintf(pat, sizeof(pat),
					 "{\"policy\":\"%s\",\"tier\":\"%s\",\"kind\":\"%s\",",
					 pol, tiers[t], kinds[k]);
				if (strncmp(s, pat, strlen(pat)))
					continue;
				tctl_json_u64(s, NULL, "count", &want);
				snprintf(pat, sizeof(pat),
					 "\"key\":{\"policy\":\"%s\",\"tier\":%u,\"kind\":%u},\"value\":{",
					 pol, t, k);
				q = strstr(dump, pat);
				TL_ASSERT(q, "pinned evictions has no %s", pat);
				TL_EXPECT_RC(tctl_json_u64(q, NULL, "count", &got), 0);
				TL_ASSERT(got == want,
					  "evictions %s/%s/%s: pinned %llu, report %llu",
					  pol, tiers[t], kinds[k], got, want);
				rows++;
			}
	}
	TL_ASSERT(rows > 0, "no eviction rows compared: %s", dump);
	free(dump);
}

static void case_workload(void)
{
	const char *xfer[] = { "transfers", "--json", "--pin", "--daemon",
			       dctl_binary(), NULL };
	const char *evict[] = { "evictions", "--json", "--pin", "--daemon",
				dctl_binary(), NULL };
	const char *mine[] = { "transfers", "--json", "--tenant", NULL,
			       "--daemon", dctl_binary(), NULL };
	const char *other[] = { "transfers", "--json", "--tenant", NULL,
				"--daemon", dctl_binary(), NULL };
	struct dctl_opts o = {
		.disk = getenv("KVTIER_DISK"),
		.disk_size = "64M",
		.format = true,
		.write_policy = "through",
		.wm_high = "50",
		.wm_low = "25",
		.tick_ms = 20,
	};
	struct tctl tx, te, tm, tother;
	char idm[32], ido[32], pol[64] = "";
	static const char *const pols[] = { "lru", "reuse" };
	struct dctl_stats st;
	struct dc_client c;
	uint64_t writes, wbytes;
	unsigned int i;
	bool ran;
	int ret;

	if (!client_open(&c))
		return;
	snprintf(idm, sizeof(idm), "%llu", (unsigned long long)g_tenant);
	snprintf(ido, sizeof(ido), "%llu", (unsigned long long)g_tenant + 7777);
	mine[3] = idm;
	other[3] = ido;
	/* Attached before the daemon runs: to the binary, any process. */
	TL_EXPECT_RC(tctl_start(&tx, "transfers", xfer), 0);
	TL_EXPECT_RC(tctl_start(&te, "evictions", evict), 0);
	TL_EXPECT_RC(tctl_start(&tm, "transfers-mine", mine), 0);
	TL_EXPECT_RC(tctl_start(&tother, "transfers-other", other), 0);
	if (tl_failed())
		return;
	ret = dctl_start(&g_d, "trace-daemon", &o);
	TL_ASSERT(!ret, "kvtierd did not start: %s", tl_errname(ret));
	ran = workload(&c) && stats_settled(&st);
	TL_EXPECT_RC(tctl_stop(&tx), 0);
	TL_EXPECT_RC(tctl_stop(&te), 0);
	TL_EXPECT_RC(tctl_stop(&tm), 0);
	TL_EXPECT_RC(tctl_stop(&tother), 0);
	if (!ran)
		goto out;
	for (i = 0; i < 2; i++) {
		char line[64];

		snprintf(line, sizeof(line), "eviction %s,", pols[i]);
		if (dctl_log_has(&g_d, line))
			snprintf(pol, sizeof(pol), "%s", pols[i]);
	}
	TL_ASSERT(pol[0], "no eviction policy in the daemon's running line");
	writes = dctl_stat(&st, "writes_ok");
	wbytes = dctl_stat(&st, "bytes_written");
	TL_EXPECT_EQ(writes, NSTORE + N_HOST_NOW);
	TL_EXPECT_EQ(wbytes, (uint64_t)(NSTORE + N_HOST_NOW) * OBJ_SIZE);
	expect_transfers(tx.report, writes, wbytes);
	/* --tenant: ours sees all of it, another nothing. */
	expect_transfers(tm.report, writes, wbytes);
	for (i = 0; i < 5; i++)
		expect_path(tother.report, i, 0, 0);
	expect_pinned_paths(tx.report);
	expect_evictions(te.report, &st, pol);
	expect_pinned_evictions(te.report);
out:
	if (tl_failed()) {
		fprintf(stderr, "transfers: %s\nevictions: %s\n", tx.report,
			te.report);
		dctl_dump(&g_d, 20);
	}
	free(tx.report);
	free(te.report);
	free(tm.report);
	free(tother.report);
	dc_client_close(&c, NSTORE + N_HOST_NOW);
	ret = dctl_stop(&g_d);
	if (ret)
		printf("FAIL trace_daemon:clean_stop: %s\n", tl_errname(ret));
	tl_cg_remove(CG);
}

int main(void)
{
	tl_init("trace_daemon");
	if (access("/bin/kvtier-trace", X_OK) && !getenv("KVTIER_TRACE")) {
		printf("FAIL trace_daemon:setup: no /bin/kvtier-trace in the VM\n");
		return 1;
	}
	dctl_require_disk();
	g_pool = tl_setup_pool(OBJ_SIZE, NSLOTS);
	tl_run("workload", case_workload);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

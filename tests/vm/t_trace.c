// SPDX-License-Identifier: GPL-2.0
/*
 * Tracepoints: every state change the driver promises to trace reaches the
 * trace buffer with the tenant, key and tier it concerns, so eBPF programs
 * (and kvtier-trace) can compute per-path latencies. Each case enables the
 * kvtier events, performs one path through the driver and then reads the
 * buffer back, looking for the exact line fields it caused.
 */
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACEFS "/sys/kernel/tracing"
#define DISK_LOC 0x200000ull
/* Enough for every line a case causes, with room for noise. */
#define TRACE_BUF (1 << 20)

static uint32_t g_pool;
static uint64_t g_page;
static char *g_buf;

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* Empty the ring buffer and turn the kvtier events on. */
static int trace_start(void)
{
	int err = write_file(TRACEFS "/trace", "");

	if (!err)
		err = write_file(TRACEFS "/events/kvtier/enable", "1");
	if (!err)
		err = write_file(TRACEFS "/tracing_on", "1");
	return err;
}

/* Turn the events off and read what they wrote into g_buf. */
static int trace_stop(void)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	write_file(TRACEFS "/events/kvtier/enable", "0");
	fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < TRACE_BUF - 1 &&
	       (n = read(fd, g_buf + len, TRACE_BUF - 1 - len)) > 0)
		len += n;
	close(fd);
	g_buf[len] = 0;
	return 0;
}

/*
 * True when one line of the buffer has event @event and contains every
 * one of the NULL-terminated @fields (each a "name=value" string).
 */
static bool trace_has(const char *event, ...)
{
	char tag[64];
	const char *line = g_buf;

	snprintf(tag, sizeof(tag), " %s: ", event);
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t llen = end ? (size_t)(end - line) : strlen(line);
		char *copy = strndup(line, llen);
		bool match = copy && strstr(copy, tag);
		const char *f;
		va_list ap;

		va_start(ap, event);
		while (match && (f = va_arg(ap, const char *)))
			match = strstr(copy, f) != NULL;
		va_end(ap);
		free(copy);
		if (match)
			return true;
		line = end ? end + 1 : NULL;
	}
	return false;
}

static void fmt_key(char *out, size_t len, struct drm_kvtier_key k)
{
	snprintf(out, len, "key=%016" PRIx64 "%016" PRIx64, (uint64_t)k.hi,
		 (uint64_t)k.lo);
}

static int res1(int mfd, uint64_t h, uint32_t op, uint32_t tier, uint64_t loc)
{
	struct drm_kvtier_residency_item it = {
		.handle = h, .op = op, .tier = tier, .location = loc,
	};
	struct drm_kvtier_residency r = {
		.items_ptr = (uintptr_t)&it, .count = 1,
	};
	int err = tl_ioctl(mfd, DRM_IOCTL_KVTIER_RESIDENCY, &r);

	return err ? err : it.result;
}

/* alloc, commit, lookup, pin, unpin, free: the client's own path. */
static void case_object_path(void)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_key k = tl_key(1), absent = tl_key(2);
	char key[64], tenant[48], lookup[48];
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open");
	fmt_key(key, sizeof(key), k);
	snprintf(tenant, sizeof(tenant), "tenant=%" PRIu64 " ",
		 tl_param(fd, KVTIER_PARAM_TENANT_ID));
	TL_EXPECT_RC(trace_start(), 0);
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, k, 2 * g_page, &a), 0);
	TL_EXPECT_RC(tl_lookup1(fd, k, 0, &r), 0);
	TL_EXPECT_RC(tl_lookup1(fd, absent, 0, &r), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_UNPIN, a.handle, KVTIER_TIER_HOST),
		     0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a.handle, 0), 0);
	TL_EXPECT_RC(trace_stop(), 0);
	close(fd);

	TL_ASSERT(trace_has("kvtier_alloc", tenant, key, "slots=2", NULL),
		  "no kvtier_alloc line with tenant, key and slots");
	TL_ASSERT(trace_has("kvtier_commit", tenant, key, NULL),
		  "no kvtier_commit line");
	snprintf(lookup, sizeof(lookup), "count=1 hits=1");
	TL_ASSERT(trace_has("kvtier_lookup", tenant, lookup, NULL),
		  "no kvtier_lookup line for the hit");
	TL_ASSERT(trace_has("kvtier_lookup", tenant, "count=1 hits=0", NULL),
		  "no kvtier_lookup line for the miss");
	/* The hit's pool: one line, for the lookup that hit only. */
	snprintf(lookup, sizeof(lookup), "pool=%u hits=1", g_pool);
	TL_ASSERT(trace_has("kvtier_lookup_pool", tenant, lookup, NULL),
		  "no kvtier_lookup_pool line for the hit");
	TL_ASSERT(!trace_has("kvtier_lookup_pool", tenant, "hits=0", NULL),
		  "a kvtier_lookup_pool line for a pool without hits");
	TL_ASSERT(trace_has("kvtier_pin", tenant, key, "tier=1", NULL),
		  "no kvtier_pin line in HOST");
	TL_ASSERT(trace_has("kvtier_unpin", tenant, key, "tier=1", NULL),
		  "no kvtier_unpin line in HOST");
	TL_ASSERT(trace_has("kvtier_free", tenant, key, NULL),
		  "no kvtier_free line");
}

/* A fetch that needs the manager: queued, dispatched, completed. */
static void case_work_path(void)
{
	struct drm_kvtier_work_item w;
	struct drm_kvtier_work_recv wr = {
		.items_ptr = (uintptr_t)&w, .count = 1,
	};
	struct drm_kvtier_work_done d;
	struct drm_kvtier_work_complete wc = {
		.items_ptr = (uintptr_t)&d, .count = 1,
	};
	struct drm_kvtier_manager_attach at = { 0 };
	struct drm_kvtier_event_fetch ev;
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_fetch f;
	struct drm_kvtier_key k = tl_key(3);
	char key[64], tenant[48], bytes[48], src[64], fetch[48];
	int cfd = tl_open(), mfd = tl_open();

	TL_ASSERT(cfd >= 0 && mfd >= 0, "open");
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &at), 0);
	fmt_key(key, sizeof(key), k);
	snprintf(tenant, sizeof(tenant), "tenant=%" PRIu64 " ",
		 tl_param(cfd, KVTIER_PARAM_TENANT_ID));
	TL_EXPECT_RC(tl_make_ready(cfd, g_pool, k, g_page, &a), 0);
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_RELEASE, a.handle, 0), 0);
	TL_EXPECT_RC(res1(mfd, a.handle, KVTIER_RES_ADD, KVTIER_TIER_DISK,
			  DISK_LOC), 0);
	TL_EXPECT_RC(res1(mfd, a.handle, KVTIER_RES_DROP, KVTIER_TIER_HOST, 0),
		     0);
	TL_EXPECT_RC(tl_lookup1(cfd, k, KVTIER_LOOKUP_ACQUIRE, &r), 0);
	TL_EXPECT_EQ(r.handle, a.handle);

	TL_EXPECT_RC(trace_start(), 0);
	TL_EXPECT_RC(tl_fetch1(cfd, a.handle, KVTIER_TIER_HOST, 0, 0, 7, &f,
			       &fi), 0);
	TL_EXPECT_EQ(f.pending, 1);
	wr.deadline_ns = tl_now_ns() + 5000000000ull;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_WORK_RECV, &wr), 0);
	TL_EXPECT_EQ(wr.count, 1);
	memset(&d, 0, sizeof(d));
	d.work_id = w.work_id;
	d.bytes = g_page;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc), 0);
	TL_EXPECT_EQ(d.result, 0);
	TL_EXPECT_RC(tl_read_fetch_event(cfd, 5000, &ev), 0);
	TL_EXPECT_RC(trace_stop(), 0);

	/*
	 * Each names the work and the fetch that queued it (the client's
	 * number is the driver's own; its fetch id is the one it was given),
	 * the pool and both tiers: DISK (2) to HOST (1).
	 */
	snprintf(fetch, sizeof(fetch), " work=%llu ",
		 (unsigned long long)w.work_id);
	snprintf(src, sizeof(src), ":%u pool=%u src=2 dst=1 ", f.fetch_id,
		 g_pool);
	TL_ASSERT(trace_has("kvtier_fetch_queued", tenant, key, fetch, src,
			    NULL), "no kvtier_fetch_queued line");
	TL_ASSERT(trace_has("kvtier_work_dispatched", tenant, key, fetch, src,
			    NULL), "no kvtier_work_dispatched line");
	snprintf(bytes, sizeof(bytes), "status=0 bytes=%" PRIu64, g_page);
	TL_ASSERT(trace_has("kvtier_work_completed", tenant, key, fetch, src,
			    bytes, NULL),
		  "no kvtier_work_completed line with bytes");
	TL_ASSERT(trace_has("kvtier_fetch_done", tenant, key, fetch, src,
			    "status=0 ", NULL), "no kvtier_fetch_done line");

	/* The fetch pinned it in HOST: release (and the pin) before free. */
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_RELEASE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_FREE, a.handle, 0), 0);
	close(cfd);
	close(mfd);
}

/* A refused allocation names the tenant, the pool and the slots asked. */
static void case_quota_refused(void)
{
	struct drm_kvtier_tenant_quota q = { .pool_id = g_pool, .max_slots = 1 };
	struct drm_kvtier_alloc_item a;
	char tenant[48], fields[64];
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open");
	q.tenant_id = tl_param(fd, KVTIER_PARAM_TENANT_ID);
	snprintf(tenant, sizeof(tenant), "tenant=%" PRIu64 " ",
		 (uint64_t)q.tenant_id);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_QUOTA, &q), 0);
	TL_EXPECT_RC(trace_start(), 0);
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(4), 3 * g_page, &a),
		     -EDQUOT);
	TL_EXPECT_RC(trace_stop(), 0);
	q.max_slots = KVTIER_QUOTA_UNLIMITED;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_QUOTA, &q), 0);
	close(fd);
	snprintf(fields, sizeof(fields), "pool=%u slots=3", g_pool);
	TL_ASSERT(trace_has("kvtier_quota_refused", tenant, fields, NULL),
		  "no kvtier_quota_refused line with pool and slots");
}

int main(void)
{
	tl_init("trace");
	/* The harness mounts tracefs and the module is loaded: no excuse. */
	if (access(TRACEFS "/events/kvtier/enable", W_OK)) {
		printf("FAIL trace:setup: no kvtier events in " TRACEFS "\n");
		return 1;
	}
	g_buf = malloc(TRACE_BUF);
	if (!g_buf) {
		printf("FAIL trace:setup: out of memory\n");
		return 1;
	}
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, 16);
	tl_run("object_path", case_object_path);
	tl_run("work_path", case_work_path);
	tl_run("quota_refused", case_quota_refused);
	tl_teardown_pool(g_pool);
	free(g_buf);
	return tl_finish();
}

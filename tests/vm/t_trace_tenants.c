// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-trace tenants against a known workload: two tenants (cgroups),
 * two pools, a fixed number of lookups per tenant with known hits in each
 * pool and known misses. The JSON report must count exactly those per
 * tenant and per (tenant, pool); a second kvtier-trace with --tenant, run
 * at the same time, only the one tenant; and `bpftool map dump pinned`
 * must read what the report printed, after the tool exited.
 */
#include "tlib.h"
#include "trace_ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE 4096u
/* Tenant A: objects in pool 1 and pool 2; tenant B: in pool 2 only. */
#define A_IN_P1 3u
#define A_IN_P2 2u
#define B_IN_P2 4u
/* Lookup rounds: each looks every object up once and MISSES absent keys. */
#define A_ROUNDS 3u
#define B_ROUNDS 2u
#define MISSES 2u

static uint32_t g_p1, g_p2;

struct tenant {
	const char *cg;
	uint64_t id;
	int fd;
	uint64_t salt;
	unsigned int n1, n2;	/* objects in pool 1, pool 2 */
	uint64_t handle[8];
};

static bool tenant_open(struct tenant *t)
{
	struct drm_kvtier_alloc_item a;
	unsigned int i;
	int ret;

	ret = tl_cg_create(t->cg, &t->id);
	TL_ASSERT_R(false, !ret, "cgroup %s: %s", t->cg, tl_errname(ret));
	ret = tl_cg_enter(t->cg);
	TL_ASSERT_R(false, !ret, "enter %s: %s", t->cg, tl_errname(ret));
	t->fd = tl_open();
	tl_cg_leave();
	TL_ASSERT_R(false, t->fd >= 0, "open as %s", t->cg);
	t->salt = tl_key_salt();
	for (i = 0; i < t->n1 + t->n2; i++) {
		ret = tl_make_ready(t->fd, i < t->n1 ? g_p1 : g_p2,
				    tl_key(t->salt + i), PAGE, &a);
		TL_ASSERT_R(false, !ret, "store: %s", tl_errname(ret));
		t->handle[i] = a.handle;
	}
	return true;
}

/* @rounds times: every object (a hit each) and MISSES absent keys. */
static bool tenant_lookups(struct tenant *t, unsigned int rounds)
{
	struct drm_kvtier_lookup_result r;
	unsigned int round, i;
	int ret;

	for (round = 0; round < rounds; round++) {
		for (i = 0; i < t->n1 + t->n2 + MISSES; i++) {
			ret = tl_lookup1(t->fd, tl_key(t->salt + i), 0, &r);
			TL_ASSERT_R(false, !ret, "lookup: %s", tl_errname(ret));
			TL_ASSERT_R(false, !!r.handle == (i < t->n1 + t->n2),
				    "lookup %u: handle %llu", i,
				    (unsigned long long)r.handle);
		}
	}
	return true;
}

/* The report's object of @tenant: from its "tenant" to its end. */
static const char *tenant_obj(const char *report, uint64_t tenant)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "{\"tenant\":%llu,",
		 (unsigned long long)tenant);
	return report ? strstr(report, pat) : NULL;
}

static void expect_tenant(const char *report, const struct tenant *t,
			  unsigned int rounds)
{
	const char *o = tenant_obj(report, t->id), *end;
	unsigned long long v;
	char pat[64];

	TL_ASSERT(o, "no tenant %llu in the report", (unsigned long long)t->id);
	end = strstr(o, "]}");
	TL_EXPECT_RC(tctl_json_u64(o, end, "batches", &v), 0);
	TL_EXPECT_EQ(v, rounds * (t->n1 + t->n2 + MISSES));
	TL_EXPECT_RC(tctl_json_u64(o, end, "lookups", &v), 0);
	TL_EXPECT_EQ(v, rounds * (t->n1 + t->n2 + MISSES));
	TL_EXPECT_RC(tctl_json_u64(o, end, "hits", &v), 0);
	TL_EXPECT_EQ(v, rounds * (t->n1 + t->n2));
	TL_EXPECT_RC(tctl_json_u64(o, end, "misses", &v), 0);
	TL_EXPECT_EQ(v, rounds * MISSES);
	/* Hits per pool; none listed for a pool without hits. */
	snprintf(pat, sizeof(pat), "{\"pool\":%u,\"hits\":", g_p1);
	if (t->n1) {
		TL_ASSERT(strstr(o, pat) && strstr(o, pat) < end,
			  "tenant %llu: no pool %u", (unsigned long long)t->id,
			  g_p1);
		TL_EXPECT_EQ(strtoull(strstr(o, pat) + strlen(pat), NULL, 10),
			     rounds * t->n1);
	} else {
		TL_ASSERT(!strstr(o, pat) || strstr(o, pat) > end,
			  "tenant %llu: hits in pool %u", (unsigned long long)t->id,
			  g_p1);
	}
	snprintf(pat, sizeof(pat), "{\"pool\":%u,\"hits\":", g_p2);
	TL_ASSERT(strstr(o, pat) && strstr(o, pat) < end,
		  "tenant %llu: no pool %u", (unsigned long long)t->id, g_p2);
	TL_EXPECT_EQ(strtoull(strstr(o, pat) + strlen(pat), NULL, 10),
		     rounds * t->n2);
}

/* The pinned tenant_lookups entry of @t as bpftool prints it. */
static void expect_pinned(const char *dump, const char *report,
			  const struct tenant *t)
{
	static const char *const f[] = { "batches", "lookups", "hits",
					 "misses" };
	unsigned long long a, b;
	const char *o = tenant_obj(report, t->id), *p, *end;
	char pat[96];
	unsigned int i;

	snprintf(pat, sizeof(pat), "\"formatted\":{\"key\":%llu,\"value\":{",
		 (unsigned long long)t->id);
	p = strstr(dump, pat);
	TL_ASSERT(p && o, "tenant %llu not in the pinned map",
		  (unsigned long long)t->id);
	end = strchr(p + strlen(pat), '}');
	for (i = 0; i < 4; i++) {
		TL_EXPECT_RC(tctl_json_u64(p, end, f[i], &a), 0);
		TL_EXPECT_RC(tctl_json_u64(o, NULL, f[i], &b), 0);
		TL_ASSERT(a == b, "tenant %llu %s: pinned %llu, report %llu",
			  (unsigned long long)t->id, f[i], a, b);
	}
}

static void tenant_close(struct tenant *t)
{
	unsigned int i;

	for (i = 0; t->fd >= 0 && i < t->n1 + t->n2; i++) {
		tl_op1(t->fd, KVTIER_OP_FREE, t->handle[i], 0);
		tl_op1(t->fd, KVTIER_OP_RELEASE, t->handle[i], 0);
	}
	if (t->fd >= 0)
		close(t->fd);
	tl_cg_remove(t->cg);
}

static void case_workload(void)
{
	static const char *const argv[] = { "tenants", "--json", "--pin",
					    NULL };
	struct tenant a = { .cg = "trace-a", .fd = -1, .n1 = A_IN_P1,
			    .n2 = A_IN_P2 };
	struct tenant b = { .cg = "trace-b", .fd = -1, .n1 = 0,
			    .n2 = B_IN_P2 };
	const char *only[6] = { "tenants", "--json", "--tenant", NULL, NULL };
	char idb[32], *dump = NULL;
	struct tctl t, tb;
	int ret;

	if (!tenant_open(&a) || !tenant_open(&b))
		return;
	snprintf(idb, sizeof(idb), "%llu", (unsigned long long)b.id);
	only[3] = idb;
	ret = tctl_start(&t, "tenants", argv);
	TL_ASSERT(!ret, "kvtier-trace tenants: %s", tl_errname(ret));
	ret = tctl_start(&tb, "tenants-b", only);
	TL_ASSERT(!ret, "kvtier-trace tenants --tenant: %s", tl_errname(ret));
	if (!tenant_lookups(&a, A_ROUNDS) || !tenant_lookups(&b, B_ROUNDS)) {
		tctl_stop(&t);
		tctl_stop(&tb);
		return;
	}
	TL_EXPECT_RC(tctl_stop(&t), 0);
	TL_EXPECT_RC(tctl_stop(&tb), 0);
	expect_tenant(t.report, &a, A_ROUNDS);
	expect_tenant(t.report, &b, B_ROUNDS);
	/* --tenant: B alone. */
	expect_tenant(tb.report, &b, B_ROUNDS);
	TL_ASSERT(!tenant_obj(tb.report, a.id), "--tenant %s reported tenant %llu",
		  idb, (unsigned long long)a.id);
	ret = tctl_bpftool_dump("tenant_lookups", &dump);
	TL_ASSERT(!ret, "bpftool: %s", tl_errname(ret));
	expect_pinned(dump, t.report, &a);
	expect_pinned(dump, t.report, &b);
	if (tl_failed())
		fprintf(stderr, "report: %s\nbpftool: %s\n", t.report, dump);
	free(dump);
	free(t.report);
	free(tb.report);
	tenant_close(&a);
	tenant_close(&b);
}

int main(void)
{
	tl_init("trace_tenants");
	if (access("/bin/kvtier-trace", X_OK) && !getenv("KVTIER_TRACE")) {
		printf("FAIL trace_tenants:setup: no /bin/kvtier-trace in the VM\n");
		return 1;
	}
	g_p1 = tl_setup_pool(PAGE, 64);
	g_p2 = tl_setup_pool(PAGE, 64);
	tl_run("workload", case_workload);
	tl_teardown_pool(g_p1);
	tl_teardown_pool(g_p2);
	return tl_finish();
}

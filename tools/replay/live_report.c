// SPDX-License-Identifier: GPL-2.0
/*
 * The live replay's report (see live_report.h).
 */
#include <errno.h>
#include <inttypes.h>

#include "kvtool.h"
#include "live_report.h"

static const unsigned int kvtr_live_pcts[] = { 50, 95, 99 };

static const char *kvtr_live_tier_word(uint32_t tier)
{
	return tier == KVTIER_TIER_HOST ? "host" : "device";
}

static void kvtr_live_text_stats(FILE *f, const struct kvtr_live_stats *s)
{
	const uint64_t *c = s->c;
	uint64_t v;
	unsigned int i;

	fprintf(f, "  requests    %" PRIu64 ", block references %" PRIu64 "\n",
		c[KVTR_C_REQUESTS], c[KVTR_C_REFS]);
	fprintf(f, "  found       ");
	for (i = 0; i < KVTR_LIVE_WHERE_COUNT; i++)
		fprintf(f, "%s%s %" PRIu64 " (%.1f%%)", i ? ", " : "",
			kvtr_live_counter_name(i), c[i],
			100.0 * kvtr_live_rate(s, i));
	fprintf(f, "\n  prefix hits %.1f%% of references (host %.1f%%)",
		100.0 * kvtr_live_prefix_rate(s),
		100.0 * kvtr_live_rate(s, KVTR_LIVE_HOST));
	fprintf(f, "\n  bytes       disk->device %" PRIu64 ", host->device %"
		PRIu64 ", disk->host %" PRIu64 ", stored to host %" PRIu64 "\n",
		c[KVTR_C_BYTES_DISK_DEVICE], c[KVTR_C_BYTES_HOST_DEVICE],
		c[KVTR_C_BYTES_DISK_HOST], c[KVTR_C_BYTES_STORED]);
	fprintf(f, "  fetch       %" PRIu64 " completed", c[KVTR_C_FETCHES]);
	for (i = 0; i < sizeof(kvtr_live_pcts) / sizeof(*kvtr_live_pcts); i++)
		if (!kvtr_live_percentile(s->lat_ns, s->nlat,
					  kvtr_live_pcts[i], &v))
			fprintf(f, ", p%u %.1f us", kvtr_live_pcts[i],
				(double)v / 1e3);
	fprintf(f, "; blocks timed out %" PRIu64 ", failed %" PRIu64
		", unverified %" PRIu64 "\n", c[KVTR_C_TIMED_OUT],
		c[KVTR_C_FETCH_FAILED], c[KVTR_C_UNVERIFIED]);
	fprintf(f, "  store       %" PRIu64 " stored, %" PRIu64 " not stored "
		"(pool or quota full), %" PRIu64 " already present\n",
		c[KVTR_C_STORED], c[KVTR_C_NOT_STORED], c[KVTR_C_PRESENT]);
	fprintf(f, "  integrity   %" PRIu64 " verified, %" PRIu64 " failed\n",
		c[KVTR_C_VERIFIED], c[KVTR_C_CORRUPT]);
}

int kvtr_live_report_text(FILE *f, const struct kvtr_live_report *r)
{
	const struct kvtr_live_plan *p = r->p;
	const struct kvtr_live_tenant *t;
	uint32_t i;

	fprintf(f, "trace       %s: %zu of %zu requests\n", p->o->trace,
		p->nreq, p->t->nreq);
	fprintf(f, "setup       %u tenant process(es), %s; pool %u, blocks of "
		"%" PRIu64 " bytes, fetched to %s; ", p->ntenants,
		p->isolate ? "one cgroup each" : "one shared tenant (not root)",
		p->pool_id, p->block_size,
		kvtr_live_tier_word(p->o->fetch_tier));
	if (p->o->fast)
		fprintf(f, "as fast as possible\n");
	else
		fprintf(f, "arrival times at speed %g\n", p->o->speed);
	if (!r->manager)
		fprintf(f, "note        no manager (kvtierd) was attached: "
			"fetches that need one timed out\n");
	for (i = 0; i < p->ntenants; i++) {
		t = &r->tenants[i];
		fprintf(f, "\ntenant %u    tenant id %" PRIu64 "%s%s%s\n", i,
			t->tenant_id, t->isolated ? "" : " (shared)",
			r->why[i] ? ": FAILED, " : "",
			r->why[i] ? r->why[i] : "");
		if (t->counted)
			kvtr_live_text_stats(f, &t->stats);
	}
	fprintf(f, "\ntotal\n");
	kvtr_live_text_stats(f, r->total);
	fprintf(f, "\nintegrity: %" PRIu64 " verified, %" PRIu64 " failed\n",
		r->total->c[KVTR_C_VERIFIED], r->total->c[KVTR_C_CORRUPT]);
	return ferror(f) ? -EIO : 0;
}

static void kvtr_live_json_stats(struct kvtool_json *j, const char *key,
				 const struct kvtr_live_stats *s)
{
	const uint64_t *c = s->c;
	unsigned int i;
	uint64_t v;

	kvtool_json_object_begin(j, key);
	kvtool_json_u64(j, "requests", c[KVTR_C_REQUESTS]);
	kvtool_json_u64(j, "refs", c[KVTR_C_REFS]);
	kvtool_json_object_begin(j, "hits");
	for (i = 0; i < KVTR_LIVE_WHERE_COUNT; i++)
		kvtool_json_u64(j, kvtr_live_counter_name(i), c[i]);
	kvtool_json_object_end(j);
	kvtool_json_object_begin(j, "rates");
	for (i = 0; i < KVTR_LIVE_WHERE_COUNT; i++)
		kvtool_json_double(j, kvtr_live_counter_name(i),
				   kvtr_live_rate(s, i));
	kvtool_json_object_end(j);
	kvtool_json_double(j, "prefix_hit_rate", kvtr_live_prefix_rate(s));
	kvtool_json_object_begin(j, "bytes");
	for (i = KVTR_C_BYTES_DISK_DEVICE; i <= KVTR_C_BYTES_STORED; i++)
		kvtool_json_u64(j, kvtr_live_counter_name(i), c[i]);
	kvtool_json_object_end(j);
	kvtool_json_object_begin(j, "fetch");
	kvtool_json_u64(j, "completed", c[KVTR_C_FETCHES]);
	kvtool_json_u64(j, "timed_out_blocks", c[KVTR_C_TIMED_OUT]);
	kvtool_json_u64(j, "failed_blocks", c[KVTR_C_FETCH_FAILED]);
	kvtool_json_u64(j, "unverified_blocks", c[KVTR_C_UNVERIFIED]);
	kvtool_json_object_begin(j, "latency_ns");
	for (i = 0; i < sizeof(kvtr_live_pcts) / sizeof(*kvtr_live_pcts); i++) {
		char name[8];

		snprintf(name, sizeof(name), "p%u", kvtr_live_pcts[i]);
		if (kvtr_live_percentile(s->lat_ns, s->nlat, kvtr_live_pcts[i],
					 &v))
			kvtool_json_null(j, name);
		else
			kvtool_json_u64(j, name, v);
	}
	kvtool_json_object_end(j);
	kvtool_json_object_end(j);
	kvtool_json_object_begin(j, "store");
	kvtool_json_u64(j, "stored", c[KVTR_C_STORED]);
	kvtool_json_u64(j, "not_stored", c[KVTR_C_NOT_STORED]);
	kvtool_json_u64(j, "already_present", c[KVTR_C_PRESENT]);
	kvtool_json_object_end(j);
	kvtool_json_object_begin(j, "integrity");
	kvtool_json_u64(j, "verified", c[KVTR_C_VERIFIED]);
	kvtool_json_u64(j, "failed", c[KVTR_C_CORRUPT]);
	kvtool_json_object_end(j);
	kvtool_json_object_end(j);
}

int kvtr_live_report_json(FILE *f, const struct kvtr_live_report *r)
{
	const struct kvtr_live_plan *p = r->p;
	const struct kvtr_live_tenant *t;
	struct kvtool_json j;
	uint32_t i;

	kvtool_json_init(&j, f);
	kvtool_json_object_begin(&j, NULL);
	kvtool_json_str(&j, "trace", p->o->trace);
	kvtool_json_u64(&j, "requests", p->nreq);
	kvtool_json_u64(&j, "trace_requests", p->t->nreq);
	kvtool_json_u64(&j, "pool_id", p->pool_id);
	kvtool_json_u64(&j, "block_size", p->block_size);
	kvtool_json_str(&j, "fetch_tier", kvtr_live_tier_word(p->o->fetch_tier));
	if (p->o->fast)
		kvtool_json_null(&j, "speed");
	else
		kvtool_json_double(&j, "speed", p->o->speed);
	kvtool_json_bool(&j, "isolated_tenants", p->isolate);
	kvtool_json_bool(&j, "manager_attached", r->manager);
	kvtool_json_array_begin(&j, "tenants");
	for (i = 0; i < p->ntenants; i++) {
		t = &r->tenants[i];
		kvtool_json_object_begin(&j, NULL);
		kvtool_json_u64(&j, "index", i);
		kvtool_json_u64(&j, "tenant_id", t->tenant_id);
		kvtool_json_bool(&j, "isolated", t->isolated);
		kvtool_json_str(&j, "error", r->why[i]);
		if (t->counted)
			kvtr_live_json_stats(&j, "stats", &t->stats);
		else
			kvtool_json_null(&j, "stats");
		kvtool_json_object_end(&j);
	}
	kvtool_json_array_end(&j);
	kvtr_live_json_stats(&j, "total", r->total);
	kvtool_json_bool(&j, "ok", r->ok);
	kvtool_json_object_end(&j);
	return kvtool_json_finish(&j);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kvtierctl: look at and administer a kvtier device.
 *
 *   kvtierctl status
 *   kvtierctl pool create|destroy|info ...
 *   kvtierctl tenant quota|info ...
 *
 * Every command takes --json for one JSON object on stdout instead of
 * text. Errors go to stderr with the errno's text (and, with --json, as
 * {"error":...} on stdout); the exit status is 1 when the device refused,
 * 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvtier.h"
#include "kvtool.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

struct ctl {
	struct kvtier *kv;
	const char *device;
	bool json;
	struct kvtool_json j;
};

static const char usage_text[] =
	"Usage: kvtierctl [--json] [--device PATH] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  status                       driver, pools, tenants and objects\n"
	"  pool create --slot-size N --slots N [--kind kv|adapter|expert|raw]\n"
	"              [--numa NODE] [--hugepage]\n"
	"                               create a pinned host pool (admin)\n"
	"  pool destroy ID              destroy an empty pool (admin)\n"
	"  pool info ID                 describe a pool\n"
	"  tenant quota --tenant ID --pool ID --slots N|unlimited\n"
	"                               set a tenant's quota in a pool (admin)\n"
	"  tenant info [--tenant ID] [--pool ID]\n"
	"                               a tenant's usage (default: this one's,\n"
	"                               in every pool)\n"
	"\n"
	"Options:\n"
	"  --json         print one JSON object instead of text\n"
	"  --device PATH  use this DRM node (default: found by driver name;\n"
	"                 the environment variable " KVTIER_DEVICE_ENV
	" also sets it)\n"
	"  -h, --help     print this help\n"
	"\n"
	"Sizes and counts take K, M, G or T suffixes (powers of 1024).\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "kvtierctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'kvtierctl --help'.\n");
	return EXIT_USAGE;
}

/* Reports what the device refused, once, at the boundary. */
static int refused(struct ctl *c, const char *what, int err, const char *hint)
{
	fprintf(stderr, "kvtierctl: %s: %s%s%s\n", what, strerror(-err),
		hint ? "; " : "", hint ? hint : "");
	if (c->json) {
		struct kvtool_json j;

		kvtool_json_init(&j, stdout);
		kvtool_json_object_begin(&j, NULL);
		kvtool_json_str(&j, "error", what);
		kvtool_json_str(&j, "message", strerror(-err));
		kvtool_json_i64(&j, "errno", -err);
		kvtool_json_object_end(&j);
		kvtool_json_finish(&j);
	}
	return EXIT_REFUSED;
}

/* Hints for the errors a command's user can do something about. */
static const char *hint_for(int err)
{
	switch (err) {
	case -EPERM:
		return "this needs CAP_SYS_ADMIN (run as root)";
	case -ENOENT:
		return "no such pool or tenant";
	case -ENODEV:
		return "is kvtier.ko loaded?";
	case -EACCES:
		return "no permission to open the device node";
	default:
		return NULL;
	}
}

static int ctl_open(struct ctl *c)
{
	int ret;

	if (c->device)
		ret = kvtier_open_path(&c->kv, c->device);
	else
		ret = kvtier_open(&c->kv);
	if (ret)
		return refused(c, "cannot open the kvtier device", ret,
			       hint_for(ret));
	return 0;
}

/* Finishes the JSON object of a command; a writer misuse is a bug here. */
static int ctl_done(struct ctl *c)
{
	int ret;

	if (!c->json)
		return 0;
	ret = kvtool_json_finish(&c->j);
	if (ret) {
		fprintf(stderr, "kvtierctl: writing JSON: %s\n",
			strerror(-ret));
		return EXIT_REFUSED;
	}
	return 0;
}

static const char *fmt_bytes(char *buf, size_t len, uint64_t v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (v >= 1024 && v % 1024 == 0 && u + 1 < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", v, units[u]);
	return buf;
}

static const char *fmt_quota(char *buf, size_t len, uint64_t max_slots)
{
	if (max_slots == KVTIER_QUOTA_UNLIMITED)
		return "unlimited";
	snprintf(buf, len, "%" PRIu64, max_slots);
	return buf;
}

/* ---- pools ---- */

static void json_pool(struct kvtool_json *j, const char *key,
		      const struct drm_kvtier_pool_info *p)
{
	kvtool_json_object_begin(j, key);
	kvtool_json_u64(j, "pool_id", p->pool_id);
	kvtool_json_str(j, "kind", kvtier_kind_name(p->kind));
	kvtool_json_u64(j, "slot_size", p->slot_size);
	kvtool_json_u64(j, "slot_count", p->slot_count);
	kvtool_json_u64(j, "slots_used", p->slots_used);
	kvtool_json_u64(j, "objects", p->objects);
	kvtool_json_u64(j, "bytes", p->slot_size * p->slot_count);
	kvtool_json_u64(j, "huge_bytes", p->huge_bytes);
	kvtool_json_bool(j, "hugepage", p->flags & KVTIER_POOL_HUGEPAGE);
	kvtool_json_i64(j, "numa_node", p->numa_node);
	kvtool_json_u64(j, "mmap_offset", p->mmap_offset);
	kvtool_json_u64(j, "serial", p->serial);
	kvtool_json_object_end(j);
}

static void text_pool_header(void)
{
	printf("  %-4s %-8s %10s %10s %10s %10s %10s %5s\n", "ID", "KIND",
	       "SLOT SIZE", "SLOTS", "USED", "OBJECTS", "HUGE", "NUMA");
}

static void text_pool(const struct drm_kvtier_pool_info *p)
{
	char slot[32], huge[32], numa[16];

	if (p->numa_node < 0)
		snprintf(numa, sizeof(numa), "any");
	else
		snprintf(numa, sizeof(numa), "%d", p->numa_node);
	printf("  %-4u %-8s %10s %10" PRIu64 " %10" PRIu64 " %10" PRIu64
	       " %10s %5s\n", p->pool_id, kvtier_kind_name(p->kind),
	       fmt_bytes(slot, sizeof(slot), p->slot_size),
	       (uint64_t)p->slot_count, (uint64_t)p->slots_used,
	       (uint64_t)p->objects,
	       fmt_bytes(huge, sizeof(huge), p->huge_bytes), numa);
}

/* Calls @fn for every pool that exists. Return: pools seen, or -errno. */
static int for_each_pool(struct ctl *c,
			 void (*fn)(struct ctl *, const struct drm_kvtier_pool_info *))
{
	uint64_t max = kvtier_params(c->kv)->max_pools;
	struct drm_kvtier_pool_info info;
	int n = 0, ret;
	uint32_t id;

	if (max == 0 || max > KVTIER_MAX_POOLS)
		max = KVTIER_MAX_POOLS;
	for (id = 1; id <= max; id++) {
		ret = kvtier_pool_info(c->kv, id, &info);
		if (ret == -ENOENT)
			continue;
		if (ret)
			return ret;
		fn(c, &info);
		n++;
	}
	return n;
}

/* ---- tenants ---- */

static void json_usage(struct kvtool_json *j, const char *key,
		       const struct drm_kvtier_tenant_usage *u)
{
	kvtool_json_object_begin(j, key);
	kvtool_json_u64(j, "tenant_id", u->tenant_id);
	kvtool_json_u64(j, "pool_id", u->pool_id);
	kvtool_json_u64(j, "slots_used", u->slots_used);
	if (u->max_slots == KVTIER_QUOTA_UNLIMITED)
		kvtool_json_null(j, "max_slots");
	else
		kvtool_json_u64(j, "max_slots", u->max_slots);
	kvtool_json_u64(j, "objects", u->objects);
	kvtool_json_u64(j, "quota_refusals", u->quota_refusals);
	kvtool_json_object_end(j);
}

static void text_usage_header(void)
{
	printf("  %-20s %5s %12s %12s %10s %10s\n", "TENANT", "POOL",
	       "SLOTS USED", "QUOTA", "OBJECTS", "REFUSALS");
}

static void text_usage(const struct drm_kvtier_tenant_usage *u)
{
	char quota[32];

	printf("  %-20" PRIu64 " %5u %12" PRIu64 " %12s %10" PRIu64
	       " %10" PRIu64 "\n", (uint64_t)u->tenant_id, u->pool_id,
	       (uint64_t)u->slots_used,
	       fmt_quota(quota, sizeof(quota), u->max_slots),
	       (uint64_t)u->objects, (uint64_t)u->quota_refusals);
}

static void emit_usage(struct ctl *c, const struct drm_kvtier_tenant_usage *u)
{
	if (c->json)
		json_usage(&c->j, NULL, u);
	else
		text_usage(u);
}

/* The whole tenant list (admin), a batch per call, until the driver has
 * no more. Return: entries in *out (to free), or -errno. */
static int tenant_list_all(struct kvtier *kv,
			   struct drm_kvtier_tenant_usage **out)
{
	struct drm_kvtier_tenant_usage *list = NULL, *grown;
	uint32_t total = 0, room = 0, n = 0, want;
	int ret;

	*out = NULL;
	ret = kvtier_tenant_list(kv, 0, NULL, 0, &total);
	while (ret >= 0) {
		/* Tenants may appear between the calls: grow as needed. */
		if (n == room) {
			room = (total > room ? total : room) + 16;
			grown = realloc(list, (size_t)room * sizeof(*list));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			list = grown;
		}
		want = room - n;
		ret = kvtier_tenant_list(kv, n, list + n, want, &total);
		if (ret <= 0)
			break;
		n += (uint32_t)ret;
		if (n >= total)
			break;
	}
	if (ret < 0) {
		free(list);
		return ret;
	}
	*out = list;
	return (int)n;
}

static void usage_of_pool(struct ctl *c, const struct drm_kvtier_pool_info *p)
{
	struct drm_kvtier_tenant_usage u;

	if (kvtier_tenant_info(c->kv, 0, p->pool_id, &u) == 0)
		emit_usage(c, &u);
}

/* Lists tenants: everyone's for an admin, else the caller's own in each
 * pool. Return: 0 or -errno. */
static int list_tenants(struct ctl *c)
{
	struct drm_kvtier_tenant_usage *list;
	int n, i, ret;

	n = tenant_list_all(c->kv, &list);
	if (n == -EPERM) {
		ret = for_each_pool(c, usage_of_pool);
		return ret < 0 ? ret : 0;
	}
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		emit_usage(c, &list[i]);
	free(list);
	return 0;
}

/* ---- status ---- */

static void status_pool(struct ctl *c, const struct drm_kvtier_pool_info *p)
{
	if (c->json)
		json_pool(&c->j, NULL, p);
	else
		text_pool(p);
}

static const char *const feature_names[] = {
	"hugepage", "numa", "fetch-event", "prefix-lookup", "tracepoints",
	"access-stream",
};
#define N_FEATURES (sizeof(feature_names) / sizeof(feature_names[0]))

static void json_stats(struct kvtool_json *j, const struct drm_kvtier_stats *s)
{
	unsigned int i;

	kvtool_json_object_begin(j, "objects");
	kvtool_json_u64(j, "total", s->objects);
	kvtool_json_object_begin(j, "by_state");
	for (i = 0; i < KVTIER_STATE_COUNT; i++)
		kvtool_json_u64(j, kvtier_state_name(i), s->by_state[i]);
	kvtool_json_object_end(j);
	kvtool_json_object_begin(j, "by_tier");
	for (i = 0; i < KVTIER_TIER_COUNT; i++)
		kvtool_json_u64(j, kvtier_tier_name(i), s->by_tier[i]);
	kvtool_json_object_end(j);
	kvtool_json_object_end(j);
	kvtool_json_object_begin(j, "counters");
	kvtool_json_u64(j, "lookups", s->lookups);
	kvtool_json_u64(j, "hits", s->hits);
	kvtool_json_u64(j, "allocs", s->allocs);
	kvtool_json_u64(j, "commits", s->commits);
	kvtool_json_u64(j, "frees", s->frees);
	kvtool_json_u64(j, "quota_refusals", s->quota_refusals);
	kvtool_json_u64(j, "fetches", s->fetches);
	kvtool_json_u64(j, "work_queued", s->work_queued);
	kvtool_json_u64(j, "work_dispatched", s->work_dispatched);
	kvtool_json_u64(j, "work_completed", s->work_completed);
	kvtool_json_u64(j, "work_pending", s->work_pending);
	kvtool_json_u64(j, "bytes_moved", s->bytes_moved);
	kvtool_json_u64(j, "clients", s->clients);
	kvtool_json_object_end(j);
	kvtool_json_object_begin(j, "access_stream");
	kvtool_json_u64(j, "records", s->access_records);
	kvtool_json_u64(j, "dropped", s->access_dropped);
	kvtool_json_object_end(j);
	kvtool_json_object_begin(j, "index");
	kvtool_json_u64(j, "bytes", s->index_bytes);
	kvtool_json_u64(j, "retired_bytes", s->index_retired_bytes);
	kvtool_json_object_end(j);
}

static void text_stats(const struct drm_kvtier_stats *s)
{
	unsigned int i;

	printf("objects: %" PRIu64 "\n  by state:", (uint64_t)s->objects);
	for (i = 0; i < KVTIER_STATE_COUNT; i++)
		printf(" %s %" PRIu64 "%s", kvtier_state_name(i),
		       (uint64_t)s->by_state[i], i + 1 < KVTIER_STATE_COUNT ? "," : "");
	printf("\n  by tier: ");
	for (i = 0; i < KVTIER_TIER_COUNT; i++)
		printf(" %s %" PRIu64 "%s", kvtier_tier_name(i),
		       (uint64_t)s->by_tier[i], i + 1 < KVTIER_TIER_COUNT ? "," : "");
	printf("\ncounters:\n");
	printf("  lookups %" PRIu64 ", hits %" PRIu64 ", allocs %" PRIu64
	       ", commits %" PRIu64 ", frees %" PRIu64
	       ", quota refusals %" PRIu64 "\n", (uint64_t)s->lookups,
	       (uint64_t)s->hits, (uint64_t)s->allocs, (uint64_t)s->commits,
	       (uint64_t)s->frees, (uint64_t)s->quota_refusals);
	printf("  fetches %" PRIu64 ", work queued %" PRIu64
	       ", dispatched %" PRIu64 ", completed %" PRIu64
	       ", pending %" PRIu64 ", bytes moved %" PRIu64 "\n",
	       (uint64_t)s->fetches, (uint64_t)s->work_queued,
	       (uint64_t)s->work_dispatched, (uint64_t)s->work_completed,
	       (uint64_t)s->work_pending, (uint64_t)s->bytes_moved);
	printf("  open clients %" PRIu64 "\n", (uint64_t)s->clients);
	printf("access stream: %" PRIu64 " records, %" PRIu64 " dropped\n",
	       (uint64_t)s->access_records, (uint64_t)s->access_dropped);
	printf("index: %" PRIu64 " bytes, %" PRIu64
	       " outgrown awaiting readers\n", (uint64_t)s->index_bytes,
	       (uint64_t)s->index_retired_bytes);
}

static int cmd_status(struct ctl *c)
{
	const struct kvtier_params *p = kvtier_params(c->kv);
	struct drm_kvtier_stats stats;
	struct kvtier_version ver;
	uint64_t manager;
	char version[48];
	unsigned int i;
	int ret;

	ret = kvtier_version(c->kv, &ver);
	if (ret)
		return refused(c, "reading the driver version", ret, NULL);
	snprintf(version, sizeof(version), "%d.%d.%d", ver.major, ver.minor,
		 ver.patchlevel);
	ret = kvtier_get_param(c->kv, KVTIER_PARAM_MANAGER_ATTACHED, &manager);
	if (ret)
		return refused(c, "reading whether a manager is attached", ret,
			       NULL);
	ret = kvtier_stats(c->kv, &stats);
	if (ret)
		return refused(c, "reading the stats", ret, NULL);

	if (c->json) {
		struct kvtool_json *j = &c->j;

		kvtool_json_object_begin(j, NULL);
		kvtool_json_str(j, "device", kvtier_path(c->kv));
		kvtool_json_object_begin(j, "driver");
		kvtool_json_str(j, "name", ver.name);
		kvtool_json_str(j, "version", version);
		kvtool_json_str(j, "date", ver.date);
		kvtool_json_str(j, "description", ver.desc);
		kvtool_json_object_end(j);
		kvtool_json_u64(j, "abi_version", p->abi_version);
		kvtool_json_str(j, "library_version", KVTIER_LIB_VERSION);
		kvtool_json_array_begin(j, "features");
		for (i = 0; i < N_FEATURES; i++) {
			if (p->features & (1ull << i))
				kvtool_json_str(j, NULL, feature_names[i]);
		}
		kvtool_json_array_end(j);
		kvtool_json_u64(j, "max_batch", p->max_batch);
		kvtool_json_u64(j, "tenant_id", p->tenant_id);
		kvtool_json_bool(j, "is_admin", p->is_admin);
		kvtool_json_bool(j, "manager_attached", manager != 0);
		kvtool_json_array_begin(j, "pools");
	} else {
		printf("device: %s\n", kvtier_path(c->kv));
		printf("driver: %s %s (%s), ABI %" PRIu64 ", library %s\n",
		       ver.name, version, ver.date, p->abi_version,
		       KVTIER_LIB_VERSION);
		printf("features:");
		for (i = 0; i < N_FEATURES; i++) {
			if (p->features & (1ull << i))
				printf(" %s", feature_names[i]);
		}
		printf("\nthis client: tenant %" PRIu64 ", %s\n", p->tenant_id,
		       p->is_admin ? "admin" : "not admin");
		printf("manager: %s\n", manager ? "attached" : "not attached");
		printf("pools:\n");
		text_pool_header();
	}
	ret = for_each_pool(c, status_pool);
	if (ret < 0)
		return refused(c, "listing the pools", ret, NULL);
	if (c->json) {
		kvtool_json_array_end(&c->j);
		kvtool_json_array_begin(&c->j, "tenants");
	} else {
		if (ret == 0)
			printf("  (none)\n");
		printf("tenants%s:\n", p->is_admin ? "" : " (this one only)");
		text_usage_header();
	}
	ret = list_tenants(c);
	if (ret < 0)
		return refused(c, "listing the tenants", ret, NULL);
	if (c->json) {
		kvtool_json_array_end(&c->j);
		json_stats(&c->j, &stats);
		kvtool_json_object_end(&c->j);
	} else {
		text_stats(&stats);
	}
	return ctl_done(c);
}

/* ---- pool commands ---- */

enum {
	OPT_JSON = 0x100,
	OPT_DEVICE,
	OPT_SLOT_SIZE,
	OPT_SLOTS,
	OPT_KIND,
	OPT_NUMA,
	OPT_HUGEPAGE,
	OPT_TENANT,
	OPT_POOL,
};

/* Handles the options every command accepts; false when @opt is not one. */
static bool common_option(struct ctl *c, int opt)
{
	switch (opt) {
	case OPT_JSON:
		c->json = true;
		return true;
	case OPT_DEVICE:
		c->device = optarg;
		return true;
	default:
		return false;
	}
}

#define COMMON_LONGOPTS \
	{ "json", no_argument, NULL, OPT_JSON }, \
	{ "device", required_argument, NULL, OPT_DEVICE }, \
	{ "help", no_argument, NULL, 'h' }

static int bad_option(int opt)
{
	if (opt == 'h') {
		fputs(usage_text, stdout);
		exit(0);
	}
	/* getopt has said what was wrong. */
	fprintf(stderr, "Try 'kvtierctl --help'.\n");
	return EXIT_USAGE;
}

static int cmd_pool_create(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slot-size", required_argument, NULL, OPT_SLOT_SIZE },
		{ "slots", required_argument, NULL, OPT_SLOTS },
		{ "kind", required_argument, NULL, OPT_KIND },
		{ "numa", required_argument, NULL, OPT_NUMA },
		{ "hugepage", no_argument, NULL, OPT_HUGEPAGE },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct drm_kvtier_pool_create req = { .kind = KVTIER_KIND_KV };
	uint64_t slot_size = 0, slots = 0;
	char a[32], b[32], h[32];
	uint32_t node;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_option(c, opt))
			continue;
		switch (opt) {
		case OPT_SLOT_SIZE:
			if (kvtool_parse_size(optarg, &slot_size))
				return usage_error("bad --slot-size '%s'", optarg);
			break;
		case OPT_SLOTS:
			if (kvtool_parse_size(optarg, &slots))
				return usage_error("bad --slots '%s'", optarg);
			break;
		case OPT_KIND:
			ret = kvtier_kind_parse(optarg);
			if (ret < 0)
				return usage_error("bad --kind '%s' (kv, adapter, expert or raw)",
						   optarg);
			req.kind = (uint32_t)ret;
			break;
		case OPT_NUMA:
			if (kvtool_parse_u32(optarg, &node) || node > INT32_MAX)
				return usage_error("bad --numa '%s'", optarg);
			req.numa_node = (int32_t)node;
			req.flags |= KVTIER_POOL_NUMA;
			break;
		case OPT_HUGEPAGE:
			req.flags |= KVTIER_POOL_HUGEPAGE;
			break;
		default:
			return bad_option(opt);
		}
	}
	if (optind != argc)
		return usage_error("pool create: unexpected '%s'", argv[optind]);
	req.slot_size = slot_size;
	req.slot_count = slots;
	if (!req.slot_size || !req.slot_count)
		return usage_error("%s", "pool create needs --slot-size and --slots (non-zero)");
	if (ctl_open(c))
		return EXIT_REFUSED;
	ret = kvtier_pool_create(c->kv, &req);
	if (ret) {
		const char *hint = hint_for(ret);

		if (ret == -EINVAL)
			hint = "the slot size must be a multiple of the page size";
		else if (ret == -ENOMEM)
			hint = "not enough memory could be pinned";
		return refused(c, "pool create", ret, hint);
	}
	if (c->json) {
		struct drm_kvtier_pool_info info;

		ret = kvtier_pool_info(c->kv, req.pool_id, &info);
		if (ret)
			return refused(c, "pool info", ret, NULL);
		json_pool(&c->j, NULL, &info);
	} else {
		printf("created pool %u: %" PRIu64 " slots of %s (%s), kind %s, "
		       "%s in 2 MiB pages\n", req.pool_id,
		       (uint64_t)req.slot_count,
		       fmt_bytes(a, sizeof(a), req.slot_size),
		       fmt_bytes(b, sizeof(b), req.slot_size * req.slot_count),
		       kvtier_kind_name(req.kind),
		       fmt_bytes(h, sizeof(h), req.huge_bytes));
	}
	return ctl_done(c);
}

/* Parses the one positional pool id of destroy and info. */
static int pool_id_arg(struct ctl *c, int argc, char **argv, const char *cmd,
		       uint32_t *id)
{
	static const struct option opts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (!common_option(c, opt))
			return bad_option(opt);
	}
	if (optind + 1 != argc)
		return usage_error("%s needs one pool ID", cmd);
	if (kvtool_parse_u32(argv[optind], id) || *id == 0)
		return usage_error("bad pool ID '%s'", argv[optind]);
	return 0;
}

static int cmd_pool_destroy(struct ctl *c, int argc, char **argv)
{
	uint32_t id;
	int ret;

	ret = pool_id_arg(c, argc, argv, "pool destroy", &id);
	if (ret)
		return ret;
	if (ctl_open(c))
		return EXIT_REFUSED;
	ret = kvtier_pool_destroy(c->kv, id);
	if (ret)
		return refused(c, "pool destroy", ret,
			       ret == -EBUSY ? "the pool still holds objects" :
			       hint_for(ret));
	if (c->json) {
		kvtool_json_object_begin(&c->j, NULL);
		kvtool_json_u64(&c->j, "pool_id", id);
		kvtool_json_bool(&c->j, "destroyed", true);
		kvtool_json_object_end(&c->j);
	} else {
		printf("destroyed pool %u\n", id);
	}
	return ctl_done(c);
}

static int cmd_pool_info(struct ctl *c, int argc, char **argv)
{
	struct drm_kvtier_pool_info info;
	uint32_t id;
	int ret;

	ret = pool_id_arg(c, argc, argv, "pool info", &id);
	if (ret)
		return ret;
	if (ctl_open(c))
		return EXIT_REFUSED;
	ret = kvtier_pool_info(c->kv, id, &info);
	if (ret)
		return refused(c, "pool info", ret, hint_for(ret));
	if (c->json) {
		json_pool(&c->j, NULL, &info);
	} else {
		text_pool_header();
		text_pool(&info);
	}
	return ctl_done(c);
}

/* ---- tenant commands ---- */

static int cmd_tenant_quota(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, OPT_TENANT },
		{ "pool", required_argument, NULL, OPT_POOL },
		{ "slots", required_argument, NULL, OPT_SLOTS },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	bool have_tenant = false, have_pool = false, have_slots = false;
	uint64_t tenant = 0, slots = 0;
	uint32_t pool = 0;
	char q[32];
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_option(c, opt))
			continue;
		switch (opt) {
		case OPT_TENANT:
			if (kvtool_parse_u64(optarg, &tenant))
				return usage_error("bad --tenant '%s'", optarg);
			have_tenant = true;
			break;
		case OPT_POOL:
			if (kvtool_parse_u32(optarg, &pool) || pool == 0)
				return usage_error("bad --pool '%s'", optarg);
			have_pool = true;
			break;
		case OPT_SLOTS:
			if (strcmp(optarg, "unlimited") == 0)
				slots = KVTIER_QUOTA_UNLIMITED;
			else if (kvtool_parse_size(optarg, &slots))
				return usage_error("bad --slots '%s'", optarg);
			have_slots = true;
			break;
		default:
			return bad_option(opt);
		}
	}
	if (optind != argc)
		return usage_error("tenant quota: unexpected '%s'", argv[optind]);
	if (!have_tenant || !have_pool || !have_slots)
		return usage_error("%s", "tenant quota needs --tenant, --pool and --slots");
	if (ctl_open(c))
		return EXIT_REFUSED;
	ret = kvtier_tenant_quota(c->kv, tenant, pool, slots);
	if (ret)
		return refused(c, "tenant quota", ret, hint_for(ret));
	if (c->json) {
		kvtool_json_object_begin(&c->j, NULL);
		kvtool_json_u64(&c->j, "tenant_id", tenant);
		kvtool_json_u64(&c->j, "pool_id", pool);
		if (slots == KVTIER_QUOTA_UNLIMITED)
			kvtool_json_null(&c->j, "max_slots");
		else
			kvtool_json_u64(&c->j, "max_slots", slots);
		kvtool_json_object_end(&c->j);
	} else {
		printf("tenant %" PRIu64 " may now hold %s slots of pool %u\n",
		       tenant, fmt_quota(q, sizeof(q), slots), pool);
	}
	return ctl_done(c);
}

static int cmd_tenant_info(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, OPT_TENANT },
		{ "pool", required_argument, NULL, OPT_POOL },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct drm_kvtier_tenant_usage u;
	uint64_t tenant = 0;
	uint32_t pool = 0, id, max;
	int opt, ret, shown = 0;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_option(c, opt))
			continue;
		switch (opt) {
		case OPT_TENANT:
			if (kvtool_parse_u64(optarg, &tenant))
				return usage_error("bad --tenant '%s'", optarg);
			break;
		case OPT_POOL:
			if (kvtool_parse_u32(optarg, &pool) || pool == 0)
				return usage_error("bad --pool '%s'", optarg);
			break;
		default:
			return bad_option(opt);
		}
	}
	if (optind != argc)
		return usage_error("tenant info: unexpected '%s'", argv[optind]);
	if (ctl_open(c))
		return EXIT_REFUSED;
	if (c->json) {
		kvtool_json_object_begin(&c->j, NULL);
		kvtool_json_u64(&c->j, "tenant_id",
				tenant ? tenant : kvtier_params(c->kv)->tenant_id);
		kvtool_json_array_begin(&c->j, "pools");
	} else {
		text_usage_header();
	}
	max = pool ? pool : (uint32_t)kvtier_params(c->kv)->max_pools;
	if (!pool && (max == 0 || max > KVTIER_MAX_POOLS))
		max = KVTIER_MAX_POOLS;
	for (id = pool ? pool : 1; id <= max; id++) {
		ret = kvtier_tenant_info(c->kv, tenant, id, &u);
		/* Across every pool, absent ones are skipped; one asked for
		 * by name must exist. */
		if (ret == -ENOENT && !pool)
			continue;
		if (ret)
			return refused(c, "tenant info", ret, hint_for(ret));
		if (c->json)
			json_usage(&c->j, NULL, &u);
		else
			text_usage(&u);
		shown++;
	}
	if (c->json) {
		kvtool_json_array_end(&c->j);
		kvtool_json_object_end(&c->j);
	} else if (!shown) {
		printf("  (no pools)\n");
	}
	return ctl_done(c);
}

/* ---- dispatch ---- */

struct command {
	const char *group;
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv);
};

static const struct command commands[] = {
	{ "pool", "create", cmd_pool_create },
	{ "pool", "destroy", cmd_pool_destroy },
	{ "pool", "info", cmd_pool_info },
	{ "tenant", "quota", cmd_tenant_quota },
	{ "tenant", "info", cmd_tenant_info },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = { 0 };
	const char *group, *name;
	unsigned int i;
	int opt, ret;

	kvtool_json_init(&c.j, stdout);
	/* '+': stop at the command; its own options come after it. */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (!common_option(&c, opt))
			return bad_option(opt);
	}
	if (optind >= argc)
		return usage_error("%s", "no command given");
	group = argv[optind];
	if (strcmp(group, "status") == 0) {
		static const struct option sopts[] = {
			COMMON_LONGOPTS,
			{ NULL, 0, NULL, 0 },
		};

		argc -= optind;
		argv += optind;
		/* 0, not 1: glibc then forgets the '+' of the first scan. */
		optind = 0;
		while ((opt = getopt_long(argc, argv, "h", sopts, NULL)) != -1) {
			if (!common_option(&c, opt))
				return bad_option(opt);
		}
		if (optind != argc)
			return usage_error("status: unexpected '%s'", argv[optind]);
		if (ctl_open(&c))
			return EXIT_REFUSED;
		ret = cmd_status(&c);
		kvtier_close(c.kv);
		return ret;
	}
	if (optind + 1 >= argc)
		return usage_error("'%s' needs a subcommand", group);
	name = argv[optind + 1];
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].group, group) == 0 &&
		    strcmp(commands[i].name, name) == 0)
			break;
	}
	if (i == sizeof(commands) / sizeof(commands[0])) {
		fprintf(stderr, "kvtierctl: unknown command '%s %s'\n", group,
			name);
		fprintf(stderr, "Try 'kvtierctl --help'.\n");
		return EXIT_USAGE;
	}
	/* The subcommand parses from its own name on. */
	argc -= optind + 1;
	argv += optind + 1;
	optind = 0;
	ret = commands[i].run(&c, argc, argv);
	kvtier_close(c.kv);
	return ret;
}

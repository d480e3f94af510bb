// SPDX-License-Identifier: GPL-2.0
/*
 * Every ioctl's success path, with the outputs checked against what the
 * uAPI header promises and against the driver's own counters.
 */
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define NSLOTS 64

static uint32_t g_pool;
static uint64_t g_page;

static void case_param_abi_version(void)
{
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_ABI_VERSION), KVTIER_ABI_VERSION);
}

static void case_param_features(void)
{
	const uint64_t known = KVTIER_FEATURE_HUGEPAGE | KVTIER_FEATURE_NUMA |
			       KVTIER_FEATURE_FETCH_EVENT |
			       KVTIER_FEATURE_PREFIX_LOOKUP |
			       KVTIER_FEATURE_TRACEPOINTS |
			       KVTIER_FEATURE_ACCESS_STREAM;
	int fd = tl_open_admin();
	uint64_t f;

	TL_ASSERT(fd >= 0, "no fd");
	f = tl_param(fd, KVTIER_PARAM_FEATURES);
	TL_ASSERT(!(f & ~known), "unknown feature bits 0x%llx",
		  (unsigned long long)(f & ~known));
	/* Fetch events and prefix lookups are part of ABI version 1. */
	TL_ASSERT(f & KVTIER_FEATURE_FETCH_EVENT, "FETCH_EVENT not reported");
	TL_ASSERT(f & KVTIER_FEATURE_PREFIX_LOOKUP,
		  "PREFIX_LOOKUP not reported");
}

static void case_param_limits(void)
{
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_MAX_BATCH), KVTIER_MAX_BATCH);
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_MAX_POOLS), KVTIER_MAX_POOLS);
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_PAGE_SIZE), g_page);
}

static void user_is_not_admin(void *arg TL_UNUSED)
{
	int fd = tl_open_user();

	TL_ASSERT(fd >= 0, "open as user: %s", tl_errname(fd));
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_IS_ADMIN), 0);
}

static void case_param_is_admin(void)
{
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_IS_ADMIN), 1);
	tl_join(tl_spawn(user_is_not_admin, NULL), "non-admin child");
}

static void in_cgroup_tenant(void *arg TL_UNUSED)
{
	uint64_t want = *(uint64_t *)arg;
	int fd, err;

	err = tl_cg_enter("ioctl-ok");
	TL_ASSERT(!err, "enter cgroup: %s", tl_errname(err));
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_TENANT_ID), want);
}

static void case_param_tenant_id(void)
{
	uint64_t cg = 0;
	int fd = tl_open_admin();
	int err;

	TL_ASSERT(fd >= 0, "no fd");
	TL_ASSERT(tl_cg_self_id() != 0, "cannot read own cgroup id");
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_TENANT_ID), tl_cg_self_id());
	err = tl_cg_create("ioctl-ok", &cg);
	TL_ASSERT(!err, "cgroup: %s", tl_errname(err));
	TL_ASSERT(cg != tl_cg_self_id(), "new cgroup has the same id");
	tl_join(tl_spawn(in_cgroup_tenant, &cg), "child in cgroup");
	tl_cg_remove("ioctl-ok");
}

static void case_manager_attach(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	struct drm_kvtier_stats st;
	int fd = tl_open_admin(), mfd;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_MANAGER_ATTACHED), 0);
	TL_EXPECT_RC(tl_stats(fd, &st), 0);
	mfd = tl_open();
	TL_ASSERT(mfd >= 0, "open: %s", tl_errname(mfd));
	ma.requeued = 777;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
	TL_EXPECT_EQ(ma.requeued, st.work_pending);
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_MANAGER_ATTACHED), 1);
	close(mfd);
	/* The role ends with the fd. */
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_MANAGER_ATTACHED), 0);
}

static void case_pool_create_info_destroy(void)
{
	struct drm_kvtier_pool_create pc = {
		.slot_size = 2 * g_page,
		.slot_count = 8,
		.kind = KVTIER_KIND_KV,
		.pool_id = 999,
	};
	struct drm_kvtier_pool_info pi;
	int fd = tl_open_admin();
	uint64_t serial;
	uint32_t id;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_POOL_CREATE, &pc), 0);
	TL_ASSERT(pc.pool_id >= 1 && pc.pool_id <= KVTIER_MAX_POOLS,
		  "pool id %u out of range", pc.pool_id);
	TL_ASSERT(pc.pool_id != g_pool, "pool id %u reused", pc.pool_id);
	TL_EXPECT_EQ(pc.mmap_offset,
		     (uint64_t)pc.pool_id << KVTIER_POOL_MMAP_SHIFT);
	TL_ASSERT(pc.huge_bytes <= 16 * g_page, "huge_bytes %llu > size",
		  (unsigned long long)pc.huge_bytes);
	TL_EXPECT_RC(tl_pool_info(fd, pc.pool_id, &pi), 0);
	TL_EXPECT_EQ(pi.pool_id, pc.pool_id);
	TL_EXPECT_EQ(pi.slot_size, 2 * g_page);
	TL_EXPECT_EQ(pi.slot_count, 8);
	TL_EXPECT_EQ(pi.slots_used, 0);
	TL_EXPECT_EQ(pi.objects, 0);
	TL_EXPECT_EQ(pi.mmap_offset, pc.mmap_offset);
	TL_EXPECT_EQ(pi.huge_bytes, pc.huge_bytes);
	TL_EXPECT_EQ(pi.kind, KVTIER_KIND_KV);
	TL_EXPECT_EQ(pi.flags, 0);
	TL_EXPECT_EQ(pi.numa_node, -1);
	TL_EXPECT_EQ(pi.pad2, 0);
	TL_ASSERT(pi.serial != 0, "pool serial 0");
	TL_EXPECT_EQ(pi.reserved, 0);
	serial = pi.serial;
	TL_EXPECT_RC(tl_pool_destroy(fd, pc.pool_id), 0);
	TL_EXPECT_RC(tl_pool_info(fd, pc.pool_id, &pi), -ENOENT);
	TL_EXPECT_RC(tl_pool_destroy(fd, pc.pool_id), -ENOENT);

	/* Created again under the same id, it is another pool. */
	id = pc.pool_id;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_POOL_CREATE, &pc), 0);
	TL_EXPECT_EQ(pc.pool_id, id);
	TL_EXPECT_RC(tl_pool_info(fd, pc.pool_id, &pi), 0);
	TL_ASSERT(pi.serial != 0 && pi.serial != serial,
		  "serial %llu again", (unsigned long long)pi.serial);
	TL_EXPECT_RC(tl_pool_destroy(fd, pc.pool_id), 0);
}

/*
 * A pool on node 0 (the pool's own tmpfs mount is bound to it) that asks
 * for huge pages: two full 2 MiB chunks and a short tail. At most the full
 * chunks come as huge pages, and every byte to the tail's last is there.
 */
static void case_pool_numa_hugepage(void)
{
	const uint64_t chunk = 2u << 20;
	struct drm_kvtier_pool_create pc = {
		.slot_size = g_page,
		.slot_count = 2 * chunk / g_page + 3,
		.kind = KVTIER_KIND_RAW,
		.flags = KVTIER_POOL_HUGEPAGE | KVTIER_POOL_NUMA,
		.numa_node = 0,
	};
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_alloc_item a;
	uint64_t size = pc.slot_size * pc.slot_count;
	volatile uint8_t *p;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_POOL_CREATE, &pc), 0);
	TL_ASSERT(pc.huge_bytes % chunk == 0 && pc.huge_bytes <= 2 * chunk,
		  "huge_bytes %llu", (unsigned long long)pc.huge_bytes);
	fprintf(stderr, "pool_numa_hugepage: %llu bytes in 2 MiB pages\n",
		(unsigned long long)pc.huge_bytes);
	TL_EXPECT_RC(tl_pool_info(fd, pc.pool_id, &pi), 0);
	TL_EXPECT_EQ(pi.numa_node, 0);
	TL_EXPECT_EQ(pi.flags, KVTIER_POOL_HUGEPAGE | KVTIER_POOL_NUMA);
	TL_EXPECT_EQ(pi.huge_bytes, pc.huge_bytes);
	/* The admin maps every slot: a new pool reads zero. */
	p = tl_pool_map(fd, &pi);
	TL_ASSERT(p, "mmap");
	TL_EXPECT_EQ(p[0] | p[chunk + 5] | p[size - 1], 0);
	/* An object over the whole pool takes writes to its last byte. */
	TL_EXPECT_RC(tl_alloc1(fd, pc.pool_id, 0, tl_key(77), size, &a), 0);
	p[0] = 1;
	p[size - 1] = 2;
	TL_EXPECT_EQ(p[0] + p[size - 1], 3);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a.handle, 0), 0);
	TL_ASSERT(!munmap((void *)p, size), "munmap");
	TL_EXPECT_RC(tl_pool_destroy(fd, pc.pool_id), 0);
}

static void case_tenant_quota_info(void)
{
	struct drm_kvtier_tenant_quota q = { .pool_id = g_pool };
	struct drm_kvtier_tenant_usage u;
	struct drm_kvtier_alloc_item it;
	int fd = tl_open_admin();
	uint64_t me;

	TL_ASSERT(fd >= 0, "no fd");
	me = tl_param(fd, KVTIER_PARAM_TENANT_ID);
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), 2 * g_page, &it), 0);
	q.tenant_id = me;
	q.max_slots = 40;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_QUOTA, &q), 0);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u), 0);
	TL_EXPECT_EQ(u.tenant_id, me);
	TL_EXPECT_EQ(u.pool_id, g_pool);
	TL_EXPECT_EQ(u.max_slots, 40);
	TL_EXPECT_EQ(u.slots_used, 2);
	TL_EXPECT_EQ(u.objects, 1);
	/* The same, asked by id. */
	TL_EXPECT_RC(tl_tenant_info(fd, me, g_pool, &u), 0);
	TL_EXPECT_EQ(u.slots_used, 2);
	q.max_slots = KVTIER_QUOTA_UNLIMITED;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_QUOTA, &q), 0);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u), 0);
	TL_EXPECT_EQ(u.max_slots, KVTIER_QUOTA_UNLIMITED);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, it.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, it.handle, 0), 0);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u), 0);
	TL_EXPECT_EQ(u.slots_used, 0);
	TL_EXPECT_EQ(u.objects, 0);
}

static void case_tenant_list(void)
{
	struct drm_kvtier_tenant_usage e[64];
	struct drm_kvtier_tenant_list l = {
		.entries_ptr = (uintptr_t)e,
		.count = 64,
	};
	struct drm_kvtier_alloc_item it;
	int fd = tl_open_admin();
	uint32_t i, found = 0;
	uint64_t me;

	TL_ASSERT(fd >= 0, "no fd");
	me = tl_param(fd, KVTIER_PARAM_TENANT_ID);
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), 3 * g_page, &it), 0);
	memset(e, 0xa5, sizeof(e));
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_LIST, &l), 0);
	TL_ASSERT(l.count >= 1 && l.count <= 64, "count %u", l.count);
	TL_ASSERT(l.total >= l.count, "total %u < count %u", l.total, l.count);
	for (i = 0; i < l.count; i++) {
		if (e[i].tenant_id != me || e[i].pool_id != g_pool)
			continue;
		found++;
		TL_EXPECT_EQ(e[i].slots_used, 3);
		TL_EXPECT_EQ(e[i].objects, 1);
	}
	TL_ASSERT(found == 1, "own tenant listed %u times for the pool",
		  found);
	/* Room for one: one written, total unchanged. */
	l.count = 1;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_LIST, &l), 0);
	TL_EXPECT_EQ(l.count, 1);
	TL_ASSERT(l.total >= 1, "total %u", l.total);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, it.handle, 0), 0);
}

static void case_tenant_list_count_zero(void)
{
	struct drm_kvtier_tenant_list l = { 0 };
	struct drm_kvtier_alloc_item it;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &it), 0);
	/* No room: nothing written, only the total reported. */
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_LIST, &l), 0);
	TL_EXPECT_EQ(l.count, 0);
	TL_ASSERT(l.total >= 1, "total %u with a tenant holding slots",
		  l.total);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, it.handle, 0), 0);
}

/* TENANT_LIST of up to 64 entries from @first into @e; -errno or count. */
static int tenant_list_from(int fd, uint32_t first, uint32_t room,
			    struct drm_kvtier_tenant_usage *e, uint32_t *total)
{
	struct drm_kvtier_tenant_list l = {
		.entries_ptr = (uintptr_t)e,
		.count = room,
		.first = first,
	};
	int err = tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_LIST, &l);

	if (err)
		return err;
	*total = l.total;
	return (int)l.count;
}

static void case_tenant_list_first(void)
{
	struct drm_kvtier_tenant_usage all[64], e[64], paged[64];
	struct drm_kvtier_tenant_quota q = { .pool_id = g_pool,
					     .max_slots = 1000 };
	uint32_t total = 0, total2 = 0, first, n;
	int fd = tl_open_admin(), got;

	TL_ASSERT(fd >= 0, "no fd");
	/* Two more (tenant, pool) entries: quotas of tenants with no client. */
	q.tenant_id = 0x7e57000000000000ull | (tl_key_salt() & 0xffffffff);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_QUOTA, &q), 0);
	q.tenant_id++;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_QUOTA, &q), 0);
	got = tenant_list_from(fd, 0, 64, all, &total);
	TL_ASSERT(got >= 2, "listed %d", got);
	TL_ASSERT(total == (uint32_t)got, "total %u, listed %d (room 64)",
		  total, got);
	/* Every cursor continues the same order. */
	for (first = 1; first <= total; first++) {
		memset(e, 0xa5, sizeof(e));
		got = tenant_list_from(fd, first, 64, e, &total2);
		TL_EXPECT_EQ(total2, total);
		TL_EXPECT_EQ(got, total - first);
		TL_ASSERT(!memcmp(e, &all[first], (size_t)got * sizeof(e[0])),
			  "entries from %u differ", first);
	}
	/* Paging with room for two lists everything once, in order. */
	for (n = 0; n < total; n += (uint32_t)got) {
		got = tenant_list_from(fd, n, 2, &paged[n], &total2);
		TL_ASSERT(got > 0 && got <= 2, "page at %u: %d", n, got);
	}
	TL_EXPECT_EQ(n, total);
	TL_ASSERT(!memcmp(paged, all, total * sizeof(all[0])),
		  "paged list differs");
	/* Past the end: nothing written, the total still reported. */
	memset(e, 0xa5, sizeof(e));
	TL_EXPECT_EQ(tenant_list_from(fd, total + 100, 64, e, &total2), 0);
	TL_EXPECT_EQ(total2, total);
	TL_EXPECT_EQ(e[0].tenant_id, 0xa5a5a5a5a5a5a5a5ull);
}

static void case_alloc_commit_lookup(void)
{
	struct drm_kvtier_alloc_item it[2] = {
		{ .key = tl_key(1), .size = g_page },
		{ .key = tl_key(2), .size = 2 * g_page + 1 },
	};
	struct drm_kvtier_obj_op ops[2];
	struct drm_kvtier_obj_batch b = {
		.items_ptr = (uintptr_t)ops,
		.count = 2,
		.op = KVTIER_OP_COMMIT,
	};
	struct drm_kvtier_key keys[2] = { tl_key(1), tl_key(2) };
	struct drm_kvtier_lookup_result r[2];
	struct drm_kvtier_lookup l = {
		.keys_ptr = (uintptr_t)keys,
		.results_ptr = (uintptr_t)r,
		.count = 2,
	};
	struct drm_kvtier_pool_info pi;
	struct tl_snap s0;
	uint32_t fi;
	int fd = tl_open_admin(), i;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_snap_take(fd, g_pool, &s0), 0);
	TL_EXPECT_RC(tl_alloc(fd, g_pool, 0, it, 2, &fi), 0);
	TL_EXPECT_EQ(fi, 2);
	TL_ASSERT(it[0].handle && it[1].handle && it[0].handle != it[1].handle,
		  "handles %llx %llx", (unsigned long long)it[0].handle,
		  (unsigned long long)it[1].handle);
	TL_EXPECT_EQ(it[0].slot_count, 1);
	TL_EXPECT_EQ(it[1].slot_count, 3);
	for (i = 0; i < 2; i++) {
		TL_ASSERT(it[i].offset % g_page == 0, "offset %llx unaligned",
			  (unsigned long long)it[i].offset);
		TL_ASSERT(it[i].offset + it[i].slot_count * g_page <=
				  NSLOTS * g_page,
			  "object %d beyond the pool", i);
	}
	TL_ASSERT(it[0].offset + g_page <= it[1].offset ||
			  it[1].offset + 3 * g_page <= it[0].offset,
		  "objects overlap");
	TL_EXPECT_RC(tl_pool_info(fd, g_pool, &pi), 0);
	TL_EXPECT_EQ(pi.slots_used, s0.pi.slots_used + 4);
	TL_EXPECT_EQ(pi.objects, s0.pi.objects + 2);
	/* WRITING objects are invisible to lookups. */
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_LOOKUP, &l), 0);
	TL_EXPECT_EQ(l.hits, 0);
	TL_EXPECT_EQ(r[0].handle, 0);
	memset(ops, 0, sizeof(ops));
	ops[0].handle = it[0].handle;
	ops[1].handle = it[1].handle;
	ops[0].result = ops[1].result = 999;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_OBJ_BATCH, &b), 0);
	TL_EXPECT_EQ(b.failed, 0);
	TL_EXPECT_EQ(ops[0].result, 0);
	TL_EXPECT_EQ(ops[1].result, 0);
	memset(r, 0xa5, sizeof(r));
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_LOOKUP, &l), 0);
	TL_EXPECT_EQ(l.hits, 2);
	TL_EXPECT_EQ(l.prefix, 2);
	for (i = 0; i < 2; i++) {
		TL_EXPECT_EQ(r[i].handle, it[i].handle);
		TL_EXPECT_EQ(r[i].offset, it[i].offset);
		TL_EXPECT_EQ(r[i].pool_id, g_pool);
		TL_EXPECT_EQ(r[i].tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST));
		TL_EXPECT_EQ(r[i].flags, KVTIER_LOOKUP_PRESENT);
		TL_EXPECT_EQ(r[i].pad, 0);
	}
	TL_EXPECT_EQ(r[0].size, g_page);
	TL_ASSERT(r[1].size >= 2 * g_page + 1 && r[1].size <= 3 * g_page,
		  "size %llu", (unsigned long long)r[1].size);
	{
		struct drm_kvtier_stats st;

		TL_EXPECT_RC(tl_stats(fd, &st), 0);
		TL_EXPECT_EQ(st.allocs, s0.st.allocs + 2);
		TL_EXPECT_EQ(st.commits, s0.st.commits + 2);
		TL_EXPECT_EQ(st.by_state[KVTIER_STATE_READY],
			     s0.st.by_state[KVTIER_STATE_READY] + 2);
		TL_EXPECT_EQ(st.by_state[KVTIER_STATE_WRITING],
			     s0.st.by_state[KVTIER_STATE_WRITING]);
		TL_EXPECT_EQ(st.lookups, s0.st.lookups + 4);
		TL_EXPECT_EQ(st.hits, s0.st.hits + 2);
	}
	ops[0].result = ops[1].result = 999;
	b.op = KVTIER_OP_FREE;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_OBJ_BATCH, &b), 0);
	TL_EXPECT_EQ(b.failed, 0);
	b.op = KVTIER_OP_RELEASE;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_OBJ_BATCH, &b), 0);
	TL_EXPECT_EQ(b.failed, 0);
	TL_EXPECT_EQ(tl_pool_used(fd, g_pool), s0.pi.slots_used);
}

static void case_lookup_stop_at_miss(void)
{
	struct drm_kvtier_key keys[3] = { tl_key(1), tl_key(2), tl_key(3) };
	struct drm_kvtier_lookup_result r[3];
	struct drm_kvtier_lookup l = {
		.keys_ptr = (uintptr_t)keys,
		.results_ptr = (uintptr_t)r,
		.count = 3,
	};
	struct drm_kvtier_alloc_item a, c;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, keys[0], g_page, &a), 0);
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, keys[2], g_page, &c), 0);
	memset(r, 0xa5, sizeof(r));
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_LOOKUP, &l), 0);
	TL_EXPECT_EQ(l.hits, 2);
	TL_EXPECT_EQ(l.prefix, 1);
	TL_EXPECT_EQ(r[1].handle, 0);
	TL_EXPECT_EQ(r[1].flags, 0);
	TL_EXPECT_EQ(r[2].handle, c.handle);
	l.flags = KVTIER_LOOKUP_STOP_AT_MISS;
	memset(r, 0, sizeof(r));
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_LOOKUP, &l), 0);
	TL_EXPECT_EQ(l.hits, 1);
	TL_EXPECT_EQ(l.prefix, 1);
	TL_EXPECT_EQ(r[0].handle, a.handle);
	TL_ASSERT(!(r[2].flags & KVTIER_LOOKUP_PRESENT),
		  "key after the miss reported present");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, c.handle, 0), 0);
}

/*
 * A full batch of keys, every one the same READY object but the one at
 * @miss (none when @miss >= @n): the driver reads keys in chunks, so the
 * prefix and STOP_AT_MISS must carry over from one chunk to the next.
 */
static void lookup_big(int fd, uint32_t flags, uint32_t miss, uint64_t h,
		       struct drm_kvtier_key *keys,
		       struct drm_kvtier_lookup_result *r, uint32_t n)
{
	struct drm_kvtier_lookup l = {
		.keys_ptr = (uintptr_t)keys,
		.results_ptr = (uintptr_t)r,
		.count = n,
		.flags = flags,
	};
	bool stop = flags & KVTIER_LOOKUP_STOP_AT_MISS;
	uint32_t i, hits = miss >= n ? n : stop ? miss : n - 1;
	/* ACQUIRE takes the one reference on the first hit (fd held none). */
	uint32_t first = miss == 0 ? 1 : 0, want;

	for (i = 0; i < n; i++)
		keys[i] = tl_key(i == miss ? 2 : 1);
	memset(r, 0xa5, n * sizeof(*r));
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_LOOKUP, &l), 0);
	TL_EXPECT_EQ(l.hits, hits);
	TL_EXPECT_EQ(l.prefix, miss >= n ? n : miss);
	for (i = 0; i < n; i++) {
		bool hit = i != miss && (!stop || i < miss);

		TL_ASSERT(r[i].handle == (hit ? h : 0),
			  "miss at %u, flags %u: key %u handle 0x%llx", miss,
			  flags, i, (unsigned long long)r[i].handle);
		want = hit ? KVTIER_LOOKUP_PRESENT : 0;
		if (hit && i == first && (flags & KVTIER_LOOKUP_ACQUIRE))
			want |= KVTIER_LOOKUP_ACQUIRED;
		TL_ASSERT(r[i].flags == want,
			  "miss at %u, flags %u: key %u flags 0x%x", miss,
			  flags, i, r[i].flags);
	}
}

static void case_lookup_big_batch(void)
{
	/* Around the driver's chunk sizes, and both ends. */
	static const uint32_t misses[] = { 0, 1, 100, 291, 292, 293, 584,
					   1000, KVTIER_MAX_BATCH - 1,
					   KVTIER_MAX_BATCH };
	uint32_t n = KVTIER_MAX_BATCH, i;
	struct drm_kvtier_lookup_result *r = calloc(n, sizeof(*r));
	struct drm_kvtier_key *keys = calloc(n, sizeof(*keys));
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	TL_ASSERT(r && keys, "calloc");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	for (i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
		lookup_big(fd, 0, misses[i], a.handle, keys, r, n);
		lookup_big(fd, KVTIER_LOOKUP_STOP_AT_MISS, misses[i], a.handle,
			   keys, r, n);
		if (tl_failed())
			return;
	}
	/* Acquiring the same object thousands of times holds it once. */
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	lookup_big(fd2, KVTIER_LOOKUP_ACQUIRE | KVTIER_LOOKUP_STOP_AT_MISS,
		   700, a.handle, keys, r, n);
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_RELEASE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_RELEASE, a.handle, 0), -EACCES);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	free(r);
	free(keys);
}

static void case_batch_big(void)
{
	uint32_t n = KVTIER_MAX_BATCH, i;
	struct drm_kvtier_obj_op *ops = calloc(n, sizeof(*ops));
	struct drm_kvtier_obj_batch b = {
		.items_ptr = (uintptr_t)ops,
		.count = n,
		.op = KVTIER_OP_PIN,
	};
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_ASSERT(ops, "calloc");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	/* Pins stack; two items in later chunks name nothing. */
	for (i = 0; i < n; i++) {
		ops[i].handle = i == 1500 || i == n - 1 ? 0 : a.handle;
		ops[i].tier = KVTIER_TIER_HOST;
		ops[i].result = 12345;
	}
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_OBJ_BATCH, &b), 0);
	TL_EXPECT_EQ(b.failed, 2);
	for (i = 0; i < n; i++)
		TL_ASSERT(ops[i].result ==
				  (i == 1500 || i == n - 1 ? -ENOENT : 0),
			  "pin item %u: result %d", i, ops[i].result);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), -EBUSY);
	/* As many unpins as pins took, then two that find none. */
	b.op = KVTIER_OP_UNPIN;
	for (i = 0; i < n; i++) {
		ops[i].handle = a.handle;
		ops[i].result = 12345;
	}
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_OBJ_BATCH, &b), 0);
	TL_EXPECT_EQ(b.failed, 2);
	for (i = 0; i < n; i++)
		TL_ASSERT(ops[i].result == (i >= n - 2 ? -EINVAL : 0),
			  "unpin item %u: result %d", i, ops[i].result);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	free(ops);
}

static void case_lookup_acquire(void)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_lookup1(fd2, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.handle, a.handle);
	/* A plain lookup takes no reference. */
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST),
		     -EACCES);
	TL_EXPECT_RC(tl_lookup1(fd2, tl_key(1), KVTIER_LOOKUP_ACQUIRE, &r), 0);
	TL_EXPECT_EQ(r.handle, a.handle);
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_UNPIN, a.handle, KVTIER_TIER_HOST),
		     0);
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_RELEASE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST),
		     -EACCES);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_pin_free_release(void)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	uint64_t used0;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	used0 = tl_pool_used(fd, g_pool);
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), 2 * g_page, &a), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), -EBUSY);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_UNPIN, a.handle, KVTIER_TIER_HOST),
		     0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	/* Out of the index at once... */
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.handle, 0);
	/* ...but the memory stays while the reference does. */
	TL_EXPECT_EQ(tl_pool_used(fd, g_pool), used0 + 2);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a.handle, 0), 0);
	TL_EXPECT_EQ(tl_pool_used(fd, g_pool), used0);
	/* And the key is free again. */
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_batch_mixed_results(void)
{
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_obj_op ops[3];
	struct drm_kvtier_obj_batch b = {
		.items_ptr = (uintptr_t)ops,
		.count = 3,
		.op = KVTIER_OP_COMMIT,
	};
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &a), 0);
	memset(ops, 0, sizeof(ops));
	ops[0].handle = 0x7777000012345ull;
	ops[1].handle = a.handle;
	ops[2].handle = 0;
	ops[0].result = ops[1].result = ops[2].result = 999;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_OBJ_BATCH, &b), 0);
	TL_EXPECT_EQ(b.failed, 2);
	TL_EXPECT_RC(ops[0].result, -ENOENT);
	TL_EXPECT_RC(ops[1].result, 0);
	TL_EXPECT_RC(ops[2].result, -ENOENT);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_fetch_host_resident(void)
{
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_fetch f;
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_stats s0, s1;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_stats(fd, &s0), 0);
	TL_EXPECT_RC(tl_fetch1(fd, a.handle, KVTIER_TIER_HOST, 0, 0, 42, &f,
			       &fi), 0);
	TL_EXPECT_RC(fi.result, 0);
	TL_EXPECT_EQ(f.pending, 0);
	TL_EXPECT_EQ(f.failed, 0);
	TL_EXPECT_RC(tl_stats(fd, &s1), 0);
	TL_EXPECT_EQ(s1.fetches, s0.fetches + 1);
	TL_EXPECT_EQ(s1.work_queued, s0.work_queued);
	/* Nothing was queued, so no event comes. */
	TL_ASSERT(tl_no_event(fd), "event after a fetch with pending 0");
	/* The fetch pinned the HOST copy. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), -EBUSY);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_UNPIN, a.handle, KVTIER_TIER_HOST),
		     0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_region_register_unregister(void)
{
	struct drm_kvtier_region_register r1 = { .size = 1 << 20,
						 .cookie = 0xc0ffee };
	struct drm_kvtier_region_register r2 = { .size = 4096, .cookie = 7 };
	struct drm_kvtier_region_unregister u = { 0 };
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r1), 0);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r2), 0);
	TL_ASSERT(r1.region_id >= 1 && r1.region_id <= KVTIER_MAX_REGIONS,
		  "region id %u", r1.region_id);
	TL_ASSERT(r2.region_id >= 1 && r2.region_id <= KVTIER_MAX_REGIONS,
		  "region id %u", r2.region_id);
	TL_ASSERT(r1.region_id != r2.region_id, "same region id twice");
	u.region_id = r1.region_id;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u), 0);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u),
		     -ENOENT);
	u.region_id = r2.region_id;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u), 0);
}

static int attach(int fd)
{
	struct drm_kvtier_manager_attach ma = { 0 };

	return tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma);
}

/* A memfd of @size bytes filled with @fill, sealed against shrinking. */
static int sealed_memfd(uint64_t size, int fill)
{
	void *p;
	int mfd;

	mfd = memfd_create("kvtier-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	if (ftruncate(mfd, (off_t)size) ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK))
		goto err_close;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (p == MAP_FAILED)
		goto err_close;
	memset(p, fill, size);
	munmap(p, size);
	return mfd;

err_close:
	fill = -errno;
	close(mfd);
	return fill;
}

static int region_memfd(int fd, int mfd, uint64_t size, uint64_t cookie,
			uint32_t *id)
{
	struct drm_kvtier_region_register r = {
		.size = size, .cookie = cookie, .fd = mfd,
		.kind = KVTIER_REGION_KIND_MEMFD,
	};
	int err;

	err = tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r);
	*id = r.region_id;
	return err;
}

static int get_fd(int mfd, uint32_t id, struct drm_kvtier_region_get_fd *g)
{
	memset(g, 0, sizeof(*g));
	g->region_id = id;
	g->fd = -1;
	return tl_ioctl(mfd, DRM_IOCTL_KVTIER_REGION_GET_FD, g);
}

static void case_region_memfd_get_fd(void)
{
	const uint64_t size = 4 * g_page;
	struct drm_kvtier_region_unregister u = { 0 };
	struct drm_kvtier_region_get_fd g;
	int fd = tl_open_admin(), mfd, memfd;
	unsigned char *p;
	uint32_t id;
	uint64_t i;

	TL_ASSERT(fd >= 0, "no fd");
	mfd = tl_open();
	TL_ASSERT(mfd >= 0, "open: %s", tl_errname(mfd));
	TL_EXPECT_RC(attach(mfd), 0);
	memfd = sealed_memfd(size, 0x5a);
	TL_ASSERT(memfd >= 0, "memfd: %s", tl_errname(memfd));
	TL_EXPECT_RC(region_memfd(fd, memfd, size, 0xbeef, &id), 0);
	TL_ASSERT(id >= 1 && id <= KVTIER_MAX_REGIONS, "region id %u", id);
	/* The driver holds its own reference: the client's fd may go. */
	close(memfd);

	TL_EXPECT_RC(get_fd(mfd, id, &g), 0);
	TL_ASSERT(g.fd >= 0, "fd %d", g.fd);
	TL_EXPECT_EQ(g.size, size);
	TL_EXPECT_EQ(g.cookie, 0xbeef);
	TL_EXPECT_EQ(g.tenant_id, tl_param(fd, KVTIER_PARAM_TENANT_ID));
	TL_EXPECT_EQ(g.kind, KVTIER_REGION_KIND_MEMFD);
	TL_EXPECT_EQ(fcntl(g.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, g.fd, 0);
	TL_ASSERT(p != MAP_FAILED, "mmap of the region fd: %s",
		  tl_errname(errno));
	for (i = 0; i < size; i++)
		TL_ASSERT(p[i] == 0x5a, "byte %llu is 0x%x, want 0x5a",
			  (unsigned long long)i, p[i]);
	munmap(p, size);

	/* Unregistered: gone for the manager; its own fd stays good. */
	u.region_id = id;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &u), 0);
	TL_EXPECT_RC(get_fd(mfd, id, &g), -ENOENT);
	close(g.fd);
}

/* Shmem in KiB from /proc/meminfo, or 0 when unreadable. */
static uint64_t shmem_kib(void)
{
	unsigned long long v = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Shmem: %llu kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void case_region_owner_close_drops_file(void)
{
	const uint64_t size = 32ull << 20;
	struct drm_kvtier_region_get_fd g;
	uint64_t before, held, after;
	int fd, mfd, memfd, again, i;
	uint32_t id, id2;

	mfd = tl_open_admin();
	TL_ASSERT(mfd >= 0, "no fd");
	TL_EXPECT_RC(attach(mfd), 0);
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	before = shmem_kib();
	memfd = sealed_memfd(size, 1);
	TL_ASSERT(memfd >= 0, "memfd: %s", tl_errname(memfd));
	TL_EXPECT_RC(region_memfd(fd, memfd, size, 1, &id), 0);
	close(memfd);
	held = shmem_kib();
	TL_ASSERT(held >= before + (size >> 10) / 2,
		  "memfd not resident: Shmem %llu -> %llu kB",
		  (unsigned long long)before, (unsigned long long)held);
	TL_EXPECT_RC(get_fd(mfd, id, &g), 0);
	close(g.fd);

	/* The owner closes: the region and its file go with it. */
	close(fd);
	TL_EXPECT_RC(get_fd(mfd, id, &g), -ENOENT);
	for (i = 0, after = shmem_kib(); i < 100; i++, after = shmem_kib()) {
		if (after + (size >> 10) / 2 <= held)
			break;
		usleep(20000);
	}
	TL_ASSERT(after + (size >> 10) / 2 <= held,
		  "memfd memory not freed: Shmem %llu -> %llu kB",
		  (unsigned long long)held, (unsigned long long)after);
	/* And its id is free again. */
	again = tl_open();
	TL_ASSERT(again >= 0, "open: %s", tl_errname(again));
	memfd = sealed_memfd(g_page, 2);
	TL_ASSERT(memfd >= 0, "memfd: %s", tl_errname(memfd));
	TL_EXPECT_RC(region_memfd(again, memfd, g_page, 2, &id2), 0);
	TL_EXPECT_EQ(id2, id);
	close(memfd);
}

/* Every record of a walk from 0 in steps of @room (at most @max). */
static int scan_all(int mfd, uint32_t room, struct drm_kvtier_obj_record *recs,
		    uint32_t max, uint32_t *total)
{
	struct drm_kvtier_obj_scan sc = { 0 };
	uint64_t cursor = 0;
	int err;

	*total = 0;
	for (;;) {
		if (*total + room > max)
			return -ENOSPC;
		sc.records_ptr = (uintptr_t)(recs + *total);
		sc.count = room;
		sc.cursor = cursor;
		sc.flags = 0;
		err = tl_ioctl(mfd, DRM_IOCTL_KVTIER_OBJ_SCAN, &sc);
		if (err)
			return err;
		if (sc.count > room)
			return -EOVERFLOW;
		if (!sc.count)
			return sc.cursor == cursor ? 0 : -EPROTO;
		if (sc.cursor <= cursor)
			return -EPROTO;
		cursor = sc.cursor;
		*total += sc.count;
	}
}

static void case_obj_scan(void)
{
	enum { MAXREC = 512 };
	static struct drm_kvtier_obj_record recs[MAXREC];
	const struct drm_kvtier_obj_record *rec[3] = { NULL };
	const uint32_t want_hits[3] = { 2, 1, 0 };
	struct drm_kvtier_alloc_item a[3];
	struct drm_kvtier_lookup_result r;
	uint64_t t0, t1;
	int fd = tl_open_admin(), mfd;
	uint32_t total, i, k;

	TL_ASSERT(fd >= 0, "no fd");
	mfd = tl_open();
	TL_ASSERT(mfd >= 0, "open: %s", tl_errname(mfd));
	TL_EXPECT_RC(attach(mfd), 0);
	t0 = tl_now_ns();
	for (k = 0; k < 3; k++)
		TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(k + 1),
					   g_page + k, &a[k]), 0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(2), 0, &r), 0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(99), 0, &r), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_PIN, a[2].handle, KVTIER_TIER_HOST),
		     0);
	t1 = tl_now_ns();

	TL_EXPECT_RC(scan_all(mfd, 2, recs, MAXREC, &total), 0);
	for (i = 0; i < total; i++) {
		for (k = 0; k < 3; k++) {
			if (recs[i].handle != a[k].handle)
				continue;
			TL_ASSERT(!rec[k], "object %u listed twice", k);
			rec[k] = &recs[i];
		}
	}
	for (k = 0; k < 3; k++) {
		TL_ASSERT(rec[k], "object %u not listed", k);
		TL_EXPECT_EQ(rec[k]->key.lo, tl_key(k + 1).lo);
		TL_EXPECT_EQ(rec[k]->key.hi, tl_key(k + 1).hi);
		TL_EXPECT_EQ(rec[k]->tenant_id,
			     tl_param(fd, KVTIER_PARAM_TENANT_ID));
		TL_EXPECT_EQ(rec[k]->size, g_page + k);
		TL_EXPECT_EQ(rec[k]->offset, a[k].offset);
		TL_EXPECT_EQ(rec[k]->disk_location, 0);
		TL_EXPECT_EQ(rec[k]->pool_id, g_pool);
		TL_EXPECT_EQ(rec[k]->state, KVTIER_STATE_READY);
		TL_EXPECT_EQ(rec[k]->tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST));
		TL_EXPECT_EQ(rec[k]->refs, 1);
		TL_EXPECT_EQ(rec[k]->pins, k == 2);
		TL_EXPECT_EQ(rec[k]->hits, want_hits[k]);
		TL_EXPECT_EQ(rec[k]->pad, 0);
		TL_ASSERT(rec[k]->last_access_ns >= t0 &&
			  rec[k]->last_access_ns <= t1,
			  "last access %llu outside [%llu, %llu]",
			  (unsigned long long)rec[k]->last_access_ns,
			  (unsigned long long)t0, (unsigned long long)t1);
	}
	/* The last lookup hit is later than the commit of the others. */
	TL_ASSERT(rec[0]->last_access_ns > rec[2]->last_access_ns,
		  "hit did not move the last access time");

	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_UNPIN, a[2].handle,
			    KVTIER_TIER_HOST), 0);
	for (k = 0; k < 3; k++)
		TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a[k].handle, 0), 0);
	/* Freed and released: they leave the table. */
	for (k = 0; k < 3; k++)
		TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a[k].handle, 0), 0);
	TL_EXPECT_RC(scan_all(mfd, 7, recs, MAXREC, &total), 0);
	for (i = 0; i < total; i++)
		for (k = 0; k < 3; k++)
			TL_ASSERT(recs[i].handle != a[k].handle,
				  "freed object %u still listed", k);
}

static void case_work_recv_empty(void)
{
	struct drm_kvtier_work_item w;
	struct drm_kvtier_work_recv wr = {
		.items_ptr = (uintptr_t)&w,
		.count = 1,
	};
	struct drm_kvtier_stats st;
	uint64_t deadline;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_stats(fd, &st), 0);
	TL_ASSERT(st.work_pending == 0, "work pending before the case");
	TL_EXPECT_RC(attach(fd), 0);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_WORK_RECV, &wr), -ETIME);
	/* A deadline in the future is waited for, to the end. */
	deadline = tl_now_ns() + 200000000ull;
	wr.deadline_ns = deadline;
	wr.count = 1;
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_WORK_RECV, &wr), -ETIME);
	TL_ASSERT(tl_now_ns() >= deadline, "returned %lld ns before deadline",
		  (long long)(deadline - tl_now_ns()));
}

static void case_work_complete_device_fetch(void)
{
	struct drm_kvtier_region_register reg = { .size = 1 << 20,
						  .cookie = 0xfeed };
	struct drm_kvtier_work_item w[2];
	struct drm_kvtier_work_recv wr = {
		.items_ptr = (uintptr_t)w,
		.count = 2,
	};
	struct drm_kvtier_work_done d = { 0 };
	struct drm_kvtier_work_complete wc = {
		.items_ptr = (uintptr_t)&d,
		.count = 1,
	};
	struct drm_kvtier_event_fetch ev;
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_fetch f;
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_stats s0, s1;
	int fd = tl_open_admin(), mfd;

	TL_ASSERT(fd >= 0, "no fd");
	mfd = tl_open();
	TL_ASSERT(mfd >= 0, "open: %s", tl_errname(mfd));
	TL_EXPECT_RC(attach(mfd), 0);
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &reg), 0);
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), 2 * g_page, &a), 0);
	TL_EXPECT_RC(tl_stats(fd, &s0), 0);
	TL_EXPECT_RC(tl_fetch1(fd, a.handle, KVTIER_TIER_DEVICE, reg.region_id,
			       8 * g_page, 0xabcdef, &f, &fi), 0);
	TL_EXPECT_RC(fi.result, 1);
	TL_EXPECT_EQ(f.pending, 1);
	TL_EXPECT_EQ(f.failed, 0);
	memset(w, 0xa5, sizeof(w));
	wr.deadline_ns = tl_now_ns() + 10000000000ull;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_WORK_RECV, &wr), 0);
	TL_EXPECT_EQ(wr.count, 1);
	TL_EXPECT_EQ(w[0].op, KVTIER_WORK_FETCH);
	TL_EXPECT_EQ(w[0].handle, a.handle);
	TL_EXPECT_EQ(w[0].key.lo, tl_key(1).lo);
	TL_EXPECT_EQ(w[0].key.hi, tl_key(1).hi);
	TL_EXPECT_EQ(w[0].size, 2 * g_page);
	TL_EXPECT_EQ(w[0].src_tier, KVTIER_TIER_HOST);
	TL_EXPECT_EQ(w[0].src_offset, a.offset);
	TL_EXPECT_EQ(w[0].dst_tier, KVTIER_TIER_DEVICE);
	TL_EXPECT_EQ(w[0].dst_offset, 8 * g_page);
	TL_EXPECT_EQ(w[0].region_id, reg.region_id);
	TL_EXPECT_EQ(w[0].region_cookie, 0xfeed);
	TL_EXPECT_EQ(w[0].pool_id, g_pool);
	TL_EXPECT_EQ(w[0].tenant_id, tl_param(fd, KVTIER_PARAM_TENANT_ID));
	TL_ASSERT(w[0].region_gen != 0, "DEVICE work without a region generation");
	TL_ASSERT(tl_no_event(fd), "event before the work completed");
	d.work_id = w[0].work_id;
	d.bytes = 2 * g_page;
	d.result = 999;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc), 0);
	TL_EXPECT_EQ(wc.failed, 0);
	TL_EXPECT_RC(d.result, 0);
	TL_EXPECT_RC(tl_read_fetch_event(fd, TL_WAIT_MS, &ev), 0);
	TL_EXPECT_EQ(ev.user_data, 0xabcdef);
	TL_EXPECT_EQ(ev.fetch_id, f.fetch_id);
	TL_EXPECT_EQ(ev.completed, 1);
	TL_EXPECT_EQ(ev.failed, 0);
	TL_EXPECT_RC(ev.status, 0);
	TL_EXPECT_RC(tl_stats(fd, &s1), 0);
	TL_EXPECT_EQ(s1.work_queued, s0.work_queued + 1);
	TL_EXPECT_EQ(s1.work_dispatched, s0.work_dispatched + 1);
	TL_EXPECT_EQ(s1.work_completed, s0.work_completed + 1);
	TL_EXPECT_EQ(s1.work_pending, s0.work_pending);
	TL_EXPECT_EQ(s1.bytes_moved, s0.bytes_moved + 2 * g_page);
	TL_EXPECT_EQ(s1.by_tier[KVTIER_TIER_DEVICE],
		     s0.by_tier[KVTIER_TIER_DEVICE] + 1);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST) |
				      KVTIER_TIER_BIT(KVTIER_TIER_DEVICE));
	/* The device pin belongs to the client until it unpins. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), -EBUSY);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_UNPIN, a.handle, KVTIER_TIER_DEVICE),
		     0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST));
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_residency_add_drop_disk(void)
{
	struct drm_kvtier_residency_item ri = { 0 };
	struct drm_kvtier_residency rs = {
		.items_ptr = (uintptr_t)&ri,
		.count = 1,
	};
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_stats s0, s1;
	int fd = tl_open_admin(), mfd;

	TL_ASSERT(fd >= 0, "no fd");
	mfd = tl_open();
	TL_ASSERT(mfd >= 0, "open: %s", tl_errname(mfd));
	TL_EXPECT_RC(attach(mfd), 0);
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_stats(fd, &s0), 0);
	ri.handle = a.handle;
	ri.op = KVTIER_RES_ADD;
	ri.tier = KVTIER_TIER_DISK;
	ri.location = 1 << 20;
	ri.result = 999;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_RESIDENCY, &rs), 0);
	TL_EXPECT_EQ(rs.failed, 0);
	TL_EXPECT_RC(ri.result, 0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST) |
				      KVTIER_TIER_BIT(KVTIER_TIER_DISK));
	TL_EXPECT_RC(tl_stats(fd, &s1), 0);
	TL_EXPECT_EQ(s1.by_tier[KVTIER_TIER_DISK],
		     s0.by_tier[KVTIER_TIER_DISK] + 1);
	ri.op = KVTIER_RES_DROP;
	ri.location = 0;
	ri.result = 999;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_RESIDENCY, &rs), 0);
	TL_EXPECT_RC(ri.result, 0);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST));
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_stats(void)
{
	struct drm_kvtier_stats st, st2;
	struct drm_kvtier_alloc_item a, b;
	uint64_t sum = 0;
	int fd = tl_open_admin(), fd2, i;

	TL_ASSERT(fd >= 0, "no fd");
	/* Have one WRITING and one READY object so the sums mean something. */
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &a), 0);
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(2), g_page, &b), 0);
	TL_EXPECT_RC(tl_stats(fd, &st), 0);
	for (i = 0; i < KVTIER_STATE_COUNT; i++)
		sum += st.by_state[i];
	TL_EXPECT_EQ(sum, st.objects);
	TL_ASSERT(st.by_state[KVTIER_STATE_WRITING] >= 1 &&
			  st.by_state[KVTIER_STATE_READY] >= 1,
		  "by_state misses our objects");
	TL_ASSERT(st.by_tier[KVTIER_TIER_HOST] >= 2, "by_tier[HOST] %llu",
		  (unsigned long long)st.by_tier[KVTIER_TIER_HOST]);
	/* The index has arrays from load on. */
	TL_ASSERT(st.index_bytes > 0, "no index bytes");
	/* No stream is open: nothing is recorded, nothing dropped. */
	TL_EXPECT_EQ(st.access_records, 0);
	TL_EXPECT_EQ(st.access_dropped, 0);
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_stats(fd, &st2), 0);
	TL_EXPECT_EQ(st2.clients, st.clients + 1);
	close(fd2);
	TL_EXPECT_RC(tl_stats(fd, &st2), 0);
	TL_EXPECT_EQ(st2.clients, st.clients);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, b.handle, 0), 0);
}

static void case_null(void)
{
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_NULL, NULL), 0);
}

int main(void)
{
	tl_init("ioctl");
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, NSLOTS);
	tl_run("param_abi_version", case_param_abi_version);
	tl_run("param_features", case_param_features);
	tl_run("param_limits", case_param_limits);
	tl_run("param_is_admin", case_param_is_admin);
	tl_run("param_tenant_id", case_param_tenant_id);
	tl_run("manager_attach", case_manager_attach);
	tl_run("pool_create_info_destroy", case_pool_create_info_destroy);
	tl_run("pool_numa_hugepage", case_pool_numa_hugepage);
	tl_run("tenant_quota_info", case_tenant_quota_info);
	tl_run("tenant_list", case_tenant_list);
	tl_run("tenant_list_count_zero", case_tenant_list_count_zero);
	tl_run("tenant_list_first", case_tenant_list_first);
	tl_run("alloc_commit_lookup", case_alloc_commit_lookup);
	tl_run("lookup_stop_at_miss", case_lookup_stop_at_miss);
	tl_run("lookup_acquire", case_lookup_acquire);
	tl_run("lookup_big_batch", case_lookup_big_batch);
	tl_run("batch_big", case_batch_big);
	tl_run("pin_free_release", case_pin_free_release);
	tl_run("batch_mixed_results", case_batch_mixed_results);
	tl_run("fetch_host_resident", case_fetch_host_resident);
	tl_run("region_register_unregister", case_region_register_unregister);
	tl_run("work_recv_empty", case_work_recv_empty);
	tl_run("work_complete_device_fetch", case_work_complete_device_fetch);
	tl_run("residency_add_drop_disk", case_residency_add_drop_disk);
	tl_run("region_memfd_get_fd", case_region_memfd_get_fd);
	tl_run("region_owner_close_drops_file",
	       case_region_owner_close_drops_file);
	tl_run("obj_scan", case_obj_scan);
	tl_run("stats", case_stats);
	tl_run("null", case_null);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

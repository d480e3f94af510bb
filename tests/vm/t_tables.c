// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's large tables sit on 2 MiB pages. Lookups, pins and the work
 * queue read them at random, and on 4 KiB pages a large table misses the
 * TLB on nearly every read; so from 2 MiB on the driver asks for a vmalloc
 * area that 2 MiB pages map. /proc/vmallocinfo shows each area, with the
 * function that asked for it. The addresses are only shown to root with
 * kptr_restrict at 1 (at 0 they are hashed), which the cases set for their
 * own run and then put back.
 *
 * Two marks tell such an area from one of small pages: it starts on a 2 MiB
 * boundary (a fresh area of small pages may too, by chance), and it spans
 * a whole number of 2 MiB pages (vmalloc_huge() rounds the size up; the
 * size shown adds one 4 KiB guard page). Small pages cannot give the
 * second for the work array, whose 8.5 MiB is no multiple of 2 MiB; and
 * below kmalloc's limit (4 MiB) kvzalloc() would take the 2 MiB chunks of
 * the object table from the direct map, where vmallocinfo does not list
 * them at all.
 *
 * The index's arrays double as it grows, and an outgrown one is freed once
 * no lookup that began before can still read it: growth_under_lookups
 * makes most of them double while another process looks keys up without
 * pause, and watches the outgrown bytes come back.
 */
#include "tlib.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_SIZE (2ull << 20)
#define GUARD 4096ull
#define KPTR_RESTRICT "/proc/sys/kernel/kptr_restrict"

struct area_count {
	unsigned int large;	/* kvtier's areas of 2 MiB or more */
	unsigned int aligned;	/* of them, 2 MiB pages: start and size */
	unsigned int hashed;	/* lines whose address is hidden or hashed */
};

static int kptr_get(void)
{
	FILE *f = fopen(KPTR_RESTRICT, "re");
	int v = -1;

	if (!f)
		return -errno;
	if (fscanf(f, "%d", &v) != 1)
		v = -EIO;
	fclose(f);
	return v;
}

static int kptr_set(int v)
{
	FILE *f = fopen(KPTR_RESTRICT, "we");
	int ret = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", v) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/*
 * Counts kvtier's areas of at least 2 MiB, and how many start on a 2 MiB
 * boundary and span whole 2 MiB pages.
 */
static int count_areas(struct area_count *c)
{
	unsigned long long start, end, size;
	char line[512];
	FILE *f;

	memset(c, 0, sizeof(*c));
	f = fopen("/proc/vmallocinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "[kvtier]") || !strstr(line, " vmalloc"))
			continue;
		if (sscanf(line, "0x%llx-0x%llx %llu", &start, &end,
			   &size) != 3)
			continue;
		if (size < HUGE_SIZE)
			continue;
		c->large++;
		/* Hidden: zero; hashed: 32 bits, where kernel addresses are 64. */
		if (!(start >> 32))
			c->hashed++;
		else if (!(start % HUGE_SIZE) && !((size - GUARD) % HUGE_SIZE))
			c->aligned++;
	}
	fclose(f);
	return 0;
}

/* count_areas() with real addresses shown for the call. */
static int count_areas_shown(struct area_count *c)
{
	int old = kptr_get(), ret;

	if (old < 0)
		return old;
	ret = kptr_set(1);
	if (ret)
		return ret;
	ret = count_areas(c);
	kptr_set(old);
	return ret;
}

/*
 * The work array (136 bytes per item, 8.5 MiB at the default max_work) is
 * there from load on, and once an object is allocated the object table
 * has its first chunk (32768 entries of one cache line: 2 MiB): both are
 * vmalloc areas of 2 MiB pages.
 */
static void case_large_tables_on_huge_pages(void)
{
	struct drm_kvtier_alloc_item it;
	struct area_count c;
	uint32_t pool;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "open");
	TL_EXPECT_RC(tl_pool_create(fd, (uint64_t)getpagesize(), 4, &pool),
		     0);
	TL_EXPECT_RC(tl_alloc1(fd, pool, 0, tl_key(1), 4096, &it), 0);
	TL_EXPECT_RC(count_areas_shown(&c), 0);
	TL_ASSERT(c.hashed == 0, "%u of %u areas without a real address",
		  c.hashed, c.large);
	TL_ASSERT(c.large >= 2, "%u kvtier areas of 2 MiB or more, want 2",
		  c.large);
	TL_ASSERT(c.aligned == c.large,
		  "%u of %u kvtier areas of 2 MiB or more on 2 MiB pages",
		  c.aligned, c.large);
	/* Closing frees the uncommitted object; then the pool can go. */
	close(fd);
	fd = tl_open_admin();
	TL_ASSERT(fd >= 0, "open");
	TL_EXPECT_RC(tl_pool_destroy(fd, pool), 0);
	close(fd);
}

/* Objects committed before the growth, looked up during it. */
#define HOT 1024u
#define BATCH 256u
/* Milliseconds to wait for the outgrown arrays to be freed. */
#define RETIRE_WAIT_MS 10000

/* Shared between the case and its looking-up child. */
struct growth_shared {
	volatile int started;
	volatile int stop;
	uint64_t batches;
	uint64_t misses;
	uint64_t errors;
};

static struct growth_shared *g_gs;

/* One OBJ_BATCH of @op over the handles of @items; 0 or -errno. */
static int batch_op(int fd, uint32_t op,
		    const struct drm_kvtier_alloc_item *items, uint32_t n)
{
	static struct drm_kvtier_obj_op ops[KVTIER_MAX_BATCH];
	struct drm_kvtier_obj_batch b = {
		.items_ptr = (uintptr_t)ops, .count = n, .op = op,
	};
	uint32_t i;
	int err;

	memset(ops, 0, sizeof(ops[0]) * n);
	for (i = 0; i < n; i++)
		ops[i].handle = items[i].handle;
	err = tl_ioctl(fd, DRM_IOCTL_KVTIER_OBJ_BATCH, &b);
	return err ? err : b.failed ? -EIO : 0;
}

/*
 * The child: looks the HOT keys up in batches until told to stop, every
 * fourth batch with ACQUIRE (and then releases what it took), counting
 * batches, keys missed and failed ioctls.
 */
static void growth_lookups(void *arg TL_UNUSED)
{
	static struct drm_kvtier_lookup_result res[BATCH];
	static struct drm_kvtier_key keys[BATCH];
	static struct drm_kvtier_alloc_item held[BATCH];
	struct drm_kvtier_lookup lk;
	uint32_t i, n, base = 0;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	g_gs->started = 1;
	while (!g_gs->stop) {
		for (i = 0; i < BATCH; i++)
			keys[i] = tl_key(1 + (base + i) % HOT);
		base = (base + BATCH) % HOT;
		memset(&lk, 0, sizeof(lk));
		lk.keys_ptr = (uintptr_t)keys;
		lk.results_ptr = (uintptr_t)res;
		lk.count = BATCH;
		lk.flags = g_gs->batches % 4 == 3 ? KVTIER_LOOKUP_ACQUIRE : 0;
		if (tl_ioctl(fd, DRM_IOCTL_KVTIER_LOOKUP, &lk)) {
			g_gs->errors++;
			break;
		}
		g_gs->misses += BATCH - lk.hits;
		g_gs->batches++;
		if (!(lk.flags & KVTIER_LOOKUP_ACQUIRE))
			continue;
		for (i = n = 0; i < BATCH; i++)
			if (res[i].flags & KVTIER_LOOKUP_ACQUIRED)
				held[n++].handle = res[i].handle;
		if (n && batch_op(fd, KVTIER_OP_RELEASE, held, n))
			g_gs->errors++;
	}
	close(fd);
}

/*
 * HOT objects committed; a child looks them up without pause while this
 * client allocates one object per entry the index has (so that most of
 * its arrays pass 3/4 full and double); then every lookup hit, the index
 * grew, and the bytes of the arrays it outgrew come back to 0 - waited
 * for, within RETIRE_WAIT_MS, as the lookups that could read them end.
 */
static void case_growth_under_lookups(void)
{
	static struct drm_kvtier_alloc_item items[KVTIER_MAX_BATCH], hot[HOT];
	struct drm_kvtier_stats st0, st1, st;
	uint64_t grow, done, deadline, i;
	uint32_t pool, n, fi;
	pid_t child;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "open");
	g_gs = mmap(NULL, sizeof(*g_gs), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TL_ASSERT(g_gs != MAP_FAILED, "mmap");
	TL_EXPECT_RC(tl_stats(fd, &st0), 0);
	grow = st0.index_bytes / 64;
	TL_EXPECT_RC(tl_pool_create(fd, (uint64_t)getpagesize(), HOT + grow,
				    &pool), 0);
	for (i = 0; i < HOT; i++) {
		items[i].key = tl_key(1 + i);
		items[i].size = 4096;
	}
	TL_EXPECT_RC(tl_alloc(fd, pool, 0, items, HOT, &fi), 0);
	TL_EXPECT_RC(batch_op(fd, KVTIER_OP_COMMIT, items, HOT), 0);
	memcpy(hot, items, sizeof(hot));

	child = tl_spawn(growth_lookups, NULL);
	TL_ASSERT(child > 0, "fork");
	deadline = tl_now_ns() + TL_WAIT_MS * 1000000ull;
	while (!g_gs->started && tl_now_ns() < deadline)
		sched_yield();
	for (done = 0; done < grow && !tl_failed(); done += n) {
		n = grow - done < KVTIER_MAX_BATCH ? (uint32_t)(grow - done) :
			KVTIER_MAX_BATCH;
		for (i = 0; i < n; i++) {
			memset(&items[i], 0, sizeof(items[i]));
			items[i].key = tl_key(HOT + 1 + done + i);
			items[i].size = 4096;
		}
		TL_EXPECT_RC(tl_alloc(fd, pool, 0, items, n, &fi), 0);
	}
	g_gs->stop = 1;
	TL_ASSERT(tl_join(child, "lookups"), "the looking-up child failed");
	TL_EXPECT_EQ(g_gs->errors, 0);
	TL_EXPECT_EQ(g_gs->misses, 0);
	TL_ASSERT(g_gs->batches > 0, "no lookup ran");
	TL_EXPECT_RC(tl_stats(fd, &st1), 0);
	TL_ASSERT(st1.index_bytes > st0.index_bytes,
		  "the index did not grow: %llu bytes",
		  (unsigned long long)st1.index_bytes);

	deadline = tl_now_ns() + RETIRE_WAIT_MS * 1000000ull;
	do {
		TL_EXPECT_RC(tl_stats(fd, &st), 0);
		if (!st.index_retired_bytes)
			break;
		sched_yield();
	} while (tl_now_ns() < deadline);
	TL_ASSERT(st.index_retired_bytes == 0,
		  "%llu bytes of outgrown index arrays still held after %d ms",
		  (unsigned long long)st.index_retired_bytes, RETIRE_WAIT_MS);

	/* Closing frees the uncommitted objects; then the committed ones. */
	close(fd);
	fd = tl_open_admin();
	TL_ASSERT(fd >= 0, "open");
	TL_EXPECT_RC(batch_op(fd, KVTIER_OP_FREE, hot, HOT), 0);
	TL_EXPECT_RC(tl_pool_destroy(fd, pool), 0);
	close(fd);
}

/* The cases leave kptr_restrict as they found it. */
static void case_kptr_restrict_restored(void)
{
	struct area_count c;
	int old = kptr_get();

	TL_ASSERT(old >= 0, "read %s: %s", KPTR_RESTRICT, tl_errname(old));
	TL_EXPECT_RC(count_areas_shown(&c), 0);
	TL_EXPECT_EQ(kptr_get(), old);
}

int main(void)
{
	tl_init("tables");
	tl_run("large_tables_on_huge_pages", case_large_tables_on_huge_pages);
	tl_run("kptr_restrict_restored", case_kptr_restrict_restored);
	tl_run("growth_under_lookups", case_growth_under_lookups);
	return tl_finish();
}

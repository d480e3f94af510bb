// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's large tables sit on 2 MiB pages. Lookups, pins and the work
 * queue read them at random, and on 4 KiB pages a large table misses the
 * TLB on nearly every read; so from 2 MiB on the driver asks for a vmalloc
 * area that 2 MiB pages map. /proc/vmallocinfo shows each area, with the
 * function that asked for it: an area vmalloc mapped with 2 MiB pages
 * starts on a 2 MiB boundary, one of small pages almost never does (one
 * chance in 512 per area). The addresses are only shown to root with
 * kptr_restrict at 1 (at 0 they are hashed), which the cases set for their
 * own run and then put back.
 *
 * Two marks tell such an area from one of small pages: it starts on a 2 MiB
 * boundary, and it spans a whole number of 2 MiB pages (vmalloc_huge()
 * rounds the size up; the size shown adds one 4 KiB guard page). Small
 * pages give neither for the work array, whose 8.5 MiB is no multiple of
 * 2 MiB; and below kmalloc's limit (4 MiB) kvzalloc() would take the 2 MiB
 * chunks of the object table from the direct map, where vmallocinfo does
 * not list them at all.
 */
#include "tlib.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	return tl_finish();
}

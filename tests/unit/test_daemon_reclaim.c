// SPDX-License-Identifier: GPL-2.0
/*
 * daemon/reclaim.c: copies nobody claims, dropped for room on a real disk
 * tier; a key written again since it was noted keeps its newer copy.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk.h"
#include "format.h"
#include "kvtd_reclaim.h"
#include "test_disk_util.h"
#include "test_suites.h"

#define SLOT (256 * 1024ull)

static char path[] = "/tmp/kvtd-reclaim-XXXXXX";
static struct kvtd_disk *d;
static unsigned char *buf;
static struct kvtd_reclaim r;

/* A store with room for exactly five SLOT extents. */
static void setup(void)
{
	uint64_t ext = kvtd_disk_extent_len(SLOT);
	struct kvtd_region reg;
	struct kvtd_tier_cfg cfg = {
		.path = path,
		.size = KVTD_DISK_DATA_START + 5 * ext + 8 * 1024,
		.flags = KVTD_TIER_CREATE, .regions = &reg, .nr_regions = 1,
	};
	int fd;

	strcpy(path, "/tmp/kvtd-reclaim-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	buf = aligned_alloc(4096, SLOT);
	ck_assert_ptr_nonnull(buf);
	reg = (struct kvtd_region){ .addr = buf, .len = SLOT };
	ck_assert_int_eq(kvtd_disk_open(&cfg, &d), 0);
	memset(&r, 0, sizeof(r));
}

static void teardown(void)
{
	kvtd_reclaim_fini(&r);
	kvtd_disk_close(d);
	unlink(path);
	free(buf);
}

static struct kvtd_tier_key key(uint64_t n)
{
	return (struct kvtd_tier_key){ .lo = n, .hi = 7, .ns = 3 };
}

static void put(uint64_t n)
{
	struct kvtd_tier_key k = key(n);

	memset(buf, (int)n, SLOT);
	ck_assert_int_eq(kvtd_disk_write(d, &k, buf, SLOT, 1), 0);
	ck_assert_int_eq(tdisk_wait1(d).res, 0);
}

/* Notes key @n's copy as unclaimed, as reconcile does at start. */
static void note(uint64_t n)
{
	struct kvtd_tier_key k = key(n);
	struct kvtd_tier_cqe c;

	ck_assert_int_eq(kvtd_disk_lookup(d, &k, &c), 0);
	c.key = k;
	ck_assert_int_eq(kvtd_reclaim_add(&r, &c), 0);
}

static int present(uint64_t n)
{
	struct kvtd_tier_key k = key(n);
	struct kvtd_tier_cqe c;

	return kvtd_disk_lookup(d, &k, &c) == 0;
}

START_TEST(unclaimed_make_room)
{
	struct kvtd_tier_key k5 = key(5);
	struct kvtd_tier_cqe c;

	put(0);
	put(1);
	put(2);
	note(0);
	note(1);
	note(2);
	ck_assert_uint_eq(r.n, 3);
	/* Key 1 is written again: its newer copy is no longer unclaimed. */
	put(1);
	put(3);
	put(4);
	ck_assert_int_eq(kvtd_disk_write(d, &k5, buf, SLOT, 1), -ENOSPC);

	/* One copy covers one extent's worth: the last noted goes. */
	ck_assert_uint_eq(kvtd_reclaim_run(&r, d, SLOT, 9), 1);
	ck_assert(!present(2));
	c = tdisk_wait1(d);
	ck_assert_uint_eq(c.op, KVTD_TIER_OP_DROP);
	ck_assert_uint_eq(c.user_data, 9);
	ck_assert_int_eq(c.res, 0);
	ck_assert_uint_eq(r.dropped, 1);
	ck_assert_uint_eq(r.bytes, SLOT);
	put(5);

	/* Key 1's newer copy is skipped and forgotten; key 0's goes. */
	ck_assert_uint_eq(kvtd_reclaim_run(&r, d, 10 * SLOT, 9), 1);
	ck_assert(present(1));
	ck_assert(!present(0));
	ck_assert_uint_eq(tdisk_wait1(d).op, KVTD_TIER_OP_DROP);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_eq(r.dropped, 2);
	ck_assert(present(3) && present(4) && present(5));

	/* Nothing left to give. */
	ck_assert_uint_eq(kvtd_reclaim_run(&r, d, SLOT, 9), 0);
}
END_TEST

START_TEST(list_grows)
{
	struct kvtd_tier_cqe c = { .size = 4096 };
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		c.key = key(i);
		ck_assert_int_eq(kvtd_reclaim_add(&r, &c), 0);
	}
	ck_assert_uint_eq(r.n, 1000);
	ck_assert_uint_ge(r.cap, 1000);
	for (i = 0; i < 1000; i++)
		ck_assert_uint_eq(r.v[i].key.lo, i);
	/* None of them is on this disk: all are forgotten, none dropped. */
	ck_assert_uint_eq(kvtd_reclaim_run(&r, d, ~0ull, 9), 0);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_eq(r.dropped, 0);
}
END_TEST

Suite *daemon_reclaim_suite(void)
{
	Suite *s = suite_create("daemon_reclaim");
	TCase *tc = tcase_create("reclaim");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unclaimed_make_room);
	tcase_add_test(tc, list_grows);
	suite_add_tcase(s, tc);
	return s;
}

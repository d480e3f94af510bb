// SPDX-License-Identifier: GPL-2.0
/*
 * disk_open.c: creating, formatting and re-opening a store, the contract of
 * every refusal, and that a damaged superblock is never formatted over
 * unless asked.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"
#include "format.h"

#define MIB (1024ull * 1024ull)
#define STORE (16 * MIB)

static char path[] = "/tmp/kvtd-open-XXXXXX";

static void setup(void)
{
	int fd;

	strcpy(path, "/tmp/kvtd-open-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void teardown(void)
{
	unlink(path);
}

static int open_store(uint64_t size, uint32_t flags, struct kvtd_disk **d)
{
	struct kvtd_tier_cfg cfg = {
		.path = path, .size = size, .flags = flags,
	};

	return kvtd_disk_open(&cfg, d);
}

/* Writes one 64 KiB object and waits for it. */
static void put_one(struct kvtd_disk *d, uint64_t lo)
{
	struct kvtd_tier_key k = { .lo = lo };
	struct kvtd_tier_cqe c;
	void *buf = aligned_alloc(4096, 65536);

	ck_assert_ptr_nonnull(buf);
	memset(buf, (int)lo, 65536);
	ck_assert_int_eq(kvtd_disk_write(d, &k, buf, 65536, lo), 0);
	ck_assert_int_eq(kvtd_disk_reap(d, &c, 1, 1), 1);
	ck_assert_int_eq(c.res, 0);
	free(buf);
}

static void poke(off_t off, unsigned char xor)
{
	unsigned char b;
	int fd = open(path, O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &b, 1, off), 1);
	b ^= xor;
	ck_assert_int_eq(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

START_TEST(test_create)
{
	struct kvtd_tier_stats st;
	struct kvtd_disk *d;
	struct stat sbuf;
	char magic[8];
	int fd;

	ck_assert_int_eq(open_store(STORE, KVTD_TIER_CREATE, &d), 0);
	kvtd_disk_stats(d, &st);
	ck_assert_uint_eq(st.capacity, STORE - KVTD_DISK_DATA_START);
	ck_assert_uint_eq(st.objects, 0);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_int_ge(kvtd_disk_event_fd(d), 0);
	kvtd_disk_close(d);
	ck_assert_int_eq(stat(path, &sbuf), 0);
	ck_assert_int_eq(sbuf.st_size, STORE);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(pread(fd, magic, 8, 0), 8);
	close(fd);
	ck_assert(!memcmp(magic, "KVTDSUP1", 8));
}
END_TEST

START_TEST(test_no_store)
{
	struct kvtd_disk *d;

	ck_assert_int_eq(open_store(STORE, 0, &d), -ENODATA);
	unlink(path);
	ck_assert_int_eq(open_store(STORE, 0, &d), -ENOENT);
}
END_TEST

START_TEST(test_invalid)
{
	struct kvtd_tier_cfg cfg = { .path = path, .size = STORE,
				     .flags = KVTD_TIER_CREATE };
	struct kvtd_disk *d;

	cfg.flags = 1u << 7;
	ck_assert_int_eq(kvtd_disk_open(&cfg, &d), -EINVAL);
	cfg.flags = KVTD_TIER_CREATE;
	cfg.queue_depth = KVTD_DISK_MAX_QD + 1;
	ck_assert_int_eq(kvtd_disk_open(&cfg, &d), -EINVAL);
	cfg.queue_depth = 0;
	cfg.nr_regions = 1;
	ck_assert_int_eq(kvtd_disk_open(&cfg, &d), -EINVAL);
	cfg.nr_regions = 0;
	cfg.path = NULL;
	ck_assert_int_eq(kvtd_disk_open(&cfg, &d), -EINVAL);
	/* Room for the superblock area but not for one object. */
	ck_assert_int_eq(open_store(MIB + 4096, KVTD_TIER_CREATE, &d), -EINVAL);
}
END_TEST

START_TEST(test_reopen_size)
{
	struct kvtd_tier_stats st;
	struct kvtd_disk *d;

	ck_assert_int_eq(open_store(STORE, KVTD_TIER_CREATE, &d), 0);
	kvtd_disk_close(d);
	ck_assert_int_eq(open_store(0, 0, &d), 0);
	kvtd_disk_stats(d, &st);
	ck_assert_uint_eq(st.capacity, STORE - KVTD_DISK_DATA_START);
	kvtd_disk_close(d);
	ck_assert_int_eq(open_store(STORE, KVTD_TIER_CREATE, &d), 0);
	kvtd_disk_close(d);
	ck_assert_int_eq(open_store(2 * STORE, KVTD_TIER_CREATE, &d), -EINVAL);
}
END_TEST

START_TEST(test_truncate_forgets)
{
	struct kvtd_tier_stats st;
	struct kvtd_tier_key k = { .lo = 5 };
	struct kvtd_tier_cqe c;
	struct kvtd_disk *d;

	ck_assert_int_eq(open_store(STORE, KVTD_TIER_CREATE, &d), 0);
	put_one(d, 5);
	kvtd_disk_close(d);
	ck_assert_int_eq(open_store(STORE, KVTD_TIER_TRUNCATE, &d), 0);
	ck_assert_int_eq(kvtd_disk_lookup(d, &k, &c), -ENOENT);
	kvtd_disk_close(d);
	/*
	 * The old header is still on disk, under the old store's uuid: a
	 * full scan must neither take it nor count it.
	 */
	ck_assert_int_eq(open_store(0, 0, &d), 0);
	kvtd_disk_stats(d, &st);
	ck_assert_uint_eq(st.recovered, 0);
	ck_assert_uint_eq(st.drops_torn + st.drops_corrupt + st.drops_stale, 0);
	ck_assert_int_eq(kvtd_disk_lookup(d, &k, &c), -ENOENT);
	kvtd_disk_close(d);
}
END_TEST

START_TEST(test_bad_superblock_kept)
{
	struct kvtd_disk *d;

	ck_assert_int_eq(open_store(STORE, KVTD_TIER_CREATE, &d), 0);
	put_one(d, 1);
	kvtd_disk_close(d);
	poke(40, 0x40);
	ck_assert_int_eq(open_store(STORE, KVTD_TIER_CREATE, &d), -EBADMSG);
	ck_assert_int_eq(open_store(0, 0, &d), -EBADMSG);
	ck_assert_int_eq(open_store(STORE, KVTD_TIER_TRUNCATE, &d), 0);
	kvtd_disk_close(d);
}
END_TEST

START_TEST(test_ops_table)
{
	const struct kvtd_tier_ops *ops = &kvtd_disk_tier_ops;
	struct kvtd_tier_cfg cfg = { .path = path, .size = STORE,
				     .flags = KVTD_TIER_CREATE };
	struct kvtd_tier_stats st;
	struct kvtd_tier *t;

	ck_assert_str_eq(ops->name, "disk");
	ck_assert_int_eq(ops->open(&cfg, &t), 0);
	ck_assert_ptr_eq(t->ops, ops);
	ck_assert_int_ge(ops->poll_fd(t), 0);
	ops->stats(t, &st);
	ck_assert_uint_eq(st.capacity, STORE - KVTD_DISK_DATA_START);
	ops->close(t);
}
END_TEST

START_TEST(test_close_null)
{
	kvtd_disk_close(NULL);
}
END_TEST

Suite *disk_open_suite(void)
{
	Suite *s = suite_create("disk_open");
	TCase *tc = tcase_create("open");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_no_store);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_reopen_size);
	tcase_add_test(tc, test_truncate_forgets);
	tcase_add_test(tc, test_bad_superblock_kept);
	tcase_add_test(tc, test_ops_table);
	tcase_add_test(tc, test_close_null);
	suite_add_tcase(s, tc);
	return s;
}

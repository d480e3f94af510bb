// SPDX-License-Identifier: GPL-2.0
/*
 * uring.c: I/O from inside a registered region goes as READ_FIXED or
 * WRITE_FIXED, I/O from outside it (or straddling two regions) as plain
 * READ/WRITE, both land the same bytes; linked SQEs run in order; the
 * eventfd is signalled.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uring.h"

#define BLK 4096

static char path[] = "/tmp/kvtd-uring-XXXXXX";
static int fd = -1;
static struct kvtd_uring u;
static char *region;	/* 4 blocks, registered */
static char *outside;	/* 4 blocks, not registered */

static void setup(void)
{
	struct kvtd_region r;
	int tmp;

	strcpy(path, "/tmp/kvtd-uring-XXXXXX");
	tmp = mkstemp(path);
	ck_assert_int_ge(tmp, 0);
	close(tmp);
	fd = open(path, O_RDWR | O_DIRECT);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	region = aligned_alloc(BLK, 4 * BLK);
	outside = aligned_alloc(BLK, 4 * BLK);
	ck_assert(region && outside);
	r.addr = region;
	r.len = 4 * BLK;
	ck_assert_int_eq(kvtd_uring_init(&u, fd, 16, &r, 1), 0);
}

static void teardown(void)
{
	kvtd_uring_fini(&u);
	close(fd);
	unlink(path);
	free(region);
	free(outside);
}

/* Waits for one CQE; returns its result and user data. */
static int reap_one(void **data)
{
	struct io_uring_cqe *cqe;
	int res;

	ck_assert_int_eq(kvtd_uring_wait(&u), 0);
	ck_assert_int_eq(io_uring_peek_cqe(&u.ring, &cqe), 0);
	res = cqe->res;
	*data = io_uring_cqe_get_data(cqe);
	io_uring_cqe_seen(&u.ring, cqe);
	return res;
}

START_TEST(test_fixed_and_plain)
{
	void *data;

	ck_assert_int_eq(kvtd_uring_buf_error(&u), 0);
	memset(region, 'F', 2 * BLK);
	memset(outside, 'P', 2 * BLK);
	ck_assert_int_eq(kvtd_uring_prep_rw(&u, true, region, 2 * BLK, 0,
					    (void *)1, false), 0);
	ck_assert_uint_eq(u.fixed_ios, 1);
	ck_assert_int_eq(kvtd_uring_prep_rw(&u, true, outside, 2 * BLK,
					    2 * BLK, (void *)2, false), 0);
	ck_assert_uint_eq(u.unfixed_ios, 1);
	ck_assert_int_eq(kvtd_uring_submit(&u), 2);
	ck_assert_int_eq(reap_one(&data), 2 * BLK);
	ck_assert_int_eq(reap_one(&data), 2 * BLK);

	/* Read back crosswise: fixed into the plain buffer, and back. */
	memset(region, 0, 4 * BLK);
	memset(outside, 0, 4 * BLK);
	ck_assert_int_eq(kvtd_uring_prep_rw(&u, false, outside, 2 * BLK, 0,
					    (void *)3, false), 0);
	ck_assert_int_eq(kvtd_uring_prep_rw(&u, false, region + 2 * BLK,
					    2 * BLK, 2 * BLK, (void *)4,
					    false), 0);
	ck_assert_int_eq(reap_one(&data), 2 * BLK);
	ck_assert_int_eq(reap_one(&data), 2 * BLK);
	ck_assert_int_eq(outside[0], 'F');
	ck_assert_int_eq(outside[2 * BLK - 1], 'F');
	ck_assert_int_eq(region[2 * BLK], 'P');
	ck_assert_int_eq(region[4 * BLK - 1], 'P');
	ck_assert_uint_eq(u.fixed_ios, 2);
	ck_assert_uint_eq(u.unfixed_ios, 2);
}
END_TEST

START_TEST(test_past_region_end_is_plain)
{
	/* Starts inside the region, ends past it: cannot be fixed. */
	ck_assert_int_eq(kvtd_uring_prep_rw(&u, false, region + 3 * BLK,
					    2 * BLK, 0, NULL, false), 0);
	ck_assert_uint_eq(u.fixed_ios, 0);
	ck_assert_uint_eq(u.unfixed_ios, 1);
	/* Not submitted: the ring is torn down with it queued. */
}
END_TEST

START_TEST(test_link_order)
{
	void *data;
	int res[2];

	memset(region, 'A', BLK);
	memset(region + BLK, 'B', BLK);
	/* Two writes to one block, linked: the second must land last. */
	ck_assert_int_eq(kvtd_uring_prep_rw(&u, true, region, BLK, 0,
					    (void *)1, true), 0);
	ck_assert_int_eq(kvtd_uring_prep_rw(&u, true, region + BLK, BLK, 0,
					    (void *)2, false), 0);
	res[0] = reap_one(&data);
	ck_assert_ptr_eq(data, (void *)1);
	res[1] = reap_one(&data);
	ck_assert_ptr_eq(data, (void *)2);
	ck_assert_int_eq(res[0], BLK);
	ck_assert_int_eq(res[1], BLK);
	ck_assert_int_eq(pread(fd, outside, BLK, 0), BLK);
	ck_assert_int_eq(outside[0], 'B');
}
END_TEST

START_TEST(test_fsync_and_eventfd)
{
	struct pollfd p = { .fd = kvtd_uring_event_fd(&u), .events = POLLIN };
	void *data;

	ck_assert_int_ge(p.fd, 0);
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	ck_assert_int_eq(kvtd_uring_prep_fsync(&u, (void *)7), 0);
	ck_assert_int_eq(kvtd_uring_submit(&u), 1);
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert_int_eq(reap_one(&data), 0);
	ck_assert_ptr_eq(data, (void *)7);
}
END_TEST

START_TEST(test_reserve_submits)
{
	unsigned int i, n = io_uring_sq_space_left(&u.ring);
	void *data;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(kvtd_uring_prep_fsync(&u, NULL), 0);
	ck_assert_int_eq(kvtd_uring_prep_fsync(&u, NULL), -EBUSY);
	/* A full SQ is submitted to make room. */
	ck_assert_int_eq(kvtd_uring_reserve(&u, 2), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(reap_one(&data), 0);
}
END_TEST

START_TEST(test_no_regions)
{
	struct kvtd_uring v;

	ck_assert_int_eq(kvtd_uring_init(&v, fd, 8, NULL, 0), 0);
	ck_assert_int_eq(kvtd_uring_prep_rw(&v, false, region, BLK, 0, NULL,
					    false), 0);
	ck_assert_uint_eq(v.unfixed_ios, 1);
	kvtd_uring_fini(&v);
}
END_TEST

Suite *disk_uring_suite(void)
{
	Suite *s = suite_create("disk_uring");
	TCase *tc = tcase_create("io");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fixed_and_plain);
	tcase_add_test(tc, test_past_region_end_is_plain);
	tcase_add_test(tc, test_link_order);
	tcase_add_test(tc, test_fsync_and_eventfd);
	tcase_add_test(tc, test_reserve_submits);
	tcase_add_test(tc, test_no_regions);
	suite_add_tcase(s, tc);
	return s;
}

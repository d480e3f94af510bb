/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers the suites that drive a real disk tier share. */
#ifndef TEST_DISK_UTIL_H
#define TEST_DISK_UTIL_H

#include <check.h>

#include "disk.h"

/* Waits for the next completion of @d; fails the test if none comes. */
static inline struct kvtd_tier_cqe tdisk_wait1(struct kvtd_disk *d)
{
	struct kvtd_tier_cqe c;

	ck_assert_int_eq(kvtd_disk_reap(d, &c, 1, 1), 1);
	return c;
}

#endif /* TEST_DISK_UTIL_H */

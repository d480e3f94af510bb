/* SPDX-License-Identifier: GPL-2.0 */
/* What the suites that check the daemon's region mappings share. */
#ifndef TEST_MAPS_UTIL_H
#define TEST_MAPS_UTIL_H

#include <check.h>
#include <stdio.h>
#include <string.h>

/*
 * How many mappings of the memfd named @name this process holds, as
 * /proc/self/maps lists them ("/memfd:NAME (deleted)"). A test that maps
 * none of its memfds itself counts the daemon's.
 */
static inline unsigned int tmaps_memfd(const char *name)
{
	char want[128], line[512];
	unsigned int n = 0;
	FILE *f;

	ck_assert_int_lt(snprintf(want, sizeof(want), "/memfd:%s ", name),
			 (int)sizeof(want));
	f = fopen("/proc/self/maps", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, want) != NULL;
	fclose(f);
	return n;
}

#endif /* TEST_MAPS_UTIL_H */

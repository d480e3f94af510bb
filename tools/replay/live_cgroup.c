// SPDX-License-Identifier: GPL-2.0
/*
 * A cgroup v2 per tenant process: the driver's tenant is the cgroup a
 * client opens the device from, so this is what makes tenants real.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"

#define KVTR_LIVE_CGROUP_ROOT "/sys/fs/cgroup"

static int kvtr_live_cgroup_path(uint32_t index, const char *file, char *buf,
				 size_t len)
{
	int n = snprintf(buf, len, KVTR_LIVE_CGROUP_ROOT "/kvtier-replay-%u%s%s",
			 index, file ? "/" : "", file ? file : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int kvtr_live_cgroup_enter(uint32_t index)
{
	char path[128];
	ssize_t n;
	int fd, ret;

	ret = kvtr_live_cgroup_path(index, NULL, path, sizeof(path));
	if (ret)
		return ret;
	/* Left over by a run that was killed: reuse it, it is empty. */
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	ret = kvtr_live_cgroup_path(index, "cgroup.procs", path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* "0" is the writer itself, in cgroup v2. */
	n = write(fd, "0\n", 2);
	ret = n < 0 ? -errno : n != 2 ? -EIO : 0;
	close(fd);
	return ret;
}

int kvtr_live_cgroup_remove(uint32_t index)
{
	char path[128];
	int ret;

	ret = kvtr_live_cgroup_path(index, NULL, path, sizeof(path));
	if (ret)
		return ret;
	return rmdir(path) ? -errno : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * t_smoke: the first VM test. Finds the kvtier render node the way every
 * client must (by driver name, through libdrm), and checks the three things
 * everything else rests on: the DRM driver name, the ABI version, and that
 * the null ioctl (the benchmarks' baseline) succeeds.
 *
 * Raw ioctls on purpose: this test must pass before libkvtier exists and
 * must not fail because of it. Exit 0 all passed, 1 a case failed, 77 skip.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xf86drm.h>

#include "kvtier_drm.h"

#define AREA "smoke"

static int failures;

static void pass(const char *name)
{
	printf("PASS " AREA ":%s\n", name);
}

static void fail(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL " AREA ":%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

/* Returns 1 when the opened DRM fd belongs to the kvtier driver. */
static int is_kvtier(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	int match;

	if (!v)
		return 0;
	match = v->name && strcmp(v->name, KVTIER_DRIVER_NAME) == 0;
	drmFreeVersion(v);
	return match;
}

/*
 * Open the kvtier render node found through drmGetDevices2(). Returns the
 * fd, or -errno: -ENODEV when libdrm lists no kvtier render node.
 */
static int open_kvtier(char *path, size_t len)
{
	drmDevicePtr devs[64];
	int n, i, fd = -ENODEV;

	n = drmGetDevices2(0, devs, 64);
	if (n < 0)
		return n;
	for (i = 0; i < n && fd < 0; i++) {
		const char *node;
		int f;

		if (!(devs[i]->available_nodes & (1 << DRM_NODE_RENDER)))
			continue;
		node = devs[i]->nodes[DRM_NODE_RENDER];
		f = open(node, O_RDWR | O_CLOEXEC);
		if (f < 0)
			continue;
		if (is_kvtier(f)) {
			snprintf(path, len, "%s", node);
			fd = f;
		} else {
			close(f);
		}
	}
	drmFreeDevices(devs, n);
	return fd;
}

/*
 * When libdrm finds nothing, say whether a kvtier node exists at all, so a
 * failure tells "not registered" apart from "registered in a way libdrm
 * cannot enumerate" (a device without a bus libdrm knows).
 */
static void diagnose_missing(void)
{
	DIR *d = opendir("/dev/dri");
	struct dirent *e;

	if (!d) {
		printf("# /dev/dri does not exist\n");
		return;
	}
	while ((e = readdir(d))) {
		char p[300];
		int f;

		if (strncmp(e->d_name, "renderD", 7) != 0)
			continue;
		snprintf(p, sizeof(p), "/dev/dri/%s", e->d_name);
		f = open(p, O_RDWR | O_CLOEXEC);
		if (f < 0)
			continue;
		if (is_kvtier(f))
			printf("# %s is kvtier but drmGetDevices2 missed it\n",
			       p);
		close(f);
	}
	closedir(d);
}

int main(void)
{
	struct drm_kvtier_get_param gp;
	char path[256] = "";
	struct stat st;
	int fd, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);

	if (access("/sys/module/kvtier", F_OK) != 0) {
		printf("SKIP " AREA ": kvtier module not loaded\n");
		return 77;
	}

	fd = open_kvtier(path, sizeof(path));
	if (fd < 0) {
		fail("find_render_node", "no kvtier render node via libdrm (%s)",
		     strerror(-fd));
		diagnose_missing();
		return 1;
	}
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	    strncmp(path, "/dev/dri/renderD", 16) == 0)
		pass("find_render_node");
	else
		fail("find_render_node", "%s is not a render node", path);

	/* open_kvtier matched on the name; check the whole version reads. */
	{
		drmVersionPtr v = drmGetVersion(fd);

		if (!v)
			fail("version_name", "drmGetVersion failed");
		else if (!v->name || strcmp(v->name, "kvtier") != 0)
			fail("version_name", "name \"%s\"",
			     v->name ? v->name : "(null)");
		else
			pass("version_name");
		if (v)
			drmFreeVersion(v);
	}

	memset(&gp, 0, sizeof(gp));
	gp.param = KVTIER_PARAM_ABI_VERSION;
	gp.value = ~0ull;
	ret = drmIoctl(fd, DRM_IOCTL_KVTIER_GET_PARAM, &gp);
	if (ret)
		fail("abi_version", "GET_PARAM: %s", strerror(errno));
	else if (gp.value != KVTIER_ABI_VERSION)
		fail("abi_version", "driver has ABI %llu, header %d",
		     (unsigned long long)gp.value, KVTIER_ABI_VERSION);
	else
		pass("abi_version");

	ret = drmIoctl(fd, DRM_IOCTL_KVTIER_NULL, NULL);
	if (ret)
		fail("null_ioctl", "%s", strerror(errno));
	else
		pass("null_ioctl");

	close(fd);
	return failures ? 1 : 0;
}

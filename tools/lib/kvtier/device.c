// SPDX-License-Identifier: GPL-2.0
/*
 * Finding, opening and closing the kvtier device; parameters and version.
 *
 * The device is found by its DRM driver name, never by a path: render node
 * numbers depend on what else is loaded.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "kvtier_internal.h"

/* Where DRM nodes live; scanned only when libdrm cannot enumerate. */
#define KVTL_DRI_DIR "/dev/dri"

int kvtl_sys_ioctl(void *ctx, int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && errno == EINTR);
	return ret == -1 ? -errno : 0;
}

/* Opens a DRM node the way the library keeps it: non-blocking, so that
 * reading events after poll() can never block. */
static int kvtl_open_node(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);

	return fd < 0 ? -errno : fd;
}

/* 1 when @fd is a kvtier node, 0 when another driver's, -errno when no DRM
 * node at all. */
static int kvtl_is_kvtier(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	int match;

	if (!v)
		return -ENODEV;
	match = v->name && strcmp(v->name, KVTIER_DRIVER_NAME) == 0;
	drmFreeVersion(v);
	return match;
}

/* Tries one candidate node. Return: 1 when it is kvtier (its path copied
 * to @path), 0 when not, -errno when it cannot be opened. */
static int kvtl_try_node(const char *node, char *path, size_t len)
{
	int fd, ret;

	fd = kvtl_open_node(node);
	if (fd < 0)
		return fd;
	ret = kvtl_is_kvtier(fd);
	close(fd);
	if (ret <= 0)
		return 0;
	if (strlen(node) >= len)
		return -ENAMETOOLONG;
	strcpy(path, node);
	return 1;
}

/* Folds a candidate's outcome into the search: the first hit wins; a node
 * that could not be opened turns a final "none" into its -errno (an
 * unreadable node is more likely ours than absent). */
static int kvtl_note(int ret, int *denied)
{
	if (ret < 0 && ret != -ENAMETOOLONG) {
		*denied = ret;
		return 0;
	}
	return ret;
}

static int kvtl_find_libdrm(char *path, size_t len, int *denied)
{
	drmDevicePtr *devs;
	int n, i, ret = 0;

	n = drmGetDevices2(0, NULL, 0);
	if (n < 0)
		return n;
	if (n == 0)
		return 0;
	devs = calloc((size_t)n, sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	n = drmGetDevices2(0, devs, n);
	if (n < 0) {
		free(devs);
		return n;
	}
	for (i = 0; i < n && ret == 0; i++) {
		if (!(devs[i]->available_nodes & (1 << DRM_NODE_RENDER)))
			continue;
		ret = kvtl_note(kvtl_try_node(devs[i]->nodes[DRM_NODE_RENDER],
					      path, len), denied);
	}
	drmFreeDevices(devs, n);
	free(devs);
	return ret;
}

/* libdrm skips devices on buses it cannot describe; scanning the render
 * nodes ourselves still finds them by driver name. */
static int kvtl_find_scan(char *path, size_t len, int *denied)
{
	char node[sizeof(KVTL_DRI_DIR) + 256 + 1];
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	dir = opendir(KVTL_DRI_DIR);
	if (!dir)
		return 0;
	while (ret == 0 && (de = readdir(dir))) {
		if (strncmp(de->d_name, "renderD", 7) != 0)
			continue;
		snprintf(node, sizeof(node), "%s/%s", KVTL_DRI_DIR, de->d_name);
		ret = kvtl_note(kvtl_try_node(node, path, len), denied);
	}
	closedir(dir);
	return ret;
}

int kvtier_find_device(char *path, size_t len)
{
	const char *forced = getenv(KVTIER_DEVICE_ENV);
	int denied = 0, ret;

	if (forced && *forced) {
		if (strlen(forced) >= len)
			return -ENAMETOOLONG;
		strcpy(path, forced);
		return 0;
	}
	ret = kvtl_find_libdrm(path, len, &denied);
	if (ret <= 0 && ret != -ENAMETOOLONG)
		ret = kvtl_find_scan(path, len, &denied);
	if (ret > 0)
		return 0;
	if (ret < 0)
		return ret;
	return denied ? denied : -ENODEV;
}

int kvtl_wrap(struct kvtier **out, int fd, const struct kvtier_params *params,
	      kvtl_ioctl_fn fn, void *ctx)
{
	struct kvtier *kv;

	*out = NULL;
	kv = calloc(1, sizeof(*kv));
	if (!kv)
		return -ENOMEM;
	if (kvtl_evq_init(&kv->events, KVTL_EVQ_INITIAL)) {
		free(kv);
		return -ENOMEM;
	}
	kv->fd = fd;
	if (params)
		kv->params = *params;
	kv->ioctl_fn = fn ? fn : kvtl_sys_ioctl;
	kv->ioctl_ctx = ctx;
	*out = kv;
	return 0;
}

static int kvtl_read_params(struct kvtier *kv)
{
	static const uint32_t ids[] = {
		KVTIER_PARAM_ABI_VERSION, KVTIER_PARAM_FEATURES,
		KVTIER_PARAM_MAX_BATCH, KVTIER_PARAM_MAX_POOLS,
		KVTIER_PARAM_TENANT_ID, KVTIER_PARAM_PAGE_SIZE,
		KVTIER_PARAM_IS_ADMIN,
	};
	uint64_t v[sizeof(ids) / sizeof(ids[0])];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		ret = kvtier_get_param(kv, ids[i], &v[i]);
		if (ret)
			return ret;
		/* Nothing else is worth asking a driver of another ABI. */
		if (i == 0 && v[0] != KVTIER_ABI_VERSION)
			return -EPROTONOSUPPORT;
	}
	kv->params.abi_version = v[0];
	kv->params.features = v[1];
	kv->params.max_batch = v[2];
	kv->params.max_pools = v[3];
	kv->params.tenant_id = v[4];
	kv->params.page_size = v[5];
	kv->params.is_admin = v[6] != 0;
	return 0;
}

int kvtier_open_path(struct kvtier **out, const char *path)
{
	struct kvtier *kv;
	int fd, ret;

	*out = NULL;
	fd = kvtl_open_node(path);
	if (fd < 0)
		return fd;
	ret = kvtl_is_kvtier(fd);
	if (ret <= 0) {
		close(fd);
		return -ENODEV;
	}
	ret = kvtl_wrap(&kv, fd, NULL, NULL, NULL);
	if (ret) {
		close(fd);
		return ret;
	}
	snprintf(kv->path, sizeof(kv->path), "%s", path);
	ret = kvtl_read_params(kv);
	if (ret) {
		kvtier_close(kv);
		return ret;
	}
	*out = kv;
	return 0;
}

int kvtier_open(struct kvtier **out)
{
	char path[sizeof(((struct kvtier *)0)->path)];
	int ret;

	*out = NULL;
	ret = kvtier_find_device(path, sizeof(path));
	if (ret)
		return ret;
	return kvtier_open_path(out, path);
}

void kvtier_close(struct kvtier *kv)
{
	if (!kv)
		return;
	close(kv->fd);
	kvtl_evq_destroy(&kv->events);
	free(kv);
}

int kvtier_fd(const struct kvtier *kv)
{
	return kv->fd;
}

const char *kvtier_path(const struct kvtier *kv)
{
	return kv->path;
}

const struct kvtier_params *kvtier_params(const struct kvtier *kv)
{
	return &kv->params;
}

static void kvtl_copy_str(char *dst, size_t room, const char *src)
{
	snprintf(dst, room, "%s", src ? src : "");
}

int kvtier_version(struct kvtier *kv, struct kvtier_version *ver)
{
	drmVersionPtr v;

	memset(ver, 0, sizeof(*ver));
	v = drmGetVersion(kv->fd);
	if (!v)
		return -ENODEV;
	ver->major = v->version_major;
	ver->minor = v->version_minor;
	ver->patchlevel = v->version_patchlevel;
	kvtl_copy_str(ver->name, sizeof(ver->name), v->name);
	kvtl_copy_str(ver->date, sizeof(ver->date), v->date);
	kvtl_copy_str(ver->desc, sizeof(ver->desc), v->desc);
	drmFreeVersion(v);
	return 0;
}

int kvtier_get_param(struct kvtier *kv, uint32_t param, uint64_t *value)
{
	struct drm_kvtier_get_param req = { .param = param };
	int ret;

	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_GET_PARAM, &req);
	if (ret)
		return ret;
	*value = req.value;
	return 0;
}

int kvtier_null(struct kvtier *kv)
{
	return kvtl_ioctl(kv, DRM_IOCTL_KVTIER_NULL, NULL);
}

uint64_t kvtier_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

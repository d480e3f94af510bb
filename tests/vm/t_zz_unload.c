// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime (runs last: the name sorts last). An open fd or a
 * client's mapping keeps kvtier.ko loaded; with neither it unloads, gives
 * back the pinned memory of the pools it still had, and a fresh load starts
 * empty and works. The manager's mapping is of the pool's shmem file, not
 * of the device: it does not hold the module, and once the module is gone
 * it faults with SIGBUS and the pool's memory is back all the same.
 */
#include "tlib.h"
#include "trace_ctl.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * The big pool: 128 MiB, big enough to see in MemFree through the noise of
 * per-cpu page lists and exiting processes, small for a 1 GiB guest. Half
 * of it must show: a pool allocated lazily, or not freed, shows none.
 */
#define BIG_SLOTS 32768

static uint64_t g_page;

static bool unload_refused(int err)
{
	/* EWOULDBLOCK (== EAGAIN) is what 6.1 returns for a busy module. */
	return err == -EWOULDBLOCK || err == -EBUSY;
}

static void case_busy_with_fd_open(void)
{
	int fd = tl_open(), err;

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	err = tl_module_unload();
	TL_ASSERT(unload_refused(err), "unload with an fd open: %s",
		  tl_errname(err));
	TL_ASSERT(tl_module_loaded(), "/sys/module/kvtier is gone");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_NULL, NULL), 0);
}

static void case_busy_with_mapping(void)
{
	struct drm_kvtier_pool_info pi;
	uint32_t pool;
	void *p;
	int fd = tl_open(), err;

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_pool_create(fd, g_page, 4, &pool), 0);
	TL_EXPECT_RC(tl_pool_info(fd, pool, &pi), 0);
	p = tl_pool_map(fd, &pi);
	TL_ASSERT(p, "mmap");
	close(fd);
	/* The mapping still holds the file, and so the module. */
	err = tl_module_unload();
	TL_ASSERT(unload_refused(err), "unload with a mapping: %s",
		  tl_errname(err));
	TL_ASSERT(tl_module_loaded(), "/sys/module/kvtier is gone");
	munmap(p, 4 * g_page);
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_pool_destroy(fd, pool), 0);
}

/*
 * Unloads the module, which must free a pool of @kib kB: MemFree, @m1 kB
 * before, rises by at least half of it. Whether all of that held.
 */
static bool unload_gives_back(uint64_t m1, uint64_t kib)
{
	int err = tl_module_unload();
	uint64_t m2;

	TL_ASSERT_R(false, !err, "unload: %s", tl_errname(err));
	TL_ASSERT_R(false, !tl_module_loaded(),
		    "/sys/module/kvtier still there");
	m2 = tl_mem_free_kib();
	TL_ASSERT_R(false, m2 > m1 && m2 - m1 >= kib / 2,
		    "unload gave back only %lld of %llu kB",
		    (long long)(m2 - m1), (unsigned long long)kib);
	return true;
}

static void case_unload_frees_memory(void)
{
	const uint64_t kib = BIG_SLOTS * g_page / 1024;
	uint64_t m0, m1;
	uint32_t pool;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	m0 = tl_mem_free_kib();
	TL_ASSERT(m0 > 2 * kib, "MemFree %llu kB: too little to test",
		  (unsigned long long)m0);
	TL_EXPECT_RC(tl_pool_create(fd, g_page, BIG_SLOTS, &pool), 0);
	m1 = tl_mem_free_kib();
	/* The pool is allocated (and pinned) at creation. */
	TL_ASSERT(m0 > m1 && m0 - m1 >= kib / 2,
		  "pool of %llu kB took only %lld kB", (unsigned long long)kib,
		  (long long)(m0 - m1));
	/* The pool outlives the fd; the module frees it at unload. */
	close(fd);
	unload_gives_back(m1, kib);
}

/* Load $KVTIER_KO; true when it is loaded and its device found. */
static bool load(void)
{
	int err = tl_module_load();

	TL_ASSERT_R(false, !err, "loading %s: %s", getenv("KVTIER_KO"),
		    tl_errname(err));
	TL_ASSERT_R(false, tl_module_loaded(),
		    "/sys/module/kvtier missing after load");
	return true;
}

static void case_reload(void)
{
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_stats st;
	uint32_t id, pool;
	int fd;

	/* If the previous case could not unload, try once more here. */
	if (tl_module_loaded())
		TL_EXPECT_RC(tl_module_unload(), 0);
	if (!load())
		return;
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	/* A fresh instance: no pools, no objects, only us. */
	for (id = 1; id <= KVTIER_MAX_POOLS; id++)
		TL_ASSERT(tl_pool_info(fd, id, &pi) == -ENOENT,
			  "pool %u exists after reload", id);
	TL_EXPECT_RC(tl_stats(fd, &st), 0);
	TL_EXPECT_EQ(st.objects, 0);
	TL_EXPECT_EQ(st.allocs, 0);
	TL_EXPECT_EQ(st.clients, 1);
	TL_EXPECT_RC(tl_pool_create(fd, g_page, 8, &pool), 0);
	TL_EXPECT_RC(tl_make_ready(fd, pool, tl_key(1), g_page, NULL), 0);
	TL_EXPECT_RC(tl_pool_destroy(fd, pool), -EBUSY);
	close(fd);
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	{
		struct drm_kvtier_lookup_result r;

		TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
		TL_ASSERT(r.handle, "committed object lost");
		TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, r.handle, 0), 0);
	}
	TL_EXPECT_RC(tl_pool_destroy(fd, pool), 0);
}

/*
 * With the module gone, kvtier-trace's driver tools say exactly that and
 * exit 1; the daemon's tools (USDT) do not need it.
 */
static void trace_refuses_unloaded(void)
{
	static const char *const latency[] = { "latency", "--check", NULL };
	static const char *const transfers[] = { "transfers", "--check", NULL };
	char err[1024];
	int rc = -1;

	if (access("/bin/kvtier-trace", X_OK))
		return;		/* no tracing tools in this VM */
	TL_EXPECT_RC(tctl_run(latency, 0, &rc, err, sizeof(err)), 0);
	TL_ASSERT(rc == 1 && strstr(err, "kvtier.ko is not loaded"),
		  "kvtier-trace latency exited %d: %s", rc, err);
	TL_EXPECT_RC(tctl_run(transfers, 0, &rc, err, sizeof(err)), 0);
	TL_ASSERT(rc == 0, "kvtier-trace transfers --check exited %d: %s", rc,
		  err);
}

static void case_manager_mapping_unload(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	const uint64_t kib = BIG_SLOTS * g_page / 1024;
	struct drm_kvtier_pool_info pi;
	uint64_t m1;
	uint32_t pool;
	uint8_t *p;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
	TL_EXPECT_RC(tl_pool_create(fd, g_page, BIG_SLOTS, &pool), 0);
	TL_EXPECT_RC(tl_pool_info(fd, pool, &pi), 0);
	p = tl_pool_map(fd, &pi);
	TL_ASSERT(p, "mmap");
	p[g_page] = 0x5a;
	close(fd);
	m1 = tl_mem_free_kib();
	if (!unload_gives_back(m1, kib))
		return;
	TL_EXPECT_EQ(tl_probe(p + g_page, false), SIGBUS);
	TL_ASSERT(!munmap(p, BIG_SLOTS * g_page), "munmap");
	trace_refuses_unloaded();
	/* Leave the module loaded, as the harness expects. */
	load();
}

int main(void)
{
	tl_init("unload");
	if (!getenv("KVTIER_KO"))
		tl_skip("KVTIER_KO not set (run inside the test VM)");
	g_page = tl_page();
	tl_run("busy_with_fd_open", case_busy_with_fd_open);
	tl_run("busy_with_mapping", case_busy_with_mapping);
	tl_run("unload_frees_memory", case_unload_frees_memory);
	tl_run("reload", case_reload);
	tl_run("manager_mapping_unload", case_manager_mapping_unload);
	return tl_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What one tenant must never do to another's bytes, and what a client must
 * never do to a committed object, whatever it does with its mappings:
 *
 * - a committed object is read-only in every client mapping, its writer's
 *   too, and through /proc/<pid>/mem (get_user_pages) as well;
 * - a client mapping never shows a pool created later under the same id;
 * - the manager's mapping cannot punch holes in a pool, nor can anyone
 *   truncate or write it through a descriptor of its file;
 * - DEVICE work queued for a region is cancelled when the region goes
 *   (unregistered, or its owner closes), so that nothing is ever copied into
 *   the region that takes the id next, and no transfer pin is left behind.
 */
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NSLOTS 16

static uint32_t g_pool;
static uint64_t g_page;

static bool all_bytes(const uint8_t *p, uint64_t len, uint8_t v)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* pwrite() through /proc/self/mem: get_user_pages() with FOLL_FORCE. */
static ssize_t mem_write(void *addr, uint8_t v)
{
	ssize_t n;
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = pwrite(fd, &v, 1, (off_t)(uintptr_t)addr);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/* ---- committed objects are read-only -------------------------------------- */

static void user_committed_readonly(void *arg TL_UNUSED)
{
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_alloc_item a;
	uint8_t *p;
	int fd = tl_open_user(), sig;

	TL_ASSERT(fd >= 0, "open as user: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), 2 * g_page, &a), 0);
	p = tl_map_pool(fd, g_pool, &pi);
	TL_ASSERT(p, "no mapping");
	/* Writing is what a WRITING object is for. */
	memset(p + a.offset, 0x33, 2 * g_page);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, a.handle, 0), 0);

	sig = tl_probe(p + a.offset, true);
	TL_ASSERT(sig == SIGBUS, "owner's write after commit: got %d, want SIGBUS",
		  sig);
	sig = tl_probe(p + a.offset + 2 * g_page - 1, true);
	TL_ASSERT(sig == SIGBUS, "write to the last byte: got %d", sig);
	TL_ASSERT(mem_write(p + a.offset + 5, 0x44) < 0,
		  "/proc/self/mem wrote into a committed object");
	TL_ASSERT(tl_probe(p + a.offset, false) == 0, "read after commit");
	TL_ASSERT(all_bytes(p + a.offset, 2 * g_page, 0x33),
		  "committed bytes changed");
	/* A new mapping of the same slots is read-only as well. */
	TL_ASSERT(!munmap(p, pi.slot_size * pi.slot_count), "munmap");
	p = tl_map_pool(fd, g_pool, &pi);
	TL_ASSERT(p, "no mapping");
	sig = tl_probe(p + a.offset + g_page, true);
	TL_ASSERT(sig == SIGBUS, "write through a new mapping: got %d", sig);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);

	/* One freed while being written takes no more writes either. */
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(8), g_page, &a), 0);
	memset(p + a.offset, 0x34, g_page);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	sig = tl_probe(p + a.offset, true);
	TL_ASSERT(sig == SIGBUS, "write after FREE of a WRITING object: %d",
		  sig);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a.handle, 0), 0);
}

static void case_committed_readonly(void)
{
	tl_join(tl_spawn(user_committed_readonly, NULL), "user");
}

/* Another tenant, with a reference from an ACQUIRE lookup on a GLOBAL. */
static void tenant_b_poison(void *arg)
{
	struct drm_kvtier_alloc_item *a = arg;
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_pool_info pi;
	uint8_t *p;
	int fd, err, sig;

	err = tl_cg_enter("iso-b");
	TL_ASSERT(!err, "cgroup: %s", tl_errname(err));
	fd = tl_open_user();
	TL_ASSERT(fd >= 0, "open as user: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(2), KVTIER_LOOKUP_ACQUIRE, &r), 0);
	TL_ASSERT(r.flags & KVTIER_LOOKUP_GLOBAL, "not found as global");
	TL_EXPECT_EQ(r.handle, a->handle);
	p = tl_map_pool(fd, g_pool, &pi);
	TL_ASSERT(p, "no mapping");
	TL_ASSERT(all_bytes(p + r.offset, g_page, 0x5e), "reads other bytes");
	sig = tl_probe(p + r.offset, true);
	TL_ASSERT(sig == SIGBUS, "other tenant's write: got %d, want SIGBUS",
		  sig);
	TL_ASSERT(mem_write(p + r.offset, 0x66) < 0,
		  "/proc/self/mem wrote into a global object");
}

static void case_global_readonly_for_others(void)
{
	struct drm_kvtier_alloc_item *a = tl_shared_alloc(sizeof(*a));
	struct drm_kvtier_pool_info pi;
	uint8_t *p;
	int fd = tl_open(), err;

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_ASSERT(a, "shared memory");
	err = tl_cg_create("iso-b", NULL);
	TL_ASSERT(!err, "cgroup: %s", tl_errname(err));
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, KVTIER_ALLOC_GLOBAL, tl_key(2),
			       g_page, a), 0);
	p = tl_map_pool(fd, g_pool, &pi);
	TL_ASSERT(p, "no mapping");
	memset(p + a->offset, 0x5e, g_page);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, a->handle, 0), 0);
	/* The admin that wrote it cannot change it either. */
	TL_ASSERT(tl_probe(p + a->offset, true) == SIGBUS,
		  "admin's write after commit");
	tl_join(tl_spawn(tenant_b_poison, a), "tenant b");
	TL_ASSERT(all_bytes(p + a->offset, g_page, 0x5e),
		  "global object's bytes changed");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a->handle, 0), 0);
}

/* ---- a mapping never outlives its pool ------------------------------------ */

struct recreate {
	uint32_t pool;
	uint64_t size;
	struct tl_chan go, done;
};

/* A user maps the pool, then waits for it to be recreated under its id. */
static void user_stale_mapping(void *arg)
{
	struct recreate *rc = arg;
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_alloc_item a;
	uint8_t *old, *cur;
	uint64_t v;
	int fd = tl_open_user(), sig;

	TL_ASSERT(fd >= 0, "open as user: %s", tl_errname(fd));
	old = tl_map_pool(fd, rc->pool, &pi);
	TL_ASSERT(old, "no mapping");
	TL_EXPECT_RC(tl_chan_send(&rc->done, 1), 0);
	TL_EXPECT_RC(tl_chan_recv(&rc->go, &v, TL_WAIT_MS), 0);

	/* The pool now is another one: an object of ours in it, at 0. */
	TL_EXPECT_RC(tl_alloc1(fd, rc->pool, 0, tl_key(3), g_page, &a), 0);
	cur = tl_map_pool(fd, rc->pool, &pi);
	TL_ASSERT(cur, "no mapping");
	memset(cur + a.offset, 0x77, g_page);
	sig = tl_probe(old + a.offset, false);
	TL_ASSERT(sig == SIGBUS, "old mapping reads the new pool: got %d", sig);
	sig = tl_probe(old + a.offset, true);
	TL_ASSERT(sig == SIGBUS, "old mapping writes the new pool: got %d",
		  sig);
	TL_ASSERT(all_bytes(cur + a.offset, g_page, 0x77), "bytes changed");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	/*
	 * Gone before the parent destroys the pool: at exit, the files the
	 * mappings hold would be released later, by a kworker.
	 */
	munmap(old, pi.slot_size * pi.slot_count);
	munmap(cur, pi.slot_size * pi.slot_count);
	close(fd);
}

static void case_stale_mapping_after_recreate(void)
{
	struct recreate *rc = tl_shared_alloc(sizeof(*rc));
	struct drm_kvtier_pool_info pi, pi2;
	struct drm_kvtier_alloc_item a;
	uint8_t *old, *cur;
	uint32_t again;
	uint64_t v;
	pid_t child;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_ASSERT(rc && !tl_chan_init(&rc->go) && !tl_chan_init(&rc->done),
		  "channels");
	TL_EXPECT_RC(tl_pool_create(fd, g_page, NSLOTS, &rc->pool), 0);
	old = tl_map_pool(fd, rc->pool, &pi);
	TL_ASSERT(old, "no mapping");
	TL_ASSERT(tl_probe(old, false) == 0, "admin reads its pool");
	child = tl_spawn(user_stale_mapping, rc);
	TL_EXPECT_RC(tl_chan_recv(&rc->done, &v, TL_WAIT_MS), 0);

	TL_EXPECT_RC(tl_pool_destroy(fd, rc->pool), 0);
	TL_ASSERT(tl_probe(old, false) == SIGBUS, "destroyed pool still read");
	TL_EXPECT_RC(tl_pool_create(fd, g_page, NSLOTS, &again), 0);
	TL_ASSERT(again == rc->pool, "the id was not reused (%u, then %u)",
		  rc->pool, again);
	TL_EXPECT_RC(tl_pool_info(fd, again, &pi2), 0);
	TL_ASSERT(pi2.serial != pi.serial, "same serial for two pools");

	/* The admin's old mapping: not the new pool, which has bytes now. */
	TL_EXPECT_RC(tl_alloc1(fd, again, 0, tl_key(4), g_page, &a), 0);
	cur = tl_map_pool(fd, again, &pi2);
	TL_ASSERT(cur, "no mapping");
	memset(cur + a.offset, 0x66, g_page);
	TL_ASSERT(tl_probe(old + a.offset, false) == SIGBUS,
		  "admin's old mapping reads the new pool");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	/* The reference the allocation gave, which FREE leaves. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a.handle, 0), 0);

	TL_EXPECT_RC(tl_chan_send(&rc->go, 1), 0);
	tl_join(child, "user");
	TL_EXPECT_RC(tl_pool_destroy(fd, again), 0);
}

/* ---- the manager cannot punch holes in a pool ----------------------------- */

static void case_manager_cannot_punch(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_alloc_item a;
	char path[96];
	uint8_t *m, *c;
	int mfd = tl_open(), cfd = tl_open(), ffd, ret;
	uint64_t len;

	TL_ASSERT(mfd >= 0 && cfd >= 0, "open");
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
	m = tl_map_pool(mfd, g_pool, &pi);
	TL_ASSERT(m, "no manager mapping");
	len = pi.slot_size * pi.slot_count;
	TL_EXPECT_RC(tl_alloc1(cfd, g_pool, 0, tl_key(5), g_page, &a), 0);
	c = tl_map_pool(cfd, g_pool, &pi);
	TL_ASSERT(c, "no client mapping");
	memset(c + a.offset, 0x66, g_page);
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_COMMIT, a.handle, 0), 0);
	TL_ASSERT(c[a.offset] == 0x66, "client read");

	ret = madvise(m + a.offset, g_page, MADV_REMOVE);
	TL_ASSERT(ret == -1 && errno == EPERM,
		  "MADV_REMOVE on the manager's mapping: %d (%s)", ret,
		  ret ? strerror(errno) : "done");
	/* The pool's file, opened through the manager's mapping. */
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)(uintptr_t)m,
		 (unsigned long)(uintptr_t)(m + len));
	ffd = open(path, O_RDWR | O_CLOEXEC);
	TL_ASSERT(ffd >= 0, "open %s: %s", path, strerror(errno));
	ret = fallocate(ffd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			(off_t)a.offset, (off_t)g_page);
	TL_ASSERT(ret == -1 && errno == EPERM, "punch through the file: %s",
		  ret ? strerror(errno) : "done");
	ret = ftruncate(ffd, 0);
	TL_ASSERT(ret == -1 && errno == EPERM, "truncate: %s",
		  ret ? strerror(errno) : "done");
	ret = ftruncate(ffd, (off_t)(2 * len));
	TL_ASSERT(ret == -1 && errno == EPERM, "grow: %s",
		  ret ? strerror(errno) : "done");
	ret = (int)pwrite(ffd, "x", 1, (off_t)a.offset);
	TL_ASSERT(ret == -1 && errno == EPERM, "pwrite to the file: %s",
		  ret < 0 ? strerror(errno) : "done");
	close(ffd);

	/* Both views still agree, and the manager may still write. */
	TL_ASSERT(all_bytes(c + a.offset, g_page, 0x66), "client view changed");
	TL_ASSERT(all_bytes(m + a.offset, g_page, 0x66), "manager view differs");
	TL_ASSERT(tl_probe(m + a.offset + g_page, true) == 0,
		  "manager write to a free slot");
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_FREE, a.handle, 0), 0);
	close(cfd);
	close(mfd);
}

/* ---- DEVICE work dies with its region ------------------------------------- */

static int region_memfd(int fd, uint64_t size, uint32_t *id)
{
	struct drm_kvtier_region_register reg = {
		.size = size, .cookie = 0xa11ce, .kind = KVTIER_REGION_KIND_MEMFD,
	};
	int mfd, err;

	mfd = memfd_create("kvtier-iso", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	if (ftruncate(mfd, (off_t)size) ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		err = -errno;
		close(mfd);
		return err;
	}
	reg.fd = mfd;
	err = tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &reg);
	close(mfd);
	*id = reg.region_id;
	return err;
}

enum gone_how { GONE_UNREGISTER, GONE_CLOSE };

/*
 * A client queues a DEVICE fetch while no manager takes work, then its
 * region goes. The work must be gone with it: the manager that attaches
 * after finds nothing, and the object can be freed (no transfer pin).
 */
static void region_gone_cancels(enum gone_how how)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	struct drm_kvtier_region_unregister ur = { 0 };
	struct drm_kvtier_event_fetch ev;
	struct drm_kvtier_work_item w;
	struct drm_kvtier_work_recv wr = {
		.items_ptr = (uintptr_t)&w, .count = 1,
	};
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_stats st;
	struct drm_kvtier_fetch f;
	uint32_t id;
	int fd = tl_open(), cfd = tl_open(), mfd;

	TL_ASSERT(fd >= 0 && cfd >= 0, "open");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(6), g_page, &a), 0);
	TL_EXPECT_RC(tl_lookup1(cfd, tl_key(6), KVTIER_LOOKUP_ACQUIRE, &r), 0);
	TL_EXPECT_RC(region_memfd(cfd, 4 * g_page, &id), 0);
	TL_EXPECT_RC(tl_fetch1(cfd, a.handle, KVTIER_TIER_DEVICE, id, g_page,
			       7, &f, &fi), 0);
	TL_EXPECT_EQ(fi.result, 1);
	/* The transfer pins the HOST copy. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), -EBUSY);

	if (how == GONE_UNREGISTER) {
		ur.region_id = id;
		TL_EXPECT_RC(tl_ioctl(cfd, DRM_IOCTL_KVTIER_REGION_UNREGISTER,
				      &ur), 0);
		TL_EXPECT_RC(tl_read_fetch_event(cfd, TL_WAIT_MS, &ev), 0);
		TL_EXPECT_EQ(ev.failed, 1);
		TL_EXPECT_EQ(ev.completed, 0);
		TL_EXPECT_RC(ev.status, -ENOENT);
	}
	close(cfd);

	mfd = tl_open();
	TL_ASSERT(mfd >= 0, "open");
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
	TL_EXPECT_EQ(ma.requeued, 0);
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_WORK_RECV, &wr), -ETIME);
	TL_EXPECT_RC(tl_stats(fd, &st), 0);
	TL_EXPECT_EQ(st.work_pending, 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	close(mfd);
	close(fd);
}

static void case_unregister_cancels_work(void)
{
	region_gone_cancels(GONE_UNREGISTER);
}

static void case_close_cancels_work(void)
{
	region_gone_cancels(GONE_CLOSE);
}

/*
 * Work a manager already holds names its region by generation: once the
 * region goes and another client's region takes the id, the manager cannot
 * open the new region with the work's generation, and the completion fails.
 */
static void case_region_generation(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	struct drm_kvtier_region_unregister ur = { 0 };
	struct drm_kvtier_region_get_fd gf = { 0 };
	struct drm_kvtier_event_fetch ev;
	struct drm_kvtier_work_item w;
	struct drm_kvtier_work_recv wr = {
		.items_ptr = (uintptr_t)&w, .count = 1,
	};
	struct drm_kvtier_work_done d = { 0 };
	struct drm_kvtier_work_complete wc = {
		.items_ptr = (uintptr_t)&d, .count = 1,
	};
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_fetch f;
	uint32_t id, id2;
	int fd = tl_open(), afd = tl_open(), bfd = tl_open(), mfd = tl_open();

	TL_ASSERT(fd >= 0 && afd >= 0 && bfd >= 0 && mfd >= 0, "open");
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(7), g_page, &a), 0);
	TL_EXPECT_RC(tl_lookup1(afd, tl_key(7), KVTIER_LOOKUP_ACQUIRE, &r), 0);
	TL_EXPECT_RC(region_memfd(afd, 2 * g_page, &id), 0);
	TL_EXPECT_RC(tl_fetch1(afd, a.handle, KVTIER_TIER_DEVICE, id, 0, 9, &f,
			       &fi), 0);
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_WORK_RECV, &wr), 0);
	TL_EXPECT_EQ(wr.count, 1);
	TL_EXPECT_EQ(w.region_id, id);
	TL_ASSERT(w.region_gen != 0, "no generation");

	ur.region_id = id;
	TL_EXPECT_RC(tl_ioctl(afd, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &ur), 0);
	TL_EXPECT_RC(region_memfd(bfd, 2 * g_page, &id2), 0);
	TL_EXPECT_EQ(id2, id);

	gf.region_id = id;
	gf.gen = w.region_gen;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_REGION_GET_FD, &gf),
		     -ESTALE);
	gf.gen = 0;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_REGION_GET_FD, &gf), 0);
	TL_ASSERT(gf.gen != w.region_gen, "the new region has the old gen");
	close(gf.fd);

	d.work_id = w.work_id;
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc), 0);
	TL_EXPECT_RC(tl_read_fetch_event(afd, TL_WAIT_MS, &ev), 0);
	TL_EXPECT_EQ(ev.failed, 1);
	TL_EXPECT_RC(ev.status, -ENOENT);
	close(afd);
	close(bfd);
	close(mfd);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	close(fd);
}

int main(void)
{
	tl_init("isolation");
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, NSLOTS);
	tl_run("committed_readonly", case_committed_readonly);
	tl_run("global_readonly_for_others", case_global_readonly_for_others);
	tl_run("stale_mapping_after_recreate",
	       case_stale_mapping_after_recreate);
	tl_run("manager_cannot_punch", case_manager_cannot_punch);
	tl_run("unregister_cancels_work", case_unregister_cancels_work);
	tl_run("close_cancels_work", case_close_cancels_work);
	tl_run("region_generation", case_region_generation);
	tl_teardown_pool(g_pool);
	tl_cg_remove("iso-b");
	return tl_finish();
}

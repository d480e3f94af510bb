// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/exec.c, the executor: work items in the backlog
 * become copies from a pool into device regions, or disk reads into them,
 * and their completions go to the driver in batches.
 *
 * The driver is a fake ioctl installed through kvtl_wrap() that answers
 * REGION_GET_FD (by id and generation, as kvtier.ko does) and records
 * WORK_COMPLETE; the DEVICE tier is the real CPU one, over real memfds;
 * the HOST tier is one pool, a memfd this file maps. The disk tests add
 * the real disk tier, on a file in /var/tmp.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../tools/lib/kvtier/kvtier_internal.h"
#include "kvtd_manager.h"
#include "test_maps_util.h"
#include "test_suites.h"

#define POOL_ID 1u
#define POOL_SIZE (1u << 20)
#define RSIZE (256u << 10)
#define OBJ (64u << 10)
#define MAX_DONE 512

/* ---------------------------------------------------------------------
 * The fake driver.
 */

struct fake_region {
	int fd;			/* -1: no region holds the id */
	uint32_t gen;
	uint64_t cookie;
	uint64_t size;
};

struct fake_drv {
	struct fake_region r[KVTIER_MAX_REGIONS + 1];
	unsigned int get_fd_calls;
	/*
	 * A region registered under @swap_id once @swap_after REGION_GET_FDs
	 * have been answered, in place of the one there (whose fd goes to
	 * @swapped_fd): a client's region replaced between two of the
	 * daemon's lookups in one batch.
	 */
	uint32_t swap_id;
	unsigned int swap_after;
	struct fake_region swap;
	int swapped_fd;
	/* WORK_COMPLETE: the calls, and the items the driver took. */
	unsigned int complete_calls;
	unsigned int refuse_completes;	/* refuse this many as a whole */
	uint64_t not_held;		/* a work id this manager lacks */
	struct drm_kvtier_work_done done[MAX_DONE];
	unsigned int nr_done;
};

static struct fake_drv drv;

static int fake_ioctl(void *ctx, int fd, unsigned long request, void *arg)
{
	struct fake_drv *f = ctx;

	switch (request) {
	case DRM_IOCTL_KVTIER_REGION_GET_FD: {
		struct drm_kvtier_region_get_fd *g = arg;
		struct fake_region *r;

		if (f->swap_id && f->get_fd_calls == f->swap_after) {
			f->swapped_fd = f->r[f->swap_id].fd;
			f->r[f->swap_id] = f->swap;
			f->swap_id = 0;
		}
		f->get_fd_calls++;
		if (g->flags || g->pad)
			return -EINVAL;
		if (g->region_id == 0 || g->region_id > KVTIER_MAX_REGIONS ||
		    drv.r[g->region_id].fd < 0)
			return -ENOENT;
		r = &f->r[g->region_id];
		if (g->gen && g->gen != r->gen)
			return -ESTALE;
		g->gen = r->gen;
		g->cookie = r->cookie;
		g->size = r->size;
		g->kind = KVTIER_REGION_KIND_MEMFD;
		g->fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0);
		return g->fd < 0 ? -errno : 0;
	}
	case DRM_IOCTL_KVTIER_WORK_COMPLETE: {
		struct drm_kvtier_work_complete *req = arg;
		struct drm_kvtier_work_done *d = (void *)(uintptr_t)req->items_ptr;
		uint32_t i;

		f->complete_calls++;
		if (f->refuse_completes) {
			/* As the driver failing to copy the array in. */
			f->refuse_completes--;
			return -ENOMEM;
		}
		req->failed = 0;
		for (i = 0; i < req->count; i++) {
			d[i].result = d[i].work_id == f->not_held ? -ENOENT : 0;
			req->failed += d[i].result != 0;
			if (!d[i].result && f->nr_done < MAX_DONE)
				f->done[f->nr_done++] = d[i];
		}
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

/* The completion the driver took for @work_id, or NULL. */
static const struct drm_kvtier_work_done *completed(uint64_t work_id)
{
	const struct drm_kvtier_work_done *found = NULL;
	unsigned int i;

	for (i = 0; i < drv.nr_done; i++) {
		if (drv.done[i].work_id != work_id)
			continue;
		ck_assert_msg(!found, "work %llu completed twice",
			      (unsigned long long)work_id);
		found = &drv.done[i];
	}
	return found;
}

/* ---------------------------------------------------------------------
 * The HOST tier: one pool, a mapped memfd.
 */

static unsigned char *pool;

static int pool_lookup(struct kvtd_mem_tier *t, const struct kvtd_space *s,
		       void **base, uint64_t *size)
{
	if (s->id != POOL_ID)
		return -ENOENT;
	*base = pool;
	*size = POOL_SIZE;
	return 0;
}

static void pool_revalidate(struct kvtd_mem_tier *t)
{
}

static const struct kvtd_mem_tier_ops pool_ops = {
	.name = "test-pool",
	.lookup = pool_lookup,
	.revalidate = pool_revalidate,
};

static struct kvtd_mem_tier pool_tier = { .ops = &pool_ops };

/* ---------------------------------------------------------------------
 * The manager under test.
 */

static struct kvtd_config cfg;
static struct kvtd_manager m;

static int region_fd(void *ctx, uint32_t region_id, uint32_t gen,
		     struct drm_kvtier_region_get_fd *out)
{
	return kvtier_region_get_fd_gen(ctx, region_id, gen, out);
}

static void setup(void)
{
	int fd, i;

	memset(&drv, 0, sizeof(drv));
	for (i = 0; i <= (int)KVTIER_MAX_REGIONS; i++)
		drv.r[i].fd = -1;
	drv.swapped_fd = -1;
	drv.not_held = UINT64_MAX;
	pool = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(pool, MAP_FAILED);
	for (i = 0; i < (int)POOL_SIZE; i++)
		pool[i] = (unsigned char)(i * 7 + (i >> 12) + 1);

	memset(&cfg, 0, sizeof(cfg));
	cfg.queue_depth = 4;
	memset(&m, 0, sizeof(m));
	m.cfg = &cfg;
	m.sfd = m.tfd = m.epfd = -1;
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kvtl_wrap(&m.kv, fd, NULL, fake_ioctl, &drv), 0);
	m.host = &pool_tier;
	ck_assert_int_eq(kvtd_device_cpu_tier_open(region_fd, m.kv, 1, &m.dev),
			 0);
	ck_assert_int_eq(kvtd_exec_init(&m), 0);
}

/* As kvtd_manager_close(): the disk's I/O ends before the executor's. */
static void manager_stop(void)
{
	kvtd_disk_close(m.disk);
	m.disk = NULL;
	kvtd_exec_fini(&m);
	m.dev->ops->close(m.dev);
	m.dev = NULL;
}

static void teardown(void)
{
	unsigned int i;

	if (m.dev)
		manager_stop();
	if (m.host != &pool_tier)
		m.host->ops->close(m.host);
	kvtier_close(m.kv);
	munmap(pool, POOL_SIZE);
	for (i = 0; i <= KVTIER_MAX_REGIONS; i++)
		if (drv.r[i].fd >= 0)
			close(drv.r[i].fd);
	if (drv.swap_id)
		close(drv.swap.fd);
	if (drv.swapped_fd >= 0)
		close(drv.swapped_fd);
}

/* The memfd name of region @id at generation @gen. */
static void region_name(char *name, size_t room, uint32_t id, uint32_t gen)
{
	ck_assert_int_lt(snprintf(name, room, "kvtd-exec-%u-%u", id, gen),
			 (int)room);
}

/*
 * Register a region under @id: a new memfd of RSIZE bytes, sealed as the
 * driver requires, filled with @fill, at generation @gen with @cookie.
 * Returns its fd, which the fake keeps (closed at teardown).
 */
static struct fake_region region_new(uint32_t id, uint32_t gen,
				      uint64_t cookie, unsigned char fill)
{
	unsigned char buf[4096];
	char name[64];
	int fd, i;

	region_name(name, sizeof(name), id, gen);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, RSIZE), 0);
	ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	memset(buf, fill, sizeof(buf));
	for (i = 0; i < (int)(RSIZE / sizeof(buf)); i++)
		ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), i * sizeof(buf)),
				 sizeof(buf));
	return (struct fake_region){ .fd = fd, .gen = gen, .cookie = cookie,
				     .size = RSIZE };
}

static int region(uint32_t id, uint32_t gen, uint64_t cookie,
		  unsigned char fill)
{
	drv.r[id] = region_new(id, gen, cookie, fill);
	return drv.r[id].fd;
}

/*
 * Region @id of generation @gen replaces the one holding the id once
 * @after REGION_GET_FDs have been answered. Returns its fd.
 */
static int region_later(uint32_t id, uint32_t gen, uint64_t cookie,
			unsigned char fill, unsigned int after)
{
	drv.swap = region_new(id, gen, cookie, fill);
	drv.swap_id = id;
	drv.swap_after = after;
	return drv.swap.fd;
}

/* How many mappings of region @id at generation @gen the daemon holds. */
static unsigned int region_maps(uint32_t id, uint32_t gen)
{
	char name[64];

	region_name(name, sizeof(name), id, gen);
	return tmaps_memfd(name);
}

/* The region holding @id goes; its memfd stays open for the test. */
static int region_gone(uint32_t id)
{
	int fd = drv.r[id].fd;

	drv.r[id].fd = -1;
	return fd;
}

static struct drm_kvtier_work_item h2d(uint64_t work_id, uint64_t src_off,
				       uint32_t region_id, uint32_t gen,
				       uint64_t cookie, uint64_t dst_off,
				       uint64_t size)
{
	return (struct drm_kvtier_work_item){
		.work_id = work_id,
		.handle = 1000 + work_id,
		.key = { .lo = work_id, .hi = 1 },
		.tenant_id = 42,
		.size = size,
		.src_offset = src_off,
		.dst_offset = dst_off,
		.region_cookie = cookie,
		.op = KVTIER_WORK_FETCH,
		.src_tier = KVTIER_TIER_HOST,
		.dst_tier = KVTIER_TIER_DEVICE,
		.region_id = region_id,
		.pool_id = POOL_ID,
		.region_gen = gen,
	};
}

/* One batch of work, as the loop runs it: received, started, flushed. */
static void run(const struct drm_kvtier_work_item *w, uint32_t n)
{
	ck_assert_uint_le(n, KVTD_RECV_BATCH);
	ck_assert_uint_eq(m.bl_count, 0);
	memcpy(m.backlog, w, n * sizeof(*w));
	m.bl_pos = 0;
	m.bl_count = n;
	m.ctr.work_received += n;
	kvtd_exec_drain(&m);
	kvtd_exec_flush(&m);
}

/* Whether [off, off + len) of @fd holds @len bytes of @fill. */
static bool all(int fd, uint64_t off, uint64_t len, unsigned char fill)
{
	unsigned char buf[4096];
	uint64_t done, i, n;

	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		ck_assert_int_eq(pread(fd, buf, n, off + done), (ssize_t)n);
		for (i = 0; i < n; i++)
			if (buf[i] != fill)
				return false;
	}
	return true;
}

/* Whether [off, off + len) of @fd is the pool's bytes from @src_off. */
static bool same_as_pool(int fd, uint64_t off, uint64_t src_off,
			 uint64_t len)
{
	unsigned char *buf = malloc(len);
	bool same;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	same = memcmp(buf, pool + src_off, len) == 0;
	free(buf);
	return same;
}

static void expect_done(uint64_t work_id, int status, uint64_t bytes)
{
	const struct drm_kvtier_work_done *d = completed(work_id);

	ck_assert_msg(d, "work %llu not completed",
		      (unsigned long long)work_id);
	ck_assert_int_eq(d->status, status);
	ck_assert_uint_eq(d->bytes, bytes);
}

/* ---------------------------------------------------------------------
 * Copies.
 */

START_TEST(test_copy_lands_at_offset)
{
	struct drm_kvtier_work_item w[2];
	int fd = region(1, 1, 0xa1, 0xbb);

	/* Object at 128 KiB of the pool into 64 KiB of the region. */
	w[0] = h2d(1, 2 * OBJ, 1, 1, 0xa1, OBJ, OBJ);
	/* And one of an odd size at an odd offset. */
	w[1] = h2d(2, 5 * OBJ + 3, 1, 1, 0xa1, 3 * OBJ + 5, 1000);
	run(w, 2);
	expect_done(1, 0, OBJ);
	expect_done(2, 0, 1000);
	ck_assert(all(fd, 0, OBJ, 0xbb));
	ck_assert(same_as_pool(fd, OBJ, 2 * OBJ, OBJ));
	ck_assert(all(fd, 2 * OBJ, OBJ + 5, 0xbb));
	ck_assert(same_as_pool(fd, 3 * OBJ + 5, 5 * OBJ + 3, 1000));
	ck_assert(all(fd, 3 * OBJ + 1005, RSIZE - 3 * OBJ - 1005, 0xbb));
	ck_assert_uint_eq(m.ctr.work_done, 2);
	ck_assert_uint_eq(m.ctr.work_failed, 0);
	ck_assert_uint_eq(m.ctr.bytes_copied, OBJ + 1000);
	ck_assert_uint_eq(m.done.count, 0);
}
END_TEST

/*
 * The audit's case: tenant A's work for region 1 (generation 1) runs
 * after A unregistered it and tenant B's region took id 1 (generation
 * 2). Nothing of A's object reaches B's memory; the item fails -ESTALE.
 */
START_TEST(test_stale_generation_copies_nothing)
{
	struct drm_kvtier_work_item w = h2d(7, 0, 1, 1, 0xa1, OBJ, OBJ);
	int fd_b;

	region(1, 1, 0xa1, 0xaa);
	close(region_gone(1));
	/* Cookies are the clients' own: B's may well equal A's. */
	fd_b = region(1, 2, 0xa1, 0xbb);
	run(&w, 1);
	expect_done(7, -ESTALE, 0);
	ck_assert(all(fd_b, 0, RSIZE, 0xbb));
	ck_assert_uint_eq(m.ctr.work_done, 0);
	ck_assert_uint_eq(m.ctr.work_failed, 1);
	ck_assert_uint_eq(m.ctr.work_stale, 1);
	ck_assert_uint_eq(m.ctr.bytes_copied, 0);
}
END_TEST

/*
 * The reverse: the daemon has mapped A's region 1 (generation 1) for
 * earlier work; B's region takes id 1 (generation 3). B's work lands in
 * B's memfd, never in the mapping cached for A, and A's late work is
 * refused rather than served from that mapping.
 */
START_TEST(test_cached_generation_not_reused)
{
	struct drm_kvtier_work_item w[2];
	int fd_a, fd_b;

	fd_a = region(1, 1, 0xa1, 0xaa);
	w[0] = h2d(1, 0, 1, 1, 0xa1, 0, OBJ);
	run(w, 1);
	expect_done(1, 0, OBJ);
	ck_assert(same_as_pool(fd_a, 0, 0, OBJ));
	fd_a = region_gone(1);
	fd_b = region(1, 3, 0xa1, 0xbb);
	w[0] = h2d(2, OBJ, 1, 3, 0xa1, 2 * OBJ, OBJ);	/* B's */
	w[1] = h2d(3, 2 * OBJ, 1, 1, 0xa1, OBJ, OBJ);	/* A's, late */
	run(w, 2);
	expect_done(2, 0, OBJ);
	expect_done(3, -ESTALE, 0);
	ck_assert(all(fd_b, 0, 2 * OBJ, 0xbb));
	ck_assert(same_as_pool(fd_b, 2 * OBJ, OBJ, OBJ));
	ck_assert(all(fd_b, 3 * OBJ, OBJ, 0xbb));
	/* A's memory has its first object only. */
	ck_assert(same_as_pool(fd_a, 0, 0, OBJ));
	ck_assert(all(fd_a, OBJ, RSIZE - OBJ, 0xaa));
	ck_assert_uint_eq(m.ctr.bytes_copied, 2 * OBJ);
	close(fd_a);
}
END_TEST

/*
 * One batch holds A's copy into region 1 (generation 1), then an item for
 * B's region, which took id 1 (generation 2) between the two lookups. B's
 * lookup replaces the cached mapping while A's copy still waits for the
 * batch's flush: the replaced mapping is only retired, and stays until
 * that copy is done, so the copy lands in A's memory (where its work
 * was looked up), neither in unmapped memory nor in B's. Then it goes.
 */
START_TEST(test_batch_outlives_replaced_mapping)
{
	struct drm_kvtier_work_item w[2];
	int fd_a, fd_b;

	region(1, 1, 0xa1, 0xaa);
	fd_b = region_later(1, 2, 0xb2, 0xbb, 1);
	w[0] = h2d(1, 0, 1, 1, 0xa1, 0, OBJ);
	w[1] = h2d(2, OBJ, 1, 2, 0xb2, OBJ, OBJ);
	run(w, 2);
	ck_assert_uint_eq(drv.get_fd_calls, 2);
	fd_a = drv.swapped_fd;
	expect_done(1, 0, OBJ);
	expect_done(2, 0, OBJ);
	ck_assert(same_as_pool(fd_a, 0, 0, OBJ));
	ck_assert(all(fd_a, OBJ, RSIZE - OBJ, 0xaa));
	ck_assert(all(fd_b, 0, OBJ, 0xbb));
	ck_assert(same_as_pool(fd_b, OBJ, OBJ, OBJ));
	ck_assert(all(fd_b, 2 * OBJ, RSIZE - 2 * OBJ, 0xbb));
	/* The copy done, A's mapping is gone; B's is cached. */
	ck_assert_uint_eq(region_maps(1, 1), 0);
	ck_assert_uint_eq(region_maps(1, 2), 1);
}
END_TEST

/* Refusals before any copy: each fails its item and touches nothing. */
START_TEST(test_refused_items)
{
	struct drm_kvtier_work_item w[7];
	int fd = region(2, 5, 0xc5, 0xbb);

	/* The right generation, another cookie. */
	w[0] = h2d(1, 0, 2, 5, 0xc6, 0, OBJ);
	/* No generation: would open whichever region holds the id. */
	w[1] = h2d(2, 0, 2, 0, 0xc5, 0, OBJ);
	/* Past the region's end, by one byte; and an offset that wraps. */
	w[2] = h2d(3, 0, 2, 5, 0xc5, RSIZE - OBJ + 1, OBJ);
	w[3] = h2d(4, 0, 2, 5, 0xc5, UINT64_MAX - 10, OBJ);
	/* Past the pool's end. */
	w[4] = h2d(5, POOL_SIZE - OBJ + 1, 2, 5, 0xc5, 0, OBJ);
	/* A region id nobody holds, and one out of range. */
	w[5] = h2d(6, 0, 3, 1, 0xc5, 0, OBJ);
	w[6] = h2d(7, 0, KVTIER_MAX_REGIONS + 1, 1, 0xc5, 0, OBJ);
	run(w, 7);
	expect_done(1, -ESTALE, 0);
	expect_done(2, -EINVAL, 0);
	expect_done(3, -EINVAL, 0);
	expect_done(4, -EINVAL, 0);
	expect_done(5, -EINVAL, 0);
	expect_done(6, -ENOENT, 0);
	expect_done(7, -ENOENT, 0);
	ck_assert(all(fd, 0, RSIZE, 0xbb));
	ck_assert_uint_eq(m.ctr.work_failed, 7);
	ck_assert_uint_eq(m.ctr.bytes_copied, 0);
}
END_TEST

/* ---------------------------------------------------------------------
 * Disk reads into regions that go while the read is in flight.
 */

static char disk_path[64];

static void setup_disk(void)
{
	struct kvtd_tier_cfg dcfg = {
		.path = disk_path, .size = 16u << 20, .queue_depth = 4,
		.flags = KVTD_TIER_CREATE,
	};
	int fd;

	setup();
	/* The real HOST tier (no pool mapped): the disk asks it for pools. */
	ck_assert_int_eq(kvtd_host_tier_open(m.kv, &m.host), 0);
	/* Off tmpfs: O_DIRECT as the daemon's store has it. */
	strcpy(disk_path, "/var/tmp/kvtd-exec-disk-XXXXXX");
	fd = mkstemp(disk_path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(kvtd_disk_open(&dcfg, &m.disk), 0);
}

static void teardown_disk(void)
{
	teardown();
	unlink(disk_path);
}

/* Store object @lo of tenant 42: OBJ bytes of the pool from @src_off. */
static void disk_put(uint64_t lo, uint64_t src_off)
{
	struct kvtd_tier_key k = { .lo = lo, .hi = 1, .ns = 42 };
	struct kvtd_tier_cqe c;

	ck_assert_int_eq(kvtd_disk_write(m.disk, &k, pool + src_off, OBJ, 0),
			 0);
	ck_assert_int_eq(kvtd_disk_reap(m.disk, &c, 1, 1), 1);
	ck_assert_int_eq(c.res, 0);
}

/* Work reading object @obj (disk_put()) into a region. */
static struct drm_kvtier_work_item d2dev(uint64_t work_id, uint64_t obj,
					 uint32_t region_id, uint32_t gen,
					 uint64_t cookie, uint64_t dst_off)
{
	struct drm_kvtier_work_item w = h2d(work_id, 0, region_id, gen, cookie,
					    dst_off, OBJ);

	w.key.lo = obj;
	w.src_tier = KVTIER_TIER_DISK;
	w.pool_id = 0;
	return w;
}

/* Collect every disk completion and send the work's. */
static void reap_all(void)
{
	while (kvtd_exec_busy(&m))
		ck_assert_int_eq(kvtd_exec_reap(&m, 1), 0);
	kvtd_exec_flush(&m);
}

/*
 * Region 1 (A's) goes while its work's read is in flight and the daemon
 * learns it (-ENOENT) at its next item. Its mapping is retired, not
 * unmapped: the read's bytes arrive there later (here through a bounce
 * buffer, copied at the completion). B's region, mapped next under the
 * same id, is never at that address, so nothing of A's object reaches
 * B's memory; A's mapping goes once the read has completed.
 */
START_TEST(test_read_outlives_region)
{
	struct drm_kvtier_work_item w;
	int fd_a, fd_b;

	disk_put(100, 0);
	disk_put(101, 2 * OBJ);
	region(1, 1, 0xa1, 0xaa);
	/* At an unaligned offset: read into a bounce buffer. */
	w = d2dev(1, 100, 1, 1, 0xa1, 100);
	run(&w, 1);
	ck_assert_uint_eq(m.ops_used, 1);
	ck_assert_ptr_null(completed(1));
	fd_a = region_gone(1);
	w = d2dev(2, 100, 1, 1, 0xa1, 0);
	run(&w, 1);
	expect_done(2, -ENOENT, 0);
	ck_assert_uint_eq(region_maps(1, 1), 1);
	fd_b = region(1, 2, 0xb2, 0xbb);
	w = d2dev(3, 101, 1, 2, 0xb2, 2 * OBJ);
	run(&w, 1);
	ck_assert_uint_eq(region_maps(1, 1), 1);
	reap_all();
	expect_done(1, 0, OBJ);
	expect_done(3, 0, OBJ);
	ck_assert(all(fd_a, 0, 100, 0xaa));
	ck_assert(same_as_pool(fd_a, 100, 0, OBJ));
	ck_assert(all(fd_a, 100 + OBJ, RSIZE - 100 - OBJ, 0xaa));
	ck_assert(all(fd_b, 0, 2 * OBJ, 0xbb));
	ck_assert(same_as_pool(fd_b, 2 * OBJ, 2 * OBJ, OBJ));
	ck_assert(all(fd_b, 3 * OBJ, RSIZE - 3 * OBJ, 0xbb));
	ck_assert_uint_eq(region_maps(1, 1), 0);
	ck_assert_uint_eq(region_maps(1, 2), 1);
	close(fd_a);
}
END_TEST

/*
 * The same for an item riding on another's read: the leader reads into
 * region 2 (C's), A's item follows it into region 1, and A's region goes
 * before the read completes. The follower's copy lands in A's retired
 * mapping; B's item, following too, lands in B's.
 */
START_TEST(test_follower_outlives_region)
{
	struct drm_kvtier_work_item w[2];
	int fd_a, fd_b, fd_c;

	disk_put(100, OBJ);
	fd_c = region(2, 1, 0xc1, 0xcc);
	region(1, 1, 0xa1, 0xaa);
	w[0] = d2dev(1, 100, 2, 1, 0xc1, 0);
	w[1] = d2dev(2, 100, 1, 1, 0xa1, 100);
	run(w, 2);
	ck_assert_uint_eq(m.ctr.work_merged, 1);
	ck_assert_uint_eq(m.ops_used, 2);
	fd_a = region_gone(1);
	w[0] = d2dev(3, 100, 1, 1, 0xa1, 0);
	run(w, 1);
	expect_done(3, -ENOENT, 0);
	ck_assert_uint_eq(region_maps(1, 1), 1);
	fd_b = region(1, 2, 0xb2, 0xbb);
	w[0] = d2dev(4, 100, 1, 2, 0xb2, 2 * OBJ);
	run(w, 1);
	ck_assert_uint_eq(m.ctr.work_merged, 2);
	reap_all();
	expect_done(1, 0, OBJ);
	expect_done(2, 0, OBJ);
	expect_done(4, 0, OBJ);
	ck_assert(same_as_pool(fd_c, 0, OBJ, OBJ));
	ck_assert(all(fd_a, 0, 100, 0xaa));
	ck_assert(same_as_pool(fd_a, 100, OBJ, OBJ));
	ck_assert(all(fd_a, 100 + OBJ, RSIZE - 100 - OBJ, 0xaa));
	ck_assert(all(fd_b, 0, 2 * OBJ, 0xbb));
	ck_assert(same_as_pool(fd_b, 2 * OBJ, OBJ, OBJ));
	ck_assert(all(fd_b, 3 * OBJ, RSIZE - 3 * OBJ, 0xbb));
	ck_assert_uint_eq(region_maps(1, 1), 0);
	close(fd_a);
}
END_TEST

/*
 * The daemon stops while a read into a retired mapping is in flight: the
 * disk tier waits the read out and drops its completion, the executor's
 * teardown lets go of the mapping, which goes then, before the DEVICE
 * tier closes. (Under ASan, the leak check sees nothing left either.)
 */
START_TEST(test_shutdown_with_retired_region)
{
	struct drm_kvtier_work_item w;

	disk_put(100, 0);
	region(1, 1, 0xa1, 0xaa);
	w = d2dev(1, 100, 1, 1, 0xa1, 100);
	run(&w, 1);
	close(region_gone(1));
	w = d2dev(2, 100, 1, 1, 0xa1, 0);
	run(&w, 1);
	expect_done(2, -ENOENT, 0);
	ck_assert_uint_eq(region_maps(1, 1), 1);
	kvtd_disk_close(m.disk);
	m.disk = NULL;
	kvtd_exec_fini(&m);
	ck_assert_uint_eq(region_maps(1, 1), 0);
	m.dev->ops->close(m.dev);
	m.dev = NULL;
	ck_assert_ptr_null(completed(1));
}
END_TEST

/* ---------------------------------------------------------------------
 * Completions.
 */

/* Wait for the completions' backoff to pass: a condition, not a guess. */
static void backoff_passes(void)
{
	uint64_t at = kvtd_done_retry_ns(&m.done);

	ck_assert_uint_ne(at, 0);
	while (kvtier_now_ns() < at)
		usleep(200);
}

/*
 * A WORK_COMPLETE refused as a whole is sent again, after a backoff,
 * until the driver takes it; meanwhile the loop takes no more work than
 * the batch has room for, and nothing is counted twice.
 */
START_TEST(test_complete_refused_then_retried)
{
	struct drm_kvtier_work_item w[3];
	int fd = region(1, 1, 0xa1, 0xbb);
	uint64_t at;

	w[0] = h2d(1, 0, 1, 1, 0xa1, 0, OBJ);
	w[1] = h2d(2, OBJ, 1, 1, 0xa1, OBJ, OBJ);
	w[2] = h2d(3, 0, 1, 2, 0xa1, 0, OBJ);	/* stale: fails */
	drv.refuse_completes = 2;
	run(w, 3);
	ck_assert_uint_eq(drv.complete_calls, 1);
	ck_assert_uint_eq(drv.nr_done, 0);
	ck_assert_uint_eq(m.done.count, 3);
	/* The copies happened; the driver just has not heard yet. */
	ck_assert(same_as_pool(fd, 0, 0, 2 * OBJ));
	/*
	 * Within the backoff (held there, so that a slow machine cannot
	 * pass it): no ioctl, however often the loop flushes.
	 */
	at = kvtd_done_retry_ns(&m.done);
	ck_assert_uint_gt(at, 0);
	m.done.retry_at_ns = UINT64_MAX;
	kvtd_exec_flush(&m);
	kvtd_exec_flush(&m);
	ck_assert_uint_eq(drv.complete_calls, 1);
	m.done.retry_at_ns = at;
	/* Completions waiting take room from the next receive. */
	ck_assert_uint_eq(kvtd_exec_room(&m), KVTD_RECV_BATCH);
	m.done.count = m.done.room - 10;
	ck_assert_uint_eq(kvtd_exec_room(&m), 10);
	m.done.count = 3;
	/* Refused again at its retry, then taken at the next. */
	backoff_passes();
	kvtd_exec_flush(&m);
	ck_assert_uint_eq(drv.complete_calls, 2);
	ck_assert_uint_eq(drv.nr_done, 0);
	ck_assert_uint_eq(m.done.count, 3);
	backoff_passes();
	kvtd_exec_flush(&m);
	ck_assert_uint_eq(drv.complete_calls, 3);
	expect_done(1, 0, OBJ);
	expect_done(2, 0, OBJ);
	expect_done(3, -ESTALE, 0);
	ck_assert_uint_eq(m.done.count, 0);
	ck_assert_uint_eq(kvtd_done_retry_ns(&m.done), 0);
	ck_assert_uint_eq(m.ctr.work_done, 2);
	ck_assert_uint_eq(m.ctr.work_failed, 1);
	ck_assert_uint_eq(m.ctr.bytes_copied, 2 * OBJ);
	ck_assert_uint_eq(m.ctr.work_refused, 0);
	/* Nothing left to send: no more calls. */
	kvtd_exec_flush(&m);
	ck_assert_uint_eq(drv.complete_calls, 3);
}
END_TEST

/* An item the driver says is not this manager's is dropped, not retried. */
START_TEST(test_complete_not_held_dropped)
{
	struct drm_kvtier_work_item w[2];

	region(1, 1, 0xa1, 0xbb);
	w[0] = h2d(1, 0, 1, 1, 0xa1, 0, OBJ);
	w[1] = h2d(2, OBJ, 1, 1, 0xa1, OBJ, OBJ);
	drv.not_held = 2;
	run(w, 2);
	ck_assert_uint_eq(drv.complete_calls, 1);
	expect_done(1, 0, OBJ);
	ck_assert_ptr_null(completed(2));
	ck_assert_uint_eq(m.done.count, 0);
	ck_assert_uint_eq(kvtd_done_retry_ns(&m.done), 0);
	ck_assert_uint_eq(m.ctr.work_refused, 1);
	kvtd_exec_flush(&m);
	ck_assert_uint_eq(drv.complete_calls, 1);
}
END_TEST

/*
 * More completions than one batch while the driver refuses them: every
 * one is kept (room was made for them) and all arrive once it recovers.
 */
START_TEST(test_complete_refused_many)
{
	struct drm_kvtier_work_item w[KVTD_RECV_BATCH];
	unsigned int i, total = 0;

	region(1, 1, 0xa1, 0xbb);
	drv.refuse_completes = 1000;
	while (kvtd_exec_room(&m) == KVTD_RECV_BATCH) {
		for (i = 0; i < KVTD_RECV_BATCH; i++, total++)
			w[i] = h2d(total + 1, 0, 1, 1, 0xa1, 0, 4096);
		run(w, KVTD_RECV_BATCH);
		ck_assert_uint_eq(m.done.count, total);
	}
	ck_assert_uint_gt(total, KVTD_DONE_BATCH);
	ck_assert_uint_le(m.done.count, m.done.room);
	ck_assert_uint_eq(drv.nr_done, 0);
	drv.refuse_completes = 0;
	backoff_passes();
	kvtd_exec_flush(&m);
	ck_assert_uint_eq(m.done.count, 0);
	ck_assert_uint_eq(drv.nr_done, total);
	for (i = 1; i <= total; i++)
		expect_done(i, 0, 4096);
	ck_assert_uint_eq(kvtd_exec_room(&m), KVTD_RECV_BATCH);
}
END_TEST

Suite *daemon_exec_suite(void)
{
	Suite *s = suite_create("daemon_exec");
	TCase *tc;

	tc = tcase_create("copies");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_copy_lands_at_offset);
	tcase_add_test(tc, test_stale_generation_copies_nothing);
	tcase_add_test(tc, test_cached_generation_not_reused);
	tcase_add_test(tc, test_refused_items);
	tcase_add_test(tc, test_batch_outlives_replaced_mapping);
	suite_add_tcase(s, tc);

	tc = tcase_create("disk_reads");
	tcase_add_checked_fixture(tc, setup_disk, teardown_disk);
	tcase_add_test(tc, test_read_outlives_region);
	tcase_add_test(tc, test_follower_outlives_region);
	tcase_add_test(tc, test_shutdown_with_retired_region);
	suite_add_tcase(s, tc);

	tc = tcase_create("completions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_complete_refused_then_retried);
	tcase_add_test(tc, test_complete_not_held_dropped);
	tcase_add_test(tc, test_complete_refused_many);
	suite_add_tcase(s, tc);
	return s;
}

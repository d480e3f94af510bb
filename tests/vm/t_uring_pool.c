// SPDX-License-Identifier: GPL-2.0
/*
 * The manager's mapping of a pool is shmem, so io_uring registers it as
 * fixed buffers (Linux 6.1 refuses any other file-backed mapping but
 * hugetlbfs), and READ_FIXED / WRITE_FIXED with O_DIRECT move bytes
 * straight between the VM's disk and pool slots: what a client wrote
 * through its own mapping reaches the disk, and what the disk held shows
 * in the client's mapping of the same slot. A client's mapping is not the
 * manager's: io_uring still refuses it, and a slot it holds no reference
 * on still faults with SIGBUS. Destroying the pool under the manager's
 * registered mapping leaves it unusable (SIGBUS), never another pool's.
 *
 * The I/O goes to the last MiB of the VM's virtual disk (KVTIER_DISK), far
 * past the store the daemon tests format at its start.
 */
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/* 2 MiB of 4 KiB slots and a short tail: a huge chunk and small pages. */
#define NSLOTS 520u
/* The object the client stores: 4 slots, away from the first chunk page. */
#define OBJ_SLOTS 4u
#define OBJ_KEY 7u
/* How long a step between the two processes may take. */
#define STEP_MS 30000

static const char *g_disk;
static uint64_t g_page;

static void fill(uint8_t *p, uint64_t len, uint8_t seed)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 13);
}

static bool check(const uint8_t *p, uint64_t len, uint8_t seed)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 13))
			return false;
	return true;
}

/* Byte offset of the disk's last MiB, or 0 (and a failure). */
static uint64_t disk_scratch(int dfd)
{
	uint64_t size = 0;

	TL_ASSERT_R(0, !ioctl(dfd, BLKGETSIZE64, &size), "BLKGETSIZE64: %s",
		    strerror(errno));
	TL_ASSERT_R(0, size >= (128u << 20), "disk of %llu bytes",
		    (unsigned long long)size);
	return size - (1u << 20);
}

/* A pool the manager (@fd, attached) created; its info in *pi. */
static uint32_t make_pool(int fd, struct drm_kvtier_pool_info *pi)
{
	struct drm_kvtier_pool_create pc = {
		.slot_size = g_page,
		.slot_count = NSLOTS,
		.kind = KVTIER_KIND_RAW,
		.flags = KVTIER_POOL_HUGEPAGE,
	};
	int ret = tl_ioctl(fd, DRM_IOCTL_KVTIER_POOL_CREATE, &pc);

	TL_ASSERT_R(0, !ret, "pool create: %s", tl_errname(ret));
	ret = tl_pool_info(fd, pc.pool_id, pi);
	TL_ASSERT_R(0, !ret, "pool info: %s", tl_errname(ret));
	/* At most the one full chunk is huge: the short tail never is. */
	TL_ASSERT_R(0, pi->huge_bytes == 0 || pi->huge_bytes == (2u << 20),
		    "huge_bytes %llu", (unsigned long long)pi->huge_bytes);
	fprintf(stderr, "pool %u: %llu bytes in 2 MiB folios\n", pc.pool_id,
		(unsigned long long)pi->huge_bytes);
	return pc.pool_id;
}

static int attach(int fd)
{
	struct drm_kvtier_manager_attach ma = { 0 };

	return tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma);
}

/* One SQE, submitted and waited for: its result. */
static int uring_one(struct io_uring *ring, bool write, int dfd, void *buf,
		     unsigned int len, uint64_t off, int buf_index)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	if (write)
		io_uring_prep_write_fixed(sqe, dfd, buf, len, off, buf_index);
	else
		io_uring_prep_read_fixed(sqe, dfd, buf, len, off, buf_index);
	ret = io_uring_submit_and_wait(ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/*
 * The manager's side: maps pool @pi through @fd and registers the whole
 * mapping as one fixed buffer of a new @ring. The mapping, or NULL with
 * the case failed.
 */
static uint8_t *manager_map_register(int fd,
				     const struct drm_kvtier_pool_info *pi,
				     struct io_uring *ring)
{
	struct iovec iov;
	uint8_t *p;
	int ret;

	p = tl_pool_map(fd, pi);
	TL_ASSERT_R(NULL, p, "mmap: %s", strerror(errno));
	ret = io_uring_queue_init(4, ring, 0);
	TL_ASSERT_R(NULL, !ret, "io_uring_queue_init: %s", tl_errname(ret));
	iov.iov_base = p;
	iov.iov_len = pi->slot_size * pi->slot_count;
	ret = io_uring_register_buffers(ring, &iov, 1);
	TL_ASSERT_R(NULL, ret == 0, "io_uring_register_buffers: %s",
		    tl_errname(ret));
	return p;
}

/* The manager's mapping of a whole pool registers; a second time too. */
static void case_register_manager_mapping(void)
{
	struct drm_kvtier_pool_info pi;
	struct io_uring ring;
	struct iovec iov;
	uint32_t pool;
	uint8_t *p;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(attach(fd), 0);
	pool = make_pool(fd, &pi);
	TL_ASSERT(pool, "no pool");
	p = manager_map_register(fd, &pi, &ring);
	if (!p)
		return;
	TL_EXPECT_RC(io_uring_unregister_buffers(&ring), 0);
	/* A part of it, at an offset (the daemon's 1 GiB pieces). */
	iov.iov_base = p + 3 * g_page;
	iov.iov_len = 8 * g_page;
	TL_EXPECT_RC(io_uring_register_buffers(&ring, &iov, 1), 0);
	io_uring_queue_exit(&ring);
	TL_ASSERT(!munmap(p, pi.slot_size * pi.slot_count), "munmap");
	TL_EXPECT_RC(tl_pool_destroy(fd, pool), 0);
	close(fd);
}

/* A client's mapping is not shmem: io_uring refuses it as before. */
struct client_reg {
	uint32_t pool;
	struct drm_kvtier_key key;
};

/*
 * A client's side of the tests: opens the device as a user, allocates
 * @len bytes as @key in @pool (*a) and maps the pool. The mapping, or NULL
 * with the test failed; *fd the client's fd.
 */
static uint8_t *client_alloc_map(uint32_t pool, struct drm_kvtier_key key,
				 uint64_t len, struct drm_kvtier_alloc_item *a,
				 int *fd)
{
	struct drm_kvtier_pool_info pi;
	uint8_t *p;
	int ret;

	*fd = tl_open_user();
	TL_ASSERT_R(NULL, *fd >= 0, "open as user: %s", tl_errname(*fd));
	ret = tl_alloc1(*fd, pool, 0, key, len, a);
	TL_ASSERT_R(NULL, !ret, "alloc: %s", tl_errname(ret));
	ret = tl_pool_info(*fd, pool, &pi);
	TL_ASSERT_R(NULL, !ret, "pool info: %s", tl_errname(ret));
	p = tl_pool_map(*fd, &pi);
	TL_ASSERT_R(NULL, p, "mmap: %s", strerror(errno));
	return p;
}

static void client_register(void *arg)
{
	const struct client_reg *cr = arg;
	struct drm_kvtier_alloc_item a;
	struct io_uring ring;
	struct iovec iov;
	uint8_t *p;
	int fd, ret;

	p = client_alloc_map(cr->pool, cr->key, g_page, &a, &fd);
	if (!p)
		return;
	TL_EXPECT_RC(io_uring_queue_init(4, &ring, 0), 0);
	iov.iov_base = p + a.offset;
	iov.iov_len = g_page;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	TL_EXPECT_EQ(ret, -EOPNOTSUPP);
	io_uring_queue_exit(&ring);
	/* And a slot it holds nothing on still faults. */
	ret = tl_probe(p + (a.offset ? 0 : g_page), false);
	TL_EXPECT_EQ(ret, SIGBUS);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_client_mapping_unchanged(void)
{
	struct drm_kvtier_pool_info pi;
	struct client_reg *cr = tl_shared_alloc(sizeof(*cr));
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0 && cr, "no fd or no shared memory");
	TL_EXPECT_RC(attach(fd), 0);
	cr->pool = make_pool(fd, &pi);
	TL_ASSERT(cr->pool, "no pool");
	cr->key = tl_key(1);
	tl_join(tl_spawn(client_register, cr), "client");
	TL_EXPECT_RC(tl_pool_destroy(fd, cr->pool), 0);
	close(fd);
}

/*
 * The client: store an object through its mapping and commit it, keep its
 * reference, tell the manager where it is, then wait for the manager to
 * have read other bytes from disk into the slots and check them through
 * its own mapping.
 */
struct fixed_rw {
	uint32_t pool;
	struct drm_kvtier_key key;
	struct tl_chan to_mgr;
	struct tl_chan to_client;
};

static void client_store_and_check(void *arg)
{
	struct fixed_rw *rw = arg;
	uint64_t len = OBJ_SLOTS * g_page, v;
	struct drm_kvtier_alloc_item a;
	uint8_t *p;
	int fd, ret;

	p = client_alloc_map(rw->pool, rw->key, len, &a, &fd);
	if (!p)
		return;
	fill(p + a.offset, len, 0x31);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, a.handle, 0), 0);
	TL_EXPECT_RC(tl_chan_send(&rw->to_mgr, a.offset), 0);
	ret = tl_chan_recv(&rw->to_client, &v, STEP_MS);
	TL_ASSERT(!ret, "no word from the manager: %s", tl_errname(ret));
	TL_ASSERT(check(p + a.offset, len, 0x9d),
		  "the disk's bytes are not in the client's mapping");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a.handle, 0), 0);
}

static void case_fixed_rw_disk(void)
{
	struct fixed_rw *rw = tl_shared_alloc(sizeof(*rw));
	uint64_t len = OBJ_SLOTS * g_page, scratch, off = 0;
	struct drm_kvtier_pool_info pi;
	struct io_uring ring;
	uint8_t *p, *buf = NULL;
	pid_t child;
	int fd = tl_open_admin(), dfd, ret;

	TL_ASSERT(fd >= 0 && rw, "no fd or no shared memory");
	dfd = open(g_disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	TL_ASSERT(dfd >= 0, "open %s: %s", g_disk, strerror(errno));
	scratch = disk_scratch(dfd);
	TL_ASSERT(scratch, "no scratch space");
	TL_ASSERT(!posix_memalign((void **)&buf, 4096, len), "memalign");
	TL_EXPECT_RC(attach(fd), 0);
	rw->pool = make_pool(fd, &pi);
	TL_ASSERT(rw->pool, "no pool");
	rw->key = tl_key(OBJ_KEY);
	TL_EXPECT_RC(tl_chan_init(&rw->to_mgr), 0);
	TL_EXPECT_RC(tl_chan_init(&rw->to_client), 0);

	/* Registered first, the way the daemon does it, before any I/O. */
	p = manager_map_register(fd, &pi, &ring);
	if (!p)
		return;

	child = tl_spawn(client_store_and_check, rw);
	ret = tl_chan_recv(&rw->to_mgr, &off, STEP_MS);
	TL_ASSERT(!ret, "no word from the client: %s", tl_errname(ret));

	/* Pool slot -> disk, then read back past the pool to compare. */
	ret = uring_one(&ring, true, dfd, p + off, len, scratch, 0);
	TL_ASSERT(ret == (int)len, "WRITE_FIXED: %s", tl_errname(ret));
	memset(buf, 0, len);
	TL_ASSERT(pread(dfd, buf, len, scratch) == (ssize_t)len, "pread: %s",
		  strerror(errno));
	TL_ASSERT(check(buf, len, 0x31),
		  "the client's bytes did not reach the disk");

	/* Other bytes on disk -> the same slots. */
	fill(buf, len, 0x9d);
	TL_ASSERT(pwrite(dfd, buf, len, scratch) == (ssize_t)len, "pwrite: %s",
		  strerror(errno));
	ret = uring_one(&ring, false, dfd, p + off, len, scratch, 0);
	TL_ASSERT(ret == (int)len, "READ_FIXED: %s", tl_errname(ret));
	TL_ASSERT(check(p + off, len, 0x9d),
		  "READ_FIXED's bytes not in the manager's mapping");
	TL_EXPECT_RC(tl_chan_send(&rw->to_client, 1), 0);
	tl_join(child, "client");

	/*
	 * The pool goes while the ring still holds its pages: they stay
	 * the ring's, and the manager's mapping of it faults from now on.
	 */
	TL_EXPECT_RC(tl_pool_destroy(fd, rw->pool), 0);
	TL_EXPECT_EQ(tl_probe(p + off, false), SIGBUS);
	ret = uring_one(&ring, false, dfd, p + off, len, scratch, 0);
	TL_ASSERT(ret == (int)len, "READ_FIXED after destroy: %s",
		  tl_errname(ret));
	io_uring_queue_exit(&ring);
	TL_ASSERT(!munmap(p, pi.slot_size * pi.slot_count), "munmap");
	tl_chan_close(&rw->to_mgr);
	tl_chan_close(&rw->to_client);
	free(buf);
	close(dfd);
	close(fd);
}

int main(void)
{
	tl_init("uring_pool");
	g_page = tl_page();
	g_disk = getenv("KVTIER_DISK");
	if (!g_disk)
		tl_skip("no disk for the I/O (KVTIER_DISK)");
	tl_run("register_manager_mapping", case_register_manager_mapping);
	tl_run("client_mapping_unchanged", case_client_mapping_unchanged);
	tl_run("fixed_rw_disk", case_fixed_rw_disk);
	return tl_finish();
}

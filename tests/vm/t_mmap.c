// SPDX-License-Identifier: GPL-2.0
/*
 * Pool mappings: a client reaches exactly the slots of the objects it holds
 * a reference on (anything else faults with SIGBUS), loses them when it
 * releases, may only map shared and in range; the admin reaches every slot;
 * slots come back scrubbed. The mappings are made of real pages, so that
 * get_user_pages() works on them (the manager's O_DIRECT I/O into slots),
 * and pages it holds outlive their pool.
 */
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define NSLOTS 16
/* Slots of a GUP case's pool: one 2 MiB chunk, a compound page if free. */
#define HUGE_SLOTS 512

static uint32_t g_pool;
static uint64_t g_page;

static int open_user(void)
{
	int fd = tl_open_user();

	if (fd < 0)
		tl_fail("open as user: %s", tl_errname(fd));
	return fd;
}

static void fill(uint8_t *p, uint64_t len, uint8_t seed)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static bool check(const uint8_t *p, uint64_t len, uint8_t seed)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

static void user_owner_write_read(void *arg TL_UNUSED)
{
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	uint8_t *p, *q;
	int fd = open_user(), fd2;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), 2 * g_page, &a), 0);
	p = tl_map_pool(fd, g_pool, &pi);
	TL_ASSERT(p, "no mapping");
	fill(p + a.offset, 2 * g_page, 0x31);
	TL_ASSERT(check(p + a.offset, 2 * g_page, 0x31), "read back differs");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, a.handle, 0), 0);
	/* A second client that acquires it sees the same bytes. */
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_lookup1(fd2, tl_key(1), KVTIER_LOOKUP_ACQUIRE, &r), 0);
	TL_EXPECT_EQ(r.handle, a.handle);
	q = tl_map_pool(fd2, g_pool, &pi);
	TL_ASSERT(q, "no mapping");
	TL_ASSERT(check(q + r.offset, 2 * g_page, 0x31),
		  "second client reads other bytes");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_owner_write_read(void)
{
	tl_join(tl_spawn(user_owner_write_read, NULL), "user");
}

static void user_unheld_slot_sigbus(void *arg TL_UNUSED)
{
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_alloc_item a, b;
	uint64_t free_off = ~0ull, s;
	uint8_t *p;
	int fd = open_user(), fd2, sig;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	/* Same tenant, other client: fd holds no reference on it. */
	TL_EXPECT_RC(tl_make_ready(fd2, g_pool, tl_key(2), g_page, &b), 0);
	p = tl_map_pool(fd, g_pool, &pi);
	TL_ASSERT(p, "no mapping");
	sig = tl_probe(p + a.offset, false);
	TL_ASSERT(sig == 0, "own slot: probe got %d", sig);
	sig = tl_probe(p + b.offset, false);
	TL_ASSERT(sig == SIGBUS, "unheld slot read: got %d, want SIGBUS", sig);
	sig = tl_probe(p + b.offset + g_page - 1, true);
	TL_ASSERT(sig == SIGBUS, "unheld slot write: got %d, want SIGBUS",
		  sig);
	/* A slot no object uses. */
	for (s = 0; s < NSLOTS && free_off == ~0ull; s++)
		if (s * g_page != a.offset && s * g_page != b.offset)
			free_off = s * g_page;
	sig = tl_probe(p + free_off, false);
	TL_ASSERT(sig == SIGBUS, "free slot: got %d, want SIGBUS", sig);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_FREE, b.handle, 0), 0);
}

static void case_unheld_slot_sigbus(void)
{
	tl_join(tl_spawn(user_unheld_slot_sigbus, NULL), "user");
}

static void user_release_revokes(void *arg TL_UNUSED)
{
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	uint8_t *p;
	int fd = open_user(), sig;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &a), 0);
	p = tl_map_pool(fd, g_pool, &pi);
	TL_ASSERT(p, "no mapping");
	/* Fault the page in, so that revoking has something to undo. */
	fill(p + a.offset, g_page, 0x44);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a.handle, 0), 0);
	sig = tl_probe(p + a.offset, false);
	TL_ASSERT(sig == SIGBUS, "after release: got %d, want SIGBUS", sig);
	/* Acquiring again gives access back, the bytes unchanged. */
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), KVTIER_LOOKUP_ACQUIRE, &r), 0);
	TL_EXPECT_EQ(r.handle, a.handle);
	sig = tl_probe(p + a.offset, false);
	TL_ASSERT(sig == 0, "after acquire: probe got %d", sig);
	TL_ASSERT(check(p + a.offset, g_page, 0x44), "contents changed");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a.handle, 0), 0);
	sig = tl_probe(p + a.offset, false);
	TL_ASSERT(sig == SIGBUS, "after free: got %d, want SIGBUS", sig);
}

static void case_release_revokes(void)
{
	tl_join(tl_spawn(user_release_revokes, NULL), "user");
}

static void case_private_refused(void)
{
	struct drm_kvtier_pool_info pi;
	void *p;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_pool_info(fd, g_pool, &pi), 0);
	p = mmap(NULL, NSLOTS * g_page, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 fd, (off_t)pi.mmap_offset);
	TL_ASSERT(p == MAP_FAILED, "MAP_PRIVATE mapping accepted");
	TL_EXPECT_RC(-errno, -EINVAL);
	p = mmap(NULL, NSLOTS * g_page, PROT_READ, MAP_PRIVATE, fd,
		 (off_t)pi.mmap_offset);
	TL_ASSERT(p == MAP_FAILED, "read-only MAP_PRIVATE mapping accepted");
	TL_EXPECT_RC(-errno, -EINVAL);
}

/* A refused mapping: MAP_FAILED, whatever errno, but never a mapping. */
static void expect_map_refused(int fd, uint64_t len, uint64_t off,
			       const char *what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)off);

	TL_ASSERT(p == MAP_FAILED, "%s: mapping accepted", what);
}

static void case_out_of_range_refused(void)
{
	struct drm_kvtier_pool_info pi;
	uint32_t id;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_pool_info(fd, g_pool, &pi), 0);
	expect_map_refused(fd, (NSLOTS + 1) * g_page, pi.mmap_offset,
			   "one page past the pool");
	expect_map_refused(fd, 2 * g_page,
			   pi.mmap_offset + (NSLOTS - 1) * g_page,
			   "across the pool's end");
	expect_map_refused(fd, g_page, pi.mmap_offset + NSLOTS * g_page,
			   "just after the pool");
	/* A pool id that does not exist. */
	for (id = KVTIER_MAX_POOLS; id >= 1; id--)
		if (tl_pool_info(fd, id, &pi) == -ENOENT)
			break;
	TL_ASSERT(id >= 1, "every pool id in use");
	expect_map_refused(fd, g_page, (uint64_t)id << KVTIER_POOL_MMAP_SHIFT,
			   "unknown pool");
	expect_map_refused(fd, g_page, 0, "offset 0 (no pool 0)");
}

static void user_write_and_commit(void *arg TL_UNUSED)
{
	struct drm_kvtier_alloc_item *out = arg;
	struct drm_kvtier_pool_info pi;
	uint8_t *p;
	int fd = open_user();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, out), 0);
	p = tl_map_pool(fd, g_pool, &pi);
	TL_ASSERT(p, "no mapping");
	fill(p + out->offset, g_page, 0x77);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, out->handle, 0), 0);
}

static void case_admin_maps_all(void)
{
	struct drm_kvtier_alloc_item *a = tl_shared_alloc(sizeof(*a));
	struct drm_kvtier_pool_info pi;
	uint64_t s;
	uint8_t *p;
	int fd = tl_open(), sig;

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_ASSERT(a, "shared memory");
	/* A user's object the admin holds no reference on. */
	if (!tl_join(tl_spawn(user_write_and_commit, a), "user"))
		return;
	p = tl_map_pool(fd, g_pool, &pi);
	TL_ASSERT(p, "no mapping");
	TL_ASSERT(check(p + a->offset, g_page, 0x77),
		  "admin reads other bytes than the user wrote");
	for (s = 0; s < NSLOTS; s++) {
		sig = tl_probe(p + s * g_page, false);
		TL_ASSERT(sig == 0, "admin: slot %llu probe got %d",
			  (unsigned long long)s, sig);
	}
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a->handle, 0), 0);
}

static void case_manager_maps_all(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	struct drm_kvtier_alloc_item *a = tl_shared_alloc(sizeof(*a));
	struct drm_kvtier_pool_info pi;
	uint8_t *p;
	int fd = tl_open(), sig;

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_ASSERT(a, "shared memory");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
	if (!tl_join(tl_spawn(user_write_and_commit, a), "user"))
		return;
	p = tl_map_pool(fd, g_pool, &pi);
	TL_ASSERT(p, "no mapping");
	sig = tl_probe(p + a->offset, true);
	TL_ASSERT(sig == 0, "manager write probe got %d", sig);
	TL_ASSERT(p[a->offset] == 0x5a, "probe's write not visible");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a->handle, 0), 0);
}

static void user_scrub(void *arg TL_UNUSED)
{
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_alloc_item a, b;
	uint32_t pool = *(uint32_t *)arg;
	uint64_t i;
	uint8_t *p;
	int fd = open_user();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_alloc1(fd, pool, 0, tl_key(1), g_page, &a), 0);
	p = tl_map_pool(fd, pool, &pi);
	TL_ASSERT(p, "no mapping");
	memset(p + a.offset, 0xab, g_page);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_COMMIT, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_RELEASE, a.handle, 0), 0);
	/* The pool has one slot: the new object gets the same one. */
	TL_EXPECT_RC(tl_alloc1(fd, pool, 0, tl_key(2), g_page, &b), 0);
	TL_EXPECT_EQ(b.offset, a.offset);
	for (i = 0; i < g_page; i++)
		TL_ASSERT(p[b.offset + i] == 0, "byte %llu is 0x%02x, not 0",
			  (unsigned long long)i, p[b.offset + i]);
}

static void case_scrubbed_on_reuse(void)
{
	uint32_t pool;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_pool_create(fd, g_page, 1, &pool), 0);
	tl_join(tl_spawn(user_scrub, &pool), "user");
	TL_EXPECT_RC(tl_pool_destroy(fd, pool), 0);
}

/*
 * A pool of one 2 MiB chunk, asked for as a huge page, so that GUP meets
 * the tail pages of a compound page when the guest has one free.
 */
static int huge_pool(int fd, uint32_t *pool, struct drm_kvtier_pool_info *pi)
{
	struct drm_kvtier_pool_create pc = {
		.slot_size = g_page,
		.slot_count = HUGE_SLOTS,
		.kind = KVTIER_KIND_RAW,
		.flags = KVTIER_POOL_HUGEPAGE,
	};
	int err = tl_ioctl(fd, DRM_IOCTL_KVTIER_POOL_CREATE, &pc);

	if (err)
		return err;
	*pool = pc.pool_id;
	return tl_pool_info(fd, pc.pool_id, pi);
}

struct gup_args {
	pid_t target;
	uint64_t addr;	/* the object's first byte in the target's mapping */
	uint64_t len;
};

/*
 * In a child: read the target's mapping with process_vm_readv() and write
 * its second half with process_vm_writev(). Both pin the target's pages
 * with get_user_pages(), which refuses VM_PFNMAP and VM_IO mappings.
 */
static void child_gup(void *arg)
{
	const struct gup_args *ga = arg;
	uint64_t half = ga->len / 2;
	struct iovec local, remote;
	uint8_t *buf = malloc(ga->len);
	ssize_t n;

	TL_ASSERT(buf, "malloc");
	local.iov_base = buf;
	local.iov_len = ga->len;
	remote.iov_base = (void *)(uintptr_t)ga->addr;
	remote.iov_len = ga->len;
	n = process_vm_readv(ga->target, &local, 1, &remote, 1, 0);
	TL_ASSERT(n == (ssize_t)ga->len, "process_vm_readv: %zd (%s)", n,
		  n < 0 ? strerror(errno) : "short");
	TL_ASSERT(check(buf, half, 0x5b), "first half read back differs");
	/* Never touched by the target: GUP faulted it in; a new pool is 0. */
	for (n = 0; n < (ssize_t)half; n++)
		TL_ASSERT(buf[half + n] == 0, "second half byte %zd is 0x%02x",
			  n, buf[half + n]);
	fill(buf, half, 0x6c);
	local.iov_len = half;
	remote.iov_base = (void *)(uintptr_t)(ga->addr + half);
	remote.iov_len = half;
	n = process_vm_writev(ga->target, &local, 1, &remote, 1, 0);
	TL_ASSERT(n == (ssize_t)half, "process_vm_writev: %zd (%s)", n,
		  n < 0 ? strerror(errno) : "short");
	free(buf);
}

static void case_manager_gup(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_alloc_item a;
	struct gup_args ga;
	uint32_t pool;
	uint8_t *p;
	int fd = tl_open();

	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
	TL_EXPECT_RC(huge_pool(fd, &pool, &pi), 0);
	/* Away from the chunk's first page: a tail page if it is huge. */
	TL_EXPECT_RC(tl_alloc1(fd, pool, 0, tl_key(99), g_page, NULL), 0);
	TL_EXPECT_RC(tl_alloc1(fd, pool, 0, tl_key(1), 4 * g_page, &a), 0);
	p = tl_pool_map(fd, &pi);
	TL_ASSERT(p, "mmap: %s", strerror(errno));
	/* The first half through the mapping; the second half left alone. */
	fill(p + a.offset, 2 * g_page, 0x5b);
	ga.target = getpid();
	ga.addr = (uintptr_t)(p + a.offset);
	ga.len = 4 * g_page;
	if (!tl_join(tl_spawn(child_gup, &ga), "gup child"))
		return;
	TL_ASSERT(check(p + a.offset + 2 * g_page, 2 * g_page, 0x6c),
		  "process_vm_writev's bytes not in the slot");
	TL_ASSERT(!munmap(p, pi.slot_size * pi.slot_count), "munmap");
	/* Closing frees the objects; then the pool is empty. */
	close(fd);
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_pool_destroy(fd, pool), 0);
}

static void case_pinned_pages_outlive_pool(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	struct drm_kvtier_pool_info pi;
	struct iovec iov[2];
	uint8_t *p, *m, *buf;
	uint32_t pool;
	int fd = tl_open(), mfd = tl_open(), pfd[2];
	ssize_t n;

	TL_ASSERT(fd >= 0 && mfd >= 0, "open");
	buf = malloc(2 * g_page);
	TL_ASSERT(buf, "malloc");
	TL_EXPECT_RC(huge_pool(fd, &pool, &pi), 0);
	/* The admin maps every slot, held or not, to read. */
	p = tl_pool_map(fd, &pi);
	TL_ASSERT(p, "mmap: %s", strerror(errno));
	/* Free slots take writes from the manager alone. */
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
	m = tl_pool_map(mfd, &pi);
	TL_ASSERT(m, "manager mmap: %s", strerror(errno));
	fill(m, g_page, 0x21);
	fill(m + 7 * g_page, g_page, 0x43);
	TL_ASSERT(!munmap(m, pi.slot_size * pi.slot_count), "munmap");
	close(mfd);
	TL_ASSERT(!pipe(pfd), "pipe");
	/* vmsplice() leaves the pages in the pipe, referenced, not copied. */
	iov[0].iov_base = p;
	iov[0].iov_len = g_page;
	iov[1].iov_base = p + 7 * g_page;
	iov[1].iov_len = g_page;
	n = vmsplice(pfd[1], iov, 2, 0);
	TL_ASSERT(n == (ssize_t)(2 * g_page), "vmsplice: %zd (%s)", n,
		  n < 0 ? strerror(errno) : "short");
	TL_ASSERT(!munmap(p, pi.slot_size * pi.slot_count), "munmap");
	/* The pool goes while the pipe still holds two of its pages. */
	TL_EXPECT_RC(tl_pool_destroy(fd, pool), 0);
	n = read(pfd[0], buf, 2 * g_page);
	TL_ASSERT(n == (ssize_t)(2 * g_page), "read: %zd", n);
	TL_ASSERT(check(buf, g_page, 0x21), "first page differs");
	TL_ASSERT(check(buf + g_page, g_page, 0x43), "second page differs");
	close(pfd[0]);
	close(pfd[1]);
	free(buf);
}

int main(void)
{
	tl_init("mmap");
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, NSLOTS);
	tl_run("owner_write_read", case_owner_write_read);
	tl_run("unheld_slot_sigbus", case_unheld_slot_sigbus);
	tl_run("release_revokes", case_release_revokes);
	tl_run("private_refused", case_private_refused);
	tl_run("out_of_range_refused", case_out_of_range_refused);
	tl_run("admin_maps_all", case_admin_maps_all);
	tl_run("manager_maps_all", case_manager_maps_all);
	tl_run("scrubbed_on_reuse", case_scrubbed_on_reuse);
	tl_run("manager_gup", case_manager_gup);
	tl_run("pinned_pages_outlive_pool", case_pinned_pages_outlive_pool);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/tier/tier_device_cpu.c: memfd regions opened through a
 * fake REGION_GET_FD, their checks (kind, seals, size), the mapping cache
 * and its revalidation when a region id is reused, and copies; plus the
 * disk tier reading straight into such a mapping (the DISK -> DEVICE path)
 * whether or not io_uring accepts it as a fixed buffer.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "disk.h"
#include "kvtd_tier_mem.h"
#include "test_maps_util.h"

#define RSIZE (1u << 20)

struct fake {
	int fd[KVTIER_MAX_REGIONS + 1];
	uint32_t kind[KVTIER_MAX_REGIONS + 1];
	uint64_t size[KVTIER_MAX_REGIONS + 1];
	uint32_t gen[KVTIER_MAX_REGIONS + 1];
	uint64_t cookie[KVTIER_MAX_REGIONS + 1];
	unsigned int calls;
};

static struct fake fk;
static struct kvtd_mem_tier *t;

/* REGION_GET_FD as the driver answers it, generation included. */
static int fake_get_fd(void *ctx, uint32_t id, uint32_t gen,
		       struct drm_kvtier_region_get_fd *out)
{
	struct fake *f = ctx;

	f->calls++;
	if (id > KVTIER_MAX_REGIONS || f->fd[id] < 0)
		return -ENOENT;
	if (gen && gen != f->gen[id])
		return -ESTALE;
	memset(out, 0, sizeof(*out));
	out->region_id = id;
	out->size = f->size[id];
	out->kind = f->kind[id];
	out->gen = f->gen[id];
	out->cookie = f->cookie[id];
	out->fd = dup(f->fd[id]);
	return out->fd < 0 ? -errno : 0;
}

/* Region @id of generation @gen with @cookie, as a work item names it. */
static int lookup_gen(uint32_t id, uint32_t gen, uint64_t cookie, void **base,
		      uint64_t *size)
{
	struct kvtd_space s = { .id = id, .gen = gen, .cookie = cookie };

	return t->ops->lookup(t, &s, base, size);
}

/* Region @id at its current generation (1 for one never registered). */
static int lookup(uint32_t id, void **base, uint64_t *size)
{
	if (id > KVTIER_MAX_REGIONS || !fk.gen[id])
		return lookup_gen(id, 1, 0, base, size);
	return lookup_gen(id, fk.gen[id], fk.cookie[id], base, size);
}

/*
 * A memfd of @size bytes, sealed against shrinking when @seal, as region
 * @id: a new generation of it, as when the id is registered again.
 */
static int region(uint32_t id, uint64_t size, bool seal)
{
	char name[64];
	int fd;

	/* Named for its id and generation: see maps(). */
	snprintf(name, sizeof(name), "kvtd-dev-%u-%u", id, fk.gen[id] + 1);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, size), 0);
	if (seal)
		ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	if (fk.fd[id] >= 0)
		close(fk.fd[id]);
	fk.fd[id] = fd;
	fk.kind[id] = KVTIER_REGION_KIND_MEMFD;
	fk.size[id] = size;
	fk.gen[id]++;
	fk.cookie[id] = 0xc0c0 + fk.gen[id];
	return fd;
}

/* How many mappings of region @id at generation @gen the tier holds. */
static unsigned int maps(uint32_t id, uint32_t gen)
{
	char name[64];

	snprintf(name, sizeof(name), "kvtd-dev-%u-%u", id, gen);
	return tmaps_memfd(name);
}

static void setup(void)
{
	unsigned int i;

	memset(&fk, 0, sizeof(fk));
	for (i = 0; i <= KVTIER_MAX_REGIONS; i++)
		fk.fd[i] = -1;
	ck_assert_int_eq(kvtd_device_cpu_tier_open(fake_get_fd, &fk, 2, &t),
			 0);
}

static void teardown(void)
{
	unsigned int i;

	if (t)
		t->ops->close(t);
	t = NULL;
	for (i = 0; i <= KVTIER_MAX_REGIONS; i++)
		if (fk.fd[i] >= 0)
			close(fk.fd[i]);
}

START_TEST(test_lookup_and_cache)
{
	uint64_t size;
	void *base, *again;
	char buf[4];
	int fd = region(3, RSIZE, true);

	ck_assert_int_eq(lookup(3, &base, &size), 0);
	ck_assert_uint_eq(size, RSIZE);
	memcpy(base, "abc", 4);
	ck_assert_int_eq(pread(fd, buf, 4, 0), 4);
	ck_assert_str_eq(buf, "abc");
	/* Cached: no second REGION_GET_FD until a revalidate. */
	ck_assert_int_eq(lookup(3, &again, &size), 0);
	ck_assert_ptr_eq(again, base);
	ck_assert_uint_eq(fk.calls, 1);
	t->ops->revalidate(t);
	ck_assert_int_eq(lookup(3, &again, &size), 0);
	ck_assert_uint_eq(fk.calls, 2);
	/* Same file: the same mapping stays. */
	ck_assert_ptr_eq(again, base);
	/* A memfd mapping: the disk reads straight into it, unstaged. */
	ck_assert(kvtd_mem_host_addressable(t, 3));
}
END_TEST

START_TEST(test_id_reused)
{
	uint64_t size;
	void *base;
	char buf[4];
	int fd;

	region(5, RSIZE, true);
	ck_assert_int_eq(lookup(5, &base, &size), 0);
	/* Region 5 goes and another client's memfd takes its id. */
	fd = region(5, 2 * RSIZE, true);
	t->ops->revalidate(t);
	ck_assert_int_eq(lookup(5, &base, &size), 0);
	ck_assert_uint_eq(size, 2 * RSIZE);
	memcpy(base, "new", 4);
	ck_assert_int_eq(pread(fd, buf, 4, 0), 4);
	ck_assert_str_eq(buf, "new");
	/* And then it goes for good. */
	close(fk.fd[5]);
	fk.fd[5] = -1;
	t->ops->revalidate(t);
	ck_assert_int_eq(lookup(5, &base, &size), -ENOENT);
}
END_TEST

/*
 * The mapping cache is keyed by generation: a mapping of generation 1
 * never serves generation 2 (another client's region that took the id),
 * even before a revalidate, and a lookup of a generation that is not the
 * id's now fails with nothing mapped.
 */
START_TEST(test_generations)
{
	uint64_t size;
	void *base, *old;
	char buf[4];
	int fd1, fd2;

	/* Kept open here: region() closes the fake's copy. */
	fd1 = dup(region(5, RSIZE, true));
	ck_assert_int_ge(fd1, 0);
	ck_assert_int_eq(lookup_gen(5, 1, fk.cookie[5], &old, &size), 0);
	/* Region 5 goes; another client's memfd takes the id, gen 2. */
	fd2 = region(5, RSIZE, true);
	ck_assert_int_eq(lookup_gen(5, 2, fk.cookie[5], &base, &size), 0);
	ck_assert_uint_eq(fk.calls, 2);
	memcpy(base, "new", 4);
	ck_assert_int_eq(pread(fd2, buf, 4, 0), 4);
	ck_assert_str_eq(buf, "new");
	ck_assert_int_eq(pread(fd1, buf, 4, 0), 4);
	ck_assert_int_eq(memcmp(buf, "\0\0\0\0", 4), 0);
	close(fd1);
	/* Generation 1's work now: refused, nothing handed out. */
	base = NULL;
	ck_assert_int_eq(lookup_gen(5, 1, 0xc0c1, &base, &size), -ESTALE);
	ck_assert_ptr_null(base);
	/* Generation 2's mapping was kept: served from the cache. */
	ck_assert_int_eq(lookup_gen(5, 2, fk.cookie[5], &base, &size), 0);
	ck_assert_uint_eq(fk.calls, 3);
	/* A generation not yet registered, and gen 0 ("any"): refused. */
	ck_assert_int_eq(lookup_gen(5, 3, fk.cookie[5], &base, &size),
			 -ESTALE);
	ck_assert_int_eq(lookup_gen(5, 0, fk.cookie[5], &base, &size),
			 -EINVAL);
	/* The right generation with another cookie is not the work's. */
	ck_assert_int_eq(lookup_gen(5, 2, 1234, &base, &size), -ESTALE);
}
END_TEST

/*
 * A mapping held (by a copy queued or a disk read in flight) is only
 * retired when the cache drops it, for a newer generation of the id or
 * because its region is gone: it stays mapped, at its address, writing
 * into its own region's memory, until its last reference is put. One
 * nobody holds is unmapped at once.
 */
START_TEST(test_retired_until_put)
{
	struct kvtd_mem_ref *r1, *r1b, *r2;
	uint64_t size;
	char *a, *b;
	char buf[4];
	int fd1, fd2;

	/* Nothing mapped, nothing to hold. */
	ck_assert_ptr_null(t->ops->hold(t, 5));
	ck_assert_ptr_null(t->ops->hold(t, 0));
	ck_assert_ptr_null(t->ops->hold(t, KVTIER_MAX_REGIONS + 1));
	fd1 = dup(region(5, RSIZE, true));
	ck_assert_int_eq(lookup(5, (void **)&a, &size), 0);
	r1 = t->ops->hold(t, 5);
	r1b = kvtd_mem_hold(t, 5);
	ck_assert_ptr_nonnull(r1);
	ck_assert_ptr_eq(r1, r1b);
	ck_assert_ptr_eq(r1->tier, t);
	/* Generation 2 takes id 5: generation 1's mapping is retired. */
	fd2 = region(5, RSIZE, true);
	ck_assert_int_eq(lookup(5, (void **)&b, &size), 0);
	ck_assert_ptr_ne(a, b);
	ck_assert_uint_eq(maps(5, 1), 1);
	ck_assert_uint_eq(maps(5, 2), 1);
	memcpy(a, "old", 4);
	ck_assert_int_eq(pread(fd1, buf, 4, 0), 4);
	ck_assert_str_eq(buf, "old");
	ck_assert_int_eq(pread(fd2, buf, 4, 0), 4);
	ck_assert_int_eq(memcmp(buf, "\0\0\0\0", 4), 0);
	kvtd_mem_put(r1b);
	ck_assert_uint_eq(maps(5, 1), 1);
	kvtd_mem_put(r1);
	ck_assert_uint_eq(maps(5, 1), 0);
	ck_assert_uint_eq(maps(5, 2), 1);
	kvtd_mem_put(NULL);
	/* Generation 2 goes while held: retired at the -ENOENT. */
	r2 = kvtd_mem_hold(t, 5);
	ck_assert_ptr_nonnull(r2);
	close(fk.fd[5]);
	fk.fd[5] = -1;
	t->ops->revalidate(t);
	ck_assert_int_eq(lookup(5, (void **)&b, &size), -ENOENT);
	ck_assert_ptr_null(t->ops->hold(t, 5));
	ck_assert_uint_eq(maps(5, 2), 1);
	kvtd_mem_put(r2);
	ck_assert_uint_eq(maps(5, 2), 0);
	/* Not held: unmapped as soon as it is dropped. */
	region(5, RSIZE, true);
	ck_assert_int_eq(lookup(5, (void **)&a, &size), 0);
	ck_assert_uint_eq(maps(5, 3), 1);
	region(5, RSIZE, true);
	ck_assert_int_eq(lookup(5, (void **)&b, &size), 0);
	ck_assert_uint_eq(maps(5, 3), 0);
	ck_assert_uint_eq(maps(5, 4), 1);
	close(fd1);
}
END_TEST

/*
 * The tier closes with a retired mapping still held (a holder that never
 * put it): close unmaps and frees it anyway, so nothing is left mapped
 * and, under ASan, nothing leaks.
 */
START_TEST(test_close_unmaps_retired)
{
	struct kvtd_mem_ref *r;
	uint64_t size;
	void *base;

	region(6, RSIZE, true);
	ck_assert_int_eq(lookup(6, &base, &size), 0);
	r = kvtd_mem_hold(t, 6);
	ck_assert_ptr_nonnull(r);
	region(6, RSIZE, true);
	ck_assert_int_eq(lookup(6, &base, &size), 0);
	ck_assert_uint_eq(maps(6, 1), 1);
	ck_assert_uint_eq(maps(6, 2), 1);
	t->ops->close(t);
	t = NULL;
	ck_assert_uint_eq(maps(6, 1), 0);
	ck_assert_uint_eq(maps(6, 2), 0);
}
END_TEST

START_TEST(test_refusals)
{
	uint64_t size;
	void *base;

	ck_assert_int_eq(lookup(0, &base, &size), -ENOENT);
	ck_assert_int_eq(lookup(KVTIER_MAX_REGIONS + 1, &base, &size),
			 -ENOENT);
	ck_assert_int_eq(lookup(7, &base, &size), -ENOENT);
	/* Not sealed against shrinking: a client could fault the daemon. */
	region(7, RSIZE, false);
	ck_assert_int_eq(lookup(7, &base, &size), -EPERM);
	/* A region larger than its file. */
	region(8, RSIZE, true);
	fk.size[8] = 2 * RSIZE;
	ck_assert_int_eq(lookup(8, &base, &size), -EINVAL);
	region(9, RSIZE, true);
	fk.kind[9] = KVTIER_REGION_KIND_NONE;
	ck_assert_int_eq(lookup(9, &base, &size), -ENODEV);
	fk.kind[9] = KVTIER_REGION_KIND_CUDA_VMM;
	ck_assert_int_eq(lookup(9, &base, &size), -EOPNOTSUPP);
}
END_TEST

START_TEST(test_copy_batch)
{
	/* 3 MiB + odd sizes: above the split threshold, not a multiple. */
	static const size_t lens[] = { 1, 4095, 3u << 20, 777, 1u << 20 };
	struct kvtd_copy c[5];
	char *src, *dst;
	size_t i, off = 0, total = 0;

	for (i = 0; i < 5; i++)
		total += lens[i];
	src = malloc(total);
	dst = calloc(1, total + 64);
	for (i = 0; i < total; i++)
		src[i] = (char)(i * 131 + 7);
	for (i = 0; i < 5; i++) {
		/* Gaps between destinations catch overruns. */
		c[i] = (struct kvtd_copy){ dst + off + 8 * i, src + off,
					   lens[i] };
		off += lens[i];
	}
	ck_assert_int_eq(t->ops->copy(t, c, 5), 0);
	for (off = 0, i = 0; i < 5; off += lens[i], i++) {
		ck_assert_int_eq(memcmp(dst + off + 8 * i, src + off, lens[i]),
				 0);
		if (i < 4)
			ck_assert_int_eq(dst[off + lens[i] + 8 * i], 0);
	}
	free(src);
	free(dst);
}
END_TEST

START_TEST(test_disk_into_region)
{
	char path[] = "/tmp/kvtd-dev-disk-XXXXXX";
	struct kvtd_tier_cfg cfg = { .path = path, .size = 16u << 20,
				     .queue_depth = 4,
				     .flags = KVTD_TIER_CREATE };
	struct kvtd_tier_key key = { 1, 2, 3 };
	struct kvtd_tier_cqe cqe;
	struct kvtd_region reg;
	struct kvtd_disk *d;
	uint64_t size;
	char *base;
	int fd, ret;

	region(4, RSIZE, true);
	ck_assert_int_eq(lookup(4, (void **)&base, &size), 0);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	reg.addr = base;
	reg.len = size;
	cfg.regions = &reg;
	cfg.nr_regions = 1;
	/* Registration of a file mapping may be refused: open must not. */
	ret = kvtd_disk_open(&cfg, &d);
	if (ret == -EINVAL || ret == -EOPNOTSUPP) {
		unlink(path);
		ck_abort_msg("disk open refused a memfd region: %d", ret);
	}
	ck_assert_int_eq(ret, 0);
	memset(base, 0x5a, 8192);
	ck_assert_int_eq(kvtd_disk_write(d, &key, base, 8192, 1), 0);
	ck_assert_int_eq(kvtd_disk_reap(d, &cqe, 1, 1), 1);
	ck_assert_int_eq(cqe.res, 0);
	memset(base + 65536, 0, 8192);
	ck_assert_int_eq(kvtd_disk_read(d, &key, base + 65536, 8192, 2), 0);
	ck_assert_int_eq(kvtd_disk_reap(d, &cqe, 1, 1), 1);
	ck_assert_int_eq(cqe.res, 0);
	ck_assert_int_eq(memcmp(base, base + 65536, 8192), 0);
	kvtd_disk_close(d);
	unlink(path);
}
END_TEST

/*
 * A pool mapping on Debian 6.1 is a file mapping io_uring will not
 * register (-EOPNOTSUPP); a regular file's shared mapping is refused the
 * same way by current kernels. The disk tier must then read and write the
 * same addresses without fixed buffers.
 */
START_TEST(test_disk_unregistrable_region)
{
	char path[] = "/var/tmp/kvtd-dev-disk-XXXXXX";
	char mpath[] = "/var/tmp/kvtd-dev-map-XXXXXX";
	struct kvtd_tier_cfg cfg = { .path = path, .size = 16u << 20,
				     .queue_depth = 4,
				     .flags = KVTD_TIER_CREATE };
	struct kvtd_tier_key key = { 4, 5, 6 };
	struct kvtd_tier_stats st;
	struct kvtd_tier_cqe cqe;
	struct kvtd_region reg;
	struct kvtd_disk *d;
	char *base;
	int fd, mfd;

	fd = mkstemp(path);
	mfd = mkstemp(mpath);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(mfd, 0);
	close(fd);
	ck_assert_int_eq(ftruncate(mfd, RSIZE), 0);
	base = mmap(NULL, RSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ck_assert_ptr_ne(base, MAP_FAILED);
	reg.addr = base;
	reg.len = RSIZE;
	cfg.regions = &reg;
	cfg.nr_regions = 1;
	ck_assert_int_eq(kvtd_disk_open(&cfg, &d), 0);
	memset(base, 0xa5, 8192);
	ck_assert_int_eq(kvtd_disk_write(d, &key, base, 8192, 1), 0);
	ck_assert_int_eq(kvtd_disk_reap(d, &cqe, 1, 1), 1);
	ck_assert_int_eq(cqe.res, 0);
	memset(base + 65536, 0, 8192);
	ck_assert_int_eq(kvtd_disk_read(d, &key, base + 65536, 8192, 2), 0);
	ck_assert_int_eq(kvtd_disk_reap(d, &cqe, 1, 1), 1);
	ck_assert_int_eq(cqe.res, 0);
	ck_assert_int_eq(memcmp(base, base + 65536, 8192), 0);
	kvtd_disk_stats(d, &st);
	/* Either way every I/O was accounted, fixed or not. */
	if (kvtd_disk_fixed_error(d))
		ck_assert_uint_eq(st.fixed_ios, 0);
	ck_assert_uint_ge(st.fixed_ios + st.unfixed_ios, 2);
	kvtd_disk_close(d);
	munmap(base, RSIZE);
	close(mfd);
	unlink(mpath);
	unlink(path);
}
END_TEST

Suite *daemon_tier_device_cpu_suite(void)
{
	Suite *s = suite_create("daemon_tier_device_cpu");
	TCase *tc;

	tc = tcase_create("regions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookup_and_cache);
	tcase_add_test(tc, test_id_reused);
	tcase_add_test(tc, test_generations);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_retired_until_put);
	tcase_add_test(tc, test_close_unmaps_retired);
	suite_add_tcase(s, tc);

	tc = tcase_create("copies");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_copy_batch);
	tcase_add_test(tc, test_disk_into_region);
	tcase_add_test(tc, test_disk_unregistrable_region);
	suite_add_tcase(s, tc);
	return s;
}

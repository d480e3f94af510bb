// SPDX-License-Identifier: GPL-2.0
/*
 * disk.c and disk_ops.c: the tier's operations on a real O_DIRECT file.
 * Round trips byte for byte, the contract of every refusal, queue depth 32
 * kept full with registered buffers, -ENOSPC and space coming back after a
 * drop, replacement by a newer generation, corruption caught on read, the
 * ops table driving the same tier, and I/O that leaves nothing in the page
 * cache, through a descriptor opened O_DIRECT.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "disk.h"
#include "disk_internal.h"
#include "format.h"
#include "test_disk_util.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define STORE (64 * MIB)
#define SLOT (256 * KIB)
#define NSLOTS 64

static char path[PATH_MAX];
static struct kvtd_disk *d;
static unsigned char *pool;	/* NSLOTS slots, registered */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Content derived from the key and @salt, so every byte can be checked. */
static void fill(void *buf, uint64_t n, const struct kvtd_tier_key *k,
		 uint64_t salt)
{
	uint64_t s = k->lo ^ (k->hi * 31) ^ (k->ns << 7) ^ salt, v, i;

	for (i = 0; i < n; i += 8) {
		v = splitmix(&s);
		memcpy((char *)buf + i, &v, 8);
	}
}

static int same(const void *buf, uint64_t n, const struct kvtd_tier_key *k,
		uint64_t salt)
{
	void *want = malloc(n);
	int ok;

	ck_assert_ptr_nonnull(want);
	fill(want, n, k, salt);
	ok = !memcmp(want, buf, n);
	free(want);
	return ok;
}

static void *slot(int i)
{
	return pool + (size_t)i * SLOT;
}

static int open_store(uint64_t size, uint32_t qd)
{
	struct kvtd_region r = { .addr = pool, .len = NSLOTS * SLOT };
	struct kvtd_tier_cfg cfg = {
		.path = path, .size = size, .queue_depth = qd,
		.flags = KVTD_TIER_CREATE, .regions = &r, .nr_regions = 1,
	};

	return kvtd_disk_open(&cfg, &d);
}

/* A new store in @dir, and the pool of slots registered with it. */
static void setup_in(const char *dir)
{
	int fd;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/kvtd-tier-XXXXXX",
				  dir), (int)sizeof(path));
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	pool = aligned_alloc(4096, NSLOTS * SLOT);
	ck_assert_ptr_nonnull(pool);
	ck_assert_int_eq(open_store(STORE, 0), 0);
}

static void setup(void)
{
	setup_in("/tmp");
}

static void teardown(void)
{
	kvtd_disk_close(d);
	d = NULL;
	unlink(path);
	free(pool);
}

static struct kvtd_tier_cqe put(const struct kvtd_tier_key *k, void *buf,
				uint64_t size, uint64_t salt)
{
	struct kvtd_tier_cqe c;

	fill(buf, size, k, salt);
	ck_assert_int_eq(kvtd_disk_write(d, k, buf, size, 1), 0);
	c = tdisk_wait1(d);
	ck_assert_int_eq(c.res, 0);
	return c;
}

/*
 * Waits until the tier's own wipes (which no caller reaps) have brought
 * the space in use down to @used; false after about five seconds.
 */
static bool settle_used(uint64_t used)
{
	struct kvtd_tier_stats st;
	struct kvtd_tier_cqe c;
	int i;

	for (i = 0; i < 5000; i++) {
		ck_assert_int_eq(kvtd_disk_reap(d, &c, 1, 0), 0);
		kvtd_disk_stats(d, &st);
		if (st.used == used)
			return true;
		usleep(1000);
	}
	return false;
}

static int get(const struct kvtd_tier_key *k, void *buf, uint64_t size)
{
	int ret = kvtd_disk_read(d, k, buf, size, 2);

	return ret ? ret : tdisk_wait1(d).res;
}

START_TEST(test_roundtrip)
{
	static const uint64_t sizes[] = { 4 * KIB, 64 * KIB, 2 * MIB };
	struct kvtd_tier_key k = { .hi = 7, .ns = 3 };
	struct kvtd_tier_cqe c, prev = { 0 };
	void *big = aligned_alloc(4096, 2 * MIB);
	unsigned int i;

	ck_assert_ptr_nonnull(big);
	for (i = 0; i < 3; i++) {
		k.lo = i;
		c = put(&k, big, sizes[i], 0);
		ck_assert_uint_eq(c.op, KVTD_TIER_OP_WRITE);
		ck_assert_uint_eq(c.user_data, 1);
		ck_assert(kvtd_tier_key_eq(&c.key, &k));
		ck_assert_uint_eq(c.size, sizes[i]);
		ck_assert_uint_ge(c.location, KVTD_DISK_DATA_START);
		ck_assert_uint_eq(c.location % 4096, 0);
		ck_assert_uint_gt(c.generation, prev.generation);
		prev = c;
	}
	for (i = 0; i < 3; i++) {
		k.lo = i;
		memset(big, 0, 2 * MIB);
		ck_assert_int_eq(get(&k, big, 2 * MIB), 0);
		ck_assert(same(big, sizes[i], &k, 0));
	}
	free(big);
}
END_TEST

START_TEST(test_invalid)
{
	struct kvtd_tier_key k = { .lo = 1 }, none = { .lo = 2 };

	ck_assert_int_eq(kvtd_disk_write(d, &k, slot(0), 0, 0), -EINVAL);
	ck_assert_int_eq(kvtd_disk_write(d, &k, slot(0), 4097, 0), -EINVAL);
	ck_assert_int_eq(kvtd_disk_write(d, &k, slot(0) + 512, 4096, 0),
			 -EINVAL);
	put(&k, slot(0), 64 * KIB, 0);
	ck_assert_int_eq(kvtd_disk_read(d, &none, slot(1), SLOT, 0), -ENOENT);
	ck_assert_int_eq(kvtd_disk_read(d, &k, slot(1), 32 * KIB, 0),
			 -EOVERFLOW);
	ck_assert_int_eq(kvtd_disk_read(d, &k, slot(1) + 8, SLOT, 0), -EINVAL);
	ck_assert_int_eq(kvtd_disk_drop(d, &none, 0), -ENOENT);
	/* Another namespace is another key. */
	none = k;
	none.ns = 1;
	ck_assert_int_eq(kvtd_disk_read(d, &none, slot(1), SLOT, 0), -ENOENT);
	ck_assert_uint_eq(kvtd_disk_inflight(d), 0);
}
END_TEST

START_TEST(test_qd32_fixed)
{
	struct kvtd_tier_cqe c[64];
	struct kvtd_tier_stats st;
	struct kvtd_tier_key k = { .hi = 0xabc };
	int i, n, seen[32] = { 0 };

	for (i = 0; i < 32; i++) {
		k.lo = i;
		fill(slot(i), SLOT, &k, 0);
		ck_assert_int_eq(kvtd_disk_write(d, &k, slot(i), SLOT, i), 0);
	}
	ck_assert_uint_eq(kvtd_disk_inflight(d), 32);
	k.lo = 99;
	ck_assert_int_eq(kvtd_disk_write(d, &k, slot(40), SLOT, 99), -EAGAIN);
	ck_assert_int_ge(kvtd_disk_submit(d), 0);
	n = kvtd_disk_reap(d, c, 64, 32);
	ck_assert_int_eq(n, 32);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(c[i].res, 0);
		ck_assert_uint_lt(c[i].user_data, 32);
		seen[c[i].user_data]++;
	}
	for (i = 0; i < 32; i++)
		ck_assert_int_eq(seen[i], 1);
	/* 32 reads in flight, into the other half of the pool. */
	for (i = 0; i < 32; i++) {
		k.lo = i;
		memset(slot(32 + i), 0, SLOT);
		ck_assert_int_eq(kvtd_disk_read(d, &k, slot(32 + i), SLOT, i), 0);
	}
	ck_assert_int_eq(kvtd_disk_reap(d, c, 64, 32), 32);
	for (i = 0; i < 32; i++) {
		ck_assert_int_eq(c[i].res, 0);
		ck_assert_uint_eq(c[i].op, KVTD_TIER_OP_READ);
	}
	for (i = 0; i < 32; i++) {
		k.lo = i;
		ck_assert(same(slot(32 + i), SLOT, &k, 0));
	}
	kvtd_disk_stats(d, &st);
	ck_assert_int_eq(kvtd_disk_fixed_error(d), 0);
	/* Content and header of each write, and each read: all fixed. */
	ck_assert_uint_eq(st.fixed_ios, 32 * 2 + 32);
	ck_assert_uint_eq(st.unfixed_ios, 0);
	ck_assert_uint_eq(st.writes, 32);
	ck_assert_uint_eq(st.reads, 32);
	ck_assert_uint_eq(st.bytes_written, 32 * SLOT);
	ck_assert_uint_eq(st.bytes_read, 32 * SLOT);
	ck_assert_uint_eq(st.objects, 32);
	ck_assert_uint_eq(st.used, 32 * kvtd_disk_extent_len(SLOT));
}
END_TEST

/* Keeps the queue full for many operations of mixed sizes, then checks all. */
START_TEST(test_stream_many)
{
	enum { N = 400 };
	struct kvtd_tier_key k = { .ns = 9 };
	struct kvtd_tier_cqe c[32];
	struct kvtd_tier_stats st;
	uint64_t size[N];
	int next = 0, done = 0, i, n, ret, busy[NSLOTS] = { 0 };
	int free_slot = 0;

	srandom(7);
	for (i = 0; i < N; i++)
		size[i] = 4 * KIB * (1 + random() % (SLOT / (4 * KIB)));
	while (done < N) {
		while (next < N) {
			for (free_slot = 0; free_slot < NSLOTS &&
			     busy[free_slot]; free_slot++)
				;
			if (free_slot == NSLOTS)
				break;
			k.lo = next;
			fill(slot(free_slot), size[next], &k, 0);
			ret = kvtd_disk_write(d, &k, slot(free_slot),
					      size[next], free_slot);
			if (ret == -EAGAIN)
				break;
			ck_assert_int_eq(ret, 0);
			busy[free_slot] = 1;
			next++;
		}
		n = kvtd_disk_reap(d, c, 32, 1);
		ck_assert_int_gt(n, 0);
		for (i = 0; i < n; i++) {
			ck_assert_int_eq(c[i].res, 0);
			busy[c[i].user_data] = 0;
		}
		done += n;
	}
	for (i = 0; i < N; i++) {
		k.lo = i;
		ck_assert_int_eq(get(&k, slot(0), SLOT), 0);
		ck_assert(same(slot(0), size[i], &k, 0));
	}
	kvtd_disk_stats(d, &st);
	ck_assert_uint_eq(st.objects, N);
	ck_assert_uint_eq(st.errors, 0);
}
END_TEST

START_TEST(test_enospc_and_space_back)
{
	struct kvtd_tier_key k = { 0 };
	struct kvtd_tier_stats st;
	struct kvtd_tier_cqe c;
	uint64_t ext = kvtd_disk_extent_len(SLOT), cap, n = 0;
	int ret;

	kvtd_disk_close(d);
	ck_assert_int_eq(unlink(path), 0);
	/* Room for exactly five extents and a bit. */
	ck_assert_int_eq(open_store(KVTD_DISK_DATA_START + 5 * ext + 8 * KIB,
				    0), 0);
	kvtd_disk_stats(d, &st);
	cap = st.capacity;
	for (;;) {
		k.lo = n;
		fill(slot(0), SLOT, &k, 0);
		ret = kvtd_disk_write(d, &k, slot(0), SLOT, 0);
		if (ret)
			break;
		ck_assert_int_eq(tdisk_wait1(d).res, 0);
		n++;
	}
	ck_assert_int_eq(ret, -ENOSPC);
	ck_assert_uint_eq(n, cap / ext);
	ck_assert_uint_eq(n, 5);
	/* Smaller objects still fit in what is left. */
	k.lo = 100;
	put(&k, slot(1), 4 * KIB, 0);
	/* A drop gives its extent back once the drop has completed. */
	k.lo = 2;
	ck_assert_int_eq(kvtd_disk_drop(d, &k, 5), 0);
	ck_assert_int_eq(kvtd_disk_read(d, &k, slot(1), SLOT, 0), -ENOENT);
	c = tdisk_wait1(d);
	ck_assert_int_eq(c.res, 0);
	ck_assert_uint_eq(c.op, KVTD_TIER_OP_DROP);
	ck_assert_uint_eq(c.user_data, 5);
	k.lo = 200;
	put(&k, slot(2), SLOT, 0);
	kvtd_disk_stats(d, &st);
	ck_assert_uint_eq(st.drops, 1);
	ck_assert_uint_eq(st.objects, 6);
}
END_TEST

START_TEST(test_replace)
{
	struct kvtd_tier_key k = { .lo = 77 };
	struct kvtd_tier_cqe a, b;
	struct kvtd_tier_stats st;

	a = put(&k, slot(0), SLOT, 1);
	b = put(&k, slot(1), SLOT, 2);
	ck_assert_uint_gt(b.generation, a.generation);
	ck_assert_uint_ne(b.location, a.location);
	ck_assert_int_eq(get(&k, slot(2), SLOT), 0);
	ck_assert(same(slot(2), SLOT, &k, 2));
	/* The old extent goes once its header wipe has completed. */
	ck_assert(settle_used(kvtd_disk_extent_len(SLOT)));
	kvtd_disk_stats(d, &st);
	ck_assert_uint_eq(st.objects, 1);
	ck_assert_uint_eq(st.drops_stale, 1);
	ck_assert_uint_eq(st.used, kvtd_disk_extent_len(SLOT));
}
END_TEST

/*
 * The page cache tests need a file system that keeps files on a device:
 * tmpfs and ramfs files live in the page cache (and tmpfs accepts O_DIRECT
 * from Linux 6.6 on, bypassing nothing), so there no check could tell.
 * The first of $TMPDIR, /var/tmp, /tmp and the working directory (the
 * build tree) that is neither; "" when none is.
 */
static const char *device_dir(void)
{
	const char *dirs[] = { getenv("TMPDIR"), "/var/tmp", "/tmp", "." };
	struct statfs sfs;
	unsigned int i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i] || statfs(dirs[i], &sfs) ||
		    access(dirs[i], W_OK))
			continue;
		if (sfs.f_type != TMPFS_MAGIC && sfs.f_type != RAMFS_MAGIC)
			return dirs[i];
	}
	return "";
}

static void setup_on_device(void)
{
	const char *dir = device_dir();

	/* Check cannot skip: say so loudly; the tests then do nothing. */
	if (!*dir) {
		fprintf(stderr, "SKIP disk_tier:page_cache: no writable "
			"directory off tmpfs (TMPDIR, /var/tmp, /tmp, .)\n");
		path[0] = '\0';
		return;
	}
	setup_in(dir);
}

static void teardown_on_device(void)
{
	if (path[0])
		teardown();
}

/*
 * Pages of @file in the page cache, of *@pages: mincore(2) over a fresh
 * shared mapping, which looks each page up without faulting it in.
 */
static uint64_t cached_pages(const char *file, uint64_t *pages)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t n = 0, i;
	unsigned char *vec;
	struct stat st;
	void *map;
	int fd = open(file, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_gt(st.st_size, 0);
	*pages = (st.st_size + psz - 1) / psz;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(map, MAP_FAILED);
	vec = malloc(*pages);
	ck_assert_ptr_nonnull(vec);
	ck_assert_int_eq(mincore(map, st.st_size, vec), 0);
	for (i = 0; i < *pages; i++)
		n += vec[i] & 1;
	free(vec);
	munmap(map, st.st_size);
	close(fd);
	return n;
}

/*
 * Every object the tier writes and reads back leaves the store's file out
 * of the page cache: the bytes went between the slots and the device. A
 * file written the buffered way beside it shows that the measure sees the
 * page cache on this file system.
 */
START_TEST(test_io_bypasses_page_cache)
{
	struct kvtd_tier_key k = { .hi = 0xcace };
	char control[PATH_MAX];
	uint64_t pages, cached;
	int fd, i;

	if (!path[0])
		return;
	ck_assert_int_lt(snprintf(control, sizeof(control), "%s.buffered",
				  path), (int)sizeof(control));
	fd = open(control, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	memset(slot(0), 0x5a, SLOT);
	ck_assert_int_eq(pwrite(fd, slot(0), SLOT, 0), SLOT);
	close(fd);
	cached = cached_pages(control, &pages);
	unlink(control);
	ck_assert_msg(cached == pages, "mincore sees %llu of %llu pages just "
		      "written buffered: it cannot tell here",
		      (unsigned long long)cached, (unsigned long long)pages);

	for (i = 0; i < NSLOTS; i++) {
		k.lo = i;
		put(&k, slot(i), SLOT, 0);
	}
	for (i = 0; i < NSLOTS; i++) {
		k.lo = i;
		memset(slot(i), 0, SLOT);
		ck_assert_int_eq(get(&k, slot(i), SLOT), 0);
		ck_assert(same(slot(i), SLOT, &k, 0));
	}
	cached = cached_pages(path, &pages);
	ck_assert_msg(cached == 0, "%llu of the store's %llu pages are in the "
		      "page cache after %u MiB written and read through the "
		      "tier", (unsigned long long)cached,
		      (unsigned long long)pages,
		      (unsigned int)(NSLOTS * SLOT / MIB));
}
END_TEST

/* The descriptor the tier does its I/O on is O_DIRECT, as fdinfo shows. */
START_TEST(test_fd_is_direct)
{
	char real[PATH_MAX], link[PATH_MAX], name[300], line[256];
	unsigned int found = 0, flags;
	struct dirent *e;
	ssize_t n;
	FILE *f;
	DIR *dir;

	if (!path[0])
		return;
	ck_assert_ptr_nonnull(realpath(path, real));
	dir = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(dir);
	while ((e = readdir(dir))) {
		snprintf(name, sizeof(name), "/proc/self/fd/%s", e->d_name);
		n = readlink(name, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, real))
			continue;
		snprintf(name, sizeof(name), "/proc/self/fdinfo/%s",
			 e->d_name);
		f = fopen(name, "r");
		ck_assert_ptr_nonnull(f);
		flags = 0;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "flags: %o", &flags) == 1)
				break;
		fclose(f);
		ck_assert_msg(flags & O_DIRECT, "fd %s on the store has flags "
			      "0%o, no O_DIRECT (0%o)", e->d_name, flags,
			      (unsigned int)O_DIRECT);
		found++;
	}
	closedir(dir);
	ck_assert_msg(found, "no descriptor open on %s", real);
}
END_TEST

START_TEST(test_corrupt_on_read)
{
	struct kvtd_tier_key k = { .lo = 5, .ns = 1 };
	struct kvtd_tier_stats st;
	struct kvtd_tier_cqe c, info;
	unsigned char junk = 0x5a;
	int fd;

	c = put(&k, slot(0), SLOT, 0);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, &junk, 1, c.location + 4096 + 12345), 1);
	close(fd);
	ck_assert_int_eq(get(&k, slot(1), SLOT), -EBADMSG);
	kvtd_disk_stats(d, &st);
	ck_assert_uint_eq(st.drops_corrupt, 1);
	ck_assert_uint_eq(st.errors, 1);
	ck_assert_uint_eq(st.reads, 0);
	/* Never served again. */
	ck_assert_int_eq(kvtd_disk_lookup(d, &k, &info), -ENOENT);
	ck_assert_int_eq(kvtd_disk_read(d, &k, slot(1), SLOT, 0), -ENOENT);
}
END_TEST

START_TEST(test_read_survives_drop)
{
	struct kvtd_tier_key k = { .lo = 3 };
	struct kvtd_tier_cqe c[2];
	struct kvtd_tier_stats st;
	int i;

	put(&k, slot(0), SLOT, 0);
	memset(slot(1), 0, SLOT);
	ck_assert_int_eq(kvtd_disk_read(d, &k, slot(1), SLOT, 10), 0);
	ck_assert_int_eq(kvtd_disk_drop(d, &k, 11), 0);
	ck_assert_int_eq(kvtd_disk_reap(d, c, 2, 2), 2);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(c[i].res, 0);
	ck_assert(same(slot(1), SLOT, &k, 0));
	kvtd_disk_stats(d, &st);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.objects, 0);
}
END_TEST

START_TEST(test_sync_eventfd)
{
	struct pollfd p = { .fd = kvtd_disk_event_fd(d), .events = POLLIN };
	struct kvtd_tier_stats st;
	struct kvtd_tier_cqe c;
	uint64_t v;

	ck_assert_int_eq(kvtd_disk_sync(d, 42), 0);
	ck_assert_int_eq(kvtd_disk_submit(d), 1);
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert_int_eq(read(p.fd, &v, sizeof(v)), sizeof(v));
	ck_assert_int_eq(kvtd_disk_reap(d, &c, 1, 0), 1);
	ck_assert_int_eq(c.res, 0);
	ck_assert_uint_eq(c.op, KVTD_TIER_OP_SYNC);
	ck_assert_uint_eq(c.user_data, 42);
	kvtd_disk_stats(d, &st);
	ck_assert_uint_eq(st.syncs, 1);
	/* Nothing in flight: asking to wait for more returns at once. */
	ck_assert_int_eq(kvtd_disk_reap(d, &c, 1, 1), 0);
}
END_TEST

static int count_obj(const struct kvtd_tier_cqe *obj, void *arg)
{
	uint64_t *sum = arg;

	sum[0]++;
	sum[1] += obj->key.lo;
	return 0;
}

START_TEST(test_lookup_foreach)
{
	struct kvtd_tier_key k = { 0 };
	struct kvtd_tier_cqe w, info;
	uint64_t sum[2] = { 0 };
	int i;

	for (i = 1; i <= 4; i++) {
		k.lo = i;
		w = put(&k, slot(i), 8 * KIB, 0);
	}
	ck_assert_int_eq(kvtd_disk_lookup(d, &k, &info), 0);
	ck_assert_uint_eq(info.location, w.location);
	ck_assert_uint_eq(info.generation, w.generation);
	ck_assert_uint_eq(info.size, 8 * KIB);
	ck_assert_int_eq(kvtd_disk_foreach(d, count_obj, sum), 0);
	ck_assert_uint_eq(sum[0], 4);
	ck_assert_uint_eq(sum[1], 1 + 2 + 3 + 4);
}
END_TEST

START_TEST(test_through_ops)
{
	const struct kvtd_tier_ops *ops = &kvtd_disk_tier_ops;
	struct kvtd_tier *t = (struct kvtd_tier *)d;
	struct kvtd_tier_key k = { .lo = 1234 };
	struct kvtd_tier_stats st;
	struct kvtd_tier_cqe c;

	ck_assert_ptr_eq(t->ops, ops);
	fill(slot(0), SLOT, &k, 0);
	ck_assert_int_eq(ops->write(t, &k, slot(0), SLOT, 1), 0);
	ck_assert_int_ge(ops->submit(t), 0);
	ck_assert_int_eq(ops->reap(t, &c, 1, 1), 1);
	ck_assert_int_eq(c.res, 0);
	ck_assert_int_eq(ops->read(t, &k, slot(1), SLOT, 2), 0);
	ck_assert_int_eq(ops->reap(t, &c, 1, 1), 1);
	ck_assert_int_eq(c.res, 0);
	ck_assert(same(slot(1), SLOT, &k, 0));
	ck_assert_int_eq(ops->drop(t, &k, 3), 0);
	ck_assert_int_eq(ops->sync(t, 4), 0);
	ck_assert_int_eq(ops->reap(t, &c, 1, 1), 1);
	ck_assert_int_eq(ops->reap(t, &c, 1, 1), 1);
	ck_assert_int_eq(ops->poll_fd(t), kvtd_disk_event_fd(d));
	ops->stats(t, &st);
	ck_assert_uint_eq(st.writes + st.reads + st.drops + st.syncs, 4);
}
END_TEST

START_TEST(test_close_in_flight)
{
	struct kvtd_tier_key k = { 0 };
	int i;

	/* Closing with operations in flight waits for them and leaks nothing. */
	for (i = 0; i < 16; i++) {
		k.lo = i;
		fill(slot(i), SLOT, &k, 0);
		ck_assert_int_eq(kvtd_disk_write(d, &k, slot(i), SLOT, 0), 0);
	}
	ck_assert_int_ge(kvtd_disk_submit(d), 0);
	kvtd_disk_close(d);
	ck_assert_int_eq(open_store(0, 0), 0);
	for (i = 0; i < 16; i++) {
		k.lo = i;
		ck_assert_int_eq(get(&k, slot(20), SLOT), 0);
		ck_assert(same(slot(20), SLOT, &k, 0));
	}
}
END_TEST

/*
 * The write order (kvtd_disk_write_next()), driven through every order in
 * which a write's events can come: its checksum (computed by the tier
 * after the content is submitted), the content write's completion and,
 * once queued, the header write's, each I/O succeeding or failing.
 */
enum { WEV_CRC, WEV_CONTENT, WEV_HDR, WEV_N };

struct wsim {
	unsigned int stage;
	int res;
	int res_content, res_hdr;	/* what each I/O will complete with */
	int done;			/* times reported done */
	bool hdr_before_content;	/* queued before the content completed */
};

static bool wsim_pending(const struct wsim *w, int ev)
{
	switch (ev) {
	case WEV_CRC:
		return !(w->stage & DISK_W_CRC_DONE);
	case WEV_CONTENT:
		return !(w->stage & DISK_W_CONTENT_DONE);
	default:
		return (w->stage & DISK_W_HDR_QUEUED) &&
		       !(w->stage & DISK_W_HDR_DONE);
	}
}

/* Applies @ev to @w as disk.c does, then checks what the write did. */
static void wsim_step(struct wsim *w, int ev)
{
	int io = ev == WEV_CONTENT ? w->res_content :
		 ev == WEV_HDR ? w->res_hdr : 0;

	if (io && !w->res)
		w->res = io;
	w->stage |= ev == WEV_CRC ? DISK_W_CRC_DONE :
		    ev == WEV_CONTENT ? DISK_W_CONTENT_DONE : DISK_W_HDR_DONE;
	switch (kvtd_disk_write_next(w->stage, w->res)) {
	case DISK_W_QUEUE_HDR:
		/* Only once checksummed, never twice, never after a failure. */
		ck_assert(w->stage & DISK_W_CRC_DONE);
		ck_assert(!(w->stage & DISK_W_HDR_QUEUED));
		ck_assert_int_eq(w->res, 0);
		w->stage |= DISK_W_HDR_QUEUED;
		w->hdr_before_content = !(w->stage & DISK_W_CONTENT_DONE);
		break;
	case DISK_W_DONE:
		/* Reported only once every I/O it submitted has completed. */
		ck_assert(w->stage & DISK_W_CONTENT_DONE);
		ck_assert(!(w->stage & DISK_W_HDR_QUEUED) ||
			  (w->stage & DISK_W_HDR_DONE));
		w->done++;
		break;
	case DISK_W_WAIT:
		break;
	}
}

/* Explores every order of the events still to come; returns the count. */
static int wsim_explore(const struct wsim *w)
{
	int ev, n = 0;
	struct wsim next;

	for (ev = 0; ev < WEV_N; ev++) {
		if (!wsim_pending(w, ev))
			continue;
		next = *w;
		wsim_step(&next, ev);
		n += wsim_explore(&next);
	}
	if (n)
		return n;
	/* Every event has come: the write was reported exactly once. */
	ck_assert_int_eq(w->done, 1);
	/* Failed if either I/O it submitted failed. */
	ck_assert_int_eq(w->res != 0, w->res_content != 0 ||
			 ((w->stage & DISK_W_HDR_QUEUED) && w->res_hdr));
	/* A content that failed first gets no header; otherwise it has one. */
	if (!w->res_content)
		ck_assert(w->stage & DISK_W_HDR_QUEUED);
	return 1;
}

START_TEST(test_write_order)
{
	static const int results[] = { 0, -EIO };
	struct wsim w = { 0 }, first;
	int c, h, orders;

	for (c = 0; c < 2; c++) {
		for (h = 0; h < 2; h++) {
			w = (struct wsim){ .res_content = results[c],
					   .res_hdr = results[h] };
			orders = wsim_explore(&w);
			/*
			 * crc, then content and header either way; or content
			 * first, then crc, then the header unless it failed.
			 */
			ck_assert_int_eq(orders, 3);
		}
	}
	/*
	 * The header does not wait for the content: checksummed first, the
	 * write has its header queued with the content still in flight.
	 */
	w = (struct wsim){ 0 };
	wsim_step(&w, WEV_CRC);
	ck_assert(w.stage & DISK_W_HDR_QUEUED);
	ck_assert(w.hdr_before_content);
	/* And is not done when the header completes first. */
	first = w;
	wsim_step(&first, WEV_HDR);
	ck_assert_int_eq(first.done, 0);
	wsim_step(&first, WEV_CONTENT);
	ck_assert_int_eq(first.done, 1);
}
END_TEST

Suite *disk_tier_suite(void)
{
	Suite *s = suite_create("disk_tier");
	TCase *tc;

	tc = tcase_create("io");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_qd32_fixed);
	tcase_add_test(tc, test_stream_many);
	tcase_add_test(tc, test_lookup_foreach);
	tcase_add_test(tc, test_through_ops);
	tcase_add_test(tc, test_close_in_flight);
	suite_add_tcase(s, tc);

	tc = tcase_create("space");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_enospc_and_space_back);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_read_survives_drop);
	tcase_add_test(tc, test_sync_eventfd);
	suite_add_tcase(s, tc);

	tc = tcase_create("write_order");
	tcase_add_test(tc, test_write_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("integrity");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_corrupt_on_read);
	suite_add_tcase(s, tc);

	tc = tcase_create("page_cache");
	tcase_add_checked_fixture(tc, setup_on_device, teardown_on_device);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_io_bypasses_page_cache);
	tcase_add_test(tc, test_fd_is_direct);
	suite_add_tcase(s, tc);
	return s;
}

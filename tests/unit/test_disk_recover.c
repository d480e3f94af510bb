// SPDX-License-Identifier: GPL-2.0
/*
 * recover.c: what a re-open makes of the extents on disk. A clean reopen
 * finds every object where it was; damage made behind the tier's back
 * (the file cut short, a byte of content or header changed, a header wiped,
 * an old copy whose wipe was lost) is dropped, counted once, and never
 * served; two valid copies of a key resolve to the newer generation; and a
 * writer killed with SIGKILL in the middle of a stream of writes loses
 * nothing it had reported complete, and what it left torn (a header whose
 * content was still in flight) is dropped, never served.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crc32c.h"
#include "disk.h"
#include "format.h"
#include "test_disk_util.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define STORE (64 * MIB)
#define OBJ (256 * KIB)

static char path[] = "/tmp/kvtd-recover-XXXXXX";
static struct kvtd_disk *d;
static unsigned char *buf;	/* 2 x OBJ */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void fill(void *p, uint64_t n, const struct kvtd_tier_key *k,
		 uint64_t salt)
{
	uint64_t s = k->lo ^ (k->hi * 31) ^ (k->ns << 7) ^ salt, v, i;

	for (i = 0; i < n; i += 8) {
		v = splitmix(&s);
		memcpy((char *)p + i, &v, 8);
	}
}

static int same(const void *p, uint64_t n, const struct kvtd_tier_key *k,
		uint64_t salt)
{
	void *want = malloc(n);
	int ok;

	if (!want)
		return 0;
	fill(want, n, k, salt);
	ok = !memcmp(want, p, n);
	free(want);
	return ok;
}

static int open_store(uint32_t flags)
{
	struct kvtd_region r = { .addr = buf, .len = 2 * OBJ };
	struct kvtd_tier_cfg cfg = {
		.path = path, .size = flags ? STORE : 0, .flags = flags,
		.regions = &r, .nr_regions = 1,
	};

	return kvtd_disk_open(&cfg, &d);
}

static void reopen(void)
{
	kvtd_disk_close(d);
	d = NULL;
	ck_assert_int_eq(open_store(0), 0);
}

static void setup(void)
{
	int fd;

	strcpy(path, "/tmp/kvtd-recover-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	buf = aligned_alloc(4096, 2 * OBJ);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(open_store(KVTD_TIER_CREATE), 0);
}

static void teardown(void)
{
	kvtd_disk_close(d);
	d = NULL;
	unlink(path);
	free(buf);
}

static struct kvtd_tier_cqe put(const struct kvtd_tier_key *k, uint64_t size,
				uint64_t salt)
{
	struct kvtd_tier_cqe c;

	fill(buf, size, k, salt);
	ck_assert_int_eq(kvtd_disk_write(d, k, buf, size, 0), 0);
	c = tdisk_wait1(d);
	ck_assert_int_eq(c.res, 0);
	return c;
}

static void drop(const struct kvtd_tier_key *k)
{
	ck_assert_int_eq(kvtd_disk_drop(d, k, 0), 0);
	ck_assert_int_eq(tdisk_wait1(d).res, 0);
}

static int get(const struct kvtd_tier_key *k, uint64_t size)
{
	int ret = kvtd_disk_read(d, k, buf, size, 0);

	return ret ? ret : tdisk_wait1(d).res;
}

static struct kvtd_tier_stats stats(void)
{
	struct kvtd_tier_stats st;

	kvtd_disk_stats(d, &st);
	return st;
}

/* Raw access to the store file, behind the tier's back. */
static void raw(bool write, void *p, size_t n, off_t off)
{
	int fd = open(path, O_RDWR);

	ck_assert_int_ge(fd, 0);
	if (write)
		ck_assert_int_eq(pwrite(fd, p, n, off), (ssize_t)n);
	else
		ck_assert_int_eq(pread(fd, p, n, off), (ssize_t)n);
	ck_assert_int_eq(fsync(fd), 0);
	close(fd);
}

static void flip(off_t off)
{
	unsigned char b;

	raw(false, &b, 1, off);
	b ^= 0x20;
	raw(true, &b, 1, off);
}

START_TEST(test_reopen_rebuilds)
{
	enum { N = 20 };
	struct kvtd_tier_cqe w[N], info, c;
	struct kvtd_tier_stats before, after;
	struct kvtd_tier_key k = { .hi = 0x77 };
	uint64_t size[N], maxgen = 0;
	int i;

	for (i = 0; i < N; i++) {
		k.lo = i;
		k.ns = i % 3;
		size[i] = 4 * KIB * (1 + (i * 7) % 64);
		w[i] = put(&k, size[i], 0);
		if (w[i].generation > maxgen)
			maxgen = w[i].generation;
	}
	for (i = 0; i < N; i += 4) {
		k.lo = i;
		k.ns = i % 3;
		drop(&k);
	}
	before = stats();
	reopen();
	after = stats();
	ck_assert_uint_eq(after.recovered, N - N / 4);
	ck_assert_uint_eq(after.objects, N - N / 4);
	ck_assert_uint_eq(after.used, before.used);
	ck_assert_uint_eq(after.drops_torn + after.drops_corrupt +
			  after.drops_stale, 0);
	for (i = 0; i < N; i++) {
		k.lo = i;
		k.ns = i % 3;
		if (i % 4 == 0) {
			ck_assert_int_eq(kvtd_disk_lookup(d, &k, &info), -ENOENT);
			continue;
		}
		ck_assert_int_eq(kvtd_disk_lookup(d, &k, &info), 0);
		ck_assert_uint_eq(info.location, w[i].location);
		ck_assert_uint_eq(info.generation, w[i].generation);
		ck_assert_uint_eq(info.size, size[i]);
		memset(buf, 0, OBJ);
		ck_assert_int_eq(get(&k, OBJ), 0);
		ck_assert(same(buf, size[i], &k, 0));
	}
	/* Generations keep growing across the reopen. */
	k.lo = 1000;
	c = put(&k, 4 * KIB, 0);
	ck_assert_uint_gt(c.generation, maxgen);
}
END_TEST

START_TEST(test_torn_truncated)
{
	struct kvtd_tier_key k = { .lo = 1 };
	struct kvtd_tier_cqe w, again;

	w = put(&k, OBJ, 0);
	kvtd_disk_close(d);
	d = NULL;
	/* Header written, content cut short: the file ends mid-object. */
	ck_assert_int_eq(truncate(path, w.location + 4096 + OBJ / 2), 0);
	ck_assert_int_eq(open_store(0), 0);
	ck_assert_uint_eq(stats().drops_torn, 1);
	ck_assert_uint_eq(stats().recovered, 0);
	ck_assert_int_eq(get(&k, OBJ), -ENOENT);
	/* Its space is free again, and the drop is not counted twice. */
	again = put(&k, OBJ, 1);
	ck_assert_uint_eq(again.location, w.location);
	ck_assert_uint_gt(again.generation, w.generation);
	reopen();
	ck_assert_uint_eq(stats().drops_torn, 0);
	ck_assert_int_eq(get(&k, OBJ), 0);
	ck_assert(same(buf, OBJ, &k, 1));
}
END_TEST

START_TEST(test_torn_content_byte)
{
	struct kvtd_tier_key k = { .lo = 2 }, k2 = { .lo = 3 };
	struct kvtd_tier_cqe w;

	w = put(&k, OBJ, 0);
	put(&k2, OBJ, 0);
	flip(w.location + 4096 + OBJ - 1);
	reopen();
	ck_assert_uint_eq(stats().drops_torn, 1);
	ck_assert_uint_eq(stats().recovered, 1);
	ck_assert_int_eq(get(&k, OBJ), -ENOENT);
	ck_assert_int_eq(get(&k2, OBJ), 0);
	ck_assert(same(buf, OBJ, &k2, 0));
	reopen();
	ck_assert_uint_eq(stats().drops_torn, 0);
}
END_TEST

START_TEST(test_content_without_header)
{
	struct kvtd_tier_key k = { .lo = 4 };
	struct kvtd_tier_cqe w;
	unsigned char *zero = calloc(1, 4096);

	ck_assert_ptr_nonnull(zero);
	w = put(&k, OBJ, 0);
	/* The content landed, the header never did. */
	raw(true, zero, 4096, w.location);
	/* And stray content in free space. */
	fill(buf, OBJ, &k, 9);
	raw(true, buf, OBJ, 32 * MIB);
	reopen();
	ck_assert_uint_eq(stats().recovered, 0);
	ck_assert_uint_eq(stats().drops_torn + stats().drops_corrupt +
			  stats().drops_stale, 0);
	ck_assert_uint_eq(stats().used, 0);
	ck_assert_int_eq(get(&k, OBJ), -ENOENT);
	free(zero);
}
END_TEST

START_TEST(test_corrupt_header)
{
	struct kvtd_tier_key k = { .lo = 5 }, k2 = { .lo = 6 };
	struct kvtd_tier_cqe w;

	w = put(&k, OBJ, 0);
	put(&k2, 8 * KIB, 0);
	/* A bit of the key: the header checksum no longer matches. */
	flip(w.location + 40);
	reopen();
	ck_assert_uint_eq(stats().drops_corrupt, 1);
	ck_assert_uint_eq(stats().recovered, 1);
	ck_assert_int_eq(get(&k, OBJ), -ENOENT);
	ck_assert_int_eq(get(&k2, OBJ), 0);
	reopen();
	ck_assert_uint_eq(stats().drops_corrupt, 0);
}
END_TEST

START_TEST(test_stale_generation)
{
	struct kvtd_tier_key k = { .lo = 8, .ns = 2 };
	unsigned char *old = aligned_alloc(4096, 4096 + OBJ);
	struct kvtd_tier_cqe a, b;

	ck_assert_ptr_nonnull(old);
	a = put(&k, OBJ, 1);
	raw(false, old, 4096 + OBJ, a.location);
	b = put(&k, OBJ, 2);
	ck_assert_uint_gt(b.generation, a.generation);
	kvtd_disk_close(d);
	d = NULL;
	/* The wipe of the old copy was lost: both copies are valid on disk. */
	raw(true, old, 4096 + OBJ, a.location);
	ck_assert_int_eq(open_store(0), 0);
	ck_assert_uint_eq(stats().drops_stale, 1);
	ck_assert_uint_eq(stats().recovered, 1);
	ck_assert_uint_eq(stats().used, kvtd_disk_extent_len(OBJ));
	ck_assert_int_eq(get(&k, OBJ), 0);
	ck_assert(same(buf, OBJ, &k, 2));
	reopen();
	ck_assert_uint_eq(stats().drops_stale, 0);
	ck_assert_int_eq(get(&k, OBJ), 0);
	ck_assert(same(buf, OBJ, &k, 2));
	free(old);
}
END_TEST

/*
 * An old header whose wipe was lost claims space that a newer extent now
 * partly holds: the newer one must survive, the old one must not.
 */
START_TEST(test_lost_wipe_overlap)
{
	struct kvtd_tier_key k1 = { .lo = 11 }, k0 = { .lo = 10 },
			     k2 = { .lo = 12 };
	unsigned char *hdr = aligned_alloc(4096, 4096);
	struct kvtd_tier_cqe a, spacer, b;

	ck_assert_ptr_nonnull(hdr);
	a = put(&k1, OBJ, 0);
	raw(false, hdr, 4096, a.location);
	drop(&k1);
	spacer = put(&k0, 4 * KIB, 0);
	b = put(&k2, 2 * OBJ, 0);
	ck_assert_uint_eq(spacer.location, a.location);
	ck_assert_uint_gt(b.location, a.location);
	ck_assert_uint_lt(b.location, a.location + kvtd_disk_extent_len(OBJ));
	drop(&k0);
	kvtd_disk_close(d);
	d = NULL;
	raw(true, hdr, 4096, a.location);
	ck_assert_int_eq(open_store(0), 0);
	ck_assert_uint_eq(stats().recovered, 1);
	ck_assert_uint_eq(stats().drops_torn, 1);
	ck_assert_int_eq(get(&k1, OBJ), -ENOENT);
	ck_assert_int_eq(get(&k2, 2 * OBJ), 0);
	ck_assert(same(buf, 2 * OBJ, &k2, 0));
	free(hdr);
}
END_TEST

/*
 * A write's header goes out while its content is still in flight (see
 * disk.c), so a crash can leave a header of a newer copy over content that
 * never landed, or landed in part. Recovery must drop it as torn and give
 * the key back its older copy, which the newer write had not replaced yet.
 */
START_TEST(test_header_without_content)
{
	struct kvtd_tier_key k = { .lo = 13, .ns = 4 };
	unsigned char *blk = aligned_alloc(4096, 4096);
	struct kvtd_disk_ext ext;
	struct kvtd_disk_sb sb;
	struct kvtd_tier_cqe a, again;
	uint64_t at;

	ck_assert_ptr_nonnull(blk);
	a = put(&k, OBJ, 0);
	kvtd_disk_close(d);
	d = NULL;
	raw(false, blk, 4096, 0);
	ck_assert_int_eq(kvtd_disk_super_decode(blk, &sb), 0);
	/* The newer copy's header, in the free space after the old one. */
	at = a.location + kvtd_disk_extent_len(OBJ);
	fill(buf, OBJ, &k, 1);
	ext = (struct kvtd_disk_ext){
		.key = k, .offset = at, .extent_len = kvtd_disk_extent_len(OBJ),
		.size = OBJ, .generation = a.generation + 1,
		.data_crc = kvtd_crc32c(0, buf, OBJ),
	};
	kvtd_disk_hdr_encode(&ext, sb.uuid, blk);
	raw(true, blk, 4096, at);
	/* Half its content landed; the rest is what the space held (zeros). */
	raw(true, buf, OBJ / 2, at + 4096);
	ck_assert_int_eq(open_store(0), 0);
	ck_assert_uint_eq(stats().drops_torn, 1);
	ck_assert_uint_eq(stats().drops_stale, 0);
	ck_assert_uint_eq(stats().recovered, 1);
	ck_assert_uint_eq(stats().used, kvtd_disk_extent_len(OBJ));
	ck_assert_int_eq(get(&k, OBJ), 0);
	ck_assert(same(buf, OBJ, &k, 0));
	/* The torn header was wiped, and the next copy is newer than it. */
	again = put(&k, OBJ, 2);
	ck_assert_uint_eq(again.location, at);
	ck_assert_uint_gt(again.generation, a.generation + 1);
	reopen();
	ck_assert_uint_eq(stats().drops_torn, 0);
	ck_assert_uint_eq(stats().recovered, 1);
	ck_assert_int_eq(get(&k, OBJ), 0);
	ck_assert(same(buf, OBJ, &k, 2));
	free(blk);
}
END_TEST

/* ------------------------------------------------------------------ */

#define KILL_AFTER 60
#define CHILD_QD 16
#define CHILD_SLOTS 16
#define CHILD_OBJ (128 * KIB)

/*
 * The writer: streams objects through its own tier and tells the parent
 * (one int per write, on @wfd) each time a write completes. Never returns.
 */
static void child_writer(int wfd)
{
	struct kvtd_tier_cfg cfg = { .path = path, .queue_depth = CHILD_QD };
	struct kvtd_tier_cqe c[CHILD_QD];
	struct kvtd_tier_key k = { .hi = 0xfeed };
	struct kvtd_disk *w;
	unsigned char *pool = aligned_alloc(4096, CHILD_SLOTS * CHILD_OBJ);
	struct kvtd_region r = { .addr = pool, .len = CHILD_SLOTS * CHILD_OBJ };
	int busy[CHILD_SLOTS] = { 0 }, next = 0, i, n, s;

	cfg.regions = &r;
	cfg.nr_regions = 1;
	if (!pool || kvtd_disk_open(&cfg, &w))
		_exit(2);
	for (;;) {
		for (s = 0; s < CHILD_SLOTS; s++) {
			if (busy[s])
				continue;
			k.lo = next;
			fill(pool + s * CHILD_OBJ, CHILD_OBJ, &k, 0);
			if (kvtd_disk_write(w, &k, pool + s * CHILD_OBJ,
					    CHILD_OBJ, ((uint64_t)s << 32) | next))
				break;
			busy[s] = 1;
			next++;
		}
		n = kvtd_disk_reap(w, c, CHILD_QD, 1);
		if (n <= 0)
			_exit(3);
		for (i = 0; i < n; i++) {
			int id = (int)(uint32_t)c[i].user_data;

			if (c[i].res)
				_exit(4);
			busy[c[i].user_data >> 32] = 0;
			if (write(wfd, &id, sizeof(id)) != sizeof(id))
				_exit(5);
		}
	}
}

START_TEST(test_kill9_mid_stream)
{
	static unsigned char done[4096];
	struct kvtd_tier_key k = { .hi = 0xfeed };
	struct kvtd_tier_cqe info;
	struct kvtd_tier_stats st;
	int p[2], id, status, seen = 0, found = 0, i;
	pid_t pid;

	kvtd_disk_close(d);
	d = NULL;
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		close(p[0]);
		child_writer(p[1]);
	}
	close(p[1]);
	while (seen < KILL_AFTER && read(p[0], &id, sizeof(id)) == sizeof(id)) {
		ck_assert_int_lt(id, (int)sizeof(done));
		done[id] = 1;
		seen++;
	}
	ck_assert_int_eq(seen, KILL_AFTER);
	/* Writes are in flight now: the writer always keeps its queue full. */
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	/* Completions that reached the pipe before the kill count too. */
	while (read(p[0], &id, sizeof(id)) == sizeof(id)) {
		done[id] = 1;
		seen++;
	}
	close(p[0]);

	ck_assert_int_eq(open_store(0), 0);
	st = stats();
	/*
	 * Headers go out with their content in flight, so a write the kill
	 * cut short may have left a torn extent: at most one per write in
	 * flight, dropped, never served (the reads below would fail).
	 */
	ck_assert_uint_le(st.drops_torn, CHILD_QD);
	ck_assert_uint_eq(st.drops_corrupt, 0);
	ck_assert_uint_ge(st.recovered, (uint64_t)seen);
	for (i = 0; i < (int)sizeof(done); i++) {
		k.lo = i;
		if (kvtd_disk_lookup(d, &k, &info)) {
			ck_assert_msg(!done[i], "object %d completed, then lost", i);
			continue;
		}
		found++;
		ck_assert_int_eq(get(&k, OBJ), 0);
		ck_assert(same(buf, CHILD_OBJ, &k, 0));
	}
	ck_assert_uint_eq(found, st.recovered);
}
END_TEST

Suite *disk_recover_suite(void)
{
	Suite *s = suite_create("disk_recover");
	TCase *tc;

	tc = tcase_create("clean");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reopen_rebuilds);
	suite_add_tcase(s, tc);

	tc = tcase_create("damage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_torn_truncated);
	tcase_add_test(tc, test_torn_content_byte);
	tcase_add_test(tc, test_content_without_header);
	tcase_add_test(tc, test_corrupt_header);
	tcase_add_test(tc, test_stale_generation);
	tcase_add_test(tc, test_lost_wipe_overlap);
	tcase_add_test(tc, test_header_without_content);
	suite_add_tcase(s, tc);

	tc = tcase_create("crash");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_kill9_mid_stream);
	suite_add_tcase(s, tc);
	return s;
}

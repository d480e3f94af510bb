// SPDX-License-Identifier: GPL-2.0
/*
 * Disk tier throughput for 2 MiB objects at queue depth 32, as a ratio to
 * fio's io_uring engine doing the same O_DIRECT I/O on the same file.
 *
 * Both sides move the same bytes the same way: 2 MiB per I/O at the same
 * file offsets (the content blocks of the tier's extents, each after its
 * 4 KiB header block), 32 in flight, O_DIRECT, one thread, buffers and
 * file registered with io_uring
 * (the tier's READ_FIXED / WRITE_FIXED; fio's --fixedbufs --registerfiles),
 * and buffers on the same kind of pages. The pages matter more than any
 * of that on a virtio disk: a 2 MiB buffer on one 2 MiB page is one
 * physical segment, on 4 KiB pages it is 512 (virtio-blk takes 254 a
 * request), and that alone is worth 1.5 to 2 times the read
 * bandwidth here. So every round runs both sides twice: on 2 MiB pages
 * (hugetlb for both: MAP_HUGETLB for the tier's slots, fio's
 * --iomem=shmhuge; the driver's pool is on 2 MiB pages too) and on 4 KiB
 * pages (MADV_NOHUGEPAGE for the tier, and fio run with THP disabled by
 * prctl, which its children keep). Both are like for like; the one judged
 * against the 0.90 to 1.15 target is on 2 MiB pages, the memory the tier
 * moves pool slots in, and the one on 4 KiB pages is reported beside it.
 * The ratio of the earlier reports, the tier on 2 MiB pages against fio on
 * 4 KiB pages, is printed as well, labelled as the mixed one it is.
 *
 * The tier does more than fio (a crc32c of every object on both paths, a
 * 4 KiB header write alongside each object), which is the cost the
 * ratio is meant to show. Rounds alternate which side and which pages go
 * first, so drift in the device (its cache, the host's) does not favour
 * one of them.
 *
 * Hugetlb pages are reserved for the run through /proc/sys/vm/nr_hugepages
 * (root) and the old count put back after; without them the 2 MiB
 * comparison is not run, and says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_disk.h"
#include "bench_util.h"
#include "disk.h"
#include "format.h"

/* 2 MiB objects: a KV block group, an expert slice; fio's --bs=2m. */
#define BD_OBJ (2u * 1024u * 1024u)
/*
 * 512 objects, 1 GiB per pass: start-up costs (fio's, ours) are under 1%
 * of a pass, and a round of four passes takes about two seconds here.
 */
#define BD_OBJECTS 512u
#define BD_QD 32u
/*
 * Five rounds, the median of each figure: a virtual disk's bandwidth here
 * swings by a third from one second to the next, and the median of five
 * drops two outliers either way.
 */
#define BD_ROUNDS 5
/*
 * The like-for-like ratio should land between these: below, the tier's
 * own work costs too much; above, the two sides are not doing the same
 * I/O (the tier cannot beat the same I/O by more than the noise).
 */
#define BD_TARGET 0.9
#define BD_TARGET_MAX 1.15
/*
 * Hugetlb pages for a run: the tier's 32 slots, and fio's 32 buffers
 * with what fio adds for alignment (fio 3.33 needs 34 in all), and two
 * to spare.
 */
#define BD_HUGE_PAGES (2 * BD_QD + 4)
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif

/* fio's JSON is about 10 KiB per job; 1 MiB is room for any version. */
#define BD_FIO_MAX (1u << 20)

enum { BD_WRITE, BD_READ };

/* The pages both sides' buffers are on. */
enum bd_pages { BD_PAGES_2M, BD_PAGES_4K, BD_NR_PAGES };

/* ---------------------------------------------------------------------
 * A small JSON reader, enough to walk fio's report to one number.
 */

struct bd_json {
	const char *p;
	const char *end;
};

static void bd_ws(struct bd_json *j)
{
	while (j->p < j->end && strchr(" \t\r\n", *j->p))
		j->p++;
}

/* Skips a string at j->p; its body is [*s, *s + *n) (escapes kept). */
static int bd_string(struct bd_json *j, const char **s, size_t *n)
{
	if (j->p >= j->end || *j->p != '"')
		return -EINVAL;
	*s = ++j->p;
	while (j->p < j->end && *j->p != '"')
		j->p += *j->p == '\\' ? 2 : 1;
	if (j->p >= j->end)
		return -EINVAL;
	*n = j->p - *s;
	j->p++;
	return 0;
}

static int bd_skip(struct bd_json *j, int depth);

/* Skips an object or an array. */
static int bd_skip_container(struct bd_json *j, int depth)
{
	char close = *j->p == '{' ? '}' : ']';
	const char *s;
	size_t n;
	int ret;

	j->p++;
	bd_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			ret = bd_string(j, &s, &n);
			bd_ws(j);
			if (ret || j->p >= j->end || *j->p++ != ':')
				return -EINVAL;
		}
		ret = bd_skip(j, depth + 1);
		if (ret)
			return ret;
		bd_ws(j);
		if (j->p >= j->end)
			return -EINVAL;
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		if (*j->p++ != ',')
			return -EINVAL;
		bd_ws(j);
	}
}

/* Skips any value: strings, numbers, literals, objects, arrays. */
static int bd_skip(struct bd_json *j, int depth)
{
	const char *s;
	size_t n;

	/* fio nests a few levels; a bound keeps bad input off the stack. */
	if (depth > 64)
		return -EINVAL;
	bd_ws(j);
	if (j->p >= j->end)
		return -EINVAL;
	if (*j->p == '"')
		return bd_string(j, &s, &n);
	if (*j->p == '{' || *j->p == '[')
		return bd_skip_container(j, depth);
	while (j->p < j->end && !strchr(",}] \t\r\n", *j->p))
		j->p++;
	return 0;
}

/*
 * Finds the value at @path (object keys; "0" for an array's first
 * element) and reads it as a number. Returns 0 or -EINVAL.
 */
static int bd_json_number(const char *text, size_t len,
			  const char *const *path, double *out)
{
	struct bd_json j = { .p = text, .end = text + len };
	const char *s;
	size_t n;
	char *endp;

	for (; *path; path++) {
		bd_ws(&j);
		if (j.p >= j.end)
			return -EINVAL;
		if (*j.p == '[' && !strcmp(*path, "0")) {
			j.p++;
			continue;
		}
		if (*j.p != '{')
			return -EINVAL;
		j.p++;
		for (;;) {
			bd_ws(&j);
			if (bd_string(&j, &s, &n))
				return -EINVAL;
			bd_ws(&j);
			if (j.p >= j.end || *j.p++ != ':')
				return -EINVAL;
			if (n == strlen(*path) && !memcmp(s, *path, n))
				break;
			if (bd_skip(&j, 0))
				return -EINVAL;
			bd_ws(&j);
			if (j.p >= j.end || *j.p++ != ',')
				return -EINVAL;
		}
	}
	bd_ws(&j);
	*out = strtod(j.p, &endp);
	return endp == j.p ? -EINVAL : 0;
}

/* ---------------------------------------------------------------------
 * fio, run directly (no shell), its JSON read from a pipe.
 */

static int bd_fio(const char *path, int rw, enum bd_pages pages,
		  double *mbps)
{
	static const char *const wpath[] = { "jobs", "0", "write", "bw_bytes",
					     NULL };
	static const char *const rpath[] = { "jobs", "0", "read", "bw_bytes",
					     NULL };
	char size[32], io_size[32], offset[32], filename[4096 + 16];
	char *argv[] = {
		"fio", "--name=kvtd-disk", "--ioengine=io_uring", "--direct=1",
		"--bs=2m", "--iodepth=32", "--fixedbufs", "--registerfiles",
		rw == BD_WRITE ? "--rw=write:4k" : "--rw=read:4k", filename,
		size, io_size,
		offset, "--output-format=json",
		/* malloc (the default) otherwise, on 4 KiB pages: see below. */
		pages == BD_PAGES_2M ? "--iomem=shmhuge" : NULL,
		"--hugepage-size=2m", NULL,
	};
	size_t len = 0, cap = BD_FIO_MAX;
	int p[2], status, ret;
	char *buf, *json;
	double bw;
	ssize_t n;
	pid_t pid;

	if (strlen(path) > 4096)
		return -ENAMETOOLONG;
	snprintf(filename, sizeof(filename), "--filename=%s", path);
	/*
	 * The same I/O as the tier's, byte for byte: each object's content
	 * sits after its extent's 4 KiB header block, so fio starts one block
	 * in and skips one block after each 2 MiB ("read:4k", "write:4k"),
	 * and its I/Os land exactly on the tier's content blocks.
	 */
	snprintf(size, sizeof(size), "--size=%llu",
		 (unsigned long long)BD_OBJECTS * kvtd_disk_extent_len(BD_OBJ) -
		 KVTD_DISK_BLOCK);
	/* One pass over the objects, no wrapping round to the start. */
	snprintf(io_size, sizeof(io_size), "--io_size=%llu",
		 (unsigned long long)BD_OBJECTS * BD_OBJ);
	snprintf(offset, sizeof(offset), "--offset=%u",
		 KVTD_DISK_DATA_START + KVTD_DISK_BLOCK);
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	if (pipe(p)) {
		free(buf);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(p[0]);
		close(p[1]);
		free(buf);
		return ret;
	}
	if (!pid) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		/*
		 * No THP for fio's malloc()ed buffers, whatever the system's
		 * setting ("always" would give it some 2 MiB pages): the
		 * flag survives execve().
		 */
		if (pages == BD_PAGES_4K &&
		    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
			_exit(126);
		execvp("fio", argv);
		_exit(127);
	}
	close(p[1]);
	while (len < cap && (n = read(p[0], buf + len, cap - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += n;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		free(buf);
		return -ENOENT;
	}
	/* fio may print notes before its report. */
	json = strchr(buf, '{');
	ret = json ? bd_json_number(json, len - (json - buf),
				    rw == BD_WRITE ? wpath : rpath, &bw) :
		     -EINVAL;
	free(buf);
	if (ret)
		return ret;
	*mbps = bw / 1e6;
	return 0;
}

/* ---------------------------------------------------------------------
 * The tier's side: a pool of 32 registered 2 MiB slots, one per I/O.
 */

struct bd_tier {
	void *map;
	size_t map_len;
	unsigned char *pool;
	struct kvtd_region region;
	int busy[BD_QD];
};

static struct kvtd_tier_key bd_key(unsigned int i)
{
	return (struct kvtd_tier_key){ .lo = i, .hi = 0xbe7c4d15c0ull };
}

/* Runs one pass of @rw over every object; MB/s in *@mbps. */
static int bd_tier_pass(struct bd_tier *b, struct kvtd_disk *d, int rw,
			double *mbps)
{
	struct kvtd_tier_cqe c[BD_QD];
	unsigned int next = 0, done = 0, s;
	struct kvtd_tier_key k;
	double t0 = bench_now();
	int i, n, ret;

	memset(b->busy, 0, sizeof(b->busy));
	while (done < BD_OBJECTS) {
		for (s = 0; s < BD_QD && next < BD_OBJECTS; s++) {
			if (b->busy[s])
				continue;
			k = bd_key(next);
			ret = rw == BD_WRITE ?
			      kvtd_disk_write(d, &k, b->pool + (size_t)s * BD_OBJ,
					      BD_OBJ, s) :
			      kvtd_disk_read(d, &k, b->pool + (size_t)s * BD_OBJ,
					     BD_OBJ, s);
			if (ret)
				return ret == -ENOENT ? -EIO : ret;
			b->busy[s] = 1;
			next++;
		}
		n = kvtd_disk_reap(d, c, BD_QD, 1);
		if (n < 0)
			return n;
		for (i = 0; i < n; i++) {
			if (c[i].res)
				return c[i].res == -EBADMSG ? -EIO : c[i].res;
			b->busy[c[i].user_data] = 0;
		}
		done += n;
	}
	*mbps = (double)BD_OBJECTS * BD_OBJ / (bench_now() - t0) / 1e6;
	return 0;
}

/*
 * The slots: on 2 MiB hugetlb pages (reserved beforehand), or on 4 KiB
 * pages (MADV_NOHUGEPAGE, so that THP cannot step in). 0, or -errno:
 * -ENOMEM when no hugetlb page is free.
 */
static int bd_pool_alloc(struct bd_tier *b, enum bd_pages pages)
{
	size_t len = (size_t)BD_QD * BD_OBJ, i;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;

	if (pages == BD_PAGES_2M)
		flags |= MAP_HUGETLB | MAP_HUGE_2MB;
	b->map_len = len;
	b->map = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		return -errno;
	}
	b->pool = b->map;
	if (pages == BD_PAGES_4K && madvise(b->pool, len, MADV_NOHUGEPAGE))
		return -errno;
	/*
	 * Not into fio's fork: io_uring pins the slots, and fork() must copy
	 * a pinned private page at once, which for the 2 MiB slots takes
	 * huge pages no one reserved (fork fails with ENOMEM) and for either
	 * kind costs a copy of 64 MiB in the middle of a measurement.
	 */
	if (madvise(b->pool, len, MADV_DONTFORK))
		return -errno;
	/* Distinct content per slot, so a misdirected read cannot pass. */
	for (i = 0; i < len; i += 8)
		memcpy(b->pool + i, &i, 8);
	b->region.addr = b->pool;
	b->region.len = len;
	return 0;
}

static void bd_pool_free(struct bd_tier *b)
{
	if (b->map)
		munmap(b->map, b->map_len);
	b->map = NULL;
}

/* ---------------------------------------------------------------------
 * Hugetlb pages for the run.
 */

static long bd_read_long(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			v = strtol(line, NULL, 10);
			break;
		}
		if (!strncmp(line, key, strlen(key))) {
			v = strtol(line + strlen(key), NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static int bd_write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%ld\n", v) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

#define BD_NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"
/*
 * How long the kernel may take to hand back the huge pages a run just
 * gave up: newer kernels free hugetlb folios from a workqueue, so a run
 * right after another can find them still counted as surplus.
 */
#define BD_HUGE_WAIT_MS 5000

/* Whether BD_HUGE_PAGES are free, now or within BD_HUGE_WAIT_MS. */
static bool bd_huge_wait_free(void)
{
	int waited;

	for (waited = 0; waited <= BD_HUGE_WAIT_MS; waited += 50) {
		if (bd_read_long("/proc/meminfo", "HugePages_Free:") >=
		    BD_HUGE_PAGES)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/*
 * Makes BD_HUGE_PAGES hugetlb pages free, raising nr_hugepages by what is
 * missing; *@old is the count to put back (-1: nothing to put back). A
 * machine up for a while may have no free 2 MiB block left: then the
 * kernel compacts memory once and is asked again. 0, or -errno (-EACCES
 * when not root, -ENOMEM when the kernel still found too few).
 */
static int bd_huge_reserve(long *old)
{
	long free_pages = bd_read_long("/proc/meminfo", "HugePages_Free:");
	long size = bd_read_long("/proc/meminfo", "Hugepagesize:");
	long total = bd_read_long(BD_NR_HUGEPAGES, NULL);
	int ret;

	*old = -1;
	/* The default huge page size is the one shmhuge and nr_ use. */
	if (size != 2048 || free_pages < 0 || total < 0)
		return -EOPNOTSUPP;
	if (free_pages >= BD_HUGE_PAGES)
		return 0;
	ret = bd_write_long(BD_NR_HUGEPAGES,
			    total + BD_HUGE_PAGES - free_pages);
	if (ret)
		return ret;
	*old = total;
	if (bd_read_long("/proc/meminfo", "HugePages_Free:") >= BD_HUGE_PAGES)
		return 0;
	bd_write_long("/proc/sys/vm/compact_memory", 1);
	ret = bd_write_long(BD_NR_HUGEPAGES,
			    total + BD_HUGE_PAGES - free_pages);
	if (ret)
		return ret;
	return bd_huge_wait_free() ? 0 : -ENOMEM;
}

static void bd_huge_release(long old)
{
	if (old >= 0)
		bd_write_long(BD_NR_HUGEPAGES, old);
}

/* A fresh store, filled by a timed write pass; the caller closes it. */
static int bd_tier_fill(struct bd_tier *b, const char *path,
			struct kvtd_disk **d, double *w)
{
	struct kvtd_tier_cfg cfg = {
		.path = path,
		.size = KVTD_DISK_DATA_START +
			(uint64_t)BD_OBJECTS * kvtd_disk_extent_len(BD_OBJ) +
			BD_OBJ,
		.queue_depth = BD_QD,
		.flags = KVTD_TIER_TRUNCATE,
		.regions = &b->region,
		.nr_regions = 1,
	};
	int ret;

	ret = kvtd_disk_open(&cfg, d);
	if (ret)
		return ret;
	ret = bd_tier_pass(b, *d, BD_WRITE, w);
	if (ret) {
		kvtd_disk_close(*d);
		*d = NULL;
	}
	return ret;
}

/* One round's figures, MB/s: tier and fio, write and read. */
struct bd_figures {
	double tw, tr, fw, fr;
};

/*
 * One round on one kind of pages. Both reads read the same bytes: the
 * tier's objects, just written (fio does not look at what it reads).
 * fio's write destroys the store, so it comes first or last; the order
 * alternates between rounds, so that whatever drifts favours neither side.
 */
static int bd_round(struct bd_tier *b, const char *path, enum bd_pages pages,
		    int round, struct bd_figures *f)
{
	struct kvtd_disk *d = NULL;
	int ret = 0;

	if (!(round % 2))
		ret = bd_fio(path, BD_WRITE, pages, &f->fw);
	if (!ret)
		ret = bd_tier_fill(b, path, &d, &f->tw);
	if (!ret && round % 2)
		ret = bd_fio(path, BD_READ, pages, &f->fr);
	if (!ret)
		ret = bd_tier_pass(b, d, BD_READ, &f->tr);
	if (!ret && !(round % 2))
		ret = bd_fio(path, BD_READ, pages, &f->fr);
	kvtd_disk_close(d);
	if (!ret && round % 2)
		ret = bd_fio(path, BD_WRITE, pages, &f->fw);
	return ret;
}

/*
 * The figure of one side over the rounds: the median, and the spread
 * (lowest, highest) for the notes on stderr.
 */
struct bd_stat {
	double med, lo, hi;
};

static struct bd_stat bd_stat(double *v, size_t n)
{
	struct bd_stat st;

	st.med = bench_median(v, n);
	st.lo = v[0];
	st.hi = v[n - 1];
	return st;
}

/*
 * One result: the tier's median against fio's. @unjudged: NULL for the
 * ratio judged against its target range; otherwise why it is a figure for
 * comparison only.
 */
static void bd_print(FILE *out, bool json, const char *name,
		     const char *pages, struct bd_stat v, struct bd_stat base,
		     const char *unjudged)
{
	bool judged = !unjudged;
	double ratio = v.med / base.med;

	if (json && judged)
		fprintf(out, "{\"name\":\"%s\",\"value\":%.1f,\"unit\":\"MB/s\","
			"\"baseline\":%.1f,\"ratio\":%.3f,\"target\":%.2f,"
			"\"target_max\":%.2f,\"pages\":\"%s\"}\n", name, v.med,
			base.med, ratio, BD_TARGET, BD_TARGET_MAX, pages);
	else if (json)
		fprintf(out, "{\"name\":\"%s\",\"value\":%.1f,\"unit\":\"MB/s\","
			"\"baseline\":%.1f,\"ratio\":%.3f,\"pages\":\"%s\"}\n",
			name, v.med, base.med, ratio, pages);
	else
		fprintf(out, "%-30s %7.1f MB/s  fio %7.1f MB/s  ratio %.3f "
			"%s\n", name, v.med, base.med, ratio,
			!judged ? unjudged :
			ratio < BD_TARGET || ratio > BD_TARGET_MAX ?
			"(outside 0.90-1.15)" : "(within 0.90-1.15)");
	/* How noisy the rounds were: notes go to stderr. */
	fprintf(stderr, "disk: %s: tier %.0f-%.0f MB/s, fio %.0f-%.0f MB/s "
		"over %d rounds (pages: %s)\n", name, v.lo, v.hi, base.lo,
		base.hi, BD_ROUNDS, pages);
}

/* The machine's load as the run starts: how far to trust the figures. */
static void bd_note_load(void)
{
	char line[128] = "";
	FILE *f = fopen("/proc/loadavg", "r");

	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		line[strcspn(line, "\n")] = '\0';
	fclose(f);
	fprintf(stderr, "disk: load average %s on %ld CPUs as the run starts\n",
		line, sysconf(_SC_NPROCESSORS_ONLN));
}

int bench_disk(FILE *out, const char *path, bool json)
{
	static const char *const pname[BD_NR_PAGES] = { "2M", "4K" };
	double tw[BD_NR_PAGES][BD_ROUNDS], tr[BD_NR_PAGES][BD_ROUNDS];
	double fw[BD_NR_PAGES][BD_ROUNDS], fr[BD_NR_PAGES][BD_ROUNDS];
	struct bd_stat st[BD_NR_PAGES][4];
	struct bd_tier b[BD_NR_PAGES] = { 0 };
	struct bd_figures f;
	bool have[BD_NR_PAGES] = { false, true };
	double untimed;
	int round, i, k, ret;
	long old_huge;
	bool created;

	created = access(path, F_OK) != 0;
	bd_note_load();
	ret = bd_huge_reserve(&old_huge);
	if (!ret)
		ret = bd_pool_alloc(&b[BD_PAGES_2M], BD_PAGES_2M);
	if (ret)
		fprintf(stderr, "disk: %d hugetlb pages of 2 MiB for the tier "
			"and fio could not be had (%s%s): the 2 MiB comparison "
			"is not run\n", BD_HUGE_PAGES, strerror(-ret),
			ret == -EACCES ? "; reserving them needs root" : "");
	have[BD_PAGES_2M] = !ret;
	ret = bd_pool_alloc(&b[BD_PAGES_4K], BD_PAGES_4K);
	/*
	 * An untimed pass first: a new file's blocks are allocated but
	 * unwritten, and the first write to each costs a metadata update
	 * that only whoever goes first would pay.
	 */
	if (!ret)
		ret = bd_fio(path, BD_WRITE, BD_PAGES_4K, &untimed);
	for (round = 0; round < BD_ROUNDS && !ret; round++) {
		for (k = 0; k < BD_NR_PAGES && !ret; k++) {
			/* Which pages go first alternates too. */
			i = round % 2 ? BD_NR_PAGES - 1 - k : k;
			if (!have[i])
				continue;
			ret = bd_round(&b[i], path, i, round, &f);
			tw[i][round] = f.tw;
			tr[i][round] = f.tr;
			fw[i][round] = f.fw;
			fr[i][round] = f.fr;
		}
	}
	if (created)
		unlink(path);
	for (i = 0; i < BD_NR_PAGES; i++)
		bd_pool_free(&b[i]);
	bd_huge_release(old_huge);
	if (ret)
		return ret;
	for (i = 0; i < BD_NR_PAGES; i++) {
		if (!have[i])
			continue;
		st[i][0] = bd_stat(tw[i], BD_ROUNDS);
		st[i][1] = bd_stat(fw[i], BD_ROUNDS);
		st[i][2] = bd_stat(tr[i], BD_ROUNDS);
		st[i][3] = bd_stat(fr[i], BD_ROUNDS);
	}
	/*
	 * The judged ratios are the ones on 2 MiB pages: the memory the tier
	 * moves pool slots in (the driver's pools are on 2 MiB pages), given
	 * to fio too. Both on 4 KiB pages is reported beside them, and so is
	 * the earlier reports' mixed ratio (the tier on 2 MiB pages, fio on
	 * 4 KiB).
	 */
	if (have[BD_PAGES_2M]) {
		bd_print(out, json, "disk_write_2m_qd32", pname[0], st[0][0],
			 st[0][1], NULL);
		bd_print(out, json, "disk_read_2m_qd32", pname[0], st[0][2],
			 st[0][3], NULL);
	}
	bd_print(out, json, "disk_write_2m_qd32_4k_pages", pname[1], st[1][0],
		 st[1][1], "(4 KiB pages both: reported, not judged)");
	bd_print(out, json, "disk_read_2m_qd32_4k_pages", pname[1], st[1][2],
		 st[1][3], "(4 KiB pages both: reported, not judged)");
	if (have[BD_PAGES_2M]) {
		bd_print(out, json, "disk_write_2m_qd32_mixed_pages",
			 "tier 2M, fio 4K", st[0][0], st[1][1],
			 "(mixed pages: not judged)");
		bd_print(out, json, "disk_read_2m_qd32_mixed_pages",
			 "tier 2M, fio 4K", st[0][2], st[1][3],
			 "(mixed pages: not judged)");
	}
	return 0;
}

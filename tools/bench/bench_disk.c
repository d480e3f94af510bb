// SPDX-License-Identifier: GPL-2.0
/*
 * Disk tier throughput for 2 MiB objects at queue depth 32, as a ratio to
 * fio's io_uring engine doing the same O_DIRECT I/O on the same file.
 *
 * Both sides move the same bytes the same way: 2 MiB per I/O, 32 in
 * flight, O_DIRECT, one thread. The tier does more (a crc32c of every
 * object on both paths, a 4 KiB header write linked after each object),
 * which is the cost the ratio is meant to show. Rounds alternate which
 * side goes first, so drift in the device (its cache, the host's) does
 * not favour one side.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
#define BD_TARGET 0.9

/* fio's JSON is about 10 KiB per job; 1 MiB is room for any version. */
#define BD_FIO_MAX (1u << 20)

enum { BD_WRITE, BD_READ };

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

static int bd_fio(const char *path, int rw, double *mbps)
{
	static const char *const wpath[] = { "jobs", "0", "write", "bw_bytes",
					     NULL };
	static const char *const rpath[] = { "jobs", "0", "read", "bw_bytes",
					     NULL };
	char size[32], offset[32], filename[4096 + 16];
	char *argv[] = {
		"fio", "--name=kvtd-disk", "--ioengine=io_uring", "--direct=1",
		"--bs=2m", "--iodepth=32", rw == BD_WRITE ? "--rw=write" :
		"--rw=read", filename, size, offset, "--output-format=json",
		NULL,
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
	snprintf(size, sizeof(size), "--size=%llu",
		 (unsigned long long)BD_OBJECTS * BD_OBJ);
	/* The same bytes of the file the tier uses, past its superblock. */
	snprintf(offset, sizeof(offset), "--offset=%u", KVTD_DISK_DATA_START);
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
 * The slots come from memory backed by huge pages where the kernel gives
 * them (MADV_HUGEPAGE), as the driver's host pool is: a 2 MiB object is
 * then one physical segment instead of 512, which on a virtio disk here
 * doubles read bandwidth. fio keeps its own buffers (plain malloc), so
 * the ratio includes that difference; see the report for both.
 */
static int bd_pool_alloc(struct bd_tier *b)
{
	size_t len = (size_t)BD_QD * BD_OBJ, i;

	b->map_len = len + BD_OBJ;
	b->map = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->map == MAP_FAILED)
		return -errno;
	b->pool = (unsigned char *)(((uintptr_t)b->map + BD_OBJ - 1) &
				    ~(uintptr_t)(BD_OBJ - 1));
	/* Advice only: without transparent huge pages, 4 KiB pages serve. */
	madvise(b->pool, len, MADV_HUGEPAGE);
	/* Distinct content per slot, so a misdirected read cannot pass. */
	for (i = 0; i < len; i += 8)
		memcpy(b->pool + i, &i, 8);
	b->region.addr = b->pool;
	b->region.len = len;
	return 0;
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

/*
 * One round. Both reads read the same bytes: the tier's objects, just
 * written (fio does not look at what it reads). fio's write destroys the
 * store, so it comes first or last; the order alternates between rounds,
 * so that whatever drifts favours neither side.
 */
static int bd_round(struct bd_tier *b, const char *path, int round,
		    double *tw, double *tr, double *fw, double *fr)
{
	struct kvtd_disk *d = NULL;
	int ret = 0;

	if (!(round % 2))
		ret = bd_fio(path, BD_WRITE, fw);
	if (!ret)
		ret = bd_tier_fill(b, path, &d, tw);
	if (!ret && round % 2)
		ret = bd_fio(path, BD_READ, fr);
	if (!ret)
		ret = bd_tier_pass(b, d, BD_READ, tr);
	if (!ret && !(round % 2))
		ret = bd_fio(path, BD_READ, fr);
	kvtd_disk_close(d);
	if (!ret && round % 2)
		ret = bd_fio(path, BD_WRITE, fw);
	return ret;
}

static void bd_print(FILE *out, bool json, const char *name, double v,
		     double base)
{
	if (json)
		fprintf(out, "{\"name\":\"%s\",\"value\":%.1f,\"unit\":\"MB/s\","
			"\"baseline\":%.1f,\"ratio\":%.3f,\"target\":%.1f}\n",
			name, v, base, v / base, BD_TARGET);
	else
		fprintf(out, "%-22s %8.1f MB/s  fio %8.1f MB/s  ratio %.3f "
			"(target %.1f)\n", name, v, base, v / base, BD_TARGET);
}

int bench_disk(FILE *out, const char *path, bool json)
{
	double tw[BD_ROUNDS], tr[BD_ROUNDS], fw[BD_ROUNDS], fr[BD_ROUNDS];
	struct bd_tier b = { 0 };
	bool created;
	int round, ret;

	created = access(path, F_OK) != 0;
	ret = bd_pool_alloc(&b);
	if (ret)
		return ret;
	/*
	 * An untimed pass first: a new file's blocks are allocated but
	 * unwritten, and the first write to each costs a metadata update
	 * that only whoever goes first would pay.
	 */
	ret = bd_fio(path, BD_WRITE, &fw[0]);
	for (round = 0; round < BD_ROUNDS && !ret; round++)
		ret = bd_round(&b, path, round, &tw[round], &tr[round],
			       &fw[round], &fr[round]);
	if (created)
		unlink(path);
	munmap(b.map, b.map_len);
	if (ret)
		return ret;
	bd_print(out, json, "disk_write_2m_qd32", bench_median(tw, BD_ROUNDS),
		 bench_median(fw, BD_ROUNDS));
	bd_print(out, json, "disk_read_2m_qd32", bench_median(tr, BD_ROUNDS),
		 bench_median(fr, BD_ROUNDS));
	return 0;
}

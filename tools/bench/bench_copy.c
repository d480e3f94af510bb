// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU device backend's copy throughput as a ratio to memcpy.
 *
 * Both sides copy the same pairs of the same buffers in the same order:
 * pool slots (an anonymous mapping, huge pages advised, as the driver's
 * pool is) into a memfd region mapped by the daemon's device tier, the
 * slots scattered over the region as fetches scatter them. The tier's
 * side goes through what the daemon runs per batch of work (revalidate,
 * a lookup of the region, one copy op per KVTD_RECV_BATCH items); the
 * baseline is a loop of memcpy over the same list. Rounds alternate which
 * side goes first, so that drift (frequency, the neighbours of a VM)
 * favours neither.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench_copy.h"
#include "bench_util.h"
#include "kvtd_config.h"
#include "kvtd_copier.h"
#include "kvtd_manager.h"
#include "kvtd_tier_mem.h"

/*
 * 512 MiB on each side: past the last-level cache of any current server
 * socket (EPYC with 3D V-Cache included, 96 MiB per CCD), so both sides
 * measure memory, not cache. A pass over it is about 50 ms at 10 GB/s,
 * long enough that timer and start-up costs are far below 1%.
 */
#define BC_BYTES (512ull << 20)
#define BC_TARGET 0.8
/* Seven rounds: the median drops three outliers either way. */
#define BC_ROUNDS 7
/*
 * Where slot i lands in the region: slot i * BC_STRIDE mod the slot count.
 * Odd, so coprime with the (power of two) count: a permutation, and no
 * two neighbouring slots land side by side, as with real fetches.
 */
#define BC_STRIDE 97u
/* The fake region's id and generation: any valid ones. */
#define BC_REGION_ID 1u
#define BC_REGION_GEN 1u

static const struct kvtd_space bc_space = {
	.id = BC_REGION_ID,
	.gen = BC_REGION_GEN,
};

struct bc_size {
	const char *name;
	size_t obj;
};

/* 2 MiB: a KV block group or an expert slice; 64 KiB: one KV block. */
static const struct bc_size bc_sizes[] = {
	{ "cpu_copy_2m", 2u << 20 },
	{ "cpu_copy_64k", 64u << 10 },
};

struct bc {
	unsigned char *pool;
	int region_fd;
	struct kvtd_mem_tier *tier;
	unsigned char *region;	/* the tier's mapping */
	struct kvtd_copy *c;
	size_t n;
};

/* REGION_GET_FD, as the driver answers it for a memfd region. */
static int bc_get_fd(void *ctx, uint32_t id, uint32_t gen,
		     struct drm_kvtier_region_get_fd *out)
{
	struct bc *b = ctx;

	if (id != BC_REGION_ID)
		return -ENOENT;
	if (gen != BC_REGION_GEN)
		return -ESTALE;
	memset(out, 0, sizeof(*out));
	out->region_id = id;
	out->gen = gen;
	out->size = BC_BYTES;
	out->kind = KVTIER_REGION_KIND_MEMFD;
	out->fd = fcntl(b->region_fd, F_DUPFD_CLOEXEC, 0);
	return out->fd < 0 ? -errno : 0;
}

static int bc_setup(struct bc *b, unsigned int threads)
{
	uint64_t size;
	void *base;
	size_t i;
	int ret;

	b->pool = mmap(NULL, BC_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->pool == MAP_FAILED) {
		b->pool = NULL;
		return -errno;
	}
	/* Advice only: 4 KiB pages serve without transparent huge pages. */
	madvise(b->pool, BC_BYTES, MADV_HUGEPAGE);
	/* Distinct content per 8 bytes: a misplaced copy cannot pass. */
	for (i = 0; i < BC_BYTES; i += 8)
		memcpy(b->pool + i, &i, 8);
	b->region_fd = memfd_create("kvtier-bench-region",
				    MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (b->region_fd < 0)
		return -errno;
	if (ftruncate(b->region_fd, BC_BYTES) ||
	    fcntl(b->region_fd, F_ADD_SEALS, F_SEAL_SHRINK))
		return -errno;
	ret = kvtd_device_cpu_tier_open(bc_get_fd, b, threads, &b->tier);
	if (ret) {
		b->tier = NULL;
		return ret;
	}
	ret = b->tier->ops->lookup(b->tier, &bc_space, &base, &size);
	if (ret)
		return ret;
	b->region = base;
	/* Fault the region in: neither side should pay for first touch. */
	memset(b->region, 0, BC_BYTES);
	return 0;
}

static void bc_teardown(struct bc *b)
{
	if (b->tier)
		b->tier->ops->close(b->tier);
	if (b->region_fd >= 0)
		close(b->region_fd);
	if (b->pool)
		munmap(b->pool, BC_BYTES);
	free(b->c);
}

/* The copy list for objects of @obj bytes. */
static int bc_plan(struct bc *b, size_t obj)
{
	size_t i, n = BC_BYTES / obj;

	free(b->c);
	b->c = calloc(n, sizeof(*b->c));
	if (!b->c)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		b->c[i] = (struct kvtd_copy){
			.dst = b->region + (i * BC_STRIDE % n) * obj,
			.src = b->pool + i * obj,
			.len = obj,
		};
	b->n = n;
	return 0;
}

/* One pass through the tier, batch by batch as kvtd_exec_drain runs. */
static int bc_tier_pass(struct bc *b, double *secs)
{
	double t0 = bench_now();
	uint64_t size;
	size_t i, k;
	void *base;
	int ret;

	for (i = 0; i < b->n; i += k) {
		k = b->n - i < KVTD_RECV_BATCH ? b->n - i : KVTD_RECV_BATCH;
		b->tier->ops->revalidate(b->tier);
		ret = b->tier->ops->lookup(b->tier, &bc_space, &base, &size);
		if (ret)
			return ret;
		/* The mapping must not move under the copy list. */
		if (base != b->region)
			return -EIO;
		ret = b->tier->ops->copy(b->tier, &b->c[i], k);
		if (ret)
			return ret;
	}
	*secs = bench_now() - t0;
	return 0;
}

static void bc_memcpy_pass(struct bc *b, double *secs)
{
	double t0 = bench_now();
	size_t i;

	for (i = 0; i < b->n; i++)
		memcpy(b->c[i].dst, b->c[i].src, b->c[i].len);
	*secs = bench_now() - t0;
}

/* Every object where it should be: what the tier copied is right. */
static int bc_verify(struct bc *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (memcmp(b->c[i].dst, b->c[i].src, b->c[i].len))
			return -EIO;
	return 0;
}

static int bc_measure(struct bc *b, double *tier_gbs, double *memcpy_gbs)
{
	double t[BC_ROUNDS], m[BC_ROUNDS], s;
	int r, ret;

	/* Warm-up, untimed: TLBs, the copier's threads, the branch caches. */
	bc_memcpy_pass(b, &s);
	memset(b->region, 0, BC_BYTES);
	ret = bc_tier_pass(b, &s);
	if (!ret)
		ret = bc_verify(b);
	for (r = 0; r < BC_ROUNDS && !ret; r++) {
		if (r % 2)
			bc_memcpy_pass(b, &s);
		ret = bc_tier_pass(b, &t[r]);
		if (!(r % 2))
			bc_memcpy_pass(b, &s);
		m[r] = s;
	}
	if (ret)
		return ret;
	*tier_gbs = BC_BYTES / bench_median(t, BC_ROUNDS) / 1e9;
	*memcpy_gbs = BC_BYTES / bench_median(m, BC_ROUNDS) / 1e9;
	return 0;
}

/* How many threads the tier's copier runs when asked for *@threads. */
static int bc_threads(unsigned int *threads)
{
	struct kvtd_copier *cp;
	int ret;

	ret = kvtd_copier_init(&cp, *threads);
	if (ret)
		return ret;
	*threads = kvtd_copier_threads(cp);
	kvtd_copier_fini(cp);
	return 0;
}

static void bc_print(FILE *out, bool json, const char *name, double v,
		     double base, unsigned int threads)
{
	if (json)
		fprintf(out, "{\"name\":\"%s\",\"value\":%.2f,\"unit\":\"GB/s\","
			"\"baseline\":%.2f,\"ratio\":%.3f,\"target\":%.1f,"
			"\"threads\":%u}\n",
			name, v, base, v / base, BC_TARGET, threads);
	else
		fprintf(out, "%-22s %8.2f GB/s  memcpy %8.2f GB/s  ratio %.3f "
			"(target %.1f, %u thread%s)\n", name, v, base,
			v / base, BC_TARGET, threads, threads == 1 ? "" : "s");
}

int bench_copy(FILE *out, unsigned int threads, bool json)
{
	double v[sizeof(bc_sizes) / sizeof(bc_sizes[0])];
	double base[sizeof(bc_sizes) / sizeof(bc_sizes[0])];
	struct bc b = { .region_fd = -1 };
	unsigned int i;
	int ret;

	/* What kvtierd starts with unless its configuration says otherwise. */
	if (!threads)
		threads = KVTD_COPY_THREADS_DEFAULT;
	ret = bc_setup(&b, threads);
	if (!ret)
		ret = bc_threads(&threads);
	for (i = 0; !ret && i < sizeof(bc_sizes) / sizeof(bc_sizes[0]); i++) {
		ret = bc_plan(&b, bc_sizes[i].obj);
		if (!ret)
			ret = bc_measure(&b, &v[i], &base[i]);
	}
	bc_teardown(&b);
	if (ret)
		return ret;
	for (i = 0; i < sizeof(bc_sizes) / sizeof(bc_sizes[0]); i++)
		bc_print(out, json, bc_sizes[i].name, v[i], base[i], threads);
	return 0;
}

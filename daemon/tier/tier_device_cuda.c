// SPDX-License-Identifier: GPL-2.0
/*
 * The DEVICE tier with CUDA. See kvtd_tier_cuda.h.
 *
 * A KVTIER_REGION_KIND_CUDA_VMM region arrives as the POSIX fd its owner
 * exported with cuMemExportToShareableHandle. The daemon imports it
 * (cuMemImportFromShareableHandle), maps it into an address range of its
 * own (cuMemAddressReserve, cuMemMap, cuMemSetAccess), and caches the
 * mapping by region id and generation, as the CPU tier does: a region is
 * opened at the generation its work names, a mapping serves only lookups
 * of its own generation and cookie, and it is checked again after each
 * revalidate(). A stale mapping keeps the old allocation alive and only
 * ever reaches it, never another client's memory. A mapping the cache
 * drops while an operation still targets it (a copy queued, a staged
 * disk read to be copied in: kvtd_mem_hold()) is retired: it stays
 * mapped, its address reserved and its copies classified as the GPU's,
 * until its last put, so that no other region is mapped at that address
 * and receives the write.
 *
 * A batch's copies are told apart by address: into or out of a mapped
 * CUDA region they are cuMemcpy*Async calls on the region's GPU, dealt
 * round-robin over its streams (adjacent copies merged into one); the
 * rest (memfd regions) go to the CPU tier, which copies them while the
 * GPU's DMA runs; then each stream used is synchronised once.
 *
 * libcuda.so.1 is loaded with dlopen, so that kvtierd needs no GPU driver
 * to start; cuda.h gives the prototypes, and each function is looked up
 * under the versioned name cuda.h maps it to (cuMemcpyHtoDAsync_v2...).
 */
#include <cuda.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvtd_log.h"
#include "kvtd_tier_cuda.h"

/* ---------------------------------------------------------------------
 * The driver API, from libcuda.so.1.
 */

#define CU_FUNCS(X)                                                     \
	X(cuInit) X(cuGetErrorName) X(cuDeviceGetCount) X(cuDeviceGet)  \
	X(cuDevicePrimaryCtxRetain) X(cuDevicePrimaryCtxRelease)        \
	X(cuCtxSetCurrent) X(cuStreamCreate) X(cuStreamDestroy)         \
	X(cuStreamSynchronize) X(cuMemImportFromShareableHandle)        \
	X(cuMemGetAllocationPropertiesFromHandle)                       \
	X(cuMemGetAllocationGranularity) X(cuMemAddressReserve)         \
	X(cuMemAddressFree) X(cuMemMap) X(cuMemUnmap) X(cuMemSetAccess) \
	X(cuMemRelease) X(cuMemcpyHtoDAsync) X(cuMemcpyDtoHAsync)       \
	X(cuMemcpyDtoDAsync) X(cuMemHostRegister) X(cuMemHostUnregister)

/* The argument is macro-expanded first: cuda.h's versioned name. */
#define CU_MEMBER(f) __typeof__(&f) f;
#define CU_STR(f) CU_STR_(f)
#define CU_STR_(f) #f

struct cu_api {
	void *lib;
	CU_FUNCS(CU_MEMBER)
};

/* One GPU the daemon has copied to: its context and streams. */
struct cu_gpu {
	bool ready;
	CUcontext ctx;
	CUdevice dev;
	CUstream s[KVTD_CUDA_STREAMS];
	unsigned int next;	/* the stream for the next copy */
	unsigned int used;	/* bit i: stream i has work to wait for */
};

enum { REG_NONE = 0, REG_CPU, REG_CUDA };

/* Where one copy of a batch goes. */
enum { CP_CPU = 0, CP_H2D, CP_D2H, CP_D2D };

/* One mapping of a CUDA region: cached, or retired and still held. */
struct cu_map {
	struct kvtd_mem_ref ref;
	CUdeviceptr va;
	size_t map_len;		/* reserved and mapped: size rounded up */
	uint64_t size;
	int gpu;
	struct cu_map *prev, *next;	/* the tier's list of every mapping */
};

struct cu_region {
	int kind;		/* REG_*: who serves it this epoch */
	uint32_t gen;		/* the region's generation */
	uint64_t cookie;
	uint64_t epoch;
	struct cu_map *map;	/* REG_CUDA */
	dev_t st_dev;
	ino_t st_ino;
};

/* A host range offered to cuMemHostRegister: pinned, or refused. */
struct cu_host {
	void *addr;
	size_t len;
	bool pinned;
};

struct cu_tier {
	struct kvtd_mem_tier tier;
	struct cu_api api;
	kvtd_region_fd_fn get_fd;
	void *ctx;
	uint64_t epoch;
	struct kvtd_mem_tier *cpu;
	struct kvtd_mem_tier *host;
	/* A MEMFD answer handed on to the CPU tier, not asked twice. */
	bool stash_full;
	struct drm_kvtier_region_get_fd stash;
	struct kvtd_copy *cpu_batch;
	size_t cpu_room;
	struct cu_host *hosts;
	unsigned int nr_hosts;
	unsigned int host_room;
	int nr_gpus;
	struct cu_gpu gpu[KVTD_CUDA_MAX_DEVICES];
	/* Every CUDA mapping, retired ones too: what a copy is checked on. */
	struct cu_map *maps;
	struct cu_region r[KVTIER_MAX_REGIONS + 1];
};

static struct cu_tier *to_cu(struct kvtd_mem_tier *t)
{
	return (struct cu_tier *)t;
}

static int cu_errno(CUresult r)
{
	switch (r) {
	case CUDA_SUCCESS:
		return 0;
	case CUDA_ERROR_OUT_OF_MEMORY:
		return -ENOMEM;
	case CUDA_ERROR_INVALID_VALUE:
	case CUDA_ERROR_INVALID_HANDLE:
	case CUDA_ERROR_INVALID_DEVICE:
		return -EINVAL;
	case CUDA_ERROR_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case CUDA_ERROR_NO_DEVICE:
	case CUDA_ERROR_NOT_INITIALIZED:
	case CUDA_ERROR_DEINITIALIZED:
	case CUDA_ERROR_SYSTEM_DRIVER_MISMATCH:
		return -ENODEV;
	case CUDA_ERROR_NOT_PERMITTED:
	case CUDA_ERROR_OPERATING_SYSTEM:
		return -EPERM;
	case CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED:
		return -EEXIST;
	default:
		return -EIO;
	}
}

/* Where a CUDA call fails: log its name once, return the -errno. */
static int cu_check(struct cu_tier *d, CUresult r, const char *what)
{
	const char *name = NULL;

	if (r == CUDA_SUCCESS)
		return 0;
	if (!d->api.cuGetErrorName ||
	    d->api.cuGetErrorName(r, &name) != CUDA_SUCCESS || !name)
		name = "an unknown CUDA error";
	kvtd_err("device-cuda: %s: %s (%d)", what, name, (int)r);
	return cu_errno(r);
}

static int cu_load(struct cu_api *api)
{
	api->lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!api->lib) {
		kvtd_info("device-cuda: %s", dlerror());
		return -ENODEV;
	}
#define CU_LOAD(f)                                                      \
	do {                                                            \
		api->f = (__typeof__(api->f))dlsym(api->lib, CU_STR(f)); \
		if (!api->f) {                                          \
			kvtd_warn("device-cuda: libcuda.so.1 lacks %s: a driver older than CUDA 11.0?", \
				  CU_STR(f));                           \
			return -ENODEV;                                 \
		}                                                       \
	} while (0);
	CU_FUNCS(CU_LOAD)
#undef CU_LOAD
	return 0;
}

/* ---------------------------------------------------------------------
 * GPUs: contexts and streams, made at the first region on each.
 */

static int cu_gpu_get(struct cu_tier *d, int ordinal, struct cu_gpu **out)
{
	struct cu_gpu *g;
	unsigned int i;
	int ret;

	if (ordinal < 0 || ordinal >= d->nr_gpus ||
	    ordinal >= (int)KVTD_CUDA_MAX_DEVICES)
		return -ENODEV;
	g = &d->gpu[ordinal];
	if (g->ready) {
		*out = g;
		return cu_check(d, d->api.cuCtxSetCurrent(g->ctx),
				"cuCtxSetCurrent");
	}
	ret = cu_check(d, d->api.cuDeviceGet(&g->dev, ordinal), "cuDeviceGet");
	if (ret)
		return ret;
	ret = cu_check(d, d->api.cuDevicePrimaryCtxRetain(&g->ctx, g->dev),
		       "cuDevicePrimaryCtxRetain");
	if (ret)
		return ret;
	ret = cu_check(d, d->api.cuCtxSetCurrent(g->ctx), "cuCtxSetCurrent");
	for (i = 0; !ret && i < KVTD_CUDA_STREAMS; i++)
		ret = cu_check(d, d->api.cuStreamCreate(&g->s[i],
						CU_STREAM_NON_BLOCKING),
			       "cuStreamCreate");
	if (ret) {
		while (i-- > 0)
			if (g->s[i])
				d->api.cuStreamDestroy(g->s[i]);
		d->api.cuDevicePrimaryCtxRelease(g->dev);
		memset(g, 0, sizeof(*g));
		return ret;
	}
	g->ready = true;
	*out = g;
	return 0;
}

static void cu_gpu_put(struct cu_tier *d, struct cu_gpu *g)
{
	unsigned int i;

	if (!g->ready)
		return;
	d->api.cuCtxSetCurrent(g->ctx);
	for (i = 0; i < KVTD_CUDA_STREAMS; i++)
		d->api.cuStreamDestroy(g->s[i]);
	d->api.cuDevicePrimaryCtxRelease(g->dev);
	memset(g, 0, sizeof(*g));
}

/* ---------------------------------------------------------------------
 * Regions.
 */

static void cu_map_free(struct cu_tier *d, struct cu_map *map)
{
	/* No copy is in flight: every batch ends synchronised. */
	cu_check(d, d->api.cuMemUnmap(map->va, map->map_len), "cuMemUnmap");
	cu_check(d, d->api.cuMemAddressFree(map->va, map->map_len),
		 "cuMemAddressFree");
	if (map->prev)
		map->prev->next = map->next;
	else
		d->maps = map->next;
	if (map->next)
		map->next->prev = map->prev;
	free(map);
}

static void cu_map_put(struct cu_tier *d, struct cu_map *map)
{
	if (--map->ref.count == 0)
		cu_map_free(d, map);
}

/* Drop the cached mapping: unmapped now, or at its holders' last put. */
static void cu_forget(struct cu_tier *d, struct cu_region *r)
{
	if (r->kind == REG_CUDA && r->map)
		cu_map_put(d, r->map);
	memset(r, 0, sizeof(*r));
}

/* Import and map @g's allocation, unless @r maps it already. */
static int cu_map(struct cu_tier *d, struct cu_region *r,
		  const struct drm_kvtier_region_get_fd *g)
{
	CUmemGenericAllocationHandle h;
	CUmemAllocationProp prop;
	CUmemAccessDesc access;
	struct cu_map *map;
	size_t gran, len;
	struct cu_gpu *gpu;
	CUdeviceptr va = 0;
	struct stat st;
	int ret;

	if (fstat(g->fd, &st))
		return -errno;
	if (r->kind == REG_CUDA && r->map && r->gen == g->gen &&
	    r->st_dev == st.st_dev && r->st_ino == st.st_ino &&
	    r->map->size == g->size)
		return 0;
	if (!g->size || (uint64_t)(size_t)g->size != g->size)
		return -EINVAL;
	map = calloc(1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	ret = cu_check(d, d->api.cuMemImportFromShareableHandle(&h,
			(void *)(uintptr_t)g->fd,
			CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR),
		       "cuMemImportFromShareableHandle");
	if (ret)
		goto err_free_map;
	memset(&prop, 0, sizeof(prop));
	ret = cu_check(d, d->api.cuMemGetAllocationPropertiesFromHandle(&prop,
									h),
		       "cuMemGetAllocationPropertiesFromHandle");
	if (ret)
		goto err_release;
	if (prop.location.type != CU_MEM_LOCATION_TYPE_DEVICE) {
		ret = -EOPNOTSUPP;
		goto err_release;
	}
	ret = cu_gpu_get(d, prop.location.id, &gpu);
	if (ret)
		goto err_release;
	ret = cu_check(d, d->api.cuMemGetAllocationGranularity(&gran, &prop,
					CU_MEM_ALLOC_GRANULARITY_MINIMUM),
		       "cuMemGetAllocationGranularity");
	if (ret)
		goto err_release;
	len = (g->size + gran - 1) / gran * gran;
	ret = cu_check(d, d->api.cuMemAddressReserve(&va, len, gran, 0, 0),
		       "cuMemAddressReserve");
	if (ret)
		goto err_release;
	/* Fails when the allocation is smaller than the size registered. */
	ret = cu_check(d, d->api.cuMemMap(va, len, 0, h, 0), "cuMemMap");
	if (ret)
		goto err_free_va;
	memset(&access, 0, sizeof(access));
	access.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
	access.location.id = prop.location.id;
	access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
	ret = cu_check(d, d->api.cuMemSetAccess(va, len, &access, 1),
		       "cuMemSetAccess");
	if (ret)
		goto err_unmap;
	/* The mapping holds the allocation from here on. */
	d->api.cuMemRelease(h);
	map->va = va;
	map->map_len = len;
	map->size = g->size;
	map->gpu = prop.location.id;
	map->ref.tier = &d->tier;
	map->ref.count = 1;	/* the cache's */
	map->next = d->maps;
	if (d->maps)
		d->maps->prev = map;
	d->maps = map;
	cu_forget(d, r);
	r->kind = REG_CUDA;
	r->gen = g->gen;
	r->cookie = g->cookie;
	r->map = map;
	r->st_dev = st.st_dev;
	r->st_ino = st.st_ino;
	return 0;

err_unmap:
	d->api.cuMemUnmap(va, len);
err_free_va:
	d->api.cuMemAddressFree(va, len);
err_release:
	d->api.cuMemRelease(h);
err_free_map:
	free(map);
	return ret;
}

/* The CPU tier's REGION_GET_FD: the answer just read, or the driver's. */
static int cu_cpu_get_fd(void *ctx, uint32_t id, uint32_t gen,
			 struct drm_kvtier_region_get_fd *out)
{
	struct cu_tier *d = ctx;

	if (d->stash_full && d->stash.region_id == id &&
	    d->stash.gen == gen) {
		*out = d->stash;
		d->stash_full = false;
		return 0;
	}
	return d->get_fd(d->ctx, id, gen, out);
}

static void cu_stash_drop(struct cu_tier *d)
{
	if (d->stash_full)
		close(d->stash.fd);
	d->stash_full = false;
}

static int cu_lookup(struct kvtd_mem_tier *t, const struct kvtd_space *s,
		     void **base, uint64_t *size)
{
	struct cu_tier *d = to_cu(t);
	struct drm_kvtier_region_get_fd g;
	struct cu_region *r;
	int ret;

	if (s->id == 0 || s->id > KVTIER_MAX_REGIONS)
		return -ENOENT;
	/* Generation 0 would open whichever region holds the id. */
	if (!s->gen)
		return -EINVAL;
	r = &d->r[s->id];
	if (r->epoch == d->epoch && r->gen == s->gen && r->kind == REG_CUDA) {
		if (r->cookie != s->cookie)
			return -ESTALE;
		*base = (void *)(uintptr_t)r->map->va;
		*size = r->map->size;
		return 0;
	}
	if (r->epoch == d->epoch && r->gen == s->gen && r->kind == REG_CPU)
		return d->cpu->ops->lookup(d->cpu, s, base, size);
	ret = d->get_fd(d->ctx, s->id, s->gen, &g);
	if (!ret && g.gen != s->gen) {
		/* An answer for another generation is not this work's. */
		close(g.fd);
		ret = -ESTALE;
	}
	if (ret) {
		if (r->kind == REG_CPU)
			/* Let the CPU tier see it go and drop its mapping. */
			d->cpu->ops->lookup(d->cpu, s, base, size);
		if (ret == -ENOENT || (ret == -ESTALE && r->gen == s->gen))
			cu_forget(d, r);
		return ret;
	}
	if (g.kind == KVTIER_REGION_KIND_CUDA_VMM) {
		ret = cu_map(d, r, &g);
		close(g.fd);
		if (ret) {
			cu_forget(d, r);
			return ret;
		}
		r->epoch = d->epoch;
		if (r->cookie != s->cookie)
			return -ESTALE;
		*base = (void *)(uintptr_t)r->map->va;
		*size = r->map->size;
		return 0;
	}
	/* MEMFD (or one the CPU tier refuses): the CPU tier's, this epoch. */
	cu_forget(d, r);
	cu_stash_drop(d);
	d->stash = g;
	d->stash_full = true;
	ret = d->cpu->ops->lookup(d->cpu, s, base, size);
	cu_stash_drop(d);
	if (ret)
		return ret;
	r->kind = REG_CPU;
	r->gen = s->gen;
	r->epoch = d->epoch;
	return 0;
}

static void cu_revalidate(struct kvtd_mem_tier *t)
{
	struct cu_tier *d = to_cu(t);

	d->epoch++;
	d->cpu->ops->revalidate(d->cpu);
}

/* A CUDA region's mapping here; a memfd region's is the CPU tier's. */
static struct kvtd_mem_ref *cu_hold(struct kvtd_mem_tier *t, uint32_t id)
{
	struct cu_tier *d = to_cu(t);
	struct cu_region *r;

	if (id == 0 || id > KVTIER_MAX_REGIONS)
		return NULL;
	r = &d->r[id];
	if (r->kind == REG_CPU)
		return kvtd_mem_hold(d->cpu, id);
	if (r->kind != REG_CUDA || !r->map)
		return NULL;
	r->map->ref.count++;
	return &r->map->ref;
}

static void cu_put(struct kvtd_mem_tier *t, struct kvtd_mem_ref *ref)
{
	cu_map_put(to_cu(t), (struct cu_map *)ref);
}

/* ---------------------------------------------------------------------
 * Copies.
 */

/*
 * The CUDA mapping (current or retired) holding [p, p + len), or NULL
 * when p is in none; a range that starts in one and leaves it is -EFAULT
 * in *@err.
 */
static struct cu_map *cu_find(struct cu_tier *d, const void *p, size_t len,
			      int *err)
{
	CUdeviceptr a = (CUdeviceptr)(uintptr_t)p;
	struct cu_map *map;

	for (map = d->maps; map; map = map->next) {
		if (a < map->va || a >= map->va + map->map_len)
			continue;
		if (len > map->size || a - map->va > map->size - len)
			*err = -EFAULT;
		return map;
	}
	return NULL;
}

static struct cu_host *cu_host_find(struct cu_tier *d, const void *p,
				    size_t len)
{
	const char *a = p;
	unsigned int i;

	for (i = 0; i < d->nr_hosts; i++)
		if (a >= (char *)d->hosts[i].addr &&
		    a + len <= (char *)d->hosts[i].addr + d->hosts[i].len)
			return &d->hosts[i];
	return NULL;
}

/*
 * Pin the HOST tier's pool mappings that are new since the last call. One
 * that CUDA refuses (memory it cannot pin) is remembered as refused and
 * copied from as pageable memory, which CUDA stages through buffers of
 * its own: slower, still correct.
 */
static void cu_host_refresh(struct cu_tier *d)
{
	struct kvtd_region pools[KVTIER_MAX_POOLS];
	struct cu_host *h;
	unsigned int i, n;
	CUresult r;

	n = kvtd_host_tier_regions(d->host, pools, KVTIER_MAX_POOLS);
	for (i = 0; i < n; i++) {
		if (cu_host_find(d, pools[i].addr, pools[i].len))
			continue;
		if (d->nr_hosts == d->host_room) {
			h = realloc(d->hosts, (d->host_room + KVTIER_MAX_POOLS) *
				    sizeof(*h));
			if (!h)
				return;
			d->hosts = h;
			d->host_room += KVTIER_MAX_POOLS;
		}
		h = &d->hosts[d->nr_hosts++];
		h->addr = pools[i].addr;
		h->len = pools[i].len;
		r = d->api.cuMemHostRegister(h->addr, h->len,
					     CU_MEMHOSTREGISTER_PORTABLE);
		h->pinned = r == CUDA_SUCCESS;
		if (!h->pinned) {
			const char *name = NULL;

			if (d->api.cuGetErrorName(r, &name) != CUDA_SUCCESS ||
			    !name)
				name = "an unknown CUDA error";
			kvtd_notice("device-cuda: pool mapping %p (%zu bytes) not pinned for DMA (cuMemHostRegister: %s): its copies are staged by CUDA",
				    h->addr, h->len, name);
		}
	}
}

/* Queue one copy on @gpu's next stream. */
static int cu_issue(struct cu_tier *d, struct cu_gpu *gpu, int dir,
		    const struct kvtd_copy *c)
{
	unsigned int s = gpu->next;
	CUdeviceptr dst = (CUdeviceptr)(uintptr_t)c->dst;
	CUdeviceptr src = (CUdeviceptr)(uintptr_t)c->src;
	CUresult r;

	gpu->next = (s + 1) % KVTD_CUDA_STREAMS;
	gpu->used |= 1u << s;
	if (dir == CP_D2D)
		r = d->api.cuMemcpyDtoDAsync(dst, src, c->len, gpu->s[s]);
	else if (dir == CP_H2D)
		r = d->api.cuMemcpyHtoDAsync(dst, c->src, c->len, gpu->s[s]);
	else
		r = d->api.cuMemcpyDtoHAsync(c->dst, src, c->len, gpu->s[s]);
	return cu_check(d, r, dir == CP_H2D ? "cuMemcpyHtoDAsync" :
			      dir == CP_D2H ? "cuMemcpyDtoHAsync" :
					      "cuMemcpyDtoDAsync");
}

/* Wait for every stream that was given work. First error wins. */
static int cu_sync(struct cu_tier *d)
{
	unsigned int g, s;
	int ret = 0, r;

	for (g = 0; g < KVTD_CUDA_MAX_DEVICES; g++) {
		if (!d->gpu[g].used)
			continue;
		d->api.cuCtxSetCurrent(d->gpu[g].ctx);
		for (s = 0; s < KVTD_CUDA_STREAMS; s++) {
			if (!(d->gpu[g].used & (1u << s)))
				continue;
			r = cu_check(d, d->api.cuStreamSynchronize(d->gpu[g].s[s]),
				     "cuStreamSynchronize");
			if (!ret)
				ret = r;
		}
		d->gpu[g].used = 0;
	}
	return ret;
}

/* Where @c goes (CP_*); for the GPU's, which GPU in *@gpu. */
static int cu_classify(struct cu_tier *d, const struct kvtd_copy *c,
		       int *gpu, int *err)
{
	struct cu_map *dr = cu_find(d, c->dst, c->len, err);
	struct cu_map *sr = cu_find(d, c->src, c->len, err);

	if (dr && sr) {
		*gpu = dr->gpu;
		return CP_D2D;
	}
	if (dr) {
		*gpu = dr->gpu;
		return CP_H2D;
	}
	if (sr) {
		*gpu = sr->gpu;
		return CP_D2H;
	}
	return CP_CPU;
}

static int cu_cpu_room(struct cu_tier *d, size_t n)
{
	struct kvtd_copy *c;

	if (n <= d->cpu_room)
		return 0;
	c = realloc(d->cpu_batch, n * sizeof(*c));
	if (!c)
		return -ENOMEM;
	d->cpu_batch = c;
	d->cpu_room = n;
	return 0;
}

static int cu_copy(struct kvtd_mem_tier *t, const struct kvtd_copy *c,
		   size_t n)
{
	struct cu_tier *d = to_cu(t);
	struct kvtd_copy run = { 0 };
	int dir, run_dir = CP_CPU, gpu = 0, run_gpu = -1, err = 0, ret;
	size_t i, ncpu = 0;
	const void *hostp;
	bool refreshed = false;
	struct cu_gpu *g;

	ret = cu_cpu_room(d, n);
	if (ret)
		return ret;
	for (i = 0; i <= n && !err; i++) {
		dir = CP_CPU;
		if (i < n) {
			dir = cu_classify(d, &c[i], &gpu, &err);
			if (err)
				break;
			if (dir == CP_CPU) {
				d->cpu_batch[ncpu++] = c[i];
				continue;
			}
			/* Merge with the run when both sides continue it. */
			if (run_gpu == gpu && run_dir == dir &&
			    (char *)run.dst + run.len == (char *)c[i].dst &&
			    (const char *)run.src + run.len ==
			    (const char *)c[i].src) {
				run.len += c[i].len;
				continue;
			}
		}
		if (run_gpu >= 0) {
			err = cu_gpu_get(d, run_gpu, &g);
			if (err)
				break;
			/* Pools mapped since the last batch: pin them once. */
			hostp = run_dir == CP_H2D ? run.src : run.dst;
			if (run_dir != CP_D2D && d->host && !refreshed &&
			    !cu_host_find(d, hostp, run.len)) {
				cu_host_refresh(d);
				refreshed = true;
			}
			err = cu_issue(d, g, run_dir, &run);
		}
		if (i < n) {
			run = c[i];
			run_dir = dir;
			run_gpu = gpu;
		}
	}
	/* The CPU's share runs while the copy engines do theirs. */
	if (ncpu && !err)
		err = d->cpu->ops->copy(d->cpu, d->cpu_batch, ncpu);
	ret = cu_sync(d);
	return err ? err : ret;
}

/* Whether @id is a memfd region (the CPU tier's) rather than a GPU's. */
static bool cu_host_addressable(struct kvtd_mem_tier *t, uint32_t id)
{
	struct cu_tier *d = to_cu(t);

	return id == 0 || id > KVTIER_MAX_REGIONS || d->r[id].kind != REG_CUDA;
}

/*
 * Pin a daemon buffer (the executor's staging buffers) as the pools are,
 * and list it with them, so that copies from it are DMA and do not send
 * cu_copy() looking for new pools. A buffer CUDA refuses is listed too,
 * unpinned: CUDA stages its copies itself.
 */
static int cu_host_register(struct kvtd_mem_tier *t, void *addr, size_t len)
{
	struct cu_tier *d = to_cu(t);
	struct cu_host *h;
	struct cu_gpu *g;
	int ret;

	if (d->nr_hosts == d->host_room) {
		h = realloc(d->hosts, (d->host_room + KVTIER_MAX_POOLS) *
			    sizeof(*h));
		if (!h)
			return -ENOMEM;
		d->hosts = h;
		d->host_room += KVTIER_MAX_POOLS;
	}
	/* A context must be current; PORTABLE pins it for every one. */
	ret = cu_gpu_get(d, 0, &g);
	if (!ret)
		ret = cu_check(d, d->api.cuMemHostRegister(addr, len,
						CU_MEMHOSTREGISTER_PORTABLE),
			       "cuMemHostRegister");
	h = &d->hosts[d->nr_hosts++];
	h->addr = addr;
	h->len = len;
	h->pinned = !ret;
	return ret;
}

static void cu_host_unregister(struct kvtd_mem_tier *t, void *addr)
{
	struct cu_tier *d = to_cu(t);
	unsigned int i;

	for (i = 0; i < d->nr_hosts; i++) {
		if (d->hosts[i].addr != addr)
			continue;
		if (d->hosts[i].pinned)
			cu_check(d, d->api.cuMemHostUnregister(addr),
				 "cuMemHostUnregister");
		d->hosts[i] = d->hosts[--d->nr_hosts];
		return;
	}
}

static void cu_close(struct kvtd_mem_tier *t)
{
	struct cu_tier *d = to_cu(t);
	unsigned int i;

	if (!t)
		return;
	cu_stash_drop(d);
	if (d->api.lib && d->nr_gpus > 0) {
		/* Unpin before the HOST tier unmaps (it closes after us). */
		for (i = 0; i < d->nr_hosts; i++)
			if (d->hosts[i].pinned)
				d->api.cuMemHostUnregister(d->hosts[i].addr);
		for (i = 0; i <= KVTIER_MAX_REGIONS; i++)
			cu_forget(d, &d->r[i]);
		/* Retired ones never put: none when used right. */
		while (d->maps)
			cu_map_free(d, d->maps);
		for (i = 0; i < KVTD_CUDA_MAX_DEVICES; i++)
			cu_gpu_put(d, &d->gpu[i]);
	}
	if (d->cpu)
		d->cpu->ops->close(d->cpu);
	if (d->api.lib)
		dlclose(d->api.lib);
	free(d->hosts);
	free(d->cpu_batch);
	free(d);
}

const struct kvtd_mem_tier_ops kvtd_device_cuda_tier_ops = {
	.name = "device-cuda",
	.lookup = cu_lookup,
	.revalidate = cu_revalidate,
	.hold = cu_hold,
	.put = cu_put,
	.copy = cu_copy,
	.host_addressable = cu_host_addressable,
	.host_register = cu_host_register,
	.host_unregister = cu_host_unregister,
	.close = cu_close,
};

int kvtd_device_cuda_tier_open(kvtd_region_fd_fn get_fd, void *ctx,
			       unsigned int threads, struct kvtd_mem_tier *host,
			       struct kvtd_mem_tier **out)
{
	struct cu_gpu *g;
	struct cu_tier *d;
	int ret, count = 0;

	if (!get_fd)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->tier.ops = &kvtd_device_cuda_tier_ops;
	d->get_fd = get_fd;
	d->ctx = ctx;
	d->host = host;
	/* Epoch 1: a zeroed entry (epoch 0) is never current. */
	d->epoch = 1;
	ret = cu_load(&d->api);
	if (ret)
		goto err_close;
	ret = d->api.cuInit(0);
	if (ret == CUDA_SUCCESS)
		ret = d->api.cuDeviceGetCount(&count);
	if (ret != CUDA_SUCCESS || count <= 0) {
		/* No GPU, or a driver that cannot run: not an error here. */
		const char *name = NULL;

		if (ret != CUDA_SUCCESS &&
		    d->api.cuGetErrorName(ret, &name) == CUDA_SUCCESS && name)
			kvtd_info("device-cuda: cuInit: %s", name);
		ret = -ENODEV;
		goto err_close;
	}
	d->nr_gpus = count;
	/* GPU 0's context now: a driver that fails shows it at start. */
	ret = cu_gpu_get(d, 0, &g);
	if (ret)
		goto err_close;
	ret = kvtd_device_cpu_tier_open(cu_cpu_get_fd, d, threads, &d->cpu);
	if (ret)
		goto err_close;
	*out = &d->tier;
	return 0;

err_close:
	cu_close(&d->tier);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * daemon/tier_device_cuda.c on a GPU: a CUDA VMM allocation exported as a
 * POSIX fd (as an engine registers it) and a memfd region, both opened
 * through a fake REGION_GET_FD; one batch of host -> device copies into
 * both (scattered, and adjacent ones that the tier merges), one of device
 * -> host copies back; every byte checked through a mapping of the test's
 * own. Then the staged DISK -> DEVICE path's part: the VMM region is not
 * host-addressable and the memfd one is, and a staging buffer registered
 * through the tier copies into the GPU region and is unregistered.
 * Exit 0 pass, 1 fail, 77 skip (no CUDA driver or GPU).
 */
#include <cuda.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvtd_tier_cuda.h"

#define EXIT_SKIP 77
#define OBJ (64u << 10)
#define NOBJ 64u
#define RSIZE (8u << 20)

#define FUNCS(X) X(cuInit) X(cuDeviceGetCount) X(cuDeviceGet)          \
	X(cuDevicePrimaryCtxRetain) X(cuCtxSetCurrent) X(cuMemCreate)   \
	X(cuMemExportToShareableHandle) X(cuMemGetAllocationGranularity) \
	X(cuMemAddressReserve) X(cuMemMap) X(cuMemSetAccess)            \
	X(cuMemcpyDtoH) X(cuGetErrorName)
#define MEMBER(f) static __typeof__(&f) p_##f;
#define STR(f) STR_(f)
#define STR_(f) #f
FUNCS(MEMBER)

#define CK(call)                                                        \
	do {                                                            \
		CUresult r_ = (call);                                   \
		const char *n_ = "?";                                   \
		if (r_ != CUDA_SUCCESS) {                               \
			p_cuGetErrorName(r_, &n_);                      \
			fprintf(stderr, "t_tier_cuda: %s: %s\n", #call, n_); \
			exit(1);                                        \
		}                                                       \
	} while (0)

static int vmm_fd = -1, mem_fd = -1;

/* Regions 1 (CUDA VMM) and 2 (memfd), both at generation 1. */
static int fake_get_fd(void *ctx, uint32_t id, uint32_t gen,
		       struct drm_kvtier_region_get_fd *out)
{
	if (id != 1 && id != 2)
		return -ENOENT;
	if (gen != 1)
		return -ESTALE;
	memset(out, 0, sizeof(*out));
	out->region_id = id;
	out->gen = gen;
	out->size = RSIZE;
	out->kind = id == 1 ? KVTIER_REGION_KIND_CUDA_VMM :
			      KVTIER_REGION_KIND_MEMFD;
	out->fd = fcntl(id == 1 ? vmm_fd : mem_fd, F_DUPFD_CLOEXEC, 0);
	return out->fd < 0 ? -errno : 0;
}

static int load(void)
{
	void *lib = dlopen("libcuda.so.1", RTLD_NOW);

	if (!lib)
		return -1;
#define LOAD(f) if (!(p_##f = (__typeof__(p_##f))dlsym(lib, STR(f)))) return -1;
	FUNCS(LOAD)
	return 0;
}

int main(void)
{
	struct kvtd_copy c[NOBJ + 2];
	CUmemAllocationProp prop = { 0 };
	CUmemAccessDesc access = { 0 };
	CUmemGenericAllocationHandle h;
	unsigned char *src, *back, *view, *memfd_map, *stage;
	struct kvtd_mem_tier *t;
	void *b1, *b2;
	uint64_t s1, s2;
	CUdeviceptr mine;
	CUcontext ctx;
	CUdevice dev;
	size_t gran, i;
	int n = 0, ret, fail = 0;

	if (load() || p_cuInit(0) != CUDA_SUCCESS ||
	    p_cuDeviceGetCount(&n) != CUDA_SUCCESS || n == 0) {
		printf("t_tier_cuda: SKIP: no CUDA driver or GPU\n");
		return EXIT_SKIP;
	}
	CK(p_cuDeviceGet(&dev, 0));
	CK(p_cuDevicePrimaryCtxRetain(&ctx, dev));
	CK(p_cuCtxSetCurrent(ctx));
	prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
	prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
	prop.location.id = 0;
	prop.requestedHandleTypes = CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR;
	CK(p_cuMemGetAllocationGranularity(&gran, &prop,
					   CU_MEM_ALLOC_GRANULARITY_MINIMUM));
	if (RSIZE % gran) {
		printf("t_tier_cuda: SKIP: granularity %zu\n", gran);
		return EXIT_SKIP;
	}
	CK(p_cuMemCreate(&h, RSIZE, &prop, 0));
	CK(p_cuMemExportToShareableHandle(&vmm_fd, h,
				CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR, 0));
	/* The test's own view of the allocation, to check through. */
	CK(p_cuMemAddressReserve(&mine, RSIZE, 0, 0, 0));
	CK(p_cuMemMap(mine, RSIZE, 0, h, 0));
	access.location = prop.location;
	access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
	CK(p_cuMemSetAccess(mine, RSIZE, &access, 1));

	mem_fd = memfd_create("t_tier_cuda", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem_fd < 0 || ftruncate(mem_fd, RSIZE) ||
	    fcntl(mem_fd, F_ADD_SEALS, F_SEAL_SHRINK))
		return 1;
	memfd_map = mmap(NULL, RSIZE, PROT_READ, MAP_SHARED, mem_fd, 0);
	src = malloc((NOBJ + 2) * OBJ);
	back = malloc((NOBJ + 2) * OBJ);
	view = malloc(RSIZE);
	if (memfd_map == MAP_FAILED || !src || !back || !view)
		return 1;
	srand(time(NULL));
	for (i = 0; i < (NOBJ + 2) * OBJ; i++)
		src[i] = rand();

	ret = kvtd_device_cuda_tier_open(fake_get_fd, NULL, 1, NULL, &t);
	if (ret) {
		fprintf(stderr, "t_tier_cuda: open: %s\n", strerror(-ret));
		return 1;
	}
	t->ops->revalidate(t);
	if (t->ops->lookup(t, &(struct kvtd_space){ .id = 1, .gen = 1 }, &b1,
			   &s1) ||
	    t->ops->lookup(t, &(struct kvtd_space){ .id = 2, .gen = 1 }, &b2,
			   &s2) ||
	    s1 != RSIZE || s2 != RSIZE) {
		fprintf(stderr, "t_tier_cuda: lookup failed\n");
		return 1;
	}
	/* Scattered into the GPU region; the last two adjacent (merged). */
	for (i = 0; i < NOBJ; i++)
		c[i] = (struct kvtd_copy){ (char *)b1 + (i * 37 % 120) * OBJ,
					   src + i * OBJ, OBJ };
	c[NOBJ - 1] = (struct kvtd_copy){ (char *)b1 + 120 * OBJ,
					  src + (NOBJ - 1) * OBJ, OBJ };
	c[NOBJ] = (struct kvtd_copy){ (char *)b1 + 121 * OBJ,
				      src + NOBJ * OBJ, OBJ };
	c[NOBJ + 1] = (struct kvtd_copy){ (char *)b2 + 5 * OBJ,
					  src + (NOBJ + 1) * OBJ, OBJ };
	ret = t->ops->copy(t, c, NOBJ + 2);
	if (ret) {
		fprintf(stderr, "t_tier_cuda: H2D batch: %s\n", strerror(-ret));
		return 1;
	}
	CK(p_cuMemcpyDtoH(view, mine, RSIZE));
	for (i = 0; i < NOBJ + 1; i++)
		if (memcmp(view + ((char *)c[i].dst - (char *)b1), c[i].src, OBJ)) {
			fprintf(stderr, "t_tier_cuda: object %zu differs on the GPU\n", i);
			fail = 1;
		}
	if (memcmp(memfd_map + 5 * OBJ, c[NOBJ + 1].src, OBJ)) {
		fprintf(stderr, "t_tier_cuda: the memfd object differs\n");
		fail = 1;
	}
	/* And back: device -> host through the tier. */
	for (i = 0; i < NOBJ + 1; i++)
		c[i] = (struct kvtd_copy){ back + i * OBJ, c[i].dst, OBJ };
	ret = t->ops->copy(t, c, NOBJ + 1);
	if (ret) {
		fprintf(stderr, "t_tier_cuda: D2H batch: %s\n", strerror(-ret));
		return 1;
	}
	if (memcmp(back, src, (NOBJ - 1) * OBJ) ||
	    memcmp(back + (NOBJ - 1) * OBJ, src + (NOBJ - 1) * OBJ, 2 * OBJ)) {
		fprintf(stderr, "t_tier_cuda: device -> host copies differ\n");
		fail = 1;
	}
	if (kvtd_mem_host_addressable(t, 1) || !kvtd_mem_host_addressable(t, 2)) {
		fprintf(stderr, "t_tier_cuda: host_addressable: wrong answer\n");
		fail = 1;
	}
	stage = aligned_alloc(4096, OBJ);
	if (!stage)
		return 1;
	memcpy(stage, src + OBJ, OBJ);
	ret = t->ops->host_register(t, stage, OBJ);
	if (ret)
		fprintf(stderr, "t_tier_cuda: staging buffer not pinned: %s\n",
			strerror(-ret));
	c[0] = (struct kvtd_copy){ (char *)b1 + 124 * OBJ, stage, OBJ };
	ret = t->ops->copy(t, c, 1);
	CK(p_cuMemcpyDtoH(view, mine, RSIZE));
	if (ret || memcmp(view + 124 * OBJ, stage, OBJ)) {
		fprintf(stderr, "t_tier_cuda: staged copy: %s\n",
			ret ? strerror(-ret) : "bytes differ");
		fail = 1;
	}
	t->ops->host_unregister(t, stage);
	free(stage);
	t->ops->close(t);
	printf("t_tier_cuda: %s\n", fail ? "FAIL" : "PASS");
	return fail;
}

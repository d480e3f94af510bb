// SPDX-License-Identifier: GPL-2.0
/*
 * gpu/copy_kernels.cu against its CPU reference (gpu/copy_ref.c) on fresh
 * random input: random bytes, random descriptors (lengths from 0 to a
 * slot, destinations and sources aligned or not), with fewer and with
 * more descriptors than one launch has blocks. The tolerance is none:
 * copies must match the reference byte for byte, and bytes outside every
 * destination must be untouched.
 *
 * Usage: t_copy [SEED]. Exit 0 pass, 1 fail, 77 skip (no GPU).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cuda_runtime.h>

#include "copy_kernels.h"

#define EXIT_SKIP 77
/* 32 MiB per arena: a few thousand KV-block-sized copies. */
#define ARENA (32u << 20)

#define CK(call)                                                        \
	do {                                                            \
		cudaError_t e_ = (call);                                \
		if (e_ != cudaSuccess) {                                \
			fprintf(stderr, "t_copy: %s: %s\n", #call,      \
				cudaGetErrorName(e_));                  \
			exit(1);                                        \
		}                                                       \
	} while (0)

static uint64_t rng;

/* xorshift64*: reproducible from the printed seed. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

/*
 * One batch of @n copies, each into its own slot of ARENA / @n bytes.
 * Returns 0 when the kernel's result equals the reference's.
 */
static int run(unsigned char *h_src, unsigned char *d_src,
	       unsigned char *d_dst, struct kvt_copy_desc *d_desc, uint32_t n)
{
	size_t slot = ARENA / n;
	struct kvt_copy_desc *hd, *dd;
	unsigned char *ref, *got;
	uint64_t dst_off, src_off, len;
	int cuda_err, ret;
	uint32_t i;
	size_t j;

	hd = (struct kvt_copy_desc *)calloc(n, sizeof(*hd));
	dd = (struct kvt_copy_desc *)calloc(n, sizeof(*dd));
	ref = (unsigned char *)malloc(ARENA);
	got = (unsigned char *)malloc(ARENA);
	if (!hd || !dd || !ref || !got) {
		fprintf(stderr, "t_copy: out of memory\n");
		exit(1);
	}
	memset(ref, 0xa5, ARENA);
	CK(cudaMemset(d_dst, 0xa5, ARENA));
	for (i = 0; i < n; i++) {
		/* Half of them aligned as slots are, half anywhere. */
		dst_off = rnd() % 2 ? 0 : rnd() % 64;
		len = rnd() % (slot - dst_off + 1);
		if (i % 17 == 0)
			len = 0;
		src_off = rnd() % (ARENA - len + 1);
		if (rnd() % 2)
			src_off &= ~(uint64_t)15;
		dst_off += (uint64_t)i * slot;
		hd[i] = (struct kvt_copy_desc){
			(uint64_t)(uintptr_t)(ref + dst_off),
			(uint64_t)(uintptr_t)(h_src + src_off), len,
		};
		dd[i] = (struct kvt_copy_desc){
			(uint64_t)(uintptr_t)(d_dst + dst_off),
			(uint64_t)(uintptr_t)(d_src + src_off), len,
		};
	}
	CK(cudaMemcpy(d_desc, dd, n * sizeof(*dd), cudaMemcpyHostToDevice));
	ret = kvt_copy_batch_launch(d_desc, n, NULL, &cuda_err);
	if (ret) {
		fprintf(stderr, "t_copy: launch of %u copies: %d (%s)\n", n, ret,
			cudaGetErrorName((cudaError_t)cuda_err));
		exit(1);
	}
	CK(cudaDeviceSynchronize());
	CK(cudaMemcpy(got, d_dst, ARENA, cudaMemcpyDeviceToHost));
	kvt_copy_batch_ref(hd, n);
	ret = 0;
	for (j = 0; j < ARENA; j++) {
		if (got[j] != ref[j]) {
			fprintf(stderr, "t_copy: %u copies: byte %zu (copy %zu, offset %zu in its slot) is %#x, the reference %#x\n",
				n, j, j / slot, j % slot, got[j], ref[j]);
			ret = 1;
			break;
		}
	}
	printf("t_copy: %u copies of up to %zu bytes: %s\n", n, slot,
	       ret ? "FAIL" : "match the reference");
	free(hd);
	free(dd);
	free(ref);
	free(got);
	return ret;
}

int main(int argc, char **argv)
{
	/* Below, at and above the kernel's 4096 blocks per launch. */
	static const uint32_t counts[] = { 1, 1000, 4096, 12000 };
	struct kvt_copy_desc *d_desc;
	unsigned char *h_src, *d_src, *d_dst;
	int devices = 0, fail = 0;
	cudaError_t e;
	uint64_t seed;
	size_t j;
	unsigned int k;

	e = cudaGetDeviceCount(&devices);
	if (e != cudaSuccess || devices == 0) {
		printf("t_copy: SKIP: no CUDA GPU (%s)\n",
		       e != cudaSuccess ? cudaGetErrorName(e) : "0 devices");
		return EXIT_SKIP;
	}
	seed = argc > 1 ? strtoull(argv[1], NULL, 0) :
			  (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	rng = seed ? seed : 1;
	printf("t_copy: seed %llu (t_copy %llu repeats this run)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	h_src = (unsigned char *)malloc(ARENA);
	if (!h_src) {
		fprintf(stderr, "t_copy: out of memory\n");
		return 1;
	}
	for (j = 0; j < ARENA; j += 8) {
		uint64_t v = rnd();

		memcpy(h_src + j, &v, 8);
	}
	CK(cudaMalloc((void **)&d_src, ARENA));
	CK(cudaMalloc((void **)&d_dst, ARENA));
	CK(cudaMalloc((void **)&d_desc, 12000 * sizeof(*d_desc)));
	CK(cudaMemcpy(d_src, h_src, ARENA, cudaMemcpyHostToDevice));
	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++)
		fail |= run(h_src, d_src, d_dst, d_desc, counts[k]);
	CK(cudaFree(d_desc));
	CK(cudaFree(d_dst));
	CK(cudaFree(d_src));
	free(h_src);
	printf("t_copy: %s\n", fail ? "FAIL" : "PASS");
	return fail;
}

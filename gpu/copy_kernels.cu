// SPDX-License-Identifier: GPL-2.0
/*
 * Batched gather/scatter copies: see copy_kernels.h.
 *
 * One block per descriptor (a grid-stride loop when there are more than
 * the grid holds): a KV block of 16 to 256 KiB keeps a block's threads
 * busy, and copies of different lengths then cost no divergence. Within
 * a copy, the bytes up to the first 16-byte boundary of the destination
 * go one by one, then 16 bytes per load and store when the source shares
 * that alignment (the common case: slots and blocks are aligned), bytes
 * otherwise, then the tail.
 */
#include <errno.h>

#include <cuda_runtime.h>

#include "copy_kernels.h"

/* 256 threads: 4 KiB moved per block and step with 16-byte accesses. */
#define KVT_COPY_THREADS 256
/*
 * Blocks per launch at most: enough to fill any current GPU (132 SMs on
 * an H100, 16 blocks each), few enough that a launch costs nothing extra
 * for a small batch; more descriptors loop.
 */
#define KVT_COPY_MAX_BLOCKS 4096u

__global__ void kvt_copy_batch_kernel(const struct kvt_copy_desc *desc,
				      uint32_t n)
{
	for (uint32_t i = blockIdx.x; i < n; i += gridDim.x) {
		unsigned char *dst = (unsigned char *)desc[i].dst;
		const unsigned char *src = (const unsigned char *)desc[i].src;
		uint64_t len = desc[i].len;
		uint64_t head = (16 - ((uintptr_t)dst & 15)) & 15;

		if (head > len)
			head = len;
		for (uint64_t j = threadIdx.x; j < head; j += blockDim.x)
			dst[j] = src[j];
		dst += head;
		src += head;
		len -= head;
		if (((uintptr_t)src & 15) == 0) {
			uint4 *d4 = (uint4 *)dst;
			const uint4 *s4 = (const uint4 *)src;
			uint64_t n4 = len / 16;

			for (uint64_t j = threadIdx.x; j < n4; j += blockDim.x)
				d4[j] = s4[j];
			dst += n4 * 16;
			src += n4 * 16;
			len -= n4 * 16;
		}
		for (uint64_t j = threadIdx.x; j < len; j += blockDim.x)
			dst[j] = src[j];
	}
}

extern "C" int kvt_copy_batch_launch(const struct kvt_copy_desc *desc,
				     uint32_t n, void *stream, int *cuda_err)
{
	unsigned int blocks = n < KVT_COPY_MAX_BLOCKS ? n : KVT_COPY_MAX_BLOCKS;
	cudaError_t e;

	if (cuda_err)
		*cuda_err = 0;
	if (!n)
		return 0;
	if (!desc)
		return -EINVAL;
	kvt_copy_batch_kernel<<<blocks, KVT_COPY_THREADS, 0,
				(cudaStream_t)stream>>>(desc, n);
	/* Every launch checked: a bad configuration fails here. */
	e = cudaGetLastError();
	if (e != cudaSuccess) {
		if (cuda_err)
			*cuda_err = (int)e;
		return -EIO;
	}
	return 0;
}

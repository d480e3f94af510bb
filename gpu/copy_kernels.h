/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Batched gather/scatter copies on the GPU: many (dst, src, len)
 * descriptors in one launch, for the many small copies of a KV fetch
 * (one per block) that would each cost a cuMemcpyAsync call otherwise.
 * copy_kernels.cu runs them; copy_ref.c is the plain C reference the
 * tests hold it to.
 */
#ifndef KVT_COPY_KERNELS_H
#define KVT_COPY_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct kvt_copy_desc - one copy of a batch.
 * @dst: Destination address (device, or host memory mapped for the GPU).
 * @src: Source address, likewise.
 * @len: Bytes; 0 is allowed. Copies of one batch must not overlap.
 */
struct kvt_copy_desc {
	uint64_t dst;
	uint64_t src;
	uint64_t len;
};

/*
 * kvt_copy_batch_ref - the reference: every copy of @desc[0..@n), done
 * by the CPU on host addresses.
 */
void kvt_copy_batch_ref(const struct kvt_copy_desc *desc, uint32_t n);

/*
 * kvt_copy_batch_launch - queue the batch on @stream (a cudaStream_t; NULL
 * for the default stream). @desc is in device memory (or mapped host
 * memory) and must stay there until the launch completes. Returns 0, or
 * -EINVAL (bad arguments) or -EIO (the launch failed; the CUDA error is
 * in *@cuda_err when not NULL) - never exits.
 */
int kvt_copy_batch_launch(const struct kvt_copy_desc *desc, uint32_t n,
			  void *stream, int *cuda_err);

#ifdef __cplusplus
}
#endif

#endif /* KVT_COPY_KERNELS_H */

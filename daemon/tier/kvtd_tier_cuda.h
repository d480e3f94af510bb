/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DEVICE tier with CUDA (tier_device_cuda.c), and the choice between
 * it and the CPU one (tier_device.c).
 *
 * The CUDA tier is built when CUDA's headers are (daemon/daemon.mk sets
 * KVTD_HAVE_CUDA) and loads the driver library, libcuda.so.1, at run time:
 * the same kvtierd starts on a host without a GPU driver and copies with
 * the CPU there. It serves both kinds of region: KVTIER_REGION_KIND_
 * CUDA_VMM ones it imports and maps itself and copies with the GPU's copy
 * engines; MEMFD ones it hands to a CPU device tier inside it.
 *
 * Unlike the other tiers, it logs CUDA's own error name (once, where a
 * CUDA call fails) before returning the -errno it maps to: the -errno
 * alone would lose what CUDA said.
 */
#ifndef KVTD_TIER_CUDA_H
#define KVTD_TIER_CUDA_H

#include "kvtd_tier_mem.h"

/*
 * Streams per GPU the daemon copies on, round-robin: a few keep the GPU's
 * copy engines (two or more per GPU) busy while small copies are still
 * being queued; more would add only synchronisation.
 */
#define KVTD_CUDA_STREAMS 4u
/* GPUs one daemon serves: the largest common hosts have 8 to 16. */
#define KVTD_CUDA_MAX_DEVICES 16u

extern const struct kvtd_mem_tier_ops kvtd_device_cuda_tier_ops;

/*
 * kvtd_device_cuda_tier_open - the CUDA device tier. @get_fd and @ctx
 * open regions (as for kvtd_device_cpu_tier_open); @threads goes to the
 * CPU tier that copies MEMFD regions; @host, when not NULL, is the HOST
 * tier whose pool mappings are registered with CUDA (cuMemHostRegister)
 * at their first copy, so that copies from and to them are DMA from
 * pinned memory. It must outlive this tier (close this one first).
 *
 * Returns 0; -ENOSYS when built without CUDA; -ENODEV when libcuda.so.1
 * cannot be loaded, lacks a function, or sees no GPU; or the -errno of
 * setting up.
 */
int kvtd_device_cuda_tier_open(kvtd_region_fd_fn get_fd, void *ctx,
			       unsigned int threads, struct kvtd_mem_tier *host,
			       struct kvtd_mem_tier **out);

/*
 * kvtd_device_tier_open - the DEVICE tier kvtierd uses: CUDA's where it is
 * built and a GPU driver answers, the CPU's otherwise (it logs which, and
 * why not CUDA). Returns 0 or the -errno of opening the CPU tier.
 */
int kvtd_device_tier_open(kvtd_region_fd_fn get_fd, void *ctx,
			  unsigned int threads, struct kvtd_mem_tier *host,
			  struct kvtd_mem_tier **out);

#endif /* KVTD_TIER_CUDA_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Which DEVICE tier kvtierd runs: see kvtd_tier_cuda.h.
 */
#include <errno.h>
#include <string.h>

#include "kvtd_log.h"
#include "kvtd_tier_cuda.h"

#ifndef KVTD_HAVE_CUDA
int kvtd_device_cuda_tier_open(kvtd_region_fd_fn get_fd, void *ctx,
			       unsigned int threads, struct kvtd_mem_tier *host,
			       struct kvtd_mem_tier **out)
{
	return -ENOSYS;
}
#endif

int kvtd_device_tier_open(kvtd_region_fd_fn get_fd, void *ctx,
			  unsigned int threads, struct kvtd_mem_tier *host,
			  struct kvtd_mem_tier **out)
{
	int ret;

	ret = kvtd_device_cuda_tier_open(get_fd, ctx, threads, host, out);
	if (!ret) {
		kvtd_info("device tier: CUDA for CUDA VMM regions, the CPU for memfd regions");
		return 0;
	}
	if (ret == -ENOSYS)
		kvtd_info("device tier: the CPU (built without CUDA)");
	else if (ret == -ENODEV)
		kvtd_info("device tier: the CPU (no usable CUDA driver or GPU)");
	else
		kvtd_warn("device tier: CUDA failed to start (%s): the CPU only, CUDA VMM regions will be refused",
			  strerror(-ret));
	return kvtd_device_cpu_tier_open(get_fd, ctx, threads, out);
}

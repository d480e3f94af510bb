// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU reference of gpu/copy_kernels.cu: the same batch, copy by copy.
 */
#include <string.h>

#include "copy_kernels.h"

void kvt_copy_batch_ref(const struct kvt_copy_desc *desc, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		/* As the kernel: an empty copy touches neither address. */
		if (!desc[i].len)
			continue;
		memcpy((void *)(uintptr_t)desc[i].dst,
		       (const void *)(uintptr_t)desc[i].src,
		       (size_t)desc[i].len);
	}
}

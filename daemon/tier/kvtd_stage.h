/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Staging buffers for disk reads into memory the CPU cannot address (a
 * CUDA region): the disk reads into one (O_DIRECT: 4 KiB aligned), the
 * DEVICE tier copies from it, then it is put back. A small fixed set,
 * each grown to the largest read it has served and registered with the
 * tier for DMA, so that steady state allocates and pins nothing. The
 * memory is allocated at a buffer's first use: a daemon without GPU
 * regions holds none.
 *
 * Functions return 0 or -errno; none logs.
 */
#ifndef KVTD_STAGE_H
#define KVTD_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtd_tier_mem.h"

/*
 * Staged reads in flight at once. Eight keep an NVMe drive near its
 * bandwidth for reads of a KV object (hundreds of KiB and up), while
 * eight buffers of the largest object stay a small share of host memory.
 * More staged reads wait in the backlog for one to be put back.
 */
#define KVTD_STAGE_BUFS 8u
/* The smallest buffer: a buffer's size is a power of two from here. */
#define KVTD_STAGE_MIN (64ull << 10)

struct kvtd_stage_buf {
	void *addr;
	size_t size;
	bool busy;
	bool registered;
};

/**
 * struct kvtd_stage - the staging buffers.
 * @tier: The tier that copies out of them, asked to register each.
 * @nr_busy: Buffers handed out.
 * @allocs: Buffers allocated (or grown) since init.
 */
struct kvtd_stage {
	struct kvtd_mem_tier *tier;
	struct kvtd_stage_buf buf[KVTD_STAGE_BUFS];
	unsigned int nr_busy;
	uint64_t allocs;
};

/* No memory yet; @tier may be NULL (nothing registered). */
void kvtd_stage_init(struct kvtd_stage *s, struct kvtd_mem_tier *tier);

/*
 * kvtd_stage_get - a free buffer of at least @len bytes, 4 KiB aligned,
 * in *@out. The smallest free buffer that is large enough; else a free
 * one grown (its old memory unregistered and freed first). Returns 0,
 * -EAGAIN when every buffer is busy (retry once one is put back),
 * -EINVAL for a @len of 0 or too large, or -ENOMEM.
 */
int kvtd_stage_get(struct kvtd_stage *s, uint64_t len,
		   struct kvtd_stage_buf **out);

/* Hand @b back for reuse; its memory stays. NULL is ignored. */
void kvtd_stage_put(struct kvtd_stage *s, struct kvtd_stage_buf *b);

/* Unregister and free every buffer: before the tier closes. */
void kvtd_stage_fini(struct kvtd_stage *s);

#endif /* KVTD_STAGE_H */

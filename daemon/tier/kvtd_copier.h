/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A batch copier for the CPU device tier: small batches are memcpy'd by
 * the caller; large ones are cut into equal byte ranges that a few
 * persistent threads and the caller copy at once, because one core's
 * memcpy does not reach the memory bandwidth of a server socket.
 */
#ifndef KVTD_COPIER_H
#define KVTD_COPIER_H

#include <stddef.h>

#include "kvtd_tier_mem.h"

/*
 * At most this many threads copy one batch, the caller included: past 4
 * streams, one socket's memory bandwidth is the limit, not the cores.
 */
#define KVTD_CPU_COPY_THREADS_MAX 4u
/*
 * Batches below this go through one memcpy: waking a thread costs a few
 * microseconds, what copying ~64 KiB costs, so splitting pays from about
 * a megabyte of copying per thread.
 */
#define KVTD_CPU_COPY_SPLIT_MIN (4ull << 20)

struct kvtd_copier;

/*
 * Start a copier with @threads threads in all (the caller counts as one;
 * 0 picks the CPUs online, at most KVTD_CPU_COPY_THREADS_MAX).
 * 0, -ENOMEM, or the -errno of pthread_create.
 */
int kvtd_copier_init(struct kvtd_copier **out, unsigned int threads);
/* Stop the threads and free. NULL is fine. */
void kvtd_copier_fini(struct kvtd_copier *cp);
/* Threads that copy a large batch, the caller included. */
unsigned int kvtd_copier_threads(const struct kvtd_copier *cp);
/* Copy the batch; returns when all of it is copied. Never fails. */
void kvtd_copier_run(struct kvtd_copier *cp, const struct kvtd_copy *c,
		     size_t n);

#endif /* KVTD_COPIER_H */

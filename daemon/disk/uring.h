/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The disk tier's I/O engine: one io_uring over one O_DIRECT file, with the
 * file and the caller's memory registered up front, so that a read or a
 * write of a pool slot goes straight between the device and the slot with
 * no per-I/O page pinning and no bounce copy.
 *
 * Submission is batched: prep calls only fill SQEs; kvtd_uring_submit()
 * hands all of them to the kernel with one system call.
 */
#ifndef KVTD_DISK_URING_H
#define KVTD_DISK_URING_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

#include "tier_ops.h"

/* A registered buffer: [base, base + len) in slot @index of the table. */
struct kvtd_uring_buf {
	uintptr_t base;
	size_t len;
	unsigned int index;
};

struct kvtd_uring {
	struct io_uring ring;
	int fd;
	int efd;
	bool file_fixed;
	struct kvtd_uring_buf *bufs;
	unsigned int nr_bufs;
	bool *slot_used;
	int buf_error;
	uint64_t fixed_ios;
	uint64_t unfixed_ios;
};

/*
 * kvtd_uring_init - set up a ring of @entries SQEs over @fd and register
 * @regions (each split into pieces the kernel accepts) as fixed buffers.
 *
 * The buffer table is sparse where the kernel has such tables (5.19 and
 * later), so that kvtd_uring_set_regions() can change it; elsewhere
 * @regions are registered once and for good.
 *
 * Registration is an optimisation: when the kernel refuses it (memory that
 * cannot be pinned, RLIMIT_MEMLOCK), I/O goes through plain READ/WRITE
 * from the same addresses and kvtd_uring_buf_error() says why.
 *
 * Returns 0, -ENOMEM, or the -errno of io_uring setup or eventfd.
 */
int kvtd_uring_init(struct kvtd_uring *u, int fd, unsigned int entries,
		    const struct kvtd_region *regions, unsigned int nr_regions);

/*
 * kvtd_uring_set_regions - make @regions the registered ones: pieces of
 * regions no longer given leave the table (I/O in flight on them keeps
 * their pages until it completes), pieces of new ones enter it. A region
 * keeps its registration only if given again with the same address and
 * length. The caller must not map new memory at the address of a region
 * while it is still registered. A no-op with a table registered once.
 *
 * As at init, a refusal is recorded in kvtd_uring_buf_error() (0 when
 * every piece is registered) and its I/O is plain. Returns 0 or -ENOMEM.
 */
int kvtd_uring_set_regions(struct kvtd_uring *u,
			   const struct kvtd_region *regions,
			   unsigned int nr_regions);

void kvtd_uring_fini(struct kvtd_uring *u);

/* 0 if the buffers are registered, else the -errno registration gave. */
static inline int kvtd_uring_buf_error(const struct kvtd_uring *u)
{
	return u->buf_error;
}

/* An eventfd the ring signals on every completion (for epoll). */
static inline int kvtd_uring_event_fd(const struct kvtd_uring *u)
{
	return u->efd;
}

/*
 * kvtd_uring_reserve - make room for @n SQEs, submitting what is queued if
 * the ring is short. Returns 0, -EBUSY if there is still no room, or the
 * -errno of submission.
 */
int kvtd_uring_reserve(struct kvtd_uring *u, unsigned int n);

/*
 * kvtd_uring_prep_rw - queue a read or write of @len bytes at file offset
 * @off, with READ_FIXED/WRITE_FIXED when [@buf, @buf + @len) lies inside one
 * registered buffer. @link chains the next SQE after this one.
 * Returns 0 or -EBUSY (no SQE: call kvtd_uring_reserve() first).
 */
int kvtd_uring_prep_rw(struct kvtd_uring *u, bool write, void *buf,
		       uint32_t len, uint64_t off, void *data, bool link);

/* Queue an fdatasync of the file. Returns 0 or -EBUSY. */
int kvtd_uring_prep_fsync(struct kvtd_uring *u, void *data);

/* Submits every queued SQE. Returns how many, or -errno. */
int kvtd_uring_submit(struct kvtd_uring *u);

/*
 * Submits what is queued and waits for one completion. Returns 0 or -errno
 * (-EINTR is retried).
 */
int kvtd_uring_wait(struct kvtd_uring *u);

#endif /* KVTD_DISK_URING_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring setup, buffer registration and SQE preparation for the disk
 * tier.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "uring.h"

/*
 * The kernel refuses a registered buffer larger than 1 GiB, so a region is
 * registered in 1 GiB pieces; an I/O that straddles two pieces (rare for
 * slot-aligned objects) goes through a plain READ/WRITE instead.
 */
#define URING_MAX_BUF (1ull << 30)

/*
 * Slots of the sparse buffer table: the most the kernel allows
 * (IORING_MAX_REG_BUFFERS), so that pools of up to that many GiB in all
 * fit. An empty slot costs the kernel a pointer and a tag.
 */
#define URING_NR_SLOTS (1u << 14)

/* The fixed-file table has one entry: the tier's file. */
#define URING_FILE_INDEX 0

static int buf_cmp(const void *a, const void *b)
{
	const struct kvtd_uring_buf *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* The 1 GiB pieces of @regions, in @out (NULL: just count them). */
static unsigned int uring_pieces(const struct kvtd_region *regions,
				 unsigned int nr_regions,
				 struct kvtd_uring_buf *out)
{
	unsigned int i, n = 0;
	size_t off, len;

	for (i = 0; i < nr_regions; i++) {
		for (off = 0; off < regions[i].len; off += len) {
			len = regions[i].len - off;
			if (len > URING_MAX_BUF)
				len = URING_MAX_BUF;
			if (out) {
				out[n].base = (uintptr_t)regions[i].addr + off;
				out[n].len = len;
			}
			n++;
		}
	}
	return n;
}

/*
 * Registers @regions once, in a table of their own size: for kernels
 * without sparse buffer tables (before 5.19). A refusal is recorded, not
 * returned.
 */
static int uring_register_static(struct kvtd_uring *u,
				 const struct kvtd_region *regions,
				 unsigned int nr_regions)
{
	unsigned int i, n = uring_pieces(regions, nr_regions, NULL);
	struct iovec *iov;
	int ret;

	if (!n)
		return 0;
	u->bufs = calloc(n, sizeof(*u->bufs));
	iov = calloc(n, sizeof(*iov));
	if (!u->bufs || !iov) {
		free(iov);
		return -ENOMEM;
	}
	u->nr_bufs = uring_pieces(regions, nr_regions, u->bufs);
	/* Sorted, so the buffer holding an address is a binary search away. */
	qsort(u->bufs, u->nr_bufs, sizeof(*u->bufs), buf_cmp);
	for (i = 0; i < u->nr_bufs; i++) {
		u->bufs[i].index = i;
		iov[i].iov_base = (void *)u->bufs[i].base;
		iov[i].iov_len = u->bufs[i].len;
	}
	ret = io_uring_register_buffers(&u->ring, iov, u->nr_bufs);
	free(iov);
	if (ret < 0) {
		free(u->bufs);
		u->bufs = NULL;
		u->nr_bufs = 0;
		u->buf_error = ret;
	}
	return 0;
}

static bool uring_piece_in(const struct kvtd_uring_buf *set, unsigned int n,
			   const struct kvtd_uring_buf *b)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (set[i].base == b->base && set[i].len == b->len)
			return true;
	return false;
}

/* Puts @iov (or nothing, for a NULL base) in slot @slot. 0 or -errno. */
static int uring_slot_set(struct kvtd_uring *u, unsigned int slot,
			  void *base, size_t len)
{
	struct iovec iov = { .iov_base = base, .iov_len = len };
	int ret;

	ret = io_uring_register_buffers_update_tag(&u->ring, slot, &iov, NULL,
						   1);
	if (ret < 0)
		return ret;
	return ret == 1 ? 0 : -EIO;
}

int kvtd_uring_set_regions(struct kvtd_uring *u,
			   const struct kvtd_region *regions,
			   unsigned int nr_regions)
{
	unsigned int i, n, kept = 0, slot = 0;
	struct kvtd_uring_buf *want, *bufs;
	int ret, error = 0;

	if (!u->slot_used)
		return 0;
	n = uring_pieces(regions, nr_regions, NULL);
	want = calloc(n ? n : 1, sizeof(*want));
	bufs = calloc(n ? n : 1, sizeof(*bufs));
	if (!want || !bufs) {
		free(want);
		free(bufs);
		return -ENOMEM;
	}
	uring_pieces(regions, nr_regions, want);

	/*
	 * Pieces no longer wanted leave the table first. I/O in flight
	 * keeps its buffer's pages until it completes; the kernel sees to
	 * that.
	 */
	for (i = 0; i < u->nr_bufs; i++) {
		if (uring_piece_in(want, n, &u->bufs[i])) {
			bufs[kept++] = u->bufs[i];
			continue;
		}
		ret = uring_slot_set(u, u->bufs[i].index, NULL, 0);
		if (ret) {
			/* Still registered: keep it so as to find it. */
			bufs[kept++] = u->bufs[i];
			error = ret;
			continue;
		}
		u->slot_used[u->bufs[i].index] = false;
	}
	for (i = 0; i < n; i++) {
		if (uring_piece_in(bufs, kept, &want[i]))
			continue;
		while (slot < URING_NR_SLOTS && u->slot_used[slot])
			slot++;
		if (slot == URING_NR_SLOTS) {
			error = -ENOSPC;
			break;
		}
		ret = uring_slot_set(u, slot, (void *)want[i].base,
				     want[i].len);
		if (ret) {
			/* Refused (memory that cannot be pinned). */
			error = ret;
			break;
		}
		u->slot_used[slot] = true;
		bufs[kept] = want[i];
		bufs[kept++].index = slot;
	}
	free(want);
	/*
	 * All or nothing, as a one-shot registration is: a refusal leaves
	 * every I/O plain, and the next call tries every region again.
	 */
	for (i = 0; error && i < kept; i++)
		if (!uring_slot_set(u, bufs[i].index, NULL, 0))
			u->slot_used[bufs[i].index] = false;
	if (error)
		kept = 0;
	/* Sorted, so the buffer holding an address is a binary search away. */
	qsort(bufs, kept, sizeof(*bufs), buf_cmp);
	free(u->bufs);
	u->bufs = bufs;
	u->nr_bufs = kept;
	u->buf_error = error;
	return 0;
}

/*
 * A sparse table that kvtd_uring_set_regions() fills and changes, where
 * the kernel has them; else @regions registered once.
 */
static int uring_register_bufs(struct kvtd_uring *u,
			       const struct kvtd_region *regions,
			       unsigned int nr_regions)
{
	int ret;

	ret = io_uring_register_buffers_sparse(&u->ring, URING_NR_SLOTS);
	if (ret < 0)
		return uring_register_static(u, regions, nr_regions);
	u->slot_used = calloc(URING_NR_SLOTS, sizeof(*u->slot_used));
	if (!u->slot_used)
		return -ENOMEM;
	return kvtd_uring_set_regions(u, regions, nr_regions);
}

int kvtd_uring_init(struct kvtd_uring *u, int fd, unsigned int entries,
		    const struct kvtd_region *regions, unsigned int nr_regions)
{
	int ret;

	*u = (struct kvtd_uring){ .fd = fd, .efd = -1 };
	ret = io_uring_queue_init(entries, &u->ring, 0);
	if (ret < 0)
		return ret;
	/* Saves a file lookup per I/O; without it SQEs name @fd directly. */
	u->file_fixed = io_uring_register_files(&u->ring, &fd, 1) == 0;
	u->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->efd < 0) {
		ret = -errno;
		goto err_exit_ring;
	}
	ret = io_uring_register_eventfd(&u->ring, u->efd);
	if (ret < 0)
		goto err_close_efd;
	ret = uring_register_bufs(u, regions, nr_regions);
	if (ret < 0)
		goto err_close_efd;
	return 0;

err_close_efd:
	close(u->efd);
	u->efd = -1;
err_exit_ring:
	io_uring_queue_exit(&u->ring);
	return ret;
}

void kvtd_uring_fini(struct kvtd_uring *u)
{
	io_uring_queue_exit(&u->ring);
	if (u->efd >= 0)
		close(u->efd);
	u->efd = -1;
	free(u->bufs);
	u->bufs = NULL;
	u->nr_bufs = 0;
	free(u->slot_used);
	u->slot_used = NULL;
}

/*
 * Position in @u->bufs of the registered buffer holding all of
 * [@p, @p + @len), or -1.
 */
static int uring_buf_index(const struct kvtd_uring *u, const void *p,
			   size_t len)
{
	uintptr_t a = (uintptr_t)p;
	unsigned int lo = 0, hi = u->nr_bufs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (u->bufs[mid].base <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	lo--;
	if (a - u->bufs[lo].base > u->bufs[lo].len ||
	    len > u->bufs[lo].len - (a - u->bufs[lo].base))
		return -1;
	return (int)lo;
}

int kvtd_uring_reserve(struct kvtd_uring *u, unsigned int n)
{
	int ret;

	if (io_uring_sq_space_left(&u->ring) >= n)
		return 0;
	ret = io_uring_submit(&u->ring);
	if (ret < 0)
		return ret;
	return io_uring_sq_space_left(&u->ring) >= n ? 0 : -EBUSY;
}

static void uring_set_file(struct kvtd_uring *u, struct io_uring_sqe *sqe)
{
	if (u->file_fixed) {
		sqe->fd = URING_FILE_INDEX;
		sqe->flags |= IOSQE_FIXED_FILE;
	}
}

int kvtd_uring_prep_rw(struct kvtd_uring *u, bool write, void *buf,
		       uint32_t len, uint64_t off, void *data, bool link)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	int idx;

	if (!sqe)
		return -EBUSY;
	idx = uring_buf_index(u, buf, len);
	if (idx >= 0) {
		if (write)
			io_uring_prep_write_fixed(sqe, u->fd, buf, len, off,
						  u->bufs[idx].index);
		else
			io_uring_prep_read_fixed(sqe, u->fd, buf, len, off,
						 u->bufs[idx].index);
		u->fixed_ios++;
	} else {
		if (write)
			io_uring_prep_write(sqe, u->fd, buf, len, off);
		else
			io_uring_prep_read(sqe, u->fd, buf, len, off);
		u->unfixed_ios++;
	}
	uring_set_file(u, sqe);
	if (link)
		sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data(sqe, data);
	return 0;
}

int kvtd_uring_prep_fsync(struct kvtd_uring *u, void *data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_fsync(sqe, u->fd, IORING_FSYNC_DATASYNC);
	uring_set_file(u, sqe);
	io_uring_sqe_set_data(sqe, data);
	return 0;
}

int kvtd_uring_submit(struct kvtd_uring *u)
{
	/* liburing enters the kernel even with nothing queued; skip that. */
	if (!io_uring_sq_ready(&u->ring))
		return 0;
	return io_uring_submit(&u->ring);
}

int kvtd_uring_wait(struct kvtd_uring *u)
{
	struct io_uring_cqe *cqe;
	int ret;

	do {
		ret = io_uring_submit_and_wait(&u->ring, 1);
		if (ret >= 0)
			ret = io_uring_peek_cqe(&u->ring, &cqe);
	} while (ret == -EINTR || ret == -EAGAIN);
	return ret < 0 ? ret : 0;
}

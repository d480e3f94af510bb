/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The disk tier's state, shared by disk.c (operations), recover.c (the scan
 * at open) and disk_ops.c (the ops table). Not for the daemon's eyes.
 */
#ifndef KVTD_DISK_INTERNAL_H
#define KVTD_DISK_INTERNAL_H

#include <stdbool.h>

#include "disk.h"
#include "extent.h"
#include "format.h"
#include "index.h"
#include "uring.h"

/* The tier's own operation: wiping a header before its space is reused. */
#define DISK_OP_WIPE 0x100u

/* Stages of a write (struct disk_op.stage): see the top of disk.c. */
#define DISK_W_CONTENT_DONE (1u << 0)	/* the content write completed */
#define DISK_W_CRC_DONE (1u << 1)	/* checksummed, the header encoded */
#define DISK_W_HDR_QUEUED (1u << 2)	/* the header write is queued */
#define DISK_W_HDR_DONE (1u << 3)	/* the header write completed */

/* What a write does after one of its events (kvtd_disk_write_next()). */
enum disk_w_next {
	DISK_W_WAIT,		/* for another event */
	DISK_W_QUEUE_HDR,	/* submit its header (content maybe in flight) */
	DISK_W_DONE,		/* every I/O it submitted has completed */
};

/*
 * kvtd_disk_write_next - the write order of disk.c as a pure function:
 * given a write's DISK_W_* @stage and its first error @res (0 if none),
 * what it does next. The header is queued once the checksum is computed,
 * unless the content already failed; the write is done only once its
 * content write and, if queued, its header write have both completed.
 */
enum disk_w_next kvtd_disk_write_next(unsigned int stage, int res);

/**
 * struct disk_op - one operation in flight (a slot; 2 x queue depth exist).
 * @next: the one list the operation is on (free, crc, header or done).
 * @op: enum kvtd_tier_op or DISK_OP_WIPE.
 * @user: the caller's (reaped as a completion) rather than the tier's.
 * @stage: DISK_W_* bits, for writes.
 * @res: first error, or 0.
 * @user_data: the caller's.
 * @obj: the extent written, read or wiped.
 * @buf, @len: the caller's buffer and the I/O length.
 * @hdr: this slot's header block (in the registered meta buffer).
 */
struct disk_op {
	struct disk_op *next;
	uint32_t op;
	bool user;
	unsigned int stage;
	int res;
	uint64_t user_data;
	struct kvtd_disk_obj *obj;
	void *buf;
	uint64_t len;
	void *hdr;
};

/* A FIFO of operations, linked through struct disk_op.next. */
struct disk_opq {
	struct disk_op *head;
	struct disk_op **tail;
};

struct kvtd_disk {
	struct kvtd_tier tier;
	int fd;
	struct kvtd_disk_sb sb;
	struct kvtd_uring u;
	struct kvtd_extent_alloc space;
	struct kvtd_disk_index index;
	uint64_t next_gen;
	unsigned int qd;
	unsigned int user_inflight;
	unsigned int ops_busy;
	struct disk_op *ops;
	struct disk_op *free_ops;
	struct disk_opq crc_q;
	struct disk_opq hdr_q;
	struct disk_opq done_q;
	void *meta;
	void *zero_block;
	struct kvtd_disk_obj *wipe_head;
	struct kvtd_disk_obj **wipe_tail;
	struct kvtd_tier_stats st;
};

/*
 * kvtd_disk_recover - rebuild the index and the free space of an opened
 * store from its extent headers (recover.c). Returns 0 or -errno.
 */
int kvtd_disk_recover(struct kvtd_disk *d);

/* Waits out every operation in flight, the tier's own included (disk.c). */
void kvtd_disk_drain(struct kvtd_disk *d);

#endif /* KVTD_DISK_INTERNAL_H */

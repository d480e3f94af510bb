// SPDX-License-Identifier: GPL-2.0
/*
 * The disk tier's operations and completions.
 *
 * Write order. An object's content goes into the extent's blocks after
 * the header block, and its header into the first block. The two writes
 * are in flight together: the content is submitted first, its crc32c is
 * computed while the device moves it (see below), and the header, which
 * carries that crc32c, is submitted as soon as it is encoded, without
 * waiting for the content to land. The write is reported complete only
 * once both have completed in full and without error; until then the key
 * is not in the index, a reader still gets the copy it replaces (if any),
 * and nothing of the new extent is served.
 *
 * So a header on disk may have no content behind it, or only part of it:
 * the process died (kill -9, a crash) between the two completions, or a
 * power cut lost content from the device's volatile cache (which could
 * happen under any order of submission without a flush in between). That
 * is what the header's data crc32c is for: recovery (recover.c) reads
 * every extent and keeps it only if its content matches, and every read
 * checks again before it reports success. A header is therefore valid
 * only with its complete content, whatever landed, without a flush per
 * object; kvtd_disk_sync() is the durability point. A header that landed
 * over content that did not is torn: recovery drops it, wipes it, and the
 * key's older copy (whose extent is only retired once the new write has
 * been reported, see write_done()) is what the key recovers to. Only a
 * content that matches the new crc32c, that is the new bytes, can make
 * the new header valid.
 *
 * A write that fails (either I/O, or short) still waits for both of its
 * I/Os, since the slot's header block and the caller's buffer are in use
 * until then; if its header was submitted, the extent is retired like a
 * dropped one (header wiped before the space is reused), since the header
 * may have landed. If the content failed before the header was submitted,
 * the header is never submitted and the space is freed at once.
 *
 * Freeing order. Space is reused only after the extent's header has been
 * wiped on disk (and every read of it has finished, and, for a failed
 * write, both of its I/Os), so free space never holds a valid header of
 * this store that a later recovery could revive over newer data. Should a
 * wipe be lost in a power cut anyway, the newer extent written over that
 * space has the higher generation and wins if its content survived too;
 * if that was lost as well, the old copy may come back, as under any
 * order: writes and drops after the last kvtd_disk_sync() are not durable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "disk_internal.h"

/*
 * Memcheck cannot see the kernel fill a buffer through io_uring, so it
 * would take every byte read for uninitialised; tell it. A few no-op
 * instructions when not running under valgrind, nothing without its header.
 */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define disk_mark_filled(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)
#endif
#endif
#ifndef disk_mark_filled
#define disk_mark_filled(p, n) ((void)(p), (void)(n))
#endif

/*
 * Largest object: one SQE moves at most 2 GiB - 4 KiB (the kernel's
 * MAX_RW_COUNT), and a registered buffer is at most 1 GiB.
 */
#define DISK_MAX_OBJECT (1ull << 30)

/* The header SQE of a write is told apart by this bit of its user_data. */
#define DISK_TAG_HDR 1ull

static bool disk_aligned(const void *buf)
{
	return ((uintptr_t)buf & (KVTD_DISK_BLOCK - 1)) == 0;
}

static struct disk_op *op_get(struct kvtd_disk *d)
{
	struct disk_op *op = d->free_ops;

	if (!op)
		return NULL;
	d->free_ops = op->next;
	d->ops_busy++;
	op->next = NULL;
	op->res = 0;
	op->stage = 0;
	op->obj = NULL;
	op->buf = NULL;
	op->len = 0;
	op->user = false;
	op->user_data = 0;
	return op;
}

static void op_put(struct kvtd_disk *d, struct disk_op *op)
{
	if (op->user)
		d->user_inflight--;
	op->next = d->free_ops;
	d->free_ops = op;
	d->ops_busy--;
}

static void opq_push(struct disk_opq *q, struct disk_op *op)
{
	op->next = NULL;
	*q->tail = op;
	q->tail = &op->next;
}

static struct disk_op *opq_pop(struct disk_opq *q)
{
	struct disk_op *op = q->head;

	if (op) {
		q->head = op->next;
		if (!q->head)
			q->tail = &q->head;
		op->next = NULL;
	}
	return op;
}

/* Returns the extent's space once nothing refers to it any more. */
static void obj_maybe_free(struct kvtd_disk *d, struct kvtd_disk_obj *obj)
{
	if (obj->indexed || !obj->wiped || obj->refs || obj->wipe_queued)
		return;
	/* Cannot fail: the extent was allocated or reserved, so it is used. */
	kvtd_extent_free(&d->space, obj->ext.offset, obj->ext.extent_len);
	d->st.used -= obj->ext.extent_len;
	free(obj);
}

static int wipe_start(struct kvtd_disk *d, struct kvtd_disk_obj *obj)
{
	struct disk_op *op;

	/* The tier's own operations keep to their half of the slots. */
	if (d->ops_busy - d->user_inflight >= d->qd ||
	    kvtd_uring_reserve(&d->u, 1))
		return -EAGAIN;
	op = op_get(d);
	kvtd_uring_prep_rw(&d->u, true, d->zero_block, KVTD_DISK_BLOCK,
			   obj->ext.offset, op, false);
	op->op = DISK_OP_WIPE;
	op->obj = obj;
	op->len = KVTD_DISK_BLOCK;
	return 0;
}

/* Starts wipes that waited for a free slot or SQE, oldest first. */
static void wipe_kick(struct kvtd_disk *d)
{
	struct kvtd_disk_obj *obj;

	while ((obj = d->wipe_head)) {
		if (wipe_start(d, obj))
			return;
		d->wipe_head = obj->list;
		if (!d->wipe_head)
			d->wipe_tail = &d->wipe_head;
		obj->list = NULL;
		obj->wipe_queued = false;
	}
}

/*
 * Retires an extent that has left the index (or never entered it): wipe
 * its header, then free its space (obj_maybe_free, once reads are done).
 */
static void obj_retire(struct kvtd_disk *d, struct kvtd_disk_obj *obj)
{
	obj->wipe_queued = true;
	obj->list = NULL;
	*d->wipe_tail = obj;
	d->wipe_tail = &obj->list;
	wipe_kick(d);
}

static int disk_reserve_user(struct kvtd_disk *d, unsigned int sqes)
{
	int ret;

	if (d->user_inflight >= d->qd)
		return -EAGAIN;
	ret = kvtd_uring_reserve(&d->u, sqes);
	return ret == -EBUSY ? -EAGAIN : ret;
}

static struct disk_op *op_get_user(struct kvtd_disk *d, uint32_t kind,
				   uint64_t user_data)
{
	/* Never NULL: user ops are at most qd of the 2 x qd slots. */
	struct disk_op *op = op_get(d);

	op->op = kind;
	op->user = true;
	op->user_data = user_data;
	d->user_inflight++;
	return op;
}

int kvtd_disk_write(struct kvtd_disk *d, const struct kvtd_tier_key *key,
		    const void *buf, uint64_t size, uint64_t user_data)
{
	struct kvtd_disk_obj *obj;
	struct disk_op *op;
	uint64_t off;
	int ret;

	if (!size || size > DISK_MAX_OBJECT ||
	    (size & (KVTD_DISK_BLOCK - 1)) || !disk_aligned(buf))
		return -EINVAL;
	ret = disk_reserve_user(d, 1);
	if (ret)
		return ret;
	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return -ENOMEM;
	obj->ext.extent_len = kvtd_disk_extent_len(size);
	ret = kvtd_extent_alloc(&d->space, obj->ext.extent_len, &off);
	if (ret) {
		free(obj);
		return ret;
	}
	obj->ext.key = *key;
	obj->ext.offset = off;
	obj->ext.size = size;
	obj->ext.generation = d->next_gen++;

	op = op_get_user(d, KVTD_TIER_OP_WRITE, user_data);
	op->obj = obj;
	op->buf = (void *)buf;
	op->len = size;
	/* Content now; checksum and header later (see the top of this file). */
	kvtd_uring_prep_rw(&d->u, true, (void *)buf, size,
			   off + KVTD_DISK_BLOCK, op, false);
	opq_push(&d->crc_q, op);
	d->st.used += obj->ext.extent_len;
	return 0;
}

int kvtd_disk_read(struct kvtd_disk *d, const struct kvtd_tier_key *key,
		   void *buf, uint64_t size, uint64_t user_data)
{
	struct kvtd_disk_obj *obj = kvtd_index_find(&d->index, key);
	struct disk_op *op;
	int ret;

	if (!obj)
		return -ENOENT;
	if (obj->ext.size > size)
		return -EOVERFLOW;
	if (!disk_aligned(buf))
		return -EINVAL;
	ret = disk_reserve_user(d, 1);
	if (ret)
		return ret;
	op = op_get_user(d, KVTD_TIER_OP_READ, user_data);
	op->obj = obj;
	op->buf = buf;
	op->len = obj->ext.size;
	obj->refs++;
	/* Cannot fail after disk_reserve_user(); the same below. */
	kvtd_uring_prep_rw(&d->u, false, buf, obj->ext.size,
			   obj->ext.offset + KVTD_DISK_BLOCK, op, false);
	return 0;
}

int kvtd_disk_drop(struct kvtd_disk *d, const struct kvtd_tier_key *key,
		   uint64_t user_data)
{
	struct kvtd_disk_obj *obj = kvtd_index_find(&d->index, key);
	struct disk_op *op;
	int ret;

	if (!obj)
		return -ENOENT;
	ret = disk_reserve_user(d, 1);
	if (ret)
		return ret;
	kvtd_index_remove(&d->index, obj);
	op = op_get_user(d, KVTD_TIER_OP_DROP, user_data);
	op->obj = obj;
	op->len = KVTD_DISK_BLOCK;
	kvtd_uring_prep_rw(&d->u, true, d->zero_block, KVTD_DISK_BLOCK,
			   obj->ext.offset, op, false);
	return 0;
}

int kvtd_disk_sync(struct kvtd_disk *d, uint64_t user_data)
{
	struct disk_op *op;
	int ret;

	ret = disk_reserve_user(d, 1);
	if (ret)
		return ret;
	op = op_get_user(d, KVTD_TIER_OP_SYNC, user_data);
	kvtd_uring_prep_fsync(&d->u, op);
	return 0;
}

/* A completed write: the extent becomes the key's copy unless a newer one is. */
static int write_done(struct kvtd_disk *d, struct disk_op *op)
{
	struct kvtd_disk_obj *obj = op->obj, *old;

	if (op->res) {
		/*
		 * A header that was submitted may have landed, whichever
		 * I/O failed: wipe it before the space is reused.
		 */
		if (op->stage & DISK_W_HDR_QUEUED) {
			obj_retire(d, obj);
		} else {
			obj->wiped = true;
			obj_maybe_free(d, obj);
		}
		return op->res;
	}
	old = kvtd_index_find(&d->index, &obj->ext.key);
	if (old && old->ext.generation > obj->ext.generation) {
		d->st.drops_stale++;
		obj_retire(d, obj);
		return -ESTALE;
	}
	if (old) {
		kvtd_index_remove(&d->index, old);
		d->st.drops_stale++;
		obj_retire(d, old);
	}
	/* -ENOMEM here only means the table did not grow: obj is linked. */
	kvtd_index_insert(&d->index, obj);
	d->st.bytes_written += obj->ext.size;
	return 0;
}

/* A completed read: reported good only if the content matches its crc. */
static int read_done(struct kvtd_disk *d, struct disk_op *op)
{
	struct kvtd_disk_obj *obj = op->obj;

	obj->refs--;
	if (!op->res)
		disk_mark_filled(op->buf, op->len);
	if (!op->res && kvtd_crc32c(0, op->buf, op->len) != obj->ext.data_crc) {
		op->res = -EBADMSG;
		if (!obj->corrupt) {
			obj->corrupt = true;
			d->st.drops_corrupt++;
		}
		if (obj->indexed) {
			kvtd_index_remove(&d->index, obj);
			obj_retire(d, obj);
		}
	}
	if (!op->res)
		d->st.bytes_read += op->len;
	obj_maybe_free(d, obj);
	return op->res;
}

static void fill_cqe(struct kvtd_tier_cqe *c, const struct kvtd_disk_obj *obj)
{
	c->key = obj->ext.key;
	c->location = obj->ext.offset;
	c->size = obj->ext.size;
	c->generation = obj->ext.generation;
}

/* Finishes @op; fills @c (when not NULL) for a caller's operation. */
static void op_done(struct kvtd_disk *d, struct disk_op *op,
		    struct kvtd_tier_cqe *c)
{
	struct kvtd_tier_cqe tmp;
	int res = op->res;

	if (!c)
		c = &tmp;
	memset(c, 0, sizeof(*c));
	c->user_data = op->user_data;
	c->op = op->op;
	if (op->obj)
		fill_cqe(c, op->obj);
	switch (op->op) {
	case KVTD_TIER_OP_WRITE:
		res = write_done(d, op);
		d->st.writes += !res;
		break;
	case KVTD_TIER_OP_READ:
		res = read_done(d, op);
		d->st.reads += !res;
		break;
	case KVTD_TIER_OP_DROP:
	case DISK_OP_WIPE:
		/* A failed wipe leaves a header a newer generation will beat. */
		op->obj->wiped = true;
		obj_maybe_free(d, op->obj);
		d->st.drops += op->op == KVTD_TIER_OP_DROP && !res;
		break;
	case KVTD_TIER_OP_SYNC:
		d->st.syncs += !res;
		break;
	}
	if (op->user && res)
		d->st.errors++;
	c->res = res;
	op_put(d, op);
}

enum disk_w_next kvtd_disk_write_next(unsigned int stage, int res)
{
	/* disk_kick() checksums every write before anything else moves it. */
	if (!(stage & DISK_W_CRC_DONE))
		return DISK_W_WAIT;
	/* The header goes out with the content still in flight. */
	if (!(stage & DISK_W_HDR_QUEUED) && !res)
		return DISK_W_QUEUE_HDR;
	if (!(stage & DISK_W_CONTENT_DONE))
		return DISK_W_WAIT;
	if ((stage & DISK_W_HDR_QUEUED) && !(stage & DISK_W_HDR_DONE))
		return DISK_W_WAIT;
	return DISK_W_DONE;
}

/*
 * Moves a write on after one of its events (checksum computed, content or
 * header write completed): to the header queue, or to the done queue once
 * every I/O it submitted has completed. Each write reaches the done queue
 * exactly once: only its last event can find every I/O completed.
 */
static void write_advance(struct kvtd_disk *d, struct disk_op *op)
{
	switch (kvtd_disk_write_next(op->stage, op->res)) {
	case DISK_W_QUEUE_HDR:
		op->stage |= DISK_W_HDR_QUEUED;
		opq_push(&d->hdr_q, op);
		break;
	case DISK_W_DONE:
		opq_push(&d->done_q, op);
		break;
	case DISK_W_WAIT:
		break;
	}
}

/* Accounts one CQE to its operation, and moves the operation on. */
static void cqe_account(struct kvtd_disk *d, struct io_uring_cqe *cqe)
{
	uintptr_t data = (uintptr_t)io_uring_cqe_get_data(cqe);
	struct disk_op *op = (struct disk_op *)(data & ~(uintptr_t)DISK_TAG_HDR);
	bool hdr = data & DISK_TAG_HDR;
	uint64_t want = hdr ? KVTD_DISK_BLOCK : op->len;
	int res = cqe->res;

	if (op->op == KVTD_TIER_OP_SYNC)
		want = 0;
	if (res >= 0 && (uint64_t)res != want)
		res = -EIO;	/* short I/O: the file ended or the device failed */
	if (res < 0 && !op->res)
		op->res = res;
	if (op->op != KVTD_TIER_OP_WRITE) {
		if (op->user)
			opq_push(&d->done_q, op);
		else
			op_done(d, op, NULL);
		return;
	}
	op->stage |= hdr ? DISK_W_HDR_DONE : DISK_W_CONTENT_DONE;
	write_advance(d, op);
}

/*
 * The work between submissions: checksums of submitted writes, their
 * header writes (submitted here, alongside the content still in flight),
 * and wipes that waited for room. Submits what it queued.
 */
static void disk_kick(struct kvtd_disk *d)
{
	struct disk_op *op;

	while ((op = opq_pop(&d->crc_q))) {
		/* A failed content write gets no header: skip its checksum. */
		if (!op->res) {
			op->obj->ext.data_crc = kvtd_crc32c(0, op->buf,
							    op->len);
			kvtd_disk_hdr_encode(&op->obj->ext, d->sb.uuid,
					     op->hdr);
		}
		op->stage |= DISK_W_CRC_DONE;
		write_advance(d, op);
	}
	while ((op = d->hdr_q.head)) {
		if (kvtd_uring_reserve(&d->u, 1))
			break;
		opq_pop(&d->hdr_q);
		kvtd_uring_prep_rw(&d->u, true, op->hdr, KVTD_DISK_BLOCK,
				   op->obj->ext.offset,
				   (void *)((uintptr_t)op | DISK_TAG_HDR), false);
	}
	wipe_kick(d);
	kvtd_uring_submit(&d->u);
}

/*
 * Takes in the completions the ring has, then hands up to @max finished
 * caller operations to @cqes (or discards them when @cqes is NULL).
 *
 * A read's completion costs a checksum of its content (a quarter of a
 * millisecond for 2 MiB): past @enough completions, the next read is left
 * for the next call, so that the caller can refill the queue in between
 * and the device never waits for a batch of checksums.
 */
static unsigned int disk_process(struct kvtd_disk *d,
				 struct kvtd_tier_cqe *cqes, unsigned int max,
				 unsigned int enough)
{
	struct io_uring_cqe *cqe;
	struct disk_op *op;
	unsigned int n = 0;

	while (io_uring_peek_cqe(&d->u.ring, &cqe) == 0) {
		cqe_account(d, cqe);
		io_uring_cqe_seen(&d->u.ring, cqe);
	}
	disk_kick(d);
	while (n < max && (op = d->done_q.head)) {
		if (n >= enough && op->op == KVTD_TIER_OP_READ && !op->res)
			break;
		opq_pop(&d->done_q);
		op_done(d, op, cqes ? &cqes[n] : NULL);
		n++;
	}
	return n;
}

int kvtd_disk_submit(struct kvtd_disk *d)
{
	int ret = kvtd_uring_submit(&d->u);

	/* The device has the content writes: checksum them meanwhile. */
	disk_kick(d);
	return ret;
}

int kvtd_disk_reap(struct kvtd_disk *d, struct kvtd_tier_cqe *cqes,
		   unsigned int max, unsigned int min_wait)
{
	unsigned int n = 0;
	int ret;

	ret = kvtd_disk_submit(d);
	if (ret < 0 && ret != -EBUSY && ret != -EAGAIN)
		return ret;
	for (;;) {
		n += disk_process(d, cqes + n, max - n,
				  min_wait > n ? min_wait - n : 1);
		if (n >= max || n >= min_wait || !d->user_inflight ||
		    d->done_q.head)
			return (int)n;
		ret = kvtd_uring_wait(&d->u);
		if (ret < 0)
			return n ? (int)n : ret;
	}
}

/* Waits out everything in flight, the tier's own wipes included. */
void kvtd_disk_drain(struct kvtd_disk *d)
{
	for (;;) {
		disk_process(d, NULL, ~0u, ~0u);
		if (!d->ops_busy && !d->wipe_head)
			return;
		if (kvtd_uring_wait(&d->u) < 0)
			return;
	}
}

int kvtd_disk_event_fd(const struct kvtd_disk *d)
{
	return kvtd_uring_event_fd(&d->u);
}

unsigned int kvtd_disk_inflight(const struct kvtd_disk *d)
{
	return d->user_inflight;
}

int kvtd_disk_lookup(const struct kvtd_disk *d, const struct kvtd_tier_key *key,
		     struct kvtd_tier_cqe *info)
{
	const struct kvtd_disk_obj *obj = kvtd_index_find(&d->index, key);

	if (!obj)
		return -ENOENT;
	memset(info, 0, sizeof(*info));
	fill_cqe(info, obj);
	return 0;
}

struct foreach_ctx {
	int (*fn)(const struct kvtd_tier_cqe *obj, void *arg);
	void *arg;
};

static int foreach_one(struct kvtd_disk_obj *obj, void *arg)
{
	struct foreach_ctx *ctx = arg;
	struct kvtd_tier_cqe c = { 0 };

	fill_cqe(&c, obj);
	return ctx->fn(&c, ctx->arg);
}

int kvtd_disk_foreach(const struct kvtd_disk *d,
		      int (*fn)(const struct kvtd_tier_cqe *obj, void *arg),
		      void *arg)
{
	struct foreach_ctx ctx = { .fn = fn, .arg = arg };

	return kvtd_index_foreach(&d->index, foreach_one, &ctx);
}

void kvtd_disk_stats(const struct kvtd_disk *d, struct kvtd_tier_stats *st)
{
	*st = d->st;
	st->objects = d->index.count;
	st->fixed_ios = d->u.fixed_ios;
	st->unfixed_ios = d->u.unfixed_ios;
}

int kvtd_disk_fixed_error(const struct kvtd_disk *d)
{
	return kvtd_uring_buf_error(&d->u);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libkvtier internals shared by its source files and its unit tests.
 *
 * Internal symbols are named kvtl_* so that the version script (which
 * exports kvtier_* only) keeps them out of the shared library.
 */
#ifndef KVTIER_INTERNAL_H
#define KVTIER_INTERNAL_H

#include "kvtier.h"
#include "event_queue.h"

/* Object ops built on the stack per chunk by the handle-array helpers:
 * 256 * 16 bytes = 4 KiB, small enough for any thread's stack and large
 * enough that the per-ioctl cost is spread over many items. */
#define KVTL_STACK_OPS 256

/* Bytes read from the fd at a time: room for 32 fetch events, so a burst
 * of completions costs one read(). */
#define KVTL_READ_BUF 1024

/**
 * typedef kvtl_ioctl_fn - how a handle issues its ioctls.
 * @ctx: The context given to kvtl_wrap().
 * @fd: The handle's fd.
 * @request: The ioctl number.
 * @arg: Its argument.
 *
 * The real one is ioctl(2) on the fd; unit tests install a fake to drive
 * the batch logic without a device. Returns 0 or -errno.
 */
typedef int (*kvtl_ioctl_fn)(void *ctx, int fd, unsigned long request,
			     void *arg);

struct kvtier {
	int fd;
	struct kvtier_params params;
	struct kvtl_evq events;
	kvtl_ioctl_fn ioctl_fn;
	void *ioctl_ctx;
	char path[64];
};

/* ioctl(2), retried on EINTR; 0 or -errno. */
int kvtl_sys_ioctl(void *ctx, int fd, unsigned long request, void *arg);

static inline int kvtl_ioctl(struct kvtier *kv, unsigned long request,
			     void *arg)
{
	return kv->ioctl_fn(kv->ioctl_ctx, kv->fd, request, arg);
}

/* Largest batch the handle sends in one ioctl: the driver's limit, never
 * more than the ABI's. */
static inline uint32_t kvtl_max_batch(const struct kvtier *kv)
{
	uint64_t m = kv->params.max_batch;

	if (m == 0 || m > KVTIER_MAX_BATCH)
		m = KVTIER_MAX_BATCH;
	return (uint32_t)m;
}

/**
 * kvtl_wrap() - make a handle around an fd without touching a device.
 * @out: Out. The handle.
 * @fd: The fd, owned by the handle from now on (closed by kvtier_close).
 * @params: The parameters to report, or NULL for zeroes.
 * @fn: The ioctl function, or NULL for kvtl_sys_ioctl.
 * @ctx: Passed to @fn.
 *
 * kvtier_open_path() builds on it; unit tests use it with a pipe and a
 * fake ioctl. Return: 0 or -ENOMEM.
 */
int kvtl_wrap(struct kvtier **out, int fd, const struct kvtier_params *params,
	      kvtl_ioctl_fn fn, void *ctx);

/**
 * kvtl_parse_events() - queue the fetch events in a buffer read from a DRM fd.
 * @q: The queue.
 * @buf: What read() returned.
 * @len: Bytes in @buf.
 *
 * Events of other types, and a truncated tail, are skipped.
 * Return: the number of events queued, or -ENOMEM (the rest are lost).
 */
int kvtl_parse_events(struct kvtl_evq *q, const void *buf, size_t len);

/**
 * typedef kvtl_chunk_fn - send one chunk of a batch to the driver.
 * @kv: The handle.
 * @items: The chunk's first item.
 * @n: Items in the chunk, 1..max_batch.
 * @failed: Out. Items whose result is not 0, as the driver counted them.
 * @ctx: The caller's context (the op, for object batches).
 *
 * Return: 0 when the driver accepted the chunk, -errno when it refused it.
 */
typedef int (*kvtl_chunk_fn)(struct kvtier *kv, void *items, uint32_t n,
			     uint32_t *failed, void *ctx);

/**
 * kvtl_chunked() - run a batch of any length as chunks of at most max_batch.
 * @kv: The handle.
 * @items: The items.
 * @count: Items; 0 returns 0.
 * @item_size: sizeof one item.
 * @result_off: offsetof the item's __s32 result.
 * @fn: Sends one chunk.
 * @ctx: Passed to @fn.
 * @taken: Out, optional. Items of the chunks the driver took: @count,
 *         unless a chunk was refused (the batch stopped there), and then
 *         the index of its first item.
 *
 * Gives batches the library's partial-failure contract: every item's
 * result is readable on return (the items of a refused chunk and of every
 * chunk after it get the refusal's -errno), and the return value is the
 * first failing item's result.
 *
 * Return: 0, or the first item's non-zero result.
 */
int kvtl_chunked(struct kvtier *kv, void *items, size_t count,
		 size_t item_size, size_t result_off, kvtl_chunk_fn fn,
		 void *ctx, size_t *taken);

#endif /* KVTIER_INTERNAL_H */

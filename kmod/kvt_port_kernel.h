/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side of kmod/core/kvt_port.h: every primitive the core uses,
 * mapped onto the kernel's own. The host side is kmod/core/kvt_port_host.h;
 * both provide exactly the names listed in kvt_port.h.
 */
#ifndef KVT_PORT_KERNEL_H
#define KVT_PORT_KERNEL_H

#include <asm/barrier.h>
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/prefetch.h>
#include <linux/smp.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

/* types: linux/types.h has uint8_t..uint64_t, int32_t, int64_t, size_t, bool */
#ifndef UINT32_MAX
#define UINT32_MAX U32_MAX
#endif
#ifndef UINT64_MAX
#define UINT64_MAX U64_MAX
#endif

/* errno: the core returns -KVT_E*, which must equal the kernel's -E* */
#define KVT_EINVAL EINVAL
#define KVT_ENOMEM ENOMEM
#define KVT_ENOENT ENOENT
#define KVT_EEXIST EEXIST
#define KVT_ENOSPC ENOSPC
#define KVT_EDQUOT EDQUOT
#define KVT_EPERM EPERM
#define KVT_EBUSY EBUSY
#define KVT_EACCES EACCES
#define KVT_EAGAIN EAGAIN
#define KVT_ERANGE ERANGE
#define KVT_EOVERFLOW EOVERFLOW
#define KVT_ETIME ETIME
#define KVT_ENODEV ENODEV
#define KVT_ESTALE ESTALE

/* memory: the core allocates only in process context, so it may sleep */
static inline void *kvt_zalloc(size_t size)
{
	return kzalloc(size, GFP_KERNEL);
}

static inline void kvt_free(void *p)
{
	kfree(p);
}

/*
 * Large tables (index shards, object table chunks, the work array) may
 * exceed what kmalloc gives, and are read at random: on 4 KiB pages a
 * table of a few hundred MiB misses the TLB on nearly every read (twice
 * the cost per lookup of the same table on 2 MiB pages, measured on a
 * 2-vCPU EPYC guest). From 2 MiB on, a vmalloc area mapped with 2 MiB
 * pages where such pages can be found (vmalloc_huge() falls back to small
 * ones by itself, and rounds the size up to 2 MiB: under 2 MiB lost per
 * table). Below, kvzalloc(): physically contiguous memory from the direct
 * map, which huge pages back, when it is at hand.
 */
static inline void *kvt_vzalloc(size_t size)
{
	if (size >= PMD_SIZE)
		return vmalloc_huge(size, GFP_KERNEL | __GFP_ZERO);
	return kvzalloc(size, GFP_KERNEL);
}

static inline void kvt_vfree(void *p)
{
	kvfree(p);
}

#define kvt_mul_overflow(a, b, res) check_mul_overflow(a, b, res)

/*
 * locks: the core only sleeps on its own locks, so a mutex fits. A macro,
 * not a typedef, as kernel style asks.
 */
#define KVT_ALIGNED(n) __aligned(n)
#define kvt_lock_t struct mutex

#define kvt_lock_init(l) mutex_init(l)
#define kvt_lock(l) mutex_lock(l)
#define kvt_unlock(l) mutex_unlock(l)
#define kvt_lock_destroy(l) mutex_destroy(l)

/*
 * readers: SRCU, whose read sections may sleep (a lookup takes shard and
 * object mutexes inside its section). What is retired is freed from an
 * SRCU callback, so a writer never waits for a grace period.
 */
struct kvt_retire_head {
	struct rcu_head rcu;
	void (*fn)(struct kvt_retire_head *h);
};

#define kvt_readers_t struct srcu_struct

static inline int kvt_readers_init(struct srcu_struct *r)
{
	return init_srcu_struct(r);
}

static inline void kvt_readers_fini(struct srcu_struct *r)
{
	/* The callbacks queued so far run before this returns. */
	srcu_barrier(r);
	cleanup_srcu_struct(r);
}

static inline int kvt_read_lock(struct srcu_struct *r)
{
	return srcu_read_lock(r);
}

static inline void kvt_read_unlock(struct srcu_struct *r, int idx)
{
	srcu_read_unlock(r, idx);
}

static inline void kvt_retire_cb(struct rcu_head *rcu)
{
	struct kvt_retire_head *h = container_of(rcu, struct kvt_retire_head,
						 rcu);

	h->fn(h);
}

static inline void kvt_retire(struct srcu_struct *r,
			      struct kvt_retire_head *h,
			      void (*fn)(struct kvt_retire_head *h))
{
	h->fn = fn;
	call_srcu(r, &h->rcu, kvt_retire_cb);
}

/* atomics */
#define kvt_atomic64_t atomic64_t

#define kvt_atomic64_read(a) ((uint64_t)atomic64_read(a))
#define kvt_atomic64_set(a, v) atomic64_set(a, (s64)(v))
#define kvt_atomic64_add(a, v) atomic64_add((s64)(v), a)
#define kvt_atomic64_inc(a) atomic64_inc(a)
#define kvt_atomic64_dec(a) atomic64_dec(a)
#define kvt_atomic64_inc_return(a) ((uint64_t)atomic64_inc_return(a))

/*
 * publish: values the core reads without a lock (p points to them). The
 * acquire load pairs with the release store that published the value.
 */
#define kvt_load_acquire(p) smp_load_acquire(p)
/* pairs with kvt_load_acquire() */
#define kvt_store_release(p, v) smp_store_release(p, v)

/* seqcount: lockless readers that retry when a writer got in the way */
#define kvt_read_once(x) READ_ONCE(x)
#define kvt_write_once(x, v) WRITE_ONCE(x, v)
/* orders a seqcount read before the reads it guards (pairs with wmb) */
#define kvt_smp_rmb() smp_rmb()
/* orders a seqcount bump against the writes it guards (pairs with rmb) */
#define kvt_smp_wmb() smp_wmb()

/*
 * cpus: preemption off between enter and exit makes the CPU's data
 * single-writer, as long as no writer runs in interrupt context (the core
 * writes per-CPU data only from process context: every such site may
 * take a mutex).
 */
static inline uint32_t kvt_cpu_ids(void)
{
	return nr_cpu_ids;
}

static inline uint32_t kvt_cpu_enter(void)
{
	return get_cpu();
}

static inline void kvt_cpu_exit(uint32_t cpu)
{
	put_cpu();
}

/* misc */
static inline uint64_t kvt_now_ns(void)
{
	return ktime_get_ns();
}

#define KVT_WARN_ON(cond) WARN_ON(cond)
#define kvt_memset(p, c, n) memset(p, c, n)
#define kvt_memcpy(d, s, n) memcpy(d, s, n)
#define kvt_memcmp(a, b, n) memcmp(a, b, n)

/*
 * Streaming stores, for records another CPU reads next: movnti through
 * memcpy_flushcache(), whose 8-byte case is one inline movntiq (larger
 * sizes call out of line, hence the loop), and wmb(), an sfence, to order
 * them before the tail that publishes them. Elsewhere memcpy_flushcache()
 * means cleaning lines to the point of persistence, which is no help
 * here: a plain copy, ordered by the release that follows.
 */
#if defined(CONFIG_X86_64) && defined(__HAVE_ARCH_MEMCPY_FLUSHCACHE)
static __always_inline void kvt_store_nt(void *dst, const void *src,
					 size_t n)
{
	size_t i;

	/* A record's eight words are eight stores, not a loop. */
#pragma GCC unroll 8
	for (i = 0; i < n; i += 8)
		memcpy_flushcache((char *)dst + i, (const char *)src + i, 8);
}

/* sfence: the streamed stores before the release that publishes them */
#define kvt_store_nt_fence() wmb()
#else
#define kvt_store_nt(d, s, n) memcpy(d, s, n)
/* plain stores: the release that publishes them orders them */
#define kvt_store_nt_fence() do { } while (0)
#endif
#define kvt_prefetch(p) prefetch(p)

/*
 * prefetch() is prefetchnta on x86, for data used once and soon; a line
 * wanted only after many other misses goes to L2 instead, which keeps
 * more misses in flight than the L1 fill buffers do.
 */
#ifdef CONFIG_X86
static __always_inline void kvt_prefetch_far(const void *p)
{
	asm volatile("prefetcht1 %0" : : "m" (*(const char *)p));
}
#else
#define kvt_prefetch_far(p) prefetch(p)
#endif

#endif /* KVT_PORT_KERNEL_H */

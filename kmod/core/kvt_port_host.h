/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of kvt_port.h: the core's primitives mapped onto libc,
 * pthreads and GCC builtins, for the unit tests and benchmarks. The kernel
 * side is kmod/kvt_port_kernel.h; both provide exactly the names listed in
 * kvt_port.h.
 */
#ifndef KVT_PORT_HOST_H
#define KVT_PORT_HOST_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#ifdef __x86_64__
#include <emmintrin.h>
#endif

/* errno: the kernel's numbers are the host's on Linux */
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

/* memory */
static inline void *kvt_zalloc(size_t size)
{
	return calloc(1, size);
}

static inline void kvt_free(void *p)
{
	free(p);
}

/*
 * Large tables are where lookups miss the TLB. In the kernel, tables from
 * 2 MiB on are vmalloc areas mapped with 2 MiB pages (kvt_port_kernel.h);
 * here they ask for transparent huge pages to be measured the same way.
 * They are mapped afresh for that: memory malloc() hands back was often
 * touched (and backed by small pages) before, and a later madvise() does
 * not change pages already there.
 */
#define KVT_HOST_HUGE (2ul << 20)

/* Before every kvt_vzalloc() block: how to give it back. */
struct kvt_vhdr {
	void *base;		/* NULL: from aligned_alloc(), else mmap() */
	size_t len;
	uint64_t pad[6];
};

static inline void *kvt_vzalloc(size_t size)
{
	struct kvt_vhdr *h;
	size_t len;
	char *map, *p;

	if (size < KVT_HOST_HUGE) {
		/* Cache-line aligned at least, as the kernel's allocators give. */
		size = (size + 63) & ~(size_t)63;
		h = aligned_alloc(64, sizeof(*h) + size);
		if (!h)
			return NULL;
		memset(h, 0, sizeof(*h) + size);
		return h + 1;
	}
	/* A 2 MiB aligned block with a page before it for the header. */
	size = (size + KVT_HOST_HUGE - 1) & ~(KVT_HOST_HUGE - 1);
	len = size + KVT_HOST_HUGE;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)map + 4096 + KVT_HOST_HUGE - 1) &
		     ~(KVT_HOST_HUGE - 1));
	madvise(p, size, MADV_HUGEPAGE);
	h = (struct kvt_vhdr *)p - 1;
	h->base = map;
	h->len = len;
	/* Fresh anonymous memory reads as zero. */
	return p;
}

static inline void kvt_vfree(void *p)
{
	struct kvt_vhdr *h;

	if (!p)
		return;
	h = (struct kvt_vhdr *)p - 1;
	if (h->base)
		munmap(h->base, h->len);
	else
		free(h);
}

#define kvt_mul_overflow(a, b, res) __builtin_mul_overflow(a, b, res)
#define KVT_ALIGNED(n) __attribute__((aligned(n)))

/* locks */
/* macros, not typedefs, like the kernel side (kernel style) */
#define kvt_lock_t pthread_mutex_t

#define kvt_lock_init(l) ((void)pthread_mutex_init(l, NULL))
#define kvt_lock(l) ((void)pthread_mutex_lock(l))
#define kvt_unlock(l) ((void)pthread_mutex_unlock(l))
#define kvt_lock_destroy(l) ((void)pthread_mutex_destroy(l))

/* atomics: the counters are statistics, relaxed order is enough */
struct kvt_atomic64 {
	int64_t counter;
};

#define kvt_atomic64_t struct kvt_atomic64

#define kvt_atomic64_read(a) \
	((uint64_t)__atomic_load_n(&(a)->counter, __ATOMIC_RELAXED))
#define kvt_atomic64_set(a, v) \
	__atomic_store_n(&(a)->counter, (int64_t)(v), __ATOMIC_RELAXED)
#define kvt_atomic64_add(a, v) \
	((void)__atomic_fetch_add(&(a)->counter, (int64_t)(v), __ATOMIC_RELAXED))
#define kvt_atomic64_inc(a) kvt_atomic64_add(a, 1)
#define kvt_atomic64_dec(a) kvt_atomic64_add(a, -1)
/* the new value; for sequence numbers, which need no order either */
#define kvt_atomic64_inc_return(a) \
	((uint64_t)__atomic_add_fetch(&(a)->counter, 1, __ATOMIC_RELAXED))

/* publication of pointers read without a lock */
#define kvt_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define kvt_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)

/*
 * seqcount: relaxed atomics for the racing accesses, fences for the order
 * (writer: counter, release fence, data; reader: acquire load of the
 * counter, data, acquire fence, counter again).
 */
#define kvt_read_once(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define kvt_write_once(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define kvt_smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define kvt_smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

/*
 * readers: the host library keeps what is retired until the readers' fini,
 * when no reader is left: the unit tests and benchmarks are short-lived,
 * and a grace period here would need a reclaimer thread for no gain.
 */
struct kvt_retire_head {
	struct kvt_retire_head *next;
	void (*fn)(struct kvt_retire_head *h);
};

typedef struct {
	pthread_mutex_t lock;
	struct kvt_retire_head *retired;
} kvt_readers_t;

static inline int kvt_readers_init(kvt_readers_t *r)
{
	r->retired = NULL;
	return pthread_mutex_init(&r->lock, NULL) ? -ENOMEM : 0;
}

static inline void kvt_readers_fini(kvt_readers_t *r)
{
	struct kvt_retire_head *h;

	while (r->retired) {
		h = r->retired;
		r->retired = h->next;
		h->fn(h);
	}
	pthread_mutex_destroy(&r->lock);
}

static inline int kvt_read_lock(kvt_readers_t *r)
{
	(void)r;
	return 0;
}

static inline void kvt_read_unlock(kvt_readers_t *r, int idx)
{
	(void)r;
	(void)idx;
}

static inline void kvt_retire(kvt_readers_t *r, struct kvt_retire_head *h,
			      void (*fn)(struct kvt_retire_head *h))
{
	h->fn = fn;
	pthread_mutex_lock(&r->lock);
	h->next = r->retired;
	r->retired = h;
	pthread_mutex_unlock(&r->lock);
}

/*
 * cpus: threads cannot be pinned here, so a thread takes a fixed id on its
 * first enter (round robin) and holds that id's flag from enter to exit:
 * two threads sharing an id take turns, and the data of an id still has
 * one writer at a time. Few ids: rings are per id, and the tests and
 * benchmarks run a few threads. The flags and the counter are weak
 * definitions, so every file including this shares one copy.
 */
#define KVT_HOST_CPUS 8

int kvt_host_cpu_busy[KVT_HOST_CPUS] __attribute__((weak));
uint32_t kvt_host_cpu_next __attribute__((weak));

static inline uint32_t kvt_cpu_ids(void)
{
	return KVT_HOST_CPUS;
}

static inline uint32_t kvt_cpu_enter(void)
{
	static __thread uint32_t id1;	/* id + 1, 0: none yet */

	if (!id1)
		id1 = __atomic_fetch_add(&kvt_host_cpu_next, 1,
					 __ATOMIC_RELAXED) % KVT_HOST_CPUS + 1;
	while (__atomic_exchange_n(&kvt_host_cpu_busy[id1 - 1], 1,
				   __ATOMIC_ACQUIRE))
		sched_yield();
	return id1 - 1;
}

static inline void kvt_cpu_exit(uint32_t cpu)
{
	__atomic_store_n(&kvt_host_cpu_busy[cpu], 0, __ATOMIC_RELEASE);
}

/* misc */
static inline uint64_t kvt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define KVT_WARN_ON(cond) ({						\
	bool __kvt_c = !!(cond);					\
	if (__kvt_c)							\
		fprintf(stderr, "kvt: WARN_ON(%s) at %s:%d\n", #cond,	\
			__FILE__, __LINE__);				\
	__kvt_c;							\
})

#define kvt_memset(p, c, n) memset(p, c, n)
#define kvt_memcpy(d, s, n) memcpy(d, s, n)
#define kvt_memcmp(a, b, n) memcmp(a, b, n)

/*
 * Streaming stores: movnti, 8 bytes at a time, as the kernel side does
 * (the kernel keeps vector registers for kernel_fpu_begin() sections),
 * so that what the host measures is what the module runs.
 */
#ifdef __x86_64__
static inline void kvt_store_nt(void *dst, const void *src, size_t n)
{
	long long v;
	size_t i;

	/* A record's eight words are eight stores, not a loop. */
#pragma GCC unroll 8
	for (i = 0; i < n; i += 8) {
		memcpy(&v, (const char *)src + i, 8);
		_mm_stream_si64((long long *)((char *)dst + i), v);
	}
}

#define kvt_store_nt_fence() _mm_sfence()
#else
#define kvt_store_nt(d, s, n) memcpy(d, s, n)
/* plain stores: the release that publishes them orders them */
#define kvt_store_nt_fence() do { } while (0)
#endif

#define kvt_prefetch(p) __builtin_prefetch(p)
/* Locality 2: prefetcht1 on x86, to L2. */
#define kvt_prefetch_far(p) __builtin_prefetch(p, 0, 2)

#endif /* KVT_PORT_HOST_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few primitives kmod/core needs from its environment, so that the same
 * source builds into kvtier.ko and into the host library. Core code includes
 * this header and nothing else from the system.
 *
 * Each environment provides, with these exact names:
 *
 *   types:   uint8_t..uint64_t, int32_t, int64_t, size_t, bool, true, false,
 *            NULL, UINT32_MAX, UINT64_MAX
 *   errno:   KVT_EINVAL, KVT_ENOMEM, KVT_ENOENT, KVT_EEXIST, KVT_ENOSPC,
 *            KVT_EDQUOT, KVT_EPERM, KVT_EBUSY, KVT_EACCES, KVT_EAGAIN,
 *            KVT_ERANGE, KVT_EOVERFLOW, KVT_ETIME, KVT_ENODEV
 *            (the kernel's numbers, positive; functions return -KVT_E*)
 *   memory:  void *kvt_zalloc(size_t)        small, zeroed, may sleep
 *            void  kvt_free(void *)
 *            void *kvt_vzalloc(size_t)       large arrays, zeroed, may sleep
 *            void  kvt_vfree(void *)
 *            kvt_mul_overflow(a, b, &res)    true on overflow
 *            KVT_ALIGNED(n)                  alignment attribute
 *   locks:   kvt_lock_t (sleepable mutex): kvt_lock_init, kvt_lock,
 *            kvt_unlock, kvt_lock_destroy (all take kvt_lock_t *)
 *   readers: kvt_readers_t: lockless readers of memory that writers
 *            replace and then retire (the kernel's SRCU):
 *            int kvt_readers_init(r)        0 or -KVT_ENOMEM
 *            void kvt_readers_fini(r)       after every retired thing went
 *            int kvt_read_lock(r)           begins a read section (which
 *            void kvt_read_unlock(r, idx)   may sleep); idx from the lock
 *            kvt_retire(r, h, fn)           fn(h) once every read section
 *                                           begun before the call ended:
 *            at once or later, from any context (h a struct
 *            kvt_retire_head * inside the retired thing, which fn frees)
 *            (r a kvt_readers_t *)
 *   atomics: kvt_atomic64_t (relaxed counters):
 *            uint64_t kvt_atomic64_read(a), kvt_atomic64_set(a, v),
 *            kvt_atomic64_add(a, v), kvt_atomic64_inc(a), kvt_atomic64_dec(a)
 *            (a is a kvt_atomic64_t *, v an integer)
 *   publish: kvt_load_acquire(p), kvt_store_release(p, v)
 *            (p points to a pointer or integer read without a lock;
 *            the kernel's smp_load_acquire / smp_store_release)
 *   seqcount: kvt_read_once(x), kvt_write_once(x, v)
 *            (x a scalar lvalue read or written while another thread may
 *            access it: one untorn access the compiler keeps; the
 *            kernel's READ_ONCE / WRITE_ONCE)
 *            kvt_smp_rmb(), kvt_smp_wmb()    read / write barriers that
 *            order plain and once accesses (smp_rmb / smp_wmb); with a
 *            sequence counter they make a seqcount: readers take no lock
 *            and retry when the counter moved
 *   cpus:    uint32_t kvt_cpu_ids(void)       CPU ids are below this (the
 *            kernel's nr_cpu_ids: one more than the highest possible)
 *            uint32_t kvt_cpu_enter(void)     pins the caller to its CPU
 *            and returns its id: until kvt_cpu_exit() no other thread
 *            enters on that id, so per-CPU data of that id has one
 *            writer (get_cpu()); the caller must not sleep meanwhile
 *            void kvt_cpu_exit(uint32_t cpu)  ends what enter began
 *   misc:    uint64_t kvt_now_ns(void)        CLOCK_MONOTONIC
 *            KVT_WARN_ON(cond)                 reports a broken invariant,
 *                                              evaluates to (cond)
 *            kvt_memset, kvt_memcpy, kvt_memcmp
 *            kvt_store_nt(dst, src, n)          copies @n bytes (a
 *                                              multiple of 8, @dst and
 *                                              @src 8-byte aligned) with
 *            stores that do not read @dst's cache lines first (streaming:
 *            movnti on x86-64, a plain copy elsewhere), for whole lines
 *            that another CPU reads next; they are weakly ordered:
 *            kvt_store_nt_fence() orders them before the stores after it
 *            (put it before the release that publishes them)
 *            kvt_prefetch(const void *)         a hint, never faults
 *            kvt_prefetch_far(const void *)     the same for a line needed
 *                                              only after many others: to
 *                                              the outer cache, where more
 *                                              misses can be in flight
 */
#ifndef KVT_PORT_H
#define KVT_PORT_H

#ifdef __KERNEL__
#include "../kvt_port_kernel.h"
#else
#include "kvt_port_host.h"
#endif

#endif /* KVT_PORT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/* Filling a struct kvt_hist from a BPF program. */
#ifndef KVTIER_EBPF_HIST_BPF_H
#define KVTIER_EBPF_HIST_BPF_H

#include "hist.h"

/* floor(log2(v)), 0 for 0: the bucket's index (as libbpf-tools' bits.bpf.h) */
static __always_inline __u64 kvt_log2(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 kvt_log2l(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? kvt_log2(hi) + 32 : kvt_log2(v);
}

/* Add one value of @ns nanoseconds; @failed counts it as an error too. */
static __always_inline void kvt_hist_add(struct kvt_hist *h, __u64 ns,
					 int failed, __u64 bytes)
{
	__u64 us = ns / 1000, slot = kvt_log2l(us);

	if (slot >= KVT_HIST_SLOTS)
		slot = KVT_HIST_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_us, us);
	if (failed)
		__sync_fetch_and_add(&h->errors, 1);
	if (bytes)
		__sync_fetch_and_add(&h->bytes, bytes);
}

#endif /* KVTIER_EBPF_HIST_BPF_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The log2 histogram every tool keeps, in microseconds, as a map value:
 * slot i counts values v with log2(v) == i (slot 0 also counts 0), the
 * last slot everything past it. Shared by the BPF programs (hist.bpf.h
 * fills it) and the loaders (trace_util.c prints it).
 */
#ifndef KVTIER_EBPF_HIST_H
#define KVTIER_EBPF_HIST_H

#include <linux/types.h>

/* 2^26 us is 67 s: no fetch or transfer waits longer and is still live. */
#define KVT_HIST_SLOTS 27

/**
 * struct kvt_hist - one histogram.
 * @slots: Counts per log2 bucket of microseconds.
 * @count: Values added (the sum of @slots).
 * @sum_us: Their sum, for the mean.
 * @errors: Of @count, those whose event reported a failure.
 * @bytes: Bytes the events moved, where they move any (else 0).
 */
struct kvt_hist {
	__u64 slots[KVT_HIST_SLOTS];
	__u64 count;
	__u64 sum_us;
	__u64 errors;
	__u64 bytes;
};

#endif /* KVTIER_EBPF_HIST_H */

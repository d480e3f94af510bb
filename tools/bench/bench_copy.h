/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPU device backend's copy throughput against memcpy in the same run.
 */
#ifndef BENCH_COPY_H
#define BENCH_COPY_H

#include <stdbool.h>
#include <stdio.h>

/*
 * bench_copy - copy objects from a pool-like buffer (anonymous, huge
 * pages advised, as the driver's pool is) into a memfd region opened and
 * mapped by the daemon's CPU device tier (tier_device_cpu.c), through
 * the tier's copy op in batches of the daemon's size (KVTD_RECV_BATCH),
 * with @threads copy threads (0: the daemon's default, what kvtierd.conf's
 * copy-threads starts at); and the same copies (same buffers, same pairs, same order, same bytes) with plain memcpy. Two
 * object sizes: 2 MiB and 64 KiB. Seven rounds alternating which side
 * goes first after an untimed warm-up pass of each; the median of each.
 *
 * Writes one result per size to @out: JSON objects (name cpu_copy_2m /
 * cpu_copy_64k, value, unit "GB/s", baseline = memcpy GB/s, ratio,
 * target 0.8, threads) with @json, text otherwise. Returns 0, -EIO when
 * a copy through the tier did not produce the bytes memcpy did, or a
 * -errno of setting up the buffers or the tier.
 */
int bench_copy(FILE *out, unsigned int threads, bool json);

#endif /* BENCH_COPY_H */

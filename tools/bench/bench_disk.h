/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The disk tier's throughput against fio's io_uring engine on the same
 * file in the same run.
 */
#ifndef BENCH_DISK_H
#define BENCH_DISK_H

#include <stdbool.h>
#include <stdio.h>

/*
 * bench_disk - write, then read, 512 objects of 2 MiB (1 GiB) at queue
 * depth 32 through the disk tier (O_DIRECT, the buffers registered), and
 * run fio (--ioengine=io_uring --direct=1 --bs=2m --iodepth=32) over the
 * same file for the same bytes; three rounds, the median of each figure.
 * The file at @path is formatted over, and removed afterwards if the
 * benchmark created it.
 *
 * Writes two results to @out, write then read: JSON objects (name, value,
 * unit "MB/s", baseline = fio's MB/s, ratio, target 0.9) with @json, text
 * otherwise. Returns 0; -ENOENT if fio cannot be run (nothing is printed);
 * -EIO if a read failed its checksum or a written object is missing; or
 * the -errno of the tier.
 */
int bench_disk(FILE *out, const char *path, bool json);

#endif /* BENCH_DISK_H */

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
 * depth 32 through the disk tier (O_DIRECT, the buffers and the file
 * registered), and run fio (--ioengine=io_uring --direct=1 --bs=2m
 * --iodepth=32 --fixedbufs --registerfiles) over the same file for the
 * same bytes; five rounds, the median of each figure. Each round runs
 * both sides with their buffers on 2 MiB hugetlb pages (fio's
 * --iomem=shmhuge; the hugetlb pages are reserved through
 * /proc/sys/vm/nr_hugepages, which needs root, and the old count put
 * back), then on 4 KiB pages. The file at @path is formatted over, and
 * removed afterwards if the benchmark created it.
 *
 * Writes its results to @out, JSON objects with @json (name, value, unit
 * "MB/s", baseline = fio's MB/s, ratio, pages), text otherwise:
 * disk_{write,read}_2m_qd32 (2 MiB pages both sides; left out when no
 * hugetlb pages could be had) and disk_{write,read}_2m_qd32_4k_pages
 * (4 KiB pages both sides), like for like, with target 0.9 and
 * target_max 1.15; then disk_{write,read}_2m_qd32_mixed_pages, the tier
 * on 2 MiB pages against fio on 4 KiB pages (the figure reported before
 * both sides had the same pages), with no target. The spread over the
 * rounds goes to stderr. Returns 0; -ENOENT if fio cannot be run; -EIO
 * if a read failed its checksum or a written object is missing; or the
 * -errno of the tier.
 */
int bench_disk(FILE *out, const char *path, bool json);

#endif /* BENCH_DISK_H */

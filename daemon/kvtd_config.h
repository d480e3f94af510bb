/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtierd's configuration: defaults, the configuration file and the
 * command line, which all set the same keys.
 *
 * The file is lines of `key = value`; `#` starts a comment; blank lines
 * are ignored. A command-line flag `--key VALUE` or `--key=VALUE` sets
 * the same key and wins over the file, whatever the order. Keys:
 *
 *   device = PATH              the kvtier node (default: found by driver name)
 *   disk-path = PATH           the disk tier's file or block device ("" : none)
 *   disk-size = SIZE           bytes (K, M, G, T suffixes); 0 keeps the store's
 *   disk-format = yes|no       start the disk tier empty
 *   queue-depth = N            disk operations in flight
 *   watermark-high = PCT       pool level that starts eviction (90)
 *   watermark-low = PCT        pool level eviction goes down to (80)
 *   tenant-watermark-high = PCT, tenant-watermark-low = PCT   (95, 90)
 *   write-policy = through | back | selective[:HITS]   pools' default
 *   eviction-policy = NAME     an online policy of kvtd_policy.h (lru)
 *   tick-ms = N                period of the eviction and write-back pass
 *   copy-threads = N           threads copying one large HOST -> DEVICE batch
 *   log-level = err|warning|notice|info|debug
 *   pool = kind=KIND slot-size=SIZE slots=N [write-policy=P] [hugepage]
 *          [numa=NODE]         a pool to create at start if absent
 *
 * PCT is a percentage with at most one decimal (92.5), kept in per-mille.
 * Every function returns 0 or -errno and, on failure, a message in @err.
 */
#ifndef KVTD_CONFIG_H
#define KVTD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtd_watermark.h"
#include "kvtd_write.h"

#define KVTD_CONFIG_DEFAULT_PATH "/etc/kvtier/kvtierd.conf"

/* The driver's limit: a config cannot name more pools than it holds. */
#define KVTD_CONFIG_MAX_POOLS 64
/*
 * 100 ms: a pool filling at 10 GB/s gains 1 GB between two passes, well
 * within the 10% between the default high watermark and a full pool of a
 * few tens of GB; shorter passes only cost more object scans.
 */
#define KVTD_TICK_MS_DEFAULT 100u
/* Bounds that catch a typo (a tick of 0 would spin, one of hours starve). */
#define KVTD_TICK_MS_MIN 1u
#define KVTD_TICK_MS_MAX 60000u
/*
 * One thread: on the 2-core development VM one memcpy stream moves 10.7
 * GB/s of 2 MiB objects and 2 to 4 threads 10.1-10.5 GB/s (memory bound).
 * Hosts with more memory channels than one core can drive should measure
 * and raise it (at most KVTD_CPU_COPY_THREADS_MAX).
 */
#define KVTD_COPY_THREADS_DEFAULT 1u
/* Longest value or path the configuration keeps. */
#define KVTD_CONFIG_STR 256

/**
 * struct kvtd_pool_def - a pool the daemon creates at start if absent.
 * @slot_size: Bytes per slot.
 * @slots: Slots in the pool.
 * @kind: KVTIER_KIND_*.
 * @flags: KVTIER_POOL_* for POOL_CREATE.
 * @numa_node: With KVTIER_POOL_NUMA.
 * @has_write: @write was given; otherwise the default applies.
 * @write: This pool's write policy.
 */
struct kvtd_pool_def {
	uint64_t slot_size;
	uint64_t slots;
	uint32_t kind;
	uint32_t flags;
	int32_t numa_node;
	bool has_write;
	struct kvtd_write_policy write;
};

struct kvtd_config {
	char device[KVTD_CONFIG_STR];
	char disk_path[KVTD_CONFIG_STR];
	uint64_t disk_size;
	bool disk_format;
	uint32_t queue_depth;
	struct kvtd_watermark pool_wm;
	struct kvtd_watermark tenant_wm;
	struct kvtd_write_policy write;
	char eviction_policy[32];
	uint32_t tick_ms;
	uint32_t stream_entries;
	uint32_t copy_threads;
	int log_level;
	unsigned int nr_pools;
	struct kvtd_pool_def pools[KVTD_CONFIG_MAX_POOLS];
};

/* The built-in defaults. */
void kvtd_config_defaults(struct kvtd_config *c);

/*
 * Set @key to @value. Returns 0, -ENOENT for an unknown key, -EINVAL for
 * a bad value, -ENOSPC for one pool too many, -ENAMETOOLONG.
 */
int kvtd_config_set(struct kvtd_config *c, const char *key, const char *value,
		    char *err, size_t errlen);

/*
 * Parse configuration text; @name prefixes messages ("NAME:LINE: ...").
 * Stops at the first bad line. Returns 0 or what kvtd_config_set returns
 * (-EINVAL for a line with no `=`).
 */
int kvtd_config_parse(struct kvtd_config *c, const char *text,
		      const char *name, char *err, size_t errlen);

/*
 * Parse the file at @path. A missing file is -ENOENT, which the caller
 * treats as "defaults" only for the default path.
 */
int kvtd_config_load(struct kvtd_config *c, const char *path, char *err,
		     size_t errlen);

/* Checks that need every key: watermark order. 0 or -EINVAL. */
int kvtd_config_check(const struct kvtd_config *c, char *err, size_t errlen);

/* Helpers, exposed for the tests and for messages. */
int kvtd_parse_size(const char *s, uint64_t *out);
int kvtd_parse_permille(const char *s, uint32_t *out);
int kvtd_parse_write_policy(const char *s, struct kvtd_write_policy *out);
int kvtd_parse_pool(const char *spec, struct kvtd_pool_def *out, char *err,
		    size_t errlen);
const char *kvtd_write_mode_name(enum kvtd_write_mode mode);

/**
 * struct kvtd_args - what the command line asked for, beside the keys.
 * @config: --config PATH, or NULL for the default.
 * @help: -h/--help.
 * @version: -V/--version.
 * @verbose: -v, once per step towards debug.
 */
struct kvtd_args {
	const char *config;
	bool help;
	bool version;
	int verbose;
};

/*
 * Pass 1: find --config, -h, -V and -v, and check every other argument is
 * a --key with a value. Returns 0 or -EINVAL.
 */
int kvtd_args_scan(int argc, char *const argv[], struct kvtd_args *a,
		   char *err, size_t errlen);

/* Pass 2, after the file: apply every --key as kvtd_config_set would. */
int kvtd_args_apply(struct kvtd_config *c, int argc, char *const argv[],
		    char *err, size_t errlen);

#endif /* KVTD_CONFIG_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon_ctl: kvtierd as a child process of a VM test (tests/vm/t_daemon_*).
 *
 * dctl_start() writes a configuration file, forks and execs the daemon
 * with its stderr (its log) going to a file, and returns once the daemon
 * is attached as the manager and its event loop runs - it polls
 * KVTIER_PARAM_MANAGER_ATTACHED and the log's "running:" line against a
 * deadline, and notices a daemon that exits instead. dctl_stop() is a
 * clean stop (SIGTERM, then wait), dctl_kill() a crash (SIGKILL).
 *
 * The counters come from the log: the daemon's stats line (`stats why=...
 * key=value ...`, written on SIGUSR1 and at exit), and its eviction lines
 * for a daemon that was killed before it could write one.
 *
 * The daemon is /bin/kvtierd, or $KVTIERD. It stays in the case's process
 * group, so the runner's clean-up kills it with a failed case.
 *
 * Return contract: 0 (or a count where stated) or -errno, as tlib.
 */
#ifndef KVTIER_DAEMON_CTL_H
#define KVTIER_DAEMON_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A daemon starts within this (TCG, a disk tier to recover). */
#define DCTL_START_MS 60000
/* A clean stop finishes the disk's I/O and syncs: well within this. */
#define DCTL_STOP_MS 30000

/**
 * struct dctl_opts - how to run the daemon; NULL or 0 leaves a default.
 * @disk: The disk tier's block device or file; NULL: no disk tier.
 * @disk_size: "64M": the store's size (a smaller store than the device
 *	       keeps recovery's full scan short under TCG).
 * @format: Start the disk tier empty (--disk-format yes).
 * @write_policy: "through", "back", "selective:N".
 * @wm_high, @wm_low: Pool watermarks, percent ("50").
 * @tick_ms: Period of the eviction pass.
 * @stream_entries: Records per ring of the access stream (0: default).
 * @verbose: Log debug lines (-v).
 * @pools: Pool specs ("kind=kv slot-size=64K slots=64"), NULL-terminated.
 */
struct dctl_opts {
	const char *disk;
	const char *disk_size;
	bool format;
	const char *write_policy;
	const char *wm_high;
	const char *wm_low;
	unsigned int tick_ms;
	unsigned int stream_entries;
	bool verbose;
	const char *pools[4];
};

/**
 * struct dctl - one daemon run.
 * @pid: The daemon's pid while it runs, else 0.
 * @status: Its wait status once reaped.
 * @log: The file its stderr goes to.
 * @conf: Its configuration file.
 */
struct dctl {
	pid_t pid;
	int status;
	char log[128];
	char conf[128];
};

/* The daemon's path, or NULL when there is none to run (tests skip). */
const char *dctl_binary(void);

/*
 * Skips the test (tl_skip()) unless there is a disk for the disk tier
 * (KVTIER_DISK) and a daemon to run.
 */
void dctl_require_disk(void);

/*
 * dctl_start - write @name's configuration, start the daemon, wait until
 * it runs. @name (unique per run: "tiers-1") names /tmp/kvtierd-@name.log
 * and .conf. Returns 0; -ECHILD when the daemon exited (its log is copied
 * to stderr); -ETIMEDOUT (it is killed); -ENOENT when there is no daemon
 * binary; or -errno.
 */
int dctl_start(struct dctl *d, const char *name, const struct dctl_opts *o);

/*
 * dctl_stop - SIGTERM and wait. Returns 0 when it exited with status 0,
 * -ECHILD for another exit, -ETIMEDOUT (then killed), or -errno.
 */
int dctl_stop(struct dctl *d);

/* dctl_kill - SIGKILL and reap. Returns 0 or -errno. */
int dctl_kill(struct dctl *d);

/* Copy the last @lines lines of the daemon's log to stderr (failures). */
void dctl_dump(const struct dctl *d, int lines);

/* Whether the log holds a line containing @needle. */
bool dctl_log_has(const struct dctl *d, const char *needle);

/* The most counters one stats line holds. */
#define DCTL_MAX_STATS 64

/** struct dctl_stats - one stats line, parsed. */
struct dctl_stats {
	unsigned int n;
	char key[DCTL_MAX_STATS][32];
	uint64_t val[DCTL_MAX_STATS];
};

/*
 * dctl_stats_last - parse the log's last stats line. Returns 0, -ENOENT
 * when there is none, or -errno.
 */
int dctl_stats_last(const struct dctl *d, struct dctl_stats *st);

/*
 * dctl_stats_now - SIGUSR1, wait for the stats line it writes, parse it.
 * Returns 0, -ETIMEDOUT, or -errno.
 */
int dctl_stats_now(struct dctl *d, struct dctl_stats *st);

/* The value of @key, or UINT64_MAX when the line has no such counter. */
uint64_t dctl_stat(const struct dctl_stats *st, const char *key);

/**
 * struct dctl_drops - objects a daemon's policies dropped, from its log.
 * @done: Dropped, as the eviction passes' summary lines count them.
 * @decided: Decided in a pass whose summary line never came (the daemon
 *	     was killed between its "dropping N objects by policy decision"
 *	     line and the drop's outcome): at most this many more.
 */
struct dctl_drops {
	long long done;
	long long decided;
};

/*
 * dctl_policy_drops - read the drops by policy decision (by policy, or
 * for want of disk space) out of every eviction line of the log: what a
 * killed daemon did, although it wrote no stats line. Returns 0 or -errno.
 */
int dctl_policy_drops(const struct dctl *d, struct dctl_drops *out);

#endif /* KVTIER_DAEMON_CTL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_ctl: kvtier-trace as a child process of a VM test (t_trace_*):
 * started with --json, ready once it printed its "Tracing" banner,
 * stopped with SIGINT, its one report read back; the pinned maps read
 * back with `bpftool map dump pinned ... -j`; and the histograms of both
 * parsed into struct kvt_hist, so that a test compares counts exactly.
 *
 * The tool is /bin/kvtier-trace, or $KVTIER_TRACE. Return contract: 0 or
 * -errno, as tlib.
 */
#ifndef KVTIER_TRACE_CTL_H
#define KVTIER_TRACE_CTL_H

#include <stddef.h>
#include <sys/types.h>

#include "hist.h"

/* Attaching takes a few seconds under TCG (the verifier, the attach). */
#define TCTL_START_MS 60000

/**
 * struct tctl - one kvtier-trace run.
 * @pid: Its pid while it runs.
 * @status: Its wait status once reaped.
 * @out: The file its stdout (the JSON report) goes to.
 * @err: The file its stderr goes to.
 * @report: What it printed, after tctl_stop() (malloc'd).
 */
struct tctl {
	pid_t pid;
	int status;
	char out[128];
	char err[128];
	char *report;
};

/*
 * Run kvtier-trace with @argv (NULL-ended, without the program name) and
 * wait for its banner. Returns 0; -ECHILD when it exited first (its stderr
 * is copied to ours); -ETIMEDOUT; or -errno.
 */
int tctl_start(struct tctl *t, const char *name, const char *const *argv);

/* SIGINT, wait, read its report. 0 when it exited 0, else -ECHILD. */
int tctl_stop(struct tctl *t);

/*
 * Run kvtier-trace with @argv to its end, as user @uid (0: as we are);
 * its exit code in *@rc and its stderr in @err (NUL-terminated). Returns
 * 0 or -errno.
 */
int tctl_run(const char *const *argv, uid_t uid, int *rc, char *err,
	     size_t errlen);

/*
 * The histogram @key ("disk") of object @section ("fetch_latency") of a
 * JSON report. Returns 0, or -ENOENT when the report has no such thing.
 */
int tctl_hist(const char *report, const char *section, const char *key,
	      struct kvt_hist *h);

/*
 * The value at @key of pinned map @map (/sys/fs/bpf/kvtier/@map), as
 * bpftool reads it. Returns 0, -ENOENT, or -errno.
 */
int tctl_pinned_hist(const char *map, unsigned int key, struct kvt_hist *h);

/*
 * The whole of `bpftool map dump pinned /sys/fs/bpf/kvtier/@map -j`
 * (malloc'd, NUL-terminated) in *@out. Returns 0 or -errno.
 */
int tctl_bpftool_dump(const char *map, char **out);

/* A JSON number "@name": N found after @from (before @end if given). */
int tctl_json_u64(const char *from, const char *end, const char *name,
		  unsigned long long *v);

#endif /* KVTIER_TRACE_CTL_H */

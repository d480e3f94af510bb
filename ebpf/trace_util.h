/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every kvtier-trace tool shares: its options, the checks before it
 * attaches (each failure says what is missing), pinning, the wait between
 * reports, and the printers (biolatency's text histogram, and JSON).
 *
 * Return contract: 0 or -errno; the check functions print their one-line
 * reason on stderr themselves.
 */
#ifndef KVTIER_EBPF_TRACE_UTIL_H
#define KVTIER_EBPF_TRACE_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

struct bpf_map;
struct bpf_program;
struct bpf_link;

/* Where pinned maps go (--pin), one file per map, named as the map. */
#define KVT_PIN_DIR "/sys/fs/bpf/kvtier"

/**
 * struct kvt_trace_opts - a kvtier-trace command line.
 * @tool: The subcommand.
 * @interval: Seconds between reports; 0: one report, at exit.
 * @count: Reports before exiting; 0: until SIGINT or SIGTERM.
 * @tenant: Only this tenant (@has_tenant).
 * @pool: Only this pool (@has_pool).
 * @json: One JSON object a line per report instead of text.
 * @pin: Pin the result maps under KVT_PIN_DIR.
 * @tracefs: Where tracefs is (found, or --tracefs).
 * @daemon: The kvtierd binary whose USDT probes to attach.
 */
struct kvt_trace_opts {
	const char *tool;
	unsigned int interval;
	unsigned int count;
	uint64_t tenant;
	bool has_tenant;
	uint32_t pool;
	bool has_pool;
	bool json;
	bool pin;
	const char *tracefs;
	const char *daemon;
};

/**
 * struct kvt_tool - one subcommand.
 * @name: Its name on the command line.
 * @help: One line for the usage text.
 * @events: The kvtier tracepoints it attaches to (layout-checked), NULL-ended.
 * @usdt: Whether it attaches to kvtierd's USDT probes (needs @daemon).
 * @run: Open, configure, load, attach, report, destroy.
 */
struct kvt_tool {
	const char *name;
	const char *help;
	const char *const *events;
	bool usdt;
	int (*run)(const struct kvt_trace_opts *o);
};

/*
 * Everything @t needs before it loads: the privileges, tracefs, the
 * module and its events' layouts, bpffs when pinning, the daemon binary
 * for USDT. Prints the first thing missing and returns -errno.
 */
int kvt_env_check(const struct kvt_trace_opts *o, const struct kvt_tool *t);

/* Pin @map at KVT_PIN_DIR/<name> at load, replacing an older pin. */
int kvt_pin_map(struct bpf_map *map);

/*
 * With --pin, kvt_pin_map() each of the NULL-terminated @maps (a tool's
 * results); without, nothing. Returns 0 or the first failure's -errno.
 */
int kvt_pin_maps(const struct kvt_trace_opts *o, struct bpf_map *const *maps);

/* Say that loading a tool's programs failed with @ret; returns @ret. */
int kvt_load_failed(int ret);

/*
 * Every entry of hash map @fd: keys of @ksize, values of @vsize, packed
 * as key then value in @rows of @rsize each (at most @room). Deletes what
 * it read when @clear. Returns the count.
 */
int kvt_read_hash(int fd, size_t ksize, size_t vsize, void *rows,
		  size_t rsize, int room, bool clear);

/*
 * Attach @prog to USDT probe kvtierd:@probe of binary @daemon in every
 * process that runs it (pid -1, so a daemon started later is traced too).
 * Stores the link in *@link (the skeleton's, destroyed with it). Prints
 * why on failure and returns -errno.
 */
int kvt_attach_usdt(struct bpf_program *prog, const char *daemon,
		    const char *probe, struct bpf_link **link);

/* Block SIGINT and SIGTERM: kvt_wait() takes them. Call before attach. */
void kvt_signals_block(void);

/*
 * Wait for the next report: @o->interval seconds, or a signal. Returns 1
 * when that was the last report to print (a signal, or @o->count
 * reached), 0 when more follow.
 */
int kvt_wait(const struct kvt_trace_opts *o, unsigned int *reports);

/* "Tracing ... Hit Ctrl-C to end." on stderr, once attached. */
void kvt_banner(const struct kvt_trace_opts *o, const char *what);

/* biolatency's histogram of @h, its values named @unit. */
void kvt_hist_print(FILE *out, const struct kvt_hist *h, const char *unit);

/* @h as {"count":..,"sum_us":..,"errors":..,"bytes":..,"slots":[..]}. */
void kvt_hist_json(FILE *out, const struct kvt_hist *h);

/* Tier names as the events number them: "device", "host", "disk". */
const char *kvt_tier_name(unsigned int tier);

/* Time since the epoch, for the reports' time stamps. */
uint64_t kvt_now_ms(void);

#endif /* KVTIER_EBPF_TRACE_UTIL_H */

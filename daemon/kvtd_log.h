/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtierd's log: one line per event on stderr, each starting with the
 * syslog level in angle brackets (<3> error, <4> warning, <6> info, <7>
 * debug), which journald and sd-daemon(3) turn into the record's priority.
 * A line is written with one write(2), so lines never interleave.
 */
#ifndef KVTD_LOG_H
#define KVTD_LOG_H

#define KVTD_LOG_ERR 3
#define KVTD_LOG_WARNING 4
#define KVTD_LOG_NOTICE 5
#define KVTD_LOG_INFO 6
#define KVTD_LOG_DEBUG 7

/* Lines of a level above @max (less severe) are not written. */
void kvtd_log_set_max(int max);

/* Whether a line of @level would be written (to skip building it). */
int kvtd_log_enabled(int level);

void kvtd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define kvtd_err(...) kvtd_log(KVTD_LOG_ERR, __VA_ARGS__)
#define kvtd_warn(...) kvtd_log(KVTD_LOG_WARNING, __VA_ARGS__)
#define kvtd_notice(...) kvtd_log(KVTD_LOG_NOTICE, __VA_ARGS__)
#define kvtd_info(...) kvtd_log(KVTD_LOG_INFO, __VA_ARGS__)
#define kvtd_debug(...) kvtd_log(KVTD_LOG_DEBUG, __VA_ARGS__)

#endif /* KVTD_LOG_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The log. See kvtd_log.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kvtd_log.h"

/* Longer lines are cut: a log line that needs more says too much. */
#define KVTD_LOG_LINE 1024

static int kvtd_log_max = KVTD_LOG_INFO;

void kvtd_log_set_max(int max)
{
	kvtd_log_max = max;
}

int kvtd_log_enabled(int level)
{
	return level <= kvtd_log_max;
}

void kvtd_log(int level, const char *fmt, ...)
{
	char line[KVTD_LOG_LINE];
	va_list ap;
	int n, m;

	if (!kvtd_log_enabled(level))
		return;
	n = snprintf(line, sizeof(line), "<%d>", level);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* Nothing to do when stderr is gone: there is nowhere to say so. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

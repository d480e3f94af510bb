// SPDX-License-Identifier: GPL-2.0
/*
 * kvtierd as a child process of a VM test. See daemon_ctl.h.
 */
#include "daemon_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tlib.h"

/* How often the start and the stats wait look again. */
#define DCTL_POLL_MS 5

const char *dctl_binary(void)
{
	const char *p = getenv("KVTIERD");

	if (!p || !*p)
		p = "/bin/kvtierd";
	return access(p, X_OK) ? NULL : p;
}

void dctl_require_disk(void)
{
	if (!getenv("KVTIER_DISK"))
		tl_skip("no disk for the disk tier (KVTIER_DISK)");
	if (!dctl_binary())
		tl_skip("no kvtierd to run");
}

/* The whole log as a string (malloc'd), or NULL. */
static char *dctl_read_log(const struct dctl *d)
{
	size_t len = 0, room = 0;
	char *buf = NULL, *nb;
	ssize_t n;
	int fd;

	fd = open(d->log, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (room - len < 4096) {
			room = room ? 2 * room : 65536;
			nb = realloc(buf, room + 1);
			if (!nb) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = nb;
		}
		n = read(fd, buf + len, room - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

bool dctl_log_has(const struct dctl *d, const char *needle)
{
	char *log = dctl_read_log(d);
	bool has = log && strstr(log, needle);

	free(log);
	return has;
}

void dctl_dump(const struct dctl *d, int lines)
{
	char *log = dctl_read_log(d), *p;
	int seen = 0;

	if (!log)
		return;
	p = log + strlen(log);
	while (p > log && seen <= lines) {
		p--;
		if (*p == '\n' && p[1])
			seen++;
	}
	if (*p == '\n')
		p++;
	fprintf(stderr, "---- %s (last %d lines)\n%s---- end of %s\n", d->log,
		lines, p, d->log);
	free(log);
}

static int dctl_write_conf(struct dctl *d, const struct dctl_opts *o)
{
	FILE *f = fopen(d->conf, "we");
	unsigned int i;

	if (!f)
		return -errno;
	fprintf(f, "# written by tests/vm/daemon_ctl.c\n");
	fprintf(f, "disk-path = %s\n", o->disk ? o->disk : "");
	if (o->disk_size)
		fprintf(f, "disk-size = %s\n", o->disk_size);
	fprintf(f, "disk-format = no\n");
	if (o->write_policy)
		fprintf(f, "write-policy = %s\n", o->write_policy);
	if (o->wm_high)
		fprintf(f, "watermark-high = %s\n", o->wm_high);
	if (o->wm_low)
		fprintf(f, "watermark-low = %s\n", o->wm_low);
	if (o->tick_ms)
		fprintf(f, "tick-ms = %u\n", o->tick_ms);
	if (o->stream_entries)
		fprintf(f, "stream-entries = %u\n", o->stream_entries);
	for (i = 0; i < sizeof(o->pools) / sizeof(o->pools[0]) && o->pools[i];
	     i++)
		fprintf(f, "pool = %s\n", o->pools[i]);
	if (fclose(f))
		return -errno;
	return 0;
}

/* Reap the daemon if it has exited. True when it has. */
static bool dctl_exited(struct dctl *d)
{
	pid_t r;

	if (!d->pid)
		return true;
	r = waitpid(d->pid, &d->status, WNOHANG);
	if (r == d->pid || (r < 0 && errno == ECHILD)) {
		d->pid = 0;
		return true;
	}
	return false;
}

static bool dctl_attached(void)
{
	struct drm_kvtier_get_param gp = {
		.param = KVTIER_PARAM_MANAGER_ATTACHED,
	};
	int fd = tl_open();
	bool on;

	if (fd < 0)
		return false;
	on = !tl_ioctl(fd, DRM_IOCTL_KVTIER_GET_PARAM, &gp) && gp.value;
	close(fd);
	return on;
}

int dctl_start(struct dctl *d, const char *name, const struct dctl_opts *o)
{
	const char *bin = dctl_binary();
	const char *argv[8];
	uint64_t deadline;
	int argc = 0, fd, err;
	pid_t pid;

	memset(d, 0, sizeof(*d));
	if (!bin)
		return -ENOENT;
	snprintf(d->log, sizeof(d->log), "/tmp/kvtierd-%s.log", name);
	snprintf(d->conf, sizeof(d->conf), "/tmp/kvtierd-%s.conf", name);
	err = dctl_write_conf(d, o);
	if (err)
		return err;
	argv[argc++] = bin;
	argv[argc++] = "--config";
	argv[argc++] = d->conf;
	if (o->format) {
		argv[argc++] = "--disk-format";
		argv[argc++] = "yes";
	}
	if (o->verbose)
		argv[argc++] = "-v";
	argv[argc] = NULL;

	fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(bin, (char *const *)argv);
		dprintf(fd, "exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	close(fd);
	d->pid = pid;

	/* Attached is not enough: pools, disk recovery, reconcile follow. */
	deadline = tl_now_ns() + DCTL_START_MS * 1000000ull;
	while (tl_now_ns() < deadline) {
		if (dctl_exited(d)) {
			fprintf(stderr, "kvtierd (%s) exited during start (status 0x%x)\n",
				name, d->status);
			dctl_dump(d, 40);
			return -ECHILD;
		}
		if (dctl_log_has(d, "running: tick") && dctl_attached())
			return 0;
		poll(NULL, 0, DCTL_POLL_MS);
	}
	fprintf(stderr, "kvtierd (%s) not running after %d ms\n", name,
		DCTL_START_MS);
	dctl_dump(d, 40);
	dctl_kill(d);
	return -ETIMEDOUT;
}

int dctl_stop(struct dctl *d)
{
	int err;

	if (!d->pid)
		return -ECHILD;
	if (kill(d->pid, SIGTERM))
		return -errno;
	err = tl_wait(d->pid, DCTL_STOP_MS, &d->status);
	d->pid = 0;
	if (err)
		return err;
	if (!WIFEXITED(d->status) || WEXITSTATUS(d->status)) {
		fprintf(stderr, "kvtierd stopped with wait status 0x%x\n",
			d->status);
		dctl_dump(d, 40);
		return -ECHILD;
	}
	return 0;
}

int dctl_kill(struct dctl *d)
{
	int err;

	if (!d->pid)
		return 0;
	if (kill(d->pid, SIGKILL) && errno != ESRCH)
		return -errno;
	err = tl_wait(d->pid, DCTL_STOP_MS, &d->status);
	d->pid = 0;
	return err;
}

uint64_t dctl_stat(const struct dctl_stats *st, const char *key)
{
	unsigned int i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->key[i], key))
			return st->val[i];
	return UINT64_MAX;
}

/* Parse the words `key=value` of one stats line (ends at \n or \0). */
static void dctl_parse_stats(const char *line, struct dctl_stats *st)
{
	const char *p = line, *eq, *end;
	size_t klen;

	memset(st, 0, sizeof(*st));
	while (*p && *p != '\n' && st->n < DCTL_MAX_STATS) {
		while (*p == ' ')
			p++;
		end = p + strcspn(p, " \n");
		eq = memchr(p, '=', (size_t)(end - p));
		klen = eq ? (size_t)(eq - p) : 0;
		if (eq && klen < sizeof(st->key[0]) && eq[1] >= '0' &&
		    eq[1] <= '9') {
			memcpy(st->key[st->n], p, klen);
			st->key[st->n][klen] = '\0';
			st->val[st->n++] = strtoull(eq + 1, NULL, 10);
		}
		p = end;
	}
}

/*
 * How many whole stats lines the log holds; *last points into @log at the
 * last. A line without its newline yet is not counted: one write(2) to a
 * file can be seen half done by a reader.
 */
static int dctl_count_stats(const char *log, const char **last)
{
	const char *p = log, *hit;
	int n = 0;

	*last = NULL;
	while ((hit = strstr(p, "stats why="))) {
		if (!strchr(hit, '\n'))
			break;
		n++;
		*last = hit;
		p = hit + 1;
	}
	return n;
}

int dctl_stats_last(const struct dctl *d, struct dctl_stats *st)
{
	char *log = dctl_read_log(d);
	const char *last;

	if (!log)
		return -ENOENT;
	dctl_count_stats(log, &last);
	if (last)
		dctl_parse_stats(last, st);
	free(log);
	return last ? 0 : -ENOENT;
}

int dctl_stats_now(struct dctl *d, struct dctl_stats *st)
{
	uint64_t deadline = tl_now_ns() + DCTL_STOP_MS * 1000000ull;
	const char *last;
	char *log;
	int before, n;

	log = dctl_read_log(d);
	if (!log)
		return -ENOENT;
	before = dctl_count_stats(log, &last);
	free(log);
	if (!d->pid || kill(d->pid, SIGUSR1))
		return -ESRCH;
	while (tl_now_ns() < deadline) {
		log = dctl_read_log(d);
		if (!log)
			return -ENOENT;
		n = dctl_count_stats(log, &last);
		if (n > before) {
			dctl_parse_stats(last, st);
			free(log);
			return 0;
		}
		free(log);
		poll(NULL, 0, DCTL_POLL_MS);
	}
	return -ETIMEDOUT;
}

/* The number just before @what in @line, or 0. */
static unsigned long long dctl_number_before(const char *line, const char *eol,
					     const char *what)
{
	const char *p = strstr(line, what), *q;

	if (!p || p > eol)
		return 0;
	q = p;
	while (q > line && q[-1] >= '0' && q[-1] <= '9')
		q--;
	return q < p ? strtoull(q, NULL, 10) : 0;
}

int dctl_policy_drops(const struct dctl *d, struct dctl_drops *out)
{
	static const char intent[] = "dropping ";
	char *log = dctl_read_log(d), *p, *eol, *q;

	memset(out, 0, sizeof(*out));
	if (!log)
		return -ENOENT;
	for (p = log; *p; p = *eol ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		if (strncmp(p, "<6>evict: pool ", 15))
			continue;
		q = strstr(p, intent);
		if (q && q < eol) {
			/* A decision; its pass's summary line follows. */
			out->decided = strtoll(q + strlen(intent), NULL, 10);
			continue;
		}
		out->done += (long long)dctl_number_before(p, eol,
							   " dropped by policy");
		out->done += (long long)dctl_number_before(p, eol,
							   " dropped for want of disk space");
		out->decided = 0;
	}
	free(log);
	return 0;
}

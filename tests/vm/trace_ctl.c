// SPDX-License-Identifier: GPL-2.0
/* trace_ctl: kvtier-trace and bpftool for the tracing tests (t_trace_*). */
#include "trace_ctl.h"
#include "tlib.h"

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

static const char *tool_path(void)
{
	const char *p = getenv("KVTIER_TRACE");

	return p && *p ? p : "/bin/kvtier-trace";
}

/* The whole of @path, NUL-terminated, malloc'd; NULL on failure. */
static char *slurp(const char *path)
{
	size_t len = 0, room = 4096;
	char *buf = malloc(room), *nb;
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		if (room - len < 2048) {
			nb = realloc(buf, room * 2);
			if (!nb)
				break;
			buf = nb;
			room *= 2;
		}
		n = read(fd, buf + len, room - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

/* Fork, redirect, exec kvtier-trace; *pid set. */
static int spawn(const char *const *argv, const char *out, const char *err,
		 uid_t uid, pid_t *pid)
{
	const char *args[32];
	unsigned int i;
	int fd;

	args[0] = tool_path();
	for (i = 0; argv[i] && i < 30; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (!*pid) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			dup2(fd, 1);
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		/* Another user: no capabilities, root's files unreadable. */
		if (uid && setuid(uid))
			_exit(126);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	return 0;
}

int tctl_start(struct tctl *t, const char *name, const char *const *argv)
{
	uint64_t end = tl_now_ns() + TCTL_START_MS * 1000000ull;
	char *err;
	int ret;

	memset(t, 0, sizeof(*t));
	snprintf(t->out, sizeof(t->out), "/tmp/kvtier-trace-%s.out", name);
	snprintf(t->err, sizeof(t->err), "/tmp/kvtier-trace-%s.err", name);
	ret = spawn(argv, t->out, t->err, 0, &t->pid);
	if (ret)
		return ret;
	for (;;) {
		err = slurp(t->err);
		ret = err && strstr(err, "Tracing ") ? 0 : -EAGAIN;
		if (!ret) {
			free(err);
			return 0;
		}
		if (waitpid(t->pid, &t->status, WNOHANG) == t->pid) {
			fprintf(stderr, "kvtier-trace exited (status %#x): %s\n",
				t->status, err ? err : "");
			free(err);
			t->pid = 0;
			return -ECHILD;
		}
		free(err);
		if (tl_now_ns() > end) {
			kill(t->pid, SIGKILL);
			waitpid(t->pid, &t->status, 0);
			t->pid = 0;
			return -ETIMEDOUT;
		}
		poll(NULL, 0, 50);
	}
}

int tctl_stop(struct tctl *t)
{
	char *err;

	if (!t->pid)
		return -ECHILD;
	kill(t->pid, SIGINT);
	if (waitpid(t->pid, &t->status, 0) != t->pid)
		return -errno;
	t->pid = 0;
	t->report = slurp(t->out);
	if (!WIFEXITED(t->status) || WEXITSTATUS(t->status)) {
		err = slurp(t->err);
		fprintf(stderr, "kvtier-trace ended with status %#x: %s\n",
			t->status, err ? err : "");
		free(err);
		return -ECHILD;
	}
	return t->report ? 0 : -ENOENT;
}

int tctl_run(const char *const *argv, uid_t uid, int *rc, char *err,
	     size_t errlen)
{
	const char *out = "/tmp/kvtier-trace-run.out";
	const char *errf = "/tmp/kvtier-trace-run.err";
	char *text;
	pid_t pid;
	int st, ret;

	unlink(out);
	unlink(errf);
	ret = spawn(argv, out, errf, uid, &pid);
	if (ret)
		return ret;
	if (waitpid(pid, &st, 0) != pid)
		return -errno;
	*rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	text = slurp(errf);
	snprintf(err, errlen, "%s", text ? text : "");
	free(text);
	return 0;
}

int tctl_json_u64(const char *from, const char *end, const char *name,
		  unsigned long long *v)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", name);
	p = strstr(from, pat);
	if (!p || (end && p >= end))
		return -ENOENT;
	return sscanf(p + strlen(pat), "%llu", v) == 1 ? 0 : -EINVAL;
}

/* The object {...} that starts at or after @p: its end (the '}'). */
static const char *object_end(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			return p;
	}
	return NULL;
}

/* A struct kvt_hist out of the object at @obj (its fields in any order). */
static int parse_hist(const char *obj, struct kvt_hist *h)
{
	const char *end = object_end(obj), *p;
	unsigned long long v;
	int i, ret;

	if (!end)
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	ret = tctl_json_u64(obj, end, "count", &v);
	h->count = v;
	if (!ret)
		ret = tctl_json_u64(obj, end, "sum_us", &v);
	h->sum_us = v;
	if (!ret)
		ret = tctl_json_u64(obj, end, "errors", &v);
	h->errors = v;
	if (!ret)
		ret = tctl_json_u64(obj, end, "bytes", &v);
	h->bytes = v;
	if (ret)
		return ret;
	p = strstr(obj, "\"slots\":[");
	if (!p || p > end)
		return -ENOENT;
	p += strlen("\"slots\":[");
	for (i = 0; i < KVT_HIST_SLOTS; i++) {
		if (sscanf(p, "%llu", &v) != 1)
			return -EINVAL;
		h->slots[i] = v;
		p = strpbrk(p, ",]");
		if (!p)
			return -EINVAL;
		p++;
	}
	return 0;
}

int tctl_hist(const char *report, const char *section, const char *key,
	      struct kvt_hist *h)
{
	char pat[96];
	const char *s, *k, *end;

	snprintf(pat, sizeof(pat), "\"%s\":{", section);
	s = report ? strstr(report, pat) : NULL;
	if (!s)
		return -ENOENT;
	s += strlen(pat) - 1;
	end = object_end(s);
	snprintf(pat, sizeof(pat), "\"%s\":{", key);
	k = strstr(s, pat);
	if (!k || !end || k > end)
		return -ENOENT;
	return parse_hist(k + strlen(pat) - 1, h);
}

int tctl_bpftool_dump(const char *map, char **out)
{
	char cmd[256];
	size_t len = 0, room = 1 << 16;
	char *buf = malloc(room), *nb;
	FILE *f;
	size_t n;
	int st;

	if (!buf)
		return -ENOMEM;
	snprintf(cmd, sizeof(cmd),
		 "bpftool map dump pinned /sys/fs/bpf/kvtier/%s -j", map);
	f = popen(cmd, "r");
	if (!f) {
		free(buf);
		return -errno;
	}
	while ((n = fread(buf + len, 1, room - len - 1, f)) > 0) {
		len += n;
		if (room - len < 4096) {
			nb = realloc(buf, room * 2);
			if (!nb)
				break;
			buf = nb;
			room *= 2;
		}
	}
	buf[len] = 0;
	st = pclose(f);
	if (st) {
		fprintf(stderr, "%s: status %#x: %s\n", cmd, st, buf);
		free(buf);
		return -EIO;
	}
	*out = buf;
	return 0;
}

int tctl_pinned_hist(const char *map, unsigned int key, struct kvt_hist *h)
{
	char pat[64], *dump;
	const char *p;
	int ret;

	ret = tctl_bpftool_dump(map, &dump);
	if (ret)
		return ret;
	/* With the map's BTF bpftool adds "formatted": the value by field. */
	snprintf(pat, sizeof(pat), "\"formatted\":{\"key\":%u,\"value\":{", key);
	p = strstr(dump, pat);
	ret = p ? parse_hist(p + strlen(pat) - 1, h) : -ENOENT;
	free(dump);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/* kvtier-trace: the checks, pinning, waiting and printing the tools share. */
#include "trace_util.h"
#include "tp_layout.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
/* statfs(2)'s f_type of bpffs */
#define KVT_BPF_FS_MAGIC 0xcafe4a11

#define PREFIX "kvtier-trace: "

static bool cap_has(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

/* CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (which implies both). */
static int check_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	bool bpf, perfmon;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &hdr, d)) {
		fprintf(stderr, PREFIX "capget: %s\n", strerror(errno));
		return -errno;
	}
	if (cap_has(d, CAP_SYS_ADMIN))
		return 0;
	bpf = cap_has(d, CAP_BPF);
	perfmon = cap_has(d, CAP_PERFMON);
	if (bpf && perfmon)
		return 0;
	fprintf(stderr,
		PREFIX "needs CAP_BPF and CAP_PERFMON (or root); missing:%s%s\n",
		bpf ? "" : " CAP_BPF", perfmon ? "" : " CAP_PERFMON");
	return -EPERM;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

int kvt_env_check(const struct kvt_trace_opts *o, const struct kvt_tool *t)
{
	const char *const *ev;
	char path[512], msg[512];
	struct statfs sfs;
	int ret;

	ret = check_caps();
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/events", o->tracefs);
	if (!is_dir(path)) {
		fprintf(stderr,
			PREFIX "no tracefs at %s (mount -t tracefs tracefs /sys/kernel/tracing)\n",
			o->tracefs);
		return -ENOENT;
	}
	/* The USDT tools need kvtierd's binary, not the module. */
	if (t->events && !is_dir("/sys/module/kvtier")) {
		fprintf(stderr,
			PREFIX "kvtier.ko is not loaded (no /sys/module/kvtier)\n");
		return -ENOENT;
	}
	for (ev = t->events; ev && *ev; ev++) {
		ret = kvt_tp_check(o->tracefs, *ev, msg, sizeof(msg));
		if (ret) {
			fprintf(stderr, PREFIX "%s\n", msg);
			return ret;
		}
	}
	if (o->pin) {
		if (statfs("/sys/fs/bpf", &sfs) ||
		    (unsigned long)sfs.f_type != KVT_BPF_FS_MAGIC) {
			fprintf(stderr,
				PREFIX "--pin: no bpf filesystem at /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)\n");
			return -ENOENT;
		}
		if (mkdir(KVT_PIN_DIR, 0700) && errno != EEXIST) {
			ret = -errno;
			fprintf(stderr, PREFIX "--pin: mkdir %s: %s\n",
				KVT_PIN_DIR, strerror(errno));
			return ret;
		}
	}
	if (t->usdt) {
		if (!o->daemon) {
			fprintf(stderr,
				PREFIX "no kvtierd to attach to: none beside kvtier-trace nor in PATH; name it with --daemon PATH\n");
			return -ENOENT;
		}
		if (access(o->daemon, R_OK)) {
			ret = -errno;
			fprintf(stderr, PREFIX "--daemon %s: %s\n", o->daemon,
				strerror(errno));
			return ret;
		}
	}
	return 0;
}

int kvt_pin_map(struct bpf_map *map)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), KVT_PIN_DIR "/%s", bpf_map__name(map));
	/* A fresh map each run: what an older run left is not ours to add to. */
	if (unlink(path) && errno != ENOENT) {
		ret = -errno;
		fprintf(stderr, PREFIX "cannot replace %s: %s\n", path,
			strerror(errno));
		return ret;
	}
	ret = bpf_map__set_pin_path(map, path);
	if (ret)
		fprintf(stderr, PREFIX "pin %s: %s\n", path, strerror(-ret));
	return ret;
}

int kvt_pin_maps(const struct kvt_trace_opts *o, struct bpf_map *const *maps)
{
	int ret = 0;

	for (; o->pin && !ret && *maps; maps++)
		ret = kvt_pin_map(*maps);
	return ret;
}

int kvt_load_failed(int ret)
{
	fprintf(stderr, PREFIX "loading the BPF programs failed: %s\n",
		strerror(-ret));
	return ret;
}

void kvt_signals_block(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int kvt_wait(const struct kvt_trace_opts *o, unsigned int *reports)
{
	struct timespec ts = { .tv_sec = o->interval };
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	do {
		sig = o->interval ? sigtimedwait(&set, NULL, &ts) :
				    sigwaitinfo(&set, NULL);
	} while (sig < 0 && errno == EINTR);
	++*reports;
	if (sig > 0)
		return 1;
	return o->count && *reports >= o->count;
}

void kvt_banner(const struct kvt_trace_opts *o, const char *what)
{
	if (o->interval)
		fprintf(stderr, "Tracing %s every %u s... Hit Ctrl-C to end.\n",
			what, o->interval);
	else
		fprintf(stderr, "Tracing %s... Hit Ctrl-C to end.\n", what);
}

/* biolatency's layout: "lo -> hi : count |****   |" */
void kvt_hist_print(FILE *out, const struct kvt_hist *h, const char *unit)
{
	const int width = 40;
	int last = -1, i, j, stars;
	uint64_t max = 0, lo, hi;

	for (i = 0; i < KVT_HIST_SLOTS; i++) {
		if (h->slots[i])
			last = i;
		if (h->slots[i] > max)
			max = h->slots[i];
	}
	fprintf(out, "%*s%-*s : count    distribution\n", 10, "", 11, unit);
	for (i = 0; i <= last; i++) {
		lo = i ? 1ull << i : 0;
		hi = (1ull << (i + 1)) - 1;
		stars = max ? (int)(h->slots[i] * width / max) : 0;
		fprintf(out, "%20llu -> %-20llu : %-8llu |",
			(unsigned long long)lo, (unsigned long long)hi,
			(unsigned long long)h->slots[i]);
		for (j = 0; j < width; j++)
			fputc(j < stars ? '*' : ' ', out);
		fputs("|\n", out);
	}
}

void kvt_hist_json(FILE *out, const struct kvt_hist *h)
{
	int i;

	fprintf(out,
		"{\"count\":%llu,\"sum_us\":%llu,\"errors\":%llu,\"bytes\":%llu,\"slots\":[",
		(unsigned long long)h->count, (unsigned long long)h->sum_us,
		(unsigned long long)h->errors, (unsigned long long)h->bytes);
	for (i = 0; i < KVT_HIST_SLOTS; i++)
		fprintf(out, "%s%llu", i ? "," : "",
			(unsigned long long)h->slots[i]);
	fputs("]}", out);
}

const char *kvt_tier_name(unsigned int tier)
{
	static const char *const names[] = { "device", "host", "disk" };

	return tier < 3 ? names[tier] : "?";
}

uint64_t kvt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int kvt_read_hash(int fd, size_t ksize, size_t vsize, void *rows,
		  size_t rsize, int room, bool clear)
{
	char key[64], next[64];
	void *prev = NULL;
	int n = 0;

	if (ksize > sizeof(key))
		return 0;
	while (n < room && !bpf_map_get_next_key(fd, prev, next)) {
		char *row = (char *)rows + (size_t)n * rsize;

		memcpy(row, next, ksize);
		if (!bpf_map_lookup_elem(fd, next, row + rsize - vsize))
			n++;
		memcpy(key, next, ksize);
		prev = key;
	}
	if (clear)
		for (int i = 0; i < n; i++)
			bpf_map_delete_elem(fd, (char *)rows + (size_t)i * rsize);
	return n;
}

int kvt_attach_usdt(struct bpf_program *prog, const char *daemon,
		    const char *probe, struct bpf_link **link)
{
	struct bpf_link *l;
	int ret;

	l = bpf_program__attach_usdt(prog, -1, daemon, "kvtierd", probe, NULL);
	if (!l) {
		ret = -errno;
		fprintf(stderr,
			PREFIX "attaching to USDT probe kvtierd:%s of %s failed: %s%s\n",
			probe, daemon, strerror(-ret),
			ret == -ENOENT ? " (a kvtierd built without <sys/sdt.h>?)" : "");
		return ret;
	}
	*link = l;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tlib: shared helpers of the VM integration tests. See tlib.h.
 */
#include "tlib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#define CG_ROOT "/sys/fs/cgroup"

/* The record every process and thread of a case writes its failure into. */
struct tl_record {
	int failed;
	char why[768];
};

static const char *tl_area = "?";
static struct tl_record *tl_rec;
static int tl_cases_failed;
static uint64_t tl_salt;
static char tl_dev_path[320];

/* ---- cases and results ------------------------------------------------ */

void *tl_shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void tl_skip(const char *fmt, ...)
{
	va_list ap;

	printf("SKIP %s: ", tl_area);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(77);
}

void tl_init(const char *area)
{
	char path[256];
	int err;

	tl_area = area;
	setvbuf(stdout, NULL, _IOLBF, 0);
	tl_rec = tl_shared_alloc(sizeof(*tl_rec));
	if (!tl_rec) {
		printf("FAIL %s:setup: cannot map the result record\n", area);
		exit(1);
	}
	if (geteuid() != 0)
		tl_skip("needs root (run inside the test VM)");
	err = tl_find_device(path, sizeof(path));
	if (err) {
		/* Inside the harness's VM the module must be there. */
		if (getenv("KVTIER_KO")) {
			printf("FAIL %s:setup: no kvtier device (%s)\n", area,
			       tl_errname(err));
			exit(1);
		}
		tl_skip("no kvtier device (module not loaded)");
	}
}

void tl_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (__atomic_exchange_n(&tl_rec->failed, 1, __ATOMIC_SEQ_CST))
		return;
	n = snprintf(tl_rec->why, sizeof(tl_rec->why), "%s:%d: ",
		     strrchr(file, '/') ? strrchr(file, '/') + 1 : file, line);
	if (n < 0 || (size_t)n >= sizeof(tl_rec->why))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(tl_rec->why + n, sizeof(tl_rec->why) - n, fmt, ap);
	va_end(ap);
}

bool tl_failed(void)
{
	return __atomic_load_n(&tl_rec->failed, __ATOMIC_SEQ_CST) != 0;
}

/*
 * Mark the start of a case in the kernel log, so that whatever the kernel
 * says (a splat, a lockup report) can be traced to the case that ran when
 * it said it: the harness dumps the log only at the end of the run.
 */
static void tl_kmsg_mark(const char *name)
{
	char line[160];
	int fd, n;

	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "kvtier-test: begin %s:%s\n", tl_area,
		     name);
	/* Best effort: a case runs the same without its mark. */
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(fd, line, n);
	close(fd);
}

void tl_run(const char *name, void (*fn)(void))
{
	int status = 0;
	pid_t pid;
	int err;

	memset(tl_rec, 0, sizeof(*tl_rec));
	tl_kmsg_mark(name);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s:%s: fork: %s\n", tl_area, name, strerror(errno));
		tl_cases_failed++;
		return;
	}
	if (pid == 0) {
		/* Its own group, so that strays can be killed with it. */
		setpgid(0, 0);
		if (getrandom(&tl_salt, sizeof(tl_salt), 0) != sizeof(tl_salt))
			tl_salt = (uint64_t)getpid() << 32 ^ tl_now_ns();
		fn();
		fflush(stdout);
		_exit(tl_failed() ? 1 : 0);
	}
	setpgid(pid, pid);
	err = tl_wait(pid, TL_CASE_TIMEOUT_S * 1000, &status);
	/* Children the case left behind must not disturb the next case. */
	kill(-pid, SIGKILL);
	if (err == -ETIMEDOUT)
		tl_fail("timed out after %d s", TL_CASE_TIMEOUT_S);
	else if (err)
		tl_fail("waitpid: %s", tl_errname(err));
	else if (WIFSIGNALED(status))
		tl_fail("case process killed by signal %d (%s)",
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0 && !tl_failed())
		tl_fail("case process exited %d", WEXITSTATUS(status));
	if (tl_failed()) {
		printf("FAIL %s:%s: %s\n", tl_area, name, tl_rec->why);
		tl_cases_failed++;
	} else {
		printf("PASS %s:%s\n", tl_area, name);
	}
	fflush(stdout);
}

int tl_finish(void)
{
	return tl_cases_failed ? 1 : 0;
}

const char *tl_errname(long err)
{
	static __thread char buf[32];
	long e = err < 0 ? -err : err;

	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case ERANGE: return "ERANGE";
	case ENOSYS: return "ENOSYS";
	case ETIME: return "ETIME";
	case EOVERFLOW: return "EOVERFLOW";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EDQUOT: return "EDQUOT";
	case EPIPE: return "EPIPE";
	case ENXIO: return "ENXIO";
	default:
		snprintf(buf, sizeof(buf), "%ld", err);
		return buf;
	}
}

/* ---- the device ------------------------------------------------------- */

static bool tl_node_is_kvtier(const char *path)
{
	drmVersionPtr v;
	bool yes = false;
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	v = drmGetVersion(fd);
	if (v) {
		yes = v->name && strcmp(v->name, KVTIER_DRIVER_NAME) == 0;
		drmFreeVersion(v);
	}
	close(fd);
	return yes;
}

int tl_find_device(char *path, size_t len)
{
	drmDevicePtr devs[64];
	struct dirent *de;
	DIR *dir;
	int n, i;

	if (tl_dev_path[0])
		goto found;
	n = drmGetDevices2(0, devs, 64);
	for (i = 0; i < n && !tl_dev_path[0]; i++) {
		const char *node;

		if (!(devs[i]->available_nodes & (1 << DRM_NODE_RENDER)))
			continue;
		node = devs[i]->nodes[DRM_NODE_RENDER];
		if (tl_node_is_kvtier(node))
			snprintf(tl_dev_path, sizeof(tl_dev_path), "%s", node);
	}
	if (n > 0)
		drmFreeDevices(devs, n);
	if (tl_dev_path[0])
		goto found;
	/*
	 * libdrm skips platform devices it cannot describe; say so loudly
	 * (the harness shows stderr) and look at the render nodes directly.
	 */
	dir = opendir("/dev/dri");
	if (!dir)
		return -ENODEV;
	while ((de = readdir(dir))) {
		char p[288];

		if (strncmp(de->d_name, "renderD", 7) != 0)
			continue;
		snprintf(p, sizeof(p), "/dev/dri/%s", de->d_name);
		if (tl_node_is_kvtier(p)) {
			fprintf(stderr, "tlib: drmGetDevices2 did not list "
				"kvtier (%d devices); found %s by scanning\n",
				n, p);
			snprintf(tl_dev_path, sizeof(tl_dev_path), "%s", p);
			break;
		}
	}
	closedir(dir);
	if (!tl_dev_path[0])
		return -ENODEV;
found:
	snprintf(path, len, "%s", tl_dev_path);
	return 0;
}

void tl_forget_device(void)
{
	tl_dev_path[0] = 0;
}

int tl_open(void)
{
	char path[256];
	int err, fd;

	err = tl_find_device(path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int tl_open_admin(void)
{
	int fd = tl_open();

	if (fd < 0)
		tl_fail("open: %s", tl_errname(fd));
	return fd;
}

int tl_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && errno == EINTR);
	return ret == -1 ? -errno : 0;
}

uint64_t tl_param(int fd, uint32_t param)
{
	struct drm_kvtier_get_param gp = { .param = param };
	int err = tl_ioctl(fd, DRM_IOCTL_KVTIER_GET_PARAM, &gp);

	if (err) {
		tl_fail("GET_PARAM %u: %s", param, tl_errname(err));
		return ~0ull;
	}
	return gp.value;
}

/* ---- the module ------------------------------------------------------- */

bool tl_module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/kvtier", &st) == 0;
}

int tl_module_unload(void)
{
	if (syscall(SYS_delete_module, "kvtier", O_NONBLOCK))
		return -errno;
	return 0;
}

int tl_module_load(void)
{
	const char *ko = getenv("KVTIER_KO");
	char path[256];
	int kfd, err = 0;

	if (!ko || !*ko)
		return -ENOENT;
	kfd = open(ko, O_RDONLY | O_CLOEXEC);
	if (kfd < 0)
		return -errno;
	if (syscall(SYS_finit_module, kfd, "", 0))
		err = -errno;
	close(kfd);
	if (err)
		return err;
	tl_forget_device();
	/* devtmpfs made its node before the module's init returned. */
	return tl_find_device(path, sizeof(path));
}

/* ---- roles ------------------------------------------------------------ */

int tl_drop_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	int i = CAP_TO_INDEX(CAP_SYS_ADMIN);
	uint32_t m = CAP_TO_MASK(CAP_SYS_ADMIN);

	/* Bounding set first: dropping it needs CAP_SETPCAP, still held. */
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) && errno != EINVAL)
		return -errno;
	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[i].effective &= ~m;
	d[i].permitted &= ~m;
	d[i].inheritable &= ~m;
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}

int tl_open_user(void)
{
	int err = tl_drop_admin();

	return err ? err : tl_open();
}

/* ---- cgroups ---------------------------------------------------------- */

static void tl_cg_path(char *buf, size_t len, const char *name,
		       const char *file)
{
	if (file)
		snprintf(buf, len, CG_ROOT "/kvtier-%s/%s", name, file);
	else
		snprintf(buf, len, CG_ROOT "/kvtier-%s", name);
}

int tl_cg_create(const char *name, uint64_t *id)
{
	struct stat st;
	char p[256];

	tl_cg_path(p, sizeof(p), name, NULL);
	if (mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	if (stat(p, &st))
		return -errno;
	/* On cgroup2 the directory's inode number is the cgroup id. */
	if (id)
		*id = st.st_ino;
	return 0;
}

static int tl_write_file(const char *path, const char *text)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(text))
		err = -EIO;
	close(fd);
	return err;
}

int tl_cg_enter(const char *name)
{
	char p[256], pid[32];

	tl_cg_path(p, sizeof(p), name, "cgroup.procs");
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	return tl_write_file(p, pid);
}

int tl_cg_leave(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d\n", getpid());
	return tl_write_file(CG_ROOT "/cgroup.procs", pid);
}

int tl_cg_remove(const char *name)
{
	char p[256];

	tl_cg_path(p, sizeof(p), name, NULL);
	return rmdir(p) ? -errno : 0;
}

uint64_t tl_cg_self_id(void)
{
	char line[512], p[600];
	struct stat st;
	uint64_t id = 0;
	FILE *f;

	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(p, sizeof(p), CG_ROOT "%s", line + 3);
		if (stat(p, &st) == 0)
			id = st.st_ino;
	}
	fclose(f);
	return id;
}

/* ---- pools ------------------------------------------------------------ */

int tl_pool_create(int fd, uint64_t slot_size, uint64_t slot_count,
		   uint32_t *pool_id)
{
	struct drm_kvtier_pool_create pc = {
		.slot_size = slot_size,
		.slot_count = slot_count,
		.kind = KVTIER_KIND_RAW,
	};
	int err = tl_ioctl(fd, DRM_IOCTL_KVTIER_POOL_CREATE, &pc);

	if (!err)
		*pool_id = pc.pool_id;
	return err;
}

int tl_pool_destroy(int fd, uint32_t pool_id)
{
	struct drm_kvtier_pool_destroy pd = { .pool_id = pool_id };

	return tl_ioctl(fd, DRM_IOCTL_KVTIER_POOL_DESTROY, &pd);
}

int tl_pool_info(int fd, uint32_t pool_id, struct drm_kvtier_pool_info *out)
{
	memset(out, 0, sizeof(*out));
	out->pool_id = pool_id;
	return tl_ioctl(fd, DRM_IOCTL_KVTIER_POOL_INFO, out);
}

uint64_t tl_pool_used(int fd, uint32_t pool_id)
{
	struct drm_kvtier_pool_info pi;

	if (tl_pool_info(fd, pool_id, &pi))
		return ~0ull;
	return pi.slots_used;
}

void *tl_pool_map(int fd, const struct drm_kvtier_pool_info *pi)
{
	void *p = mmap(NULL, pi->slot_size * pi->slot_count,
		       PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)pi->mmap_offset);

	return p == MAP_FAILED ? NULL : p;
}

uint8_t *tl_map_pool(int fd, uint32_t pool, struct drm_kvtier_pool_info *pi)
{
	uint8_t *p;
	int err = tl_pool_info(fd, pool, pi);

	if (err) {
		tl_fail("pool info: %s", tl_errname(err));
		return NULL;
	}
	p = tl_pool_map(fd, pi);
	if (!p)
		tl_fail("mmap of pool %u: %s", pool, strerror(errno));
	return p;
}

/* ---- objects ---------------------------------------------------------- */

struct drm_kvtier_key tl_key(uint64_t n)
{
	struct drm_kvtier_key k = { .lo = n, .hi = tl_salt };

	return k;
}

uint64_t tl_key_salt(void)
{
	return tl_salt;
}

int tl_alloc(int fd, uint32_t pool_id, uint32_t flags,
	     struct drm_kvtier_alloc_item *items, uint32_t n,
	     uint32_t *failed_index)
{
	struct drm_kvtier_obj_alloc a = {
		.items_ptr = (uintptr_t)items,
		.count = n,
		.pool_id = pool_id,
		.flags = flags,
		.failed_index = ~0u,
	};
	int err = tl_ioctl(fd, DRM_IOCTL_KVTIER_OBJ_ALLOC, &a);

	if (failed_index)
		*failed_index = a.failed_index;
	return err;
}

int tl_alloc1(int fd, uint32_t pool_id, uint32_t flags,
	      struct drm_kvtier_key key, uint64_t size,
	      struct drm_kvtier_alloc_item *out)
{
	struct drm_kvtier_alloc_item it = { .key = key, .size = size };
	int err = tl_alloc(fd, pool_id, flags, &it, 1, NULL);

	if (out)
		*out = it;
	return err;
}

int tl_op1(int fd, uint32_t op, uint64_t handle, uint32_t tier)
{
	struct drm_kvtier_obj_op it = {
		.handle = handle,
		.tier = tier,
		.result = 12345,
	};
	struct drm_kvtier_obj_batch b = {
		.items_ptr = (uintptr_t)&it,
		.count = 1,
		.op = op,
	};
	int err = tl_ioctl(fd, DRM_IOCTL_KVTIER_OBJ_BATCH, &b);

	if (err)
		return err;
	/* The failed count must agree with the item's result. */
	if (b.failed != (it.result != 0)) {
		tl_fail("OBJ_BATCH op %u: failed %u but item result %d", op,
			b.failed, it.result);
		return -EPROTO;
	}
	return it.result;
}

int tl_make_ready(int fd, uint32_t pool_id, struct drm_kvtier_key key,
		  uint64_t size, struct drm_kvtier_alloc_item *out)
{
	struct drm_kvtier_alloc_item it;
	int err;

	err = tl_alloc1(fd, pool_id, 0, key, size, &it);
	if (!err)
		err = tl_op1(fd, KVTIER_OP_COMMIT, it.handle, 0);
	if (out)
		*out = it;
	return err;
}

int tl_lookup1(int fd, struct drm_kvtier_key key, uint32_t flags,
	       struct drm_kvtier_lookup_result *out)
{
	struct drm_kvtier_lookup l = {
		.keys_ptr = (uintptr_t)&key,
		.results_ptr = (uintptr_t)out,
		.count = 1,
		.flags = flags,
	};
	int err;

	memset(out, 0xa5, sizeof(*out));
	err = tl_ioctl(fd, DRM_IOCTL_KVTIER_LOOKUP, &l);
	if (!err && l.hits != !!(out->flags & KVTIER_LOOKUP_PRESENT)) {
		tl_fail("LOOKUP: hits %u but result flags 0x%x", l.hits,
			out->flags);
		return -EPROTO;
	}
	return err;
}

int tl_fetch1(int fd, uint64_t handle, uint32_t tier, uint32_t region_id,
	      uint64_t offset, uint64_t user_data,
	      struct drm_kvtier_fetch *req, struct drm_kvtier_fetch_item *item)
{
	memset(item, 0, sizeof(*item));
	item->handle = handle;
	item->tier = tier;
	item->region_id = region_id;
	item->offset = offset;
	item->result = 12345;
	memset(req, 0, sizeof(*req));
	req->items_ptr = (uintptr_t)item;
	req->count = 1;
	req->user_data = user_data;
	return tl_ioctl(fd, DRM_IOCTL_KVTIER_FETCH, req);
}

int tl_stats(int fd, struct drm_kvtier_stats *out)
{
	memset(out, 0, sizeof(*out));
	return tl_ioctl(fd, DRM_IOCTL_KVTIER_STATS, out);
}

int tl_tenant_info(int fd, uint64_t tenant, uint32_t pool_id,
		   struct drm_kvtier_tenant_usage *out)
{
	memset(out, 0, sizeof(*out));
	out->tenant_id = tenant;
	out->pool_id = pool_id;
	return tl_ioctl(fd, DRM_IOCTL_KVTIER_TENANT_INFO, out);
}

int tl_snap_take(int fd, uint32_t pool_id, struct tl_snap *s)
{
	int err = tl_stats(fd, &s->st);

	if (!err)
		err = tl_pool_info(fd, pool_id, &s->pi);
	return err;
}

const char *tl_snap_diff(int fd, uint32_t pool_id, const struct tl_snap *s)
{
	static __thread char what[400];
	struct tl_snap now;
	size_t n = 0;
	int i;

	if (tl_snap_take(fd, pool_id, &now))
		return "stats or pool info ioctl failed";
	what[0] = 0;
	/* Name every field that moved, not just the first. */
#define TL_SAME(field)                                                         \
	do {                                                                   \
		if (now.field != s->field && n < sizeof(what))                 \
			n += snprintf(what + n, sizeof(what) - n,              \
				      "%s%s %llu -> %llu", n ? ", " : "",      \
				      #field, (unsigned long long)s->field,    \
				      (unsigned long long)now.field);          \
	} while (0)
	TL_SAME(pi.slots_used);
	TL_SAME(pi.objects);
	TL_SAME(st.objects);
	for (i = 0; i < KVTIER_STATE_COUNT; i++)
		TL_SAME(st.by_state[i]);
	for (i = 0; i < KVTIER_TIER_COUNT; i++)
		TL_SAME(st.by_tier[i]);
	TL_SAME(st.lookups);
	TL_SAME(st.hits);
	TL_SAME(st.allocs);
	TL_SAME(st.commits);
	TL_SAME(st.frees);
	TL_SAME(st.quota_refusals);
	TL_SAME(st.fetches);
	TL_SAME(st.work_queued);
	TL_SAME(st.work_dispatched);
	TL_SAME(st.work_completed);
	TL_SAME(st.work_pending);
	TL_SAME(st.bytes_moved);
	TL_SAME(st.clients);
#undef TL_SAME
	return n ? what : NULL;
}

/* ---- processes, time, messages ----------------------------------------- */

uint64_t tl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

pid_t tl_spawn(void (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(tl_failed() ? 1 : 0);
	}
	return pid;
}

/* Wait for @fd to be readable until @deadline; 0, -ETIMEDOUT or -errno. */
static int tl_poll_in(int fd, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	for (;;) {
		uint64_t now = tl_now_ns();
		int ms;

		if (now >= deadline)
			ms = 0;
		else
			ms = (int)((deadline - now + 999999) / 1000000);
		ret = poll(&p, 1, ms);
		if (ret > 0)
			return 0;
		if (ret == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int tl_wait(pid_t pid, int ms, int *status)
{
	uint64_t deadline = tl_now_ns() + (uint64_t)ms * 1000000ull;
	int pfd, err = 0;

	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd >= 0) {
		err = tl_poll_in(pfd, deadline);
		close(pfd);
		if (err == -ETIMEDOUT)
			kill(pid, SIGKILL);
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return err == -ETIMEDOUT ? -ETIMEDOUT : 0;
}

bool tl_join(pid_t pid, const char *who)
{
	int st = 0, err;

	if (pid < 0) {
		tl_fail("%s: fork failed", who);
		return false;
	}
	err = tl_wait(pid, TL_WAIT_MS, &st);
	if (err) {
		tl_fail("%s: %s", who,
			err == -ETIMEDOUT ? "did not finish in time" :
					    tl_errname(err));
		return false;
	}
	if (WIFSIGNALED(st)) {
		tl_fail("%s: killed by signal %d (%s)", who, WTERMSIG(st),
			strsignal(WTERMSIG(st)));
		return false;
	}
	if (WEXITSTATUS(st) != 0) {
		/* The child recorded why, unless it could not. */
		if (!tl_failed())
			tl_fail("%s: exited %d", who, WEXITSTATUS(st));
		return false;
	}
	return true;
}

int tl_probe(volatile void *addr, bool write)
{
	struct rlimit nocore = { 0, 0 };
	volatile uint8_t *b = addr;
	int st = 0, err;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &nocore);
		signal(SIGBUS, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		if (write)
			*b = 0x5a;
		else
			(void)*b;
		_exit(0);
	}
	err = tl_wait(pid, TL_WAIT_MS, &st);
	if (err)
		return err;
	if (WIFSIGNALED(st))
		return WTERMSIG(st);
	return WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

int tl_chan_init(struct tl_chan *c)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	c->rd = p[0];
	c->wr = p[1];
	return 0;
}

int tl_chan_send(struct tl_chan *c, uint64_t v)
{
	ssize_t n = write(c->wr, &v, sizeof(v));

	if (n < 0)
		return -errno;
	return n == sizeof(v) ? 0 : -EIO;
}

int tl_chan_recv(struct tl_chan *c, uint64_t *v, int ms)
{
	uint64_t deadline = tl_now_ns() + (uint64_t)ms * 1000000ull;
	ssize_t n;
	int err;

	err = tl_poll_in(c->rd, deadline);
	if (err)
		return err;
	do {
		n = read(c->rd, v, sizeof(*v));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	return n == sizeof(*v) ? 0 : -EIO;
}

void tl_chan_close(struct tl_chan *c)
{
	if (c->rd >= 0)
		close(c->rd);
	if (c->wr >= 0)
		close(c->wr);
	c->rd = c->wr = -1;
}

uint64_t tl_mem_free_kib(void)
{
	char line[256];
	uint64_t v = 0;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemFree: %" SCNu64 " kB", &v) == 1)
			break;
	}
	fclose(f);
	return v;
}

int tl_read_fetch_event(int fd, int ms, struct drm_kvtier_event_fetch *ev)
{
	uint64_t deadline = tl_now_ns() + (uint64_t)ms * 1000000ull;
	char buf[256];
	ssize_t n;
	int err;

	err = tl_poll_in(fd, deadline);
	if (err)
		return err;
	do {
		n = read(fd, buf, sizeof(buf));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(*ev))
		return -EPROTO;
	memcpy(ev, buf, sizeof(*ev));
	if (ev->base.type != DRM_KVTIER_EVENT_FETCH_DONE ||
	    ev->base.length != sizeof(*ev))
		return -EPROTO;
	return 0;
}

bool tl_no_event(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

uint32_t tl_setup_pool(uint64_t slot_size, uint64_t slot_count)
{
	uint32_t pool = 0;
	int fd, err;

	fd = tl_open();
	if (fd < 0) {
		printf("FAIL %s:setup: open: %s\n", tl_area, tl_errname(fd));
		exit(1);
	}
	err = tl_pool_create(fd, slot_size, slot_count, &pool);
	close(fd);
	if (err) {
		printf("FAIL %s:setup: pool create (%" PRIu64 " x %" PRIu64
		       "): %s\n", tl_area, slot_count, slot_size,
		       tl_errname(err));
		exit(1);
	}
	return pool;
}

void tl_teardown_pool(uint32_t pool_id)
{
	struct drm_kvtier_pool_info pi;
	int fd, err;

	fd = tl_open();
	if (fd < 0) {
		printf("FAIL %s:teardown: open: %s\n", tl_area,
		       tl_errname(fd));
		tl_cases_failed++;
		return;
	}
	tl_pool_info(fd, pool_id, &pi);
	err = tl_pool_destroy(fd, pool_id);
	close(fd);
	if (!err)
		return;
	if (tl_cases_failed) {
		/* A failed case may have left objects behind: expected. */
		fprintf(stderr, "%s: pool %u left behind (%s)\n", tl_area,
			pool_id, tl_errname(err));
		return;
	}
	printf("FAIL %s:teardown: pool destroy: %s (slots_used %llu, "
	       "objects %llu)\n", tl_area, tl_errname(err),
	       (unsigned long long)pi.slots_used,
	       (unsigned long long)pi.objects);
	tl_cases_failed++;
}

uint64_t tl_page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

void *tl_bad_ptr(void)
{
	static void *bad;

	if (!bad) {
		bad = mmap(NULL, tl_page(), PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (bad == MAP_FAILED)
			bad = NULL;
	}
	return bad;
}

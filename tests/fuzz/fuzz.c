// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-fuzz: seeded uAPI fuzzer of kvtier.ko (see fuzz.h).
 *
 *   kvtier-fuzz [--seed N] [--calls N] [--check-every K] [--trace]
 *
 * Each call is valid-looking or mutated (unknown flag bits, non-zero pads
 * and reserved fields, counts 0 / max / max + 1, NULL, unmapped, read-only
 * and half-mapped pointers, handles of other tenants, stale and random
 * handles, pools out of range or destroyed, reused region ids, offsets at
 * and past bounds), on one of several fds: clients of two tenants (two
 * cgroup v2 children) and of the root cgroup, admins, a manager that takes
 * work and completes it (or fails it, or closes with it). mmap, munmap,
 * touches of mappings, forked children that run calls of their own and
 * exit holding fds (a crashed client) are interleaved. The model predicts
 * every result; the driver's accounting is checked against it every K calls
 * and at the end, after which everything the run made must be gone.
 *
 * What an outside audit found is part of every run: read-only ioctl
 * structs of calls that act (they must fail having done nothing), writes
 * through client mappings (only the writer of a WRITING object may write),
 * touches of client mappings of a pool destroyed and created again under
 * its id (they fault), MADV_REMOVE on manager mappings (refused with EPERM:
 * the pool's file is sealed) and work statuses below -4095 (-EINVAL).
 *
 * Output: PASS/FAIL lines for the VM harness and one summary line. Exit 0
 * when no finding, 1 otherwise.
 */
#include "fuzz.h"
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fz *F;

static uint64_t g_page;
static uint8_t *g_buf;		/* scratch for arrays: BUF_BYTES, then guard */
static uint8_t *g_guard;	/* PROT_NONE */
static uint8_t *g_ro;		/* read-only */
static bool g_in_child;
static uint64_t g_salt;

#define BUF_BYTES (KVTIER_MAX_BATCH * 64 + 65536)

static const char *const ten_name[FZ_NTEN] = { "fza", "fzb", NULL };

/* ---- basics ------------------------------------------------------------ */

uint64_t fz_rand(void)
{
	/* splitmix64: one state word, good enough and deterministic. */
	uint64_t z = (F->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t fz_below(uint32_t n)
{
	return n ? (uint32_t)(fz_rand() % n) : 0;
}

bool fz_chance(uint32_t percent)
{
	return fz_below(100) < percent;
}

void fz_log(const char *fmt, ...)
{
	char *s = F->last[F->nlast++ % 32];
	va_list ap;
	int n;

	n = snprintf(s, 200, "#%" PRIu64 " ", F->ncall);
	va_start(ap, fmt);
	vsnprintf(s + n, (size_t)(200 - n), fmt, ap);
	va_end(ap);
	if (F->o.trace)
		printf("%s%s\n", g_in_child ? "  child " : "", s);
}

void fz_fail(const char *fmt, ...)
{
	va_list ap;
	uint32_t i;

	fflush(stdout);
	printf("FAIL fuzz:seed_%" PRIu64 ": call %" PRIu64 "%s: ", F->o.seed,
	       F->ncall, g_in_child ? " (forked child)" : "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nfuzz: the last calls:\n");
	for (i = F->nlast > 32 ? F->nlast - 32 : 0; i < F->nlast; i++)
		printf("  %s\n", F->last[i % 32]);
	printf("fuzz: reproduce: kvtier-fuzz --seed %" PRIu64
	       " --calls %" PRIu64 " --trace\n", F->o.seed, F->ncall + 1);
	fflush(stdout);
	_exit(1);
}

static void count_err(int err)
{
	int e = -err;

	if (e < 0 || e >= (int)(sizeof(F->errs) / sizeof(F->errs[0])))
		e = sizeof(F->errs) / sizeof(F->errs[0]) - 1;
	F->errs[e]++;
}

int fz_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && errno == EINTR);
	return ret == -1 ? -errno : 0;
}

static const char *en(int err)
{
	static char b[4][24];
	static unsigned int n;
	char *s = b[n++ % 4];

	/* Several in one message: each gets its own buffer. */
	if (err == 0 || err == 1)
		snprintf(s, sizeof(b[0]), "%d", err);
	else
		snprintf(s, sizeof(b[0]), "%s", tl_errname(err));
	return s;
}

static void expect_rc(const char *what, int got, int want)
{
	if (got != want)
		fz_fail("%s: got %s, the model says %s", what, en(got),
			en(want));
}

static void expect_fail(const char *what, int got)
{
	if (!got)
		fz_fail("%s: accepted, the model says it must fail", what);
}

/* ---- pointers -------------------------------------------------------------- */

enum ptr_how { P_OK, P_NULL, P_UNMAPPED, P_STRADDLE, P_RO };

/*
 * Where an array of @bytes built at g_buf goes: usually g_buf; with
 * @percent chance a bad place. @written: the driver writes the array
 * (read-only memory is then as bad as unmapped).
 */
static uint64_t place(size_t bytes, uint32_t percent, bool written,
		      enum ptr_how *how)
{
	*how = P_OK;
	if (!bytes || !fz_chance(percent))
		return (uintptr_t)g_buf;
	switch (fz_below(4)) {
	case 0:
		*how = P_NULL;
		return 0;
	case 1:
		*how = P_UNMAPPED;
		return (uintptr_t)g_guard;
	case 2:
		/* The array's last byte lies in the guard page. */
		if (bytes > BUF_BYTES - 1)
			break;
		*how = P_STRADDLE;
		memmove(g_guard - bytes + 1, g_buf, bytes - 1);
		return (uintptr_t)(g_guard - bytes + 1);
	default:
		if (bytes > g_page || !written)
			break;
		mprotect(g_ro, g_page, PROT_READ | PROT_WRITE);
		memcpy(g_ro, g_buf, bytes);
		mprotect(g_ro, g_page, PROT_READ);
		*how = P_RO;
		return (uintptr_t)g_ro;
	}
	*how = P_OK;
	return (uintptr_t)g_buf;
}

/*
 * Issue @req with its argument struct @arg in ordinary memory, or (rarely)
 * from an unmapped or read-only place. Returns the ioctl's 0/-errno and
 * sets *bad when the struct was misplaced: the call must then fail with
 * -EFAULT having done nothing.
 */
static int call(int ci, unsigned long req, void *arg, bool acts, bool *bad)
{
	size_t sz = _IOC_SIZE(req);
	int err;

	*bad = false;
	if (fz_chance(2)) {
		bool ro = fz_below(2) && (_IOC_DIR(req) & _IOC_READ);

		*bad = true;
		if (ro) {
			mprotect(g_ro, g_page, PROT_READ | PROT_WRITE);
			memcpy(g_ro, arg, sz);
			mprotect(g_ro, g_page, PROT_READ);
			err = fz_ioctl(F->c[ci].fd, req, g_ro);
		} else {
			err = fz_ioctl(F->c[ci].fd, req, g_guard);
		}
		count_err(err);
		if (err != -EFAULT)
			fz_fail("ioctl %#lx with its struct %s: %s, want EFAULT",
				req, ro ? "read-only" : "unmapped", en(err));
		return err;
	}
	err = fz_ioctl(F->c[ci].fd, req, arg);
	count_err(err);
	return err;
}

/* ---- picking ---------------------------------------------------------------- */

static int pick_client(void)
{
	int i, n = 0, pick[FZ_MAXC];

	for (i = 0; i < FZ_MAXC; i++)
		if (F->c[i].open && i != F->checker &&
		    (!F->c[i].owner || F->c[i].owner == getpid()))
			pick[n++] = i;
	return n ? pick[fz_below((uint32_t)n)] : -1;
}

static int pick_live_obj(void)
{
	int i, n = 0;
	static int pick[FZ_MAXO];

	for (i = 0; i < FZ_MAXO; i++)
		if (F->obj[i].state != FZ_DEAD)
			pick[n++] = i;
	return n ? pick[fz_below((uint32_t)n)] : -1;
}

/* Mostly objects the client holds, else anyone's, stale, random or 0. */
static uint64_t pick_handle(int ci)
{
	uint32_t r = fz_below(100);
	int i, n = 0;
	static int pick[FZ_MAXO];

	if (r < 55) {
		for (i = 0; i < FZ_MAXO; i++)
			if (F->obj[i].state != FZ_DEAD &&
			    (F->obj[i].refs & (1u << ci)))
				pick[n++] = i;
		if (n)
			return F->obj[pick[fz_below((uint32_t)n)]].handle;
	}
	if (r < 85) {
		i = pick_live_obj();
		if (i >= 0)
			return F->obj[i].handle;
	}
	if (r < 93 && F->nstale)
		return F->stale[fz_below(F->nstale < FZ_STALE ? F->nstale :
							      FZ_STALE)];
	if (r < 97)
		return fz_rand();
	return 0;
}

static struct drm_kvtier_key pick_key(void)
{
	struct drm_kvtier_key k = { .lo = fz_below(48), .hi = g_salt };
	int i;

	if (fz_chance(50) && (i = pick_live_obj()) >= 0)
		return F->obj[i].key;
	return k;
}

/* A pool id: mostly one the fuzzer made, sometimes any id or past them. */
static int pick_pool(uint32_t *id)
{
	int i, n = 0, pick[FZ_MAXP];

	for (i = 0; i < FZ_MAXP; i++)
		if (F->pool[i].id && (F->pool[i].live || fz_chance(20)))
			pick[n++] = i;
	if (n && !fz_chance(8)) {
		i = pick[fz_below((uint32_t)n)];
		*id = F->pool[i].id;
		return F->pool[i].live ? i : -1;
	}
	switch (fz_below(4)) {
	case 0:
		*id = 0;
		break;
	case 1:
		*id = KVTIER_MAX_POOLS + 1;
		break;
	case 2:
		*id = 0xffffffffu;
		break;
	default:
		/*
		 * An id no pool of the model has now: never one the driver
		 * may hold for someone else, whose objects the model would
		 * not know.
		 */
		*id = 0;
		for (i = 0; i < FZ_MAXP; i++)
			if (F->pool[i].id && !F->pool[i].live)
				*id = F->pool[i].id;
		break;
	}
	for (i = 0; i < FZ_MAXP; i++)
		if (F->pool[i].live && F->pool[i].id == *id)
			return i;
	return -1;
}

static uint64_t ten_id(int ci)
{
	return F->tenant_id[F->c[ci].ten];
}

static bool visible(int ci, const struct fz_obj *o)
{
	return o->tenant == ten_id(ci) || !o->tenant || F->c[ci].admin ||
	       F->c[ci].manager;
}

/* A count for a batch of @n valid items: sometimes 0, max or max + 1. */
static uint32_t mutate_count(uint32_t n, bool *bad)
{
	*bad = false;
	if (!fz_chance(3))
		return n;
	*bad = true;
	switch (fz_below(3)) {
	case 0:
		return 0;
	case 1:
		return KVTIER_MAX_BATCH + 1;
	default:
		return 0xffffffffu;
	}
}

/* ---- clients ------------------------------------------------------------- */

/* In a child: enter the tenant's cgroup, drop admin, open, send the fd. */
static void open_child(int sock, int ten, bool admin)
{
	char cmsgbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	struct iovec iov;
	char x = 0;
	int fd;

	if (ten_name[ten] && tl_cg_enter(ten_name[ten]))
		_exit(2);
	if (!admin && tl_drop_admin())
		_exit(3);
	fd = tl_open();
	if (fd < 0)
		_exit(4);
	iov.iov_base = &x;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf;
	mh.msg_controllen = sizeof(cmsgbuf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	_exit(sendmsg(sock, &mh, 0) == 1 ? 0 : 5);
}

static int recv_fd(int sock)
{
	char cmsgbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	struct iovec iov;
	char x;
	int fd;

	iov.iov_base = &x;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf;
	mh.msg_controllen = sizeof(cmsgbuf);
	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int open_client(int ten, bool admin)
{
	struct drm_kvtier_get_param gp;
	int sv[2], fd, ci, st;
	pid_t pid;

	for (ci = 0; ci < FZ_MAXC; ci++)
		if (!F->c[ci].open)
			break;
	if (ci == FZ_MAXC)
		return -1;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		fz_fail("socketpair: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		open_child(sv[1], ten, admin);
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	close(sv[0]);
	waitpid(pid, &st, 0);
	if (fd < 0)
		fz_fail("open a client (tenant %d admin %d): child exit %d",
			ten, admin, WEXITSTATUS(st));
	F->c[ci] = (struct fz_client){ .open = true, .admin = admin, .fd = fd,
				       .ten = ten,
				       .owner = g_in_child ? getpid() : 0 };
	memset(&gp, 0, sizeof(gp));
	gp.param = KVTIER_PARAM_TENANT_ID;
	if (fz_ioctl(fd, DRM_IOCTL_KVTIER_GET_PARAM, &gp))
		fz_fail("GET_PARAM TENANT_ID failed");
	if (!F->tenant_id[ten])
		F->tenant_id[ten] = gp.value;
	else if (F->tenant_id[ten] != gp.value)
		fz_fail("tenant id of cgroup %d is %llu, was %llu", ten,
			(unsigned long long)gp.value,
			(unsigned long long)F->tenant_id[ten]);
	fz_log("open c%d tenant %d admin %d fd %d", ci, ten, admin, fd);
	return ci;
}

static void op_open(void)
{
	uint32_t r = fz_below(10);

	if (r < 3)
		open_client(FZ_TA, false);
	else if (r < 6)
		open_client(FZ_TB, false);
	else if (r < 8)
		open_client(FZ_TROOT, true);
	else
		open_client(fz_below(2) ? FZ_TA : FZ_TB, true);
}

static void drop_maps_of(int ci)
{
	int i;

	/* A mapping keeps the file open: the client closes with the last. */
	for (i = 0; i < FZ_MAXM; i++) {
		struct fz_map *m = &F->map[i];

		if (m->live && m->client == ci && m->owner == F->c[ci].owner) {
			munmap(m->addr, m->len);
			m->live = false;
		}
	}
}

static void close_client(int ci)
{
	fz_log("close c%d", ci);
	drop_maps_of(ci);
	close(F->c[ci].fd);
	fz_client_closed(ci);
}

static void op_close(void)
{
	int ci = pick_client();

	if (ci < 0)
		return;
	/* In a child, the parent's fds stay open in the parent. */
	if (g_in_child && F->c[ci].owner != getpid())
		return;
	close_client(ci);
}

/* ---- pools ------------------------------------------------------------------ */

static void op_pool_create(int ci)
{
	struct drm_kvtier_pool_create pc;
	bool bad = false, argbad;
	int i, p = -1, err;

	for (i = 0; i < FZ_MAXP; i++)
		if (!F->pool[i].live && p < 0)
			p = i;
	memset(&pc, 0, sizeof(pc));
	pc.slot_size = g_page * (1 + fz_below(2));
	pc.slot_count = 4 + fz_below(FZ_MAXSLOTS - 3);
	pc.kind = fz_below(KVTIER_KIND_COUNT);
	switch (fz_below(14)) {
	case 0: pc.slot_size = 0; bad = true; break;
	case 1: pc.slot_size = g_page + 512; bad = true; break;
	case 2: pc.slot_count = 0; bad = true; break;
	case 3: pc.kind = KVTIER_KIND_COUNT + fz_below(9); bad = true; break;
	case 4: pc.flags = 1u << (2 + fz_below(30)); bad = true; break;
	case 5: pc.reserved[fz_below(2)] = 1; bad = true; break;
	case 6: pc.slot_size = 1ull << 40; pc.slot_count = 1ull << 40;
		bad = true; break;
	case 7: pc.flags = KVTIER_POOL_NUMA; pc.numa_node = 0; break;
	default: break;
	}
	if (!bad && p < 0)
		return;		/* the model has no room for one more */
	err = call(ci, DRM_IOCTL_KVTIER_POOL_CREATE, &pc, true, &argbad);
	fz_log("POOL_CREATE c%d %llu x %llu kind %u flags %x: %s", ci,
	       (unsigned long long)pc.slot_count,
	       (unsigned long long)pc.slot_size, pc.kind, pc.flags, en(err));
	if (argbad)
		return;
	if (!F->c[ci].admin) {
		/* -EPERM, or -EINVAL when the request is bad as well. */
		expect_fail("POOL_CREATE by a non-admin", err);
		return;
	}
	if (bad) {
		expect_fail("POOL_CREATE with a bad field", err);
		return;
	}
	if (err == -ENOSPC || err == -ENOMEM)
		return;		/* every id taken (other tests' pools) */
	expect_rc("POOL_CREATE", err, 0);
	for (i = 0; i < FZ_MAXP; i++)
		if (F->pool[i].live && F->pool[i].id == pc.pool_id)
			fz_fail("POOL_CREATE gave id %u, which is live",
				pc.pool_id);
	if (!pc.pool_id || pc.pool_id > KVTIER_MAX_POOLS ||
	    pc.mmap_offset != (uint64_t)pc.pool_id << KVTIER_POOL_MMAP_SHIFT)
		fz_fail("POOL_CREATE: id %u offset %llx", pc.pool_id,
			(unsigned long long)pc.mmap_offset);
	/* An entry of a destroyed pool of that id is forgotten. */
	for (i = 0; i < FZ_MAXP; i++)
		if (!F->pool[i].live && F->pool[i].id == pc.pool_id)
			F->pool[i].id = 0;
	memset(&F->pool[p], 0, sizeof(F->pool[p]));
	F->pool[p].live = true;
	F->pool[p].id = pc.pool_id;
	F->pool[p].slot_size = pc.slot_size;
	F->pool[p].slot_count = (uint32_t)pc.slot_count;
	for (i = 0; i < FZ_NTEN; i++)
		F->pool[p].quota[i] = KVTIER_QUOTA_UNLIMITED;
	{
		struct drm_kvtier_pool_info pi = { .pool_id = pc.pool_id };

		if (fz_ioctl(F->c[ci].fd, DRM_IOCTL_KVTIER_POOL_INFO, &pi))
			fz_fail("POOL_INFO of a new pool failed");
		if (!pi.serial)
			fz_fail("POOL_INFO: serial 0");
		for (i = 0; i < FZ_MAXP; i++)
			if (F->pool[i].id && F->pool[i].serial == pi.serial)
				fz_fail("pool %u has the serial of pool %u",
					pc.pool_id, F->pool[i].id);
		F->pool[p].serial = pi.serial;
	}
}

static void op_pool_destroy(int ci)
{
	struct drm_kvtier_pool_destroy pd;
	bool argbad;
	int p, err, want;

	memset(&pd, 0, sizeof(pd));
	p = pick_pool(&pd.pool_id);
	if (fz_chance(5))
		pd.flags = 1u << fz_below(32);
	err = call(ci, DRM_IOCTL_KVTIER_POOL_DESTROY, &pd, true, &argbad);
	fz_log("POOL_DESTROY c%d pool %u flags %x: %s", ci, pd.pool_id,
	       pd.flags, en(err));
	if (argbad)
		return;
	if (pd.flags || !F->c[ci].admin) {
		expect_fail("POOL_DESTROY (flags or not admin)", err);
		return;
	}
	if (p < 0) {
		/* Not ours: may be another test's leftover; must not succeed
		 * on an id that has no pool. */
		if (!err && pd.pool_id > KVTIER_MAX_POOLS)
			fz_fail("POOL_DESTROY of id %u succeeded", pd.pool_id);
		return;
	}
	want = F->pool[p].objects ? -EBUSY : 0;
	expect_rc("POOL_DESTROY", err, want);
	if (!err)
		F->pool[p].live = false;
}

static void op_pool_info(int ci)
{
	struct drm_kvtier_pool_info pi;
	bool argbad;
	int p, err;

	memset(&pi, 0, sizeof(pi));
	p = pick_pool(&pi.pool_id);
	if (fz_chance(5))
		pi.pad = 1;
	err = call(ci, DRM_IOCTL_KVTIER_POOL_INFO, &pi, false, &argbad);
	fz_log("POOL_INFO c%d pool %u: %s", ci, pi.pool_id, en(err));
	if (argbad)
		return;
	if (pi.pad) {
		expect_fail("POOL_INFO with pad", err);
		return;
	}
	if (p < 0)
		return;
	expect_rc("POOL_INFO", err, 0);
	if (pi.slot_count != F->pool[p].slot_count ||
	    pi.slot_size != F->pool[p].slot_size ||
	    pi.serial != F->pool[p].serial)
		fz_fail("POOL_INFO %u: geometry or serial differs", pi.pool_id);
}

static void op_quota(int ci)
{
	struct drm_kvtier_tenant_quota q;
	bool argbad, bad = false;
	int p, t = fz_below(FZ_NTEN + 2), err;

	memset(&q, 0, sizeof(q));
	p = pick_pool(&q.pool_id);
	q.tenant_id = t < FZ_NTEN ? F->tenant_id[t] :
				    (t == FZ_NTEN ? 0 : 999999);
	if (!q.tenant_id)
		bad = true;
	q.max_slots = fz_chance(30) ? KVTIER_QUOTA_UNLIMITED : fz_below(40);
	if (fz_chance(5)) {
		q.pad = 1;
		bad = true;
	}
	err = call(ci, DRM_IOCTL_KVTIER_TENANT_QUOTA, &q, true, &argbad);
	fz_log("TENANT_QUOTA c%d tenant %llu pool %u max %llu: %s", ci,
	       (unsigned long long)q.tenant_id, q.pool_id,
	       (unsigned long long)q.max_slots, en(err));
	if (argbad)
		return;
	if (bad || !F->c[ci].admin || p < 0) {
		if (p >= 0 || bad || !F->c[ci].admin)
			expect_fail("TENANT_QUOTA (bad, non-admin or no pool)",
				    err);
		return;
	}
	expect_rc("TENANT_QUOTA", err, 0);
	if (t < FZ_NTEN && q.tenant_id)
		F->pool[p].quota[t] = q.max_slots;
}

static void op_tenant_info(int ci)
{
	struct drm_kvtier_tenant_usage u;
	bool argbad;
	int p, t = fz_below(FZ_NTEN + 1), err;

	memset(&u, 0, sizeof(u));
	p = pick_pool(&u.pool_id);
	u.tenant_id = t < FZ_NTEN ? F->tenant_id[t] : 0;
	/* 0 is the caller's own (also a tenant not seen yet). */
	if (!u.tenant_id)
		t = F->c[ci].ten;
	if (fz_chance(4))
		u.pad = 1;
	err = call(ci, DRM_IOCTL_KVTIER_TENANT_INFO, &u, false, &argbad);
	fz_log("TENANT_INFO c%d tenant %llu pool %u: %s", ci,
	       (unsigned long long)u.tenant_id, u.pool_id, en(err));
	if (argbad)
		return;
	if (u.pad) {
		expect_fail("TENANT_INFO with pad", err);
		return;
	}
	if (F->tenant_id[t] != ten_id(ci) && !F->c[ci].admin) {
		expect_rc("TENANT_INFO of another tenant", err, -EPERM);
		return;
	}
	if (p < 0)
		return;
	expect_rc("TENANT_INFO", err, 0);
	if (u.slots_used != F->pool[p].t_used[t] ||
	    u.objects != F->pool[p].t_objects[t] ||
	    u.max_slots != F->pool[p].quota[t])
		fz_fail("TENANT_INFO tenant %d pool %u: used %llu objects %llu "
			"max %llu, the model says %llu %u %llu", t, u.pool_id,
			(unsigned long long)u.slots_used,
			(unsigned long long)u.objects,
			(unsigned long long)u.max_slots,
			(unsigned long long)F->pool[p].t_used[t],
			F->pool[p].t_objects[t],
			(unsigned long long)F->pool[p].quota[t]);
}

static void op_tenant_list(int ci)
{
	struct drm_kvtier_tenant_list l;
	struct drm_kvtier_tenant_usage *e = (void *)g_buf;
	enum ptr_how how;
	bool argbad, bad;
	int err;

	memset(&l, 0, sizeof(l));
	l.count = mutate_count(fz_below(8), &bad);
	if (l.count == 0)
		bad = false;	/* 0 asks for the total only */
	l.first = fz_chance(80) ? fz_below(4) : 0xfffffff0u;
	if (fz_chance(4)) {
		l.flags = 1;
		bad = true;
	}
	l.entries_ptr = place(l.count <= KVTIER_MAX_BATCH ?
				      l.count * sizeof(*e) : 0,
			      5, true, &how);
	err = call(ci, DRM_IOCTL_KVTIER_TENANT_LIST, &l, false, &argbad);
	fz_log("TENANT_LIST c%d count %u first %u ptr %d: %s", ci, l.count,
	       l.first, how, en(err));
	if (argbad)
		return;
	/* A list that writes no entry (first past the end) reads no pointer. */
	if (how != P_OK && !bad && F->c[ci].admin && !err && !l.count)
		return;
	if (bad || how != P_OK || !F->c[ci].admin) {
		if (!err)
			fz_fail("TENANT_LIST count %u flags %u ptr %d admin %d: "
				"accepted, must fail", l.count, l.flags, how,
				F->c[ci].admin);
		return;
	}
	expect_rc("TENANT_LIST", err, 0);
}

/* ---- objects ---------------------------------------------------------------- */

static bool key_taken(const struct drm_kvtier_key *k, uint64_t tenant)
{
	int i;

	for (i = 0; i < FZ_MAXO; i++) {
		const struct fz_obj *o = &F->obj[i];

		if ((o->state == FZ_WRITING || o->state == FZ_READY) &&
		    o->tenant == tenant && o->key.lo == k->lo &&
		    o->key.hi == k->hi)
			return true;
	}
	return false;
}

/* Whether runs of @n[] slots fit the pool's known-free slots, first fit. */
static bool fits(const struct fz_pool *p, const uint32_t *n, uint32_t count)
{
	uint64_t used = p->used;
	uint32_t i, s;

	for (i = 0; i < count; i++) {
		for (s = 0; s + n[i] <= p->slot_count; s++) {
			uint64_t m = n[i] >= 64 ? ~0ull :
						  ((1ull << n[i]) - 1) << s;

			if (!(used & m)) {
				used |= m;
				break;
			}
		}
		if (s + n[i] > p->slot_count)
			return false;
	}
	return true;
}

/* Whether pool @p has runs the model has not seen placed. */
static bool unplaced(int p)
{
	int i;

	for (i = 0; i < FZ_MAXO; i++)
		if (F->obj[i].state != FZ_DEAD && F->obj[i].pool == p &&
		    F->obj[i].slots && F->obj[i].first == UINT32_MAX)
			return true;
	return false;
}

static void op_alloc(int ci)
{
	struct drm_kvtier_alloc_item *it = (void *)g_buf, save[16];
	struct drm_kvtier_obj_alloc a;
	uint32_t n = 1 + fz_below(fz_chance(80) ? 3 : 12), i, j;
	uint32_t slots[16], total = 0;
	bool argbad, bad, global;
	enum ptr_how how;
	uint64_t tenant;
	int p, err, want = 0, ten;
	struct fz_pool *pool;

	memset(&a, 0, sizeof(a));
	p = pick_pool(&a.pool_id);
	global = fz_chance(10);
	a.flags = global ? KVTIER_ALLOC_GLOBAL : 0;
	memset(it, 0, sizeof(*it) * n);
	for (i = 0; i < n; i++) {
		it[i].key = pick_key();
		it[i].size = 1 + fz_below(p >= 0 ? (uint32_t)(F->pool[p].slot_size
							     * 3) : 8192);
		if (fz_chance(2))
			it[i].size = 0;
		if (fz_chance(2))
			it[i].size = 1ull << 40;
	}
	if (fz_chance(3))
		it[fz_below(n)].pad = 1;
	if (fz_chance(3))
		a.flags |= 1u << (1 + fz_below(31));
	memcpy(save, it, sizeof(*it) * n);
	a.count = mutate_count(n, &bad);
	a.items_ptr = place(n * sizeof(*it), 4, true, &how);
	err = call(ci, DRM_IOCTL_KVTIER_OBJ_ALLOC, &a, true, &argbad);
	fz_log("OBJ_ALLOC c%d pool %u n %u count %u flags %x ptr %d: %s "
	       "(failed_index %u)", ci, a.pool_id, n, a.count, a.flags, how,
	       en(err), a.failed_index);
	if (argbad)
		return;
	if (a.flags & ~KVTIER_ALLOC_FLAGS) {
		expect_rc("OBJ_ALLOC with unknown flags", err, -EINVAL);
		return;
	}
	if (global && !F->c[ci].admin) {
		expect_rc("OBJ_ALLOC GLOBAL by a non-admin", err, -EPERM);
		return;
	}
	if (bad || how != P_OK) {
		expect_fail("OBJ_ALLOC with a bad count or pointer", err);
		return;
	}
	for (i = 0; i < n; i++)
		if (save[i].pad) {
			expect_rc("OBJ_ALLOC with an item pad", err, -EINVAL);
			return;
		}
	if (p < 0) {
		expect_rc("OBJ_ALLOC in no pool", err, -ENOENT);
		return;
	}
	pool = &F->pool[p];
	tenant = global ? 0 : ten_id(ci);
	ten = global ? FZ_NTEN : F->c[ci].ten;
	for (i = 0; i < n && !want; i++) {
		uint64_t k = save[i].size / pool->slot_size +
			     !!(save[i].size % pool->slot_size);

		if (!save[i].size)
			want = -EINVAL;
		else if (k > pool->slot_count)
			want = -ENOSPC;
		slots[i] = (uint32_t)k;
		total += (uint32_t)k;
	}
	for (i = 0; i < n && !want; i++)
		for (j = 0; j < i; j++)
			if (save[i].key.lo == save[j].key.lo &&
			    save[i].key.hi == save[j].key.hi)
				want = -EEXIST;
	for (i = 0; i < n && !want; i++)
		if (key_taken(&save[i].key, tenant))
			want = -EEXIST;
	if (!want) {
		bool quota = pool->t_used[ten] + total > pool->quota[ten] &&
			     ten < FZ_NTEN;
		bool space = fz_pool_free(pool) >= total && fits(pool, slots, n);

		if (quota && !space) {
			if (err != -EDQUOT && err != -ENOSPC)
				fz_fail("OBJ_ALLOC over quota and space: %s",
					en(err));
			return;
		}
		if (quota)
			want = -EDQUOT;
		else if (!space) {
			/* Runs the model cannot place (unplaced DISK copies). */
			if (err == -ENOSPC || fz_pool_free(pool) < total)
				want = -ENOSPC;
		} else if (err == -ENOSPC && (n > 1 || unplaced(p))) {
			/*
			 * Another placement order may not fit, or slots of
			 * DISK->HOST copies not yet received (which the
			 * model cannot place) are in the way.
			 */
			return;
		}
	}
	expect_rc("OBJ_ALLOC", err, want);
	if (err)
		return;
	if (a.failed_index != n)
		fz_fail("OBJ_ALLOC: failed_index %u on success", a.failed_index);
	for (i = 0; i < n; i++) {
		int k = fz_obj_new();
		struct fz_obj *o;

		if (k < 0)
			fz_fail("model: no room for objects");
		o = &F->obj[k];
		if (!it[i].handle || fz_obj_by_handle(it[i].handle) >= 0)
			fz_fail("OBJ_ALLOC: handle %llx is 0 or live",
				(unsigned long long)it[i].handle);
		if (it[i].slot_count != slots[i] ||
		    it[i].offset % pool->slot_size ||
		    it[i].offset / pool->slot_size + slots[i] >
			    pool->slot_count)
			fz_fail("OBJ_ALLOC: item %u: %u slots at %llu", i,
				it[i].slot_count,
				(unsigned long long)it[i].offset);
		o->state = FZ_WRITING;
		o->handle = it[i].handle;
		o->key = save[i].key;
		o->pool = p;
		o->tenant = tenant;
		o->ten = global ? -1 : F->c[ci].ten;
		o->size = save[i].size;
		o->first = (uint32_t)(it[i].offset / pool->slot_size);
		o->nslots = slots[i];
		o->slots = o->host = true;
		o->creator = ci;
		o->refs = 1u << ci;
		if (fz_charge(pool, ten, o->first, o->nslots))
			fz_fail("OBJ_ALLOC: item %u's slots %u..%u are held by "
				"another object", i, o->first,
				o->first + o->nslots - 1);
		pool->objects++;
		pool->t_objects[ten]++;
		F->allocs++;
	}
}

/* The model's result of one OBJ_BATCH item, applied. */
static int batch_one(int ci, uint32_t op, uint64_t handle, uint32_t tier)
{
	int k = fz_obj_by_handle(handle);
	struct fz_obj *o = k >= 0 ? &F->obj[k] : NULL;
	bool ref;

	if (!o)
		return -ENOENT;
	if (op == KVTIER_OP_FREE) {
		if (o->tenant != ten_id(ci) && !F->c[ci].admin)
			return o->tenant ? -ENOENT : -EPERM;
		if (o->state == FZ_EVICTING)
			return -ENOENT;
		if (o->pin_total[0] || o->pin_total[1] || o->pin_total[2])
			return -EBUSY;
		fz_evict(o);
		return 0;
	}
	if (!visible(ci, o))
		return -ENOENT;
	if (op == KVTIER_OP_COMMIT) {
		if (o->state != FZ_WRITING || o->creator != ci)
			return -EINVAL;
		o->state = FZ_READY;
		o->creator = -1;
		F->commits++;
		return 0;
	}
	ref = o->refs & (1u << ci);
	if (!ref)
		return -EACCES;
	switch (op) {
	case KVTIER_OP_PIN:
		if (o->state != FZ_READY ||
		    !(fz_tiers(o) & KVTIER_TIER_BIT(tier)))
			return -EINVAL;
		fz_pin(o, ci, tier);
		return 0;
	case KVTIER_OP_UNPIN:
		if (!o->pins[ci][tier])
			return -EINVAL;
		fz_unpin(o, ci, tier);
		return 0;
	default:
		fz_drop_ref(ci, o);
		return 0;
	}
}

static void op_batch(int ci)
{
	struct drm_kvtier_obj_op *it = (void *)g_buf, save[16];
	struct drm_kvtier_obj_batch b;
	uint32_t n = 1 + fz_below(fz_chance(80) ? 3 : 16), i, failed = 0;
	uint32_t op = fz_below(KVTIER_OP_COUNT);
	bool argbad, bad, tierbad = false, pin;
	int res[16];
	enum ptr_how how;
	int err;

	if (fz_chance(3))
		op = KVTIER_OP_COUNT + fz_below(5);
	pin = op == KVTIER_OP_PIN || op == KVTIER_OP_UNPIN;
	memset(&b, 0, sizeof(b));
	for (i = 0; i < n; i++) {
		it[i].handle = pick_handle(ci);
		it[i].tier = pin ? (fz_chance(60) ? KVTIER_TIER_HOST :
						    fz_below(3)) : 0;
		it[i].result = 12345;
		if (fz_chance(2)) {
			it[i].tier = pin ? 3 + fz_below(5) : 1 + fz_below(3);
			tierbad = true;
		}
	}
	memcpy(save, it, sizeof(*it) * n);
	b.op = op;
	b.count = mutate_count(n, &bad);
	if (fz_chance(3)) {
		b.flags = 1u << fz_below(32);
		bad = true;
	}
	b.items_ptr = place(n * sizeof(*it), 4, true, &how);
	err = call(ci, DRM_IOCTL_KVTIER_OBJ_BATCH, &b, true, &argbad);
	fz_log("OBJ_BATCH c%d op %u n %u count %u ptr %d: %s failed %u", ci,
	       op, n, b.count, how, en(err), b.failed);
	if (argbad)
		return;
	if (bad || how != P_OK || tierbad || op >= KVTIER_OP_COUNT) {
		expect_fail("OBJ_BATCH (bad op, count, tier, flags, pointer)",
			    err);
		return;
	}
	expect_rc("OBJ_BATCH", err, 0);
	for (i = 0; i < n; i++) {
		res[i] = batch_one(ci, op, save[i].handle, save[i].tier);
		failed += res[i] != 0;
	}
	for (i = 0; i < n; i++)
		if (it[i].result != res[i])
			fz_fail("OBJ_BATCH op %u item %u (handle %llx tier %u): "
				"%s, the model says %s", op, i,
				(unsigned long long)save[i].handle,
				save[i].tier, en(it[i].result), en(res[i]));
	if (b.failed != failed)
		fz_fail("OBJ_BATCH: failed %u, the model says %u", b.failed,
			failed);
}

static void op_lookup(int ci)
{
	struct drm_kvtier_key *keys = (void *)g_buf;
	static struct drm_kvtier_lookup_result r[64];
	struct drm_kvtier_lookup l;
	uint32_t n = 1 + fz_below(fz_chance(85) ? 4 : 40), i, hits = 0;
	uint32_t prefix = 0;
	struct drm_kvtier_key save[64];
	enum ptr_how how;
	bool argbad, bad, stop, missed = false;
	int err, k;

	memset(&l, 0, sizeof(l));
	for (i = 0; i < n; i++)
		keys[i] = save[i] = pick_key();
	l.flags = fz_below(4);
	if (fz_chance(3))
		l.flags |= 1u << (2 + fz_below(30));
	l.count = mutate_count(n, &bad);
	l.keys_ptr = place(n * sizeof(*keys), 3, false, &how);
	l.results_ptr = (uintptr_t)r;
	if (how == P_OK && fz_chance(3)) {
		how = fz_chance(50) ? P_NULL : P_RO;
		l.results_ptr = how == P_NULL ? 0 : (uintptr_t)g_ro;
	}
	err = call(ci, DRM_IOCTL_KVTIER_LOOKUP, &l, true, &argbad);
	fz_log("LOOKUP c%d n %u count %u flags %x ptr %d: %s hits %u", ci, n,
	       l.count, l.flags, how, en(err), l.hits);
	if (argbad)
		return;
	if (bad || how != P_OK || (l.flags & ~KVTIER_LOOKUP_FLAGS)) {
		expect_fail("LOOKUP (bad flags, count or pointer)", err);
		return;
	}
	expect_rc("LOOKUP", err, 0);
	stop = l.flags & KVTIER_LOOKUP_STOP_AT_MISS;
	for (i = 0; i < n; i++) {
		struct fz_obj *own = NULL, *glob = NULL, *o;

		if (stop && missed) {
			if (r[i].flags || r[i].handle)
				fz_fail("LOOKUP: result %u after a stop", i);
			continue;
		}
		for (k = 0; k < FZ_MAXO; k++) {
			o = &F->obj[k];
			if (o->state != FZ_READY || o->key.lo != save[i].lo ||
			    o->key.hi != save[i].hi)
				continue;
			if (o->tenant == ten_id(ci))
				own = o;
			else if (!o->tenant)
				glob = o;
		}
		o = NULL;
		if (r[i].flags & KVTIER_LOOKUP_PRESENT) {
			if (own && own->handle == r[i].handle)
				o = own;
			else if (glob && glob->handle == r[i].handle)
				o = glob;
			if (!o)
				fz_fail("LOOKUP: key %u hit handle %llx the "
					"model does not see for this tenant",
					i, (unsigned long long)r[i].handle);
			hits++;
			if (!missed)
				prefix++;
			if (r[i].pool_id != F->pool[o->pool].id ||
			    r[i].size != o->size || r[i].tiers != fz_tiers(o) ||
			    (o->host && r[i].offset != (uint64_t)o->first *
					    F->pool[o->pool].slot_size &&
			     o->first != UINT32_MAX) ||
			    !!(r[i].flags & KVTIER_LOOKUP_GLOBAL) != !o->tenant)
				fz_fail("LOOKUP: key %u: pool %u size %llu "
					"tiers %x offset %llu flags %x differ "
					"from the model", i, r[i].pool_id,
					(unsigned long long)r[i].size,
					r[i].tiers,
					(unsigned long long)r[i].offset,
					r[i].flags);
			if (l.flags & KVTIER_LOOKUP_ACQUIRE) {
				bool had = o->refs & (1u << ci);

				if (!!(r[i].flags & KVTIER_LOOKUP_ACQUIRED) ==
				    had)
					fz_fail("LOOKUP: ACQUIRED %d but the "
						"client held it: %d", !had, had);
				o->refs |= 1u << ci;
			} else if (r[i].flags & KVTIER_LOOKUP_ACQUIRED) {
				fz_fail("LOOKUP: ACQUIRED without ACQUIRE");
			}
		} else {
			if (own || glob)
				fz_fail("LOOKUP: key %u missed, the model has "
					"handle %llx", i,
					(unsigned long long)(own ? own : glob)
						->handle);
			missed = true;
		}
	}
	if (l.hits != hits || l.prefix != prefix)
		fz_fail("LOOKUP: hits %u prefix %u, the model says %u %u",
			l.hits, l.prefix, hits, prefix);
}

/* ---- fetch, regions ------------------------------------------------------ */

static int region_of(int ci, uint32_t id)
{
	int i;

	for (i = 0; i < FZ_MAXR; i++)
		if (F->region[i].live && F->region[i].id == id &&
		    (ci < 0 || F->region[i].owner == ci))
			return i;
	return -1;
}

static int work_new(void)
{
	int i;

	for (i = 0; i < FZ_MAXW; i++)
		if (!F->work[i].live) {
			memset(&F->work[i], 0, sizeof(F->work[i]));
			F->work[i].live = true;
			return i;
		}
	return -1;
}

/* The model's result of one FETCH item; queues work (1) into @fi. */
static int fetch_one(int ci, const struct drm_kvtier_fetch_item *it, int fi)
{
	int k = fz_obj_by_handle(it->handle), w, r;
	struct fz_obj *o = k >= 0 ? &F->obj[k] : NULL;
	struct fz_pool *p;
	int ten;

	if (!o || !visible(ci, o))
		return -ENOENT;
	if (!(o->refs & (1u << ci)))
		return -EACCES;
	if (o->state != FZ_READY)
		return -EINVAL;
	p = &F->pool[o->pool];
	ten = o->ten < 0 ? FZ_NTEN : o->ten;
	if (it->tier == KVTIER_TIER_HOST) {
		if (o->host) {
			fz_pin(o, ci, KVTIER_TIER_HOST);
			return 0;
		}
		if (o->host_work >= 0) {
			w = o->host_work;
			F->work[w].waiters[F->work[w].nwait++] = fi;
			return 1;
		}
		if (!o->disk)
			return -EINVAL;
		if (ten < FZ_NTEN &&
		    p->t_used[ten] + o->nslots > p->quota[ten])
			return -EDQUOT;
		if (fz_pool_free(p) < o->nslots)
			return -ENOSPC;
		w = work_new();
		o->slots = true;
		o->first = UINT32_MAX;	/* learnt when the work is received */
		fz_charge(p, ten, UINT32_MAX, o->nslots);
		o->host_work = w;
		F->work[w].src_tier = KVTIER_TIER_DISK;
	} else {
		r = region_of(ci, it->region_id);
		if (r < 0)
			return -ENOENT;
		if (it->offset > F->region[r].size ||
		    o->size > F->region[r].size - it->offset)
			return -EINVAL;
		if (!o->host && !o->disk)
			return -EINVAL;
		w = work_new();
		F->work[w].src_tier = o->host ? KVTIER_TIER_HOST :
						KVTIER_TIER_DISK;
		if (o->host)
			o->pin_total[KVTIER_TIER_HOST]++;
		F->work[w].region_id = it->region_id;
		F->work[w].region_seq = F->region[r].seq;
	}
	F->work[w].obj = k;
	F->work[w].dst_tier = it->tier;
	F->work[w].waiters[0] = fi;
	F->work[w].nwait = 1;
	F->queue[F->nqueue++] = w;
	o->work_refs++;
	return 1;
}

static int fetch_new(void)
{
	int i;

	for (i = 0; i < FZ_MAXF; i++)
		if (!F->fetch[i].live)
			return i;
	return -1;
}

static void op_fetch(int ci)
{
	struct drm_kvtier_fetch_item *it = (void *)g_buf, save[8];
	struct drm_kvtier_fetch f;
	uint32_t n = 1 + fz_below(4), i, pending = 0, failed = 0;
	bool argbad, bad, itembad = false;
	enum ptr_how how;
	int err, fi, res[8], nw = 0;

	for (i = 0; i < FZ_MAXW; i++)
		nw += F->work[i].live;
	fi = fetch_new();
	if (fi < 0 || nw + 8 > FZ_MAXW)
		return;
	memset(&f, 0, sizeof(f));
	memset(it, 0, sizeof(*it) * n);
	for (i = 0; i < n; i++) {
		it[i].handle = pick_handle(ci);
		it[i].result = 12345;
		if (fz_chance(60)) {
			it[i].tier = KVTIER_TIER_HOST;
		} else {
			int r = fz_below(FZ_MAXR);

			it[i].tier = KVTIER_TIER_DEVICE;
			it[i].region_id = F->region[r].id ? F->region[r].id :
							    1 + fz_below(8);
			it[i].offset = fz_chance(70) ? 0 :
				       fz_below(3) * g_page + fz_below(2);
		}
		switch (fz_below(40)) {
		case 0: it[i].pad = 1; itembad = true; break;
		case 1: it[i].tier = 2 + fz_below(5); itembad = true; break;
		case 2:
			if (it[i].tier == KVTIER_TIER_HOST) {
				it[i].offset = g_page;
				itembad = true;
			}
			break;
		default: break;
		}
	}
	memcpy(save, it, sizeof(*it) * n);
	f.count = mutate_count(n, &bad);
	f.user_data = fz_rand();
	if (fz_chance(3)) {
		if (fz_below(2))
			f.flags = 1;
		else
			f.pad = 1;
		bad = true;
	}
	f.items_ptr = place(n * sizeof(*it), 4, true, &how);
	err = call(ci, DRM_IOCTL_KVTIER_FETCH, &f, true, &argbad);
	fz_log("FETCH c%d n %u count %u ptr %d: %s id %u pending %u failed %u",
	       ci, n, f.count, how, en(err), f.fetch_id, f.pending, f.failed);
	if (argbad)
		return;
	if (bad || how != P_OK || itembad) {
		expect_fail("FETCH (bad flags, count, item or pointer)", err);
		return;
	}
	if (F->c[ci].ev_used >= FZ_EVENT_ROOM) {
		expect_rc("FETCH with the event space full", err, -EAGAIN);
		return;
	}
	expect_rc("FETCH", err, 0);
	F->fetch[fi] = (struct fz_fetch){ .live = true, .client = ci,
					  .id = f.fetch_id,
					  .user_data = f.user_data };
	for (i = 0; i < n; i++) {
		res[i] = fetch_one(ci, &save[i], fi);
		pending += res[i] == 1;
		failed += res[i] < 0;
	}
	for (i = 0; i < n; i++)
		if (it[i].result != res[i])
			fz_fail("FETCH item %u (handle %llx tier %u region %u "
				"offset %llu): %s, the model says %s", i,
				(unsigned long long)save[i].handle,
				save[i].tier, save[i].region_id,
				(unsigned long long)save[i].offset,
				en(it[i].result), en(res[i]));
	if (f.pending != pending || f.failed != failed)
		fz_fail("FETCH: pending %u failed %u, the model says %u %u",
			f.pending, f.failed, pending, failed);
	F->fetch[fi].pending = pending;
	if (pending)
		F->c[ci].ev_used++;
	else
		F->fetch[fi].live = false;
}

static void op_read_events(int ci)
{
	struct pollfd pfd = { .fd = F->c[ci].fd, .events = POLLIN };
	struct drm_kvtier_event_fetch ev[8];
	bool want = false, ready;
	ssize_t n, off;
	int i;

	for (i = 0; i < FZ_MAXF; i++)
		if (F->fetch[i].live && F->fetch[i].client == ci &&
		    !F->fetch[i].pending)
			want = true;
	ready = poll(&pfd, 1, 0) == 1;
	fz_log("read events c%d: ready %d", ci, ready);
	if (ready != want)
		fz_fail("fd of c%d %s readable, the model %s an event", ci,
			ready ? "is" : "is not",
			want ? "has" : "has no");
	if (!ready)
		return;
	n = read(F->c[ci].fd, ev, sizeof(ev));
	if (n <= 0 || n % (ssize_t)sizeof(ev[0]))
		fz_fail("read of events: %zd", n);
	for (off = 0; off < n / (ssize_t)sizeof(ev[0]); off++) {
		const struct drm_kvtier_event_fetch *e = &ev[off];
		bool found = false;

		for (i = 0; i < FZ_MAXF && !found; i++) {
			struct fz_fetch *f = &F->fetch[i];

			if (!f->live || f->client != ci || f->pending ||
			    f->id != e->fetch_id)
				continue;
			found = true;
			if (e->base.type != DRM_KVTIER_EVENT_FETCH_DONE ||
			    e->user_data != f->user_data ||
			    e->completed != f->completed ||
			    e->failed != f->failed)
				fz_fail("event of fetch %u: completed %u "
					"failed %u, the model says %u %u",
					f->id, e->completed, e->failed,
					f->completed, f->failed);
			f->live = false;
			F->c[ci].ev_used--;
		}
		if (!found)
			fz_fail("event of fetch %u the model does not expect",
				e->fetch_id);
	}
}

static void op_region_register(int ci)
{
	struct drm_kvtier_region_register rr;
	bool argbad, bad = false;
	int err, r, memfd = -1, i;

	for (r = 0; r < FZ_MAXR; r++)
		if (!F->region[r].live)
			break;
	if (r == FZ_MAXR)
		return;
	memset(&rr, 0, sizeof(rr));
	rr.size = fz_chance(50) ? 4 * g_page : 1 + fz_below(16 * 4096);
	rr.cookie = fz_rand();
	rr.kind = fz_chance(70) ? KVTIER_REGION_KIND_NONE :
				  KVTIER_REGION_KIND_MEMFD;
	rr.fd = -1;
	if (rr.kind == KVTIER_REGION_KIND_MEMFD) {
		memfd = memfd_create("fz-region", MFD_CLOEXEC |
						  MFD_ALLOW_SEALING);
		if (memfd < 0 || ftruncate(memfd, (off_t)(16 * 4096)))
			fz_fail("memfd: %s", strerror(errno));
		if (fz_chance(90))
			fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK);
		else
			bad = true;	/* not sealed: -EINVAL */
		rr.fd = memfd;
	}
	switch (fz_below(20)) {
	case 0: rr.size = 0; bad = true; break;
	case 1: rr.flags = 1; bad = true; break;
	case 2: rr.kind = KVTIER_REGION_KIND_COUNT + fz_below(4); bad = true;
		break;
	case 3:
		if (rr.kind == KVTIER_REGION_KIND_MEMFD) {
			rr.size = 17 * 4096;	/* past the file */
			bad = true;
		}
		break;
	case 4:
		if (rr.kind == KVTIER_REGION_KIND_MEMFD) {
			rr.fd = F->c[ci].fd;	/* not a memfd */
			bad = true;
		}
		break;
	default: break;
	}
	err = call(ci, DRM_IOCTL_KVTIER_REGION_REGISTER, &rr, true, &argbad);
	fz_log("REGION_REGISTER c%d kind %u size %llu: %s id %u", ci, rr.kind,
	       (unsigned long long)rr.size, en(err), rr.region_id);
	if (argbad || bad) {
		if (!argbad)
			expect_fail("REGION_REGISTER with a bad field", err);
		if (memfd >= 0)
			close(memfd);
		return;
	}
	if (err == -ENOSPC) {	/* 256 ids taken: not by this model */
		if (memfd >= 0)
			close(memfd);
		return;
	}
	expect_rc("REGION_REGISTER", err, 0);
	if (!rr.region_id || rr.region_id > KVTIER_MAX_REGIONS ||
	    region_of(-1, rr.region_id) >= 0)
		fz_fail("REGION_REGISTER gave id %u, 0, out of range or live",
			rr.region_id);
	for (i = 0; i < FZ_MAXR; i++)
		if (F->region[i].id == rr.region_id && !F->region[i].live)
			F->region[i].id = 0;
	/*
	 * The region holds its own reference on the file: ours goes now
	 * (a forked child's copy of the number would mean another file in
	 * the parent).
	 */
	if (memfd >= 0)
		close(memfd);
	F->region[r] = (struct fz_region){ .live = true, .id = rr.region_id,
					   .owner = ci, .size = rr.size,
					   .kind = rr.kind, .memfd = -1,
					   .seq = ++F->region_seq };
}

static void op_region_unregister(int ci)
{
	struct drm_kvtier_region_unregister ru;
	bool argbad;
	int r = fz_below(FZ_MAXR), mine, err;

	memset(&ru, 0, sizeof(ru));
	ru.region_id = F->region[r].id ? F->region[r].id : fz_below(300);
	if (fz_chance(4))
		ru.flags = 1;
	err = call(ci, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &ru, true, &argbad);
	fz_log("REGION_UNREGISTER c%d id %u: %s", ci, ru.region_id, en(err));
	if (argbad)
		return;
	if (ru.flags) {
		expect_fail("REGION_UNREGISTER with flags", err);
		return;
	}
	mine = region_of(ci, ru.region_id);
	expect_rc("REGION_UNREGISTER", err, mine < 0 ? -ENOENT : 0);
	if (mine >= 0) {
		F->region[mine].live = false;
		fz_region_gone(mine);
		if (F->region[mine].memfd >= 0)
			close(F->region[mine].memfd);
	}
}

static void op_region_get_fd(int ci)
{
	struct drm_kvtier_region_get_fd g;
	int r = fz_below(FZ_MAXR), k, err, want;
	bool argbad;

	memset(&g, 0, sizeof(g));
	g.region_id = F->region[r].id ? F->region[r].id : fz_below(300);
	if (fz_chance(30) && F->region[r].gen)
		g.gen = F->region[r].gen + (fz_chance(30) ? 1 : 0);
	if (fz_chance(4))
		g.flags = 1;
	err = call(ci, DRM_IOCTL_KVTIER_REGION_GET_FD, &g, true, &argbad);
	fz_log("REGION_GET_FD c%d id %u gen %u: %s", ci, g.region_id, g.gen,
	       en(err));
	if (!err)
		close(g.fd);
	if (argbad)
		return;
	if (g.flags) {
		expect_fail("REGION_GET_FD with flags", err);
		return;
	}
	if (!F->c[ci].manager) {
		expect_rc("REGION_GET_FD by a non-manager", err, -EPERM);
		return;
	}
	k = region_of(-1, g.region_id);
	if (k < 0)
		want = -ENOENT;
	else if (g.gen && F->region[k].gen && g.gen != F->region[k].gen)
		want = -ESTALE;
	else if (F->region[k].kind == KVTIER_REGION_KIND_NONE)
		want = -ENODEV;
	else
		want = 0;
	if (k >= 0 && g.gen && !F->region[k].gen)
		return;		/* a generation the model has not seen */
	expect_rc("REGION_GET_FD", err, want);
	if (!err) {
		if (F->region[k].gen && g.gen != F->region[k].gen)
			fz_fail("REGION_GET_FD: gen %u, was %u", g.gen,
				F->region[k].gen);
		F->region[k].gen = g.gen;
		if (g.size != F->region[k].size ||
		    g.tenant_id != ten_id(F->region[k].owner))
			fz_fail("REGION_GET_FD: size or tenant differs");
	}
}

/* ---- the manager ------------------------------------------------------ */

static void op_attach(int ci)
{
	struct drm_kvtier_manager_attach ma;
	bool argbad;
	int err, want = 0, i;

	memset(&ma, 0, sizeof(ma));
	if (fz_chance(4))
		ma.flags = 1;
	if (fz_chance(4))
		ma.pad = 1;
	err = call(ci, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma, true, &argbad);
	fz_log("MANAGER_ATTACH c%d: %s requeued %llu", ci, en(err),
	       (unsigned long long)ma.requeued);
	if (argbad)
		return;
	if (ma.flags || ma.pad) {
		expect_rc("MANAGER_ATTACH with flags or pad", err, -EINVAL);
		return;
	}
	if (!F->c[ci].admin)
		want = -EPERM;
	for (i = 0; i < FZ_MAXC && !want; i++)
		if (F->c[i].open && F->c[i].manager && i != ci)
			want = -EBUSY;
	expect_rc("MANAGER_ATTACH", err, want);
	if (err)
		return;
	/* Work that others left queued before the run counts too. */
	if (ma.requeued != F->base.work_pending + (uint64_t)F->nqueue)
		fz_fail("MANAGER_ATTACH: requeued %llu, the model has %d "
			"queued", (unsigned long long)ma.requeued, F->nqueue);
	F->c[ci].manager = true;
}

static void op_work_recv(int ci)
{
	struct drm_kvtier_work_item *it = (void *)g_buf;
	struct drm_kvtier_work_recv wr;
	uint32_t room = 1 + fz_below(6), i;
	enum ptr_how how;
	bool argbad, bad = false;
	int err, want;

	memset(&wr, 0, sizeof(wr));
	wr.count = room;
	if (fz_chance(3)) {
		wr.flags = 1;
		bad = true;
	}
	wr.items_ptr = place(room * sizeof(*it), 4, true, &how);
	err = call(ci, DRM_IOCTL_KVTIER_WORK_RECV, &wr, true, &argbad);
	fz_log("WORK_RECV c%d room %u ptr %d: %s count %u", ci, room, how,
	       en(err), wr.count);
	if (argbad)
		return;
	if (bad) {
		expect_fail("WORK_RECV with flags", err);
		return;
	}
	if (!F->c[ci].manager)
		want = -EPERM;
	else if (how != P_OK)
		want = -EFAULT;	/* proven writable before any is taken */
	else if (!F->nqueue)
		want = -ETIME;
	else
		want = 0;
	expect_rc("WORK_RECV", err, want);
	if (err)
		return;
	if (wr.count != (room < (uint32_t)F->nqueue ? room : (uint32_t)F->nqueue))
		fz_fail("WORK_RECV: %u items, the model has %d queued",
			wr.count, F->nqueue);
	for (i = 0; i < wr.count; i++) {
		int wi = F->queue[0];
		struct fz_work *w = &F->work[wi];
		struct fz_obj *o = &F->obj[w->obj];

		if (it[i].handle != o->handle || it[i].dst_tier != w->dst_tier ||
		    it[i].src_tier != w->src_tier ||
		    it[i].pool_id != F->pool[o->pool].id ||
		    it[i].region_id != w->region_id ||
		    it[i].op != KVTIER_WORK_FETCH ||
		    it[i].tenant_id != o->tenant || it[i].size != o->size)
			fz_fail("WORK_RECV item %u: handle %llx %u->%u region "
				"%u; the model's next is %llx %u->%u region %u",
				i, (unsigned long long)it[i].handle,
				it[i].src_tier, it[i].dst_tier,
				it[i].region_id,
				(unsigned long long)o->handle, w->src_tier,
				w->dst_tier, w->region_id);
		w->work_id = it[i].work_id;
		w->region_gen = it[i].region_gen;
		if (w->dst_tier == KVTIER_TIER_DEVICE) {
			int r = region_of(-1, w->region_id);

			if (r >= 0 && F->region[r].seq == w->region_seq) {
				if (F->region[r].gen &&
				    F->region[r].gen != w->region_gen)
					fz_fail("WORK_RECV: region gen %u, was "
						"%u", w->region_gen,
						F->region[r].gen);
				F->region[r].gen = w->region_gen;
			}
		}
		if (w->dst_tier == KVTIER_TIER_HOST && o->first == UINT32_MAX) {
			struct fz_pool *p = &F->pool[o->pool];

			o->first = (uint32_t)(it[i].dst_offset / p->slot_size);
			p->t_used[o->ten < 0 ? FZ_NTEN : o->ten] -= o->nslots;
			if (it[i].dst_offset % p->slot_size ||
			    fz_charge(p, o->ten < 0 ? FZ_NTEN : o->ten,
				      o->first, o->nslots))
				fz_fail("WORK_RECV: DISK->HOST into slots "
					"%u..%u, held by another object",
					o->first, o->first + o->nslots - 1);
		}
		memmove(F->queue, F->queue + 1,
			sizeof(int) * (size_t)--F->nqueue);
		F->disp[F->ndisp++] = wi;
		w->dispatched = true;
	}
}

static void op_work_complete(int ci)
{
	struct drm_kvtier_work_done *d = (void *)g_buf, save[8];
	struct drm_kvtier_work_complete wc;
	uint32_t n = 1 + fz_below(4), i, failed = 0;
	int res[8], wis[8];
	enum ptr_how how;
	bool argbad, bad = false;
	int err, k;

	memset(&wc, 0, sizeof(wc));
	memset(d, 0, sizeof(*d) * n);
	for (i = 0; i < n; i++) {
		wis[i] = -1;
		if (F->ndisp && fz_chance(85)) {
			wis[i] = F->disp[fz_below((uint32_t)F->ndisp)];
			d[i].work_id = F->work[wis[i]].work_id;
		} else {
			d[i].work_id = fz_rand() % 4 ? fz_rand() : fz_below(64);
		}
		d[i].bytes = fz_below(1 << 20);
		d[i].status = fz_chance(70) ? 0 :
			      fz_chance(80) ? -EIO : (int32_t)fz_below(3) + 1;
		/* Past the last errno: refused like a positive status. */
		if (fz_chance(3))
			d[i].status = fz_chance(2) ? -4096 : INT32_MIN;
		d[i].result = 12345;
	}
	memcpy(save, d, sizeof(*d) * n);
	wc.count = mutate_count(n, &bad);
	if (fz_chance(3)) {
		wc.flags = 1;
		bad = true;
	}
	wc.items_ptr = place(n * sizeof(*d), 4, true, &how);
	err = call(ci, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc, true, &argbad);
	fz_log("WORK_COMPLETE c%d n %u ptr %d: %s failed %u", ci, n, how,
	       en(err), wc.failed);
	if (argbad)
		return;
	if (wc.flags) {
		expect_fail("WORK_COMPLETE with flags", err);
		return;
	}
	if (!F->c[ci].manager) {
		expect_rc("WORK_COMPLETE by a non-manager", err, -EPERM);
		return;
	}
	if (bad || how != P_OK) {
		expect_fail("WORK_COMPLETE with a bad count or pointer", err);
		return;
	}
	expect_rc("WORK_COMPLETE", err, 0);
	for (i = 0; i < n; i++) {
		int wi = -1;

		/* -4095..0 is a status; anything else fails the item. */
		if (save[i].status > 0 || save[i].status < -4095) {
			res[i] = -EINVAL;
		} else {
			for (k = 0; k < F->ndisp; k++)
				if (F->work[F->disp[k]].work_id ==
				    save[i].work_id)
					wi = F->disp[k];
			res[i] = wi < 0 ? -ENOENT : 0;
		}
		if (!res[i])
			fz_work_complete(wi, save[i].status);
		failed += res[i] != 0;
	}
	for (i = 0; i < n; i++)
		if (d[i].result != res[i])
			fz_fail("WORK_COMPLETE item %u (work %llx status %d): "
				"%s, the model says %s", i,
				(unsigned long long)save[i].work_id,
				save[i].status, en(d[i].result), en(res[i]));
	if (wc.failed != failed)
		fz_fail("WORK_COMPLETE: failed %u, the model says %u",
			wc.failed, failed);
}

static int residency_one(const struct drm_kvtier_residency_item *it)
{
	int k = fz_obj_by_handle(it->handle);
	struct fz_obj *o = k >= 0 ? &F->obj[k] : NULL;

	if (it->op == KVTIER_RES_ADD && it->tier != KVTIER_TIER_DISK)
		return -EINVAL;
	if (it->op == KVTIER_RES_DROP &&
	    (it->tier == KVTIER_TIER_DEVICE || it->location))
		return -EINVAL;
	if (!o)
		return -ENOENT;
	if (it->op == KVTIER_RES_ADD) {
		if (o->state == FZ_EVICTING)
			return -ENOENT;
		if (o->state != FZ_READY)
			return -EINVAL;
		o->disk = true;
		return 0;
	}
	if (it->tier == KVTIER_TIER_HOST) {
		if (!o->host)
			return -ENOENT;
		if (o->pin_total[KVTIER_TIER_HOST] || o->refs)
			return -EBUSY;
		if (!o->disk)
			fz_evict(o);
		else
			fz_take_slots(o);
		return 0;
	}
	if (!o->disk)
		return -ENOENT;
	if (o->pin_total[KVTIER_TIER_DISK] || o->work_refs)
		return -EBUSY;
	o->disk = false;
	if (!o->host)
		fz_evict(o);
	return 0;
}

static void op_residency(int ci)
{
	struct drm_kvtier_residency_item *it = (void *)g_buf, save[8];
	struct drm_kvtier_residency rs;
	uint32_t n = 1 + fz_below(4), i, failed = 0;
	int res[8], err;
	enum ptr_how how;
	bool argbad, bad = false, itembad = false;

	memset(&rs, 0, sizeof(rs));
	memset(it, 0, sizeof(*it) * n);
	for (i = 0; i < n; i++) {
		it[i].handle = pick_handle(ci);
		switch (fz_below(3)) {
		case 0:
			it[i].op = KVTIER_RES_ADD;
			it[i].tier = KVTIER_TIER_DISK;
			it[i].location = fz_rand() & ~0xfffull;
			break;
		case 1:
			it[i].op = KVTIER_RES_DROP;
			it[i].tier = KVTIER_TIER_HOST;
			break;
		default:
			it[i].op = KVTIER_RES_DROP;
			it[i].tier = KVTIER_TIER_DISK;
			break;
		}
		switch (fz_below(30)) {
		case 0: it[i].tier = fz_below(3); break;	/* item EINVAL */
		case 1: it[i].location = 4096; break;
		case 2: it[i].pad = 1; itembad = true; break;
		case 3: it[i].op = 2 + fz_below(3); itembad = true; break;
		case 4: it[i].tier = 3 + fz_below(3); itembad = true; break;
		default: break;
		}
		it[i].result = 12345;
	}
	memcpy(save, it, sizeof(*it) * n);
	rs.count = mutate_count(n, &bad);
	if (fz_chance(3)) {
		rs.pad = 1;
		bad = true;
	}
	rs.items_ptr = place(n * sizeof(*it), 4, true, &how);
	err = call(ci, DRM_IOCTL_KVTIER_RESIDENCY, &rs, true, &argbad);
	fz_log("RESIDENCY c%d n %u ptr %d: %s failed %u", ci, n, how, en(err),
	       rs.failed);
	if (argbad)
		return;
	if (rs.pad) {
		expect_fail("RESIDENCY with pad", err);
		return;
	}
	if (!F->c[ci].manager) {
		expect_rc("RESIDENCY by a non-manager", err, -EPERM);
		return;
	}
	if (bad || how != P_OK || itembad) {
		expect_fail("RESIDENCY with a bad count, item or pointer", err);
		return;
	}
	expect_rc("RESIDENCY", err, 0);
	for (i = 0; i < n; i++) {
		int k = fz_obj_by_handle(save[i].handle);

		if (k >= 0)
			fz_log("  item %u: %llx op %u tier %u: %s; model: state "
			       "%d refs %x pins %u/%u/%u tiers %x work_refs %u",
			       i, (unsigned long long)save[i].handle,
			       save[i].op, save[i].tier, en(it[i].result),
			       F->obj[k].state, F->obj[k].refs,
			       F->obj[k].pin_total[0], F->obj[k].pin_total[1],
			       F->obj[k].pin_total[2], fz_tiers(&F->obj[k]),
			       F->obj[k].work_refs);
		res[i] = residency_one(&save[i]);
		failed += res[i] != 0;
	}
	for (i = 0; i < n; i++)
		if (it[i].result != res[i])
			fz_fail("RESIDENCY item %u (handle %llx op %u tier %u): "
				"%s, the model says %s", i,
				(unsigned long long)save[i].handle, save[i].op,
				save[i].tier, en(it[i].result), en(res[i]));
	if (rs.failed != failed)
		fz_fail("RESIDENCY: failed %u, the model says %u", rs.failed,
			failed);
}

static void op_scan(int ci)
{
	struct drm_kvtier_obj_scan s;
	enum ptr_how how;
	bool argbad, bad;
	int err;

	memset(&s, 0, sizeof(s));
	s.count = mutate_count(1 + fz_below(16), &bad);
	s.cursor = fz_chance(80) ? 0 : fz_rand();
	s.records_ptr = place(s.count <= 16 ? s.count *
			      sizeof(struct drm_kvtier_obj_record) : 0, 4, true,
			      &how);
	if (fz_chance(3)) {
		s.flags = 1;
		bad = true;
	}
	err = call(ci, DRM_IOCTL_KVTIER_OBJ_SCAN, &s, false, &argbad);
	fz_log("OBJ_SCAN c%d count %u cursor %llu: %s", ci, s.count,
	       (unsigned long long)s.cursor, en(err));
	if (argbad)
		return;
	if (s.flags) {
		expect_fail("OBJ_SCAN with flags", err);
		return;
	}
	if (!F->c[ci].manager) {
		expect_rc("OBJ_SCAN by a non-manager", err, -EPERM);
		return;
	}
	if (bad || how != P_OK)
		expect_fail("OBJ_SCAN with a bad count or pointer", err);
	else
		expect_rc("OBJ_SCAN", err, 0);
}

static void op_misc(int ci)
{
	union {
		struct drm_kvtier_get_param gp;
		struct drm_kvtier_stats st;
	} u;
	bool argbad;
	int err;

	memset(&u, 0, sizeof(u));
	switch (fz_below(3)) {
	case 0:
		u.gp.param = fz_below(KVTIER_PARAM_COUNT + 2);
		if (fz_chance(5))
			u.gp.pad = 1;
		err = call(ci, DRM_IOCTL_KVTIER_GET_PARAM, &u.gp, false,
			   &argbad);
		fz_log("GET_PARAM c%d %u: %s", ci, u.gp.param, en(err));
		if (argbad)
			return;
		if (u.gp.pad || u.gp.param >= KVTIER_PARAM_COUNT) {
			expect_fail("GET_PARAM bad", err);
			return;
		}
		expect_rc("GET_PARAM", err, 0);
		if (u.gp.param == KVTIER_PARAM_MANAGER_ATTACHED) {
			bool m = false;
			int i;

			for (i = 0; i < FZ_MAXC; i++)
				m |= F->c[i].open && F->c[i].manager;
			if (u.gp.value != m)
				fz_fail("PARAM_MANAGER_ATTACHED %llu, the "
					"model says %d",
					(unsigned long long)u.gp.value, m);
		}
		if (u.gp.param == KVTIER_PARAM_IS_ADMIN &&
		    u.gp.value != F->c[ci].admin)
			fz_fail("PARAM_IS_ADMIN %llu", (unsigned long long)
							       u.gp.value);
		break;
	case 1:
		err = call(ci, DRM_IOCTL_KVTIER_STATS, &u.st, false, &argbad);
		fz_log("STATS c%d: %s", ci, en(err));
		if (!argbad)
			expect_rc("STATS", err, 0);
		break;
	default:
		err = fz_ioctl(F->c[ci].fd, DRM_IOCTL_KVTIER_NULL, NULL);
		count_err(err);
		fz_log("NULL c%d: %s", ci, en(err));
		expect_rc("NULL", err, 0);
		break;
	}
}

/* ---- mappings ------------------------------------------------------------ */

static sigjmp_buf g_jmp;
static volatile sig_atomic_t g_probing;

static void on_fault(int sig)
{
	if (!g_probing) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(g_jmp, sig);
}

/* Returns 0 when the access went through, else the signal number. */
static int probe(volatile uint8_t *addr, bool write)
{
	int sig;

	g_probing = 1;
	sig = sigsetjmp(g_jmp, 1);
	if (!sig) {
		if (write)
			*addr = (uint8_t)fz_rand();
		else
			(void)*addr;
	}
	g_probing = 0;
	return sig;
}

static void op_mmap(int ci)
{
	struct fz_client *c = &F->c[ci];
	uint64_t off = 0, len, size;
	int p = -1, m, i, flags = MAP_SHARED, want;
	uint32_t id;
	void *addr;

	for (m = 0; m < FZ_MAXM; m++)
		if (!F->map[m].live)
			break;
	if (m == FZ_MAXM)
		return;
	p = pick_pool(&id);
	size = p >= 0 ? F->pool[p].slot_size * F->pool[p].slot_count :
			16 * g_page;
	len = size;
	switch (fz_below(8)) {
	case 0:
	case 1:
		/* One held object's slots. */
		for (i = 0; i < FZ_MAXO; i++) {
			struct fz_obj *o = &F->obj[i];

			if (o->state != FZ_DEAD && o->pool == p && o->slots &&
			    o->first != UINT32_MAX &&
			    (o->refs & (1u << ci))) {
				off = o->first * F->pool[p].slot_size;
				len = o->nslots * F->pool[p].slot_size;
				break;
			}
		}
		break;
	case 2:
		off = size;		/* at the end */
		len = g_page;
		break;
	case 3:
		off = size - g_page;	/* past the end */
		len = 2 * g_page;
		break;
	case 4:
		flags = MAP_PRIVATE;
		break;
	default:
		break;
	}
	want = p < 0 || off >= size || len > size - off ||
	       flags != MAP_SHARED ? -EINVAL : 0;
	addr = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, c->fd,
		    (off_t)(((uint64_t)id << KVTIER_POOL_MMAP_SHIFT) + off));
	fz_log("mmap c%d pool %u off %llu len %llu flags %x: %s", ci, id,
	       (unsigned long long)off, (unsigned long long)len, flags,
	       addr == MAP_FAILED ? strerror(errno) : "ok");
	if (addr == MAP_FAILED) {
		/* An id past the pool ids has no window either. */
		if (!want)
			fz_fail("mmap of pool %u [%llu, +%llu): %s", id,
				(unsigned long long)off,
				(unsigned long long)len, strerror(errno));
		return;
	}
	if (want)
		fz_fail("mmap of pool %u [%llu, +%llu) flags %x succeeded", id,
			(unsigned long long)off, (unsigned long long)len,
			flags);
	F->map[m] = (struct fz_map){ .live = true, .addr = addr, .len = len,
				     .client = ci, .pool = p, .pool_id = id,
				     .serial = F->pool[p].serial, .off = off,
				     .manager = c->manager,
				     .owner = g_in_child ? getpid() : 0 };
}

static int pick_map(void)
{
	int i, n = 0, pick[FZ_MAXM];

	for (i = 0; i < FZ_MAXM; i++)
		if (F->map[i].live && (!F->map[i].owner ||
				       F->map[i].owner == getpid()))
			pick[n++] = i;
	return n ? pick[fz_below((uint32_t)n)] : -1;
}

static void op_munmap(void)
{
	int m = pick_map();
	struct fz_map *mp;

	if (m < 0)
		return;
	mp = &F->map[m];
	/* A child may not unmap what the parent goes on using. */
	if (g_in_child && mp->owner != getpid())
		return;
	if (mp->len > g_page && fz_chance(30)) {
		fz_log("munmap first page of map %d", m);
		munmap(mp->addr, g_page);
		mp->addr += g_page;
		mp->len -= g_page;
		mp->off += g_page;
		return;
	}
	fz_log("munmap map %d", m);
	munmap(mp->addr, mp->len);
	mp->live = false;
}

/*
 * Whether a touch of byte @off of pool @p through client @ci's fault-path
 * mapping must work: 1 yes, 0 no, -1 the model cannot tell (slots of a
 * DISK->HOST copy not yet received). A read needs a reference (or admin or
 * manager); a write, that the slot be an object @ci is writing: committed
 * objects are immutable in every client mapping, free slots take no write.
 */
static int slot_access(int ci, int p, uint64_t off, bool write)
{
	const struct fz_pool *pool = &F->pool[p];
	uint32_t slot = (uint32_t)(off / pool->slot_size);
	bool unplaced = false;
	int i;

	if (write) {
		for (i = 0; i < FZ_MAXO; i++) {
			const struct fz_obj *o = &F->obj[i];

			if (o->state == FZ_WRITING && o->pool == p &&
			    o->slots && o->first != UINT32_MAX &&
			    slot >= o->first && slot < o->first + o->nslots)
				return o->creator == ci;
		}
		return 0;
	}
	if (F->c[ci].admin || F->c[ci].manager)
		return 1;
	for (i = 0; i < FZ_MAXO; i++) {
		const struct fz_obj *o = &F->obj[i];

		if (o->state == FZ_DEAD || o->pool != p || !o->slots)
			continue;
		if (o->first == UINT32_MAX) {
			unplaced = true;
			continue;
		}
		if (slot >= o->first && slot < o->first + o->nslots)
			return !!(o->refs & (1u << ci));
	}
	return unplaced ? -1 : 0;
}

static void op_touch(void)
{
	int m = pick_map(), want, sig, i, same = -1, other = -1;
	struct fz_map *mp;
	uint64_t at;
	bool write = fz_chance(40);

	if (m < 0)
		return;
	mp = &F->map[m];
	at = fz_below((uint32_t)(mp->len / g_page)) * g_page +
	     fz_below((uint32_t)g_page);
	for (i = 0; i < FZ_MAXP; i++) {
		if (!F->pool[i].live)
			continue;
		if (F->pool[i].serial == mp->serial)
			same = i;
		else if (F->pool[i].id == mp->pool_id)
			other = i;	/* destroyed, and the id reused */
	}
	if (mp->manager) {
		want = same >= 0;
	} else if (same < 0) {
		/* Destroyed, maybe with the id taken again: faults either way. */
		(void)other;
		want = 0;
	} else {
		want = slot_access(mp->client, same, mp->off + at, write);
		if (want < 0)
			return;
	}
	if (mp->manager && same >= 0 && fz_chance(10)) {
		int ret;

		fz_log("madvise(MADV_REMOVE) map %d at %llu", m,
		       (unsigned long long)at);
		ret = madvise(mp->addr + (at & ~(g_page - 1)), g_page,
			      MADV_REMOVE);
		if (ret != -1 || errno != EPERM)
			fz_fail("MADV_REMOVE on a manager mapping: %s, want "
				"EPERM", ret ? strerror(errno) : "done");
		return;
	}
	sig = probe(mp->addr + at, write);
	F->touches++;
	if (sig)
		F->sigbus++;
	fz_log("touch map %d (c%d pool %u%s) +%llu %s: %s", m, mp->client,
	       mp->pool_id, mp->manager ? " manager" : "",
	       (unsigned long long)(mp->off + at), write ? "write" : "read",
	       sig ? strsignal(sig) : "ok");
	if (!!sig == !!want)
		fz_fail("touch of pool byte %llu through c%d's %smapping %s; "
			"the model says it must %s",
			(unsigned long long)(mp->off + at), mp->client,
			mp->manager ? "manager " : "",
			sig ? "faulted" : "worked", want ? "work" : "fault");
}

/* ---- forks -------------------------------------------------------------- */

static void one_op(void);

/*
 * A child runs a few calls on the inherited fds and maybe its own, then
 * exits without closing anything: the fds it opened are a crashed client.
 */
static void op_fork(void)
{
	uint32_t n = 1 + fz_below(8), i;
	int st, ci;
	pid_t pid;

	fz_log("fork, %u calls in the child", n);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fz_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		g_in_child = true;
		for (i = 0; i < n; i++) {
			F->ncall++;
			one_op();
		}
		fflush(stdout);
		_exit(0);
	}
	F->forks++;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fz_fail("forked child: status %#x", st);
	for (ci = 0; ci < FZ_MAXC; ci++)
		if (F->c[ci].open && F->c[ci].owner == pid) {
			fz_log("child's c%d closed by its exit", ci);
			fz_client_closed(ci);
			F->c[ci].owner = 0;
		}
	for (i = 0; i < FZ_MAXM; i++)
		if (F->map[i].owner == pid)
			F->map[i].live = false;
}

/* ---- the loop ------------------------------------------------------------ */

static void one_op(void)
{
	uint32_t r = fz_below(1000);
	int ci = pick_client(), n = 0, i;

	for (i = 0; i < FZ_MAXC; i++)
		n += F->c[i].open;
	/* Keep a few clients open: most calls need one of each kind. */
	if (ci < 0 || (r < (n < 5 ? 60u : 15u) && n < FZ_MAXC)) {
		op_open();
		return;
	}
	if (r < 25) {
		op_close();
		return;
	}
	if (r < 40 && !g_in_child) {
		op_fork();
		return;
	}
	if (r < 45)
		return op_pool_create(ci);
	if (r < 50)
		return op_pool_destroy(ci);
	if (r < 60)
		return op_pool_info(ci);
	if (r < 68)
		return op_quota(ci);
	if (r < 78)
		return op_tenant_info(ci);
	if (r < 83)
		return op_tenant_list(ci);
	if (r < 230)
		return op_alloc(ci);
	if (r < 430)
		return op_batch(ci);
	if (r < 530)
		return op_lookup(ci);
	if (r < 610)
		return op_fetch(ci);
	if (r < 640)
		return op_read_events(ci);
	if (r < 660)
		return op_region_register(ci);
	if (r < 670)
		return op_region_unregister(ci);
	if (r < 680)
		return op_region_get_fd(ci);
	if (r < 695)
		return op_attach(ci);
	if (r < 750)
		return op_work_recv(ci);
	if (r < 800)
		return op_work_complete(ci);
	if (r < 840)
		return op_residency(ci);
	if (r < 850)
		return op_scan(ci);
	if (r < 880)
		return op_misc(ci);
	if (r < 905)
		return op_mmap(ci);
	if (r < 920)
		return op_munmap();
	op_touch();
}

/* Close everything, check, then free and destroy what is left. */
static void finish(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	int ci = F->checker, i, err;

	for (i = 0; i < FZ_MAXM; i++)
		if (F->map[i].live) {
			munmap(F->map[i].addr, F->map[i].len);
			F->map[i].live = false;
		}
	for (i = 0; i < FZ_MAXC; i++)
		if (F->c[i].open && i != ci)
			close_client(i);
	fz_check("after every client closed");

	/* The checker drains the work (failing it) and frees the rest. */
	err = fz_ioctl(F->c[ci].fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma);
	if (err)
		fz_fail("final MANAGER_ATTACH: %s", en(err));
	F->c[ci].manager = true;
	while (F->nqueue) {
		struct drm_kvtier_work_item it;
		struct drm_kvtier_work_recv wr = { .items_ptr = (uintptr_t)&it,
						   .count = 1 };
		struct drm_kvtier_work_done d = { .status = -EIO };
		struct drm_kvtier_work_complete wc = {
			.items_ptr = (uintptr_t)&d, .count = 1 };
		int wi = F->queue[0];

		err = fz_ioctl(F->c[ci].fd, DRM_IOCTL_KVTIER_WORK_RECV, &wr);
		if (err || wr.count != 1 ||
		    it.handle != F->obj[F->work[wi].obj].handle)
			fz_fail("final WORK_RECV: %s, %u items", en(err),
				wr.count);
		memmove(F->queue, F->queue + 1,
			sizeof(int) * (size_t)--F->nqueue);
		F->disp[F->ndisp++] = wi;
		d.work_id = it.work_id;
		err = fz_ioctl(F->c[ci].fd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc);
		if (err || d.result)
			fz_fail("final WORK_COMPLETE: %s, item %s", en(err),
				en(d.result));
		fz_work_complete(wi, -EIO);
	}
	for (i = 0; i < FZ_MAXO; i++) {
		struct fz_obj *o = &F->obj[i];
		struct drm_kvtier_obj_op op = { .handle = o->handle };
		struct drm_kvtier_obj_batch b = { .items_ptr = (uintptr_t)&op,
						  .count = 1,
						  .op = KVTIER_OP_FREE };

		if (o->state == FZ_DEAD || o->state == FZ_EVICTING)
			continue;
		err = fz_ioctl(F->c[ci].fd, DRM_IOCTL_KVTIER_OBJ_BATCH, &b);
		if (err || op.result)
			fz_fail("final FREE of %llx: %s, item %s",
				(unsigned long long)o->handle, en(err),
				en(op.result));
		fz_evict(o);
	}
	fz_check("after the final frees");
	for (i = 0; i < FZ_MAXO; i++)
		if (F->obj[i].state != FZ_DEAD)
			fz_fail("model: object %llx still alive at the end",
				(unsigned long long)F->obj[i].handle);
	for (i = 0; i < FZ_MAXP; i++) {
		struct drm_kvtier_pool_destroy pd = { .pool_id =
							      F->pool[i].id };

		if (!F->pool[i].live)
			continue;
		err = fz_ioctl(F->c[ci].fd, DRM_IOCTL_KVTIER_POOL_DESTROY, &pd);
		if (err)
			fz_fail("final POOL_DESTROY %u: %s", pd.pool_id,
				en(err));
		F->pool[i].live = false;
	}
	fz_check("after the pools were destroyed");
	close_client(ci);
}

static void usage(void)
{
	fprintf(stderr, "usage: kvtier-fuzz [--seed N] [--calls N] "
		"[--check-every K] [--trace]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct fz_opts *o)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "calls", required_argument, NULL, 'n' },
		{ "check-every", required_argument, NULL, 'k' },
		{ "trace", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct timespec ts;
	int c;

	clock_gettime(CLOCK_REALTIME, &ts);
	o->seed = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec;
	o->calls = 100000;
	o->check_every = 500;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': o->seed = strtoull(optarg, NULL, 0); break;
		case 'n': o->calls = strtoull(optarg, NULL, 0); break;
		case 'k': o->check_every = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 't': o->trace = true; break;
		default: usage();
		}
	}
	if (optind != argc || !o->check_every)
		usage();
}

static void summary(double secs, bool clean)
{
	char line[2048];
	size_t n = 0, e;

	n += (size_t)snprintf(line + n, sizeof(line) - n,
			      "fuzz: seed %" PRIu64 ": %" PRIu64 " calls in "
			      "%.1f s (%.0f/s), errno:", F->o.seed, F->ncall,
			      secs, secs > 0 ? (double)F->ncall / secs : 0.0);
	for (e = 0; e < sizeof(F->errs) / sizeof(F->errs[0]); e++)
		if (F->errs[e] && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n,
					      " %s=%" PRIu64,
					      e ? tl_errname((long)e) : "ok",
					      F->errs[e]);
	if (n < sizeof(line))
		snprintf(line + n, sizeof(line) - n,
			 "; %" PRIu64 " touches (%" PRIu64 " faulted), %" PRIu64
			 " forks; %" PRIu64 " accounting checks passed; "
			 "kernel log %s", F->touches, F->sigbus, F->forks,
			 F->checks, clean ? "clean" : "NOT clean");
	printf("%s\n", line);
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct sigaction sa;
	bool clean;
	double secs;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	F = mmap(NULL, sizeof(*F), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (F == MAP_FAILED)
		return 1;
	memset(F, 0, sizeof(*F));
	parse(argc, argv, &F->o);
	F->rng = F->o.seed;
	g_salt = fz_rand();
	printf("fuzz: seed %" PRIu64 ", %" PRIu64 " calls, checks every %u\n",
	       F->o.seed, F->o.calls, F->o.check_every);
	if (geteuid() != 0) {
		printf("SKIP fuzz: needs root (cgroups, admin fds)\n");
		return 77;
	}
	g_page = (uint64_t)sysconf(_SC_PAGESIZE);
	g_buf = mmap(NULL, BUF_BYTES + 2 * g_page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g_buf == MAP_FAILED)
		return 1;
	g_guard = g_buf + BUF_BYTES;
	g_ro = g_guard + g_page;
	mprotect(g_guard, g_page, PROT_NONE);
	mprotect(g_ro, g_page, PROT_READ);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	for (i = 0; i < FZ_MAXO; i++)
		F->obj[i].state = FZ_DEAD;
	for (i = 0; i < FZ_NTEN; i++)
		if (ten_name[i] && tl_cg_create(ten_name[i], NULL)) {
			printf("SKIP fuzz: cannot create cgroups\n");
			return 77;
		}
	fz_kmsg_open();

	F->checker = open_client(FZ_TROOT, true);
	if (fz_ioctl(F->c[F->checker].fd, DRM_IOCTL_KVTIER_STATS, &F->base))
		fz_fail("STATS failed");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (F->ncall < F->o.calls) {
		F->ncall++;
		one_op();
		if (!(F->ncall % F->o.check_every))
			fz_check("periodic check");
	}
	finish();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	for (i = 0; i < FZ_NTEN; i++)
		if (ten_name[i])
			tl_cg_remove(ten_name[i]);
	clean = fz_kmsg_clean();
	summary(secs, clean);
	if (!clean) {
		printf("FAIL fuzz:seed_%" PRIu64 ": kernel log not clean\n",
		       F->o.seed);
		return 1;
	}
	printf("PASS fuzz:seed_%" PRIu64 "\n", F->o.seed);
	return 0;
}

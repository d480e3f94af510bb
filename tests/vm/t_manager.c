// SPDX-License-Identifier: GPL-2.0
/*
 * The manager and its work queue: one manager at a time, work items that
 * carry what the manager needs, work that survives the manager's death and
 * is handed to the next one, completion events with the fetch's identity,
 * shared work for concurrent fetches, failed work that gives its slots
 * back, and clients that close with a fetch pending.
 */
#include "tlib.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NSLOTS 32
#define DISK_LOC 0x200000ull

static uint32_t g_pool;
static uint64_t g_page;

struct shared {
	struct tl_chan up, down, never;
	struct drm_kvtier_work_item w;
	uint64_t requeued;
	uint64_t recv_ns;
};

static struct shared *g_sh;

static bool setup_shared(void)
{
	g_sh = tl_shared_alloc(sizeof(*g_sh));
	return g_sh && !tl_chan_init(&g_sh->up) && !tl_chan_init(&g_sh->down) &&
	       !tl_chan_init(&g_sh->never);
}

static int attach(int fd, uint64_t *requeued)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	int err = tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma);

	if (requeued)
		*requeued = ma.requeued;
	return err;
}

static int complete1(int fd, uint64_t work_id, uint64_t bytes, int status);
static int recv_work(int fd, struct drm_kvtier_work_item *w, uint32_t room,
		     uint64_t deadline, uint32_t *got);

/*
 * Work a failed earlier case left in the queue would be handed to this
 * case's manager first: fail it back, and say so on stderr.
 */
static void drain_stale_work(int fd)
{
	struct drm_kvtier_work_item w[16];
	struct drm_kvtier_work_recv wr;
	struct drm_kvtier_stats st;
	uint32_t i;

	if (tl_stats(fd, &st) || !st.work_pending)
		return;
	for (;;) {
		memset(&wr, 0, sizeof(wr));
		wr.items_ptr = (uintptr_t)w;
		wr.count = 16;
		if (tl_ioctl(fd, DRM_IOCTL_KVTIER_WORK_RECV, &wr) || !wr.count)
			break;
		for (i = 0; i < wr.count; i++)
			complete1(fd, w[i].work_id, 0, -ECANCELED);
		fprintf(stderr, "manager: drained %u stale work items\n",
			wr.count);
	}
}

/* An fd that is the manager, or -errno (failure recorded). */
static int open_manager(uint64_t *requeued)
{
	int fd = tl_open(), err;

	if (fd < 0) {
		tl_fail("open: %s", tl_errname(fd));
		return fd;
	}
	err = attach(fd, requeued);
	if (err) {
		tl_fail("attach: %s", tl_errname(err));
		close(fd);
		return err;
	}
	if (!requeued)
		drain_stale_work(fd);
	return fd;
}

/* No work is queued: a recv that does not wait finds none. */
static void expect_no_work(int fd)
{
	struct drm_kvtier_work_item w[4];
	uint32_t got = 0;
	int err;

	err = recv_work(fd, w, 4, 0, &got);
	/* -ETIME is the header's answer; 0 items is checked in t_ioctl_ok. */
	TL_ASSERT(err == -ETIME || (err == 0 && got == 0),
		  "recv on an empty queue: %s, %u items", tl_errname(err), got);
}

static int res1(int fd, uint64_t handle, uint32_t op, uint32_t tier,
		uint64_t location)
{
	struct drm_kvtier_residency_item ri = {
		.handle = handle, .op = op, .tier = tier,
		.location = location, .result = 999,
	};
	struct drm_kvtier_residency rs = {
		.items_ptr = (uintptr_t)&ri,
		.count = 1,
	};
	int err = tl_ioctl(fd, DRM_IOCTL_KVTIER_RESIDENCY, &rs);

	return err ? err : ri.result;
}

static int recv_work(int fd, struct drm_kvtier_work_item *w, uint32_t room,
		     uint64_t deadline, uint32_t *got)
{
	struct drm_kvtier_work_recv wr = {
		.items_ptr = (uintptr_t)w,
		.count = room,
		.deadline_ns = deadline,
	};
	int err = tl_ioctl(fd, DRM_IOCTL_KVTIER_WORK_RECV, &wr);

	*got = err ? 0 : wr.count;
	return err;
}

static int complete1(int fd, uint64_t work_id, uint64_t bytes, int status)
{
	struct drm_kvtier_work_done d = {
		.work_id = work_id, .bytes = bytes, .status = status,
		.result = 999,
	};
	struct drm_kvtier_work_complete wc = {
		.items_ptr = (uintptr_t)&d,
		.count = 1,
	};
	int err = tl_ioctl(fd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc);

	if (!err && wc.failed != (d.result != 0))
		return -EPROTO;
	return err ? err : d.result;
}

/*
 * A committed object of @slots slots that lives only on DISK: allocated,
 * committed and released by @cfd, copied to DISK and dropped from HOST by
 * the manager @mfd. Returns its handle, or 0 (failure recorded).
 */
static uint64_t make_disk_only(int cfd, int mfd, uint64_t n, uint32_t slots)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	int err;

	err = tl_make_ready(cfd, g_pool, tl_key(n), slots * g_page, &a);
	if (!err)
		err = tl_op1(cfd, KVTIER_OP_RELEASE, a.handle, 0);
	if (!err)
		err = res1(mfd, a.handle, KVTIER_RES_ADD, KVTIER_TIER_DISK,
			   DISK_LOC);
	if (!err)
		err = res1(mfd, a.handle, KVTIER_RES_DROP, KVTIER_TIER_HOST, 0);
	if (!err)
		err = tl_lookup1(cfd, tl_key(n), 0, &r);
	if (err) {
		tl_fail("making a DISK-only object: %s", tl_errname(err));
		return 0;
	}
	if (r.handle != a.handle ||
	    r.tiers != KVTIER_TIER_BIT(KVTIER_TIER_DISK)) {
		tl_fail("DISK-only object: handle %llx tiers 0x%x",
			(unsigned long long)r.handle, r.tiers);
		return 0;
	}
	return a.handle;
}

/* Fetch @h to HOST through @cfd, which acquires it first; expect queued. */
static uint32_t fetch_queued(int cfd, uint64_t n, uint64_t h,
			     uint64_t user_data)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_fetch_item fi;
	struct drm_kvtier_fetch f;
	int err;

	err = tl_lookup1(cfd, tl_key(n), KVTIER_LOOKUP_ACQUIRE, &r);
	if (!err && r.handle != h)
		err = -ENOENT;
	if (!err)
		err = tl_fetch1(cfd, h, KVTIER_TIER_HOST, 0, 0, user_data, &f,
				&fi);
	if (err) {
		tl_fail("fetch: %s", tl_errname(err));
		return 0;
	}
	if (fi.result != 1 || f.pending != 1 || f.failed != 0) {
		tl_fail("fetch of a DISK-only object: result %d pending %u "
			"failed %u, want 1 1 0", fi.result, f.pending,
			f.failed);
		return 0;
	}
	return f.fetch_id;
}

/* The work item a DISK -> HOST fetch of key @n / handle @h must produce. */
static void check_fetch_work(const struct drm_kvtier_work_item *w, uint64_t n,
			     uint64_t h, uint32_t slots, uint64_t tenant)
{
	TL_EXPECT_EQ(w->op, KVTIER_WORK_FETCH);
	TL_EXPECT_EQ(w->handle, h);
	TL_EXPECT_EQ(w->key.lo, tl_key(n).lo);
	TL_EXPECT_EQ(w->key.hi, tl_key(n).hi);
	TL_EXPECT_EQ(w->size, slots * g_page);
	TL_EXPECT_EQ(w->src_tier, KVTIER_TIER_DISK);
	TL_EXPECT_EQ(w->src_offset, DISK_LOC);
	TL_EXPECT_EQ(w->dst_tier, KVTIER_TIER_HOST);
	TL_ASSERT(w->dst_offset % g_page == 0 &&
			  w->dst_offset + slots * g_page <= NSLOTS * g_page,
		  "dst_offset %llx not a slot run of the pool",
		  (unsigned long long)w->dst_offset);
	TL_EXPECT_EQ(w->pool_id, g_pool);
	TL_EXPECT_EQ(w->tenant_id, tenant);
	TL_EXPECT_EQ(w->region_id, 0);
	TL_EXPECT_EQ(w->region_gen, 0);
}

/* ---- the manager dies, the next one gets the work ------------------------ */

static void manager_one(void *arg TL_UNUSED)
{
	uint32_t got;
	uint64_t v;
	int fd = open_manager(&g_sh->requeued);

	if (fd >= 0) {
		TL_EXPECT_RC(recv_work(fd, &g_sh->w, 1,
				       tl_now_ns() + 20000000000ull, &got), 0);
		TL_EXPECT_EQ(got, 1);
	}
	tl_chan_send(&g_sh->up, tl_failed() ? 0 : 1);
	if (tl_failed())
		return;
	/* Hold the work and wait to be killed. */
	tl_chan_recv(&g_sh->never, &v, TL_WAIT_MS);
	tl_fail("manager was not killed");
}

static void manager_two(void *arg TL_UNUSED)
{
	struct drm_kvtier_work_item w[4];
	struct drm_kvtier_pool_info pi;
	uint32_t got;
	uint8_t *p;
	int fd = open_manager(&g_sh->requeued);

	TL_ASSERT(fd >= 0, "no manager");
	/* Room for more than the one item that was requeued. */
	TL_EXPECT_RC(recv_work(fd, w, 4, tl_now_ns() + 20000000000ull, &got),
		     0);
	TL_EXPECT_EQ(got, 1);
	g_sh->w = w[0];
	/* "Copy" the bytes: the manager maps every slot. */
	TL_EXPECT_RC(tl_pool_info(fd, g_pool, &pi), 0);
	p = tl_pool_map(fd, &pi);
	TL_ASSERT(p, "manager mmap");
	memset(p + g_sh->w.dst_offset, 0xd1, g_sh->w.size);
	TL_EXPECT_RC(complete1(fd, g_sh->w.work_id, g_sh->w.size, 0), 0);
	/* The same work cannot complete twice. */
	TL_EXPECT_RC(complete1(fd, g_sh->w.work_id, g_sh->w.size, 0), -ENOENT);
}

static void case_requeue_after_manager_death(void)
{
	struct drm_kvtier_event_fetch ev;
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_work_item w1;
	struct drm_kvtier_pool_info pi;
	struct drm_kvtier_stats st;
	uint64_t h, used0, v, tenant;
	uint32_t fetch_id;
	uint8_t *p;
	int cfd, mfd, other, st_w = 0;
	pid_t pid;

	TL_ASSERT(setup_shared(), "shared memory");
	cfd = tl_open();
	TL_ASSERT(cfd >= 0, "open: %s", tl_errname(cfd));
	tenant = tl_param(cfd, KVTIER_PARAM_TENANT_ID);
	mfd = open_manager(NULL);
	TL_ASSERT(mfd >= 0, "no manager");
	h = make_disk_only(cfd, mfd, 1, 2);
	TL_ASSERT(h, "no object");
	close(mfd);
	used0 = tl_pool_used(cfd, g_pool);
	fetch_id = fetch_queued(cfd, 1, h, 0x1111);
	if (tl_failed())
		return;
	/* Host slots are taken for the copy, charged now. */
	TL_EXPECT_EQ(tl_pool_used(cfd, g_pool), used0 + 2);

	pid = tl_spawn(manager_one, NULL);
	TL_ASSERT(pid > 0, "fork");
	if (tl_chan_recv(&g_sh->up, &v, TL_WAIT_MS) || v != 1) {
		tl_join(pid, "first manager");
		TL_ASSERT(0, "first manager got no work");
	}
	TL_EXPECT_EQ(g_sh->requeued, 1);
	w1 = g_sh->w;
	check_fetch_work(&w1, 1, h, 2, tenant);
	if (tl_failed())
		return;
	/* One manager at a time. */
	other = tl_open();
	TL_ASSERT(other >= 0, "open");
	TL_EXPECT_RC(attach(other, NULL), -EBUSY);
	TL_EXPECT_EQ(tl_param(cfd, KVTIER_PARAM_MANAGER_ATTACHED), 1);
	close(other);

	TL_ASSERT(kill(pid, SIGKILL) == 0, "kill");
	TL_EXPECT_RC(tl_wait(pid, TL_WAIT_MS, &st_w), 0);
	TL_ASSERT(WIFSIGNALED(st_w) && WTERMSIG(st_w) == SIGKILL,
		  "first manager ended with status 0x%x", st_w);
	TL_EXPECT_EQ(tl_param(cfd, KVTIER_PARAM_MANAGER_ATTACHED), 0);
	TL_ASSERT(tl_no_event(cfd), "event although the work never completed");
	TL_EXPECT_RC(tl_stats(cfd, &st), 0);
	TL_EXPECT_EQ(st.work_pending, 1);

	memset(&g_sh->w, 0, sizeof(g_sh->w));
	if (!tl_join(tl_spawn(manager_two, NULL), "second manager"))
		return;
	TL_EXPECT_EQ(g_sh->requeued, 1);
	/* The same work, not a new copy of it. */
	TL_EXPECT_EQ(g_sh->w.handle, w1.handle);
	TL_EXPECT_EQ(g_sh->w.dst_offset, w1.dst_offset);
	check_fetch_work(&g_sh->w, 1, h, 2, tenant);

	TL_EXPECT_RC(tl_read_fetch_event(cfd, TL_WAIT_MS, &ev), 0);
	TL_EXPECT_EQ(ev.user_data, 0x1111);
	TL_EXPECT_EQ(ev.fetch_id, fetch_id);
	TL_EXPECT_EQ(ev.completed, 1);
	TL_EXPECT_EQ(ev.failed, 0);
	TL_EXPECT_RC(ev.status, 0);
	TL_ASSERT(tl_no_event(cfd), "a second event");
	TL_EXPECT_RC(tl_lookup1(cfd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST) |
				      KVTIER_TIER_BIT(KVTIER_TIER_DISK));
	TL_EXPECT_EQ(r.offset, w1.dst_offset);
	/* The client holds it and sees the manager's bytes. */
	TL_EXPECT_RC(tl_pool_info(cfd, g_pool, &pi), 0);
	p = tl_pool_map(cfd, &pi);
	TL_ASSERT(p, "client mmap");
	TL_ASSERT(p[r.offset] == 0xd1 && p[r.offset + 2 * g_page - 1] == 0xd1,
		  "client does not see the copied bytes");
	TL_EXPECT_RC(tl_stats(cfd, &st), 0);
	TL_EXPECT_EQ(st.work_pending, 0);
	/* The fetch left a HOST pin with the client. */
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_FREE, h, 0), -EBUSY);
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_FREE, h, 0), 0);
}

/* ---- two fetches, one work item ------------------------------------------ */

static void case_shared_work_item(void)
{
	struct drm_kvtier_event_fetch ev1, ev2;
	struct drm_kvtier_work_item w[4];
	struct drm_kvtier_stats s0, s1;
	uint64_t h, used0;
	uint32_t f1, f2, got;
	int c1, c2, mfd;

	c1 = tl_open();
	c2 = tl_open();
	TL_ASSERT(c1 >= 0 && c2 >= 0, "open");
	mfd = open_manager(NULL);
	TL_ASSERT(mfd >= 0, "no manager");
	h = make_disk_only(c1, mfd, 1, 3);
	TL_ASSERT(h, "no object");
	used0 = tl_pool_used(c1, g_pool);
	TL_EXPECT_RC(tl_stats(c1, &s0), 0);
	f1 = fetch_queued(c1, 1, h, 0xaaaa);
	f2 = fetch_queued(c2, 1, h, 0xbbbb);
	if (tl_failed())
		return;
	TL_EXPECT_RC(tl_stats(c1, &s1), 0);
	TL_EXPECT_EQ(s1.work_queued, s0.work_queued + 1);
	TL_EXPECT_EQ(s1.work_pending, s0.work_pending + 1);
	TL_EXPECT_EQ(tl_pool_used(c1, g_pool), used0 + 3);
	TL_EXPECT_RC(recv_work(mfd, w, 4, 0, &got), 0);
	TL_EXPECT_EQ(got, 1);
	expect_no_work(mfd);
	TL_EXPECT_RC(complete1(mfd, w[0].work_id, w[0].size, 0), 0);
	TL_EXPECT_RC(tl_read_fetch_event(c1, TL_WAIT_MS, &ev1), 0);
	TL_EXPECT_RC(tl_read_fetch_event(c2, TL_WAIT_MS, &ev2), 0);
	TL_EXPECT_EQ(ev1.user_data, 0xaaaa);
	TL_EXPECT_EQ(ev1.fetch_id, f1);
	TL_EXPECT_EQ(ev1.completed, 1);
	TL_EXPECT_RC(ev1.status, 0);
	TL_EXPECT_EQ(ev2.user_data, 0xbbbb);
	TL_EXPECT_EQ(ev2.fetch_id, f2);
	TL_EXPECT_EQ(ev2.completed, 1);
	TL_EXPECT_RC(ev2.status, 0);
	/* Each client holds its own HOST pin. */
	TL_EXPECT_RC(tl_op1(c1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_op1(c1, KVTIER_OP_FREE, h, 0), -EBUSY);
	TL_EXPECT_RC(tl_op1(c2, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_op1(c1, KVTIER_OP_FREE, h, 0), 0);
}

/* ---- failed work --------------------------------------------------------- */

static void case_completion_error(void)
{
	struct drm_kvtier_event_fetch ev;
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_work_item w;
	struct drm_kvtier_stats s0, s1;
	uint64_t h, used0;
	uint32_t fid, got;
	int cfd, mfd;

	cfd = tl_open();
	TL_ASSERT(cfd >= 0, "open");
	mfd = open_manager(NULL);
	TL_ASSERT(mfd >= 0, "no manager");
	h = make_disk_only(cfd, mfd, 1, 2);
	TL_ASSERT(h, "no object");
	used0 = tl_pool_used(cfd, g_pool);
	fid = fetch_queued(cfd, 1, h, 0xe1e1);
	if (tl_failed())
		return;
	TL_EXPECT_RC(tl_stats(cfd, &s0), 0);
	TL_EXPECT_RC(recv_work(mfd, &w, 1, tl_now_ns() + 10000000000ull, &got),
		     0);
	TL_EXPECT_EQ(got, 1);
	TL_EXPECT_RC(complete1(mfd, w.work_id, 0, -EIO), 0);
	TL_EXPECT_RC(tl_read_fetch_event(cfd, TL_WAIT_MS, &ev), 0);
	TL_EXPECT_EQ(ev.user_data, 0xe1e1);
	TL_EXPECT_EQ(ev.fetch_id, fid);
	TL_EXPECT_EQ(ev.completed, 0);
	TL_EXPECT_EQ(ev.failed, 1);
	TL_EXPECT_RC(ev.status, -EIO);
	/* The slots taken for the copy are back; the object is on DISK. */
	TL_EXPECT_EQ(tl_pool_used(cfd, g_pool), used0);
	TL_EXPECT_RC(tl_lookup1(cfd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_DISK));
	TL_EXPECT_RC(tl_stats(cfd, &s1), 0);
	TL_EXPECT_EQ(s1.work_completed, s0.work_completed + 1);
	TL_EXPECT_EQ(s1.work_pending, s0.work_pending - 1);
	/* No pin was granted: the object can be freed. */
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_FREE, h, 0), 0);
}

static void case_complete_unknown_id(void)
{
	int mfd = open_manager(NULL);

	TL_ASSERT(mfd >= 0, "no manager");
	TL_EXPECT_RC(complete1(mfd, 0x5eed5eedull, 0, 0), -ENOENT);
}

/* ---- waiting and faults -------------------------------------------------- */

static void blocking_manager(void *arg TL_UNUSED)
{
	uint64_t deadline, v;
	uint32_t got;
	int fd = open_manager(NULL);

	TL_ASSERT(fd >= 0, "no manager");
	TL_EXPECT_RC(tl_chan_send(&g_sh->up, 1), 0);
	deadline = tl_now_ns() + 20000000000ull;
	TL_EXPECT_RC(recv_work(fd, &g_sh->w, 1, deadline, &got), 0);
	TL_EXPECT_EQ(got, 1);
	g_sh->recv_ns = tl_now_ns();
	TL_ASSERT(g_sh->recv_ns < deadline, "returned at the deadline");
	TL_EXPECT_RC(complete1(fd, g_sh->w.work_id, g_sh->w.size, 0), 0);
	/* Stay the manager until the client has its event. */
	TL_EXPECT_RC(tl_chan_recv(&g_sh->down, &v, TL_WAIT_MS), 0);
}

static void case_recv_wakes_on_work(void)
{
	struct drm_kvtier_event_fetch ev;
	uint64_t h, v;
	int cfd, mfd;
	pid_t pid;

	TL_ASSERT(setup_shared(), "shared memory");
	cfd = tl_open();
	TL_ASSERT(cfd >= 0, "open");
	mfd = open_manager(NULL);
	TL_ASSERT(mfd >= 0, "no manager");
	h = make_disk_only(cfd, mfd, 1, 1);
	TL_ASSERT(h, "no object");
	close(mfd);
	pid = tl_spawn(blocking_manager, NULL);
	TL_EXPECT_RC(tl_chan_recv(&g_sh->up, &v, TL_WAIT_MS), 0);
	/* Whether or not it sleeps already, the fetch must reach it. */
	fetch_queued(cfd, 1, h, 7);
	TL_EXPECT_RC(tl_read_fetch_event(cfd, TL_WAIT_MS, &ev), 0);
	TL_EXPECT_RC(ev.status, 0);
	TL_EXPECT_RC(tl_chan_send(&g_sh->down, 1), 0);
	tl_join(pid, "manager");
	TL_EXPECT_EQ(g_sh->w.handle, h);
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_FREE, h, 0), 0);
}

static void case_recv_efault_keeps_work(void)
{
	struct drm_kvtier_work_recv wr = { .count = 1 };
	struct drm_kvtier_work_item w;
	struct drm_kvtier_event_fetch ev;
	uint32_t got;
	uint64_t h;
	int cfd, mfd;

	cfd = tl_open();
	TL_ASSERT(cfd >= 0, "open");
	mfd = open_manager(NULL);
	TL_ASSERT(mfd >= 0, "no manager");
	h = make_disk_only(cfd, mfd, 1, 1);
	TL_ASSERT(h, "no object");
	fetch_queued(cfd, 1, h, 8);
	if (tl_failed())
		return;
	wr.items_ptr = (uintptr_t)tl_bad_ptr();
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_WORK_RECV, &wr), -EFAULT);
	/* The item was not lost on the way. */
	TL_EXPECT_RC(recv_work(mfd, &w, 1, 0, &got), 0);
	TL_EXPECT_EQ(got, 1);
	TL_EXPECT_EQ(w.handle, h);
	TL_EXPECT_RC(complete1(mfd, w.work_id, w.size, 0), 0);
	TL_EXPECT_RC(tl_read_fetch_event(cfd, TL_WAIT_MS, &ev), 0);
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), 0);
	TL_EXPECT_RC(tl_op1(cfd, KVTIER_OP_FREE, h, 0), 0);
}

/* ---- a client closes with a fetch pending -------------------------------- */

static void case_client_closes_pending(void)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_work_item w;
	struct drm_kvtier_stats s0, s1;
	uint32_t got;
	uint64_t h;
	int cfd, mfd, fd;

	fd = tl_open();
	cfd = tl_open();
	TL_ASSERT(fd >= 0 && cfd >= 0, "open");
	mfd = open_manager(NULL);
	TL_ASSERT(mfd >= 0, "no manager");
	h = make_disk_only(fd, mfd, 1, 2);
	TL_ASSERT(h, "no object");
	fetch_queued(cfd, 1, h, 9);
	if (tl_failed())
		return;
	TL_EXPECT_RC(tl_stats(fd, &s0), 0);
	close(cfd);
	/* The work still runs to completion. */
	TL_EXPECT_RC(recv_work(mfd, &w, 1, tl_now_ns() + 10000000000ull, &got),
		     0);
	TL_EXPECT_EQ(got, 1);
	TL_EXPECT_EQ(w.handle, h);
	TL_EXPECT_RC(complete1(mfd, w.work_id, w.size, 0), 0);
	TL_EXPECT_RC(tl_stats(fd, &s1), 0);
	TL_EXPECT_EQ(s1.work_completed, s0.work_completed + 1);
	TL_EXPECT_EQ(s1.work_pending, s0.work_pending - 1);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST) |
				      KVTIER_TIER_BIT(KVTIER_TIER_DISK));
	/* Nobody holds the pin the closed client would have got. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, h, 0), 0);
}

int main(void)
{
	tl_init("manager");
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, NSLOTS);
	tl_run("requeue_after_manager_death", case_requeue_after_manager_death);
	tl_run("shared_work_item", case_shared_work_item);
	tl_run("completion_error", case_completion_error);
	tl_run("complete_unknown_id", case_complete_unknown_id);
	tl_run("recv_wakes_on_work", case_recv_wakes_on_work);
	tl_run("recv_efault_keeps_work", case_recv_efault_keeps_work);
	tl_run("client_closes_pending", case_client_closes_pending);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

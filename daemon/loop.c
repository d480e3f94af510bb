// SPDX-License-Identifier: GPL-2.0
/*
 * The event loop. One thread does everything, in passes:
 *
 *   1. take work: WORK_RECV, sleeping in the driver up to
 *      KVTD_RECV_SLICE_MS when nothing else is pending (KVTD_STREAM_WAIT_MS
 *      while the access stream carries records), not at all while disk
 *      I/O is in flight, work is waiting to start or the last drain of
 *      the stream left records behind;
 *   2. start it (exec.c): copies, disk reads;
 *   3. epoll over the signalfd, the tick's timerfd and the disk tier's
 *      eventfd: with new work, do not wait; with disk I/O in flight, wait
 *      up to KVTD_BUSY_WAIT_MS (the disk's eventfd wakes it at once);
 *   4. handle what epoll said: signals, the periodic pass, completions;
 *   5. send completions and residency in batches, submit disk I/O;
 *   6. drain the access stream into the planner (pressure.c).
 *
 * SIGTERM and SIGINT stop taking work; what is in flight on the disk
 * finishes and is reported, work taken but not started is handed back
 * when the fd closes, and the disk tier is synced. A second signal stops
 * at once (the fd's close still hands everything back). SIGUSR1 logs the
 * stats line.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "kvtd_log.h"
#include "kvtd_manager.h"
#include "kvtd_usdt.h"

enum { LOOP_EV_SIGNAL = 1, LOOP_EV_TICK, LOOP_EV_DISK };

static int loop_add(struct kvtd_manager *m, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int kvtd_loop_init(struct kvtd_manager *m)
{
	struct itimerspec its = { 0 };
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	/* Blocked, so they arrive only through the signalfd. */
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		goto err;
	signal(SIGPIPE, SIG_IGN);
	m->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	m->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->sfd < 0 || m->tfd < 0 || m->epfd < 0)
		goto err;
	its.it_interval.tv_sec = m->cfg->tick_ms / 1000;
	its.it_interval.tv_nsec = (long)(m->cfg->tick_ms % 1000) * 1000000L;
	its.it_value = its.it_interval;
	if (timerfd_settime(m->tfd, 0, &its, NULL))
		goto err;
	ret = loop_add(m, m->sfd, LOOP_EV_SIGNAL);
	if (!ret)
		ret = loop_add(m, m->tfd, LOOP_EV_TICK);
	if (!ret && m->disk)
		ret = loop_add(m, kvtd_disk_event_fd(m->disk), LOOP_EV_DISK);
	if (ret) {
		kvtd_err("event loop: epoll_ctl: %s", strerror(-ret));
		return ret;
	}
	return 0;
err:
	ret = -errno;
	kvtd_err("event loop: setting up signals, timer and epoll: %s",
		 strerror(errno));
	return ret;
}

void kvtd_loop_fini(struct kvtd_manager *m)
{
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->tfd >= 0)
		close(m->tfd);
	if (m->sfd >= 0)
		close(m->sfd);
	m->epfd = m->tfd = m->sfd = -1;
}

/*
 * One line of `key=value` words, each key unique, so that scripts and the
 * VM tests read the counters back from the log (the restart test adds the
 * policy drops of two daemons). The names are an interface: add, never
 * rename.
 */
void kvtd_stats_log(const struct kvtd_manager *m, const char *why)
{
	const struct kvtd_counters *c = &m->ctr;
	struct kvtd_tier_stats ds = { 0 };

	if (m->disk)
		kvtd_disk_stats(m->disk, &ds);
	kvtd_info("stats why=%s work_received=%llu work_done=%llu work_failed=%llu work_merged=%llu work_refused=%llu bytes_copied=%llu bytes_read=%llu bytes_written=%llu writes_ok=%llu write_failed=%llu write_orphaned=%llu evict_dropped=%llu evict_written=%llu evict_policy_drops=%llu evict_nospace_drops=%llu evict_busy=%llu lost_on_disk=%llu disk_unknown=%llu disk_reclaimed=%llu disk_objects=%llu disk_recovered=%llu disk_drops_torn=%llu disk_drops_corrupt=%llu disk_drops_stale=%llu disk_errors=%llu passes=%llu scans=%llu disk_fixed_ios=%llu disk_unfixed_ios=%llu work_stale=%llu stream_records=%llu stream_dropped=%llu rebuilds=%llu",
		  why, (unsigned long long)c->work_received,
		  (unsigned long long)c->work_done,
		  (unsigned long long)c->work_failed,
		  (unsigned long long)c->work_merged,
		  (unsigned long long)c->work_refused,
		  (unsigned long long)c->bytes_copied,
		  (unsigned long long)c->bytes_read,
		  (unsigned long long)c->bytes_written,
		  (unsigned long long)c->written,
		  (unsigned long long)c->write_failed,
		  (unsigned long long)c->write_orphaned,
		  (unsigned long long)c->evict_dropped,
		  (unsigned long long)c->evict_written,
		  (unsigned long long)c->evict_policy_drops,
		  (unsigned long long)c->evict_nospace_drops,
		  (unsigned long long)c->evict_busy,
		  (unsigned long long)c->lost_on_disk,
		  (unsigned long long)c->disk_unknown,
		  (unsigned long long)m->unclaimed.dropped,
		  (unsigned long long)ds.objects,
		  (unsigned long long)ds.recovered,
		  (unsigned long long)ds.drops_torn,
		  (unsigned long long)ds.drops_corrupt,
		  (unsigned long long)ds.drops_stale,
		  (unsigned long long)ds.errors,
		  (unsigned long long)c->ticks, (unsigned long long)c->scans,
		  (unsigned long long)ds.fixed_ios,
		  (unsigned long long)ds.unfixed_ios,
		  (unsigned long long)c->work_stale,
		  (unsigned long long)c->stream_records,
		  (unsigned long long)c->stream_dropped,
		  (unsigned long long)c->rebuilds);
}

static void loop_signal(struct kvtd_manager *m)
{
	struct signalfd_siginfo si;

	while (read(m->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			kvtd_stats_log(m, "SIGUSR1");
			continue;
		}
		if (m->stopping) {
			kvtd_notice("%s again: stopping now, %u operations in flight handed back",
				    strsignal(si.ssi_signo), m->ops_used);
			m->force = true;
			continue;
		}
		kvtd_notice("%s: finishing %u operations in flight, handing back %u waiting work items",
			    strsignal(si.ssi_signo), m->ops_used,
			    m->bl_count - m->bl_pos);
		m->stopping = true;
	}
}

static void loop_tick(struct kvtd_manager *m)
{
	uint64_t expirations;

	/* Missed ticks are not made up: one pass catches up with all. */
	if (read(m->tfd, &expirations, sizeof(expirations)) < 0)
		return;
	if (!m->stopping)
		kvtd_pressure_tick(m);
}

static void loop_disk(struct kvtd_manager *m)
{
	uint64_t v;

	if (read(kvtd_disk_event_fd(m->disk), &v, sizeof(v)) < 0 &&
	    errno != EAGAIN)
		return;
	kvtd_exec_reap(m, 0);
}

/*
 * While disk I/O is in flight, reap without waiting for the eventfd: once
 * no completion is waited for, the disk tier checks one read's checksum
 * per reap and keeps the other finished reads for the next call, and its
 * eventfd does not fire again for them. Without this a batch of reads
 * that completed together (the work a restarted daemon finds waiting)
 * stalls until some unrelated I/O completes.
 */
static void loop_poll_disk(struct kvtd_manager *m)
{
	if (m->disk && kvtd_exec_busy(m))
		kvtd_exec_reap(m, 0);
}

/*
 * Take work when there is room: in the backlog, and for the completions
 * (which only runs out while the driver refuses them). Returns items
 * taken, or -errno (fatal).
 */
static int loop_recv(struct kvtd_manager *m, bool busy)
{
	uint32_t room = kvtd_exec_room(m), slice_ms = KVTD_RECV_SLICE_MS;
	uint64_t deadline = 0, retry;
	int n, i;

	if (m->stopping || m->bl_count || !room)
		return 0;
	/* Records flowing: drain again soon; records left behind: at once. */
	if (m->stream_fed >= (int)(KVTD_STREAM_BATCH * KVTD_STREAM_MAX_BATCHES))
		busy = true;
	else if (m->stream_fed)
		slice_ms = KVTD_STREAM_WAIT_MS;
	if (!busy) {
		deadline = kvtier_now_ns() + slice_ms * 1000000ull;
		/* Completions waiting for a retry are not kept waiting. */
		retry = kvtd_done_retry_ns(&m->done);
		if (retry && retry < deadline)
			deadline = retry;
	}
	n = kvtier_work_recv(m->kv, m->backlog, room, deadline);
	if (n == -ETIME || n == -EINTR || n == 0)
		return 0;
	if (n < 0) {
		kvtd_err("WORK_RECV: %s", strerror(-n));
		return n;
	}
	for (i = 0; i < n; i++)
		KVTD_USDT_WORK_RECEIVED(m->backlog[i].work_id,
					m->backlog[i].key.lo,
					m->backlog[i].key.hi,
					m->backlog[i].tenant_id,
					m->backlog[i].src_tier,
					m->backlog[i].dst_tier,
					m->backlog[i].size);
	m->bl_pos = 0;
	m->bl_count = (uint32_t)n;
	m->ctr.work_received += n;
	return n;
}

static int loop_wait(struct kvtd_manager *m, int timeout_ms)
{
	struct epoll_event ev[4];
	int n, i;

	n = epoll_wait(m->epfd, ev, 4, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		switch (ev[i].data.u32) {
		case LOOP_EV_SIGNAL:
			loop_signal(m);
			break;
		case LOOP_EV_TICK:
			loop_tick(m);
			break;
		case LOOP_EV_DISK:
			loop_disk(m);
			break;
		}
	}
	return 0;
}

/*
 * How long the loop may sleep in epoll: @timeout_ms, or while the loop
 * took no work and completions wait for a retry, until that retry (the
 * loop would spin otherwise: it does not sleep in WORK_RECV without
 * room for the work).
 */
static int loop_timeout(struct kvtd_manager *m, int timeout_ms, bool got)
{
	uint64_t retry = kvtd_done_retry_ns(&m->done), now;

	if (!retry || got || timeout_ms)
		return timeout_ms;
	now = kvtier_now_ns();
	if (retry <= now)
		return 0;
	/* Rounded up: waking before it would find nothing to do. */
	return (int)((retry - now + 999999) / 1000000);
}

/* After a stop: finish the disk's I/O, report it and what it completed, sync. */
static void loop_drain(struct kvtd_manager *m)
{
	uint64_t end = kvtier_now_ns() + KVTD_DRAIN_TIMEOUT_MS * 1000000ull;

	kvtd_exec_sync(m, true);
	kvtd_exec_flush(m);
	while ((kvtd_exec_busy(m) || m->done.count) && !m->force &&
	       kvtier_now_ns() < end) {
		if (loop_wait(m, 1))
			break;
		loop_poll_disk(m);
		kvtd_exec_flush(m);
	}
	if (kvtd_exec_busy(m))
		kvtd_warn("stopping with %u operations in flight: their work goes back to the queue",
			  m->ops_used);
}

int kvtd_loop_run(struct kvtd_manager *m)
{
	bool busy, waiting;
	int got, ret = 0;

	kvtd_info("running: tick %u ms, eviction %s, watermarks %u.%u%%/%u.%u%% (tenants %u.%u%%/%u.%u%%)",
		  m->cfg->tick_ms, m->evict_policy->name,
		  m->cfg->pool_wm.low / 10, m->cfg->pool_wm.low % 10,
		  m->cfg->pool_wm.high / 10, m->cfg->pool_wm.high % 10,
		  m->cfg->tenant_wm.low / 10, m->cfg->tenant_wm.low % 10,
		  m->cfg->tenant_wm.high / 10, m->cfg->tenant_wm.high % 10);
	while (!m->stopping) {
		busy = kvtd_exec_busy(m) || m->bl_count;
		got = loop_recv(m, busy);
		if (got < 0) {
			ret = got;
			break;
		}
		kvtd_exec_drain(m);
		kvtd_exec_flush(m);
		/* Work that could not start waits for the disk's completions. */
		waiting = m->bl_count && kvtd_exec_busy(m);
		ret = loop_wait(m, loop_timeout(m, got && !waiting ? 0 :
				   kvtd_exec_busy(m) ? (int)KVTD_BUSY_WAIT_MS : 0,
				   got > 0));
		if (ret) {
			kvtd_err("event loop: epoll_wait: %s", strerror(-ret));
			break;
		}
		loop_poll_disk(m);
		kvtd_exec_flush(m);
		/* The planner keeps up with the stream between ticks. */
		m->stream_fed = kvtd_pressure_pump(m);
	}
	loop_drain(m);
	kvtd_stats_log(m, "exit");
	return ret;
}

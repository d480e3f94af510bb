// SPDX-License-Identifier: GPL-2.0
/*
 * Fetch, its completion events, and device regions.
 *
 * A fetch whose items are all resident completes in the ioctl. Otherwise
 * the driver queues a DRM event on the fd when the manager has done the
 * work; read() returns whole events, possibly several, possibly for other
 * fetches than the one a caller waits for. Those are kept in the handle's
 * queue, in order, so no completion is ever lost between callers.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "kvtier_internal.h"

int kvtier_fetch(struct kvtier *kv, struct drm_kvtier_fetch_item *items,
		 uint32_t count, uint64_t user_data,
		 struct kvtier_fetch_ticket *ticket)
{
	struct drm_kvtier_fetch req = {
		.items_ptr = (uintptr_t)items,
		.user_data = user_data,
		.count = count,
	};
	uint32_t i;
	int ret;

	memset(ticket, 0, sizeof(*ticket));
	/* Not split: one fetch is one event. */
	if (count == 0 || count > kvtl_max_batch(kv))
		return -EINVAL;
	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_FETCH, &req);
	if (ret)
		return ret;
	ticket->fetch_id = req.fetch_id;
	ticket->pending = req.pending;
	ticket->failed = req.failed;
	if (req.failed == 0)
		return 0;
	for (i = 0; i < count; i++) {
		if (items[i].result < 0)
			return items[i].result;
	}
	return -EIO;	/* failures counted but none shown: a driver bug */
}

int kvtl_parse_events(struct kvtl_evq *q, const void *buf, size_t len)
{
	const char *p = buf;
	struct drm_kvtier_event_fetch ev;
	struct drm_event hdr;
	size_t off = 0;
	int queued = 0, ret;

	while (len - off >= sizeof(hdr)) {
		memcpy(&hdr, p + off, sizeof(hdr));
		if (hdr.length < sizeof(hdr) || hdr.length > len - off)
			break;
		if (hdr.type == DRM_KVTIER_EVENT_FETCH_DONE &&
		    hdr.length >= sizeof(ev)) {
			memcpy(&ev, p + off, sizeof(ev));
			ret = kvtl_evq_push(q, &ev);
			if (ret)
				return ret;
			queued++;
		}
		off += hdr.length;
	}
	return queued;
}

/* Reads whatever the (non-blocking) fd holds into the queue.
 * Return: events queued, 0 when none were waiting, or -errno. */
static int kvtl_read_events(struct kvtier *kv)
{
	/* Aligned for the u64 fields; parsing copies out anyway. */
	uint64_t buf[KVTL_READ_BUF / sizeof(uint64_t)];
	ssize_t n;

	n = read(kv->fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	return kvtl_parse_events(&kv->events, buf, (size_t)n);
}

/* Milliseconds to pass to poll() to wait until @deadline, rounded up so
 * that a sub-millisecond remainder does not spin. -1: forever. */
static int kvtl_poll_ms(bool forever, uint64_t deadline)
{
	uint64_t now, ms;

	if (forever)
		return -1;
	now = kvtier_now_ns();
	if (now >= deadline)
		return 0;
	ms = (deadline - now + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* The wait shared by kvtier_event_next (@any) and kvtier_fetch_wait. */
static int kvtl_wait(struct kvtier *kv, bool any, uint32_t fetch_id,
		     int timeout_ms, struct drm_kvtier_event_fetch *ev)
{
	struct pollfd pfd = { .fd = kv->fd, .events = POLLIN };
	bool forever = timeout_ms < 0;
	uint64_t deadline = 0;
	int ret, ms;

	if (!forever)
		deadline = kvtier_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		ret = any ? kvtl_evq_pop(&kv->events, ev) :
			    kvtl_evq_take(&kv->events, fetch_id, ev);
		if (ret == 0)
			return 0;
		ret = kvtl_read_events(kv);
		if (ret < 0)
			return ret;
		if (ret > 0)
			continue;
		ms = kvtl_poll_ms(forever, deadline);
		if (ms == 0)
			return -ETIME;
		ret = poll(&pfd, 1, ms);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret > 0 && (pfd.revents & (POLLERR | POLLNVAL)))
			return -EIO;
	}
}

int kvtier_event_next(struct kvtier *kv, int timeout_ms,
		      struct drm_kvtier_event_fetch *ev)
{
	return kvtl_wait(kv, true, 0, timeout_ms, ev);
}

int kvtier_fetch_wait(struct kvtier *kv, uint32_t fetch_id, int timeout_ms,
		      struct drm_kvtier_event_fetch *ev)
{
	struct drm_kvtier_event_fetch tmp;

	return kvtl_wait(kv, false, fetch_id, timeout_ms, ev ? ev : &tmp);
}

int kvtier_fetch_and_wait(struct kvtier *kv,
			  struct drm_kvtier_fetch_item *items, uint32_t count,
			  int timeout_ms)
{
	struct kvtier_fetch_ticket ticket;
	struct drm_kvtier_event_fetch ev;
	int ret, wret;

	ret = kvtier_fetch(kv, items, count, 0, &ticket);
	if (ticket.pending == 0)
		return ret;
	/* Wait even when an item was refused: the queued ones still pin. */
	wret = kvtier_fetch_wait(kv, ticket.fetch_id, timeout_ms, &ev);
	if (ret)
		return ret;
	if (wret)
		return wret;
	return ev.status;
}

int kvtier_region_register(struct kvtier *kv, uint64_t size, uint64_t cookie,
			   int fd, uint32_t kind, uint32_t *region_id)
{
	struct drm_kvtier_region_register req = {
		.size = size,
		.cookie = cookie,
		/* The driver ignores @fd for NONE; -1 says so in a trace. */
		.fd = kind == KVTIER_REGION_KIND_NONE ? -1 : fd,
		.kind = kind,
	};
	int ret;

	ret = kvtl_ioctl(kv, DRM_IOCTL_KVTIER_REGION_REGISTER, &req);
	if (ret)
		return ret;
	*region_id = req.region_id;
	return 0;
}

int kvtier_region_unregister(struct kvtier *kv, uint32_t region_id)
{
	struct drm_kvtier_region_unregister req = { .region_id = region_id };

	return kvtl_ioctl(kv, DRM_IOCTL_KVTIER_REGION_UNREGISTER, &req);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Fetch completion events. Each fetch that queued work becomes one DRM
 * event on the fd that asked for it; the client polls the fd for POLLIN and
 * read()s a struct drm_kvtier_event_fetch, the same path as a vblank event.
 *
 * The event is reserved in the FETCH ioctl and filed under its fetch id in
 * kf->fetches once the core has named the fetch. The manager may complete
 * the work before that (the core drops its locks before the ioctl returns),
 * so a completion that finds no reserved event leaves an "early" record in
 * its place, and arming the reserved event picks it up. Both sides change
 * kf->fetches only with atomic xarray operations, so neither takes a lock
 * that could nest with the core's.
 */
#include <linux/slab.h>
#include <linux/xarray.h>

#include <drm/drm_file.h>
#include <drm/drm_print.h>

#include "kvtier_event.h"

/**
 * struct kvtier_event_fetch - a reserved fetch event, or an early record.
 * @base: the DRM event; first, as drm_event_reserve_init() requires.
 * @ev: what read() returns.
 * @early: a completion that came before its event was armed; not reserved.
 */
struct kvtier_event_fetch {
	struct drm_pending_event base;
	struct drm_kvtier_event_fetch ev;
	bool early;
};

void kvtier_event_file_init(struct kvtier_file *kf)
{
	xa_init(&kf->fetches);
}

void kvtier_event_file_fini(struct kvtier_file *kf)
{
	struct kvtier_event_fetch *e;
	unsigned long id;

	xa_for_each(&kf->fetches, id, e) {
		xa_erase(&kf->fetches, id);
		if (e->early)
			kfree(e);
		else
			drm_event_cancel_free(&kf->kdev->drm, &e->base);
	}
	xa_destroy(&kf->fetches);
}

struct kvtier_event_fetch *kvtier_event_fetch_prepare(struct kvtier_file *kf)
{
	struct kvtier_event_fetch *e;
	int ret;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->ev.base.type = DRM_KVTIER_EVENT_FETCH_DONE;
	e->ev.base.length = sizeof(e->ev);
	ret = drm_event_reserve_init(&kf->kdev->drm, kf->file, &e->base,
				     &e->ev.base);
	if (ret) {
		kfree(e);
		/* Only the event space can run out here: read your events. */
		return ERR_PTR(-EAGAIN);
	}
	return e;
}

void kvtier_event_fetch_cancel(struct kvtier_file *kf,
			       struct kvtier_event_fetch *e)
{
	drm_event_cancel_free(&kf->kdev->drm, &e->base);
}

static void kvtier_event_fetch_send(struct kvtier_file *kf,
				    struct kvtier_event_fetch *e,
				    const struct drm_kvtier_event_fetch *ev)
{
	e->ev.user_data = ev->user_data;
	e->ev.fetch_id = ev->fetch_id;
	e->ev.completed = ev->completed;
	e->ev.failed = ev->failed;
	e->ev.status = ev->status;
	drm_send_event(&kf->kdev->drm, &e->base);
}

int kvtier_event_fetch_arm(struct kvtier_file *kf, struct kvtier_event_fetch *e,
			   u32 fetch_id)
{
	struct kvtier_event_fetch *early;
	int ret;

	ret = xa_insert(&kf->fetches, fetch_id, e, GFP_KERNEL);
	if (!ret)
		return 0;
	if (ret != -EBUSY)
		goto err_cancel;

	/* Completed already: only this fetch can own the id's entry. */
	early = xa_erase(&kf->fetches, fetch_id);
	if (WARN_ON(!early || !early->early)) {
		ret = -EINVAL;
		goto err_cancel;
	}
	kvtier_event_fetch_send(kf, e, &early->ev);
	kfree(early);
	return 0;

err_cancel:
	kvtier_event_fetch_cancel(kf, e);
	return ret;
}

void kvtier_event_fetch_done(struct kvtier_device *kdev, struct kvtier_file *kf,
			     const struct drm_kvtier_event_fetch *ev)
{
	struct kvtier_event_fetch *e, *early;

	e = xa_erase(&kf->fetches, ev->fetch_id);
	if (e)
		goto send;

	/* Not armed yet: leave the completion for the FETCH ioctl to send. */
	early = kzalloc(sizeof(*early), GFP_KERNEL);
	if (!early)
		goto err_drop;
	early->early = true;
	early->ev = *ev;
	e = xa_cmpxchg(&kf->fetches, ev->fetch_id, NULL, early, GFP_KERNEL);
	if (!e)
		return;
	kfree(early);
	if (xa_is_err(e))
		goto err_drop;
	/* Armed in the meantime. */
	e = xa_erase(&kf->fetches, ev->fetch_id);
	if (WARN_ON(!e || e->early))
		return;
send:
	kvtier_event_fetch_send(kf, e, ev);
	return;

err_drop:
	drm_err_ratelimited(&kdev->drm, "fetch %u: out of memory, event lost\n",
			    ev->fetch_id);
}

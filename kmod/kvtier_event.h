/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fetch completion events, read() from the client's fd.
 *
 * Event space is reserved when the fetch is made, not when it completes, so
 * that a completion can never find the file's event space full and be lost:
 * a client that leaves its events unread gets -EAGAIN from FETCH instead.
 */
#ifndef KVTIER_EVENT_H
#define KVTIER_EVENT_H

#include "kvtier_drv.h"

struct kvtier_event_fetch;

/* Per-file state, at open. */
void kvtier_event_file_init(struct kvtier_file *kf);
/*
 * Free every event still reserved or early at close, after
 * kvt_client_close() returned (so no completion races with it) and before
 * drm_release() (so the file's event accounting still exists).
 */
void kvtier_event_file_fini(struct kvtier_file *kf);

/*
 * Reserve the completion event of a fetch about to be made. Returns the
 * event, ERR_PTR(-EAGAIN) when the file's event space is full of unread
 * events, or ERR_PTR(-ENOMEM).
 */
struct kvtier_event_fetch *kvtier_event_fetch_prepare(struct kvtier_file *kf);
/* The fetch queued nothing, or failed: give the reservation back. */
void kvtier_event_fetch_cancel(struct kvtier_file *kf,
			       struct kvtier_event_fetch *e);
/*
 * The fetch queued work under @fetch_id: send @e when it completes (at once
 * if it already did). Returns 0 or -ENOMEM (the reservation is given back).
 */
int kvtier_event_fetch_arm(struct kvtier_file *kf, struct kvtier_event_fetch *e,
			   u32 fetch_id);
/*
 * env->fetch_done: the fetch @ev->fetch_id of @kf completed. The core never
 * calls this after kvt_client_close() of that client returned.
 */
void kvtier_event_fetch_done(struct kvtier_device *kdev, struct kvtier_file *kf,
			     const struct drm_kvtier_event_fetch *ev);

#endif /* KVTIER_EVENT_H */

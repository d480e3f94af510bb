// SPDX-License-Identifier: GPL-2.0
/*
 * Write policy decisions. See kvtd_write.h.
 */
#include <errno.h>

#include "kvtd_write.h"

/* Whether @pol wants @obj on disk by now, event aside. */
static bool write_wanted(const struct kvtd_write_policy *pol,
			 enum kvtd_write_event ev,
			 const struct kvtd_write_object *obj)
{
	switch (pol->mode) {
	case KVTD_WRITE_THROUGH:
		/* At commit, and again later if that write was lost. */
		return true;
	case KVTD_WRITE_BACK:
		return ev == KVTD_WRITE_EV_EVICT;
	case KVTD_WRITE_SELECTIVE:
		return obj->hits >= pol->hits;
	}
	return false;
}

int kvtd_write_decide(const struct kvtd_write_policy *pol,
		      enum kvtd_write_event ev,
		      const struct kvtd_write_object *obj,
		      struct kvtd_write_decision *out)
{
	bool evict = ev == KVTD_WRITE_EV_EVICT;
	bool wanted;

	if (pol->mode != KVTD_WRITE_THROUGH && pol->mode != KVTD_WRITE_BACK &&
	    pol->mode != KVTD_WRITE_SELECTIVE)
		return -EINVAL;
	if (ev != KVTD_WRITE_EV_COMMIT && ev != KVTD_WRITE_EV_HIT && !evict)
		return -EINVAL;

	out->write = false;
	out->drop = false;
	if (obj->on_disk) {
		out->drop = evict;
		return 0;
	}
	wanted = write_wanted(pol, ev, obj);
	/* A write under way is waited for, never queued twice nor wasted. */
	if (obj->writing)
		return 0;
	out->write = wanted;
	/* Unwritten and unwanted on disk: the policy chose to lose it. */
	out->drop = evict && !wanted;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* Disk copies nobody claims, dropped when the disk tier needs room. */
#include <errno.h>
#include <stdlib.h>

#include "disk.h"
#include "kvtd_reclaim.h"
#include "kvtier_drm.h"
#include "kvtd_usdt.h"

int kvtd_reclaim_add(struct kvtd_reclaim *r, const struct kvtd_tier_cqe *c)
{
	struct kvtd_tier_cqe *v;
	size_t cap;

	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 64;
		v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = *c;
	return 0;
}

unsigned int kvtd_reclaim_run(struct kvtd_reclaim *r, struct kvtd_disk *d,
			      uint64_t bytes, uint64_t user_data)
{
	const struct kvtd_tier_cqe *u;
	struct kvtd_tier_cqe now;
	uint64_t freed = 0;
	unsigned int n = 0;
	int ret;

	/* From the end: the list only ever shrinks there. */
	while (r->n && freed < bytes) {
		u = &r->v[r->n - 1];
		if (kvtd_disk_lookup(d, &u->key, &now) == 0 &&
		    now.generation == u->generation) {
			ret = kvtd_disk_drop(d, &u->key, user_data);
			if (ret == -EAGAIN)
				break;
			if (!ret) {
				KVTD_USDT_EVICT(u->key.lo, u->key.hi, u->key.ns,
						KVTIER_TIER_DISK,
						KVTD_USDT_EVICT_DROP,
						KVTD_USDT_NO_SCORE,
						r->policy ? r->policy : "none");
				freed += u->size;
				r->dropped++;
				r->bytes += u->size;
				n++;
			}
		}
		r->n--;
	}
	return n;
}

void kvtd_reclaim_fini(struct kvtd_reclaim *r)
{
	free(r->v);
	*r = (struct kvtd_reclaim){ 0 };
}

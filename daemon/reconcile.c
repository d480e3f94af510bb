// SPDX-License-Identifier: GPL-2.0
/*
 * At start, after the disk tier has recovered its index: every object
 * the driver says has a DISK copy must be in that index. One that is not
 * (its extent was torn, corrupt, or the store was formatted) is lost on
 * disk: its DISK residency is dropped, which evicts it if that was its
 * last copy, and it is logged and counted. Copies whose key the driver
 * does not know are counted and kept (a later start may claim them) until
 * the disk tier runs out of room: then they go first (kvtd_reclaim.h),
 * and so do copies of objects freed while the daemon runs, which their
 * FREE records name (pressure.c), or a rebuild lists anew.
 */
#include <errno.h>
#include <string.h>

#include "kvtd_log.h"
#include "kvtd_manager.h"

struct rec_unknown {
	const struct kvtd_keyset *known;
	struct kvtd_reclaim *unclaimed;
	uint64_t unknown;
	uint64_t unlisted;	/* no memory to note them: never reclaimed */
};

static int rec_count_unknown(const struct kvtd_tier_cqe *obj, void *arg)
{
	struct rec_unknown *u = arg;

	if (kvtd_keyset_get(u->known, &obj->key) != KVTD_KEYSET_NONE)
		return 0;
	u->unknown++;
	if (kvtd_reclaim_add(u->unclaimed, obj))
		u->unlisted++;
	return 0;
}

static struct kvtd_tier_key rec_key(const struct drm_kvtier_obj_record *r)
{
	return (struct kvtd_tier_key){ r->key.lo, r->key.hi, r->tenant_id };
}

/* Drop the DISK residency of every lost copy; counts them. */
static int rec_drop_lost(struct kvtd_manager *m, uint64_t *with_disk)
{
	const uint32_t disk = KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	struct drm_kvtier_residency_item it[256];
	struct kvtd_tier_cqe where;
	struct kvtd_tier_key k;
	uint32_t n = 0, i;
	size_t r;

	for (r = 0; r <= m->nr_recs; r++) {
		if (n == 256 || (r == m->nr_recs && n)) {
			kvtd_exec_residency(m, it, n);
			for (i = 0; i < n; i++)
				if (it[i].result && it[i].result != -ENOENT)
					kvtd_warn("reconcile: RESIDENCY DROP DISK of handle %llu: %s",
						  (unsigned long long)it[i].handle,
						  strerror(-it[i].result));
			n = 0;
		}
		if (r == m->nr_recs || !(m->recs[r].tiers & disk))
			continue;
		(*with_disk)++;
		k = rec_key(&m->recs[r]);
		if (!kvtd_disk_lookup(m->disk, &k, &where))
			continue;
		m->ctr.lost_on_disk++;
		kvtd_planner_note(m->planner, m->recs[r].handle,
				  KVTD_NOTE_DISK_GONE);
		kvtd_warn("reconcile: object %016llx%016llx of tenant %llu in pool %u is lost on disk (%s)",
			  (unsigned long long)k.hi, (unsigned long long)k.lo,
			  (unsigned long long)k.ns, m->recs[r].pool_id,
			  m->recs[r].tiers & ~disk ?
				  "still in host" : "it had no other copy");
		it[n++] = (struct drm_kvtier_residency_item){
			.handle = m->recs[r].handle,
			.op = KVTIER_RES_DROP,
			.tier = KVTIER_TIER_DISK,
		};
	}
	return 0;
}

/*
 * Lists in m->unclaimed the disk copies whose key no object of the last
 * scan (m->recs) has, and counts them in @u. 0 or -ENOMEM.
 */
static int rec_list_unclaimed(struct kvtd_manager *m, struct rec_unknown *u)
{
	struct kvtd_keyset known;
	struct kvtd_tier_key k;
	size_t r;
	int ret;

	ret = kvtd_keyset_init(&known, m->nr_recs < UINT32_MAX / 2 ?
					       (uint32_t)m->nr_recs : 0);
	for (r = 0; !ret && r < m->nr_recs; r++) {
		k = rec_key(&m->recs[r]);
		ret = kvtd_keyset_put(&known, &k, 1);
		if (ret == -EEXIST)
			ret = 0;
	}
	if (!ret) {
		u->known = &known;
		u->unclaimed = &m->unclaimed;
		kvtd_disk_foreach(m->disk, rec_count_unknown, u);
	}
	kvtd_keyset_fini(&known);
	return ret;
}

int kvtd_reconcile_unclaimed(struct kvtd_manager *m)
{
	struct rec_unknown u = { 0 };
	int ret;

	if (!m->disk)
		return 0;
	/* Listed anew; the counts since start stay. */
	m->unclaimed.n = 0;
	ret = rec_list_unclaimed(m, &u);
	if (!ret && u.unknown)
		kvtd_info("disk: %llu copies no object claims, dropped as room is needed",
			  (unsigned long long)u.unknown);
	return ret;
}

int kvtd_reconcile(struct kvtd_manager *m)
{
	struct rec_unknown u = { 0 };
	uint64_t with_disk = 0;
	size_t r;
	int ret;

	if (!m->disk) {
		for (r = 0; r < m->nr_recs; r++)
			with_disk += !!(m->recs[r].tiers &
					KVTIER_TIER_BIT(KVTIER_TIER_DISK));
		if (with_disk)
			kvtd_warn("reconcile: %llu objects have a disk copy but no disk tier is configured: fetching them will fail",
				  (unsigned long long)with_disk);
		return 0;
	}
	rec_drop_lost(m, &with_disk);
	ret = rec_list_unclaimed(m, &u);
	if (ret) {
		kvtd_err("reconcile: indexing the driver's keys: %s",
			 strerror(-ret));
		return ret;
	}
	m->ctr.disk_unknown = u.unknown;
	kvtd_info("reconcile: %zu objects in the driver, %llu with a disk copy, %llu lost on disk; %llu disk objects unknown to the driver, kept until the disk needs room",
		  m->nr_recs, (unsigned long long)with_disk,
		  (unsigned long long)m->ctr.lost_on_disk,
		  (unsigned long long)u.unknown);
	if (u.unlisted)
		kvtd_warn("reconcile: no memory to list %llu of them: their space is not reused",
			  (unsigned long long)u.unlisted);
	return 0;
}

/*
 * A copy's space comes back only when the wipe of its header completes,
 * so until then the writes that wait for it find no room again: what they
 * want in this pass (m->room_wanted) is set against what the drops in
 * flight give back (m->room_coming), and only the difference is
 * reclaimed, so that copies are not dropped for nothing. The list holds
 * the copies unclaimed at start or at the last rebuild, and those of
 * objects freed since (their FREE records, pressure.c).
 */
bool kvtd_reconcile_room(struct kvtd_manager *m, uint64_t len)
{
	uint64_t before;
	unsigned int n;

	m->room_wanted += len;
	if (m->room_wanted <= m->room_coming)
		return true;
	before = m->unclaimed.bytes;
	n = kvtd_reclaim_run(&m->unclaimed, m->disk,
			     m->room_wanted - m->room_coming, KVTD_OP_RECLAIM);
	if (!n)
		return false;
	m->room_coming += m->unclaimed.bytes - before;
	m->reclaim_inflight += n;
	m->submit = true;
	return true;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's model of the driver: the object life cycle as the uAPI
 * header describes it (WRITING -> READY -> EVICTING -> gone, references,
 * pins, slots charged to tenants, work holding objects), and the checks of
 * the driver's own accounting against it.
 */
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fz_obj_new(void)
{
	int i;

	/* Dead entries are reused; their handles live on as stale ones. */
	for (i = 0; i < FZ_MAXO; i++) {
		if (F->obj[i].state == FZ_DEAD) {
			memset(&F->obj[i], 0, sizeof(F->obj[i]));
			F->obj[i].creator = -1;
			F->obj[i].host_work = -1;
			return i;
		}
	}
	return -1;
}

int fz_obj_by_handle(uint64_t handle)
{
	int i;

	if (!handle)
		return -1;
	for (i = 0; i < FZ_MAXO; i++)
		if (F->obj[i].state != FZ_DEAD && F->obj[i].handle == handle)
			return i;
	return -1;
}

uint64_t fz_pool_free(const struct fz_pool *p)
{
	uint64_t used = 0;
	int t;

	for (t = 0; t <= FZ_NTEN; t++)
		used += p->t_used[t];
	return p->slot_count - used;
}

static int ten_slot(const struct fz_obj *o)
{
	return o->ten < 0 ? FZ_NTEN : o->ten;
}

static uint64_t run_mask(uint32_t first, uint32_t n)
{
	if (n >= 64)
		return ~0ull;
	return ((1ull << n) - 1) << first;
}

/*
 * Charges a run of @n slots at @first (UINT32_MAX: placed where the model
 * cannot see, a DISK->HOST copy) to tenant slot @ten. Returns -EEXIST when
 * the run overlaps slots the model knows are held.
 */
int fz_charge(struct fz_pool *p, int ten, uint32_t first, uint32_t n)
{
	p->t_used[ten] += n;
	if (first == UINT32_MAX)
		return 0;
	if (p->used & run_mask(first, n))
		return -EEXIST;
	p->used |= run_mask(first, n);
	return 0;
}

void fz_take_slots(struct fz_obj *o)
{
	struct fz_pool *p = &F->pool[o->pool];

	if (!o->slots)
		return;
	p->t_used[ten_slot(o)] -= o->nslots;
	if (o->first != UINT32_MAX)
		p->used &= ~run_mask(o->first, o->nslots);
	o->slots = false;
	o->host = false;
}

void fz_maybe_kill(struct fz_obj *o)
{
	struct fz_pool *p = &F->pool[o->pool];

	if (o->state != FZ_EVICTING || o->refs || o->work_refs)
		return;
	fz_take_slots(o);
	o->disk = false;
	p->objects--;
	p->t_objects[ten_slot(o)]--;
	o->state = FZ_DEAD;
	F->frees++;
	F->stale[F->nstale++ % FZ_STALE] = o->handle;
}

void fz_evict(struct fz_obj *o)
{
	if (o->state == FZ_WRITING)
		o->creator = -1;
	o->state = FZ_EVICTING;
	fz_maybe_kill(o);
}

void fz_drop_ref(int c, struct fz_obj *o)
{
	uint32_t t;

	for (t = 0; t < KVTIER_TIER_COUNT; t++) {
		o->pin_total[t] -= o->pins[c][t];
		o->pins[c][t] = 0;
	}
	o->refs &= ~(1u << c);
	if (o->state == FZ_WRITING && o->creator == c)
		fz_evict(o);
	else
		fz_maybe_kill(o);
}

void fz_pin(struct fz_obj *o, int c, uint32_t tier)
{
	o->pins[c][tier]++;
	o->pin_total[tier]++;
}

void fz_unpin(struct fz_obj *o, int c, uint32_t tier)
{
	o->pins[c][tier]--;
	o->pin_total[tier]--;
}

uint32_t fz_tiers(const struct fz_obj *o)
{
	uint32_t t = 0;

	if (o->host)
		t |= KVTIER_TIER_BIT(KVTIER_TIER_HOST);
	if (o->disk)
		t |= KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	if (o->pin_total[KVTIER_TIER_DEVICE])
		t |= KVTIER_TIER_BIT(KVTIER_TIER_DEVICE);
	return t;
}

static void list_del(int *list, int *n, int w)
{
	int i;

	for (i = 0; i < *n; i++) {
		if (list[i] == w) {
			memmove(list + i, list + i + 1,
				sizeof(*list) * (size_t)(*n - i - 1));
			(*n)--;
			return;
		}
	}
}

/* A dispatched work item completes with @status (what the manager said). */
void fz_work_complete(int wi, int32_t status)
{
	struct fz_work *w = &F->work[wi];
	struct fz_obj *o = &F->obj[w->obj];
	int i;

	list_del(F->disp, &F->ndisp, wi);
	if (w->dst_tier == KVTIER_TIER_HOST) {
		o->host_work = -1;
		if (!status && o->state == FZ_READY) {
			o->host = true;
		} else {
			if (!status)
				status = -ENOENT;
			fz_take_slots(o);
		}
	} else {
		const struct fz_region *r = NULL;

		if (w->src_tier == KVTIER_TIER_HOST)
			o->pin_total[KVTIER_TIER_HOST]--;
		for (i = 0; i < FZ_MAXR; i++)
			if (F->region[i].live &&
			    F->region[i].id == w->region_id &&
			    F->region[i].seq == w->region_seq)
				r = &F->region[i];
		if (!status && !r)
			status = -ENOENT;
		if (!status && o->state != FZ_READY)
			status = -ENOENT;
	}
	for (i = 0; i < w->nwait; i++) {
		struct fz_fetch *f = &F->fetch[w->waiters[i]];
		bool open = f->client >= 0;
		bool ok = !status && open && (o->refs & (1u << f->client)) &&
			  o->state == FZ_READY &&
			  (w->dst_tier == KVTIER_TIER_DEVICE || o->host);

		if (ok) {
			fz_pin(o, f->client, w->dst_tier);
			f->completed++;
		} else {
			f->failed++;
		}
		/* Done: an event waits on the fd (its space was reserved). */
		if (!--f->pending && !open)
			f->live = false;
	}
	o->work_refs--;
	fz_maybe_kill(o);
	w->live = false;
}

/*
 * Region @ri is gone (unregistered, or its owner closed): DEVICE work still
 * queued for it is cancelled there and then, as if completed with -ENOENT.
 */
void fz_region_gone(int ri)
{
	const struct fz_region *r = &F->region[ri];
	int i, wi;

	for (i = 0; i < F->nqueue;) {
		const struct fz_work *w;

		wi = F->queue[i];
		w = &F->work[wi];
		if (w->dst_tier != KVTIER_TIER_DEVICE ||
		    w->region_id != r->id || w->region_seq != r->seq) {
			i++;
			continue;
		}
		list_del(F->queue, &F->nqueue, wi);
		fz_work_complete(wi, -ENOENT);
	}
}

void fz_client_closed(int ci)
{
	struct fz_client *c = &F->c[ci];
	int i, n;

	if (c->manager) {
		int q[FZ_MAXW];

		/* Dispatched work goes back to the front, in its order. */
		n = F->ndisp;
		memcpy(q, F->disp, sizeof(int) * (size_t)n);
		memcpy(q + n, F->queue, sizeof(int) * (size_t)F->nqueue);
		n += F->nqueue;
		memcpy(F->queue, q, sizeof(int) * (size_t)n);
		F->nqueue = n;
		for (i = 0; i < F->ndisp; i++)
			F->work[F->disp[i]].dispatched = false;
		F->ndisp = 0;
		c->manager = false;
	}
	for (i = 0; i < FZ_MAXR; i++) {
		struct fz_region *r = &F->region[i];

		if (r->live && r->owner == ci) {
			r->live = false;
			fz_region_gone(i);
			if (r->memfd >= 0 && !c->owner)
				close(r->memfd);
		}
	}
	for (i = 0; i < FZ_MAXO; i++) {
		struct fz_obj *o = &F->obj[i];

		if (o->state != FZ_DEAD && (o->refs & (1u << ci)))
			fz_drop_ref(ci, o);
	}
	/*
	 * Its fetches still complete, with no event: orphans, since the
	 * client slot may be reused before they do.
	 */
	for (i = 0; i < FZ_MAXF; i++) {
		if (!F->fetch[i].live || F->fetch[i].client != ci)
			continue;
		if (F->fetch[i].pending)
			F->fetch[i].client = -1;
		else
			F->fetch[i].live = false;
	}
	c->open = false;
	c->ev_used = 0;
}

/* ---- checks ------------------------------------------------------------ */

static int checker_fd(void)
{
	return F->c[F->checker].fd;
}

#define EXPECT_EQ(what, got, want)                                             \
	do {                                                                   \
		unsigned long long g_ = (got), w_ = (want);                    \
		if (g_ != w_)                                                  \
			fz_fail("%s: %s is %llu, the model says %llu", when,    \
				what, g_, w_);                                 \
	} while (0)

static int ten_of_id(uint64_t id)
{
	int t;

	if (!id)
		return FZ_NTEN;
	for (t = 0; t < FZ_NTEN; t++)
		if (F->tenant_id[t] == id)
			return t;
	return -1;
}

static void check_stats(const char *when)
{
	struct drm_kvtier_stats st, *b = &F->base;
	uint64_t by_state[3] = { 0 }, by_tier[3] = { 0 }, live = 0, clients = 0;
	int i, err;

	memset(&st, 0, sizeof(st));
	err = fz_ioctl(checker_fd(), DRM_IOCTL_KVTIER_STATS, &st);
	if (err)
		fz_fail("%s: STATS: %s", when, strerror(-err));
	for (i = 0; i < FZ_MAXO; i++) {
		const struct fz_obj *o = &F->obj[i];
		uint32_t t = fz_tiers(o), k;

		if (o->state == FZ_DEAD)
			continue;
		live++;
		by_state[o->state]++;
		for (k = 0; k < KVTIER_TIER_COUNT; k++)
			if (t & KVTIER_TIER_BIT(k))
				by_tier[k]++;
	}
	for (i = 0; i < FZ_MAXC; i++)
		clients += F->c[i].open;
	EXPECT_EQ("stats.objects", st.objects, b->objects + live);
	for (i = 0; i < KVTIER_STATE_COUNT; i++)
		EXPECT_EQ("stats.by_state[]", st.by_state[i],
			  b->by_state[i] + by_state[i]);
	for (i = 0; i < KVTIER_TIER_COUNT; i++)
		EXPECT_EQ("stats.by_tier[]", st.by_tier[i],
			  b->by_tier[i] + by_tier[i]);
	EXPECT_EQ("stats.allocs", st.allocs - b->allocs, F->allocs);
	EXPECT_EQ("stats.commits", st.commits - b->commits, F->commits);
	EXPECT_EQ("stats.frees", st.frees - b->frees, F->frees);
	EXPECT_EQ("stats.work_pending", st.work_pending,
		  b->work_pending + (uint64_t)F->nqueue + (uint64_t)F->ndisp);
	/* The baseline was taken with the checker open. */
	EXPECT_EQ("stats.clients", st.clients, b->clients - 1 + clients);
}

static void check_pools(const char *when)
{
	struct drm_kvtier_pool_info pi;
	char what[64];
	int i, t, err;

	for (i = 0; i < FZ_MAXP; i++) {
		const struct fz_pool *p = &F->pool[i];
		uint64_t used = 0;
		uint32_t objs = 0;

		if (!p->id)
			continue;
		memset(&pi, 0, sizeof(pi));
		pi.pool_id = p->id;
		err = fz_ioctl(checker_fd(), DRM_IOCTL_KVTIER_POOL_INFO, &pi);
		if (!p->live) {
			/* Destroyed and not created again by anyone. */
			if (err != -ENOENT)
				fz_fail("%s: POOL_INFO of destroyed pool %u: "
					"%s", when, p->id, strerror(-err));
			continue;
		}
		if (err)
			fz_fail("%s: POOL_INFO %u: %s", when, p->id,
				strerror(-err));
		for (t = 0; t <= FZ_NTEN; t++) {
			used += p->t_used[t];
			objs += p->t_objects[t];
		}
		snprintf(what, sizeof(what), "pool %u slots_used", p->id);
		EXPECT_EQ(what, pi.slots_used, used);
		/* The model's tenants add up to its pool. */
		if (objs != p->objects)
			fz_fail("model: pool %u has %u objects, its tenants %u",
				p->id, p->objects, objs);
		/* POOL_INFO counts objects with slots; destroy, all. */
		objs = 0;
		for (t = 0; t < FZ_MAXO; t++)
			objs += F->obj[t].state != FZ_DEAD &&
				F->obj[t].pool == i && F->obj[t].slots;
		snprintf(what, sizeof(what), "pool %u objects (with slots)",
			 p->id);
		EXPECT_EQ(what, pi.objects, objs);
		snprintf(what, sizeof(what), "pool %u serial", p->id);
		EXPECT_EQ(what, pi.serial, p->serial);
		EXPECT_EQ("pool slot_count", pi.slot_count, p->slot_count);
		if (pi.pad || pi.pad2 || pi.reserved)
			fz_fail("%s: POOL_INFO %u: out pads not zero", when,
				p->id);
	}
}

static int pool_of_id(uint32_t id)
{
	int i;

	for (i = 0; i < FZ_MAXP; i++)
		if (F->pool[i].live && F->pool[i].id == id)
			return i;
	return -1;
}

static void check_tenants(const char *when)
{
	static struct drm_kvtier_tenant_usage e[KVTIER_MAX_BATCH];
	struct drm_kvtier_tenant_list l;
	bool seen[FZ_MAXP][FZ_NTEN + 1];
	char what[96];
	uint32_t i;
	int err, p, t;

	memset(seen, 0, sizeof(seen));
	memset(&l, 0, sizeof(l));
	l.entries_ptr = (uintptr_t)e;
	l.count = KVTIER_MAX_BATCH;
	err = fz_ioctl(checker_fd(), DRM_IOCTL_KVTIER_TENANT_LIST, &l);
	if (err)
		fz_fail("%s: TENANT_LIST: %s", when, strerror(-err));
	if (l.count > l.total)
		fz_fail("%s: TENANT_LIST wrote %u of %u", when, l.count,
			l.total);
	for (i = 0; i < l.count; i++) {
		p = pool_of_id(e[i].pool_id);
		if (p < 0)
			continue;
		t = ten_of_id(e[i].tenant_id);
		snprintf(what, sizeof(what), "tenant %llu pool %u",
			 (unsigned long long)e[i].tenant_id, e[i].pool_id);
		if (t < 0) {
			/* A tenant the fuzzer never used: only a quota. */
			if (e[i].slots_used || e[i].objects)
				fz_fail("%s: %s: unknown tenant holds %llu "
					"slots, %llu objects", when, what,
					(unsigned long long)e[i].slots_used,
					(unsigned long long)e[i].objects);
			continue;
		}
		seen[p][t] = true;
		if (e[i].slots_used != F->pool[p].t_used[t] ||
		    e[i].objects != F->pool[p].t_objects[t])
			fz_fail("%s: %s: slots_used %llu objects %llu, the "
				"model says %llu and %u", when, what,
				(unsigned long long)e[i].slots_used,
				(unsigned long long)e[i].objects,
				(unsigned long long)F->pool[p].t_used[t],
				F->pool[p].t_objects[t]);
		if (t < FZ_NTEN && e[i].max_slots != F->pool[p].quota[t])
			fz_fail("%s: %s: quota %llu, the model says %llu",
				when, what, (unsigned long long)e[i].max_slots,
				(unsigned long long)F->pool[p].quota[t]);
	}
	if (l.total > l.count)
		return;
	for (p = 0; p < FZ_MAXP; p++) {
		if (!F->pool[p].live)
			continue;
		for (t = 0; t <= FZ_NTEN; t++)
			if (!seen[p][t] && (F->pool[p].t_used[t] ||
					    F->pool[p].t_objects[t]))
				fz_fail("%s: TENANT_LIST has no entry for "
					"tenant %d in pool %u, which holds %llu "
					"slots", when, t, F->pool[p].id,
					(unsigned long long)F->pool[p].t_used[t]);
	}
}

/* Every live object, as the manager sees it, against the model. */
static void check_scan(const char *when)
{
	static struct drm_kvtier_obj_record r[256];
	struct drm_kvtier_obj_scan s;
	uint32_t i, seen = 0, live = 0;
	int m = -1, k, err;

	for (k = 0; k < FZ_MAXC; k++)
		if (F->c[k].open && F->c[k].manager && !F->c[k].owner)
			m = k;
	if (m < 0)
		return;
	for (k = 0; k < FZ_MAXO; k++)
		live += F->obj[k].state != FZ_DEAD;
	memset(&s, 0, sizeof(s));
	for (;;) {
		s.records_ptr = (uintptr_t)r;
		s.count = 256;
		s.flags = 0;
		err = fz_ioctl(F->c[m].fd, DRM_IOCTL_KVTIER_OBJ_SCAN, &s);
		if (err)
			fz_fail("%s: OBJ_SCAN: %s", when, strerror(-err));
		if (!s.count)
			break;
		for (i = 0; i < s.count; i++) {
			const struct fz_obj *o;
			uint32_t pins, refs;

			k = fz_obj_by_handle(r[i].handle);
			if (k < 0) {
				/* Objects of others (earlier tests). */
				if (r[i].pool_id && pool_of_id(r[i].pool_id) >= 0)
					fz_fail("%s: OBJ_SCAN shows handle %llx "
						"the model does not have "
						"(state %u refs %u pins %u)",
						when,
						(unsigned long long)r[i].handle,
						r[i].state, r[i].refs,
						r[i].pins);
				continue;
			}
			o = &F->obj[k];
			seen++;
			refs = (uint32_t)__builtin_popcount(o->refs);
			pins = o->pin_total[0] + o->pin_total[1] +
			       o->pin_total[2];
			if (r[i].state != (uint32_t)o->state ||
			    r[i].refs != refs || r[i].pins != pins ||
			    r[i].tiers != fz_tiers(o) ||
			    r[i].tenant_id != o->tenant)
				fz_fail("%s: OBJ_SCAN of %llx: state %u refs "
					"%u pins %u tiers %x tenant %llu; the "
					"model says %u %u %u %x %llu", when,
					(unsigned long long)o->handle,
					r[i].state, r[i].refs, r[i].pins,
					r[i].tiers,
					(unsigned long long)r[i].tenant_id,
					o->state, refs, pins, fz_tiers(o),
					(unsigned long long)o->tenant);
		}
	}
	EXPECT_EQ("OBJ_SCAN objects", seen, live);
}

void fz_check(const char *when)
{
	check_stats(when);
	check_pools(when);
	check_tenants(when);
	check_scan(when);
	F->checks++;
}

/* ---- the kernel log ----------------------------------------------------- */

static int kmsg_fd = -1;

void fz_kmsg_open(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

/* The records logged since fz_kmsg_open(): none may be a splat. */
bool fz_kmsg_clean(void)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "Oops", "lockdep", "possible circular",
		"soft lockup", "Bad page", "general protection", "Call Trace",
		"KASAN", "hung_task", "blocked for more than",
	};
	char rec[2048];
	bool clean = true;
	ssize_t n;
	size_t i;

	if (kmsg_fd < 0) {
		printf("fuzz: cannot read /dev/kmsg: kernel log not checked\n");
		return false;
	}
	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = 0;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (strstr(rec, bad[i])) {
				printf("fuzz: kernel log: %s", rec);
				clean = false;
				break;
			}
		}
	}
	return clean;
}

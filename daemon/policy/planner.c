// SPDX-License-Identifier: GPL-2.0
/*
 * The planner. See kvtd_planner.h.
 *
 * Objects live in one table indexed by 32 bits, found by handle through a
 * kvtd_keymap; the policies know an object by the key { index, handle },
 * so a victim leads straight to its entry and a stale one is told apart.
 *
 * Why an instance per (pool, tenant) beside the pool's: a tenant over its
 * quota must give back its own objects. Asking the pool's instance for
 * "the next victim of tenant T" walks past every other tenant's objects
 * first, a cost that grows with the cache; a second instance over T's
 * objects alone answers in O(1), and costs one more on_access per hit and
 * one entry per object. For LRU the two orders agree (T's order is the
 * pool's order restricted to T); a policy that learns sees T's history
 * alone in T's instance, which is what T's quota is.
 *
 * Each object also keeps the refs its pool's and its tenant's instances gave
 * it (kvtd_policy_insert_ref) and its tenant instance's index: a victim's
 * removal from both instances then costs no hash lookup, only the lines
 * it unlinks from. At 10^6 objects every lookup into a table that size is
 * a cache miss (and a TLB miss), several per victim in a row before; a
 * policy with no ref ops is told by key, as before.
 *
 * The queues (write-back, parked victims) hold handles, not indices, and
 * are checked when taken: an object freed while queued is skipped, and
 * its entry's reuse cannot be mistaken for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_keymap.h"
#include "kvtd_planner.h"

#define PL_NONE UINT32_MAX

/* Object flags. */
#define PL_READY (1u << 0)	/* committed */
#define PL_HOST (1u << 1)	/* a HOST copy */
#define PL_DISK (1u << 2)	/* a DISK copy */
#define PL_WRITING (1u << 3)	/* a write to disk queued or in flight */
#define PL_TRACKED (1u << 4)	/* a candidate in the policies */
#define PL_EVICTING (1u << 5)	/* named as a victim, not noted yet */
#define PL_PARKED (1u << 6)	/* kept: a candidate again at next plan */
#define PL_WBQ (1u << 7)	/* on the write queue */

/* Tables start this small and double: a small daemon stays small. */
#define PL_MIN_OBJS 1024u
/*
 * Recent misses, direct-mapped by name, so that a COMMIT, which comes
 * after its block's miss (the client computed and stored it meanwhile),
 * tells the policy where in its prompt the block was. 4096 entries cover
 * the misses of a hundred prompts in flight; an entry lost to a collision
 * only leaves that insert without its place (count 0).
 */
#define PL_MISS_SLOTS 4096u

struct pl_miss_ctx {
	struct drm_kvtier_key name;
	uint64_t time_ns;
	uint32_t position;
	uint32_t count;
};

/* One cache line (the table is line-aligned): a victim costs one miss. */
struct pl_obj {
	struct drm_kvtier_key key;
	uint64_t handle;	/* 0: a free entry */
	uint64_t tenant;
	uint64_t size;
	uint64_t offset;	/* of the HOST copy in the pool mapping */
	uint8_t pool_id;	/* 1..KVTIER_MAX_POOLS */
	uint8_t flags;		/* PL_*: eight, no more room */
	uint16_t hits;		/* saturates: the write policies count few */
	union {
		uint32_t pref;	/* PL_TRACKED: its ref in the pool's instance */
		uint32_t next;	/* free: the free list */
	};
	uint32_t tref;		/* PL_TRACKED: its ref in its tenant's */
	uint32_t tix;		/* PL_TRACKED: its tenant's tenants[] index */
};

#define PL_OBJ_ALIGN 64u
_Static_assert(sizeof(struct pl_obj) == PL_OBJ_ALIGN, "pl_obj: one line");
_Static_assert(KVTIER_MAX_POOLS <= UINT8_MAX, "pl_obj.pool_id: a byte");

/* A growable FIFO of handles. */
struct pl_fifo {
	uint64_t *v;
	size_t cap;
	size_t head;		/* next to take */
	size_t n;
};

struct pl_pool {
	bool present;
	struct kvtd_planner_pool p;
	struct kvtd_policy *pol;
	struct pl_fifo parked;
};

struct pl_tenant {
	uint64_t tenant;
	uint32_t pool_id;
	struct kvtd_policy *pol;
};

struct kvtd_planner {
	const struct kvtd_policy_ops *ops;
	bool have_disk;
	bool stale;
	struct pl_obj *o;
	uint32_t nalloc;
	uint32_t nused;		/* entries ever handed out */
	uint32_t free_head;
	uint64_t objects;
	uint64_t records;
	struct kvtd_keymap by_handle;
	struct pl_pool pools[KVTIER_MAX_POOLS + 1];
	struct pl_tenant *tenants;
	uint32_t nr_tenants;
	uint32_t tenants_room;
	struct kvtd_keymap by_tenant;	/* { tenant, pool } -> tenants[] */
	struct pl_fifo wbq;
	struct pl_miss_ctx misses[PL_MISS_SLOTS];
};

/* ---- small parts ------------------------------------------------------ */

static int fifo_push(struct pl_fifo *f, uint64_t h)
{
	size_t cap, i;
	uint64_t *v;

	if (f->n == f->cap) {
		cap = f->cap ? 2 * f->cap : 64;
		v = malloc(cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (i = 0; i < f->n; i++)
			v[i] = f->v[(f->head + i) % f->cap];
		free(f->v);
		f->v = v;
		f->cap = cap;
		f->head = 0;
	}
	f->v[(f->head + f->n) % f->cap] = h;
	f->n++;
	return 0;
}

static bool fifo_pop(struct pl_fifo *f, uint64_t *h)
{
	if (!f->n)
		return false;
	*h = f->v[f->head];
	f->head = (f->head + 1) % f->cap;
	f->n--;
	return true;
}

static void fifo_fini(struct pl_fifo *f)
{
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static struct kvtd_nskey pl_hkey(uint64_t handle)
{
	return (struct kvtd_nskey){ .lo = handle };
}

static struct drm_kvtier_key pl_pkey(const struct kvtd_planner *pl,
				     const struct pl_obj *o)
{
	return (struct drm_kvtier_key){ .lo = (uint64_t)(o - pl->o),
					.hi = o->handle };
}

/*
 * The name a policy learns by (kvtd_access.name): the client's key, told
 * apart by the tenant whose namespace holds it, so that a block stored
 * again after its eviction is known as the same block.
 */
static struct drm_kvtier_key pl_name(const struct drm_kvtier_key *key,
				     uint64_t tenant)
{
	uint64_t m = (tenant + 1) * 0x9e3779b97f4a7c15ull;

	return (struct drm_kvtier_key){ .lo = key->lo ^ m,
					.hi = key->hi ^ ((m >> 29) | (m << 35)) };
}

static struct pl_miss_ctx *pl_miss_slot(struct kvtd_planner *pl,
					const struct drm_kvtier_key *name)
{
	uint64_t h = (name->lo ^ name->hi) * 0x9e3779b97f4a7c15ull;

	return &pl->misses[h >> 52];
}

/* What a policy is told of @o, with its place in a prompt when known. */
static struct kvtd_access pl_acc(struct kvtd_planner *pl,
				 const struct pl_obj *o, uint64_t time_ns,
				 uint32_t position, uint32_t count)
{
	return (struct kvtd_access){
		.key = pl_pkey(pl, o),
		.name = pl_name(&o->key, o->tenant),
		.tenant = o->tenant,
		.time_ns = time_ns,
		.position = position,
		.count = count,
		.pool = o->pool_id,
	};
}

static struct pl_obj *pl_find(const struct kvtd_planner *pl, uint64_t handle)
{
	struct kvtd_nskey k = pl_hkey(handle);
	uint32_t i;

	if (!handle)
		return NULL;
	i = kvtd_keymap_get_ns(&pl->by_handle, &k);
	return i == KVTD_KEYMAP_NONE ? NULL : &pl->o[i];
}

static uint64_t pl_slots(const struct pl_pool *pp, uint64_t size)
{
	uint64_t n = size / pp->p.slot_size + (size % pp->p.slot_size != 0);

	return n ? n : 1;
}

static struct pl_pool *pl_pool(struct kvtd_planner *pl, uint32_t id)
{
	if (id == 0 || id > KVTIER_MAX_POOLS || !pl->pools[id].present)
		return NULL;
	return &pl->pools[id];
}

static int pl_policy_new(const struct kvtd_planner *pl, uint64_t capacity,
			 struct kvtd_policy **out)
{
	struct kvtd_policy_params params = { .capacity = capacity,
					     .flags = KVTD_POLICY_BY_REF };

	return kvtd_policy_create(pl->ops, &params, out);
}

/*
 * The instance of (@pool_id, @tenant), made if @make; NULL if none. Its
 * tenants[] index in *@tix if @tix.
 */
static struct kvtd_policy *pl_tenant_pol(struct kvtd_planner *pl,
					 uint32_t pool_id, uint64_t tenant,
					 bool make, uint32_t *tix)
{
	struct kvtd_nskey k = { .lo = tenant, .hi = pool_id };
	struct pl_tenant *t;
	uint32_t i = kvtd_keymap_get_ns(&pl->by_tenant, &k);
	uint32_t room;

	if (i != KVTD_KEYMAP_NONE) {
		if (tix)
			*tix = i;
		t = &pl->tenants[i];
		if (!t->pol && make &&
		    pl_policy_new(pl, pl->pools[pool_id].p.slot_count, &t->pol))
			return NULL;
		return t->pol;
	}
	if (!make)
		return NULL;
	if (pl->nr_tenants == pl->tenants_room) {
		room = pl->tenants_room ? 2 * pl->tenants_room : 16;
		t = realloc(pl->tenants, room * sizeof(*t));
		if (!t)
			return NULL;
		pl->tenants = t;
		pl->tenants_room = room;
	}
	t = &pl->tenants[pl->nr_tenants];
	*t = (struct pl_tenant){ .tenant = tenant, .pool_id = pool_id };
	if (pl_policy_new(pl, pl->pools[pool_id].p.slot_count, &t->pol))
		return NULL;
	if (kvtd_keymap_put_ns(&pl->by_tenant, &k, pl->nr_tenants)) {
		kvtd_policy_destroy(t->pol);
		return NULL;
	}
	if (tix)
		*tix = pl->nr_tenants;
	pl->nr_tenants++;
	return t->pol;
}

/* ---- objects ---------------------------------------------------------- */

static struct pl_obj *pl_obj_new(struct kvtd_planner *pl, uint64_t handle)
{
	struct kvtd_nskey k = pl_hkey(handle);
	struct pl_obj *o;
	uint32_t i, n;

	if (pl->free_head != PL_NONE) {
		i = pl->free_head;
		pl->free_head = pl->o[i].next;
	} else {
		if (pl->nused == pl->nalloc) {
			if (pl->nalloc >= UINT32_MAX / 2)
				return NULL;
			n = pl->nalloc ? 2 * pl->nalloc : PL_MIN_OBJS;
			o = aligned_alloc(PL_OBJ_ALIGN, (size_t)n * sizeof(*o));
			if (!o)
				return NULL;
			if (pl->nused)
				memcpy(o, pl->o, (size_t)pl->nused * sizeof(*o));
			free(pl->o);
			pl->o = o;
			pl->nalloc = n;
		}
		i = pl->nused++;
	}
	if (kvtd_keymap_put_ns(&pl->by_handle, &k, i)) {
		pl->o[i].next = pl->free_head;
		pl->free_head = i;
		return NULL;
	}
	o = &pl->o[i];
	memset(o, 0, sizeof(*o));
	o->handle = handle;
	pl->objects++;
	return o;
}

static void pl_untrack(struct kvtd_planner *pl, struct pl_obj *o)
{
	struct drm_kvtier_key k = pl_pkey(pl, o);
	struct pl_pool *pp = pl_pool(pl, o->pool_id);

	if (!(o->flags & PL_TRACKED))
		return;
	o->flags &= ~PL_TRACKED;
	/*
	 * Tracked means both instances are those it was inserted in (a
	 * pool that goes untracks its objects), so the refs hold.
	 */
	if (!pp)
		return;
	kvtd_policy_remove_ref(pp->pol, o->pref, &k);
	kvtd_policy_remove_ref(pl->tenants[o->tix].pol, o->tref, &k);
}

/*
 * Make @o a candidate: READY, in HOST, not being evicted. @ctx is what the
 * policies are told of it (pl_acc()); NULL when nothing is known but the
 * object (a rebuild, a victim put back).
 */
static void pl_track(struct kvtd_planner *pl, struct pl_obj *o,
		     const struct kvtd_access *ctx)
{
	struct pl_pool *pp = pl_pool(pl, o->pool_id);
	struct kvtd_access a;
	uint32_t pref, tref, tix;
	struct kvtd_policy *tp;
	uint64_t slots;

	if ((o->flags & (PL_READY | PL_HOST)) != (PL_READY | PL_HOST) ||
	    (o->flags & (PL_TRACKED | PL_EVICTING | PL_PARKED)) || !pp)
		return;
	a = ctx ? *ctx : pl_acc(pl, o, 0, 0, 0);
	slots = pl_slots(pp, o->size);
	tp = pl_tenant_pol(pl, o->pool_id, o->tenant, true, &tix);
	if (!tp || kvtd_policy_insert_ref(pp->pol, &a, slots, &pref)) {
		pl->stale = true;
		return;
	}
	if (kvtd_policy_insert_ref(tp, &a, slots, &tref)) {
		kvtd_policy_remove_ref(pp->pol, pref, &a.key);
		pl->stale = true;
		return;
	}
	o->pref = pref;
	o->tref = tref;
	o->tix = tix;
	o->flags |= PL_TRACKED;
}

static void pl_obj_free(struct kvtd_planner *pl, struct pl_obj *o)
{
	struct kvtd_nskey k = pl_hkey(o->handle);
	uint32_t i = (uint32_t)(o - pl->o);

	pl_untrack(pl, o);
	kvtd_keymap_del_ns(&pl->by_handle, &k);
	o->handle = 0;
	o->flags = 0;
	o->next = pl->free_head;	/* pref no more: untracked */
	pl->free_head = i;
	pl->objects--;
}

/* Queue @o for writing if its pool's write policy wants it now. */
static void pl_write_check(struct kvtd_planner *pl, struct pl_obj *o,
			   enum kvtd_write_event ev)
{
	struct pl_pool *pp = pl_pool(pl, o->pool_id);
	struct kvtd_write_object wo = { .hits = o->hits };
	struct kvtd_write_decision d;

	if (!pl->have_disk || !pp ||
	    (o->flags & (PL_READY | PL_HOST)) != (PL_READY | PL_HOST) ||
	    (o->flags & (PL_DISK | PL_WRITING | PL_WBQ)))
		return;
	/* Back writes nothing here: it writes on eviction only. */
	if (kvtd_write_decide(&pp->p.write, ev, &wo, &d) || !d.write)
		return;
	if (fifo_push(&pl->wbq, o->handle)) {
		pl->stale = true;
		return;
	}
	o->flags |= PL_WBQ;
}

/* ---- lifetime and pools ----------------------------------------------- */

int kvtd_planner_create(const struct kvtd_policy_ops *ops, bool have_disk,
			struct kvtd_planner **out)
{
	struct kvtd_planner *pl;

	if (!ops || ops->offline)
		return -EINVAL;
	pl = calloc(1, sizeof(*pl));
	if (!pl)
		return -ENOMEM;
	pl->ops = ops;
	pl->have_disk = have_disk;
	pl->free_head = PL_NONE;
	if (kvtd_keymap_init(&pl->by_handle, PL_MIN_OBJS) ||
	    kvtd_keymap_init(&pl->by_tenant, 0)) {
		kvtd_planner_destroy(pl);
		return -ENOMEM;
	}
	*out = pl;
	return 0;
}

static void pl_tenants_fini(struct kvtd_planner *pl, uint32_t pool_id)
{
	uint32_t i;

	for (i = 0; i < pl->nr_tenants; i++) {
		if (pool_id && pl->tenants[i].pool_id != pool_id)
			continue;
		kvtd_policy_destroy(pl->tenants[i].pol);
		pl->tenants[i].pol = NULL;
	}
}

/* Drop pool @id's instances; its objects are untracked if @objs. */
static void pl_pool_drop(struct kvtd_planner *pl, uint32_t id, bool objs)
{
	struct pl_pool *pp = pl_pool(pl, id);
	uint32_t i;

	if (!pp)
		return;
	/* Their refs die with the instances: none may be used again. */
	if (objs && kvtd_policy_count(pp->pol))
		for (i = 0; i < pl->nused; i++)
			if (pl->o[i].handle && pl->o[i].pool_id == id)
				pl->o[i].flags &= ~PL_TRACKED;
	kvtd_policy_destroy(pp->pol);
	fifo_fini(&pp->parked);
	pl_tenants_fini(pl, id);
	memset(pp, 0, sizeof(*pp));
}

void kvtd_planner_pool_gone(struct kvtd_planner *pl, uint32_t id)
{
	pl_pool_drop(pl, id, true);
}

void kvtd_planner_destroy(struct kvtd_planner *pl)
{
	uint32_t id;

	if (!pl)
		return;
	for (id = 1; id <= KVTIER_MAX_POOLS; id++)
		pl_pool_drop(pl, id, false);
	pl_tenants_fini(pl, 0);
	free(pl->tenants);
	kvtd_keymap_fini(&pl->by_tenant);
	kvtd_keymap_fini(&pl->by_handle);
	fifo_fini(&pl->wbq);
	free(pl->o);
	free(pl);
}

int kvtd_planner_pool_set(struct kvtd_planner *pl, uint32_t id,
			  const struct kvtd_planner_pool *p)
{
	struct pl_pool *pp;
	int ret;

	if (id == 0 || id > KVTIER_MAX_POOLS || !p->slot_size)
		return -EINVAL;
	pp = &pl->pools[id];
	if (pp->present && pp->p.slot_size == p->slot_size &&
	    pp->p.slot_count == p->slot_count) {
		pp->p.write = p->write;
		return 0;
	}
	if (pp->present) {
		/* A new pool under an old id: what was tracked is lost. */
		if (kvtd_policy_count(pp->pol))
			pl->stale = true;
		kvtd_planner_pool_gone(pl, id);
	}
	ret = pl_policy_new(pl, p->slot_count, &pp->pol);
	if (ret)
		return ret;
	pp->p = *p;
	pp->present = true;
	return 0;
}

/* ---- the stream ------------------------------------------------------- */

static void pl_hit(struct kvtd_planner *pl, const struct drm_kvtier_access *a)
{
	struct pl_obj *o = pl_find(pl, a->handle);
	struct kvtd_access acc;
	struct pl_pool *pp;

	if (!o)
		return;
	if (o->hits < UINT16_MAX)
		o->hits++;
	pp = pl_pool(pl, o->pool_id);
	if ((o->flags & PL_TRACKED) && pp) {
		acc = pl_acc(pl, o, a->time_ns, a->where.lookup.position,
			     a->where.lookup.count);
		kvtd_policy_access_ref(pp->pol, o->pref, &acc);
		kvtd_policy_access_ref(pl->tenants[o->tix].pol, o->tref, &acc);
	}
	pl_write_check(pl, o, KVTD_WRITE_EV_HIT);
}

static void pl_miss(struct kvtd_planner *pl, const struct drm_kvtier_access *a)
{
	struct kvtd_access acc = {
		.tenant = a->tenant_id,
		.time_ns = a->time_ns,
		.position = a->where.lookup.position,
		.count = a->where.lookup.count,
		.flags = (a->flags & KVTIER_ACCESS_NOT_PROBED) ?
			 KVTD_ACCESS_NOT_PROBED : 0,
	};
	struct pl_miss_ctx *m;
	uint32_t id;

	/*
	 * A miss names no object: the policies know it by its name only
	 * (which is also its key to them), and remember the block's place
	 * for the COMMIT that may follow.
	 */
	acc.name = pl_name(&a->key, a->tenant_id);
	acc.key = acc.name;
	m = pl_miss_slot(pl, &acc.name);
	*m = (struct pl_miss_ctx){ .name = acc.name, .time_ns = a->time_ns,
				   .position = a->where.lookup.position,
				   .count = a->where.lookup.count };
	/* A miss names no pool either: every pool's policy hears of it. */
	for (id = 1; id <= KVTIER_MAX_POOLS; id++) {
		if (pl->pools[id].present) {
			acc.pool = id;
			kvtd_policy_miss(pl->pools[id].pol, &acc);
		}
	}
}

static int pl_alloc(struct kvtd_planner *pl, const struct drm_kvtier_access *a)
{
	struct pl_obj *o = pl_find(pl, a->handle);

	if (o)
		return 0;
	o = pl_obj_new(pl, a->handle);
	if (!o)
		return -ENOMEM;
	o->key = a->key;
	o->tenant = a->tenant_id;
	o->size = a->size;
	o->offset = a->where.offset;
	o->pool_id = a->pool_id;
	/* Its slots are HOST's from the start, as the table says. */
	o->flags = PL_HOST;
	return 0;
}

static int pl_commit(struct kvtd_planner *pl,
		     const struct drm_kvtier_access *a)
{
	struct pl_obj *o = pl_find(pl, a->handle);
	struct pl_miss_ctx *m;
	struct kvtd_access acc;
	int ret;

	if (!o) {
		/* Its ALLOC was lost: the COMMIT says as much. */
		ret = pl_alloc(pl, a);
		if (ret)
			return ret;
		o = pl_find(pl, a->handle);
	}
	/*
	 * READY already: loaded from the table, which is newer than this
	 * record (the HOST copy may have moved since the commit).
	 */
	if (o->flags & PL_READY)
		return 0;
	o->size = a->size;
	o->offset = a->where.offset;
	o->flags |= PL_READY | PL_HOST;
	acc = pl_acc(pl, o, a->time_ns, 0, 0);
	m = pl_miss_slot(pl, &acc.name);
	if (kvtd_key_eq(&m->name, &acc.name) && m->count) {
		acc.position = m->position;
		acc.count = m->count;
		m->count = 0;
	}
	pl_track(pl, o, &acc);
	pl_write_check(pl, o, KVTD_WRITE_EV_COMMIT);
	return 0;
}

int kvtd_planner_feed(struct kvtd_planner *pl,
		      const struct drm_kvtier_access *recs, size_t n)
{
	struct pl_obj *o;
	size_t i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		const struct drm_kvtier_access *a = &recs[i];

		pl->records++;
		switch (a->type) {
		case KVTIER_ACCESS_HIT:
			pl_hit(pl, a);
			break;
		case KVTIER_ACCESS_MISS:
			pl_miss(pl, a);
			break;
		case KVTIER_ACCESS_ALLOC:
			ret = pl_alloc(pl, a);
			break;
		case KVTIER_ACCESS_COMMIT:
			ret = pl_commit(pl, a);
			break;
		case KVTIER_ACCESS_FREE:
			o = pl_find(pl, a->handle);
			if (o)
				pl_obj_free(pl, o);
			break;
		}
		if (ret) {
			pl->stale = true;
			return ret;
		}
	}
	return 0;
}

/* ---- rebuilding ------------------------------------------------------- */

static int pl_load_cmp(const void *a, const void *b, void *arg)
{
	const struct drm_kvtier_obj_record *recs = arg;
	const struct drm_kvtier_obj_record *x = &recs[*(const uint32_t *)a];
	const struct drm_kvtier_obj_record *y = &recs[*(const uint32_t *)b];

	if (x->last_access_ns != y->last_access_ns)
		return x->last_access_ns < y->last_access_ns ? -1 : 1;
	return x->handle < y->handle ? -1 : x->handle > y->handle;
}

/* Empty every policy instance and the object table, keeping the pools. */
static int pl_reset(struct kvtd_planner *pl)
{
	struct kvtd_planner_pool p;
	uint32_t id;
	int ret;

	for (id = 1; id <= KVTIER_MAX_POOLS; id++) {
		if (!pl->pools[id].present)
			continue;
		p = pl->pools[id].p;
		/* Every object goes below. */
		pl_pool_drop(pl, id, false);
		ret = kvtd_planner_pool_set(pl, id, &p);
		if (ret)
			return ret;
	}
	pl_tenants_fini(pl, 0);
	kvtd_keymap_clear(&pl->by_handle);
	fifo_fini(&pl->wbq);
	pl->nused = 0;
	pl->free_head = PL_NONE;
	pl->objects = 0;
	pl->stale = false;
	return 0;
}

int kvtd_planner_load(struct kvtd_planner *pl,
		      const struct drm_kvtier_obj_record *recs, size_t n)
{
	const uint32_t host = KVTIER_TIER_BIT(KVTIER_TIER_HOST);
	const uint32_t disk = KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	const struct drm_kvtier_obj_record *r;
	uint32_t *order, i;
	struct pl_obj *o;
	int ret;

	if (n >= UINT32_MAX / 2)
		return -E2BIG;
	ret = pl_reset(pl);
	if (ret)
		goto err;
	order = malloc((n + 1) * sizeof(*order));
	if (!order) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	/* Once per rebuild, never per plan: LRU's order is the table's. */
	qsort_r(order, n, sizeof(*order), pl_load_cmp, (void *)recs);
	for (i = 0; i < n; i++) {
		r = &recs[order[i]];
		if (r->state != KVTIER_STATE_WRITING &&
		    r->state != KVTIER_STATE_READY)
			continue;
		o = pl_find(pl, r->handle);
		if (!o)
			o = pl_obj_new(pl, r->handle);
		if (!o) {
			ret = -ENOMEM;
			break;
		}
		o->key = r->key;
		o->tenant = r->tenant_id;
		o->size = r->size;
		o->offset = r->offset;
		o->pool_id = r->pool_id;
		o->hits = r->hits > UINT16_MAX ? UINT16_MAX : (uint16_t)r->hits;
		o->flags = (r->state == KVTIER_STATE_READY ? PL_READY : 0) |
			   (r->tiers & host ? PL_HOST : 0) |
			   (r->tiers & disk ? PL_DISK : 0);
		pl_track(pl, o, NULL);
		pl_write_check(pl, o, o->hits ? KVTD_WRITE_EV_HIT :
						KVTD_WRITE_EV_COMMIT);
	}
	free(order);
	if (!ret)
		return 0;
err:
	pl_reset(pl);
	pl->stale = true;
	return ret;
}

/* ---- what the daemon did ---------------------------------------------- */

static void pl_park(struct kvtd_planner *pl, struct pl_obj *o)
{
	struct pl_pool *pp = pl_pool(pl, o->pool_id);

	o->flags &= ~PL_EVICTING;
	if (!pp || (o->flags & PL_PARKED))
		return;
	if (fifo_push(&pp->parked, o->handle)) {
		/* Untracked for good until a rebuild: say so. */
		pl->stale = true;
		return;
	}
	o->flags |= PL_PARKED;
}

int kvtd_planner_note(struct kvtd_planner *pl, uint64_t handle,
		      enum kvtd_planner_note note)
{
	struct pl_obj *o = pl ? pl_find(pl, handle) : NULL;

	if (!o)
		return -ENOENT;
	switch (note) {
	case KVTD_NOTE_DROPPED:
	case KVTD_NOTE_NO_HOST:
		pl_untrack(pl, o);
		o->flags &= ~(PL_HOST | PL_EVICTING | PL_PARKED);
		/* Its last copy went: the driver frees it (a FREE follows). */
		if (!(o->flags & PL_DISK))
			pl_obj_free(pl, o);
		break;
	case KVTD_NOTE_KEPT:
		if (o->flags & PL_EVICTING)
			pl_park(pl, o);
		break;
	case KVTD_NOTE_WRITING:
		o->flags |= PL_WRITING;
		break;
	case KVTD_NOTE_WRITTEN:
		o->flags = (o->flags & ~PL_WRITING) | PL_DISK;
		break;
	case KVTD_NOTE_WRITE_FAILED:
		o->flags &= ~PL_WRITING;
		break;
	case KVTD_NOTE_WRITE_LATER:
		pl_write_check(pl, o, o->hits ? KVTD_WRITE_EV_HIT :
						KVTD_WRITE_EV_COMMIT);
		break;
	case KVTD_NOTE_DISK_GONE:
		o->flags &= ~PL_DISK;
		if (!(o->flags & PL_HOST))
			pl_obj_free(pl, o);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

int kvtd_planner_in_host(struct kvtd_planner *pl, uint64_t handle,
			 uint64_t offset)
{
	struct pl_obj *o = pl ? pl_find(pl, handle) : NULL;

	if (!o)
		return -ENOENT;
	o->offset = offset;
	o->flags |= PL_HOST;
	pl_track(pl, o, NULL);
	return 0;
}

int kvtd_planner_record(const struct kvtd_planner *pl, uint64_t handle,
			struct drm_kvtier_obj_record *rec)
{
	const struct pl_obj *o = pl_find(pl, handle);

	if (!o)
		return -ENOENT;
	*rec = (struct drm_kvtier_obj_record){
		.key = o->key,
		.handle = o->handle,
		.tenant_id = o->tenant,
		.size = o->size,
		.offset = (o->flags & PL_HOST) ? o->offset : 0,
		.hits = o->hits,
		.pool_id = o->pool_id,
		.state = (o->flags & PL_READY) ? KVTIER_STATE_READY :
						 KVTIER_STATE_WRITING,
		.tiers = ((o->flags & PL_HOST) ?
				  KVTIER_TIER_BIT(KVTIER_TIER_HOST) : 0) |
			 ((o->flags & PL_DISK) ?
				  KVTIER_TIER_BIT(KVTIER_TIER_DISK) : 0),
	};
	return 0;
}

int32_t kvtd_planner_reuse(const struct kvtd_planner *pl, uint64_t handle)
{
	const struct pl_obj *o = pl ? pl_find(pl, handle) : NULL;
	struct drm_kvtier_key k;
	uint32_t pm;

	/* Tracked: its pool is present, and it is in the pool's instance. */
	if (!o || !(o->flags & PL_TRACKED) || !pl->ops->reuse)
		return -1;
	k = pl_pkey(pl, o);
	if (kvtd_policy_reuse(pl->pools[o->pool_id].pol, &k, &pm))
		return -1;
	return (int32_t)pm;
}

size_t kvtd_planner_writes(struct kvtd_planner *pl, uint64_t *handles,
			   size_t room)
{
	const uint32_t want = PL_READY | PL_HOST;
	struct pl_obj *o;
	size_t n = 0;
	uint64_t h;

	while (n < room && fifo_pop(&pl->wbq, &h)) {
		o = pl_find(pl, h);
		if (!o || !(o->flags & PL_WBQ))
			continue;
		o->flags &= ~PL_WBQ;
		/* Written, being written or evicted since it was queued. */
		if ((o->flags & want) != want ||
		    (o->flags & (PL_DISK | PL_WRITING)))
			continue;
		handles[n++] = h;
	}
	return n;
}

/* ---- plans ------------------------------------------------------------ */

const char *kvtd_evict_kind_name(uint32_t kind)
{
	switch (kind) {
	case KVTD_EVICT_SKIP_BUSY:
		return "skip-busy";
	case KVTD_EVICT_DROP:
		return "drop";
	case KVTD_EVICT_WAIT_WRITE:
		return "wait-write";
	case KVTD_EVICT_WRITE_DROP:
		return "write-drop";
	case KVTD_EVICT_DROP_POLICY:
		return "drop-policy";
	}
	return "unknown";
}

static uint64_t pl_tenant_excess(const struct drm_kvtier_tenant_usage *t,
				 const struct kvtd_watermark *wm)
{
	struct kvtd_usage u = {
		.used = t->slots_used,
		.capacity = t->max_slots == KVTIER_QUOTA_UNLIMITED ?
				    KVTD_WM_UNLIMITED : t->max_slots,
	};
	uint64_t e = kvtd_watermark_excess(&u, wm);

	return e < t->slots_used ? e : t->slots_used;
}

bool kvtd_planner_due(const struct kvtd_plan_input *in,
		      const struct kvtd_planner_pool *pool)
{
	struct kvtd_usage u = { in->slots_used, pool->slot_count };
	size_t i;

	if (kvtd_watermark_excess(&u, &in->pool_wm))
		return true;
	for (i = 0; i < in->nr_tenants; i++)
		if (in->tenants[i].pool_id == in->pool_id &&
		    pl_tenant_excess(&in->tenants[i], &in->tenant_wm))
			return true;
	return false;
}

static uint32_t pl_kind(const struct kvtd_planner *pl,
			const struct pl_pool *pp, const struct pl_obj *o)
{
	struct kvtd_write_object wo = {
		.on_disk = o->flags & PL_DISK,
		.writing = o->flags & PL_WRITING,
		.hits = o->hits,
	};
	struct kvtd_write_decision d;

	if (wo.on_disk)
		return KVTD_EVICT_DROP;
	if (wo.writing)
		return KVTD_EVICT_WAIT_WRITE;
	/* The mode was validated by the daemon; an error reads as "drop". */
	if (kvtd_write_decide(&pp->p.write, KVTD_WRITE_EV_EVICT, &wo, &d) ||
	    !d.write)
		return KVTD_EVICT_DROP_POLICY;
	return pl->have_disk ? KVTD_EVICT_WRITE_DROP : KVTD_EVICT_DROP_POLICY;
}

struct pl_plan {
	struct kvtd_planner *pl;
	struct pl_pool *pp;
	struct kvtd_evict_action *out;
	size_t room;
	size_t n;
};

/*
 * Victims taken from the instance at a time before their objects are
 * looked at: their objects' lines are prefetched as they are taken, and
 * are in cache by the time the batch is read back. A bound, not a target:
 * a plan stops at its target whatever the batch.
 */
#define PL_BATCH 32u

/*
 * Name victims from @pol until @target slots; returns the slots freed.
 *
 * In two passes per batch, so that the cache misses of one victim overlap
 * those of the next instead of following them: first the victims leave
 * @pol (the policy reads its order ahead, see lru.c) and their objects are
 * prefetched; then each object is read and leaves its other instance (the
 * removals are independent of each other, so they overlap too).
 */
static uint64_t pl_take(struct pl_plan *c, struct kvtd_policy *pol,
			uint64_t target)
{
	struct kvtd_planner *pl = c->pl;
	struct drm_kvtier_key k[PL_BATCH];
	struct kvtd_policy *oth[PL_BATCH];
	uint32_t oref[PL_BATCH], pm;
	int32_t score[PL_BATCH];
	struct kvtd_evict_action *a;
	uint64_t freed = 0, taken, used;
	struct pl_obj *o;
	uint32_t ref, i, n;
	bool in_pool = pol && pol == c->pp->pol;

	while (pol && freed < target && c->n < c->room) {
		/* Pass 1: out of @pol, objects prefetched. */
		for (n = 0, taken = 0;
		     n < PL_BATCH && n < c->room - c->n &&
		     freed + taken < target;
		     n++) {
			if (kvtd_policy_victim_ref(pol, NULL, NULL, &k[n], &ref))
				break;
			/* Only a policy that estimates pays the lookup. */
			score[n] = -1;
			if (pol->ops->reuse && !kvtd_policy_reuse(pol, &k[n], &pm))
				score[n] = (int32_t)pm;
			used = kvtd_policy_used(pol);
			kvtd_policy_remove_ref(pol, ref, &k[n]);
			taken += used - kvtd_policy_used(pol);
			if (k[n].lo < pl->nused)
				__builtin_prefetch(&pl->o[k[n].lo]);
		}
		if (!n)
			break;
		/*
		 * Pass 2: the objects (in cache now), their actions; their
		 * refs in their other instance, for pass 3.
		 */
		for (i = 0; i < n; i++) {
			o = &pl->o[k[i].lo];
			if (k[i].lo >= pl->nused || o->handle != k[i].hi ||
			    !(o->flags & PL_TRACKED)) {
				/* Not ours: cannot happen; it is gone now. */
				pl->stale = true;
				oth[i] = NULL;
				continue;
			}
			o->flags &= ~PL_TRACKED;
			o->flags |= PL_EVICTING;
			oth[i] = in_pool ? pl->tenants[o->tix].pol : c->pp->pol;
			oref[i] = in_pool ? o->tref : o->pref;
			a = &c->out[c->n++];
			*a = (struct kvtd_evict_action){
				.handle = o->handle,
				.key = o->key,
				.tenant_id = o->tenant,
				.slots = pl_slots(c->pp, o->size),
				.kind = pl_kind(pl, c->pp, o),
				.hits = o->hits,
				.score = score[i],
			};
			freed += a->slots;
		}
		/* Pass 3: independent removals, whose misses overlap. */
		for (i = 0; i < n; i++)
			if (oth[i])
				kvtd_policy_remove_ref(oth[i], oref[i], &k[i]);
	}
	return freed;
}

/* Put the pool's kept victims back among the candidates. */
static void pl_unpark(struct kvtd_planner *pl, struct pl_pool *pp)
{
	size_t n = pp->parked.n;
	struct pl_obj *o;
	uint64_t h;

	/* Only those parked before this call: none is parked twice here. */
	while (n-- && fifo_pop(&pp->parked, &h)) {
		o = pl_find(pl, h);
		if (!o || !(o->flags & PL_PARKED))
			continue;
		o->flags &= ~PL_PARKED;
		pl_track(pl, o, NULL);
	}
}

int kvtd_planner_evict(struct kvtd_planner *pl,
		       const struct kvtd_plan_input *in,
		       struct kvtd_evict_action *out, size_t room,
		       struct kvtd_evict_summary *sum)
{
	struct pl_plan c = { .pl = pl, .out = out, .room = room };
	struct kvtd_usage pool;
	uint64_t freed = 0, got, e;
	size_t i;

	*sum = (struct kvtd_evict_summary){ 0 };
	c.pp = pl_pool(pl, in->pool_id);
	if (!c.pp || kvtd_watermark_validate(&in->pool_wm) ||
	    kvtd_watermark_validate(&in->tenant_wm))
		return -EINVAL;
	pl_unpark(pl, c.pp);
	pool = (struct kvtd_usage){ in->slots_used, c.pp->p.slot_count };
	sum->pool_excess = kvtd_watermark_excess(&pool, &in->pool_wm);
	for (i = 0; i < in->nr_tenants; i++)
		if (in->tenants[i].pool_id == in->pool_id)
			sum->tenant_excess += pl_tenant_excess(
				&in->tenants[i], &in->tenant_wm);
	if (!sum->pool_excess && !sum->tenant_excess)
		return 0;

	for (i = 0; i < in->nr_tenants; i++) {
		if (in->tenants[i].pool_id != in->pool_id)
			continue;
		e = pl_tenant_excess(&in->tenants[i], &in->tenant_wm);
		if (!e)
			continue;
		got = pl_take(&c, pl_tenant_pol(pl, in->pool_id,
						in->tenants[i].tenant_id,
						false, NULL),
			      e);
		freed += got;
		if (got < e)
			sum->short_by += e - got;
	}
	if (freed < sum->pool_excess) {
		got = pl_take(&c, c.pp->pol, sum->pool_excess - freed);
		freed += got;
		if (freed < sum->pool_excess)
			sum->short_by += sum->pool_excess - freed;
	}
	sum->planned = freed;
	return (int)c.n;
}

void kvtd_planner_stats(const struct kvtd_planner *pl,
			struct kvtd_planner_stats *st)
{
	uint32_t id;

	*st = (struct kvtd_planner_stats){
		.objects = pl->objects,
		.write_queue = pl->wbq.n,
		.records = pl->records,
		.stale = pl->stale,
	};
	for (id = 1; id <= KVTIER_MAX_POOLS; id++) {
		if (!pl->pools[id].present)
			continue;
		st->tracked += kvtd_policy_count(pl->pools[id].pol);
		st->parked += pl->pools[id].parked.n;
	}
}

// SPDX-License-Identifier: GPL-2.0
/* The core suites' shared fixture and helpers; see test_core_env.h. */
#include <stdlib.h>
#include <string.h>

#include "test_core_env.h"

struct tenv E;
struct kvt_core *C;
struct kvt_client *ADM, *A1, *A2, *B;
uint32_t POOL;

static void env_revoke(void *env, struct kvt_client *client, uint32_t pool_id,
		       uint64_t first, uint64_t count)
{
	struct tenv *e = env;

	pthread_mutex_lock(&e->lock);
	if (e->nrevoke < TENV_MAX)
		e->revokes[e->nrevoke] = (struct tenv_range){ client, pool_id,
							       first, count };
	e->nrevoke++;
	pthread_mutex_unlock(&e->lock);
}

static void env_scrub(void *env, uint32_t pool_id, uint64_t first,
		      uint64_t count)
{
	struct tenv *e = env;

	pthread_mutex_lock(&e->lock);
	if (e->nscrub < TENV_MAX)
		e->scrubs[e->nscrub] = (struct tenv_range){ NULL, pool_id,
							     first, count };
	e->nscrub++;
	pthread_mutex_unlock(&e->lock);
}

static void env_queued(void *env)
{
	struct tenv *e = env;

	pthread_mutex_lock(&e->lock);
	e->nqueued++;
	pthread_mutex_unlock(&e->lock);
}

static void env_fetch_done(void *env, void *priv,
			   const struct drm_kvtier_event_fetch *ev)
{
	struct tenv *e = env;

	pthread_mutex_lock(&e->lock);
	if (e->nevents < TENV_MAX) {
		e->events[e->nevents].priv = priv;
		e->events[e->nevents].ev = *ev;
	}
	e->nevents++;
	pthread_mutex_unlock(&e->lock);
}

static void env_trace(void *env, const struct kvt_trace_rec *rec)
{
	struct tenv *e = env;

	pthread_mutex_lock(&e->lock);
	e->traces[rec->event]++;
	e->last[rec->event] = *rec;
	if (rec->event == KVT_TRACE_FETCH_QUEUED)
		e->nqueued_at_fetch_trace = e->nqueued;
	pthread_mutex_unlock(&e->lock);
}

static void env_stream_get(void *env, void *priv)
{
	struct tenv *e = env;

	e->nstream_get++;
	e->stream_priv = priv;
}

static void env_stream_close(void *env, void *priv)
{
	struct tenv *e = env;

	e->nstream_close++;
	e->stream_priv = priv;
}

/* The stream's priv is its memory, from aligned_alloc(): freed here. */
static void env_stream_put(void *env, void *priv)
{
	struct tenv *e = env;

	e->nstream_put++;
	e->stream_priv = priv;
	free(priv);
}

static const struct kvt_env_ops tenv_ops = {
	.slots_revoke = env_revoke,
	.slots_scrub = env_scrub,
	.work_queued = env_queued,
	.fetch_done = env_fetch_done,
	.trace = env_trace,
	.stream_get = env_stream_get,
	.stream_close = env_stream_close,
	.stream_put = env_stream_put,
};

/* Each client's priv is its own address in this file, so events name it. */
void tcore_setup_sized(uint32_t max_objects, uint32_t max_work,
		       uint64_t slots)
{
	struct kvt_core_params p = {
		.max_objects = max_objects,
		.max_work = max_work,
		.ops = &tenv_ops,
		.env = &E,
	};
	struct drm_kvtier_pool_create pc = {
		.slot_size = SLOT,
		.slot_count = slots,
		.kind = KVTIER_KIND_KV,
	};

	memset(&E, 0, sizeof(E));
	pthread_mutex_init(&E.lock, NULL);
	ck_assert_int_eq(kvt_core_create(&p, &C), 0);
	ck_assert_int_eq(kvt_client_open(C, TENANT_ADM, KVT_CLIENT_ADMIN, &ADM,
					 &ADM), 0);
	ck_assert_int_eq(kvt_client_open(C, TENANT_A, 0, &A1, &A1), 0);
	ck_assert_int_eq(kvt_client_open(C, TENANT_A, 0, &A2, &A2), 0);
	ck_assert_int_eq(kvt_client_open(C, TENANT_B, 0, &B, &B), 0);
	ck_assert_int_eq(kvt_pool_validate(ADM, &pc, 4096), 0);
	ck_assert_int_eq(kvt_pool_add(ADM, &pc, &POOL), 0);
}

void tcore_setup(void)
{
	tcore_setup_sized(4096, 64, SLOTS);
}

void tcore_close(struct kvt_client **c)
{
	if (*c) {
		kvt_client_close(*c);
		*c = NULL;
	}
}

void tcore_teardown(void)
{
	tcore_close(&A1);
	tcore_close(&A2);
	tcore_close(&B);
	tcore_close(&ADM);
	/* With every client gone, only committed objects may remain. */
	ck_assert_int_eq(kvt_core_check(C), 0);
	kvt_core_destroy(C);
	C = NULL;
	pthread_mutex_destroy(&E.lock);
}

struct drm_kvtier_key tkey(uint64_t n)
{
	struct drm_kvtier_key k = { .lo = n, .hi = n * 7 + 1 };

	return k;
}

static int talloc_f(struct kvt_client *c, uint64_t keyn, uint64_t size,
		    uint32_t flags, uint64_t *h)
{
	struct drm_kvtier_alloc_item it = { .key = tkey(keyn), .size = size };
	uint32_t fi;
	int ret;

	ret = kvt_obj_alloc(c, POOL, flags, &it, 1, &fi);
	if (!ret) {
		ck_assert_uint_eq(fi, 1);
		if (h)
			*h = it.handle;
	}
	return ret;
}

int talloc(struct kvt_client *c, uint64_t keyn, uint64_t size, uint64_t *h)
{
	return talloc_f(c, keyn, size, 0, h);
}

int talloc_global(struct kvt_client *c, uint64_t keyn, uint64_t size,
		  uint64_t *h)
{
	return talloc_f(c, keyn, size, KVTIER_ALLOC_GLOBAL, h);
}

int top(struct kvt_client *c, uint32_t op, uint64_t h, uint32_t tier)
{
	struct drm_kvtier_obj_op it = { .handle = h, .tier = tier };
	uint32_t failed;

	failed = kvt_obj_batch(c, op, &it, 1);
	ck_assert_uint_eq(failed, it.result ? 1 : 0);
	return it.result;
}

uint64_t tput(struct kvt_client *c, uint64_t keyn)
{
	uint64_t h = 0;

	ck_assert_int_eq(talloc(c, keyn, SLOT, &h), 0);
	ck_assert_int_eq(top(c, KVTIER_OP_COMMIT, h, 0), 0);
	return h;
}

bool tlookup(struct kvt_client *c, uint64_t keyn, uint32_t flags,
	     struct drm_kvtier_lookup_result *r)
{
	struct drm_kvtier_lookup_result tmp;
	struct drm_kvtier_key k = tkey(keyn);
	uint32_t hits, prefix;

	if (!r)
		r = &tmp;
	kvt_lookup(c, flags, &k, r, 1, &hits, &prefix);
	ck_assert_uint_eq(hits, prefix);
	ck_assert_uint_eq(hits, (r->flags & KVTIER_LOOKUP_PRESENT) ? 1 : 0);
	return hits == 1;
}

int tres(struct kvt_client *c, uint32_t op, uint32_t tier, uint64_t h,
	 uint64_t loc)
{
	struct drm_kvtier_residency_item it = {
		.handle = h, .location = loc, .op = op, .tier = tier,
	};
	uint32_t failed = 0;
	int ret;

	ret = kvt_residency(c, &it, 1, &failed);
	if (ret)
		return ret;
	ck_assert_uint_eq(failed, it.result ? 1 : 0);
	return it.result;
}

int tfetch(struct kvt_client *c, uint64_t h, uint32_t tier, uint32_t region,
	   uint64_t offset, uint32_t *pending)
{
	struct drm_kvtier_fetch_item it = {
		.handle = h, .tier = tier, .region_id = region,
		.offset = offset,
	};
	struct drm_kvtier_fetch req = { .count = 1, .user_data = 77 };

	ck_assert_int_eq(kvt_fetch(c, &req, &it), 0);
	ck_assert_uint_eq(req.failed, it.result < 0 ? 1 : 0);
	ck_assert_uint_eq(req.pending, it.result == 1 ? 1 : 0);
	ck_assert_uint_ne(req.fetch_id, 0);
	if (pending)
		*pending = req.pending;
	return it.result;
}

uint64_t tpool_used(void)
{
	struct drm_kvtier_pool_info pi;

	ck_assert_int_eq(kvt_pool_info(C, POOL, &pi), 0);
	return pi.slots_used;
}

uint64_t tusage(uint64_t tenant)
{
	struct drm_kvtier_tenant_usage u = { .tenant_id = tenant,
					     .pool_id = POOL };

	ck_assert_int_eq(kvt_tenant_info(ADM, &u), 0);
	return u.slots_used;
}

void tmake_disk_only(struct kvt_client *m, uint64_t h, uint64_t loc)
{
	ck_assert_int_eq(tres(m, KVTIER_RES_ADD, KVTIER_TIER_DISK, h, loc), 0);
	ck_assert_int_eq(tres(m, KVTIER_RES_DROP, KVTIER_TIER_HOST, h, 0), 0);
}

struct drm_kvtier_stats tstats(void)
{
	struct drm_kvtier_stats st;

	kvt_stats(C, &st);
	return st;
}

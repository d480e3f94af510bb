// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: three processes of three threads each (two processes share
 * a tenant, the third has its own) allocate, commit, look up, pin, unpin,
 * release and free objects with keys drawn from a small shared key space,
 * so that they collide. Every outcome must be one the ABI allows. One
 * process is killed mid-way. Afterwards the accounting must add up: pool
 * usage equals the tenants' usage equals the slots of the objects still
 * present, the stats agree with themselves, and freeing everything brings
 * the pool back to zero.
 */
#include "tlib.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NSLOTS 512
#define NPROCS 3
#define NTHREADS 3
#define NKEYS 48
#define MAXHELD 16
/* Run time of the survivors, and a bound on iterations for fast machines. */
#define RUN_NS 2500000000ull
#define MAX_ITERS 20000
/* The victim is killed after this many iterations of its threads. */
#define VICTIM_ITERS 150
#define VICTIM 1

static const char *const cgs[NPROCS] = { "s1", "s1", "s2" };

struct shared {
	struct tl_chan progress;
	uint32_t pool;
	int victim_iters;
	int victim_told;
	/* Outcome counters, for the log. */
	uint64_t allocs, eexist, hits, misses, pins, pin_gone, frees, busy;
	uint64_t slots[2];
	uint64_t objects[2];
	uint64_t tenant[2];
};

static struct shared *g_sh;
static uint64_t g_page;

struct held {
	uint64_t handle;
	uint32_t pins;
};

struct worker {
	int proc;
	unsigned int seed;
	struct held held[MAXHELD];
	int nheld;
	int fd;
};

static void count(uint64_t *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

static void hold(struct worker *w, uint64_t handle)
{
	int err, i;

	/* A client holds at most one reference per object: no duplicates. */
	for (i = 0; i < w->nheld; i++)
		if (w->held[i].handle == handle)
			return;

	if (w->nheld == MAXHELD) {
		/* No room: give the new reference back at once. */
		err = tl_op1(w->fd, KVTIER_OP_RELEASE, handle, 0);
		if (err)
			tl_fail("release of a fresh reference: %s",
				tl_errname(err));
		return;
	}
	w->held[w->nheld].handle = handle;
	w->held[w->nheld].pins = 0;
	w->nheld++;
}

static void drop(struct worker *w, int i)
{
	w->held[i] = w->held[--w->nheld];
}

static void step_alloc(struct worker *w, uint64_t k)
{
	struct drm_kvtier_alloc_item a;
	int err;

	err = tl_alloc1(w->fd, g_sh->pool, 0, tl_key(k), (k % 3 + 1) * g_page,
			&a);
	if (err == -EEXIST) {
		count(&g_sh->eexist);
		return;
	}
	if (err) {
		tl_fail("alloc: %s", tl_errname(err));
		return;
	}
	count(&g_sh->allocs);
	/* Nobody else can see it before the commit: it must work. */
	err = tl_op1(w->fd, KVTIER_OP_COMMIT, a.handle, 0);
	if (err) {
		tl_fail("commit of a fresh object: %s", tl_errname(err));
		return;
	}
	hold(w, a.handle);
}

static void step_lookup(struct worker *w, uint64_t k)
{
	struct drm_kvtier_lookup_result r;
	int err = tl_lookup1(w->fd, tl_key(k), KVTIER_LOOKUP_ACQUIRE, &r);

	if (err) {
		tl_fail("lookup: %s", tl_errname(err));
		return;
	}
	if (!(r.flags & KVTIER_LOOKUP_PRESENT)) {
		count(&g_sh->misses);
		return;
	}
	count(&g_sh->hits);
	if (r.size != (k % 3 + 1) * g_page) {
		tl_fail("key %llu: size %llu", (unsigned long long)k,
			(unsigned long long)r.size);
		return;
	}
	hold(w, r.handle);
}

static void step_on_held(struct worker *w, int what)
{
	int i = rand_r(&w->seed) % w->nheld, err;
	struct held *h = &w->held[i];

	switch (what) {
	case 0: /* pin: the object may have been freed by someone else */
		err = tl_op1(w->fd, KVTIER_OP_PIN, h->handle, KVTIER_TIER_HOST);
		if (err == 0) {
			h->pins++;
			count(&g_sh->pins);
		} else if (err == -EINVAL || err == -ENOENT) {
			count(&g_sh->pin_gone);
		} else {
			tl_fail("pin of a held object: %s", tl_errname(err));
		}
		break;
	case 1: /* unpin: a pinned object cannot have been freed */
		if (!h->pins)
			break;
		err = tl_op1(w->fd, KVTIER_OP_UNPIN, h->handle,
			     KVTIER_TIER_HOST);
		if (err)
			tl_fail("unpin of a pinned object: %s",
				tl_errname(err));
		else
			h->pins--;
		break;
	case 2: /* release: our reference keeps the object alive */
		err = tl_op1(w->fd, KVTIER_OP_RELEASE, h->handle, 0);
		if (err)
			tl_fail("release of a held object: %s",
				tl_errname(err));
		drop(w, i);
		break;
	default: /* free: pinned (by anyone), already freed, or done */
		err = tl_op1(w->fd, KVTIER_OP_FREE, h->handle, 0);
		if (err == 0)
			count(&g_sh->frees);
		else if (err == -EBUSY)
			count(&g_sh->busy);
		else if (err != -ENOENT)
			tl_fail("free of a held object: %s", tl_errname(err));
		/* EBUSY may be anyone's pin; with ours it must be EBUSY. */
		if (err == 0 && h->pins)
			tl_fail("free succeeded while we pin it");
		break;
	}
}

static void *worker_main(void *arg TL_UNUSED)
{
	struct worker *w = arg;
	uint64_t end = tl_now_ns() + (w->proc == VICTIM ? 60 * RUN_NS : RUN_NS);
	int iter, err, i;

	w->fd = tl_open();
	if (w->fd < 0) {
		tl_fail("open: %s", tl_errname(w->fd));
		return NULL;
	}
	for (iter = 0; !tl_failed(); iter++) {
		uint64_t k = rand_r(&w->seed) % NKEYS;
		int what = rand_r(&w->seed) % 8;

		if (w->proc != VICTIM && (iter >= MAX_ITERS ||
					  tl_now_ns() >= end))
			break;
		if (w->proc == VICTIM &&
		    __atomic_add_fetch(&g_sh->victim_iters, 1,
				       __ATOMIC_SEQ_CST) == VICTIM_ITERS)
			tl_chan_send(&g_sh->progress, 1);
		if (what < 2)
			step_alloc(w, k);
		else if (what < 4 || !w->nheld)
			step_lookup(w, k);
		else
			step_on_held(w, what - 4);
	}
	/* Give back what we hold; our pins go with the references. */
	for (i = 0; i < w->nheld; i++) {
		err = tl_op1(w->fd, KVTIER_OP_RELEASE, w->held[i].handle, 0);
		if (err)
			tl_fail("final release: %s", tl_errname(err));
	}
	close(w->fd);
	return NULL;
}

static void proc_main(void *arg TL_UNUSED)
{
	int proc = (int)(intptr_t)arg, t, err;
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];

	err = tl_cg_enter(cgs[proc]);
	TL_ASSERT(!err, "enter cgroup: %s", tl_errname(err));
	err = tl_drop_admin();
	TL_ASSERT(!err, "drop admin: %s", tl_errname(err));
	memset(w, 0, sizeof(w));
	for (t = 0; t < NTHREADS; t++) {
		w[t].proc = proc;
		w[t].seed = (unsigned int)(tl_now_ns() ^ (proc * 131 + t));
		TL_ASSERT(!pthread_create(&th[t], NULL, worker_main, &w[t]),
			  "pthread_create");
	}
	for (t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
}

/* In tenant @arg: add up the objects present, then free them all. */
static void checker(void *arg TL_UNUSED)
{
	int ti = (int)(intptr_t)arg, fd, err;
	struct drm_kvtier_lookup_result r;
	uint64_t k;

	err = tl_cg_enter(ti ? "s2" : "s1");
	TL_ASSERT(!err, "enter cgroup: %s", tl_errname(err));
	fd = tl_open_user();
	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	g_sh->tenant[ti] = tl_param(fd, KVTIER_PARAM_TENANT_ID);
	for (k = 0; k < NKEYS; k++) {
		TL_EXPECT_RC(tl_lookup1(fd, tl_key(k), 0, &r), 0);
		if (!r.handle)
			continue;
		g_sh->objects[ti]++;
		g_sh->slots[ti] += (r.size + g_page - 1) / g_page;
	}
}

static void freer(void *arg TL_UNUSED)
{
	int ti = (int)(intptr_t)arg, fd, err;
	struct drm_kvtier_lookup_result r;
	uint64_t k;

	err = tl_cg_enter(ti ? "s2" : "s1");
	TL_ASSERT(!err, "enter cgroup: %s", tl_errname(err));
	fd = tl_open_user();
	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	for (k = 0; k < NKEYS; k++) {
		TL_EXPECT_RC(tl_lookup1(fd, tl_key(k), 0, &r), 0);
		/* Nobody holds anything now: every free must work. */
		if (r.handle)
			TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, r.handle, 0),
				     0);
	}
}

static void case_concurrent_with_kill(void)
{
	struct drm_kvtier_tenant_usage u;
	struct drm_kvtier_stats st;
	pid_t pids[NPROCS];
	uint64_t v, sum, tenant_sum = 0;
	int fd, p, i, status = 0;

	g_sh = tl_shared_alloc(sizeof(*g_sh));
	TL_ASSERT(g_sh && !tl_chan_init(&g_sh->progress), "shared memory");
	fd = tl_open();
	TL_ASSERT(fd >= 0, "open: %s", tl_errname(fd));
	TL_EXPECT_RC(tl_pool_create(fd, g_page, NSLOTS, &g_sh->pool), 0);
	TL_EXPECT_RC(tl_cg_create("s1", NULL), 0);
	TL_EXPECT_RC(tl_cg_create("s2", NULL), 0);
	for (p = 0; p < NPROCS; p++)
		pids[p] = tl_spawn(proc_main, (void *)(intptr_t)p);
	/* Kill the victim once it is well into its loop. */
	if (tl_chan_recv(&g_sh->progress, &v, TL_WAIT_MS) == 0) {
		kill(pids[VICTIM], SIGKILL);
		TL_EXPECT_RC(tl_wait(pids[VICTIM], TL_WAIT_MS, &status), 0);
		TL_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			  "victim ended with status 0x%x", status);
	} else {
		tl_fail("victim made no progress");
		kill(pids[VICTIM], SIGKILL);
		tl_wait(pids[VICTIM], TL_WAIT_MS, &status);
	}
	for (p = 0; p < NPROCS; p++)
		if (p != VICTIM)
			tl_join(pids[p], cgs[p]);
	fprintf(stderr, "stress: allocs %llu eexist %llu hits %llu misses "
		"%llu pins %llu pin_gone %llu frees %llu busy %llu\n",
		(unsigned long long)g_sh->allocs,
		(unsigned long long)g_sh->eexist,
		(unsigned long long)g_sh->hits,
		(unsigned long long)g_sh->misses,
		(unsigned long long)g_sh->pins,
		(unsigned long long)g_sh->pin_gone,
		(unsigned long long)g_sh->frees,
		(unsigned long long)g_sh->busy);
	if (tl_failed())
		return;
	/* A test that collides nothing tests nothing. */
	TL_ASSERT(g_sh->allocs > 0 && g_sh->eexist > 0 && g_sh->hits > 0,
		  "no contention happened");

	for (i = 0; i < 2; i++)
		tl_join(tl_spawn(checker, (void *)(intptr_t)i), "checker");
	TL_ASSERT(!tl_failed(), "checker");
	sum = g_sh->slots[0] + g_sh->slots[1];
	for (i = 0; i < 2; i++) {
		TL_EXPECT_RC(tl_tenant_info(fd, g_sh->tenant[i], g_sh->pool, &u),
			     0);
		TL_EXPECT_EQ(u.slots_used, g_sh->slots[i]);
		TL_EXPECT_EQ(u.objects, g_sh->objects[i]);
		tenant_sum += u.slots_used;
	}
	TL_EXPECT_EQ(tl_pool_used(fd, g_sh->pool), sum);
	TL_EXPECT_EQ(tenant_sum, sum);
	TL_EXPECT_RC(tl_stats(fd, &st), 0);
	TL_EXPECT_EQ(st.by_state[KVTIER_STATE_WRITING] +
			     st.by_state[KVTIER_STATE_READY] +
			     st.by_state[KVTIER_STATE_EVICTING],
		     st.objects);
	TL_EXPECT_EQ(st.by_state[KVTIER_STATE_WRITING], 0);

	for (i = 0; i < 2; i++)
		tl_join(tl_spawn(freer, (void *)(intptr_t)i), "freer");
	TL_EXPECT_EQ(tl_pool_used(fd, g_sh->pool), 0);
	TL_EXPECT_RC(tl_pool_destroy(fd, g_sh->pool), 0);
	tl_cg_remove("s1");
	tl_cg_remove("s2");
}

int main(void)
{
	tl_init("stress");
	g_page = tl_page();
	tl_run("concurrent_with_kill", case_concurrent_with_kill);
	return tl_finish();
}

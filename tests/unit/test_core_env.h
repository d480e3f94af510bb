/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared fixture of the core suites: a core with a fake environment that
 * records every callback, an admin and three clients in two tenants, one
 * pool, and small helpers that wrap the batch API for one item.
 */
#ifndef TEST_CORE_ENV_H
#define TEST_CORE_ENV_H

#include <check.h>
#include <pthread.h>

#include "kvt_internal.h"

#define TENV_MAX 512

struct tenv_range {
	struct kvt_client *client;
	uint32_t pool_id;
	uint64_t first;
	uint64_t count;
};

struct tenv_event {
	void *priv;
	struct drm_kvtier_event_fetch ev;
};

/* What the fake environment saw. */
struct tenv {
	pthread_mutex_t lock;
	struct tenv_range revokes[TENV_MAX];
	unsigned int nrevoke;
	struct tenv_range scrubs[TENV_MAX];
	unsigned int nscrub;
	unsigned int nqueued;
	struct tenv_event events[TENV_MAX];
	unsigned int nevents;
	unsigned int traces[KVT_TRACE_EVENTS];
	/* The access stream's callbacks: counts and the last priv. */
	unsigned int nstream_get;
	unsigned int nstream_close;
	unsigned int nstream_put;
	void *stream_priv;
	struct kvt_trace_rec last[KVT_TRACE_EVENTS];
	/* nqueued when the last FETCH_QUEUED trace came */
	unsigned int nqueued_at_fetch_trace;
};

extern struct tenv E;
extern struct kvt_core *C;
/* ADM: admin, tenant 1. A1, A2: tenant 10. B: tenant 20. */
extern struct kvt_client *ADM, *A1, *A2, *B;
extern uint32_t POOL;

#define TENANT_ADM 1
#define TENANT_A 10
#define TENANT_B 20
#define SLOT 4096u
#define SLOTS 64u

void tcore_setup(void);
void tcore_setup_sized(uint32_t max_objects, uint32_t max_work,
		       uint64_t slots);
void tcore_teardown(void);
/* Closes @c if it is one of the fixture's clients and forgets it. */
void tcore_close(struct kvt_client **c);

struct drm_kvtier_key tkey(uint64_t n);
int talloc(struct kvt_client *c, uint64_t keyn, uint64_t size, uint64_t *h);
int talloc_global(struct kvt_client *c, uint64_t keyn, uint64_t size,
		  uint64_t *h);
int top(struct kvt_client *c, uint32_t op, uint64_t h, uint32_t tier);
/* Alloc + commit of one slot-sized object; fails the test on error. */
uint64_t tput(struct kvt_client *c, uint64_t keyn);
bool tlookup(struct kvt_client *c, uint64_t keyn, uint32_t flags,
	     struct drm_kvtier_lookup_result *r);
int tres(struct kvt_client *c, uint32_t op, uint32_t tier, uint64_t h,
	 uint64_t loc);
/* One fetch item; returns the item's result, *pending the fetch's. */
int tfetch(struct kvt_client *c, uint64_t h, uint32_t tier,
	   uint32_t region, uint64_t offset, uint32_t *pending);
uint64_t tpool_used(void);
uint64_t tusage(uint64_t tenant);
/* Makes @h DISK-only: ADD DISK at @loc, DROP HOST (as manager @m). */
void tmake_disk_only(struct kvt_client *m, uint64_t h, uint64_t loc);
struct drm_kvtier_stats tstats(void);

#endif /* TEST_CORE_ENV_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * A tenant process of a live replay: its own cgroup (so its own tenant),
 * its own fd, pool mapping and DEVICE region; it replays its share of the
 * requests at their arrival times and sends its counts to the parent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "live_assign.h"
#include "live_client.h"
#include "live_record.h"

static void kvtr_live_client_free(struct kvtr_live_client *c)
{
	free(c->keys);
	free(c->res);
	free(c->where);
	free(c->fetch);
	free(c->fidx);
	free(c->ok);
	free(c->alloc);
	free(c->handles);
	free(c->again);
	free(c->again_keys);
	free(c->held);
	kvtr_live_stats_free(&c->stats);
}

static int kvtr_live_client_alloc(struct kvtr_live_client *c)
{
	size_t n = c->room;

	c->keys = calloc(n, sizeof(*c->keys));
	c->res = calloc(n, sizeof(*c->res));
	c->where = calloc(n, sizeof(*c->where));
	c->fetch = calloc(n, sizeof(*c->fetch));
	c->fidx = calloc(n, sizeof(*c->fidx));
	c->ok = calloc(n, sizeof(*c->ok));
	c->alloc = calloc(n, sizeof(*c->alloc));
	c->handles = calloc(n, sizeof(*c->handles));
	c->again = calloc(n, sizeof(*c->again));
	c->again_keys = calloc(n, sizeof(*c->again_keys));
	/* Lookup references and allocations of one request: at most n. */
	c->held = calloc(n, sizeof(*c->held));
	if (!c->keys || !c->res || !c->where || !c->fetch || !c->fidx ||
	    !c->ok || !c->alloc || !c->handles || !c->again ||
	    !c->again_keys || !c->held)
		return -ENOMEM;
	return 0;
}

static void kvtr_live_client_err(const struct kvtr_live_client *c,
				 const char *what, int err)
{
	fprintf(stderr, "kvtier-replay: tenant %u: %s: %s\n", c->index, what,
		strerror(-err));
}

/* Everything the loop needs; on failure says what failed. */
static int kvtr_live_client_setup(struct kvtr_live_client *c)
{
	const struct kvtr_live_plan *p = c->p;
	int ret;

	ret = kvtier_open(&c->kv);
	if (ret) {
		kvtr_live_client_err(c, "opening the kvtier device", ret);
		return ret;
	}
	c->max_batch = (uint32_t)kvtier_params(c->kv)->max_batch;
	if (!c->max_batch || c->max_batch > KVTIER_MAX_BATCH)
		c->max_batch = KVTIER_MAX_BATCH;
	c->room = kvtr_live_tenant_max_blocks(p->t, p->nreq, p->ntenants,
					      c->index);
	if (!c->room)
		c->room = 1;
	ret = kvtr_live_client_alloc(c);
	if (ret) {
		kvtr_live_client_err(c, "allocating", ret);
		return ret;
	}
	ret = kvtier_map_pool(c->kv, p->pool_id, PROT_READ | PROT_WRITE,
			      &c->map);
	if (ret) {
		kvtr_live_client_err(c, "mapping the pool", ret);
		return ret;
	}
	ret = kvtr_live_region_create(c->kv, c->room * p->block_size,
				      c->index, &c->region);
	if (ret)
		kvtr_live_client_err(c, "creating the device region", ret);
	return ret;
}

static void kvtr_live_client_teardown(struct kvtr_live_client *c)
{
	kvtr_live_region_destroy(c->kv, &c->region);
	kvtier_unmap(&c->map);
	kvtier_close(c->kv);
	c->kv = NULL;
}

/* Sleep until request @r's arrival, counted from @start_ns. */
static void kvtr_live_pace(const struct kvtr_live_plan *p, size_t r,
			   uint64_t start_ns)
{
	double off_ms = (double)(p->t->req[r].timestamp_ms - p->t0_ms);
	uint64_t at = start_ns + (uint64_t)(off_ms * 1e6 / p->o->speed);
	struct timespec ts = {
		.tv_sec = (time_t)(at / 1000000000ull),
		.tv_nsec = (long)(at % 1000000000ull),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/* The start time from the parent; 0 when it gave up on the run. */
static uint64_t kvtr_live_wait_go(int go_fd)
{
	uint64_t start = 0;
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(start)) {
		n = read(go_fd, (char *)&start + got, sizeof(start) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		got += (size_t)n;
	}
	return start;
}

int kvtr_live_client_main(const struct kvtr_live_plan *p, uint32_t index,
			  int out_fd, int go_fd)
{
	struct kvtr_live_client c = {
		.p = p, .index = index, .region = { .fd = -1 },
	};
	bool isolated = false;
	char what[96];
	uint64_t start;
	size_t r;
	int ret;

	if (p->isolate) {
		ret = kvtr_live_cgroup_enter(index);
		snprintf(what, sizeof(what), "moving into cgroup "
			 "kvtier-replay-%u (so sharing the caller's tenant)",
			 index);
		if (ret)
			kvtr_live_client_err(&c, what, ret);
		isolated = !ret;
	}
	ret = kvtr_live_client_setup(&c);
	if (kvtr_live_send_ready(out_fd, index, ret,
				 c.kv ? kvtier_params(c.kv)->tenant_id : 0,
				 isolated) && !ret)
		ret = -EPIPE;
	if (ret)
		goto out;
	start = kvtr_live_wait_go(go_fd);
	if (!start) {
		ret = -ECANCELED;
		goto out;
	}
	for (r = index; r < p->nreq; r += p->ntenants) {
		if (!p->o->fast)
			kvtr_live_pace(p, r, start);
		ret = kvtr_live_request(&c, r);
		if (ret) {
			fprintf(stderr, "kvtier-replay: tenant %u: request %zu "
				"(line %zu): %s\n", index, r, p->t->req[r].line,
				strerror(-ret));
			break;
		}
	}
	if (kvtr_live_send_stats(out_fd, index, &c.stats) && !ret)
		ret = -EPIPE;
out:
	if (c.kv)
		kvtr_live_client_teardown(&c);
	kvtr_live_send_end(out_fd, index, ret);
	kvtr_live_client_free(&c);
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}

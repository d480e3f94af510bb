// SPDX-License-Identifier: GPL-2.0
/*
 * One request of a live replay, as an engine would serve it: look the
 * prompt's blocks up, load the cached prefix into device memory, check
 * it, store what was missing, let go of everything.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live_client.h"
#include "live_content.h"

/* What a region holds before a fetch lands: never a block's content. */
#define KVTR_LIVE_POISON 0x5a

static void kvtr_live_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void kvtr_live_hold(struct kvtr_live_client *c, kvtier_handle_t h)
{
	c->held[c->nheld++] = h;
}

/* Look the keys up and count where each block is. Return: 0 or -errno. */
static int kvtr_live_lookup(struct kvtr_live_client *c, size_t n)
{
	uint32_t prefix;
	size_t i;
	int ret;

	ret = kvtier_lookup(c->kv, c->keys, c->res, n,
			    KVTIER_LOOKUP_ACQUIRE | KVTIER_LOOKUP_STOP_AT_MISS,
			    &prefix);
	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++) {
		c->where[i] = (uint8_t)kvtr_live_classify(&c->res[i]);
		c->stats.c[c->where[i]]++;
		/* A prompt may name a block twice: one reference, one release. */
		if (c->res[i].handle)
			kvtr_live_hold(c, c->res[i].handle);
	}
	return 0;
}

static void kvtr_live_describe(struct kvtr_live_client *c, size_t r,
			       size_t i, const char *what, ssize_t off)
{
	if (c->reports++ >= KVTR_LIVE_CORRUPT_REPORTS)
		return;
	fprintf(stderr, "kvtier-replay: tenant %u: request %zu (line %zu) "
		"block %zu (hash id %" PRIu64 "): %s", c->index, r,
		c->p->t->req[r].line, i, kvtr_request_ids(c->p->t, r)[i], what);
	if (off >= 0)
		fprintf(stderr, " at byte %zd", off);
	fputc('\n', stderr);
}

/*
 * HOST fetches leave blocks in the pool: find where (a block read from
 * disk has an offset only now) and hand back pointers in @c->again.
 */
static int kvtr_live_host_offsets(struct kvtr_live_client *c, size_t count)
{
	size_t k;
	int ret;

	for (k = 0; k < count; k++)
		c->again_keys[k] = c->keys[c->fidx[k]];
	ret = kvtier_lookup(c->kv, c->again_keys, c->again, count, 0, NULL);
	return ret < 0 ? ret : 0;
}

/* Check what arrived, block by block, against the content of its key. */
static int kvtr_live_verify_chunk(struct kvtr_live_client *c, size_t r,
				  size_t count)
{
	const uint64_t bs = c->p->block_size;
	bool host = c->p->o->fetch_tier == KVTIER_TIER_HOST;
	const struct drm_kvtier_lookup_result *a;
	const void *ptr;
	ssize_t off;
	size_t k, i;
	int ret;

	if (host) {
		ret = kvtr_live_host_offsets(c, count);
		if (ret)
			return ret;
	}
	for (k = 0; k < count; k++) {
		if (!c->ok[k])
			continue;
		i = c->fidx[k];
		if (host) {
			a = &c->again[k];
			ptr = NULL;
			if (a->handle == c->fetch[k].handle &&
			    (a->tiers & KVTIER_TIER_BIT(KVTIER_TIER_HOST)))
				ptr = kvtier_map_ptr(&c->map, a->offset, bs);
		} else {
			ptr = (const char *)c->region.addr + i * bs;
		}
		if (!ptr) {
			c->stats.c[KVTR_C_CORRUPT]++;
			kvtr_live_describe(c, r, i, "fetched but not in the "
					   "host pool", -1);
			continue;
		}
		off = kvtr_live_verify(&c->keys[i], ptr, bs);
		if (off >= 0) {
			c->stats.c[KVTR_C_CORRUPT]++;
			kvtr_live_describe(c, r, i, "content differs", off);
		} else {
			c->stats.c[KVTR_C_VERIFIED]++;
		}
	}
	return 0;
}

/* Bytes a loaded block moved, by path. */
static void kvtr_live_count_bytes(struct kvtr_live_client *c, size_t count,
				  const bool *queued)
{
	const struct drm_kvtier_lookup_result *res;
	bool from_host;
	size_t k;

	for (k = 0; k < count; k++) {
		if (!c->ok[k])
			continue;
		res = &c->res[c->fidx[k]];
		from_host = res->tiers & KVTIER_TIER_BIT(KVTIER_TIER_HOST);
		if (c->p->o->fetch_tier == KVTIER_TIER_DEVICE)
			c->stats.c[from_host ? KVTR_C_BYTES_HOST_DEVICE :
					       KVTR_C_BYTES_DISK_DEVICE] +=
				res->size;
		else if (queued[k])
			c->stats.c[KVTR_C_BYTES_DISK_HOST] += res->size;
	}
}

/*
 * One fetch call and its wait. Every item ends in exactly one of:
 * verified or corrupt (c->ok), failed, timed out, unverified.
 */
static int kvtr_live_fetch_chunk(struct kvtr_live_client *c, size_t r,
				 size_t count)
{
	struct drm_kvtier_fetch_item *it = c->fetch;
	struct kvtier_fetch_ticket ticket;
	struct drm_kvtier_event_fetch ev;
	bool queued[KVTIER_MAX_BATCH];
	uint64_t t0;
	size_t k;
	int ret, wret;

	/* Late completions of fetches that timed out: nobody waits for them. */
	while (kvtier_event_next(c->kv, 0, &ev) == 0)
		;
	t0 = kvtier_now_ns();
	ret = kvtier_fetch(c->kv, it, (uint32_t)count, r, &ticket);
	if (ret && !ticket.pending && !ticket.failed)
		return ret;	/* refused as a whole */
	for (k = 0; k < count; k++) {
		queued[k] = it[k].result == 1;
		c->ok[k] = it[k].result == 0;
		if (it[k].result < 0)
			c->stats.c[KVTR_C_FETCH_FAILED]++;
	}
	if (ticket.pending) {
		wret = kvtier_fetch_wait(c->kv, ticket.fetch_id,
					 (int)c->p->o->fetch_timeout_ms, &ev);
		if (wret == -ETIME) {
			c->stats.c[KVTR_C_TIMED_OUT] += ticket.pending;
			if (c->p->o->fetch_tier == KVTIER_TIER_DEVICE)
				c->region_stale = true;
			goto verify;
		}
		if (wret)
			return wret;
		if (ev.failed) {
			/* The event says how many failed, not which. */
			c->stats.c[KVTR_C_FETCH_FAILED] += ev.failed;
			c->stats.c[KVTR_C_UNVERIFIED] += ev.completed;
		} else {
			for (k = 0; k < count; k++)
				c->ok[k] = c->ok[k] || queued[k];
		}
	}
	ret = kvtr_live_stats_add_latency(&c->stats, kvtier_now_ns() - t0);
	if (ret)
		return ret;
	c->stats.c[KVTR_C_FETCHES]++;
verify:
	kvtr_live_count_bytes(c, count, queued);
	return kvtr_live_verify_chunk(c, r, count);
}

/* Fetch every block found, into the region at its index in the prompt. */
static int kvtr_live_load(struct kvtr_live_client *c, size_t r, size_t n)
{
	const uint64_t bs = c->p->block_size;
	bool device = c->p->o->fetch_tier == KVTIER_TIER_DEVICE;
	size_t i, k, nf = 0, done, chunk;
	int ret;

	for (i = 0; i < n; i++) {
		if (c->where[i] == KVTR_LIVE_MISS)
			continue;
		c->fetch[nf] = (struct drm_kvtier_fetch_item){
			.handle = c->res[i].handle,
			.tier = c->p->o->fetch_tier,
			.offset = device ? i * bs : 0,
			.region_id = device ? c->region.id : 0,
		};
		/* Stale bytes of an earlier request must not pass for new. */
		if (device)
			memset((char *)c->region.addr + i * bs,
			       KVTR_LIVE_POISON, bs);
		c->fidx[nf++] = i;
	}
	for (done = 0; done < nf; done += chunk) {
		chunk = nf - done < c->max_batch ? nf - done : c->max_batch;
		/* The chunk's arrays start at its first item. */
		if (done) {
			for (k = 0; k < chunk; k++) {
				c->fetch[k] = c->fetch[done + k];
				c->fidx[k] = c->fidx[done + k];
			}
		}
		ret = kvtr_live_fetch_chunk(c, r, chunk);
		if (ret)
			return ret;
	}
	return 0;
}

/* Allocate, fill and commit one batch of misses. */
static int kvtr_live_store_chunk(struct kvtr_live_client *c,
				 struct drm_kvtier_alloc_item *items,
				 uint32_t count)
{
	const uint64_t bs = c->p->block_size;
	uint64_t deadline = kvtier_now_ns() + KVTR_LIVE_FULL_WAIT_NS;
	uint32_t k, failed;
	void *ptr;
	int ret;

	for (;;) {
		ret = kvtier_alloc(c->kv, c->p->pool_id, 0, items, count,
				   &failed);
		if (!ret)
			break;
		if (ret == -EEXIST && failed < count) {
			/*
			 * Stored meanwhile by another process of this tenant,
			 * or named twice in the prompt: it is there, so drop
			 * it and allocate the rest.
			 */
			c->stats.c[KVTR_C_PRESENT]++;
			memmove(&items[failed], &items[failed + 1],
				(count - failed - 1) * sizeof(*items));
			if (!--count)
				return 0;
			continue;
		}
		if (ret != -ENOSPC && ret != -EDQUOT)
			return ret;
		if (kvtier_now_ns() >= deadline) {
			c->stats.c[KVTR_C_NOT_STORED] += count;
			return 0;
		}
		kvtr_live_sleep_ns(KVTR_LIVE_FULL_POLL_NS);
	}
	for (k = 0; k < count; k++) {
		kvtr_live_hold(c, items[k].handle);
		c->handles[k] = items[k].handle;
		ptr = kvtier_map_ptr(&c->map, items[k].offset, bs);
		if (!ptr)
			return -EFAULT;
		kvtr_live_fill(&items[k].key, ptr, bs);
	}
	ret = kvtier_commit(c->kv, c->handles, count, NULL);
	if (ret)
		return ret;
	c->stats.c[KVTR_C_STORED] += count;
	c->stats.c[KVTR_C_BYTES_STORED] += count * bs;
	return 0;
}

static int kvtr_live_store(struct kvtr_live_client *c, size_t n)
{
	size_t i, m = 0, done;
	uint32_t chunk;
	int ret;

	for (i = 0; i < n; i++)
		if (c->where[i] == KVTR_LIVE_MISS)
			c->alloc[m++] = (struct drm_kvtier_alloc_item){
				.key = c->keys[i],
				.size = c->p->block_size,
			};
	for (done = 0; done < m; done += chunk) {
		chunk = (uint32_t)(m - done < c->max_batch ? m - done :
							     c->max_batch);
		ret = kvtr_live_store_chunk(c, c->alloc + done, chunk);
		if (ret)
			return ret;
	}
	return 0;
}

static int kvtr_live_handle_cmp(const void *a, const void *b)
{
	kvtier_handle_t x = *(const kvtier_handle_t *)a;
	kvtier_handle_t y = *(const kvtier_handle_t *)b;

	return x < y ? -1 : x > y;
}

/* Release every reference once (a block named twice is held once). */
static int kvtr_live_release(struct kvtr_live_client *c)
{
	size_t i, n = 0;
	int ret;

	qsort(c->held, c->nheld, sizeof(*c->held), kvtr_live_handle_cmp);
	for (i = 0; i < c->nheld; i++)
		if (!n || c->held[n - 1] != c->held[i])
			c->held[n++] = c->held[i];
	ret = kvtier_release(c->kv, c->held, n, NULL);
	c->nheld = 0;
	return ret;
}

int kvtr_live_request(struct kvtr_live_client *c, size_t r)
{
	const uint64_t *ids = kvtr_request_ids(c->p->t, r);
	size_t i, n = c->p->t->req[r].nids;
	int ret, rret;

	c->stats.c[KVTR_C_REQUESTS]++;
	c->stats.c[KVTR_C_REFS] += n;
	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		c->keys[i] = kvtr_live_key(ids[i], c->p->block_size);
	c->nheld = 0;
	ret = kvtr_live_lookup(c, n);
	if (!ret)
		ret = kvtr_live_load(c, r, n);
	if (!ret)
		ret = kvtr_live_store(c, n);
	if (c->nheld) {
		rret = kvtr_live_release(c);
		ret = ret ? ret : rret;
	}
	if (!ret && c->region_stale) {
		kvtr_live_region_destroy(c->kv, &c->region);
		ret = kvtr_live_region_create(c->kv, c->room * c->p->block_size,
					      c->index, &c->region);
		c->region_stale = false;
	}
	return ret;
}

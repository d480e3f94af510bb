// SPDX-License-Identifier: GPL-2.0
/*
 * The client side of the daemon tests. See dclient.h.
 */
#include "dclient.h"
#include "live_content.h"
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* How often a full pool is tried again while the daemon evicts. */
#define DC_RETRY_MS 10

static uint64_t dc_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct drm_kvtier_key dc_key(uint64_t salt, uint64_t n)
{
	return (struct drm_kvtier_key){ .lo = n, .hi = dc_mix(salt) | 1 };
}

/* The same content as kvtier-replay's blocks: one generator to trust. */
void dc_fill(void *buf, size_t size, const struct drm_kvtier_key *key)
{
	kvtr_live_fill(key, buf, size);
}

int dc_check(const void *buf, size_t size, const struct drm_kvtier_key *key,
	     const char *where)
{
	ssize_t at = kvtr_live_verify(key, buf, size);

	if (at < 0)
		return 0;
	fprintf(stderr, "%s: key %llx:%llx differs at byte %zd\n", where,
		(unsigned long long)key->hi, (unsigned long long)key->lo, at);
	return -EBADMSG;
}

static uint64_t dc_now_ms(void)
{
	return kvtier_now_ns() / 1000000ull;
}

int dc_client_open(struct dc_client *c, uint32_t pool)
{
	int ret;

	memset(c, 0, sizeof(*c));
	ret = kvtier_open(&c->kv);
	if (ret)
		return ret;
	ret = kvtier_map_pool(c->kv, pool, PROT_READ | PROT_WRITE, &c->map);
	if (ret) {
		kvtier_close(c->kv);
		c->kv = NULL;
		return ret;
	}
	c->pool = pool;
	c->salt = tl_key_salt();
	return 0;
}

void dc_client_close(struct dc_client *c, uint64_t nkeys)
{
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_key k;
	uint64_t i;

	if (!c->kv)
		return;
	/* Free what the case stored, so that the pool can be destroyed. */
	for (i = 0; i < nkeys; i++) {
		k = dc_key(c->salt, i);
		if (dc_tiers(c->kv, &k, &r) >= 0)
			kvtier_free(c->kv, &r.handle, 1, NULL);
	}
	kvtier_unmap(&c->map);
	kvtier_close(c->kv);
	c->kv = NULL;
}

int dc_store(struct kvtier *kv, const struct kvtier_map *map, uint32_t pool,
	     const struct drm_kvtier_key *key, uint64_t size, int wait_ms)
{
	struct drm_kvtier_alloc_item it;
	uint64_t end = dc_now_ms() + (uint64_t)wait_ms;
	void *p;
	int ret;

	for (;;) {
		memset(&it, 0, sizeof(it));
		it.key = *key;
		it.size = size;
		ret = kvtier_alloc(kv, pool, 0, &it, 1, NULL);
		if (ret != -ENOSPC || dc_now_ms() >= end)
			break;
		poll(NULL, 0, DC_RETRY_MS);
	}
	if (ret)
		return ret;
	p = kvtier_map_ptr(map, it.offset, size);
	if (!p) {
		kvtier_free(kv, &it.handle, 1, NULL);
		kvtier_release(kv, &it.handle, 1, NULL);
		return -EFAULT;
	}
	dc_fill(p, size, key);
	ret = kvtier_commit(kv, &it.handle, 1, NULL);
	if (!ret)
		ret = kvtier_release(kv, &it.handle, 1, NULL);
	return ret;
}

int dc_tiers(struct kvtier *kv, const struct drm_kvtier_key *key,
	     struct drm_kvtier_lookup_result *res)
{
	struct drm_kvtier_lookup_result r;
	int ret;

	ret = kvtier_lookup(kv, key, &r, 1, 0, NULL);
	if (ret < 0)
		return ret;
	if (res)
		*res = r;
	return r.handle ? (int)r.tiers : -ENOENT;
}

int dc_wait_tiers(struct kvtier *kv, const struct drm_kvtier_key *key,
		  uint32_t want, int ms)
{
	uint64_t end = dc_now_ms() + (uint64_t)ms;
	int t;

	for (;;) {
		t = dc_tiers(kv, key, NULL);
		if (t >= 0 && (uint32_t)t == want)
			return 0;
		if (dc_now_ms() >= end)
			return -ETIME;
		poll(NULL, 0, DC_RETRY_MS);
	}
}

/* Fetch one held object; wait for its work if it was queued. */
static int dc_fetch1(struct kvtier *kv, struct drm_kvtier_fetch_item *it,
		     int *queued)
{
	struct kvtier_fetch_ticket t;
	struct drm_kvtier_event_fetch ev;
	int ret;

	ret = kvtier_fetch(kv, it, 1, it->handle, &t);
	if (ret)
		return ret;
	if (queued)
		*queued = t.pending > 0;
	if (!t.pending)
		return 0;
	ret = kvtier_fetch_wait(kv, t.fetch_id, DC_FETCH_MS, &ev);
	if (ret)
		return ret;
	if (ev.failed || ev.status)
		return ev.status ? ev.status : -EIO;
	return 0;
}

int dc_fetch_host_check(struct kvtier *kv, const struct kvtier_map *map,
			const struct drm_kvtier_key *key, int *queued)
{
	struct drm_kvtier_fetch_item it = { 0 };
	struct drm_kvtier_lookup_result r;
	const void *p;
	int ret;

	ret = kvtier_lookup(kv, key, &r, 1, KVTIER_LOOKUP_ACQUIRE, NULL);
	if (ret < 0)
		return ret;
	if (!r.handle)
		return -ENOENT;
	it.handle = r.handle;
	it.tier = KVTIER_TIER_HOST;
	ret = dc_fetch1(kv, &it, queued);
	if (!ret) {
		/* Its offset: it may have just arrived from disk. */
		ret = kvtier_lookup(kv, key, &r, 1, 0, NULL);
		if (ret >= 0 && !(r.tiers & KVTIER_TIER_BIT(KVTIER_TIER_HOST)))
			ret = -ENXIO;
	}
	if (ret >= 0) {
		p = kvtier_map_ptr(map, r.offset, r.size);
		ret = p ? dc_check(p, r.size, key, "host") : -EFAULT;
	}
	kvtier_release(kv, &it.handle, 1, NULL);
	return ret;
}

int dc_region_open(struct kvtier *kv, size_t size, struct dc_region *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->fd = memfd_create("kvtier-test-region",
			     MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (r->fd < 0)
		return -errno;
	r->size = size;
	if (ftruncate(r->fd, (off_t)size) ||
	    fcntl(r->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)) {
		ret = -errno;
		goto err;
	}
	r->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		      0);
	if (r->mem == MAP_FAILED) {
		ret = -errno;
		r->mem = NULL;
		goto err;
	}
	ret = kvtier_region_register(kv, size, 0, r->fd,
				     KVTIER_REGION_KIND_MEMFD, &r->id);
	if (ret)
		goto err;
	return 0;
err:
	dc_region_close(kv, r);
	return ret;
}

void dc_region_close(struct kvtier *kv, struct dc_region *r)
{
	if (r->id)
		kvtier_region_unregister(kv, r->id);
	if (r->mem)
		munmap(r->mem, r->size);
	if (r->fd > 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
}

int dc_fetch_device_check(struct kvtier *kv, struct dc_region *r,
			  uint64_t offset, const struct drm_kvtier_key *key)
{
	struct drm_kvtier_fetch_item it = { 0 };
	struct drm_kvtier_lookup_result res;
	int ret;

	ret = kvtier_lookup(kv, key, &res, 1, KVTIER_LOOKUP_ACQUIRE, NULL);
	if (ret < 0)
		return ret;
	if (!res.handle)
		return -ENOENT;
	if (offset + res.size > r->size) {
		ret = -EINVAL;
		goto out;
	}
	/* Garbage first, so that stale bytes cannot pass for a copy. */
	memset((char *)r->mem + offset, 0xa5, res.size);
	it.handle = res.handle;
	it.tier = KVTIER_TIER_DEVICE;
	it.region_id = r->id;
	it.offset = offset;
	ret = dc_fetch1(kv, &it, NULL);
	if (!ret)
		ret = dc_check((char *)r->mem + offset, res.size, key,
			       "device");
out:
	kvtier_release(kv, &res.handle, 1, NULL);
	return ret;
}

struct drm_kvtier_stats dc_stats(struct kvtier *kv)
{
	struct drm_kvtier_stats st;

	if (kvtier_stats(kv, &st))
		memset(&st, 0, sizeof(st));
	return st;
}

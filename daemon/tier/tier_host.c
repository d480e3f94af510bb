// SPDX-License-Identifier: GPL-2.0
/*
 * The HOST tier: the driver's pools, each mapped whole by the daemon (the
 * manager may touch every slot). A pool is mapped at its first lookup and
 * checked against POOL_INFO at the first lookup after each revalidate()
 * (the daemon calls it every tick): a pool destroyed and created again
 * under the same id gets a fresh mapping. An old mapping is kept until the
 * tier closes, never unmapped early: the disk tier may hold its pages as
 * registered buffers, and a new mapping must never land at its address.
 * The daemon re-registers the tier's mappings with the disk tier whenever
 * they change (kvtd_host_tier_maps_gen()), which drops a retired one.
 *
 * The driver gives the manager a mapping of the pool's own shmem file.
 * Once the pool is destroyed the file is emptied and the mapping faults
 * with SIGBUS; a pool created again under the same id and with the same
 * size is another file, which the old mapping does not show. POOL_INFO's
 * serial tells the two apart: each revalidation compares it with the
 * serial the pool had when it was mapped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kvtd_tier_mem.h"
#include "kvtier.h"

struct host_pool {
	struct kvtier_map map;
	uint64_t mmap_offset;
	uint64_t epoch;
	uint64_t serial;	/* POOL_INFO's, when mapped */
};

struct host_tier {
	struct kvtd_mem_tier tier;
	struct kvtier *kv;
	uint64_t epoch;
	uint64_t maps_gen;
	struct kvtier_map *retired;
	unsigned int nr_retired;
	struct host_pool p[KVTIER_MAX_POOLS + 1];
};

static struct host_tier *to_host(struct kvtd_mem_tier *t)
{
	return (struct host_tier *)t;
}

/* Set @map aside until close. -ENOMEM when there is no room to. */
static int host_retire(struct host_tier *h, struct kvtier_map *map)
{
	struct kvtier_map *r;

	if (!map->addr)
		return 0;
	r = realloc(h->retired, (h->nr_retired + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	h->retired = r;
	r[h->nr_retired++] = *map;
	memset(map, 0, sizeof(*map));
	h->maps_gen++;
	return 0;
}

static int host_lookup(struct kvtd_mem_tier *t, const struct kvtd_space *s,
		       void **base, uint64_t *size)
{
	struct host_tier *h = to_host(t);
	struct drm_kvtier_pool_info info;
	uint32_t id = s->id;
	struct host_pool *p;
	int ret;

	if (id == 0 || id > KVTIER_MAX_POOLS)
		return -ENOENT;
	p = &h->p[id];
	if (!p->map.addr || p->epoch != h->epoch) {
		ret = kvtier_pool_info(h->kv, id, &info);
		if (ret) {
			if (ret == -ENOENT)
				host_retire(h, &p->map);
			return ret;
		}
		if (!p->map.addr || p->mmap_offset != info.mmap_offset ||
		    p->map.size != info.slot_size * info.slot_count ||
		    p->serial != info.serial) {
			ret = host_retire(h, &p->map);
			if (ret)
				return ret;
			ret = kvtier_map_pool(h->kv, id, PROT_READ | PROT_WRITE,
					      &p->map);
			if (ret)
				return ret;
			p->mmap_offset = info.mmap_offset;
			p->serial = info.serial;
			h->maps_gen++;
		}
		p->epoch = h->epoch;
	}
	*base = p->map.addr;
	*size = p->map.size;
	return 0;
}

static void host_revalidate(struct kvtd_mem_tier *t)
{
	to_host(t)->epoch++;
}

static int host_copy(struct kvtd_mem_tier *t, const struct kvtd_copy *c,
		     size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		memcpy(c[i].dst, c[i].src, c[i].len);
	return 0;
}

static void host_close(struct kvtd_mem_tier *t)
{
	struct host_tier *h = to_host(t);
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i <= KVTIER_MAX_POOLS; i++)
		kvtier_unmap(&h->p[i].map);
	for (i = 0; i < h->nr_retired; i++)
		kvtier_unmap(&h->retired[i]);
	free(h->retired);
	free(h);
}

const struct kvtd_mem_tier_ops kvtd_host_tier_ops = {
	.name = "host",
	.lookup = host_lookup,
	.revalidate = host_revalidate,
	.copy = host_copy,
	.close = host_close,
};

int kvtd_host_tier_open(struct kvtier *kv, struct kvtd_mem_tier **out)
{
	struct host_tier *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->tier.ops = &kvtd_host_tier_ops;
	h->kv = kv;
	h->epoch = 1;
	*out = &h->tier;
	return 0;
}

uint64_t kvtd_host_tier_maps_gen(struct kvtd_mem_tier *t)
{
	return to_host(t)->maps_gen;
}

void kvtd_host_tier_recheck(struct kvtd_mem_tier *t)
{
	struct host_tier *h = to_host(t);
	uint64_t size;
	void *base;
	uint32_t i;

	for (i = 1; i <= KVTIER_MAX_POOLS; i++)
		if (h->p[i].map.addr)
			host_lookup(t, &(struct kvtd_space){ .id = i },
				    &base, &size);
}

unsigned int kvtd_host_tier_regions(struct kvtd_mem_tier *t,
				    struct kvtd_region *r, unsigned int room)
{
	struct host_tier *h = to_host(t);
	unsigned int i, n = 0;

	for (i = 1; i <= KVTIER_MAX_POOLS && n < room; i++) {
		if (!h->p[i].map.addr)
			continue;
		r[n].addr = h->p[i].map.addr;
		r[n].len = h->p[i].map.size;
		n++;
	}
	return n;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The DEVICE tier without CUDA: regions are memfds that clients register
 * with KVTIER_REGION_KIND_MEMFD. The daemon opens one with REGION_GET_FD,
 * maps it once, caches the mapping by region id and generation, and
 * copies with the CPU.
 *
 * Region ids are reused after a region goes, possibly by another
 * client's region, so a region is only ever opened at the generation the
 * work names (REGION_GET_FD fails with -ESTALE when the id holds another
 * one), and a cached mapping only serves lookups of its own generation
 * and cookie: a newer generation of the id replaces it. A cached mapping
 * is also checked again (REGION_GET_FD, then the file's identity) at its
 * first lookup after each revalidate(), which the daemon calls once per
 * batch of work, so that one whose region is gone is let go. A stale
 * mapping only ever points at the old region's file, which the mapping
 * keeps alive: a copy through it cannot reach another client's memory.
 *
 * A mapping the cache drops while an operation still writes through it
 * (a disk read in flight, a copy queued: kvtd_mem_hold()) is retired,
 * not unmapped: were it unmapped, the next region mapped could land at
 * its address and receive that write. It is unmapped at its last put.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvtd_copier.h"
#include "kvtd_tier_mem.h"

/* One mapping of a region: cached, or retired and still held. */
struct dev_map {
	struct kvtd_mem_ref ref;
	void *addr;
	uint64_t size;
	struct dev_map *prev, *next;	/* the tier's list of every mapping */
};

struct dev_region {
	struct dev_map *map;	/* NULL: nothing cached */
	uint64_t cookie;
	uint32_t gen;
	dev_t dev;
	ino_t ino;
	uint64_t epoch;
};

struct dev_cpu_tier {
	struct kvtd_mem_tier tier;
	kvtd_region_fd_fn get_fd;
	void *ctx;
	uint64_t epoch;
	struct kvtd_copier *copier;
	struct dev_map *maps;
	struct dev_region r[KVTIER_MAX_REGIONS + 1];
};

static struct dev_cpu_tier *to_dev(struct kvtd_mem_tier *t)
{
	return (struct dev_cpu_tier *)t;
}

static void dev_map_free(struct dev_cpu_tier *d, struct dev_map *map)
{
	munmap(map->addr, map->size);
	if (map->prev)
		map->prev->next = map->next;
	else
		d->maps = map->next;
	if (map->next)
		map->next->prev = map->prev;
	free(map);
}

static void dev_map_put(struct dev_cpu_tier *d, struct dev_map *map)
{
	if (--map->ref.count == 0)
		dev_map_free(d, map);
}

/* Drop the cached mapping: unmapped now, or at its holders' last put. */
static void dev_forget(struct dev_cpu_tier *d, struct dev_region *r)
{
	if (r->map)
		dev_map_put(d, r->map);
	memset(r, 0, sizeof(*r));
}

/* Checks the region's file and, when it is new, maps it. */
static int dev_map(struct dev_cpu_tier *d, struct dev_region *r,
		   const struct drm_kvtier_region_get_fd *g)
{
	struct dev_map *map;
	struct stat st;
	int seals;

	if (g->kind != KVTIER_REGION_KIND_MEMFD)
		return g->kind == KVTIER_REGION_KIND_NONE ? -ENODEV :
							    -EOPNOTSUPP;
	if (fstat(g->fd, &st))
		return -errno;
	if (r->map && r->gen == g->gen && r->dev == st.st_dev &&
	    r->ino == st.st_ino && r->map->size == g->size)
		return 0;
	/* A shrinkable file could be cut under a copy: SIGBUS. */
	seals = fcntl(g->fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return -EPERM;
	if ((uint64_t)st.st_size < g->size || !g->size ||
	    (uint64_t)(size_t)g->size != g->size)
		return -EINVAL;
	map = calloc(1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	map->addr = mmap(NULL, (size_t)g->size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, g->fd, 0);
	if (map->addr == MAP_FAILED) {
		free(map);
		return -errno;
	}
	map->size = g->size;
	map->ref.tier = &d->tier;
	map->ref.count = 1;	/* the cache's */
	map->next = d->maps;
	if (d->maps)
		d->maps->prev = map;
	d->maps = map;
	dev_forget(d, r);
	r->map = map;
	r->cookie = g->cookie;
	r->gen = g->gen;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	return 0;
}

static int dev_lookup(struct kvtd_mem_tier *t, const struct kvtd_space *s,
		      void **base, uint64_t *size)
{
	struct dev_cpu_tier *d = to_dev(t);
	struct drm_kvtier_region_get_fd g;
	struct dev_region *r;
	int ret;

	if (s->id == 0 || s->id > KVTIER_MAX_REGIONS)
		return -ENOENT;
	/* Generation 0 would open whichever region holds the id. */
	if (!s->gen)
		return -EINVAL;
	r = &d->r[s->id];
	if (!r->map || r->gen != s->gen || r->epoch != d->epoch) {
		ret = d->get_fd(d->ctx, s->id, s->gen, &g);
		if (ret) {
			/* Gone: let the mapping (and the file) go too. */
			if (ret == -ENOENT ||
			    (ret == -ESTALE && r->gen == s->gen))
				dev_forget(d, r);
			return ret;
		}
		/* An answer for another generation is not this work's. */
		ret = g.gen == s->gen ? dev_map(d, r, &g) : -ESTALE;
		close(g.fd);
		if (ret) {
			dev_forget(d, r);
			return ret;
		}
		r->epoch = d->epoch;
	}
	if (r->cookie != s->cookie)
		return -ESTALE;
	*base = r->map->addr;
	*size = r->map->size;
	return 0;
}

static void dev_revalidate(struct kvtd_mem_tier *t)
{
	to_dev(t)->epoch++;
}

static struct kvtd_mem_ref *dev_hold(struct kvtd_mem_tier *t, uint32_t id)
{
	struct dev_cpu_tier *d = to_dev(t);
	struct dev_map *map;

	if (id == 0 || id > KVTIER_MAX_REGIONS || !d->r[id].map)
		return NULL;
	map = d->r[id].map;
	map->ref.count++;
	return &map->ref;
}

static void dev_put(struct kvtd_mem_tier *t, struct kvtd_mem_ref *ref)
{
	dev_map_put(to_dev(t), (struct dev_map *)ref);
}

static int dev_copy(struct kvtd_mem_tier *t, const struct kvtd_copy *c,
		    size_t n)
{
	kvtd_copier_run(to_dev(t)->copier, c, n);
	return 0;
}

/* Every region is a memfd mapped into the daemon. */
static bool dev_host_addressable(struct kvtd_mem_tier *t, uint32_t id)
{
	return true;
}

static void dev_close(struct kvtd_mem_tier *t)
{
	struct dev_cpu_tier *d = to_dev(t);
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i <= KVTIER_MAX_REGIONS; i++)
		dev_forget(d, &d->r[i]);
	/* Retired ones whose holders never put them: none when used right. */
	while (d->maps)
		dev_map_free(d, d->maps);
	kvtd_copier_fini(d->copier);
	free(d);
}

const struct kvtd_mem_tier_ops kvtd_device_cpu_tier_ops = {
	.name = "device-cpu",
	.lookup = dev_lookup,
	.revalidate = dev_revalidate,
	.hold = dev_hold,
	.put = dev_put,
	.copy = dev_copy,
	.host_addressable = dev_host_addressable,
	.close = dev_close,
};

int kvtd_device_cpu_tier_open(kvtd_region_fd_fn get_fd, void *ctx,
			      unsigned int threads, struct kvtd_mem_tier **out)
{
	struct dev_cpu_tier *d;
	int ret;

	if (!get_fd)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->tier.ops = &kvtd_device_cpu_tier_ops;
	d->get_fd = get_fd;
	d->ctx = ctx;
	/* Epoch 1: a zeroed entry (epoch 0) is never current. */
	d->epoch = 1;
	ret = kvtd_copier_init(&d->copier, threads);
	if (ret) {
		free(d);
		return ret;
	}
	*out = &d->tier;
	return 0;
}

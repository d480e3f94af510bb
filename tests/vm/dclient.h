/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dclient: the client side of the daemon tests (tests/vm/t_daemon_*), on
 * libkvtier: objects whose content is derived from their key, stored the
 * way an engine stores a KV block (alloc, fill through the mapping,
 * commit, release) and fetched back to HOST or to a DEVICE region (a
 * sealed memfd) with every byte checked.
 *
 * Return contract: 0 (or a value where stated) or -errno; -EBADMSG when
 * bytes read back differ from the key's content (the offset is printed on
 * stderr).
 */
#ifndef KVTIER_DCLIENT_H
#define KVTIER_DCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "kvtier.h"

/* How long a fetch that the daemon serves may take under TCG. */
#define DC_FETCH_MS 30000

/**
 * struct dc_client - one client of a daemon test: its handle, its mapping
 * of @pool (read/write, whole) and the salt of its keys (dc_key()).
 */
struct dc_client {
	struct kvtier *kv;
	struct kvtier_map map;
	uint32_t pool;
	uint64_t salt;
};

/*
 * Open the device (in the caller's cgroup: its tenant) and map @pool.
 * Return: 0, or what kvtier_open() or kvtier_map_pool() returned (@c is
 * then closed again).
 */
int dc_client_open(struct dc_client *c, uint32_t pool);

/* Free the objects of keys 0..@nkeys-1 still there, unmap, close. */
void dc_client_close(struct dc_client *c, uint64_t nkeys);

/* Key @n of a test run with @salt. */
struct drm_kvtier_key dc_key(uint64_t salt, uint64_t n);

/* Fill @buf with the @size bytes of @key's content. */
void dc_fill(void *buf, size_t size, const struct drm_kvtier_key *key);

/* Compare @buf with @key's content: 0, or -EBADMSG (first offset logged). */
int dc_check(const void *buf, size_t size, const struct drm_kvtier_key *key,
	     const char *where);

/*
 * Store one object of @size bytes under @key in @pool: alloc, fill through
 * @map (the whole pool, mapped read/write), commit, release. -ENOSPC from
 * a full pool is retried (the daemon evicts) until @wait_ms have passed.
 */
int dc_store(struct kvtier *kv, const struct kvtier_map *map, uint32_t pool,
	     const struct drm_kvtier_key *key, uint64_t size, int wait_ms);

/*
 * Look @key up without taking a reference. Returns its tier bits
 * (KVTIER_TIER_BIT()), -ENOENT when absent, or -errno; fills @res if given.
 */
int dc_tiers(struct kvtier *kv, const struct drm_kvtier_key *key,
	     struct drm_kvtier_lookup_result *res);

/* Seconds-free wait: until @key has exactly the tier bits @want, or -ETIME. */
int dc_wait_tiers(struct kvtier *kv, const struct drm_kvtier_key *key,
		  uint32_t want, int ms);

/*
 * Fetch @key into HOST and check its bytes there, then release it.
 * *@queued (optional) says whether the fetch was queued as work (1) or
 * served at once (0).
 */
int dc_fetch_host_check(struct kvtier *kv, const struct kvtier_map *map,
			const struct drm_kvtier_key *key, int *queued);

/**
 * struct dc_region - a DEVICE region of ordinary memory: a sealed memfd.
 * @fd: The memfd.
 * @mem: Its mapping.
 * @size: Bytes.
 * @id: Its region id once registered.
 */
struct dc_region {
	int fd;
	void *mem;
	size_t size;
	uint32_t id;
};

/* Create, seal (shrink, grow) and register a region of @size bytes. */
int dc_region_open(struct kvtier *kv, size_t size, struct dc_region *r);
void dc_region_close(struct kvtier *kv, struct dc_region *r);

/*
 * Fetch @key into region @r at @offset and check its bytes there, then
 * release it (which drops the DEVICE pin).
 */
int dc_fetch_device_check(struct kvtier *kv, struct dc_region *r,
			  uint64_t offset, const struct drm_kvtier_key *key);

/* The driver's stats (kvtier_stats), or a zeroed struct on failure. */
struct drm_kvtier_stats dc_stats(struct kvtier *kv);

#endif /* KVTIER_DCLIENT_H */

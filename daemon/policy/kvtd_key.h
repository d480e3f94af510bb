/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Object keys as the schedulers see them: the uAPI's 128-bit key, with the
 * equality and hash every policy's index needs.
 */
#ifndef KVTD_KEY_H
#define KVTD_KEY_H

#include <stdbool.h>
#include <stdint.h>

#include "kvtier_drm.h"

static inline bool kvtd_key_eq(const struct drm_kvtier_key *a,
			       const struct drm_kvtier_key *b)
{
	return a->lo == b->lo && a->hi == b->hi;
}

/**
 * struct kvtd_nskey - a key inside its namespace.
 * @lo, @hi: The 128-bit key (struct drm_kvtier_key's lo and hi).
 * @ns: Its namespace (the owning tenant's id, 0 for global objects), or
 *      any other 64 bits that tell equal keys apart (a pool, a handle);
 *      0 where the key alone names the object.
 *
 * What kvtd_keymap is keyed by: a policy's map uses @ns 0, the daemon's
 * maps of objects (transfers in flight, the driver's table) the tenant.
 */
struct kvtd_nskey {
	uint64_t lo;
	uint64_t hi;
	uint64_t ns;
};

static inline bool kvtd_nskey_eq(const struct kvtd_nskey *a,
				 const struct kvtd_nskey *b)
{
	return a->lo == b->lo && a->hi == b->hi && a->ns == b->ns;
}

/*
 * Keys are hashes for KV blocks but small dense integers for adapters,
 * experts and remapped traces, and namespaces are small integers too, so
 * the bits are mixed (MurmurHash3's finaliser) before they index a
 * power-of-two table.
 */
static inline uint64_t kvtd_nskey_hash(const struct kvtd_nskey *k)
{
	uint64_t h = k->lo ^ (k->hi * 0x9e3779b97f4a7c15ull) ^
		     (k->ns * 0xc2b2ae3d27d4eb4full);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* The hash of @k in namespace 0. */
static inline uint64_t kvtd_key_hash(const struct drm_kvtier_key *k)
{
	struct kvtd_nskey n = { k->lo, k->hi, 0 };

	return kvtd_nskey_hash(&n);
}

#endif /* KVTD_KEY_H */

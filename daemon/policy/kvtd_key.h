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

/*
 * Keys are hashes for KV blocks but small dense integers for adapters,
 * experts and remapped traces, so the bits are mixed (MurmurHash3's
 * finaliser) before they index a power-of-two table.
 */
static inline uint64_t kvtd_key_hash(const struct drm_kvtier_key *k)
{
	uint64_t h = k->lo ^ (k->hi * 0x9e3779b97f4a7c15ull);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

#endif /* KVTD_KEY_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Block keys and contents of the live replay (see live_content.h).
 */
#include <endian.h>
#include <string.h>

#include "kvtier.h"
#include "live_content.h"

/* Keeps replay keys apart from any other client's names of 24 bytes. */
#define KVTR_LIVE_KEY_TAG 0x79616c7065727476ull /* "vtreplay" */

struct drm_kvtier_key kvtr_live_key(uint64_t hash_id, uint64_t block_size)
{
	uint64_t name[3] = {
		htole64(KVTR_LIVE_KEY_TAG), htole64(hash_id),
		htole64(block_size),
	};

	return kvtier_key_from_bytes(name, sizeof(name));
}

/* splitmix64 (Steele, Lea, Flood): one step of the stream. */
static inline uint64_t kvtr_live_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static inline uint64_t kvtr_live_seed(const struct drm_kvtier_key *key)
{
	/* Both halves matter: keys differing in hi only must differ too. */
	return key->lo ^ (key->hi * 0xC2B2AE3D27D4EB4Full);
}

void kvtr_live_fill(const struct drm_kvtier_key *key, void *buf, size_t len)
{
	uint64_t state = kvtr_live_seed(key);
	unsigned char *p = buf;
	uint64_t w;

	for (; len >= 8; p += 8, len -= 8) {
		w = htole64(kvtr_live_next(&state));
		memcpy(p, &w, 8);
	}
	if (len) {
		w = htole64(kvtr_live_next(&state));
		memcpy(p, &w, len);
	}
}

ssize_t kvtr_live_verify(const struct drm_kvtier_key *key, const void *buf,
			 size_t len)
{
	uint64_t state = kvtr_live_seed(key);
	const unsigned char *p = buf;
	unsigned char want[8];
	size_t off, n, i;
	uint64_t w;

	for (off = 0; off < len; off += n) {
		n = len - off < 8 ? len - off : 8;
		w = htole64(kvtr_live_next(&state));
		memcpy(want, &w, 8);
		if (memcmp(p + off, want, n) == 0)
			continue;
		for (i = 0; i < n; i++)
			if (p[off + i] != want[i])
				return (ssize_t)(off + i);
	}
	return -1;
}

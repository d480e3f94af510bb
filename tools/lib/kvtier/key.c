// SPDX-License-Identifier: GPL-2.0
/*
 * Keys: kvtier-hash128 v1 and the chained keys of KV prompts. The
 * algorithm is specified in kvtier.h; this file is one implementation of
 * it, and the unit tests check it against another.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "kvtier_internal.h"

#define KVTL_K1 0x9E3779B97F4A7C15ull
#define KVTL_K2 0xC2B2AE3D27D4EB4Full
#define KVTL_K3 0x165667B19E3779F9ull

/* Tokens hashed per round of kvtier_key_chain_tokens: the little-endian
 * copy lives on the stack, and 256 tokens (1 KiB) keep it small. A
 * multiple of 2 so that every round but the last is whole 8-byte words. */
#define KVTL_TOKEN_CHUNK 256

static inline uint64_t kvtl_rotl(uint64_t x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

/* splitmix64's finaliser (Stafford's mix13). */
static inline uint64_t kvtl_fmix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

struct kvtl_hash {
	uint64_t a;
	uint64_t b;
	uint64_t n;
};

static void kvtl_hash_init(struct kvtl_hash *h, const struct drm_kvtier_key *seed)
{
	h->a = (seed ? seed->lo : 0) ^ KVTL_K1;
	h->b = (seed ? seed->hi : 0) ^ KVTL_K2;
	h->n = 0;
}

static inline void kvtl_hash_word(struct kvtl_hash *h, uint64_t w)
{
	h->a = kvtl_rotl(h->a ^ kvtl_fmix(w), 29) * KVTL_K1;
	h->b = kvtl_rotl(h->b ^ kvtl_fmix(w ^ KVTL_K3), 37) * KVTL_K2 + h->a;
}

/* Feeds bytes; every call but the last must pass a multiple of 8. */
static void kvtl_hash_update(struct kvtl_hash *h, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t w;

	h->n += len;
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		kvtl_hash_word(h, le64toh(w));
	}
	if (len) {
		w = 0;
		memcpy(&w, p, len);
		kvtl_hash_word(h, le64toh(w));
	}
}

static struct drm_kvtier_key kvtl_hash_final(struct kvtl_hash *h)
{
	struct drm_kvtier_key key;
	uint64_t a = h->a ^ h->n;
	uint64_t b = h->b ^ (h->n * KVTL_K3);

	key.lo = kvtl_fmix(a + kvtl_rotl(b, 32));
	key.hi = kvtl_fmix(b ^ kvtl_rotl(a, 17));
	return key;
}

struct drm_kvtier_key kvtier_key_chain(const struct drm_kvtier_key *prev,
				       const void *data, size_t len)
{
	struct kvtl_hash h;

	kvtl_hash_init(&h, prev);
	kvtl_hash_update(&h, data, len);
	return kvtl_hash_final(&h);
}

struct drm_kvtier_key kvtier_key_from_bytes(const void *data, size_t len)
{
	return kvtier_key_chain(NULL, data, len);
}

struct drm_kvtier_key kvtier_key_chain_tokens(const struct drm_kvtier_key *prev,
					      const uint32_t *tokens,
					      size_t count)
{
	uint32_t le[KVTL_TOKEN_CHUNK];
	struct kvtl_hash h;
	size_t i, n;

	kvtl_hash_init(&h, prev);
	while (count) {
		n = count < KVTL_TOKEN_CHUNK ? count : KVTL_TOKEN_CHUNK;
		for (i = 0; i < n; i++)
			le[i] = htole32(tokens[i]);
		kvtl_hash_update(&h, le, n * sizeof(le[0]));
		tokens += n;
		count -= n;
	}
	return kvtl_hash_final(&h);
}

int kvtier_prompt_keys(const uint32_t *tokens, size_t count,
		       size_t block_tokens, struct drm_kvtier_key *keys,
		       size_t room)
{
	size_t blocks, i;

	if (block_tokens == 0)
		return -EINVAL;
	blocks = count / block_tokens;
	if (blocks > room)
		blocks = room;
	if (blocks > INT32_MAX)
		blocks = INT32_MAX;
	for (i = 0; i < blocks; i++)
		keys[i] = kvtier_key_chain_tokens(i ? &keys[i - 1] : NULL,
						  tokens + i * block_tokens,
						  block_tokens);
	return (int)blocks;
}

bool kvtier_key_equal(const struct drm_kvtier_key *a,
		      const struct drm_kvtier_key *b)
{
	return a->lo == b->lo && a->hi == b->hi;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The key set of the daemon's transfers. See kvtd_keyset.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_keyset.h"

/* Small: the sets of transfers in flight hold at most a queue depth. */
#define KEYSET_MIN_SLOTS 64u
/* Slot counts are powers of two held in 32 bits, kept at most half full. */
#define KEYSET_MAX_SLOTS (1u << 31)

static uint32_t keyset_hash(const struct kvtd_tier_key *k)
{
	/* MurmurHash3's finaliser over the three words mixed together. */
	uint64_t h = k->lo ^ (k->hi * 0x9e3779b97f4a7c15ull) ^
		     (k->ns * 0xc2b2ae3d27d4eb4full);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static int keyset_alloc(struct kvtd_keyset *s, uint32_t nslots)
{
	s->slots = calloc(nslots, sizeof(*s->slots));
	if (!s->slots)
		return -ENOMEM;
	s->mask = nslots - 1;
	s->count = 0;
	return 0;
}

int kvtd_keyset_init(struct kvtd_keyset *s, uint32_t hint)
{
	uint32_t n = KEYSET_MIN_SLOTS;

	if (hint > KEYSET_MAX_SLOTS / 2)
		return -E2BIG;
	while (n < 2 * (uint64_t)hint)
		n <<= 1;
	return keyset_alloc(s, n);
}

void kvtd_keyset_fini(struct kvtd_keyset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

void kvtd_keyset_clear(struct kvtd_keyset *s)
{
	memset(s->slots, 0, ((size_t)s->mask + 1) * sizeof(*s->slots));
	s->count = 0;
}

static uint32_t keyset_find(const struct kvtd_keyset *s,
			    const struct kvtd_tier_key *k)
{
	uint32_t i = keyset_hash(k) & s->mask;

	while (s->slots[i].used) {
		if (kvtd_tier_key_eq(&s->slots[i].key, k))
			return i;
		i = (i + 1) & s->mask;
	}
	return KVTD_KEYSET_NONE;
}

uint32_t kvtd_keyset_get(const struct kvtd_keyset *s,
			 const struct kvtd_tier_key *k)
{
	uint32_t i = keyset_find(s, k);

	return i == KVTD_KEYSET_NONE ? KVTD_KEYSET_NONE : s->slots[i].val;
}

static void keyset_insert(struct kvtd_keyset *s, const struct kvtd_tier_key *k,
			  uint32_t val)
{
	uint32_t i = keyset_hash(k) & s->mask;

	while (s->slots[i].used)
		i = (i + 1) & s->mask;
	s->slots[i].key = *k;
	s->slots[i].val = val;
	s->slots[i].used = 1;
	s->count++;
}

static int keyset_grow(struct kvtd_keyset *s)
{
	struct kvtd_keyset old = *s;
	uint32_t i;
	int ret;

	if ((uint64_t)old.mask + 1 >= KEYSET_MAX_SLOTS)
		return -E2BIG;
	ret = keyset_alloc(s, (old.mask + 1) * 2);
	if (ret) {
		*s = old;
		return ret;
	}
	for (i = 0; i <= old.mask; i++)
		if (old.slots[i].used)
			keyset_insert(s, &old.slots[i].key, old.slots[i].val);
	free(old.slots);
	return 0;
}

int kvtd_keyset_put(struct kvtd_keyset *s, const struct kvtd_tier_key *k,
		    uint32_t val)
{
	int ret;

	if (val == KVTD_KEYSET_NONE)
		return -EINVAL;
	if (keyset_find(s, k) != KVTD_KEYSET_NONE)
		return -EEXIST;
	if (2 * ((uint64_t)s->count + 1) > (uint64_t)s->mask + 1) {
		ret = keyset_grow(s);
		if (ret)
			return ret;
	}
	keyset_insert(s, k, val);
	return 0;
}

int kvtd_keyset_del(struct kvtd_keyset *s, const struct kvtd_tier_key *k)
{
	uint32_t i = keyset_find(s, k), j, home;

	if (i == KVTD_KEYSET_NONE)
		return -ENOENT;
	/* Backward shift: pull later entries of the run into the hole. */
	for (j = (i + 1) & s->mask; s->slots[j].used; j = (j + 1) & s->mask) {
		home = keyset_hash(&s->slots[j].key) & s->mask;
		/* Moves j to i only if its home is not in (i, j]. */
		if (((j - home) & s->mask) >= ((j - i) & s->mask)) {
			s->slots[i] = s->slots[j];
			i = j;
		}
	}
	memset(&s->slots[i], 0, sizeof(s->slots[i]));
	s->count--;
	return 0;
}

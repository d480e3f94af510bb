// SPDX-License-Identifier: GPL-2.0
/*
 * The key -> index map of the policies and the daemon. See kvtd_keymap.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "kvtd_keymap.h"

/* Small enough to cost nothing for a map that stays tiny. */
#define KEYMAP_MIN_SLOTS 16u
/*
 * Half full at most: linear probing's expected probe count stays near 1.5
 * for hits and 2.5 for misses, and every miss ends at an empty slot.
 */
#define KEYMAP_MAX_LOAD_DIV 2u
/* The largest table whose size still fits the 32-bit mask. */
#define KEYMAP_MAX_SLOTS (1u << 31)

static uint32_t keymap_slots_for(uint32_t keys)
{
	uint64_t want = (uint64_t)keys * KEYMAP_MAX_LOAD_DIV;
	uint64_t n = KEYMAP_MIN_SLOTS;

	while (n < want)
		n <<= 1;
	return n > KEYMAP_MAX_SLOTS ? 0 : (uint32_t)n;
}

static struct kvtd_keymap_slot *keymap_alloc(uint32_t nslots)
{
	struct kvtd_keymap_slot *s = malloc((size_t)nslots * sizeof(*s));
	uint32_t i;

	if (!s)
		return NULL;
	for (i = 0; i < nslots; i++)
		s[i].val = KVTD_KEYMAP_NONE;
	return s;
}

int kvtd_keymap_init(struct kvtd_keymap *m, uint32_t hint)
{
	uint32_t n = keymap_slots_for(hint);

	if (!n)
		return -E2BIG;
	m->slots = keymap_alloc(n);
	if (!m->slots)
		return -ENOMEM;
	m->mask = n - 1;
	m->count = 0;
	return 0;
}

void kvtd_keymap_clear(struct kvtd_keymap *m)
{
	uint32_t i;

	for (i = 0; i <= m->mask; i++)
		m->slots[i].val = KVTD_KEYMAP_NONE;
	m->count = 0;
}

void kvtd_keymap_fini(struct kvtd_keymap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = 0;
	m->count = 0;
}

/* The slot holding @k, or the empty slot where it would go. */
static uint32_t keymap_probe(const struct kvtd_keymap *m,
			     const struct kvtd_nskey *k)
{
	uint32_t i = (uint32_t)kvtd_nskey_hash(k) & m->mask;

	while (m->slots[i].val != KVTD_KEYMAP_NONE &&
	       !kvtd_nskey_eq(&m->slots[i].key, k))
		i = (i + 1) & m->mask;
	return i;
}

uint32_t kvtd_keymap_get_ns(const struct kvtd_keymap *m,
			 const struct kvtd_nskey *k)
{
	return m->slots[keymap_probe(m, k)].val;
}

static int keymap_grow(struct kvtd_keymap *m)
{
	uint32_t old_n = m->mask + 1, i, j;
	struct kvtd_keymap_slot *old = m->slots, *s;

	if (old_n >= KEYMAP_MAX_SLOTS)
		return -E2BIG;
	s = keymap_alloc(old_n * 2);
	if (!s)
		return -ENOMEM;
	m->slots = s;
	m->mask = old_n * 2 - 1;
	for (i = 0; i < old_n; i++) {
		if (old[i].val == KVTD_KEYMAP_NONE)
			continue;
		j = keymap_probe(m, &old[i].key);
		m->slots[j] = old[i];
	}
	free(old);
	return 0;
}

int kvtd_keymap_put_ns(struct kvtd_keymap *m, const struct kvtd_nskey *k,
		    uint32_t val)
{
	uint32_t i;
	int ret;

	if (val == KVTD_KEYMAP_NONE)
		return -EINVAL;
	i = keymap_probe(m, k);
	if (m->slots[i].val != KVTD_KEYMAP_NONE)
		return -EEXIST;
	if ((uint64_t)(m->count + 1) * KEYMAP_MAX_LOAD_DIV > m->mask + 1ull) {
		ret = keymap_grow(m);
		if (ret)
			return ret;
		i = keymap_probe(m, k);
	}
	m->slots[i].key = *k;
	m->slots[i].val = val;
	m->count++;
	return 0;
}

int kvtd_keymap_set_ns(struct kvtd_keymap *m, const struct kvtd_nskey *k,
		    uint32_t val)
{
	uint32_t i;

	if (val == KVTD_KEYMAP_NONE)
		return -EINVAL;
	i = keymap_probe(m, k);
	if (m->slots[i].val == KVTD_KEYMAP_NONE)
		return -ENOENT;
	m->slots[i].val = val;
	return 0;
}

/*
 * Backward-shift deletion: every key after the hole in the same probe run
 * that would be found earlier moves into the hole, so no tombstone is
 * needed and no probe run is ever broken.
 */
int kvtd_keymap_del_ns(struct kvtd_keymap *m, const struct kvtd_nskey *k)
{
	uint32_t hole = keymap_probe(m, k), i, home;

	if (m->slots[hole].val == KVTD_KEYMAP_NONE)
		return -ENOENT;
	i = hole;
	for (;;) {
		i = (i + 1) & m->mask;
		if (m->slots[i].val == KVTD_KEYMAP_NONE)
			break;
		home = (uint32_t)kvtd_nskey_hash(&m->slots[i].key) & m->mask;
		/* Moves unless its home lies cyclically in (hole, i]. */
		if (((i - home) & m->mask) >= ((i - hole) & m->mask)) {
			m->slots[hole] = m->slots[i];
			hole = i;
		}
	}
	m->slots[hole].val = KVTD_KEYMAP_NONE;
	m->count--;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtd_keymap: a hash map from object key to a 32-bit index, the index of
 * every policy's entry table. Open addressing with linear probing and
 * backward-shift deletion: no tombstones, so lookups stay O(1) however
 * long the map lives and however many keys come and go.
 *
 * Functions return 0 or -errno unless said otherwise.
 */
#ifndef KVTD_KEYMAP_H
#define KVTD_KEYMAP_H

#include <stdint.h>

#include "kvtd_key.h"

/* The value of an absent key; also marks an empty slot, so never stored. */
#define KVTD_KEYMAP_NONE UINT32_MAX

struct kvtd_keymap_slot {
	struct drm_kvtier_key key;
	uint32_t val;
	uint32_t pad;
};

/**
 * struct kvtd_keymap - the map.
 * @slots: Power-of-two table, at most half full.
 * @mask: Table size minus one.
 * @count: Keys present.
 */
struct kvtd_keymap {
	struct kvtd_keymap_slot *slots;
	uint32_t mask;
	uint32_t count;
};

/**
 * kvtd_keymap_init() - make an empty map.
 * @m: The map.
 * @hint: Keys it should hold without growing (0 for a small default).
 *
 * Return: 0, -ENOMEM, -E2BIG when @hint exceeds what 32-bit indices hold.
 */
int kvtd_keymap_init(struct kvtd_keymap *m, uint32_t hint);

/* Free the table; @m may then be initialised again. */
void kvtd_keymap_fini(struct kvtd_keymap *m);

/* Return: the value stored under @k, or KVTD_KEYMAP_NONE. */
uint32_t kvtd_keymap_get(const struct kvtd_keymap *m,
			 const struct drm_kvtier_key *k);

/**
 * kvtd_keymap_put() - add a key. Grows the table when it gets half full.
 *
 * Return: 0, -EEXIST when @k is present (its value is left alone),
 * -EINVAL when @val is KVTD_KEYMAP_NONE, -ENOMEM, -E2BIG when full.
 */
int kvtd_keymap_put(struct kvtd_keymap *m, const struct drm_kvtier_key *k,
		    uint32_t val);

/**
 * kvtd_keymap_set() - change the value of a present key.
 *
 * Return: 0, -ENOENT when @k is absent, -EINVAL for KVTD_KEYMAP_NONE.
 */
int kvtd_keymap_set(struct kvtd_keymap *m, const struct drm_kvtier_key *k,
		    uint32_t val);

/* Return: 0, or -ENOENT when @k is absent. */
int kvtd_keymap_del(struct kvtd_keymap *m, const struct drm_kvtier_key *k);

static inline uint32_t kvtd_keymap_count(const struct kvtd_keymap *m)
{
	return m->count;
}

#endif /* KVTD_KEYMAP_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtd_keymap: the daemon's one hash map from a key to a 32-bit index.
 * Every policy indexes its entry table with it (by struct drm_kvtier_key),
 * the planner its objects, and the daemon its transfers in flight and the
 * driver's keys at start (by struct kvtd_nskey: key and namespace, since
 * two tenants' equal keys are different objects; see kvtd_keyset.h).
 *
 * Open addressing with linear probing and backward-shift deletion: no
 * tombstones, so lookups stay O(1) however long the map lives and however
 * many keys come and go.
 *
 * Functions return 0 or -errno unless said otherwise.
 */
#ifndef KVTD_KEYMAP_H
#define KVTD_KEYMAP_H

#include <stdint.h>

#include "kvtd_key.h"

/* The value of an absent key; also marks an empty slot, so never stored. */
#define KVTD_KEYMAP_NONE UINT32_MAX

/* 32 bytes: two slots to a cache line, none straddling two. */
struct kvtd_keymap_slot {
	struct kvtd_nskey key;
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

/* Forget every key, keeping the table. */
void kvtd_keymap_clear(struct kvtd_keymap *m);

/* Return: the value stored under @k, or KVTD_KEYMAP_NONE. */
uint32_t kvtd_keymap_get_ns(const struct kvtd_keymap *m,
			    const struct kvtd_nskey *k);

/**
 * kvtd_keymap_put_ns() - add a key. Grows the table when it gets half full.
 *
 * Return: 0, -EEXIST when @k is present (its value is left alone),
 * -EINVAL when @val is KVTD_KEYMAP_NONE, -ENOMEM, -E2BIG when full.
 */
int kvtd_keymap_put_ns(struct kvtd_keymap *m, const struct kvtd_nskey *k,
		       uint32_t val);

/**
 * kvtd_keymap_set_ns() - change the value of a present key.
 *
 * Return: 0, -ENOENT when @k is absent, -EINVAL for KVTD_KEYMAP_NONE.
 */
int kvtd_keymap_set_ns(struct kvtd_keymap *m, const struct kvtd_nskey *k,
		       uint32_t val);

/* Return: 0, or -ENOENT when @k is absent. */
int kvtd_keymap_del_ns(struct kvtd_keymap *m, const struct kvtd_nskey *k);

/* The same by struct drm_kvtier_key, in namespace 0 (the policies' use). */
static inline struct kvtd_nskey kvtd_keymap_key(const struct drm_kvtier_key *k)
{
	return (struct kvtd_nskey){ k->lo, k->hi, 0 };
}

static inline uint32_t kvtd_keymap_get(const struct kvtd_keymap *m,
				       const struct drm_kvtier_key *k)
{
	struct kvtd_nskey n = kvtd_keymap_key(k);

	return kvtd_keymap_get_ns(m, &n);
}

static inline int kvtd_keymap_put(struct kvtd_keymap *m,
				  const struct drm_kvtier_key *k, uint32_t val)
{
	struct kvtd_nskey n = kvtd_keymap_key(k);

	return kvtd_keymap_put_ns(m, &n, val);
}

static inline int kvtd_keymap_set(struct kvtd_keymap *m,
				  const struct drm_kvtier_key *k, uint32_t val)
{
	struct kvtd_nskey n = kvtd_keymap_key(k);

	return kvtd_keymap_set_ns(m, &n, val);
}

static inline int kvtd_keymap_del(struct kvtd_keymap *m,
				  const struct drm_kvtier_key *k)
{
	struct kvtd_nskey n = kvtd_keymap_key(k);

	return kvtd_keymap_del_ns(m, &n);
}

static inline uint32_t kvtd_keymap_count(const struct kvtd_keymap *m)
{
	return m->count;
}

#endif /* KVTD_KEYMAP_H */

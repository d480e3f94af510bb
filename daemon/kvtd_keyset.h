/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtd_keyset: a map from an object's name in the tiers (key and
 * namespace, struct kvtd_tier_key) to a 32-bit value. The daemon keeps
 * its transfers in flight in it (to merge two requests for one object,
 * and to know that an object is being written) and uses it to compare the
 * driver's table with the disk tier's index at start.
 *
 * It is kvtd_keymap (daemon/policy/kvtd_keymap.h) keyed by key and
 * namespace: two tenants' equal keys are different objects. Only the key
 * type is translated here. Functions return 0 or -errno.
 */
#ifndef KVTD_KEYSET_H
#define KVTD_KEYSET_H

#include <stdint.h>

#include "kvtd_keymap.h"
#include "tier_ops.h"

/* The value of an absent key; never stored. */
#define KVTD_KEYSET_NONE KVTD_KEYMAP_NONE

struct kvtd_keyset {
	struct kvtd_keymap map;
};

static inline struct kvtd_nskey kvtd_keyset_key(const struct kvtd_tier_key *k)
{
	return (struct kvtd_nskey){ k->lo, k->hi, k->ns };
}

/* An empty set sized for @hint keys (0: a small default). 0, -ENOMEM, -E2BIG. */
static inline int kvtd_keyset_init(struct kvtd_keyset *s, uint32_t hint)
{
	return kvtd_keymap_init(&s->map, hint);
}

static inline void kvtd_keyset_fini(struct kvtd_keyset *s)
{
	kvtd_keymap_fini(&s->map);
}

/* Forget every key, keeping the table. */
static inline void kvtd_keyset_clear(struct kvtd_keyset *s)
{
	kvtd_keymap_clear(&s->map);
}

/* The value under @k, or KVTD_KEYSET_NONE. */
static inline uint32_t kvtd_keyset_get(const struct kvtd_keyset *s,
				       const struct kvtd_tier_key *k)
{
	struct kvtd_nskey n = kvtd_keyset_key(k);

	return kvtd_keymap_get_ns(&s->map, &n);
}

/* Add @k. 0, -EEXIST, -EINVAL (@val is KVTD_KEYSET_NONE), -ENOMEM, -E2BIG. */
static inline int kvtd_keyset_put(struct kvtd_keyset *s,
				  const struct kvtd_tier_key *k, uint32_t val)
{
	struct kvtd_nskey n = kvtd_keyset_key(k);

	return kvtd_keymap_put_ns(&s->map, &n, val);
}

/* Remove @k. 0 or -ENOENT. */
static inline int kvtd_keyset_del(struct kvtd_keyset *s,
				  const struct kvtd_tier_key *k)
{
	struct kvtd_nskey n = kvtd_keyset_key(k);

	return kvtd_keymap_del_ns(&s->map, &n);
}

static inline uint32_t kvtd_keyset_count(const struct kvtd_keyset *s)
{
	return kvtd_keymap_count(&s->map);
}

#endif /* KVTD_KEYSET_H */

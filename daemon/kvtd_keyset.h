/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtd_keyset: a map from an object's name in the tiers (key and
 * namespace, struct kvtd_tier_key) to a 32-bit value. The daemon keeps
 * its transfers in flight in it (to merge two requests for one object,
 * and to know that an object is being written) and uses it to compare the
 * driver's table with the disk tier's index at start.
 *
 * Open addressing with linear probing and backward-shift deletion, as
 * daemon/policy's keymap, but keyed by namespace too: two tenants' equal
 * keys are different objects. Functions return 0 or -errno.
 */
#ifndef KVTD_KEYSET_H
#define KVTD_KEYSET_H

#include <stdint.h>

#include "tier_ops.h"

/* The value of an absent key; never stored. */
#define KVTD_KEYSET_NONE UINT32_MAX

struct kvtd_keyset_slot {
	struct kvtd_tier_key key;
	uint32_t val;
	uint32_t used;
};

struct kvtd_keyset {
	struct kvtd_keyset_slot *slots;
	uint32_t mask;
	uint32_t count;
};

/* An empty set sized for @hint keys (0: a small default). 0, -ENOMEM, -E2BIG. */
int kvtd_keyset_init(struct kvtd_keyset *s, uint32_t hint);
void kvtd_keyset_fini(struct kvtd_keyset *s);
/* Forget every key, keeping the table. */
void kvtd_keyset_clear(struct kvtd_keyset *s);
/* The value under @k, or KVTD_KEYSET_NONE. */
uint32_t kvtd_keyset_get(const struct kvtd_keyset *s,
			 const struct kvtd_tier_key *k);
/* Add @k. 0, -EEXIST, -EINVAL (@val is KVTD_KEYSET_NONE), -ENOMEM, -E2BIG. */
int kvtd_keyset_put(struct kvtd_keyset *s, const struct kvtd_tier_key *k,
		    uint32_t val);
/* Remove @k. 0 or -ENOENT. */
int kvtd_keyset_del(struct kvtd_keyset *s, const struct kvtd_tier_key *k);

static inline uint32_t kvtd_keyset_count(const struct kvtd_keyset *s)
{
	return s->count;
}

#endif /* KVTD_KEYSET_H */

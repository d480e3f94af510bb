// SPDX-License-Identifier: GPL-2.0
/*
 * Key -> extent hash table for the disk tier.
 */
#include <errno.h>
#include <stdlib.h>

#include "index.h"

/* 1024 buckets to start: a small store never grows, a big one soon does. */
#define INDEX_INITIAL_BUCKETS 1024u

/*
 * Keys are hashes for KV blocks but plain names (adapter, layer, expert)
 * for the rest, so mix all three words before taking the low bits.
 */
static uint64_t index_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static size_t index_hash(const struct kvtd_tier_key *k)
{
	return (size_t)index_mix(k->lo ^ index_mix(k->hi ^ index_mix(k->ns)));
}

int kvtd_index_init(struct kvtd_disk_index *ix)
{
	ix->buckets = calloc(INDEX_INITIAL_BUCKETS, sizeof(*ix->buckets));
	if (!ix->buckets)
		return -ENOMEM;
	ix->mask = INDEX_INITIAL_BUCKETS - 1;
	ix->count = 0;
	return 0;
}

void kvtd_index_fini(struct kvtd_disk_index *ix)
{
	free(ix->buckets);
	ix->buckets = NULL;
	ix->count = 0;
}

struct kvtd_disk_obj *kvtd_index_find(const struct kvtd_disk_index *ix,
				      const struct kvtd_tier_key *key)
{
	struct kvtd_disk_obj *o = ix->buckets[index_hash(key) & ix->mask];

	while (o && !kvtd_tier_key_eq(&o->ext.key, key))
		o = o->next;
	return o;
}

/* Doubles the table: the load factor stays at most one entry per bucket. */
static int index_grow(struct kvtd_disk_index *ix)
{
	size_t nmask = ix->mask * 2 + 1, i, h;
	struct kvtd_disk_obj **nb, *o, *next;

	nb = calloc(nmask + 1, sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	for (i = 0; i <= ix->mask; i++) {
		for (o = ix->buckets[i]; o; o = next) {
			next = o->next;
			h = index_hash(&o->ext.key) & nmask;
			o->next = nb[h];
			nb[h] = o;
		}
	}
	free(ix->buckets);
	ix->buckets = nb;
	ix->mask = nmask;
	return 0;
}

int kvtd_index_insert(struct kvtd_disk_index *ix, struct kvtd_disk_obj *obj)
{
	size_t h;
	int ret = 0;

	if (kvtd_index_find(ix, &obj->ext.key))
		return -EEXIST;
	if (ix->count > ix->mask)
		ret = index_grow(ix);
	h = index_hash(&obj->ext.key) & ix->mask;
	obj->next = ix->buckets[h];
	ix->buckets[h] = obj;
	obj->indexed = true;
	ix->count++;
	return ret;
}

void kvtd_index_remove(struct kvtd_disk_index *ix, struct kvtd_disk_obj *obj)
{
	struct kvtd_disk_obj **pp = &ix->buckets[index_hash(&obj->ext.key) &
						 ix->mask];

	while (*pp && *pp != obj)
		pp = &(*pp)->next;
	if (!*pp)
		return;
	*pp = obj->next;
	obj->next = NULL;
	obj->indexed = false;
	ix->count--;
}

int kvtd_index_foreach(const struct kvtd_disk_index *ix,
		       int (*fn)(struct kvtd_disk_obj *obj, void *arg),
		       void *arg)
{
	struct kvtd_disk_obj *o, *next;
	size_t i;
	int ret;

	for (i = 0; i <= ix->mask; i++) {
		for (o = ix->buckets[i]; o; o = next) {
			next = o->next;
			ret = fn(o, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

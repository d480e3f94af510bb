/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtr_refs: a trace as the stream of block references a cache sees, with
 * the block keys derived from the trace's hash ids and, for every
 * reference, where the same block is referenced next (what the offline
 * optimum needs).
 *
 * Functions return 0 or -errno.
 */
#ifndef KVTR_REFS_H
#define KVTR_REFS_H

#include <stddef.h>
#include <stdint.h>

#include "kvtd_policy.h"
#include "kvtr_trace.h"

/*
 * The high half of every trace block's key: "kvtrace\0" in ASCII, so that
 * a replay's keys never meet keys of another scheme in the same namespace,
 * while the low half stays the trace's own id (readable in any dump).
 */
#define KVTR_KEY_HI 0x6b76747261636500ull

static inline struct drm_kvtier_key kvtr_block_key(uint64_t hash_id)
{
	struct drm_kvtier_key k = { .lo = hash_id, .hi = KVTR_KEY_HI };

	return k;
}

/**
 * struct kvtr_refs - the reference stream of a trace.
 * @keys: The block key of each reference, in trace order.
 * @next_use: For each reference, the index of the next reference to the
 *            same block, or KVTD_NEVER.
 * @count: References.
 * @distinct: Distinct blocks among them.
 */
struct kvtr_refs {
	struct drm_kvtier_key *keys;
	uint64_t *next_use;
	size_t count;
	size_t distinct;
};

/**
 * kvtr_refs_build() - derive the reference stream of @t.
 * @t: The trace.
 * @r: Out. Free with kvtr_refs_free().
 *
 * O(references): one pass backwards through a key map.
 *
 * Return: 0, -ENOMEM, -E2BIG past 2^32 - 2 references.
 */
int kvtr_refs_build(const struct kvtr_trace *t, struct kvtr_refs *r);

/* Free what @r holds and leave it empty. */
void kvtr_refs_free(struct kvtr_refs *r);

/* Return: the offline oracle for a run over all of @r. */
static inline struct kvtd_future kvtr_refs_future(const struct kvtr_refs *r)
{
	struct kvtd_future f = { .next_use = r->next_use, .count = r->count };

	return f;
}

#endif /* KVTR_REFS_H */

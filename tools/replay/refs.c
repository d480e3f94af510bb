// SPDX-License-Identifier: GPL-2.0
/*
 * The reference stream of a trace. See kvtr_refs.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_keymap.h"
#include "kvtr_refs.h"

/* Positions are stored in the key map's 32-bit values; NONE is reserved. */
#define REFS_MAX ((size_t)UINT32_MAX - 1)

int kvtr_refs_build(const struct kvtr_trace *t, struct kvtr_refs *r)
{
	struct kvtd_keymap last;
	uint32_t j;
	size_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	if (t->nids > REFS_MAX)
		return -E2BIG;
	r->keys = malloc((t->nids ? t->nids : 1) * sizeof(*r->keys));
	r->next_use = malloc((t->nids ? t->nids : 1) * sizeof(*r->next_use));
	if (!r->keys || !r->next_use) {
		ret = -ENOMEM;
		goto err_free_refs;
	}
	ret = kvtd_keymap_init(&last, 0);
	if (ret)
		goto err_free_refs;

	/* Backwards, so the map holds each key's next reference. */
	for (i = t->nids; i-- > 0;) {
		r->keys[i] = kvtr_block_key(t->ids[i]);
		j = kvtd_keymap_get(&last, &r->keys[i]);
		if (j == KVTD_KEYMAP_NONE) {
			r->next_use[i] = KVTD_NEVER;
			ret = kvtd_keymap_put(&last, &r->keys[i], (uint32_t)i);
		} else {
			r->next_use[i] = j;
			ret = kvtd_keymap_set(&last, &r->keys[i], (uint32_t)i);
		}
		if (ret)
			goto err_fini_map;
	}
	r->count = t->nids;
	r->distinct = kvtd_keymap_count(&last);
	kvtd_keymap_fini(&last);
	return 0;

err_fini_map:
	kvtd_keymap_fini(&last);
err_free_refs:
	kvtr_refs_free(r);
	return ret;
}

void kvtr_refs_free(struct kvtr_refs *r)
{
	free(r->keys);
	free(r->next_use);
	memset(r, 0, sizeof(*r));
}

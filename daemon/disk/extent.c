// SPDX-License-Identifier: GPL-2.0
/*
 * Free-extent bookkeeping for the disk tier. See extent.h for the policy.
 *
 * A free extent's offset may change in place (allocation cuts from its
 * start, a free merges in front of it) without leaving the offset tree:
 * free extents never overlap or touch, so such a change cannot reorder it
 * among its neighbours. Its length is part of the size tree's key, so any
 * length change goes through remove and insert there.
 */
#include <errno.h>
#include <stdlib.h>

#include "extent.h"

struct free_ext {
	struct kvtd_avl_node off_node;
	struct kvtd_avl_node len_node;
	uint64_t off;
	uint64_t len;
};

#define off_ext(n) kvtd_avl_entry(n, struct free_ext, off_node)
#define len_ext(n) kvtd_avl_entry(n, struct free_ext, len_node)

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_off(const struct kvtd_avl_node *a, const struct kvtd_avl_node *b)
{
	return cmp_u64(off_ext(a)->off, off_ext(b)->off);
}

static int cmp_len(const struct kvtd_avl_node *a, const struct kvtd_avl_node *b)
{
	const struct free_ext *x = len_ext(a), *y = len_ext(b);

	return x->len != y->len ? cmp_u64(x->len, y->len) :
				  cmp_u64(x->off, y->off);
}

static bool ext_aligned(const struct kvtd_extent_alloc *a, uint64_t v)
{
	return (v & (a->align - 1)) == 0;
}

static bool ext_in_range(const struct kvtd_extent_alloc *a, uint64_t off,
			 uint64_t len)
{
	return len && ext_aligned(a, off) && ext_aligned(a, len) &&
	       off >= a->start && off - a->start <= a->len &&
	       len <= a->len - (off - a->start);
}

/* The free extent with the greatest offset <= @off, or NULL. */
static struct free_ext *find_le(const struct kvtd_extent_alloc *a, uint64_t off)
{
	struct kvtd_avl_node *n = a->by_off;
	struct free_ext *best = NULL;

	while (n) {
		if (off_ext(n)->off <= off) {
			best = off_ext(n);
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

/* The free extent with the smallest offset >= @off, or NULL. */
static struct free_ext *find_ge(const struct kvtd_extent_alloc *a, uint64_t off)
{
	struct kvtd_avl_node *n = a->by_off;
	struct free_ext *best = NULL;

	while (n) {
		if (off_ext(n)->off >= off) {
			best = off_ext(n);
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

static void ext_link(struct kvtd_extent_alloc *a, struct free_ext *e)
{
	a->by_off = kvtd_avl_insert(a->by_off, &e->off_node, cmp_off);
	a->by_len = kvtd_avl_insert(a->by_len, &e->len_node, cmp_len);
	a->free_extents++;
}

static void ext_unlink(struct kvtd_extent_alloc *a, struct free_ext *e)
{
	a->by_off = kvtd_avl_remove(a->by_off, &e->off_node, cmp_off);
	a->by_len = kvtd_avl_remove(a->by_len, &e->len_node, cmp_len);
	a->free_extents--;
}

/* Changes @e's offset and length; its place in offset order must not move. */
static void ext_resize(struct kvtd_extent_alloc *a, struct free_ext *e,
		       uint64_t off, uint64_t len)
{
	a->by_len = kvtd_avl_remove(a->by_len, &e->len_node, cmp_len);
	e->off = off;
	e->len = len;
	a->by_len = kvtd_avl_insert(a->by_len, &e->len_node, cmp_len);
}

int kvtd_extent_init(struct kvtd_extent_alloc *a, uint64_t start,
		     uint64_t len, uint64_t align, bool all_free)
{
	struct free_ext *e;

	*a = (struct kvtd_extent_alloc){ .start = start, .len = len,
					 .align = align };
	if (!align || (align & (align - 1)) || !len ||
	    !ext_aligned(a, start) || !ext_aligned(a, len) ||
	    start + len < start)
		return -EINVAL;
	if (!all_free)
		return 0;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->off = start;
	e->len = len;
	ext_link(a, e);
	a->free_bytes = len;
	return 0;
}

static void ext_free_tree(struct kvtd_avl_node *n)
{
	if (!n)
		return;
	ext_free_tree(n->left);
	ext_free_tree(n->right);
	free(off_ext(n));
}

void kvtd_extent_fini(struct kvtd_extent_alloc *a)
{
	ext_free_tree(a->by_off);
	a->by_off = NULL;
	a->by_len = NULL;
	a->free_bytes = 0;
	a->free_extents = 0;
}

int kvtd_extent_alloc(struct kvtd_extent_alloc *a, uint64_t len,
		      uint64_t *off)
{
	struct kvtd_avl_node *n = a->by_len;
	struct free_ext *best = NULL;

	if (!len || !ext_aligned(a, len))
		return -EINVAL;
	/* Leftmost node with room: the smallest fit, then the lowest offset. */
	while (n) {
		if (len_ext(n)->len >= len) {
			best = len_ext(n);
			n = n->left;
		} else {
			n = n->right;
		}
	}
	if (!best)
		return -ENOSPC;
	*off = best->off;
	if (best->len == len) {
		ext_unlink(a, best);
		free(best);
	} else {
		ext_resize(a, best, best->off + len, best->len - len);
	}
	a->free_bytes -= len;
	return 0;
}

int kvtd_extent_reserve(struct kvtd_extent_alloc *a, uint64_t off,
			uint64_t len)
{
	struct free_ext *e, *right = NULL;
	uint64_t end = off + len, e_end;

	if (!ext_in_range(a, off, len))
		return -EINVAL;
	e = find_le(a, off);
	if (!e || e->off + e->len < end)
		return -EBUSY;
	e_end = e->off + e->len;
	if (e->off < off && end < e_end) {
		/* A hole in the middle: the right part needs its own node. */
		right = calloc(1, sizeof(*right));
		if (!right)
			return -ENOMEM;
		right->off = end;
		right->len = e_end - end;
		ext_resize(a, e, e->off, off - e->off);
		ext_link(a, right);
	} else if (e->off < off) {
		ext_resize(a, e, e->off, off - e->off);
	} else if (end < e_end) {
		ext_resize(a, e, end, e_end - end);
	} else {
		ext_unlink(a, e);
		free(e);
	}
	a->free_bytes -= len;
	return 0;
}

int kvtd_extent_free(struct kvtd_extent_alloc *a, uint64_t off, uint64_t len)
{
	struct free_ext *prev, *next, *e;
	uint64_t end = off + len;
	bool join_prev, join_next;

	if (!ext_in_range(a, off, len))
		return -EINVAL;
	prev = find_le(a, off);
	next = find_ge(a, off);
	if ((prev && prev->off + prev->len > off) || (next && next->off < end))
		return -EINVAL;
	join_prev = prev && prev->off + prev->len == off;
	join_next = next && next->off == end;
	if (join_prev && join_next) {
		ext_unlink(a, next);
		ext_resize(a, prev, prev->off, prev->len + len + next->len);
		free(next);
	} else if (join_prev) {
		ext_resize(a, prev, prev->off, prev->len + len);
	} else if (join_next) {
		ext_resize(a, next, off, next->len + len);
	} else {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->off = off;
		e->len = len;
		ext_link(a, e);
	}
	a->free_bytes += len;
	return 0;
}

bool kvtd_extent_is_free(const struct kvtd_extent_alloc *a, uint64_t off,
			 uint64_t len)
{
	const struct free_ext *e;

	if (!ext_in_range(a, off, len))
		return false;
	e = find_le(a, off);
	return e && e->off + e->len >= off + len;
}

uint64_t kvtd_extent_largest(const struct kvtd_extent_alloc *a)
{
	struct kvtd_avl_node *n = kvtd_avl_last(a->by_len);

	return n ? len_ext(n)->len : 0;
}

/* In-order walk of the offset tree checking each extent against the last. */
static int ext_check_walk(const struct kvtd_extent_alloc *a,
			  const struct kvtd_avl_node *n,
			  const struct free_ext **last, uint64_t *bytes)
{
	const struct free_ext *e;
	struct kvtd_avl_node *m;

	if (!n)
		return 0;
	if (ext_check_walk(a, n->left, last, bytes))
		return -EUCLEAN;
	e = off_ext(n);
	if (!ext_in_range(a, e->off, e->len))
		return -EUCLEAN;
	/* Free extents never touch: touching ones must have been merged. */
	if (*last && (*last)->off + (*last)->len >= e->off)
		return -EUCLEAN;
	/* The same extent must be findable in the size tree. */
	m = a->by_len;
	while (m && m != &e->len_node)
		m = cmp_len(&e->len_node, m) < 0 ? m->left : m->right;
	if (!m)
		return -EUCLEAN;
	*bytes += e->len;
	*last = e;
	return ext_check_walk(a, n->right, last, bytes);
}

int kvtd_extent_check(const struct kvtd_extent_alloc *a)
{
	const struct free_ext *last = NULL;
	uint64_t bytes = 0;
	long n_off = kvtd_avl_check(a->by_off, cmp_off);
	long n_len = kvtd_avl_check(a->by_len, cmp_len);

	if (n_off < 0 || n_len < 0 || n_off != n_len ||
	    (uint64_t)n_off != a->free_extents)
		return -EUCLEAN;
	if (ext_check_walk(a, a->by_off, &last, &bytes) ||
	    bytes != a->free_bytes)
		return -EUCLEAN;
	return 0;
}

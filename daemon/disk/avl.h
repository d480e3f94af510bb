/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small intrusive AVL tree: the extent allocator keeps its free extents
 * in two of them (by offset, and by size) so that every operation is
 * O(log n) in the number of free extents, with no allocation inside the
 * tree itself. Keys must be unique under the comparison function.
 */
#ifndef KVTD_DISK_AVL_H
#define KVTD_DISK_AVL_H

#include <stddef.h>

struct kvtd_avl_node {
	struct kvtd_avl_node *left;
	struct kvtd_avl_node *right;
	int height;
};

/* Negative, zero or positive as @a sorts before, with, or after @b. */
typedef int (*kvtd_avl_cmp_fn)(const struct kvtd_avl_node *a,
			       const struct kvtd_avl_node *b);

#define kvtd_avl_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Insert @n (not in any tree); returns the new root. @n's key must be new. */
struct kvtd_avl_node *kvtd_avl_insert(struct kvtd_avl_node *root,
				      struct kvtd_avl_node *n,
				      kvtd_avl_cmp_fn cmp);

/* Remove @n, which must be in the tree rooted at @root; returns the new root. */
struct kvtd_avl_node *kvtd_avl_remove(struct kvtd_avl_node *root,
				      struct kvtd_avl_node *n,
				      kvtd_avl_cmp_fn cmp);

/* The last node in order, or NULL for an empty tree. */
struct kvtd_avl_node *kvtd_avl_last(struct kvtd_avl_node *root);

/*
 * Checks the AVL and ordering invariants (for tests): returns the number
 * of nodes, or -1 if an invariant is broken.
 */
long kvtd_avl_check(const struct kvtd_avl_node *root, kvtd_avl_cmp_fn cmp);

#endif /* KVTD_DISK_AVL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Recursive AVL insert and remove. The recursion depth is the tree's
 * height, at most about 1.44 log2(n): 45 levels for 2^31 free extents.
 */
#include "avl.h"

static int avl_height(const struct kvtd_avl_node *n)
{
	return n ? n->height : 0;
}

static void avl_update(struct kvtd_avl_node *n)
{
	int l = avl_height(n->left), r = avl_height(n->right);

	n->height = 1 + (l > r ? l : r);
}

static struct kvtd_avl_node *avl_rotate_right(struct kvtd_avl_node *n)
{
	struct kvtd_avl_node *l = n->left;

	n->left = l->right;
	l->right = n;
	avl_update(n);
	avl_update(l);
	return l;
}

static struct kvtd_avl_node *avl_rotate_left(struct kvtd_avl_node *n)
{
	struct kvtd_avl_node *r = n->right;

	n->right = r->left;
	r->left = n;
	avl_update(n);
	avl_update(r);
	return r;
}

static struct kvtd_avl_node *avl_balance(struct kvtd_avl_node *n)
{
	int bf;

	avl_update(n);
	bf = avl_height(n->left) - avl_height(n->right);
	if (bf > 1) {
		if (avl_height(n->left->left) < avl_height(n->left->right))
			n->left = avl_rotate_left(n->left);
		return avl_rotate_right(n);
	}
	if (bf < -1) {
		if (avl_height(n->right->right) < avl_height(n->right->left))
			n->right = avl_rotate_right(n->right);
		return avl_rotate_left(n);
	}
	return n;
}

struct kvtd_avl_node *kvtd_avl_insert(struct kvtd_avl_node *root,
				      struct kvtd_avl_node *n,
				      kvtd_avl_cmp_fn cmp)
{
	if (!root) {
		n->left = NULL;
		n->right = NULL;
		n->height = 1;
		return n;
	}
	if (cmp(n, root) < 0)
		root->left = kvtd_avl_insert(root->left, n, cmp);
	else
		root->right = kvtd_avl_insert(root->right, n, cmp);
	return avl_balance(root);
}

/* Unlinks the minimum of @root into *@min; returns the subtree without it. */
static struct kvtd_avl_node *avl_take_min(struct kvtd_avl_node *root,
					  struct kvtd_avl_node **min)
{
	if (!root->left) {
		*min = root;
		return root->right;
	}
	root->left = avl_take_min(root->left, min);
	return avl_balance(root);
}

struct kvtd_avl_node *kvtd_avl_remove(struct kvtd_avl_node *root,
				      struct kvtd_avl_node *n,
				      kvtd_avl_cmp_fn cmp)
{
	struct kvtd_avl_node *min;
	int c;

	if (!root)
		return NULL;
	c = root == n ? 0 : cmp(n, root);
	if (c < 0) {
		root->left = kvtd_avl_remove(root->left, n, cmp);
	} else if (c > 0) {
		root->right = kvtd_avl_remove(root->right, n, cmp);
	} else {
		if (!root->right)
			return root->left;
		root->right = avl_take_min(root->right, &min);
		min->left = root->left;
		min->right = root->right;
		return avl_balance(min);
	}
	return avl_balance(root);
}

struct kvtd_avl_node *kvtd_avl_last(struct kvtd_avl_node *root)
{
	while (root && root->right)
		root = root->right;
	return root;
}

static long avl_check(const struct kvtd_avl_node *n, kvtd_avl_cmp_fn cmp,
		      const struct kvtd_avl_node *lo,
		      const struct kvtd_avl_node *hi)
{
	long l, r;
	int bf;

	if (!n)
		return 0;
	if ((lo && cmp(n, lo) <= 0) || (hi && cmp(n, hi) >= 0))
		return -1;
	l = avl_check(n->left, cmp, lo, n);
	r = avl_check(n->right, cmp, n, hi);
	if (l < 0 || r < 0)
		return -1;
	bf = avl_height(n->left) - avl_height(n->right);
	if (bf < -1 || bf > 1)
		return -1;
	if (n->height != 1 + (avl_height(n->left) > avl_height(n->right) ?
			      avl_height(n->left) : avl_height(n->right)))
		return -1;
	return l + r + 1;
}

long kvtd_avl_check(const struct kvtd_avl_node *root, kvtd_avl_cmp_fn cmp)
{
	return avl_check(root, cmp, NULL, NULL);
}

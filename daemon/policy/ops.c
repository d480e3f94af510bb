// SPDX-License-Identifier: GPL-2.0
/*
 * The policy wrappers and the table of online policies. The wrappers keep
 * the accounting (used, count) and the argument checks in one place, so a
 * policy file holds only its ranking.
 */
#include <errno.h>
#include <string.h>

#include "kvtd_policy.h"

/* The policies the daemon may be configured with; add new ones here. */
static const struct kvtd_policy_ops *const kvtd_policies[] = {
	&kvtd_policy_lru,
	&kvtd_policy_reuse_ops,
};

#define KVTD_NPOLICIES (sizeof(kvtd_policies) / sizeof(kvtd_policies[0]))

const struct kvtd_policy_ops *kvtd_policy_find(const char *name)
{
	size_t i;

	for (i = 0; i < KVTD_NPOLICIES; i++)
		if (!strcmp(kvtd_policies[i]->name, name))
			return kvtd_policies[i];
	return NULL;
}

const struct kvtd_policy_ops *kvtd_policy_list(size_t i)
{
	return i < KVTD_NPOLICIES ? kvtd_policies[i] : NULL;
}

int kvtd_policy_create(const struct kvtd_policy_ops *ops,
		       const struct kvtd_policy_params *params,
		       struct kvtd_policy **out)
{
	struct kvtd_policy_params pp = *params;
	struct kvtd_policy *p = NULL;
	int ret;

	if (ops->offline != (params->future != NULL))
		return -EINVAL;
	/* A policy that cannot be told by ref keeps its key index. */
	if (!kvtd_policy_ops_by_ref(ops))
		pp.flags &= ~KVTD_POLICY_BY_REF;
	ret = ops->create(&pp, &p);
	if (ret)
		return ret;
	p->ops = ops;
	p->capacity = params->capacity;
	p->used = 0;
	p->count = 0;
	*out = p;
	return 0;
}

void kvtd_policy_destroy(struct kvtd_policy *p)
{
	if (p)
		p->ops->destroy(p);
}

/*
 * A caller that knows no name other than the key (the simulator, tests)
 * leaves @name zero: the policies then see the key as the name.
 */
static const struct kvtd_access *named(const struct kvtd_access *a,
				       struct kvtd_access *buf)
{
	if (a->name.lo || a->name.hi)
		return a;
	*buf = *a;
	buf->name = a->key;
	return buf;
}

int kvtd_policy_access(struct kvtd_policy *p, const struct kvtd_access *a)
{
	struct kvtd_access buf;

	return p->ops->on_access(p, named(a, &buf));
}

int kvtd_policy_miss(struct kvtd_policy *p, const struct kvtd_access *a)
{
	struct kvtd_access buf;

	return p->ops->on_miss ? p->ops->on_miss(p, named(a, &buf)) : 0;
}

int kvtd_policy_insert(struct kvtd_policy *p, const struct kvtd_access *a,
		       uint64_t size)
{
	struct kvtd_access buf;
	int ret;

	if (!size)
		return -EINVAL;
	if (size > p->capacity - p->used)
		return -ENOSPC;
	ret = p->ops->on_insert(p, named(a, &buf), size);
	if (ret)
		return ret;
	p->used += size;
	p->count++;
	return 0;
}

int kvtd_policy_victim(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
		       void *arg, struct drm_kvtier_key *out)
{
	if (!p->count)
		return -ENOENT;
	return p->ops->pick_victim(p, ok, arg, out);
}

int kvtd_policy_remove(struct kvtd_policy *p, const struct drm_kvtier_key *key)
{
	uint64_t size = 0;
	int ret;

	ret = p->ops->on_remove(p, key, &size);
	if (ret)
		return ret;
	p->used -= size;
	p->count--;
	return 0;
}

int kvtd_policy_reuse(const struct kvtd_policy *p,
		      const struct drm_kvtier_key *key, uint32_t *permille)
{
	if (!p->ops->reuse)
		return -EOPNOTSUPP;
	return p->ops->reuse(p, key, permille);
}

int kvtd_policy_insert_ref(struct kvtd_policy *p, const struct kvtd_access *a,
			   uint64_t size, uint32_t *ref)
{
	struct kvtd_access buf;
	int ret;

	*ref = KVTD_POLICY_NOREF;
	if (!p->ops->insert_ref)
		return kvtd_policy_insert(p, a, size);
	if (!size)
		return -EINVAL;
	if (size > p->capacity - p->used)
		return -ENOSPC;
	ret = p->ops->insert_ref(p, named(a, &buf), size, ref);
	if (ret)
		return ret;
	p->used += size;
	p->count++;
	return 0;
}

int kvtd_policy_access_ref(struct kvtd_policy *p, uint32_t ref,
			   const struct kvtd_access *a)
{
	struct kvtd_access buf;

	if (ref == KVTD_POLICY_NOREF || !p->ops->access_ref)
		return kvtd_policy_access(p, a);
	return p->ops->access_ref(p, ref, named(a, &buf));
}

int kvtd_policy_victim_ref(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
			   void *arg, struct drm_kvtier_key *out,
			   uint32_t *ref)
{
	*ref = KVTD_POLICY_NOREF;
	if (!p->ops->victim_ref)
		return kvtd_policy_victim(p, ok, arg, out);
	if (!p->count)
		return -ENOENT;
	return p->ops->victim_ref(p, ok, arg, out, ref);
}

int kvtd_policy_remove_ref(struct kvtd_policy *p, uint32_t ref,
			   const struct drm_kvtier_key *key)
{
	uint64_t size = 0;
	int ret;

	if (ref == KVTD_POLICY_NOREF || !p->ops->remove_ref)
		return kvtd_policy_remove(p, key);
	ret = p->ops->remove_ref(p, ref, &size);
	if (ret)
		return ret;
	p->used -= size;
	p->count--;
	return 0;
}

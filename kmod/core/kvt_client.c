// SPDX-License-Identifier: GPL-2.0
/*
 * Clients (one per open fd) and their reference tables. A client's table
 * maps object table index -> {generation, pins per tier}: an open-addressing
 * hash with linear probing, at most half full. It grows only through
 * kvt_client_reserve(), which operations that may add references call
 * before taking any lock, so inserting, finding and deleting never
 * allocate, and growth is amortized over the references it makes room for.
 */
#include "kvt_internal.h"

#define KVT_REFS_MIN 16

/* A closed client's table: always empty, never written, never freed. */
static struct kvt_ref kvt_refs_none[1];

static inline uint32_t kvt_ref_slot(uint32_t idx, uint32_t mask)
{
	/* Odd multiplier: a bijection on the low bits, spread out. */
	return (idx * 2654435761u) & mask;
}

int kvt_client_open(struct kvt_core *core, uint64_t tenant_id, uint32_t flags,
		    void *priv, struct kvt_client **out)
{
	struct kvt_client *client;

	if (!tenant_id || (flags & ~KVT_CLIENT_ADMIN))
		return -KVT_EINVAL;
	client = kvt_zalloc(sizeof(*client));
	if (!client)
		return -KVT_ENOMEM;
	client->refs = kvt_vzalloc(sizeof(*client->refs) * KVT_REFS_MIN);
	if (!client->refs)
		goto err_free_client;
	client->tenant = kvt_tenant_get(core, tenant_id, true);
	if (!client->tenant)
		goto err_free_refs;
	client->core = core;
	client->flags = flags;
	client->priv = priv;
	client->ref_mask = KVT_REFS_MIN - 1;
	client->kref = 1;
	client->no = (uint32_t)kvt_atomic64_inc_return(&core->client_seq);
	kvt_lock_init(&client->lock);
	kvt_lock_init(&client->ev_lock);
	kvt_atomic64_inc(&core->st.clients);
	*out = client;
	return 0;

err_free_refs:
	kvt_vfree(client->refs);
err_free_client:
	kvt_free(client);
	return -KVT_ENOMEM;
}

uint64_t kvt_client_tenant(const struct kvt_client *client)
{
	return client->tenant->id;
}

bool kvt_client_is_admin(const struct kvt_client *client)
{
	return client->flags & KVT_CLIENT_ADMIN;
}

bool kvt_client_is_manager(const struct kvt_client *client)
{
	/*
	 * A racy read is fine: only the client itself changes it, from its
	 * own ioctls and from close.
	 */
	return kvt_load_acquire(&client->manager);
}

/* Drops a hold on the client's memory (open, or an unfinished fetch). */
void kvt_client_put(struct kvt_client *client)
{
	uint32_t left;

	kvt_lock(&client->lock);
	left = --client->kref;
	kvt_unlock(&client->lock);
	if (left)
		return;
	/* Nobody else holds a pointer now. */
	kvt_lock_destroy(&client->ev_lock);
	kvt_lock_destroy(&client->lock);
	if (client->refs != kvt_refs_none)
		kvt_vfree(client->refs);
	kvt_free(client);
}

/* ---- reference table ----------------------------------------------------- */

/* Moves every reference into @refs (@mask + 1 entries); client locked. */
static void kvt_refs_rehash(struct kvt_client *client, struct kvt_ref *refs,
			    uint32_t mask)
{
	uint32_t i, j;

	for (i = 0; i <= client->ref_mask; i++) {
		if (!client->refs[i].idx1)
			continue;
		j = kvt_ref_slot(client->refs[i].idx1 - 1, mask);
		while (refs[j].idx1)
			j = (j + 1) & mask;
		refs[j] = client->refs[i];
	}
}

/*
 * Makes room for @n more references and holds it for the caller until
 * kvt_client_unreserve(). Call with no lock held. Returns 0 or -ENOMEM.
 */
int kvt_client_reserve(struct kvt_client *client, uint32_t n)
{
	struct kvt_ref *refs, *old;
	uint64_t need, cap;

	for (;;) {
		kvt_lock(&client->lock);
		need = (uint64_t)client->ref_count + client->ref_reserved + n;
		cap = (uint64_t)client->ref_mask + 1;
		if (need <= cap / 2) {
			client->ref_reserved += n;
			kvt_unlock(&client->lock);
			return 0;
		}
		while (cap / 2 < need)
			cap *= 2;
		kvt_unlock(&client->lock);

		if (cap > (1ull << 32))
			return -KVT_ENOMEM;
		refs = kvt_vzalloc(sizeof(*refs) * cap);
		if (!refs)
			return -KVT_ENOMEM;

		kvt_lock(&client->lock);
		old = refs;
		if (cap > (uint64_t)client->ref_mask + 1) {
			kvt_refs_rehash(client, refs, (uint32_t)(cap - 1));
			old = client->refs;
			client->refs = refs;
			client->ref_mask = (uint32_t)(cap - 1);
		}
		kvt_unlock(&client->lock);
		kvt_vfree(old);
	}
}

void kvt_client_unreserve(struct kvt_client *client, uint32_t n)
{
	kvt_lock(&client->lock);
	KVT_WARN_ON(client->ref_reserved < n);
	client->ref_reserved -= n;
	kvt_unlock(&client->lock);
}

/* The client's reference on object @idx, or NULL; client locked. */
struct kvt_ref *kvt_ref_find(struct kvt_client *client, uint32_t idx)
{
	uint32_t i;

	for (i = kvt_ref_slot(idx, client->ref_mask); client->refs[i].idx1;
	     i = (i + 1) & client->ref_mask) {
		if (client->refs[i].idx1 == idx + 1)
			return &client->refs[i];
	}
	return NULL;
}

/*
 * Adds a reference on (@idx, @gen), using room the caller reserved.
 * Client locked; the object must not be referenced yet.
 */
struct kvt_ref *kvt_ref_insert(struct kvt_client *client, uint32_t idx,
			       uint32_t gen)
{
	struct kvt_ref *ref;
	uint32_t i;

	if (KVT_WARN_ON((uint64_t)client->ref_count + 1 >
			((uint64_t)client->ref_mask + 1) / 2))
		return NULL;
	i = kvt_ref_slot(idx, client->ref_mask);
	while (client->refs[i].idx1)
		i = (i + 1) & client->ref_mask;
	ref = &client->refs[i];
	kvt_memset(ref, 0, sizeof(*ref));
	ref->idx1 = idx + 1;
	ref->gen = gen;
	client->ref_count++;
	return ref;
}

/* Removes @ref, shifting later entries of its run back; client locked. */
void kvt_ref_delete(struct kvt_client *client, struct kvt_ref *ref)
{
	uint32_t mask = client->ref_mask, i, j, home;

	i = (uint32_t)(ref - client->refs);
	j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!client->refs[j].idx1)
			break;
		home = kvt_ref_slot(client->refs[j].idx1 - 1, mask);
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		client->refs[i] = client->refs[j];
		i = j;
	}
	kvt_memset(&client->refs[i], 0, sizeof(client->refs[i]));
	client->ref_count--;
}

/* ---- close ---------------------------------------------------------------- */

void kvt_client_close(struct kvt_client *client)
{
	struct kvt_core *core = client->core;
	struct kvt_release rel;
	struct kvt_ref *refs;
	struct kvt_obj *obj;
	uint32_t mask, i, idx;

	/*
	 * Closed under the event lock too: a completion that already decided
	 * to send an event finishes sending it before close goes on, and none
	 * starts after.
	 */
	kvt_lock(&client->lock);
	kvt_lock(&client->ev_lock);
	client->closed = true;
	kvt_unlock(&client->ev_lock);
	refs = client->refs;
	mask = client->ref_mask;
	client->refs = kvt_refs_none;
	client->ref_mask = 0;
	client->ref_count = 0;
	kvt_unlock(&client->lock);

	kvt_queue_manager_close(client);
	kvt_regions_forget(client);

	/*
	 * The detached table is ours alone; completions that come for this
	 * client now find it closed and pin nothing.
	 */
	for (i = 0; i <= mask; i++) {
		if (!refs[i].idx1)
			continue;
		idx = refs[i].idx1 - 1;
		obj = kvt_obj_ptr(core, idx);
		kvt_release_init(&rel);
		kvt_obj_lock(core, idx);
		if (!KVT_WARN_ON(obj->gen != refs[i].gen))
			kvt_obj_drop_ref(core, client, obj, &refs[i], &rel);
		kvt_obj_unlock(core, idx);
		kvt_release_finish(core, &rel);
	}
	kvt_vfree(refs);
	kvt_atomic64_dec(&core->st.clients);
	kvt_client_put(client);
}

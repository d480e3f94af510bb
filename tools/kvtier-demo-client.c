// SPDX-License-Identifier: GPL-2.0
/*
 * kvtier-demo-client: what an inference engine does with kvtier, told in
 * plain sentences. It stores the KV blocks of one prompt, then finds the
 * longest cached prefix of a longer prompt that starts the same way, pins
 * the blocks it found, reads them back through the pool mapping and checks
 * every byte.
 *
 * It uses the first KV pool (or --pool ID); as root with no pool at all it
 * creates a small one for itself and destroys it at the end. The blocks it
 * stores stay in the cache after it exits, as an engine's would (and
 * `kvtierctl status` shows them); --free frees them instead. A second run
 * finds them already cached and goes straight to the lookup.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvtier.h"
#include "kvtool.h"

/* A toy model: 16 tokens per KV block, a stored prompt of 4 blocks and a
 * follow-up prompt of 7 blocks whose first 4 are the same text. */
#define DEMO_BLOCK_TOKENS 16
#define DEMO_STORED_BLOCKS 4
#define DEMO_PROMPT_BLOCKS 7
/* The pool the demo creates when none exists: 64 slots of 64 KiB. */
#define DEMO_SLOT_SIZE (64 * 1024)
#define DEMO_SLOTS 64

struct demo {
	struct kvtier *kv;
	uint32_t pool_id;
	bool created_pool;
	bool free_at_end;
	struct drm_kvtier_pool_info pool;
	struct kvtier_map map;
	uint32_t tokens[DEMO_PROMPT_BLOCKS * DEMO_BLOCK_TOKENS];
	struct drm_kvtier_key keys[DEMO_PROMPT_BLOCKS];
	struct drm_kvtier_alloc_item items[DEMO_STORED_BLOCKS];
	kvtier_handle_t stored[DEMO_STORED_BLOCKS];
	struct drm_kvtier_lookup_result found[DEMO_PROMPT_BLOCKS];
	kvtier_handle_t held[DEMO_PROMPT_BLOCKS];
	uint32_t nheld;
	bool allocated;
};

static int fail(const char *what, int err)
{
	fprintf(stderr, "kvtier-demo-client: %s: %s\n", what, strerror(-err));
	return err;
}

/* The bytes a block's KV would hold: a pattern derived from its key, so
 * that a block read back can be checked without keeping a copy. */
static uint64_t pattern_word(const struct drm_kvtier_key *key, uint64_t i)
{
	uint64_t z = key->lo ^ (key->hi * 31) ^ (i * 0x9E3779B97F4A7C15ull);

	z ^= z >> 29;
	return z * 0xBF58476D1CE4E5B9ull;
}

static void fill_block(void *dst, uint64_t size, const struct drm_kvtier_key *key)
{
	uint64_t *w = dst, i;

	for (i = 0; i < size / sizeof(*w); i++)
		w[i] = pattern_word(key, i);
}

/* Return: the index of the first wrong word, or size / 8 when all match. */
static uint64_t check_block(const void *src, uint64_t size,
			    const struct drm_kvtier_key *key)
{
	const uint64_t *w = src;
	uint64_t i;

	for (i = 0; i < size / sizeof(*w); i++) {
		if (w[i] != pattern_word(key, i))
			break;
	}
	return i;
}

static int pick_pool(struct demo *d, uint32_t asked)
{
	struct drm_kvtier_pool_create pc = {
		.slot_size = DEMO_SLOT_SIZE,
		.slot_count = DEMO_SLOTS,
		.kind = KVTIER_KIND_KV,
	};
	uint32_t id, any = 0;
	int ret;

	if (asked) {
		d->pool_id = asked;
	} else {
		for (id = 1; id <= KVTIER_MAX_POOLS && !d->pool_id; id++) {
			ret = kvtier_pool_info(d->kv, id, &d->pool);
			if (ret == -ENOENT)
				continue;
			if (ret)
				return fail("reading the pools", ret);
			if (d->pool.kind == KVTIER_KIND_KV)
				d->pool_id = id;
			else if (!any)
				any = id;
		}
		if (!d->pool_id)
			d->pool_id = any;
	}
	if (!d->pool_id) {
		if (!kvtier_params(d->kv)->is_admin) {
			fprintf(stderr, "kvtier-demo-client: there is no pool; create one with 'kvtierctl pool create' or run the demo as root\n");
			return -ENOENT;
		}
		ret = kvtier_pool_create(d->kv, &pc);
		if (ret)
			return fail("creating a pool", ret);
		d->pool_id = pc.pool_id;
		d->created_pool = true;
		printf("There was no pool, so I created pool %u: %d slots of %d KiB of pinned memory.\n",
		       d->pool_id, DEMO_SLOTS, DEMO_SLOT_SIZE / 1024);
	}
	ret = kvtier_pool_info(d->kv, d->pool_id, &d->pool);
	if (ret)
		return fail("reading the pool", ret);
	printf("I use pool %u (%s): %" PRIu64 " slots of %" PRIu64 " KiB, %" PRIu64 " in use.\n",
	       d->pool_id, kvtier_kind_name(d->pool.kind),
	       (uint64_t)d->pool.slot_count, (uint64_t)d->pool.slot_size / 1024,
	       (uint64_t)d->pool.slots_used);
	return 0;
}

/* A prompt: made-up token ids, the same text for every run of the demo
 * but different in every block. */
static void make_prompt(struct demo *d)
{
	uint32_t i;

	for (i = 0; i < DEMO_PROMPT_BLOCKS * DEMO_BLOCK_TOKENS; i++)
		d->tokens[i] = 1000 + (i * 7919) % 32000;
	kvtier_prompt_keys(d->tokens, DEMO_PROMPT_BLOCKS * DEMO_BLOCK_TOKENS,
			   DEMO_BLOCK_TOKENS, d->keys, DEMO_PROMPT_BLOCKS);
}

static int store(struct demo *d)
{
	uint64_t size = d->pool.slot_size;
	uint32_t i, failed;
	void *p;
	int ret;

	for (i = 0; i < DEMO_STORED_BLOCKS; i++)
		d->items[i] = (struct drm_kvtier_alloc_item){
			.key = d->keys[i],
			.size = size,
		};
	ret = kvtier_alloc(d->kv, d->pool_id, 0, d->items, DEMO_STORED_BLOCKS,
			   &failed);
	if (ret == -EEXIST) {
		printf("The first prompt's blocks are already cached (an earlier run kept them), so I skip storing.\n");
		return 0;
	}
	if (ret)
		return fail("allocating the blocks", ret);
	d->allocated = true;
	for (i = 0; i < DEMO_STORED_BLOCKS; i++)
		d->stored[i] = d->items[i].handle;
	printf("I allocated %d KV blocks of %" PRIu64 " KiB for a prompt of %d tokens (state: writing).\n",
	       DEMO_STORED_BLOCKS, size / 1024,
	       DEMO_STORED_BLOCKS * DEMO_BLOCK_TOKENS);

	for (i = 0; i < DEMO_STORED_BLOCKS; i++) {
		p = kvtier_map_ptr(&d->map, d->items[i].offset, size);
		if (!p)
			return fail("the block is outside the mapping", -EFAULT);
		fill_block(p, size, &d->keys[i]);
	}
	printf("I filled them through my mapping of the pool, as an engine copies its KV cache out after prefill.\n");

	ret = kvtier_commit(d->kv, d->stored, DEMO_STORED_BLOCKS, NULL);
	if (ret)
		return fail("committing the blocks", ret);
	printf("I committed them: they are now immutable and any client of my tenant can find them by key.\n");
	return 0;
}

static int load(struct demo *d)
{
	struct drm_kvtier_fetch_item fetch[DEMO_PROMPT_BLOCKS];
	uint64_t size, bad;
	uint32_t prefix, i;
	const void *p;
	int hits, ret;

	hits = kvtier_lookup(d->kv, d->keys, d->found, DEMO_PROMPT_BLOCKS,
			     KVTIER_LOOKUP_ACQUIRE | KVTIER_LOOKUP_STOP_AT_MISS,
			     &prefix);
	if (hits < 0)
		return fail("looking up the prompt", hits);
	for (i = 0; i < DEMO_PROMPT_BLOCKS; i++) {
		if (d->found[i].handle)
			d->held[d->nheld++] = d->found[i].handle;
	}
	printf("A new prompt of %d tokens starts with the same %d: one lookup of its %d block keys finds the longest cached prefix, %u blocks (%u tokens that need no prefill).\n",
	       DEMO_PROMPT_BLOCKS * DEMO_BLOCK_TOKENS,
	       DEMO_STORED_BLOCKS * DEMO_BLOCK_TOKENS, DEMO_PROMPT_BLOCKS,
	       prefix, prefix * DEMO_BLOCK_TOKENS);
	if (prefix != DEMO_STORED_BLOCKS) {
		fprintf(stderr, "kvtier-demo-client: expected a prefix of %d blocks\n",
			DEMO_STORED_BLOCKS);
		return -EIO;
	}

	memset(fetch, 0, sizeof(fetch));
	for (i = 0; i < prefix; i++) {
		fetch[i].handle = d->found[i].handle;
		fetch[i].tier = KVTIER_TIER_HOST;
	}
	/* Resident in HOST already, so this pins at once; blocks that were
	 * only on disk would wait for the daemon here. */
	ret = kvtier_fetch_and_wait(d->kv, fetch, prefix, 5000);
	if (ret)
		return fail("pinning the blocks in host memory", ret);
	printf("I pinned them in host memory: nothing can evict them while I read them.\n");

	for (i = 0; i < prefix; i++) {
		size = d->found[i].size;
		p = kvtier_map_ptr(&d->map, d->found[i].offset, size);
		if (!p)
			return fail("the block is outside the mapping", -EFAULT);
		bad = check_block(p, size, &d->keys[i]);
		if (bad != size / sizeof(uint64_t)) {
			fprintf(stderr, "kvtier-demo-client: block %u differs at byte %" PRIu64 "\n",
				i, bad * sizeof(uint64_t));
			return -EIO;
		}
	}
	printf("I read the %u blocks back through the mapping: all %" PRIu64 " bytes are what was stored.\n",
	       prefix, (uint64_t)(prefix * d->found[0].size));
	return 0;
}

/* Whether the lookup also took (and so the release already dropped) the
 * reference on @h: a client holds at most one reference per object. */
static bool held_by_lookup(const struct demo *d, kvtier_handle_t h)
{
	uint32_t i;

	for (i = 0; i < d->nheld; i++) {
		if (d->held[i] == h)
			return true;
	}
	return false;
}

static void cleanup(struct demo *d)
{
	kvtier_handle_t rest[DEMO_STORED_BLOCKS];
	uint32_t i, nrest = 0;
	int ret = 0;

	if (d->nheld) {
		ret = kvtier_release(d->kv, d->held, d->nheld, NULL);
		if (ret)
			fail("releasing the blocks", ret);
		else
			printf("I released the blocks I looked up (and their pins).\n");
	}
	if (d->allocated && (d->free_at_end || d->created_pool)) {
		/* Free first: freeing needs no reference, but a released
		 * object could be found and freed by someone else meanwhile. */
		ret = kvtier_free(d->kv, d->stored, DEMO_STORED_BLOCKS, NULL);
		if (ret)
			fail("freeing the stored blocks", ret);
		else
			printf("I freed the stored blocks: their slots return to the pool.\n");
	}
	if (d->allocated) {
		for (i = 0; i < DEMO_STORED_BLOCKS; i++) {
			if (!held_by_lookup(d, d->stored[i]))
				rest[nrest++] = d->stored[i];
		}
		ret = kvtier_release(d->kv, rest, nrest, NULL);
		if (ret)
			fail("dropping the allocation's references", ret);
		else if (!d->free_at_end && !d->created_pool)
			printf("The blocks stay in the cache with my tenant after I exit (--free would free them).\n");
	}
	kvtier_unmap(&d->map);
	if (d->created_pool) {
		ret = kvtier_pool_destroy(d->kv, d->pool_id);
		if (ret)
			fail("destroying the pool I created", ret);
		else
			printf("I destroyed the pool I created.\n");
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pool", required_argument, NULL, 'p' },
		{ "free", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct demo *d;
	struct kvtier_version ver;
	uint32_t pool = 0;
	int opt, ret;

	d = calloc(1, sizeof(*d));
	if (!d)
		return 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (kvtool_parse_u32(optarg, &pool) || pool == 0) {
				fprintf(stderr, "kvtier-demo-client: bad --pool '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'f':
			d->free_at_end = true;
			break;
		case 'h':
			printf("Usage: kvtier-demo-client [--pool ID] [--free]\n");
			return 0;
		default:
			return 2;
		}
	}

	ret = kvtier_open(&d->kv);
	if (ret) {
		fail("opening the kvtier device", ret);
		free(d);
		return 1;
	}
	if (kvtier_version(d->kv, &ver) == 0)
		printf("I opened %s, found by its driver name: %s %d.%d.%d, ABI %" PRIu64 ".\n",
		       kvtier_path(d->kv), ver.name, ver.major, ver.minor,
		       ver.patchlevel, kvtier_params(d->kv)->abi_version);
	printf("I am tenant %" PRIu64 " (my cgroup's id): my objects are visible to my tenant only.\n",
	       kvtier_params(d->kv)->tenant_id);

	ret = pick_pool(d, pool);
	if (!ret) {
		ret = kvtier_map_pool(d->kv, d->pool_id, PROT_READ | PROT_WRITE,
				      &d->map);
		if (ret)
			fail("mapping the pool", ret);
	}
	if (!ret) {
		make_prompt(d);
		ret = store(d);
	}
	if (!ret)
		ret = load(d);
	cleanup(d);
	kvtier_close(d->kv);
	free(d);
	if (ret) {
		printf("The demo failed.\n");
		return 1;
	}
	printf("Done.\n");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * "reuse": an eviction policy that predicts whether a block will be used
 * again, learned online from what it sees.
 *
 * Every access (hit, miss, store) is described by a few features known at
 * that moment: the block's distance from its prompt's end (a prompt's last
 * block is partial and almost never reused), its depth, how often it was
 * seen within the history window, the prompt's length, how many of the
 * prompt's leading blocks were seen before (a continued conversation or a
 * shared document, against a new one), how long ago the block was last
 * referenced, and its tenant. An online logistic regression over those
 * features, one-hot, estimates p, the chance that the block is referenced
 * again within W references. Its labels come from its own history: every
 * access opens a sample in a ring; a new reference to the key within W
 * closes it as positive, and a sample that reaches age W unreferenced is
 * closed as negative. The ring also remembers evicted blocks (the "seen
 * before" feature), so that what the policy evicts does not decide what it
 * learns.
 *
 * Eviction and admission are one ordering, a min-heap on
 *   rank = ln p + t / tau
 * (t the reference clock): a block is worth its chance of reuse, decayed
 * for every reference it waits unreferenced. Since the decay is the same
 * for all, the order of two blocks never changes while neither is touched,
 * so the heap needs no re-sorting. A newly stored block predicted dead gets
 * a rank below the resident ones and is the first victim: the daemon cannot
 * refuse a client's store, so this is admission. Within one lookup a
 * block's rank is clamped below its predecessor's: a child is useless
 * without its parent cached, so it never outranks it. A block stored after
 * a miss ranks ln 2 lower until its first hit (REUSE_UNPROVEN_LN).
 *
 * O(log n) per access (the heap), O(1) for the rest; nothing is allocated
 * after create() unless more objects are tracked than expected.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvtd_keymap.h"
#include "kvtd_policy.h"

/*
 * The label window, in references per block of capacity. A block pays off
 * only when it is referenced again before the cache would evict it. On the
 * tuning trace (Mooncake conversation) an oracle that knows exactly which
 * blocks are referenced again within H references, evicting the others
 * first and the rest in LRU order, does best with H between 7 and 9 times
 * the capacity at 2% and 5%: a cache whose dead blocks go first keeps the
 * live ones about capacity / (share of references that are reused soon)
 * references, and about one reference in eight is reused that soon.
 */
#define REUSE_WINDOW_PER_BLOCK 8u
/*
 * The history ring holds two windows: the second keeps "seen before"
 * alive for blocks whose sample closed, which is what tells a recurring
 * block from a new one after it was evicted.
 */
#define REUSE_HISTORY_WINDOWS 2u
/* Bounds of the window: enough samples to learn from; memory bounded. */
#define REUSE_WINDOW_MIN 256u
#define REUSE_WINDOW_MAX (1u << 23)
/*
 * Learning rate of the logistic regression. The features are one-hot, so
 * each weight is close to the log-odds of its bucket, averaged over about
 * 1 / (rate * p * (1 - p)) of its recent samples: some 600 at the usual
 * p of 0.1 to 0.5, enough to hold the noise of a rate near +-0.02 and
 * short enough to follow a change of workload within a few thousand
 * references.
 */
#define REUSE_LEARN_RATE 0.01f
/*
 * The decay: tau = W / ln(1 / REUSE_P_FLOOR). A block left unreferenced
 * for the whole window has, by the definition of the label, turned out
 * dead: it then ranks with a fresh block of the lowest probability worth
 * distinguishing, that of a prompt's last block (about 0.01).
 */
#define REUSE_P_FLOOR 0.01
/*
 * A block stored after its miss has not yet shown that its prompt's path
 * is looked up again while cached; a block that hit has. The stored block
 * ranks with half its estimate (ln 2 lower) until its first hit: among
 * blocks of equal estimate, an unproven newcomer goes before a proven one
 * that waited up to tau ln 2 references (about W / 7) longer. Without it a
 * newcomer of equal estimate always outranks every older block, and the
 * cache churns like LRU. (Margins of 1, 2 and ln 100 did better on the
 * tuning trace at 2% and 5% but went below LRU on the validation trace at
 * 10%; ln 2, "counts half", is the largest round margin that did not.)
 */
#define REUSE_UNPROVEN_LN 0.6931471805599453
/*
 * The logistic function and its logarithm come from tables over the logit
 * in steps of 1/64, clamped to +-16 (p within 1e-7 of 0 or 1): finer than
 * any estimate the model can tell apart, and no exp() per access.
 */
#define REUSE_Z_MAX 16
#define REUSE_Z_STEPS 64
#define REUSE_Z_N (2 * REUSE_Z_MAX * REUSE_Z_STEPS + 1)
/* Sizing with no hint, as LRU's. */
#define REUSE_GUESS_MAX (1u << 16)
#define REUSE_MAX_ENTRIES (UINT32_MAX - 2u)

/*
 * Features: each a small bucket index. Log2 buckets for lengths and
 * depths (0, 1, 2-3, 4-7, .. 32+), a bucket of its own when the position
 * is unknown (count 0).
 */
enum reuse_feature {
	RF_END,		/* count - 1 - position */
	RF_DEPTH,	/* position */
	RF_SEEN,	/* references within the history: 0, 1, 2, 3+ */
	RF_LEN,		/* count */
	RF_PREFIX,	/* leading blocks of the lookup seen before */
	RF_GAP,		/* age of the previous reference, in W / 16 */
	RF_TENANT,	/* tenant, hashed */
	RF_COUNT,
};
#define RF_BUCKETS 16u
#define RF_LOG_MAX 6u			/* log2 buckets 0..6 */
#define RF_UNKNOWN 7u			/* position unknown */
#define RF_SEEN_MAX 3u
#define RF_GAP_MAX 9u			/* log2 of 16 * age / W, capped; 9 none */

/*
 * Recent misses by name, direct-mapped. The driver records a lookup's
 * misses together and the client's stores come after (in the daemon, a
 * whole lookup's worth of records apart): the store of a block that just
 * missed is the same reference, and takes the estimate and rank its miss
 * got instead of counting a second reference. 1024 slots hold the misses
 * of tens of prompts in flight; a slot lost to a collision only makes
 * that store count as a reference of its own.
 */
#define REUSE_MISS_SLOTS 1024u

struct reuse_miss {
	struct drm_kvtier_key name;
	double rank;
	uint32_t permille;
	bool valid;
};

struct reuse_sample {
	struct drm_kvtier_key key;
	uint64_t time;		/* reference clock when it was opened */
	uint32_t seen;		/* references of the key within the history */
	uint8_t f[RF_COUNT];
	uint8_t open;		/* not yet labelled */
};

struct reuse_entry {
	struct drm_kvtier_key key;
	uint64_t size;
	double rank;
	uint32_t heap_pos;	/* or, while free, the next free entry */
	uint32_t position;	/* depth at its last access: ties go deeper */
	uint32_t permille;	/* the last estimate, for reuse() */
	uint32_t pad;
};

struct kvtd_reuse {
	struct kvtd_policy base;
	struct kvtd_keymap map;		/* resident key -> entry */
	struct reuse_entry *e;
	uint32_t *heap;			/* entry indices, min-heap on rank */
	uint32_t nheap;
	uint32_t nalloc;
	uint32_t ntouched;
	uint32_t free_head;

	struct kvtd_keymap hmap;	/* key -> its latest sample's slot */
	struct reuse_sample *ring;
	uint32_t nring;			/* REUSE_HISTORY_WINDOWS * window */
	uint64_t window;
	double inv_tau;
	uint64_t clock;			/* references seen */

	float w[RF_COUNT][RF_BUCKETS];
	float bias;
	float sig[REUSE_Z_N];		/* p of a logit */
	float lnsig[REUSE_Z_N];		/* ln p of a logit */

	/* The lookup in progress, for the prefix feature and the clamp. */
	struct kvtd_access last;
	bool last_valid;
	bool broken;			/* a block of it was not seen before */
	uint32_t prefix;
	double last_rank;
	/* Recent misses, for the stores that follow them (reuse_miss_slot). */
	struct reuse_miss misses[REUSE_MISS_SLOTS];
};

static struct kvtd_reuse *to_reuse(const struct kvtd_policy *p)
{
	return (struct kvtd_reuse *)p;
}

/* ---- arithmetic (kvtierd links no libm) ---- */

/* e^x for |x| <= 700: 2^k by the exponent bits, 2^f by Taylor to 1e-12. */
static double reuse_exp(double x)
{
	union { double d; uint64_t u; } two_k;
	double y, r, t;
	int k, i;

	if (x < -700.0)
		return 0.0;
	if (x > 700.0)
		x = 700.0;
	y = x * 1.4426950408889634;		/* log2(e) */
	k = (int)(y < 0 ? y - 1.0 : y);		/* floor */
	r = (y - k) * 0.6931471805599453;	/* ln 2: r in [0, ln 2) */
	t = 1.0;
	y = 1.0;
	for (i = 1; i <= 14; i++) {
		t *= r / i;
		y += t;
	}
	two_k.u = (uint64_t)(k + 1023) << 52;
	return y * two_k.d;
}

/* ln x for x > 0: x = m 2^e, m in [1, 2), ln m = 2 atanh((m-1)/(m+1)). */
static double reuse_ln(double x)
{
	union { double d; uint64_t u; } v = { .d = x };
	int e = (int)((v.u >> 52) & 0x7ff) - 1023;
	double s, s2, t, sum;
	int i;

	v.u = (v.u & ((1ull << 52) - 1)) | (1023ull << 52);
	s = (v.d - 1.0) / (v.d + 1.0);		/* in [0, 1/3) */
	s2 = s * s;
	t = s;
	sum = 0.0;
	for (i = 1; i <= 29; i += 2) {
		sum += t / i;
		t *= s2;
	}
	return 2.0 * sum + e * 0.6931471805599453;
}

/* ---- the model ---- */

static float reuse_logit(const struct kvtd_reuse *r, const uint8_t *f)
{
	float z = r->bias;
	unsigned int i;

	for (i = 0; i < RF_COUNT; i++)
		z += r->w[i][f[i]];
	return z;
}

static uint32_t reuse_z_index(float z)
{
	if (z <= -REUSE_Z_MAX)
		return 0;
	if (z >= REUSE_Z_MAX)
		return REUSE_Z_N - 1;
	return (uint32_t)((z + REUSE_Z_MAX) * REUSE_Z_STEPS + 0.5f);
}

static float reuse_sigmoid(const struct kvtd_reuse *r, float z)
{
	return r->sig[reuse_z_index(z)];
}

static void reuse_tables(struct kvtd_reuse *r)
{
	double z, p;
	uint32_t i;

	for (i = 0; i < REUSE_Z_N; i++) {
		z = (double)i / REUSE_Z_STEPS - REUSE_Z_MAX;
		p = 1.0 / (1.0 + reuse_exp(-z));
		r->sig[i] = (float)p;
		r->lnsig[i] = (float)reuse_ln(p);
	}
}

/* One step of stochastic gradient ascent on the log-likelihood. */
static void reuse_learn(struct kvtd_reuse *r, const uint8_t *f, bool reused)
{
	float g = ((reused ? 1.0f : 0.0f) -
		   reuse_sigmoid(r, reuse_logit(r, f))) * REUSE_LEARN_RATE;
	unsigned int i;

	r->bias += g;
	for (i = 0; i < RF_COUNT; i++)
		r->w[i][f[i]] += g;
}

/* ---- the heap ---- */

/* True when entry @a is a better victim than @b. */
static bool reuse_before(const struct kvtd_reuse *r, uint32_t a, uint32_t b)
{
	if (r->e[a].rank != r->e[b].rank)
		return r->e[a].rank < r->e[b].rank;
	return r->e[a].position > r->e[b].position;
}

static void heap_place(struct kvtd_reuse *r, uint32_t pos, uint32_t i)
{
	r->heap[pos] = i;
	r->e[i].heap_pos = pos;
}

static void heap_up(struct kvtd_reuse *r, uint32_t pos)
{
	uint32_t i = r->heap[pos], parent;

	while (pos > 0) {
		parent = (pos - 1) / 2;
		if (!reuse_before(r, i, r->heap[parent]))
			break;
		heap_place(r, pos, r->heap[parent]);
		pos = parent;
	}
	heap_place(r, pos, i);
}

static void heap_down(struct kvtd_reuse *r, uint32_t pos)
{
	uint32_t i = r->heap[pos], child;

	for (;;) {
		child = 2 * pos + 1;
		if (child >= r->nheap)
			break;
		if (child + 1 < r->nheap &&
		    reuse_before(r, r->heap[child + 1], r->heap[child]))
			child++;
		if (!reuse_before(r, r->heap[child], i))
			break;
		heap_place(r, pos, r->heap[child]);
		pos = child;
	}
	heap_place(r, pos, i);
}

static void heap_fix(struct kvtd_reuse *r, uint32_t pos)
{
	if (pos > 0 && reuse_before(r, r->heap[pos], r->heap[(pos - 1) / 2]))
		heap_up(r, pos);
	else
		heap_down(r, pos);
}

/* ---- features and history ---- */

static uint8_t reuse_log_bucket(uint64_t x)
{
	unsigned int b = 0;

	while (x && b < RF_LOG_MAX) {
		x >>= 1;
		b++;
	}
	return (uint8_t)b;
}

static uint8_t reuse_tenant_bucket(uint64_t tenant)
{
	return (uint8_t)((tenant * 0x9e3779b97f4a7c15ull) >> 60);
}

/* Same lookup as the access before: the next key of the same batch. */
static bool reuse_same_lookup(const struct kvtd_reuse *r,
			      const struct kvtd_access *a)
{
	return r->last_valid && a->count && a->position &&
	       a->position == r->last.position + 1 &&
	       a->count == r->last.count && a->time_ns == r->last.time_ns &&
	       a->tenant == r->last.tenant && a->pool == r->last.pool;
}

/*
 * Close the key's open sample, if any, as reused, and say how often and
 * how long ago it was seen. Return: references within the history.
 */
static uint32_t reuse_history_hit(struct kvtd_reuse *r,
				  const struct drm_kvtier_key *key,
				  uint64_t *age)
{
	uint32_t slot = kvtd_keymap_get(&r->hmap, key);
	struct reuse_sample *s;

	*age = UINT64_MAX;
	if (slot == KVTD_KEYMAP_NONE)
		return 0;
	s = &r->ring[slot];
	*age = r->clock - s->time;
	if (s->open && *age <= r->window) {
		s->open = 0;
		reuse_learn(r, s->f, true);
	}
	return s->seen;
}

/* Open a sample for the reference just made; retire the oldest. */
static void reuse_history_add(struct kvtd_reuse *r,
			      const struct drm_kvtier_key *key, uint32_t seen,
			      const uint8_t *f)
{
	uint32_t slot = (uint32_t)(r->clock % r->nring), lab;
	struct reuse_sample *s = &r->ring[slot], *old;

	/* The sample that reaches age W now is a negative, if still open. */
	if (r->clock >= r->window) {
		lab = (uint32_t)((r->clock - r->window) % r->nring);
		old = &r->ring[lab];
		if (old->open) {
			old->open = 0;
			reuse_learn(r, old->f, false);
		}
	}
	/* The slot's previous sample leaves the history. */
	if (r->clock >= r->nring &&
	    kvtd_keymap_get(&r->hmap, &s->key) == slot)
		kvtd_keymap_del(&r->hmap, &s->key);
	s->key = *key;
	s->time = r->clock;
	s->seen = seen < UINT32_MAX ? seen + 1 : seen;
	memcpy(s->f, f, sizeof(s->f));
	s->open = 1;
	/* -ENOMEM here only costs a "seen before"; the map is sized for it. */
	if (kvtd_keymap_set(&r->hmap, key, slot))
		kvtd_keymap_put(&r->hmap, key, slot);
}

/*
 * One reference: the features, the history, the estimate. Fills @f and
 * returns the logit.
 */
static float reuse_reference(struct kvtd_reuse *r, const struct kvtd_access *a,
			     uint8_t *f)
{
	uint64_t age;
	uint32_t seen;
	float z;

	r->clock++;
	seen = reuse_history_hit(r, &a->name, &age);
	if (!reuse_same_lookup(r, a)) {
		r->broken = false;
		r->prefix = 0;
	}
	if (!r->broken && seen)
		r->prefix = a->position + 1;
	else
		r->broken = true;
	if (a->count && a->position < a->count) {
		f[RF_END] = reuse_log_bucket(a->count - 1 - a->position);
		f[RF_DEPTH] = reuse_log_bucket(a->position);
		f[RF_LEN] = reuse_log_bucket(a->count);
		f[RF_PREFIX] = reuse_log_bucket(r->prefix);
	} else {
		f[RF_END] = f[RF_DEPTH] = f[RF_LEN] = RF_UNKNOWN;
		f[RF_PREFIX] = RF_UNKNOWN;
	}
	f[RF_SEEN] = (uint8_t)(seen < RF_SEEN_MAX ? seen : RF_SEEN_MAX);
	f[RF_GAP] = age == UINT64_MAX ? RF_GAP_MAX :
		    reuse_log_bucket(16 * age / r->window);
	f[RF_TENANT] = reuse_tenant_bucket(a->tenant);
	z = reuse_logit(r, f);
	reuse_history_add(r, &a->name, seen, f);
	return z;
}

/* The rank of a block referenced now with logit @z, clamped in its lookup. */
static double reuse_rank(struct kvtd_reuse *r, const struct kvtd_access *a,
			 float z)
{
	double rank;

	rank = r->lnsig[reuse_z_index(z)] + (double)r->clock * r->inv_tau;
	if (reuse_same_lookup(r, a) && rank > r->last_rank)
		rank = r->last_rank;
	return rank;
}

static void reuse_note_lookup(struct kvtd_reuse *r,
			      const struct kvtd_access *a, double rank)
{
	r->last = *a;
	r->last_valid = true;
	r->last_rank = rank;
}

static uint32_t reuse_permille(const struct kvtd_reuse *r, float z)
{
	return (uint32_t)(reuse_sigmoid(r, z) * 1000.0f + 0.5f);
}

/* ---- the ops ---- */

static int reuse_create(const struct kvtd_policy_params *params,
			struct kvtd_policy **out)
{
	uint64_t want = params->expect_entries, win;
	struct kvtd_reuse *r;
	int ret;

	if (!want)
		want = params->capacity < REUSE_GUESS_MAX ? params->capacity :
							    REUSE_GUESS_MAX;
	if (!want)
		want = 1;
	if (want > REUSE_MAX_ENTRIES)
		return -E2BIG;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	/* The window counts references per block the cache holds. */
	win = (params->capacity < want ? params->capacity : want) *
	      REUSE_WINDOW_PER_BLOCK;
	if (win < REUSE_WINDOW_MIN)
		win = REUSE_WINDOW_MIN;
	if (win > REUSE_WINDOW_MAX)
		win = REUSE_WINDOW_MAX;
	r->window = win;
	r->nring = (uint32_t)(win * REUSE_HISTORY_WINDOWS);
	r->inv_tau = reuse_ln(1.0 / REUSE_P_FLOOR) / (double)win;
	reuse_tables(r);
	r->nalloc = (uint32_t)want;
	r->e = malloc((size_t)r->nalloc * sizeof(*r->e));
	r->heap = malloc((size_t)r->nalloc * sizeof(*r->heap));
	r->ring = calloc(r->nring, sizeof(*r->ring));
	if (!r->e || !r->heap || !r->ring) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = kvtd_keymap_init(&r->map, (uint32_t)want);
	if (ret)
		goto err_free;
	ret = kvtd_keymap_init(&r->hmap, r->nring);
	if (ret)
		goto err_fini_map;
	r->free_head = KVTD_KEYMAP_NONE;
	*out = &r->base;
	return 0;

err_fini_map:
	kvtd_keymap_fini(&r->map);
err_free:
	free(r->ring);
	free(r->heap);
	free(r->e);
	free(r);
	return ret;
}

static void reuse_destroy(struct kvtd_policy *p)
{
	struct kvtd_reuse *r = to_reuse(p);

	kvtd_keymap_fini(&r->hmap);
	kvtd_keymap_fini(&r->map);
	free(r->ring);
	free(r->heap);
	free(r->e);
	free(r);
}

static int reuse_on_access(struct kvtd_policy *p, const struct kvtd_access *a)
{
	struct kvtd_reuse *r = to_reuse(p);
	uint32_t i = kvtd_keymap_get(&r->map, &a->key);
	uint8_t f[RF_COUNT];
	double rank;
	float z;

	if (i == KVTD_KEYMAP_NONE)
		return -ENOENT;
	z = reuse_reference(r, a, f);
	rank = reuse_rank(r, a, z);
	r->e[i].rank = rank;
	r->e[i].position = a->position;
	r->e[i].permille = reuse_permille(r, z);
	heap_fix(r, r->e[i].heap_pos);
	reuse_note_lookup(r, a, rank);
	return 0;
}

static struct reuse_miss *reuse_miss_slot(struct kvtd_reuse *r,
					  const struct drm_kvtier_key *name)
{
	uint64_t h = (name->lo ^ name->hi) * 0x9e3779b97f4a7c15ull;

	return &r->misses[h >> 54];
}

static int reuse_on_miss(struct kvtd_policy *p, const struct kvtd_access *a)
{
	struct kvtd_reuse *r = to_reuse(p);
	uint8_t f[RF_COUNT];
	float z = reuse_reference(r, a, f);
	struct reuse_miss *m = reuse_miss_slot(r, &a->name);
	double rank = reuse_rank(r, a, z);

	*m = (struct reuse_miss){ .name = a->name, .rank = rank,
				  .permille = reuse_permille(r, z),
				  .valid = true };
	/* A block after the break may be cached: no hit, but not dead yet. */
	reuse_note_lookup(r, a, rank);
	return 0;
}

/* Return: a free entry's index, or KVTD_KEYMAP_NONE. */
static uint32_t reuse_entry_get(struct kvtd_reuse *r)
{
	struct reuse_entry *e;
	uint32_t *heap, i;
	uint64_t n;

	if (r->free_head != KVTD_KEYMAP_NONE) {
		i = r->free_head;
		r->free_head = r->e[i].heap_pos;
		return i;
	}
	if (r->ntouched == r->nalloc) {
		n = (uint64_t)r->nalloc * 2;
		if (n > REUSE_MAX_ENTRIES)
			n = REUSE_MAX_ENTRIES;
		if (n == r->nalloc)
			return KVTD_KEYMAP_NONE;
		e = realloc(r->e, (size_t)n * sizeof(*e));
		if (!e)
			return KVTD_KEYMAP_NONE;
		r->e = e;
		heap = realloc(r->heap, (size_t)n * sizeof(*heap));
		if (!heap)
			return KVTD_KEYMAP_NONE;
		r->heap = heap;
		r->nalloc = (uint32_t)n;
	}
	return r->ntouched++;
}

/*
 * A store: right after its miss (the simulator, the daemon's stream) the
 * miss's estimate is used; a store with no miss before it (a daemon that
 * rebuilds its state from a table scan) is a reference of its own.
 */
static int reuse_on_insert(struct kvtd_policy *p, const struct kvtd_access *a,
			   uint64_t size)
{
	struct kvtd_reuse *r = to_reuse(p);
	struct reuse_miss *m;
	uint8_t f[RF_COUNT];
	uint32_t i;
	double rank;
	float z;
	int ret;

	if (kvtd_keymap_get(&r->map, &a->key) != KVTD_KEYMAP_NONE)
		return -EEXIST;
	i = reuse_entry_get(r);
	if (i == KVTD_KEYMAP_NONE)
		return -ENOMEM;
	ret = kvtd_keymap_put(&r->map, &a->key, i);
	if (ret) {
		r->e[i].heap_pos = r->free_head;
		r->free_head = i;
		return ret;
	}
	m = reuse_miss_slot(r, &a->name);
	if (m->valid && kvtd_key_eq(&m->name, &a->name)) {
		r->e[i].permille = m->permille;
		rank = m->rank - REUSE_UNPROVEN_LN;
		m->valid = false;
	} else {
		z = reuse_reference(r, a, f);
		r->e[i].permille = reuse_permille(r, z);
		rank = reuse_rank(r, a, z);
		reuse_note_lookup(r, a, rank);
	}
	r->e[i].key = a->key;
	r->e[i].size = size;
	r->e[i].rank = rank;
	r->e[i].position = a->position;
	heap_place(r, r->nheap++, i);
	heap_up(r, r->e[i].heap_pos);
	return 0;
}

/* With a filter, the refused (pinned) are walked past in heap order. */
static int reuse_pick_victim(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
			     void *arg, struct drm_kvtier_key *out)
{
	const struct kvtd_reuse *r = to_reuse(p);
	uint32_t pos, best = KVTD_KEYMAP_NONE, i;

	if (!r->nheap)
		return -ENOENT;
	if (!ok || ok(&r->e[r->heap[0]].key, arg)) {
		*out = r->e[r->heap[0]].key;
		return 0;
	}
	for (pos = 1; pos < r->nheap; pos++) {
		i = r->heap[pos];
		if ((best == KVTD_KEYMAP_NONE || reuse_before(r, i, best)) &&
		    ok(&r->e[i].key, arg))
			best = i;
	}
	if (best == KVTD_KEYMAP_NONE)
		return -ENOENT;
	*out = r->e[best].key;
	return 0;
}

static int reuse_on_remove(struct kvtd_policy *p,
			   const struct drm_kvtier_key *key, uint64_t *size)
{
	struct kvtd_reuse *r = to_reuse(p);
	uint32_t i = kvtd_keymap_get(&r->map, key), pos, last;

	if (i == KVTD_KEYMAP_NONE)
		return -ENOENT;
	kvtd_keymap_del(&r->map, key);
	pos = r->e[i].heap_pos;
	last = r->heap[--r->nheap];
	if (last != i) {
		heap_place(r, pos, last);
		heap_fix(r, pos);
	}
	*size = r->e[i].size;
	r->e[i].heap_pos = r->free_head;
	r->free_head = i;
	return 0;
}

static int reuse_reuse(const struct kvtd_policy *p,
		       const struct drm_kvtier_key *key, uint32_t *permille)
{
	const struct kvtd_reuse *r = to_reuse(p);
	uint32_t i = kvtd_keymap_get(&r->map, key);

	if (i == KVTD_KEYMAP_NONE)
		return -ENOENT;
	*permille = r->e[i].permille;
	return 0;
}

const struct kvtd_policy_ops kvtd_policy_reuse_ops = {
	.name = "reuse",
	.create = reuse_create,
	.destroy = reuse_destroy,
	.on_access = reuse_on_access,
	.on_miss = reuse_on_miss,
	.on_insert = reuse_on_insert,
	.pick_victim = reuse_pick_victim,
	.on_remove = reuse_on_remove,
	.reuse = reuse_reuse,
};

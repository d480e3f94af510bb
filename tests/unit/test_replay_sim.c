// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/replay/sim.c: the simulator's accounting, and the
 * hand traces of the policy tests run through it end to end.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvtr_belady.h"
#include "kvtr_sim.h"

static struct kvtr_refs refs;
static struct kvtr_trace trace;
static struct kvtr_request reqs[256];
static uint64_t req_ids[1024];

static void teardown(void)
{
	kvtr_refs_free(&refs);
}

/*
 * A trace of one-block requests, one per id: prefix hits are then plain
 * hits, and the run is the classic one (every reference a lookup, every
 * miss inserted), so the textbook counts apply.
 */
static void build(const uint64_t *ids, size_t n)
{
	static struct kvtr_request one[20000];
	size_t i;

	ck_assert_uint_le(n, 20000);
	for (i = 0; i < n; i++)
		one[i] = (struct kvtr_request){ .first_id = i, .nids = 1 };
	trace = (struct kvtr_trace){ .req = one, .nreq = n,
				     .ids = (uint64_t *)ids, .nids = n };
	ck_assert_int_eq(kvtr_refs_build(&trace, &refs), 0);
}

static void build_seq(const char *seq)
{
	static uint64_t ids[256];
	size_t n;

	for (n = 0; seq[n]; n++)
		ids[n] = (uint64_t)seq[n];
	build(ids, n);
}

/* A trace of requests given as words: "ABC ABD" is two requests. */
static void build_reqs(const char *words)
{
	size_t n = 0, nreq = 0;
	bool in_word = false;

	for (; *words; words++) {
		if (*words == ' ') {
			in_word = false;
			continue;
		}
		if (!in_word) {
			reqs[nreq] = (struct kvtr_request){
				.first_id = n,
				.timestamp_ms = 10 * nreq,
			};
			nreq++;
			in_word = true;
		}
		req_ids[n++] = (uint64_t)*words;
		reqs[nreq - 1].nids++;
	}
	trace = (struct kvtr_trace){ .req = reqs, .nreq = nreq,
				     .ids = req_ids, .nids = n };
	ck_assert_int_eq(kvtr_refs_build(&trace, &refs), 0);
}

/* What must hold for every run. */
static void check_invariants(const struct kvtr_sim_stats *s, uint64_t cap)
{
	ck_assert_uint_eq(s->refs, refs.count);
	ck_assert_uint_eq(s->requests, trace.nreq);
	ck_assert_uint_eq(s->hits + s->misses + s->not_probed, s->refs);
	ck_assert_uint_eq(s->inserts + s->bypasses + s->present,
			  s->misses + s->not_probed);
	ck_assert_uint_le(s->misses, s->requests);
	/* Every block misses at least once; never more than its uses. */
	ck_assert_uint_ge(s->misses + s->not_probed, refs.distinct);
	/* What was inserted and not evicted is still there, within cap. */
	ck_assert_uint_le(s->inserts - s->evictions, cap);
}

/*
 * The textbook string (see test_policy_lru.c and test_replay_belady.c):
 * 3 frames, 20 references, 6 distinct pages (0 1 2 3 4 7). LRU 8 hits,
 * MIN 11.
 */
START_TEST(test_textbook)
{
	struct kvtr_sim_stats s;

	build_seq("70120304230321201701");
	ck_assert_uint_eq(refs.distinct, 6);
	ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &trace, &refs, 3, &s), 0);
	check_invariants(&s, 3);
	ck_assert_uint_eq(s.hits, 8);
	/* 12 misses into 3 frames: the first 3 fill, 9 evict. */
	ck_assert_uint_eq(s.evictions, 9);
	ck_assert_int_eq(kvtr_sim_run(&kvtr_policy_belady, &trace, &refs, 3, &s), 0);
	check_invariants(&s, 3);
	ck_assert_uint_eq(s.hits, 11);
	ck_assert_uint_eq(s.evictions, 6);
	ck_assert_double_eq_tol(kvtr_sim_hit_rate(&s), 11.0 / 20.0, 1e-12);
}
END_TEST

/* Room for everything: only compulsory misses, no evictions. */
START_TEST(test_all_fit)
{
	struct kvtr_sim_stats s;

	build_seq("ABCDABCDEA");
	ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &trace, &refs, 5, &s), 0);
	check_invariants(&s, 5);
	ck_assert_uint_eq(s.misses, 5);
	ck_assert_uint_eq(s.evictions, 0);
	ck_assert_int_eq(kvtr_sim_run(&kvtr_policy_belady, &trace, &refs, 5, &s), 0);
	ck_assert_uint_eq(s.misses, 5);
}
END_TEST

/* Capacity 0: every reference misses and nothing is inserted. */
START_TEST(test_capacity_zero)
{
	struct kvtr_sim_stats s;

	build_seq("AAAB");
	ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &trace, &refs, 0, &s), 0);
	check_invariants(&s, 0);
	ck_assert_uint_eq(s.hits, 0);
	ck_assert_uint_eq(s.bypasses, 4);
	/* Belady still keeps its place in the future through the misses. */
	ck_assert_int_eq(kvtr_sim_run(&kvtr_policy_belady, &trace, &refs, 0, &s), 0);
	ck_assert_uint_eq(s.bypasses, 4);
}
END_TEST

START_TEST(test_empty_trace)
{
	struct kvtr_sim_stats s;

	build(NULL, 0);
	ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &trace, &refs, 10, &s), 0);
	ck_assert_uint_eq(s.refs, 0);
	ck_assert_double_eq(kvtr_sim_hit_rate(&s), 0.0);
	ck_assert_int_eq(kvtr_sim_run(&kvtr_policy_belady, &trace, &refs, 10, &s), 0);
	ck_assert_uint_eq(s.refs, 0);
}
END_TEST

/*
 * A random skewed trace at many capacities: the invariants hold, Belady
 * never loses to LRU, and neither loses hits when the cache grows (both
 * are stack algorithms: a bigger cache holds a superset).
 */
START_TEST(test_random_invariants)
{
	static uint64_t ids[20000];
	struct kvtr_sim_stats lru, opt, prev_lru = { 0 }, prev_opt = { 0 };
	unsigned int seed = 3;
	uint64_t cap;
	size_t i;

	for (i = 0; i < 20000; i++)
		ids[i] = rand_r(&seed) % 4 ? rand_r(&seed) % 300 :
					     rand_r(&seed) % 5000;
	build(ids, 20000);
	for (cap = 0; cap <= 600; cap += 25) {
		ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &trace, &refs,
					      cap, &lru), 0);
		ck_assert_int_eq(kvtr_sim_run(&kvtr_policy_belady, &trace,
					      &refs, cap, &opt), 0);
		check_invariants(&lru, cap);
		check_invariants(&opt, cap);
		ck_assert_uint_ge(opt.hits, lru.hits);
		ck_assert_uint_ge(lru.hits, prev_lru.hits);
		ck_assert_uint_ge(opt.hits, prev_opt.hits);
		prev_lru = lru;
		prev_opt = opt;
	}
}
END_TEST

/*
 * Prefix hits, room for everything:
 *   ABC  3 misses (A probed, B C not), 3 stored
 *   ABD  A B hit, D missed and stored
 *   AXC  A hits; X misses; C is cached but after the break: no hit, and
 *        not stored again
 *   AXC  3 hits
 * 12 references, 6 prefix hits (a per-reference count would say 7).
 */
START_TEST(test_prefix_counts)
{
	struct kvtr_sim_stats s;

	build_reqs("ABC ABD AXC AXC");
	ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &trace, &refs, 100,
				      &s), 0);
	check_invariants(&s, 100);
	ck_assert_uint_eq(s.requests, 4);
	ck_assert_uint_eq(s.refs, 12);
	ck_assert_uint_eq(s.hits, 6);
	ck_assert_uint_eq(s.misses, 3);
	ck_assert_uint_eq(s.not_probed, 3);
	ck_assert_uint_eq(s.present, 1);
	ck_assert_uint_eq(s.inserts, 5);
	ck_assert_uint_eq(s.evictions, 0);
	ck_assert_double_eq_tol(kvtr_sim_hit_rate(&s), 0.5, 1e-12);
	/* Belady holds everything too: the same counts. */
	ck_assert_int_eq(kvtr_sim_run(&kvtr_policy_belady, &trace, &refs, 100,
				      &s), 0);
	check_invariants(&s, 100);
	ck_assert_uint_eq(s.hits, 6);
	ck_assert_uint_eq(s.present, 1);
}
END_TEST

/*
 * Prefix hits under LRU in 3 blocks (most recent first):
 *   ABC  store A B C                  -> C B A
 *   AD   A hits; D stored, B evicted   -> D A C
 *   ABC  A hits; B stored, C evicted   -> B A D; C, evicted a moment
 *        ago, is stored again, D out   -> C B A
 *   ABC  3 hits
 * 11 references: 5 hits, 3 first misses, 3 not probed, none present.
 */
START_TEST(test_prefix_lru_evicts)
{
	struct kvtr_sim_stats s;

	build_reqs("ABC AD ABC ABC");
	ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &trace, &refs, 3, &s),
			 0);
	check_invariants(&s, 3);
	ck_assert_uint_eq(s.hits, 5);
	ck_assert_uint_eq(s.misses, 3);
	ck_assert_uint_eq(s.not_probed, 3);
	ck_assert_uint_eq(s.present, 0);
	ck_assert_uint_eq(s.inserts, 6);
	ck_assert_uint_eq(s.evictions, 3);
}
END_TEST

/* A recorder: LRU underneath, every event written down. */
struct rec {
	struct kvtd_policy base;
	struct kvtd_policy *lru;
	char log[512];
	size_t len;
};

static void rec_log(struct rec *r, char what, const struct kvtd_access *a)
{
	r->len += (size_t)snprintf(r->log + r->len, sizeof(r->log) - r->len,
				   "%c%c%u/%u%s ", what, (char)a->key.lo,
				   a->position, a->count,
				   a->flags & KVTD_ACCESS_NOT_PROBED ? "n" :
								       "");
}

static int rec_create(const struct kvtd_policy_params *params,
		      struct kvtd_policy **out)
{
	struct rec *r = calloc(1, sizeof(*r));

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(kvtd_policy_create(&kvtd_policy_lru, params, &r->lru),
			 0);
	*out = &r->base;
	return 0;
}

static void rec_destroy(struct kvtd_policy *p)
{
	struct rec *r = (struct rec *)p;

	kvtd_policy_destroy(r->lru);
	free(r);
}

static int rec_access(struct kvtd_policy *p, const struct kvtd_access *a)
{
	rec_log((struct rec *)p, 'h', a);
	return kvtd_policy_access(((struct rec *)p)->lru, a);
}

static int rec_miss(struct kvtd_policy *p, const struct kvtd_access *a)
{
	rec_log((struct rec *)p, 'm', a);
	return 0;
}

static int rec_insert(struct kvtd_policy *p, const struct kvtd_access *a,
		      uint64_t size)
{
	rec_log((struct rec *)p, 'i', a);
	return kvtd_policy_insert(((struct rec *)p)->lru, a, size);
}

static int rec_victim(const struct kvtd_policy *p, kvtd_victim_ok_fn ok,
		      void *arg, struct drm_kvtier_key *out)
{
	return kvtd_policy_victim(((const struct rec *)p)->lru, ok, arg, out);
}

static int rec_remove(struct kvtd_policy *p, const struct drm_kvtier_key *key,
		      uint64_t *size)
{
	*size = 1;
	return kvtd_policy_remove(((struct rec *)p)->lru, key);
}

static const struct kvtd_policy_ops rec_ops = {
	.name = "rec",
	.create = rec_create,
	.destroy = rec_destroy,
	.on_access = rec_access,
	.on_miss = rec_miss,
	.on_insert = rec_insert,
	.pick_victim = rec_victim,
	.on_remove = rec_remove,
};

/*
 * What the policy is told, in order: hits with their position and the
 * request's length, the first miss, the rest flagged not probed, each
 * store right after its miss; a cached block after the break is reported
 * but not stored. The request's time arrives in ns.
 */
START_TEST(test_prefix_events)
{
	static const struct drm_kvtier_key k[] = {
		{ .lo = 'A' }, { .lo = 'B' }, { .lo = 'C' },
		{ .lo = 'A' }, { .lo = 'X' }, { .lo = 'C' },
	};
	struct kvtd_access ctx = { .time_ns = 5000000, .tenant = 3 };
	struct kvtr_sim sim;
	struct rec *r;

	ck_assert_int_eq(kvtr_sim_open(&sim, &rec_ops, 10, 10, NULL), 0);
	r = (struct rec *)sim.pol;
	ck_assert_int_eq(kvtr_sim_request(&sim, k, 3, &ctx), 0);
	ck_assert_int_eq(kvtr_sim_request(&sim, k + 3, 3, &ctx), 0);
	ck_assert_str_eq(r->log, "mA0/3 iA0/3 mB1/3n iB1/3n mC2/3n iC2/3n "
				 "hA0/3 mX1/3 iX1/3 mC2/3n ");
	ck_assert_uint_eq(sim.st.hits, 1);
	ck_assert_uint_eq(sim.st.present, 1);
	kvtr_sim_close(&sim);
}
END_TEST

START_TEST(test_policy_find)
{
	ck_assert_ptr_eq(kvtr_policy_find("lru"), &kvtd_policy_lru);
	ck_assert_ptr_eq(kvtr_policy_find("belady"), &kvtr_policy_belady);
	ck_assert_ptr_null(kvtr_policy_find("fifo"));
}
END_TEST

/* A trace of prompts that share prefixes: a few roots, branching chains. */
static void build_prompts(unsigned int seed, size_t nreq)
{
	static struct kvtr_request many[2000];
	static uint64_t ids[40000];
	size_t r, n = 0, len, i;
	uint64_t root, fresh = 1000;

	ck_assert_uint_le(nreq, 2000);
	for (r = 0; r < nreq; r++) {
		len = 1 + (size_t)(rand_r(&seed) % 16);
		root = (uint64_t)(rand_r(&seed) % 8);
		many[r] = (struct kvtr_request){ .first_id = n, .nids = len,
						 .timestamp_ms = 5 * r };
		ids[n++] = root;
		/* A shared chain of the root's, then a branch of its own. */
		for (i = 1; i < len; i++)
			ids[n++] = (i < 4 && rand_r(&seed) % 4) ?
				   root * 100 + i : fresh++;
	}
	trace = (struct kvtr_trace){ .req = many, .nreq = nreq, .ids = ids,
				     .nids = n };
	ck_assert_int_eq(kvtr_refs_build(&trace, &refs), 0);
}

static int direct_run(const struct kvtd_policy_ops *ops, uint64_t cap,
		      struct kvtr_sim_stats *out)
{
	struct kvtd_access ctx = { 0 };
	struct kvtr_sim sim;
	size_t i;
	int ret;

	ret = kvtr_sim_open(&sim, ops, cap, (uint32_t)refs.distinct, NULL);
	for (i = 0; !ret && i < trace.nreq; i++) {
		ctx.time_ns = trace.req[i].timestamp_ms * 1000000ull;
		ret = kvtr_sim_request(&sim, refs.keys + trace.req[i].first_id,
				       trace.req[i].nids, &ctx);
	}
	*out = sim.st;
	kvtr_sim_close(&sim);
	return ret;
}

/*
 * An online policy runs inside the daemon's planner (kvtr_sim_run), and
 * the planner's LRU makes exactly the policy's own choices: the counts
 * equal those of LRU driven directly, at every capacity.
 */
START_TEST(test_planned_lru_is_lru)
{
	struct kvtr_sim_stats planned, direct;
	uint64_t cap;

	build_prompts(11, 1500);
	for (cap = 0; cap <= 400; cap += 40) {
		ck_assert_int_eq(kvtr_sim_run(&kvtd_policy_lru, &trace, &refs,
					      cap, &planned), 0);
		ck_assert_int_eq(direct_run(&kvtd_policy_lru, cap, &direct), 0);
		check_invariants(&planned, cap);
		ck_assert_mem_eq(&planned, &direct, sizeof(planned));
	}
	/* Something was evicted and something hit, or this proves little. */
	ck_assert_uint_gt(planned.evictions, 0);
	ck_assert_uint_gt(planned.hits, 0);
}
END_TEST

/*
 * The daemon's planner, fed the records the simulator wrote, names the
 * victims the simulator evicted, one by one: what the simulator measures
 * is what kvtierd would do on the same stream.
 */
struct replayed {
	struct drm_kvtier_access *a;
	size_t n, room;
};

static void tap_keep(void *arg, const struct drm_kvtier_access *a, size_t n)
{
	struct replayed *r = arg;

	if (r->n + n > r->room) {
		r->room = 2 * (r->n + n);
		r->a = realloc(r->a, r->room * sizeof(*a));
		ck_assert_ptr_nonnull(r->a);
	}
	memcpy(r->a + r->n, a, n * sizeof(*a));
	r->n += n;
}

static void same_choices(const struct kvtd_policy_ops *ops, uint64_t cap)
{
	struct kvtd_planner_pool pool = { .slot_size = 1, .slot_count = cap };
	struct kvtd_plan_input in = {
		.pool_id = 1,
		.pool_wm = { 1000, 1000 },
		.tenant_wm = { 1000, 1000 },
	};
	struct replayed rec = { 0 };
	struct kvtd_evict_summary sum;
	struct kvtd_evict_action act;
	struct kvtd_planner *pl;
	struct kvtr_sim sim;
	uint64_t used = 0, evicted = 0;
	struct kvtd_access ctx = { 0 };
	size_t i;

	ck_assert_int_eq(kvtr_sim_open_planned(&sim, ops, cap,
					       (uint32_t)refs.distinct), 0);
	sim.tap = tap_keep;
	sim.tap_arg = &rec;
	for (i = 0; i < trace.nreq; i++) {
		ctx.time_ns = trace.req[i].timestamp_ms * 1000000ull;
		ck_assert_int_eq(kvtr_sim_request(&sim,
				 refs.keys + trace.req[i].first_id,
				 trace.req[i].nids, &ctx), 0);
	}
	kvtr_sim_close(&sim);

	ck_assert_int_eq(kvtd_planner_create(ops, false, &pl), 0);
	ck_assert_int_eq(kvtd_planner_pool_set(pl, 1, &pool), 0);
	for (i = 0; i < rec.n; i++) {
		const struct drm_kvtier_access *a = &rec.a[i];

		if (a->type == KVTIER_ACCESS_FREE) {
			/* The simulator evicted here: the daemon's pick. */
			in.slots_used = used + 1;
			ck_assert_int_eq(kvtd_planner_evict(pl, &in, &act, 1,
							    &sum), 1);
			ck_assert_uint_eq(act.handle, a->handle);
			kvtd_planner_note(pl, act.handle, KVTD_NOTE_DROPPED);
			used--;
			evicted++;
		} else if (a->type == KVTIER_ACCESS_COMMIT) {
			used++;
		}
		ck_assert_int_eq(kvtd_planner_feed(pl, a, 1), 0);
	}
	ck_assert_uint_gt(evicted, 0);
	kvtd_planner_destroy(pl);
	free(rec.a);
}

START_TEST(test_planner_same_choices)
{
	const struct kvtd_policy_ops *ops;
	size_t i;

	build_prompts(5, 1200);
	for (i = 0; (ops = kvtd_policy_list(i)); i++) {
		same_choices(ops, 60);
		same_choices(ops, 250);
	}
}
END_TEST

Suite *replay_sim_suite(void)
{
	Suite *s = suite_create("replay_sim");
	TCase *tc;

	tc = tcase_create("accounting");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_textbook);
	tcase_add_test(tc, test_all_fit);
	tcase_add_test(tc, test_capacity_zero);
	tcase_add_test(tc, test_empty_trace);
	tcase_add_test(tc, test_random_invariants);
	suite_add_tcase(s, tc);

	tc = tcase_create("prefix");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_prefix_counts);
	tcase_add_test(tc, test_prefix_lru_evicts);
	tcase_add_test(tc, test_prefix_events);
	tcase_add_test(tc, test_planned_lru_is_lru);
	tcase_add_test(tc, test_planner_same_choices);
	suite_add_tcase(s, tc);

	tc = tcase_create("policies");
	tcase_add_test(tc, test_policy_find);
	suite_add_tcase(s, tc);
	return s;
}

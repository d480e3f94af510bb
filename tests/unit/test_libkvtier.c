// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libkvtier's pure parts, and of the tools' helpers it ships
 * with (libkvtool): key hashing, the event queue and the waits built on
 * it, the batch contract, option parsing and the JSON writer.
 *
 * No device: batches run against a fake ioctl installed through
 * kvtl_wrap(), and events are written into a pipe that stands in for the
 * DRM fd (poll and read behave the same on both).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* By path, so the runner's build needs no include flag for libkvtier. */
#include "../../tools/lib/kvtier/kvtier_internal.h"
#include "../../tools/lib/kvtier/kvtool.h"
#include "test_suites.h"

/* ---------------------------------------------------------------------
 * kvtier-hash128 v1, written again from the specification in kvtier.h:
 * byte by byte, with no word loads, so that a shared mistake in loading
 * or padding cannot hide.
 */

static uint64_t ref_rotl(uint64_t x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t ref_fmix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static struct drm_kvtier_key ref_hash(uint64_t seed_lo, uint64_t seed_hi,
				      const unsigned char *p, size_t n)
{
	const uint64_t K1 = 0x9E3779B97F4A7C15ull, K2 = 0xC2B2AE3D27D4EB4Full,
		       K3 = 0x165667B19E3779F9ull;
	uint64_t a = seed_lo ^ K1, b = seed_hi ^ K2, w;
	struct drm_kvtier_key key;
	size_t i, k;

	for (i = 0; i < n; i += 8) {
		w = 0;
		for (k = 0; k < 8 && i + k < n; k++)
			w |= (uint64_t)p[i + k] << (8 * k);
		a = ref_rotl(a ^ ref_fmix(w), 29) * K1;
		b = ref_rotl(b ^ ref_fmix(w ^ K3), 37) * K2 + a;
	}
	a ^= n;
	b ^= n * K3;
	key.lo = ref_fmix(a + ref_rotl(b, 32));
	key.hi = ref_fmix(b ^ ref_rotl(a, 17));
	return key;
}

static void fill_bytes(unsigned char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 131 + seed * 17 + (i >> 3)) & 0xff);
}

START_TEST(test_fmix_is_splitmix64)
{
	/* splitmix64 seeded with 0 first outputs fmix(0x9E3779B97F4A7C15),
	 * published as 0xE220A8397B1DCDAF: anchors the reference's mixer. */
	ck_assert_uint_eq(ref_fmix(0x9E3779B97F4A7C15ull),
			  0xE220A8397B1DCDAFull);
}
END_TEST

START_TEST(test_key_empty_vector)
{
	/* No words: only the seeding and the finalisation run. */
	const uint64_t K1 = 0x9E3779B97F4A7C15ull, K2 = 0xC2B2AE3D27D4EB4Full;
	struct drm_kvtier_key k = kvtier_key_from_bytes("", 0);

	ck_assert_uint_eq(k.lo, ref_fmix(K1 + ref_rotl(K2, 32)));
	ck_assert_uint_eq(k.hi, ref_fmix(K2 ^ ref_rotl(K1, 17)));
}
END_TEST

START_TEST(test_key_matches_reference)
{
	unsigned char buf[80];
	struct drm_kvtier_key got, want, seed = { 0x0123456789abcdefull,
						  0xfedcba9876543210ull };
	size_t n;

	/* Every length around the word size, so each padding case runs. */
	for (n = 0; n <= sizeof(buf); n++) {
		fill_bytes(buf, n, (unsigned int)n);
		got = kvtier_key_from_bytes(buf, n);
		want = ref_hash(0, 0, buf, n);
		ck_assert_msg(kvtier_key_equal(&got, &want), "length %zu", n);
		got = kvtier_key_chain(&seed, buf, n);
		want = ref_hash(seed.lo, seed.hi, buf, n);
		ck_assert_msg(kvtier_key_equal(&got, &want), "chained, length %zu",
			      n);
	}
}
END_TEST

START_TEST(test_key_deterministic_and_sensitive)
{
	unsigned char buf[64];
	struct drm_kvtier_key a, b;
	size_t bit;

	fill_bytes(buf, sizeof(buf), 3);
	a = kvtier_key_from_bytes(buf, sizeof(buf));
	b = kvtier_key_from_bytes(buf, sizeof(buf));
	ck_assert(kvtier_key_equal(&a, &b));
	/* Any one flipped bit changes both halves of the key. */
	for (bit = 0; bit < sizeof(buf) * 8; bit++) {
		buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		b = kvtier_key_from_bytes(buf, sizeof(buf));
		buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		ck_assert_msg(a.lo != b.lo && a.hi != b.hi, "bit %zu", bit);
	}
}
END_TEST

START_TEST(test_key_length_counts)
{
	/* Zero padding must not make "abc" and "abc\0" the same key. */
	struct drm_kvtier_key a = kvtier_key_from_bytes("abc", 3);
	struct drm_kvtier_key b = kvtier_key_from_bytes("abc\0", 4);

	ck_assert(!kvtier_key_equal(&a, &b));
}
END_TEST

START_TEST(test_key_chain_depends_on_prefix)
{
	struct drm_kvtier_key p1 = kvtier_key_from_bytes("one", 3);
	struct drm_kvtier_key p2 = kvtier_key_from_bytes("two", 3);
	struct drm_kvtier_key a = kvtier_key_chain(&p1, "block", 5);
	struct drm_kvtier_key b = kvtier_key_chain(&p2, "block", 5);
	struct drm_kvtier_key c = kvtier_key_chain(NULL, "block", 5);
	struct drm_kvtier_key d = kvtier_key_from_bytes("block", 5);

	ck_assert(!kvtier_key_equal(&a, &b));
	/* NULL is the zero seed, the first block of every chain. */
	ck_assert(kvtier_key_equal(&c, &d));
}
END_TEST

START_TEST(test_key_tokens_are_little_endian)
{
	/* 600 tokens: more than one internal chunk, and an odd count so the
	 * last word is half padding. */
	uint32_t tokens[600];
	unsigned char bytes[sizeof(tokens)];
	struct drm_kvtier_key seed = { 7, 9 }, got, want;
	size_t i;

	for (i = 0; i < 600; i++) {
		tokens[i] = (uint32_t)(i * 2654435761u);
		bytes[4 * i] = (unsigned char)tokens[i];
		bytes[4 * i + 1] = (unsigned char)(tokens[i] >> 8);
		bytes[4 * i + 2] = (unsigned char)(tokens[i] >> 16);
		bytes[4 * i + 3] = (unsigned char)(tokens[i] >> 24);
	}
	for (i = 599; i <= 600; i++) {
		got = kvtier_key_chain_tokens(&seed, tokens, i);
		want = ref_hash(seed.lo, seed.hi, bytes, i * 4);
		ck_assert_msg(kvtier_key_equal(&got, &want), "%zu tokens", i);
	}
}
END_TEST

START_TEST(test_prompt_keys_chain_and_share_prefixes)
{
	uint32_t a[70], b[70];
	struct drm_kvtier_key ka[8], kb[8], want;
	size_t i;
	int n;

	for (i = 0; i < 70; i++)
		a[i] = b[i] = (uint32_t)i * 31 + 5;
	b[40] ^= 1;	/* block 2 (tokens 32..47) differs */
	n = kvtier_prompt_keys(a, 70, 16, ka, 8);
	ck_assert_int_eq(n, 4);	/* 70 / 16: the partial block has no key */
	ck_assert_int_eq(kvtier_prompt_keys(b, 70, 16, kb, 8), 4);
	for (i = 0; i < 4; i++) {
		want = kvtier_key_chain_tokens(i ? &ka[i - 1] : NULL,
					       a + 16 * i, 16);
		ck_assert(kvtier_key_equal(&ka[i], &want));
	}
	ck_assert(kvtier_key_equal(&ka[0], &kb[0]));
	ck_assert(kvtier_key_equal(&ka[1], &kb[1]));
	/* A difference in block 2 changes every later key. */
	ck_assert(!kvtier_key_equal(&ka[2], &kb[2]));
	ck_assert(!kvtier_key_equal(&ka[3], &kb[3]));
}
END_TEST

START_TEST(test_prompt_keys_limits)
{
	uint32_t t[64] = { 0 };
	struct drm_kvtier_key k[4];

	ck_assert_int_eq(kvtier_prompt_keys(t, 64, 0, k, 4), -EINVAL);
	ck_assert_int_eq(kvtier_prompt_keys(t, 64, 8, k, 2), 2);
	ck_assert_int_eq(kvtier_prompt_keys(t, 7, 8, k, 4), 0);
}
END_TEST

/* ---------------------------------------------------------------------
 * Option parsing
 */

START_TEST(test_parse_size_accepts)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{ "0", 0 },
		{ "4096", 4096 },
		{ "4K", 4096 },
		{ "64k", 65536 },
		{ "2M", 2ull << 20 },
		{ "3g", 3ull << 30 },
		{ "1T", 1ull << 40 },
		{ "16777215T", 16777215ull << 40 },
		{ "18446744073709551615", UINT64_MAX },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 1;
		ck_assert_msg(kvtool_parse_size(ok[i].s, &v) == 0, "%s", ok[i].s);
		ck_assert_msg(v == ok[i].v, "%s", ok[i].s);
	}
}
END_TEST

START_TEST(test_parse_size_rejects)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "K", "1KB", "1.5G", "0x10", "1Q",
		"12k3",
	};
	uint64_t v = 42;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(kvtool_parse_size(bad[i], &v) == -EINVAL, "'%s'",
			      bad[i]);
	ck_assert_int_eq(kvtool_parse_size("18446744073709551616", &v), -ERANGE);
	ck_assert_int_eq(kvtool_parse_size("16777216T", &v), -ERANGE);
	ck_assert_int_eq(kvtool_parse_size("99999999999999999999999", &v),
			 -ERANGE);
	ck_assert_uint_eq(v, 42);	/* untouched on failure */
}
END_TEST

START_TEST(test_parse_u32)
{
	uint32_t v = 0;

	ck_assert_int_eq(kvtool_parse_u32("4294967295", &v), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(kvtool_parse_u32("4294967296", &v), -ERANGE);
	ck_assert_int_eq(kvtool_parse_u32("4K", &v), -EINVAL);
	ck_assert_int_eq(kvtool_parse_u32("", &v), -EINVAL);
}
END_TEST

/* ---------------------------------------------------------------------
 * Event queue
 */

static struct drm_kvtier_event_fetch mk_event(uint32_t id)
{
	struct drm_kvtier_event_fetch ev = {
		.base = { .type = DRM_KVTIER_EVENT_FETCH_DONE,
			  .length = sizeof(ev) },
		.user_data = 1000 + id,
		.fetch_id = id,
		.completed = id % 3,
	};
	return ev;
}

START_TEST(test_evq_fifo)
{
	struct drm_kvtier_event_fetch ev, in;
	struct kvtl_evq q;
	uint32_t i;

	ck_assert_int_eq(kvtl_evq_init(&q, 4), 0);
	ck_assert_int_eq(kvtl_evq_pop(&q, &ev), -ENOENT);
	for (i = 1; i <= 3; i++) {
		in = mk_event(i);
		ck_assert_int_eq(kvtl_evq_push(&q, &in), 0);
	}
	ck_assert_uint_eq(kvtl_evq_len(&q), 3);
	for (i = 1; i <= 3; i++) {
		ck_assert_int_eq(kvtl_evq_pop(&q, &ev), 0);
		ck_assert_uint_eq(ev.fetch_id, i);
		ck_assert_uint_eq(ev.user_data, 1000 + i);
	}
	ck_assert_int_eq(kvtl_evq_pop(&q, &ev), -ENOENT);
	kvtl_evq_destroy(&q);
}
END_TEST

START_TEST(test_evq_grows_while_wrapped)
{
	struct drm_kvtier_event_fetch ev, in;
	struct kvtl_evq q;
	uint32_t i, next = 1, want = 1;

	ck_assert_int_eq(kvtl_evq_init(&q, 4), 0);
	/* Move the head off slot 0 so the ring is wrapped when it grows. */
	for (i = 0; i < 3; i++) {
		in = mk_event(next++);
		kvtl_evq_push(&q, &in);
	}
	for (i = 0; i < 2; i++) {
		kvtl_evq_pop(&q, &ev);
		ck_assert_uint_eq(ev.fetch_id, want++);
	}
	for (i = 0; i < 40; i++) {
		in = mk_event(next++);
		ck_assert_int_eq(kvtl_evq_push(&q, &in), 0);
	}
	ck_assert_uint_eq(kvtl_evq_len(&q), 41);
	while (kvtl_evq_pop(&q, &ev) == 0)
		ck_assert_uint_eq(ev.fetch_id, want++);
	ck_assert_uint_eq(want, next);
	kvtl_evq_destroy(&q);
}
END_TEST

START_TEST(test_evq_take_keeps_order)
{
	struct drm_kvtier_event_fetch ev, in;
	static const uint32_t rest[] = { 1, 2, 4, 6 };
	struct kvtl_evq q;
	uint32_t i;

	/* Zero room: the first push allocates. */
	ck_assert_int_eq(kvtl_evq_init(&q, 0), 0);
	for (i = 1; i <= 6; i++) {
		in = mk_event(i);
		ck_assert_int_eq(kvtl_evq_push(&q, &in), 0);
	}
	ck_assert_int_eq(kvtl_evq_take(&q, 5, &ev), 0);
	ck_assert_uint_eq(ev.fetch_id, 5);
	ck_assert_int_eq(kvtl_evq_take(&q, 3, NULL), 0);
	ck_assert_int_eq(kvtl_evq_take(&q, 3, &ev), -ENOENT);
	ck_assert_int_eq(kvtl_evq_take(&q, 99, &ev), -ENOENT);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(kvtl_evq_pop(&q, &ev), 0);
		ck_assert_uint_eq(ev.fetch_id, rest[i]);
	}
	ck_assert_uint_eq(kvtl_evq_len(&q), 0);
	kvtl_evq_destroy(&q);
}
END_TEST

START_TEST(test_parse_events_skips_others)
{
	unsigned char buf[256];
	struct drm_kvtier_event_fetch a = mk_event(7), b = mk_event(8), ev;
	struct drm_event other = { .type = 0x01, .length = 24 };
	struct kvtl_evq q;
	size_t off = 0;

	memset(buf, 0xee, sizeof(buf));
	memcpy(buf + off, &a, sizeof(a));
	off += sizeof(a);
	memcpy(buf + off, &other, sizeof(other));	/* a vblank-like event */
	off += other.length;
	memcpy(buf + off, &b, sizeof(b));
	off += sizeof(b);
	/* A truncated tail is ignored rather than read past. */
	memcpy(buf + off, &a, 12);
	off += 12;

	kvtl_evq_init(&q, 2);
	ck_assert_int_eq(kvtl_parse_events(&q, buf, off), 2);
	ck_assert_int_eq(kvtl_evq_pop(&q, &ev), 0);
	ck_assert_uint_eq(ev.fetch_id, 7);
	ck_assert_int_eq(kvtl_evq_pop(&q, &ev), 0);
	ck_assert_uint_eq(ev.fetch_id, 8);
	ck_assert_uint_eq(ev.user_data, 1008);
	/* A header claiming less than itself stops the parse. */
	other.length = 4;
	ck_assert_int_eq(kvtl_parse_events(&q, &other, sizeof(other)), 0);
	kvtl_evq_destroy(&q);
}
END_TEST

/* ---- waiting on a pipe that stands in for the DRM fd ---- */

static struct kvtier *pipe_kv;
static int pipe_w;

static void pipe_setup(void)
{
	int fds[2];

	ck_assert_int_eq(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	pipe_w = fds[1];
	ck_assert_int_eq(kvtl_wrap(&pipe_kv, fds[0], NULL, NULL, NULL), 0);
}

static void pipe_teardown(void)
{
	kvtier_close(pipe_kv);
	close(pipe_w);
}

static void pipe_send(const uint32_t *ids, size_t n)
{
	struct drm_kvtier_event_fetch ev[8];
	size_t i;

	ck_assert(n <= 8);
	for (i = 0; i < n; i++)
		ev[i] = mk_event(ids[i]);
	ck_assert_int_eq(write(pipe_w, ev, n * sizeof(ev[0])),
			 (ssize_t)(n * sizeof(ev[0])));
}

START_TEST(test_wait_keeps_other_events)
{
	static const uint32_t ids[] = { 1, 2, 3 };
	struct drm_kvtier_event_fetch ev;

	pipe_send(ids, 3);
	ck_assert_int_eq(kvtier_fetch_wait(pipe_kv, 2, 0, &ev), 0);
	ck_assert_uint_eq(ev.fetch_id, 2);
	ck_assert_uint_eq(ev.user_data, 1002);
	/* 1 and 3 were read with 2: they wait in the handle, in order. */
	ck_assert_int_eq(kvtier_event_next(pipe_kv, 0, &ev), 0);
	ck_assert_uint_eq(ev.fetch_id, 1);
	ck_assert_int_eq(kvtier_fetch_wait(pipe_kv, 3, 0, NULL), 0);
	ck_assert_int_eq(kvtier_event_next(pipe_kv, 0, &ev), -ETIME);
}
END_TEST

static uint64_t elapsed_ms(uint64_t since_ns)
{
	return (kvtier_now_ns() - since_ns) / 1000000;
}

START_TEST(test_wait_times_out_and_keeps)
{
	static const uint32_t ids[] = { 5 };
	struct drm_kvtier_event_fetch ev;
	uint64_t t0;

	pipe_send(ids, 1);
	t0 = kvtier_now_ns();
	ck_assert_int_eq(kvtier_fetch_wait(pipe_kv, 9, 30, &ev), -ETIME);
	ck_assert_uint_ge(elapsed_ms(t0), 30);
	/* The event read while waiting for 9 is not lost. */
	ck_assert_int_eq(kvtier_event_next(pipe_kv, 0, &ev), 0);
	ck_assert_uint_eq(ev.fetch_id, 5);
	t0 = kvtier_now_ns();
	ck_assert_int_eq(kvtier_event_next(pipe_kv, 20, &ev), -ETIME);
	ck_assert_uint_ge(elapsed_ms(t0), 20);
}
END_TEST

static void *late_sender(void *arg)
{
	static const uint32_t ids[] = { 11, 12 };
	struct timespec ts = { 0, 30 * 1000000 };

	nanosleep(&ts, NULL);
	pipe_send(ids, 2);
	return arg;
}

START_TEST(test_wait_wakes_on_arrival)
{
	struct drm_kvtier_event_fetch ev;
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, late_sender, NULL), 0);
	ck_assert_int_eq(kvtier_fetch_wait(pipe_kv, 12, 10000, &ev), 0);
	ck_assert_uint_eq(ev.fetch_id, 12);
	pthread_join(t, NULL);
	ck_assert_int_eq(kvtier_event_next(pipe_kv, KVTIER_WAIT_FOREVER, &ev),
			 0);
	ck_assert_uint_eq(ev.fetch_id, 11);
}
END_TEST

/* ---------------------------------------------------------------------
 * Batches against a fake driver
 *
 * The fake fails an object op whose handle is odd with -ENOENT, refuses
 * the call numbered refuse_call (from 1) with -EFAULT, and records each
 * call's count.
 */

struct fake {
	unsigned int calls;
	unsigned int refuse_call;
	uint32_t counts[64];
	bool lie_failed;	/* report a failure count with no failed item */
	uint32_t alloc_failed_index;
	uint32_t get_fd_gen;	/* the generation REGION_GET_FD was asked */
};

static struct fake fake;
static struct kvtier *fake_kv;

static bool fake_present(const struct drm_kvtier_key *k)
{
	return (k->lo & 1) == 0;
}

static int fake_lookup(struct drm_kvtier_lookup *req)
{
	const struct drm_kvtier_key *keys = (const void *)(uintptr_t)req->keys_ptr;
	struct drm_kvtier_lookup_result *res = (void *)(uintptr_t)req->results_ptr;
	bool run = true;
	uint32_t i;

	req->hits = req->prefix = 0;
	for (i = 0; i < req->count; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		if (!fake_present(&keys[i])) {
			run = false;
			if (req->flags & KVTIER_LOOKUP_STOP_AT_MISS) {
				memset(&res[i], 0,
				       (req->count - i) * sizeof(res[0]));
				break;
			}
			continue;
		}
		res[i].handle = keys[i].lo + 1;
		res[i].flags = KVTIER_LOOKUP_PRESENT;
		req->hits++;
		if (run)
			req->prefix++;
	}
	return 0;
}

static int fake_ioctl(void *ctx, int fd, unsigned long request, void *arg)
{
	struct fake *f = ctx;
	uint32_t i;

	f->calls++;
	if (f->calls == f->refuse_call)
		return -EFAULT;
	switch (request) {
	case DRM_IOCTL_KVTIER_OBJ_BATCH: {
		struct drm_kvtier_obj_batch *req = arg;
		struct drm_kvtier_obj_op *ops = (void *)(uintptr_t)req->items_ptr;

		if (f->calls <= 64)
			f->counts[f->calls - 1] = req->count;
		req->failed = 0;
		for (i = 0; i < req->count; i++) {
			ops[i].result = ops[i].handle & 1 ? -ENOENT : 0;
			req->failed += ops[i].result != 0;
		}
		if (f->lie_failed)
			req->failed++;
		return 0;
	}
	case DRM_IOCTL_KVTIER_LOOKUP:
		if (f->calls <= 64)
			f->counts[f->calls - 1] =
				((struct drm_kvtier_lookup *)arg)->count;
		return fake_lookup(arg);
	case DRM_IOCTL_KVTIER_OBJ_ALLOC: {
		struct drm_kvtier_obj_alloc *req = arg;

		req->failed_index = f->alloc_failed_index;
		return f->alloc_failed_index < req->count ? -EDQUOT : 0;
	}
	case DRM_IOCTL_KVTIER_FETCH: {
		struct drm_kvtier_fetch *req = arg;
		struct drm_kvtier_fetch_item *it = (void *)(uintptr_t)req->items_ptr;

		req->fetch_id = 77;
		req->pending = req->failed = 0;
		for (i = 0; i < req->count; i++) {
			it[i].result = it[i].handle & 1 ? -EACCES :
				       (it[i].handle & 2 ? 1 : 0);
			req->pending += it[i].result == 1;
			req->failed += it[i].result < 0;
		}
		return 0;
	}
	case DRM_IOCTL_KVTIER_WORK_COMPLETE: {
		struct drm_kvtier_work_complete *req = arg;
		struct drm_kvtier_work_done *d = (void *)(uintptr_t)req->items_ptr;

		if (f->calls <= 64)
			f->counts[f->calls - 1] = req->count;
		req->failed = 0;
		for (i = 0; i < req->count; i++) {
			d[i].result = d[i].work_id == 13 ? -ENOENT : 0;
			req->failed += d[i].result != 0;
		}
		return 0;
	}
	case DRM_IOCTL_KVTIER_REGION_GET_FD: {
		struct drm_kvtier_region_get_fd *g = arg;

		f->get_fd_gen = g->gen;
		/* Region 1 is at generation 7 now. */
		if (g->region_id != 1)
			return -ENOENT;
		if (g->gen && g->gen != 7)
			return -ESTALE;
		g->gen = 7;
		g->size = 4096;
		g->kind = KVTIER_REGION_KIND_MEMFD;
		g->fd = 99;
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static void fake_setup_max(uint64_t max_batch)
{
	struct kvtier_params p = { .max_batch = max_batch };
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	memset(&fake, 0, sizeof(fake));
	ck_assert_int_eq(kvtl_wrap(&fake_kv, fd, &p, fake_ioctl, &fake), 0);
}

/* max_batch 4, so that a few items make several chunks. */
static void fake_setup(void)
{
	fake_setup_max(4);
}

static void fake_teardown(void)
{
	kvtier_close(fake_kv);
}

static void ops_init(struct drm_kvtier_obj_op *ops, size_t n,
		     const size_t *bad, size_t nbad)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		ops[i] = (struct drm_kvtier_obj_op){ .handle = 2 * (i + 1),
						     .result = 12345 };
		for (k = 0; k < nbad; k++) {
			if (bad[k] == i)
				ops[i].handle |= 1;
		}
	}
}

START_TEST(test_batch_chunks_clean)
{
	struct drm_kvtier_obj_op ops[10];
	size_t i;

	ops_init(ops, 10, NULL, 0);
	ck_assert_int_eq(kvtier_batch(fake_kv, KVTIER_OP_PIN, ops, 10), 0);
	ck_assert_uint_eq(fake.calls, 3);
	ck_assert_uint_eq(fake.counts[0], 4);
	ck_assert_uint_eq(fake.counts[1], 4);
	ck_assert_uint_eq(fake.counts[2], 2);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(ops[i].result, 0);
	ck_assert_int_eq(kvtier_batch(fake_kv, KVTIER_OP_PIN, ops, 0), 0);
	ck_assert_uint_eq(fake.calls, 3);	/* nothing sent for 0 */
}
END_TEST

START_TEST(test_batch_first_item_error)
{
	static const size_t bad[] = { 6, 7 };
	struct drm_kvtier_obj_op ops[10];
	size_t i, idx;

	ops_init(ops, 10, bad, 2);
	ck_assert_int_eq(kvtier_batch(fake_kv, KVTIER_OP_COMMIT, ops, 10),
			 -ENOENT);
	/* Every chunk still ran and every result is readable. */
	ck_assert_uint_eq(fake.calls, 3);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(ops[i].result, (i == 6 || i == 7) ? -ENOENT : 0);
	ck_assert_int_eq(kvtier_batch_first_error(ops, 10, &idx), -ENOENT);
	ck_assert_uint_eq(idx, 6);
	ck_assert_int_eq(kvtier_batch_first_error(ops, 6, &idx), 0);
	ck_assert_uint_eq(idx, 6);
}
END_TEST

START_TEST(test_batch_refused_chunk)
{
	struct drm_kvtier_obj_op ops[10];
	size_t i;

	ops_init(ops, 10, NULL, 0);
	fake.refuse_call = 2;
	ck_assert_int_eq(kvtier_batch(fake_kv, KVTIER_OP_RELEASE, ops, 10),
			 -EFAULT);
	/* The batch stops; the unsent items carry the refusal. */
	ck_assert_uint_eq(fake.calls, 2);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(ops[i].result, i < 4 ? 0 : -EFAULT);
}
END_TEST

START_TEST(test_batch_item_error_wins_over_later_refusal)
{
	static const size_t bad[] = { 1 };
	struct drm_kvtier_obj_op ops[10];

	ops_init(ops, 10, bad, 1);
	fake.refuse_call = 2;
	ck_assert_int_eq(kvtier_batch(fake_kv, KVTIER_OP_FREE, ops, 10),
			 -ENOENT);
	ck_assert_int_eq(ops[1].result, -ENOENT);
	ck_assert_int_eq(ops[9].result, -EFAULT);
}
END_TEST

START_TEST(test_batch_failed_count_without_item)
{
	struct drm_kvtier_obj_op ops[3];

	ops_init(ops, 3, NULL, 0);
	fake.lie_failed = true;
	ck_assert_int_eq(kvtier_batch(fake_kv, KVTIER_OP_PIN, ops, 3), -EIO);
}
END_TEST

START_TEST(test_handle_helpers)
{
	kvtier_handle_t handles[10];
	int results[10];
	size_t i;

	for (i = 0; i < 10; i++)
		handles[i] = 2 * (i + 1) + (i == 5);
	for (i = 0; i < 10; i++)
		results[i] = 12345;
	ck_assert_int_eq(kvtier_commit(fake_kv, handles, 10, results), -ENOENT);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(results[i], i == 5 ? -ENOENT : 0);
	ck_assert_int_eq(kvtier_release(fake_kv, handles, 5, NULL), 0);

	fake.calls = 0;
	fake.refuse_call = 2;
	ck_assert_int_eq(kvtier_pin(fake_kv, handles, 10, KVTIER_TIER_HOST,
				    results), -EFAULT);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(results[i], i < 4 ? 0 : -EFAULT);
}
END_TEST

START_TEST(test_handle_helpers_chunk_on_stack)
{
	/* Past the stack chunk: 600 handles, a driver taking 4096. */
	static kvtier_handle_t handles[600];
	static int results[600];
	size_t i;

	fake_teardown();
	fake_setup_max(0);	/* unknown: the ABI's KVTIER_MAX_BATCH */
	for (i = 0; i < 600; i++)
		handles[i] = 2 * (i + 1) + (i == 599);
	ck_assert_int_eq(kvtier_free(fake_kv, handles, 600, results), -ENOENT);
	ck_assert_uint_eq(fake.calls, 3);
	ck_assert_uint_eq(fake.counts[0], KVTL_STACK_OPS);
	ck_assert_uint_eq(fake.counts[2], 600 - 2 * KVTL_STACK_OPS);
	ck_assert_int_eq(results[598], 0);
	ck_assert_int_eq(results[599], -ENOENT);
}
END_TEST

static void lookup_keys(struct drm_kvtier_key *k, size_t n, size_t miss)
{
	size_t i;

	for (i = 0; i < n; i++)
		k[i] = (struct drm_kvtier_key){ .lo = 2 * i + (i == miss),
						.hi = i };
}

START_TEST(test_lookup_across_chunks)
{
	struct drm_kvtier_key keys[10];
	struct drm_kvtier_lookup_result res[10];
	uint32_t prefix = 99;

	lookup_keys(keys, 10, 99);
	ck_assert_int_eq(kvtier_lookup(fake_kv, keys, res, 10, 0, &prefix), 10);
	ck_assert_uint_eq(prefix, 10);
	ck_assert_uint_eq(fake.calls, 3);

	/* A miss in the second chunk: the prefix ends there, hits go on. */
	lookup_keys(keys, 10, 5);
	ck_assert_int_eq(kvtier_lookup(fake_kv, keys, res, 10, 0, &prefix), 9);
	ck_assert_uint_eq(prefix, 5);
	ck_assert_uint_eq(res[5].handle, 0);
	ck_assert_uint_eq(res[9].handle, keys[9].lo + 1);
}
END_TEST

START_TEST(test_lookup_stop_at_miss)
{
	struct drm_kvtier_key keys[10];
	struct drm_kvtier_lookup_result res[10];
	uint32_t prefix;
	size_t i;

	lookup_keys(keys, 10, 5);
	memset(res, 0xff, sizeof(res));
	ck_assert_int_eq(kvtier_lookup(fake_kv, keys, res, 10,
				       KVTIER_LOOKUP_STOP_AT_MISS, &prefix), 5);
	ck_assert_uint_eq(prefix, 5);
	/* The third chunk is never sent; its results read as misses. */
	ck_assert_uint_eq(fake.calls, 2);
	for (i = 5; i < 10; i++)
		ck_assert_uint_eq(res[i].handle, 0);
	ck_assert_uint_eq(res[4].handle, keys[4].lo + 1);
}
END_TEST

START_TEST(test_lookup_refused)
{
	struct drm_kvtier_key keys[10];
	struct drm_kvtier_lookup_result res[10];
	uint32_t prefix;

	lookup_keys(keys, 10, 99);
	fake.refuse_call = 3;
	ck_assert_int_eq(kvtier_lookup(fake_kv, keys, res, 10, 0, &prefix),
			 -EFAULT);
	/* What the accepted chunks found is still reported. */
	ck_assert_uint_eq(prefix, 8);
}
END_TEST

START_TEST(test_alloc_limits_and_failed_index)
{
	struct drm_kvtier_alloc_item items[5] = { 0 };
	uint32_t idx = 0;

	ck_assert_int_eq(kvtier_alloc(fake_kv, 1, 0, items, 0, &idx), -EINVAL);
	ck_assert_uint_eq(idx, KVTIER_NO_INDEX);
	idx = 0;
	ck_assert_int_eq(kvtier_alloc(fake_kv, 1, 0, items, 5, &idx), -EINVAL);
	ck_assert_uint_eq(idx, KVTIER_NO_INDEX);
	ck_assert_uint_eq(fake.calls, 0);	/* not split, not sent */
	fake.alloc_failed_index = 2;
	ck_assert_int_eq(kvtier_alloc(fake_kv, 1, 0, items, 4, &idx), -EDQUOT);
	ck_assert_uint_eq(idx, 2);
	fake.alloc_failed_index = 4;
	ck_assert_int_eq(kvtier_alloc(fake_kv, 1, 0, items, 4, &idx), 0);
	ck_assert_uint_eq(idx, 4);
}
END_TEST

START_TEST(test_fetch_ticket)
{
	struct drm_kvtier_fetch_item it[4] = {
		{ .handle = 4 }, { .handle = 2 }, { .handle = 5 }, { .handle = 6 },
	};
	struct kvtier_fetch_ticket t;

	/* Resident, queued, refused, queued. */
	ck_assert_int_eq(kvtier_fetch(fake_kv, it, 4, 0, &t), -EACCES);
	ck_assert_uint_eq(t.fetch_id, 77);
	ck_assert_uint_eq(t.pending, 2);
	ck_assert_uint_eq(t.failed, 1);
	ck_assert_int_eq(it[0].result, 0);
	ck_assert_int_eq(it[1].result, 1);

	/* A refused request leaves a zero ticket: nothing to wait for. */
	fake.refuse_call = fake.calls + 1;
	ck_assert_int_eq(kvtier_fetch(fake_kv, it, 4, 0, &t), -EFAULT);
	ck_assert_uint_eq(t.pending, 0);
	ck_assert_uint_eq(t.fetch_id, 0);
	ck_assert_int_eq(kvtier_fetch(fake_kv, it, 0, 0, &t), -EINVAL);
	ck_assert_int_eq(kvtier_fetch(fake_kv, it, 5, 0, &t), -EINVAL);
}
END_TEST

START_TEST(test_work_complete_chunks)
{
	struct drm_kvtier_work_done d[9];
	size_t i;

	for (i = 0; i < 9; i++)
		d[i] = (struct drm_kvtier_work_done){ .work_id = 10 + i,
						      .result = 1 };
	ck_assert_int_eq(kvtier_work_complete(fake_kv, d, 9), -ENOENT);
	ck_assert_uint_eq(fake.calls, 3);
	for (i = 0; i < 9; i++)
		ck_assert_int_eq(d[i].result, d[i].work_id == 13 ? -ENOENT : 0);
}
END_TEST

/*
 * A chunk refused as a whole is not an answer for its items: the manager
 * must learn where the driver stopped taking them, to send them again.
 */
START_TEST(test_work_complete_taken)
{
	struct drm_kvtier_work_done d[9];
	size_t i, taken = 12345;

	for (i = 0; i < 9; i++)
		d[i] = (struct drm_kvtier_work_done){ .work_id = 10 + i };
	ck_assert_int_eq(kvtier_work_complete_taken(fake_kv, d, 9, &taken),
			 -ENOENT);
	ck_assert_uint_eq(taken, 9);
	/* The second chunk (items 4..7) is refused: the batch stops. */
	fake.calls = 0;
	fake.refuse_call = 2;
	for (i = 0; i < 9; i++)
		d[i] = (struct drm_kvtier_work_done){ .work_id = 20 + i };
	ck_assert_int_eq(kvtier_work_complete_taken(fake_kv, d, 9, &taken),
			 -EFAULT);
	ck_assert_uint_eq(taken, 4);
	ck_assert_uint_eq(fake.calls, 2);
	for (i = 0; i < 9; i++)
		ck_assert_int_eq(d[i].result, i < 4 ? 0 : -EFAULT);
	/* The first chunk refused: nothing taken. */
	fake.calls = 0;
	fake.refuse_call = 1;
	ck_assert_int_eq(kvtier_work_complete_taken(fake_kv, d, 3, &taken),
			 -EFAULT);
	ck_assert_uint_eq(taken, 0);
}
END_TEST

START_TEST(test_region_get_fd_gen)
{
	struct drm_kvtier_region_get_fd g;

	ck_assert_int_eq(kvtier_region_get_fd_gen(fake_kv, 1, 7, &g), 0);
	ck_assert_uint_eq(fake.get_fd_gen, 7);
	ck_assert_uint_eq(g.gen, 7);
	ck_assert_int_eq(g.fd, 99);
	/* Another generation holds the id: no descriptor comes back. */
	ck_assert_int_eq(kvtier_region_get_fd_gen(fake_kv, 1, 3, &g), -ESTALE);
	ck_assert_uint_eq(fake.get_fd_gen, 3);
	ck_assert_int_eq(g.fd, -1);
	/* The old call asks for whichever region holds the id. */
	ck_assert_int_eq(kvtier_region_get_fd(fake_kv, 1, &g), 0);
	ck_assert_uint_eq(fake.get_fd_gen, 0);
	ck_assert_uint_eq(g.gen, 7);
	ck_assert_int_eq(kvtier_region_get_fd_gen(fake_kv, 2, 1, &g), -ENOENT);
	ck_assert_int_eq(g.fd, -1);
}
END_TEST

/* ---------------------------------------------------------------------
 * JSON writer
 */

static char *json_buf;
static size_t json_len;
static FILE *json_f;
static struct kvtool_json json;

static void json_setup(void)
{
	json_f = open_memstream(&json_buf, &json_len);
	ck_assert_ptr_nonnull(json_f);
	kvtool_json_init(&json, json_f);
}

static void json_teardown(void)
{
	fclose(json_f);
	free(json_buf);
}

static const char *json_text(void)
{
	fflush(json_f);
	return json_buf;
}

START_TEST(test_json_escapes)
{
	kvtool_json_write_string(json_f, "a\"b\\c\nd\te\x01\x1f\r\b\f/\x7f\xc3\xa9");
	ck_assert_str_eq(json_text(),
			 "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f\\r\\b\\f/\x7f\xc3\xa9\"");
}
END_TEST

START_TEST(test_json_structure)
{
	kvtool_json_object_begin(&json, NULL);
	kvtool_json_str(&json, "name", "x\"y");
	kvtool_json_u64(&json, "big", UINT64_MAX);
	kvtool_json_i64(&json, "neg", -5);
	kvtool_json_double(&json, "half", 0.5);
	kvtool_json_double(&json, "nan", NAN);
	kvtool_json_bool(&json, "t", true);
	kvtool_json_null(&json, "n");
	kvtool_json_str(&json, "s", NULL);
	kvtool_json_array_begin(&json, "list");
	kvtool_json_u64(&json, NULL, 1);
	kvtool_json_object_begin(&json, NULL);
	kvtool_json_object_end(&json);
	kvtool_json_array_begin(&json, NULL);
	kvtool_json_array_end(&json);
	kvtool_json_array_end(&json);
	kvtool_json_object_end(&json);
	ck_assert_int_eq(kvtool_json_finish(&json), 0);
	ck_assert_str_eq(json_text(),
			 "{\"name\":\"x\\\"y\",\"big\":18446744073709551615,"
			 "\"neg\":-5,\"half\":0.5,\"nan\":null,\"t\":true,"
			 "\"n\":null,\"s\":null,\"list\":[1,{},[]]}\n");
}
END_TEST

START_TEST(test_json_lines)
{
	int i;

	for (i = 0; i < 2; i++) {
		kvtool_json_object_begin(&json, NULL);
		kvtool_json_i64(&json, "i", i);
		kvtool_json_object_end(&json);
		ck_assert_int_eq(kvtool_json_finish(&json), 0);
	}
	ck_assert_str_eq(json_text(), "{\"i\":0}\n{\"i\":1}\n");
}
END_TEST

START_TEST(test_json_misuse)
{
	/* A key inside an array. */
	kvtool_json_array_begin(&json, NULL);
	kvtool_json_u64(&json, "k", 1);
	kvtool_json_array_end(&json);
	ck_assert_int_eq(kvtool_json_finish(&json), -EINVAL);
	/* No key inside an object. */
	kvtool_json_object_begin(&json, NULL);
	kvtool_json_u64(&json, NULL, 1);
	kvtool_json_object_end(&json);
	ck_assert_int_eq(kvtool_json_finish(&json), -EINVAL);
	/* Left open; then closed the wrong way. */
	kvtool_json_object_begin(&json, NULL);
	ck_assert_int_eq(kvtool_json_finish(&json), -EINVAL);
	kvtool_json_object_begin(&json, NULL);
	kvtool_json_array_end(&json);
	ck_assert_int_eq(kvtool_json_finish(&json), -EINVAL);
	/* Two outermost values before a finish. */
	kvtool_json_u64(&json, NULL, 1);
	kvtool_json_u64(&json, NULL, 2);
	ck_assert_int_eq(kvtool_json_finish(&json), -EINVAL);
}
END_TEST

START_TEST(test_json_depth_limit)
{
	int i;

	for (i = 0; i < KVTOOL_JSON_DEPTH + 2; i++)
		kvtool_json_array_begin(&json, NULL);
	ck_assert_int_eq(kvtool_json_finish(&json), -EINVAL);
}
END_TEST

/* ---------------------------------------------------------------------
 * Names
 */

START_TEST(test_names_round_trip)
{
	int k;

	for (k = 0; k < KVTIER_KIND_COUNT; k++)
		ck_assert_int_eq(kvtier_kind_parse(kvtier_kind_name(k)), k);
	ck_assert_int_eq(kvtier_kind_parse("KV"), -EINVAL);
	ck_assert_str_eq(kvtier_kind_name(KVTIER_KIND_COUNT), "unknown");
	ck_assert_str_eq(kvtier_state_name(KVTIER_STATE_READY), "ready");
	ck_assert_str_eq(kvtier_tier_name(KVTIER_TIER_DISK), "disk");
	ck_assert_str_eq(kvtier_tier_name(99), "unknown");
}
END_TEST

Suite *libkvtier_suite(void)
{
	Suite *s = suite_create("libkvtier");
	TCase *tc;

	tc = tcase_create("key_hash");
	tcase_add_test(tc, test_fmix_is_splitmix64);
	tcase_add_test(tc, test_key_empty_vector);
	tcase_add_test(tc, test_key_matches_reference);
	tcase_add_test(tc, test_key_deterministic_and_sensitive);
	tcase_add_test(tc, test_key_length_counts);
	tcase_add_test(tc, test_key_chain_depends_on_prefix);
	tcase_add_test(tc, test_key_tokens_are_little_endian);
	tcase_add_test(tc, test_prompt_keys_chain_and_share_prefixes);
	tcase_add_test(tc, test_prompt_keys_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_size_accepts);
	tcase_add_test(tc, test_parse_size_rejects);
	tcase_add_test(tc, test_parse_u32);
	suite_add_tcase(s, tc);

	tc = tcase_create("event_queue");
	tcase_add_test(tc, test_evq_fifo);
	tcase_add_test(tc, test_evq_grows_while_wrapped);
	tcase_add_test(tc, test_evq_take_keeps_order);
	tcase_add_test(tc, test_parse_events_skips_others);
	suite_add_tcase(s, tc);

	tc = tcase_create("event_wait");
	tcase_add_checked_fixture(tc, pipe_setup, pipe_teardown);
	tcase_add_test(tc, test_wait_keeps_other_events);
	tcase_add_test(tc, test_wait_times_out_and_keeps);
	tcase_add_test(tc, test_wait_wakes_on_arrival);
	suite_add_tcase(s, tc);

	tc = tcase_create("batch");
	tcase_add_checked_fixture(tc, fake_setup, fake_teardown);
	tcase_add_test(tc, test_batch_chunks_clean);
	tcase_add_test(tc, test_batch_first_item_error);
	tcase_add_test(tc, test_batch_refused_chunk);
	tcase_add_test(tc, test_batch_item_error_wins_over_later_refusal);
	tcase_add_test(tc, test_batch_failed_count_without_item);
	tcase_add_test(tc, test_handle_helpers);
	tcase_add_test(tc, test_handle_helpers_chunk_on_stack);
	tcase_add_test(tc, test_lookup_across_chunks);
	tcase_add_test(tc, test_lookup_stop_at_miss);
	tcase_add_test(tc, test_lookup_refused);
	tcase_add_test(tc, test_alloc_limits_and_failed_index);
	tcase_add_test(tc, test_fetch_ticket);
	tcase_add_test(tc, test_work_complete_chunks);
	tcase_add_test(tc, test_work_complete_taken);
	tcase_add_test(tc, test_region_get_fd_gen);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_checked_fixture(tc, json_setup, json_teardown);
	tcase_add_test(tc, test_json_escapes);
	tcase_add_test(tc, test_json_structure);
	tcase_add_test(tc, test_json_lines);
	tcase_add_test(tc, test_json_misuse);
	tcase_add_test(tc, test_json_depth_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_names_round_trip);
	suite_add_tcase(s, tc);

	return s;
}

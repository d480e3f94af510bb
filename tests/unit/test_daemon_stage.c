// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/tier/stage.c: the staging buffers of disk reads into
 * GPU memory, against a fake tier that records what it was asked to
 * register. Buffers are aligned for O_DIRECT, reused without allocating
 * or registering again, grown when a larger object comes, limited in
 * number (-EAGAIN until one is put back), and all unregistered at the end.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "kvtd_stage.h"
#include "kvtd_work.h"

struct fake_tier {
	struct kvtd_mem_tier tier;
	unsigned int registered;
	unsigned int unregistered;
	unsigned int live;
	int fail;
};

static struct fake_tier ft;
static struct kvtd_stage st;

static int fake_register(struct kvtd_mem_tier *t, void *addr, size_t len)
{
	struct fake_tier *f = (struct fake_tier *)t;

	ck_assert_uint_eq((uintptr_t)addr % KVTD_IO_ALIGN, 0);
	if (f->fail)
		return f->fail;
	f->registered++;
	f->live++;
	return 0;
}

static void fake_unregister(struct kvtd_mem_tier *t, void *addr)
{
	struct fake_tier *f = (struct fake_tier *)t;

	ck_assert_uint_gt(f->live, 0);
	f->unregistered++;
	f->live--;
}

static const struct kvtd_mem_tier_ops fake_ops = {
	.name = "fake-device",
	.host_register = fake_register,
	.host_unregister = fake_unregister,
};

static void setup(void)
{
	memset(&ft, 0, sizeof(ft));
	ft.tier.ops = &fake_ops;
	kvtd_stage_init(&st, &ft.tier);
}

static void teardown(void)
{
	kvtd_stage_fini(&st);
	/* Every registration undone, failed ones never. */
	ck_assert_uint_eq(ft.live, 0);
	ck_assert_uint_eq(ft.registered, ft.unregistered);
}

START_TEST(test_get_put_reuse)
{
	struct kvtd_stage_buf *b, *again;

	/* Nothing allocated before the first staged read. */
	ck_assert_uint_eq(st.allocs, 0);
	ck_assert_int_eq(kvtd_stage_get(&st, 8192, &b), 0);
	ck_assert_ptr_nonnull(b->addr);
	ck_assert_uint_eq((uintptr_t)b->addr % KVTD_IO_ALIGN, 0);
	ck_assert_uint_ge(b->size, 8192);
	ck_assert(b->registered);
	/* The whole rounded read fits (ASan checks the bounds). */
	memset(b->addr, 0x5a, 8192);
	ck_assert_uint_eq(st.nr_busy, 1);
	kvtd_stage_put(&st, b);
	ck_assert_uint_eq(st.nr_busy, 0);
	/* Steady state: the same memory again, nothing new pinned. */
	ck_assert_int_eq(kvtd_stage_get(&st, 4096, &again), 0);
	ck_assert_ptr_eq(again, b);
	ck_assert_uint_eq(st.allocs, 1);
	ck_assert_uint_eq(ft.registered, 1);
	kvtd_stage_put(&st, again);
	/* Putting back twice, or NULL, changes nothing. */
	kvtd_stage_put(&st, again);
	kvtd_stage_put(&st, NULL);
	ck_assert_uint_eq(st.nr_busy, 0);
}
END_TEST

START_TEST(test_all_busy)
{
	struct kvtd_stage_buf *b[KVTD_STAGE_BUFS], *x;
	unsigned int i;

	for (i = 0; i < KVTD_STAGE_BUFS; i++) {
		ck_assert_int_eq(kvtd_stage_get(&st, 4096, &b[i]), 0);
		ck_assert(i == 0 || b[i]->addr != b[i - 1]->addr);
	}
	/* The read waits in the backlog: nothing is allocated for it. */
	ck_assert_int_eq(kvtd_stage_get(&st, 4096, &x), -EAGAIN);
	ck_assert_uint_eq(st.allocs, KVTD_STAGE_BUFS);
	kvtd_stage_put(&st, b[3]);
	ck_assert_int_eq(kvtd_stage_get(&st, 4096, &x), 0);
	ck_assert_ptr_eq(x, b[3]);
	for (i = 0; i < KVTD_STAGE_BUFS; i++)
		kvtd_stage_put(&st, b[i]);
	ck_assert_uint_eq(st.nr_busy, 0);
}
END_TEST

START_TEST(test_grow_and_fit)
{
	struct kvtd_stage_buf *small, *big, *b;
	size_t big_size;

	ck_assert_int_eq(kvtd_stage_get(&st, 4096, &small), 0);
	ck_assert_int_eq(kvtd_stage_get(&st, 4096, &big), 0);
	kvtd_stage_put(&st, big);
	/* Larger than any buffer: a free one is grown, re-registered. */
	ck_assert_int_eq(kvtd_stage_get(&st, 3 << 20, &b), 0);
	ck_assert_ptr_eq(b, big);
	ck_assert_uint_ge(b->size, 3 << 20);
	memset(b->addr, 1, 3 << 20);
	ck_assert_uint_eq(ft.unregistered, 1);
	ck_assert_uint_eq(ft.registered, 3);
	big_size = b->size;
	kvtd_stage_put(&st, b);
	kvtd_stage_put(&st, small);
	/* The smallest buffer that fits: the large one stays free. */
	ck_assert_int_eq(kvtd_stage_get(&st, 4096, &b), 0);
	ck_assert_ptr_eq(b, small);
	ck_assert_int_eq(kvtd_stage_get(&st, 2 << 20, &b), 0);
	ck_assert_ptr_eq(b, big);
	ck_assert_uint_eq(b->size, big_size);
	ck_assert_uint_eq(st.allocs, 3);
}
END_TEST

START_TEST(test_bad_len)
{
	struct kvtd_stage_buf *b;

	ck_assert_int_eq(kvtd_stage_get(&st, 0, &b), -EINVAL);
	ck_assert_int_eq(kvtd_stage_get(&st, UINT64_MAX, &b), -EINVAL);
	ck_assert_uint_eq(st.nr_busy, 0);
	ck_assert_uint_eq(st.allocs, 0);
}
END_TEST

START_TEST(test_register_refused)
{
	struct kvtd_stage_buf *b;

	/* Unpinned is slower, not wrong: the buffer is still handed out. */
	ft.fail = -ENOMEM;
	ck_assert_int_eq(kvtd_stage_get(&st, 4096, &b), 0);
	ck_assert(!b->registered);
	kvtd_stage_put(&st, b);
	ck_assert_uint_eq(ft.registered, 0);
}
END_TEST

START_TEST(test_no_register_op)
{
	static const struct kvtd_mem_tier_ops bare_ops = { .name = "bare" };
	struct kvtd_mem_tier bare = { .ops = &bare_ops };
	struct kvtd_stage s;
	struct kvtd_stage_buf *b;

	kvtd_stage_init(&s, &bare);
	ck_assert_int_eq(kvtd_stage_get(&s, 4096, &b), 0);
	ck_assert(!b->registered);
	kvtd_stage_fini(&s);
	/* And with no tier at all. */
	kvtd_stage_init(&s, NULL);
	ck_assert_int_eq(kvtd_stage_get(&s, 4096, &b), 0);
	kvtd_stage_fini(&s);
}
END_TEST

Suite *daemon_stage_suite(void)
{
	Suite *s = suite_create("daemon_stage");
	TCase *tc;

	tc = tcase_create("buffers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_get_put_reuse);
	tcase_add_test(tc, test_all_busy);
	tcase_add_test(tc, test_grow_and_fit);
	tcase_add_test(tc, test_bad_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("registration");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_register_refused);
	tcase_add_test(tc, test_no_register_op);
	suite_add_tcase(s, tc);
	return s;
}

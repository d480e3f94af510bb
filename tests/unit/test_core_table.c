// SPDX-License-Identifier: GPL-2.0
/* kmod/core/kvt_table.c: handles, generations, table capacity. */
#include "test_core_env.h"
#include "test_suites.h"

START_TEST(handle_names_index_and_generation)
{
	uint64_t h1 = tput(A1, 1), h2 = tput(A1, 2);

	ck_assert_uint_ne(h1, 0);
	ck_assert_uint_ne(KVT_HANDLE_IDX(h1), KVT_HANDLE_IDX(h2));
	ck_assert_uint_ne(KVT_HANDLE_GEN(h1), 0);
	ck_assert_uint_le(KVT_HANDLE_GEN(h1), KVT_GEN_MASK);
}
END_TEST

START_TEST(stale_handle_is_enoent)
{
	uint64_t h = tput(A1, 1), h2;

	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), 0);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), 0);
	/* The entry is reused at once (LIFO) with a new generation. */
	h2 = tput(A1, 2);
	ck_assert_uint_eq(KVT_HANDLE_IDX(h2), KVT_HANDLE_IDX(h));
	ck_assert_uint_ne(h2, h);
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h, KVTIER_TIER_HOST), -ENOENT);
	ck_assert_int_eq(top(A1, KVTIER_OP_UNPIN, h, KVTIER_TIER_HOST), -ENOENT);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h, 0), -ENOENT);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h, 0), -ENOENT);
	ck_assert_int_eq(top(A1, KVTIER_OP_COMMIT, h, 0), -ENOENT);
	ck_assert_int_eq(tfetch(A1, h, KVTIER_TIER_HOST, 0, 0, NULL), -ENOENT);
	/* And the new handle works. */
	ck_assert_int_eq(top(A1, KVTIER_OP_PIN, h2, KVTIER_TIER_HOST), 0);
}
END_TEST

START_TEST(malformed_handles_are_enoent)
{
	uint64_t h = tput(A1, 1);
	uint64_t bad[] = {
		0,
		h & 0xffffffffull,			/* generation 0 */
		h | (1ull << 63),			/* generation too big */
		KVT_HANDLE(4095, 1),			/* never allocated */
		KVT_HANDLE(4096, 1),			/* past the table */
		KVT_HANDLE(0xffffffffu, 1),
		h + (1ull << 32),			/* wrong generation */
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(top(A1, KVTIER_OP_PIN, bad[i],
				     KVTIER_TIER_HOST), -ENOENT);
		ck_assert_int_eq(top(A1, KVTIER_OP_FREE, bad[i], 0), -ENOENT);
	}
}
END_TEST

START_TEST(full_table_refuses_then_reuses)
{
	uint64_t h[4], extra;
	unsigned int i;

	for (i = 0; i < 4; i++)
		h[i] = tput(A1, i + 1);
	ck_assert_int_eq(talloc(A1, 100, SLOT, &extra), -ENOSPC);
	ck_assert_uint_eq(tpool_used(), 4);
	ck_assert_int_eq(top(A1, KVTIER_OP_FREE, h[2], 0), 0);
	/* Still referenced: the entry stays taken. */
	ck_assert_int_eq(talloc(A1, 100, SLOT, &extra), -ENOSPC);
	ck_assert_int_eq(top(A1, KVTIER_OP_RELEASE, h[2], 0), 0);
	ck_assert_int_eq(talloc(A1, 100, SLOT, &extra), 0);
	ck_assert_uint_eq(KVT_HANDLE_IDX(extra), KVT_HANDLE_IDX(h[2]));
}
END_TEST

static void small_table_setup(void)
{
	tcore_setup_sized(4, 8, SLOTS);
}

START_TEST(full_table_batch_names_item)
{
	struct drm_kvtier_alloc_item it[6];
	uint32_t fi, i;

	memset(it, 0, sizeof(it));
	for (i = 0; i < 6; i++) {
		it[i].key = tkey(i + 1);
		it[i].size = SLOT;
	}
	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, 6, &fi), -ENOSPC);
	ck_assert_uint_eq(fi, 4);
	ck_assert_uint_eq(tpool_used(), 0);
	ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, 4, &fi), 0);
}
END_TEST

/* Chunks come on demand: a table far bigger than its first chunk. */
START_TEST(table_grows_across_chunks)
{
	struct drm_kvtier_alloc_item *it;
	uint32_t n = KVT_CHUNK_SIZE + 100, i, fi, done = 0, batch;

	it = calloc(KVTIER_MAX_BATCH, sizeof(*it));
	while (done < n) {
		batch = n - done < KVTIER_MAX_BATCH ? n - done :
			KVTIER_MAX_BATCH;
		for (i = 0; i < batch; i++) {
			memset(&it[i], 0, sizeof(it[i]));
			it[i].key = tkey(done + i + 1);
			it[i].size = 1;
		}
		ck_assert_int_eq(kvt_obj_alloc(A1, POOL, 0, it, batch, &fi), 0);
		done += batch;
	}
	ck_assert_uint_eq(KVT_HANDLE_IDX(it[batch - 1].handle), n - 1);
	ck_assert_uint_eq(tstats().by_state[KVTIER_STATE_WRITING], n);
	free(it);
}
END_TEST

static void big_setup(void)
{
	tcore_setup_sized(KVT_CHUNK_SIZE * 2, 8, KVT_CHUNK_SIZE * 2);
}

Suite *core_table_suite(void)
{
	Suite *s = suite_create("core_table");
	TCase *tc;

	tc = tcase_create("handles");
	tcase_add_checked_fixture(tc, tcore_setup, tcore_teardown);
	tcase_add_test(tc, handle_names_index_and_generation);
	tcase_add_test(tc, stale_handle_is_enoent);
	tcase_add_test(tc, malformed_handles_are_enoent);
	suite_add_tcase(s, tc);

	tc = tcase_create("capacity");
	tcase_add_checked_fixture(tc, small_table_setup, tcore_teardown);
	tcase_add_test(tc, full_table_refuses_then_reuses);
	tcase_add_test(tc, full_table_batch_names_item);
	suite_add_tcase(s, tc);

	tc = tcase_create("growth");
	tcase_add_checked_fixture(tc, big_setup, tcore_teardown);
	tcase_add_test(tc, table_grows_across_chunks);
	suite_add_tcase(s, tc);
	return s;
}

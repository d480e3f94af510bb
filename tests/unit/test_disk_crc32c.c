// SPDX-License-Identifier: GPL-2.0
/*
 * crc32c.c: the standard check value, the iSCSI vectors of RFC 3720
 * (appendix B.4), and the three implementations against each other on
 * fresh random input at every length and alignment that matters.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"

typedef uint32_t (*crc_fn)(uint32_t crc, const void *buf, size_t len);

static const crc_fn impls[] = {
	kvtd_crc32c, kvtd_crc32c_sb8, kvtd_crc32c_bytewise,
};

#define NR_IMPLS (sizeof(impls) / sizeof(impls[0]))

START_TEST(test_check_value)
{
	ck_assert_uint_eq(impls[_i](0, "123456789", 9), 0xE3069283u);
}
END_TEST

START_TEST(test_empty)
{
	ck_assert_uint_eq(impls[_i](0, "", 0), 0);
	ck_assert_uint_eq(impls[_i](0x12345678u, "x", 0), 0x12345678u);
}
END_TEST

START_TEST(test_rfc3720)
{
	unsigned char buf[32];
	int i;

	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(impls[_i](0, buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, sizeof(buf));
	ck_assert_uint_eq(impls[_i](0, buf, 32), 0x62A8AB43u);
	for (i = 0; i < 32; i++)
		buf[i] = i;
	ck_assert_uint_eq(impls[_i](0, buf, 32), 0x46DD794Eu);
	for (i = 0; i < 32; i++)
		buf[i] = 31 - i;
	ck_assert_uint_eq(impls[_i](0, buf, 32), 0x113FDB5Cu);
}
END_TEST

START_TEST(test_impls_agree)
{
	size_t n = 8192 + 64, len, off;
	unsigned char *buf = malloc(n);
	uint32_t ref;
	size_t i;

	ck_assert_ptr_nonnull(buf);
	srandom(_i + 1);
	for (i = 0; i < n; i++)
		buf[i] = random();
	for (off = 0; off < 9; off++) {
		for (len = 0; len < 80; len++) {
			ref = kvtd_crc32c_bytewise(0, buf + off, len);
			ck_assert_uint_eq(kvtd_crc32c(0, buf + off, len), ref);
			ck_assert_uint_eq(kvtd_crc32c_sb8(0, buf + off, len), ref);
		}
		ref = kvtd_crc32c_bytewise(0, buf + off, 8192);
		ck_assert_uint_eq(kvtd_crc32c(0, buf + off, 8192), ref);
		ck_assert_uint_eq(kvtd_crc32c_sb8(0, buf + off, 8192), ref);
	}
	free(buf);
}
END_TEST

/*
 * Lengths that take each path of the interleaved hardware version: three
 * 8 KiB streams, three 256-byte streams, words, bytes, and mixes of all.
 */
START_TEST(test_long_paths)
{
	static const size_t lens[] = {
		3 * 8192, 3 * 8192 - 8, 3 * 8192 + 3 * 256, 3 * 256,
		3 * 256 + 7, 6 * 8192 + 3 * 256 + 13, 2 * 1024 * 1024,
		2 * 1024 * 1024 + 4096 - 1,
	};
	size_t n = 2 * 1024 * 1024 + 4096 + 8, i, k;
	unsigned char *buf = malloc(n);

	ck_assert_ptr_nonnull(buf);
	srandom(99);
	for (i = 0; i < n; i++)
		buf[i] = random();
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
		for (i = 0; i < 3; i++)
			ck_assert_uint_eq(kvtd_crc32c(0, buf + i, lens[k]),
					  kvtd_crc32c_sb8(0, buf + i, lens[k]));
	ck_assert_uint_eq(kvtd_crc32c_sb8(0, buf, 3 * 8192 + 5),
			  kvtd_crc32c_bytewise(0, buf, 3 * 8192 + 5));
	free(buf);
}
END_TEST

START_TEST(test_chaining)
{
	unsigned char buf[1000];
	size_t i, cut;
	uint32_t whole;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = i * 37 + 11;
	whole = kvtd_crc32c_bytewise(0, buf, sizeof(buf));
	for (cut = 0; cut <= sizeof(buf); cut += 37)
		ck_assert_uint_eq(impls[_i](impls[_i](0, buf, cut), buf + cut,
					    sizeof(buf) - cut), whole);
}
END_TEST

START_TEST(test_detects_one_bit)
{
	unsigned char buf[4096] = { 0 };
	uint32_t clean = kvtd_crc32c(0, buf, sizeof(buf));

	buf[2049] ^= 0x10;
	ck_assert_uint_ne(kvtd_crc32c(0, buf, sizeof(buf)), clean);
}
END_TEST

START_TEST(test_impl_name)
{
	const char *name = kvtd_crc32c_impl();

	ck_assert(!strcmp(name, "sse4.2") || !strcmp(name, "slice-by-8"));
}
END_TEST

Suite *disk_crc32c_suite(void)
{
	Suite *s = suite_create("disk_crc32c");
	TCase *tc = tcase_create("vectors");

	tcase_add_loop_test(tc, test_check_value, 0, NR_IMPLS);
	tcase_add_loop_test(tc, test_empty, 0, NR_IMPLS);
	tcase_add_loop_test(tc, test_rfc3720, 0, NR_IMPLS);
	suite_add_tcase(s, tc);
	tc = tcase_create("consistency");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_impls_agree, 0, 4);
	tcase_add_loop_test(tc, test_chaining, 0, NR_IMPLS);
	tcase_add_test(tc, test_long_paths);
	tcase_add_test(tc, test_detects_one_bit);
	tcase_add_test(tc, test_impl_name);
	suite_add_tcase(s, tc);
	return s;
}

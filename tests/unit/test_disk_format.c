// SPDX-License-Identifier: GPL-2.0
/*
 * format.c: superblocks and extent headers survive encode and decode, and
 * every kind of damage is told apart: not ours (-ENOENT), a failed
 * checksum (-EBADMSG), another version (-EPROTO), fields that cannot be
 * right (-EUCLEAN). Damage that keeps the checksum valid is made by
 * recomputing it, as a buggy or hostile writer would.
 */
#include <check.h>
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "crc32c.h"
#include "format.h"

static _Alignas(4096) unsigned char block[KVTD_DISK_BLOCK];

static const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
				  9, 10, 11, 12, 13, 14, 15, 16 };

static const struct kvtd_disk_ext ext0 = {
	.key = { .lo = 0x1111222233334444ull, .hi = 0x5555666677778888ull,
		 .ns = 42 },
	.offset = 5 * 1024 * 1024,
	.extent_len = KVTD_DISK_BLOCK + 65536,
	.size = 65536,
	.generation = 7,
	.flags = 0,
	.data_crc = 0xdeadbeef,
};

static const struct kvtd_disk_sb sb0 = {
	.uuid = { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1 },
	.device_size = 64ull << 20,
	.data_start = KVTD_DISK_DATA_START,
	.align = KVTD_DISK_BLOCK,
	.created_ns = 123456789,
};

/* Recomputes the header's checksum after a test changed a field. */
static void hdr_reseal(void)
{
	struct kvtd_disk_hdr *h = (struct kvtd_disk_hdr *)block;

	h->hdr_crc = 0;
	h->hdr_crc = htole32(kvtd_crc32c(0, h, sizeof(*h)));
}

static void super_reseal(void)
{
	struct kvtd_disk_super *s = (struct kvtd_disk_super *)block;

	s->crc = 0;
	s->crc = htole32(kvtd_crc32c(0, s, sizeof(*s)));
}

START_TEST(test_extent_len)
{
	ck_assert_uint_eq(kvtd_disk_extent_len(4096), 8192);
	ck_assert_uint_eq(kvtd_disk_extent_len(2 << 20), (2 << 20) + 4096);
	ck_assert_uint_eq(kvtd_disk_extent_len(4097), 3 * 4096);
}
END_TEST

START_TEST(test_hdr_roundtrip)
{
	struct kvtd_disk_ext e;
	size_t i;

	memset(block, 0xaa, sizeof(block));
	kvtd_disk_hdr_encode(&ext0, uuid, block);
	/* The rest of the block is zero: no stale bytes leak to disk. */
	for (i = sizeof(struct kvtd_disk_hdr); i < sizeof(block); i++)
		ck_assert_uint_eq(block[i], 0);
	ck_assert_int_eq(kvtd_disk_hdr_decode(block, ext0.offset, uuid, &e), 0);
	ck_assert(kvtd_tier_key_eq(&e.key, &ext0.key));
	ck_assert_uint_eq(e.offset, ext0.offset);
	ck_assert_uint_eq(e.extent_len, ext0.extent_len);
	ck_assert_uint_eq(e.size, ext0.size);
	ck_assert_uint_eq(e.generation, ext0.generation);
	ck_assert_uint_eq(e.data_crc, ext0.data_crc);
}
END_TEST

START_TEST(test_hdr_little_endian)
{
	struct kvtd_disk_hdr *h = (struct kvtd_disk_hdr *)block;

	kvtd_disk_hdr_encode(&ext0, uuid, block);
	ck_assert(!memcmp(block, "KVTDEXT1", 8));
	ck_assert_uint_eq(block[offsetof(struct kvtd_disk_hdr, generation)], 7);
	ck_assert_uint_eq(block[offsetof(struct kvtd_disk_hdr, key_ns)], 42);
	ck_assert_uint_eq(le32toh(h->version), KVTD_DISK_VERSION);
}
END_TEST

START_TEST(test_hdr_not_ours)
{
	struct kvtd_disk_ext e;
	uint8_t other[16];

	memset(block, 0, sizeof(block));
	ck_assert_int_eq(kvtd_disk_hdr_decode(block, 0, uuid, &e), -ENOENT);
	kvtd_disk_hdr_encode(&ext0, uuid, block);
	memcpy(other, uuid, sizeof(other));
	other[15] ^= 1;
	ck_assert_int_eq(kvtd_disk_hdr_decode(block, ext0.offset, other, &e),
			 -ENOENT);
}
END_TEST

/* Flips every byte of the header struct in turn: each must be caught. */
START_TEST(test_hdr_every_byte)
{
	struct kvtd_disk_ext e;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(struct kvtd_disk_hdr); i++) {
		kvtd_disk_hdr_encode(&ext0, uuid, block);
		block[i] ^= 0x01;
		ret = kvtd_disk_hdr_decode(block, ext0.offset, uuid, &e);
		if (i < 8 || (i >= offsetof(struct kvtd_disk_hdr, uuid) &&
			      i < offsetof(struct kvtd_disk_hdr, uuid) + 16))
			ck_assert_int_eq(ret, -ENOENT);
		else
			ck_assert_int_eq(ret, -EBADMSG);
	}
}
END_TEST

START_TEST(test_hdr_version)
{
	struct kvtd_disk_hdr *h = (struct kvtd_disk_hdr *)block;
	struct kvtd_disk_ext e;

	kvtd_disk_hdr_encode(&ext0, uuid, block);
	h->version = htole32(2);
	hdr_reseal();
	ck_assert_int_eq(kvtd_disk_hdr_decode(block, ext0.offset, uuid, &e),
			 -EPROTO);
}
END_TEST

START_TEST(test_hdr_inconsistent)
{
	struct kvtd_disk_hdr *h = (struct kvtd_disk_hdr *)block;
	struct kvtd_disk_ext e;

	/* Found somewhere else than where it says it is. */
	kvtd_disk_hdr_encode(&ext0, uuid, block);
	ck_assert_int_eq(kvtd_disk_hdr_decode(block, ext0.offset + 4096, uuid,
					      &e), -EUCLEAN);
	/* Each sealed with a good checksum, each impossible. */
	kvtd_disk_hdr_encode(&ext0, uuid, block);
	h->extent_len = htole64(ext0.extent_len + 4096);
	hdr_reseal();
	ck_assert_int_eq(kvtd_disk_hdr_decode(block, ext0.offset, uuid, &e),
			 -EUCLEAN);
	kvtd_disk_hdr_encode(&ext0, uuid, block);
	h->size = htole64(ext0.size + 1);
	hdr_reseal();
	ck_assert_int_eq(kvtd_disk_hdr_decode(block, ext0.offset, uuid, &e),
			 -EUCLEAN);
	kvtd_disk_hdr_encode(&ext0, uuid, block);
	h->size = 0;
	h->extent_len = htole64(4096);
	hdr_reseal();
	ck_assert_int_eq(kvtd_disk_hdr_decode(block, ext0.offset, uuid, &e),
			 -EUCLEAN);
	kvtd_disk_hdr_encode(&ext0, uuid, block);
	h->flags = htole32(1);
	hdr_reseal();
	ck_assert_int_eq(kvtd_disk_hdr_decode(block, ext0.offset, uuid, &e),
			 -EUCLEAN);
	kvtd_disk_hdr_encode(&ext0, uuid, block);
	h->generation = 0;
	hdr_reseal();
	ck_assert_int_eq(kvtd_disk_hdr_decode(block, ext0.offset, uuid, &e),
			 -EUCLEAN);
	kvtd_disk_hdr_encode(&ext0, uuid, block);
	h->reserved[3] = 1;
	hdr_reseal();
	ck_assert_int_eq(kvtd_disk_hdr_decode(block, ext0.offset, uuid, &e),
			 -EUCLEAN);
}
END_TEST

START_TEST(test_super_roundtrip)
{
	struct kvtd_disk_sb sb;

	kvtd_disk_super_encode(&sb0, block);
	ck_assert(!memcmp(block, "KVTDSUP1", 8));
	ck_assert_int_eq(kvtd_disk_super_decode(block, &sb), 0);
	ck_assert(!memcmp(sb.uuid, sb0.uuid, 16));
	ck_assert_uint_eq(sb.device_size, sb0.device_size);
	ck_assert_uint_eq(sb.data_start, sb0.data_start);
	ck_assert_uint_eq(sb.align, sb0.align);
	ck_assert_uint_eq(sb.created_ns, sb0.created_ns);
}
END_TEST

START_TEST(test_super_damage)
{
	struct kvtd_disk_super *s = (struct kvtd_disk_super *)block;
	struct kvtd_disk_sb sb;

	memset(block, 0, sizeof(block));
	ck_assert_int_eq(kvtd_disk_super_decode(block, &sb), -ENOENT);
	kvtd_disk_super_encode(&sb0, block);
	block[40] ^= 0x80;
	ck_assert_int_eq(kvtd_disk_super_decode(block, &sb), -EBADMSG);
	kvtd_disk_super_encode(&sb0, block);
	s->version = htole32(9);
	super_reseal();
	ck_assert_int_eq(kvtd_disk_super_decode(block, &sb), -EPROTO);
	kvtd_disk_super_encode(&sb0, block);
	s->align = htole32(3000);
	super_reseal();
	ck_assert_int_eq(kvtd_disk_super_decode(block, &sb), -EUCLEAN);
	kvtd_disk_super_encode(&sb0, block);
	s->data_start = htole64(sb0.device_size);
	super_reseal();
	ck_assert_int_eq(kvtd_disk_super_decode(block, &sb), -EUCLEAN);
	kvtd_disk_super_encode(&sb0, block);
	s->flags = htole32(4);
	super_reseal();
	ck_assert_int_eq(kvtd_disk_super_decode(block, &sb), -EUCLEAN);
}
END_TEST

Suite *disk_format_suite(void)
{
	Suite *s = suite_create("disk_format");
	TCase *tc;

	tc = tcase_create("header");
	tcase_add_test(tc, test_extent_len);
	tcase_add_test(tc, test_hdr_roundtrip);
	tcase_add_test(tc, test_hdr_little_endian);
	tcase_add_test(tc, test_hdr_not_ours);
	tcase_add_test(tc, test_hdr_every_byte);
	tcase_add_test(tc, test_hdr_version);
	tcase_add_test(tc, test_hdr_inconsistent);
	suite_add_tcase(s, tc);

	tc = tcase_create("superblock");
	tcase_add_test(tc, test_super_roundtrip);
	tcase_add_test(tc, test_super_damage);
	suite_add_tcase(s, tc);
	return s;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding and checking of the superblock and extent headers. Pure: bytes
 * in, fields out; the I/O is elsewhere.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "crc32c.h"
#include "format.h"

static uint32_t super_crc(const struct kvtd_disk_super *s)
{
	struct kvtd_disk_super c = *s;

	c.crc = 0;
	return kvtd_crc32c(0, &c, sizeof(c));
}

static uint32_t hdr_crc(const struct kvtd_disk_hdr *h)
{
	struct kvtd_disk_hdr c = *h;

	c.hdr_crc = 0;
	return kvtd_crc32c(0, &c, sizeof(c));
}

static int reserved_zero(const uint64_t *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r[i])
			return 0;
	return 1;
}

void kvtd_disk_super_encode(const struct kvtd_disk_sb *sb, void *block)
{
	struct kvtd_disk_super s = {
		.magic = htole64(KVTD_DISK_SUPER_MAGIC),
		.version = htole32(KVTD_DISK_VERSION),
		.device_size = htole64(sb->device_size),
		.data_start = htole64(sb->data_start),
		.align = htole32(sb->align),
		.created_ns = htole64(sb->created_ns),
	};

	memcpy(s.uuid, sb->uuid, sizeof(s.uuid));
	s.crc = htole32(super_crc(&s));
	memset(block, 0, KVTD_DISK_BLOCK);
	memcpy(block, &s, sizeof(s));
}

int kvtd_disk_super_decode(const void *block, struct kvtd_disk_sb *sb)
{
	struct kvtd_disk_super s;
	uint64_t size, start;
	uint32_t align;

	memcpy(&s, block, sizeof(s));
	if (le64toh(s.magic) != KVTD_DISK_SUPER_MAGIC)
		return -ENOENT;
	if (le32toh(s.crc) != super_crc(&s))
		return -EBADMSG;
	if (le32toh(s.version) != KVTD_DISK_VERSION)
		return -EPROTO;
	size = le64toh(s.device_size);
	start = le64toh(s.data_start);
	align = le32toh(s.align);
	if (!align || (align & (align - 1)) || align < KVTD_DISK_BLOCK ||
	    (start & (align - 1)) || (size & (align - 1)) ||
	    start < KVTD_DISK_BLOCK || start >= size || s.flags ||
	    !reserved_zero(s.reserved, sizeof(s.reserved) / 8))
		return -EUCLEAN;
	memcpy(sb->uuid, s.uuid, sizeof(sb->uuid));
	sb->device_size = size;
	sb->data_start = start;
	sb->align = align;
	sb->created_ns = le64toh(s.created_ns);
	return 0;
}

void kvtd_disk_hdr_encode(const struct kvtd_disk_ext *ext,
			  const uint8_t uuid[16], void *block)
{
	struct kvtd_disk_hdr h = {
		.magic = htole64(KVTD_DISK_HDR_MAGIC),
		.version = htole32(KVTD_DISK_VERSION),
		.key_lo = htole64(ext->key.lo),
		.key_hi = htole64(ext->key.hi),
		.key_ns = htole64(ext->key.ns),
		.offset = htole64(ext->offset),
		.extent_len = htole64(ext->extent_len),
		.size = htole64(ext->size),
		.generation = htole64(ext->generation),
		.flags = htole32(ext->flags),
		.data_crc = htole32(ext->data_crc),
	};

	memcpy(h.uuid, uuid, sizeof(h.uuid));
	h.hdr_crc = htole32(hdr_crc(&h));
	memset(block, 0, KVTD_DISK_BLOCK);
	memcpy(block, &h, sizeof(h));
}

int kvtd_disk_hdr_decode(const void *block, uint64_t offset,
			 const uint8_t uuid[16], struct kvtd_disk_ext *ext)
{
	struct kvtd_disk_hdr h;
	uint64_t size, magic;

	/* The magic alone decides, before any copy: most blocks are content. */
	memcpy(&magic, block, sizeof(magic));
	if (le64toh(magic) != KVTD_DISK_HDR_MAGIC)
		return -ENOENT;
	memcpy(&h, block, sizeof(h));
	if (memcmp(h.uuid, uuid, sizeof(h.uuid)))
		return -ENOENT;
	if (le32toh(h.hdr_crc) != hdr_crc(&h))
		return -EBADMSG;
	if (le32toh(h.version) != KVTD_DISK_VERSION)
		return -EPROTO;
	size = le64toh(h.size);
	if (le64toh(h.offset) != offset || !size ||
	    (size & (KVTD_DISK_BLOCK - 1)) || size > UINT64_MAX / 2 ||
	    le64toh(h.extent_len) != kvtd_disk_extent_len(size) ||
	    (le32toh(h.flags) & ~KVTD_DISK_HDR_FLAGS_VALID) ||
	    !h.generation || !reserved_zero(h.reserved, sizeof(h.reserved) / 8))
		return -EUCLEAN;
	ext->key.lo = le64toh(h.key_lo);
	ext->key.hi = le64toh(h.key_hi);
	ext->key.ns = le64toh(h.key_ns);
	ext->offset = offset;
	ext->extent_len = le64toh(h.extent_len);
	ext->size = size;
	ext->generation = le64toh(h.generation);
	ext->flags = le32toh(h.flags);
	ext->data_crc = le32toh(h.data_crc);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The disk tier's on-disk format, version 1.
 *
 * Layout of the file or block device:
 *
 *   [0, 4 KiB)              superblock (struct kvtd_disk_super, rest zero)
 *   [4 KiB, 1 MiB)          reserved, zero
 *   [1 MiB, device_size)    extents, each a multiple of 4 KiB:
 *       [0, 4 KiB)          extent header (struct kvtd_disk_hdr, rest zero)
 *       [4 KiB, 4 KiB+size) the object's bytes
 *
 * Everything is little-endian. Free space holds either zeros, garbage,
 * headers of another store (another uuid), or headers wiped to zero when
 * their extent was dropped (a tombstone); nothing else of this store.
 *
 * An extent is valid only if its header decodes (magic, version, this
 * store's uuid, header checksum, its own offset, consistent lengths) and
 * its content matches the header's data checksum. See recover.c for how
 * validity is established after a crash and disk.c for the write order.
 */
#ifndef KVTD_DISK_FORMAT_H
#define KVTD_DISK_FORMAT_H

#include <stdint.h>

#include "tier_ops.h"

/*
 * The unit of I/O, of alignment and of header size: 4 KiB is the largest
 * logical block size in common use (4Kn NVMe), so O_DIRECT accepts it on
 * every device, and headers never share a block with content.
 */
#define KVTD_DISK_BLOCK 4096u

/*
 * Extents start at 1 MiB: the superblock needs one block, and the rest is
 * kept free for what a later version may add at the front (a second
 * superblock, an index journal) without moving any extent.
 */
#define KVTD_DISK_DATA_START (1024u * 1024u)

#define KVTD_DISK_VERSION 1u
/* "KVTDSUP1" and "KVTDEXT1" read as little-endian 64-bit words. */
#define KVTD_DISK_SUPER_MAGIC 0x315055534454564bull
#define KVTD_DISK_HDR_MAGIC 0x315458454454564bull

/* No extent flags are defined in version 1; set bits mean damage. */
#define KVTD_DISK_HDR_FLAGS_VALID 0u

/**
 * struct kvtd_disk_super - the superblock, at offset 0.
 * @magic: KVTD_DISK_SUPER_MAGIC.
 * @version: KVTD_DISK_VERSION; a store of another version is refused.
 * @crc: crc32c of this struct with @crc zero.
 * @uuid: random at format; every extent header carries it, so headers left
 *	  by an earlier store on the same device are never taken for ours.
 * @device_size: bytes of the device the store manages.
 * @data_start: offset of the first extent (KVTD_DISK_DATA_START).
 * @align: extent alignment in bytes (KVTD_DISK_BLOCK).
 * @flags: zero.
 * @created_ns: CLOCK_REALTIME at format, for people reading a dump.
 * @reserved: zero.
 */
struct kvtd_disk_super {
	uint64_t magic;
	uint32_t version;
	uint32_t crc;
	uint8_t uuid[16];
	uint64_t device_size;
	uint64_t data_start;
	uint32_t align;
	uint32_t flags;
	uint64_t created_ns;
	uint64_t reserved[8];
};

/**
 * struct kvtd_disk_hdr - an extent's header, in its first block.
 * @magic: KVTD_DISK_HDR_MAGIC.
 * @version: KVTD_DISK_VERSION.
 * @hdr_crc: crc32c of this struct with @hdr_crc zero.
 * @uuid: the store's uuid (struct kvtd_disk_super.uuid).
 * @key_lo, @key_hi: the object's 128-bit key.
 * @key_ns: the key's namespace (tenant id, 0 for global objects).
 * @offset: this extent's own byte offset: a header found anywhere else
 *	    (inside an object that holds a copy of a disk image, say) is not
 *	    a header.
 * @extent_len: bytes of the extent, header included.
 * @size: bytes of content, a non-zero multiple of KVTD_DISK_BLOCK.
 * @generation: from a per-store counter that only grows; of two extents of
 *		one key, or two that overlap, the higher generation is newer.
 * @flags: KVTD_DISK_HDR_FLAGS_VALID bits only.
 * @data_crc: crc32c of the @size content bytes.
 * @reserved: zero.
 */
struct kvtd_disk_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_crc;
	uint8_t uuid[16];
	uint64_t key_lo;
	uint64_t key_hi;
	uint64_t key_ns;
	uint64_t offset;
	uint64_t extent_len;
	uint64_t size;
	uint64_t generation;
	uint32_t flags;
	uint32_t data_crc;
	uint64_t reserved[4];
};

_Static_assert(sizeof(struct kvtd_disk_super) == 128, "superblock layout");
_Static_assert(sizeof(struct kvtd_disk_hdr) == 128, "header layout");

/* The superblock's fields in host order. */
struct kvtd_disk_sb {
	uint8_t uuid[16];
	uint64_t device_size;
	uint64_t data_start;
	uint32_t align;
	uint64_t created_ns;
};

/* An extent header's fields in host order. */
struct kvtd_disk_ext {
	struct kvtd_tier_key key;
	uint64_t offset;
	uint64_t extent_len;
	uint64_t size;
	uint64_t generation;
	uint32_t flags;
	uint32_t data_crc;
};

/* Bytes of extent an object of @size content bytes occupies. */
static inline uint64_t kvtd_disk_extent_len(uint64_t size)
{
	return KVTD_DISK_BLOCK + ((size + KVTD_DISK_BLOCK - 1) &
				  ~(uint64_t)(KVTD_DISK_BLOCK - 1));
}

/* Writes @sb as a whole block (KVTD_DISK_BLOCK bytes) at @block. */
void kvtd_disk_super_encode(const struct kvtd_disk_sb *sb, void *block);

/*
 * kvtd_disk_super_decode - read a superblock block.
 *
 * Returns 0 and fills @sb; -ENOENT if there is no superblock (wrong
 * magic: not a store), -EBADMSG if its checksum fails, -EPROTO for another
 * format version, -EUCLEAN for fields that cannot be (alignment not a
 * power of two, data start past the end, reserved bits set).
 */
int kvtd_disk_super_decode(const void *block, struct kvtd_disk_sb *sb);

/* Writes @ext's header for store @uuid as a whole block at @block. */
void kvtd_disk_hdr_encode(const struct kvtd_disk_ext *ext,
			  const uint8_t uuid[16], void *block);

/*
 * kvtd_disk_hdr_decode - read the block at byte @offset as an extent
 * header of store @uuid.
 *
 * Returns 0 and fills @ext; -ENOENT if the block is no header of this
 * store (wrong magic or uuid: free space, content, a tombstone);
 * -EBADMSG if the header checksum fails; -EPROTO for another version;
 * -EUCLEAN if the header is intact but cannot be right (@offset differs,
 * lengths disagree, unknown flags, generation 0). Does not look at the
 * content.
 */
int kvtd_disk_hdr_decode(const void *block, uint64_t offset,
			 const uint8_t uuid[16], struct kvtd_disk_ext *ext);

#endif /* KVTD_DISK_FORMAT_H */

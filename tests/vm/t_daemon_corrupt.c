// SPDX-License-Identifier: GPL-2.0
/*
 * Disk-tier corruption caught (issue 3): objects written to disk by
 * kvtierd (write-through) and evicted from the pool; the daemon stopped;
 * one byte of one object's extent flipped directly on the virtual disk
 * (the extent found by its header, daemon/disk/format.h); a new daemon
 * started. Its recovery must drop that extent and count it, the object
 * must not be served from disk (it had no other copy, so it is gone: a
 * lookup misses), and every other object must come back byte for byte.
 *
 * Two cases: a flipped content byte (the data checksum catches it) and a
 * flipped header byte (the header checksum does).
 */
#include "daemon_ctl.h"
#include "dclient.h"
#include "format.h"
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define OBJ_SIZE (64u * 1024u)
#define NSLOTS 64u
/* 40 of 64 slots: past the 50% mark, so most leave the pool. */
#define NOBJ 40u
/* The store the daemon makes on the disk: recovery scans all of it. */
#define STORE_SIZE "64M"
#define STORE_BYTES (64ull << 20)
#define WAIT_MS 60000

static uint32_t g_pool;

/* Read or write one 4 KiB block of the disk with O_DIRECT. */
static int disk_block(const char *dev, uint64_t off, void *blk, bool write)
{
	int fd = open(dev, (write ? O_WRONLY : O_RDONLY) | O_DIRECT | O_CLOEXEC);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	n = write ? pwrite(fd, blk, KVTD_DISK_BLOCK, (off_t)off) :
		    pread(fd, blk, KVTD_DISK_BLOCK, (off_t)off);
	if (n != KVTD_DISK_BLOCK)
		ret = n < 0 ? -errno : -EIO;
	if (!ret && write && fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * The byte offset of @key's extent on @dev, found by scanning for its
 * header as recovery does (every block, newest generation wins); -ENOENT.
 */
static int64_t find_extent(const char *dev, const struct drm_kvtier_key *key)
{
	const size_t chunk = 1u << 20;
	const struct kvtd_disk_hdr *h;
	uint64_t off, gen = 0;
	int64_t found = -ENOENT;
	size_t b;
	char *buf;
	int fd;

	if (posix_memalign((void **)&buf, KVTD_DISK_BLOCK, chunk))
		return -ENOMEM;
	fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (off = KVTD_DISK_DATA_START; off < STORE_BYTES; off += chunk) {
		if (pread(fd, buf, chunk, (off_t)off) != (ssize_t)chunk) {
			found = -EIO;
			break;
		}
		for (b = 0; b < chunk; b += KVTD_DISK_BLOCK) {
			/* The format is little-endian, as this machine. */
			h = (const struct kvtd_disk_hdr *)(buf + b);
			if (h->magic != KVTD_DISK_HDR_MAGIC ||
			    h->key_lo != key->lo || h->key_hi != key->hi ||
			    h->offset != off + b || h->generation <= gen)
				continue;
			gen = h->generation;
			found = (int64_t)(off + b);
		}
	}
	close(fd);
	free(buf);
	return found;
}

/* Flip one bit of the byte at @off on @dev. */
static int flip_byte(const char *dev, uint64_t off)
{
	uint64_t blk = off & ~(uint64_t)(KVTD_DISK_BLOCK - 1);
	unsigned char *buf;
	int ret;

	if (posix_memalign((void **)&buf, KVTD_DISK_BLOCK, KVTD_DISK_BLOCK))
		return -ENOMEM;
	ret = disk_block(dev, blk, buf, false);
	if (!ret) {
		buf[off - blk] ^= 0x10;
		ret = disk_block(dev, blk, buf, true);
	}
	free(buf);
	return ret;
}

static void corrupt_case(const char *name, uint64_t byte_in_extent)
{
	const uint32_t disk = KVTIER_TIER_BIT(KVTIER_TIER_DISK);
	const char *dev = getenv("KVTIER_DISK");
	struct dctl_opts o = {
		.disk = dev,
		.disk_size = STORE_SIZE,
		.format = true,
		.write_policy = "through",
		.wm_high = "50",
		.wm_low = "25",
		.tick_ms = 20,
	};
	struct drm_kvtier_key k, victim_key;
	struct dctl_stats st;
	struct kvtier_map map;
	struct kvtier *kv;
	struct dctl d1, d2;
	uint64_t salt = tl_key_salt(), end;
	uint32_t i, only_disk, victim = NOBJ;
	int64_t ext;
	char log[64];
	int ret, t;

	ret = kvtier_open(&kv);
	TL_ASSERT(!ret, "open: %s", tl_errname(ret));
	ret = kvtier_map_pool(kv, g_pool, PROT_READ | PROT_WRITE, &map);
	TL_ASSERT(!ret, "map: %s", tl_errname(ret));
	snprintf(log, sizeof(log), "corrupt-%s-1", name);
	ret = dctl_start(&d1, log, &o);
	TL_ASSERT(!ret, "first daemon: %s", tl_errname(ret));

	for (i = 0; i < NOBJ; i++) {
		k = dc_key(salt, i);
		ret = dc_store(kv, &map, g_pool, &k, OBJ_SIZE, WAIT_MS);
		TL_ASSERT(!ret, "store %u: %s", i, tl_errname(ret));
	}
	/* Write-through: every object reaches disk; most leave the pool. */
	end = tl_now_ns() + WAIT_MS * 1000000ull;
	for (;;) {
		only_disk = 0;
		for (i = 0; i < NOBJ; i++) {
			k = dc_key(salt, i);
			t = dc_tiers(kv, &k, NULL);
			if (t < 0 || !(t & disk))
				break;
			if (t == (int)disk) {
				only_disk++;
				if (victim == NOBJ)
					victim = i;
			}
		}
		if (i == NOBJ && only_disk >= NOBJ - NSLOTS / 2)
			break;
		if (tl_now_ns() > end)
			dctl_dump(&d1, 20);
		TL_ASSERT(tl_now_ns() <= end,
			  "after %d ms: object %u not on disk, %u only on disk",
			  WAIT_MS, i, only_disk);
		victim = NOBJ;
		poll(NULL, 0, 20);
	}
	ret = dctl_stop(&d1);
	TL_ASSERT(!ret, "stopping the first daemon: %s", tl_errname(ret));

	victim_key = dc_key(salt, victim);
	ext = find_extent(dev, &victim_key);
	TL_ASSERT(ext >= 0, "object %u's extent not found on %s: %s", victim,
		  dev, tl_errname(ext));
	ret = flip_byte(dev, (uint64_t)ext + byte_in_extent);
	TL_ASSERT(!ret, "flipping a byte on %s: %s", dev, tl_errname(ret));
	fprintf(stderr, "corrupt(%s): object %u's extent at %lld, byte %llu flipped\n",
		name, victim, (long long)ext,
		(unsigned long long)byte_in_extent);

	snprintf(log, sizeof(log), "corrupt-%s-2", name);
	o.format = false;
	ret = dctl_start(&d2, log, &o);
	TL_ASSERT(!ret, "second daemon: %s", tl_errname(ret));

	/* Never served from disk: its only copy is gone, so is it. */
	t = dc_tiers(kv, &victim_key, NULL);
	TL_ASSERT(t == -ENOENT || (t > 0 && !(t & disk)),
		  "the corrupt object is still listed (tiers %d)", t);
	ret = dc_fetch_host_check(kv, &map, &victim_key, NULL);
	TL_ASSERT(ret == -ENOENT, "fetching the corrupt object: %s",
		  tl_errname(ret));
	/* Every other object: from disk, byte for byte. */
	for (i = 0; i < NOBJ; i++) {
		if (i == victim)
			continue;
		k = dc_key(salt, i);
		ret = dc_fetch_host_check(kv, &map, &k, NULL);
		if (ret)
			dctl_dump(&d2, 20);
		TL_ASSERT(!ret, "object %u after the restart: %s", i,
			  tl_errname(ret));
	}

	ret = dctl_stop(&d2);
	TL_ASSERT(!ret, "stopping the second daemon: %s", tl_errname(ret));
	ret = dctl_stats_last(&d2, &st);
	TL_ASSERT(!ret, "no stats line");
	/* Dropped at recovery, counted: torn (content) or corrupt (header). */
	TL_EXPECT_EQ(dctl_stat(&st, "disk_drops_torn") +
			     dctl_stat(&st, "disk_drops_corrupt"), 1);
	TL_EXPECT_EQ(dctl_stat(&st, "lost_on_disk"), 1);
	TL_EXPECT_EQ(dctl_stat(&st, "work_failed"), 0);
	TL_ASSERT(dctl_log_has(&d2, "is lost on disk"),
		  "the loss is not in the daemon's log");

	for (i = 0; i < NOBJ; i++) {
		struct drm_kvtier_lookup_result r;

		k = dc_key(salt, i);
		if (dc_tiers(kv, &k, &r) >= 0)
			kvtier_free(kv, &r.handle, 1, NULL);
	}
	kvtier_unmap(&map);
	kvtier_close(kv);
}

static void case_content_byte(void)
{
	/* Well inside the object's bytes, after the header block. */
	corrupt_case("content", KVTD_DISK_BLOCK + OBJ_SIZE / 2 + 5);
}

static void case_header_byte(void)
{
	/* The key's namespace field: the header checksum no longer holds. */
	corrupt_case("header", offsetof(struct kvtd_disk_hdr, key_ns));
}

int main(void)
{
	tl_init("daemon_corrupt");
	dctl_require_disk();
	g_pool = tl_setup_pool(OBJ_SIZE, NSLOTS);
	tl_run("content_byte", case_content_byte);
	tl_run("header_byte", case_header_byte);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

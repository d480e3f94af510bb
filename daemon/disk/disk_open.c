// SPDX-License-Identifier: GPL-2.0
/*
 * Opening, formatting and closing the disk tier.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "disk_internal.h"

/*
 * The smallest store holds one 4 KiB object: the superblock area, then a
 * header block and a content block.
 */
#define DISK_MIN_SIZE (KVTD_DISK_DATA_START + 2ull * KVTD_DISK_BLOCK)

static int disk_pio(int fd, bool write, void *block, uint64_t off)
{
	ssize_t n = write ? pwrite(fd, block, KVTD_DISK_BLOCK, off) :
			    pread(fd, block, KVTD_DISK_BLOCK, off);

	if (n < 0)
		return -errno;
	if (n != KVTD_DISK_BLOCK) {
		if (write)
			return -EIO;
		/* A file shorter than a block holds no superblock. */
		memset((char *)block + n, 0, KVTD_DISK_BLOCK - n);
	}
	return 0;
}

/* Bytes the file or device has now, and whether it is a block device. */
static int disk_dev_size(int fd, uint64_t *size, bool *blockdev)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	*blockdev = S_ISBLK(st.st_mode);
	if (*blockdev)
		return ioctl(fd, BLKGETSIZE64, size) ? -errno : 0;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*size = st.st_size;
	return 0;
}

/*
 * Gives a regular file its full size, allocated: writes then never meet a
 * full filesystem, and allocate no blocks on the I/O path.
 */
static int disk_file_size(int fd, uint64_t have, uint64_t want)
{
	if (have > want && ftruncate(fd, want))
		return -errno;
	if (!fallocate(fd, 0, 0, want))
		return 0;
	if (errno != EOPNOTSUPP)
		return -errno;
	return ftruncate(fd, want) ? -errno : 0;
}

static int disk_format(struct kvtd_disk *d, uint64_t size, uint64_t have,
		       bool blockdev, void *block)
{
	struct timespec now;
	ssize_t n;
	int ret;

	size &= ~(uint64_t)(KVTD_DISK_BLOCK - 1);
	if (blockdev && size > have)
		return -EINVAL;
	if (size < DISK_MIN_SIZE)
		return -EINVAL;
	if (!blockdev) {
		ret = disk_file_size(d->fd, have, size);
		if (ret)
			return ret;
	}
	n = getrandom(d->sb.uuid, sizeof(d->sb.uuid), 0);
	if (n != sizeof(d->sb.uuid))
		return n < 0 ? -errno : -EIO;
	clock_gettime(CLOCK_REALTIME, &now);
	d->sb.device_size = size;
	d->sb.data_start = KVTD_DISK_DATA_START;
	d->sb.align = KVTD_DISK_BLOCK;
	d->sb.created_ns = (uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec;
	kvtd_disk_super_encode(&d->sb, block);
	ret = disk_pio(d->fd, true, block, 0);
	if (ret)
		return ret;
	return fdatasync(d->fd) ? -errno : 0;
}

/* Reads the superblock, or formats; true in *@fresh for a new store. */
static int disk_attach(struct kvtd_disk *d, const struct kvtd_tier_cfg *cfg,
		       bool *fresh)
{
	uint64_t have;
	bool blockdev;
	void *block;
	int ret;

	ret = disk_dev_size(d->fd, &have, &blockdev);
	if (ret)
		return ret;
	block = aligned_alloc(KVTD_DISK_BLOCK, KVTD_DISK_BLOCK);
	if (!block)
		return -ENOMEM;
	ret = disk_pio(d->fd, false, block, 0);
	if (ret)
		goto out;
	ret = (cfg->flags & KVTD_TIER_TRUNCATE) ? -ENOENT :
		kvtd_disk_super_decode(block, &d->sb);
	*fresh = ret == -ENOENT;
	if (*fresh) {
		if (!(cfg->flags & (KVTD_TIER_CREATE | KVTD_TIER_TRUNCATE))) {
			ret = -ENODATA;
			goto out;
		}
		ret = disk_format(d, cfg->size ? cfg->size : have, have,
				  blockdev, block);
		goto out;
	}
	if (ret)
		goto out;
	if (cfg->size && cfg->size != d->sb.device_size) {
		ret = -EINVAL;
		goto out;
	}
	if (blockdev && have < d->sb.device_size)
		ret = -EUCLEAN;
	else if (!blockdev && have < d->sb.device_size)
		/* Cut short: what is missing reads as zeros, and fails its crc. */
		ret = disk_file_size(d->fd, have, d->sb.device_size);
out:
	free(block);
	return ret;
}

static int disk_alloc_ops(struct kvtd_disk *d)
{
	unsigned int i, slots = 2 * d->qd;

	d->ops = calloc(slots, sizeof(*d->ops));
	/* One header block per slot, then the zero block wipes write. */
	d->meta = aligned_alloc(KVTD_DISK_BLOCK,
				(size_t)(slots + 1) * KVTD_DISK_BLOCK);
	if (!d->ops || !d->meta)
		return -ENOMEM;
	memset(d->meta, 0, (size_t)(slots + 1) * KVTD_DISK_BLOCK);
	d->zero_block = (char *)d->meta + (size_t)slots * KVTD_DISK_BLOCK;
	for (i = slots; i-- > 0;) {
		d->ops[i].hdr = (char *)d->meta + (size_t)i * KVTD_DISK_BLOCK;
		d->ops[i].next = d->free_ops;
		d->free_ops = &d->ops[i];
	}
	return 0;
}

/* The tier's own meta buffer, then @regions: what it registers. */
static struct kvtd_region *disk_regions(const struct kvtd_disk *d,
					const struct kvtd_region *regions,
					unsigned int nr_regions)
{
	struct kvtd_region *r = calloc(nr_regions + 1, sizeof(*r));
	unsigned int i;

	if (!r)
		return NULL;
	r[0].addr = d->meta;
	r[0].len = (size_t)(2 * d->qd + 1) * KVTD_DISK_BLOCK;
	for (i = 0; i < nr_regions; i++)
		r[i + 1] = regions[i];
	return r;
}

static int disk_init_ring(struct kvtd_disk *d, const struct kvtd_tier_cfg *cfg)
{
	struct kvtd_region *regions;
	int ret;

	regions = disk_regions(d, cfg->regions, cfg->nr_regions);
	if (!regions)
		return -ENOMEM;
	/*
	 * Two SQEs per write, and the tier's wipes beside the caller's
	 * operations: 4 x qd SQEs never run out between two submissions.
	 */
	ret = kvtd_uring_init(&d->u, d->fd, 4 * d->qd, regions,
			      cfg->nr_regions + 1);
	free(regions);
	return ret;
}

int kvtd_disk_set_regions(struct kvtd_disk *d,
			  const struct kvtd_region *regions,
			  unsigned int nr_regions)
{
	struct kvtd_region *r = disk_regions(d, regions, nr_regions);
	int ret;

	if (!r)
		return -ENOMEM;
	ret = kvtd_uring_set_regions(&d->u, r, nr_regions + 1);
	free(r);
	return ret;
}

int kvtd_disk_open(const struct kvtd_tier_cfg *cfg, struct kvtd_disk **out)
{
	struct kvtd_disk *d;
	bool fresh = false;
	int flags = O_RDWR | O_DIRECT | O_CLOEXEC;
	int ret;

	if (!cfg->path || (cfg->flags & ~KVTD_TIER_FLAGS_VALID) ||
	    cfg->queue_depth > KVTD_DISK_MAX_QD ||
	    (cfg->nr_regions && !cfg->regions))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->tier.ops = &kvtd_disk_tier_ops;
	d->qd = cfg->queue_depth ? cfg->queue_depth : KVTD_DISK_DEFAULT_QD;
	d->wipe_tail = &d->wipe_head;
	d->crc_q.tail = &d->crc_q.head;
	d->hdr_q.tail = &d->hdr_q.head;
	d->done_q.tail = &d->done_q.head;
	d->next_gen = 1;
	if (cfg->flags & (KVTD_TIER_CREATE | KVTD_TIER_TRUNCATE))
		flags |= O_CREAT;
	d->fd = open(cfg->path, flags, 0600);
	if (d->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	ret = disk_attach(d, cfg, &fresh);
	if (ret)
		goto err_close;
	ret = kvtd_extent_init(&d->space, d->sb.data_start,
			       d->sb.device_size - d->sb.data_start,
			       d->sb.align, true);
	if (ret)
		goto err_close;
	ret = kvtd_index_init(&d->index);
	if (ret)
		goto err_fini_space;
	ret = disk_alloc_ops(d);
	if (ret)
		goto err_free_ops;
	ret = disk_init_ring(d, cfg);
	if (ret)
		goto err_free_ops;
	d->st.capacity = d->sb.device_size - d->sb.data_start;
	if (!fresh) {
		ret = kvtd_disk_recover(d);
		if (ret)
			goto err_close_tier;
	}
	*out = d;
	return 0;

err_close_tier:
	/* Recovery's objects are in the index: the full close frees them. */
	kvtd_disk_close(d);
	return ret;
err_free_ops:
	free(d->meta);
	free(d->ops);
	kvtd_index_fini(&d->index);
err_fini_space:
	kvtd_extent_fini(&d->space);
err_close:
	close(d->fd);
err_free:
	free(d);
	return ret;
}

static int free_obj(struct kvtd_disk_obj *obj, void *arg)
{
	free(obj);
	return 0;
}

void kvtd_disk_close(struct kvtd_disk *d)
{
	if (!d)
		return;
	kvtd_disk_drain(d);
	/* Makes completed writes and wipes durable; nobody is left to tell. */
	fdatasync(d->fd);
	kvtd_index_foreach(&d->index, free_obj, NULL);
	kvtd_uring_fini(&d->u);
	kvtd_index_fini(&d->index);
	kvtd_extent_fini(&d->space);
	free(d->meta);
	free(d->ops);
	close(d->fd);
	free(d);
}

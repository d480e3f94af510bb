// SPDX-License-Identifier: GPL-2.0
/*
 * The disk tier behind the daemon's tier ops table (tier_ops.h).
 */
#include "disk_internal.h"

#define to_disk(t) ((struct kvtd_disk *)(t))

static int disk_ops_open(const struct kvtd_tier_cfg *cfg,
			 struct kvtd_tier **out)
{
	struct kvtd_disk *d;
	int ret = kvtd_disk_open(cfg, &d);

	if (!ret)
		*out = &d->tier;
	return ret;
}

static void disk_ops_close(struct kvtd_tier *t)
{
	kvtd_disk_close(to_disk(t));
}

static int disk_ops_write(struct kvtd_tier *t, const struct kvtd_tier_key *key,
			  const void *buf, uint64_t size, uint64_t user_data)
{
	return kvtd_disk_write(to_disk(t), key, buf, size, user_data);
}

static int disk_ops_read(struct kvtd_tier *t, const struct kvtd_tier_key *key,
			 void *buf, uint64_t size, uint64_t user_data)
{
	return kvtd_disk_read(to_disk(t), key, buf, size, user_data);
}

static int disk_ops_drop(struct kvtd_tier *t, const struct kvtd_tier_key *key,
			 uint64_t user_data)
{
	return kvtd_disk_drop(to_disk(t), key, user_data);
}

static int disk_ops_sync(struct kvtd_tier *t, uint64_t user_data)
{
	return kvtd_disk_sync(to_disk(t), user_data);
}

static int disk_ops_submit(struct kvtd_tier *t)
{
	return kvtd_disk_submit(to_disk(t));
}

static int disk_ops_reap(struct kvtd_tier *t, struct kvtd_tier_cqe *cqes,
			 unsigned int max, unsigned int min_wait)
{
	return kvtd_disk_reap(to_disk(t), cqes, max, min_wait);
}

static int disk_ops_poll_fd(struct kvtd_tier *t)
{
	return kvtd_disk_event_fd(to_disk(t));
}

static void disk_ops_stats(struct kvtd_tier *t, struct kvtd_tier_stats *st)
{
	kvtd_disk_stats(to_disk(t), st);
}

const struct kvtd_tier_ops kvtd_disk_tier_ops = {
	.name = "disk",
	.open = disk_ops_open,
	.close = disk_ops_close,
	.write = disk_ops_write,
	.read = disk_ops_read,
	.drop = disk_ops_drop,
	.sync = disk_ops_sync,
	.submit = disk_ops_submit,
	.reap = disk_ops_reap,
	.poll_fd = disk_ops_poll_fd,
	.stats = disk_ops_stats,
};

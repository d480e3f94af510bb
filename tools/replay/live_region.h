/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tenant's DEVICE region for the CPU device tier: a memfd the daemon
 * copies into (it gets the file through REGION_GET_FD), mapped here to
 * check what arrived. Sealed against shrinking and growing so that the
 * daemon's mapping of it can never fault past the end.
 */
#ifndef KVTR_LIVE_REGION_H
#define KVTR_LIVE_REGION_H

#include <stddef.h>
#include <stdint.h>

#include "kvtier.h"

/**
 * struct kvtr_live_region - a registered region.
 * @addr: Its mapping here (read and write).
 * @size: Bytes.
 * @id: Its region id; 0 when not registered.
 * @fd: The memfd, or -1.
 */
struct kvtr_live_region {
	void *addr;
	size_t size;
	uint32_t id;
	int fd;
};

/**
 * kvtr_live_region_create() - create, map and register a region.
 * @kv: The handle.
 * @size: Bytes; non-zero.
 * @cookie: Handed to the manager with each work item for the region.
 * @r: Out. The region; on failure @r->fd is -1 and nothing is held.
 *
 * Return: 0, or the -errno of memfd_create, ftruncate, the seals, mmap
 * or REGION_REGISTER.
 */
int kvtr_live_region_create(struct kvtier *kv, size_t size, uint64_t cookie,
			    struct kvtr_live_region *r);

/**
 * kvtr_live_region_destroy() - unregister, unmap and close a region.
 * @kv: The handle (the one that registered it).
 * @r: The region; left with @fd -1. A region with @fd -1 does nothing.
 *
 * Work still queued to it fails in the driver; a copy the daemon has
 * already started lands in the old memfd, which no one reads any more.
 */
void kvtr_live_region_destroy(struct kvtier *kv, struct kvtr_live_region *r);

#endif /* KVTR_LIVE_REGION_H */

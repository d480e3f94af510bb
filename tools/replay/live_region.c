// SPDX-License-Identifier: GPL-2.0
/*
 * The DEVICE region of a tenant process (see live_region.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "live_region.h"

int kvtr_live_region_create(struct kvtier *kv, size_t size, uint64_t cookie,
			    struct kvtr_live_region *r)
{
	int ret;

	r->addr = NULL;
	r->size = size;
	r->id = 0;
	r->fd = memfd_create("kvtier-replay", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (r->fd < 0)
		return -errno;
	if (ftruncate(r->fd, (off_t)size) ||
	    fcntl(r->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)) {
		ret = -errno;
		goto err_close;
	}
	r->addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		       0);
	if (r->addr == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	ret = kvtier_region_register(kv, size, cookie, r->fd,
				     KVTIER_REGION_KIND_MEMFD, &r->id);
	if (ret)
		goto err_unmap;
	return 0;

err_unmap:
	munmap(r->addr, size);
err_close:
	close(r->fd);
	r->addr = NULL;
	r->id = 0;
	r->fd = -1;
	return ret;
}

void kvtr_live_region_destroy(struct kvtier *kv, struct kvtr_live_region *r)
{
	if (r->fd < 0)
		return;
	if (r->id)
		kvtier_region_unregister(kv, r->id);
	munmap(r->addr, r->size);
	close(r->fd);
	r->addr = NULL;
	r->id = 0;
	r->fd = -1;
}

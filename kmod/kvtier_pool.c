// SPDX-License-Identifier: GPL-2.0
/*
 * Pool memory. A pool is exactly slot_size * slot_count bytes of pinned
 * memory: never rounded up, never swapped, on the NUMA node asked for. It
 * is a shmem file of exactly that size on a private tmpfs mount of its own,
 * so that the manager's mapping of it is a plain shmem mapping, which
 * io_uring accepts as fixed buffers (Linux 6.1's io_pin_pages() refuses any
 * other file-backed VMA but hugetlbfs). The mount's options give each pool
 * what it asked for: "huge=within_size" (2 MiB pages where they are free,
 * never past the end of the file, so a short last chunk is order-0) or
 * "huge=never", and "mpol=bind:<node>" for a pool on a given node.
 *
 * Every page is allocated at creation, and the pool holds a reference on
 * each one for its whole life, in a table of 2 MiB chunks: a chunk is
 * either one PMD-sized folio (a page walk needs no page pointer per 4 KiB)
 * or one page pointer per 4 KiB. The mapping is unevictable and its gfp
 * mask has no __GFP_MOVABLE: the pages stay where they are, out of movable
 * zones and CMA, so a long-term GUP pin (io_uring) never has to migrate
 * them. The pages are allocated by a kworker on a CPU of the pool's node:
 * with no mm, shmem charges them to the root memory cgroup rather than to
 * the admin that created the pool, and the THP allocation tries the local
 * node first.
 *
 * Destroying the pool drops the pool's references, sets the file's size
 * to 0 and truncates it, then drops the file. Mappings and GUP pins (the
 * manager's O_DIRECT and io_uring I/O into slots, vmsplice) hold their own
 * references, so a page still pinned goes back to the allocator when the
 * last pin drops; a manager mapping that outlives the pool holds the file,
 * not the pages, and faults with SIGBUS past the new size, as a client
 * mapping of a destroyed pool does.
 */
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>

#include "core/kvt_core.h"
#include "kvtier_mmap.h"
#include "kvtier_pool.h"

/*
 * Pages for pools. The pool is made of many small allocations an admin
 * asked for: fail them rather than invoke the OOM killer on someone else.
 * No __GFP_MOVABLE: the pages are pinned for the pool's life. shmem limits
 * its huge page allocations to the zones this allows, too.
 */
#define KVTIER_POOL_GFP (GFP_HIGHUSER | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

struct page *kvtier_pool_page(const struct kvtier_pool *pool, u64 offset)
{
	const struct kvtier_pool_chunk *chunk;
	unsigned long idx;

	chunk = &pool->chunks[offset >> KVTIER_CHUNK_SHIFT];
	idx = (offset & (KVTIER_CHUNK_SIZE - 1)) >> PAGE_SHIFT;
	if (chunk->huge)
		return nth_page(chunk->huge, idx);
	return chunk->pages[idx];
}

struct kvtier_pool *kvtier_pool_lookup(struct kvtier_device *kdev, u32 id)
{
	if (id == 0 || id > KVTIER_MAX_POOLS)
		return NULL;
	return srcu_dereference(kdev->pools[id], &kdev->pools_srcu);
}

/* Drops the pool's references; pinned pages outlive it (see above). */
static void kvtier_pool_chunk_free(struct kvtier_pool_chunk *chunk,
				   unsigned long npages)
{
	unsigned long i;

	if (chunk->huge) {
		put_page(chunk->huge);
		chunk->huge = NULL;
		return;
	}
	if (!chunk->pages)
		return;
	for (i = 0; i < npages; i++)
		if (chunk->pages[i])
			put_page(chunk->pages[i]);
	kfree(chunk->pages);
	chunk->pages = NULL;
}

/* Bytes of chunk @i that belong to the pool (the last chunk may be short). */
static u64 kvtier_pool_chunk_bytes(const struct kvtier_pool *pool,
				   unsigned long i)
{
	u64 start = (u64)i << KVTIER_CHUNK_SHIFT;

	return min_t(u64, KVTIER_CHUNK_SIZE, pool->size - start);
}

/*
 * The page at @index of the pool's file, allocated (and zeroed) by shmem
 * if it is not there yet, with a reference for the caller.
 */
static struct page *kvtier_pool_file_page(struct kvtier_pool *pool,
					  pgoff_t index)
{
	return shmem_read_mapping_page_gfp(pool->filp->f_mapping, index,
					   KVTIER_POOL_GFP);
}

static int kvtier_pool_chunk_fill(struct kvtier_pool *pool, unsigned long i)
{
	struct kvtier_pool_chunk *chunk = &pool->chunks[i];
	u64 bytes = kvtier_pool_chunk_bytes(pool, i);
	unsigned long npages = bytes >> PAGE_SHIFT;
	pgoff_t first = (pgoff_t)i << KVTIER_CHUNK_ORDER;
	struct page *page;
	unsigned long j;

	page = kvtier_pool_file_page(pool, first);
	if (IS_ERR(page))
		return PTR_ERR(page);
	/*
	 * shmem aligns a huge folio to its size in the file, so one that
	 * starts at the chunk covers it. Anything else (order-0 pages, or a
	 * huge folio that sysfs "force" put past a short last chunk) is kept
	 * page by page, each page holding a reference on its folio.
	 */
	if (bytes == KVTIER_CHUNK_SIZE &&
	    folio_order(page_folio(page)) == KVTIER_CHUNK_ORDER &&
	    &page_folio(page)->page == page) {
		chunk->huge = page;
		pool->huge_bytes += KVTIER_CHUNK_SIZE;
		return 0;
	}

	chunk->pages = kcalloc(npages, sizeof(*chunk->pages), GFP_KERNEL);
	if (!chunk->pages) {
		put_page(page);
		return -ENOMEM;
	}
	chunk->pages[0] = page;
	for (j = 1; j < npages; j++) {
		page = kvtier_pool_file_page(pool, first + j);
		/* The caller frees the chunk: its NULL entries are skipped. */
		if (IS_ERR(page))
			return PTR_ERR(page);
		chunk->pages[j] = page;
	}
	return 0;
}

/**
 * struct kvtier_pool_fill - a pool to populate, from a kworker.
 * @pool: the pool, its file set up, its chunks empty.
 * @creator: the task in POOL_CREATE, waiting for the kworker: a fatal
 *           signal to it stops the allocation.
 */
struct kvtier_pool_fill {
	struct kvtier_pool *pool;
	struct task_struct *creator;
};

/* work_on_cpu() function: 0, -ENOMEM or -EINTR; partial chunks stay. */
static long kvtier_pool_fill_fn(void *arg)
{
	struct kvtier_pool_fill *fill = arg;
	struct kvtier_pool *pool = fill->pool;
	unsigned long i;
	int ret;

	for (i = 0; i < pool->nr_chunks; i++) {
		/* Gigabytes take a while: let a killed admin tool go. */
		if (fatal_signal_pending(fill->creator))
			return -EINTR;
		ret = kvtier_pool_chunk_fill(pool, i);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

/*
 * A CPU to allocate on: one of the pool's node when it has any (so that
 * the kernel's first try for a huge page is on that node), else the
 * caller's; "mpol=bind" keeps the pages on the node either way.
 */
static int kvtier_pool_fill_cpu(const struct kvtier_pool *pool)
{
	unsigned int cpu;

	if (pool->nid != NUMA_NO_NODE) {
		cpu = cpumask_any_and(cpumask_of_node(pool->nid),
				      cpu_online_mask);
		if (cpu < nr_cpu_ids)
			return cpu;
	}
	return raw_smp_processor_id();
}

/*
 * The pool's own tmpfs: huge pages or not as the pool asked, bound to its
 * node if it named one. tmpfs is built in (CONFIG_SHMEM=y is what makes
 * shmem_file_setup_with_mnt() exist), so get_fs_type() takes no module
 * reference that would need dropping (put_filesystem() is not exported).
 */
static struct vfsmount *kvtier_pool_mount(const struct kvtier_pool *pool)
{
	struct file_system_type *type = get_fs_type("tmpfs");
	bool huge = (pool->flags & KVTIER_POOL_HUGEPAGE) &&
		    IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) &&
		    has_transparent_hugepage();
	/* vfs_kern_mount() parses the options in place: writable. */
	char opts[48];
	int n;

	if (!type)
		return ERR_PTR(-ENODEV);
	n = scnprintf(opts, sizeof(opts), "huge=%s",
		      huge ? "within_size" : "never");
	if (IS_ENABLED(CONFIG_NUMA) && pool->nid != NUMA_NO_NODE)
		scnprintf(opts + n, sizeof(opts) - n, ",mpol=bind:%d",
			  pool->nid);
	return vfs_kern_mount(type, SB_KERNMOUNT, type->name, opts);
}

/*
 * Seals the pool's file, now filled, as memfd_create()'s F_ADD_SEALS would:
 * its size never changes, and no one writes to it through a descriptor or
 * punches holes in it (madvise(MADV_REMOVE) on the manager's mapping, or
 * fallocate() through /proc/<pid>/map_files): a page a client maps must
 * stay the pool's, or the page cache would drop a page that is still
 * mapped. Only the pool's destroy shrinks the file, directly, not through
 * setattr. The manager's mapping keeps write access (kvtier_mmap.c).
 */
static void kvtier_pool_file_seal(struct kvtier_pool *pool)
{
	struct inode *inode = file_inode(pool->filp);

	inode_lock(inode);
	SHMEM_I(inode)->seals |= F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
				 F_SEAL_FUTURE_WRITE;
	inode_unlock(inode);
}

/* Sets up the pool's mount and file. 0, or -errno. */
static int kvtier_pool_file_create(struct kvtier_pool *pool)
{
	struct address_space *mapping;
	struct vfsmount *mnt;
	struct file *filp;

	mnt = kvtier_pool_mount(pool);
	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	/*
	 * VM_NORESERVE, as DRM's GEM objects do: the memory is accounted
	 * page by page as it is allocated, by the kworker, which is about
	 * to allocate all of it.
	 */
	filp = shmem_file_setup_with_mnt(mnt, "kvtier-pool", pool->size,
					 VM_NORESERVE);
	if (IS_ERR(filp)) {
		kern_unmount(mnt);
		return PTR_ERR(filp);
	}
	mapping = filp->f_mapping;
	mapping_set_gfp_mask(mapping, KVTIER_POOL_GFP);
	mapping_set_unevictable(mapping);
	pool->mnt = mnt;
	pool->filp = filp;
	return 0;
}

/*
 * Empties the pool's file and drops it. Past the new size of 0 a manager
 * mapping that is left faults with SIGBUS rather than allocate afresh.
 * Setting i_size, unmapping and truncating is what shmem_setattr() does
 * for a truncate to 0 (with no seals and no size accounting to check).
 */
static void kvtier_pool_file_destroy(struct kvtier_pool *pool)
{
	struct inode *inode;

	if (!pool->filp)
		return;
	inode = file_inode(pool->filp);
	inode_lock(inode);
	i_size_write(inode, 0);
	inode_unlock(inode);
	unmap_mapping_range(inode->i_mapping, 0, 0, 1);
	shmem_truncate_range(inode, 0, (loff_t)-1);
	fput(pool->filp);
	pool->filp = NULL;
	/* A mapping still holding the file holds the mount as well. */
	kern_unmount(pool->mnt);
	pool->mnt = NULL;
}

static void kvtier_pool_free(struct kvtier_pool *pool)
{
	unsigned long i;

	for (i = 0; i < pool->nr_chunks; i++) {
		kvtier_pool_chunk_free(&pool->chunks[i],
				       kvtier_pool_chunk_bytes(pool, i) >>
				       PAGE_SHIFT);
		cond_resched();
	}
	kvtier_pool_file_destroy(pool);
	kvfree(pool->chunks);
	kfree(pool);
}

/* Returns the new pool's memory, or ERR_PTR(-ENOMEM / -EINTR / -errno). */
static struct kvtier_pool *
kvtier_pool_alloc(const struct drm_kvtier_pool_create *req, u64 size, int nid)
{
	struct kvtier_pool_fill fill = { .creator = current };
	struct kvtier_pool *pool;
	long ret;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	pool->kind = req->kind;
	pool->flags = req->flags;
	pool->nid = nid;
	pool->slot_size = req->slot_size;
	pool->slot_count = req->slot_count;
	pool->size = size;
	pool->nr_chunks = DIV_ROUND_UP_ULL(size, KVTIER_CHUNK_SIZE);
	init_rwsem(&pool->fault_sem);

	pool->chunks = kvcalloc(pool->nr_chunks, sizeof(*pool->chunks),
				GFP_KERNEL);
	if (!pool->chunks) {
		ret = -ENOMEM;
		goto err_free_pool;
	}
	ret = kvtier_pool_file_create(pool);
	if (ret)
		goto err_free_chunks;

	/* The creator waits for the kworker, so @fill may live here. */
	fill.pool = pool;
	ret = work_on_cpu_safe(kvtier_pool_fill_cpu(pool), kvtier_pool_fill_fn,
			       &fill);
	if (ret)
		goto err_free;
	kvtier_pool_file_seal(pool);
	return pool;

err_free:
	/* Frees the chunks filled so far, the file and the mount. */
	kvtier_pool_free(pool);
	return ERR_PTR(ret);

err_free_chunks:
	kvfree(pool->chunks);
err_free_pool:
	kfree(pool);
	return ERR_PTR(ret);
}

void kvtier_pool_slots_scrub(struct kvtier_device *kdev, u32 id, u64 first,
			     u64 count)
{
	struct kvtier_pool *pool;
	u64 off, end;
	int idx;

	idx = srcu_read_lock(&kdev->pools_srcu);
	pool = kvtier_pool_lookup(kdev, id);
	if (!pool)
		goto out_unlock;
	if (WARN_ON(first > pool->slot_count ||
		    count > pool->slot_count - first))
		goto out_unlock;

	off = first * pool->slot_size;
	end = off + count * pool->slot_size;
	for (; off < end; off += PAGE_SIZE) {
		clear_highpage(kvtier_pool_page(pool, off));
		if (!(off & (KVTIER_CHUNK_SIZE - 1)))
			cond_resched();
	}

out_unlock:
	srcu_read_unlock(&kdev->pools_srcu, idx);
}

void kvtier_pool_fini(struct kvtier_device *kdev)
{
	struct kvtier_pool *pool;
	u32 id;

	for (id = 1; id <= KVTIER_MAX_POOLS; id++) {
		pool = rcu_dereference_protected(kdev->pools[id], true);
		if (!pool)
			continue;
		RCU_INIT_POINTER(kdev->pools[id], NULL);
		kvtier_pool_free(pool);
	}
}

/* The serial the core gave pool @id, which exists; pools_lock held. */
static u64 kvtier_pool_core_serial(struct kvtier_device *kdev, u32 id)
{
	struct drm_kvtier_pool_info info = { };

	WARN_ON(kvt_pool_info(kdev->core, id, &info));
	return info.serial;
}

int kvtier_pool_create_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct kvtier_device *kdev = kvtier_device_from_drm(drm);
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_pool_create *args = data;
	struct kvtier_pool *pool;
	int nid = NUMA_NO_NODE;
	u32 id;
	u64 size;
	int ret;

	if (args->flags & ~KVTIER_POOL_CREATE_FLAGS)
		return -EINVAL;
	if (args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (!kvt_client_is_admin(client))
		return -EPERM;
	ret = kvt_pool_validate(client, args, PAGE_SIZE);
	if (ret)
		return ret;
	/* The pool must fit its mmap window (pool ids are 1 << shift apart). */
	if (check_mul_overflow(args->slot_size, args->slot_count, &size) ||
	    size > (1ULL << KVTIER_POOL_MMAP_SHIFT))
		return -EINVAL;
	if (args->flags & KVTIER_POOL_NUMA) {
		if (args->numa_node < 0 || args->numa_node >= MAX_NUMNODES ||
		    !node_online(args->numa_node))
			return -EINVAL;
		nid = args->numa_node;
	}

	pool = kvtier_pool_alloc(args, size, nid);
	if (IS_ERR(pool))
		return PTR_ERR(pool);

	mutex_lock(&kdev->pools_lock);
	ret = kvt_pool_add(client, args, &id);
	if (ret)
		goto err_unlock;
	if (WARN_ON(id == 0 || id > KVTIER_MAX_POOLS ||
		    rcu_access_pointer(kdev->pools[id]))) {
		ret = -EINVAL;
		goto err_remove_pool;
	}
	pool->id = id;
	pool->serial = kvtier_pool_core_serial(kdev, id);
	rcu_assign_pointer(kdev->pools[id], pool);
	mutex_unlock(&kdev->pools_lock);

	args->pool_id = id;
	args->mmap_offset = kvtier_pool_mmap_offset(id);
	args->huge_bytes = pool->huge_bytes;
	return 0;

err_remove_pool:
	kvt_pool_remove(client, id);
err_unlock:
	mutex_unlock(&kdev->pools_lock);
	kvtier_pool_free(pool);
	return ret;
}

int kvtier_pool_destroy_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct kvtier_device *kdev = kvtier_device_from_drm(drm);
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_pool_destroy *args = data;
	struct kvtier_pool *pool;
	int ret;

	if (args->flags)
		return -EINVAL;
	if (!kvt_client_is_admin(client))
		return -EPERM;
	if (args->pool_id == 0 || args->pool_id > KVTIER_MAX_POOLS)
		return -ENOENT;

	mutex_lock(&kdev->pools_lock);
	ret = kvt_pool_remove(client, args->pool_id);
	if (ret)
		goto out_unlock;
	pool = rcu_dereference_protected(kdev->pools[args->pool_id],
					 lockdep_is_held(&kdev->pools_lock));
	RCU_INIT_POINTER(kdev->pools[args->pool_id], NULL);
	if (WARN_ON(!pool))
		goto out_unlock;
	/*
	 * Wait out faults and scrubs that still see the pool, then take every
	 * client PTE of it away (with the page references they hold) before
	 * the pool drops its own; the manager's PTEs go with the truncation
	 * of the pool's file. Holding pools_lock keeps a new pool from taking
	 * the id meanwhile.
	 */
	synchronize_srcu(&kdev->pools_srcu);
	kvtier_mmap_range_unmap(kdev, kvtier_pool_mmap_offset(pool->id),
				pool->size);
	mutex_unlock(&kdev->pools_lock);

	kvtier_pool_free(pool);
	return 0;

out_unlock:
	mutex_unlock(&kdev->pools_lock);
	return ret;
}

int kvtier_pool_info_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct kvtier_device *kdev = kvtier_device_from_drm(drm);
	struct drm_kvtier_pool_info *args = data;
	struct kvtier_pool *pool;
	int ret, idx;

	if (args->pad)
		return -EINVAL;
	if (args->pool_id == 0 || args->pool_id > KVTIER_MAX_POOLS)
		return -ENOENT;

	ret = kvt_pool_info(kdev->core, args->pool_id, args);
	if (ret)
		return ret;

	idx = srcu_read_lock(&kdev->pools_srcu);
	pool = kvtier_pool_lookup(kdev, args->pool_id);
	if (pool) {
		args->mmap_offset = kvtier_pool_mmap_offset(pool->id);
		args->huge_bytes = pool->huge_bytes;
		args->numa_node = pool->nid == NUMA_NO_NODE ? -1 : pool->nid;
	} else {
		ret = -ENOENT;
	}
	srcu_read_unlock(&kdev->pools_srcu, idx);

	args->pad2 = 0;
	args->reserved = 0;
	return ret;
}

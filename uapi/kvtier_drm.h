/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvtier: node-level memory tier manager for LLM inference hosts.
 *
 * This header is the one contract between the kernel driver (kvtier.ko), the
 * daemon (kvtierd) and clients (libkvtier). It follows
 * Documentation/process/botching-up-ioctls.rst:
 *
 * - fixed-width fields only, pointers travel as __u64;
 * - every struct is padded explicitly to a multiple of 8 bytes, and every
 *   pad and reserved field must be zero (-EINVAL otherwise);
 * - every flags field has a published valid mask, unknown bits give -EINVAL;
 * - batches are arrays passed as a __u64 pointer with a count; the count is
 *   bounded by KVTIER_MAX_BATCH and count * size never overflows;
 * - times are CLOCK_MONOTONIC nanoseconds;
 * - features are discovered through DRM_IOCTL_KVTIER_GET_PARAM.
 *
 * Batched object operations validate the whole request first (flags, pads,
 * counts, pointers) and fail the ioctl with -errno if any of that is wrong.
 * Once a batch is accepted, each item is processed on its own and carries
 * its own result (0 or -errno); the ioctl then returns 0 and reports the
 * number of failed items. Allocation is the exception: it is all or nothing.
 */
#ifndef KVTIER_DRM_H
#define KVTIER_DRM_H

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/** KVTIER_ABI_VERSION - bumped on every incompatible change of this header. */
#define KVTIER_ABI_VERSION 1

/** KVTIER_DRIVER_NAME - the DRM driver name, used to find the device. */
#define KVTIER_DRIVER_NAME "kvtier"

/** KVTIER_MAX_BATCH - most items in one batched ioctl. */
#define KVTIER_MAX_BATCH 4096
/** KVTIER_MAX_POOLS - pool ids run from 1 to KVTIER_MAX_POOLS. */
#define KVTIER_MAX_POOLS 64
/** KVTIER_MAX_REGIONS - device region ids run from 1 to this. */
#define KVTIER_MAX_REGIONS 256
/** KVTIER_POOL_MMAP_SHIFT - pool @id is mapped at offset id << shift. */
#define KVTIER_POOL_MMAP_SHIFT 44

/* Tiers, used as values and as bits (1 << tier) in residency masks. */
#define KVTIER_TIER_DEVICE 0
#define KVTIER_TIER_HOST 1
#define KVTIER_TIER_DISK 2
#define KVTIER_TIER_COUNT 3
#define KVTIER_TIER_BIT(t) (1u << (t))

/* Object kinds a pool holds. */
#define KVTIER_KIND_RAW 0
#define KVTIER_KIND_KV 1
#define KVTIER_KIND_ADAPTER 2
#define KVTIER_KIND_EXPERT 3
#define KVTIER_KIND_COUNT 4

/* Object states. Only READY objects are found by lookups. */
#define KVTIER_STATE_WRITING 0
#define KVTIER_STATE_READY 1
#define KVTIER_STATE_EVICTING 2
#define KVTIER_STATE_COUNT 3

/* Parameters of DRM_IOCTL_KVTIER_GET_PARAM. */
#define KVTIER_PARAM_ABI_VERSION 0
#define KVTIER_PARAM_FEATURES 1
#define KVTIER_PARAM_MAX_BATCH 2
#define KVTIER_PARAM_MAX_POOLS 3
#define KVTIER_PARAM_MANAGER_ATTACHED 4
#define KVTIER_PARAM_TENANT_ID 5
#define KVTIER_PARAM_IS_ADMIN 6
#define KVTIER_PARAM_PAGE_SIZE 7
#define KVTIER_PARAM_COUNT 8

/* Bits of KVTIER_PARAM_FEATURES. */
#define KVTIER_FEATURE_HUGEPAGE (1ull << 0)
#define KVTIER_FEATURE_NUMA (1ull << 1)
#define KVTIER_FEATURE_FETCH_EVENT (1ull << 2)
#define KVTIER_FEATURE_PREFIX_LOOKUP (1ull << 3)
#define KVTIER_FEATURE_TRACEPOINTS (1ull << 4)
#define KVTIER_FEATURE_ACCESS_STREAM (1ull << 5)

/**
 * struct drm_kvtier_key - a 128-bit object key, chosen by the client.
 * @lo: In. Low 64 bits.
 * @hi: In. High 64 bits.
 */
struct drm_kvtier_key {
	__u64 lo;
	__u64 hi;
};

/**
 * struct drm_kvtier_get_param - read one driver parameter.
 * @param: In. One of KVTIER_PARAM_*.
 * @pad: In. Must be zero.
 * @value: Out. The parameter's value.
 */
struct drm_kvtier_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

/* Flags of struct drm_kvtier_pool_create. */
#define KVTIER_POOL_HUGEPAGE (1u << 0)
#define KVTIER_POOL_NUMA (1u << 1)
#define KVTIER_POOL_CREATE_FLAGS (KVTIER_POOL_HUGEPAGE | KVTIER_POOL_NUMA)

/**
 * struct drm_kvtier_pool_create - create a pinned host pool (admin only).
 *
 * The pool is exactly @slot_size * @slot_count bytes of pinned memory,
 * allocated now, never swapped, freed when the pool is destroyed.
 *
 * @slot_size: In. Bytes per slot; a non-zero multiple of the page size.
 * @slot_count: In. Number of slots; non-zero.
 * @kind: In. One of KVTIER_KIND_*.
 * @flags: In. KVTIER_POOL_* within KVTIER_POOL_CREATE_FLAGS.
 * @numa_node: In. NUMA node to allocate on, read when KVTIER_POOL_NUMA is set.
 * @pool_id: Out. The new pool's id (1..KVTIER_MAX_POOLS).
 * @mmap_offset: Out. Offset to pass to mmap() to map the pool.
 * @huge_bytes: Out. How many bytes came as 2 MiB pages.
 * @reserved: In. Must be zero.
 */
struct drm_kvtier_pool_create {
	__u64 slot_size;
	__u64 slot_count;
	__u32 kind;
	__u32 flags;
	__s32 numa_node;
	__u32 pool_id;
	__u64 mmap_offset;
	__u64 huge_bytes;
	__u64 reserved[2];
};

/**
 * struct drm_kvtier_pool_destroy - destroy an empty pool (admin only).
 * @pool_id: In. The pool to destroy.
 * @flags: In. Must be zero.
 */
struct drm_kvtier_pool_destroy {
	__u32 pool_id;
	__u32 flags;
};

/**
 * struct drm_kvtier_pool_info - describe a pool.
 * @pool_id: In. The pool.
 * @pad: In. Must be zero.
 * @slot_size: Out. Bytes per slot.
 * @slot_count: Out. Slots in the pool.
 * @slots_used: Out. Slots held by objects.
 * @objects: Out. Objects with slots in this pool.
 * @mmap_offset: Out. Offset to pass to mmap() to map the pool.
 * @huge_bytes: Out. Bytes backed by 2 MiB pages.
 * @kind: Out. One of KVTIER_KIND_*.
 * @flags: Out. The flags the pool was created with.
 * @numa_node: Out. The node it was allocated on, or -1 for any.
 * @pad2: Out. Zero.
 * @serial: Out. Names this pool among all the pools the device has had
 *	since it was loaded, never 0: a pool destroyed and created again
 *	under the same id has another serial, so a mapping made for one is
 *	known not to show the other.
 * @reserved: Out. Zero.
 */
struct drm_kvtier_pool_info {
	__u32 pool_id;
	__u32 pad;
	__u64 slot_size;
	__u64 slot_count;
	__u64 slots_used;
	__u64 objects;
	__u64 mmap_offset;
	__u64 huge_bytes;
	__u32 kind;
	__u32 flags;
	__s32 numa_node;
	__u32 pad2;
	__u64 serial;
	__u64 reserved;
};

/** KVTIER_QUOTA_UNLIMITED - a tenant quota that never refuses. */
#define KVTIER_QUOTA_UNLIMITED (~0ull)

/**
 * struct drm_kvtier_tenant_quota - set a tenant's quota in a pool (admin only).
 * @tenant_id: In. The tenant (its cgroup v2 id).
 * @pool_id: In. The pool.
 * @pad: In. Must be zero.
 * @max_slots: In. Most slots the tenant may hold, or KVTIER_QUOTA_UNLIMITED.
 */
struct drm_kvtier_tenant_quota {
	__u64 tenant_id;
	__u32 pool_id;
	__u32 pad;
	__u64 max_slots;
};

/**
 * struct drm_kvtier_tenant_usage - one tenant's usage of one pool.
 * @tenant_id: In/Out. The tenant; 0 in TENANT_INFO means the caller's own.
 * @pool_id: In/Out. The pool.
 * @pad: In. Must be zero.
 * @slots_used: Out. Slots the tenant holds in the pool.
 * @max_slots: Out. Its quota, or KVTIER_QUOTA_UNLIMITED.
 * @objects: Out. Objects the tenant owns in the pool.
 * @quota_refusals: Out. Allocations refused with -EDQUOT.
 */
struct drm_kvtier_tenant_usage {
	__u64 tenant_id;
	__u32 pool_id;
	__u32 pad;
	__u64 slots_used;
	__u64 max_slots;
	__u64 objects;
	__u64 quota_refusals;
};

/**
 * struct drm_kvtier_tenant_list - list every tenant's usage (admin only).
 *
 * Entries are (tenant, pool) pairs in a stable order while no tenant or
 * pool is added; list more than KVTIER_MAX_BATCH by calling again with
 * @first advanced by the entries written.
 *
 * @entries_ptr: In. Pointer to an array of struct drm_kvtier_tenant_usage.
 * @count: In/Out. Room in the array (0..KVTIER_MAX_BATCH; 0 asks only for
 *         @total); on return, entries written.
 * @flags: In. Must be zero.
 * @total: Out. Entries that exist (may exceed @count).
 * @first: In. Index of the first entry to return.
 */
struct drm_kvtier_tenant_list {
	__u64 entries_ptr;
	__u32 count;
	__u32 flags;
	__u32 total;
	__u32 first;
};

/**
 * struct drm_kvtier_alloc_item - one object to allocate.
 * @key: In. The object's key; unique in its namespace.
 * @size: In. Bytes; rounded up to whole slots.
 * @handle: Out. The object's handle.
 * @offset: Out. Byte offset of the object's first slot in the pool mapping.
 * @slot_count: Out. Slots the object occupies (contiguous).
 * @pad: In. Must be zero.
 */
struct drm_kvtier_alloc_item {
	struct drm_kvtier_key key;
	__u64 size;
	__u64 handle;
	__u64 offset;
	__u32 slot_count;
	__u32 pad;
};

/*
 * KVTIER_NO_INDEX - @failed_index of an allocation refused as a whole,
 * not because of one of its items: an unknown pool, bad flags or counts,
 * an unreadable array.
 */
#define KVTIER_NO_INDEX 0xffffffffu

/* Flags of struct drm_kvtier_obj_alloc. */
#define KVTIER_ALLOC_GLOBAL (1u << 0)
#define KVTIER_ALLOC_FLAGS (KVTIER_ALLOC_GLOBAL)

/**
 * struct drm_kvtier_obj_alloc - allocate objects in state WRITING.
 *
 * All or nothing: either every item is allocated, charged to the caller's
 * tenant and referenced by the caller, or none is and the ioctl fails with
 * -EEXIST (a key already in the namespace), -ENOSPC (pool full) or -EDQUOT
 * (tenant quota). @failed_index names the item that failed.
 *
 * @items_ptr: In. Pointer to an array of struct drm_kvtier_alloc_item.
 * @count: In. Items, 1..KVTIER_MAX_BATCH.
 * @pool_id: In. The pool to allocate in.
 * @flags: In. KVTIER_ALLOC_* within KVTIER_ALLOC_FLAGS; GLOBAL is admin only.
 * @failed_index: Out. @count on success; on failure the index of the
 *                failing item, or KVTIER_NO_INDEX when no one item failed.
 */
struct drm_kvtier_obj_alloc {
	__u64 items_ptr;
	__u32 count;
	__u32 pool_id;
	__u32 flags;
	__u32 failed_index;
};

/**
 * struct drm_kvtier_obj_op - one item of commit, pin, unpin, release, free.
 * @handle: In. The object.
 * @tier: In. For pin and unpin: the tier (KVTIER_TIER_*). Otherwise zero.
 * @result: Out. 0, or -errno for this item.
 */
struct drm_kvtier_obj_op {
	__u64 handle;
	__u32 tier;
	__s32 result;
};

/* Values of struct drm_kvtier_obj_batch.op. */
#define KVTIER_OP_COMMIT 0
#define KVTIER_OP_PIN 1
#define KVTIER_OP_UNPIN 2
#define KVTIER_OP_RELEASE 3
#define KVTIER_OP_FREE 4
#define KVTIER_OP_COUNT 5

/**
 * struct drm_kvtier_obj_batch - apply one operation to many objects.
 *
 * COMMIT: WRITING -> READY; the object becomes immutable and visible to
 * lookups in its namespace. Only the allocating client may commit. From
 * then on its slots are read-only in every client's mapping, the writer's
 * included (a write faults with SIGBUS); only the manager's mapping of the
 * pool writes them.
 * PIN, UNPIN: a pinned copy in a tier is never evicted; needs a reference.
 * RELEASE: drop the caller's reference and the pins it holds through it.
 * FREE: remove the object (owning tenant or admin); READY objects leave the
 * index at once and their memory goes when the last reference is dropped.
 * A pinned object cannot be freed (-EBUSY).
 *
 * @items_ptr: In. Pointer to an array of struct drm_kvtier_obj_op.
 * @count: In. Items, 1..KVTIER_MAX_BATCH.
 * @op: In. One of KVTIER_OP_*.
 * @flags: In. Must be zero.
 * @failed: Out. Items whose result is not 0.
 */
struct drm_kvtier_obj_batch {
	__u64 items_ptr;
	__u32 count;
	__u32 op;
	__u32 flags;
	__u32 failed;
};

/* Bits of struct drm_kvtier_lookup_result.flags. */
#define KVTIER_LOOKUP_PRESENT (1u << 0)
#define KVTIER_LOOKUP_GLOBAL (1u << 1)
/*
 * An ACQUIRE lookup took the reference on this hit: the caller did not
 * hold the object before the call (one RELEASE undoes the call's effect).
 */
#define KVTIER_LOOKUP_ACQUIRED (1u << 2)

/**
 * struct drm_kvtier_lookup_result - what a lookup found for one key.
 * @handle: Out. The object's handle, or 0 when absent.
 * @size: Out. The object's size in bytes, as allocated (not rounded to slots).
 * @offset: Out. Byte offset of its first slot in its pool's mapping, when
 *          it is resident in HOST.
 * @pool_id: Out. The pool the object belongs to.
 * @tiers: Out. Residency: KVTIER_TIER_BIT() of each tier holding a copy.
 * @flags: Out. KVTIER_LOOKUP_PRESENT, KVTIER_LOOKUP_GLOBAL,
 *         KVTIER_LOOKUP_ACQUIRED.
 * @pad: Out. Zero.
 */
struct drm_kvtier_lookup_result {
	__u64 handle;
	__u64 size;
	__u64 offset;
	__u32 pool_id;
	__u32 tiers;
	__u32 flags;
	__u32 pad;
};

/* Flags of struct drm_kvtier_lookup. */
#define KVTIER_LOOKUP_ACQUIRE (1u << 0)
#define KVTIER_LOOKUP_STOP_AT_MISS (1u << 1)
#define KVTIER_LOOKUP_FLAGS (KVTIER_LOOKUP_ACQUIRE | KVTIER_LOOKUP_STOP_AT_MISS)

/**
 * struct drm_kvtier_lookup - look up many keys in the caller's namespace.
 *
 * The caller's tenant sees its own READY objects and global ones; any other
 * object is reported exactly as an absent one. With KVTIER_LOOKUP_ACQUIRE the
 * caller takes a reference on every hit (needed to map, pin or fetch it).
 * With KVTIER_LOOKUP_STOP_AT_MISS the lookup ends at the first miss, which is
 * what a KV prompt wants: its keys chain, so nothing after a miss can hit.
 * A client holds at most one reference per object: acquiring an object it
 * already holds changes nothing, and one RELEASE drops it.
 *
 * @keys_ptr: In. Pointer to an array of struct drm_kvtier_key.
 * @results_ptr: In. Pointer to an array of struct drm_kvtier_lookup_result.
 * @count: In. Keys, 1..KVTIER_MAX_BATCH.
 * @flags: In. KVTIER_LOOKUP_* within KVTIER_LOOKUP_FLAGS.
 * @hits: Out. Keys found.
 * @prefix: Out. Length of the longest run of hits from the first key.
 */
struct drm_kvtier_lookup {
	__u64 keys_ptr;
	__u64 results_ptr;
	__u32 count;
	__u32 flags;
	__u32 hits;
	__u32 prefix;
};

/**
 * struct drm_kvtier_fetch_item - one object to make resident in a tier.
 * @handle: In. The object; the caller must hold a reference.
 * @offset: In. For DEVICE: byte offset in the region. Otherwise zero.
 * @tier: In. KVTIER_TIER_HOST or KVTIER_TIER_DEVICE.
 * @region_id: In. For DEVICE: a region registered by the caller.
 *             Otherwise zero.
 * @result: Out. 0 when resident now, 1 when queued, or -errno.
 * @pad: In. Must be zero.
 */
struct drm_kvtier_fetch_item {
	__u64 handle;
	__u64 offset;
	__u32 tier;
	__u32 region_id;
	__s32 result;
	__u32 pad;
};

/**
 * struct drm_kvtier_fetch - make objects resident and pin them there.
 *
 * What is resident in the asked tier is pinned at once. The rest becomes
 * work for the manager; when the last of it completes the driver queues a
 * struct drm_kvtier_event_fetch on the caller's fd (poll it for POLLIN and
 * read() it). No event is sent when @pending is zero. The client releases
 * the pins with UNPIN or RELEASE. Completion events use the fd's DRM event
 * space: while too many are unread, a fetch that would need one fails with
 * -EAGAIN and changes nothing; read the events and retry.
 *
 * @items_ptr: In. Pointer to an array of struct drm_kvtier_fetch_item.
 * @user_data: In. Echoed in the completion event.
 * @count: In. Items, 1..KVTIER_MAX_BATCH.
 * @flags: In. Must be zero.
 * @fetch_id: Out. Names this fetch in its completion event.
 * @pending: Out. Items queued as work.
 * @failed: Out. Items refused (their result is -errno).
 * @pad: In. Must be zero.
 */
struct drm_kvtier_fetch {
	__u64 items_ptr;
	__u64 user_data;
	__u32 count;
	__u32 flags;
	__u32 fetch_id;
	__u32 pending;
	__u32 failed;
	__u32 pad;
};

/** DRM_KVTIER_EVENT_FETCH_DONE - type of struct drm_kvtier_event_fetch. */
#define DRM_KVTIER_EVENT_FETCH_DONE 0x80000001

/**
 * struct drm_kvtier_event_fetch - read() from the fd when a fetch completes.
 * @base: Out. type DRM_KVTIER_EVENT_FETCH_DONE, length sizeof(*this).
 * @user_data: Out. The fetch's @user_data.
 * @fetch_id: Out. The fetch's id.
 * @completed: Out. Items the manager made resident.
 * @failed: Out. Items the manager could not make resident.
 * @status: Out. 0, or the first failed item's -errno.
 */
struct drm_kvtier_event_fetch {
	struct drm_event base;
	__u64 user_data;
	__u32 fetch_id;
	__u32 completed;
	__u32 failed;
	__s32 status;
};

/* Values of struct drm_kvtier_region_register.kind. */
#define KVTIER_REGION_KIND_NONE 0	/* bookkeeping only, no memory handed over */
#define KVTIER_REGION_KIND_MEMFD 1	/* @fd is a memfd sealed F_SEAL_SHRINK */
#define KVTIER_REGION_KIND_CUDA_VMM 2	/* @fd is a CUDA VMM POSIX-fd export */
#define KVTIER_REGION_KIND_COUNT 3

/**
 * struct drm_kvtier_region_register - declare a device region for fetches.
 *
 * The driver records the region so that fetches can be checked against its
 * bounds and owner. With a @kind other than NONE it also takes a reference
 * on the file behind @fd, which the manager obtains with
 * DRM_IOCTL_KVTIER_REGION_GET_FD to copy into the region: that is how a
 * client's device memory reaches the daemon without a side channel. The
 * reference is dropped when the region is unregistered or its owner's fd
 * closes.
 *
 * A MEMFD region is a memfd opened read-write, sealed with F_SEAL_SHRINK
 * (so that the file cannot shrink under the manager's copies) and not
 * sealed against writes; any other memfd gives -EINVAL, as does a file
 * that is not a memfd.
 *
 * @size: In. Bytes in the region; non-zero, and within the file for MEMFD.
 * @cookie: In. Opaque to the driver, handed to the manager with each work
 *          item.
 * @fd: In. A file descriptor of @kind; ignored for KVTIER_REGION_KIND_NONE.
 * @kind: In. One of KVTIER_REGION_KIND_*.
 * @flags: In. Must be zero.
 * @region_id: Out. The region's id.
 */
struct drm_kvtier_region_register {
	__u64 size;
	__u64 cookie;
	__s32 fd;
	__u32 kind;
	__u32 flags;
	__u32 region_id;
};

/**
 * struct drm_kvtier_region_get_fd - the manager opens a region's memory.
 *
 * Fails with -ENOENT when no region has @region_id, and with -ESTALE when
 * @gen is not zero and the region that has the id now is not the one of
 * that generation (it was unregistered, and the id maybe reused since).
 *
 * @region_id: In. The region.
 * @flags: In. Must be zero.
 * @size: Out. Bytes in the region.
 * @cookie: Out. The cookie it was registered with.
 * @tenant_id: Out. Its owner's tenant.
 * @fd: Out. A new close-on-exec descriptor for the region's file.
 * @kind: Out. One of KVTIER_REGION_KIND_*; NONE regions give -ENODEV.
 * @gen: In/Out. In: the generation to open (a work item's @region_gen), or
 *       zero for whichever region has the id. Out: the generation opened.
 * @pad: In. Must be zero.
 */
struct drm_kvtier_region_get_fd {
	__u32 region_id;
	__u32 flags;
	__u64 size;
	__u64 cookie;
	__u64 tenant_id;
	__s32 fd;
	__u32 kind;
	__u32 gen;
	__u32 pad;
};

/**
 * struct drm_kvtier_region_unregister - forget a region the caller owns.
 * @region_id: In. The region.
 * @flags: In. Must be zero.
 */
struct drm_kvtier_region_unregister {
	__u32 region_id;
	__u32 flags;
};

/* Flags of struct drm_kvtier_manager_attach. */
#define KVTIER_ATTACH_FLAGS 0u

/**
 * struct drm_kvtier_manager_attach - become the one manager (CAP_SYS_ADMIN).
 *
 * Fails with -EBUSY while another fd is the manager. The manager role ends
 * when its fd closes; work it held then goes back to the queue.
 *
 * @flags: In. Must be zero.
 * @pad: In. Must be zero.
 * @requeued: Out. Work items waiting in the queue when attaching.
 */
struct drm_kvtier_manager_attach {
	__u32 flags;
	__u32 pad;
	__u64 requeued;
};

/* Values of struct drm_kvtier_work_item.op. */
#define KVTIER_WORK_FETCH 0
#define KVTIER_WORK_COUNT 1

/**
 * struct drm_kvtier_work_item - one piece of work for the manager.
 * @work_id: Out. Names the item in DRM_IOCTL_KVTIER_WORK_COMPLETE.
 * @handle: Out. The object to move.
 * @key: Out. The object's key.
 * @size: Out. The object's size in bytes.
 * @src_offset: Out. Where the source copy is: the byte offset in the pool
 *              mapping for HOST, the disk location for DISK.
 * @dst_offset: Out. Where the copy goes: byte offset in the pool mapping
 *              for HOST, offset in the region for DEVICE.
 * @region_cookie: Out. For DEVICE: the cookie the region was registered with.
 * @tenant_id: Out. The object's tenant (0 for global objects).
 * @op: Out. One of KVTIER_WORK_*.
 * @src_tier: Out. The tier to copy from.
 * @dst_tier: Out. The tier to copy to.
 * @region_id: Out. For DEVICE: the destination region.
 * @pool_id: Out. The object's pool.
 * @region_gen: Out. For DEVICE: the generation of the region the work was
 *              queued for. A region id is reused once its region is
 *              unregistered; the generation is not, so the manager opens
 *              the destination with DRM_IOCTL_KVTIER_REGION_GET_FD at this
 *              generation and never copies into a region that took the
 *              id later. Zero otherwise.
 */
struct drm_kvtier_work_item {
	__u64 work_id;
	__u64 handle;
	struct drm_kvtier_key key;
	__u64 size;
	__u64 src_offset;
	__u64 dst_offset;
	__u64 region_cookie;
	__u64 tenant_id;
	__u32 op;
	__u32 src_tier;
	__u32 dst_tier;
	__u32 region_id;
	__u32 pool_id;
	__u32 region_gen;
};

/**
 * struct drm_kvtier_work_recv - take queued work (manager only).
 * @items_ptr: In. Pointer to an array of struct drm_kvtier_work_item.
 * @deadline_ns: In. CLOCK_MONOTONIC time to wait until for work; 0 does not
 *               wait. When no work is queued by the deadline (at once for 0)
 *               the ioctl fails with -ETIME, so a return of 0 always carries
 *               at least one item.
 * @count: In/Out. Room in the array; on return, items written.
 * @flags: In. Must be zero.
 */
struct drm_kvtier_work_recv {
	__u64 items_ptr;
	__u64 deadline_ns;
	__u32 count;
	__u32 flags;
};

/**
 * struct drm_kvtier_work_done - the outcome of one work item.
 * @work_id: In. The item, as received.
 * @bytes: In. Bytes moved.
 * @location: In. For DISK destinations: where the copy now lives.
 * @status: In. 0, or -errno (-4095..-1) when the work failed; any other
 *          value fails the item with -EINVAL and completes nothing.
 * @result: Out. 0, or -errno (-ENOENT: not held by this manager).
 */
struct drm_kvtier_work_done {
	__u64 work_id;
	__u64 bytes;
	__u64 location;
	__s32 status;
	__s32 result;
};

/**
 * struct drm_kvtier_work_complete - report finished work (manager only).
 * @items_ptr: In. Pointer to an array of struct drm_kvtier_work_done.
 * @count: In. Items, 1..KVTIER_MAX_BATCH.
 * @flags: In. Must be zero.
 * @failed: Out. Items whose result is not 0.
 * @pad: In. Must be zero.
 */
struct drm_kvtier_work_complete {
	__u64 items_ptr;
	__u32 count;
	__u32 flags;
	__u32 failed;
	__u32 pad;
};

/* Values of struct drm_kvtier_residency_item.op. */
#define KVTIER_RES_ADD 0
#define KVTIER_RES_DROP 1
#define KVTIER_RES_COUNT 2

/**
 * struct drm_kvtier_residency_item - the manager placed or dropped a copy.
 *
 * ADD records a copy the manager made on its own (a write-back to DISK)
 * of a READY object (-EINVAL for a WRITING one); on an object that already
 * has a DISK copy it replaces the recorded location. A stale handle, or an
 * object freed but still referenced, gives -ENOENT.
 * DROP forgets a copy (-ENOENT when there is none); dropping HOST gives the
 * slots back (-EBUSY while the object is pinned in HOST or referenced by a
 * client), dropping DISK fails with -EBUSY while it is pinned in DISK or a
 * transfer may read it, and dropping the last copy evicts the object.
 *
 * @handle: In. The object.
 * @location: In. For ADD to DISK: where the copy lives. Otherwise zero.
 * @op: In. KVTIER_RES_ADD or KVTIER_RES_DROP.
 * @tier: In. KVTIER_TIER_DISK for ADD; HOST or DISK for DROP.
 * @result: Out. 0, or -errno.
 * @pad: In. Must be zero.
 */
struct drm_kvtier_residency_item {
	__u64 handle;
	__u64 location;
	__u32 op;
	__u32 tier;
	__s32 result;
	__u32 pad;
};

/**
 * struct drm_kvtier_residency - update residency (manager only).
 * @items_ptr: In. Pointer to an array of struct drm_kvtier_residency_item.
 * @count: In. Items, 1..KVTIER_MAX_BATCH.
 * @flags: In. Must be zero.
 * @failed: Out. Items whose result is not 0.
 * @pad: In. Must be zero.
 */
struct drm_kvtier_residency {
	__u64 items_ptr;
	__u32 count;
	__u32 flags;
	__u32 failed;
	__u32 pad;
};

/**
 * struct drm_kvtier_obj_record - one object as the manager's policies see it.
 * @key: Out. The object's key.
 * @handle: Out. Its handle.
 * @tenant_id: Out. Its tenant (0 for global objects).
 * @size: Out. Bytes, as allocated.
 * @offset: Out. Byte offset of its slots in the pool mapping, with HOST.
 * @disk_location: Out. Where its DISK copy lives, with DISK.
 * @last_access_ns: Out. CLOCK_MONOTONIC time of its last lookup hit,
 *                  fetch or commit.
 * @hits: Out. Lookup hits since it was committed.
 * @pool_id: Out. Its pool.
 * @state: Out. One of KVTIER_STATE_*.
 * @tiers: Out. KVTIER_TIER_BIT() of each tier holding a copy.
 * @refs: Out. Clients holding a reference.
 * @pins: Out. Pins held on it, all tiers together.
 * @pad: Out. Zero.
 */
struct drm_kvtier_obj_record {
	struct drm_kvtier_key key;
	__u64 handle;
	__u64 tenant_id;
	__u64 size;
	__u64 offset;
	__u64 disk_location;
	__u64 last_access_ns;
	__u64 hits;
	__u32 pool_id;
	__u32 state;
	__u32 tiers;
	__u32 refs;
	__u32 pins;
	__u32 pad;
};

/**
 * struct drm_kvtier_obj_scan - list objects for the policies (manager only).
 *
 * Walks the object table in index order from @cursor. The walk takes no
 * global lock, so it is a consistent view of each object, not of the table.
 *
 * @records_ptr: In. Pointer to an array of struct drm_kvtier_obj_record.
 * @cursor: In/Out. Where to start (0 at first); on return, where to go on.
 * @count: In/Out. Room in the array (1..KVTIER_MAX_BATCH); on return,
 *         records written. 0 with @cursor unchanged means the walk is done.
 * @flags: In. Must be zero.
 */
struct drm_kvtier_obj_scan {
	__u64 records_ptr;
	__u64 cursor;
	__u32 count;
	__u32 flags;
};

/**
 * struct drm_kvtier_stats - driver-wide counters.
 * @objects: Out. Objects in the table.
 * @by_state: Out. Objects in each KVTIER_STATE_*.
 * @by_tier: Out. Objects with a copy in each KVTIER_TIER_*.
 * @lookups: Out. Keys looked up.
 * @hits: Out. Keys found.
 * @allocs: Out. Objects allocated.
 * @commits: Out. Objects committed.
 * @frees: Out. Objects freed or evicted.
 * @quota_refusals: Out. Allocations refused with -EDQUOT.
 * @fetches: Out. Fetch items accepted.
 * @work_queued: Out. Work items queued.
 * @work_dispatched: Out. Work items handed to a manager.
 * @work_completed: Out. Work items completed (success or failure).
 * @work_pending: Out. Work items waiting now, queued or dispatched.
 * @bytes_moved: Out. Bytes reported by completed work.
 * @clients: Out. Open fds.
 * @index_bytes: Out. Bytes of the key index's entry arrays in use.
 * @index_retired_bytes: Out. Bytes of entry arrays the index outgrew, freed
 *                       once no lookup that began before can still read
 *                       them.
 * @access_records: Out. Access records written to the stream's rings
 *                  since the stream was opened (0 while it is closed).
 * @access_dropped: Out. Access records dropped because a ring was full,
 *                  all rings together, since the stream was opened.
 */
struct drm_kvtier_stats {
	__u64 objects;
	__u64 by_state[KVTIER_STATE_COUNT];
	__u64 by_tier[KVTIER_TIER_COUNT];
	__u64 lookups;
	__u64 hits;
	__u64 allocs;
	__u64 commits;
	__u64 frees;
	__u64 quota_refusals;
	__u64 fetches;
	__u64 work_queued;
	__u64 work_dispatched;
	__u64 work_completed;
	__u64 work_pending;
	__u64 bytes_moved;
	__u64 clients;
	__u64 index_bytes;
	__u64 index_retired_bytes;
	__u64 access_records;
	__u64 access_dropped;
};

/*
 * The access stream.
 *
 * The driver records what happens to objects (each key a lookup probed, with
 * its outcome and its place in the lookup; allocations, commits, frees) in
 * rings that the manager maps read-only and drains in batches, as io_uring's
 * completion queue or perf's ring buffer. There is one ring per possible CPU
 * of the device: a record is written by the CPU the client runs on, with no
 * lock shared with other CPUs, and a client never waits for the manager.
 * When a ring is full its records are dropped and counted in the ring's
 * @dropped; the manager learns from that count that it lost a stretch and
 * must rebuild what it keeps (with DRM_IOCTL_KVTIER_OBJ_SCAN).
 *
 * The stream exists from DRM_IOCTL_KVTIER_STREAM_OPEN until the manager's fd
 * closes (or the manager detaches); while it does not exist nothing is
 * recorded and the hot paths pay one predictable branch.
 *
 * Layout of the mapping at drm_kvtier_stream_open.mmap_offset, @ring_bytes
 * per ring, ring i at i * @ring_bytes:
 *
 *   offset 0               struct drm_kvtier_stream_ring (its header)
 *   offset @records_offset @entries records of struct drm_kvtier_access
 *
 * @head and @tail count records from 0 and never wrap; record n is at index
 * n & (@entries - 1). The driver writes records, then @tail with release
 * semantics; the manager reads @tail with acquire semantics, reads the
 * records before it, then tells the driver how far it has read by writing
 * @head (release). The mapping is read-only except for the page holding
 * @head; the driver trusts @head for nothing but its own decision to drop
 * (a @head beyond @tail, or more than @entries behind it, reads as a full
 * ring).
 *
 * Enforcement: every page is mapped read-only and only a ring's header
 * page(s) (the bytes before @records_offset) may be made writable; a write
 * to a record page raises SIGBUS, whatever mprotect() says. @tail and
 * @dropped share the header's page, so they can be written too, but the
 * driver keeps its own counts and puts both right with each batch it
 * publishes. Records of one ring are in the order written (a lookup's
 * together); records of different rings are not ordered among themselves
 * (order them by @time_ns). A lookup of more than 256 keys may be split
 * across rings in runs of 256.
 *
 * The mapping holds the rings' memory, not the manager's fd: when the fd
 * closes the stream ends (and a new manager may open a new one at once),
 * while what is still mapped stays readable until munmap().
 */

/* Values of struct drm_kvtier_access.type. */
#define KVTIER_ACCESS_HIT 1
#define KVTIER_ACCESS_MISS 2
#define KVTIER_ACCESS_ALLOC 3
#define KVTIER_ACCESS_COMMIT 4
#define KVTIER_ACCESS_FREE 5
#define KVTIER_ACCESS_TYPE_COUNT 6

/* Bits of struct drm_kvtier_access.flags. */
/* MISS: a STOP_AT_MISS lookup ended before this key; it was not probed. */
#define KVTIER_ACCESS_NOT_PROBED (1u << 0)
/* HIT: the object is global (published by the manager). */
#define KVTIER_ACCESS_GLOBAL (1u << 1)
/* FREE: the object went because the manager dropped its last copy. */
/*
 * FREE is recorded once per object, when it leaves the namespace (freed
 * by its owner, let go of uncommitted by its writer, or evicted), even
 * if references keep its handle valid a while longer. ALLOC is recorded
 * before the handle can be used, so no record of an object precedes it.
 */
#define KVTIER_ACCESS_EVICTED (1u << 2)

/**
 * KVTIER_ACCESS_VERSION - drm_kvtier_stream_open.version of this layout.
 * 2: ALLOC and COMMIT carry the object's host offset (@where.offset) and
 * COMMIT its size.
 */
#define KVTIER_ACCESS_VERSION 2

/**
 * struct drm_kvtier_access_lookup - where a HIT or MISS key was looked up.
 * @position: The key's index in its lookup (its depth in the prompt when
 *            the client looks up a prompt's keys in order).
 * @count: The keys in that lookup.
 */
struct drm_kvtier_access_lookup {
	__u32 position;
	__u32 count;
};

/**
 * union drm_kvtier_access_where - the last 8 bytes of a record, by type.
 * @lookup: For HIT and MISS: the key's place in its lookup.
 * @offset: For ALLOC and COMMIT: the byte offset of the object's first
 *          slot in its pool's mapping, as drm_kvtier_alloc_item.offset
 *          returned it; what a manager needs to read the object's bytes,
 *          without asking the table.
 *
 * For any other type all 8 bytes are zero. A named union rather than an
 * anonymous one: anonymous structs and unions are C11, not C99 or C++,
 * and this header builds under -std=c99 -pedantic and C++.
 */
union drm_kvtier_access_where {
	struct drm_kvtier_access_lookup lookup;
	__u64 offset;
};

/**
 * struct drm_kvtier_access - one access record (64 bytes).
 * @time_ns: CLOCK_MONOTONIC time of the operation; every record of one
 *           lookup carries the same time.
 * @key: The object's key (for a miss, the key that was looked up).
 * @handle: The object's handle; 0 for a miss.
 * @tenant_id: For HIT and MISS, the tenant that looked up; otherwise the
 *             object's owner (0 for a global object).
 * @size: For ALLOC and COMMIT, the object's size in bytes; otherwise 0.
 * @pool_id: The object's pool; 0 for a miss.
 * @type: One of KVTIER_ACCESS_*.
 * @flags: KVTIER_ACCESS_* bits.
 * @where: By @type: @where.lookup for HIT and MISS, @where.offset for
 *         ALLOC and COMMIT, zero otherwise (union drm_kvtier_access_where).
 */
struct drm_kvtier_access {
	__u64 time_ns;
	struct drm_kvtier_key key;
	__u64 handle;
	__u64 tenant_id;
	__u64 size;
	__u32 pool_id;
	__u16 type;
	__u16 flags;
	union drm_kvtier_access_where where;
};

/**
 * struct drm_kvtier_stream_ring - the header of one ring (4096 bytes).
 * @tail: Written by the driver: records written so far.
 * @dropped: Written by the driver: records dropped so far, ring full.
 * @pad0: Zero; keeps @head on a cache line (and page) of its own.
 * @head: Written by the manager: records it has consumed so far.
 * @pad1: Zero.
 */
struct drm_kvtier_stream_ring {
	__u64 tail;
	__u64 dropped;
	__u64 pad0[6];
	__u64 head;
	__u64 pad1[503];
};

/** KVTIER_STREAM_MIN_ENTRIES, KVTIER_STREAM_MAX_ENTRIES - ring sizes. */
#define KVTIER_STREAM_MIN_ENTRIES 64u
#define KVTIER_STREAM_MAX_ENTRIES (1u << 20)
/** KVTIER_STREAM_DEFAULT_ENTRIES - records per ring for @entries == 0. */
#define KVTIER_STREAM_DEFAULT_ENTRIES 16384u

/**
 * struct drm_kvtier_stream_open - open the access stream (manager only).
 *
 * Fails with -EBUSY when the stream is open already, -EPERM for anyone but
 * the manager, -EINVAL for an @entries that is not 0 or a power of two
 * between KVTIER_STREAM_MIN_ENTRIES and KVTIER_STREAM_MAX_ENTRIES (or
 * nonzero @flags or @pad), -ENOMEM when the rings cannot be allocated.
 * Checked in the order -EINVAL, -EPERM, -EBUSY. mmap() of the stream
 * fails with -EACCES for anyone but the manager, -EINVAL when no stream
 * is open, for MAP_PRIVATE, or for a range outside the rings.
 *
 * @flags: In. Must be zero.
 * @entries: In/Out. Records per ring, a power of two, or 0 for
 *           KVTIER_STREAM_DEFAULT_ENTRIES; on return, the size used.
 * @mmap_offset: Out. Offset to pass to mmap() to map all the rings
 *               (@rings * @ring_bytes bytes, PROT_READ | PROT_WRITE,
 *               MAP_SHARED; only each ring's @head may be written).
 *               Currently 0, the window below pool 1's; use the value
 *               returned.
 * @ring_bytes: Out. Bytes from one ring's header to the next's; a multiple
 *              of the page size.
 * @records_offset: Out. Offset of a ring's first record from its header:
 *                  a multiple of the page size, at least 4096.
 * @rings: Out. Rings (one per possible CPU id: the kernel's nr_cpu_ids).
 * @version: Out. KVTIER_ACCESS_VERSION.
 * @record_size: Out. sizeof(struct drm_kvtier_access).
 * @pad: In. Must be zero.
 */
struct drm_kvtier_stream_open {
	__u32 flags;
	__u32 entries;
	__u64 mmap_offset;
	__u64 ring_bytes;
	__u64 records_offset;
	__u32 rings;
	__u32 version;
	__u32 record_size;
	__u32 pad;
};

#define DRM_KVTIER_GET_PARAM 0x00
#define DRM_KVTIER_POOL_CREATE 0x01
#define DRM_KVTIER_POOL_DESTROY 0x02
#define DRM_KVTIER_POOL_INFO 0x03
#define DRM_KVTIER_TENANT_QUOTA 0x04
#define DRM_KVTIER_TENANT_INFO 0x05
#define DRM_KVTIER_TENANT_LIST 0x06
#define DRM_KVTIER_OBJ_ALLOC 0x07
#define DRM_KVTIER_OBJ_BATCH 0x08
#define DRM_KVTIER_LOOKUP 0x09
#define DRM_KVTIER_FETCH 0x0a
#define DRM_KVTIER_REGION_REGISTER 0x0b
#define DRM_KVTIER_REGION_UNREGISTER 0x0c
#define DRM_KVTIER_MANAGER_ATTACH 0x0d
#define DRM_KVTIER_WORK_RECV 0x0e
#define DRM_KVTIER_WORK_COMPLETE 0x0f
#define DRM_KVTIER_RESIDENCY 0x10
#define DRM_KVTIER_STATS 0x11
#define DRM_KVTIER_NULL 0x12
#define DRM_KVTIER_REGION_GET_FD 0x13
#define DRM_KVTIER_OBJ_SCAN 0x14
#define DRM_KVTIER_STREAM_OPEN 0x15

#define DRM_IOCTL_KVTIER_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_GET_PARAM, struct drm_kvtier_get_param)
#define DRM_IOCTL_KVTIER_POOL_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_POOL_CREATE, struct drm_kvtier_pool_create)
#define DRM_IOCTL_KVTIER_POOL_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_KVTIER_POOL_DESTROY, struct drm_kvtier_pool_destroy)
#define DRM_IOCTL_KVTIER_POOL_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_POOL_INFO, struct drm_kvtier_pool_info)
#define DRM_IOCTL_KVTIER_TENANT_QUOTA \
	DRM_IOW(DRM_COMMAND_BASE + DRM_KVTIER_TENANT_QUOTA, struct drm_kvtier_tenant_quota)
#define DRM_IOCTL_KVTIER_TENANT_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_TENANT_INFO, struct drm_kvtier_tenant_usage)
#define DRM_IOCTL_KVTIER_TENANT_LIST \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_TENANT_LIST, struct drm_kvtier_tenant_list)
#define DRM_IOCTL_KVTIER_OBJ_ALLOC \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_OBJ_ALLOC, struct drm_kvtier_obj_alloc)
#define DRM_IOCTL_KVTIER_OBJ_BATCH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_OBJ_BATCH, struct drm_kvtier_obj_batch)
#define DRM_IOCTL_KVTIER_LOOKUP \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_LOOKUP, struct drm_kvtier_lookup)
#define DRM_IOCTL_KVTIER_FETCH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_FETCH, struct drm_kvtier_fetch)
#define DRM_IOCTL_KVTIER_REGION_REGISTER \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_REGION_REGISTER, struct drm_kvtier_region_register)
#define DRM_IOCTL_KVTIER_REGION_UNREGISTER \
	DRM_IOW(DRM_COMMAND_BASE + DRM_KVTIER_REGION_UNREGISTER, struct drm_kvtier_region_unregister)
#define DRM_IOCTL_KVTIER_MANAGER_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_MANAGER_ATTACH, struct drm_kvtier_manager_attach)
#define DRM_IOCTL_KVTIER_WORK_RECV \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_WORK_RECV, struct drm_kvtier_work_recv)
#define DRM_IOCTL_KVTIER_WORK_COMPLETE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_WORK_COMPLETE, struct drm_kvtier_work_complete)
#define DRM_IOCTL_KVTIER_RESIDENCY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_RESIDENCY, struct drm_kvtier_residency)
#define DRM_IOCTL_KVTIER_STATS \
	DRM_IOR(DRM_COMMAND_BASE + DRM_KVTIER_STATS, struct drm_kvtier_stats)
/* Does nothing: the baseline that benchmarks measure ioctl costs against. */
#define DRM_IOCTL_KVTIER_NULL \
	DRM_IO(DRM_COMMAND_BASE + DRM_KVTIER_NULL)
#define DRM_IOCTL_KVTIER_REGION_GET_FD \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_REGION_GET_FD, struct drm_kvtier_region_get_fd)
#define DRM_IOCTL_KVTIER_OBJ_SCAN \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_OBJ_SCAN, struct drm_kvtier_obj_scan)
#define DRM_IOCTL_KVTIER_STREAM_OPEN \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_KVTIER_STREAM_OPEN, struct drm_kvtier_stream_open)

#if defined(__cplusplus)
}
#endif

#endif /* KVTIER_DRM_H */

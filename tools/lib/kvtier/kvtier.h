/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libkvtier: the client library of kvtier, the node-level memory tier
 * manager for LLM inference hosts.
 *
 * Engines, the daemon and the tools use it to talk to kvtier.ko. Every
 * function is a thin wrapper over the ioctls of uapi/kvtier_drm.h (whose
 * structs it uses as they are), plus helpers for the things every client
 * writes anyway: finding the device, batching, keys, mapping the pool and
 * waiting for fetches.
 *
 * Return contract (as liburing): a function returning int returns 0, or a
 * count where its comment says so, on success and -errno on failure. errno
 * is never the way an error is reported, and its value after a call is
 * unspecified.
 *
 * Threads: the ioctl wrappers keep no state of their own and may be called
 * from any thread on a shared handle. The event functions
 * (kvtier_event_next, kvtier_fetch_wait, kvtier_fetch_and_wait) keep a queue
 * in the handle and must not run concurrently on the same handle.
 *
 * Allocation: only kvtier_open*() and the event queue (when more completion
 * events arrive than it has room for) allocate. The hot paths - lookup,
 * the batched object operations, fetch - are the ioctl and nothing else.
 */
#ifndef KVTIER_H
#define KVTIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtier_drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/** KVTIER_LIB_VERSION - this library's version, as in kvtier.pc. */
#define KVTIER_LIB_VERSION "0.1.0"

/** KVTIER_DEVICE_ENV - environment variable that forces the device path. */
#define KVTIER_DEVICE_ENV "KVTIER_DEVICE"

/** KVTIER_WAIT_FOREVER - timeout_ms value that never times out. */
#define KVTIER_WAIT_FOREVER (-1)

struct kvtier;

/**
 * typedef kvtier_handle_t - an object handle, as the uAPI structs carry it
 * (so an array of them can be filled straight from alloc items and lookup
 * results). 0 is never a valid handle.
 */
typedef __u64 kvtier_handle_t;

/**
 * struct kvtier_params - driver parameters read once at open.
 * @abi_version: KVTIER_PARAM_ABI_VERSION (equal to KVTIER_ABI_VERSION).
 * @features: KVTIER_PARAM_FEATURES, KVTIER_FEATURE_* bits.
 * @max_batch: KVTIER_PARAM_MAX_BATCH, most items in one batched ioctl.
 * @max_pools: KVTIER_PARAM_MAX_POOLS.
 * @tenant_id: KVTIER_PARAM_TENANT_ID, this fd's tenant (its cgroup id).
 * @page_size: KVTIER_PARAM_PAGE_SIZE.
 * @is_admin: KVTIER_PARAM_IS_ADMIN, CAP_SYS_ADMIN when the fd was opened.
 *
 * Whether a manager is attached changes over time: read it with
 * kvtier_get_param(KVTIER_PARAM_MANAGER_ATTACHED).
 */
struct kvtier_params {
	uint64_t abi_version;
	uint64_t features;
	uint64_t max_batch;
	uint64_t max_pools;
	uint64_t tenant_id;
	uint64_t page_size;
	bool is_admin;
};

/**
 * struct kvtier_version - the DRM driver's version (drmGetVersion).
 * @major: Driver major version.
 * @minor: Driver minor version.
 * @patchlevel: Driver patch level.
 * @name: Driver name, KVTIER_DRIVER_NAME.
 * @date: Driver date string.
 * @desc: Driver description.
 */
struct kvtier_version {
	int major;
	int minor;
	int patchlevel;
	char name[32];
	char date[32];
	char desc[128];
};

/**
 * struct kvtier_map - a shared mapping of a pool, or of part of one.
 * @addr: Start of the mapping.
 * @size: Bytes mapped.
 * @base: Pool byte offset that @addr corresponds to (0 for a whole pool).
 * @pool_id: The pool.
 * @slot_size: The pool's slot size.
 */
struct kvtier_map {
	void *addr;
	size_t size;
	uint64_t base;
	uint32_t pool_id;
	uint64_t slot_size;
};

/**
 * struct kvtier_fetch_ticket - what DRM_IOCTL_KVTIER_FETCH answered.
 * @fetch_id: Names the fetch in its completion event.
 * @pending: Items queued as work; an event comes only when this is > 0.
 * @failed: Items refused at once (their result is -errno).
 */
struct kvtier_fetch_ticket {
	uint32_t fetch_id;
	uint32_t pending;
	uint32_t failed;
};

/* ---------------------------------------------------------------------
 * Device (device.c)
 */

/**
 * kvtier_find_device() - find the kvtier render node by driver name.
 * @path: Out. The node's path, NUL-terminated.
 * @len: Room in @path.
 *
 * Asks libdrm for every DRM device (drmGetDevices2) and picks the first
 * render node whose driver (drmGetVersion) is KVTIER_DRIVER_NAME; if libdrm
 * cannot enumerate the devices, scans the render nodes of /dev/dri itself.
 * The environment variable KVTIER_DEVICE, when set, wins.
 *
 * Return: 0, -ENODEV when there is no kvtier device, -ENAMETOOLONG when
 * @len is too small, or another -errno from the enumeration.
 */
int kvtier_find_device(char *path, size_t len);

/**
 * kvtier_open() - open the kvtier device.
 * @out: Out. The new handle, or NULL on failure.
 *
 * Finds the device (kvtier_find_device), opens it and reads its parameters.
 *
 * Return: 0, -ENODEV when there is none, -EPROTONOSUPPORT when the driver
 * speaks another ABI version than this library, -ENOMEM, or the -errno of
 * open() or of GET_PARAM.
 */
int kvtier_open(struct kvtier **out);

/**
 * kvtier_open_path() - open the kvtier device at a given path.
 * @out: Out. The new handle, or NULL on failure.
 * @path: A DRM node.
 *
 * Return: as kvtier_open(); -ENODEV when @path is not a kvtier node.
 */
int kvtier_open_path(struct kvtier **out, const char *path);

/**
 * kvtier_close() - close the device and free the handle.
 * @kv: The handle; NULL does nothing.
 *
 * Closing the fd releases every reference and pin taken through it and
 * frees its uncommitted objects (the driver does this, also on a crash).
 * Mappings made with kvtier_map_*() stay valid until unmapped, but the
 * pages of objects no longer held are revoked by the driver.
 */
void kvtier_close(struct kvtier *kv);

/**
 * kvtier_fd() - the handle's file descriptor, to poll it for events.
 * @kv: The handle.
 *
 * The fd is non-blocking (read() never waits) and close-on-exec. Reading
 * events from it directly bypasses the handle's queue: use
 * kvtier_event_next() unless the handle's event functions are never used.
 *
 * Return: the fd (always >= 0). It stays owned by @kv.
 */
int kvtier_fd(const struct kvtier *kv);

/**
 * kvtier_path() - the path the handle was opened from.
 * @kv: The handle.
 *
 * Return: a string owned by @kv.
 */
const char *kvtier_path(const struct kvtier *kv);

/**
 * kvtier_params() - the parameters read at open.
 * @kv: The handle.
 *
 * Return: a pointer owned by @kv, valid until kvtier_close().
 */
const struct kvtier_params *kvtier_params(const struct kvtier *kv);

/**
 * kvtier_version() - the driver's DRM version.
 * @kv: The handle.
 * @ver: Out. The version; strings are truncated to fit.
 *
 * Return: 0, -ENOMEM, or -errno of DRM_IOCTL_VERSION.
 */
int kvtier_version(struct kvtier *kv, struct kvtier_version *ver);

/**
 * kvtier_get_param() - read one driver parameter (DRM_IOCTL_KVTIER_GET_PARAM).
 * @kv: The handle.
 * @param: One of KVTIER_PARAM_*.
 * @value: Out. Its value.
 *
 * Return: 0, -EINVAL for an unknown parameter, or another -errno.
 */
int kvtier_get_param(struct kvtier *kv, uint32_t param, uint64_t *value);

/**
 * kvtier_null() - the null ioctl, which does nothing (DRM_IOCTL_KVTIER_NULL).
 * @kv: The handle.
 *
 * Benchmarks measure ioctl costs against it.
 *
 * Return: 0 or -errno.
 */
int kvtier_null(struct kvtier *kv);

/**
 * kvtier_now_ns() - CLOCK_MONOTONIC now, in nanoseconds.
 *
 * The clock of every deadline in the uAPI (kvtier_work_recv's deadline).
 *
 * Return: the time; never fails.
 */
uint64_t kvtier_now_ns(void);

/* ---------------------------------------------------------------------
 * Pools, tenants, stats (pool.c)
 */

/**
 * kvtier_pool_create() - create a pinned host pool (admin only).
 * @kv: The handle.
 * @req: In/Out. The request: @slot_size, @slot_count, @kind, @flags and
 *       @numa_node in; @pool_id, @mmap_offset and @huge_bytes out. Its
 *       reserved fields must be zero.
 *
 * Return: 0, -EPERM when not admin, -EINVAL for a bad request, -ENOMEM
 * when the memory cannot be pinned, -ENOSPC when every pool id is taken,
 * or another -errno.
 */
int kvtier_pool_create(struct kvtier *kv, struct drm_kvtier_pool_create *req);

/**
 * kvtier_pool_destroy() - destroy an empty pool (admin only).
 * @kv: The handle.
 * @pool_id: The pool.
 *
 * Return: 0, -ENOENT for an unknown pool, -EPERM when not admin, -EBUSY
 * while it holds objects, or another -errno.
 */
int kvtier_pool_destroy(struct kvtier *kv, uint32_t pool_id);

/**
 * kvtier_pool_info() - describe a pool.
 * @kv: The handle.
 * @pool_id: The pool.
 * @info: Out. Its description.
 *
 * Return: 0, -ENOENT for an unknown pool, or another -errno.
 */
int kvtier_pool_info(struct kvtier *kv, uint32_t pool_id,
		     struct drm_kvtier_pool_info *info);

/**
 * kvtier_tenant_quota() - set a tenant's quota in a pool (admin only).
 * @kv: The handle.
 * @tenant_id: The tenant (its cgroup v2 id).
 * @pool_id: The pool.
 * @max_slots: Most slots the tenant may hold, or KVTIER_QUOTA_UNLIMITED.
 *
 * Return: 0, -ENOENT for an unknown pool, -EPERM when not admin, or
 * another -errno.
 */
int kvtier_tenant_quota(struct kvtier *kv, uint64_t tenant_id,
			uint32_t pool_id, uint64_t max_slots);

/**
 * kvtier_tenant_info() - one tenant's usage of one pool.
 * @kv: The handle.
 * @tenant_id: The tenant; 0 for the caller's own.
 * @pool_id: The pool.
 * @usage: Out. The usage.
 *
 * Return: 0, -ENOENT for an unknown pool or tenant, -EPERM for another
 * tenant when not admin, or another -errno.
 */
int kvtier_tenant_info(struct kvtier *kv, uint64_t tenant_id, uint32_t pool_id,
		       struct drm_kvtier_tenant_usage *usage);

/**
 * kvtier_tenant_list() - every tenant's usage of every pool (admin only).
 * @kv: The handle.
 * @first: Index of the first entry to return. Entries keep their order
 *         while no tenant or pool is added, so a caller lists them all by
 *         calling again with @first advanced by the entries written.
 * @entries: Out. Room for @room entries.
 * @room: Entries @entries can hold; 0 only asks for the total. At most
 *        KVTIER_MAX_BATCH are written per call.
 * @total: Out, optional. Entries that exist (may exceed @room).
 *
 * Return: the number of entries written (<= @room; 0 once @first reaches
 * the total), -EPERM when not admin, or another -errno.
 */
int kvtier_tenant_list(struct kvtier *kv, uint32_t first,
		       struct drm_kvtier_tenant_usage *entries, uint32_t room,
		       uint32_t *total);

/**
 * kvtier_stats() - the driver-wide counters.
 * @kv: The handle.
 * @stats: Out. The counters.
 *
 * Return: 0 or -errno.
 */
int kvtier_stats(struct kvtier *kv, struct drm_kvtier_stats *stats);

/* ---------------------------------------------------------------------
 * Pool mappings (map.c)
 */

/**
 * kvtier_map_pool() - map a whole pool with MAP_SHARED.
 * @kv: The handle.
 * @pool_id: The pool.
 * @prot: PROT_READ, PROT_WRITE or both.
 * @map: Out. The mapping.
 *
 * Uses POOL_INFO's mmap_offset and size. A client that is neither admin
 * nor manager may touch only the slots of objects it holds a reference on;
 * any other page faults with SIGBUS. Writes, for every client but the
 * manager, go only to objects the client allocated and has not committed
 * yet: a committed object is immutable, and a write to it (or to a free
 * slot) faults with SIGBUS. A mapping shows only the pool it was made for:
 * once that pool is destroyed it faults, even after a new pool takes the
 * id.
 *
 * Return: 0, -ENOENT for an unknown pool, or the -errno of mmap().
 */
int kvtier_map_pool(struct kvtier *kv, uint32_t pool_id, int prot,
		    struct kvtier_map *map);

/**
 * kvtier_map_range() - map part of a pool, for instance one object.
 * @kv: The handle.
 * @pool_id: The pool.
 * @offset: Pool byte offset of the first byte to map (an object's offset);
 *          a multiple of the page size.
 * @size: Bytes to map; non-zero.
 * @prot: PROT_READ, PROT_WRITE or both.
 * @map: Out. The mapping; kvtier_map_ptr() takes pool offsets on it too.
 *
 * Return: 0, -ENOENT for an unknown pool, -EINVAL when the range is not
 * page aligned or not inside the pool, or the -errno of mmap().
 */
int kvtier_map_range(struct kvtier *kv, uint32_t pool_id, uint64_t offset,
		     uint64_t size, int prot, struct kvtier_map *map);

/**
 * kvtier_map_ptr() - the address of an object's bytes in a mapping.
 * @map: A mapping from kvtier_map_pool() or kvtier_map_range().
 * @offset: The object's pool byte offset (alloc item or lookup result).
 * @size: Bytes the caller will touch from there.
 *
 * Return: the address, or NULL when [@offset, @offset + @size) is not
 * inside the mapping.
 */
void *kvtier_map_ptr(const struct kvtier_map *map, uint64_t offset,
		     uint64_t size);

/**
 * kvtier_unmap() - undo kvtier_map_pool() or kvtier_map_range().
 * @map: The mapping; zeroed on return. A zeroed map does nothing.
 *
 * Return: 0 or the -errno of munmap().
 */
int kvtier_unmap(struct kvtier_map *map);

/* ---------------------------------------------------------------------
 * Keys (key.c)
 *
 * KV block keys chain: key_0 = H(0, tokens of block 0), key_i =
 * H(key_{i-1}, tokens of block i), so equal keys mean equal prefixes and a
 * prompt's longest cached prefix is the number of its keys found in order.
 *
 * H is kvtier-hash128 v1, a 128-bit non-cryptographic hash built from
 * splitmix64's finaliser and xxHash64's primes. It is part of the ABI of
 * stored caches: it never changes (a new hash gets a new name).
 *
 *   K1 = 0x9E3779B97F4A7C15   K2 = 0xC2B2AE3D27D4EB4F
 *   K3 = 0x165667B19E3779F9
 *   fmix(z):  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
 *             z = (z ^ (z >> 27)) * 0x94D049BB133111EB
 *             return z ^ (z >> 31)
 *   H(seed, bytes[0..n)):
 *     a = seed.lo ^ K1;  b = seed.hi ^ K2
 *     for each 8-byte little-endian word w of bytes (the last one padded
 *     with zero bytes when n is not a multiple of 8):
 *       a = rotl64(a ^ fmix(w), 29) * K1
 *       b = rotl64(b ^ fmix(w ^ K3), 37) * K2 + a
 *     a ^= n;  b ^= n * K3
 *     lo = fmix(a + rotl64(b, 32));  hi = fmix(b ^ rotl64(a, 17))
 *
 * All arithmetic is modulo 2^64. Tokens are hashed as 32-bit little-endian
 * integers. Collisions are astronomically unlikely by chance but can be
 * crafted; a tenant that crafts one only confuses its own namespace.
 */

/**
 * kvtier_key_chain() - hash one block of bytes chained to a previous key.
 * @prev: The previous block's key, or NULL for the first block (a zero
 *        seed).
 * @data: The block's bytes.
 * @len: Bytes at @data.
 *
 * Return: H(*prev or 0, data[0..len)).
 */
struct drm_kvtier_key kvtier_key_chain(const struct drm_kvtier_key *prev,
				       const void *data, size_t len);

/**
 * kvtier_key_from_bytes() - the key of a standalone name (an adapter, an
 * expert): kvtier_key_chain(NULL, data, len).
 * @data: The bytes.
 * @len: Bytes at @data.
 *
 * Return: the key.
 */
struct drm_kvtier_key kvtier_key_from_bytes(const void *data, size_t len);

/**
 * kvtier_key_chain_tokens() - kvtier_key_chain() over 32-bit tokens.
 * @prev: The previous block's key, or NULL for the first block.
 * @tokens: The block's tokens.
 * @count: Tokens in the block.
 *
 * Return: the key, the same on every host byte order.
 */
struct drm_kvtier_key kvtier_key_chain_tokens(const struct drm_kvtier_key *prev,
					      const uint32_t *tokens,
					      size_t count);

/**
 * kvtier_prompt_keys() - the chained keys of a prompt's whole blocks.
 * @tokens: The prompt.
 * @count: Tokens in the prompt.
 * @block_tokens: Tokens per block; non-zero.
 * @keys: Out. Room for @room keys.
 * @room: Keys @keys can hold.
 *
 * A trailing partial block gets no key (its KV is not a whole block).
 *
 * Return: the number of keys written, min(@count / @block_tokens, @room),
 * or -EINVAL when @block_tokens is 0.
 */
int kvtier_prompt_keys(const uint32_t *tokens, size_t count,
		       size_t block_tokens, struct drm_kvtier_key *keys,
		       size_t room);

/**
 * kvtier_key_equal() - whether two keys are equal.
 * @a: A key.
 * @b: A key.
 *
 * Return: true when equal.
 */
bool kvtier_key_equal(const struct drm_kvtier_key *a,
		      const struct drm_kvtier_key *b);

/* ---------------------------------------------------------------------
 * Objects and lookup (object.c)
 *
 * Batched functions and partial failure: once the driver accepts a batch,
 * each item carries its own result. These functions return 0 when every
 * item succeeded and otherwise the first failing item's -errno, and every
 * item's result is readable afterwards - an item the driver never saw
 * (its chunk was refused as a whole) carries that refusal's -errno.
 * Batches longer than the driver's max_batch are split into chunks, so
 * any count works; a chunk refused as a whole stops the batch.
 */

/**
 * kvtier_alloc() - allocate objects in state WRITING (all or nothing).
 * @kv: The handle.
 * @pool_id: The pool.
 * @flags: KVTIER_ALLOC_* (GLOBAL is admin only).
 * @items: In/Out. @key and @size in; @handle, @offset, @slot_count out.
 * @count: Items, 1..max_batch (not split: allocation is atomic).
 * @failed_index: Out, optional. @count on success; on failure the failing
 *                item's index, or KVTIER_NO_INDEX when no single item is to
 *                blame (an unknown pool, bad flags or count...).
 *
 * Return: 0, -EEXIST (a key already in the namespace or twice in @items),
 * -ENOSPC (too few free contiguous slots), -EDQUOT (tenant quota),
 * -ENOENT (unknown pool), -EINVAL, or another -errno.
 */
int kvtier_alloc(struct kvtier *kv, uint32_t pool_id, uint32_t flags,
		 struct drm_kvtier_alloc_item *items, uint32_t count,
		 uint32_t *failed_index);

/**
 * kvtier_batch() - apply one KVTIER_OP_* to many objects.
 * @kv: The handle.
 * @op: KVTIER_OP_COMMIT, PIN, UNPIN, RELEASE or FREE.
 * @items: In/Out. @handle and @tier in, @result out.
 * @count: Items; 0 does nothing and returns 0.
 *
 * Return: 0, the first failing item's -errno (see above), or the -errno
 * with which the driver refused a chunk.
 */
int kvtier_batch(struct kvtier *kv, uint32_t op,
		 struct drm_kvtier_obj_op *items, size_t count);

/**
 * kvtier_commit() - commit objects from an array of handles.
 * @kv: The handle.
 * @handles: The objects.
 * @count: Handles; 0 does nothing.
 * @results: Out, optional. Each item's 0 or -errno.
 *
 * Builds the op items on the stack, a chunk at a time.
 *
 * Return: as kvtier_batch().
 */
int kvtier_commit(struct kvtier *kv, const kvtier_handle_t *handles, size_t count,
		  int *results);

/**
 * kvtier_pin() - pin objects in a tier, from an array of handles.
 * @kv: The handle.
 * @handles: The objects; the caller holds a reference on each.
 * @count: Handles; 0 does nothing.
 * @tier: KVTIER_TIER_*.
 * @results: Out, optional. Each item's 0 or -errno.
 *
 * Return: as kvtier_batch().
 */
int kvtier_pin(struct kvtier *kv, const kvtier_handle_t *handles, size_t count,
	       uint32_t tier, int *results);

/**
 * kvtier_unpin() - undo kvtier_pin() (or a fetch's pin), per handle.
 * @kv: The handle.
 * @handles: The objects.
 * @count: Handles; 0 does nothing.
 * @tier: KVTIER_TIER_*.
 * @results: Out, optional. Each item's 0 or -errno.
 *
 * Return: as kvtier_batch().
 */
int kvtier_unpin(struct kvtier *kv, const kvtier_handle_t *handles, size_t count,
		 uint32_t tier, int *results);

/**
 * kvtier_release() - drop this fd's references (and their pins).
 * @kv: The handle.
 * @handles: The objects.
 * @count: Handles; 0 does nothing.
 * @results: Out, optional. Each item's 0 or -errno.
 *
 * Return: as kvtier_batch().
 */
int kvtier_release(struct kvtier *kv, const kvtier_handle_t *handles, size_t count,
		   int *results);

/**
 * kvtier_free() - free objects (their owner tenant, or an admin).
 * @kv: The handle.
 * @handles: The objects.
 * @count: Handles; 0 does nothing.
 * @results: Out, optional. Each item's 0 or -errno (-EBUSY when pinned).
 *
 * Return: as kvtier_batch().
 */
int kvtier_free(struct kvtier *kv, const kvtier_handle_t *handles, size_t count,
		int *results);

/**
 * kvtier_lookup() - look up keys in the caller's namespace.
 * @kv: The handle.
 * @keys: The keys, in prompt order for KV blocks.
 * @results: Out. One result per key (handle 0 when absent).
 * @count: Keys; 0 does nothing and returns 0.
 * @flags: KVTIER_LOOKUP_ACQUIRE (take a reference on each hit) and
 *         KVTIER_LOOKUP_STOP_AT_MISS (stop at the first miss).
 * @prefix: Out, optional. The longest run of hits from the first key.
 *
 * Results after a STOP_AT_MISS stop are zeroed (absent). A client holds
 * at most one reference per object: a hit on an object it already holds
 * (from alloc or an earlier lookup) takes nothing more, and one release
 * drops it.
 *
 * Return: the number of hits (>= 0), or -errno of a refused chunk (then
 * the earlier chunks' references, with ACQUIRE, are held and their
 * results valid).
 */
int kvtier_lookup(struct kvtier *kv, const struct drm_kvtier_key *keys,
		  struct drm_kvtier_lookup_result *results, size_t count,
		  uint32_t flags, uint32_t *prefix);

/**
 * kvtier_batch_first_error() - the first failing result of op items.
 * @items: The items, as returned by the driver.
 * @count: Items.
 * @index: Out, optional. The failing item's index, or @count when none.
 *
 * Return: 0 when every item succeeded, else the first item's -errno.
 */
int kvtier_batch_first_error(const struct drm_kvtier_obj_op *items,
			     size_t count, size_t *index);

/* ---------------------------------------------------------------------
 * Fetch and completion events (fetch.c)
 */

/**
 * kvtier_fetch() - make objects resident in a tier and pin them there.
 * @kv: The handle.
 * @items: In/Out. @handle, @tier, @region_id, @offset in; @result out
 *         (0 resident and pinned now, 1 queued as work, or -errno).
 * @count: Items, 1..max_batch (not split: one fetch, one event).
 * @user_data: Echoed in the completion event.
 * @ticket: Out. Zeroed first, so that @ticket->pending is right whatever
 *          the outcome; an event comes exactly when it is > 0.
 *
 * Return: 0 when no item failed, the first failing item's -errno (the
 * other items were still fetched: check @ticket->pending), or the -errno
 * with which the driver refused the whole request: -EAGAIN when the fd's
 * DRM event space is full (about 128 completions left unread; read them
 * with kvtier_event_next and retry).
 */
int kvtier_fetch(struct kvtier *kv, struct drm_kvtier_fetch_item *items,
		 uint32_t count, uint64_t user_data,
		 struct kvtier_fetch_ticket *ticket);

/**
 * kvtier_event_next() - the next fetch completion event.
 * @kv: The handle.
 * @timeout_ms: Most milliseconds to wait; 0 does not wait;
 *              KVTIER_WAIT_FOREVER waits forever.
 * @ev: Out. The event.
 *
 * Takes the oldest event queued in the handle (by an earlier
 * kvtier_fetch_wait that was looking for another one), else reads the fd.
 * Events of unknown types are skipped.
 *
 * Return: 0, -ETIME when none came in time, or another -errno.
 */
int kvtier_event_next(struct kvtier *kv, int timeout_ms,
		      struct drm_kvtier_event_fetch *ev);

/**
 * kvtier_fetch_wait() - wait for one fetch's completion event.
 * @kv: The handle.
 * @fetch_id: The fetch (kvtier_fetch_ticket.fetch_id).
 * @timeout_ms: Most milliseconds to wait; 0 does not wait;
 *              KVTIER_WAIT_FOREVER waits forever.
 * @ev: Out, optional. The event.
 *
 * Events of other fetches read meanwhile are kept, in order, in the handle
 * for later calls. After a timeout the fetch still completes; its event is
 * found by a later call.
 *
 * Return: 0 when the event came (its @status may still report a failed
 * item), -ETIME when it did not come in time, -ENOMEM when another fetch's
 * event could not be queued (it is then lost), or another -errno.
 */
int kvtier_fetch_wait(struct kvtier *kv, uint32_t fetch_id, int timeout_ms,
		      struct drm_kvtier_event_fetch *ev);

/**
 * kvtier_fetch_and_wait() - kvtier_fetch(), then wait if work was queued.
 * @kv: The handle.
 * @items: In/Out. As kvtier_fetch().
 * @count: As kvtier_fetch().
 * @timeout_ms: Most milliseconds to wait for the queued work.
 *
 * Return: 0 when every item is resident and pinned; the first failing
 * item's -errno when the driver refused some; the event's status when the
 * work of some failed; -ETIME when the work did not complete in time (it
 * still will; its event stays queued for kvtier_event_next); or -errno.
 */
int kvtier_fetch_and_wait(struct kvtier *kv,
			  struct drm_kvtier_fetch_item *items, uint32_t count,
			  int timeout_ms);

/**
 * kvtier_region_register() - declare a device region for DEVICE fetches.
 * @kv: The handle.
 * @size: Bytes in the region; non-zero, and within the file for MEMFD.
 * @cookie: Opaque to the driver; given to the manager with each work item.
 * @fd: The region's memory: a memfd for KVTIER_REGION_KIND_MEMFD, a CUDA
 *      VMM POSIX-fd export for KVTIER_REGION_KIND_CUDA_VMM; ignored (pass
 *      -1) for KVTIER_REGION_KIND_NONE. The driver takes its own reference
 *      on the file, so the caller may close @fd afterwards.
 * @kind: One of KVTIER_REGION_KIND_*. Only regions with memory (not NONE)
 *        can be filled by the manager.
 * @region_id: Out. The region's id.
 *
 * Return: 0, -ENOSPC when every region id is taken, -EBADF for a bad @fd,
 * -EINVAL for a bad @kind or a @size beyond the file, or another -errno.
 */
int kvtier_region_register(struct kvtier *kv, uint64_t size, uint64_t cookie,
			   int fd, uint32_t kind, uint32_t *region_id);

/**
 * kvtier_region_unregister() - forget a region this fd registered.
 * @kv: The handle.
 * @region_id: The region.
 *
 * Return: 0, -ENOENT when the region is not this fd's, or another -errno.
 */
int kvtier_region_unregister(struct kvtier *kv, uint32_t region_id);

/* ---------------------------------------------------------------------
 * Manager side (manager.c): used by kvtierd
 */

/**
 * kvtier_manager_attach() - become the one manager (CAP_SYS_ADMIN).
 * @kv: The handle.
 * @requeued: Out, optional. Work items waiting in the queue.
 *
 * Return: 0, -EBUSY while another fd is the manager, -EPERM when not
 * admin, or another -errno.
 */
int kvtier_manager_attach(struct kvtier *kv, uint64_t *requeued);

/**
 * kvtier_work_recv() - take queued work (manager only).
 * @kv: The handle.
 * @items: Out. Room for @room items.
 * @room: Items @items can hold, 1..max_batch.
 * @deadline_ns: CLOCK_MONOTONIC time (kvtier_now_ns) to wait until; 0
 *               returns at once.
 *
 * Return: the number of items received (always > 0), -ETIME when no work
 * came by the deadline (at once for a zero deadline), -EPERM when not the
 * manager, or another -errno. @items may be written up to @room even when
 * fewer items come back.
 */
int kvtier_work_recv(struct kvtier *kv, struct drm_kvtier_work_item *items,
		     uint32_t room, uint64_t deadline_ns);

/**
 * kvtier_work_complete() - report finished work (manager only).
 * @kv: The handle.
 * @done: In/Out. @work_id, @bytes, @location, @status in; @result out.
 * @count: Items; split into chunks as the object batches are.
 *
 * Return: 0, the first failing item's -errno (-ENOENT: not held by this
 * manager), or the -errno with which a chunk was refused.
 */
int kvtier_work_complete(struct kvtier *kv, struct drm_kvtier_work_done *done,
			 size_t count);

/**
 * kvtier_work_complete_taken() - kvtier_work_complete(), telling which
 * items the driver took (manager only).
 * @kv: The handle.
 * @done: In/Out. As for kvtier_work_complete().
 * @count: Items.
 * @taken: Out. The items the driver took: their @result is its answer
 *         (0, or -ENOENT when not held by this manager). A chunk refused
 *         as a whole (-ENOMEM, -EINTR, -EFAULT copying it) stops the
 *         batch: its items and those after it, from index *@taken on,
 *         carry the refusal's -errno, were not completed, and are still
 *         this manager's to complete again.
 *
 * Return: as kvtier_work_complete().
 */
int kvtier_work_complete_taken(struct kvtier *kv,
			       struct drm_kvtier_work_done *done, size_t count,
			       size_t *taken);

/**
 * kvtier_residency() - record copies the manager placed or dropped.
 * @kv: The handle.
 * @items: In/Out. @handle, @location, @op, @tier in; @result out.
 * @count: Items; split into chunks as the object batches are.
 *
 * Return: 0, the first failing item's -errno (-EBUSY: HOST copy pinned or
 * referenced), or the -errno with which a chunk was refused.
 */
int kvtier_residency(struct kvtier *kv, struct drm_kvtier_residency_item *items,
		     size_t count);

/**
 * kvtier_region_get_fd() - open whichever region holds an id (manager only).
 * @kv: The handle.
 * @region_id: The region.
 * @out: Out. As for kvtier_region_get_fd_gen().
 *
 * Region ids are reused once a region is unregistered, so this may open
 * a region other than the one a work item was queued for: a manager
 * filling a region for a work item opens it with
 * kvtier_region_get_fd_gen() and the item's @region_gen instead.
 *
 * Return: as kvtier_region_get_fd_gen() with a @gen of 0.
 */
int kvtier_region_get_fd(struct kvtier *kv, uint32_t region_id,
			 struct drm_kvtier_region_get_fd *out);

/**
 * kvtier_region_get_fd_gen() - open one generation of a device region's
 * memory (manager only).
 * @kv: The handle.
 * @region_id: The region.
 * @gen: The generation to open: a work item's @region_gen, never 0 for a
 *       work item's destination; 0 opens whichever region holds the id.
 * @out: Out. The region's size, cookie, owner tenant, kind, @gen (the
 *       generation opened), and in @fd a new close-on-exec descriptor of
 *       its file, owned by the caller (-1 on failure).
 *
 * Return: 0, -ENOENT when no region has the id, -ESTALE when @gen is not
 * 0 and the region holding the id is not of generation @gen (the one
 * asked for was unregistered; the id may name another client's region
 * now), -ENODEV for a region of kind KVTIER_REGION_KIND_NONE (no memory
 * to open), -EPERM when not the manager, or another -errno.
 */
int kvtier_region_get_fd_gen(struct kvtier *kv, uint32_t region_id,
			     uint32_t gen, struct drm_kvtier_region_get_fd *out);

/**
 * kvtier_obj_scan() - list objects of the table for the policies (manager
 * only).
 * @kv: The handle.
 * @cursor: In/Out. Where the walk is; 0 starts it. Advanced past the
 *          records returned.
 * @recs: Out. Room for @room records.
 * @room: Records @recs can hold, 1..KVTIER_MAX_BATCH (larger is clamped).
 *
 * Each record is a consistent view of one object; the walk as a whole is
 * not a snapshot of the table. Call again until it returns 0.
 *
 * Return: the number of records written, 0 when the walk is done, -EPERM
 * when not the manager, -EINVAL for @room 0, or another -errno.
 */
int kvtier_obj_scan(struct kvtier *kv, uint64_t *cursor,
		    struct drm_kvtier_obj_record *recs, uint32_t room);

/* ---------------------------------------------------------------------
 * The access stream (stream.c): what the driver saw, for the manager's
 * policies. See "The access stream" in kvtier_drm.h.
 */

/** struct kvtier_stream - an open, mapped access stream (opaque). */
struct kvtier_stream;

/**
 * kvtier_stream_open() - open the access stream and map its rings
 * (manager only).
 * @kv: The handle; must be the attached manager (kvtier_manager_attach).
 * @entries: Records per ring: 0 for the driver's default
 *           (KVTIER_STREAM_DEFAULT_ENTRIES), else a power of two from
 *           KVTIER_STREAM_MIN_ENTRIES to KVTIER_STREAM_MAX_ENTRIES.
 * @out: Out. The stream, for kvtier_stream_read() and
 *       kvtier_stream_close().
 *
 * The driver records from here on, until @kv's fd closes: the stream is
 * the manager's and ends with its role. Records that do not fit are
 * dropped and counted, never waited for: read often.
 *
 * Return: 0, -EPERM when not the manager, -EBUSY when a stream is open
 * already, -EINVAL for @entries, -EPROTONOSUPPORT when the driver's record
 * layout is not KVTIER_ACCESS_VERSION, -ENOMEM, or another -errno.
 */
int kvtier_stream_open(struct kvtier *kv, uint32_t entries,
		       struct kvtier_stream **out);

/**
 * kvtier_stream_read() - take records from every ring.
 * @st: The stream.
 * @recs: Out. Room for @room records.
 * @room: Records @recs can hold (more than INT32_MAX reads as INT32_MAX).
 * @dropped: Out, optional. Records the driver dropped (rings full) since
 *           the previous call, all rings together: when not 0, the
 *           records read do not tell the whole story since then, and what
 *           a policy derives from them should be rebuilt (OBJ_SCAN).
 *
 * Never blocks. Each ring's records come in the order they were written,
 * a lookup's together; rings are read one after the other, starting after
 * the one the previous call stopped in, so with a small @room no ring
 * starves. Records of different rings are not ordered among themselves:
 * order by @time_ns where it matters. What is read is given back to the
 * driver at once (the ring's @head moves), so @recs is the only copy.
 *
 * Return: the number of records written to @recs (0 when there were
 * none), or -EINVAL for a NULL @st or @recs with @room > 0.
 */
int kvtier_stream_read(struct kvtier_stream *st, struct drm_kvtier_access *recs,
		       uint32_t room, uint64_t *dropped);

/**
 * kvtier_stream_close() - unmap the rings and free @st.
 * @st: The stream; NULL does nothing.
 *
 * The driver's stream itself lasts until the manager's fd closes; this
 * only lets go of this process's view of it.
 */
void kvtier_stream_close(struct kvtier_stream *st);

/* ---------------------------------------------------------------------
 * Names, for tools and logs (names.c)
 */

/**
 * kvtier_kind_name() - "raw", "kv", "adapter" or "expert".
 * @kind: KVTIER_KIND_*.
 *
 * Return: a static string; "unknown" for an unknown kind.
 */
const char *kvtier_kind_name(uint32_t kind);

/**
 * kvtier_kind_parse() - the KVTIER_KIND_* of a name of kvtier_kind_name().
 * @name: The name.
 *
 * Return: the kind (>= 0) or -EINVAL.
 */
int kvtier_kind_parse(const char *name);

/**
 * kvtier_state_name() - "writing", "ready" or "evicting".
 * @state: KVTIER_STATE_*.
 *
 * Return: a static string; "unknown" for an unknown state.
 */
const char *kvtier_state_name(uint32_t state);

/**
 * kvtier_tier_name() - "device", "host" or "disk".
 * @tier: KVTIER_TIER_*.
 *
 * Return: a static string; "unknown" for an unknown tier.
 */
const char *kvtier_tier_name(uint32_t tier);

#if defined(__cplusplus)
}
#endif

#endif /* KVTIER_H */

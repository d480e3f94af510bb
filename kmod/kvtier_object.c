// SPDX-License-Identifier: GPL-2.0
/*
 * Object ioctls. Each handler checks the whole request (flags, pads, counts,
 * ranges, roles, and that its results can be written back) before the core
 * sees it, copies the items in, lets the core process them and copies the
 * per-item results back.
 *
 * LOOKUP and OBJ_BATCH are the hot paths: they allocate nothing, and go
 * through the file's scratch buffer in chunks instead. Allocation is not
 * hot, and all or nothing needs the whole batch at once.
 */
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_file.h>

#include "core/kvt_core.h"
#include "kvtier_drv.h"
#include "kvtier_ioctl.h"
#include "kvtier_object.h"

/* Items of one OBJ_BATCH chunk: the whole scratch buffer. */
#define KVTIER_OBJECT_BATCH_CHUNK \
	((u32)(KVTIER_SCRATCH_SIZE / sizeof(struct drm_kvtier_obj_op)))

/*
 * Keys of one LOOKUP chunk: the keys, then their results, share the scratch
 * buffer. Undoing a lookup batches its releases where the keys were.
 */
#define KVTIER_OBJECT_LOOKUP_CHUNK \
	((u32)(KVTIER_SCRATCH_SIZE / (sizeof(struct drm_kvtier_key) + \
				      sizeof(struct drm_kvtier_lookup_result))))

/* Records of one OBJ_SCAN chunk: the whole scratch buffer. */
#define KVTIER_OBJECT_SCAN_CHUNK \
	((u32)(KVTIER_SCRATCH_SIZE / sizeof(struct drm_kvtier_obj_record)))

static_assert(sizeof(struct drm_kvtier_obj_op) <= sizeof(struct drm_kvtier_key));

static void __user *kvtier_object_uptr(u64 base, u32 index, size_t size)
{
	return u64_to_user_ptr(base + (u64)index * size);
}

/*
 * The objects were allocated but the caller cannot learn their handles:
 * free them again so nothing lingers until close. Best effort; close
 * frees WRITING objects anyway.
 */
static void kvtier_object_alloc_undo(struct kvt_client *client,
				     const struct drm_kvtier_alloc_item *items,
				     u32 count)
{
	struct drm_kvtier_obj_op *ops;
	u32 i;

	ops = kvcalloc(count, sizeof(*ops), GFP_KERNEL);
	if (!ops)
		return;
	for (i = 0; i < count; i++)
		ops[i].handle = items[i].handle;
	kvt_obj_batch(client, KVTIER_OP_FREE, ops, count);
	kvt_obj_batch(client, KVTIER_OP_RELEASE, ops, count);
	kvfree(ops);
}

int kvtier_object_alloc_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_obj_alloc *args = data;
	struct drm_kvtier_alloc_item *items;
	u32 failed_index;
	u32 i;
	int ret;

	/* DRM copies the argument back on failure too: no item to blame yet. */
	args->failed_index = KVTIER_NO_INDEX;
	if (args->flags & ~KVTIER_ALLOC_FLAGS)
		return -EINVAL;
	if ((args->flags & KVTIER_ALLOC_GLOBAL) && !kvt_client_is_admin(client))
		return -EPERM;

	/* Also proves the handles can be written back before allocating. */
	items = kvtier_ioctl_copy_in(args->items_ptr, args->count,
				     sizeof(*items));
	if (IS_ERR(items))
		return PTR_ERR(items);
	for (i = 0; i < args->count; i++) {
		if (items[i].pad) {
			args->failed_index = i;
			ret = -EINVAL;
			goto out_free_items;
		}
	}

	ret = kvt_obj_alloc(client, args->pool_id, args->flags, items,
			    args->count, &failed_index);
	args->failed_index = failed_index;
	if (ret)
		goto out_free_items;

	/*
	 * Only a munmap() or mprotect() racing with this ioctl fails here:
	 * all or nothing, so the objects go again.
	 */
	ret = kvtier_ioctl_copy_out(args->items_ptr, items, args->count,
				    sizeof(*items));
	if (ret) {
		kvtier_object_alloc_undo(client, items, args->count);
		args->failed_index = KVTIER_NO_INDEX;
	}

out_free_items:
	kvfree(items);
	return ret;
}

static int kvtier_object_batch_check(u32 op,
				     const struct drm_kvtier_obj_op *items,
				     u32 count)
{
	bool has_tier = op == KVTIER_OP_PIN || op == KVTIER_OP_UNPIN;
	u32 i;

	for (i = 0; i < count; i++) {
		if (has_tier ? items[i].tier >= KVTIER_TIER_COUNT :
			       items[i].tier != 0)
			return -EINVAL;
	}
	return 0;
}

/*
 * Reads items [first, first + n) of @args into @items, checks them and
 * writes them back, proving the results can go there. 0, -EINVAL, -EFAULT.
 */
static int kvtier_object_batch_load(const struct drm_kvtier_obj_batch *args,
				    struct drm_kvtier_obj_op *items, u32 first,
				    u32 n)
{
	void __user *uptr = kvtier_object_uptr(args->items_ptr, first,
					       sizeof(*items));
	int ret;

	if (copy_from_user(items, uptr, n * sizeof(*items)))
		return -EFAULT;
	ret = kvtier_object_batch_check(args->op, items, n);
	if (ret)
		return ret;
	if (copy_to_user(uptr, items, n * sizeof(*items)))
		return -EFAULT;
	return 0;
}

int kvtier_object_batch_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct kvtier_file *kf = file->driver_priv;
	struct drm_kvtier_obj_batch *args = data;
	struct drm_kvtier_obj_op *items = kf->scratch;
	u32 done, n, failed = 0;
	size_t bytes;
	int ret;

	if (args->flags)
		return -EINVAL;
	if (args->op >= KVTIER_OP_COUNT)
		return -EINVAL;
	ret = kvtier_ioctl_array_bytes(args->count, sizeof(*items), &bytes);
	if (ret)
		return ret;

	ret = mutex_lock_killable(&kf->scratch_lock);
	if (ret)
		return ret;
	/*
	 * The whole batch is checked and proven writable before any item
	 * runs. A batch that fits the buffer is still in it afterwards.
	 */
	for (done = 0; done < args->count; done += n) {
		n = min(args->count - done, KVTIER_OBJECT_BATCH_CHUNK);
		ret = kvtier_object_batch_load(args, items, done, n);
		if (ret)
			goto out_unlock;
	}

	for (done = 0; done < args->count; done += n) {
		n = min(args->count - done, KVTIER_OBJECT_BATCH_CHUNK);
		if (n < args->count &&
		    copy_from_user(items, kvtier_object_uptr(args->items_ptr,
							     done,
							     sizeof(*items)),
				   n * sizeof(*items))) {
			ret = -EFAULT;
			goto out_unlock;
		}
		failed += kvt_obj_batch(kf->client, args->op, items, n);
		/*
		 * Only a munmap() or mprotect() racing with this ioctl fails
		 * here or above. Items done stay done (a commit or a free
		 * cannot be taken back); their results are lost.
		 */
		ret = kvtier_ioctl_copy_out(args->items_ptr +
					    (u64)done * sizeof(*items),
					    items, n, sizeof(*items));
		if (ret)
			goto out_unlock;
	}
	args->failed = failed;

out_unlock:
	mutex_unlock(&kf->scratch_lock);
	return ret;
}

/*
 * Releases the references the lookup took among @results (not those the
 * client held before), batched in @ops (room for @n).
 */
static void kvtier_object_lookup_release(struct kvt_client *client,
				const struct drm_kvtier_lookup_result *results,
				u32 n, struct drm_kvtier_obj_op *ops)
{
	u32 i, m = 0;

	for (i = 0; i < n; i++) {
		if (!(results[i].flags & KVTIER_LOOKUP_ACQUIRED))
			continue;
		ops[m].handle = results[i].handle;
		ops[m].tier = 0;
		ops[m].result = 0;
		m++;
	}
	if (m)
		kvt_obj_batch(client, KVTIER_OP_RELEASE, ops, m);
}

/*
 * An ACQUIRE lookup failed after taking references: only a munmap() or
 * mprotect() racing with the ioctl gets here, since the results were
 * proven writable and the keys readable first. Release the references it
 * took (KVTIER_LOOKUP_ACQUIRED) among the @held results still in the
 * buffer and the @done keys whose results were copied out (read back from
 * the caller); references the client held before the call stay. Best
 * effort: results that cannot be read back keep their references until
 * RELEASE or close.
 */
static void kvtier_object_lookup_undo(struct kvtier_file *kf,
				      const struct drm_kvtier_lookup *args,
				      u32 done, u32 held)
{
	struct drm_kvtier_obj_op *ops = kf->scratch;
	struct drm_kvtier_lookup_result *results = kf->scratch +
		KVTIER_OBJECT_LOOKUP_CHUNK * sizeof(struct drm_kvtier_key);
	u32 i, n;

	kvtier_object_lookup_release(kf->client, results, held, ops);
	for (i = 0; i < done; i += n) {
		n = min(done - i, KVTIER_OBJECT_LOOKUP_CHUNK);
		if (copy_from_user(results,
				   kvtier_object_uptr(args->results_ptr, i,
						      sizeof(*results)),
				   n * sizeof(*results)))
			continue;
		kvtier_object_lookup_release(kf->client, results, n, ops);
	}
}

int kvtier_object_lookup_ioctl(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	struct kvtier_file *kf = file->driver_priv;
	struct drm_kvtier_lookup *args = data;
	struct drm_kvtier_key *keys = kf->scratch;
	struct drm_kvtier_lookup_result *results = kf->scratch +
		KVTIER_OBJECT_LOOKUP_CHUNK * sizeof(*keys);
	bool stop = args->flags & KVTIER_LOOKUP_STOP_AT_MISS;
	u32 done, n, held = 0, hits = 0, prefix = 0;
	u32 chunk_hits, chunk_prefix;
	size_t bytes;
	int ret;

	if (args->flags & ~KVTIER_LOOKUP_FLAGS)
		return -EINVAL;
	ret = kvtier_ioctl_array_bytes(args->count, sizeof(*keys), &bytes);
	if (ret)
		return ret;
	/*
	 * Results are out only: zeroing them proves them writable before a
	 * reference is taken or a key counted, and leaves every key after a
	 * STOP_AT_MISS stop reading as a miss without another pass.
	 */
	ret = kvtier_ioctl_clear_out(args->results_ptr, args->count,
				     sizeof(*results));
	if (ret)
		return ret;
	/* Keys of later chunks are read later: check them all now. */
	if (args->count > KVTIER_OBJECT_LOOKUP_CHUNK &&
	    fault_in_readable(u64_to_user_ptr(args->keys_ptr), bytes))
		return -EFAULT;

	ret = mutex_lock_killable(&kf->scratch_lock);
	if (ret)
		return ret;
	for (done = 0; done < args->count; done += n) {
		n = min(args->count - done, KVTIER_OBJECT_LOOKUP_CHUNK);
		if (copy_from_user(keys, kvtier_object_uptr(args->keys_ptr,
							    done,
							    sizeof(*keys)),
				   n * sizeof(*keys))) {
			ret = -EFAULT;
			goto err_undo;
		}
		kvt_lookup(kf->client, args->flags, keys, results, n,
			   &chunk_hits, &chunk_prefix);
		ret = kvtier_ioctl_copy_out(args->results_ptr +
					    (u64)done * sizeof(*results),
					    results, n, sizeof(*results));
		if (ret) {
			held = n;
			goto err_undo;
		}
		hits += chunk_hits;
		/* The prefix runs on only while every earlier key hit. */
		if (prefix == done)
			prefix += chunk_prefix;
		/* With STOP_AT_MISS nothing after a miss is looked up. */
		if (stop && chunk_prefix < n)
			break;
	}
	mutex_unlock(&kf->scratch_lock);
	args->hits = hits;
	args->prefix = prefix;
	return 0;

err_undo:
	if (args->flags & KVTIER_LOOKUP_ACQUIRE)
		kvtier_object_lookup_undo(kf, args, done, held);
	mutex_unlock(&kf->scratch_lock);
	return ret;
}

int kvtier_object_scan_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct kvtier_file *kf = file->driver_priv;
	struct drm_kvtier_obj_scan *args = data;
	struct drm_kvtier_obj_record *recs = kf->scratch;
	u64 cursor = args->cursor;
	u32 done = 0, n, written;
	int ret;

	if (args->flags)
		return -EINVAL;
	if (!kvt_client_is_manager(kf->client))
		return -EPERM;
	/*
	 * Out only: zeroing proves the records writable (and checks the
	 * count) before the walk. The walk changes nothing, so a late
	 * -EFAULT (a racing munmap()) has nothing to undo either.
	 */
	ret = kvtier_ioctl_clear_out(args->records_ptr, args->count,
				     sizeof(*recs));
	if (ret)
		return ret;

	ret = mutex_lock_killable(&kf->scratch_lock);
	if (ret)
		return ret;
	while (done < args->count) {
		n = min(args->count - done, KVTIER_OBJECT_SCAN_CHUNK);
		ret = kvt_obj_scan(kf->client, &cursor, recs, n, &written);
		if (ret)
			goto out_unlock;
		ret = kvtier_ioctl_copy_out(args->records_ptr +
					    (u64)done * sizeof(*recs),
					    recs, written, sizeof(*recs));
		if (ret)
			goto out_unlock;
		done += written;
		/* A short chunk reached the end of the table. */
		if (written < n)
			break;
	}
	args->count = done;
	args->cursor = cursor;

out_unlock:
	mutex_unlock(&kf->scratch_lock);
	return ret;
}

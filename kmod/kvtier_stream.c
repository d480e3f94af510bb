// SPDX-License-Identifier: GPL-2.0
/*
 * The access stream's memory and the manager's mapping of it.
 *
 * Memory: vmalloc_user() at STREAM_OPEN, every ring at once, zeroed (so
 * every head, tail and count starts at 0). Two references keep it: the
 * core's, given back (kvtier_stream_put()) once no writer can be in it
 * after the stream closed, and that of an anonymous file standing for the
 * memory. That file is what the manager's VMAs hold (vma_set_file()), in
 * place of the DRM file: a mapping of the stream then keeps the memory,
 * and this module, alive, but not the DRM file, so the manager's close()
 * ends its role and its stream as if nothing were mapped, and a new
 * manager may open a new stream while the old mapping still reads the old
 * memory. The file's own reference from STREAM_OPEN goes when the stream
 * closes (kvtier_stream_close()); the file goes with the last VMA.
 *
 * Mapping: raw PFNs (VM_PFNMAP), inserted at fault time. The VMA has a
 * .pfn_mkwrite, which makes the kernel map every page read-only, even in a
 * writable mapping, and ask before it lets a page be written: only ring
 * headers may be (the page(s) holding @head); a write to a record page is
 * refused with SIGBUS. The core reads nothing from the mapping but @head,
 * and @tail and @dropped in the header are copies it overwrites, so what
 * the manager can write changes nothing but its own view.
 */
#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>

#include "core/kvt_core.h"
#include "kvtier_stream.h"

/**
 * struct kvtier_stream - the memory of one stream.
 * @ref: the core's reference and the file's.
 * @filp: the anonymous file the manager's VMAs map.
 * @vaddr: @size bytes, every ring, from vmalloc_user().
 * @size: rings * ring_bytes.
 * @ring_bytes: from one ring's header to the next's.
 * @records_offset: of a ring's records from its header: the bytes before
 *                  are the header's, the writable part of the mapping.
 */
struct kvtier_stream {
	struct kref ref;
	struct file *filp;
	void *vaddr;
	u64 size;
	u64 ring_bytes;
	u64 records_offset;
};

static void kvtier_stream_free(struct kref *ref)
{
	struct kvtier_stream *s = container_of(ref, struct kvtier_stream, ref);

	vfree(s->vaddr);
	kfree(s);
}

static int kvtier_stream_file_release(struct inode *inode, struct file *filp)
{
	struct kvtier_stream *s = filp->private_data;

	kref_put(&s->ref, kvtier_stream_free);
	return 0;
}

/* Holds this module while any mapping of a stream exists. */
static const struct file_operations kvtier_stream_fops = {
	.owner = THIS_MODULE,
	.release = kvtier_stream_file_release,
	.llseek = noop_llseek,
};

static struct kvtier_stream *kvtier_stream_of(struct vm_fault *vmf)
{
	return vmf->vma->vm_file->private_data;
}

static vm_fault_t kvtier_stream_fault(struct vm_fault *vmf)
{
	struct kvtier_stream *s = kvtier_stream_of(vmf);
	u64 off = (u64)vmf->pgoff << PAGE_SHIFT;

	if (off >= s->size)
		return VM_FAULT_SIGBUS;
	/* Read-only: the VMA write-notifies (see kvtier_stream_pfn_mkwrite). */
	return vmf_insert_pfn(vmf->vma, vmf->address,
			      vmalloc_to_pfn(s->vaddr + off));
}

/* The first write to a page: only a ring header's may be written. */
static vm_fault_t kvtier_stream_pfn_mkwrite(struct vm_fault *vmf)
{
	struct kvtier_stream *s = kvtier_stream_of(vmf);
	u64 off = (u64)vmf->pgoff << PAGE_SHIFT;
	u64 in_ring;

	if (off >= s->size)
		return VM_FAULT_SIGBUS;
	div64_u64_rem(off, s->ring_bytes, &in_ring);
	return in_ring < s->records_offset ? 0 : VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct kvtier_stream_vm_ops = {
	.fault = kvtier_stream_fault,
	.pfn_mkwrite = kvtier_stream_pfn_mkwrite,
};

int kvtier_stream_mmap(struct kvtier_file *kf, struct vm_area_struct *vma)
{
	u64 off = ((u64)vma->vm_pgoff << PAGE_SHIFT) - KVTIER_STREAM_MMAP_OFFSET;
	u64 len = vma->vm_end - vma->vm_start;
	struct kvtier_stream *s;
	void *priv;
	int ret;

	ret = kvt_stream_get(kf->client, &priv);
	if (ret)
		return ret == -EPERM ? -EACCES : -EINVAL;
	s = priv;
	if (off >= s->size || len > s->size - off) {
		ret = -EINVAL;
		goto out_put;
	}
	/*
	 * No core dump, no growing by mremap. PFNs are inserted by the fault
	 * handler. A child of fork() keeps the mapping, and through its file
	 * the memory, as long as it lives.
	 */
	vma->vm_flags |= VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &kvtier_stream_vm_ops;
	/* The VMA holds the stream's file, not the DRM file. */
	vma_set_file(vma, s->filp);
out_put:
	fput(s->filp);
	return ret;
}

int kvtier_stream_open_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct kvt_client *client = kvtier_file_client(file);
	struct drm_kvtier_stream_open *args = data;
	struct kvtier_stream *s;
	int ret;

	ret = kvt_stream_validate(client, args, PAGE_SIZE);
	if (ret)
		return ret;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	kref_init(&s->ref);
	s->size = (u64)args->rings * args->ring_bytes;
	s->ring_bytes = args->ring_bytes;
	s->records_offset = args->records_offset;
	/* The stream's window ends where pool 1's begins. */
	if (s->size > (1ULL << KVTIER_POOL_MMAP_SHIFT) -
		      KVTIER_STREAM_MMAP_OFFSET) {
		ret = -ENOMEM;
		goto err_free;
	}
	s->vaddr = vmalloc_user(s->size);
	if (!s->vaddr) {
		ret = -ENOMEM;
		goto err_free;
	}
	s->filp = anon_inode_getfile("[kvtier-stream]", &kvtier_stream_fops, s,
				     O_RDWR);
	if (IS_ERR(s->filp)) {
		ret = PTR_ERR(s->filp);
		goto err_vfree;
	}
	/* The file's reference is the first; this one is the core's. */
	kref_get(&s->ref);
	ret = kvt_stream_open(client, args, s->vaddr, s);
	if (ret)
		goto err_fput;
	args->mmap_offset = KVTIER_STREAM_MMAP_OFFSET;
	return 0;

err_fput:
	kref_put(&s->ref, kvtier_stream_free);
	/* The file's release drops the last reference and frees. */
	fput(s->filp);
	return ret;
err_vfree:
	vfree(s->vaddr);
err_free:
	kfree(s);
	return ret;
}

void kvtier_stream_get(void *priv)
{
	struct kvtier_stream *s = priv;

	get_file(s->filp);
}

void kvtier_stream_close(void *priv)
{
	struct kvtier_stream *s = priv;

	fput(s->filp);
}

void kvtier_stream_put(void *priv)
{
	struct kvtier_stream *s = priv;

	kref_put(&s->ref, kvtier_stream_free);
}

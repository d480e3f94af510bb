// SPDX-License-Identifier: GPL-2.0
/*
 * All or nothing when the caller cannot receive the results. DRM copies an
 * ioctl's struct in, runs the handler, and copies the struct back out: a
 * struct the caller can read but not write used to fail with -EFAULT only
 * after the handler had done its work (an object allocated, a pool made, a
 * reference taken, a descriptor installed). Each case here maps the struct
 * (or the array that gets per-item results) read-only, expects -EFAULT, and
 * then proves that nothing happened: the driver's stats and the shared
 * pool are as before, and the case's own witness (the key still free, no
 * reference, no pin, no pool, not the manager, no new descriptor, the work
 * where it was) says so too.
 */
#include "tlib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NSLOTS 64

static uint32_t g_pool;
static uint64_t g_page;

#define REFUSED(fd, req, arg, want) TL_REFUSED(fd, g_pool, req, arg, want)

/*
 * A copy of @len bytes of @src on a page of its own, readable and not
 * writable; NULL on failure.
 */
static void *ro_copy(const void *src, size_t len)
{
	void *p;

	p = mmap(NULL, g_page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, g_page, PROT_READ)) {
		munmap(p, g_page);
		return NULL;
	}
	return p;
}

/* Entries of /proc/self/fd, or -1. */
static int count_fds(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Pools that exist now (ids 1..KVTIER_MAX_POOLS). */
static int count_pools(int fd)
{
	struct drm_kvtier_pool_info pi;
	int id, n = 0;

	for (id = 1; id <= KVTIER_MAX_POOLS; id++)
		n += tl_pool_info(fd, id, &pi) == 0;
	return n;
}

static int attach(int fd)
{
	struct drm_kvtier_manager_attach ma = { 0 };

	return tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma);
}

/*
 * Regions that exist now, as manager @mfd sees them through REGION_GET_FD
 * (KIND_NONE regions answer -ENODEV and open nothing), or -1 when one of
 * them is not a NONE region.
 */
static int count_none_regions(int mfd)
{
	struct drm_kvtier_region_get_fd g;
	int id, err, n = 0;

	for (id = 1; id <= KVTIER_MAX_REGIONS; id++) {
		memset(&g, 0, sizeof(g));
		g.region_id = id;
		err = tl_ioctl(mfd, DRM_IOCTL_KVTIER_REGION_GET_FD, &g);
		if (err == -ENOENT)
			continue;
		if (err != -ENODEV)
			return -1;
		n++;
	}
	return n;
}

/* A memfd of @size bytes, sealed against shrinking. */
static int sealed_memfd(uint64_t size)
{
	int mfd = memfd_create("kvtier-fault", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (mfd < 0)
		return -errno;
	if (ftruncate(mfd, (off_t)size) ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		close(mfd);
		return -errno;
	}
	return mfd;
}

/* ---- a DEVICE fetch queued as work for a manager ------------------------- */

struct work_setup {
	int fd;			/* the client */
	int mfd;		/* the manager */
	uint32_t region_id;	/* a KIND_NONE region of the client's */
	struct drm_kvtier_alloc_item a;
	struct drm_kvtier_fetch f;
	struct drm_kvtier_fetch_item fi;
};

/* Opens both fds and queues one DEVICE fetch of a READY object. */
static int work_queue(struct work_setup *w)
{
	struct drm_kvtier_region_register reg = { .size = 1 << 20, .fd = -1 };
	int err;

	memset(w, 0, sizeof(*w));
	w->fd = tl_open_admin();
	w->mfd = tl_open();
	if (w->fd < 0 || w->mfd < 0)
		return -ENODEV;
	err = attach(w->mfd);
	if (!err)
		err = tl_ioctl(w->fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &reg);
	if (!err)
		err = tl_make_ready(w->fd, g_pool, tl_key(1), g_page, &w->a);
	if (err)
		return err;
	w->region_id = reg.region_id;
	err = tl_fetch1(w->fd, w->a.handle, KVTIER_TIER_DEVICE, w->region_id,
			0, 0x77, &w->f, &w->fi);
	if (err)
		return err;
	return w->f.pending == 1 ? 0 : -EPROTO;
}

/* The manager takes the queued item (it is there: no waiting). */
static int work_recv(struct work_setup *w, struct drm_kvtier_work_item *item)
{
	struct drm_kvtier_work_recv wr = {
		.items_ptr = (uintptr_t)item,
		.count = 1,
	};
	int err;

	err = tl_ioctl(w->mfd, DRM_IOCTL_KVTIER_WORK_RECV, &wr);
	if (err)
		return err;
	return wr.count == 1 && item->handle == w->a.handle ? 0 : -EPROTO;
}

/*
 * The manager completes @work_id (the item must have been dispatched to
 * it, so this proves it still was), the client gets its event and lets the
 * object go: nothing of the case is left for the next one.
 */
static void work_finish(struct work_setup *w, uint64_t work_id)
{
	struct drm_kvtier_work_done d = { .work_id = work_id, .result = 999 };
	struct drm_kvtier_work_complete wc = {
		.items_ptr = (uintptr_t)&d,
		.count = 1,
	};
	struct drm_kvtier_event_fetch ev;

	TL_EXPECT_RC(tl_ioctl(w->mfd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc), 0);
	TL_EXPECT_RC(d.result, 0);
	TL_EXPECT_RC(tl_read_fetch_event(w->fd, TL_WAIT_MS, &ev), 0);
	TL_EXPECT_EQ(ev.fetch_id, w->f.fetch_id);
	TL_EXPECT_EQ(ev.completed, 1);
	TL_EXPECT_RC(tl_op1(w->fd, KVTIER_OP_UNPIN, w->a.handle,
			    KVTIER_TIER_DEVICE), 0);
	TL_EXPECT_RC(tl_op1(w->fd, KVTIER_OP_FREE, w->a.handle, 0), 0);
}

/* ---- the ioctl's own struct is read-only --------------------------------- */

static void case_obj_alloc_struct(void)
{
	struct drm_kvtier_alloc_item it = { .key = tl_key(1), .size = g_page };
	struct drm_kvtier_obj_alloc a = {
		.items_ptr = (uintptr_t)&it,
		.count = 1,
		.pool_id = g_pool,
	};
	struct drm_kvtier_tenant_usage u0, u1;
	int fd = tl_open_admin();
	void *ro;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u0), 0);
	ro = ro_copy(&a, sizeof(a));
	TL_ASSERT(ro, "no read-only copy");
	REFUSED(fd, DRM_IOCTL_KVTIER_OBJ_ALLOC, ro, -EFAULT);
	TL_EXPECT_RC(tl_tenant_info(fd, 0, g_pool, &u1), 0);
	TL_EXPECT_EQ(u1.slots_used, u0.slots_used);
	TL_EXPECT_EQ(u1.objects, u0.objects);
	/* The key was not taken. */
	TL_EXPECT_RC(tl_alloc1(fd, g_pool, 0, tl_key(1), g_page, &it), 0);
}

static void case_pool_create_struct(void)
{
	struct drm_kvtier_pool_create pc = {
		.slot_size = g_page,
		.slot_count = 4,
		.kind = KVTIER_KIND_RAW,
	};
	int fd = tl_open_admin(), before;
	void *ro;

	TL_ASSERT(fd >= 0, "no fd");
	before = count_pools(fd);
	ro = ro_copy(&pc, sizeof(pc));
	TL_ASSERT(ro, "no read-only copy");
	REFUSED(fd, DRM_IOCTL_KVTIER_POOL_CREATE, ro, -EFAULT);
	TL_EXPECT_EQ(count_pools(fd), before);
}

static void case_manager_attach_struct(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	struct drm_kvtier_work_item item;
	struct drm_kvtier_work_recv wr = {
		.items_ptr = (uintptr_t)&item,
		.count = 1,
	};
	int fd = tl_open_admin(), fd2;
	void *ro;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open_admin();
	TL_ASSERT(fd2 >= 0, "no fd");
	ro = ro_copy(&ma, sizeof(ma));
	TL_ASSERT(ro, "no read-only copy");
	REFUSED(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, ro, -EFAULT);
	TL_EXPECT_EQ(tl_param(fd, KVTIER_PARAM_MANAGER_ATTACHED), 0);
	/* fd is no manager, and the role is free for another. */
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_WORK_RECV, &wr), -EPERM);
	TL_EXPECT_RC(attach(fd2), 0);
}

static void case_region_register_struct(void)
{
	struct drm_kvtier_region_register r = { .size = g_page, .fd = -1 };
	int fd = tl_open_admin(), mfd, before;
	void *ro;

	TL_ASSERT(fd >= 0, "no fd");
	mfd = tl_open_admin();
	TL_ASSERT(mfd >= 0, "no fd");
	TL_EXPECT_RC(attach(mfd), 0);
	before = count_none_regions(mfd);
	TL_ASSERT(before >= 0, "a region that is not NONE");
	ro = ro_copy(&r, sizeof(r));
	TL_ASSERT(ro, "no read-only copy");
	REFUSED(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, ro, -EFAULT);
	TL_EXPECT_EQ(count_none_regions(mfd), before);
}

static void case_lookup_acquire_struct(void)
{
	struct drm_kvtier_key key = tl_key(1);
	struct drm_kvtier_lookup_result res;
	struct drm_kvtier_lookup l = {
		.keys_ptr = (uintptr_t)&key,
		.results_ptr = (uintptr_t)&res,
		.count = 1,
		.flags = KVTIER_LOOKUP_ACQUIRE,
	};
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin(), fd2;
	void *ro;

	TL_ASSERT(fd >= 0, "no fd");
	fd2 = tl_open();
	TL_ASSERT(fd2 >= 0, "open: %s", tl_errname(fd2));
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, key, g_page, &a), 0);
	ro = ro_copy(&l, sizeof(l));
	TL_ASSERT(ro, "no read-only copy");
	REFUSED(fd2, DRM_IOCTL_KVTIER_LOOKUP, ro, -EFAULT);
	/* fd2 holds no reference: it may not pin, and the owner can free. */
	TL_EXPECT_RC(tl_op1(fd2, KVTIER_OP_PIN, a.handle, KVTIER_TIER_HOST),
		     -EACCES);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_obj_batch_struct(void)
{
	struct drm_kvtier_obj_op op = { .tier = KVTIER_TIER_HOST };
	struct drm_kvtier_obj_batch b = {
		.items_ptr = (uintptr_t)&op,
		.count = 1,
		.op = KVTIER_OP_PIN,
	};
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin();
	void *ro;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	op.handle = a.handle;
	ro = ro_copy(&b, sizeof(b));
	TL_ASSERT(ro, "no read-only copy");
	REFUSED(fd, DRM_IOCTL_KVTIER_OBJ_BATCH, ro, -EFAULT);
	/* Not pinned: a pinned object refuses FREE with -EBUSY. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_fetch_struct(void)
{
	struct drm_kvtier_fetch_item fi = { .tier = KVTIER_TIER_HOST };
	struct drm_kvtier_fetch f = {
		.items_ptr = (uintptr_t)&fi,
		.count = 1,
		.user_data = 1,
	};
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin();
	void *ro;

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	fi.handle = a.handle;
	ro = ro_copy(&f, sizeof(f));
	TL_ASSERT(ro, "no read-only copy");
	REFUSED(fd, DRM_IOCTL_KVTIER_FETCH, ro, -EFAULT);
	TL_ASSERT(tl_no_event(fd), "an event for a refused fetch");
	/* Not pinned: a pinned object refuses FREE with -EBUSY. */
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_region_get_fd_struct(void)
{
	struct drm_kvtier_region_register r = {
		.size = g_page, .kind = KVTIER_REGION_KIND_MEMFD,
	};
	struct drm_kvtier_region_get_fd g = { .fd = -1 };
	int fd = tl_open_admin(), mfd, before;
	void *ro;

	TL_ASSERT(fd >= 0, "no fd");
	mfd = tl_open_admin();
	TL_ASSERT(mfd >= 0, "no fd");
	TL_EXPECT_RC(attach(mfd), 0);
	r.fd = sealed_memfd(g_page);
	TL_ASSERT(r.fd >= 0, "memfd: %s", tl_errname(r.fd));
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_REGION_REGISTER, &r), 0);
	close(r.fd);
	g.region_id = r.region_id;
	ro = ro_copy(&g, sizeof(g));
	TL_ASSERT(ro, "no read-only copy");
	before = count_fds();
	TL_ASSERT(before > 0, "cannot read /proc/self/fd");
	REFUSED(mfd, DRM_IOCTL_KVTIER_REGION_GET_FD, ro, -EFAULT);
	TL_EXPECT_EQ(count_fds(), before);
	/* The same request, writable, works. */
	TL_EXPECT_RC(tl_ioctl(mfd, DRM_IOCTL_KVTIER_REGION_GET_FD, &g), 0);
	TL_ASSERT(g.fd >= 0, "no fd");
	TL_EXPECT_EQ(count_fds(), before + 1);
}

static void case_work_recv_struct(void)
{
	struct drm_kvtier_work_item item;
	struct drm_kvtier_work_recv wr = {
		.items_ptr = (uintptr_t)&item,
		.count = 1,
	};
	struct work_setup w;
	void *ro;
	int err;

	err = work_queue(&w);
	TL_ASSERT(!err, "setup: %s", tl_errname(err));
	ro = ro_copy(&wr, sizeof(wr));
	TL_ASSERT(ro, "no read-only copy");
	/* The stats would count the work dispatched. */
	REFUSED(w.mfd, DRM_IOCTL_KVTIER_WORK_RECV, ro, -EFAULT);
	/* Still queued: the next receive gets it. */
	TL_EXPECT_RC(work_recv(&w, &item), 0);
	work_finish(&w, item.work_id);
}

static void case_work_complete_struct(void)
{
	struct drm_kvtier_work_item item;
	struct drm_kvtier_work_done d = { .result = 999 };
	struct drm_kvtier_work_complete wc = {
		.items_ptr = (uintptr_t)&d,
		.count = 1,
	};
	struct work_setup w;
	void *ro;
	int err;

	err = work_queue(&w);
	TL_ASSERT(!err, "setup: %s", tl_errname(err));
	TL_EXPECT_RC(work_recv(&w, &item), 0);
	d.work_id = item.work_id;
	ro = ro_copy(&wc, sizeof(wc));
	TL_ASSERT(ro, "no read-only copy");
	REFUSED(w.mfd, DRM_IOCTL_KVTIER_WORK_COMPLETE, ro, -EFAULT);
	TL_ASSERT(tl_no_event(w.fd), "an event for work not completed");
	/* Still dispatched to the manager, which completes it now. */
	work_finish(&w, item.work_id);
}

static void case_residency_struct(void)
{
	struct drm_kvtier_residency_item ri = {
		.op = KVTIER_RES_ADD,
		.tier = KVTIER_TIER_DISK,
		.location = 1 << 20,
	};
	struct drm_kvtier_residency rs = {
		.items_ptr = (uintptr_t)&ri,
		.count = 1,
	};
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin(), mfd;
	void *ro;

	TL_ASSERT(fd >= 0, "no fd");
	mfd = tl_open();
	TL_ASSERT(mfd >= 0, "open: %s", tl_errname(mfd));
	TL_EXPECT_RC(attach(mfd), 0);
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	ri.handle = a.handle;
	ro = ro_copy(&rs, sizeof(rs));
	TL_ASSERT(ro, "no read-only copy");
	REFUSED(mfd, DRM_IOCTL_KVTIER_RESIDENCY, ro, -EFAULT);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST));
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

/* ---- the array of per-item results is read-only -------------------------- */

static void case_fetch_items(void)
{
	struct drm_kvtier_fetch_item fi = { .tier = KVTIER_TIER_HOST };
	struct drm_kvtier_fetch f = { .count = 1, .user_data = 1 };
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	fi.handle = a.handle;
	f.items_ptr = (uintptr_t)ro_copy(&fi, sizeof(fi));
	TL_ASSERT(f.items_ptr, "no read-only copy");
	REFUSED(fd, DRM_IOCTL_KVTIER_FETCH, &f, -EFAULT);
	TL_ASSERT(tl_no_event(fd), "an event for a refused fetch");
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_work_recv_items(void)
{
	struct drm_kvtier_work_item item;
	struct drm_kvtier_work_recv wr = { .count = 1 };
	struct work_setup w;
	int err;

	err = work_queue(&w);
	TL_ASSERT(!err, "setup: %s", tl_errname(err));
	memset(&item, 0, sizeof(item));
	wr.items_ptr = (uintptr_t)ro_copy(&item, sizeof(item));
	TL_ASSERT(wr.items_ptr, "no read-only copy");
	REFUSED(w.mfd, DRM_IOCTL_KVTIER_WORK_RECV, &wr, -EFAULT);
	TL_EXPECT_RC(work_recv(&w, &item), 0);
	work_finish(&w, item.work_id);
}

static void case_work_complete_items(void)
{
	struct drm_kvtier_work_item item;
	struct drm_kvtier_work_done d = { .result = 999 };
	struct drm_kvtier_work_complete wc = { .count = 1 };
	struct work_setup w;
	int err;

	err = work_queue(&w);
	TL_ASSERT(!err, "setup: %s", tl_errname(err));
	TL_EXPECT_RC(work_recv(&w, &item), 0);
	d.work_id = item.work_id;
	wc.items_ptr = (uintptr_t)ro_copy(&d, sizeof(d));
	TL_ASSERT(wc.items_ptr, "no read-only copy");
	REFUSED(w.mfd, DRM_IOCTL_KVTIER_WORK_COMPLETE, &wc, -EFAULT);
	TL_ASSERT(tl_no_event(w.fd), "an event for work not completed");
	work_finish(&w, item.work_id);
}

static void case_residency_items(void)
{
	struct drm_kvtier_residency_item ri = {
		.op = KVTIER_RES_ADD,
		.tier = KVTIER_TIER_DISK,
		.location = 1 << 20,
	};
	struct drm_kvtier_residency rs = { .count = 1 };
	struct drm_kvtier_lookup_result r;
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin(), mfd;

	TL_ASSERT(fd >= 0, "no fd");
	mfd = tl_open();
	TL_ASSERT(mfd >= 0, "open: %s", tl_errname(mfd));
	TL_EXPECT_RC(attach(mfd), 0);
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	ri.handle = a.handle;
	rs.items_ptr = (uintptr_t)ro_copy(&ri, sizeof(ri));
	TL_ASSERT(rs.items_ptr, "no read-only copy");
	REFUSED(mfd, DRM_IOCTL_KVTIER_RESIDENCY, &rs, -EFAULT);
	TL_EXPECT_RC(tl_lookup1(fd, tl_key(1), 0, &r), 0);
	TL_EXPECT_EQ(r.tiers, KVTIER_TIER_BIT(KVTIER_TIER_HOST));
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

static void case_obj_scan_records(void)
{
	struct drm_kvtier_obj_record rec;
	struct drm_kvtier_obj_scan sc = { .count = 1 };
	struct drm_kvtier_alloc_item a;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(attach(fd), 0);
	TL_EXPECT_RC(tl_make_ready(fd, g_pool, tl_key(1), g_page, &a), 0);
	memset(&rec, 0, sizeof(rec));
	sc.records_ptr = (uintptr_t)ro_copy(&rec, sizeof(rec));
	TL_ASSERT(sc.records_ptr, "no read-only copy");
	REFUSED(fd, DRM_IOCTL_KVTIER_OBJ_SCAN, &sc, -EFAULT);
	TL_EXPECT_EQ(sc.count, 1);
	TL_EXPECT_EQ(sc.cursor, 0);
	TL_EXPECT_RC(tl_op1(fd, KVTIER_OP_FREE, a.handle, 0), 0);
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} cases[] = {
#define C(n) { #n, case_##n }
		C(obj_alloc_struct), C(pool_create_struct),
		C(manager_attach_struct), C(region_register_struct),
		C(lookup_acquire_struct), C(obj_batch_struct),
		C(fetch_struct), C(region_get_fd_struct),
		C(work_recv_struct), C(work_complete_struct),
		C(residency_struct),
		C(fetch_items), C(work_recv_items), C(work_complete_items),
		C(residency_items), C(obj_scan_records),
#undef C
	};
	size_t i;

	tl_init("fault");
	g_page = tl_page();
	g_pool = tl_setup_pool(g_page, NSLOTS);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tl_run(cases[i].name, cases[i].fn);
	tl_teardown_pool(g_pool);
	return tl_finish();
}

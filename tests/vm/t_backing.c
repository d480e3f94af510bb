// SPDX-License-Identifier: GPL-2.0
/*
 * A pool's memory is what the pool asked for, as the guest kernel's own
 * page tables and page flags tell, not as the driver reports it.
 *
 * Huge pages: a pool created with KVTIER_POOL_HUGEPAGE is one 2 MiB folio
 * per full 2 MiB chunk whenever the guest can give them. /proc/self/pagemap
 * turns each mapped page into its frame, and /proc/kpageflags says whether
 * that frame is the head or a tail of a transparent huge page: a chunk is
 * huge when its 512 frames are one such page, head first and aligned. The
 * manager's mapping (the pool's shmem file, mapped at a 2 MiB-aligned
 * address) is then mapped by PMDs (ShmemPmdMapped in /proc/self/smaps).
 * The driver's huge_bytes must say what was measured. A pool that did not
 * ask for huge pages has none.
 *
 * NUMA: a pool bound to a node has every page on that node (move_pages(2)
 * with no target nodes reports where each page is), with small pages and
 * with huge ones; and a pool bound to a node that has too little free
 * memory for it fails with ENOMEM rather than spill onto another node,
 * although the guest as a whole has room for it.
 *
 * Whether the guest can give huge pages is read from the guest itself:
 * shmem must not deny them (/sys/kernel/mm/transparent_hugepage/shmem_enabled:
 * the pool's own tmpfs mount asks for them, so "enabled", which governs
 * anonymous memory, does not matter) and the buddy allocator must hold
 * enough free 2 MiB blocks on the node (/proc/buddyinfo). A case whose
 * premise the guest lacks (no THP, too few free blocks, a single node)
 * prints SKIP with the reason instead of a result; the program exits 77
 * when every case skipped.
 */
#include "tlib.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define AREA "backing"
#define CHUNK (2ull << 20)
/* Pools of four full chunks and a short tail of three pages. */
#define NCHUNKS 4u
#define TAIL_PAGES 3u
/*
 * Free 2 MiB blocks a node must hold beyond what a pool needs before a
 * case expects every chunk to be huge: room for what the guest allocates
 * meanwhile (page tables, the kworker's own needs).
 */
#define HUGE_MARGIN 8u
/* How far past a node's free memory the too-big pool asks for. */
#define OVER_NODE (64ull << 20)
/* What the other nodes must have free beyond that pool's overflow. */
#define SPILL_ROOM (128ull << 20)

#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)
#define KPF(bit) (1ull << (bit))

static uint64_t g_page;
static int g_nodes;
static unsigned int g_ran;

/* ---- the guest's state ------------------------------------------------ */

/* The first line of @path without its newline in @buf: 0 or -errno. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		ret = -EIO;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return ret;
}

/* Online NUMA nodes, counted from /sys (they are 0..n-1 in the VM). */
static int online_nodes(void)
{
	char buf[64];
	int lo, hi;

	if (read_line("/sys/devices/system/node/online", buf, sizeof(buf)))
		return 1;
	if (sscanf(buf, "%d-%d", &lo, &hi) == 2)
		return hi - lo + 1;
	return 1;
}

/*
 * Free blocks of 2 MiB or more on @node (-1: the fewest of any node), in
 * 2 MiB units, in the zones a pool's pages come from: not DMA (16 MiB,
 * kept back by lowmem_reserve) and not Movable (no __GFP_MOVABLE).
 */
static uint64_t free_2m_blocks(int node)
{
	uint64_t per_node[64] = { 0 }, n, best = UINT64_MAX;
	char line[512], zone[32], *p, *end;
	int nid, order, i;
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %31s", &nid, zone) != 2 ||
		    nid < 0 || nid >= 64)
			continue;
		if (!strcmp(zone, "DMA") || !strcmp(zone, "Movable"))
			continue;
		p = strstr(line, zone) + strlen(zone);
		for (order = 0;; order++) {
			n = strtoull(p, &end, 10);
			if (end == p)
				break;
			p = end;
			if (order >= 9)
				per_node[nid] += n << (order - 9);
		}
	}
	fclose(f);
	if (node >= 0)
		return node < 64 ? per_node[node] : 0;
	for (i = 0; i < g_nodes && i < 64; i++)
		if (per_node[i] < best)
			best = per_node[i];
	return best == UINT64_MAX ? 0 : best;
}

/* shmem_enabled's selected word ("within_size", "deny"...), or NULL. */
static const char *shmem_thp_mode(void)
{
	static char mode[128];
	char *open, *close;

	if (read_line("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
		      mode, sizeof(mode)))
		return NULL;
	open = strchr(mode, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close)
		return NULL;
	*close = '\0';
	return open + 1;
}

/*
 * Why the guest cannot give @n huge pages to a pool on @node (-1: one
 * bound to no node), or NULL when it can.
 */
static const char *no_huge_why(int node, unsigned int n)
{
	static char why[160];
	const char *mode = shmem_thp_mode();
	uint64_t blocks;

	if (!mode)
		return "no transparent huge pages in this kernel or on this "
		       "CPU (no /sys/kernel/mm/transparent_hugepage)";
	if (!strcmp(mode, "deny"))
		return "shmem huge pages are denied (shmem_enabled=deny)";
	blocks = free_2m_blocks(node);
	if (blocks < n + HUGE_MARGIN) {
		snprintf(why, sizeof(why),
			 "%llu free 2 MiB blocks on node %d, %u wanted",
			 (unsigned long long)blocks, node, n + HUGE_MARGIN);
		return why;
	}
	return NULL;
}

/* A number after @key in /sys/devices/system/node/node@node/meminfo, KiB. */
static uint64_t node_kib(int node, const char *key)
{
	char path[96], line[256], *p;
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo",
		 node);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, key);
		if (p && p[strlen(key)] == ':') {
			sscanf(p + strlen(key) + 1, "%llu", &v);
			break;
		}
	}
	fclose(f);
	return v;
}

/* ---- what backs a mapping --------------------------------------------- */

struct backing {
	uint64_t huge;		/* bytes in whole 2 MiB THPs, one per chunk */
	uint64_t compound;	/* pages that are part of any compound page */
};

/*
 * The frame and kernel page flags of the page at @addr (mapped: the caller
 * touched it). 0, or a failure of the case and -1.
 */
static int page_at(int pm, int kpf, const volatile void *addr, uint64_t *pfn,
		   uint64_t *flags)
{
	uint64_t e;

	TL_ASSERT_R(-1, pread(pm, &e, 8, (uintptr_t)addr / g_page * 8) == 8,
		    "pagemap: %s", strerror(errno));
	TL_ASSERT_R(-1, e & PM_PRESENT, "page at %p not present", addr);
	*pfn = e & PM_PFN_MASK;
	/* Frames read as 0 without CAP_SYS_ADMIN: nothing to measure. */
	TL_ASSERT_R(-1, *pfn, "pagemap hides frames (not root?)");
	TL_ASSERT_R(-1, pread(kpf, flags, 8, *pfn * 8) == 8,
		    "kpageflags of frame %llu: %s", (unsigned long long)*pfn,
		    strerror(errno));
	return 0;
}

/*
 * Measures what backs the @len bytes mapped at @base, which is pool offset
 * 0 (so chunks start every 2 MiB from @base); every page is mapped. A
 * chunk is huge when its 512 pages are one transparent huge page: the
 * first is its head, on a frame aligned to 2 MiB, and the others are its
 * tails on the frames that follow. 0, or -1 with the case failed.
 */
static int measure(const volatile uint8_t *base, uint64_t len,
		   struct backing *b)
{
	const uint64_t thp = KPF(KPF_THP) | KPF(KPF_COMPOUND_HEAD);
	const uint64_t tail = KPF(KPF_THP) | KPF(KPF_COMPOUND_TAIL);
	const uint64_t any = KPF(KPF_COMPOUND_HEAD) | KPF(KPF_COMPOUND_TAIL);
	uint64_t off, i, n, pfn, head = 0, flags;
	int pm, kpf, ret = 0;
	bool whole;

	memset(b, 0, sizeof(*b));
	pm = open("/proc/self/pagemap", O_RDONLY);
	kpf = open("/proc/kpageflags", O_RDONLY);
	if (pm < 0 || kpf < 0) {
		tl_fail("cannot open pagemap or kpageflags: %s",
			strerror(errno));
		ret = -1;
		goto out;
	}
	for (off = 0; off < len && !ret; off += CHUNK) {
		n = (len - off < CHUNK ? len - off : CHUNK) / g_page;
		whole = n == CHUNK / g_page;
		for (i = 0; i < n; i++) {
			ret = page_at(pm, kpf, base + off + i * g_page, &pfn,
				      &flags);
			if (ret)
				break;
			if (flags & any)
				b->compound++;
			if (i == 0) {
				head = pfn;
				whole = whole && (flags & thp) == thp &&
					!(pfn % (CHUNK / g_page));
			} else {
				whole = whole && (flags & tail) == tail &&
					pfn == head + i;
			}
		}
		if (!ret && whole)
			b->huge += CHUNK;
	}
out:
	if (pm >= 0)
		close(pm);
	if (kpf >= 0)
		close(kpf);
	return ret;
}

/*
 * Reads a byte of every page, so that every page is mapped (a read: client
 * mappings write only to objects being written).
 */
static void touch(volatile uint8_t *p, uint64_t len)
{
	uint64_t off;
	uint8_t sum = 0;

	for (off = 0; off < len; off += g_page)
		sum += p[off];
	(void)sum;
}

/*
 * ShmemPmdMapped of the mapping that starts at @addr, in bytes, from
 * /proc/self/smaps; ~0 when there is no such mapping or field.
 */
static uint64_t smaps_pmd_mapped(const void *addr)
{
	unsigned long long start, end, kib;
	bool inside = false;
	uint64_t ret = ~0ull;
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return ret;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's first line; its fields ("Anon...:") are not. */
		if (sscanf(line, "%llx-%llx ", &start, &end) == 2) {
			inside = start == (uintptr_t)addr;
			continue;
		}
		if (inside &&
		    sscanf(line, "ShmemPmdMapped: %llu kB", &kib) == 1) {
			ret = kib * 1024;
			break;
		}
	}
	fclose(f);
	return ret;
}

/*
 * Where every page mapped at @p lies: counts per node in @on (@on[0..63]);
 * 0, or -1 with the case failed. move_pages(2) with no target nodes only
 * reports, and needs no libnuma.
 */
static int nodes_of(const volatile uint8_t *p, uint64_t len, uint64_t *on)
{
	uint64_t n = len / g_page, i;
	void **pages = calloc(n, sizeof(*pages));
	int *status = calloc(n, sizeof(*status));
	long ret;

	memset(on, 0, 64 * sizeof(*on));
	if (!pages || !status) {
		free(pages);
		free(status);
		tl_fail("out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		pages[i] = (void *)(p + i * g_page);
	ret = syscall(SYS_move_pages, 0, n, pages, NULL, status, 0);
	if (ret)
		tl_fail("move_pages: %s", strerror(errno));
	for (i = 0; !ret && i < n; i++) {
		if (status[i] < 0 || status[i] >= 64) {
			tl_fail("page %llu: move_pages status %d",
				(unsigned long long)i, status[i]);
			ret = -1;
			break;
		}
		on[status[i]]++;
	}
	free(pages);
	free(status);
	return ret ? -1 : 0;
}

/* ---- pools ------------------------------------------------------------ */

/* A pool of 4 KiB slots: @nchunks full chunks and @tail pages more. */
static int pool_create(int fd, uint32_t flags, int node, uint64_t nchunks,
		       uint64_t tail, struct drm_kvtier_pool_create *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->slot_size = g_page;
	pc->slot_count = nchunks * (CHUNK / g_page) + tail;
	pc->kind = KVTIER_KIND_RAW;
	pc->flags = flags;
	pc->numa_node = node;
	return tl_ioctl(fd, DRM_IOCTL_KVTIER_POOL_CREATE, pc);
}

/*
 * Maps @len bytes at @off of @fd at an address aligned to 2 MiB, so that
 * a shmem mapping may use PMDs. The address, or NULL.
 */
static uint8_t *map_aligned(int fd, uint64_t off, uint64_t len)
{
	uint8_t *res, *at, *p;

	res = mmap(NULL, len + CHUNK, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return NULL;
	at = (uint8_t *)(((uintptr_t)res + CHUNK - 1) &
			 ~(uintptr_t)(CHUNK - 1));
	p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 (off_t)off);
	if (p == MAP_FAILED) {
		munmap(res, len + CHUNK);
		return NULL;
	}
	if (at > res)
		munmap(res, at - res);
	if (res + len + CHUNK > at + len)
		munmap(at + len, res + len + CHUNK - (at + len));
	return p;
}

/* ---- cases ------------------------------------------------------------ */

/*
 * A huge-page pool as the admin's client mapping sees it (the driver's
 * fault handler inserts the pool's pages one by one): every full chunk is
 * one 2 MiB THP, the short tail is small pages, and huge_bytes says so.
 */
static void case_huge_client_map(void)
{
	struct drm_kvtier_pool_create pc;
	struct drm_kvtier_pool_info pi;
	const char *mode = shmem_thp_mode();
	struct backing b;
	uint64_t len;
	uint8_t *p;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(pool_create(fd, KVTIER_POOL_HUGEPAGE, 0, NCHUNKS,
				 TAIL_PAGES, &pc), 0);
	len = pc.slot_size * pc.slot_count;
	TL_EXPECT_RC(tl_pool_info(fd, pc.pool_id, &pi), 0);
	p = tl_pool_map(fd, &pi);
	TL_ASSERT(p, "mmap: %s", strerror(errno));
	touch(p, len);
	if (measure(p, len, &b))
		return;
	fprintf(stderr, "huge_client_map: %llu of %llu bytes in 2 MiB THPs "
		"(measured), driver says %llu\n", (unsigned long long)b.huge,
		(unsigned long long)len, (unsigned long long)pc.huge_bytes);
	TL_ASSERT(b.huge == NCHUNKS * CHUNK,
		  "%llu bytes in 2 MiB pages, %llu expected: the guest had "
		  "the free blocks", (unsigned long long)b.huge,
		  (unsigned long long)(NCHUNKS * CHUNK));
	/* within_size never puts a huge page past the end of the file. */
	if (strcmp(mode ? mode : "", "force"))
		TL_EXPECT_EQ(b.compound, NCHUNKS * CHUNK / g_page);
	TL_EXPECT_EQ(pc.huge_bytes, b.huge);
	TL_EXPECT_EQ(pi.huge_bytes, b.huge);
	TL_ASSERT(!munmap(p, len), "munmap");
	TL_EXPECT_RC(tl_pool_destroy(fd, pc.pool_id), 0);
}

/*
 * The manager's mapping is the pool's shmem file: at a 2 MiB-aligned
 * address every huge chunk is mapped by one PMD, as the kernel counts it
 * in smaps, and the frames say the same as for a client.
 */
static void case_huge_manager_map(void)
{
	struct drm_kvtier_manager_attach ma = { 0 };
	struct drm_kvtier_pool_create pc;
	struct backing b;
	uint64_t len, pmd;
	uint8_t *p;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(tl_ioctl(fd, DRM_IOCTL_KVTIER_MANAGER_ATTACH, &ma), 0);
	TL_EXPECT_RC(pool_create(fd, KVTIER_POOL_HUGEPAGE, 0, NCHUNKS,
				 TAIL_PAGES, &pc), 0);
	len = pc.slot_size * pc.slot_count;
	p = map_aligned(fd, pc.mmap_offset, len);
	TL_ASSERT(p, "mmap: %s", strerror(errno));
	touch(p, len);
	if (measure(p, len, &b))
		return;
	pmd = smaps_pmd_mapped(p);
	fprintf(stderr, "huge_manager_map: %llu bytes in 2 MiB THPs, %llu "
		"mapped by PMDs, driver says %llu\n",
		(unsigned long long)b.huge, (unsigned long long)pmd,
		(unsigned long long)pc.huge_bytes);
	TL_ASSERT(b.huge == NCHUNKS * CHUNK,
		  "%llu bytes in 2 MiB pages, %llu expected",
		  (unsigned long long)b.huge,
		  (unsigned long long)(NCHUNKS * CHUNK));
	TL_ASSERT(pmd != ~0ull, "no ShmemPmdMapped for the mapping at %p",
		  (void *)p);
	TL_EXPECT_EQ(pmd, b.huge);
	TL_EXPECT_EQ(pc.huge_bytes, b.huge);
	TL_ASSERT(!munmap(p, len), "munmap");
	TL_EXPECT_RC(tl_pool_destroy(fd, pc.pool_id), 0);
}

/* A pool that did not ask for huge pages gets none, and says none. */
static void case_small_when_not_asked(void)
{
	struct drm_kvtier_pool_create pc;
	struct drm_kvtier_pool_info pi;
	struct backing b;
	uint64_t len;
	uint8_t *p;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	TL_EXPECT_RC(pool_create(fd, 0, 0, 2, 0, &pc), 0);
	len = pc.slot_size * pc.slot_count;
	TL_EXPECT_RC(tl_pool_info(fd, pc.pool_id, &pi), 0);
	p = tl_pool_map(fd, &pi);
	TL_ASSERT(p, "mmap: %s", strerror(errno));
	touch(p, len);
	if (measure(p, len, &b))
		return;
	TL_EXPECT_EQ(b.compound, 0);
	TL_EXPECT_EQ(pc.huge_bytes, 0);
	TL_ASSERT(!munmap(p, len), "munmap");
	TL_EXPECT_RC(tl_pool_destroy(fd, pc.pool_id), 0);
}

/*
 * Pools bound to each node, with small pages and with huge ones: every
 * page lies on the node asked for, and the huge ones are huge (when that
 * node has the free blocks).
 */
static void case_numa_placement(void)
{
	static const uint32_t kinds[] = { 0, KVTIER_POOL_HUGEPAGE };
	struct drm_kvtier_pool_create pc;
	struct drm_kvtier_pool_info pi;
	uint64_t len, on[64];
	struct backing b;
	unsigned int k;
	const char *why;
	uint32_t flags;
	uint8_t *p;
	int node, fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	for (node = 0; node < g_nodes && node < 64; node++) {
		for (k = 0; k < 2; k++) {
			flags = KVTIER_POOL_NUMA | kinds[k];
			why = kinds[k] ? no_huge_why(node, NCHUNKS) : NULL;
			TL_EXPECT_RC(pool_create(fd, flags, node, NCHUNKS,
						 TAIL_PAGES, &pc), 0);
			len = pc.slot_size * pc.slot_count;
			TL_EXPECT_RC(tl_pool_info(fd, pc.pool_id, &pi), 0);
			TL_EXPECT_EQ(pi.numa_node, node);
			p = tl_pool_map(fd, &pi);
			TL_ASSERT(p, "mmap: %s", strerror(errno));
			touch(p, len);
			if (nodes_of(p, len, on) || measure(p, len, &b))
				return;
			fprintf(stderr, "numa_placement: node %d%s: %llu of "
				"%llu pages there, %llu bytes huge\n", node,
				kinds[k] ? " huge" : "",
				(unsigned long long)on[node],
				(unsigned long long)(len / g_page),
				(unsigned long long)b.huge);
			TL_ASSERT(on[node] == len / g_page,
				  "pool on node %d%s: %llu of %llu pages there",
				  node, kinds[k] ? " (huge)" : "",
				  (unsigned long long)on[node],
				  (unsigned long long)(len / g_page));
			TL_EXPECT_EQ(pc.huge_bytes, b.huge);
			if (kinds[k] && why)
				fprintf(stderr, "numa_placement: node %d: "
					"huge pages not checked: %s\n", node,
					why);
			else if (kinds[k])
				TL_EXPECT_EQ(b.huge, NCHUNKS * CHUNK);
			TL_ASSERT(!munmap(p, len), "munmap");
			TL_EXPECT_RC(tl_pool_destroy(fd, pc.pool_id), 0);
		}
	}
}

/*
 * A pool bound to the last node and larger than that node's free memory,
 * while the other nodes have room for the difference: its creation fails
 * with ENOMEM, since not a page of it may come from another node.
 */
static void case_numa_bind_no_spill(void)
{
	struct drm_kvtier_pool_create pc;
	struct drm_kvtier_pool_info pi;
	int node = g_nodes - 1, i, ret;
	uint64_t free_node, free_other = 0, size, len, on[64];
	uint8_t *p;
	int fd = tl_open_admin();

	TL_ASSERT(fd >= 0, "no fd");
	free_node = node_kib(node, "MemFree") << 10;
	for (i = 0; i < g_nodes; i++)
		if (i != node)
			free_other += node_kib(i, "MemFree") << 10;
	TL_ASSERT(free_node, "no MemFree for node %d", node);
	size = (free_node + OVER_NODE + CHUNK - 1) & ~(CHUNK - 1);
	TL_ASSERT(free_other >= OVER_NODE + SPILL_ROOM,
		  "the other nodes have %llu MiB free: no room to spill into",
		  (unsigned long long)(free_other >> 20));
	fprintf(stderr, "numa_bind_no_spill: node %d has %llu MiB free, the "
		"others %llu MiB; a pool of %llu MiB on node %d\n", node,
		(unsigned long long)(free_node >> 20),
		(unsigned long long)(free_other >> 20),
		(unsigned long long)(size >> 20), node);
	ret = pool_create(fd, KVTIER_POOL_NUMA, node, size / CHUNK, 0, &pc);
	if (ret == -ENOMEM)
		return;
	TL_ASSERT(!ret, "pool create: %s, want ENOMEM", tl_errname(ret));
	/* Created: say where its pages went. */
	len = pc.slot_size * pc.slot_count;
	TL_EXPECT_RC(tl_pool_info(fd, pc.pool_id, &pi), 0);
	p = tl_pool_map(fd, &pi);
	TL_ASSERT(p, "mmap: %s", strerror(errno));
	touch(p, len);
	if (nodes_of(p, len, on))
		return;
	tl_fail("a pool bound to node %d was created larger than the node's "
		"free memory: %llu of its %llu pages are on node %d",
		node, (unsigned long long)on[node],
		(unsigned long long)(len / g_page), node);
	munmap(p, len);
	tl_pool_destroy(fd, pc.pool_id);
}

int main(void)
{
	const char *why;
	char nodes_why[64];

	tl_init(AREA);
	g_page = tl_page();
	g_nodes = online_nodes();
	snprintf(nodes_why, sizeof(nodes_why), "the guest has %d NUMA node%s",
		 g_nodes, g_nodes == 1 ? "" : "s");

#define RUN_IF(name, fn, skip_why)                                             \
	do {                                                                   \
		why = (skip_why);                                              \
		if (why) {                                                     \
			printf("SKIP %s:%s: %s\n", AREA, name, why);           \
		} else {                                                       \
			g_ran++;                                               \
			tl_run(name, fn);                                      \
		}                                                              \
	} while (0)

	RUN_IF("huge_client_map", case_huge_client_map,
	       no_huge_why(-1, NCHUNKS));
	RUN_IF("huge_manager_map", case_huge_manager_map,
	       no_huge_why(-1, NCHUNKS));
	RUN_IF("small_when_not_asked", case_small_when_not_asked,
	       (shmem_thp_mode() && !strcmp(shmem_thp_mode(), "force")) ?
	       "shmem_enabled=force makes every shmem page huge" : NULL);
	RUN_IF("numa_placement", case_numa_placement,
	       g_nodes < 2 ? nodes_why : NULL);
	/* Last: it takes a node's memory for a moment. */
	RUN_IF("numa_bind_no_spill", case_numa_bind_no_spill,
	       g_nodes < 2 ? nodes_why : NULL);
	if (!g_ran)
		tl_skip("every case skipped");
	return tl_finish();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Rebuilding the disk tier's index at open, after a clean close or a
 * crash alike.
 *
 * The scan reads the whole extent area in order and looks at every 4 KiB
 * block, not only where the previous header says the next extent starts:
 * after a crash a torn header breaks that chain, and an old header whose
 * wipe was lost can claim space that newer extents now use. Every block
 * that decodes as one of this store's headers becomes a candidate, and
 * its content's crc32c is computed as the scan passes over it (extents
 * that overlap each get their own running checksum). Then:
 *
 *   - content that does not match (or runs past the end) -> torn;
 *   - a header that fails its own checksum or cannot be right -> corrupt;
 *   - valid candidates are taken newest generation first; one whose key is
 *     already taken, or whose space overlaps an extent already taken, is
 *     older than what it conflicts with -> stale, and its space stays free.
 *
 * Dropped candidates are counted and their header blocks wiped, except a
 * block that lies inside an extent that was kept: that block is the kept
 * object's content, which just happens to look like a header. The cost is
 * one sequential read of the device, at its bandwidth (crc32c runs at
 * several times that); a later version can keep a dense index journal in
 * the reserved first MiB to avoid it.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "crc32c.h"
#include "disk_internal.h"

/* Large enough that each pread runs at the device's sequential bandwidth. */
#define RECOVER_CHUNK (8u * 1024u * 1024u)

enum cand_state {
	CAND_OPEN,	/* content not yet all seen */
	CAND_VALID,
	CAND_TORN,
	CAND_CORRUPT,
	CAND_STALE,
	CAND_KEPT,
};

struct cand {
	struct kvtd_disk_ext ext;
	uint32_t crc;
	enum cand_state state;
};

struct scan {
	struct cand *c;
	size_t n, cap;
	size_t *open;	/* indexes into c of the CAND_OPEN ones */
	size_t nopen, open_cap;
};

static int scan_push(struct scan *s, const struct kvtd_disk_ext *ext,
		     enum cand_state state)
{
	void *p;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		p = realloc(s->c, s->cap * sizeof(*s->c));
		if (!p)
			return -ENOMEM;
		s->c = p;
	}
	if (state == CAND_OPEN && s->nopen == s->open_cap) {
		s->open_cap = s->open_cap ? 2 * s->open_cap : 16;
		p = realloc(s->open, s->open_cap * sizeof(*s->open));
		if (!p)
			return -ENOMEM;
		s->open = p;
	}
	s->c[s->n] = (struct cand){ .ext = *ext, .state = state };
	if (state == CAND_OPEN)
		s->open[s->nopen++] = s->n;
	s->n++;
	return 0;
}

/* Reads up to @len bytes at @off; returns the bytes read (short at EOF). */
static ssize_t scan_read(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + done);
		if (n < 0)
			return -errno;
		if (!n)
			break;
		done += n;
	}
	return done & ~(size_t)(KVTD_DISK_BLOCK - 1);
}

/* Finds the headers among the @got bytes read at @pos. */
static int scan_headers(struct kvtd_disk *d, struct scan *s, const char *buf,
			uint64_t pos, size_t got)
{
	struct kvtd_disk_ext ext;
	size_t b;
	int ret;

	for (b = 0; b < got; b += KVTD_DISK_BLOCK) {
		ret = kvtd_disk_hdr_decode(buf + b, pos + b, d->sb.uuid, &ext);
		if (ret == -ENOENT)
			continue;
		if (ret) {
			ext = (struct kvtd_disk_ext){ .offset = pos + b };
			ret = scan_push(s, &ext, CAND_CORRUPT);
		} else if (ext.extent_len > d->sb.device_size - ext.offset) {
			ret = scan_push(s, &ext, CAND_TORN);
		} else {
			ret = scan_push(s, &ext, CAND_OPEN);
		}
		if (ret)
			return ret;
		if (ext.generation >= d->next_gen)
			d->next_gen = ext.generation + 1;
	}
	return 0;
}

/* Adds the bytes read at @pos to every open candidate's checksum. */
static void scan_content(struct scan *s, const char *buf, uint64_t pos,
			 size_t got)
{
	uint64_t cs, ce, lo, hi;
	struct cand *c;
	size_t i = 0;

	while (i < s->nopen) {
		c = &s->c[s->open[i]];
		cs = c->ext.offset + KVTD_DISK_BLOCK;
		ce = c->ext.offset + c->ext.extent_len;
		lo = cs > pos ? cs : pos;
		hi = ce < pos + got ? ce : pos + got;
		if (lo < hi)
			c->crc = kvtd_crc32c(c->crc, buf + (lo - pos), hi - lo);
		if (ce > pos + got) {
			i++;
			continue;
		}
		c->state = c->crc == c->ext.data_crc ? CAND_VALID : CAND_TORN;
		s->open[i] = s->open[--s->nopen];
	}
}

static int scan_device(struct kvtd_disk *d, struct scan *s)
{
	uint64_t pos, end = d->sb.device_size;
	size_t want, i;
	ssize_t got;
	void *buf;
	int ret = 0;

	buf = aligned_alloc(KVTD_DISK_BLOCK, RECOVER_CHUNK);
	if (!buf)
		return -ENOMEM;
	for (pos = d->sb.data_start; pos < end; pos += want) {
		want = end - pos < RECOVER_CHUNK ? end - pos : RECOVER_CHUNK;
		got = scan_read(d->fd, buf, want, pos);
		if (got < 0) {
			ret = (int)got;
			break;
		}
		ret = scan_headers(d, s, buf, pos, got);
		if (ret)
			break;
		scan_content(s, buf, pos, got);
		if ((size_t)got < want)
			break;
	}
	/* Content the device does not have: cut short by the end of file. */
	for (i = 0; i < s->nopen; i++)
		s->c[s->open[i]].state = CAND_TORN;
	s->nopen = 0;
	free(buf);
	return ret;
}

static int cand_newest_first(const void *a, const void *b)
{
	const struct cand *x = *(struct cand *const *)a;
	const struct cand *y = *(struct cand *const *)b;

	if (x->ext.generation != y->ext.generation)
		return x->ext.generation > y->ext.generation ? -1 : 1;
	return x->ext.offset < y->ext.offset ? -1 : 1;
}

/* Takes the valid candidates, newest first, into the index and the space. */
static int scan_resolve(struct kvtd_disk *d, struct scan *s)
{
	struct kvtd_disk_obj *obj;
	struct cand **v;
	size_t i, nv = 0;
	int ret = 0;

	v = calloc(s->n ? s->n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < s->n; i++)
		if (s->c[i].state == CAND_VALID)
			v[nv++] = &s->c[i];
	qsort(v, nv, sizeof(*v), cand_newest_first);
	for (i = 0; i < nv; i++) {
		if (kvtd_index_find(&d->index, &v[i]->ext.key)) {
			v[i]->state = CAND_STALE;
			continue;
		}
		ret = kvtd_extent_reserve(&d->space, v[i]->ext.offset,
					  v[i]->ext.extent_len);
		if (ret == -EBUSY) {
			v[i]->state = CAND_STALE;
			continue;
		}
		if (ret)
			break;
		obj = calloc(1, sizeof(*obj));
		if (!obj) {
			ret = -ENOMEM;
			break;
		}
		obj->ext = v[i]->ext;
		kvtd_index_insert(&d->index, obj);
		v[i]->state = CAND_KEPT;
		d->st.used += obj->ext.extent_len;
		d->st.recovered++;
	}
	free(v);
	return ret;
}

/* Counts what was dropped and wipes its headers. */
static int scan_drop(struct kvtd_disk *d, struct scan *s)
{
	bool wiped = false;
	struct cand *c;
	size_t i;
	ssize_t n;

	for (i = 0; i < s->n; i++) {
		c = &s->c[i];
		if (c->state == CAND_KEPT ||
		    !kvtd_extent_is_free(&d->space, c->ext.offset,
					 KVTD_DISK_BLOCK))
			continue;
		d->st.drops_torn += c->state == CAND_TORN;
		d->st.drops_corrupt += c->state == CAND_CORRUPT;
		d->st.drops_stale += c->state == CAND_STALE;
		n = pwrite(d->fd, d->zero_block, KVTD_DISK_BLOCK, c->ext.offset);
		if (n != KVTD_DISK_BLOCK)
			return n < 0 ? -errno : -EIO;
		wiped = true;
	}
	if (wiped && fdatasync(d->fd))
		return -errno;
	return 0;
}

int kvtd_disk_recover(struct kvtd_disk *d)
{
	struct scan s = { 0 };
	int ret;

	ret = scan_device(d, &s);
	if (!ret)
		ret = scan_resolve(d, &s);
	if (!ret)
		ret = scan_drop(d, &s);
	free(s.c);
	free(s.open);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The layout check of kvtier_tp.h against tracefs' format files. A format
 * file lists one field a line:
 *
 *	field:u64 tenant;	offset:8;	size:8;	signed:0;
 *
 * Every field a program reads must be there with the same offset, size
 * and signedness; fields the programs do not read may come and go.
 */
#include "tp_layout.h"
#include "kvtier_tp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(type, member, name, sgn)                                      \
	{ name, (unsigned int)offsetof(type, member),                        \
	  (unsigned int)sizeof(((type *)0)->member), sgn }
#define COMMON(type)                                                        \
	FIELD(type, common.common_type, "common_type", 0),                   \
	FIELD(type, common.common_flags, "common_flags", 0),                 \
	FIELD(type, common.common_preempt_count, "common_preempt_count", 0), \
	FIELD(type, common.common_pid, "common_pid", 1)

static const struct kvt_tp_field work_fields[] = {
	COMMON(struct kvt_tp_work),
	FIELD(struct kvt_tp_work, tenant, "tenant", 0),
	FIELD(struct kvt_tp_work, key_lo, "key_lo", 0),
	FIELD(struct kvt_tp_work, key_hi, "key_hi", 0),
	FIELD(struct kvt_tp_work, handle, "handle", 0),
	FIELD(struct kvt_tp_work, work_id, "work_id", 0),
	FIELD(struct kvt_tp_work, fetch, "fetch", 0),
	FIELD(struct kvt_tp_work, bytes, "bytes", 0),
	FIELD(struct kvt_tp_work, pool, "pool", 0),
	FIELD(struct kvt_tp_work, src, "src", 0),
	FIELD(struct kvt_tp_work, dst, "dst", 0),
	FIELD(struct kvt_tp_work, status, "status", 1),
};

static const struct kvt_tp_field lookup_fields[] = {
	COMMON(struct kvt_tp_lookup),
	FIELD(struct kvt_tp_lookup, tenant, "tenant", 0),
	FIELD(struct kvt_tp_lookup, count, "count", 0),
	FIELD(struct kvt_tp_lookup, hits, "hits", 0),
};

static const struct kvt_tp_field lookup_pool_fields[] = {
	COMMON(struct kvt_tp_lookup_pool),
	FIELD(struct kvt_tp_lookup_pool, tenant, "tenant", 0),
	FIELD(struct kvt_tp_lookup_pool, pool, "pool", 0),
	FIELD(struct kvt_tp_lookup_pool, hits, "hits", 0),
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *event;
	const struct kvt_tp_field *fields;
	unsigned int n;
} events[] = {
	{ "kvtier_fetch_queued", work_fields, ARRAY_LEN(work_fields) },
	{ "kvtier_work_dispatched", work_fields, ARRAY_LEN(work_fields) },
	{ "kvtier_work_completed", work_fields, ARRAY_LEN(work_fields) },
	{ "kvtier_fetch_done", work_fields, ARRAY_LEN(work_fields) },
	{ "kvtier_lookup", lookup_fields, ARRAY_LEN(lookup_fields) },
	{ "kvtier_lookup_pool", lookup_pool_fields,
	  ARRAY_LEN(lookup_pool_fields) },
};

const struct kvt_tp_field *kvt_tp_fields(const char *event, unsigned int *n)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(events); i++) {
		if (!strcmp(events[i].event, event)) {
			*n = events[i].n;
			return events[i].fields;
		}
	}
	*n = 0;
	return NULL;
}

/*
 * Parse one "field:" line: the declaration's last identifier is the name
 * ("field:char comm[16];" names comm). Returns 0 or -EINVAL.
 */
static int parse_field(const char *line, char *name, size_t namelen,
		       unsigned int *off, unsigned int *size, int *sgn)
{
	const char *decl = strstr(line, "field:"), *semi, *end, *start, *p;
	size_t len;

	if (!decl)
		return -EINVAL;
	decl += strlen("field:");
	semi = strchr(decl, ';');
	if (!semi)
		return -EINVAL;
	end = semi;
	/* "comm[16]": the name ends at the bracket */
	for (p = decl; p < semi; p++)
		if (*p == '[') {
			end = p;
			break;
		}
	while (end > decl && end[-1] == ' ')
		end--;
	start = end;
	while (start > decl && start[-1] != ' ' && start[-1] != '\t' &&
	       start[-1] != '*')
		start--;
	len = (size_t)(end - start);
	if (!len || len >= namelen)
		return -EINVAL;
	memcpy(name, start, len);
	name[len] = 0;
	p = strstr(semi, "offset:");
	if (!p || sscanf(p, "offset:%u;", off) != 1)
		return -EINVAL;
	p = strstr(semi, "size:");
	if (!p || sscanf(p, "size:%u;", size) != 1)
		return -EINVAL;
	p = strstr(semi, "signed:");
	if (!p || sscanf(p, "signed:%d;", sgn) != 1)
		return -EINVAL;
	return 0;
}

/* The line of @text that declares field @name, parsed; -ENOENT if none. */
static int find_field(const char *text, const char *name, unsigned int *off,
		      unsigned int *size, int *sgn)
{
	const char *line = text, *nl;
	char got[64], buf[256];
	size_t len;

	while (line && *line) {
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = 0;
			if (!parse_field(buf, got, sizeof(got), off, size, sgn) &&
			    !strcmp(got, name))
				return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int kvt_tp_check_text(const char *event, const char *text, const char *path,
		      char *msg, size_t msglen)
{
	const struct kvt_tp_field *f;
	unsigned int n, i, off, size;
	int sgn;

	f = kvt_tp_fields(event, &n);
	if (!f) {
		snprintf(msg, msglen, "%s: not an event this kvtier-trace reads",
			 event);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (find_field(text, f[i].name, &off, &size, &sgn)) {
			snprintf(msg, msglen,
				 "%s: field '%s' is missing from %s; this kvtier-trace reads it at offset %u, size %u (kvtier.ko and kvtier-trace are from different versions)",
				 event, f[i].name, path, f[i].offset,
				 f[i].size);
			return -EPROTO;
		}
		if (off != f[i].offset || size != f[i].size ||
		    sgn != f[i].is_signed) {
			snprintf(msg, msglen,
				 "%s: field '%s' is at offset %u, size %u, signed %d in %s; this kvtier-trace reads it at offset %u, size %u, signed %d (kvtier.ko and kvtier-trace are from different versions)",
				 event, f[i].name, off, size, sgn, path,
				 f[i].offset, f[i].size, f[i].is_signed);
			return -EPROTO;
		}
	}
	return 0;
}

/* A format file is a few hundred bytes; this is room to spare. */
#define FORMAT_MAX 16384

int kvt_tp_check(const char *tracefs, const char *event, char *msg,
		 size_t msglen)
{
	char path[512], *text;
	size_t len;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/events/kvtier/%s/format", tracefs,
		 event);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(msg, msglen, "%s: cannot read %s: %s", event, path,
			 strerror(-ret));
		return ret;
	}
	text = malloc(FORMAT_MAX);
	if (!text) {
		fclose(f);
		snprintf(msg, msglen, "%s: out of memory", event);
		return -ENOMEM;
	}
	len = fread(text, 1, FORMAT_MAX - 1, f);
	text[len] = 0;
	fclose(f);
	ret = kvt_tp_check_text(event, text, path, msg, msglen);
	free(text);
	return ret;
}

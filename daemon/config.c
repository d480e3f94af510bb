// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration: defaults, keys and values, and the file. See kvtd_config.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kvtd_config.h"
#include "kvtd_copier.h"
#include "disk.h"
#include "kvtd_log.h"
#include "kvtd_policy.h"
#include "kvtier_drm.h"

/* A configuration file larger than this is not one. */
#define KVTD_CONFIG_MAX_BYTES (1u << 20)

static int cfg_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int cfg_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

void kvtd_config_defaults(struct kvtd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->queue_depth = KVTD_DISK_DEFAULT_QD;
	c->pool_wm.high = KVTD_POOL_WM_HIGH_DEFAULT;
	c->pool_wm.low = KVTD_POOL_WM_LOW_DEFAULT;
	c->tenant_wm.high = KVTD_TENANT_WM_HIGH_DEFAULT;
	c->tenant_wm.low = KVTD_TENANT_WM_LOW_DEFAULT;
	c->write.mode = KVTD_WRITE_SELECTIVE;
	c->write.hits = KVTD_WRITE_SELECTIVE_HITS_DEFAULT;
	strcpy(c->eviction_policy, KVTD_POLICY_DEFAULT);
	c->tick_ms = KVTD_TICK_MS_DEFAULT;
	c->copy_threads = KVTD_COPY_THREADS_DEFAULT;
	c->log_level = KVTD_LOG_INFO;
}

static int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int kvtd_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift) {
		end++;
		/* Accept "2M", "2MB" and "2MiB", all binary. */
		if (!strcasecmp(end, "iB") || !strcasecmp(end, "B"))
			end += strlen(end);
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int kvtd_parse_permille(const char *s, uint32_t *out)
{
	uint64_t whole = 0, tenth = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p) && whole <= 100)
		whole = whole * 10 + (uint64_t)(*p++ - '0');
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		tenth = (uint64_t)(*p++ - '0');
	}
	if (*p == '%')
		p++;
	if (*p || whole * 10 + tenth > KVTD_WM_SCALE)
		return -EINVAL;
	*out = (uint32_t)(whole * 10 + tenth);
	return 0;
}

const char *kvtd_write_mode_name(enum kvtd_write_mode mode)
{
	switch (mode) {
	case KVTD_WRITE_THROUGH:
		return "through";
	case KVTD_WRITE_BACK:
		return "back";
	case KVTD_WRITE_SELECTIVE:
		return "selective";
	}
	return "unknown";
}

int kvtd_parse_write_policy(const char *s, struct kvtd_write_policy *out)
{
	uint64_t hits;

	if (!strcmp(s, "through") || !strcmp(s, "write-through")) {
		*out = (struct kvtd_write_policy){ KVTD_WRITE_THROUGH, 0 };
		return 0;
	}
	if (!strcmp(s, "back") || !strcmp(s, "write-back")) {
		*out = (struct kvtd_write_policy){ KVTD_WRITE_BACK, 0 };
		return 0;
	}
	if (strncmp(s, "selective", 9))
		return -EINVAL;
	s += 9;
	hits = KVTD_WRITE_SELECTIVE_HITS_DEFAULT;
	if (*s == ':') {
		if (parse_u64(s + 1, &hits) || hits > UINT32_MAX)
			return -EINVAL;
	} else if (*s) {
		return -EINVAL;
	}
	*out = (struct kvtd_write_policy){ KVTD_WRITE_SELECTIVE, (uint32_t)hits };
	return 0;
}

static int parse_kind(const char *s, uint32_t *out)
{
	static const char *const names[KVTIER_KIND_COUNT] = {
		[KVTIER_KIND_RAW] = "raw",
		[KVTIER_KIND_KV] = "kv",
		[KVTIER_KIND_ADAPTER] = "adapter",
		[KVTIER_KIND_EXPERT] = "expert",
	};
	uint32_t i;

	for (i = 0; i < KVTIER_KIND_COUNT; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* One `name=value` (or bare flag) word of a pool spec. */
static int pool_word(struct kvtd_pool_def *p, char *w, char *err,
		     size_t errlen)
{
	char *v = strchr(w, '=');
	int64_t node;

	if (v)
		*v++ = '\0';
	if (!strcmp(w, "hugepage") && !v) {
		p->flags |= KVTIER_POOL_HUGEPAGE;
		return 0;
	}
	if (!v)
		return cfg_fail(err, errlen, -EINVAL,
				"pool: '%s' needs a value", w);
	if (!strcmp(w, "kind")) {
		if (parse_kind(v, &p->kind))
			return cfg_fail(err, errlen, -EINVAL,
					"pool: unknown kind '%s' (raw, kv, adapter, expert)",
					v);
		return 0;
	}
	if (!strcmp(w, "slot-size")) {
		/* The driver wants a page multiple; 4 KiB is O_DIRECT's too. */
		if (kvtd_parse_size(v, &p->slot_size) || !p->slot_size ||
		    p->slot_size % 4096)
			return cfg_fail(err, errlen, -EINVAL,
					"pool: bad slot-size '%s' (a multiple of 4K)",
					v);
		return 0;
	}
	if (!strcmp(w, "slots")) {
		if (parse_u64(v, &p->slots) || !p->slots)
			return cfg_fail(err, errlen, -EINVAL,
					"pool: bad slots '%s'", v);
		return 0;
	}
	if (!strcmp(w, "write-policy")) {
		if (kvtd_parse_write_policy(v, &p->write))
			return cfg_fail(err, errlen, -EINVAL,
					"pool: bad write-policy '%s'", v);
		p->has_write = true;
		return 0;
	}
	if (!strcmp(w, "numa")) {
		node = strtoll(v, &w, 10);
		if (*w || !*v || node < 0 || node > INT32_MAX)
			return cfg_fail(err, errlen, -EINVAL,
					"pool: bad numa node '%s'", v);
		p->flags |= KVTIER_POOL_NUMA;
		p->numa_node = (int32_t)node;
		return 0;
	}
	return cfg_fail(err, errlen, -EINVAL, "pool: unknown attribute '%s'",
			w);
}

int kvtd_parse_pool(const char *spec, struct kvtd_pool_def *out, char *err,
		    size_t errlen)
{
	struct kvtd_pool_def p = { .kind = KVTIER_KIND_KV, .numa_node = -1 };
	char buf[KVTD_CONFIG_STR], *save, *w;
	int ret;

	if (strlen(spec) >= sizeof(buf))
		return cfg_fail(err, errlen, -ENAMETOOLONG, "pool: too long");
	strcpy(buf, spec);
	for (w = strtok_r(buf, " \t,", &save); w;
	     w = strtok_r(NULL, " \t,", &save)) {
		ret = pool_word(&p, w, err, errlen);
		if (ret)
			return ret;
	}
	if (!p.slot_size || !p.slots)
		return cfg_fail(err, errlen, -EINVAL,
				"pool: needs slot-size and slots");
	*out = p;
	return 0;
}

static int set_str(char *dst, const char *v, char *err, size_t errlen,
		   const char *key)
{
	if (strlen(v) >= KVTD_CONFIG_STR)
		return cfg_fail(err, errlen, -ENAMETOOLONG, "%s: too long",
				key);
	strcpy(dst, v);
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int parse_level(const char *v, int *out)
{
	static const char *const names[] = {
		[KVTD_LOG_ERR] = "err", [KVTD_LOG_WARNING] = "warning",
		[KVTD_LOG_NOTICE] = "notice", [KVTD_LOG_INFO] = "info",
		[KVTD_LOG_DEBUG] = "debug",
	};
	int i;

	for (i = KVTD_LOG_ERR; i <= KVTD_LOG_DEBUG; i++) {
		if (!strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int set_wm(uint32_t *dst, const char *key, const char *v, char *err,
		  size_t errlen)
{
	if (kvtd_parse_permille(v, dst))
		return cfg_fail(err, errlen, -EINVAL,
				"%s: '%s' is not a percentage (0-100)", key,
				v);
	return 0;
}

int kvtd_config_set(struct kvtd_config *c, const char *key, const char *v,
		    char *err, size_t errlen)
{
	uint64_t n;
	int ret;

	if (!strcmp(key, "device"))
		return set_str(c->device, v, err, errlen, key);
	if (!strcmp(key, "disk-path"))
		return set_str(c->disk_path, v, err, errlen, key);
	if (!strcmp(key, "disk-size")) {
		if (kvtd_parse_size(v, &c->disk_size))
			return cfg_fail(err, errlen, -EINVAL,
					"disk-size: bad size '%s'", v);
		return 0;
	}
	if (!strcmp(key, "disk-format")) {
		if (parse_bool(v, &c->disk_format))
			return cfg_fail(err, errlen, -EINVAL,
					"disk-format: '%s' is not yes or no", v);
		return 0;
	}
	if (!strcmp(key, "queue-depth")) {
		if (parse_u64(v, &n) || !n || n > KVTD_DISK_MAX_QD)
			return cfg_fail(err, errlen, -EINVAL,
					"queue-depth: '%s' is not 1..%u", v,
					KVTD_DISK_MAX_QD);
		c->queue_depth = (uint32_t)n;
		return 0;
	}
	if (!strcmp(key, "watermark-high"))
		return set_wm(&c->pool_wm.high, key, v, err, errlen);
	if (!strcmp(key, "watermark-low"))
		return set_wm(&c->pool_wm.low, key, v, err, errlen);
	if (!strcmp(key, "tenant-watermark-high"))
		return set_wm(&c->tenant_wm.high, key, v, err, errlen);
	if (!strcmp(key, "tenant-watermark-low"))
		return set_wm(&c->tenant_wm.low, key, v, err, errlen);
	if (!strcmp(key, "write-policy")) {
		if (kvtd_parse_write_policy(v, &c->write))
			return cfg_fail(err, errlen, -EINVAL,
					"write-policy: '%s' is not through, back or selective[:HITS]",
					v);
		return 0;
	}
	if (!strcmp(key, "eviction-policy")) {
		if (strlen(v) >= sizeof(c->eviction_policy) || !*v)
			return cfg_fail(err, errlen, -EINVAL,
					"eviction-policy: bad name '%s'", v);
		strcpy(c->eviction_policy, v);
		return 0;
	}
	if (!strcmp(key, "tick-ms")) {
		if (parse_u64(v, &n) || n < KVTD_TICK_MS_MIN ||
		    n > KVTD_TICK_MS_MAX)
			return cfg_fail(err, errlen, -EINVAL,
					"tick-ms: '%s' is not %u..%u", v,
					KVTD_TICK_MS_MIN, KVTD_TICK_MS_MAX);
		c->tick_ms = (uint32_t)n;
		return 0;
	}
	if (!strcmp(key, "stream-entries")) {
		if (parse_u64(v, &n) ||
		    (n && (n < KVTIER_STREAM_MIN_ENTRIES ||
			   n > KVTIER_STREAM_MAX_ENTRIES || (n & (n - 1)))))
			return cfg_fail(err, errlen, -EINVAL,
					"stream-entries: '%s' is not 0 or a power of two %u..%u",
					v, KVTIER_STREAM_MIN_ENTRIES,
					KVTIER_STREAM_MAX_ENTRIES);
		c->stream_entries = (uint32_t)n;
		return 0;
	}
	if (!strcmp(key, "copy-threads")) {
		if (parse_u64(v, &n) || !n || n > KVTD_CPU_COPY_THREADS_MAX)
			return cfg_fail(err, errlen, -EINVAL,
					"copy-threads: '%s' is not 1..%u", v,
					KVTD_CPU_COPY_THREADS_MAX);
		c->copy_threads = (uint32_t)n;
		return 0;
	}
	if (!strcmp(key, "log-level")) {
		if (parse_level(v, &c->log_level))
			return cfg_fail(err, errlen, -EINVAL,
					"log-level: '%s' is not err, warning, notice, info or debug",
					v);
		return 0;
	}
	if (!strcmp(key, "pool")) {
		if (c->nr_pools == KVTD_CONFIG_MAX_POOLS)
			return cfg_fail(err, errlen, -ENOSPC,
					"pool: more than %u pools",
					KVTD_CONFIG_MAX_POOLS);
		ret = kvtd_parse_pool(v, &c->pools[c->nr_pools], err, errlen);
		if (ret)
			return ret;
		c->nr_pools++;
		return 0;
	}
	return cfg_fail(err, errlen, -ENOENT, "unknown key '%s'", key);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int kvtd_config_parse(struct kvtd_config *c, const char *text,
		      const char *name, char *err, size_t errlen)
{
	char line[2 * KVTD_CONFIG_STR], msg[2 * KVTD_CONFIG_STR];
	const char *p = text, *nl;
	unsigned int lineno = 0;
	char *hash, *eq, *key;
	size_t len;
	int ret;

	while (*p) {
		lineno++;
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= sizeof(line))
			return cfg_fail(err, errlen, -EINVAL,
					"%s:%u: line too long", name, lineno);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq)
			return cfg_fail(err, errlen, -EINVAL,
					"%s:%u: expected 'key = value'", name,
					lineno);
		*eq = '\0';
		ret = kvtd_config_set(c, trim(key), trim(eq + 1), msg,
				      sizeof(msg));
		if (ret)
			return cfg_fail(err, errlen, ret, "%s:%u: %s", name,
					lineno, msg);
	}
	return 0;
}

int kvtd_config_load(struct kvtd_config *c, const char *path, char *err,
		     size_t errlen)
{
	char *text;
	size_t n;
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f)
		return cfg_fail(err, errlen, -errno, "%s: %s", path,
				strerror(errno));
	text = malloc(KVTD_CONFIG_MAX_BYTES + 1);
	if (!text) {
		fclose(f);
		return cfg_fail(err, errlen, -ENOMEM, "%s: out of memory",
				path);
	}
	n = fread(text, 1, KVTD_CONFIG_MAX_BYTES + 1, f);
	ret = ferror(f) ? -EIO : 0;
	fclose(f);
	if (!ret && n > KVTD_CONFIG_MAX_BYTES)
		ret = cfg_fail(err, errlen, -EFBIG, "%s: larger than %u bytes",
			       path, KVTD_CONFIG_MAX_BYTES);
	else if (ret)
		cfg_fail(err, errlen, ret, "%s: read error", path);
	if (!ret) {
		text[n] = '\0';
		if (memchr(text, '\0', n))
			ret = cfg_fail(err, errlen, -EINVAL,
				       "%s: not a text file", path);
		else
			ret = kvtd_config_parse(c, text, path, err, errlen);
	}
	free(text);
	return ret;
}

int kvtd_config_check(const struct kvtd_config *c, char *err, size_t errlen)
{
	if (kvtd_watermark_validate(&c->pool_wm))
		return cfg_fail(err, errlen, -EINVAL,
				"watermark-low (%u.%u%%) is above watermark-high (%u.%u%%)",
				c->pool_wm.low / 10, c->pool_wm.low % 10,
				c->pool_wm.high / 10, c->pool_wm.high % 10);
	if (kvtd_watermark_validate(&c->tenant_wm))
		return cfg_fail(err, errlen, -EINVAL,
				"tenant-watermark-low (%u.%u%%) is above tenant-watermark-high (%u.%u%%)",
				c->tenant_wm.low / 10, c->tenant_wm.low % 10,
				c->tenant_wm.high / 10, c->tenant_wm.high % 10);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Counting a live replay (see live_stats.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "live_stats.h"

static const char *const kvtr_live_counter_names[KVTR_C_COUNT] = {
	[KVTR_C_DEVICE] = "device",
	[KVTR_C_HOST] = "host",
	[KVTR_C_DISK] = "disk",
	[KVTR_C_MISS] = "miss",
	[KVTR_C_REQUESTS] = "requests",
	[KVTR_C_REFS] = "refs",
	[KVTR_C_FETCHES] = "fetches",
	[KVTR_C_BYTES_DISK_DEVICE] = "disk_to_device",
	[KVTR_C_BYTES_HOST_DEVICE] = "host_to_device",
	[KVTR_C_BYTES_DISK_HOST] = "disk_to_host",
	[KVTR_C_BYTES_STORED] = "stored_host",
	[KVTR_C_STORED] = "stored",
	[KVTR_C_NOT_STORED] = "not_stored",
	[KVTR_C_PRESENT] = "already_present",
	[KVTR_C_TIMED_OUT] = "timed_out",
	[KVTR_C_FETCH_FAILED] = "fetch_failed",
	[KVTR_C_UNVERIFIED] = "unverified",
	[KVTR_C_VERIFIED] = "verified",
	[KVTR_C_CORRUPT] = "failed",
};

const char *kvtr_live_counter_name(unsigned int counter)
{
	return counter < KVTR_C_COUNT ? kvtr_live_counter_names[counter] :
					"unknown";
}

enum kvtr_live_where kvtr_live_classify(const struct drm_kvtier_lookup_result *r)
{
	if (!r->handle)
		return KVTR_LIVE_MISS;
	if (r->tiers & KVTIER_TIER_BIT(KVTIER_TIER_DEVICE))
		return KVTR_LIVE_DEVICE;
	if (r->tiers & KVTIER_TIER_BIT(KVTIER_TIER_HOST))
		return KVTR_LIVE_HOST;
	if (r->tiers & KVTIER_TIER_BIT(KVTIER_TIER_DISK))
		return KVTR_LIVE_DISK;
	return KVTR_LIVE_MISS;
}

static int kvtr_live_stats_reserve(struct kvtr_live_stats *s, size_t more)
{
	size_t cap = s->cap ? s->cap : 64;
	uint64_t *p;

	if (s->nlat + more <= s->cap)
		return 0;
	while (cap < s->nlat + more)
		cap *= 2;
	p = realloc(s->lat_ns, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->lat_ns = p;
	s->cap = cap;
	return 0;
}

int kvtr_live_stats_add_latency(struct kvtr_live_stats *s, uint64_t ns)
{
	int ret = kvtr_live_stats_reserve(s, 1);

	if (ret)
		return ret;
	s->lat_ns[s->nlat++] = ns;
	return 0;
}

int kvtr_live_stats_merge(struct kvtr_live_stats *dst,
			  const struct kvtr_live_stats *src)
{
	unsigned int i;
	int ret;

	ret = kvtr_live_stats_reserve(dst, src->nlat);
	if (ret)
		return ret;
	for (i = 0; i < KVTR_C_COUNT; i++)
		dst->c[i] += src->c[i];
	if (src->nlat)
		memcpy(dst->lat_ns + dst->nlat, src->lat_ns,
		       src->nlat * sizeof(*src->lat_ns));
	dst->nlat += src->nlat;
	return 0;
}

void kvtr_live_stats_free(struct kvtr_live_stats *s)
{
	free(s->lat_ns);
	memset(s, 0, sizeof(*s));
}

static int kvtr_live_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void kvtr_live_stats_sort(struct kvtr_live_stats *s)
{
	if (s->nlat > 1)
		qsort(s->lat_ns, s->nlat, sizeof(*s->lat_ns),
		      kvtr_live_u64_cmp);
}

int kvtr_live_percentile(const uint64_t *sorted, size_t n, unsigned int pct,
			 uint64_t *out)
{
	size_t rank;

	if (pct < 1 || pct > 100)
		return -EINVAL;
	if (!n)
		return -ENOENT;
	/* Integer ceiling: 0.95 * 20 in doubles is 19.000000000000004. */
	rank = (pct * n + 99) / 100;
	*out = sorted[rank - 1];
	return 0;
}

double kvtr_live_rate(const struct kvtr_live_stats *s, unsigned int where)
{
	if (where >= KVTR_LIVE_WHERE_COUNT || !s->c[KVTR_C_REFS])
		return 0.0;
	return (double)s->c[where] / (double)s->c[KVTR_C_REFS];
}

double kvtr_live_prefix_rate(const struct kvtr_live_stats *s)
{
	uint64_t hits = s->c[KVTR_C_DEVICE] + s->c[KVTR_C_HOST] +
			s->c[KVTR_C_DISK];

	return s->c[KVTR_C_REFS] ? (double)hits / (double)s->c[KVTR_C_REFS] :
				   0.0;
}

int kvtr_live_stats_check(const struct kvtr_live_stats *s)
{
	uint64_t hits = s->c[KVTR_C_DEVICE] + s->c[KVTR_C_HOST] +
			s->c[KVTR_C_DISK];
	uint64_t outcomes = s->c[KVTR_C_VERIFIED] + s->c[KVTR_C_CORRUPT] +
			    s->c[KVTR_C_UNVERIFIED] +
			    s->c[KVTR_C_FETCH_FAILED] + s->c[KVTR_C_TIMED_OUT];

	if (hits + s->c[KVTR_C_MISS] != s->c[KVTR_C_REFS])
		return -EINVAL;
	if (outcomes != hits)
		return -EINVAL;
	if (s->c[KVTR_C_STORED] + s->c[KVTR_C_NOT_STORED] +
	    s->c[KVTR_C_PRESENT] != s->c[KVTR_C_MISS])
		return -EINVAL;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Cache sizes from the command line. See kvtr_capacity.h.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kvtr_capacity.h"

/* Longest item worth reading ("18446744073709551615" is 20 digits). */
#define CAPACITY_ITEM_MAX 32

static int capacity_blocks_item(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int d;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Digits, an optional fraction, then '%'; nothing strtod alone would let in. */
static int capacity_share_item(const char *s, double *out)
{
	size_t len = strlen(s), i;
	bool dot = false;
	double v;

	if (len < 2 || s[len - 1] != '%' || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	for (i = 0; i < len - 1; i++) {
		if (s[i] == '.' && !dot)
			dot = true;
		else if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	}
	v = strtod(s, NULL);
	if (!(v > 0.0) || v > 100.0)
		return -EINVAL;
	*out = v;
	return 0;
}

int kvtr_capacity_parse(const char *list, bool blocks,
			struct kvtr_capacity *out, size_t max, size_t *n)
{
	char item[CAPACITY_ITEM_MAX];
	const char *p = list, *comma;
	size_t len, count = 0;
	int ret;

	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (!len || len >= sizeof(item))
			return -EINVAL;
		if (count == max)
			return -E2BIG;
		memcpy(item, p, len);
		item[len] = '\0';
		out[count] = (struct kvtr_capacity){ .is_share = !blocks };
		ret = blocks ? capacity_blocks_item(item, &out[count].blocks) :
			       capacity_share_item(item, &out[count].percent);
		if (ret)
			return ret;
		count++;
		if (!comma)
			break;
		p = comma + 1;
	}
	*n = count;
	return 0;
}

uint64_t kvtr_capacity_blocks(const struct kvtr_capacity *c, size_t distinct)
{
	if (!c->is_share)
		return c->blocks;
	/*
	 * Exact for whole percents (distinct * pct is an exact integer); the
	 * nudge keeps a share such as 10.1% of 1000 from landing just below
	 * the whole number it means, and is far below any true fraction.
	 */
	return (uint64_t)floor((double)distinct * c->percent / 100.0 + 1e-6);
}

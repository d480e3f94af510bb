// SPDX-License-Identifier: GPL-2.0
/*
 * Watermark decisions. See kvtd_watermark.h.
 */
#include <errno.h>

#include "kvtd_watermark.h"

int kvtd_watermark_validate(const struct kvtd_watermark *wm)
{
	if (wm->high > KVTD_WM_SCALE || wm->low > wm->high)
		return -EINVAL;
	return 0;
}

uint64_t kvtd_watermark_level(uint64_t capacity, uint32_t permille)
{
	if (capacity == KVTD_WM_UNLIMITED)
		return KVTD_WM_UNLIMITED;
	/* 128 bits: a capacity in bytes times 1000 can overflow 64. */
	return (uint64_t)((unsigned __int128)capacity * permille /
			  KVTD_WM_SCALE);
}

uint64_t kvtd_watermark_excess(const struct kvtd_usage *u,
			       const struct kvtd_watermark *wm)
{
	uint64_t low;

	if (u->capacity == KVTD_WM_UNLIMITED)
		return 0;
	if (u->used < kvtd_watermark_level(u->capacity, wm->high))
		return 0;
	low = kvtd_watermark_level(u->capacity, wm->low);
	return u->used > low ? u->used - low : 0;
}

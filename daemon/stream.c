// SPDX-License-Identifier: GPL-2.0
/*
 * Draining the access stream into the planner. See kvtd_stream.h.
 */
#include <errno.h>
#include <string.h>

#include "kvtd_stream.h"

int kvtd_stream_pump(struct kvtd_stream *s, struct kvtd_planner *pl)
{
	struct drm_kvtier_access buf[KVTD_STREAM_BATCH];
	uint64_t dropped;
	unsigned int b;
	int n, ret, fed = 0;

	if (!s->src.drain)
		return -ENODEV;
	for (b = 0; b < KVTD_STREAM_MAX_BATCHES; b++) {
		dropped = 0;
		n = s->src.drain(s->src.ctx, buf, KVTD_STREAM_BATCH, &dropped);
		if (n < 0)
			return n;
		if (dropped) {
			s->dropped += dropped;
			s->lost = true;
		}
		if (s->tap && n)
			s->tap(s->tap_arg, buf, (size_t)n);
		ret = kvtd_planner_feed(pl, buf, (size_t)n);
		if (ret)
			return ret;
		s->consumed += (uint64_t)n;
		fed += n;
		if ((uint32_t)n < KVTD_STREAM_BATCH)
			break;
	}
	return fed;
}

void kvtd_stream_close(struct kvtd_stream *s)
{
	if (s->src.close)
		s->src.close(s->src.ctx);
	memset(s, 0, sizeof(*s));
}

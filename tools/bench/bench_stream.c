// SPDX-License-Identifier: GPL-2.0
/*
 * What the access stream costs lookups: one core of 10^6 committed
 * objects, timed on batched lookups of random present keys with no stream
 * open and with one open and a consumer thread draining it (so records
 * are written, not dropped), in alternating slices so that a shared
 * machine's slow spells fall on both alike. Each "on" slice opens a fresh
 * stream through a fresh manager client and closes it after, as kvtierd's
 * attach and exit would; the "off" slices then run with the stream gone,
 * paying the one branch a closed stream leaves on the hot path.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "bench_core.h"
#include "bench_table.h"
#include "bench_util.h"
#include "kvt_core.h"

/* In the index's cache-missing range, as a real host's table is. */
#define STREAM_OBJECTS 1000000u
/* The driver's default: about a second of slack at 16 k records/ring. */
#define STREAM_ENTRIES KVTIER_STREAM_DEFAULT_ENTRIES
#define STREAM_SECONDS 1.0
#define STREAM_SLICES 10
#define STREAM_WARMUP_S 0.01
#define STREAM_TARGET 0.95

/* The consumer thread: drains whatever stream @mem points to. */
struct stream_consumer {
	pthread_t th;
	int stop;
	char *mem;		/* the open stream's memory, or NULL */
	struct drm_kvtier_stream_open req;	/* its layout */
	uint64_t drained;	/* records read, all streams */
	uint64_t sum;		/* of what was read, kept live */
};

static void *stream_consume(void *arg)
{
	struct stream_consumer *c = arg;
	struct drm_kvtier_stream_ring *r;
	struct drm_kvtier_access rec;
	uint64_t head[256], tail;
	char *cur = NULL, *m;
	uint32_t i, rings = 0, mask = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		m = __atomic_load_n(&c->mem, __ATOMIC_ACQUIRE);
		if (!m) {
			sched_yield();
			continue;
		}
		if (m != cur) {
			cur = m;
			rings = c->req.rings < 256 ? c->req.rings : 256;
			mask = c->req.entries - 1;
			memset(head, 0, sizeof(head));
		}
		for (i = 0; i < rings; i++) {
			r = (struct drm_kvtier_stream_ring *)
			    (m + i * c->req.ring_bytes);
			tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
			for (; head[i] < tail; head[i]++) {
				/* A copy out, as kvtier_stream_read() does. */
				memcpy(&rec, (char *)r + c->req.records_offset +
				       (head[i] & mask) * sizeof(rec),
				       sizeof(rec));
				c->sum += rec.time_ns + rec.handle;
				c->drained++;
			}
			__atomic_store_n(&r->head, head[i], __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

/* Lookups per second over @secs of @t; -EIO if a present key missed. */
static double stream_rate(struct bench_table *t, double secs)
{
	double ns = bench_table_time(t, secs, false);

	return ns < 0 ? -EIO : 1e9 / ns;
}

/*
 * Opens a stream on @t's core through a new manager client *@m, in memory
 * kept in @mems[*@nmem] for the end (the host core gives nothing back).
 */
static int stream_on(struct bench_table *t, struct stream_consumer *c,
		     struct kvt_client **m, char **mem)
{
	struct drm_kvtier_stream_open req = { .entries = STREAM_ENTRIES };
	uint64_t q;
	size_t bytes;
	int ret;

	ret = kvt_client_open(t->core, 1, KVT_CLIENT_ADMIN, NULL, m);
	if (ret)
		return ret;
	ret = kvt_manager_attach(*m, &q);
	if (!ret)
		ret = kvt_stream_validate(*m, &req, 4096);
	if (ret)
		return ret;
	bytes = req.rings * req.ring_bytes;
	*mem = aligned_alloc(4096, bytes);
	if (!*mem)
		return -ENOMEM;
	memset(*mem, 0, bytes);
	ret = kvt_stream_open(*m, &req, *mem, *mem);
	if (ret)
		return ret;
	c->req = req;
	__atomic_store_n(&c->mem, *mem, __ATOMIC_RELEASE);
	return 0;
}

int bench_core_stream(FILE *out, bool json)
{
	double on[STREAM_SLICES], off[STREAM_SLICES], r_on, r_off;
	char *mems[STREAM_SLICES] = { 0 };
	struct stream_consumer c = { 0 };
	uint64_t records = 0, dropped = 0;
	struct drm_kvtier_stats st;
	struct bench_table t;
	struct kvt_client *m;
	int s, ret, i;

	memset(&t, 0, sizeof(t));
	ret = bench_table_build(&t, &bench_core_direct_api, STREAM_OBJECTS);
	if (ret)
		goto out_free;
	ret = -pthread_create(&c.th, NULL, stream_consume, &c);
	if (ret)
		goto out_free;
	for (s = 0; s < STREAM_SLICES && !ret; s++) {
		if (stream_rate(&t, STREAM_WARMUP_S) < 0 ||
		    (off[s] = stream_rate(&t, STREAM_SECONDS /
					  STREAM_SLICES)) < 0) {
			ret = -EIO;
			break;
		}
		m = NULL;
		ret = stream_on(&t, &c, &m, &mems[s]);
		if (!ret && (stream_rate(&t, STREAM_WARMUP_S) < 0 ||
			     (on[s] = stream_rate(&t, STREAM_SECONDS /
						  STREAM_SLICES)) < 0))
			ret = -EIO;
		if (!ret) {
			kvt_stats(t.core, &st);
			records += st.access_records;
			dropped += st.access_dropped;
		}
		__atomic_store_n(&c.mem, NULL, __ATOMIC_RELEASE);
		if (m)
			kvt_client_close(m);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(c.th, NULL);
out_free:
	bench_table_free(&t);
	for (i = 0; i < STREAM_SLICES; i++)
		free(mems[i]);
	if (ret)
		return ret;

	r_on = bench_median(on, STREAM_SLICES);
	r_off = bench_median(off, STREAM_SLICES);
	if (json) {
		fprintf(out, "{\"name\":\"lookup_access_stream\",\"value\":%.0f,"
			"\"unit\":\"lookups/s\",\"baseline\":%.0f,"
			"\"ratio\":%.3f,\"target\":%.2f}\n", r_on, r_off,
			r_on / r_off, STREAM_TARGET);
		fprintf(out, "{\"name\":\"lookup_access_stream_dropped\","
			"\"value\":%llu,\"unit\":\"records\",\"baseline\":%llu}\n",
			(unsigned long long)dropped,
			(unsigned long long)(records + dropped));
	} else {
		fprintf(out, "core lookup, access stream on: %12.0f lookups/s "
			"(%.1f ns/key), off: %.0f; %.3fx (target >= %.2fx); "
			"%llu records, %llu dropped\n", r_on, 1e9 / r_on, r_off,
			r_on / r_off, STREAM_TARGET,
			(unsigned long long)records,
			(unsigned long long)dropped);
	}
	fflush(out);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU batch copier. See kvtd_copier.h.
 *
 * A batch is seen as the concatenation of its copies; thread i of k copies
 * bytes [i * total / k, (i + 1) * total / k) of it, walking the copies
 * that range touches. Equal ranges need no work queue and no locking
 * beyond the start and finish of the batch.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvtd_copier.h"

struct kvtd_copier {
	pthread_mutex_t lock;
	pthread_cond_t start;
	pthread_cond_t done;
	pthread_t *th;
	unsigned int nth;	/* worker threads, the caller not counted */
	unsigned int running;	/* workers still copying this batch */
	uint64_t gen;		/* batch number, to wake each worker once */
	bool stop;
	const struct kvtd_copy *c;
	size_t n;
	uint64_t total;
};

struct copier_arg {
	struct kvtd_copier *cp;
	unsigned int idx;
};

/* Copy bytes [from, to) of the concatenated batch. */
static void copier_range(const struct kvtd_copy *c, size_t n, uint64_t from,
			 uint64_t to)
{
	uint64_t pos = 0, a, b;
	size_t i;

	for (i = 0; i < n && pos < to; pos += c[i].len, i++) {
		if (pos + c[i].len <= from)
			continue;
		a = from > pos ? from - pos : 0;
		b = to < pos + c[i].len ? to - pos : c[i].len;
		memcpy((char *)c[i].dst + a, (const char *)c[i].src + a, b - a);
	}
}

static void copier_share(struct kvtd_copier *cp, unsigned int idx,
			 const struct kvtd_copy *c, size_t n, uint64_t total)
{
	unsigned int k = cp->nth + 1;
	uint64_t from = (uint64_t)((unsigned __int128)total * idx / k);
	uint64_t to = (uint64_t)((unsigned __int128)total * (idx + 1) / k);

	copier_range(c, n, from, to);
}

static void *copier_main(void *p)
{
	struct copier_arg a = *(struct copier_arg *)p;
	struct kvtd_copier *cp = a.cp;
	const struct kvtd_copy *c;
	uint64_t seen = 0, total;
	size_t n;

	free(p);
	pthread_mutex_lock(&cp->lock);
	for (;;) {
		while (!cp->stop && cp->gen == seen)
			pthread_cond_wait(&cp->start, &cp->lock);
		if (cp->stop)
			break;
		seen = cp->gen;
		c = cp->c;
		n = cp->n;
		total = cp->total;
		pthread_mutex_unlock(&cp->lock);
		copier_share(cp, a.idx, c, n, total);
		pthread_mutex_lock(&cp->lock);
		if (--cp->running == 0)
			pthread_cond_signal(&cp->done);
	}
	pthread_mutex_unlock(&cp->lock);
	return NULL;
}

void kvtd_copier_fini(struct kvtd_copier *cp)
{
	unsigned int i;

	if (!cp)
		return;
	pthread_mutex_lock(&cp->lock);
	cp->stop = true;
	pthread_cond_broadcast(&cp->start);
	pthread_mutex_unlock(&cp->lock);
	for (i = 0; i < cp->nth; i++)
		pthread_join(cp->th[i], NULL);
	pthread_cond_destroy(&cp->start);
	pthread_cond_destroy(&cp->done);
	pthread_mutex_destroy(&cp->lock);
	free(cp->th);
	free(cp);
}

int kvtd_copier_init(struct kvtd_copier **out, unsigned int threads)
{
	struct kvtd_copier *cp;
	struct copier_arg *a;
	long cpus;
	int ret = 0;

	if (!threads) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cpus > 0 ? (unsigned int)cpus : 1;
	}
	if (threads > KVTD_CPU_COPY_THREADS_MAX)
		threads = KVTD_CPU_COPY_THREADS_MAX;
	cp = calloc(1, sizeof(*cp));
	if (!cp)
		return -ENOMEM;
	pthread_mutex_init(&cp->lock, NULL);
	pthread_cond_init(&cp->start, NULL);
	pthread_cond_init(&cp->done, NULL);
	cp->th = calloc(threads, sizeof(*cp->th));
	if (!cp->th) {
		kvtd_copier_fini(cp);
		return -ENOMEM;
	}
	while (cp->nth + 1 < threads) {
		a = malloc(sizeof(*a));
		if (!a) {
			ret = -ENOMEM;
			break;
		}
		a->cp = cp;
		a->idx = cp->nth + 1;
		ret = -pthread_create(&cp->th[cp->nth], NULL, copier_main, a);
		if (ret) {
			free(a);
			break;
		}
		cp->nth++;
	}
	if (ret) {
		kvtd_copier_fini(cp);
		return ret;
	}
	*out = cp;
	return 0;
}

unsigned int kvtd_copier_threads(const struct kvtd_copier *cp)
{
	return cp->nth + 1;
}

void kvtd_copier_run(struct kvtd_copier *cp, const struct kvtd_copy *c,
		     size_t n)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += c[i].len;
	if (!cp->nth || total < KVTD_CPU_COPY_SPLIT_MIN) {
		for (i = 0; i < n; i++)
			memcpy(c[i].dst, c[i].src, c[i].len);
		return;
	}
	pthread_mutex_lock(&cp->lock);
	cp->c = c;
	cp->n = n;
	cp->total = total;
	cp->running = cp->nth;
	cp->gen++;
	pthread_cond_broadcast(&cp->start);
	pthread_mutex_unlock(&cp->lock);
	copier_share(cp, 0, c, n, total);
	pthread_mutex_lock(&cp->lock);
	while (cp->running)
		pthread_cond_wait(&cp->done, &cp->lock);
	pthread_mutex_unlock(&cp->lock);
}

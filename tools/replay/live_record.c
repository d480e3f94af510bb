// SPDX-License-Identifier: GPL-2.0
/*
 * The records between a tenant process and the parent (see live_record.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "live_record.h"

_Static_assert(sizeof(struct kvtr_live_rec) == 256,
	       "records are a fixed 256 bytes");
_Static_assert(KVTR_C_COUNT <= KVTR_REC_VALUES,
	       "the counters fit one record");

int kvtr_live_rec_send(int fd, const struct kvtr_live_rec *rec)
{
	const char *p = (const char *)rec;
	size_t left = sizeof(*rec);
	ssize_t n;

	while (left) {
		n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

static void kvtr_live_rec_init(struct kvtr_live_rec *rec, uint16_t type,
			       uint32_t tenant)
{
	memset(rec, 0, sizeof(*rec));
	rec->magic = KVTR_REC_MAGIC;
	rec->type = type;
	rec->tenant = tenant;
}

int kvtr_live_send_ready(int fd, uint32_t tenant, int status,
			 uint64_t tenant_id, bool isolated)
{
	struct kvtr_live_rec rec;

	kvtr_live_rec_init(&rec, KVTR_REC_READY, tenant);
	rec.status = status;
	rec.count = 2;
	rec.v[0] = tenant_id;
	rec.v[1] = isolated;
	return kvtr_live_rec_send(fd, &rec);
}

int kvtr_live_send_stats(int fd, uint32_t tenant,
			 const struct kvtr_live_stats *s)
{
	struct kvtr_live_rec rec;
	size_t i, n;
	int ret;

	kvtr_live_rec_init(&rec, KVTR_REC_COUNTERS, tenant);
	rec.count = KVTR_C_COUNT;
	memcpy(rec.v, s->c, sizeof(s->c));
	ret = kvtr_live_rec_send(fd, &rec);
	for (i = 0; !ret && i < s->nlat; i += n) {
		n = s->nlat - i < KVTR_REC_VALUES ? s->nlat - i :
						    KVTR_REC_VALUES;
		kvtr_live_rec_init(&rec, KVTR_REC_LATENCY, tenant);
		rec.count = (uint16_t)n;
		memcpy(rec.v, s->lat_ns + i, n * sizeof(*rec.v));
		ret = kvtr_live_rec_send(fd, &rec);
	}
	return ret;
}

int kvtr_live_send_end(int fd, uint32_t tenant, int status)
{
	struct kvtr_live_rec rec;

	kvtr_live_rec_init(&rec, KVTR_REC_END, tenant);
	rec.status = status;
	return kvtr_live_rec_send(fd, &rec);
}

int kvtr_live_rec_recv(int fd, struct kvtr_live_rec *rec)
{
	char *p = (char *)rec;
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(*rec)) {
		n = read(fd, p + got, sizeof(*rec) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got ? -EPROTO : 0;
		got += (size_t)n;
	}
	return 1;
}

/* Whether @rec is well formed for its type, before any state is looked at. */
static bool kvtr_live_rec_valid(const struct kvtr_live_rec *rec,
				uint32_t index)
{
	if (rec->magic != KVTR_REC_MAGIC || rec->tenant != index || rec->pad)
		return false;
	switch (rec->type) {
	case KVTR_REC_READY:
		return rec->count == 2 && rec->v[1] <= 1 && rec->status <= 0;
	case KVTR_REC_COUNTERS:
		return rec->count == KVTR_C_COUNT && !rec->status;
	case KVTR_REC_LATENCY:
		return rec->count >= 1 && rec->count <= KVTR_REC_VALUES &&
		       !rec->status;
	case KVTR_REC_END:
		return rec->count == 0 && rec->status <= 0;
	default:
		return false;
	}
}

int kvtr_live_rec_apply(struct kvtr_live_tenant *t, uint32_t index,
			const struct kvtr_live_rec *rec)
{
	unsigned int i;
	int ret;

	if (!kvtr_live_rec_valid(rec, index) || t->ended)
		return -EPROTO;
	if (rec->type != KVTR_REC_READY && !t->ready)
		return -EPROTO;
	switch (rec->type) {
	case KVTR_REC_READY:
		if (t->ready)
			return -EPROTO;
		t->ready = true;
		t->setup_status = rec->status;
		t->tenant_id = rec->v[0];
		t->isolated = rec->v[1];
		break;
	case KVTR_REC_COUNTERS:
		if (t->counted)
			return -EPROTO;
		t->counted = true;
		for (i = 0; i < KVTR_C_COUNT; i++)
			t->stats.c[i] = rec->v[i];
		break;
	case KVTR_REC_LATENCY:
		for (i = 0; i < rec->count; i++) {
			ret = kvtr_live_stats_add_latency(&t->stats, rec->v[i]);
			if (ret)
				return ret;
		}
		break;
	case KVTR_REC_END:
		t->ended = true;
		t->status = rec->status;
		break;
	}
	return 0;
}

void kvtr_live_tenant_free(struct kvtr_live_tenant *t)
{
	kvtr_live_stats_free(&t->stats);
}

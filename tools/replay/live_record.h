/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a tenant process tells the parent, over a pipe: fixed 256-byte
 * binary records, so the parent needs no parser and a short or foreign
 * record is caught by its size and magic.
 *
 *   READY     once, after setup: v[0] the tenant id (cgroup id), v[1] 1
 *             when the process runs in a cgroup of its own; status 0 or
 *             the setup's -errno (then END follows at once).
 *   COUNTERS  once, at the end: v[i] counter i (count = KVTR_C_COUNT).
 *   LATENCY   any number: count fetch latencies in v[].
 *   END       last: status 0 or the -errno the run stopped on.
 *
 * A process that dies leaves no END: the parent counts it as failed.
 * Functions return 0 or -errno.
 */
#ifndef KVTR_LIVE_RECORD_H
#define KVTR_LIVE_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "live_stats.h"

#define KVTR_REC_MAGIC 0x3172766bu /* "kvr1" little-endian */
#define KVTR_REC_VALUES 29

enum kvtr_rec_type {
	KVTR_REC_READY = 1,
	KVTR_REC_COUNTERS,
	KVTR_REC_LATENCY,
	KVTR_REC_END,
};

/**
 * struct kvtr_live_rec - one record.
 * @magic: KVTR_REC_MAGIC.
 * @type: One of enum kvtr_rec_type.
 * @count: Values used in @v.
 * @tenant: The sender's tenant index.
 * @status: READY and END: 0 or -errno.
 * @pad: Zero.
 * @v: The values.
 */
struct kvtr_live_rec {
	uint32_t magic;
	uint16_t type;
	uint16_t count;
	uint32_t tenant;
	int32_t status;
	uint64_t pad;
	uint64_t v[KVTR_REC_VALUES];
};

/**
 * struct kvtr_live_tenant - what the parent learnt of one tenant process.
 * @ready: A READY record came.
 * @setup_status: Its status.
 * @tenant_id: The tenant (cgroup) id it ran as.
 * @isolated: It ran in a cgroup of its own.
 * @counted: A COUNTERS record came.
 * @ended: An END record came.
 * @status: END's status.
 * @stats: Counters and latencies.
 */
struct kvtr_live_tenant {
	bool ready;
	int setup_status;
	uint64_t tenant_id;
	bool isolated;
	bool counted;
	bool ended;
	int status;
	struct kvtr_live_stats stats;
};

/* Return: 0, or -errno of write() (-EPIPE when the parent is gone). */
int kvtr_live_rec_send(int fd, const struct kvtr_live_rec *rec);

/* Send READY. Return: as kvtr_live_rec_send(). */
int kvtr_live_send_ready(int fd, uint32_t tenant, int status,
			 uint64_t tenant_id, bool isolated);

/* Send COUNTERS and LATENCY records for @s. Return: as kvtr_live_rec_send(). */
int kvtr_live_send_stats(int fd, uint32_t tenant,
			 const struct kvtr_live_stats *s);

/* Send END. Return: as kvtr_live_rec_send(). */
int kvtr_live_send_end(int fd, uint32_t tenant, int status);

/**
 * kvtr_live_rec_recv() - read one record.
 * @fd: The pipe.
 * @rec: Out. The record.
 *
 * Return: 1 when a record was read, 0 at end of file before any byte of
 * one, -EPROTO when the stream ended inside one, or -errno of read().
 */
int kvtr_live_rec_recv(int fd, struct kvtr_live_rec *rec);

/**
 * kvtr_live_rec_apply() - take one record into a tenant's state.
 * @t: The tenant's state (zeroed at first).
 * @index: The tenant index the record must carry.
 * @rec: The record.
 *
 * Return: 0, -EPROTO for a record that is malformed, from another tenant,
 * or out of order (anything after END, READY twice, COUNTERS twice or
 * before READY), or -ENOMEM.
 */
int kvtr_live_rec_apply(struct kvtr_live_tenant *t, uint32_t index,
			const struct kvtr_live_rec *rec);

/* Free what @t holds. */
void kvtr_live_tenant_free(struct kvtr_live_tenant *t);

#endif /* KVTR_LIVE_RECORD_H */

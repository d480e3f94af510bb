/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The write-back planner: which objects to write to the disk tier now,
 * outside of eviction, under each pool's write policy. Write-through
 * writes every committed object soon after commit; selective writes one
 * once it has been hit N times; write-back writes nothing here (only on
 * eviction, see kvtd_evict.h). A pure function over OBJ_SCAN records.
 */
#ifndef KVTD_WRITEBACK_H
#define KVTD_WRITEBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvtd_write.h"
#include "kvtier_drm.h"

/* The write policy of pool @pool_id, or NULL when it has none (unknown). */
typedef const struct kvtd_write_policy *(*kvtd_wb_policy_fn)(uint32_t pool_id,
							      void *arg);
/* Whether @rec's object has a write to disk queued or in flight. */
typedef bool (*kvtd_wb_writing_fn)(const struct drm_kvtier_obj_record *rec,
				   void *arg);

/**
 * struct kvtd_wb_input - what the planner looks at.
 * @recs: OBJ_SCAN records.
 * @nr_recs: Records.
 * @policy: Each pool's write policy.
 * @writing: Writes in flight; NULL for none.
 * @arg: For both callbacks.
 */
struct kvtd_wb_input {
	const struct drm_kvtier_obj_record *recs;
	size_t nr_recs;
	kvtd_wb_policy_fn policy;
	kvtd_wb_writing_fn writing;
	void *arg;
};

/*
 * kvtd_writeback_plan - the indices (into @in->recs) of the objects to
 * write now, least recently used first (they are the next to be evicted),
 * at most @room of them.
 *
 * Candidates are READY, resident in HOST, not on DISK and not being
 * written. Returns the count, or -EINVAL for a pool whose policy is
 * invalid, or -ENOMEM.
 */
int kvtd_writeback_plan(const struct kvtd_wb_input *in, uint32_t *out,
			size_t room);

#endif /* KVTD_WRITEBACK_H */

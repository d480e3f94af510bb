/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Belady's offline optimum (MIN) as a kvtd policy, for the simulator only:
 * evict the block whose next use lies furthest in the future. With unit
 * sizes and every miss inserted, no policy hits more often, so it bounds
 * what a better online policy can gain over LRU.
 *
 * It needs kvtd_policy_params.future (kvtr_refs_future()) and the caller
 * must report every reference in order: on_access for a hit, on_miss for a
 * miss (then on_insert of that key, if inserted at all; a miss of a key
 * it tracks, a block a prefix lookup did not probe, just moves that key's
 * next use). O(log n) per
 * reference: a max-heap on next use, indexed so that any entry can be
 * moved or removed.
 */
#ifndef KVTR_BELADY_H
#define KVTR_BELADY_H

#include "kvtd_policy.h"

extern const struct kvtd_policy_ops kvtr_policy_belady;

#endif /* KVTR_BELADY_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cost of the default eviction policy per access, against LRU's on
 * the same access stream.
 */
#ifndef BENCH_POLICY_H
#define BENCH_POLICY_H

#include <stdbool.h>
#include <stdio.h>

/*
 * A synthetic stream of prompts (a few hot shared prefixes, a long tail
 * of one-off blocks; 32 blocks per prompt) through a cache of 2^16
 * blocks, run as the simulator does (prefix hits, every miss stored,
 * evicting first), once with LRU and once with KVTD_POLICY_DEFAULT,
 * alternating rounds. Writes `policy_access_ns`: the default's ns per
 * access (hit, miss, store and eviction all counted), with LRU's as the
 * baseline and their ratio (target at most 3); then a row
 * `policy_access_ns_<name>` for every other policy the daemon offers.
 * Returns 0 or -errno.
 */
int bench_policy_access(FILE *out, bool json);

#endif /* BENCH_POLICY_H */

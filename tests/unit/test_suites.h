/* SPDX-License-Identifier: GPL-2.0 */
/* Every suite the runner adds; one per source file under test. */
#ifndef TEST_SUITES_H
#define TEST_SUITES_H

#include <check.h>

Suite *core_table_suite(void);
Suite *core_index_suite(void);
Suite *core_pool_suite(void);
Suite *core_tenant_suite(void);
Suite *core_client_suite(void);
Suite *core_object_suite(void);
Suite *core_lookup_suite(void);
Suite *core_queue_suite(void);
Suite *core_core_suite(void);
Suite *libkvtier_suite(void);
Suite *policy_keymap_suite(void);
Suite *policy_ops_suite(void);
Suite *policy_lru_suite(void);
Suite *policy_watermark_suite(void);
Suite *policy_write_suite(void);
Suite *replay_trace_suite(void);
Suite *replay_refs_suite(void);
Suite *replay_belady_suite(void);
Suite *replay_sim_suite(void);
Suite *replay_capacity_suite(void);

#endif /* TEST_SUITES_H */

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
Suite *core_scan_suite(void);
Suite *core_stream_suite(void);
Suite *core_core_suite(void);
Suite *libkvtier_suite(void);
Suite *policy_keymap_suite(void);
Suite *policy_ops_suite(void);
Suite *policy_lru_suite(void);
Suite *policy_reuse_suite(void);
Suite *policy_watermark_suite(void);
Suite *policy_write_suite(void);
Suite *replay_trace_suite(void);
Suite *replay_refs_suite(void);
Suite *replay_belady_suite(void);
Suite *replay_sim_suite(void);
Suite *replay_capacity_suite(void);
Suite *replay_live_data_suite(void);
Suite *replay_live_stats_suite(void);
Suite *disk_crc32c_suite(void);
Suite *disk_avl_suite(void);
Suite *disk_extent_suite(void);
Suite *disk_format_suite(void);
Suite *disk_index_suite(void);
Suite *disk_uring_suite(void);
Suite *disk_open_suite(void);
Suite *disk_tier_suite(void);
Suite *disk_recover_suite(void);
Suite *daemon_config_suite(void);
Suite *daemon_keyset_suite(void);
Suite *daemon_work_suite(void);
Suite *daemon_exec_suite(void);
Suite *policy_planner_suite(void);
Suite *daemon_stream_suite(void);
Suite *daemon_reclaim_suite(void);
Suite *daemon_copier_suite(void);
Suite *daemon_tier_device_cpu_suite(void);
Suite *daemon_stage_suite(void);
Suite *gpu_copy_ref_suite(void);
Suite *ebpf_tp_layout_suite(void);

#endif /* TEST_SUITES_H */

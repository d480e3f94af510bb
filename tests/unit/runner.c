// SPDX-License-Identifier: GPL-2.0
/*
 * The unit test runner: one Check suite per source file under test, all
 * added from the table below. Exits 0 when every test passed.
 */
#include <stdlib.h>

#include <check.h>

#include "test_suites.h"

static Suite *(*const suites[])(void) = {
	core_table_suite,
	core_index_suite,
	core_pool_suite,
	core_tenant_suite,
	core_client_suite,
	core_object_suite,
	core_lookup_suite,
	core_queue_suite,
	core_scan_suite,
	core_stream_suite,
	core_core_suite,
	libkvtier_suite,
	policy_keymap_suite,
	policy_ops_suite,
	policy_lru_suite,
	policy_reuse_suite,
	policy_watermark_suite,
	policy_write_suite,
	replay_trace_suite,
	replay_refs_suite,
	replay_belady_suite,
	replay_sim_suite,
	replay_capacity_suite,
	replay_live_data_suite,
	replay_live_stats_suite,
	disk_crc32c_suite,
	disk_avl_suite,
	disk_extent_suite,
	disk_format_suite,
	disk_index_suite,
	disk_uring_suite,
	disk_open_suite,
	disk_tier_suite,
	disk_recover_suite,
	daemon_config_suite,
	daemon_keyset_suite,
	daemon_work_suite,
	daemon_exec_suite,
	policy_planner_suite,
	daemon_stream_suite,
	daemon_reclaim_suite,
	daemon_copier_suite,
	daemon_tier_device_cpu_suite,
	daemon_stage_suite,
	gpu_copy_ref_suite,
	ebpf_tp_layout_suite,
};

int main(void)
{
	SRunner *sr;
	size_t i;
	int failed;

	sr = srunner_create(NULL);
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/config.c and daemon/args.c: values, the file
 * format with its line numbers, pool definitions, and flags over the file.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvtd_config.h"
#include "kvtd_log.h"
#include "kvtd_policy.h"
#include "kvtier_drm.h"

static struct kvtd_config cfg;
static char err[512];

static void setup(void)
{
	kvtd_config_defaults(&cfg);
	err[0] = '\0';
}

START_TEST(test_defaults)
{
	ck_assert_uint_eq(cfg.pool_wm.high, KVTD_POOL_WM_HIGH_DEFAULT);
	ck_assert_uint_eq(cfg.pool_wm.low, KVTD_POOL_WM_LOW_DEFAULT);
	ck_assert_uint_eq(cfg.tick_ms, KVTD_TICK_MS_DEFAULT);
	ck_assert_str_eq(cfg.eviction_policy, KVTD_POLICY_DEFAULT);
	ck_assert_str_eq(cfg.disk_path, "");
	ck_assert_int_eq(cfg.write.mode, KVTD_WRITE_SELECTIVE);
	ck_assert_int_eq(kvtd_config_check(&cfg, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_sizes)
{
	uint64_t v;

	ck_assert_int_eq(kvtd_parse_size("4096", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(kvtd_parse_size("2M", &v), 0);
	ck_assert_uint_eq(v, 2ull << 20);
	ck_assert_int_eq(kvtd_parse_size("3GiB", &v), 0);
	ck_assert_uint_eq(v, 3ull << 30);
	ck_assert_int_eq(kvtd_parse_size("1tb", &v), 0);
	ck_assert_uint_eq(v, 1ull << 40);
	ck_assert_int_eq(kvtd_parse_size("", &v), -EINVAL);
	ck_assert_int_eq(kvtd_parse_size("-1", &v), -EINVAL);
	ck_assert_int_eq(kvtd_parse_size("2X", &v), -EINVAL);
	ck_assert_int_eq(kvtd_parse_size("2Mx", &v), -EINVAL);
	/* 2^24 TiB is 2^64: one too many. */
	ck_assert_int_eq(kvtd_parse_size("16777216T", &v), -EINVAL);
	ck_assert_int_eq(kvtd_parse_size("99999999999999999999", &v), -EINVAL);
}
END_TEST

START_TEST(test_percentages)
{
	uint32_t v;

	ck_assert_int_eq(kvtd_parse_permille("90", &v), 0);
	ck_assert_uint_eq(v, 900);
	ck_assert_int_eq(kvtd_parse_permille("92.5%", &v), 0);
	ck_assert_uint_eq(v, 925);
	ck_assert_int_eq(kvtd_parse_permille("100", &v), 0);
	ck_assert_uint_eq(v, 1000);
	ck_assert_int_eq(kvtd_parse_permille("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(kvtd_parse_permille("100.1", &v), -EINVAL);
	ck_assert_int_eq(kvtd_parse_permille("92.55", &v), -EINVAL);
	ck_assert_int_eq(kvtd_parse_permille("9.", &v), -EINVAL);
	ck_assert_int_eq(kvtd_parse_permille("0.9x", &v), -EINVAL);
	ck_assert_int_eq(kvtd_parse_permille("12345678901234567890", &v),
			 -EINVAL);
}
END_TEST

START_TEST(test_write_policies)
{
	struct kvtd_write_policy p;

	ck_assert_int_eq(kvtd_parse_write_policy("through", &p), 0);
	ck_assert_int_eq(p.mode, KVTD_WRITE_THROUGH);
	ck_assert_int_eq(kvtd_parse_write_policy("back", &p), 0);
	ck_assert_int_eq(p.mode, KVTD_WRITE_BACK);
	ck_assert_int_eq(kvtd_parse_write_policy("selective", &p), 0);
	ck_assert_int_eq(p.mode, KVTD_WRITE_SELECTIVE);
	ck_assert_uint_eq(p.hits, KVTD_WRITE_SELECTIVE_HITS_DEFAULT);
	ck_assert_int_eq(kvtd_parse_write_policy("selective:3", &p), 0);
	ck_assert_uint_eq(p.hits, 3);
	ck_assert_int_eq(kvtd_parse_write_policy("selective:", &p), -EINVAL);
	ck_assert_int_eq(kvtd_parse_write_policy("selectivex", &p), -EINVAL);
	ck_assert_int_eq(kvtd_parse_write_policy("around", &p), -EINVAL);
}
END_TEST

START_TEST(test_pools)
{
	struct kvtd_pool_def p;

	ck_assert_int_eq(kvtd_parse_pool("kind=expert slot-size=2M slots=8 "
					 "write-policy=back hugepage numa=1",
					 &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.kind, KVTIER_KIND_EXPERT);
	ck_assert_uint_eq(p.slot_size, 2u << 20);
	ck_assert_uint_eq(p.slots, 8);
	ck_assert(p.has_write);
	ck_assert_int_eq(p.write.mode, KVTD_WRITE_BACK);
	ck_assert_uint_eq(p.flags, KVTIER_POOL_HUGEPAGE | KVTIER_POOL_NUMA);
	ck_assert_int_eq(p.numa_node, 1);

	/* Commas work too; kind defaults to kv; no write policy given. */
	ck_assert_int_eq(kvtd_parse_pool("slot-size=64K,slots=3", &p, err,
					 sizeof(err)), 0);
	ck_assert_uint_eq(p.kind, KVTIER_KIND_KV);
	ck_assert(!p.has_write);
	ck_assert_uint_eq(p.flags, 0);

	ck_assert_int_eq(kvtd_parse_pool("slots=3", &p, err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(kvtd_parse_pool("slot-size=1000 slots=3", &p, err,
					 sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "slot-size"));
	ck_assert_int_eq(kvtd_parse_pool("slot-size=4K slots=0", &p, err,
					 sizeof(err)), -EINVAL);
	ck_assert_int_eq(kvtd_parse_pool("slot-size=4K slots=1 kind=video",
					 &p, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "video"));
	ck_assert_int_eq(kvtd_parse_pool("slot-size=4K slots=1 colour=red",
					 &p, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(kvtd_parse_pool("slot-size=4K slots=1 numa=-1", &p,
					 err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(kvtd_parse_pool("slot-size=4K slots=1 kind", &p,
					 err, sizeof(err)), -EINVAL);
}
END_TEST

static const char good_text[] =
	"# a comment\n"
	"\n"
	"device = /dev/dri/renderD129   # trailing comment\n"
	"  disk-path=/var/tmp/kvtier.img\n"
	"disk-size = 8G\n"
	"disk-format = yes\n"
	"queue-depth = 64\n"
	"watermark-high = 85\n"
	"watermark-low = 70.5\n"
	"tenant-watermark-high = 99\n"
	"tenant-watermark-low = 97\n"
	"write-policy = through\n"
	"eviction-policy = lru\n"
	"tick-ms = 250\n"
	"stream-entries = 1024\n"
	"copy-threads = 3\n"
	"log-level = debug\n"
	"pool = kind=kv slot-size=2M slots=16\n"
	"pool = kind=adapter slot-size=4M slots=2 write-policy=back";

START_TEST(test_parse_good)
{
	ck_assert_int_eq(kvtd_config_parse(&cfg, good_text, "t.conf", err,
					   sizeof(err)), 0);
	ck_assert_str_eq(cfg.device, "/dev/dri/renderD129");
	ck_assert_str_eq(cfg.disk_path, "/var/tmp/kvtier.img");
	ck_assert_uint_eq(cfg.disk_size, 8ull << 30);
	ck_assert(cfg.disk_format);
	ck_assert_uint_eq(cfg.queue_depth, 64);
	ck_assert_uint_eq(cfg.pool_wm.high, 850);
	ck_assert_uint_eq(cfg.pool_wm.low, 705);
	ck_assert_uint_eq(cfg.tenant_wm.high, 990);
	ck_assert_uint_eq(cfg.tenant_wm.low, 970);
	ck_assert_int_eq(cfg.write.mode, KVTD_WRITE_THROUGH);
	ck_assert_uint_eq(cfg.tick_ms, 250);
	ck_assert_uint_eq(cfg.stream_entries, 1024);
	ck_assert_uint_eq(cfg.copy_threads, 3);
	ck_assert_int_eq(cfg.log_level, KVTD_LOG_DEBUG);
	ck_assert_uint_eq(cfg.nr_pools, 2);
	ck_assert_uint_eq(cfg.pools[1].kind, KVTIER_KIND_ADAPTER);
	ck_assert_int_eq(cfg.pools[1].write.mode, KVTD_WRITE_BACK);
	ck_assert_int_eq(kvtd_config_check(&cfg, err, sizeof(err)), 0);
}
END_TEST

/* Parse @text and expect @ret with a message starting with @prefix. */
static void expect_bad(const char *text, int ret, const char *prefix)
{
	struct kvtd_config c;

	kvtd_config_defaults(&c);
	ck_assert_int_eq(kvtd_config_parse(&c, text, "bad.conf", err,
					   sizeof(err)), ret);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)),
		      "message '%s' does not start with '%s'", err, prefix);
}

START_TEST(test_parse_bad)
{
	expect_bad("tick-ms = 10\nnot a key value\n", -EINVAL, "bad.conf:2: ");
	expect_bad("\n\n# c\ncolour = blue\n", -ENOENT,
		   "bad.conf:4: unknown key 'colour'");
	expect_bad("queue-depth = 0\n", -EINVAL, "bad.conf:1: queue-depth");
	expect_bad("queue-depth = 99999\n", -EINVAL, "bad.conf:1: queue-depth");
	expect_bad("tick-ms = 0\n", -EINVAL, "bad.conf:1: tick-ms");
	expect_bad("stream-entries = 1000\n", -EINVAL,
		   "bad.conf:1: stream-entries");
	expect_bad("stream-entries = 32\n", -EINVAL,
		   "bad.conf:1: stream-entries");
	expect_bad("tick-ms = 10ms\n", -EINVAL, "bad.conf:1: tick-ms");
	expect_bad("watermark-high = 101\n", -EINVAL,
		   "bad.conf:1: watermark-high");
	expect_bad("disk-size = big\n", -EINVAL, "bad.conf:1: disk-size");
	expect_bad("disk-format = maybe\n", -EINVAL, "bad.conf:1: disk-format");
	expect_bad("copy-threads = 0\n", -EINVAL, "bad.conf:1: copy-threads");
	expect_bad("copy-threads = 99\n", -EINVAL, "bad.conf:1: copy-threads");
	expect_bad("log-level = loud\n", -EINVAL, "bad.conf:1: log-level");
	expect_bad("write-policy = never\n", -EINVAL,
		   "bad.conf:1: write-policy");
	expect_bad("a = 1\n", -ENOENT, "bad.conf:1: unknown key");
	expect_bad("x\n", -EINVAL, "bad.conf:1: expected");
	expect_bad("ok = \n", -ENOENT, "bad.conf:1: unknown key 'ok'");
}
END_TEST

START_TEST(test_parse_long_line)
{
	char *text = malloc(4096);

	memset(text, 'a', 4095);
	text[4095] = '\0';
	expect_bad(text, -EINVAL, "bad.conf:1: line too long");
	free(text);
}
END_TEST

START_TEST(test_too_many_pools)
{
	unsigned int i;

	for (i = 0; i < KVTD_CONFIG_MAX_POOLS; i++)
		ck_assert_int_eq(kvtd_config_set(&cfg, "pool",
						 "slot-size=4K slots=1", err,
						 sizeof(err)), 0);
	ck_assert_int_eq(kvtd_config_set(&cfg, "pool", "slot-size=4K slots=1",
					 err, sizeof(err)), -ENOSPC);
}
END_TEST

START_TEST(test_check_order)
{
	ck_assert_int_eq(kvtd_config_set(&cfg, "watermark-low", "95", err,
					 sizeof(err)), 0);
	ck_assert_int_eq(kvtd_config_check(&cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "watermark-low"));
	kvtd_config_defaults(&cfg);
	ck_assert_int_eq(kvtd_config_set(&cfg, "tenant-watermark-high", "50",
					 err, sizeof(err)), 0);
	ck_assert_int_eq(kvtd_config_check(&cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "tenant-watermark-low"));
}
END_TEST

/* A file with @text; its path in @path. */
static void write_file(char *path, const char *text)
{
	int fd;

	strcpy(path, "/tmp/kvtd-config-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
}

START_TEST(test_load_file)
{
	char path[64], prefix[96];

	write_file(path, "queue-depth = 8\ntick-ms = 20\n");
	ck_assert_int_eq(kvtd_config_load(&cfg, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.queue_depth, 8);
	unlink(path);

	write_file(path, "queue-depth = 8\n\n\ntick-ms = never\n");
	ck_assert_int_eq(kvtd_config_load(&cfg, path, err, sizeof(err)),
			 -EINVAL);
	snprintf(prefix, sizeof(prefix), "%s:4: tick-ms", path);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "got '%s'", err);
	unlink(path);

	ck_assert_int_eq(kvtd_config_load(&cfg, "/nonexistent/kvtierd.conf",
					   err, sizeof(err)), -ENOENT);
}
END_TEST

START_TEST(test_args_override)
{
	char *argv[] = { "kvtierd", "--queue-depth", "16", "--config",
			 "/x.conf", "-v", "--tick-ms=5",
			 "--pool", "slot-size=8K slots=4", NULL };
	int argc = 9;
	struct kvtd_args a;

	ck_assert_int_eq(kvtd_args_scan(argc, argv, &a, err, sizeof(err)), 0);
	ck_assert_str_eq(a.config, "/x.conf");
	ck_assert_int_eq(a.verbose, 1);
	ck_assert(!a.help);
	/* The file's values, then the flags over them. */
	ck_assert_int_eq(kvtd_config_parse(&cfg,
					   "queue-depth = 8\ntick-ms = 500\n"
					   "watermark-high = 70\n"
					   "watermark-low = 60\n"
					   "pool = slot-size=4K slots=1\n",
					   "f", err, sizeof(err)), 0);
	ck_assert_int_eq(kvtd_args_apply(&cfg, argc, argv, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(cfg.queue_depth, 16);
	ck_assert_uint_eq(cfg.tick_ms, 5);
	/* Untouched by flags: the file's. */
	ck_assert_uint_eq(cfg.pool_wm.high, 700);
	/* Pools add up. */
	ck_assert_uint_eq(cfg.nr_pools, 2);
	ck_assert_uint_eq(cfg.pools[1].slot_size, 8192);
}
END_TEST

START_TEST(test_args_bad)
{
	char *unknown[] = { "kvtierd", "--colour", "blue", NULL };
	char *novalue[] = { "kvtierd", "--tick-ms", NULL };
	char *stray[] = { "kvtierd", "tick-ms", NULL };
	char *badval[] = { "kvtierd", "--tick-ms", "0", NULL };
	char *help[] = { "kvtierd", "-h", "-V", NULL };
	struct kvtd_args a;

	ck_assert_int_eq(kvtd_args_scan(3, unknown, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(kvtd_args_apply(&cfg, 3, unknown, err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "--colour: unknown option");
	ck_assert_int_eq(kvtd_args_scan(2, novalue, &a, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "needs a value"));
	ck_assert_int_eq(kvtd_args_scan(2, stray, &a, err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(kvtd_args_apply(&cfg, 3, badval, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(!strncmp(err, "--tick-ms: ", 11), "got '%s'", err);
	ck_assert_int_eq(kvtd_args_scan(3, help, &a, err, sizeof(err)), 0);
	ck_assert(a.help && a.version);
}
END_TEST

Suite *daemon_config_suite(void)
{
	Suite *s = suite_create("daemon_config");
	TCase *tc;

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_percentages);
	tcase_add_test(tc, test_write_policies);
	tcase_add_test(tc, test_pools);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_parse_long_line);
	tcase_add_test(tc, test_too_many_pools);
	tcase_add_test(tc, test_check_order);
	tcase_add_test(tc, test_load_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("command line");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_args_override);
	tcase_add_test(tc, test_args_bad);
	suite_add_tcase(s, tc);
	return s;
}

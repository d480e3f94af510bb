// SPDX-License-Identifier: GPL-2.0
/*
 * kvtierd: the manager of kvtier. Parses the command line and the
 * configuration file, builds the manager and runs its event loop in the
 * foreground, logging to stderr for journald.
 *
 * Exit status: 0 after a clean stop, 1 on a failure (another manager
 * attached, the device or the disk tier unusable), 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvtd_config.h"
#include "kvtd_log.h"
#include "kvtd_manager.h"

#define KVTIERD_VERSION KVTIER_LIB_VERSION

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kvtierd [--config PATH] [-v] [--KEY VALUE]...\n"
		"\n"
		"Attaches to kvtier.ko as the manager and moves objects between\n"
		"the device, host and disk tiers, in the foreground.\n"
		"\n"
		"  --config PATH   configuration file (default %s;\n"
		"                  a missing default file means built-in defaults)\n"
		"  -v, --verbose   log debug lines\n"
		"  -h, --help      this text\n"
		"  -V, --version   the version\n"
		"\n"
		"Every configuration key is also a flag, and flags win over the file:\n"
		"  --device PATH  --disk-path PATH  --disk-size SIZE  --disk-format yes|no\n"
		"  --queue-depth N  --watermark-high PCT  --watermark-low PCT\n"
		"  --tenant-watermark-high PCT  --tenant-watermark-low PCT\n"
		"  --write-policy through|back|selective[:HITS]  --eviction-policy NAME\n"
		"  --tick-ms N  --copy-threads N  --log-level LEVEL\n"
		"  --pool 'kind=kv slot-size=2M slots=512 [write-policy=P] [hugepage] [numa=N]'\n"
		"\n"
		"Signals: TERM/INT stop cleanly (twice: at once), USR1 logs the stats.\n",
		KVTD_CONFIG_DEFAULT_PATH);
}

static int load_config(struct kvtd_config *cfg, const struct kvtd_args *a,
		       int argc, char *const argv[])
{
	const char *path = a->config ? a->config : KVTD_CONFIG_DEFAULT_PATH;
	char err[512];
	int ret;

	kvtd_config_defaults(cfg);
	ret = kvtd_config_load(cfg, path, err, sizeof(err));
	if (ret == -ENOENT && !a->config) {
		kvtd_info("no %s: built-in defaults", path);
	} else if (ret) {
		kvtd_err("configuration: %s", err);
		return ret;
	}
	ret = kvtd_args_apply(cfg, argc, argv, err, sizeof(err));
	if (!ret)
		ret = kvtd_config_check(cfg, err, sizeof(err));
	if (ret)
		kvtd_err("configuration: %s", err);
	return ret;
}

int main(int argc, char *argv[])
{
	static struct kvtd_config cfg;
	static struct kvtd_manager m;
	struct kvtd_args a;
	char err[512];
	int level, ret;

	if (kvtd_args_scan(argc, argv, &a, err, sizeof(err))) {
		fprintf(stderr, "kvtierd: %s\n", err);
		usage(stderr);
		return 2;
	}
	if (a.help) {
		usage(stdout);
		return 0;
	}
	if (a.version) {
		printf("kvtierd %s (kvtier ABI %d)\n", KVTIERD_VERSION,
		       KVTIER_ABI_VERSION);
		return 0;
	}
	if (load_config(&cfg, &a, argc, argv))
		return 2;
	level = cfg.log_level + a.verbose;
	kvtd_log_set_max(level > KVTD_LOG_DEBUG ? KVTD_LOG_DEBUG : level);
	kvtd_info("kvtierd %s starting", KVTIERD_VERSION);

	ret = kvtd_manager_open(&m, &cfg);
	if (ret)
		return 1;
	ret = kvtd_loop_run(&m);
	kvtd_manager_close(&m);
	kvtd_info("stopped%s", ret ? " after an error" : "");
	return ret ? 1 : 0;
}

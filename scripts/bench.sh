#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make bench` runs once everything is built. On the host, at native
# speed: the core's lookups, the CPU device backend's copies against
# memcpy, and the disk tier against fio on a file in $BUILD/bench (the
# build tree's filesystem, where O_DIRECT works; removed afterwards). Then
# the driver's benchmarks inside the VM. Every result is one JSON line on
# stdout (name, value, unit, and baseline and ratio where one applies,
# measured in the same run: see DESIGN.md); progress and notes go to
# stderr. About a minute and a half in all. The disk part, as root,
# reserves hugetlb pages for both sides' buffers for the time of its run
# (/proc/sys/vm/nr_hugepages; the old count is put back, here too should
# it be interrupted).

set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
BENCH=$BUILD/kvtier-bench
DISK_DIR=$BUILD/bench
DISK_IMG=$DISK_DIR/disk.img
rc=0

# Runs kvtier-bench with "$@": JSON lines to stdout, anything else to
# stderr; fails when kvtier-bench does.
host_bench() {
	echo "bench: $BENCH --json $*" >&2
	"$BENCH" --json "$@" | while IFS= read -r l; do
		case "$l" in
		\{*) printf '%s\n' "$l" ;;
		*) printf '%s\n' "$l" >&2 ;;
		esac
	done
	[ "${PIPESTATUS[0]}" -eq 0 ] || {
		echo "bench: $BENCH $* failed" >&2
		return 1
	}
}

if [ -x "$BENCH" ]; then
	host_bench --core || rc=1
	host_bench --copy || rc=1
	if command -v fio >/dev/null 2>&1; then
		mkdir -p "$DISK_DIR" || rc=1
		# A file left by an interrupted run would be kept afterwards.
		rm -f "$DISK_IMG"
		hugepages=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null)
		trap 'rm -f "$DISK_IMG"; [ -n "$hugepages" ] && [ -w /proc/sys/vm/nr_hugepages ] && echo "$hugepages" >/proc/sys/vm/nr_hugepages' EXIT
		host_bench --disk "$DISK_IMG" || rc=1
		rm -f "$DISK_IMG"
	else
		echo "bench: fio is missing (make deps installs it): disk benchmark not run" >&2
		rc=1
	fi
else
	echo "bench: $BENCH was not built" >&2
	rc=1
fi

echo "bench: driver in the VM (tests/vm/run.sh --bench)" >&2
tests/vm/run.sh --bench || rc=1
exit $rc

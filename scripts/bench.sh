#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make bench` runs once everything is built: the core's benchmarks
# on the host at native speed, then the driver's inside the VM. Every
# result is one JSON line on stdout, a ratio against a baseline measured in
# the same run (see DESIGN.md); progress and notes go to stderr.

set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
BENCH=$BUILD/kvtier-bench
rc=0

echo "bench: core on the host ($BENCH --json --core)" >&2
if [ -x "$BENCH" ]; then
	"$BENCH" --json --core | while IFS= read -r l; do
		case "$l" in
		\{*) printf '%s\n' "$l" ;;
		*) printf '%s\n' "$l" >&2 ;;
		esac
	done
	[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "bench: host run failed" >&2; rc=1; }
else
	echo "bench: $BENCH was not built" >&2
	rc=1
fi

echo "bench: driver in the VM (tests/vm/run.sh --bench)" >&2
tests/vm/run.sh --bench || rc=1
exit $rc

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make gpu-check`: runs each GPU test given (exit 0 pass, 1 fail, 77
# skip) and ends with the counts. Fails when any test fails; passes with
# everything skipped where there is no GPU, and says so.

set -uo pipefail

pass=0 fail=0 skip=0
if [ $# -eq 0 ]; then
	echo "gpu-check: no GPU tests built (no nvcc or CUDA headers found; set CUDA_HOME)"
	exit 0
fi
for t in "$@"; do
	"$t"
	rc=$?
	case $rc in
	0) pass=$((pass + 1)) ;;
	77) skip=$((skip + 1)) ;;
	*) echo "gpu-check: $t failed (exit $rc)"; fail=$((fail + 1)) ;;
	esac
done
echo "gpu-check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

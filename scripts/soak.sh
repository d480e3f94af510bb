#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Soak test of the VM suite: runs tests/vm/run.sh RUNS times in a row and
# keeps going after failures, to catch what fails once in tens of runs.
#
#   scripts/soak.sh                     30 runs of the whole suite
#   scripts/soak.sh -n 10               10 runs
#   scripts/soak.sh t_trace t_stress    each run only the named tests
#   make soak SOAK_RUNS=10 SOAK_TESTS="t_trace t_stress"   the same
#
# Each run prints one line. A failed run also prints what failed, by test
# name, and the guest's kernel log around it: the kernel lines the harness
# rejected with the lines before them back to the mark of the test case
# that was running (tlib and the guest's init write "kvtier-test: begin
# AREA:CASE" and "kvtier-vm: begin PROGRAM" into the kernel log), or, for a
# test case that failed, the kernel's lines while it ran. Its output and
# console log are kept in $BUILD/soak/run-K/ (output.log, console.log).
#
# Environment: BUILD (build), SOAK_RUNS (30, -n overrides), and what
# tests/vm/run.sh reads.
#
# The output ends with the failure count of each test that failed, then
# one line: "soak: N runs, N passed, N failed". Exit status 0 only when
# every run passed.

set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
RUNS=${SOAK_RUNS:-30}
# Lines of kernel log shown per excerpt, at most, before and after.
CTX_BEFORE=25
CTX_AFTER=40

while [ $# -gt 0 ]; do
	case "$1" in
	-n)
		RUNS=${2:?-n needs a number}
		shift
		;;
	-h | --help)
		sed -n '4,25p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "soak: unknown option $1" >&2
		exit 2
		;;
	*) break ;;
	esac
	shift
done
case "$RUNS" in
'' | *[!0-9]* | 0)
	echo "soak: the number of runs must be a positive integer" >&2
	exit 2
	;;
esac

SOAK=$BUILD/soak
rm -rf "$SOAK"
mkdir -p "$SOAK"

# The failures of one run, one per line: "TEST<TAB>LINE", where TEST names
# what failed (AREA:CASE, vm:PROGRAM, vm, or kernel@AREA:CASE for a kernel
# log line the harness rejected) and LINE is the harness's failure line.
# Reads the harness's output ($1) and the run's console log ($2).
failures() {
	awk -v console="$2" '
	BEGIN {
		# Which case was running at each line of the kernel log the
		# guest dumped (at), or, for a console that has none, which
		# program was running at each console line (atc).
		while ((getline l < console) > 0) {
			if (l == "vm-dmesg-begin") { indmesg = 1; cur = "" }
			if (l == "vm-dmesg-end") indmesg = 0
			if (l ~ /^vm-test-begin /) prog = "vm:" substr(l, 15)
			if (l ~ /kvtier-(test|vm): begin /) {
				cur = l
				sub(/.*kvtier-(test|vm): begin /, "", cur)
			}
			if (indmesg && !(l in at)) at[l] = cur
			if (!indmesg && !(l in atc)) atc[l] = prog
		}
	}
	/^vm: failures:$/ { infail = 1; next }
	infail && /^  / {
		line = substr($0, 3)
		if (line ~ /^FAIL /) {
			t = line
			sub(/^FAIL /, "", t)
			# "AREA:CASE: why" or "vm: why"
			if (match(t, /^[^ :]+:[^ :]+:/))
				t = substr(t, 1, RLENGTH - 1)
			else
				sub(/:.*/, "", t)
		} else {
			# "dmesg: LINE" or "console: LINE"
			k = line
			sub(/^[a-z]+: /, "", k)
			w = line ~ /^dmesg: / ? at[k] : atc[k]
			t = "kernel@" (w != "" ? w : "boot")
		}
		print t "\t" line
		next
	}
	infail { infail = 0 }
	' "$1"
}

# The guest's kernel log around the failures of a run: excerpt CONSOLE
# FAILURES (the output of failures()). Kernel lines the harness rejected
# come with the lines before them back to the last test mark (at most
# CTX_BEFORE) and CTX_AFTER after; a failed case comes with the kernel
# lines logged while it ran. A guest that never dumped its log shows the
# console's tail, where its emergency messages went.
excerpt() {
	awk -v failures="$2" -v before="$CTX_BEFORE" -v after="$CTX_AFTER" '
	BEGIN {
		while ((getline l < failures) > 0) {
			split(l, f, "\t")
			if (f[1] ~ /^kernel@/) {
				k = f[2]
				sub(/^[a-z]+: /, "", k)
				bad[k] = 1
			} else {
				failcase[f[1]] = 1
			}
		}
	}
	{ line[NR] = $0 }
	/^vm-dmesg-begin$/ { dbeg = NR }
	/^vm-dmesg-end$/ { dend = NR }
	END {
		if (!dbeg) {
			print "    (no kernel log dump: the guest did not finish; console tail)"
			for (i = (NR > before + after ? NR - before - after + 1 : 1); i <= NR; i++)
				print "    | " line[i]
			exit
		}
		if (!dend) dend = NR + 1
		# Mark the lines to show.
		cur = ""
		for (i = dbeg + 1; i < dend; i++) {
			l = line[i]
			if (l ~ /kvtier-(test|vm): begin /) {
				cur = l
				sub(/.*kvtier-(test|vm): begin /, "", cur)
				mark = i
			}
			if (cur in failcase || ("vm:" cur) in failcase)
				show[i] = 1
			if (l in bad) {
				from = i - before
				if (mark && mark > from) from = mark
				if (from <= dbeg) from = dbeg + 1
				for (j = from; j <= i + after && j < dend; j++)
					show[j] = 1
			}
		}
		last = 0
		n = 0
		for (i = dbeg + 1; i < dend; i++) {
			if (!(i in show)) continue
			if (last && i > last + 1) print "    | ..."
			print "    | " line[i]
			last = i
			n++
		}
		if (!n)
			print "    (no kernel messages while the failed cases ran)"
	}
	' "$1"
}

declare -A per_test
passed=0
failed=0
t_start=$(date +%s)
echo "soak: $RUNS runs of tests/vm/run.sh${*:+ $*}; failed runs kept in $SOAK/"
for k in $(seq 1 "$RUNS"); do
	out=$SOAK/run-$k.out
	t0=$(date +%s)
	# A run that fails before the guest boots writes no console log: do
	# not keep the last run's in its place.
	rm -f "$BUILD/vm/console.log"
	tests/vm/run.sh "$@" >"$out" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	load=$(cut -d' ' -f1 /proc/loadavg)
	counts=$(sed -n 's/^vm: \([0-9]* passed, [0-9]* failed\)$/\1/p' "$out" |
		tail -n 1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "soak: run $k/$RUNS passed (${counts:-?}; ${secs} s, load $load)"
		rm -f "$out"
		continue
	fi
	failed=$((failed + 1))
	dir=$SOAK/run-$k
	mkdir -p "$dir"
	mv "$out" "$dir/output.log"
	cp "$BUILD/vm/console.log" "$dir/console.log" 2>/dev/null ||
		: >"$dir/console.log"
	failures "$dir/output.log" "$dir/console.log" >"$dir/failures"
	# A run that failed with no failure line (the build broke, say).
	if [ ! -s "$dir/failures" ]; then
		printf 'run.sh\texit %d, no failure line (see output.log)\n' \
			"$rc" >"$dir/failures"
	fi
	echo "soak: run $k/$RUNS FAILED (${counts:-no result}; ${secs} s," \
		"load $load); logs in $dir/"
	while IFS=$'\t' read -r t l; do
		echo "  $t: $l"
	done <"$dir/failures"
	echo "  kernel log:"
	excerpt "$dir/console.log" "$dir/failures"
	# Each test counts once per run, however many lines it failed with.
	while read -r t; do
		per_test[$t]=$((${per_test[$t]:-0} + 1))
	done < <(cut -f1 "$dir/failures" | sort -u)
done

echo
echo "soak: $RUNS runs in $(($(date +%s) - t_start)) s"
if [ "$failed" -gt 0 ]; then
	echo "soak: failures per test (runs in which each failed):"
	for t in "${!per_test[@]}"; do
		printf '  %3d  %s\n' "${per_test[$t]}" "$t"
	done | sort -k1,1nr -k2
fi
echo "soak: $RUNS runs, $passed passed, $failed failed"
[ "$failed" -eq 0 ]

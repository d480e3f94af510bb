#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make check` runs once everything is built:
#   1. the uAPI header alone: C99 -pedantic, C++, no implicit padding,
#      kernel-doc clean; libkvtier's header, map and symbols agree;
#      kvtierd carries its USDT probes (scripts/check-usdt.sh);
#   2. the host unit tests (Check), $(BUILD)/tests/unit/kvtier-unit;
#   3. scripts/core-ab.sh, the A/B benchmark of two builds of kmod/core;
#   4. the VM tests, tests/vm/run.sh, then t_backing again in a VM with
#      two NUMA nodes (KVTIER_VM_NUMA=2), where its NUMA cases run.
# Each part prints its result; the last line is "N passed, N failed" over
# all of them. Exit status 0 only when nothing failed and something passed.

set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
UNIT=$BUILD/tests/unit/kvtier-unit
HDR=uapi/kvtier_drm.h
DRM_INC=$(pkg-config --variable=includedir libdrm 2>/dev/null)/libdrm
[ -d "$DRM_INC" ] || DRM_INC=/usr/include/libdrm

total_pass=0
total_fail=0
summary=()

# record PART PASSED FAILED
record() {
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
	summary+=("$(printf '%-8s %d passed, %d failed' "$1:" "$2" "$3")")
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- 1. the uAPI header ---------------------------------------------------

echo "== uapi header ($HDR)"
hp=0
hf=0
# hcase NAME COMMAND...: one header check; its output is the failure reason.
hcase() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1) && [ -z "$out" ]; then
		echo "PASS header:$name"
		hp=$((hp + 1))
	else
		echo "FAIL header:$name"
		printf '%s\n' "$out" | sed 's/^/    /'
		hf=$((hf + 1))
	fi
}

# The header must stand alone: include nothing else first.
printf '#include "kvtier_drm.h"\nint main(void) { return 0; }\n' >"$tmp/h.c"
cp "$tmp/h.c" "$tmp/h.cc"
hcase c99-pedantic cc -std=c99 -pedantic -Werror -Wall -Wextra \
	-isystem "$DRM_INC" -Iuapi -c -o "$tmp/h.o" "$tmp/h.c"
if command -v g++ >/dev/null 2>&1; then
	hcase cxx-pedantic g++ -std=c++11 -pedantic -Werror -Wall -Wextra \
		-isystem "$DRM_INC" -Iuapi -c -o "$tmp/hxx.o" "$tmp/h.cc"
fi
# botching-up-ioctls: explicit padding everywhere, so the layout is the
# same on every ABI. -Wpadded reports any hole or tail padding the
# compiler had to add (libdrm's own drm.h is a system header, so exempt).
hcase no-implicit-padding cc -std=c99 -Werror -Wpadded \
	-isystem "$DRM_INC" -Iuapi -c -o "$tmp/h.o" "$tmp/h.c"

# The headers of the kernel the VM boots ship it (through linux-kbuild).
kdoc=$(scripts/kernel-release.sh --kdir 2>/dev/null)/scripts/kernel-doc
[ -f "$kdoc" ] || kdoc=$(find /usr/src/linux-headers-*-common/scripts \
	-maxdepth 1 -name kernel-doc 2>/dev/null | sort -V | tail -n 1)
if [ -n "$kdoc" ]; then
	hcase kernel-doc perl "$kdoc" -none "$HDR"
else
	echo "FAIL header:kernel-doc: no kernel-doc script (run make deps)"
	hf=$((hf + 1))
fi
# libkvtier's header, linker map and exported symbols name the same functions.
hcase libkvtier-symbols scripts/check-libsyms.sh "$BUILD"
echo "header: $hp passed, $hf failed"
record header "$hp" "$hf"

# ---- 1b. kvtierd's USDT probes --------------------------------------------

echo
echo "== kvtierd probes (scripts/check-usdt.sh)"
scripts/check-usdt.sh "$BUILD/kvtierd" "$BUILD/static/kvtierd" \
	2>&1 | tee "$tmp/usdt.log"
read -r sp sf < <(sed -n 's/^usdt: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
	"$tmp/usdt.log")
record usdt "${sp:-0}" "${sf:-1}"

# ---- 1c. the man pages ------------------------------------------------------

echo
echo "== man pages (scripts/check-man.sh)"
scripts/check-man.sh 2>&1 | tee "$tmp/man.log"
read -r mp mf < <(sed -n 's/^man: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
	"$tmp/man.log")
record man "${mp:-0}" "${mf:-1}"

# ---- 2. host unit tests ---------------------------------------------------

echo
echo "== unit tests ($UNIT)"
if [ ! -x "$UNIT" ]; then
	echo "FAIL unit: $UNIT was not built"
	record unit 0 1
else
	# CK_FORK=yes: a crashing test fails alone instead of ending the run.
	CK_FORK=yes timeout 900 "$UNIT" 2>&1 | tee "$tmp/unit.log"
	urc=${PIPESTATUS[0]}
	# Check's summary: "100%: Checks: 42, Failures: 0, Errors: 0"
	read -r checks failures errors < <(sed -n \
		's/.*[0-9]*%: Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' \
		"$tmp/unit.log" | awk '{ c += $1; f += $2; e += $3 } END { print c + 0, f + 0, e + 0 }')
	up=$((checks - failures - errors))
	uf=$((failures + errors))
	if [ "$urc" -ne 0 ] && [ "$uf" -eq 0 ]; then
		echo "FAIL unit: exit $urc with no failed check"
		uf=1
	fi
	if [ "$checks" -eq 0 ] && [ "$uf" -eq 0 ]; then
		echo "FAIL unit: no Check summary line"
		uf=1
	fi
	echo "unit: $up passed, $uf failed"
	record unit "$up" "$uf"
fi

# ---- 3. core-ab -----------------------------------------------------------

# Small and short: what is checked is that each side runs its own build.
# Side B is HEAD built with -DKVT_FAULT_LOOKUP_MISS, the core's one
# fault-injection switch (kvt_internal.h), under which every lookup misses;
# side A is HEAD as it is. A switch rather than a patch to a line of
# kvt_lookup.c: a patch stops applying when that file is reworked, while the
# switch is part of the core's contract, compiled out of every other build.
echo
echo "== core-ab (scripts/core-ab.sh)"
ap=0
af=0
# acase NAME WANT_RC PATTERNS ARGS...: core-ab.sh ARGS must exit WANT_RC (0,
# or 1 for any failure) and print a line matching each of PATTERNS (one per
# line).
acase() {
	local name=$1 want=$2 pats=$3 out rc pat miss=
	shift 3
	out=$(scripts/core-ab.sh -n 20000 -t 2 -s 0.01 "$@" 2>&1)
	rc=$?
	[ "$rc" -ne 0 ] && rc=1
	while IFS= read -r pat; do
		printf '%s\n' "$out" | grep -q -- "$pat" || miss+=" /$pat/"
	done <<<"$pats"
	if [ "$rc" -eq "$want" ] && [ -z "$miss" ]; then
		echo "PASS core-ab:$name"
		ap=$((ap + 1))
	else
		echo "FAIL core-ab:$name (exit $rc, want $want; no line${miss:- missing})"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/    /'
		af=$((af + 1))
	fi
}
fault=-DKVT_FAULT_LOOKUP_MISS
acase same_build_both_sides 0 '^B/A: .* objects' HEAD
acase fault_side_runs_its_build 1 'a present key missed' -B "$fault" HEAD
acase misses_counted_per_side 0 "^HEAD: .*(hits 100.0%, 100.0%)
^HEAD $fault: .*(hits 0.0%, 0.0%)" -m -B "$fault" HEAD
echo "core-ab: $ap passed, $af failed"
record core-ab "$ap" "$af"

# ---- 4. VM tests ----------------------------------------------------------

echo
echo "== VM tests (tests/vm/run.sh)"
tests/vm/run.sh 2>&1 | tee "$tmp/vm.log"
vrc=${PIPESTATUS[0]}
read -r vp vf < <(sed -n 's/^vm: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
	"$tmp/vm.log" | tail -n 1)
vp=${vp:-0}
vf=${vf:-0}
if [ "$vrc" -ne 0 ] && [ "$vf" -eq 0 ]; then
	vf=1
fi
record vm "$vp" "$vf"

# A second boot, with two NUMA nodes, for the cases that need a node to
# bind pools to (the whole suite does not run there: see run.sh).
echo
echo "== VM tests on two NUMA nodes (KVTIER_VM_NUMA=2 tests/vm/run.sh t_backing)"
KVTIER_VM_NUMA=2 tests/vm/run.sh t_backing 2>&1 | tee "$tmp/vm-numa.log"
vrc=${PIPESTATUS[0]}
read -r vp vf < <(sed -n 's/^vm: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
	"$tmp/vm-numa.log" | tail -n 1)
vp=${vp:-0}
vf=${vf:-0}
if [ "$vrc" -ne 0 ] && [ "$vf" -eq 0 ]; then
	vf=1
fi
record vm-numa "$vp" "$vf"

# ---- total ----------------------------------------------------------------

echo
echo "== total"
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ "$total_pass" -gt 0 ]

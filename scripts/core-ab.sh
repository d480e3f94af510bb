#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Compares the lookup cost of kmod/core at two revisions, each optionally
# patched, in one process (tools/bench/core_ab.c says why):
#
#   scripts/core-ab.sh [-a PATCH] [-b PATCH] [-A CPPFLAGS] [-B CPPFLAGS] [-m]
#                      [-n OBJECTS] [-t TURNS] [-s SECONDS] REV_A [REV_B]
#
# REV_B defaults to REV_A, so that `scripts/core-ab.sh -b x.patch HEAD`
# measures what x.patch does. Each side's libkvtcore.a is built from a
# `git archive` of its revision with the tree's own rules, its symbols
# renamed a_* or b_*, and both are linked with core_ab.c and bench_table.c
# of the working tree. -A and -B give a side's build CPPFLAGS (make
# CPPFLAGS=..., which the rules pass to every compile from scripts/build.mk
# on; an older revision ignores them): `-B -DKVT_FOO HEAD` measures a
# compile-time switch. Prints each side's cost per key at 1000 and OBJECTS
# (default 10^7) objects and their ratio, then B over A. -m lets present
# keys miss (for patches that cut the probe short) and prints the share of
# hits.

set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
	sed -n '7,8p' "$0" | sed 's/^#  //' >&2
	exit 2
}

patch_a=''
patch_b=''
flags_a=''
flags_b=''
run_args=()
while getopts "a:b:A:B:mn:t:s:" opt; do
	case $opt in
	a) patch_a=$(realpath "$OPTARG") ;;
	b) patch_b=$(realpath "$OPTARG") ;;
	A) flags_a=$OPTARG ;;
	B) flags_b=$OPTARG ;;
	m) run_args+=(-m) ;;
	n | t | s) run_args+=("-$opt" "$OPTARG") ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
rev_a=$1
rev_b=${2:-$1}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# side NAME REV PATCH CPPFLAGS: $tmp/NAME/libkvtcore.a with symbols renamed
# NAME_*. CPPFLAGS replaces any of the environment's, on both sides alike.
side() {
	local name=$1 rev=$2 patch=$3 flags=$4 dir=$tmp/$1
	mkdir -p "$dir/src"
	git archive "$rev" | tar -x -C "$dir/src"
	if [ -n "$patch" ]; then
		patch -s -d "$dir/src" -p1 <"$patch"
	fi
	make -s -C "$dir/src" CPPFLAGS="$flags" build/libkvtcore.a >&2
	nm --defined-only -g "$dir/src/build/libkvtcore.a" |
		awk -v p="${name}_" 'NF == 3 { print $3, p $3 }' |
		sort -u >"$dir/map"
	objcopy --redefine-syms="$dir/map" "$dir/src/build/libkvtcore.a" \
		"$dir/libkvtcore.a"
}

side a "$rev_a" "$patch_a" "$flags_a" &
pid_a=$!
side b "$rev_b" "$patch_b" "$flags_b"
wait "$pid_a"

drm=$(pkg-config --cflags libdrm 2>/dev/null | sed 's/-I/-isystem /g')
# shellcheck disable=SC2086
cc -O2 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Iuapi -Ikmod/core \
	-Itools/bench $drm -pthread -o "$tmp/core-ab" tools/bench/core_ab.c \
	tools/bench/bench_table.c "$tmp/a/libkvtcore.a" "$tmp/b/libkvtcore.a" -lm

name_a=$rev_a${patch_a:+ + $(basename "$patch_a")}${flags_a:+ $flags_a}
name_b=$rev_b${patch_b:+ + $(basename "$patch_b")}${flags_b:+ $flags_b}
"$tmp/core-ab" -A "$name_a" -B "$name_b" "${run_args[@]}"

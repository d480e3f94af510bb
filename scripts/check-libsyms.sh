#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# libkvtier's ABI in three places that must agree, checked by `make check`
# (scripts/check.sh, with the header checks):
#   - the functions the public header tools/lib/kvtier/kvtier.h declares,
#   - the symbols tools/lib/kvtier/kvtier.map lists one by one (no
#     wildcards: a function is exported because it is listed),
#   - what $BUILD/libkvtier.so.0 exports (nm -D --defined-only).
# A function declared but not listed is missing from the library; one listed
# but not declared is exported with no contract; one exported but not
# listed means the map no longer decides.
#
#   scripts/check-libsyms.sh [BUILD]
#
# Prints one line per disagreement and exits 1; prints nothing and exits 0
# when all three agree.

set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${1:-${BUILD:-build}}
DIR=tools/lib/kvtier
HDR=$DIR/kvtier.h
MAP=$DIR/kvtier.map
SO=$BUILD/libkvtier.so.0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0

# The header's functions, as the compiler sees them (gcc's -aux-info writes
# one prototype per line, whatever the layout of the source), so that a
# declaration over several lines or a comment cannot fool a grep.
drm=$(pkg-config --cflags libdrm 2>/dev/null | sed 's/-I/-isystem /g')
printf '#include "kvtier.h"\n' >"$tmp/h.c"
# shellcheck disable=SC2086
if ! ${CC:-cc} -std=gnu11 -D_GNU_SOURCE -Iuapi -I$DIR $drm \
	-aux-info "$tmp/aux" -fsyntax-only "$tmp/h.c"; then
	echo "$HDR: does not compile"
	exit 1
fi
grep -F "/* $HDR:" "$tmp/aux" |
	sed -n 's/.*[ *]\(kvtier_[A-Za-z0-9_]*\) (.*/\1/p' | sort -u >"$tmp/header"
if [ ! -s "$tmp/header" ]; then
	echo "$HDR: no kvtier_* function found (has gcc's -aux-info changed?)"
	exit 1
fi

# The map's global symbols; anything else in a global: section (a wildcard)
# is an error of its own.
awk -v map="$MAP" '
	{ sub(/\/\*.*\*\//, "") }
	/^[ \t]*global:/ { global = 1; next }
	/^[ \t]*local:/ { global = 0; next }
	# The end of a version node, which may name the node it inherits.
	/^[ \t]*}[ \t]*([A-Za-z_][A-Za-z0-9_.]*)?[ \t]*;[ \t]*$/ { global = 0; next }
	!global || /^[ \t]*$/ { next }
	/^[ \t]*[A-Za-z_][A-Za-z0-9_]*;[ \t]*$/ { gsub(/[ \t;]/, ""); print; next }
	{ printf "%s:%d: not one symbol name: %s\n", map, NR, $0 > "/dev/stderr" }
' "$MAP" 2>"$tmp/map.err" | sort -u >"$tmp/map"
if [ -s "$tmp/map.err" ]; then
	cat "$tmp/map.err"
	bad=1
fi

# what only FILE_A has: prints "NAME: WHERE"
only() {
	comm -23 "$1" "$2" | sed "s|$| $3|"
}

out=$(only "$tmp/header" "$tmp/map" "is declared in $HDR, not listed in $MAP"
	only "$tmp/map" "$tmp/header" "is listed in $MAP, not declared in $HDR")

if [ ! -f "$SO" ]; then
	out+=${out:+$'\n'}"$SO: not built"
else
	# Version nodes are absolute (A) symbols; the rest are name@@NODE.
	nm -D --defined-only "$SO" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
		sort -u >"$tmp/so"
	out+=${out:+$'\n'}$(only "$tmp/so" "$tmp/map" "is exported by $SO, not listed in $MAP"
		only "$tmp/map" "$tmp/so" "is listed in $MAP, not exported by $SO")
fi
out=$(printf '%s\n' "$out" | sed '/^$/d')
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	bad=1
fi
exit "$bad"

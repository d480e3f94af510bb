#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kvtierd's USDT probes (daemon/kvtd_usdt.h) as the built binaries carry
# them, checked by `make check` (scripts/check.sh): each probe of provider
# kvtierd is there, and every site of it has the argument count and sizes
# the eBPF programs read (readelf's "8" u64 or pointer, "4" u32, "-4" s32).
# A probe whose site the compiler dropped, an argument added or cast to
# another width, fails here before a tracer reads garbage.
#
#   scripts/check-usdt.sh [BINARY...]   (default: build/kvtierd and
#                                        build/static/kvtierd)
#
# Prints "PASS usdt:BINARY:PROBE" or "FAIL usdt:BINARY:PROBE (why)" per
# probe, then "usdt: N passed, N failed"; exits 1 when any failed.

set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
# name:argument sizes, in order (the contract the eBPF side is built on).
PROBES=(
	"work_received:8 8 8 8 4 4 8"
	"work_completed:8 8 8 8 -4 8"
	"transfer_start:8 4 8 8 8 8"
	"transfer_end:8 4 8 8 8 8 -4"
	"evict:8 8 8 4 4 -4 8"
	"admit:8 8 8 4 -4 8"
)

if [ $# -eq 0 ]; then
	set -- "$BUILD/kvtierd" "$BUILD/static/kvtierd"
fi

pass=0
fail=0
for bin in "$@"; do
	# One line per probe site: "NAME|SIZE SIZE ...", provider kvtierd only.
	if ! notes=$(readelf -n --wide "$bin" 2>&1); then
		echo "FAIL usdt:$bin (readelf: ${notes##*$'\n'})"
		fail=$((fail + 1))
		continue
	fi
	sites=$(printf '%s\n' "$notes" | awk '
		/Provider:/ {
			# After the note header on the same line with --wide.
			prov = $0
			sub(/.*Provider:[ \t]*/, "", prov)
			sub(/[ \t].*/, "", prov)
			name = ""
		}
		/^[ \t]*Name:/ { name = $2 }
		/^[ \t]*Arguments:/ && prov == "kvtierd" {
			s = ""
			for (i = 2; i <= NF; i++) {
				split($i, a, "@")
				s = s (i > 2 ? " " : "") a[1]
			}
			print name "|" s
		}
		/^[ \t]*Arguments:$/ && prov == "kvtierd" { print name "|" }')
	for p in "${PROBES[@]}"; do
		name=${p%%:*}
		want=${p#*:}
		got=$(printf '%s\n' "$sites" | sed -n "s/^$name|//p")
		if [ -z "$got" ]; then
			echo "FAIL usdt:$bin:$name (no such probe)"
			fail=$((fail + 1))
			continue
		fi
		bad=$(printf '%s\n' "$got" | grep -vxF -- "$want" | head -n 1)
		if [ -n "$bad" ]; then
			echo "FAIL usdt:$bin:$name (a site has arguments \"$bad\", want \"$want\")"
			fail=$((fail + 1))
			continue
		fi
		echo "PASS usdt:$bin:$name ($(printf '%s\n' "$got" | wc -l) sites)"
		pass=$((pass + 1))
	done
	# A probe the list above does not know is one the eBPF side cannot.
	extra=$(printf '%s\n' "$sites" | cut -d'|' -f1 | sort -u | while read -r n; do
		printf '%s\n' "${PROBES[@]}" | grep -q "^$n:" || echo "$n"
	done)
	if [ -n "$extra" ]; then
		echo "FAIL usdt:$bin (probes not in the contract: $(printf '%s\n' "$extra" | paste -sd' '))"
		fail=$((fail + 1))
	fi
done
echo "usdt: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

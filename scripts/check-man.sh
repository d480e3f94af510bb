#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The man pages in man/ render cleanly and are complete, checked against
# the code rather than against a list kept by hand (`make check`, through
# scripts/check.sh):
#   - every page renders without a warning (groff -man -ww -z);
#   - every kvtierctl command (tools/kvtierctl.c's table, and status) and
#     every long option of its getopt tables has a tagged paragraph (.TP)
#     in kvtierctl.8;
#   - every configuration key (daemon/config.c, strcmp(key, ...)) and every
#     pool attribute (strcmp(w, ...)) has one in kvtierd.conf.5;
#   - every kvtierd option (daemon/args.c, and every key as --KEY), every
#     word of the stats line (daemon/loop.c) and every USDT probe
#     (daemon/kvtd_usdt.h) has one in kvtierd.8;
#   - every long option of kvtier-replay and kvtier-bench has one in its
#     page, and every JSON field kvtier-replay writes is named in its page;
#   - every function of tools/lib/kvtier/kvtier.map has, in exactly one
#     libkvtier-*.3 page, a prototype in SYNOPSIS, a subsection (.SS) and
#     its version node under VERSIONS; and no page names as a function
#     (name followed by "(") a kvtier_* that the map does not export.
# A tagged paragraph is found by its tag (the line after .TP or .TQ, with
# fonts, quotes and escapes taken out) in the section named for it, so a
# passing mention elsewhere does not count.
#
#   scripts/check-man.sh
#
# Prints PASS man:CASE or FAIL man:CASE (with what is missing) per case,
# then "man: N passed, N failed"; exits 1 when a case failed.

set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

MAN="man"
MAP=tools/lib/kvtier/kvtier.map
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mp=0
mf=0

# mcase NAME COMMAND...: one case; its output is the failure reason.
mcase() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		echo "PASS man:$name"
		mp=$((mp + 1))
	else
		echo "FAIL man:$name"
		printf '%s\n' "${out:-exit status $rc}" | sed 's/^/    /'
		mf=$((mf + 1))
	fi
}

# tags PAGE: "SECTION<TAB>TAG" for every .TP/.TQ tag of PAGE, the tag as
# it reads: macro name, quotes and font escapes gone, \- as -, arguments of
# the alternating-font macros (.BI, .BR...) joined as roff joins them.
tags() {
	perl -ne '
		sub words {
			my ($s) = @_; my @w;
			while ($s =~ /\G\s*(?:"((?:[^"]|"")*)"|(\S+))/gc) {
				push @w, defined $1 ? $1 : $2;
			}
			return @w;
		}
		chomp;
		if (/^\.SH\s+"?([^"]*)"?/) { $sec = $1; next; }
		if (/^\.T[PQ]\b/) { $want = 1; next; }
		next unless $want;
		next if /^\.\\"/;
		$want = 0;
		my $t = $_;
		if ($t =~ /^\.(BI|BR|IB|IR|RB|RI)\s+(.*)/) {
			$t = join("", words($2));
		} elsif ($t =~ /^\.[BI]\s+(.*)/) {
			$t = join(" ", words($1));
		}
		$t =~ s/\\f[BIRP]//g; $t =~ s/\\c//g; $t =~ s/\\-/-/g;
		$t =~ s/\\\(aq/\x27/g; $t =~ s/\\e/\\/g;
		$t =~ s/\s+/ /g; $t =~ s/^ //;
		print "$sec\t$t\n";
	' "$1"
}

# need_tags PAGE SECTION_RE MODE WHAT: each line of stdin needs a tag in a
# section matching SECTION_RE of PAGE. MODE says how the tag starts:
# "word" (the name, or one of a list "A, B", then the end, a space or one
# of =[,(|), "key" (the
# name and " ="), "attr" (the name alone, or the name and "=").
need_tags() {
	local page=$1 sec=$2 mode=$3 what=$4 name t ok list n=0
	list=$(tags "$page" | awk -F '\t' -v re="^($sec)\$" '$1 ~ re { print $2 }')
	while IFS= read -r name; do
		[ -n "$name" ] || continue
		n=$((n + 1))
		ok=
		while IFS= read -r t; do
			case $mode in
			# -h, --help: any name of a list the tag starts with.
			word) case ", $t" in *", $name" | *", $name"[\ =\[,\(\|]*) ok=1 ;; esac ;;
			key) case $t in "$name ="*) ok=1 ;; esac ;;
			attr) case $t in "$name" | "$name="*) ok=1 ;; esac ;;
			esac
			[ -n "$ok" ] && break
		done <<<"$list"
		[ -n "$ok" ] || echo "$page: $what '$name' has no paragraph in $sec"
	done
	# Nothing found in the source is the extraction's failure, not a pass.
	[ "$n" -gt 0 ] || echo "no $what found in the source: has it moved?"
}

# longopts FILE: the names of FILE's getopt_long tables.
longopts() {
	sed -n 's/.*{ *"\([a-z][a-z0-9-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' "$1" |
		sort -u
}

# ---- rendering -------------------------------------------------------------

render() {
	groff -man -ww -z "$1" 2>&1
}

if ! command -v groff >/dev/null 2>&1; then
	echo "FAIL man:render: no groff (run make deps: groff-base)"
	mf=$((mf + 1))
else
	for p in "$MAN"/*.[1-8]; do
		mcase "render:${p#"$MAN"/}" render "$p"
	done
fi

# ---- kvtierctl ---------------------------------------------------------------

ctl_commands() {
	{
		# The one command outside the table.
		grep -q 'strcmp(group, "status")' tools/kvtierctl.c && echo status
		sed -n 's/^[[:space:]]*{ *"\([a-z]*\)", *"\([a-z]*\)", *cmd_[a-z_]* *},.*/\1 \2/p' \
			tools/kvtierctl.c
	} | need_tags "$MAN/kvtierctl.8" COMMANDS word command
}
mcase kvtierctl-commands ctl_commands
ctl_options() {
	longopts tools/kvtierctl.c | sed 's/^/--/' |
		need_tags "$MAN/kvtierctl.8" 'COMMANDS|OPTIONS' word option
}
mcase kvtierctl-options ctl_options

# ---- kvtierd.conf ------------------------------------------------------------

conf_keys() {
	sed -n 's/.*strcmp(key, "\([a-z0-9-]*\)").*/\1/p' daemon/config.c | sort -u
}
conf_keys_documented() {
	conf_keys | need_tags "$MAN/kvtierd.conf.5" KEYS key key
}
mcase config-keys conf_keys_documented
pool_attrs_documented() {
	sed -n 's/.*strcmp(w, "\([a-z0-9-]*\)").*/\1/p' daemon/config.c | sort -u |
		need_tags "$MAN/kvtierd.conf.5" KEYS attr "pool attribute"
}
mcase pool-attributes pool_attrs_documented

# ---- kvtierd -------------------------------------------------------------------

kvtierd_options() {
	{
		sed -n 's/.*strcmp(s, "\(-[a-zA-Z0-9-]*\)").*/\1/p' daemon/args.c |
			tr ' ' '\n'
		sed -n 's/.*strcmp(key, "\([a-z0-9-]*\)").*/--\1/p' daemon/args.c
		conf_keys | sed 's/^/--/'
	} | sort -u | need_tags "$MAN/kvtierd.8" OPTIONS word option
}
mcase kvtierd-options kvtierd_options
kvtierd_stats() {
	grep -o 'stats why=%s[^"]*' daemon/loop.c | grep -o '[a-z_]*=%' |
		sed 's/=%$//' | need_tags "$MAN/kvtierd.8" STATISTICS word "stats word"
}
mcase kvtierd-stats kvtierd_stats
kvtierd_probes() {
	# "name" is the generic macros' parameter, not a probe.
	sed -n 's/.*KVTD_USDT[0-9](\([a-z_]*\),.*/\1/p' daemon/kvtd_usdt.h |
		grep -vx name | sort -u |
		need_tags "$MAN/kvtierd.8" 'USDT PROBES' word probe
}
mcase kvtierd-probes kvtierd_probes

# ---- kvtier-replay, kvtier-bench ---------------------------------------------

replay_options() {
	longopts tools/kvtier-replay.c | sed 's/^/--/' |
		need_tags "$MAN/kvtier-replay.1" OPTIONS word option
}
mcase kvtier-replay-options replay_options
# Every field name both JSON reports write, each named in bold in the
# page. The live report names its hits, rates and bytes by the counters'
# table (live_stats.c), its other fields literally.
replay_json() {
	local page=$MAN/kvtier-replay.1 f
	{
		grep -ho 'kvtool_json_[a-z0-9_]*(&*j, "[a-z0-9_]*"' \
			tools/kvtier-replay.c tools/replay/live_report.c |
			sed 's/.*"\(.*\)"/\1/'
		sed -nE 's/.*\[KVTR_C_(DEVICE|HOST|DISK|MISS|BYTES_[A-Z_]*)\] = "([a-z0-9_]*)".*/\2/p' \
			tools/replay/live_stats.c
		# The latency percentiles are named by a format, "p%u".
		sed -n 's/.*kvtr_live_pcts\[\] = { \(.*\) };/\1/p' \
			tools/replay/live_report.c | tr -d ' ' | tr ',' '\n' | sed 's/^/p/'
	} | sort -u >"$tmp/fields"
	[ -s "$tmp/fields" ] || echo "no JSON field found in the source: has it moved?"
	while IFS= read -r f; do
		grep -Eq "^\.B[RI]? \"?$f\"?( |\$)|^\.[BRI]{2} .*\b$f\b" "$page" ||
			echo "$page: JSON field '$f' is not named"
	done <"$tmp/fields"
}
mcase kvtier-replay-json replay_json
bench_options() {
	longopts tools/kvtier-bench.c | sed 's/^/--/' |
		need_tags "$MAN/kvtier-bench.1" OPTIONS word option
}
mcase kvtier-bench-options bench_options

# ---- kvtier-trace ------------------------------------------------------------

trace_options() {
	longopts ebpf/kvtier-trace.c | sed 's/^/--/' |
		need_tags "$MAN/kvtier-trace.8" OPTIONS word option
}
mcase kvtier-trace-options trace_options
# Every tool the command runs: the .name of each struct kvt_tool.
trace_tools() {
	sed -n 's/^[[:space:]]*\.name = "\([a-z]*\)",.*/\1/p' ebpf/*.c | sort -u |
		need_tags "$MAN/kvtier-trace.8" TOOLS word tool
}
mcase kvtier-trace-tools trace_tools

# ---- libkvtier -----------------------------------------------------------------

# The map's functions, "NAME NODE", from every version node's global: part.
map_functions() {
	awk '
		{ sub(/\/\*.*\*\//, "") }
		/^[ \t]*KVTIER_[0-9.]+[ \t]*\{/ { node = $1; sub(/\{.*/, "", node); next }
		/^[ \t]*global:/ { g = 1; next }
		/^[ \t]*local:/ || /^[ \t]*}/ { g = 0; next }
		g && /^[ \t]*kvtier_[a-z0-9_]+;/ { gsub(/[ \t;]/, ""); print $0, node }
	' "$MAP" | sort -u
}

# What the group pages document: "KIND NAME PAGE [NODE]", KIND one of
# proto (a SYNOPSIS prototype), ss (a .SS), node (under VERSIONS).
lib_documented() {
	local p
	for p in "$MAN"/libkvtier-*.3; do
		perl -ne '
			BEGIN { $p = shift @ARGV }
			if (/^\.SH\s+"?([^"\n]*)"?/) { $sec = $1; next; }
			if ($sec eq "SYNOPSIS" && /^\.BI?\s+"[^"]*\bkvtier_(\w+)\(/) {
				print "proto kvtier_$1 $p\n";
			}
			print "ss kvtier_$1 $p\n" if /^\.SS\s+"?kvtier_(\w+)\(\)/;
			if ($sec eq "VERSIONS") {
				$node = $1 if /^\.B\s+(KVTIER_[\d.]+)\s*$/;
				print "node kvtier_$1 $p $node\n"
					if /^\.BR\s+kvtier_(\w+)\s+\(\)/ && $node;
			}
		' "$p" "$p"
	done
}

lib_exports() {
	local doc name node n what
	doc=$(lib_documented)
	[ -n "$(map_functions)" ] || echo "$MAP: no function found"
	while read -r name node; do
		for kind in proto ss; do
			n=$(awk -v k="$kind" -v f="$name" '$1 == k && $2 == f' <<<"$doc" | wc -l)
			what="SYNOPSIS prototypes"
			[ "$kind" = ss ] && what=".SS subsections"
			[ "$n" -eq 1 ] || echo "$name ($node): $n $what in $MAN/libkvtier-*.3, want 1"
		done
		n=$(awk -v f="$name" '$1 == "node" && $2 == f { print $4 }' <<<"$doc")
		[ "$n" = "$node" ] || echo "$name: VERSIONS says '${n//$'\n'/ }', $MAP says $node"
	done < <(map_functions)
	# A function's prototype and its subsection are in the same page.
	awk '$1 == "proto" { p[$2] = $3 } $1 == "ss" && ($2 in p) && p[$2] != $3 {
		print $2 ": prototype in " p[$2] ", subsection in " $3 }' <<<"$doc"
}
mcase libkvtier-exports lib_exports

# Every kvtier_NAME( in any page is an exported function.
lib_no_others() {
	local names
	names=$(map_functions | awk '{ print $1 }')
	grep -HnoP '(?<![A-Za-z0-9_])kvtier_[a-z0-9_]+(?=(\\f[BIRP])?"? ?\()' "$MAN"/*.[1-8] |
		while IFS=: read -r file line name; do
			grep -qx "$name" <<<"$names" ||
				echo "$file:$line: $name is not exported by $MAP"
		done
}
mcase libkvtier-no-others lib_no_others

echo "man: $mp passed, $mf failed"
[ "$mf" -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: the whole stack at work, in a virtual machine (this machine
# cannot load modules into its own kernel). On the host this boots the VM
# through tests/vm/run.sh --demo; inside the guest, /init runs this same
# file with --guest, which says what each step does and shows:
#
#   kvtier.ko loaded; kvtierd started on it, with its disk tier on the VM's
#   virtual disk (/dev/vda) and a pool of 64 KiB blocks; a serving trace
#   (tests/data/, 400 requests) replayed through both by kvtier-replay,
#   every block loaded checked byte for byte; the daemon's counters and its
#   clean stop; the same slice replayed with the default eviction policy
#   and with LRU, prefix hits side by side with the simulator's; and
#   last, the replay's report.
#
# The exit status says whether every step worked and the report shows
# host hits, disk hits and no integrity failure.

if [ "${1:-}" != --guest ]; then
	cd "$(dirname "$0")/../.." || exit 1
	echo "kvtier demo: building kvtier.ko, kvtierd and the tools, then booting"
	echo "Debian's kernel under QEMU with them. The demo takes two or three"
	echo "minutes:"
	echo "QEMU emulates the CPU here (no KVM)."
	echo
	# Room for the trace's blocks that leave the pool (64 KiB + a 4 KiB
	# header each); the file is sparse, so only what is written counts.
	KVTIER_VM_DISK_SIZE=${KVTIER_VM_DISK_SIZE:-1G}
	export KVTIER_VM_DISK_SIZE
	exec tests/vm/run.sh --demo
fi

# ---- inside the guest -----------------------------------------------------

TRACE=/data/conversation-head400.jsonl
BLOCK=65536
SLOTS=2048
DISK=${KVTIER_DISK:-/dev/vda}
LOG=/tmp/kvtierd.log
REPORT=/tmp/replay-report.txt

step=0
failed=0
daemon=

say() {
	echo
	step=$((step + 1))
	echo "== $step. $*"
}

# Show a command, run it, and remember whether it failed.
run() {
	echo "\$ $*"
	"$@"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "(exit status $rc)"
		failed=$((failed + 1))
	fi
	return $rc
}

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "$1 is not built yet, so this step is skipped."
	failed=$((failed + 1))
	return 1
}

# The daemon's log without the syslog priority prefix (<6> and so on).
daemon_log() {
	sed 's/^<[0-9]>//' "$LOG"
}

# Wait until the daemon logs "running:", or it dies, or 120 s pass.
wait_running() {
	i=0
	while [ $i -lt 1200 ]; do
		grep -q 'running: tick' "$LOG" 2>/dev/null && return 0
		kill -0 "$daemon" 2>/dev/null || return 1
		usleep 100000
		i=$((i + 1))
	done
	return 1
}

# Stop the daemon cleanly and wait for it; 0 when it exited with status 0.
stop_daemon() {
	[ -n "$daemon" ] || return 1
	kill -TERM "$daemon" 2>/dev/null
	wait "$daemon"
	rc=$?
	daemon=
	return $rc
}

# The count of @1 ("host", "disk") in the report's total "found" line.
found() {
	awk -v w="$1" '
	/^total$/ { total = 1 }
	total && $1 == "found" {
		for (i = 2; i <= NF; i++)
			if ($i == w) { v = $(i + 1); sub(/,$/, "", v); print v; exit }
	}' "$REPORT"
}

# The comparison of policies: pool size, and one run of the slice.
CMP_SLOTS=491

# The policy a run's daemon said it evicts with (its "running:" line).
cmp_name() {
	name=$(cat "/tmp/cmp-$1.name" 2>/dev/null)
	if [ "$1" = default ]; then
		echo "default (${name:-?})"
	else
		echo "${name:-$1}"
	fi
}

# A fresh pool, kvtierd with policy @1 and no disk, the slice replayed;
# the total prefix-hit rate goes to /tmp/cmp-@1.rate.
compare_run() {
	need kvtierd && need kvtierctl && need kvtier-replay || return 1
	pool=$(kvtierctl --json pool create --slot-size "$BLOCK" \
		--slots "$CMP_SLOTS" --kind kv |
		sed -n 's/.*"pool_id":\([0-9]*\).*/\1/p')
	if [ -z "$pool" ]; then
		echo "could not create a pool for the $1 run"
		return 1
	fi
	{
		echo "watermark-high = 90"
		echo "watermark-low = 80"
		[ "$1" = default ] || echo "eviction-policy = $1"
		echo "tick-ms = 50"
	} >/etc/kvtier/kvtierd.conf
	kvtierd 2>"$LOG" &
	daemon=$!
	if ! wait_running; then
		echo "kvtierd did not start:"
		daemon_log | sed 's/^/    /'
		daemon=
		return 1
	fi
	daemon_log | sed -n 's/.*running: .*eviction \([a-z0-9-]*\),.*/\1/p' |
		head -n 1 >"/tmp/cmp-$1.name"
	echo
	echo "-- $(cmp_name "$1"): pool $pool"
	echo "\$ kvtier-replay --fast --block-size $BLOCK --pool $pool $TRACE"
	kvtier-replay --fast --block-size "$BLOCK" --pool "$pool" \
		"$TRACE" >"/tmp/cmp-$1.txt"
	rc=$?
	stop_daemon || rc=1
	# The total's line comes last: "prefix hits 12.3% of references ...".
	rate=$(sed -n 's/^ *prefix hits \([0-9.]*%\).*/\1/p' "/tmp/cmp-$1.txt" |
		tail -n 1)
	if [ $rc -ne 0 ] || [ -z "$rate" ] ||
		! grep -q '^integrity: .*, 0 failed$' "/tmp/cmp-$1.txt"; then
		echo "(the $1 run failed: exit status $rc)"
		return 1
	fi
	echo "$rate" >"/tmp/cmp-$1.rate"
	echo "    prefix hits $rate of the slice's block references"
	return 0
}

say "The kvtier driver is loaded."
echo "kvtier.ko is a DRM render-node driver: it keeps the object table,"
echo "the pinned host pools, the tenants and the queue of work for the"
echo "daemon. Clients find its node by driver name, not by a fixed path."
run cat /sys/module/kvtier/version
run ls -l /dev/dri

say "kvtierd, the daemon, starts and attaches as the manager."
echo "It moves the bytes between the tiers: the clients' device regions"
echo "(here ordinary shared memory, copied by the CPU: there is no GPU),"
echo "the driver's host pool, and a disk tier on the VM's virtual disk"
echo "$DISK, driven with io_uring and O_DIRECT. Its configuration:"
mkdir -p /etc/kvtier
cat >/etc/kvtier/kvtierd.conf <<EOF
# A pool of $SLOTS blocks of 64 KiB (128 MiB pinned): a fifth of the
# trace's distinct blocks, so most of them must leave the pool.
pool = kind=kv slot-size=64K slots=$SLOTS
# The disk tier, started empty.
disk-path = $DISK
disk-format = yes
# Eviction starts at 75% of the pool and goes down to 60%, least
# recently used first; an evicted block is written to disk first.
watermark-high = 75
watermark-low = 60
eviction-policy = lru
write-policy = back
tick-ms = 50
EOF
sed 's/^/    /' /etc/kvtier/kvtierd.conf
if need kvtierd; then
	echo "\$ kvtierd 2>$LOG &"
	kvtierd 2>"$LOG" &
	daemon=$!
	if wait_running; then
		daemon_log | sed 's/^/    /'
	else
		echo "kvtierd did not start:"
		daemon_log | sed 's/^/    /'
		failed=$((failed + 1))
		daemon=
	fi
fi

say "kvtierctl status: the daemon's pool, empty, and the manager attached."
need kvtierctl && run kvtierctl status

say "A client stores a prompt's KV blocks and finds them again."
echo "kvtier-demo-client does what an inference engine does: it stores"
echo "blocks under 128-bit keys (alloc, write through its mapping of the"
echo "pool, commit), then looks up a longer prompt and finds the longest"
echo "cached prefix, reads it back and checks every byte. --free cleans up."
need kvtier-demo-client && run kvtier-demo-client --free

say "kvtier-replay replays a real serving trace through the stack."
echo "$TRACE: the first 400 requests of the Mooncake"
echo "conversation trace (11,349 block references, 9,821 distinct blocks;"
echo "source and licence in tests/data/README.md). For each request the"
echo "replay looks up the prompt's blocks, asks the daemon to bring the"
echo "ones it finds into its device region (from the host pool, or from"
echo "disk), checks every byte, and stores the missing blocks. Blocks"
echo "are 64 KiB here, scaled down to fit the VM's 1 GiB of memory, and"
echo "requests run back to back, ignoring arrival times. This takes less than"
echo "a minute under QEMU's CPU emulation."
if need kvtier-replay; then
	echo "\$ kvtier-replay --fast --block-size $BLOCK $TRACE"
	t0=$(cut -d' ' -f1 /proc/uptime)
	kvtier-replay --fast --block-size "$BLOCK" "$TRACE" >"$REPORT"
	rc=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "(done in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s)"
	if [ $rc -ne 0 ]; then
		echo "(exit status $rc)"
		failed=$((failed + 1))
	fi
fi

say "What the daemon did, in its own counters."
echo "SIGUSR1 makes kvtierd log one line of counters: work items done,"
echo "bytes read from and written to disk, objects evicted, and so on."
if [ -n "$daemon" ]; then
	echo "\$ kill -USR1 $daemon"
	kill -USR1 "$daemon"
	i=0
	while [ $i -lt 50 ] && ! grep -q 'stats why=SIGUSR1' "$LOG"; do
		usleep 100000
		i=$((i + 1))
	done
	daemon_log | grep 'stats why=SIGUSR1' | tail -n 1 | tr ' ' '\n' |
		grep '=' | grep -v '^why=' |
		awk '{ row = row (NR % 3 ? sprintf("%-30s", $0) : $0) }
		     NR % 3 == 0 { print "    " row; row = "" }
		     END { sub(/ +$/, "", row); if (row != "") print "    " row }'
fi
need kvtierctl && run kvtierctl status

say "kvtierd stops cleanly on SIGTERM."
echo "It finishes the disk I/O in flight, syncs its disk index and"
echo "detaches. The host pool and what it holds stay in the driver: a new"
echo "daemon would re-attach and find the cache warm."
if [ -n "$daemon" ]; then
	echo "\$ kill -TERM $daemon"
	if stop_daemon; then
		daemon_log | tail -n 3 | grep -v 'stats why=' | sed 's/^/    /'
	else
		echo "kvtierd exited with status $rc"
		failed=$((failed + 1))
	fi
fi

say "The default eviction policy beside LRU, on the same slice."
echo "Which blocks stay in host memory is the eviction policy's choice. The"
echo "same 400 requests are replayed twice more, each time into a fresh"
echo "pool of $CMP_SLOTS blocks (5% of the slice's distinct blocks) with no"
echo "disk tier: once with kvtierd's default policy, once with LRU. The"
echo "figure is prefix hits: blocks inside each prompt's longest cached"
echo "prefix, what an engine skips computing; beside it, what"
echo "kvtier-replay --simulate predicts for a cache of that size (the same"
echo "planner code, without the daemon's batch eviction between watermarks)."
cmp_ok=0
for pol in default lru; do
	compare_run "$pol" || break
	cmp_ok=$((cmp_ok + 1))
done
if [ $cmp_ok -eq 2 ]; then
	echo
	printf '    %-24s %s\n' "policy" "prefix hits (live)"
	for pol in default lru; do
		printf '    %-24s %s\n' "$(cmp_name "$pol")" "$(cat "/tmp/cmp-$pol.rate")"
	done
	if need kvtier-replay; then
		echo "\$ kvtier-replay --simulate --capacity-blocks $CMP_SLOTS $TRACE"
		kvtier-replay --simulate --capacity-blocks "$CMP_SLOTS" "$TRACE" |
			sed 's/^/    /'
	fi
else
	failed=$((failed + 1))
fi

host=$(found host)
disk=$(found disk)
integ=$(grep '^integrity: ' "$REPORT" 2>/dev/null | tail -n 1)
ok=0
if [ "${host:-0}" -gt 0 ] && [ "${disk:-0}" -gt 0 ] &&
	echo "$integ" | grep -q ', 0 failed$' && [ $failed -eq 0 ]; then
	ok=1
fi

say "The replay's report."
echo "Hits by tier: \"host\" blocks were still in the pool, \"disk\" blocks"
echo "had been evicted and were read back from the virtual disk, \"miss\""
echo "blocks were new and stored. Then bytes moved per path, fetch latency"
echo "(slow: the CPU is emulated) and the integrity check of every block."
if [ $ok -eq 0 ]; then
	echo
	echo "THE DEMO DID NOT WORK: host hits ${host:-?}, disk hits ${disk:-?},"
	echo "${integ:-no integrity line}, $failed failed step(s)."
fi
echo
if [ -s "$REPORT" ]; then
	cat "$REPORT"
else
	echo "(no report)"
fi
[ $ok -eq 1 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM test harness: builds kvtier.ko against the kernel the VM boots,
# the static test programs and tools, an initramfs around them, boots
# Debian's kernel under QEMU (TCG: this machine cannot load modules into its
# own kernel and its KVM is unusable) and reads the results from the serial
# console.
#
#   tests/vm/run.sh                 every tests/vm/t_*.c
#   tests/vm/run.sh t_smoke t_pool  the named tests, in that order
#   tests/vm/run.sh --demo          the guest half of tests/vm/demo.sh
#   tests/vm/run.sh --bench         kvtier-bench --json --driver; JSON on stdout
#   tests/vm/run.sh --shell 'CMD'   run CMD in the guest, print its output
#
# The guest gets a virtual disk, /dev/vda: a sparse raw image created empty
# for each run ($BUILD/vm/disk.img), which kvtierd's disk tier uses as a
# block device with O_DIRECT. The guest also holds kvtierd, kvtier-replay
# (once they build) and the trace slices of tests/data/ under /data.
#
# Environment: BUILD (build), KVTIER_VM_TIMEOUT (whole VM, 600 s),
# KVTIER_VM_TEST_TIMEOUT (one test, 240 s; the demo gets the VM's time),
# KVTIER_VM_DISK_SIZE (the virtual disk, 512M), KVTIER_VM_NUMA (NUMA
# nodes, 1 or 2; 1), KVTIER_VM_APPEND (extra kernel arguments),
# KVTIER_VM_QEMU_ARGS (extra QEMU options), KVTIER_VM_VERBOSE=1 (echo the
# whole console).
#
# Exit status: 0 when every case passed and at least one passed, else 1.
# The last line is "vm: N passed, N failed", except after a demo that
# worked, whose own last line (the replay's report) ends the output.

set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
# Under `make -jN check` this script is not a recipe make knows to share
# its jobserver with: drop the dead jobserver fds, keep the rest (-j, vars).
if [ -n "${MAKEFLAGS:-}" ]; then
	MAKEFLAGS=$(printf '%s' "$MAKEFLAGS" | sed 's/--jobserver-[a-z]*=[^ ]*//g')
	export MAKEFLAGS
fi
VMDIR=$BUILD/vm
VM_TIMEOUT=${KVTIER_VM_TIMEOUT:-600}
TEST_TIMEOUT=${KVTIER_VM_TEST_TIMEOUT:-240}
STATIC_TOOLS="kvtierctl kvtier-bench kvtier-demo-client kvtierd kvtier-replay kvtier-fuzz
kvtier-trace"
DRM_MODULES="drm drm_shmem_helper vgem/vgem"
# The virtual disk's driver; run.sh adds what they depend on, in order.
DISK_MODULES="virtio_pci virtio_blk"
DISK_SIZE=${KVTIER_VM_DISK_SIZE:-512M}

mode=tests
shell_cmd=
tests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--demo) mode=demo ;;
	--bench) mode=bench ;;
	--shell)
		mode=shell
		shift
		shell_cmd=${1:?--shell needs a command}
		;;
	-h | --help)
		sed -n '4,31p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "run.sh: unknown option $1" >&2
		exit 2
		;;
	*)
		t=${1##*/}
		tests+=("${t%.c}")
		;;
	esac
	shift
done

# The demo is one program that is the whole run: it gets the VM's time.
if [ "$mode" = demo ]; then
	TEST_TIMEOUT=${KVTIER_VM_TEST_TIMEOUT:-$((VM_TIMEOUT - 30))}
fi

# Informational lines go to stderr in bench mode, so stdout is pure JSON.
say() {
	if [ "$mode" = bench ]; then echo "$*" >&2; else echo "$*"; fi
}

die() {
	say "vm: $*"
	say "vm: 0 passed, 1 failed"
	exit 1
}

mkdir -p "$VMDIR"
# One VM at a time per build tree: two TCG guests on two cores only slow
# each other down, and they would share the initramfs and the log.
exec 9>"$VMDIR/.lock"
if ! flock -n 9; then
	say "vm: another VM run holds $VMDIR/.lock; waiting"
	flock 9
fi

release=$(scripts/kernel-release.sh) || die "no kernel to boot (run make deps)"
kdir=/usr/src/linux-headers-$release
vmlinuz=/boot/vmlinuz-$release
moddir=/lib/modules/$release/kernel/drivers/gpu/drm
[ -r "$vmlinuz" ] || die "cannot read $vmlinuz"

# ---- build -----------------------------------------------------------------

# Silent (-s): what the harness needs is normally built already (make
# check and make demo build everything first), and its errors still show.
mk() {
	if [ "$mode" = bench ]; then
		$MAKE -s --no-print-directory "$@" >&2
	else
		$MAKE -s --no-print-directory "$@"
	fi
}

if [ -f Kbuild ]; then
	if ! mk module KDIR="$kdir"; then
		die "building kvtier.ko against $release failed"
	fi
	vermagic=$(modinfo -F vermagic kvtier.ko 2>/dev/null | cut -d' ' -f1)
	[ "$vermagic" = "$release" ] ||
		die "kvtier.ko is built for '$vermagic', the VM boots $release"
else
	say "vm: no Kbuild yet; booting without kvtier.ko"
	rm -f kvtier.ko
fi

# Build what builds: one broken test must not hide the others' results.
if [ "$mode" = tests ]; then
	mk -k vm-progs || say "vm: some test programs did not build"
fi
for t in $STATIC_TOOLS; do
	# Only tools whose rule exists yet (the tools land in parallel).
	if $MAKE -n "$BUILD/static/$t" >/dev/null 2>&1; then
		mk "$BUILD/static/$t" || say "vm: $BUILD/static/$t did not build"
	fi
done

if [ "$mode" = tests ] && [ ${#tests[@]} -eq 0 ]; then
	for src in tests/vm/t_*.c; do
		[ -e "$src" ] || continue
		t=${src##*/}
		tests+=("${t%.c}")
	done
fi

# ---- initramfs -------------------------------------------------------------

root=$VMDIR/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,etc,lib/modules,proc,root,run,sys,tests,tmp}
ln -s bin "$root/sbin"
mkdir -p "$root/usr"
ln -s ../bin "$root/usr/bin"
ln -s ../bin "$root/usr/sbin"

# busybox-static installs a static /bin/busybox: nothing else to copy.
bb=/bin/busybox
[ -x "$bb" ] || die "no $bb (run make deps)"
cp "$bb" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done

# Debian may ship modules compressed; busybox insmod wants them plain.
add_module() {
	local src=$1 dst=$2
	if [ -f "$src.ko" ]; then
		cp "$src.ko" "$dst"
	elif [ -f "$src.ko.xz" ]; then
		xz -dc "$src.ko.xz" >"$dst"
	elif [ -f "$src.ko.zst" ]; then
		zstd -qdc "$src.ko.zst" >"$dst"
	elif [ -f "$src.ko.gz" ]; then
		gzip -dc "$src.ko.gz" >"$dst"
	else
		return 1
	fi
}
for m in $DRM_MODULES; do
	add_module "$moddir/$m" "$root/lib/modules/${m##*/}.ko" ||
		die "$moddir/$m.ko not found"
done
[ -f kvtier.ko ] && cp kvtier.ko "$root/lib/modules/kvtier.ko"

# The virtio block driver and its dependencies, in load order (a module
# after everything it depends on), as modinfo says for this release: the
# set differs between kernel versions (6.1 splits virtio_pci in three).
mod_order=()
mod_visit() {
	local m=$1 d deps
	for d in "${mod_order[@]}"; do [ "$d" = "$m" ] && return 0; done
	deps=$(modinfo -k "$release" -F depends "$m" 2>/dev/null) || return 1
	for d in ${deps//,/ }; do mod_visit "$d" || return 1; done
	mod_order+=("$m")
}
for m in $DISK_MODULES; do
	mod_visit "$m" || die "no module $m for $release (modinfo)"
done
: >"$root/lib/modules/disk.order"
for m in "${mod_order[@]}"; do
	f=$(modinfo -k "$release" -n "$m") || die "no module $m for $release"
	add_module "${f%.ko*}" "$root/lib/modules/$m.ko" || die "$f: cannot copy"
	echo "$m" >>"$root/lib/modules/disk.order"
done

for t in "${tests[@]}"; do
	if [ -x "$VMDIR/$t" ]; then
		cp "$VMDIR/$t" "$root/tests/$t"
	fi
done
for t in $STATIC_TOOLS; do
	[ -x "$BUILD/static/$t" ] && cp "$BUILD/static/$t" "$root/bin/$t"
done

# bpftool, which the tracing tests read pinned maps with, is Debian's own
# dynamic binary: it comes with the shared libraries ldd names, each at
# its own path, and the dynamic loader.
add_dynamic() {
	local bin=$1 lib
	cp "$bin" "$root/bin/${bin##*/}" || return 1
	for lib in $(ldd "$bin" | awk '/=> \// { print $3 } /^[[:space:]]*\// { print $1 }'); do
		mkdir -p "$root${lib%/*}"
		cp -L "$lib" "$root$lib" || return 1
	done
}
bpftool=$(command -v bpftool || echo /usr/sbin/bpftool)
[ -x "$bpftool" ] || die "no bpftool (run make deps)"
add_dynamic "$bpftool" || die "cannot copy $bpftool and its libraries"
mkdir -p "$root/data"
for f in tests/data/*.jsonl; do
	[ -f "$f" ] && cp "$f" "$root/data/"
done
cp tests/vm/init.sh "$root/init"
cp tests/vm/demo.sh "$root/demo.sh" 2>/dev/null
chmod 755 "$root/init"

{
	echo "MODE=$mode"
	echo "TESTS='${tests[*]}'"
	echo "TEST_TIMEOUT=$TEST_TIMEOUT"
} >"$root/etc/vm.conf"
[ "$mode" = shell ] && printf '%s\n' "$shell_cmd" >"$root/etc/vm-shell.sh"

# Uncompressed: decompressing under TCG costs more than reading more bytes.
initrd=$VMDIR/initramfs.cpio
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) >"$initrd" || die "cpio failed"

# ---- boot ------------------------------------------------------------------

log=$VMDIR/console.log
# The guest's lockup detectors, set past what a stall of the host can fake.
# Under TCG the guest's clock (HPET: 100 MHz, 32 bits) runs on while the
# host does not run QEMU at all, and the guest takes a jump of up to 2^31
# ticks (21.47 s; a longer one reads as time going backwards, which the
# kernel drops) as time it spent itself: a CPU that was busy when QEMU
# stopped running then looks stuck for the jump plus the time since its
# watchdog last ran (up to 2/5 of the threshold). With the defaults (soft
# lockup after 20 s, RCU stall after 21 s) one host stall of 16 to 21.5 s
# (QEMU not scheduled, or the machine itself paused) fails the run with
# "BUG: soft lockup" or "rcu_preempt detected stalls", naming whatever test
# was running. So: soft lockups after 60 s (watchdog_thresh=30, sampled
# every 12 s: 12 + 21.47 < 60), RCU stalls after 60 s. A CPU that truly
# spins is still reported, well within the per-case (120 s) and per-test
# (KVTIER_VM_TEST_TIMEOUT) limits.
append="console=ttyS0 panic=-1 quiet watchdog_thresh=30"
append="$append rcupdate.rcu_cpu_stall_timeout=60 ${KVTIER_VM_APPEND:-}"

# A fresh, empty, sparse disk for every run: no test sees a store that an
# earlier run left. cache=none (O_DIRECT on the host too) where the host
# file system allows it, so the guest's flushes reach the image.
disk=$VMDIR/disk.img
rm -f "$disk"
truncate -s "$DISK_SIZE" "$disk" || die "cannot create $disk"
cache=none
if ! dd if=/dev/zero of="$disk" bs=4096 count=1 oflag=direct conv=notrunc \
	status=none 2>/dev/null; then
	cache=writeback
fi

# What to echo while the guest runs, by mode.
live_filter() {
	awk -v mode="$mode" -v verbose="${KVTIER_VM_VERBOSE:-0}" '
	function out(s) {
		if (mode == "bench") print s > "/dev/stderr"; else print s
		fflush()
	}
	verbose == 1 { out($0); next }
	/^vm-test-begin / { inside = 1; next }
	/^vm-test-end / {
		inside = 0
		if (mode == "tests") {
			sub(/^vm-test-end /, "")
			out("vm: " $0)
		}
		next
	}
	/^vm-(dmesg-begin|dmesg-end|done)$/ { next }
	mode == "bench" && /^\{/ { print; fflush(); next }
	mode == "tests" && /^(PASS|FAIL|SKIP) / { out($0); next }
	(mode == "demo" || mode == "shell") && inside { out($0); next }
	/^vm: / || /^FAIL / { out($0) }
	'
}

# KVTIER_VM_NUMA=2: two NUMA nodes of 512 MiB and one CPU each (the same
# 1 GiB), so that pools bound to a node can be checked to be there
# (t_backing; scripts/check.sh runs it so). Not the default: on two nodes
# vmalloc_huge() splits an area across the nodes, so the driver's 2 MiB
# table chunks get small pages and t_tables fails. One socket per CPU:
# two cores of one socket would share a cache across nodes, which the
# guest warns about at boot.
case "${KVTIER_VM_NUMA:-1}" in
1)
	smp=2
	numa=()
	;;
2)
	smp=2,sockets=2,cores=1,threads=1
	numa=(-object memory-backend-ram,id=mem0,size=512M
		-numa node,nodeid=0,cpus=0,memdev=mem0
		-object memory-backend-ram,id=mem1,size=512M
		-numa node,nodeid=1,cpus=1,memdev=mem1)
	;;
*) die "KVTIER_VM_NUMA must be 1 or 2" ;;
esac

t0=$(date +%s.%N)
# shellcheck disable=SC2086 # KVTIER_VM_QEMU_ARGS is a list of options
timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -m 1G -smp "$smp" "${numa[@]}" \
	-nographic -no-reboot -monitor none -net none ${KVTIER_VM_QEMU_ARGS:-} \
	-drive "file=$disk,if=virtio,format=raw,cache=$cache" \
	-kernel "$vmlinuz" -initrd "$initrd" -append "$append" </dev/null |
	tr -d '\r' | tee "$log" | live_filter
qemu_rc=${PIPESTATUS[0]}
t1=$(date +%s.%N)

# ---- results ---------------------------------------------------------------

# Lines in the guest's kernel log that fail the run whatever the tests say.
BAD='BUG:|WARNING:|Oops|lockdep|KASAN|general protection|Call Trace|Kernel panic'

summary=$(awk -v bad="$BAD" -v mode="$mode" -v qemu_rc="$qemu_rc" \
	-v vm_timeout="$VM_TIMEOUT" '
	function failed(s) { fails[nf++] = s }
	/^vm-dmesg-begin$/ { indmesg = 1; have_dmesg = 1; next }
	/^vm-dmesg-end$/ { indmesg = 0; next }
	indmesg { if ($0 ~ bad) failed("dmesg: " $0); next }
	/^vm-done$/ { done = 1; next }
	/^vm: kvtier .* loaded on / { loaded = $0; next }
	/^vm-test-begin / { cur = $2; ran++; cur_fail = 0; next }
	/^vm-test-end / {
		rc = $3; sub(/^rc=/, "", rc)
		if (rc == 137)
			failed("FAIL vm:" cur ": killed after the per-test limit")
		else if (rc != 0 && rc != 77 && cur_fail == 0)
			failed("FAIL vm:" cur ": exit " rc " with no FAIL line")
		if (rc == 77) skipped++
		cur = ""
		next
	}
	/^PASS / { passed++; next }
	/^FAIL / { failed($0); cur_fail++; next }
	{ all[nall++] = $0 }
	END {
		if (cur != "")
			failed("FAIL vm:" cur ": no end marker (guest hung or panicked)")
		else if (!done) {
			if (qemu_rc == 124 || qemu_rc == 137)
				failed("FAIL vm: guest killed after " vm_timeout " s")
			else
				failed("FAIL vm: guest stopped before vm-done (qemu exit " qemu_rc ")")
		}
		if (!have_dmesg)
			for (i = 0; i < nall; i++)
				if (all[i] ~ bad) failed("console: " all[i])
		if (loaded == "")
			failed("FAIL vm: kvtier.ko was not loaded")
		if (mode == "tests" && ran == 0)
			failed("FAIL vm: no test ran")
		printf "LOADED\t%s\n", loaded
		printf "COUNTS\t%d\t%d\t%d\t%d\n", passed, nf, ran, skipped
		for (i = 0; i < nf; i++) printf "FAILLINE\t%s\n", fails[i]
	}' "$log")

loaded=$(printf '%s\n' "$summary" | awk -F'\t' '$1 == "LOADED" { print $2 }')
read -r passed failed ran skipped < <(printf '%s\n' "$summary" |
	awk -F'\t' '$1 == "COUNTS" { print $2, $3, $4, $5 }')

# Demo and bench are not test runs: their program's exit code is the verdict.
if [ "$mode" != tests ] && [ "$failed" -eq 0 ]; then
	rc=$(sed -n 's/^vm-test-end .* rc=\([0-9]*\) .*/\1/p' "$log" | tail -n 1)
	if [ "${rc:-x}" = 0 ]; then passed=1; fi
fi

# A demo that worked ends with its own last line (the replay's report).
if [ "$mode" = demo ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]; then
	exit 0
fi
say ""
if [ "$failed" -gt 0 ]; then
	say "vm: failures:"
	printf '%s\n' "$summary" | awk -F'\t' '$1 == "FAILLINE" { print "  " $2 }' |
		while IFS= read -r l; do say "$l"; done
	# The next run overwrites console.log: keep the failed run's whole
	# guest log (a lockup's stack, an oops) where a later run cannot.
	kept=$VMDIR/console-failed-$(date +%Y%m%d-%H%M%S)-$$.log
	cp "$log" "$kept" 2>/dev/null && say "vm: the failed run's guest log is kept in $kept"
fi
say "${loaded:-vm: kvtier not loaded on $release}"
say "$(awk -v a="$t0" -v b="$t1" -v r="$ran" -v s="$skipped" \
	'BEGIN { printf "vm: VM ran %.1f s wall, %d program(s), %d skipped; log in ", b - a, r, s }')$log"
say "vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

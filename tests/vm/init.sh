#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the kvtier test VM (busybox sh). Mounts what the tests need, loads
# the virtio disk driver (the disk appears as /dev/vda, exported to the
# tests as KVTIER_DISK), drm, drm_shmem_helper and kvtier, runs what
# /etc/vm.conf asks for, dumps the kernel log and powers off. The host side (tests/vm/run.sh) reads the
# markers printed here from the serial console:
#
#   vm: kvtier <version> loaded on <release>
#   vm-test-begin <name>           ...its output...
#   vm-test-end <name> rc=<n> ms=<n>
#   vm-dmesg-begin                 ...dmesg...    vm-dmesg-end
#   vm-done
#
# /etc/vm.conf sets MODE (tests, demo, bench, shell), TESTS (names, empty
# for all of /tests) and TEST_TIMEOUT (seconds per test).

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root TERM=dumb
umask 022

# The kernel opens /dev/console for init only when the initramfs has the
# node; it has none (building it needs no root), so mount devtmpfs first
# and take the console from there.
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
# The firmware leaves the cursor mid-line: start ours on a fresh one.
echo
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/shm /dev/pts /tmp /run
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# kvtier-trace --pin keeps its maps here (/sys/fs/bpf/kvtier).
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
# Only emergencies on the console, so kernel lines do not break up the
# test output; the whole log is dumped at the end and checked there.
echo 1 >/proc/sys/kernel/printk

MODE=tests
TESTS=
TEST_TIMEOUT=240
# shellcheck source=/dev/null
[ -f /etc/vm.conf ] && . /etc/vm.conf

export KVTIER_KO=/lib/modules/kvtier.ko

# Milliseconds since boot, from /proc/uptime (busybox date has no %N).
now_ms() {
	read -r up _ </proc/uptime
	echo "$up" | awk '{ printf "%d", $1 * 1000 }'
}

finish() {
	echo "vm-dmesg-begin"
	dmesg
	echo "vm-dmesg-end"
	echo "vm-done"
	sync
	poweroff -f
	sleep 5
}

load_kvtier() {
	insmod "$KVTIER_KO" || return 1
	# udev-less: devtmpfs creates /dev/dri/* by itself; give it a moment.
	i=0
	while [ $i -lt 50 ] && ! ls /dev/dri/renderD* >/dev/null 2>&1; do
		usleep 20000
		i=$((i + 1))
	done
	return 0
}

# The virtual disk: run.sh wrote its modules in dependency order.
if [ -f /lib/modules/disk.order ]; then
	while read -r m; do
		insmod "/lib/modules/$m.ko" ||
			echo "FAIL vm:insmod_$m: insmod failed"
	done </lib/modules/disk.order
fi

for m in drm drm_shmem_helper; do
	insmod "/lib/modules/$m.ko" || echo "FAIL vm:insmod_$m: insmod failed"
done

# virtio_blk probes the disk asynchronously: wait for its node, briefly
# (it comes within milliseconds; the drm modules loaded meanwhile).
i=0
while [ $i -lt 100 ] && [ ! -b /dev/vda ]; do
	usleep 20000
	i=$((i + 1))
done
if [ -b /dev/vda ]; then
	export KVTIER_DISK=/dev/vda
else
	echo "vm: no /dev/vda: tests of the disk tier will skip"
fi

version=none
if [ ! -f "$KVTIER_KO" ]; then
	echo "vm: no kvtier.ko in the initramfs"
elif load_kvtier; then
	version=$(cat /sys/module/kvtier/version 2>/dev/null || echo unknown)
	echo "vm: kvtier $version loaded on $(uname -r)"
else
	echo "FAIL vm:insmod_kvtier: insmod $KVTIER_KO failed"
	dmesg | tail -n 5
fi

# Run one test program with a time limit; print its markers and exit code.
# Busybox timeout execs the program in this process, so its exit code is
# the program's; a program killed by the limit ends with 137 (SIGKILL).
run_test() {
	name=$1
	shift
	echo "vm-test-begin $name"
	# The same in the kernel log, which is dumped only at the end: what
	# the kernel says after this line happened while $name ran.
	echo "kvtier-vm: begin $name" >/dev/kmsg 2>/dev/null
	t0=$(now_ms)
	timeout -s KILL "$TEST_TIMEOUT" "$@" </dev/null 2>&1
	rc=$?
	t1=$(now_ms)
	echo "vm-test-end $name rc=$rc ms=$((t1 - t0))"
	# A test that unloads the module should put it back; if it did not,
	# reload it so that the next test starts from a loaded driver.
	if [ "$version" != none ] && [ ! -d /sys/module/kvtier ]; then
		echo "vm: $name left kvtier unloaded; reloading"
		load_kvtier || echo "FAIL vm:reload_after_$name: insmod failed"
	fi
}

case "$MODE" in
tests)
	[ -n "$TESTS" ] || TESTS=$(ls /tests)
	for t in $TESTS; do
		if [ -x "/tests/$t" ]; then
			run_test "$t" "/tests/$t"
		else
			echo "FAIL vm:$t: no such test program (did it build?)"
		fi
	done
	;;
bench)
	run_test kvtier-bench /bin/kvtier-bench --json --driver
	;;
demo)
	run_test demo sh /demo.sh --guest
	;;
shell)
	run_test shell sh /etc/vm-shell.sh
	;;
*)
	echo "FAIL vm:mode: unknown mode $MODE"
	;;
esac

finish

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: kvtier.ko at work, in a virtual machine (this machine cannot
# load modules into its own kernel). On the host this boots the VM through
# tests/vm/run.sh --demo; inside the guest, /init runs this same file with
# --guest, which walks through the driver step by step and says what each
# step shows. The daemon (kvtierd) is later work, so the demo shows the
# driver, the library and the tools without it.

if [ "${1:-}" != --guest ]; then
	cd "$(dirname "$0")/../.." || exit 1
	echo "kvtier demo: building kvtier.ko and the tools, then booting"
	echo "Debian's kernel under QEMU with them (about 10 seconds)."
	echo
	exec tests/vm/run.sh --demo
fi

# ---- inside the guest -----------------------------------------------------

step=0
failed=0

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

say "The kvtier driver is loaded."
echo "kvtier.ko is a DRM render-node driver. Loading it registers a render"
echo "node; clients find it by its driver name, not by a fixed path."
run cat /sys/module/kvtier/version
run ls -l /dev/dri

say "An administrator creates a pinned host pool."
echo "The pool is the host tier: pinned memory allocated once, cut into"
echo "fixed-size slots. Here: 256 slots of 64 KiB for KV-cache blocks."
need kvtierctl && run kvtierctl pool create --kind kv --slot-size 64K --slots 256

say "kvtierctl status shows the pool, empty."
need kvtierctl && run kvtierctl status

say "A client stores objects and finds them again."
echo "kvtier-demo-client allocates objects under 128-bit keys, writes them"
echo "through its mapping of the pool, commits them, then looks the keys up"
echo "the way an inference engine looks up a prompt's KV blocks, and reads"
echo "the bytes back."
need kvtier-demo-client && run kvtier-demo-client

say "kvtierctl status again: the objects are in the pool."
echo "They belong to the client's tenant (its cgroup) and stay resident"
echo "after the client exits: the host tier outlives the processes using it."
need kvtierctl && run kvtierctl status

say "The same, as JSON for scripts and monitoring."
need kvtierctl && run kvtierctl status --json

echo
if [ $failed -eq 0 ]; then
	echo "Demo complete: every step worked."
else
	echo "Demo finished with $failed failed step(s)."
fi
[ $failed -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel build tree to build kvtier.ko against: the running
# kernel's when it has one, else the newest Debian release for which both
# /boot/vmlinuz-<release> and /usr/src/linux-headers-<release> exist (the
# kernel the VM tests boot). Never a hard-coded release.
run=/lib/modules/$(uname -r)/build
if [ -d "$run" ]; then echo "$run"; exit 0; fi
exec "$(dirname "$0")/kernel-release.sh" --kdir

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Kernel-style checks for the driver, the core and the uAPI header:
# checkpatch.pl from Debian's linux-source-6.1 (only the few files it needs
# are extracted) and kernel-doc from the headers package.
set -eu
cd "$(dirname "$0")/.."
build=${BUILD:-build}/lint
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$tarball" ] || { echo "lint: no linux-source tarball; run make deps" >&2; exit 1; }
top=$(basename "$tarball" .tar.xz)
if [ ! -x "$build/$top/scripts/checkpatch.pl" ]; then
	mkdir -p "$build"
	tar -C "$build" -xf "$tarball" "$top/scripts/checkpatch.pl" \
		"$top/scripts/spelling.txt" "$top/scripts/const_structs.checkpatch"
fi
status=0
# The core's host port (kvt_port_host.h) is the C library's side of the
# port and never built into the module: it spells GCC attributes and
# pthreads out, as the kernel side spells its own.
# shellcheck disable=SC2046
perl "$build/$top/scripts/checkpatch.pl" --no-tree --quiet --terse \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,LINUX_VERSION_CODE \
	-f $(ls kmod/*.c kmod/*.h kmod/core/*.c kmod/core/*.h 2>/dev/null |
	     grep -v '^kmod/core/kvt_port_host\.h$') \
	uapi/kvtier_drm.h || status=1
kdoc=$(ls /usr/src/linux-headers-*-common/scripts/kernel-doc 2>/dev/null | tail -n 1)
out=$(perl "$kdoc" -none uapi/kvtier_drm.h 2>&1)
if [ -n "$out" ]; then echo "$out"; status=1; fi
[ $status -eq 0 ] && echo "lint: clean"
exit $status

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that kvtier's build, tests, demo and
# benchmarks need, when any is missing. Quiet when all are present, so
# `make check` and `make demo` can call it every time. Runs unattended
# (CI: root, no stdin); as a non-root user it uses sudo when it has to.

PKGS="build-essential pkg-config linux-headers-amd64 linux-image-amd64
qemu-system-x86 busybox-static cpio kmod libdrm-dev liburing-dev libbpf-dev
bpftool check libsubunit-dev jq fio valgrind linux-source-6.1 gzip
systemtap-sdt-dev clang llvm libelf-dev zlib1g-dev groff-base"

missing=
for p in $PKGS; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ "$s" = installed ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo -n"
else
	echo "deps: not root and no sudo; install as root:$missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # word splitting of the lists is intended
$sudo apt-get update -q </dev/null >/dev/null || {
	echo "deps: apt-get update failed" >&2
	exit 1
}
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends $missing </dev/null || {
	echo "deps: apt-get install failed:$missing" >&2
	exit 1
}
echo "deps: done"

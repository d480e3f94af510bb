#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The newest kernel release with both /boot/vmlinuz-<r> and
# /usr/src/linux-headers-<r>. With --kdir, print its headers directory.
best=
for v in /boot/vmlinuz-*; do
	[ -e "$v" ] || continue
	r=${v#/boot/vmlinuz-}
	[ -d "/usr/src/linux-headers-$r" ] || continue
	best=$(printf '%s\n%s\n' "$best" "$r" | sed '/^$/d' | sort -V | tail -n 1)
done
[ -n "$best" ] || { echo "kernel-release: no kernel with headers; run make deps" >&2; exit 1; }
if [ "$1" = "--kdir" ]; then echo "/usr/src/linux-headers-$best"; else echo "$best"; fi

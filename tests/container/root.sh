#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Makes (once) and prints the path of the cached Debian 12 root that
# tests/container/run.sh boots with systemd-nspawn: debootstrap minbase plus
# what a real host running Vigil has (systemd as init, dbus, logind through
# libpam-systemd, sshd, sudo, Vigil's runtime libraries) and the tools the
# scenarios use inside (pamtester, ip, ps).  It is never changed after it is
# made: each run boots it with a throwaway overlay (--volatile=overlay).
#
# The root lives outside the source tree, under VIGIL_CONTAINER_CACHE
# (default /var/cache/vigil-tests), named by a hash of this file, so
# changing the package list makes a new one.  A lock keeps two runs from
# making it at once.  About 2 minutes the first time, nothing after.
#   tests/container/root.sh            prints the root's path
set -euo pipefail

packages=(
	# what every host has: systemd as PID 1, the bus logind needs, and
	# pam_systemd, which registers logins with logind
	systemd systemd-sysv dbus libpam-systemd
	# what Vigil sits in front of
	openssh-server openssh-client sudo
	# Vigil's runtime libraries (what `ldd` of the installed files names)
	libpam0g libssl3 liboath0 libfido2-1 libsqlite3-0 libsystemd0 libinih1 libqrencode4
	# the scenarios' tools inside the container
	pamtester iproute2 procps
)
suite=bookworm

[ "$(id -u)" -eq 0 ] || {
	echo "root.sh: needs root (debootstrap, chroot)" >&2
	exit 1
}
cache=${VIGIL_CONTAINER_CACHE:-/var/cache/vigil-tests}
key=$( (
	cat "$0"
	echo "$suite"
) | sha256sum | cut -c1-12)
root=$cache/$suite-$key
mkdir -p -m 700 "$cache"

exec 9>"$cache/.lock"
flock 9
if [ -f "$root/.vigil-root-complete" ]; then
	echo "$root"
	exit 0
fi

log=$cache/$suite-$key.log
work=$(mktemp -d "$cache/.new.XXXXXX")
# A root half made (an interrupted run) is thrown away, never used.
trap 'rm -rf "$work"' EXIT
echo "root.sh: making the container root $root (log: $log)" >&2
{
	debootstrap --variant=minbase "$suite" "$work" http://deb.debian.org/debian
	# The host's package sources (with its security and updates suites),
	# so the root has the same library versions the host builds against.
	rm -f "$work/etc/apt/sources.list"
	cp -a /etc/apt/sources.list* "$work/etc/apt/" 2>/dev/null || true
	[ -e "$work/etc/apt/sources.list" ] || [ -n "$(ls "$work/etc/apt/sources.list.d" 2>/dev/null)" ] ||
		echo "deb http://deb.debian.org/debian $suite main" >"$work/etc/apt/sources.list"
	chroot "$work" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		sh -c 'apt-get -o Acquire::Check-Valid-Until=false update -q &&
			apt-get install -y -q --no-install-recommends "$@" && apt-get clean' sh "${packages[@]}"
	# No machine id baked in: each boot makes its own (the overlay is
	# thrown away).  The ssh host keys that openssh-server's install made
	# are kept: every run's sshd has the same ones, which is fine for a
	# test host.
	: >"$work/etc/machine-id"
	echo vigil-test >"$work/etc/hostname"
	# sudo looks its host name up.
	echo '127.0.1.1 vigil-test' >>"$work/etc/hosts"
} >"$log" 2>&1 || {
	echo "root.sh: making the root failed; the end of $log:" >&2
	tail -n 30 "$log" >&2
	exit 1
}
touch "$work/.vigil-root-complete"
rm -rf "$root"
mv "$work" "$root"
trap - EXIT
# Roots made from an older root.sh are not used again.
for old in "$cache/$suite"-*; do
	[ "$old" = "$root" ] || [ "$old" = "$log" ] || rm -rf "$old"
done
echo "$root"

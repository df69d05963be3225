#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs the Debian packages Vigil needs, in three sets, so that building
# and running Vigil does not pull the test tools (clang, sshd, zbar, a
# container toolchain: hundreds of packages):
#   scripts/deps.sh            build tools and the libraries vigild,
#                              vigilctl and pam_vigil.so link (what
#                              ./bootstrap, ./configure and make need)
#   scripts/deps.sh --demo     that, and what scripts/demo.sh runs
#   scripts/deps.sh --test     that, and what `make check` runs
#                              (scripts/check.sh)
# Idempotent: packages already present are left alone, and nothing is
# fetched when none is missing.
set -euo pipefail

build=(
	build-essential autoconf automake libtool pkg-config
	# the libraries; their -dev packages pull the runtime ones
	libpam0g-dev libssl-dev liboath-dev libsqlite3-dev libsystemd-dev
	libinih-dev libqrencode-dev libfido2-dev
)
# scripts/demo.sh: pamtester logins, codes from oathtool, enrollment driven
# by expect, made-up users through nss_wrapper, a private journald
# (systemd ships the binary; nothing is started as a service), unshare,
# python3 to print the audit table, and libcbor-dev to build the software
# security key the demo touches (tests/fido2/softkey: built, never
# installed).
demo=(pamtester oathtool expect libnss-wrapper systemd util-linux python3 libcbor-dev)
test=(
	"${demo[@]}"
	clang clang-format libcmocka-dev libpam-wrapper libpamtest0-dev
	openssh-server openssh-client openssh-tests sudo zbar-tools
	iproute2 sqlite3
	# bench/perf.sh: the google-authenticator peer, indexed NSS for a
	# million users, and the tools it measures vigild and the module with
	libpam-google-authenticator libnss-db strace valgrind
	# the tools that talk to the software FIDO2 key (tests/fido2/softkey)
	fido2-tools
	# the booted-container tests (tests/container/run.sh), and the Debian
	# packages they install (tests/container/deb.sh, scripts/deb.sh)
	systemd-container debootstrap dpkg-dev debhelper fakeroot
)

packages=("${build[@]}")
for arg in "$@"; do
	case $arg in
	--demo) packages+=("${demo[@]}") ;;
	--test) packages+=("${test[@]}") ;;
	*)
		echo "usage: deps.sh [--demo] [--test]" >&2
		exit 2
		;;
	esac
done

missing=()
for p in "${packages[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = 'install ok installed' ] || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}; run as root (or install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# A file an admin already put in place (say /etc/pam.d/sshd, copied from
# Vigil's examples before openssh-server came) is kept, not asked about:
# dpkg's question has no terminal to go to and would fail the install.
apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"

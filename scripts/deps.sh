#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs everything Vigil needs to build, test and run its demo on Debian.
# Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
	# build
	build-essential autoconf automake libtool pkg-config clang clang-format
	# libraries
	libpam0g-dev libssl-dev liboath-dev libsqlite3-dev libsystemd-dev
	libinih-dev libqrencode-dev libfido2-dev
	# tests
	libcmocka-dev libpam-wrapper libpamtest0-dev libnss-wrapper pamtester oathtool
	openssh-server openssh-client openssh-tests sudo systemd expect zbar-tools
	iproute2 util-linux sqlite3
	# the booted-container tests (tests/container/run.sh)
	systemd-container debootstrap
)

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
apt-get install -y -q --no-install-recommends "${missing[@]}"

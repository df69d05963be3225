#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds Vigil's Debian packages (vigil, libpam-vigil) with
# `dpkg-buildpackage -us -uc` in a copy of the source tree, and puts the
# .deb files, the source package, the .buildinfo, .changes, the build log
# and lintian's report into OUTDIR.  The source tree is never written: the
# copy is the files git knows (tracked, and untracked ones not ignored; the
# working tree's content, so uncommitted changes are built), or, outside a
# git checkout, the tree without build directories.
#
# As root it installs what is missing first: the packaging tools (dpkg-dev
# debhelper fakeroot lintian) and the build dependencies of debian/control.
#   scripts/deb.sh [--no-lintian] OUTDIR
#   apt-get install ./OUTDIR/*.deb
set -euo pipefail

lintian=yes
if [ "${1:-}" = --no-lintian ]; then
	lintian=no
	shift
fi
[ $# -eq 1 ] || {
	echo "usage: scripts/deb.sh [--no-lintian] OUTDIR" >&2
	exit 2
}
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version 2>/dev/null ||
	sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$top/debian/changelog")
# The package's version is the release's: a new AC_INIT version needs its
# debian/changelog entry.
ac_version=$(sed -n 's/^AC_INIT(\[vigil\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac")
[ "${version%%-*}" = "$ac_version" ] || {
	echo "deb.sh: debian/changelog is at $version, configure.ac at $ac_version: add a changelog entry" >&2
	exit 1
}
mkdir -p "$1"
out=$(cd "$1" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/vigil-${version%%-*}
mkdir "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Only files that exist: a tracked file deleted in the working tree is
	# left out, as the build would see it.
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 -r sh -c 'for f; do [ -e "$f" ] || [ -L "$f" ] && printf "%s\0" "$f"; done; :' sh |
		tar --null -T - -c) | tar -x -C "$src"
else
	tar -C "$top" --exclude=./build --exclude=./build-sanitizers --exclude=./.git -c . | tar -x -C "$src"
fi

# What the build needs.
tools=(dpkg-dev debhelper fakeroot)
[ "$lintian" = no ] || tools+=(lintian)
missing=()
for p in "${tools[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = 'install ok installed' ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ] || ! (cd "$src" && dpkg-checkbuilddeps >/dev/null 2>&1); then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deb.sh: missing packaging tools (${missing[*]:-none}) or build dependencies" \
			"(dpkg-checkbuilddeps in a copy says what); run as root to install them" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	[ "${#missing[@]}" -eq 0 ] || apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
	apt-get build-dep -y -q --no-install-recommends "$src" >/dev/null
fi

echo "deb.sh: building vigil $version in $work (log: $out/build.log)"
(cd "$src" && dpkg-buildpackage -us -uc -j"$(nproc)") >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log" >&2
	echo "deb.sh: dpkg-buildpackage failed (see $out/build.log)" >&2
	exit 1
}
changes=$(ls "$work"/*.changes)
# What dpkg-buildpackage wrote next to the tree: the .changes and every file
# it names (debs, source package, buildinfo).
cp "$work"/*.deb "$work"/*.dsc "$work"/*.tar.* "$work"/*.buildinfo "$changes" "$out/"

if [ "$lintian" = yes ]; then
	lintian --info --display-info --pedantic "$out/$(basename "$changes")" >"$out/lintian.txt" 2>&1 || true
	echo "deb.sh: lintian: $(grep -c '^E:' "$out/lintian.txt") errors," \
		"$(grep -c '^W:' "$out/lintian.txt") warnings," \
		"$(grep -c '^[IP]:' "$out/lintian.txt") info/pedantic (see $out/lintian.txt)"
fi
ls "$out"/*.deb

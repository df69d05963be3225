#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs the build dependencies (scripts/deps.sh, no test tools) and
# builds Vigil out of tree.
#   scripts/build.sh [BUILD_DIR [configure options...]]     (default: build/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-$top/build}
shift || true

bash "$top/scripts/deps.sh"
cd "$top"
# configure refuses an out-of-tree build of a tree configured in place (the
# README's Install section builds in place): say what to do instead.
if [ -f config.status ]; then
	echo "build.sh: $top was configured in place (./configure there); build.sh builds out of tree," \
		"in $builddir. Run 'make distclean' in $top first (what make install put in place stays)." >&2
	exit 1
fi
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] || ./bootstrap >/dev/null
mkdir -p "$builddir"
cd "$builddir"
# configure decides what to build from what is installed (the unit and PAM
# tests need cmocka and pam_wrapper, which only `deps.sh --test` brings): a
# build configured before packages came or went is configured again, with
# its own options, or `./scripts/demo.sh` then `./scripts/check.sh` would
# leave the tests out without a word.
packages=$(dpkg-query -W -f '${Package} ${Version}\n' 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -f Makefile ]; then
	"$top/configure" -q "$@"
elif [ "$(cat .vigil-packages 2>/dev/null)" != "$packages" ]; then
	./config.status --recheck >/dev/null && ./config.status >/dev/null
fi
echo "$packages" >.vigil-packages
make -j"$(nproc)" >/dev/null
echo "built in $builddir"

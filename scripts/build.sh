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
[ -f Makefile ] || "$top/configure" -q "$@"
make -j"$(nproc)" >/dev/null
echo "built in $builddir"

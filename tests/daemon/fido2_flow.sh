#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The FIDO2 login flow against a real vigild (tests/daemon/fido2_flow.c):
# this makes the private tree and the nss_wrapper users, the program starts
# a vigild per part and prints its checks.  Root only (the PAM socket, the
# caller's uid read from /proc): exits 77 otherwise.  About 40 s, most of it
# waiting for a challenge to expire.  The tree is removed unless VT_KEEP is
# set.
set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

vt_require_root
FLOW=$top_builddir/tests/daemon/fido2_flow
[ -x "$FLOW" ] || vt_die "missing $FLOW (make check builds it)"
VT_VIGILD=$(vt_vigild_bin)
[ -x "$VT_VIGILD" ] || vt_die "vigild not built: $VT_VIGILD"
export VT_VIGILD

vt_mktree
vt_nss_setup
"$FLOW"
rc=$?
if [ "$rc" -ne 0 ]; then
	for log in "$VT_TMP"/*/vigild.log; do
		echo "--- $log (last 20 lines)" >&2
		tail -n 20 "$log" >&2
	done
fi
if [ -n "${VT_KEEP:-}" ]; then
	echo "kept $VT_TMP" >&2
else
	rm -rf "$VT_TMP"
fi
exit "$rc"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# vigild ending sessions (tests/daemon/session_flow.c): this makes the
# private tree and the nss_wrapper users (alice, bob and carol..gina: one per
# scenario), the program starts vigild (and restarts it twice) and prints
# its checks.  Root only (the PAM socket, the sessions' processes read from
# /proc): exits 77 otherwise.  About 35 s, most of it waiting for idle and
# lifetime ends made short by the configuration.  The tree is removed unless
# VT_KEEP is set.
set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

vt_require_root
vt_require sqlite3
FLOW=$top_builddir/tests/daemon/session_flow
[ -x "$FLOW" ] || vt_die "missing $FLOW (make check builds it)"
VT_VIGILD=$(vt_vigild_bin)
[ -x "$VT_VIGILD" ] || vt_die "vigild not built: $VT_VIGILD"
export VT_VIGILD

vt_mktree
vt_nss_setup carol dave erin frank gina
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

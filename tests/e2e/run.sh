#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Vigil end to end: real sshd, sudo and pamtester logins against the
# installed pam_vigil.so, vigild and vigilctl, with the shipped pam.d
# stacks and sshd_config lines, audit read back from a real journald.
#
# Runs as root in private mount and PID namespaces: the host's /etc, /run
# and /var/log are never touched, and every process and mount it makes goes
# when it ends, however it ends.  Usage (from a build tree):
#   sudo make check TESTS=tests/e2e/run.sh
#   sudo top_srcdir=SRC top_builddir=BUILD tests/e2e/run.sh [SCENARIO...]
# SCENARIO is a number or a name from tests/e2e/scenarios/ (all by default).
# E2E_KEEP=1 keeps the tree (logs, journal) for a look afterwards.
set -uo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"

vt_require_root
[ -z "${VIGIL_ASAN_PRELOAD:-}" ] || vt_skip "a sanitizer build of the module cannot be loaded into sshd and sudo"
vt_require unshare expect oathtool ssh ssh-keygen /usr/sbin/sshd sudo pamtester setpriv openssl \
	/lib/systemd/systemd-journald journalctl

if [ -z "${VT_IN_NAMESPACE:-}" ]; then
	# PID 1 of a new PID namespace: when this script ends, the kernel ends
	# every process it started.
	exec unshare -m -p -f --mount-proc --propagation private env VT_IN_NAMESPACE=1 bash "$0" "$@"
fi

vt_mktree
finish() {
	local rc=$?
	e2e_sshd_stop 2>/dev/null
	e2e_vigild_stop 2>/dev/null
	vt_stop_journald 2>/dev/null
	if [ -n "${E2E_KEEP:-}" ]; then
		echo "kept: $VT_TMP"
	else
		rm -rf "$VT_TMP"
	fi
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

echo "# setting up: install, users, PAM stacks, journald"
e2e_setup

e2e_scenario_done() {
	e2e_sshd_stop
	e2e_vigild_stop
}
e2e_run_scenarios "$top_srcdir/tests/e2e/scenarios" e2e_scenario_done "$@"

# No secret anywhere: no TOTP seed in the whole journal, any log of the run
# (vigild, sshd at DEBUG2, clients) or the databases.
journalctl --sync 2>/dev/null || true
journalctl -o export --no-pager >"$E2E/log/journal.export" 2>/dev/null
e2e_no_secrets "$E2E/log/journal.export" "$E2E"/log/* "$E2E"/s/*/state/vigil.db*

echo "$E2E_PASSED passed, $E2E_FAILED failed"
[ "$E2E_FAILED" -eq 0 ]

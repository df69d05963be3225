#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Vigil in a booted container: systemd as PID 1, journald, dbus and logind,
# the shipped units, socket activation, the unit's sandbox, a real ssh login
# through ssh.service and sudo inside it.  The root (Debian 12) is made once
# by root.sh and cached outside the source tree; each run boots it with
# systemd-nspawn on a throwaway overlay, installs Vigil the way the README
# says, runs the scenarios in tests/container/scenarios/ through nsenter,
# and powers it off.  Every check reads what systemd and the journal say.
#
# Runs as root in private mount and PID namespaces of its own: when it ends,
# however it ends, the container and every process and mount it made go
# too; the cached root is never written.  Usage (from a build tree):
#   sudo make check TESTS=tests/container/run.sh
#   sudo top_srcdir=SRC top_builddir=BUILD tests/container/run.sh [SCENARIO...]
# SCENARIO is a number or a name from tests/container/scenarios/ (all by
# default); CT_SCENARIOS=DIR runs the scenarios of DIR instead (for trying
# one out).  CT_KEEP=1 keeps the tree (logs, the journal export) for a look
# afterwards.  VIGIL_CONTAINER_CACHE: where root.sh keeps the root.
set -uo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
# shellcheck source=lib.sh
. "$top_srcdir/tests/container/lib.sh"

[ "$(id -u)" -eq 0 ] || vt_skip "needs root (debootstrap, systemd-nspawn)"
[ -z "${VIGIL_ASAN_PRELOAD:-}" ] || vt_skip "a sanitizer build of the module cannot be loaded into sshd and sudo"
for tool in systemd-nspawn debootstrap; do
	command -v "$tool" >/dev/null 2>&1 || vt_skip "needs $tool (scripts/deps.sh --test installs it)"
done
vt_require unshare nsenter expect oathtool ssh-keygen pgrep tar gcc

if [ -z "${VT_IN_NAMESPACE:-}" ]; then
	# PID 1 of a new PID namespace: when this script ends, the kernel ends
	# every process it started, the container included.
	exec unshare -m -p -f --mount-proc --propagation private env VT_IN_NAMESPACE=1 bash "$0" "$@"
fi

echo "# the container root (made once, then cached)"
CT_ROOT=$(bash "$top_srcdir/tests/container/root.sh") || vt_die "no container root"

ct_tree

echo "# booting $CT_ROOT; installing Vigil as the README says"
start=$(date +%s)
ct_setup "$CT_ROOT"
echo "# up in $(($(date +%s) - start)) s: $(ct systemctl --version | head -n 1)"

ct_scenario_done() { :; }
e2e_run_scenarios "${CT_SCENARIOS:-$top_srcdir/tests/container/scenarios}" ct_scenario_done "$@"

# No seed or typed code in the container's journal, the scenarios' logs or
# Vigil's database.
ct journalctl --sync 2>/dev/null || true
ct journalctl -o export --no-pager >"$E2E/log/journal.export" 2>/dev/null
ct sh -c 'cat /var/lib/vigil/vigil.db*' >"$E2E/log/vigil.db" 2>/dev/null
e2e_no_secrets "$E2E/log/journal.export" "$E2E"/log/*

echo "$E2E_PASSED passed, $E2E_FAILED failed"
[ "$E2E_FAILED" -eq 0 ]

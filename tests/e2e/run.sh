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

selected() { # SCENARIO-FILE
	local base n
	[ $# -gt 0 ] || return 0
	[ "${#E2E_ONLY[@]}" -eq 0 ] && return 0
	base=$(basename "$1" .sh)
	for n in "${E2E_ONLY[@]}"; do
		case $base in "$n"-* | *"$n"*) return 0 ;; esac
	done
	return 1
}
E2E_ONLY=("$@")

passed=0 failed=0
for f in "$top_srcdir"/tests/e2e/scenarios/[0-9]*.sh; do
	selected "$f" || continue
	name=$(basename "$f" .sh)
	E2E_SCENARIO_FAILS=$E2E/log/fails-$name
	: >"$E2E_SCENARIO_FAILS"
	export E2E_SCENARIO_FAILS
	echo "# $name"
	start=$(date +%s%N)
	# A subshell per scenario: its daemons stop with it, its state is its own.
	(
		set -u
		# shellcheck source=/dev/null
		. "$f"
		scenario
		e2e_sshd_stop
		e2e_vigild_stop
	) 2>>"$E2E/log/$name.err"
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	if [ "$rc" -eq 0 ] && [ ! -s "$E2E_SCENARIO_FAILS" ]; then
		printf 'ok - %s (%d.%03d s)\n' "$name" $((ms / 1000)) $((ms % 1000))
		passed=$((passed + 1))
	else
		printf 'not ok - %s (%d.%03d s, exit %d)\n' "$name" $((ms / 1000)) $((ms % 1000)) "$rc"
		sed 's/^/    | /' "$E2E/log/$name.err" | tail -n 20
		failed=$((failed + 1))
	fi
done

# No secret anywhere: no TOTP seed in the whole journal, any log of the run
# (vigild, sshd at DEBUG2, clients) or the databases; no code the suite
# typed in any journal message or VIGIL_ field (a 6-digit code is only
# looked for there: elsewhere pids and timestamps would match by chance).
echo "# no secrets"
journalctl --sync 2>/dev/null || true
journalctl -o export --no-pager >"$E2E/log/journal.export" 2>/dev/null
leak=0 seeds=0
for seed in "$E2E"/secrets/*.b32; do
	[ -e "$seed" ] || continue
	seeds=$((seeds + 1))
	for f in "$E2E"/log/* "$E2E"/s/*/state/vigil.db*; do
		[ -f "$f" ] || continue
		if grep -qaF -f "$seed" "$f"; then
			echo "    not ok - a TOTP seed appears in ${f#"$E2E"/}"
			leak=1
		fi
	done
done
codes=0
if [ -s "$E2E/secrets/codes.used" ]; then
	codes=$(sort -u "$E2E/secrets/codes.used" | wc -l)
	if grep -a -E '^(MESSAGE|VIGIL_[A-Z_]+)=' "$E2E/log/journal.export" |
		grep -qw -F -f <(sort -u "$E2E/secrets/codes.used"); then
		echo "    not ok - a TOTP code the suite typed appears in a journal field"
		leak=1
	fi
fi
if [ "$leak" -eq 0 ]; then
	echo "ok - no-secrets ($seeds seeds and $codes codes: none in the journal, the logs or the databases)"
	passed=$((passed + 1))
else
	echo "not ok - no-secrets"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

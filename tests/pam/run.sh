#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# PAM integration tests: pam_vigil.so on pam_wrapper stacks against a real
# vigild.  Makes a private temporary tree (configuration, service files,
# two SSH keys, the module), starts vigild on it as a child, and runs
# tests/pam/test_pam with pam_wrapper preloaded on that one command.  Then
# tests/pam/test_policy_modes against a second vigild (no_factor=enroll, its
# own configuration, state, socket and service files), which starts the
# daemons of the other policy modes (grace, allow, shadow) itself from the
# configurations written here.  The host's /etc/pam.d and /run are never
# touched.  Exits with the tests'
# status, 77 (skip) when not root or when pam_wrapper is missing.  Removes
# the /tmp/pam.* directories pam_wrapper made for this run, and only those,
# and the tree unless VT_KEEP is set (to read vigild's log after a failure).
set -euo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || vt_skip "needs root: vigild and pam_vigil.so check root ownership, and one test drops to uid 65534"
ldconfig -p 2>/dev/null | grep 'libpam_wrapper\.so' >/dev/null || vt_skip "pam_wrapper is not installed (Debian: libpam-wrapper)"
vt_require ssh-keygen ldconfig

test_bin="$top_builddir/tests/pam/test_pam"
[ -x "$test_bin" ] || vt_die "missing $test_bin (make check builds it)"
modes_bin="$top_builddir/tests/pam/test_policy_modes"
[ -x "$modes_bin" ] || vt_die "missing $modes_bin (make check builds it)"
[ -x "$(vt_vigild_bin)" ] || vt_die "missing $(vt_vigild_bin)"
[ -f "$(vt_module)" ] || vt_die "missing $(vt_module)"

VT_TOTP_WINDOW=8

vt_mktree
cleanup() {
	local rc=$? pid d
	# A private vigild that a crashed test binary left behind: ours only if
	# its command line names this tree.
	for d in d2 pm-grace pm-allow pm-shadow pm-learn; do
		[ -f "$VT_TMP/$d/vigild.pid" ] || continue
		pid=$(cat "$VT_TMP/$d/vigild.pid")
		if [ -n "$pid" ] && grep -qsF "$VT_TMP" "/proc/$pid/cmdline"; then
			kill -CONT "$pid" 2>/dev/null || true
			kill "$pid" 2>/dev/null || true
		fi
	done
	if [ -n "${pm_pid:-}" ]; then
		kill "$pm_pid" 2>/dev/null || true
		wait "$pm_pid" 2>/dev/null || true
	fi
	vt_stop_vigild
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		echo "--- vigild log (last 80 lines)" >&2
		tail -n 80 "$VT_TMP/log/vigild.log" >&2 || true
		for d in d2 pm-enroll pm-grace pm-allow pm-shadow pm-learn; do
			[ -f "$VT_TMP/$d/vigild.log" ] || continue
			echo "--- private vigild log $d (last 30 lines)" >&2
			tail -n 30 "$VT_TMP/$d/vigild.log" >&2 || true
		done
	fi
	# pam_wrapper leaves a directory per process that did not exit
	# normally (the forked test child); ours hold copies of our service
	# files, which name this tree.
	for d in /tmp/pam.*; do
		[ -d "$d" ] || continue
		if grep -qsF "$VT_TMP" "$d"/*; then
			rm -rf "$d"
		fi
	done
	if [ -n "${VT_KEEP:-}" ]; then
		echo "kept $VT_TMP" >&2
	else
		rm -rf "$VT_TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT

mkdir -m 755 "$VT_TMP/keys" "$VT_TMP/lib" "$VT_TMP/pam.d" "$VT_TMP/d2"

# The module, where a non-root test process can read it whatever the
# permissions of the build tree.
install -m 644 "$(vt_module)" "$VT_TMP/lib/pam_vigil.so"
module="$VT_TMP/lib/pam_vigil.so"

# Two real keys: key1 logs in; key2 is a device alice never used.
for k in key1 key2; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$VT_TMP/keys/$k"
done
key_of() { cut -d' ' -f1,2 <"$VT_TMP/keys/$1.pub"; }
fp_of() { ssh-keygen -l -E sha256 -f "$VT_TMP/keys/$1.pub" | cut -d' ' -f2; }

# Step-up from 30 points: a new key (40) or a new source in a new /24
# (20 + 20).  sudo needs a step-up no older than 3 s, so a test can wait it
# out.  An 8-step TOTP window lets a run use a few codes without waiting for
# the clock.
vt_config "$VT_TMP/etc/vigil.conf" \
	'[policy]' 'stepup_at = 30' 'deny_at = 100' 'fresh_window = 300' 'no_factor = deny' \
	'[totp]' "window = $VT_TOTP_WINDOW" \
	'[lockout]' 'deny = 3' 'interval = 900' 'unlock = 600' \
	'[service.sudo]' 'fresh_window = 3'

sshd_args="socket=$VT_SOCKET timeout=5"
d2_args="socket=$VT_TMP/d2/run/vigild.sock timeout=1"
cat >"$VT_TMP/pam.d/vigil-sshd" <<EOF
auth     required $module $sshd_args
account  required $module $sshd_args
session  required $module $sshd_args
EOF
cat >"$VT_TMP/pam.d/sudo" <<EOF
auth     required $module $sshd_args
account  required $module $sshd_args
EOF
cat >"$VT_TMP/pam.d/vigil-d2" <<EOF
auth     required $module $d2_args
EOF
cat >"$VT_TMP/pam.d/vigil-d2-open" <<EOF
auth     required $module $d2_args failmode=open
EOF

# test_policy_modes: one daemon per policy mode, each in $VT_TMP/pm-MODE
# (state/, run/vigild.sock, vigild.log) on etc/pm-MODE.conf, reached through
# the service vigil-pm-MODE.  The same thresholds as above; the shadow daemon
# steps up only from 100 points, so that there a new key and source alone are
# allowed (and learned) and only its [network] deny list refuses.
pm_common=('[totp]' "window = $VT_TOTP_WINDOW" '[lockout]' 'deny = 3' 'interval = 900' 'unlock = 600')
# The enrollment grace runs from a date the admin sets (today, as on a
# roll-out day) or from a user's first allowed login, never from the first
# attempt naming the user: with enroll_grace = 1 and today's date it is over.
today=$(date -u +%F)
vt_config "$VT_TMP/etc/pm-enroll.conf" '[policy]' 'stepup_at = 30' 'deny_at = 100' \
	'no_factor = enroll' 'enroll_grace = 86400' "enroll_since = $today" "${pm_common[@]}"
vt_config "$VT_TMP/etc/pm-grace.conf" '[policy]' 'stepup_at = 30' 'deny_at = 100' \
	'no_factor = enroll' 'enroll_grace = 1' "enroll_since = $today" "${pm_common[@]}"
vt_config "$VT_TMP/etc/pm-allow.conf" '[policy]' 'stepup_at = 30' 'deny_at = 100' \
	'no_factor = allow' "${pm_common[@]}"
vt_config "$VT_TMP/etc/pm-shadow.conf" '[policy]' 'stepup_at = 100' 'deny_at = 200' \
	'no_factor = deny' 'shadow = yes' "${pm_common[@]}" '[network]' 'deny = 192.0.2.0/24'
# Learn mode with enforcement's thresholds: every login is let in and learned.
vt_config "$VT_TMP/etc/pm-learn.conf" '[policy]' 'stepup_at = 30' 'deny_at = 100' \
	'no_factor = deny' 'mode = learn' "${pm_common[@]}" '[network]' 'deny = 192.0.2.0/24'
for m in enroll grace allow shadow learn; do
	cat >"$VT_TMP/pam.d/vigil-pm-$m" <<EOF
auth     required $module socket=$VT_TMP/pm-$m/run/vigild.sock timeout=5
account  required $module socket=$VT_TMP/pm-$m/run/vigild.sock timeout=5
EOF
done

echo "auth required pam_deny.so" >"$VT_TMP/pam.d/other"
chmod 644 "$VT_TMP"/pam.d/*

vt_start_vigild "$VT_TMP/etc/vigil.conf"

# The second vigild (no_factor=enroll), a child of this script like the first.
mkdir -m 755 "$VT_TMP/pm-enroll" "$VT_TMP/pm-enroll/run"
mkdir -m 700 "$VT_TMP/pm-enroll/state"
env LD_PRELOAD="$VT_VIGILD_PRELOAD" "$(vt_vigild_bin)" --config "$VT_TMP/etc/pm-enroll.conf" --state-dir "$VT_TMP/pm-enroll/state" \
	--runtime-dir "$VT_TMP/pm-enroll/run" --debug 2>>"$VT_TMP/pm-enroll/vigild.log" &
pm_pid=$!
for _ in $(seq 1 200); do
	[ -S "$VT_TMP/pm-enroll/run/vigild.sock" ] && break
	kill -0 "$pm_pid" 2>/dev/null || break
	sleep 0.05
done
[ -S "$VT_TMP/pm-enroll/run/vigild.sock" ] || vt_die "the second vigild (pm-enroll) did not start"

run_wrapped() {
	env LD_PRELOAD="${VIGIL_ASAN_PRELOAD:+$VIGIL_ASAN_PRELOAD }libpam_wrapper.so" \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$VT_TMP/pam.d" \
		VT_TMP="$VT_TMP" VT_SOCKET="$VT_SOCKET" VT_VIGILD_LOG="$VT_TMP/log/vigild.log" \
		VT_VIGILD="$(vt_vigild_bin)" VT_CONFIG="$VT_TMP/etc/vigil.conf" VT_D2_DIR="$VT_TMP/d2" \
		VT_KEY1="$(key_of key1)" VT_KEY1_FP="$(fp_of key1)" \
		VT_KEY2="$(key_of key2)" VT_KEY2_FP="$(fp_of key2)" \
		VT_TOTP_WINDOW="$VT_TOTP_WINDOW" \
		"$@"
}

set +e
run_wrapped "$test_bin"
rc=$?
run_wrapped "$modes_bin"
rc_modes=$?
set -e
# A failure of either wins; a skip only if both skipped.
if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
	:
elif [ "$rc_modes" -ne 0 ] && [ "$rc_modes" -ne 77 ]; then
	rc=$rc_modes
elif [ "$rc" -eq 77 ] && [ "$rc_modes" -eq 77 ]; then
	rc=77
else
	rc=0
fi
exit "$rc"

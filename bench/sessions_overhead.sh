#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# What vigild's session watcher costs with N open sessions (default 10000)
# next to none: a private vigild ([session] idle_timeout = 3600,
# nopty_idle = yes) runs first on an empty store, then again on a store
# with N open sessions written into it with sqlite3 while it is stopped.
# Every session names one live process (a `sleep` child, with its real
# start time from /proc/PID/stat), so the watcher keeps them all open and
# examines each one every pass: half have a real pty (made by python's pty,
# owned by the session's user: a stat of its atime per pass), half the
# "ssh" tty (the process tree is searched for a pty, then its CPU counters
# are compared, as nopty_idle asks).  For each run: 10 s warm-up, then
# vigild's utime + stime (every thread, /proc/PID/stat) and VmRSS sampled
# once a second over 60 s of wall time.  Prints CPU seconds per minute and
# RSS (mean, max) in MiB.  Root only (the watcher reads other users'
# /proc); builds nothing (takes a built tree, default ./build).
# Usage: sudo bench/sessions_overhead.sh [SESSIONS] [BUILD_DIR]
set -u
sessions=${1:-10000}
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${2:-$top_srcdir/build}" && pwd)
export top_srcdir top_builddir
warmup=${BENCH_WARMUP:-10}
window=${BENCH_WINDOW:-60}
[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; exit 77; }
[ "$sessions" -ge 1 ] 2>/dev/null || { echo "SESSIONS: a positive number" >&2; exit 2; }
# shellcheck source=SCRIPTDIR/../tests/lib.sh
. "$top_srcdir/tests/lib.sh"
vt_require sqlite3 python3
[ -x "$(vt_vigild_bin)" ] || vt_die "vigild not built: $(vt_vigild_bin)"
vt_mktree
vt_nss_setup
sleeper="" holder=""
cleanup() {
	vt_stop_vigild
	[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null
	[ -z "$holder" ] || kill "$holder" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$VT_TMP"
}
trap cleanup EXIT
config=$VT_TMP/etc/vigil.conf
db=$VT_TMP/state/vigil.db
vt_config "$config" '[session]' 'idle_timeout = 3600' 'nopty_idle = yes'
hz=$(getconf CLK_TCK)

ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; } # utime + stime
start_time() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $20 }'; }  # field 22

# measure LABEL: warm-up, then CPU and RSS of the running vigild.
measure() {
	local label=$1 pid=$VT_VIGILD_PID c0 c1 t0 t1 rss=$VT_TMP/rss
	sleep "$warmup"
	kill -0 "$pid" 2>/dev/null || vt_die "vigild died during the warm-up"
	: >"$rss"
	c0=$(ticks "$pid") && t0=$(date +%s%N)
	for _ in $(seq 1 "$window"); do
		sleep 1
		awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" >>"$rss" || vt_die "vigild died"
	done
	c1=$(ticks "$pid") && t1=$(date +%s%N)
	awk -v label="$label" -v ticks=$((c1 - c0)) -v hz="$hz" -v ns=$((t1 - t0)) '
		{ sum += $1; if ($1 > max) max = $1 }
		END {
			wall = ns / 1e9
			printf "%-14s wall %5.1f s  cpu %6.2f s  cpu/min %6.3f s  rss mean %6.1f MiB  max %6.1f MiB\n",
				label, wall, ticks / hz, ticks / hz * 60 / wall, sum / NR / 1024, max / 1024
		}' "$rss"
}

# 0 sessions: the baseline (the watcher's timer still runs every second).
vt_start_vigild "$config"
measure "0 sessions"
vt_stop_vigild

# The sessions' process and pty.
# shellcheck disable=SC2217 # no terminal fd may reach the tree
sleep infinity </dev/null >/dev/null 2>&1 &
sleeper=$!
uid=$(awk -F: '$1 == "alice" { print $3 }' "$NSS_WRAPPER_PASSWD")
[ -n "$uid" ] || vt_die "no uid for alice"
python3 -c '
import os, pty, signal, sys
m, s = pty.openpty()
name = os.ttyname(s)
os.chown(name, int(sys.argv[1]), -1)
print(name, flush=True)
sys.stdout.close()
signal.pause()
' "$uid" >"$VT_TMP/pty" </dev/null &
holder=$!
for _ in $(seq 1 100); do
	[ -s "$VT_TMP/pty" ] && break
	sleep 0.05
done
pts=$(cat "$VT_TMP/pty")
[ -c "$pts" ] || vt_die "no pty"
pid_start=$(start_time "$sleeper")
now=$(date +%s)
# Every column of schema 5 (daemon/store.c), as session_open() would write
# it for a session without a login id: device "service:tty", source the
# rhost, band 0, uid the user's at the open.
sqlite3 "$db" <<EOF || vt_die "inserting the sessions failed"
PRAGMA foreign_keys = ON;
BEGIN;
INSERT OR IGNORE INTO users (name, first_seen, last_success, locked_until, first_allowed, suspended)
VALUES ('alice', $now, 0, 0, 0, 0);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $sessions)
INSERT INTO sessions (id, login_id, user_id, user, service, tty, rhost, device, source, pid, opened, closed,
                      pid_start, last_activity, ends_at, warned_at, band, end_cause, uid)
SELECT lower(hex(randomblob(16))), '', (SELECT id FROM users WHERE name = 'alice'), 'alice', 'sshd',
       CASE i % 2 WHEN 0 THEN '$pts' ELSE 'ssh' END,
       printf('10.%d.%d.%d', i / 65536, i / 256 % 256, i % 256),
       CASE i % 2 WHEN 0 THEN 'sshd:$pts' ELSE 'sshd:ssh' END,
       printf('10.%d.%d.%d', i / 65536, i / 256 % 256, i % 256),
       $sleeper, $now, NULL, $pid_start, $now, 0, 0, 0, '', $uid
FROM n;
COMMIT;
EOF
open=$(sqlite3 "$db" 'SELECT count(*) FROM sessions WHERE closed IS NULL')
[ "$open" -eq "$sessions" ] || vt_die "$open sessions open, not $sessions"

vt_start_vigild "$config"
measure "$sessions sessions"
vt_stop_vigild

# The watcher must have kept them all (a session whose process it did not
# recognise would have been closed as lost), and logged no error.
open=$(sqlite3 "$db" 'SELECT count(*) FROM sessions WHERE closed IS NULL')
[ "$open" -eq "$sessions" ] || {
	sqlite3 "$db" 'SELECT end_cause, count(*) FROM sessions WHERE closed IS NOT NULL GROUP BY 1' >&2
	vt_die "only $open of $sessions sessions still open"
}
if grep -E 'failed|error|cannot' "$VT_TMP/log/vigild.log" >&2; then
	vt_die "vigild logged an error"
fi
echo "all $sessions sessions still open; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# vigilctl against a fake daemon (tests/cli/fake_vigild.py) on a temporary
# socket: status printing (dates, empty lists, hostile strings), TOTP
# enrollment with a wrong then a right code on one connection, three wrong
# codes, the daemon's refusals, a daemon that is missing, silent or talks
# garbage, a socket in a directory root does not own, usage errors, and the
# code prompt on a real terminal (expect) with echo off.  vigilctl's output
# holds a (made-up) seed: it goes to files in the temporary tree and is only
# grepped, never shown.  Root only: vigilctl talks only to a root-owned
# socket in a root-owned directory.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
. "$top_srcdir/tests/lib.sh"

vt_require_root
vt_require expect
PY=/usr/bin/python3
[ -x "$PY" ] || vt_die "missing $PY"
CTL=$(vt_vigilctl_bin)
[ -x "$CTL" ] || vt_die "vigilctl not built: $CTL"

vt_mktree
FAKE_PID=
FAKE2_PID=
cleanup() {
	for p in $FAKE_PID $FAKE2_PID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$VT_TMP"
}
trap cleanup EXIT

LOG=$VT_TMP/log/fake.log
OUT=$VT_TMP/log/out
ERR=$VT_TMP/log/err
failures=0

start_fake() { # SOCKET -> pid in $!
	"$PY" "$top_srcdir/tests/cli/fake_vigild.py" "$1" "$LOG" 2>>"$VT_TMP/log/fake.err" &
	local pid=$!
	for _ in $(seq 1 200); do
		[ -S "$1" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$VT_TMP/log/fake.err" >&2
	vt_die "the fake daemon did not start"
}

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# ctl EXPECTED_EXIT [ARGS...] < input: runs vigilctl, output to $OUT/$ERR.
ctl() {
	local want=$1 got
	shift
	LC_ALL=C.UTF-8 TZ=UTC "$CTL" --socket "$VT_SOCKET" --admin-socket "$VT_SOCKET" "$@" >"$OUT" 2>"$ERR"
	got=$?
	[ "$got" -eq "$want" ] || fail "vigilctl $*: exit $got, wanted $want (stderr: $(head -c 300 "$ERR"))"
}

has() { # FILE FIXED-STRING
	grep -q -F -- "$2" "$1" || fail "$(basename "$1") lacks: $2"
}

hasnt() {
	! grep -q -F -- "$2" "$1" || fail "$(basename "$1") should not contain: $2"
}

log_count() { # FIXED-STRING: matching lines in the fake's log
	grep -c -F -- "$1" "$LOG"
}

start_fake "$VT_SOCKET"
FAKE_PID=$!

# --- status -------------------------------------------------------------
ctl 0 status </dev/null
has "$OUT" "user: alice"
has "$OUT" "locked: until 2023-11-14T22:13:20+00:00"
has "$OUT" "totp   enrolled 2023-07-22T04:26:40+00:00, last used never"
has "$OUT" "ssh-sk yubi?[2J  enrolled 2023-07-22T04:26:40+00:00, last used 2023-11-14T19:26:40+00:00"
has "$OUT" "recovery 7 codes left, enrolled 2023-07-22T04:26:40+00:00, last used never"
has "$OUT" "SHA256:abcdefghijklmnop  first seen 2023-07-22T04:26:40+00:00, last seen 2023-11-14T19:26:40+00:00"
has "$OUT" "  198.51.100.9??[2J  first seen"
has "$OUT" "  hôte.example  first seen"
has "$OUT" "2023-11-14T19:26:40+00:00  sshd from 192.0.2.7  allow  score 12  signals none"
has "$OUT" "sshd from evil?[31mhost  deny (risk)  score 80  signals new_device,new_source"
has "$OUT" "sudo from local  allow [shadow: would deny (network)]  score 130  signals privileged"
has "$OUT" "  device SHA256:abcdefghijklmnop from 192.0.2.7  granted 2023-11-14T19:26:40+00:00, expires"
! grep -q $'\x1b' "$OUT" || fail "an escape character from the daemon reached the terminal"
[ "$(log_count 'STATUS_QUERY user=')" -eq 1 ] || fail "status did not ask for the caller (empty user)"

ctl 0 status --json </dev/null
/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["user"] == "alice" and d["locked_until"] == 1700000000
assert d["sources"][0]["address"] == "198.51.100.9\u009b[2J"
assert [l["decision"] for l in d["logins"]] == ["allow", "deny", "allow"]
assert [l["reason"] for l in d["logins"]] == [None, "risk", "network"]
assert [l["shadow"] for l in d["logins"]] == [None, None, "deny"]
assert d["logins"][1]["source"] == "evil\x1b[31mhost" and d["logins"][1]["signals"] == ["new_device", "new_source"]
assert d["factors"] == [{"type": "totp", "created": 1690000000, "last_used": None},
    {"type": "ssh-sk", "name": "yubi\x1b[2J", "created": 1690000000, "last_used": 1699990000},
    {"type": "recovery", "remaining": 7, "created": 1690000000, "last_used": None}], d["factors"]
assert len(d["grants"]) == 1' "$OUT" || fail "status --json: $(head -c 300 "$OUT")"
! grep -q $'\x1b' "$OUT" || fail "an escape character reached the terminal in JSON"

ctl 0 status --user empty </dev/null
has "$OUT" "locked: not locked"
[ "$(grep -c -x -F '  none' "$OUT")" -eq 5 ] || fail "empty lists not all shown as none"
has "$LOG" "STATUS_QUERY user=empty"

ctl 1 status --user bob </dev/null
has "$ERR" "vigilctl: status: vigild refused: permission"

ctl 3 status --user garbage </dev/null
has "$ERR" "vigilctl: bad answer from vigild at $VT_SOCKET"

ctl 3 --timeout 1 status --user silent </dev/null
has "$ERR" "vigilctl: no answer from vigild at $VT_SOCKET within 1 s"

# --- totp enroll ----------------------------------------------------------
: >"$LOG"
ctl 0 totp enroll < <(printf '000000\n123456\n')
has "$OUT" "otpauth://totp/Vigil:alice?secret=JBSWY3DPEHPK3PXP&issuer=Vigil"
has "$OUT" "JBSW Y3DP EHPK 3PXP"
has "$OUT" "Enter the 6-digit code from your app: "
has "$OUT" "That code is not valid; try again."
has "$OUT" "TOTP enrolled."
has "$OUT" "█ ▀▄  █"
# BEGIN, a wrong CONFIRM and a right CONFIRM, all on one connection.
[ "$(cut -d' ' -f1 "$LOG" | sort -u | wc -l)" -eq 1 ] || fail "enrollment used more than one connection"
[ "$(cut -d' ' -f2- "$LOG" | tr '\n' '|')" = \
	"TOTP_ENROLL_BEGIN user=|TOTP_ENROLL_CONFIRM right=no|TOTP_ENROLL_CONFIRM right=yes|" ] ||
	fail "enrollment exchange was: $(cut -d' ' -f2- "$LOG" | tr '\n' '|')"
hasnt "$ERR" "JBSWY3DPEHPK3PXP"

: >"$LOG"
ctl 1 totp enroll < <(printf '111111\n222222\n333333\n123456\n')
[ "$(log_count 'TOTP_ENROLL_CONFIRM right=no')" -eq 3 ] || fail "three wrong codes were not all sent"
[ "$(log_count 'TOTP_ENROLL_CONFIRM right=yes')" -eq 0 ] || fail "a fourth code was sent"
[ "$(grep -c -F 'That code is not valid; try again.' "$OUT")" -eq 2 ] || fail "retry message count"
has "$ERR" "3 wrong codes; TOTP was not enrolled"
hasnt "$OUT" "TOTP enrolled."

: >"$LOG"
ctl 0 --timeout 5 totp enroll --user carol < <(printf ' 123 456 \n')
has "$LOG" "TOTP_ENROLL_BEGIN user=carol"
has "$LOG" "TOTP_ENROLL_CONFIRM right=yes"

ctl 1 totp enroll --user already </dev/null
has "$ERR" "vigilctl: totp enroll: you already have a TOTP factor"

ctl 1 totp enroll --user expire < <(printf '123456\n')
has "$ERR" "no enrollment pending"

: >"$LOG"
ctl 1 totp enroll </dev/null
has "$ERR" "no code entered"
[ "$(log_count TOTP_ENROLL_CONFIRM)" -eq 0 ] || fail "a code was sent at end of input"

# --- unlock (admin socket) ----------------------------------------------
ctl 0 unlock alice </dev/null
has "$OUT" "Unlocked alice."
has "$LOG" "ADMIN_UNLOCK user=alice"
ctl 1 unlock bob </dev/null
has "$ERR" "vigilctl: unlock: vigild refused: permission"

# --- the daemon is missing or not root's ----------------------------------
MISSING=$VT_TMP/run/missing.sock
TZ=UTC "$CTL" --socket "$MISSING" status >"$OUT" 2>"$ERR" </dev/null
[ $? -eq 3 ] || fail "missing daemon: wrong exit status (3: unreachable)"
has "$ERR" "vigilctl: cannot reach vigild at $MISSING: No such file or directory (is vigild running?)"

mkdir -m 755 "$VT_TMP/userdir"
chown nobody "$VT_TMP/userdir"
start_fake "$VT_TMP/userdir/vigild.sock"
FAKE2_PID=$!
"$CTL" --socket "$VT_TMP/userdir/vigild.sock" status >"$OUT" 2>"$ERR" </dev/null
[ $? -eq 3 ] || fail "socket in a user's directory: wrong exit status (3: unreachable)"
has "$ERR" "vigilctl: refusing to talk to $VT_TMP/userdir/vigild.sock: not a root-owned socket in a root-owned directory"

# --- usage ------------------------------------------------------------------
ctl 2 </dev/null
ctl 2 frobnicate </dev/null
ctl 2 --timeout soon status </dev/null
ctl 2 status --user "" </dev/null
ctl 2 totp </dev/null
ctl 2 unlock </dev/null
ctl 0 --help </dev/null
has "$OUT" "Exit status:"
has "$OUT" "only when the caller is root"

# --- a real terminal: the code is read with echo off ------------------------
: >"$LOG"
VT_CTL=$CTL VT_SOCK=$VT_SOCKET VT_TTYLOG=$VT_TMP/log/tty expect -f - >"$VT_TMP/log/expect.out" 2>&1 <<'EOF' ||
log_user 0
log_file -a -noappend $env(VT_TTYLOG)
set timeout 10
spawn $env(VT_CTL) --socket $env(VT_SOCK) totp enroll
expect {
	-re {code from your app: $} {}
	timeout { puts "no prompt"; exit 1 }
}
send "000000\r"
expect {
	"not valid; try again." {}
	timeout { puts "no retry message"; exit 1 }
}
expect -re {code from your app: $}
send "123456\r"
expect {
	"TOTP enrolled." {}
	timeout { puts "no confirmation"; exit 1 }
}
expect eof
catch close
catch wait result
exit [lindex $result 3]
EOF
	fail "enrollment on a terminal: $(cat "$VT_TMP/log/expect.out")"
has "$VT_TMP/log/tty" "Enter the 6-digit code from your app: "
hasnt "$VT_TMP/log/tty" "000000"
hasnt "$VT_TMP/log/tty" "123456"
[ "$(cut -d' ' -f2- "$LOG" | tr '\n' '|')" = \
	"TOTP_ENROLL_BEGIN user=|TOTP_ENROLL_CONFIRM right=no|TOTP_ENROLL_CONFIRM right=yes|" ] ||
	fail "terminal enrollment exchange was: $(cut -d' ' -f2- "$LOG" | tr '\n' '|')"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "PASS: vigilctl against a fake daemon"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# vigilctl sessions, session end, user suspend and resume against a real
# vigild, run by made-up non-root users (setpriv, nss_wrapper).  Sessions
# are opened by this test as root with SESSION_OPEN on the PAM socket from
# a child process (python3) that stays alive as the session's process:
#   1. alice lists her own sessions (text and JSON) and ends one by id;
#   2. mallory cannot list alice's (PERMISSION), sees none of them in her
#      own list, and ending one of alice's ids is "no such session"
#      (NOT_FOUND, as for an id that never was): ids cannot be probed;
#   3. root ends one of alice's sessions by id, then all of them (--user);
#   4. suspend ends alice's sessions (their processes get SIGHUP) and her
#      next login (AUTH_BEGIN on the PAM socket) is denied as suspended;
#      resume lets her in again.
# Prints "ok - ..." / "not ok - ..."; exits 1 if any failed, 77 when not
# root or a tool is missing.
set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

vt_require_root
for t in setpriv python3; do
	command -v "$t" >/dev/null 2>&1 || vt_skip "missing $t"
done
[ -x "$(vt_vigild_bin)" ] || vt_die "vigild not built"
[ -x "$(vt_vigilctl_bin)" ] || vt_die "vigilctl not built"

vt_mktree
vt_nss_setup
openers=()
cleanup() {
	local rc=$? p
	for p in "${openers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	vt_stop_vigild
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		echo "--- vigild log (last 30 lines)" >&2
		tail -n 30 "$VT_TMP/log/vigild.log" >&2
	fi
	if [ -n "${VT_KEEP:-}" ]; then echo "kept $VT_TMP" >&2; else rm -rf "$VT_TMP"; fi
	exit "$rc"
}
trap cleanup EXIT

passed=0
failed=0
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		passed=$((passed + 1))
	else
		echo "not ok - $what"
		failed=$((failed + 1))
	fi
}

mkdir -m 755 "$VT_TMP/bin"
install -m 755 "$(vt_vigilctl_bin)" "$VT_TMP/bin/vigilctl"
vt_config "$VT_TMP/etc/vigil.conf" '[totp]' 'window = 10'
vt_start_vigild "$VT_TMP/etc/vigil.conf"
PAM_SOCKET=$VT_TMP/run/pam.sock
OUT=$VT_TMP/log/out
ERR=$VT_TMP/log/err
CTL=("$VT_TMP/bin/vigilctl" --socket "$VT_SOCKET" --admin-socket "$VT_TMP/run/admin.sock")
uid_of() { awk -F: -v u="$1" '$1 == u { print $3 }' "$NSS_WRAPPER_PASSWD"; }
as() {
	local user=$1 uid
	shift
	if [ "$user" = root ]; then
		"${CTL[@]}" "$@" >"$OUT" 2>"$ERR"
	else
		sleep 0.3
		uid=$(uid_of "$user")
		setpriv --reuid="$uid" --regid="$uid" --clear-groups "${CTL[@]}" "$@" >"$OUT" 2>"$ERR"
	fi
}
rc() {
	local want=$1 got=0
	shift
	as "$@" || got=$?
	[ "$got" -eq "$want" ] || {
		echo "# vigilctl ${*:2} by $1 exited $got, not $want: $(head -c 400 "$ERR")" >&2
		return 1
	}
}
said() { grep -qF -- "$1" "$OUT" "$ERR"; }

# open USER: a session of USER whose process is a python3 child of this
# test, alive until killed; its id in $sid.  The status goes to $VT_TMP/st.
open_session() {
	local f=$VT_TMP/open.$RANDOM
	python3 - "$PAM_SOCKET" "$1" "$f" 2>/dev/null <<'PY' &
import socket, struct, sys, os, time
path, user, out = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
def s(b): return struct.pack(">H", len(b)) + b
body = s(user) + s(b"sshd") + s(b"127.0.0.9") + s(b"ssh") + struct.pack(">I", os.getpid()) + s(b"")
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(path)
c.sendall(struct.pack(">IBBHII", 0x5647494C, 3, 4, 0, 1, len(body)) + body)
def rd(n):
    b = b""
    while len(b) < n:
        k = c.recv(n - len(b))
        if not k: sys.exit(1)
        b += k
    return b
hdr = rd(16)
blen = struct.unpack(">I", hdr[12:16])[0]
b = rd(blen)
status = struct.unpack(">H", b[:2])[0]
n = struct.unpack(">H", b[2:4])[0]
open(out + ".tmp", "w").write("%d %s\n" % (status, b[4:4 + n].decode()))
os.rename(out + ".tmp", out)
c.close()
while True: time.sleep(60)
PY
	openers+=($!)
	opener=$!
	for _ in $(seq 1 100); do [ -s "$f" ] && break; sleep 0.05; done
	read -r st sid <"$f" || { st=x; sid=; }
}

# auth_begin USER: AUTH_BEGIN on the PAM socket; prints the reply's type,
# and for a DECISION its outcome and reason.
auth_begin() {
	python3 - "$PAM_SOCKET" "$1" <<'PY'
import socket, struct, sys, os
path, user = sys.argv[1], sys.argv[2].encode()
def s(b): return struct.pack(">H", len(b)) + b
body = s(user) + s(b"sshd") + s(b"127.0.0.9") + s(b"ssh") + s(b"") + struct.pack(">I", os.getpid()) + s(b"") + s(b"") + s(b"")
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(path)
c.sendall(struct.pack(">IBBHII", 0x5647494C, 3, 1, 0, 1, len(body)) + body)
b = b""
while len(b) < 16:
    k = c.recv(16 - len(b))
    if not k: sys.exit(1)
    b += k
t = b[5]
n = struct.unpack(">I", b[12:16])[0]
d = b""
while len(d) < n:
    k = c.recv(n - len(d))
    if not k: sys.exit(1)
    d += k
print(t, d[0], struct.unpack(">H", d[1:3])[0] if t == 64 else "")
PY
}
# gone PID: the process is gone within 5 s.
gone() {
	local _
	for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}

open_session alice; a1=$sid; a1_pid=$opener
check "SESSION_OPEN for alice: OK ($st)" [ "$st" = 0 ]
open_session alice; a2=$sid
open_session alice; a3=$sid
open_session bob; b1=$sid
open_session mallory; m1=$sid
check "five sessions opened" eval '[ -n "$a3" ] && [ -n "$b1" ] && [ -n "$m1" ]'

# ---- 1. alice's own --------------------------------------------------------
check "alice: sessions exits 0" rc 0 alice sessions
check "... lists her three" eval 'grep -c "^$a1\|^$a2\|^$a3" "$OUT" | grep -qx 3'
check "... and nobody else's" eval '! grep -q "$b1\|$m1" "$OUT"'
check "alice: sessions --json" rc 0 alice sessions --json
check "... is JSON with three sessions, user, band" \
	eval 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s=d[\"sessions\"]; assert len(s)==3 and all(x[\"user\"]==\"alice\" and x[\"band\"] for x in s)" "$OUT"'
check "alice: sessions --user alice is the same" rc 0 alice sessions --user alice
check "alice: session end (her own) exits 0" rc 0 alice session end "$a1"
check "... says so" said "session $a1 ended"
check "... and it is gone from her list" eval 'rc 0 alice sessions && ! grep -q "$a1" "$OUT"'
check "... its process got SIGHUP and is gone" gone "$a1_pid"
check "... audited: revoked, by alice's uid" \
	eval 'grep "$a1" "$VT_TMP/log/vigild.log" | grep "revoked" | grep -q "uid=$(uid_of alice)"'

# ---- 2. mallory ------------------------------------------------------------
check "mallory: sessions --user alice exits 1" rc 1 mallory sessions --user alice
check "... refused: permission" said "permission"
check "mallory: sessions lists only hers" eval 'rc 0 mallory sessions && grep -q "$m1" "$OUT" && ! grep -q "$a2\|$b1" "$OUT"'
check "mallory: session end of alice's exits 1" rc 1 mallory session end "$a2"
check "... 'no such session', as for an id that never was" said "no such session: $a2"
rc 1 mallory session end 0123456789abcdef0123456789abcdef
cp "$ERR" "$VT_TMP/log/never"
check "... same words for a made-up id" grep -qF "no such session: 0123456789abcdef0123456789abcdef" "$VT_TMP/log/never"
check "... alice's session is still open" eval 'rc 0 root sessions --user alice && grep -q "$a2" "$OUT"'
check "mallory: session end --user alice exits 1 (permission)" eval 'rc 1 mallory session end --user alice && said permission'
check "mallory: user suspend alice exits 1 (no admin socket)" rc 1 mallory user suspend alice

# ---- 3. root ---------------------------------------------------------------
check "root: sessions lists all four open" eval 'rc 0 root sessions && [ "$(grep -c . "$OUT")" -eq 4 ]'
check "root: session end alice's by id" eval 'rc 0 root session end "$a2" && said "session $a2 ended"'
check "root: session end again: no such session" eval 'rc 1 root session end "$a2" && said "no such session"'
check "root: session end --user alice ends the last one" eval 'rc 0 root session end --user alice && said "1 session of alice ended"'
check "root: alice has none left" eval 'rc 0 root sessions --user alice && said "no open sessions"'
check "root: bob's is untouched" eval 'rc 0 root sessions --user bob && grep -q "$b1" "$OUT"'
check "root: sessions --user nosuch: no such user" eval 'rc 1 root sessions --user nosuchuser && said "no such user"'
check "usage errors exit 2" eval 'rc 2 root session end && rc 2 root session end --user && rc 2 root sessions extra'

# ---- 4. suspend and resume ------------------------------------------------
open_session alice; s1=$sid; s1_pid=$opener
open_session alice; s2=$sid; s2_pid=$opener
check "alice has two sessions again" eval '[ -n "$s1" ] && [ -n "$s2" ]'
check "alice may log in before the suspension (no deny for suspended)" eval '! auth_begin alice | grep -q "^64 2 17$"'
check "root: user suspend alice exits 0" rc 0 root user suspend alice
check "... says 2 sessions ended" said "alice suspended: new logins denied, 2 sessions ended"
check "... their processes are gone" eval 'gone "$s1_pid" && gone "$s2_pid"'
check "... audited: suspended, by uid 0" eval 'grep "$s1" "$VT_TMP/log/vigild.log" | grep "suspended" | grep -q "uid=0"'
check "... alice has none left" eval 'rc 0 root sessions --user alice && said "no open sessions"'
check "... bob's is untouched" eval 'rc 0 root sessions --user bob && grep -q "$b1" "$OUT"'
check "alice's next login: DENY, reason suspended" eval '[ "$(auth_begin alice)" = "64 2 17" ]'
check "vigilctl user show alice says suspended" eval 'rc 0 root user show alice && said suspended'
open_session alice
check "a session open for alice is refused while suspended" eval '[ "$st" != 0 ]'
check "root: user resume alice exits 0" eval 'rc 0 root user resume alice && said "alice resumed"'
check "alice's login is no longer denied as suspended" eval '! auth_begin alice | grep -q "^64 2 17$"'
open_session alice
check "... and a session opens for her" eval '[ "$st" = 0 ]'
check "root: user resume nosuchuser: no such user" eval 'rc 1 root user resume nosuchuser && said "no such user"'

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The audit writer (daemon/audit.c) against a real journald, in a private
# mount namespace: tmpfs over /run/systemd, /run/log and /var/log/journal,
# systemd-journald started with no arguments.  Root only.
#
#  (c) no journald socket: every record is written to stderr, none lost;
#  (a) delivered: every field, the MESSAGE_ID of each event (and each id in
#      conf/vigil.catalog), MESSAGE with the decision, reason and result,
#      the escaping of a hostile user name; journalctl -x renders each
#      catalog Subject with the decision and reason;
#  (b) journald stopped: emitting 200 records completes (the writer gives up
#      after its drain bound and spills), and once journald runs again a
#      replay puts all 200 in the journal, nothing lost;
#  (d) journald stopped while 1500 records are emitted: the queue overflows
#      into the spill file; when journald runs again the same process drains
#      the queue and replays the spill, in order, and empties the file;
#  (e) a stale socket (journald gone, socket file left): sends fail, the
#      records go to stderr and are counted as not delivered.
set -u

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root"
	exit 77
fi
JOURNALD=/lib/systemd/systemd-journald
PY=/usr/bin/python3
for t in unshare mount journalctl timeout "$JOURNALD" "$PY"; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "SKIP: $t not found"
		exit 77
	fi
done

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
prog=$top_builddir/tests/audit/audit_emit
if [ ! -x "$prog" ]; then
	echo "FAIL: $prog is not built"
	exit 1
fi

if [ -z "${VIGIL_AUDIT_NS:-}" ]; then
	export VIGIL_AUDIT_NS=1 top_srcdir top_builddir
	exec unshare -m --propagation private "$BASH" "$0" "$@"
fi

# ---- inside the namespace ----
work=$(mktemp -d /tmp/vigil-audit.XXXXXX)
jpid=
cleanup() {
	if [ -n "$jpid" ]; then
		kill -CONT "$jpid" 2>/dev/null
		kill "$jpid" 2>/dev/null
		wait "$jpid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	for f in "$work"/*.err "$work"/journald.log; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 5 "$f"; }
	done
	exit 1
}

for d in /run/systemd /run/log; do
	mkdir -p "$d" 2>/dev/null
	mount -t tmpfs -o mode=0755 tmpfs "$d" || fail "cannot mount tmpfs on $d"
done
mkdir -p /run/systemd/journal
if [ -d /var/log/journal ]; then
	mount -t tmpfs -o mode=2755 tmpfs /var/log/journal || fail "cannot mount tmpfs on /var/log/journal"
fi

spill=$work/spill
# A user name with a newline, an escape byte, a backslash, a byte that is
# not UTF-8, a valid accented letter and a right-to-left override.
user=$'ali\nce\x1b\\x\xff\xc3\xa9\xe2\x80\xae'
user_esc='ali\x0ace\x1b\x5cx\xffé\xe2\x80\xae'

# Reads journal records of vigild as JSON lines into $1.
journal_dump() {
	journalctl --sync || fail "journalctl --sync"
	journalctl -o json --no-pager SYSLOG_IDENTIFIER=vigild >"$1" 2>/dev/null
}

# ---- (c) no journald: stderr ----
"$prog" "$spill" full "$user" >"$work/c.out" 2>"$work/c.err" || fail "(c) audit_emit exited $?"
"$PY" - "$work/c.err" "$user_esc" <<'EOF' || fail "(c) stderr records"
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
recs = [l for l in lines if l.startswith("vigild: audit ") and not l.startswith("vigild: audit: ")]
assert len(recs) == 12, recs
events = [l.split(" ")[2] for l in recs]
assert events == ["decision", "stepup", "enroll", "session_open", "session_close", "lockout",
                  "fail_open", "admin", "service", "session_warn", "decision", "service"], events
want = 'VIGIL_USER=%s ' % sys.argv[2]
assert all(want in l for l in recs[:10]), recs[0]
assert "VIGIL_SIGNALS=new_device,privileged" in recs[0] and "VIGIL_SHADOW=1" in recs[0] and "VIGIL_ENFORCED=0" in recs[0]
want = ('MESSAGE="login denied, the source is not allowed (decision deny, reason network): user bob, '
        'service sudo, from 198.51.100.1"')
assert want in recs[10], recs[10]
assert "VIGIL_USER" not in recs[11]
summary = [l for l in lines if l.startswith("vigild: audit: ")]
assert summary == ["vigild: audit: 12 records not delivered to journald (written to stderr), 0 lost"], summary
EOF
[ -s "$spill" ] && fail "(c) records were spilled"

# ---- start journald ----
"$JOURNALD" </dev/null >"$work/journald.log" 2>&1 &
jpid=$!
for _ in $(seq 1 400); do
	[ -S /run/systemd/journal/socket ] && break
	kill -0 "$jpid" 2>/dev/null || fail "journald exited"
	sleep 0.05
done
[ -S /run/systemd/journal/socket ] || fail "journald socket did not appear"

# ---- (a) delivered, every field ----
"$prog" "$spill" full "$user" >"$work/a.out" 2>"$work/a.err" || fail "(a) audit_emit exited $?"
[ -s "$work/a.err" ] && fail "(a) unexpected stderr output"
"$prog" - ids >"$work/ids" || fail "ids"
journal_dump "$work/a.json"
journalctl -o json --no-pager "VIGIL_USER=$user_esc" >"$work/a-user.json" 2>/dev/null
"$PY" - "$work/a.json" "$work/a-user.json" "$work/ids" "$top_srcdir/conf/vigil.catalog" "$user_esc" <<'EOF' || fail "(a) journal records"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
by_user = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
ids = dict(l.split() for l in open(sys.argv[3]))
catalog = {l[3:].strip() for l in open(sys.argv[4], encoding="utf-8") if l.startswith("-- ")}
user = sys.argv[5]
assert set(ids.values()) == catalog, (ids, catalog)
assert len(set(ids.values())) == 10
assert len(by_user) == 10, len(by_user)
events = list(ids)
for i, ev in enumerate(events):
    r = [x for x in recs if x.get("VIGIL_LOGIN_ID") == "full-%d" % i]
    assert len(r) == 1, (ev, len(r))
    r = r[0]
    want = {
        "MESSAGE_ID": ids[ev], "PRIORITY": "5", "SYSLOG_IDENTIFIER": "vigild", "VIGIL_EVENT": ev,
        "VIGIL_USER": user, "VIGIL_SERVICE": "sshd", "VIGIL_RHOST": "192.0.2.7", "VIGIL_TTY": "ssh",
        "VIGIL_DEVICE": "SHA256:AAAAtestkeyfingerprint", "VIGIL_PAM_PID": "4242",
        "VIGIL_SESSION_ID": "0123456789abcdef",
        "VIGIL_DECISION": "stepup", "VIGIL_REASON": "risk", "VIGIL_METHOD": "totp", "VIGIL_RESULT": "ok",
        "VIGIL_SCORE": "42", "VIGIL_SIGNALS": "new_device,privileged", "VIGIL_SHADOW": "1",
        "VIGIL_ENFORCED": "0",
        # MESSAGE says who, then the decision, reason and result.
        "MESSAGE": "test record (decision stepup, reason risk, result ok): user %s, service sshd, from 192.0.2.7"
                   % user,
    }
    for k, v in want.items():
        assert r.get(k) == v, (ev, k, r.get(k), v)
    # Nothing raw: no control byte reached the journal.
    assert not any(ord(c) < 0x20 for c in r["MESSAGE"] + r["VIGIL_USER"])
r = [x for x in recs if x.get("VIGIL_LOGIN_ID") == "sparse"]
assert len(r) == 1
for k in ("VIGIL_USER", "VIGIL_SERVICE", "VIGIL_RHOST", "VIGIL_PAM_PID", "VIGIL_SCORE", "VIGIL_SIGNALS", "VIGIL_SHADOW",
          "VIGIL_ENFORCED", "VIGIL_MODE"):
    assert k not in r[0], k
assert r[0]["MESSAGE"] == "sparse record" and r[0]["VIGIL_EVENT"] == "service"
r = [x for x in recs if x.get("VIGIL_LOGIN_ID") == "deny"]
assert len(r) == 1
want = "login denied, the source is not allowed (decision deny, reason network): user bob, service sudo, from 198.51.100.1"
assert r[0]["MESSAGE"] == want, r[0]["MESSAGE"]
EOF

# ---- (a) the catalog: journalctl -x shows each Subject with what its
# record decided.  The database is built in a root of its own and mounted,
# in this namespace only, where journalctl -x reads it (it ignores --root). ----
croot=$work/croot
mkdir -p "$croot/usr/lib/systemd/catalog"
cp "$top_srcdir/conf/vigil.catalog" "$croot/usr/lib/systemd/catalog/" || fail "(a) copy the catalog"
journalctl --root="$croot" --update-catalog >"$work/catalog.err" 2>&1 || fail "(a) journalctl --update-catalog"
[ -s "$work/catalog.err" ] && fail "(a) the catalog does not parse cleanly: $(head -n 3 "$work/catalog.err")"
if [ ! -d /var/lib/systemd/catalog ]; then
	mount -t tmpfs -o mode=0755 tmpfs /var/lib/systemd || fail "(a) cannot mount tmpfs on /var/lib/systemd"
	mkdir /var/lib/systemd/catalog
fi
mount --bind "$croot/var/lib/systemd/catalog" /var/lib/systemd/catalog || fail "(a) cannot mount the catalog"
journalctl --sync
subject() {
	journalctl -x --no-pager "VIGIL_LOGIN_ID=$1" 2>/dev/null | sed -n 's/^.*Subject: //p' | head -n 1
}
s=$(subject deny)
[ "$s" = "Vigil login of bob through sudo: deny, reason network" ] || fail "(a) decision Subject: '$s'"
s=$(subject full-0)
case $s in "Vigil login of "*" through sshd: stepup, reason risk") ;; *) fail "(a) decision Subject: '$s'" ;; esac
s=$(subject full-1)
case $s in "Vigil step-up by "*": ok") ;; *) fail "(a) step-up Subject: '$s'" ;; esac
s=$(subject full-3)
case $s in "Vigil session open for "*": ok") ;; *) fail "(a) session Subject: '$s'" ;; esac
s=$(subject full-5)
case $s in "Vigil lockout of "*": risk") ;; *) fail "(a) lockout Subject: '$s'" ;; esac

# ---- (b) journald stopped, then a replay ----
kill -STOP "$jpid"
timeout 20 "$prog" "$spill" many 200 b >"$work/b.out" 2>"$work/b.err"
rc=$?
[ "$rc" -eq 0 ] || fail "(b) audit_emit exited $rc (124: it hung)"
grep -q "journald is not reading" "$work/b.err" || fail "(b) the writer did not report a stuck journald"
grep -Eq "[1-9][0-9]* lost" "$work/b.err" && fail "(b) records lost"
[ -s "$spill" ] || fail "(b) nothing was spilled"
kill -CONT "$jpid"
timeout 20 "$prog" "$spill" replay >"$work/b2.out" 2>"$work/b2.err" || fail "(b) replay exited $?"
[ -s "$spill" ] && fail "(b) the spill file was not emptied by the replay"
journal_dump "$work/b.json"
"$PY" - "$work/b.json" <<'EOF' || fail "(b) journal records"
import json, sys
ids = [json.loads(l).get("VIGIL_LOGIN_ID", "") for l in open(sys.argv[1], encoding="utf-8")]
got = {i for i in ids if i.startswith("b-")}
assert got == {"b-%04d" % i for i in range(200)}, 200 - len(got)
EOF

# ---- (d) journald stopped while the queue overflows; same-process replay ----
kill -STOP "$jpid"
"$prog" --hold "$work/go" "$spill" many 1500 d >"$work/d.out" 2>"$work/d.err" &
ppid=$!
for _ in $(seq 1 400); do
	grep -q emitted "$work/d.out" 2>/dev/null && break
	sleep 0.05
done
grep -q emitted "$work/d.out" || fail "(d) audit_emit did not finish emitting"
[ -s "$spill" ] || fail "(d) a full queue did not spill"
kill -CONT "$jpid"
for _ in $(seq 1 400); do
	[ -s "$spill" ] || break
	sleep 0.05
done
touch "$work/go"
wait "$ppid" || fail "(d) audit_emit exited $?"
[ -s "$spill" ] && fail "(d) the writer did not replay the spill file"
grep -Eq "[1-9][0-9]* lost" "$work/d.err" && fail "(d) records lost"
journal_dump "$work/d.json"
"$PY" - "$work/d.json" <<'EOF' || fail "(d) journal records"
import json, sys
ids = [json.loads(l).get("VIGIL_LOGIN_ID", "") for l in open(sys.argv[1], encoding="utf-8")]
got = [i for i in ids if i.startswith("d-")]
assert len(got) == 1500, len(got)
assert got == ["d-%04d" % i for i in range(1500)], "out of order"
EOF

# ---- (e) a stale socket: sd_journal_sendv() fails, stderr instead ----
kill "$jpid"
wait "$jpid" 2>/dev/null
jpid=
rm -f /run/systemd/journal/socket
"$PY" -c 'import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind("/run/systemd/journal/socket")' ||
	fail "(e) cannot make a stale socket"
"$prog" "$spill" full "$user" >"$work/e.out" 2>"$work/e.err" || fail "(e) audit_emit exited $?"
[ "$(grep -c '^vigild: audit [a-z_]* ' "$work/e.err")" -eq 12 ] || fail "(e) records missing on stderr"
grep -q "^vigild: audit: 12 records not delivered to journald (written to stderr), 0 lost$" "$work/e.err" ||
	fail "(e) undelivered records not counted"

echo "PASS: audit records on stderr, delivered, spilled, replayed, refused"
exit 0

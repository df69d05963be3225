#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Vigil demo: builds Vigil, starts vigild on a temporary state directory
# (embedded SQLite), and plays scripted logins through pamtester that show
# allow, step-up and deny with the signals that caused them, a step-up
# answered by touching a security key and one answered with a recovery code,
# then prints the audit records they produced, read back from a private
# journald.  The security key is the tests' software one
# (tests/fido2/softkey), built here but never installed, and plugged in
# through /etc/ld.so.preload of the demo's namespace only.
#
# Runs as root in a private mount namespace: the host's /etc, /run and
# journal are never touched, and everything is removed at the end.
#
# Everything it shows must be real: a login whose outcome is not the one
# announced, a journald that did not start, or an audit trail that lacks a
# record the logins must have written ends the demo with a message and a
# non-zero status, never with an empty table.
#
# The idle scene: a login that stays (tests/pam/session-hold: a pty that is
# the user's, the PAM session opened through the module, the process alive
# and never typing) gets the warning line on its terminal, then vigild ends
# the session with SIGHUP (no logind here: /run is private).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root: it installs packages and uses a private mount namespace" >&2
	exit 1
fi
if [ -z "${VT_IN_NAMESPACE:-}" ]; then
	bash "$top/scripts/deps.sh" --demo
	bash "$top/scripts/build.sh" "$top/build"
	# The soft key is a check_ target (make check builds it, make install
	# never copies it): just its three targets, nothing else of the tests.
	make -C "$top/build" -s tests/fido2/softkey/softkey.la tests/fido2/softkey/softkey-dev.la \
		tests/fido2/softkey/softkey-ctl tests/pam/session-hold >/dev/null || {
		echo "demo.sh: FAILED: the software security key did not build (it needs libcbor-dev:" \
			"scripts/deps.sh --demo installs it; configure must have found it)" >&2
		exit 1
	}
	exec unshare -m --propagation private env VT_IN_NAMESPACE=1 bash "$0" "$@"
fi

top_srcdir=$top top_builddir=$top/build
# shellcheck source=../tests/lib.sh
. "$top/tests/lib.sh"
vt_mktree
cleanup() {
	vt_stop_vigild
	vt_stop_journald
	rm -rf "$VT_TMP"
}
trap cleanup EXIT

# demo_fail WHY [LOG]: the demo could not show what it says; LOG's tail helps.
demo_fail() {
	echo "demo.sh: FAILED: $1" >&2
	if [ -n "${2:-}" ] && [ -s "$2" ]; then
		echo "--- last lines of $(basename "$2"):" >&2
		tail -n 20 "$2" >&2
	fi
	exit 1
}

bold=$(tput bold 2>/dev/null || true) plain=$(tput sgr0 2>/dev/null || true)
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

# --- a private journald, PAM stacks and configuration --------------------
# A private /run: the journald below and the soft key's state live there.
mount -t tmpfs -o mode=0755 tmpfs /run
vt_journald
# The audit table is read back from this journald: without it there is
# nothing true to show.
[ -S /run/systemd/journal/socket ] && kill -0 "$VT_JOURNALD_PID" 2>/dev/null ||
	demo_fail "the private journald did not start, so no audit record can be shown" "$VT_TMP/log/journald.log"
# The software security key: its state in a private /run/vigil-softkey,
# where the helper (which runs with a cleared environment) looks; the shim
# in this namespace's /etc/ld.so.preload only (tests/fido2/softkey/plug.sh).
sk=$top_builddir/tests/fido2/softkey
skstate=/run/vigil-softkey/state
# shellcheck source=../tests/fido2/softkey/plug.sh
. "$top/tests/fido2/softkey/plug.sh"
mkdir -m 755 /run/vigil-softkey
"$sk/softkey-ctl" init "$skstate" >/dev/null 2>"$VT_TMP/log/softkey.log" ||
	demo_fail "softkey-ctl could not make the software key" "$VT_TMP/log/softkey.log"
softkey_plug "$(readlink -f "$sk/.libs/softkey.so")" "$VT_TMP" 2>"$VT_TMP/log/softkey.log" ||
	demo_fail "the software key could not be plugged in through /etc/ld.so.preload" "$VT_TMP/log/softkey.log"
# The helper the module runs for a touch: a root-owned copy.
mkdir -m 755 "$VT_TMP/lib"
install -m 755 "$top_builddir/helper/vigil-fido2" "$VT_TMP/lib/vigil-fido2"

mkdir -m 755 "$VT_TMP/pam.d"
module="$(vt_module) socket=$VT_SOCKET fido2_helper=$VT_TMP/lib/vigil-fido2"
for service in sshd sudo login; do
	printf 'auth required %s\naccount required %s\nsession required %s\n' "$module" "$module" "$module" \
		>"$VT_TMP/pam.d/$service"
done
echo "auth required pam_deny.so" >"$VT_TMP/pam.d/other"
mount --bind "$VT_TMP/pam.d" /etc/pam.d

vt_config "$VT_TMP/etc/vigil.conf" \
	'[policy]' 'stepup_at = 30' 'deny_at = 100' \
	'[totp]' 'window = 3' \
	'[network]' 'deny = 203.0.113.0/24' \
	'[session]' 'idle_timeout = 10' 'idle_warning = 5'
vt_start_vigild "$VT_TMP/etc/vigil.conf"

# login SERVICE USER RHOST CODE-SOURCE EXPECT: one pamtester login (auth +
# account).  CODE-SOURCE is "code" (the user's next valid code), "wrong",
# "recovery" (the user's next unused recovery code) or "none" (nothing
# typed: a touch answers a security key's prompt); EXPECT is "allowed" or
# "refused", what the step's title announced.  What the login showed is
# kept in $said.
login() {
	local service=$1 user=$2 rhost=$3 answer=$4 expect=$5 input rc=0 got
	case $answer in
	code) input=$(vt_next_code "$user") ;;
	wrong) input=000000 ;;
	recovery)
		input=$(head -n 1 "$VT_TMP/secrets/$user.recovery")
		sed -i 1d "$VT_TMP/secrets/$user.recovery"
		;;
	*) input= ;;
	esac
	printf '%s$ pamtester -I rhost=%s %s %s authenticate acct_mgmt%s\n' "$bold" "${rhost:-(none)}" \
		"$service" "$user" "$plain"
	local args=(-I tty=pts/0)
	[ -z "$rhost" ] || args+=(-I "rhost=$rhost")
	[ "$service" != login ] || args=(-I tty=tty1)
	# pamtester echoes nothing of what it reads: the code is never shown.
	printf '%s\n' "$input" | stdbuf -o0 -e0 pamtester "${args[@]}" "$service" "$user" authenticate acct_mgmt \
		>"$VT_TMP/log/login.out" 2>&1 || rc=$?
	said=$(cat "$VT_TMP/log/login.out")
	sed 's/^/    /' "$VT_TMP/log/login.out"
	got=allowed
	[ "$rc" -eq 0 ] || got=refused
	[ "$got" = "$expect" ] ||
		demo_fail "$user's $service login from ${rhost:-a terminal} was $got, not $expect" "$VT_TMP/log/vigild.log"
}

say "alice enrolls a TOTP app (vigilctl totp enroll; the QR code and secret are not shown here)"
vt_enroll alice
echo "    alice is enrolled"

say "1. alice's first login from 192.0.2.10: new device, new source, new network -> step-up, right code"
login sshd alice 192.0.2.10 code allowed
say "2. alice again from 192.0.2.10: everything known -> allowed with no prompt"
login sshd alice 192.0.2.10 none allowed
say "3. alice from 198.51.100.7: new source and network -> step-up, and a wrong code -> denied"
login sshd alice 198.51.100.7 wrong refused
say "4. bob, never enrolled, must step up -> denied with how to enroll"
login sshd bob 192.0.2.10 none refused
say "5. alice from 203.0.113.5, on the deny list -> denied"
login sshd alice 203.0.113.5 none refused
say "6. alice runs sudo: privileged, needs a fresh step-up -> code -> allowed"
login sudo alice "" code allowed

# shows TEXT WHAT: the last login showed TEXT, or the demo fails saying WHAT.
shows() { grep -qF -- "$1" <<<"$said" || demo_fail "$2: the login never said \"$1\"" "$VT_TMP/log/vigild.log"; }

say "carol enrolls a security key: root runs vigilctl key enroll --user carol --name carol-key, and the key is touched"
"$(vt_vigilctl_bin)" --socket "$VT_SOCKET" key enroll --user carol --name carol-key </dev/null 2>&1 |
	tee "$VT_TMP/log/key-enroll.out" | sed 's/^/    /'
grep -q "Security key carol-key enrolled" "$VT_TMP/log/key-enroll.out" ||
	demo_fail "vigilctl key enroll did not enroll carol's key" "$VT_TMP/log/key-enroll.out"
c0=$("$sk/softkey-ctl" get "$skstate" counter)
say "7. carol logs in at the console (login, tty1, no rhost): new device -> step-up, answered by a touch, no code typed"
login login carol "" none allowed
shows "Touch your security key." "carol's console login was not answered by her security key"
c1=$("$sk/softkey-ctl" get "$skstate" counter)
[ "$c1" -eq $((c0 + 1)) ] || demo_fail "carol's login was allowed, but her security key did not sign it once (counter $c0 -> $c1)"
echo "    (the key signed: its counter went from $c0 to $c1)"

say "root makes carol's recovery codes: vigilctl recovery generate --user carol (the codes are not shown here)"
"$(vt_vigilctl_bin)" --socket "$VT_SOCKET" recovery generate --user carol 2>"$VT_TMP/log/recovery.err" |
	grep -oE '\b[a-z]{4}-[a-z]{4}-[a-z]{4}\b' >"$VT_TMP/secrets/carol.recovery" || true
[ "$(wc -l <"$VT_TMP/secrets/carol.recovery")" -eq 10 ] ||
	demo_fail "vigilctl recovery generate did not give carol ten codes" "$VT_TMP/log/recovery.err"
echo "    carol has 10 recovery codes"
say "8. carol over ssh from 192.0.2.20: nobody can touch her key there -> a recovery code -> allowed, 9 left"
login sshd carol 192.0.2.20 recovery allowed
shows "recovery code accepted; 9 left" "carol's recovery code was not counted"

say "9. alice logs in on a terminal and leaves it ([session] idle_timeout = 10, idle_warning = 5): one warning line, then vigild ends the session"
printf '%s$ session-hold sshd alice (rhost 192.0.2.10, on a new pty that nobody types on)%s\n' "$bold" "$plain"
alice_uid=$(awk -F: '$1 == "alice" {print $3}' "$NSS_WRAPPER_PASSWD")
t0=$(date +%s)
# A code on stdin in case the login asks for one (it is never shown).
rc=0
vt_next_code alice | timeout 60 stdbuf -o0 "$top_builddir/tests/pam/session-hold" sshd alice "$alice_uid" 192.0.2.10 40 \
	>"$VT_TMP/log/hold.out" 2>&1 || rc=$?
said=$(cat "$VT_TMP/log/hold.out")
sed 's/^/    /' "$VT_TMP/log/hold.out"
[ "$rc" -eq 0 ] || demo_fail "alice's idle session was not ended (session-hold exit $rc)" "$VT_TMP/log/vigild.log"
shows "Vigil: this session has been idle and will be ended in 5 seconds unless you use it." \
	"alice's terminal never got the idle warning"
shows "got SIGHUP: the session was ended" "alice's session process was not sent SIGHUP"
echo "    (ended $(($(date +%s) - t0)) s after the login: the warning at 5 s idle, the end 5 s later)"

say "The audit trail in journald (journalctl -o json VIGIL_EVENT=...)"
journalctl --sync >/dev/null 2>&1 ||
	demo_fail "journalctl --sync failed: journald is gone, the audit trail cannot be read" "$VT_TMP/log/journald.log"
journalctl -o json --no-pager SYSLOG_IDENTIFIER=vigild >"$VT_TMP/audit.json" 2>"$VT_TMP/log/journalctl.err" ||
	demo_fail "journalctl could not read the audit trail" "$VT_TMP/log/journalctl.err"
# Prints the table, then checks it holds every record the logins above must
# have written (event, user, service, rhost, decision, result or reason);
# exits 1 naming each one that is missing.
/usr/bin/python3 - "$VT_TMP/audit.json" <<'EOF' || demo_fail "the audit trail is not what the logins above wrote" "$VT_TMP/log/vigild.log"
import collections, json, sys
# (event, user, service, rhost, decision, result or reason[, method, key]);
# method and key are checked only where given.
expected = [
    ("decision", "alice", "sshd", "192.0.2.10", "stepup", "risk"),
    ("stepup", "alice", "sshd", "192.0.2.10", "", "ok"),
    ("decision", "alice", "sshd", "192.0.2.10", "allow", "stepped_up"),
    ("decision", "alice", "sshd", "192.0.2.10", "allow", "low_risk"),
    ("stepup", "alice", "sshd", "198.51.100.7", "", "bad_code"),
    ("decision", "alice", "sshd", "198.51.100.7", "deny", "stepup_failed"),
    ("decision", "bob", "sshd", "192.0.2.10", "deny", "not_enrolled"),
    ("decision", "alice", "sshd", "203.0.113.5", "deny", "network"),
    ("stepup", "alice", "sudo", "", "", "ok"),
    ("decision", "alice", "sudo", "", "allow", "stepped_up"),
    ("stepup", "carol", "login", "", "", "ok", "fido2", "carol-key"),
    ("decision", "carol", "login", "", "allow", "stepped_up", "fido2"),
    ("stepup", "carol", "sshd", "192.0.2.20", "", "ok", "recovery", ""),
    ("decision", "carol", "sshd", "192.0.2.20", "allow", "stepped_up", "recovery", ""),
    ("session_open", "alice", "sshd", "192.0.2.10", "", "ok"),
    ("session_warn", "alice", "sshd", "192.0.2.10", "", "idle_warning"),
    ("session_close", "alice", "sshd", "192.0.2.10", "", "idle_end"),
]
fmt = "    %-9s %-6s %-5s %-13s %-9s %-14s %-19s %5s  %s"
print(fmt % ("event", "user", "svc", "rhost", "decision", "result", "method", "score", "signals"))
seen = collections.Counter()
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line)
        if "VIGIL_EVENT" not in r or r["VIGIL_EVENT"] == "service":
            continue
        g = lambda k: r.get("VIGIL_" + k, "") if isinstance(r.get("VIGIL_" + k, ""), str) else "?"
        row = (g("EVENT"), g("USER"), g("SERVICE"), g("RHOST"), g("DECISION"), g("RESULT") or g("REASON"),
               g("METHOD"), g("KEY_NAME"))
        method = row[6] + (" " + row[7] if row[7] else "")
        if g("RECOVERY_LEFT"):
            method += " (%s left)" % g("RECOVERY_LEFT")
        print(fmt % (row[:6] + (method, g("SCORE"), g("SIGNALS"))))
        seen[row] += 1
missing = []
for e in expected:
    match = next((r for r in seen if seen[r] > 0 and r[:len(e)] == e), None)
    if match:
        seen[match] -= 1
    else:
        missing.append(e)
names = ("event", "user", "service", "rhost", "decision", "result", "method", "key")
for m in missing:
    print("demo.sh: no audit record with " + " ".join("%s=%s" % (k, v or "-") for k, v in zip(names, m)),
          file=sys.stderr)
sys.exit(1 if missing else 0)
EOF
echo
echo "Every record above carries a MESSAGE_ID from conf/vigil.catalog; none carries a secret."

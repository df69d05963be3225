#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The admin verbs that change state or analyse decisions, against a real
# vigild and real logins (pamtester on pam_wrapper stacks), with a private
# journald in a mount namespace to read the audit trail back:
#   1. refusals: a non-root caller cannot reach the admin socket, and gets
#      "permission" for every admin verb through the public socket; so does
#      root there (the verbs are served on the admin socket only);
#   2. lost phone: `factor remove --user alice totp` (audited), alice is then
#      refused where she must step up, root enrolls her again (not "already
#      enrolled"), codes of the old seed are refused and the new ones work;
#   3. `device forget` and `source forget` (audited): the next login scores
#      the device, or the address (not its /24), as new again;
#   4. `totp remove` by alice herself: a wrong code is refused and counted; a
#      right one is refused (her last factor) but spent (the same code is
#      then a replay at a login); after `vigilctl reload` into
#      no_factor = enroll it still removes nothing (a user never removes the
#      last factor: a thief with her key and one code could turn step-ups
#      off or enroll an app of their own);
#   5. `reload` of a broken file: refused with the parser's file:line, the
#      running configuration kept, both audited;
#   6. `simulate` writes nothing (no user row, login, failure, watermark or
#      audit record), and `explain` / usage / unreachable exit codes;
#   7. tests/admin_change/compare.py: simulate against a few hundred real
#      logins generated from a seeded RNG (VT_SEED, VT_CASES), and explain of
#      each login id against its audit record.
# Each check prints "ok - ..." or "not ok - ..."; exits 1 if any failed, 77
# when not root or a tool is missing.  TOTP seeds and codes stay in 0600
# files of the tree and in pipes; a last check greps every output for them.
set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

vt_require_root
ldconfig -p 2>/dev/null | grep 'libpam_wrapper\.so' >/dev/null || vt_skip "pam_wrapper is not installed (libpam-wrapper)"
for t in pamtester unshare journalctl expect oathtool setpriv ssh-keygen sqlite3 /lib/systemd/systemd-journald \
	/usr/bin/python3; do
	command -v "$t" >/dev/null 2>&1 || vt_skip "missing $t"
done
[ -x "$(vt_vigild_bin)" ] || vt_die "vigild not built"
[ -x "$(vt_vigilctl_bin)" ] || vt_die "vigilctl not built"

if [ -z "${VIGIL_ADMIN_CHANGE_NS:-}" ]; then
	export VIGIL_ADMIN_CHANGE_NS=1 top_srcdir top_builddir
	exec unshare -m --propagation private "$BASH" "$0" "$@"
fi

# ---- inside the namespace ----
vt_mktree
vt_nss_setup
cleanup() {
	local rc=$? d
	vt_stop_vigild
	vt_stop_journald
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		echo "--- vigild log (last 30 lines)" >&2
		tail -n 30 "$VT_TMP/log/vigild.log" >&2
	fi
	for d in /tmp/pam.*; do
		[ -d "$d" ] && grep -qsF "$VT_TMP" "$d"/* && rm -rf "$d"
	done
	if [ -n "${VT_KEEP:-}" ]; then
		echo "kept $VT_TMP" >&2
	else
		rm -rf "$VT_TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
vt_journald

passed=0
failed=0
pass() {
	echo "ok - $*"
	passed=$((passed + 1))
}
fail() {
	echo "not ok - $*"
	failed=$((failed + 1))
}
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

mkdir -m 755 "$VT_TMP/bin" "$VT_TMP/keys" "$VT_TMP/pam.d" "$VT_TMP/lib"
# Copies another uid can run whatever the build tree's permissions.
install -m 755 "$(vt_vigilctl_bin)" "$VT_TMP/bin/vigilctl"
install -m 644 "$(vt_module)" "$VT_TMP/lib/pam_vigil.so"
for k in key1 key2 key3; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$VT_TMP/keys/$k"
done
chmod 644 "$VT_TMP"/keys/*.pub
fp_of() { ssh-keygen -l -E sha256 -f "$VT_TMP/keys/$1.pub" | cut -d' ' -f2; }

CONF=$VT_TMP/etc/vigil.conf
ADMIN=$VT_TMP/run/admin.sock
OUT=$VT_TMP/log/out
ERR=$VT_TMP/log/err
CTL=("$VT_TMP/bin/vigilctl" --socket "$VT_SOCKET" --admin-socket "$ADMIN")
# The configurations the run switches between: enforce (no_factor = deny),
# no_factor = enroll, shadow mode (the old spelling), learn mode,
# no_factor = allow.  A new key (40) or a
# new address in a new /24 (20 + 20) asks for a step-up; 203.0.113.0/24 is
# denied; failures fire their signals early and lock late, so a run sees
# both.
conf_of() {
	vt_config "$1" \
		'[risk]' 'user_failures_min = 2' 'source_failures_min = 3' \
		'[policy]' 'stepup_at = 30' 'deny_at = 100' 'fresh_window = 300' "no_factor = $2" "$3" \
		'[totp]' 'window = 10' \
		'[lockout]' 'deny = 3' 'interval = 900' 'unlock = 600' 'source_max = 8' 'source_window = 60' \
		'[network]' 'deny = 203.0.113.0/24'
}
conf_of "$VT_TMP/etc/enforce.conf" deny 'mode = enforce'
conf_of "$VT_TMP/etc/enroll.conf" enroll 'shadow = no'
conf_of "$VT_TMP/etc/shadow.conf" deny 'shadow = yes'
conf_of "$VT_TMP/etc/learn.conf" deny 'mode = learn'
conf_of "$VT_TMP/etc/allow.conf" allow 'mode = enforce'
cp "$VT_TMP/etc/enforce.conf" "$CONF"

args="socket=$VT_SOCKET timeout=5"
for svc in sshd sudo; do
	printf 'auth required %s %s\naccount required %s %s\n' "$VT_TMP/lib/pam_vigil.so" "$args" \
		"$VT_TMP/lib/pam_vigil.so" "$args" >"$VT_TMP/pam.d/$svc"
done
echo "auth required pam_deny.so" >"$VT_TMP/pam.d/other"
chmod 644 "$VT_TMP"/pam.d/*

vt_start_vigild "$CONF"

ctl() { "${CTL[@]}" "$@" >"$OUT" 2>"$ERR"; }
said() { grep -qF -- "$1" "$OUT" "$ERR"; }
# ctl_rc RC ARGS...: vigilctl ARGS exits RC.
ctl_rc() {
	local want=$1 rc=0
	shift
	ctl "$@" || rc=$?
	[ "$rc" -eq "$want" ] || {
		echo "# vigilctl $* exited $rc, not $want: $(cat "$ERR")" >&2
		return 1
	}
}
as_user() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}
uid_of() { awk -F: -v u="$1" '$1 == u { print $3 }' "$NSS_WRAPPER_PASSWD"; }

# plogin ANSWER USER sshd RHOST KEY | plogin ANSWER USER sudo: a real login
# (authenticate, then acct_mgmt) through pamtester on pam_wrapper; ANSWER is
# "code" (USER's next code), "old" (a code of USER's previous seed), "wrong",
# "none", or "again" (the last code given, once more).  pamtester's status.
plogin() {
	local answer=$1 user=$2 svc=$3 input=
	local -a items=()
	if [ "$svc" = sshd ]; then
		items=(-I "rhost=$4" -I tty=ssh -E "SSH_AUTH_INFO_0=publickey $(cut -d' ' -f1,2 "$VT_TMP/keys/$5.pub")")
	fi
	case $answer in
	code) input=$(vt_next_code "$user" | tee "$VT_TMP/secrets/last.code") ;;
	again) input=$(cat "$VT_TMP/secrets/last.code") ;;
	old) input=$(oathtool --totp -b "$(cat "$VT_TMP/secrets/$user-old.b32")") ;;
	wrong) input=000000 ;;
	esac
	# A sanitizer build's module needs the ASan runtime loaded first.
	printf '%s\n' "$input" | env LD_PRELOAD="${VIGIL_ASAN_PRELOAD:+$VIGIL_ASAN_PRELOAD }libpam_wrapper.so" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$VT_TMP/pam.d" pamtester "${items[@]}" "$svc" "$user" authenticate acct_mgmt \
		>>"$VT_TMP/log/pamtester.out" 2>&1
}
# jcount FIELD=VALUE...: vigild's journal records matching all of them.
jcount() {
	journalctl --sync 2>/dev/null
	journalctl -o json --no-pager SYSLOG_IDENTIFIER=vigild "$@" 2>/dev/null | grep -c .
}
# jhas N FIELD=VALUE...: at least N such records appear (audit is async).
jhas() {
	local n=$1 end=$((SECONDS + 5))
	shift
	until [ "$(jcount "$@")" -ge "$n" ]; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

ALICE_UID=$(uid_of alice)
[ -n "$ALICE_UID" ] || vt_die "alice has no uid in $NSS_WRAPPER_PASSWD"
vt_enroll alice

# ---------------------------------------------------------------------------
# 1. Refusals.
check "1 a non-root caller cannot reach the admin socket (exit 3)" \
	eval 'rc=0; as_user 65534 "${CTL[@]}" factor remove --user alice totp >"$OUT" 2>&1 || rc=$?; [ "$rc" -eq 3 ]'
pub=("$VT_TMP/bin/vigilctl" --admin-socket "$VT_SOCKET")
for verb in "factor remove --user alice totp" "device forget --user alice SHA256:x" \
	"source forget --user alice 192.0.2.10" "explain 0123" "simulate --user alice --service sshd" "reload"; do
	# shellcheck disable=SC2086
	check "1 $verb through the public socket, as uid 65534: refused (exit 1, permission)" \
		eval 'rc=0; as_user 65534 "${pub[@]}" '"$verb"' >"$OUT" 2>&1 || rc=$?; [ "$rc" -eq 1 ] && grep -q permission "$OUT"'
	# shellcheck disable=SC2086
	check "1 $verb through the public socket, as root: refused (exit 1, permission)" \
		eval 'rc=0; "${pub[@]}" '"$verb"' >"$OUT" 2>&1 || rc=$?; [ "$rc" -eq 1 ] && grep -q permission "$OUT"'
done
check "1 alice's factor is still there after the refusals" \
	eval '"${CTL[@]}" status --user alice | grep "^  totp" >/dev/null'
check "1 no admin record was written for the refusals" eval '[ "$(jcount VIGIL_EVENT=admin)" -eq 0 ]'

# ---------------------------------------------------------------------------
# 2. Lost phone.
check "2 alice logs in with a code (key1, 192.0.2.10)" plogin code alice sshd 192.0.2.10 key1
cp "$VT_TMP/secrets/alice.b32" "$VT_TMP/secrets/alice-old.b32"
check "2 factor remove --user alice totp: exit 0" ctl_rc 0 factor remove --user alice totp
check "2 ... says so" said "Removed TOTP factor of alice"
check "2 ... audited (admin, user, totp, factor_removed)" \
	jhas 1 VIGIL_EVENT=admin VIGIL_USER=alice VIGIL_METHOD=totp VIGIL_RESULT=factor_removed
check "2 status shows no factor" eval '"${CTL[@]}" status --user alice | grep -A1 "^factors:" | grep "^  none" >/dev/null'
check "2 a login that must step up is refused (not enrolled)" eval '! plogin none alice sshd 198.51.100.7 key1'
check "2 ... audited as not_enrolled" \
	jhas 1 VIGIL_EVENT=decision VIGIL_USER=alice VIGIL_DECISION=deny VIGIL_REASON=not_enrolled
check "2 a second factor remove: exit 1, no factor" ctl_rc 1 factor remove --user alice totp
check "2 ... says so" said "alice has no TOTP factor"
check "2 factor remove of a user NSS does not know: exit 1" ctl_rc 1 factor remove --user nosuch totp
check "2 ... says so" said "no such user: nosuch"
check "2 factor remove of a user vigild never saw: exit 1" ctl_rc 1 factor remove --user erin totp
check "2 ... says so" said "erin has no TOTP factor"
check "2 ... and makes no row for erin" \
	eval '[ "$(sqlite3 "$VT_TMP/state/vigil.db" "SELECT count(*) FROM users WHERE name = '"'erin'"'")" -eq 0 ]'
check "2 factor remove of an unknown factor type: exit 2" ctl_rc 2 factor remove --user alice fido2
check "2 factor remove without --user: exit 2" ctl_rc 2 factor remove totp
check "2 root enrolls alice again" eval 'vt_enroll alice; ! grep -q "already" "$VT_TMP/log/enroll-alice.log"'
check "2 a code of the old seed is refused" eval '! plogin old alice sshd 198.51.100.8 key1'
check "2 ... as a bad code" jhas 1 VIGIL_EVENT=stepup VIGIL_USER=alice VIGIL_RESULT=bad_code
check "2 a code of the new seed works" plogin code alice sshd 198.51.100.8 key1

# ---------------------------------------------------------------------------
# 3. device forget, source forget.
fp1=$(fp_of key1)
check "3 status lists key1 as a known device" eval '"${CTL[@]}" status --user alice | grep -F "$fp1" >/dev/null'
check "3 simulate from a known device and source: no new_device" \
	eval 'ctl simulate --user alice --service sshd --rhost 192.0.2.10 --key "$VT_TMP/keys/key1.pub" && grep -q "^signals: *-$" "$OUT"'
check "3 device forget: exit 0" ctl_rc 0 device forget --user alice "$fp1"
check "3 ... audited (admin, device, device_forgotten)" \
	jhas 1 VIGIL_EVENT=admin VIGIL_USER=alice "VIGIL_DEVICE=$fp1" VIGIL_RESULT=device_forgotten
check "3 simulate now scores key1 as a new device" \
	eval 'ctl simulate --user alice --service sshd --rhost 192.0.2.10 --key "$VT_TMP/keys/key1.pub" && grep -q "^signals: *new_device$" "$OUT"'
check "3 a second device forget: exit 1, no such device" \
	eval 'ctl_rc 1 device forget --user alice "$fp1" && said "no such device"'
check "3 device forget for a user vigild never saw: exit 1" ctl_rc 1 device forget --user erin "$fp1"
check "3 device forget for a user NSS does not know: exit 1, no such user" \
	eval 'ctl_rc 1 device forget --user nosuch "$fp1" && said "no such user: nosuch"'
check "3 source forget: exit 0" ctl_rc 0 source forget --user alice 192.0.2.10
check "3 ... audited (admin, rhost, source_forgotten)" \
	jhas 1 VIGIL_EVENT=admin VIGIL_USER=alice VIGIL_RHOST=192.0.2.10 VIGIL_RESULT=source_forgotten
check "3 simulate now scores 192.0.2.10 a new source, in a known /24" \
	eval 'ctl simulate --user alice --service sshd --rhost 192.0.2.10 --key "$VT_TMP/keys/key2.pub" && grep -q "^signals: *new_device,new_source$" "$OUT"'
check "3 a second source forget: exit 1" ctl_rc 1 source forget --user alice 192.0.2.10
check "3 device forget with an extra operand: exit 2" ctl_rc 2 device forget --user alice a b

# ---------------------------------------------------------------------------
# 4. totp remove, by alice herself (uid from nss_wrapper, as vigild sees her).
as_alice() { as_user "$ALICE_UID" "$VT_TMP/bin/vigilctl" --socket "$VT_SOCKET" totp remove; }
check "4 a wrong code: exit 1, nothing removed" \
	eval 'rc=0; echo 000000 | as_alice >"$OUT" 2>&1 || rc=$?; [ "$rc" -eq 1 ] && grep -q "not valid" "$OUT"'
check "4 ... audited as bad_code, charged to alice's uid" \
	jhas 1 VIGIL_EVENT=enroll VIGIL_USER=alice VIGIL_RESULT=bad_code "VIGIL_CALLER=uid=$ALICE_UID"
check "4 the right code: exit 1 (a user never removes the last factor)" \
	eval 'rc=0; vt_next_code alice | tee "$VT_TMP/secrets/last.code" | as_alice >"$OUT" 2>&1 || rc=$?; [ "$rc" -eq 1 ] && grep -q "last factor" "$OUT"'
check "4 ... audited as refused" jhas 1 VIGIL_EVENT=enroll VIGIL_USER=alice VIGIL_RESULT=refused
check "4 ... the factor is still there" eval '"${CTL[@]}" status --user alice | grep "^  totp" >/dev/null'
check "4 ... and that code is spent: at a login it is a replay" eval '! plogin again alice sshd 198.51.100.9 key3'
check "4 ... audited as a replay" jhas 1 VIGIL_EVENT=stepup VIGIL_USER=alice VIGIL_RESULT=replay
cp "$VT_TMP/etc/enroll.conf" "$CONF"
check "4 reload into no_factor = enroll: exit 0" ctl_rc 0 reload
check "4 ... audited (service, admin, reloaded)" jhas 1 VIGIL_EVENT=service VIGIL_METHOD=admin VIGIL_RESULT=reloaded
check "4 under no_factor = enroll a fresh code removes nothing either: exit 1" \
	eval 'rc=0; vt_next_code alice | as_alice >"$OUT" 2>&1 || rc=$?; [ "$rc" -eq 1 ] && grep -q "last factor" "$OUT"'
check "4 ... audited as refused, twice now" jhas 2 VIGIL_EVENT=enroll VIGIL_USER=alice VIGIL_RESULT=refused
check "4 ... the factor is still there" eval '"${CTL[@]}" status --user alice | grep "^  totp" >/dev/null'
"${CTL[@]}" factor remove --user alice totp >/dev/null
check "4 totp remove without a factor (root removed it): exit 1" \
	eval 'rc=0; echo 123456 | as_alice >"$OUT" 2>&1 || rc=$?; [ "$rc" -eq 1 ] && grep -q "no TOTP factor" "$OUT"'

# ---------------------------------------------------------------------------
# 5. reload of a broken file.
printf 'garbage\n' >>"$CONF"
line=$(wc -l <"$CONF")
check "5 reload of a broken file: exit 1 with file:line" \
	eval 'ctl_rc 1 reload && grep -qF "vigil.conf:$line:" "$ERR"'
check "5 ... audited as failed" jhas 1 VIGIL_EVENT=service VIGIL_METHOD=admin VIGIL_RESULT=failed
check "5 ... the running configuration stays (no_factor = enroll still lets alice remove nothing, enroll works)" \
	eval 'ctl simulate --user bob --service sshd --rhost 192.0.2.50 --key "$VT_TMP/keys/key1.pub" && grep -q "no_factor = enroll" "$OUT"'
cp "$VT_TMP/etc/enforce.conf" "$CONF"
check "5 reload of the good file: exit 0" ctl_rc 0 reload
check "5 ... in force (no_factor = deny)" \
	eval 'ctl simulate --user bob --service sshd --rhost 192.0.2.50 --key "$VT_TMP/keys/key1.pub" && grep -q "no_factor = deny" "$OUT"'
check "5 reload with an operand: exit 2" ctl_rc 2 reload now

# ---------------------------------------------------------------------------
# 6. simulate writes nothing; explain; exit codes.
db=$VT_TMP/state/vigil.db
snapshot() {
	sqlite3 "$db" "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM logins),
		(SELECT count(*) FROM failures), (SELECT group_concat(kind || value || last_seen) FROM seen),
		(SELECT coalesce(sum(last_step), 0) FROM totp_factors), (SELECT count(*) FROM grants)"
	jcount
}
before=$(snapshot)
for u in alice bob dave; do
	for r in 192.0.2.10 198.51.100.7 203.0.113.5; do
		ctl simulate --user "$u" --service sshd --rhost "$r" --key "$VT_TMP/keys/key2.pub"
	done
	ctl simulate --user "$u" --service sudo
done
sleep 0.3
check "6 simulate wrote nothing (users, logins, failures, what logins taught, watermarks, grants, journal)" \
	eval '[ "$(snapshot)" = "$before" ]'
check "6 simulate of a user vigild never saw makes no row for it" \
	eval '[ "$(sqlite3 "$db" "SELECT count(*) FROM users WHERE name = '"'dave'"'")" -eq 0 ]'
check "6 simulate of a denied range: deny, network" \
	eval 'ctl simulate --user alice --service sshd --rhost 203.0.113.5 && grep -q "^reason: *network$" "$OUT"'
check "6 simulate --key of a file that is not a key: exit 2" \
	ctl_rc 2 simulate --user alice --service sshd --key "$CONF"
check "6 simulate without --service: exit 2" ctl_rc 2 simulate --user alice
last_id=$(journalctl --sync; journalctl -o json --no-pager VIGIL_EVENT=decision 2>/dev/null |
	/usr/bin/python3 -c 'import json, sys
ids = [json.loads(l).get("VIGIL_LOGIN_ID") for l in sys.stdin]
print([i for i in ids if i][-1])')
check "6 explain --json of a real login: one document, the same facts as the text" \
	eval 'ctl explain "$last_id" && cp "$OUT" "$OUT.text" && ctl explain --json "$last_id" &&
		/usr/bin/python3 - "$OUT" "$OUT.text" <<"EOF"
import json, sys
d = json.load(open(sys.argv[1]))
t = {l.split(":", 1)[0].strip(): l.split(":", 1)[1].strip() for l in open(sys.argv[2]) if l[:1] != " "}
assert d["login_id"] == t["login"] and d["user"] == t["user"], d
assert str(d["score"]) == t["score"] and d["reason"] == t["reason"] and d["outcome"] == t["outcome"], d
assert ",".join(d["signals"]) == (t["signals"] if t["signals"] != "-" else ""), d
assert set(d["points"]) >= set(d["signals"]) and d["rule"] == t["rule"], d
EOF'
check "6 simulate --json: a document with the verdict" \
	eval 'ctl simulate --json --user alice --service sshd --rhost 203.0.113.5 &&
		/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"decision\"] == \"deny\" and d[\"reason\"] == \"network\" and d[\"login_id\"] is None, d" "$OUT"'
check "6 reload --json: {reloaded: true}" \
	eval 'ctl reload --json && /usr/bin/python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == {\"reloaded\": True, \"error\": None}" "$OUT"'
check "6 explain of an unknown id: exit 1" eval 'ctl_rc 1 explain 0123456789abcdef && said "no such login"'
check "6 explain without an id: exit 2" ctl_rc 2 explain
check "6 explain with vigild unreachable: exit 3" \
	eval 'rc=0; "$VT_TMP/bin/vigilctl" --admin-socket "$VT_TMP/run/nosuch.sock" explain 01 >"$OUT" 2>&1 || rc=$?; [ "$rc" -eq 3 ]'

# ---------------------------------------------------------------------------
# 7. simulate against real logins, explain against their audit records.
vt_enroll alice
vt_enroll carol
VT_CTL="$VT_TMP/bin/vigilctl" VT_ADMIN_SOCKET="$ADMIN" VT_CONF="$CONF" VT_PAMD="$VT_TMP/pam.d" \
	VT_CONF_ENFORCE="$VT_TMP/etc/enforce.conf" VT_CONF_SHADOW="$VT_TMP/etc/shadow.conf" \
	VT_CONF_LEARN="$VT_TMP/etc/learn.conf" \
	VT_CONF_ALLOW="$VT_TMP/etc/allow.conf" VT_TOTP_WINDOW=10 VT_SEED="${VT_SEED:-8}" VT_CASES="${VT_CASES:-250}" \
	/usr/bin/python3 "$top_srcdir/tests/admin_change/compare.py" >"$VT_TMP/log/compare.out" 2>&1
rc=$?
grep -E '^(not ok|#)' "$VT_TMP/log/compare.out"
# A crash of the script itself says so.
[ "$rc" -eq 0 ] || grep -qE '^(not ok|#)' "$VT_TMP/log/compare.out" || tail -n 15 "$VT_TMP/log/compare.out"
check "7 simulate agrees with the real logins, explain with their audit records" [ "$rc" -eq 0 ]

# ---------------------------------------------------------------------------
journalctl --sync
journalctl -o export --no-pager >"$VT_TMP/log/journal.export" 2>/dev/null
check "no seed in any output, log or the journal" \
	eval 'vt_assert_no_secrets "$VT_TMP"/log/* "$VT_TMP/log/journal.export"'

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# vigilctl's read-only admin verbs against a real vigild on a private
# temporary tree (tests/lib.sh): users, user show, history (every filter,
# --limit, paging past one frame's worth of logins), daemon, config (each
# value's file:line, a drop-in, a reload), report (what enforcement would
# have decided, per reason, service and user; learn and shadow mode),
# their --json documents (parsed
# with python3), the reason of each refusal and the shadow marker in
# status, the exit codes (0 ok, 1 refused or not found, 2 usage, 3
# unreachable), names NSS does not know (a clear error that creates
# nothing, for status, totp enroll, unlock, user show and history), unlock
# of a user that is not locked, and a non-root caller refused every admin
# verb.  Logins are driven through the PAM socket by
# tests/daemon/stress_client; the made-up users come from nss_wrapper.
#
# Each check prints "ok - ..." or "not ok - ..."; exits 1 if any failed.
# Root only (exits 77 otherwise).  TOTP seeds and codes stay in 0600 files
# of the tree; a last check greps every output for the seeds.
set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

vt_require_root
vt_require expect oathtool setpriv sqlite3
PY=/usr/bin/python3
[ -x "$PY" ] || vt_die "missing $PY"
[ -x "$(vt_vigild_bin)" ] || vt_die "vigild not built: $(vt_vigild_bin)"
[ -x "$top_builddir/tests/daemon/stress_client" ] || vt_die "missing tests/daemon/stress_client (make check builds it)"

vt_mktree
vt_nss_setup
# Copies uid 65534 can run whatever the build tree's permissions.
mkdir -m 755 "$VT_TMP/bin"
install -m 755 "$(vt_vigilctl_bin)" "$VT_TMP/bin/vigilctl"
CTL=$VT_TMP/bin/vigilctl
STRESS=$top_builddir/tests/daemon/stress_client
CONF=$VT_TMP/etc/vigil.conf
PAM_SOCKET=$VT_TMP/run/pam.sock
ADMIN_SOCKET=$VT_TMP/run/admin.sock
OUT=$VT_TMP/log/out
ERR=$VT_TMP/log/err
DB=$VT_TMP/state/vigil.db

cleanup() {
	local rc=$?
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
check() { # DESCRIPTION COMMAND...
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
# ctl WANT_EXIT ARGS...: vigilctl as root, stdout in $OUT, stderr in $ERR;
# true when it exits WANT_EXIT.
ctl() {
	local want=$1 got
	shift
	LC_ALL=C.UTF-8 TZ=UTC "$CTL" --socket "$VT_SOCKET" --admin-socket "$ADMIN_SOCKET" "$@" >"$OUT" 2>"$ERR" </dev/null
	got=$?
	[ "$got" -eq "$want" ] || echo "  vigilctl $*: exit $got, wanted $want: $(head -c 300 "$ERR")" >&2
	[ "$got" -eq "$want" ]
}
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
has() { grep -qF -- "$2" "$1"; }
# js EXPR: evaluates a python expression over the JSON document in $OUT
# (as d); true when it is true.  The document must parse.
# E maps (section, key) to a config entry.
js() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
E = {(x["section"], x["key"]): x for x in d.get("entries", [])} if isinstance(d, dict) else {}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$1"
}
db_count() { sqlite3 "file:$DB?mode=ro" "$1"; }
# login USER RHOST [CODE]: one sshd login through the PAM socket.
login() {
	printf '%s\n' "${3:-}" | "$STRESS" auth "$PAM_SOCKET" "$1" "$2" >>"$VT_TMP/log/logins" 2>&1
}

# deny_at above any score here: refusals come from the code, the network
# list and the missing factor, one reason each.
vt_config "$CONF" \
	'[policy]' 'stepup_at = 30' 'deny_at = 1000' 'no_factor = deny' \
	'[totp]' 'window = 8' \
	'[network]' 'deny = 203.0.113.0/24' \
	'[lockout]' 'deny = 5'
CONF_DENY_LINE=$(grep -n '^deny = 203' "$CONF" | cut -d: -f1)
CONF_STEPUP_LINE=$(grep -n '^stepup_at' "$CONF" | cut -d: -f1)
vt_start_vigild "$CONF"
vt_enroll alice

# ---------------------------------------------------------------------------
# Logins with one reason each: alice steps up (allow), alice types a wrong
# code (stepup_failed), bob comes from the deny list (network), carol has
# no factor (not_enrolled).
login alice 198.51.100.7 "$(vt_next_code alice)"
login alice 192.0.2.8 000000
login bob 203.0.113.5
login carol 198.51.100.9

# --- users ------------------------------------------------------------------
check "users: exit 0, lists alice, bob and carol" ctl 0 users
check "users: a table, alice with 1 factor, not locked (column LOCKED / SUSPENDED)" \
	bash -c "head -n 1 '$OUT' | grep -qE '^NAME +FACTORS +LAST LOGIN +LAST ATTEMPT +LOCKED / SUSPENDED$' && grep -qE '^alice +1 +[0-9T:+-]+ +[0-9T:+-]+ +no$' '$OUT'"
ctl 0 users --json
check "users --json: alice (1 factor, a last login), bob, carol in name order, none locked" \
	js '[u["name"] for u in d["users"]] == ["alice", "bob", "carol"] and d["users"][0]["factors"] == 1 and d["users"][0]["last_success"] > 0 and d["users"][1]["last_success"] is None and not any(u["locked"] for u in d["users"])'

# --- user show --------------------------------------------------------------
check "user show alice: exit 0" ctl 0 user show alice
check "user show alice: the wrong code's refusal says why" has "$OUT" "deny (stepup_failed)"
check "user show alice: the step-up's grant is listed" grep -q '^  device SHA256:' "$OUT"
ctl 0 user show alice --json
check "user show --json: factors by type, no secret field, the refusal's reason, a grant" \
	js 'd["user"] == "alice" and [f["type"] for f in d["factors"]] == ["totp"] and set(d["factors"][0]) == {"type", "created", "last_used"} and [l["reason"] for l in d["logins"]] == ["stepup_failed", None] and len(d["grants"]) == 1 and d["logins"][0]["signals"] == ["new_source", "new_prefix"]'
ctl 0 user show bob --json
check "user show bob: denied for the network list" js 'd["logins"][0]["reason"] == "network" and d["logins"][0]["decision"] == "deny"'
ctl 0 user show carol --json
check "user show carol: denied for having no factor" js 'd["logins"][0]["reason"] == "not_enrolled"'

# --- history ----------------------------------------------------------------
ctl 0 history --json
check "history --json: the 4 logins, newest first, more false" \
	js '[l["user"] for l in d["logins"]] == ["carol", "bob", "alice", "alice"] and d["more"] is False and all(l["login_id"].isdigit() for l in d["logins"])'
ctl 0 history --user alice --json
check "history --user alice: her 2 logins, one stepped up" \
	js 'len(d["logins"]) == 2 and [l["stepped_up"] for l in d["logins"]] == [False, True]'
ctl 0 history --decision deny --json
check "history --decision deny: 3 refusals with their reasons" \
	js 'sorted(l["reason"] for l in d["logins"]) == ["network", "not_enrolled", "stepup_failed"]'
ctl 0 history --decision allow --json
check "history --decision allow: alice's one" js 'len(d["logins"]) == 1 and d["logins"][0]["reason"] is None'
ctl 0 history --service sudo --json
check "history --service sudo: none" js 'd["logins"] == [] and d["more"] is False'
ctl 0 history --since 1h --json
check "history --since 1h: all 4" js 'len(d["logins"]) == 4'
ctl 0 history --since "$(date -d tomorrow +%Y-%m-%d)" --json
check "history --since tomorrow's date: none" js 'd["logins"] == []'
ctl 0 history --limit 1 --json
check "history --limit 1: the newest, more true" js 'len(d["logins"]) == 1 and d["logins"][0]["user"] == "carol" and d["more"] is True'
ctl 0 history --user bob
check "history --user bob (text): 'deny (network)'" has "$OUT" "deny (network)"
check "history --user nosuch: exit 1, no such user" ctl 1 history --user nosuch
check "history --user nosuch: says so" has "$ERR" "no such user: nosuch"
check "history --decision maybe: usage error" ctl 2 history --decision maybe
check "history --since yesterdayish: usage error" ctl 2 history --since yesterdayish
check "history --limit 0: usage error" ctl 2 history --limit 0

# More logins than one frame holds: 40 more refusals of bob, read in pages.
for _ in $(seq 1 40); do login bob 203.0.113.6; done
ctl 0 history --user bob --limit 100 --json
check "history: 41 logins of bob come back across pages, each once, in order" \
	js 'len(d["logins"]) == 41 and len(set(l["login_id"] for l in d["logins"])) == 41 and all(a["time"] >= b["time"] for a, b in zip(d["logins"], d["logins"][1:])) and d["more"] is False'
ctl 0 history --user bob --limit 35 --json
check "history: --limit 35 stops inside the second page, more true" js 'len(d["logins"]) == 35 and d["more"] is True'

# --- daemon -----------------------------------------------------------------
ctl 0 daemon --json
check "daemon --json: version, pid, uptime, decisions by outcome and reason, audit, database" \
	js "d['pid'] == $VT_VIGILD_PID and d['version'] == '$("$CTL" --version | cut -d' ' -f2)' and d['decisions']['allow'] == 1 and d['decisions']['deny'] == 43 and d['decisions']['deny_reasons'] == {'stepup_failed': 1, 'network': 41, 'not_enrolled': 1} and d['decisions']['stepup'] == 2 and d['audit']['lost'] == 0 and d['database']['bytes'] > 0 and d['database']['users'] == 3 and d['database']['logins'] == 44"
check "daemon (text): exit 0, the counters in words" ctl 0 daemon
check "daemon (text): decisions line" has "$OUT" "decisions since start: allow 1, deny 43"

# --- config -----------------------------------------------------------------
ctl 0 config --json
check "config --json: a value set in the file carries its file:line" \
	js "E[('policy', 'stepup_at')]['file'] == '$CONF' and E[('policy', 'stepup_at')]['line'] == $CONF_STEPUP_LINE and E[('network', 'deny')]['value'] == '203.0.113.0/24' and E[('network', 'deny')]['line'] == $CONF_DENY_LINE"
check "config --json: a default says so (file and line null)" \
	js "E[('risk', 'new_device')]['file'] is None and E[('risk', 'new_device')]['line'] is None and E[('risk', 'new_device')]['value'] == '40' and E[('policy', 'mode')]['value'] == 'enforce' and E[('policy', 'mode')]['file'] is None"
check "config (text): exit 0" ctl 0 config
check "config (text): reads as vigil.conf with the origin as a comment" \
	grep -qE "^stepup_at = 30 +# $CONF:$CONF_STEPUP_LINE\$" "$OUT"
check "config (text): a default is marked" grep -qE '^new_device = 40 +# default$' "$OUT"

# A drop-in turns shadow mode on; SIGHUP reloads: its value and origin show.
mkdir -m 755 "$CONF.d"
printf '# shadow for the roll-out\n[policy]\nshadow = yes\n' >"$CONF.d/50-shadow.conf"
chmod 644 "$CONF.d/50-shadow.conf"
kill -HUP "$VT_VIGILD_PID"
for _ in $(seq 1 100); do
	ctl 0 config --json && js "E[('policy', 'mode')]['value'] == 'shadow'" && break
	sleep 0.05
done
check "config after a reload: the old shadow = yes is mode = shadow, from the drop-in, line 3" \
	js "E[('policy', 'mode')]['value'] == 'shadow' and E[('policy', 'mode')]['file'] == '$CONF.d/50-shadow.conf' and E[('policy', 'mode')]['line'] == 3 and E[('policy', 'stepup_at')]['file'] == '$CONF'"

# --- shadow mode: the decision enforcement would take is shown ---------------
login bob 203.0.113.7
ctl 0 history --decision shadow --json
check "history --decision shadow: bob's login, allowed, would have been denied (network)" \
	js 'len(d["logins"]) == 1 and d["logins"][0]["user"] == "bob" and d["logins"][0]["decision"] == "allow" and d["logins"][0]["shadow"] == "deny" and d["logins"][0]["reason"] == "network"'
check "status --user bob (text): the shadow login is marked" ctl 0 status --user bob
check "status --user bob (text): '[shadow: would deny (network)]'" has "$OUT" "allow [shadow: would deny (network)]"
check "status --user bob (text): an enforced refusal shows its reason" has "$OUT" "deny (network)"
ctl 0 status --user bob --json
check "status --json: shadow and reason fields" \
	js 'd["logins"][0]["shadow"] == "deny" and d["logins"][0]["reason"] == "network" and d["logins"][1]["shadow"] is None'
ctl 0 daemon --json
check "daemon: the shadowed login is counted" js 'd["decisions"]["shadow"] == 1 and d["decisions"]["allow"] == 2'

# --- report: what enforcement would have decided ---------------------------
# 44 enforced logins (alice's two step-ups, 41 network and 1 not_enrolled
# refusals), and bob's shadowed one.
ctl 0 report --json
check "report --json: 45 logins, as enforcement would decide them, one let in by shadow mode" \
	js 'd["logins"] == 45 and d["would"] == {"allow": 0, "stepup": 2, "deny": 43} and d["mode"] == {"enforce": 44, "shadow": 1, "learn": 0} and d["waived"] == 1'
check "report --json: by reason (network 42, not_enrolled 1, risk 2), by service, by user with bob first" \
	js '{r["name"]: (r["stepup"], r["deny"]) for r in d["reasons"]} == {"network": (0, 42), "not_enrolled": (0, 1), "risk": (2, 0)} and [s["name"] for s in d["services"]] == ["sshd"] and [u["name"] for u in d["users"]] == ["bob", "alice", "carol"] and d["more"] is False'
check "report (text): exit 0" ctl 0 report --since 1h
check "report (text): the would-be decisions and what the modes let in" \
	bash -c "grep -q '^As enforcement would decide: allow 0, step up 2, deny 43\$' '$OUT' && grep -q '^Let in only by learn or shadow mode: 1\$' '$OUT' && grep -qE '^  bob +0 +0 +42\$' '$OUT'"
ctl 0 report --since "$(date -d tomorrow +%Y-%m-%d)" --json
check "report --since tomorrow: nothing" js 'd["logins"] == 0 and d["users"] == [] and d["reasons"] == []'
check "report --since soonish: usage error" ctl 2 report --since soonish
check "report with an operand: usage error" ctl 2 report bob

# --- learn mode: let in, learned from, and shown as learn ---------------------
printf '# the first days of a roll-out\n[policy]\nmode = learn\n' >"$CONF.d/50-shadow.conf"
kill -HUP "$VT_VIGILD_PID"
for _ in $(seq 1 100); do
	ctl 0 config --json && js "E[('policy', 'mode')]['value'] == 'learn'" && break
	sleep 0.05
done
check "config after a reload: mode = learn" js "E[('policy', 'mode')]['value'] == 'learn'"
login bob 203.0.113.9
ctl 0 history --decision learn --json
check "history --decision learn: bob's login, allowed, would have been denied (network), mode learn" \
	js 'len(d["logins"]) == 1 and d["logins"][0]["decision"] == "allow" and d["logins"][0]["shadow"] == "deny" and d["logins"][0]["mode"] == "learn" and d["logins"][0]["reason"] == "network"'
ctl 0 history --decision shadow --json
check "history --decision shadow: still only the shadow login" js 'len(d["logins"]) == 1 and d["logins"][0]["mode"] == "shadow"'
check "status --user bob (text): '[learn: would deny (network)]'" ctl 0 status --user bob
check "status --user bob (text): the learn login is marked" has "$OUT" "allow [learn: would deny (network)]"
check "status --user bob (text): learn mode learned the source" grep -q '203.0.113.9' "$OUT"
ctl 0 report --json
check "report --json: the learn login counted under learn, two let in by a mode" \
	js 'd["logins"] == 46 and d["mode"]["learn"] == 1 and d["waived"] == 2'

# --- strings a client chose (the remote host name) reach no terminal --------
login erin $'evil\e[31mhost\u009b2J'
ctl 0 history --user erin
check "history (text): a remote host name's escape sequence is shown as '?', never sent" \
	bash -c "grep -q 'evil?\[31mhost' '$OUT' && ! grep -q \$'\\e' '$OUT' && ! grep -q \$'\\xc2\\x9b' '$OUT'"
ctl 0 history --user erin --json
check "history --json: the same name escaped, and parsed back to the bytes it was" \
	bash -c "! grep -q \$'\\e' '$OUT' && $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"logins\"][0][\"source\"] in (\"evil\\x1b[31mhost\\x9b2J\", \"\") else 1)' '$OUT'"

# --- names that do not exist: a clear error, and nothing is created ----------
check "status --user nosuch: exit 1" ctl 1 status --user nosuch
check "status --user nosuch: 'no such user'" has "$ERR" "vigilctl: status: no such user: nosuch"
check "totp enroll --user nosuch: exit 1" ctl 1 totp enroll --user nosuch
check "totp enroll --user nosuch: 'no such user'" has "$ERR" "vigilctl: totp enroll: no such user: nosuch"
check "unlock nosuch: exit 1" ctl 1 unlock nosuch
check "unlock nosuch: 'no such user'" has "$ERR" "vigilctl: unlock: no such user: nosuch"
check "user show nosuch: exit 1" ctl 1 user show nosuch
check "user show nosuch: 'no such user'" has "$ERR" "no such user: nosuch"
check "no row was made for nosuch" \
	test "$(db_count "SELECT (SELECT count(*) FROM users WHERE name = 'nosuch') + (SELECT count(*) FROM failures WHERE user = 'nosuch')")" = 0
# dave is known to NSS but never logged in: nothing to unlock, no row made.
check "unlock dave (never seen): exit 1" ctl 1 unlock dave
check "unlock dave: 'dave was not locked', never 'Unlocked'" bash -c "grep -qx 'dave was not locked' '$OUT' && ! grep -q Unlocked '$OUT'"
check "status --user dave: an empty status, exit 0" ctl 0 status --user dave
check "no row was made for dave" test "$(db_count "SELECT count(*) FROM users WHERE name = 'dave'")" = 0
# alice has a failure: unlocked once, then not locked.
check "unlock alice (a failed code): exit 0, 'Unlocked alice.'" ctl 0 unlock alice
check "unlock alice: says Unlocked" has "$OUT" "Unlocked alice."
check "unlock alice again: exit 1" ctl 1 unlock alice
check "unlock alice again: 'alice was not locked'" has "$OUT" "alice was not locked"
check "unlock --user alice: the same verb, exit 1 (not locked)" ctl 1 unlock --user alice
check "unlock --user=alice: the same" ctl 1 unlock --user=alice
check "unlock --user with no name: exit 2" ctl 2 unlock --user

# --- a non-root caller is refused every admin verb --------------------------
nobody_refused() { # VERB...
	local rc
	as_nobody "$CTL" --socket "$VT_SOCKET" --admin-socket "$ADMIN_SOCKET" "$@" >"$OUT" 2>"$ERR" </dev/null
	rc=$?
	[ "$rc" -eq 1 ] && ! grep -q alice "$OUT"
}
for verb in users "user show alice" history daemon config report "unlock alice"; do
	# shellcheck disable=SC2086
	check "uid 65534: vigilctl $verb is refused (exit 1), nothing shown" nobody_refused $verb
done
as_nobody "$CTL" --socket "$VT_SOCKET" status --user alice >"$OUT" 2>"$ERR" </dev/null
check "uid 65534: status --user alice is refused (exit 1, permission)" \
	bash -c "[ $? -eq 1 ] && grep -q permission '$ERR'"

# --- exit codes -------------------------------------------------------------
check "an admin socket nobody listens on: exit 3" \
	ctl 3 --admin-socket "$VT_TMP/run/none.sock" users
check "a public socket nobody listens on: exit 3" ctl 3 --socket "$VT_TMP/run/none.sock" status
check "usage: an unknown verb, exit 2" ctl 2 frobnicate
check "usage: users with an operand, exit 2" ctl 2 users alice
check "usage: user without show, exit 2" ctl 2 user alice
check "usage: user show without a name, exit 2" ctl 2 user show
check "usage: daemon --frob, exit 2" ctl 2 daemon --frob

vt_stop_vigild
ok=true
for seed in "$VT_TMP"/secrets/*.b32; do
	[ -e "$seed" ] || continue
	grep -rqF -f "$seed" "$VT_TMP/log" && ok=false
done
check "no TOTP seed appears in any output of this run" $ok

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

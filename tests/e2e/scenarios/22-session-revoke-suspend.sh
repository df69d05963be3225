# SPDX-License-Identifier: BSD-3-Clause
# 22. Revocation and suspension of real sshd sessions.  sshd logins need no
#     step-up here ([service.sshd] stepup_at = 90: no prompt), each session
#     is an ssh client kept open by a remote "sleep", without a terminal.
#     Proven:
#     - the owner: alice, in a second ssh login, runs `vigilctl session end
#       ID` on her first session: its ssh connection closes, the end is
#       audited once (session_close, result revoked, caller her uid), and
#       her other session stays;
#     - root: `vigilctl session end --user bob` closes both of bob's
#       connections (each audited revoked once, by uid 0);
#     - `vigilctl user suspend carol` closes her open connection (audited
#       suspended), her next ssh login is refused with the suspended text
#       (decision deny, reason suspended), `vigilctl user resume carol` lets
#       her in again;
#     - mallory, in her own ssh login, cannot list dave's sessions
#       (`vigilctl sessions --user dave`: permission) nor end his session
#       (its id answers "no such session"), and dave's connection stays.
# The checks are eval'd (single quotes on purpose); S22_PID_* and S22_SID_*
# are set by s22_open through printf -v.
# shellcheck disable=SC2016,SC2154
S22_CONF=('[totp]' 'window = 10' '[service.sshd]' 'stepup_at = 90')

# s22_open USER TAG: USER's ssh login from 127.0.0.22 running a long sleep,
# in the background; waits for the command to have started.  S22_PID_TAG
# holds the client's pid, S22_SID_TAG the session id vigild audited.  Fails
# (returns 1) rather than vt_die: the subshell's vigild and sshd would
# keep the scenario's output pipe open.
s22_open() {
	local user=$1 tag=$2 cur pid sid
	cur=$(e2e_cursor)
	setsid ssh -F /dev/null -p "$E2E_SSHD_PORT" -b 127.0.0.22 -i "$E2E/keys/$user" -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PreferredAuthentications=publickey,keyboard-interactive -o ConnectTimeout=10 \
		"$user@127.0.0.1" 'echo s22-up; exec sleep 600' </dev/null >"$E2E/log/s22-$tag.out" \
		2>>"$E2E/log/ssh.err" &
	pid=$!
	if ! e2e_wait 15 grep -q s22-up "$E2E/log/s22-$tag.out"; then
		e2e_fail "$user's session $tag did not start"
		return 1
	fi
	if ! e2e_wait 5 s22_sid_after "$cur" "$user" >/dev/null; then
		e2e_fail "no session_open audited for $user ($tag)"
		return 1
	fi
	sid=$(s22_sid_after "$cur" "$user")
	printf -v "S22_PID_$tag" '%s' "$pid"
	printf -v "S22_SID_$tag" '%s' "$sid"
	echo "$(date +%T.%N | cut -c1-12) s22_open $user $tag: client $pid session $sid" >&2
}

# s22_sid_after CURSOR USER: the id of USER's session opened after CURSOR.
s22_sid_after() {
	e2e_records "$1" | /usr/bin/python3 -c '
import json, sys
ids = [r["VIGIL_SESSION_ID"] for r in map(json.loads, sys.stdin)
       if r.get("VIGIL_EVENT") == "session_open" and r.get("VIGIL_USER") == sys.argv[1] and r.get("VIGIL_SESSION_ID")]
print(ids[-1]) if ids else sys.exit(1)' "$2"
}

s22_alive() { kill -0 "$1" 2>/dev/null; }
# s22_closed PID: the client's connection closed (the client exited) within 10 s.
s22_closed() { e2e_wait 10 e2e_not s22_alive "$1"; }

# s22_as USER COMMAND: COMMAND in an ssh login of USER's (no prompt);
# stdout and stderr in S22_OUT, the remote exit status in S22_RC.
s22_as() {
	e2e_ssh "$1" 127.0.0.22 "$1" empty "$2 2>&1; echo s22-rc=\$?"
	S22_OUT=$E2E_SSH_OUT
	S22_RC=$(sed -n 's/^s22-rc=//p' <<<"$S22_OUT")
	echo "$(date +%T.%N | cut -c1-12) s22_as $1 '$2': ssh rc=$E2E_SSH_RC rc=$S22_RC out=$S22_OUT" >&2
}

s22_out_has() { grep -qF -- "$1" <<<"$S22_OUT"; }

scenario() {
	local cur u ctl
	e2e_vigild_start 22 "${S22_CONF[@]}"
	for u in alice bob carol dave mallory; do e2e_enroll "$u"; done
	e2e_sshd_start 22
	ctl=$E2E_VIGILCTL

	# --- the owner ends her own session from another login -----------------
	s22_open alice a1 || return 0
	s22_open alice a2 || return 0
	cur=$(e2e_cursor)
	s22_as alice "$ctl session end $S22_SID_a1"
	e2e_check "alice: vigilctl session end (her first session) in another ssh login: exit 0, 'ended'" \
		eval 'test "$S22_RC" = 0 && s22_out_has "session $S22_SID_a1 ended"'
	e2e_check "... the first session's ssh connection closed" s22_closed "$S22_PID_a1"
	e2e_check "... audited once: session_close result revoked, caller alice's uid" \
		test "$(e2e_count "$cur" EVENT=session_close SESSION_ID="$S22_SID_a1"):$(
			e2e_count "$cur" EVENT=session_close SESSION_ID="$S22_SID_a1" RESULT=revoked CALLER="uid=$(id -u alice)")" = 1:1
	e2e_check "... her second session is still open" s22_alive "$S22_PID_a2"

	# --- root ends all of bob's ------------------------------------------------
	s22_open bob b1 || return 0
	s22_open bob b2 || return 0
	cur=$(e2e_cursor)
	"$ctl" session end --user bob >"$E2E/log/s22-root.out" 2>&1
	e2e_check "root: session end --user bob: '2 sessions of bob ended'" \
		grep -qF "2 sessions of bob ended" "$E2E/log/s22-root.out"
	e2e_check "... both of bob's connections closed" eval 's22_closed "$S22_PID_b1" && s22_closed "$S22_PID_b2"'
	e2e_check "... each audited revoked once, by uid 0" \
		test "$(e2e_count "$cur" EVENT=session_close SESSION_ID="$S22_SID_b1" RESULT=revoked CALLER=uid=0):$(
			e2e_count "$cur" EVENT=session_close SESSION_ID="$S22_SID_b2" RESULT=revoked CALLER=uid=0):$(
			e2e_count "$cur" EVENT=session_close USER=bob)" = 1:1:2
	e2e_check "... alice's open session untouched" s22_alive "$S22_PID_a2"

	# --- suspend and resume ----------------------------------------------------
	s22_open carol c1 || return 0
	cur=$(e2e_cursor)
	"$ctl" user suspend carol >"$E2E/log/s22-suspend.out" 2>&1
	e2e_check "root: user suspend carol: exit 0, 1 session ended" \
		grep -qF "carol suspended: new logins denied, 1 session" "$E2E/log/s22-suspend.out"
	e2e_check "... her ssh connection closed" s22_closed "$S22_PID_c1"
	e2e_check "... audited once: session_close result suspended" \
		test "$(e2e_count "$cur" EVENT=session_close SESSION_ID="$S22_SID_c1"):$(
			e2e_count "$cur" EVENT=session_close SESSION_ID="$S22_SID_c1" RESULT=suspended)" = 1:1
	cur=$(e2e_cursor)
	local before
	before=$(stat -c %s "$E2E/log/ssh.err" 2>/dev/null || echo 0)
	E2E_SSH_OPTS="-v" e2e_ssh carol 127.0.0.22 carol empty
	e2e_check "carol's next ssh login is refused: nothing ran" test "$E2E_SSH_RC:$E2E_SSH_OUT" = "255:"
	e2e_check "... the client was shown the suspended text" \
		grep -qF "Vigil: this account is suspended; ask your administrator." <(tail -c +"$((before + 1))" "$E2E/log/ssh.err")
	e2e_check "... journal: decision deny reason suspended" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=suspended USER=carol SERVICE=sshd
	"$ctl" user resume carol >"$E2E/log/s22-resume.out" 2>&1
	e2e_check "root: user resume carol" grep -qF "carol resumed" "$E2E/log/s22-resume.out"
	e2e_ssh carol 127.0.0.22 carol empty
	e2e_check "... carol logs in again" test "$E2E_SSH_RC:$E2E_SSH_OUT" = "0:e2e-ok"

	# --- an attacker against a victim ------------------------------------------
	s22_open dave d1 || return 0
	cur=$(e2e_cursor)
	s22_as mallory "$ctl sessions --user dave"
	e2e_check "mallory: sessions --user dave refused (exit 1, permission), dave's id not shown" \
		eval 'test "$S22_RC" = 1 && s22_out_has permission && ! s22_out_has "$S22_SID_d1"'
	s22_as mallory "$ctl session end $S22_SID_d1"
	e2e_check "mallory: session end of dave's id: exit 1, 'no such session'" \
		eval 'test "$S22_RC" = 1 && s22_out_has "no such session: $S22_SID_d1"'
	s22_as mallory "$ctl session end --user dave"
	e2e_check "mallory: session end --user dave: exit 1, permission" \
		eval 'test "$S22_RC" = 1 && s22_out_has permission'
	sleep 1
	e2e_check "... dave's connection is still open" s22_alive "$S22_PID_d1"
	e2e_check "... and no close audited for dave" test "$(e2e_count "$cur" EVENT=session_close USER=dave)" = 0

	kill "$S22_PID_a2" "$S22_PID_d1" 2>/dev/null || true
}

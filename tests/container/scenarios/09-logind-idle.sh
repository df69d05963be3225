# SPDX-License-Identifier: BSD-3-Clause
# 9. Idle end of an ssh session next to logind: vigild (run with --debug
#    through a drop-in) asks logind for the session's IdleHint and
#    IdleSinceHint over the system bus, and still ends the session when
#    nothing happens in it ([session] idle_timeout = 12).  logind calls an
#    ssh terminal session "not idle" until its IdleActionSec (30 minutes):
#    counted as use, that would keep every such session open.  Proven:
#    - alice's ssh -tt session running "sleep 100" is ended (its command
#      never finishes) well before the sleep;
#    - the journal has one session_close with result idle_end for it;
#    - vigild's debug log says it asked logind for that session's idle hint
#      and that logind answered "not idle".
#    Not asserted: a warning on the terminal.  sshd opens the PAM session
#    before it allocates the pty (PAM_TTY "ssh"); vigild finds the pty in
#    the session's process tree and warns on it (scenario 8 checks the
#    line).  Either way the end must come.

# shellcheck disable=SC2016 # the check is eval'd
scenario() {
	local c start secs sid exec
	exec=$(ct systemctl show -P ExecStart vigild.service | sed -n 's/.*argv\[\]=\([^;]*\) ;.*/\1/p')
	ct mkdir -p /etc/systemd/system/vigild.service.d
	printf '[Service]\nExecStart=\nExecStart=%s --debug\n' "$exec" |
		ct install -m 644 /dev/stdin /etc/systemd/system/vigild.service.d/debug.conf
	ct systemctl daemon-reload
	ct_conf 20-idle '[session]' 'idle_timeout = 12'
	ct systemctl restart vigild.service
	# Scenario 4 enrolled her already in a full run (a second enrollment fails).
	[ -s "$E2E/secrets/alice.b32" ] || vt_enroll alice
	c=$(e2e_cursor)
	start=$(date +%s)
	ct_ssh alice code 'sleep 100'
	secs=$(($(date +%s) - start))
	echo "the session lasted $secs s" >&2
	e2e_check "alice's idle ssh -tt session was ended after ${secs} s, before its sleep 100 ended (rc ${CT_SSH_RC})" \
		eval '[ "$CT_SSH_RC" = -1 ] && [ "$secs" -lt 60 ]'
	sid=$(e2e_records "$c" | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("VIGIL_EVENT") == "session_open" and r.get("VIGIL_USER") == "alice":
        print(r.get("VIGIL_SESSION_ID", ""))' | tail -n 1)
	e2e_check "journal: one session_close, result idle_end" \
		test "$(e2e_count "$c" EVENT=session_close SESSION_ID="${sid:-none}"):$(
			e2e_count "$c" EVENT=session_close SESSION_ID="${sid:-none}" RESULT=idle_end)" = 1:1
	e2e_check "vigild asked logind for the session's idle hint" \
		ct_journal_has "$c" "asking logind for the idle hint of session ${sid:-none}" vigild.service
	e2e_check "... and logind answered: not idle (which was not taken for use)" \
		ct_journal_has "$c" "logind's idle hint of session ${sid:-none}: not idle" vigild.service
	ct rm -f /etc/systemd/system/vigild.service.d/debug.conf /etc/vigil/vigil.conf.d/20-idle.conf
	ct systemctl daemon-reload
}

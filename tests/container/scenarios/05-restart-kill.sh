# SPDX-License-Identifier: BSD-3-Clause
# 5. vigild's state across `systemctl restart vigild` and across
#    `systemctl kill -s KILL vigild`, which systemd answers with a restart
#    (Restart=on-failure).  carol is enrolled and logs in over ssh once with
#    a code, which makes her key and address known.  Proven:
#    - ten `systemctl restart` in a row all succeed (no start limit: it
#      would fail the sockets too);
#    - after a restart and after a SIGKILL, carol's next ssh login asks no
#      code (the known device and source were kept in /var/lib/vigil), and
#      her enrollment is still there;
#    - the SIGKILL: systemd's journal says the main process was killed and
#      a restart was scheduled; NRestarts goes up by one, a new main pid,
#      the status "Serving logins" again;
#    - the TOTP replay watermark survives the SIGKILL: the code carol
#      typed before it, typed again from a new place, is refused as a
#      replay.

# s05_restarted_since N PID: systemd has restarted vigild (NRestarts above
# N) and it runs again, with a pid other than PID.
s05_restarted_since() {
	[ "$(ct_prop vigild.service NRestarts)" -gt "$1" ] &&
		[ "$(ct_prop vigild.service ActiveState)" = active ] &&
		[ "$(ct_vigild_pid)" != "$2" ] && [ "$(ct_vigild_pid)" != 0 ]
}

scenario() {
	local c pid restarts used i

	ct systemctl start vigild.service
	vt_enroll carol
	ct_ssh carol code 'echo in'
	e2e_check "first login: one code, then in (${CT_SSH_CODES} ${CT_SSH_RC})" [ "$CT_SSH_CODES" = 1 -a "$CT_SSH_RC" = 0 ]
	# The code that login took (the last one handed out).
	used=$(tail -n 1 "$E2E/secrets/codes.used")

	ct systemctl restart vigild.service
	ct_ssh carol code 'echo in'
	e2e_check "after a restart: in, no code (${CT_SSH_CODES} ${CT_SSH_RC})" [ "$CT_SSH_CODES" = 0 -a "$CT_SSH_RC" = 0 ]

	# An admin restarting it again and again: systemd has no start limit
	# for it, so it never fails the service and its sockets.
	for i in $(seq 1 10); do ct systemctl restart vigild.service 2>>"$E2E/log/05-systemctl.err" || break; done
	e2e_check "ten restarts in a row: each one started it ($i)" [ "$i" = 10 ]
	e2e_check "ten restarts in a row: serving" e2e_wait 5 s05_serving

	pid=$(ct_vigild_pid)
	restarts=$(ct_prop vigild.service NRestarts)
	c=$(e2e_cursor)
	ct systemctl kill -s KILL vigild.service
	e2e_check "after SIGKILL systemd restarts vigild (NRestarts was $restarts)" e2e_wait 15 s05_restarted_since "$restarts" "$pid"
	e2e_check "the journal: the main process was killed" \
		ct_journal_has "$c" "Main process exited, code=killed, status=9/KILL" vigild.service
	e2e_check "the journal: a restart was scheduled" ct_journal_has "$c" "Scheduled restart job" vigild.service
	e2e_check "status: Serving logins" e2e_wait 5 s05_serving
	e2e_check "carol is still enrolled" s05_enrolled

	ct_ssh carol code 'echo in'
	e2e_check "after SIGKILL: in, no code (${CT_SSH_CODES} ${CT_SSH_RC})" [ "$CT_SSH_CODES" = 0 -a "$CT_SSH_RC" = 0 ]

	# The code of carol's first login, typed again from a new place.
	c=$(e2e_cursor)
	printf '%s\n' "$used" | ct pamtester -I rhost=203.0.113.50 sshd carol authenticate >/dev/null 2>&1
	e2e_check "after SIGKILL: the code used before it is refused as a replay" \
		e2e_record "$c" EVENT=stepup USER=carol RESULT=replay
	e2e_check "and the login was not allowed" e2e_not e2e_record "$c" EVENT=decision USER=carol DECISION=allow
}

s05_serving() { [ "$(ct_prop vigild.service StatusText)" = "Serving logins" ]; }

s05_enrolled() { ct vigilctl status --user carol 2>&1 | grep -qi totp; }

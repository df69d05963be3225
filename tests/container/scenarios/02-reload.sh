# SPDX-License-Identifier: BSD-3-Clause
# 2. `systemctl reload vigild` with a good and with a bad drop-in in
#    /etc/vigil/vigil.conf.d/, as an admin changes the configuration.
#    Proven, from what systemd and the journal say:
#    - a good drop-in ([network] deny of a range): the reload goes through
#      systemd's reloading state (its "Reloading"/"Reloaded" lines), the
#      main pid stays, vigild audits "reloaded", and the next login from
#      that range is refused with reason network (before: not_enrolled);
#    - a bad drop-in (a value that is not a number): `vigild --check-config`
#      names the file and line; the reload keeps the running configuration:
#      the journal says so, the audit has result "failed", systemd's status
#      line says the last reload failed, the pid stays, and logins are
#      still decided by the kept configuration (network, not not_enrolled);
#    - the bad file removed, a reload puts the status back to "Serving
#      logins".

S02_NET=198.51.100.0/24
S02_FROM=198.51.100.9

# s02_login: bob from S02_FROM through the installed sshd stack.
s02_login() {
	ct pamtester -I rhost=$S02_FROM sshd bob authenticate </dev/null >/dev/null 2>&1
}

s02_reload() {
	ct systemctl reload vigild.service 2>>"$E2E/log/02-systemctl.err"
}

scenario() {
	local c pid out

	ct systemctl start vigild.service
	pid=$(ct_vigild_pid)
	c=$(e2e_cursor)
	e2e_check "before: bob from $S02_FROM is refused as not enrolled" e2e_not s02_login
	e2e_check "before: the reason is not_enrolled" e2e_record "$c" EVENT=decision USER=bob RHOST=$S02_FROM REASON=not_enrolled

	# A good drop-in.
	ct_conf 50-deny '[network]' "deny = $S02_NET"
	e2e_check "vigild --check-config accepts the good drop-in" ct vigild --check-config >>"$E2E/log/02-check-config.out"
	c=$(e2e_cursor)
	e2e_check "systemctl reload vigild (good drop-in) succeeds" s02_reload
	e2e_check "the journal: systemd reloading vigild.service" e2e_wait 5 ct_journal_has "$c" "Reloading vigild.service" vigild.service
	e2e_check "the journal: systemd reloaded vigild.service" e2e_wait 5 ct_journal_has "$c" "Reloaded vigild.service" vigild.service
	e2e_check "vigild audits the reload" e2e_wait 5 e2e_record "$c" EVENT=service RESULT=reloaded
	e2e_check "same process after the reload" [ "$(ct_vigild_pid)" = "$pid" ]
	e2e_check "status: Serving logins" [ "$(ct_prop vigild.service StatusText)" = "Serving logins" ]
	c=$(e2e_cursor)
	e2e_check "after: bob from $S02_FROM is refused" e2e_not s02_login
	e2e_check "after: by the new [network] deny (reason network)" e2e_record "$c" EVENT=decision USER=bob RHOST=$S02_FROM REASON=network

	# A bad drop-in.
	ct_conf 60-bad '[policy]' 'stepup_at = banana'
	out=$(ct vigild --check-config 2>&1)
	e2e_check "vigild --check-config refuses the bad drop-in, naming it" e2e_like "$out" "*60-bad.conf*"
	c=$(e2e_cursor)
	s02_reload
	e2e_check "the journal: systemd reloaded vigild.service (bad drop-in)" e2e_wait 5 ct_journal_has "$c" "Reloaded vigild.service" vigild.service
	e2e_check "the journal: the reload failed, the running configuration is kept" \
		e2e_wait 5 ct_journal_has "$c" "reload failed, keeping the running configuration" vigild.service
	e2e_check "vigild audits the failed reload" e2e_record "$c" EVENT=service RESULT=failed
	e2e_check "systemd's status says the last reload failed" \
		e2e_like "$(ct_prop vigild.service StatusText)" "Serving logins; the last reload failed*"
	e2e_check "still active, same process" [ "$(ct_prop vigild.service ActiveState)" = active -a "$(ct_vigild_pid)" = "$pid" ]
	c=$(e2e_cursor)
	e2e_check "kept configuration: bob from $S02_FROM is refused" e2e_not s02_login
	e2e_check "kept configuration: still by [network] deny" e2e_record "$c" EVENT=decision USER=bob RHOST=$S02_FROM REASON=network

	# Mended.
	ct rm /etc/vigil/vigil.conf.d/60-bad.conf /etc/vigil/vigil.conf.d/50-deny.conf
	c=$(e2e_cursor)
	s02_reload
	e2e_check "after the fix: vigild audits the reload" e2e_wait 5 e2e_record "$c" EVENT=service RESULT=reloaded
	e2e_check "after the fix: status back to Serving logins" [ "$(ct_prop vigild.service StatusText)" = "Serving logins" ]
}

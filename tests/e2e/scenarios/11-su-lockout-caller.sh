# SPDX-License-Identifier: BSD-3-Clause
# 11. su lockouts are charged to the caller ([lockout] deny = 3).  mallory,
#     a plain local user at a terminal of her own, runs `su victor` five
#     times with the shipped /etc/pam.d/su and types a wrong code each time
#     Vigil asks.  Her failures count against her (the local caller, uid
#     and tty), not against victor.  Required:
#     - each su fails, and never reaches victor's password prompt;
#     - victor's next ssh login (key and the right code) is allowed;
#     - victor's own sudo at his own terminal is not locked: a code, his
#       password, and the command runs;
#     - mallory is still refused at `su victor` even with victor's right
#       code (locked for that target): su fails, the password is never
#       asked, and the journal's denial for it has reason source_locked
#       (or locked) and names her as the source (some VIGIL_ field holds
#       uid=<her uid>);
#     - no account lockout of victor in the journal: no lockout record for
#       victor other than one with reason source_locked.

scenario() {
	local cur cur_all i fp uid_m su="su victor -c 'echo SU-OK-\$(id -un)'"
	e2e_vigild_start 11 '[totp]' 'window = 3' '[lockout]' 'deny = 3' 'interval = 900' 'unlock = 600' \
		'[service.sshd]' 'stepup_at = 0'
	e2e_enroll victor
	e2e_sshd_start 11
	fp=$(e2e_fingerprint victor)
	uid_m=$(id -u mallory)

	cur_all=$(e2e_cursor)
	e2e_pty mallory s11-mallory "wrong wrong $su" "wrong wrong $su" "wrong wrong $su" \
		"wrong wrong $su" "wrong wrong $su"
	for i in 1 2 3; do
		e2e_check "mallory's su victor $i: one code asked, wrong; no password asked; su failed (exit 1)" \
			test "${E2E_PTY[i - 1]:-none}" = "1:0:1"
	done
	for i in 4 5; do
		e2e_check "mallory's su victor $i: no password asked, su failed (exit 1)" \
			e2e_like "${E2E_PTY[i - 1]:-none}" '[01]:0:1'
	done
	e2e_check "journal: su asked Vigil about victor for mallory's terminal (service su)" \
		e2e_record "$cur_all" EVENT=stepup RESULT=bad_code USER=victor SERVICE=su TTY='~^/dev/pts/'

	cur=$(e2e_cursor)
	e2e_ssh victor 127.0.0.2 victor code
	e2e_check "victor's ssh login after mallory's five su: one code asked, accepted, the command ran" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:0:e2e-ok"
	e2e_check "journal: victor's ssh login allowed (method totp, his key)" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=victor SERVICE=sshd DEVICE="$fp" METHOD=totp

	cur=$(e2e_cursor)
	e2e_pty victor s11-victor "code:victor right sudo id -u"
	e2e_check "victor's own sudo at his terminal: one code, his password, exit 0" \
		test "${E2E_PTY[0]:-none}" = "1:1:0"
	e2e_check "journal: victor's sudo allowed" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=victor SERVICE=sudo METHOD=totp

	cur=$(e2e_cursor)
	e2e_pty mallory s11-mallory-right "code:victor right $su"
	e2e_check "mallory with victor's right code: still refused, no password asked, su failed (exit 1)" \
		e2e_like "${E2E_PTY[0]:-none}" '[01]:0:1'
	e2e_check "mallory never became victor" e2e_not e2e_pty_said s11-mallory-right 1 SU-OK-victor
	e2e_check "journal: mallory's su denied, reason source_locked (or locked), source uid=$uid_m" \
		e2e_record "$cur" EVENT=decision DECISION=deny USER=victor SERVICE=su REASON='~^(source_locked|locked)$' \
		"*=~(^|[^0-9])uid=$uid_m([^0-9]|$)"
	e2e_check "journal: no allow for victor/su since" \
		test "$(e2e_count "$cur" DECISION=allow SERVICE=su)" = 0

	e2e_check "journal: no lockout of victor's account (no lockout record but source_locked)" \
		test "$(e2e_count "$cur_all" EVENT=lockout USER=victor REASON='!~^source_locked$')" = 0
	e2e_check "journal: no login of victor denied as locked (reason locked) outside su" \
		test "$(e2e_count "$cur_all" USER=victor REASON=locked SERVICE='!~^su$')" = 0
}

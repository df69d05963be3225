# SPDX-License-Identifier: BSD-3-Clause
# 13. su cannot open the door for another user, and trust is written last
#     ([policy] no_factor = enroll, enroll_grace = 3600; the shipped
#     /etc/pam.d/su: pam_vigil.so "requisite" before common-auth).
#     - mallory knows wendy's password (wendy has no factor yet) and runs
#       `su wendy`, ready to scan any enrollment secret shown and answer its
#       first code.  Required: no enrollment is ever offered through su
#       (in-band enrollment is for a login with an SSH key only: whoever
#       runs su may not be the account's owner): no otpauth URI, QR code or
#       secret on her screen, no enroll decision in the journal; su fails
#       before the password; wendy still has no factor (vigilctl status
#       --user wendy, as root).
#     - victor, at his own terminal, runs `su victor`, types the right code
#       and then a WRONG password: pam_unix fails after Vigil allowed.
#       Required: nothing was learned (the known devices and sources in
#       vigilctl status --user victor are exactly as before), and no grant
#       was written: his next `su victor` in the same terminal (same tty,
#       so the same device) is asked for a code again.

s13_section() { # USER FROM TO: the lines of vigilctl status --user USER between FROM and TO
	"$E2E_VIGILCTL" status --user "$1" | sed -n "/^$2/,/^$3/p"
}

s13_no_enrollment_shown() { # TAG: nothing of an enrollment on terminal TAG's screen
	! grep -qaE 'otpauth://|Secret: |URI: |set up your authenticator' "$E2E/secrets/pty/$1.1.log" &&
		! grep -qa $'\xe2\x96\x88' "$E2E/secrets/pty/$1.1.log" && [ ! -e "$E2E/secrets/$1.stolen.b32" ]
}

scenario() {
	local cur before after su
	e2e_vigild_start 13 '[totp]' 'window = 3' '[policy]' 'no_factor = enroll' 'enroll_grace = 3600'

	# mallory at su wendy, with wendy's password.
	cur=$(e2e_cursor)
	su="su wendy -c 'echo SU-OK-\$(id -un)'"
	e2e_pty mallory s13-mallory "steal right $su"
	e2e_check "mallory's su wendy: no enrollment (no URI, QR code or secret) on her screen" \
		s13_no_enrollment_shown s13-mallory
	e2e_check "mallory's su wendy: refused before the password (exit 1), she did not become wendy" \
		test "$(cut -d: -f2,3 <<<"${E2E_PTY[0]:-none}"):$(grep -c SU-OK-wendy "$E2E/secrets/pty/s13-mallory.1.log")" = "0:1:0"
	e2e_check "journal: no enroll decision and no enroll record for wendy" \
		test "$(e2e_count "$cur" DECISION=enroll USER=wendy):$(e2e_count "$cur" EVENT=enroll USER=wendy)" = 0:0
	e2e_check "journal: wendy's su denied, reason not_enrolled" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=not_enrolled USER=wendy SERVICE=su
	e2e_check "vigilctl status --user wendy (root): factors none" \
		test "$(s13_section wendy factors: 'known devices:' | tr -s ' \n' ' ')" = "factors: none known devices: "

	# victor: the right code, then a wrong password.
	e2e_enroll victor
	before=$(s13_section victor 'known devices:' 'last logins:')
	cur=$(e2e_cursor)
	su="su victor -c 'echo SU-OK-\$(id -un)'"
	e2e_pty victor s13-victor "code:victor wrong $su"
	after=$(s13_section victor 'known devices:' 'last logins:')
	e2e_check "victor's su, right code then a wrong password: one code, one password, su failed (exit 1)" \
		test "${E2E_PTY[0]:-none}" = "1:1:1"
	e2e_check "nothing learned: victor's known devices and sources unchanged" test "$before" = "$after"
	e2e_pty victor s13-victor2 "code:victor right $su"
	e2e_check "journal: a code accepted at each su (2 stepup ok): the first before pam_unix failed" \
		test "$(e2e_count "$cur" EVENT=stepup RESULT=ok USER=victor SERVICE=su)" = 2
	e2e_check "no grant: his next su asks a code again, then the password (exit 0)" \
		test "${E2E_PTY[0]:-none}" = "1:1:0"
	e2e_check "the second su ran as victor" e2e_pty_said s13-victor2 1 SU-OK-victor
}

# SPDX-License-Identifier: BSD-3-Clause
# 12. Prompts left waiting by one user do not starve another.  mallory
#     opens eight terminals and runs `su victor` in each, leaving every one
#     at Vigil's code prompt (a connection to vigild waiting on an answer).
#     The cap on waiting prompts counts against the caller, not the target.
#     Required:
#     - while they wait, victor's ssh login (key and the right code) is
#       allowed: one code asked and accepted, the command runs (on v0.1 the
#       cap counted victor and vigild closed his connection: the module
#       failed closed, PAM_AUTHINFO_UNAVAIL);
#     - a ninth `su victor` of mallory's is refused before any code prompt
#       (exit 1, no password asked);
#     - once her eight terminals are closed, her `su victor` is asked for a
#       code again (the cap is about waiting prompts, not a lockout).

S12_PARKED=8

s12_parked() { # N: at least N of mallory's su wait at the code prompt
	[ "$(find "$E2E/secrets/pty" -name 's12-park-*.parked' 2>/dev/null | wc -l)" -ge "$1" ]
}

s12_unpark() { # closes mallory's parked terminals (expect ends, the pty hangs up)
	local f
	for f in "$E2E"/secrets/pty/s12-park-*.pid; do
		[ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	[ "${#S12_JOBS[@]}" -eq 0 ] || wait "${S12_JOBS[@]}" 2>/dev/null
	S12_JOBS=()
}

s12_no_su() { ! pgrep -x su >/dev/null; }

scenario() {
	local cur i fp
	S12_JOBS=()
	trap s12_unpark EXIT
	e2e_vigild_start 12 '[totp]' 'window = 3' '[service.sshd]' 'stepup_at = 0'
	e2e_enroll victor
	e2e_sshd_start 12
	fp=$(e2e_fingerprint victor)

	cur=$(e2e_cursor)
	for i in $(seq 1 "$S12_PARKED"); do
		e2e_pty mallory "s12-park-$i" "park wrong su victor -c true" &
		S12_JOBS+=($!)
	done
	e2e_check "mallory's $S12_PARKED su victor all wait at Vigil's code prompt (within 20 s)" \
		e2e_wait 20 s12_parked "$S12_PARKED"
	e2e_check "journal: $S12_PARKED step-ups asked for victor/su, none answered" \
		test "$(e2e_count "$cur" EVENT=decision DECISION=stepup USER=victor SERVICE=su):$(
			e2e_count "$cur" EVENT=stepup)" = "$S12_PARKED:0"

	cur=$(e2e_cursor)
	e2e_ssh victor 127.0.0.2 victor code
	e2e_check "victor's ssh login while they wait: one code asked, accepted, the command ran" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:0:e2e-ok"
	e2e_check "journal: victor's ssh login allowed (method totp, his key)" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=victor SERVICE=sshd DEVICE="$fp" METHOD=totp

	e2e_pty mallory s12-ninth "wrong wrong su victor -c 'echo SU-OK'"
	e2e_check "mallory's ninth su victor: refused before any code prompt, no password asked (exit 1)" \
		test "${E2E_PTY[0]:-none}" = "0:0:1"
	e2e_check "$S12_PARKED of mallory's su still wait (the ninth took none of their places)" \
		s12_parked "$S12_PARKED"

	s12_unpark
	e2e_check "mallory's terminals closed: no su left (within 10 s)" e2e_wait 10 s12_no_su
	e2e_pty mallory s12-after "wrong wrong su victor -c 'echo SU-OK'"
	e2e_check "then mallory's su victor is asked a code again (wrong: exit 1, no password asked)" \
		test "${E2E_PTY[0]:-none}" = "1:0:1"
}

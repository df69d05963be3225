# SPDX-License-Identifier: BSD-3-Clause
# 1. sshd with AuthenticationMethods publickey,keyboard-interactive and the
#    real OpenSSH client: an enrolled user's first login from client A asks
#    for a code and runs the command; the same key from A again asks
#    nothing; the same key from client B (another network) asks; a second
#    key from A asks (a new device).  Each decision is in the journal with
#    its user, service, address, key fingerprint and signals.
scenario() {
	local cur fp fp2
	e2e_vigild_start 01 '[totp]' 'window = 3'
	e2e_enroll alice
	e2e_sshd_start 01
	fp=$(e2e_fingerprint alice)
	fp2=$(e2e_fingerprint alice2)

	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice code
	e2e_check "first login from A (127.0.0.2): one code asked, the command ran" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"
	e2e_check "journal: stepup decision for alice/sshd from 127.0.0.2 with the key's fingerprint and new_device" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=alice SERVICE=sshd RHOST=127.0.0.2 \
		DEVICE="$fp" SIGNALS='~new_device' SCORE=80
	e2e_check "journal: the code was accepted (stepup ok, method totp)" \
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=totp USER=alice DEVICE="$fp"
	e2e_check "journal: then allowed, and a session opened" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=alice RHOST=127.0.0.2
	e2e_check "journal: session_open for alice" e2e_record "$cur" EVENT=session_open USER=alice SERVICE=sshd

	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice code
	e2e_check "same key from A again: no code asked, the command ran" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:0:e2e-ok"
	e2e_check "journal: allowed with score 0 and no signal" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=alice DEVICE="$fp" SCORE=0 SIGNALS= METHOD=none
	e2e_check "journal: no step-up for it" test "$(e2e_count "$cur" EVENT=stepup)" = 0

	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.1.2 alice code
	e2e_check "same key from B (127.0.1.2, another /24): one code asked" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"
	e2e_check "journal: stepup for new_source,new_prefix, the device known" \
		e2e_record "$cur" EVENT=decision DECISION=stepup RHOST=127.0.1.2 DEVICE="$fp" \
		SIGNALS=new_source,new_prefix SCORE=40

	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice2 code
	e2e_check "a second key from A: one code asked" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"
	e2e_check "journal: stepup for new_device with the second key's fingerprint" \
		e2e_record "$cur" EVENT=decision DECISION=stepup DEVICE="$fp2" SIGNALS=new_device SCORE=40
}

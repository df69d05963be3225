# SPDX-License-Identifier: BSD-3-Clause
# 8. vigild restarted between logins (same state directory and
#    configuration) forgets nothing that guards a login:
#    - known devices and sources: alice's key from 127.0.0.2, stepped up
#      before the restart, is let in after it with no code (score 0);
#    - the replay watermark: a code accepted (from 127.0.1.2) before the
#      restart is refused after it from yet another source (127.0.2.2),
#      as a replay;
#    - a lockout: bob's 3 wrong codes lock him; after the restart his right
#      code is not even asked for: deny reason=locked.
#    Each restart is checked to be a new vigild process.

# s08_restart: restarts vigild; checks the process changed.
s08_restart() {
	local old=$E2E_VIGILD_PID
	e2e_vigild_restart 08
	e2e_check "vigild restarted: a new process ($old -> $E2E_VIGILD_PID) on the same state" \
		test -n "$E2E_VIGILD_PID" -a "$E2E_VIGILD_PID" != "$old"
}

scenario() {
	local cur fp fpb i code=$E2E/secrets/08-alice.code
	e2e_vigild_start 08 '[totp]' 'window = 3'
	e2e_enroll alice
	e2e_enroll bob
	e2e_sshd_start 08
	fp=$(e2e_fingerprint alice)
	fpb=$(e2e_fingerprint bob)

	# --- known device and source -------------------------------------------
	e2e_ssh alice 127.0.0.2 alice code
	e2e_check "before restart: alice's first login from 127.0.0.2 asks one code and runs" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"

	s08_restart
	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice wrong
	e2e_check "after restart: the same key from 127.0.0.2 asks nothing and runs" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:0:e2e-ok"
	e2e_check "journal: allowed with score 0, no signal, method none, the known device" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=alice SERVICE=sshd RHOST=127.0.0.2 DEVICE="$fp" \
		SCORE=0 SIGNALS= METHOD=none

	# --- replay watermark ---------------------------------------------------
	(umask 077 && vt_next_code alice >"$code")
	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.1.2 alice "@$code"
	e2e_check "before restart: the captured code is accepted from 127.0.1.2 (new source, one prompt)" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"
	e2e_check "journal: that step-up succeeded" \
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=totp USER=alice RHOST=127.0.1.2

	s08_restart
	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.2.2 alice "@$code"
	e2e_check "after restart: the same code from 127.0.2.2 is refused (exit 255): asked, then 3 times again" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "255:4:"
	e2e_check "journal: step-up refused as a replay" \
		e2e_record "$cur" EVENT=stepup RESULT=replay METHOD=totp USER=alice RHOST=127.0.2.2 REASON=replay
	e2e_check "journal: the login was denied" \
		e2e_record "$cur" EVENT=decision DECISION=deny USER=alice RHOST=127.0.2.2
	e2e_check "journal: no successful step-up after the restart" test "$(e2e_count "$cur" EVENT=stepup RESULT=ok)" = 0

	# --- lockout ------------------------------------------------------------
	cur=$(e2e_cursor)
	for i in 1 2 3; do
		e2e_ssh bob 127.0.0.2 bob wrong
		e2e_check "bob's wrong code #$i from 127.0.0.2: refused (exit 255) after one prompt" \
			test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "255:1:"
	done
	e2e_check "journal: 3 bad codes for bob" test "$(e2e_count "$cur" EVENT=stepup RESULT=bad_code USER=bob)" = 3
	e2e_check "journal: bob locked out after the third" \
		e2e_record "$cur" EVENT=lockout USER=bob RESULT=locked REASON=locked DEVICE="$fpb"

	s08_restart
	cur=$(e2e_cursor)
	e2e_ssh bob 127.0.0.2 bob code
	e2e_check "after restart: bob, with the right code at hand, is refused (exit 255) without a prompt" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "255:0:"
	e2e_check "journal: deny reason=locked for bob/sshd from 127.0.0.2" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=locked USER=bob SERVICE=sshd RHOST=127.0.0.2
	e2e_check "journal: nothing allowed bob after the restart" \
		test "$(e2e_count "$cur" EVENT=decision DECISION=allow USER=bob)" = 0
}

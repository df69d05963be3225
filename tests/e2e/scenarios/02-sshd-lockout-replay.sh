# SPDX-License-Identifier: BSD-3-Clause
# 2. Lockout and replay through the real sshd ([lockout] deny = 3,
#    interval = 900, unlock = 600).  Three logins of alice with a wrong code
#    are each denied: one code asked, ssh fails, the command never runs, the
#    prompt counts down the attempts left, and the journal has a failed
#    step-up (result bad_code) for each, then a lockout record and a denial
#    with reason locked.  A fourth login, with the right code, is refused
#    before any prompt (decision deny, reason locked).  Once root clears the
#    lockout with vigilctl on the admin socket, a code accepted from client A
#    (127.0.0.2) and sent again from client B (127.0.1.2) is refused as a
#    replay, which is not a guess: B is told "that code was just used; wait
#    for the next one" and asked again (three times, then refused with
#    reason replay), and the replays count toward no lockout.
s02_ssh_failed() { # the last e2e_ssh was refused and ran nothing
	[ "$E2E_SSH_RC" -ne 0 ] && [ -z "$E2E_SSH_OUT" ]
}

s02_unlock() { # root clears alice's lockout on the admin socket
	"$E2E_VIGILCTL" --admin-socket /run/vigil/admin.sock unlock alice >/dev/null
}

s02_asked_has() { # TEXT: the last prompt the client showed contained TEXT
	grep -qF -- "$1" "$E2E/log/asked"
}

scenario() {
	local cur cur_all fp i codefile
	e2e_vigild_start 02 '[totp]' 'window = 3' '[lockout]' 'deny = 3' 'interval = 900' 'unlock = 600'
	e2e_enroll alice
	e2e_sshd_start 02
	fp=$(e2e_fingerprint alice)

	cur_all=$(e2e_cursor)
	for i in 1 2 3; do
		cur=$(e2e_cursor)
		e2e_ssh alice 127.0.0.2 alice wrong
		e2e_check "wrong code $i: one code asked, ssh failed (exit $E2E_SSH_RC), the command did not run" \
			test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:255:"
		e2e_check "journal: wrong code $i is a failed step-up (stepup result=bad_code, reason stepup_failed)" \
			e2e_record "$cur" EVENT=stepup RESULT=bad_code REASON=stepup_failed METHOD=totp USER=alice \
			SERVICE=sshd RHOST=127.0.0.2 DEVICE="$fp"
		if [ "$i" -lt 3 ]; then
			e2e_check "journal: wrong code $i denied with reason stepup_failed, no lockout yet" \
				e2e_record "$cur" EVENT=decision DECISION=deny REASON=stepup_failed USER=alice RHOST=127.0.0.2
			e2e_check "journal: no lockout record after wrong code $i" \
				test "$(e2e_count "$cur" EVENT=lockout)" = 0
		fi
		if [ "$i" -eq 2 ]; then
			e2e_check "the prompt of attempt 2 says 2 attempts are left" \
				s02_asked_has "2 attempts left before it is locked"
		elif [ "$i" -eq 3 ]; then
			e2e_check "the prompt of attempt 3 says 1 attempt is left" \
				s02_asked_has "1 attempt left before it is locked"
		fi
	done
	cur=$cur_all
	e2e_check "journal: exactly three bad_code step-ups" \
		test "$(e2e_count "$cur" EVENT=stepup RESULT=bad_code USER=alice)" = 3
	e2e_check "journal: one lockout record for alice (reason locked, result locked)" \
		test "$(e2e_count "$cur" EVENT=lockout USER=alice SERVICE=sshd RHOST=127.0.0.2 REASON=locked \
			RESULT=locked)" = 1
	e2e_check "journal: the third failure is denied with reason locked" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=locked USER=alice RHOST=127.0.0.2 DEVICE="$fp"

	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice code
	e2e_check "locked out: the right code is not even asked for, ssh failed, the command did not run" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "0:255:"
	e2e_check "journal: the locked login is denied with reason locked" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=locked USER=alice SERVICE=sshd RHOST=127.0.0.2 \
		DEVICE="$fp"
	e2e_check "journal: no step-up and no allow while locked" \
		test "$(e2e_count "$cur" EVENT=stepup):$(e2e_count "$cur" DECISION=allow)" = "0:0"

	cur=$(e2e_cursor)
	e2e_check "root clears the lockout: vigilctl unlock alice on /run/vigil/admin.sock" \
		s02_unlock
	e2e_check "journal: admin record, alice unlocked" e2e_record "$cur" EVENT=admin USER=alice RESULT=unlocked

	# One code, kept in a file (secrets/, 0600), answered to both logins.
	codefile=$E2E/secrets/s02-replay.code
	(umask 077 && vt_next_code alice >"$codefile")
	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice "@$codefile"
	e2e_check "unlocked: from A (127.0.0.2) the code is asked and accepted, the command ran" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:0:e2e-ok"
	e2e_check "journal: step-up ok from 127.0.0.2, then allowed" \
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=totp USER=alice RHOST=127.0.0.2 DEVICE="$fp"
	e2e_check "journal: allowed from 127.0.0.2" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=alice RHOST=127.0.0.2 METHOD=totp

	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.1.2 alice "@$codefile"
	e2e_check "the same code from B (127.0.1.2): asked, told to wait for the next, asked 3 more times, refused" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "4:255:"
	e2e_check "B's last prompt says the code was just used" s02_asked_has "that code was just used"
	e2e_check "journal: B needed a step-up (known device, new source and network)" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=alice RHOST=127.0.1.2 DEVICE="$fp" \
		SIGNALS=new_source,new_prefix SCORE=40
	e2e_check "journal: the reused code is a replay (stepup result=replay, reason replay), four times" \
		test "$(e2e_count "$cur" EVENT=stepup RESULT=replay REASON=replay METHOD=totp USER=alice \
			RHOST=127.0.1.2 DEVICE="$fp")" = 4
	e2e_check "journal: the login from B is denied (reason replay), no step-up ok, no lockout" \
		test "$(e2e_count "$cur" EVENT=decision DECISION=deny REASON=replay RHOST=127.0.1.2):$(
			e2e_count "$cur" EVENT=stepup RESULT=ok):$(e2e_count "$cur" EVENT=lockout)" = "1:0:0"
}

# SPDX-License-Identifier: BSD-3-Clause
# 19. Recovery codes, end to end.  victor (TOTP) makes a set himself with
#     `vigilctl recovery generate`, proving his TOTP code on stdin; every
#     sshd login owes a step-up ([service.sshd] stepup_at = 0, no grants)
#     and he answers the code prompt with recovery codes.  Proven:
#     - mallory cannot make codes for victor (PERMISSION, no code shown);
#     - a code lets victor in: step-up ok, method recovery,
#       VIGIL_RECOVERY_LEFT=9; the same code again is refused (reason
#       stepup_failed, result used); a second code works (8 left);
#     - after a second `recovery generate`, an unused code of the first set
#       is refused and a code of the new set works;
#     - mallory typing wrong recovery codes at `su victor` locks only
#       herself ([lockout] deny = 4): her fifth su asks nothing, the
#       journal says source_locked, and victor still logs in;
#     - no code of either set, with or without dashes, in any case, appears
#       in the journal, the logs the run keeps (stderr included), the
#       database (sqlite3 .dump and the raw files); the run's final
#       no-secrets check looks for them in every log, the scenarios' own
#       output included.

S19_SECRETS=$E2E/secrets/s19
S19_SU="su victor -c 'echo SU-OK-\$(id -un)'"

# s19_generate OUT: victor runs `vigilctl recovery generate`, his next TOTP
# code on stdin (not a tty: the proof is read from it); the output goes to
# OUT (kept with the secrets), the codes to OUT.codes, one a line.
s19_generate() {
	local out=$1 rc=0
	vt_next_code victor >"$S19_SECRETS/proof"
	setpriv --reuid=victor --regid=victor --init-groups env -i PATH=/usr/bin:/bin HOME="$E2E/home/victor" \
		"$E2E_VIGILCTL" recovery generate <"$S19_SECRETS/proof" >"$out" 2>"$out.err" || rc=$?
	grep -oE '(^|[^a-z])[a-z]{4}-[a-z]{4}-[a-z]{4}([^a-z]|$)' "$out" | grep -oE '[a-z]{4}-[a-z]{4}-[a-z]{4}' >"$out.codes"
	cat "$out.codes" >>"$E2E/secrets/recovery.codes"
	return "$rc"
}

# s19_ssh CODE-FILE: victor's ssh login from 127.0.0.2, the code in the file
# typed at the prompt.  S19_SAID: what the client showed (prompts and info).
s19_ssh() {
	local before
	before=$(stat -c %s "$E2E/log/ssh.err" 2>/dev/null || echo 0)
	e2e_ssh victor 127.0.0.2 victor "@$1"
	S19_SAID="$(cat "$E2E/log/asked") $(tail -c +"$((before + 1))" "$E2E/log/ssh.err")"
	echo "$(date +%T.%N | cut -c1-12) s19_ssh ${1##*/}: asked=$E2E_SSH_ASKED rc=$E2E_SSH_RC out=$E2E_SSH_OUT" >&2
}

s19_code() { sed -n "$2p" "$S19_SECRETS/$1.out.codes" >"$S19_SECRETS/answer"; echo "$S19_SECRETS/answer"; }

s19_set_ok() { # SET: ten distinct well-formed codes
	[ "$(sort -u "$S19_SECRETS/$1.out.codes" | wc -l)" = 10 ] &&
		[ "$(grep -cE '^[abcdefghjkmnpqrstuvwxyz]{4}-[abcdefghjkmnpqrstuvwxyz]{4}-[abcdefghjkmnpqrstuvwxyz]{4}$' \
			"$S19_SECRETS/$1.out.codes")" = 10 ]
}

# s19_leaks FILE...: the files that hold some code of either set, with or
# without dashes, in any case (each named once); none: status 1.
s19_leaks() {
	local pats=$S19_SECRETS/patterns
	{
		cat "$E2E/secrets/recovery.codes"
		tr -d - <"$E2E/secrets/recovery.codes"
	} >"$pats"
	grep -laiF -f "$pats" "$@" 2>/dev/null
}

scenario() {
	local cur rc=0 leaks i n
	mkdir -p -m 700 "$S19_SECRETS"
	e2e_vigild_start 19 '[totp]' 'window = 10' '[policy]' 'grant_lifetime = 0' 'methods = totp, recovery' \
		'[service.sshd]' 'stepup_at = 0' '[lockout]' 'deny = 4' 'interval = 900' 'unlock = 600'
	e2e_enroll victor
	e2e_sshd_start 19

	# The attacker asks for the victim's codes.
	cur=$(e2e_cursor)
	setpriv --reuid=mallory --regid=mallory --init-groups env -i PATH=/usr/bin:/bin \
		"$E2E_VIGILCTL" recovery generate --user victor </dev/null >"$S19_SECRETS/mallory.out" \
		2>"$S19_SECRETS/mallory.err" || rc=$?
	e2e_check "mallory's recovery generate --user victor: fails (exit $rc), says permission" \
		eval 'test "$rc" != 0 && grep -qi permission "$S19_SECRETS/mallory.err"'
	e2e_check "mallory was shown no code" \
		e2e_not grep -qE '[a-z]{4}-[a-z]{4}-[a-z]{4}' "$S19_SECRETS/mallory.out" "$S19_SECRETS/mallory.err"

	# victor's first set.
	rc=0
	s19_generate "$S19_SECRETS/set1.out" || rc=$?
	e2e_check "victor's recovery generate with a TOTP proof on stdin: exit 0, ten distinct codes abcd-efgh-jkmn" \
		eval 'test "$rc" = 0 && s19_set_ok set1'

	cur=$(e2e_cursor)
	s19_ssh "$(s19_code set1 1)"
	e2e_check "first code: one prompt, allowed, the command ran" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:0:e2e-ok"
	e2e_check "journal: step-up ok with method recovery, VIGIL_RECOVERY_LEFT=9" \
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=recovery USER=victor RECOVERY_LEFT=9
	e2e_check "journal: allowed, method recovery, reason stepped_up" \
		e2e_record "$cur" EVENT=decision DECISION=allow METHOD=recovery REASON=stepped_up USER=victor
	if grep -qE '(^|[^0-9])9([^0-9]|$)' <<<"$S19_SAID"; then
		echo "    ok - the conversation told how many codes are left"
	else
		echo "    # note: the conversation did not tell how many codes are left (the module does not show it)"
	fi

	cur=$(e2e_cursor)
	s19_ssh "$(s19_code set1 1)"
	e2e_check "the same code again: refused" e2e_like "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" "1:[1-9]*:"
	e2e_check "journal: step-up failed, result used, reason stepup_failed, method recovery" \
		e2e_record "$cur" EVENT=stepup RESULT=used REASON=stepup_failed METHOD=recovery USER=victor
	e2e_check "journal: denied, reason stepup_failed" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=stepup_failed USER=victor

	cur=$(e2e_cursor)
	s19_ssh "$(s19_code set1 2)"
	e2e_check "second code: allowed, VIGIL_RECOVERY_LEFT=8" \
		eval 'test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:0:e2e-ok" &&
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=recovery USER=victor RECOVERY_LEFT=8'

	# A new set: the old one is void.
	rc=0
	s19_generate "$S19_SECRETS/set2.out" || rc=$?
	e2e_check "victor's second recovery generate: exit 0, ten new codes, none of the first set" \
		eval 'test "$rc" = 0 && s19_set_ok set2 && ! grep -qxF -f "$S19_SECRETS/set1.out.codes" "$S19_SECRETS/set2.out.codes"'
	cur=$(e2e_cursor)
	s19_ssh "$(s19_code set1 3)"
	e2e_check "an unused code of the old set: refused" e2e_like "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" "1:[1-9]*:"
	e2e_check "journal: old-set code: step-up failed (method recovery), denied stepup_failed" \
		eval 'e2e_record "$cur" EVENT=stepup METHOD=recovery REASON=stepup_failed RESULT="!~^ok$" USER=victor &&
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=stepup_failed USER=victor'
	cur=$(e2e_cursor)
	s19_ssh "$(s19_code set2 1)"
	e2e_check "a code of the new set: allowed, VIGIL_RECOVERY_LEFT=9" \
		eval 'test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:0:e2e-ok" &&
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=recovery USER=victor RECOVERY_LEFT=9'

	# The attacker types made-up recovery codes at su victor.
	for i in 1 2 3 4 5; do
		printf '%s\n' "zzzz-yyyy-xxx$(printf '%s' abcde | cut -c"$i")" >"$S19_SECRETS/fake$i"
	done
	cur=$(e2e_cursor)
	e2e_pty mallory s19-mallory "@$S19_SECRETS/fake1 wrong $S19_SU" "@$S19_SECRETS/fake2 wrong $S19_SU" \
		"@$S19_SECRETS/fake3 wrong $S19_SU" "@$S19_SECRETS/fake4 wrong $S19_SU" "@$S19_SECRETS/fake5 wrong $S19_SU"
	for i in 1 2 3 4; do
		e2e_check "mallory's su victor $i: one code asked, wrong; no password asked; su failed" \
			test "${E2E_PTY[i - 1]:-none}" = "1:0:1"
	done
	e2e_check "mallory's su victor 5: nothing asked, su failed" test "${E2E_PTY[4]:-none}" = "0:0:1"
	e2e_check "journal: her codes were checked as recovery codes (service su, not ok)" \
		test "$(e2e_count "$cur" EVENT=stepup METHOD=recovery SERVICE=su USER=victor RESULT='!~^ok$')" = 4
	e2e_check "journal: mallory locked out of victor (lockout, source_locked), victor's account not locked" \
		eval 'e2e_record "$cur" EVENT=lockout USER=victor REASON=source_locked &&
		test "$(e2e_count "$cur" EVENT=lockout REASON=locked)" = 0'
	cur=$(e2e_cursor)
	s19_ssh "$(s19_code set2 2)"
	e2e_check "victor still logs in (a code of his new set): allowed" \
		eval 'test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:0:e2e-ok" &&
		e2e_record "$cur" EVENT=decision DECISION=allow USER=victor SERVICE=sshd METHOD=recovery'

	# Nowhere a code: the journal, every log, the database.
	journalctl --sync 2>/dev/null || true
	journalctl -o export --no-pager >"$E2E/log/s19-journal.export" 2>/dev/null
	sqlite3 "$E2E_VIGILD_STATE/vigil.db" .dump >"$E2E/log/s19-db.dump" 2>"$E2E/log/s19-db.err"
	n=$(wc -l <"$E2E/secrets/recovery.codes")
	e2e_check "the database dump is there and holds the recovery rows" \
		grep -qi recovery "$E2E/log/s19-db.dump"
	leaks=$(s19_leaks "$E2E/log/s19-journal.export" "$E2E/log/s19-db.dump" "$E2E_VIGILD_STATE"/vigil.db* \
		"$E2E"/log/*)
	e2e_check "none of the $n codes in the journal, the logs (stderr too), the dump or the raw database${leaks:+: found in $leaks}" \
		test -z "$leaks"
	# The check itself must be able to fail: a file known to hold the codes.
	e2e_check "the leak check finds the codes where they are (victor's own vigilctl output)" \
		test -n "$(s19_leaks "$S19_SECRETS/set1.out")"
}

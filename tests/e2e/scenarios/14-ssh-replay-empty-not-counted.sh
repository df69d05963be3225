# SPDX-License-Identifier: BSD-3-Clause
# 14. A replayed code and an empty answer are refused but not counted as
#     failed guesses ([lockout] deny = 3; [service.sshd] stepup_at = 0, and
#     each login from an address of its own, so every login asks a code:
#     a step-up grant is bound to the device and source).  Required:
#     - victor logs in with a code, then logs in again three times typing
#       the SAME code: each is refused, the client is told "that code was
#       just used", and none counts: a fresh code then lets him in, with no
#       lockout and no bad_code step-up in the journal;
#     - three logins answering the code prompt with an empty line (the
#       user just pressed Enter) are refused without counting a failure:
#       the client is told no code was entered, and the right code then
#       lets him in, with no lockout and no bad_code step-up.

# s14_ssh TAG FROM ANSWER: victor's ssh login from FROM; ANSWER is @FILE (the
# code kept in FILE) or empty.  Each prompt as the client shows it goes to
# secrets/s14/TAG.asked, the client's stderr at LogLevel INFO (what a user
# sees) to secrets/s14/TAG.stderr.  Sets S14 to "asked:rc:output".
s14_ssh() {
	local tag=$1 from=$2 answer=$3 d=$E2E/secrets/s14 out rc=0
	[ -d "$d" ] || mkdir -m 700 "$d"
	cat >"$d/askpass" <<EOF
#!/bin/sh
printf '%s\n' "\$1" | tr '\n' ' ' >>"$d/$tag.asked"
echo >>"$d/$tag.asked"
case '$answer' in
@*) cat '${answer#@}' ;;
empty) echo ;;
esac
EOF
	chmod 700 "$d/askpass"
	rm -f "$d/$tag".*
	install -m 600 /dev/null "$d/$tag.asked"
	out=$(SSH_ASKPASS="$d/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid -w \
		ssh -F /dev/null -p "$E2E_SSHD_PORT" -b "$from" -i "$E2E/keys/victor" -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=INFO \
		-o PreferredAuthentications=publickey,keyboard-interactive -o NumberOfPasswordPrompts=1 \
		-o ConnectTimeout=10 victor@127.0.0.1 "echo e2e-ok" </dev/null 2>"$d/$tag.stderr") || rc=$?
	S14="$(wc -l <"$d/$tag.asked"):$rc:$out"
	echo "$(date +%T.%N | cut -c1-12) s14_ssh $tag $from ${answer##*/}: $S14" >&2
}

s14_told() { # TAG TEXT: the client of login TAG was shown TEXT (a prompt's text or stderr)
	# No pipe: under pipefail, grep -q leaving early makes cat die of
	# SIGPIPE and the match count as a failure (the rare flake of this
	# check, seen in a chroot).
	grep -qF -- "$2" "$E2E/secrets/s14/$1.asked" "$E2E/secrets/s14/$1.stderr" && return 0
	# What it was shown instead, for the log of the failed check (the
	# prompts hold no code: ssh does not echo the answers).
	sed "s/^/    $1 was shown: /" "$E2E/secrets/s14/$1.asked" "$E2E/secrets/s14/$1.stderr" >&2
	return 1
}

s14_unlocked() { "$E2E_VIGILCTL" status --user victor | grep -qx 'locked: not locked'; }

scenario() {
	local cur cur_fresh i codefile=$E2E/secrets/s14-replay.code fp
	e2e_vigild_start 14 '[totp]' 'window = 3' '[lockout]' 'deny = 3' 'interval = 900' 'unlock = 600' \
		'[service.sshd]' 'stepup_at = 0'
	e2e_enroll victor
	e2e_sshd_start 14
	fp=$(e2e_fingerprint victor)

	(umask 077 && vt_next_code victor >"$codefile")
	cur=$(e2e_cursor)
	s14_ssh first 127.0.0.2 "@$codefile"
	e2e_check "victor's first login: one code asked and accepted, the command ran" test "$S14" = "1:0:e2e-ok"
	for i in 1 2 3; do
		s14_ssh "replay-$i" "127.0.$i.2" "@$codefile"
		e2e_check "the same code again ($i): refused, the command did not run" \
			e2e_like "$S14" '[1-9]:255:'
		e2e_check "the same code again ($i): the client is told the code was just used" \
			s14_told "replay-$i" "that code was just used"
	done
	e2e_check "journal: the replays are refused as replays (deny, reason replay), 3 of them" \
		test "$(e2e_count "$cur" EVENT=decision DECISION=deny REASON=replay USER=victor)" = 3
	(umask 077 && vt_next_code victor >"$codefile")
	cur_fresh=$(e2e_cursor)
	s14_ssh fresh 127.0.4.2 "@$codefile"
	e2e_check "then a fresh code: one code asked and accepted, the command ran" test "$S14" = "1:0:e2e-ok"
	e2e_check "journal: no lockout, no bad_code step-up, victor not locked" \
		test "$(e2e_count "$cur" EVENT=lockout):$(e2e_count "$cur" EVENT=stepup RESULT=bad_code):$(
			s14_unlocked && echo unlocked)" = "0:0:unlocked"
	e2e_check "journal: the fresh code's login allowed (method totp, his key)" \
		e2e_record "$cur_fresh" EVENT=decision DECISION=allow USER=victor DEVICE="$fp" METHOD=totp RHOST=127.0.4.2

	# Whatever the replays did, root clears it: the empty answers stand alone.
	"$E2E_VIGILCTL" --admin-socket /run/vigil/admin.sock unlock victor >/dev/null 2>&1
	cur=$(e2e_cursor)
	for i in 1 2 3; do
		s14_ssh "empty-$i" "127.0.$((4 + i)).2" empty
		e2e_check "an empty answer ($i): refused, the command did not run" e2e_like "$S14" '[1-9]:255:'
		e2e_check "an empty answer ($i): the client is told no code was entered" \
			s14_told "empty-$i" "Vigil: no code was entered."
	done
	(umask 077 && vt_next_code victor >"$codefile")
	s14_ssh right 127.0.8.2 "@$codefile"
	e2e_check "then the right code: one code asked and accepted, the command ran" test "$S14" = "1:0:e2e-ok"
	e2e_check "journal: no lockout, no bad_code step-up, victor not locked" \
		test "$(e2e_count "$cur" EVENT=lockout):$(e2e_count "$cur" EVENT=stepup RESULT=bad_code):$(
			s14_unlocked && echo unlocked)" = "0:0:unlocked"
}

# SPDX-License-Identifier: BSD-3-Clause
# 5. sudo inside an ssh session, with the shipped /etc/pam.d/sudo (Vigil
#    "requisite" before common-auth) and [service.sudo] fresh_window = 8.
#    sudo runs in a pty of a real ssh login (ssh -tt, driven by expect); the
#    ssh login asks no code ([service.sshd] stepup_at = 90 lets its score of
#    80 pass, and leaves no step-up grant behind).  The sessions that sshd
#    registers through pam_vigil's session phase lend their device (the ssh
#    key) and source to the sudo runs in them, found by the sudo process's
#    ancestry.  Proven:
#    - the first `sudo id -u` steps up: the Vigil code prompt, then the
#      password, prints 0; the decision is a stepup with the privileged
#      signal, the ssh key's fingerprint, no rhost;
#    - a second sudo within the window asks the password only;
#    - one after the window asks a code again, saying the privileged action
#      needs a recent second factor;
#    - `sudo -n id` fails at once (exit 1) and asks nothing: by default sudo
#      refuses before PAM; with "Defaults noninteractive_auth" it runs the
#      stack, pam_vigil's prompt cannot be shown, and the stack fails;
#    - bob (not enrolled, in the same kind of ssh session) is refused and
#      never reaches the password prompt; the journal has his deny with
#      reason not_enrolled, and he is told how to enroll (sudo 1.9.13 passes
#      PAM_SILENT; pam_vigil shows its denial text all the same).

S05_FRESH=8

# s05_sudo USER COMMAND: logs USER in over ssh -tt from 127.0.0.2 with the
# user's key and runs COMMAND in the session (tests/ssh_session.exp answers
# the Vigil code prompt with the user's next code and sudo's password prompt
# with the password).  Sets S05_LOGIN_CODES (code prompts before the
# command started: the ssh login), S05_CODES and S05_PWS (prompts during the
# command), S05_RC (the command's exit status, -1 if never seen), S05_LAST
# (the last line the command printed) and S05_LOG (the transcript).
s05_n=0
s05_sudo() {
	local user=$1 cmd=$2
	s05_n=$((s05_n + 1))
	S05_LOG=$E2E/log/05-sudo-$s05_n.log
	SESSION_USER=$user SESSION_PW=$E2E_PASSWORD SESSION_SUM=$S05_LOG.sum \
		expect -f "$top_srcdir/tests/ssh_session.exp" \
		ssh -tt -F /dev/null -p "$E2E_SSHD_PORT" -b 127.0.0.2 -i "$E2E/keys/$user" \
		-o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o PreferredAuthentications=publickey,keyboard-interactive \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 "$user@127.0.0.1" \
		"echo SESSION-BEGIN; $cmd; echo RC=\$?" >"$S05_LOG" 2>>"$E2E/log/05-expect.err"
	{ read -r S05_LOGIN_CODES S05_CODES S05_PWS S05_RC; IFS= read -r S05_LAST; } <"$S05_LOG.sum"
	echo "$(date +%T.%N | cut -c1-12) s05_sudo $user '$cmd': login_codes=$S05_LOGIN_CODES codes=$S05_CODES pws=$S05_PWS rc=$S05_RC last='$S05_LAST'" >&2
}

# s05_sudoers LINE...: /etc/sudoers is the suite's file plus LINE..., until
# s05_sudoers_reset (a bind mount over the suite's own bind mount, so the
# reset is an umount and the suite's file is never written).
s05_sudoers() {
	s05_sudoers_reset
	{
		cat /etc/sudoers
		printf '%s\n' "$@"
	} >"$E2E/s/05/sudoers"
	chmod 440 "$E2E/s/05/sudoers"
	mount --bind "$E2E/s/05/sudoers" /etc/sudoers
	S05_SUDOERS=1
}
s05_sudoers_reset() {
	[ -z "${S05_SUDOERS:-}" ] || umount /etc/sudoers
	S05_SUDOERS=
}

# The same, with the transcript's text checked.
s05_said() { grep -qF -- "$1" "$S05_LOG"; }
s05_not_said() { ! grep -qF -- "$1" "$S05_LOG"; }
# s05_in_order TEXT...: each TEXT first appears on a later line than the one before.
s05_in_order() {
	local last=0 n t
	for t in "$@"; do
		n=$(grep -nF -- "$t" "$S05_LOG" | head -n 1 | cut -d: -f1)
		[ -n "$n" ] && [ "$n" -gt "$last" ] || return 1
		last=$n
	done
}

scenario() {
	local cur fp fpb
	trap s05_sudoers_reset EXIT
	e2e_vigild_start 05 '[totp]' 'window = 3' '[service.sshd]' 'stepup_at = 90' \
		'[service.sudo]' "fresh_window = $S05_FRESH"
	e2e_enroll alice
	e2e_sshd_start 05
	fp=$(e2e_fingerprint alice)
	fpb=$(e2e_fingerprint bob)

	# 0. sudo -n while a step-up is owed (no grant yet).  sudo itself
	# refuses before PAM: Vigil never hears of it.
	cur=$(e2e_cursor)
	s05_sudo alice "sudo -n id -u"
	e2e_check "sudo -n: exit 1 at once, nothing asked" \
		test "$S05_LOGIN_CODES:$S05_CODES:$S05_PWS:$S05_RC:$S05_LAST" = "0:0:0:1:sudo: a password is required"
	e2e_check "journal: the ssh login allowed without a code (score 80 under stepup_at 90)" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=alice SERVICE=sshd RHOST=127.0.0.2 DEVICE="$fp" \
		METHOD=none SCORE=80
	e2e_check "journal: the ssh session registered with the key's fingerprint" \
		e2e_record "$cur" EVENT=session_open USER=alice SERVICE=sshd DEVICE="$fp"
	e2e_check "journal: sudo -n never reached Vigil (no sudo record)" \
		test "$(e2e_count "$cur" SERVICE=sudo)" = 0

	# With "Defaults noninteractive_auth" sudo -n runs the stack: Vigil's
	# prompt cannot be shown, the stack fails at once, nothing is asked.
	s05_sudoers 'Defaults noninteractive_auth'
	cur=$(e2e_cursor)
	s05_sudo alice "sudo -n id -u"
	s05_sudoers_reset
	e2e_check "sudo -n (noninteractive_auth): exit 1 at once, nothing asked" \
		test "$S05_LOGIN_CODES:$S05_CODES:$S05_PWS:$S05_RC" = "0:0:0:1"
	e2e_check "journal: Vigil asked for the step-up (stepup decision, privileged, the ssh key)" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=alice SERVICE=sudo DEVICE="$fp" SIGNALS=privileged RHOST=!
	e2e_check "journal: allowed nothing, and no failed step-up counted (no stepup event)" \
		test "$(e2e_count "$cur" DECISION=allow SERVICE=sudo):$(e2e_count "$cur" EVENT=stepup)" = 0:0

	# 1. First sudo: a step-up (the score band: privileged = 30).
	cur=$(e2e_cursor)
	s05_sudo alice "sudo id -u"
	e2e_check "first sudo: the ssh login asked no code; sudo asked one code then the password; printed 0" \
		test "$S05_LOGIN_CODES:$S05_CODES:$S05_PWS:$S05_RC:$S05_LAST" = "0:1:1:0:0"
	e2e_check "first sudo: Vigil says why (privileged command), asks its code, then sudo the password" \
		s05_in_order "Vigil: this login looks new (privileged command). Enter a code from your authenticator app." \
		"Verification code: " "[sudo] password for alice: "
	e2e_check "journal: sudo stepup for alice, signals privileged, the ssh key inherited, no rhost" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=alice SERVICE=sudo DEVICE="$fp" \
		SIGNALS=privileged SCORE=30 RHOST=! METHOD=totp
	e2e_check "journal: the sudo code accepted (stepup ok, totp, same device)" \
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=totp USER=alice SERVICE=sudo DEVICE="$fp" RHOST=!
	e2e_check "journal: sudo allowed after the step-up" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=alice SERVICE=sudo DEVICE="$fp" METHOD=totp \
		SIGNALS=privileged RHOST=!

	# 2. Within the window: the password only.
	cur=$(e2e_cursor)
	s05_sudo alice "sudo id -u"
	e2e_check "second sudo within $S05_FRESH s: no code, the password only; printed 0" \
		test "$S05_LOGIN_CODES:$S05_CODES:$S05_PWS:$S05_RC:$S05_LAST" = "0:0:1:0:0"
	e2e_check "journal: sudo allowed with no step-up (method none), privileged, the ssh key" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=alice SERVICE=sudo DEVICE="$fp" METHOD=none \
		SIGNALS=privileged SCORE=30 RHOST=!
	e2e_check "journal: no step-up and no stepup decision for it" \
		test "$(e2e_count "$cur" EVENT=stepup):$(e2e_count "$cur" DECISION=stepup)" = "0:0"

	# 3. After the window: a code again.
	sleep $((S05_FRESH + 1))
	cur=$(e2e_cursor)
	s05_sudo alice "sudo id -u"
	e2e_check "sudo after the $S05_FRESH s window: one code again, then the password; printed 0" \
		test "$S05_LOGIN_CODES:$S05_CODES:$S05_PWS:$S05_RC:$S05_LAST" = "0:1:1:0:0"
	e2e_check "after the window Vigil says a recent second factor is needed, asks, then the password" \
		s05_in_order "Vigil: this privileged action needs a recent second factor." \
		"Verification code: " "[sudo] password for alice: "
	e2e_check "journal: stepup then allow for sudo, the ssh key, no rhost" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=alice SERVICE=sudo DEVICE="$fp" \
		SIGNALS=privileged RHOST=!
	e2e_check "journal: the code accepted" \
		e2e_record "$cur" EVENT=stepup RESULT=ok USER=alice SERVICE=sudo DEVICE="$fp"

	# 4. bob: not enrolled, in the same kind of ssh session.  sudo passes
	# PAM_SILENT to pam_authenticate, so pam_vigil keeps its denial
	# text to itself: the user sees "Sorry, try again." (see the report).
	cur=$(e2e_cursor)
	s05_sudo bob "sudo id -u"
	e2e_check "bob: the ssh login asked nothing; sudo asked neither code nor password; exit 1" \
		test "$S05_LOGIN_CODES:$S05_CODES:$S05_PWS:$S05_RC" = "0:0:0:1"
	e2e_check "bob: no password prompt in the transcript" s05_not_said "password for bob"
	e2e_check "journal: bob's ssh login allowed without a code (score 80, stepup_at 90 for sshd)" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=bob SERVICE=sshd RHOST=127.0.0.2 DEVICE="$fpb" SCORE=80
	e2e_check "journal: sudo denied for bob, not_enrolled, privileged, his ssh key, no rhost" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=not_enrolled USER=bob SERVICE=sudo DEVICE="$fpb" \
		SIGNALS=privileged SCORE=30 RHOST=!
	e2e_check "journal: three denials (sudo retries a failed auth passwd_tries = 3 times), no step-up" \
		test "$(e2e_count "$cur" EVENT=decision DECISION=deny USER=bob SERVICE=sudo):$(e2e_count "$cur" EVENT=stepup)" = "3:0"

	# Debian 12's sudo (1.9.13) always passes PAM_SILENT to pam_authenticate
	# (no pam_silent option before 1.9.16): the denial text is shown anyway.
	e2e_check "bob: told to enroll with 'vigilctl totp enroll' despite sudo's PAM_SILENT" \
		s05_said "vigilctl totp enroll"
}

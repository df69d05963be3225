# SPDX-License-Identifier: BSD-3-Clause
# 6. pamtester against the shipped /etc/pam.d/sshd and /etc/pam.d/sudo as
#    installed (no pam_wrapper: the suite's namespace has them in place), as
#    root, with the exact pamtester exit codes (0 success, 1 failure) and the
#    journal record of each outcome.  For the sshd stack pamtester plays
#    sshd's keyboard-interactive step: PAM_RHOST and PAM_TTY=ssh (-I) and
#    SSH_AUTH_INFO_0 = "publickey <the user's key>" in the PAM environment
#    (-E), so the device is the key's fingerprint.
#    Proven, for the sshd stack (authenticate then acct_mgmt):
#    - a step-up with the right code from a new place: 0;
#    - the same place again: 0 and no prompt at all;
#    - a wrong code from another new place: 1, "that code is not valid",
#      counted as a failure (the next prompt says how many attempts are left);
#    - bob, not enrolled: 1 with the enroll message, no prompt;
#    - a source in [network] deny: 1, "refused by policy", no prompt, and the
#      account stack alone (a publickey-only login) refuses it too;
#    - the account stack alone (no SSH_AUTH_INFO_0, as for a publickey-only
#      login) from a new place: 1 (stepup_not_done) with the admin's hint.
#    And for the sudo stack (Vigil requisite before common-auth): alice
#    answers the code then her password: 0; bob is refused with the enroll
#    message before any password prompt: 1.

S06_NET=192.0.2.10     # alice's first place, and bob's
S06_OTHER=198.51.100.7 # a second new place for alice (wrong code)
S06_DENIED=203.0.113.5 # in [network] deny

# s06_pam ANSWER ARGS...: pamtester ARGS, stdin = ANSWER: "code" (alice's
# next code), "wrong" or "none" (nothing).  Sets S06_RC and S06_OUT (the
# file with everything pamtester printed).
s06_n=0
s06_pam() {
	local answer=$1
	shift
	s06_n=$((s06_n + 1))
	S06_OUT=$E2E/log/06-pam-$s06_n.out
	S06_RC=0
	case $answer in
	code) vt_next_code alice | pamtester "$@" >"$S06_OUT" 2>&1 || S06_RC=$? ;;
	wrong) echo 000000 | pamtester "$@" >"$S06_OUT" 2>&1 || S06_RC=$? ;;
	none) pamtester "$@" </dev/null >"$S06_OUT" 2>&1 || S06_RC=$? ;;
	esac
	echo "s06_pam $answer $*: rc=$S06_RC" >&2
}

# s06_sudo USER [TTY]: pamtester on the sudo stack under expect (a pty, as
# sudo has), answering Vigil's code prompt with USER's next code and
# pam_unix's "Password:" with the password.  Sets S06_RC, S06_CODES and
# S06_PWS (prompts answered) and S06_OUT (the transcript).
s06_sudo() {
	local user=$1 tty=${2:-/dev/pts/7} sum
	s06_n=$((s06_n + 1))
	S06_OUT=$E2E/log/06-pam-$s06_n.out
	sum=$E2E/log/06-pam-$s06_n.sum
	S06_USER=$user S06_TTY=$tty S06_PW=$E2E_PASSWORD S06_SUM=$sum \
		expect -f - >"$S06_OUT" 2>>"$E2E/log/06-expect.err" <<'EOF'
log_user 1
set timeout 15
set codes 0
set pws 0
spawn -noecho pamtester -I tty=$env(S06_TTY) sudo $env(S06_USER) authenticate acct_mgmt
expect {
	-re {Verification code: ?$} {
		incr codes
		send -- "[exec bash -c {. "$top_srcdir/tests/lib.sh"; vt_next_code "$S06_USER"}]\r"
		exp_continue
	}
	-re {Password: ?$} { incr pws; send -- "$env(S06_PW)\r"; exp_continue }
	timeout { puts "S06-TIMEOUT" }
	eof {}
}
catch {close}
set st [wait]
set f [open $env(S06_SUM) w]
puts $f "[lindex $st 3] $codes $pws"
close $f
EOF
	read -r S06_RC S06_CODES S06_PWS <"$sum"
	echo "s06_sudo $user: rc=$S06_RC codes=$S06_CODES pws=$S06_PWS" >&2
}

# What sshd puts in the PAM environment after the key: SSH_AUTH_INFO_0=...
s06_auth_info() { awk '{ printf "SSH_AUTH_INFO_0=publickey %s %s", $1, $2 }' "$E2E/keys/$1.pub"; }

s06_said() { grep -qF -- "$1" "$S06_OUT"; }
s06_silent() { ! grep -q . "$S06_OUT" || [ "$(grep -v '^pamtester: ' "$S06_OUT")" = "" ]; }
# s06_in_order TEXT...: each TEXT appears in the output on a later line than the one before.
s06_in_order() {
	local last=0 n t
	for t in "$@"; do
		n=$(grep -nF -- "$t" "$S06_OUT" | head -n 1 | cut -d: -f1)
		[ -n "$n" ] && [ "$n" -gt "$last" ] || return 1
		last=$n
	done
}
s06_not_asked() { ! grep -qF -e "Verification code" -e "Password:" "$S06_OUT"; }

scenario() {
	local cur fp fpb ai bi
	fp=$(e2e_fingerprint alice)
	fpb=$(e2e_fingerprint bob)
	ai=$(s06_auth_info alice)
	bi=$(s06_auth_info bob)
	e2e_vigild_start 06 '[totp]' 'window = 3' '[network]' 'deny = 203.0.113.0/24'
	e2e_enroll alice

	# sshd stack: a step-up with the right code.
	cur=$(e2e_cursor)
	s06_pam code -I rhost=$S06_NET -I tty=ssh -E "$ai" sshd alice authenticate acct_mgmt
	e2e_check "sshd: alice from $S06_NET, a new place, the right code: exit 0" test "$S06_RC" = 0
	e2e_check "sshd: the code was asked, with why" \
		s06_said "Vigil: this login looks new (new device, new source address, new network)."
	e2e_check "journal: stepup for alice/sshd from $S06_NET, her key's fingerprint, score 80" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=alice SERVICE=sshd RHOST=$S06_NET TTY=ssh \
		DEVICE="$fp" SIGNALS=new_device,new_source,new_prefix SCORE=80 METHOD=totp
	e2e_check "journal: stepup ok (totp), then allow" \
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=totp USER=alice SERVICE=sshd RHOST=$S06_NET
	e2e_check "journal: allow with method totp" \
		e2e_record "$cur" EVENT=decision DECISION=allow METHOD=totp USER=alice SERVICE=sshd RHOST=$S06_NET

	# The same place again: nothing asked (stdin is empty: a prompt would fail).
	cur=$(e2e_cursor)
	s06_pam none -I rhost=$S06_NET -I tty=ssh -E "$ai" sshd alice authenticate acct_mgmt
	e2e_check "sshd: alice from $S06_NET again: exit 0" test "$S06_RC" = 0
	e2e_check "sshd: no prompt and no text, only pamtester's own lines" s06_silent
	e2e_check "journal: allow, method none, score 0, no signal" \
		e2e_record "$cur" EVENT=decision DECISION=allow METHOD=none USER=alice SERVICE=sshd RHOST=$S06_NET \
		SCORE=0 SIGNALS=
	e2e_check "journal: no step-up" test "$(e2e_count "$cur" EVENT=stepup):$(e2e_count "$cur" DECISION=stepup)" = 0:0

	# The account stack alone from a new place: a step-up is owed, none done.
	cur=$(e2e_cursor)
	s06_pam none -I rhost=$S06_OTHER -I tty=ssh sshd alice acct_mgmt
	e2e_check "sshd account only, new place ($S06_OTHER): exit 1" test "$S06_RC" = 1
	e2e_check "sshd account only: the admin hint about AuthenticationMethods, no prompt" \
		eval 's06_said "did not offer one; the administrator must set '"'AuthenticationMethods publickey,keyboard-interactive'"'" && s06_not_asked'
	e2e_check "journal: deny stepup_not_done with new_source,new_prefix" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=stepup_not_done USER=alice SERVICE=sshd \
		RHOST=$S06_OTHER SIGNALS='~new_source,new_prefix$'

	# A wrong code from that new place.
	cur=$(e2e_cursor)
	s06_pam wrong -I rhost=$S06_OTHER -I tty=ssh -E "$ai" sshd alice authenticate acct_mgmt
	e2e_check "sshd: a wrong code: exit 1" test "$S06_RC" = 1
	e2e_check "sshd: told the code is not valid" \
		s06_said "Vigil: that code is not valid (wrong, already used, or expired)."
	e2e_check "journal: stepup failed, bad_code" \
		e2e_record "$cur" EVENT=stepup RESULT=bad_code REASON=stepup_failed METHOD=totp USER=alice RHOST=$S06_OTHER
	e2e_check "journal: deny stepup_failed" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=stepup_failed USER=alice SERVICE=sshd RHOST=$S06_OTHER \
		DEVICE="$fp" SIGNALS=new_source,new_prefix SCORE=40

	# bob has no factor.
	cur=$(e2e_cursor)
	s06_pam none -I rhost=$S06_NET -I tty=ssh -E "$bi" sshd bob authenticate acct_mgmt
	e2e_check "sshd: bob (not enrolled): exit 1" test "$S06_RC" = 1
	e2e_check "sshd: bob told to enroll with 'vigilctl totp enroll', no prompt" \
		eval 's06_said "vigilctl totp enroll" && s06_not_asked'
	e2e_check "journal: deny not_enrolled for bob from $S06_NET, his key, score 80" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=not_enrolled USER=bob SERVICE=sshd RHOST=$S06_NET \
		DEVICE="$fpb" SCORE=80

	# A source in [network] deny: auth, and the account stack alone.
	cur=$(e2e_cursor)
	s06_pam none -I rhost=$S06_DENIED -I tty=ssh -E "$ai" sshd alice authenticate acct_mgmt
	e2e_check "sshd: alice from $S06_DENIED (network deny): exit 1" test "$S06_RC" = 1
	e2e_check "sshd: refused by policy, no prompt" \
		eval 's06_said "Vigil: login refused by policy." && s06_not_asked'
	e2e_check "journal: deny network for alice from $S06_DENIED" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=network USER=alice SERVICE=sshd RHOST=$S06_DENIED
	cur=$(e2e_cursor)
	s06_pam none -I rhost=$S06_DENIED -I tty=ssh sshd alice acct_mgmt
	e2e_check "sshd account only from $S06_DENIED: exit 1" test "$S06_RC" = 1
	e2e_check "journal: deny network (account phase)" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=network USER=alice RHOST=$S06_DENIED

	# sudo stack: the code, then the password.  No session lends a device:
	# the device is the service and tty.  The wrong code above was typed at
	# a remote login: it counts against alice there, not against whoever
	# runs this local sudo, so no attempts are counted down here.
	cur=$(e2e_cursor)
	s06_sudo alice
	e2e_check "sudo: alice answered one code then one password: exit 0" \
		test "$S06_RC:$S06_CODES:$S06_PWS" = 0:1:1
	e2e_check "sudo: Vigil's line (new device, privileged; no attempts counted), its code prompt, then the password" \
		s06_in_order "Vigil: this login looks new (new device, privileged command)." \
		"Verification code: " "Password: "
	e2e_check "journal: stepup for alice/sudo, device sudo:/dev/pts/7, new_device,privileged, no rhost" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=alice SERVICE=sudo DEVICE=sudo:/dev/pts/7 \
		TTY=/dev/pts/7 SIGNALS=new_device,privileged SCORE=70 RHOST=!
	e2e_check "journal: stepup ok, then allow (totp)" \
		e2e_record "$cur" EVENT=decision DECISION=allow METHOD=totp USER=alice SERVICE=sudo DEVICE=sudo:/dev/pts/7
	e2e_check "journal: one stepup ok" test "$(e2e_count "$cur" EVENT=stepup RESULT=ok SERVICE=sudo)" = 1

	cur=$(e2e_cursor)
	s06_sudo bob
	e2e_check "sudo: bob: exit 1, no code and no password asked" test "$S06_RC:$S06_CODES:$S06_PWS" = 1:0:0
	e2e_check "sudo: bob told to enroll with 'vigilctl totp enroll'" s06_said "vigilctl totp enroll"
	e2e_check "journal: deny not_enrolled for bob/sudo, new_device,privileged" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=not_enrolled USER=bob SERVICE=sudo \
		SIGNALS=new_device,privileged SCORE=70 RHOST=!
}

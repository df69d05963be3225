# SPDX-License-Identifier: BSD-3-Clause
# 10. In-band enrollment through sshd, as an admin enables it with
#     [policy] no_factor = enroll, enroll_since (the roll-out date) and
#     enroll_grace.  Proves:
#     - an unenrolled user's first login (dave; a new device, so a step-up)
#       gets, through keyboard-interactive, one prompt whose text (what the
#       ssh client hands SSH_ASKPASS) is the enrollment notice, a QR code
#       that decodes (zbarimg) to the URI shown, "URI: otpauth://..." for
#       Vigil:dave, "Secret: " with the URI's secret, then "Verification
#       code: "; the first code from that secret lets dave in; the journal
#       has decision enroll (method tofu), stepup ok, enroll
#       result=activated method=tofu and decision allow; the secret never
#       reaches a log (sshd at DEBUG2, ssh's stderr, vigild);
#     - a wrong first code enrolls nothing (erin: the client is told the
#       code is not valid; stepup bad_code, deny stepup_failed, no enroll
#       record);
#     - the secret dave took in-band is his factor: from a new network he
#       is asked a code (method totp now) and a code from it is accepted;
#     - the enrollment is activated only at the account phase (after the
#       whole auth stack), and audited there;
#     - once the grace is over (vigild restarted on the same state with
#       enroll_grace = 1 from today's date) erin is refused without any
#       prompt or secret, the client shows the enroll message, and the
#       journal has decision deny reason not_enrolled; and so is a user seen
#       for the first time (bob): the grace runs from the admin's date (or a
#       first allowed login), never from an attempt naming the user.
# Seeds go to secrets/ only (dave.b32, erin-pending.b32);
# the prompts and the client's stderr to secrets/s10/; nothing is printed.

# s10_ssh USER FROM MODE TAG: one login with the real ssh client and an
# askpass that keeps each prompt in secrets/s10/TAG.prompt-N, keeps the seed
# of an enrollment prompt in secrets/s10/TAG.b32, and answers the current
# code of that seed (MODE enroll) or a code that is not valid for it (MODE
# wrong).  The client's stderr (LogLevel INFO: what a user sees) goes to
# secrets/s10/TAG.stderr.  Sets S10_RC, S10_OUT, S10_ASKED.
s10_ssh() {
	local user=$1 from=$2 mode=$3 tag=$4 d="$E2E/secrets/s10"
	[ -d "$d" ] || mkdir -m 700 "$d"
	cat >"$d/askpass" <<EOF
#!/usr/bin/env bash
umask 077
n=\$(ls "$d/$tag".prompt-* 2>/dev/null | wc -l)
printf '%s' "\$1" >"$d/$tag.prompt-\$((n + 1))"
secret=\$(printf '%s' "\$1" | grep -o 'secret=[A-Z2-7]*' | head -n 1 | cut -d= -f2)
[ -z "\$secret" ] || echo "\$secret" >"$d/$tag.b32"
case $mode in
enroll) [ -n "\$secret" ] && oathtool --totp -b "\$secret" ;;
wrong)
	near=\$([ -z "\$secret" ] || oathtool --totp -b "\$secret" -N "@\$((\$(date +%s) - 300))" -w 20)
	for c in 000000 111111 222222 333333; do
		printf '%s\n' "\$near" | grep -qx "\$c" || { echo "\$c"; break; }
	done ;;
esac
EOF
	chmod 700 "$d/askpass"
	rm -f "$d/$tag".*
	install -m 600 /dev/null "$d/$tag.stderr"
	S10_RC=0
	# The client shows a UTF-8 prompt (the QR code's half blocks) as it is
	# only in a UTF-8 locale; a run with LANG unset must test the same.
	S10_OUT=$(LC_ALL=C.UTF-8 SSH_ASKPASS="$d/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid -w \
		ssh -F /dev/null -p "$E2E_SSHD_PORT" -b "$from" -i "$E2E/keys/$user" -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=INFO \
		-o PreferredAuthentications=publickey,keyboard-interactive -o NumberOfPasswordPrompts=1 \
		-o ConnectTimeout=10 "$user@127.0.0.1" "echo e2e-ok" </dev/null 2>>"$d/$tag.stderr") ||
		S10_RC=$?
	S10_ASKED=$(find "$d" -name "$tag.prompt-*" | wc -l)
}

# s10_prompt_ok FILE USER: the enrollment prompt as the client got it: the
# notice on the first line, at least 15 QR lines, a blank line, the URI for
# Vigil:USER, the same secret on its own, then the code prompt, and nothing
# else.
s10_prompt_ok() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
user = sys.argv[2]
lines = text.split("\n")
notice = ("(%s@127.0.0.1) Vigil: set up your authenticator app now: scan this QR code or enter the secret, "
          "then type the first code." % user)
qr = [l for l in lines[1:] if l and set(l) <= set("\u2588\u2580\u2584 ")]
tail = lines[1 + len(qr):]
ok = (lines[0] == notice and len(qr) >= 15 and lines[1:1 + len(qr)] == qr and len(tail) == 4
      and tail[0] == "" and tail[3] == "Verification code: ")
m = re.fullmatch(r"URI: (otpauth://totp/Vigil:%s\?secret=([A-Z2-7]{32,})&issuer=Vigil&algorithm=SHA1"
                 r"&digits=6&period=30)" % user, tail[1] if ok else "")
ok = ok and m is not None and tail[2] == "Secret: " + m.group(2)
if ok:
    with open(sys.argv[1] + ".uri", "w") as f:
        f.write(m.group(1) + "\n")
sys.exit(0 if ok else 1)
EOF
}

# s10_quiet STDERR SEED: no enrollment material in the client's stderr.
s10_quiet() { [ -s "$2" ] && ! grep -qaE 'otpauth|Secret:|QR' "$1" && ! grep -qaF -f "$2" "$1"; }

# s10_nowhere SEED: the seed in SEED (which must exist) appears in no log
# of the run and nowhere in the journal.
s10_nowhere() {
	[ -s "$1" ] && ! grep -rqaF -f "$1" "$E2E/log" &&
		[ "$(journalctl -o export --no-pager 2>/dev/null | grep -caF -f "$1")" = 0 ]
}

scenario() {
	local cur fp_dave fp_erin fp_bob d="$E2E/secrets/s10" s="$E2E/secrets"
	e2e_vigild_start 10 '[totp]' 'window = 3' '[policy]' 'no_factor = enroll' 'enroll_grace = 86400' \
		"enroll_since = $(date -u +%F)"
	e2e_sshd_start 10
	fp_dave=$(e2e_fingerprint dave)
	fp_erin=$(e2e_fingerprint erin)
	fp_bob=$(e2e_fingerprint bob)

	# erin's first login (her first appearance): offered enrollment, she
	# answers a wrong code.
	cur=$(e2e_cursor)
	s10_ssh erin 127.0.0.2 wrong erin-1
	[ ! -e "$d/erin-1.b32" ] || cp "$d/erin-1.b32" "$s/erin-pending.b32"
	e2e_check "erin, wrong first code: one prompt, an enrollment one; refused" \
		test "$S10_RC:$S10_ASKED:$S10_OUT:$(grep -c 'URI: otpauth://' "$d/erin-1.prompt-1")" = "255:1::1"
	e2e_check "erin's client is told the code is not valid" \
		has_line "$d/erin-1.stderr" "Vigil: that code is not valid (wrong, already used, or expired)."
	e2e_check "journal: decision enroll (method tofu) for erin/sshd from 127.0.0.2, her key, new device/source/prefix" \
		e2e_record "$cur" EVENT=decision DECISION=enroll METHOD=tofu USER=erin SERVICE=sshd RHOST=127.0.0.2 \
		DEVICE="$fp_erin" SIGNALS=new_device,new_source,new_prefix SCORE=80
	e2e_check "journal: stepup bad_code (tofu), then deny stepup_failed" \
		e2e_record "$cur" EVENT=stepup RESULT=bad_code METHOD=tofu USER=erin REASON=stepup_failed
	e2e_check "journal: erin denied with reason stepup_failed" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=stepup_failed USER=erin
	e2e_check "journal: no enroll record for erin" test "$(e2e_count "$cur" EVENT=enroll USER=erin)" = 0

	# dave's first login: enrollment in-band, the first code from the URI.
	cur=$(e2e_cursor)
	s10_ssh dave 127.0.0.2 enroll dave-1
	[ ! -e "$d/dave-1.b32" ] || cp "$d/dave-1.b32" "$s/dave.b32"
	echo 0 >"$s/dave.step" # the enrollment used the current step
	e2e_check "dave, first login: one prompt, the first code accepted, the command ran" \
		test "$S10_RC:$S10_ASKED:$S10_OUT" = "0:1:e2e-ok"
	e2e_check "the prompt reaching the client: notice, QR code, URI for Vigil:dave, the same secret, code prompt" \
		s10_prompt_ok "$d/dave-1.prompt-1" dave
	e2e_qr_uri "$d/dave-1.prompt-1"
	e2e_check "the QR code in the prompt decodes (zbarimg) to exactly the URI shown" \
		cmp -s "$d/dave-1.prompt-1.qr" "$d/dave-1.prompt-1.uri"
	e2e_check "nothing of the enrollment on the client's stderr" \
		s10_quiet "$d/dave-1.stderr" "$s/dave.b32"
	e2e_check "journal: decision enroll (method tofu) for dave/sshd from 127.0.0.2, his key, score 80" \
		e2e_record "$cur" EVENT=decision DECISION=enroll METHOD=tofu USER=dave SERVICE=sshd RHOST=127.0.0.2 \
		DEVICE="$fp_dave" SIGNALS=new_device,new_source,new_prefix SCORE=80
	e2e_check "journal: stepup ok, method tofu" \
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=tofu USER=dave DEVICE="$fp_dave"
	e2e_check "journal: enroll result=activated method=tofu for dave/sshd from 127.0.0.2" \
		e2e_record "$cur" EVENT=enroll RESULT=activated METHOD=tofu USER=dave SERVICE=sshd RHOST=127.0.0.2 \
		DEVICE="$fp_dave" LOGIN_ID='~^[1-9][0-9]*$'
	e2e_check "journal: decision allow (method tofu) for dave" \
		e2e_record "$cur" EVENT=decision DECISION=allow METHOD=tofu USER=dave RHOST=127.0.0.2 DEVICE="$fp_dave"
	e2e_check "journal: session_open for dave" e2e_record "$cur" EVENT=session_open USER=dave SERVICE=sshd
	setpriv --reuid=dave --regid=dave --init-groups "$E2E_VIGILCTL" status >"$E2E/log/s10-status-dave.txt" 2>&1
	e2e_check "status as dave: a totp factor" \
		grep -qE '^  totp +enrolled ' "$E2E/log/s10-status-dave.txt"

	# The secret dave took is his factor: a new network asks for a code.
	cur=$(e2e_cursor)
	e2e_ssh dave 127.0.1.2 dave code
	e2e_check "dave from 127.0.1.2: one code asked (from the in-band secret), the command ran" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"
	e2e_check "journal: stepup decision (method totp) for new_source,new_prefix, then stepup ok totp" \
		e2e_record "$cur" EVENT=decision DECISION=stepup METHOD=totp USER=dave RHOST=127.0.1.2 \
		SIGNALS=new_source,new_prefix
	e2e_check "journal: that code accepted (stepup ok, totp), no enroll record" \
		test "$(e2e_count "$cur" EVENT=stepup RESULT=ok METHOD=totp USER=dave):$(e2e_count "$cur" EVENT=enroll)" = 1:0

	# The grace is over: vigild restarted on the same state with
	# enroll_grace = 1 from today's date.
	sed -i 's/^enroll_grace = .*/enroll_grace = 1/' "$E2E/s/10/etc/vigil.conf.d/e2e.conf"
	e2e_vigild_restart 10
	cur=$(e2e_cursor)
	s10_ssh erin 127.0.0.2 wrong erin-2
	e2e_check "erin after the grace: refused, no prompt at all" test "$S10_RC:$S10_ASKED:$S10_OUT" = "255:0:"
	e2e_check "erin's client shows the enroll message" \
		has_line "$d/erin-2.stderr" "Vigil: this login needs a second factor and you have none. Enroll one with 'vigilctl totp enroll' from a session that does not need it, or ask your administrator."
	e2e_check "journal: decision deny, reason not_enrolled, for erin/sshd from 127.0.0.2, no method" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=not_enrolled USER=erin SERVICE=sshd \
		RHOST=127.0.0.2 DEVICE="$fp_erin" METHOD=!
	e2e_check "journal: no enrollment offered to erin any more" \
		test "$(e2e_count "$cur" EVENT=decision DECISION=enroll USER=erin):$(e2e_count "$cur" EVENT=enroll USER=erin)" = 0:0

	# bob appears for the first time now: his first attempt starts no
	# clock, so he is refused like erin.
	cur=$(e2e_cursor)
	s10_ssh bob 127.0.0.2 wrong bob-1
	e2e_check "bob, first seen now: refused, no prompt at all" test "$S10_RC:$S10_ASKED:$S10_OUT" = "255:0:"
	e2e_check "journal: decision deny, reason not_enrolled, for bob; no enrollment offered" \
		test "$(e2e_count "$cur" EVENT=decision DECISION=deny REASON=not_enrolled USER=bob DEVICE="$fp_bob"):$(e2e_count "$cur" EVENT=decision DECISION=enroll USER=bob)" = 1:0

	for f in "$s/dave.b32" "$s/erin-pending.b32"; do
		e2e_check "the secret in ${f##*/} is in no log (sshd DEBUG2, ssh stderr, vigild) or the journal" \
			s10_nowhere "$f"
	done
}

# SPDX-License-Identifier: BSD-3-Clause
# 9. A user enrolls herself with the installed vigilctl, run as that user
#    (no --user, no root) on a terminal driven by expect, within the
#    enrollment window the admin opened (enroll_since = today).  Proves:
#    - the screen shows a QR code (lines of half blocks) that decodes to the
#      otpauth:// URI shown beside it, for "Vigil:carol", 6 digits, 30 s;
#    - wrong confirmation codes activate nothing: after three, vigilctl
#      exits 1 saying TOTP was not enrolled, and `vigilctl status` (as
#      carol) lists no factor; nor does it while a second enrollment is
#      still waiting for its code;
#    - the right code activates it ("TOTP enrolled.", exit 0; status lists
#      totp);
#    - the next sshd login (new device, so a step-up) asks for one code and
#      accepts a code from that secret, and refuses one from the seed of the
#      abandoned first attempt;
#    - the journal has enroll records for carol: pending (twice), bad_code
#      (four times), activated (once).
# Seeds are kept in secrets/ (carol.b32 for vt_next_code, carol-a.b32 for
# the abandoned one) and the screens in secrets/ too: nothing here prints
# them, and expect runs with log_user 0.

# s09_enroll RUN WRONG RIGHT: one `vigilctl totp enroll` as carol.  WRONG
# wrong codes are typed, then the right one when RIGHT is 1.  The screen up
# to the first prompt goes to secrets/carol-RUN.screen, the seed to
# secrets/carol-RUN.b32; `vigilctl status` output after the first wrong
# code to log/s09-status-during-RUN.txt.  Prints only "exit=N" and lines
# describing what was seen, never a secret.
s09_enroll() {
	S09_RUN=$1 S09_WRONG=$2 S09_RIGHT=$3 S09_SECRETS="$E2E/secrets" S09_LOG="$E2E/log" \
		expect -f - <<'EOF'
log_user 0
match_max 100000
set timeout 15
set run $env(S09_RUN)
set ctl $env(E2E_VIGILCTL)
set user [list setpriv --reuid=carol --regid=carol --init-groups]
proc fail {msg} { puts "expect: $msg"; exit 2 }
proc save {name text} {
	set f [open $name w 0600]
	puts -nonewline $f $text
	close $f
}

spawn -noecho {*}$user $ctl totp enroll
expect {
	-re {Enter the 6-digit code from your app: $} {}
	timeout { fail "no code prompt" }
	eof { fail "vigilctl ended before the code prompt" }
}
save "$env(S09_SECRETS)/carol-$run.screen" $expect_out(buffer)
if {![regexp {otpauth://totp/[^ \r\n]*[?&]secret=([A-Z2-7]+)} $expect_out(buffer) -> secret]} {
	fail "no otpauth URI with a secret on the screen"
}
save "$env(S09_SECRETS)/carol-$run.b32" "$secret\n"
puts "prompt seen"

# A wrong code: none of the codes of the steps around now.
set near [exec oathtool --totp -b $secret -N "@[expr {[clock seconds] - 300}]" -w 20]
set wrong ""
foreach c {000000 111111 222222 333333 444444} {
	if {[lsearch -exact $near $c] < 0} { set wrong $c; break }
}
for {set i 1} {$i <= $env(S09_WRONG)} {incr i} {
	send "$wrong\r"
	if {$i == 3} {
		expect {
			-re {3 wrong codes; TOTP was not enrolled} { puts "gave up after 3" }
			timeout { fail "no give-up message after 3 wrong codes" }
			eof { fail "vigilctl ended without the give-up message" }
		}
		break
	}
	expect {
		-re {That code is not valid; try again\.[\r\n]+Enter the 6-digit code from your app: $} { puts "wrong code $i refused" }
		timeout { fail "no 'not valid' after wrong code $i" }
		eof { fail "vigilctl ended after wrong code $i" }
	}
	if {$i == 1} {
		# While this enrollment waits for its code, carol has no factor.
		catch {exec {*}$user $ctl status > "$env(S09_LOG)/s09-status-during-$run.txt" 2>@1}
	}
}
if {$env(S09_RIGHT)} {
	send "[exec oathtool --totp -b $secret]\r"
	expect {
		-re {TOTP enrolled\.} { puts "enrolled message" }
		-re {not valid} { fail "the right code was refused" }
		timeout { fail "no confirmation after the right code" }
		eof { fail "vigilctl ended without confirming" }
	}
}
expect {
	eof {}
	timeout { fail "vigilctl did not end" }
}
catch close
catch wait result
puts "exit=[lindex $result 3]"
EOF
}

# s09_screen_uri SCREEN: the URI printed on SCREEN, to SCREEN.uri.
s09_screen_uri() (
	umask 077
	grep -o 'otpauth://totp/[^ [:cntrl:]]*' "$1" | head -n 1 >"$1.uri"
	[ -s "$1.uri" ]
)

# s09_uri_params FILE PARAM...: the URI in FILE has each PARAM (k=v).
s09_uri_params() {
	local u p
	u=$(cat "$1")
	shift
	for p in "$@"; do
		case "&${u#*\?}&" in *"&$p&"*) ;; *) return 1 ;; esac
	done
}

s09_differ() { [ -s "$1" ] && [ -s "$2" ] && ! cmp -s "$1" "$2"; }

s09_status() { # FILE: `vigilctl status` as carol
	setpriv --reuid=carol --regid=carol --init-groups "$E2E_VIGILCTL" status >"$1" 2>&1
}

# s09_factors FILE REGEX: a status report for carol whose factor list is
# exactly one line, matching REGEX.
s09_factors() {
	[ "$(head -n 1 "$1")" = "user: carol" ] &&
		sed -n '/^factors:$/,/^known devices:$/p' "$1" | sed '1d;$d' | grep -xEq "$2" &&
		[ "$(sed -n '/^factors:$/,/^known devices:$/p' "$1" | wc -l)" = 3 ]
}

scenario() {
	local cur out fp qr_rows s="$E2E/secrets"
	# Enrolling a first factor alone is open only in the window the admin
	# opened for the roll-out (enroll_since); scenario 12 shows it closed.
	e2e_vigild_start 09 '[totp]' 'window = 3' '[policy]' "enroll_since = $(date -u +%F)"
	e2e_sshd_start 09
	fp=$(e2e_fingerprint carol)
	cur=$(e2e_cursor)

	# First attempt: three wrong codes.
	out=$(s09_enroll a 3 0 2>&1)
	echo "$out" >"$E2E/log/s09-expect-a.log"
	e2e_check "vigilctl (as carol) showed the enrollment and a code prompt" has_line "$E2E/log/s09-expect-a.log" "prompt seen"
	qr_rows=$(tr -d '\r' <"$s/carol-a.screen" | grep -c '^[█▀▄ ]*[█▀▄][█▀▄ ]*$')
	e2e_check "the screen has a QR code (at least 15 lines of half blocks)" test "$qr_rows" -ge 15
	s09_screen_uri "$s/carol-a.screen"
	e2e_check "the URI is otpauth://totp/Vigil:carol with a base32 secret" \
		grep -qE '^otpauth://totp/Vigil(:|%3A)carol\?(.*&)?secret=[A-Z2-7]{32,}(&|$)' "$s/carol-a.screen.uri"
	e2e_check "the URI names issuer=Vigil, digits=6, period=30" \
		s09_uri_params "$s/carol-a.screen.uri" issuer=Vigil digits=6 period=30
	e2e_qr_uri "$s/carol-a.screen"
	e2e_check "the QR code decodes (zbarimg) to exactly the URI shown" \
		cmp -s "$s/carol-a.screen.qr" "$s/carol-a.screen.uri"
	e2e_check "the first two wrong codes: 'That code is not valid; try again.' and a new prompt" \
		test "$(grep -c 'refused' "$E2E/log/s09-expect-a.log")" = 2
	e2e_check "after the third wrong code vigilctl says TOTP was not enrolled and exits 1" \
		test "$(grep -E '^(gave up|exit=)' "$E2E/log/s09-expect-a.log" | tr '\n' ' ')" = "gave up after 3 exit=1 "
	e2e_check "status as carol, while the first attempt waited: factors none" \
		s09_factors "$E2E/log/s09-status-during-a.txt" '  none'
	s09_status "$E2E/log/s09-status-after-a.txt"
	e2e_check "status as carol after the failed attempt: user carol, factors none" \
		s09_factors "$E2E/log/s09-status-after-a.txt" '  none'

	# Second attempt: one wrong code, then the right one.
	out=$(s09_enroll b 1 1 2>&1)
	echo "$out" >"$E2E/log/s09-expect-b.log"
	mv "$s/carol-b.b32" "$s/carol.b32"
	echo 0 >"$s/carol.step" # the confirmation used the current step
	e2e_check "second attempt: one wrong code refused, then 'TOTP enrolled.' and exit 0" \
		test "$(grep -E '^(wrong|enrolled|exit=)' "$E2E/log/s09-expect-b.log" | tr '\n' ' ')" = \
		"wrong code 1 refused enrolled message exit=0 "
	e2e_check "the second attempt showed a new secret" s09_differ "$s/carol-a.b32" "$s/carol.b32"
	e2e_check "status as carol, while the second attempt waited: factors none" \
		s09_factors "$E2E/log/s09-status-during-b.txt" '  none'
	s09_status "$E2E/log/s09-status-after-b.txt"
	e2e_check "status as carol after the right code: a totp factor" \
		s09_factors "$E2E/log/s09-status-after-b.txt" '  totp +enrolled [0-9]{4}-[^,]*, last used .+'

	e2e_check "journal: two enroll pending records for carol (method totp)" \
		test "$(e2e_count "$cur" EVENT=enroll USER=carol RESULT=pending METHOD=totp)" = 2
	e2e_check "journal: four enroll bad_code records for carol" \
		test "$(e2e_count "$cur" EVENT=enroll USER=carol RESULT=bad_code METHOD=totp)" = 4
	e2e_check "journal: one enroll activated record for carol" \
		test "$(e2e_count "$cur" EVENT=enroll USER=carol RESULT=activated METHOD=totp)" = 1
	e2e_check "journal: the activation names no service, address or device (not a login)" \
		e2e_record "$cur" EVENT=enroll USER=carol RESULT=activated SERVICE=! RHOST=! DEVICE=! LOGIN_ID=!
	e2e_check "journal: no login decision came from enrolling" \
		test "$(e2e_count "$cur" EVENT=decision USER=carol)" = 0

	# The next login: a new device, so a code; one from the abandoned seed
	# is refused, one from the activated seed lets carol in.
	cur=$(e2e_cursor)
	(umask 077 && oathtool --totp -b "$(cat "$s/carol-a.b32")" >"$s/carol-a.code")
	e2e_ssh carol 127.0.0.2 carol "@$s/carol-a.code"
	e2e_check "ssh with a code from the abandoned seed: one code asked, refused" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "255:1:"
	e2e_check "journal: that step-up failed (bad_code, method totp)" \
		e2e_record "$cur" EVENT=stepup RESULT=bad_code METHOD=totp USER=carol DEVICE="$fp"

	cur=$(e2e_cursor)
	e2e_ssh carol 127.0.0.2 carol code
	e2e_check "ssh with a code from the enrolled secret: one code asked, the command ran" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"
	e2e_check "journal: stepup decision for carol/sshd from 127.0.0.2, new_device, the key's fingerprint" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=carol SERVICE=sshd RHOST=127.0.0.2 \
		DEVICE="$fp" SIGNALS='~new_device'
	e2e_check "journal: the code was accepted (stepup ok, method totp)" \
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=totp USER=carol DEVICE="$fp"
	e2e_check "journal: then allowed" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=carol RHOST=127.0.0.2 METHOD=totp
}

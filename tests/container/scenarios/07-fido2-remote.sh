# SPDX-License-Identifier: BSD-3-Clause
# 7. A security key is never asked of someone logged in over ssh, even
#    where the process ancestry Vigil finds the ssh session by is lost.
#    Root enrolls dave's TOTP, then his FIDO2 key with `vigilctl key
#    enroll --user dave`, with the test-only soft key (tests/fido2/softkey)
#    plugged into the container for that one command (/etc/ld.so.preload
#    of the container's overlay root, removed right after: no key is
#    plugged in while he logs in).  Every sudo steps up ([service.sudo]
#    fresh_window = 1, and a sleep), and the key helper is wrapped by a
#    spy that notes each run.  dave logs in over ssh (key and code); in
#    that session:
#    (a) `sudo id -u` asks a code, never a touch;
#    (b) the same under `setsid -f` (a double fork: sudo's ancestry no
#        longer reaches the ssh session, so only logind's word, through the
#        process's cgroup, says the session is remote) also asks a code,
#        answered through a FIFO: its step-up is method totp, never fido2;
#    (c) `vigilctl totp remove --key` proves a factor with a code, not a
#        touch;
#    and the helper never ran: no touch was asked at all.  (With
#    seat_of_pid() made to answer SEAT_UNKNOWN, (b) and (c) are asked to
#    touch: the helper runs, the module says a key is needed.)

S07_SK=/usr/local/lib/vigil-softkey
S07_RUN=/run/ct-s07

scenario() {
	local c sk=$top_builddir/tests/fido2/softkey f helper bg n rc
	for f in .libs/softkey.so .libs/softkey-dev.so softkey-ctl; do
		[ -e "$sk/$f" ] || vt_die "$sk/$f not built (make check builds it)"
	done

	# fresh_window is whole seconds, its bound included: a sudo 2.05 s
	# after the login's code steps up again.  Five codes in all.
	ct_conf 75-fido2 '[totp]' 'window = 8' '[service.sudo]' 'fresh_window = 1'
	ct systemctl restart vigild.service || vt_die "restarting vigild failed"
	vt_enroll dave

	# The spy: each run of the helper leaves a line, whoever runs it.
	helper=$(ct sh -c 'ls /usr/libexec/vigil/vigil-fido2') || vt_die "no vigil-fido2 installed"
	ct install -d -m 1777 "$S07_RUN"
	ct install -m 666 /dev/null "$S07_RUN/helper.log"
	ct mv "$helper" "$helper.real"
	printf '#!/bin/sh\necho "helper ran: uid $(id -u)" >>%s/helper.log\nexec %s.real "$@"\n' "$S07_RUN" "$helper" |
		ct install -m 755 /dev/stdin "$helper"

	# The soft key, plugged in for the enrollment only.
	ct install -d -m 755 "$S07_SK" /run/vigil-softkey
	ct install -m 644 /dev/stdin "$S07_SK/softkey.so" <"$sk/.libs/softkey.so"
	ct install -m 644 /dev/stdin "$S07_SK/softkey-dev.so" <"$sk/.libs/softkey-dev.so"
	ct install -m 755 /dev/stdin "$S07_SK/softkey-ctl" <"$sk/softkey-ctl"
	ct "$S07_SK/softkey-ctl" init /run/vigil-softkey/state || vt_die "softkey-ctl init failed"
	echo "$S07_SK/softkey.so" | ct install -m 644 /dev/stdin /etc/ld.so.preload
	rc=0
	ct vigilctl key enroll --user dave --name desk >"$E2E/log/s07-enroll.log" 2>&1 || rc=$?
	e2e_check "root enrolled dave's key with vigilctl key enroll (exit $rc)" [ "$rc" = 0 ]
	ct rm -f /etc/ld.so.preload /run/vigil-softkey/state
	e2e_check "the soft key is unplugged again" ct sh -c '! test -e /etc/ld.so.preload'
	ct vigilctl key list --user dave >"$E2E/log/s07-keys.log" 2>&1
	e2e_check "dave holds the key 'desk'" grep -q desk "$E2E/log/s07-keys.log"
	e2e_check "the helper has not run yet" [ ! -s "$(s07_helper_log)" ]

	# (b)'s code: the detached sudo says it is ready, then reads its code
	# from a FIFO, written here at that moment (codes go in step order).
	ct mkfifo -m 622 "$S07_RUN/ready"
	ct mkfifo -m 644 "$S07_RUN/code"
	ct install -m 600 -o dave -g dave /dev/stdin /home/dave/.s07pw <<<"$CT_PASSWORD"
	(
		ct cat "$S07_RUN/ready" >/dev/null &&
			vt_next_code dave | ct sh -c "cat >$S07_RUN/code"
	) &
	bg=$!

	c=$(e2e_cursor)
	ct_ssh dave code "echo PHASE-A; sleep 2.05; sudo id -u; echo A-RC=\$?; echo PHASE-B;
setsid -f sh -c 'echo >$S07_RUN/ready; { cat $S07_RUN/code; cat ~/.s07pw; } | sudo -S id -u >/tmp/s07-b.out 2>&1; echo \"B-RC=\$?\" >>/tmp/s07-b.out';
i=0; while ! grep -qs B-RC= /tmp/s07-b.out && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i+1)); done;
echo PHASE-C; vigilctl totp remove --key; echo C-RC=\$?"
	# A detached sudo that never got its code is stopped with its reader.
	kill "$bg" 2>/dev/null
	wait "$bg" 2>/dev/null
	ct cat /tmp/s07-b.out >"$E2E/log/s07-b.out" 2>&1

	e2e_check "the login asked one code (${CT_SSH_CODES})" [ "$CT_SSH_CODES" = 1 ]
	# (a)
	n=$(s07_between PHASE-A PHASE-B | grep -c 'Verification code')
	e2e_check "(a) sudo in the ssh session asked one code ($n)" [ "$n" = 1 ]
	e2e_check "(a) and ran" s07_has PHASE-A PHASE-B A-RC=0
	e2e_check "(a) no touch asked" s07_no_key_text PHASE-A PHASE-B
	e2e_check "(a) its step-up was TOTP" e2e_record "$c" EVENT=stepup USER=dave SERVICE=sudo RESULT=ok METHOD=totp
	# (b)
	e2e_check "(b) the detached sudo asked a code and ran ($(grep -c 'Verification code' "$E2E/log/s07-b.out") code prompt)" \
		grep -q '^B-RC=0$' "$E2E/log/s07-b.out"
	e2e_check "(b) the double fork lost the ssh session (device sudo:, not the ssh key's)" \
		e2e_record "$c" EVENT=stepup USER=dave SERVICE=sudo DEVICE=sudo: RESULT=ok METHOD=totp
	e2e_check "(b) it asked no touch" s07_no_key_text_file "$E2E/log/s07-b.out"
	e2e_check "(b) and (a): two sudo step-ups, both TOTP" \
		[ "$(e2e_count "$c" EVENT=stepup USER=dave SERVICE=sudo RESULT=ok METHOD=totp)" = 2 ]
	# (c)
	e2e_check "(c) vigilctl totp remove --key asked a code ($(s07_between PHASE-C '' | grep -c 'Enter a code')) and ran" \
		s07_has PHASE-C '' C-RC=0
	e2e_check "(c) no touch asked" s07_no_key_text PHASE-C ''
	e2e_check "(c) ... TOTP factor removed" s07_has PHASE-C '' 'TOTP factor removed.'
	e2e_check "(c) the proof was a TOTP code" e2e_record "$c" EVENT=enroll USER=dave RESULT=proved METHOD=totp
	# All of it.
	e2e_check "no step-up or proof used or tried a key" [ "$(e2e_count "$c" USER=dave METHOD=fido2)" = 0 ]
	e2e_check "the key helper never ran ($(wc -l <"$(s07_helper_log)") runs)" [ ! -s "$(s07_helper_log)" ]
}

# The spy's log, read out of the container.
s07_helper_log() {
	ct cat "$S07_RUN/helper.log" >"$E2E/log/s07-helper.log" 2>/dev/null
	echo "$E2E/log/s07-helper.log"
}

# s07_between FROM TO: the transcript's lines after the line FROM, up to
# the line TO (to the end when TO is empty).
s07_between() {
	awk -v from="$1" -v to="$2" '
		{ sub(/\r$/, "", $0) }
		$0 == from { on = 1; next }
		to != "" && $0 == to { on = 0 }
		on { print $0 "\r" }' "$CT_SSH_LOG"
}

# s07_has FROM TO LINE: that part of the transcript has LINE.
# grep reads through a process substitution, not a pipe: under pipefail a
# grep -q that leaves early would make its writer die of SIGPIPE, and the
# pipeline fail on a match (or, negated, pass on one).
s07_has() { grep -qx "$3"$'\r' <(s07_between "$1" "$2"); }

# What the module and vigilctl say when a key is asked, or when one was not
# used: none of it may appear.
s07_no_key_text() { ! grep -qi 'security key' <(s07_between "$1" "$2"); }
s07_no_key_text_file() { ! grep -qi 'security key' "$1"; }

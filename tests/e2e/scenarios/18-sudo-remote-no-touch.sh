# SPDX-License-Identifier: BSD-3-Clause
# 18. sudo inside an ssh session is never asked to touch a security key:
#     the key is on the user's desk, not on the server.  victor holds TOTP
#     and a FIDO2 key, enrolled the honest way: `vigilctl key enroll --user
#     victor` as root against the software key (tests/fido2/softkey),
#     plugged into a mount namespace of its own for that one command (the
#     key is never plugged in where sshd and sudo run).  [policy] methods
#     puts fido2 first.  Proven:
#     - control: victor's sudo at a local terminal (no source) is offered
#       the key first (the stepup decision's method is fido2);
#     - in an ssh session (plain key, TOTP asked at login), sudo needs a
#       fresh step-up and asks a code: the stepup decision, the step-up and
#       the allow say method totp; nothing in the transcript speaks of a
#       touch or a security key; no vigil-fido2 process appears while it
#       runs; the code and the password let it in.

S18_SOFTKEY_LIBS=$top_builddir/tests/fido2/softkey/.libs
S18_SOFTKEY_CTL=$top_builddir/tests/fido2/softkey/softkey-ctl

# s18_key_enroll: victor's FIDO2 key, enrolled by root through the soft key
# in a private mount namespace.
s18_key_enroll() {
	local d=$E2E/s/18/softkey
	mkdir -p -m 700 "$d"
	unshare -m --propagation private bash -c '
		. "$top_srcdir/tests/fido2/softkey/plug.sh"
		"$1" init "$2/state" || exit 1
		softkey_plug "$(readlink -f "$3/softkey.so")" "$2" || exit 1
		VIGIL_SOFTKEY_STATE=$2/state exec "$4" key enroll --user victor --name desk-key
	' s18 "$S18_SOFTKEY_CTL" "$d" "$S18_SOFTKEY_LIBS" "$E2E_VIGILCTL" </dev/null >"$E2E/log/s18-enroll.out" 2>&1
}

s18_has_key() { # NAME TYPE-REGEX: key list --json of victor has it
	"$E2E_VIGILCTL" key list --user victor --json 2>>"$E2E/log/s18-ctl.err" | /usr/bin/python3 -c '
import json, re, sys
d = json.load(sys.stdin)
sys.exit(0 if any(k.get("name") == sys.argv[1] and re.search(sys.argv[2], k.get("type", "")) for k in d.get("keys", [])) else 1)' "$1" "$2"
}

# s18_sudo: victor logs in over ssh -tt from 127.0.0.2 with his plain key
# and runs sudo in the session (tests/ssh_session.exp answers the code
# prompts with his next code and sudo's password prompt).  Sets S18_LOGIN_CODES,
# S18_CODES, S18_PWS, S18_RC, S18_LAST and S18_LOG (see 05-sudo-fresh-window).
s18_sudo() {
	S18_LOG=$E2E/log/18-sudo.log
	SESSION_USER=victor SESSION_PW=$E2E_PASSWORD SESSION_SUM=$S18_LOG.sum \
		expect -f "$top_srcdir/tests/ssh_session.exp" \
		ssh -tt -F /dev/null -p "$E2E_SSHD_PORT" -b 127.0.0.2 -i "$E2E/keys/victor" \
		-o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o PreferredAuthentications=publickey,keyboard-interactive \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 victor@127.0.0.1 \
		"echo SESSION-BEGIN; sudo id -u; echo RC=\$?" >"$S18_LOG" 2>>"$E2E/log/18-expect.err"
	{ read -r S18_LOGIN_CODES S18_CODES S18_PWS S18_RC; IFS= read -r S18_LAST; } <"$S18_LOG.sum"
	echo "$(date +%T.%N | cut -c1-12) s18_sudo: login_codes=$S18_LOGIN_CODES codes=$S18_CODES pws=$S18_PWS rc=$S18_RC last='$S18_LAST'" >&2
}

# s18_watch FILE: until killed, writes every vigil-fido2 process seen to FILE.
s18_watch() {
	while :; do
		pgrep -a -f 'vigil-fido2' | grep -v -e pgrep -e s18_watch >>"$1" || true
		sleep 0.02
	done
}

# s18_trace: the installed helper (lib.sh e2e_helper) replaced, until
# s18_untrace, by a script that notes each run in log/s18-helper-runs and
# runs the real one.
s18_trace() {
	install -m 755 "$E2E_FIDO2_HELPER" "$E2E/s/18/vigil-fido2.real"
	install -m 666 /dev/null "$E2E/log/s18-helper-runs"
	printf '#!/bin/sh\necho "run by uid $(id -u)" >>"%s"\nexec "%s" "$@"\n' \
		"$E2E/log/s18-helper-runs" "$E2E/s/18/vigil-fido2.real" >"$E2E/s/18/vigil-fido2.trace"
	chmod 755 "$E2E/s/18/vigil-fido2.trace"
	mount --bind "$E2E/s/18/vigil-fido2.trace" "$E2E_FIDO2_HELPER"
	S18_TRACED=1
}
s18_untrace() {
	[ -z "${S18_TRACED:-}" ] || umount "$E2E_FIDO2_HELPER"
	S18_TRACED=
}

s18_no_touch_text() { ! grep -qiE 'touch|security key|fido' "$S18_LOG"; }
s18_in_order() {
	local last=0 n t
	for t in "$@"; do
		n=$(grep -nF -- "$t" "$S18_LOG" | sed -n 's/:.*//p' | awk -v l="$last" '$1 > l { print; exit }')
		[ -n "$n" ] || return 1
		last=$n
	done
}

scenario() {
	local cur fp watcher rc=0
	if [ ! -x "$S18_SOFTKEY_CTL" ] || [ ! -f "$S18_SOFTKEY_LIBS/softkey.so" ]; then
		e2e_fail "the soft key is not built (make check builds tests/fido2/softkey)"
		return 0
	fi
	e2e_vigild_start 18 '[totp]' 'window = 10' '[policy]' 'grant_lifetime = 0' \
		'methods = fido2, ssh-sk, totp, recovery' '[service.sshd]' 'stepup_at = 0' \
		'[service.sudo]' 'fresh_window = 300'
	e2e_enroll victor
	s18_key_enroll || rc=$?
	e2e_check "root enrolls victor's FIDO2 key through the soft key (key enroll --user victor): exit 0" \
		test "$rc" = 0
	e2e_check "key list: victor holds desk-key, a FIDO2 key" s18_has_key desk-key 'fido|FIDO'
	e2e_sshd_start 18
	fp=$(e2e_fingerprint victor)

	# The helper's runs are seen: a run of it by hand is.
	trap s18_untrace EXIT
	s18_trace
	"$E2E_FIDO2_HELPER" </dev/null >/dev/null 2>&1 || true
	e2e_check "the helper is installed where the module runs it, and a run of it is seen" \
		test -s "$E2E/log/s18-helper-runs"
	: >"$E2E/log/s18-helper-runs"
	# Control: a local sudo (no source) is offered the key first.  The
	# key is not plugged in here: whatever the module does with the offer,
	# the decision record says what was offered.
	cur=$(e2e_cursor)
	e2e_pty victor s18-local "code:victor right sudo -k id -u"
	e2e_check "control: victor's local sudo is offered the security key first (stepup, method fido2)" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=victor SERVICE=sudo METHOD=fido2 RHOST=!
	echo "    # note: the helper ran $(wc -l <"$E2E/log/s18-helper-runs") time(s) for the local sudo"
	: >"$E2E/log/s18-helper-runs"

	: >"$E2E/log/s18-fido2-procs"
	s18_watch "$E2E/log/s18-fido2-procs" &
	watcher=$!
	cur=$(e2e_cursor)
	s18_sudo
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	e2e_check "ssh login asked one code; sudo in it one code then the password; printed 0" \
		test "$S18_LOGIN_CODES:$S18_CODES:$S18_PWS:$S18_RC:$S18_LAST" = "1:1:1:0:0"
	e2e_check "sudo: Vigil's code prompt, then sudo's password" \
		s18_in_order "SESSION-BEGIN" "Verification code: " "[sudo] password for victor: "
	e2e_check "no word of a touch or a security key in the session's transcript" s18_no_touch_text
	e2e_check "the helper never ran, and no vigil-fido2 process appeared" \
		test ! -s "$E2E/log/s18-helper-runs" -a ! -s "$E2E/log/s18-fido2-procs"
	s18_untrace
	e2e_check "journal: the ssh login was a TOTP step-up with the plain key" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=victor SERVICE=sshd DEVICE="$fp" METHOD=totp
	e2e_check "journal: sudo's stepup decision offers a code (method totp), the ssh key, no rhost" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=victor SERVICE=sudo DEVICE="$fp" METHOD=totp RHOST=!
	e2e_check "journal: sudo's step-up ok with totp, and allowed with totp" \
		test "$(e2e_count "$cur" EVENT=stepup RESULT=ok SERVICE=sudo METHOD=totp):$(e2e_count "$cur" \
			EVENT=decision DECISION=allow SERVICE=sudo METHOD=totp)" = 1:1
	e2e_check "journal: nothing fido2 since the ssh login (no offer, no key_not_used)" \
		test "$(e2e_count "$cur" METHOD=fido2):$(e2e_count "$cur" REASON=key_not_used)" = 0:0
}

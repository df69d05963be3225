# SPDX-License-Identifier: BSD-3-Clause
# 4. A real ssh login to the container's sshd, the one ssh.service runs with
#    the shipped pam.d/sshd and sshd_config snippet (the README's steps 3
#    and 4), then sudo inside that session, next to pam_systemd and logind.
#    alice is enrolled by root with the container's vigilctl.  Proven:
#    - the login takes the key and then one code (new device, new source),
#      and its command runs in a logind session: `loginctl` inside the
#      session shows it (remote, service sshd, alice);
#    - sudo in that session asks the password and prints uid 0, and no
#      code: the login's code is within fresh_window;
#    - Vigil's audit names the same login: the session_open record has
#      VIGIL_PAM_PID = the logind session's Leader, and the login id of the
#      allow decision; logind's "New session" record names the same Leader;
#      sshd's "Accepted keyboard-interactive/pam" is ssh.service's;
#    - sudo's decision is recorded for alice with service sudo;
#    - `journalctl -x` shows the catalog text (its Subject, with the user
#      filled in) for every kind of record this login made.

scenario() {
	local c leader sid login_id ids id text

	ct systemctl start vigild.service
	vt_enroll alice
	c=$(e2e_cursor)
	ct_ssh alice code 'loginctl show-session "$XDG_SESSION_ID" -p Id -p Leader -p Remote -p Service -p Name; sudo id -u'
	e2e_check "the login asked one code (${CT_SSH_CODES})" [ "$CT_SSH_CODES" = 1 ]
	e2e_check "sudo in the session asked the password (${CT_SSH_PWS}) and exited 0 (${CT_SSH_RC})" \
		[ "$CT_SSH_PWS" = 1 -a "$CT_SSH_RC" = 0 ]
	e2e_check "sudo id -u printed 0" grep -qx $'0\r' "$CT_SSH_LOG"
	e2e_check "sudo asked no code: the login's code is within fresh_window (${CT_SSH_SUDO_CODES})" \
		[ "$CT_SSH_SUDO_CODES" = 0 ]

	sid=$(sed -n 's/^Id=\([0-9]*\).*/\1/p' "$CT_SSH_LOG" | head -n 1)
	leader=$(sed -n 's/^Leader=\([0-9]*\).*/\1/p' "$CT_SSH_LOG" | head -n 1)
	e2e_check "loginctl in the session: session ${sid:-?}, leader ${leader:-?}" [ -n "$sid" -a -n "$leader" ]
	e2e_check "loginctl: remote" \
		grep -q $'^Remote=yes\r' "$CT_SSH_LOG"
	e2e_check "loginctl: service sshd" grep -q $'^Service=sshd\r' "$CT_SSH_LOG"
	e2e_check "loginctl: user alice" grep -q $'^Name=alice\r' "$CT_SSH_LOG"

	e2e_check "logind: New session $sid of user alice" ct_journal_has "$c" "New session $sid of user alice" systemd-logind.service
	e2e_check "logind's record names leader $leader" s04_logind_leader "$c" "$sid" "$leader"
	e2e_check "Vigil's session_open names the same process (VIGIL_PAM_PID=$leader)" \
		e2e_record "$c" EVENT=session_open USER=alice SERVICE=sshd PAM_PID="$leader"
	login_id=$(e2e_records "$c" | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("VIGIL_EVENT") == "session_open" and r.get("VIGIL_PAM_PID") == sys.argv[1]:
        print(r.get("VIGIL_LOGIN_ID", ""))' "$leader")
	e2e_check "the session follows the login's allow decision (login id ${login_id:-?})" \
		e2e_record "$c" EVENT=decision USER=alice SERVICE=sshd DECISION=allow LOGIN_ID="${login_id:-none}"
	e2e_check "the code was a TOTP step-up" e2e_record "$c" EVENT=stepup USER=alice RESULT=ok METHOD=totp
	e2e_check "sshd accepted key and code" \
		e2e_wait 5 ct_journal_has "$c" "Accepted keyboard-interactive/pam for alice" ident:sshd
	e2e_check "sudo's decision for alice is recorded" e2e_record "$c" EVENT=decision USER=alice SERVICE=sudo DECISION=allow

	# journalctl -x: the catalog's text for each kind of record.
	ids=$(e2e_records "$c" | grep -o '"MESSAGE_ID":"[0-9a-f]*"' | cut -d'"' -f4 | sort -u)
	e2e_check "the login made records of several kinds ($(echo $ids | wc -w))" [ "$(echo $ids | wc -w)" -ge 3 ]
	for id in $ids; do
		text=$(ct journalctl -x --no-pager -q -n 1 MESSAGE_ID="$id" 2>&1)
		echo "journalctl -x MESSAGE_ID=$id:" >&2
		printf '%s\n' "$text" | sed 's/^/    /' >&2
		e2e_check "journalctl -x explains $id: $(printf '%s\n' "$text" | sed -n 's/.*Subject: //p' | head -n 1)" \
			e2e_like "$text" "*Subject: Vigil*alice*"
	done
}

# s04_logind_leader CURSOR SESSION LEADER: logind's "New session" record of
# SESSION says LEADER.
s04_logind_leader() {
	ct journalctl -o json --no-pager --after-cursor="$1" | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("SESSION_ID") == sys.argv[1] and r.get("LEADER") == sys.argv[2]:
        sys.exit(0)
sys.exit(1)' "$2" "$3"
}

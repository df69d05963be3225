# SPDX-License-Identifier: BSD-3-Clause
# 8. vigild ends an idle ssh session that logind manages, across a vigild
#    restart.  [service.sshd] stepup_at = 90 (alice enrolled, no code),
#    [session] idle_timeout = 12, idle_warning = 6.  alice's ssh -tt session
#    (from inside the container, like scenario 4) runs `sleep` on its pty;
#    the pty's atime is set 7 s back (utimensat), so the next watcher pass
#    warns.  Proven:
#    - the session is logind's (loginctl lists it for alice, its Leader the
#      pid of Vigil's session_open);
#    - the client sees the warning line (written by vigild through the
#      unit's SupplementaryGroups=tty: the pty is alice's, 0620, group
#      tty); one session_warn;
#    - `systemctl restart vigild` right after the warning: the new vigild
#      neither forgets nor restarts the countdown: no second warning, the
#      idle_end comes 6 s (5..9) after the warning, once;
#    - the end goes through logind: its session is gone from loginctl, and
#      logind's journal says it was removed; vigild logged no failure of
#      TerminateSession; the client's connection closed.
s08_ssh_out=
s08_wait_said() { grep -qF -- "$1" "$s08_ssh_out"; }
s08_gone() { ! ct loginctl show-session "$1" -p Id >/dev/null 2>&1; }

s08_usec() { # CURSOR KEY=VALUE...: the realtime (µs) of the first such record
	local cur=$1
	shift
	e2e_records "$cur" | /usr/bin/python3 -c '
import json, sys
want = dict(a.split("=", 1) for a in sys.argv[1:])
for l in sys.stdin:
    r = json.loads(l)
    if all(r.get("VIGIL_" + k) == v for k, v in want.items()):
        print(r["__REALTIME_TIMESTAMP"])
        break' "$@"
}

scenario() {
	local c pts leader sid wusec eusec

	ct_conf 60-sessions '[service.sshd]' 'stepup_at = 90' '[session]' 'idle_timeout = 12' 'idle_warning = 6'
	ct systemctl restart vigild.service
	# Scenario 4 enrolled her already in a full run (a second enrollment fails).
	[ -s "$E2E/secrets/alice.b32" ] || vt_enroll alice
	c=$(e2e_cursor)
	s08_ssh_out=$E2E/log/08-ssh.out
	# stdin: a pipe that stays open (sleep), so the client never sends EOF.
	sleep 120 | nsenter -t "$CT_PID1" -a -r -w -- env -i PATH=/usr/bin:/bin HOME=/root TERM=dumb \
		ssh -tt -F /dev/null -i /root/keys/alice -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PreferredAuthentications=publickey,keyboard-interactive -o ConnectTimeout=10 \
		alice@127.0.0.1 'echo S08-TTY=$(tty) S08-SID=$XDG_SESSION_ID; exec sleep 110' >"$s08_ssh_out" 2>&1 &
	e2e_wait 15 s08_wait_said "S08-TTY=/dev/pts/"
	pts=$(sed -n 's/.*S08-TTY=\(\/dev\/pts\/[0-9]*\).*/\1/p' "$s08_ssh_out" | head -n 1)
	sid=$(sed -n 's/.*S08-SID=\([0-9]*\).*/\1/p' "$s08_ssh_out" | head -n 1)
	leader=$(ct loginctl show-session "$sid" -p Leader --value 2>/dev/null)
	e2e_check "logind manages the session (${sid:-?}, leader ${leader:-?}) of Vigil's session_open" \
		e2e_record "$c" EVENT=session_open USER=alice RESULT=ok PAM_PID="${leader:-none}"
	e2e_check "the terminal ${pts:-?}: its atime set 7 s back" /usr/bin/python3 -c 'import os, sys, time
p = "/proc/%s/root%s" % (sys.argv[1], sys.argv[2])
st = os.stat(p)
os.utime(p, ns=(time.time_ns() - 7 * 10**9, st.st_mtime_ns))' "$CT_PID1" "$pts"
	# Not 1 s after the atime: logind's IdleSinceHint of an ssh session
	# (PAM_TTY "ssh", a leader without a controlling terminal) is the
	# session's start, which vigild adds as activity, so the warning comes
	# idle_timeout - idle_warning (6 s) after the open, 5..7 s from here.
	e2e_check "the client saw the warning line" e2e_wait 12 s08_wait_said \
		"Vigil: this session has been idle and will be ended in 6 seconds unless you use it."
	ct systemctl restart vigild.service
	e2e_check "the client's connection closed" e2e_wait 15 s08_wait_said "closed by remote host"
	e2e_check "logind: session $sid gone from loginctl" e2e_wait 10 s08_gone "$sid"
	e2e_check "logind's journal: session $sid removed" \
		e2e_wait 5 ct_journal_has "$c" "Removed session $sid." systemd-logind.service
	e2e_check "vigild: no failed TerminateSession" e2e_not ct_journal_has "$c" "TerminateSession failed"
	e2e_check "one warning and one idle_end across the restart" \
		[ "$(e2e_count "$c" EVENT=session_warn USER=alice):$(e2e_count "$c" EVENT=session_close RESULT=idle_end USER=alice)" = 1:1 ]
	wusec=$(s08_usec "$c" EVENT=session_warn USER=alice)
	eusec=$(s08_usec "$c" EVENT=session_close RESULT=idle_end USER=alice)
	e2e_check "the idle_end came $(((${eusec:-0} - ${wusec:-0}) / 1000)) ms after the warning (the countdown kept)" \
		[ $(((${eusec:-0} - ${wusec:-0}) / 1000000)) -ge 5 -a $(((${eusec:-0} - ${wusec:-0}) / 1000000)) -le 9 ]
	ct_conf 60-sessions '# scenario 8 done'
	ct systemctl restart vigild.service
}

# SPDX-License-Identifier: BSD-3-Clause
# 20. vigild ends real sshd sessions (issue 10), times made short by the
#     configuration ([session] in the drop-in, vigild restarted on the same
#     state between the parts).  alice logs in without a code ([service.sshd]
#     stepup_at = 90), each client in the background, its output and exit
#     status kept (log/s20-NAME.out, .rc).
#     a. idle_timeout = 6, idle_warning = 3, nopty_idle = yes:
#        - ssh -tt (a shell on a pty; sshd's PAM_TTY is "ssh", vigild finds
#          the pty in the session's process tree): its atime is set back a
#          minute (touch -a, utimensat) instead of waiting; the client sees
#          the warning line, then its connection closes; one session_warn
#          (idle_warning) and one session_close (idle_end) for it;
#        - ssh -N, ssh host 'sleep 300', sftp waiting on its batch, and a
#          ControlMaster with two multiplexed 'sleep 300' sessions: sshd
#          opens one PAM session per connection (one monitor), so the master
#          and its two channels are one Vigil session, ended once, and all
#          three clients close;
#        - a busy session (prints every half second) is not ended.
#        Each idle end audited exactly once (5 ends, 5 distinct ids).
#     b. lifetime = 3: an ssh -tt session closes after 3 s, lifetime_end once.
#     c. max_sessions = 1, on_excess = refuse: a second login is refused
#        (OpenSSH relays no PAM text of the session phase: the client sees
#        nothing (exit 254), sshd logs pam_open_session's failure), audited
#        session_limit; with on_excess = end_oldest the second login gets in
#        and the first's connection closes: ended_oldest once.
S20_BASE=('[totp]' 'window = 3' '[service.sshd]' 'stepup_at = 90')

s20_conf() { # the scenario's drop-in, replaced; vigild restarted on it
	{
		echo "# scenario 20"
		printf '%s\n' "${S20_BASE[@]}" "$@"
	} >"$E2E/s/20/etc/vigil.conf.d/e2e.conf"
	e2e_vigild_restart 20
}

s20_ssh() { # ARGS...: the ssh client (or $S20_CLIENT) with the suite's options, no terminal of its own
	setsid -w "${S20_CLIENT:-ssh}" -F /dev/null -o Port="$E2E_SSHD_PORT" -o BindAddress=127.0.0.2 -i "$E2E/keys/alice" -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PreferredAuthentications=publickey,keyboard-interactive -o ConnectTimeout=10 "$@"
}

s20_bg() { # NAME INPUT COMMAND...: in the background, output and status kept
	local name=$1 in=$2
	shift 2
	rm -f "$E2E/log/s20-$name.rc"
	(
		"$@" <"$in" >"$E2E/log/s20-$name.out" 2>&1
		echo $? >"$E2E/log/s20-$name.rc"
	) >/dev/null 2>&1 & # not the caller's $(...): it would wait for the end
	echo $! >"$E2E/log/s20-$name.pid"
}

s20_kill() { pkill -P "$(cat "$E2E/log/s20-$1.pid")" 2>/dev/null || true; } # NAME: its client

s20_ended() { [ -e "$E2E/log/s20-$1.rc" ]; }
s20_all_ended() {
	local n
	for n in "$@"; do s20_ended "$n" || return 1; done
}

s20_opens() { e2e_count "$1" EVENT=session_open RESULT=ok USER=alice; }
s20_opened() { [ "$(s20_opens "$1")" -ge "$2" ]; }

s20_open_ids() { # CURSOR: the ids of the sessions opened after CURSOR, in order
	e2e_records "$1" | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("VIGIL_EVENT") == "session_open" and r.get("VIGIL_RESULT") == "ok":
        print(r["VIGIL_SESSION_ID"])'
}

# s20_start NAME CURSOR INPUT ARGS...: a client in the background; waits for
# its session to open (the next session_open after CURSOR) and prints its id.
s20_start() {
	local name=$1 cur=$2 in=$3 n
	shift 3
	n=$(s20_opens "$cur")
	s20_bg "$name" "$in" s20_ssh "$@"
	e2e_wait 10 s20_opened "$cur" $((n + 1)) || { echo "s20: $name: no session opened" >&2; return 1; }
	s20_open_ids "$cur" | sed -n "$((n + 1))p"
}

s20_ends() { # CURSOR CAUSE [ID]: how many ends of that cause (of that session)
	if [ -n "${3:-}" ]; then
		e2e_count "$1" EVENT=session_close RESULT="$2" SESSION_ID="$3"
	else
		e2e_count "$1" EVENT=session_close RESULT="$2"
	fi
}

s20_said() { grep -qF -- "$2" "$E2E/log/s20-$1.out"; }

scenario() {
	local cur t0 pty ids id pts cm n
	e2e_vigild_start 20 "${S20_BASE[@]}"
	e2e_enroll alice
	e2e_sshd_start 20 'Subsystem sftp internal-sftp'
	mkfifo "$E2E/s20-pty.in" "$E2E/s20-sftp.in"
	# Held open read-write here: the clients' input never ends.
	exec 7<>"$E2E/s20-pty.in" 8<>"$E2E/s20-sftp.in"

	# --- a. idle ends -------------------------------------------------------
	s20_conf '[session]' 'idle_timeout = 6' 'idle_warning = 3' 'nopty_idle = yes'
	cur=$(e2e_cursor)
	t0=$(date +%s)
	pty=$(s20_start pty "$cur" "$E2E/s20-pty.in" -tt alice@127.0.0.1 'echo S20-TTY=$(tty); exec sh -i')
	e2e_wait 5 s20_said pty "S20-TTY=/dev/pts/"
	pts=$(sed -n 's/.*S20-TTY=\(\/dev\/pts\/[0-9]*\).*/\1/p' "$E2E/log/s20-pty.out" | head -n 1 | tr -d '\r')
	ids=$(s20_start N "$cur" /dev/null -N alice@127.0.0.1)
	ids+=" $(s20_start cmd "$cur" /dev/null alice@127.0.0.1 'sleep 300')"
	ids+=" $(S20_CLIENT=sftp s20_start sftp "$cur" "$E2E/s20-sftp.in" -o BatchMode=no -b - alice@127.0.0.1)"
	cm=$(s20_start cm "$cur" /dev/null -M -o ControlPath="$E2E/s20-cm.sock" -N alice@127.0.0.1)
	n=$(s20_opens "$cur")
	s20_bg mux1 /dev/null ssh -F /dev/null -o ControlPath="$E2E/s20-cm.sock" -o ControlMaster=no x 'sleep 300'
	s20_bg mux2 /dev/null ssh -F /dev/null -o ControlPath="$E2E/s20-cm.sock" -o ControlMaster=no x 'sleep 300'
	s20_start busy "$cur" /dev/null alice@127.0.0.1 'while :; do echo busy; sleep 0.5; done' >/dev/null
	e2e_check "ControlMaster: the two multiplexed sessions opened no session of their own (opens: $n, then $(($(s20_opens "$cur") - 1)) before busy)" \
		[ "$(s20_opens "$cur")" = $((n + 1)) ]
	# The user stopped typing a minute ago (as if they had): utimensat on
	# the path (touch(1) opens the terminal first, which this devpts refuses).
	e2e_check "the pty session's terminal ${pts:-?}: its atime set a minute back" \
		/usr/bin/python3 -c 'import os, sys, time
st = os.stat(sys.argv[1])
os.utime(sys.argv[1], ns=(time.time_ns() - 60 * 10**9, st.st_mtime_ns))' "$pts"
	# sftp's own client notices only at its next batch line: its ssh's
	# "closed by remote host" is the end seen.
	e2e_wait 20 s20_all_ended pty N cmd cm mux1 mux2
	e2e_wait 5 s20_said sftp "closed by remote host"
	echo "# idle ends after $(($(date +%s) - t0)) s" >&2
	e2e_check "the pty client saw the warning line" \
		s20_said pty "Vigil: this session has been idle and will be ended in 3 seconds unless you use it."
	e2e_check "sftp: its connection closed" s20_said sftp "closed by remote host"
	for n in pty N cmd cm mux1 mux2; do
		e2e_check "$n: the client's connection closed (exit $(cat "$E2E/log/s20-$n.rc" 2>/dev/null))" s20_ended "$n"
	done
	e2e_check "the busy session is still there" e2e_not s20_ended busy
	e2e_check "the pty session: one idle_warning, one idle_end" \
		[ "$(e2e_count "$cur" EVENT=session_warn RESULT=idle_warning SESSION_ID="$pty"):$(s20_ends "$cur" idle_end "$pty")" = 1:1 ]
	e2e_check "one warning in all (sessions without a terminal get none)" [ "$(e2e_count "$cur" EVENT=session_warn)" = 1 ]
	e2e_check "the ControlMaster connection: one idle_end" [ "$(s20_ends "$cur" idle_end "$cm")" = 1 ]
	n=
	for id in $ids; do n+="$(s20_ends "$cur" idle_end "$id")"; done
	e2e_check "ssh -N, ssh host cmd, sftp: one idle_end each ($n)" [ "$n" = 111 ]
	e2e_check "no other end (lost, or a second close)" [ "$(e2e_count "$cur" EVENT=session_close)" = 5 ]
	cur=$(e2e_cursor)
	s20_kill busy
	e2e_wait 5 s20_ended busy
	e2e_wait 5 e2e_record "$cur" EVENT=session_close RESULT=ok
	e2e_check "the busy session, left by its user, closed by sshd (ok), ended by no one" \
		[ "$(e2e_count "$cur" EVENT=session_close RESULT=ok):$(e2e_count "$cur" EVENT=session_close)" = 1:1 ]

	# --- b. lifetime ------------------------------------------------------------
	s20_conf '[session]' 'lifetime = 3'
	cur=$(e2e_cursor)
	t0=$(date +%s%N)
	id=$(s20_start life "$cur" "$E2E/s20-pty.in" -tt alice@127.0.0.1 'exec sh -i')
	e2e_wait 10 s20_ended life
	e2e_check "lifetime 3: the client's connection closed after $((($(date +%s%N) - t0) / 1000000)) ms" \
		s20_said life "closed by remote host"
	e2e_check "one lifetime_end, no other end" \
		[ "$(s20_ends "$cur" lifetime_end "$id"):$(e2e_count "$cur" EVENT=session_close)" = 1:1 ]

	# --- c. max_sessions = 1 --------------------------------------------------
	s20_conf '[session]' 'max_sessions = 1' 'on_excess = refuse'
	cur=$(e2e_cursor)
	id=$(s20_start first "$cur" /dev/null alice@127.0.0.1 'sleep 300')
	e2e_ssh alice 127.0.0.2 alice code
	# OpenSSH relays no PAM message of the session phase: the module's
	# "Vigil: too many open sessions." reaches no client; ssh says only
	# its connection closed (exit 254).
	e2e_check "refuse: the second login failed (exit $E2E_SSH_RC), the command did not run" \
		[ "$E2E_SSH_RC" -ne 0 ] && e2e_not has_line <(echo "$E2E_SSH_OUT") e2e-ok
	e2e_check "refuse: sshd logged the failed PAM session open" \
		grep -qF "pam_open_session(): Cannot make/remove an entry for the specified session" "$E2E/log/sshd-20.log"
	e2e_check "refuse: audited session_limit once, the first session left alone" \
		[ "$(e2e_count "$cur" EVENT=session_open RESULT=session_limit):$(e2e_count "$cur" EVENT=session_close)" = 1:0 ]
	e2e_check "refuse: the first client is still connected" e2e_not s20_ended first
	s20_conf '[session]' 'max_sessions = 1' 'on_excess = end_oldest'
	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice code
	e2e_check "end_oldest: the second login got in (exit $E2E_SSH_RC)" [ "$E2E_SSH_RC:$E2E_SSH_OUT" = 0:e2e-ok ]
	e2e_wait 10 s20_ended first
	e2e_check "end_oldest: the first client's connection closed" s20_said first "closed by remote host"
	e2e_check "end_oldest: the first session ended_oldest once; the second closed by sshd" \
		[ "$(s20_ends "$cur" ended_oldest "$id"):$(e2e_count "$cur" EVENT=session_close)" = 1:2 ]
}

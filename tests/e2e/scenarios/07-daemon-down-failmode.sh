# SPDX-License-Identifier: BSD-3-Clause
# 7. vigild down, and the module's failmode.  With the shipped stacks
#    (failmode=closed) and vigild stopped (its socket gone), an sshd login
#    and a sudo both fail, and each says in the journal, from its own
#    process, that vigild was unreachable.  With failmode=open (and
#    timeout=2) on every pam_vigil.so line of /etc/pam.d/sshd:
#    - vigild stopped: the login gets through with no prompt, even from an
#      address vigild denies, and each fail-open use is logged by sshd's
#      process at LOG_ALERT with "failmode=open";
#    - vigild running and denying that address ([network] deny): refused,
#      with a deny reason=network decision and no fail-open;
#    - vigild stalled (SIGSTOP) from an address it would allow: refused
#      after the module's timeout, no fail-open (connected means closed);
#      after SIGCONT the same login gets in again.
#    Every client runs under `timeout 30`, so a hang fails a check.

s07_cleanup() {
	[ -z "${S07_VIGILD_STOPPED:-}" ] || kill -CONT "$S07_VIGILD_STOPPED" 2>/dev/null
	install -m 644 "$E2E_EXAMPLES/sshd" /etc/pam.d/sshd
	e2e_sshd_stop
	e2e_vigild_stop
}

# e2e_ssh runs the client through setsid: here setsid runs under
# `timeout 30`, so a client that hangs is killed and its check fails.
setsid() { timeout 30 /usr/bin/setsid "$@"; }

# s07_syslog CURSOR IDENT PRIORITY REGEX: how many syslog records after
# CURSOR came from program IDENT (SYSLOG_IDENTIFIER, and _COMM where
# journald could read it: a short-lived setuid sudo often leaves it out) at
# PRIORITY with a MESSAGE matching REGEX.  e2e_record reads only vigild's
# own records.
s07_syslog() {
	journalctl --sync 2>/dev/null || true
	journalctl -o json --no-pager --after-cursor="$1" | /usr/bin/python3 -c '
import json, re, sys
ident, prio, rx = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
n = 0
for l in sys.stdin:
    if not l.strip():
        continue
    r = json.loads(l)
    m = r.get("MESSAGE")
    if isinstance(m, list):
        m = bytes(m).decode("utf-8", "replace")
    n += (r.get("_TRANSPORT") == "syslog" and r.get("SYSLOG_IDENTIFIER") == ident
          and r.get("_COMM", ident) == ident and "_PID" in r
          and r.get("PRIORITY") == prio and isinstance(m, str) and rx.search(m) is not None)
print(n)
' "$2" "$3" "$4"
}

# s07_sudo USER: a sudo as USER (password on stdin, no code: vigild must
# not be asked for one here); sets S07_SUDO_RC and S07_SUDO_OUT.
s07_sudo() {
	S07_SUDO_RC=0
	S07_SUDO_OUT=$(printf '%s\n' "$E2E_PASSWORD" | timeout 30 setpriv --reuid="$1" --regid="$1" --init-groups \
		sudo -S -u root id -u 2>>"$E2E/log/sudo-07.err") || S07_SUDO_RC=$?
}

scenario() {
	local cur n
	trap s07_cleanup EXIT
	e2e_vigild_start 07 '[totp]' 'window = 3' '[network]' 'deny = 127.0.0.2/32'
	e2e_enroll alice
	e2e_sshd_start 07

	# Control: the shipped stack with vigild up lets alice in from
	# 127.0.0.3 (not denied) with a code.
	e2e_ssh alice 127.0.0.3 alice code
	e2e_check "vigild up, failmode=closed: alice from 127.0.0.3 gets in with one code" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"

	# --- failmode=closed (shipped), vigild stopped -----------------------
	e2e_vigild_stop
	e2e_check "vigild stopped: its socket is gone" test ! -e /run/vigil/vigild.sock

	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.3 alice wrong
	e2e_check "vigild down, failmode=closed: ssh refused (exit 255), nothing asked, no command run" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "255:0:"
	e2e_check "journal: sshd's process logged the auth failure as vigild unreachable (LOG_ERR)" \
		test "$(s07_syslog "$cur" sshd 3 'pam_vigil\(sshd:auth\): auth for alice: .*\(vigild unreachable\)')" -ge 1

	cur=$(e2e_cursor)
	s07_sudo alice
	e2e_check "vigild down, failmode=closed: sudo as alice fails, the command did not run" \
		test "$S07_SUDO_RC:$S07_SUDO_OUT" = "1:"
	e2e_check "journal: sudo's process logged the auth failure as vigild unreachable (LOG_ERR)" \
		test "$(s07_syslog "$cur" sudo 3 'pam_vigil\(sudo:auth\): auth for alice: .*\(vigild unreachable\)')" -ge 1
	e2e_check "journal: no fail-open anywhere with failmode=closed" \
		test "$(s07_syslog "$cur" sshd 1 'failmode=open'):$(s07_syslog "$cur" sudo 1 'failmode=open')" = "0:0"

	# --- failmode=open ---------------------------------------------------
	sed -E '/^[[:space:]]*#/!s/(pam_vigil\.so)([[:space:]]|$)/\1 failmode=open timeout=2\2/' \
		"$E2E_EXAMPLES/sshd" >/etc/pam.d/sshd
	n=$(grep -c '^[^#]*pam_vigil\.so failmode=open timeout=2$' /etc/pam.d/sshd)
	e2e_check "the sshd stack now has failmode=open timeout=2 on its 3 pam_vigil.so lines (auth, account, session)" \
		test "$n" = 3

	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice wrong
	e2e_check "vigild down, failmode=open: alice from 127.0.0.2 gets in with no prompt" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:0:e2e-ok"
	e2e_check "journal: sshd's process logged the fail-open at LOG_ALERT once for auth, once for account" \
		test "$(s07_syslog "$cur" sshd 1 'pam_vigil\(sshd:auth\): failmode=open: vigild unreachable .*allowing alice for sshd'):$(s07_syslog "$cur" sshd 1 'pam_vigil\(sshd:account\): failmode=open: vigild unreachable .*allowing alice for sshd')" \
		= 1:1
	# Session open, then close (which may come after the client is gone).
	e2e_check "journal: ... and for the session" \
		test "$(s07_syslog "$cur" sshd 1 'pam_vigil\(sshd:session\): failmode=open: vigild unreachable .*allowing alice for sshd')" -ge 1

	e2e_vigild_restart 07
	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice wrong
	e2e_check "vigild up and denying 127.0.0.2, failmode=open: refused (exit 255), nothing asked" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "255:0:"
	e2e_check "journal: vigild denied alice/sshd from 127.0.0.2 with reason network" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=network USER=alice SERVICE=sshd RHOST=127.0.0.2
	e2e_check "journal: no fail-open while vigild answers" test "$(s07_syslog "$cur" sshd 1 'failmode=open')" = 0

	# Stalled: the socket accepts, nobody answers; connected means closed.
	kill -STOP "$E2E_VIGILD_PID"
	S07_VIGILD_STOPPED=$E2E_VIGILD_PID
	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.3 alice wrong
	e2e_check "vigild stalled (SIGSTOP), failmode=open: alice from 127.0.0.3 refused (exit 255), nothing asked" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "255:0:"
	e2e_check "journal: sshd's process logged the auth timeout (LOG_ERR), not as unreachable" \
		test "$(s07_syslog "$cur" sshd 3 'pam_vigil\(sshd:auth\): auth for alice: Connection timed out$')" -ge 1
	e2e_check "journal: no fail-open for a stalled vigild" test "$(s07_syslog "$cur" sshd 1 'failmode=open')" = 0
	kill -CONT "$E2E_VIGILD_PID"
	S07_VIGILD_STOPPED=

	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.3 alice wrong
	e2e_check "after SIGCONT: alice from 127.0.0.3 (known) gets in with no prompt" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:0:e2e-ok"
	e2e_check "journal: vigild allowed it (score 0)" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=alice RHOST=127.0.0.3 SCORE=0
}

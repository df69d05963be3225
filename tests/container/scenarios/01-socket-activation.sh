# SPDX-License-Identifier: BSD-3-Clause
# 1. Socket activation under systemd, as the README has the admin enable it
#    (`systemctl enable --now` of the three sockets).  Proven, from what
#    systemd and the journal say:
#    - the sockets listen with the modes the module and vigilctl expect, and
#      vigild is not running before the first connection;
#    - a user's `vigilctl status` (the public socket) starts it; systemd
#      shows it active with the status "Serving logins" (Type=notify:
#      systemd saw READY=1);
#    - `systemctl stop vigild.service` with the sockets still listening
#      stops it, and the socket files stay; the next PAM login (the PAM socket) starts it again and is
#      answered: bob, not enrolled, is refused with reason not_enrolled;
#    - logins one after the other through a stack with failmode=open while
#      vigild restarts three times: none is allowed, each ends within the
#      module's timeout, and all are answered, by four vigild processes in
#      turn (the sockets stay with systemd, so a connection waits for the
#      new vigild instead of failing), but for at most one per restart that
#      the stopping vigild was serving, which fails closed;
#    - a vigild that is stopped (SIGSTOP) but whose socket is there: a
#      failmode=open login fails closed after the module's timeout.

# ct_pam_failopen: a PAM service whose only decision is pam_vigil with
# failmode=open, then pam_permit: a Vigil failure that were taken for an
# absent daemon would let it pass.
s01_failopen_stack() {
	printf '%s\n' 'auth required pam_vigil.so failmode=open timeout=3' 'auth required pam_permit.so' \
		'account required pam_permit.so' | ct install -m 644 /dev/stdin /etc/pam.d/vigil-failopen
}

# s01_login: one pamtester login of bob through vigil-failopen, from a
# remote address (so the request goes over the PAM socket as sshd's
# would); prints "RC MS".
s01_login() {
	local t0 rc=0
	t0=$(date +%s%N)
	ct pamtester -I rhost=192.0.2.7 vigil-failopen bob authenticate </dev/null >/dev/null 2>&1 || rc=$?
	echo "$rc $((($(date +%s%N) - t0) / 1000000))"
}

s01_all_active() {
	local u
	for u in vigild.socket vigild-pam.socket vigild-admin.socket; do
		[ "$(ct_prop $u ActiveState)" = active ] || return 1
	done
}

s01_service_active() { [ "$(ct_prop vigild.service ActiveState)" = active ]; }

scenario() {
	local c n pid1 pid2 modes rc ms allowed=0 slow=0 slowest=0 answered daemons logins i

	c=$(e2e_cursor)
	ct_enable_sockets
	e2e_check "the three sockets listen after 'systemctl enable --now'" s01_all_active
	modes=$(ct stat -c '%a %U %n' /run/vigil /run/vigil/vigild.sock /run/vigil/pam.sock /run/vigil/admin.sock | tr '\n' ';')
	e2e_check "socket modes: $modes" [ "$modes" = "755 root /run/vigil;666 root /run/vigil/vigild.sock;600 root /run/vigil/pam.sock;600 root /run/vigil/admin.sock;" ]
	e2e_check "vigild is not running before the first connection" [ "$(ct_prop vigild.service ActiveState)" = inactive ]

	ct_as bob vigilctl status >"$E2E/log/01-status.out" 2>&1
	e2e_check "bob's 'vigilctl status' started vigild" s01_service_active
	e2e_check "systemd's status of vigild: Serving logins" [ "$(ct_prop vigild.service StatusText)" = "Serving logins" ]
	e2e_check "the journal: systemd started vigild.service" \
		ct_journal_has "$c" "Started vigild.service" vigild.service
	e2e_check "vigilctl status answered bob" has_line "$E2E/log/01-status.out" "bob"
	pid1=$(ct_vigild_pid)

	c=$(e2e_cursor)
	ct systemctl stop vigild.service 2>>"$E2E/log/01-systemctl.err"
	e2e_check "stopped: vigild.service inactive" [ "$(ct_prop vigild.service ActiveState)" = inactive ]
	e2e_check "stopped: the sockets still listen" s01_all_active
	e2e_check "stopped: /run/vigil and its sockets stay (RuntimeDirectoryPreserve)" \
		ct test -S /run/vigil/vigild.sock -a -S /run/vigil/pam.sock -a -S /run/vigil/admin.sock
	s01_failopen_stack
	read -r rc ms < <(s01_login)
	e2e_check "a login while stopped is refused (pamtester exit $rc)" [ "$rc" -ne 0 ]
	e2e_check "the login started vigild again" s01_service_active
	pid2=$(ct_vigild_pid)
	e2e_check "a new vigild process ($pid1, then $pid2)" [ "$pid1" != "$pid2" ]
	e2e_check "the login was answered: deny, not_enrolled" \
		e2e_record "$c" EVENT=decision USER=bob DECISION=deny REASON=not_enrolled

	# Logins, one after the other, all the while vigild restarts three
	# times over.
	c=$(e2e_cursor)
	: >"$E2E/log/01-restart.logins"
	rm -f "$E2E/log/01-restart.done"
	(
		while [ ! -e "$E2E/log/01-restart.done" ]; do s01_login >>"$E2E/log/01-restart.logins"; done
	) &
	n=$!
	for i in 1 2 3; do
		sleep 0.3
		ct systemctl restart vigild.service 2>>"$E2E/log/01-systemctl.err"
	done
	sleep 0.3
	touch "$E2E/log/01-restart.done"
	wait "$n"
	logins=$(wc -l <"$E2E/log/01-restart.logins")
	while read -r rc ms; do
		[ "$rc" -ne 0 ] || allowed=$((allowed + 1))
		[ "$ms" -le 4500 ] || slow=$((slow + 1))
		[ "$ms" -le "$slowest" ] || slowest=$ms
	done <"$E2E/log/01-restart.logins"
	answered=$(e2e_count "$c" EVENT=decision USER=bob DECISION=deny)
	# Which vigild processes answered: the records' _PID.
	daemons=$(e2e_records "$c" | grep -F '"VIGIL_USER":"bob"' | grep -o '"_PID":"[0-9]*"' | sort -u | wc -l)
	echo "restarts: $logins logins, $answered answered by $daemons vigild processes, slowest $slowest ms" >&2
	e2e_check "$logins logins during 3 restarts: none allowed ($allowed)" [ "$allowed" -eq 0 ]
	e2e_check "each ended within the 3 s timeout (slowest: $slowest ms)" [ "$slow" -eq 0 ]
	# A login that vigild was serving when systemd stopped it is cut off
	# (vigild exits on SIGTERM without finishing it) and fails closed
	# (counted above): at most one per restart.
	e2e_check "all but at most one per restart were answered by a vigild ($answered of $logins)" \
		[ "$answered" -ge $((logins - 3)) ]
	e2e_check "they were answered by 4 vigild processes, one per restart ($daemons)" [ "$daemons" -eq 4 ]
	e2e_check "vigild serves after the restarts" [ "$(ct_prop vigild.service StatusText)" = "Serving logins" ]

	# A hung vigild: the connection is accepted by the kernel, nothing
	# answers; failmode=open must not open.
	ct systemctl kill --kill-who=main -s STOP vigild.service
	read -r rc ms < <(s01_login)
	ct systemctl kill --kill-who=main -s CONT vigild.service
	e2e_check "a login to a hung vigild fails (exit $rc) within the timeout (${ms} ms)" \
		[ "$rc" -ne 0 -a "$ms" -ge 2500 -a "$ms" -le 4500 ]
}

# SPDX-License-Identifier: BSD-3-Clause
# 6. A vigild that cannot start: an admin leaves a bad drop-in and restarts
#    vigild (where a reload would have kept the running configuration).
#    Proven, from what systemd and the journal say:
#    - `systemctl restart vigild` fails; the journal has vigild's error,
#      naming the file and line, and systemd's "Failed with result";
#    - systemd keeps retrying (Restart=on-failure, no start limit): the
#      three sockets keep listening, none is failed, none vanishes;
#    - logins through a failmode=open stack in the meantime, one after the
#      other for S06_SECONDS: none is allowed, each fails within the
#      module's timeout (the connection is queued on a socket nobody
#      serves: that is not an absent daemon);
#    - the drop-in removed, the next retry starts vigild without any
#      admin command: "Serving logins", and a login is answered again.

S06_SECONDS=6

s06_sockets_listen() {
	local u
	for u in vigild.socket vigild-pam.socket vigild-admin.socket; do
		[ "$(ct_prop $u ActiveState)" = active ] || return 1
	done
	ct test -S /run/vigil/vigild.sock -a -S /run/vigil/pam.sock -a -S /run/vigil/admin.sock
}

s06_serving() {
	[ "$(ct_prop vigild.service ActiveState)" = active ] &&
		[ "$(ct_prop vigild.service StatusText)" = "Serving logins" ]
}

scenario() {
	local c t_end rc ms logins=0 allowed=0 slow=0 slowest=0

	printf '%s\n' 'auth required pam_vigil.so failmode=open timeout=3' 'auth required pam_permit.so' \
		'account required pam_permit.so' | ct install -m 644 /dev/stdin /etc/pam.d/vigil-failopen
	ct systemctl start vigild.service
	ct_conf 70-broken '[lockout]' 'deny = many'
	c=$(e2e_cursor)
	e2e_check "systemctl restart vigild fails with the bad drop-in" \
		e2e_not ct systemctl restart vigild.service 2>>"$E2E/log/06-systemctl.err"
	e2e_check "the journal: vigild names the file and line" \
		e2e_wait 5 ct_journal_has "$c" "70-broken.conf:3" vigild.service
	e2e_check "the journal: systemd says the service failed" \
		ct_journal_has "$c" "Failed with result" vigild.service

	t_end=$(($(date +%s) + S06_SECONDS))
	while [ "$(date +%s)" -lt "$t_end" ]; do
		read -r rc ms < <(s06_login)
		logins=$((logins + 1))
		[ "$rc" -ne 0 ] || allowed=$((allowed + 1))
		[ "$ms" -le 4500 ] || slow=$((slow + 1))
		[ "$ms" -le "$slowest" ] || slowest=$ms
	done
	echo "broken: $logins logins, slowest $slowest ms, NRestarts $(ct_prop vigild.service NRestarts)" >&2
	e2e_check "$logins failmode=open logins while vigild cannot start: none allowed ($allowed)" [ "$allowed" -eq 0 ]
	e2e_check "each failed within the 3 s timeout (slowest $slowest ms)" [ "$slow" -eq 0 ]
	e2e_check "systemd kept retrying: NRestarts $(ct_prop vigild.service NRestarts) > 2" \
		[ "$(ct_prop vigild.service NRestarts)" -gt 2 ]
	e2e_check "the three sockets still listen" s06_sockets_listen
	e2e_check "the journal: no start limit hit" e2e_not ct_journal_has "$c" "start-limit-hit"
	e2e_check "the journal: no socket trigger limit hit" e2e_not ct_journal_has "$c" "Trigger limit hit"

	ct rm /etc/vigil/vigil.conf.d/70-broken.conf
	e2e_check "mended: the next retry serves logins, with no admin command" e2e_wait 10 s06_serving
	c=$(e2e_cursor)
	s06_login >/dev/null
	e2e_check "mended: a login is answered" e2e_record "$c" EVENT=decision USER=bob DECISION=deny REASON=not_enrolled
}

# s06_login: bob through vigil-failopen (scenario 1's stack); "RC MS".
s06_login() {
	local t0 rc=0
	t0=$(date +%s%N)
	ct pamtester -I rhost=192.0.2.8 vigil-failopen bob authenticate </dev/null >/dev/null 2>&1 || rc=$?
	echo "$rc $((($(date +%s%N) - t0) / 1000000))"
}

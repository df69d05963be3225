# SPDX-License-Identifier: BSD-3-Clause
# 3. The sandbox of vigild.service, as systemd sets it up, read from the
#    running vigild (its /proc entries and its own namespaces), not from the
#    unit file.  Proven:
#    - vigild still serves with every restriction (it answered the scenarios
#      before this one; here a login is decided once more);
#    - no capabilities (effective, permitted, bounding, ambient), no new
#      privileges, a seccomp filter, uid 0, the group tty only (the idle
#      warning is written on a pty, 0620 group tty), a private /dev that
#      keeps /dev/pts;
#    - in vigild's mount namespace, a write to /, /etc, /usr, /var, /var/log
#      and /root fails, /home is empty and unwritable, and only
#      /var/lib/vigil and /run/vigil take a new file (its /tmp and /var/tmp
#      are its own, not the host's);
#    - no network: a network namespace of its own with only a loopback, and
#      no route anywhere;
#    - /var/lib/vigil (0700) and /run/vigil (0755) are root's, the database
#      and the sealing key 0600; the shipped tmpfiles.d entry, applied,
#      changes none of it;
#    - `systemd-analyze security vigild.service` inside the container: the
#      exposure is recorded in the log and is at most S03_MAX_EXPOSURE (1.3
#      when the unit was first measured).

S03_MAX_EXPOSURE=1.3

# s03_in_vigild CMD...: CMD in vigild's mount and network namespaces and its
# root directory (-r: the caller may itself be chrooted) (as
# root of the container, with all of root's powers: what fails there fails
# for lack of a writable file system, not of a permission).
s03_in_vigild() { nsenter -t "$S03_PID" -m -n -r -- "${CT_ENV[@]}" "$@"; }

s03_can_write() { s03_in_vigild sh -c "echo probe >'$1/.vigil-sandbox-probe' && rm -f '$1/.vigil-sandbox-probe'" 2>/dev/null; }

s03_status_field() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$S03_PID/status"; }

scenario() {
	local c dir caps links exposure before tty

	ct systemctl start vigild.service
	# systemd names the pid in the container's PID namespace; this run's
	# /proc names it as seen from here.
	S03_PID=$(s03_host_pid "$(ct_vigild_pid)")
	[ -n "$S03_PID" ] || vt_die "vigild's pid not found"

	c=$(e2e_cursor)
	ct pamtester -I rhost=192.0.2.33 sshd bob authenticate </dev/null >/dev/null 2>&1
	e2e_check "vigild in its sandbox decides a login" e2e_record "$c" EVENT=decision USER=bob REASON=not_enrolled

	caps=$(for f in CapEff CapPrm CapBnd CapAmb; do s03_status_field $f; done | tr '\n' ' ')
	e2e_check "no capabilities at all: $caps" [ "$caps" = "0000000000000000 0000000000000000 0000000000000000 0000000000000000 " ]
	e2e_check "no new privileges" [ "$(s03_status_field NoNewPrivs)" = 1 ]
	e2e_check "a seccomp filter" [ "$(s03_status_field Seccomp)" = 2 ]
	e2e_check "runs as uid 0 (the module checks the socket's owner)" [ "$(s03_status_field Uid)" = 0 ]
	tty=$(ct getent group tty | cut -d: -f3)
	e2e_check "one supplementary group: tty ($tty), for the idle warning on a pty" \
		[ "$(awk '$1 == "Groups:" {$1 = ""; print}' "/proc/$S03_PID/status" | tr -d ' ')" = "$tty" ]
	e2e_check "its /dev is private (PrivateDevices) and keeps /dev/pts" \
		[ "$(s03_in_vigild stat -c %d:%i /dev)" != "$(ct stat -c %d:%i /dev)" -a -n "$(s03_in_vigild ls -d /dev/pts)" ]

	for dir in / /etc /usr /var /var/log /root /home /boot /srv /opt; do
		e2e_check "cannot write $dir" e2e_not s03_can_write "$dir"
	done
	e2e_check "/home is empty" [ -z "$(s03_in_vigild ls -A /home)" ]
	for dir in /var/lib/vigil /run/vigil; do
		e2e_check "can write $dir" s03_can_write "$dir"
	done
	e2e_check "its /tmp is its own" [ "$(s03_in_vigild stat -c %i /tmp)" != "$(ct stat -c %i /tmp)" ]

	e2e_check "a network namespace of its own" \
		[ "$(readlink "/proc/$S03_PID/ns/net")" != "$(readlink "/proc/$CT_PID1/ns/net")" ]
	links=$(s03_in_vigild ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')
	e2e_check "only a loopback link: $links" [ "$links" = "lo " ]
	e2e_check "no route" [ -z "$(s03_in_vigild ip route show)" ]

	# StateDirectory= and RuntimeDirectory= as the unit sets them, and the
	# tmpfiles.d entry (for hosts that start vigild without the units)
	# agrees with them: applying it changes nothing.
	before=$(ct stat -c '%a %U %G %n' /var/lib/vigil /var/lib/vigil/vigil.db /var/lib/vigil/host.key /run/vigil | tr '\n' ';')
	e2e_check "state and runtime directories: $before" \
		[ "$before" = "700 root root /var/lib/vigil;600 root root /var/lib/vigil/vigil.db;600 root root /var/lib/vigil/host.key;755 root root /run/vigil;" ]
	e2e_check "systemd-tmpfiles --create vigil.conf succeeds" ct systemd-tmpfiles --create vigil.conf
	e2e_check "and changes no mode or owner" \
		[ "$(ct stat -c '%a %U %G %n' /var/lib/vigil /var/lib/vigil/vigil.db /var/lib/vigil/host.key /run/vigil | tr '\n' ';')" = "$before" ]

	ct systemd-analyze security --no-pager vigild.service >"$E2E/log/03-security.txt" 2>&1
	exposure=$(sed -n 's/.*Overall exposure level for vigild.service: \([0-9.]*\).*/\1/p' "$E2E/log/03-security.txt")
	echo "systemd-analyze security vigild.service: exposure $exposure" >&2
	e2e_check "systemd-analyze security: exposure ${exposure:-?} <= $S03_MAX_EXPOSURE" \
		awk -v e="${exposure:-99}" -v m="$S03_MAX_EXPOSURE" 'BEGIN { exit !(e + 0 <= m + 0) }'
}

# s03_host_pid PID: the host pid of the container's PID (the last NSpid
# column is the pid in the innermost namespace).
s03_host_pid() {
	local want=$1 p
	for p in $(pgrep -x vigild); do
		[ "$(awk '/^NSpid:/ {print $NF}' "/proc/$p/status")" = "$want" ] && {
			echo "$p"
			return 0
		}
	done
	return 1
}

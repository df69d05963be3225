#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Vigil without systemd, as the README's "Without systemd" section says it,
# command for command: the directories made by hand with the modes of the
# tmpfiles.d entry, a syslog daemon on /dev/log first, vigild started by
# hand (it makes its own sockets), a login through the installed module and
# the shipped sshd stack, a reload with SIGHUP, a stop with SIGTERM.  No
# journald runs, so vigild's audit records must come out on its stderr, and
# pam_vigil's own lines must reach the syslog socket.
#
# Runs as root in private mount and PID namespaces: /etc, /var/lib, /dev
# are overlays and /run a tmpfs of this run only; the host is not touched.
#   top_srcdir=SRC top_builddir=BUILD tests/nosystemd/run.sh
set -uo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

vt_require_root
# As the e2e suite: what is tested is the installed path, not memory safety.
[ -z "${VIGIL_ASAN_PRELOAD:-}" ] || vt_skip "the installed path is tested in the plain build"
vt_require unshare pamtester oathtool expect /usr/bin/python3 gcc

if [ -z "${VT_IN_NAMESPACE:-}" ]; then
	# PID 1 of a new PID namespace: whatever this run starts ends with it.
	exec unshare -m -p -f --mount-proc --propagation private env VT_IN_NAMESPACE=1 bash "$0" "$@"
fi

vt_mktree
T=$VT_TMP
finish() {
	local rc=$?
	[ -z "${syslog_pid:-}" ] || kill "$syslog_pid" 2>/dev/null
	[ -z "${vigild_pid:-}" ] || kill "$vigild_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
	exit "$rc"
}
trap finish EXIT

failed=0
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		failed=$((failed + 1))
	fi
}
show_logs() {
	local f
	for f in "$T"/log/* /var/log/vigild.log; do
		[ -s "$f" ] || continue
		echo "--- $f" >&2
		tail -n 20 "$f" >&2
	done
}

# --- a host without systemd ------------------------------------------------
# Writable private copies of /etc, /var/lib and /dev (overlays: changes stay
# in $T); an empty /run and /var/log, so no journald socket and no /dev/log
# from the host.
overlay() { # DIR NAME
	mkdir -p "$T/ov/$2/upper" "$T/ov/$2/work"
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$T/ov/$2/upper,workdir=$T/ov/$2/work" "$1" ||
		vt_die "cannot overlay $1"
}
overlay /etc etc
overlay /var/lib varlib
overlay /dev dev
# The overlay hides /dev's submounts: a private devpts (expect needs a pty).
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts
mount --bind /dev/pts/ptmx /dev/ptmx
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=755 tmpfs /var/log
rm -rf /etc/vigil /var/lib/vigil /dev/log
[ ! -e /run/systemd/journal/socket ] || vt_die "a journald socket is still visible"

# make install, then what the README's configure line would have put in
# place: vigil.conf in /etc/vigil, the module in the system's PAM directory.
root=$T/root
make -C "$top_builddir" install DESTDIR="$root" >"$T/log/install.log" 2>&1 ||
	vt_die "make install DESTDIR failed (see the log)"
sbin=$(dirname "$(find "$root" -path '*/sbin/vigild' -type f | head -n 1)")
bin=$(dirname "$(find "$root" -path '*/bin/vigilctl' -type f | head -n 1)")
module=$(find "$root" -name pam_vigil.so -type f | head -n 1)
examples=$(dirname "$(find "$root" -path '*/examples/sshd' -type f | head -n 1)")
conf=$(find "$root" -path '*/vigil/vigil.conf' -type f | head -n 1)
tmpfiles=$(find "$root" -path '*/tmpfiles.d/vigil.conf' -type f | head -n 1)
for v in sbin bin module examples conf tmpfiles; do
	[ -n "${!v}" ] && [ -e "${!v}" ] || vt_die "the install lacks $v"
done
export PATH="$sbin:$bin:$PATH"
install -d -m 755 /etc/vigil
install -m 644 "$conf" /etc/vigil/vigil.conf
security=/usr/lib/$(gcc -print-multiarch)/security
overlay "$security" security
install -m 644 "$module" "$security/pam_vigil.so"
install -m 644 "$examples/sshd" /etc/pam.d/sshd

# A user of this run only (vigild asks NSS, so /etc/passwd).
echo "nosd:x:3999:3999::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
echo "nosd:x:3999:" >>/etc/group
echo "nosd:*:19000:0:99999:7:::" >>/etc/shadow

# --- 1. the directories, as documented --------------------------------------
install -d -m 0700 -o root -g root /var/lib/vigil
install -d -m 0755 -o root -g root /run/vigil
# The README's modes are the tmpfiles.d entry's.
for d in /var/lib/vigil /run/vigil; do
	want=$(awk -v d="$d" '$1 == "d" && $2 == d { print $3 " " $4 ":" $5 }' "$tmpfiles")
	check "$d is $(stat -c '%a %U:%G' "$d"), as the tmpfiles.d entry says ($want)" \
		[ "0$(stat -c '%a %U:%G' "$d")" = "$want" ]
done

# --- 2. a syslog daemon on /dev/log (a datagram listener stands in) ---------
/usr/bin/python3 - "$T/log/syslog" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
with open(sys.argv[1], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536).rstrip(b"\n") + b"\n")
EOF
syslog_pid=$!
for _ in $(seq 1 100); do
	[ -S /dev/log ] && break
	sleep 0.02
done
[ -S /dev/log ] || vt_die "the syslog listener did not start"

# The codes this run types come from successive 30 s steps (tests/lib.sh):
# a wider TOTP window than the stock 1, set the README's way, as a drop-in.
install -d -m 755 /etc/vigil/vigil.conf.d
printf '[totp]\nwindow = 3\n' >/etc/vigil/vigil.conf.d/test.conf

# --- 3. vigild by hand, as documented ----------------------------------------
touch /var/log/vigild.log && chmod 600 /var/log/vigild.log
vigild --config /etc/vigil/vigil.conf --state-dir /var/lib/vigil \
	--runtime-dir /run/vigil </dev/null 2>>/var/log/vigild.log &
echo $! >/run/vigild.pid
vigild_pid=$(cat /run/vigild.pid)
for _ in $(seq 1 200); do
	[ -S /run/vigil/pam.sock ] && break
	kill -0 "$vigild_pid" 2>/dev/null || break
	sleep 0.02
done
[ -S /run/vigil/pam.sock ] || {
	show_logs
	vt_die "vigild did not make /run/vigil/pam.sock"
}
for s in vigild.sock:666 pam.sock:600 admin.sock:600; do
	check "vigild made /run/vigil/${s%%:*}, mode ${s#*:}, root's" \
		[ "$(stat -c '%F %a %U' "/run/vigil/${s%%:*}")" = "socket ${s#*:} root" ]
done
check "the state directory holds the database" [ -f /var/lib/vigil/vigil.db ]

# --- a login through the installed module and the shipped sshd stack -------
VT_SOCKET=/run/vigil/vigild.sock
vt_vigilctl_bin() { command -v vigilctl; }
vt_enroll nosd
pam() { # ANSWER RHOST: pamtester on /etc/pam.d/sshd, as sshd's kbd-int step
	local input=
	case $1 in
	code) input=$(vt_next_code nosd) ;;
	wrong) input=000000 ;;
	esac
	echo "# pamtester $1 from $2" >>"$T/log/pamtester"
	printf '%s\n' "$input" | pamtester -I rhost="$2" -I tty=ssh sshd nosd authenticate acct_mgmt >>"$T/log/pamtester" 2>&1
}
refused() { ! pam "$@"; }
# wait_for FILE PATTERN: FILE gets a line matching PATTERN within 4 s.
wait_for() {
	local _
	for _ in $(seq 1 200); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}
check "a first login from 192.0.2.10 with a right code is allowed" pam code 192.0.2.10
check "a login from 198.51.100.7 with a wrong code is refused" refused wrong 198.51.100.7

# pam_vigil's lines reach syslog (authpriv: priority 80..87), and vigild's
# audit records, with no journald, come out on its stderr.
check "pam_vigil's line for the refusal reached /dev/log (authpriv)" \
	wait_for "$T/log/syslog" '^<8[0-7]>.*pam_vigil\(sshd:auth\): .*nosd.*denied'
check "vigild's audit records are on its stderr: the allowed login" \
	wait_for /var/log/vigild.log '^vigild: audit decision .*VIGIL_USER=nosd.*VIGIL_DECISION=allow'
check "and the refused one" \
	wait_for /var/log/vigild.log '^vigild: audit decision .*VIGIL_USER=nosd.*VIGIL_DECISION=deny'

# --- 4. reload with SIGHUP: a drop-in, then a bad one (kept running) --------
printf '[policy]\nfresh_window = 240\n' >/etc/vigil/vigil.conf.d/local.conf
kill -HUP "$(cat /run/vigild.pid)"
check "SIGHUP reloads the configuration" wait_for /var/log/vigild.log 'configuration reloaded from /etc/vigil/vigil.conf'
printf '[policy]\nfresh_window = soon\n' >/etc/vigil/vigil.conf.d/local.conf
kill -HUP "$(cat /run/vigild.pid)"
check "a bad drop-in on SIGHUP keeps the running configuration" \
	wait_for /var/log/vigild.log 'reload failed, keeping the running configuration'
check "and vigild still serves: a login with a right code is allowed" pam code 192.0.2.10

# --- 4. stop with SIGTERM ---------------------------------------------------
kill "$(cat /run/vigild.pid)"
rc=0
wait "$vigild_pid" || rc=$?
vigild_pid=
check "SIGTERM stops vigild with status 0" [ "$rc" -eq 0 ]
check "and it removed the sockets it made" eval '[ ! -e /run/vigil/pam.sock ] && [ ! -e /run/vigil/vigild.sock ]'
check "with vigild stopped, a login fails closed" refused none 192.0.2.10
check "and pam_vigil says why in syslog (LOG_ERR)" \
	wait_for "$T/log/syslog" '^<83>.*pam_vigil\(sshd:auth\): .* for nosd: No such file or directory'

# No secret anywhere: no seed in any log, no code the run typed in syslog.
vt_assert_no_secrets "$T/log/syslog" /var/log/vigild.log "$T/log/pamtester"
no_code() { [ ! -s "$T/secrets/codes.used" ] || ! grep -qwF -f "$T/secrets/codes.used" "$T/log/syslog"; }
check "no code the run typed reached syslog" no_code
[ "$failed" -eq 0 ] || {
	show_logs
	vt_die "$failed check(s) failed"
}

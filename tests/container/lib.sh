# SPDX-License-Identifier: BSD-3-Clause
# The booted container of tests/container/run.sh: a Debian 12 root with
# systemd as PID 1, journald, dbus and logind, booted by systemd-nspawn with
# a throwaway overlay and its own network namespace.  Vigil is installed in
# it the way the README says, and the scenarios act inside it through
# nsenter.  Sourced by run.sh (in its own mount and PID namespaces, so the
# container dies with it).
#
# What a scenario has (besides e2e/lib.sh's e2e_check, e2e_wait,
# e2e_record, e2e_count, e2e_cursor, vt_next_code):
#   ct CMD...            runs CMD in the container, as root, with a clean
#                        environment (no locale: what a service sees)
#   ct_as USER CMD...    the same as USER (uid, gid, groups; no session)
#   ct_prop UNIT PROP    a property of a unit, as systemctl shows it
#   ct_ssh ...           one ssh login from inside the container to its sshd
#   journalctl           is the container's: e2e/lib.sh's journal helpers
#                        read the container's journal
# Scenarios check what systemd and the journal say, not vigild's own output.
#
# Layout of the tree ($E2E, as in the e2e suite):
#   stage/     make install DESTDIR= of the README's configure line
#   bin/       vigilctl: runs the container's vigilctl (for vt_enroll)
#   keys/      the users' ssh keys (copied into the container too)
#   log/       the console, each scenario's log
#   secrets/   TOTP seeds and step counters (0600, never printed)

# shellcheck source=../e2e/lib.sh
. "$top_srcdir/tests/e2e/lib.sh"

# alice, carol and dave (a security key too): enrolled by their scenarios
# (4, 5, 7).  bob: never enrolled.  All in group sudo.
CT_USERS="alice bob carol dave"
CT_PASSWORD=$E2E_PASSWORD
CT_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb)

# -r -w: the container's root and working directory, named, not left to
# setns(): a run inside a chroot otherwise keeps the chroot's /run.
ct() { nsenter -t "$CT_PID1" -a -r -w -- "${CT_ENV[@]}" "$@"; }

ct_as() {
	local user=$1 home
	shift
	home=$(ct getent passwd "$user" | cut -d: -f6)
	nsenter -t "$CT_PID1" -a -r -w -- setpriv --reuid="$user" --regid="$user" --init-groups \
		env -i PATH=/usr/bin:/bin HOME="$home" USER="$user" LOGNAME="$user" TERM=dumb "$@"
}

ct_prop() { ct systemctl show -P "$2" "$1"; }

# The container's journal, for e2e/lib.sh's e2e_cursor, e2e_records,
# e2e_record and e2e_count.
journalctl() { ct journalctl "$@"; }

# ct_journal_has CURSOR TEXT [UNIT]: a message after CURSOR contains TEXT
# (and is about UNIT: logged by it, or by systemd about it; or, for UNIT
# "ident:NAME", logged under SYSLOG_IDENTIFIER NAME: sshd's "Accepted" line
# may be filed under the session's scope, since journald reads the unit
# from the sender's cgroup when it gets the line, and pam_systemd may have
# moved the process by then).  No journalctl
# match here: with --after-cursor, systemd 252 skips the first entry that
# matches; the filtering is done on the JSON instead.
ct_journal_has() {
	ct journalctl --sync 2>/dev/null || true
	ct journalctl -o json --no-pager --after-cursor="$1" | /usr/bin/python3 -c '
import json, sys
text, unit = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    r = json.loads(line)
    m = r.get("MESSAGE")
    if not isinstance(m, str) or text not in m:
        continue
    if unit.startswith("ident:"):
        if r.get("SYSLOG_IDENTIFIER") != unit[6:]:
            continue
    elif unit and unit not in (r.get("UNIT"), r.get("_SYSTEMD_UNIT")):
        continue
    sys.exit(0)
sys.exit(1)' "$2" "${3:-}"
}

# ct_vigild_pid: vigild's main pid as systemd knows it (0: not running).
ct_vigild_pid() { ct_prop vigild.service MainPID; }

# --- boot and shutdown ---------------------------------------------------------

# ct_tree: the run's tree ($E2E), and on exit, however the run ends, the
# container powered off and the tree removed (kept and named with
# CT_KEEP=1).
ct_tree() {
	vt_mktree
	E2E=$VT_TMP
	VT_SOCKET=/run/vigil/vigild.sock
	export E2E VT_SOCKET
	trap ct_finish EXIT
	trap 'exit 130' INT TERM
}

ct_finish() {
	local rc=$?
	ct_shutdown 2>/dev/null
	if [ -n "${CT_KEEP:-}" ]; then
		echo "kept: $E2E"
	else
		rm -rf "$E2E"
	fi
	exit "$rc"
}

# ct_boot ROOT: boots ROOT with systemd as PID 1 and waits for it to be up.
ct_boot() {
	local root=$1 state
	# nspawn keeps a little state under /run/systemd/nspawn: ours, in this
	# mount namespace, gone with it.
	mkdir -p /run/systemd/nspawn
	mount -t tmpfs -o mode=755 tmpfs /run/systemd/nspawn
	# --register=no --keep-unit: the host has no systemd to register with.
	# --private-network: the container's sshd has its own loopback.
	# --volatile=overlay: the cached root is the read-only lower layer of a
	# tmpfs overlay; everything the run writes goes when it ends.
	systemd-nspawn -q --register=no --keep-unit --private-network --volatile=overlay \
		--console=read-only --machine=vigil-test -D "$root" -b >"$E2E/log/console.log" 2>&1 &
	CT_NSPAWN=$!
	CT_PID1=
	e2e_wait 20 ct_find_pid1 || vt_die "the container did not start (see $E2E/log/console.log)"
	# systemctl talks to PID 1 over this socket: there once systemd runs.
	# (-r: the container's root, also when this script runs in a chroot.)
	e2e_wait 30 nsenter -t "$CT_PID1" -m -r test -S /run/systemd/private ||
		vt_die "the container's systemd did not start (see $E2E/log/console.log)"
	state=$(timeout 60 nsenter -t "$CT_PID1" -a -r -w systemctl is-system-running --wait 2>/dev/null)
	case $state in
	running) ;;
	degraded) ct systemctl --failed --no-pager >&2 ;;
	*) vt_die "the container's systemd did not come up: '$state' (see $E2E/log/console.log)" ;;
	esac
	export CT_PID1
}

# The container's PID 1 is the child of the nspawn process that is pid 1 in
# a PID namespace of its own (the last NSpid column); nspawn's short-lived
# helper child is not.
ct_find_pid1() {
	local p
	kill -0 "$CT_NSPAWN" 2>/dev/null || return 1
	for p in $(pgrep -P "$CT_NSPAWN"); do
		if [ "$(awk '/^NSpid:/ {print $NF}' "/proc/$p/status" 2>/dev/null)" = 1 ]; then
			CT_PID1=$p
			return 0
		fi
	done
	return 1
}

# ct_shutdown: a clean poweroff (nspawn turns SIGTERM into one), then
# SIGKILL if it hangs.
ct_shutdown() {
	[ -n "${CT_NSPAWN:-}" ] || return 0
	kill -TERM "$CT_NSPAWN" 2>/dev/null || true
	if ! e2e_wait 30 ct_gone; then
		kill -KILL "$CT_NSPAWN" 2>/dev/null || true
	fi
	wait "$CT_NSPAWN" 2>/dev/null || true
	CT_NSPAWN=
}

ct_gone() { ! kill -0 "$CT_NSPAWN" 2>/dev/null; }

# --- Vigil, installed as the README says ---------------------------------------

# ct_build: the README's configure line, in a build tree of its own, and
# `make install` into a staging directory.
ct_build() {
	local multiarch b=$top_builddir/tests/container/build
	multiarch=$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH)
	mkdir -p "$b"
	(
		cd "$b" &&
			{ [ -f Makefile ] || "$top_srcdir/configure" -q --prefix=/usr --sysconfdir=/etc \
				--localstatedir=/var --with-pammoddir="/usr/lib/$multiarch/security"; } &&
			make -j"$(nproc)" &&
			make install DESTDIR="$E2E/stage"
	) >"$E2E/log/build.log" 2>&1 || vt_die "building with the README's configure line failed (see $E2E/log/build.log)"
}

# ct_install: the staged files into the container (as `sudo make install`
# would put them), then the README's remaining install commands, inside.
ct_install() {
	local missing
	# Only the top-level entries: "." would give the container's / the
	# staging directory's mode.
	tar -C "$E2E/stage" -c $(ls "$E2E/stage") | ct tar -x --no-overwrite-dir -C / ||
		vt_die "copying the install into the container failed"
	missing=$(ct sh -c 'ldd /usr/sbin/vigild /usr/bin/vigilctl /usr/lib/*/security/pam_vigil.so' | grep 'not found' || true)
	[ -z "$missing" ] || vt_die "the container lacks libraries Vigil needs: $missing"
	ct journalctl --update-catalog || vt_die "journalctl --update-catalog failed"
	ct systemctl daemon-reload || vt_die "systemctl daemon-reload failed"
}

# ct_enable_sockets: the README's last install command.
ct_enable_sockets() {
	ct systemctl enable --now vigild.socket vigild-pam.socket vigild-admin.socket >>"$E2E/log/setup.log" 2>&1
}

# ct_users: the CT_USERS, with a password (sudo asks it), an ssh key each
# (authorized in their home), in group sudo.
ct_users() {
	local u
	mkdir -p -m 700 "$E2E/keys"
	for u in $CT_USERS; do
		ct useradd -m -s /bin/bash -G sudo "$u" || vt_die "useradd $u"
		printf '%s:%s\n' "$u" "$CT_PASSWORD" | ct chpasswd || vt_die "chpasswd $u"
		ssh-keygen -q -t ed25519 -N '' -C "$u" -f "$E2E/keys/$u"
		ct install -d -m 700 -o "$u" -g "$u" "/home/$u/.ssh"
		ct install -m 600 -o "$u" -g "$u" /dev/stdin "/home/$u/.ssh/authorized_keys" <"$E2E/keys/$u.pub"
		# The client side, where the scenarios' ssh runs: root's.
		ct install -D -m 600 /dev/stdin "/root/keys/$u" <"$E2E/keys/$u"
	done
}

# ct_pam_sshd: the README's "Configure sshd and sudo", steps 3 and 4, from
# the installed examples; every sudo runs the PAM stack (no cached
# credentials), so each one is decided by Vigil.
ct_pam_sshd() {
	local ex=/usr/share/doc/vigil/examples
	ct install -m 644 "$ex/sshd_config.vigil" /etc/ssh/sshd_config.d/vigil.conf &&
		ct install -m 644 "$ex/sshd" /etc/pam.d/sshd &&
		ct install -m 644 "$ex/sudo" /etc/pam.d/sudo &&
		printf 'Defaults timestamp_timeout=0\nDefaults !lecture\n' |
		ct install -m 440 /dev/stdin /etc/sudoers.d/vigil-test &&
		ct sshd -t &&
		ct systemctl reload ssh || vt_die "configuring sshd and sudo failed"
}

# ct_conf NAME [INI lines]: a drop-in /etc/vigil/vigil.conf.d/NAME.conf.
ct_conf() {
	local name=$1
	shift
	printf '%s\n' "# tests/container" "$@" | ct install -D -m 644 /dev/stdin "/etc/vigil/vigil.conf.d/$name.conf"
}

# vt_enroll (tests/lib.sh) runs vigilctl under expect: this one is the
# container's.
ct_vigilctl_wrapper() {
	mkdir -p "$E2E/bin"
	printf '#!/bin/sh\nexec nsenter -t %s -a -r -w -- env -i PATH=/usr/bin:/bin TERM=dumb /usr/bin/vigilctl "$@"\n' \
		"$CT_PID1" >"$E2E/bin/vigilctl"
	chmod 755 "$E2E/bin/vigilctl"
}
vt_vigilctl_bin() { echo "$E2E/bin/vigilctl"; }

# --- ssh -------------------------------------------------------------------------

# ct_ssh USER ANSWER COMMAND: USER logs in to the container's sshd from
# inside it (127.0.0.1 to 127.0.0.1: the container has its own network)
# with USER's key, in a pty (ssh -tt, driven by tests/ssh_session.exp), and
# runs COMMAND.
# Vigil's code prompts get USER's next code (ANSWER "code") or an empty
# line (ANSWER "empty": the user just pressed Enter); sudo's password
# prompt gets the password.  Sets CT_SSH_CODES (code prompts during the login),
# CT_SSH_SUDO_CODES and CT_SSH_PWS (prompts while COMMAND ran), CT_SSH_RC
# (COMMAND's exit status; -1 if it never ran) and CT_SSH_LOG (the
# transcript: what COMMAND printed).
ct_ssh_n=0
ct_ssh() {
	local user=$1 answer=$2 cmd=$3
	ct_ssh_n=$((ct_ssh_n + 1))
	CT_SSH_LOG=$E2E/log/ssh-$ct_ssh_n.log
	SESSION_USER=$user SESSION_ANSWER=$answer SESSION_PW=$CT_PASSWORD SESSION_SUM=$CT_SSH_LOG.sum \
		expect -f "$top_srcdir/tests/ssh_session.exp" \
		nsenter -t "$CT_PID1" -a -r -w -- env -i PATH=/usr/bin:/bin HOME=/root TERM=dumb \
		ssh -tt -F /dev/null -i "/root/keys/$user" -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PreferredAuthentications=publickey,keyboard-interactive -o NumberOfPasswordPrompts=1 \
		-o ConnectTimeout=10 "$user@127.0.0.1" "echo SESSION-BEGIN; $cmd; echo RC=\$?" \
		>"$CT_SSH_LOG" 2>>"$E2E/log/expect.err"
	CT_SSH_CODES=0 CT_SSH_SUDO_CODES=0 CT_SSH_PWS=0 CT_SSH_RC=-1
	[ ! -s "$CT_SSH_LOG.sum" ] || read -r CT_SSH_CODES CT_SSH_SUDO_CODES CT_SSH_PWS CT_SSH_RC <"$CT_SSH_LOG.sum"
	echo "$(date +%T.%N | cut -c1-12) ct_ssh $user '$cmd': login_codes=$CT_SSH_CODES" \
		"codes=$CT_SSH_SUDO_CODES pws=$CT_SSH_PWS rc=$CT_SSH_RC" >&2
}

# --- the whole set-up -------------------------------------------------------------

# ct_setup ROOT: boots ROOT and installs and configures Vigil in it, as an
# admin following the README would, up to (not including) enabling the
# sockets: the first scenario does that, and watches what it does.
ct_setup() {
	ct_build
	ct_boot "$1"
	ct_install
	ct_users
	ct_pam_sshd
	ct_vigilctl_wrapper
	# Codes are drawn from successive 30 s steps (tests/lib.sh).
	ct_conf 10-test '[totp]' 'window = 3'
}

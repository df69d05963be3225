#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Vigil's Debian packages in a booted container: builds vigil and
# libpam-vigil with scripts/deb.sh (dpkg-buildpackage in a copy of the
# tree), boots the same cached Debian 12 root as run.sh (systemd as PID 1,
# throwaway overlay, own network: nothing can be downloaded, so the root
# must already hold every dependency), and follows the packages' life:
#   - `dpkg -i` of both, `apt-get check`: the sockets enabled and listening,
#     vigild not started, the module in the multiarch PAM directory owned by
#     libpam-vigil, vigil.conf a conffile, the catalog in journald's
#     database, /var/lib/vigil made 0700, `dpkg -V` clean;
#   - a real ssh login (key and code) through ssh.service with the shipped
#     pam.d/sshd from the package's examples, decided by the package's
#     vigild (socket-activated; the records' _EXE and unit say so) and
#     audited; bob, not enrolled, refused;
#   - a local edit of /etc/vigil/vigil.conf, then `dpkg -i` again (an
#     upgrade to the same version): the edit is kept without a prompt,
#     `dpkg -V` names only that file, the sockets were not restarted,
#     vigild was (try-restart) and still knows alice;
#   - `apt-get remove`: the programs and units gone and stopped,
#     /etc/vigil and /var/lib/vigil kept;
#   - `apt-get purge`: /etc/vigil, /var/lib/vigil, /run/vigil gone, every
#     path `dpkg -L` listed gone (directories other packages own excepted),
#     nothing named *vigil* left on the file system, the catalog entries
#     gone from journald's database.
# One ok/not ok line per check, then "N passed, N failed".
#
# Runs as root in private mount and PID namespaces of its own, like run.sh
# (the container dies with it; the cached root is never written).  Usage:
#   sudo make check TESTS=tests/container/deb.sh
#   sudo top_srcdir=SRC top_builddir=BUILD tests/container/deb.sh
# CT_KEEP=1 keeps the tree (the packages, the build log, every log).
set -uo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
# shellcheck source=lib.sh
. "$top_srcdir/tests/container/lib.sh"

[ "$(id -u)" -eq 0 ] || vt_skip "needs root (dpkg-buildpackage's dependencies, systemd-nspawn)"
# The packages do not depend on how this build tree was configured: test
# them once, from the plain build.
[ -z "${VIGIL_ASAN_PRELOAD:-}" ] || vt_skip "the packages are tested from the build without sanitizers"
for tool in systemd-nspawn debootstrap dpkg-buildpackage; do
	command -v "$tool" >/dev/null 2>&1 || vt_skip "needs $tool"
done
[ -d "$top_srcdir/debian" ] || vt_skip "no debian/ in $top_srcdir (a release tarball)"
vt_require unshare nsenter expect oathtool ssh-keygen pgrep tar gcc

if [ -z "${VT_IN_NAMESPACE:-}" ]; then
	exec unshare -m -p -f --mount-proc --propagation private env VT_IN_NAMESPACE=1 bash "$0" "$@"
fi

ct_tree

PK_PASSED=0 PK_FAILED=0
pk_check() {
	local what=$1
	shift
	if "$@" >>"$E2E/log/checks.log" 2>&1; then
		echo "ok - $what"
		PK_PASSED=$((PK_PASSED + 1))
	else
		echo "not ok - $what"
		PK_FAILED=$((PK_FAILED + 1))
	fi
}

MULTIARCH=$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH)
MODULE=/usr/lib/$MULTIARCH/security/pam_vigil.so
SOCKETS="vigild.socket vigild-pam.socket vigild-admin.socket"
EDIT="# a local edit (tests/container/deb.sh)"

# pk_dpkg ARGS...: dpkg or apt-get inside, never asking (stdin closed), its
# output in log/dpkg.log.
pk_dpkg() {
	echo "+ $*" >>"$E2E/log/dpkg.log"
	ct env DEBIAN_FRONTEND=noninteractive "$@" </dev/null >>"$E2E/log/dpkg.log" 2>&1
}

pk_status() { [ "$(ct dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "$2" ]; }

pk_sockets() {
	local u
	for u in $SOCKETS; do
		[ "$(ct_prop "$u" "$1")" = "$2" ] || return 1
	done
}

# pk_sockets_since: each socket became active when it was before the upgrade.
pk_sockets_since() {
	local u
	for u in $SOCKETS; do
		[ "$(ct_prop "$u" ActiveEnterTimestampMonotonic)" = "${since[$u]}" ] || return 1
	done
}

pk_owner() { [ "$(ct dpkg-query -S "$1" 2>/dev/null | cut -d: -f1)" = "$2" ]; }

# pk_vigild_records CURSOR USER: USER's decision records after CURSOR were
# written by /usr/sbin/vigild running as vigild.service.
pk_vigild_records() {
	e2e_records "$1" | /usr/bin/python3 -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin if l.strip()]
rs = [r for r in rs if r.get("VIGIL_EVENT") == "decision" and r.get("VIGIL_USER") == sys.argv[1]]
print([(r.get("_EXE"), r.get("_CMDLINE"), r.get("_SYSTEMD_UNIT")) for r in rs], file=sys.stderr)
# _EXE as journald resolves it: when this suite runs from a chroot, a path
# under the chroot ("/chroot/usr/sbin/vigild"); the command line is the
# unit ExecStart= as written.
ok = lambda r: (str(r.get("_EXE", "")).endswith("/usr/sbin/vigild")
                and str(r.get("_CMDLINE", "")).startswith("/usr/sbin/vigild ")
                and r.get("_SYSTEMD_UNIT") == "vigild.service")
sys.exit(0 if rs and all(ok(r) for r in rs) else 1)' "$2"
}

pk_catalog_entries() { ct journalctl --list-catalog 2>/dev/null | grep -c ' Vigil '; }

# pk_leftovers LIST: the paths of LIST (dpkg -L) still on disk, other than
# directories another package owns (under their own name or, merged /usr,
# the /lib alias of a /usr/lib one) and the merged-/usr links (/lib).
pk_leftovers() {
	local p
	while read -r p; do
		case $p in "" | /. | /bin | /sbin | /lib | /lib32 | /lib64 | /libx32) continue ;; esac
		ct test -e "$p" -o -L "$p" || continue
		if ct test -d "$p" -a ! -L "$p" &&
			{ ct dpkg-query -S "$p" >/dev/null 2>&1 || ct dpkg-query -S "${p#/usr}" >/dev/null 2>&1; }; then
			continue
		fi
		echo "$p"
	done <"$1"
}

echo "# building the packages with scripts/deb.sh"
start=$(date +%s)
bash "$top_srcdir/scripts/deb.sh" --no-lintian "$E2E/debs" >"$E2E/log/deb.log" 2>&1 ||
	vt_die "scripts/deb.sh failed (see $E2E/log/deb.log and $E2E/debs/build.log)"
debs=$(cd "$E2E/debs" && ls vigil_*.deb libpam-vigil_*.deb 2>/dev/null | tr '\n' ' ')
echo "# built in $(($(date +%s) - start)) s: $debs"
[ "$(wc -w <<<"$debs")" -eq 2 ] || vt_die "scripts/deb.sh did not make vigil and libpam-vigil (see $E2E/log/deb.log)"

echo "# the container root (made once, then cached)"
CT_ROOT=$(bash "$top_srcdir/tests/container/root.sh") || vt_die "no container root"
start=$(date +%s)
ct_boot "$CT_ROOT"
echo "# booted in $(($(date +%s) - start)) s"
ct mkdir -p /root/debs
# shellcheck disable=SC2086
tar -C "$E2E/debs" -c $debs | ct tar -x -C /root/debs || vt_die "copying the packages in failed"

echo "# installing: dpkg -i $debs"
pk_check "dpkg -i of both packages succeeds offline (the root has every dependency)" \
	pk_dpkg sh -c 'dpkg -i /root/debs/*.deb'
pk_check "apt-get check: no broken dependencies" pk_dpkg apt-get check
pk_check "vigil is installed" pk_status vigil "install ok installed"
pk_check "libpam-vigil is installed" pk_status libpam-vigil "install ok installed"
pk_check "the three sockets are enabled" pk_sockets UnitFileState enabled
pk_check "the three sockets listen" pk_sockets ActiveState active
pk_check "vigild.service was not started by the package" [ "$(ct_prop vigild.service ActiveState)" = inactive ]
pk_check "the module is $MODULE, owned by libpam-vigil" pk_owner "$MODULE" libpam-vigil
pk_check "vigild and vigilctl are vigil's" eval 'pk_owner /usr/sbin/vigild vigil && pk_owner /usr/bin/vigilctl vigil'
pk_check "/etc/vigil/vigil.conf is a conffile of vigil" \
	eval 'ct dpkg-query -W -f="\${Conffiles}\n" vigil | grep -q "^ /etc/vigil/vigil.conf "'
pk_check "man pages: pam_vigil(8) vigild(8) vigilctl(1) vigil.conf(5)" ct test -f /usr/share/man/man8/pam_vigil.8.gz \
	-a -f /usr/share/man/man8/vigild.8.gz -a -f /usr/share/man/man1/vigilctl.1.gz -a -f /usr/share/man/man5/vigil.conf.5.gz
pk_check "the catalog is in journald's database ($(pk_catalog_entries) entries)" [ "$(pk_catalog_entries)" -ge 3 ]
pk_check "/var/lib/vigil made by the tmpfiles.d entry: 700 root" \
	[ "$(ct stat -c '%a %U' /var/lib/vigil 2>/dev/null)" = "700 root" ]
pk_check "dpkg -V vigil libpam-vigil: nothing differs" eval '[ -z "$(ct dpkg -V vigil libpam-vigil 2>&1)" ]'

echo "# a real login through the packages: the shipped pam.d/sshd, ssh.service, the package's vigild"
ct_users
ct_pam_sshd
ct_vigilctl_wrapper
ct_conf 10-test '[totp]' 'window = 3'
c=$(e2e_cursor)
vt_enroll alice
pk_check "alice's enrollment started vigild through its socket: Serving logins" \
	[ "$(ct_prop vigild.service StatusText)" = "Serving logins" ]
ct_ssh alice code 'id -un'
pk_check "alice's ssh login asked one code (${CT_SSH_CODES}) and ran its command (rc ${CT_SSH_RC})" \
	[ "$CT_SSH_CODES" = 1 -a "$CT_SSH_RC" = 0 ]
# sshd's line comes through the syslog socket: journald may take a moment.
pk_check "sshd (ssh.service) accepted key and code" \
	e2e_wait 5 ct_journal_has "$c" "Accepted keyboard-interactive/pam for alice" ident:sshd
pk_check "audited: alice's sshd login allowed after a TOTP step-up" \
	eval 'e2e_record "$c" EVENT=decision USER=alice SERVICE=sshd DECISION=allow && e2e_record "$c" EVENT=stepup USER=alice RESULT=ok METHOD=totp'
ct_ssh bob empty 'true'
pk_check "bob, not enrolled, is refused (rc ${CT_SSH_RC})" [ "$CT_SSH_RC" != 0 ]
pk_check "audited: bob denied, not_enrolled" e2e_record "$c" EVENT=decision USER=bob SERVICE=sshd DECISION=deny REASON=not_enrolled
pk_check "every decision came from /usr/sbin/vigild in vigild.service" \
	eval 'pk_vigild_records "$c" alice && pk_vigild_records "$c" bob'

echo "# a local edit of vigil.conf, then the packages again (dpkg -i: an upgrade)"
pid1=$(ct_vigild_pid)
declare -A since
for u in $SOCKETS; do since[$u]=$(ct_prop "$u" ActiveEnterTimestampMonotonic); done
printf '%s\n' "$EDIT" | ct tee -a /etc/vigil/vigil.conf >/dev/null
: >"$E2E/log/reinstall.log"
pk_check "dpkg -i again succeeds, asking nothing" \
	eval 'ct timeout 120 sh -c "dpkg -i /root/debs/*.deb" </dev/null >"$E2E/log/reinstall.log" 2>&1'
pk_check "dpkg said nothing of a configuration file" e2e_not grep -qi 'configuration file' "$E2E/log/reinstall.log"
pk_check "the local edit of /etc/vigil/vigil.conf is kept" ct grep -qxF "$EDIT" /etc/vigil/vigil.conf
pk_check "dpkg -V names only the edited conffile" \
	eval '[ "$(ct dpkg -V vigil libpam-vigil 2>&1 | tee -a "$E2E/log/checks.log")" = "??5?????? c /etc/vigil/vigil.conf" ]'
pk_check "the sockets were not restarted" pk_sockets_since
pid2=$(ct_vigild_pid)
pk_check "vigild was restarted on upgrade ($pid1, then $pid2)" [ "$pid2" != 0 -a "$pid2" != "$pid1" ]
c=$(e2e_cursor)
ct_ssh alice code 'id -un'
pk_check "alice logs in again (rc ${CT_SSH_RC}): the state survived the upgrade" \
	eval '[ "$CT_SSH_RC" = 0 ] && e2e_record "$c" EVENT=decision USER=alice SERVICE=sshd DECISION=allow'

echo "# apt-get remove"
ct dpkg -L vigil libpam-vigil >"$E2E/log/dpkg-L.txt" 2>&1
pk_check "apt-get remove vigil libpam-vigil succeeds" pk_dpkg apt-get remove -y vigil libpam-vigil
pk_check "libpam-vigil warned that /etc/pam.d/sshd still names the module" \
	grep -q '^libpam-vigil: warning: pam_vigil.so is still named in:.*/etc/pam.d/sshd' "$E2E/log/dpkg.log"
pk_check "vigil is removed, its conffiles kept" pk_status vigil "deinstall ok config-files"
pk_check "vigild, vigilctl and the module are gone" ct test ! -e /usr/sbin/vigild -a ! -e /usr/bin/vigilctl -a ! -e "$MODULE"
pk_check "the units are gone and stopped; no vigild runs" \
	eval 'ct test ! -e /lib/systemd/system/vigild.service && pk_sockets ActiveState inactive &&
		[ "$(ct_prop vigild.service ActiveState)" = inactive ] && ! ct pgrep -x vigild'
pk_check "/etc/vigil/vigil.conf is kept, with the local edit" ct grep -qxF "$EDIT" /etc/vigil/vigil.conf
pk_check "/var/lib/vigil is kept (database and host key)" ct test -s /var/lib/vigil/vigil.db -a -s /var/lib/vigil/host.key

echo "# apt-get purge"
pk_check "apt-get purge vigil succeeds" pk_dpkg apt-get purge -y vigil
pk_check "vigil is not installed any more" eval '! ct dpkg-query -W -f="\${Status}" vigil 2>/dev/null | grep -q installed'
pk_check "/etc/vigil, /var/lib/vigil and /run/vigil are gone" ct test ! -e /etc/vigil -a ! -e /var/lib/vigil -a ! -e /run/vigil
pk_check "nothing dpkg -L listed is left ($(wc -l <"$E2E/log/dpkg-L.txt") paths)" \
	eval '[ -z "$(pk_leftovers "$E2E/log/dpkg-L.txt" | tee -a "$E2E/log/checks.log")" ]'
# What the test itself put there, as an admin would take it away.
ct rm -rf /root/debs /etc/ssh/sshd_config.d/vigil.conf /etc/sudoers.d/vigil-test
pk_check "no file named *vigil* is left anywhere" \
	eval '[ -z "$(ct find / -xdev \( -path /proc -o -path /sys -o -path /.vigil-root-complete \) -prune -o -name "*vigil*" -print | tee -a "$E2E/log/checks.log"; ct find /run -name "*vigil*")" ]'
pk_check "the catalog entries are gone from journald's database" [ "$(pk_catalog_entries)" -eq 0 ]

# No seed or typed code in the container's journal or the logs.
ct journalctl --sync 2>/dev/null || true
ct journalctl -o export --no-pager >"$E2E/log/journal.export" 2>/dev/null
e2e_no_secrets "$E2E/log/journal.export" "$E2E"/log/*
PK_PASSED=$((PK_PASSED + ${E2E_PASSED:-0})) PK_FAILED=$((PK_FAILED + ${E2E_FAILED:-0}))

echo "$PK_PASSED passed, $PK_FAILED failed"
[ "$PK_FAILED" -eq 0 ]

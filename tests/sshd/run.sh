#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A real OpenSSH server in front of pam_vigil.so, in a private mount
# namespace (the host's /etc, /run and /var/log are never touched):
# publickey + keyboard-interactive, an enrolled user logging in from
# 127.0.0.2, again from 127.0.0.2, then from 127.0.0.3.  The first login and
# the new source must ask for a code; the repeat must not.
set -euo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

vt_require_root
[ -z "${VIGIL_ASAN_PRELOAD:-}" ] || vt_skip "a sanitizer build of the module cannot be loaded into sshd"
vt_require unshare expect oathtool ssh ssh-keygen /usr/sbin/sshd

if [ -z "${VT_IN_NAMESPACE:-}" ]; then
	exec unshare -m --propagation private env VT_IN_NAMESPACE=1 bash "$0" "$@"
fi

vt_mktree
SSHD_PID=
cleanup() {
	local rc=$?
	[ -z "$SSHD_PID" ] || { kill "$SSHD_PID" 2>/dev/null || true; wait "$SSHD_PID" 2>/dev/null || true; }
	vt_stop_vigild
	if [ "$rc" -ne 0 ]; then
		echo "--- vigild log" >&2; tail -n 60 "$VT_TMP/log/vigild.log" >&2 || true
		echo "--- sshd log" >&2; tail -n 60 "$VT_TMP/log/sshd.log" >&2 || true
	fi
	rm -rf "$VT_TMP"
	exit "$rc"
}
trap cleanup EXIT

# --- a private system: users, PAM stacks, /run, /var/log -----------------
uid=2001
cp /etc/passwd /etc/group /etc/shadow "$VT_TMP/etc/"
echo "alice:x:$uid:$uid::$VT_TMP/home/alice:/bin/sh" >>"$VT_TMP/etc/passwd"
echo "alice:x:$uid:" >>"$VT_TMP/etc/group"
echo "alice:*:19000:0:99999:7:::" >>"$VT_TMP/etc/shadow"
for f in passwd group shadow; do mount --bind "$VT_TMP/etc/$f" "/etc/$f"; done
mkdir -p "$VT_TMP/home/alice" && chown "$uid:$uid" "$VT_TMP/home/alice"

mkdir -m 755 "$VT_TMP/pam.d"
module="$(vt_module) socket=$VT_SOCKET timeout=5"
cat >"$VT_TMP/pam.d/sshd" <<EOF
auth     required $module
account  required $module
session  required $module
EOF
echo "auth required pam_deny.so" >"$VT_TMP/pam.d/other"
mount --bind "$VT_TMP/pam.d" /etc/pam.d
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -m 755 /run/sshd
mount -t tmpfs tmpfs /var/log

# --- vigild: a new source address alone is enough to step up here --------
vt_config "$VT_TMP/etc/vigil.conf" \
	'[risk]' 'new_source = 30' \
	'[totp]' 'window = 3'
vt_start_vigild "$VT_TMP/etc/vigil.conf"
vt_enroll alice

# --- sshd ------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$VT_TMP/etc/hostkey"
mkdir -m 755 "$VT_TMP/keys" "$VT_TMP/authorized"
ssh-keygen -q -t ed25519 -N '' -C alice -f "$VT_TMP/keys/alice"
cp "$VT_TMP/keys/alice.pub" "$VT_TMP/authorized/alice"

start_sshd() {
	local try port
	for try in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 30000))
		cat >"$VT_TMP/etc/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $VT_TMP/etc/hostkey
PidFile none
UsePAM yes
PubkeyAuthentication yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
AuthenticationMethods publickey,keyboard-interactive
AuthorizedKeysFile $VT_TMP/authorized/%u
UseDNS no
StrictModes no
PermitRootLogin no
LogLevel DEBUG2
EOF
		/usr/sbin/sshd -D -f "$VT_TMP/etc/sshd_config" -E "$VT_TMP/log/sshd.log" &
		SSHD_PID=$!
		for _ in $(seq 1 100); do
			if grep -q "Server listening" "$VT_TMP/log/sshd.log" 2>/dev/null; then
				SSHD_PORT=$port
				return 0
			fi
			kill -0 "$SSHD_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$SSHD_PID" 2>/dev/null || true
		wait "$SSHD_PID" 2>/dev/null || true
		SSHD_PID=
	done
	vt_die "sshd did not start"
}
start_sshd

# The askpass program answers keyboard-interactive prompts with the next
# code and counts how often it was asked.
cat >"$VT_TMP/askpass" <<EOF
#!/usr/bin/env bash
top_builddir='$top_builddir'; top_srcdir='$top_srcdir'; VT_TMP='$VT_TMP'
. "\$top_srcdir/tests/lib.sh"
echo asked >>"\$VT_TMP/log/asked"
vt_next_code alice
EOF
chmod 755 "$VT_TMP/askpass"
: >"$VT_TMP/log/asked"

# ssh_from ADDR: logs in as alice from ADDR and runs a command.
ssh_from() {
	SSH_ASKPASS="$VT_TMP/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid -w \
		ssh -F /dev/null -p "$SSHD_PORT" -b "$1" -i "$VT_TMP/keys/alice" -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PreferredAuthentications=publickey,keyboard-interactive -o NumberOfPasswordPrompts=1 \
		-o ConnectTimeout=10 alice@127.0.0.1 'echo vigil-ok' </dev/null 2>"$VT_TMP/log/ssh.err"
}
asked() { wc -l <"$VT_TMP/log/asked"; }

failures=0
check() { # NAME EXPECTED_ASKED OUTPUT
	if [ "$3" = vigil-ok ] && [ "$(asked)" -eq "$2" ]; then
		echo "ok - $1"
	else
		echo "not ok - $1 (output '$3', prompts $(asked), expected $2)"
		cat "$VT_TMP/log/ssh.err" >&2
		failures=$((failures + 1))
	fi
}

out=$(ssh_from 127.0.0.2) || true
check "first login from 127.0.0.2 asks for a code" 1 "$out"
out=$(ssh_from 127.0.0.2) || true
check "second login from 127.0.0.2 asks nothing" 1 "$out"
out=$(ssh_from 127.0.0.3) || true
check "login from the new source 127.0.0.3 asks for a code" 2 "$out"

# The decisions named their signals (audit on stderr: no journald here).
if grep -q "new_device" "$VT_TMP/log/vigild.log" && grep -q "new_source" "$VT_TMP/log/vigild.log"; then
	echo "ok - the audit names the signals new_device and new_source"
else
	echo "not ok - the audit does not name the signals"
	failures=$((failures + 1))
fi
vt_assert_no_secrets "$VT_TMP/log/vigild.log" "$VT_TMP/log/sshd.log"
echo "ok - no TOTP seed in the vigild or sshd logs"

echo "$((4 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]

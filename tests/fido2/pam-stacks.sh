#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# pam_vigil.so touching a security key on real libpam stacks: pamtester
# under pam_wrapper (service "login" with a tty and no rhost: a local
# login) and a real setuid su, against a real vigild, with the soft key
# (tests/fido2/softkey) plugged in through /etc/ld.so.preload of a private
# mount namespace.  Root enrolls the keys (vigilctl key enroll --user) and
# makes the recovery codes (vigilctl recovery generate --user).  Each case
# is judged from outside: pamtester's PAM result, vigild's audit lines, the
# soft key's signature counter and PIN retries, the texts the conversation
# showed, and how long it took.
#   a touch allows; a remote login is never asked to touch (no helper run);
#   no key plugged in falls back to a code at once; touch=no is refused
#   within touch_timeout; a PIN is asked through the conversation, a right
#   one allows and a wrong one is refused; a cloned key is denied and
#   audited, and the original is retired while TOTP still works; the helper
#   runs with a clean environment, as root under a root caller and as the
#   invoking user under su.
# Root only (mount namespaces, vigild's root checks); skipped otherwise.
set -u

if ! ldconfig -p 2>/dev/null | grep -q 'libpam_wrapper\.so'; then
	echo "SKIP: pam_wrapper is not installed (Debian: libpam-wrapper)"
	exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/fido2/lib.sh"
fido2_test_needs unshare mount pamtester oathtool expect setpriv su
export top_srcdir top_builddir
sk=$top_builddir/tests/fido2/softkey
for f in "$sk/.libs/softkey.so" "$sk/.libs/softkey-dev.so" "$sk/softkey-ctl" "$top_builddir/cli/vigilctl" \
	"$top_builddir/helper/vigil-fido2" "$top_builddir/.libs/pam_vigil.so" "$top_builddir/daemon/vigild"; do
	if [ ! -e "$f" ]; then
		echo "FAIL: $f not built (make check builds it)"
		exit 1
	fi
done

if [ "${PAM_STACKS_NS:-}" != 1 ]; then
	exec unshare -m --propagation private env PAM_STACKS_NS=1 "$0" "$@"
fi

# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/fido2/softkey/plug.sh"
vt_mktree
cleanup() {
	local rc=$?
	vt_stop_vigild
	for d in /tmp/pam.*; do
		[ -d "$d" ] || continue
		if grep -qsF "$VT_TMP" "$d"/*; then rm -rf "$d"; fi
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		echo "--- vigild log (last 60 lines)" >&2
		tail -n 60 "$VT_TMP/log/vigild.log" >&2
	fi
	if [ -n "${VT_KEEP:-}" ]; then echo "kept $VT_TMP" >&2; else rm -rf "$VT_TMP"; fi
	exit "$rc"
}
trap cleanup EXIT

fails=0
ok() { echo "ok - $*"; }
bad() {
	echo "FAIL - $*"
	fails=$((fails + 1))
}
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}

# The key's state lives in a private /run; the test users exist only in a
# private passwd (for su) and in nss_wrapper's copy of it (for vigild).
mount -t tmpfs -o mode=0755 tmpfs /run || exit 1
mkdir -p /run/vigil-softkey
state=/run/vigil-softkey/state
ctl=$sk/softkey-ctl
$ctl init $state || exit 1
softkey_plug "$(readlink -f "$sk/.libs/softkey.so")" "$VT_TMP" || {
	echo "FAIL: cannot plug softkey.so in"
	exit 1
}
cp /etc/passwd /etc/group "$VT_TMP/etc/"
echo "mallory:x:3901:3901::/nonexistent:/bin/sh" >>"$VT_TMP/etc/passwd"
echo "alice:x:3902:3902::/nonexistent:/bin/sh" >>"$VT_TMP/etc/passwd"
echo "mallory:x:3901:" >>"$VT_TMP/etc/group"
echo "alice:x:3902:" >>"$VT_TMP/etc/group"
mount --bind "$VT_TMP/etc/passwd" /etc/passwd && mount --bind "$VT_TMP/etc/group" /etc/group || exit 1

# The module, the helper and a spy in front of it, where an unprivileged
# helper (under su) can run them.
mkdir -m 755 "$VT_TMP/lib" "$VT_TMP/pam.d"
mkdir -m 1777 "$VT_TMP/spy"
install -m 755 "$top_builddir/helper/vigil-fido2" "$VT_TMP/lib/vigil-fido2"
install -m 644 "$top_builddir/.libs/pam_vigil.so" "$VT_TMP/lib/pam_vigil.so"
cat >"$VT_TMP/lib/spy" <<EOF
#!/bin/sh
# Who runs the helper, and with what environment, before it runs.
{ echo "euid=\$(id -u) uid=\$(id -ru)"; env | sort; } >"$VT_TMP/spy/out" 2>&1
exec $VT_TMP/lib/vigil-fido2 "\$@"
EOF
chmod 755 "$VT_TMP/lib/spy"
mod="$VT_TMP/lib/pam_vigil.so socket=$VT_SOCKET timeout=5"
echo "auth required $mod fido2_helper=$VT_TMP/lib/vigil-fido2" >"$VT_TMP/pam.d/login"
echo "auth required $mod fido2_helper=$VT_TMP/lib/spy" >"$VT_TMP/pam.d/spy"
echo "auth required pam_deny.so" >"$VT_TMP/pam.d/other"
chmod 644 "$VT_TMP"/pam.d/*

# A new device steps up (40 points); only auth runs, so nothing is learned
# and every login below steps up.  touch_timeout as short as it may be.
VT_TOTP_WINDOW=8
vt_config "$VT_TMP/etc/vigil.conf" '[policy]' 'stepup_at = 30' 'deny_at = 100' 'no_factor = deny' \
	'[totp]' "window = $VT_TOTP_WINDOW" '[lockout]' 'deny = 20' 'interval = 900' 'unlock = 600' \
	'[fido2]' 'touch_timeout = 5'
vt_start_vigild "$VT_TMP/etc/vigil.conf"
log=$VT_TMP/log/vigild.log

ctl_as_root() { "$top_builddir/cli/vigilctl" --socket "$VT_SOCKET" "$@"; }
enroll_key() { # enroll_key USER NAME [--uv]: root enrolls USER's key; a PIN, if asked, on stdin
	ctl_as_root key enroll --user "$1" --name "$2" "${@:3}" >>"$VT_TMP/log/vigilctl.log" 2>&1
}

# login USER INPUT [pamtester -I items...]: one pamtester authenticate;
# sets rc (pamtester's), out (what the conversation showed and pamtester
# said) and ms (how long it took).  INPUT is what the echo-off prompts
# read, one line each.
login() {
	local user=$1 input=$2 svc=${SVC:-login} t0 t1
	shift 2
	t0=$(date +%s%N)
	out=$(printf '%b' "$input" | env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$VT_TMP/pam.d" pamtester -v "$@" "$svc" "$user" authenticate 2>&1)
	rc=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	echo "$out" >>"$VT_TMP/log/conversations"
}
counter() { $ctl get $state counter; }
allowed() { [ "$rc" -eq 0 ] && grep -q "successfully authenticated" <<<"$out"; }
refused() { [ "$rc" -ne 0 ] && grep -q "Authentication failure" <<<"$out"; }
said() { grep -qF -- "$1" <<<"$out"; }
# touches WANT: the PIN prompts and the lines that say "touch" in $out, in
# order, each followed by "|", are WANT.
touches() { [ "$(grep -oi 'Security key PIN\|[^.:]*touch[^.]*\.' <<<"$out" | sed 's/^ *//' | tr '\n' '|')" = "$1" ]; }
# Audit lines vigild wrote since mark.
mark() { mark=$(wc -l <"$log"); }
since() { tail -n +$((mark + 1)) "$log"; }
audited() { since | grep -q -- "$1"; }

# --- enrollment ------------------------------------------------------------------
vt_enroll alice
check "alice's key enrolled (vigilctl key enroll --user alice)" enroll_key alice alice-key </dev/null
check "dave's key enrolled (dave has no TOTP)" enroll_key dave dave-key </dev/null
check "the soft key holds both credentials" [ "$($ctl get $state creds | wc -l)" -eq 2 ]

# --- a local login: the first touch allows ----------------------------------------------
c0=$(counter)
mark
login alice '' -I tty=/dev/tty1
check "local login with a key: allowed with no code typed ($ms ms)" allowed
check "... the module said why a key is asked, not to touch" said "this login looks new (new device); it needs your security key."
check "... and one line said to touch: the helper's" touches "Touch your security key.|"
check "... the key signed once (counter $c0 -> $(counter))" [ "$(counter)" -eq $((c0 + 1)) ]
check "... vigild allowed it with method fido2" bash -c 'grep "decision\|stepup" <<<"$1" | grep -q "fido2"' _ "$(since)"

# --- remote: never asked to touch ----------------------------------------------------------
c0=$(counter)
mark
login alice "$(vt_next_code alice)\n" -I rhost=192.0.2.7 -I tty=ssh
check "remote login: allowed with a TOTP code" allowed
check "... asked for a code, never to touch" bash -c '! grep -qi "security key" <<<"$1" && grep -q "authenticator app" <<<"$1"' _ "$out"
check "... the key was not used (counter still $c0)" [ "$(counter)" -eq "$c0" ]

# --- no key plugged in: a code at once -------------------------------------------------------
mv $state "$VT_TMP/unplugged"
mark
login alice "$(vt_next_code alice)\n" -I tty=/dev/tty1
mv "$VT_TMP/unplugged" $state
check "no key plugged in: allowed with a code ($ms ms)" allowed
check "... the fallback text was shown" said "your security key was not used; enter a code instead."
check "... at once, not after the touch timeout ($ms ms < 4000)" [ "$ms" -lt 4000 ]
check "... vigild recorded the key not used (no_device)" audited "no_device"

# --- touch=no: refused within the touch timeout -----------------------------------------------
$ctl set $state touch no
c0=$(counter)
mark
login dave '' -I tty=/dev/tty1
$ctl set $state touch yes
check "touch=no, no code to fall back to: refused ($ms ms)" refused
check "... after the 5 s touch timeout, within a few seconds of it ($ms ms)" [ "$ms" -ge 4500 -a "$ms" -le 11000 ]
check "... told the key was not used" said "your security key was not used"
check "... vigild denied it: key_not_used" audited "key_not_used"
check "... nothing signed" [ "$(counter)" -eq "$c0" ]
echo "# touch=no refused after $ms ms (touch_timeout = 5)"

# --- a PIN --------------------------------------------------------------------------------------
$ctl set $state pin 4321 >/dev/null
pin_enroll() { enroll_key "$@" <<<4321; }
check "carol's key enrolled with --uv (the PIN given to MakeCredential)" pin_enroll carol carol-key --uv
mark
login carol '4321\n' -I tty=/dev/tty1
check "uv key, right PIN: allowed" allowed
check "... the PIN was asked through the conversation" said "Security key PIN"
check "... then, once, to touch" touches "Security key PIN|Touch your security key.|"
r0=$($ctl get $state retries)
mark
login carol '9999\n' -I tty=/dev/tty1
check "uv key, wrong PIN: refused" refused
check "... the key counted a wrong PIN ($r0 -> $($ctl get $state retries))" [ "$($ctl get $state retries)" -eq $((r0 - 1)) ]
check "... vigild recorded it: pin_invalid, key_not_used" bash -c 'grep -q pin_invalid <<<"$1" && grep -q key_not_used <<<"$1"' _ "$(since)"
$ctl set $state pin - >/dev/null

# --- the helper's environment and user ------------------------------------------------------------
SVC=spy login alice '' -I tty=/dev/tty1
check "spy: a touch through the spy allows" allowed
check "spy: as a root caller's, the helper runs as root" grep -q "^euid=0 uid=0" "$VT_TMP/spy/out"
check "spy: its environment is PATH alone (and what sh adds)" \
	bash -c '[ -z "$(grep -v "^euid=\|^PATH=/usr/sbin:/usr/bin:/sbin:/bin$\|^PWD=\|^SHLVL=\|^_=" "$1")" ]' _ "$VT_TMP/spy/out"
check "spy: no PAM_WRAPPER, LD_PRELOAD or VT_ variable leaked into it" bash -c '! grep -q "PAM_WRAPPER\|LD_PRELOAD\|VT_" "$1"' _ "$VT_TMP/spy/out"
# A real su (setuid) invoked by mallory: the helper runs as mallory.
cp -a /etc/pam.d "$VT_TMP/etc/pam.d"
echo "auth required $mod fido2_helper=$VT_TMP/lib/spy
account required pam_permit.so
session required pam_permit.so" >"$VT_TMP/etc/pam.d/su"
mount --bind "$VT_TMP/etc/pam.d" /etc/pam.d
rm -f "$VT_TMP/spy/out"
SU_OUT=$VT_TMP/log/su.out expect -f - >/dev/null 2>&1 <<'EOF'
set timeout 30
log_file -noappend $env(SU_OUT)
spawn setpriv --reuid=3901 --regid=3901 --init-groups su -c "echo SU-RAN" alice
expect { "SU-RAN" {} timeout {} eof {} }
# Closed first: a su still waiting at a prompt (a code asked because the
# key was not there) would make wait block for ever.
catch close
catch wait
EOF
check "su by mallory: alice's touch let su through" grep -q "SU-RAN" "$VT_TMP/log/su.out"
check "su by mallory: the helper ran as mallory (3901), not root" grep -q "^euid=3901 uid=3901" "$VT_TMP/spy/out"
umount /etc/pam.d

# --- a cloned key ---------------------------------------------------------------------------------
cp $state "$VT_TMP/original"
$ctl copy $state "$VT_TMP/clone"
$ctl counter "$VT_TMP/clone" 1
cp "$VT_TMP/clone" $state
mark
login alice "$(vt_next_code alice)\n" -I tty=/dev/tty1
check "cloned key (counter set back to 1): the touch did not let alice in by itself" bash -c '! grep "decision" <<<"$1" | grep -q "VIGIL_DECISION=allow"' _ "$(since)"
check "... refused (pamtester: Authentication failure)" refused
check "... vigild audited cloned_key" audited "cloned_key"
cp "$VT_TMP/original" $state
c0=$(counter)
mark
login alice "$(vt_next_code alice)\n" -I tty=/dev/tty1
check "the original key is retired: not asked to touch, or its touch refused" \
	bash -c '! grep -q "AUTH_ASSERTION status=ok" <<<"$1"' _ "$(since)"
check "... and TOTP still lets alice in" allowed
check "... with the TOTP code (method totp)" bash -c 'grep "decision" <<<"$1" | grep -q "totp"' _ "$(since)"

# --- a recovery code: the login is told how many are left --------------------------------------
ctl_as_root recovery generate --user alice 2>>"$VT_TMP/log/vigilctl.log" |
	grep -oE '\b[a-z]{4}-[a-z]{4}-[a-z]{4}\b' >"$VT_TMP/secrets/alice.recovery"
check "alice's recovery codes generated (10)" [ "$(wc -l <"$VT_TMP/secrets/alice.recovery")" -eq 10 ]
mark
login alice "$(head -n 1 "$VT_TMP/secrets/alice.recovery")\n" -I tty=/dev/tty1
check "a recovery code at the code prompt: allowed" allowed
check "... the prompt named recovery codes" said "or a recovery code."
check "... told: 9 left, and how to make new ones" \
	said "Vigil: recovery code accepted; 9 left. Make new ones with 'vigilctl recovery generate'."
login alice "$(head -n 1 "$VT_TMP/secrets/alice.recovery")\n" -I tty=/dev/tty1
check "... the same code again: refused" refused

vt_assert_no_secrets "$VT_TMP/log" 2>/dev/null || true
if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all checks passed"

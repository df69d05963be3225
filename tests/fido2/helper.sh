#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# vigil-fido2 end to end against the software key (tests/fido2/softkey) in a
# private mount namespace: a credential made through helper/fido2_dev.c's
# MakeCredential (fido2-cred -V verifies it), then the helper fed requests on
# stdin as pam_vigil.so feeds it: an assertion that fido2-assert -V verifies,
# the PIN asked only when UV is required and the key has one, a wrong PIN,
# UV without a PIN, built-in UV, no touch (timeout within the timeout + 1 s),
# no key (no_device at once), a credential not on the key, a cancelled PIN,
# SIGTERM during the wait, malformed requests; then the same through
# pam_fido2_assert() (the module's side, tests/fido2/pam_touch) with the PIN
# from the PAM conversation.  Root only (mount namespaces); skipped otherwise.
# The PINs here are test PINs.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/fido2/lib.sh"
fido2_test_needs unshare mount fido2-cred fido2-assert base64 od
sk=$top_builddir/tests/fido2/softkey
so=$sk/.libs/softkey.so
ctl=$sk/softkey-ctl
helper=$top_builddir/helper/vigil-fido2
make_cred=$top_builddir/tests/fido2/make_cred
pam_touch=$top_builddir/tests/fido2/pam_touch
for f in "$so" "$sk/.libs/softkey-dev.so" "$ctl" "$helper" "$make_cred" "$pam_touch"; do
	if [ ! -e "$f" ]; then
		echo "FAIL: $f not built (make check builds it)"
		exit 1
	fi
done

if [ "${VIGIL_HELPER_NS:-}" != 1 ]; then
	exec unshare -m --propagation private env VIGIL_HELPER_NS=1 "$0" "$@"
fi

tmp=$(mktemp -d /tmp/vigil-helper-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/fido2/softkey/plug.sh"
mount -t tmpfs -o mode=0755 tmpfs /run || exit 1
mkdir -p /run/vigil-softkey
state=/run/vigil-softkey/state
softkey_plug "$(readlink -f "$so")" "$tmp" || { echo "FAIL: cannot plug softkey.so in"; exit 1; }
unset VIGIL_SOFTKEY_STATE
$ctl init $state || exit 1

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
now_ms() { date +%s%3N; }
flags_of() { printf '%s' "$1" | base64 -d | od -An -tu1 -j34 -N1 | tr -d ' '; }

rp=vigil:host.example
cdh=$(head -c32 /dev/urandom | base64 -w0)
uid=$(head -c16 /dev/urandom | base64 -w0)

# request CDH UV TIMEOUT CRED...: what the module writes.
request() {
	local c=$1 uv=$2 t=$3
	shift 3
	printf 'rp %s\nchallenge %s\n' "$rp" "$c"
	for id in "$@"; do printf 'allow %s\n' "$id"; done
	printf 'uv %s\ntimeout %s\nend\n' "$uv" "$t"
}
# run_helper EXTRA_INPUT CDH UV TIMEOUT CRED...: the helper's stdout in $out,
# its exit status in $rc, its running time in $ms; the environment is as
# clean as the module makes it.
run_helper() {
	local extra=$1 t0
	shift
	t0=$(now_ms)
	out=$({ request "$@"; printf '%s' "$extra"; } | env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$helper" 2>"$tmp/helper.err")
	rc=$?
	ms=$(($(now_ms) - t0))
}
# verify OUT CDH [-v]: fido2-assert -V on the helper's "ok" line.
verify() {
	local line cred authdata sig
	line=$(grep '^ok ' <<<"$1") || return 1
	read -r _ cred authdata sig <<<"$line"
	[ "$cred" = "$credid" ] || return 1
	printf '%s\n%s\n%s\n%s\n' "$2" "$rp" "$authdata" "$sig" >"$tmp/assert.in"
	shift 2
	fido2-assert -V -p "$@" -i "$tmp/assert.in" "$tmp/cred.pub" es256
}

# --- MakeCredential through fido2_dev.c ------------------------------------
check "make_cred (fido2_dev_make) makes a packed credential" \
	bash -c '"$1" "$2" alice "$3" "$4" >"$5" 2>"$5.err" && [ "$(sed -n 3p "$5")" = packed ] && grep -qx touch "$5.err"' \
	_ "$make_cred" "$rp" "$uid" "$cdh" "$tmp/cred"
check "fido2-cred -V verifies it" fido2-cred -V -i "$tmp/cred" -o "$tmp/cred.pub" es256
credid=$(sed -n 5p "$tmp/cred")
check "the same key again with its credential excluded: error excluded" \
	bash -c '[ "$("$1" "$2" alice "$3" "$4" exclude="$5" 2>/dev/null)" = "error excluded" ]' \
	_ "$make_cred" "$rp" "$uid" "$cdh" "$credid"
$ctl set $state fmt x5c
check "fmt x5c: the attestation certificate comes out and verifies" \
	bash -c '"$1" "$2" alice "$3" "$4" >"$5" 2>/dev/null && [ "$(wc -l <"$5")" -eq 7 ] && fido2-cred -V -i "$5" -o /dev/null es256' \
	_ "$make_cred" "$rp" "$uid" "$cdh" "$tmp/cred-x5c"
$ctl set $state fmt none
check "fmt none: made, no signature, no certificate" \
	bash -c '"$1" "$2" alice "$3" "$4" >"$5" 2>/dev/null && [ "$(sed -n 3p "$5")" = none ] && [ -z "$(sed -n 6p "$5")" ]' \
	_ "$make_cred" "$rp" "$uid" "$cdh" "$tmp/cred-none"
$ctl set $state fmt packed
check "resident credential" bash -c '"$1" "$2" alice "$3" "$4" rk >/dev/null 2>&1 && "$5" get "$6" creds | grep -q "rk=1 $2"' \
	_ "$make_cred" "$rp" "$uid" "$cdh" "$ctl" "$state"

$ctl set $state pin 5678
check "with a PIN on the key, MakeCredential asks for it before the touch and gets UV" \
	bash -c 'VIGIL_TEST_PIN=5678 "$1" "$2" alice "$3" "$4" >"$5" 2>"$5.err" && fido2-cred -V -v -i "$5" -o /dev/null es256 &&
		[ "$(cat "$5.err")" = "pin"$'"'"'\n'"'"'touch ]' \
	_ "$make_cred" "$rp" "$uid" "$cdh" "$tmp/cred-pin"
check "... and without one given: error cancelled" \
	bash -c '[ "$("$1" "$2" alice "$3" "$4" 2>/dev/null)" = "error cancelled" ]' _ "$make_cred" "$rp" "$uid" "$cdh"
check "... a wrong one: error pin_invalid" \
	bash -c '[ "$(VIGIL_TEST_PIN=0000 "$1" "$2" alice "$3" "$4" 2>/dev/null)" = "error pin_invalid" ]' \
	_ "$make_cred" "$rp" "$uid" "$cdh"
$ctl set $state pin -

# --- the helper --------------------------------------------------------------
other=$(head -c32 /dev/urandom | base64 -w0)
run_helper "" "$cdh" 0 5000 "$other" "$credid"
check "an assertion comes back (exit $rc, touch announced)" \
	bash -c '[ "$1" -eq 0 ] && [ "$(sed -n 1p <<<"$2")" = touch ] && [ "$(wc -l <<<"$2")" -eq 2 ]' _ "$rc" "$out"
check "fido2-assert -V verifies it, for this credential" verify "$out" "$cdh"
check "it does not verify for another challenge" bash -c '! verify "$1" "$2" 2>/dev/null' _ "$out" "$other"
export -f verify
export tmp rp credid
run_helper "" "$cdh" 1 5000 "$credid"
check "uv=1 on a key with no PIN and no built-in UV: error uv_unsupported" \
	bash -c '[ "$1" = "error uv_unsupported" ] && [ "$2" -eq 1 ]' _ "$out" "$rc"

$ctl set $state uv builtin
run_helper "" "$cdh" 1 5000 "$credid"
check "built-in UV: no PIN asked, UV flag set, verifies with -v" \
	bash -c '! grep -qx pin <<<"$1" && verify "$1" "$2" -v' _ "$out" "$cdh"
$ctl set $state uv none

$ctl set $state pin 1234
run_helper "pin 1234"$'\n' "$cdh" 1 5000 "$credid"
check "uv=1 and a PIN on the key: the PIN is asked, first of all" [ "$(sed -n 1p <<<"$out")" = pin ]
check "... and with the right PIN the assertion has UV and verifies with -v" verify "$out" "$cdh" -v
check "... and the PIN appears nowhere on stdout or stderr" bash -c '! grep -q 1234 <<<"$1" && ! grep -q 1234 "$2"' \
	_ "$out" "$tmp/helper.err"
run_helper "" "$cdh" 0 5000 "$credid"
check "uv=0 with a PIN on the key: no PIN asked, the assertion verifies" \
	bash -c '! grep -qx pin <<<"$1" && verify "$1" "$2"' _ "$out" "$cdh"
run_helper "pin 9999"$'\n' "$cdh" 1 5000 "$credid"
check "a wrong PIN: error pin_invalid, exit 1 ($out)" \
	bash -c '[ "$(tail -n1 <<<"$1")" = "error pin_invalid" ] && [ "$2" -eq 1 ]' _ "$out" "$rc"
check "... and it cost a retry (7 left)" [ "$($ctl get $state retries)" = 7 ]
run_helper "cancel"$'\n' "$cdh" 1 5000 "$credid"
check "the user gives no PIN: error cancelled, nothing sent to the key" \
	bash -c '[ "$(tail -n1 <<<"$1")" = "error cancelled" ] && [ "$2" = 7 ]' _ "$out" "$($ctl get $state retries)"
run_helper "pin "$'\n' "$cdh" 1 5000 "$credid"
check "an empty PIN line breaks the protocol: error internal" [ "$(tail -n1 <<<"$out")" = "error internal" ]
$ctl set $state retries 0
run_helper "pin 1234"$'\n' "$cdh" 1 5000 "$credid"
check "retries 0: error pin_blocked ($out)" [ "$(tail -n1 <<<"$out")" = "error pin_blocked" ]
$ctl set $state pin -

run_helper "" "$cdh" 0 5000 "$other"
check "a credential not on the key: error no_credential, at once ($ms ms)" \
	bash -c '[ "$(tail -n1 <<<"$1")" = "error no_credential" ] && [ "$2" -lt 1000 ]' _ "$out" "$ms"
printf 'rp other.example\nchallenge %s\nallow %s\nuv 0\ntimeout 5000\nend\n' "$cdh" "$credid" |
	env -i "$helper" >"$tmp/o" 2>/dev/null
check "a credential of another rp id: error no_credential" [ "$(tail -n1 "$tmp/o")" = "error no_credential" ]

$ctl set $state touch no
run_helper "" "$cdh" 0 1500 "$credid"
check "touch=no, timeout 1500 ms: error timeout after $ms ms (1500..2500)" \
	bash -c '[ "$(tail -n1 <<<"$1")" = "error timeout" ] && [ "$2" -ge 1450 ] && [ "$2" -le 2500 ]' _ "$out" "$ms"
t0=$(now_ms)
{ request "$cdh" 0 3000 "$credid"; sleep 1; } | env -i "$helper" >"$tmp/o" 2>/dev/null &
hp=$!
sleep 0.5
# $! is the last stage of the pipeline: the helper.
kill -TERM "$hp"
wait "$hp"
ms=$(($(now_ms) - t0))
check "SIGTERM during the wait: error cancelled ($(cat "$tmp/o"), $ms ms)" \
	bash -c '[ "$(tail -n1 "$1")" = "error cancelled" ] && [ "$2" -le 4000 ]' _ "$tmp/o" "$ms"
$ctl set $state touch delay:300
run_helper "" "$cdh" 0 3000 "$credid"
check "touch after 300 ms: the assertion verifies" verify "$out" "$cdh"
$ctl set $state touch yes

mv $state "$tmp/unplugged"
run_helper "" "$cdh" 0 5000 "$credid"
check "no key: error no_device at once ($ms ms)" \
	bash -c '[ "$1" = "error no_device" ] && [ "$2" -lt 1000 ]' _ "$out" "$ms"
mv "$tmp/unplugged" $state

bad_request() { # bad_request INPUT: the helper refuses it with exit 2.
	local o
	o=$(printf '%s' "$1" | env -i "$helper" 2>/dev/null)
	[ $? -eq 2 ] && [ "$o" = "error internal" ]
}
for input in \
	"rp $rp"$'\n' \
	"rp $rp"$'\nchallenge AAAA\nallow '"$credid"$'\nuv 0\ntimeout 5000\nend\n' \
	"rp $rp"$'\nchallenge '"$cdh"$'\nuv 0\ntimeout 5000\nend\n' \
	"rp $rp"$'\nchallenge '"$cdh"$'\nallow '"$credid"$'\nuv 2\ntimeout 5000\nend\n' \
	"rp $rp"$'\nchallenge '"$cdh"$'\nallow '"$credid"$'\nuv 0\ntimeout 0\nend\n' \
	"rp $rp"$'\nchallenge '"$cdh"$'\nallow '"$credid"$'\nuv 0\ntimeout 120001\nend\n' \
	"rp $rp"$'\nchallenge '"$cdh"$'\nallow '"$credid"$'\nuv 0\ntimeout 5000\n' \
	"rp $rp"$'\nchallenge '"$cdh"$'\nallow '"${credid%?}"$'\nuv 0\ntimeout 5000\nend\n' \
	"rp $rp"$'\nchallenge '"$cdh"$'\nallow '"$credid"$'\nallow '"$credid"$'\nallow '"$credid"$'\nallow '"$credid"$'\nallow '"$credid"$'\nallow '"$credid"$'\nallow '"$credid"$'\nallow '"$credid"$'\nallow '"$credid"$'\nuv 0\ntimeout 5000\nend\n' \
	"rp $(head -c 5000 /dev/zero | tr '\0' a)"$'\n' \
	"rp a b"$'\nchallenge '"$cdh"$'\nallow '"$credid"$'\nuv 0\ntimeout 5000\nend\n'; do
	check "a malformed request is refused: $(printf '%s' "$input" | tr '\n' '|' | cut -c1-60)" bad_request "$input"
done

# --- the module's side: pam_fido2_assert() with the real helper ------------
$ctl set $state pin 4321
out=$(VIGIL_TEST_PIN=4321 "$pam_touch" "$helper" "$rp" "$cdh" 1 5000 "$credid" 2>"$tmp/conv")
check "pam_fido2_assert + helper: the assertion verifies with -v" verify "$out" "$cdh" -v
check "... the PIN prompt came first (echo off), then the touch text" \
	bash -c '[ "$(sed -n 1p "$1")" = "conv 1 Security key PIN: " ] && [ "$(sed -n 2p "$1")" = "conv 4 Touch your security key." ]' \
	_ "$tmp/conv"
out=$(VIGIL_TEST_PIN=0000 "$pam_touch" "$helper" "$rp" "$cdh" 1 5000 "$credid" 2>/dev/null)
check "pam_fido2_assert + helper, wrong PIN: error pin_invalid" [ "$out" = "error pin_invalid" ]
$ctl set $state pin -
$ctl set $state touch no
t0=$(now_ms)
out=$("$pam_touch" "$helper" "$rp" "$cdh" 0 1000 "$credid" 2>/dev/null)
ms=$(($(now_ms) - t0))
check "pam_fido2_assert + helper, no touch: error timeout in $ms ms (1000..2000)" \
	bash -c '[ "$1" = "error timeout" ] && [ "$2" -ge 950 ] && [ "$2" -le 2000 ]' _ "$out" "$ms"
$ctl set $state touch yes
out=$("$pam_touch" "$helper" "$rp" "$cdh" 0 1000 "$other" 2>/dev/null)
check "pam_fido2_assert + helper, unknown credential: error no_credential" [ "$out" = "error no_credential" ]

echo "$fails failed"
[ "$fails" -eq 0 ]

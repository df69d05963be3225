#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The software FIDO2 key (tests/fido2/softkey) against Debian's fido2-tools,
# which know nothing of it: in a private mount namespace, softkey.so in
# /etc/ld.so.preload, a private /run holding the key's state.
#   listing (fido2-token -L, and fido2_dev_new_with_info), GetInfo;
#   fido2-cred -M / -V with packed self attestation, packed with x5c, none
#   (made; fido2-cred cannot verify it), EdDSA, a resident credential;
#   fido2-assert -G / -V, the counter rising, counter=zero, a clone;
#   a PIN: set, required, right, wrong (retries go down, then refused);
#   touch=no ends in the caller's timeout; CANCEL; touch=delay keeps alive;
#   a process that does not use libfido2 is untouched.
# Root only (mount namespaces); skipped otherwise.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/fido2/lib.sh"
fido2_test_needs unshare mount fido2-token fido2-cred fido2-assert base64 od setsid
sk=$top_builddir/tests/fido2/softkey
so=$sk/.libs/softkey.so
ctl=$sk/softkey-ctl
probe=$sk/softkey-probe
for f in "$so" "$sk/.libs/softkey-dev.so" "$ctl" "$probe"; do
	if [ ! -e "$f" ]; then
		echo "FAIL: $f not built (make check builds it)"
		exit 1
	fi
done

if [ "${SOFTKEY_SMOKE_NS:-}" != 1 ]; then
	exec unshare -m --propagation private env SOFTKEY_SMOKE_NS=1 "$0" "$@"
fi

tmp=$(mktemp -d /tmp/softkey-smoke.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/fido2/softkey/plug.sh"
mount -t tmpfs -o mode=0755 tmpfs /run || exit 1
mkdir -p /run/vigil-softkey
state=/run/vigil-softkey/state
softkey_plug "$(readlink -f "$so")" "$tmp" || { echo "FAIL: cannot plug softkey.so in"; exit 1; }
unset VIGIL_SOFTKEY_STATE

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
b64() { printf '%s' "$1" | base64 -w0; }
# The signature counter and flags of an authenticator data blob as the tools
# print it: base64 of a CBOR byte string, whose 2-byte header (0x58, length)
# comes first.
counter_of() { printf '%s' "$1" | base64 -d | od -An -tu1 -j35 -N4 | awk '{ printf "%d\n", (($1 * 256 + $2) * 256 + $3) * 256 + $4 }'; }
flags_of() { printf '%s' "$1" | base64 -d | od -An -tu1 -j34 -N1 | tr -d ' '; }
# fido2-tools read a PIN from the terminal if they have one: setsid takes it away.
notty() { setsid -w "$@"; }

cdh=$(head -c32 /dev/urandom | base64 -w0)
uid=$(b64 alice-id)
export tmp cdh uid ctype
$ctl init $state || exit 1

# --- listing ---------------------------------------------------------------
out=$(fido2-token -L 2>&1)
check "fido2-token -L lists softkey:0" grep -q '^softkey:0' <<<"$out"
out=$($probe info 2>&1)
check "fido_dev_new_with_info + fido_dev_open_with_info reach the soft key" grep -q 'versions: FIDO_2_0' <<<"$out"
out=$(fido2-token -I softkey:0 2>&1)
check "GetInfo: FIDO_2_0, rk, up, clientPin false, pin protocol 1" \
	bash -c 'grep -q "version strings: FIDO_2_0" <<<"$1" && grep -q "options: rk, up, noclientPin" <<<"$1" &&
		grep -q "pin protocols: 1" <<<"$1"' _ "$out"
check "a shell in the namespace runs with softkey.so mapped and unharmed" \
	bash -c 'grep -q softkey.so /proc/self/maps && [ "$(echo hi)" = hi ]'

# --- make and verify credentials --------------------------------------------
make_cred() { # make_cred OUT [fido2-cred options...]
	local o=$1
	shift
	printf '%s\nexample.org\nalice\n%s\n' "$cdh" "$uid" >"$tmp/cred.in"
	notty fido2-cred -M "$@" -i "$tmp/cred.in" -o "$o" softkey:0 ${ctype:-es256} </dev/null
}
ctype=es256
export -f b64 counter_of flags_of notty make_cred
check "fido2-cred -M (packed, self attestation)" make_cred "$tmp/self.cred"
check "fmt packed, no x5c" bash -c '[ "$(sed -n 3p "$1")" = packed ] && [ "$(wc -l <"$1")" -eq 6 ]' _ "$tmp/self.cred"
check "fido2-cred -V verifies it (fido_cred_verify_self)" fido2-cred -V -i "$tmp/self.cred" -o "$tmp/self.pub" es256
c1=$(counter_of "$(sed -n 4p "$tmp/self.cred")")

$ctl set $state fmt x5c
check "fido2-cred -M (packed, x5c)" make_cred "$tmp/x5c.cred"
check "an x5c certificate is output" bash -c '[ "$(wc -l <"$1")" -eq 7 ]' _ "$tmp/x5c.cred"
check "fido2-cred -V verifies it (fido_cred_verify)" fido2-cred -V -i "$tmp/x5c.cred" -o "$tmp/x5c.pub" es256
check "the certificate parses as X.509 with OU Authenticator Attestation" \
	bash -c 'sed -n 7p "$1" | base64 -d | openssl x509 -inform DER -noout -subject | grep -q "Authenticator Attestation"' _ "$tmp/x5c.cred"
sed -i 's/^\(.\{8\}\)\(.\)/\1A/' "$tmp/x5c.cred" # a broken client data hash
check "a tampered x5c credential does not verify" bash -c '! fido2-cred -V -i "$1" -o /dev/null es256 2>/dev/null' _ "$tmp/x5c.cred"

# fido2-cred -M cannot print a "none" credential (its empty signature is an
# "output error"), and libfido2 1.12 verifies none: ask libfido2 directly.
$ctl set $state fmt none
out=$($probe cred)
check "fmt none: made, no signature, no x5c, a public key ($out)" \
	bash -c '[[ $1 == "fmt=none x5c=0 sig=0 pk=64 "* ]]' _ "$out"
check "fmt none: neither fido_cred_verify nor fido_cred_verify_self accepts it" \
	bash -c '[[ $1 == *"verify=FIDO_ERR_INVALID_ARGUMENT self=FIDO_ERR_INVALID_ARGUMENT" ]]' _ "$out"
$ctl set $state fmt packed

$ctl set $state alg eddsa
ctype=eddsa
check "fido2-cred -M eddsa" make_cred "$tmp/ed.cred"
check "fido2-cred -V verifies the EdDSA credential" fido2-cred -V -i "$tmp/ed.cred" -o "$tmp/ed.pub" eddsa
check "an es256-only request to an eddsa key: UNSUPPORTED_ALGORITHM" \
	bash -c '! ctype=es256 make_cred /dev/null 2>"$tmp/err" && grep -q FIDO_ERR_UNSUPPORTED_ALGORITHM "$tmp/err"'
$ctl set $state alg es256
ctype=es256

# --- assertions ---------------------------------------------------------------
get_assert() { # get_assert CREDFILE OUT [fido2-assert options...]
	local c=$1 o=$2
	shift 2
	printf '%s\nexample.org\n%s\n' "$cdh" "$(sed -n 5p "$c")" >"$tmp/assert.in"
	notty fido2-assert -G "$@" -i "$tmp/assert.in" -o "$o" softkey:0 </dev/null
}
export -f get_assert
check "fido2-assert -G" get_assert "$tmp/self.cred" "$tmp/a1"
check "fido2-assert -V -p verifies it" fido2-assert -V -p -i "$tmp/a1" "$tmp/self.pub" es256
a1=$(counter_of "$(sed -n 3p "$tmp/a1")")
get_assert "$tmp/self.cred" "$tmp/a2"
a2=$(counter_of "$(sed -n 3p "$tmp/a2")")
check "the counter increases ($c1 < $a1 < $a2)" [ "$c1" -lt "$a1" -a "$a1" -lt "$a2" ]
check "softkey-ctl get counter agrees ($a2)" [ "$($ctl get $state counter)" = "$a2" ]
check "an assertion with another key does not verify" \
	bash -c '! fido2-assert -V -i "$1" "$2" es256 2>/dev/null' _ "$tmp/a1" "$tmp/x5c.pub"
check "EdDSA assertion verifies" bash -c 'get_assert "$1" "$2" && fido2-assert -V -i "$2" "$3" eddsa' \
	_ "$tmp/ed.cred" "$tmp/aed" "$tmp/ed.pub"
check "up=false: no UP flag" bash -c 'get_assert "$1" "$2" -t up=false && [ $(( $(flags_of "$(sed -n 3p "$2")") & 1 )) -eq 0 ]' \
	_ "$tmp/self.cred" "$tmp/aup"
printf '%s\nother.example\n%s\n' "$cdh" "$(sed -n 5p "$tmp/self.cred")" >"$tmp/other.in"
check "a credential of another rp id is not found (NO_CREDENTIALS)" \
	bash -c '! setsid -w fido2-assert -G -i "$1" softkey:0 </dev/null 2>"$tmp/err" && grep -q FIDO_ERR_NO_CREDENTIALS "$tmp/err"' \
	_ "$tmp/other.in"

$ctl set $state counter zero
get_assert "$tmp/self.cred" "$tmp/az"
check "counter=zero reports 0" [ "$(counter_of "$(sed -n 3p "$tmp/az")")" = 0 ]
check "counter=zero: the assertion still verifies" fido2-assert -V -i "$tmp/az" "$tmp/self.pub" es256
$ctl set $state counter normal

# A clone: same keys, counter behind.
$ctl copy $state "$tmp/clone"
$ctl counter "$tmp/clone" 1
check "a clone signs with the same key and a lagging counter" bash -c \
	'VIGIL_SOFTKEY_STATE=$1 get_assert "$2" "$3" && fido2-assert -V -i "$3" "$4" es256 && [ "$(counter_of "$(sed -n 3p "$3")")" = 2 ]' \
	_ "$tmp/clone" "$tmp/self.cred" "$tmp/aclone" "$tmp/self.pub"

# A resident credential, found without a credential id.
check "fido2-cred -M -r (resident)" make_cred "$tmp/rk.cred" -r
fido2-cred -V -i "$tmp/rk.cred" -o "$tmp/rk.pub" es256
printf '%s\nexample.org\n' "$cdh" >"$tmp/rk.in"
check "fido2-assert -G -r finds it and returns the user id" bash -c \
	'setsid -w fido2-assert -G -r -i "$1" -o "$2" softkey:0 </dev/null && [ "$(sed -n 5p "$2")" = "$3" ] && fido2-assert -V -i "$2" "$4" es256' \
	_ "$tmp/rk.in" "$tmp/ark" "$uid" "$tmp/rk.pub"
check "two resident credentials: two assertions (GetNextAssertion), counter rising" bash -c \
	'make_cred "$tmp/rk2.cred" -r && setsid -w fido2-assert -G -r -i "$1" -o "$2" softkey:0 </dev/null &&
	[ "$(wc -l <"$2")" -eq 10 ] && [ "$(counter_of "$(sed -n 3p "$2")")" -lt "$(counter_of "$(sed -n 8p "$2")")" ]' \
	_ "$tmp/rk.in" "$tmp/ark2"
check "softkey-ctl get creds lists the resident one" bash -c '"$1" get "$2" creds | grep -q "rk=1 example.org $(printf alice-id | od -An -tx1 | tr -d " \n")"' _ "$ctl" "$state"

# --- PIN -------------------------------------------------------------------------
check "fido2-token -S sets a PIN" bash -c 'printf "1234\n1234\n" | setsid -w fido2-token -S softkey:0 >/dev/null 2>&1'
check "clientPin is now true" bash -c 'fido2-token -I softkey:0 | grep -q "options:.* clientPin"'
check "retries start at 8" [ "$($ctl get $state retries)" = 8 ]
check "with a PIN set, fido2-cred -M -q (no PIN): PIN_REQUIRED" \
	bash -c '! make_cred /dev/null -q 2>"$tmp/err" && grep -q FIDO_ERR_PIN_REQUIRED "$tmp/err"'
check "fido2-cred -M with the right PIN" bash -c 'printf "1234\n" >"$1/pin"; printf "%s\nexample.org\nalice\n%s\n" "$2" "$3" >"$1/cred.in";
	setsid -w fido2-cred -M -i "$1/cred.in" -o "$1/pin.cred" softkey:0 es256 <"$1/pin" 2>/dev/null &&
	fido2-cred -V -v -i "$1/pin.cred" -o "$1/pin.pub" es256' _ "$tmp" "$cdh" "$uid"
check "fido2-assert -G -v with the right PIN: UV flag, verifies with -v" bash -c '
	printf "%s\nexample.org\n%s\n" "$2" "$(sed -n 5p "$1/pin.cred")" >"$1/pa.in"
	setsid -w fido2-assert -G -v -i "$1/pa.in" -o "$1/pa" softkey:0 <"$1/pin" 2>/dev/null &&
	fido2-assert -V -v -i "$1/pa" "$1/pin.pub" es256' _ "$tmp" "$cdh"
check "a right PIN keeps retries at 8" [ "$($ctl get $state retries)" = 8 ]
printf '9999\n' >"$tmp/wrong"
check "fido2-assert -G -v with a wrong PIN is refused" bash -c \
	'! setsid -w fido2-assert -G -v -i "$1/pa.in" -o /dev/null softkey:0 <"$1/wrong" 2>"$1/wrong.err"' _ "$tmp"
check "... with FIDO_ERR_PIN_INVALID" grep -q 'FIDO_ERR_PIN_INVALID' "$tmp/wrong.err"
check "... and retries went down to 7" [ "$($ctl get $state retries)" = 7 ]
$ctl set $state retries 0
check "retries 0: even the right PIN is refused (PIN blocked)" bash -c \
	'! setsid -w fido2-assert -G -v -i "$1/pa.in" -o /dev/null softkey:0 <"$1/pin" 2>"$1/blocked.err" && grep -q FIDO_ERR_PIN_BLOCKED "$1/blocked.err"' _ "$tmp"
$ctl set $state pin -
check "softkey-ctl set pin - clears it" [ "$($ctl get $state pin)" = unset ]

# --- uv=builtin -----------------------------------------------------------------
$ctl set $state uv builtin
check "uv=builtin: GetInfo lists uv" bash -c 'fido2-token -I softkey:0 | grep -q "options:.* uv"'
check "uv=builtin: fido2-assert -t uv=true gets the UV flag" bash -c \
	'setsid -w fido2-assert -G -t uv=true -i "$1/pa.in" -o "$1/auv" softkey:0 </dev/null && fido2-assert -V -v -i "$1/auv" "$1/pin.pub" es256' _ "$tmp"
$ctl set $state uv none
check "uv=none: -t uv=true is refused (UNSUPPORTED_OPTION)" bash -c \
	'! setsid -w fido2-assert -G -t uv=true -i "$1/pa.in" -o /dev/null softkey:0 </dev/null 2>"$1/err" &&
	grep -q FIDO_ERR_UNSUPPORTED_OPTION "$1/err"' _ "$tmp"

# --- touch ---------------------------------------------------------------------
$ctl set $state touch no
out=$($probe timeout 700)
check "touch=no: MakeCredential ends at the caller's timeout ($out)" \
	bash -c 'set -- $1; [ "$1" = FIDO_ERR_RX ] && [ "$2" -ge 650 ] && [ "$2" -lt 3000 ]' _ "$out"
out=$($probe cancel)
check "touch=no: CANCEL ends it with KEEPALIVE_CANCEL ($out)" bash -c 'set -- $1; [ "$1" = FIDO_ERR_KEEPALIVE_CANCEL ]' _ "$out"
$ctl set $state touch delay:400
out=$($probe timeout 3000)
check "touch=delay:400: keepalives, then made after ~400 ms ($out)" \
	bash -c 'set -- $1; [ "$1" = FIDO_ERR_SUCCESS ] && [ "$2" -ge 380 ] && [ "$2" -lt 2500 ]' _ "$out"
out=$($probe timeout 100)
check "touch=delay:400 with a 100 ms timeout: times out ($out)" bash -c 'set -- $1; [ "$1" = FIDO_ERR_RX ]' _ "$out"
$ctl set $state touch yes

# --- unplugged: no state file ----------------------------------------------------
mv $state "$tmp/unplugged"
check "no state file: fido2-token -L does not list the key" bash -c '! fido2-token -L 2>/dev/null | grep -q softkey'
check "no state file: fido2-token -I softkey:0 fails" bash -c '! fido2-token -I softkey:0 >/dev/null 2>&1'
mv "$tmp/unplugged" $state

# --- harmless elsewhere -----------------------------------------------------------
check "a clean-environment, unprivileged process still runs" \
	env -i /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true
check "the soft key is usable by an unprivileged user (state file 0666)" \
	bash -c 'env -i /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups fido2-token -I softkey:0 | grep -q FIDO_2_0'

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all checks passed"

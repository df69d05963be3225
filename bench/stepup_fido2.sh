#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# What a FIDO2 step-up costs next to a TOTP one, on a real libpam stack
# (pamtester under pam_wrapper) against a private vigild, the soft key
# (tests/fido2/softkey, touch=yes: no human in the loop) plugged in through
# /etc/ld.so.preload of a private mount namespace.  For each of N rounds:
#   fido2: a local login (tty, no rhost) that touches the key; timed from
#          the helper's start (a one-line sh wrapper in front of vigil-fido2
#          stamps it) to pamtester's exit, which follows the DECISION, and
#          end to end (pamtester's start to exit);
#   totp:  the same user from an rhost, answering a code; end to end.
# Prints the median and max of each in milliseconds.  Root only; builds
# nothing (takes a built tree, default ./build).
# Usage: sudo bench/stepup_fido2.sh [ROUNDS] [BUILD_DIR]
set -u
rounds=${1:-8}
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${2:-$top_srcdir/build}" && pwd)
export top_srcdir top_builddir
[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; exit 77; }
[ "$rounds" -ge 1 ] && [ "$rounds" -le 8 ] || { echo "ROUNDS: 1..8 (one TOTP step each)" >&2; exit 2; }
if [ "${BENCH_NS:-}" != 1 ]; then
	exec unshare -m --propagation private env BENCH_NS=1 "$0" "$@"
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/fido2/softkey/plug.sh"
sk=$top_builddir/tests/fido2/softkey
vt_mktree
trap 'vt_stop_vigild; rm -rf "$VT_TMP"' EXIT
mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -p /run/vigil-softkey || exit 1
"$sk/softkey-ctl" init /run/vigil-softkey/state || exit 1
softkey_plug "$(readlink -f "$sk/.libs/softkey.so")" "$VT_TMP" || exit 1
mkdir -m 755 "$VT_TMP/lib" "$VT_TMP/pam.d"
install -m 755 "$top_builddir/helper/vigil-fido2" "$VT_TMP/lib/vigil-fido2"
printf '#!/bin/sh\ndate +%%s%%N >%s/helper.start\nexec %s/lib/vigil-fido2 "$@"\n' "$VT_TMP" "$VT_TMP" >"$VT_TMP/lib/stamp"
chmod 755 "$VT_TMP/lib/stamp"
echo "auth required $top_builddir/.libs/pam_vigil.so socket=$VT_SOCKET fido2_helper=$VT_TMP/lib/stamp" \
	>"$VT_TMP/pam.d/login"
echo "auth required pam_deny.so" >"$VT_TMP/pam.d/other"
vt_config "$VT_TMP/etc/vigil.conf" '[policy]' 'stepup_at = 30' 'deny_at = 100' '[totp]' 'window = 8' \
	'[lockout]' 'deny = 20'
vt_start_vigild "$VT_TMP/etc/vigil.conf"
vt_enroll alice
"$top_builddir/tests/fido2/key-enroll" "$VT_SOCKET" alice bench-key >/dev/null || exit 1

pt() { # pt INPUT ITEMS...: one authenticate; prints start and end (ns)
	local input=$1 t0 t1
	shift
	t0=$(date +%s%N)
	printf '%b' "$input" | env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$VT_TMP/pam.d" \
		pamtester "$@" login alice authenticate >/dev/null 2>&1 || { echo "login failed" >&2; exit 1; }
	t1=$(date +%s%N)
	echo "$t0 $t1"
}
stats() { sort -n | awk '{ a[NR] = $1 } END { printf "median %.1f ms, max %.1f ms (n=%d)", a[int((NR + 1) / 2)], a[NR], NR }'; }
: >"$VT_TMP/f.helper" && : >"$VT_TMP/f.total" && : >"$VT_TMP/t.total"
for _ in $(seq 1 "$rounds"); do
	read -r t0 t1 < <(pt '' -I tty=/dev/tty1)
	echo "$(((t1 - $(cat "$VT_TMP/helper.start")) / 1000)) / 1000" | bc -l >>"$VT_TMP/f.helper"
	echo "$(((t1 - t0) / 1000)) / 1000" | bc -l >>"$VT_TMP/f.total"
	read -r t0 t1 < <(pt "$(vt_next_code alice)\n" -I rhost=192.0.2.9 -I tty=ssh)
	echo "$(((t1 - t0) / 1000)) / 1000" | bc -l >>"$VT_TMP/t.total"
done
echo "fido2 step-up, helper start -> decision (pamtester exit): $(stats <"$VT_TMP/f.helper")"
echo "fido2 step-up, end to end (pamtester):                  $(stats <"$VT_TMP/f.total")"
echo "totp  step-up, end to end (pamtester):                  $(stats <"$VT_TMP/t.total")"

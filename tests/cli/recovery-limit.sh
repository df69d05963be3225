#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# vigild makes at most six recovery code sets a minute, all users together
# (each costs it ten scrypt runs on its event loop).  Against a real
# vigild, root runs `vigilctl recovery generate --user alice` seven times
# within a minute: the first six each print ten codes and exit 0; the
# seventh exits 1, says to try again in a minute, and prints no code; one
# for bob right after is refused the same way (the limit is vigild's, not
# a user's); alice's sixth set is still hers (key list: 10 unused).  No
# code in vigild's log.  Root only (vigilctl --user); 77 otherwise.
set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

vt_require_root
for t in expect oathtool; do
	command -v "$t" >/dev/null 2>&1 || vt_skip "missing $t"
done
[ -x "$(vt_vigild_bin)" ] || vt_die "vigild not built"
[ -x "$(vt_vigilctl_bin)" ] || vt_die "vigilctl not built"

vt_mktree
cleanup() {
	local rc=$?
	vt_stop_vigild
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		echo "--- vigild log (last 30 lines)" >&2
		tail -n 30 "$VT_TMP/log/vigild.log" >&2
	fi
	if [ -n "${VT_KEEP:-}" ]; then echo "kept $VT_TMP" >&2; else rm -rf "$VT_TMP"; fi
	exit "$rc"
}
trap cleanup EXIT

passed=0
failed=0
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		passed=$((passed + 1))
	else
		echo "not ok - $what"
		failed=$((failed + 1))
	fi
}

vt_config "$VT_TMP/etc/vigil.conf" '[totp]' 'window = 10'
vt_start_vigild "$VT_TMP/etc/vigil.conf"
vt_enroll alice
vt_enroll bob

OUT=$VT_TMP/log/out
ERR=$VT_TMP/log/err
touch "$VT_TMP/secrets/recovery.codes"
chmod 600 "$VT_TMP/secrets/recovery.codes"
# gen USER: root's recovery generate for USER; sets rc, and keeps the codes
# shown (secrets/recovery.codes) for the leak check.
gen() {
	rc=0
	"$(vt_vigilctl_bin)" --socket "$VT_SOCKET" recovery generate --user "$1" </dev/null >"$OUT" 2>"$ERR" || rc=$?
	codes=$(grep -cE '\b[a-z]{4}-[a-z]{4}-[a-z]{4}\b' "$OUT" "$ERR" | awk -F: '{ n += $2 } END { print n }')
	grep -ohE '\b[a-z]{4}-[a-z]{4}-[a-z]{4}\b' "$OUT" "$ERR" >>"$VT_TMP/secrets/recovery.codes"
}
codes_in() { [ "$(grep -oE '\b[a-z]{4}-[a-z]{4}-[a-z]{4}\b' "$OUT" | wc -l)" -eq "$1" ]; }

start=$(date +%s)
for i in 1 2 3 4 5 6; do
	t0=$(date +%s%N)
	gen alice
	echo "# set $i: $((($(date +%s%N) - t0) / 1000000)) ms"
	check "set $i for alice: exit 0 ($rc), ten codes" eval '[ "$rc" -eq 0 ] && codes_in 10'
done
gen alice
elapsed=$(($(date +%s) - start))
check "the seventh within a minute (${elapsed} s): exit 1 ($rc)" eval '[ "$elapsed" -lt 60 ] && [ "$rc" -eq 1 ]'
check "... says to try again in a minute" grep -q 'try again in a minute' "$ERR"
check "... and no code is printed ($codes)" [ "$codes" -eq 0 ]
sed 's/^/#   /' "$ERR"
gen bob
check "one for bob now is refused too (the limit is vigild's): exit 1 ($rc), no code ($codes)" \
	eval '[ "$rc" -eq 1 ] && [ "$codes" -eq 0 ] && grep -q "try again in a minute" "$ERR"'
check "alice's sixth set is hers still: key list says 10 unused" \
	eval '"$(vt_vigilctl_bin)" --socket "$VT_SOCKET" key list --user alice >"$OUT" 2>&1 && grep -q "recovery codes: 10 unused" "$OUT"'
check "bob has none" \
	eval '"$(vt_vigilctl_bin)" --socket "$VT_SOCKET" key list --user bob >"$OUT" 2>&1 && grep -q "recovery codes: 0 unused" "$OUT"'
check "60 codes were shown, all distinct" \
	eval '[ "$(sort -u "$VT_TMP/secrets/recovery.codes" | wc -l)" -eq 60 ]'
check "no code in vigild's log" eval '! grep -qF -f "$VT_TMP/secrets/recovery.codes" "$VT_TMP/log/vigild.log"'

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]

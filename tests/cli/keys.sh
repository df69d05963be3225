#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# vigilctl's key, recovery and proof verbs against a real vigild, run by
# made-up non-root users (setpriv, nss_wrapper) in a private mount
# namespace with its own journald:
#   1. key add-ssh: a plain ed25519 key refused with vigild's words; an sk
#      key made by OpenSSH's sk-dummy asks alice (who holds TOTP) to prove a
#      factor first; a wrong code is refused and counted, the right one adds
#      it; a second change needs a second proof;
#   2. key list (text and JSON), rename; remove of bob's last factor
#      refused (LAST_FACTOR) for bob, done by root;
#   3. recovery generate: ten distinct codes shaped abcd-efgh-jkmn, shown
#      once; a second set needs another proof; a recovery code proves (and
#      says how many are left); no code in vigild's stderr, the journal or
#      the database files;
#   4. mallory cannot list, add to, rename or remove alice's keys, nor
#      prove for her, and mallory's own failed proofs never lock alice;
#   5. key enroll with a real touch on the software key
#      (tests/fido2/softkey) plugged into this namespace: root enrolls
#      carol's key, lists it, a second enrollment of that key is refused
#      (exclude list); carol proves with a touch (recovery generate); a
#      second key with --uv and a PIN fed on stdin, after a proof that falls
#      back to a code when the key plugged in is not one of hers; totp
#      remove --key proven by a touch (PIN on stdin); a clone's touch (its
#      counter gone back) proves nothing and key list says RETIRED: cloned;
#   6. status shows keys by name and the recovery codes left.
# Prints "ok - ..." / "not ok - ..."; exits 1 if any failed, 77 when not
# root or a tool is missing.  Codes stay in files of the tree and pipes.
set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"
# shellcheck source=../e2e/sk_dummy.sh
. "$top_srcdir/tests/e2e/sk_dummy.sh"

vt_require_root
for t in unshare journalctl expect oathtool setpriv ssh-keygen /lib/systemd/systemd-journald /usr/bin/python3; do
	command -v "$t" >/dev/null 2>&1 || vt_skip "missing $t"
done
sk_dummy_available || vt_skip "OpenSSH's sk-dummy provider is not installed (openssh-tests)"
[ -x "$(vt_vigild_bin)" ] || vt_die "vigild not built"
[ -x "$(vt_vigilctl_bin)" ] || vt_die "vigilctl not built"
SOFTKEY_DIR=$top_builddir/tests/fido2/softkey
SOFTKEY=
# Not in a sanitizer build: its programs need their runtime ahead of the
# preloaded key (the build without sanitizers runs this part).
[ -e "$SOFTKEY_DIR/.libs/softkey.so" ] && [ -x "$SOFTKEY_DIR/softkey-ctl" ] && [ -z "${VIGIL_ASAN_PRELOAD:-}" ] &&
	SOFTKEY=$SOFTKEY_DIR

if [ -z "${VIGIL_CLI_KEYS_NS:-}" ]; then
	export VIGIL_CLI_KEYS_NS=1 top_srcdir top_builddir
	exec unshare -m --propagation private "$BASH" "$0" "$@"
fi

# ---- inside the namespace ----
vt_mktree
vt_nss_setup
cleanup() {
	local rc=$?
	vt_stop_vigild
	vt_stop_journald
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		echo "--- vigild log (last 30 lines)" >&2
		tail -n 30 "$VT_TMP/log/vigild.log" >&2
	fi
	if [ -n "${VT_KEEP:-}" ]; then echo "kept $VT_TMP" >&2; else rm -rf "$VT_TMP"; fi
	exit "$rc"
}
trap cleanup EXIT
# A private /run for the soft key's state; journald's goes below it.
mount -t tmpfs -o mode=0755 tmpfs /run || vt_die "cannot mount a private /run"
vt_journald

passed=0
failed=0
pass() {
	echo "ok - $*"
	passed=$((passed + 1))
}
fail() {
	echo "not ok - $*"
	failed=$((failed + 1))
}
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

mkdir -m 755 "$VT_TMP/bin" "$VT_TMP/keys"
install -m 755 "$(vt_vigilctl_bin)" "$VT_TMP/bin/vigilctl"
CONF=$VT_TMP/etc/vigil.conf
vt_config "$CONF" '[totp]' 'window = 10' '[lockout]' 'deny = 3' 'interval = 900' 'unlock = 600' \
	'[fido2]' 'touch_timeout = 10'
vt_start_vigild "$CONF"

OUT=$VT_TMP/log/out
ERR=$VT_TMP/log/err
CTL=("$VT_TMP/bin/vigilctl" --socket "$VT_SOCKET")
uid_of() { awk -F: -v u="$1" '$1 == u { print $3 }' "$NSS_WRAPPER_PASSWD"; }
# as USER ARGS...: vigilctl ARGS run by USER (root for "root"), stdin kept.
as() {
	local user=$1 uid
	shift
	if [ "$user" = root ]; then
		"${CTL[@]}" "$@" >"$OUT" 2>"$ERR"
	else
		# vigild's per-uid request rate (a burst of 20, then 10 a
		# second) closes the connections of a user over it: pace.
		sleep 0.4
		uid=$(uid_of "$user")
		setpriv --reuid="$uid" --regid="$uid" --clear-groups "${CTL[@]}" "$@" >"$OUT" 2>"$ERR"
	fi
}
# rc WANT USER ARGS...: as USER ARGS exits WANT.
rc() {
	local want=$1 got=0
	shift
	as "$@" || got=$?
	[ "$got" -eq "$want" ] || {
		echo "# vigilctl ${*:2} by $1 exited $got, not $want: $(head -c 400 "$ERR")" >&2
		return 1
	}
}
said() { grep -qF -- "$1" "$OUT" "$ERR"; }
jcount() {
	journalctl --sync 2>/dev/null
	journalctl -o json --no-pager SYSLOG_IDENTIFIER=vigild "$@" 2>/dev/null | grep -c .
}
jhas() {
	local n=$1 end=$((SECONDS + 5))
	shift
	until [ "$(jcount "$@")" -ge "$n" ]; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}
code() { vt_next_code "$1"; }

for u in alice bob mallory; do vt_enroll "$u"; done
ssh-keygen -q -t ed25519 -N '' -C plain -f "$VT_TMP/keys/plain"
sk_dummy_keygen ed25519-sk "$VT_TMP/keys/alice-sk" alice-sk
sk_dummy_keygen ecdsa-sk "$VT_TMP/keys/alice-sk2" alice-sk2
sk_dummy_keygen ed25519-sk "$VT_TMP/keys/bob-sk" bob-sk
sk_dummy_keygen ed25519-sk "$VT_TMP/keys/mallory-sk" mallory-sk
chmod 644 "$VT_TMP"/keys/*.pub

# ---- 1. add-ssh and the proof -------------------------------------------
check "1 a plain ed25519 key is refused: exit 1" rc 1 alice key add-ssh "$VT_TMP/keys/plain.pub" </dev/null
check "1 ... with vigild's words" eval 'grep -q "key add-ssh: key refused: .*sk-" "$ERR"'
check "1 ... and no proof was asked" eval '! said "Prove one of your factors first"'
check "1 a wrong code: exit 1" rc 1 alice key add-ssh --name laptop "$VT_TMP/keys/alice-sk.pub" <<<000000
check "1 ... after asking for a proof" said "Prove one of your factors first:"
check "1 ... refused" said "the proof failed"
check "1 ... and counted (audited bad_code)" jhas 1 VIGIL_USER=alice VIGIL_RESULT=bad_code
check "1 nothing was added" eval 'rc 0 alice key list && said "  none"'
check "1 the right code adds it (key on stdin, code after it)" \
	eval 'rc 0 alice key add-ssh --name laptop - < <(cat "$VT_TMP/keys/alice-sk.pub"; code alice)'
check "1 ... says so" said "OpenSSH security key laptop added."
check "1 a second change needs a second proof" rc 1 alice key add-ssh --name second "$VT_TMP/keys/alice-sk2.pub" </dev/null
check "1 ... asked again" eval 'said "Prove one of your factors first:" && said "no code entered"'
check "1 the same key again: exit 1, exists" \
	eval 'rc 1 alice key add-ssh --name again "$VT_TMP/keys/alice-sk.pub" < <(code alice) && said "enrolled already"'

# ---- 2. list, rename, remove ---------------------------------------------
fp=$(ssh-keygen -l -E sha256 -f "$VT_TMP/keys/alice-sk.pub" | cut -d' ' -f2)
check "2 key list: exit 0" rc 0 alice key list
check "2 ... names laptop as ssh-sk" eval 'grep -q "^  laptop  ssh-sk  id " "$OUT"'
check "2 ... with no recovery codes" said "recovery codes: 0 unused"
check "2 key list --json" eval 'rc 0 alice key list --json && /usr/bin/python3 -c "import json,sys
d = json.load(open(sys.argv[1]))
assert d[\"user\"] == \"alice\" and d[\"recovery_left\"] == 0, d
k = d[\"keys\"]
assert len(k) == 1 and k[0][\"name\"] == \"laptop\" and k[0][\"type\"] == \"ssh-sk\" and not k[0][\"cloned\"], k
assert k[0][\"created\"] > 0 and k[0][\"last_used\"] is None, k" "$OUT"'
check "2 rename laptop work: exit 0" rc 0 alice key rename laptop work </dev/null
check "2 ... says so" said "Key laptop renamed to work."
check "2 rename of a missing key: exit 1" eval 'rc 1 alice key rename nosuch x </dev/null && said "no such key: nosuch"'
check "2 root adds bob's only factor besides TOTP... (add-ssh --user bob)" \
	rc 0 root key add-ssh --user bob --name bobkey "$VT_TMP/keys/bob-sk.pub" </dev/null
check "2 root removes bob's TOTP (factor remove)" \
	eval '"${CTL[@]}" --admin-socket "$VT_TMP/run/admin.sock" factor remove --user bob totp >"$OUT" 2>&1'
check "2 bob removing his last factor: exit 1" rc 1 bob key remove bobkey </dev/null
check "2 ... LAST_FACTOR, said plainly" said "this is the last factor; only root removes it"
check "2 root removes it: exit 0" eval 'rc 0 root key remove --user bob bobkey </dev/null && said "Key bobkey removed."'
check "2 usage: key rename with one name: exit 2" rc 2 alice key rename work </dev/null
check "2 usage: key frob: exit 2" rc 2 alice key frob </dev/null

# ---- 3. recovery codes -----------------------------------------------------
check "3 recovery generate: exit 0 after a proof" eval 'rc 0 alice recovery generate < <(code alice)'
cp "$OUT" "$VT_TMP/secrets/recovery.out"
chmod 600 "$VT_TMP/secrets/recovery.out"
grep -oE '\b[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\b' "$VT_TMP/secrets/recovery.out" >"$VT_TMP/secrets/recovery.codes"
check "3 ten codes shaped abcd-efgh-jkmn" eval '[ "$(grep -cE "^[a-z]{4}-[a-z]{4}-[a-z]{4}$" "$VT_TMP/secrets/recovery.codes")" -eq 10 ]'
check "3 ... all distinct" eval '[ "$(sort -u "$VT_TMP/secrets/recovery.codes" | wc -l)" -eq 10 ]'
check "3 ... said to be shown once, single use, voided by a new set" \
	eval 'grep -q "shown once" "$OUT" && grep -q "Each works once" "$OUT" && grep -q "voids these" "$OUT"'
check "3 key list counts them" eval 'rc 0 alice key list && said "recovery codes: 10 unused"'
check "3 a second set needs another proof" eval 'rc 1 alice recovery generate </dev/null && said "Prove one of your factors first:"'
check "3 a recovery code proves (key add-ssh)" \
	eval 'rc 0 alice key add-ssh --name second "$VT_TMP/keys/alice-sk2.pub" < <(sed -n 1p "$VT_TMP/secrets/recovery.codes")'
check "3 ... and says how many are left" said "Recovery code accepted: 9 left."
check "3 the same recovery code twice is refused" \
	eval 'rc 1 alice key remove second < <(sed -n 1p "$VT_TMP/secrets/recovery.codes")'
check "3 status lists keys by name and the codes left" eval 'rc 0 alice status && grep -q "^  ssh-sk work  enrolled" "$OUT" &&
	grep -q "^  ssh-sk second  enrolled" "$OUT" && grep -q "^  recovery 9 codes left" "$OUT"'
check "3 status --json too" eval 'rc 0 alice status --json && /usr/bin/python3 -c "import json,sys
d = json.load(open(sys.argv[1]))
f = d[\"factors\"]
assert {x[\"name\"] for x in f if x[\"type\"] == \"ssh-sk\"} == {\"work\", \"second\"}, f
assert [x[\"remaining\"] for x in f if x[\"type\"] == \"recovery\"] == [9], f" "$OUT"'

# ---- 4. an attacker ----------------------------------------------------------
for v in "key list --user alice" "key add-ssh --user alice $VT_TMP/keys/mallory-sk.pub" \
	"key rename --user alice work stolen" "key remove --user alice work" "recovery generate --user alice" \
	"key enroll --user alice"; do
	# shellcheck disable=SC2086
	check "4 mallory: $v: exit 1, permission" eval 'rc 1 mallory '"$v"' </dev/null && grep -q permission "$ERR"'
done
for i in 1 2 3; do
	check "4 mallory's own failed proof $i: exit 1" rc 1 mallory key add-ssh "$VT_TMP/keys/mallory-sk.pub" <<<000000
done
check "4 mallory is then locked" eval 'rc 1 mallory key add-ssh "$VT_TMP/keys/mallory-sk.pub" <<<000000 && said "locked"'
check "4 alice is not: her proof works" eval 'rc 0 alice key remove second < <(code alice) && said "Key second removed."'
check "4 alice's keys are untouched" eval 'rc 0 alice key list && grep -q "^  work  ssh-sk" "$OUT" && ! grep -q stolen "$OUT"'

# ---- 5. key enroll with a real touch (software key) ----------------------------
if [ -z "$SOFTKEY" ]; then
	echo "# SKIP 5: the software key is not built (make check builds it)"
else
	. "$top_srcdir/tests/fido2/softkey/plug.sh"
	mkdir -p /run/vigil-softkey "$VT_TMP/softkey"
	chmod 755 /run/vigil-softkey "$VT_TMP/softkey"
	SKCTL=$SOFTKEY/softkey-ctl
	"$SKCTL" init /run/vigil-softkey/state >/dev/null || vt_die "softkey-ctl init"
	"$SKCTL" init "$VT_TMP/softkey/second" >/dev/null || vt_die "softkey-ctl init"
	"$SKCTL" set "$VT_TMP/softkey/second" pin 4321 >/dev/null || vt_die "softkey-ctl set pin"
	softkey_plug "$(readlink -f "$SOFTKEY/.libs/softkey.so")" "$VT_TMP/softkey" || vt_die "cannot plug the soft key in"
	vt_enroll carol
	check "5 root enrolls carol's key: exit 0" rc 0 root key enroll --user carol --name k1 </dev/null
	check "5 ... says so" said "Security key k1 enrolled."
	check "5 ... after a touch" said "Touch your security key"
	check "5 key list shows it" eval 'rc 0 carol key list && grep -q "^  k1  fido2  id " "$OUT" && grep -q "counter" "$OUT"'
	check "5 the same key again: exit 1 (exclude list)" \
		eval 'rc 1 root key enroll --user carol --name k1b </dev/null && said "already enrolled"'
	check "5 carol proves with a touch (recovery generate)" \
		eval 'rc 0 carol recovery generate </dev/null && said "Prove one of your factors first:" && said "Touch your security key"'
	check "5 a second key with --uv and a PIN on stdin, the proof falling back to a code" \
		eval 'VIGIL_SOFTKEY_STATE=$VT_TMP/softkey/second rc 0 carol key enroll --name k2 --uv < <(code carol; echo 4321)'
	check "5 ... the first key was not hers, a code instead" said "a code instead"
	check "5 ... k2 enrolled" said "Security key k2 enrolled."
	check "5 ... no PIN in the output" eval '! grep -q 4321 "$OUT" "$ERR"'
	check "5 key list: k2 has uv" eval 'rc 0 carol key list --json && /usr/bin/python3 -c "import json,sys
k = {x[\"name\"]: x for x in json.load(open(sys.argv[1]))[\"keys\"]}
assert k[\"k2\"][\"uv\"] and k[\"k2\"][\"type\"] == \"fido2\" and not k[\"k1\"][\"uv\"], k" "$OUT"'
	check "5 totp remove --key: a touch proves it" \
		eval 'VIGIL_SOFTKEY_STATE=$VT_TMP/softkey/second rc 0 carol totp remove --key <<<4321 &&
			said "Touch your security key" && said "TOTP factor removed."'
	"$SKCTL" counter "$VT_TMP/softkey/second" 1 >/dev/null || vt_die "softkey-ctl counter"
	check "5 a clone's touch (counter gone back) proves nothing" \
		eval 'VIGIL_SOFTKEY_STATE=$VT_TMP/softkey/second rc 1 carol recovery generate <<<4321'
	check "5 key list says it plainly" eval 'rc 0 carol key list && grep -q "RETIRED: cloned" "$OUT"'
fi

# ---- secrets -------------------------------------------------------------------
journalctl --sync 2>/dev/null
journalctl -o json --no-pager >"$VT_TMP/log/journal.json" 2>/dev/null
check "no recovery code in vigild's stderr, the journal or the database" \
	eval '! grep -qF -f "$VT_TMP/secrets/recovery.codes" "$VT_TMP/log/vigild.log" "$VT_TMP/log/journal.json" "$VT_TMP"/state/*'
check "no TOTP code used in vigild's stderr or the journal" \
	eval '! grep -qwF -f "$VT_TMP/secrets/codes.used" "$VT_TMP/log/vigild.log" "$VT_TMP/log/journal.json"'

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]

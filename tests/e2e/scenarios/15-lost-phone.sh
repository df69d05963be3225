# SPDX-License-Identifier: BSD-3-Clause
# 15. Lost phone: the admin removes a user's TOTP factor with the installed
#     vigilctl on the admin socket, the user is enrolled again, and only the
#     new seed opens a login.  Proves, for alice over real ssh:
#     - a code from her first seed lets her in (a new device: step-up);
#     - `vigilctl factor remove --user alice totp` as root: exit 0, and one
#       admin record in the journal (user alice, method totp,
#       factor_removed), none of it naming the seed;
#     - a login that must step up (another of her keys) is then refused
#       without a prompt: not enrolled;
#     - `vigilctl totp enroll --user alice` as root works again (no "you
#       already have a TOTP factor"), and status lists one totp factor;
#     - a code from the old seed is refused (bad_code), a code from the new
#       one lets her in.

scenario() {
	local cur rc s="$E2E/secrets"
	e2e_vigild_start 15 '[totp]' 'window = 3'
	e2e_sshd_start 15

	e2e_enroll alice
	cp "$s/alice.b32" "$s/alice-old.b32"
	e2e_ssh alice 127.0.0.2 alice code
	e2e_check "alice logs in with a code of her first seed" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"

	cur=$(e2e_cursor)
	rc=0
	"$E2E_VIGILCTL" factor remove --user alice totp >"$E2E/log/s15-remove.out" 2>&1 || rc=$?
	e2e_check "vigilctl factor remove --user alice totp: exit 0" test "$rc" = 0
	e2e_check "... it says alice can enroll again" grep -q "they can enroll again" "$E2E/log/s15-remove.out"
	e2e_check "journal: one admin record, alice, totp, factor_removed" \
		e2e_wait 5 eval 'test "$(e2e_count "$cur" EVENT=admin USER=alice METHOD=totp RESULT=factor_removed)" = 1'
	"$E2E_VIGILCTL" status --user alice >"$E2E/log/s15-status-removed.out" 2>&1
	e2e_check "status: alice has no factor" \
		eval 'sed -n "/^factors:/{n;p}" "$E2E/log/s15-status-removed.out" | grep -qx "  none"'

	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice2 empty
	e2e_check "with another key (a step-up is owed) alice is refused, no code asked" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED" = "255:0"
	e2e_check "journal: denied, not_enrolled" \
		e2e_record "$cur" EVENT=decision DECISION=deny REASON=not_enrolled USER=alice

	e2e_enroll alice
	e2e_check "root enrolls alice again (not 'already have a TOTP factor')" \
		e2e_not grep -q "already" "$E2E/log/enroll-alice.log"
	"$E2E_VIGILCTL" status --user alice >"$E2E/log/s15-status-again.out" 2>&1
	e2e_check "status: one totp factor" \
		eval '[ "$(sed -n "/^factors:/,/^known devices:/p" "$E2E/log/s15-status-again.out" | grep -c "^  totp")" = 1 ]'
	e2e_check "the new seed differs from the old one" e2e_not cmp -s "$s/alice.b32" "$s/alice-old.b32"

	cur=$(e2e_cursor)
	(umask 077 && oathtool --totp -b "$(cat "$s/alice-old.b32")" >"$s/alice-old.code")
	e2e_ssh alice 127.0.0.2 alice2 "@$s/alice-old.code"
	e2e_check "a code of the old seed: one code asked, refused" test "$E2E_SSH_RC:$E2E_SSH_ASKED" = "255:1"
	e2e_check "journal: that step-up failed (bad_code)" \
		e2e_record "$cur" EVENT=stepup RESULT=bad_code METHOD=totp USER=alice

	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice2 code
	e2e_check "a code of the new seed: alice is in" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"
	e2e_check "journal: allowed with totp" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=alice METHOD=totp
}

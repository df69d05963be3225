# SPDX-License-Identifier: BSD-3-Clause
# 17. An OpenSSH security key enrolled with `vigilctl key add-ssh` is the
#     step-up itself.  sshd runs publickey,keyboard-interactive with
#     ExposeAuthInfo and PubkeyAuthOptions touch-required; every sshd login
#     owes a step-up ([service.sshd] stepup_at = 0, no grants).  victor holds
#     TOTP, an ed25519-sk key made with sk-dummy (enrolled as "vsk"), his
#     plain ed25519 key and an ecdsa-sk key that is in authorized_keys but
#     never enrolled.  Proven:
#     - the enrolled sk key logs in with no Vigil prompt at all; the journal
#       has the stepup decision, the step-up ok and the allow with method
#       ssh-sk and reason stepped_up under the key's fingerprint; the key's
#       last_used in `vigilctl key list --json` goes from null to now;
#     - the plain key is asked a TOTP code, and the right one lets it in;
#     - the ecdsa-sk key that is not enrolled gets the TOTP prompt, never a
#       pass: nothing in its login says ssh-sk;
#     - after `vigilctl key remove`, the ed25519-sk key gets the TOTP prompt;
#     - [policy] strong_at = 1, strong_methods = fido2, ssh-sk (vigild
#       restarted): wendy's enrolled sk key still passes without a prompt,
#       and her plain-key login (TOTP only) is refused at once with reason
#       no_usable_factor, nothing asked.
# shellcheck source=../sk_dummy.sh
. "$top_srcdir/tests/e2e/sk_dummy.sh"

S17_CONF=(
	'[totp]' 'window = 10'
	'[policy]' 'grant_lifetime = 0' 'methods = fido2, ssh-sk, totp, recovery'
	'[service.sshd]' 'stepup_at = 0'
)

# s17_ssh USER FROM KEY ANSWER: e2e_ssh through the sk-dummy provider;
# S17_ERR is what the client printed on stderr during this login (the
# keyboard-interactive instructions Vigil sends show up there).
s17_ssh() {
	local before
	before=$(stat -c %s "$E2E/log/ssh.err" 2>/dev/null || echo 0)
	E2E_SSH_OPTS="-o SecurityKeyProvider=$SK_DUMMY" e2e_ssh "$@"
	S17_ERR=$(tail -c +"$((before + 1))" "$E2E/log/ssh.err")
	echo "$(date +%T.%N | cut -c1-12) s17_ssh $*: asked=$E2E_SSH_ASKED rc=$E2E_SSH_RC out=$E2E_SSH_OUT" >&2
}

# s17_last_used USER NAME: the key's last_used from `vigilctl key list
# --json` ("None" for null, "absent" when there is no such key).
s17_last_used() {
	"$E2E_VIGILCTL" key list --user "$1" --json 2>>"$E2E/log/s17-ctl.err" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((k.get("last_used") for k in d.get("keys", []) if k.get("name") == sys.argv[1]), "absent"))' "$2"
}

s17_said_code_prompt() { grep -qF "Verification code" "$E2E/log/asked"; }
s17_nothing_shown() { [ ! -s "$E2E/log/asked" ] && ! grep -qiF -e vigil -e "verification code" <<<"$S17_ERR"; }
s17_at_least() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ]; }

scenario() {
	local cur fp fp_sk fp_ec fp_w fp_wsk t0 used rc=0
	if ! sk_dummy_available; then
		e2e_fail "$SK_DUMMY is missing (Debian package openssh-tests)"
		return 0
	fi
	sk_dummy_keygen ed25519-sk "$E2E/keys/victor-sk" victor-sk || vt_die "no ed25519-sk key from sk-dummy"
	sk_dummy_keygen ecdsa-sk "$E2E/keys/victor-ecsk" victor-ecsk || vt_die "no ecdsa-sk key from sk-dummy"
	sk_dummy_keygen ed25519-sk "$E2E/keys/wendy-sk" wendy-sk || vt_die "no ed25519-sk key from sk-dummy"
	e2e_vigild_start 17 "${S17_CONF[@]}"
	e2e_enroll victor
	e2e_enroll wendy
	e2e_sshd_start 17 'AuthenticationMethods publickey,keyboard-interactive' 'ExposeAuthInfo yes' \
		'PubkeyAuthOptions touch-required'
	# authorized_keys is read at each login: the sk keys join the plain one.
	cat "$E2E/keys/victor-sk.pub" "$E2E/keys/victor-ecsk.pub" >>"$E2E/authorized/victor"
	cat "$E2E/keys/wendy-sk.pub" >>"$E2E/authorized/wendy"
	fp=$(e2e_fingerprint victor)
	fp_sk=$(e2e_fingerprint victor-sk)
	fp_ec=$(e2e_fingerprint victor-ecsk)
	fp_w=$(e2e_fingerprint wendy)
	fp_wsk=$(e2e_fingerprint wendy-sk)

	"$E2E_VIGILCTL" key add-ssh --user victor --name vsk "$E2E/keys/victor-sk.pub" \
		>"$E2E/log/s17-add.out" 2>&1 || rc=$?
	e2e_check "root enrolls victor's ed25519-sk key (key add-ssh --user victor --name vsk): exit 0" test "$rc" = 0
	e2e_check "key list: vsk is there, never used (last_used null)" test "$(s17_last_used victor vsk)" = None

	# 1. The enrolled sk key: the step-up is the login itself.
	cur=$(e2e_cursor)
	t0=$(date +%s)
	s17_ssh victor 127.0.0.2 victor-sk wrong
	e2e_check "enrolled ed25519-sk key: allowed, the command ran" test "$E2E_SSH_RC:$E2E_SSH_OUT" = "0:e2e-ok"
	e2e_check "enrolled ed25519-sk key: no prompt at all, no Vigil text in the conversation" s17_nothing_shown
	e2e_check "journal: a step-up was owed (stepup decision, method ssh-sk, the sk key)" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=victor SERVICE=sshd DEVICE="$fp_sk" METHOD=ssh-sk
	e2e_check "journal: step-up ok with ssh-sk, key vsk" \
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=ssh-sk USER=victor DEVICE="$fp_sk" KEY_NAME=vsk
	e2e_check "journal: allowed, method ssh-sk, reason stepped_up" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=victor SERVICE=sshd DEVICE="$fp_sk" METHOD=ssh-sk \
		REASON=stepped_up
	e2e_check "journal: no TOTP step-up in that login" test "$(e2e_count "$cur" METHOD=totp)" = 0
	used=$(s17_last_used victor vsk)
	e2e_check "key list: vsk's last_used moved to the login's time ($used >= $t0)" s17_at_least "$used" "$t0"

	# 2. The plain key: a TOTP code.
	cur=$(e2e_cursor)
	s17_ssh victor 127.0.0.2 victor code
	e2e_check "plain ed25519 key: one code asked, accepted, the command ran" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:0:e2e-ok"
	e2e_check "plain ed25519 key: the prompt was Vigil's code prompt" s17_said_code_prompt
	e2e_check "journal: plain key allowed with method totp" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=victor DEVICE="$fp" METHOD=totp REASON=stepped_up
	e2e_check "journal: nothing ssh-sk for the plain key" test "$(e2e_count "$cur" METHOD=ssh-sk)" = 0

	# 3. An sk key sshd accepts but Vigil never enrolled: TOTP, never a pass.
	cur=$(e2e_cursor)
	s17_ssh victor 127.0.0.2 victor-ecsk empty
	e2e_check "ecdsa-sk key not enrolled: asked one code, refused without it (no pass)" \
		e2e_like "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" "1:[1-9]*:"
	e2e_check "ecdsa-sk key not enrolled: the prompt was Vigil's code prompt" s17_said_code_prompt
	e2e_check "journal: stepup decision for it offers totp (method totp), under its own fingerprint" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=victor DEVICE="$fp_ec" METHOD=totp
	e2e_check "journal: no allow and nothing ssh-sk for the ecdsa-sk key" \
		test "$(e2e_count "$cur" DECISION=allow):$(e2e_count "$cur" METHOD=ssh-sk)" = 0:0
	cur=$(e2e_cursor)
	s17_ssh victor 127.0.0.2 victor-ecsk code
	e2e_check "ecdsa-sk key not enrolled, right code: allowed with method totp" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$(e2e_count "$cur" DECISION=allow METHOD=totp DEVICE="$fp_ec")" = "1:0:1"

	# 4. Removed: the ed25519-sk key is a plain key again.
	rc=0
	"$E2E_VIGILCTL" key remove --user victor vsk >"$E2E/log/s17-remove.out" 2>&1 || rc=$?
	e2e_check "key remove --user victor vsk: exit 0, gone from key list" \
		test "$rc:$(s17_last_used victor vsk)" = "0:absent"
	cur=$(e2e_cursor)
	s17_ssh victor 127.0.0.2 victor-sk code
	e2e_check "removed sk key: one code asked, accepted, the command ran" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:0:e2e-ok"
	e2e_check "removed sk key: the prompt was Vigil's code prompt" s17_said_code_prompt
	e2e_check "journal: removed sk key allowed with method totp, nothing ssh-sk" \
		test "$(e2e_count "$cur" DECISION=allow METHOD=totp DEVICE="$fp_sk"):$(e2e_count "$cur" METHOD=ssh-sk)" = 1:0

	# 5. The strong band: only fido2 and ssh-sk answer a step-up.
	printf '%s\n' "# scenario 17, strong band" '[totp]' 'window = 10' '[policy]' 'grant_lifetime = 0' \
		'methods = fido2, ssh-sk, totp, recovery' 'strong_at = 1' 'strong_methods = fido2, ssh-sk' \
		'[service.sshd]' 'stepup_at = 0' >"$E2E/s/17/etc/vigil.conf.d/e2e.conf"
	e2e_vigild_restart 17
	rc=0
	"$E2E_VIGILCTL" key add-ssh --user wendy --name wsk - <"$E2E/keys/wendy-sk.pub" \
		>"$E2E/log/s17-add-wendy.out" 2>&1 || rc=$?
	e2e_check "root enrolls wendy's ed25519-sk key from stdin (key add-ssh -): exit 0" test "$rc" = 0

	cur=$(e2e_cursor)
	s17_ssh wendy 127.0.0.3 wendy-sk wrong
	e2e_check "strong band, wendy's enrolled sk key: allowed with no prompt" \
		test "$E2E_SSH_RC:$E2E_SSH_OUT:$E2E_SSH_ASKED" = "0:e2e-ok:0"
	e2e_check "journal: allowed with method ssh-sk, reason stepped_up, a score in the strong band" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=wendy DEVICE="$fp_wsk" METHOD=ssh-sk REASON=stepped_up \
		SCORE='~^[1-9][0-9]*$'

	cur=$(e2e_cursor)
	s17_ssh wendy 127.0.0.4 wendy code
	e2e_check "strong band, wendy's plain key (TOTP only): refused, nothing asked" \
		e2e_like "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" "0:[1-9]*:"
	e2e_check "journal: denied with reason no_usable_factor" \
		e2e_record "$cur" EVENT=decision DECISION=deny USER=wendy SERVICE=sshd DEVICE="$fp_w" \
		REASON=no_usable_factor
	e2e_check "journal: no allow and no step-up for that login" \
		test "$(e2e_count "$cur" DECISION=allow):$(e2e_count "$cur" EVENT=stepup)" = 0:0
}

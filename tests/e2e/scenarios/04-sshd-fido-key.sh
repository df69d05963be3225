# SPDX-License-Identifier: BSD-3-Clause
# 4. An OpenSSH FIDO key (ed25519-sk) made and used with OpenSSH's software
#    authenticator (sk-dummy.so from Debian's openssh-tests), through the
#    shipped sshd configuration.  alice first logs in with her ordinary key
#    from A (127.0.0.2), so the source is known; then her sk key from A is a
#    new device: sshd accepts the ED25519-SK key, one code is asked, and the
#    journal files the login under the sk key's SHA256 fingerprint with the
#    single signal new_device.  The same sk key again asks nothing (allow,
#    score 0).  The daemon does not treat an sk key as a FIDO2 factor yet:
#    what is asserted is the device, and that the factor used is TOTP.
S04_SK_DUMMY=/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so

s04_sshd_accepted_sk() { # FINGERPRINT: sshd accepted that sk key
	grep -qF -- "ED25519-SK $1" "$E2E/log/sshd-04.log"
}

scenario() {
	local cur fp fp_sk
	if [ ! -f "$S04_SK_DUMMY" ]; then
		e2e_fail "$S04_SK_DUMMY is missing (Debian package openssh-tests)"
		return 0
	fi
	# Made before sshd starts: e2e_sshd_start adds keys/alice-sk.pub to
	# alice's authorized keys.
	rm -f "$E2E/keys/alice-sk" "$E2E/keys/alice-sk.pub"
	ssh-keygen -q -t ed25519-sk -w "$S04_SK_DUMMY" -N '' -C alice-sk -f "$E2E/keys/alice-sk" ||
		vt_die "ssh-keygen could not make an ed25519-sk key with sk-dummy"
	e2e_vigild_start 04 '[totp]' 'window = 3'
	e2e_enroll alice
	e2e_sshd_start 04
	fp=$(e2e_fingerprint alice)
	fp_sk=$(e2e_fingerprint alice-sk)
	e2e_check "the sk key is an ED25519-SK key with its own SHA256 fingerprint" \
		test "$(ssh-keygen -l -f "$E2E/keys/alice-sk.pub" | awk '{print $NF}')" = "(ED25519-SK)" -a \
		"${fp_sk#SHA256:}" != "$fp_sk" -a "$fp_sk" != "$fp"

	# The source first, with alice's ordinary key.
	e2e_ssh alice 127.0.0.2 alice code
	e2e_check "ordinary key from A: one code asked, the command ran" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:0:e2e-ok"

	cur=$(e2e_cursor)
	E2E_SSH_OPTS="-o SecurityKeyProvider=$S04_SK_DUMMY" e2e_ssh alice 127.0.0.2 alice-sk code
	e2e_check "sk key from A, first time: one code asked, the command ran" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "1:0:e2e-ok"
	e2e_check "sshd accepted the ED25519-SK key by its fingerprint" s04_sshd_accepted_sk "$fp_sk"
	e2e_check "journal: stepup for new_device only, the device is the sk key's fingerprint" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=alice SERVICE=sshd RHOST=127.0.0.2 \
		DEVICE="$fp_sk" SIGNALS=new_device SCORE=40
	e2e_check "journal: the code was accepted (stepup ok, method totp), for the sk key" \
		e2e_record "$cur" EVENT=stepup RESULT=ok METHOD=totp USER=alice DEVICE="$fp_sk"
	e2e_check "journal: allowed with method totp for the sk key" \
		e2e_record "$cur" EVENT=decision DECISION=allow METHOD=totp USER=alice RHOST=127.0.0.2 DEVICE="$fp_sk"
	e2e_check "journal: nothing in this login was filed under the ordinary key" \
		test "$(e2e_count "$cur" DEVICE="$fp")" = 0

	cur=$(e2e_cursor)
	E2E_SSH_OPTS="-o SecurityKeyProvider=$S04_SK_DUMMY" e2e_ssh alice 127.0.0.2 alice-sk code
	e2e_check "sk key from A again: no code asked, the command ran" \
		test "$E2E_SSH_ASKED:$E2E_SSH_RC:$E2E_SSH_OUT" = "0:0:e2e-ok"
	e2e_check "journal: allowed with score 0, no signal, method none, device the sk key" \
		e2e_record "$cur" EVENT=decision DECISION=allow USER=alice RHOST=127.0.0.2 DEVICE="$fp_sk" SCORE=0 \
		SIGNALS= METHOD=none
	e2e_check "journal: no step-up for it" test "$(e2e_count "$cur" EVENT=stepup)" = 0
}

# SPDX-License-Identifier: BSD-3-Clause
# 16. A roll-out that converges: learn, then shadow, then enforce, with the
#    shipped vigil.conf and the mode set in a drop-in, switched by SIGHUP as
#    an admin would.  alice and bob (both enrolled) log in over ssh from
#    their usual keys and addresses (alice 127.0.0.2, bob 127.0.0.3) and run
#    sudo in those sessions; days are simulated by several logins each (the
#    clock is not moved: nothing here depends on a day passing).  Proven:
#    - learn: nothing is asked (no Vigil code, sudo's password only), every
#      login is let in; the first one of each user is audited as the step-up
#      enforcement would have asked (VIGIL_MODE=learn) and allowed with
#      reason learn; their keys and addresses are learned, and no grant is
#      written (no factor was proved);
#    - shadow: still nothing asked; `vigilctl report` over the shadow days
#      shows every ssh login as would-allow and only sudo as would-step-up
#      (a sudo scores the privileged signal alone, 30 = stepup_at);
#    - enforce: the same ordinary ssh logins are allowed with no prompt and
#      score 0; a sudo in such a session asks a code (by design: a
#      privileged action wants a fresh second factor); a new key (alice2)
#      and a new address (bob from 127.0.1.3) still step up.

S16_DAYS_LEARN=3
S16_DAYS_SHADOW=2

# s16_sudo USER FROM: an ssh -tt session of USER from FROM running sudo id -u
# (tests/ssh_session.exp answers Vigil's prompts with USER's next code and
# sudo's with the password).  Sets S16_SUM: "LOGIN_CODES CODES PWS RC".
s16_n=0
s16_sudo() {
	local user=$1 from=$2 log
	s16_n=$((s16_n + 1))
	log=$E2E/log/16-sudo-$s16_n.log
	SESSION_USER=$user SESSION_PW=$E2E_PASSWORD SESSION_SUM=$log.sum \
		expect -f "$top_srcdir/tests/ssh_session.exp" \
		ssh -tt -F /dev/null -p "$E2E_SSHD_PORT" -b "$from" -i "$E2E/keys/$user" \
		-o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o PreferredAuthentications=publickey,keyboard-interactive \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 "$user@127.0.0.1" \
		"echo SESSION-BEGIN; sudo id -u; echo RC=\$?" >"$log" 2>>"$E2E/log/16-expect.err"
	S16_SUM=$(head -n 1 "$log.sum")
	echo "$(date +%T.%N | cut -c1-12) s16_sudo $user from $from: $S16_SUM" >&2
}

# s16_mode MODE: the scenario's drop-in says mode = MODE; SIGHUP; waits
# until vigilctl config shows it.
s16_mode() {
	local i
	printf '# scenario 16\n[totp]\nwindow = 3\n[policy]\nmode = %s\n' "$1" \
		>"$E2E/s/16/etc/vigil.conf.d/e2e.conf"
	kill -HUP "$E2E_VIGILD_PID"
	for i in $(seq 1 100); do
		s16_ctl config --json && s16_js "E[('policy', 'mode')]['value'] == '$1'" && return 0
		sleep 0.05
	done
	return 1
}

s16_ctl() { "$E2E_VIGILCTL" "$@" >"$E2E/log/16-ctl.out" 2>>"$E2E/log/16-ctl.err"; }
# s16_js EXPR: a python expression over the JSON vigilctl printed last (d;
# E maps (section, key) to a config entry; R maps a report row list to
# {name: (allow, stepup, deny)}).
s16_js() {
	/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
E = {(x["section"], x["key"]): x for x in d.get("entries", [])}
R = lambda rows: {r["name"]: (r["allow"], r["stepup"], r["deny"]) for r in rows}
ok = eval(sys.argv[2])
if not ok:
    print("16: %s is false for %s" % (sys.argv[2], json.dumps(d)), file=sys.stderr)
sys.exit(0 if ok else 1)' "$E2E/log/16-ctl.out" "$1"
}

# One simulated day: each user's ordinary ssh login, then a sudo in an ssh
# session (itself an ssh login: three logins a user a day).  Sets S16_ASKED (Vigil codes asked in all) and S16_FAILED.
s16_day() {
	local u from
	for u in alice bob; do
		from=127.0.0.2
		[ "$u" = bob ] && from=127.0.0.3
		e2e_ssh "$u" "$from" "$u" code
		S16_ASKED=$((S16_ASKED + E2E_SSH_ASKED))
		[ "$E2E_SSH_RC:$E2E_SSH_OUT" = "0:e2e-ok" ] || S16_FAILED=$((S16_FAILED + 1))
		s16_sudo "$u" "$from"
		# No code at login or in sudo; one password; id -u printed 0.
		[ "$S16_SUM" = "0 0 1 0" ] || S16_FAILED=$((S16_FAILED + 1))
	done
}

scenario() {
	local cur day fpa fpa2 fpb since
	e2e_vigild_start 16 '[totp]' 'window = 3' '[policy]' 'mode = learn'
	e2e_enroll alice
	e2e_enroll bob
	e2e_sshd_start 16
	fpa=$(e2e_fingerprint alice)
	fpa2=$(e2e_fingerprint alice2)
	fpb=$(e2e_fingerprint bob)

	# --- learn ---------------------------------------------------------
	cur=$(e2e_cursor)
	S16_ASKED=0 S16_FAILED=0
	for day in $(seq 1 "$S16_DAYS_LEARN"); do s16_day; done
	e2e_check "learn: $S16_DAYS_LEARN days of ssh logins and sudo, nothing asked but sudo's password" \
		test "$S16_ASKED:$S16_FAILED" = "0:0"
	e2e_check "journal: alice's first ssh login audited as the step-up enforcement would ask, mode learn" \
		e2e_record "$cur" EVENT=decision DECISION=stepup REASON=risk USER=alice SERVICE=sshd DEVICE="$fpa" \
		RHOST=127.0.0.2 SCORE=80 MODE=learn ENFORCED=0 SHADOW=!
	e2e_check "journal: then allowed by learn mode (reason learn, method learn)" \
		e2e_record "$cur" EVENT=decision DECISION=allow REASON=learn METHOD=learn USER=alice SERVICE=sshd \
		MODE=learn ENFORCED=!
	e2e_check "journal: her later ssh logins are plain allows, score 0, still marked learn" \
		e2e_record "$cur" EVENT=decision DECISION=allow REASON=low_risk METHOD=none USER=alice SERVICE=sshd \
		SCORE=0 MODE=learn
	e2e_check "journal: sudo in her session: would step up (privileged only, the ssh key), let in by learn" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=alice SERVICE=sudo DEVICE="$fpa" \
		SIGNALS=privileged SCORE=30 MODE=learn RHOST=!
	e2e_check "journal: no step-up was run in learn mode" test "$(e2e_count "$cur" EVENT=stepup)" = 0
	s16_ctl user show alice --json
	e2e_check "learn taught alice's key and address, and wrote no grant" \
		s16_js "[x['fingerprint'] for x in d['devices']] == ['$fpa'] and [x['address'] for x in d['sources']] == ['127.0.0.2'] and d['grants'] == []"
	s16_ctl user show bob --json
	e2e_check "learn taught bob's key and address" \
		s16_js "[x['fingerprint'] for x in d['devices']] == ['$fpb'] and [x['address'] for x in d['sources']] == ['127.0.0.3']"

	# --- shadow --------------------------------------------------------
	e2e_check "switched to shadow by a reload" s16_mode shadow
	sleep 1
	since=$(date +%Y-%m-%dT%H:%M:%S)
	cur=$(e2e_cursor)
	S16_ASKED=0 S16_FAILED=0
	for day in $(seq 1 "$S16_DAYS_SHADOW"); do s16_day; done
	e2e_check "shadow: $S16_DAYS_SHADOW days, nothing asked but sudo's password" \
		test "$S16_ASKED:$S16_FAILED" = "0:0"
	e2e_check "journal: no ssh login would step up or be denied under shadow" \
		test "$(e2e_count "$cur" EVENT=decision SERVICE=sshd DECISION='~^(stepup|deny)$')" = 0
	e2e_check "journal: sudo would step up (privileged, score 30), marked shadow" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=bob SERVICE=sudo SCORE=30 MODE=shadow SHADOW=1 ENFORCED=0
	s16_ctl report --since "$since" --json
	e2e_check "report over the shadow days: every ssh login would be allowed, only sudo would step up" \
		s16_js "d['mode'] == {'enforce': 0, 'shadow': 12, 'learn': 0} and d['would'] == {'allow': 8, 'stepup': 4, 'deny': 0} and R(d['services']) == {'sudo': (0, 4, 0), 'sshd': (8, 0, 0)} and R(d['users']) == {'alice': (4, 2, 0), 'bob': (4, 2, 0)} and list(R(d['reasons'])) == ['risk'] and d['waived'] == 4"
	e2e_check "report (text) says the same in words" bash -c \
		"'$E2E_VIGILCTL' report --since '$since' | grep -q '^As enforcement would decide: allow 8, step up 4, deny 0\$'"

	# --- enforce -------------------------------------------------------
	e2e_check "switched to enforce by a reload" s16_mode enforce
	cur=$(e2e_cursor)
	e2e_ssh alice 127.0.0.2 alice code
	e2e_check "enforce: alice's ordinary ssh login asks nothing" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:0:e2e-ok"
	e2e_ssh bob 127.0.0.3 bob code
	e2e_check "enforce: bob's ordinary ssh login asks nothing" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:0:e2e-ok"
	e2e_check "journal: both allowed, score 0, no mode field" \
		test "$(e2e_count "$cur" EVENT=decision DECISION=allow SERVICE=sshd SCORE=0 METHOD=none MODE=!)" = 2
	s16_sudo alice 127.0.0.2
	e2e_check "enforce: sudo in alice's ordinary session asks one code (fresh second factor), then the password" \
		test "$S16_SUM" = "0 1 1 0"
	e2e_ssh alice 127.0.0.2 alice2 code
	e2e_check "enforce: a new key (alice2) still steps up: one code" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"
	e2e_check "journal: stepup for the new key, new_device" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=alice DEVICE="$fpa2" SIGNALS=new_device MODE=!
	e2e_ssh bob 127.0.1.3 bob code
	e2e_check "enforce: bob from a new address (127.0.1.3) still steps up: one code" \
		test "$E2E_SSH_RC:$E2E_SSH_ASKED:$E2E_SSH_OUT" = "0:1:e2e-ok"
	e2e_check "journal: stepup for the new address, new_source and new_prefix" \
		e2e_record "$cur" EVENT=decision DECISION=stepup USER=bob RHOST=127.0.1.3 SIGNALS=new_source,new_prefix
}
